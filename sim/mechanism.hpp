// The mechanism interface: a mechanism is built once from its parameters and
// the initial world, then stepped. It owns no thread pool, RNG or output.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
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

// Named per-step figures a mechanism reports: flows, events in the step
// (e.g. "moves"), which the run summary totals. Stocks (how many residents
// hold some state) are metrics, computed from the state (output/report.hpp).
using Counters = std::vector<std::pair<std::string, double>>;

class Mechanism {
public:
    virtual ~Mechanism() = default;
    // Sets up the mechanism's part of the initial state (step 0) of a new
    // run, e.g. initial cultural traits; draws only from the counter RNG
    // (stream SocialSetup, with its own "step" numbers as docs/rng.md lists). Not called when a run restarts from a checkpoint, which
    // holds that state already.
    virtual void initialise(World& world, uint64_t seed) {
        (void)world;
        (void)seed;
    }
    // Publishes what the other mechanisms and the metrics read of this one
    // (World::products, sim/products.hpp: its products, declared in its header).
    // Called when the engine is built, for a new run and a restart alike.
    virtual void publish(World& world, uint64_t seed) const {
        (void)world;
        (void)seed;
    }
    // Before any mechanism's step(): the one place where the state of the
    // city may change the lever values in force, by setting the delivered
    // shares of the policies (PolicySchedule::set_delivered; the
    // organisations mechanism does, from its partners' capacity and budget).
    // Like step(), it may keep nothing across steps but what it reports.
    virtual void deliver(const World& world, const StepContext& ctx, PolicySchedule& policy) {
        (void)world;
        (void)ctx;
        (void)policy;
    }
    virtual void step(World& world, const StepContext& ctx) = 0;
    // Figures from the last step, appended to `out`.
    virtual void counters(Counters& out) const { (void)out; }
    // The rows of the series the mechanism declares (MechanismEntry::series)
    // for the state after the last step (or the initial state): one row per
    // series, in declaration order, appended to `rows`; a row holds one
    // value for a per-step series, one per group, lever or neighbourhood
    // otherwise (NaN where a figure is undefined).
    virtual void report(const World& world, std::vector<std::vector<double>>& rows) const {
        (void)world;
        (void)rows;
    }

    // Bytes of scratch space the mechanism holds between steps (buffers it
    // keeps to reuse, sized by the population or the city), for the memory
    // breakdown of `icsim bench city-1m --json`; 0 when it keeps none.
    virtual size_t scratch_bytes() const { return 0; }

    // The name the mechanism is registered under (set by the registry's
    // factory; "" for one built by hand, e.g. in a test).
    std::string registered_name;
};

// The bytes a vector-like buffer holds (its capacity), for scratch_bytes().
template <class V>
size_t held_bytes(const V& v) {
    return v.capacity() * sizeof(typename V::value_type);
}

using MechanismList = std::vector<std::unique_ptr<Mechanism>>;

} // namespace icsim
