// The HDF5 output schema in code: version, paths and the description and
// units of every series. docs/hdf5-schema.md documents the same layout; the
// writer creates it, the reader checks it, tests/python/test_h5_schema.py
// reads it back with h5py.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "sim/declare.hpp"

namespace icsim::schema {

// Bump on any change a reader could notice (a path, a type, a meaning).
// Adding a series or an attribute that readers may ignore is not a change.
constexpr int32_t kVersion = 2; // 2: social state columns (workplace, contacts, ties, culture, rumour)

// What a per-step series is indexed by besides the step (sim/declare.hpp).
using icsim::Dims;

struct SeriesInfo {
    const char* path;
    Dims dims;
    const char* units;
    const char* description;
};

// Every per-step float64 series the writer creates, in file order: the
// city's own, then those the registered mechanisms declare
// (MechanismEntry::series), in registry order. The mechanisms' counters
// come on top: /timeseries/<counter>, see counter_description.
std::vector<SeriesInfo> series_table();
// How many of series_table()'s first entries are the city's own (the rest
// are declared by mechanisms).
size_t builtin_series_count();
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
// (not the tie slots); /checkpoints: every checkpointed Population column,
// in Population::for_each_column's order. Both end with the columns the
// registered mechanisms declare (sim/declare.hpp), in declaration order.
std::vector<ColumnInfo> snapshot_columns();
std::vector<ColumnInfo> checkpoint_columns();

// Event kinds in /events.
constexpr const char* kPolicyStart = "policy_start";
constexpr const char* kPolicyFull = "policy_full";
constexpr const char* kPolicyEnd = "policy_end";
constexpr size_t kEventKindBytes = 16;
constexpr size_t kEventNameBytes = 64; // longer names are cut (UTF-8 safe) to 63 bytes

} // namespace icsim::schema
