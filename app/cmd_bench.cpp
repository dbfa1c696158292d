// icsim bench: one benchmark case's figures (bench/), as a table or JSON.
#include <cstdio>

#include <nlohmann/json.hpp>

#include "app/common.hpp"
#include "bench/bench.hpp"

namespace icsim::app {

int cmd_bench(const BenchOptions& opts) {
    if (opts.name.empty()) {
        return print_list("benchmarks (icsim bench NAME [--runs N] --json)", bench_cases());
    }
    const BenchCase* bc = find_bench(opts.name);
    if (bc == nullptr)
        throw_unknown("benchmark", opts.name, bench_cases(), "icsim bench");
    const BenchResult r = bc->run(opts.runs.value_or(bc->default_runs));
    nlohmann::ordered_json j = {{"name", r.name},
                                {"runs", r.runs},
                                {"median_ms", r.median_ms},
                                {"min_ms", r.min_ms},
                                {"max_ms", r.max_ms},
                                {"agent_steps_per_s", r.agent_steps_per_s},
                                {"bandwidth_gb_s", r.bandwidth_gb_s},
                                {"percent_of_bandwidth_bound", r.percent_of_bandwidth_bound},
                                {"unit", r.unit},
                                {"update_rule", r.update_rule},
                                {"threads", r.threads}};
    for (const auto& [k, v] : r.extra)
        j[k] = v;
    if (opts.json) {
        std::printf("%s\n", j.dump().c_str());
    } else {
        for (const auto& [k, v] : j.items())
            std::printf("%-28s %s\n", k.c_str(), v.dump().c_str());
    }
    return 0;
}

} // namespace icsim::app
