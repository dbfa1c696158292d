// The pillar indices (docs/model/pillars.md). Each component is mapped to
// 0-100 by a fixed rule (100 = parity, no gap, no prejudice; 0 = a stated
// bad bound), a pillar is the plain mean of its components that exist in
// the run, and the composite the plain mean of the pillars that exist (NaN
// when none does: never 0).
//
// The mechanism is last in the default order and does nothing in a step:
// its report() runs after every other mechanism's, in the same call that
// builds the step's rows (output/report.cpp series_rows), so it reads the
// rows the mechanisms before it reported for this step -- the callback
// ratio and the contact figures are flows of the step, kept by no column --
// by their paths, and the residents' columns after every mechanism's step.
// A mechanism a scenario does not run reports NaN rows, so its components
// drop out by the same rule as those of a mechanism not built at all.
#include "models/pillars.hpp"
#include "models/registry.hpp"

#include <algorithm>
#include <cmath>

#include "sim/metrics.hpp"
#include "sim/parallel.hpp"

namespace icsim {

const std::vector<double>* PillarInputs::find(const std::string& path) const {
    for (const auto& [decl, row] : series)
        if (decl->path == path)
            return row;
    return nullptr;
}

double gap_score(double gap, double bound) {
    if (!std::isfinite(gap))
        return double(NAN);
    return 100 * std::clamp(1 - std::max(gap, 0.0) / bound, 0.0, 1.0);
}

double ratio_score(double ratio, double bound) {
    if (!std::isfinite(ratio) || ratio <= 0)
        return double(NAN);
    // Below parity (the minority favoured) scores as its inverse.
    const double r = ratio < 1 ? 1 / ratio : ratio;
    return 100 * std::clamp((bound - r) / (bound - 1), 0.0, 1.0);
}

namespace {

constexpr double kNaN = double(NAN);

// 100 x min(x, 1/x): parity of two rates.
double parity_score(double a, double b) {
    if (!(a > 0) || !(b > 0))
        return a == 0 && b == 0 ? kNaN : (std::isfinite(a) && std::isfinite(b) ? 0.0 : kNaN);
    return 100 * std::min(a / b, b / a);
}

struct Mean {
    double sum = 0;
    int n = 0;
    void add(double v) {
        if (std::isfinite(v)) {
            sum += v;
            ++n;
        }
    }
    double value() const { return n > 0 ? sum / n : kNaN; }
};

// Adds a component's score to its pillar and its bit to `bits` when it exists.
void enter(Mean& pillar, uint32_t& bits, PillarComponent c, double score) {
    if (std::isfinite(score)) {
        pillar.add(score);
        bits |= c;
    }
}

// A resident column read as a number whatever its stored type: a float32
// as it is, a uint8 flag or count as it is, a uint8 quantised 0-1 value
// (unit "1/255", as trust is stored) divided by 255. Null (`present`
// false) when the column is not declared or no running mechanism fills it.
struct ColumnView {
    const uint8_t* u8 = nullptr;
    const float* f32 = nullptr;
    double scale = 1;
    bool present() const { return u8 != nullptr || f32 != nullptr; }
    double operator[](size_t r) const { return scale * raw(r); }
    // The stored value: sums of a uint8 column's raw values are exact, so
    // any order of adding gives the same sum (scale it afterwards).
    double raw(size_t r) const { return u8 != nullptr ? double(u8[r]) : double(f32[r]); }
};

ColumnView live_column(const World& w, const PillarInputs& in, const std::string& name) {
    ColumnView v;
    if (std::find(in.live_columns.begin(), in.live_columns.end(), name) == in.live_columns.end())
        return v;
    const auto& cols = declared_columns();
    for (size_t k = 0; k < cols.size(); ++k) {
        if (cols[k].name != name)
            continue;
        if (cols[k].type == ColumnType::U8) {
            v.u8 = w.pop.column(ColumnHandle<uint8_t>{uint32_t(k)}).data();
            v.scale = cols[k].unit == "1/255" ? 1.0 / 255 : 1.0;
        } else if (cols[k].type == ColumnType::F32) {
            v.f32 = w.pop.column(ColumnHandle<float>{uint32_t(k)}).data();
        }
    }
    return v;
}

// Population-weighted mean of a per-group row over the minorities (groups
// 1..G-1), NaN entries left out.
double minority_mean(const std::vector<double>* row, const std::vector<double>& members) {
    if (row == nullptr)
        return kNaN;
    double s = 0, n = 0;
    for (size_t g = 1; g < row->size() && g < members.size(); ++g)
        if (std::isfinite((*row)[g])) {
            s += members[g] * (*row)[g];
            n += members[g];
        }
    return n > 0 ? s / n : kNaN;
}

double all_mean(const std::vector<double>* row, const std::vector<double>& members) {
    if (row == nullptr)
        return kNaN;
    double s = 0, n = 0;
    for (size_t g = 0; g < row->size() && g < members.size(); ++g)
        if (std::isfinite((*row)[g])) {
            s += members[g] * (*row)[g];
            n += members[g];
        }
    return n > 0 ? s / n : kNaN;
}

double scalar(const std::vector<double>* row) {
    return row != nullptr && row->size() == 1 ? (*row)[0] : kNaN;
}

} // namespace

PillarFigures pillar_figures(const World& w, const PillarParams& p, const PillarInputs& in) {
    const Population& pop = w.pop;
    const size_t n = pop.size(), G = size_t(w.group_total()), H = size_t(w.hoods.count());
    const ColumnView employed = live_column(w, in, "employed");
    const ColumnView disc = live_column(w, in, "discrimination");
    const ColumnView participated = live_column(w, in, "participated");
    const ColumnView trust = live_column(w, in, "trust_institutional");

    // Per neighbourhood (index H = the city) and majority / minority: labour
    // force and employed, residents, discrimination, participants; per
    // neighbourhood prejudice and trust.
    struct Tally {
        double force[2] = {}, emp[2] = {}, people[2] = {}, disc = 0, part[2] = {}, prejudice = 0, trust = 0;
        Tally& operator+=(const Tally& o) {
            for (int m = 0; m < 2; ++m) {
                force[m] += o.force[m];
                emp[m] += o.emp[m];
                people[m] += o.people[m];
                part[m] += o.part[m];
            }
            disc += o.disc;
            prejudice += o.prejudice;
            trust += o.trust;
            return *this;
        }
    };
    // The tallies and the members per group, summed over blocks of
    // residents in parallel and then in block order (sim/parallel.hpp): the
    // same figures on any thread count.
    struct Tallies {
        std::vector<Tally> t;
        std::vector<double> members;
        Tallies& operator+=(const Tallies& o) {
            t.resize(o.t.size());
            members.resize(o.members.size());
            for (size_t k = 0; k < o.t.size(); ++k)
                t[k] += o.t[k];
            for (size_t g = 0; g < o.members.size(); ++g)
                members[g] += o.members[g];
            return *this;
        }
    };
    Tallies all = deterministic_block_sum<Tallies>(n, [&](size_t begin, size_t end) {
        Tallies b{std::vector<Tally>(H + 1), std::vector<double>(G, 0)};
        for (size_t r = begin; r < end; ++r) {
            if (pop.vacant(r)) // (sim/world.hpp)
                continue;
            const int m = pop.group[r] != 0;
            b.members[pop.group[r]] += 1;
            Tally& x = b.t[w.hood[r]];
            x.people[m] += 1;
            x.prejudice += pop.prejudice[r];
            if (employed.present()) {
                const uint32_t wp = pop.workplace[r];
                if (wp == kNoPlace || w.places[wp].kind != PlaceKind::School) {
                    x.force[m] += 1;
                    x.emp[m] += employed[r];
                }
            }
            if (disc.present() && m)
                x.disc += disc[r];
            if (participated.present())
                x.part[m] += participated[r];
            if (trust.present())
                x.trust += trust.raw(r); // times trust.scale when used
        }
        for (size_t h = 0; h < H; ++h)
            b.t[H] += b.t[h];
        return b;
    });
    all.t.resize(H + 1);
    all.members.resize(G, 0);
    const std::vector<Tally>& t = all.t;
    const std::vector<double>& members = all.members;
    const double living = t[H].people[0] + t[H].people[1];
    const double city_minor_share = living > 0 ? t[H].people[1] / living : kNaN;

    // The components of one unit (a neighbourhood or the city) from its
    // tally; the city-only components are added by the caller.
    auto from_tally = [&](const Tally& x, Mean& eq, Mean& in_, Mean& pa, uint32_t& bits) {
        const double people = x.people[0] + x.people[1];
        if (employed.present() && x.force[0] > 0 && x.force[1] > 0)
            enter(eq, bits, kEqualityEmployment,
                  gap_score(x.emp[0] / x.force[0] - x.emp[1] / x.force[1], p.gap_bound));
        if (disc.present() && x.people[1] > 0) {
            const double d = x.disc / x.people[1];
            enter(eq, bits, kEqualityDiscrimination,
                  100 * p.discrimination_half / (p.discrimination_half + d));
        }
        if (people > 0)
            enter(in_, bits, kInteractionPrejudice, 100 * std::clamp(1 - x.prejudice / people, 0.0, 1.0));
        if (participated.present() && x.people[0] > 0 && x.people[1] > 0)
            enter(pa, bits, kParticipationGap,
                  parity_score(x.part[1] / x.people[1], x.part[0] / x.people[0]));
        if (trust.present() && people > 0)
            enter(pa, bits, kParticipationTrust, 100 * std::clamp(trust.scale * x.trust / people, 0.0, 1.0));
    };
    auto composite = [](double a, double b, double c) {
        Mean m;
        m.add(a);
        m.add(b);
        m.add(c);
        return m.value();
    };

    PillarFigures f;
    {
        Mean eq, it, pa;
        uint32_t bits = 0;
        from_tally(t[H], eq, it, pa, bits);
        enter(eq, bits, kEqualityCallback,
              ratio_score(scalar(in.find("/timeseries/callback_ratio")), p.ratio_bound));
        enter(eq, bits, kEqualityHousing,
              ratio_score(scalar(in.find("/timeseries/housing_acceptance_ratio")), p.ratio_bound));
        // Contact: the step's intergroup share of meetings against random
        // mixing (1 - sum of squared group shares), capped at 1.
        double expected = 1;
        for (size_t g = 0; g < G; ++g)
            expected -= living > 0 ? (members[g] / living) * (members[g] / living) : 0.0;
        const double share = scalar(in.find("/timeseries/intergroup_meeting_share"));
        if (expected > 0)
            enter(it, bits, kInteractionContact, 100 * std::clamp(share / expected, 0.0, 1.0));
        const double ratio = scalar(in.find("/timeseries/contact_ratio"));
        enter(it, bits, kInteractionValence,
              std::isinf(ratio) ? 100.0 : (ratio >= 0 ? 100 * ratio / (1 + ratio) : kNaN));
        enter(it, bits, kInteractionFriends,
              100 * all_mean(in.find("/timeseries/outgroup_friend_share"), members));
        enter(it, bits, kInteractionRumour, 100 * (1 - scalar(in.find("/timeseries/rumour_belief"))));
        // Segregation: the minorities' dissimilarity from the majority over
        // the neighbourhoods, weighted by their size.
        if (G > 1) {
            const UnitCounts hoods = counts_by_neighbourhood(w);
            std::vector<double> d(G, kNaN);
            for (int g = 1; g < int(G); ++g)
                d[size_t(g)] = dissimilarity(hoods, g, 0);
            enter(it, bits, kInteractionSegregation, 100 * (1 - minority_mean(&d, members)));
        }
        const double rep = minority_mean(in.find("/timeseries/representation_ratio"), members);
        enter(pa, bits, kParticipationRepresentation, parity_score(rep, 1.0));
        f.equality = eq.value();
        f.interaction = it.value();
        f.participation = pa.value();
        f.composite = composite(f.equality, f.interaction, f.participation);
        f.components = bits;
    }
    // Neighbourhoods: the components measured where residents live (the
    // step's contact figures, the callback and housing ratios, the
    // dissimilarity and the representation ratio are city-wide only).
    const std::vector<double>* hood_friends = in.find("/neighbourhoods/outgroup_friend_share");
    f.hood_equality.assign(H, kNaN);
    f.hood_interaction.assign(H, kNaN);
    f.hood_participation.assign(H, kNaN);
    f.hood_composite.assign(H, kNaN);
    for (size_t h = 0; h < H; ++h) {
        Mean eq, it, pa;
        uint32_t bits = 0;
        from_tally(t[h], eq, it, pa, bits);
        if (hood_friends != nullptr && h < hood_friends->size())
            enter(it, bits, kInteractionFriends, 100 * (*hood_friends)[h]);
        // Local mix: the neighbourhood's minority share against the city's,
        // 0 when it is all one or the other.
        const double people = t[h].people[0] + t[h].people[1];
        if (people > 0 && city_minor_share > 0 && city_minor_share < 1) {
            const double dev = std::fabs(t[h].people[1] / people - city_minor_share);
            enter(it, bits, kInteractionSegregation,
                  100 * (1 - dev / std::max(city_minor_share, 1 - city_minor_share)));
        }
        f.hood_equality[h] = eq.value();
        f.hood_interaction[h] = it.value();
        f.hood_participation[h] = pa.value();
        f.hood_composite[h] = composite(f.hood_equality[h], f.hood_interaction[h], f.hood_participation[h]);
    }
    return f;
}

namespace {

const std::vector<Field<PillarParams>>& pillar_fields() {
    using P = PillarParams;
    static const std::vector<Field<P>> f = {
        {"gap_bound",
         &P::gap_bound,
         0.01,
         1,
         "1",
         "employment gap (majority minus minorities' rate) that scores 0",
         assumption("a 30-point gap: about the widest between natives and non-EU migrants in EU member "
                    "states (Eurostat lfsa_ergan)"),
         {0.2, 0.4}},
        {"ratio_bound",
         &P::ratio_bound,
         1.01,
         10,
         "1",
         "majority/minority callback or housing acceptance ratio that scores 0",
         assumption("2.0: the high-discrimination end of field experiments (Quillian et al. 2019)"),
         {1.5, 3}},
        {"discrimination_half",
         &P::discrimination_half,
         0.01,
         100,
         "events",
         "minorities' mean discrimination experienced that scores 50",
         assumption("belonging.d_half: where discrimination's effect on belonging is half its maximum"),
         {1, 5}},
    };
    return f;
}

class Pillars final : public Mechanism {
public:
    explicit Pillars(const PillarParams& p) : p_(p) {}

