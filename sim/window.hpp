// The Moore-window sum: for every cell, the sums of per-cell counts over
// the cells within Chebyshev distance `radius` (the cell itself included),
// taken as Grid::for_window takes a window (clipped on a bounded grid;
// wrapped on a torus, covering an axis once where the torus is narrower
// than the window). Used by residential mobility (its residents' windows),
// the spatial step metrics and similar_counts.
//
// The window is the product of a range of rows and a range of columns, so
// the sums are separable: a cell's column of window rows first (whole rows
// added at once), then along the row over the window's columns. Away from
// a row's ends a window is columns x - r .. x + r, so those cells' sums
// are 2r + 1 shifted copies of the row added (loops over a row, which
// vectorise); the cells near the ends take their columns from a list.
// Integer sums: the same as adding the window's cells one by one, in any
// order (tests/sim/test_toolkit.cpp checks it against that).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "sim/grid.hpp"
#include "sim/parallel.hpp"
#include "sim/scratch.hpp"

namespace icsim {

class MooreWindow {
public:
    MooreWindow(const Grid& grid, int radius);

    // Row y's window sums of `src` (cell-major, `stride` counts a cell: cell
    // c's at src[c * stride ..]) into out[0, width * stride). `column`:
    // scratch, resized as needed.
    void row(const uint16_t* src, size_t stride, size_t y, uint32_t* out,
             std::vector<uint32_t>& column) const;

    // Every row's sums into out[0, cells * stride), in parallel over rows.
    void all(const uint16_t* src, size_t stride, uint32_t* out) const;

    // f(y, sums) for every row y (sums: row y's window sums, as row()
    // gives them, valid during the call), in parallel over blocks of
    // `grain` rows; f is called from several threads at once.
    template <class F>
    void for_each_row(const uint16_t* src, size_t stride, F&& f, size_t grain = 1) const {
        struct Rows {
            std::vector<uint32_t> out, column;
        };
        PerThread<Rows> scratch;
        parallel_for_index(
            height_,
            [&](size_t y) {
                Rows& s = scratch.local();
                s.out.resize(width_ * stride);
                row(src, stride, y, s.out.data(), s.column);
                f(y, static_cast<const uint32_t*>(s.out.data()));
            },
            grain);
    }

    size_t width() const { return width_; }
    size_t height() const { return height_; }

private:
    // The window's positions along one axis around each position: those of
    // position i are list[first[i] .. first[i + 1]).
    struct Spans {
        std::vector<size_t> first;
        std::vector<uint32_t> list;
    };
    static Spans spans(int len, int r, bool torus);

    size_t width_, height_, radius_;
    Spans rows_, cols_;
};

} // namespace icsim
