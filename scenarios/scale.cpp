#include "scenarios/scale.hpp"

#include <cmath>
#include <stdexcept>

#include "sim/params.hpp"

namespace icsim {

std::vector<std::string> scale_assignments(const ScenarioConfig& s, double factor) {
    if (!(factor > 0) || !std::isfinite(factor))
        throw std::invalid_argument("scale: expected a factor > 0, found " + format_number(factor));
    if (s.city.layout == Layout::Raster)
        throw std::invalid_argument("scale: a raster layout cannot be scaled (its file fixes the grid)");
    const int W = s.city.grid.width, H = s.city.grid.height;
    const double side = std::sqrt(factor);
    const int W2 = std::max(1, int(std::lround(W * side))), H2 = std::max(1, int(std::lround(H * side)));
    // The same x always maps to the same x', so rectangles that tiled the
    // grid still tile it.
    auto sx = [&](int x) { return int(std::lround(double(x) * W2 / W)); };
    auto sy = [&](int y) { return int(std::lround(double(y) * H2 / H)); };
    auto scaled = [&](double v) { return std::max(1L, std::lround(v * factor)); };
    std::vector<std::string> out = {"city.width=" + std::to_string(W2), "city.height=" + std::to_string(H2)};
    if (s.city.layout == Layout::Rectangles)
        for (const auto& n : s.city.neighbourhoods) {
            const std::string k = "city.neighbourhoods." + n.name + ".";
            out.push_back(k + "x0=" + std::to_string(sx(n.x0)));
            out.push_back(k + "y0=" + std::to_string(sy(n.y0)));
            out.push_back(k + "x1=" + std::to_string(sx(n.x1)));
            out.push_back(k + "y1=" + std::to_string(sy(n.y1)));
        }
    for (const auto& p : s.city.places) {
        if (!p.cells.empty())
            throw std::invalid_argument("scale: places." + p.name +
                                        " sits at explicit cells, which cannot be scaled");
        out.push_back("places." + p.name + ".count=" + std::to_string(scaled(p.count)));
    }
    for (const auto& o : s.city.organisations)
        out.push_back("organisations." + o.name + ".capacity=" + std::to_string(scaled(o.capacity)));
    for (const auto& g : s.city.groups)
        if (g.arrival_rate > 0)
            out.push_back("groups." + g.name + ".arrival_rate=" + format_number(g.arrival_rate * factor));
    return out;
}

} // namespace icsim
