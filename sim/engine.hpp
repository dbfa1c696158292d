// The engine: a world and the mechanisms to run on it, in the order the
// configuration lists them. The engine owns the step loop; mechanisms own
// nothing but their parameters and scratch space.
#pragma once

#include <memory>
#include <utility>
#include <vector>

#include "sim/mechanism.hpp"

namespace icsim {

class Engine {
public:
    // `start_step` > 0 resumes a run whose state after that step is `world`
    // (a checkpoint): the next step() computes step start_step + 1. Since
    // random draws are pure functions of (seed, step, ...) and mechanisms
    // keep no state across steps (what they carry in their products from
    // one step to the next, such as the culture counts, they recompute when
    // it is missing), this continues the run bit for bit.
    Engine(World world, std::vector<std::unique_ptr<Mechanism>> mechanisms, uint64_t seed,
           PolicySchedule policy = {}, uint32_t start_step = 0);

    void step();
    uint32_t steps_done() const { return step_; }
    uint64_t seed() const { return seed_; }
    const World& world() const { return world_; }
    const PolicySchedule& policy() const { return policy_; }
    // Replaces the schedule between steps (a live lever change): the next
    // step() reads the new one. Mechanisms keep nothing from the schedule
    // across steps, so this is all a change needs.
    void set_policy(PolicySchedule policy) { policy_ = std::move(policy); }
    Counters counters() const;
    // The mechanisms in step order (the writer asks them for their series).
    const MechanismList& mechanisms() const { return mechanisms_; }
    // Wall-clock seconds each mechanism has spent in step() so far, in
    // mechanism order, with its registered name (for `icsim run --profile`).
    const std::vector<double>& mechanism_seconds() const { return seconds_; }

private:
    World world_;
    MechanismList mechanisms_;
    uint64_t seed_;
    PolicySchedule policy_;
    uint32_t step_ = 0;
    std::vector<double> seconds_;
};

} // namespace icsim
