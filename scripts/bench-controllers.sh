#!/usr/bin/env bash
# Controller benchmark (issue 5): SERVICES Services x PODS_PER Pods on one fresh serviceplane (controllers and the
# default pod simulator on), driven by bench/controllers/ctlload.c (see the comment at its top):
#
#   converge  the Services, /debug/controllers/sync (the placeholder slices), then the Pods over CONNS keep-alive
#             connections; a pod watch and an endpointslice watch (same process, same clock) give
#               - the time from the last Pod becoming Ready to every Service's slice correct (exactly one slice,
#                 PODS_PER endpoints, all ready) as seen on the watch            (goal <= 2 s)
#               - the same through "sync then verify": GET /debug/controllers/sync as soon as the last Pod is
#                 Ready, then a list of the endpointslices checked the same way
#               - EndpointSlice writes per Service (slice events after the sync that preceded the Pods) against
#                 the minimum needed, 1 (the placeholder updated to the full endpoint set), and writes after
#                 convergence (should be 0)
#   verify    bench/controllers/verify_slices.py: lists of Pods and slices, every endpoint the right Pod, IP, node
#   flip      FLIPS samples (only on a converged cluster): a Pod's serviceplane.dev/ready annotation patched to
#             "false" and back; PATCH response -> MODIFIED event of its slice (watch with labelSelector
#             kubernetes.io/service-name=<svc>) showing the endpoint's new readiness; p50/p99 (goal p99 <= 20 ms)
#
# One run (no alternating rounds: a run is long and the figures are latencies inside it, not rates against an
# anchor). The anchor-like reference printed next to them is the pod create latency of the same run. Results:
# "key value" lines in $OUT_DIR/controllers.txt, a table on stdout and in $OUT_DIR/controllers-summary.txt.
# Goals are marked ok/MISS; a missed goal does not fail the script, a phase that could not run does.
#
# Usage: scripts/bench-controllers.sh   (after `make bench` built .build/release/serviceplane)
# Knobs (environment): SERVICES=1000 PODS_PER=10 CONNS=8 ORDER=grouped (or spread) FLIPS=100
#                      READY_DEADLINE_S=900 (after the last Pod create: every Pod Ready and every slice correct)
#                      DB=:memory: (or "file": a temp-file database) SERVER_ARGS= BIN_DIR=.build/release OUT_DIR=bench-out
# Everything it starts is killed on exit; every step has a time limit.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

SERVICES="${SERVICES:-1000}"
PODS_PER="${PODS_PER:-10}"
CONNS="${CONNS:-8}"
ORDER="${ORDER:-grouped}"
FLIPS="${FLIPS:-100}"
READY_DEADLINE_S="${READY_DEADLINE_S:-900}"
DB="${DB:-:memory:}"
SERVER_ARGS="${SERVER_ARGS:-}"
BIN_DIR="${BIN_DIR:-.build/release}"
OUT_DIR="${OUT_DIR:-bench-out}"
SERVICEPLANE="$BIN_DIR/serviceplane"
SRC_DIR="bench/controllers"
READY_TIMEOUT=10      # seconds a server gets to print READY
STOP_TIMEOUT=10       # seconds a server gets to exit after SIGTERM
VERIFY_TIMEOUT=300    # seconds for verify_slices.py

die() { echo "bench-controllers: $*" >&2; exit 1; }

for tool in gcc python3 awk timeout readlink; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool is required"
done
for f in ctlload.c verify_slices.py; do
  [ -f "$SRC_DIR/$f" ] || die "$SRC_DIR/$f not found"
done
[ -x "$SERVICEPLANE" ] || die "$SERVICEPLANE not built (run: make bench)"
for knob in SERVICES PODS_PER CONNS READY_DEADLINE_S; do
  case "${!knob}" in ''|*[!0-9]*|0) die "$knob must be a positive integer" ;; esac
done
case "$FLIPS" in ''|*[!0-9]*) die "FLIPS must be a non-negative integer" ;; esac
case "$ORDER" in grouped|spread) ;; *) die "ORDER must be grouped or spread" ;; esac
case "$DB" in :memory:|file) ;; *) die "DB must be :memory: or file" ;; esac
[ "$PODS_PER" -le 100 ] || die "PODS_PER must be <= 100 (one slice per Service)"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/serviceplane-bench-controllers.XXXXXX")"
SERVER_PID=""
LOAD_PID=""

