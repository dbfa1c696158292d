"""Plain Python reads icsim output: runs a small city (every mechanism of the
default scenario) with a policy variant and checkpoints, then opens the file
with Debian's h5py and reads every dataset and attribute that
docs/hdf5-schema.md documents, checking types, shapes, units, offsets and
invariants: the NaN rules of the series, the social series recomputed from
the snapshots and checkpoints with numpy (percent similar, prejudice,
contacts, cultural diversity, rumours, out-group friends) and against the
mechanisms' counters. Every path in the document must be in the file, every
dataset in the file must be in the document, and every series of the
writer's table (`icsim check --schema`: the city's series and the
mechanisms' declared ones) must be in both.

usage: /usr/bin/python3 test_h5_schema.py ICSIM"""
import json
import os
import re
import sys
import tomllib

import h5py
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import icsim_testlib as t  # noqa: E402

STEPS = 20
NONE = 4294967295  # an empty tie slot, no workplace

# Dims enum of output/schema.hpp -> the `dims` attribute (schema::dims_text).
DIMS = {"Step": "step", "StepGroup": "step,group", "StepLever": "step,lever",
        "StepNeighbourhood": "step,neighbourhood"}


def cells(line):
    return [c.strip() for c in line.strip().strip("|").split("|")]


def documented():
    """From docs/hdf5-schema.md: {path: (type, shape, units or None)} of every
    table row naming a path, [(name, type)] of the /metadata attributes, the
    documented schema version and the {counter: mechanism} table."""
    text = open(os.path.join(t.repo_root(), "docs", "hdf5-schema.md")).read()
    paths, attrs, counters, version, header = {}, [], {}, None, []
    for line in text.splitlines():
        if not line.startswith("|"):
            header = []
            continue
        row = cells(line)
        if not header:
            header = row
            continue
        m = re.match(r"`(/[^`]*)`$", row[0])
        if m and "path" in header:
            units = row[header.index("units")] if "units" in header else None
            assert m.group(1) not in paths, "documented twice: " + m.group(1)
            paths[m.group(1)] = (row[1], row[2], units)
        m = re.match(r"`([a-z_]+)`$", row[0])
        if m and header[:2] == ["attribute", "type"]:
            attrs.append((m.group(1), row[1]))
            if m.group(1) == "schema_version":
                version = int(row[2].split()[0])
        m = re.match(r"`([a-z_]+)`$", row[1]) if len(row) > 1 else None
        if m and header[:2] == ["mechanism", "counter"]:
            counters[m.group(1)] = row[0]
    return paths, attrs, version, counters


def series_table():
    """(path, dims, units, description) of every series the writer creates:
    the city's own and those the registered mechanisms declare, from the
    binary (`icsim check --schema`)."""
    schema = json.loads(t.run(["check", "--schema"]).stdout)
    rows = [(s["path"], s["dims"], s["units"], s["description"]) for s in schema["series"]]
    assert len(rows) >= 30, "icsim check --schema lists %d series" % len(rows)
    assert len({s["mechanism"] for s in schema["series"]} - {""}) >= 5, "the mechanisms declare no series"
    assert set(DIMS.values()) >= {d for _, d, _, _ in rows}, rows
    return rows


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


def entry(grp, col, k):
    """Rows of column `col` of entry k of /snapshots or /checkpoints."""
    off, n = int(grp["offset/" + col][k]), int(grp["count"][k])
    return grp[col][off:off + n]


def close(a, b, what, tol=1e-9):
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    assert a.shape == b.shape and np.allclose(a, b, rtol=tol, atol=tol, equal_nan=True), (what, a, b)


