// The resolved scenario as TOML text: every key with its value in force, in
// schema order (stored in each output file; `icsim resume` reloads it).
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "scenarios/loader_internal.hpp"

namespace icsim::loading {

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

void Loader::emit_table(const Doc& doc, const Key& spec, const std::string& path, std::string& out,
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
                    fields += (fields.empty() ? "" : ", ") + leaf.name + " = " + value_text(it->second.value);
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

std::string Loader::emit(const Doc& doc) {
    std::string out = "# icsim resolved scenario: every key with its value in force\n";
    emit_table(doc, scenario::schema(), "", out, false);
    return out;
}

} // namespace icsim::loading
