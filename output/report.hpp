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
// then prejudice.<group> (mean, prejudice_metrics()), then each registered
// mechanism's lines (MechanismEntry::summary) in registry order; of the
// built-in ones, where the mechanism runs: outgroup_friends.<group>
// (friendship), cultural_diversity and integration.<minority group> (Berry;
// culture), rumour_belief (rumours).
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

// Prejudice (the population's core column) in figures (docs/hdf5-schema.md).
// The mechanisms compute their own figures (e.g. models/attitudes.hpp
// attitude_figures). Sums run over fixed blocks of residents combined in
// order: the same on any thread count.
struct PrejudiceMetrics {
    std::vector<double> prejudice_mean, prejudice_sd; // per group
    std::vector<double> hood_prejudice;               // per neighbourhood: mean prejudice (NaN when empty)
};
PrejudiceMetrics prejudice_metrics(const World& world);

// The row of every series of schema::series_table() after step `s` (one
// value for a per-step series, one per column otherwise), in table order:
// what the HDF5 writer records each step, and what ensembles read their
// outcomes from (sweep/).
// `mechanisms`: the run's mechanisms, which report the series they declare
// (null, or a mechanism missing: NaN rows for its series).
std::vector<std::vector<double>> series_rows(const World& world, const PolicySchedule& policy, uint32_t s,
                                             double step_days, const MechanismList* mechanisms);

// The run summary's first lines: the pillar indices (icc_composite,
// pillar_equality, pillar_interaction, pillar_participation;
// docs/model/pillars.md) and the labour market's employment_gap, each
// where the mechanism that declares it runs, from the rows series_rows
// gives for step `s`.
NamedValues headline_metrics(const World& world, const PolicySchedule& policy, uint32_t s,
                             const MechanismList& mechanisms);

// Prints "metric | start | end | change" for two metric lists of equal names,
// then each neighbourhood's population and group shares at the end.
void print_summary(std::FILE* out, const std::string& title, const NamedValues& start, const NamedValues& end,
                   const NamedValues& totals, const World& final_world);

} // namespace icsim
