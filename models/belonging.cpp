// Belonging and discrimination experienced (docs/model/belonging.md).
// Per resident, three declared columns:
//  - years_in_city: years since arrival; the initial city draws it
//    (draw_initial_years), every step adds step_days / 365.25; a migration
//    mechanism sets 0 for an arrival (the column's initial value).
//  - discrimination: a decaying count of discrimination experienced. Each
//    step it is multiplied by 2^(-1 / half_life) and then rises by
//    contact_weight per negative out-group contact of the step's meetings
//    (kMeetings). Other mechanisms add 1 per rejection they attribute
//    to discrimination (a callback or a dwelling refused) through
//    column_handle<float>("discrimination"), before this one runs.
//  - belonging (0-1) moves each step a share `adapt` of the way to
//        b* = clamp(base + w_ties x T/4 + w_language x language
//                   + w_years x (1 - exp(-years / years_scale)) + w_mentor x M
//                   - w_discrimination x d / (d + d_half), 0, 1)
//    with T the occupied tie slots (a mentor counts as a tie, up to 4) and
//    M = 1 with a mentor (models/welcoming.cpp). Discrimination lowers
//    belonging and identification with the host society (Schmitt et al.
//    2014; de Vroome, Verkuyten & Martinovic 2014), language and contact
//    with the host population raise it (de Vroome et al. 2014; Ager &
//    Strang 2008).
// Each resident writes only its own columns: thread-count independent.
#include "models/belonging.hpp"
#include "models/friendship.hpp"
#include "models/registry.hpp"
#include "models/step_meetings.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

#include "sim/meetings.hpp"
#include "sim/parallel.hpp"
#include "sim/rng.hpp"

namespace icsim {

void draw_initial_years(World& w, uint64_t seed, double default_mean, double max_years) {
    auto& years = w.pop.column(column_handle<float>("years_in_city"));
    const size_t n = w.pop.size();
    std::vector<double> members(size_t(w.group_total()), 0.0), mean(members.size(), default_mean);
    for (size_t r = 0; r < n; ++r)
        members[w.pop.group[r]] += 1;
    for (size_t g = 0; g < mean.size(); ++g)
        if (w.groups[g].arrival_rate > 0)
            mean[g] = std::min(max_years, members[g] / w.groups[g].arrival_rate);
    const KeyedHash draw(seed, Stream::SocialSetup, 9);
    parallel_for_index(n, [&](size_t r) {
        const double u = to_unit(draw(uint32_t(r), 0));
        years[r] = float(std::min(max_years, -mean[w.pop.group[r]] * std::log1p(-u)));
    });
}

namespace {

struct BelongingParams {
    double step_days = 7;
    double initial_years_mean = 20;
    double max_years = 60;
    double half_life = 26;
    double contact_weight = 0.25;
    double adapt = 0.05;
    double base = 0.1;
    double w_ties = 0.25;
    double w_language = 0.2;
    double w_years = 0.3;
    double years_scale = 5;
    double w_mentor = 0.1;
    double w_discrimination = 0.4;
    double d_half = 2;
    double newcomer_years = 2;
};

const std::vector<Field<BelongingParams>>& belonging_fields() {
    using P = BelongingParams;
    static const std::vector<Field<P>> f = {
        {"step_days", &P::step_days, 1, 366, "days",
         "length of a step, for years_in_city (set it to run.step_days)", assumption("a scenario choice"),
         not_swept()},
        {"initial_years_mean",
         &P::initial_years_mean,
         0,
         100,
         "years",
         "mean years in the city at the start for a group without arrivals (arrival_rate 0)",
         assumption(),
         {10, 30}},
        {"max_years", &P::max_years, 1, 100, "years", "cap of the initial years in the city",
         assumption("about an adult life"), not_swept()},
        {"half_life",
         &P::half_life,
         1,
         10000,
         "steps",
         "half-life of discrimination experienced",
         assumption("memories of discrimination fade over months"),
         {8, 104}},
        {"contact_weight",
         &P::contact_weight,
         0,
         10,
         "events",
         "discrimination experienced added per negative out-group contact (a rejection adds 1)",
         assumption(),
         {0, 1}},
        {"adapt",
         &P::adapt,
         0,
         1,
         "1/step",
         "share of the gap to the target belonging closed per step",
         assumption("belonging changes over months"),
         {0.01, 0.2}},
        {"base",
         &P::base,
         0,
         1,
         "1",
         "target belonging of a resident with none of the terms",
         assumption(),
         {0, 0.3}},
        {"w_ties",
         &P::w_ties,
         0,
         1,
         "1",
         "rise of target belonging with all tie slots held",
         literature("Ager & Strang 2008: social bonds and bridges"),
         {0.1, 0.4}},
        {"w_language",
         &P::w_language,
         0,
         1,
         "1",
         "rise of target belonging per unit of language proficiency",
         literature("de Vroome, Verkuyten & Martinovic 2014"),
         {0.1, 0.3}},
        {"w_years",
         &P::w_years,
         0,
         1,
         "1",
         "rise of target belonging with long residence",
         literature("de Vroome, Verkuyten & Martinovic 2014: length of stay"),
         {0.1, 0.4}},
        {"years_scale",
         &P::years_scale,
         0.1,
         100,
         "years",
         "years in the city over which the residence term rises by 1 - 1/e",
         assumption(),
         {2, 10}},
        {"w_mentor",
         &P::w_mentor,
         0,
         1,
         "1",
         "rise of target belonging while a newcomer has a mentor",
         assumption("no causal evaluation of mentoring on belonging"),
         {0, 0.2}},
        {"w_discrimination",
         &P::w_discrimination,
         0,
         1,
         "1",
         "fall of target belonging at saturating discrimination experienced",
         literature("Schmitt et al. 2014: r = -.23 with well-being"),
         {0.2, 0.6}},
        {"d_half",
         &P::d_half,
         0.01,
         100,
         "events",
         "discrimination experienced at which its term is half of w_discrimination",
         assumption(),
         {0.5, 5}},
        {"newcomer_years", &P::newcomer_years, 0, 100, "years",
         "years in the city below which a resident counts as a newcomer in /timeseries/belonging_newcomers "
         "(set it to welcoming.newcomer_years)",
         assumption("welcoming programmes serve the first one to two years"), not_swept()},
    };
    return f;
}

class Belonging final : public Mechanism {
public:
    explicit Belonging(const BelongingParams& p)
        : p_(p), belonging_(column_handle<float>("belonging")),
          discrimination_(column_handle<float>("discrimination")),
          years_(column_handle<float>("years_in_city")), mentor_(column_handle<uint32_t>("mentor")) {}

