// The run writer (writer.hpp): /metadata, /city, the names tables, the
// per-step series and events with their commit order, and the two column
// stores (output/column_store.hpp) for snapshots and checkpoints.
#include "output/writer.hpp"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <limits>
#include <optional>
#include <stdexcept>
#include <system_error>

#include "output/column_store.hpp"
#include "output/git_commit.hpp"
#include "output/h5.hpp"
#include "output/reader.hpp"
#include "output/report.hpp"
#include "output/schema.hpp"

namespace icsim {

uint64_t column_chunk_rows(size_t n) {
    return std::clamp<uint64_t>(uint64_t(n), 1, 65536);
}

namespace {

using h5::check;
using h5::Id;

// Series rows are committed (written, flushed, then listed in
// /timeseries/step) at least this often, and before every snapshot and
// checkpoint: a reader following the file is at most this far behind.
constexpr double kCommitSeconds = 1.0;

struct EventRow {
    int64_t step;
    char kind[schema::kEventKindBytes];
    char name[schema::kEventNameBytes];
    double value;
};

Id event_type(bool file) {
    Id t = h5::type_id(check(H5Tcreate(H5T_COMPOUND, sizeof(EventRow)), "event type"));
    Id kind = h5::type_id(check(H5Tcopy(H5T_C_S1), "event type"));
    check(H5Tset_size(kind, schema::kEventKindBytes), "event type");
    check(H5Tset_cset(kind, H5T_CSET_UTF8), "event type");
    Id name = h5::type_id(check(H5Tcopy(H5T_C_S1), "event type"));
    check(H5Tset_size(name, schema::kEventNameBytes), "event type");
    check(H5Tset_cset(name, H5T_CSET_UTF8), "event type");
    check(H5Tinsert(t, "step", HOFFSET(EventRow, step), file ? H5T_STD_I64LE : H5T_NATIVE_INT64),
          "event type");
    check(H5Tinsert(t, "kind", HOFFSET(EventRow, kind), kind), "event type");
    check(H5Tinsert(t, "name", HOFFSET(EventRow, name), name), "event type");
    check(H5Tinsert(t, "value", HOFFSET(EventRow, value), file ? H5T_IEEE_F64LE : H5T_NATIVE_DOUBLE),
          "event type");
    return t;
}

// Copies `text` into a fixed field, cut at a UTF-8 character boundary so
// that at least one NUL ends it.
template <size_t N>
void set_field(char (&field)[N], const std::string& text) {
    std::memset(field, 0, N);
    size_t n = std::min(text.size(), N - 1);
    while (n > 0 && n < text.size() && (uint8_t(text[n]) & 0xC0) == 0x80)
        --n;
    std::memcpy(field, text.data(), n);
}

EventRow event(int64_t step, const char* kind, const std::string& name, double value) {
    EventRow r{};
    r.step = step;
    set_field(r.kind, kind);
    set_field(r.name, name);
    r.value = value;
    return r;
}

std::string utc_now() {
    const std::time_t t = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

} // namespace

// Adds the wall time of its scope to `total` (milliseconds).
class ScopeTimer {
public:
    explicit ScopeTimer(double& total) : total_(total), start_(std::chrono::steady_clock::now()) {}
    ~ScopeTimer() {
        total_ +=
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start_).count();
    }
    ScopeTimer(const ScopeTimer&) = delete;
    ScopeTimer& operator=(const ScopeTimer&) = delete;

private:
    double& total_;
    std::chrono::steady_clock::time_point start_;
};

struct RunWriter::Impl {
    std::string path;
    Id file;
    size_t groups = 0, hoods = 0;
    std::vector<std::string> counter_names;
    double step_days = 7;
    // Per-step series in file order.
    struct Series {
        h5::Appender data;
        std::string path;
        std::vector<double> pending; // rows not yet written
    };
    std::vector<Series> series;
    h5::Appender step_marker;
    h5::Appender events;
    std::vector<EventRow> pending_events;
    std::vector<int64_t> pending_steps;
    std::chrono::steady_clock::time_point last_commit = std::chrono::steady_clock::now();
    Id event_mem_type;
    ColumnStore snapshots, checkpoints;
    std::vector<uint32_t> ids; // 0..n-1 for the id column
    bool closed = false;
    WriterTimes times;

    std::vector<double>& series_at(size_t k) { return series[k].pending; }

