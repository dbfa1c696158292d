// icsim run and icsim resume: the options turned into a RunSession
// (session/session.hpp), which runs the city; here only the progress bar,
// the summary and the messages.
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>
#include <system_error>

#include <unistd.h>

#include <oneapi/tbb/global_control.h>

#include "app/common.hpp"
#include "output/report.hpp"
#include "scenarios/scale.hpp"
#include "session/session.hpp"

namespace icsim::app {

namespace {

// A one-line progress bar with ETA on stderr, drawn only on a terminal.
class Progress {
public:
    Progress(uint32_t total, bool enabled) : total_(total), enabled_(enabled && isatty(STDERR_FILENO)) {}
    ~Progress() {
        if (enabled_ && drawn_)
            std::fprintf(stderr, "\r\033[K");
    }
    Progress(const Progress&) = delete;
    Progress& operator=(const Progress&) = delete;
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

bool exists(const std::string& path) {
    std::error_code ec;
    return std::filesystem::exists(path, ec);
}

const char* signal_name(int sig) {
    return sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : "a signal";
}

// Runs the session to its end (or a stop), with the progress bar; prints
// the summary and the timings of a run that ended. Returns whether it did.
bool run_to_end(RunSession& run, bool quiet, int threads) {
    const ScenarioConfig& scenario = run.scenario();
    const World& w = run.world();
    // The pillar indices first (docs/model/pillars.md), then the city's figures.
    auto summary = [&](uint32_t s) {
        NamedValues v = headline_metrics(w, run.engine().policy(), s, run.engine().mechanisms());
        const NamedValues city = city_metrics(w);
        v.insert(v.end(), city.begin(), city.end());
        return v;
    };
    const NamedValues first = summary(run.start_step());
    StopReason why;
    {
        Progress progress(scenario.steps, !quiet);
        progress.update(run.start_step());
        run.on_step([&](uint32_t s) { progress.update(s); });
        why = run.run_until(scenario.steps);
        run.on_step(nullptr);
    }
    if (why == StopReason::StopRequested)
        return false;
    const SessionTimings t = run.timings();
    NamedValues totals(run.counter_totals().begin(), run.counter_totals().end());
    for (auto& v : totals)
        v.first = "total " + v.first;
    const uint32_t ran = scenario.steps - run.start_step();
    char title[320];
    std::snprintf(
        title, sizeof title,
        "icsim run: scenario '%s', %zu residents, %d groups, %d neighbourhoods, %u steps%s, seed %llu",
        scenario.name.c_str(), w.pop.size(), w.group_total(), w.hoods.count(), scenario.steps,
        run.start_step() > 0 ? (" (from step " + std::to_string(run.start_step()) + ")").c_str() : "",
        static_cast<unsigned long long>(scenario.seed));
    print_summary(stdout, title, first, summary(scenario.steps), totals, w);
    std::fprintf(stderr, "icsim run: %u steps in %.3f s on %d threads (%.3g resident-steps/s)\n", ran, t.wall,
                 threads, t.wall > 0 ? double(w.pop.size()) * ran / t.wall : 0.0);
    if (ran > 0 && t.mechanism.size() == scenario.mechanisms.size()) {
        std::fprintf(stderr, "icsim run: per step:");
        for (size_t k = 0; k < scenario.mechanisms.size(); ++k)
            std::fprintf(stderr, "%s %s %.2f ms", k == 0 ? "" : ",", scenario.mechanisms[k].name.c_str(),
                         1e3 * t.mechanism[k] / double(ran));
        std::fprintf(stderr, "\n");
    }
    if (run.has_output())
        std::fprintf(
            stderr,
            "icsim run: writing output took %.3f s (%.1f %% of the run; CPU %.3f s of %.3f s, %.1f %%)\n",
            t.output_wall, t.wall > 0 ? 100.0 * t.output_wall / t.wall : 0.0, t.output_cpu, t.cpu,
            t.cpu > 0 ? 100.0 * t.output_cpu / t.cpu : 0.0);
    return true;
}

// Runs a session with output to its end or a stop signal and closes its
// file; returns the exit code.
int run_with_output(RunSession& run, const OutputOptions& out, bool quiet, int threads,
                    const char* done_verb) {
    const StopOnSignals signals(run); // from here on SIGINT/SIGTERM end the run cleanly, with a checkpoint
    run.open_output(out);
    const bool ended = run_to_end(run, quiet, threads);
    const FinishResult r = run.finish();
    if (!ended) {
        const int sig = run.stop_code();
        std::fprintf(stderr,
                     "icsim: stopped by %s after step %u of %u; the run so far and a checkpoint are in %s. "
                     "Finish it with: icsim resume %s\n",
                     signal_name(sig), run.last_step(), run.steps(), r.path.c_str(), r.path.c_str());
        return 128 + sig;
    }
    std::fprintf(stderr, "icsim %s: wrote %s\n", done_verb, r.path.c_str());
    return 0;
}

// --from FILE[:STEP]: a trailing ":digits" is the step.
std::pair<std::string, std::optional<uint32_t>> parse_from(const std::string& from) {
    const auto colon = from.rfind(':');
    if (colon != std::string::npos && colon + 1 < from.size() &&
        from.find_first_not_of("0123456789", colon + 1) == std::string::npos && from.size() - colon - 1 <= 9)
        return {from.substr(0, colon), uint32_t(std::stoul(from.substr(colon + 1)))};
    return {from, std::nullopt};
}

// Bad input the session finds is reported like the command line's own.
template <class F>
auto as_usage(F&& f) {
    try {
        return f();
    } catch (const SessionError& e) {
        throw UsageError(e.what());
    }
}

} // namespace

int cmd_run(const RunOptions& opts, int threads, int default_threads) {
    // --steps and --seed go through the scenario, so that the resolved
    // scenario text recorded in the output is exactly what ran.
    std::vector<std::string> sets = opts.sets;
    if (opts.steps)
        sets.push_back("run.steps=" + std::to_string(*opts.steps));
    if (opts.seed)
        sets.push_back("run.seed=" + std::to_string(*opts.seed));
    ScenarioConfig scenario = load_or_report(opts.scenario, sets, !opts.scale);
    if (opts.scale) {
        // As --set assignments after the user's own, so the resolved
        // scenario recorded in the output is the scaled city.
        std::vector<std::string> scaled;
        try {
            scaled = scale_assignments(scenario, *opts.scale);
        } catch (const std::invalid_argument& e) {
            throw UsageError(std::string("--scale: ") + e.what());
        }
        sets.insert(sets.end(), scaled.begin(), scaled.end());
        scenario = load_or_report(opts.scenario, sets);
    }
    if (threads == 0)
        threads = scenario.threads > 0 ? scenario.threads : default_threads;
    oneapi::tbb::global_control limit(oneapi::tbb::global_control::max_allowed_parallelism, size_t(threads));
    if (opts.no_output && (!opts.output.empty() || opts.force))
        throw UsageError("--no-output: cannot be combined with -o or --force");

    RunSession run = as_usage([&] {
        if (opts.from.empty())
            return RunSession(std::move(scenario));
        const auto [file, step] = parse_from(opts.from);
        return RunSession::fork(std::move(scenario), file, step);
    });
    if (opts.no_output) {
        run_to_end(run, opts.quiet, threads);
        return 0;
    }
    const std::string final_path = opts.output.empty() ? run.scenario().output.file : opts.output;
    const std::string partial = final_path + ".partial";
    if (exists(final_path) && !opts.force)
        throw UsageError(final_path + " exists; use --force to overwrite it (or -o to write elsewhere)");
    if (exists(partial) && !opts.force)
        throw UsageError(partial + " exists: an unfinished run ('icsim resume " + partial +
                         "' finishes it; --force starts over)");
    OutputOptions out = output_to(final_path);
    out.overwrite = opts.force;
    out.icsim_version = version();
    out.command_line = opts.command_line;
    out.threads = threads;
    return as_usage([&] { return run_with_output(run, out, opts.quiet, threads, "run"); });
}

int cmd_resume(const ResumeOptions& opts, int threads, int default_threads) {
    RunSession run = as_usage([&] { return RunSession::resume(opts.file, opts.force); });
    if (threads == 0)
        threads = run.scenario().threads > 0 ? run.scenario().threads : default_threads;
    oneapi::tbb::global_control limit(oneapi::tbb::global_control::max_allowed_parallelism, size_t(threads));
    std::fprintf(stderr, "icsim resume: %s from step %u of %u\n", opts.file.c_str(), run.start_step(),
                 run.steps());
    OutputOptions out; // the unfinished file's name without ".partial"
    out.icsim_version = version();
    out.threads = threads;
    return as_usage([&] { return run_with_output(run, out, opts.quiet, threads, "resume"); });
}

} // namespace icsim::app
