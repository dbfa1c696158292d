// RunSession (session/session.hpp): a run stepped, stopped, checkpointed
// and resumed through it gives the uninterrupted run's file; a live lever
// change acts from the next step and is found in /events; a session
// without output runs the same city.
#include <doctest/doctest.h>

#include "tests/temp_dir.hpp"

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

#include "output/reader.hpp"
#include "scenarios/loader.hpp"
#include "session/session.hpp"

using namespace icsim;

namespace {

using icsim::testing::TempDir;

// A small city, 14 steps, snapshots every 2 and checkpoints every 5.
ScenarioConfig small() {
    return load_default_scenario({"city.width=30", "city.height=30", "city.layout=voronoi", "run.steps=14",
                                  "output.snapshot_every=2", "output.checkpoint_every=5"});
}

std::string run_to_file(RunSession run, const std::string& path) {
    run.open_output(output_to(path));
    CHECK(run.run_until(run.steps()) == StopReason::Done);
    const FinishResult r = run.finish();
    CHECK(r.complete);
    CHECK(r.path == path);
    return path;
}

// Every series, the events, the snapshot and checkpoint lists and the
// last checkpoint's homes and groups of two files, compared value by value.
void check_same_run(const std::string& a, const std::string& b) {
    const RunFile fa(a), fb(b);
    REQUIRE(fa.complete());
    REQUIRE(fb.complete());
    REQUIRE(fa.rows() == fb.rows());
    CHECK(fa.steps() == fb.steps());
    const auto series = fa.series();
    REQUIRE(series.size() == fb.series().size());
    for (const auto& s : series) {
        INFO(s.path);
        const auto va = fa.read_series(s.path, 0, fa.rows()), vb = fb.read_series(s.path, 0, fb.rows());
        REQUIRE(va.size() == vb.size());
        for (size_t k = 0; k < va.size(); ++k)
            if (!(va[k] == vb[k] || (va[k] != va[k] && vb[k] != vb[k]))) {
                FAIL_CHECK("value " << k << ": " << va[k] << " vs " << vb[k]);
                break;
            }
    }
    const auto ea = fa.events(), eb = fb.events();
    REQUIRE(ea.size() == eb.size());
    for (size_t k = 0; k < ea.size(); ++k) {
        CHECK(ea[k].step == eb[k].step);
        CHECK(ea[k].kind == eb[k].kind);
        CHECK(ea[k].name == eb[k].name);
        CHECK(ea[k].value == eb[k].value);
    }
    CHECK(fa.snapshot_steps() == fb.snapshot_steps());
    const auto cps = fa.checkpoint_steps();
    REQUIRE(cps == fb.checkpoint_steps());
    REQUIRE(!cps.empty());
    const Population pa = fa.read_checkpoint(cps.size() - 1).pop, pb = fb.read_checkpoint(cps.size() - 1).pop;
    CHECK(pa.cell == pb.cell);
    CHECK(pa.group == pb.group);
}

std::vector<double> series_of(const RunFile& f, const std::string& path) {
    return f.read_series(path, 0, f.rows());
}

// The column of lever `name` in /timeseries/lever_intensity.
std::vector<double> lever_column(const RunFile& f, const std::string& name) {
    for (const auto& s : f.series())
        if (s.path == "/timeseries/lever_intensity") {
            const auto it = std::find(s.columns.begin(), s.columns.end(), name);
            REQUIRE(it != s.columns.end());
            const size_t c = size_t(it - s.columns.begin()), width = s.columns.size();
            const auto all = series_of(f, s.path);
            std::vector<double> out;
            for (size_t r = 0; r * width < all.size(); ++r)
                out.push_back(all[r * width + c]);
            return out;
        }
    FAIL("no /timeseries/lever_intensity");
    return {};
}

} // namespace

