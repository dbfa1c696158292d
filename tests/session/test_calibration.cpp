// The city's calibration as a regression check: the default city, run over
// the quick seeds, still meets the targets its social mechanisms were
// calibrated to (session/calibration.cpp; docs/validation.md, "City
// mechanisms"). A change to a mechanism that moves the contact ratio or the
// contact-prejudice correlation out of its window fails here.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "scenarios/loader.hpp"
#include "session/calibration.hpp"

using namespace icsim;

TEST_SUITE("validation") {

    TEST_CASE("validate --quick: the default city meets its calibration targets") {
        ValidationReport report;
        append_city_calibration(report, true, 1);
        REQUIRE(report.rows.size() == 3);
        for (const ValidationRow& r : report.rows) {
            INFO(r.check.metric << ": " << r.measured.mean << " +- " << r.measured.se << " vs "
                                << r.check.reference << " (allowed " << r.allowed << ")");
            CHECK(r.measured.count == r.runs);
            CHECK(std::isfinite(r.measured.mean));
            CHECK(r.pass);
        }
    }
}

TEST_SUITE("validation") {

    // (No comma in a test name: doctest_discover_tests would drop its label.)
    TEST_CASE("validate --quick: the equality rows (callback band and offers and four levers) pass or skip") {
        ValidationReport report;
        append_city_equality(report, true, 1);
        REQUIRE(report.rows.size() == 7);
        for (const ValidationRow& r : report.rows) {
            INFO(r.model << " " << r.check.metric << ": " << r.measured.mean << " +- " << r.measured.se
                         << " (allowed " << r.allowed << ")" << (r.skipped ? " skipped" : ""));
            // Only a lever no mechanism reads may be skipped.
            if (r.skipped) {
                CHECK(r.model == "lever mixed_housing");
                continue;
            }
            CHECK(r.measured.count == r.runs);
            CHECK(std::isfinite(r.measured.mean));
            CHECK(r.pass);
        }
        CHECK(report.failures() == 0);
    }

    TEST_CASE("the equality rows' lever variants are the library's policy files") {
        for (const char* lever : {"anti_discrimination", "language_courses", "welcoming", "mixed_housing"}) {
            std::string file = std::string("scenarios/library/policy-") + lever + ".toml";
            std::replace(file.begin(), file.end(), '_', '-');
            const ScenarioConfig lib = load_scenario_file(file);
            const ScenarioConfig ours = load_scenario_text(
                default_scenario_text() + "\n" + lever_variant_toml(lever), "variant.toml");
            INFO(lever);
            REQUIRE(lib.policies.size() == ours.policies.size());
            for (size_t k = 0; k < lib.policies.size(); ++k) {
                CHECK(lib.policies[k].name == ours.policies[k].name);
                CHECK(lib.policies[k].intensity == ours.policies[k].intensity);
                CHECK(lib.policies[k].start == ours.policies[k].start);
                CHECK(lib.policies[k].ramp == ours.policies[k].ramp);
            }
            CHECK(lib.city.organisations.size() == ours.city.organisations.size());
        }
    }
}
