// Migration and demography (docs/model/migration.md). Each step, after
// belonging (and before participation, trust and pillars, which then count
// the step's population), so that departures read this step's belonging
// and discrimination experienced:
//  1. departures: a resident leaves with probability
//         p = min(1, rate x dt x (1 + w_dissatisfied x D
//                    + w_discrimination x d / (d + d_half) + w_belonging x (1 - b)))
//     per step, dt = step_days / 365.25, D = 1 when the resident is
//     dissatisfied with its neighbours' same-group share as residential
//     mobility judges it (radius `radius`, its own tolerance), d its
//     discrimination experienced and b its belonging (models/belonging.cpp).
//     A departed resident's slot becomes vacant (sim/world.hpp): every tie
//     slot and resident_ref column naming it is cleared and the slot is
//     reset to a newcomer's values with cell = kNoCell.
//  2. arrivals: group g sends a Poisson number of arrivals with mean
//     arrival_rate x dt (Boost.Random's poisson_distribution over the
//     counter RNG). Each applies on the housing market when residential
//     mobility runs one (find_dwelling, models/housing.hpp: affordability
//     on an unemployed newcomer's income, landlords' acceptance with the
//     minority penalty, social allocation), else takes a free dwelling
//     drawn uniformly (place_arrival); one without a dwelling is counted
//     as unhoused and not placed. A housed arrival takes the lowest vacant id,
//     else a new id at the end, and gets its group's tolerance, skill and
//     prejudice distributions (disposition = prejudice), language = the
//     group's draw x newcomer_language, and every other column at its
//     newcomer value (no ties, job or mentor; years_in_city 0).
// Draws (stream Migration): departures KeyedHash(seed, Migration, t)(r, 0);
// a newcomer's attributes KeyedHash(seed, Migration, t)(id, 1 + k); the
// arrival counts and dwellings one sequential CounterRng(seed, Migration,
// t, kArrivalsId). The departure decisions are per resident (any thread
// count); everything else runs in one fixed order.
#include "models/migration.hpp"
#include "models/culture.hpp"
#include "models/encounters.hpp"
#include "models/friendship.hpp"
#include "models/housing.hpp"
#include "models/registry.hpp"
#include "models/residential_mobility.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include <boost/random/poisson_distribution.hpp>

#include "sim/parallel.hpp"

namespace icsim {

void free_dwellings(const World& w, FreeDwellings& out) {
    out.cell.clear();
    const size_t cells = size_t(w.grid.cells());
    for (size_t c = 0; c < cells; ++c)
        for (int k = w.total[c]; k < w.grid.capacity; ++k)
            out.cell.push_back(CellId(c));
}

CellId place_arrival(const World&, int, FreeDwellings& free, CounterRng& rng) {
    if (free.cell.empty())
        return kNoCell;
    const uint32_t k = rng.below(uint32_t(free.cell.size()));
    const CellId c = free.cell[k];
    free.cell[k] = free.cell.back();
    free.cell.pop_back();
    return c;
}

namespace {

// The counter id of the arrivals' sequential draws: above every resident id.
constexpr uint32_t kArrivalsId = 0xffffff00u;

struct MigrationParams {
    double step_days = 7;
    double departure_rate = 0.013;
    double w_dissatisfied = 1;
    double w_discrimination = 1;
    double w_belonging = 1;
    double d_half = 2;
    int radius = 1;
    double newcomer_language = 0.5;
};

const std::vector<Field<MigrationParams>>& migration_fields() {
    using P = MigrationParams;
    static const std::vector<Field<P>> f = {
        {"step_days", &P::step_days, 1, 366, "days",
         "length of a step, for the per-year rates (set it to run.step_days)",
         assumption("a scenario choice"), not_swept()},
        {"departure_rate",
         &P::departure_rate,
         0,
         10,
         "1/year",
         "departure rate of a satisfied resident with belonging 1 and no discrimination experienced",
         calibrated("with every arrival housed (housing market off) the default city's population stays "
                    "within 0.3 % over 260 steps at its arrival rates"),
         {0.005, 0.05}},
        {"w_dissatisfied",
         &P::w_dissatisfied,
         0,
         100,
         "1",
         "relative rise of the departure rate while dissatisfied with the neighbours' same-group share",
         assumption("dissatisfied residents move, some of them out of the city"),
         {0, 3}},
        {"w_discrimination",
         &P::w_discrimination,
         0,
         100,
         "1",
         "relative rise of the departure rate at saturating discrimination experienced",
         assumption("discrimination lowers the wish to stay"),
         {0, 3}},
        {"w_belonging",
         &P::w_belonging,
         0,
         100,
         "1",
         "relative rise of the departure rate at belonging 0 (falling linearly to 0 at belonging 1)",
         assumption("low belonging raises the wish to leave"),
         {0, 3}},
        {"d_half",
         &P::d_half,
         0.01,
         100,
         "events",
         "discrimination experienced at which its term is half of w_discrimination",
         assumption("as belonging.d_half"),
         {0.5, 5}},
        {"radius", &P::radius, 1, 10, "cells",
         "Chebyshev radius of the area whose same-group share a resident judges (as residential_mobility)",
         assumption("residential_mobility.radius"), not_swept()},
        {"newcomer_language",
         &P::newcomer_language,
         0,
         1,
         "1",
         "an arrival's language: its group's language draw times this factor (a group's distribution "
         "describes its settled members)",
         literature("Chiswick & Miller 2001: proficiency rises with years since migration"),
         {0.2, 0.8}},
    };
    return f;
}

// Boost.Random's URNG interface over a CounterRng.
struct Urng {
    CounterRng& rng;
    using result_type = uint64_t;
    static constexpr result_type min() { return 0; }
    static constexpr result_type max() { return std::numeric_limits<uint64_t>::max(); }
    result_type operator()() { return rng.next_u64(); }
};

class Migration final : public Mechanism {
public:
    explicit Migration(const MigrationParams& p)
        : p_(p), belonging_(column_handle<float>("belonging")),
          discrimination_(column_handle<float>("discrimination")) {}