    void initialise(World& w, uint64_t seed) override {
        draw_initial_years(w, seed, p_.initial_years_mean, p_.max_years);
        auto& b = w.pop.column(belonging_);
        const Inputs in = inputs(w.pop);
        parallel_for_index(w.pop.size(), [&](size_t r) { b[r] = float(target(in, r)); });
    }

    void step(World& w, const StepContext& ctx) override {
        Population& pop = w.pop;
        auto& b = pop.column(belonging_);
        auto& d = pop.column(discrimination_);
        auto& years = pop.column(years_);
        const Inputs in = inputs(pop);
        const StepMeetings met(w, ctx.step);
        const size_t S = met.slots;
        const Meeting* const slots = S > 0 ? met.places->slot.data() : nullptr;
        const double keep = std::exp2(-1.0 / p_.half_life), dt = p_.step_days / 365.25;
        negative_ = deterministic_sum<uint64_t>(pop.size(), [&](size_t r) {
            // Negative out-group contacts: held place slots with both bits
            // (friends' meetings are never negative).
            uint64_t neg = 0;
            if (S > 0) {
                const Meeting* const s = &slots[r * S];
                neg = uint64_t(std::popcount(held_slots(s, S) & info_slots(s, S, Encounters::kOutgroup) &
                                             info_slots(s, S, Encounters::kNegative)));
            }
            d[r] = float(d[r] * keep + p_.contact_weight * double(neg));
            years[r] = float(years[r] + dt);
            b[r] = float(std::clamp(b[r] + p_.adapt * (target(in, r) - b[r]), 0.0, 1.0));
            return neg;
        });
    }

    void counters(Counters& out) const override {
        out.emplace_back("negative_contacts_felt", double(negative_));
    }

