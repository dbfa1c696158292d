// Running a sweep: every pending run of a plan in parallel (oneTBB, one
// thread per run), each recorded in the sweep's file as it finishes.
#pragma once

#include <functional>
#include <string>

#include "sweep/job.hpp"

namespace icsim::sweep {

struct SweepOptions {
    std::string output;         // the finished file; runs go to OUTPUT.partial until every run is in
    bool resume = false;        // continue OUTPUT.partial (its design hash must match)
    bool progress = true;       // a progress line on stderr
    std::function<bool()> stop; // polled before each run: true = hand out no more runs
};

struct SweepSummary {
    size_t runs = 0, done_before = 0, ran = 0, failed = 0;
    double seconds = 0, cpu_seconds = 0;
    int threads = 1;
    bool interrupted = false;
    std::string partial; // the unfinished file, when interrupted
};

// Throws SpecError for bad input (an existing file, a resume that does not
// match) and h5::Error for I/O failures.
SweepSummary run_sweep(const Plan& plan, const SweepOptions& options);

} // namespace icsim::sweep
