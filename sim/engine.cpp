#include "sim/engine.hpp"

namespace icsim {

Engine::Engine(World world, std::vector<std::unique_ptr<Mechanism>> mechanisms, uint64_t seed,
               PolicySchedule policy, uint32_t start_step)
    : world_(std::move(world)), mechanisms_(std::move(mechanisms)), seed_(seed), policy_(std::move(policy)),
      step_(start_step) {}

void Engine::step() {
    ++step_;
    const StepContext ctx{seed_, step_, &policy_};
    for (auto& m : mechanisms_)
        m->step(world_, ctx);
}

Counters Engine::counters() const {
    Counters out;
    for (const auto& m : mechanisms_)
        m->counters(out);
    return out;
}

} // namespace icsim
