#include "app/cmd_sweep_mpi.hpp"

#include <chrono>
#include <cstdlib>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <boost/mpi/collectives.hpp>
#include <boost/mpi/communicator.hpp>
#include <boost/mpi/environment.hpp>
#include <boost/serialization/string.hpp>
#include <boost/serialization/vector.hpp>

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

} // namespace

bool started_by_mpirun() {
    return std::getenv("OMPI_COMM_WORLD_SIZE") != nullptr || std::getenv("PMI_SIZE") != nullptr;
}

std::optional<sweep::SweepSummary> run_sweep_mpi(const sweep::Plan& plan, const sweep::SweepOptions& opt) {
    namespace mpi = boost::mpi;
    // Only this (main) thread calls MPI; rank 0's own worker thread does not.
    mpi::environment env(mpi::threading::funneled);
    mpi::communicator world;
    if (world.size() == 1)
        return sweep::run_sweep(plan, opt);

    if (world.rank() != 0) {
        bool ok = false;
        mpi::broadcast(world, ok, 0);
        if (!ok)
            return std::nullopt;
        for (;;) {
            uint64_t run = 0;
            const mpi::status st = world.recv(0, mpi::any_tag, run);
            if (st.tag() == kStop)
                return std::nullopt;
            world.send(0, kResult, run_message(plan, run));
        }
    }

    // Rank 0: the file, the queue, and one worker thread of its own.
    std::optional<sweep::SweepSession> session;
    std::string failure;
    try {
        session.emplace(plan, opt, world.size());
    } catch (...) {
        bool ok = false;
        mpi::broadcast(world, ok, 0);
        throw;
    }
    bool ok = true;
    mpi::broadcast(world, ok, 0);
    std::mutex mu;
    std::deque<uint64_t> queue(session->pending().begin(), session->pending().end());
    std::vector<ResultMsg> local_done;
    bool local_finished = false;
    auto take = [&](uint64_t& run) {
        const std::lock_guard lock(mu);
        if (queue.empty())
            return false;
        run = queue.front();
        queue.pop_front();
        return true;
    };
    std::thread local([&] {
        uint64_t run = 0;
        while (take(run)) {
            ResultMsg m = run_message(plan, run);
            const std::lock_guard lock(mu);
            local_done.push_back(std::move(m));
        }
        const std::lock_guard lock(mu);
        local_finished = true;
    });

    const int workers = world.size() - 1;
    std::vector<int> outstanding(size_t(world.size()), 0);
    int stopped = 0;
    auto feed = [&](int rank) { // keeps one run in reserve at each worker
        uint64_t run = 0;
        while (outstanding[size_t(rank)] < 2 && take(run)) {
            world.send(rank, kJob, run);
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
            record(*session, plan, m);
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
            if (opt.stop && opt.stop())
                queue.clear();
        }
        for (const auto& m : mine)
            record(*session, plan, m);
        if (finished && mine.empty() && stopped == workers)
            break;
        if (!busy && mine.empty())
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    local.join();
    return session->finish();
}

} // namespace icsim::app
