// Binding a checked document to the config structs the engine is built from.
#include <algorithm>
#include <map>

#include "scenarios/loader_internal.hpp"
#include "sim/policy.hpp"

namespace icsim::loading {

ScenarioConfig Loader::build(const Doc& doc, std::vector<uint16_t> raster) {
    ScenarioConfig s;
    s.name = get<std::string>(doc, "name");
    s.description = get<std::string>(doc, "description");
    s.steps = uint32_t(get<int64_t>(doc, "run.steps"));
    s.step_days = num(doc, "run.step_days");
    s.seed = uint64_t(get<int64_t>(doc, "run.seed"));
    s.threads = int(get<int64_t>(doc, "run.threads"));

    CityConfig& c = s.city;
    c.grid = Grid{int(get<int64_t>(doc, "city.width")), int(get<int64_t>(doc, "city.height")),
                  get<bool>(doc, "city.torus"), int(get<int64_t>(doc, "city.capacity"))};
    const int64_t population = get<int64_t>(doc, "city.population");
    c.occupancy = population > 0 ? double(population) / (double(c.grid.cells()) * c.grid.capacity)
                                 : num(doc, "city.occupancy");
    const std::string layout = get<std::string>(doc, "city.layout");
    c.layout = layout == "voronoi"  ? Layout::Voronoi
               : layout == "raster" ? Layout::Raster
                                    : Layout::Rectangles;
    c.raster = std::move(raster);
    auto list = [&](const std::string& p) {
        const auto it = doc.lists.find(p);
        return it == doc.lists.end() ? std::vector<std::string>{} : it->second;
    };
    const auto hood_names = list("city.neighbourhoods"), group_names = list("groups");
    auto index_of = [](const std::vector<std::string>& names, const std::string& n) {
        return int(std::find(names.begin(), names.end(), n) - names.begin());
    };
    for (const auto& h : hood_names) {
        const std::string p = "city.neighbourhoods." + h + ".";
        NeighbourhoodSpec n;
        n.name = h;
        if (c.layout == Layout::Rectangles) {
            n.x0 = int(get<int64_t>(doc, p + "x0"));
            n.y0 = int(get<int64_t>(doc, p + "y0"));
            n.x1 = int(get<int64_t>(doc, p + "x1"));
            n.y1 = int(get<int64_t>(doc, p + "y1"));
        }
        n.rent_level = num(doc, p + "rent_level");
        n.social_housing_share = num(doc, p + "social_housing_share");
        c.neighbourhoods.push_back(n);
    }
    for (const auto& g : group_names) {
        const std::string p = "groups." + g + ".";
        GroupSpec spec;
        spec.name = g;
        spec.share = num(doc, p + "share");
        spec.arrival_rate = num(doc, p + "arrival_rate");
        spec.tolerance = num(doc, p + "tolerance.mean");
        spec.tolerance_sd = num(doc, p + "tolerance.sd");
        spec.language = {num(doc, p + "language.mean"), num(doc, p + "language.sd")};
        spec.skill = {num(doc, p + "skill.mean"), num(doc, p + "skill.sd")};
        spec.prejudice = {num(doc, p + "prejudice.mean"), num(doc, p + "prejudice.sd")};
        spec.pattern = get<std::string>(doc, p + "pattern") == "clustered" ? InitialPattern::Clustered
                                                                           : InitialPattern::Random;
        for (const auto& h : get<std::vector<std::string>>(doc, p + "home_neighbourhoods"))
            spec.home_neighbourhoods.push_back(index_of(hood_names, h));
        spec.concentration = num(doc, p + "concentration");
        c.groups.push_back(spec);
    }
    const std::map<std::string, PlaceKind> place_kinds = {{"workplace", PlaceKind::Workplace},
                                                          {"school", PlaceKind::School},
                                                          {"public_space", PlaceKind::PublicSpace},
                                                          {"community_centre", PlaceKind::CommunityCentre}};
    for (const auto& name : list("places")) {
        const std::string p = "places." + name + ".";
        PlaceSpec spec;
        spec.name = name;
        spec.kind = place_kinds.at(get<std::string>(doc, p + "kind"));
        spec.neighbourhood = index_of(hood_names, get<std::string>(doc, p + "neighbourhood"));
        spec.count = int(get<int64_t>(doc, p + "count"));
        spec.capacity = int(get<int64_t>(doc, p + "capacity"));
        for (const auto& [x, y] : get<Cells>(doc, p + "cells"))
            spec.cells.emplace_back(int(x), int(y));
        c.places.push_back(spec);
    }
    const auto org_names = list("organisations");
    for (const auto& name : org_names) {
        const std::string p = "organisations." + name + ".";
        OrganisationSpec o;
        o.name = name;
        const std::string kind = get<std::string>(doc, p + "kind");
        o.kind = kind == "migrant_led"    ? OrganisationKind::MigrantLed
                 : kind == "city_service" ? OrganisationKind::CityService
                                          : OrganisationKind::Ngo;
        o.neighbourhood = index_of(hood_names, get<std::string>(doc, p + "neighbourhood"));
        o.capacity = int(get<int64_t>(doc, p + "capacity"));
        o.budget = num(doc, p + "budget");
        c.organisations.push_back(o);
    }

    for (const auto& m : get<std::vector<std::string>>(doc, "mechanisms.order")) {
        MechanismConfig mc{m, {}};
        const std::string prefix = "mechanisms." + m + ".";
        for (auto it = doc.values.lower_bound(prefix);
             it != doc.values.end() && it->first.rfind(prefix, 0) == 0; ++it) {
            const Value& v = it->second.value;
            mc.params[it->first.substr(prefix.size())] =
                std::holds_alternative<bool>(v)      ? double(std::get<bool>(v))
                : std::holds_alternative<int64_t>(v) ? double(std::get<int64_t>(v))
                                                     : std::get<double>(v);
        }
        s.mechanisms.push_back(mc);
    }

    for (const auto& name : list("policies")) {
        const std::string p = "policies." + name + ".";
        PolicySpec ps;
        ps.name = name;
        const std::string lever = get<std::string>(doc, p + "lever");
        for (const auto& l : lever_table())
            if (lever == l.name)
                ps.lever = l.lever;
        ps.start = uint32_t(get<int64_t>(doc, p + "start"));
        const int64_t end = get<int64_t>(doc, p + "end");
        ps.end = end < 0 ? s.steps + 1 : uint32_t(end); // -1: in force to the end of the run
        ps.ramp = uint32_t(get<int64_t>(doc, p + "ramp"));
        ps.intensity = num(doc, p + "intensity");
        for (const auto& h : get<std::vector<std::string>>(doc, p + "neighbourhoods"))
            ps.neighbourhoods.push_back(index_of(hood_names, h));
        for (const auto& g : get<std::vector<std::string>>(doc, p + "groups"))
            ps.groups.push_back(index_of(group_names, g));
        ps.cost_per_step = num(doc, p + "cost");
        ps.partner = get<std::string>(doc, p + "partner");
        s.policies.push_back(ps);
    }
    for (const char* area : icc_areas()) {
        const std::string p = std::string("icc_index.") + area;
        s.icc_scores.push_back(has(doc, p) ? num(doc, p) : -1.0);
    }
    s.output.file = get<std::string>(doc, "output.file");
    s.output.snapshot_every = uint32_t(get<int64_t>(doc, "output.snapshot_every"));
    s.output.checkpoint_every = uint32_t(get<int64_t>(doc, "output.checkpoint_every"));
    s.resolved_toml = emit(doc);
    return s;
}

} // namespace icsim::loading
