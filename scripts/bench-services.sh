#!/usr/bin/env bash
# Service-creation benchmark (issue 4): Services created per second with address allocation, against raw SQLite in
# the same run, and the exhaustion of a /24 cluster IP range.
#
#   throughput  ROUNDS alternating rounds of (subject, anchor):
#               subject: a fresh serviceplane on a temp-file database (--durability $DURABILITY, default normal);
#                        bench/services/svcload.c creates SERVICES NodePort Services (a cluster IP and a node port
#                        each) at CONCURRENCY (16) over keep-alive connections, one thread per connection; then
#                        bench/services/verify_services.py lists them: all 201, EXPECTED present, no duplicate or
#                        out-of-range cluster IP / node port.
#               anchor:  bench/services/sqlite_anchor.c, single-row insert transactions of a 1 KiB JSON document
#                        through the SQLite C API, WAL, synchronous=NORMAL (FULL with DURABILITY=full), one
#                        connection, in a temp directory on the same filesystem, for ANCHOR_SECONDS.
#               Reported: median [min-max] of both, the ratio of the medians (goal >= 0.5).
#   fill        a fresh serviceplane with --service-cluster-ip-range 10.96.0.0/24: Services created one at a time
#               until a create fails; expects exactly 253 (256 - network - broadcast - the kubernetes Service's),
#               then HTTP 500 "Internal error occurred: failed to allocate a serviceIP: range is full" (as
#               kube-apiserver); reports how long the fill took. Then the same race at concurrency CONCURRENCY on
#               another fresh server: FILL_RACE_CREATES creates, exactly 253 must succeed, all distinct.
#
# Results: "key value" lines in $OUT_DIR/bench-services.txt, a table on stdout and in $OUT_DIR/services-summary.txt.
# Goals are marked ok/MISS; a missed goal does not fail the script, a phase that could not run does.
#
# Usage: scripts/bench-services.sh   (after `make bench` built .build/release/serviceplane)
# Knobs (environment): ROUNDS=3 SERVICES=2000 CONCURRENCY=16 ANCHOR_SECONDS=3 (QUICK=1: 1 round of 300, 0.5 s) DURABILITY=normal
#                      FILL_RACE_CREATES=300 SKIP_THROUGHPUT=1 SKIP_FILL=1 BIN_DIR=.build/release OUT_DIR=bench-out
#                      SERVER_ARGS= (extra serve arguments, e.g. "--controllers namespace")
# Everything it starts is killed on exit; every step has a time limit.
set -euo pipefail
# shellcheck source=scripts/bench-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/bench-lib.sh"
bench_init bench-services

ROUNDS="${ROUNDS:-$(quick 1 3)}"
SERVICES="${SERVICES:-$(quick 300 2000)}"
CONCURRENCY="${CONCURRENCY:-16}"
ANCHOR_SECONDS="${ANCHOR_SECONDS:-$(quick 0.5 3)}"
DURABILITY="${DURABILITY:-normal}"
FILL_RACE_CREATES="${FILL_RACE_CREATES:-300}"
SERVER_ARGS="${SERVER_ARGS:-}"
SRC_DIR="bench/services"
NODE_PORT_RANGE="30000-32767"   # the server's default --service-node-port-range
CLUSTER_IP_RANGE="10.96.0.0/12" # the server's default --service-cluster-ip-range
FILL_RANGE="10.96.0.0/24"
FILL_EXPECTED=253     # 256 addresses - network - broadcast - 10.96.0.1 (the kubernetes Service)

require_tools gcc python3 awk timeout readlink
[ -f "$SRC_DIR/verify_services.py" ] || die "$SRC_DIR/verify_services.py not found"
require_int ROUNDS SERVICES CONCURRENCY FILL_RACE_CREATES
require_seconds ANCHOR_SECONDS
case "$DURABILITY" in normal|full) ;; *) die "DURABILITY must be normal or full" ;; esac
# 2768 node ports in the default range: every Service of a round needs one
[ "$SERVICES" -le 2700 ] || die "SERVICES must be <= 2700 (the default node port range has 2768 ports)"

