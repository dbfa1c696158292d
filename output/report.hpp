// What a run reports: the city-wide metrics of a world (the same functions
// the HDF5 writer and the viewer will call) and the printed summary.
#pragma once

#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "sim/world.hpp"

namespace icsim {

using NamedValues = std::vector<std::pair<std::string, double>>;

// City-wide metrics, in a fixed order:
//   percent_similar            Moore radius 1, ratio of sums (sim/metrics.hpp)
//   theil_h                    multigroup entropy index over neighbourhoods
//   dissimilarity.<group>      D of each group against the first (majority) group, over neighbourhoods
//   isolation.<group>          xPx of each group over neighbourhoods
NamedValues city_metrics(const World& world);

// Prints "metric | start | end | change" for two metric lists of equal names,
// then each neighbourhood's population and group shares at the end.
void print_summary(std::FILE* out, const std::string& title, const NamedValues& start, const NamedValues& end,
                   const NamedValues& totals, const World& final_world);

} // namespace icsim
