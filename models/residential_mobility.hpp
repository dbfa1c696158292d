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
    // The housing market (models/housing.hpp); off = classic Schelling.
    bool housing = false;
    double rent_limit = 0.4;                   // highest rent-to-income ratio accepted when moving
    double income_employed = 4.0;              // in average market rents
    double income_unemployed = 2.0;            // in average market rents
    double social_rent = 0.6;                  // social rent over the neighbourhood's market rent
    double landlord_acceptance = 0.8;          // private landlord accepts a majority applicant
    double landlord_penalty = 0.25;            // relative fall for a minority applicant
    double anti_discrimination_efficacy = 0.8; // share of the penalty removed at full lever
    double social_acceptance = 0.8;            // social dwelling granted, no quota in force
    double quota_strength = 6.0;               // mixed_housing quota's pull towards under-represented groups
    double hostility_weight = 0.5;             // out-group neighbours' prejudice in satisfaction
};

const std::vector<Field<ResidentialMobilityParams>>& residential_mobility_fields();
std::unique_ptr<Mechanism> make_residential_mobility(const ResidentialMobilityParams& params,
                                                     const World& world);

// Residents per group ([cell * groups + g]) and in all ([cell]) within the
// Moore window of Chebyshev radius `radius` around each cell (the cells
// Grid::for_window visits), from World's counts; exposed for tests.
void window_counts(const World& world, int radius, std::vector<uint32_t>& group_sums,
                   std::vector<uint32_t>& total_sums);

// Every free dwelling once, as its cell, in cell order (models/housing.cpp).
void vacant_dwellings(const World& world, std::vector<CellId>& out);

} // namespace icsim
