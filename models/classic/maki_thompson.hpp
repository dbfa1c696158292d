// Maki-Thompson rumour model: internals exposed for
// tests/models/test_maki_thompson.cpp and models/classic/validate.cpp. Rules,
// sources and determinism: models/classic/maki_thompson.cpp.
#pragma once

#include <cstdint>
#include <vector>

#include "models/classic/classic.hpp"
#include "models/classic/rumour.hpp"
#include "sim/params.hpp"

namespace icsim::maki_thompson {

using rumour::check; // throws ParamError unless 1 <= initial_spreaders < n
using rumour::fields;
using rumour::Params;

struct Outcome {
    uint32_t ignorants = 0, spreaders = 0, stiflers = 0; // final counts (spreaders is always 0)
    uint32_t peak_spreaders = 0;                         // largest spreader count reached
    uint64_t contacts = 0;                               // calls placed by spreaders
};
Outcome simulate(const Params& params, uint64_t seed);

// One replicate: never_heard, peak_spreaders (fractions of n), contacts.
MetricValues run(const Params& params, uint64_t seed);

// Exact expectation of never_heard for this Markov chain, by dynamic
// programming over (ignorants, spreaders): O(n^2) time, O(n) memory.
double exact_never_heard(int n, int initial_spreaders);

} // namespace icsim::maki_thompson

namespace icsim {
ClassicModel maki_thompson_model();
} // namespace icsim
