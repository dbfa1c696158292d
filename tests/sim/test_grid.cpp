#include <doctest/doctest.h>

#include <algorithm>
#include <set>
#include <stdexcept>
#include <vector>

#include "sim/grid.hpp"

using namespace icsim;

namespace {

std::vector<CellId> window(const Grid& g, CellId c, int r) {
    std::vector<CellId> out;
    g.for_window(c, r, [&](CellId w) { out.push_back(w); });
    return out;
}

std::vector<CellId> sorted(std::vector<CellId> v) {
    std::sort(v.begin(), v.end());
    return v;
}

} // namespace

TEST_SUITE("unit") {

    TEST_CASE("grid: bounded window at corners / edges and inside") {
        const Grid g{5, 4, false, 1};
        // Corner (0,0), r = 1: (0,0) (1,0) (0,1) (1,1), row-major.
        CHECK(window(g, g.cell(0, 0), 1) == std::vector<CellId>{0, 1, 5, 6});
        // Top edge (2,0): 3 columns x 2 rows.
        CHECK(window(g, g.cell(2, 0), 1) == std::vector<CellId>{1, 2, 3, 6, 7, 8});
        // Inside (2,2): the full 3x3 block, row-major.
        CHECK(window(g, g.cell(2, 2), 1) == std::vector<CellId>{6, 7, 8, 11, 12, 13, 16, 17, 18});
        // Bottom-right corner (4,3), r = 2: x in [2,4], y in [1,3] -> 9 cells.
        CHECK(window(g, g.cell(4, 3), 2).size() == 9);
        // Radius 0 is the cell itself; a radius larger than the grid is the whole grid.
        CHECK(window(g, g.cell(3, 1), 0) == std::vector<CellId>{g.cell(3, 1)});
        CHECK(window(g, g.cell(3, 1), 10).size() == 20);
    }

    TEST_CASE("grid: torus window wraps") {
        const Grid g{5, 4, true, 1};
        // (0,0), r = 1: columns {4,0,1} x rows {3,0,1}.
        const std::vector<CellId> expected{g.cell(4, 3), g.cell(0, 3), g.cell(1, 3),
                                           g.cell(4, 0), g.cell(0, 0), g.cell(1, 0),
                                           g.cell(4, 1), g.cell(0, 1), g.cell(1, 1)};
        CHECK(window(g, g.cell(0, 0), 1) == expected);
        // The corner opposite wraps the other way: (4,3) sees (0,0).
        const auto w = window(g, g.cell(4, 3), 1);
        CHECK(w.size() == 9);
        CHECK(std::count(w.begin(), w.end(), g.cell(0, 0)) == 1);
    }

    TEST_CASE("grid: torus narrower than the window covers each cell once") {
        // Width 3, r = 2: 2r+1 = 5 > 3, so all 3 columns, each once; height 1 has one row.
        const Grid odd{3, 1, true, 1};
        CHECK(sorted(window(odd, 1, 2)) == std::vector<CellId>{0, 1, 2});
        // Even width 4, r = 2: every column is within distance 2 (0,1,2,1), so all 4, each once.
        const Grid even{4, 4, true, 1};
        const auto w = window(even, even.cell(0, 0), 2);
        CHECK(w.size() == 16);
        CHECK(std::set<CellId>(w.begin(), w.end()).size() == 16);
        // 1x1 torus: a single cell whatever the radius.
        CHECK(window(Grid{1, 1, true, 1}, 0, 3) == std::vector<CellId>{0});
    }

    TEST_CASE("grid: window is exactly the cells within Chebyshev distance r") {
        // Property check against chebyshev(), over grids with odd and even sides
        // smaller and larger than the window, bounded and wrapped.
        for (const bool torus : {false, true})
            for (const auto& size : std::vector<std::pair<int, int>>{{1, 1}, {2, 3}, {4, 4}, {5, 7}, {8, 3}})
                for (int r = 0; r <= 4; ++r) {
                    const int wd = size.first, ht = size.second;
                    const Grid g{wd, ht, torus, 1};
                    for (CellId c = 0; c < CellId(g.cells()); ++c) {
                        CAPTURE(torus);
                        CAPTURE(wd);
                        CAPTURE(ht);
                        CAPTURE(r);
                        CAPTURE(c);
                        const auto w = window(g, c, r);
                        std::vector<CellId> expected;
                        for (CellId d = 0; d < CellId(g.cells()); ++d)
                            if (g.chebyshev(c, d) <= r)
                                expected.push_back(d);
                        CHECK(sorted(w) == expected); // same set, and no duplicates
                    }
                }
    }

    TEST_CASE("grid: chebyshev distance") {
        const Grid bounded{10, 10, false, 1}, torus{10, 10, true, 1};
        CHECK(bounded.chebyshev(bounded.cell(0, 0), bounded.cell(9, 9)) == 9);
        CHECK(torus.chebyshev(torus.cell(0, 0), torus.cell(9, 9)) == 1);
        CHECK(torus.chebyshev(torus.cell(0, 0), torus.cell(5, 0)) == 5); // the farthest column
        // (1,2) to (8,4): dx = 7 (3 around the seam), dy = 2.
        CHECK(bounded.chebyshev(bounded.cell(1, 2), bounded.cell(8, 4)) == 7);
        CHECK(torus.chebyshev(torus.cell(1, 2), torus.cell(8, 4)) == 3);
        CHECK(torus.chebyshev(torus.cell(8, 4), torus.cell(1, 2)) == 3);
        CHECK(torus.chebyshev(torus.cell(3, 3), torus.cell(3, 3)) == 0);
    }

    TEST_CASE("neighbourhoods: paint") {
        const Grid g{4, 3, false, 1};
        SUBCASE("later rectangles win where they overlap, uncovered cells go to 'rest'") {
            // "a" covers x in [0,3) y in [0,2); "b" covers x in [2,4) y in [1,3).
            const auto n = Neighbourhoods::paint(g, {{"a", 0, 0, 3, 2}, {"b", 2, 1, 4, 3}});
            CHECK(n.names == std::vector<std::string>{"a", "b", "rest"});
            CHECK(n.count() == 3);
            // Row 0: a a a rest / row 1: a a b b / row 2: rest rest b b
            CHECK(n.of_cell == std::vector<uint16_t>{0, 0, 0, 2, 0, 0, 1, 1, 2, 2, 1, 1});
        }
        SUBCASE("no 'rest' when the rectangles cover the grid") {
            const auto n = Neighbourhoods::paint(g, {{"left", 0, 0, 2, 3}, {"right", 2, 0, 4, 3}});
            CHECK(n.names == std::vector<std::string>{"left", "right"});
            CHECK(std::count(n.of_cell.begin(), n.of_cell.end(), uint16_t(1)) == 6);
        }
        SUBCASE("no rectangles: the whole grid is 'rest'") {
            const auto n = Neighbourhoods::paint(g, {});
            CHECK(n.names == std::vector<std::string>{"rest"});
            CHECK(n.of_cell == std::vector<uint16_t>(12, 0));
        }
        SUBCASE("rectangles outside the grid or empty are rejected, naming the neighbourhood") {
            for (const NeighbourhoodSpec& bad :
                 {NeighbourhoodSpec{"wide", 0, 0, 5, 1}, NeighbourhoodSpec{"tall", 0, 0, 1, 4},
                  NeighbourhoodSpec{"neg", -1, 0, 1, 1}, NeighbourhoodSpec{"flat", 1, 1, 1, 2},
                  NeighbourhoodSpec{"back", 2, 0, 1, 1}}) {
                CAPTURE(bad.name);
                try {
                    Neighbourhoods::paint(g, {bad});
                    FAIL("expected std::invalid_argument");
                } catch (const std::invalid_argument& e) {
                    CHECK(std::string(e.what()).find("'" + bad.name + "'") != std::string::npos);
                }
            }
        }
    }

} // TEST_SUITE
