# Shared scaffolding of the benchmark scripts (scripts/bench*.sh); source it, then call bench_init NAME.
#
# What every benchmark script needs and used to repeat: a private temp directory, a trap that stops every
# process the script started (by PID: SIGTERM, then SIGKILL after STOP_TIMEOUT) and removes the directory,
# starting serviceplane (or etcd) and waiting until it is ready, running a load generator with a time limit
# and collecting its "key value" lines, medians over rounds, and rows of the final table of `make bench`.
#
# Conventions: results of a script are "key value" lines in $WORK/results.txt (copied to $OUT_DIR/NAME.txt);
# rows of the final table go to $OUT_DIR/table.tsv (see table_row); a failed verification dies loudly
# (exit status 1), a missed goal is only marked in the table.
# shellcheck shell=bash

BIN_DIR="${BIN_DIR:-.build/release}"
OUT_DIR="${OUT_DIR:-bench-out}"
QUICK="${QUICK:-0}"
READY_TIMEOUT="${READY_TIMEOUT:-60}"   # seconds a server gets to become ready (a restart with 100k objects included)
STOP_TIMEOUT="${STOP_TIMEOUT:-10}"     # seconds a process gets to exit after SIGTERM
LOAD_TIMEOUT="${LOAD_TIMEOUT:-600}"    # seconds one load-generator run may take before it is killed
SERVICEPLANE="$BIN_DIR/serviceplane"

BENCH_PIDS=()
STOP_STATUS=0

die() { echo "$BENCH_NAME: $*" >&2; exit 1; }

# quick Q FULL: Q in quick mode (QUICK=1), else FULL.
quick() { if [ "$QUICK" = 1 ]; then echo "$1"; else echo "$2"; fi; }

# require_int NAME...: every named variable is a positive integer.
require_int() {
  local knob
  for knob in "$@"; do
    case "${!knob}" in ''|*[!0-9]*|0) die "$knob must be a positive integer (is '${!knob}')" ;; esac
  done
}

# require_seconds NAME...: every named variable is a positive number of seconds (decimals allowed).
require_seconds() {
  local knob
  for knob in "$@"; do
    awk -v v="${!knob}" 'BEGIN { exit !(v ~ /^[0-9]*\.?[0-9]+$/ && v + 0 > 0) }' || die "$knob must be a positive number (is '${!knob}')"
  done
}

require_tools() {
  local tool
  for tool in "$@"; do command -v "$tool" >/dev/null 2>&1 || die "$tool is required (run: make bench, which installs it)"; done
}

# bench_init NAME: the temp directory $WORK, the cleanup trap, results.txt; cd to the repository root.
bench_init() {
  BENCH_NAME="$1"
  cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1
  WORK="$(mktemp -d "${TMPDIR:-/tmp}/serviceplane-$BENCH_NAME.XXXXXX")"
  : >"$WORK/results.txt"
  echo "cpus $(nproc)" >>"$WORK/results.txt"
  mkdir -p "$OUT_DIR"
  trap bench_cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
}

bench_cleanup() {
  local status=$? i pids=("${BENCH_PIDS[@]}")
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do stop_pid "${pids[$i]}" || true; done
  BENCH_PIDS=()
  rm -rf "$WORK"
  exit "$status"
}

track_pid() { BENCH_PIDS+=("$1"); }
untrack_pid() {
  local keep=() p
  for p in "${BENCH_PIDS[@]}"; do [ "$p" = "$1" ] || keep+=("$p"); done
  BENCH_PIDS=("${keep[@]}")
}

# stop_pid PID: SIGTERM, wait up to STOP_TIMEOUT, then SIGKILL; returns 0 if it exited on SIGTERM in time and
# sets STOP_STATUS to its exit status. (A `timeout` wrapper passes SIGTERM on to its command.)
stop_pid() {
  local pid="$1" i
  STOP_STATUS=0
  untrack_pid "$pid"
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

# build_c NAME SRC [LIBS...]: gcc -O2 SRC into $WORK/NAME. With BENCH_TOOLS_DIR (scripts/bench.sh sets it, so
# that one `make bench` compiles each program once), the binary is built there, reused while it is newer than its
# source and bench/common/*.h, and copied into $WORK.
build_c() {
  local name="$1" src="$2" cached
  shift 2
  [ -f "$src" ] || die "$src not found"
  if [ -n "${BENCH_TOOLS_DIR:-}" ] && [ -d "$BENCH_TOOLS_DIR" ]; then
    cached="$BENCH_TOOLS_DIR/$name"
    if [ ! -x "$cached" ] || [ -n "$(find "$src" bench/common -newer "$cached" -name '*.[ch]' 2>/dev/null | head -n 1)" ]; then
      gcc -O2 -Wall -o "$cached.tmp" "$src" "$@" || die "could not build $src"
      mv "$cached.tmp" "$cached"
    fi
    cp "$cached" "$WORK/$name"
    return 0
  fi
  gcc -O2 -Wall -o "$WORK/$name" "$src" "$@" || die "could not build $src"
}

# private_server_copy: a copy of the server binary, so a rebuild during the run changes nothing under it.
private_server_copy() {
  [ -x "$SERVICEPLANE" ] || die "$SERVICEPLANE not built (run: make bench)"
  cp "$SERVICEPLANE" "$WORK/serviceplane"
}

# wait_ready FILE PID NAME: waits for "READY http://HOST:PORT" on the first line of FILE; prints the URL.
wait_ready() {
  local file="$1" pid="$2" name="$3" deadline=$((SECONDS + READY_TIMEOUT)) line
  while [ "$SECONDS" -le "$deadline" ]; do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "$BENCH_NAME: $name exited before READY; its output:" >&2
      tail -n 20 "$file" "$file.err" 2>/dev/null >&2 || true
      return 1
    fi
    line="$(head -n 1 "$file" 2>/dev/null || true)"
    case "$line" in "READY http://"*) echo "${line#READY }"; return 0 ;; esac
    sleep 0.02
  done
  echo "$BENCH_NAME: $name printed no READY line within ${READY_TIMEOUT}s" >&2
  return 1
}

