#!/usr/bin/env bash
# T6 and T7 of `make bench`: how fast serviceplane is usable after exec, and how much memory it then holds, timed
# by bench/restart/exectime.c (fork, exec, CLOCK_MONOTONIC until the READY line / until a GET is answered).
#
#   T6  restart with T6_PODS (100,000) Pods stored. Populated through the API (the fast documented path: ~1 KiB
#       Pods at concurrency 16, --durability normal, --controllers namespace so nothing else writes), then
#       ROUNDS alternating restarts of etcd holding as many keys of the same size (filled by etcdload in
#       transactions of 100 puts) and of serviceplane on that database, with --controllers namespace (the pod
#       simulator would otherwise start binding 100,000 Pods). etcd: exec -> it answers a range of one key;
#       serviceplane: exec -> READY (and -> a GET of one Pod answered). RSS 1 s after. Verified: etcd counts
#       the keys, and after the last restart every Pod is listed exactly once (bench/store/verify_pods.py).
#       Goals: ready <= 0.5x etcd's restart time; RSS <= 500 MB.
#   T7  cold start on an empty store (a fresh temp-file database each run, default controllers): T7_RUNS runs,
#       alternating with the C HTTP anchor's exec -> READY (the floor: a process start and a listening socket);
#       idle RSS after 0.5 s. Goals: READY <= 50 ms after exec; idle RSS <= 30 MB.
#
# Knobs: WORKLOADS="T6 T7" ROUNDS=3 (QUICK=1: 2) T6_PODS=100000 (QUICK: 2000) T7_RUNS=20 (QUICK: 4) BIN_DIR OUT_DIR
set -euo pipefail
# shellcheck source=scripts/bench-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/bench-lib.sh"
bench_init bench-restart

WORKLOADS="${WORKLOADS:-T6 T7}"
ROUNDS="${ROUNDS:-$(quick 2 3)}"
T6_PODS="${T6_PODS:-$(quick 2000 100000)}"
T7_RUNS="${T7_RUNS:-$(quick 4 20)}"
require_int ROUNDS T6_PODS T7_RUNS
require_tools gcc curl python3 timeout

build_c exectime bench/restart/exectime.c
build_c svcload bench/services/svcload.c -lpthread
build_c etcdload bench/etcd/etcdload.c -lpthread
build_c http_anchor bench/anchors/http_anchor.c -lmicrohttpd
private_server_copy

# exec_time NAME ARGS...: one exectime run (its figures prefixed NAME. in results.txt).
exec_time() {
  local name="$1"
  shift
  run_tool "$name" "$WORK/exectime" --timeout "$READY_TIMEOUT" --log "$WORK/$name.log" "$@"
}

mb() { awk '{ printf "%.0f %.0f %.0f\n", $1 / 1024, $2 / 1024, $3 / 1024 }' <<<"$1"; }

