// The city's mechanisms by name. A scenario lists which run and in what
// order; the registry turns each name and its parameter overrides into a
// ready Mechanism. Adding a mechanism = one file + one line in registry.cpp.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "sim/mechanism.hpp"
#include "sim/params.hpp"

namespace icsim {

struct MechanismEntry {
    std::string name;
    std::string description;
    std::vector<ParamInfo> params;
    // Validates the overrides (throws ParamError naming "<name>.<key>").
    std::unique_ptr<Mechanism> (*make)(const ParamValues& overrides, const World& world);
    // Validates the overrides without building anything (throws ParamError).
    void (*check)(const ParamValues& overrides);
};

const std::vector<MechanismEntry>& mechanism_registry();
const MechanismEntry* find_mechanism(const std::string& name);

} // namespace icsim
