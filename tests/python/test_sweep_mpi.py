"""`mpirun -n N icsim sweep` gives the same file as a single-process sweep
(wall times aside), for 2 and 4 ranks (oversubscribed on a small machine),
on a city sweep with replicates and on the Ishigami function.

usage: /usr/bin/python3 test_sweep_mpi.py ICSIM"""
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import icsim_testlib as t  # noqa: E402
import test_sweep as ts  # noqa: E402


def mpirun(n, args):
    env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
               OMPI_MCA_rmaps_base_oversubscribe="1")
    import subprocess
    r = subprocess.run(["mpirun", "-n", str(n), "--oversubscribe", t.icsim_path()] + args, env=env,
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, (r.returncode, r.stdout[-2000:], r.stderr[-2000:])
    return r


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
    print("test_sweep_mpi: 2 and 4 ranks give the single-process files")


if __name__ == "__main__":
    main()
