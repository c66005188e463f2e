#!/usr/bin/env bash
# HTTP GET throughput of serviceplane against a minimal C libmicrohttpd server (the "anchor"), then the
# JSON micro-benchmark (serviceplane-bench json).
#
# The anchor (bench/anchors/http_anchor.c) is the ceiling a GET can reach on this machine with
# libmicrohttpd; the interesting number is the ratio serviceplane/anchor, measured in alternating rounds
# so that machine noise hits both sides alike.
#
# Usage: scripts/bench.sh            (after `make bench` built .build/release/serviceplane{,-bench})
# Knobs (environment): ROUNDS=5 DURATION=5s THREADS=2 CONNECTIONS=64 ANCHOR_MODE= (or "big" for a ~1 MB body)
#                      BIN_DIR=.build/release OUT_DIR=bench-out SKIP_JSON_BENCH=1 ANCHOR_SRC=bench/anchors/http_anchor.c
# Everything it starts is killed on exit; every step has a time limit.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

ROUNDS="${ROUNDS:-5}"
DURATION="${DURATION:-5s}"
THREADS="${THREADS:-2}"
CONNECTIONS="${CONNECTIONS:-64}"
ANCHOR_MODE="${ANCHOR_MODE:-}"
BIN_DIR="${BIN_DIR:-.build/release}"
OUT_DIR="${OUT_DIR:-bench-out}"
ANCHOR_SRC="${ANCHOR_SRC:-bench/anchors/http_anchor.c}"
SERVICEPLANE="$BIN_DIR/serviceplane"
SERVICEPLANE_BENCH="$BIN_DIR/serviceplane-bench"
READY_TIMEOUT=10          # seconds a server gets to print READY
WRK_GRACE=30              # seconds a wrk run may exceed its duration before it is killed
JSON_BENCH_TIMEOUT=600    # seconds for serviceplane-bench json

die() { echo "bench: $*" >&2; exit 1; }

for tool in gcc wrk curl awk sort timeout; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool is required (run: make deps)"
done
[ -f "$ANCHOR_SRC" ] || die "$ANCHOR_SRC not found"
[ -x "$SERVICEPLANE" ] || die "$SERVICEPLANE not built (run: make bench)"
case "$ROUNDS" in ''|*[!0-9]*) die "ROUNDS must be a positive integer" ;; esac
[ "$ROUNDS" -ge 1 ] || die "ROUNDS must be a positive integer"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/serviceplane-bench.XXXXXX")"
PIDS=()

cleanup() {
  local status=$?
  for pid in "${PIDS[@]}"; do
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null || true
    fi
  done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 1 50); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$WORK"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# wait_ready FILE PID NAME: waits for "READY http://HOST:PORT" on the first line of FILE; prints the URL.
wait_ready() {
  local file="$1" pid="$2" name="$3" deadline=$((SECONDS + READY_TIMEOUT)) line
  while [ "$SECONDS" -le "$deadline" ]; do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "bench: $name exited before READY; its output:" >&2
      cat "$file" "$file.err" 2>/dev/null >&2 || true
      return 1
    fi
    line="$(head -n 1 "$file" 2>/dev/null || true)"
    case "$line" in
      "READY http://"*) echo "${line#READY }"; return 0 ;;
    esac
    sleep 0.05
  done
  echo "bench: $name printed no READY line within ${READY_TIMEOUT}s" >&2
  return 1
}

echo "== building the anchor ($ANCHOR_SRC)"
gcc -O2 -o "$WORK/http_anchor" "$ANCHOR_SRC" -lmicrohttpd

echo "== starting serviceplane and the anchor"
"$SERVICEPLANE" serve --bind-address 127.0.0.1 --port 0 --db :memory: \
  --kubeconfig-out "$WORK/kubeconfig" --log-level info \
  >"$WORK/serviceplane.out" 2>"$WORK/serviceplane.out.err" </dev/null &
PIDS+=($!)
SP_URL="$(wait_ready "$WORK/serviceplane.out" "${PIDS[-1]}" serviceplane)"