# start_server NAME DB [ARGS...]: $WORK/serviceplane on 127.0.0.1 port 0 with database DB (":memory:" or a
# path); sets SERVER_PID, PORT and URL. Its stdout/stderr: $WORK/NAME.server.out / .server.out.err.
start_server() {
  local name="$1" db="$2" exe
  shift 2
  [ -x "$WORK/serviceplane" ] || private_server_copy
  "$WORK/serviceplane" serve --bind-address 127.0.0.1 --port 0 --db "$db" --kubeconfig-out '' --log-level info "$@" \
    >"$WORK/$name.server.out" 2>"$WORK/$name.server.out.err" </dev/null &
  SERVER_PID=$!
  track_pid "$SERVER_PID"
  URL="$(wait_ready "$WORK/$name.server.out" "$SERVER_PID" "serviceplane ($name)")" || die "serviceplane ($name) did not start"
  # shellcheck disable=SC2034  # PORT is for the callers
  PORT="${URL##*:}"
  # RSS and CPU are read from /proc/$SERVER_PID: make sure it is the server itself, not a wrapper.
  exe="$(readlink "/proc/$SERVER_PID/exe" || true)"
  [ "$exe" = "$(readlink -f "$WORK/serviceplane")" ] || die "pid $SERVER_PID is $exe, not $WORK/serviceplane"
}

# stop_server NAME: stops SERVER_PID; records NAME.server_died / server_stopped_cleanly / server_exit_status /
# server_log_warnings in results.txt and keeps the log in $OUT_DIR if the server died or did not stop cleanly.
stop_server() {
  local name="$1" status=0 log="$WORK/$1.server.out.err"
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then
    wait "$SERVER_PID" 2>/dev/null || status=$?
    untrack_pid "$SERVER_PID"
    echo "$name.server_died 1" >>"$WORK/results.txt"
    echo "$name.server_exit_status $status" >>"$WORK/results.txt"
    cp "$log" "$OUT_DIR/$BENCH_NAME-$name-server.log"
    echo "$BENCH_NAME: $name: serviceplane DIED during the run (exit status $status; log: $OUT_DIR/$BENCH_NAME-$name-server.log)" >&2
    tail -n 5 "$log" >&2
  else
    echo "$name.server_died 0" >>"$WORK/results.txt"
    if stop_pid "$SERVER_PID"; then
      echo "$name.server_stopped_cleanly 1" >>"$WORK/results.txt"
    else
      echo "$name.server_stopped_cleanly 0" >>"$WORK/results.txt"
      echo "$BENCH_NAME: $name: serviceplane did not exit within ${STOP_TIMEOUT}s of SIGTERM (killed)" >&2
    fi
    echo "$name.server_exit_status $STOP_STATUS" >>"$WORK/results.txt"
    if [ "$STOP_STATUS" -ne 0 ] || grep -q 'Fatal error' "$log"; then
      cp "$log" "$OUT_DIR/$BENCH_NAME-$name-server.log"
      echo "$BENCH_NAME: $name: serviceplane exited with status $STOP_STATUS on SIGTERM (log: $OUT_DIR/$BENCH_NAME-$name-server.log)" >&2
    fi
  fi
  SERVER_PID=""
  echo "$name.server_log_warnings $(grep -E ' (warning|error|critical) ' "$log" | grep -vc 'range is full' || true)" \
    >>"$WORK/results.txt"
}

# run_tool NAME CMD...: one run of CMD with a LOAD_TIMEOUT limit; its "key value" lines go to results.txt
# prefixed "NAME."; dies (loudly, with its output) if it fails.
run_tool() {
  local name="$1" rc=0 pid
  shift
  timeout --kill-after=5 "$LOAD_TIMEOUT" "$@" >"$WORK/$name.txt" 2>"$WORK/$name.err" &
  pid=$!
  track_pid "$pid"
  wait "$pid" || rc=$?
  untrack_pid "$pid"
  if [ -s "$WORK/$name.err" ]; then sed "s/^/  [$name] /" "$WORK/$name.err" >&2; fi
  awk -v p="$name." 'NF >= 2 { k = $1; $1 = ""; sub(/^ /, ""); print p k, $0 }' "$WORK/$name.txt" >>"$WORK/results.txt"
  [ "$rc" -eq 0 ] || { cat "$WORK/$name.txt" >&2; die "$name: $(basename "$1") failed (exit status $rc)"; }
}

