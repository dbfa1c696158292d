// Migration and demography (models/migration.cpp, docs/model/migration.md).
#pragma once

#include <cstdint>
#include <vector>

#include "sim/rng.hpp"
#include "sim/world.hpp"

namespace icsim {

// The free dwellings of a city at one moment: each cell once per dwelling
// it has free (capacity minus residents), in cell order. Built by
// free_dwellings(), consumed by place_arrival().
struct FreeDwellings {
    std::vector<CellId> cell;
};
void free_dwellings(const World& world, FreeDwellings& out);

// Where an arrival of group `group` lives: the one place where the city
// houses newcomers. Returns a cell with a free dwelling and removes that
// dwelling from `free`, or kNoCell when no dwelling is found (the arrival
// is then counted as unhoused and not placed). Draws only from `rng`, in a
// fixed number of draws per call, so a run stays deterministic. Today the
// dwelling is drawn uniformly among the free ones; a housing market can
// take this function over (rent, affordability, landlords' choices).
CellId place_arrival(const World& world, int group, FreeDwellings& free, CounterRng& rng);

} // namespace icsim
