#include "session/calibration.hpp"

#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "models/attitudes.hpp"
#include "output/report.hpp"
#include "scenarios/loader.hpp"
#include "session/session.hpp"
#include "sim/rng.hpp"

namespace icsim {

void append_city_calibration(ValidationReport& report, bool quick, uint64_t seed) {
    const uint32_t runs = quick ? 2 : 6;
    std::vector<double> ratio, corr;
    for (uint32_t k = 0; k < runs; ++k) {
        // Seeds as the classic replicates take them: a function of (seed, k).
        const uint64_t s = draw_u64(seed, Stream::Classic, 1, k, 0) >> 11;
        const ScenarioConfig sc = load_default_scenario({"run.seed=" + std::to_string(s)});
        RunSession run(sc);
        run.run_until(run.steps());
        double pos = 0, neg = 0;
        for (const auto& [name, v] : run.counter_totals()) {
            if (name == "positive_contacts")
                pos = v;
            else if (name == "negative_contacts")
                neg = v;
        }
        ratio.push_back(neg > 0 ? pos / neg : NAN);
        corr.push_back(attitude_figures(run.world()).contact_prejudice_correlation);
    }
    const std::string params = "default.toml, 260 weekly steps";
    auto row = [&](const char* metric, double reference, const char* source, double tolerance,
                   const std::vector<double>& v) {
        ValidationRow r;
        r.model = "city (default)";
        r.parameters = params;
        r.check = {metric, reference, source, 0, tolerance};
        r.measured = summarise_metric(metric, v);
        r.runs = runs;
        r.allowed = validation_allowance(r.check, r.measured);
        r.pass = validation_passes(r.check, r.measured);
        report.rows.push_back(r);
    };
    row("contact_ratio", 3.0,
        "positive:negative out-group contacts over the run; about 3:1 (Graf, Paolini & Rubin 2014, EJSP "
        "44:536); calibrated with encounters.base_log_odds; tolerance 0.3 = the calibration window",
        0.3, ratio);
    row("contact_prejudice_correlation", -0.21,
        "majority group, step 260: recent positive contact vs prejudice; mean r = -.21 over 515 studies "
        "(Pettigrew & Tropp 2006, JPSP 90:751); calibrated with attitudes.contact_effect; tolerance 0.05 = "
        "the calibration window",
        0.05, corr);
}

} // namespace icsim
