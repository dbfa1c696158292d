// NetLogo's Segregation model (Wilensky 1997), rebuilt exactly: the internal
// pieces, exposed for tests/models/test_schelling_netlogo.cpp. The model and
// its rules are described in models/classic/schelling_netlogo.cpp and
// docs/classic/schelling-netlogo.md.
#pragma once

#include <cstdint>
#include <vector>

#include "models/classic/classic.hpp"
#include "sim/params.hpp"
#include "sim/rng.hpp"

namespace icsim::schelling_netlogo {

// NetLogo's world: pxcor and pycor in [-25, 25], wrapping in both directions.
constexpr int kMaxPxcor = 25;
constexpr int kWorldSize = 2 * kMaxPxcor + 1; // 51
constexpr int kPatches = kWorldSize * kWorldSize;

struct Params {
    int density = 95;           // % chance that a patch gets an agent at setup
    double similar_wanted = 30; // % of occupied neighbour patches that must hold my colour
    int max_ticks = 1000;       // safety stop: NetLogo's `go` forever has none
};
const std::vector<Field<Params>>& fields();

// NetLogo's Topology.wrap of a continuous coordinate into [-25.5, 25.5).
double wrap_coordinate(double v);
// The patch coordinate (pxcor or pycor) holding a continuous coordinate:
// wrap, then round half up (NetLogo's World.roundX), giving [-25, 25].
int patch_coordinate(double v);
int patch_index(int pxcor, int pycor);

struct Point {
    double x = 0, y = 0;
};
// `fd distance` at `heading` degrees (0 = north, clockwise: dx = sin, dy = cos),
// wrapped on the torus.
Point move_forward(Point p, double heading, double distance);

// NetLogo: similar-nearby >= (%-similar-wanted * total-nearby / 100), in
// NetLogo's double arithmetic and evaluation order.
bool is_happy(int similar, int total, double similar_wanted);

// Run state, structure of arrays indexed by agent id (NetLogo's `who`).
struct World {
    std::vector<int32_t> occupant = std::vector<int32_t>(kPatches, -1); // agent id per patch, -1 = empty
    std::vector<int8_t> pxcor, pycor; // the patch each agent stands on (always its centre when settled)
    std::vector<uint8_t> colour;      // 0 or 1
    std::vector<uint8_t> similar, total, happy; // as last computed by update_turtles
    size_t agents() const { return colour.size(); }
};

// Adds an agent at a patch centre (the patch must be empty); returns its id.
int32_t add_agent(World& world, int pxcor, int pycor, uint8_t colour);
// NetLogo's setup: `ask patches [if random 100 < density [sprout 1 [set color
// one-of [red green]]]]`, then update-turtles.
World setup(const Params& params, uint64_t seed);
// NetLogo's update-turtles: similar, total and happy for every agent.
void update_turtles(World& world, double similar_wanted);
// NetLogo's find-new-spot for one agent; returns the number of (turn, jump)
// attempts used. Throws std::runtime_error after kMaxAttempts (never expected:
// the mover's own former patch is always free to it, so the walk ends with
// probability 1).
constexpr uint64_t kMaxAttempts = 100'000'000;
uint64_t find_new_spot(World& world, int32_t agent, CounterRng& rng);
// One `go`: false (and nothing moves) when every agent is happy; otherwise
// moves the unhappy agents, recomputes happiness and returns true.
bool go(World& world, const Params& params, uint64_t seed, uint32_t tick);
// Runs `go` until it stops or max_ticks have run; returns the tick count.
uint32_t run_to_end(World& world, const Params& params, uint64_t seed);

double percent_similar(const World& world); // 100 * sum similar / sum total
double percent_unhappy(const World& world);

// One replicate: percent_similar, ticks, percent_unhappy, agents.
MetricValues run(const Params& params, uint64_t seed);

} // namespace icsim::schelling_netlogo

namespace icsim {
ClassicModel schelling_netlogo_model();
} // namespace icsim
