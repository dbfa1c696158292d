"""Nothing lost: a real `icsim run` is killed with SIGKILL (and, separately,
stopped with SIGTERM) once its partial file lists a checkpoint; `icsim
resume` finishes it, and the result must equal an uninterrupted run bit for
bit. While the run is written, the partial file is followed with h5py in
SWMR mode, as a viewer would, and every committed row must already be final.
A fork (`--from`) must share the baseline's history up to the branch step.

usage: /usr/bin/python3 test_kill_resume.py ICSIM"""
import os
import signal
import subprocess
import sys
import time

import h5py
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import icsim_testlib as t  # noqa: E402

STEPS = 120
ARGS = ["--set", "city.width=300", "--set", "city.height=300", "--set", "city.layout=voronoi",
        "--set", "output.checkpoint_every=10", "--set", "output.snapshot_every=4",
        "--steps", str(STEPS), "--quiet", "--threads", "2",
        # migration on (it is not in the default order), with a turnover high
        # enough that departed ids are recycled during the run
        "--set", "mechanisms.order=[\"residential_mobility\", \"encounters\", \"friendship\", \"attitudes\", "
        "\"culture\", \"rumours\", \"labour_market\", \"language_learning\", \"welcoming\", \"belonging\", "
        "\"migration\", \"participation\", \"trust\", \"pillars\"]",
        "--set", "mechanisms.migration.departure_rate=0.05"]


def follow_and_stop(out, sig, reference):
    """Starts a run writing `out`, follows the partial file with h5py (SWMR),
    and sends `sig` once a checkpoint is listed. Returns (exit code, stderr,
    checkpoints seen, rows followed)."""
    partial = out + ".partial"
    proc = subprocess.Popen([t.icsim_path(), "run"] + ARGS + ["-o", out], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    ref_ps = reference["timeseries/percent_similar"][:]
    seen_rows, checkpoints = 0, 0
    deadline = time.time() + 300
    while time.time() < deadline and proc.poll() is None:
        if not os.path.exists(partial):
            time.sleep(0.01)
            continue
        try:
            with h5py.File(partial, "r", libver="latest", swmr=True) as f:
                steps = f["timeseries/step"]
                steps.refresh()
                rows = steps.shape[0]
                ps = f["timeseries/percent_similar"]
                ps.refresh()
                # Rows listed in /timeseries/step are final: they equal the
                # uninterrupted run's.
                assert np.array_equal(ps[:rows], ref_ps[:rows]), "a committed row differs while following"
                assert rows >= seen_rows, "committed rows went backwards"
                seen_rows = rows
                cps = f["checkpoints/steps"]
                cps.refresh()
                checkpoints = cps.shape[0]
        except (OSError, KeyError):
            pass  # the file is being created
        if checkpoints >= 2:
            proc.send_signal(sig)
            break
        time.sleep(0.02)
    _, err = proc.communicate(timeout=300)
    assert checkpoints >= 2, "the run ended (exit %s) before it listed a checkpoint: %s" % (proc.returncode, err)
    return proc.returncode, err, checkpoints, seen_rows


def main():
    d = t.workdir("kill-resume")
    ref = os.path.join(d, "reference.h5")
    t.run(["run"] + ARGS + ["-o", ref])
    with h5py.File(ref, "r") as reference:
        # Residents leave and arrive, and arrivals take departed ids: the
        # slots at the end are fewer than the first step's plus every arrival.
        arrived = int(reference["timeseries/arrivals"][:].sum())
        departed = int(reference["timeseries/departures"][:].sum())
        counts = reference["snapshots/count"][:]
        assert arrived > 0 and departed > 0, (arrived, departed)
        assert counts[-1] < counts[0] + arrived, (counts[0], counts[-1], arrived)
        # The same run on 1 and 8 threads is bit-identical.
        for threads in ("1", "8"):
            other = os.path.join(d, "threads-%s.h5" % threads)
            args = [a for a in ARGS]
            args[args.index("--threads") + 1] = threads
            t.run(["run"] + args + ["-o", other])
            t.compare_runs(ref, other)
        print("migration: %d arrivals, %d departures; 1, 2 and 8 threads bit-identical" % (arrived, departed))
        # SIGKILL: no chance to clean up; the last listed checkpoint is used.
        out = os.path.join(d, "killed.h5")
        rc, err, cps, rows = follow_and_stop(out, signal.SIGKILL, reference)
        assert rc == -signal.SIGKILL, "expected death by SIGKILL, got exit %s: %s" % (rc, err)
        assert os.path.exists(out + ".partial") and not os.path.exists(out)
        insp = t.run(["inspect", out + ".partial"])
        assert "partial" in insp.stdout, insp.stdout
        r = t.run(["resume", out + ".partial", "--quiet"])
        assert os.path.exists(out) and not os.path.exists(out + ".partial")
        n = t.compare_runs(ref, out)
        with h5py.File(out, "r") as f:
            resumed = t.attrs(f["metadata"])["resumed_from"]
        print("SIGKILL after %d committed rows (%d checkpoints listed); %s; resumed from %s: %d datasets "
              "bit-identical to the uninterrupted run" % (rows, cps, r.stderr.strip().splitlines()[0], resumed, n))

        # SIGTERM: a clean stop with a checkpoint at the current step.
        out = os.path.join(d, "stopped.h5")
        rc, err, cps, rows = follow_and_stop(out, signal.SIGTERM, reference)
        assert rc == 143, "expected exit code 143 after SIGTERM, got %s: %s" % (rc, err)
        assert "icsim resume " + out + ".partial" in err, err
        t.run(["resume", out + ".partial", "--quiet"])
        n = t.compare_runs(ref, out)
        print("SIGTERM: exit 143 (%s); resumed: %d datasets bit-identical" % (err.strip(), n))

        # A fork from the reference's checkpoint at step 50 shares its history.
        variant = t.variant_toml(os.path.join(d, "variant.toml"), start=55, ramp=5, end=90)
        fork = os.path.join(d, "fork.h5")
        fork_args = [a for a in ARGS if a != "--quiet"] + ["--quiet"]
        t.run(["run", variant, "--from", ref + ":50", "-o", fork] + fork_args)
        with h5py.File(fork, "r") as f:
            assert t.attrs(f["metadata"])["forked_from"] == ref + ":50"
            for name in ["timeseries/percent_similar", "timeseries/moves", "neighbourhoods/population",
                         "timeseries/isolation"]:
                assert np.array_equal(f[name][:51], reference[name][:51]), name
            cost = f["timeseries/policy_cost"][:]
            assert cost[54] == 0 and cost[55] == 1000.0 and cost[90] == 0, cost[50:95]
            ev = f["events"][:]
            assert [e["kind"].decode() for e in ev] == ["policy_start", "policy_full", "policy_end"], ev
            assert list(f["snapshots/steps"][:13]) == list(reference["snapshots/steps"][:13])
        bad = t.run(["run", "--from", ref + ":50", "-o", os.path.join(d, "bad.h5")] + t.SMALL, expect=2)
        assert "cannot start this scenario" in bad.stderr, bad.stderr
        print("fork from step 50: history 0-50 identical to the baseline; policy from step 55")


if __name__ == "__main__":
    main()
