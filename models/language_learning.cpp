// Language courses (docs/model/language_learning.md).
// Column `course_left`: steps of the resident's current course still to
// come (0 = not enrolled). Each step:
//  1. Learning: every enrolled resident's language rises by
//     rate x (1 - language) and course_left falls by 1.
//  2. Places: P = floor(C x capacity_share x K) residents may be enrolled
//     at once, C the city-wide `language_courses` intensity and K the
//     summed capacity (residents reached per step) of the city's
//     organisations -- or, for a city with none, fallback_per_1000 places
//     per 1,000 residents. Open places = P minus those enrolled.
//  3. Enrolment: a resident not enrolled whose language is below
//     max_language asks for a place with probability uptake x L (L = the
//     lever for its neighbourhood and group); when more ask than there are
//     open places, those with the lowest proficiency (then the lowest id)
//     get them. An enrolled resident starts a course of course_steps steps.
// Language feeds contact quality (models/encounters*.cpp) and, through it,
// attitudes; a labour market reads it for employability.
// Draws: KeyedHash(seed, Language, t)(r, 0) whether r asks for a place.
#include "models/registry.hpp"

#include <algorithm>
#include <cmath>

#include "sim/parallel.hpp"
#include "sim/rng.hpp"

namespace icsim {

namespace {

struct LanguageParams {
    int course_steps = 26;
    double rate = 0.012;
    double uptake = 0.05;
    double max_language = 0.9;
    double capacity_share = 1;
    double fallback_per_1000 = 5;
};

const std::vector<Field<LanguageParams>>& language_fields() {
    using P = LanguageParams;
    static const std::vector<Field<P>> f = {
        {"course_steps",
         &P::course_steps,
         1,
         255,
         "steps",
         "length of a course",
         assumption("intensive integration courses run for about half a year"),
         {13, 52}},
        {"rate",
         &P::rate,
         0,
         1,
         "1/step",
         "share of the gap to full proficiency an enrolled resident closes per step",
         assumption("26 steps close about a quarter of the gap; gains from courses: Lochmann, Rapoport & "
                    "Speciale 2019; Arendt et al. 2020"),
         {0.004, 0.03}},
        {"uptake",
         &P::uptake,
         0,
         1,
         "1/step",
         "chance per step that an eligible resident asks for a place, at full intensity",
         assumption(),
         {0.01, 0.2}},
        {"max_language",
         &P::max_language,
         0,
         1,
         "0-1",
         "proficiency from which a resident no longer enrols",
         assumption("courses serve learners, not fluent speakers"),
         {0.7, 1}},
        {"capacity_share",
         &P::capacity_share,
         0,
         1,
         "1",
         "share of the organisations' capacity that courses take at full intensity",
         assumption(),
         {0.25, 1}},
        {"fallback_per_1000", &P::fallback_per_1000, 0, 1000, "places",
         "course places per 1,000 residents at full intensity in a city without organisations", assumption(),
         not_swept()},
    };
    return f;
}

class LanguageLearning final : public Mechanism {
public:
    LanguageLearning(const LanguageParams& p, const World& w)
        : p_(p), left_(column_handle<uint8_t>("course_left")) {
        for (const auto& o : w.organisations)
            capacity_ += double(o.capacity);
    }

