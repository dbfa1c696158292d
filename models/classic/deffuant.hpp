// Deffuant bounded-confidence model: internals exposed for
// tests/models/test_deffuant.cpp. Rules, sources and determinism:
// models/classic/deffuant.cpp.
#pragma once

#include <cstdint>
#include <vector>

#include "models/classic/classic.hpp"
#include "sim/params.hpp"

namespace icsim::deffuant {

struct Params {
    int n = 1000;             // agents (complete mixing)
    double d = 0.3;           // confidence threshold: a pair interacts when |x - y| < d
    double mu = 0.5;          // convergence parameter: each moves mu of the way to the other
    int max_sweeps = 100'000; // safety stop, in sweeps of n pair events
};
const std::vector<Field<Params>>& fields();

// One encounter: when |x - y| < d both move by mu (y - x) towards each other
// (the same rounded step added to one and taken from the other). True if they
// interacted.
bool interact(double& x, double& y, double d, double mu);

// Clusters of a final opinion profile: sort, then split where two consecutive
// opinions are d or more apart (such groups can never interact again).
// Returns the cluster sizes in ascending opinion order.
std::vector<uint32_t> cluster_sizes(std::vector<double> opinions, double d);
// True when the cluster structure can no longer change: every cluster (as in
// cluster_sizes) spans less than d, so within a cluster every pair interacts
// and nothing can split, and distinct clusters never meet.
bool frozen(std::vector<double> opinions, double d);

struct Outcome {
    std::vector<double> opinions; // at the stop
    uint32_t sweeps = 0;          // sweeps run before the frozen state was seen
    bool converged = false;       // frozen before max_sweeps
};
Outcome simulate(const Params& params, uint64_t seed);
// Same, from given opinions (tests); draws as in simulate after the setup.
Outcome simulate_from(std::vector<double> opinions, const Params& params, uint64_t seed);

// One replicate: major_clusters (>= 5 % of agents), consensus, clusters,
// largest_cluster (share), sweeps, converged.
MetricValues run(const Params& params, uint64_t seed);

} // namespace icsim::deffuant

namespace icsim {
ClassicModel deffuant_model();
} // namespace icsim
