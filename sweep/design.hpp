// Sampling designs for ensembles: points in the unit hypercube [0, 1]^k (or
// level indices for a factorial), later mapped to parameter values.
//
// Row orders follow SALib (Herman & Usher 2017, JOSS 2:9, v1.5) so that a
// sweep's outputs, read in run order, can be handed to SALib's analyse
// functions: Saltelli cross-sampling is A, AB_1..AB_k, B per base row
// (calc_second_order = False), Morris is k + 1 rows per trajectory.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace icsim::sweep {

// A design: `rows` points of `dims` coordinates, row-major; `role` and
// `group` say what each row is to the estimator:
//   saltelli: group = base row, role = 0 (A), 1..k (AB_i), k + 1 (B)
//   morris:   group = trajectory, role = position in it (0..k)
//   others:   group = row, role = 0
struct Design {
    uint32_t dims = 0;
    std::vector<double> unit; // rows x dims, in [0, 1]
    std::vector<uint32_t> group, role;
    size_t rows() const { return dims == 0 ? group.size() : unit.size() / dims; }
    double at(size_t row, size_t dim) const { return unit[row * dims + dim]; }
};

// Points 1..n of the unscrambled Sobol' sequence in `dims` dimensions
// (Boost.Random's sobol, Joe & Kuo 2008 direction numbers): scipy's
// qmc.Sobol(dims, scramble=False) after its first point, the origin.
// Throws std::invalid_argument for dims outside 1..3667.
Design sobol(uint32_t dims, size_t n);

// Latin hypercube (McKay, Beckman & Conover 1979): n rows, each dimension's
// n strata [j/n, (j+1)/n) hit once, in a random order, at a random point
// within the stratum. Deterministic in `seed`.
Design latin_hypercube(uint32_t dims, size_t n, uint64_t seed);

// Full factorial over `levels[d]` levels of each dimension: every
// combination, the last dimension varying fastest. Coordinates are level
// indices (0..levels[d]-1), not unit values.
Design factorial(const std::vector<uint32_t>& levels);

// Saltelli's cross-sampling (Saltelli et al. 2010, CPC 181:259): A and B
// are the first and last k columns of n points of a 2k-dimensional Sobol'
// sequence; per base row j: A_j, AB_1j..AB_kj (A_j with column i from B_j),
// B_j. n x (k + 2) rows.
Design saltelli(uint32_t dims, size_t n);

// Morris trajectories (Morris 1991, Technometrics 33:161; as SALib's
// morris.sample without optimisation): `trajectories` random one-at-a-time
// paths on a `levels`-level grid, step delta = levels / (2 (levels - 1)),
// each k + 1 rows. Deterministic in `seed`. levels must be even and >= 2.
Design morris(uint32_t dims, size_t trajectories, uint32_t levels, uint64_t seed);
double morris_delta(uint32_t levels);

} // namespace icsim::sweep
