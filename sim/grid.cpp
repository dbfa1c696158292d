#include "sim/grid.hpp"

#include <algorithm>
#include <cstdlib>
#include <limits>
#include <stdexcept>

namespace icsim {

int Grid::chebyshev(CellId a, CellId b) const {
    int dx = std::abs(x_of(a) - x_of(b));
    int dy = std::abs(y_of(a) - y_of(b));
    if (torus) {
        dx = std::min(dx, width - dx);
        dy = std::min(dy, height - dy);
    }
    return std::max(dx, dy);
}

Neighbourhoods Neighbourhoods::paint(const Grid& grid, const std::vector<NeighbourhoodSpec>& specs) {
    constexpr uint16_t kUnset = std::numeric_limits<uint16_t>::max();
    if (specs.size() >= kUnset)
        throw std::invalid_argument("too many neighbourhoods (at most 65534)");
    Neighbourhoods n;
    n.of_cell.assign(size_t(grid.cells()), kUnset);
    for (size_t k = 0; k < specs.size(); ++k) {
        const auto& s = specs[k];
        if (s.x0 < 0 || s.y0 < 0 || s.x1 > grid.width || s.y1 > grid.height || s.x0 >= s.x1 || s.y0 >= s.y1)
            throw std::invalid_argument("neighbourhood '" + s.name +
                                        "' is not a non-empty rectangle inside the grid");
        n.names.push_back(s.name);
        for (int y = s.y0; y < s.y1; ++y)
            for (int x = s.x0; x < s.x1; ++x)
                n.of_cell[grid.cell(x, y)] = uint16_t(k);
    }
    if (std::find(n.of_cell.begin(), n.of_cell.end(), kUnset) != n.of_cell.end()) {
        n.names.emplace_back("rest");
        for (auto& v : n.of_cell)
            if (v == kUnset)
                v = uint16_t(n.names.size() - 1);
    }
    return n;
}

} // namespace icsim

namespace icsim {

Neighbourhoods Neighbourhoods::voronoi(const Grid& grid, const std::vector<std::string>& names,
                                       const std::vector<std::pair<double, double>>& centres) {
    if (names.empty() || names.size() != centres.size() || names.size() >= 65535)
        throw std::invalid_argument("voronoi layout: expected between 1 and 65534 named centres");
    Neighbourhoods n;
    n.names = names;
    n.of_cell.resize(size_t(grid.cells()));
    for (int y = 0; y < grid.height; ++y)
        for (int x = 0; x < grid.width; ++x) {
            double best = 0;
            size_t best_k = 0;
            for (size_t k = 0; k < centres.size(); ++k) {
                double dx = std::abs(x - centres[k].first), dy = std::abs(y - centres[k].second);
                if (grid.torus) {
                    dx = std::min(dx, grid.width - dx);
                    dy = std::min(dy, grid.height - dy);
                }
                const double d = dx * dx + dy * dy;
                if (k == 0 || d < best) {
                    best = d;
                    best_k = k;
                }
            }
            n.of_cell[grid.cell(x, y)] = uint16_t(best_k);
        }
    return n;
}

} // namespace icsim
