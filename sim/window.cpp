#include "sim/window.hpp"

#include <algorithm>

namespace icsim {

MooreWindow::MooreWindow(const Grid& grid, int radius)
    : width_(size_t(grid.width)), height_(size_t(grid.height)), radius_(size_t(radius)),
      rows_(spans(grid.height, radius, grid.torus)), cols_(spans(grid.width, radius, grid.torus)) {}

MooreWindow::Spans MooreWindow::spans(int len, int r, bool torus) {
    Spans s;
    s.first.push_back(0);
    const bool wide = 2 * r + 1 > len;
    const int lo = wide ? (len - 1) / 2 : r, hi = wide ? len / 2 : r;
    for (int at = 0; at < len; ++at) {
        if (!torus)
            for (int i = std::max(0, at - r); i <= std::min(len - 1, at + r); ++i)
                s.list.push_back(uint32_t(i));
        else
            for (int d = -lo; d <= hi; ++d)
                s.list.push_back(uint32_t(((at + d) % len + len) % len));
        s.first.push_back(s.list.size());
    }
    return s;
}

void MooreWindow::row(const uint16_t* src, size_t stride, size_t y, uint32_t* out,
                      std::vector<uint32_t>& column) const {
    // (Bounds and pointers in locals: read through members they would be
    // reloaded after every store, and the loops would not vectorise.)
    const size_t W = width_, G = stride, L = W * G, R = radius_;
    column.resize(L);
    uint32_t* const col = column.data();
    // 1. The column sums: the window's rows added, row by row.
    const uint32_t* const ys = rows_.list.data() + rows_.first[y];
    const size_t ny = rows_.first[y + 1] - rows_.first[y];
    {
        const uint16_t* const a = src + size_t(ys[0]) * L;
        if (ny == 3) { // radius 1 away from a bounded grid's edge rows: one pass
            const uint16_t *const b = src + size_t(ys[1]) * L, *const c = src + size_t(ys[2]) * L;
            for (size_t i = 0; i < L; ++i)
                col[i] = uint32_t(a[i]) + b[i] + c[i];
        } else {
            for (size_t i = 0; i < L; ++i)
                col[i] = a[i];
            for (size_t j = 1; j < ny; ++j) {
                const uint16_t* const b = src + size_t(ys[j]) * L;
                for (size_t i = 0; i < L; ++i)
                    col[i] += b[i];
            }
        }
    }
    // 2. Along the row: the inner cells [x0, x1) as shifted copies, the
    // cells near the ends from their column lists.
    const bool inner = 2 * R + 1 <= W;
    const size_t x0 = inner ? R : W, x1 = inner ? W - R : W;
    if (x0 < x1) {
        const size_t len = (x1 - x0) * G;
        uint32_t* const o = out + x0 * G;
        const uint32_t* const c = col + (x0 - R) * G; // column x0 + i - R + d for cell x0 + i
        if (R == 1) {
            for (size_t i = 0; i < len; ++i)
                o[i] = c[i] + c[i + G] + c[i + 2 * G];
        } else {
            for (size_t i = 0; i < len; ++i)
                o[i] = c[i];
            for (size_t d = 1; d <= 2 * R; ++d) {
                const uint32_t* const s = c + d * G;
                for (size_t i = 0; i < len; ++i)
                    o[i] += s[i];
            }
        }
    }
    const auto edge = [&](size_t x) {
        uint32_t* const o = out + x * G;
        std::fill_n(o, G, 0u);
        for (size_t j = cols_.first[x]; j < cols_.first[x + 1]; ++j) {
            const uint32_t* const s = col + size_t(cols_.list[j]) * G;
            for (size_t g = 0; g < G; ++g)
                o[g] += s[g];
        }
    };
    for (size_t x = 0; x < x0; ++x)
        edge(x);
    for (size_t x = std::max(x0, x1); x < W; ++x)
        edge(x);
}

void MooreWindow::all(const uint16_t* src, size_t stride, uint32_t* out) const {
    PerThread<std::vector<uint32_t>> column;
    const size_t L = width_ * stride;
    parallel_for_index(
        height_, [&](size_t y) { row(src, stride, y, out + y * L, column.local()); }, 1);
}

} // namespace icsim
