// Generalised and institutional trust (docs/model/trust.md): what tests,
// the calibration rows and other mechanisms read.
#pragma once

#include <cstdint>
#include <vector>

#include "sim/world.hpp"

namespace icsim {

struct TrustParams {
    double adapt = 0.05;
    double base_generalised = 0.6;
    double w_diversity = 0.1;
    double w_contact = 0.15;
    double contact_half = 5;
    double w_unfair = 0.2;
    double d_half = 2;
    double base_institutional = 0.55;
    double w_voice = 0.15;
    double w_represented = 0.15;
    double w_unfair_institutional = 0.15;
};

// The target generalised trust of a resident whose home neighbourhood has
// fractionalisation `diversity`, with `contact` recent positive out-group
// contacts (Population::contact_positive) and `discrimination` experienced
// (the belonging mechanism's decaying count): the formula of
// models/trust.cpp.
double generalised_target(const TrustParams& p, double diversity, double contact, double discrimination);

// The target institutional trust of a resident who took part in civic life
// this step or not, whose group has representation ratio `rho` (NaN:
// nobody took part, no term), with `discrimination` experienced.
double institutional_target(const TrustParams& p, bool participated, double rho, double discrimination);

// v in [0, 1] as an 8-bit level, rounded up with probability equal to the
// fraction (unbiased: the mean of the levels over uniform draws is 255 v);
// `u` a uniform 64-bit draw.
uint8_t quantise_unbiased(double v, uint64_t u);

// Per neighbourhood: 1 - sum over groups of the squared group shares of its
// residents (0 = one group; NaN for an empty neighbourhood).
std::vector<double> neighbourhood_diversity(const World& world);

// Pearson correlation over residents of one group (`group` >= 0), or
// pooled within groups (group < 0: deviations from each group's own means),
// between the diversity of the home neighbourhood and generalised trust
// (NaN when either is constant).
double diversity_trust_correlation(const World& world, int group = -1);

// Published when trust runs: the two trust columns are kept.
inline constexpr Product<Runs> kTrustLevels{"trust.levels"};

} // namespace icsim
