// Scenario loading: parse each file, flatten it against the schema (checking
// keys, types and ranges as it goes), merge the `extends` chain and the
// `--set` assignments, fill defaults, check the cross-field rules, then build
// the config structs and the resolved TOML text. See loader.hpp for the
// language's rules and docs/scenario-language.md for users.
//
// [SECTION] flat documents   [SECTION] reading TOML   [SECTION] merging and --set
// [SECTION] defaults and cross-field checks   [SECTION] building configs   [SECTION] resolved TOML
#include "scenarios/loader.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <tuple>
#include <variant>

#include <toml++/toml.h>

#include "models/registry.hpp"
#include "scenarios/schema.hpp"

namespace icsim {

using scenario::Key;
using scenario::Kind;

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

namespace {

// [SECTION] flat documents
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

std::string toml_quote(const std::string& s) {
    std::string out = "\"";
    for (unsigned char c : s) {
        if (c == '"' || c == '\\') {
            out += '\\';
            out += char(c);
        } else if (c < 0x20 || c == 0x7f) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\u%04x", c);
            out += buf;
        } else {
            out += char(c);
        }
    }
    return out + "\"";
}

std::string real_text(double v) {
    char buf[40];
    if (std::floor(v) == v && std::abs(v) < 1e15) { // whole numbers in plain notation: 60.0, not 6e+01
        std::snprintf(buf, sizeof buf, "%.1f", v);
        return buf;
    }
    std::snprintf(buf, sizeof buf, "%.17g", v);
    std::string s = buf;
    // Shortest text that reads back to the same double.
    for (int prec = 1; prec <= 17; ++prec) {
        std::snprintf(buf, sizeof buf, "%.*g", prec, v);
        if (std::strtod(buf, nullptr) == v) {
            s = buf;
            break;
        }
    }
    if (s.find_first_of(".eEn") == std::string::npos)
        s += ".0";
    return s;
}

std::string value_text(const Value& v) {
    struct Visitor {
        std::string operator()(bool b) const { return b ? "true" : "false"; }
        std::string operator()(int64_t i) const { return std::to_string(i); }
        std::string operator()(double d) const { return real_text(d); }
        std::string operator()(const std::string& s) const { return toml_quote(s); }
        std::string operator()(const std::vector<std::string>& a) const {
            std::string s = "[";
            for (size_t i = 0; i < a.size(); ++i)
                s += (i ? ", " : "") + toml_quote(a[i]);
            return s + "]";
        }
        std::string operator()(const Cells& a) const {
            std::string s = "[";
            for (size_t i = 0; i < a.size(); ++i)
                s +=
                    (i ? ", [" : "[") + std::to_string(a[i].first) + ", " + std::to_string(a[i].second) + "]";
            return s + "]";
        }
    };
    return std::visit(Visitor{}, v);
}

// "policies a, b and c" / "policy a".
std::string name_list(const std::vector<std::string>& names) {
    std::string s = names.size() == 1 ? "policy " : "policies ";
    for (size_t k = 0; k < names.size(); ++k)
        s += (k == 0 ? "" : k + 1 == names.size() ? " and " : ", ") + names[k];
    return s;
}

class Loader {
public:
    std::vector<Diagnostic> diags;
    std::vector<std::string> notes;  // ScenarioConfig::notes
    bool syntax_error = false;       // a file did not parse: later checks would only mislead
    std::set<std::string> bad_paths; // keys already reported: not "missing" as well

    void error(const Origin& o, const std::string& key, const std::string& message) {
        if (diags.size() < 200) // bound the report for pathological input
            diags.push_back({o.file, o.line, o.column, key, message});
    }

    // [SECTION] reading TOML

    static Origin origin_of(const toml::source_region& r, const std::string& file) {
        return {file, int(r.begin.line), int(r.begin.column)};
    }

