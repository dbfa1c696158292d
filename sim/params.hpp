// One source of truth for parameters. A mechanism declares its typed Params
// struct (defaults live there and only there) and a table of Field entries
// (name, range, unit, one-line meaning, where the default comes from and the
// range a sensitivity sweep should cover). The same table drives `--set` and
// scenario validation, `icsim check --explain`, the parameter tables of
// docs/model/*.md and the list of sweepable keys.
#pragma once

#include <cmath>
#include <limits>
#include <map>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

namespace icsim {

enum class ParamType { Int, Real, Bool };

// Where a parameter's default comes from.
enum class Provenance {
    Assumption, // chosen by the model's authors; `detail` says what it stands for, if anything
    Calibrated, // fitted so that a model output meets a target; `detail` names the target
    Literature, // taken from a study; `detail` is the citation
};

struct Source {
    Provenance kind = Provenance::Assumption;
    const char* detail = "";
};

constexpr Source assumption(const char* note = "") {
    return {Provenance::Assumption, note};
}
constexpr Source calibrated(const char* target) {
    return {Provenance::Calibrated, target};
}
constexpr Source literature(const char* citation) {
    return {Provenance::Literature, citation};
}

// The range a sensitivity sweep should cover (inside the valid range; it may
// be much narrower). An empty range (min > max) means "not swept": a
// structural choice or a scenario setting rather than an uncertain value.
struct SweepRange {
    double min = 1, max = 0;
    bool empty() const { return min > max; }
};

constexpr SweepRange not_swept() {
    return {};
}

// "calibrated: contact-prejudice correlation near -0.21", "assumption", ...
std::string provenance_text(Provenance kind, const std::string& detail);

// A type-erased description of one parameter, for documentation and tools.
struct ParamInfo {
    std::string name;
    ParamType type = ParamType::Real;
    double default_value = 0, min = 0, max = 0;
    std::string unit, description;
    Provenance provenance = Provenance::Assumption;
    std::string source; // the target, citation or note of `provenance`
    SweepRange sweep;
};

// Raised for a bad parameter name or value; the message names the key, what
// was expected and what was found. Callers report it and exit with code 2.
struct ParamError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

template <class T>
struct Field {
    const char* name;
    std::variant<int T::*, double T::*, bool T::*> member;
    double min, max;
    const char* unit;
    const char* description;
    Source source = {};
    SweepRange sweep = {};
};

std::string describe_expected(const ParamInfo& p);
std::string format_number(double v);
// Closest name by edit distance, or "" when nothing is close.
std::string closest_name(const std::string& name, const std::vector<std::string>& candidates);

// GCC 12 reports a false "maybe uninitialized" for the member-pointer reads
// of a branch that the struct's field types never take, and for a struct
// without parameters (an empty field table: the loop never runs) a false
// "array subscript outside array bounds" under the sanitizers. (Clang has
// no such warnings, and would warn about the unknown names.)
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Warray-bounds"
#endif
template <class T>
std::vector<ParamInfo> describe(const std::vector<Field<T>>& fields) {
    const T defaults{};
    std::vector<ParamInfo> out;
    for (const auto& f : fields) {
        ParamInfo p{f.name,        ParamType::Real, 0,      f.min, f.max, f.unit, f.description,
                    f.source.kind, f.source.detail, f.sweep};
        if (const auto* mi = std::get_if<int T::*>(&f.member)) {
            p.type = ParamType::Int;
            p.default_value = double(defaults.**mi);
        } else if (const auto* mb = std::get_if<bool T::*>(&f.member)) {
            p.type = ParamType::Bool;
            p.default_value = defaults.**mb ? 1.0 : 0.0;
        } else {
            p.default_value = defaults.*std::get<double T::*>(f.member);
        }
        out.push_back(p);
    }
    return out;
}
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

// Sets `name` to `value` in `params`, checking type and range. `prefix` is
// prepended to names in messages (e.g. "residential_mobility.").
template <class T>
void set_param(T& params, const std::vector<Field<T>>& fields, const std::string& name, double value,
               const std::string& prefix = "") {
    const auto infos = describe(fields);
    for (size_t k = 0; k < fields.size(); ++k) {
        if (name != fields[k].name)
            continue;
        const ParamInfo& p = infos[k];
        const bool integral = std::floor(value) == value;
        if (!std::isfinite(value) || value < p.min || value > p.max ||
            (p.type != ParamType::Real && !integral))
            throw ParamError(prefix + name + ": expected " + describe_expected(p) + ", found " +
                             format_number(value));
        std::visit(
            [&](auto member) {
                using V = std::decay_t<decltype(params.*member)>;
                params.*member = static_cast<V>(value);
            },
            fields[k].member);
        return;
    }
    std::vector<std::string> names;
    for (const auto& f : fields)
        names.emplace_back(f.name);
    const std::string guess = closest_name(name, names);
    throw ParamError("unknown parameter '" + prefix + name + "'" +
                     (guess.empty() ? "" : " (did you mean '" + prefix + guess + "'?)"));
}

// Parameter overrides by name, as given on a command line (`--set k=v`).
using ParamValues = std::map<std::string, double>;

template <class T>
T make_params(const std::vector<Field<T>>& fields, const ParamValues& values,
              const std::string& prefix = "") {
    T params{};
    for (const auto& [name, value] : values)
        set_param(params, fields, name, value, prefix);
    return params;
}

// Parses "key=value" (value a number, or true/false); throws ParamError.
std::pair<std::string, double> parse_assignment(const std::string& text);

} // namespace icsim
