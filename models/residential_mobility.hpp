#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "sim/mechanism.hpp"
#include "sim/params.hpp"

namespace icsim {

struct ResidentialMobilityParams {
    int radius = 1;                // cells; Chebyshev radius of the area a resident judges
    double move_probability = 0.1; // per step; chance that a dissatisfied resident searches
    int candidates = 8;            // vacancies a searching resident inspects
};

const std::vector<Field<ResidentialMobilityParams>>& residential_mobility_fields();
std::unique_ptr<Mechanism> make_residential_mobility(const ResidentialMobilityParams& params,
                                                     const World& world);

// Residents per group ([cell * groups + g]) and in all ([cell]) within the
// Moore window of Chebyshev radius `radius` around each cell (the cells
// Grid::for_window visits), from World's counts; exposed for tests.
void window_counts(const World& world, int radius, std::vector<uint32_t>& group_sums,
                   std::vector<uint32_t>& total_sums);

} // namespace icsim
