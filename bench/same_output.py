#!/usr/bin/python3
"""Checks that two icsim runs hold the same results.

    bench/same_output.py A.h5 B.h5        compare two files
    bench/same_output.py --run OLD NEW    run the library scenarios through
                                          two binaries and compare each pair

Every dataset present in A must be in B with equal values (read back, so
compression, chunking and string storage may differ); strings are compared
as text. Datasets only B holds are listed (a new series is allowed), and
attributes are compared except provenance that differs between any two runs
(times, host, commit, command line). Exit 0 when identical, 1 otherwise.
"""
import argparse
import os
import subprocess
import sys
import tempfile

import h5py
import numpy as np

SCENARIOS = ("default", "port-city", "intercultural-strategy")
VOLATILE_ATTRS = {"created", "host", "git_commit", "command_line", "wall_seconds", "icsim_version",
                  "started", "finished", "created_utc", "scenario_file", "output_file", "threads", "hostname", "elapsed_seconds"}


def as_text(v):
    if isinstance(v, bytes):
        return v.decode()
    if isinstance(v, np.ndarray) and v.dtype.kind in "SOU":
        return [as_text(x) for x in v.tolist()]
    if isinstance(v, (list, tuple)):
        return [as_text(x) for x in v]
    return v


def same_value(a, b):
    a, b = as_text(a), as_text(b)
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        a, b = np.asarray(a), np.asarray(b)
        if a.shape != b.shape:
            return False
        if a.dtype.kind in "fc" or b.dtype.kind in "fc":
            return a.dtype == b.dtype and a.tobytes() == b.tobytes()
        if a.dtype.names or b.dtype.names:
            return a.dtype.names == b.dtype.names and all(
                same_value(a[n], b[n]) for n in a.dtype.names)
        return bool(np.array_equal(a, b))
    return a == b


def compare(path_a, path_b, out=sys.stdout, ignore=(), ignore_datasets=()):
    problems = []
    with h5py.File(path_a, "r") as fa, h5py.File(path_b, "r") as fb:
        names_a, names_b = [], set()
        fa.visit(names_a.append)
        fb.visit(names_b.add)
        for name in names_a:
            oa = fa[name]
            if name not in fb:
                problems.append(f"{name}: missing in {path_b}")
                continue
            ob = fb[name]
            if isinstance(oa, h5py.Dataset) and name not in ignore_datasets:
                if not isinstance(ob, h5py.Dataset):
                    problems.append(f"{name}: a dataset in A, not in B")
                elif oa.dtype.kind in "SOU" or h5py.check_string_dtype(oa.dtype):
                    if as_text(oa[()]) != as_text(ob[()]):
                        problems.append(f"{name}: strings differ")
                elif not same_value(oa[()], ob[()]):
                    problems.append(f"{name}: values differ (shapes {oa.shape} / {ob.shape})")
            for key, value in oa.attrs.items():
                if key in VOLATILE_ATTRS or key in ignore:
                    continue
                if key not in ob.attrs:
                    problems.append(f"{name}@{key}: attribute missing in B")
                elif not same_value(value, ob.attrs[key]):
                    problems.append(f"{name}@{key}: attribute differs")
        only_b = sorted(names_b - set(names_a))
    for p in problems:
        print(f"  DIFFERENT {p}", file=out)
    if only_b:
        print(f"  (only in B: {', '.join(only_b[:8])}{' ...' if len(only_b) > 8 else ''})", file=out)
    return not problems


def run_pair(old, new, seed, repo, ignore):
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        for name in SCENARIOS:
            scenario = os.path.join(repo, "scenarios", "library", f"{name}.toml")
            files = []
            for tag, binary in (("old", old), ("new", new)):
                path = os.path.join(tmp, f"{name}-{tag}.h5")
                run = subprocess.run([binary, "run", scenario, "-o", path, "--seed", str(seed), "--quiet",
                                      "--force"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
                if run.returncode != 0:
                    sys.exit(f"{binary} failed on {name}: {run.stderr.strip()}")
                files.append(path)
            same = compare(*files, ignore=ignore)
            print(f"{name}: {'identical' if same else 'DIFFERENT'}")
            ok &= same
    return ok


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("a")
    ap.add_argument("b")
    ap.add_argument("--run", action="store_true", help="a and b are icsim binaries")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--ignore-attr", action="append", default=[], metavar="NAME",
                    help="an attribute not to compare, e.g. scenario_toml when a change only drops a "
                         "key from the resolved scenario text (repeatable)")
    ap.add_argument("--ignore-dataset", action="append", default=[], metavar="PATH",
                    help="a dataset whose values not to compare, e.g. runs/wall_time of two sweeps "
                         "(repeatable)")
    args = ap.parse_args()
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    if args.run:
        ok = run_pair(args.a, args.b, args.seed, repo, set(args.ignore_attr))
    else:
        ok = compare(args.a, args.b, ignore=set(args.ignore_attr), ignore_datasets=set(args.ignore_dataset))
        print("identical" if ok else "DIFFERENT")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
