#include "output/reader.hpp"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <iterator>
#include <new>
#include <stdexcept>
#include <string_view>
#include <system_error>

namespace icsim {

namespace {

// Metadata read attempts under SWMR reading. HDF5's default, 100, keeps a
// damaged file's readers sleeping for tens of seconds and more; a writer's
// flush lands long before the last of these.
constexpr unsigned kSwmrReadAttempts = 14;

} // namespace

void RunFile::damaged(const std::string& what) const {
    throw OutputFormatError(path_ + ": damaged or not an icsim output file (" + what + ")");
}

RunFile::RunFile(const std::string& path) : path_(path) {
    h5::init();
    std::error_code ec;
    if (!std::filesystem::exists(path, ec))
        throw OutputFormatError("cannot open " + path + ": no such file");
    if (std::filesystem::is_directory(path, ec))
        throw OutputFormatError("cannot open " + path + ": it is a directory");
    // A plain read-only open first: it opens every file whose writer
    // closed it (complete or interrupted cleanly), and HDF5 then reads each
    // piece of metadata once, so a damaged file fails at once. A file still
    // being written, or left by a killed writer, keeps its SWMR-write flags
    // and needs SWMR reading; there HDF5 retries a read whose checksum fails
    // (the writer may be mid-write), sleeping between tries (H5C_protect ->
    // H5_nanosleep), so the attempts are bounded (kSwmrReadAttempts).
    hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    std::string reason;
    if (f < 0) {
        reason = h5::last_reason();
        H5Eclear2(H5E_DEFAULT);
        const hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
        if (fapl >= 0 && H5Pset_metadata_read_attempts(fapl, kSwmrReadAttempts) >= 0)
            f = H5Fopen(path.c_str(), H5F_ACC_RDONLY | H5F_ACC_SWMR_READ, fapl);
        if (fapl >= 0)
            H5Pclose(fapl);
    }
    if (f < 0) {
        H5Eclear2(H5E_DEFAULT);
        throw OutputFormatError(path + ": not an HDF5 file, or damaged" +
                                (reason.empty() ? std::string() : " (" + reason + ")"));
    }
    file_ = h5::file_id(f);
    if (!h5::exists(f, "/metadata"))
        throw OutputFormatError(path + ": not an icsim output file (no /metadata group)");
    guard_read(path_, [&] {
        const h5::Id meta = h5::open_group(f, "/metadata");
        if (!h5::has_attr(meta, "schema_version"))
            throw OutputFormatError(path_ + ": not an icsim output file (no /metadata schema_version)");
        schema_version_ = h5::read_attr<int32_t>(meta, "schema_version");
        if (schema_version_ > schema::kVersion || schema_version_ < 1)
            throw OutputFormatError(path_ + ": schema version " + std::to_string(schema_version_) +
                                    " is not one this icsim reads (it reads 1 to " +
                                    std::to_string(schema::kVersion) + ")");
        if (!h5::exists(f, "/timeseries/step"))
            damaged("no /timeseries/step");
        const h5::Id d = h5::open_dataset(f, "/timeseries/step");
        const auto dims = h5::shape(d);
        if (dims.size() != 1)
            damaged("/timeseries/step is not 1-D");
        rows_ = dims[0];
        // Every series must hold at least the committed rows.
        for (const auto& s : series()) {
            const h5::Id ds = h5::open_dataset(f, s.path);
            const auto sd = h5::shape(ds);
            if (sd.empty() || sd[0] < rows_)
                damaged(s.path + " holds fewer rows than /timeseries/step");
        }
        return 0;
    });
}

std::string RunFile::attr(const std::string& name) const {
    return guard_read(path_, [&] {
        const h5::Id meta = h5::open_group(file_, "/metadata");
        return h5::read_attr_string(meta, name);
    });
}

uint64_t RunFile::seed() const {
    return guard_read(path_, [&] {
        const h5::Id meta = h5::open_group(file_, "/metadata");
        return h5::read_attr<uint64_t>(meta, "seed");
    });
}

uint32_t RunFile::planned_steps() const {
    return guard_read(path_, [&] {
        const h5::Id meta = h5::open_group(file_, "/metadata");
        return h5::read_attr<uint32_t>(meta, "steps");
    });
}

uint32_t RunFile::checkpoint_every() const {
    return guard_read(path_, [&] {
        const h5::Id meta = h5::open_group(file_, "/metadata");
        return h5::read_attr<uint32_t>(meta, "checkpoint_every");
    });
}

bool RunFile::complete() const {
    return guard_read(path_, [&] {
        const h5::Id meta = h5::open_group(file_, "/metadata");
        return h5::read_attr<int32_t>(meta, "complete") != 0;
    });
}

std::vector<std::string> RunFile::group_names() const {
    return guard_read(path_, [&] { return h5::read_strings(file_, "/groups/names"); });
}

std::vector<std::string> RunFile::neighbourhood_names() const {
    return guard_read(path_, [&] { return h5::read_strings(file_, "/neighbourhoods/names"); });
}

std::vector<std::string> RunFile::lever_names() const {
    return guard_read(path_, [&] { return h5::read_strings(file_, "/levers/names"); });
}

RunFile::City RunFile::city() const {
    return guard_read(path_, [&] {
        const h5::Id g = h5::open_group(file_, "/city");
        City c;
        c.width = h5::read_attr<int32_t>(g, "width");
        c.height = h5::read_attr<int32_t>(g, "height");
        c.capacity = h5::read_attr<int32_t>(g, "capacity");
        c.torus = h5::read_attr<int32_t>(g, "torus") != 0;
        const h5::Id d = h5::open_dataset(g, "neighbourhood");
        const auto dims = h5::shape(d);
        if (dims.size() != 2 || dims[0] != hsize_t(c.height) || dims[1] != hsize_t(c.width))
            damaged("/city/neighbourhood does not match the grid size");
        c.neighbourhood = h5::read_rows<uint16_t>(d, 0, dims[0]);
        return c;
    });
}

std::vector<SeriesDesc> RunFile::series() const {
    return guard_read(path_, [&] {
        std::vector<SeriesDesc> out;
        for (const char* group : {"/timeseries", "/neighbourhoods"}) {
            if (!h5::exists(file_, group))
                damaged(std::string("no ") + group);
            const h5::Id g = h5::open_group(file_, group);
            hsize_t n = 0;
            h5::check(H5Gget_num_objs(g, &n), group);
            // Creation order is the file order (the writer's order).
            for (hsize_t k = 0; k < n; ++k) {
                const ssize_t len =
                    H5Lget_name_by_idx(g, ".", H5_INDEX_CRT_ORDER, H5_ITER_INC, k, nullptr, 0, H5P_DEFAULT);
                h5::check(len < 0 ? -1 : 0, std::string("listing ") + group);
                std::string name(size_t(len) + 1, '\0');
                H5Lget_name_by_idx(g, ".", H5_INDEX_CRT_ORDER, H5_ITER_INC, k, name.data(), name.size(),
                                   H5P_DEFAULT);
                name.resize(size_t(len));
                if (name == "step" || name == "names")
                    continue;
                SeriesDesc s;
                s.path = std::string(group) + "/" + name;
                const h5::Id d = h5::open_dataset(file_, s.path);
                s.description = h5::read_attr_string(d, "description");
                s.units = h5::read_attr_string(d, "units");
                s.dims = h5::read_attr_string(d, "dims");
                if (s.dims == "step,group")
                    s.columns = group_names();
                else if (s.dims == "step,lever")
                    s.columns = lever_names();
                else if (s.dims == "step,neighbourhood")
                    s.columns = neighbourhood_names();
                const auto dims = h5::shape(d);
                if (dims.size() != (s.columns.empty() ? 1u : 2u) ||
                    (dims.size() == 2 && dims[1] != s.columns.size()))
                    damaged(s.path + " has an unexpected shape");
                out.push_back(std::move(s));
            }
        }
        return out;
    });
}

std::vector<double> RunFile::read_series(const std::string& path, uint64_t first, uint64_t count) const {
    return guard_read(path_, [&] {
        if (!h5::exists(file_, path))
            damaged("no " + path);
        const h5::Id d = h5::open_dataset(file_, path);
        return h5::read_rows<double>(d, first, count);
    });
}

std::vector<int64_t> RunFile::steps() const {
    return guard_read(path_, [&] {
        const h5::Id d = h5::open_dataset(file_, "/timeseries/step");
        return h5::read_rows<int64_t>(d, 0, rows_);
    });
}

std::vector<int64_t> RunFile::listed(const std::string& group) const {
    return guard_read(path_, [&] {
        const h5::Id d = h5::open_dataset(file_, group + "/steps");
        const auto dims = h5::shape(d);
        if (dims.size() != 1)
            damaged(group + "/steps is not 1-D");
        return h5::read_rows<int64_t>(d, 0, dims[0]);
    });
}

std::vector<int64_t> RunFile::snapshot_steps() const {
    return listed("/snapshots");
}

std::vector<int64_t> RunFile::checkpoint_steps() const {
    return listed("/checkpoints");
}

uint64_t RunFile::column_chunk_rows() const {
    return guard_read(path_, [&] {
        const h5::Id g = h5::open_group(file_, "/snapshots");
        return h5::read_attr<uint64_t>(g, "chunk_rows");
    });
}

ResidentColumns RunFile::read_columns(const std::string& group, size_t k, bool with_id) const {
    return guard_read(path_, [&] {
        const auto listed_steps = listed(group);
        if (k >= listed_steps.size())
            damaged(group + ": no entry " + std::to_string(k));
        const h5::Id cnt = h5::open_dataset(file_, group + "/count");
        const auto counts = h5::read_rows<int64_t>(cnt, hsize_t(k), 1);
        if (counts[0] < 0)
            damaged(group + "/count is negative");
        const hsize_t n = hsize_t(counts[0]);
        if (!with_id && schema_version_ < 2)
            throw OutputFormatError(path_ +
                                    ": written by schema version 1, before the social mechanisms: its "
                                    "checkpoints lack their state, so a run cannot restart from them "
                                    "(run it again with this version)");
        // The columns of schema version 1; the later ones a file may lack
        // (older files' snapshots) are filled with their defaults below.
        static const char* const v1_columns[] = {"id",       "cell",  "group",    "tolerance",
                                                 "language", "skill", "prejudice"};
        auto column = [&](const std::string& name, auto& out) {
            using T = typename std::decay_t<decltype(out)>::value_type;
            if (std::find(std::begin(v1_columns), std::end(v1_columns), name) == std::end(v1_columns) &&
                !h5::exists(file_, group + "/" + name))
                return;
            const h5::Id off = h5::open_dataset(file_, group + "/offset/" + name);
            const auto o = h5::read_rows<int64_t>(off, hsize_t(k), 1);
            if (o[0] < 0)
                damaged(group + "/offset/" + name + " is negative");
            const h5::Id d = h5::open_dataset(file_, group + "/" + name);
            out = h5::read_rows<T>(d, hsize_t(o[0]), n);
        };
        ResidentColumns c;
        if (with_id)
            column("id", c.id);
        const auto& wanted = with_id ? schema::snapshot_columns() : schema::checkpoint_columns();
        c.pop.for_each_column([&](const char* name, auto& out) {
            for (const auto& info : wanted)
                if (info.name == std::string_view(name))
                    column(name, out);
        });
        c.pop.resize_state(size_t(n));
        return c;
    });
}

ResidentColumns RunFile::read_snapshot(size_t k) const {
    return read_columns("/snapshots", k, true);
}

ResidentColumns RunFile::read_checkpoint(size_t k) const {
    return read_columns("/checkpoints", k, false);
}

std::vector<EventRecord> RunFile::events() const {
    return guard_read(path_, [&] {
        const h5::Id d = h5::open_dataset(file_, "/events");
        const auto dims = h5::shape(d);
        if (dims.size() != 1)
            damaged("/events is not 1-D");
        std::vector<EventRecord> out;
        if (dims[0] == 0)
            return out;
        struct Row {
            int64_t step;
            char kind[schema::kEventKindBytes];
            char name[schema::kEventNameBytes];
            double value;
        };
        const h5::Id t = h5::type_id(h5::check(H5Tcreate(H5T_COMPOUND, sizeof(Row)), "event type"));
        const h5::Id kind = h5::type_id(h5::check(H5Tcopy(H5T_C_S1), "event type"));
        h5::check(H5Tset_size(kind, schema::kEventKindBytes), "event type");
        h5::check(H5Tset_cset(kind, H5T_CSET_UTF8), "event type");
        const h5::Id name = h5::type_id(h5::check(H5Tcopy(H5T_C_S1), "event type"));
        h5::check(H5Tset_size(name, schema::kEventNameBytes), "event type");
        h5::check(H5Tset_cset(name, H5T_CSET_UTF8), "event type");
        h5::check(H5Tinsert(t, "step", HOFFSET(Row, step), H5T_NATIVE_INT64), "event type");
        h5::check(H5Tinsert(t, "kind", HOFFSET(Row, kind), kind), "event type");
        h5::check(H5Tinsert(t, "name", HOFFSET(Row, name), name), "event type");
        h5::check(H5Tinsert(t, "value", HOFFSET(Row, value), H5T_NATIVE_DOUBLE), "event type");
        std::vector<Row> rows(dims[0]);
        h5::check(H5Dread(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, rows.data()), "cannot read /events");
        for (const Row& r : rows)
            if (r.step <= last_step()) // later rows belong to a step not committed
                out.push_back({r.step, std::string(r.kind, strnlen(r.kind, sizeof r.kind)),
                               std::string(r.name, strnlen(r.name, sizeof r.name)), r.value});
        return out;
    });
}

} // namespace icsim
