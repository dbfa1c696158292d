"""`icsim compare` against runs made by hand: the same scenarios and seeds
through `icsim run`, the paired differences and t intervals recomputed
with numpy and scipy; the JSON shape of issue 20; the bands over time in
/compare/bands/<scenario>/quantiles; bad input exits 2.

usage: /usr/bin/python3 test_compare.py ICSIM"""
import json
import os
import sys

import h5py
import numpy as np
from scipy import stats

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import icsim_testlib as t  # noqa: E402

SEEDS, STEPS, SCALE = 3, 20, "0.02"


def main():
    d = t.workdir("compare")
    base = os.path.join(t.repo_root(), "scenarios", "library", "default.toml")
    variant = t.variant_toml(os.path.join(d, "variant.toml"))
    out = os.path.join(d, "cmp.h5")
    r = t.run(["compare", base, variant, "--seeds", str(SEEDS), "--steps", str(STEPS), "--scale", SCALE,
               "--at", "10,20", "-o", out, "--json", "--quiet"])
    res = json.loads(r.stdout)
    assert set(res) == {"base", "seeds", "outcomes"}, res.keys()
    assert res["base"] == "default" and res["seeds"] == SEEDS
    keys = {"variant", "name", "step", "base_mean", "variant_mean", "difference", "ci_low", "ci_high"}
    for o in res["outcomes"]:
        assert set(o) == keys, o
    assert "paired intervals are" in r.stderr

    # The same runs by hand.
    series = {}
    for name, path in (("base", base), ("variant", variant)):
        for s in range(1, SEEDS + 1):
            h5 = os.path.join(d, "%s-%d.h5" % (name, s))
            t.run(["run", path, "--seed", str(s), "--steps", str(STEPS), "--scale", SCALE, "--quiet", "-o", h5])
            with h5py.File(h5, "r") as f:
                groups = list(f["/groups/names"].asstr()[:])
                series[name, s] = {"prejudice_mean[%s]" % g: f["/timeseries/prejudice_mean"][:, k]
                                   for k, g in enumerate(groups)}
                series[name, s]["rumour_belief"] = f["/timeseries/rumour_belief"][:]
                series[name, s]["percent_similar"] = f["/timeseries/percent_similar"][:]
    rows = {(o["name"], o["step"]): o for o in res["outcomes"]}
    checked = 0
    for (name, step), o in rows.items():
        if name not in series["base", 1]:
            continue
        b = np.array([series["base", s][name][step] for s in range(1, SEEDS + 1)])
        v = np.array([series["variant", s][name][step] for s in range(1, SEEDS + 1)])
        diff = v - b
        half = stats.t.ppf(0.975, SEEDS - 1) * diff.std(ddof=1) / np.sqrt(SEEDS)
        np.testing.assert_allclose([o["base_mean"], o["variant_mean"], o["difference"]],
                                   [b.mean(), v.mean(), diff.mean()], rtol=1e-12, atol=1e-15)
        # A bound is mean -/+ half: its rounding scales with those terms,
        # not with the bound, which can lie near zero.
        np.testing.assert_allclose([o["ci_low"], o["ci_high"]], [diff.mean() - half, diff.mean() + half],
                                   rtol=1e-9, atol=1e-12 + 1e-9 * (abs(diff.mean()) + half))
        checked += 1
    assert checked >= 6, checked

    with h5py.File(out, "r") as f:
        names = list(f["/compare/outcomes"].asstr()[:])
        q = f["/compare/bands/variant/quantiles"][:]
        assert q.shape == (len(names), STEPS + 1, 5), q.shape
        np.testing.assert_array_equal(f["/compare/quantile_levels"][:], [0.05, 0.25, 0.5, 0.75, 0.95])
        k = names.index("rumour_belief")
        per_seed = np.array([series["variant", s]["rumour_belief"] for s in range(1, SEEDS + 1)])
        np.testing.assert_allclose(q[k, :, 2], np.quantile(per_seed, 0.5, axis=0), rtol=1e-12)
        np.testing.assert_allclose(q[k, :, 0], np.quantile(per_seed, 0.05, axis=0), rtol=1e-12)
        assert len(f["/compare/difference"]) == len(res["outcomes"])

    r = t.run(["compare", base, os.path.join(d, "missing.toml"), "--seeds", "2"], expect=2)
    assert "missing.toml" in r.stderr
    r = t.run(["compare", base, variant, "--seeds", "2", "--steps", "20", "--at", "30", "--scale", SCALE], expect=2)
    assert "--at" in r.stderr
    r = t.run(["compare", base, variant, "--seeds", "2", "--steps", "20", "--scale", SCALE, "-o", out], expect=2)
    assert "exists" in r.stderr
    print("test_compare: ok (%d outcome rows checked against runs by hand)" % checked)


if __name__ == "__main__":
    main()
