"""`icsim sweep` and `icsim analyse` end to end: the Ishigami and G test
functions through a sweep file against their analytic indices (SALib's
tolerances), the Sobol' design against scipy's unscrambled qmc.Sobol, the
Saltelli row order, a city sweep killed with SIGKILL and resumed (the same
file as an uninterrupted one, /runs/wall_time aside), and bad sweep files
(exit 2, file:line: key).

usage: /usr/bin/python3 test_sweep.py ICSIM"""
import json
import math
import os
import re
import signal
import subprocess
import sys

import h5py
import numpy as np
from scipy.stats import qmc

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import icsim_testlib as t  # noqa: E402

PI = math.pi


def sweep_file(path, base, design, samples, params, outcomes, extra=""):
    with open(path, "w") as f:
        f.write('base = "%s"\ndesign = "%s"\nsamples = %d\nseed = 1\n%s\n' % (base, design, samples, extra))
        for p in params:
            f.write("[[parameters]]\n" + "".join("%s = %s\n" % kv for kv in p.items()))
        for o in outcomes:
            f.write("[[outcomes]]\n" + "".join("%s = %s\n" % kv for kv in o.items()))
    return path


def ishigami_params():
    return [{"key": '"x%d"' % i, "min": repr(-PI), "max": repr(PI)} for i in (1, 2, 3)]


def ishigami_reference():
    a, b = 7.0, 0.1
    v1 = 0.5 * (1 + b * PI ** 4 / 5) ** 2
    v2 = a * a / 8
    v13 = 8 * b * b * PI ** 8 / 225
    v = v1 + v2 + v13
    return [v1 / v, v2 / v, 0.0], [(v1 + v13) / v, v2 / v, v13 / v]


def test_ishigami(d):
    toml = sweep_file(os.path.join(d, "ishigami.toml"), "classic:ishigami", "saltelli", 8192,
                      ishigami_params(), [{"name": '"y"'}])
    out = os.path.join(d, "ishigami.h5")
    t.run(["sweep", toml, "-o", out, "--quiet"])
    res = json.loads(t.run(["analyse", out, "--json"]).stdout)
    s = res["outcomes"]["y@0"]
    assert s["method"] == "sobol"
    s1, st = ishigami_reference()
    for i in range(3):
        p = s["parameters"]["x%d" % (i + 1)]
        assert set(p) == {"S1", "S1_conf", "ST", "ST_conf"}, p
        # SALib's test_sobol: assert_allclose(atol=5e-2, rtol=1e-1)
        assert abs(p["S1"] - s1[i]) <= 0.05 + 0.1 * s1[i], (i, p)
        assert abs(p["ST"] - st[i]) <= 0.05 + 0.1 * st[i], (i, p)
    with h5py.File(out, "r") as f:
        assert f["/design"].attrs["design"] == b"saltelli"  # fixed-length strings come back as bytes
        assert f["/results/y"].shape == (8192 * 5, 1)
        assert (f["/runs/status"][:] == 1).all()
        assert list(f["/analysis/y@0/parameters"].asstr()[:]) == ["x1", "x2", "x3"]
        np.testing.assert_allclose(f["/analysis/y@0/ST"][:], [s["parameters"]["x%d" % i]["ST"] for i in (1, 2, 3)])
        # Saltelli's rows per base row: A, AB_1..AB_3, B from one 6-dimensional Sobol' sequence.
        unit = f["/design/unit"][:]
        base = qmc.Sobol(6, scramble=False).random(8193)[1:]
        for j in (0, 1, 777, 8191):
            rows = unit[j * 5:(j + 1) * 5]
            a, b = base[j, :3], base[j, 3:]
            np.testing.assert_array_equal(rows[0], a)
            np.testing.assert_array_equal(rows[4], b)
            for i in range(3):
                ab = a.copy()
                ab[i] = b[i]
                np.testing.assert_array_equal(rows[1 + i], ab)
        # The values are the unit coordinates on [-pi, pi].
        np.testing.assert_allclose(f["/runs/values"][:], -PI + 2 * PI * unit, rtol=0, atol=1e-12)
        y = f["/results/y"][:, 0]
        x = f["/runs/values"][:]
        np.testing.assert_allclose(y, np.sin(x[:, 0]) + 7 * np.sin(x[:, 1]) ** 2 + 0.1 * x[:, 2] ** 4 * np.sin(x[:, 0]),
                                   rtol=1e-12, atol=1e-12)
    print("ishigami: S1 %s, ST %s" % ([round(s["parameters"]["x%d" % i]["S1"], 4) for i in (1, 2, 3)],
                                      [round(s["parameters"]["x%d" % i]["ST"], 4) for i in (1, 2, 3)]))


