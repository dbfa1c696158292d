// Civic participation and representation (docs/model/participation.md):
// what tests and other mechanisms read.
#pragma once

#include <vector>

#include "sim/tally.hpp"
#include "sim/world.hpp"

namespace icsim {

struct ParticipationParams {
    double base_rate = 0.12;
    double w_trust = 1.0;
    double w_belonging = 1.0;
    double w_language = 1.0;
    double w_years = 0.7;
    double years_scale = 5;
    double w_vote = 0.5;
    double vote_years = 5;
    double vote_extension = 0.5;
    double w_council = 1.5;
    double belonging_gain = 0.01;
};

// What one resident's participation chance reads.
struct ParticipationInputs {
    double trust = 0.5;     // mean of generalised and institutional trust, 0-1
    double belonging = 0.5; // 0-1
    double language = 1;    // proficiency in the main language, 0-1
    double years = 0;       // years in the city
    bool citizen = true;    // of the first (majority) group
    double lever = 0;       // participatory_councils for the resident's neighbourhood and group
};

// The chance that a resident takes part in civic life in a step: the
// logistic model of the file comment of models/participation.cpp.
double participation_probability(const ParticipationParams& p, const ParticipationInputs& in);

// Representation ratio per group: its share among the residents with
// `participated` set over its share of the population (NaN for an empty
// group, or when nobody took part).
std::vector<double> representation_ratios(const World& world);
// The same from a tally of the living residents per group and
// neighbourhood with sum 0 = those who took part (participation_tally).
std::vector<double> representation_ratios(const GroupHoodTally<1>& tally);
GroupHoodTally<1> participation_tally(const World& world);

// Published when participation runs: the `participated` column is filled.
inline constexpr Product<Runs> kParticipated{"participation.participated"};

} // namespace icsim
