// A run shorter than its scenario (`--steps N`, which the loader sees as
// `--set run.steps=N`) runs every policy window up to the run's end, with a
// note, and `--scale` beyond the scenario's limits says which factor fits.
#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <vector>

#include "scenarios/loader.hpp"
#include "scenarios/scale.hpp"
#include "sim/policy.hpp"

using namespace icsim;

namespace {

const std::string kStrategy = "scenarios/library/intercultural-strategy.toml";

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

} // namespace

TEST_SUITE("unit") {
    TEST_CASE("short run: every policy runs to the run's end as in the full scenario") {
        const ScenarioConfig full = load_scenario_file(kStrategy);
        REQUIRE(full.steps == 260);
        CHECK(full.notes.empty());
        const ScenarioConfig s = load_scenario_file(kStrategy, {"run.steps=40"});
        CHECK(s.steps == 40);
        REQUIRE(s.notes.size() == 2);
        // Windows and ramps that reach past step 40 are cut; later ones skipped.
        CHECK(contains(s.notes[0], "stops after step 40 of the scenario's 260"));
        CHECK(contains(s.notes[0], "anti-rumour-network"));
        CHECK(contains(s.notes[1], "newcomer-mentoring"));
        CHECK(contains(s.notes[1], "start after step 40 and are skipped"));
        CHECK(!contains(s.notes[0], "newcomer-mentoring"));

        // The same policy levels at every step the short run computes.
        REQUIRE(s.policies.size() == full.policies.size());
        const PolicySchedule a(full.policies, baseline_from_icc(full.icc_scores));
        const PolicySchedule b(s.policies, baseline_from_icc(s.icc_scores));
        int differing = 0, active = 0;
        for (uint32_t step = 0; step <= s.steps; ++step)
            for (const auto& l : lever_table())
                for (int h = 0; h < int(s.city.neighbourhoods.size()); ++h)
                    for (int g = 0; g < int(s.city.groups.size()); ++g) {
                        const double x = a.intensity(l.lever, step, h, g),
                                     y = b.intensity(l.lever, step, h, g);
                        differing += x != y;
                        active += y > 0;
                    }
        CHECK(differing == 0);
        CHECK(active > 0);

        // The resolved text records the horizon and loads again as it is
        // (what `icsim resume` does), to the same run.
        CHECK(contains(s.resolved_toml, "horizon = 260"));
        const ScenarioConfig again = load_scenario_text(s.resolved_toml, "resolved");
        CHECK(again.steps == 40);
        CHECK(again.resolved_toml == s.resolved_toml);
        CHECK(again.notes == s.notes);
    }

    TEST_CASE("short run: a full-length or longer run has no horizon and no note") {
        const ScenarioConfig s = load_scenario_file(kStrategy, {"run.steps=300"});
        CHECK(s.notes.empty());
        CHECK(!contains(s.resolved_toml, "horizon"));
        const ScenarioConfig d = load_default_scenario({"run.steps=10"});
        CHECK(d.notes.empty()); // no policies: nothing to cut
    }

    TEST_CASE("short run: a file inconsistent in itself is still refused") {
        // Its window starts after its own run.steps, whatever --steps says.
        for (const std::vector<std::string>& sets :
             {std::vector<std::string>{}, std::vector<std::string>{"run.steps=5"}}) {
            try {
                load_scenario_file("tests/data/scenarios/malformed/policy-after-horizon.toml", sets);
                FAIL("loaded");
            } catch (const ScenarioError& e) {
                CHECK(contains(e.what(), "policies.late.start"));
            }
        }
        // A horizon shorter than the run is a mistake in the file.
        try {
            load_default_scenario({"run.horizon=10"});
            FAIL("loaded");
        } catch (const ScenarioError& e) {
            CHECK(contains(e.what(), "run.horizon: expected at least run.steps (260), found 10"));
        }
    }

    TEST_CASE("scale: a factor past the scenario's limits names the largest that fits") {
        const ScenarioConfig s = load_default_scenario();
        std::string message;
        try {
            scale_assignments(s, 10000);
        } catch (const std::invalid_argument& e) {
            message = e.what();
        }
        CHECK(
            contains(message, "10000 is too large for this city: city.width would be 12000 (at most 10000)"));
        const auto at = message.find("the largest factor that fits is ");
        REQUIRE(at != std::string::npos);
        const double best = std::stod(message.substr(at + 32));
        CHECK(best > 6000);
        // That factor loads; a little more does not.
        CHECK_NOTHROW(load_default_scenario(scale_assignments(s, best)));
        CHECK_THROWS_AS(scale_assignments(s, best * 1.001), std::invalid_argument);
    }
}
