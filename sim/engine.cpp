#include "sim/engine.hpp"

#include <chrono>

namespace icsim {

Engine::Engine(World world, std::vector<std::unique_ptr<Mechanism>> mechanisms, uint64_t seed,
               PolicySchedule policy, uint32_t start_step)
    : world_(std::move(world)), mechanisms_(std::move(mechanisms)), seed_(seed), policy_(std::move(policy)),
      step_(start_step) {
    // What the mechanisms publish is this engine's alone (a copied world's
    // housing market, say, is another engine's).
    world_.products.clear();
    for (const auto& m : mechanisms_)
        m->publish(world_, seed_);
    seconds_.assign(mechanisms_.size(), 0.0);
}

void Engine::step() {
    ++step_;
    const StepContext ctx{seed_, step_, &policy_};
    for (const auto& m : mechanisms_)
        m->deliver(world_, ctx, policy_);
    for (size_t k = 0; k < mechanisms_.size(); ++k) {
        const auto t0 = std::chrono::steady_clock::now();
        mechanisms_[k]->step(world_, ctx);
        seconds_[k] += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    }
}

Counters Engine::counters() const {
    Counters out;
    for (const auto& m : mechanisms_)
        m->counters(out);
    return out;
}

} // namespace icsim