    void step(World& w, const StepContext& ctx) override {
        Population& pop = w.pop;
        const size_t n = pop.size();
        auto& left = pop.column(left_);
        const double rate = p_.rate;
        // 1. Learning, for those enrolled at the start of the step.
        const uint64_t enrolled = deterministic_sum<uint64_t>(n, [&](size_t r) {
            if (left[r] == 0)
                return uint64_t(0);
            pop.language[r] = float(pop.language[r] + rate * (1 - pop.language[r]));
            --left[r];
            return uint64_t(left[r] > 0);
        });
        // 2. Places.
        const double C = ctx.policy->city_intensity(Lever::LanguageCourses, ctx.step);
        const double K =
            w.organisations.empty() ? p_.fallback_per_1000 * double(n - w.vacancies) / 1000.0 : capacity_;
        const uint64_t places = uint64_t(std::floor(C * p_.capacity_share * K));
        const uint64_t open = places > enrolled ? places - enrolled : 0;
        enrolled_ = enrolled;
        new_ = 0;
        if (open == 0)
            return;
        // 3. Enrolment: who asks (in parallel), then the lowest proficiency first.
        const int G = w.group_total();
        const auto L = ctx.policy->intensity_table(Lever::LanguageCourses, ctx.step, w.hoods.count(), G);
        const KeyedHash draw(ctx.seed, Stream::Language, ctx.step);
        asks_.assign(n, 0);
        const float max_language = float(p_.max_language);
        parallel_for_index(n, [&](size_t r) {
            if (left[r] != 0 || pop.language[r] >= max_language || pop.vacant(r))
                return;
            const double level = L[size_t(w.hood[r]) * size_t(G) + pop.group[r]];
            asks_[r] = level > 0 && to_unit(draw(uint32_t(r), 0)) < p_.uptake * level;
        });
        candidates_.clear();
        for (size_t r = 0; r < n; ++r)
            if (asks_[r] != 0)
                candidates_.push_back(uint32_t(r));
        if (candidates_.size() > open) {
            const auto lower = [&](uint32_t a, uint32_t b) {
                return pop.language[a] != pop.language[b] ? pop.language[a] < pop.language[b] : a < b;
            };
            std::nth_element(candidates_.begin(), candidates_.begin() + ptrdiff_t(open), candidates_.end(),
                             lower);
            candidates_.resize(open);
        }
        for (uint32_t r : candidates_)
            left[r] = uint8_t(p_.course_steps);
        new_ = candidates_.size();
        enrolled_ += new_;
    }

    void counters(Counters& out) const override { out.emplace_back("course_starts", double(new_)); }
    size_t scratch_bytes() const override { return held_bytes(asks_) + held_bytes(candidates_); }

    void report(const World& w, std::vector<std::vector<double>>& rows) const override {
        const auto& left = w.pop.column(left_);
        const size_t G = size_t(w.group_total());
        std::vector<double> lang(G, 0), members(G, 0);
        double enrolled = 0;
        for (size_t r = 0; r < w.pop.size(); ++r) {
            if (w.pop.vacant(r))
                continue;
            lang[w.pop.group[r]] += w.pop.language[r];
            members[w.pop.group[r]] += 1;
            enrolled += left[r] != 0;
        }
        for (size_t g = 0; g < G; ++g)
            lang[g] = members[g] > 0 ? lang[g] / members[g] : double(NAN);
        rows.push_back({enrolled});
        rows.push_back(std::move(lang));
    }

private:
    LanguageParams p_;
    ColumnHandle<uint8_t> left_;
    double capacity_ = 0;
    std::vector<uint8_t> asks_;        // scratch
    std::vector<uint32_t> candidates_; // scratch
    uint64_t enrolled_ = 0, new_ = 0;
};

} // namespace

MechanismEntry language_learning_mechanism() {
    MechanismEntry e = make_mechanism_entry<LanguageParams>(
        "language_learning",
        "language courses under the language_courses lever: places bounded by the organisations' capacity, "
        "lowest proficiency first; enrolled residents' proficiency rises",
        &language_fields, [](const LanguageParams& p, const World& w) -> std::unique_ptr<Mechanism> {
            return std::make_unique<LanguageLearning>(p, w);
        });
    e.columns = {{"course_left", ColumnType::U8, 0.0, "steps",
                  "steps of the resident's current language course still to come (0 = not enrolled)", true,
                  true}};
    e.series = {
        {"/timeseries/course_enrolment", Dims::Step, "residents", "residents enrolled in a language course"},
        {"/timeseries/language_mean", Dims::StepGroup, "0-1", "mean language proficiency per group"}};
    e.reads = "own `language`, `course_left`, home, group; organisations' capacity; lever `language_courses` "
              "(city-wide for the places, at home for uptake)";
    e.writes = "`language`, `course_left`";
    return e;
}

} // namespace icsim
