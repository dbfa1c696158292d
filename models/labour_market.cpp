// The labour market (docs/model/labour_market.md).
//  - Jobs: workplace i offers round(job_rate x F x capacity_i / total
//    workplace capacity) jobs, F the labour force: residents not at a school
//    (a school's pupils are outside it). A resident is employed at its
//    `workplace`; its vacancies are its jobs minus its staff.
//  - Job loss: an employed resident loses the job with probability job_loss
//    per step; it leaves the workplace (it no longer meets colleagues there).
//  - Search: each unemployed member of the labour force sends
//    `applications` applications per step, each to a workplace drawn with
//    probability proportional to its vacancies. Employability
//    e = (1 - ws - wl) + ws x skill + wl x language. An application is
//    called back with probability callback x e x (1 - c), c =
//    callback_penalty x (1 - policy_efficacy x L) for an applicant of a
//    minority group (any but the first) and 0 for the majority, L the
//    anti_discrimination lever for the workplace's neighbourhood and the
//    applicant's group; a callback ends in an offer with probability offer
//    x (1 - o), o = offer_penalty x (1 - policy_efficacy x L) likewise.
//    Field experiments find this two-step gap: callbacks about 1.36 times
//    as frequent for the majority (Quillian et al. 2017, PNAS 114:10870),
//    offers more unequal still (Quillian, Lee & Oliver 2018, Social Forces
//    99:732: 1.52 callbacks, 2.28 offers).
//  - Hiring: an applicant takes its first offer; a workplace hires the
//    applicants it offered a job in the order of a keyed hash until its
//    vacancies are filled (the others stay unemployed this step).
//  - Discrimination experienced: a minority applicant turned down where the
//    same draw would have called back (or made an offer to) a majority
//    applicant counts one discriminatory rejection: in the step's counter
//    and, when a mechanism declares it, in the `discrimination` column
//    (belonging's decaying count; a cumulative column of its own was
//    dropped for the 4 bytes a resident it cost, docs/performance.md).
// The callback and offer ratios are measured as a correspondence test
// measures them: among applicants of comparable employability (ten bins),
// the majority's rate over the minorities' (standardised_ratio).
// Each resident writes only its own columns in the parallel pass; hires are
// resolved in one sequential pass over the step's offers.
#include "models/labour_market.hpp"
#include "models/registry.hpp"

#include <algorithm>
#include <cmath>

#include "sim/parallel.hpp"
#include "sim/rng.hpp"
#include "sim/scratch.hpp"
#include "sim/tally.hpp"

