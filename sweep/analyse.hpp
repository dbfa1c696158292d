// `icsim analyse`: the estimators of sweep/analysis.hpp on each outcome at
// each kept step of a sweep file, and their record under /analysis.
#pragma once

#include <string>
#include <vector>

#include "sweep/analysis.hpp"
#include "sweep/store.hpp"

namespace icsim::sweep {

struct OutcomeAnalysis {
    std::string key;    // NAME@STEP (a classic model's metric: NAME@0)
    std::string method; // sobol | morris | factorial | summary (lhs and sobol designs: no indices)
    std::vector<std::string> parameters;
    SobolResult sobol;
    MorrisResult morris;
    std::vector<MainEffect> effects;
    bool replicated = false;
    double seed_share = 0;          // with replicates: the variance share due to seeds
    size_t runs_used = 0, runs = 0; // runs with a value
    double mean = 0, sd = 0;        // over the runs with a value
};

std::vector<OutcomeAnalysis> analyse(const SweepData& data);

// Writes the analyses under /analysis/NAME@STEP of the sweep file
// (replacing an earlier /analysis).
void write_analysis(const std::string& path, const std::vector<OutcomeAnalysis>& analyses);

} // namespace icsim::sweep
