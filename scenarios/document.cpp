// Reading scenario files into flat documents, checking keys, types and
// ranges against the schema; merging the `extends` chain; `--set`
// assignments; filling defaults.
#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>

#include "scenarios/loader_internal.hpp"

namespace icsim::loading {

Origin Loader::origin_of(const toml::source_region& r, const std::string& file) {
    return {file, int(r.begin.line), int(r.begin.column)};
}

std::string Loader::found_text(const toml::node& n) {
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
bool Loader::convert(const toml::node& n, const Key& k, const std::string& path, const Origin& o,
                     Value& out) {
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

void Loader::unknown_key(const Key& spec, const std::string& path, const std::string& name, const Origin& o) {
    std::vector<std::string> names;
    for (const auto& c : spec.children)
        names.push_back(c.name);
    const std::string guess = closest_name(name, names);
    const std::string full = path.empty() ? name : path + "." + name;
    error(o, full,
          "unknown key" + (guess.empty() ? std::string() : " (did you mean '" + guess + "'?)") +
              (spec.name.empty() && path.empty()
                   ? ""
                   : "; 'icsim check --explain " + (path.empty() ? spec.name : path) + "' lists the keys"));
}

void Loader::walk_table(const toml::table& t, const Key& spec, const std::string& path, Doc& doc,
                        const std::string& file) {
    for (const auto& [name, node] : t) {
        const std::string key(name.str());
        const Origin o = origin_of(name.source(), file);
        const std::string p = path.empty() ? key : path + "." + key;
        const Key* child = nullptr;
        for (const auto& c : spec.children)
            if (c.name == key)
                child = &c;
        if (child == nullptr && p == "output.metrics") {
            // Read by nothing and dropped from the schema; files written
            // before then record it in their scenario text, and must still
            // resume.
            notes.push_back(o.file + ":" + std::to_string(o.line) +
                            ": output.metrics is no longer used and is ignored");
            continue;
        }
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

void Loader::walk_list(const toml::node& node, const Key& spec, const std::string& path, Doc& doc,
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

Doc Loader::load_layer(const std::filesystem::path& path, std::vector<std::filesystem::path>& chain,
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

Doc Loader::load_text(const std::string& text, const std::string& file, const std::filesystem::path& dir,
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
    if (built_in) {
        const std::string* base_text = library_scenario_text(target);
        const std::filesystem::path id = "built-in:" + target;
        if (base_text == nullptr || std::find(chain.begin(), chain.end(), id) != chain.end() ||
            int(chain.size()) >= kMaxExtendsDepth) {
            syntax_error = true;
            error(eo, "extends",
                  base_text == nullptr ? "no scenario " + target + " in the built-in library"
                                       : "cycle or too long a chain through " + target);
            return doc;
        }
        chain.push_back(id);
        Doc base = load_text(*base_text, target + " (built in)", {}, chain);
        chain.pop_back();
        merge(base, doc);
        return base;
    }
    if (dir.empty() && chain.empty()) {
        error(eo, "extends", "not allowed here (this scenario is not read from a file)");
        return doc;
    }
    Doc base = load_layer(dir / target, chain, eo);
    merge(base, doc);
    return base;
}

void Loader::merge(Doc& base, const Doc& over) {
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

void Loader::apply_set(Doc& doc, const std::string& assignment) {
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
            error(o, walked, "is " + scenario::kind_name(*k) + ", not a table: it has no key '" + seg + "'");
            return;
        }
        if (k->kind == Kind::List && (seg == "name" || seg == "remove")) {
            error(o, walked + "." + seg, "entries are renamed or removed in a scenario file, not with --set");
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
                      "no entry of this name" + (guess.empty() ? "" : " (did you mean '" + guess + "'?)"));
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

void Loader::fill_defaults(Doc& doc, const Key& spec, const std::string& path, const Origin& where) {
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

} // namespace icsim::loading
