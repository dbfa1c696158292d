// icsim classic: a classic reference model's replicates; icsim validate:
// every classic model against its published result, and the city's
// calibration targets.
#include <cstdio>

#include <nlohmann/json.hpp>

#include "app/common.hpp"
#include "models/classic/classic.hpp"
#include "models/classic/validate.hpp"
#include "session/calibration.hpp"

namespace icsim::app {

int cmd_classic(const ClassicOptions& opts) {
    if (opts.model.empty()) {
        return print_list("classic models (icsim classic MODEL [--set k=v ...] [--runs N] [--seed S] --json)",
                          classic_models());
    }
    const ClassicModel* model = find_classic(opts.model);
    if (model == nullptr)
        throw_unknown("classic model", opts.model, classic_models(), "icsim classic");
    ClassicResult result;
    try {
        result = run_classic(*model, parse_sets(opts.sets), opts.runs, opts.seed);
    } catch (const ParamError& e) {
        throw UsageError("--set: " + std::string(e.what()));
    }
    if (!opts.json) {
        std::printf("%s: %u runs, seed %llu\n", model->name.c_str(), opts.runs,
                    static_cast<unsigned long long>(opts.seed));
        for (size_t k = 0; k < result.params.size(); ++k)
            std::printf("  %s = %s\n", result.params[k].first.c_str(),
                        format_number(result.params[k].second).c_str());
        std::printf("%-20s %14s %12s %12s %12s %12s\n", "metric", "mean", "sd", "se", "min", "max");
        for (const auto& m : result.metrics)
            std::printf("%-20s %14.6g %12.6g %12.6g %12.6g %12.6g\n", m.name.c_str(), m.mean, m.sd, m.se,
                        m.min, m.max);
        return 0;
    }
    nlohmann::ordered_json j;
    j["model"] = model->name;
    j["runs"] = opts.runs;
    j["seed"] = opts.seed;
    j["params"] = nlohmann::ordered_json::object();
    for (size_t k = 0; k < result.params.size(); ++k) {
        const auto& [name, value] = result.params[k];
        const ParamType type = model->params[k].type;
        if (type == ParamType::Int)
            j["params"][name] = static_cast<long long>(value);
        else if (type == ParamType::Bool)
            j["params"][name] = value != 0;
        else
            j["params"][name] = value;
    }
    j["metrics"] = nlohmann::ordered_json::object();
    for (const auto& m : result.metrics)
        j["metrics"][m.name] = {{"mean", m.mean}, {"sd", m.sd},   {"se", m.se},
                                {"min", m.min},   {"max", m.max}, {"count", m.count}};
    std::printf("%s\n", j.dump().c_str());
    return 0;
}

int cmd_validate(bool quick, uint64_t seed) {
    ValidationReport report = run_validation(quick, seed);
    append_city_calibration(report, quick, seed);
    append_city_equality(report, quick, seed);
    print_validation(report, stdout);
    return report.failures() == 0 ? 0 : 1;
}

} // namespace icsim::app
