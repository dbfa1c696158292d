// Deffuant bounded-confidence opinion dynamics, complete mixing (Deffuant, Neau,
// Amblard & Weisbuch 2000, Adv. Complex Syst. 3:87).
// Rules: n opinions drawn uniform in [0, 1). Each event a uniformly random pair
// of distinct agents meets; if |x - y| < d, x += mu (y - x) and y += mu (x - y).
// Stop: checked after every sweep (n events) -- stop once the cluster structure
// is frozen: sorted opinions split where consecutive ones are >= d apart, and
// every resulting cluster spans < d (then no cluster can split or merge again,
// so the final clusters are known exactly; opinions inside keep converging).
// Metrics: clusters (that count), major_clusters (>= 5 % of n), consensus (one
// cluster holds everyone), largest_cluster share. References: clusters ~
// floor(1/(2d)) (DNAW 2000); complete consensus iff d > 1/2 (Fortunato 2004).
// Params: n, d, mu, max_sweeps. Not modelled: networks, heterogeneous d.
// Determinism: sequential; CounterRng (Stream::Classic, id 0) step 0 draws the
// n opinions (uniform()), step 1 the events: a = below(n), b = below(n - 1)
// (skipping a).
#include "models/classic/deffuant.hpp"

#include "models/attitudes.hpp"

#include "models/classic/opinion_clusters.hpp"

#include <algorithm>
#include <cmath>

#include "sim/rng.hpp"

namespace icsim::deffuant {

const std::vector<Field<Params>>& fields() {
    static const std::vector<Field<Params>> table = {
        {"n", &Params::n, 2, 10'000'000, "agents", "number of agents (complete mixing)"},
        {"d", &Params::d, 0.001, 1, "opinion", "confidence threshold: a pair interacts when |x - y| < d"},
        {"mu", &Params::mu, 0.001, 0.5, "", "convergence parameter: each moves mu of the way to the other"},
        {"max_sweeps", &Params::max_sweeps, 1, 100'000'000, "sweeps",
         "safety stop, in sweeps of n pair events (converged = 0 when it fires)"},
    };
    return table;
}

bool interact(double& x, double& y, double d, double mu) {
    const auto gap = confidence_gap(x, y, d); // the rule the city's attitudes use among friends
    if (!gap)
        return false;
    const double step = mu * *gap;
    x += step;
    y -= step;
    return true;
}

namespace {

// Visits the clusters of sorted opinions as [begin, end) index ranges.
template <class F>
void for_each_cluster(const std::vector<double>& sorted, double d, F&& f) {
    size_t begin = 0;
    for (size_t k = 1; k <= sorted.size(); ++k)
        if (k == sorted.size() || !(sorted[k] - sorted[k - 1] < d)) {
            f(begin, k);
            begin = k;
        }
}

} // namespace

std::vector<uint32_t> cluster_sizes(std::vector<double> opinions, double d) {
    std::sort(opinions.begin(), opinions.end());
    std::vector<uint32_t> sizes;
    for_each_cluster(opinions, d, [&](size_t b, size_t e) { sizes.push_back(uint32_t(e - b)); });
    return sizes;
}

bool frozen(std::vector<double> opinions, double d) {
    std::sort(opinions.begin(), opinions.end());
    bool ok = true;
    for_each_cluster(opinions, d, [&](size_t b, size_t e) { ok = ok && opinions[e - 1] - opinions[b] < d; });
    return ok;
}

Outcome simulate_from(std::vector<double> opinions, const Params& params, uint64_t seed) {
    Outcome out;
    out.opinions = std::move(opinions);
    const auto n = uint32_t(out.opinions.size());
    CounterRng rng(seed, Stream::Classic, 1, 0); // events: step 1 (setup used step 0)
    while (!(out.converged = frozen(out.opinions, params.d)) && out.sweeps < uint32_t(params.max_sweeps)) {
        for (uint32_t e = 0; e < n; ++e) {
            const uint32_t a = rng.below(n);
            uint32_t b = rng.below(n - 1);
            b += b >= a;
            interact(out.opinions[a], out.opinions[b], params.d, params.mu);
        }
        ++out.sweeps;
    }
    return out;
}

Outcome simulate(const Params& params, uint64_t seed) {
    std::vector<double> x(size_t(params.n));
    CounterRng rng(seed, Stream::Classic, 0, 0);
    for (double& v : x)
        v = rng.uniform();
    return simulate_from(std::move(x), params, seed);
}

MetricValues run(const Params& params, uint64_t seed) {
    const Outcome o = simulate(params, seed);
    const auto sizes = cluster_sizes(o.opinions, params.d);
    const double n = params.n;
    const ClusterSummary c = summarise_clusters(sizes, n);
    return {{"major_clusters", c.major},        {"consensus", sizes.size() == 1 ? 1.0 : 0.0},
            {"clusters", double(sizes.size())}, {"largest_cluster", c.largest / n},
            {"sweeps", double(o.sweeps)},       {"converged", o.converged ? 1.0 : 0.0}};
}

} // namespace icsim::deffuant

namespace icsim {

ClassicModel deffuant_model() {
    return make_classic_model<deffuant::Params>(
        "deffuant", "Deffuant bounded confidence, complete mixing (Deffuant et al. 2000, Adv. Complex Syst.)",
        deffuant::fields, deffuant::run);
}

} // namespace icsim
