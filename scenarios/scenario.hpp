// A scenario: everything a run needs, as plain validated config structs (the
// description). The engine is built from it and keeps its own copy; nothing
// after construction reads TOML or looks anything up by name.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sim/engine.hpp"
#include "sim/params.hpp"
#include "sim/policy.hpp"
#include "sim/world.hpp"

namespace icsim {

struct MechanismConfig {
    std::string name;
    ParamValues params; // every parameter of the mechanism, resolved
};

struct OutputConfig {
    std::string file = "icsim-out.h5";
    uint32_t snapshot_every = 4;    // steps; 0 = none
    uint32_t checkpoint_every = 52; // steps; 0 = none
};

// Defaults are the scenario keys' defaults (scenarios/schema.cpp reads them
// here), so that a key left out and a struct left alone agree.
struct ScenarioConfig {
    std::string name = "scenario";
    std::string description;
    std::string source; // the file it was loaded from
    uint32_t steps = 260;
    double step_days = 7;
    uint64_t seed = 1;
    int threads = 0; // 0 = all cores
    CityConfig city;
    std::vector<MechanismConfig> mechanisms; // run in this order each step
    std::vector<PolicySpec> policies;
    std::vector<double> icc_scores; // per icc_areas() entry; -1 = not scored
    OutputConfig output;
    std::string resolved_toml; // the fully resolved scenario as TOML text
    // What the loader adjusted that the user should know (a run shorter than
    // its scenario cuts policy windows): one line each, for stderr.
    std::vector<std::string> notes;
};

// Builds the initial world, the mechanisms and the policy schedule. Throws
// ParamError or std::invalid_argument for a config that cannot run.
Engine build_engine(const ScenarioConfig& scenario);
// The same engine continued from a saved state: the population after step
// `step` (a checkpoint) replaces the initial one; the next step computed is
// step + 1. Throws std::invalid_argument when the state does not fit the city.
Engine build_engine(const ScenarioConfig& scenario, Population population, uint32_t step);

} // namespace icsim
