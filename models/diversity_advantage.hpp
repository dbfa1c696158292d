// The diversity advantage (docs/model/diversity_advantage.md): per
// workplace, productivity = base x (1 + beta x D x M), D the workplace's
// fractionalisation by group and M its inclusion.
#pragma once

#include <vector>

#include "sim/world.hpp"

namespace icsim {

struct DiversityAdvantageParams {
    double beta = 0.05;      // productivity gain of a fully diverse, fully inclusive workplace
    double tie_weight = 0.5; // weight of cross-group colleague ties in M (the rest: equal treatment)
    double discrimination_threshold =
        0.5; // discrimination experienced from which a worker is treated unequally
};

// One workplace's figures (NaN-free: a workplace without workers has
// workers = 0 and D = M = gain = 0).
struct WorkplaceDiversity {
    double workers = 0;
    double fractionalisation = 0; // D = 1 - sum_g share_g^2 over its workers
    double cross_ties = 0;        // share of the ties among its workers that join two groups
    double equal_treatment = 0;   // share of its workers below the discrimination threshold
    double inclusion = 0; // M = tie_weight x min(1, cross_ties / D) + (1 - tie_weight) x equal_treatment
    double gain = 0;      // beta x D x M
};

// Per place (World::places; non-workplaces stay empty): workers are the
// residents at a workplace with `employed` = 1, or, when nobody is employed
// (a city without a labour market), every resident at a workplace; ties are
// the non-empty tie slots whose resident works at the same workplace;
// discrimination experienced is belonging's column `discrimination`.
std::vector<WorkplaceDiversity> workplace_diversity(const World& w, const DiversityAdvantageParams& p);

// The worker-weighted mean gain over workplaces (NaN without workers):
// /timeseries/diversity_advantage.
double diversity_advantage(const std::vector<WorkplaceDiversity>& places);

// Published when the diversity advantage runs: its parameters (the run
// summary recomputes the figure with them).
inline constexpr Product<DiversityAdvantageParams> kDiversityParams{"diversity_advantage.params"};

} // namespace icsim
