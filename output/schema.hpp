// The HDF5 output schema in code: version, paths and the description and
// units of every series. docs/hdf5-schema.md documents the same layout; the
// writer creates it, the reader checks it, tests/python/test_h5_schema.py
// reads it back with h5py.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace icsim::schema {

// Bump on any change a reader could notice (a path, a type, a meaning).
// Adding a series or an attribute that readers may ignore is not a change.
constexpr int32_t kVersion = 2; // 2: social state columns (workplace, contacts, ties, culture, rumour)

// What a per-step series is indexed by besides the step.
enum class Dims : uint8_t {
    Step,              // (step)
    StepGroup,         // (step, group)         columns: /groups/names
    StepLever,         // (step, lever)         columns: /levers/names
    StepNeighbourhood, // (step, neighbourhood) columns: /neighbourhoods/names
};

struct SeriesInfo {
    const char* path;
    Dims dims;
    const char* units;
    const char* description;
};

// Every per-step float64 series the writer creates, in file order (the
// mechanisms' counters come on top: /timeseries/<counter>, see counter_info).
const std::vector<SeriesInfo>& series_table();
// The description of a mechanism counter's series.
std::string counter_description(const std::string& counter);
std::string dims_text(Dims d); // "step", "step,group", ...

// Resident columns of /snapshots and /checkpoints.
struct ColumnInfo {
    const char* name;
    const char* type; // "uint32", "uint8", "float32"
    const char* units;
    const char* description;
};
// /snapshots: id, then the resident columns a viewer or analysis reads
// (not the tie slots); /checkpoints: every Population column, exactly, in
// Population::for_each_column's order.
const std::vector<ColumnInfo>& snapshot_columns();
const std::vector<ColumnInfo>& checkpoint_columns();

// Event kinds in /events.
constexpr const char* kPolicyStart = "policy_start";
constexpr const char* kPolicyFull = "policy_full";
constexpr const char* kPolicyEnd = "policy_end";
constexpr size_t kEventKindBytes = 16;
constexpr size_t kEventNameBytes = 64; // longer names are cut (UTF-8 safe) to 63 bytes

} // namespace icsim::schema
