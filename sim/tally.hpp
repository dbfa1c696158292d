// Integer tallies of the living residents per (group, neighbourhood): how
// many residents a report counts and the sums of K integer values each one
// contributes (flags, counts, 8-bit levels), in one parallel pass. Integer
// sums are the same in any order, so the threads' tallies are added as
// they come: the same figures on any thread count. Within a thread each
// resident adds to one of four interleaved copies (sim/interleaved.hpp):
// residents come in runs of one neighbourhood, and adds to one sum would
// each wait on the previous one.
#pragma once

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/parallel_for.h>

#include "sim/interleaved.hpp"
#include "sim/scratch.hpp"
#include "sim/world.hpp"

namespace icsim {

template <size_t K>
struct GroupHoodTally {
    size_t G = 0, H = 0;
    std::vector<uint64_t> n;                  // [g * H + h]: residents counted
    std::array<std::vector<uint64_t>, K> sum; // [k][g * H + h]: sums of value k

    uint64_t group_n(size_t g) const { return total(n, g, true); }
    uint64_t hood_n(size_t h) const { return total(n, h, false); }
    uint64_t group_sum(size_t k, size_t g) const { return total(sum[k], g, true); }
    uint64_t hood_sum(size_t k, size_t h) const { return total(sum[k], h, false); }
    // Mean of value k over the group's (the neighbourhood's) residents
    // counted; NaN when none is.
    double group_mean(size_t k, size_t g) const { return ratio(group_sum(k, g), group_n(g)); }
    double hood_mean(size_t k, size_t h) const { return ratio(hood_sum(k, h), hood_n(h)); }

private:
    uint64_t total(const std::vector<uint64_t>& v, size_t i, bool by_group) const {
        uint64_t s = 0;
        if (by_group)
            for (size_t h = 0; h < H; ++h)
                s += v[i * H + h];
        else
            for (size_t g = 0; g < G; ++g)
                s += v[g * H + i];
        return s;
    }
    static double ratio(uint64_t s, uint64_t n) { return n > 0 ? double(s) / double(n) : double(NAN); }
};

// value(r, v) for each living resident r: false leaves r out; true counts
// it and adds v[0..K) (set by value; they start at 0) to its sums.
template <size_t K, class F>
GroupHoodTally<K> tally_by_group_and_hood(const World& w, F&& value) {
    const size_t G = w.groups.size(), H = size_t(w.hoods.count()), GH = G * H;
    // Per thread: [n, sum 0, ..., sum K-1], each GH long, in interleaved copies.
    PerThread<InterleavedSums<uint64_t>> parts([&] { return InterleavedSums<uint64_t>((K + 1) * GH); });
    const Population& pop = w.pop;
    oneapi::tbb::parallel_for(oneapi::tbb::blocked_range<size_t>(0, pop.size(), 16384),
                              [&](const auto& range) {
                                  InterleavedSums<uint64_t>& t = parts.local();
                                  for (size_t r = range.begin(); r != range.end(); ++r) {
                                      if (pop.vacant(r))
                                          continue;
                                      uint64_t v[K == 0 ? 1 : K] = {};
                                      if (!value(r, v))
                                          continue;
                                      const size_t key = size_t(pop.group[r]) * H + w.hood[r];
                                      t.at(r, key) += 1;
                                      for (size_t k = 0; k < K; ++k)
                                          t.at(r, (k + 1) * GH + key) += v[k];
                                  }
                              });
    std::vector<uint64_t> all((K + 1) * GH, 0);
    for (const InterleavedSums<uint64_t>& p : parts)
        p.fold_into(all);
    GroupHoodTally<K> out;
    out.G = G;
    out.H = H;
    out.n.assign(all.begin(), all.begin() + std::ptrdiff_t(GH));
    for (size_t k = 0; k < K; ++k)
        out.sum[k].assign(all.begin() + std::ptrdiff_t((k + 1) * GH),
                          all.begin() + std::ptrdiff_t((k + 2) * GH));
    return out;
}

} // namespace icsim
