// Attitudes: prejudice towards out-groups (equations and sources in
// docs/model/attitudes.md). Each step, for every resident from the state
// at the start of the step (prejudice p, recent contact counts c+ and c-,
// disposition p*):
//  - relaxation: p <- p + relaxation x (p* - p): prejudice has stable
//    sources besides contact (the disposition, the resident's initial
//    prejudice), so effects of contact and rumours fade unless renewed;
// then over the step's meetings (models/step_meetings.hpp):
//  - each positive out-group contact:  p <- p - w p
//  - each negative out-group contact:  p <- p + w x negative_weight x (1 - p) / (1 + buffering x c+)
//    with w = contact_effect, x minority_factor for members of minority
//    groups (every group but the first). Positive contact lowers prejudice
//    (Pettigrew & Tropp 2006); negative contact weighs more per event
//    (Barlow et al. 2012; the ratio is an assumption in [1, 3] to sweep,
//    Schafer et al. 2021); past positive contact buffers negative contact
//    (Paolini et al. 2014); the link is weaker for minority members (Tropp &
//    Pettigrew 2005; Barlow et al. 2013).
//  - extended contact: if one of the resident's in-group friends has an
//    out-group friend, p <- p - extended_effect x p (Wright et al. 1997;
//    Zhou et al. 2019);
//  - bounded confidence among friends: over the friends met in the step
//    (the friends' meetings) whose prejudice p_f is within `confidence`
//    of p: p <- p + influence x mean(p_f - p), all from the values at the
//    start of the step (Deffuant et al. 2000): two friends who meet only
//    each other move towards each other and keep their sum.
//  - c+ <- memory x c+ + positive contacts, c- likewise.
// Multiplicative steps keep p in [0, 1]. Each resident writes only its own
// values and reads the others' as they were at the start of the step
// (the place meetings' `start`).
#include "models/attitudes.hpp"
#include "models/friendship.hpp"
#include "models/registry.hpp"
#include "models/step_meetings.hpp"

#include <algorithm>
#include <cmath>

#include <oneapi/tbb/parallel_for.h>

#include "sim/columns.hpp"
#include "sim/meetings.hpp"
#include "sim/parallel.hpp"

