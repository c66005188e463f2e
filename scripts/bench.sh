#!/usr/bin/env bash
# `make bench`: every workload of issue 7 against its anchor in the same run, then ONE table of figures and ratios.
#
#   T1 T2   scripts/bench-http.sh         GET one Service / LIST 1,000 Pods vs a C libmicrohttpd server (wrk)
#   T3      scripts/bench-store.sh        Pod creates vs etcd puts (c=1, c=16) and SQLite single-row inserts
#   T4      scripts/bench-watch.sh        watch fan-out vs etcd's 100 watchers; 1,000 watchers; 10,000 idle
#   T5      scripts/bench-controllers.sh  1,000 Services x 10 Pods: slices converged; readiness flips
#   T6 T7   scripts/bench-restart.sh      restart with 100,000 Pods vs etcd with 100k keys; cold start
#   T8      serviceplane-bench json       JSON parse and serialize vs Foundation's JSONSerialization
#   SVC     scripts/bench-services.sh     Service creates (cluster IP + node port) vs SQLite; /24 exhaustion
#
# Each workload alternates anchor and subject over rounds and reports median [min-max]; each verifies its own
# results (zero errors, nothing missing or duplicated) and fails loudly otherwise: the table then says FAILED and
# this script exits 1 after the other workloads ran. A goal not reached is "MISSED" (exit status still 0).
#
# Knobs (environment, or make variables: `make bench WORKLOADS="T1 T3" QUICK=1`):
#   WORKLOADS="T1 T2 T3 T4 T5 T6 T7 T8 SVC"   which to run
#   QUICK=1        small sizes and few rounds: everything in under 2 minutes
#   ROUNDS=N       rounds of every alternating workload (default per script: 3-5, QUICK 2)
#   sizes: T2_PODS T3_C1 T3_C16 FANOUT_CREATES FANOUT_WATCHERS SCALE_WATCHERS SERVICES PODS_PER FLIPS T6_PODS
#          T7_RUNS DURATION ANCHOR_SECONDS JSON_SECONDS (see the header of each script)
#   BIN_DIR=.build/release OUT_DIR=bench-out
# Output: the table on stdout and in $OUT_DIR/summary.txt; every script's raw "key value" figures in
# $OUT_DIR/bench-*.txt. Everything started is stopped on exit (by PID); every step has a time limit.
set -euo pipefail
# shellcheck source=scripts/bench-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/bench-lib.sh"
BENCH_NAME=bench
cd "$(dirname "${BASH_SOURCE[0]}")/.."

WORKLOADS="${WORKLOADS:-T1 T2 T3 T4 T5 T6 T7 T8 SVC}"
for w in $WORKLOADS; do
  case "$w" in T1|T2|T3|T4|T5|T6|T7|T8|SVC) ;; *) echo "bench: unknown workload $w (T1-T8, SVC)" >&2; exit 2 ;; esac
done
[ -x "$SERVICEPLANE" ] || { echo "bench: $SERVICEPLANE not built (run: make bench)" >&2; exit 1; }
mkdir -p "$OUT_DIR"
: >"$OUT_DIR/table.tsv"
# the C anchors and load generators, compiled once for all the scripts (see build_c in bench-lib.sh)
BENCH_TOOLS_DIR="$(mktemp -d "${TMPDIR:-/tmp}/serviceplane-bench-tools.XXXXXX")"
export BENCH_TOOLS_DIR
trap 'rm -rf "$BENCH_TOOLS_DIR"' EXIT
STARTED=$SECONDS
FAILED=""

# wanted W...: the given workloads that WORKLOADS selects, space-separated (empty if none).
wanted() {
  local w out=""
  for w in "$@"; do case " $WORKLOADS " in *" $w "*) out="$out $w" ;; esac; done
  echo "${out# }"
}

