// Tests for models/classic/daley_kendall.cpp: the Daley-Kendall rumour model.
#include <cmath>

#include <doctest/doctest.h>

#include "models/classic/classic.hpp"
#include "models/classic/daley_kendall.hpp"

using namespace icsim;
using namespace icsim::daley_kendall;

TEST_SUITE("unit") {

    TEST_CASE("daley-kendall: n = 2 runs the only possible history") {
        // The spreader meets the ignorant (weight S*I = 1, the only one), then
        // the two spreaders meet and both stifle: 2 meetings.
        for (uint64_t seed = 1; seed <= 20; ++seed) {
            const Outcome o = simulate({2, 1}, seed);
            CHECK(o.ignorants == 0);
            CHECK(o.stiflers == 2);
            CHECK(o.peak_spreaders == 2);
            CHECK(o.meetings == 2);
        }
    }

    TEST_CASE("daley-kendall: n = 3 leaves one ignorant with probability 1/3 (hand-checked)") {
        // (i, s) = (2, 1) -> (1, 2) surely; there S*I = 2 against S(S-1)/2 = 1:
        // the spreaders meet first (absorbing at i = 1) with probability 1/3.
        CHECK(exact_never_heard(3, 1) == doctest::Approx(1.0 / 9));
        const int runs = 40000;
        int one_left = 0;
        for (int k = 0; k < runs; ++k)
            one_left += simulate({3, 1}, replicate_seed(7, uint32_t(k))).ignorants == 1;
        const double p = double(one_left) / runs, se = std::sqrt(1.0 / 3 * 2.0 / 3 / runs);
        CHECK(std::fabs(p - 1.0 / 3) < 4 * se);
    }

    TEST_CASE("daley-kendall: states sum to n and the run ends without spreaders") {
        for (uint64_t seed = 1; seed <= 50; ++seed) {
            const Params p{80, 1 + int(seed % 7)};
            const Outcome o = simulate(p, seed);
            CHECK(o.ignorants + o.spreaders + o.stiflers == 80);
            CHECK(o.spreaders == 0);
            CHECK(o.peak_spreaders >= uint32_t(p.initial_spreaders));
            CHECK(o.meetings <= 2 * 80);
        }
    }

    TEST_CASE("daley-kendall: the simulation matches the exact chain (n = 50 with 4 spreaders)") {
        const int runs = 20000;
        double sum = 0, sum2 = 0;
        for (int k = 0; k < runs; ++k) {
            const double v = simulate({50, 4}, replicate_seed(5, uint32_t(k))).ignorants / 50.0;
            sum += v;
            sum2 += v * v;
        }
        const double mean = sum / runs, se = std::sqrt((sum2 / runs - mean * mean) / runs);
        CHECK(std::fabs(mean - exact_never_heard(50, 4)) < 4 * se);
    }

    TEST_CASE("daley-kendall: the exact chain tends to theta = 0.203188 and not to the double-counted 0.28") {
        CHECK(std::fabs(exact_never_heard(1000, 1) - 0.203188) < 0.001);
        CHECK(std::fabs(exact_never_heard(4000, 1) - 0.203188) < 0.0002);
    }

    TEST_CASE("daley-kendall: same seed gives the same result and bad overrides are refused") {
        const ClassicModel* m = find_classic("daley-kendall");
        REQUIRE(m != nullptr);
        const auto run = m->prepare({});
        CHECK(run(9) == run(9));
        CHECK(run(9) != run(10));
        CHECK_THROWS_AS(m->prepare({{"initial_spreaders", 1000}}), ParamError);
    }
}
