// Hegselmann-Krause bounded-confidence model: internals exposed for
// tests/models/test_hegselmann_krause.cpp. Rules, sources and determinism:
// models/classic/hegselmann_krause.cpp.
#pragma once

#include <cstdint>
#include <vector>

#include "models/classic/classic.hpp"
#include "sim/params.hpp"

namespace icsim::hegselmann_krause {

struct Params {
    int n = 1000;                // agents
    double epsilon = 0.25;       // confidence bound: j counts for i when |x_i - x_j| <= epsilon
    int max_rounds = 100'000;    // safety stop
    bool equally_spaced = false; // start from x_i = i / (n - 1) instead of uniform draws
};
const std::vector<Field<Params>>& fields();

// The largest change below which the run stops.
constexpr double kTolerance = 1e-12;

// One synchronous round on opinions sorted ascending: every agent moves to the
// mean of all opinions within epsilon of its own (itself included). Returns the
// new opinions in the same (agent) order.
std::vector<double> update_round(const std::vector<double>& sorted, double epsilon);

// Cluster sizes of a final profile: sort, split where consecutive opinions are
// more than epsilon apart. At a fixed point these are the distinct opinions.
std::vector<uint32_t> cluster_sizes(std::vector<double> opinions, double epsilon);

struct Outcome {
    std::vector<double> opinions; // sorted, at the stop
    uint32_t rounds = 0;          // rounds run (the last one moved nobody by kTolerance or more)
    bool converged = false;       // stopped by kTolerance, not by max_rounds
};
Outcome simulate(const Params& params, uint64_t seed);
Outcome simulate_from(std::vector<double> opinions, const Params& params); // deterministic

// One replicate: consensus, clusters, major_clusters (>= 5 % of agents),
// largest_cluster (share), rounds, converged.
MetricValues run(const Params& params, uint64_t seed);

} // namespace icsim::hegselmann_krause

namespace icsim {
ClassicModel hegselmann_krause_model();
} // namespace icsim
