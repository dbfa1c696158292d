// Tests for models/classic/hegselmann_krause.cpp: Hegselmann-Krause bounded
// confidence.
#include <algorithm>
#include <cmath>

#include <doctest/doctest.h>

#include "models/classic/classic.hpp"
#include "models/classic/hegselmann_krause.hpp"
#include "sim/rng.hpp"

using namespace icsim;
using namespace icsim::hegselmann_krause;

TEST_SUITE("unit") {

    TEST_CASE("hegselmann-krause: one round by hand") {
        std::vector<double> x = update_round({0.0, 0.1, 0.5}, 0.15);
        CHECK(x[0] == doctest::Approx(0.05));
        CHECK(x[1] == doctest::Approx(0.05));
        CHECK(x[2] == 0.5);
        x = update_round({0.0, 0.2, 0.4}, 0.2); // |x_i - x_j| <= epsilon counts (0.4 - 0.2 == 0.2)
        CHECK(x[0] == doctest::Approx(0.1));
        CHECK(x[1] == doctest::Approx(0.2));
        CHECK(x[2] == doctest::Approx(0.3));
    }

    TEST_CASE("hegselmann-krause: 0 and 1/4 and 1/2 with epsilon 1/4 reach consensus at 1/4 in 3 rounds") {
        // Binary fractions, so the arithmetic is exact: round 1 -> {1/8, 1/4, 3/8};
        // round 2: 3/8 - 1/8 = 1/4 <= epsilon, all -> 1/4; round 3 moves nobody.
        const Outcome o = simulate_from({0.5, 0.0, 0.25}, {3, 0.25, 100, false});
        CHECK(o.converged);
        CHECK(o.rounds == 3);
        for (const double v : o.opinions)
            CHECK(v == 0.25);
        CHECK(cluster_sizes(o.opinions, 0.25) == std::vector<uint32_t>{3});
        // With decimal fractions rounding matters: 0.1 + 0.2 makes 0.30000000000000004,
        // just over epsilon = 0.2 from 0.1, so {0, 0.2, 0.4} takes one round more.
        CHECK(simulate_from({0.0, 0.2, 0.4}, {3, 0.2, 100, false}).rounds == 4);
    }

    TEST_CASE("hegselmann-krause: window means equal brute-force means") {
        CounterRng rng(2, Stream::Test, 0, 0);
        std::vector<double> x(2000);
        for (double& v : x)
            v = rng.uniform();
        std::sort(x.begin(), x.end());
        for (const double eps : {0.0, 0.01, 0.1, 0.3, 1.0}) {
            const std::vector<double> fast = update_round(x, eps);
            double worst = 0;
            for (size_t i = 0; i < x.size(); i += 7) {
                double sum = 0;
                int count = 0;
                for (const double y : x)
                    if (std::fabs(x[i] - y) <= eps) {
                        sum += y;
                        ++count;
                    }
                worst = std::max(worst, std::fabs(fast[i] - sum / count));
            }
            CHECK(worst < 1e-14);
        }
    }

    TEST_CASE("hegselmann-krause: a fixed point stays put to the last bit of tolerance") {
        std::vector<double> x(3000, 0.3);
        x.insert(x.end(), 2000, 0.9);
        const std::vector<double> y = update_round(x, 0.25);
        for (size_t i = 0; i < x.size(); ++i)
            CHECK(std::fabs(y[i] - x[i]) < kTolerance);
    }

    TEST_CASE("hegselmann-krause: opinions stay sorted within the initial range and end as single points") {
        for (uint64_t seed = 1; seed <= 10; ++seed) {
            const Params p{500, 0.02 * double(seed), 100000, false};
            CounterRng rng(seed, Stream::Classic, 0, 0); // simulate's setup draws
            double lo = 1, hi = 0;
            for (int k = 0; k < 500; ++k) {
                const double v = rng.uniform();
                lo = std::min(lo, v);
                hi = std::max(hi, v);
            }
            const Outcome o = simulate(p, seed);
            REQUIRE(o.converged);
            CHECK(std::is_sorted(o.opinions.begin(), o.opinions.end()));
            CHECK(o.opinions.front() >= lo);
            CHECK(o.opinions.back() <= hi);
            // At the fixed point every cluster is one opinion.
            size_t begin = 0;
            for (size_t k = 1; k <= o.opinions.size(); ++k)
                if (k == o.opinions.size() || o.opinions[k] - o.opinions[k - 1] > p.epsilon) {
                    CHECK(o.opinions[k - 1] - o.opinions[begin] < 1e-9);
                    begin = k;
                }
        }
    }

    TEST_CASE("hegselmann-krause: same seed gives the same result and equally spaced ignores the seed") {
        const ClassicModel* m = find_classic("hegselmann-krause");
        REQUIRE(m != nullptr);
        const auto r = m->prepare({{"n", 400}, {"epsilon", 0.12}});
        CHECK(r(3) == r(3));
        const auto e = m->prepare({{"n", 400}, {"epsilon", 0.12}, {"equally_spaced", 1}});
        CHECK(e(3) == e(4));
        CHECK_THROWS_AS(m->prepare({{"epsilon", 2}}), ParamError);
    }
}
