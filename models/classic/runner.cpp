#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

#include <oneapi/tbb/parallel_for.h>

#include "models/classic/classic.hpp"
#include "sim/rng.hpp"

namespace icsim {

const ClassicModel* find_classic(const std::string& name) {
    for (const auto& m : classic_models())
        if (m.name == name)
            return &m;
    return nullptr;
}

uint64_t replicate_seed(uint64_t seed, uint32_t replicate) {
    return draw_u64(seed, Stream::Classic, 0, replicate, 0);
}

MetricSummary summarise_metric(const std::string& name, const std::vector<double>& values) {
    MetricSummary s;
    s.name = name;
    s.min = std::numeric_limits<double>::infinity();
    s.max = -s.min;
    double sum = 0;
    for (const double v : values) {
        if (std::isnan(v))
            continue;
        ++s.count;
        sum += v;
        s.min = std::min(s.min, v);
        s.max = std::max(s.max, v);
    }
    if (s.count == 0) {
        s.mean = s.sd = s.se = s.min = s.max = kMissing;
        return s;
    }
    s.mean = sum / s.count;
    double ss = 0;
    for (const double v : values)
        if (!std::isnan(v))
            ss += (v - s.mean) * (v - s.mean);
    s.sd = s.count > 1 ? std::sqrt(ss / (s.count - 1)) : 0.0;
    s.se = s.sd / std::sqrt(double(s.count));
    return s;
}

ClassicResult run_classic(const ClassicModel& model, const ParamValues& overrides, uint32_t runs,
                          uint64_t seed) {
    if (runs == 0)
        throw ParamError("--runs: expected an integer >= 1, found 0");
    const auto replicate = model.prepare(overrides); // validates, throws ParamError

    ClassicResult result;
    for (const auto& p : model.params) {
        const auto it = overrides.find(p.name);
        result.params.emplace_back(p.name, it == overrides.end() ? p.default_value : it->second);
    }

    std::vector<MetricValues> per_run(runs);
    oneapi::tbb::parallel_for(uint32_t(0), runs,
                              [&](uint32_t k) { per_run[k] = replicate(replicate_seed(seed, k)); });

    // Summaries in replicate order: independent of the thread count. Missing
    // values (NaN) are skipped; see kMissing.
    std::vector<double> values(runs);
    for (size_t m = 0; m < per_run[0].size(); ++m) {
        for (uint32_t k = 0; k < runs; ++k)
            values[k] = per_run[k].at(m).second;
        result.metrics.push_back(summarise_metric(per_run[0][m].first, values));
    }
    return result;
}

} // namespace icsim
