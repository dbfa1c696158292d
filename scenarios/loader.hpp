// Loading scenario files: TOML (toml++) -> validated ScenarioConfig.
//
// A file may `extends = "base.toml"`: the base is loaded first (recursively,
// at most kMaxExtendsDepth deep, cycles rejected) and the file is merged
// over it: tables merge key by key, scalars and plain arrays override, and
// arrays of tables ([[groups]], [[policies]], ...) merge entry by entry by
// `name` -- an entry with a new name is appended, one with an inherited
// name changes only the keys it sets, and `remove = true` drops it. Then
// `--set key.path=value` assignments apply (list entries are addressed by
// name: `groups.majority.share=0.6`). Every problem in the files is
// reported at once, each with file, line, column and key path.
#pragma once

#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "scenarios/scenario.hpp"

namespace icsim {

constexpr int kMaxExtendsDepth = 8;
constexpr size_t kMaxScenarioBytes = 4u << 20; // per file

struct Diagnostic {
    std::string file; // "" where no file applies; "--set" for command-line assignments
    int line = 0;     // 1-based; 0 = unknown
    int column = 0;
    std::string key; // dotted key path; "" where none applies
    std::string message;

    std::string str() const; // "file:line:column: key: message"
};

// Raised with every problem found; what() is the first one.
class ScenarioError : public std::runtime_error {
public:
    explicit ScenarioError(std::vector<Diagnostic> diagnostics);
    const std::vector<Diagnostic>& diagnostics() const { return diagnostics_; }

private:
    std::vector<Diagnostic> diagnostics_;
};

// Loads, merges, applies `sets` (each "key.path=value"), validates and
// resolves. Throws ScenarioError.
ScenarioConfig load_scenario_file(const std::string& path, const std::vector<std::string>& sets = {});
// The same for text that is not in a file (`name` is used in messages; the
// text may not `extends`). Files the text names (a raster) are relative to
// `dir` when it is given (the scenario's own folder, for a run's recorded
// scenario text), else to the folder of `name`.
ScenarioConfig load_scenario_text(const std::string& text, const std::string& name,
                                  const std::vector<std::string>& sets = {},
                                  const std::filesystem::path& dir = {});

// scenarios/library/default.toml, compiled into the program.
const std::string& default_scenario_text();
ScenarioConfig load_default_scenario(const std::vector<std::string>& sets = {});
// The text of a file of scenarios/library/ ("policy-welcoming.toml") as
// compiled into the program, or nullptr when there is none of that name.
const std::string* library_scenario_text(const std::string& file);
// Loads a library file as compiled into the program: its `extends` names
// other library files, compiled in too. Throws ScenarioError (also for a
// name the library does not have).
ScenarioConfig load_library_scenario(const std::string& file, const std::vector<std::string>& sets = {});

} // namespace icsim
