// Live mode's engine side (no GL, no ImGui): a RunSession stepping a city
// on its own thread and writing its HDF5 file as `icsim run` does. The
// viewer shows the file being written (Viewer::follow, HDF5 SWMR) and talks
// to the engine only through this class's calls, each of which returns at
// once: none waits for a step, and no lock is held while the UI draws.
#pragma once

#include <array>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "session/session.hpp"

namespace icsim::viz {

// A lever change scripted on the command line (--set-lever NAME=VALUE@STEP):
// `value` is in force from step `step` on (RunSession::set_lever before
// that step starts).
struct LeverChange {
    std::string lever;
    double value = 0;
    uint32_t step = 1;
};
// Parses NAME=VALUE@STEP; throws SessionError naming what was expected.
LeverChange parse_lever_change(const std::string& text);

struct LiveOptions {
    ScenarioConfig scenario;
    OutputOptions output; // output.path: the final name; written as PATH.partial
    std::vector<LeverChange> script;
    std::optional<uint32_t> pause_at; // pause (with the steps committed) once this step is done
    double speed = 0;                 // steps per second; 0 = as fast as possible
};

class LiveRunner {
public:
    // Builds the session and writes step 0 on the calling thread (throws
    // SessionError for bad input, std::runtime_error when the file cannot
    // be written), then starts the engine thread, which owns the session
    // from then on.
    explicit LiveRunner(LiveOptions options);
    ~LiveRunner(); // stop()
    LiveRunner(const LiveRunner&) = delete;
    LiveRunner& operator=(const LiveRunner&) = delete;

    void set_paused(bool paused);
    bool paused() const;
    // Steps per second the engine aims at (it sleeps between steps); 0 =
    // as fast as it can.
    void set_speed(double steps_per_second);
    double speed() const;
    // A lever's live level (0-1), from the next step (RunSession::set_lever).
    void set_lever(const std::string& lever, double value);
    std::array<double, kLeverCount> levers() const;

    // Starts over: the engine thread stops the run, deletes its file (the
    // run so far is discarded), and starts a fresh session of the same
    // scenario and seed at step 0 under the same name, paused state and
    // speed kept, levers back to the scenario's. Returns at once;
    // generation() grows when the new file holds step 0. The caller must
    // have closed its handles on the file first.
    void reset();
    uint64_t generation() const { return generation_.load(); }
    bool resetting() const { return resetting_.load(); }

    // The file being written (PATH.partial) and its final name.
    const std::string& working_path() const { return working_; }
    const std::string& final_path() const { return final_; }
    uint32_t last_step() const; // the last step computed
    uint32_t steps() const { return steps_; }
    bool done() const { return last_step() >= steps_; }
    // A failure on the engine thread (the engine then stops); "" if none.
    std::string error() const;

    // Stops the engine after the step under way, joins its thread and
    // closes the file: complete (renamed to its final name) when the last
    // step is done, else with a checkpoint, resumable with `icsim resume`.
    // Idempotent; the caller must have closed its handles on the file.
    FinishResult stop();

private:
    void loop();
    void start_session();  // engine thread (or the constructor's)
    bool can_step() const; // under mu_

    LiveOptions options_;
    std::string final_, working_;
    uint32_t steps_ = 0;
    std::unique_ptr<RunSession> session_; // replaced only by the engine thread, under mu_

    mutable std::mutex mu_;
    std::condition_variable cv_;
    bool paused_ = false, quit_ = false, reset_ = false;
    double speed_ = 0;
    uint32_t computed_ = 0; // under mu_: the last step done (the loop's view)
    std::string error_;
    std::atomic<uint64_t> generation_{0};
    std::atomic<bool> resetting_{false};
    std::atomic<uint32_t> last_{0};
    std::optional<FinishResult> finished_;
    std::thread thread_;
};

} // namespace icsim::viz
