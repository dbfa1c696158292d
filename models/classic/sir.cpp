// Stochastic SIR epidemic, well mixed (the general stochastic epidemic,
// Bartlett 1949; Andersson & Britton 2000, Stochastic Epidemic Models, ch. 2).
// Rules: continuous-time Markov chain on counts (S, I, R): infection at rate
// beta S I / n, recovery at rate gamma I, beta = r0 * gamma. Only the order of
// events matters for the outputs, so the replica runs the embedded jump chain:
// the next event is an infection with probability r0 S / (r0 S + n), else a
// recovery; stop when I = 0 (at most 2n events). Exact, not an approximation.
// References: final size z = 1 - exp(-r0 z) (Kermack & McKendrick 1927; 0.7968
// for r0 = 2) for major outbreaks; P(major) -> 1 - 1/r0 for one initial case
// (Whittle 1955). Params: n, r0, initial_infected, major_threshold.
// Not modelled: time, latency, contact structure, individuals (exchangeable).
// Determinism: sequential; one CounterRng per replicate (Stream::Classic, step
// 0, id 0), one uniform() per event.
#include "models/classic/sir.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>

#include "sim/rng.hpp"

namespace icsim::sir {

const std::vector<Field<Params>>& fields() {
    static const std::vector<Field<Params>> table = {
        {"n", &Params::n, 2, 100'000'000, "individuals", "population size (well mixed)"},
        {"r0", &Params::r0, 0, 100, "", "basic reproduction number beta / gamma"},
        {"initial_infected", &Params::initial_infected, 1, 100'000'000, "individuals",
         "infected at the start (fewer than n); the others are susceptible"},
        {"major_threshold", &Params::major_threshold, 0, 1, "share",
         "an outbreak is major when more than this share of n is ever infected"},
    };
    return table;
}

void check(const Params& params) {
    if (params.initial_infected >= params.n)
        throw ParamError("initial_infected: expected an integer below n = " + std::to_string(params.n) +
                         ", found " + std::to_string(params.initial_infected));
}

// P(next event is an infection | S = s): r0 s / (r0 s + n), the same expression
// in the simulation and the exact calculation.
static double infection_probability(double r0, uint32_t s, uint32_t n) {
    return r0 * s / (r0 * s + n);
}

Outcome simulate(const Params& params, uint64_t seed) {
    check(params);
    const auto n = uint32_t(params.n);
    uint32_t s = n - uint32_t(params.initial_infected), i = uint32_t(params.initial_infected);
    CounterRng rng(seed, Stream::Classic, 0, 0);
    Outcome out;
    out.peak_infected = i;
    while (i > 0) {
        if (rng.uniform() < infection_probability(params.r0, s, n)) {
            --s;
            ++i;
            out.peak_infected = std::max(out.peak_infected, i);
        } else {
            --i;
        }
        ++out.events;
    }
    out.susceptible = s;
    out.infected = 0;
    out.recovered = n - s;
    return out;
}

static bool is_major(uint32_t ever_infected, const Params& params) {
    return double(ever_infected) > params.major_threshold * params.n;
}

MetricValues run(const Params& params, uint64_t seed) {
    const Outcome o = simulate(params, seed);
    const double n = params.n, attack = o.recovered / n;
    const bool major = is_major(o.recovered, params);
    return {{"attack_rate", major ? attack : kMissing},
            {"major_outbreak_fraction", major ? 1.0 : 0.0},
            {"attack_rate_all", attack},
            {"peak_infected", o.peak_infected / n}};
}

ExactFinalSize exact_final_size(const Params& params) {
    check(params);
    // Rows of s (susceptibles) from high to low; within a row i runs downwards.
    // (s, i) -> (s-1, i+1) w.p. p(s), else (s, i-1); i = 0 absorbs with n - s
    // ever infected. prev = row s + 1, cur = row s, indexed by i.
    const auto n = uint32_t(params.n), s0 = n - uint32_t(params.initial_infected);
    std::vector<double> prev(n + 2, 0.0), cur(n + 2, 0.0);
    ExactFinalSize out;
    for (int64_t s = s0; s >= 0; --s) {
        const auto us = uint32_t(s);
        std::fill(cur.begin(), cur.end(), 0.0);
        if (us == s0)
            cur[n - s0] = 1.0;
        const double p = infection_probability(params.r0, us, n),
                     p_prev = infection_probability(params.r0, us + 1, n);
        for (uint32_t i = n - us; i >= 1; --i) {
            if (us < s0 && i >= 2) // arrivals from (s+1, i-1), which had i-1 >= 1 infected
                cur[i] += prev[i - 1] * p_prev;
            cur[i - 1] += cur[i] * (1.0 - p);
        }
        if (is_major(n - us, params)) {
            out.major_probability += cur[0];
            out.major_attack_rate += cur[0] * (n - us) / double(n);
        }
        std::swap(prev, cur);
    }
    if (out.major_probability > 0)
        out.major_attack_rate /= out.major_probability;
    return out;
}

double final_size_root(double r0) {
    if (r0 <= 1)
        return 0;
    double lo = 1e-12, hi = 1; // f(z) = 1 - exp(-r0 z) - z: > 0 near 0, < 0 at 1
    for (int k = 0; k < 200; ++k) {
        const double mid = 0.5 * (lo + hi);
        (1 - std::exp(-r0 * mid) - mid > 0 ? lo : hi) = mid;
    }
    return 0.5 * (lo + hi);
}

} // namespace icsim::sir

namespace icsim {

ClassicModel sir_model() {
    return make_classic_model<sir::Params>(
        "sir", "Stochastic SIR epidemic, well mixed, exact jump chain (Kermack & McKendrick 1927)",
        sir::fields, sir::run, sir::check);
}

} // namespace icsim
