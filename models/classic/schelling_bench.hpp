// schelling-bench: the cross-framework Schelling benchmark
// (JuliaDynamics/ABMFrameworksComparison; docs/classic/schelling-bench.md) as a
// classic model. The state type is public so that bench/ can time steps apart
// from construction and tests/ can inspect positions and neighbour counts.
// Rules, parameters and the figures measured: docs/classic/schelling-bench.md.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "models/classic/classic.hpp"
#include "sim/params.hpp"

namespace icsim {

struct SchellingBenchParams {
    int width = 100;         // X: side of the X by X grid, cells (finite, not periodic)
    int agents = 8000;       // K: agents, floor(K/2) in group 0 and the rest in group 1
    int radius = 2;          // r: Chebyshev radius of the neighbourhood, cells
    int min_to_be_happy = 8; // an agent with fewer same-group neighbours moves
    int steps = 20;          // steps to run at most (stops early once everyone is happy)
    int rule = 0;            // 0 = sequential random order (the benchmark's), 1 = synchronous parallel
};

std::vector<Field<SchellingBenchParams>> schelling_bench_fields();

// make_params plus the checks that involve two fields (agents < width^2).
// Throws ParamError.
SchellingBenchParams make_schelling_bench_params(const ParamValues& values);

// One replicate: construction, then up to `steps` steps. The figures, in
// order: percent_similar, ticks, percent_happy, moves.
MetricValues run_schelling_bench(const SchellingBenchParams& params, uint64_t seed);

// The model state. Agents are explicit entities: id = index, a cell, a group
// and a happy flag. Not copyable (the synchronous rule owns atomics).
class SchellingBench {
public:
    // Construction: K agents placed at uniformly random distinct cells.
    // `params` must be valid (make_schelling_bench_params).
    SchellingBench(const SchellingBenchParams& params, uint64_t seed);

    // Runs one step unless every agent is already happy; returns whether a
    // step ran (a step that does not run changes nothing). The synchronous
    // rule runs on the calling thread's TBB arena; its result does not
    // depend on the number of threads.
    bool step();
    // Every agent has at least min_to_be_happy same-group neighbours.
    bool all_happy() const;

    uint32_t ticks() const { return ticks_; } // steps that ran
    uint64_t moves() const { return moves_; } // moves over all steps
    // Activations that found the agent unhappy (= moves under rule 0; under
    // rule 1 also the proposals that lost a conflict). For cost estimates.
    uint64_t unhappy_activations() const { return unhappy_; }
    double percent_similar() const; // 100 x sum same / sum all neighbours
    double percent_happy() const;   // 100 x share of agents happy now
    MetricValues metrics() const;

    // Inspection (tests). Cells are numbered y * width + x, 0-based.
    const SchellingBenchParams& params() const { return params_; }
    uint32_t agent_count() const { return uint32_t(agent_.size()); }
    uint32_t agent_cell(uint32_t a) const;
    int agent_group(uint32_t a) const { return int(agent_[a] & 1u); }
    bool agent_happy_flag(uint32_t a) const { return happy_[a] != 0; } // as of its last activation
    // Neighbours from the maintained count grids (the agent itself excluded).
    int same_neighbours(uint32_t a) const;
    int all_neighbours(uint32_t a) const;
    std::vector<uint32_t> empty_cells() const;

private:
    template <int R>
    void step_sequential();
    template <int R>
    void add_all_windows();
    bool step_synchronous();
    template <int R>
    void recount_from_occupancy();
    uint32_t unpadded(uint32_t pcell) const;

    SchellingBenchParams params_;
    uint64_t seed_;
    uint32_t pad_, pw_;  // padding (= radius) and padded width
    size_t grid_size_;   // pw_^2 + slack for 8-byte row updates
    uint32_t ticks_ = 0; // steps run so far; the RNG step counter is ticks_ + 1
    uint64_t moves_ = 0;
    uint64_t unhappy_ = 0;

    std::vector<uint32_t> agent_; // per agent: padded cell << 1 | group
    std::vector<uint8_t> happy_;  // per agent: happy at its last activation
    std::vector<uint32_t> empty_; // padded cells with no agent, in no particular order
    std::vector<uint8_t> count_;  // two grids of grid_size_: agents of group g in the window around a cell
    std::vector<uint32_t> order_; // sequential rule: activation order

    // Synchronous rule only.
    std::vector<uint8_t> occ_;          // per padded cell: 0 empty, 0x01 group 0, 0x10 group 1
    std::vector<uint8_t> hsum_;         // horizontal window sums of occ_ (recount scratch)
    std::vector<uint64_t> proposal_;    // per block of agents: (id << 32 | slot of empty_) of the unhappy
    std::vector<uint32_t> block_count_; // proposals per block
    std::unique_ptr<std::atomic<uint64_t>[]> claim_; // per slot of empty_: min (priority << 32 | agent)
};

} // namespace icsim