    void step(World& w, const StepContext& ctx) override {
        const size_t G = size_t(w.group_total());
        arrivals_.assign(G, 0);
        departures_.assign(G, 0);
        unhoused_.assign(G, 0);
        const bool changed_out = depart(w, ctx);
        const bool changed_in = arrive(w, ctx);
        // The culture mechanism keeps its counts from step to step by its
        // own changes; ours make it count the column afresh.
        if (changed_out || changed_in)
            if (KeptCultureCounts* counts = w.products.find(kCultureCounts))
                counts->step = 0;
    }

    void counters(Counters& out) const override {
        auto sum = [](const std::vector<uint64_t>& v) {
            uint64_t s = 0;
            for (uint64_t x : v)
                s += x;
            return double(s);
        };
        out.emplace_back("arrived", sum(arrivals_));
        out.emplace_back("unhoused", sum(unhoused_));
        out.emplace_back("departed", sum(departures_));
    }

    void report(const World& w, std::vector<std::vector<double>>& rows) const override {
        const size_t G = size_t(w.group_total());
        auto row = [&](const std::vector<uint64_t>& v) {
            std::vector<double> out(G, 0.0);
            for (size_t g = 0; g < G && g < v.size(); ++g)
                out[g] = double(v[g]);
            return out;
        };
        rows.push_back(row(arrivals_));
        rows.push_back(row(departures_));
        rows.push_back(row(unhoused_));
    }

private:
    // Step 1 (see the file comment); true when anyone left.
    bool depart(World& w, const StepContext& ctx) {
        Population& pop = w.pop;
        const size_t n = pop.size(), G = size_t(w.group_total());
        const double base = p_.departure_rate * p_.step_days / 365.25;
        if (base <= 0 || n == 0)
            return false;
        if (p_.w_dissatisfied > 0)
            window_counts(w, p_.radius, win_group_, win_total_);
        const auto& b = pop.column(belonging_);
        const auto& d = pop.column(discrimination_);
        const KeyedHash draw(ctx.seed, Stream::Migration, ctx.step);
        leaving_.assign(n, 0);
        const uint64_t leaving = deterministic_sum<uint64_t>(n, [&](size_t r) {
            if (pop.vacant(r))
                return uint64_t(0);
            double m = 1 + p_.w_belonging * (1.0 - double(b[r]));
            const double dr = d[r];
            m += p_.w_discrimination * dr / (dr + p_.d_half);
            if (p_.w_dissatisfied > 0) {
                const size_t c = pop.cell[r];
                const uint32_t same = win_group_[c * G + pop.group[r]] - 1, all = win_total_[c] - 1;
                if (all > 0 && double(same) < double(pop.tolerance[r]) * double(all))
                    m += p_.w_dissatisfied;
            }
            const bool go = to_unit(draw(uint32_t(r), 0)) < base * m;
            leaving_[r] = go;
            return uint64_t(go);
        });
        if (leaving == 0)
            return false;
        // Every reference to a leaver is cleared: tie slots (with their
        // strength, out-group bit and this step's friends' meeting, whose
        // partner is the tie's) and resident_ref columns.
        // The step's friend flags (FriendMeetings::friends) follow the ties.
        FriendMeetings* const fm = w.products.find(kFriendMeetings);
        TieMeetings* const met = fm != nullptr && fm->ties.size() == n ? fm->ties.data() : nullptr;
        uint8_t* const flags = fm != nullptr && fm->friends.size() == n ? fm->friends.data() : nullptr;
        const uint8_t thr = friend_threshold(w);
        const TieColumns ties = tie_columns(pop);
        parallel_for_index(n, [&](size_t r) {
            bool cleared = false;
            for (size_t k = 0; k < kTieSlots; ++k) {
                const uint32_t t = ties.id[k][r];
                if (t != kNoResident && (leaving_[t] || leaving_[r])) {
                    ties.id[k][r] = kNoResident;
                    ties.strength[k][r] = 0;
                    ties.outgroup[r] = uint8_t(ties.outgroup[r] & ~(1u << k));
                    if (met != nullptr)
                        met[r].info[k] = met[r].rumour[k] = 0;
                    cleared = true;
                }
            }
            if (cleared && flags != nullptr)
                flags[r] = thr > 0 ? friend_flags(ties, r, thr) : uint8_t(0);
        });
        pop.for_each_declared([&](const ColumnDecl& decl, auto& column) {
            if constexpr (std::is_same_v<typename std::decay_t<decltype(column)>::value_type, uint32_t>)
                if (decl.resident_ref)
                    parallel_for_index(n, [&](size_t r) {
                        if (column[r] != kNoResident && column[r] < n && leaving_[column[r]])
                            column[r] = kNoResident;
                    });
        });
        for (size_t r = 0; r < n; ++r)
            if (leaving_[r]) {
                const CellId c = pop.cell[r];
                const size_t g = pop.group[r];
                --w.group_count[size_t(c) * G + g];
                --w.total[c];
                ++departures_[g];
                pop.clear_slot(r);
                w.hood[r] = 0;
                ++w.vacancies;
            }
        return true;
    }

