// Estimators of global sensitivity analysis on a design's outputs in its
// row order (sweep/design.hpp). The formulas are SALib's (v1.5,
// analyze/sobol.py and analyze/morris.py), so results can be checked
// against it on the same samples.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sweep/design.hpp"

namespace icsim::sweep {

constexpr double kZ975 = 1.959963984540054; // standard normal quantile at 0.975

struct SobolIndex {
    double s1 = 0, s1_conf = 0, st = 0, st_conf = 0;
};
// Indices at one base sample size (a prefix of the base rows).
struct SobolAt {
    size_t base_rows = 0;
    std::vector<SobolIndex> indices; // per dimension
};
struct SobolResult {
    std::vector<SobolIndex> indices;        // per dimension, on all usable base rows
    std::vector<SobolAt> convergence;       // nested halves: n, n/2, n/4, ... (>= 16 rows), largest first
    size_t used_rows = 0, dropped_rows = 0; // base rows with a missing (NaN) output are dropped
    bool constant = false;                  // the output does not vary: every index is 0
};

// y: one value per design row (Saltelli order, n x (k + 2)). S1 after
// Saltelli et al. 2010 (CPC 181:259, table 2 (b)), ST after Jansen 1999
// (CPC 117:35), both on y centred by its mean over all rows and divided by
// var(f_A, f_B); 95 % intervals from `resamples` bootstrap resamples of the
// base rows (z_0.975 x their sd). Deterministic in `seed`.
SobolResult sobol_indices(const Design& d, const std::vector<double>& y, uint32_t resamples = 100,
                          uint64_t seed = 1);

struct MorrisIndex {
    double mu = 0, mu_star = 0, sigma = 0, mu_star_conf = 0;
};
struct MorrisResult {
    std::vector<MorrisIndex> indices;
    size_t used_trajectories = 0, dropped_trajectories = 0;
};
// Elementary effects in the unit hypercube, (y' - y) / delta signed by the
// direction of the step (Morris 1991; Campolongo et al. 2007 for mu*);
// sigma with n - 1; mu_star_conf = z_0.975 x the sd of mu* over `resamples`
// bootstrap resamples of the trajectories.
MorrisResult morris_indices(const Design& d, const std::vector<double>& y, uint32_t levels,
                            uint32_t resamples = 1000, uint64_t seed = 1);

struct MainEffect {
    std::vector<double> level_means; // mean output at each level (NaN if none)
    double effect = 0;               // largest level mean minus smallest
};
// For a factorial design (coordinates are level indices): the mean output
// at each level of each factor, over the runs that have a value.
std::vector<MainEffect> main_effects(const Design& d, const std::vector<uint32_t>& levels,
                                     const std::vector<double>& y);

// Replicates: y holds `replicates` values per point (point-major). Returns
// the per-point means (NaN where no replicate has a value) and the share of
// the output's variation that is within points -- due to the seeds alone:
// the within-point sum of squares over the total sum of squares (one-way
// ANOVA; between 0 and 1, since total = within + between).
struct ReplicateSplit {
    std::vector<double> point_means;
    double seed_share = 0;
};
ReplicateSplit split_replicates(const std::vector<double>& y, uint32_t replicates);

} // namespace icsim::sweep
