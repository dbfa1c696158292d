#include "sweep/store.hpp"

#include <cmath>
#include <cstring>
#include <limits>
#include <stdexcept>

#include "output/h5.hpp"

namespace icsim::sweep {

using h5::check;
using h5::Id;

namespace {

constexpr int32_t kFormatVersion = 1;

// A contiguous dataset allocated in full at creation (so recording a run
// changes raw data only), filled with `fill`.
template <class T>
Id full_dataset(hid_t loc, const std::string& name, hid_t file_type, std::vector<hsize_t> dims, T fill) {
    const Id space = h5::space_id(check(H5Screate_simple(int(dims.size()), dims.data(), nullptr), name));
    const Id dcpl = h5::plist_id(check(H5Pcreate(H5P_DATASET_CREATE), name));
    check(H5Pset_alloc_time(dcpl, H5D_ALLOC_TIME_EARLY), name);
    check(H5Pset_fill_time(dcpl, H5D_FILL_TIME_IFSET), name);
    check(H5Pset_fill_value(dcpl, h5::native<T>(), &fill), name);
    return h5::dataset_id(
        check(H5Dcreate2(loc, name.c_str(), file_type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT),
              "cannot create " + name));
}

template <class T>
void write_all(hid_t dset, const std::vector<T>& v, const std::string& what) {
    if (!v.empty())
        check(H5Dwrite(dset, h5::native<T>(), H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()), what);
}

// Writes `count` values of row `row` of a 1-D or 2-D dataset.
void write_row(hid_t dset, hid_t mem_type, hsize_t row, hsize_t width, const void* data,
               const std::string& what) {
    const Id file_space = h5::space_id(check(H5Dget_space(dset), what));
    const int rank = H5Sget_simple_extent_ndims(file_space);
    hsize_t start[2] = {row, 0}, count[2] = {1, width};
    check(H5Sselect_hyperslab(file_space, H5S_SELECT_SET, start, nullptr, count, nullptr), what);
    const hsize_t n = rank == 1 ? 1 : width;
    const Id mem_space = h5::space_id(check(H5Screate_simple(1, &n, nullptr), what));
    check(H5Dwrite(dset, mem_type, mem_space, file_space, H5P_DEFAULT, data), what);
}

Id error_type() {
    Id t = h5::type_id(check(H5Tcopy(H5T_C_S1), "string type"));
    check(H5Tset_size(t, kErrorBytes), "string type");
    check(H5Tset_strpad(t, H5T_STR_NULLTERM), "string type");
    check(H5Tset_cset(t, H5T_CSET_UTF8), "string type");
    return t;
}

void write_u32_array_attr(hid_t obj, const std::string& name, const std::vector<uint32_t>& v) {
    const hsize_t n = v.size();
    const Id space = h5::space_id(check(H5Screate_simple(1, &n, nullptr), name));
    const Id a = h5::attr_id(
        check(H5Acreate2(obj, name.c_str(), H5T_STD_U32LE, space, H5P_DEFAULT, H5P_DEFAULT), name));
    check(H5Awrite(a, H5T_NATIVE_UINT32, v.data()), name);
}

std::vector<uint32_t> read_u32_array_attr(hid_t obj, const std::string& name) {
    const Id a = h5::attr_id(check(H5Aopen(obj, name.c_str(), H5P_DEFAULT), name));
    const Id space = h5::space_id(check(H5Aget_space(a), name));
    const auto n = size_t(H5Sget_simple_extent_npoints(space));
    std::vector<uint32_t> v(n);
    if (n > 0)
        check(H5Aread(a, H5T_NATIVE_UINT32, v.data()), name);
    return v;
}

Id file_access() {
    Id fapl = h5::plist_id(check(H5Pcreate(H5P_FILE_ACCESS), "file access properties"));
    // No sieve buffer: a run's rows go to the file as they are written,
    // so a killed sweep keeps every run it recorded.
    check(H5Pset_sieve_buf_size(fapl, 0), "file access properties");
    return fapl;
}

} // namespace

struct Store::Impl {
    std::string path;
    Id file, status, error, wall;
    std::vector<Id> results;
    std::vector<hsize_t> widths;
    Id etype;
};

Store::Store(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Store::Store(Store&&) noexcept = default;
Store& Store::operator=(Store&&) noexcept = default;
Store::~Store() = default;

Store Store::create(const std::string& path, const Plan& plan) {
    h5::init();
    auto m = std::make_unique<Impl>();
    m->path = path;
    m->file = h5::file_id(
        check(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, file_access()), "cannot create " + path));
    const Spec& spec = plan.spec;
    const hsize_t k = spec.parameters.size(), points = plan.points, runs = plan.runs;

    const Id design = h5::create_group(m->file, "/design");
    h5::write_attr_string(design, "format", "icsim-sweep");
    h5::write_attr<int32_t>(design, "format_version", kFormatVersion);
    h5::write_attr_string(design, "design", design_name(spec.design));
    h5::write_attr_string(design, "hash", plan.hash);
    h5::write_attr_string(design, "base", spec.base);
    h5::write_attr_string(design, "base_scenario", plan.base_text);
    h5::write_attr_string(design, "sweep_toml", spec.text);
    h5::write_attr<uint64_t>(design, "samples", spec.samples);
    h5::write_attr<uint32_t>(design, "replicates", spec.replicates);
    h5::write_attr<uint64_t>(design, "seed", spec.seed);
    h5::write_attr<uint32_t>(design, "levels", spec.levels);
    h5::write_attr<uint32_t>(design, "steps", plan.total_steps);
    h5::write_attr<double>(design, "scale",
                           spec.scale ? *spec.scale : std::numeric_limits<double>::quiet_NaN());
    std::vector<std::string> names, outcomes;
    for (const auto& p : spec.parameters)
        names.push_back(p.key);
    for (const auto& o : spec.outcomes)
        outcomes.push_back(o.name);
    h5::write_strings(design, "parameters", names);
    h5::write_strings(design, "outcomes", outcomes);
    {
        const Id unit = full_dataset<double>(design, "unit", H5T_IEEE_F64LE, {points, k}, 0.0);
        write_all(unit, plan.design.unit, "/design/unit");
        std::vector<double> values;
        for (size_t p = 0; p < points; ++p) {
            const Job j = job_of(plan, p * spec.replicates);
            values.insert(values.end(), j.values.begin(), j.values.end());
        }
        const Id v = full_dataset<double>(design, "values", H5T_IEEE_F64LE, {points, k}, 0.0);
        write_all(v, values, "/design/values");
        const Id g = full_dataset<uint32_t>(design, "group", H5T_STD_U32LE, {points}, 0u);
        write_all(g, plan.design.group, "/design/group");
        const Id r = full_dataset<uint32_t>(design, "role", H5T_STD_U32LE, {points}, 0u);
        write_all(r, plan.design.role, "/design/role");
        if (!plan.levels.empty())
            write_u32_array_attr(design, "factor_levels", plan.levels);
        for (size_t i = 0; i < spec.parameters.size(); ++i) {
            std::vector<std::string> levels;
            for (const auto& l : spec.parameters[i].values)
                if (std::holds_alternative<std::string>(l))
                    levels.push_back(std::get<std::string>(l));
            if (!levels.empty())
                h5::write_strings(design, "levels_" + std::to_string(i), levels);
        }
    }

    const Id rg = h5::create_group(m->file, "/runs");
    {
        std::vector<uint32_t> point, rep;
        std::vector<uint64_t> seed;
        std::vector<double> values;
        for (size_t r = 0; r < runs; ++r) {
            const Job j = job_of(plan, r);
            point.push_back(j.point);
            rep.push_back(j.replicate);
            seed.push_back(j.seed);
            values.insert(values.end(), j.values.begin(), j.values.end());
        }
        write_all(full_dataset<uint32_t>(rg, "point", H5T_STD_U32LE, {runs}, 0u), point, "/runs/point");
        write_all(full_dataset<uint32_t>(rg, "replicate", H5T_STD_U32LE, {runs}, 0u), rep, "/runs/replicate");
        write_all(full_dataset<uint64_t>(rg, "seed", H5T_STD_U64LE, {runs}, uint64_t(0)), seed, "/runs/seed");
        write_all(full_dataset<double>(rg, "values", H5T_IEEE_F64LE, {runs, k}, 0.0), values, "/runs/values");
    }
    m->status = full_dataset<int8_t>(rg, "status", H5T_STD_I8LE, {runs}, int8_t(kPending));
    h5::write_attr_string(m->status, "description", "0 pending, 1 done, 2 failed (see /runs/error)");
    m->etype = error_type();
    {
        const Id space = h5::space_id(check(H5Screate_simple(1, &runs, nullptr), "/runs/error"));
        const Id dcpl = h5::plist_id(check(H5Pcreate(H5P_DATASET_CREATE), "/runs/error"));
        check(H5Pset_alloc_time(dcpl, H5D_ALLOC_TIME_EARLY), "/runs/error");
        m->error =
            h5::dataset_id(check(H5Dcreate2(rg, "error", m->etype, space, H5P_DEFAULT, dcpl, H5P_DEFAULT),
                                 "cannot create /runs/error"));
    }
    m->wall = full_dataset<double>(rg, "wall_time", H5T_IEEE_F64LE, {runs},
                                   std::numeric_limits<double>::quiet_NaN());
    h5::write_attr_string(m->wall, "units", "s");

    const Id res = h5::create_group(m->file, "/results");
    for (size_t o = 0; o < spec.outcomes.size(); ++o) {
        const hsize_t w = plan.steps[o].size();
        m->results.push_back(full_dataset<double>(res, spec.outcomes[o].name, H5T_IEEE_F64LE, {runs, w},
                                                  std::numeric_limits<double>::quiet_NaN()));
        write_u32_array_attr(m->results.back(), "steps", plan.steps[o]);
        h5::write_attr_string(m->results.back(), "dims", "run,step");
        m->widths.push_back(w);
    }
    check(H5Fflush(m->file, H5F_SCOPE_GLOBAL), "cannot write " + path);
    return Store(std::move(m));
}

Store Store::resume(const std::string& path, const Plan& plan) {
    h5::init();
    auto m = std::make_unique<Impl>();
    m->path = path;
    const hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDWR, file_access());
    if (f < 0)
        throw SpecError(path + ": cannot open the unfinished sweep (" + h5::last_reason() + ")");
    m->file = h5::file_id(f);
    if (!h5::exists(m->file, "/design") || !h5::has_attr(h5::open_group(m->file, "/design"), "hash"))
        throw SpecError(path + ": not an icsim sweep file");
    const std::string hash = h5::read_attr_string(h5::open_group(m->file, "/design"), "hash");
    if (hash != plan.hash)
        throw SpecError(path + ": its design (hash " + hash + ") is not this sweep file's (hash " +
                        plan.hash +
                        "): the sweep file, its base or icsim changed; start over without --resume");
    m->status = h5::open_dataset(m->file, "/runs/status");
    m->error = h5::open_dataset(m->file, "/runs/error");
    m->wall = h5::open_dataset(m->file, "/runs/wall_time");
    m->etype = error_type();
    for (size_t o = 0; o < plan.spec.outcomes.size(); ++o) {
        m->results.push_back(h5::open_dataset(m->file, "/results/" + plan.spec.outcomes[o].name));
        m->widths.push_back(plan.steps[o].size());
    }
    return Store(std::move(m));
}

