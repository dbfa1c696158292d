// schelling-bench: Schelling's segregation model as the cross-framework ABM
// benchmark runs it (JuliaDynamics/ABMFrameworksComparison, Schelling/, after its
// Agents.jl and Ark.jl versions). X by X finite grid, at most one agent per cell,
// K agents (floor(K/2) in group 0, the rest in group 1) at uniformly random cells.
// Each step every agent, in a fresh uniformly random order, counts the agents of
// its group within Chebyshev radius r (itself excluded); below min_to_be_happy it
// moves to a uniformly random empty cell. Params: width, agents, radius,
// min_to_be_happy, steps, rule. Not modelled: periodic borders, densities or
// group shares (K and the 50/50 split are given). rule 1 (not the benchmark's):
// all decide from the step's start state, a contested cell goes to the lowest
// (random priority, id), losers stay. Determinism: all draws from CounterRng,
// Stream::Bench, counter step = tick (0 = construction); rule 0 is sequential by
// definition; rule 1 writes only per-agent or per-cell slots and sums integers,
// so it is bit-identical on any number of threads. docs/classic/schelling-bench.md
#include "models/classic/schelling_bench.hpp"

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <functional>
#include <limits>
#include <string>
#include <type_traits>
#include <utility>

#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/parallel_reduce.h>

#include "sim/rng.hpp"