    // Step 2 (see the file comment); true when anyone arrived.
    bool arrive(World& w, const StepContext& ctx) {
        Population& pop = w.pop;
        const size_t G = size_t(w.group_total());
        const double dt = p_.step_days / 365.25;
        CounterRng rng(ctx.seed, Stream::Migration, ctx.step, kArrivalsId);
        std::vector<uint32_t> count(G, 0);
        bool any = false;
        for (size_t g = 0; g < G; ++g) {
            const double mean = w.groups[g].arrival_rate * dt;
            if (mean > 0) {
                Urng u{rng};
                count[g] = boost::random::poisson_distribution<uint32_t, double>(mean)(u);
                any = any || count[g] > 0;
            }
        }
        if (!any)
            return false;
        // The free list: vacant ids in increasing order (from the cell column).
        free_ids_.clear();
        if (w.vacancies > 0)
            for (size_t r = 0; r < pop.size(); ++r)
                if (pop.vacant(r))
                    free_ids_.push_back(uint32_t(r));
        size_t next_free = 0;
        const HousingSpec* housing = w.products.find(kHousing);
        const HousingMarket* market = housing != nullptr ? housing->market : nullptr;
        if (market == nullptr)
            free_dwellings(w, dwellings_);
        const KeyedHash draw(ctx.seed, Stream::Migration, ctx.step);
        bool placed = false;
        ResidentId ordinal = 0; // the arrival's draw key on the market
        for (size_t g = 0; g < G; ++g)
            for (uint32_t k = 0; k < count[g]; ++k, ++ordinal) {
                CellId c = market != nullptr ? kNoCell : place_arrival(w, int(g), dwellings_, rng);
                const bool no_id = next_free == free_ids_.size() && pop.size() >= size_t(kArrivalsId);
                if ((market == nullptr && c == kNoCell) || no_id) {
                    ++unhoused_[g];
                    continue;
                }
                // The id it takes: the lowest vacant one, else a new slot at
                // the end (left vacant, for the next arrival, when this one
                // finds no dwelling on the market).
                if (next_free == free_ids_.size()) {
                    free_ids_.push_back(uint32_t(pop.size()));
                    append_slot(w);
                }
                const uint32_t id = free_ids_[next_free];
                if (market != nullptr) {
                    const Applicant a{int(g), market->newcomer_income(w), ordinal};
                    c = find_dwelling(w, *market, a, ctx.step, ctx.seed);
                    if (c == kNoCell) {
                        ++unhoused_[g];
                        continue;
                    }
                }
                ++next_free;
                settle(w, id, g, c, draw);
                ++arrivals_[g];
                placed = true;
            }
        return placed;
    }

