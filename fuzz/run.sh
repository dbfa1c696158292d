#!/usr/bin/env bash
# Builds the fuzzers with clang and runs them for a bounded time in all:
#   fuzz/run.sh [SECONDS]   (default 60: half each)
# fuzz_scenario: the scenario loader; its seed corpus is the scenario
# library plus the malformed-scenario test files. fuzz_reader: the output
# reader on byte-flipped and truncated copies of a small run it writes
# itself (fuzz/fuzz_reader.cpp). Exits non-zero if a fuzzer finds a crash,
# leak, timeout or out-of-memory; the reproducer is kept in
# build/fuzz/findings/.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
seconds="${1:-60}"
command -v clang++ >/dev/null || { echo "fuzz/run.sh: clang++ is not installed" >&2; exit 1; }
cmake -S . -B build/fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
    -DCMAKE_C_COMPILER=clang -DICSIM_FUZZ=ON -DICSIM_BUILD_TESTS=OFF >/dev/null
cmake --build build/fuzz --target fuzz_scenario fuzz_reader -j "$(nproc)"
half=$(( (seconds + 1) / 2 ))
corpus=build/fuzz/corpus
mkdir -p "$corpus" build/fuzz/findings
cp scenarios/library/*.toml "$corpus"/ 2>/dev/null || true
find tests/data/scenarios -name '*.toml' -exec cp {} "$corpus"/ \; 2>/dev/null || true
./build/fuzz/fuzz/fuzz_scenario "$corpus" -max_total_time="$half" -timeout=10 -rss_limit_mb=2048 \
    -max_len=65536 -print_final_stats=1 -artifact_prefix=build/fuzz/findings/ 2>&1 | tail -n 25
# A damaged file must be refused within a second (-timeout=2 leaves room
# for ASan); inputs are flip records, so short ones are the useful ones.
# No leak detection: LeakSanitizer reports blocks that libhdf5 (not
# instrumented) allocates itself and never frees once it has met a damaged
# file; icsim's own handles are all owned (h5::Id).
mkdir -p build/fuzz/corpus-reader
ASAN_OPTIONS=detect_leaks=0 ./build/fuzz/fuzz/fuzz_reader build/fuzz/corpus-reader -max_total_time="$half" -timeout=2 -rss_limit_mb=2048 \
    -detect_leaks=0 -max_len=64 -print_final_stats=1 -artifact_prefix=build/fuzz/findings/reader- 2>&1 | tail -n 25
