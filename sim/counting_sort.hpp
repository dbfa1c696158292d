// A deterministic parallel counting sort: items 0 .. n-1, each with at most
// a few keys in [0, keys), placed in key order and, within a key, in item
// order -- whatever the number of threads.
//
// The items are split into blocks; each block counts its keys into its own
// contiguous stretch of counts (no strided access per key and block);
// offsets() turns the counts into every (block, key)'s first position
// (key totals and their prefix sum, in parallel over keys); each block then
// writes its items from those positions, in item order. Any partition into
// blocks gives the same order (stable by item), so the number of blocks may
// follow the thread count. The counting and the writing are the caller's
// loops (the encounters fuse them with their own per-item work):
//
//     sort.plan(n, keys, min_block);
//     parallel over b < sort.blocks(): counts = sort.zeroed_counts(b);
//         for items i of the block: ++counts[key(i)];
//     sort.offsets();
//     parallel over b: pos = sort.positions(b);
//         for items i of the block, in order: out[pos[key(i)]++] = i;
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/task_arena.h>

#include "sim/memory.hpp"

namespace icsim {

class CountingSort {
public:
    // Blocks of at least min_block items, about four per thread (each block keeps a count per key:
    // fewer blocks, less memory; four still balance the threads).
    void plan(size_t n, size_t keys, size_t min_block) {
        const size_t want = 4 * size_t(oneapi::tbb::this_task_arena::max_concurrency());
        n_ = n;
        keys_ = keys;
        block_ = std::max<size_t>(std::max<size_t>(min_block, 1), (n + want - 1) / want);
        blocks_ = (n + block_ - 1) / block_;
        counts_.resize(keys_ * blocks_);
    }
    size_t blocks() const { return blocks_; }
    // The bytes its buffers hold.
    size_t held_bytes() const {
        return counts_.capacity() * sizeof(uint32_t) + start_.capacity() * sizeof(uint32_t);
    }
    size_t begin(size_t b) const { return b * block_; }
    size_t end(size_t b) const { return std::min(n_, (b + 1) * block_); }

    // Block b's counts per key, zeroed (to count into before offsets()).
    uint32_t* zeroed_counts(size_t b) {
        uint32_t* const c = &counts_[b * keys_];
        std::fill_n(c, keys_, 0u);
        return c;
    }

    // The counts become positions: start()[k] is key k's first position
    // (start()[keys] the total), positions(b)[k] block b's first in key k.
    void offsets() {
        start_.resize(keys_ + 1);
        const size_t U = keys_, B = blocks_;
        uint32_t* const counts = counts_.data();
        uint32_t* const start = start_.data();
        oneapi::tbb::parallel_for(oneapi::tbb::blocked_range<size_t>(0, U, 4096), [&](const auto& range) {
            for (size_t k = range.begin(); k != range.end(); ++k) {
                uint32_t total = 0;
                for (size_t b = 0; b < B; ++b)
                    total += counts[b * U + k];
                start[k] = total;
            }
        });
        uint32_t at = 0;
        for (size_t k = 0; k < U; ++k) {
            const uint32_t c = start[k];
            start[k] = at;
            at += c;
        }
        start[U] = at;
        oneapi::tbb::parallel_for(oneapi::tbb::blocked_range<size_t>(0, U, 4096), [&](const auto& range) {
            for (size_t k = range.begin(); k != range.end(); ++k) {
                uint32_t pos = start[k];
                for (size_t b = 0; b < B; ++b) {
                    const uint32_t c = counts[b * U + k];
                    counts[b * U + k] = pos;
                    pos += c;
                }
            }
        });
    }
    uint32_t* positions(size_t b) { return &counts_[b * keys_]; }
    const std::vector<uint32_t>& start() const { return start_; }
    size_t total() const { return start_.empty() ? 0 : start_[keys_]; }

private:
    size_t n_ = 0, keys_ = 0, block_ = 1, blocks_ = 0;
    BigVector<uint32_t> counts_; // per block, per key; large and written at random: huge pages
    std::vector<uint32_t> start_;
};

} // namespace icsim
