// Parallel loops with results that do not depend on the thread count.
//
// Rules for code inside a parallel loop over residents (see docs/architecture.md):
//  - read only the previous state (or a double buffer) and write only to
//    slots owned by the current index;
//  - draw random numbers only through CounterRng / draw_u64 keyed by index;
//  - never add floating-point values across indices except through
//    deterministic_sum (fixed blocks, combined in index order).
#pragma once

#include <cstddef>
#include <vector>

#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/parallel_for.h>

namespace icsim {

// Prefetch distance, in residents, for loops that gather from random
// residents (friends, partners): a hint only, it changes no result.
constexpr size_t kPrefetchAhead = 16;

// Block size of deterministic reductions. Part of the result's definition:
// changing it may change the last bits of floating-point sums.
constexpr size_t kReduceBlock = 4096;

// for i in [0, n): f(i), in parallel.
template <class F>
void parallel_for_index(size_t n, F&& f, size_t grain = 1024) {
    oneapi::tbb::parallel_for(oneapi::tbb::blocked_range<size_t>(0, n, grain),
                              [&](const oneapi::tbb::blocked_range<size_t>& r) {
                                  for (size_t i = r.begin(); i != r.end(); ++i)
                                      f(i);
                              });
}

// Sum of f(begin, end) over the blocks [b x kReduceBlock, (b + 1) x
// kReduceBlock) of [0, n): the blocks in parallel, their values then added
// in block order. Bit-identical for any number of threads. For loops that
// set up locals once per block (arrays, parameters) and keep their own
// running sums.
template <class T, class F>
T deterministic_block_sum(size_t n, F&& f) {
    const size_t blocks = (n + kReduceBlock - 1) / kReduceBlock;
    std::vector<T> partial(blocks, T{});
    oneapi::tbb::parallel_for(size_t(0), blocks, [&](size_t b) {
        partial[b] = f(b * kReduceBlock, (b + 1) * kReduceBlock < n ? (b + 1) * kReduceBlock : n);
    });
    T total{};
    for (const T& s : partial)
        total += s;
    return total;
}

// Sum of f(i) for i in [0, n): blocks of kReduceBlock indices are summed in
// index order (in parallel across blocks), then the block sums are added in
// block order. Bit-identical for any number of threads.
template <class T, class F>
T deterministic_sum(size_t n, F&& f) {
    return deterministic_block_sum<T>(n, [&](size_t begin, size_t end) {
        T s{};
        for (size_t i = begin; i < end; ++i)
            s += f(i);
        return s;
    });
}

} // namespace icsim
