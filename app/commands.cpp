#include "app/commands.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <memory>
#include <optional>
#include <system_error>
#include <thread>

#include <signal.h>

#include <unistd.h>

#include <nlohmann/json.hpp>
#include <oneapi/tbb/global_control.h>

#include "bench/bench.hpp"
#include "models/classic/classic.hpp"
#include "models/classic/validate.hpp"
#include "output/reader.hpp"
#include "output/report.hpp"
#include "output/writer.hpp"
#include "scenarios/calibration.hpp"
#include "scenarios/loader.hpp"
#include "scenarios/scale.hpp"
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
ScenarioConfig load_or_report(const std::string& file, const std::vector<std::string>& sets,
                              bool notes = true) {
    try {
        ScenarioConfig s = file.empty() ? load_default_scenario(sets) : load_scenario_file(file, sets);
        for (const auto& note : notes ? s.notes : std::vector<std::string>{})
            std::fprintf(stderr, "icsim: note: %s\n", note.c_str());
        return s;
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
    if (!opts.parameters.empty()) {
        const std::string text = scenario::parameter_table_markdown(opts.parameters);
        if (text.empty())
            throw UsageError("--parameters " + opts.parameters +
                             ": no such mechanism ('icsim check --explain mechanisms' lists them)");
        std::fputs(text.c_str(), stdout);
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

namespace {

// SIGINT/SIGTERM while an output file is written: the step loop sees the
// flag after the current step, writes a checkpoint and closes the file
// cleanly. The handler is one-shot (SA_RESETHAND): a second signal ends
// the program at once, leaving the file resumable from its last checkpoint.
volatile std::sig_atomic_t g_stop_signal = 0;

extern "C" void on_stop_signal(int sig) {
    g_stop_signal = sig;
}

class StopSignals {
public:
    StopSignals() {
        g_stop_signal = 0;
        struct sigaction sa {};
        sa.sa_handler = on_stop_signal;
        sigemptyset(&sa.sa_mask);
        sa.sa_flags = SA_RESETHAND;
        sigaction(SIGINT, &sa, &old_int_);
        sigaction(SIGTERM, &sa, &old_term_);
    }
    ~StopSignals() {
        sigaction(SIGINT, &old_int_, nullptr);
        sigaction(SIGTERM, &old_term_, nullptr);
    }
    StopSignals(const StopSignals&) = delete;
    StopSignals& operator=(const StopSignals&) = delete;

private:
    struct sigaction old_int_ {
    }, old_term_{};
};

bool exists(const std::string& path) {
    std::error_code ec;
    return std::filesystem::exists(path, ec);
}

// Opens an icsim output file; a foreign or damaged file is bad input.
std::unique_ptr<RunFile> open_run_file(const std::string& path) {
    try {
        return std::make_unique<RunFile>(path);
    } catch (const OutputFormatError& e) {
        throw UsageError(e.what());
    }
}

// Where the run starts: fresh (step 0), or from a checkpoint of a file
// whose history up to that step the new file copies.
struct Start {
    std::unique_ptr<RunFile> source;
    uint32_t step = 0;
};

struct RunResult {
    int exit_code = 0;
    bool interrupted = false;
    uint32_t last_step = 0;
};

const char* signal_name(int sig) {
    return sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : "a signal";
}

double cpu_seconds() {
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return double(ts.tv_sec) + 1e-9 * double(ts.tv_nsec);
}

// Time spent writing output, wall-clock and CPU (all threads).
struct OutputClock {
    double wall = 0, cpu = 0;
    template <class F>
    void time(F&& f) {
        const auto t0 = std::chrono::steady_clock::now();
        const double c0 = cpu_seconds();
        f();
        cpu += cpu_seconds() - c0;
        wall += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    }
};

// The step loop: from `start` to scenario.steps, writing to `writer` if
// any (the history up to `start` first), printing the summary at the end;
// stops after a step with a checkpoint when SIGINT/SIGTERM arrived.
RunResult run_steps(const ScenarioConfig& scenario, Engine& engine, RunWriter* writer, Start& start,
                    bool quiet, int threads) {
    const World& w = engine.world();
    const uint32_t snap = scenario.output.snapshot_every, cp = scenario.output.checkpoint_every;
    OutputClock out;
    const auto t0 = std::chrono::steady_clock::now();
    const double cpu0 = cpu_seconds();
    if (writer != nullptr)
        out.time([&] {
            if (start.source) {
                writer->copy_history(*start.source, start.step);
                start.source.reset();
            } else {
                writer->step(0, w, {}, engine.policy());
                if (snap > 0)
                    writer->snapshot(0, w.pop);
            }
        });
    const NamedValues first = city_metrics(w);
    NamedValues totals;
    RunResult result;
    result.last_step = start.step;
    {
        Progress progress(scenario.steps, !quiet);
        progress.update(start.step);
        for (uint32_t s = start.step + 1; s <= scenario.steps; ++s) {
            engine.step();
            const Counters c = engine.counters();
            if (totals.empty())
                totals.assign(c.begin(), c.end());
            else
                for (size_t k = 0; k < c.size(); ++k)
                    totals[k].second += c[k].second;
            bool checkpointed = false;
            if (writer != nullptr)
                out.time([&] {
                    writer->step(s, w, c, engine.policy());
                    if (snap > 0 && s % snap == 0)
                        writer->snapshot(s, w.pop);
                    if (cp > 0 && s % cp == 0) {
                        writer->checkpoint(s, w.pop);
                        checkpointed = true;
                    }
                });
            result.last_step = s;
            progress.update(s);
            if (g_stop_signal != 0 && writer != nullptr && s < scenario.steps) {
                if (!checkpointed)
                    writer->checkpoint(s, w.pop);
                result.interrupted = true;
                result.exit_code = 128 + int(g_stop_signal);
                break;
            }
        }
    }
    if (result.interrupted)
        return result;
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const double cpu = cpu_seconds() - cpu0;
    for (auto& t : totals)
        t.first = "total " + t.first;
    const uint32_t ran = scenario.steps - start.step;
    char title[320];
    std::snprintf(
        title, sizeof title,
        "icsim run: scenario '%s', %zu residents, %d groups, %d neighbourhoods, %u steps%s, seed %llu",
        scenario.name.c_str(), w.pop.size(), w.group_total(), w.hoods.count(), scenario.steps,
        start.step > 0 ? (" (from step " + std::to_string(start.step) + ")").c_str() : "",
        static_cast<unsigned long long>(scenario.seed));
    print_summary(stdout, title, first, city_metrics(w), totals, w);
    std::fprintf(stderr, "icsim run: %u steps in %.3f s on %d threads (%.3g resident-steps/s)\n", ran,
                 seconds, threads, seconds > 0 ? double(w.pop.size()) * ran / seconds : 0.0);
    if (ran > 0 && engine.mechanism_seconds().size() == scenario.mechanisms.size()) {
        std::fprintf(stderr, "icsim run: per step:");
        for (size_t k = 0; k < scenario.mechanisms.size(); ++k)
            std::fprintf(stderr, "%s %s %.2f ms", k == 0 ? "" : ",", scenario.mechanisms[k].name.c_str(),
                         1e3 * engine.mechanism_seconds()[k] / double(ran));
        std::fprintf(stderr, "\n");
    }
    if (writer != nullptr)
        std::fprintf(
            stderr,
            "icsim run: writing output took %.3f s (%.1f %% of the run; CPU %.3f s of %.3f s, %.1f %%)\n",
            out.wall, seconds > 0 ? 100.0 * out.wall / seconds : 0.0, out.cpu, cpu,
            cpu > 0 ? 100.0 * out.cpu / cpu : 0.0);
    return result;
}

RunInfo run_info(const ScenarioConfig& scenario, int threads, const std::string& command_line) {
    RunInfo info;
    info.icsim_version = version();
    info.scenario_name = scenario.name;
    info.scenario_toml = scenario.resolved_toml;
    // Absolute, so that `icsim resume` finds a raster file next to it from
    // any working directory.
    std::error_code ec;
    const auto absolute = std::filesystem::absolute(scenario.source, ec);
    info.scenario_file =
        scenario.source.empty() || scenario.source.find("(built in)") != std::string::npos || ec
            ? scenario.source
            : absolute.lexically_normal().string();
    info.command_line = command_line;
    info.seed = scenario.seed;
    info.steps = scenario.steps;
    info.step_days = scenario.step_days;
    info.threads = threads;
    info.snapshot_every = scenario.output.snapshot_every;
    info.checkpoint_every = scenario.output.checkpoint_every;
    return info;
}

std::vector<std::string> counter_names(const Engine& engine) {
    std::vector<std::string> names;
    for (const auto& [name, value] : engine.counters())
        names.push_back(name);
    return names;
}

// Builds the engine, fresh or from a saved population; a state that does
// not fit the scenario is bad input.
Engine make_engine(const ScenarioConfig& scenario, std::optional<Population> pop, uint32_t step,
                   const std::string& state_name) {
    try {
        if (pop)
            return build_engine(scenario, std::move(*pop), step);
        return build_engine(scenario);
    } catch (const ParamError& e) {
        throw UsageError(scenario.source + ": " + e.what());
    } catch (const std::invalid_argument& e) {
        if (pop)
            throw UsageError(state_name + " does not fit " + scenario.source + ": " + e.what());
        throw UsageError(scenario.source + ": " + e.what());
    }
}

// A fork's source must describe the same city: grid, capacity, topology,
// neighbourhoods and groups (the copied history and the saved homes refer
// to them).
// `w` null: the checks the scenario's config allows before building.
void check_compatible(const RunFile& source, const CityConfig& city, const World* w,
                      const std::string& what) {
    const RunFile::City c = source.city();
    auto refuse = [&](const std::string& why) {
        throw UsageError(what + " cannot start this scenario: " + why);
    };
    const Grid& grid = city.grid;
    if (c.width != grid.width || c.height != grid.height)
        refuse("its grid is " + std::to_string(c.width) + " x " + std::to_string(c.height) +
               ", the scenario's " + std::to_string(grid.width) + " x " + std::to_string(grid.height));
    if (c.capacity != grid.capacity)
        refuse("its capacity is " + std::to_string(c.capacity) + " dwellings per cell, the scenario's " +
               std::to_string(grid.capacity));
    if (c.torus != grid.torus)
        refuse("one city is a torus and the other is not");
    std::vector<std::string> groups;
    for (const auto& g : city.groups)
        groups.push_back(g.name);
    if (source.group_names() != groups)
        refuse("its groups differ from the scenario's (names and order must match)");
    if (w != nullptr &&
        (source.neighbourhood_names() != w->hoods.names || c.neighbourhood != w->hoods.of_cell))
        refuse("its neighbourhoods differ from the scenario's (names and layout must match)");
}

std::string strip_suffix(const std::string& s, const std::string& suffix) {
    return s.size() > suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0
               ? s.substr(0, s.size() - suffix.size())
               : std::string();
}

void print_interrupted(const RunResult& r, uint32_t steps, int sig, const std::string& partial) {
    std::fprintf(stderr,
                 "icsim: stopped by %s after step %u of %u; the run so far and a checkpoint are in %s. "
                 "Finish it with: icsim resume %s\n",
                 signal_name(sig), r.last_step, steps, partial.c_str(), partial.c_str());
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

    // A fork: the state of a checkpoint of another run.
    Start start;
    std::optional<Population> pop;
    std::string forked_from;
    if (!opts.from.empty()) {
        std::string file = opts.from;
        std::optional<uint32_t> want;
        const auto colon = opts.from.rfind(':');
        if (colon != std::string::npos && colon + 1 < opts.from.size() &&
            opts.from.find_first_not_of("0123456789", colon + 1) == std::string::npos &&
            opts.from.size() - colon - 1 <= 9) {
            file = opts.from.substr(0, colon);
            want = uint32_t(std::stoul(opts.from.substr(colon + 1)));
        }
        start.source = open_run_file(file);
        const auto cps = start.source->checkpoint_steps();
        if (cps.empty())
            throw UsageError("--from " + file + ": the file holds no checkpoint to start from");
        size_t k = cps.size() - 1;
        if (want) {
            const auto it = std::find(cps.begin(), cps.end(), int64_t(*want));
            if (it == cps.end()) {
                std::string list;
                for (const auto c : cps)
                    list += (list.empty() ? "" : ", ") + std::to_string(c);
                throw UsageError("--from " + file + ": no checkpoint at step " + std::to_string(*want) +
                                 " (checkpoints: " + list + ")");
            }
            k = size_t(it - cps.begin());
        }
        start.step = uint32_t(cps[k]);
        if (scenario.steps <= start.step)
            throw UsageError("--from " + file + ":" + std::to_string(start.step) +
                             ": the scenario ends at step " + std::to_string(scenario.steps) +
                             ", not after the branch step (raise run.steps)");
        try {
            pop = start.source->read_checkpoint(k).pop;
        } catch (const OutputFormatError& e) {
            throw UsageError(e.what());
        }
        forked_from = file + ":" + std::to_string(start.step);
    }
    if (start.source)
        check_compatible(*start.source, scenario.city, nullptr, "--from " + forked_from);
    Engine engine = make_engine(scenario, std::move(pop), start.step, "--from " + forked_from);
    if (start.source)
        check_compatible(*start.source, scenario.city, &engine.world(), "--from " + forked_from);

    if (opts.no_output) {
        run_steps(scenario, engine, nullptr, start, opts.quiet, threads);
        return 0;
    }
    const std::string final_path = opts.output.empty() ? scenario.output.file : opts.output;
    const std::string partial = final_path + ".partial";
    if (exists(final_path) && !opts.force)
        throw UsageError(final_path + " exists; use --force to overwrite it (or -o to write elsewhere)");
    if (exists(partial) && !opts.force)
        throw UsageError(partial + " exists: an unfinished run ('icsim resume " + partial +
                         "' finishes it; --force starts over)");
    RunInfo info = run_info(scenario, threads, opts.command_line);
    info.forked_from = forked_from;
    const StopSignals signals; // from here on SIGINT/SIGTERM end the run cleanly, with a checkpoint
    std::optional<RunWriter> writer;
    writer.emplace(partial, opts.force, info, engine.world(), counter_names(engine),
                   column_chunk_rows(engine.world().pop.size()));
    RunResult r;
    try {
        r = run_steps(scenario, engine, &*writer, start, opts.quiet, threads);
        writer->close(!r.interrupted);
    } catch (const OutputFormatError& e) {
        throw UsageError(e.what());
    } catch (const h5::Error& e) {
        throw std::runtime_error("writing " + partial + ": " + e.what() + " (the file is left as it is)");
    }
    if (r.interrupted) {
        print_interrupted(r, scenario.steps, r.exit_code - 128, partial);
        return r.exit_code;
    }
    std::filesystem::rename(partial, final_path);
    std::fprintf(stderr, "icsim run: wrote %s\n", final_path.c_str());
    return 0;
}

int cmd_resume(const ResumeOptions& opts, int threads, int default_threads) {
    const std::string final_path = strip_suffix(opts.file, ".partial");
    if (final_path.empty())
        throw UsageError("resume: expected an unfinished run's file, NAME.partial; found " + opts.file);
    Start start;
    start.source = open_run_file(opts.file);
    const RunFile& src = *start.source;
    if (exists(final_path) && !opts.force)
        throw UsageError(final_path + " exists; use --force to overwrite it with the resumed run");
    // The scenario exactly as it ran. A raster layout names its file
    // relative to the original scenario's folder.
    std::vector<std::string> sets;
    const std::string toml = src.attr("scenario_toml");
    const std::string scenario_file = src.attr("scenario_file");
    {
        const auto at = toml.find("\nraster = \"");
        if (at != std::string::npos && !scenario_file.empty()) {
            const auto b = at + 11, e = toml.find('"', b);
            const std::filesystem::path raster = toml.substr(b, e - b);
            if (!raster.empty() && raster.is_relative())
                sets.push_back("city.raster=" +
                               (std::filesystem::path(scenario_file).parent_path() / raster).string());
        }
    }
    ScenarioConfig scenario;
    try {
        scenario = load_scenario_text(toml, opts.file + " (scenario_toml)", sets);
    } catch (const ScenarioError& e) {
        throw UsageError(opts.file + ": its scenario does not load: " + e.what());
    }
    scenario.source = scenario_file.empty() ? std::string("default.toml (built in)") : scenario_file;
    if (scenario.seed != src.seed())
        throw UsageError(opts.file + ": damaged (the seed attribute disagrees with the scenario)");
    if (threads == 0)
        threads = scenario.threads > 0 ? scenario.threads : default_threads;
    oneapi::tbb::global_control limit(oneapi::tbb::global_control::max_allowed_parallelism, size_t(threads));

    const auto cps = src.checkpoint_steps();
    std::optional<Population> pop;
    if (!cps.empty()) {
        start.step = uint32_t(cps.back());
        try {
            pop = src.read_checkpoint(cps.size() - 1).pop;
        } catch (const OutputFormatError& e) {
            throw UsageError(e.what());
        }
    }
    const std::string resumed_from = opts.file + ":" + std::to_string(start.step);
    check_compatible(src, scenario.city, nullptr, opts.file);
    Engine engine = make_engine(scenario, std::move(pop), start.step,
                                opts.file + " (checkpoint at step " + std::to_string(start.step) + ")");
    check_compatible(src, scenario.city, &engine.world(), opts.file);
    RunInfo info = run_info(scenario, threads, src.attr("command_line"));
    info.forked_from = src.attr("forked_from");
    info.resumed_from = resumed_from;
    if (cps.empty())
        start.source.reset(); // nothing to keep: the run starts over
    std::fprintf(stderr, "icsim resume: %s from step %u of %u\n", opts.file.c_str(), start.step,
                 scenario.steps);

    // Written beside the old file, which stays intact until the new one is
    // complete (a resume that is itself killed can be resumed again).
    const std::string temp = final_path + ".resuming";
    const StopSignals signals;
    std::optional<RunWriter> writer;
    writer.emplace(temp, true, info, engine.world(), counter_names(engine),
                   start.source ? start.source->column_chunk_rows()
                                : column_chunk_rows(engine.world().pop.size()));
    RunResult r;
    try {
        r = run_steps(scenario, engine, &*writer, start, opts.quiet, threads);
        writer->close(!r.interrupted);
    } catch (const OutputFormatError& e) {
        throw UsageError(e.what());
    } catch (const h5::Error& e) {
        throw std::runtime_error("writing " + temp + ": " + e.what() + " (" + opts.file + " is unchanged)");
    }
    if (r.interrupted) {
        std::filesystem::rename(temp, opts.file); // the newer state replaces the older partial file
        print_interrupted(r, scenario.steps, r.exit_code - 128, opts.file);
        return r.exit_code;
    }
    std::filesystem::rename(temp, final_path);
    std::filesystem::remove(opts.file);
    std::fprintf(stderr, "icsim resume: wrote %s\n", final_path.c_str());
    return 0;
}

namespace {

std::string fmt(double v) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.6g", v);
    return buf;
}

std::string list_steps(const std::vector<int64_t>& steps) {
    if (steps.empty())
        return "none";
    std::string out;
    const size_t shown = std::min<size_t>(steps.size(), 8);
    for (size_t k = 0; k < shown; ++k)
        out += (k ? ", " : "") + std::to_string(steps[k]);
    if (steps.size() > shown)
        out += ", ... " + std::to_string(steps.back());
    return out;
}

} // namespace

int cmd_inspect(const InspectOptions& opts) {
    const auto file = open_run_file(opts.file);
    const RunFile& f = *file;
    try {
        const uint64_t rows = f.rows();
        const uint32_t planned = f.planned_steps();
        const auto cps = f.checkpoint_steps();
        const auto snaps = f.snapshot_steps();
        std::printf("file          %s\n", f.path().c_str());
        if (f.complete()) {
            std::printf("status        complete: steps 0-%u\n", planned);
        } else {
            std::printf("status        partial: %s of %u steps done; ",
                        rows == 0 ? "none" : ("steps 0-" + std::to_string(rows - 1)).c_str(), planned);
            if (cps.empty())
                std::printf("no checkpoint yet ('icsim resume' starts it over)\n");
            else
                std::printf("'icsim resume' continues from the checkpoint at step %lld\n",
                            static_cast<long long>(cps.back()));
        }
        std::printf("scenario      %s (seed %llu)\n", f.attr("scenario_name").c_str(),
                    static_cast<unsigned long long>(f.seed()));
        const std::string forked = f.attr("forked_from"), resumed = f.attr("resumed_from");
        if (!forked.empty())
            std::printf("forked from   %s\n", forked.c_str());
        if (!resumed.empty())
            std::printf("resumed from  %s\n", resumed.c_str());
        std::printf("written by    icsim %s (git %s) on %s\n", f.attr("icsim_version").c_str(),
                    f.attr("git_commit").substr(0, 12).c_str(), f.attr("created_utc").c_str());
        std::printf("command       %s\n", f.attr("command_line").c_str());
        const RunFile::City city = f.city();
        const auto groups = f.group_names();
        const auto hoods = f.neighbourhood_names();
        std::printf("city          %d x %d cells x %d dwellings%s, %zu neighbourhoods, %zu groups\n",
                    city.width, city.height, city.capacity, city.torus ? " (torus)" : "", hoods.size(),
                    groups.size());
        std::printf("snapshots     %zu (steps %s)\n", snaps.size(), list_steps(snaps).c_str());
        std::printf("checkpoints   %zu (steps %s)\n", cps.size(), list_steps(cps).c_str());
        const auto events = f.events();
        std::printf("events        %zu\n", events.size());
        for (size_t k = 0; k < events.size() && k < 10; ++k)
            std::printf("  step %-6lld %-14s %s (%s)\n", static_cast<long long>(events[k].step),
                        events[k].kind.c_str(), events[k].name.c_str(), fmt(events[k].value).c_str());
        if (events.size() > 10)
            std::printf("  ... %zu more ('icsim export' writes them all)\n", events.size() - 10);
        if (rows == 0)
            return 0;
        std::printf("\n%-44s %14s %14s  %s\n", "series (first and last step)", "first", "last", "units");
        for (const auto& s : f.series()) {
            const size_t width = std::max<size_t>(s.columns.size(), 1);
            const auto a = f.read_series(s.path, 0, 1), b = f.read_series(s.path, rows - 1, 1);
            if (s.columns.empty()) {
                std::printf("%-44s %14s %14s  %s\n", s.path.c_str(), fmt(a[0]).c_str(), fmt(b[0]).c_str(),
                            s.units.c_str());
                continue;
            }
            const size_t shown = std::min<size_t>(width, 12);
            for (size_t c = 0; c < shown; ++c)
                std::printf("%-44s %14s %14s  %s\n", (s.path + "[" + s.columns[c] + "]").c_str(),
                            fmt(a[c]).c_str(), fmt(b[c]).c_str(), s.units.c_str());
            if (width > shown)
                std::printf("%-44s ... %zu more columns ('icsim export' writes them all)\n", s.path.c_str(),
                            width - shown);
        }
    } catch (const OutputFormatError& e) {
        throw UsageError(e.what());
    }
    return 0;
}

namespace {

// A CSV field: quoted when it holds a comma, quote or line break (RFC 4180).
std::string csv_field(const std::string& s) {
    if (s.find_first_of(",\"\r\n") == std::string::npos)
        return s;
    std::string out = "\"";
    for (char c : s)
        out += c == '"' ? std::string("\"\"") : std::string(1, c);
    return out + "\"";
}

std::string csv_number(double v) {
    if (std::isnan(v))
        return "";
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.17g", v);
    return buf;
}

class CsvFile {
public:
    explicit CsvFile(const std::filesystem::path& path) : path_(path), f_(std::fopen(path.c_str(), "w")) {
        if (f_ == nullptr)
            throw std::runtime_error("cannot write " + path.string() + ": " + std::strerror(errno));
    }
    ~CsvFile() {
        if (f_ != nullptr)
            std::fclose(f_);
    }
    CsvFile(const CsvFile&) = delete;
    CsvFile& operator=(const CsvFile&) = delete;
    void row(const std::vector<std::string>& fields) {
        for (size_t k = 0; k < fields.size(); ++k) {
            if (k)
                std::fputc(',', f_);
            std::fputs(fields[k].c_str(), f_);
        }
        std::fputc('\n', f_);
    }
    void close() {
        const bool bad = std::ferror(f_) != 0;
        const bool failed = std::fclose(f_) != 0;
        f_ = nullptr;
        if (bad || failed)
            throw std::runtime_error("cannot write " + path_.string() + ": " + std::strerror(errno));
    }

private:
    std::filesystem::path path_;
    std::FILE* f_;
};

} // namespace

int cmd_export(const ExportOptions& opts) {
    const auto file = open_run_file(opts.file);
    const RunFile& f = *file;
    const std::filesystem::path dir = opts.csv_dir;
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec)
        throw std::runtime_error("cannot create directory " + dir.string() + ": " + ec.message());
    size_t written = 0;
    try {
        const uint64_t rows = f.rows();
        const auto steps = f.steps();
        const auto series = f.series();
        // One table of every per-step scalar series of /timeseries, then one
        // file per series (wide tables for per-group/-lever/-neighbourhood).
        {
            std::vector<std::vector<double>> cols;
            std::vector<std::string> header = {"step"};
            for (const auto& s : series)
                if (s.columns.empty() && s.path.rfind("/timeseries/", 0) == 0) {
                    header.push_back(csv_field(s.path.substr(12)));
                    cols.push_back(f.read_series(s.path, 0, rows));
                }
            CsvFile out(dir / "timeseries.csv");
            out.row(header);
            for (uint64_t r = 0; r < rows; ++r) {
                std::vector<std::string> line = {std::to_string(steps[r])};
                for (const auto& c : cols)
                    line.push_back(csv_number(c[r]));
                out.row(line);
            }
            out.close();
            ++written;
        }
        for (const auto& s : series) {
            std::string name = s.path.substr(1);
            std::replace(name.begin(), name.end(), '/', '_');
            const auto values = f.read_series(s.path, 0, rows);
            const size_t width = std::max<size_t>(s.columns.size(), 1);
            std::vector<std::string> header = {"step"};
            if (s.columns.empty())
                header.push_back(csv_field(s.path.substr(s.path.rfind('/') + 1)));
            for (const auto& c : s.columns)
                header.push_back(csv_field(c));
            CsvFile out(dir / (name + ".csv"));
            out.row(header);
            for (uint64_t r = 0; r < rows; ++r) {
                std::vector<std::string> line = {std::to_string(steps[r])};
                for (size_t c = 0; c < width; ++c)
                    line.push_back(csv_number(values[size_t(r) * width + c]));
                out.row(line);
            }
            out.close();
            ++written;
        }
        {
            CsvFile out(dir / "events.csv");
            out.row({"step", "kind", "name", "value"});
            for (const auto& e : f.events())
                out.row({std::to_string(e.step), csv_field(e.kind), csv_field(e.name), csv_number(e.value)});
            out.close();
            ++written;
        }
    } catch (const OutputFormatError& e) {
        throw UsageError(e.what());
    }
    std::fprintf(stderr, "icsim export: wrote %zu CSV files to %s\n", written, dir.string().c_str());
    return 0;
}

// Lists named entries with their descriptions; returns exit code 0.
template <class Entries>
int print_list(const char* header, const Entries& entries) {
    std::printf("%s:\n", header);
    for (const auto& e : entries)
        std::printf("  %-20s %s\n", e.name.c_str(), e.description.c_str());
    return 0;
}

// "unknown <what> 'name' (did you mean 'x'?); '<list_command>' lists them"
template <class Entries>
[[noreturn]] void throw_unknown(const char* what, const std::string& name, const Entries& entries,
                                const char* list_command) {
    std::vector<std::string> names;
    for (const auto& e : entries)
        names.push_back(e.name);
    const std::string guess = closest_name(name, names);
    throw UsageError(std::string("unknown ") + what + " '" + name + "'" +
                     (guess.empty() ? "" : " (did you mean '" + guess + "'?)") + "; '" + list_command +
                     "' lists them");
}

int cmd_classic(const ClassicOptions& opts) {
    if (opts.model.empty()) {
        return print_list("classic models (icsim classic MODEL [--set k=v ...] [--runs N] [--seed S] --json)",
                          classic_models());
    }
    const ClassicModel* model = find_classic(opts.model);
    if (model == nullptr)
        throw_unknown("classic model", opts.model, classic_models(), "icsim classic");
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
        j["metrics"][m.name] = {{"mean", m.mean}, {"sd", m.sd},   {"se", m.se},
                                {"min", m.min},   {"max", m.max}, {"count", m.count}};
    std::printf("%s\n", j.dump().c_str());
    return 0;
}

int cmd_validate(bool quick, uint64_t seed) {
    ValidationReport report = run_validation(quick, seed);
    append_city_calibration(report, quick, seed);
    print_validation(report, stdout);
    return report.failures() == 0 ? 0 : 1;
}

int cmd_bench(const BenchOptions& opts) {
    if (opts.name.empty()) {
        return print_list("benchmarks (icsim bench NAME [--runs N] --json)", bench_cases());
    }
    const BenchCase* bc = find_bench(opts.name);
    if (bc == nullptr)
        throw_unknown("benchmark", opts.name, bench_cases(), "icsim bench");
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
    for (const auto& [k, v] : r.extra)
        j[k] = v;
    if (opts.json) {
        std::printf("%s\n", j.dump().c_str());
    } else {
        for (const auto& [k, v] : j.items())
            std::printf("%-28s %s\n", k.c_str(), v.dump().c_str());
    }
    return 0;
}

} // namespace icsim::app