# get KEY: a value from results.txt ("-" if absent).
get() { awk -v k="$1" '$1 == k { $1 = ""; sub(/^ /, ""); v = $0 } END { print (v == "" ? "-" : v) }' "$WORK/results.txt"; }

# expect KEY VALUE WHAT: dies unless results.txt has KEY = VALUE (a verification).
expect() {
  local got
  got="$(get "$1")"
  [ "$got" = "$2" ] || die "verification failed: $3 ($1 is $got, expected $2)"
}

# stats KEYSUFFIX: "median min max" of every results.txt value whose key is r<N>.KEYSUFFIX.
stats() {
  awk -v s="$1" '{ k = $1; if (k ~ /^r[0-9]+\./ && substr(k, index(k, ".") + 1) == s) print $2 }' "$WORK/results.txt" |
    sort -g | awk '
      { v[NR] = $1 }
      END {
        if (NR == 0) { print "- - -"; exit }
        med = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
        print med, v[1], v[NR]
      }'
}

# fmt_stats "MED MIN MAX" [DECIMALS]: "MED [MIN-MAX]".
fmt_stats() {
  local med min max
  read -r med min max <<<"$1"
  [ "$med" = "-" ] && { echo "-"; return; }
  awk -v a="$med" -v b="$min" -v c="$max" -v d="${2:-0}" 'BEGIN { printf "%.*f [%.*f-%.*f]\n", d, a, d, b, d, c }'
}

# ratio A B: A/B with 2 decimals ("-" if either is missing or B is 0).
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-" || b == "-" || b + 0 == 0) print "-"; else printf "%.2f\n", a / b }'; }

# holds EXPR: "met" if the awk expression holds, else "MISSED" (e.g. holds "0.81 >= 0.6").
holds() { awk "BEGIN { exit !($1) }" 2>/dev/null && echo met || echo MISSED; }

# table_row WORKLOAD WHAT OURS ANCHOR RATIO GOAL STATUS: one row of the final `make bench` table.
table_row() {
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >>"$OUT_DIR/table.tsv"
}

# save_results: results.txt to $OUT_DIR/$BENCH_NAME.txt.
save_results() { cp "$WORK/results.txt" "$OUT_DIR/$BENCH_NAME.txt"; }

# free_port: a TCP port for etcd (which cannot take port 0 and report it): a random one below the kernel's
# ephemeral range (so no outgoing connection holds it; 10000-32767 on Debian), on which nothing accepts a
# connection on 127.0.0.1; at most 50 tries.
free_port() {
  local i p low=32768 span
  read -r low _ </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || true
  span=$(( low - 10000 ))
  [ "$span" -gt 1000 ] || die "the ephemeral port range starts at $low: no room for fixed ports below it"
  for i in $(seq 1 50); do
    p=$(( 10000 + (RANDOM * 32768 + RANDOM) % span ))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return 0; fi
  done
  die "no free port found"
}

# etcd_args DATADIR CLIENT_PORT PEER_PORT: the command line of a one-member etcd on loopback.
etcd_args() {
  echo "etcd --name bench --data-dir $1 --listen-client-urls http://127.0.0.1:$2 --advertise-client-urls http://127.0.0.1:$2" \
    "--listen-peer-urls http://127.0.0.1:$3 --initial-advertise-peer-urls http://127.0.0.1:$3" \
    "--initial-cluster bench=http://127.0.0.1:$3 --logger zap --log-level error"
}

# start_etcd NAME DATADIR: etcd on free loopback ports with its data in DATADIR (reused if it exists); waits until
# its JSON gateway answers a range; sets ETCD_PID and ETCD_PORT.
start_etcd() {
  local name="$1" dir="$2" peer deadline
  require_tools etcd
  ETCD_PORT="$(free_port)"
  peer="$(free_port)"
  # shellcheck disable=SC2046,SC2091  # the command line is split on purpose
  $(etcd_args "$dir" "$ETCD_PORT" "$peer") >"$WORK/$name.etcd.log" 2>&1 </dev/null &
  ETCD_PID=$!
  track_pid "$ETCD_PID"
  deadline=$((SECONDS + READY_TIMEOUT))
  while [ "$SECONDS" -le "$deadline" ]; do
    kill -0 "$ETCD_PID" 2>/dev/null || { tail -n 20 "$WORK/$name.etcd.log" >&2; die "etcd ($name) exited"; }
    if curl -fsS --max-time 2 -X POST "http://127.0.0.1:$ETCD_PORT/v3/kv/range" -d '{"key":"AA=="}' >/dev/null 2>&1; then return 0; fi
    sleep 0.05
  done
  die "etcd ($name) did not answer within ${READY_TIMEOUT}s"
}

stop_etcd() {
  stop_pid "$ETCD_PID" || echo "$BENCH_NAME: etcd did not stop within ${STOP_TIMEOUT}s (killed)" >&2
  ETCD_PID=""
}