namespace icsim {

const std::vector<Field<LabourMarketParams>>& labour_market_fields() {
    using P = LabourMarketParams;
    static const std::vector<Field<P>> fields = {
        {"job_rate",
         &P::job_rate,
         0,
         1,
         "jobs per resident",
         "jobs per member of the labour force (residents not at school), shared by workplace capacity",
         literature("Eurostat 2023: employment rate of 20-64-year-olds in the EU 75.3 %"),
         {0.6, 0.85}},
        {"applications", &P::applications, 0, 50, "applications per step",
         "applications an unemployed resident sends per step", assumption(), SweepRange{1, 5}},
        {"callback",
         &P::callback,
         0,
         1,
         "1",
         "callback chance of a majority applicant of employability 1",
         assumption("field experiments' callback rates are of the order of 0.1-0.3"),
         {0.1, 0.5}},
        {"skill_weight", &P::skill_weight, 0, 1, "1", "weight of skill in employability", assumption(),
         SweepRange{0.2, 0.6}},
        {"language_weight", &P::language_weight, 0, 1, "1", "weight of language proficiency in employability",
         assumption(), SweepRange{0.2, 0.6}},
        {"callback_penalty",
         &P::callback_penalty,
         0,
         1,
         "1",
         "relative fall of a minority applicant's callback chance (ratio 1 / (1 - penalty))",
         calibrated("callback ratio near 1.4: Quillian et al. 2017 (1.36); 1.25-2.0 across countries, "
                    "Quillian et al. 2019"),
         {0.2, 0.5}},
        {"offer", &P::offer, 0, 1, "1", "chance that a majority applicant's callback ends in an offer",
         assumption(), SweepRange{0.3, 0.7}},
        {"offer_penalty",
         &P::offer_penalty,
         0,
         1,
         "1",
         "relative fall of a minority applicant's offer chance after a callback",
         literature("Quillian, Lee & Oliver 2018: offers 2.28 vs callbacks 1.52 (a second step of 1.5, "
                    "penalty 0.33); taken smaller"),
         {0.1, 0.35}},
        {"policy_efficacy",
         &P::policy_efficacy,
         0,
         1,
         "1",
         "share of both penalties removed at full anti_discrimination intensity",
         assumption("anonymous applications equalised interview rates in Gothenburg (Aslund & Nordstrom "
                    "Skans 2012)"),
         {0.3, 1}},
        {"job_loss",
         &P::job_loss,
         0,
         1,
         "1 per step",
         "chance per step that an employed resident loses the job (0.002 a week: about 10 % a year)",
         assumption(),
         {0.001, 0.005}},
    };
    return fields;
}

MechanismEntry labour_market_mechanism() {
    MechanismEntry e = make_mechanism_entry(
        "labour_market",
        "jobs at workplaces, job search, callbacks and offers with a minority penalty lowered by "
        "anti-discrimination, and job loss",
        labour_market_fields, make_labour_market);
    e.columns = {
        {"employed", ColumnType::U8, 0.0, "", "1 when the resident holds a job at its workplace", true, true},
    };
    e.series = {
        {"/timeseries/callback_ratio", Dims::Step, "1",
         "majority over minority callbacks per application in the step, among applicants of comparable "
         "employability"},
        {"/timeseries/offer_ratio", Dims::Step, "1",
         "majority over minority offers per application in the step, among applicants of comparable "
         "employability"},
        {"/timeseries/employment_rate", Dims::StepGroup, "1",
         "employed share of the group's labour force (residents not at school)"},
        {"/timeseries/employment_gap", Dims::Step, "1",
         "employment rate of the majority (group 0) minus that of the minorities pooled (their employed "
         "over their labour force)"},
        {"/neighbourhoods/employment_rate", Dims::StepNeighbourhood, "1",
         "employed share of the labour force living in the neighbourhood"},
    };
    e.reads = "workplace, group, skill, language, `employed`; workplaces' capacity and neighbourhood; lever "
              "`anti_discrimination` (at the workplace)";
    e.writes = "`employed`, `workplace` (and `discrimination` when declared)";
    return e;
}

double employability(const LabourMarketParams& p, double skill, double language) {
    return std::clamp((1 - p.skill_weight - p.language_weight) + p.skill_weight * skill +
                          p.language_weight * language,
                      0.0, 1.0);
}

double standardised_ratio(const double* apps_major, const double* hits_major, const double* apps_minor,
                          const double* hits_minor) {
    double expected = 0, observed = 0, weight = 0;
    for (int b = 0; b < kEmployabilityBins; ++b)
        if (apps_major[b] > 0 && apps_minor[b] > 0) {
            expected += apps_minor[b] * hits_major[b] / apps_major[b];
            observed += hits_minor[b];
            weight += apps_minor[b];
        }
    if (weight == 0 || observed == 0)
        return double(NAN);
    return expected / observed;
}

namespace {

constexpr int B = kEmployabilityBins;

struct Tally {
    // [minority][bin]
    uint64_t apps[2][B] = {}, callbacks[2][B] = {}, offers[2][B] = {};
    uint64_t losses = 0, rejections = 0;
    // (workplace << 32 | hiring-order hash, applicant) of each applicant's
    // first offer, in resident order within a block.
    std::vector<std::pair<uint64_t, uint32_t>> offered;
    Tally& operator+=(const Tally& o) {
        for (int m = 0; m < 2; ++m)
            for (int b = 0; b < B; ++b) {
                apps[m][b] += o.apps[m][b];
                callbacks[m][b] += o.callbacks[m][b];
                offers[m][b] += o.offers[m][b];
            }
        losses += o.losses;
        rejections += o.rejections;
        offered.insert(offered.end(), o.offered.begin(), o.offered.end());
        return *this;
    }
    uint64_t total(const uint64_t (&a)[2][B]) const {
        uint64_t s = 0;
        for (int m = 0; m < 2; ++m)
            for (int b = 0; b < B; ++b)
                s += a[m][b];
        return s;
    }
};

class LabourMarket final : public Mechanism {
public:
    LabourMarket(const LabourMarketParams& p, const World& w)
        : p_(p), employed_(column_handle<uint8_t>("employed")) {
        for (const auto& c : declared_columns())
            if (c.name == "discrimination" && c.type == ColumnType::F32)
                discrimination_ = column_handle<float>("discrimination");
        school_.resize(w.places.size());
        hood_of_place_.resize(w.places.size());
        for (size_t i = 0; i < w.places.size(); ++i) {
            school_[i] = w.places[i].kind == PlaceKind::School;
            hood_of_place_[i] = w.hoods.of_cell[w.places[i].cell];
            if (w.places[i].kind == PlaceKind::Workplace)
                capacity_total_ += double(w.places[i].capacity);
        }
    }

