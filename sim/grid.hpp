// The city's space: a width x height grid of cells, each holding up to
// `capacity` dwellings, bounded or wrapped into a torus, and named
// neighbourhoods (rectangles) painted onto it as a raster.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace icsim {

using CellId = uint32_t;

struct Grid {
    int width = 0;
    int height = 0;
    bool torus = false;
    int capacity = 1; // dwellings per cell

    int cells() const { return width * height; }
    CellId cell(int x, int y) const { return CellId(y * width + x); }
    int x_of(CellId c) const { return int(c) % width; }
    int y_of(CellId c) const { return int(c) / width; }
    // Chebyshev distance, wrapping on a torus.
    int chebyshev(CellId a, CellId b) const;

    // Calls f(CellId) for every cell of the Moore window of Chebyshev radius r
    // around c, the centre included, each cell once: exactly the cells with
    // chebyshev(c, cell) <= r. Where a torus is narrower than 2r+1 the window
    // covers the whole row (or column) once, so no cell repeats. Row-major
    // order of offsets.
    template <class F>
    void for_window(CellId c, int r, F&& f) const {
        const int cx = x_of(c), cy = y_of(c);
        if (!torus) {
            const int x0 = cx - r < 0 ? 0 : cx - r, x1 = cx + r >= width ? width - 1 : cx + r;
            const int y0 = cy - r < 0 ? 0 : cy - r, y1 = cy + r >= height ? height - 1 : cy + r;
            for (int y = y0; y <= y1; ++y)
                for (int x = x0; x <= x1; ++x)
                    f(cell(x, y));
            return;
        }
        // Offsets [-lo, hi]: [-r, r], or all `width` columns when 2r+1 > width
        // (lo = (width-1)/2, hi = width/2; an even width needs hi = lo + 1).
        const bool wide_x = 2 * r + 1 > width, wide_y = 2 * r + 1 > height;
        const int x_lo = wide_x ? (width - 1) / 2 : r, x_hi = wide_x ? width / 2 : r;
        const int y_lo = wide_y ? (height - 1) / 2 : r, y_hi = wide_y ? height / 2 : r;
        for (int dy = -y_lo; dy <= y_hi; ++dy) {
            const int y = ((cy + dy) % height + height) % height;
            for (int dx = -x_lo; dx <= x_hi; ++dx)
                f(cell(((cx + dx) % width + width) % width, y));
        }
    }
};

// A named rectangle of cells: x in [x0, x1), y in [y0, y1).
struct NeighbourhoodSpec {
    std::string name;
    int x0 = 0, y0 = 0, x1 = 0, y1 = 0;
    double rent_level = 1.0;           // relative to the city average (1 = average)
    double social_housing_share = 0.1; // share of dwellings that are social housing
};

// Named neighbourhoods as a raster: every cell belongs to exactly one
// neighbourhood. Cells no rectangle covers go to an implicit last
// neighbourhood named "rest" (only created when needed); where rectangles
// overlap, the one listed later wins.
struct Neighbourhoods {
    std::vector<std::string> names;
    std::vector<uint16_t> of_cell; // neighbourhood index per cell
    // Per neighbourhood, from its NeighbourhoodSpec (the defaults for an
    // implicit "rest"): filled by build_world, read by the housing market.
    std::vector<double> rent_level, social_housing_share;

    static Neighbourhoods paint(const Grid& grid, const std::vector<NeighbourhoodSpec>& specs);
    // Each cell to the nearest of the given centres (Euclidean, wrapping on
    // a torus; ties to the lower index).
    static Neighbourhoods voronoi(const Grid& grid, const std::vector<std::string>& names,
                                  const std::vector<std::pair<double, double>>& centres);
    int count() const { return int(names.size()); }
};

} // namespace icsim
