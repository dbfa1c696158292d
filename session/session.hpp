// RunSession: one run of a city, as a library object. It owns the engine,
// the optional HDF5 writer (output/writer.hpp) with its snapshot and
// checkpoint schedule, the stop flag, the start (fresh, a fork from another
// run's checkpoint, or the resumption of an unfinished file) and the run's
// timings. `icsim run`, `icsim resume`, `icsim bench` and the city
// calibration all step a city through it; a viewer or an ensemble runner
// wraps it the way MASON's GUIState wraps SimState (Luke et al. 2005,
// "MASON: A Multiagent Simulation Environment", Simulation 81:517).
//
// A session with output:
//   RunSession s(scenario);                 // or RunSession::fork/resume
//   s.open_output(output_to("out.h5"));     // writes step 0 (or the history)
//   const StopReason why = s.run_until(s.steps());
//   const FinishResult r = s.finish();      // out.h5.partial -> out.h5
// Without open_output() nothing is written; the engine runs the same.
//
// Thread-safety: the session belongs to one thread (the "owner": the CLI's
// main thread, a viewer's simulation thread) which calls everything not
// listed below. From any thread, at any time:
//   request_stop()   -- async-signal-safe too (one atomic store): the owner's
//                       run_until() returns after the step under way;
//   set_lever()      -- queued under a mutex, applied from the next step the
//                       owner starts;
//   last_step(), latest_counters() -- the last completed step and its
//                       counters, published after each step;
//   live_levers()    -- the live lever levels in force from the next step.
// The reported time series are computed by the writer; other threads read
// them from the output file, which the writer keeps readable while it grows
// (HDF5 SWMR; docs/hdf5-schema.md).
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "output/writer.hpp"
#include "scenarios/scenario.hpp"
#include "sim/engine.hpp"

namespace icsim {

// Bad input met while setting a session up or writing its file: a foreign,
// damaged or unsuitable file, a checkpoint that does not fit the scenario.
// The message is one line naming the file and what was expected (the CLI
// prints it and exits with code 2). Failures at run time (a disk that
// fills up) are other std::runtime_errors.
struct SessionError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

struct OutputOptions {
    // The final file name ("" = the scenario's output.file; a resumed
    // session: the unfinished file's name without ".partial"). The file is
    // written as PATH.partial (a resumed one as PATH.resuming, next to the
    // old file, which stays intact) until finish() renames it.
    std::string path;
    bool overwrite = false; // replace an existing working file
    // Recorded in /metadata (a resumed session keeps the original command).
    std::string icsim_version;
    std::string command_line;
    int threads = 0; // the thread count the run is given
};

// OutputOptions writing `path`, the rest as defaulted.
inline OutputOptions output_to(std::string path) {
    OutputOptions o;
    o.path = std::move(path);
    return o;
}

enum class StopReason {
    Done,          // reached the requested step (or the scenario's last)
    StopRequested, // request_stop() was called; with output, a checkpoint holds the last step
};

struct SessionTimings {
    uint32_t steps = 0;            // steps computed by this session
    double wall = 0, cpu = 0;      // seconds since the session began writing or stepping (CPU: all threads)
    double stepping = 0;           // wall seconds inside Engine::step
    double output_wall = 0;        // wall seconds in the writer (the history copy included)
    double output_cpu = 0;         // CPU seconds in the writer
    std::vector<double> mechanism; // seconds per mechanism (Engine::mechanism_seconds)
};

struct FinishResult {
    bool complete = false; // the last step was written; the file has its final name
    std::string path;      // where the file is (with output)
};

class RunSession {
public:
    // A fresh run of `scenario` from step 0. Throws SessionError when the
    // scenario cannot run (a parameter out of range).
    explicit RunSession(ScenarioConfig scenario);
    // A fork: the state of the checkpoint of run `base` at `step` (none:
    // its last), continued under `scenario`; the output copies the base's
    // history up to that step. The base must describe the same city.
    static RunSession fork(ScenarioConfig scenario, const std::string& base,
                           std::optional<uint32_t> step = std::nullopt);
    // The unfinished run `partial` (NAME.partial) continued from its last
    // checkpoint (from step 0 without one) under the scenario it recorded;
    // relative files the scenario names (a raster) resolve against the
    // recorded scenario file's folder. Refuses when NAME exists, unless
    // `overwrite` (finish() replaces it).
    static RunSession resume(const std::string& partial, bool overwrite = false);

