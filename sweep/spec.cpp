#include "sweep/spec.hpp"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <toml++/toml.h>

namespace icsim::sweep {

const char* design_name(DesignKind d) {
    switch (d) {
    case DesignKind::Factorial:
        return "factorial";
    case DesignKind::Lhs:
        return "lhs";
    case DesignKind::Sobol:
        return "sobol";
    case DesignKind::Saltelli:
        return "saltelli";
    case DesignKind::Morris:
        return "morris";
    }
    return "?";
}

namespace {

class Reader {
public:
    explicit Reader(std::string file) : file_(std::move(file)) {}

    [[noreturn]] void fail(const toml::node* n, const std::string& key, const std::string& msg) const {
        const int line = n != nullptr ? int(n->source().begin.line) : 0;
        throw SpecError(file_ + (line > 0 ? ":" + std::to_string(line) : "") + ": " + key + ": " + msg);
    }

    static std::string found(const toml::node& n) {
        std::ostringstream os;
        if (n.is_string())
            os << '"' << n.value_or(std::string()) << '"';
        else if (n.is_table())
            os << "a table";
        else if (n.is_array())
            os << "an array";
        else if (n.is_boolean())
            os << (*n.value<bool>() ? "true" : "false");
        else if (n.is_integer())
            os << *n.value<int64_t>();
        else if (n.is_floating_point())
            os << *n.value<double>();
        else
            os << "a date or time";
        return os.str();
    }

    void only(const toml::table& t, const std::set<std::string>& keys, const std::string& prefix) const {
        for (const auto& [k, v] : t)
            if (!keys.count(std::string(k.str()))) {
                std::string list;
                for (const auto& key : keys)
                    list += (list.empty() ? "" : ", ") + key;
                fail(&v, prefix + std::string(k.str()), "unknown key (expected one of: " + list + ")");
            }
    }

    std::string string(const toml::node& n, const std::string& key) const {
        if (!n.is_string())
            fail(&n, key, "expected a string, found " + found(n));
        return *n.value<std::string>();
    }

    double number(const toml::node& n, const std::string& key) const {
        if (!n.is_number())
            fail(&n, key, "expected a number, found " + found(n));
        const double v = *n.value<double>();
        if (!std::isfinite(v))
            fail(&n, key, "expected a finite number, found " + found(n));
        return v;
    }

