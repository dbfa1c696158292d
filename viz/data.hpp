// The viewer's data layer (no GL, no ImGui): one run read from an icsim
// output file (docs/hdf5-schema.md) through output/reader.hpp, with the
// per-cell aggregates the map colours. Everything here is testable without
// a display (`icsim-view --dump-json`).
#pragma once

#include <array>
#include <cstdint>
#include <list>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "output/reader.hpp"

namespace icsim::viz {

// One per-step series: rows x width values, row-major (width 1 for 1-D).
struct Series {
    std::string path; // "/timeseries/isolation"
    std::string name; // "isolation"
    std::string description, units, dims;
    std::vector<std::string> columns; // per-group/lever/neighbourhood names; empty for 1-D
    size_t width = 1;
    std::vector<double> values;
    double at(size_t row, size_t col = 0) const { return values[row * width + col]; }
    bool per_neighbourhood() const { return dims == "step,neighbourhood"; }
};

// Per-resident values the map can average per cell. The float columns are
// shown as they are; workplace and rumour as shares (0-1) of the cell's
// residents.
enum class Field : uint8_t { Tolerance, Language, Skill, Prejudice, Placed, RumourBelief };
constexpr size_t kFields = 6;
struct FieldInfo {
    const char* name;  // as the column, or the derived figure
    const char* label; // for the legend
    const char* units;
};
const FieldInfo& field_info(Field f);
// Field by name (the names of field_info); false if unknown.
bool field_by_name(const std::string& name, Field& out);

// Per-cell figures of one snapshot: residents per cell and group, and the
// mean of each field over the cell's residents (NaN where empty). A
// field's means are computed when first asked for (Run::aggregate), so
// the group mix needs only the cell and group columns.
struct CellAggregate {
    size_t snapshot = 0;
    int64_t step = 0;
    int64_t residents = 0;
    size_t groups = 0;
    std::vector<uint16_t> count;                  // cells
    std::vector<uint16_t> group_count;            // cells x groups
    std::array<std::vector<float>, kFields> mean; // empty until computed
    bool has(Field f) const { return !mean[size_t(f)].empty(); }
};

struct Place {
    std::string kind;
    int x = 0, y = 0;
};

class Run {
public:
    // Reads everything but the snapshots. Throws OutputFormatError
    // (missing, foreign, damaged or newer-schema file) with a one-line
    // message naming the file.
    explicit Run(const std::string& path);

    const std::string& path() const { return path_; }
    int width = 0, height = 0, capacity = 0;
    bool torus = false;
    std::vector<uint16_t> neighbourhood; // per cell, y * width + x
    std::vector<std::string> group_names, hood_names, lever_names;
    std::vector<Place> places;
    std::vector<Series> series; // /timeseries then /neighbourhoods, file order
    std::vector<int64_t> steps; // committed rows' steps
    std::vector<int64_t> snapshot_steps;
    std::vector<EventRecord> events;         // only those at committed steps
    std::map<std::string, std::string> meta; // /metadata, as text
    int32_t schema_version = 0;
    bool complete = false;

    size_t cells() const { return size_t(width) * size_t(height); }
    int64_t last_step() const { return steps.empty() ? -1 : steps.back(); }
    const Series* find(const std::string& path_or_name) const;
    // Index of the last snapshot at or before `step`; -1 if none.
    int snapshot_for(int64_t step) const;
    // Per-cell figures of snapshot k (with `field`'s means unless
    // kFields), cached (the most recent, within a memory budget). Throws
    // OutputFormatError on a damaged snapshot.
    std::shared_ptr<const CellAggregate> aggregate(size_t k, size_t field = kFields) const;
    // Raw columns of snapshot k (for listing a cell's residents).
    ResidentColumns residents(size_t k) const { return file_.read_snapshot(k); }
    // The cached aggregates, handed from one reading of a growing file to
    // the next (a listed snapshot never changes).
    using Cache = std::list<std::shared_ptr<CellAggregate>>;
    Cache take_cache() const { return std::move(cache_); }
    void adopt_cache(Cache c) const { cache_ = std::move(c); }
    // Number of aggregates the cache keeps.
    size_t cache_capacity() const { return cache_capacity_; }

private:
    std::string path_;
    RunFile file_;
    size_t cache_capacity_ = 8;
    template <class T>
    std::vector<T> column(size_t k, const std::string& name, int64_t n) const; // empty if absent
    void add_field(CellAggregate& a, Field f) const;
    mutable std::list<std::shared_ptr<CellAggregate>> cache_; // most recent first
};

// Scenario keys whose values differ between two resolved scenario texts
// (the /metadata scenario_toml of two runs), flattened as "city.width" or
// "policies[0].start", each with both values ("(absent)" where missing).
struct KeyDiff {
    std::string key, base, variant;
};
std::vector<KeyDiff> scenario_differences(const std::string& base_toml, const std::string& variant_toml);

// Empty if the two runs have the same city (grid, capacity, torus,
// neighbourhoods and groups), else why not (one line).
std::string different_city(const Run& base, const Run& variant);

// The run as JSON (for tests against h5py): metadata, city, places, series,
// events, snapshot steps, and for each snapshot its count and per-cell
// figures.
std::string dump_json(const Run& run, bool with_cells);

} // namespace icsim::viz
