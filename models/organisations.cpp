// Civil-society organisations as agents (docs/model/organisations.md).
// The scenario's organisations (NGOs, migrant-led organisations, city
// services) deliver the policies that name them as `partner`. Before the
// mechanisms step (Mechanism::deliver), for every policy k in force with
// strength s_k (PolicySchedule::strength):
//  1. Demand: D_kh = s_k x demand_per_1000 / 1000 x N_kh residents reached
//     per step in each neighbourhood h it targets, N_kh its target
//     residents there (its groups, or all).
//  2. Budget: an organisation o spends at most B_o = budget / steps_per_year
//     per step; its policies' costs C_o = sum of their cost_per_step; the
//     budget share b_o = min(1, B_o / C_o).
//  3. Partnership: P_o = min(1, baseline + sum of b_o x s_k over the
//     civil_society_partnership policies naming o, plus those naming
//     "city", which serve every organisation); its capacity becomes
//     K_o = capacity x (1 + capacity_gain x P_o).
//  4. Reach, nearest first: o serves the demand of its policies
//     neighbourhood by neighbourhood in order of the distance between
//     neighbourhood centroids, from its own; each gets the share
//     c_oh = min(1, capacity left / demand there) until the capacity is
//     used up. A policy's delivered share there is d_kh = b_o x c_oh (b_o
//     alone for a partnership policy); a policy of the partner "city" is
//     delivered in full (the city's services are not capacity-bound).
//  5. Own programmes: a partnership policy with partner o (core funding)
//     lets o run its own programme where it reaches: s_k x b_o x c_oh is
//     added to the lever of o's kind there (an NGO: welcoming, mentors for
//     newcomers; a migrant-led organisation: intercultural_events; a city
//     service: none).
// The schedule scales every lever value by these shares
// (PolicySchedule::set_delivered), and /timeseries/policy_cost is the
// delivered spending sum_k cost_k x d_k, at most sum_o B_o plus what the
// city delivers itself. No random draws.
#include "models/registry.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace icsim {

