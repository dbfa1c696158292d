// Axelrod's culture model: internals exposed for tests/models/test_axelrod.cpp.
// Rules, sources and determinism: models/classic/axelrod.cpp.
#pragma once

#include <cstdint>
#include <vector>

#include "models/classic/classic.hpp"
#include "sim/params.hpp"

namespace icsim::axelrod {

struct Params {
    int width = 10, height = 10; // bounded grid (not a torus)
    int features = 5;            // cultural features per site
    int traits = 10;             // traits per feature
    int max_sweeps = 1'000'000;  // safety stop, in sweeps of width * height events
};
const std::vector<Field<Params>>& fields();

// Run state: culture[site * features + f], site = y * width + x; the overlap
// (shared features) of every neighbouring pair, kept up to date; `active` =
// pairs with 0 < overlap < features (the only pairs that can still change).
struct Lattice {
    int width = 0, height = 0, features = 0;
    std::vector<uint8_t> culture;
    std::vector<uint8_t> overlap_east, overlap_south; // pair (site, east / south neighbour)
    uint32_t active = 0;
    int sites() const { return width * height; }
};
// Builds the overlaps and the active count from a culture array.
Lattice make_lattice(int width, int height, int features, std::vector<uint8_t> culture);
// The von Neumann neighbours of a site inside the grid, in the order north,
// west, east, south; returns how many (0 to 4).
int neighbours(const Lattice& l, int site, int out[4]);
uint8_t overlap(const Lattice& l, int a, int b); // a, b neighbours
// Connected regions of identical culture (von Neumann adjacency).
uint32_t stable_regions(const Lattice& l);

struct Outcome {
    Lattice lattice;        // at the stop
    uint64_t events = 0;    // events run
    bool converged = false; // no active pair left
};
Outcome simulate(const Params& params, uint64_t seed);
// From a given lattice (tests); events drawn as in simulate.
Outcome simulate_from(Lattice lattice, const Params& params, uint64_t seed);

// One replicate: stable_regions, events, converged.
MetricValues run(const Params& params, uint64_t seed);

} // namespace icsim::axelrod

namespace icsim {
ClassicModel axelrod_model();
} // namespace icsim
