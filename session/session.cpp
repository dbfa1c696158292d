#include "session/session.hpp"

#include <array>
#include <atomic>
#include <chrono>
#include <csignal>
#include <ctime>
#include <filesystem>
#include <mutex>
#include <system_error>
#include <utility>

#include <signal.h>

#include "output/h5.hpp"
#include "output/reader.hpp"
#include "scenarios/loader.hpp"
#include "sim/clock.hpp"
#include "sim/params.hpp"

namespace icsim {

namespace {

using Clock = std::chrono::steady_clock;

double since(Clock::time_point t0) {
    return std::chrono::duration<double>(Clock::now() - t0).count();
}

constexpr const char* kLivePrefix = "live:";

// Opens an icsim output file; a foreign or damaged file is bad input.
std::unique_ptr<RunFile> open_run_file(const std::string& path) {
    try {
        return std::make_unique<RunFile>(path);
    } catch (const OutputFormatError& e) {
        throw SessionError(e.what());
    }
}

std::string strip_suffix(const std::string& s, const std::string& suffix) {
    return s.size() > suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0
               ? s.substr(0, s.size() - suffix.size())
               : std::string();
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
        throw SessionError(scenario.source + ": " + e.what());
    } catch (const std::invalid_argument& e) {
        if (pop)
            throw SessionError(state_name + " does not fit " + scenario.source + ": " + e.what());
        throw SessionError(scenario.source + ": " + e.what());
    }
}

// A fork's or resumption's source must describe the same city: grid,
// capacity, topology, neighbourhoods and groups (the copied history and the
// saved homes refer to them). `w` null: the checks the scenario's config
// allows before building.
void check_compatible(const RunFile& source, const CityConfig& city, const World* w,
                      const std::string& what) {
    const RunFile::City c = source.city();
    auto refuse = [&](const std::string& why) {
        throw SessionError(what + " cannot start this scenario: " + why);
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

const LeverInfo* find_lever(const std::string& name) {
    for (const auto& l : lever_table())
        if (name == l.name)
            return &l;
    return nullptr;
}

// Time spent writing output, wall-clock and CPU (all threads).
struct OutputClock {
    double wall = 0, cpu = 0;
    template <class F>
    void time(F&& f) {
        const auto t0 = Clock::now();
        const double c0 = process_cpu_seconds();
        f();
        cpu += process_cpu_seconds() - c0;
        wall += since(t0);
    }
};

} // namespace

struct RunSession::State {
    ScenarioConfig scenario;
    Engine engine;
    uint32_t start = 0;
    std::unique_ptr<RunFile> source; // a fork's or resumption's file, until its history is copied
    bool resumed = false;
    std::string forked_from, resumed_from;
    std::string source_command_line; // a resumption keeps the original run's command

    std::unique_ptr<RunWriter> writer;
    std::string final_path, working_path;
    bool finished = false;
    std::optional<uint32_t> last_checkpoint;
    std::optional<WriterTimes> closed_times; // the writer's account, kept after finish()

    std::atomic<int> stop{0};
    int stop_code = 0;

    std::mutex lever_mutex; // guards pending and live
    std::array<std::optional<double>, kLeverCount> pending{};
    std::array<double, kLeverCount> live{}; // the levels in force, pending ones included

    mutable std::mutex published_mutex; // guards published
    Counters published;
    std::atomic<uint32_t> last_step{0};

    std::function<void(uint32_t)> on_step;
    Counters totals;
    bool started = false;
    Clock::time_point t0;
    double cpu0 = 0, stepping = 0;
    uint32_t steps_run = 0;
    OutputClock out;

    State(ScenarioConfig sc, Engine e, uint32_t start_step)
        : scenario(std::move(sc)), engine(std::move(e)), start(start_step), last_step(start_step) {}

    void begin() {
        if (started)
            return;
        started = true;
        t0 = Clock::now();
        cpu0 = process_cpu_seconds();
    }

    // The writer's calls, with its errors as the CLI reports them.
    template <class F>
    void write(F&& f) {
        try {
            out.time(std::forward<F>(f));
        } catch (const OutputFormatError& e) {
            throw SessionError(e.what());
        } catch (const h5::Error& e) {
            throw std::runtime_error("writing " + working_path + ": " + e.what() +
                                     (resumed ? " (" + source_path() + " is unchanged)"
                                              : std::string(" (the file is left as it is)")));
        }
    }
    std::string source_path() const { return resumed_from.substr(0, resumed_from.rfind(':')); }

    void checkpoint() {
        const uint32_t s = engine.steps_done();
        if (!writer || last_checkpoint == s)
            return;
        write([&] { writer->checkpoint(s, engine.world().pop); });
        last_checkpoint = s;
    }

    // Live lever changes: the ones requested since the last step, from the
    // coming step `next` on.
    void apply_levers(uint32_t next) {
        std::array<std::optional<double>, kLeverCount> changes;
        {
            const std::lock_guard lock(lever_mutex);
            changes = pending;
            pending.fill(std::nullopt);
        }
        bool any = false;
        for (const auto& c : changes)
            any = any || c.has_value();
        if (!any)
            return;
        PolicySchedule policy = engine.policy();
        for (size_t l = 0; l < kLeverCount; ++l)
            if (changes[l])
                change_lever(policy, lever_table()[l], *changes[l], next);
        engine.set_policy(std::move(policy));
    }

    static void change_lever(PolicySchedule& policy, const LeverInfo& lever, double value, uint32_t from) {
        const std::string name = std::string(kLivePrefix) + lever.name;
        for (size_t k = 0; k < policy.policies().size(); ++k)
            if (policy.policies()[k].name == name && policy.policies()[k].end > from)
                policy.end(k, from);
        if (value <= 0)
            return;
        PolicySpec p;
        p.name = name;
        p.lever = lever.lever;
        p.start = from;
        p.intensity = value;
        policy.add(std::move(p));
    }

    // The live lever changes recorded in the source's /events up to the
    // start step, re-applied so that the run goes on as it went.
    void replay_levers(const RunFile& file) {
        PolicySchedule policy = engine.policy();
        bool any = false;
        for (const auto& e : file.events()) {
            if (e.step > int64_t(start) || e.name.rfind(kLivePrefix, 0) != 0)
                continue;
            const LeverInfo* lever = find_lever(e.name.substr(std::char_traits<char>::length(kLivePrefix)));
            if (lever == nullptr)
                continue;
            if (e.kind == "policy_start")
                change_lever(policy, *lever, e.value, uint32_t(e.step));
            else if (e.kind == "policy_end")
                change_lever(policy, *lever, 0, uint32_t(e.step));
            else
                continue;
            live[size_t(lever->lever)] = e.kind == "policy_start" ? e.value : 0.0;
            any = true;
        }
        if (any)
            engine.set_policy(std::move(policy));
    }

    RunInfo run_info(const OutputOptions& o) const {
        RunInfo info;
        info.icsim_version = o.icsim_version;
        info.scenario_name = scenario.name;
        info.scenario_toml = scenario.resolved_toml;
        // Absolute, so that a resumption finds a raster file next to it
        // from any working directory.
        std::error_code ec;
        const auto absolute = std::filesystem::absolute(scenario.source, ec);
        info.scenario_file =
            scenario.source.empty() || scenario.source.find("(built in)") != std::string::npos || ec
                ? scenario.source
                : absolute.lexically_normal().string();
        info.command_line = resumed ? source_command_line : o.command_line;
        info.seed = scenario.seed;
        info.steps = scenario.steps;
        info.step_days = scenario.step_days;
        info.threads = o.threads;
        info.snapshot_every = scenario.output.snapshot_every;
        info.checkpoint_every = scenario.output.checkpoint_every;
        info.forked_from = forked_from;
        info.resumed_from = resumed_from;
        return info;
    }
};

RunSession::RunSession(std::unique_ptr<State> state) : s_(std::move(state)) {}
RunSession::RunSession(RunSession&&) noexcept = default;
RunSession& RunSession::operator=(RunSession&&) noexcept = default;
RunSession::~RunSession() = default;

RunSession::RunSession(ScenarioConfig scenario) {
    Engine engine = make_engine(scenario, std::nullopt, 0, "");
    s_ = std::make_unique<State>(std::move(scenario), std::move(engine), 0);
}

RunSession RunSession::fork(ScenarioConfig scenario, const std::string& base, std::optional<uint32_t> step) {
    auto source = open_run_file(base);
    const auto cps = source->checkpoint_steps();
    if (cps.empty())
        throw SessionError("--from " + base + ": the file holds no checkpoint to start from");
    size_t k = cps.size() - 1;
    if (step) {
        const auto it = std::find(cps.begin(), cps.end(), int64_t(*step));
        if (it == cps.end()) {
            std::string list;
            for (const auto c : cps)
                list += (list.empty() ? "" : ", ") + std::to_string(c);
            throw SessionError("--from " + base + ": no checkpoint at step " + std::to_string(*step) +
                               " (checkpoints: " + list + ")");
        }
        k = size_t(it - cps.begin());
    }
    const uint32_t start = uint32_t(cps[k]);
    if (scenario.steps <= start)
        throw SessionError("--from " + base + ":" + std::to_string(start) + ": the scenario ends at step " +
                           std::to_string(scenario.steps) + ", not after the branch step (raise run.steps)");
    std::optional<Population> pop;
    try {
        pop = source->read_checkpoint(k).pop;
    } catch (const OutputFormatError& e) {
        throw SessionError(e.what());
    }
    const std::string forked_from = base + ":" + std::to_string(start);
    const std::string what = "--from " + forked_from;
    check_compatible(*source, scenario.city, nullptr, what);
    Engine engine = make_engine(scenario, std::move(pop), start, what);
    check_compatible(*source, scenario.city, &engine.world(), what);
    auto st = std::make_unique<State>(std::move(scenario), std::move(engine), start);
    st->forked_from = forked_from;
    st->replay_levers(*source);
    st->source = std::move(source);
    return RunSession(std::move(st));
}

RunSession RunSession::resume(const std::string& partial, bool overwrite) {
    const std::string final_path = strip_suffix(partial, ".partial");
    if (final_path.empty())
        throw SessionError("resume: expected an unfinished run's file, NAME.partial; found " + partial);
    auto source = open_run_file(partial);
    const RunFile& src = *source;
    std::error_code ec;
    if (std::filesystem::exists(final_path, ec) && !overwrite)
        throw SessionError(final_path + " exists; use --force to overwrite it with the resumed run");
    // The scenario exactly as it ran; a raster layout names its file
    // relative to the original scenario's folder.
    const std::string toml = src.attr("scenario_toml");
    const std::string scenario_file = src.attr("scenario_file");
    ScenarioConfig scenario;
    try {
        scenario = load_scenario_text(toml, partial + " (scenario_toml)", {},
                                      std::filesystem::path(scenario_file).parent_path());
    } catch (const ScenarioError& e) {
        throw SessionError(partial + ": its scenario does not load: " + e.what());
    }
    scenario.source = scenario_file.empty() ? std::string("default.toml (built in)") : scenario_file;
    if (scenario.seed != src.seed())
        throw SessionError(partial + ": damaged (the seed attribute disagrees with the scenario)");
    const auto cps = src.checkpoint_steps();
    std::optional<Population> pop;
    uint32_t start = 0;
    if (!cps.empty()) {
        start = uint32_t(cps.back());
        try {
            pop = src.read_checkpoint(cps.size() - 1).pop;
        } catch (const OutputFormatError& e) {
            throw SessionError(e.what());
        }
    }
    check_compatible(src, scenario.city, nullptr, partial);
    Engine engine = make_engine(scenario, std::move(pop), start,
                                partial + " (checkpoint at step " + std::to_string(start) + ")");
    check_compatible(src, scenario.city, &engine.world(), partial);
    auto st = std::make_unique<State>(std::move(scenario), std::move(engine), start);
    st->resumed = true;
    st->resumed_from = partial + ":" + std::to_string(start);
    st->forked_from = src.attr("forked_from");
    st->source_command_line = src.attr("command_line");
    if (!cps.empty()) {
        st->replay_levers(src);
        st->source = std::move(source);
    } // else nothing to keep: the run starts over
    return RunSession(std::move(st));
}

void RunSession::open_output(const OutputOptions& options) {
    State& m = *s_;
    if (m.writer || m.finished)
        throw std::logic_error("RunSession::open_output: called twice");
    if (m.resumed) {
        const std::string partial = m.source_path();
        m.final_path = options.path.empty() ? strip_suffix(partial, ".partial") : options.path;
        m.working_path = m.final_path + ".resuming";
    } else {
        m.final_path = options.path.empty() ? m.scenario.output.file : options.path;
        m.working_path = m.final_path + ".partial";
    }
    const World& w = m.engine.world();
    std::vector<std::string> names;
    for (const auto& [name, value] : m.engine.counters())
        names.push_back(name);
    // A resumption keeps the chunking of the file it continues.
    const uint64_t chunk_rows =
        m.resumed && m.source ? m.source->column_chunk_rows() : column_chunk_rows(w.pop.size());
    m.writer = std::make_unique<RunWriter>(m.working_path, m.resumed || options.overwrite,
                                           m.run_info(options), w, names, chunk_rows);
    m.begin();
    m.write([&] {
        if (m.source) {
            m.writer->copy_history(*m.source, m.start);
            m.source.reset();
        } else {
            m.writer->step(m.start, w, {}, m.engine.policy(), &m.engine.mechanisms());
            if (m.scenario.output.snapshot_every > 0)
                m.writer->snapshot(m.start, w.pop);
        }
    });
}

uint32_t RunSession::step() {
    State& m = *s_;
    if (done())
        throw std::logic_error("RunSession::step: the scenario's last step is done");
    m.begin();
    const uint32_t s = m.engine.steps_done() + 1;
    m.apply_levers(s);
    const auto t0 = Clock::now();
    m.engine.step();
    m.stepping += since(t0);
    ++m.steps_run;
    const Counters c = m.engine.counters();
    if (m.totals.empty())
        m.totals.assign(c.begin(), c.end());
    else
        for (size_t k = 0; k < c.size(); ++k)
            m.totals[k].second += c[k].second;
    if (m.writer) {
        const World& w = m.engine.world();
        const uint32_t snap = m.scenario.output.snapshot_every, cp = m.scenario.output.checkpoint_every;
        m.write([&] {
            m.writer->step(s, w, c, m.engine.policy(), &m.engine.mechanisms());
            if (snap > 0 && s % snap == 0)
                m.writer->snapshot(s, w.pop);
            if (cp > 0 && s % cp == 0) {
                m.writer->checkpoint(s, w.pop);
                m.last_checkpoint = s;
            }
        });
    }
    {
        const std::lock_guard lock(m.published_mutex);
        m.published = c;
    }
    m.last_step.store(s, std::memory_order_release);
    if (m.on_step)
        m.on_step(s);
    return s;
}

StopReason RunSession::run_until(uint32_t last) {
    State& m = *s_;
    last = std::min(last, m.scenario.steps);
    while (m.engine.steps_done() < last) {
        const uint32_t s = step();
        const int code = m.stop.load(std::memory_order_relaxed);
        if (code != 0 && s < m.scenario.steps) {
            m.stop.store(0, std::memory_order_relaxed);
            m.stop_code = code;
            m.checkpoint();
            return StopReason::StopRequested;
        }
    }
    return StopReason::Done;
}

void RunSession::checkpoint_now() {
    s_->checkpoint();
}

FinishResult RunSession::finish() {
    State& m = *s_;
    FinishResult r;
    r.complete = done();
    if (!m.writer || m.finished)
        return r;
    if (!r.complete)
        m.checkpoint();
    m.write([&] { m.writer->close(r.complete); });
    m.closed_times = m.writer->times();
    m.writer.reset();
    m.finished = true;
    if (r.complete) {
        std::filesystem::rename(m.working_path, m.final_path);
        if (m.resumed)
            std::filesystem::remove(m.source_path());
        r.path = m.final_path;
    } else if (m.resumed) {
        std::filesystem::rename(m.working_path, m.source_path()); // the newer state replaces the older
        r.path = m.source_path();
    } else {
        r.path = m.working_path;
    }
    return r;
}

void RunSession::request_stop(int code) noexcept {
    s_->stop.store(code == 0 ? -1 : code, std::memory_order_relaxed);
}

int RunSession::stop_code() const noexcept {
    return s_->stop_code;
}

void RunSession::set_lever(const std::string& lever, double intensity) {
    check_lever(lever, intensity);
    const LeverInfo* l = find_lever(lever);
    const std::lock_guard lock(s_->lever_mutex);
    s_->pending[size_t(l->lever)] = intensity;
    s_->live[size_t(l->lever)] = intensity;
}

void RunSession::check_lever(const std::string& lever, double intensity) {
    const LeverInfo* l = find_lever(lever);
    if (l == nullptr) {
        std::vector<std::string> names;
        for (const auto& e : lever_table())
            names.emplace_back(e.name);
        const std::string guess = closest_name(lever, names);
        throw SessionError("unknown lever '" + lever + "'" +
                           (guess.empty() ? "" : " (did you mean '" + guess + "'?)"));
    }
    if (!(intensity >= 0 && intensity <= 1))
        throw SessionError("lever " + lever + ": intensity " + std::to_string(intensity) + " is not in 0-1");
}

std::array<double, kLeverCount> RunSession::live_levers() const {
    const std::lock_guard lock(s_->lever_mutex);
    return s_->live;
}

void RunSession::flush_output() {
    if (s_->writer)
        s_->write([&] { s_->writer->flush(); });
}

void RunSession::on_step(std::function<void(uint32_t)> callback) {
    s_->on_step = std::move(callback);
}

uint32_t RunSession::last_step() const noexcept {
    return s_->last_step.load(std::memory_order_acquire);
}

Counters RunSession::latest_counters() const {
    const std::lock_guard lock(s_->published_mutex);
    return s_->published;
}

const ScenarioConfig& RunSession::scenario() const {
    return s_->scenario;
}
const Engine& RunSession::engine() const {
    return s_->engine;
}
const World& RunSession::world() const {
    return s_->engine.world();
}
uint32_t RunSession::start_step() const {
    return s_->start;
}
uint32_t RunSession::steps() const {
    return s_->scenario.steps;
}
bool RunSession::done() const {
    return s_->engine.steps_done() >= s_->scenario.steps;
}
bool RunSession::has_output() const {
    return s_->writer != nullptr;
}
const std::string& RunSession::forked_from() const {
    return s_->forked_from;
}
const std::string& RunSession::resumed_from() const {
    return s_->resumed_from;
}
const Counters& RunSession::counter_totals() const {
    return s_->totals;
}

SessionTimings RunSession::timings() const {
    const State& m = *s_;
    SessionTimings t;
    t.steps = m.steps_run;
    if (m.started) {
        t.wall = since(m.t0);
        t.cpu = process_cpu_seconds() - m.cpu0;
    }
    t.stepping = m.stepping;
    t.output_wall = m.out.wall;
    t.output_cpu = m.out.cpu;
    t.mechanism = m.engine.mechanism_seconds();
    return t;
}

std::optional<WriterTimes> RunSession::writer_times() const {
    if (!s_->writer)
        return s_->closed_times;
    return s_->writer->times();
}

// The handler stores into the session's atomic: lock-free, so
// async-signal-safe.
namespace {
std::atomic<RunSession*> g_signalled{nullptr};
static_assert(std::atomic<int>::is_always_lock_free);

extern "C" void on_stop_signal(int sig) {
    if (RunSession* s = g_signalled.load())
        s->request_stop(sig);
}
} // namespace

struct StopOnSignals::Saved {
    struct sigaction old_int {
    }, old_term{};
};

StopOnSignals::StopOnSignals(RunSession& session) : saved_(std::make_unique<Saved>()) {
    g_signalled.store(&session);
    struct sigaction sa {};
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESETHAND;
    sigaction(SIGINT, &sa, &saved_->old_int);
    sigaction(SIGTERM, &sa, &saved_->old_term);
}

StopOnSignals::~StopOnSignals() {
    sigaction(SIGINT, &saved_->old_int, nullptr);
    sigaction(SIGTERM, &saved_->old_term, nullptr);
    g_signalled.store(nullptr);
}

} // namespace icsim
