// The sweep file (docs/ensembles.md): what to vary, how to sample it, what
// to keep. Read with toml++ and checked completely before any run; every
// problem names the file, line, key and what was expected.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

namespace icsim::sweep {

// Bad input in a sweep file (or a sweep's base): one line,
// "file:line: key: message"; the program exits with code 2.
struct SpecError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

enum class DesignKind { Factorial, Lhs, Sobol, Saltelli, Morris };
const char* design_name(DesignKind d);

using Level = std::variant<double, std::string>; // one entry of `values = [...]`

struct Parameter {
    std::string key;
    double min = 0, max = 0;
    bool integer = false;      // min and max written as TOML integers: values are whole numbers
    std::vector<Level> values; // set: a list of levels (factorial, categorical keys) in place of min/max
    int line = 0;
};

struct Outcome {
    std::string name;         // a series as `icsim inspect` prints it, or a classic model's metric
    std::vector<uint32_t> at; // steps; empty = the last
    int line = 0;
};

struct Spec {
    std::string file;      // the sweep file as given
    std::string base;      // as written: a scenario file (relative to the sweep file) or "classic:NAME"
    std::string base_path; // the scenario file resolved against the sweep file's folder ("" for classic)
    std::string classic;   // the classic model's name ("" for a scenario)
    DesignKind design = DesignKind::Saltelli;
    uint64_t samples = 0;
    uint32_t replicates = 1;
    uint64_t seed = 1;
    uint32_t levels = 4; // Morris grid levels
    std::optional<uint32_t> steps;
    std::optional<double> scale;
    std::vector<Parameter> parameters;
    std::vector<Outcome> outcomes;
    std::string text; // the file's text, stored in the output
};

// Reads and checks the sweep file (syntax, keys, types, ranges). Throws
// SpecError. Whether keys and outcomes exist in the base is checked by
// make_plan (sweep/job.hpp).
Spec parse_spec_file(const std::string& path);
Spec parse_spec_text(const std::string& text, const std::string& name, const std::string& dir);

} // namespace icsim::sweep
