#!/usr/bin/env bash
# T3 of `make bench`: Pod creates per second against the storage ceilings, in ROUNDS alternating rounds of
#   etcd      etcd 3.4 (Debian etcd-server) on a fresh temp dir on loopback: T3_C1 puts at concurrency 1, then
#             T3_C16 at 16, of ~1 KiB values through its /v3/kv/put JSON gateway (bench/etcd/etcdload.c);
#   full      serviceplane --durability full on a fresh temp-file db: the same numbers of ~1 KiB Pods created at
#             concurrency 1 and 16 (bench/services/svcload.c, TYPE Pod);
#   sqlite    bench/services/sqlite_anchor.c for ANCHOR_SECONDS each: single-row insert transactions of 1 KiB JSON
#             through the SQLite C API, WAL, synchronous=NORMAL and FULL, and the same batched 100 per transaction;
#   normal    serviceplane --durability normal, as "full".
# serviceplane runs with --controllers namespace (no pod simulator, no EndpointSlice controller): etcd has no
# controllers either, and each would add writes of its own. Verified: every create 201 and then listed exactly
# once (bench/store/verify_pods.py); every put 200 with its own revision and counted back by etcd.
# Goals: at FULL >= 1.5x etcd's puts/s at c=1 and >= 1.0x at c=16; at NORMAL (c=16) >= 0.5x the single-row
# SQLite ceiling.
#
# Knobs: ROUNDS=3 (QUICK=1: 2) T3_C1=500 T3_C16=2000 (QUICK: 50, 200) ANCHOR_SECONDS=3 (QUICK: 0.5)
#        VALUE_BYTES=1024 BIN_DIR OUT_DIR
set -euo pipefail
# shellcheck source=scripts/bench-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/bench-lib.sh"
bench_init bench-store

ROUNDS="${ROUNDS:-$(quick 2 3)}"
T3_C1="${T3_C1:-$(quick 50 500)}"
T3_C16="${T3_C16:-$(quick 200 2000)}"
ANCHOR_SECONDS="${ANCHOR_SECONDS:-$(quick 0.5 3)}"
VALUE_BYTES="${VALUE_BYTES:-1024}"
require_int ROUNDS T3_C1 T3_C16 VALUE_BYTES
require_seconds ANCHOR_SECONDS
require_tools gcc etcd curl python3 timeout

build_c svcload bench/services/svcload.c -lpthread
build_c etcdload bench/etcd/etcdload.c -lpthread
build_c sqlite_anchor bench/services/sqlite_anchor.c -lsqlite3
private_server_copy
{
  echo "filesystem $(df -P "$WORK" | awk 'NR == 2 { print $1 }')"
  echo "etcd_version $(etcd --version 2>/dev/null | awk '/etcd Version/ { print $3 }')"
} >>"$WORK/results.txt"

# subject R DURABILITY: one fresh server, T3_C1 creates at c=1 then T3_C16 at c=16, both verified by a list.
subject() {
  local r="$1" d="$2" c
  start_server "r$r.$d" "$WORK/r$r-$d.db" --durability "$d" --controllers namespace ${SERVER_ARGS:-}  # word-split on purpose
  for c in 1 16; do
    local n="$T3_C1"
    [ "$c" = 16 ] && n="$T3_C16"
    run_tool "r$r.$d.c$c" "$WORK/svcload" create "$PORT" bench "c$c" "$n" "$c" Pod "$SERVER_PID"
    expect "r$r.$d.c$c.creates_ok" "$n" "--durability $d c=$c: every create 201"
    run_tool "r$r.$d.c$c.verify" python3 bench/store/verify_pods.py "$URL" bench "c$c" "$n"
  done
  stop_server "r$r.$d"
  rm -f "$WORK/r$r-$d.db"*
}

echo "== T3: Pod creates vs etcd puts and SQLite inserts, $ROUNDS alternating rounds ($T3_C1 at c=1, $T3_C16 at c=16)"
for r in $(seq 1 "$ROUNDS"); do
  start_etcd "r$r" "$WORK/etcd-r$r"
  run_tool "r$r.etcd.c1" "$WORK/etcdload" put "$ETCD_PORT" c1 "$T3_C1" 1 "$VALUE_BYTES" "$ETCD_PID"
  run_tool "r$r.etcd.c16" "$WORK/etcdload" put "$ETCD_PORT" c16 "$T3_C16" 16 "$VALUE_BYTES" "$ETCD_PID"
  stop_etcd
  rm -rf "$WORK/etcd-r$r"
  subject "$r" full
  for sync in normal full; do
    for batch in 1 100; do
      run_tool "r$r.sqlite.$sync.b$batch" "$WORK/sqlite_anchor" "$WORK/anchor.db" "$ANCHOR_SECONDS" 10000000 "$sync" "$batch"
      rm -f "$WORK/anchor.db"*
    done
  done
  subject "$r" normal
  printf '  round %d: c=1 full %6.0f/s etcd %6.0f/s | c=16 full %6.0f/s etcd %6.0f/s | normal c=16 %6.0f/s sqlite 1-row %6.0f/s (FULL %6.0f/s, 100/txn %6.0f/s)\n' "$r" \
    "$(get "r$r.full.c1.creates_per_s")" "$(get "r$r.etcd.c1.puts_per_s")" "$(get "r$r.full.c16.creates_per_s")" \
    "$(get "r$r.etcd.c16.puts_per_s")" "$(get "r$r.normal.c16.creates_per_s")" "$(get "r$r.sqlite.normal.b1.inserts_per_s")" \
    "$(get "r$r.sqlite.full.b1.inserts_per_s")" "$(get "r$r.sqlite.normal.b100.inserts_per_s")"
done

# row WHAT OURS_KEY ANCHOR_KEY GOAL_EXPR GOAL_TEXT
row() {
  local s a r status
  s="$(stats "$2")"; a="$(stats "$3")"
  r="$(ratio "${s%% *}" "${a%% *}")"
  status=info
  [ -n "$4" ] && status="$(holds "$r $4")"
  table_row T3 "$1" "$(fmt_stats "$s")" "$(fmt_stats "$a")" "$r" "$5" "$status"
}
row "create Pods, --durability full, c=1: /s vs etcd put c=1" full.c1.creates_per_s etcd.c1.puts_per_s ">= 1.5" ">= 1.5"
row "create Pods, --durability full, c=16: /s vs etcd put c=16" full.c16.creates_per_s etcd.c16.puts_per_s ">= 1.0" ">= 1.0"
row "create Pods, --durability normal, c=16: /s vs SQLite 1-row NORMAL" normal.c16.creates_per_s sqlite.normal.b1.inserts_per_s ">= 0.5" ">= 0.5"
row "  normal c=1 vs SQLite 1-row NORMAL" normal.c1.creates_per_s sqlite.normal.b1.inserts_per_s "" "-"
row "  full c=16 vs SQLite 1-row FULL" full.c16.creates_per_s sqlite.full.b1.inserts_per_s "" "-"
row "  normal c=16 vs SQLite 100 rows/txn NORMAL" normal.c16.creates_per_s sqlite.normal.b100.inserts_per_s "" "-"
row "  full c=16 vs SQLite 100 rows/txn FULL" full.c16.creates_per_s sqlite.full.b100.inserts_per_s "" "-"
save_results
