// Residential mobility: multi-group Schelling dynamics (Schelling 1971,
// "Dynamic models of segregation", J. Math. Sociol. 1:143) on cells of any
// capacity, run in parallel with results independent of the thread count.
//
// A resident of group g judges the other residents in the Moore window of
// Chebyshev radius `radius` around its home cell (own cell included, itself
// excluded): it is satisfied when same-group >= tolerance x all (its own
// tolerance, drawn from its group's distribution; no
// neighbours = satisfied, as in NetLogo's Segregation model).
// Each step, from the state at the start of the step:
//  1. decide (parallel): a dissatisfied resident searches with probability
//     `move_probability`, inspects `candidates` vacant dwellings drawn
//     uniformly (with replacement) and proposes the one where its share of
//     same-group neighbours would be highest (first of equals), if that
//     share is higher than at home; otherwise it stays;
//  2. resolve: proposals are sorted by (target cell, random priority, id);
//     each cell accepts as many as it had free dwellings at the start;
//  3. apply: accepted moves update homes and counts (integer, any order).
// Dwellings vacated in a step open up for the next step.
// With `housing` on, the housing market (models/housing.hpp) replaces
// step 1's decision: rent and affordability, landlord discrimination, social
// housing under the mixed_housing quota and hostility in satisfaction.
#include "models/residential_mobility.hpp"
#include "models/housing.hpp"
#include "models/registry.hpp"

#include <algorithm>

#include <oneapi/tbb/parallel_sort.h>

#include "sim/parallel.hpp"
#include "sim/rng.hpp"
#include "sim/scratch.hpp"
#include "sim/window.hpp"

namespace icsim {

const std::vector<Field<ResidentialMobilityParams>>& residential_mobility_fields() {
    using P = ResidentialMobilityParams;
    static const std::vector<Field<P>> fields = [] {
        std::vector<Field<P>> f = {
            {"radius",
             &P::radius,
             1,
             10,
             "cells",
             "Chebyshev radius of the area around home a resident judges",
             literature("Schelling 1971: the eight neighbours of the Moore neighbourhood"),
             {1, 2}},
            {"move_probability",
             &P::move_probability,
             0,
             1,
             "per step",
             "chance that a dissatisfied resident searches for a new home in a step",
             assumption(),
             {0.02, 0.3}},
            {"candidates",
             &P::candidates,
             1,
             256,
             "dwellings",
             "vacant dwellings a searching resident inspects before choosing",
             assumption(),
             {2, 32}},
        };
        add_housing_fields(f);
        return f;
    }();
    return fields;
}

MechanismEntry residential_mobility_mechanism() {
    MechanismEntry e = make_mechanism_entry(
        "residential_mobility",
        "multi-group Schelling relocation among vacant dwellings (Schelling 1971), with an optional housing "
        "market: rent, landlord discrimination, social housing and hostility",
        residential_mobility_fields, make_residential_mobility);
    e.series = housing_series();
    e.summary = housing_summary;
    e.reads = "homes, groups, tolerances (window counts at the start of its pass); with the housing market, "
              "`employed` (income), out-group neighbours' prejudice, levers `anti_discrimination` and "
              "`mixed_housing` (at the dwelling)";
    e.writes = "`cell` and the occupancy counts";
    return e;
}

// Both sums in one pass over the rows (sim/window.hpp).
void window_counts(const World& w, int radius, std::vector<uint32_t>& group_sums,
                   std::vector<uint32_t>& total_sums) {
    const size_t G = w.groups.size(), W = size_t(w.grid.width), H = size_t(w.grid.height);
    group_sums.resize(W * H * G);
    total_sums.resize(W * H);
    const MooreWindow window(w.grid, radius);
    PerThread<std::vector<uint32_t>> column;
    parallel_for_index(
        H,
        [&](size_t y) {
            std::vector<uint32_t>& c = column.local();
            window.row(w.group_count.data(), G, y, &group_sums[y * W * G], c);
            window.row(w.total.data(), 1, y, &total_sums[y * W], c);
        },
        1);
}

namespace {

constexpr CellId kNone = kNoCell;
using Proposal = MoveProposal;

class ResidentialMobility final : public Mechanism {
public:
    ResidentialMobility(const ResidentialMobilityParams& p, const World& w) : p_(p) {
        if (p.housing)
            market_ = std::make_unique<HousingMarket>(p, w);
    }

