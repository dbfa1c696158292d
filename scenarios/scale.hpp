// Scaling a city: the same city with `factor` times the dwellings, as
// `--set` assignments, so that the scaled scenario's resolved TOML (stored
// in every output file) says exactly what ran and `icsim resume` rebuilds
// the same city.
#pragma once

#include <string>
#include <vector>

#include "scenarios/scenario.hpp"

namespace icsim {

// Assignments that scale `s` by `factor` (> 0) in area: width and height x
// sqrt(factor) (rounded); neighbourhood rectangles with them, so they tile
// the larger grid as they tiled the smaller; place counts, organisation
// capacities and group arrival rates x factor (counts at least 1). Occupancy,
// shares and every per-resident parameter stay as they are. Throws
// std::invalid_argument for what cannot be scaled: a raster layout, places
// at explicit cells.
std::vector<std::string> scale_assignments(const ScenarioConfig& s, double factor);

} // namespace icsim