    RunSession(RunSession&&) noexcept;
    RunSession& operator=(RunSession&&) noexcept;
    ~RunSession(); // an unfinished file is closed as it stands (resumable from its last checkpoint)

    // Creates the output file and writes the state so far: step 0 (and its
    // snapshot), or a fork's or resumption's copied history. At most once.
    void open_output(const OutputOptions& options);

    // Computes the next step, then writes its series, and the snapshot and
    // checkpoint the scenario's schedule asks for. Returns its number.
    // Throws std::logic_error past the scenario's last step.
    uint32_t step();
    // Steps until step `last` (capped at the scenario's last) is done, or a
    // stop was requested: with output, the stop leaves a checkpoint of the
    // last completed step (unless it is the scenario's last). The request
    // is then consumed: a later call runs on.
    StopReason run_until(uint32_t last);
    // A checkpoint of the current state now (with output; a no-op when the
    // current step already has one).
    void checkpoint_now();
    // Closes the output: complete after the scenario's last step (renamed
    // to its final name; a resumed run's old file is removed), otherwise
    // with a checkpoint of the current step, resumable (a resumed run's
    // file replaces the old unfinished one). Without output: returns
    // {complete = done(), ""}.
    FinishResult finish();

    // Any thread; async-signal-safe. `code` is kept for the caller (the
    // CLI passes the signal number).
    void request_stop(int code = -1) noexcept;
    int stop_code() const noexcept; // the last request's code (0 = none)

    // A city-wide lever level added from the next step on: a policy
    // "live:<lever>" of that intensity (0-1; 0 = none), on top of the
    // baseline and the scenario's policies (their sum capped at 1), in
    // force until the next change of the same lever. Recorded in /events
    // as policy_start / policy_end with that name; a fork or resumption of
    // the file re-applies the changes in force at its start step. Any
    // thread. Throws SessionError for an unknown lever name or a value
    // outside 0-1.
    void set_lever(const std::string& lever, double intensity);
    // set_lever's checks alone: throws SessionError as it would.
    static void check_lever(const std::string& lever, double intensity);

    // Any thread: the live lever levels (set_lever's, 0 where none) the next
    // step applies, by lever (lever_table() order): the requested ones
    // included, so a slider shows what it asked for.
    std::array<double, kLeverCount> live_levers() const;

    // With output: commits the steps written so far at once (a reader
    // following the file sees them now, not within the second); the file's
    // contents do not change. Owner thread.
    void flush_output();

    // Called on the owner thread after every step (written, if output is
    // open) with its number: the CLI's progress bar, a viewer's redraw.
    void on_step(std::function<void(uint32_t step)> callback);

    // Any thread: the last completed step and a copy of its counters.
    uint32_t last_step() const noexcept;
    Counters latest_counters() const;

    // Owner thread only.
    const ScenarioConfig& scenario() const;
    const Engine& engine() const;
    const World& world() const;
    uint32_t start_step() const; // 0, or the fork's / resumption's checkpoint step
    uint32_t steps() const;      // the scenario's last step
    bool done() const;           // the last step is computed
    bool has_output() const;
    // "FILE:STEP" for a fork / a resumption, else "".
    const std::string& forked_from() const;
    const std::string& resumed_from() const;
    // The counters summed over the steps this session computed.
    const Counters& counter_totals() const;
    SessionTimings timings() const;
    // The writer's account of its time (kept after finish()); none without output.
    std::optional<WriterTimes> writer_times() const;

private:
    struct State;
    explicit RunSession(std::unique_ptr<State> state);
    std::unique_ptr<State> s_;
};

// While alive, SIGINT and SIGTERM request a stop of `session` (the signal
// number as the code). One-shot (SA_RESETHAND): a second signal ends the
// program at once, leaving its file resumable from its last checkpoint. One
// at a time per process.
class StopOnSignals {
public:
    explicit StopOnSignals(RunSession& session);
    ~StopOnSignals();
    StopOnSignals(const StopOnSignals&) = delete;
    StopOnSignals& operator=(const StopOnSignals&) = delete;

private:
    struct Saved;
    std::unique_ptr<Saved> saved_;
};

} // namespace icsim