    // A new vacant slot at the end of every column.
    static void append_slot(World& w) {
        Population& pop = w.pop;
        const size_t n = pop.size() + 1;
        pop.cell.resize(n, kNoCell);
        pop.group.resize(n, 0);
        pop.tolerance.resize(n, 0.0f);
        pop.language.resize(n, 0.0f);
        pop.skill.resize(n, 0.0f);
        pop.prejudice.resize(n, 0.0f);
        pop.resize_state(n);
        w.hood.resize(n, 0);
        ++w.vacancies;
        // This step's meetings stay readable by mechanisms a scenario orders
        // after this one: the new slot met no one.
        if (Encounters* t = w.products.find(kMeetings); t != nullptr && !t->slot.empty())
            t->slot.resize(n * t->slots);
        if (FriendMeetings* f = w.products.find(kFriendMeetings)) {
            if (!f->ties.empty())
                f->ties.resize(n);
            if (!f->friends.empty())
                f->friends.resize(n);
        }
    }

    // Vacant slot `id` becomes an arrival of group g at cell c.
    void settle(World& w, uint32_t id, size_t g, CellId c, const KeyedHash& draw) const {
        Population& pop = w.pop;
        const GroupSpec& spec = w.groups[g];
        uint32_t index = 1;
        // Normal draws clipped to [0, 1], Box-Muller as in build_world.
        auto normal = [&](double mean, double sd) {
            const double u1 = 1.0 - to_unit(draw(id, index++)), u2 = to_unit(draw(id, index++));
            if (sd == 0)
                return float(mean);
            const double z = std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
            return float(std::clamp(mean + sd * z, 0.0, 1.0));
        };
        pop.tolerance[id] = normal(spec.tolerance, spec.tolerance_sd);
        pop.language[id] = float(normal(spec.language.mean, spec.language.sd) * p_.newcomer_language);
        pop.skill[id] = normal(spec.skill.mean, spec.skill.sd);
        pop.prejudice[id] = normal(spec.prejudice.mean, spec.prejudice.sd);
        pop.derive_initial(id); // declared columns that start from a trait (attitudes' disposition)
        pop.group[id] = uint8_t(g);
        pop.cell[id] = c;
        ++w.group_count[size_t(c) * size_t(w.group_total()) + g];
        ++w.total[c];
        w.hood[id] = w.hoods.of_cell[c];
        --w.vacancies;
    }

    MigrationParams p_;
    ColumnHandle<float> belonging_, discrimination_;
    std::vector<uint32_t> win_group_, win_total_, free_ids_;
    std::vector<uint8_t> leaving_;
    FreeDwellings dwellings_;
    std::vector<uint64_t> arrivals_, departures_, unhoused_;
};

} // namespace

MechanismEntry migration_mechanism() {
    MechanismEntry e = make_mechanism_entry<MigrationParams>(
        "migration",
        "arrivals per group from its arrival_rate, housed at free dwellings, and departures rising with "
        "dissatisfaction, discrimination experienced and low belonging; ids of departed residents recycled",
        &migration_fields, [](const MigrationParams& p, const World&) -> std::unique_ptr<Mechanism> {
            return std::make_unique<Migration>(p);
        });
    e.series = {
        {"/timeseries/arrivals", Dims::StepGroup, "residents",
         "arrivals housed in the city this step, per group"},
        {"/timeseries/departures", Dims::StepGroup, "residents",
         "residents who left the city this step, per group"},
        {"/timeseries/arrivals_unhoused", Dims::StepGroup, "residents",
         "arrivals this step who found no free dwelling (not placed), per group"},
    };
    // Off by default: the other mechanisms' tests and calibrations assume
    // a fixed population. A scenario runs it by naming it in
    // mechanisms.order (after belonging, whose step it reads).
    e.in_default_order = false;
    e.reads = "`belonging`, `discrimination`, tolerances and window counts; groups' `arrival_rate`; the "
              "housing market";
    e.writes = "departures: the slot and every tie or `resident_ref` naming it cleared; arrivals: every "
               "column of the slot they take, the occupancy counts";
    return e;
}

} // namespace icsim