SP_PATH="/api/v1/namespaces/default/services/bench"
code="$(curl -sS -o "$WORK/create.json" -w '%{http_code}' --max-time 10 \
  -H 'Content-Type: application/json' -X POST "$SP_URL/api/v1/namespaces/default/services" \
  -d '{"apiVersion":"v1","kind":"Service","metadata":{"name":"bench","labels":{"app":"bench"}},"spec":{"selector":{"app":"bench"},"ports":[{"name":"http","port":80,"targetPort":8080}]}}')"
[ "$code" = "201" ] || { cat "$WORK/create.json" >&2; die "creating Service bench returned HTTP $code"; }
# The anchor serves exactly the bytes serviceplane answers wrk with (compact JSON: wrk is not curl), unless
# ANCHOR_MODE asks for something else.
curl -sS -A wrk --max-time 10 -o "$WORK/service.json" "$SP_URL$SP_PATH"
[ -n "$ANCHOR_MODE" ] || ANCHOR_MODE="file:$WORK/service.json"
# shellcheck disable=SC2086  # ANCHOR_MODE is one word
"$WORK/http_anchor" 0 $ANCHOR_MODE >"$WORK/anchor.out" 2>"$WORK/anchor.out.err" </dev/null &
PIDS+=($!)
ANCHOR_URL="$(wait_ready "$WORK/anchor.out" "${PIDS[-1]}" anchor)"
echo "anchor:       $ANCHOR_URL"
echo "serviceplane: $SP_URL"
for url in "$ANCHOR_URL/" "$SP_URL$SP_PATH"; do
  code="$(curl -sS -o /dev/null -w '%{http_code}' --max-time 10 "$url")"
  [ "$code" = "200" ] || die "GET $url returned HTTP $code"
done
echo "GET $SP_PATH: $(curl -sS -A wrk --max-time 10 "$SP_URL$SP_PATH" | wc -c) bytes; anchor GET /: $(curl -sS -A wrk --max-time 10 "$ANCHOR_URL/" | wc -c) bytes"

duration_seconds() {
  case "$1" in
    *m) echo $(( ${1%m} * 60 )) ;;
    *s) echo "${1%s}" ;;
    *)  echo "$1" ;;
  esac
}
WRK_LIMIT=$(( $(duration_seconds "$DURATION") + WRK_GRACE ))

# run_wrk URL OUTFILE: one wrk run; prints "<requests/s> <p99 ms> <non-2xx> <socket errors>".
run_wrk() {
  local url="$1" out="$2"
  timeout --kill-after=5 "$WRK_LIMIT" wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency --timeout 5s "$url" >"$out" 2>&1 \
    || { cat "$out" >&2; die "wrk against $url failed"; }
  awk '
    function ms(v) {
      if (v ~ /us$/) { sub(/us$/, "", v); return v / 1000 }
      if (v ~ /ms$/) { sub(/ms$/, "", v); return v + 0 }
      if (v ~ /s$/)  { sub(/s$/, "", v);  return v * 1000 }
      return v + 0
    }
    /^Requests\/sec:/                { rps = $2 }
    $1 == "99%" || $1 == "99.000%"   { p99 = ms($2) }
    /Non-2xx or 3xx responses:/      { non2xx = $NF }
    /Socket errors:/                 { gsub(/,/, ""); errs = $4 + $6 + $8 + $10 }
    END {
      if (rps == "") { exit 1 }
      printf "%.2f %.3f %d %d\n", rps, p99, non2xx + 0, errs + 0
    }' "$out" || { cat "$out" >&2; die "could not parse wrk output for $url"; }
}

echo "== $ROUNDS rounds of wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency, alternating anchor / serviceplane"
: >"$WORK/anchor.results"
: >"$WORK/serviceplane.results"
for round in $(seq 1 "$ROUNDS"); do
  a="$(run_wrk "$ANCHOR_URL/" "$WORK/wrk-anchor-$round.txt")"
  s="$(run_wrk "$SP_URL$SP_PATH" "$WORK/wrk-serviceplane-$round.txt")"
  echo "$a" >>"$WORK/anchor.results"
  echo "$s" >>"$WORK/serviceplane.results"
  read -r a_rps a_p99 a_bad a_err <<<"$a"
  read -r s_rps s_p99 s_bad s_err <<<"$s"
  printf 'round %d: anchor %10.0f req/s  p99 %8.3f ms | serviceplane %10.0f req/s  p99 %8.3f ms\n' \
    "$round" "$a_rps" "$a_p99" "$s_rps" "$s_p99"
  if [ "$a_bad" -ne 0 ] || [ "$s_bad" -ne 0 ] || [ "$a_err" -ne 0 ] || [ "$s_err" -ne 0 ]; then
    echo "  warning: non-2xx responses (anchor $a_bad, serviceplane $s_bad), socket errors (anchor $a_err, serviceplane $s_err)"
  fi
