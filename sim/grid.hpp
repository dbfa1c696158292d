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
    int capacity = 1;  // dwellings per cell

    int cells() const { return width * height; }
    CellId cell(int x, int y) const { return CellId(y * width + x); }
    int x_of(CellId c) const { return int(c) % width; }
    int y_of(CellId c) const { return int(c) / width; }
    // Chebyshev distance, wrapping on a torus.
    int chebyshev(CellId a, CellId b) const;

    // Calls f(CellId) for every cell of the Moore window of Chebyshev radius r
    // around c, the centre included, each cell once (a torus narrower than
    // 2r+1 is clipped so that no cell repeats). Row-major order.
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
        const int rx = 2 * r + 1 > width ? (width - 1) / 2 : r;
        const int ry = 2 * r + 1 > height ? (height - 1) / 2 : r;
        for (int dy = -ry; dy <= ry; ++dy) {
            const int y = ((cy + dy) % height + height) % height;
            for (int dx = -rx; dx <= rx; ++dx)
                f(cell(((cx + dx) % width + width) % width, y));
        }
    }
};

// A named rectangle of cells: x in [x0, x1), y in [y0, y1).
struct NeighbourhoodSpec {
    std::string name;
    int x0 = 0, y0 = 0, x1 = 0, y1 = 0;
};

// Named neighbourhoods as a raster: every cell belongs to exactly one
// neighbourhood. Cells no rectangle covers go to an implicit last
// neighbourhood named "rest" (only created when needed); where rectangles
// overlap, the one listed later wins.
struct Neighbourhoods {
    std::vector<std::string> names;
    std::vector<uint16_t> of_cell;  // neighbourhood index per cell

    static Neighbourhoods paint(const Grid& grid, const std::vector<NeighbourhoodSpec>& specs);
    int count() const { return int(names.size()); }
};

}  // namespace icsim
