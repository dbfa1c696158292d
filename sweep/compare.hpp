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

namespace icsim::sweep {

struct CompareOptions {
    std::vector<std::string> files; // base first
    uint32_t seeds = 0;             // seeds 1..N
    std::optional<uint32_t> steps;  // run.steps for every scenario
    std::optional<double> scale;    // every city scaled as `icsim run --scale` does
    std::vector<uint32_t> at;       // steps compared; empty = the last
    std::string output;             // HDF5 file ("" = none): /compare, bands in /compare/bands/NAME/quantiles
    bool progress = true;
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

} // namespace icsim::sweep
