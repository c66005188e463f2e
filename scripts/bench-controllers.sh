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
# Knobs (environment): SERVICES=1000 PODS_PER=10 CONNS=8 ORDER=grouped (or spread) FLIPS=100 (QUICK=1: 100 Services, 20 flips)
#                      READY_DEADLINE_S=900 (after the last Pod create: every Pod Ready and every slice correct)
#                      DB=:memory: (or "file": a temp-file database) SERVER_ARGS= BIN_DIR=.build/release OUT_DIR=bench-out
# Everything it starts is killed on exit; every step has a time limit.
set -euo pipefail
# shellcheck source=scripts/bench-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/bench-lib.sh"
bench_init bench-controllers

SERVICES="${SERVICES:-$(quick 100 1000)}"
PODS_PER="${PODS_PER:-10}"
CONNS="${CONNS:-8}"
ORDER="${ORDER:-grouped}"
FLIPS="${FLIPS:-$(quick 20 100)}"
READY_DEADLINE_S="${READY_DEADLINE_S:-900}"
DB="${DB:-:memory:}"
SERVER_ARGS="${SERVER_ARGS:-}"
SRC_DIR="bench/controllers"
VERIFY_TIMEOUT=300    # seconds for verify_slices.py

require_tools gcc python3 awk timeout readlink
[ -f "$SRC_DIR/verify_slices.py" ] || die "$SRC_DIR/verify_slices.py not found"
require_int SERVICES PODS_PER CONNS READY_DEADLINE_S
case "$FLIPS" in ''|*[!0-9]*) die "FLIPS must be a non-negative integer" ;; esac
case "$ORDER" in grouped|spread) ;; *) die "ORDER must be grouped or spread" ;; esac
case "$DB" in :memory:|file) ;; *) die "DB must be :memory: or file" ;; esac
[ "$PODS_PER" -le 100 ] || die "PODS_PER must be <= 100 (one slice per Service)"

build_c ctlload "$SRC_DIR/ctlload.c" -lpthread
private_server_copy

db_arg=":memory:"
[ "$DB" = file ] && db_arg="$WORK/serviceplane.db"
# shellcheck disable=SC2086  # SERVER_ARGS is split on purpose
start_server run "$db_arg" $SERVER_ARGS

# ctlload's own deadlines: setup 60 s, READY_DEADLINE_S after the creates, 5 s per flip direction
echo "== T5: $SERVICES Services x $PODS_PER Pods ($ORDER), $CONNS connections, then $FLIPS readiness flips (db $DB)"
LOAD_TIMEOUT=$((READY_DEADLINE_S + 300 + FLIPS * 12)) run_tool run env READY_DEADLINE_S="$READY_DEADLINE_S" "$WORK/ctlload" "$PORT" bench "$SERVICES" \
  "$PODS_PER" "$CONNS" "$ORDER" "$FLIPS" "$SERVER_PID"
echo "server_rss_hwm_kb $(awk '/^VmHWM:/ { print $2 }' "/proc/$SERVER_PID/status" 2>/dev/null || echo -)" >>"$WORK/results.txt"

echo "== verify_slices.py"
LOAD_TIMEOUT=$VERIFY_TIMEOUT run_tool verify python3 "$SRC_DIR/verify_slices.py" "$URL" bench "$SERVICES" "$PODS_PER"
stop_server run
# the summary below reads these without the phase prefix
awk '$1 ~ /^run\.server_/ { sub(/^run\./, "", $1); print }' "$WORK/results.txt" >"$WORK/server-keys.txt"
cat "$WORK/server-keys.txt" >>"$WORK/results.txt"
echo "server_log_fatal $(grep -c 'Fatal error' "$WORK/run.server.out.err" || true)" >>"$WORK/results.txt"
save_results

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
echo "(raw figures: $OUT_DIR/bench-controllers.txt)"

# rows of the final table; a cluster that did not end with every slice right is a failed verification
# converged = every slice right as seen on the watch AND the controllers idle (/debug/controllers/sync), both
# within 2 s of the last Pod becoming Ready (the summary's goal above)
cw="$(get run.converge_watch_ms)"; cs="$(get run.converge_sync_ms)"
table_row T5 "reconcile $SERVICES Services x $PODS_PER Pods: last Ready -> slices correct (watch / sync) ms" "$cw / $cs" "-" "-" "<= 2000 ms" \
  "$(holds "\"$cw\" != \"-\" && \"$cs\" != \"-\" && $cw <= 2000 && $cs <= 2000 && $(get run.list_services_correct) == $SERVICES")"
if [ "$FLIPS" -gt 0 ]; then
  fp="$(get run.flip_both_p99_ms)"
  table_row T5 "  readiness flip -> slice updated p99 ms (p50 $(get run.flip_both_p50_ms))" "$fp" "-" "-" "<= 20 ms" "$(holds "$fp <= 20")"
fi
[ "$(get verify.verified)" = 1 ] || die "verification failed: verify_slices.py found slices that do not match the Pods"
[ "$(get run.pod_creates_failed)" = 0 ] || die "verification failed: $(get run.pod_creates_failed) Pod creates failed"