case " $WORKLOADS " in *" T6 "*)
  require_tools etcd
  db="$WORK/t6.db"
  echo "== T6: populate $T6_PODS Pods (concurrency 16, --controllers namespace)"
  start_server t6.populate "$db" --controllers namespace
  run_tool t6.populate "$WORK/svcload" create "$PORT" bench pod "$T6_PODS" 16 Pod "$SERVER_PID"
  expect t6.populate.creates_ok "$T6_PODS" "every Pod create answered 201"
  value_bytes="$(curl -fsS -A wrk --max-time 10 "$URL/api/v1/namespaces/bench/pods/pod-0" | wc -c)"
  stop_server t6.populate
  echo "t6.value_bytes $value_bytes" >>"$WORK/results.txt"
  echo "t6.db_bytes $(du -cb "$db"* | awk 'END { print $1 }')" >>"$WORK/results.txt"
  echo "== T6: etcd with $T6_PODS keys of $value_bytes bytes"
  start_etcd t6.fill "$WORK/etcd"
  run_tool t6.etcd.fill "$WORK/etcdload" fill "$ETCD_PORT" pod "$T6_PODS" "$value_bytes"
  stop_etcd
  key="$(printf 'pod/%08d' 0 | base64)"
  echo "== T6: $ROUNDS alternating restarts (etcd, serviceplane)"
  for r in $(seq 1 "$ROUNDS"); do
    port="$(free_port)"
    # shellcheck disable=SC2046  # the etcd command line is split on purpose
    exec_time "r$r.t6.etcd" --probe "$port" /v3/kv/range "{\"key\":\"$key\"}" '"kvs"' --settle 1000 -- \
      $(etcd_args "$WORK/etcd" "$port" "$(free_port)")
    exec_time "r$r.t6.ours" --ready --probe 0 /api/v1/namespaces/bench/pods/pod-0 - '"name":"pod-0"' --settle 1000 -- \
      "$WORK/serviceplane" serve --bind-address 127.0.0.1 --port 0 --db "$db" --kubeconfig-out '' --controllers namespace
    printf '  round %d: etcd answers after %8.1f ms (RSS %4d MiB) | serviceplane READY after %8.1f ms, answers after %8.1f ms (RSS %4d MiB)\n' \
      "$r" "$(get "r$r.t6.etcd.answer_ms")" "$(( $(get "r$r.t6.etcd.rss_kb") / 1024 ))" "$(get "r$r.t6.ours.ready_ms")" \
      "$(get "r$r.t6.ours.answer_ms")" "$(( $(get "r$r.t6.ours.rss_kb") / 1024 ))"
  done
  echo "== T6: every Pod still there, exactly once"
  start_server t6.verify "$db" --controllers namespace
  run_tool t6.verify python3 bench/store/verify_pods.py "$URL" bench pod "$T6_PODS"
  stop_server t6.verify
  s="$(stats t6.ours.ready_ms)"; a="$(stats t6.etcd.answer_ms)"; r="$(ratio "${s%% *}" "${a%% *}")"
  table_row T6 "restart with $T6_PODS Pods: exec -> READY ms vs etcd -> answers" "$(fmt_stats "$s")" "$(fmt_stats "$a")" "$r" "<= 0.5" "$(holds "$r <= 0.5")"
  s2="$(stats t6.ours.answer_ms)"
  table_row T6 "  exec -> first GET answered ms" "$(fmt_stats "$s2")" "$(fmt_stats "$a")" "$(ratio "${s2%% *}" "${a%% *}")" "-" info
  s="$(mb "$(stats t6.ours.rss_kb)")"; a="$(mb "$(stats t6.etcd.rss_kb)")"
  table_row T6 "  RSS after the restart MiB" "$(fmt_stats "$s")" "$(fmt_stats "$a")" "$(ratio "${s%% *}" "${a%% *}")" "<= 500 MB" "$(holds "${s%% *} * 1.048576 <= 500")"
;; esac

case " $WORKLOADS " in *" T7 "*)
  echo "== T7: cold start, $T7_RUNS runs alternating with the C anchor"
  for r in $(seq 1 "$T7_RUNS"); do
    exec_time "r$r.t7.anchor" --ready --probe 0 / - kind --settle 500 -- "$WORK/http_anchor" 0
    exec_time "r$r.t7.ours" --ready --probe 0 /api/v1/namespaces/default - '"name":"default"' --settle 500 -- \
      "$WORK/serviceplane" serve --bind-address 127.0.0.1 --port 0 --db "$WORK/t7-$r.db" --kubeconfig-out ''
    rm -f "$WORK/t7-$r.db"*
  done
  s="$(stats t7.ours.ready_ms)"; a="$(stats t7.anchor.ready_ms)"
  table_row T7 "cold start, empty store: exec -> READY ms (vs C anchor)" "$(fmt_stats "$s" 1)" "$(fmt_stats "$a" 1)" \
    "$(ratio "${s%% *}" "${a%% *}")" "<= 50 ms" "$(holds "${s%% *} <= 50")"
  s2="$(stats t7.ours.answer_ms)"
  table_row T7 "  exec -> first GET answered ms" "$(fmt_stats "$s2" 1)" "$(fmt_stats "$(stats t7.anchor.answer_ms)" 1)" "-" "-" info
  s="$(mb "$(stats t7.ours.rss_kb)")"; a="$(mb "$(stats t7.anchor.rss_kb)")"
  table_row T7 "  idle RSS MiB" "$(fmt_stats "$s")" "$(fmt_stats "$a")" "$(ratio "${s%% *}" "${a%% *}")" "<= 30 MB" \
    "$(holds "$(stats t7.ours.rss_kb | awk '{ print $1 }') * 1024 <= 30000000")"
;; esac

save_results
