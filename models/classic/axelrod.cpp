// Axelrod's model of the dissemination of culture (Axelrod 1997, J. Conflict
// Resolution 41:203), on a bounded width x height grid.
// Rules: every site gets, per feature, a trait uniform in 0..traits-1. Each
// event picks a uniformly random site and a uniformly random one of its von
// Neumann neighbours inside the grid; with probability overlap / features they
// interact: the site copies the neighbour's trait on one feature chosen
// uniformly among those where they differ. Stop when every neighbouring pair
// shares all features or none (an incremental count of active pairs: the stop
// is exact to the event). Metric: stable_regions, connected regions of
// identical culture. Reference: Axelrod's 10 x 10 table (10 runs a cell).
// Params: width, height, features, traits, max_sweeps. Not modelled: noise, torus.
// Determinism: sequential; CounterRng (Stream::Classic, id 0) step 0 draws the
// culture (below(traits), site-major), step 1 the events: below(sites),
// below(neighbours), then -- only if 0 < overlap < features -- below(features)
// < overlap to interact and below(features - overlap) for the feature.
#include "models/classic/axelrod.hpp"

#include <algorithm>
#include <numeric>
#include <string>

#include "sim/rng.hpp"

namespace icsim::axelrod {

const std::vector<Field<Params>>& fields() {
    static const std::vector<Field<Params>> table = {
        {"width", &Params::width, 1, 2000, "sites", "grid width (bounded, not a torus)"},
        {"height", &Params::height, 1, 2000, "sites", "grid height"},
        {"features", &Params::features, 1, 255, "features", "cultural features per site"},
        {"traits", &Params::traits, 1, 256, "traits", "alternative traits per feature"},
        {"max_sweeps", &Params::max_sweeps, 1, 100'000'000, "sweeps",
         "safety stop, in sweeps of width * height events (converged = 0 when it fires)"},
    };
    return table;
}

int neighbours(const Lattice& l, int site, int out[4]) {
    const int x = site % l.width, y = site / l.width;
    int k = 0;
    if (y > 0)
        out[k++] = site - l.width;
    if (x > 0)
        out[k++] = site - 1;
    if (x + 1 < l.width)
        out[k++] = site + 1;
    if (y + 1 < l.height)
        out[k++] = site + l.width;
    return k;
}

// The stored overlap of neighbours a and b (kept at the west / north site).
template <class L>
static auto& overlap_slot(L& l, int a, int b) {
    if (b == a + 1 || b == a - 1)
        return l.overlap_east[size_t(std::min(a, b))];
    return l.overlap_south[size_t(std::min(a, b))];
}

uint8_t overlap(const Lattice& l, int a, int b) {
    return overlap_slot(l, a, b);
}

static bool is_active(uint8_t overlap, int features) {
    return overlap > 0 && overlap < features;
}

Lattice make_lattice(int width, int height, int features, std::vector<uint8_t> culture) {
    Lattice l{width, height, features, std::move(culture), {}, {}, 0};
    l.overlap_east.assign(size_t(l.sites()), 0);
    l.overlap_south.assign(size_t(l.sites()), 0);
    const auto f = size_t(features);
    for (int s = 0; s < l.sites(); ++s) {
        int nb[4];
        const int k = neighbours(l, s, nb);
        for (int j = 0; j < k; ++j) {
            if (nb[j] < s)
                continue; // each pair once, from its lower site
            int shared = 0;
            for (size_t q = 0; q < f; ++q)
                shared += l.culture[size_t(s) * f + q] == l.culture[size_t(nb[j]) * f + q];
            overlap_slot(l, s, nb[j]) = uint8_t(shared);
            l.active += is_active(uint8_t(shared), features) ? 1 : 0;
        }
    }
    return l;
}

uint32_t stable_regions(const Lattice& l) {
    std::vector<int> parent(size_t(l.sites()));
    std::iota(parent.begin(), parent.end(), 0);
    auto find = [&](int a) {
        while (parent[size_t(a)] != a)
            a = parent[size_t(a)] = parent[size_t(parent[size_t(a)])];
        return a;
    };
    uint32_t regions = uint32_t(l.sites());
    for (int s = 0; s < l.sites(); ++s) {
        int nb[4];
        const int k = neighbours(l, s, nb);
        for (int j = 0; j < k; ++j)
            if (nb[j] > s && overlap(l, s, nb[j]) == l.features) {
                const int a = find(s), b = find(nb[j]);
                if (a != b) {
                    parent[size_t(a)] = b;
                    --regions;
                }
            }
    }
    return regions;
}

Outcome simulate_from(Lattice lattice, const Params& params, uint64_t seed) {
    Outcome out{std::move(lattice), 0, false};
    Lattice& l = out.lattice;
    const auto f = size_t(l.features);
    const uint64_t max_events = uint64_t(params.max_sweeps) * uint64_t(l.sites());
    CounterRng rng(seed, Stream::Classic, 1, 0); // events: step 1 (setup used step 0)
    while (l.active > 0 && out.events < max_events) {
        ++out.events;
        const int s = int(rng.below(uint32_t(l.sites())));
        int nb[4];
        const int other = nb[rng.below(uint32_t(neighbours(l, s, nb)))];
        const uint8_t o = overlap(l, s, other);
        if (!is_active(o, l.features) || int(rng.below(uint32_t(l.features))) >= o)
            continue; // no interaction, or one that changes nothing
        // The k-th feature on which they differ.
        uint32_t k = rng.below(uint32_t(l.features - o));
        size_t q = 0;
        for (;; ++q)
            if (l.culture[size_t(s) * f + q] != l.culture[size_t(other) * f + q] && k-- == 0)
                break;
        const uint8_t before = l.culture[size_t(s) * f + q], after = l.culture[size_t(other) * f + q];
        l.culture[size_t(s) * f + q] = after;
        const int deg = neighbours(l, s, nb);
        for (int j = 0; j < deg; ++j) {
            uint8_t& e = overlap_slot(l, s, nb[j]);
            const uint8_t t = l.culture[size_t(nb[j]) * f + q];
            const bool was = is_active(e, l.features);
            e = uint8_t(e - (t == before) + (t == after));
            if (is_active(e, l.features) != was)
                l.active = was ? l.active - 1 : l.active + 1;
        }
    }
    out.converged = l.active == 0;
    return out;
}

Outcome simulate(const Params& params, uint64_t seed) {
    std::vector<uint8_t> culture(size_t(params.width) * size_t(params.height) * size_t(params.features));
    CounterRng rng(seed, Stream::Classic, 0, 0);
    for (uint8_t& c : culture)
        c = uint8_t(rng.below(uint32_t(params.traits)));
    return simulate_from(make_lattice(params.width, params.height, params.features, std::move(culture)),
                         params, seed);
}

MetricValues run(const Params& params, uint64_t seed) {
    const Outcome o = simulate(params, seed);
    return {{"stable_regions", double(stable_regions(o.lattice))},
            {"events", double(o.events)},
            {"converged", o.converged ? 1.0 : 0.0}};
}

} // namespace icsim::axelrod

namespace icsim {

ClassicModel axelrod_model() {
    return make_classic_model<axelrod::Params>(
        "axelrod", "Axelrod culture model, bounded grid (Axelrod 1997, J. Conflict Resolution)",
        axelrod::fields, axelrod::run);
}

} // namespace icsim
