#include "app/cmd_sweep_mpi.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <numeric>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <boost/mpi/collectives.hpp>
#include <boost/mpi/communicator.hpp>
#include <boost/mpi/environment.hpp>
#include <boost/mpi/nonblocking.hpp>
#include <boost/serialization/string.hpp>
#include <boost/serialization/vector.hpp>

#include "sim/clock.hpp"

namespace icsim::app {

namespace {

enum Tag : int { kJob = 1, kStop = 2, kResult = 3, kHeartbeat = 4 };

// A finished run on its way to rank 0 (a few hundred bytes).
struct ResultMsg {
    uint64_t run = 0;
    bool ok = true;
    std::string error;
    double wall = 0;
    double cpu = 0; // the sending rank's CPU seconds so far
    std::vector<std::vector<double>> values;
    template <class A>
    void serialize(A& a, unsigned /*version*/) {
        a& run& ok& error& wall& cpu& values;
    }
};

ResultMsg run_message(const sweep::Plan& plan, uint64_t run) {
    const sweep::Job job = sweep::job_of(plan, run);
    const auto t0 = std::chrono::steady_clock::now();
    sweep::Outcomes out = sweep::run_one(plan, job);
    ResultMsg m;
    m.run = run;
    m.ok = out.ok;
    m.error = std::move(out.error);
    m.wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    m.values = std::move(out.values);
    return m;
}

void record(sweep::SweepSession& session, const sweep::Plan& plan, const ResultMsg& m) {
    sweep::Outcomes out;
    out.ok = m.ok;
    out.error = m.error;
    out.values = m.values;
    session.record(sweep::job_of(plan, m.run), out, m.wall);
}

// The master/worker loop both `icsim sweep` and `icsim compare` run under
// mpirun. Rank 0 hands the `jobs` out as ranks ask (one in reserve at each
// worker) and runs jobs itself on one thread of its own; every finished
// job's message is given to `record` on rank 0's main thread, the only
// thread that calls MPI. `ok` (rank 0's) is broadcast first: false = rank 0
// could not start (its error is thrown after), and every rank returns.
//
// A worker runs its job on a thread of its own while its main thread sends
// a heartbeat every second, so rank 0 can tell a slow run from a dead
// worker: Open MPI 4 does not report a dead rank to the others (see
// docs/ensembles.md), but under `mpirun --enable-recovery` it keeps them
// running. A worker with runs in hand that rank 0 has not heard from for
// `worker_timeout` seconds is given up: its runs go back to the queue and
// are run elsewhere, and a result that still arrives from it is recorded
// only if no other rank's copy came first (runs are deterministic, so the
// copies are equal). No collective operation follows the start, since a
// dead rank would never join it. Returns, on rank 0, the CPU seconds the
// workers reported (each message carries its rank's total so far), and on
// every rank whether a worker was given up.
struct Dispatched {
    double cpu_workers = 0;
    bool lost_worker = false;
};

Dispatched dispatch(boost::mpi::communicator& world, bool ok, const std::vector<uint64_t>& jobs,
                    const std::function<ResultMsg(uint64_t)>& run,
                    const std::function<void(const ResultMsg&)>& record, const std::function<bool()>& stop,
                    double worker_timeout) {
    namespace mpi = boost::mpi;
    using Clock = std::chrono::steady_clock;
    mpi::broadcast(world, ok, 0);
    if (!ok)
        return {};
    const double c0 = process_cpu_seconds();
    if (world.rank() != 0) {
        for (;;) {
            uint64_t job = 0; // with kStop: 1 if a worker was given up
            // Not a blocking recv: Open MPI spins in one, taking a core
            // from the ranks that still run.
            mpi::request req = world.irecv(0, mpi::any_tag, job);
            int tag = 0;
            for (;;) {
                if (const auto st = req.test()) {
                    tag = st->tag();
                    break;
                }
                std::this_thread::sleep_for(std::chrono::milliseconds(2));
            }
            if (tag == kStop)
                return {0, job == 1};
            auto result = std::async(std::launch::async, run, job);
            while (result.wait_for(std::chrono::seconds(1)) != std::future_status::ready)
                world.send(0, kHeartbeat, process_cpu_seconds() - c0);
            ResultMsg m = result.get();
            m.cpu = process_cpu_seconds() - c0;
            world.send(0, kResult, m);
        }
    }

    std::mutex mu;
    std::deque<uint64_t> queue(jobs.begin(), jobs.end());
    std::vector<ResultMsg> local_done;
    bool all_in = false; // every job recorded, or stopped: the local thread may end
    auto take = [&](uint64_t& job) {
        const std::lock_guard lock(mu);
        if (queue.empty())
            return false;
        job = queue.front();
        queue.pop_front();
        return true;
    };
    // Rank 0's own runs. It waits for work rather than ending when the
    // queue is empty, since a dead worker's runs may come back to it.
    std::thread local([&] {
        for (;;) {
            uint64_t job = 0;
            if (take(job)) {
                ResultMsg m = run(job);
                const std::lock_guard lock(mu);
                local_done.push_back(std::move(m));
                continue;
            }
            {
                const std::lock_guard lock(mu);
                if (all_in)
                    return;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
        }
    });

    struct Worker {
        std::deque<uint64_t> held; // sent, not yet back
        Clock::time_point heard;
        bool alive = true;
        double cpu = 0;
    };
    std::vector<Worker> workers(size_t(world.size()));
    for (auto& w : workers)
        w.heard = Clock::now();
    std::vector<bool> recorded(jobs.empty() ? 0 : *std::max_element(jobs.begin(), jobs.end()) + 1, false);
    size_t left = jobs.size(); // not yet recorded
    bool stopping = false;
    auto deliver = [&](const ResultMsg& m) {
        if (m.run < recorded.size() && !recorded[m.run]) {
            recorded[m.run] = true;
            --left;
            record(m);
        }
    };
    auto feed = [&](int rank) { // keeps one job in reserve at each live worker
        Worker& w = workers[size_t(rank)];
        uint64_t job = 0;
        while (w.alive && w.held.size() < 2 && take(job)) {
            if (w.held.empty())
                w.heard = Clock::now(); // its clock starts with its first run in hand
            world.send(rank, kJob, job);
            w.held.push_back(job);
        }
    };
    for (int r = 1; r < world.size(); ++r)
        feed(r);
    for (;;) {
        bool busy = false;
        while (const auto st = world.iprobe(mpi::any_source, mpi::any_tag)) {
            Worker& w = workers[size_t(st->source())];
            w.heard = Clock::now();
            if (st->tag() == kHeartbeat) {
                world.recv(st->source(), kHeartbeat, w.cpu);
                continue;
            }
            ResultMsg m;
            world.recv(st->source(), kResult, m);
            w.cpu = m.cpu;
            if (const auto it = std::find(w.held.begin(), w.held.end(), m.run); it != w.held.end())
                w.held.erase(it);
            deliver(m);
            feed(st->source());
            busy = true;
        }
        std::vector<ResultMsg> mine;
        {
            const std::lock_guard lock(mu);
            mine.swap(local_done);
            if (!stopping && stop && stop()) {
                stopping = true;
                queue.clear();
            }
        }
        for (const auto& m : mine)
            deliver(m);
        const auto now = Clock::now();
        for (int r = 1; r < world.size(); ++r) {
            Worker& w = workers[size_t(r)];
            if (!w.alive || w.held.empty() ||
                std::chrono::duration<double>(now - w.heard).count() < worker_timeout)
                continue;
            w.alive = false;
            std::fprintf(
                stderr,
                "icsim: rank %d sent nothing for %.0f s (dead?); its %zu run(s) are handed out again\n", r,
                worker_timeout, w.held.size());
            if (!stopping) {
                const std::lock_guard lock(mu);
                queue.insert(queue.begin(), w.held.begin(), w.held.end());
            }
            w.held.clear();
            for (int other = 1; other < world.size(); ++other)
                feed(other);
        }
        bool in_flight = false;
        for (const auto& w : workers)
            in_flight = in_flight || (w.alive && !w.held.empty());
        bool local_busy = false;
        {
            const std::lock_guard lock(mu);
            local_busy = !queue.empty();
        }
        if (left == 0 || (stopping && !in_flight && !local_busy && mine.empty())) {
            const std::lock_guard lock(mu);
            if (local_done.empty()) {
                all_in = true;
                break;
            }
        }
        if (!busy && mine.empty())
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    local.join();
    for (const auto& m : local_done) // a run the local thread finished while stopping
        deliver(m);
    // A given-up worker may still be alive (stalled, not dead): it is told
    // to stop too. A send to a dead rank is not an error in Open MPI 4.
    Dispatched d;
    for (const auto& w : workers) {
        d.cpu_workers += w.cpu;
        d.lost_worker = d.lost_worker || !w.alive;
    }
    for (int r = 1; r < world.size(); ++r)
        world.send(r, kStop, uint64_t(d.lost_worker ? 1 : 0));
    return d;
}

// The MPI environment of a sweep or compare. Once a worker has been given
// up, MPI_Finalize is skipped: its closing fence waits for every rank of the
// job, the dead one included, and under `mpirun --enable-recovery` Open MPI
// 4.1.4 then hung in about one job of two (tests/python/test_sweep_mpi.py,
// test_recovery, repeated). By then rank 0 has written and closed its file,
// so a process that ends without the fence loses nothing.
class MpiSession {
public:
    MpiSession() : env_(std::make_unique<boost::mpi::environment>(boost::mpi::threading::funneled)) {}
    MpiSession(const MpiSession&) = delete;
    MpiSession& operator=(const MpiSession&) = delete;
    ~MpiSession() {
        if (lost_worker_)
            (void)env_.release(); // deliberately not finalized: see above
    }
    void lost_worker(bool lost) { lost_worker_ = lost; }

private:
    std::unique_ptr<boost::mpi::environment> env_;
    bool lost_worker_ = false;
};

} // namespace

bool started_by_mpirun() {
    return std::getenv("OMPI_COMM_WORLD_SIZE") != nullptr || std::getenv("PMI_SIZE") != nullptr;
}

std::optional<sweep::SweepSummary> run_sweep_mpi(const sweep::Plan& plan, const sweep::SweepOptions& opt) {
    namespace mpi = boost::mpi;
    // Only this (main) thread calls MPI; rank 0's own worker thread does not.
    MpiSession mpi_session;
    mpi::communicator world;
    if (world.size() == 1)
        return sweep::run_sweep(plan, opt);
    auto run = [&](uint64_t job) { return run_message(plan, job); };
    if (world.rank() != 0) {
        mpi_session.lost_worker(dispatch(world, true, {}, run, {}, {}, opt.worker_timeout).lost_worker);
        return std::nullopt;
    }
    // Rank 0: the file, the queue, and one worker thread of its own.
    std::optional<sweep::SweepSession> session;
    try {
        session.emplace(plan, opt, world.size());
    } catch (...) {
        dispatch(world, false, {}, run, {}, {}, opt.worker_timeout);
        throw;
    }
    const std::vector<uint64_t> jobs(session->pending().begin(), session->pending().end());
    const double c0 = process_cpu_seconds();
    const Dispatched d = dispatch(
        world, true, jobs, run, [&](const ResultMsg& m) { record(*session, plan, m); }, opt.stop,
        opt.worker_timeout);
    mpi_session.lost_worker(d.lost_worker);
    sweep::SweepSummary summary = session->finish();
    // The busy figure: every rank's CPU time from the dispatch on.
    summary.cpu_seconds = process_cpu_seconds() - c0 + d.cpu_workers;
    return summary;
}

std::optional<sweep::CompareResult> run_compare_mpi(const sweep::CompareOptions& opt) {
    namespace mpi = boost::mpi;
    MpiSession mpi_session;
    mpi::communicator world;
    if (world.size() == 1)
        return sweep::run_compare(opt);
    // Every rank builds the plan (bad input stops each the same way, before any run).
    const sweep::ComparePlan plan = sweep::plan_compare(opt);
    const size_t n_jobs = plan.runs(), per_run = plan.values_per_run();
    const auto t0 = std::chrono::steady_clock::now();
    const double c0 = process_cpu_seconds();
    auto run = [&](uint64_t job) {
        ResultMsg m;
        m.run = job;
        try {
            m.values.push_back(sweep::run_compare_job(plan, size_t(job)));
        } catch (const std::exception& e) {
            m.ok = false;
            m.error = e.what();
        }
        return m;
    };
    std::vector<uint64_t> jobs(n_jobs);
    std::iota(jobs.begin(), jobs.end(), uint64_t(0));
    std::vector<double> values;
    std::string failure;
    size_t done = 0;
    if (world.rank() == 0)
        values.assign(n_jobs * per_run, std::nan(""));
    const Dispatched d = dispatch(
        world, true, jobs, run,
        [&](const ResultMsg& m) {
            if (m.ok)
                std::copy(m.values[0].begin(), m.values[0].end(),
                          values.begin() + std::ptrdiff_t(m.run * per_run));
            else
                failure = m.error;
            ++done;
            if (opt.progress)
                sweep::compare_progress(
                    done, n_jobs,
                    std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
        },
        {}, opt.worker_timeout);
    mpi_session.lost_worker(d.lost_worker);
    // The CPU time of every rank, for the busy figure.
    const double cpu_all = process_cpu_seconds() - c0 + d.cpu_workers;
    if (world.rank() != 0)
        return std::nullopt;
    if (!failure.empty())
        throw std::runtime_error("a run failed: " + failure);
    return sweep::finish_compare(plan, values,
                                 std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(),
                                 cpu_all, world.size());
}

} // namespace icsim::app
