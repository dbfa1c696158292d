// The built-in default city: a synthetic mid-sized city (not any real city's
// data) of 120 x 120 cells with 4 dwellings each, nine neighbourhoods in a
// 3 x 3 layout, a majority and three migrant-origin groups of different
// sizes and tolerances, and residential mobility.
#include <algorithm>
#include <cmath>

#include "models/registry.hpp"
#include "scenarios/scenario.hpp"

namespace icsim {

namespace {

struct CityParams {
    int width = 120;          // cells
    int height = 120;         // cells
    int capacity = 4;         // dwellings per cell
    bool torus = false;       // wrap the edges
    double occupancy = 0.88;  // share of dwellings occupied at the start
};

const std::vector<Field<CityParams>>& city_fields() {
    using P = CityParams;
    static const std::vector<Field<P>> fields = {
        {"width", &P::width, 3, 10000, "cells", "grid width"},
        {"height", &P::height, 3, 10000, "cells", "grid height"},
        {"capacity", &P::capacity, 1, 1000, "dwellings", "dwellings per cell"},
        {"torus", &P::torus, 0, 1, "", "wrap the grid's edges (true) or keep them bounded (false)"},
        {"occupancy", &P::occupancy, 0.01, 1, "share", "share of dwellings occupied at the start"},
    };
    return fields;
}

// Synthetic groups: names describe the role they play, not real populations.
const std::vector<GroupSpec> kDefaultGroups = {
    {"majority", 0.62, 0.35},
    {"established", 0.18, 0.25},  // long-established migrant-origin group
    {"labour", 0.12, 0.30},       // recent labour-migrant cohort
    {"newcomers", 0.08, 0.30},    // recently arrived refugees
};

const char* const kHoodNames[9] = {"Harbour",    "Old Town", "Station",    "Riverside",    "Market",
                                   "University", "Hillside", "Industrial", "Garden City"};

std::vector<NeighbourhoodSpec> three_by_three(int width, int height) {
    std::vector<NeighbourhoodSpec> out;
    for (int j = 0; j < 3; ++j)
        for (int i = 0; i < 3; ++i)
            out.push_back({kHoodNames[3 * j + i], width * i / 3, height * j / 3, width * (i + 1) / 3,
                           height * (j + 1) / 3});
    return out;
}

bool starts_with(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

}  // namespace

ScenarioConfig default_city(const ParamValues& overrides) {
    ScenarioConfig s;
    s.name = "default";
    CityParams city;
    s.city.groups = kDefaultGroups;
    s.mechanisms = {{"residential_mobility", {}}};

    for (const auto& [key, value] : overrides) {
        if (starts_with(key, "city.")) {
            set_param(city, city_fields(), key.substr(5), value, "city.");
        } else if (starts_with(key, "groups.")) {
            const std::string rest = key.substr(7);
            const auto dot = rest.rfind('.');
            const std::string group = rest.substr(0, dot == std::string::npos ? 0 : dot);
            const std::string field = dot == std::string::npos ? rest : rest.substr(dot + 1);
            auto it = std::find_if(s.city.groups.begin(), s.city.groups.end(),
                                   [&](const GroupSpec& g) { return g.name == group; });
            if (it == s.city.groups.end()) {
                std::vector<std::string> names;
                for (const auto& g : s.city.groups)
                    names.push_back(g.name);
                const std::string guess = closest_name(group, names);
                throw ParamError("unknown group '" + group + "' in '" + key + "'" +
                                 (guess.empty() ? "" : " (did you mean '" + guess + "'?)"));
            }
            if (field == "share" || field == "tolerance") {
                if (!(value >= 0 && value <= 1))
                    throw ParamError(key + ": expected a number in [0, 1], found " + format_number(value));
                (field == "share" ? it->share : it->tolerance) = value;
            } else {
                throw ParamError("unknown parameter '" + key + "' (a group has 'share' and 'tolerance')");
            }
        } else {
            const auto dot = key.find('.');
            const MechanismEntry* m = dot == std::string::npos ? nullptr : find_mechanism(key.substr(0, dot));
            if (m == nullptr) {
                std::vector<std::string> all;
                for (const auto& p : default_city_parameters())
                    all.push_back(p.name);
                const std::string guess = closest_name(key, all);
                throw ParamError("unknown parameter '" + key + "'" +
                                 (guess.empty() ? "" : " (did you mean '" + guess + "'?)"));
            }
            for (auto& mc : s.mechanisms)
                if (mc.name == m->name) {
                    mc.params[key.substr(dot + 1)] = value;
                    m->check(mc.params);
                }
        }
    }
    double share_sum = 0;
    for (const auto& g : s.city.groups)
        share_sum += g.share;
    if (std::abs(share_sum - 1.0) > 1e-9)
        throw ParamError("groups.*.share: the shares must sum to 1, found " + format_number(share_sum) +
                         " (adjust the other groups' shares too)");
    s.city.grid = Grid{city.width, city.height, city.torus, city.capacity};
    s.city.occupancy = city.occupancy;
    s.city.neighbourhoods = three_by_three(city.width, city.height);
    return s;
}

std::vector<ParamInfo> default_city_parameters() {
    std::vector<ParamInfo> out;
    for (auto p : describe(city_fields())) {
        p.name = "city." + p.name;
        out.push_back(p);
    }
    for (const auto& g : kDefaultGroups) {
        out.push_back({"groups." + g.name + ".share", ParamType::Real, g.share, 0, 1, "share",
                       "share of the initial population (all shares must sum to 1)"});
        out.push_back({"groups." + g.name + ".tolerance", ParamType::Real, g.tolerance, 0, 1, "share",
                       "minimum share of same-group neighbours a member wants"});
    }
    for (const auto& m : mechanism_registry())
        for (auto p : m.params) {
            p.name = m.name + "." + p.name;
            out.push_back(p);
        }
    return out;
}

Engine build_engine(const ScenarioConfig& scenario) {
    World world = build_world(scenario.city, scenario.seed);
    std::vector<std::unique_ptr<Mechanism>> mechanisms;
    for (const auto& mc : scenario.mechanisms) {
        const MechanismEntry* m = find_mechanism(mc.name);
        if (m == nullptr)
            throw ParamError("unknown mechanism '" + mc.name + "'");
        mechanisms.push_back(m->make(mc.params, world));
    }
    return Engine(std::move(world), std::move(mechanisms), scenario.seed);
}

}  // namespace icsim
