// The city's mechanisms by name. A scenario lists which run and in what
// order; the registry turns each name and its parameter overrides into a
// ready Mechanism. Adding a mechanism = its file (with its Field table and
// a `<name>_mechanism()` entry) + one line in registry.cpp -- the pattern of
// the classic models (models/classic/classic.hpp).
#pragma once

#include <functional>
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
    // Validates the overrides (throws ParamError naming "<name>.<key>") and
    // builds the mechanism.
    std::function<std::unique_ptr<Mechanism>(const ParamValues& overrides, const World& world)> make;
};

// An entry from a mechanism's Field table and factory.
template <class P>
MechanismEntry make_mechanism_entry(std::string name, std::string description,
                                    const std::vector<Field<P>>& (*fields)(),
                                    std::unique_ptr<Mechanism> (*make)(const P&, const World&)) {
    MechanismEntry e;
    e.name = std::move(name);
    e.description = std::move(description);
    e.params = describe(fields());
    e.make = [prefix = e.name + ".", fields, make](const ParamValues& values, const World& world) {
        return make(make_params(fields(), values, prefix), world);
    };
    return e;
}

// Registered mechanisms (models/registry.cpp), in their default order.
const std::vector<MechanismEntry>& mechanism_registry();
const MechanismEntry* find_mechanism(const std::string& name);

} // namespace icsim
