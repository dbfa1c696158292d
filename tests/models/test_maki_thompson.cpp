// Tests for models/classic/maki_thompson.cpp: the Maki-Thompson rumour model.
#include <cmath>

#include <doctest/doctest.h>

#include "models/classic/classic.hpp"
#include "models/classic/maki_thompson.hpp"

using namespace icsim;
using namespace icsim::maki_thompson;

TEST_SUITE("unit") {

    TEST_CASE("maki-thompson: n = 2 runs the only possible history") {
        // 0 calls the ignorant 1 (spreads), then one spreader calls the other
        // (stifles), then the last calls a stifler (stifles): 3 calls.
        for (uint64_t seed = 1; seed <= 20; ++seed) {
            const Outcome o = simulate({2, 1}, seed);
            CHECK(o.ignorants == 0);
            CHECK(o.spreaders == 0);
            CHECK(o.stiflers == 2);
            CHECK(o.peak_spreaders == 2);
            CHECK(o.contacts == 3);
        }
    }

    TEST_CASE("maki-thompson: n = 3 leaves one ignorant with probability 1/4 (hand-checked)") {
        // (i, s) = (2, 1) -> (1, 2) surely; then (0, 3) or (1, 1) with 1/2 each;
        // from (1, 1): (0, 2) or absorption at (1, 0) with 1/2 each.
        CHECK(exact_never_heard(3, 1) == doctest::Approx(1.0 / 12));
        const int runs = 40000;
        int one_left = 0;
        for (int k = 0; k < runs; ++k)
            one_left += simulate({3, 1}, replicate_seed(7, uint32_t(k))).ignorants == 1;
        const double p = double(one_left) / runs, se = std::sqrt(0.25 * 0.75 / runs);
        CHECK(std::fabs(p - 0.25) < 4 * se);
    }

    TEST_CASE("maki-thompson: states sum to n and the run ends without spreaders within 2n calls") {
        for (uint64_t seed = 1; seed <= 50; ++seed) {
            const Params p{60, 1 + int(seed % 5)};
            const Outcome o = simulate(p, seed);
            CHECK(o.ignorants + o.spreaders + o.stiflers == 60);
            CHECK(o.spreaders == 0);
            CHECK(o.ignorants <= uint32_t(60 - p.initial_spreaders));
            CHECK(o.peak_spreaders >= uint32_t(p.initial_spreaders));
            CHECK(o.contacts <= 2 * 60);
            // Each call turns one ignorant into a spreader or one spreader into a stifler.
            CHECK(o.contacts == (60 - uint64_t(p.initial_spreaders) - o.ignorants) + o.stiflers);
        }
    }

    TEST_CASE("maki-thompson: the simulation matches the exact chain (n = 50)") {
        const int runs = 20000;
        double sum = 0, sum2 = 0;
        for (int k = 0; k < runs; ++k) {
            const double v = simulate({50, 1}, replicate_seed(3, uint32_t(k))).ignorants / 50.0;
            sum += v;
            sum2 += v * v;
        }
        const double mean = sum / runs, se = std::sqrt((sum2 / runs - mean * mean) / runs);
        CHECK(std::fabs(mean - exact_never_heard(50, 1)) < 4 * se);
    }

    TEST_CASE("maki-thompson: the exact chain tends to theta = 0.203188") {
        CHECK(exact_never_heard(1000, 1) == doctest::Approx(0.203188).epsilon(0.001));
        CHECK(std::fabs(exact_never_heard(1000, 1) - 0.203188) < 0.0002);
    }

    TEST_CASE("maki-thompson: same seed gives the same result and bad overrides are refused") {
        const ClassicModel* m = find_classic("maki-thompson");
        REQUIRE(m != nullptr);
        const auto run = m->prepare({{"n", 500}});
        CHECK(run(42) == run(42));
        CHECK(run(42) != run(43));
        CHECK_THROWS_AS(m->prepare({{"n", 10}, {"initial_spreaders", 10}}), ParamError);
        CHECK_THROWS_AS(m->prepare({{"n", 1}}), ParamError);
    }
}
