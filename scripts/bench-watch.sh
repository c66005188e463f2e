#!/usr/bin/env bash
# T4 of `make bench` (issue 3): fan-out of pod events to K watchers and 10,000 idle watchers held open, against
# the release serviceplane, driven by bench/watch/watchload.c (single-threaded epoll client in C, plus one
# blocking loader thread for the creates; see the comment at the top of that file), and against etcd.
#
#   anchor   ROUNDS alternating rounds of (etcd, serviceplane) at K=FANOUT_WATCHERS' first value (100):
#            etcd 3.4 on a fresh temp dir, K watchers on a key prefix through its /v3/watch JSON gateway, then
#            FANOUT_CREATES puts at concurrency 1 (bench/etcd/etcdload.c): every watcher every revision exactly
#            once, in order; delivery = watcher receipt - arrival of the put's response. Goal: serviceplane's
#            delivery p99 <= 0.75x etcd's.
#   fan-out  K watchers (FANOUT_WATCHERS, default "100 1000") on /api/v1/namespaces/bench/pods from the list's
#            resourceVersion, then FANOUT_CREATES (1000) pod creates at concurrency 1 over keep-alive. Checks
#            that every watcher got every ADDED event exactly once, all events (the server's controllers add
#            MODIFIED ones) in increasing resourceVersion order and the same events as every other watcher, and
#            reports delivery latency (watcher receipt - arrival of the create's 201; negative when the event
#            beat the 201). Goal at K=1000: p99 <= 50 ms.
#   scale    SCALE_WATCHERS (10000) idle watches on /api/v1/namespaces/bench/services?watch=1&timeoutSeconds=600:
#            all accepted?, server VmRSS before/with them (goal <= 300 MB), and GET /api/v1/namespaces/default
#            latency (GET_SAMPLES, 200) with the watchers open vs on the idle server just before (the anchor).
#
# Every phase gets a fresh server (--db :memory: --max-connections $MAX_CONNECTIONS). Results: "key value"
# lines in $OUT_DIR/bench-watch.txt (keys prefixed r<N>.etcd. / r<N>.fanout_k<K>. / fanout_k<K>. / scale.), a
# table on stdout and in $OUT_DIR/watch-summary.txt, rows of the final table. A run that misses or duplicates
# an event, or a watcher not accepted, fails the script (exit status 1).
#
# Usage: scripts/bench-watch.sh   (after `make bench` built .build/release/serviceplane)
# Knobs (environment): ROUNDS=3 FANOUT_WATCHERS="100 1000" FANOUT_CREATES=1000 SCALE_WATCHERS=10000
#                      (QUICK=1: 2 rounds, 50 creates, 1000 idle watchers) GET_SAMPLES=200 VALUE_BYTES=1024
#                      MAX_CONNECTIONS=15000 BIN_DIR=.build/release OUT_DIR=bench-out SKIP_SCALE=1 SKIP_FANOUT=1
#                      SERVER_ARGS= (extra serve arguments, e.g. "--controllers namespace": no pod status updates)
# Everything it starts is killed on exit; every step has a time limit.
set -euo pipefail
# shellcheck source=scripts/bench-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/bench-lib.sh"

ROUNDS="${ROUNDS:-$(quick 2 3)}"
FANOUT_WATCHERS="${FANOUT_WATCHERS:-100 1000}"
FANOUT_CREATES="${FANOUT_CREATES:-$(quick 50 1000)}"
SCALE_WATCHERS="${SCALE_WATCHERS:-$(quick 1000 10000)}"
GET_SAMPLES="${GET_SAMPLES:-200}"
VALUE_BYTES="${VALUE_BYTES:-1024}"
MAX_CONNECTIONS="${MAX_CONNECTIONS:-15000}"
SERVER_ARGS="${SERVER_ARGS:-}"   # extra `serve` arguments, split on spaces, e.g. "--controllers namespace"
require_int ROUNDS FANOUT_CREATES SCALE_WATCHERS GET_SAMPLES MAX_CONNECTIONS VALUE_BYTES
for k in $FANOUT_WATCHERS; do
  case "$k" in ''|*[!0-9]*|0) echo "bench-watch: FANOUT_WATCHERS must list positive integers" >&2; exit 1 ;; esac
done
K_ANCHOR="${FANOUT_WATCHERS%% *}"

# Both the server (MAX_CONNECTIONS sockets) and watchload (SCALE_WATCHERS sockets) need open files; each process
# has its own limit, inherited from this shell. Raise the soft limit up to 20000 if the hard limit allows.
need_files=$(( MAX_CONNECTIONS + 64 ))
[ "$(( SCALE_WATCHERS + 64 ))" -gt "$need_files" ] && need_files=$(( SCALE_WATCHERS + 64 ))
[ "$need_files" -gt 20000 ] && need_files=20000
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt "$need_files" ]; then
  ulimit -n "$need_files" 2>/dev/null || { echo "bench-watch: open-files limit $(ulimit -n) < $need_files and cannot be raised" >&2; exit 1; }
