// Hegselmann-Krause bounded-confidence opinion dynamics (Hegselmann & Krause
// 2002, JASSS 5(3):2), the synchronous original.
// Rules: n opinions uniform in [0, 1) (or equally spaced, i / (n - 1), as in
// Lorenz 2006 and Wedin 2021). Each round every agent i moves to the mean of the
// x_j with |x_i - x_j| <= epsilon (i included), all at once. Stop after the
// first round in which no opinion moved by 1e-12 or more. The update keeps the
// order, so opinions stay sorted and each window mean is a difference of
// double-double prefix sums (TwoSum; no cancellation error): O(n) a round.
// Metrics: consensus (one cluster), clusters, major_clusters (>= 5 % of n).
// References: consensus above epsilon ~ 0.2 for large n (Fortunato 2005;
// Lorenz 2006, JASSS 9(1):8; Wedin 2021: 1/epsilon < 5.23).
// Params: n, epsilon, max_rounds, equally_spaced. Not modelled: heterogeneous bounds.
// Determinism: randomness only at setup: CounterRng (Stream::Classic, step 0,
// id 0), n uniform(); the rounds are deterministic and sequential.
#include "models/classic/hegselmann_krause.hpp"

#include "models/classic/opinion_clusters.hpp"

#include <algorithm>
#include <cmath>

#include "sim/rng.hpp"

namespace icsim::hegselmann_krause {

const std::vector<Field<Params>>& fields() {
    static const std::vector<Field<Params>> table = {
        {"n", &Params::n, 1, 10'000'000, "agents", "number of agents"},
        {"epsilon", &Params::epsilon, 0, 1, "opinion",
         "confidence bound: j counts for i when |x_i - x_j| <= epsilon"},
        {"max_rounds", &Params::max_rounds, 1, 100'000'000, "rounds",
         "safety stop (converged = 0 when it fires)"},
        {"equally_spaced", &Params::equally_spaced, 0, 1, "",
         "start from x_i = i / (n - 1) (Lorenz 2006) instead of uniform random draws"},
    };
    return table;
}

namespace {

// An unevaluated sum hi + lo with |lo| <= ulp(hi) / 2.
struct DoubleDouble {
    double hi = 0, lo = 0;
};

// Knuth's TwoSum: a + b = s + e exactly.
DoubleDouble two_sum(double a, double b) {
    const double s = a + b, bb = s - a;
    return {s, (a - (s - bb)) + (b - bb)};
}

DoubleDouble add(DoubleDouble a, double b) {
    const DoubleDouble s = two_sum(a.hi, b);
    return two_sum(s.hi, s.lo + a.lo);
}

double difference(DoubleDouble a, DoubleDouble b) {
    const DoubleDouble d = two_sum(a.hi, -b.hi);
    return d.hi + (d.lo + (a.lo - b.lo));
}

} // namespace

std::vector<double> update_round(const std::vector<double>& sorted, double epsilon) {
    const size_t n = sorted.size();
    std::vector<DoubleDouble> prefix(n + 1); // prefix[k] = x_0 + ... + x_{k-1}
    for (size_t k = 0; k < n; ++k)
        prefix[k + 1] = add(prefix[k], sorted[k]);
    std::vector<double> next(n);
    size_t lo = 0, hi = 0; // window [lo, hi) of agent i
    for (size_t i = 0; i < n; ++i) {
        while (sorted[i] - sorted[lo] > epsilon)
            ++lo;
        if (hi < i + 1)
            hi = i + 1;
        while (hi < n && sorted[hi] - sorted[i] <= epsilon)
            ++hi;
        next[i] = difference(prefix[hi], prefix[lo]) / double(hi - lo);
    }
    return next;
}

std::vector<uint32_t> cluster_sizes(std::vector<double> opinions, double epsilon) {
    std::sort(opinions.begin(), opinions.end());
    std::vector<uint32_t> sizes;
    size_t begin = 0;
    for (size_t k = 1; k <= opinions.size(); ++k)
        if (k == opinions.size() || opinions[k] - opinions[k - 1] > epsilon) {
            sizes.push_back(uint32_t(k - begin));
            begin = k;
        }
    return sizes;
}

Outcome simulate_from(std::vector<double> opinions, const Params& params) {
    Outcome out;
    out.opinions = std::move(opinions);
    std::sort(out.opinions.begin(), out.opinions.end());
    while (!out.converged && out.rounds < uint32_t(params.max_rounds)) {
        std::vector<double> next = update_round(out.opinions, params.epsilon);
        double largest = 0;
        for (size_t i = 0; i < next.size(); ++i)
            largest = std::max(largest, std::fabs(next[i] - out.opinions[i]));
        // Order is kept in exact arithmetic; the sort only undoes rounding ties.
        if (!std::is_sorted(next.begin(), next.end()))
            std::sort(next.begin(), next.end());
        out.opinions = std::move(next);
        ++out.rounds;
        out.converged = largest < kTolerance;
    }
    return out;
}

Outcome simulate(const Params& params, uint64_t seed) {
    std::vector<double> x(size_t(params.n));
    CounterRng rng(seed, Stream::Classic, 0, 0);
    for (size_t i = 0; i < x.size(); ++i)
        x[i] =
            params.equally_spaced ? (x.size() > 1 ? double(i) / double(x.size() - 1) : 0.5) : rng.uniform();
    return simulate_from(std::move(x), params);
}

MetricValues run(const Params& params, uint64_t seed) {
    const Outcome o = simulate(params, seed);
    const auto sizes = cluster_sizes(o.opinions, params.epsilon);
    const double n = params.n;
    const ClusterSummary c = summarise_clusters(sizes, n);
    return {{"consensus", sizes.size() == 1 ? 1.0 : 0.0},
            {"clusters", double(sizes.size())},
            {"major_clusters", c.major},
            {"largest_cluster", c.largest / n},
            {"rounds", double(o.rounds)},
            {"converged", o.converged ? 1.0 : 0.0}};
}

} // namespace icsim::hegselmann_krause

namespace icsim {

ClassicModel hegselmann_krause_model() {
    return make_classic_model<hegselmann_krause::Params>(
        "hegselmann-krause",
        "Hegselmann-Krause bounded confidence, synchronous (Hegselmann & Krause 2002, JASSS)",
        hegselmann_krause::fields, hegselmann_krause::run);
}

} // namespace icsim
