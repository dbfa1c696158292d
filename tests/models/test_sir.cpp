// Tests for models/classic/sir.cpp (the stochastic SIR epidemic) and for the
// "missing metric" summaries of run_classic (models/classic/runner.cpp), which
// its conditional attack rate relies on.
#include <cmath>

#include <doctest/doctest.h>

#include "models/classic/classic.hpp"
#include "models/classic/sir.hpp"

using namespace icsim;
using namespace icsim::sir;

namespace {

const MetricSummary& summary(const ClassicResult& r, const char* name) {
    for (const auto& m : r.metrics)
        if (m.name == name)
            return m;
    FAIL("no metric " << name);
    return r.metrics.front();
}

} // namespace

TEST_SUITE("unit") {

    TEST_CASE("sir: without transmission the initial cases just recover") {
        const Params p{100, 0.0, 3, 0.1};
        const Outcome o = simulate(p, 1);
        CHECK(o.susceptible == 97);
        CHECK(o.recovered == 3);
        CHECK(o.events == 3);
        CHECK(o.peak_infected == 3);
    }

    TEST_CASE("sir: states sum to n and events = infections + recoveries") {
        for (uint64_t seed = 1; seed <= 50; ++seed) {
            const Params p{300, 0.5 + 0.1 * double(seed % 30), 1 + int(seed % 4), 0.1};
            const Outcome o = simulate(p, seed);
            CHECK(o.susceptible + o.infected + o.recovered == 300);
            CHECK(o.infected == 0);
            const uint64_t infections = o.recovered - uint32_t(p.initial_infected);
            CHECK(o.events == infections + o.recovered);
            CHECK(o.peak_infected >= uint32_t(p.initial_infected));
        }
    }

    TEST_CASE("sir: final-size root z = 1 - exp(-r0 z)") {
        CHECK(final_size_root(2.0) == doctest::Approx(0.7968121).epsilon(1e-6));
        for (const double r0 : {1.2, 2.0, 3.0, 5.0}) {
            const double z = final_size_root(r0);
            CHECK(std::fabs(z - (1 - std::exp(-r0 * z))) < 1e-12);
        }
        CHECK(final_size_root(0.8) == 0);
    }

    TEST_CASE("sir: the simulation matches the exact final-size law (n = 200)") {
        const Params p{200, 2.0, 1, 0.1};
        const ExactFinalSize exact = exact_final_size(p);
        CHECK(exact.major_probability == doctest::Approx(0.5).epsilon(0.05));
        const ClassicResult r = run_classic(*find_classic("sir"), {{"n", 200}}, 20000, 11);
        const MetricSummary& major = summary(r, "major_outbreak_fraction");
        const MetricSummary& attack = summary(r, "attack_rate");
        CHECK(std::fabs(major.mean - exact.major_probability) < 4 * major.se);
        CHECK(std::fabs(attack.mean - exact.major_attack_rate) < 4 * attack.se);
    }

    TEST_CASE("sir: attack_rate is missing for minor outbreaks and summarised over major ones") {
        const ClassicModel& m = *find_classic("sir");
        const auto run = m.prepare({{"n", 1000}, {"r0", 0.0}});
        const MetricValues v = run(1);
        CHECK(std::isnan(v[0].second)); // attack_rate: 1 of 1000 infected, not major
        CHECK(v[1].second == 0.0);      // major_outbreak_fraction
        CHECK(v[2].second == doctest::Approx(0.001));

        const ClassicResult none = run_classic(m, {{"n", 1000}, {"r0", 0.0}}, 8, 1);
        CHECK(summary(none, "attack_rate").count == 0);
        CHECK(std::isnan(summary(none, "attack_rate").mean));
        CHECK(summary(none, "attack_rate_all").count == 8);

        const ClassicResult some = run_classic(m, {{"n", 2000}}, 200, 3);
        const MetricSummary& attack = summary(some, "attack_rate");
        const MetricSummary& major = summary(some, "major_outbreak_fraction");
        CHECK(attack.count > 0);
        CHECK(attack.count < 200);
        CHECK(double(attack.count) == doctest::Approx(major.mean * 200));
        CHECK(attack.min > 0.1);
        CHECK(attack.se == doctest::Approx(attack.sd / std::sqrt(double(attack.count))));
        // Every summary without missing values still covers all runs.
        CHECK(major.count == 200);
    }

    TEST_CASE("sir: same seed gives the same result and bad overrides are refused") {
        const ClassicModel* m = find_classic("sir");
        REQUIRE(m != nullptr);
        const auto run = m->prepare({{"n", 500}, {"r0", 3}});
        CHECK(run(5)[2] == run(5)[2]);
        CHECK_THROWS_AS(m->prepare({{"initial_infected", 10000}}), ParamError);
        CHECK_THROWS_AS(m->prepare({{"r0", -1}}), ParamError);
    }
}
