// Tests for models/classic/test_functions.cpp: Ishigami and Sobol' G.
#include <cmath>
#include <numbers>

#include <doctest/doctest.h>

#include "models/classic/classic.hpp"
#include "models/classic/test_functions.hpp"

using namespace icsim;
using namespace icsim::test_functions;

TEST_SUITE("unit") {

    TEST_CASE("ishigami: registered with x1 x2 x3 a b and metric y; values by hand") {
        const ClassicModel* m = find_classic("ishigami");
        REQUIRE(m != nullptr);
        const double pi = std::numbers::pi;
        // sin(pi/2) + 7 sin^2(pi/2) + 0.1 (pi/2)^4 sin(pi/2) = 1 + 7 + 0.1 (pi/2)^4
        const auto r = run_classic(*m, {{"x1", pi / 2}, {"x2", pi / 2}, {"x3", pi / 2}}, 1, 1);
        REQUIRE(r.metrics.size() == 1);
        CHECK(r.metrics[0].name == "y");
        CHECK(r.metrics[0].mean == doctest::Approx(8 + 0.1 * std::pow(pi / 2, 4)));
        CHECK_THROWS_AS(run_classic(*m, {{"x1", 4}}, 1, 1), ParamError); // outside [-pi, pi]
    }

    TEST_CASE("sobol-g: the product over x1..xk; analytic indices for SALib's default a") {
        const ClassicModel* m = find_classic("sobol-g");
        REQUIRE(m != nullptr);
        // x = 0.5 makes every factor a / (1 + a): the a = 0 factor zeroes the product.
        CHECK(run_classic(*m, {}, 1, 1).metrics[0].mean == 0);
        // k = 1, a1 = 1, x1 = 0: (2 + 1) / 2.
        CHECK(run_classic(*m, {{"k", 1}, {"a1", 1}, {"x1", 0}}, 1, 1).metrics[0].mean ==
              doctest::Approx(1.5));
        const Indices ix = sobol_g_indices({0, 1, 4.5, 9, 99, 99, 99, 99});
        CHECK(ix.first[0] == doctest::Approx(0.7162).epsilon(1e-3));
        CHECK(ix.total[1] == doctest::Approx(0.2422).epsilon(1e-3));
    }
}
