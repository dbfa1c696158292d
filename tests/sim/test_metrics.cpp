#include <doctest/doctest.h>

#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/task_arena.h>

#include <cmath>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "sim/metrics.hpp"

using namespace icsim;

namespace {

// Group g is named "a", "b", ...; only the share matters to the metrics.
GroupSpec group(int g, double share) {
    GroupSpec spec;
    spec.name = std::string(1, char('a' + g));
    spec.share = share;
    spec.tolerance = 0.3;
    return spec;
}

UnitCounts table(int units, int groups, std::vector<double> n) {
    UnitCounts c;
    c.units = units;
    c.groups = groups;
    c.n = std::move(n);
    return c;
}

// A world built by hand: residents given as (x, y, group), neighbourhoods
// painted from `hoods` (none: a single "rest" unit).
struct Resident {
    int x, y, group;
};

World hand_world(Grid grid, int groups, const std::vector<Resident>& residents,
                 const std::vector<NeighbourhoodSpec>& hoods = {}) {
    World w;
    w.grid = grid;
    w.hoods = Neighbourhoods::paint(grid, hoods);
    for (int g = 0; g < groups; ++g)
        w.groups.push_back(group(g, 1.0 / groups));
    for (const auto& r : residents) {
        w.pop.cell.push_back(grid.cell(r.x, r.y));
        w.pop.group.push_back(uint8_t(r.group));
    }
    w.recount();
    return w;
}

// Reference for similar_counts: every ordered pair of distinct residents
// within Chebyshev distance r, O(N^2). Independent of Grid::for_window.
SimilarCounts brute_similar(const World& w, int r, int group = -1) {
    SimilarCounts s;
    for (size_t i = 0; i < w.pop.size(); ++i) {
        if (group >= 0 && w.pop.group[i] != group)
            continue;
        for (size_t j = 0; j < w.pop.size(); ++j) {
            if (i == j || w.grid.chebyshev(w.pop.cell[i], w.pop.cell[j]) > r)
                continue;
            ++s.total;
            s.similar += w.pop.group[i] == w.pop.group[j] ? 1 : 0;
        }
    }
    return s;
}

} // namespace

