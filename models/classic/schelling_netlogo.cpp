// NetLogo's Segregation model, rebuilt exactly.
//
// Source: Wilensky, U. (1997). NetLogo Segregation model. Center for Connected
// Learning and Computer-Based Modeling, Northwestern University. Code read from
// "Sample Models/Social Science/Segregation.nlogo" (github.com/NetLogo/models).
// Full rules, published figure and measured result: docs/classic/schelling-netlogo.md.
//
// Rules (NetLogo procedure names in brackets):
//   world   51 x 51 patches, pxcor/pycor in [-25, 25], wrapping both ways.
//   setup   each patch, independently: `random 100 < density` -> one agent at
//           its centre, colour `one-of [red green]`. Then [update-turtles].
//   update-turtles  similar / total = agents of my colour / all agents on the
//           8 Moore neighbour patches; happy <=> similar >= similar_wanted *
//           total / 100 (no neighbours: 0 >= 0, happy).
//   go      stop if every agent is happy. Otherwise the agents unhappy now
//           (the set is fixed here) act one at a time in random order
//           [find-new-spot]: `rt random-float 360`, `fd random-float 10`
//           (continuous position, wrapped), repeated from where it stands while
//           its patch holds another agent; then `move-to patch-here` (the
//           centre). Its own former patch counts as free. Then update-turtles
//           and tick. `ticks` = number of go calls that moved agents.
//   percent_similar = 100 * (sum of similar) / (sum of total), final state
//   (kMissing when sum of total is 0, where NetLogo stops with division by
//   zero; impossible in practice for density >= 50).
//
// Parameters (fields() below): density 95 [50, 99] (NetLogo's slider range),
// similar_wanted 30 [0, 100], max_ticks 1000 (a safety stop NetLogo lacks).
//
// Not modelled: visualisation, plots. Two choices with the same distribution
// as NetLogo but not the same arithmetic: the heading is drawn afresh,
// h = random-float 360, where NetLogo turns by it (h_old + U*360 mod 360 is
// uniform for any h_old); `fd d` is one jump of d, where NetLogo moves in unit
// steps (the same end point on a torus up to rounding).
//
// Sequential by nature: each mover sees where the previous movers settled, so
// a tick runs on one thread; replicates run in parallel (run_classic).
//
// Random numbers (sim/rng.hpp, Stream::Classic, key = replicate seed, id 0):
//   step 0 (setup): for each patch in index order (pycor, then pxcor, both
//     ascending): below(100) < density; if so below(2) = colour.
//   step t (tick t = 1, 2, ...): Fisher-Yates shuffle of the unhappy agents
//     (ascending ids; for k = n..2 swap k-1 with below(k)); then, mover by
//     mover, per attempt: uniform() * 360 = heading, uniform() * 10 = distance.
// Same seed and parameters -> bit-identical output on any thread count.
#include "models/classic/schelling_netlogo.hpp"

#include <cmath>
#include <numbers>
#include <stdexcept>
#include <string>
#include <utility>

