// Stochastic SIR epidemic, well mixed: internals exposed for
// tests/models/test_sir.cpp and models/classic/validate.cpp. Rules, sources and
// determinism: models/classic/sir.cpp.
#pragma once

#include <cstdint>
#include <vector>

#include "models/classic/classic.hpp"
#include "sim/params.hpp"

namespace icsim::sir {

struct Params {
    int n = 10000;                // population (well mixed)
    double r0 = 2.0;              // basic reproduction number beta / gamma
    int initial_infected = 1;     // infected at the start; everyone else susceptible
    double major_threshold = 0.1; // an outbreak is major when more than this share is ever infected
};
const std::vector<Field<Params>>& fields();
// Throws ParamError unless initial_infected < n.
void check(const Params& params);

struct Outcome {
    uint32_t susceptible = 0, infected = 0, recovered = 0; // final counts (infected is always 0)
    uint32_t peak_infected = 0;
    uint64_t events = 0; // infections + recoveries
};
Outcome simulate(const Params& params, uint64_t seed);

// One replicate: attack_rate (missing unless major), major_outbreak_fraction
// (1 major, 0 minor), attack_rate_all, peak_infected.
MetricValues run(const Params& params, uint64_t seed);

// Exact final-size law of this chain by dynamic programming over
// (susceptible, infected): O(n^2) time, O(n) memory.
struct ExactFinalSize {
    double major_probability = 0; // P(ever infected > major_threshold * n)
    double major_attack_rate = 0; // E[ever infected / n | major]
};
ExactFinalSize exact_final_size(const Params& params);

// The positive root of z = 1 - exp(-r0 z) (0 when r0 <= 1), by bisection.
double final_size_root(double r0);

} // namespace icsim::sir

namespace icsim {
ClassicModel sir_model();
} // namespace icsim