# part SCRIPT W...: runs SCRIPT for the selected workloads among W; on failure, one FAILED row per workload.
part() {
  local script="$1" sel t0=$SECONDS w
  shift
  sel="$(wanted "$@")"
  [ -n "$sel" ] || return 0
  echo
  echo "######## $sel: $script"
  if WORKLOADS="$sel" "scripts/$script"; then
    echo "######## $sel done in $((SECONDS - t0)) s"
  else
    for w in $sel; do
      table_row "$w" "FAILED: see the output of $script above" "-" "-" "-" "-" FAILED
      FAILED="$FAILED $w"
    done
    echo "######## $sel FAILED after $((SECONDS - t0)) s" >&2
  fi
}

# T8 through serviceplane-bench json --key-value: "<doc>.<measurement> median min max" lines.
json_bench() {
  local out="$OUT_DIR/bench-json.txt" rounds seconds doc what m
  [ -n "$(wanted T8)" ] || return 0
  rounds="${ROUNDS:-$(quick 2 5)}"
  seconds="${JSON_SECONDS:-$(quick 0.2 1)}"
  echo
  echo "######## T8: serviceplane-bench json --rounds $rounds --seconds $seconds"
  if ! timeout --kill-after=10 600 "$BIN_DIR/serviceplane-bench" json --rounds "$rounds" --seconds "$seconds" --key-value \
      </dev/null >"$out"; then
    table_row T8 "FAILED: serviceplane-bench json" "-" "-" "-" "-" FAILED
    FAILED="$FAILED T8"
    return 0
  fi
  for doc in pod podlist100; do
    if [ "$(awk -v k="$doc.round_trips" '$1 == k { print $2 }' "$out")" != 1 ]; then
      table_row T8 "FAILED: $doc does not serialize back to its input bytes" "-" "-" "-" "-" FAILED
      FAILED="$FAILED T8"
      continue
    fi
    for what in parse serialize; do
      m="$(awk -v d="$doc" -v w="$what" '
        $1 == d ".bytes" { bytes = $2 }
        $1 == d "." w "_ours" { o = $2; omin = $3; omax = $4 }
        $1 == d "." w "_foundation" { f = $2; fmin = $3; fmax = $4 }
        END { printf "%s\t%.0f [%.0f-%.0f]\t%.0f [%.0f-%.0f]\t%.1f\n", bytes, o, omin, omax, f, fmin, fmax, (f > 0 ? o / f : 0) }' "$out")"
      IFS=$'\t' read -r bytes ours foundation r <<<"$m"
      table_row T8 "JSON $what $doc ($bytes B): /s vs Foundation" "$ours" "$foundation" "$r" ">= 20" "$(holds "$r >= 20")"
    done
  done
}

part bench-http.sh T1 T2
part bench-store.sh T3
part bench-watch.sh T4
part bench-controllers.sh T5
part bench-restart.sh T6 T7
json_bench
part bench-services.sh SVC

SUMMARY="$OUT_DIR/summary.txt"
{
  echo "== make bench$([ "$QUICK" = 1 ] && echo " (QUICK=1)"): $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg), $((SECONDS - STARTED)) s"
  echo "   figures: median [min-max] over alternating rounds; ratio = ours / anchor (medians); goals from issue 7"
  awk -F'\t' '
    BEGIN { h[1] = "workload"; h[2] = "what"; h[3] = "ours"; h[4] = "anchor"; h[5] = "ratio"; h[6] = "goal"; h[7] = "" }
    { n++; for (i = 1; i <= 7; i++) { c[n, i] = $i; if (length($i) > w[i]) w[i] = length($i) } }
    END {
      for (i = 1; i <= 7; i++) if (length(h[i]) > w[i]) w[i] = length(h[i])
      line = ""
      for (i = 1; i <= 7; i++) line = line sprintf("%-" w[i] "s  ", h[i])
      print line
      for (r = 1; r <= n; r++) {
        line = ""
        for (i = 1; i <= 7; i++) line = line sprintf("%-" w[i] "s  ", c[r, i])
        print line
      }
    }' "$OUT_DIR/table.tsv"
} >"$SUMMARY"
echo
cat "$SUMMARY"
if [ -n "$FAILED" ]; then
  echo "bench: verification FAILED for:$FAILED" >&2
  exit 1
fi
