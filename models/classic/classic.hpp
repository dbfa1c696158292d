// Classic reference models: published models rebuilt exactly, run by
// `icsim classic MODEL`, and used to validate the engine's mechanisms.
//
// Each model declares its parameters (a Field table, see sim/params.hpp) and
// a function running one replicate from a seed. Replicates of one call run in
// parallel; replicate k gets the seed replicate_seed(seed, k), so results do
// not depend on the thread count.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "sim/params.hpp"

namespace icsim {

// Named final figures of one replicate, in a fixed order.
using MetricValues = std::vector<std::pair<std::string, double>>;

// A metric that is undefined for a replicate (e.g. an attack rate over major
// outbreaks, in a replicate whose outbreak was minor) is reported as kMissing
// (any NaN counts as missing). Its summary then covers only the replicates
// that have a value, and MetricSummary::count says how many.
inline constexpr double kMissing = std::numeric_limits<double>::quiet_NaN();

struct ClassicModel {
    std::string name;
    std::string description; // one line, with the source
    std::vector<ParamInfo> params;
    // Validates the overrides (throws ParamError) and returns the replicate
    // runner: seed -> metrics. The runner must be safe to call concurrently.
    std::function<std::function<MetricValues(uint64_t)>(const ParamValues&)> prepare;
};

// A ClassicModel from a model's Field table, its replicate function and an
// optional cross-field check (throws ParamError) run after the overrides.
template <class P>
ClassicModel make_classic_model(std::string name, std::string description,
                                const std::vector<Field<P>>& (*fields)(),
                                MetricValues (*run)(const P&, uint64_t), void (*check)(const P&) = nullptr) {
    ClassicModel m;
    m.name = std::move(name);
    m.description = std::move(description);
    m.params = describe(fields());
    m.prepare = [fields, run, check](const ParamValues& values) -> std::function<MetricValues(uint64_t)> {
        const P params = make_params(fields(), values);
        if (check != nullptr)
            check(params);
        return [params, run](uint64_t seed) { return run(params, seed); };
    };
    return m;
}

// Registered classic models (models/classic/registry.cpp), in listing order.
const std::vector<ClassicModel>& classic_models();
const ClassicModel* find_classic(const std::string& name);

uint64_t replicate_seed(uint64_t seed, uint32_t replicate);

// Summary over the replicates that have a value (count of them); with
// count = 0 every figure is NaN. sd uses count - 1; se = sd / sqrt(count).
struct MetricSummary {
    std::string name;
    double mean = 0, sd = 0, se = 0, min = 0, max = 0;
    uint32_t count = 0;
};

// Mean, sd, se, min and max of `values` in order, skipping missing ones
// (NaN, see kMissing); count says how many had a value.
MetricSummary summarise_metric(const std::string& name, const std::vector<double>& values);

struct ClassicResult {
    std::vector<std::pair<std::string, double>> params; // resolved: defaults with overrides applied
    std::vector<MetricSummary> metrics;
};

// Runs `runs` replicates in parallel (throws ParamError on bad overrides).
ClassicResult run_classic(const ClassicModel& model, const ParamValues& overrides, uint32_t runs,
                          uint64_t seed);

} // namespace icsim
