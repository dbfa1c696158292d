"""Plain Python reads icsim output: runs a small city with a policy variant
and checkpoints, then opens the file with Debian's h5py and reads every
dataset and attribute that docs/hdf5-schema.md documents, checking types,
shapes, offsets and a few invariants (a snapshot recounted in numpy gives
the recorded percent similar). Every path in the document must be in the
file, and every dataset in the file must be in the document.

usage: /usr/bin/python3 test_h5_schema.py ICSIM"""
import os
import re
import sys

import h5py
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import icsim_testlib as t  # noqa: E402

STEPS = 20


def documented():
    """(path pattern, type) of every table row of docs/hdf5-schema.md, and
    the /metadata attribute names."""
    text = open(os.path.join(t.repo_root(), "docs", "hdf5-schema.md")).read()
    paths, attrs = [], []
    for line in text.splitlines():
        m = re.match(r"\|\s*`(/[^`]*)`\s*\|\s*([^|]*?)\s*\|", line)
        if m:
            paths.append((m.group(1), m.group(2)))
        m = re.match(r"\|\s*`([a-z_]+)`\s*\|\s*(int32|uint32|uint64|float64|string)\s*\|", line)
        if m:
            attrs.append((m.group(1), m.group(2)))
    return paths, attrs


def pattern(path):
    return re.compile("^" + re.sub(r"<[a-z]+>", "[^/]+", re.escape(path).replace(r"\<", "<").replace(r"\>", ">"))
                      + "$")


def check_type(name, d, kind):
    dt = d.dtype
    expected = {"int64": np.int64, "uint32": np.uint32, "uint16": np.uint16, "uint8": np.uint8,
                "int32": np.int32, "float32": np.float32, "float64": np.float64}
    if kind == "string":
        assert h5py.check_string_dtype(dt) is not None, "%s: expected strings, found %s" % (name, dt)
    elif kind == "compound":
        assert dt.names == ("step", "kind", "name", "value"), "%s: fields %s" % (name, dt.names)
    else:
        assert dt == expected[kind], "%s: expected %s, found %s" % (name, kind, dt)