# stop_pid PID: SIGTERM, wait up to STOP_TIMEOUT, then SIGKILL; returns 0 if it exited on SIGTERM in time and
# sets STOP_STATUS to its exit status.
STOP_STATUS=0
stop_pid() {
  local pid="$1" i
  STOP_STATUS=0
  if ! kill -0 "$pid" 2>/dev/null; then wait "$pid" 2>/dev/null || STOP_STATUS=$?; return 0; fi
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < STOP_TIMEOUT * 10; i++)); do
    if ! kill -0 "$pid" 2>/dev/null; then wait "$pid" 2>/dev/null || STOP_STATUS=$?; return 0; fi
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || STOP_STATUS=$?
  return 1
}

cleanup() {
  local status=$?
  # LOAD_PID is `timeout`, which passes SIGTERM on to ctlload
  [ -n "$LOAD_PID" ] && { stop_pid "$LOAD_PID" || true; }
  [ -n "$SERVER_PID" ] && { stop_pid "$SERVER_PID" || true; }
  rm -rf "$WORK"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

echo "== building $SRC_DIR/ctlload.c"
gcc -O2 -Wall -o "$WORK/ctlload" "$SRC_DIR/ctlload.c" -lpthread
cp "$SERVICEPLANE" "$WORK/serviceplane"
: >"$WORK/results.txt"
echo "cpus $(nproc)" >>"$WORK/results.txt"

db_arg=":memory:"
[ "$DB" = file ] && db_arg="$WORK/serviceplane.db"
# shellcheck disable=SC2086  # SERVER_ARGS is split on purpose
"$WORK/serviceplane" serve --bind-address 127.0.0.1 --port 0 --db "$db_arg" --kubeconfig-out '' --log-level info \
  $SERVER_ARGS >"$WORK/server.out" 2>"$WORK/server.err" </dev/null &
SERVER_PID=$!
deadline=$((SECONDS + READY_TIMEOUT))
PORT=""
while [ "$SECONDS" -le "$deadline" ]; do
  kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/server.err" >&2; die "serviceplane exited before READY"; }
  line="$(head -n 1 "$WORK/server.out" 2>/dev/null || true)"
  case "$line" in "READY http://"*) PORT="${line##*:}"; break ;; esac
  sleep 0.05
done
[ -n "$PORT" ] || die "serviceplane printed no READY line within ${READY_TIMEOUT}s"
exe="$(readlink "/proc/$SERVER_PID/exe" || true)"
[ "$exe" = "$(readlink -f "$WORK/serviceplane")" ] || die "pid $SERVER_PID is $exe, not $WORK/serviceplane"

# ctlload's own deadlines: setup 60 s, READY_DEADLINE_S after the creates, 5 s per flip direction
load_limit=$((READY_DEADLINE_S + 300 + FLIPS * 12))
echo "== $SERVICES Services x $PODS_PER Pods ($ORDER), $CONNS connections, then $FLIPS readiness flips (db $DB; limit ${load_limit}s)"
rc=0
READY_DEADLINE_S="$READY_DEADLINE_S" timeout --kill-after=5 "$load_limit" "$WORK/ctlload" "$PORT" bench "$SERVICES" \
  "$PODS_PER" "$CONNS" "$ORDER" "$FLIPS" "$SERVER_PID" >"$WORK/ctlload.txt" 2>"$WORK/ctlload.err" &
LOAD_PID=$!
wait "$LOAD_PID" || rc=$?
LOAD_PID=""
if [ -s "$WORK/ctlload.err" ]; then sed "s/^/  [ctlload] /" "$WORK/ctlload.err" >&2; fi
[ "$rc" -eq 0 ] || { cat "$WORK/ctlload.txt" >&2; die "ctlload exited with status $rc"; }
awk 'NF >= 2 { k = $1; $1 = ""; sub(/^ /, ""); print "run." k, $0 }' "$WORK/ctlload.txt" >>"$WORK/results.txt"
echo "server_rss_hwm_kb $(awk '/^VmHWM:/ { print $2 }' "/proc/$SERVER_PID/status" 2>/dev/null || echo -)" >>"$WORK/results.txt"

