"""Helpers shared by the Python tests of icsim's HDF5 output (run with
Debian's /usr/bin/python3, which has h5py and numpy)."""
import os
import subprocess
import sys
import tempfile

import h5py
import numpy as np

# A city small enough to run in a fraction of a second per few steps.
SMALL = ["--set", "city.width=60", "--set", "city.height=60", "--set", "city.layout=voronoi"]


def icsim_path():
    if len(sys.argv) > 1:
        return os.path.abspath(sys.argv[1])
    return os.path.abspath(os.environ.get("ICSIM", os.path.join(repo_root(), "build", "release", "app", "icsim")))


def repo_root():
    return os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def workdir(name):
    base = os.environ.get("ICSIM_TEST_DIR")
    if base:
        path = os.path.join(base, name)
        os.makedirs(path, exist_ok=True)
        for f in os.listdir(path):
            p = os.path.join(path, f)
            if os.path.isfile(p):
                os.remove(p)
        return path
    return tempfile.mkdtemp(prefix="icsim-" + name + "-")


def run(args, expect=0, **kw):
    """Runs icsim with `args`; checks the exit code; returns the result."""
    r = subprocess.run([icsim_path()] + args, capture_output=True, text=True, **kw)
    if expect is not None and r.returncode != expect:
        raise AssertionError("icsim %s: exit code %d, expected %d\nstdout: %s\nstderr: %s"
                             % (" ".join(args), r.returncode, expect, r.stdout[-2000:], r.stderr[-2000:]))
    return r


def variant_toml(path, name="variant", start=6, ramp=3, end=14, cost=1000.0):
    """A policy variant of the default city, written to `path`."""
    base = os.path.join(repo_root(), "scenarios", "library", "default.toml")
    with open(path, "w") as f:
        f.write('extends = "%s"\nname = "%s"\n\n[[policies]]\nname = "mixed housing programme"\n'
                'lever = "mixed_housing"\nstart = %d\nramp = %d\nend = %d\ncost = %r\n'
                % (base, name, start, ramp, end, cost))
    return path


def attrs(obj):
    """The attributes of `obj` as a dict, strings as str: icsim writes
    fixed-length UTF-8 strings (kept out of HDF5's unchecksummed global
    heap), which h5py reads as bytes."""
    return {k: (v.decode() if isinstance(v, bytes) else v) for k, v in obj.attrs.items()}


def variable_length_strings(f):
    """Paths (and path@attribute) of every variable-length string in `f`."""
    found = []

    def vlen(dtype):
        info = h5py.check_string_dtype(dtype)
        if info is not None and info.length is None:
            return True
        return bool(dtype.names) and any(vlen(dtype.fields[n][0]) for n in dtype.names)

    def visit(name, obj):
        if isinstance(obj, h5py.Dataset) and vlen(obj.dtype):
            found.append(name)
        for a in obj.attrs:
            if vlen(obj.attrs.get_id(a).dtype):
                found.append(name + "@" + a)

    visit("/", f)
    f.visititems(visit)
    return found


def datasets(f):
    out = {}
    f.visititems(lambda n, o: out.__setitem__(n, o) if isinstance(o, h5py.Dataset) else None)
    return out


def same_data(a, b):
    x, y = a[()], b[()]
    if x.dtype != y.dtype or x.shape != y.shape:
        return False
    if x.dtype == object:
        return list(x.ravel()) == list(y.ravel())
    return x.tobytes() == y.tobytes()


# /metadata attributes that may differ between an uninterrupted run and a
# resumed one (docs/hdf5-schema.md, "Bit-identical resume").
VOLATILE_ATTRS = {"created_utc", "command_line", "resumed_from", "threads"}


def compare_runs(path_a, path_b, volatile=VOLATILE_ATTRS):
    """Asserts that two files hold the same datasets bit for bit and the same
    /metadata attributes except the volatile ones; returns the dataset count."""
    with h5py.File(path_a, "r") as a, h5py.File(path_b, "r") as b:
        da, db = datasets(a), datasets(b)
        assert da.keys() == db.keys(), "datasets differ: %s" % sorted(set(da) ^ set(db))
        bad = [k for k in da if not same_data(da[k], db[k])]
        assert not bad, "datasets differ in data: %s" % bad
        ma, mb = attrs(a["metadata"]), attrs(b["metadata"])
        assert ma.keys() == mb.keys()
        diff = [k for k in ma if k not in volatile and ma[k] != mb[k]]
        assert not diff, "metadata attributes differ: %s" % diff
        return len(da)
