// The culture mechanism (models/culture.cpp): the packed traits, Axelrod's
// exchange, Berry's modes, heritage profiles and the counts it keeps.
#include <doctest/doctest.h>

#include "social_testlib.hpp"

using namespace icsim;
using namespace icsim::social_test;

TEST_SUITE("unit") {

    TEST_CASE("social culture: with_trait and trait_of pack four bits per feature") {
        uint32_t c = with_trait(0, 0, 3);
        CHECK(c == 0x3u);
        c = with_trait(c, 2, 15);
        CHECK(c == 0xF03u);
        CHECK(trait_of(c, 0) == 3);
        CHECK(trait_of(c, 1) == 0);
        CHECK(trait_of(c, 2) == 15);
        CHECK(with_trait(c, 2, 5) == 0x503u); // replaces, does not OR
        CHECK(with_trait(0xFFFFFFFFu, 7, 0) == 0x0FFFFFFFu);
        CHECK(trait_of(0x80000000u, 7) == 8);
    }

    TEST_CASE("social culture: overlap counts equal traits on the first F features only") {
        // 0x12345: traits 5 4 3 2 1 on features 0..4; 0x12045 differs on feature 2
        CHECK(overlap(0x12345u, 0x12045u, 5) == 4);
        CHECK(overlap(0x12345u, 0x12045u, 2) == 2);
        CHECK(overlap(0x12345u, 0x12345u, 5) == 5);
        CHECK(overlap(0x11111u, 0x22222u, 5) == 0);
        // a difference above F does not count
        CHECK(overlap(0xF0000u, 0x00000u, 4) == 4);
        CHECK(overlap(0xF0000u, 0x00000u, 5) == 4);
    }

    TEST_CASE("social culture: axelrod_exchange needs some but not full overlap") {
        for (double u1 : {0.0, 0.3, 0.99})
            for (double u2 : {0.0, 0.5, 0.99}) {
                CHECK(axelrod_exchange(0x11111u, 0x22222u, 5, u1, u2) == 0x11111u); // overlap 0
                CHECK(axelrod_exchange(0x12345u, 0x12345u, 5, u1, u2) == 0x12345u); // overlap F
            }
    }

    TEST_CASE(
        "social culture: axelrod_exchange copies one differing trait when u1 x F is below the overlap") {
        // overlap 4 of F = 5: they interact iff 5 u1 < 4, u1 < 0.8
        CHECK(axelrod_exchange(0x12345u, 0x12045u, 5, 0.79, 0.5) == 0x12045u);
        CHECK(axelrod_exchange(0x12345u, 0x12045u, 5, 0.8, 0.5) == 0x12345u);
        CHECK(axelrod_exchange(0x12345u, 0x12045u, 5, 0.95, 0.0) == 0x12345u);
        // self 0x00000 and partner 0x00321 differ on features 0, 1, 2 (overlap 2):
        // u1 < 0.4; u2 picks the int(3 u2)-th differing feature
        CHECK(axelrod_exchange(0x00000u, 0x00321u, 5, 0.39, 0.0) == 0x00001u);
        CHECK(axelrod_exchange(0x00000u, 0x00321u, 5, 0.39, 0.5) == 0x00020u);
        CHECK(axelrod_exchange(0x00000u, 0x00321u, 5, 0.39, 0.99) == 0x00300u);
        CHECK(axelrod_exchange(0x00000u, 0x00321u, 5, 0.4, 0.0) == 0x00000u);
        // features above F are neither compared nor copied
        CHECK(axelrod_exchange(0xF0001u, 0x00002u, 2, 0.0, 0.0) == 0xF0002u);
    }

    TEST_CASE("social culture: axelrod_exchange copies exactly one trait from the partner or nothing") {
        CounterRng rng(11, Stream::Test, 0, 0);
        int copies = 0;
        for (int i = 0; i < 5000; ++i) {
            const int F = 1 + int(rng.below(8));
            uint32_t a = 0, b = 0;
            for (int f = 0; f < F; ++f) {
                a = with_trait(a, f, int(rng.below(3)));
                b = with_trait(b, f, int(rng.below(3)));
            }
            const double u1 = rng.uniform(), u2 = rng.uniform();
            const uint32_t c = axelrod_exchange(a, b, F, u1, u2);
            const int o = overlap(a, b, F);
            CAPTURE(a);
            CAPTURE(b);
            CAPTURE(F);
            CAPTURE(u1);
            if (o == 0 || o == F || u1 * F >= o) {
                REQUIRE(c == a);
                continue;
            }
            ++copies;
            REQUIRE(overlap(c, a, F) == F - 1); // one feature changed
            REQUIRE(overlap(c, b, F) == o + 1); // to the partner's trait
        }
        CHECK(copies > 500);
    }

    TEST_CASE("social culture: berry_mode from the features shared with the heritage and the host") {
        // F = 5, at least 2 features to keep or adopt (threshold 0.4).
        const int F = 5, k = berry_min_shared(0.4, F);
        CHECK(k == 2);
        CHECK(berry_min_shared(0.5, 5) == 3); // ceil(2.5)
        CHECK(berry_min_shared(0.6, 5) == 3); // 3 exactly
        const uint32_t heritage = 0x11111, host = 0x22222;
        CHECK(berry_mode(heritage, heritage, host, F, k) == 2); // separation: keeps all, adopts none
        CHECK(berry_mode(host, heritage, host, F, k) == 1);     // assimilation
        CHECK(berry_mode(0x33333, heritage, host, F, k) == 3);  // marginalisation
        CHECK(berry_mode(0x22211, heritage, host, F, k) == 0);  // integration: 2 heritage, 3 host
        CHECK(berry_mode(0x33321, heritage, host, F, k) == 3);  // one of each: below 2 for both
        CHECK(berry_mode(0x33311, heritage, host, F, k) == 2);  // 2 heritage, no host
        // traits above F do not count
        CHECK(berry_mode(0x77722211, heritage, host, F, k) == 0);
        CHECK(same_traits(0x12345, 0x12345, 5) == 5);
        CHECK(same_traits(0x12345, 0x02340, 5) == 3);
        CHECK(same_traits(0xF2345, 0x02345, 4) == 4);
    }

    TEST_CASE("social culture: heritage_profiles are deterministic and minorities differ on every feature") {
        const auto h = heritage_profiles(7, 4, 5, 10);
        REQUIRE(h.size() == 4);
        CHECK(heritage_profiles(7, 4, 5, 10) == h);
        // the first groups' profiles do not depend on how many groups follow
        const auto h3 = heritage_profiles(7, 3, 5, 10);
        CHECK(std::equal(h3.begin(), h3.end(), h.begin()));
        bool any_seed_differs = false;
        for (uint64_t seed : {8, 9, 10})
            any_seed_differs |= heritage_profiles(seed, 4, 5, 10) != h;
        CHECK(any_seed_differs);
        for (uint64_t seed : {1, 2, 3, 7, 1234567})
            for (int q : {2, 3, 10, 16}) {
                const auto p = heritage_profiles(seed, 4, 5, q);
                for (int g = 0; g < 4; ++g) {
                    CHECK((p[size_t(g)] >> 20) == 0); // nothing above F = 5
                    for (int f = 0; f < 5; ++f) {
                        CHECK(trait_of(p[size_t(g)], f) < q);
                        if (g > 0)
                            CHECK(trait_of(p[size_t(g)], f) != trait_of(p[0], f));
                    }
                }
                if (q == 2) // the minorities can only hold the other trait
                    for (int f = 0; f < 5; ++f)
                        CHECK(trait_of(p[1], f) == 1 - trait_of(p[0], f));
            }
    }

} // TEST_SUITE

