#!/usr/bin/env bash
# T1 and T2 of `make bench`: HTTP reads of serviceplane against the HTTP ceiling, a minimal libmicrohttpd server in
# C (bench/anchors/http_anchor.c: the daemon flags of Sources/HTTPServer, thread pool 2, epoll) answering fixed
# bytes, loaded by wrk in alternating rounds (anchor, subject, anchor, ...) so machine noise hits both alike.
#
#   T1  GET /api/v1/namespaces/default/services/bench, wrk -t2 -c64; the anchor serves the same ~300-400 bytes.
#       Goal: >= 0.6x the anchor's requests/s, p99 <= 2x the anchor's.
#   T2  LIST /api/v1/namespaces/bench/pods with 1,000 Pods (created, then bound and Running by the pod simulator),
#       wrk -t2 -c16; the anchor serves the same ~1 MB list bytes. Goal: >= 0.2x the anchor's MB/s.
# Verified: zero non-2xx and zero socket errors in every wrk run; the list has exactly the 1,000 Pods.
#
# Knobs: WORKLOADS="T1 T2" ROUNDS=5 DURATION=5s (QUICK=1: 2 rounds of 1s) T1_CONNECTIONS=64 T2_CONNECTIONS=16
#        T2_PODS=1000 THREADS=2 BIN_DIR OUT_DIR
set -euo pipefail
# shellcheck source=scripts/bench-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/bench-lib.sh"
bench_init bench-http

WORKLOADS="${WORKLOADS:-T1 T2}"
ROUNDS="${ROUNDS:-$(quick 2 5)}"
DURATION="${DURATION:-$(quick 1s 5s)}"
THREADS="${THREADS:-2}"
T1_CONNECTIONS="${T1_CONNECTIONS:-64}"
# Extra `serviceplane serve` flags for T1 and T2, e.g. SERVER_ARGS="--threads 2" (word-split).
SERVER_ARGS="${SERVER_ARGS:-}"
T2_CONNECTIONS="${T2_CONNECTIONS:-16}"
T2_PODS="${T2_PODS:-1000}"
require_int ROUNDS THREADS T1_CONNECTIONS T2_CONNECTIONS T2_PODS
require_tools gcc wrk curl awk timeout python3
WRK_LIMIT=$(( ${DURATION%s} + 30 ))

build_c http_anchor bench/anchors/http_anchor.c -lmicrohttpd
build_c svcload bench/services/svcload.c -lpthread
private_server_copy

# run_wrk NAME URL CONNECTIONS: one wrk run; appends NAME.rps / .p99_ms / .bytes_per_s / .bad to results.txt and
# dies on any non-2xx response or socket error.
run_wrk() {
  local name="$1" url="$2" conns="$3" out="$WORK/$1.wrk"
  timeout --kill-after=5 "$WRK_LIMIT" wrk -t"$THREADS" -c"$conns" -d"$DURATION" --latency --timeout 5s "$url" >"$out" 2>&1 \
    || { cat "$out" >&2; die "wrk against $url failed"; }
  awk -v p="$name" '
    function ms(v) {
      if (v ~ /us$/) { sub(/us$/, "", v); return v / 1000 }
      if (v ~ /ms$/) { sub(/ms$/, "", v); return v + 0 }
      if (v ~ /s$/)  { sub(/s$/, "", v);  return v * 1000 }
      return v + 0
    }
    function bytes(v) {
      if (v ~ /GB$/) { sub(/GB$/, "", v); return v * 1024 * 1024 * 1024 }
      if (v ~ /MB$/) { sub(/MB$/, "", v); return v * 1024 * 1024 }
      if (v ~ /KB$/) { sub(/KB$/, "", v); return v * 1024 }
      sub(/B$/, "", v); return v + 0
    }
    /^Requests\/sec:/                { rps = $2 }
    /^Transfer\/sec:/                { bps = bytes($2) }
    $1 == "99%" || $1 == "99.000%"   { p99 = ms($2) }
    /Non-2xx or 3xx responses:/      { bad += $NF }
    /Socket errors:/                 { gsub(/,/, ""); bad += $4 + $6 + $8 + $10 }
    END {
      if (rps == "") exit 1
      printf "%s.rps %.1f\n%s.p99_ms %.3f\n%s.bytes_per_s %.0f\n%s.bad %d\n", p, rps, p, p99, p, bps, p, bad + 0
    }' "$out" >>"$WORK/results.txt" || { cat "$out" >&2; die "could not parse wrk output ($name)"; }
  [ "$(get "$name.bad")" = 0 ] || { cat "$out" >&2; die "verification failed: $name had non-2xx responses or socket errors"; }
}

# alternate NAME ANCHOR_URL SUBJECT_URL CONNECTIONS: ROUNDS rounds of anchor then subject.
alternate() {
  local name="$1" r
  for r in $(seq 1 "$ROUNDS"); do
    run_wrk "r$r.$name.anchor" "$2" "$4"
    run_wrk "r$r.$name.subject" "$3" "$4"
    printf '  round %d: anchor %9.0f req/s p99 %7.3f ms | serviceplane %9.0f req/s p99 %7.3f ms\n' "$r" \
      "$(get "r$r.$name.anchor.rps")" "$(get "r$r.$name.anchor.p99_ms")" "$(get "r$r.$name.subject.rps")" "$(get "r$r.$name.subject.p99_ms")"
  done
}

