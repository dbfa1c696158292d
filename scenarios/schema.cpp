#include "scenarios/schema.hpp"

#include <cstdio>
#include <cstdlib>
#include <deque>
#include <mutex>
#include <sstream>

#include "models/registry.hpp"
#include "scenarios/scenario.hpp"
#include "sim/params.hpp"
#include "sim/policy.hpp"

namespace icsim::scenario {

namespace {

// Defaults come from the config structs the loader fills (one source: a
// key's default is its field's default), written as TOML text.
const ScenarioConfig kScenario{};
const CityConfig kCity{};
const NeighbourhoodSpec kHood{};
const GroupSpec kGroup{};
const PlaceSpec kPlace{};
const OrganisationSpec kOrganisation{};
const PolicySpec kPolicy{};
const OutputConfig kOutput{};

template <class T>
std::string whole(T v) {
    return std::to_string(v);
}

std::string truth(bool v) {
    return v ? "true" : "false";
}

std::string quoted(const std::string& s) {
    return "\"" + s + "\"";
}

// The shortest text that reads back to `v`, with ".0" on whole numbers (as
// the resolved scenario writes reals).
std::string real_text(double v) {
    char buf[40];
    for (int prec = 1; prec <= 17; ++prec) {
        std::snprintf(buf, sizeof buf, "%.*g", prec, v);
        if (std::strtod(buf, nullptr) == v)
            break;
    }
    std::string s = buf;
    if (s.find_first_of(".eEn") == std::string::npos)
        s += ".0";
    return s;
}

Key table(std::string name, std::string text, std::vector<Key> children) {
    Key k;
    k.name = std::move(name);
    k.kind = Kind::Table;
    k.text = std::move(text);
    k.children = std::move(children);
    return k;
}

Key list(std::string name, std::string text, std::vector<Key> children) {
    Key k = table(std::move(name), std::move(text), {});
    k.kind = Kind::List;
    Key id;
    id.name = "name";
    id.kind = Kind::String;
    id.required = true;
    id.text = "unique name of the entry; an `extends`-ing file merges entries by name";
    Key remove;
    remove.name = "remove";
    remove.kind = Kind::Bool;
    remove.def = "false";
    remove.text = "in an `extends`-ing file: drop the inherited entry of this name";
    k.children.push_back(id);
    k.children.push_back(remove);
    for (auto& c : children)
        k.children.push_back(std::move(c));
    return k;
}

Key number(Kind kind, std::string name, std::string def, double min, double max, std::string unit,
           std::string text) {
    Key k;
    k.name = std::move(name);
    k.kind = kind;
    k.def = std::move(def);
    k.min = min;
    k.max = max;
    k.unit = std::move(unit);
    k.text = std::move(text);
    return k;
}

Key integer(std::string name, std::string def, double min, double max, std::string unit, std::string text) {
    return number(Kind::Int, std::move(name), std::move(def), min, max, std::move(unit), std::move(text));
}

Key real(std::string name, std::string def, double min, double max, std::string unit, std::string text) {
    return number(Kind::Real, std::move(name), std::move(def), min, max, std::move(unit), std::move(text));
}

Key required(Key k) {
    k.required = true;
    k.def.clear();
    return k;
}

Key boolean(std::string name, std::string def, std::string text) {
    Key k;
    k.name = std::move(name);
    k.kind = Kind::Bool;
    k.def = std::move(def);
    k.text = std::move(text);
    return k;
}

Key string(std::string name, std::string def, std::string text, std::string refers_to = "") {
    Key k;
    k.name = std::move(name);
    k.kind = Kind::String;
    k.def = std::move(def);
    k.text = std::move(text);
    k.refers_to = std::move(refers_to);
    return k;
}

Key choice(std::string name, std::string def, std::vector<std::string> choices, std::string text) {
    Key k;
    k.name = std::move(name);
    k.kind = Kind::Enum;
    k.def = std::move(def);
    k.choices = std::move(choices);
    k.text = std::move(text);
    return k;
}

Key strings(std::string name, std::string def, std::string text, std::string refers_to = "") {
    Key k = string(std::move(name), std::move(def), std::move(text), std::move(refers_to));
    k.kind = Kind::Strings;
    return k;
}

Key distribution(std::string name, Distribution def, std::string text) {
    return table(std::move(name), text + " (a normal distribution clipped to [0, 1])",
                 {real("mean", real_text(def.mean), 0, 1, "0-1", "mean"),
                  real("sd", real_text(def.sd), 0, 1, "0-1", "standard deviation")});
}

Key mechanisms() {
    std::vector<Key> children;
    std::string names;
    for (const auto& m : mechanism_registry())
        if (m.in_default_order)
            names += (names.empty() ? "\"" : ", \"") + m.name + "\"";
    Key order =
        strings("order", "[" + names + "]", "mechanisms to run each step, in this order", "mechanisms");
    children.push_back(order);
    for (const auto& m : mechanism_registry()) {
        std::vector<Key> params;
        for (const ParamInfo& p : m.params) {
            if (p.type == ParamType::Bool) {
                params.push_back(boolean(p.name, p.default_value != 0 ? "true" : "false", p.description));
            } else {
                std::string def = format_number(p.default_value);
                if (p.type == ParamType::Real && def.find_first_of(".e") == std::string::npos)
                    def += ".0";
                params.push_back(number(p.type == ParamType::Int ? Kind::Int : Kind::Real, p.name, def, p.min,
                                        p.max, p.unit, p.description));
            }
            params.back().provenance = provenance_text(p.provenance, p.source);
            params.back().sweep = p.sweep;
        }
        children.push_back(table(m.name, m.description, std::move(params)));
    }
    return table("mechanisms", "which mechanisms run, in what order, with what parameters",
                 std::move(children));
}

Key build_schema() {
    std::vector<std::string> levers;
    for (const auto& l : lever_table())
        levers.emplace_back(l.name);
    std::vector<Key> icc;
    for (const char* area : icc_areas())
        icc.push_back(
            real(area, "", 0, 100, "score", std::string("ICC Index score of the area '") + area + "'"));
    const double kMaxStep = 10000000;

    return table(
        "", "a scenario",
        {string("extends", "", "path of a base scenario (relative to this file) that this one modifies"),
         string("name", quoted(kScenario.name), "short name of the scenario"),
         string("description", quoted(kScenario.description), "what the scenario represents"),
         table(
             "run", "run settings",
             {integer("steps", whole(kScenario.steps), 0, kMaxStep, "steps",
                      "steps to simulate (step 0 is the initial state)"),
              integer("horizon", "", 0, kMaxStep, "steps",
                      "the scenario's own length when a run stops earlier (--steps below run.steps sets it): "
                      "policy windows are checked against it and cut at the run's last step"),
              real("step_days", real_text(kScenario.step_days), 1, 366, "days", "length of one step"),
              integer("seed", whole(kScenario.seed), 0, 9007199254740991.0, "",
                      "random seed: same scenario + seed = same output"),
              integer("threads", whole(kScenario.threads), 0, 1024, "threads",
                      "worker threads (0 = all cores)")}),
         table(
             "city", "space: grid, dwellings and neighbourhoods",
             {integer("width", whole(kCity.grid.width), 3, 10000, "cells", "grid width"),
              integer("height", whole(kCity.grid.height), 3, 10000, "cells", "grid height"),
              boolean("torus", truth(kCity.grid.torus),
                      "wrap the grid's edges (true) or keep them bounded (false)"),
              integer("capacity", whole(kCity.grid.capacity), 1, 1000, "dwellings", "dwellings per cell"),
              real("occupancy", real_text(kCity.occupancy), 0.01, 1, "share",
                   "share of dwellings occupied at the start"),
              integer("population", "0", 0, 4e9, "residents",
                      "initial residents; overrides occupancy when > 0 (must fit the dwellings)"),
              choice("layout", "\"rectangles\"", {"rectangles", "voronoi", "raster"},
                     "neighbourhood geometry: the listed rectangles, Voronoi regions of random centres, or a "
                     "raster file"),
              string("raster", "\"\"",
                     "layout = \"raster\": text file (relative to the scenario) of `height` lines of `width` "
                     "numbers, each the 1-based index of a neighbourhood in the list"),
              list("neighbourhoods", "named neighbourhoods, with their housing market",
                   {integer("x0", "", 0, 10000, "cell", "rectangle's first column (layout = \"rectangles\")"),
                    integer("y0", "", 0, 10000, "cell", "rectangle's first row"),
                    integer("x1", "", 1, 10000, "cell", "rectangle's end column (exclusive)"),
                    integer("y1", "", 1, 10000, "cell", "rectangle's end row (exclusive)"),
                    real("rent_level", real_text(kHood.rent_level), 0.1, 10, "ratio",
                         "market rent relative to the city average (residential_mobility's housing market)"),
                    real("social_housing_share", real_text(kHood.social_housing_share), 0, 1, "share",
                         "share of cells (buildings) that are social housing (residential_mobility's housing "
                         "market)")})}),
         list("groups", "cultural groups; the first is the reference (majority) group of the metrics",
              {required(
                   real("share", "", 0, 1, "share", "share of the initial population (all shares sum to 1)")),
               real("arrival_rate", real_text(kGroup.arrival_rate), 0, 1e7, "residents/year",
                    "arrivals per year"),
               distribution("tolerance", {kGroup.tolerance, kGroup.tolerance_sd},
                            "minimum share of same-group neighbours a member wants"),
               distribution("language", kGroup.language, "proficiency in the city's main language"),
               distribution("skill", kGroup.skill, "labour-market skill"),
               distribution("prejudice", kGroup.prejudice, "initial prejudice towards out-groups"),
               choice("pattern", "\"random\"", {"random", "clustered"}, "initial spatial pattern"),
               strings("home_neighbourhoods", "[]", "pattern = \"clustered\": where members concentrate",
                       "neighbourhoods"),
               real("concentration", real_text(kGroup.concentration), 0, 1, "share",
                    "pattern = \"clustered\": share of members placed in the home neighbourhoods")}),
         list("places", "workplaces, schools, public spaces and community centres",
              {required(choice("kind", "", {"workplace", "school", "public_space", "community_centre"},
                               "kind of place")),
               required(string("neighbourhood", "", "where the places are", "neighbourhoods")),
               integer("count", whole(kPlace.count), 1, 1e6, "places",
                       "places generated at random cells of the neighbourhood"),
               integer("capacity", whole(kPlace.capacity), 1, 1e6, "people", "people a place holds at once"),
               [] {
                   Key k;
                   k.name = "cells";
                   k.kind = Kind::Cells;
                   k.def = "[]";
                   k.text = "explicit [x, y] cells, one place each (replaces count)";
                   return k;
               }()}),
         list("organisations", "civil-society organisations and city services that deliver programmes",
              {choice("kind", "\"ngo\"", {"ngo", "migrant_led", "city_service"}, "kind of organisation"),
               required(string("neighbourhood", "", "where it is based", "neighbourhoods")),
               integer("capacity", whole(kOrganisation.capacity), 0, 1e7, "residents/step",
                       "residents it can reach per step"),
               real("budget", real_text(kOrganisation.budget), 0, 1e12, "currency/year", "yearly budget")}),
         mechanisms(),
         list("policies", "the policy timeline: levers in force, when, how strongly, for whom",
              {required(choice("lever", "", levers, "the policy lever (the table of levers below)")),
               integer("start", whole(kPolicy.start), 0, kMaxStep, "step", "first step in force"),
               integer("end", "-1", -1, kMaxStep, "step",
                       "first step no longer in force (-1 = end of the run)"),
               integer("ramp", whole(kPolicy.ramp), 0, kMaxStep, "steps",
                       "steps to reach full intensity, linearly (0 = at once)"),
               real("intensity", real_text(kPolicy.intensity), 0, 1, "0-1", "strength at full intensity"),
               strings("neighbourhoods", "[]", "target neighbourhoods (empty = all)", "neighbourhoods"),
               strings("groups", "[]", "target groups (empty = all)", "groups"),
               real("cost", real_text(kPolicy.cost_per_step), 0, 1e12, "currency/step",
                    "cost per step in force"),
               string("partner", quoted(kPolicy.partner),
                      "delivering partner: an organisation's name or \"city\"", "organisations")}),
         table(
             "icc_index",
             "optional ICC Index scores (0-100 per area); each lever's baseline intensity is the mean of its "
             "areas' scores / 100",
             std::move(icc)),
         table("output", "what a run writes",
               {string("file", quoted(kOutput.file), "output file (HDF5)"),
                integer("snapshot_every", whole(kOutput.snapshot_every), 0, kMaxStep, "steps",
                        "resident snapshots every k steps (0 = none)"),
                integer("checkpoint_every", whole(kOutput.checkpoint_every), 0, kMaxStep, "steps",
                        "checkpoints every k steps (0 = none)")})});
}

const Key* find_child(const Key& k, const std::string& name) {
    for (const auto& c : k.children)
        if (c.name == name)
            return &c;
    return nullptr;
}

} // namespace

const Key& schema() {
    // Built again after the registry changed (a test's ScopedMechanism):
    // the mechanisms' keys and the default order come from it. Earlier
    // schemas are kept, so a reference to one stays valid.
    static std::mutex mu;
    static std::deque<std::pair<uint64_t, Key>> built;
    const std::lock_guard lock(mu);
    const uint64_t generation = registry_generation();
    if (built.empty() || built.back().first != generation)
        built.emplace_back(generation, build_schema());
    return built.back().second;
}

const Key* find_key(const std::string& path) {
    const Key* k = &schema();
    std::stringstream ss(path);
    std::string seg;
    bool expect_entry = false;
    while (std::getline(ss, seg, '.')) {
        if (expect_entry) { // a list entry's name
            expect_entry = false;
            continue;
        }
        k = find_child(*k, seg);
        if (k == nullptr)
            return nullptr;
        expect_entry = k->kind == Kind::List;
    }
    return k;
}

std::string kind_name(const Key& k) {
    switch (k.kind) {
    case Kind::Table:
        return "table";
    case Kind::List:
        return "array of tables";
    case Kind::Bool:
        return "boolean";
    case Kind::Int:
        return "integer";
    case Kind::Real:
        return "number";
    case Kind::String:
        return "string";
    case Kind::Enum:
        return "string";
    case Kind::Strings:
        return "array of strings";
    case Kind::Cells:
        return "array of [x, y]";
    }
    return "?";
}

std::string expected_text(const Key& k) {
    switch (k.kind) {
    case Kind::Int:
        return "an integer in [" + format_number(k.min) + ", " + format_number(k.max) + "]";
    case Kind::Real:
        return "a number in [" + format_number(k.min) + ", " + format_number(k.max) + "]";
    case Kind::Enum: {
        std::string s = "one of ";
        for (size_t i = 0; i < k.choices.size(); ++i)
            s += (i ? ", \"" : "\"") + k.choices[i] + "\"";
        return s;
    }
    case Kind::Bool:
        return "true or false";
    case Kind::Table:
        return "a table";
    case Kind::List:
        return "an array of tables ([[" + k.name + "]])";
    case Kind::String:
        return "a string";
    case Kind::Strings:
        return "an array of strings";
    case Kind::Cells:
        return "an array of [x, y] integer pairs";
    }
    return "?";
}

namespace {

void reference_rows(const Key& k, const std::string& path, std::ostringstream& out) {
    for (const auto& c : k.children) {
        const std::string p = path.empty() ? c.name : path + "." + c.name;
        if (c.kind == Kind::Table || c.kind == Kind::List) {
            const std::string header = c.kind == Kind::List ? "[[" + p + "]]" : "[" + p + "]";
            out << "\n### `" << header << "`\n\n" << c.text << ".\n\n";
            out << "| key | type | default | allowed | unit | meaning |\n|---|---|---|---|---|---|\n";
            for (const auto& leaf : c.children)
                if (leaf.kind != Kind::Table && leaf.kind != Kind::List) {
                    std::string allowed =
                        leaf.kind == Kind::Int || leaf.kind == Kind::Real || leaf.kind == Kind::Enum
                            ? expected_text(leaf)
                            : "";
                    if (!leaf.refers_to.empty())
                        allowed = "names of `" + leaf.refers_to + "` entries";
                    out << "| `" << leaf.name << "` | " << kind_name(leaf) << " | "
                        << (leaf.required      ? "required"
                            : leaf.def.empty() ? "-"
                                               : "`" + leaf.def + "`")
                        << " | " << allowed << " | " << leaf.unit << " | " << leaf.text << " |\n";
                }
            const std::string child_path = c.kind == Kind::List ? p + ".*" : p;
            reference_rows(c, child_path, out);
        }
    }
}

} // namespace

std::string reference_markdown() {
    std::ostringstream out;
    out << "# Scenario file reference\n\n"
        << "<!-- Generated by `icsim check --reference` from the schema (scenarios/schema.cpp and each\n"
        << "     mechanism's parameter table). Do not edit: a test fails when this file is stale. -->\n\n"
        << "A scenario is a TOML file. Every key is optional unless marked *required*; a missing key takes\n"
        << "its default. `icsim check FILE` validates a file and prints it fully resolved;\n"
        << "`icsim check --explain KEY` explains one key. See docs/scenario-language.md for `extends`,\n"
        << "merging and `--set`.\n\n"
        << "## Top-level keys\n\n| key | type | default | meaning |\n|---|---|---|---|\n";
    for (const auto& c : schema().children)
        if (c.kind != Kind::Table && c.kind != Kind::List)
            out << "| `" << c.name << "` | " << kind_name(c) << " | "
                << (c.def.empty() ? "-" : "`" + c.def + "`") << " | " << c.text << " |\n";
    out << "\n## Tables\n";
    reference_rows(schema(), "", out);
    out << "\n## Levers and ICC Index areas\n\n| lever | ICC Index areas | acts on |\n|---|---|---|\n";
    for (const auto& l : lever_table()) {
        std::string areas;
        for (const char* a : l.areas)
            areas += (areas.empty() ? "`" : ", `") + std::string(a) + "`";
        out << "| `" << l.name << "` | " << areas << " | " << l.acts_on << " |\n";
    }
    return out.str();
}

namespace {

std::string sweep_text(const Key& k) {
    return k.sweep.empty() ? "not swept" : format_number(k.sweep.min) + " to " + format_number(k.sweep.max);
}

} // namespace

std::string explain(const std::string& path) {
    const Key* k = find_key(path);
    if (k == nullptr)
        return "";
    std::ostringstream out;
    out << path << "\n  type:     " << kind_name(*k) << "\n";
    if (k->kind == Kind::Table || k->kind == Kind::List) {
        out << "  meaning:  " << k->text << "\n  keys:    ";
        for (const auto& c : k->children)
            out << " " << c.name;
        out << "\n";
        return out.str();
    }
    out << "  default:  " << (k->required ? "(required)" : k->def.empty() ? "(none)" : k->def) << "\n";
    if (k->kind == Kind::Int || k->kind == Kind::Real || k->kind == Kind::Enum)
        out << "  allowed:  " << expected_text(*k) << "\n";
    if (!k->refers_to.empty())
        out << "  names:    entries of " << k->refers_to << "\n";
    if (!k->unit.empty())
        out << "  unit:     " << k->unit << "\n";
    out << "  meaning:  " << k->text << "\n";
    if (!k->provenance.empty())
        out << "  source:   " << k->provenance << "\n";
    if (!k->provenance.empty())
        out << "  sweep:    " << sweep_text(*k) << "\n";
    return out.str();
}

std::vector<SweepKey> sweepable_keys() {
    std::vector<SweepKey> out;
    auto walk = [&](auto&& self, const Key& k, const std::string& path) -> void {
        for (const Key& c : k.children) {
            const std::string p = path.empty() ? c.name : path + "." + c.name;
            if (c.kind == Kind::Table)
                self(self, c, p);
            else if (c.kind == Kind::List)
                self(self, c, p + ".*");
            else if (!c.sweep.empty())
                out.push_back({p, &c});
        }
    };
    walk(walk, schema(), "");
    return out;
}

std::string assumptions_markdown() {
    const Key* mechanisms = find_key("mechanisms");
    std::ostringstream rows;
    size_t all = 0, listed = 0;
    for (const Key& m : mechanisms->children) {
        if (m.kind != Kind::Table)
            continue;
        for (const Key& p : m.children) {
            ++all;
            const std::string tag = "assumption";
            if (p.sweep.empty() || p.provenance.compare(0, tag.size(), tag) != 0)
                continue;
            ++listed;
            std::string why = p.provenance.substr(tag.size());
            if (why.rfind(": ", 0) == 0)
                why = why.substr(2);
            rows << "| `" << m.name << "` | `" << p.name << "` | " << p.def << " | " << sweep_text(p) << " | "
                 << p.unit << " | " << (why.empty() ? "--" : why) << " | " << p.text << " |\n";
        }
    }
    std::ostringstream out;
    out << kAssumptionsBegin
        << " from the mechanisms' parameter tables; a test fails when this is stale -->\n\n"
        << listed << " of the " << all
        << " mechanism parameters are assumptions with a sweep range (the others are calibrated, from the "
           "literature, or scenario choices not swept):\n\n"
        << "| mechanism | parameter | default | sweep | unit | reasoning | meaning |\n"
           "|---|---|---|---|---|---|---|\n"
        << rows.str() << "\n"
        << kAssumptionsEnd << "\n";
    return out.str();
}

std::string parameter_table_markdown(const std::string& mechanism) {
    const Key* m = find_key("mechanisms." + mechanism);
    if (m == nullptr || m->kind != Kind::Table || mechanism == "order")
        return "";
    std::ostringstream out;
    out << kTableBegin << mechanism << "` from the mechanism's parameter table; a test fails when this is "
        << "stale -->\n\n"
        << "| name | default | range | unit | source | sweep | meaning |\n|---|---|---|---|---|---|---|\n";
    for (const Key& p : m->children)
        out << "| `" << p.name << "` | " << p.def << " | "
            << (p.kind == Kind::Bool ? "true, false"
                                     : "[" + format_number(p.min) + ", " + format_number(p.max) + "]")
            << " | " << p.unit << " | " << p.provenance << " | " << sweep_text(p) << " | " << p.text
            << " |\n";
    out << "\n" << kTableEnd << "\n";
    return out.str();
}

} // namespace icsim::scenario
