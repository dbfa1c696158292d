// A run shorter than its scenario (`--steps N`, which the loader sees as
// `--set run.steps=N`) runs every policy window up to the run's end, with a
// note, and `--scale` beyond the scenario's limits says which factor fits.
// Also: the config structs' defaults are the scenario keys' defaults.
#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <vector>

#include "models/registry.hpp"
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

TEST_SUITE("unit") {
    TEST_CASE("defaults: a key left out gives its config field's own default") {
        // One entry of each list with only its required keys: every other
        // value comes from the schema, which takes it from the structs.
        const ScenarioConfig s = load_scenario_text(R"(
[[city.neighbourhoods]]
name = "n"
x0 = 0
y0 = 0
x1 = 5
y1 = 5
[[groups]]
name = "g"
share = 1.0
[[places]]
name = "p"
kind = "school"
neighbourhood = "n"
[[organisations]]
name = "o"
neighbourhood = "n"
[[policies]]
name = "x"
lever = "mediation"
)",
                                                    "defaults");
        const ScenarioConfig sc{};
        CHECK(s.name == sc.name);
        CHECK(s.steps == sc.steps);
        CHECK(s.step_days == sc.step_days);
        CHECK(s.seed == sc.seed);
        CHECK(s.threads == sc.threads);
        const CityConfig c{};
        CHECK(s.city.grid.width == c.grid.width);
        CHECK(s.city.grid.height == c.grid.height);
        CHECK(s.city.grid.torus == c.grid.torus);
        CHECK(s.city.grid.capacity == c.grid.capacity);
        CHECK(s.city.occupancy == c.occupancy);
        CHECK(s.city.layout == c.layout);
        const NeighbourhoodSpec n{};
        CHECK(s.city.neighbourhoods.at(0).rent_level == n.rent_level);
        CHECK(s.city.neighbourhoods.at(0).social_housing_share == n.social_housing_share);
        const GroupSpec g{};
        const GroupSpec& sg = s.city.groups.at(0);
        CHECK(sg.arrival_rate == g.arrival_rate);
        CHECK(sg.tolerance == g.tolerance);
        CHECK(sg.tolerance_sd == g.tolerance_sd);
        CHECK(sg.language.mean == g.language.mean);
        CHECK(sg.language.sd == g.language.sd);
        CHECK(sg.skill.mean == g.skill.mean);
        CHECK(sg.skill.sd == g.skill.sd);
        CHECK(sg.prejudice.mean == g.prejudice.mean);
        CHECK(sg.prejudice.sd == g.prejudice.sd);
        CHECK(sg.pattern == g.pattern);
        CHECK(sg.concentration == g.concentration);
        const PlaceSpec p{};
        CHECK(s.city.places.at(0).count == p.count);
        CHECK(s.city.places.at(0).capacity == p.capacity);
        const OrganisationSpec o{};
        CHECK(s.city.organisations.at(0).kind == o.kind);
        CHECK(s.city.organisations.at(0).capacity == o.capacity);
        CHECK(s.city.organisations.at(0).budget == o.budget);
        const PolicySpec ps{};
        CHECK(s.policies.at(0).start == ps.start);
        CHECK(s.policies.at(0).ramp == ps.ramp);
        CHECK(s.policies.at(0).intensity == ps.intensity);
        CHECK(s.policies.at(0).cost_per_step == ps.cost_per_step);
        CHECK(s.policies.at(0).partner == ps.partner);
        const OutputConfig out{};
        CHECK(s.output.file == out.file);
        CHECK(s.output.snapshot_every == out.snapshot_every);
        CHECK(s.output.checkpoint_every == out.checkpoint_every);
        // Mechanism parameters: the Params structs through their Field tables.
        REQUIRE(!s.mechanisms.empty());
        for (const auto& m : s.mechanisms) {
            const MechanismEntry* e = find_mechanism(m.name);
            REQUIRE(e != nullptr);
            for (const auto& info : e->params)
                CHECK(m.params.at(info.name) == info.default_value);
        }
    }
}

TEST_SUITE("unit") {
    TEST_CASE("output.metrics, which older files record, is ignored with a note") {
        // The scenario text of a run written before the key was dropped
        // must still load, or `icsim resume` could not finish that run.
        const std::string groups = "[[groups]]\nname = \"g\"\nshare = 1.0\n";
        const std::string text = "[output]\nmetrics = [\"all\"]\n" + groups;
        const ScenarioConfig s = load_scenario_text(text, "old.h5");
        REQUIRE(s.notes.size() == 1);
        CHECK(contains(s.notes[0], "old.h5:2: output.metrics is no longer used"));
        CHECK_FALSE(contains(s.resolved_toml, "metrics"));
        // Any other unknown key there is still an error.
        CHECK_THROWS(load_scenario_text("[output]\nmetricz = 1\n" + groups, "typo"));
    }
}