    static std::string found_text(const toml::node& n) {
        if (auto s = n.as_string())
            return "the string " + toml_quote(std::string(s->get()).substr(0, 60));
        if (auto i = n.as_integer())
            return "the integer " + std::to_string(i->get());
        if (auto f = n.as_floating_point())
            return "the number " + real_text(f->get());
        if (auto b = n.as_boolean())
            return b->get() ? "true" : "false";
        if (n.is_table())
            return "a table";
        if (n.is_array())
            return "an array";
        return "a date or time";
    }

    // Converts one TOML value to a leaf's type, reporting a mismatch.
    bool convert(const toml::node& n, const Key& k, const std::string& path, const Origin& o, Value& out) {
        auto mismatch = [&] {
            bad_paths.insert(path);
            error(o, path, "expected " + scenario::expected_text(k) + ", found " + found_text(n));
            return false;
        };
        switch (k.kind) {
        case Kind::Bool:
            if (!n.is_boolean())
                return mismatch();
            out = n.as_boolean()->get();
            return true;
        case Kind::Int: {
            if (!n.is_integer())
                return mismatch();
            const int64_t v = n.as_integer()->get();
            if (double(v) < k.min || double(v) > k.max)
                return mismatch();
            out = v;
            return true;
        }
        case Kind::Real: {
            double v = 0;
            if (n.is_integer())
                v = double(n.as_integer()->get());
            else if (n.is_floating_point())
                v = n.as_floating_point()->get();
            else
                return mismatch();
            if (!std::isfinite(v) || v < k.min || v > k.max)
                return mismatch();
            out = v;
            return true;
        }
        case Kind::String:
        case Kind::Enum: {
            if (!n.is_string())
                return mismatch();
            std::string s(n.as_string()->get());
            if (k.kind == Kind::Enum && std::find(k.choices.begin(), k.choices.end(), s) == k.choices.end()) {
                const std::string guess = closest_name(s, k.choices);
                bad_paths.insert(path);
                error(o, path,
                      "expected " + scenario::expected_text(k) + ", found " + toml_quote(s) +
                          (guess.empty() ? "" : " (did you mean " + toml_quote(guess) + "?)"));
                return false;
            }
            out = std::move(s);
            return true;
        }
        case Kind::Strings: {
            const toml::array* a = n.as_array();
            if (a == nullptr)
                return mismatch();
            std::vector<std::string> v;
            for (const auto& e : *a) {
                if (!e.is_string()) {
                    bad_paths.insert(path);
                    error(o, path,
                          "expected " + scenario::expected_text(k) + ", found " + found_text(e) +
                              " at position " + std::to_string(v.size() + 1));
                    return false;
                }
                v.emplace_back(e.as_string()->get());
            }
            out = std::move(v);
            return true;
        }
        case Kind::Cells: {
            const toml::array* a = n.as_array();
            if (a == nullptr)
                return mismatch();
            Cells v;
            for (const auto& e : *a) {
                const toml::array* xy = e.as_array();
                if (xy == nullptr || xy->size() != 2 || !(*xy)[0].is_integer() || !(*xy)[1].is_integer())
                    return mismatch();
                v.emplace_back((*xy)[0].as_integer()->get(), (*xy)[1].as_integer()->get());
            }
            out = std::move(v);
            return true;
        }
        case Kind::Table:
        case Kind::List:
            break;
        }
        return mismatch();
    }

    void unknown_key(const Key& spec, const std::string& path, const std::string& name, const Origin& o) {
        std::vector<std::string> names;
        for (const auto& c : spec.children)
            names.push_back(c.name);
        const std::string guess = closest_name(name, names);
        const std::string full = path.empty() ? name : path + "." + name;
        error(
            o, full,
            "unknown key" + (guess.empty() ? std::string() : " (did you mean '" + guess + "'?)") +
                (spec.name.empty() && path.empty()
                     ? ""
                     : "; 'icsim check --explain " + (path.empty() ? spec.name : path) + "' lists the keys"));
    }