    // A new run's residents hold a job where encounters placed them at a
    // workplace (so the mechanism follows encounters in mechanisms.order).
    void initialise(World& w, uint64_t) override {
        auto& emp = w.pop.column(employed_);
        for (size_t r = 0; r < w.pop.size(); ++r) {
            const uint32_t wp = w.pop.workplace[r];
            emp[r] = wp != kNoPlace && w.places[wp].kind == PlaceKind::Workplace;
        }
    }

    void publish(World& w, uint64_t) const override { w.products.set(kEmployed, Runs{}); }

    void step(World& w, const StepContext& ctx) override {
        Population& pop = w.pop;
        const size_t n = pop.size(), P = w.places.size();
        const int G = w.group_total();
        auto& emp = pop.column(employed_);
        float* disc = discrimination_.valid() ? pop.column(discrimination_).data() : nullptr;

        // Labour force and staff at the start of the step (integer counts
        // per thread, added up: exact in any order), then vacancies.
        for (auto& c : count_)
            std::fill(c.begin(), c.end(), 0u);
        oneapi::tbb::parallel_for(oneapi::tbb::blocked_range<size_t>(0, n, 16384), [&](const auto& range) {
            std::vector<uint32_t>& c = count_.local(); // staff per place, then the labour force
            c.resize(P + 1, 0u);
            for (size_t r = range.begin(); r != range.end(); ++r) {
                const uint32_t wp = pop.workplace[r];
                if ((wp != kNoPlace && school_[wp]) || pop.vacant(r))
                    continue;
                ++c[P];
                if (emp[r] && wp != kNoPlace)
                    ++c[wp];
            }
        });
        std::vector<uint32_t> staff(P + 1, 0);
        for (const auto& c : count_)
            for (size_t i = 0; i < c.size(); ++i)
                staff[i] += c[i];
        const size_t force = staff[P];
        vacancies_.assign(P, 0);
        std::vector<double> cum;
        std::vector<uint32_t> idx;
        double open = 0;
        for (size_t i = 0; i < P; ++i) {
            if (w.places[i].kind != PlaceKind::Workplace || capacity_total_ <= 0)
                continue;
            const double jobs =
                std::round(p_.job_rate * double(force) * double(w.places[i].capacity) / capacity_total_);
            vacancies_[i] = uint32_t(std::max(0.0, jobs - double(staff[i])));
            if (vacancies_[i] > 0) {
                open += vacancies_[i];
                cum.push_back(open);
                idx.push_back(uint32_t(i));
            }
        }

        // A guide table over `cum` (Chen & Asau 1974): bucket j of the draws'
        // 32 bits starts its search at the workplace the bucket's smallest
        // draw picks, so the pick is upper_bound's in a step or two on
        // average instead of a binary search (most of the pass's time).
        guide_.resize(idx.size());
        for (size_t j = 0, k = 0; j < guide_.size(); ++j) {
            const uint64_t least = ((uint64_t(j) << 32) + guide_.size() - 1) / guide_.size();
            const double at = double(uint32_t(least)) * 0x1.0p-32 * open;
            while (k + 1 < idx.size() && cum[k] <= at)
                ++k;
            guide_[j] = uint32_t(k);
        }
        const uint64_t buckets = guide_.size();
        const auto L = ctx.policy->intensity_table(Lever::AntiDiscrimination, ctx.step, w.hoods.count(), G);
        const KeyedHash draw(ctx.seed, Stream::LabourMarket, ctx.step);
        const uint64_t loss_limit = draw_limit(p_.job_loss, 32);
        last_ = deterministic_block_sum<Tally>(n, [&](size_t begin, size_t end) {
            Tally t;
            for (size_t r = begin; r < end; ++r) {
                const uint32_t wp = pop.workplace[r];
                if ((wp != kNoPlace && school_[wp]) || pop.vacant(r))
                    continue;
                if (emp[r]) {
                    if ((draw(uint32_t(r), 0) >> 32) < loss_limit) {
                        emp[r] = 0;
                        pop.workplace[r] = kNoPlace;
                        ++t.losses;
                    }
                    continue;
                }
                if (idx.empty())
                    continue;
                const int g = pop.group[r], m = g != 0;
                const double e = employability(p_, pop.skill[r], pop.language[r]);
                const int bin = std::min(B - 1, int(e * B));
                const double fair_callback = p_.callback * e;
                uint32_t first_offer = kNoPlace;
                for (int a = 0; a < p_.applications; ++a) {
                    const uint64_t u = draw(uint32_t(r), 1 + 2 * uint32_t(a));
                    const double at = unit_hi(u) * open;
                    // = min(upper_bound(cum, at), last): at is at least the value its
                    // bucket's guide entry was found for
                    size_t k = guide_[(u >> 32) * buckets >> 32];
                    while (k + 1 < idx.size() && cum[k] <= at)
                        ++k;
                    const uint32_t pl = idx[k];
                    const double lever =
                        m ? double(L[size_t(hood_of_place_[pl]) * size_t(G) + size_t(g)]) : 0.0;
                    const double relief = 1 - p_.policy_efficacy * lever;
                    const double p_callback = fair_callback * (m ? 1 - p_.callback_penalty * relief : 1.0);
                    const double p_offer = p_.offer * (m ? 1 - p_.offer_penalty * relief : 1.0);
                    const uint64_t v = draw(uint32_t(r), 2 + 2 * uint32_t(a));
                    const double u_callback = unit_hi(v), u_offer = unit_lo(v);
                    ++t.apps[m][bin];
                    bool discriminated = false;
                    if (u_callback < p_callback) {
                        ++t.callbacks[m][bin];
                        if (u_offer < p_offer) {
                            ++t.offers[m][bin];
                            if (first_offer == kNoPlace)
                                first_offer = pl;
                        } else
                            discriminated = u_offer < p_.offer;
                    } else
                        discriminated = u_callback < fair_callback;
                    if (discriminated) {
                        ++t.rejections;
                        if (disc != nullptr)
                            disc[r] += 1.0f;
                    }
                }
                if (first_offer != kNoPlace)
                    t.offered.push_back(
                        {uint64_t(first_offer) << 32 | (draw(uint32_t(r), 0xffffu) >> 32), uint32_t(r)});
            }
            return t;
        });

        // Hiring: each workplace takes its offered applicants in a keyed
        // order until its vacancies are filled.
        std::vector<std::pair<uint64_t, uint32_t>> offered = std::move(last_.offered);
        last_.offered.clear();
        std::sort(offered.begin(), offered.end());
        hires_ = 0;
        for (const auto& [key, r] : offered) {
            const uint32_t pl = uint32_t(key >> 32);
            if (vacancies_[pl] == 0)
                continue;
            --vacancies_[pl];
            emp[r] = 1;
            pop.workplace[r] = pl;
            ++hires_;
        }
    }

