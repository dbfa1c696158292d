#include "app/cmd_sweep_mpi.hpp"

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <deque>
#include <functional>
#include <mutex>
#include <numeric>
#include <string>
#include <thread>
#include <vector>

#include <boost/mpi/collectives.hpp>
#include <boost/mpi/communicator.hpp>
#include <boost/mpi/environment.hpp>
#include <boost/serialization/string.hpp>
#include <boost/serialization/vector.hpp>

#include "sim/clock.hpp"

namespace icsim::app {

namespace {

enum Tag : int { kJob = 1, kStop = 2, kResult = 3 };

// A finished run on its way to rank 0 (a few hundred bytes).
struct ResultMsg {
    uint64_t run = 0;
    bool ok = true;
    std::string error;
    double wall = 0;
    std::vector<std::vector<double>> values;
    template <class A>
    void serialize(A& a, unsigned /*version*/) {
        a& run& ok& error& wall& values;
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
// Workers return when told to stop; rank 0 when every job is recorded (or
// `stop` said so and the jobs under way are in).
void dispatch(boost::mpi::communicator& world, bool ok, const std::vector<uint64_t>& jobs,
              const std::function<ResultMsg(uint64_t)>& run,
              const std::function<void(const ResultMsg&)>& record, const std::function<bool()>& stop) {
    namespace mpi = boost::mpi;
    mpi::broadcast(world, ok, 0);
    if (!ok)
        return;
    if (world.rank() != 0) {
        for (;;) {
            uint64_t job = 0;
            const mpi::status st = world.recv(0, mpi::any_tag, job);
            if (st.tag() == kStop)
                return;
            world.send(0, kResult, run(job));
        }
    }

    std::mutex mu;
    std::deque<uint64_t> queue(jobs.begin(), jobs.end());
    std::vector<ResultMsg> local_done;
    bool local_finished = false;
    auto take = [&](uint64_t& job) {
        const std::lock_guard lock(mu);
        if (queue.empty())
            return false;
        job = queue.front();
        queue.pop_front();
        return true;
    };
    std::thread local([&] {
        uint64_t job = 0;
        while (take(job)) {
            ResultMsg m = run(job);
            const std::lock_guard lock(mu);
            local_done.push_back(std::move(m));
        }
        const std::lock_guard lock(mu);
        local_finished = true;
    });

    const int workers = world.size() - 1;
    std::vector<int> outstanding(size_t(world.size()), 0);
    int stopped = 0;
    auto feed = [&](int rank) { // keeps one job in reserve at each worker
        uint64_t job = 0;
        while (outstanding[size_t(rank)] < 2 && take(job)) {
            world.send(rank, kJob, job);
            ++outstanding[size_t(rank)];
        }
        if (outstanding[size_t(rank)] == 0) {
            world.send(rank, kStop, uint64_t(0));
            outstanding[size_t(rank)] = -1;
            ++stopped;
        }
    };
    for (int r = 1; r < world.size(); ++r)
        feed(r);
    for (;;) {
        bool busy = false;
        while (const auto st = world.iprobe(mpi::any_source, kResult)) {
            ResultMsg m;
            world.recv(st->source(), kResult, m);
            record(m);
            --outstanding[size_t(st->source())];
            feed(st->source());
            busy = true;
        }
        std::vector<ResultMsg> mine;
        bool finished = false;
        {
            const std::lock_guard lock(mu);
            mine.swap(local_done);
            finished = local_finished;
            if (stop && stop())
                queue.clear();
        }
        for (const auto& m : mine)
            record(m);
        if (finished && mine.empty() && stopped == workers)
            break;
        if (!busy && mine.empty())
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    local.join();
}

} // namespace

bool started_by_mpirun() {
    return std::getenv("OMPI_COMM_WORLD_SIZE") != nullptr || std::getenv("PMI_SIZE") != nullptr;
}

std::string mpi_refusal() {
    const char* recovery = std::getenv("OMPI_MCA_orte_enable_recovery");
    if (recovery != nullptr && std::string(recovery) != "0" && std::string(recovery) != "false")
        return "mpirun --enable-recovery: not supported (Open MPI 4 does not tell the other ranks that one "
               "died, so its runs would be waited for forever); start without it and finish a broken job "
               "with --resume";
    return "";
}

std::optional<sweep::SweepSummary> run_sweep_mpi(const sweep::Plan& plan, const sweep::SweepOptions& opt) {
    namespace mpi = boost::mpi;
    // Only this (main) thread calls MPI; rank 0's own worker thread does not.
    mpi::environment env(mpi::threading::funneled);
    mpi::communicator world;
    if (world.size() == 1)
        return sweep::run_sweep(plan, opt);
    auto run = [&](uint64_t job) { return run_message(plan, job); };
    // The CPU time of every rank, for the busy figure (each rank's own
    // from the dispatch on; rank 0's session counts only its process).
    auto cpu_of_all = [&](double c0) {
        double all = 0;
        mpi::reduce(world, process_cpu_seconds() - c0, all, std::plus<double>(), 0);
        return all;
    };
    if (world.rank() != 0) {
        const double c0 = process_cpu_seconds();
        dispatch(world, true, {}, run, {}, {});
        cpu_of_all(c0);
        return std::nullopt;
    }
    // Rank 0: the file, the queue, and one worker thread of its own.
    std::optional<sweep::SweepSession> session;
    try {
        session.emplace(plan, opt, world.size());
    } catch (...) {
        dispatch(world, false, {}, run, {}, {});
        cpu_of_all(process_cpu_seconds()); // the workers wait for it
        throw;
    }
    const std::vector<uint64_t> jobs(session->pending().begin(), session->pending().end());
    const double c0 = process_cpu_seconds();
    dispatch(
        world, true, jobs, run, [&](const ResultMsg& m) { record(*session, plan, m); }, opt.stop);
    const double cpu = cpu_of_all(c0);
    sweep::SweepSummary summary = session->finish();
    summary.cpu_seconds = cpu;
    return summary;
}

std::optional<sweep::CompareResult> run_compare_mpi(const sweep::CompareOptions& opt) {
    namespace mpi = boost::mpi;
    mpi::environment env(mpi::threading::funneled);
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
    dispatch(world, true, jobs, run,
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
             {});
    // The CPU time of every rank, for the busy figure.
    const double cpu = process_cpu_seconds() - c0;
    double cpu_all = 0;
    mpi::reduce(world, cpu, cpu_all, std::plus<double>(), 0);
    if (world.rank() != 0)
        return std::nullopt;
    if (!failure.empty())
        throw std::runtime_error("a run failed: " + failure);
    return sweep::finish_compare(plan, values,
                                 std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(),
                                 cpu_all, world.size());
}

} // namespace icsim::app