std::vector<int8_t> Store::status() const {
    const auto n = h5::shape(impl_->status).at(0);
    return h5::read_rows<int8_t>(impl_->status, 0, n);
}

void Store::record(const Job& job, const Outcomes& out, double wall_seconds) {
    Impl& m = *impl_;
    const std::string what = "cannot write run " + std::to_string(job.run) + " to " + m.path;
    if (out.ok)
        for (size_t o = 0; o < m.results.size(); ++o)
            write_row(m.results[o], H5T_NATIVE_DOUBLE, job.run, m.widths[o], out.values.at(o).data(), what);
    char text[kErrorBytes] = {};
    std::strncpy(text, out.error.c_str(), kErrorBytes - 1);
    write_row(m.error, m.etype, job.run, 1, text, what);
    write_row(m.wall, H5T_NATIVE_DOUBLE, job.run, 1, &wall_seconds, what);
    // The status last: a run whose status says done has its results.
    const int8_t st = out.ok ? kDone : kFailed;
    write_row(m.status, H5T_NATIVE_INT8, job.run, 1, &st, what);
}

void Store::flush() {
    check(H5Fflush(impl_->file, H5F_SCOPE_GLOBAL), "cannot write " + impl_->path);
}

void Store::close() {
    Impl& m = *impl_;
    m.results.clear();
    m.status.close("/runs/status");
    m.error.close("/runs/error");
    m.wall.close("/runs/wall_time");
    m.file.close("cannot close " + m.path);
}