TEST_SUITE("integration") {

    TEST_CASE(
        "social culture: the counts the culture mechanism keeps equal a count of the column every step") {
        Engine engine =
            build_engine(load_default_scenario({"city.layout=voronoi", "city.width=50", "city.height=50",
                                                "mechanisms.culture.exchange_rate=0.3"}));
        const World& w = engine.world();
        REQUIRE(w.group_total() >= 3);
        auto recount = [&] {
            CultureCounts c;
            count_cultures(w, 0, w.pop.size(), c);
            return c;
        };
        const CultureCounts first = recount();
        double copies = 0;
        for (uint32_t step = 1; step <= 25; ++step) {
            engine.step();
            REQUIRE(culture_counts(w).step == step);
            const CultureCounts now = recount();
            CHECK(culture_counts(w).counts == now);
            // the metrics read the kept counts; counting the column gives the same
            const CultureFigures kept = culture_figures(w);
            World unkept = w; // a copy without kept counts
            culture_counts(unkept).step = 0;
            const CultureFigures counted = culture_figures(unkept);
            CHECK(kept.cultural_diversity == counted.cultural_diversity);
            auto same = [](const std::vector<double>& a, const std::vector<double>& b) { // NaN for group 0
                return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](double x, double y) {
                    return x == y || (std::isnan(x) && std::isnan(y));
                });
            };
            CHECK(same(kept.berry_integration, counted.berry_integration));
            CHECK(same(kept.berry_assimilation, counted.berry_assimilation));
            CHECK(same(kept.berry_separation, counted.berry_separation));
            CHECK(same(kept.berry_marginalisation, counted.berry_marginalisation));
            for (const auto& [name, value] : engine.counters())
                if (name == "trait_copies")
                    copies += value;
        }
        // The comparison means something only if traits and modes changed.
        CHECK(copies > 1000);
        CHECK(recount().traits != first.traits);
        CHECK(recount().berry != first.berry);
    }

} // TEST_SUITE
