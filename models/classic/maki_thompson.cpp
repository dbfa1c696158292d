// Maki-Thompson rumour model, well mixed (Maki & Thompson 1973, Mathematical
// Models and Applications, Prentice-Hall; as stated by Hayes 2005, American
// Scientist 93:207 and Sudbury 1985, J. Appl. Prob. 22:443).
// Rules: n individuals, ignorant / spreader / stifler; initial_spreaders of them
// spread, the rest are ignorant. Each event a uniformly random spreader X calls
// a uniformly random other individual Y: an ignorant Y becomes a spreader;
// otherwise (Y a spreader or a stifler) X becomes a stifler. Stop when no
// spreader is left (at most 2n events). Asymptote (n -> inf, one spreader): the
// ignorant share tends to theta with theta * exp(2(1 - theta)) = 1, 0.203188.
// Params: n, initial_spreaders. Not modelled: time between calls, networks.
// Determinism: sequential by nature; one CounterRng per replicate (seed = the
// replicate seed, Stream::Classic, step 0, id 0); per event X = below(spreaders),
// then Y = below(n - 1) (skipping X). Initial spreaders are ids n-k..n-1.
#include "models/classic/maki_thompson.hpp"

#include <algorithm>
#include <string>
#include <utility>

#include "sim/rng.hpp"

namespace icsim::maki_thompson {

Outcome simulate(const Params& params, uint64_t seed) {
    check(params);
    const auto n = uint32_t(params.n);
    rumour::Population pop(n, uint32_t(params.initial_spreaders));
    CounterRng rng(seed, Stream::Classic, 0, 0);
    Outcome out;
    out.peak_spreaders = pop.spreaders();
    while (pop.spreaders() > 0) {
        const uint32_t x = pop.order[pop.b1 + rng.below(pop.spreaders())];
        uint32_t y = rng.below(n - 1);
        y += y >= x; // uniform over the n - 1 others
        // The city's rule (Population::meet) for the ignorant called, or for
        // the caller; unlike Daley-Kendall, a spreader called keeps spreading.
        if (pop.ignorant(y))
            pop.meet(y, kSpreader);
        else
            pop.meet(x, pop.state(y));
        ++out.contacts;
        out.peak_spreaders = std::max(out.peak_spreaders, pop.spreaders());
    }
    out.ignorants = pop.b1;
    out.spreaders = pop.spreaders();
    out.stiflers = n - pop.b2;
    return out;
}

MetricValues run(const Params& params, uint64_t seed) {
    const Outcome o = simulate(params, seed);
    const double n = params.n;
    return {{"never_heard", o.ignorants / n},
            {"peak_spreaders", o.peak_spreaders / n},
            {"contacts", double(o.contacts)}};
}

double exact_never_heard(int n, int initial_spreaders) {
    // P(i, s) over rows of i (ignorants) from high to low; within a row s runs
    // downwards. (i, s) -> (i-1, s+1) with probability i/(n-1), else (i, s-1);
    // s = 0 absorbs. prev = row i + 1, cur = row i, indexed by s.
    const auto nn = size_t(n);
    std::vector<double> prev(nn + 2, 0.0), cur(nn + 2, 0.0);
    double expected = 0;
    const int i0 = n - initial_spreaders;
    for (int i = i0; i >= 0; --i) {
        std::fill(cur.begin(), cur.end(), 0.0);
        if (i == i0)
            cur[size_t(initial_spreaders)] = 1.0;
        const double p_spread = double(i) / (n - 1);
        for (int s = n - i; s >= 1; --s) {
            const auto us = size_t(s);
            if (i < i0) // arrivals from (i+1, s-1)
                cur[us] += prev[us - 1] * (double(i + 1) / (n - 1));
            cur[us - 1] += cur[us] * (1.0 - p_spread);
        }
        expected += cur[0] * i / n; // absorbed with i ignorants
        cur[0] = 0;                 // absorbed mass goes nowhere
        std::swap(prev, cur);
    }
    return expected;
}

} // namespace icsim::maki_thompson

namespace icsim {

ClassicModel maki_thompson_model() {
    return make_classic_model<maki_thompson::Params>(
        "maki-thompson", "Maki-Thompson rumour, well mixed (Maki & Thompson 1973; Sudbury 1985)",
        maki_thompson::fields, maki_thompson::run, maki_thompson::check);
}

} // namespace icsim