    void step(World&, const StepContext&) override {}

    void report(const World& w, std::vector<std::vector<double>>& rows) const override {
        // The rows of the mechanisms registered before this one end at
        // rows.size(), each entry's in its declaration order.
        const auto& reg = mechanism_registry();
        const std::string self = registered_name.empty() ? "pillars" : registered_name;
        size_t me = reg.size();
        for (size_t k = 0; k < reg.size(); ++k)
            if (reg[k].name == self)
                me = k;
        PillarInputs in;
        std::vector<bool> runs(reg.size(), true);
        size_t at = rows.size();
        for (size_t k = me; k-- > 0;) {
            const MechanismEntry& e = reg[k];
            if (e.series.size() > at)
                break;
            at -= e.series.size();
            bool finite = e.series.empty(); // a mechanism without series: taken as running
            for (size_t s = 0; s < e.series.size(); ++s) {
                in.series.emplace_back(&e.series[s], &rows[at + s]);
                for (double v : rows[at + s])
                    finite = finite || std::isfinite(v);
            }
            runs[k] = finite;
        }
        // A column is live when a mechanism that declares it runs (one
        // registered after this one, e.g. in a test, cannot be told: live).
        for (const ColumnDecl& c : declared_columns()) {
            bool live = false;
            for (size_t k = 0; k < reg.size() && !live; ++k)
                for (const ColumnDecl& d : reg[k].columns)
                    if (d.name == c.name && runs[k])
                        live = true;
            if (live)
                in.live_columns.push_back(c.name);
        }
        const PillarFigures f = pillar_figures(w, p_, in);
        rows.push_back({f.equality});
        rows.push_back({f.interaction});
        rows.push_back({f.participation});
        rows.push_back({f.composite});
        rows.push_back({double(f.components)});
        rows.push_back(f.hood_equality);
        rows.push_back(f.hood_interaction);
        rows.push_back(f.hood_participation);
        rows.push_back(f.hood_composite);
    }

private:
    PillarParams p_;
};

} // namespace

MechanismEntry pillars_mechanism() {
    MechanismEntry e = make_mechanism_entry<PillarParams>(
        "pillars",
        "the pillar indices 0-100 (equality, interaction, participation) and their composite, from the "
        "other mechanisms' state and series (last in the order)",
        &pillar_fields, [](const PillarParams& p, const World&) -> std::unique_ptr<Mechanism> {
            return std::make_unique<Pillars>(p);
        });
    const std::string left_out =
        "; components whose inputs are absent in a run are left out and the mean taken over the others "
        "(/timeseries/pillar_components), NaN when none is present";
    e.report_reads_rows = true;
    e.series = {
        {"/timeseries/pillar_equality", Dims::Step, "0-100",
         "equality pillar: mean score of the employment gap, callback ratio, housing acceptance ratio and "
         "minorities' discrimination experienced" +
             left_out},
        {"/timeseries/pillar_interaction", Dims::Step, "0-100",
         "interaction pillar: mean score of intergroup contact against random mixing, its valence, "
         "out-group friendship, prejudice, rumour belief and dissimilarity" +
             left_out},
        {"/timeseries/pillar_participation", Dims::Step, "0-100",
         "participation pillar: mean score of the minorities' participation rate against the majority's, "
         "the representation ratio and institutional trust" +
             left_out},
        {"/timeseries/icc_composite", Dims::Step, "0-100",
         "mean of the pillar indices present (docs/model/pillars.md)"},
        {"/timeseries/pillar_components", Dims::Step, "bits",
         "which components entered the indices this step: sum of 2^k, k = 0-3 equality (employment, "
         "callback, housing, discrimination), 4-9 interaction (contact, valence, friends, prejudice, rumour, "
         "segregation), 10-12 participation (participation gap, representation, trust)"},
        {"/neighbourhoods/pillar_equality", Dims::StepNeighbourhood, "0-100",
         "equality pillar of the neighbourhood's residents: employment gap and discrimination experienced"},
        {"/neighbourhoods/pillar_interaction", Dims::StepNeighbourhood, "0-100",
         "interaction pillar of the neighbourhood's residents: out-group friendship, prejudice and local mix "
         "(minority share against the city's)"},
        {"/neighbourhoods/pillar_participation", Dims::StepNeighbourhood, "0-100",
         "participation pillar of the neighbourhood's residents: participation gap and institutional trust"},
        {"/neighbourhoods/icc_composite", Dims::StepNeighbourhood, "0-100",
         "mean of the neighbourhood's pillar indices present"},
    };
    e.reads = "the state after every mechanism and the rows the others report for the step";
    e.writes = "nothing (it reports)";
    return e;
}

} // namespace icsim
