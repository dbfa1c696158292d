// `icsim compare`: scenarios on common random numbers. Every scenario runs
// on the same seeds (the same seed builds the same initial city), and each
// variant's outcomes are compared with the base's seed by seed: the paired
// difference's mean and t interval, with the unpaired (Welch) interval
// beside it to show what the pairing buys.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sweep/job.hpp"

namespace icsim::sweep {

struct CompareOptions {
    std::vector<std::string> files; // base first
    uint32_t seeds = 0;             // seeds 1..N
    std::optional<uint32_t> steps;  // run.steps for every scenario
    std::optional<double> scale;    // every city scaled as `icsim run --scale` does
    std::vector<uint32_t> at;       // steps compared; empty = the last
    std::string output;             // HDF5 file ("" = none): /compare, bands in /compare/bands/NAME/quantiles
    bool progress = true;
    double worker_timeout = 30; // under mpirun: seconds of silence after which a worker is given up
};

struct CompareRow {
    std::string variant, name; // name: a series as `icsim inspect` prints it
    uint32_t step = 0;
    double base_mean = 0, variant_mean = 0, difference = 0, ci_low = 0, ci_high = 0;
    double unpaired_low = 0, unpaired_high = 0; // Welch's interval of the same difference
    bool excludes_zero = false;
    double width_ratio() const { return (ci_high - ci_low) / (unpaired_high - unpaired_low); }
};

struct CompareResult {
    std::string base;                  // the base scenario's name
    std::vector<std::string> variants; // the variants' names
    std::vector<uint64_t> seeds;
    uint32_t steps = 0;
    std::vector<CompareRow> rows; // ranked: |difference| / half-width, largest first; no-noise rows last
    double seconds = 0, cpu_seconds = 0;
    int threads = 1;
};

// Throws SpecError for bad input (a scenario that does not load, steps
// out of range) and std::runtime_error when a run fails.
CompareResult run_compare(const CompareOptions& options);

// The pieces of run_compare, for an executor that spreads the runs over
// processes (`mpirun icsim compare`): the plan (every process builds the
// same), one run, and the table and file from every run's values.
struct ComparePlan {
    CompareOptions options;
    CompareResult result; // names, seeds and steps; no rows yet
    std::vector<uint32_t> at;
    std::vector<std::string> band_names;      // per scenario, base first
    std::vector<SeriesColumn> outcomes;       // the base's series columns
    std::vector<std::vector<long>> column_of; // per scenario and outcome: its column in that scenario, or -1
    // Run j is scenario j / seeds on seed j % seeds + 1.
    size_t runs() const { return options.files.size() * options.seeds; }
    size_t values_per_run() const { return (size_t(result.steps) + 1) * outcomes.size(); }
};
// Throws SpecError for bad input.
ComparePlan plan_compare(const CompareOptions& options);
// Run `job` on the calling thread: per step (0..steps) its outcomes' values
// (NaN where the scenario lacks the column). Throws std::runtime_error
// naming the scenario and seed when the run fails.
std::vector<double> run_compare_job(const ComparePlan& plan, size_t job);
// The progress line of `done` of `total` runs after `elapsed` seconds.
void compare_progress(size_t done, size_t total, double elapsed);
// The ranked rows from every run's values (run-major, as run_compare_job
// returns them), and the file of `options.output`.
CompareResult finish_compare(const ComparePlan& plan, const std::vector<double>& values, double seconds,
                             double cpu_seconds, int threads);

} // namespace icsim::sweep