def main():
    d = t.workdir("schema")
    variant = t.variant_toml(os.path.join(d, "variant.toml"))
    out = os.path.join(d, "run.h5")
    t.run(["run", variant, "-o", out, "--steps", str(STEPS), "--seed", "3", "--quiet",
           "--set", "output.checkpoint_every=5", "--set", "output.snapshot_every=4"] + t.SMALL)
    paths, attrs, version, counters = documented()
    table = series_table()
    assert len(paths) > 70 and len(attrs) == 17 and version >= 2 and len(counters) >= 12, \
        (len(paths), len(attrs), version, len(counters))
    with h5py.File(out, "r") as f:
        # /metadata: every documented attribute, with its type.
        # No variable-length strings: they live in HDF5's global heap, which
        # has no checksum, and a damaged one crashes readers (H5HG_read).
        vlen = t.variable_length_strings(f)
        assert not vlen, "variable-length strings: %s" % vlen[:10]
        meta = t.attrs(f["metadata"])
        for name, kind in attrs:
            assert name in meta, "missing /metadata attribute " + name
            v = meta[name]
            if kind == "string":
                assert isinstance(v, str), (name, type(v))
            else:
                assert np.asarray(v).dtype == np.dtype(kind), (name, np.asarray(v).dtype)
        assert meta["schema_version"] == version and meta["complete"] == 1, (meta["schema_version"], version)
        assert meta["seed"] == 3 and meta["steps"] == STEPS and meta["scenario_name"] == "variant"
        assert "seed = 3" in meta["scenario_toml"] and "mixed_housing" in meta["scenario_toml"]
        assert meta["forked_from"] == "" and meta["resumed_from"] == ""
        assert len(meta["git_commit"]) > 0 and meta["created_utc"].endswith("Z")
        scenario = tomllib.loads(meta["scenario_toml"])
        mech = scenario["mechanisms"]
        order = mech["order"]
        assert order == ["residential_mobility", "encounters", "friendship", "attitudes", "culture", "rumours",
                         "labour_market", "language_learning", "welcoming", "belonging", "participation",
                         "trust", "organisations", "diversity_advantage", "pillars"], order

        # Every documented path exists (patterns match at least once) with
        # its type, and is read; every dataset is documented. Under
        # /timeseries, a path not in the tables must be a documented counter.
        present = t.datasets(f)
        exact = {p for p in paths if "<" not in p}
        for path, (kind, _, _) in paths.items():
            rx = pattern(path)
            hits = [n for n in present if rx.match("/" + n) and (path in exact or "/" + n not in exact)]
            assert hits, "documented path %s not in the file" % path
            for n in hits:
                check_type(n, present[n], kind.split()[0])
                present[n][()]  # the data reads
        for n in present:
            assert any(pattern(p).match("/" + n) for p in paths), "dataset /%s is not documented" % n
            if n.startswith("timeseries/") and "/" + n not in exact:
                assert n.split("/")[1] in counters, "/%s: neither a documented series nor counter" % n
        for c, m in counters.items():
            if m == "migration" and m not in order:
                continue  # off by default: its counters are in a run that names it
            assert m in order, (c, m)
            assert "timeseries/" + c in present, "documented counter %s (%s) not in the file" % (c, m)

        # The writer's series table (icsim check --schema): each series is in
        # the file with the table's dims, units and description, and is
        # documented with the same units.
        for path, dims, units, desc in table:
            assert path in exact, "series %s of icsim check --schema is not documented" % path
            ds = f[path]
            assert t.attrs(ds)["dims"] == dims, (path, t.attrs(ds)["dims"], dims)
            assert t.attrs(ds)["units"] == units == paths[path][2], (path, t.attrs(ds)["units"], units, paths[path][2])
            assert t.attrs(ds)["description"] == desc, (path, t.attrs(ds)["description"], desc)
            assert paths[path][0] == "float64", path
        listed = {p for p, _, _, _ in table}
        for grp in ("timeseries", "neighbourhoods"):
            for name in f[grp]:
                p = "/%s/%s" % (grp, name)
                if name not in ("step", "names") and name not in counters:
                    assert p in listed, "%s is in the file but not in icsim check --schema's series" % p

        T = f["timeseries/step"].shape[0]
        assert T == STEPS + 1 and list(f["timeseries/step"][:]) == list(range(T))
        groups = list(f["groups/names"].asstr()[:])
        hoods = list(f["neighbourhoods/names"].asstr()[:])
        levers = list(f["levers/names"].asstr()[:])
        G, H, L = len(groups), len(hoods), len(levers)
        assert groups[0] == "majority" and L == 11 and "mixed_housing" in levers
        # Where a series may be NaN (docs/hdf5-schema.md): the figures of the
        # step's meetings and the correlation at step 0, the Berry shares of
        # the first group, the representation ratios at step 0 (nobody has taken
        # part yet). Every other value of this run is finite.
        nan_at = {"organisation_reach": (slice(0, 1),), "intergroup_meeting_share": (slice(0, 1),), "contact_ratio": (slice(0, 1),),
                  "contact_prejudice_correlation": (slice(0, 1),),
                  "callback_ratio": (slice(0, 1),), "offer_ratio": (slice(0, 1),),
                  "representation_ratio": (slice(0, 1),),

                  "housing_acceptance_ratio": (slice(0, 1),), "housing_acceptance": (slice(0, 1),)}
        for b in ("integration", "assimilation", "separation", "marginalisation"):
            nan_at["berry_" + b] = (slice(None), slice(0, 1))
        for grp in ("timeseries", "neighbourhoods"):
            for name, ds in f[grp].items():
                if name in ("step", "names"):
                    continue
                for a in ("description", "units", "dims"):
                    assert isinstance(t.attrs(ds)[a], str) and (a == "units" or t.attrs(ds)[a]), (name, a)
                width = {"step": None, "step,group": G, "step,lever": L, "step,neighbourhood": H}[t.attrs(ds)["dims"]]
                assert ds.shape == ((T,) if width is None else (T, width)), (name, ds.shape)
                v = ds[:]
                if "/%s/%s" % (grp, name) in exact:
                    assert t.attrs(ds)["units"] == paths["/%s/%s" % (grp, name)][2], (name, t.attrs(ds)["units"])
                else:
                    assert t.attrs(ds)["units"] == "per step", (name, t.attrs(ds)["units"])  # a counter
                expect_nan = np.zeros(v.shape, bool)
                if grp == "timeseries" and name in nan_at:
                    expect_nan[nan_at[name]] = True
                if grp == "timeseries" and name == "lever_delivered":
                    # NaN where no policy of the lever is in force; a share elsewhere.
                    expect_nan = np.isnan(v)
                    assert np.all((v[~expect_nan] >= 0) & (v[~expect_nan] <= 1)), (grp, name)
                # The participation pillar is NaN throughout while no
                # mechanism provides its inputs (docs/model/pillars.md),
                # finite throughout once one does.
                if name == "pillar_participation" and np.all(np.isnan(v)):
                    expect_nan[:] = True
                # A mechanism the run leaves out writes NaN rows.
                if name in ("arrivals", "departures", "arrivals_unhoused") and "migration" not in order:
                    expect_nan[:] = True
                assert np.array_equal(np.isnan(v), expect_nan), (grp, name, v)
                assert np.all(np.isfinite(v[~expect_nan])), (grp, name)
        ts = f["timeseries"]
        assert np.allclose(ts["day"][:], np.arange(T) * meta["step_days"])
        assert np.array_equal(ts["group_population"][:].sum(axis=1), ts["population"][:])
        assert np.array_equal(f["neighbourhoods/population"][:].sum(axis=1), ts["population"][:])
        assert np.all(ts["dissimilarity"][:, 0] == 0)
        cost = ts["policy_cost"][:]
        assert cost[5] == 0 and cost[6] == 1000.0 and cost[14] == 0
        li = ts["lever_intensity"][:, levers.index("mixed_housing")]
        assert li[5] == 0 and 0 < li[6] < 1 and li[8] == 1 and li[14] == 0, li
        ev = f["events"][:]
        assert [(int(e["step"]), e["kind"].decode()) for e in ev] == \
            [(6, "policy_start"), (8, "policy_full"), (14, "policy_end")], ev
        assert ev[0]["name"].decode() == "mixed housing programme"

        # Counters: 0 at step 0, non-negative, consistent with each other
        # and with the meeting series (the same meetings counted twice).
        c = {n: ts[n][:] for n, m in counters.items() if m in order}
        for n, v in c.items():
            assert v[0] == 0 and np.all(v >= 0) and np.all(v == np.round(v)), (n, v)
        for n in ("moves", "searches", "visits", "meetings", "intergroup_meetings", "positive_contacts",
                  "negative_contacts", "friendships_made", "trait_copies", "new_believers"):
            assert c[n][1:].sum() > 0, "nothing happened: " + n
        assert np.all(c["moves"] <= c["searches"])
        assert np.all(c["intergroup_meetings"] <= c["meetings"])
        assert np.all(c["positive_contacts"] + c["negative_contacts"] <= c["intergroup_meetings"])
        close(ts["intergroup_meeting_share"][1:], c["intergroup_meetings"][1:] / c["meetings"][1:],
              "intergroup_meeting_share")
        close(ts["contact_ratio"][1:], c["positive_contacts"][1:] / c["negative_contacts"][1:], "contact_ratio")
        first, every = mech["rumours"]["first_step"], mech["rumours"]["every"]
        assert 0 < first < T and c["new_believers"][first] > 0
        assert np.all(c["new_believers"][1:first] == 0)
        if np.all(ts["lever_intensity"][:, levers.index("anti_rumours")] == 0):
            assert c["debunks"].sum() == 0  # no anti-rumour agents without the lever
        never = ts["rumour_never_heard"][:]
        assert np.all(never[:first] == 1) and never[first] < 1
        for s in range(first + 1, T):  # between waves, ignorance only falls
            if every == 0 or (s - first) % every != 0:
                assert never[s] <= never[s - 1], (s, never)
        berry = sum(ts["berry_" + b][:, 1:] for b in ("integration", "assimilation", "separation",
                                                       "marginalisation"))
        assert np.allclose(berry, 1.0), berry
        for n in ("rumour_belief", "rumour_never_heard", "intergroup_meeting_share"):
            v = ts[n][:]
            assert np.all((v[np.isfinite(v)] >= 0) & (v[np.isfinite(v)] <= 1)), n
        assert np.all(np.abs(ts["contact_prejudice_correlation"][1:]) <= 1)

        city = f["city"]
        W, Hh, cap = (int(city.attrs[k]) for k in ("width", "height", "capacity"))
        assert (W, Hh, cap, int(city.attrs["torus"])) == (60, 60, 4, 0)
        raster = city["neighbourhood"][:]
        assert raster.shape == (Hh, W) and raster.max() < H
        pl = city["places"]
        P = pl["cell"].shape[0]
        assert P > 0 and all(pl[k].shape == (P,) for k in ("kind", "x", "y", "capacity", "spec"))
        assert np.array_equal(pl["cell"][:], pl["y"][:] * W + pl["x"][:])
        kinds = pl["kind"].asstr()[:]
        assert set(kinds) <= {"workplace", "school", "public_space", "community_centre"}

        # Snapshots and checkpoints: offsets and counts consistent, every
        # column of each entry read back; the populations recounted give
        # the recorded series.
        for grp, steps_expected in (("snapshots", list(range(0, STEPS + 1, 4))), ("checkpoints", [5, 10, 15, 20])):
            s = f[grp]
            steps = list(s["steps"][:])
            assert steps == steps_expected, (grp, steps)
            n = s["count"][:]
            # rows are id slots: departed residents' ids stay as vacant
            # slots (cell NONE) until an arrival takes them
            for k in range(len(steps)):
                assert np.sum(entry(s, "cell", k) != NONE) == ts["population"][steps[k]], (grp, k)
            chunk = int(s.attrs["chunk_rows"])
            cols = sorted(s["offset"])
            data_cols = sorted(k for k in s if k not in ("steps", "count", "offset"))
            assert cols == data_cols, (grp, cols, data_cols)
            for col in cols:
                off = s["offset"][col][:]
                assert off.shape == (len(steps),) and np.all(off % chunk == 0), (grp, col, off)
                assert np.all(off + n <= s[col].shape[0]), (grp, col)
                assert s[col].compression == "gzip" and s[col].shuffle, (grp, col)
                assert t.attrs(s[col])["units"] == (paths["/%s/%s" % (grp, col)][2] or ""), (grp, col)
                assert isinstance(t.attrs(s[col])["description"], str) and t.attrs(s[col])["description"], (grp, col)
                for k in range(len(steps)):
                    assert entry(s, col, k).shape == (n[k],), (grp, col, k)
        F, q = mech["culture"]["features"], mech["culture"]["traits"]
        R, thr = mech["rumours"]["rumours"], mech["friendship"]["friend_threshold"]
        targets = [1 + k % (G - 1) for k in range(R)]
        s = f["snapshots"]
        for k, step in enumerate(s["steps"][:]):
            col = {c: entry(s, c, k) for c in s["offset"]}
            assert np.array_equal(col["id"], np.arange(s["count"][k]))
            live = col["cell"] != NONE  # (vacant slots count nowhere)
            col = {c: v[live] for c, v in col.items()}
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
            hood = raster.ravel()[cell]
            hood_pop = np.bincount(hood, minlength=H)
            assert np.array_equal(hood_pop, f["neighbourhoods/population"][step])

            # the social columns: ranges, then the series recomputed
            p = col["prejudice"].astype(np.float64)
            assert np.all((p >= 0) & (p <= 1)), step
            wp = col["workplace"]
            assert np.all((wp == NONE) | (wp < P)), step
            assert np.all(np.isin(kinds[wp[wp != NONE]], ["workplace", "school"])), step
            assert 0 < np.mean(wp != NONE) < 1, step
            gn = np.bincount(grp, minlength=G)
            close(np.bincount(grp, p, G) / gn, ts["prejudice_mean"][step], ("prejudice_mean", step))
            close(np.sqrt(np.maximum(0, np.bincount(grp, p * p, G) / gn - (np.bincount(grp, p, G) / gn) ** 2)),
                  ts["prejudice_sd"][step], ("prejudice_sd", step), 1e-6)
            close(np.bincount(hood, p, H) / hood_pop, f["neighbourhoods/prejudice_mean"][step],
                  ("neighbourhoods/prejudice_mean", step))
            culture = col["culture"].astype(np.int64)
            traits = np.stack([(culture >> (4 * j)) & 0xF for j in range(F)])
            assert np.all(traits < q) and np.all((culture >> (4 * F)) == 0), step
            diversity = np.mean([1 - np.sum((np.bincount(traits[j], minlength=16) / len(culture)) ** 2)
                                 for j in range(F)])
            close(diversity, ts["cultural_diversity"][step], ("cultural_diversity", step))
            rumour = col["rumour"].astype(np.int64)
            state = np.stack([(rumour >> (2 * j)) & 3 for j in range(R)])
            assert np.all((rumour >> (2 * R)) == 0), step
            for j, g in enumerate(targets):
                assert not np.any(np.isin(state[j][grp == g], [1, 2])), ("a target believes rumour", j, step)
            close(np.mean(np.any(np.isin(state, [1, 2]), axis=0)), ts["rumour_belief"][step], ("belief", step))
            close(np.mean([np.mean(state[j][grp != g] == 0) for j, g in enumerate(targets)]),
                  ts["rumour_never_heard"][step], ("never_heard", step))

        # Checkpoints hold the tie slots: valid ids, no tie to oneself, and
        # the out-group friend shares recounted from them.
        c = f["checkpoints"]
        for k, step in enumerate(c["steps"][:]):
            n = int(c["count"][k])
            grp = entry(c, "group", k).astype(np.int64)
            hood = raster.ravel()[entry(c, "cell", k).astype(np.int64)]
            out_friend = np.zeros(n, bool)
            for j in range(4):
                tie, st = entry(c, "tie_%d" % j, k), entry(c, "tie_strength_%d" % j, k)
                assert np.all((st == 0) == (tie == NONE)), (step, j)
                ids = tie[st > 0].astype(np.int64)
                assert np.all(ids < n) and not np.any(ids == np.arange(n)[st > 0]), (step, j)
                friend = (st >= thr)
                out_friend[friend] |= grp[tie[friend].astype(np.int64)] != grp[friend]
            close(np.bincount(grp, out_friend, G) / np.bincount(grp, minlength=G),
                  ts["outgroup_friend_share"][step], ("outgroup_friend_share", step))
            close(np.bincount(hood, out_friend, H) / np.bincount(hood, minlength=H),
                  f["neighbourhoods/outgroup_friend_share"][step], ("hood outgroup_friend_share", step))
            assert ts["outgroup_friend_share"][step].max() > 0, step
            # contact counts are checkpoint-only columns
            p = entry(c, "prejudice", k).astype(np.float64)
            cp = entry(c, "contact_positive", k).astype(np.float64)
            cn = entry(c, "contact_negative", k).astype(np.float64)
            assert np.all(cp >= 0) and np.all(cn >= 0), step
            gn = np.bincount(grp, minlength=G)
            close(np.bincount(grp, cp, G) / gn, ts["contact_positive"][step], ("contact_positive", step))
            close(np.bincount(grp, cn, G) / gn, ts["contact_negative"][step], ("contact_negative", step))
            maj = grp == 0
            close(np.corrcoef(cp[maj], p[maj])[0, 1], ts["contact_prejudice_correlation"][step],
                  ("contact_prejudice_correlation", step), 1e-6)
        # The last checkpoint is the last snapshot's state, in every column
        # the snapshot keeps.
        assert c["steps"][-1] == s["steps"][-1] == STEPS
        for col in s["offset"]:
            if col == "id":
                continue
            assert col in c["offset"], "snapshot column %s is not in the checkpoints" % col
            assert np.array_equal(entry(c, col, -1), entry(s, col, -1)), col
    print("h5py read every documented dataset (%d), /metadata attribute (%d) and series of icsim check --schema (%d)"
          " of %s" % (len(present), len(attrs), len(table), out))


if __name__ == "__main__":
    main()
