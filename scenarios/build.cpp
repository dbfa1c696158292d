#include "models/registry.hpp"
#include "scenarios/scenario.hpp"

namespace icsim {

namespace {

// A fresh run (step 0) lets every mechanism set up its initial state, in
// the configured order; a restart takes the state from the checkpoint.
Engine assemble(const ScenarioConfig& scenario, World world, uint32_t step) {
    std::vector<std::unique_ptr<Mechanism>> mechanisms;
    for (const auto& mc : scenario.mechanisms) {
        const MechanismEntry* m = find_mechanism(mc.name);
        if (m == nullptr)
            throw ParamError("mechanisms.order: unknown mechanism '" + mc.name + "'");
        mechanisms.push_back(m->make(mc.params, world));
    }
    if (step == 0) {
        for (auto& m : mechanisms)
            m->initialise(world, scenario.seed);
        arrange_residents(world); // ids for memory locality (sim/world.hpp)
    }
    PolicySchedule policy(scenario.policies, baseline_from_icc(scenario.icc_scores));
    return Engine(std::move(world), std::move(mechanisms), scenario.seed, std::move(policy), step);
}

} // namespace

Engine build_engine(const ScenarioConfig& scenario) {
    return assemble(scenario, build_world(scenario.city, scenario.seed), 0);
}

Engine build_engine(const ScenarioConfig& scenario, Population population, uint32_t step) {
    World world = build_world(scenario.city, scenario.seed);
    restore_population(world, std::move(population));
    return assemble(scenario, std::move(world), step);
}

} // namespace icsim
