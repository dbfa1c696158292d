// icsim check: validate a scenario and print it resolved; --explain KEY,
// --reference (the scenario reference, docs/scenarios.md), --schema (the
// output's series and resident columns, from the declarations).
#include <cstdio>
#include <string>

#include <nlohmann/json.hpp>

#include "app/common.hpp"
#include "models/registry.hpp"
#include "output/schema.hpp"
#include "scenarios/schema.hpp"

namespace icsim::app {

namespace {

// The writer's series table and the checkpoint and snapshot column lists,
// each entry with the mechanism that declares it ("" for the city's own):
// what tests/python/test_h5_schema.py checks a file against.
std::string schema_json() {
    auto owner_of_series = [](const std::string& path) {
        for (const MechanismEntry& m : mechanism_registry())
            for (const SeriesDecl& d : m.series)
                if (d.path == path)
                    return m.name;
        return std::string();
    };
    auto owner_of_column = [](const std::string& name) {
        for (const MechanismEntry& m : mechanism_registry())
            for (const ColumnDecl& c : m.columns)
                if (c.name == name)
                    return m.name;
        return std::string();
    };
    nlohmann::ordered_json j;
    j["schema_version"] = schema::kVersion;
    j["series"] = nlohmann::ordered_json::array();
    for (const schema::SeriesInfo& s : schema::series_table())
        j["series"].push_back({{"path", s.path},
                               {"dims", schema::dims_text(s.dims)},
                               {"units", s.units},
                               {"description", s.description},
                               {"mechanism", owner_of_series(s.path)}});
    auto columns = [&](const std::vector<schema::ColumnInfo>& cols) {
        nlohmann::ordered_json a = nlohmann::ordered_json::array();
        for (const schema::ColumnInfo& c : cols)
            a.push_back({{"name", c.name},
                         {"type", c.type},
                         {"units", c.units},
                         {"description", c.description},
                         {"mechanism", owner_of_column(c.name)}});
        return a;
    };
    j["checkpoint_columns"] = columns(schema::checkpoint_columns());
    j["snapshot_columns"] = columns(schema::snapshot_columns());
    return j.dump(1) + "\n";
}

} // namespace

int cmd_check(const CheckOptions& opts) {
    if (opts.declarations) {
        std::fputs(schema::declarations_markdown().c_str(), stdout);
        return 0;
    }
    if (opts.reads_writes) {
        std::fputs(schema::reads_writes_markdown().c_str(), stdout);
        return 0;
    }
    if (opts.assumptions) {
        std::fputs(scenario::assumptions_markdown().c_str(), stdout);
        return 0;
    }
    if (opts.schema) {
        std::fputs(schema_json().c_str(), stdout);
        return 0;
    }
    if (opts.reference) {
        std::fputs(scenario::reference_markdown().c_str(), stdout);
        return 0;
    }
    if (!opts.parameters.empty()) {
        const std::string text = scenario::parameter_table_markdown(opts.parameters);
        if (text.empty())
            throw UsageError("--parameters " + opts.parameters +
                             ": no such mechanism ('icsim check --explain mechanisms' lists them)");
        std::fputs(text.c_str(), stdout);
        return 0;
    }
    if (!opts.explain.empty()) {
        const std::string text = scenario::explain(opts.explain);
        if (text.empty())
            throw UsageError("--explain " + opts.explain +
                             ": no such key ('icsim check --reference' lists them all)");
        std::fputs(text.c_str(), stdout);
        return 0;
    }
    const ScenarioConfig s = load_or_report(opts.scenario, opts.sets);
    std::fputs(s.resolved_toml.c_str(), stdout);
    std::fprintf(stderr, "icsim check: %s is valid\n", s.source.c_str());
    return 0;
}

} // namespace icsim::app
