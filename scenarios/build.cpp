#include "models/registry.hpp"
#include "scenarios/scenario.hpp"

namespace icsim {

Engine build_engine(const ScenarioConfig& scenario) {
    World world = build_world(scenario.city, scenario.seed);
    std::vector<std::unique_ptr<Mechanism>> mechanisms;
    for (const auto& mc : scenario.mechanisms) {
        const MechanismEntry* m = find_mechanism(mc.name);
        if (m == nullptr)
            throw ParamError("mechanisms.order: unknown mechanism '" + mc.name + "'");
        mechanisms.push_back(m->make(mc.params, world));
    }
    PolicySchedule policy(scenario.policies, baseline_from_icc(scenario.icc_scores));
    return Engine(std::move(world), std::move(mechanisms), scenario.seed, std::move(policy));
}

} // namespace icsim
