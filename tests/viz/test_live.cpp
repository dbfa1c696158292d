// viz/live.hpp: the live engine thread's pause, lever changes, reset and
// stop, without a window.
#include "viz/live.hpp"

#include <doctest/doctest.h>

#include "tests/temp_dir.hpp"

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <unistd.h>

#include "output/reader.hpp"
#include "scenarios/loader.hpp"

using namespace icsim;
using namespace icsim::viz;

namespace {

using icsim::testing::TempDir;

LiveOptions small(const std::string& path) {
    LiveOptions o;
    o.scenario =
        load_default_scenario({"city.width=30", "city.height=30", "city.layout=voronoi", "run.steps=14",
                               "output.snapshot_every=2", "output.checkpoint_every=5"});
    o.output = output_to(path);
    return o;
}

// Waits (at most 60 s) until `done` holds.
template <class F>
bool wait_for(F&& done) {
    const auto t0 = std::chrono::steady_clock::now();
    while (!done()) {
        if (std::chrono::steady_clock::now() - t0 > std::chrono::seconds(60))
            return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return true;
}

std::vector<int64_t> committed_steps(const std::string& path) {
    return RunFile(path).steps();
}

} // namespace

TEST_SUITE("unit") {
    TEST_CASE("live: pauses at a step with it committed, resumes, resets to step 0, stops resumable") {
        const TempDir dir("live");
        LiveOptions o = small(dir.file("live.h5"));
        o.pause_at = 4;
        LiveRunner live(std::move(o));
        CHECK(live.working_path() == dir.file("live.h5.partial"));
        REQUIRE(wait_for([&] { return live.paused(); }));
        CHECK(live.last_step() == 4);
        CHECK(committed_steps(live.working_path()).back() == 4);
        // A lever change while paused: seen at once, in force from step 5.
        live.set_lever("mediation", 0.4);
        CHECK(live.levers()[size_t(Lever::Mediation)] == doctest::Approx(0.4));
        CHECK_THROWS_AS(live.set_lever("mediaton", 0.4), SessionError);
        live.set_speed(200);
        live.set_paused(false);
        REQUIRE(wait_for([&] { return live.last_step() >= 6; }));
        live.set_paused(true);
        const uint32_t held = live.last_step();
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        CHECK(live.last_step() <= held + 1); // the step under way, at most
        {
            const RunFile f(live.working_path());
            bool found = false;
            for (const auto& e : f.events())
                found = found || (e.name == "live:mediation" && e.step == 5 && e.kind == "policy_start");
            CHECK(found);
        }
        // Reset: a fresh file at step 0, the levers back at 0.
        const uint64_t g = live.generation();
        live.reset();
        REQUIRE(wait_for([&] { return live.generation() != g; }));
        CHECK_FALSE(live.resetting());
        CHECK(live.error().empty());
        CHECK(live.last_step() == 0);
        CHECK(live.levers()[size_t(Lever::Mediation)] == 0);
        CHECK(committed_steps(live.working_path()) == std::vector<int64_t>{0});
        for (const auto& e : RunFile(live.working_path()).events())
            CHECK(e.name.rfind("live:", 0) != 0);
        // Runs on (still paused after the reset: resume), then stops early:
        // a .partial with a checkpoint, for icsim resume.
        live.set_paused(false);
        REQUIRE(wait_for([&] { return live.last_step() >= 7; }));
        const FinishResult r = live.stop();
        CHECK_FALSE(r.complete);
        CHECK(r.path == dir.file("live.h5.partial"));
        const RunFile f(r.path);
        CHECK(f.checkpoint_steps().back() == int64_t(live.last_step()));
        CHECK(live.stop().path == r.path); // idempotent
    }

    TEST_CASE("live: a run left to its end is complete once stopped") {
        const TempDir dir("live");
        LiveRunner live(small(dir.file("end.h5")));
        REQUIRE(wait_for([&] { return live.done(); }));
        const FinishResult r = live.stop();
        CHECK(r.complete);
        CHECK(r.path == dir.file("end.h5"));
        CHECK(RunFile(r.path).complete());
        CHECK_FALSE(std::filesystem::exists(dir.file("end.h5.partial")));
    }

    TEST_CASE("live: scripted lever changes are checked before anything is written") {
        const TempDir dir("live");
        LiveOptions o = small(dir.file("bad.h5"));
        o.script.push_back(parse_lever_change("anti_rumours=0.5@3"));
        CHECK(o.script[0].step == 3);
        CHECK(o.script[0].value == doctest::Approx(0.5));
        o.script.push_back({"anti_rumour", 0.5, 3});
        CHECK_THROWS_AS(LiveRunner(std::move(o)), SessionError);
        CHECK_FALSE(std::filesystem::exists(dir.file("bad.h5.partial")));
        for (const char* text : {"anti_rumours", "anti_rumours=0.5", "anti_rumours=x@3", "anti_rumours=2@3",
                                 "anti_rumours=0.5@0", "=0.5@3"})
            CHECK_THROWS_AS(parse_lever_change(text), SessionError);
    }
}