fi

bench_init bench-watch
require_tools gcc awk timeout readlink
build_c watchload bench/watch/watchload.c -lpthread
build_c etcdload bench/etcd/etcdload.c -lpthread
private_server_copy

# fanout NAME K: a fresh server, K watchers, FANOUT_CREATES creates; dies unless every event arrived exactly once.
fanout() {
  local name="$1" k="$2" p="$1."
  # shellcheck disable=SC2086  # SERVER_ARGS is split on purpose
  start_server "$name" :memory: --max-connections "$MAX_CONNECTIONS" $SERVER_ARGS
  run_tool "$name" "$WORK/watchload" fanout "$PORT" "$k" "$FANOUT_CREATES" 20 "$SERVER_PID"
  stop_server "$name"
  local bad
  bad="$(awk -v p="$p" -v k="$k" -v n="$FANOUT_CREATES" '
    { v[$1] = $2 }
    END {
      if (v[p "server_died"] + 0 != 0) { print "the server died"; exit }
      if (v[p "watchers_complete"] + 0 != k) { print v[p "watchers_complete"] + 0 " of " k " watchers complete"; exit }
      if (v[p "creates_ok"] + 0 != n) { print v[p "creates_ok"] + 0 " of " n " creates ok"; exit }
      s = v[p "events_missing"] + v[p "events_missing_other"] + v[p "events_duplicate_or_out_of_order"] + \
          v[p "events_unexpected"] + v[p "events_added_not_created"] + v[p "events_type_mismatch"]
      if (s != 0) print s " events missing, duplicated, out of order or unexpected"
    }' "$WORK/results.txt")"
  [ -z "$bad" ] || die "verification failed: $name: $bad"
}

