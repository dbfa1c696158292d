// Daley-Kendall rumour model, well mixed (Daley & Kendall 1965, J. Inst. Maths
// Applics 1:42; the factor 1/2 on spreader-spreader meetings as Hayes 2005,
// American Scientist 93:207, reads it there).
// Rules: n individuals, ignorant / spreader / stifler. With I, S, R the counts,
// the next meeting involving a spreader is spreader-ignorant, spreader-spreader
// or spreader-stifler with weights S*I : S(S-1)/2 : S*R -- i.e. a uniformly
// random pair among the pairs holding a spreader. Effects: the ignorant becomes
// a spreader; both spreaders become stiflers; the spreader becomes a stifler.
// Stop when no spreader is left. Asymptote (n -> inf, one spreader): never_heard
// -> 0.203188 (theta * exp(2(1 - theta)) = 1); counting spreader-spreader pairs
// twice (weight S^2) gives about 0.28 instead (Hayes 2005).
// Params: n, initial_spreaders. Not modelled: time between meetings, networks.
// Determinism: sequential; one CounterRng per replicate (Stream::Classic, step 0,
// id 0); per event u = below(2n - S - 1) picks the type (weights doubled:
// 2I : S-1 : 2R), then the spreader below(S), then the partner if it changes.
#include "models/classic/daley_kendall.hpp"

#include <algorithm>
#include <string>
#include <utility>

#include "sim/rng.hpp"

namespace icsim::daley_kendall {

Outcome simulate(const Params& params, uint64_t seed) {
    check(params);
    const auto n = uint32_t(params.n);
    rumour::Population pop(n, uint32_t(params.initial_spreaders));
    CounterRng rng(seed, Stream::Classic, 0, 0);
    Outcome out;
    out.peak_spreaders = pop.spreaders();
    while (pop.spreaders() > 0) {
        const uint32_t s = pop.spreaders(), i = pop.b1;
        const uint32_t u = rng.below(2 * n - s - 1); // 2I + (S-1) + 2R = 2n - S - 1
        const uint32_t xi = rng.below(s);            // the spreader, by index among spreaders
        const uint32_t x = pop.order[pop.b1 + xi];
        // Each side of the meeting takes the city's rule (Population::meet)
        // against the other's state before the meeting; the spreader's side
        // of a spreader-ignorant meeting and the stifler's side of a
        // spreader-stifler one leave them as they are.
        if (u < 2 * i) { // spreader meets ignorant: the ignorant starts spreading
            pop.meet(pop.order[rng.below(i)], kSpreader);
        } else if (u < 2 * i + s - 1) { // spreader meets another spreader: both stop
            uint32_t yi = rng.below(s - 1);
            yi += yi >= xi;
            const uint32_t y = pop.order[pop.b1 + yi];
            pop.meet(x, kSpreader);
            pop.meet(y, kSpreader);
        } else { // spreader meets stifler: the spreader stops
            pop.meet(x, kStifler);
        }
        ++out.meetings;
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
            {"meetings", double(o.meetings)}};
}

double exact_never_heard(int n, int initial_spreaders) {
    // P(i, s) over rows of i (ignorants) from high to low; within a row s runs
    // downwards. With w = 2n - s - 1: (i, s) -> (i-1, s+1) w.p. 2i/w, (i, s-2)
    // w.p. (s-1)/w, (i, s-1) w.p. 2r/w (r = n - i - s); s = 0 absorbs.
    const auto nn = size_t(n);
    std::vector<double> prev(nn + 2, 0.0), cur(nn + 2, 0.0);
    double expected = 0;
    const int i0 = n - initial_spreaders;
    for (int i = i0; i >= 0; --i) {
        std::fill(cur.begin(), cur.end(), 0.0);
        if (i == i0)
            cur[size_t(initial_spreaders)] = 1.0;
        for (int s = n - i; s >= 1; --s) {
            const auto us = size_t(s);
            if (i < i0 && s >= 2) { // arrivals from (i+1, s-1), which had s-1 >= 1 spreaders
                const double w_prev = 2.0 * n - (s - 1) - 1;
                cur[us] += prev[us - 1] * (2.0 * (i + 1) / w_prev);
            }
            const double w = 2.0 * n - s - 1;
            const int r = n - i - s;
            if (s >= 2)
                cur[us - 2] += cur[us] * ((s - 1) / w);
            cur[us - 1] += cur[us] * (2.0 * r / w);
        }
        expected += cur[0] * i / n; // absorbed with i ignorants
        std::swap(prev, cur);
    }
    return expected;
}

} // namespace icsim::daley_kendall

namespace icsim {

ClassicModel daley_kendall_model() {
    return make_classic_model<daley_kendall::Params>(
        "daley-kendall", "Daley-Kendall rumour, well mixed (Daley & Kendall 1965)", daley_kendall::fields,
        daley_kendall::run, daley_kendall::check);
}

} // namespace icsim
