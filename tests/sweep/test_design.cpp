// Tests for sweep/design.cpp: the sampling designs.
#include <algorithm>
#include <cmath>
#include <set>

#include <doctest/doctest.h>

#include "sweep/design.hpp"

using namespace icsim::sweep;

TEST_SUITE("unit") {

    TEST_CASE("sobol: Boost's points equal scipy's unscrambled qmc.Sobol after the origin") {
        // Produced with Debian's scipy 1.10.1:
        //   /usr/bin/python3 -c "from scipy.stats import qmc;
        //     print(qmc.Sobol(6, scramble=False).random(9)[1:])"
        const double expected[8][6] = {
            {0.5, 0.5, 0.5, 0.5, 0.5, 0.5},
            {0.75, 0.25, 0.25, 0.25, 0.75, 0.75},
            {0.25, 0.75, 0.75, 0.75, 0.25, 0.25},
            {0.375, 0.375, 0.625, 0.875, 0.375, 0.125},
            {0.875, 0.875, 0.125, 0.375, 0.875, 0.625},
            {0.625, 0.125, 0.875, 0.625, 0.625, 0.875},
            {0.125, 0.625, 0.375, 0.125, 0.125, 0.375},
            {0.1875, 0.3125, 0.9375, 0.4375, 0.5625, 0.3125},
        };
        const Design d = sobol(6, 8);
        REQUIRE(d.rows() == 8);
        for (size_t r = 0; r < 8; ++r)
            for (size_t j = 0; j < 6; ++j)
                CHECK(d.at(r, j) == expected[r][j]);
        CHECK_THROWS(sobol(0, 4));
        CHECK_THROWS(sobol(3668, 4));
    }

    TEST_CASE("latin hypercube: each dimension hits each of its n strata once; the seed decides") {
        const size_t n = 50;
        const Design d = latin_hypercube(4, n, 9);
        for (size_t j = 0; j < 4; ++j) {
            std::set<size_t> strata;
            for (size_t r = 0; r < n; ++r) {
                const double u = d.at(r, j);
                REQUIRE(u >= 0);
                REQUIRE(u < 1);
                strata.insert(size_t(u * double(n)));
            }
            CHECK(strata.size() == n);
        }
        CHECK(latin_hypercube(4, n, 9).unit == d.unit);
        CHECK(latin_hypercube(4, n, 10).unit != d.unit);
    }

    TEST_CASE("factorial: every combination once, the last factor fastest") {
        const Design d = factorial({2, 3});
        REQUIRE(d.rows() == 6);
        CHECK(d.at(0, 0) == 0);
        CHECK(d.at(0, 1) == 0);
        CHECK(d.at(1, 1) == 1);
        CHECK(d.at(2, 1) == 2);
        CHECK(d.at(3, 0) == 1);
        CHECK(d.at(3, 1) == 0);
        std::set<std::pair<double, double>> seen;
        for (size_t r = 0; r < 6; ++r)
            seen.insert({d.at(r, 0), d.at(r, 1)});
        CHECK(seen.size() == 6);
    }

    TEST_CASE("saltelli: A, AB_1..AB_k, B per base row from the 2k-dimensional Sobol' points") {
        const uint32_t k = 3;
        const size_t n = 16;
        const Design d = saltelli(k, n);
        const Design base = sobol(2 * k, n);
        REQUIRE(d.rows() == n * (k + 2));
        for (size_t j = 0; j < n; ++j) {
            const size_t r0 = j * (k + 2);
            for (size_t i = 0; i < k; ++i) {
                CHECK(d.at(r0, i) == base.at(j, i));             // A
                CHECK(d.at(r0 + k + 1, i) == base.at(j, k + i)); // B
                for (size_t m = 0; m < k; ++m)                   // AB_m: A with column m of B
                    CHECK(d.at(r0 + 1 + m, i) == (i == m ? base.at(j, k + i) : base.at(j, i)));
            }
            CHECK(d.group[r0 + 2] == j);
            CHECK(d.role[r0 + 2] == 2);
        }
    }

    TEST_CASE("morris: one factor moves by delta per step, on the grid, inside the unit cube") {
        const uint32_t k = 5, levels = 4;
        const double delta = morris_delta(levels);
        CHECK(delta == doctest::Approx(2.0 / 3.0));
        const Design d = morris(k, 200, levels, 3);
        REQUIRE(d.rows() == 200 * (k + 1));
        for (size_t t = 0; t < 200; ++t) {
            std::set<size_t> moved;
            for (size_t r = 0; r <= k; ++r) {
                const size_t row = t * (k + 1) + r;
                for (size_t i = 0; i < k; ++i) {
                    const double u = d.at(row, i);
                    CHECK(u >= -1e-12);
                    CHECK(u <= 1 + 1e-12);
                    const double grid = u * (levels - 1);
                    CHECK(std::abs(grid - std::round(grid)) < 1e-9);
                }
                if (r == 0)
                    continue;
                size_t changes = 0;
                for (size_t i = 0; i < k; ++i) {
                    const double dx = d.at(row, i) - d.at(row - 1, i);
                    if (dx != 0) {
                        ++changes;
                        CHECK(std::abs(dx) == doctest::Approx(delta));
                        moved.insert(i);
                    }
                }
                CHECK(changes == 1);
            }
            CHECK(moved.size() == k);
        }
        CHECK_THROWS(morris(k, 2, 3, 1));
    }
}
