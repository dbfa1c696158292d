// A scenario: everything a run needs, as plain validated config structs (the
// description). The engine is built from it and keeps its own copy.
// For now the built-in default city is the only scenario; TOML files with
// the same content come with the scenario-file work.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sim/engine.hpp"
#include "sim/params.hpp"
#include "sim/world.hpp"

namespace icsim {

struct MechanismConfig {
    std::string name;
    ParamValues params;  // overrides of the mechanism's defaults
};

struct ScenarioConfig {
    std::string name;
    uint32_t steps = 260;  // one step = one week
    uint64_t seed = 1;
    CityConfig city;
    std::vector<MechanismConfig> mechanisms;  // run in this order each step
};

// The built-in default city with `--set` overrides applied. Keys:
// city.<field>, groups.<group>.share|tolerance, <mechanism>.<param>.
// Throws ParamError (unknown key with a suggestion, or a value out of range).
ScenarioConfig default_city(const ParamValues& overrides = {});

// Every key default_city accepts, with its default, range and meaning.
std::vector<ParamInfo> default_city_parameters();

// Builds the initial world and the mechanisms. Throws ParamError or
// std::invalid_argument for a config that cannot run.
Engine build_engine(const ScenarioConfig& scenario);

}  // namespace icsim
