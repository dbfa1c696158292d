#include "models/registry.hpp"

#include "models/attitudes.hpp"
#include "models/culture.hpp"
#include "models/encounters.hpp"
#include "models/friendship.hpp"
#include "models/residential_mobility.hpp"
#include "models/rumours.hpp"

namespace icsim {

namespace {

// Each mechanism's scenario name, by its Params type.
template <class P>
const char* entry_name();
template <>
const char* entry_name<ResidentialMobilityParams>() {
    return "residential_mobility";
}
template <>
const char* entry_name<EncountersParams>() {
    return "encounters";
}
template <>
const char* entry_name<FriendshipParams>() {
    return "friendship";
}
template <>
const char* entry_name<AttitudesParams>() {
    return "attitudes";
}
template <>
const char* entry_name<CultureParams>() {
    return "culture";
}
template <>
const char* entry_name<RumoursParams>() {
    return "rumours";
}

// One registry entry from a mechanism's field table and factory (both
// functions without state, so the entry's plain function pointers can
// call them).
template <class P, const std::vector<Field<P>>& (*Fields)(),
          std::unique_ptr<Mechanism> (*Make)(const P&, const World&)>
MechanismEntry entry(const char* description) {
    return {entry_name<P>(), description, describe(Fields()),
            [](const ParamValues& v, const World& w) {
                return Make(make_params(Fields(), v, std::string(entry_name<P>()) + "."), w);
            },
            [](const ParamValues& v) { (void)make_params(Fields(), v, std::string(entry_name<P>()) + "."); }};
}

} // namespace

const std::vector<MechanismEntry>& mechanism_registry() {
    static const std::vector<MechanismEntry> entries = {
        entry<ResidentialMobilityParams, residential_mobility_fields, make_residential_mobility>(
            "multi-group Schelling relocation among vacant dwellings (Schelling 1971)"),
        entry<EncountersParams, encounters_fields, make_encounters>(
            "daily visits to workplaces, schools, public spaces and centres; meetings there, "
            "positive or negative by Allport's conditions (Pettigrew & Tropp 2006)"),
        entry<FriendshipParams, friendship_fields, make_friendship>(
            "ties from repeated pleasant meetings, friends' meetings, decay without contact"),
        entry<AttitudesParams, attitudes_fields, make_attitudes>(
            "prejudice after positive and negative contact, buffering, extended contact and "
            "bounded confidence among friends"),
        entry<CultureParams, culture_fields, make_culture>(
            "Axelrod cultural exchange in meetings; Berry's acculturation modes"),
        entry<RumoursParams, rumours_fields, make_rumours>(
            "rumours about groups spreading in meetings (Daley-Kendall), anti-rumour agents and "
            "campaigns"),
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