SweepData read_sweep(const std::string& path) {
    h5::init();
    const hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f < 0)
        throw SpecError(path + ": cannot open (" + h5::last_reason() + ")");
    const Id file = h5::file_id(f);
    if (!h5::exists(file, "/design"))
        throw SpecError(path + ": not an icsim sweep file (no /design)");
    const Id design = h5::open_group(file, "/design");
    if (!h5::has_attr(design, "format") || h5::read_attr_string(design, "format") != "icsim-sweep")
        throw SpecError(path + ": not an icsim sweep file");
    SweepData d;
    d.design = h5::read_attr_string(design, "design");
    d.replicates = h5::read_attr<uint32_t>(design, "replicates");
    d.levels = h5::read_attr<uint32_t>(design, "levels");
    d.parameters = h5::read_strings(design, "parameters");
    if (h5::has_attr(design, "factor_levels"))
        d.factor_levels = read_u32_array_attr(design, "factor_levels");
    {
        const Id unit = h5::open_dataset(design, "unit");
        const auto shape = h5::shape(unit);
        d.unit.dims = uint32_t(shape.at(1));
        d.unit.unit = h5::read_rows<double>(unit, 0, shape.at(0));
        const Id g = h5::open_dataset(design, "group"), r = h5::open_dataset(design, "role");
        d.unit.group = h5::read_rows<uint32_t>(g, 0, shape.at(0));
        d.unit.role = h5::read_rows<uint32_t>(r, 0, shape.at(0));
    }
    const Id status = h5::open_dataset(file, "/runs/status");
    const auto runs = h5::shape(status).at(0);
    d.status = h5::read_rows<int8_t>(status, 0, runs);
    for (const auto& name : h5::read_strings(design, "outcomes")) {
        const Id ds = h5::open_dataset(file, "/results/" + name);
        SweepData::Result r;
        r.name = name;
        r.steps = read_u32_array_attr(ds, "steps");
        r.values = h5::read_rows<double>(ds, 0, runs);
        d.results.push_back(std::move(r));
    }
    return d;
}

} // namespace icsim::sweep