def main():
    d = t.workdir("schema")
    variant = t.variant_toml(os.path.join(d, "variant.toml"))
    out = os.path.join(d, "run.h5")
    t.run(["run", variant, "-o", out, "--steps", str(STEPS), "--seed", "3", "--quiet",
           "--set", "output.checkpoint_every=5", "--set", "output.snapshot_every=4"] + t.SMALL)
    paths, attrs = documented()
    assert len(paths) > 40 and len(attrs) == 17, (len(paths), len(attrs))
    with h5py.File(out, "r") as f:
        # /metadata: every documented attribute, with its type.
        meta = f["metadata"].attrs
        for name, kind in attrs:
            assert name in meta, "missing /metadata attribute " + name
            v = meta[name]
            if kind == "string":
                assert isinstance(v, str), (name, type(v))
            else:
                assert np.asarray(v).dtype == np.dtype(kind), (name, np.asarray(v).dtype)
        assert meta["schema_version"] == 1 and meta["complete"] == 1
        assert meta["seed"] == 3 and meta["steps"] == STEPS and meta["scenario_name"] == "variant"
        assert "seed = 3" in meta["scenario_toml"] and "mixed_housing" in meta["scenario_toml"]
        assert meta["forked_from"] == "" and meta["resumed_from"] == ""
        assert len(meta["git_commit"]) > 0 and meta["created_utc"].endswith("Z")

        # Every documented path exists (patterns match at least once) with
        # its type; every dataset is documented.
        present = t.datasets(f)
        exact = {p for p, _ in paths if "<" not in p}
        for path, kind in paths:
            rx = pattern(path)
            hits = [n for n in present if rx.match("/" + n) and (path in exact or "/" + n not in exact)]
            assert hits, "documented path %s not in the file" % path
            for n in hits:
                check_type(n, present[n], kind.split()[0])
        for n in present:
            assert any(pattern(p).match("/" + n) for p, _ in paths), "dataset /%s is not documented" % n

        T = f["timeseries/step"].shape[0]
        assert T == STEPS + 1 and list(f["timeseries/step"][:]) == list(range(T))
        groups = list(f["groups/names"].asstr()[:])
        hoods = list(f["neighbourhoods/names"].asstr()[:])
        levers = list(f["levers/names"].asstr()[:])
        G, H, L = len(groups), len(hoods), len(levers)
        assert groups[0] == "majority" and L == 11 and "mixed_housing" in levers
        for grp in ("timeseries", "neighbourhoods"):
            for name, ds in f[grp].items():
                if name in ("step", "names"):
                    continue
                for a in ("description", "units", "dims"):
                    assert isinstance(ds.attrs[a], str) and (a == "units" or ds.attrs[a]), (name, a)
                width = {"step": None, "step,group": G, "step,lever": L, "step,neighbourhood": H}[ds.attrs["dims"]]
                assert ds.shape == ((T,) if width is None else (T, width)), (name, ds.shape)
                assert np.all(np.isfinite(ds[:])), name
        ts = f["timeseries"]
        assert np.allclose(ts["day"][:], np.arange(T) * meta["step_days"])
        assert np.array_equal(ts["group_population"][:].sum(axis=1), ts["population"][:])
        assert np.array_equal(f["neighbourhoods/population"][:].sum(axis=1), ts["population"][:])
        assert np.all(ts["dissimilarity"][:, 0] == 0)
        assert ts["moves"][0] == 0 and ts["moves"][1:].sum() > 0
        cost = ts["policy_cost"][:]
        assert cost[5] == 0 and cost[6] == 1000.0 and cost[14] == 0
        li = ts["lever_intensity"][:, levers.index("mixed_housing")]
        assert li[5] == 0 and 0 < li[6] < 1 and li[8] == 1 and li[14] == 0, li
        ev = f["events"][:]
        assert [(int(e["step"]), e["kind"].decode()) for e in ev] == \
            [(6, "policy_start"), (8, "policy_full"), (14, "policy_end")], ev
        assert ev[0]["name"].decode() == "mixed housing programme"

        city = f["city"]
        W, Hh, cap = (int(city.attrs[k]) for k in ("width", "height", "capacity"))
        assert (W, Hh, cap, int(city.attrs["torus"])) == (60, 60, 4, 0)
        raster = city["neighbourhood"][:]
        assert raster.shape == (Hh, W) and raster.max() < H
        pl = city["places"]
        P = pl["cell"].shape[0]
        assert P > 0 and all(pl[k].shape == (P,) for k in ("kind", "x", "y", "capacity", "spec"))
        assert np.array_equal(pl["cell"][:], pl["y"][:] * W + pl["x"][:])
        assert set(pl["kind"].asstr()[:]) <= {"workplace", "school", "public_space", "community_centre"}

        # Snapshots and checkpoints: offsets and counts consistent, the
        # populations recounted give the recorded series.
        for grp, steps_expected in (("snapshots", list(range(0, STEPS + 1, 4))), ("checkpoints", [5, 10, 15, 20])):
            s = f[grp]
            steps = list(s["steps"][:])
            assert steps == steps_expected, (grp, steps)
            n = s["count"][:]
            assert np.all(n == ts["population"][0])
            chunk = int(s.attrs["chunk_rows"])
            for col in s["offset"]:
                off = s["offset"][col][:]
                assert off.shape == (len(steps),) and np.all(off % chunk == 0), (grp, col, off)
                assert np.all(off + n <= s[col].shape[0]), (grp, col)
                assert s[col].compression == "gzip" and s[col].shuffle, (grp, col)
        s = f["snapshots"]
        for k, step in enumerate(s["steps"][:]):
            col = {c: s[c][s["offset/" + c][k]:][:s["count"][k]] for c in s["offset"]}
            assert np.array_equal(col["id"], np.arange(s["count"][k]))
            cell, grp = col["cell"].astype(np.int64), col["group"].astype(np.int64)
            assert cell.max() < W * Hh and grp.max() < G
            assert np.all((col["tolerance"] >= 0) & (col["tolerance"] <= 1))
            cnt = np.zeros((Hh + 2, W + 2, G), np.int64)
            np.add.at(cnt, (cell // W + 1, cell % W + 1, grp), 1)
            assert cnt.sum(axis=2).max() <= cap
            win = sum(cnt[1 + dy:Hh + 1 + dy, 1 + dx:W + 1 + dx] for dy in (-1, 0, 1) for dx in (-1, 0, 1))
            own = cnt[1:Hh + 1, 1:W + 1]
            same = (own * (win - 1))[own > 0].sum()
            allr = (own.sum(2) * (win.sum(2) - 1))[own.sum(2) > 0].sum()
            assert 100.0 * same / allr == ts["percent_similar"][step], (step, 100.0 * same / allr)
            assert np.array_equal(np.bincount(grp, minlength=G), ts["group_population"][step])
            hood_pop = np.bincount(raster.ravel()[cell], minlength=H)
            assert np.array_equal(hood_pop, f["neighbourhoods/population"][step])
        # The last checkpoint is the last snapshot's state.
        c = f["checkpoints"]
        assert c["steps"][-1] == s["steps"][-1] == STEPS
        for col in ("cell", "group", "tolerance", "language", "skill", "prejudice"):
            a = c[col][c["offset/" + col][-1]:][:c["count"][-1]]
            b = s[col][s["offset/" + col][-1]:][:s["count"][-1]]
            assert np.array_equal(a, b), col
    print("h5py read every documented dataset (%d) and /metadata attribute (%d) of %s" %
          (len(present), len(attrs), out))


if __name__ == "__main__":
    main()
