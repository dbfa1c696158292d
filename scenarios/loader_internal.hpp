// The scenario loader's internals, shared by its parts: the flat document
// a scenario becomes and the Loader that reads, merges, checks, binds and
// emits it. Not part of the scenarios library's interface (loader.hpp is).
//
//   document.cpp  reading TOML, `extends` merging, `--set`, defaults
//   checks.cpp    cross-field checks (references, geometry, policy windows)
//   bind.cpp      the flat document -> ScenarioConfig and its structs
//   emit.cpp      the resolved TOML text
//   loader.cpp    the order of those steps and the public functions
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include <toml++/toml.h>

#include "scenarios/loader.hpp"
#include "scenarios/schema.hpp"

namespace icsim::loading {

using scenario::Key;
using scenario::Kind;

// A scenario flattened to key paths, list entries named by their `name`:
// "groups.majority.share" -> 0.62. Merging layers is then a map update.

using Cells = std::vector<std::pair<int64_t, int64_t>>;
using Value = std::variant<bool, int64_t, double, std::string, std::vector<std::string>, Cells>;

struct Origin {
    std::string file;
    int line = 0, column = 0;
};

struct Entry {
    Value value;
    Origin origin;
};

struct Doc {
    std::map<std::string, Entry> values;
    std::map<std::string, std::vector<std::string>> lists; // list path -> entry names, in order
    std::map<std::string, Origin> entries;                 // entry path -> where it was defined
    std::vector<std::pair<std::string, Origin>> removals;  // entry paths this layer removes
};

// TOML text of a string, of a real (shortest text that reads back the same
// double, whole numbers as 60.0) and of any value.
std::string toml_quote(const std::string& s);
std::string real_text(double v);
std::string value_text(const Value& v);

class Loader {
public:
    std::vector<Diagnostic> diags;
    std::vector<std::string> notes;  // ScenarioConfig::notes
    bool syntax_error = false;       // a file did not parse: later checks would only mislead
    std::set<std::string> bad_paths; // keys already reported: not "missing" as well
    std::string text_name;           // load_scenario_text with a folder: files it names are relative to that
    bool built_in = false;           // load_library_scenario: `extends` names compiled-in library files

    void error(const Origin& o, const std::string& key, const std::string& message);

    static Origin origin_of(const toml::source_region& r, const std::string& file);

    static std::string found_text(const toml::node& n);

    // Converts one TOML value to a leaf's type, reporting a mismatch.
    bool convert(const toml::node& n, const Key& k, const std::string& path, const Origin& o, Value& out);

    void unknown_key(const Key& spec, const std::string& path, const std::string& name, const Origin& o);

    void walk_table(const toml::table& t, const Key& spec, const std::string& path, Doc& doc,
                    const std::string& file);

    void walk_list(const toml::node& node, const Key& spec, const std::string& path, Doc& doc,
                   const std::string& file, const Origin& o);

    Doc load_layer(const std::filesystem::path& path, std::vector<std::filesystem::path>& chain,
                   const Origin& from);

    Doc load_text(const std::string& text, const std::string& file, const std::filesystem::path& dir,
                  std::vector<std::filesystem::path>& chain);

    void merge(Doc& base, const Doc& over);

    void apply_set(Doc& doc, const std::string& assignment);

    void fill_defaults(Doc& doc, const Key& spec, const std::string& path, const Origin& where);

    template <class T>
    const T& get(const Doc& doc, const std::string& path) {
        return std::get<T>(doc.values.at(path).value);
    }

    double num(const Doc& doc, const std::string& path) {
        const Value& v = doc.values.at(path).value;
        return std::holds_alternative<int64_t>(v) ? double(std::get<int64_t>(v)) : std::get<double>(v);
    }

    bool has(const Doc& doc, const std::string& path) { return doc.values.count(path) != 0; }

    Origin where(const Doc& doc, const std::string& path) {
        const auto it = doc.values.find(path);
        return it == doc.values.end() ? Origin{} : it->second.origin;
    }

    void check_references(const Doc& doc);

    void cross_check(const Doc& doc, const std::filesystem::path& dir, const Origin& top,
                     std::vector<uint16_t>& raster);

    void read_raster(const Doc& doc, const std::filesystem::path& dir, size_t width, size_t height,
                     size_t hoods, std::vector<uint16_t>& raster);

    ScenarioConfig build(const Doc& doc, std::vector<uint16_t> raster);

    void emit_table(const Doc& doc, const Key& spec, const std::string& path, std::string& out,
                    bool inline_tables);

    std::string emit(const Doc& doc);

    [[noreturn]] void fail();

    ScenarioConfig finish(Doc doc, const std::vector<std::string>& sets, const std::filesystem::path& dir,
                          const std::string& source);
};

} // namespace icsim::loading