namespace {

struct OrganisationsParams {
    double demand_per_1000 = 10;
    double capacity_gain = 1;
    double steps_per_year = 52.18; // 365.25 / 7, written so that it round-trips as text
};

const std::vector<Field<OrganisationsParams>>& organisations_fields() {
    using P = OrganisationsParams;
    static const std::vector<Field<P>> f = {
        {"demand_per_1000",
         &P::demand_per_1000,
         0,
         1000,
         "residents/step",
         "residents per step per 1,000 target residents that a policy of intensity 1 asks its partner to "
         "reach",
         assumption("1 % of the targets a week: every target resident reached about every two years"),
         {2, 40}},
        {"capacity_gain",
         &P::capacity_gain,
         0,
         10,
         "1",
         "relative rise of an organisation's capacity at full civil_society_partnership",
         assumption("core funding and co-design about double what an organisation can deliver"),
         {0.25, 2}},
        {"steps_per_year", &P::steps_per_year, 1, 366, "steps",
         "steps a yearly organisation budget is spread over (365.25 / run.step_days)",
         assumption("weekly steps"), not_swept()},
    };
    return f;
}

// The lever of an organisation's own programme, run under a partnership
// framework with the city (-1: none; a city service delivers only what the
// city's policies ask): an NGO mentors newcomers, a migrant-led
// organisation runs community and intercultural events.
int own_programme(OrganisationKind kind) {
    switch (kind) {
    case OrganisationKind::Ngo:
        return int(Lever::Welcoming);
    case OrganisationKind::MigrantLed:
        return int(Lever::InterculturalEvents);
    case OrganisationKind::CityService:
        break;
    }
    return -1;
}

class Organisations final : public Mechanism {
public:
    Organisations(const OrganisationsParams& p, const World& w) : p_(p) {
        const int H = w.hoods.count();
        // Neighbourhood centroids, then each organisation's neighbourhoods
        // nearest first (ties to the lower index).
        std::vector<double> sx(size_t(H), 0), sy(size_t(H), 0), sn(size_t(H), 0);
        for (size_t c = 0; c < w.hoods.of_cell.size(); ++c) {
            const int h = w.hoods.of_cell[c];
            sx[size_t(h)] += w.grid.x_of(CellId(c));
            sy[size_t(h)] += w.grid.y_of(CellId(c));
            sn[size_t(h)] += 1;
        }
        for (const auto& o : w.organisations) {
            std::vector<int> order(static_cast<size_t>(H));
            std::iota(order.begin(), order.end(), 0);
            const size_t home = size_t(std::clamp(o.neighbourhood, 0, H - 1));
            const auto dist = [&](int h) {
                const size_t k = size_t(h);
                if (sn[k] == 0 || sn[home] == 0)
                    return h == int(home) ? 0.0 : 1e300;
                return std::hypot(sx[k] / sn[k] - sx[home] / sn[home], sy[k] / sn[k] - sy[home] / sn[home]);
            };
            std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return dist(a) < dist(b); });
            order_.push_back(std::move(order));
        }
    }

    void deliver(const World& w, const StepContext& ctx, PolicySchedule& policy) override {
        const auto& ps = policy.policies();
        const size_t K = ps.size(), O = w.organisations.size();
        const int H = w.hoods.count(), G = w.group_total();
        reached_ = 0;
        population_ = double(w.pop.size());
        strength_.assign(K, 0);
        partner_.assign(K, -1);
        lever_.assign(K, 0);
        per_policy_.assign(K, 1.0);
        bool any = false;
        for (size_t k = 0; k < K; ++k) {
            strength_[k] = PolicySchedule::strength(ps[k], ctx.step);
            lever_[k] = size_t(ps[k].lever);
            for (size_t o = 0; o < O; ++o)
                if (w.organisations[o].name == ps[k].partner)
                    partner_[k] = int(o);
            any = any || (strength_[k] > 0 && partner_[k] >= 0);
        }
        if (!any) {
            policy.set_delivered({}, {}, H);
            spent_ = policy.cost(ctx.step);
            return;
        }
        // Residents per (neighbourhood, group), from the cell counts.
        const std::vector<uint32_t> counts = w.hood_group_counts();
        counts_.assign(counts.begin(), counts.end());
        // 1. Demand per policy and neighbourhood.
        demand_.assign(K * size_t(H), 0);
        for (size_t k = 0; k < K; ++k) {
            if (strength_[k] <= 0)
                continue;
            const auto& p = ps[k];
            for (int h = 0; h < H; ++h) {
                if (!p.neighbourhoods.empty() &&
                    std::find(p.neighbourhoods.begin(), p.neighbourhoods.end(), h) == p.neighbourhoods.end())
                    continue;
                double n = 0;
                for (int g = 0; g < G; ++g)
                    if (p.groups.empty() || std::find(p.groups.begin(), p.groups.end(), g) != p.groups.end())
                        n += counts_[size_t(h) * size_t(G) + size_t(g)];
                demand_[k * size_t(H) + size_t(h)] = strength_[k] * p_.demand_per_1000 / 1000.0 * n;
            }
        }
        // 2. Budget shares.
        std::vector<double> cost(O, 0), budget_share(O, 1), partnership(O, 0);
        for (size_t k = 0; k < K; ++k)
            if (strength_[k] > 0 && partner_[k] >= 0)
                cost[size_t(partner_[k])] += ps[k].cost_per_step;
        for (size_t o = 0; o < O; ++o) {
            const double B = w.organisations[o].budget / p_.steps_per_year;
            budget_share[o] = cost[o] > B ? B / cost[o] : 1.0;
        }
        // 3. Partnership.
        const double base = policy.baseline(Lever::CivilSocietyPartnership);
        for (size_t o = 0; o < O; ++o)
            partnership[o] = base;
        for (size_t k = 0; k < K; ++k)
            if (strength_[k] > 0 && ps[k].lever == Lever::CivilSocietyPartnership) {
                if (partner_[k] >= 0)
                    partnership[size_t(partner_[k])] += strength_[k] * budget_share[size_t(partner_[k])];
                else
                    for (size_t o = 0; o < O; ++o)
                        partnership[o] += strength_[k];
            }
        // 4. Reach, nearest first.
        per_hood_.assign(K * size_t(H), 1.0);
        programmes_.assign(kLeverCount * size_t(H), 0.0);
        for (size_t o = 0; o < O; ++o) {
            double left =
                double(w.organisations[o].capacity) * (1 + p_.capacity_gain * std::min(1.0, partnership[o]));
            for (int h : order_[o]) {
                double asked = 0;
                for (size_t k = 0; k < K; ++k)
                    // A framework agreement raises capacity; it does not use it.
                    if (partner_[k] == int(o) && ps[k].lever != Lever::CivilSocietyPartnership)
                        asked += demand_[k * size_t(H) + size_t(h)];
                const double served = asked > left ? left / asked : 1.0;
                left = std::max(0.0, left - asked);
                for (size_t k = 0; k < K; ++k) {
                    if (partner_[k] != int(o))
                        continue;
                    const bool framework = ps[k].lever == Lever::CivilSocietyPartnership;
                    per_hood_[k * size_t(H) + size_t(h)] = budget_share[o] * (framework ? 1.0 : served);
                    // 5. Own programmes under a framework agreement.
                    const int own = own_programme(w.organisations[o].kind);
                    if (framework && own >= 0 && demand_[k * size_t(H) + size_t(h)] > 0)
                        programmes_[size_t(own) * size_t(H) + size_t(h)] +=
                            strength_[k] * budget_share[o] * served;
                }
                reached_ += budget_share[o] * served * asked;
            }
        }
        for (size_t k = 0; k < K; ++k) {
            if (partner_[k] < 0)
                continue;
            double asked = 0, got = 0;
            for (int h = 0; h < H; ++h) {
                asked += demand_[k * size_t(H) + size_t(h)];
                got += demand_[k * size_t(H) + size_t(h)] * per_hood_[k * size_t(H) + size_t(h)];
            }
            per_policy_[k] = asked > 0 ? got / asked : budget_share[size_t(partner_[k])];
        }
        policy.set_delivered(per_hood_, per_policy_, H, programmes_);
        spent_ = policy.cost(ctx.step);
    }

    void step(World&, const StepContext&) override {}

    void counters(Counters& out) const override {
        out.emplace_back("residents_reached", reached_);
        out.emplace_back("policy_spending", spent_);
    }

    void report(const World& w, std::vector<std::vector<double>>& rows) const override {
        rows.push_back({population_ > 0 ? reached_ / population_ : double(NAN)});
        // Per lever: the strength-weighted delivered share of its policies
        // in force at the last delivery.
        std::vector<double> got(kLeverCount, 0), asked(kLeverCount, 0);
        (void)w;
        for (size_t k = 0; k < strength_.size() && k < lever_.size(); ++k) {
            asked[lever_[k]] += strength_[k];
            got[lever_[k]] += strength_[k] * (k < per_policy_.size() ? per_policy_[k] : 1.0);
        }
        for (size_t l = 0; l < kLeverCount; ++l)
            got[l] = asked[l] > 0 ? got[l] / asked[l] : double(NAN);
        rows.push_back(std::move(got));
    }

