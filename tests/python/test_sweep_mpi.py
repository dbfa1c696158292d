"""`mpirun -n N icsim sweep` gives the same file as a single-process sweep
(wall times aside), for 2 and 4 ranks (oversubscribed on a small machine),
on a city sweep with replicates and on the Ishigami function;
`mpirun -n N icsim compare` gives the single-process compare file and
stdout table; a worker rank killed mid-sweep takes the job down (Open MPI's
default) and the file it leaves resumes, under MPI, to the single-process
file; under `mpirun --enable-recovery` the dead worker's runs are handed out
again and the job ends with the single-process file.

usage: /usr/bin/python3 test_sweep_mpi.py ICSIM"""
import os
import re
import shutil
import signal
import subprocess
import sys

import h5py

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import icsim_testlib as t  # noqa: E402
import test_sweep as ts  # noqa: E402


ENV = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
           OMPI_MCA_rmaps_base_oversubscribe="1")


def mpirun(n, args):
    r = subprocess.run(["mpirun", "-n", str(n), "--oversubscribe", t.icsim_path()] + args, env=ENV,
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, (r.returncode, r.stdout[-2000:], r.stderr[-2000:])
    return r


def same_files(a, b):
    """Every dataset and attribute of two HDF5 files equal."""
    with h5py.File(a, "r") as fa, h5py.File(b, "r") as fb:
        da, db = t.datasets(fa), t.datasets(fb)
        assert sorted(da) == sorted(db), (sorted(da), sorted(db))
        for name in da:
            assert t.same_data(da[name], db[name]), name
        groups = []
        fa.visit(groups.append)
        for g in groups + ["/"]:
            assert t.attrs(fa[g]) == t.attrs(fb[g]), g


def test_compare(d):
    base = os.path.join(t.repo_root(), "scenarios", "library", "default.toml")
    variant = t.variant_toml(os.path.join(d, "variant.toml"))
    args = [base, variant, "--seeds", "3", "--steps", "12", "--scale", "0.02", "--at", "6,12", "--quiet"]
    single = os.path.join(d, "cmp-single.h5")
    table = t.run(["compare"] + args + ["-o", single]).stdout
    js = t.run(["compare"] + args + ["--json"]).stdout
    for n in (2, 4):
        out = os.path.join(d, "cmp-%d.h5" % n)
        r = mpirun(n, ["compare"] + args + ["-o", out])
        assert r.stdout == table, (r.stdout, table)
        assert "on %d threads" % n in r.stderr and r.stderr.count("paired intervals") == 1, r.stderr
        same_files(single, out)
        assert mpirun(n, ["compare"] + args + ["--json"]).stdout == js
    print("compare: 2 and 4 ranks give the single-process file and table")


def rank_pids(parent):
    """{MPI rank: pid} of the processes mpirun `parent` started."""
    pids = {}
    for p in os.listdir("/proc"):
        if not p.isdigit():
            continue
        try:
            with open("/proc/%s/environ" % p, "rb") as f:
                env = dict(kv.split(b"=", 1) for kv in f.read().split(b"\0") if b"=" in kv)
            with open("/proc/%s/cmdline" % p, "rb") as f:
                cmd = f.read().split(b"\0")
        except OSError:
            continue
        if b"OMPI_COMM_WORLD_RANK" in env and cmd and cmd[0] == t.icsim_path().encode() \
                and is_descendant(int(p), parent):
            pids[int(env[b"OMPI_COMM_WORLD_RANK"])] = int(p)
    return pids


def parent_of(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return int(f.read().rsplit(")", 1)[1].split()[1])
    except OSError:
        return None


def is_descendant(pid, ancestor):
    while pid is not None and pid > 1:
        if pid == ancestor:
            return True
        pid = parent_of(pid)
    return False


def kill_worker_midway(p):
    """Reads the sweep's progress lines until a few runs are in, then kills rank 1 (a worker, not
    rank 0, the writer) with SIGKILL; returns the rest of stderr once the job has ended."""
    killed = False
    for line in p.stderr:
        m = re.search(r" (\d+)/(\d+) runs", line)
        if m and 3 <= int(m.group(1)) < int(m.group(2)) // 2:
            pids = rank_pids(p.pid)
            assert 1 in pids, pids
            os.kill(pids[1], signal.SIGKILL)
            killed = True
            break
    try:  # a job that hangs after the kill fails here, with its output, not at ctest's timeout
        rest = p.communicate(timeout=240)[1]
    except subprocess.TimeoutExpired:
        p.terminate()  # mpirun passes SIGTERM on to its ranks
        raise AssertionError("the job did not end within 240 s of the kill: %s"
                             % p.communicate(timeout=60)[1][-2000:])
    assert killed, "the sweep ended before a worker could be killed"
    return rest


def test_dead_worker(d, toml, single):
    out = os.path.join(d, "dead.h5")
    p = subprocess.Popen(["mpirun", "-n", "3", "--oversubscribe", t.icsim_path(), "sweep", toml, "-o", out],
                         env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    rest = kill_worker_midway(p)
    assert p.returncode != 0, rest  # Open MPI aborts the job when a rank dies
    assert not os.path.exists(out) and os.path.exists(out + ".partial")
    r = mpirun(2, ["sweep", toml, "-o", out, "--resume"])
    m = re.search(r"(\d+) recorded before", r.stderr)
    assert m and 3 <= int(m.group(1)) < 24, r.stderr
    ts.compare_files(single, out)
    print("dead worker: the job stopped with %s runs recorded; resumed on 2 ranks it equals the single file"
          % m.group(1))


def test_recovery(d, toml, single):
    """Under --enable-recovery the job goes on without the killed worker: rank 0 hears nothing from it
    for --worker-timeout seconds and hands its runs to the others (`icsim compare` shares the code)."""
    out = os.path.join(d, "recovered.h5")
    p = subprocess.Popen(["mpirun", "-n", "3", "--oversubscribe", "--enable-recovery", t.icsim_path(), "sweep",
                          toml, "-o", out, "--worker-timeout", "3"],
                         env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    rest = kill_worker_midway(p)
    assert p.returncode == 0, rest
    m = re.search(r"rank 1 sent nothing for 3 s \(dead\?\); its (\d+) run\(s\) are handed out again", rest)
    assert m and int(m.group(1)) >= 1, rest
    ts.compare_files(single, out)
    print("recovery: rank 1 killed, its %s run(s) handed out again; the file equals the single-process one"
          % m.group(1))


def main():
    if shutil.which("mpirun") is None:
        print("test_sweep_mpi: no mpirun (openmpi-bin); skipped")
        return
    d = t.workdir("sweep-mpi")
    city = ts.city_sweep(d, "city.toml")
    ish = ts.sweep_file(os.path.join(d, "ish.toml"), "classic:ishigami", "saltelli", 256, ts.ishigami_params(),
                        [{"name": '"y"'}])
    for name, toml in (("city", city), ("ish", ish)):
        single = os.path.join(d, name + "-single.h5")
        t.run(["sweep", toml, "-o", single, "--quiet"])
        for n in (2, 4):
            out = os.path.join(d, "%s-%d.h5" % (name, n))
            r = mpirun(n, ["sweep", toml, "-o", out, "--quiet"])
            assert "on %d workers" % n in r.stderr, r.stderr
            assert r.stderr.count("design hash") == 1, r.stderr  # rank 0 alone reports
            ts.compare_files(single, out)
    longer = os.path.join(d, "longer.toml")
    with open(longer, "w") as f:
        f.write(open(city).read().replace("steps = 30", "steps = 200").replace("scale = 0.05", "scale = 0.1"))
    single = os.path.join(d, "longer-single.h5")
    t.run(["sweep", longer, "-o", single, "--quiet"])
    test_dead_worker(d, longer, single)
    test_recovery(d, longer, single)
    test_compare(d)
    print("test_sweep_mpi: 2 and 4 ranks give the single-process files")


if __name__ == "__main__":
    main()
