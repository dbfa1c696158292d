// The city's calibration as a regression check: the default city, run over
// the quick seeds, still meets the targets its social mechanisms were
// calibrated to (session/calibration.cpp; docs/validation.md, "City
// mechanisms"). A change to a mechanism that moves the contact ratio or the
// contact-prejudice correlation out of its window fails here.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
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
    TEST_CASE("validate --quick: the equality rows (callback band and offers and the policy variants) pass "
              "or skip") {
        ValidationReport report;
        append_city_equality(report, true, 1);
        REQUIRE(report.rows.size() == 13); // 2 city rows, 7 lever rows, 4 strategy rows
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

    TEST_CASE("the library compiled into the program is the library's files") {
        // The validation runs the compiled-in files; they must be the files.
        size_t n = 0;
        for (const auto& entry : std::filesystem::directory_iterator("scenarios/library")) {
            const std::string f = entry.path().filename().string();
            if (entry.path().extension() != ".toml")
                continue;
            INFO(f);
            ++n;
            std::ifstream in(entry.path(), std::ios::binary);
            const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
            const std::string* built_in = library_scenario_text(f);
            REQUIRE(built_in != nullptr);
            CHECK(*built_in == text);
            if (f == "river-city.toml") // names a raster file, which is not compiled in
                continue;
            CHECK(load_library_scenario(f).resolved_toml ==
                  load_scenario_file(entry.path().string()).resolved_toml);
        }
        CHECK(n >= 18);
        CHECK(library_scenario_text("no-such-file.toml") == nullptr);
        CHECK_THROWS_WITH_AS(load_library_scenario("no-such-file.toml"),
                             doctest::Contains("no scenario of this name in the built-in library"),
                             ScenarioError);
    }
}
