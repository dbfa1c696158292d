// Segregation metrics: pure functions of state. The output writer, the CLI
// summary and the viewer call these same functions.
//
// Definitions (A = city total of group a, a_i = group a in unit i, t_i = all
// residents of unit i, T = city total, pi_m = share of group m in the city):
//   dissimilarity D(a,b) = 1/2 sum_i | a_i/A - b_i/B |           (Duncan & Duncan 1955)
//   isolation     xPx(a) = sum_i (a_i/A) (a_i/t_i)               (Lieberson 1981; Massey & Denton 1988)
//   exposure      xPy(a,b) = sum_i (a_i/A) (b_i/t_i)
//   Theil entropy E = - sum_m pi_m ln pi_m;  E_i likewise within unit i;
//   multigroup Theil index H = sum_i t_i (E - E_i) / (T E)
//                     (Theil & Finizza 1971; Reardon & Firebaugh 2002)
//   percent similar = 100 x (sum over residents of same-group neighbours)
//                         / (sum over residents of all neighbours), a ratio of sums;
//                     neighbours are the other residents within the Moore window (Schelling 1971).
// Sums run over units in index order, so results do not depend on threads.
#pragma once

#include <cstdint>
#include <vector>

#include "sim/world.hpp"

namespace icsim {

// A units x groups table of resident counts, row-major.
struct UnitCounts {
    int units = 0;
    int groups = 0;
    std::vector<double> n; // n[u * groups + g]

    double at(int u, int g) const { return n[size_t(u) * size_t(groups) + size_t(g)]; }
};

// Counts per neighbourhood of the world.
UnitCounts counts_by_neighbourhood(const World& world);

// Returns 0 where a group is empty (the index is undefined there).
double dissimilarity(const UnitCounts& c, int a, int b);
double isolation(const UnitCounts& c, int a);
double exposure(const UnitCounts& c, int a, int b);
// Returns 0 for a city with a single group (E = 0).
double theil_h(const UnitCounts& c);

struct SimilarCounts {
    uint64_t similar = 0;
    uint64_t total = 0;
    double percent() const { return total == 0 ? 0.0 : 100.0 * double(similar) / double(total); }
};

// Same-group and all neighbours (other residents in the Moore window of
// Chebyshev radius `radius`, own cell included) summed over every resident,
// or over the members of `group` when group >= 0. Parallel; exact integers.
SimilarCounts similar_counts(const World& world, int radius, int group = -1);
inline double percent_similar(const World& world, int radius) {
    return similar_counts(world, radius).percent();
}

} // namespace icsim