    // Writes the pending rows of every series and the events, flushes them,
    // then the pending steps' rows of the commit marker /timeseries/step.
    void commit() {
        if (pending_steps.empty())
            return;
        for (auto& s : series) {
            s.data.append(s.pending);
            s.pending.clear();
        }
        if (!pending_events.empty())
            events.append(pending_events.data(), pending_events.size(), event_mem_type);
        pending_events.clear();
        for (auto& s : series)
            s.data.flush();
        events.flush();
        step_marker.append(pending_steps);
        step_marker.flush();
        pending_steps.clear();
        last_commit = std::chrono::steady_clock::now();
    }

    void write_city(const World& w) {
        const Id city = h5::create_group(file, "/city");
        h5::write_attr_string(city, "description", "the static layout of the city");
        h5::write_attr<int32_t>(city, "width", w.grid.width);
        h5::write_attr<int32_t>(city, "height", w.grid.height);
        h5::write_attr<int32_t>(city, "capacity", w.grid.capacity);
        h5::write_attr<int32_t>(city, "torus", w.grid.torus ? 1 : 0);
        {
            const hsize_t dims[2] = {hsize_t(w.grid.height), hsize_t(w.grid.width)};
            const hsize_t chunk[2] = {std::min<hsize_t>(dims[0], 64), std::max<hsize_t>(dims[1], 1)};
            const Id space = h5::space_id(check(H5Screate_simple(2, dims, nullptr), "dataspace"));
            const Id dcpl = h5::plist_id(check(H5Pcreate(H5P_DATASET_CREATE), "dataset properties"));
            if (dims[0] > 0 && dims[1] > 0) {
                check(H5Pset_chunk(dcpl, 2, chunk), "chunking");
                check(H5Pset_shuffle(dcpl), "shuffle");
                check(H5Pset_deflate(dcpl, 4), "deflate");
            }
            const Id d = h5::dataset_id(
                check(H5Dcreate2(city, "neighbourhood", H5T_STD_U16LE, space, H5P_DEFAULT, dcpl, H5P_DEFAULT),
                      "cannot create /city/neighbourhood"));
            check(H5Dwrite(d, H5T_NATIVE_UINT16, H5S_ALL, H5S_ALL, H5P_DEFAULT, w.hoods.of_cell.data()),
                  "cannot write /city/neighbourhood");
            h5::write_attr_string(d, "description",
                                  "neighbourhood index (into /neighbourhoods/names) of each cell, [y, x]");
        }
        const Id places = h5::create_group(city, "places");
        h5::write_attr_string(places, "description", "places (workplaces, schools, ...), one row each");
        std::vector<std::string> kind, spec;
        std::vector<uint32_t> cell;
        std::vector<int32_t> x, y, capacity;
        static const char* kinds[] = {"workplace", "school", "public_space", "community_centre"};
        for (const Place& p : w.places) {
            kind.emplace_back(kinds[size_t(p.kind)]);
            spec.emplace_back(std::to_string(p.spec));
            cell.push_back(p.cell);
            x.push_back(w.grid.x_of(p.cell));
            y.push_back(w.grid.y_of(p.cell));
            capacity.push_back(p.capacity);
        }
        h5::write_strings(places, "kind", kind);
        auto plain = [&](const char* name, hid_t ftype, hid_t mtype, const void* data, size_t n) {
            const hsize_t dims = n;
            const Id space = h5::space_id(check(H5Screate_simple(1, &dims, nullptr), "dataspace"));
            const Id d = h5::dataset_id(
                check(H5Dcreate2(places, name, ftype, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                      std::string("cannot create /city/places/") + name));
            if (n > 0)
                check(H5Dwrite(d, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, data),
                      std::string("cannot write /city/places/") + name);
        };
        plain("cell", H5T_STD_U32LE, H5T_NATIVE_UINT32, cell.data(), cell.size());
        plain("x", H5T_STD_I32LE, H5T_NATIVE_INT32, x.data(), x.size());
        plain("y", H5T_STD_I32LE, H5T_NATIVE_INT32, y.data(), y.size());
        plain("capacity", H5T_STD_I32LE, H5T_NATIVE_INT32, capacity.data(), capacity.size());
        std::vector<uint16_t> spec_index;
        for (const Place& p : w.places)
            spec_index.push_back(p.spec);
        plain("spec", H5T_STD_U16LE, H5T_NATIVE_UINT16, spec_index.data(), spec_index.size());
    }

    void add_series(hid_t group_loc, const std::string& series_path, const std::string& local, hsize_t width,
                    const std::string& dims, const std::string& units, const std::string& description) {
        Series s;
        s.path = series_path;
        s.data = h5::Appender(group_loc, local, H5T_IEEE_F64LE, width, width == 0 ? 1024 : 256);
        h5::write_attr_string(s.data.id(), "description", description);
        h5::write_attr_string(s.data.id(), "units", units);
        h5::write_attr_string(s.data.id(), "dims", dims);
        series.push_back(std::move(s));
    }
};

RunWriter::RunWriter(const std::string& path, bool overwrite, const RunInfo& info, const World& world,
                     const std::vector<std::string>& counters, uint64_t chunk_rows)
    : impl_(std::make_unique<Impl>()) {
    h5::init();
    Impl& m = *impl_;
    const ScopeTimer timer(m.times.open);
    m.path = path;
    m.groups = size_t(world.group_total());
    m.hoods = size_t(world.hoods.count());
    m.counter_names = counters;
    m.step_days = info.step_days;
    const Id fapl = h5::plist_id(check(H5Pcreate(H5P_FILE_ACCESS), "file access properties"));
    check(H5Pset_libver_bounds(fapl, H5F_LIBVER_LATEST, H5F_LIBVER_LATEST), "file format");
    m.file = h5::file_id(
        check(H5Fcreate(path.c_str(), overwrite ? H5F_ACC_TRUNC : H5F_ACC_EXCL, H5P_DEFAULT, fapl),
              "cannot create " + path));

    const Id meta = h5::create_group(m.file, "/metadata");
    h5::write_attr<int32_t>(meta, "schema_version", schema::kVersion);
    h5::write_attr_string(meta, "icsim_version", info.icsim_version);
    h5::write_attr_string(meta, "git_commit", ICSIM_GIT_COMMIT);
    h5::write_attr_string(meta, "scenario_name", info.scenario_name);
    h5::write_attr_string(meta, "scenario_toml", info.scenario_toml);
    h5::write_attr_string(meta, "scenario_file", info.scenario_file);
    h5::write_attr<uint64_t>(meta, "seed", info.seed);
    h5::write_attr<uint32_t>(meta, "steps", info.steps);
    h5::write_attr<double>(meta, "step_days", info.step_days);
    h5::write_attr<int32_t>(meta, "threads", info.threads);
    h5::write_attr<uint32_t>(meta, "snapshot_every", info.snapshot_every);
    h5::write_attr<uint32_t>(meta, "checkpoint_every", info.checkpoint_every);
    h5::write_attr_string(meta, "created_utc", utc_now());
    h5::write_attr_string(meta, "command_line", info.command_line);
    h5::write_attr_string(meta, "forked_from", info.forked_from);
    h5::write_attr_string(meta, "resumed_from", info.resumed_from);
    h5::write_attr<int32_t>(meta, "complete", 0);

    {
        const Id g = h5::create_group(m.file, "/groups");
        std::vector<std::string> names;
        for (const auto& gs : world.groups)
            names.push_back(gs.name);
        h5::write_strings(g, "names", names);
    }
    {
        const Id g = h5::create_group(m.file, "/levers");
        std::vector<std::string> names;
        for (const auto& l : lever_table())
            names.emplace_back(l.name);
        h5::write_strings(g, "names", names);
    }
    m.write_city(world);

    // Series groups keep creation order, so readers list series in file order.
    const Id gcpl = h5::plist_id(check(H5Pcreate(H5P_GROUP_CREATE), "group properties"));
    check(H5Pset_link_creation_order(gcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED),
          "group properties");
    const Id ts = h5::group_id(check(H5Gcreate2(m.file, "/timeseries", H5P_DEFAULT, gcpl, H5P_DEFAULT),
                                     "cannot create /timeseries"));
    const Id nh = h5::group_id(check(H5Gcreate2(m.file, "/neighbourhoods", H5P_DEFAULT, gcpl, H5P_DEFAULT),
                                     "cannot create /neighbourhoods"));
    m.step_marker = h5::Appender(ts, "step", H5T_STD_I64LE, 0, 1024);
    h5::write_attr_string(m.step_marker.id(), "description",
                          "step of each row (0 = initial state); its length is the number of committed rows");
    h5::write_attr_string(m.step_marker.id(), "units", "step");
    h5::write_attr_string(m.step_marker.id(), "dims", "step");
    {
        std::vector<std::string> names = world.hoods.names;
        h5::write_strings(nh, "names", names);
    }
    for (const auto& s : schema::series_table()) {
        const std::string spath = s.path;
        const bool in_hoods = spath.rfind("/neighbourhoods/", 0) == 0;
        const std::string local = spath.substr(spath.rfind('/') + 1);
        const hsize_t width = s.dims == schema::Dims::Step        ? 0
                              : s.dims == schema::Dims::StepGroup ? hsize_t(m.groups)
                              : s.dims == schema::Dims::StepLever ? hsize_t(kLeverCount)
                                                                  : hsize_t(m.hoods);
        m.add_series(in_hoods ? nh.get() : ts.get(), spath, local, width, schema::dims_text(s.dims), s.units,
                     s.description);
    }
    for (const auto& c : counters) {
        std::string local = c;
        std::replace(local.begin(), local.end(), '/', '_');
        std::replace(local.begin(), local.end(), '.', '_');
        while (local.empty() || local == "step" || local == "names" ||
               std::any_of(m.series.begin(), m.series.end(),
                           [&](const Impl::Series& s) { return s.path == "/timeseries/" + local; }))
            local = "counter_" + local;
        m.add_series(ts, "/timeseries/" + local, local, 0, "step", "per step",
                     schema::counter_description(c));
    }
    m.event_mem_type = event_type(false);
    {
        const Id ft = event_type(true);
        m.events = h5::Appender(m.file, "/events", ft, 0, 64);
        h5::write_attr_string(
            m.events.id(), "description",
            "discrete events: policy_start, policy_full (end of its ramp), policy_end; value = "
            "the policy's strength at the step");
    }
    m.snapshots =
        ColumnStore(m.file, "/snapshots", schema::snapshot_columns(), chunk_rows, true,
                    "resident state every output.snapshot_every steps; entry k's residents are rows "
                    "offset/<column>[k] .. + count[k] of each column");
    m.checkpoints = ColumnStore(m.file, "/checkpoints", schema::checkpoint_columns(), chunk_rows, false,
                                "the full engine state every output.checkpoint_every steps (and at an "
                                "interruption): with /metadata scenario_toml it restarts the run exactly");
    m.checkpoints.set_donor(&m.snapshots);
    check(H5Fstart_swmr_write(m.file), "cannot start SWMR writing to " + path);
}

RunWriter::~RunWriter() {
    if (impl_ && !impl_->closed) {
        // An error path: release everything, ignoring further errors.
        try {
            impl_->closed = true;
            impl_->series.clear();
            impl_->step_marker = h5::Appender();
            impl_->events = h5::Appender();
            impl_->snapshots = ColumnStore();
            impl_->checkpoints = ColumnStore();
            impl_->file.reset();
        } catch (...) {
        }
        H5Eclear2(H5E_DEFAULT);
    }
}

const std::string& RunWriter::path() const {
    return impl_->path;
}

const WriterTimes& RunWriter::times() const {
    return impl_->times;
}

void RunWriter::step(uint32_t s, const World& w, const Counters& counters, const PolicySchedule& policy,
                     const MechanismList* mechanisms) {
    Impl& m = *impl_;
    std::optional<ScopeTimer> timer(std::in_place, m.times.metrics);
    size_t k = 0;
    // The rows of schema::series_table() (output/report.cpp), then the counters.
    for (const std::vector<double>& r : series_rows(w, policy, s, m.step_days, mechanisms)) {
        auto& p = m.series_at(k++);
        p.insert(p.end(), r.begin(), r.end());
    }
    auto scalar = [&](double v) { m.series_at(k++).push_back(v); };
    for (size_t c = 0; c < m.counter_names.size(); ++c) {
        double v = 0; // no step computed yet at step 0
        if (s > 0) {
            if (c >= counters.size() || counters[c].first != m.counter_names[c])
                throw std::logic_error("RunWriter::step: the mechanisms' counters changed");
            v = counters[c].second;
        }
        scalar(v);
    }
    if (k != m.series.size())
        throw std::logic_error("RunWriter::step: series table and rows disagree");
    std::vector<EventRow> ev;
    for (const PolicySpec& p : policy.policies()) {
        const double strength = PolicySchedule::strength(p, s);
        if (s == p.start)
            ev.push_back(event(s, schema::kPolicyStart, p.name, strength));
        if (p.ramp > 1 && uint64_t(s) == uint64_t(p.start) + p.ramp - 1 && s < p.end)
            ev.push_back(event(s, schema::kPolicyFull, p.name, strength));
        if (p.end != std::numeric_limits<uint32_t>::max() && s == p.end)
            ev.push_back(event(s, schema::kPolicyEnd, p.name, strength));
    }
    m.pending_events.insert(m.pending_events.end(), ev.begin(), ev.end());
    m.pending_steps.push_back(int64_t(s));
    timer.emplace(m.times.commit);
    if (std::chrono::steady_clock::now() - m.last_commit >= std::chrono::duration<double>(kCommitSeconds))
        m.commit();
}

void RunWriter::snapshot(uint32_t step, const Population& pop) {
    Impl& m = *impl_;
    {
        const ScopeTimer timer(m.times.commit);
        m.commit();
    }
    const ScopeTimer timer(m.times.snapshots);
    if (m.ids.size() != pop.size()) {
        m.ids.resize(pop.size());
        for (size_t r = 0; r < pop.size(); ++r)
            m.ids[r] = uint32_t(r);
    }
    m.snapshots.append(step, pop, &m.ids);
}

void RunWriter::flush() {
    const ScopeTimer timer(impl_->times.commit);
    impl_->commit();
}

void RunWriter::checkpoint(uint32_t step, const Population& pop) {
    {
        const ScopeTimer timer(impl_->times.commit);
        impl_->commit();
    }
    const ScopeTimer timer(impl_->times.checkpoints);
    impl_->checkpoints.append(step, pop, nullptr);
}

void RunWriter::copy_history(const RunFile& source, uint32_t last) {
    Impl& m = *impl_;
    if (source.rows() <= last)
        throw OutputFormatError(source.path() + ": holds steps 0-" + std::to_string(source.last_step()) +
                                ", not step " + std::to_string(last));
    const hsize_t rows = hsize_t(last) + 1;
    for (auto& s : m.series) {
        const hsize_t width = s.data.width();
        std::vector<double> values;
        bool found = false;
        if (h5::exists(source.file(), s.path)) {
            const Id d = h5::open_dataset(source.file(), s.path);
            const auto dims = h5::shape(d);
            found = (width == 0 && dims.size() == 1) || (width > 0 && dims.size() == 2 && dims[1] == width);
        }
        if (found)
            values = source.read_series(s.path, 0, rows);
        else
            values.assign(size_t(rows * std::max<hsize_t>(width, 1)),
                          std::numeric_limits<double>::quiet_NaN());
        s.pending = std::move(values);
    }
    for (const auto& e : source.events())
        if (e.step <= int64_t(last))
            m.pending_events.push_back(event(e.step, e.kind.c_str(), e.name, e.value));
    for (hsize_t k = 0; k < rows; ++k)
        m.pending_steps.push_back(int64_t(k));
    m.commit();
    const auto snaps = source.snapshot_steps();
    for (size_t k = 0; k < snaps.size(); ++k)
        if (snaps[k] <= int64_t(last)) {
            const ResidentColumns c = source.read_snapshot(k);
            m.snapshots.append(snaps[k], c.pop, &c.id);
        }
    // Only the periodic checkpoints: one written at an interruption served
    // its purpose (restarting), and an uninterrupted run has none there.
    const uint32_t every = source.checkpoint_every();
    const auto cps = source.checkpoint_steps();
    for (size_t k = 0; k < cps.size(); ++k)
        if (cps[k] <= int64_t(last) && every > 0 && cps[k] % every == 0)
            m.checkpoints.append(cps[k], source.read_checkpoint(k).pop, nullptr);
}

void RunWriter::close(bool complete) {
    Impl& m = *impl_;
    const ScopeTimer timer(m.times.close);
    m.commit();
    m.closed = true;
    for (auto& s : m.series)
        s.data = h5::Appender();
    m.series.clear();
    m.step_marker = h5::Appender();
    m.events = h5::Appender();
    m.snapshots.close();
    m.checkpoints.close();
    m.file.close("cannot close " + m.path);
    if (!complete)
        return;
    // SWMR forbids changing attributes while writing: mark completion after.
    const Id fapl = h5::plist_id(check(H5Pcreate(H5P_FILE_ACCESS), "file access properties"));
    check(H5Pset_libver_bounds(fapl, H5F_LIBVER_LATEST, H5F_LIBVER_LATEST), "file format");
    Id f = h5::file_id(check(H5Fopen(m.path.c_str(), H5F_ACC_RDWR, fapl), "cannot reopen " + m.path));
    {
        const Id meta = h5::open_group(f, "/metadata");
        h5::update_attr<int32_t>(meta, "complete", 1);
    }
    f.close("cannot close " + m.path);
}

} // namespace icsim