    void walk_table(const toml::table& t, const Key& spec, const std::string& path, Doc& doc,
                    const std::string& file) {
        for (const auto& [name, node] : t) {
            const std::string key(name.str());
            const Origin o = origin_of(name.source(), file);
            const std::string p = path.empty() ? key : path + "." + key;
            const Key* child = nullptr;
            for (const auto& c : spec.children)
                if (c.name == key)
                    child = &c;
            if (child == nullptr) {
                unknown_key(spec, path, key, o);
                continue;
            }
            if (child->kind == Kind::Table) {
                if (const toml::table* sub = node.as_table())
                    walk_table(*sub, *child, p, doc, file);
                else
                    error(o, p, "expected a table, found " + found_text(node));
            } else if (child->kind == Kind::List) {
                walk_list(node, *child, p, doc, file, o);
            } else {
                Value v;
                if (convert(node, *child, p, origin_of(node.source(), file), v))
                    doc.values[p] = {std::move(v), origin_of(node.source(), file)};
            }
        }
    }

    void walk_list(const toml::node& node, const Key& spec, const std::string& path, Doc& doc,
                   const std::string& file, const Origin& o) {
        const toml::array* a = node.as_array();
        if (a == nullptr || !a->is_array_of_tables()) {
            error(o, path, "expected " + scenario::expected_text(spec) + ", found " + found_text(node));
            return;
        }
        auto& names = doc.lists[path];
        for (const auto& elem : *a) {
            const toml::table& t = *elem.as_table();
            const Origin eo = origin_of(elem.source(), file);
            const toml::node* id = t.get("name");
            if (id == nullptr || !id->is_string() || id->as_string()->get().empty()) {
                error(eo, path, "each entry needs a name = \"...\" (entries are merged by name)");
                continue;
            }
            const std::string name(id->as_string()->get());
            const Origin no = origin_of(id->source(), file);
            if (name.find('.') != std::string::npos || name.size() > 200) {
                error(no, path + ".name",
                      "expected a name without '.' of at most 200 characters, found " +
                          toml_quote(name.substr(0, 60)));
                continue;
            }
            const std::string ep = path + "." + name;
            if (doc.entries.count(ep)) {
                error(no, ep,
                      "duplicate entry name (first defined at line " + std::to_string(doc.entries[ep].line) +
                          ")");
                continue;
            }
            if (const toml::node* rm = t.get("remove"); rm != nullptr && rm->value_or(false)) {
                doc.removals.emplace_back(ep, no);
                continue;
            }
            names.push_back(name);
            doc.entries[ep] = eo;
            walk_table(t, spec, ep, doc, file);
            doc.values.erase(ep + ".name");
            doc.values.erase(ep + ".remove");
        }
    }

    Doc load_layer(const std::filesystem::path& path, std::vector<std::filesystem::path>& chain,
                   const Origin& from) {
        Doc doc;
        const std::string file = path.string();
        std::error_code ec;
        const auto canonical = std::filesystem::weakly_canonical(path, ec);
        if (std::find(chain.begin(), chain.end(), canonical) != chain.end()) {
            syntax_error = true;
            error(from, "extends", "cycle: " + file + " extends itself through the chain");
            return doc;
        }
        if (int(chain.size()) >= kMaxExtendsDepth) {
            syntax_error = true;
            error(from, "extends",
                  "more than " + std::to_string(kMaxExtendsDepth) + " files in the extends chain");
            return doc;
        }
        if (std::filesystem::is_directory(path, ec)) {
            syntax_error = true;
            error(from.file.empty() ? Origin{file} : from, from.file.empty() ? "" : "extends",
                  file + " is a directory, not a scenario file");
            return doc;
        }
        errno = 0;
        std::ifstream in(path, std::ios::binary);
        if (!in) {
            syntax_error = true;
            error(from.file.empty() ? Origin{file} : from, from.file.empty() ? "" : "extends",
                  "cannot open " + file + (errno != 0 ? ": " + std::string(std::strerror(errno)) : ""));
            return doc;
        }
        std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        if (text.size() > kMaxScenarioBytes) {
            syntax_error = true;
            error({file}, "", "file larger than " + std::to_string(kMaxScenarioBytes >> 20) + " MiB");
            return doc;
        }
        chain.push_back(canonical);
        doc = load_text(text, file, path.parent_path(), chain);
        chain.pop_back();
        return doc;
    }

