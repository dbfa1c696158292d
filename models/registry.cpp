// The city's mechanisms, one line each, in their default order.
#include "models/registry.hpp"

#include <atomic>
#include <stdexcept>

namespace icsim {

MechanismEntry residential_mobility_mechanism(); // models/residential_mobility.cpp
MechanismEntry encounters_mechanism();           // models/encounters.cpp
MechanismEntry friendship_mechanism();           // models/friendship.cpp
MechanismEntry attitudes_mechanism();            // models/attitudes.cpp
MechanismEntry culture_mechanism();              // models/culture.cpp
MechanismEntry rumours_mechanism();              // models/rumours.cpp
MechanismEntry labour_market_mechanism();        // models/labour_market.cpp
MechanismEntry language_learning_mechanism();    // models/language_learning.cpp
MechanismEntry welcoming_mechanism();            // models/welcoming.cpp
MechanismEntry belonging_mechanism();            // models/belonging.cpp
MechanismEntry migration_mechanism();            // models/migration.cpp
MechanismEntry participation_mechanism();        // models/participation.cpp
MechanismEntry trust_mechanism();                // models/trust.cpp
MechanismEntry organisations_mechanism();        // models/organisations.cpp
MechanismEntry diversity_advantage_mechanism();  // models/diversity_advantage.cpp
MechanismEntry pillars_mechanism();              // models/pillars.cpp (last: reads the others' rows)

namespace {

std::deque<MechanismEntry>& entries() {
    static std::deque<MechanismEntry> e = [] {
        std::deque<MechanismEntry> built_in = {
            residential_mobility_mechanism(),
            encounters_mechanism(),
            friendship_mechanism(),
            attitudes_mechanism(),
            culture_mechanism(),
            rumours_mechanism(),
            labour_market_mechanism(),
            language_learning_mechanism(),
            welcoming_mechanism(),
            belonging_mechanism(),
            migration_mechanism(),
            participation_mechanism(),
            trust_mechanism(),
            organisations_mechanism(),
            diversity_advantage_mechanism(),
            pillars_mechanism(),
        };
        for (const auto& m : built_in)
            for (const auto& c : m.columns)
                declare_column(c);
        return built_in;
    }();
    return e;
}

// The built-in mechanisms' columns are declared before main, so that every
// Population (sim/world.hpp) holds them from its construction.
[[maybe_unused]] const bool kDeclaredAtStart = (entries(), true);

} // namespace

const std::deque<MechanismEntry>& mechanism_registry() {
    return entries();
}

namespace {
std::atomic<uint64_t> generation{0};
} // namespace

uint64_t registry_generation() {
    return generation.load();
}

void register_mechanism(MechanismEntry entry) {
    if (find_mechanism(entry.name) != nullptr)
        throw std::logic_error("a mechanism named " + entry.name + " is registered already");
    for (const auto& c : entry.columns)
        declare_column(c);
    entries().push_back(std::move(entry));
    ++generation;
}

ScopedMechanism::ScopedMechanism(MechanismEntry entry)
    : name_(entry.name), columns_before_(declared_columns().size()) {
    register_mechanism(std::move(entry));
}

ScopedMechanism::~ScopedMechanism() {
    auto& e = entries();
    if (!e.empty() && e.back().name == name_)
        e.pop_back();
    undeclare_columns_from(columns_before_);
    ++generation;
}

const MechanismEntry* find_mechanism(const std::string& name) {
    for (const auto& e : mechanism_registry())
        if (e.name == name)
            return &e;
    return nullptr;
}

} // namespace icsim
