// Benchmarks behind `icsim bench NAME --json`. They print figures; they are
// never timed tests. Each case reports wall time per run (or per step, where
// the case says so), throughput, and how close it comes to the memory
// bandwidth measured in the same process (docs/performance.md).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace icsim {

struct BenchResult {
    std::string name;
    uint32_t runs = 0;
    double median_ms = 0, min_ms = 0, max_ms = 0; // per timed unit (see `unit`)
    double agent_steps_per_s = 0;                 // at the median
    double bandwidth_gb_s = 0;                    // streaming copy (read + write), same process
    double percent_of_bandwidth_bound = 0;        // bytes touched per agent-step x rate / bandwidth
    std::string unit;                             // what one timing covers, e.g. "construction + 20 steps"
    std::string update_rule;                      // how agents are updated
    int threads = 1;
    // Further named figures a case reports (e.g. per-mechanism times).
    std::vector<std::pair<std::string, double>> extra;
};

struct BenchCase {
    std::string name;
    std::string description;
    uint32_t default_runs;
    std::function<BenchResult(uint32_t runs)> run;
};

const std::vector<BenchCase>& bench_cases();
// The cases at city scale (bench/city.cpp), part of bench_cases().
std::vector<BenchCase> city_bench_cases();
const BenchCase* find_bench(const std::string& name);

// The threads a case that wants `wanted` of them gets: fewer when the
// process is limited to fewer (`icsim --threads N bench ...`), so that the
// JSON's "threads" says what the figures were measured on.
int bench_threads(int wanted);

// Streaming-copy bandwidth (read + write bytes per second / 1e9) over
// `bytes`-sized buffers on `threads` threads; best of a few repetitions.
double measure_copy_bandwidth_gb_s(size_t bytes, int threads);

} // namespace icsim
