#!/usr/bin/env bash
# Watch benchmark (issue 3): fan-out of pod events to K watchers and 10,000 idle watchers held open, against
# the release serviceplane, driven by bench/watch/watchload.c (single-threaded epoll client in C, plus one
# blocking loader thread for the creates; see the comment at the top of that file).
#
#   fan-out  K watchers (FANOUT_WATCHERS, default "100 1000") on /api/v1/namespaces/bench/pods from the list's
#            resourceVersion, then FANOUT_CREATES (1000) pod creates at concurrency 1 over keep-alive. Checks
#            that every watcher got every ADDED event exactly once, all events (the server's controllers add
#            MODIFIED ones) in increasing resourceVersion order and the same events as every other watcher, and
#            reports delivery latency (watcher receipt - arrival of the create's 201; negative when the event
#            beat the 201) next to the create round trip measured in the same run (anchor: there is no etcd
#            here, so the ratio "delivery p99 / create p50" stands in for a reference).
#   scale    SCALE_WATCHERS (10000) idle watches on /api/v1/namespaces/bench/services?watch=1&timeoutSeconds=600:
#            all accepted?, server VmRSS before/with them, and GET /api/v1/namespaces/default latency
#            (GET_SAMPLES, 200) with the watchers open vs on the idle server just before (the anchor).
#
# Every phase gets a fresh server (--db :memory: --max-connections $MAX_CONNECTIONS). Results: "key value"
# lines in $OUT_DIR/watch.txt (keys prefixed fanout_k<K>. / scale.), a table on stdout and in
# $OUT_DIR/watch-summary.txt. Goals are marked ok/MISS; a missed goal does not fail the script, a phase
# that could not run does.
#
# Usage: scripts/bench-watch.sh   (after `make bench` built .build/release/serviceplane)
# Knobs (environment): FANOUT_WATCHERS="100 1000" FANOUT_CREATES=1000 SCALE_WATCHERS=10000 GET_SAMPLES=200
#                      MAX_CONNECTIONS=15000 BIN_DIR=.build/release OUT_DIR=bench-out SKIP_SCALE=1 SKIP_FANOUT=1
#                      SERVER_ARGS= (extra serve arguments, e.g. "--controllers namespace": no pod status updates)
# Everything it starts is killed on exit; every step has a time limit.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

FANOUT_WATCHERS="${FANOUT_WATCHERS:-100 1000}"
FANOUT_CREATES="${FANOUT_CREATES:-1000}"
SCALE_WATCHERS="${SCALE_WATCHERS:-10000}"
GET_SAMPLES="${GET_SAMPLES:-200}"
MAX_CONNECTIONS="${MAX_CONNECTIONS:-15000}"
SERVER_ARGS="${SERVER_ARGS:-}"   # extra `serve` arguments, split on spaces, e.g. "--controllers namespace"
BIN_DIR="${BIN_DIR:-.build/release}"
OUT_DIR="${OUT_DIR:-bench-out}"
SERVICEPLANE="$BIN_DIR/serviceplane"
WATCHLOAD_SRC="bench/watch/watchload.c"
READY_TIMEOUT=10      # seconds a server gets to print READY
PHASE_TIMEOUT=600     # seconds one watchload run may take before it is killed
STOP_TIMEOUT=10       # seconds a server gets to exit after SIGTERM

die() { echo "bench-watch: $*" >&2; exit 1; }

for tool in gcc awk timeout readlink; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool is required"
done
[ -f "$WATCHLOAD_SRC" ] || die "$WATCHLOAD_SRC not found"
[ -x "$SERVICEPLANE" ] || die "$SERVICEPLANE not built (run: make bench)"
for knob in FANOUT_CREATES SCALE_WATCHERS GET_SAMPLES MAX_CONNECTIONS; do
  case "${!knob}" in ''|*[!0-9]*|0) die "$knob must be a positive integer" ;; esac
done
for k in $FANOUT_WATCHERS; do
  case "$k" in ''|*[!0-9]*|0) die "FANOUT_WATCHERS must list positive integers" ;; esac
done

# Both the server (MAX_CONNECTIONS sockets) and watchload (SCALE_WATCHERS sockets) need open files; each process
# has its own limit, inherited from this shell. Raise the soft limit up to 20000 if the hard limit allows.
need_files=$(( MAX_CONNECTIONS + 64 ))
[ "$(( SCALE_WATCHERS + 64 ))" -gt "$need_files" ] && need_files=$(( SCALE_WATCHERS + 64 ))
[ "$need_files" -gt 20000 ] && need_files=20000
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt "$need_files" ]; then
  ulimit -n "$need_files" 2>/dev/null || die "open-files limit $(ulimit -n) < $need_files and cannot be raised (ulimit -Hn $(ulimit -Hn))"
fi

WORK="$(mktemp -d "${TMPDIR:-/tmp}/serviceplane-bench-watch.XXXXXX")"
SERVER_PID=""
LOAD_PID=""

# stop_pid PID: SIGTERM, wait up to STOP_TIMEOUT, then SIGKILL; returns 0 if it exited on SIGTERM in time.
stop_pid() {
  local pid="$1" i
  kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < STOP_TIMEOUT * 10; i++)); do
    kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  return 1
}