def test_sobol_g(d):
    # SALib's default a = (0, 1, 4.5, 9, 99, 99, 99, 99), all eight inputs
    # (a sweep file varies parameters; the model's defaults hold the a).
    # The a = (78, 12, 0.5, 2, 97, 33) case of SALib's tests is in
    # tests/sweep/test_analysis.cpp.
    params8 = [{"key": '"x%d"' % (i + 1), "min": "0.0", "max": "1.0"} for i in range(8)]
    toml = sweep_file(os.path.join(d, "g8.toml"), "classic:sobol-g", "saltelli", 4096, params8, [{"name": '"y"'}])
    out = os.path.join(d, "g.h5")
    t.run(["sweep", toml, "-o", out, "--quiet"])
    res = json.loads(t.run(["analyse", out, "--json"]).stdout)["outcomes"]["y@0"]["parameters"]
    a = [0, 1, 4.5, 9, 99, 99, 99, 99]
    v = [1 / (3 * (1 + ai) ** 2) for ai in a]
    var = np.prod([1 + vi for vi in v]) - 1
    for i in range(8):
        s1 = v[i] / var
        st = v[i] * np.prod([1 + vj for j, vj in enumerate(v) if j != i]) / var
        p = res["x%d" % (i + 1)]
        assert abs(p["S1"] - s1) <= 0.05 + 0.1 * s1, (i, p, s1)
        assert abs(p["ST"] - st) <= 0.05 + 0.1 * st, (i, p, st)
    print("sobol-g: S1 %s" % [round(res["x%d" % (i + 1)]["S1"], 4) for i in range(8)])


def test_sobol_and_morris_designs(d):
    params = ishigami_params()
    toml = sweep_file(os.path.join(d, "sobol.toml"), "classic:ishigami", "sobol", 100, params, [{"name": '"y"'}])
    out = os.path.join(d, "sobol.h5")
    t.run(["sweep", toml, "-o", out, "--quiet"])
    with h5py.File(out, "r") as f:
        np.testing.assert_array_equal(f["/design/unit"][:], qmc.Sobol(3, scramble=False).random(101)[1:])
    toml = sweep_file(os.path.join(d, "morris.toml"), "classic:ishigami", "morris", 10000, params, [{"name": '"y"'}])
    out = os.path.join(d, "morris.h5")
    t.run(["sweep", toml, "-o", out, "--quiet"])
    res = json.loads(t.run(["analyse", out, "--json"]).stdout)["outcomes"]["y@0"]
    assert res["method"] == "morris"
    exact = [7.7041, 7.8750, 6.2488]  # mu* over the 4-level grid, enumerated
    for i in range(3):
        p = res["parameters"]["x%d" % (i + 1)]
        assert set(p) == {"mu", "mu_star", "sigma", "mu_star_conf"}, p
        assert abs(p["mu_star"] - exact[i]) <= 0.02 * exact[i], (i, p)
    print("morris: mu* %s" % [round(res["parameters"]["x%d" % i]["mu_star"], 4) for i in (1, 2, 3)])


def city_sweep(d, name):
    base = os.path.join(t.repo_root(), "scenarios", "library", "default.toml")
    return sweep_file(os.path.join(d, name), base, "lhs", 12,
                      [{"key": '"mechanisms.attitudes.negative_weight"', "min": "1.0", "max": "3.0"},
                       {"key": '"mechanisms.residential_mobility.move_probability"', "min": "0.05", "max": "0.2"}],
                      [{"name": '"prejudice_mean[labour]"', "at": "[5, 30]"}, {"name": '"rumour_belief"'}],
                      extra="replicates = 2\nsteps = 30\nscale = 0.05\n")


def compare_files(a, b):
    with h5py.File(a, "r") as fa, h5py.File(b, "r") as fb:
        da, db = t.datasets(fa), t.datasets(fb)
        assert sorted(da) == sorted(db), (sorted(da), sorted(db))
        for name in da:
            if name == "runs/wall_time":
                assert np.isfinite(da[name][:]).all() and np.isfinite(db[name][:]).all()
                continue
            np.testing.assert_array_equal(da[name][()], db[name][()], err_msg=name)
        for g in ("design", "runs", "results"):
            assert sorted(fa[g].attrs) == sorted(fb[g].attrs), g
            for k in fa[g].attrs:
                x, y = fa[g].attrs[k], fb[g].attrs[k]
                same = (x == y) if not (isinstance(x, float) and math.isnan(x)) else math.isnan(y)
                assert np.all(same), (g, k, x, y)


