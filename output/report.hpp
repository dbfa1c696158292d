// What a run reports: the city-wide metrics of a world (the same functions
// the HDF5 writer and the viewer will call) and the printed summary.
#pragma once

#include <cmath>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "sim/mechanism.hpp"
#include "sim/policy.hpp"
#include "sim/world.hpp"

namespace icsim {

using NamedValues = std::vector<std::pair<std::string, double>>;

// City-wide metrics, in a fixed order:
//   percent_similar            Moore radius 1, ratio of sums (sim/metrics.hpp)
//   theil_h                    multigroup entropy index over neighbourhoods
//   dissimilarity.<group>      D of each group against the first (majority) group, over neighbourhoods
//   isolation.<group>          xPx of each group over neighbourhoods
// then, from social_metrics(): prejudice.<group> (mean); where the
// mechanism runs, outgroup_friends.<group>, cultural_diversity,
// integration.<minority group> (Berry), rumour_belief.
NamedValues city_metrics(const World& world);

// Everything the HDF5 writer records each step, in one pass over the grid
// (Moore radius 1 as above; percent similar counted in exact integers, so
// every figure is the same on any number of threads):
struct StepMetrics {
    double percent_similar = 0; // equals city_metrics()' percent_similar
    double theil_h = 0;
    double population = 0;
    // per group g (index into World::groups)
    std::vector<double> group_population;
    std::vector<double> group_percent_similar; // same-group share of the neighbours of g's members, %
    std::vector<double> dissimilarity;         // D(g, first group); 0 for the first group itself
    std::vector<double> isolation;             // xPx(g) over neighbourhoods
    // per neighbourhood h
    std::vector<double> hood_population;
    std::vector<double> hood_minority_share;  // share of residents not in the first group, 0-1 (0 if empty)
    std::vector<double> hood_percent_similar; // percent similar among the residents of h, %
    std::vector<double> hood_diversity;       // Theil entropy of h's group mix / ln(groups), 0-1
};
StepMetrics step_metrics(const World& world);

// The social state in figures (docs/hdf5-schema.md and docs/model/ give the
// definitions). A figure whose mechanism does not run is NaN. Sums run over
// fixed blocks of residents combined in order: the same on any thread count.
struct SocialMetrics {
    // this step's meetings (encounters)
    double intergroup_meeting_share = NAN; // out-group meetings / all meetings started
    double contact_ratio = NAN;            // positive / negative out-group contacts in the step
    // attitudes
    double contact_prejudice_correlation = NAN;       // Pearson r of recent positive contact and prejudice
    std::vector<double> prejudice_mean, prejudice_sd; // per group
    std::vector<double> contact_positive, contact_negative; // per group: mean recent contact counts
    std::vector<double> hood_prejudice;                     // per neighbourhood: mean prejudice
    // friendship
    std::vector<double> outgroup_friend_share; // per group: share with >= 1 out-group friend
    std::vector<double> hood_outgroup_friend_share;
    // culture
    double cultural_diversity = NAN; // mean over features of 1 - sum of squared trait shares
    // per group (NaN for the first group, the reference): shares in Berry's modes
    std::vector<double> berry_integration, berry_assimilation, berry_separation, berry_marginalisation;
    // rumours
    double rumour_belief = NAN; // share of residents believing at least one rumour
    double rumour_never_heard =
        NAN; // share of residents outside each rumour's target group still ignorant of
             // it, averaged over rumours
};
SocialMetrics social_metrics(const World& world);

// The row of every series of schema::series_table() after step `s` (one
// value for a per-step series, one per column otherwise), in table order:
// what the HDF5 writer records each step, and what ensembles read their
// outcomes from (sweep/).
// `mechanisms`: the run's mechanisms, which report the series they declare
// (null, or a mechanism missing: NaN rows for its series).
std::vector<std::vector<double>> series_rows(const World& world, const PolicySchedule& policy, uint32_t s,
                                             double step_days, const MechanismList* mechanisms);

// Prints "metric | start | end | change" for two metric lists of equal names,
// then each neighbourhood's population and group shares at the end.
void print_summary(std::FILE* out, const std::string& title, const NamedValues& start, const NamedValues& end,
                   const NamedValues& totals, const World& final_world);

} // namespace icsim
