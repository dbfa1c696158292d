// The benchmark cases behind `icsim bench NAME` (docs/performance.md): the
// cross-framework Schelling benchmark at its two published sizes
// (schelling-small, schelling-large) and at city scale (schelling-500), plus
// the streaming-copy bandwidth each case is compared with.
//
// How a case times: std::chrono::steady_clock around each timed unit, after
// untimed warm-up runs; run k uses seed replicate_seed(42, k) (the comparison
// seeds its runs from MersenneTwister(42)). The median is the middle of the
// sorted times (the mean of the two middle ones for an even count). Figures
// depend on the machine and on what else runs on it: they are printed, never
// asserted.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/partitioner.h>
#include <oneapi/tbb/task_arena.h>

#if defined(__linux__)
#include <sys/mman.h>
#endif

#include "bench/bench.hpp"
#include "models/classic/classic.hpp"
#include "models/classic/schelling_bench.hpp"

namespace icsim {

namespace {

using Clock = std::chrono::steady_clock;

constexpr uint64_t kBenchSeed = 42;
constexpr uint32_t kWarmupRuns = 2;
// Two buffers of 128 MiB: four times the 32 MiB L3 of one Zen CCD, so the copy
// streams from and to DRAM (the VM reports the host's whole L3; a core only
// caches in its own CCD's).
constexpr size_t kCopyBytes = size_t(128) << 20;
constexpr int kCopyReps = 7;

double milliseconds(Clock::time_point a, Clock::time_point b) {
    return std::chrono::duration<double, std::milli>(b - a).count();
}

double median_of(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    const size_t n = v.size();
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// What one run did, for the throughput and byte estimates.
struct RunCounts {
    double ticks = 0, unhappy = 0, moves = 0;
};

// Estimated bytes of model state read or written per agent-step (every access
// counted once, whether cache or DRAM serves it), from the implementation in
// models/classic/schelling_bench.cpp. W = 2r+1; a window row is updated as
// ceil(W/8) unaligned 8-byte words (read + write).
// rule 0, per activation: order entry 4 + Fisher-Yates swap (2 reads + 2 writes
//   of 4) 16 + agent word 4 + count byte 1 + happy flag 1 = 26 B;
//   per move: empty slot 4 + 4, agent word 4, two windows of W rows = 12 + 2 W words 16 B.
// rule 1, per activation: agent word 4 + count byte 1 + happy flag 1 = 6 B;
//   per unhappy agent: claim CAS 8 + 8, proposal write 8 + read 8, claim read 8 = 40 B;
//   per move: claim reset 8, agent 4 + 4, empty slot 4 + 4, occupancy 1 + 1 = 26 B;
//   per step and cell (recount): occupancy 1, row sum 1 + 1, two counts 2 = 5 B.
// Construction (only when timed): cell list 4 per cell, swaps 16 + agent 4 +
//   happy 1 + order 4 per agent, empty list copy 8 per empty cell, count grids
//   zeroed 2 per cell, one window per agent.
double bytes_per_agent_step(const SchellingBenchParams& p, const RunCounts& c, bool with_construction) {
    const double agents = p.agents, cells = double(p.width) * p.width;
    const double w = 2.0 * p.radius + 1, words = std::ceil(w / 8);
    const double window = w * words * 16;
    const double agent_steps = std::max(1.0, agents * c.ticks);
    double bytes = 0;
    if (p.rule == 0) {
        bytes = 26 * agent_steps + c.moves * (12 + 2 * window);
    } else {
        bytes = 6 * agent_steps + 40 * c.unhappy + 26 * c.moves + 5 * cells * c.ticks;
    }
    if (with_construction)
        bytes += 4 * cells + agents * (16 + 4 + 1 + 4 + window) + 8 * (cells - agents) + 2 * cells;
    return bytes / agent_steps;
}

void fill_rates(BenchResult& r, const SchellingBenchParams& p, const RunCounts& mean,
                double agent_steps_per_unit, bool with_construction) {
    r.agent_steps_per_s = agent_steps_per_unit / (r.median_ms * 1e-3);
    r.bandwidth_gb_s = measure_copy_bandwidth_gb_s(kCopyBytes, r.threads);
    const double bytes_per_s = bytes_per_agent_step(p, mean, with_construction) * r.agent_steps_per_s;
    r.percent_of_bandwidth_bound =
        r.bandwidth_gb_s > 0 ? 100.0 * bytes_per_s / (r.bandwidth_gb_s * 1e9) : 0.0;
}

std::string format_steps(double steps) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2f", steps);
    return buf;
}

std::string rule_text(int rule) {
    return rule == 0
               ? "sequential (rule=0, the benchmark's): one agent at a time, in a fresh uniformly random "
                 "order each step; incremental neighbour counts"
               : "synchronous parallel (rule=1, not the benchmark's): all agents decide from the state at "
                 "the start of the step, unhappy ones propose a random empty cell, conflicts go to the "
                 "lowest counter-RNG priority; bit-identical on any thread count";
}

// Fills the median, min and max of `ms` into r; returns the per-run means.
RunCounts summarise_times(BenchResult& r, const std::vector<double>& ms, const RunCounts& sum,
                          uint32_t runs) {
    r.median_ms = median_of(ms);
    r.min_ms = *std::min_element(ms.begin(), ms.end());
    r.max_ms = *std::max_element(ms.begin(), ms.end());
    return {sum.ticks / runs, sum.unhappy / runs, sum.moves / runs};
}

// Timed unit = one whole run: construction + up to `steps` steps (the
// comparison's unit). The model's destruction is not timed.
BenchResult bench_whole_runs(const std::string& name, const SchellingBenchParams& p, uint32_t runs) {
    runs = std::max<uint32_t>(runs, 1);
    BenchResult r;
    r.name = name;
    r.runs = runs;
    r.threads = 1;
    r.update_rule = rule_text(p.rule);
    std::vector<double> ms;
    RunCounts sum;
    oneapi::tbb::task_arena arena(1);
    arena.execute([&] {
        for (uint32_t k = 0; k < kWarmupRuns + runs; ++k) {
            const uint64_t seed = replicate_seed(kBenchSeed, k < kWarmupRuns ? runs + k : k - kWarmupRuns);
            const auto t0 = Clock::now();
            SchellingBench model(p, seed);
            for (int t = 0; t < p.steps; ++t)
                if (!model.step())
                    break;
            const auto t1 = Clock::now();
            if (k < kWarmupRuns)
                continue;
            ms.push_back(milliseconds(t0, t1));
            sum.ticks += model.ticks();
            sum.unhappy += double(model.unhappy_activations());
            sum.moves += double(model.moves());
        }
    });
    const RunCounts mean = summarise_times(r, ms, sum, runs);
    r.unit = "one run: construction + up to " + std::to_string(p.steps) +
             " steps (a run stops once every agent " + "is happy; mean " + format_steps(mean.ticks) +
             " steps run)";
    fill_rates(r, p, mean, double(p.agents) * mean.ticks, true);
    return r;
}

// Timed unit = one step: each run builds the model untimed, times its steps
// (up to `steps`, fewer once everyone is happy) and divides by the steps run.
BenchResult bench_per_step(const std::string& name, const SchellingBenchParams& p, uint32_t runs,
                           int threads) {
    runs = std::max<uint32_t>(runs, 1);
    BenchResult r;
    r.name = name;
    r.runs = runs;
    threads = bench_threads(threads);
    r.threads = threads;
    r.update_rule = rule_text(p.rule);
    std::vector<double> ms;
    RunCounts sum;
    oneapi::tbb::task_arena arena(threads);
    arena.execute([&] {
        for (uint32_t k = 0; k < 1 + runs; ++k) { // one warm-up run
            SchellingBench model(p, replicate_seed(kBenchSeed, k == 0 ? runs : k - 1));
            const auto t0 = Clock::now();
            for (int t = 0; t < p.steps; ++t)
                if (!model.step())
                    break;
            const auto t1 = Clock::now();
            if (k == 0)
                continue;
            ms.push_back(milliseconds(t0, t1) / std::max<uint32_t>(1, model.ticks()));
            sum.ticks += model.ticks();
            sum.unhappy += double(model.unhappy_activations());
            sum.moves += double(model.moves());
        }
    });
    const RunCounts mean = summarise_times(r, ms, sum, runs);
    r.unit = "one step: a run's time over its steps, up to " + std::to_string(p.steps) +
             " (a run stops once every agent is happy; mean " + format_steps(mean.ticks) +
             " steps run); construction not timed";
    fill_rates(r, p, mean, double(p.agents), false);
    return r;
}

SchellingBenchParams schelling_params(int width, int agents, int radius, int min_to_be_happy, int steps,
                                      int rule) {
    SchellingBenchParams p;
    p.width = width;
    p.agents = agents;
    p.radius = radius;
    p.min_to_be_happy = min_to_be_happy;
    p.steps = steps;
    p.rule = rule;
    return p;
}

// Page-aligned buffer, backed by transparent huge pages where the kernel
// offers them (on this VM a 4 KiB page fault costs ~20 us, so 256 MiB of small
// pages took seconds to fault in).
struct CopyBuffer {
    explicit CopyBuffer(size_t bytes) : data(static_cast<char*>(std::aligned_alloc(size_t(1) << 21, bytes))) {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
        if (data)
            madvise(data, bytes, MADV_HUGEPAGE);
#endif
    }
    ~CopyBuffer() {
        std::free(data);
    }
    CopyBuffer(const CopyBuffer&) = delete;
    CopyBuffer& operator=(const CopyBuffer&) = delete;
    char* data;
};

} // namespace

int bench_threads(int wanted) {
    const size_t allowed =
        oneapi::tbb::global_control::active_value(oneapi::tbb::global_control::max_allowed_parallelism);
    return int(std::min(size_t(std::max(wanted, 1)), allowed)); // (allowed is at least 1)
}

// Each of `threads` threads copies its own contiguous share with memcpy
// (which streams with non-temporal stores at this size); read + write bytes
// over the best of kCopyReps repetitions, after one pass that faults the
// pages in.
double measure_copy_bandwidth_gb_s(size_t bytes, int threads) {
    threads = std::max(1, threads);
    const size_t chunk = std::max<size_t>(bytes / size_t(threads), 4096) & ~size_t(4095);
    bytes = chunk * size_t(threads);
    CopyBuffer src(bytes), dst(bytes);
    if (!src.data || !dst.data)
        return 0;
    oneapi::tbb::task_arena arena(threads);
    auto each_thread = [&](auto&& f) {
        arena.execute([&] {
            oneapi::tbb::parallel_for(
                0, threads, [&](int t) { f(size_t(t) * chunk); }, oneapi::tbb::static_partitioner());
        });
    };
    each_thread([&](size_t off) {
        std::memset(src.data + off, 1, chunk);
        std::memset(dst.data + off, 0, chunk);
    });
    double best = 0;
    for (int rep = 0; rep < kCopyReps; ++rep) {
        const auto t0 = Clock::now();
        each_thread([&](size_t off) { std::memcpy(dst.data + off, src.data + off, chunk); });
        const auto t1 = Clock::now();
        const double seconds = std::chrono::duration<double>(t1 - t0).count();
        if (seconds > 0)
            best = std::max(best, 2.0 * double(bytes) / seconds / 1e9);
    }
    return best;
}

const std::vector<BenchCase>& bench_cases() {
    static const std::vector<BenchCase> cases = [] {
        std::vector<BenchCase> c = {
            {"schelling-small",
             "Schelling as in ABMFrameworksComparison: 40x40, 1000 agents, r=1, min 3; construction + 20 "
             "steps, "
             "1 "
             "thread",
             100,
             [](uint32_t runs) {
                 return bench_whole_runs("schelling-small", schelling_params(40, 1000, 1, 3, 20, 0), runs);
             }},
            {"schelling-large",
             "Schelling as in ABMFrameworksComparison: 100x100, 8000 agents, r=2, min 8; construction + 20 "
             "steps, 1 "
             "thread (target <= 2 ms)",
             100,
             [](uint32_t runs) {
                 return bench_whole_runs("schelling-large", schelling_params(100, 8000, 2, 8, 20, 0), runs);
             }},
            {"schelling-500",
             "Schelling at city scale: 500x500, 200,000 agents, r=1, min 3, 100 steps, synchronous rule, 2 "
             "threads; "
             "time per step (target <= 1 ms)",
             20,
             [](uint32_t runs) {
                 return bench_per_step("schelling-500", schelling_params(500, 200000, 1, 3, 100, 1), runs, 2);
             }},
        };
        for (auto& k : city_bench_cases())
            c.push_back(std::move(k));
        return c;
    }();
    return cases;
}

const BenchCase* find_bench(const std::string& name) {
    for (const auto& c : bench_cases())
        if (c.name == name)
            return &c;
    return nullptr;
}

} // namespace icsim
