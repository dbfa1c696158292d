// The city's calibration as a regression check: the default city, run over
// the quick seeds, still meets the targets its social mechanisms were
// calibrated to (session/calibration.cpp; docs/validation.md, "City
// mechanisms"). A change to a mechanism that moves the contact ratio or the
// contact-prejudice correlation out of its window fails here.
#include <doctest/doctest.h>

#include <cmath>

#include "session/calibration.hpp"

using namespace icsim;

TEST_SUITE("validation") {

    TEST_CASE("validate --quick: the default city meets its calibration targets") {
        ValidationReport report;
        append_city_calibration(report, true, 1);
        REQUIRE(report.rows.size() == 2);
        for (const ValidationRow& r : report.rows) {
            INFO(r.check.metric << ": " << r.measured.mean << " +- " << r.measured.se << " vs "
                                << r.check.reference << " (allowed " << r.allowed << ")");
            CHECK(r.measured.count == r.runs);
            CHECK(std::isfinite(r.measured.mean));
            CHECK(r.pass);
        }
    }
}