namespace icsim {

const std::vector<Field<AttitudesParams>>& attitudes_fields() {
    using P = AttitudesParams;
    static const std::vector<Field<P>> fields = {
        {"contact_effect",
         &P::contact_effect,
         0,
         1,
         "1",
         "relative fall of prejudice per positive out-group contact",
         calibrated("contact-prejudice correlation near -0.21 (Pettigrew & Tropp 2006) in the default city"),
         {0.0005, 0.02}},
        {"relaxation",
         &P::relaxation,
         0,
         1,
         "per step",
         "share of the gap between prejudice and the resident's disposition (its initial prejudice, from "
         "stable traits) closed each step: contact and rumours move prejudice, which drifts back without "
         "them (0.01: half-life ~69 weekly steps)",
         assumption(),
         {0.002, 0.05}},
        {"negative_weight",
         &P::negative_weight,
         1,
         3,
         "1",
         "weight of a negative contact relative to a positive one",
         assumption("Barlow et al. 2012 find negative contact weighs more; Schafer et al. 2021 find no clear "
                    "asymmetry"),
         {1, 3}},
        {"minority_factor",
         &P::minority_factor,
         0,
         1,
         "1",
         "contact effects for minority members relative to the majority",
         assumption("weaker for minorities: Tropp & Pettigrew 2005; size assumed"),
         {0.25, 1}},
        {"buffering",
         &P::buffering,
         0,
         10,
         "per contact",
         "damping of a negative contact per recent positive contact",
         assumption("sign from Paolini et al. 2014, size assumed"),
         {0, 2}},
        {"memory",
         &P::memory,
         0,
         1,
         "per step",
         "share of the recent contact counts kept from one step to the next (0.98: half-life ~34 steps)",
         assumption(),
         {0.9, 0.99}},
        {"extended_effect",
         &P::extended_effect,
         0,
         1,
         "per step",
         "relative fall of prejudice in a step when an in-group friend has an out-group friend",
         assumption("sign from Zhou et al. 2019, size assumed"),
         {0, 0.02}},
        {"influence",
         &P::influence,
         0,
         0.5,
         "1",
         "mu: share of the gap to a friend's prejudice closed when they meet",
         assumption("the form is Deffuant et al. 2000's; the value is assumed"),
         {0, 0.5}},
        {"confidence",
         &P::confidence,
         0,
         1,
         "1",
         "d: friends whose prejudice differs by this much or more do not influence each other",
         assumption("the form is Deffuant et al. 2000's; the value is assumed"),
         {0.1, 0.5}},
    };
    return fields;
}

MechanismEntry attitudes_mechanism() {
    MechanismEntry e =
        make_mechanism_entry("attitudes",
                             "prejudice after positive and negative contact, buffering, extended contact and "
                             "bounded confidence among friends",
                             attitudes_fields, make_attitudes);
    e.columns = {
        {"disposition", ColumnType::F32, 0.0, "1",
         "the prejudice a resident's stable traits lead to (its initial prejudice); attitudes relax towards "
         "it",
         true, false, false, "prejudice"},
        {"contact_positive", ColumnType::F32, 0.0, "contacts",
         "recent positive out-group contacts: a count decaying by attitudes.memory each step", true, false},
        {"contact_negative", ColumnType::F32, 0.0, "contacts",
         "recent negative out-group contacts: a count decaying by attitudes.memory each step", true, false},
    };
    e.series = {
        {"/timeseries/contact_prejudice_correlation", Dims::Step, "1",
         "Pearson correlation of recent positive out-group contact and prejudice among members of the first "
         "(majority) group (attitudes; Pettigrew & Tropp 2006 report about -0.21)"},
        {"/timeseries/contact_positive", Dims::StepGroup, "contacts",
         "mean recent positive out-group contacts of each group's members (attitudes)"},
        {"/timeseries/contact_negative", Dims::StepGroup, "contacts",
         "mean recent negative out-group contacts of each group's members (attitudes)"},
    };
    e.reads = "all the step's meetings; own prejudice, disposition and contact counts; own tie ids, own and "
              "friends' `friend_flags` (`kFriendMeetings`, or the ties when friendship did not run in the "
              "step); friends' start-of-step prejudice (the place meetings' `start`)";
    e.writes = "`prejudice`, `contact_positive`, `contact_negative`";
    return e;
}

ColumnHandle<float> disposition_column() {
    static const ColumnHandle<float> h = (mechanism_registry(), column_handle<float>("disposition"));
    return h;
}

ColumnHandle<float> contact_positive_column() {
    static const ColumnHandle<float> h = (mechanism_registry(), column_handle<float>("contact_positive"));
    return h;
}
ColumnHandle<float> contact_negative_column() {
    static const ColumnHandle<float> h = (mechanism_registry(), column_handle<float>("contact_negative"));
    return h;
}

AttitudeFigures attitude_figures(const World& w) {
    const Population& pop = w.pop;
    const size_t n = pop.size(), G = size_t(w.group_total());
    AttitudeFigures m;
    m.contact_positive.assign(G, NAN);
    m.contact_negative.assign(G, NAN);
    if (!w.products.has(kContactCounts))
        return m;
    // One block's sums. Counts are integers: exact, and an increment does
    // not wait on a floating-point add of the previous resident.
    struct Sums {
        std::vector<uint64_t> g_n;
        std::vector<double> g_cp, g_cn;
        double sx = 0, sy = 0, sxy = 0, sxx = 0, syy = 0; // the correlation's
        explicit Sums(size_t groups) : g_n(groups), g_cp(groups), g_cn(groups) {}
    };
    const size_t blocks = (n + kReduceBlock - 1) / kReduceBlock;
    const bool vacant_any = w.vacancies > 0;
    std::vector<Sums> part(blocks, Sums(G));
    oneapi::tbb::parallel_for(size_t(0), blocks, [&](size_t b) {
        Sums& s = part[b];
        const size_t r0 = b * kReduceBlock, r1 = std::min(n, r0 + kReduceBlock);
        const uint8_t* const group = pop.group.data();
        const float* const positive = contact_positive(pop).data();
        const float* const negative = contact_negative(pop).data();
        // Sums that are only added up run in registers over runs of one
        // group (ids come in runs of one group) and are flushed when the
        // group changes; the correlation's in locals too (stores through the
        // vectors could alias them and keep them in memory).
        size_t run_g = group[r0];
        uint64_t run_n = 0;
        double run_cp = 0, run_cn = 0;
        double sx = 0, sy = 0, sxy = 0, sxx = 0, syy = 0;
        auto flush = [&] {
            s.g_n[run_g] += run_n;
            s.g_cp[run_g] += run_cp;
            s.g_cn[run_g] += run_cn;
            run_n = 0;
            run_cp = run_cn = 0;
        };
        for (size_t r = r0; r < r1; ++r) {
            if (vacant_any && pop.vacant(r)) // (sim/world.hpp)
                continue;
            const size_t g = group[r];
            const double cp = positive[r];
            if (g != run_g) {
                flush();
                run_g = g;
            }
            run_n += 1;
            run_cp += cp;
            run_cn += negative[r];
            if (g == 0) { // the correlation is taken within the first (majority) group
                const double p = pop.prejudice[r];
                sx += cp;
                sy += p;
                sxy += cp * p;
                sxx += cp * cp;
                syy += p * p;
            }
        }
        flush();
        s.sx += sx;
        s.sy += sy;
        s.sxy += sxy;
        s.sxx += sxx;
        s.syy += syy;
    });
    Sums t(G);
    for (const Sums& s : part) {
        for (size_t g = 0; g < G; ++g) {
            t.g_n[g] += s.g_n[g];
            t.g_cp[g] += s.g_cp[g];
            t.g_cn[g] += s.g_cn[g];
        }
        t.sx += s.sx;
        t.sy += s.sy;
        t.sxy += s.sxy;
        t.sxx += s.sxx;
        t.syy += s.syy;
    }
    auto ratio = [](auto a, auto b) { return double(b) > 0 ? double(a) / double(b) : double(NAN); };
    for (size_t g = 0; g < G; ++g) {
        m.contact_positive[g] = ratio(t.g_cp[g], t.g_n[g]);
        m.contact_negative[g] = ratio(t.g_cn[g], t.g_n[g]);
    }
    if (G > 0 && t.g_n[0] > 1) {
        const double N = double(t.g_n[0]);
        const double cov = t.sxy - t.sx * t.sy / N, vx = t.sxx - t.sx * t.sx / N,
                     vy = t.syy - t.sy * t.sy / N;
        m.contact_prejudice_correlation = vx > 0 && vy > 0 ? cov / std::sqrt(vx * vy) : NAN;
    }
    return m;
}

double after_contact(const AttitudesParams& p, double prejudice, bool positive, double weight,
                     double recent_positive) {
    if (positive)
        return prejudice - weight * prejudice;
    const double w = std::min(1.0, weight * p.negative_weight / (1.0 + p.buffering * recent_positive));
    return prejudice + w * (1.0 - prejudice);
}

namespace {

class Attitudes final : public Mechanism {
public:
    explicit Attitudes(const AttitudesParams& p) : p_(p) {}