namespace icsim {

namespace {

// [SECTION] Random integers

__extension__ using U128 = unsigned __int128;

constexpr uint64_t kNoClaim = std::numeric_limits<uint64_t>::max();
constexpr uint32_t kBlock = 4096;         // agents per block of decisions (rule 1)
constexpr uint8_t kOcc[2] = {0x01, 0x10}; // occupancy code per group: nibble sums of a row stay apart

// k independent uniform integers out[j] in [0, n[j]) from one 64-bit draw, where
// bound = n[0] * ... * n[k-1] < 2^64: Lemire's nearly-divisionless method applied to
// the range `bound`, its result read in mixed radix (Brackett-Rozinsky & Lemire,
// "Batched ranged random integer generation", Softw. Pract. Exp. 2024,
// doi:10.1002/spe.3369). Exactly uniform: a draw in the biased zone (final low word
// < 2^64 mod bound) is rejected whole. Why: one Philox4x32-10 block costs ~11 ns here,
// and a shuffle of 8000 with CounterRng::below (one block per two elements) took
// 81 us, most of a schelling-large step's 100 us budget; four per 64-bit draw take
// 22 us with the swaps, 7.7 us of it Philox (/tmp rng microbenchmarks, 2026-11-27).
inline void draw_batch(CounterRng& rng, const uint64_t* n, int k, uint64_t bound, uint32_t* out) {
    for (;;) {
        uint64_t x = rng.next_u64();
        for (int j = 0; j < k; ++j) {
            const U128 m = U128(x) * n[j];
            out[j] = uint32_t(m >> 64);
            x = uint64_t(m);
        }
        if (x >= bound || x >= (0 - bound) % bound)
            return;
    }
}

// Makes v[0, m) a uniformly random arrangement of m of the items of v (forward
// Fisher-Yates, stopped after m positions); m = v.size() - 1 shuffles all of v.
void shuffle_prefix(std::vector<uint32_t>& v, size_t m, CounterRng& rng) {
    const size_t size = v.size();
    uint64_t n[4];
    uint32_t r[4];
    for (size_t i = 0; i < m;) {
        const uint64_t range = size - i; // position i swaps with i + [0, range)
        int k = range <= (uint64_t(1) << 16) ? 4 : range <= (uint64_t(1) << 21) ? 3 : 2;
        k = int(std::min<size_t>(size_t(k), m - i));
        uint64_t bound = 1;
        for (int j = 0; j < k; ++j) {
            n[j] = range - uint64_t(j);
            bound *= n[j];
        }
        draw_batch(rng, n, k, bound, r);
        for (int j = 0; j < k; ++j, ++i)
            std::swap(v[i], v[i + r[j]]);
    }
}

// Uniform integers in [0, n) for a fixed n, as many per 64-bit draw as fit.
class RangeDraws {
public:
    RangeDraws(const CounterRng& rng, uint32_t n) : rng_(rng) {
        while (per_ < 8 && bound_ <= std::numeric_limits<uint64_t>::max() / n) {
            n_[per_++] = n;
            bound_ *= n;
        }
    }
    uint32_t next() {
        if (have_ == 0) {
            draw_batch(rng_, n_, per_, bound_, buf_);
            have_ = per_;
        }
        return buf_[--have_];
    }

private:
    CounterRng rng_;
    uint64_t n_[8] = {};
    uint64_t bound_ = 1;
    int per_ = 0, have_ = 0;
    uint32_t buf_[8] = {};
};

// [SECTION] Grid helpers

// Adds (or removes) one agent to the counts of the (2R+1)^2 window centred on
// `centre` of a padded u8 grid: one unaligned 8-byte add per row (SWAR). The
// bytes beyond the window get +0; counts never exceed 225 nor go below 0, so no
// carry crosses a byte. Two words per row when 2R+1 > 8.
template <int R, bool Add>
inline void update_window(uint8_t* centre, size_t pw) {
    constexpr int kW = 2 * R + 1;
    constexpr uint64_t kOnes = 0x0101010101010101ull;
    constexpr uint64_t kLo = kW >= 8 ? kOnes : kOnes >> (8 * (8 - kW));
    constexpr uint64_t kHi = kW > 8 ? kOnes >> (8 * (16 - kW)) : 0;
    uint8_t* row = centre - R * pw - R;
    for (int k = 0; k < kW; ++k, row += pw) {
        uint64_t v;
        std::memcpy(&v, row, 8);
        v = Add ? v + kLo : v - kLo;
        std::memcpy(row, &v, 8);
        if constexpr (kHi != 0) {
            std::memcpy(&v, row + 8, 8);
            v = Add ? v + kHi : v - kHi;
            std::memcpy(row + 8, &v, 8);
        }
    }
}

// Calls f(std::integral_constant<int, r>) for the runtime radius r in [1, 7].
template <class F>
void with_radius(int r, F&& f) {
    switch (r) {
    case 1:
        return f(std::integral_constant<int, 1>{});
    case 2:
        return f(std::integral_constant<int, 2>{});
    case 3:
        return f(std::integral_constant<int, 3>{});
    case 4:
        return f(std::integral_constant<int, 4>{});
    case 5:
        return f(std::integral_constant<int, 5>{});
    case 6:
        return f(std::integral_constant<int, 6>{});
    case 7:
        return f(std::integral_constant<int, 7>{});
    default:
        throw ParamError("radius: expected an integer in [1, 7], found " + std::to_string(r));
    }
}

} // namespace

// [SECTION] Parameters

std::vector<Field<SchellingBenchParams>> schelling_bench_fields() {
    using P = SchellingBenchParams;
    return {
        {"width", &P::width, 2, 10000, "cells", "side X of the X by X grid (finite, not periodic)"},
        {"agents", &P::agents, 2, 50000000, "agents",
         "K: agents, floor(K/2) in group 0 and the rest in group 1; at most width^2 - 1"},
        {"radius", &P::radius, 1, 7, "cells", "Chebyshev radius r of the neighbourhood"},
        {"min_to_be_happy", &P::min_to_be_happy, 0, 224, "agents",
         "an agent with fewer same-group neighbours moves to a random empty cell"},
        {"steps", &P::steps, 0, 1000000, "steps",
         "steps to run at most; stops early once every agent is happy"},
        {"rule", &P::rule, 0, 1, "",
         "0 = sequential, random order (the benchmark's rule); 1 = synchronous, parallel, random-priority "
         "conflicts"},
    };
}

SchellingBenchParams make_schelling_bench_params(const ParamValues& values) {
    const SchellingBenchParams p = make_params(schelling_bench_fields(), values);
    const int64_t cells = int64_t(p.width) * p.width;
    if (p.agents >= cells)
        throw ParamError("agents: expected an integer in [2, width^2 - 1 = " + std::to_string(cells - 1) +
                         "] (at least one empty cell), found " + std::to_string(p.agents));
    return p;
}

// [SECTION] Construction and counts

SchellingBench::SchellingBench(const SchellingBenchParams& params, uint64_t seed)
    : params_(params), seed_(seed), pad_(uint32_t(params.radius)), pw_(uint32_t(params.width) + 2 * pad_),
      grid_size_(size_t(pw_) * pw_ + 16) {
    const uint32_t width = uint32_t(params.width), agents = uint32_t(params.agents);
    // Placement: a partial Fisher-Yates shuffle of all cells picks K distinct
    // uniform cells, the same law as placing agents one by one at random empty cells.
    std::vector<uint32_t> cells(size_t(width) * width);
    for (uint32_t y = 0; y < width; ++y)
        for (uint32_t x = 0; x < width; ++x)
            cells[size_t(y) * width + x] = (y + pad_) * pw_ + x + pad_;
    CounterRng rng(seed, Stream::Bench, 0, 0);
    shuffle_prefix(cells, agents, rng);
    agent_.resize(agents);
    for (uint32_t a = 0; a < agents; ++a)
        agent_[a] = cells[a] << 1 | uint32_t(a >= agents / 2);
    empty_.assign(cells.begin() + agents, cells.end());
    happy_.assign(agents, 0);
    count_.assign(2 * grid_size_, 0);

    if (params.rule == 0) {
        order_.resize(agents);
        for (uint32_t a = 0; a < agents; ++a)
            order_[a] = a;
        with_radius(params.radius, [&](auto r) { add_all_windows<r()>(); });
    } else {
        occ_.assign(grid_size_, 0);
        hsum_.assign(grid_size_, 0);
        for (const uint32_t s : agent_)
            occ_[s >> 1] = kOcc[s & 1];
        proposal_.resize(agents);
        block_count_.assign((agents + kBlock - 1) / kBlock, 0);
        claim_ = std::make_unique<std::atomic<uint64_t>[]>(empty_.size());
        for (size_t k = 0; k < empty_.size(); ++k)
            claim_[k].store(kNoClaim, std::memory_order_relaxed);
        with_radius(params.radius, [&](auto r) { recount_from_occupancy<r()>(); });
    }
}

template <int R>
void SchellingBench::add_all_windows() {
    for (const uint32_t s : agent_)
        update_window<R, true>(count_.data() + (s & 1) * grid_size_ + (s >> 1), pw_);
}

// Counts from scratch (rule 1): horizontal window sums of the occupancy codes
// (both groups at once, one nibble each: at most 2R+1 <= 15 per row), then
// vertical sums split per group. Rows are independent, so both passes run in
// parallel; every cell is written by one task only. The row kernels take
// restrict pointers and int trip counts so that GCC vectorises them (16 cells
// per SSE2 instruction); with member vectors and unsigned indices it did not,
// and the recount took ~1 ms of a 3.5 ms schelling-500 step (perf, 2026-11-27).
template <int R>
static void horizontal_sums(const uint8_t* __restrict occ, uint8_t* __restrict out, int n) {
    for (int x = 0; x < n; ++x) {
        uint8_t s = 0;
        for (int d = 0; d <= 2 * R; ++d)
            s = uint8_t(s + occ[x + d]);
        out[x] = s;
    }
}

template <int R>
static void vertical_sums(const uint8_t* __restrict h, ptrdiff_t pw, uint8_t* __restrict c0,
                          uint8_t* __restrict c1, int n) {
    for (int x = 0; x < n; ++x) {
        uint8_t s0 = 0, s1 = 0;
        for (int d = 0; d <= 2 * R; ++d) {
            const uint8_t v = h[d * pw + x];
            s0 = uint8_t(s0 + (v & 0x0F));
            s1 = uint8_t(s1 + (v >> 4));
        }
        c0[x] = s0;
        c1[x] = s1;
    }
}

template <int R>
void SchellingBench::recount_from_occupancy() {
    using Rows = oneapi::tbb::blocked_range<uint32_t>;
    const uint32_t lo = pad_, hi = pad_ + uint32_t(params_.width);
    const int n = params_.width;
    const size_t pw = pw_;
    const uint8_t* occ = occ_.data();
    uint8_t* hsum = hsum_.data();
    uint8_t* c0 = count_.data();
    uint8_t* c1 = c0 + grid_size_;
    oneapi::tbb::parallel_for(Rows(lo, hi, 16), [=](const Rows& rows) {
        for (uint32_t y = rows.begin(); y != rows.end(); ++y)
            horizontal_sums<R>(occ + y * pw + lo - R, hsum + y * pw + lo, n);
    });
    oneapi::tbb::parallel_for(Rows(lo, hi, 16), [=](const Rows& rows) {
        for (uint32_t y = rows.begin(); y != rows.end(); ++y)
            vertical_sums<R>(hsum + (y - R) * pw + lo, ptrdiff_t(pw), c0 + y * pw + lo, c1 + y * pw + lo, n);
    });
}

bool SchellingBench::all_happy() const {
    const int need = params_.min_to_be_happy + 1; // counts include the agent itself
    for (const uint32_t s : agent_)
        if (count_[(s & 1) * grid_size_ + (s >> 1)] < need)
            return false;
    return true;
}

// [SECTION] Steps

bool SchellingBench::step() {
    if (params_.rule == 1) {
        if (!step_synchronous())
            return false;
    } else {
        // A step that runs always moves someone: the first agent activated
        // among those unhappy at the start is still unhappy unless another moved.
        if (all_happy())
            return false;
        with_radius(params_.radius, [&](auto r) { step_sequential<r()>(); });
    }
    ++ticks_;
    return true;
}

template <int R>
void SchellingBench::step_sequential() {
    const uint32_t tick = ticks_ + 1;
    CounterRng order_rng(seed_, Stream::Bench, tick, 0);
    // The number of empty cells never changes, so all target draws share one range.
    RangeDraws cell_draws(CounterRng(seed_, Stream::Bench, tick, 1), uint32_t(empty_.size()));
    // Raw pointers: stores through uint8_t* may alias anything, so member
    // vectors would be reloaded after every count or flag update.
    uint32_t* const agent = agent_.data();
    uint32_t* const empty = empty_.data();
    uint8_t* const happy = happy_.data();
    uint8_t* const count = count_.data();
    const size_t gs = grid_size_, pw = pw_;
    const int need = params_.min_to_be_happy + 1; // counts include the agent itself
    uint64_t moves = 0;
    // Two passes (shuffle, then visit) measured 12 % faster than visiting each
    // agent as Fisher-Yates fixes its place (schelling-large CPU time 0.95 vs
    // 1.08 ms, 2026-11-27): the Philox work overlaps the swaps better.
    if (order_.size() > 1)
        shuffle_prefix(order_, order_.size() - 1, order_rng);
    for (const uint32_t a : order_) {
        const uint32_t s = agent[a];
        const uint32_t c = s >> 1;
        uint8_t* const grid = count + (s & 1) * gs;
        const bool h = grid[c] >= need;
        happy[a] = uint8_t(h);
        if (h)
            continue;
        // Swap trick (as Ark.jl): the chosen empty slot takes the vacated cell.
        const uint32_t k = cell_draws.next();
        const uint32_t nc = empty[k];
        empty[k] = c;
        update_window<R, false>(grid + c, pw);
        update_window<R, true>(grid + nc, pw);
        agent[a] = nc << 1 | (s & 1);
        ++moves;
    }
    moves_ += moves;
    unhappy_ += moves;
}

bool SchellingBench::step_synchronous() {
    using Blocks = oneapi::tbb::blocked_range<uint32_t>;
    const uint32_t tick = ticks_ + 1, agents = agent_count(), n_empty = uint32_t(empty_.size());
    const uint32_t blocks = uint32_t(block_count_.size());
    const int need = params_.min_to_be_happy + 1;
    const size_t gs = grid_size_;
    const uint64_t seed = seed_;
    // Raw pointers: stores through uint8_t* may alias anything, so member
    // vectors would be reloaded after every happy-flag store.
    uint32_t* const agent = agent_.data();
    uint8_t* const happy = happy_.data();
    const uint8_t* const count = count_.data();
    uint64_t* const proposal = proposal_.data();
    uint32_t* const block_count = block_count_.data();
    std::atomic<uint64_t>* const claim = claim_.get();
    // Draws agent a's target slot and priority and claims the slot; returns
    // the proposal (a << 32 | slot).
    auto propose = [=](uint32_t a) {
        CounterRng rng(seed, Stream::Bench, tick, a);
        const uint32_t k = rng.below(n_empty);
        const uint64_t key = uint64_t(uint32_t(rng.next_u64())) << 32 | a;
        uint64_t cur = claim[k].load(std::memory_order_relaxed);
        while (key < cur && !claim[k].compare_exchange_weak(cur, key, std::memory_order_relaxed)) {
        }
        return uint64_t(a) << 32 | k;
    };

    // Decide, from the counts at the start of the step, in fixed blocks of
    // agents. Each unhappy agent draws a slot of empty_ and a priority from its
    // own counter (tick, id) and appends (id, slot) to its block's list; a cell
    // goes to the smallest key = priority << 32 | id, an atomic minimum, which
    // does not depend on the order in which threads arrive.
    oneapi::tbb::parallel_for(Blocks(0, blocks, 1), [=](const Blocks& r) {
        for (uint32_t b = r.begin(); b != r.end(); ++b) {
            const uint32_t begin = b * kBlock, end = std::min(agents, begin + kBlock);
            uint64_t* const out = proposal + size_t(begin);
            // Pass 1, branch-free: happy flags, and the ids of the unhappy
            // appended to the block's list. With the Philox code out of this
            // loop its counters stay in registers: one step 0.68 -> 0.64 ms on
            // 1 thread (median of 8 alternating runs, 2026-11-28). What is left
            // is mostly the latency of the random count and claim reads
            // (perf); prefetching the count byte 16 agents ahead did not help.
            uint32_t n = 0;
            for (uint32_t a = begin; a != end; ++a) {
                const uint32_t s = agent[a];
                const bool h = count[(s >> 1) + (gs & (size_t(0) - (s & 1)))] >= need;
                happy[a] = uint8_t(h);
                out[n] = a;
                n += uint32_t(!h);
            }
            // Pass 2: a target slot and a claim for each unhappy agent.
            for (uint32_t i = 0; i < n; ++i)
                out[i] = propose(uint32_t(out[i]));
            block_count[b] = n;
        }
    });
    uint64_t unhappy = 0;
    for (uint32_t b = 0; b < blocks; ++b)
        unhappy += block_count[b];
    if (unhappy == 0)
        return false;
    unhappy_ += unhappy;

    // Apply: each winner owns its slot k and its two cells, so writes never
    // collide. The winner resets the claim; a loser reading before or after
    // the reset sees a key that is not its own either way. Only the proposal
    // lists are read, not all agents.
    uint32_t* const empty = empty_.data();
    uint8_t* const occ = occ_.data();
    const uint64_t moves = oneapi::tbb::parallel_reduce(
        Blocks(0, blocks, 1), uint64_t(0),
        [=](const Blocks& r, uint64_t acc) {
            for (uint32_t b = r.begin(); b != r.end(); ++b) {
                const uint64_t* const in = proposal + size_t(b) * kBlock;
                for (uint32_t i = 0; i < block_count[b]; ++i) {
                    const uint32_t a = uint32_t(in[i] >> 32), k = uint32_t(in[i]);
                    if (uint32_t(claim[k].load(std::memory_order_relaxed)) != a)
                        continue;
                    claim[k].store(kNoClaim, std::memory_order_relaxed);
                    const uint32_t s = agent[a], c = s >> 1, nc = empty[k];
                    empty[k] = c;
                    occ[c] = 0;
                    occ[nc] = kOcc[s & 1];
                    agent[a] = nc << 1 | (s & 1);
                    ++acc;
                }
            }
            return acc;
        },
        std::plus<uint64_t>());
    moves_ += moves;
    with_radius(params_.radius, [&](auto r) { recount_from_occupancy<r()>(); });
    return true;
}

// [SECTION] Inspection and metrics

uint32_t SchellingBench::unpadded(uint32_t pcell) const {
    return (pcell / pw_ - pad_) * uint32_t(params_.width) + pcell % pw_ - pad_;
}

uint32_t SchellingBench::agent_cell(uint32_t a) const {
    return unpadded(agent_[a] >> 1);
}

int SchellingBench::same_neighbours(uint32_t a) const {
    const uint32_t s = agent_[a];
    return int(count_[(s & 1) * grid_size_ + (s >> 1)]) - 1;
}

int SchellingBench::all_neighbours(uint32_t a) const {
    const uint32_t c = agent_[a] >> 1;
    return int(count_[c]) + int(count_[grid_size_ + c]) - 1;
}

std::vector<uint32_t> SchellingBench::empty_cells() const {
    std::vector<uint32_t> out;
    out.reserve(empty_.size());
    for (const uint32_t p : empty_)
        out.push_back(unpadded(p));
    return out;
}

double SchellingBench::percent_similar() const {
    uint64_t same = 0, all = 0;
    for (uint32_t a = 0; a < agent_count(); ++a) {
        same += uint64_t(same_neighbours(a));
        all += uint64_t(all_neighbours(a));
    }
    return all == 0 ? kMissing : 100.0 * double(same) / double(all);
}

double SchellingBench::percent_happy() const {
    uint64_t happy = 0;
    for (uint32_t a = 0; a < agent_count(); ++a)
        happy += same_neighbours(a) >= params_.min_to_be_happy;
    return 100.0 * double(happy) / double(agent_count());
}

MetricValues SchellingBench::metrics() const {
    return {{"percent_similar", percent_similar()},
            {"ticks", double(ticks_)},
            {"percent_happy", percent_happy()},
            {"moves", double(moves_)}};
}

MetricValues run_schelling_bench(const SchellingBenchParams& params, uint64_t seed) {
    SchellingBench model(params, seed);
    for (int t = 0; t < params.steps; ++t)
        if (!model.step())
            break;
    return model.metrics();
}

ClassicModel schelling_bench_model() {
    ClassicModel m;
    m.name = "schelling-bench";
    m.description = "Schelling segregation as the cross-framework ABM benchmark runs it "
                    "(JuliaDynamics/ABMFrameworksComparison)";
    m.params = describe(schelling_bench_fields());
    m.prepare = [](const ParamValues& values) -> std::function<MetricValues(uint64_t)> {
        const SchellingBenchParams p = make_schelling_bench_params(values);
        return [p](uint64_t seed) { return run_schelling_bench(p, seed); };
    };
    return m;
}

} // namespace icsim