    Doc load_text(const std::string& text, const std::string& file, const std::filesystem::path& dir,
                  std::vector<std::filesystem::path>& chain) {
        Doc doc;
        toml::table root;
        try {
            root = toml::parse(std::string_view(text), std::string_view(file));
        } catch (const toml::parse_error& e) {
            error(origin_of(e.source(), file), "", "TOML syntax: " + std::string(e.description()));
            syntax_error = true;
            return doc;
        }
        walk_table(root, scenario::schema(), "", doc, file);
        const auto ext = doc.values.find("extends");
        if (ext == doc.values.end())
            return doc;
        const Origin eo = ext->second.origin;
        const std::string target = std::get<std::string>(ext->second.value);
        doc.values.erase(ext);
        if (dir.empty() && chain.empty()) {
            error(eo, "extends", "not allowed here (this scenario is not read from a file)");
            return doc;
        }
        Doc base = load_layer(dir / target, chain, eo);
        merge(base, doc);
        return base;
    }

    // [SECTION] merging and --set

    void merge(Doc& base, const Doc& over) {
        for (const auto& [ep, o] : over.removals) {
            const auto dot = ep.rfind('.');
            const std::string list = ep.substr(0, dot), name = ep.substr(dot + 1);
            auto& names = base.lists[list];
            const auto it = std::find(names.begin(), names.end(), name);
            if (it == names.end()) {
                error(o, ep, "remove = true, but no inherited entry has this name");
                continue;
            }
            names.erase(it);
            base.entries.erase(ep);
            const std::string prefix = ep + ".";
            for (auto v = base.values.lower_bound(prefix);
                 v != base.values.end() && v->first.rfind(prefix, 0) == 0;)
                v = base.values.erase(v);
        }
        for (const auto& [list, names] : over.lists) {
            auto& into = base.lists[list];
            for (const auto& n : names)
                if (std::find(into.begin(), into.end(), n) == into.end())
                    into.push_back(n);
        }
        for (const auto& [ep, o] : over.entries)
            base.entries.emplace(ep, o);
        for (const auto& [p, e] : over.values)
            base.values[p] = e;
    }

    void apply_set(Doc& doc, const std::string& assignment) {
        const Origin o{"--set"};
        const auto eq = assignment.find('=');
        if (eq == std::string::npos || eq == 0) {
            error(o, "", "'" + assignment + "': expected key.path=value");
            return;
        }
        const std::string path = assignment.substr(0, eq), text = assignment.substr(eq + 1);
        // Walk the path through the schema; list entries are addressed by name.
        const Key* k = &scenario::schema();
        std::string walked;
        std::stringstream ss(path);
        std::string seg;
        while (std::getline(ss, seg, '.')) {
            const Key* child = nullptr;
            for (const auto& c : k->children)
                if (c.name == seg)
                    child = &c;
            if (seg == "extends" && walked.empty()) {
                error(o, "extends", "cannot be set from the command line: put extends in a scenario file");
                return;
            }
            if (k->kind != Kind::Table && k->kind != Kind::List) {
                error(o, walked,
                      "is " + scenario::kind_name(*k) + ", not a table: it has no key '" + seg + "'");
                return;
            }
            if (k->kind == Kind::List && (seg == "name" || seg == "remove")) {
                error(o, walked + "." + seg,
                      "entries are renamed or removed in a scenario file, not with --set");
                return;
            }
            if (child == nullptr) {
                unknown_key(*k, walked, seg, o);
                return;
            }
            walked += (walked.empty() ? "" : ".") + seg;
            k = child;
            if (k->kind == Kind::List) {
                if (!std::getline(ss, seg, '.')) {
                    error(o, walked, "name an entry: " + walked + ".<name>.<key>=value");
                    return;
                }
                const auto& names = doc.lists[walked];
                if (std::find(names.begin(), names.end(), seg) == names.end()) {
                    const std::string guess = closest_name(seg, names);
                    error(o, walked + "." + seg,
                          "no entry of this name" +
                              (guess.empty() ? "" : " (did you mean '" + guess + "'?)"));
                    return;
                }
                walked += "." + seg;
            }
        }
        if (k->kind == Kind::Table || k->kind == Kind::List) {
            error(o, walked, "is a table; set one of its keys ('icsim check --explain " + walked + "')");
            return;
        }
        toml::table parsed;
        try {
            const std::string doc_text = "v = " + text;
            parsed = toml::parse(std::string_view(doc_text), std::string_view("--set"));
        } catch (const toml::parse_error&) {
            parsed = toml::table{{"v", text}}; // a bare word is a string
        }
        Value v;
        if (convert(*parsed.get("v"), *k, walked, o, v))
            doc.values[walked] = {std::move(v), o};
    }