    void publish(World& w, uint64_t) const override {
        if (market_)
            w.products.set(kHousing, HousingSpec{p_.income_employed, p_.income_unemployed, p_.social_rent,
                                                 market_.get()});
    }

    void step(World& w, const StepContext& ctx) override {
        if (market_)
            decide_housing(w, ctx);
        else {
            window_sums(w);
            vacant_dwellings(w, vacant_);
            decide(w, ctx);
        }
        resolve_and_apply(w);
    }

    void counters(Counters& out) const override {
        out.emplace_back("searches", double(searches_));
        out.emplace_back("moves", double(moves_));
        if (!market_)
            return;
        uint64_t apps[2] = {}, ok[2] = {};
        for (size_t g = 0; g < tally_.applications.size(); ++g) {
            apps[g != 0] += tally_.applications[g];
            ok[g != 0] += tally_.accepted[g];
        }
        out.emplace_back("housing_apps_majority", double(apps[0]));
        out.emplace_back("housing_accepts_majority", double(ok[0]));
        out.emplace_back("housing_apps_minority", double(apps[1]));
        out.emplace_back("housing_accepts_minority", double(ok[1]));
    }

    void report(const World& w, std::vector<std::vector<double>>& rows) const override {
        housing_report(w, market_.get(), tally_, rows);
    }

private:
    void window_sums(const World& w) { window_counts(w, p_.radius, win_group_, win_total_); }

    // Each block of residents collects its proposals (with their random
    // priority) in id order; the blocks' lists, joined in block order, give
    // the proposals in id order whatever the thread count.
    void decide(const World& w, const StepContext& ctx) {
        const size_t G = w.groups.size();
        const uint32_t nv = uint32_t(vacant_.size());
        const size_t n = w.pop.size(), blocks = (n + kReduceBlock - 1) / kReduceBlock;
        if (found_.size() < blocks)
            found_.resize(blocks);
        searches_ = deterministic_block_sum<uint64_t>(n, [&](size_t begin, size_t end) {
            uint64_t searches = 0;
            std::vector<Proposal>& found = found_[begin / kReduceBlock];
            found.clear();
            for (size_t i = begin; i < end; ++i) {
                // The window sums at the home of a resident a few ahead (random reads).
                if (i + kPrefetchAhead < n && !w.pop.vacant(i + kPrefetchAhead)) {
                    const size_t c = w.pop.cell[i + kPrefetchAhead];
                    __builtin_prefetch(&win_group_[c * G + w.pop.group[i + kPrefetchAhead]]);
                    __builtin_prefetch(&win_total_[c]);
                }
                const CellId home = w.pop.cell[i];
                if (home == kNoCell) // a vacant slot (sim/world.hpp)
                    continue;
                const size_t g = w.pop.group[i];
                const double tol = w.pop.tolerance[i];
                const uint32_t same = win_group_[size_t(home) * G + g] - 1, all = win_total_[home] - 1;
                if (all == 0 || double(same) >= tol * double(all))
                    continue;
                CounterRng rng(ctx.seed, Stream::Mobility, ctx.step, uint32_t(i));
                if (nv == 0 || !rng.bernoulli(p_.move_probability))
                    continue;
                ++searches;
                double best = double(same) / double(all); // the share at home
                CellId target = kNone;
                // The candidates drawn first (the same draws in the same
                // order) and their window sums prefetched: random reads
                // that would otherwise wait one after the other.
                CellId candidate[256]; // the field table bounds candidates to 256
                const int K = p_.candidates;
                for (int k = 0; k < K; ++k) {
                    const CellId v = vacant_[rng.below(nv)];
                    candidate[k] = v;
                    __builtin_prefetch(&win_group_[size_t(v) * G + g]);
                    __builtin_prefetch(&win_total_[v]);
                }
                for (int k = 0; k < K; ++k) {
                    const CellId v = candidate[k];
                    if (v == home)
                        continue;
                    // Exclude the resident itself where its home lies in v's window.
                    const uint32_t self = w.grid.chebyshev(home, v) <= p_.radius ? 1 : 0;
                    const uint32_t s = win_group_[size_t(v) * G + g] - self, a = win_total_[v] - self;
                    const double share = a == 0 ? 1.0 : double(s) / double(a);
                    if (share > best) {
                        best = share;
                        target = v;
                    }
                }
                if (target != kNone)
                    found.push_back(
                        {target,
                         uint32_t(draw_u64(ctx.seed, Stream::MobilityResolve, ctx.step, uint32_t(i), 0)),
                         ResidentId(i)});
            }
            return searches;
        });
        proposals_.clear();
        for (size_t b = 0; b < blocks; ++b)
            proposals_.insert(proposals_.end(), found_[b].begin(), found_[b].end());
    }