TEST_SUITE("unit") {

    // Two units, two groups of 40:
    //   unit 0: a=30 b=10 (t=40); unit 1: a=10 b=30 (t=40).
    //   D   = 0.5 (|30/40 - 10/40| + |10/40 - 30/40|) = 0.5 (0.5 + 0.5) = 0.5
    //   xPx = (30/40)(30/40) + (10/40)(10/40) = 0.5625 + 0.0625 = 0.625
    //   xPy = (30/40)(10/40) + (10/40)(30/40) = 0.375   (xPx + xPy = 1 with two groups)
    //   E = ln 2; E_0 = E_1 = -(0.75 ln 0.75 + 0.25 ln 0.25) = 0.5623351446
    //   H = (40 (E - E_0) + 40 (E - E_1)) / (80 E) = 1 - 0.5623351446 / 0.6931471806 = 0.1887218755
    TEST_CASE("metrics: symmetric two-unit example") {
        const auto c = table(2, 2, {30, 10, 10, 30});
        CHECK(dissimilarity(c, 0, 1) == doctest::Approx(0.5).epsilon(1e-12));
        CHECK(isolation(c, 0) == doctest::Approx(0.625).epsilon(1e-12));
        CHECK(exposure(c, 0, 1) == doctest::Approx(0.375).epsilon(1e-12));
        CHECK(theil_h(c) == doctest::Approx(0.1887218755).epsilon(1e-9));
    }

    // Three units, unequal groups (A = 20, B = 30, T = 50):
    //   unit 0: a=10 b=0 (t=10); unit 1: a=5 b=5 (t=10); unit 2: a=5 b=25 (t=30).
    //   D     = 0.5 (|10/20 - 0| + |5/20 - 5/30| + |5/20 - 25/30|) = 0.5 (6/12 + 1/12 + 7/12) = 7/12
    //   xPx(a) = (10/20)(10/10) + (5/20)(5/10) + (5/20)(5/30) = 1/2 + 1/8 + 1/24 = 2/3
    //   xPy(a,b) = 0 + (5/20)(5/10) + (5/20)(25/30) = 1/8 + 5/24 = 1/3
    //   xPy(b,a) = 0 + (5/30)(5/10) + (25/30)(5/30) = 1/12 + 5/36 = 2/9   (A xPy(a,b) = B xPy(b,a) = 20/3)
    //   E = -(0.4 ln 0.4 + 0.6 ln 0.6) = 0.6730116670; E_0 = 0; E_1 = ln 2 = 0.6931471806;
    //   E_2 = -(1/6 ln 1/6 + 5/6 ln 5/6) = 0.4505612089
    //   H = (10 E + 10 (E - E_1) + 30 (E - E_2)) / (50 E) = 13.2022843 / 33.6505834 = 0.3923342173
    TEST_CASE("metrics: asymmetric three-unit example") {
        const auto c = table(3, 2, {10, 0, 5, 5, 5, 25});
        CHECK(dissimilarity(c, 0, 1) == doctest::Approx(7.0 / 12).epsilon(1e-12));
        CHECK(isolation(c, 0) == doctest::Approx(2.0 / 3).epsilon(1e-12));
        CHECK(exposure(c, 0, 1) == doctest::Approx(1.0 / 3).epsilon(1e-12));
        CHECK(exposure(c, 1, 0) == doctest::Approx(2.0 / 9).epsilon(1e-12));
        CHECK(theil_h(c) == doctest::Approx(0.3923342173).epsilon(1e-9));
    }

    TEST_CASE("metrics: dissimilarity is symmetric and zero against itself") {
        const auto c = table(4, 3, {10, 0, 3, 5, 5, 1, 5, 25, 0, 2, 7, 9});
        for (int a = 0; a < 3; ++a) {
            CHECK(dissimilarity(c, a, a) == 0.0);
            for (int b = 0; b < 3; ++b)
                CHECK(dissimilarity(c, a, b) == doctest::Approx(dissimilarity(c, b, a)).epsilon(1e-15));
        }
        // Isolation plus exposure to every other group is 1 (the shares of a unit sum to 1).
        for (int a = 0; a < 3; ++a) {
            double s = 0;
            for (int b = 0; b < 3; ++b)
                s += exposure(c, a, b);
            CHECK(s == doctest::Approx(1.0).epsilon(1e-12));
            CHECK(isolation(c, a) == exposure(c, a, a));
        }
    }

    TEST_CASE("metrics: complete segregation and even mix") {
        // Three groups each alone in its own unit (of unequal size).
        const auto apart = table(3, 3, {12, 0, 0, 0, 7, 0, 0, 0, 31});
        CHECK(dissimilarity(apart, 0, 1) == doctest::Approx(1.0).epsilon(1e-12));
        CHECK(dissimilarity(apart, 2, 0) == doctest::Approx(1.0).epsilon(1e-12));
        CHECK(isolation(apart, 1) == doctest::Approx(1.0).epsilon(1e-12));
        CHECK(exposure(apart, 1, 2) == 0.0);
        CHECK(theil_h(apart) == doctest::Approx(1.0).epsilon(1e-12));
        // Every unit has the city's composition 1:2:3 (at different sizes).
        const auto mixed = table(3, 3, {1, 2, 3, 10, 20, 30, 4, 8, 12});
        CHECK(dissimilarity(mixed, 0, 2) == doctest::Approx(0.0).epsilon(1e-12));
        CHECK(theil_h(mixed) == doctest::Approx(0.0).epsilon(1e-12));
        // Isolation of an evenly spread group is its city share: 15/90.
        CHECK(isolation(mixed, 0) == doctest::Approx(15.0 / 90).epsilon(1e-12));
    }

    TEST_CASE("metrics: edge cases") {
        // Group 1 is empty: D, xPx and xPy(1, .) are undefined and reported as 0.
        const auto empty_group = table(2, 2, {3, 0, 5, 0});
        CHECK(dissimilarity(empty_group, 0, 1) == 0.0);
        CHECK(isolation(empty_group, 1) == 0.0);
        CHECK(exposure(empty_group, 1, 0) == 0.0);
        CHECK(exposure(empty_group, 0, 1) == 0.0);
        CHECK(isolation(empty_group, 0) == doctest::Approx(1.0).epsilon(1e-12));
        // Only one group present: E = 0, so H = 0 (not NaN).
        CHECK(theil_h(empty_group) == 0.0);
        CHECK(theil_h(table(2, 1, {4, 9})) == 0.0);
        // Nobody at all.
        const auto nobody = table(2, 2, {0, 0, 0, 0});
        CHECK(theil_h(nobody) == 0.0);
        CHECK(dissimilarity(nobody, 0, 1) == 0.0);
        CHECK(isolation(nobody, 0) == 0.0);
        // Empty units (t_i = 0) are skipped: adding one changes nothing.
        const auto base = table(3, 2, {10, 0, 5, 5, 5, 25});
        const auto with_empty = table(4, 2, {10, 0, 0, 0, 5, 5, 5, 25});
        CHECK(isolation(with_empty, 0) == doctest::Approx(isolation(base, 0)).epsilon(1e-15));
        CHECK(exposure(with_empty, 1, 0) == doctest::Approx(exposure(base, 1, 0)).epsilon(1e-15));
        CHECK(theil_h(with_empty) == doctest::Approx(theil_h(base)).epsilon(1e-15));
        CHECK(dissimilarity(with_empty, 0, 1) == doctest::Approx(dissimilarity(base, 0, 1)).epsilon(1e-15));
        CHECK_FALSE(std::isnan(theil_h(with_empty)));
        // Group indices outside the table are a programming error.
        CHECK_THROWS_AS(dissimilarity(base, 0, 2), std::out_of_range);
        CHECK_THROWS_AS(isolation(base, -1), std::out_of_range);
        CHECK_THROWS_AS(exposure(base, 2, 0), std::out_of_range);
    }

    TEST_CASE("metrics: counts by neighbourhood") {
        // 4x2 grid, capacity 2; "west" is x in [0, 2), "east" x in [2, 4).
        const Grid grid{4, 2, false, 2};
        const std::vector<NeighbourhoodSpec> hoods{{"west", 0, 0, 2, 2}, {"east", 2, 0, 4, 2}};
        const World w =
            hand_world(grid, 2, {{0, 0, 0}, {0, 0, 0}, {1, 1, 0}, {1, 1, 1}, {3, 0, 1}, {2, 1, 1}}, hoods);
        const UnitCounts c = counts_by_neighbourhood(w);
        REQUIRE(c.units == 2);
        REQUIRE(c.groups == 2);
        CHECK(c.at(0, 0) == 3); // west: three of group 0
        CHECK(c.at(0, 1) == 1); //       one of group 1
        CHECK(c.at(1, 0) == 0); // east: none of group 0
        CHECK(c.at(1, 1) == 2); //       two of group 1
        // D = 0.5 (|3/3 - 1/3| + |0 - 2/3|) = 2/3
        CHECK(dissimilarity(c, 0, 1) == doctest::Approx(2.0 / 3).epsilon(1e-12));

        // The same city fully sorted: group 0 west, group 1 east -> D = H = xPx = 1.
        const World sorted =
            hand_world(grid, 2, {{0, 0, 0}, {1, 0, 0}, {1, 1, 0}, {2, 0, 1}, {3, 1, 1}}, hoods);
        const UnitCounts s = counts_by_neighbourhood(sorted);
        CHECK(dissimilarity(s, 0, 1) == doctest::Approx(1.0).epsilon(1e-12));
        CHECK(theil_h(s) == doctest::Approx(1.0).epsilon(1e-12));
        CHECK(isolation(s, 0) == doctest::Approx(1.0).epsilon(1e-12));

        World unpainted = w;
        unpainted.hoods = Neighbourhoods{};
        CHECK_THROWS_AS(counts_by_neighbourhood(unpainted), std::invalid_argument);
    }

    // Bounded 3x1 line, capacity 1, radius 1: a a b.
    //   a@0 sees {a@1}: 1 same of 1; a@1 sees {a@0, b@2}: 1 of 2; b@2 sees {a@1}: 0 of 1.
    //   similar = 2, total = 4 -> 50 %. Group a: 2 of 3; group b: 0 of 1.
    TEST_CASE("percent similar: bounded line") {
        const World w = hand_world(Grid{3, 1, false, 1}, 2, {{0, 0, 0}, {1, 0, 0}, {2, 0, 1}});
        const SimilarCounts all = similar_counts(w, 1);
        CHECK(all.similar == 2);
        CHECK(all.total == 4);
        CHECK(percent_similar(w, 1) == doctest::Approx(50.0));
        const SimilarCounts a = similar_counts(w, 1, 0), b = similar_counts(w, 1, 1);
        CHECK(a.similar == 2);
        CHECK(a.total == 3);
        CHECK(b.similar == 0);
        CHECK(b.total == 1);
        // Radius 0 on capacity 1: nobody has a neighbour; the percentage is 0, not NaN.
        CHECK(similar_counts(w, 0).total == 0);
        CHECK(percent_similar(w, 0) == 0.0);
    }

    // 5x1 line, radius 1, residents a@0, b@2, a@4.
    //   Bounded: nobody has an occupied cell next to it -> 0 of 0.
    //   Torus: a@0 and a@4 are adjacent across the seam -> each 1 of 1; b@2 0 of 0 -> 2 of 2 = 100 %.
    TEST_CASE("percent similar: torus wraps around the seam") {
        const std::vector<Resident> rs{{0, 0, 0}, {2, 0, 1}, {4, 0, 0}};
        const World bounded = hand_world(Grid{5, 1, false, 1}, 2, rs);
        const World torus = hand_world(Grid{5, 1, true, 1}, 2, rs);
        CHECK(similar_counts(bounded, 1).total == 0);
        const SimilarCounts t = similar_counts(torus, 1);
        CHECK(t.similar == 2);
        CHECK(t.total == 2);
        CHECK(t.percent() == doctest::Approx(100.0));
    }

    // Bounded 2x1, capacity 3: cell 0 holds a, a, b; cell 1 holds b.
    //   Radius 0 (own cell): each a sees {a, b}: 1 of 2 (x2); b@0 sees {a, a}: 0 of 2; b@1: 0 of 0.
    //     similar = 2, total = 6.
    //   Radius 1 (both cells): each a sees {a, b, b}: 1 of 3 (x2); b@0 sees {a, a, b}: 1 of 3;
    //     b@1 sees {a, a, b}: 1 of 3.  similar = 4, total = 12 -> 33.3 %.
    TEST_CASE("percent similar: several residents per cell") {
        const World w = hand_world(Grid{2, 1, false, 3}, 2, {{0, 0, 0}, {0, 0, 0}, {0, 0, 1}, {1, 0, 1}});
        const SimilarCounts r0 = similar_counts(w, 0);
        CHECK(r0.similar == 2);
        CHECK(r0.total == 6);
        const SimilarCounts r1 = similar_counts(w, 1);
        CHECK(r1.similar == 4);
        CHECK(r1.total == 12);
        CHECK(r1.percent() == doctest::Approx(100.0 / 3));
        const SimilarCounts b = similar_counts(w, 1, 1);
        CHECK(b.similar == 2);
        CHECK(b.total == 6);
    }

    TEST_CASE("percent similar: agrees with a brute-force pair count") {
        // Random cities (3 groups, capacity 3) on bounded and wrapped grids, at
        // radii up to beyond the grid's width; includes tori narrower than 2r+1
        // of odd (1, 5) and even (2, 4, 6: the height) size.
        for (const bool torus : {false, true})
            for (const int width : {1, 2, 4, 5, 7}) {
                CityConfig cfg;
                cfg.grid = Grid{width, 6, torus, 3};
                cfg.occupancy = 0.6;
                cfg.groups = {group(0, 0.5), group(1, 0.3), group(2, 0.2)};
                const World w = build_world(cfg, 7 + uint64_t(width));
                for (int r = 0; r <= 4; ++r)
                    for (int g = -1; g < 3; ++g) {
                        CAPTURE(torus);
                        CAPTURE(width);
                        CAPTURE(r);
                        CAPTURE(g);
                        const SimilarCounts fast = similar_counts(w, r, g), slow = brute_similar(w, r, g);
                        CHECK(fast.similar == slow.similar);
                        CHECK(fast.total == slow.total);
                    }
            }
    }

    TEST_CASE("percent similar: same result on 1 and 2 threads") {
        CityConfig cfg;
        cfg.grid = Grid{300, 200, true, 2}; // 200 rows: many parallel chunks
        cfg.occupancy = 0.8;
        cfg.groups = {group(0, 0.6), group(1, 0.4)};
        const World w = build_world(cfg, 11);
        SimilarCounts one, two;
        oneapi::tbb::task_arena(1).execute([&] { one = similar_counts(w, 2); });
        oneapi::tbb::task_arena(2).execute([&] { two = similar_counts(w, 2); });
        CHECK(one.similar == two.similar);
        CHECK(one.total == two.total);
        CHECK(one.total > 0);
    }

    TEST_CASE("percent similar: concurrent and nested calls do not disturb each other") {
        // Calls from inside a parallel loop, as parallel classic runs make
        // them. similar_counts keeps scratch tables per thread; tables shared
        // between threads fail this test, and a nested call on one thread is
        // prevented by task isolation (not observed without it here, so this
        // test cannot prove that part).
        std::vector<World> worlds;
        std::vector<SimilarCounts> expected;
        for (int k = 0; k < 4; ++k) {
            CityConfig cfg;
            cfg.grid = Grid{120 + 30 * k, 90 + 20 * k, k % 2 == 0, 1 + k % 2};
            cfg.occupancy = 0.7;
            cfg.groups = {group(0, 0.5), group(1, 0.5)};
            worlds.push_back(build_world(cfg, 100 + uint64_t(k)));
            expected.push_back(similar_counts(worlds.back(), 1 + k % 3));
        }
        std::vector<SimilarCounts> got(128);
        oneapi::tbb::parallel_for(
            oneapi::tbb::blocked_range<size_t>(0, got.size(), 1),
            [&](const oneapi::tbb::blocked_range<size_t>& range) {
                for (size_t i = range.begin(); i != range.end(); ++i)
                    got[i] = similar_counts(worlds[i % 4], 1 + int(i % 4) % 3);
            },
            oneapi::tbb::simple_partitioner()); // one call per task: calls overlap on every thread
        for (size_t i = 0; i < got.size(); ++i) {
            CAPTURE(i);
            CHECK(got[i].similar == expected[i % 4].similar);
            CHECK(got[i].total == expected[i % 4].total);
        }
    }

    TEST_CASE("percent similar: bad arguments") {
        const World w = hand_world(Grid{3, 1, false, 1}, 2, {{0, 0, 0}, {1, 0, 1}});
        CHECK_THROWS_AS(similar_counts(w, -1), std::invalid_argument);
        CHECK_THROWS_AS(similar_counts(w, 1, 2), std::out_of_range);
    }

} // TEST_SUITE
