#!/bin/bash
# Compares a Swift HTTPServer benchmark binary against the C libmicrohttpd anchor under the same wrk load.
#
#   bench/anchors/compare_http.sh SWIFT_SERVER [large] [rounds]
#
# SWIFT_SERVER must behave like http_anchor: take the port as its first argument (0 = free port), serve the same
# fixed JSON (the ~1 MB list when a second argument is given), print "READY http://127.0.0.1:PORT" and exit on
# SIGTERM. Runs alternate (anchor, swift, anchor, ...) with `wrk -t2 -c64 -d5s`; each line reports requests/s and
# the server's CPU microseconds per request (less sensitive than requests/s to other load on a shared box).
# Set PIN=1 to run servers on CPU 1 and wrk on CPU 0.
set -u
SWIFT=$1; LARGE=${2:-}; ROUNDS=${3:-3}
HERE=$(cd "$(dirname "$0")" && pwd)
ANCHOR=${ANCHOR:-/tmp/http_anchor}
[ -x "$ANCHOR" ] || gcc -O2 -o "$ANCHOR" "$HERE/http_anchor.c" -lmicrohttpd || exit 1
TCK=$(getconf CLK_TCK)
SRV_PIN=""; WRK_PIN=""
if [ "${PIN:-0}" = 1 ]; then SRV_PIN="taskset -c 1"; WRK_PIN="taskset -c 0"; fi
READY=$(mktemp); OUT=$(mktemp)
for r in $(seq "$ROUNDS"); do
  for which in anchor swift; do
    BIN=$ANCHOR; [ $which = swift ] && BIN=$SWIFT
    : > "$READY"
    $SRV_PIN "$BIN" 0 $LARGE > "$READY" & PID=$!
    for _ in $(seq 100); do grep -q READY "$READY" && break; sleep 0.1; done
    PORT=$(sed -n 's/.*://p' "$READY")
    c0=$(awk '{print $14+$15}' /proc/$PID/stat)
    $WRK_PIN wrk -t2 -c64 -d5s "http://127.0.0.1:$PORT/api/v1/namespaces/default/services/web" > "$OUT" 2>&1
    c1=$(awk '{print $14+$15}' /proc/$PID/stat)
    n=$(awk '/requests in/{print $1}' "$OUT"); rps=$(awk '/Requests\/sec/{print $2}' "$OUT")
    echo "$which round $r: $rps req/s, $(echo "scale=2; ($c1-$c0)*1000000/$TCK/$n" | bc) cpu-us/req $(grep -E 'Socket errors|Non-2xx' "$OUT" | tr -s ' ')"
    kill -TERM $PID; wait $PID
  done
done
rm -f "$READY" "$OUT"
