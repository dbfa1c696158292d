#include "sim/metrics.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "sim/window.hpp"

namespace icsim {

namespace {

void check_group(const UnitCounts& c, int g, const char* what) {
    if (g < 0 || g >= c.groups)
        throw std::out_of_range(std::string(what) + ": group index " + std::to_string(g) + " not in [0, " +
                                std::to_string(c.groups) + ")");
}

double group_total(const UnitCounts& c, int g) {
    double s = 0;
    for (int u = 0; u < c.units; ++u)
        s += c.at(u, g);
    return s;
}

double unit_total(const UnitCounts& c, int u) {
    double s = 0;
    for (int g = 0; g < c.groups; ++g)
        s += c.at(u, g);
    return s;
}

// - sum_m p_m ln p_m over the shares p_m = n_m / total (0 ln 0 = 0).
template <class Count>
double entropy(int groups, double total, Count&& count) {
    double e = 0;
    for (int g = 0; g < groups; ++g) {
        const double p = count(g) / total;
        if (p > 0)
            e -= p * std::log(p);
    }
    return e;
}

} // namespace

UnitCounts counts_by_neighbourhood(const World& world) {
    const int cells = world.grid.cells();
    if (world.hoods.of_cell.size() != size_t(cells))
        throw std::invalid_argument("counts_by_neighbourhood: the world has no neighbourhood raster");
    UnitCounts c;
    c.units = world.hoods.count();
    c.groups = world.group_total();
    c.n.assign(size_t(c.units) * size_t(c.groups), 0.0);
    // Counts are integers below 2^53, so these double sums are exact.
    for (int cell = 0; cell < cells; ++cell) {
        const size_t u = world.hoods.of_cell[size_t(cell)];
        for (int g = 0; g < c.groups; ++g)
            c.n[u * size_t(c.groups) + size_t(g)] += world.count(CellId(cell), g);
    }
    return c;
}

double dissimilarity(const UnitCounts& c, int a, int b) {
    check_group(c, a, "dissimilarity");
    check_group(c, b, "dissimilarity");
    const double A = group_total(c, a), B = group_total(c, b);
    if (A == 0 || B == 0)
        return 0.0;
    double s = 0;
    for (int u = 0; u < c.units; ++u)
        s += std::abs(c.at(u, a) / A - c.at(u, b) / B);
    return 0.5 * s;
}

double isolation(const UnitCounts& c, int a) {
    return exposure(c, a, a);
}

double exposure(const UnitCounts& c, int a, int b) {
    check_group(c, a, "exposure");
    check_group(c, b, "exposure");
    const double A = group_total(c, a);
    if (A == 0)
        return 0.0;
    double s = 0;
    for (int u = 0; u < c.units; ++u) {
        const double t = unit_total(c, u);
        if (t > 0) // an empty unit holds no member of a
            s += (c.at(u, a) / A) * (c.at(u, b) / t);
    }
    return s;
}

double theil_h(const UnitCounts& c) {
    double T = 0;
    for (double v : c.n)
        T += v;
    if (T == 0)
        return 0.0;
    const double E = entropy(c.groups, T, [&](int g) { return group_total(c, g); });
    if (E == 0) // one group only: no diversity to segregate
        return 0.0;
    double s = 0;
    for (int u = 0; u < c.units; ++u) {
        const double t = unit_total(c, u);
        if (t > 0)
            s += t * (E - entropy(c.groups, t, [&](int g) { return c.at(u, g); }));
    }
    return s / (T * E);
}

namespace {

// Same-group and all neighbours, summed per row (integers: exact in any order).
struct Pairs {
    uint64_t similar = 0;
    uint64_t total = 0;
};

} // namespace

// Per cell rather than per resident: the n residents of group g in cell c
// each see (window count of g) - 1 same-group neighbours and (window total)
// - 1 neighbours, themselves excluded.
SimilarCounts similar_counts(const World& world, int radius, int group) {
    if (radius < 0)
        throw std::invalid_argument("similar_counts: radius must be >= 0, found " + std::to_string(radius));
    const int G = world.group_total();
    if (group >= G)
        throw std::out_of_range("similar_counts: group index " + std::to_string(group) + " not in [0, " +
                                std::to_string(G) + ")");
    const size_t w = size_t(world.grid.width), stride = size_t(G);
    const uint16_t* const counts = world.group_count.data();
    const size_t g0 = group < 0 ? 0 : size_t(group), g1 = group < 0 ? stride : g0 + 1;
    // One window pass over every group's counts: a cell's window total
    // (`around`) is the sum of its groups' window counts, as a cell's
    // total is the sum of its groups' counts.
    std::vector<Pairs> rows(size_t(world.grid.height));
    const MooreWindow window(world.grid, radius);
    window.for_each_row(
        counts, stride,
        [&](size_t y, const uint32_t* sums) {
            Pairs p;
            for (size_t x = 0; x < w; ++x) {
                const uint16_t* const own = &counts[(y * w + x) * stride];
                const uint32_t* const win = &sums[x * stride];
                uint32_t around = 0;
                for (size_t g = 0; g < stride; ++g)
                    around += win[g];
                for (size_t g = g0; g < g1; ++g) {
                    const uint64_t n = own[g];
                    if (n == 0)
                        continue;
                    p.similar += n * (win[g] - 1);
                    p.total += n * (around - 1);
                }
            }
            rows[y] = p;
        },
        4);
    SimilarCounts out;
    for (const Pairs& p : rows) {
        out.similar += p.similar;
        out.total += p.total;
    }
    return out;
}

} // namespace icsim
