#include "viz/live.hpp"

#include <chrono>
#include <filesystem>
#include <system_error>

namespace icsim::viz {

namespace {

using Clock = std::chrono::steady_clock;

// Commits at most this often while stepping (and whenever the engine
// stops to wait), so that the viewer's next reading sees the new steps.
constexpr double kFlushSeconds = 0.2;

} // namespace

LeverChange parse_lever_change(const std::string& text) {
    const auto eq = text.find('='), at = text.rfind('@');
    const std::string expected =
        "--set-lever expects NAME=VALUE@STEP (e.g. anti_rumours=0.8@10), got '" + text + "'";
    if (eq == std::string::npos || eq == 0 || at == std::string::npos || at < eq + 2 || at + 1 >= text.size())
        throw SessionError(expected);
    LeverChange c;
    c.lever = text.substr(0, eq);
    try {
        size_t used = 0;
        const std::string v = text.substr(eq + 1, at - eq - 1), s = text.substr(at + 1);
        c.value = std::stod(v, &used);
        if (used != v.size())
            throw std::invalid_argument(v);
        const long step = std::stol(s, &used);
        if (used != s.size() || step < 1 || step > long(UINT32_MAX))
            throw std::invalid_argument(s);
        c.step = uint32_t(step);
    } catch (const std::exception&) {
        throw SessionError(expected);
    }
    if (!(c.value >= 0 && c.value <= 1))
        throw SessionError("--set-lever " + text + ": the value must be in 0-1");
    return c;
}

LiveRunner::LiveRunner(LiveOptions options) : options_(std::move(options)) {
    speed_ = options_.speed;
    final_ = options_.output.path.empty() ? options_.scenario.output.file : options_.output.path;
    working_ = final_ + ".partial";
    steps_ = options_.scenario.steps;
    // Unknown levers are bad input, refused before anything is written.
    for (const auto& c : options_.script)
        RunSession::check_lever(c.lever, c.value);
    start_session();
    thread_ = std::thread([this] { loop(); });
}

LiveRunner::~LiveRunner() {
    try {
        stop();
    } catch (const std::exception&) {
        // The file stays as it was left (resumable from its last checkpoint).
    }
}

void LiveRunner::start_session() {
    auto s = std::make_unique<RunSession>(options_.scenario);
    OutputOptions out = options_.output;
    out.path = final_;
    s->open_output(out);
    s->flush_output();
    const std::lock_guard lock(mu_);
    session_ = std::move(s);
    computed_ = 0;
    last_.store(0);
}

void LiveRunner::set_paused(bool paused) {
    {
        const std::lock_guard lock(mu_);
        paused_ = paused;
    }
    cv_.notify_all();
}

bool LiveRunner::paused() const {
    const std::lock_guard lock(mu_);
    return paused_;
}

void LiveRunner::set_speed(double steps_per_second) {
    {
        const std::lock_guard lock(mu_);
        speed_ = std::max(0.0, steps_per_second);
    }
    cv_.notify_all();
}

double LiveRunner::speed() const {
    const std::lock_guard lock(mu_);
    return speed_;
}

void LiveRunner::set_lever(const std::string& lever, double value) {
    const std::lock_guard lock(mu_);
    if (session_)
        session_->set_lever(lever, value);
}

std::array<double, kLeverCount> LiveRunner::levers() const {
    const std::lock_guard lock(mu_);
    return session_ ? session_->live_levers() : std::array<double, kLeverCount>{};
}

void LiveRunner::reset() {
    {
        const std::lock_guard lock(mu_);
        if (quit_)
            return;
        reset_ = true;
        resetting_.store(true);
    }
    cv_.notify_all();
}

uint32_t LiveRunner::last_step() const {
    return last_.load();
}

std::string LiveRunner::error() const {
    const std::lock_guard lock(mu_);
    return error_;
}

bool LiveRunner::can_step() const {
    return !paused_ && computed_ < steps_ && error_.empty() &&
           !(options_.pause_at && computed_ >= *options_.pause_at);
}

void LiveRunner::loop() {
    auto last_flush = Clock::now();
    auto next_due = Clock::now();
    for (;;) {
        double speed = 0;
        {
            std::unique_lock lock(mu_);
            if (!can_step() && !quit_ && !reset_) {
                // Waiting: every step so far is committed for the viewer.
                lock.unlock();
                try {
                    session_->flush_output();
                } catch (const std::exception& e) {
                    lock.lock();
                    error_ = e.what();
                    lock.unlock();
                }
                lock.lock();
                cv_.wait(lock, [&] { return quit_ || reset_ || can_step(); });
                next_due = Clock::now();
            }
            if (quit_)
                break;
            speed = speed_;
            if (reset_) {
                lock.unlock();
                try {
                    std::unique_ptr<RunSession> old;
                    {
                        const std::lock_guard l(mu_);
                        old = std::move(session_);
                    }
                    const FinishResult r = old->finish();
                    old.reset();
                    std::error_code ec;
                    std::filesystem::remove(r.path, ec);
                    start_session();
                } catch (const std::exception& e) {
                    const std::lock_guard l(mu_);
                    error_ = e.what();
                }
                {
                    const std::lock_guard l(mu_);
                    reset_ = false;
                }
                resetting_.store(false);
                generation_.fetch_add(1);
                next_due = last_flush = Clock::now();
                if (!session_)
                    break;
                continue;
            }
        }
        if (speed > 0) {
            // Paced: wait for the step's time, but wake for a stop, a
            // reset, a pause or a new speed.
            std::unique_lock lock(mu_);
            const double s0 = speed_;
            if (cv_.wait_until(lock, next_due,
                               [&] { return quit_ || reset_ || !can_step() || speed_ != s0; }))
                continue;
        }
        const auto t0 = Clock::now();
        try {
            const uint32_t next = last_.load() + 1;
            for (const auto& c : options_.script)
                if (c.step == next)
                    session_->set_lever(c.lever, c.value);
            const uint32_t s = session_->step();
            last_.store(s);
            bool wait_next = false;
            {
                const std::lock_guard lock(mu_);
                computed_ = s;
                if (options_.pause_at && s >= *options_.pause_at) {
                    // Once: a resume from the window runs on.
                    options_.pause_at.reset();
                    paused_ = true;
                }
                wait_next = !can_step();
            }
            if (wait_next || Clock::now() - last_flush >= std::chrono::duration<double>(kFlushSeconds)) {
                session_->flush_output();
                last_flush = Clock::now();
            }
        } catch (const std::exception& e) {
            const std::lock_guard lock(mu_);
            error_ = e.what();
        }
        if (speed > 0)
            next_due = std::max(t0, next_due) + std::chrono::duration_cast<Clock::duration>(
                                                    std::chrono::duration<double>(1.0 / speed));
    }
}

FinishResult LiveRunner::stop() {
    if (finished_)
        return *finished_;
    {
        const std::lock_guard lock(mu_);
        quit_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable())
        thread_.join();
    FinishResult r;
    if (session_)
        r = session_->finish();
    finished_ = r;
    return r;
}

} // namespace icsim::viz
