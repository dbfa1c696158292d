#include "sim/metrics.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include <oneapi/tbb/task_arena.h>

#include "sim/parallel.hpp"

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

// The window along one axis of `len` positions around position i, as prefix
// sum differences: sum = P[hi1] - P[lo1] + P[hi2] - P[lo2], where P[k] is the
// sum of the first k entries. This is the range Grid::for_window covers:
// clipped at the edges of a bounded grid, wrapped on a torus (two pieces),
// and the whole axis once where 2r + 1 > len.
struct Span {
    size_t lo1 = 0, hi1 = 0, lo2 = 0, hi2 = 0;
};

std::vector<Span> spans(int len, bool torus, int r) {
    std::vector<Span> out(size_t(len), Span{});
    for (int i = 0; i < len; ++i) {
        const int a = i - r, b = i + r;
        Span& s = out[size_t(i)];
        if (torus && 2 * r + 1 > len)
            s.hi1 = size_t(len);
        else if (!torus)
            s = {size_t(std::max(a, 0)), size_t(std::min(b, len - 1) + 1), 0, 0};
        else if (a < 0)
            s = {size_t(a + len), size_t(len), 0, size_t(b + 1)};
        else if (b >= len)
            s = {size_t(a), size_t(len), 0, size_t(b - len + 1)};
        else
            s = {size_t(a), size_t(b + 1), 0, 0};
    }
    return out;
}

// Moore-window sums of per-cell counts, in O(cells) for any radius instead
// of (2r+1)^2 reads per cell: a horizontal pass of row prefix sums, then a
// table of column prefix sums of those, from which a row of window sums is
// a few row differences. Each build overwrites the whole table.
class WindowSums {
public:
    // `storage` holds the table; it is grown to (height + 1) x width entries.
    WindowSums(const Grid& grid, int radius, std::vector<uint32_t>& storage)
        : w_(size_t(grid.width)), h_(size_t(grid.height)), xs_(spans(grid.width, grid.torus, radius)),
          ys_(spans(grid.height, grid.torus, radius)) {
        if (storage.size() < (h_ + 1) * w_)
            storage.resize((h_ + 1) * w_);
        table_ = storage.data();
    }

    // Builds the table for count(c), a function CellId -> integer.
    template <class Count>
    void build(Count&& count) {
        uint32_t* t = table_;
        // Row y + 1 of the table: horizontal window sums of row y.
        parallel_for_index(
            h_,
            [&](size_t y) {
                std::vector<uint32_t> p(w_ + 1, 0);
                for (size_t x = 0; x < w_; ++x)
                    p[x + 1] = p[x] + uint32_t(count(CellId(y * w_ + x)));
                uint32_t* row = t + (y + 1) * w_;
                for (size_t x = 0; x < w_; ++x) {
                    const Span& s = xs_[x];
                    row[x] = p[s.hi1] - p[s.lo1] + p[s.hi2] - p[s.lo2];
                }
            },
            4);
        // Row 0 is zero; accumulating down the columns turns rows into prefixes.
        std::fill_n(t, w_, 0u);
        for (size_t y = 1; y < h_; ++y)
            for (size_t x = 0; x < w_; ++x)
                t[(y + 1) * w_ + x] += t[y * w_ + x];
    }
    // The window sums of row y, into out[0, width).
    void row(size_t y, uint32_t* out) const {
        const Span& s = ys_[y];
        const uint32_t *hi1 = table_ + s.hi1 * w_, *lo1 = table_ + s.lo1 * w_;
        const uint32_t *hi2 = table_ + s.hi2 * w_, *lo2 = table_ + s.lo2 * w_;
        for (size_t x = 0; x < w_; ++x)
            out[x] = hi1[x] - lo1[x] + hi2[x] - lo2[x];
    }

private:
    size_t w_, h_;
    std::vector<Span> xs_, ys_;
    uint32_t* table_ = nullptr;
};

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
    const Grid& grid = world.grid;
    const size_t w = size_t(grid.width), h = size_t(grid.height), stride = size_t(G);
    const uint16_t* counts = world.group_count.data();
    const uint16_t* totals = world.total.data();

    // Two window tables are kept per thread between calls: on a VM, faulting
    // in fresh pages (8 MB for a million cells) on every call cost more than
    // the sums themselves. Isolation keeps this thread, while it waits inside
    // the parallel loops below, from picking up an outer-level task (oneTBB
    // "work isolation") that could be another similar_counts call reusing
    // the same tables.
    thread_local std::vector<uint32_t> all_table, same_table;
    std::vector<Pairs> rows(h);
    oneapi::tbb::this_task_arena::isolate([&] {
        WindowSums all(grid, radius, all_table), same(grid, radius, same_table);
        all.build([&](CellId c) { return totals[c]; });
        for (int g = group < 0 ? 0 : group; g < (group < 0 ? G : group + 1); ++g) {
            const size_t k = size_t(g);
            same.build([&](CellId c) { return counts[c * stride + k]; });
            parallel_for_index(
                h,
                [&](size_t y) {
                    std::vector<uint32_t> s(w), a(w);
                    same.row(y, s.data());
                    if (group >= 0)
                        all.row(y, a.data());
                    Pairs p;
                    for (size_t x = 0; x < w; ++x) {
                        const uint64_t n = counts[(y * w + x) * stride + k];
                        if (n == 0)
                            continue;
                        p.similar += n * (s[x] - 1);
                        if (group >= 0) // neighbours of this group's members only
                            p.total += n * (a[x] - 1);
                    }
                    rows[y].similar += p.similar;
                    rows[y].total += p.total;
                },
                4);
        }
        if (group < 0)
            parallel_for_index(
                h,
                [&](size_t y) {
                    std::vector<uint32_t> a(w);
                    all.row(y, a.data());
                    for (size_t x = 0; x < w; ++x) {
                        const uint64_t n = totals[y * w + x];
                        if (n > 0)
                            rows[y].total += n * (a[x] - 1);
                    }
                },
                4);
    });
    SimilarCounts out;
    for (const Pairs& p : rows) {
        out.similar += p.similar;
        out.total += p.total;
    }
    return out;
}

} // namespace icsim
