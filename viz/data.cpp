#include "viz/data.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>

#include <nlohmann/json.hpp>
#include <toml++/toml.h>

namespace icsim::viz {

namespace {

constexpr FieldInfo kFieldInfo[kFields] = {
    {"tolerance", "tolerance (min. same-group share wanted)", "1"},
    {"language", "language proficiency", "1"},
    {"skill", "labour-market skill", "1"},
    {"prejudice", "prejudice towards out-groups", "1"},
    {"placed", "share with a workplace or school", "share of residents"},
    {"rumour_belief", "share believing a rumour", "share of residents"},
};

std::string attr_text(hid_t obj, const std::string& name) {
    const h5::Id a = h5::attr_id(h5::check(H5Aopen(obj, name.c_str(), H5P_DEFAULT), "attribute " + name));
    const h5::Id t = h5::type_id(h5::check(H5Aget_type(a), "attribute " + name));
    switch (H5Tget_class(t)) {
    case H5T_STRING:
        // Accepts variable- and fixed-length strings (h5::read_attr_string).
        return h5::read_attr_string(obj, name);
    case H5T_INTEGER:
        if (H5Tget_sign(t) == H5T_SGN_NONE)
            return std::to_string(h5::read_attr<uint64_t>(obj, name));
        return std::to_string(h5::read_attr<int64_t>(obj, name));
    case H5T_FLOAT: {
        std::ostringstream s;
        s << h5::read_attr<double>(obj, name);
        return s.str();
    }
    default:
        return "";
    }
}

} // namespace

const FieldInfo& field_info(Field f) {
    return kFieldInfo[size_t(f)];
}

bool field_by_name(const std::string& name, Field& out) {
    for (size_t k = 0; k < kFields; ++k)
        if (name == kFieldInfo[k].name) {
            out = Field(k);
            return true;
        }
    return false;
}

Run::Run(const std::string& path) : path_(path), file_(path) {
    guard_read(path_, [&] {
        schema_version = file_.schema_version();
        const hid_t f = file_.file();
        {
            const h5::Id m = h5::open_group(f, "/metadata");
            std::vector<std::string> names;
            hsize_t idx = 0;
            h5::check(H5Aiterate2(
                          m, H5_INDEX_NAME, H5_ITER_INC, &idx,
                          [](hid_t, const char* name, const H5A_info_t*, void* out) -> herr_t {
                              static_cast<std::vector<std::string>*>(out)->emplace_back(name);
                              return 0;
                          },
                          &names),
                      "listing /metadata");
            for (const auto& name : names)
                meta[name] = attr_text(m, name);
        }
        complete = file_.complete();
        const auto c = file_.city();
        width = c.width;
        height = c.height;
        capacity = c.capacity;
        torus = c.torus;
        if (width <= 0 || height <= 0)
            throw OutputFormatError(path_ + ": damaged or not an icsim output file (/city has no cells)");
        neighbourhood = c.neighbourhood;
        group_names = file_.group_names();
        hood_names = file_.neighbourhood_names();
        lever_names = file_.lever_names();
        for (uint16_t h : neighbourhood)
            if (h >= hood_names.size())
                throw OutputFormatError(path_ + ": damaged or not an icsim output file (/city/neighbourhood "
                                                "names a neighbourhood beyond /neighbourhoods/names)");
        if (h5::exists(f, "/city/places/kind")) {
            const auto kinds = h5::read_strings(f, "/city/places/kind");
            const h5::Id dx = h5::open_dataset(f, "/city/places/x");
            const h5::Id dy = h5::open_dataset(f, "/city/places/y");
            const auto xs = h5::read_rows<int64_t>(dx, 0, kinds.size());
            const auto ys = h5::read_rows<int64_t>(dy, 0, kinds.size());
            for (size_t k = 0; k < kinds.size(); ++k)
                places.push_back({kinds[k], int(xs[k]), int(ys[k])});
        }
        steps = file_.steps();
        const uint64_t rows = file_.rows();
        for (const auto& d : file_.series()) {
            Series s;
            s.path = d.path;
            s.name = d.path.substr(d.path.rfind('/') + 1);
            s.description = d.description;
            s.units = d.units;
            s.dims = d.dims;
            s.columns = d.columns;
            s.width = std::max<size_t>(1, d.columns.size());
            s.values = rows == 0 ? std::vector<double>() : file_.read_series(d.path, 0, rows);
            series.push_back(std::move(s));
        }
        // Only snapshots at committed steps count (a killed writer's file).
        for (int64_t s : file_.snapshot_steps())
            if (s <= last_step())
                snapshot_steps.push_back(s);
        for (auto& e : file_.events())
            if (e.step <= last_step())
                events.push_back(std::move(e));
        // Keep about 512 MB of aggregates, budgeted for the group mix and
        // two fields per snapshot (5 MB for the 1M-resident city).
        const size_t per = cells() * (2 + 2 * group_names.size() + 4 * 2);
        cache_capacity_ = std::clamp<size_t>((size_t(512) << 20) / std::max<size_t>(per, 1), 2, 4096);
        return 0;
    });
}

const Series* Run::find(const std::string& path_or_name) const {
    for (const auto& s : series)
        if (s.path == path_or_name || s.name == path_or_name)
            return &s;
    return nullptr;
}

int Run::snapshot_for(int64_t step) const {
    int k = -1;
    for (size_t i = 0; i < snapshot_steps.size(); ++i)
        if (snapshot_steps[i] <= step)
            k = int(i);
    return k;
}

template <class T>
std::vector<T> Run::column(size_t k, const std::string& name, int64_t n) const {
    const hid_t f = file_.file();
    if (!h5::exists(f, "/snapshots/" + name) || !h5::exists(f, "/snapshots/offset/" + name))
        return {};
    const h5::Id off = h5::open_dataset(f, "/snapshots/offset/" + name);
    const auto o = h5::read_rows<int64_t>(off, hsize_t(k), 1);
    if (o[0] < 0)
        throw OutputFormatError(path_ + ": damaged (/snapshots/offset/" + name + " is negative)");
    const h5::Id d = h5::open_dataset(f, "/snapshots/" + name);
    return h5::read_rows<T>(d, hsize_t(o[0]), hsize_t(n));
}

void Run::add_field(CellAggregate& a, Field f) const {
    // The cell column is read again rather than kept: aggregates stay small
    // (a few bytes per cell), so many snapshots fit in memory.
    const auto cell = column<uint32_t>(a.snapshot, "cell", a.residents);
    const size_t cells_n = cells(), n = cell.size();
    // (One extra entry collects the vacant slots, cell 4294967295: sim/world.hpp.)
    std::vector<double> sum(cells_n + 1, 0.0);
    const std::string name = field_info(f).name;
    if (f == Field::Placed) {
        const auto w = column<uint32_t>(a.snapshot, "workplace", a.residents);
        for (size_t r = 0; r < n && r < w.size(); ++r)
            sum[std::min<size_t>(cell[r], cells_n)] += w[r] != kNoPlace ? 1.0 : 0.0;
    } else if (f == Field::RumourBelief) {
        // Believing: spreader (1) or stifler (2) of any rumour.
        const auto rm = column<uint8_t>(a.snapshot, "rumour", a.residents);
        for (size_t r = 0; r < n && r < rm.size(); ++r) {
            bool believes = false;
            for (int b = 0; b < 4; ++b) {
                const int st = (rm[r] >> (2 * b)) & 3;
                believes = believes || st == 1 || st == 2;
            }
            sum[std::min<size_t>(cell[r], cells_n)] += believes ? 1.0 : 0.0;
        }
    } else {
        const auto v = column<float>(a.snapshot, name, a.residents);
        if (v.size() != n)
            throw OutputFormatError(path_ + ": damaged (/snapshots/" + name + " is missing or short)");
        for (size_t r = 0; r < n; ++r)
            sum[std::min<size_t>(cell[r], cells_n)] += double(v[r]);
    }
    auto& m = a.mean[size_t(f)];
    m.resize(cells_n);
    for (size_t i = 0; i < cells_n; ++i)
        m[i] = a.count[i] == 0 ? std::numeric_limits<float>::quiet_NaN() : float(sum[i] / double(a.count[i]));
}

std::shared_ptr<const CellAggregate> Run::aggregate(size_t k, size_t field) const {
    return guard_read(path_, [&]() -> std::shared_ptr<const CellAggregate> {
        for (auto it = cache_.begin(); it != cache_.end(); ++it)
            if ((*it)->snapshot == k) {
                cache_.splice(cache_.begin(), cache_, it);
                if (field < kFields && !cache_.front()->has(Field(field)))
                    add_field(*cache_.front(), Field(field));
                return cache_.front();
            }
        if (k >= snapshot_steps.size())
            throw OutputFormatError(path_ + ": no snapshot " + std::to_string(k));
        auto a = std::make_shared<CellAggregate>();
        a->snapshot = k;
        a->step = snapshot_steps[k];
        a->groups = group_names.size();
        const h5::Id cnt = h5::open_dataset(file_.file(), "/snapshots/count");
        a->residents = h5::read_rows<int64_t>(cnt, hsize_t(k), 1)[0];
        if (a->residents < 0)
            throw OutputFormatError(path_ + ": damaged (/snapshots/count is negative)");
        const auto cell = column<uint32_t>(k, "cell", a->residents);
        const auto group = column<uint8_t>(k, "group", a->residents);
        const size_t n = size_t(a->residents), cells_n = cells(), G = a->groups;
        if (cell.size() != n || group.size() != n)
            throw OutputFormatError(path_ + ": damaged (snapshot " + std::to_string(k) +
                                    " lacks its cell or group column)");
        a->count.assign(cells_n, 0);
        a->group_count.assign(cells_n * G, 0);
        for (size_t r = 0; r < n; ++r) {
            const size_t c = cell[r];
            if (c == 0xffffffffu) // a vacant slot (a departed resident's id)
                continue;
            if (c >= cells_n)
                throw OutputFormatError(path_ + ": damaged (a snapshot's resident lives on cell " +
                                        std::to_string(c) + ", beyond the grid)");
            const size_t g = group[r] < G ? group[r] : G - 1;
            a->count[c] = uint16_t(a->count[c] + 1);
            a->group_count[c * G + g] = uint16_t(a->group_count[c * G + g] + 1);
        }
        if (field < kFields)
            add_field(*a, Field(field));
        cache_.push_front(std::move(a));
        while (cache_.size() > cache_capacity_)
            cache_.pop_back();
        return cache_.front();
    });
}

namespace {

void flatten(const toml::node& n, const std::string& prefix, std::map<std::string, std::string>& out) {
    if (const auto* t = n.as_table()) {
        for (const auto& [k, v] : *t)
            flatten(v, prefix.empty() ? std::string(k.str()) : prefix + "." + std::string(k.str()), out);
    } else if (const auto* a = n.as_array(); a != nullptr && !a->empty() && a->front().is_table()) {
        for (size_t i = 0; i < a->size(); ++i)
            flatten(*a->get(i), prefix + "[" + std::to_string(i) + "]", out);
    } else {
        std::ostringstream s;
        if (const auto* arr = n.as_array())
            s << *arr;
        else
            n.visit([&](const auto& v) {
                if constexpr (toml::is_value<decltype(v)>)
                    s << v;
            });
        out[prefix] = s.str();
    }
}

std::map<std::string, std::string> flat(const std::string& text) {
    std::map<std::string, std::string> out;
    try {
        flatten(toml::parse(text), "", out);
    } catch (const toml::parse_error&) {
        out["(scenario_toml)"] = "(not readable)";
    }
    return out;
}

} // namespace

std::vector<KeyDiff> scenario_differences(const std::string& base_toml, const std::string& variant_toml) {
    const auto a = flat(base_toml), b = flat(variant_toml);
    std::vector<KeyDiff> out;
    for (const auto& [k, v] : a) {
        const auto it = b.find(k);
        if (it == b.end())
            out.push_back({k, v, "(absent)"});
        else if (it->second != v)
            out.push_back({k, v, it->second});
    }
    for (const auto& [k, v] : b)
        if (!a.contains(k))
            out.push_back({k, "(absent)", v});
    std::sort(out.begin(), out.end(), [](const KeyDiff& x, const KeyDiff& y) { return x.key < y.key; });
    return out;
}

std::string different_city(const Run& a, const Run& b) {
    if (a.width != b.width || a.height != b.height)
        return "the cities differ: " + a.path() + " is " + std::to_string(a.width) + "x" +
               std::to_string(a.height) + " cells, " + b.path() + " is " + std::to_string(b.width) + "x" +
               std::to_string(b.height);
    if (a.capacity != b.capacity || a.torus != b.torus)
        return "the cities differ: capacity or torus of " + a.path() + " and " + b.path();
    if (a.neighbourhood != b.neighbourhood || a.hood_names != b.hood_names)
        return "the cities differ: the neighbourhoods of " + a.path() + " and " + b.path();
    if (a.group_names != b.group_names)
        return "the cities differ: the groups of " + a.path() + " and " + b.path();
    return "";
}

std::string dump_json(const Run& run, bool with_cells) {
    using nlohmann::json;
    json j;
    j["path"] = run.path();
    j["schema_version"] = run.schema_version;
    j["complete"] = run.complete;
    j["metadata"] = run.meta;
    j["city"] = {{"width", run.width},
                 {"height", run.height},
                 {"capacity", run.capacity},
                 {"torus", run.torus},
                 {"neighbourhood", run.neighbourhood}};
    j["groups"] = run.group_names;
    j["neighbourhoods"] = run.hood_names;
    j["levers"] = run.lever_names;
    json places = json::array();
    for (const auto& p : run.places)
        places.push_back({{"kind", p.kind}, {"x", p.x}, {"y", p.y}});
    j["places"] = places;
    j["steps"] = run.steps;
    json series = json::object();
    for (const auto& s : run.series) {
        json v = json::array();
        for (double x : s.values)
            v.push_back(std::isnan(x) ? json(nullptr) : json(x));
        series[s.path] = {{"units", s.units}, {"dims", s.dims}, {"columns", s.columns}, {"values", v}};
    }
    j["series"] = series;
    json events = json::array();
    for (const auto& e : run.events)
        events.push_back({{"step", e.step}, {"kind", e.kind}, {"name", e.name}, {"value", e.value}});
    j["events"] = events;
    j["snapshot_steps"] = run.snapshot_steps;
    json snaps = json::array();
    if (with_cells)
        for (size_t k = 0; k < run.snapshot_steps.size(); ++k) {
            auto a = run.aggregate(k);
            for (size_t f = 0; f < kFields; ++f)
                a = run.aggregate(k, f);
            json s = {{"step", a->step},
                      {"residents", a->residents},
                      {"count", a->count},
                      {"group_count", a->group_count}};
            for (size_t f = 0; f < kFields; ++f) {
                json v = json::array();
                for (float x : a->mean[f])
                    v.push_back(std::isnan(x) ? json(nullptr) : json(x));
                s["mean_" + std::string(field_info(Field(f)).name)] = v;
            }
            snaps.push_back(s);
        }
    j["snapshots"] = snaps;
    return j.dump();
}

} // namespace icsim::viz
