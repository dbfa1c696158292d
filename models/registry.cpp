#include "models/registry.hpp"

#include "models/residential_mobility.hpp"

namespace icsim {

const std::vector<MechanismEntry>& mechanism_registry() {
    static const std::vector<MechanismEntry> entries = {
        {"residential_mobility", "multi-group Schelling relocation among vacant dwellings (Schelling 1971)",
         describe(residential_mobility_fields()),
         [](const ParamValues& v, const World& w) {
             return make_residential_mobility(
                 make_params(residential_mobility_fields(), v, "residential_mobility."), w);
         },
         [](const ParamValues& v) {
             (void)make_params(residential_mobility_fields(), v, "residential_mobility.");
         }},
    };
    return entries;
}

const MechanismEntry* find_mechanism(const std::string& name) {
    for (const auto& e : mechanism_registry())
        if (e.name == name)
            return &e;
    return nullptr;
}

} // namespace icsim
