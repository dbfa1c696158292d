// Tests for models/classic/axelrod.cpp: Axelrod's culture model.
#include <doctest/doctest.h>

#include "models/classic/axelrod.hpp"
#include "models/classic/classic.hpp"

using namespace icsim;
using namespace icsim::axelrod;

TEST_SUITE("unit") {

    TEST_CASE("axelrod: von Neumann neighbours inside a bounded grid") {
        const Lattice l = make_lattice(4, 3, 1, std::vector<uint8_t>(12, 0));
        int nb[4];
        CHECK(neighbours(l, 0, nb) == 2); // corner: east, south
        CHECK(nb[0] == 1);
        CHECK(nb[1] == 4);
        CHECK(neighbours(l, 1, nb) == 3); // top edge: west, east, south
        CHECK(neighbours(l, 5, nb) == 4); // interior: north, west, east, south
        CHECK(nb[0] == 1);
        CHECK(nb[1] == 4);
        CHECK(nb[2] == 6);
        CHECK(nb[3] == 9);
        CHECK(neighbours(l, 11, nb) == 2); // corner (3, 2): north, west
        CHECK(neighbours(l, 3, nb) == 2);  // (3, 0) has no east neighbour: no wrap
        const Lattice one = make_lattice(1, 1, 1, {0});
        CHECK(neighbours(one, 0, nb) == 0);
    }

    TEST_CASE("axelrod: overlaps and active pairs and regions by hand") {
        // 2 x 2, 3 features: sites 0 and 1 share 2 features, 0 and 2 all, 1 and 3 none, 2 and 3 one.
        const Lattice l = make_lattice(2, 2, 3, {1, 2, 3, /**/ 1, 5, 3, /**/ 1, 2, 3, /**/ 0, 2, 4});
        CHECK(overlap(l, 0, 1) == 2);
        CHECK(overlap(l, 1, 0) == 2);
        CHECK(overlap(l, 0, 2) == 3);
        CHECK(overlap(l, 1, 3) == 0);
        CHECK(overlap(l, 2, 3) == 1);
        CHECK(l.active == 2);          // pairs (0,1) and (2,3)
        CHECK(stable_regions(l) == 3); // {0, 2}, {1}, {3}
        CHECK(stable_regions(make_lattice(2, 2, 1, {7, 7, 7, 7})) == 1);
        CHECK(stable_regions(make_lattice(2, 2, 1, {0, 1, 1, 0})) == 4); // checkerboard
    }

    TEST_CASE("axelrod: two sites sharing one of two features always end identical") {
        for (uint64_t seed = 1; seed <= 20; ++seed) {
            const Outcome o =
                simulate_from(make_lattice(2, 1, 2, {0, 0, 0, 1}), Params{2, 1, 2, 2, 1000}, seed);
            CHECK(o.converged);
            CHECK(stable_regions(o.lattice) == 1);
            CHECK(o.lattice.culture[1] == o.lattice.culture[3]);
        }
    }

    TEST_CASE("axelrod: a run ends with every pair identical or disjoint and overlaps stay exact") {
        for (uint64_t seed = 1; seed <= 10; ++seed) {
            const Params p{6 + int(seed % 4), 5, 3 + int(seed % 3), 4 + int(seed % 7), 1'000'000};
            const Outcome o = simulate(p, seed);
            REQUIRE(o.converged);
            const Lattice& l = o.lattice;
            const Lattice fresh = make_lattice(l.width, l.height, l.features, l.culture);
            CHECK(fresh.overlap_east == l.overlap_east);
            CHECK(fresh.overlap_south == l.overlap_south);
            CHECK(fresh.active == 0);
            for (int s = 0; s < l.sites(); ++s) {
                int nb[4];
                const int k = neighbours(l, s, nb);
                for (int j = 0; j < k; ++j)
                    CHECK((overlap(l, s, nb[j]) == 0 || overlap(l, s, nb[j]) == l.features));
            }
            const uint32_t regions = stable_regions(l);
            CHECK(regions >= 1);
            CHECK(regions <= uint32_t(l.sites()));
            for (const uint8_t t : l.culture)
                CHECK(t < p.traits);
        }
    }

    TEST_CASE("axelrod: one trait means one culture from the start") {
        const Outcome o = simulate({5, 5, 4, 1, 10}, 1);
        CHECK(o.events == 0);
        CHECK(o.converged);
        CHECK(stable_regions(o.lattice) == 1);
    }

    TEST_CASE("axelrod: same seed gives the same result and the safety stop reports non-convergence") {
        const ClassicModel* m = find_classic("axelrod");
        REQUIRE(m != nullptr);
        const auto r = m->prepare({});
        CHECK(r(12) == r(12));
        const MetricValues stopped = m->prepare({{"max_sweeps", 1}})(12);
        CHECK(stopped[1].second == 100); // events = 1 sweep of 10 x 10
        CHECK(stopped[2].second == 0);   // converged
        CHECK_THROWS_AS(m->prepare({{"traits", 300}}), ParamError);
    }
}