private:
    OrganisationsParams p_;
    std::vector<std::vector<int>> order_; // per organisation: neighbourhoods nearest first
    // The last delivery (what report() shows) and scratch.
    std::vector<double> strength_, counts_, demand_, per_hood_, per_policy_, programmes_;
    std::vector<int> partner_;
    std::vector<size_t> lever_;
    double reached_ = 0, population_ = 0, spent_ = 0;
};

} // namespace

MechanismEntry organisations_mechanism() {
    MechanismEntry e = make_mechanism_entry<OrganisationsParams>(
        "organisations",
        "civil-society organisations deliver the policies that name them as partner, within their capacity "
        "(nearest neighbourhoods first) and budget; civil_society_partnership raises their capacity",
        &organisations_fields,
        [](const OrganisationsParams& p, const World& w) -> std::unique_ptr<Mechanism> {
            return std::make_unique<Organisations>(p, w);
        });
    e.series = {
        {"/timeseries/organisation_reach", Dims::Step, "1/step",
         "residents reached per step by the organisations' programmes, as a share of the population (a "
         "resident reached by two programmes counts twice)"},
        {"/timeseries/lever_delivered", Dims::StepLever, "0-1",
         "share of each lever's policies in force (weighted by strength) that their partners deliver (NaN: "
         "no policy in force)"}};
    e.reads = "(in `deliver`, before step 1 of the list) the policies in force, the organisations' capacity "
              "and budget, target residents per neighbourhood, lever `civil_society_partnership`";
    e.writes = "the policies' delivered shares (`PolicySchedule::set_delivered`); nothing of the residents";
    return e;
}

} // namespace icsim