done

# stats FILE COLUMN: prints "median min max" of a column.
stats() {
  sort -g -k"$2","$2" "$1" | awk -v c="$2" '
    { v[NR] = $c }
    END {
      if (NR % 2) { med = v[(NR + 1) / 2] } else { med = (v[NR / 2] + v[NR / 2 + 1]) / 2 }
      printf "%s %s %s\n", med, v[1], v[NR]
    }'
}

read -r a_rps_med a_rps_min a_rps_max <<<"$(stats "$WORK/anchor.results" 1)"
read -r s_rps_med s_rps_min s_rps_max <<<"$(stats "$WORK/serviceplane.results" 1)"
read -r a_p99_med a_p99_min a_p99_max <<<"$(stats "$WORK/anchor.results" 2)"
read -r s_p99_med s_p99_min s_p99_max <<<"$(stats "$WORK/serviceplane.results" 2)"

SUMMARY="$WORK/summary.txt"
{
  echo "== GET throughput, $ROUNDS rounds, wrk -t$THREADS -c$CONNECTIONS -d$DURATION (median [min-max])"
  printf '%-13s %12s %25s %12s %25s\n' "" "req/s" "[min-max]" "p99 ms" "[min-max]"
  printf '%-13s %12.0f %25s %12.3f %25s\n' "anchor" "$a_rps_med" "[$(printf '%.0f-%.0f' "$a_rps_min" "$a_rps_max")]" \
    "$a_p99_med" "[$(printf '%.3f-%.3f' "$a_p99_min" "$a_p99_max")]"
  printf '%-13s %12.0f %25s %12.3f %25s\n' "serviceplane" "$s_rps_med" "[$(printf '%.0f-%.0f' "$s_rps_min" "$s_rps_max")]" \
    "$s_p99_med" "[$(printf '%.3f-%.3f' "$s_p99_min" "$s_p99_max")]"
  awk -v s="$s_rps_med" -v a="$a_rps_med" -v sp="$s_p99_med" -v ap="$a_p99_med" 'BEGIN {
    printf "ratio serviceplane/anchor: req/s %.3f, p99 %.3f\n", (a > 0 ? s / a : 0), (ap > 0 ? sp / ap : 0)
  }'
  echo "target: GET $SP_PATH vs anchor GET / serving the same bytes"
} >"$SUMMARY"
echo
cat "$SUMMARY"

mkdir -p "$OUT_DIR"
cp "$SUMMARY" "$OUT_DIR/http-summary.txt"
cp "$WORK"/wrk-*.txt "$OUT_DIR/"
[ "${SKIP_WATCH_BENCH:-0}" = "1" ] || { echo; BIN_DIR="$BIN_DIR" OUT_DIR="$OUT_DIR" scripts/bench-watch.sh; }
[ "${SKIP_SERVICES_BENCH:-0}" = "1" ] || { echo; BIN_DIR="$BIN_DIR" OUT_DIR="$OUT_DIR" scripts/bench-services.sh; }
[ "${SKIP_CONTROLLERS_BENCH:-0}" = "1" ] || { echo; BIN_DIR="$BIN_DIR" OUT_DIR="$OUT_DIR" scripts/bench-controllers.sh; }

if [ "${SKIP_JSON_BENCH:-0}" = "1" ]; then
  echo "== skipping serviceplane-bench json (SKIP_JSON_BENCH=1)"
  exit 0
fi
echo
echo "== $SERVICEPLANE_BENCH json"
[ -x "$SERVICEPLANE_BENCH" ] || die "$SERVICEPLANE_BENCH not built (run: make bench)"
timeout --kill-after=10 "$JSON_BENCH_TIMEOUT" "$SERVICEPLANE_BENCH" json </dev/null | tee "$OUT_DIR/json-bench.txt"