namespace icsim::sweep {

namespace {

// A whole dataset's raw bytes in its own file type (fixed-size elements).
struct Raw {
    std::vector<unsigned char> bytes;
    size_t element = 0, rows = 0, row_bytes = 0;
};

Raw read_raw(hid_t dset) {
    Raw r;
    const Id type = h5::type_id(check(H5Dget_type(dset), "dataset type"));
    r.element = H5Tget_size(type);
    const auto shape = h5::shape(dset);
    r.rows = shape.empty() ? 0 : size_t(shape[0]);
    size_t per_row = 1;
    for (size_t k = 1; k < shape.size(); ++k)
        per_row *= size_t(shape[k]);
    r.row_bytes = per_row * r.element;
    r.bytes.resize(r.rows * r.row_bytes);
    if (!r.bytes.empty())
        check(H5Dread(dset, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, r.bytes.data()), "cannot read a dataset");
    return r;
}

void write_raw(hid_t dset, const Raw& r) {
    const Id type = h5::type_id(check(H5Dget_type(dset), "dataset type"));
    if (!r.bytes.empty())
        check(H5Dwrite(dset, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, r.bytes.data()), "cannot write a dataset");
}

Id open_sweep(const std::string& path, unsigned mode, std::string& hash) {
    const hid_t f = H5Fopen(path.c_str(), mode, H5P_DEFAULT);
    if (f < 0)
        throw SpecError(path + ": cannot open (" + h5::last_reason() + ")");
    Id file = h5::file_id(f);
    if (!h5::exists(file, "/design") || !h5::has_attr(h5::open_group(file, "/design"), "hash"))
        throw SpecError(path + ": not an icsim sweep file");
    hash = h5::read_attr_string(h5::open_group(file, "/design"), "hash");
    return file;
}

} // namespace

std::vector<size_t> merge_sweep_files(const std::string& partial, const std::vector<std::string>& inputs) {
    h5::init();
    std::string hash;
    Id out = open_sweep(partial, H5F_ACC_RDWR, hash);
    std::vector<std::string> paths = {"/runs/status", "/runs/error", "/runs/wall_time"};
    for (const auto& name : h5::read_strings(h5::open_group(out, "/design"), "outcomes"))
        paths.push_back("/results/" + name);
    std::vector<Id> dsets;
    std::vector<Raw> merged;
    for (const auto& p : paths) {
        dsets.push_back(h5::open_dataset(out, p));
        merged.push_back(read_raw(dsets.back()));
    }
    for (size_t k = 1; k < inputs.size(); ++k) {
        std::string h;
        const Id in = open_sweep(inputs[k], H5F_ACC_RDONLY, h);
        if (h != hash)
            throw SpecError(inputs[k] + ": its design (hash " + h + ") is not " + inputs[0] + "'s (hash " +
                            hash + "): not shards of one sweep");
        std::vector<Raw> theirs;
        for (const auto& p : paths)
            theirs.push_back(read_raw(h5::open_dataset(in, p)));
        const auto* st_out = reinterpret_cast<const int8_t*>(merged[0].bytes.data());
        const auto* st_in = reinterpret_cast<const int8_t*>(theirs[0].bytes.data());
        if (theirs[0].rows != merged[0].rows)
            throw SpecError(inputs[k] + ": holds " + std::to_string(theirs[0].rows) + " runs, not " +
                            std::to_string(merged[0].rows));
        for (size_t r = 0; r < merged[0].rows; ++r) {
            if (st_out[r] != kPending || st_in[r] == kPending)
                continue;
            // The status last (the first dataset), as Store::record writes it.
            for (size_t d = paths.size(); d-- > 0;)
                std::memcpy(&merged[d].bytes[r * merged[d].row_bytes],
                            &theirs[d].bytes[r * theirs[d].row_bytes], merged[d].row_bytes);
        }
    }
    for (size_t d = paths.size(); d-- > 0;)
        write_raw(dsets[d], merged[d]);
    std::vector<size_t> missing;
    const auto* st = reinterpret_cast<const int8_t*>(merged[0].bytes.data());
    for (size_t r = 0; r < merged[0].rows; ++r)
        if (st[r] == kPending)
            missing.push_back(r);
    dsets.clear();
    out.close("cannot close " + partial);
    return missing;
}

} // namespace icsim::sweep
