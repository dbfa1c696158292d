// The diversity advantage (docs/model/diversity_advantage.md): a
// prosperity proxy per workplace, productivity = base x (1 + beta x D x M)
// (MODEL: Ottaviano & Peri 2006; Alesina, Harnoss & Rapoport 2016; Nathan
// & Lee 2013 find positive associations of birthplace diversity with
// wages, productivity and innovation). D is the fractionalisation of the
// workplace's workers by group, M its inclusion: the cross-group share of
// the ties among colleagues relative to D (what random mixing would give:
// 1 = ties as mixed as the workforce), and equal treatment, the share of
// its workers without discrimination experienced. The mechanism changes no
// state: it reports the gain, worker-weighted, each step. No random draws.
#include "models/diversity_advantage.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/parallel_for.h>

#include "models/friendship.hpp"
#include "models/registry.hpp"
#include "sim/columns.hpp"
#include "sim/parallel.hpp"
#include "sim/scratch.hpp"

namespace icsim {

namespace {

const std::vector<Field<DiversityAdvantageParams>>& diversity_fields() {
    using P = DiversityAdvantageParams;
    static const std::vector<Field<P>> f = {
        {"beta",
         &P::beta,
         0,
         1,
         "1",
         "relative productivity gain of a workplace with D = M = 1",
         assumption("positive, small: Ottaviano & Peri 2006; Alesina, Harnoss & Rapoport 2016; Nathan & Lee "
                    "2013"),
         {0, 0.1}},
        {"tie_weight",
         &P::tie_weight,
         0,
         1,
         "1",
         "weight of cross-group colleague ties in inclusion M (the rest: equal treatment)",
         assumption(),
         {0, 1}},
        {"discrimination_threshold", &P::discrimination_threshold, 0, 1000, "events",
         "discrimination experienced (belonging's decaying count) from which a worker counts as treated "
         "unequally",
         assumption("half a recent discriminatory event"), not_swept()},
    };
    return f;
}

class DiversityAdvantage final : public Mechanism {
public:
    explicit DiversityAdvantage(const DiversityAdvantageParams& p) : p_(p) {}
    void publish(World& w, uint64_t) const override { w.products.set(kDiversityParams, p_); }
    void step(World&, const StepContext&) override {}
    void report(const World& w, std::vector<std::vector<double>>& rows) const override {
        rows.push_back({diversity_advantage(workplace_diversity(w, p_))});
    }

private:
    DiversityAdvantageParams p_;
};

} // namespace

std::vector<WorkplaceDiversity> workplace_diversity(const World& w, const DiversityAdvantageParams& p) {
    const Population& pop = w.pop;
    const size_t n = pop.size(), P = w.places.size(), G = size_t(w.group_total());
    const auto& employed = pop.column(column_handle<uint8_t>("employed"));
    const auto& discrimination = pop.column(column_handle<float>("discrimination"));
    const bool anyone_employed =
        std::any_of(employed.begin(), employed.end(), [](uint8_t e) { return e != 0; });
    // Each resident's workplace when they work there, else kNoPlace: one
    // array for the colleague test of every tie (a gather from random
    // residents), in place of three (workplace, employed, the place kind).
    std::vector<uint32_t> at(n);
    parallel_for_index(n, [&](size_t r) {
        const uint32_t q = pop.workplace[r];
        const bool works = q != kNoPlace && q < P && w.places[q].kind == PlaceKind::Workplace &&
                           (!anyone_employed || employed[r] != 0);
        at[r] = works ? q : kNoPlace;
    });
    // Integer counts per place, kept per thread and then added (integer
    // sums do not depend on the order: the same result on any thread count;
    // atomic adds on shared counts were five times slower).
    // At [q * (G + 3)]: workers per group, then colleague ties, cross-group
    // ones, workers below the discrimination threshold.
    const size_t W = G + 3;
    PerThread<std::vector<uint32_t>> counts([&] { return std::vector<uint32_t>(P * W, 0); });
    const float thr = float(p.discrimination_threshold);
    oneapi::tbb::parallel_for(oneapi::tbb::blocked_range<size_t>(0, n, 16384), [&](const auto& range) {
        std::vector<uint32_t>& c = counts.local();
        const ConstTieColumns ties = tie_columns(pop);
        const auto tie = ties.id;
        const auto tie_strength = ties.strength;
        const uint32_t* const place = at.data();
        const uint8_t* const outgroup = ties.outgroup;
        const uint32_t last = uint32_t(n - 1);
        for (size_t r = range.begin(); r != range.end(); ++r) {
            if (r + kPrefetchAhead < range.end())
                for (size_t k = 0; k < kTieSlots; ++k)
                    __builtin_prefetch(&place[std::min(tie[k][r + kPrefetchAhead], last)]);
            const uint32_t q = place[r];
            if (q == kNoPlace)
                continue;
            uint32_t* const row = &c[size_t(q) * W];
            ++row[pop.group[r]];
            row[G + 2] += discrimination[r] < thr;
            // Bit k: tie slot k holds a colleague (branch-free: the slots'
            // tests are unpredictable).
            unsigned colleague = 0;
            for (size_t k = 0; k < kTieSlots; ++k) {
                const uint32_t t = tie[k][r];
                const bool held = tie_strength[k][r] != 0 && t < n;
                colleague |= unsigned(held && place[held ? t : r] == q) << k;
            }
            row[G] += unsigned(std::popcount(colleague));
            row[G + 1] += unsigned(std::popcount(colleague & outgroup[r]));
        }
    });
    std::vector<uint32_t> c(P * W, 0);
    for (const std::vector<uint32_t>& part : counts)
        for (size_t i = 0; i < c.size(); ++i)
            c[i] += part[i];
    std::vector<WorkplaceDiversity> out(P);
    for (size_t q = 0; q < P; ++q) {
        WorkplaceDiversity& d = out[q];
        for (size_t g = 0; g < G; ++g)
            d.workers += c[q * W + g];
        if (d.workers == 0)
            continue;
        double sq = 0;
        for (size_t g = 0; g < G; ++g)
            sq += std::pow(c[q * W + g] / d.workers, 2);
        d.fractionalisation = 1 - sq;
        const double ties = c[q * W + G];
        d.cross_ties = ties > 0 ? c[q * W + G + 1] / ties : 0.0;
        d.equal_treatment = c[q * W + G + 2] / d.workers;
        const double mixing =
            d.fractionalisation > 0 ? std::min(1.0, d.cross_ties / d.fractionalisation) : 0.0;
        d.inclusion = p.tie_weight * mixing + (1 - p.tie_weight) * d.equal_treatment;
        d.gain = p.beta * d.fractionalisation * d.inclusion;
    }
    return out;
}

double diversity_advantage(const std::vector<WorkplaceDiversity>& places) {
    double workers = 0, gain = 0;
    for (const auto& d : places) {
        workers += d.workers;
        gain += d.workers * d.gain;
    }
    return workers > 0 ? gain / workers : double(NAN);
}

MechanismEntry diversity_advantage_mechanism() {
    MechanismEntry e = make_mechanism_entry<DiversityAdvantageParams>(
        "diversity_advantage",
        "a prosperity proxy: per workplace, productivity = base x (1 + beta x D x M), D its "
        "fractionalisation "
        "by group, M its inclusion (cross-group colleague ties, equal treatment)",
        &diversity_fields, [](const DiversityAdvantageParams& p, const World&) -> std::unique_ptr<Mechanism> {
            return std::make_unique<DiversityAdvantage>(p);
        });
    e.series = {{"/timeseries/diversity_advantage", Dims::Step, "1",
                 "mean relative productivity gain over base, beta x D x M, across workplaces weighted by "
                 "their workers (NaN: no workers)"}};
    e.summary = [](const World& w, std::vector<std::pair<std::string, double>>& out) {
        const DiversityAdvantageParams* p = w.products.find(kDiversityParams);
        if (p == nullptr)
            return;
        out.emplace_back("diversity_advantage", diversity_advantage(workplace_diversity(w, *p)));
    };
    e.reads = "workplaces' workers (`employed`), groups, tie slots and `tie_outgroup`, `discrimination`";
    e.writes = "nothing (it reports)";
    return e;
}

} // namespace icsim