    size_t scratch_bytes() const override {
        return held_bytes(school_) + held_bytes(hood_of_place_) + held_bytes(vacancies_) +
               held_bytes(guide_) + held_bytes(last_.offered);
    }

    void counters(Counters& out) const override {
        out.emplace_back("applications", double(last_.total(last_.apps)));
        out.emplace_back("callbacks", double(last_.total(last_.callbacks)));
        out.emplace_back("offers", double(last_.total(last_.offers)));
        out.emplace_back("hires", double(hires_));
        out.emplace_back("job_losses", double(last_.losses));
        out.emplace_back("discriminatory_rejections", double(last_.rejections));
    }

    void report(const World& w, std::vector<std::vector<double>>& rows) const override {
        auto ratio = [&](const uint64_t(&hits)[2][B]) {
            double am[B], hm[B], an[B], hn[B];
            for (int b = 0; b < B; ++b) {
                am[b] = double(last_.apps[0][b]);
                hm[b] = double(hits[0][b]);
                an[b] = double(last_.apps[1][b]);
                hn[b] = double(hits[1][b]);
            }
            return standardised_ratio(am, hm, an, hn);
        };
        rows.push_back({ratio(last_.callbacks)});
        rows.push_back({ratio(last_.offers)});
        // The labour force (residents not at school) and the employed
        // among them, per group and neighbourhood (exact integer sums).
        const uint8_t* const emp = w.pop.column(employed_).data();
        const size_t G = size_t(w.group_total()), H = size_t(w.hoods.count());
        const GroupHoodTally<1> t = tally_by_group_and_hood<1>(w, [&](size_t r, uint64_t(&v)[1]) {
            const uint32_t wp = w.pop.workplace[r];
            if (wp != kNoPlace && school_[wp])
                return false;
            v[0] = emp[r] != 0;
            return true;
        });
        std::vector<double> ge(G), gf(G), he(H), hf(H);
        for (size_t g = 0; g < G; ++g) {
            ge[g] = double(t.group_sum(0, g));
            gf[g] = double(t.group_n(g));
        }
        for (size_t h = 0; h < H; ++h) {
            he[h] = double(t.hood_sum(0, h));
            hf[h] = double(t.hood_n(h));
        }
        double minor_e = 0, minor_f = 0;
        for (size_t g = 1; g < G; ++g) {
            minor_e += ge[g];
            minor_f += gf[g];
        }
        const double gap = gf[0] > 0 && minor_f > 0 ? ge[0] / gf[0] - minor_e / minor_f : double(NAN);
        for (size_t g = 0; g < G; ++g)
            ge[g] = gf[g] > 0 ? ge[g] / gf[g] : double(NAN);
        for (size_t h = 0; h < H; ++h)
            he[h] = hf[h] > 0 ? he[h] / hf[h] : double(NAN);
        rows.push_back(ge);
        rows.push_back({gap});
        rows.push_back(he);
    }

private:
    LabourMarketParams p_;
    ColumnHandle<uint8_t> employed_;
    ColumnHandle<float> discrimination_; // invalid unless a mechanism declares it
    std::vector<uint8_t> school_;
    std::vector<uint16_t> hood_of_place_;
    double capacity_total_ = 0;
    std::vector<uint32_t> vacancies_; // scratch of a step (not state)
    std::vector<uint32_t> guide_;
    PerThread<std::vector<uint32_t>>
        count_; // per thread: staff per place and the labour force     // scratch of a step: the guide table over the vacancies
    Tally last_;
    uint64_t hires_ = 0;
};

} // namespace

std::unique_ptr<Mechanism> make_labour_market(const LabourMarketParams& p, const World& w) {
    if (p.skill_weight + p.language_weight > 1)
        throw ParamError(
            "labour_market.skill_weight: skill_weight + language_weight must be at most 1, got " +
            format_number(p.skill_weight + p.language_weight));
    return std::make_unique<LabourMarket>(p, w);
}

} // namespace icsim
