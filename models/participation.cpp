// Civic participation and power-sharing (docs/model/participation.md).
// Each step every resident takes part in civic life (an association, a
// consultation, a council, a local vote where eligible) with probability
//     logit p = logit(base_rate) + w_trust x (tau - 0.5) + w_belonging x (b - 0.5)
//             + w_language x (l - 1) + w_years x (Y - 1) + w_vote x (E - 1)
//             + w_council x L
// tau the mean of the resident's generalised and institutional trust
// (models/trust.cpp; 0.5 when trust does not run), b its belonging and
// Y = 1 - exp(-years / years_scale) its residence (models/belonging.cpp),
// l its language proficiency, L the participatory_councils lever for its
// home neighbourhood and group, and E its eligibility for local votes: 1
// for the first (majority, citizen) group and for a resident of another
// group with at least vote_years in the city (residence-based local voting
// rights or naturalisation), else vote_extension x L (the lever standing
// for an extension of local voting rights to foreign residents). A
// reference resident -- trust and belonging 0.5, fluent, long settled,
// eligible, no lever -- takes part with probability base_rate.
// Civic participation rises with trust (Putnam 2000), belonging and
// residence, and falls with language barriers; consultative councils and
// co-design give residents of migrant origin a channel (the lever's
// intensity; the council's targets are the lever's groups and
// neighbourhoods).
// Being represented raises belonging: a resident who took part in the step
// gains belonging_gain x (1 - b), written after belonging in the step order
// (participation must come after belonging in mechanisms.order; belonging
// relaxes its column towards its own target, so the gain shifts the level
// while residents keep taking part). Institutional trust reads the
// `participated` column and the representation ratios (models/trust.cpp).
// Draws: KeyedHash(seed, Participation, t)(r, 0). Each resident writes only
// its own columns: thread-count independent.
#include "models/participation.hpp"
#include "models/registry.hpp"

#include <algorithm>
#include <cmath>

#include "sim/parallel.hpp"
#include "sim/rng.hpp"

namespace icsim {

namespace {

const std::vector<Field<ParticipationParams>>& participation_fields() {
    using P = ParticipationParams;
    static const std::vector<Field<P>> f = {
        {"base_rate",
         &P::base_rate,
         0.0001,
         0.9999,
         "1/step",
         "chance of taking part in a step for a fluent, long-settled, eligible resident of trust and "
         "belonging 0.5, without the lever",
         assumption("about one adult in ten active in an association or consultation at a time; the European "
                    "Social Survey asks whether respondents worked in an organisation or association in the "
                    "last 12 months"),
         {0.05, 0.25}},
        {"w_trust",
         &P::w_trust,
         0,
         10,
         "log-odds",
         "rise of the log-odds of taking part from trust 0 to 1 (mean of generalised and institutional)",
         literature("Putnam 2000, Bowling Alone: trust and civic engagement go together; size assumed"),
         {0.5, 3}},
        {"w_belonging",
         &P::w_belonging,
         0,
         10,
         "log-odds",
         "rise of the log-odds of taking part from belonging 0 to 1",
         assumption(),
         {0, 2}},
        {"w_language",
         &P::w_language,
         0,
         10,
         "log-odds",
         "rise of the log-odds of taking part from no proficiency in the main language to full",
         assumption("language barriers to civic participation; size assumed"),
         {0.5, 3}},
        {"w_years",
         &P::w_years,
         0,
         10,
         "log-odds",
         "rise of the log-odds of taking part from arrival to long residence",
         assumption(),
         {0, 2}},
        {"years_scale",
         &P::years_scale,
         0.1,
         100,
         "years",
         "years in the city over which the residence term rises by 1 - 1/e",
         assumption("as belonging.years_scale"),
         {2, 10}},
        {"w_vote",
         &P::w_vote,
         0,
         10,
         "log-odds",
         "rise of the log-odds of taking part with the right to vote in local elections",
         assumption(),
         {0, 1.5}},
        {"vote_years",
         &P::vote_years,
         0,
         1000,
         "years",
         "years in the city after which a resident of a minority group may vote locally (above the run "
         "length: no local voting rights for foreign residents)",
         literature("residence-based local voting rights for non-EU residents: e.g. 5 years in the "
                    "Netherlands, 3 in Sweden"),
         {3, 10}},
        {"vote_extension",
         &P::vote_extension,
         0,
         1,
         "1",
         "eligibility for local votes a not-yet-eligible resident gains at full participatory_councils "
         "intensity (the lever standing for local voting rights for foreign residents)",
         assumption(),
         {0, 1}},
        {"w_council",
         &P::w_council,
         0,
         10,
         "log-odds",
         "rise of the log-odds of taking part at full participatory_councils intensity (consultative "
         "councils, co-design with migrant-led organisations)",
         assumption("no causal evaluation of consultative councils on participation"),
         {0.5, 3}},
        {"belonging_gain",
         &P::belonging_gain,
         0,
         1,
         "1/step",
         "share of the gap to full belonging a resident closes in a step it takes part",
         assumption(),
         {0, 0.03}},
    };
    return f;
}

double logit(double p) {
    return std::log(p / (1 - p));
}

// The coefficients in single precision, the intercept logit(base_rate)
// computed once: the step evaluates two exponentials per resident, and
// float's are several times cheaper than double's (the chance needs no
// more than float's 24 bits).
struct Coefficients {
    float intercept, w_trust, w_belonging, w_language, w_years, inv_years_scale, w_vote, vote_years,
        vote_extension, w_council;
    explicit Coefficients(const ParticipationParams& p)
        : intercept(float(logit(p.base_rate))), w_trust(float(p.w_trust)), w_belonging(float(p.w_belonging)),
          w_language(float(p.w_language)), w_years(float(p.w_years)),
          inv_years_scale(float(1 / p.years_scale)), w_vote(float(p.w_vote)), vote_years(float(p.vote_years)),
          vote_extension(float(p.vote_extension)), w_council(float(p.w_council)) {}
};

// participation_probability with the coefficients prepared.
float probability(const Coefficients& k, float trust, float belonging, float language, float years,
                  bool citizen, float lever) {
    const float settled = 1 - std::exp(-years * k.inv_years_scale);
    const float eligible = citizen || years >= k.vote_years ? 1.0f : k.vote_extension * lever;
    const float z = k.intercept + k.w_trust * (trust - 0.5f) + k.w_belonging * (belonging - 0.5f) +
                    k.w_language * (language - 1) + k.w_years * (settled - 1) + k.w_vote * (eligible - 1) +
                    k.w_council * lever;
    return 1 / (1 + std::exp(-z));
}

// A column's handle when some mechanism declares it, else an invalid one.
template <class T>
ColumnHandle<T> optional_column(const char* name) {
    for (const auto& c : declared_columns())
        if (c.name == name && c.type == column_type_of<T>())
            return column_handle<T>(name);
    return {};
}

class Participation final : public Mechanism {
public:
    explicit Participation(const ParticipationParams& p)
        : p_(p), participated_(column_handle<uint8_t>("participated")),
          belonging_(column_handle<float>("belonging")), years_(column_handle<float>("years_in_city")),
          trust_g_(optional_column<uint8_t>("trust_generalised")),
          trust_i_(optional_column<uint8_t>("trust_institutional")) {}

