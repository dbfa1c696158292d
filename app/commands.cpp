#include "app/commands.hpp"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <thread>

#include <unistd.h>

#include <nlohmann/json.hpp>

#include "bench/bench.hpp"
#include "models/classic/classic.hpp"
#include "output/report.hpp"
#include "scenarios/scenario.hpp"

namespace icsim::app {

const char* version() { return "0.1.0"; }

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
        std::fprintf(stderr, "\r[%.*s%.*s] %3d%% step %u/%u  ETA %.0fs ", filled, "##############################",
                     width - filled, "..............................",
                     total_ == 0 ? 100 : int(100.0 * double(done) / double(total_)), done, total_, eta);
        std::fflush(stderr);
    }

private:
    using Clock = std::chrono::steady_clock;
    uint32_t total_;
    bool enabled_, drawn_ = false;
    Clock::time_point start_ = Clock::now(), last_{};
};

void print_params(const std::vector<ParamInfo>& params) {
    std::printf("%-36s %10s  %-22s %-10s %s\n", "parameter", "default", "range", "unit", "meaning");
    for (const auto& p : params) {
        const std::string range = p.type == ParamType::Bool
                                      ? "true|false"
                                      : "[" + format_number(p.min) + ", " + format_number(p.max) + "]";
        const std::string def = p.type == ParamType::Bool ? (p.default_value != 0 ? "true" : "false")
                                                          : format_number(p.default_value);
        std::printf("%-36s %10s  %-22s %-10s %s\n", p.name.c_str(), def.c_str(), range.c_str(), p.unit.c_str(),
                    p.description.c_str());
    }
}

}  // namespace

int cmd_run(const RunOptions& opts, int threads) {
    if (opts.list_params) {
        print_params(default_city_parameters());
        return 0;
    }
    ScenarioConfig scenario;
    std::optional<Engine> engine;
    try {
        scenario = default_city(parse_sets(opts.sets));
        if (opts.steps)
            scenario.steps = *opts.steps;
        if (opts.seed)
            scenario.seed = *opts.seed;
        engine.emplace(build_engine(scenario));
    } catch (const ParamError& e) {
        throw UsageError(std::string("--set: ") + e.what());
    } catch (const std::invalid_argument& e) {
        throw UsageError(e.what());
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
    std::snprintf(title, sizeof title,
                  "icsim run: scenario '%s', %zu residents, %d groups, %d neighbourhoods, %u steps, seed %llu",
                  scenario.name.c_str(), w.pop.size(), w.group_total(), w.hoods.count(), scenario.steps,
                  static_cast<unsigned long long>(scenario.seed));
    print_summary(stdout, title, start, city_metrics(w), totals, w);
    std::fprintf(stderr, "icsim run: %u steps in %.3f s on %d threads (%.3g resident-steps/s)\n", scenario.steps,
                 seconds, threads, seconds > 0 ? double(w.pop.size()) * scenario.steps / seconds : 0.0);
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
                         (guess.empty() ? "" : " (did you mean '" + guess + "'?)") + "; 'icsim classic' lists them");
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
            std::printf("  %s = %s\n", result.params[k].first.c_str(), format_number(result.params[k].second).c_str());
        std::printf("%-20s %14s %12s %12s %12s %12s\n", "metric", "mean", "sd", "se", "min", "max");
        for (const auto& m : result.metrics)
            std::printf("%-20s %14.6g %12.6g %12.6g %12.6g %12.6g\n", m.name.c_str(), m.mean, m.sd, m.se, m.min, m.max);
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
                         (guess.empty() ? "" : " (did you mean '" + guess + "'?)") + "; 'icsim bench' lists them");
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

}  // namespace icsim::app
