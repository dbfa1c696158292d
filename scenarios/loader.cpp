// Scenario loading: parse each file, flatten it against the schema (checking
// keys, types and ranges as it goes), merge the `extends` chain and the
// `--set` assignments, fill defaults, check the cross-field rules, then build
// the config structs and the resolved TOML text. See loader.hpp for the
// language's rules, loader_internal.hpp for where each step lives and
// docs/scenario-language.md for users.
#include "scenarios/loader.hpp"

#include <algorithm>
#include <string>
#include <tuple>

#include "scenarios/loader_internal.hpp"

namespace icsim {

std::string Diagnostic::str() const {
    std::string s;
    if (!file.empty())
        s += file + (line > 0 ? ":" + std::to_string(line) + ":" + std::to_string(column) : "") + ": ";
    if (!key.empty())
        s += key + ": ";
    return s + message;
}

ScenarioError::ScenarioError(std::vector<Diagnostic> diagnostics)
    : std::runtime_error(diagnostics.empty() ? "invalid scenario" : diagnostics.front().str()),
      diagnostics_(std::move(diagnostics)) {}

namespace loading {

void Loader::error(const Origin& o, const std::string& key, const std::string& message) {
    if (diags.size() < 200) // bound the report for pathological input
        diags.push_back({o.file, o.line, o.column, key, message});
}

[[noreturn]] void Loader::fail() {
    std::stable_sort(diags.begin(), diags.end(), [](const Diagnostic& a, const Diagnostic& b) {
        // By file, line and column; command-line problems last.
        return std::make_tuple(a.file == "--set", a.file, a.line, a.column) <
               std::make_tuple(b.file == "--set", b.file, b.line, b.column);
    });
    throw ScenarioError(diags);
}

ScenarioConfig Loader::finish(Doc doc, const std::vector<std::string>& sets, const std::filesystem::path& dir,
                              const std::string& source) {
    if (syntax_error)
        fail();
    for (const auto& [ep, o] : doc.removals) // removals no base file consumed
        error(o, ep, "remove = true, but this file extends no scenario with an entry of this name");
    // A run shorter than the scenario (--steps, or a sweep's steps)
    // keeps the scenario's horizon, so that every policy window runs to
    // the run's end rather than being refused.
    const auto steps_of = [&]() -> int64_t {
        const auto it = doc.values.find("run.steps");
        if (it != doc.values.end())
            return std::get<int64_t>(it->second.value);
        return std::stoll(scenario::find_key("run.steps")->def);
    };
    const int64_t file_steps = steps_of();
    for (const auto& s : sets)
        apply_set(doc, s);
    if (!has(doc, "run.horizon") && steps_of() < file_steps)
        doc.values["run.horizon"] = {int64_t(file_steps), {"--set"}};
    else if (has(doc, "run.horizon") && steps_of() > get<int64_t>(doc, "run.horizon") &&
             where(doc, "run.steps").file == "--set")
        doc.values.erase("run.horizon"); // a longer run than the scenario: windows as the file has them
    fill_defaults(doc, scenario::schema(), "", {source});
    std::vector<uint16_t> raster;
    try {
        cross_check(doc, dir, {source}, raster);
    } catch (const std::exception&) {
        // A value the cross-field rules need is missing or mistyped; that
        // error is already reported.
        if (diags.empty())
            throw;
    }
    if (!diags.empty())
        fail();
    ScenarioConfig s = build(doc, std::move(raster));
    s.source = source;
    s.notes = notes;
    return s;
}

} // namespace loading

using loading::Doc;
using loading::Loader;

ScenarioConfig load_scenario_file(const std::string& path, const std::vector<std::string>& sets) {
    Loader loader;
    std::vector<std::filesystem::path> chain;
    Doc doc = loader.load_layer(path, chain, {});
    return loader.finish(std::move(doc), sets, std::filesystem::path(path).parent_path(), path);
}

ScenarioConfig load_scenario_text(const std::string& text, const std::string& name,
                                  const std::vector<std::string>& sets, const std::filesystem::path& dir) {
    Loader loader;
    if (!dir.empty())
        loader.text_name = name;
    std::vector<std::filesystem::path> chain;
    if (text.size() > kMaxScenarioBytes)
        throw ScenarioError({{name, 0, 0, "", "text larger than 4 MiB"}});
    Doc doc = loader.load_text(text, name, {}, chain);
    return loader.finish(std::move(doc), sets, dir, name);
}

ScenarioConfig load_default_scenario(const std::vector<std::string>& sets) {
    return load_scenario_text(default_scenario_text(), "default.toml (built in)", sets);
}

ScenarioConfig load_library_scenario(const std::string& file, const std::vector<std::string>& sets) {
    const std::string* text = library_scenario_text(file);
    const std::string name = file + " (built in)";
    if (text == nullptr)
        throw ScenarioError({{name, 0, 0, "", "no scenario of this name in the built-in library"}});
    Loader loader;
    loader.built_in = true;
    std::vector<std::filesystem::path> chain{"built-in:" + file};
    Doc doc = loader.load_text(*text, name, {}, chain);
    return loader.finish(std::move(doc), sets, {}, name);
}

} // namespace icsim
