// The labour market (docs/model/labour_market.md): jobs at workplaces, job
// search by the unemployed, callbacks and offers with a penalty for
// minority applicants that the anti_discrimination lever lowers, and job
// loss.
#pragma once

#include <memory>
#include <vector>

#include "sim/mechanism.hpp"
#include "sim/params.hpp"

namespace icsim {

struct LabourMarketParams {
    double job_rate = 0.75;         // jobs per member of the labour force, shared by workplace capacity
    int applications = 2;           // applications an unemployed resident sends per step
    double callback = 0.3;          // callback chance of a majority applicant of employability 1
    double skill_weight = 0.4;      // weight of skill in employability
    double language_weight = 0.4;   // weight of language proficiency in employability
    double callback_penalty = 0.28; // relative fall of a minority applicant's callback chance
    double offer = 0.5;             // chance that a callback of a majority applicant ends in an offer
    double offer_penalty = 0.25;    // relative fall of a minority applicant's offer chance after a callback
    double policy_efficacy = 0.8;   // share of both penalties removed at full anti_discrimination
    double job_loss = 0.002;        // chance per step that an employed resident loses the job
};

const std::vector<Field<LabourMarketParams>>& labour_market_fields();
std::unique_ptr<Mechanism> make_labour_market(const LabourMarketParams& p, const World& w);

// Published when the labour market runs: the `employed` column is kept.
inline constexpr Product<Runs> kEmployed{"labour_market.employed"};

// Employability, 0-1: (1 - ws - wl) + ws x skill + wl x language.
double employability(const LabourMarketParams& p, double skill, double language);

// The employability bins the callback and offer ratios are stratified by.
constexpr int kEmployabilityBins = 10;

// The majority/minority ratio of callback (or offer) rates among applicants
// of comparable employability: the minority rate and the majority rate per
// bin, the majority's weighted by the minority's applications in the bin
// (direct standardisation), over the bins where both groups applied; NaN
// when there are none or the minority rate is 0. Arrays of
// kEmployabilityBins.
double standardised_ratio(const double* apps_major, const double* hits_major, const double* apps_minor,
                          const double* hits_minor);

} // namespace icsim
