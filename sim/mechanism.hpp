// The mechanism interface: a mechanism is built once from its parameters and
// the initial world, then stepped. It owns no thread pool, RNG or output.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "sim/policy.hpp"
#include "sim/world.hpp"

namespace icsim {

struct StepContext {
    uint64_t seed = 0;
    uint32_t step = 0;                      // the step being computed, 1-based (step 0 is the initial state)
    const PolicySchedule* policy = nullptr; // lever intensities in force (never null inside Engine)
};

// Named per-step figures a mechanism reports (e.g. "moves").
using Counters = std::vector<std::pair<std::string, double>>;

class Mechanism {
public:
    virtual ~Mechanism() = default;
    virtual void step(World& world, const StepContext& ctx) = 0;
    // Figures from the last step, appended to `out`.
    virtual void counters(Counters& out) const { (void)out; }
};

} // namespace icsim
