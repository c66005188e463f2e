#!/usr/bin/env bash
# Coverage-guided fuzzing (libFuzzer) of the JSON parser, the label/field selector parsers and the patch engine.
#
#   scripts/fuzz.sh                 # build the three targets, run each for FUZZ_SECONDS/3 (default 180 s in total)
#   FUZZ_SECONDS=1800 scripts/fuzz.sh
#   FUZZ_TARGETS="json-parser" scripts/fuzz.sh
#
# Each target is a small executable built with `swiftc -sanitize=fuzzer,address` from Fuzz/<Target>/main.swift
# (which exports LLVMFuzzerTestOneInput) plus Fuzz/Shared/, and the sources of the modules it exercises, compiled into static libraries
# with the same instrumentation, under .build-fuzz/ (never .build/: SwiftPM's tree stays untouched). The seed corpora
# in Fuzz/corpus/<target>/ are small and committed; the growing working corpus lives in .build-fuzz/corpus/.
# A crash, an AddressSanitizer report, a failed invariant (precondition) or a timeout stops the run with the
# reproducer under .build-fuzz/artifacts/ and a non-zero exit. The summary line gives the executions per target.
set -euo pipefail

cd "$(dirname "$0")/.."
if ! command -v swiftc >/dev/null 2>&1 && [ -x /opt/swift/usr/bin/swiftc ]; then export PATH=/opt/swift/usr/bin:$PATH; fi

FUZZ_SECONDS=${FUZZ_SECONDS:-180}
FUZZ_TARGETS=${FUZZ_TARGETS:-"json-parser selectors patches"}
OUT=.build-fuzz
SANITIZE=(-sanitize=fuzzer,address -parse-as-library -O -g -use-ld=lld)
mkdir -p "$OUT/lib" "$OUT/bin" "$OUT/artifacts"

# A static library (and module) from one Sources/ folder, rebuilt when any of its sources is newer.
library() {
    local module=$1
    shift
    local archive="$OUT/lib/lib$module.a"
    if [ -f "$archive" ] && [ -z "$(find "Sources/$module" -name '*.swift' -newer "$archive" | head -1)" ]; then
        return
    fi
    echo "fuzz: compiling $module"
    swiftc "${SANITIZE[@]}" -emit-library -static -emit-module -module-name "$module" \
        -emit-module-path "$OUT/lib/$module.swiftmodule" -I "$OUT/lib" "$@" \
        $(find "Sources/$module" -name '*.swift' | sort) -o "$archive"
}

# One fuzzing executable from Fuzz/<folder>/main.swift linked against the given libraries.
target() {
    local name=$1 folder=$2
    shift 2
    local binary="$OUT/bin/fuzz-$name"
    local newest
    newest=$(ls -t "Fuzz/$folder/main.swift" Fuzz/Shared/*.swift "$OUT"/lib/*.a | head -1)
    if [ -x "$binary" ] && [ "$binary" -nt "$newest" ]; then return; fi
    echo "fuzz: linking fuzz-$name"
    local libs=()
    for module in "$@"; do libs+=("-l$module"); done
    swiftc "${SANITIZE[@]}" -I "$OUT/lib" -L "$OUT/lib" "${libs[@]}" "Fuzz/$folder/main.swift" Fuzz/Shared/*.swift -o "$binary"
}

library JSON
library KubeAPI
target json-parser JSONParser JSON
target selectors Selectors KubeAPI JSON
target patches Patches KubeAPI JSON

count=$(wc -w <<<"$FUZZ_TARGETS")
per_target=$(( FUZZ_SECONDS / count ))
[ "$per_target" -ge 1 ] || per_target=1
summary=()
total=0
for name in $FUZZ_TARGETS; do
    corpus="$OUT/corpus/$name"
    mkdir -p "$corpus"
    log="$OUT/fuzz-$name.log"
    echo "fuzz: $name for ${per_target}s (log $log)"
    # -timeout: one input may take at most 10 s; -rss_limit_mb bounds memory on the shared machine.
    if ! "$OUT/bin/fuzz-$name" "$corpus" "Fuzz/corpus/$name" -max_total_time="$per_target" -timeout=10 \
        -rss_limit_mb=2048 -max_len=65536 -artifact_prefix="$OUT/artifacts/$name-" -print_final_stats=1 \
        >"$log" 2>&1; then
        tail -40 "$log"
        echo "fuzz: $name FAILED (reproducer in $OUT/artifacts/)"
        exit 1
    fi
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*')
    summary+=("$name: ${runs:-0} executions, coverage ${cov:-?} edges")
    total=$(( total + ${runs:-0} ))
done
printf 'fuzz: %s\n' "${summary[@]}"
echo "fuzz: $total inputs executed in total, no crash, no sanitizer report, no failed invariant"