    // [SECTION] defaults and cross-field checks

    void fill_defaults(Doc& doc, const Key& spec, const std::string& path, const Origin& where) {
        for (const auto& c : spec.children) {
            const std::string p = path.empty() ? c.name : path + "." + c.name;
            if (c.kind == Kind::Table) {
                fill_defaults(doc, c, p, where);
            } else if (c.kind == Kind::List) {
                for (const auto& name : doc.lists[p])
                    fill_defaults(doc, c, p + "." + name, doc.entries[p + "." + name]);
            } else if (c.name == "extends" ||
                       (spec.kind == Kind::List && (c.name == "name" || c.name == "remove"))) {
                continue;
            } else if (!doc.values.count(p)) {
                // A rejected value is already reported; a default stands in
                // for it so that the cross-field checks can still run.
                if (c.required) {
                    if (!bad_paths.count(p))
                        error(where, p, "required key missing (" + scenario::expected_text(c) + ")");
                } else if (!c.def.empty()) {
                    Value v;
                    const std::string def_text = "v = " + c.def;
                    const toml::table t = toml::parse(std::string_view(def_text));
                    if (convert(*t.get("v"), c, p, {"(default)"}, v))
                        doc.values[p] = {std::move(v), {"(default)"}};
                }
            }
        }
    }

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

    void check_references(const Doc& doc) {
        for (const auto& [path, e] : doc.values) {
            const Key* k = scenario::find_key(path);
            if (k == nullptr || k->refers_to.empty())
                continue;
            std::vector<std::string> allowed;
            if (k->refers_to == "mechanisms") {
                for (const auto& m : mechanism_registry())
                    allowed.push_back(m.name);
            } else {
                const std::string list =
                    k->refers_to == "neighbourhoods" ? "city.neighbourhoods" : k->refers_to;
                const auto it = doc.lists.find(list);
                if (it != doc.lists.end())
                    allowed = it->second;
                if (k->refers_to == "organisations")
                    allowed.emplace_back("city");
            }
            std::vector<std::string> names;
            if (const auto* s = std::get_if<std::string>(&e.value))
                names.push_back(*s);
            else if (const auto* a = std::get_if<std::vector<std::string>>(&e.value))
                names = *a;
            std::set<std::string> seen;
            for (const auto& n : names) {
                if (!seen.insert(n).second)
                    error(e.origin, path, "names " + toml_quote(n) + " twice");
                if (std::find(allowed.begin(), allowed.end(), n) != allowed.end())
                    continue;
                const std::string guess = closest_name(n, allowed);
                error(e.origin, path,
                      "no " + k->refers_to + " entry named " + toml_quote(n) +
                          (k->refers_to == "organisations" ? " (nor \"city\")" : "") +
                          (guess.empty() ? "" : " (did you mean " + toml_quote(guess) + "?)"));
            }
        }
    }