    void publish(World& w, uint64_t) const override { w.products.set(kParticipated, Runs{}); }

    void step(World& w, const StepContext& ctx) override {
        Population& pop = w.pop;
        const int G = w.group_total();
        auto& part = pop.column(participated_);
        float* const b = pop.column(belonging_).data();
        const float* const years = pop.column(years_).data();
        const uint8_t* const tg = trust_g_.valid() ? pop.column(trust_g_).data() : nullptr;
        const uint8_t* const ti = trust_i_.valid() ? pop.column(trust_i_).data() : nullptr;
        const auto L =
            ctx.policy->intensity_table(Lever::ParticipatoryCouncils, ctx.step, w.hoods.count(), G);
        const KeyedHash draw(ctx.seed, Stream::Participation, ctx.step);
        const Coefficients k(p_);
        const float gain = float(p_.belonging_gain);
        const uint8_t* const group_in = pop.group.data();
        const float* const language_in = pop.language.data();
        const uint16_t* const hood_in = w.hood.data();
        const float* const lever_in = L.data();
        uint8_t* const took_in = part.data();
        const CellId* const cell_in = pop.cell.data();
        const bool vacant_any = w.vacancies > 0;
        taken_part_ = deterministic_block_sum<uint64_t>(pop.size(), [&](size_t begin, size_t end) {
            // Inputs copied into locals once per block: the uint8_t stores
            // may alias anything reached through the closure's references,
            // so the compiler would reload each of them for every resident.
            const Coefficients c = k;
            const KeyedHash h = draw;
            const float add = gain;
            const size_t groups = size_t(G);
            const uint8_t *const group = group_in, *const gen = tg, *const ins = ti;
            const float *const language = language_in, *const lever = lever_in, *const yrs = years;
            const uint16_t* const hood = hood_in;
            uint8_t* const took_part = took_in;
            float* const bel = b;
            uint64_t n = 0;
            for (size_t r = begin; r < end; ++r) {
                if (vacant_any && cell_in[r] == kNoCell) // a vacant slot (sim/world.hpp)
                    continue;
                const uint8_t g = group[r];
                const float trust =
                    gen != nullptr && ins != nullptr ? float(gen[r] + ins[r]) * (1.0f / 510) : 0.5f;
                const float pr = probability(c, trust, bel[r], language[r], yrs[r], g == 0,
                                             lever[size_t(hood[r]) * groups + g]);
                const bool took = unit_hi(h(uint32_t(r), 0)) < pr;
                took_part[r] = took;
                if (took)
                    bel[r] = std::min(1.0f, bel[r] + add * (1 - bel[r]));
                n += took;
            }
            return n;
        });
    }