    void report(const World& w, std::vector<std::vector<double>>& rows) const override {
        const auto& b = w.pop.column(belonging_);
        const auto& d = w.pop.column(discrimination_);
        const auto& years = w.pop.column(years_);
        const size_t G = size_t(w.group_total()), H = size_t(w.hoods.count());
        std::vector<double> bg(G, 0), dg(G, 0), ng(G, 0), bh(H, 0), nh(H, 0), bn(G, 0), nn(G, 0);
        for (size_t r = 0; r < w.pop.size(); ++r) {
            if (w.pop.vacant(r))
                continue;
            const size_t g = w.pop.group[r], h = w.hood[r];
            bg[g] += b[r];
            dg[g] += d[r];
            ng[g] += 1;
            bh[h] += b[r];
            nh[h] += 1;
            if (years[r] < p_.newcomer_years) {
                bn[g] += b[r];
                nn[g] += 1;
            }
        }
        for (size_t g = 0; g < G; ++g) {
            bg[g] = ng[g] > 0 ? bg[g] / ng[g] : double(NAN);
            dg[g] = ng[g] > 0 ? dg[g] / ng[g] : double(NAN);
            bn[g] = nn[g] > 0 ? bn[g] / nn[g] : double(NAN);
        }
        for (size_t h = 0; h < H; ++h)
            bh[h] = nh[h] > 0 ? bh[h] / nh[h] : double(NAN);
        rows.push_back(std::move(bg));
        rows.push_back(std::move(dg));
        rows.push_back(std::move(bh));
        rows.push_back(std::move(bn));
    }

    // What b* reads, as plain arrays (a column lookup per resident would
    // cost a variant check each time). A tie slot is held when its strength
    // is not 0 (the friendship mechanism empties a slot's id with its
    // strength): 4 bytes a resident to read instead of the 16 of the ids.
    struct Inputs {
        const uint32_t* mentor;
        const uint8_t* strength[kTieSlots];
        const float *language, *discrimination, *years;
    };
    Inputs inputs(const Population& pop) const {
        Inputs in{pop.column(mentor_).data(),
                  {},
                  pop.language.data(),
                  pop.column(discrimination_).data(),
                  pop.column(years_).data()};
        const ConstTieColumns ties = tie_columns(pop);
        for (size_t k = 0; k < kTieSlots; ++k)
            in.strength[k] = ties.strength[k];
        return in;
    }

    // b* of resident r (see the file comment).
    double target(const Inputs& in, size_t r) const {
        const bool mentored = in.mentor[r] != kNoResident;
        int ties = mentored ? 1 : 0;
        for (size_t k = 0; k < kTieSlots; ++k)
            ties += in.strength[k][r] != 0;
        ties = std::min(ties, int(kTieSlots));
        const double dr = in.discrimination[r];
        const double t = p_.base + p_.w_ties * ties / double(kTieSlots) + p_.w_language * in.language[r] +
                         p_.w_years * (1 - std::exp(-in.years[r] / p_.years_scale)) +
                         (mentored ? p_.w_mentor : 0) - p_.w_discrimination * dr / (dr + p_.d_half);
        return std::clamp(t, 0.0, 1.0);
    }

private:
    BelongingParams p_;
    ColumnHandle<float> belonging_, discrimination_, years_;
    ColumnHandle<uint32_t> mentor_;
    uint64_t negative_ = 0;
};

} // namespace

MechanismEntry belonging_mechanism() {
    MechanismEntry e = make_mechanism_entry<BelongingParams>(
        "belonging",
        "belonging (0-1) from ties, language, years in the city and mentoring, lowered by discrimination "
        "experienced (a decaying count of negative contacts and rejections)",
        &belonging_fields, [](const BelongingParams& p, const World&) -> std::unique_ptr<Mechanism> {
            return std::make_unique<Belonging>(p);
        });
    e.columns = {
        {"belonging", ColumnType::F32, 0.3, "1", "sense of belonging to the city, 0-1", true, true},
        {"discrimination", ColumnType::F32, 0.0, "events",
         "discrimination experienced: a decaying count of rejections attributed to discrimination (1 each) "
         "and negative out-group contacts",
         true, true},
        {"years_in_city", ColumnType::F32, 0.0, "years", "years since the resident came to the city", true,
         true},
    };
    e.series = {
        {"/timeseries/belonging_mean", Dims::StepGroup, "1", "mean belonging (0-1) per group"},
        {"/timeseries/discrimination_experienced", Dims::StepGroup, "events",
         "mean discrimination experienced (decaying count) per group"},
        {"/neighbourhoods/belonging", Dims::StepNeighbourhood, "1", "mean belonging (0-1) per neighbourhood"},
        {"/timeseries/belonging_newcomers", Dims::StepGroup, "1",
         "mean belonging (0-1) of the group's newcomers (years_in_city below belonging.newcomer_years; NaN "
         "when the group has none)"},
    };
    e.reads = "all the step's meetings (negative out-group contacts); own tie strengths, `mentor`, "
              "`language`, `years_in_city`, `discrimination`";
    e.writes = "`belonging`, `discrimination`, `years_in_city`";
    return e;
}

} // namespace icsim