def test_kill_resume(d):
    toml = city_sweep(d, "city.toml")
    whole = os.path.join(d, "whole.h5")
    t.run(["sweep", toml, "-o", whole, "--quiet"])
    with h5py.File(whole, "r") as f:
        assert (f["/runs/status"][:] == 1).all()
        assert f["/results/prejudice_mean[labour]"].shape == (24, 2)
        assert list(f["/results/prejudice_mean[labour]"].attrs["steps"]) == [5, 30]
        assert np.isfinite(f["/results/rumour_belief"][:]).all()
        seeds = f["/runs/seed"][:]
        assert len(set(seeds)) == 24
    # One run of the sweep by hand equals its record.
    with h5py.File(whole, "r") as f:
        v = f["/runs/values"][3]
        seed = int(f["/runs/seed"][3])
        y = f["/results/prejudice_mean[labour]"][3]
    single = os.path.join(d, "single.h5")
    base = os.path.join(t.repo_root(), "scenarios", "library", "default.toml")
    t.run(["run", base, "--steps", "30", "--seed", str(seed), "--scale", "0.05", "--threads", "1", "--quiet",
           "--set", "mechanisms.attitudes.negative_weight=%r" % v[0],
           "--set", "mechanisms.residential_mobility.move_probability=%r" % v[1], "-o", single])
    with h5py.File(single, "r") as f:
        groups = list(f["/groups/names"].asstr()[:])
        col = groups.index("labour")
        np.testing.assert_array_equal(f["/timeseries/prejudice_mean"][[5, 30], col], y)

    out = os.path.join(d, "killed.h5")
    p = subprocess.Popen([t.icsim_path(), "sweep", toml, "-o", out], stderr=subprocess.PIPE, text=True)
    killed = False
    for line in p.stderr:
        m = re.search(r" (\d+)/24 runs", line)
        if m and 5 <= int(m.group(1)) <= 18:
            p.send_signal(signal.SIGKILL)
            killed = True
            break
    p.wait()
    assert killed, "the sweep ended before it could be killed"
    assert not os.path.exists(out) and os.path.exists(out + ".partial")
    with h5py.File(out + ".partial", "r") as f:
        done = int((f["/runs/status"][:] == 1).sum())
    assert 0 < done < 24, done
    r = t.run(["sweep", toml, "-o", out, "--resume"])
    assert "%d recorded before" % done in r.stderr, r.stderr
    assert not os.path.exists(out + ".partial")
    compare_files(whole, out)
    print("kill/resume: killed with %d of 24 runs recorded; resumed file equals the uninterrupted one" % done)

    # A changed sweep file cannot resume another's runs.
    changed = city_sweep(d, "changed.toml")
    text = open(changed).read().replace("samples = 12", "samples = 13")
    open(changed, "w").write(text)
    shutil_out = os.path.join(d, "other.h5")
    os.rename(out, shutil_out + ".partial")
    r = t.run(["sweep", changed, "-o", shutil_out, "--resume"], expect=2)
    assert "hash" in r.stderr, r.stderr
    r = t.run(["sweep", toml, "-o", whole], expect=2)  # the finished file is not replaced
    assert "exists" in r.stderr


def test_shards(d):
    params = ishigami_params()
    toml = sweep_file(os.path.join(d, "shard.toml"), "classic:ishigami", "saltelli", 64, params, [{"name": '"y"'}])
    whole = os.path.join(d, "shard-whole.h5")
    t.run(["sweep", toml, "-o", whole, "--quiet"])
    shards = []
    for k in (1, 2, 3):
        shards.append(os.path.join(d, "shard-%d.h5" % k))
        t.run(["sweep", toml, "-o", shards[-1], "--shard", "%d/3" % k, "--quiet"])
        with h5py.File(shards[-1], "r") as f:
            st = f["/runs/status"][:]
            assert (st[k - 1::3] == 1).all() and (np.delete(st, np.s_[k - 1::3]) == 0).all()
    merged = os.path.join(d, "shard-merged.h5")
    t.run(["merge", merged, *shards])
    compare_files(whole, merged)
    # A missing shard: the runs it holds are listed, the merge stays partial
    # and `icsim sweep --resume` finishes it.
    part = os.path.join(d, "shard-part.h5")
    r = t.run(["merge", part, shards[0], shards[2]], expect=1)
    assert "in none of the files (run ids 1, 4, 7" in r.stderr, r.stderr
    assert not os.path.exists(part) and os.path.exists(part + ".partial")
    t.run(["sweep", toml, "-o", part, "--resume", "--quiet"])
    compare_files(whole, part)
    other = sweep_file(os.path.join(d, "shard-other.toml"), "classic:ishigami", "saltelli", 32, params,
                       [{"name": '"y"'}])
    t.run(["sweep", other, "-o", os.path.join(d, "shard-other.h5"), "--quiet"])
    r = t.run(["merge", os.path.join(d, "shard-bad.h5"), shards[0], os.path.join(d, "shard-other.h5")], expect=2)
    assert "not shards of one sweep" in r.stderr, r.stderr
    assert not os.path.exists(os.path.join(d, "shard-bad.h5.partial"))
    r = t.run(["sweep", toml, "-o", os.path.join(d, "x.h5"), "--shard", "4/3"], expect=2)
    print("shards: 3 shards merged equal the single sweep; a missing shard is listed and resumable")


