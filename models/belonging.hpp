// What the belonging, welcoming and language-learning mechanisms share
// (docs/model/belonging.md, welcoming.md, language_learning.md): the
// initial years in the city, which more than one of them reads.
#pragma once

#include <cstdint>

#include "sim/world.hpp"

namespace icsim {

// Fills the declared column `years_in_city` for the initial city: for each
// group g, exponential draws of mean min(max_years, N_g / arrival_rate_g)
// years (N_g its members; the steady-state mean stay of a group whose
// members leave at a constant rate), or of mean `default_mean` when the
// group's arrival_rate is 0, truncated at max_years. A pure function of
// (seed, resident id): belonging and welcoming both call it in
// initialise() and get the same column. Stream SocialSetup, step word 9.
void draw_initial_years(World& world, uint64_t seed, double default_mean, double max_years);

} // namespace icsim