echo "== verify_slices.py"
rc=0
timeout --kill-after=5 "$VERIFY_TIMEOUT" python3 "$SRC_DIR/verify_slices.py" "http://127.0.0.1:$PORT" bench "$SERVICES" \
  "$PODS_PER" >"$WORK/verify.txt" 2>"$WORK/verify.err" || rc=$?
if [ -s "$WORK/verify.err" ]; then sed "s/^/  [verify] /" "$WORK/verify.err" >&2; fi
[ "$rc" -eq 0 ] || die "verify_slices.py exited with status $rc"
awk 'NF >= 2 { print "verify." $0 }' "$WORK/verify.txt" >>"$WORK/results.txt"

if ! kill -0 "$SERVER_PID" 2>/dev/null; then
  wait "$SERVER_PID" 2>/dev/null || STOP_STATUS=$?
  echo "server_died 1" >>"$WORK/results.txt"
  echo "server_exit_status $STOP_STATUS" >>"$WORK/results.txt"
else
  echo "server_died 0" >>"$WORK/results.txt"
  clean=1
  stop_pid "$SERVER_PID" || clean=0
  echo "server_stopped_cleanly $clean" >>"$WORK/results.txt"
  echo "server_exit_status $STOP_STATUS" >>"$WORK/results.txt"
fi
SERVER_PID=""
echo "server_log_warnings $(grep -ciE ' (warning|error|critical) ' "$WORK/server.err" || true)" >>"$WORK/results.txt"
echo "server_log_fatal $(grep -c 'Fatal error' "$WORK/server.err" || true)" >>"$WORK/results.txt"
mkdir -p "$OUT_DIR"
if [ "$(awk '$1 == "server_exit_status" { print $2 }' "$WORK/results.txt")" != 0 ] || grep -q 'Fatal error' "$WORK/server.err"; then
  cp "$WORK/server.err" "$OUT_DIR/controllers-server.log"
  echo "bench-controllers: serviceplane did not exit cleanly (log: $OUT_DIR/controllers-server.log); its first fatal lines:" >&2
  grep -m 3 -A 2 'Fatal error' "$WORK/server.err" >&2 || tail -n 5 "$WORK/server.err" >&2
fi
cp "$WORK/results.txt" "$OUT_DIR/controllers.txt"