    void publish(World& w, uint64_t) const override { w.products.set(kContactCounts, Runs{}); }

    void report(const World& w, std::vector<std::vector<double>>& rows) const override {
        AttitudeFigures m = attitude_figures(w);
        rows.push_back({m.contact_prejudice_correlation});
        rows.push_back(std::move(m.contact_positive));
        rows.push_back(std::move(m.contact_negative));
    }

    void step(World& w, const StepContext& ctx) override {
        Population& pop = w.pop;
        const size_t n = pop.size();
        const StepMeetings met(w, ctx.step);
        const size_t S = met.slots;
        const bool have_ties = met.ties != nullptr;
        const uint8_t thr = friend_threshold(w);
        // Each resident's friends in one byte (friend_flags, for extended
        // contact): from the friendship mechanism when it ran this step, else
        // from the ties.
        const bool from_friendship = met.friend_flags != nullptr;
        if (thr > 0 && !from_friendship) {
            friends_.resize(n);
            parallel_for_index(
                n, [&, ties = tie_columns(pop)](size_t r) { friends_[r] = friend_flags(ties, r, thr); });
        }
        const uint8_t* const friends = from_friendship ? met.friend_flags : friends_.data();
        const Encounters::Meeting* const slots = met.places != nullptr ? met.places->slot.data() : nullptr;
        const TieMeetings* const ties = have_ties ? met.ties->ties.data() : nullptr;
        const float* const start_prejudice = have_ties ? met.start().prejudice.data() : nullptr;
        constexpr uint8_t kValence = Encounters::kPositive | Encounters::kNegative;
        oneapi::tbb::parallel_for(oneapi::tbb::blocked_range<size_t>(0, n, 1024), [&](const auto& range) {
            // The columns and parameters in locals, once per chunk (fixed
            // addresses, no reload through the vectors in the loop).
            const auto tie = tie_columns(pop).id;
            const auto [group, disposition, prejudice, contact_positive, contact_negative] =
                columns(pop.group, pop.column(disposition_column()), pop.prejudice,
                        icsim::contact_positive(pop), icsim::contact_negative(pop));
            const AttitudesParams params = p_;
            for (size_t r = range.begin(); r != range.end(); ++r) {
                // The resident's slots further ahead: the pass reads many
                // columns at once, more streams than the hardware prefetcher
                // follows well.
                if (r + 4 * kPrefetchAhead < n)
                    __builtin_prefetch(&slots[(r + 4 * kPrefetchAhead) * S]);
                const double p0 =
                    prejudice[r]; // not yet changed in the step (encounters, friendship keep it)
                double p = p0 + params.relaxation * (double(disposition[r]) - p0);
                const double weight = params.contact_effect * (group[r] == 0 ? 1.0 : params.minority_factor);
                const double cp0 = contact_positive[r];
                double cp = params.memory * cp0, cn = params.memory * double(contact_negative[r]);
                double pull = 0;
                int pulls = 0;
                // The meetings that matter: out-group contacts with a valence
                // (found without a branch per slot), then friends' meetings,
                // in slot order.
                const Encounters::Meeting* const mine = slots + r * S;
                using E = Encounters;
                const auto contact = [&](uint8_t f) {
                    if ((f & E::kOutgroup) && (f & kValence)) {
                        const bool positive = f & E::kPositive;
                        p = after_contact(params, p, positive, weight, cp0);
                        cp += positive;
                        cn += !positive;
                    }
                };
                for_each_meeting(mine,
                                 held_slots(mine, S) & info_slots(mine, S, E::kOutgroup) &
                                     info_slots(mine, S, kValence),
                                 [&](size_t, const Meeting& mt) { contact(mt.info); });
                if (have_ties)
                    for_each_tie_meeting(
                        ties[r], tie_slots(ties[r], E::kFriend), tie, r, [&](size_t, const Meeting& mt) {
                            contact(mt.info);
                            // the friend's prejudice at the start of the step
                            if (const auto gap = confidence_gap(p0, double(start_prejudice[mt.partner]),
                                                                params.confidence)) {
                                pull += *gap;
                                ++pulls;
                            }
                        });
                if (thr > 0) {
                    // Extended contact: an in-group friend with an out-group friend.
                    unsigned ingroup_friends = friends[r] & ((1u << kTieSlots) - 1);
                    bool extended = false;
                    for (; ingroup_friends != 0; ingroup_friends &= ingroup_friends - 1)
                        extended |=
                            (friends[tie[size_t(__builtin_ctz(ingroup_friends))][r]] & kOutgroupFriend) != 0;
                    if (extended)
                        p -= params.extended_effect * p;
                }
                if (pulls > 0) // towards the mean of the friends met: no overshoot however many
                    p += params.influence * pull / pulls;
                prejudice[r] = float(std::clamp(p, 0.0, 1.0));
                contact_positive[r] = float(cp);
                contact_negative[r] = float(cn);
            }
        });
    }

    size_t scratch_bytes() const override { return held_bytes(friends_); }

private:
    AttitudesParams p_;
    std::vector<uint8_t> friends_;
};

} // namespace

std::unique_ptr<Mechanism> make_attitudes(const AttitudesParams& params, const World&) {
    return std::make_unique<Attitudes>(params);
}

} // namespace icsim