def test_bad_input(d):
    cases = [
        ('base = "classic:ishigami"\ndesign = "saltelli"\nsamples = 4\nsample = 3\n', ":4: sample: unknown key"),
        ('base = "classic:ishigami"\ndesign = "sobolx"\nsamples = 4\n', ":2: design: expected"),
        ('base = "classic:ishigami"\ndesign = "lhs"\nsamples = 4\n[[parameters]]\nkey = "x9"\nmin = 0\nmax = 1\n'
         '[[outcomes]]\nname = "y"\n', ":4: parameters.key: \"x9\" is not a parameter"),
        ('base = "classic:ishigami"\ndesign = "lhs"\nsamples = 4\n[[parameters]]\nkey = "x1"\nmin = 0\nmax = 9\n'
         '[[outcomes]]\nname = "y"\n', ":4: parameters: x1: expected"),
        ('base = "classic:ishigami"\ndesign = "lhs"\nsamples = 4\n[[parameters]]\nkey = "x1"\nmin = 0\nmax = 1\n'
         '[[outcomes]]\nname = "z"\n', ":8: outcomes[0].name: \"z\" is not a metric"),
        ('base = "%s"\ndesign = "lhs"\nsamples = 4\nscale = 0.05\n[[parameters]]\nkey = "mechanisms.attitudes.nope"\n'
         'min = 0.0\nmax = 1.0\n[[outcomes]]\nname = "rumour_belief"\n'
         % os.path.join(t.repo_root(), "scenarios", "library", "default.toml"), ":5: parameters: "),
        ('base = "%s"\ndesign = "lhs"\nsamples = 4\nscale = 0.05\n[[parameters]]\nkey = "mechanisms.attitudes.negative_weight"\n'
         'min = 1.0\nmax = 2.0\n[[outcomes]]\nname = "prejudice_mean[nobody]"\n'
         % os.path.join(t.repo_root(), "scenarios", "library", "default.toml"), ":9: outcomes[0].name: no column"),
        ('base = "classic:ishigami"\ndesign = "factorial"\n[[parameters]]\nkey = "x1"\nmin = 0\nmax = 1\n'
         '[[outcomes]]\nname = "y"\n', ":5: parameters[0].min: a factorial design needs values"),
        ('base = "classic:ishigami"\ndesign = "lhs"\nsamples = 4\n[[parameters]\n', ":4: TOML syntax"),
    ]
    for k, (text, expected) in enumerate(cases):
        path = os.path.join(d, "bad%d.toml" % k)
        with open(path, "w") as f:
            f.write(text)
        out = os.path.join(d, "bad%d.h5" % k)
        r = t.run(["sweep", path, "-o", out], expect=2)
        line = r.stderr.strip().splitlines()
        assert len(line) == 1 and path + expected in line[0], (k, r.stderr)
        assert not os.path.exists(out) and not os.path.exists(out + ".partial")
    r = t.run(["analyse", os.path.join(d, "bad0.toml")], expect=2)


def test_factorial(d):
    toml = os.path.join(d, "fact.toml")
    with open(toml, "w") as f:
        f.write('base = "classic:ishigami"\ndesign = "factorial"\n'
                '[[parameters]]\nkey = "x1"\nvalues = [-1.0, 0.0, 1.0]\n'
                '[[parameters]]\nkey = "x2"\nvalues = [0.0, 1.5707963267948966]\n'
                '[[outcomes]]\nname = "y"\n')
    out = os.path.join(d, "fact.h5")
    t.run(["sweep", toml, "-o", out, "--quiet"])
    res = json.loads(t.run(["analyse", out, "--json"]).stdout)["outcomes"]["y@0"]
    assert res["method"] == "factorial"
    # x3 = 0: y = sin x1 + 7 sin^2 x2, additive: effects are 2 sin 1 and 7.
    assert abs(res["parameters"]["x1"]["main_effect"] - 2 * math.sin(1)) < 1e-12
    assert abs(res["parameters"]["x2"]["main_effect"] - 7) < 1e-12


def main():
    d = t.workdir("sweep")
    test_bad_input(d)
    test_factorial(d)
    test_ishigami(d)
    test_sobol_g(d)
    test_sobol_and_morris_designs(d)
    test_shards(d)
    test_kill_resume(d)
    print("test_sweep: ok")


if __name__ == "__main__":
    main()
