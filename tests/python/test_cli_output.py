"""The output side of the command-line contract: exit codes and one-line
messages of `icsim run -o/--force/--no-output`, `resume`, `inspect` and
`export` on good, existing, unwritable, full, truncated, random and foreign
files, and the CSV files `export` writes.

usage: /usr/bin/python3 test_cli_output.py ICSIM"""
import csv
import os
import resource
import signal
import sys

import h5py

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import icsim_testlib as t  # noqa: E402

RUN = ["--steps", "6", "--quiet"] + t.SMALL


def one_line(r, pattern):
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, "expected a one-line error, got:\n" + r.stderr
    assert pattern in lines[0], "expected '%s' in: %s" % (pattern, lines[0])


def limit_file_size():
    # A 300 KiB file-size limit stands in for a full disk (EFBIG instead of
    # ENOSPC: the same failure path), SIGXFSZ ignored so write() fails.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (300 * 1024, 300 * 1024))


def main():
    d = t.workdir("cli-output")
    out = os.path.join(d, "out.h5")

    # Writes OUT.h5 (no .partial left); never overwrites without --force.
    r = t.run(["run", "-o", out] + RUN)
    assert os.path.exists(out) and not os.path.exists(out + ".partial")
    assert "percent_similar" in r.stdout and "wrote " + out in r.stderr
    before = os.path.getmtime(out)
    one_line(t.run(["run", "-o", out] + RUN, expect=2), "exists; use --force")
    assert os.path.getmtime(out) == before
    t.run(["run", "-o", out, "--force"] + RUN)
    t.run(["run", "--no-output"] + RUN)
    one_line(t.run(["run", "--no-output", "-o", out] + RUN, expect=2), "--no-output")
    # A leftover partial file is an unfinished run: not replaced silently.
    other = os.path.join(d, "other.h5")
    open(other + ".partial", "w").close()
    one_line(t.run(["run", "-o", other] + RUN, expect=2), "icsim resume " + other + ".partial")
    # The scenario's output.file is the default name (here relative to cwd).
    t.run(["run"] + RUN + ["--set", "output.file=default-name.h5"], cwd=d)
    assert os.path.exists(os.path.join(d, "default-name.h5"))

    # Run-time failures: exit 1 with the reason.
    one_line(t.run(["run", "-o", "/etc/passwd/x.h5"] + RUN, expect=1), "Not a directory")
    one_line(t.run(["run", "-o", os.path.join(d, "no-such-dir", "x.h5")] + RUN, expect=1),
             "No such file or directory")
    full = os.path.join(d, "full.h5")
    r = t.run(["run", "-o", full, "--steps", "30", "--quiet"] + t.SMALL, expect=1, preexec_fn=limit_file_size)
    one_line(r, "File too large")
    assert not os.path.exists(full), "a failed run left a file under the final name"

    # inspect and export.
    r = t.run(["inspect", out])
    for text in ("complete: steps 0-6", "scenario      default (seed 1)", "/timeseries/percent_similar",
                 "/timeseries/isolation[majority]", "/neighbourhoods/population["):
        assert text in r.stdout, (text, r.stdout)
    csvdir = os.path.join(d, "csv")
    r = t.run(["export", out, "--csv", csvdir])
    assert "wrote" in r.stderr
    with open(os.path.join(csvdir, "timeseries.csv")) as f:
        rows = list(csv.reader(f))
    assert rows[0][:4] == ["step", "day", "population", "percent_similar"], rows[0]
    assert len(rows) == 8 and [r[0] for r in rows[1:]] == [str(k) for k in range(7)]
    with h5py.File(out, "r") as f:
        groups = list(f["groups/names"].asstr()[:])
        hoods = list(f["neighbourhoods/names"].asstr()[:])
        ps = f["timeseries/percent_similar"][:]
        iso = f["timeseries/isolation"][:]
    assert [float(r[3]) for r in rows[1:]] == list(ps), "CSV values are not the stored doubles"
    with open(os.path.join(csvdir, "timeseries_isolation.csv")) as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["step"] + groups and float(rows[-1][2]) == iso[-1][1]
    with open(os.path.join(csvdir, "neighbourhoods_population.csv")) as f:
        assert next(csv.reader(f)) == ["step"] + hoods
    assert os.path.exists(os.path.join(csvdir, "events.csv"))

    # Damaged and foreign files: one line, exit 2.
    data = open(out, "rb").read()
    trunc = os.path.join(d, "truncated.h5")
    open(trunc, "wb").write(data[:len(data) // 2])
    rnd = os.path.join(d, "random.h5")
    open(rnd, "wb").write(os.urandom(64 * 1024))
    foreign = os.path.join(d, "foreign.h5")
    with h5py.File(foreign, "w") as f:
        f["x"] = [1, 2, 3]
    for cmd in (["inspect"], ["export", "--csv", os.path.join(d, "bad-csv")]):
        one_line(t.run(cmd[:1] + [trunc] + cmd[1:], expect=2), "damaged")
        one_line(t.run(cmd[:1] + [rnd] + cmd[1:], expect=2), "not an HDF5 file")
        one_line(t.run(cmd[:1] + [foreign] + cmd[1:], expect=2), "not an icsim output file")
        one_line(t.run(cmd[:1] + [os.path.join(d, "missing.h5")] + cmd[1:], expect=2), "no such file")
    one_line(t.run(["resume", out], expect=2), "NAME.partial")
    one_line(t.run(["resume", rnd + ".partial"], expect=2), "no such file")
    open(rnd + ".partial", "wb").write(os.urandom(4096))
    one_line(t.run(["resume", rnd + ".partial"], expect=2), "not an HDF5 file")
    one_line(t.run(["run", "--from", rnd, "-o", os.path.join(d, "f.h5")] + RUN, expect=2), "not an HDF5 file")
    one_line(t.run(["run", "--from", out, "-o", os.path.join(d, "f.h5")] + RUN, expect=2), "no checkpoint")
    print("icsim run/resume/inspect/export: exit codes, messages and CSV files as documented")


if __name__ == "__main__":
    main()
