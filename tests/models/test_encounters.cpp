// The encounters mechanism (models/encounters.cpp): the contact outcome's
// log-odds.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include "social_testlib.hpp"

using namespace icsim;
using namespace icsim::social_test;

TEST_SUITE("unit") {

    TEST_CASE("social encounters: positive_probability is the logistic of the log-odds terms") {
        EncountersParams p; // explicit weights, not the (calibrated) defaults
        p.base_log_odds = 0.5;
        p.cooperation_weight = 0.5;
        p.language_weight = 1.0;
        p.prejudice_weight = 2.0;
        p.support_weight = 1.0;
        // in-group at a public space: x = 0.5 -> 1 / (1 + e^-0.5) = 0.622459331
        CHECK(positive_probability(p, false, false, 0, 0, 0) == doctest::Approx(0.6224593312));
        // out-group at work with language 0.5 and mean prejudice 0.25:
        // x = 0.5 + 0.5 + 1 x 0.5 - 2 x 0.25 = 1 -> 0.731058579
        CHECK(positive_probability(p, true, true, 0, 0.5, 0.25) == doctest::Approx(0.7310585786));
        // the same out-group meeting with mean prejudice 1: x = 1.5 - 2 = -0.5 -> 0.377540669
        CHECK(positive_probability(p, true, true, 0, 0.5, 1.0) == doctest::Approx(0.3775406688));
    }

    TEST_CASE("social encounters: the prejudice term applies only to out-group meetings") {
        EncountersParams p;
        p.base_log_odds = 0;
        p.cooperation_weight = p.language_weight = p.support_weight = 0;
        p.prejudice_weight = 2;
        // out-group: x = -2 x 0.5 = -1 -> 0.268941421; in-group: x = 0 -> 0.5
        CHECK(positive_probability(p, true, false, 0, 0, 0.5) == doctest::Approx(0.2689414214));
        CHECK(positive_probability(p, false, false, 0, 0, 0.5) == 0.5);
        CHECK(positive_probability(p, false, false, 0, 0, 1.0) == 0.5);
        // more prejudice, lower chance (out-group only)
        CHECK(positive_probability(p, true, false, 0, 0, 0.9) <
              positive_probability(p, true, false, 0, 0, 0.1));
    }

    TEST_CASE("social encounters: support and cooperation add their weights to the log-odds") {
        EncountersParams p;
        p.base_log_odds = 0;
        p.cooperation_weight = 0.75;
        p.language_weight = p.prejudice_weight = 0;
        p.support_weight = 2;
        // support 0.5: x = 2 x 0.5 = 1 -> 0.731058579
        CHECK(positive_probability(p, true, false, 0.5, 0, 0) == doctest::Approx(0.7310585786));
        // logit(p(support s)) - logit(p(0)) = support_weight x s, for any s
        auto logit = [](double q) { return std::log(q / (1 - q)); };
        for (double s : {0.1, 0.3, 0.8, 1.0}) {
            CAPTURE(s);
            CHECK(logit(positive_probability(p, true, true, s, 0, 0)) -
                      logit(positive_probability(p, true, true, 0, 0, 0)) ==
                  doctest::Approx(2 * s));
        }
        // cooperation: x = 0.75 -> 0.679178699
        CHECK(positive_probability(p, false, true, 0, 0, 0) == doctest::Approx(0.6791786992));
    }

    TEST_CASE("social encounters: a city without places steps, with no visits") {
        // Every mechanism of the default scenario on a tiny raster city that
        // declares no places: no unit to visit (this once read past the
        // counting sort's empty counts and crashed).
        const auto dir = std::filesystem::temp_directory_path();
        std::ofstream(dir / "icsim-no-places.txt") << "1 1 2\n1 2 2\n1 2 2\n";
        const ScenarioConfig s = load_scenario_text(R"(
[city]
width = 3
height = 3
layout = "raster"
raster = "icsim-no-places.txt"
[[city.neighbourhoods]]
name = "West"
[[city.neighbourhoods]]
name = "East"
[[groups]]
name = "a"
share = 0.6
[[groups]]
name = "b"
share = 0.4
)",
                                                    "no-places.toml", {}, dir);
        REQUIRE(s.city.places.empty());
        Engine engine = build_engine(s);
        for (int k = 0; k < 4; ++k)
            engine.step();
        CHECK(engine.steps_done() == 4);
        CHECK(counter(engine.counters(), "visits") == 0);
        CHECK(counter(engine.counters(), "meetings") == 0);
        const Problems st = check_state(engine.world());
        CHECK_MESSAGE(st.count == 0, st.first);
    }

} // TEST_SUITE