    // As decide, with the housing market's decision (models/housing.hpp).
    void decide_housing(const World& w, const StepContext& ctx) {
        market_->prepare(w, ctx);
        const size_t n = w.pop.size(), blocks = (n + kReduceBlock - 1) / kReduceBlock;
        if (found_.size() < blocks)
            found_.resize(blocks);
        tally_ = deterministic_block_sum<HousingTally>(n, [&](size_t begin, size_t end) {
            HousingTally t;
            std::vector<Proposal>& found = found_[begin / kReduceBlock];
            found.clear();
            Proposal p{};
            for (size_t i = begin; i < end; ++i) {
                if (i + kPrefetchAhead < n)
                    market_->prefetch(w, ResidentId(i + kPrefetchAhead));
                if (market_->decide(w, ctx, ResidentId(i), p, t))
                    found.push_back(p);
            }
            return t;
        });
        searches_ = tally_.searches;
        proposals_.clear();
        for (size_t b = 0; b < blocks; ++b)
            proposals_.insert(proposals_.end(), found_[b].begin(), found_[b].end());
    }

    void resolve_and_apply(World& w) {
        oneapi::tbb::parallel_sort(proposals_.begin(), proposals_.end(),
                                   [](const Proposal& a, const Proposal& b) {
                                       if (a.target != b.target)
                                           return a.target < b.target;
                                       if (a.priority != b.priority)
                                           return a.priority < b.priority;
                                       return a.resident < b.resident;
                                   });
        accepted_.clear();
        for (size_t k = 0; k < proposals_.size();) {
            const CellId t = proposals_[k].target;
            int room = w.grid.capacity - w.total[t];
            for (; k < proposals_.size() && proposals_[k].target == t; ++k)
                if (room-- > 0)
                    accepted_.push_back(proposals_[k]);
        }
        for (const Proposal& p : accepted_)
            w.move(p.resident, p.target);
        moves_ = accepted_.size();
    }

    size_t scratch_bytes() const override {
        size_t b = held_bytes(win_total_) + held_bytes(win_group_) + held_bytes(vacant_) +
                   held_bytes(found_) + held_bytes(proposals_) + held_bytes(accepted_);
        for (const auto& f : found_)
            b += held_bytes(f);
        return b + (market_ ? market_->scratch_bytes() : 0);
    }

    ResidentialMobilityParams p_;
    std::unique_ptr<HousingMarket> market_; // null: classic Schelling
    HousingTally tally_;                    // the last step's applications (housing market)
    std::vector<uint32_t> win_total_, win_group_;
    std::vector<CellId> vacant_;
    std::vector<std::vector<Proposal>> found_; // per block of residents: its proposals
    std::vector<Proposal> proposals_, accepted_;
    size_t searches_ = 0, moves_ = 0;
};

} // namespace

std::unique_ptr<Mechanism> make_residential_mobility(const ResidentialMobilityParams& params,
                                                     const World& world) {
    return std::make_unique<ResidentialMobility>(params, world);
}

} // namespace icsim