namespace icsim::schelling_netlogo {

const std::vector<Field<Params>>& fields() {
    static const std::vector<Field<Params>> table = {
        {"density", &Params::density, 50, 99, "%",
         "chance that a patch gets an agent at setup (NetLogo's slider range)"},
        {"similar_wanted", &Params::similar_wanted, 0, 100, "%",
         "share of occupied neighbour patches that must hold the agent's colour for it to stay"},
        {"max_ticks", &Params::max_ticks, 0, 1'000'000, "ticks",
         "stop after this many ticks even if some agents are still unhappy"},
    };
    return table;
}

double wrap_coordinate(double v) {
    // NetLogo's Topology.wrap(pos, min, max) with Java's % (= fmod).
    constexpr double lo = -kMaxPxcor - 0.5, hi = kMaxPxcor + 0.5;
    if (v >= hi)
        return lo + std::fmod(v - hi, hi - lo);
    if (v < lo) {
        const double r = hi - std::fmod(lo - v, hi - lo);
        return r < hi ? r : lo;
    }
    return v;
}

int patch_coordinate(double v) {
    // NetLogo's World.roundX: round half up, written without floor().
    const double x = wrap_coordinate(v);
    if (x > 0)
        return int(x + 0.5);
    const int int_part = int(x);
    const double fract_part = int_part - x;
    return fract_part > 0.5 ? int_part - 1 : int_part;
}

int patch_index(int pxcor, int pycor) {
    return (pycor + kMaxPxcor) * kWorldSize + (pxcor + kMaxPxcor);
}

Point move_forward(Point p, double heading, double distance) {
    const double rad = heading * (std::numbers::pi / 180.0);
    return {wrap_coordinate(p.x + distance * std::sin(rad)), wrap_coordinate(p.y + distance * std::cos(rad))};
}

bool is_happy(int similar, int total, double similar_wanted) {
    return double(similar) >= similar_wanted * double(total) / 100.0;
}

int32_t add_agent(World& world, int pxcor, int pycor, uint8_t colour) {
    int32_t& slot = world.occupant[size_t(patch_index(pxcor, pycor))];
    if (slot >= 0)
        throw std::logic_error("schelling-netlogo: add_agent on an occupied patch");
    slot = int32_t(world.agents());
    world.pxcor.push_back(int8_t(pxcor));
    world.pycor.push_back(int8_t(pycor));
    world.colour.push_back(colour);
    world.similar.push_back(0);
    world.total.push_back(0);
    world.happy.push_back(1);
    return slot;
}

World setup(const Params& params, uint64_t seed) {
    World world;
    CounterRng rng(seed, Stream::Classic, 0, 0);
    for (int pycor = -kMaxPxcor; pycor <= kMaxPxcor; ++pycor)
        for (int pxcor = -kMaxPxcor; pxcor <= kMaxPxcor; ++pxcor)
            if (int(rng.below(100)) < params.density)
                add_agent(world, pxcor, pycor, uint8_t(rng.below(2)));
    update_turtles(world, params.similar_wanted);
    return world;
}

static int wrap_patch(int c) {
    return c > kMaxPxcor ? c - kWorldSize : c < -kMaxPxcor ? c + kWorldSize : c;
}

void update_turtles(World& world, double similar_wanted) {
    for (size_t i = 0; i < world.agents(); ++i) {
        int similar = 0, total = 0;
        for (int dy = -1; dy <= 1; ++dy)
            for (int dx = -1; dx <= 1; ++dx) {
                if (dx == 0 && dy == 0)
                    continue;
                const int32_t other = world.occupant[size_t(
                    patch_index(wrap_patch(world.pxcor[i] + dx), wrap_patch(world.pycor[i] + dy)))];
                if (other >= 0) {
                    ++total;
                    similar += world.colour[size_t(other)] == world.colour[i];
                }
            }
        world.similar[i] = uint8_t(similar);
        world.total[i] = uint8_t(total);
        world.happy[i] = is_happy(similar, total, similar_wanted);
    }
}

uint64_t find_new_spot(World& world, int32_t agent, CounterRng& rng) {
    const size_t a = size_t(agent);
    world.occupant[size_t(patch_index(world.pxcor[a], world.pycor[a]))] = -1; // no longer "other" anywhere
    Point p{double(world.pxcor[a]), double(world.pycor[a])};
    for (uint64_t attempt = 1; attempt <= kMaxAttempts; ++attempt) {
        const double heading = rng.uniform() * 360.0; // rt random-float 360
        const double distance = rng.uniform() * 10.0; // fd random-float 10
        p = move_forward(p, heading, distance);
        const int px = patch_coordinate(p.x), py = patch_coordinate(p.y);
        int32_t& slot = world.occupant[size_t(patch_index(px, py))];
        if (slot < 0) { // no other turtles-here: move-to patch-here
            slot = agent;
            world.pxcor[a] = int8_t(px);
            world.pycor[a] = int8_t(py);
            return attempt;
        }
    }
    throw std::runtime_error("schelling-netlogo: an agent found no free patch after " +
                             std::to_string(kMaxAttempts) + " jumps");
}

bool go(World& world, const Params& params, uint64_t seed, uint32_t tick) {
    std::vector<int32_t> movers; // `turtles with [not happy?]`, fixed for the tick
    for (size_t i = 0; i < world.agents(); ++i)
        if (!world.happy[i])
            movers.push_back(int32_t(i));
    if (movers.empty())
        return false; // if all? turtles [happy?] [stop]
    CounterRng rng(seed, Stream::Classic, tick, 0);
    for (size_t k = movers.size(); k > 1; --k) // `ask` visits an agentset in random order
        std::swap(movers[k - 1], movers[rng.below(uint32_t(k))]);
    for (const int32_t agent : movers)
        find_new_spot(world, agent, rng);
    update_turtles(world, params.similar_wanted);
    return true;
}

uint32_t run_to_end(World& world, const Params& params, uint64_t seed) {
    uint32_t ticks = 0;
    while (ticks < uint32_t(params.max_ticks) && go(world, params, seed, ticks + 1))
        ++ticks;
    return ticks;
}

double percent_similar(const World& world) {
    uint64_t similar = 0, total = 0;
    for (size_t i = 0; i < world.agents(); ++i) {
        similar += world.similar[i];
        total += world.total[i];
    }
    if (total == 0)
        return kMissing;
    return (double(similar) / double(total)) * 100.0; // NetLogo's order of operations
}

double percent_unhappy(const World& world) {
    uint64_t unhappy = 0;
    for (const uint8_t h : world.happy)
        unhappy += h == 0;
    if (world.agents() == 0)
        return kMissing;
    return (double(unhappy) / double(world.agents())) * 100.0;
}

MetricValues run(const Params& params, uint64_t seed) {
    World world = setup(params, seed);
    const uint32_t ticks = run_to_end(world, params, seed);
    return {{"percent_similar", percent_similar(world)},
            {"ticks", double(ticks)},
            {"percent_unhappy", percent_unhappy(world)},
            {"agents", double(world.agents())}};
}

} // namespace icsim::schelling_netlogo

namespace icsim {

ClassicModel schelling_netlogo_model() {
    return make_classic_model<schelling_netlogo::Params>(
        "schelling-netlogo",
        "NetLogo Segregation model, exact replica (Wilensky 1997, NetLogo Models Library)",
        schelling_netlogo::fields, schelling_netlogo::run);
}

} // namespace icsim
