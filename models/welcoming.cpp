// Welcoming newcomers: mentors (docs/model/welcoming.md).
// A newcomer -- a resident with years_in_city below `newcomer_years` --
// without a mentor gets one each step with probability match_rate x W (W =
// the `welcoming` lever for its home neighbourhood and group): a resident
// of the majority group (group 0) drawn uniformly. The mentor is kept in
// the mechanism's own column `mentor` (a resident id), not in a tie slot:
// the friendship mechanism fills, strengthens and evicts the four tie slots
// by its own rules and would drop or overwrite a mentor it does not know
// about; belonging counts the mentor as a tie (models/belonging.cpp).
// While mentored, a newcomer's language rises by mentor_language x (1 -
// language) a step (informal practice with a speaker of the main
// language), and belonging reads the mentor. The pairing ends when the
// newcomer's years reach newcomer_years, or when the mentor is no longer a
// resident of the majority group (after departures).
// Draws: KeyedHash(seed, Welcoming, t)(r, 0) whether matched, (r, 1) who.
#include "models/belonging.hpp"
#include "models/registry.hpp"

#include <algorithm>
#include <cmath>

#include "sim/parallel.hpp"
#include "sim/rng.hpp"

namespace icsim {

namespace {

struct WelcomingParams {
    double newcomer_years = 2;
    double match_rate = 0.1;
    double mentor_language = 0.005;
};

const std::vector<Field<WelcomingParams>>& welcoming_fields() {
    using P = WelcomingParams;
    static const std::vector<Field<P>> f = {
        {"newcomer_years",
         &P::newcomer_years,
         0,
         100,
         "years",
         "years in the city below which a resident is a newcomer (offered a mentor)",
         assumption("welcoming programmes serve the first one to two years"),
         {1, 3}},
        {"match_rate",
         &P::match_rate,
         0,
         1,
         "1/step",
         "chance per step that a newcomer without a mentor is matched, at full welcoming intensity",
         assumption("matching takes weeks to months"),
         {0.02, 0.3}},
        {"mentor_language",
         &P::mentor_language,
         0,
         1,
         "1/step",
         "share of the gap to full proficiency a mentored newcomer closes per step",
         assumption("informal practice; slower than a course"),
         {0, 0.01}},
    };
    return f;
}

class Welcoming final : public Mechanism {
public:
    explicit Welcoming(const WelcomingParams& p)
        : p_(p), mentor_(column_handle<uint32_t>("mentor")), years_(column_handle<float>("years_in_city")) {}

    void initialise(World& w, uint64_t seed) override {
        // Years in the city are belonging's to draw; a run without it still
        // has its newcomers (belonging's defaults), and a run with it
        // redraws them when it comes later in the order.
        const auto& y = w.pop.column(years_);
        if (std::all_of(y.begin(), y.end(), [](float v) { return v == 0.0f; }))
            draw_initial_years(w, seed, 20, 60);
    }

    void step(World& w, const StepContext& ctx) override {
        Population& pop = w.pop;
        const size_t n = pop.size();
        auto& mentor = pop.column(mentor_);
        const auto& years = pop.column(years_);
        const int G = w.group_total();
        const auto L = ctx.policy->intensity_table(Lever::Welcoming, ctx.step, w.hoods.count(), G);
        const bool any = *std::max_element(L.begin(), L.end()) > 0;
        // The majority's members in id order (recomputed: departures and
        // arrivals change it).
        majority_.clear();
        if (any)
            for (size_t r = 0; r < n; ++r)
                if (pop.group[r] == 0 && !pop.vacant(r))
                    majority_.push_back(uint32_t(r));
        const KeyedHash draw(ctx.seed, Stream::Welcoming, ctx.step);
        const float newcomer = float(p_.newcomer_years);
        const uint64_t M = majority_.size();
        matched_ = deterministic_sum<uint64_t>(n, [&](size_t r) {
            uint32_t m = mentor[r];
            if (m != kNoResident && (years[r] >= newcomer || m >= n || pop.group[m] != 0 || pop.vacant(m)))
                m = kNoResident;
            uint64_t x = 0;
            if (m == kNoResident && years[r] < newcomer && M > 0 && !pop.vacant(r)) {
                const double level = L[size_t(w.hood[r]) * size_t(G) + pop.group[r]];
                if (level > 0 && to_unit(draw(uint32_t(r), 0)) < p_.match_rate * level) {
                    uint64_t k = (draw(uint32_t(r), 1) >> 32) * M >> 32;
                    if (majority_[k] == r) // not one's own mentor
                        k = (k + 1) % M;
                    if (majority_[k] != r) {
                        m = majority_[k];
                        x = 1;
                    }
                }
            }
            mentor[r] = m;
            if (m != kNoResident)
                pop.language[r] = float(pop.language[r] + p_.mentor_language * (1 - pop.language[r]));
            return x;
        });
    }

    void counters(Counters& out) const override { out.emplace_back("new_mentors", double(matched_)); }
    size_t scratch_bytes() const override { return held_bytes(majority_); }

    void report(const World& w, std::vector<std::vector<double>>& rows) const override {
        const auto& mentor = w.pop.column(mentor_);
        const auto& years = w.pop.column(years_);
        const size_t G = size_t(w.group_total());
        std::vector<double> with(G, 0), newcomers(G, 0);
        const float newcomer = float(p_.newcomer_years);
        for (size_t r = 0; r < w.pop.size(); ++r)
            if (years[r] < newcomer && !w.pop.vacant(r)) {
                newcomers[w.pop.group[r]] += 1;
                with[w.pop.group[r]] += mentor[r] != kNoResident;
            }
        for (size_t g = 0; g < G; ++g)
            with[g] = newcomers[g] > 0 ? with[g] / newcomers[g] : double(NAN);
        rows.push_back(std::move(with));
    }

private:
    WelcomingParams p_;
    ColumnHandle<uint32_t> mentor_;
    ColumnHandle<float> years_;
    std::vector<uint32_t> majority_; // scratch
    uint64_t matched_ = 0;
};

} // namespace

MechanismEntry welcoming_mechanism() {
    MechanismEntry e = make_mechanism_entry<WelcomingParams>(
        "welcoming",
        "mentors from the majority group for newcomers under the welcoming lever: a tie, faster language "
        "and belonging in the first years",
        &welcoming_fields, [](const WelcomingParams& p, const World&) -> std::unique_ptr<Mechanism> {
            return std::make_unique<Welcoming>(p);
        });
    e.columns = {{"mentor", ColumnType::U32, double(kNoResident), "",
                  "the resident id of a newcomer's mentor (4294967295 = none)", true, true, true}};
    e.series = {{"/timeseries/mentored_share", Dims::StepGroup, "1",
                 "share of each group's newcomers (years_in_city below welcoming.newcomer_years) with a "
                 "mentor"}};
    e.reads = "own `years_in_city`, `mentor`, home, group; the majority's ids; lever `welcoming` (at home)";
    e.writes = "`mentor`, `language`";
    return e;
}

} // namespace icsim