if [ "${SKIP_FANOUT:-0}" != "1" ]; then
  echo "== T4: $ROUNDS alternating rounds: etcd and serviceplane, $K_ANCHOR watchers, $FANOUT_CREATES creates at concurrency 1"
  for r in $(seq 1 "$ROUNDS"); do
    start_etcd "r$r" "$WORK/etcd-r$r"
    run_tool "r$r.etcd" "$WORK/etcdload" watch "$ETCD_PORT" w "$K_ANCHOR" "$FANOUT_CREATES" "$VALUE_BYTES"
    stop_etcd
    rm -rf "$WORK/etcd-r$r"
    fanout "r$r.fanout_k$K_ANCHOR" "$K_ANCHOR"
    printf '  round %d: delivery p50/p99 ms: etcd %s / %s | serviceplane %s / %s\n' "$r" "$(get "r$r.etcd.delivery_p50_ms")" \
      "$(get "r$r.etcd.delivery_p99_ms")" "$(get "r$r.fanout_k$K_ANCHOR.delivery_p50_ms")" "$(get "r$r.fanout_k$K_ANCHOR.delivery_p99_ms")"
  done
  # the detailed table below shows round 1 for K_ANCHOR
  awk -v k="$K_ANCHOR" '$1 ~ "^r1\\.fanout_k" k "\\." { sub(/^r1\./, "", $1); print }' "$WORK/results.txt" >>"$WORK/results.txt.k"
  cat "$WORK/results.txt.k" >>"$WORK/results.txt"
  for k in ${FANOUT_WATCHERS#"$K_ANCHOR"}; do
    echo "== T4: fan-out: $k watchers, $FANOUT_CREATES pod creates at concurrency 1"
    fanout "fanout_k$k" "$k"
  done
fi

if [ "${SKIP_SCALE:-0}" != "1" ]; then
  echo "== T4: scale: $SCALE_WATCHERS idle watchers, $GET_SAMPLES GETs before and while they are open"
  # shellcheck disable=SC2086  # SERVER_ARGS is split on purpose
  start_server scale :memory: --max-connections "$MAX_CONNECTIONS" $SERVER_ARGS
  run_tool scale "$WORK/watchload" scale "$PORT" "$SCALE_WATCHERS" "$SERVER_PID" "$GET_SAMPLES"
  stop_server scale
  [ "$(get scale.watchers_accepted)" = "$SCALE_WATCHERS" ] && [ "$(get scale.watchers_open_at_end)" = "$SCALE_WATCHERS" ] \
    || die "verification failed: $(get scale.watchers_accepted) of $SCALE_WATCHERS idle watchers accepted, $(get scale.watchers_open_at_end) open at the end"
fi
save_results

# rows of the final table
if [ "${SKIP_FANOUT:-0}" != "1" ]; then
  s="$(stats "fanout_k$K_ANCHOR.delivery_p99_ms")"; a="$(stats etcd.delivery_p99_ms)"; r="$(ratio "${s%% *}" "${a%% *}")"
  table_row T4 "watch K=$K_ANCHOR, $FANOUT_CREATES creates: delivery p99 ms vs etcd" "$(fmt_stats "$s" 1)" "$(fmt_stats "$a" 1)" "$r" "<= 0.75" "$(holds "$r <= 0.75")"
  for k in ${FANOUT_WATCHERS#"$K_ANCHOR"}; do
    p99="$(get "fanout_k$k.delivery_p99_ms")"
    table_row T4 "  K=$k: delivery p99 ms (every event once, in order)" "$p99" "-" "-" "<= 50 ms" "$(holds "$p99 <= 50")"
  done
fi
if [ "${SKIP_SCALE:-0}" != "1" ]; then
  rss="$(get scale.server_rss_with_watchers_kb)"
  table_row T4 "  $SCALE_WATCHERS idle watchers: RSS MiB" "$(awk -v v="$rss" 'BEGIN { printf "%.0f", v / 1024 }')" "-" "-" "<= 300 MB" \
    "$(holds "$rss * 1024 <= 300000000")"
fi

# ---------------------------------------------------------------- summary table
SUMMARY="$WORK/summary.txt"
awk -v ks="$FANOUT_WATCHERS" -v creates="$FANOUT_CREATES" -v sw="$SCALE_WATCHERS" -v mc="$MAX_CONNECTIONS" '
  { v[$1] = $2 }
  function g(k) { return (k in v) ? v[k] : "-" }
  function goal(ok) { return ok ? "ok" : "MISS" }
  END {
    for (key in v)
      if (key ~ /\.server_died$/ && v[key] == 1) {
        ph = key; sub(/\.server_died$/, "", ph)
        printf "!! serviceplane DIED during %s (exit status %s); figures of that phase are partial\n", ph, g(ph ".server_exit_status")
      }
    n = split(ks, K, " ")
    if (n > 0 && (("fanout_k" K[1] ".mode") in v)) {
      printf "== watch fan-out: K watchers on namespace bench pods from the list resourceVersion, %d pod creates at concurrency 1\n", creates
      printf "%-6s %8s %8s %17s %9s %8s %8s %8s %8s\n", "K", "accepted", "complete", "events/watcher", "received",
        "missADD", "missOth", "dup/ooo", "unexpect"
      for (i = 1; i <= n; i++) {
        p = "fanout_k" K[i] "."
        if (!((p "mode") in v)) continue
        printf "%-6s %8s %8s %17s %9s %8s %8s %8s %8s\n", K[i], g(p "watchers_accepted"), g(p "watchers_complete"),
          g(p "events_per_watcher") " (" g(p "events_per_watcher_added") "A+" g(p "events_per_watcher_modified") "M+" g(p "events_per_watcher_deleted") "D)",
          g(p "events_received"), g(p "events_missing"), g(p "events_missing_other"),
          g(p "events_duplicate_or_out_of_order"),
          g(p "events_unexpected") + g(p "events_added_not_created") + g(p "events_type_mismatch")
      }
      printf "latency ms (delivery = watcher receipt - arrival of the create'"'"'s 201; 1st = the first create only)\n"
      printf "%-6s %8s %8s %8s %8s | %8s %8s %8s | %8s %8s %8s | %s\n", "K", "dlv p50", "dlv p99", "dlv max", "dlv min",
        "1st p50", "1st p99", "1st max", "crt p50", "crt p99", "crt max", "dlv p99 / crt p50"
      for (i = 1; i <= n; i++) {
        p = "fanout_k" K[i] "."
        if (!((p "mode") in v)) continue
        printf "%-6s %8s %8s %8s %8s | %8s %8s %8s | %8s %8s %8s | %s\n", K[i],
          g(p "delivery_p50_ms"), g(p "delivery_p99_ms"), g(p "delivery_max_ms"), g(p "delivery_min_ms"),
          g(p "first_event_delivery_p50_ms"), g(p "first_event_delivery_p99_ms"), g(p "first_event_delivery_max_ms"),
          g(p "create_rtt_p50_ms"), g(p "create_rtt_p99_ms"), g(p "create_rtt_max_ms"),
          g(p "ratio_delivery_p99_to_create_p50")
      }
      printf "%-6s %9s %10s %10s %11s %8s %8s %8s %8s\n", "K", "creates/s", "spread p50", "spread p99", "from-send99",
        "srvCPU%", "loadCPU%", "othCPU%", "srvMiB"
      for (i = 1; i <= n; i++) {
        p = "fanout_k" K[i] "."
        if (!((p "mode") in v)) continue
        printf "%-6s %9s %10s %10s %11s %8s %8s %8s %8.1f\n", K[i], g(p "creates_per_s"),
          g(p "fanout_spread_p50_ms"), g(p "fanout_spread_p99_ms"), g(p "delivery_from_send_p99_ms"),
          g(p "server_cpu_pct"), g(p "loadgen_cpu_pct"), g(p "other_cpu_pct"), g(p "server_rss_kb") / 1024
      }
      printf "(spread: first to last watcher receiving one event; from-send99: p99 of receipt - create sent; CPU%%: 100 = one core\n"
      printf " over the load phase, othCPU = everything else on the machine, i.e. noise)\n"
      p = "fanout_k" K[n] "."
      exact = g(p "events_missing") == 0 && g(p "events_missing_other") == 0 && \
              g(p "events_duplicate_or_out_of_order") == 0 && \
              g(p "events_unexpected") + g(p "events_added_not_created") + g(p "events_type_mismatch") == 0 && \
              g(p "watchers_complete") == g(p "watchers_requested") && g(p "creates_ok") == creates
      printf "goals K=%s: every watcher every event exactly once in order: %s; delivery p99 %s ms <= 50: %s\n", K[n],
        goal(exact), g(p "delivery_p99_ms"), goal(g(p "delivery_p99_ms") <= 50)
    }
    if ("scale.mode" in v) {
      printf "\n== watch scale: %d idle watchers on namespace bench services (timeoutSeconds=600), server --max-connections %d\n", sw, mc
      printf "accepted %s of %s in %s s; still open after the GETs: %s\n", g("scale.watchers_accepted"),
        g("scale.watchers_requested"), g("scale.watchers_open_s"), g("scale.watchers_open_at_end")
      if (g("scale.watchers_rejected") > 0)
        printf "  not accepted %s: connect failed %s, closed before headers %s, no headers within the deadline %s, not attempted %s\n",
          g("scale.watchers_rejected"), g("scale.watchers_connect_failures"), g("scale.watchers_closed_before_headers"),
          g("scale.watchers_unanswered"), g("scale.watchers_not_attempted")
      printf "server RSS: %.1f MiB before, %.1f MiB with them (%s KB per watcher); threads %s -> %s; fds %s -> %s; CPU idle with them %s%%\n",
        g("scale.server_rss_before_kb") / 1024, g("scale.server_rss_with_watchers_kb") / 1024,
        g("scale.server_rss_per_watcher_kb"), g("scale.server_threads_before"), g("scale.server_threads_with_watchers"),
        g("scale.server_fds_before"), g("scale.server_fds_with_watchers"), g("scale.server_cpu_idle_with_watchers_pct")
      printf "%-32s %8s %8s %8s %8s %7s\n", "GET /api/v1/namespaces/default", "p50 ms", "p99 ms", "max ms", "n", "errors"
      split("get_idle_keepalive get_with_watchers_keepalive get_idle_newconn get_with_watchers_newconn", G, " ")
      split("idle, keep-alive|with watchers, keep-alive|idle, new connection each|with watchers, new conn. each", L, "|")
      for (i = 1; i <= 4; i++)
        printf "%-32s %8s %8s %8s %8s %7s\n", L[i], g("scale." G[i] "_p50_ms"), g("scale." G[i] "_p99_ms"),
          g("scale." G[i] "_max_ms"), g("scale." G[i] "_n"), g("scale." G[i] "_errors")
      if (g("scale.get_idle_keepalive_p99_ms") > 0 && g("scale.get_with_watchers_keepalive_n") > 0)
        printf "ratio with/without watchers (keep-alive): p50 %.2f, p99 %.2f\n",
          g("scale.get_with_watchers_keepalive_p50_ms") / g("scale.get_idle_keepalive_p50_ms"),
          g("scale.get_with_watchers_keepalive_p99_ms") / g("scale.get_idle_keepalive_p99_ms")
      printf "goals: all accepted: %s; RSS %.1f MiB <= 300: %s; GET p99 %s ms <= 5 (keep-alive): %s\n",
        goal(g("scale.watchers_accepted") == g("scale.watchers_requested") && g("scale.watchers_open_at_end") == g("scale.watchers_requested")),
        g("scale.server_rss_with_watchers_kb") / 1024, goal(g("scale.server_rss_with_watchers_kb") <= 300 * 1024),
        g("scale.get_with_watchers_keepalive_p99_ms"), goal(g("scale.get_with_watchers_keepalive_n") > 0 && g("scale.get_with_watchers_keepalive_errors") == 0 && g("scale.get_with_watchers_keepalive_p99_ms") <= 5)
    }
  }' "$WORK/results.txt" >"$SUMMARY"
echo
cat "$SUMMARY"
cp "$SUMMARY" "$OUT_DIR/watch-summary.txt"
echo "(raw figures: $OUT_DIR/bench-watch.txt)"
