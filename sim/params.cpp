#include "sim/params.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace icsim {

std::string format_number(double v) {
    char buf[64];
    if (std::floor(v) == v && std::abs(v) < 1e18)
        std::snprintf(buf, sizeof buf, "%.0f", v);
    else
        std::snprintf(buf, sizeof buf, "%.10g", v);
    return buf;
}

std::string describe_expected(const ParamInfo& p) {
    switch (p.type) {
    case ParamType::Bool:
        return "true or false";
    case ParamType::Int:
        return "an integer in [" + format_number(p.min) + ", " + format_number(p.max) + "]";
    case ParamType::Real:
        break;
    }
    return "a number in [" + format_number(p.min) + ", " + format_number(p.max) + "]";
}

std::string provenance_text(Provenance kind, const std::string& detail) {
    const char* name = kind == Provenance::Calibrated   ? "calibrated"
                       : kind == Provenance::Literature ? "literature"
                                                        : "assumption";
    return detail.empty() ? std::string(name) : std::string(name) + ": " + detail;
}

static size_t edit_distance(const std::string& a, const std::string& b) {
    std::vector<size_t> row(b.size() + 1);
    for (size_t j = 0; j <= b.size(); ++j)
        row[j] = j;
    for (size_t i = 1; i <= a.size(); ++i) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= b.size(); ++j) {
            const size_t up = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
            diag = up;
        }
    }
    return row[b.size()];
}

std::string closest_name(const std::string& name, const std::vector<std::string>& candidates) {
    std::string best;
    size_t best_d = std::max<size_t>(2, name.size() / 3) + 1;
    for (const auto& c : candidates) {
        const size_t d = edit_distance(name, c);
        if (d < best_d) {
            best_d = d;
            best = c;
        }
    }
    return best;
}

std::pair<std::string, double> parse_assignment(const std::string& text) {
    const auto eq = text.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == text.size())
        throw ParamError("--set " + text + ": expected key=value");
    const std::string key = text.substr(0, eq), value = text.substr(eq + 1);
    if (value == "true")
        return {key, 1.0};
    if (value == "false")
        return {key, 0.0};
    char* end = nullptr;
    const double v = std::strtod(value.c_str(), &end);
    if (end == value.c_str() || *end != '\0')
        throw ParamError("--set " + text + ": expected a number or true/false for '" + key + "', found '" +
                         value + "'");
    return {key, v};
}

} // namespace icsim
