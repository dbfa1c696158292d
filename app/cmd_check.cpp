// icsim check: validate a scenario and print it resolved; --explain KEY,
// --reference (the scenario reference, docs/scenarios.md).
#include <cstdio>

#include "app/common.hpp"
#include "scenarios/schema.hpp"

namespace icsim::app {

int cmd_check(const CheckOptions& opts) {
    if (opts.reference) {
        std::fputs(scenario::reference_markdown().c_str(), stdout);
        return 0;
    }
    if (!opts.parameters.empty()) {
        const std::string text = scenario::parameter_table_markdown(opts.parameters);
        if (text.empty())
            throw UsageError("--parameters " + opts.parameters +
                             ": no such mechanism ('icsim check --explain mechanisms' lists them)");
        std::fputs(text.c_str(), stdout);
        return 0;
    }
    if (!opts.explain.empty()) {
        const std::string text = scenario::explain(opts.explain);
        if (text.empty())
            throw UsageError("--explain " + opts.explain +
                             ": no such key ('icsim check --reference' lists them all)");
        std::fputs(text.c_str(), stdout);
        return 0;
    }
    const ScenarioConfig s = load_or_report(opts.scenario, opts.sets);
    std::fputs(s.resolved_toml.c_str(), stdout);
    std::fprintf(stderr, "icsim check: %s is valid\n", s.source.c_str());
    return 0;
}

} // namespace icsim::app
