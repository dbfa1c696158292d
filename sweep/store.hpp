// A sweep's HDF5 file (docs/ensembles.md): /design, /runs and /results/NAME,
// every dataset created at its full size before the first run, so that
// recording a run only overwrites raw data in place (no metadata changes):
// a killed sweep leaves a readable file whose finished runs are all there.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "sweep/design.hpp"
#include "sweep/job.hpp"

namespace icsim::sweep {

enum RunStatus : int8_t { kPending = 0, kDone = 1, kFailed = 2 };
constexpr size_t kErrorBytes = 256; // /runs/error: fixed-length, cut to fit

class Store {
public:
    // Creates `path` (replacing it) with the plan's design and empty runs.
    static Store create(const std::string& path, const Plan& plan);
    // Opens an unfinished sweep for more runs; throws SpecError when its
    // design hash is not the plan's.
    static Store resume(const std::string& path, const Plan& plan);
    Store(Store&&) noexcept;
    Store& operator=(Store&&) noexcept;
    ~Store();

    std::vector<int8_t> status() const;
    void record(const Job& job, const Outcomes& outcomes, double wall_seconds);
    void flush();
    void close();

private:
    struct Impl;
    explicit Store(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

// A sweep file read back for analysis.
struct SweepData {
    std::string design; // factorial | lhs | sobol | saltelli | morris
    uint32_t replicates = 1, levels = 4;
    std::vector<std::string> parameters;
    Design unit; // the design's rows (points)
    std::vector<uint32_t> factor_levels;
    std::vector<int8_t> status; // per run
    struct Result {
        std::string name;
        std::vector<uint32_t> steps;
        std::vector<double> values; // runs x steps
    };
    std::vector<Result> results;
};
SweepData read_sweep(const std::string& path);

// Copies into `partial` (a copy of inputs[0]) every run recorded in
// inputs[1..] that `partial` lacks; returns the runs still pending.
// Throws SpecError unless every input has partial's design hash.
std::vector<size_t>
merge_sweep_files(const std::string& partial,
                  const std::vector<std::string>& inputs); // throws SpecError for a file that is not a sweep

} // namespace icsim::sweep
