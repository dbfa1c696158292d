// Policy levers and the schedule (sim/policy.hpp): targeting by
// neighbourhood and group, ramps and windows, the cap at 1, the
// per-(neighbourhood, group) table, costs, and the ICC Index baseline.
#include <doctest/doctest.h>

#include <cstring>
#include <string>
#include <vector>

#include "sim/policy.hpp"

using namespace icsim;

namespace {

PolicySpec policy(Lever lever, double intensity, std::vector<int> hoods = {}, std::vector<int> groups = {}) {
    PolicySpec p;
    p.name = "p";
    p.lever = lever;
    p.intensity = intensity;
    p.neighbourhoods = std::move(hoods);
    p.groups = std::move(groups);
    return p;
}

// The index of an ICC area by name (icc_areas()).
size_t area(const char* name) {
    const auto& a = icc_areas();
    for (size_t k = 0; k < a.size(); ++k)
        if (std::strcmp(a[k], name) == 0)
            return k;
    FAIL("no ICC area " << name);
    return 0;
}

} // namespace

TEST_SUITE("unit") {

    TEST_CASE("policy: a lever reaches exactly the neighbourhoods and groups it targets") {
        LeverValues base{};
        base[size_t(Lever::Mediation)] = 0.1;
        const PolicySchedule s({policy(Lever::Mediation, 0.5, {1, 3}, {}), // hoods 1 and 3, every group
                                policy(Lever::Mediation, 0.2, {}, {2}),    // group 2 everywhere
                                policy(Lever::Mediation, 0.15, {3}, {0}),  // hood 3 and group 0 together
                                policy(Lever::AntiRumours, 0.9)},          // another lever
                               base);
        for (int h = 0; h < 5; ++h)
            for (int g = 0; g < 3; ++g) {
                double want = 0.1;
                if (h == 1 || h == 3)
                    want += 0.5;
                if (g == 2)
                    want += 0.2;
                if (h == 3 && g == 0)
                    want += 0.15;
                CAPTURE(h);
                CAPTURE(g);
                CHECK(s.intensity(Lever::Mediation, 10, h, g) == doctest::Approx(std::min(1.0, want)));
                CHECK(s.intensity(Lever::AntiRumours, 10, h, g) == doctest::Approx(0.9));
                CHECK(s.intensity(Lever::PublicSpace, 10, h, g) == 0.0); // no policy, no baseline
                CHECK(s.intensity(Lever::Mediation, 10, h, g) <= s.city_intensity(Lever::Mediation, 10));
            }
        // The table a parallel loop reads: intensity() at [h * groups + g].
        const std::vector<float> t = s.intensity_table(Lever::Mediation, 10, 5, 3);
        REQUIRE(t.size() == 15);
        for (int h = 0; h < 5; ++h)
            for (int g = 0; g < 3; ++g)
                CHECK(t[size_t(h * 3 + g)] == float(s.intensity(Lever::Mediation, 10, h, g)));
        // The city-wide level adds every policy on the lever, targeted or not.
        CHECK(s.city_intensity(Lever::Mediation, 10) == doctest::Approx(0.95));
    }

    TEST_CASE("policy: the sum of baseline and policies is capped at 1") {
        LeverValues base{};
        base[size_t(Lever::PublicSpace)] = 0.7;
        const PolicySchedule s({policy(Lever::PublicSpace, 0.6), policy(Lever::PublicSpace, 0.6, {0})}, base);
        CHECK(s.intensity(Lever::PublicSpace, 0, 0, 0) == 1.0);
        CHECK(s.intensity(Lever::PublicSpace, 0, 1, 0) == 1.0);
        CHECK(s.city_intensity(Lever::PublicSpace, 0) == 1.0);
        const PolicySchedule low({policy(Lever::PublicSpace, 0.2)}, base);
        CHECK(low.intensity(Lever::PublicSpace, 0, 0, 0) == doctest::Approx(0.9));
    }

    TEST_CASE("policy: in force from start to end, ramped linearly to full intensity") {
        PolicySpec p = policy(Lever::SchoolMixing, 0.8);
        p.start = 10;
        p.end = 30;
        p.ramp = 4;
        CHECK(PolicySchedule::strength(p, 0) == 0.0);
        CHECK(PolicySchedule::strength(p, 9) == 0.0);
        // Steps 10, 11, 12, 13: 1/4, 2/4, 3/4, 4/4 of the intensity; then flat.
        for (uint32_t k = 0; k < 4; ++k)
            CHECK(PolicySchedule::strength(p, 10 + k) == doctest::Approx(0.8 * double(k + 1) / 4));
        CHECK(PolicySchedule::strength(p, 14) == doctest::Approx(0.8));
        CHECK(PolicySchedule::strength(p, 29) == doctest::Approx(0.8));
        CHECK(PolicySchedule::strength(p, 30) == 0.0); // end: the first step no longer in force
        // No ramp: full intensity from the first step.
        p.ramp = 0;
        CHECK(PolicySchedule::strength(p, 10) == doctest::Approx(0.8));
        // Through the schedule, on top of the baseline and for its targets only.
        p.ramp = 2;
        p.neighbourhoods = {2};
        LeverValues base{};
        base[size_t(Lever::SchoolMixing)] = 0.05;
        const PolicySchedule s({p}, base);
        CHECK(s.intensity(Lever::SchoolMixing, 10, 2, 0) == doctest::Approx(0.05 + 0.4));
        CHECK(s.intensity(Lever::SchoolMixing, 11, 2, 0) == doctest::Approx(0.05 + 0.8));
        CHECK(s.intensity(Lever::SchoolMixing, 11, 1, 0) == doctest::Approx(0.05));
        CHECK(s.intensity(Lever::SchoolMixing, 30, 2, 0) == doctest::Approx(0.05));
    }

    TEST_CASE("policy: cost counts the policies in force, targeted or not") {
        PolicySpec a = policy(Lever::Mediation, 1, {0}), b = policy(Lever::Welcoming, 1);
        a.cost_per_step = 100;
        a.start = 5;
        a.end = 10;
        b.cost_per_step = 7;
        const PolicySchedule s({a, b}, LeverValues{});
        CHECK(s.cost(0) == 7);
        CHECK(s.cost(5) == 107);
        CHECK(s.cost(9) == 107);
        CHECK(s.cost(10) == 7);
    }

    TEST_CASE("policy: the ICC baseline is the mean of a lever's scored areas, over 100") {
        std::vector<double> scores(icc_areas().size(), -1); // nothing scored
        LeverValues none = baseline_from_icc(scores);
        for (double v : none)
            CHECK(v == 0.0);
        // anti_rumours <- media_and_communication, anti_discrimination;
        // anti_discrimination <- anti_discrimination, business_and_labour_market.
        scores[area("media_and_communication")] = 60;
        scores[area("anti_discrimination")] = 80;
        scores[area("public_space")] = 45;
        const LeverValues b = baseline_from_icc(scores);
        CHECK(b[size_t(Lever::AntiRumours)] == doctest::Approx(0.70));        // (60 + 80) / 2
        CHECK(b[size_t(Lever::AntiDiscrimination)] == doctest::Approx(0.80)); // the unscored area left out
        CHECK(b[size_t(Lever::PublicSpace)] == doctest::Approx(0.45));
        CHECK(b[size_t(Lever::Mediation)] == 0.0); // none of its areas scored
        // A score of 0 is a score (it lowers the mean), unlike a missing one.
        scores[area("business_and_labour_market")] = 0;
        CHECK(baseline_from_icc(scores)[size_t(Lever::AntiDiscrimination)] == doctest::Approx(0.40));
        // Every lever's baseline is the mean of its own areas' scores.
        std::vector<double> all(icc_areas().size());
        for (size_t k = 0; k < all.size(); ++k)
            all[k] = double(10 + 5 * k);
        const LeverValues full = baseline_from_icc(all);
        for (const LeverInfo& info : lever_table()) {
            double sum = 0;
            for (const char* a : info.areas)
                sum += all[area(a)];
            CAPTURE(info.name);
            CHECK(full[size_t(info.lever)] == doctest::Approx(sum / double(info.areas.size()) / 100));
        }
        // A short table (fewer scores than areas) reads the missing ones as unscored.
        const LeverValues short_table = baseline_from_icc({50});
        CHECK(short_table[size_t(Lever::CivilSocietyPartnership)] == doctest::Approx(0.5)); // commitment
        CHECK(short_table[size_t(Lever::SchoolMixing)] == 0.0);
    }

    TEST_CASE("policy: every lever has a distinct name and only known ICC areas") {
        REQUIRE(lever_table().size() == kLeverCount);
        for (size_t i = 0; i < kLeverCount; ++i) {
            CHECK(size_t(lever_table()[i].lever) == i);
            for (size_t j = 0; j < i; ++j)
                CHECK(std::string(lever_table()[i].name) != lever_table()[j].name);
            for (const char* a : lever_table()[i].areas)
                CHECK(area(a) < icc_areas().size());
        }
    }

} // TEST_SUITE
