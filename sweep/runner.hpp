// Running a sweep: every pending run of a plan in parallel (oneTBB, one
// thread per run), each recorded in the sweep's file as it finishes.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "sweep/job.hpp"

namespace icsim::sweep {

struct SweepOptions {
    std::string output;                  // the finished file; runs go to OUTPUT.partial until every run is in
    bool resume = false;                 // continue OUTPUT.partial (its design hash must match)
    uint32_t shard = 1, shard_count = 1; // run only the runs r with r % shard_count = shard - 1
    bool progress = true;                // a progress line on stderr
    std::function<bool()> stop;          // polled before each run: true = hand out no more runs
    double worker_timeout = 30;          // under mpirun: seconds of silence after which a worker is given up
};

struct SweepSummary {
    size_t runs = 0, done_before = 0, ran = 0, failed = 0; // runs: this shard's
    double seconds = 0, cpu_seconds = 0;
    int threads = 1;
    bool interrupted = false;
    std::string partial; // the unfinished file, when interrupted
};

// One sweep's file and bookkeeping, for an executor: opens OUTPUT.partial
// (new, or resumed), lists the runs still to do (of this shard), records
// finished runs (the caller serialises calls) with the progress line, and
// at the end renames the file when every run is in. Throws SpecError for
// bad input (an existing file, a resume that does not match) and h5::Error
// for I/O failures.
class SweepSession {
public:
    SweepSession(const Plan& plan, const SweepOptions& options, int workers);
    ~SweepSession();
    const std::vector<size_t>& pending() const;
    void record(const Job& job, const Outcomes& outcomes, double wall_seconds);
    SweepSummary finish();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// run_job on one thread of its own (a city's steps do not spread over the
// cores: the runs do).
Outcomes run_one(const Plan& plan, const Job& job);

// The pending runs on this process's cores (oneTBB), one thread a run.
SweepSummary run_sweep(const Plan& plan, const SweepOptions& options);

// `icsim merge`: the shards of one sweep (files of `--shard K/N` runs, or
// any partial files of the same design) into one file: every recorded run
// of each input, the first input's record where several hold one. Written
// to OUTPUT.partial; renamed to OUTPUT when every run is in. Returns the
// runs still missing (then OUTPUT.partial stays, for `icsim sweep
// --resume`). Throws SpecError for inputs that are not shards of one design.
std::vector<size_t> merge_sweeps(const std::string& output, const std::vector<std::string>& inputs);

} // namespace icsim::sweep