    void cross_check(const Doc& doc, const std::filesystem::path& dir, const Origin& top,
                     std::vector<uint16_t>& raster) {
        check_references(doc);
        const int64_t width = get<int64_t>(doc, "city.width"), height = get<int64_t>(doc, "city.height");
        const int64_t capacity = get<int64_t>(doc, "city.capacity");
        const uint64_t dwellings = uint64_t(width * height * capacity);
        if (dwellings > 0x7FFFFFFFull)
            error(where(doc, "city.capacity"), "city",
                  "width x height x capacity = " + std::to_string(dwellings) +
                      " dwellings, more than 2^31 - 1");
        const int64_t population = get<int64_t>(doc, "city.population");
        if (uint64_t(population) > dwellings)
            error(where(doc, "city.population"), "city.population",
                  std::to_string(population) + " residents do not fit " + std::to_string(dwellings) +
                      " dwellings (width x height x capacity)");

        // Groups.
        const auto& groups = doc.lists.count("groups") ? doc.lists.at("groups") : std::vector<std::string>{};
        if (groups.empty() || groups.size() > 255)
            error(top, "groups",
                  "expected between 1 and 255 [[groups]] entries, found " + std::to_string(groups.size()));
        double shares = 0;
        bool all_shares = true;
        for (const auto& g : groups) {
            const std::string p = "groups." + g;
            if (!has(doc, p + ".share")) {
                all_shares = false;
                continue;
            }
            shares += num(doc, p + ".share");
            if (get<std::string>(doc, p + ".pattern") == "clustered" &&
                get<std::vector<std::string>>(doc, p + ".home_neighbourhoods").empty())
                error(where(doc, p + ".pattern"), p + ".home_neighbourhoods",
                      "pattern = \"clustered\" needs at least one home neighbourhood");
        }
        if (all_shares && !groups.empty() && std::abs(shares - 1.0) > 1e-6)
            error(where(doc, "groups." + groups.front() + ".share"), "groups.*.share",
                  "shares must sum to 1, found " + format_number(shares));

        // Neighbourhoods and their geometry.
        const std::string layout = get<std::string>(doc, "city.layout");
        const auto& hoods = doc.lists.count("city.neighbourhoods") ? doc.lists.at("city.neighbourhoods")
                                                                   : std::vector<std::string>{};
        if (hoods.size() > 65534)
            error(top, "city.neighbourhoods", "more than 65534 neighbourhoods");
        if (layout != "rectangles" && hoods.empty())
            error(where(doc, "city.layout"), "city.neighbourhoods",
                  "layout = \"" + layout + "\" needs at least one [[city.neighbourhoods]] entry");
        for (const auto& h : hoods) {
            const std::string p = "city.neighbourhoods." + h;
            const Origin eo = doc.entries.at(p);
            if (layout != "rectangles")
                continue;
            bool complete = true;
            for (const char* c : {"x0", "y0", "x1", "y1"})
                if (!has(doc, p + "." + c)) {
                    error(eo, p + "." + c, "required with layout = \"rectangles\"");
                    complete = false;
                }
            if (!complete)
                continue;
            const int64_t x0 = get<int64_t>(doc, p + ".x0"), x1 = get<int64_t>(doc, p + ".x1");
            const int64_t y0 = get<int64_t>(doc, p + ".y0"), y1 = get<int64_t>(doc, p + ".y1");
            if (x0 >= x1 || y0 >= y1 || x1 > width || y1 > height)
                error(eo, p,
                      "rectangle [" + std::to_string(x0) + ", " + std::to_string(x1) + ") x [" +
                          std::to_string(y0) + ", " + std::to_string(y1) + ") is empty or outside the " +
                          std::to_string(width) + " x " + std::to_string(height) + " grid");
        }
        if (layout == "raster")
            read_raster(doc, dir, size_t(width), size_t(height), hoods.size(), raster);

        // Places.
        if (doc.lists.count("places"))
            for (const auto& name : doc.lists.at("places")) {
                const std::string p = "places." + name;
                for (const auto& [x, y] : get<Cells>(doc, p + ".cells"))
                    if (x < 0 || y < 0 || x >= width || y >= height)
                        error(where(doc, p + ".cells"), p + ".cells",
                              "[" + std::to_string(x) + ", " + std::to_string(y) + "] lies outside the " +
                                  std::to_string(width) + " x " + std::to_string(height) + " grid");
            }

        // Policy windows inside the scenario's horizon: its run.steps, or
        // run.horizon when the run stops earlier than the scenario.
        const int64_t run_steps = get<int64_t>(doc, "run.steps");
        const bool truncated = has(doc, "run.horizon");
        const int64_t steps = truncated ? get<int64_t>(doc, "run.horizon") : run_steps;
        const std::string steps_key = truncated ? "run.horizon" : "run.steps";
        if (truncated && steps < run_steps)
            error(where(doc, "run.horizon"), "run.horizon",
                  "expected at least run.steps (" + std::to_string(run_steps) + "), found " +
                      std::to_string(steps));
        std::vector<std::string> cut, skipped;
        if (doc.lists.count("policies"))
            for (const auto& name : doc.lists.at("policies")) {
                const std::string p = "policies." + name;
                const int64_t start = get<int64_t>(doc, p + ".start"), end = get<int64_t>(doc, p + ".end");
                const int64_t ramp = get<int64_t>(doc, p + ".ramp");
                const int64_t stop = end < 0 ? steps : end;
                if (start >= steps && steps > 0)
                    error(where(doc, p + ".start"), p + ".start",
                          "starts at step " + std::to_string(start) + ", after the run's last step " +
                              std::to_string(steps - 1) + " (" + steps_key + " = " + std::to_string(steps) +
                              ")");
                if (end >= 0 && (end <= start || end > steps))
                    error(where(doc, p + ".end"), p + ".end",
                          "expected an end step in (" + std::to_string(start) + ", " + std::to_string(steps) +
                              "] (after start, inside the run), found " + std::to_string(end));
                if (ramp > 0 && ramp > stop - start)
                    error(where(doc, p + ".ramp"), p + ".ramp",
                          "ramp of " + std::to_string(ramp) +
                              " steps is longer than the policy's window of " +
                              std::to_string(std::max<int64_t>(0, stop - start)) + " steps");
                // The same convention for the run's last step as the checks above.
                if (truncated && start >= run_steps)
                    skipped.push_back(name);
                else if (truncated && (stop > run_steps || start + ramp > run_steps))
                    cut.push_back(name);
            }
        if (!cut.empty())
            notes.push_back("the run stops after step " + std::to_string(run_steps) + " of the scenario's " +
                            std::to_string(steps) + ": " + name_list(cut) +
                            " run to that step, their windows or ramps cut there");
        if (!skipped.empty())
            notes.push_back(name_list(skipped) + " start after step " + std::to_string(run_steps) +
                            " and are skipped");
    }

