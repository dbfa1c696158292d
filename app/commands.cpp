#include "app/commands.hpp"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <optional>
#include <thread>

#include <unistd.h>

#include <nlohmann/json.hpp>
#include <oneapi/tbb/global_control.h>

#include "bench/bench.hpp"
#include "models/classic/classic.hpp"
#include "output/report.hpp"
#include "scenarios/loader.hpp"
#include "scenarios/schema.hpp"

namespace icsim::app {

const char* version() {
    return "0.1.0";
}

int hardware_threads() {
    const unsigned n = std::thread::hardware_concurrency();
    return n == 0 ? 1 : int(n);
}

namespace {

ParamValues parse_sets(const std::vector<std::string>& sets) {
    ParamValues values;
    for (const auto& text : sets) {
        try {
            auto [key, value] = parse_assignment(text);
            values.insert_or_assign(key, value);
        } catch (const ParamError& e) {
            throw UsageError(e.what());
        }
    }
    return values;
}

// A one-line progress bar with ETA on stderr, drawn only on a terminal.
class Progress {
public:
    Progress(uint32_t total, bool enabled) : total_(total), enabled_(enabled && isatty(STDERR_FILENO)) {}
    ~Progress() {
        if (enabled_ && drawn_)
            std::fprintf(stderr, "\r\033[K");
    }
    void update(uint32_t done) {
        if (!enabled_)
            return;
        const auto now = Clock::now();
        if (done != total_ && now - last_ < std::chrono::milliseconds(100))
            return;
        last_ = now;
        drawn_ = true;
        const double elapsed = std::chrono::duration<double>(now - start_).count();
        const double eta = done == 0 ? 0 : elapsed * double(total_ - done) / double(done);
        const int width = 30, filled = total_ == 0 ? width : int(width * double(done) / double(total_));
        std::fprintf(stderr, "\r[%.*s%.*s] %3d%% step %u/%u  ETA %.0fs ", filled,
                     "##############################", width - filled, "..............................",
                     total_ == 0 ? 100 : int(100.0 * double(done) / double(total_)), done, total_, eta);
        std::fflush(stderr);
    }

private:
    using Clock = std::chrono::steady_clock;
    uint32_t total_;
    bool enabled_, drawn_ = false;
    Clock::time_point start_ = Clock::now(), last_{};
};

// Loads the scenario file (or the built-in default) with --set overrides;
// reports every problem on stderr and throws UsageError.
ScenarioConfig load_or_report(const std::string& file, const std::vector<std::string>& sets) {
    try {
        return file.empty() ? load_default_scenario(sets) : load_scenario_file(file, sets);
    } catch (const ScenarioError& e) {
        const auto& d = e.diagnostics();
        for (size_t k = 0; k + 1 < d.size(); ++k)
            std::fprintf(stderr, "icsim: %s\n", d[k].str().c_str());
        throw UsageError(d.empty() ? e.what() : d.back().str());
    }
}

} // namespace

int cmd_check(const CheckOptions& opts) {
    if (opts.reference) {
        std::fputs(scenario::reference_markdown().c_str(), stdout);
        return 0;
    }
    if (!opts.explain.empty()) {
        const std::string text = scenario::explain(opts.explain);
        if (text.empty())
            throw UsageError("--explain " + opts.explain +
                             ": no such key ('icsim check --reference' lists them all)");
        std::fputs(text.c_str(), stdout);
        return 0;
    }
    const ScenarioConfig s = load_or_report(opts.scenario, opts.sets);
    std::fputs(s.resolved_toml.c_str(), stdout);
    std::fprintf(stderr, "icsim check: %s is valid\n", s.source.c_str());
    return 0;
}

int cmd_run(const RunOptions& opts, int threads, int default_threads) {
    ScenarioConfig scenario = load_or_report(opts.scenario, opts.sets);
    if (opts.steps)
        scenario.steps = *opts.steps;
    if (opts.seed)
        scenario.seed = *opts.seed;
    if (threads == 0)
        threads = scenario.threads > 0 ? scenario.threads : default_threads;
    oneapi::tbb::global_control limit(oneapi::tbb::global_control::max_allowed_parallelism, size_t(threads));
    std::optional<Engine> engine;
    try {
        engine.emplace(build_engine(scenario));
    } catch (const ParamError& e) {
        throw UsageError(scenario.source + ": " + e.what());
    } catch (const std::invalid_argument& e) {
        throw UsageError(scenario.source + ": " + e.what());
    }
    const World& w = engine->world();
    const NamedValues start = city_metrics(w);
    NamedValues totals;
    const auto t0 = std::chrono::steady_clock::now();
    {
        Progress progress(scenario.steps, !opts.quiet);
        for (uint32_t s = 0; s < scenario.steps; ++s) {
            engine->step();
            const Counters c = engine->counters();
            if (totals.empty())
                totals.assign(c.begin(), c.end());
            else
                for (size_t k = 0; k < c.size(); ++k)
                    totals[k].second += c[k].second;
            progress.update(s + 1);
        }
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    for (auto& t : totals)
        t.first = "total " + t.first;
    char title[256];
    std::snprintf(
        title, sizeof title,
        "icsim run: scenario '%s', %zu residents, %d groups, %d neighbourhoods, %u steps, seed %llu",
        scenario.name.c_str(), w.pop.size(), w.group_total(), w.hoods.count(), scenario.steps,
        static_cast<unsigned long long>(scenario.seed));
    print_summary(stdout, title, start, city_metrics(w), totals, w);
    std::fprintf(stderr, "icsim run: %u steps in %.3f s on %d threads (%.3g resident-steps/s)\n",
                 scenario.steps, seconds, threads,
                 seconds > 0 ? double(w.pop.size()) * scenario.steps / seconds : 0.0);
    return 0;
}

int cmd_classic(const ClassicOptions& opts) {
    if (opts.model.empty()) {
        std::printf("classic models (icsim classic MODEL [--set k=v ...] [--runs N] [--seed S] --json):\n");
        for (const auto& m : classic_models())
            std::printf("  %-20s %s\n", m.name.c_str(), m.description.c_str());
        return 0;
    }
    const ClassicModel* model = find_classic(opts.model);
    if (model == nullptr) {
        std::vector<std::string> names;
        for (const auto& m : classic_models())
            names.push_back(m.name);
        const std::string guess = closest_name(opts.model, names);
        throw UsageError("unknown classic model '" + opts.model + "'" +
                         (guess.empty() ? "" : " (did you mean '" + guess + "'?)") +
                         "; 'icsim classic' lists them");
    }
    ClassicResult result;
    try {
        result = run_classic(*model, parse_sets(opts.sets), opts.runs, opts.seed);
    } catch (const ParamError& e) {
        throw UsageError("--set: " + std::string(e.what()));
    }
    if (!opts.json) {
        std::printf("%s: %u runs, seed %llu\n", model->name.c_str(), opts.runs,
                    static_cast<unsigned long long>(opts.seed));
        for (size_t k = 0; k < result.params.size(); ++k)
            std::printf("  %s = %s\n", result.params[k].first.c_str(),
                        format_number(result.params[k].second).c_str());
        std::printf("%-20s %14s %12s %12s %12s %12s\n", "metric", "mean", "sd", "se", "min", "max");
        for (const auto& m : result.metrics)
            std::printf("%-20s %14.6g %12.6g %12.6g %12.6g %12.6g\n", m.name.c_str(), m.mean, m.sd, m.se,
                        m.min, m.max);
        return 0;
    }
    nlohmann::ordered_json j;
    j["model"] = model->name;
    j["runs"] = opts.runs;
    j["seed"] = opts.seed;
    j["params"] = nlohmann::ordered_json::object();
    for (size_t k = 0; k < result.params.size(); ++k) {
        const auto& [name, value] = result.params[k];
        const ParamType type = model->params[k].type;
        if (type == ParamType::Int)
            j["params"][name] = static_cast<long long>(value);
        else if (type == ParamType::Bool)
            j["params"][name] = value != 0;
        else
            j["params"][name] = value;
    }
    j["metrics"] = nlohmann::ordered_json::object();
    for (const auto& m : result.metrics)
        j["metrics"][m.name] = {{"mean", m.mean}, {"sd", m.sd}, {"se", m.se}, {"min", m.min}, {"max", m.max}};
    std::printf("%s\n", j.dump().c_str());
    return 0;
}

int cmd_bench(const BenchOptions& opts) {
    if (opts.name.empty()) {
        std::printf("benchmarks (icsim bench NAME [--runs N] --json):\n");
        for (const auto& c : bench_cases())
            std::printf("  %-20s %s\n", c.name.c_str(), c.description.c_str());
        return 0;
    }
    const BenchCase* bc = find_bench(opts.name);
    if (bc == nullptr) {
        std::vector<std::string> names;
        for (const auto& c : bench_cases())
            names.push_back(c.name);
        const std::string guess = closest_name(opts.name, names);
        throw UsageError("unknown benchmark '" + opts.name + "'" +
                         (guess.empty() ? "" : " (did you mean '" + guess + "'?)") +
                         "; 'icsim bench' lists them");
    }
    const BenchResult r = bc->run(opts.runs.value_or(bc->default_runs));
    nlohmann::ordered_json j = {{"name", r.name},
                                {"runs", r.runs},
                                {"median_ms", r.median_ms},
                                {"min_ms", r.min_ms},
                                {"max_ms", r.max_ms},
                                {"agent_steps_per_s", r.agent_steps_per_s},
                                {"bandwidth_gb_s", r.bandwidth_gb_s},
                                {"percent_of_bandwidth_bound", r.percent_of_bandwidth_bound},
                                {"unit", r.unit},
                                {"update_rule", r.update_rule},
                                {"threads", r.threads}};
    if (opts.json) {
        std::printf("%s\n", j.dump().c_str());
    } else {
        for (const auto& [k, v] : j.items())
            std::printf("%-28s %s\n", k.c_str(), v.dump().c_str());
    }
    return 0;
}

} // namespace icsim::app