    void counters(Counters& out) const override { out.emplace_back("participants", double(taken_part_)); }

    void report(const World& w, std::vector<std::vector<double>>& rows) const override {
        const size_t G = size_t(w.group_total()), H = size_t(w.hoods.count());
        const GroupHoodTally<1> t = participation_tally(w);
        std::vector<double> pg(G), ph(H);
        for (size_t g = 0; g < G; ++g)
            pg[g] = t.group_mean(0, g);
        for (size_t h = 0; h < H; ++h)
            ph[h] = t.hood_mean(0, h);
        rows.push_back(std::move(pg));
        rows.push_back(representation_ratios(t));
        rows.push_back(std::move(ph));
    }

private:
    ParticipationParams p_;
    ColumnHandle<uint8_t> participated_;
    ColumnHandle<float> belonging_, years_;
    ColumnHandle<uint8_t> trust_g_, trust_i_; // invalid unless trust is registered
    uint64_t taken_part_ = 0;
};

} // namespace

double participation_probability(const ParticipationParams& p, const ParticipationInputs& in) {
    return probability(Coefficients(p), float(in.trust), float(in.belonging), float(in.language),
                       float(in.years), in.citizen, float(in.lever));
}

GroupHoodTally<1> participation_tally(const World& w) {
    const uint8_t* const part = w.pop.column(column_handle<uint8_t>("participated")).data();
    return tally_by_group_and_hood<1>(w, [&](size_t r, uint64_t(&v)[1]) {
        v[0] = part[r];
        return true;
    });
}

std::vector<double> representation_ratios(const GroupHoodTally<1>& t) {
    std::vector<double> rho(t.G, double(NAN));
    double p = 0, n = 0;
    for (size_t g = 0; g < t.G; ++g) {
        p += double(t.group_sum(0, g));
        n += double(t.group_n(g));
    }
    for (size_t g = 0; g < t.G; ++g)
        if (t.group_n(g) > 0 && p > 0)
            rho[g] = (double(t.group_sum(0, g)) / p) / (double(t.group_n(g)) / n);
    return rho;
}

std::vector<double> representation_ratios(const World& w) {
    return representation_ratios(participation_tally(w));
}

MechanismEntry participation_mechanism() {
    MechanismEntry e = make_mechanism_entry<ParticipationParams>(
        "participation",
        "civic participation each step, a logistic chance rising with trust, belonging, language, years in "
        "the city, local voting rights and participatory councils; representation per group",
        &participation_fields, [](const ParticipationParams& p, const World&) -> std::unique_ptr<Mechanism> {
            return std::make_unique<Participation>(p);
        });
    e.columns = {
        {"participated", ColumnType::U8, 0.0, "", "1 when the resident took part in civic life this step",
         true, true},
    };
    e.series = {
        {"/timeseries/participation_rate", Dims::StepGroup, "1/step",
         "share of the group's residents who took part in civic life in the step"},
        {"/timeseries/representation_ratio", Dims::StepGroup, "1",
         "the group's share among the step's participants over its share of the population (1 = "
         "proportional; NaN when nobody took part)"},
        {"/neighbourhoods/participation_rate", Dims::StepNeighbourhood, "1/step",
         "share of the neighbourhood's residents who took part in civic life in the step"},
    };
    e.summary = [](const World& w, std::vector<std::pair<std::string, double>>& out) {
        if (!w.products.has(kParticipated))
            return;
        const auto& part = w.pop.column(column_handle<uint8_t>("participated"));
        double p = 0;
        for (uint8_t v : part)
            p += v;
        // Vacant slots hold 0 (Population::clear_slot), so only the living count.
        const double living = double(w.pop.size() - w.vacancies);
        out.emplace_back("participation_rate", living > 0 ? p / living : double(NAN));
        const auto rho = representation_ratios(w);
        for (int g = 1; g < w.group_total(); ++g)
            out.emplace_back("representation." + w.groups[size_t(g)].name, rho[size_t(g)]);
    };
    e.reads =
        "own start-of-step `trust_generalised` and `trust_institutional`, `belonging` (after belonging's "
        "update), `language`, `years_in_city`, home, group; lever `participatory_councils` (at home)";
    e.writes = "`participated`, `belonging` (a participant's gain)";
    return e;
}

} // namespace icsim
