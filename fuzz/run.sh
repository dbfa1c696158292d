#!/usr/bin/env bash
# Builds the scenario-loader fuzzer with clang and runs it for a bounded time:
#   fuzz/run.sh [SECONDS]   (default 60)
# The seed corpus is the scenario library plus the malformed-scenario test
# files. Exits non-zero if the fuzzer finds a crash, leak, timeout or
# out-of-memory; the reproducer is kept in build/fuzz/findings/.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
seconds="${1:-60}"
command -v clang++ >/dev/null || { echo "fuzz/run.sh: clang++ is not installed" >&2; exit 1; }
cmake -S . -B build/fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
    -DCMAKE_C_COMPILER=clang -DICSIM_FUZZ=ON -DICSIM_BUILD_TESTS=OFF >/dev/null
cmake --build build/fuzz --target fuzz_scenario -j "$(nproc)"
corpus=build/fuzz/corpus
mkdir -p "$corpus" build/fuzz/findings
cp scenarios/library/*.toml "$corpus"/ 2>/dev/null || true
find tests/data/scenarios -name '*.toml' -exec cp {} "$corpus"/ \; 2>/dev/null || true
./build/fuzz/fuzz/fuzz_scenario "$corpus" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -max_len=65536 -print_final_stats=1 -artifact_prefix=build/fuzz/findings/ 2>&1 | tail -n 25
