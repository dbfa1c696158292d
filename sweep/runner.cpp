#include "sweep/runner.hpp"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <mutex>
#include <optional>

#include <unistd.h>

#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/partitioner.h>
#include <oneapi/tbb/task_arena.h>

#include "sim/clock.hpp"
#include "sweep/store.hpp"

namespace icsim::sweep {

namespace {

using Clock = std::chrono::steady_clock;

std::string duration_text(double s) {
    char buf[32];
    if (!(s < 1e9))
        return "?";
    const auto t = long(s + 0.5);
    if (t >= 3600)
        std::snprintf(buf, sizeof buf, "%ldh%02ldm", t / 3600, t / 60 % 60);
    else if (t >= 60)
        std::snprintf(buf, sizeof buf, "%ldm%02lds", t / 60, t % 60);
    else
        std::snprintf(buf, sizeof buf, "%lds", t);
    return buf;
}

// "[#####.....]  45%  450/1000 runs  3.2 runs/s  ETA 2m52s  0 failed":
// redrawn in place on a terminal (at most 10 times a second), otherwise a
// line at every tenth of the runs.
class Progress {
public:
    Progress(size_t total, size_t before, bool enabled)
        : total_(total), before_(before), enabled_(enabled), tty_(isatty(STDERR_FILENO) != 0) {}
    void update(size_t done, size_t failed, bool last = false) {
        if (!enabled_)
            return;
        const auto now = Clock::now();
        const size_t all = before_ + done;
        if (tty_) {
            if (!last && now - drawn_ < std::chrono::milliseconds(100))
                return;
        } else {
            const size_t tenth = total_ * size_t(next_tenth_) / 10;
            if ((!last && all < tenth) || (last && all == printed_))
                return;
            printed_ = all;
            while (next_tenth_ <= 10 && total_ * size_t(next_tenth_) / 10 <= all)
                ++next_tenth_;
        }
        drawn_ = now;
        const double elapsed = std::chrono::duration<double>(now - start_).count();
        const double rate = elapsed > 0 ? double(done) / elapsed : 0;
        const double eta = rate > 0 ? double(total_ - all) / rate : 0;
        const int width = 24,
                  filled = total_ == 0 ? width : int(double(width) * double(all) / double(total_));
        std::fprintf(stderr, "%s[%.*s%.*s] %3d%%  %zu/%zu runs  %.3g runs/s  ETA %s  %zu failed%s",
                     tty_ ? "\r" : "", filled, "########################", width - filled,
                     "........................",
                     total_ == 0 ? 100 : int(100.0 * double(all) / double(total_)), all, total_, rate,
                     duration_text(eta).c_str(), failed, tty_ ? "\033[K" : "\n");
        if (tty_ && last)
            std::fputc('\n', stderr);
        std::fflush(stderr);
    }

private:
    size_t total_, before_;
    bool enabled_, tty_;
    int next_tenth_ = 1;
    size_t printed_ = size_t(-1);
    Clock::time_point start_ = Clock::now(), drawn_{};
};

} // namespace

struct SweepSession::Impl {
    const Plan* plan = nullptr;
    SweepOptions opt;
    std::optional<Store> store;
    std::vector<size_t> pending;
    SweepSummary sum;
    std::optional<Progress> progress;
    Clock::time_point t0 = Clock::now(), last_flush = Clock::now();
    double c0 = process_cpu_seconds();
};

SweepSession::SweepSession(const Plan& plan, const SweepOptions& opt, int workers)
    : impl_(std::make_unique<Impl>()) {
    namespace fs = std::filesystem;
    Impl& m = *impl_;
    m.plan = &plan;
    m.opt = opt;
    const std::string partial = opt.output + ".partial";
    std::error_code ec;
    if (fs::exists(opt.output, ec))
        throw SpecError(opt.output + ": exists (a finished sweep); remove it or choose another -o");
    if (opt.resume) {
        if (!fs::exists(partial, ec))
            throw SpecError(partial + ": no unfinished sweep to resume");
        m.store.emplace(Store::resume(partial, plan));
    } else {
        if (fs::exists(partial, ec))
            throw SpecError(partial +
                            ": an unfinished sweep is there; add --resume to finish it, or remove it");
        m.store.emplace(Store::create(partial, plan));
    }
    m.sum.partial = partial;
    // A shard K/N owns the runs r with r % N = K - 1.
    const auto status = m.store->status();
    for (size_t r = 0; r < status.size(); ++r) {
        if (r % opt.shard_count != opt.shard - 1)
            continue;
        ++m.sum.runs;
        if (status[r] == kPending)
            m.pending.push_back(r);
        else
            ++m.sum.done_before;
    }
    m.sum.threads = workers;
    m.progress.emplace(m.sum.runs, m.sum.done_before, opt.progress);
    m.progress->update(0, 0);
    m.t0 = Clock::now();
    m.c0 = process_cpu_seconds();
}

SweepSession::~SweepSession() = default;

const std::vector<size_t>& SweepSession::pending() const {
    return impl_->pending;
}

void SweepSession::record(const Job& job, const Outcomes& out, double wall) {
    Impl& m = *impl_;
    m.store->record(job, out, wall);
    ++m.sum.ran;
    m.sum.failed += out.ok ? 0 : 1;
    if (Clock::now() - m.last_flush > std::chrono::seconds(1)) {
        m.store->flush();
        m.last_flush = Clock::now();
    }
    m.progress->update(m.sum.ran, m.sum.failed);
}

SweepSummary SweepSession::finish() {
    namespace fs = std::filesystem;
    Impl& m = *impl_;
    SweepSummary& sum = m.sum;
    sum.seconds = std::chrono::duration<double>(Clock::now() - m.t0).count();
    sum.cpu_seconds = process_cpu_seconds() - m.c0;
    m.progress->update(sum.ran, sum.failed, true);
    sum.interrupted = sum.done_before + sum.ran < sum.runs;
    m.store->flush();
    m.store->close();
    if (!sum.interrupted) {
        std::error_code ec;
        fs::rename(sum.partial, m.opt.output, ec);
        if (ec)
            throw std::runtime_error("cannot rename " + sum.partial + " to " + m.opt.output + ": " +
                                     ec.message());
    }
    return sum;
}

Outcomes run_one(const Plan& plan, const Job& job) {
    if (plan.model != nullptr)
        return run_job(plan, job);
    // One thread per run: the runs, not the steps, share the cores.
    Outcomes out;
    oneapi::tbb::task_arena one(1);
    one.execute([&] { out = run_job(plan, job); });
    return out;
}

SweepSummary run_sweep(const Plan& plan, const SweepOptions& opt) {
    SweepSession session(plan, opt, oneapi::tbb::this_task_arena::max_concurrency());
    const auto& pending = session.pending();
    std::mutex mu;
    std::atomic<bool> stopped{false};
    oneapi::tbb::parallel_for(
        oneapi::tbb::blocked_range<size_t>(0, pending.size(), 1),
        [&](const oneapi::tbb::blocked_range<size_t>& range) {
            for (size_t i = range.begin(); i != range.end(); ++i) {
                if (stopped.load() || (opt.stop && opt.stop())) {
                    stopped = true;
                    return;
                }
                const Job job = job_of(plan, pending[i]);
                const auto r0 = Clock::now();
                const Outcomes out = run_one(plan, job);
                const double wall = std::chrono::duration<double>(Clock::now() - r0).count();
                const std::lock_guard lock(mu);
                session.record(job, out, wall);
            }
        },
        oneapi::tbb::simple_partitioner());
    return session.finish();
}

std::vector<size_t> merge_sweeps(const std::string& output, const std::vector<std::string>& inputs) {
    namespace fs = std::filesystem;
    if (inputs.size() < 2)
        throw SpecError("merge: expected at least two sweep files to merge");
    std::error_code ec;
    if (fs::exists(output, ec))
        throw SpecError(output + ": exists; remove it or choose another output");
    const std::string partial = output + ".partial";
    if (fs::exists(partial, ec))
        throw SpecError(partial + ": exists (an unfinished sweep or merge); remove it first");
    for (const auto& in : inputs)
        if (!fs::exists(in, ec))
            throw SpecError(in + ": no such file");
    fs::copy_file(inputs[0], partial, ec);
    if (ec)
        throw std::runtime_error("cannot copy " + inputs[0] + " to " + partial + ": " + ec.message());
    std::vector<size_t> missing;
    try {
        missing = merge_sweep_files(partial, inputs);
    } catch (...) {
        fs::remove(partial, ec);
        throw;
    }
    if (missing.empty()) {
        fs::rename(partial, output, ec);
        if (ec)
            throw std::runtime_error("cannot rename " + partial + " to " + output + ": " + ec.message());
    }
    return missing;
}

} // namespace icsim::sweep
