#!/bin/bash
# Compares two icsim binaries on one benchmark, alternating their runs so that
# both see the same machine (on a shared VM the same binary's figures drift by
# a third over minutes; alternation keeps the comparison fair).
#
#   bench/ab.sh OLD_BINARY NEW_BINARY [ROUNDS] [BENCH]
#
# Each round runs `BIN bench BENCH --runs 8 --json` for OLD then NEW; it prints
# the median over rounds of every "median_ms*" figure, per binary.
set -euo pipefail
if [ $# -lt 2 ]; then
    echo "usage: $0 OLD_BINARY NEW_BINARY [ROUNDS=4] [BENCH=city-1m-social]" >&2
    exit 2
fi
old=$1 new=$2 rounds=${3:-4} bench=${4:-city-1m-social}
for bin in "$old" "$new"; do
    [ -x "$bin" ] || { echo "$0: $bin: not an executable" >&2; exit 2; }
done
for _ in $(seq "$rounds"); do
    for tag in old new; do
        bin=$old
        [ "$tag" = new ] && bin=$new
        printf '%s ' "$tag"
        "$bin" bench "$bench" --runs 8 --json
    done
done | python3 -c '
import json, statistics, sys
runs = {"old": {}, "new": {}}
for line in sys.stdin:
    tag, text = line.split(" ", 1)
    for key, value in json.loads(text).items():
        if key.startswith("median_ms"):
            runs[tag].setdefault(key, []).append(value)
for tag in ("old", "new"):
    names = {k: k[10:] or "step" for k in runs[tag]}
    print(tag, " ".join(f"{names[k]}={statistics.median(v):.1f}" for k, v in runs[tag].items()))
'
