// Welcoming (models/welcoming.cpp, docs/model/welcoming.md): mentors from
// the majority for newcomers under the lever, and only under it.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "models/registry.hpp"
#include "scenarios/loader.hpp"
#include "scenarios/scenario.hpp"
#include "social_testlib.hpp"

using namespace icsim;
using namespace icsim::social_test;

namespace {

const std::string kWelcoming =
    "[[policies]]\nname = \"mentors\"\nlever = \"welcoming\"\nstart = 0\nintensity = 1.0\n";

size_t mentored(const World& w) {
    const auto& m = w.pop.column(column_handle<uint32_t>("mentor"));
    return size_t(std::count_if(m.begin(), m.end(), [](uint32_t v) { return v != kNoResident; }));
}

} // namespace

TEST_SUITE("integration") {
    TEST_CASE("welcoming: without the lever nobody has a mentor") {
        Engine engine = build_engine(small_city());
        for (int k = 0; k < 10; ++k) {
            engine.step();
            CHECK(counter(engine.counters(), "new_mentors") == 0);
        }
        CHECK(mentored(engine.world()) == 0);
    }

    TEST_CASE("welcoming: with the lever, newcomers get majority mentors and learn faster") {
        const double newcomer_years = 2;
        Engine with = build_engine(small_city_with_policy(kWelcoming, {}));
        Engine without = build_engine(small_city());
        const World& w = with.world();
        const auto& mentor = w.pop.column(column_handle<uint32_t>("mentor"));
        const auto& years = w.pop.column(column_handle<float>("years_in_city"));
        size_t newcomers = 0;
        for (float y : years)
            newcomers += y < newcomer_years;
        REQUIRE(newcomers > 50); // the initial city has newcomers
        for (int k = 0; k < 20; ++k) {
            with.step();
            without.step();
            for (size_t r = 0; r < w.pop.size(); ++r)
                if (mentor[r] != kNoResident) {
                    // (belonging advances the years after welcoming's step)
                    CHECK(years[r] < newcomer_years + 7 / 365.25 + 1e-4);
                    REQUIRE(mentor[r] < w.pop.size());
                    CHECK(w.pop.group[mentor[r]] == 0);
                    CHECK(mentor[r] != r);
                }
        }
        // At match_rate 0.1 a step, about 1 - 0.9^20 = 88 % are matched.
        size_t now = 0, with_mentor = 0;
        double lang_with = 0, lang_without = 0;
        for (size_t r = 0; r < w.pop.size(); ++r)
            if (years[r] < newcomer_years) {
                ++now;
                with_mentor += mentor[r] != kNoResident;
                lang_with += w.pop.language[r];
                lang_without += without.world().pop.language[r];
            }
        CHECK(double(with_mentor) > 0.7 * double(now));
        CHECK(lang_with > lang_without);
        CHECK(mentored(without.world()) == 0);
    }

    TEST_CASE("welcoming: mentoring ends when the newcomer is no longer one") {
        // newcomer_years 0.3: the newcomers of the initial city outgrow it
        // within 16 weekly steps, and then nobody is mentored.
        Engine engine =
            build_engine(small_city_with_policy(kWelcoming, {"mechanisms.welcoming.newcomer_years=0.3"}));
        size_t peak = 0;
        for (int k = 0; k < 20; ++k) {
            engine.step();
            peak = std::max(peak, mentored(engine.world()));
        }
        CHECK(peak > 0);
        CHECK(mentored(engine.world()) == 0);
    }

    TEST_CASE("welcoming: the library variant raises newcomers' belonging over the default city") {
        const std::vector<std::string> o = {"city.width=40", "city.height=40", "city.layout=voronoi",
                                            "run.steps=80"};
        Engine base = build_engine(load_scenario_file("scenarios/library/default.toml", o));
        Engine variant = build_engine(load_scenario_file("scenarios/library/policy-welcoming.toml", o));
        for (int k = 0; k < 80; ++k) {
            base.step();
            variant.step();
        }
        CHECK(mentored(base.world()) == 0);
        CHECK(mentored(variant.world()) > 0);
        const auto& years = variant.world().pop.column(column_handle<float>("years_in_city"));
        const auto b = column_handle<float>("belonging");
        double in_base = 0, in_variant = 0;
        size_t n = 0;
        for (size_t r = 0; r < years.size(); ++r)
            if (years[r] < 2 && variant.world().pop.group[r] == 3) {
                in_base += base.world().pop.column(b)[r];
                in_variant += variant.world().pop.column(b)[r];
                ++n;
            }
        REQUIRE(n > 10);
        CHECK(in_variant > in_base);
    }
}
