// The HDF5 run writer (docs/hdf5-schema.md). It streams: every dataset is
// created up front, then rows are appended and flushed as the run goes (at
// most a second's worth of series rows is held back), so nothing
// accumulates in memory and a reader (h5py, the viewer) can follow the file
// while it grows (HDF5 SWMR).
//
// Commit order, which makes a file left by a killed writer trustworthy:
//  1. the series rows and events of the steps since the last commit, each
//     dataset flushed (a commit happens at least once a second, before
//     every snapshot and checkpoint, and at the end);
//  2. their rows of /timeseries/step, flushed: the steps are committed;
//  3. a snapshot's columns, offsets and count, flushed; then its
//     /snapshots/steps entry (the snapshot is committed);
//  4. the same for a checkpoint.
// A reader trusts series rows below the length of /timeseries/step and the
// snapshots and checkpoints listed in their `steps`; a listed checkpoint's
// step is always committed.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "sim/mechanism.hpp"
#include "sim/policy.hpp"
#include "sim/world.hpp"

namespace icsim {

class RunFile;

// What /metadata records about a run.
struct RunInfo {
    std::string icsim_version;
    std::string scenario_name;
    std::string scenario_toml; // the resolved scenario (ScenarioConfig::resolved_toml)
    std::string scenario_file; // the file it came from ("" = built in)
    std::string command_line;
    std::string forked_from;  // "FILE:STEP" for a fork, else ""
    std::string resumed_from; // "FILE:STEP" for a resumed run, else ""
    uint64_t seed = 0;
    uint32_t steps = 0; // the run's last step
    double step_days = 7;
    int threads = 0;
    uint32_t snapshot_every = 0;
    uint32_t checkpoint_every = 0;
};

// Rows of resident columns per chunk for a population of n (one chunk per
// snapshot up to 65,536 residents).
uint64_t column_chunk_rows(size_t n);

// Where a writer's time went, in milliseconds of wall time since it was
// created (what `icsim bench city-1m-output` reports per part).
struct WriterTimes {
    double open = 0;        // creating the file, /city and every dataset
    double metrics = 0;     // computing each step's series rows and events
    double commit = 0;      // writing and flushing series rows and events
    double snapshots = 0;   // snapshot columns: hashing, filtering, writing
    double checkpoints = 0; // checkpoint columns, the same
    double close = 0;       // the last commit and closing the file
};

class RunWriter {
public:
    // Creates `path` (replacing a file there only if `overwrite`), writes
    // /metadata, /city, the names tables, creates every dataset and starts
    // SWMR writing. `counters` are the mechanisms' counter names.
    // Throws h5::Error (the message names the file and the reason).
    RunWriter(const std::string& path, bool overwrite, const RunInfo& info, const World& world,
              const std::vector<std::string>& counters, uint64_t chunk_rows);
    ~RunWriter();
    RunWriter(const RunWriter&) = delete;
    RunWriter& operator=(const RunWriter&) = delete;

    // The state after `step` (0 = initial): series rows, the policy events of
    // the step, then the commit marker.
    // `mechanisms`: the run's mechanisms, which report their declared series
    // (output/report.hpp series_rows).
    void step(uint32_t step, const World& world, const Counters& counters, const PolicySchedule& policy,
              const MechanismList* mechanisms = nullptr);
    void snapshot(uint32_t step, const Population& pop);
    void checkpoint(uint32_t step, const Population& pop);
    // Copies steps 0..last of `source` (series rows, events, snapshots and
    // periodic checkpoints up to that step) as if they had been written
    // here. A series the source lacks is filled with NaN.
    void copy_history(const RunFile& source, uint32_t last);

    // Commits the steps written so far now (series rows, events, then the
    // commit marker) instead of within the second: a reader following the
    // file sees them at once. The file's contents are the same either way.
    void flush();
    // Closes the file; `complete` marks it finished (/metadata complete = 1).
    void close(bool complete);
    const std::string& path() const;
    const WriterTimes& times() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

} // namespace icsim