# start_server and stop_server of bench-lib.sh, on a fresh temp-file database with --durability
start_subject() {
  local name="$1"
  shift
  rm -f "$WORK/$name.db" "$WORK/$name.db-wal" "$WORK/$name.db-shm"
  # shellcheck disable=SC2086  # SERVER_ARGS is split on purpose
  start_server "$name" "$WORK/$name.db" --durability "$DURABILITY" "$@" $SERVER_ARGS
}
stop_subject() {
  stop_server "$1"
  rm -f "$WORK/$1.db" "$WORK/$1.db-wal" "$WORK/$1.db-shm"
}

build_c svcload "$SRC_DIR/svcload.c" -lpthread
build_c sqlite_anchor "$SRC_DIR/sqlite_anchor.c" -lsqlite3
private_server_copy
{
  echo "filesystem $(df -P "$WORK" | awk 'NR == 2 { print $1 }')"
  echo "sqlite_version $(python3 -c 'import sqlite3; print(sqlite3.sqlite_version)' 2>/dev/null || echo '?')"
} >>"$WORK/results.txt"
anchor_sync="$DURABILITY"

if [ "${SKIP_THROUGHPUT:-0}" != "1" ]; then
  echo "== $ROUNDS rounds: $SERVICES NodePort Services at concurrency $CONCURRENCY (temp-file db, --durability $DURABILITY) / SQLite anchor"
  for r in $(seq 1 "$ROUNDS"); do
    start_subject "r$r.subject"
    run_tool "r$r.subject" "$WORK/svcload" create "$PORT" bench svc "$SERVICES" "$CONCURRENCY" NodePort "$SERVER_PID"
    run_tool "r$r.verify" python3 "$SRC_DIR/verify_services.py" "http://127.0.0.1:$PORT" bench svc "$SERVICES" \
      "$CLUSTER_IP_RANGE" "$NODE_PORT_RANGE"
    stop_subject "r$r.subject"
    run_tool "r$r.anchor" "$WORK/sqlite_anchor" "$WORK/anchor$r.db" "$ANCHOR_SECONDS" 10000000 "$anchor_sync"
    rm -f "$WORK/anchor$r.db" "$WORK/anchor$r.db-wal" "$WORK/anchor$r.db-shm"
    printf 'round %d: serviceplane %8.1f creates/s (p50 %s ms, p99 %s ms; %s of %s 201; verified %s; server CPU %s%%, other %s%%) | anchor %9.1f inserts/s\n' \
      "$r" "$(get "r$r.subject.creates_per_s")" "$(get "r$r.subject.create_latency_p50_ms")" \
      "$(get "r$r.subject.create_latency_p99_ms")" "$(get "r$r.subject.creates_ok")" "$SERVICES" \
      "$(get "r$r.verify.verified")" "$(get "r$r.subject.server_cpu_pct")" "$(get "r$r.subject.other_cpu_pct")" \
      "$(get "r$r.anchor.inserts_per_s")"
  done
fi

if [ "${SKIP_FILL:-0}" != "1" ]; then
  echo "== fill: --service-cluster-ip-range $FILL_RANGE, creates one at a time until one fails"
  start_subject fill --service-cluster-ip-range "$FILL_RANGE"
  run_tool fill "$WORK/svcload" fill "$PORT" bench fill 1000
  run_tool fill.verify python3 "$SRC_DIR/verify_services.py" "http://127.0.0.1:$PORT" bench fill "$FILL_EXPECTED" \
    "$FILL_RANGE" "$NODE_PORT_RANGE"
  stop_subject fill
  echo "== fill race: $FILL_RACE_CREATES creates at concurrency $CONCURRENCY into $FILL_RANGE"
  start_subject fillrace --service-cluster-ip-range "$FILL_RANGE"
  run_tool fillrace "$WORK/svcload" create "$PORT" bench race "$FILL_RACE_CREATES" "$CONCURRENCY" ClusterIP "$SERVER_PID"
  run_tool fillrace.verify python3 "$SRC_DIR/verify_services.py" "http://127.0.0.1:$PORT" bench race "$FILL_EXPECTED" \
    "$FILL_RANGE" "$NODE_PORT_RANGE"
  stop_subject fillrace
fi
save_results

