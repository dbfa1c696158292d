// What several `icsim` commands share: loading a scenario with its
// diagnostics, opening an output file, listing and naming entries.
#pragma once

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "app/commands.hpp"
#include "output/reader.hpp"
#include "scenarios/scenario.hpp"
#include "sim/params.hpp"

namespace icsim::app {

// --set name=value assignments (classic models' parameters); a malformed
// one is a UsageError.
ParamValues parse_sets(const std::vector<std::string>& sets);

// Loads the scenario file (or the built-in default) with --set overrides;
// prints its notes (unless `notes` is false), reports every problem on
// stderr and throws UsageError.
ScenarioConfig load_or_report(const std::string& file, const std::vector<std::string>& sets,
                              bool notes = true);

// Opens an icsim output file; a foreign or damaged file is bad input.
std::unique_ptr<RunFile> open_run_file(const std::string& path);

// Lists named entries with their descriptions; returns exit code 0.
template <class Entries>
int print_list(const char* header, const Entries& entries) {
    std::printf("%s:\n", header);
    for (const auto& e : entries)
        std::printf("  %-20s %s\n", e.name.c_str(), e.description.c_str());
    return 0;
}

// "unknown <what> 'name' (did you mean 'x'?); '<list_command>' lists them"
template <class Entries>
[[noreturn]] void throw_unknown(const char* what, const std::string& name, const Entries& entries,
                                const char* list_command) {
    std::vector<std::string> names;
    for (const auto& e : entries)
        names.push_back(e.name);
    const std::string guess = closest_name(name, names);
    throw UsageError(std::string("unknown ") + what + " '" + name + "'" +
                     (guess.empty() ? "" : " (did you mean '" + guess + "'?)") + "; '" + list_command +
                     "' lists them");
}

} // namespace icsim::app