    void read_raster(const Doc& doc, const std::filesystem::path& dir, size_t width, size_t height,
                     size_t hoods, std::vector<uint16_t>& raster) {
        const std::string name = get<std::string>(doc, "city.raster");
        const Origin ro = where(doc, "city.raster");
        if (name.empty()) {
            error(where(doc, "city.layout"), "city.raster", "layout = \"raster\" needs a raster file");
            return;
        }
        // Relative to the file that names it (a base file may name it).
        const std::filesystem::path base = ro.file.empty() || ro.file == "--set" || ro.file == "(default)"
                                               ? dir
                                               : std::filesystem::path(ro.file).parent_path();
        const std::filesystem::path path = base / name;
        std::ifstream in(path);
        if (!in) {
            error(ro, "city.raster", "cannot open " + path.string());
            return;
        }
        raster.assign(width * height, 0);
        std::string line;
        size_t row = 0;
        for (int lineno = 1; std::getline(in, line); ++lineno) {
            if (line.find_first_not_of(" \t\r") == std::string::npos ||
                line[line.find_first_not_of(" \t")] == '#')
                continue;
            std::replace(line.begin(), line.end(), ',', ' ');
            std::istringstream cells(line);
            size_t col = 0;
            long v = 0;
            const Origin lo{path.string(), lineno, 1};
            while (cells >> v) {
                if (v < 1 || size_t(v) > hoods) {
                    error(lo, "city.raster",
                          "expected neighbourhood numbers in [1, " + std::to_string(hoods) + "], found " +
                              std::to_string(v));
                    return;
                }
                if (row < height && col < width)
                    raster[row * width + col] = uint16_t(v - 1);
                ++col;
            }
            if (!cells.eof() || col != width) {
                error(lo, "city.raster",
                      "expected " + std::to_string(width) + " numbers on the row, found " +
                          (cells.eof() ? std::to_string(col) : "a non-number"));
                return;
            }
            ++row;
        }
        if (row != height)
            error({path.string()}, "city.raster",
                  "expected " + std::to_string(height) + " rows, found " + std::to_string(row));
    }