# ---------------------------------------------------------------- summary table
SUMMARY="$WORK/summary.txt"
awk -v rounds="$ROUNDS" -v nsvc="$SERVICES" -v c="$CONCURRENCY" -v dur="$DURABILITY" -v fexp="$FILL_EXPECTED" \
    -v frange="$FILL_RANGE" -v race="$FILL_RACE_CREATES" '
  { k = $1; $1 = ""; sub(/^ /, ""); v[k] = $0 }
  function g(k) { return (k in v) ? v[k] : "-" }
  function goal(ok) { return ok ? "ok" : "MISS" }
  function n(k) { return (k in v) ? v[k] + 0 : -1 }   # numeric (the values are strings: compare numbers, not text)
  # med/min/max of v["r<i>." key] over the rounds, into M[]
  function stats(key,   i, m, a, t, j) {
    m = 0
    for (i = 1; i <= rounds; i++) if (("r" i "." key) in v) a[++m] = v["r" i "." key] + 0
    for (i = 2; i <= m; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
    M["n"] = m
    if (m == 0) { M["med"] = M["min"] = M["max"] = 0; return }
    M["med"] = (m % 2) ? a[(m + 1) / 2] : (a[m / 2] + a[m / 2 + 1]) / 2
    M["min"] = a[1]; M["max"] = a[m]
  }
  END {
    for (key in v)
      if (key ~ /\.server_died$/ && v[key] == 1)
        printf "!! serviceplane DIED during %s; figures of that phase are partial\n", substr(key, 1, length(key) - 12)
    if ("r1.subject.mode" in v) {
      printf "== Service creation: %d NodePort Services at concurrency %d, temp-file db, --durability %s; %d alternating rounds (median [min-max])\n", nsvc, c, dur, rounds
      stats("subject.creates_per_s"); sm = M["med"]; smin = M["min"]; smax = M["max"]
      stats("anchor.inserts_per_s"); am = M["med"]; amin = M["min"]; amax = M["max"]
      printf "%-34s %10.1f  [%.1f-%.1f]\n", "serviceplane creates/s", sm, smin, smax
      printf "%-34s %10.1f  [%.1f-%.1f]\n", "anchor SQLite 1-row txn/s (" g("r1.anchor.synchronous") ")", am, amin, amax
      stats("subject.create_latency_p50_ms"); printf "%-34s %10.3f  [%.3f-%.3f]\n", "create latency p50 ms", M["med"], M["min"], M["max"]
      stats("subject.create_latency_p99_ms"); printf "%-34s %10.3f  [%.3f-%.3f]\n", "create latency p99 ms", M["med"], M["min"], M["max"]
      stats("anchor.commit_p50_us"); printf "%-34s %10.1f  [%.1f-%.1f]\n", "anchor commit p50 us", M["med"], M["min"], M["max"]
      stats("subject.server_cpu_pct"); printf "%-34s %10.1f  [%.1f-%.1f]\n", "server CPU % (100 = one core)", M["med"], M["min"], M["max"]
      stats("subject.loadgen_cpu_pct"); printf "%-34s %10.1f  [%.1f-%.1f]\n", "svcload CPU %", M["med"], M["min"], M["max"]
      stats("subject.other_cpu_pct"); printf "%-34s %10.1f  [%.1f-%.1f]\n", "rest of the machine CPU % (noise)", M["med"], M["min"], M["max"]
      allok = 1; created = 0; bad = ""
      for (i = 1; i <= rounds; i++) {
        p = "r" i "."
        created += g(p "subject.creates_ok")
        if (n(p "subject.creates_ok") != nsvc || n(p "verify.verified") != 1) { allok = 0; bad = bad " r" i }
        dups += g(p "verify.cluster_ip_duplicates") + g(p "verify.node_port_duplicates")
      }
      ratio = am > 0 ? sm / am : 0
      printf "ratio serviceplane/anchor (medians): %.3f\n", ratio
      printf "verification: %d creates, all 201 and listed, cluster IPs and node ports distinct and in range: %s%s (duplicates: %d)\n",
        created, allok ? "yes" : "NO", allok ? "" : " (rounds" bad ")", dups
      printf "goals: ratio %.3f >= 0.5: %s; every create 201, no duplicate allocation: %s\n", ratio, goal(ratio >= 0.5), goal(allok)
    }
    if ("fill.mode" in v) {
      printf "\n== cluster IP range exhaustion: %s (%d addresses for Services besides the kubernetes one)\n", frange, fexp
      printf "sequential: %s created in %s s (create p50 %s ms, p99 %s ms, max %s ms); then HTTP %s: %s\n", g("fill.created"),
        g("fill.fill_seconds"), g("fill.create_latency_p50_ms"), g("fill.create_latency_p99_ms"), g("fill.create_latency_max_ms"),
        g("fill.fail_status"), g("fill.fail_message")
      printf "            one more create: HTTP %s; listed %s, distinct cluster IPs (with kubernetes) %s, duplicates %s, out of range %s\n",
        g("fill.again_status"), g("fill.verify.services_listed"), g("fill.verify.cluster_ips_distinct"),
        g("fill.verify.cluster_ip_duplicates"), g("fill.verify.cluster_ip_out_of_range")
      seq_ok = n("fill.created") == fexp && n("fill.fail_status") == 500 && \
               g("fill.fail_message") == "Internal error occurred: failed to allocate a serviceIP: range is full" && \
               n("fill.again_status") == 500 && n("fill.verify.verified") == 1 && n("fill.verify.cluster_ips_distinct") == fexp + 1
      printf "race (%d creates at concurrency %d): %s x 201, %s x 500 in %s s; listed %s, duplicates %s, out of range %s\n", race, c,
        g("fillrace.status_201"), g("fillrace.status_500"), g("fillrace.seconds"), g("fillrace.verify.services_listed"),
        g("fillrace.verify.cluster_ip_duplicates"), g("fillrace.verify.cluster_ip_out_of_range")
      race_ok = n("fillrace.status_201") == fexp && n("fillrace.status_500") == race - fexp && n("fillrace.verify.verified") == 1
      printf "goals: exactly %d distinct, then 500 range is full: %s; race: exactly %d succeed, no duplicate: %s\n",
        fexp, goal(seq_ok), fexp, goal(race_ok)
    }
    for (key in v)
      if (key ~ /\.server_exit_status$/ && v[key] + 0 != 0)
        printf "!! serviceplane exited with status %s on SIGTERM after %s (not a clean stop)\n", v[key], substr(key, 1, length(key) - 19)
    w = 0
    for (key in v) if (key ~ /\.server_log_warnings$/) w += v[key]
    if (w > 0) printf "\nnote: the servers logged %d warnings/errors besides the expected range-is-full ones (see %s)\n", w, "bench-out/bench-services.txt"
  }' "$WORK/results.txt" >"$SUMMARY"
echo
cat "$SUMMARY"
cp "$SUMMARY" "$OUT_DIR/services-summary.txt"
echo "(raw figures: $OUT_DIR/bench-services.txt)"

# rows of the final table; a create that failed or an allocation handed out twice is a failed verification
if [ "${SKIP_THROUGHPUT:-0}" != "1" ]; then
  s="$(stats subject.creates_per_s)"; a="$(stats anchor.inserts_per_s)"; r="$(ratio "${s%% *}" "${a%% *}")"
  table_row SVC "create NodePort Services, c=$CONCURRENCY, $DURABILITY: /s vs SQLite 1-row" "$(fmt_stats "$s")" "$(fmt_stats "$a")" "$r" ">= 0.5" "$(holds "$r >= 0.5")"
  for r in $(seq 1 "$ROUNDS"); do
    [ "$(get "r$r.subject.creates_ok")" = "$SERVICES" ] && [ "$(get "r$r.verify.verified")" = 1 ] \
      || die "verification failed: round $r: $(get "r$r.subject.creates_ok") of $SERVICES creates ok, list verified: $(get "r$r.verify.verified")"
  done
fi
if [ "${SKIP_FILL:-0}" != "1" ]; then
  table_row SVC "  /24 filled: Services, then 500 range is full" "$(get fill.created)" "-" "-" "$FILL_EXPECTED" "$(holds "$(get fill.created) == $FILL_EXPECTED")"
  [ "$(get fill.created)" = "$FILL_EXPECTED" ] && [ "$(get fillrace.status_201)" = "$FILL_EXPECTED" ] && [ "$(get fillrace.verify.verified)" = 1 ] \
    || die "verification failed: the /24 fill gave $(get fill.created) Services, the race $(get fillrace.status_201) (expected $FILL_EXPECTED)"
fi
