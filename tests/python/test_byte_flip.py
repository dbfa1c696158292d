"""Damaged files are refused, quickly and cleanly: copies of a small good
run (complete, and a .partial left by a killed writer) with a few bytes
flipped at seeded positions, and some truncated, are given to `icsim
inspect`, `icsim export --csv` and `icsim resume`. Each call must end
within a time bound, never by a signal (a crash), and either succeed (the
flip hit bytes nothing checks, such as padding or a value) or exit 1/2 with
a one-line message naming the file.

usage: /usr/bin/python3 test_byte_flip.py ICSIM [COPIES]"""
import os
import random
import shutil
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import icsim_testlib as t  # noqa: E402

COPIES = int(sys.argv[2]) if len(sys.argv) > 2 else 40
BOUND_S = 5.0
STEPS = 40
PARTIAL_STEPS = 60  # the killed run's plan: its resume runs the rest within the bound
ARGS = t.SMALL + ["--set", "output.checkpoint_every=4", "--set", "output.snapshot_every=2", "--quiet",
                  "--threads", "2"]


def killed_partial(d):
    """A .partial left by a writer killed (SIGKILL) after its first checkpoint."""
    out = os.path.join(d, "killed.h5")
    proc = subprocess.Popen([t.icsim_path(), "run", "-o", out, "--steps", str(PARTIAL_STEPS)] + ARGS,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    import h5py
    while time.time() < deadline:
        time.sleep(0.02)
        try:
            with h5py.File(out + ".partial", "r", libver="latest", swmr=True) as f:
                if f["checkpoints/steps"].shape[0] >= 1:
                    break
        except (OSError, KeyError):
            pass
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert os.path.exists(out + ".partial") and not os.path.exists(out), "the run was not killed midway"
    return out + ".partial"


def damage(src, dst, rng, k):
    """Copies src to dst with a few bytes flipped (or, every 8th copy, cut short)."""
    data = bytearray(open(src, "rb").read())
    if k % 8 == 7:
        data = data[:rng.randrange(1, len(data))]
        what = "truncated to %d bytes" % len(data)
    else:
        # Half the copies are flipped in the first 64 KiB, where the
        # superblock and most of the metadata are; the rest anywhere.
        span = min(len(data), 65536) if k % 2 == 0 else len(data)
        at = sorted(rng.randrange(span) for _ in range(rng.randint(1, 4)))
        for p in at:
            data[p] ^= rng.randrange(1, 256)
        what = "bytes flipped at %s" % at
    open(dst, "wb").write(data)
    return what


def call(args, cwd):
    t0 = time.time()
    try:
        # errors="replace": a flip inside a stored string (a description
        # attribute) reaches `inspect`'s output as bytes that are not UTF-8.
        r = subprocess.run([t.icsim_path()] + args, capture_output=True, text=True, errors="replace",
                           timeout=BOUND_S * 4, cwd=cwd)
        code, err = r.returncode, r.stderr
    except subprocess.TimeoutExpired:
        code, err = None, "timed out"
    return code, err, time.time() - t0


def main():
    d = t.workdir("byte-flip")
    good = os.path.join(d, "good.h5")
    t.run(["run", "-o", good, "--steps", str(STEPS)] + ARGS)
    partial = killed_partial(d)
    rng = random.Random(20261206)
    calls = refused = succeeded = 0
    worst = (0.0, "")
    worst_refusal = 0.0
    failures = []
    for k in range(COPIES):
        for kind, src in (("complete", good), ("partial", partial)):
            cd = os.path.join(d, "copy-%d-%s" % (k, kind))
            os.makedirs(cd, exist_ok=True)
            name = os.path.join(cd, "run.h5" + (".partial" if kind == "partial" else ""))
            what = damage(src, name, rng, k)
            cmds = [["inspect", name], ["export", name, "--csv", os.path.join(cd, "csv")]]
            if kind == "partial":
                cmds.append(["resume", name, "--quiet", "--threads", "2"])
            for args in cmds:
                code, err, secs = call(args, cd)
                calls += 1
                label = "%s %s copy %d (%s)" % (args[0], kind, k, what)
                if secs > worst[0]:
                    worst = (secs, label)
                # Progress lines ("icsim resume: FILE from step 8 of 400") aside.
                lines = [ln for ln in err.strip().splitlines() if not ln.startswith(("icsim run:", "icsim resume:"))]
                if code is None or code < 0:
                    failures.append("%s: %s" % (label, "timed out" if code is None else
                                                 "killed by signal %d" % -code))
                elif secs > BOUND_S:
                    failures.append("%s: took %.1f s" % (label, secs))
                elif code == 0:
                    succeeded += 1
                elif code in (1, 2):
                    refused += 1
                    worst_refusal = max(worst_refusal, secs)
                    if len(lines) != 1 or name not in lines[0]:
                        failures.append("%s: exit %d without one line naming the file: %r" % (label, code, err[-500:]))
                else:
                    failures.append("%s: exit code %d: %r" % (label, code, err[-500:]))
            shutil.rmtree(cd, ignore_errors=True)
    print("byte-flip: %d damaged copies (%d complete, %d partial), %d calls: %d refused (exit 1/2, one line), "
          "%d succeeded, %d failures; slowest refusal %.2f s, slowest call %.2f s (%s)"
          % (2 * COPIES, COPIES, COPIES, calls, refused, succeeded, len(failures), worst_refusal, worst[0],
             worst[1]))
    assert not failures, "\n".join(failures[:20])
    assert refused > calls // 4, "too few damaged copies were refused: the damage is not reaching the reader"


if __name__ == "__main__":
    main()
