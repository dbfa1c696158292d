// Language courses (models/language_learning.cpp, docs/model/language_learning.md):
// the lever decides who learns, places are bounded by the organisations'
// capacity, and only the enrolled learn.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "models/registry.hpp"
#include "scenarios/loader.hpp"
#include "scenarios/scenario.hpp"
#include "social_testlib.hpp"

using namespace icsim;
using namespace icsim::social_test;

namespace {

const std::string kCourses = "[[policies]]\nname = \"courses\"\nlever = \"language_courses\"\nstart = 0\n"
                             "intensity = 1.0\n";

size_t enrolled(const World& w) {
    const auto& left = w.pop.column(column_handle<uint8_t>("course_left"));
    return size_t(std::count_if(left.begin(), left.end(), [](uint8_t v) { return v != 0; }));
}

} // namespace

TEST_SUITE("integration") {
    TEST_CASE("language courses: without the lever nobody enrols and proficiency stays put") {
        Engine engine = build_engine(small_city());
        const std::vector<float> before = engine.world().pop.language;
        for (int k = 0; k < 10; ++k) {
            engine.step();
            CHECK(counter(engine.counters(), "course_starts") == 0);
        }
        CHECK(enrolled(engine.world()) == 0);
        CHECK(engine.world().pop.language == before);
    }

    TEST_CASE("language courses: with the lever, places fill up to the capacity, lowest proficiency first") {
        // Capacity share 0.1 of the default city's 350 places: 35 at once.
        const ScenarioConfig s =
            small_city_with_policy(kCourses, {"mechanisms.language_learning.capacity_share=0.1",
                                              "mechanisms.language_learning.uptake=0.5"});
        Engine engine = build_engine(s);
        const World& w = engine.world();
        REQUIRE(!w.organisations.empty());
        double capacity = 0;
        for (const auto& o : w.organisations)
            capacity += o.capacity;
        const size_t places = size_t(0.1 * capacity);
        const auto& left = w.pop.column(column_handle<uint8_t>("course_left"));
        engine.step();
        CHECK(enrolled(w) == places);
        // Many more asked than there are places (uptake 0.5): the enrolled
        // are among the least proficient.
        float worst_enrolled = 0;
        std::vector<float> others;
        for (size_t r = 0; r < w.pop.size(); ++r)
            if (left[r] != 0)
                worst_enrolled = std::max(worst_enrolled, w.pop.language[r]);
            else
                others.push_back(w.pop.language[r]);
        std::sort(others.begin(), others.end());
        CHECK(worst_enrolled < others[others.size() / 10]);
        for (int k = 0; k < 30; ++k) {
            engine.step();
            CHECK(enrolled(w) <= places);
        }
        CHECK(enrolled(w) == places); // courses end and places are refilled
    }

    TEST_CASE("language courses: proficiency rises for the enrolled and only for them") {
        const ScenarioConfig s = small_city_with_policy(kCourses, {});
        Engine engine = build_engine(s);
        const World& w = engine.world();
        const auto& left = w.pop.column(column_handle<uint8_t>("course_left"));
        size_t learners = 0;
        for (int k = 0; k < 12; ++k) {
            const std::vector<float> before = w.pop.language;
            const std::vector<uint8_t> was = left;
            engine.step();
            for (size_t r = 0; r < w.pop.size(); ++r) {
                if (was[r] == 0) {
                    CHECK(w.pop.language[r] == before[r]);
                } else if (before[r] < 1.0f) {
                    CHECK(w.pop.language[r] > before[r]);
                    CHECK(left[r] == was[r] - 1);
                    ++learners;
                }
            }
        }
        CHECK(learners > 100);
    }

    TEST_CASE("language courses: a city without organisations has the fallback places") {
        ScenarioConfig s =
            small_city_with_policy(kCourses, {"mechanisms.language_learning.uptake=0.5",
                                              "mechanisms.language_learning.fallback_per_1000=2"});
        s.city.organisations.clear();
        Engine engine = build_engine(s);
        engine.step();
        CHECK(enrolled(engine.world()) == size_t(2.0 * double(engine.world().pop.size()) / 1000.0));
    }

    TEST_CASE("language courses: the library variant runs differently from the default city") {
        const std::vector<std::string> o = {"city.width=40", "city.height=40", "city.layout=voronoi",
                                            "run.steps=70"};
        Engine base = build_engine(load_scenario_file("scenarios/library/default.toml", o));
        Engine variant =
            build_engine(load_scenario_file("scenarios/library/policy-language-courses.toml", o));
        for (int k = 0; k < 70; ++k) {
            base.step();
            variant.step();
        }
        CHECK(enrolled(base.world()) == 0);
        CHECK(enrolled(variant.world()) > 0);
        // The courses target minorities: their mean proficiency rises.
        double b = 0, v = 0;
        for (size_t r = 0; r < base.world().pop.size(); ++r)
            if (base.world().pop.group[r] == 3) {
                b += base.world().pop.language[r];
                v += variant.world().pop.language[r];
            }
        CHECK(v > b);
    }
}