    uint64_t integer(const toml::node& n, const std::string& key, uint64_t lo, uint64_t hi) const {
        const auto v = n.value_exact<int64_t>();
        if (!v || *v < 0 || uint64_t(*v) < lo || uint64_t(*v) > hi)
            fail(&n, key,
                 "expected an integer from " + std::to_string(lo) + " to " + std::to_string(hi) + ", found " +
                     found(n));
        return uint64_t(*v);
    }

private:
    std::string file_;
};

} // namespace

Spec parse_spec_text(const std::string& text, const std::string& name, const std::string& dir) {
    Reader r(name);
    toml::table root;
    try {
        root = toml::parse(std::string_view(text), std::string_view(name));
    } catch (const toml::parse_error& e) {
        throw SpecError(name + ":" + std::to_string(e.source().begin.line) +
                        ": TOML syntax: " + std::string(e.description()));
    }
    r.only(root,
           {"base", "design", "samples", "replicates", "seed", "steps", "scale", "levels", "parameters",
            "outcomes"},
           "");
    Spec s;
    s.file = name;
    s.text = text;

    const toml::node* base = root.get("base");
    if (base == nullptr)
        r.fail(nullptr, "base", "missing (a scenario file, or \"classic:NAME\" for a classic model)");
    s.base = r.string(*base, "base");
    if (s.base.rfind("classic:", 0) == 0) {
        s.classic = s.base.substr(8);
        if (s.classic.empty())
            r.fail(base, "base", "expected \"classic:NAME\" with a model name");
    } else {
        if (s.base.empty())
            r.fail(base, "base", "expected a scenario file, found \"\"");
        const std::filesystem::path p(s.base);
        s.base_path = p.is_absolute() || dir.empty() ? p.string() : (std::filesystem::path(dir) / p).string();
    }

    const toml::node* design = root.get("design");
    if (design == nullptr)
        r.fail(nullptr, "design", "missing (factorial | lhs | sobol | saltelli | morris)");
    const std::string dn = r.string(*design, "design");
    bool known = false;
    for (const auto d : {DesignKind::Factorial, DesignKind::Lhs, DesignKind::Sobol, DesignKind::Saltelli,
                         DesignKind::Morris})
        if (dn == design_name(d)) {
            s.design = d;
            known = true;
        }
    if (!known)
        r.fail(design, "design", "expected factorial, lhs, sobol, saltelli or morris, found \"" + dn + "\"");

    if (const toml::node* n = root.get("samples"))
        s.samples = r.integer(*n, "samples", 1, uint64_t(1) << 40);
    else if (s.design != DesignKind::Factorial)
        r.fail(nullptr, "samples", std::string("missing (the base sample size of the ") + dn + " design)");
    if (const toml::node* n = root.get("replicates"))
        s.replicates = uint32_t(r.integer(*n, "replicates", 1, 1000000));
    if (const toml::node* n = root.get("seed"))
        s.seed = r.integer(*n, "seed", 0, 9007199254740991ull);
    if (const toml::node* n = root.get("levels")) {
        s.levels = uint32_t(r.integer(*n, "levels", 2, 1000));
        if (s.levels % 2 != 0)
            r.fail(n, "levels", "expected an even number of Morris levels, found " + Reader::found(*n));
    }
    if (const toml::node* n = root.get("steps")) {
        s.steps = uint32_t(r.integer(*n, "steps", 1, 10000000));
        if (!s.classic.empty())
            r.fail(n, "steps", "a classic model has no steps to set");
    }
    if (const toml::node* n = root.get("scale")) {
        s.scale = r.number(*n, "scale");
        if (*s.scale < 0.0001 || *s.scale > 10000)
            r.fail(n, "scale", "expected a number from 0.0001 to 10000, found " + Reader::found(*n));
        if (!s.classic.empty())
            r.fail(n, "scale", "a classic model has no city to scale");
    }

    const toml::node* params = root.get("parameters");
    if (params == nullptr || !params->is_array_of_tables() || params->as_array()->empty())
        r.fail(params, "parameters", "expected one or more [[parameters]] tables");
    std::set<std::string> seen;
    size_t index = 0;
    for (const toml::node& e : *params->as_array()) {
        const toml::table& t = *e.as_table();
        const std::string prefix = "parameters[" + std::to_string(index++) + "].";
        r.only(t, {"key", "min", "max", "values"}, prefix);
        Parameter p;
        p.line = int(t.source().begin.line);
        const toml::node* key = t.get("key");
        if (key == nullptr)
            r.fail(&e, prefix + "key", "missing (a scenario key path, or a classic model's parameter)");
        p.key = r.string(*key, prefix + "key");
        if (p.key.empty() || p.key.find_first_of(" =\t") != std::string::npos)
            r.fail(key, prefix + "key", "expected a key path such as mechanisms.attitudes.negative_weight");
        if (!seen.insert(p.key).second)
            r.fail(key, prefix + "key", "\"" + p.key + "\" is varied twice");
        const toml::node *lo = t.get("min"), *hi = t.get("max"), *vals = t.get("values");
        if (vals != nullptr) {
            if (lo != nullptr || hi != nullptr)
                r.fail(vals, prefix + "values", "give either values or min and max, not both");
            const toml::array* a = vals->as_array();
            if (a == nullptr || a->empty())
                r.fail(vals, prefix + "values", "expected a non-empty array of numbers or strings");
            for (const toml::node& v : *a) {
                if (v.is_number())
                    p.values.emplace_back(r.number(v, prefix + "values"));
                else if (v.is_string() && !s.classic.empty())
                    r.fail(&v, prefix + "values", "a classic model's parameters are numbers");
                else if (v.is_string())
                    p.values.emplace_back(*v.value<std::string>());
                else if (v.is_boolean())
                    p.values.emplace_back(std::string(*v.value<bool>() ? "true" : "false"));
                else
                    r.fail(&v, prefix + "values", "expected numbers or strings, found " + Reader::found(v));
            }
        } else {
            if (lo == nullptr || hi == nullptr)
                r.fail(&e, prefix + (lo == nullptr ? "min" : "max"), "missing (or give values = [...])");
            if (s.design == DesignKind::Factorial)
                r.fail(lo, prefix + "min", "a factorial design needs values = [...] for each parameter");
            p.min = r.number(*lo, prefix + "min");
            p.max = r.number(*hi, prefix + "max");
            p.integer = lo->is_integer() && hi->is_integer();
            if (!(p.max > p.min))
                r.fail(hi, prefix + "max",
                       "expected a number above min (" + Reader::found(*lo) + "), found " +
                           Reader::found(*hi));
        }
        s.parameters.push_back(std::move(p));
    }

    const toml::node* outs = root.get("outcomes");
    if (outs == nullptr || !outs->is_array_of_tables() || outs->as_array()->empty())
        r.fail(outs, "outcomes", "expected one or more [[outcomes]] tables");
    index = 0;
    seen.clear();
    for (const toml::node& e : *outs->as_array()) {
        const toml::table& t = *e.as_table();
        const std::string prefix = "outcomes[" + std::to_string(index++) + "].";
        r.only(t, {"name", "at"}, prefix);
        Outcome o;
        o.line = int(t.source().begin.line);
        const toml::node* nm = t.get("name");
        if (nm == nullptr)
            r.fail(&e, prefix + "name", "missing (a series as 'icsim inspect' prints it, or a metric)");
        o.name = r.string(*nm, prefix + "name");
        if (o.name.empty() || o.name.find('/') != std::string::npos)
            r.fail(nm, prefix + "name", "expected a series name such as prejudice_mean[labour]");
        if (!seen.insert(o.name).second)
            r.fail(nm, prefix + "name", "\"" + o.name + "\" is kept twice");
        if (const toml::node* at = t.get("at")) {
            if (!s.classic.empty())
                r.fail(at, prefix + "at", "a classic model's metrics have no steps");
            const toml::array* a = at->as_array();
            if (a == nullptr || a->empty())
                r.fail(at, prefix + "at", "expected a non-empty array of steps");
            for (const toml::node& v : *a) {
                const auto step = uint32_t(r.integer(v, prefix + "at", 0, 10000000));
                if (!o.at.empty() && step <= o.at.back())
                    r.fail(&v, prefix + "at", "expected steps in increasing order");
                o.at.push_back(step);
            }
        }
        s.outcomes.push_back(std::move(o));
    }
    return s;
}

Spec parse_spec_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw SpecError(path + ": cannot read the sweep file");
    std::ostringstream os;
    os << in.rdbuf();
    const std::string dir = std::filesystem::path(path).parent_path().string();
    return parse_spec_text(os.str(), path, dir);
}

} // namespace icsim::sweep
