// Where residents go (docs/model/encounters.md, steps 1-2): the places a
// leisure visit may go to, the places' units, the workplaces assigned when
// a run starts, and the levers at each place.
#include <algorithm>
#include <cmath>

#include "models/encounters_detail.hpp"
#include "sim/parallel.hpp"

namespace icsim::encounters_detail {

namespace {

// The lever that supports contact at a place of this kind (Allport's
// institutional support), as an index into lever_table().
Lever support_lever(PlaceKind k, bool& any) {
    any = true;
    switch (k) {
    case PlaceKind::School:
        return Lever::SchoolMixing;
    case PlaceKind::PublicSpace:
        return Lever::PublicSpace;
    case PlaceKind::CommunityCentre:
        return Lever::InterculturalEvents;
    case PlaceKind::Workplace:
        break;
    }
    any = false;
    return Lever::AntiRumours;
}

} // namespace

Units::Units(const EncountersParams& p, const World& w) {
    const int H = w.hoods.count();
    // Neighbourhood centroids, then per (neighbourhood, kind) the
    // nearest places (ties to the lower place index).
    std::vector<double> sx(size_t(H), 0), sy(size_t(H), 0), cnt(size_t(H), 0);
    for (CellId c = 0; c < CellId(w.grid.cells()); ++c) {
        const size_t h = w.hoods.of_cell[c];
        sx[h] += c % CellId(w.grid.width);
        sy[h] += c / CellId(w.grid.width);
        cnt[h] += 1;
    }
    near.assign(size_t(H) * 2, {});
    for (int h = 0; h < H; ++h) {
        const double cx = cnt[size_t(h)] > 0 ? sx[size_t(h)] / cnt[size_t(h)] : 0;
        const double cy = cnt[size_t(h)] > 0 ? sy[size_t(h)] / cnt[size_t(h)] : 0;
        for (int c = 0; c < 2; ++c) { // 0 public spaces, 1 community centres
            const PlaceKind want = c == 0 ? PlaceKind::PublicSpace : PlaceKind::CommunityCentre;
            std::vector<std::pair<double, uint32_t>> d;
            for (size_t i = 0; i < w.places.size(); ++i) {
                if (w.places[i].kind != want)
                    continue;
                const double dx = double(w.places[i].cell % CellId(w.grid.width)) - cx;
                const double dy = double(w.places[i].cell / CellId(w.grid.width)) - cy;
                d.emplace_back(dx * dx + dy * dy, uint32_t(i));
            }
            std::sort(d.begin(), d.end());
            auto& out = near[size_t(h) * 2 + size_t(c)];
            for (size_t i = 0; i < d.size() && i < size_t(p.nearest_places); ++i)
                out.push_back(d[i].second);
        }
    }
    // Units: teams of workplaces and schools (their expected staff /
    // team_size) and of centres (capacity / team_size); one crowd per
    // public space.
    double work_capacity = 0;
    for (const Place& pl : w.places)
        if (visit_kind(pl.kind) == 0)
            work_capacity += pl.capacity;
    for (size_t i = 0; i < w.places.size(); ++i) {
        const PlaceKind k = w.places[i].kind;
        double members = w.places[i].capacity; // centres: the visitors it holds
        if (visit_kind(k) == 0)
            members = p.work_share * double(w.pop.size()) * w.places[i].capacity / work_capacity;
        const uint32_t units =
            k == PlaceKind::PublicSpace ? 1u : uint32_t(std::max(1.0, std::round(members / p.team_size)));
        base.push_back(uint32_t(place.size()));
        teams.push_back(units);
        place.insert(place.end(), units, uint32_t(i));
    }
}

void assign_workplaces(World& w, uint64_t seed, double work_share) {
    std::vector<double> cum;
    std::vector<uint32_t> idx;
    double total = 0;
    for (size_t i = 0; i < w.places.size(); ++i)
        if (visit_kind(w.places[i].kind) == 0) {
            total += double(w.places[i].capacity);
            cum.push_back(total);
            idx.push_back(uint32_t(i));
        }
    parallel_for_index(w.pop.size(), [&](size_t r) {
        w.pop.workplace[r] = kNoPlace;
        if (idx.empty())
            return;
        CounterRng rng(seed, Stream::SocialSetup, 4, uint32_t(r));
        if (!rng.bernoulli(work_share))
            return;
        const double u = rng.uniform() * total;
        const size_t k = size_t(std::upper_bound(cum.begin(), cum.end(), u) - cum.begin());
        w.pop.workplace[r] = idx[std::min(k, idx.size() - 1)];
    });
}

void place_levers(const World& w, const StepContext& ctx, const std::vector<float>& L_public,
                  const std::vector<float>& L_events, std::vector<float>& support,
                  std::vector<float>& mediation) {
    const int G = w.group_total(), H = w.hoods.count();
    const size_t P = w.places.size();
    const auto L_school = ctx.policy->intensity_table(Lever::SchoolMixing, ctx.step, H, G);
    const auto L_mediation = ctx.policy->intensity_table(Lever::Mediation, ctx.step, H, G);
    support.assign(P * size_t(G), 0.0f);
    mediation.assign(P * size_t(G), 0.0f);
    for (size_t pl = 0; pl < P; ++pl) {
        const size_t h = w.hoods.of_cell[w.places[pl].cell];
        bool any = false;
        const Lever l = support_lever(w.places[pl].kind, any);
        const std::vector<float>& L = l == Lever::SchoolMixing  ? L_school
                                      : l == Lever::PublicSpace ? L_public
                                                                : L_events;
        for (size_t g = 0; g < size_t(G); ++g) {
            support[pl * size_t(G) + g] = any ? L[h * size_t(G) + g] : 0.0f;
            mediation[pl * size_t(G) + g] = L_mediation[h * size_t(G) + g];
        }
    }
}

} // namespace icsim::encounters_detail
