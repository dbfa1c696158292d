#include "scenarios/scale.hpp"

#include <cmath>
#include <cstdint>
#include <stdexcept>

#include "scenarios/schema.hpp"
#include "sim/params.hpp"

namespace icsim {

namespace {

// The scaled city's numbers, before they become assignments.
struct Scaled {
    int width = 0, height = 0;
    double side = 0;
};

Scaled scaled_grid(const ScenarioConfig& s, double factor) {
    const double side = std::sqrt(factor);
    return {std::max(1, int(std::lround(s.city.grid.width * side))),
            std::max(1, int(std::lround(s.city.grid.height * side))), side};
}

long scaled_count(double v, double factor) {
    return std::max(1L, std::lround(v * factor));
}

double limit(const char* path) {
    const scenario::Key* k = scenario::find_key(path);
    return k != nullptr ? k->max : 0;
}

// The first scenario limit that the city scaled by `factor` breaks, as
// "city.width would be 12000 (at most 10000)"; "" when it fits. The same
// limits the loader checks, so a factor that fits here loads.
std::string broken_limit(const ScenarioConfig& s, double factor) {
    const Scaled g = scaled_grid(s, factor);
    auto over = [](const std::string& key, double v, double max) {
        return v > max ? key + " would be " + format_number(v) + " (at most " + format_number(max) + ")"
                       : std::string();
    };
    std::string why = over("city.width", g.width, limit("city.width"));
    if (why.empty())
        why = over("city.height", g.height, limit("city.height"));
    if (why.empty())
        why = over("width x height x capacity", double(g.width) * g.height * s.city.grid.capacity,
                   double(0x7FFFFFFF));
    for (const auto& p : s.city.places)
        if (why.empty())
            why = over("places." + p.name + ".count", double(scaled_count(p.count, factor)),
                       limit("places.*.count"));
    for (const auto& o : s.city.organisations)
        if (why.empty())
            why = over("organisations." + o.name + ".capacity", double(scaled_count(o.capacity, factor)),
                       limit("organisations.*.capacity"));
    for (const auto& gr : s.city.groups)
        if (why.empty() && gr.arrival_rate > 0)
            why = over("groups." + gr.name + ".arrival_rate", gr.arrival_rate * factor,
                       limit("groups.*.arrival_rate"));
    return why;
}

// The largest factor below `factor` that fits, as a number of at most four
// significant digits (so that the printed value itself fits).
double largest_fitting(const ScenarioConfig& s, double factor) {
    double lo = 0, hi = factor;
    for (int k = 0; k < 200 && hi - lo > 1e-12 * hi; ++k) {
        const double mid = 0.5 * (lo + hi);
        (broken_limit(s, mid).empty() ? lo : hi) = mid;
    }
    if (lo <= 0)
        return 0;
    const double unit = std::pow(10.0, std::floor(std::log10(lo)) - 3);
    double shown = std::floor(lo / unit) * unit;
    while (shown > 0 && !broken_limit(s, shown).empty())
        shown -= unit;
    return shown;
}

} // namespace

std::vector<std::string> scale_assignments(const ScenarioConfig& s, double factor) {
    if (!(factor > 0) || !std::isfinite(factor))
        throw std::invalid_argument("expected a factor > 0, found " + format_number(factor));
    if (s.city.layout == Layout::Raster)
        throw std::invalid_argument("a raster layout cannot be scaled (its file fixes the grid)");
    for (const auto& p : s.city.places)
        if (!p.cells.empty())
            throw std::invalid_argument("places." + p.name +
                                        " sits at explicit cells, which cannot be scaled");
    if (const std::string why = broken_limit(s, factor); !why.empty()) {
        const double best = largest_fitting(s, factor);
        throw std::invalid_argument(
            format_number(factor) + " is too large for this city: " + why +
            (best > 0 ? "; the largest factor that fits is " + format_number(best) : "; no factor fits"));
    }
    const int W = s.city.grid.width, H = s.city.grid.height;
    const Scaled g = scaled_grid(s, factor);
    const int W2 = g.width, H2 = g.height;
    // The same x always maps to the same x', so rectangles that tiled the
    // grid still tile it.
    auto sx = [&](int x) { return int(std::lround(double(x) * W2 / W)); };
    auto sy = [&](int y) { return int(std::lround(double(y) * H2 / H)); };
    std::vector<std::string> out = {"city.width=" + std::to_string(W2), "city.height=" + std::to_string(H2)};
    if (s.city.layout == Layout::Rectangles)
        for (const auto& n : s.city.neighbourhoods) {
            const std::string k = "city.neighbourhoods." + n.name + ".";
            out.push_back(k + "x0=" + std::to_string(sx(n.x0)));
            out.push_back(k + "y0=" + std::to_string(sy(n.y0)));
            out.push_back(k + "x1=" + std::to_string(sx(n.x1)));
            out.push_back(k + "y1=" + std::to_string(sy(n.y1)));
        }
    for (const auto& p : s.city.places)
        out.push_back("places." + p.name + ".count=" + std::to_string(scaled_count(p.count, factor)));
    for (const auto& o : s.city.organisations)
        out.push_back("organisations." + o.name +
                      ".capacity=" + std::to_string(scaled_count(o.capacity, factor)));
    for (const auto& gr : s.city.groups)
        if (gr.arrival_rate > 0)
            out.push_back("groups." + gr.name + ".arrival_rate=" + format_number(gr.arrival_rate * factor));
    return out;
}

} // namespace icsim
