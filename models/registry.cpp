// The city's mechanisms, one line each, in their default order.
#include "models/registry.hpp"

namespace icsim {

MechanismEntry residential_mobility_mechanism(); // models/residential_mobility.cpp
MechanismEntry encounters_mechanism();           // models/encounters.cpp
MechanismEntry friendship_mechanism();           // models/friendship.cpp
MechanismEntry attitudes_mechanism();            // models/attitudes.cpp
MechanismEntry culture_mechanism();              // models/culture.cpp
MechanismEntry rumours_mechanism();              // models/rumours.cpp

const std::vector<MechanismEntry>& mechanism_registry() {
    static const std::vector<MechanismEntry> entries = {
        residential_mobility_mechanism(),
        encounters_mechanism(),
        friendship_mechanism(),
        attitudes_mechanism(),
        culture_mechanism(),
        rumours_mechanism(),
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