cleanup() {
  local status=$?
  # LOAD_PID is `timeout`, which passes SIGTERM on to watchload (a SIGKILL would orphan watchload)
  [ -n "$LOAD_PID" ] && { stop_pid "$LOAD_PID" || true; }
  [ -n "$SERVER_PID" ] && { stop_pid "$SERVER_PID" || true; }
  rm -rf "$WORK"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# start_server NAME: a fresh in-memory serviceplane; sets SERVER_PID and PORT.
start_server() {
  local name="$1" deadline line exe
  # shellcheck disable=SC2086  # SERVER_ARGS is split on purpose
  "$WORK/serviceplane" serve --bind-address 127.0.0.1 --port 0 --db :memory: --kubeconfig-out '' \
    --max-connections "$MAX_CONNECTIONS" --log-level info $SERVER_ARGS \
    >"$WORK/$name.server.out" 2>"$WORK/$name.server.err" </dev/null &
  SERVER_PID=$!
  deadline=$((SECONDS + READY_TIMEOUT))
  PORT=""
  while [ "$SECONDS" -le "$deadline" ]; do
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/$name.server.err" >&2; die "serviceplane exited before READY"; }
    line="$(head -n 1 "$WORK/$name.server.out" 2>/dev/null || true)"
    case "$line" in "READY http://"*) PORT="${line##*:}"; break ;; esac
    sleep 0.05
  done
  [ -n "$PORT" ] || die "serviceplane printed no READY line within ${READY_TIMEOUT}s"
  # RSS and CPU are read from /proc/$SERVER_PID: make sure it is the server itself, not a wrapper.
  exe="$(readlink "/proc/$SERVER_PID/exe" || true)"
  [ "$exe" = "$(readlink -f "$WORK/serviceplane")" ] || die "pid $SERVER_PID is $exe, not $WORK/serviceplane"
}

# stop_server NAME: SIGTERM with the watchers already gone; notes whether the server was still running (if not:
# its exit status and log go to $OUT_DIR/watch-NAME-server.log), a clean stop, and the log's warnings.
stop_server() {
  local name="$1" status=0
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then
    wait "$SERVER_PID" 2>/dev/null || status=$?
    echo "$name.server_died 1" >>"$WORK/results.txt"
    echo "$name.server_exit_status $status" >>"$WORK/results.txt"
    mkdir -p "$OUT_DIR"
    cp "$WORK/$name.server.err" "$OUT_DIR/watch-$name-server.log"
    echo "bench-watch: $name: serviceplane died during the run (exit status $status; log: $OUT_DIR/watch-$name-server.log); its last lines:" >&2
    tail -n 5 "$WORK/$name.server.err" >&2
    SERVER_PID=""
    return 0
  fi
  echo "$name.server_died 0" >>"$WORK/results.txt"
  if stop_pid "$SERVER_PID"; then
    echo "$name.server_stopped_cleanly 1" >>"$WORK/results.txt"
  else
    echo "$name.server_stopped_cleanly 0" >>"$WORK/results.txt"
    echo "bench-watch: $name: serviceplane did not exit within ${STOP_TIMEOUT}s of SIGTERM (killed)" >&2
  fi
  SERVER_PID=""
  echo "$name.server_log_warnings $(grep -ciE ' (warning|error|critical) ' "$WORK/$name.server.err" || true)" >>"$WORK/results.txt"
  if grep -qiE ' (warning|error|critical) ' "$WORK/$name.server.err"; then
    echo "bench-watch: $name: serviceplane logged (first 5 warnings/errors):" >&2
    grep -iE ' (warning|error|critical) ' "$WORK/$name.server.err" | head -n 5 >&2
  fi
}

# run_load NAME ARGS...: watchload with a time limit; its key/value lines go to results.txt prefixed "NAME.".
run_load() {
  local name="$1" rc=0
  shift
  timeout --kill-after=5 "$PHASE_TIMEOUT" "$WORK/watchload" "$@" >"$WORK/$name.txt" 2>"$WORK/$name.err" &
  LOAD_PID=$!
  wait "$LOAD_PID" || rc=$?
  LOAD_PID=""
  if [ -s "$WORK/$name.err" ]; then sed "s/^/  [$name] /" "$WORK/$name.err" >&2; fi
  [ "$rc" -eq 0 ] || { cat "$WORK/$name.txt" >&2; die "$name: watchload exited with status $rc"; }
  awk -v p="$name." 'NF == 2 { print p $1, $2 }' "$WORK/$name.txt" >>"$WORK/results.txt"
}

echo "== building $WATCHLOAD_SRC"
gcc -O2 -Wall -o "$WORK/watchload" "$WATCHLOAD_SRC" -lpthread
# A private copy of the server: a rebuild during the run neither changes the binary between phases nor
# pulls it from under a running server.
cp "$SERVICEPLANE" "$WORK/serviceplane"
: >"$WORK/results.txt"
echo "cpus $(nproc)" >>"$WORK/results.txt"

if [ "${SKIP_FANOUT:-0}" != "1" ]; then
  for k in $FANOUT_WATCHERS; do
    echo "== fan-out: $k watchers, $FANOUT_CREATES pod creates at concurrency 1"
    start_server "fanout_k$k"
    run_load "fanout_k$k" fanout "$PORT" "$k" "$FANOUT_CREATES" 20 "$SERVER_PID"
    stop_server "fanout_k$k"
  done
fi

if [ "${SKIP_SCALE:-0}" != "1" ]; then
  echo "== scale: $SCALE_WATCHERS idle watchers, $GET_SAMPLES GETs before and while they are open"
  start_server scale
  run_load scale scale "$PORT" "$SCALE_WATCHERS" "$SERVER_PID" "$GET_SAMPLES"
  stop_server scale
fi

mkdir -p "$OUT_DIR"
cp "$WORK/results.txt" "$OUT_DIR/watch.txt"

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
echo "(raw figures: $OUT_DIR/watch.txt)"
