// The scenario language's schema: every key a scenario file may hold, with
// its type, default, range, unit and one-line meaning. It is the one source
// of truth for validation, `icsim check --explain`, the resolved scenario
// `icsim check` prints and the generated reference docs/scenarios.md.
// Mechanism parameters come from each mechanism's own Field table (through
// models/registry), so they are declared once, next to the mechanism.
#pragma once

#include <string>
#include <vector>

namespace icsim::scenario {

enum class Kind {
    Table, // a TOML table of keys
    List,  // an array of tables, each with a unique `name` (merged by name under `extends`)
    Bool,
    Int,
    Real,
    String,
    Enum,    // a string among `choices`
    Strings, // an array of strings
    Cells,   // an array of [x, y] integer pairs
};

struct Key {
    std::string name;
    Kind kind = Kind::Table;
    std::string def; // default, as TOML text; "" = no default
    double min = 0, max = 0;
    std::string unit;
    std::string text;
    bool required = false;
    std::vector<std::string> choices; // Enum
    std::string refers_to;            // String/Strings: names of this list's entries ("groups", ...)
    std::vector<Key> children;        // Table keys, or the keys of each List entry
};

// The whole schema (a Table). Built once; thread-safe to read.
const Key& schema();

// The key at a dotted path; list entries may be named by their name or "*".
// Returns nullptr when there is no such key.
const Key* find_key(const std::string& path);

std::string kind_name(const Key& key);
std::string expected_text(const Key& key); // "an integer in [1, 10]", "one of "a", "b"", ...

// The reference in Markdown (docs/scenarios.md is this text).
std::string reference_markdown();
// One key explained for `icsim check --explain KEY`.
std::string explain(const std::string& path);

} // namespace icsim::scenario