# start_anchor NAME BODYFILE: the C anchor serving BODYFILE's bytes; sets ANCHOR_URL.
start_anchor() {
  "$WORK/http_anchor" 0 "file:$2" >"$WORK/$1.out" 2>"$WORK/$1.out.err" </dev/null &
  ANCHOR_PID=$!
  track_pid "$ANCHOR_PID"
  ANCHOR_URL="$(wait_ready "$WORK/$1.out" "$ANCHOR_PID" "anchor $1")" || die "the anchor did not start"
}

case " $WORKLOADS " in *" T1 "*)
  echo "== T1: GET one Service, wrk -t$THREADS -c$T1_CONNECTIONS -d$DURATION, $ROUNDS alternating rounds"
  start_server t1 :memory: $SERVER_ARGS  # word-split on purpose
  code="$(curl -sS -o "$WORK/create.json" -w '%{http_code}' --max-time 10 -H 'Content-Type: application/json' \
    -X POST "$URL/api/v1/namespaces/default/services" \
    -d '{"apiVersion":"v1","kind":"Service","metadata":{"name":"bench","labels":{"app":"bench"}},"spec":{"selector":{"app":"bench"},"ports":[{"name":"http","port":80,"targetPort":8080}]}}')"
  [ "$code" = 201 ] || { cat "$WORK/create.json" >&2; die "creating Service bench returned HTTP $code"; }
  path=/api/v1/namespaces/default/services/bench
  # the anchor serves exactly the bytes serviceplane answers wrk with (compact JSON: wrk is not curl)
  curl -fsS -A wrk --max-time 10 -o "$WORK/service.json" "$URL$path"
  start_anchor t1anchor "$WORK/service.json"
  echo "t1.body_bytes $(wc -c <"$WORK/service.json")" >>"$WORK/results.txt"
  alternate t1 "$ANCHOR_URL/" "$URL$path" "$T1_CONNECTIONS"
  stop_pid "$ANCHOR_PID" || true
  stop_server t1
  s="$(stats t1.subject.rps)"; a="$(stats t1.anchor.rps)"; sp="$(stats t1.subject.p99_ms)"; ap="$(stats t1.anchor.p99_ms)"
  r="$(ratio "${s%% *}" "${a%% *}")"; rp="$(ratio "${sp%% *}" "${ap%% *}")"
  table_row T1 "GET one Service ($(get t1.body_bytes) B), c=$T1_CONNECTIONS: req/s" "$(fmt_stats "$s")" "$(fmt_stats "$a")" "$r" ">= 0.6 (aim 0.8)" "$(holds "$r >= 0.6")"
  table_row T1 "  p99 latency ms" "$(fmt_stats "$sp" 2)" "$(fmt_stats "$ap" 2)" "$rp" "<= 2.0" "$(holds "$rp <= 2.0")"
;; esac

case " $WORKLOADS " in *" T2 "*)
  echo "== T2: LIST $T2_PODS Pods, wrk -t$THREADS -c$T2_CONNECTIONS -d$DURATION, $ROUNDS alternating rounds"
  start_server t2 :memory: $SERVER_ARGS  # word-split on purpose
  run_tool t2.create "$WORK/svcload" create "$PORT" bench pod "$T2_PODS" 16 Pod "$SERVER_PID"
  expect t2.create.creates_ok "$T2_PODS" "every Pod create answered 201"
  # let the pod simulator bind and start every Pod, so the list is what a client sees in steady state
  curl -fsS --max-time 60 -o /dev/null "$URL/debug/controllers/sync" || die "/debug/controllers/sync failed"
  path=/api/v1/namespaces/bench/pods
  curl -fsS -A wrk --max-time 30 -o "$WORK/list.json" "$URL$path"
  python3 - "$WORK/list.json" "$T2_PODS" >>"$WORK/results.txt" <<'EOF' || die "verification failed: the list of Pods is not exactly pod-0..pod-N-1"
import json, sys
items = json.load(open(sys.argv[1]))["items"]
names = sorted(i["metadata"]["name"] for i in items)
want = sorted("pod-%d" % i for i in range(int(sys.argv[2])))
print("t2.list_items", len(items))
print("t2.list_running", sum(1 for i in items if i.get("status", {}).get("phase") == "Running"))
sys.exit(0 if names == want else 1)
EOF
  echo "t2.body_bytes $(wc -c <"$WORK/list.json")" >>"$WORK/results.txt"
  start_anchor t2anchor "$WORK/list.json"
  alternate t2 "$ANCHOR_URL/" "$URL$path" "$T2_CONNECTIONS"
  stop_pid "$ANCHOR_PID" || true
  stop_server t2
  s="$(stats t2.subject.bytes_per_s)"; a="$(stats t2.anchor.bytes_per_s)"
  r="$(ratio "${s%% *}" "${a%% *}")"
  mbs() { awk '{ printf "%.1f %.1f %.1f\n", $1 / 1e6, $2 / 1e6, $3 / 1e6 }' <<<"$1"; }
  table_row T2 "LIST $T2_PODS Pods ($(awk '{ printf "%.2f", $1 / 1e6 }' <<<"$(get t2.body_bytes)") MB), c=$T2_CONNECTIONS: MB/s" \
    "$(fmt_stats "$(mbs "$s")")" "$(fmt_stats "$(mbs "$a")")" "$r" ">= 0.2 (aim 0.5)" "$(holds "$r >= 0.2")"
;; esac

save_results