    // [SECTION] building configs

    ScenarioConfig build(const Doc& doc, std::vector<uint16_t> raster) {
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
        const std::map<std::string, PlaceKind> place_kinds = {
            {"workplace", PlaceKind::Workplace},
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

    // [SECTION] resolved TOML

    void emit_table(const Doc& doc, const Key& spec, const std::string& path, std::string& out,
                    bool inline_tables) {
        for (const auto& c : spec.children) {
            const std::string p = path.empty() ? c.name : path + "." + c.name;
            if (c.kind == Kind::Table || c.kind == Kind::List)
                continue;
            if (c.name == "remove" || c.name == "extends")
                continue;
            if (c.name == "name" && !path.empty() && spec.kind == Kind::List) {
                out += "name = " + toml_quote(path.substr(path.rfind('.') + 1)) + "\n";
                continue;
            }
            const auto it = doc.values.find(p);
            if (it != doc.values.end())
                out += c.name + " = " + value_text(it->second.value) + "\n";
        }
        for (const auto& c : spec.children) {
            const std::string p = path.empty() ? c.name : path + "." + c.name;
            if (c.kind == Kind::Table && inline_tables) {
                std::string fields;
                for (const auto& leaf : c.children) {
                    const auto it = doc.values.find(p + "." + leaf.name);
                    if (it != doc.values.end())
                        fields +=
                            (fields.empty() ? "" : ", ") + leaf.name + " = " + value_text(it->second.value);
                }
                out += c.name + " = { " + fields + " }\n";
            } else if (c.kind == Kind::Table) {
                std::string body;
                emit_table(doc, c, p, body, false);
                if (!body.empty())
                    out += "\n[" + p + "]\n" + body;
            } else if (c.kind == Kind::List) {
                const auto it = doc.lists.find(p);
                if (it == doc.lists.end())
                    continue;
                for (const auto& name : it->second) {
                    out += "\n[[" + p + "]]\n";
                    emit_table(doc, c, p + "." + name, out, true);
                }
            }
        }
    }

    std::string emit(const Doc& doc) {
        std::string out = "# icsim resolved scenario: every key with its value in force\n";
        emit_table(doc, scenario::schema(), "", out, false);
        return out;
    }

    [[noreturn]] void fail() {
        std::stable_sort(diags.begin(), diags.end(), [](const Diagnostic& a, const Diagnostic& b) {
            // By file, line and column; command-line problems last.
            return std::make_tuple(a.file == "--set", a.file, a.line, a.column) <
                   std::make_tuple(b.file == "--set", b.file, b.line, b.column);
        });
        throw ScenarioError(diags);
    }

    ScenarioConfig finish(Doc doc, const std::vector<std::string>& sets, const std::filesystem::path& dir,
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
};

} // namespace

ScenarioConfig load_scenario_file(const std::string& path, const std::vector<std::string>& sets) {
    Loader loader;
    std::vector<std::filesystem::path> chain;
    Doc doc = loader.load_layer(path, chain, {});
    return loader.finish(std::move(doc), sets, std::filesystem::path(path).parent_path(), path);
}

ScenarioConfig load_scenario_text(const std::string& text, const std::string& name,
                                  const std::vector<std::string>& sets) {
    Loader loader;
    std::vector<std::filesystem::path> chain;
    if (text.size() > kMaxScenarioBytes)
        throw ScenarioError({{name, 0, 0, "", "text larger than 4 MiB"}});
    Doc doc = loader.load_text(text, name, {}, chain);
    return loader.finish(std::move(doc), sets, {}, name);
}

ScenarioConfig load_default_scenario(const std::vector<std::string>& sets) {
    return load_scenario_text(default_scenario_text(), "default.toml (built in)", sets);
}

} // namespace icsim
