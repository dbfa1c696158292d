// Tests for models/classic/deffuant.cpp: Deffuant bounded confidence.
#include <algorithm>
#include <cmath>
#include <numeric>

#include <doctest/doctest.h>

#include "models/classic/classic.hpp"
#include "models/classic/deffuant.hpp"
#include "sim/rng.hpp"

using namespace icsim;
using namespace icsim::deffuant;

TEST_SUITE("unit") {

    TEST_CASE("deffuant: an encounter moves both by mu of their gap only when closer than d") {
        double x = 0.2, y = 0.3;
        CHECK(interact(x, y, 0.2, 0.5));
        CHECK(x == doctest::Approx(0.25));
        CHECK(y == doctest::Approx(0.25));
        x = 0.1, y = 0.2;
        CHECK(interact(x, y, 0.2, 0.25));
        CHECK(x == doctest::Approx(0.125));
        CHECK(y == doctest::Approx(0.175));
        x = 0.2, y = 0.4; // |x - y| = d exactly: no interaction (strict <)
        CHECK_FALSE(interact(x, y, 0.2, 0.5));
        CHECK(x == 0.2);
        CHECK(y == 0.4);
    }

    TEST_CASE("deffuant: every encounter conserves the pair's sum (the mean opinion)") {
        CounterRng rng(1, Stream::Test, 0, 0);
        for (int k = 0; k < 10000; ++k) {
            double x = rng.uniform(), y = rng.uniform();
            const double before = x + y, mu = 0.5 * rng.uniform();
            interact(x, y, 0.5, mu);
            CHECK(std::fabs((x + y) - before) <= 4e-16);
        }
        // And over a whole run.
        std::vector<double> x(300);
        for (double& v : x)
            v = rng.uniform();
        const double mean0 = std::accumulate(x.begin(), x.end(), 0.0) / 300;
        const Outcome o = simulate_from(x, {300, 0.25, 0.3, 100000}, 4);
        CHECK(o.converged);
        CHECK(std::accumulate(o.opinions.begin(), o.opinions.end(), 0.0) / 300 ==
              doctest::Approx(mean0).epsilon(1e-12));
    }

    TEST_CASE("deffuant: clusters split at gaps of d or more and are frozen when each spans less than d") {
        CHECK(cluster_sizes({0.9, 0.0, 0.5, 0.1, 0.55}, 0.2) == std::vector<uint32_t>{2, 2, 1});
        CHECK(cluster_sizes({0.0, 0.2}, 0.2) == std::vector<uint32_t>{1, 1}); // gap = d: apart
        CHECK(frozen({0.0, 0.1, 0.5}, 0.2));
        CHECK_FALSE(frozen({0.0, 0.1, 0.25}, 0.2)); // one cluster spanning 0.25 >= d
        CHECK(frozen({0.3}, 0.2));
    }

    TEST_CASE("deffuant: a run ends frozen with clusters at least d apart and each narrower than d") {
        for (uint64_t seed = 1; seed <= 10; ++seed) {
            const Params p{400, 0.1 + 0.03 * double(seed), 0.5, 100000};
            const Outcome o = simulate(p, seed);
            REQUIRE(o.converged);
            CHECK(frozen(o.opinions, p.d));
            std::vector<double> x = o.opinions;
            std::sort(x.begin(), x.end());
            CHECK(x.front() >= 0.0);
            CHECK(x.back() < 1.0);
            const auto sizes = cluster_sizes(x, p.d);
            CHECK(std::accumulate(sizes.begin(), sizes.end(), 0u) == 400);
            const MetricValues m = run(p, seed);
            CHECK(m[2].second == double(sizes.size())); // clusters
            CHECK(m[0].second <= m[2].second);          // major_clusters <= clusters
            CHECK(m[0].second >= 1);
        }
    }

    TEST_CASE("deffuant: d = 1 is consensus from the start and small d leaves many clusters") {
        const Outcome o = simulate({100, 1.0, 0.5, 10}, 3);
        CHECK(o.sweeps == 0);
        CHECK(o.converged);
        CHECK(cluster_sizes(o.opinions, 1.0).size() == 1);
        CHECK(run({500, 0.05, 0.5, 100000}, 3)[0].second >= 5); // major clusters
    }

    TEST_CASE("deffuant: same seed gives the same result") {
        const auto r = find_classic("deffuant")->prepare({{"n", 300}, {"d", 0.15}});
        CHECK(r(8) == r(8));
        const Params p{300, 0.15, 0.5, 100000};
        CHECK(simulate(p, 8).opinions == simulate(p, 8).opinions);
        CHECK(simulate(p, 8).opinions != simulate(p, 9).opinions);
        CHECK_THROWS_AS(find_classic("deffuant")->prepare({{"d", 0}}), ParamError);
    }
}
