// Benchmarks at city scale: the default city (scenarios/library/default.toml,
// every mechanism on) scaled to 1,000,000 residents with scale_assignments.
//  - city-1m-social: wall time per engine step on 2 threads (target, in
//    docs/performance.md: at most 0.1 s), after warm-up steps that let
//    friendships and rumours build up; with each mechanism's share. It runs
//    the six mechanisms of residential mobility and social contact, so
//    that its figures stay comparable as mechanisms are added.
//  - city-1m: the same with every mechanism of the default order.
//  - city-1m-output: what output adds (time series every step, snapshots
//    every 4 steps, as the default scenario writes them): whole runs with
//    and without a RunWriter, alternated, compared at their medians
//    (target: at most 10 %).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>
#include <unistd.h>

#include <oneapi/tbb/task_arena.h>

#include "bench/bench.hpp"
#include "models/encounters.hpp"
#include "models/friendship.hpp"
#include "scenarios/loader.hpp"
#include "scenarios/scale.hpp"
#include "session/session.hpp"

namespace icsim {

namespace {

using Clock = std::chrono::steady_clock;

constexpr double kResidents = 1e6;

ScenarioConfig city_1m(const std::vector<std::string>& more = {}) {
    const ScenarioConfig base = load_default_scenario();
    const double factor = kResidents / (base.city.occupancy * base.city.grid.width * base.city.grid.height *
                                        base.city.grid.capacity);
    auto sets = scale_assignments(base, factor);
    sets.insert(sets.end(), more.begin(), more.end());
    return load_default_scenario(sets);
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    const size_t n = v.size();
    return n == 0 ? 0 : (n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]));
}

// Resident set size of this process in bytes (0 where /proc is missing).
double rss_bytes() {
    std::FILE* f = std::fopen("/proc/self/statm", "r");
    if (f == nullptr)
        return 0;
    long pages = 0, resident = 0;
    const int got = std::fscanf(f, "%ld %ld", &pages, &resident);
    std::fclose(f);
    return got == 2 ? double(resident) * double(sysconf(_SC_PAGESIZE)) : 0;
}

// The resident pages of this process mapped from files (RssFile of
// /proc/self/status: the executable and the shared libraries), in bytes (0
// where /proc is missing).
double file_backed_bytes() {
    std::FILE* f = std::fopen("/proc/self/status", "r");
    if (f == nullptr)
        return 0;
    char line[256];
    long kb = 0;
    while (std::fgets(line, sizeof line, f) != nullptr)
        if (std::sscanf(line, "RssFile: %ld kB", &kb) == 1)
            break;
    std::fclose(f);
    return double(kb) * 1024.0;
}

// Where the resident set goes, in bytes per resident: each column of the
// population, the step's meetings ("today.*": kMeetings and
// kFriendMeetings, sim/meetings.hpp), the rest of the world's
// per-resident arrays, each mechanism's scratch (Mechanism::scratch_bytes),
// the code and libraries, and what the process holds besides (the heap's
// free space kept by the allocator, small allocations, the thread pool):
// rss minus the rest.
void memory_breakdown(const RunSession& run, double n, BenchResult& r) {
    const World& w = run.world();
    double known = 0;
    auto add = [&](const std::string& key, double bytes) {
        r.extra.emplace_back("bytes_per_resident." + key, bytes / n);
        known += bytes;
    };
    w.pop.for_each_column([&](const char* name, const auto& column) {
        add(std::string("column.") + name, double(held_bytes(column)));
    });
    if (const Encounters* t = w.products.find(kMeetings)) {
        add("today.slot", double(held_bytes(t->slot)));
        add("today.start", double(held_bytes(t->start.culture) + held_bytes(t->start.prejudice) +
                                  held_bytes(t->start.rumour)));
    }
    if (const FriendMeetings* f = w.products.find(kFriendMeetings)) {
        add("today.ties", double(held_bytes(f->ties)));
        add("today.friends", double(held_bytes(f->friends)));
    }
    add("world.hood", double(held_bytes(w.hood)));
    add("world.cells", double(held_bytes(w.group_count) + held_bytes(w.total)));
    const MechanismList& ms = run.engine().mechanisms();
    for (const auto& m : ms)
        add("scratch." + m->registered_name, double(m->scratch_bytes()));
    // The process's code and libraries: its file-backed resident pages.
    add("code", file_backed_bytes());
    const double rss = rss_bytes();
    r.extra.emplace_back("bytes_per_resident.other", (rss - known) / n);
}

// The mechanisms city-1m-social runs (the default order before the
// equality pillar's mechanisms were added).
constexpr const char* kSocialMechanisms[] = {
    "residential_mobility", "encounters", "friendship", "attitudes", "culture", "rumours"};