# ---------------------------------------------------------------- summary table
SUMMARY="$WORK/summary.txt"
awk -v nsvc="$SERVICES" -v per="$PODS_PER" -v order="$ORDER" -v conns="$CONNS" -v db="$DB" -v flips="$FLIPS" '
  { k = $1; $1 = ""; sub(/^ /, ""); v[k] = $0 }
  function g(k) { return (k in v) ? v[k] : "-" }
  function goal(ok) { return ok ? "ok" : "MISS" }
  function n(k) { return (k in v) ? v[k] + 0 : -1 }   # numeric (the values are strings: compare numbers, not text)
  END {
    printf "== controllers: %d Services x %d Pods (%s order, %d connections, db %s)\n", nsvc, per, order, conns, db
    printf "creates: %s Services at %s/s; %s Pods at %s/s (p50 %s ms, p99 %s ms), %s failed\n",
      g("run.service_creates_ok"), g("run.service_creates_per_s"), g("run.pod_creates_ok"), g("run.pod_creates_per_s"),
      g("run.pod_creates_latency_p50_ms"), g("run.pod_creates_latency_p99_ms"), g("run.pod_creates_failed")
    printf "pods Ready: %s of %s; last one %s ms after the first create, %s ms after the last create\n",
      g("run.pods_ready"), nsvc * per, g("run.last_ready_after_first_create_ms"), g("run.last_ready_after_last_create_ms")
    printf "last Pod Ready -> every slice correct: watch %s ms; sync+verify: sync returned after %s ms (call %s ms), list checked after %s ms (%s of %d Services correct)\n",
      g("run.converge_watch_ms"), g("run.converge_sync_ms"), g("run.sync_call_ms"), g("run.converge_sync_list_ms"),
      g("run.list_services_correct"), nsvc
    printf "EndpointSlice writes: %s (%s ADDED, %s MODIFIED, %s DELETED) for %d Services; needed %s (1 each); per Service min %s p50 %s p99 %s max %s; after convergence %s\n",
      g("run.slice_writes"), g("run.slice_writes_added"), g("run.slice_writes_modified"), g("run.slice_writes_deleted"), nsvc,
      g("run.slice_writes_needed"), g("run.writes_per_service_min"), g("run.writes_per_service_p50"),
      g("run.writes_per_service_p99"), g("run.writes_per_service_max"), g("run.slice_writes_after_converged")
    printf "CPU during convergence: server %s%%, ctlload %s%%, rest of the machine %s%% (100 = one core); server RSS peak %.1f MiB\n",
      g("run.converge_server_cpu_pct"), g("run.converge_loadgen_cpu_pct"), g("run.converge_other_cpu_pct"), g("server_rss_hwm_kb") / 1024
    printf "verify (lists): %s Pods, %s Ready, %s duplicate pod IPs; %s slices; %s of %d Services exactly right; verified %s\n",
      g("verify.pods_listed"), g("verify.pods_ready"), g("verify.pod_ip_duplicates"), g("verify.slices_listed"),
      g("verify.services_correct"), nsvc, g("verify.verified")
    if (("run.flip_both_n") in v) {
      printf "readiness flip -> slice event (ms, from the PATCH response; from the PATCH sent in brackets), %s samples, %s failures\n",
        g("run.flip_samples"), g("run.flip_failures")
      printf "%-12s %8s %8s %8s %8s %8s | %8s %8s\n", "", "min", "p50", "p90", "p99", "max", "send p50", "send p99"
      printf "%-12s %8s %8s %8s %8s %8s | %8s %8s\n", "not ready", g("run.flip_not_ready_min_ms"), g("run.flip_not_ready_p50_ms"),
        g("run.flip_not_ready_p90_ms"), g("run.flip_not_ready_p99_ms"), g("run.flip_not_ready_max_ms"),
        g("run.flip_not_ready_from_send_p50_ms"), g("run.flip_not_ready_from_send_p99_ms")
      printf "%-12s %8s %8s %8s %8s %8s | %8s %8s\n", "ready again", g("run.flip_ready_min_ms"), g("run.flip_ready_p50_ms"),
        g("run.flip_ready_p90_ms"), g("run.flip_ready_p99_ms"), g("run.flip_ready_max_ms"),
        g("run.flip_ready_from_send_p50_ms"), g("run.flip_ready_from_send_p99_ms")
      printf "%-12s %8s %8s %8s %8s %8s\n", "both", g("run.flip_both_min_ms"), g("run.flip_both_p50_ms"),
        g("run.flip_both_p90_ms"), g("run.flip_both_p99_ms"), g("run.flip_both_max_ms")
      printf "(reference: pod create p50 %s ms in the same run; CPU during the flips: server %s%%, rest of the machine %s%%)\n",
        g("run.pod_creates_latency_p50_ms"), g("run.flip_server_cpu_pct"), g("run.flip_other_cpu_pct")
    } else if (flips > 0) {
      printf "readiness flips: not run (the cluster did not converge)\n"
    }
    if (n("server_died") == 1) printf "!! serviceplane DIED during the run (exit status %s)\n", g("server_exit_status")
    else if (n("server_exit_status") != 0 || n("server_log_fatal") > 0)
      printf "!! serviceplane did not stop cleanly on SIGTERM: exit status %s, %s fatal error(s) in its log\n", g("server_exit_status"), g("server_log_fatal")
    cw = g("run.converge_watch_ms"); cs = g("run.converge_sync_ms")
    conv_ok = cw != "-" && cw + 0 <= 2000 && cs != "-" && cs + 0 <= 2000 && n("run.list_services_correct") == nsvc && n("verify.verified") == 1
    printf "goals: last Ready -> all slices correct <= 2000 ms (watch %s, sync %s; lists verified %s): %s; flip p99 %s ms <= 20: %s; writes per Service %s (p50) vs 1 needed, %s after convergence: %s\n",
      cw, cs, g("verify.verified"), goal(conv_ok), g("run.flip_both_p99_ms"),
      goal(n("run.flip_both_n") == 2 * flips && n("run.flip_both_p99_ms") <= 20),
      g("run.writes_per_service_p50"), g("run.slice_writes_after_converged"),
      goal(n("run.writes_per_service_max") == 1 && n("run.slice_writes_after_converged") == 0)
  }' "$WORK/results.txt" >"$SUMMARY"
echo
cat "$SUMMARY"
cp "$SUMMARY" "$OUT_DIR/controllers-summary.txt"
echo "(raw figures: $OUT_DIR/controllers.txt)"