TEST_SUITE("integration") {
    TEST_CASE("session: stepped, checkpointed, stopped and resumed = the uninterrupted run") {
        const TempDir dir("session");
        const std::string straight = run_to_file(RunSession(small()), dir.file("straight.h5"));

        RunSession run(small());
        run.open_output(output_to(dir.file("pieces.h5")));
        CHECK(run.step() == 1);
        CHECK(run.step() == 2);
        CHECK(run.last_step() == 2);
        CHECK(run.run_until(7) == StopReason::Done);
        CHECK(run.engine().steps_done() == 7);
        run.checkpoint_now(); // an extra checkpoint at step 7, not periodic
        run.request_stop(15);
        CHECK(run.run_until(run.steps()) == StopReason::StopRequested); // after step 8
        CHECK(run.stop_code() == 15);
        CHECK(run.last_step() == 8);
        const FinishResult stopped = run.finish();
        CHECK_FALSE(stopped.complete);
        CHECK(stopped.path == dir.file("pieces.h5.partial"));
        {
            const RunFile partial(stopped.path);
            CHECK_FALSE(partial.complete());
            CHECK(partial.checkpoint_steps() == std::vector<int64_t>{5, 7, 8});
        }

        RunSession resumed = RunSession::resume(stopped.path);
        CHECK(resumed.start_step() == 8);
        CHECK(resumed.resumed_from() == stopped.path + ":8");
        resumed.open_output({});
        CHECK(resumed.run_until(resumed.steps()) == StopReason::Done);
        const FinishResult done = resumed.finish();
        CHECK(done.complete);
        CHECK(done.path == dir.file("pieces.h5"));
        CHECK_FALSE(std::filesystem::exists(stopped.path));
        check_same_run(straight, done.path);
    }

    TEST_CASE("session: a stop requested from another thread ends run_until after a step") {
        RunSession run(small());
        std::atomic<bool> stepped{false};
        run.on_step([&](uint32_t) { stepped = true; });
        std::thread stopper([&] {
            while (!stepped)
                std::this_thread::yield();
            run.request_stop();
        });
        const StopReason why = run.run_until(run.steps());
        stopper.join();
        CHECK(why == StopReason::StopRequested);
        CHECK(run.last_step() < run.steps());
        // The request is consumed: the run goes on to its end.
        run.on_step(nullptr);
        CHECK(run.run_until(run.steps()) == StopReason::Done);
        CHECK(run.done());
    }

    TEST_CASE("session: a lever change acts from the next step, is in /events, and survives a resume") {
        const TempDir dir("session");
        const std::string plain = run_to_file(RunSession(small()), dir.file("plain.h5"));

        auto with_changes = [&](RunSession& run, uint32_t until) {
            run.run_until(std::min<uint32_t>(until, 4));
            if (run.engine().steps_done() == 4)
                run.set_lever("anti_rumours", 0.8);
            run.run_until(std::min<uint32_t>(until, 9));
            if (run.engine().steps_done() == 9)
                run.set_lever("anti_rumours", 0.3); // replaces the 0.8 from step 10
            run.run_until(until);
        };
        RunSession live(small());
        live.open_output(output_to(dir.file("live.h5")));
        with_changes(live, live.steps());
        CHECK(live.finish().complete);

        const RunFile a(plain), b(dir.file("live.h5"));
        const auto la = lever_column(a, "anti_rumours"), lb = lever_column(b, "anti_rumours");
        REQUIRE(la.size() == 15);
        REQUIRE(lb.size() == 15);
        for (size_t s = 0; s <= 4; ++s)
            CHECK(lb[s] == la[s]);
        for (size_t s = 5; s <= 9; ++s)
            CHECK(lb[s] == doctest::Approx(std::min(1.0, la[s] + 0.8)));
        for (size_t s = 10; s <= 14; ++s)
            CHECK(lb[s] == doctest::Approx(std::min(1.0, la[s] + 0.3)));
        // The city moves: the rumours' reach differs by the end.
        const auto ra = series_of(a, "/timeseries/rumour_belief"),
                   rb = series_of(b, "/timeseries/rumour_belief");
        CHECK(ra[4] == rb[4]);
        CHECK(ra.back() != rb.back());

        std::vector<EventRecord> live_events;
        for (const auto& e : b.events())
            if (e.name == "live:anti_rumours")
                live_events.push_back(e);
        REQUIRE(live_events.size() == 3);
        CHECK(live_events[0].step == 5);
        CHECK(live_events[0].kind == "policy_start");
        CHECK(live_events[0].value == doctest::Approx(0.8));
        // At step 10 the 0.8 ends and the 0.3 starts (in policy order).
        CHECK(live_events[1].step == 10);
        CHECK(live_events[1].kind == "policy_end");
        CHECK(live_events[2].step == 10);
        CHECK(live_events[2].kind == "policy_start");
        CHECK(live_events[2].value == doctest::Approx(0.3));

        // Stopped at step 12 (after both changes) and resumed: the changes
        // are re-applied from the file's /events.
        RunSession first(small());
        first.open_output(output_to(dir.file("again.h5")));
        with_changes(first, 12);
        const FinishResult stopped = first.finish();
        REQUIRE_FALSE(stopped.complete);
        RunSession rest = RunSession::resume(stopped.path);
        rest.open_output({});
        rest.run_until(rest.steps());
        check_same_run(dir.file("live.h5"), rest.finish().path);

        CHECK_THROWS_AS(live.set_lever("anti_rumour", 0.5), SessionError);
        CHECK_THROWS_AS(live.set_lever("anti_rumours", 1.5), SessionError);
    }

    TEST_CASE("session: live_levers reports the levels asked for, and a resumption's levels") {
        const TempDir dir("session");
        RunSession run(small());
        const size_t ar = size_t(Lever::AntiRumours), me = size_t(Lever::Mediation);
        for (double v : run.live_levers())
            CHECK(v == 0);
        run.open_output(output_to(dir.file("levers.h5")));
        run.run_until(3);
        // Set from another thread, seen at once (before the step applies it).
        std::thread([&] { run.set_lever("anti_rumours", 0.6); }).join();
        CHECK(run.live_levers()[ar] == doctest::Approx(0.6));
        CHECK(run.live_levers()[me] == 0);
        run.run_until(6);
        run.set_lever("mediation", 0.25);
        run.run_until(8);
        // flush_output commits the steps: a reader sees step 8 at once.
        run.flush_output();
        {
            const RunFile f(dir.file("levers.h5.partial"));
            CHECK(f.steps().back() == 8);
        }
        const FinishResult stopped = run.finish();
        REQUIRE_FALSE(stopped.complete);
        const RunSession rest = RunSession::resume(stopped.path);
        CHECK(rest.live_levers()[ar] == doctest::Approx(0.6));
        CHECK(rest.live_levers()[me] == doctest::Approx(0.25));
    }

    TEST_CASE("session: without output, the same city and counters as with it") {
        const TempDir dir("session");
        RunSession with(small()), without(small());
        with.open_output(output_to(dir.file("with.h5")));
        CHECK(with.run_until(with.steps()) == StopReason::Done);
        CHECK(without.run_until(without.steps()) == StopReason::Done);
        CHECK_FALSE(without.has_output());
        CHECK(without.world().pop.cell == with.world().pop.cell);
        CHECK(without.counter_totals() == with.counter_totals());
        CHECK(without.latest_counters() == with.latest_counters());
        CHECK_FALSE(without.writer_times().has_value());
        const FinishResult r = without.finish();
        CHECK(r.complete);
        CHECK(r.path.empty());
        CHECK(with.finish().complete);
        CHECK_THROWS_AS(without.step(), std::logic_error);
    }

    TEST_CASE("session: a fork continues the base's state under a new scenario") {
        const TempDir dir("session");
        const std::string base = run_to_file(RunSession(small()), dir.file("base.h5"));
        // The same scenario forked at step 10: the same run as the base.
        RunSession fork = RunSession::fork(small(), base, 10);
        CHECK(fork.start_step() == 10);
        CHECK(fork.forked_from() == base + ":10");
        const std::string same = run_to_file(std::move(fork), dir.file("fork.h5"));
        check_same_run(base, same);
        CHECK_THROWS_AS(RunSession::fork(small(), base, 7), SessionError);             // no checkpoint there
        CHECK_THROWS_AS(RunSession::fork(small(), dir.file("none.h5")), SessionError); // no file
    }
}