BenchResult bench_steps(const std::string& name, bool social_only, uint32_t steps) {
    constexpr int kWarmup = 12;
    const int threads = bench_threads(2); // 2, or fewer under --threads
    steps = std::max<uint32_t>(steps, 1);
    BenchResult r;
    r.name = name;
    r.threads = threads;
    oneapi::tbb::task_arena arena(threads);
    arena.execute([&] {
        // As many steps as the bench times, after its warm-up.
        ScenarioConfig city = city_1m({"run.steps=" + std::to_string(kWarmup + steps)});
        if (social_only)
            std::erase_if(city.mechanisms, [](const MechanismConfig& m) {
                return std::find(std::begin(kSocialMechanisms), std::end(kSocialMechanisms), m.name) ==
                       std::end(kSocialMechanisms);
            });
        RunSession run(std::move(city));
        const ScenarioConfig& s = run.scenario();
        run.run_until(kWarmup);
        std::vector<double> ms;
        std::vector<std::vector<double>> per(run.engine().mechanism_seconds().size());
        for (uint32_t k = 0; k < steps; ++k) {
            const std::vector<double> before = run.engine().mechanism_seconds();
            const auto t0 = Clock::now();
            run.step();
            ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
            for (size_t m = 0; m < per.size(); ++m)
                per[m].push_back(1e3 * (run.engine().mechanism_seconds()[m] - before[m]));
        }
        r.runs = steps;
        r.median_ms = median(ms);
        r.min_ms = *std::min_element(ms.begin(), ms.end());
        r.max_ms = *std::max_element(ms.begin(), ms.end());
        const double n = double(run.world().pop.size());
        r.agent_steps_per_s = r.median_ms > 0 ? n / (r.median_ms / 1e3) : 0;
        r.unit = "one engine step of the default city scaled to " + std::to_string(size_t(n)) +
                 " residents, after " + std::to_string(kWarmup) + " warm-up steps; output not included";
        std::string order;
        for (size_t m = 0; m < per.size(); ++m) {
            order += (m ? ", " : "") + s.mechanisms[m].name;
            r.extra.emplace_back("median_ms." + s.mechanisms[m].name, median(per[m]));
        }
        r.update_rule = "mechanisms in order: " + order;
        r.extra.emplace_back("residents", n);
        r.extra.emplace_back("rss_bytes_per_resident", rss_bytes() / n);
        memory_breakdown(run, n, r);
    });
    r.bandwidth_gb_s = measure_copy_bandwidth_gb_s(size_t(256) << 20, threads);
    return r;
}

BenchResult bench_output(uint32_t pairs) {
    const int threads = bench_threads(2); // 2, or fewer under --threads
    constexpr uint32_t kSteps = 52;       // a year of weekly steps, with the default checkpoint at its end
    pairs = std::max<uint32_t>(pairs, 1);
    BenchResult r;
    r.name = "city-1m-output";
    r.threads = threads;
    const std::string path =
        (std::filesystem::temp_directory_path() / ("icsim-bench-" + std::to_string(getpid()) + ".h5"))
            .string();
    std::vector<double> with, without, steps_with, steps_without;
    // The writer's own account of each run with output, part by part.
    std::vector<std::pair<const char*, std::vector<double>>> parts = {
        {"output_ms.open", {}},      {"output_ms.metrics", {}},     {"output_ms.commit", {}},
        {"output_ms.snapshots", {}}, {"output_ms.checkpoints", {}}, {"output_ms.close", {}}};
    oneapi::tbb::task_arena arena(threads);
    arena.execute([&] {
        const ScenarioConfig s = city_1m({"run.steps=" + std::to_string(kSteps)});
        for (uint32_t k = 0; k < pairs; ++k)
            for (int out = 0; out < 2; ++out) {
                RunSession run(s);
                // The last run's file is removed untimed: freeing its pages
                // is not part of this run's output.
                std::error_code gone;
                std::filesystem::remove(path, gone);
                const auto t0 = Clock::now();
                if (out) {
                    OutputOptions o = output_to(path);
                    o.overwrite = true;
                    o.threads = threads;
                    run.open_output(o);
                }
                run.run_until(kSteps);
                run.finish();
                const double stepping = 1e3 * run.timings().stepping; // the engine's steps alone
                if (const auto t = run.writer_times()) {
                    const double each[] = {t->open,      t->metrics,     t->commit,
                                           t->snapshots, t->checkpoints, t->close};
                    for (size_t p = 0; p < parts.size(); ++p)
                        parts[p].second.push_back(each[p]);
                }
                (out ? steps_with : steps_without).push_back(stepping);
                (out ? with : without)
                    .push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
            }
    });
    std::error_code ec;
    std::filesystem::remove(path, ec);
    r.runs = pairs;
    r.median_ms = median(with);
    r.min_ms = *std::min_element(with.begin(), with.end());
    r.max_ms = *std::max_element(with.begin(), with.end());
    const double base = median(without);
    r.unit = "one run of " + std::to_string(kSteps) +
             " steps with output (time series every step, snapshots every 4 steps), engine construction "
             "excluded; runs without output alternate with them";
    r.update_rule = "default city scaled to 1,000,000 residents, every mechanism on";
    r.extra.emplace_back("median_ms_without_output", base);
    r.extra.emplace_back("output_overhead_percent", base > 0 ? 100.0 * (r.median_ms - base) / base : 0);
    for (const auto& [name, values] : parts)
        r.extra.emplace_back(name, median(values));
    // The engine's steps alone, with and without output: what output costs
    // the simulation besides the writer's own time.
    r.extra.emplace_back("median_ms.steps_with_output", median(steps_with));
    r.extra.emplace_back("median_ms.steps_without_output", median(steps_without));
    return r;
}

} // namespace

std::vector<BenchCase> city_bench_cases() {
    return {
        {"city-1m",
         "the default city (every mechanism on) scaled to 1,000,000 residents: time per engine step on 2 "
         "threads, per mechanism too (target <= 100 ms); runs = timed steps",
         20, [](uint32_t steps) { return bench_steps("city-1m", false, steps); }},
        {"city-1m-social",
         "the same city with only residential mobility and the five social mechanisms (encounters, "
         "friendship, attitudes, culture, rumours): time per engine step on 2 threads (target <= 100 ms); "
         "runs = timed steps",
         20, [](uint32_t steps) { return bench_steps("city-1m-social", true, steps); }},
        {"city-1m-output",
         "the same city: what HDF5 output (series every step, snapshots every 4 steps) adds to 52-step runs "
         "(target <= 10 %); runs = pairs of runs with and without output",
         3, bench_output},
    };
}

} // namespace icsim
