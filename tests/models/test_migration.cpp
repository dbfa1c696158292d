// Migration (models/migration.cpp, docs/model/migration.md): arrivals at
// their groups' rates, departures rising with low belonging, the free list
// of vacant ids, and metrics that count only the living.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include <oneapi/tbb/task_arena.h>

#include "models/attitudes.hpp"
#include "models/housing.hpp"
#include "models/migration.hpp"
#include "models/registry.hpp"
#include "output/report.hpp"
#include "scenarios/loader.hpp"
#include "scenarios/scenario.hpp"
#include "social_testlib.hpp"

using namespace icsim;
using namespace icsim::social_test;

namespace {

std::unique_ptr<Mechanism> make_migration(const World& w, const ParamValues& overrides = {}) {
    const MechanismEntry* e = find_mechanism("migration");
    REQUIRE(e != nullptr);
    return e->make(overrides, w);
}

// The default city with migration on: the default order with migration in
// its registry place, after belonging (it is off by default).
ScenarioConfig migration_city(std::vector<std::string> extra, int side) {
    std::string order = "mechanisms.order=[";
    for (const MechanismEntry& m : mechanism_registry())
        if (m.in_default_order || m.name == "migration")
            order += (order.back() == '[' ? "\"" : ", \"") + m.name + "\"";
    extra.insert(extra.begin(), order + "]");
    return small_city(extra, side);
}

std::vector<size_t> members(const World& w) {
    std::vector<size_t> m(size_t(w.group_total()), 0);
    for (size_t r = 0; r < w.pop.size(); ++r)
        if (!w.pop.vacant(r))
            ++m[w.pop.group[r]];
    return m;
}

// The same city without its vacant slots: living residents in id order,
// ties and resident_ref columns renamed.
World compacted(const World& w) {
    std::vector<uint32_t> new_id(w.pop.size(), kNoResident);
    uint32_t next = 0;
    for (size_t r = 0; r < w.pop.size(); ++r)
        if (!w.pop.vacant(r))
            new_id[r] = next++;
    World c = w;
    c.pop.for_each_column([&](const char*, auto& column) {
        size_t k = 0;
        for (size_t r = 0; r < w.pop.size(); ++r)
            if (!w.pop.vacant(r))
                column[k++] = column[r];
        column.resize(k);
    });
    auto rename = [&](std::vector<uint32_t>& ids) {
        for (auto& id : ids)
            if (id != kNoResident)
                id = new_id[id];
    };
    c.pop.for_each_declared([&](const ColumnDecl& d, auto& column) {
        if constexpr (std::is_same_v<typename std::decay_t<decltype(column)>::value_type, uint32_t>)
            if (d.resident_ref)
                rename(column);
    });
    c.recount();
    return c;
}

} // namespace

TEST_SUITE("integration") {
    TEST_CASE("migration: off by default, on when mechanisms.order names it after belonging") {
        const ScenarioConfig off = small_city({}, 20);
        for (const auto& m : off.mechanisms)
            CHECK(m.name != "migration");
        const ScenarioConfig on = migration_city({}, 20);
        REQUIRE(on.mechanisms.size() == off.mechanisms.size() + 1);
        size_t at = 0;
        for (size_t k = 0; k < on.mechanisms.size(); ++k)
            if (on.mechanisms[k].name == "migration")
                at = k;
        REQUIRE(at > 0);
        CHECK(on.mechanisms[at - 1].name == "belonging");
        CHECK(on.mechanisms.back().name == "pillars");
    }

    TEST_CASE("migration: arrivals over many steps average each group's arrival rate") {
        // Departures off; 60 x 60 cells x 4 dwellings at 88 %: 1,728 free
        // dwellings for about 40 steps x 23 arrivals.
        // Without the housing market: every arrival takes a free dwelling.
        Engine engine = build_engine(migration_city(
            {"mechanisms.migration.departure_rate=0", "mechanisms.residential_mobility.housing=false"}, 60));
        const auto before = members(engine.world());
        const int steps = 40;
        double total = 0, unhoused = 0;
        for (int k = 0; k < steps; ++k) {
            engine.step();
            total += counter(engine.counters(), "arrived");
            unhoused += counter(engine.counters(), "unhoused");
            CHECK(counter(engine.counters(), "departed") == 0);
        }
        CHECK(unhoused == 0);
        const World& w = engine.world();
        const auto after = members(w);
        double expected_total = 0;
        for (size_t g = 0; g < after.size(); ++g) {
            // A Poisson total: mean = variance = rate x steps x 7 / 365.25;
            // 4.5 sd either side fails about once in 150,000 runs.
            const double mean = w.groups[g].arrival_rate * steps * 7 / 365.25;
            const double got = double(after[g]) - double(before[g]);
            expected_total += mean;
            CHECK(std::abs(got - mean) <= 4.5 * std::sqrt(mean) + 1e-9);
        }
        CHECK(total == doctest::Approx(double(after[0] + after[1] + after[2] + after[3]) -
                                       double(before[0] + before[1] + before[2] + before[3])));
        CHECK(std::abs(total - expected_total) <= 4.5 * std::sqrt(expected_total));
    }

    TEST_CASE("migration: departures rise with low belonging") {
        World w = build_engine(migration_city({}, 60)).world();
        for (auto& g : w.groups)
            g.arrival_rate = 0;
        auto& b = w.pop.column(column_handle<float>("belonging"));
        auto& d = w.pop.column(column_handle<float>("discrimination"));
        for (size_t r = 0; r < w.pop.size(); ++r) {
            b[r] = r % 2 == 0 ? 0.0f : 1.0f;
            d[r] = 0;
        }
        const std::vector<bool> low = [&] {
            std::vector<bool> v(w.pop.size());
            for (size_t r = 0; r < v.size(); ++r)
                v[r] = b[r] < 0.5f;
            return v;
        }();
        // w_dissatisfied 0: only belonging differs. Per step 1 x 7 / 365.25 x
        // (1 + 1 - b): about 3.8 % at belonging 0, 1.9 % at 1.
        auto m = make_migration(w, {{"departure_rate", 1.0}, {"w_dissatisfied", 0.0}});
        PolicySchedule policy;
        StepContext ctx{7, 1, &policy};
        m->step(w, ctx);
        size_t gone_low = 0, gone_high = 0, n_low = 0, n_high = 0;
        for (size_t r = 0; r < w.pop.size(); ++r) {
            (low[r] ? n_low : n_high) += 1;
            if (w.pop.vacant(r))
                (low[r] ? gone_low : gone_high) += 1;
        }
        const double p_low = double(gone_low) / double(n_low), p_high = double(gone_high) / double(n_high);
        const double dt = 7 / 365.25;
        // Binomial counts of about 12,700 residents each: 4.5 sd bounds.
        CHECK(std::abs(p_low - 2 * dt) < 4.5 * std::sqrt(2 * dt / double(n_low)));
        CHECK(std::abs(p_high - dt) < 4.5 * std::sqrt(dt / double(n_high)));
        CHECK(p_low > 1.5 * p_high);
        CHECK(w.vacancies == gone_low + gone_high);
    }

    TEST_CASE("migration: departed ids are cleared everywhere and recycled lowest first") {
        Engine engine = build_engine(migration_city({"mechanisms.residential_mobility.housing=false"}, 40));
        for (int k = 0; k < 8; ++k) // ties and jobs form
            engine.step();
        World w = engine.world();
        const size_t n0 = w.pop.size();
        for (auto& g : w.groups)
            g.arrival_rate = 0;
        auto leave = make_migration(w, {{"departure_rate", 10.0}});
        PolicySchedule policy;
        // The last step's friends' meetings, whose partners are their ties'.
        auto friends_met = [&] {
            size_t held = 0, without_tie = 0;
            for (size_t r = 0; r < w.pop.size(); ++r)
                for (size_t k = 0; k < kTieSlots; ++k)
                    if (friends_meetings(w).ties[r].info[k] != 0) {
                        ++held;
                        without_tie += tie_columns(w.pop).id[k][r] == kNoResident;
                    }
            return std::pair{held, without_tie};
        };
        REQUIRE(friends_meetings(w).ties.size() == n0);
        REQUIRE(friends_met().first > 50);
        CHECK(friends_met().second == 0);
        leave->step(w, StepContext{3, 100, &policy});
        // A friends' meeting goes with its tie (for mechanisms ordered after
        // migration in a step).
        CHECK(friends_met().second == 0);
        std::vector<uint32_t> vacant;
        for (size_t r = 0; r < w.pop.size(); ++r)
            if (w.pop.vacant(r))
                vacant.push_back(uint32_t(r));
        REQUIRE(vacant.size() > 100);
        CHECK(w.vacancies == vacant.size());
        CHECK(w.pop.size() == n0);
        const auto& mentor = w.pop.column(column_handle<uint32_t>("mentor"));
        for (size_t r = 0; r < w.pop.size(); ++r) {
            for (size_t k = 0; k < kTieSlots; ++k) {
                const uint32_t q = tie_columns(w.pop).id[k][r];
                CHECK((q == kNoResident || !w.pop.vacant(q)));
                if (q == kNoResident) {
                    CHECK(tie_columns(w.pop).strength[k][r] == 0);
                    CHECK((tie_columns(w.pop).outgroup[r] >> k & 1) == 0);
                }
            }
            CHECK((mentor[r] == kNoResident || !w.pop.vacant(mentor[r])));
        }
        CHECK_MESSAGE(check_ties(w).count == 0, check_ties(w).first);
        // A saved state with vacancies is accepted as it is.
        World restored = w;
        restore_population(restored, w.pop);
        CHECK(restored.vacancies == w.vacancies);
        CHECK(restored.total == w.total);
        CHECK(restored.group_count == w.group_count);

        // Arrivals: more than the vacancies, so ids are recycled lowest
        // first and then appended.
        for (auto& g : w.groups)
            g.arrival_rate = 1e6 * double(vacant.size() + 50) / 4 / (7 / 365.25) / 1e6;
        auto come = make_migration(w, {{"departure_rate", 0.0}});
        come->step(w, StepContext{3, 101, &policy});
        Counters c;
        come->counters(c);
        const size_t arrived = size_t(counter(c, "arrived"));
        REQUIRE(arrived > vacant.size());
        CHECK(w.vacancies == 0);
        CHECK(w.pop.size() == n0 + (arrived - vacant.size()));
        // The step's meetings cover the appended slots, empty.
        CHECK(place_meetings(w).slot.size() == w.pop.size() * place_meetings(w).slots);
        CHECK(friends_meetings(w).ties.size() == w.pop.size());
        CHECK(friends_meetings(w).friends.size() == w.pop.size());
        CHECK(meeting_at(w, w.pop.size() - 1, 0).partner == kNoResident);
        CHECK(friends_meetings(w).ties.back().info[0] == 0);
        // Every recycled id holds a newcomer: nothing of its previous holder.
        const auto& years = w.pop.column(column_handle<float>("years_in_city"));
        for (size_t i = 0; i < vacant.size(); ++i) {
            const uint32_t r = vacant[i];
            CHECK(!w.pop.vacant(r));
            CHECK(w.pop.workplace[r] == kNoPlace);
            for (size_t k = 0; k < kTieSlots; ++k)
                CHECK(tie_columns(w.pop).id[k][r] == kNoResident);
            CHECK(tie_columns(w.pop).outgroup[r] == 0);
            CHECK(contact_positive(w.pop)[r] == 0.0f);
            CHECK(years[r] == 0.0f);
            CHECK(w.pop.column(disposition_column())[r] == w.pop.prejudice[r]);
            w.pop.for_each_declared([&](const ColumnDecl& d, const auto& column) {
                using T = typename std::decay_t<decltype(column)>::value_type;
                if (d.initial_from.empty())
                    CHECK_MESSAGE(column[r] == T(d.initial), d.name);
            });
        }
        // The counts match a recount.
        World recounted = w;
        recounted.recount();
        CHECK(recounted.total == w.total);
        CHECK(recounted.group_count == w.group_count);
        CHECK(recounted.hood == w.hood);
    }

    TEST_CASE("migration: ordered before the mechanisms that read the step's meetings, any thread count") {
        // Migration right after friendship: attitudes, culture, rumours and
        // belonging then read this step's meetings and friend flags over a
        // population that has lost and gained residents (recycled ids and
        // appended slots). Nothing may read past the meetings or follow a
        // cleared tie, and the run is the same on 1 and 2 threads.
        const ScenarioConfig s = small_city(
            {"mechanisms.order=[\"residential_mobility\", \"encounters\", \"friendship\", \"migration\", "
             "\"attitudes\", \"culture\", \"rumours\", \"belonging\"]",
             "mechanisms.residential_mobility.housing=false", "mechanisms.migration.departure_rate=0.5",
             "groups.labour.arrival_rate=5000"},
            40);
        struct Run {
            std::vector<std::vector<unsigned char>> columns;
            double arrived = 0, departed = 0;
            size_t n0 = 0, n = 0;
        };
        auto run = [&](int threads) {
            Run out;
            oneapi::tbb::task_arena(threads).execute([&] {
                Engine engine = build_engine(s);
                out.n0 = engine.world().pop.size();
                for (int k = 0; k < 16; ++k) {
                    engine.step();
                    out.arrived += counter(engine.counters(), "arrived");
                    out.departed += counter(engine.counters(), "departed");
                }
                out.n = engine.world().pop.size();
                engine.world().pop.for_each_column([&](const char*, const auto& col) {
                    std::vector<unsigned char> bytes(col.size() * sizeof(col[0]));
                    if (!bytes.empty())
                        std::memcpy(bytes.data(), col.data(), bytes.size());
                    out.columns.push_back(std::move(bytes));
                });
            });
            return out;
        };
        const Run one = run(1), two = run(2);
        // Both ways through the free list happened: departures, and more
        // arrivals than vacancies (the population grew).
        CHECK(one.departed > 20);
        CHECK(one.n > one.n0);
        CHECK(one.arrived == two.arrived);
        CHECK(one.departed == two.departed);
        CHECK(one.columns == two.columns);
    }

    TEST_CASE("migration: no metric counts vacant slots") {
        const ScenarioConfig s = migration_city({"mechanisms.migration.departure_rate=2"}, 40);
        Engine engine = build_engine(s);
        for (int k = 0; k < 6; ++k)
            engine.step();
        World w = engine.world();
        REQUIRE(w.vacancies > 0);
        culture_counts(w).step = 0; // (both count the culture column)
        friends_meetings(w).friends_step = 0;
        const World c = compacted(w);
        CHECK(c.vacancies == 0);
        CHECK(c.pop.size() == w.pop.size() - w.vacancies);
        const auto a = series_rows(w, engine.policy(), engine.steps_done(), 7, &engine.mechanisms());
        const auto b = series_rows(c, engine.policy(), engine.steps_done(), 7, &engine.mechanisms());
        REQUIRE(a.size() == b.size());
        for (size_t k = 0; k < a.size(); ++k) {
            REQUIRE(a[k].size() == b[k].size());
            for (size_t j = 0; j < a[k].size(); ++j) {
                if (std::isnan(a[k][j]) && std::isnan(b[k][j]))
                    continue;
                CHECK_MESSAGE(a[k][j] == doctest::Approx(b[k][j]).epsilon(1e-9), "series ", k, " column ", j);
            }
        }
        const auto ma = city_metrics(w), mb = city_metrics(c);
        REQUIRE(ma.size() == mb.size());
        for (size_t k = 0; k < ma.size(); ++k)
            CHECK_MESSAGE(ma[k].second == doctest::Approx(mb[k].second).epsilon(1e-9), ma[k].first);
    }
}

namespace {

// Arrivals housed and unhoused per group over `steps` steps of a city with
// migration on (departures off) and the housing market on.
struct Housed {
    std::vector<double> arrived, unhoused;
};
Housed arrivals_on_market(std::vector<std::string> extra, int steps) {
    extra.insert(extra.begin(), "mechanisms.migration.departure_rate=0");
    Engine engine = build_engine(migration_city(extra, 60));
    REQUIRE(engine.world().products.find(kHousing) != nullptr);
    REQUIRE(engine.world().products.find(kHousing)->market != nullptr);
    const Mechanism* m = nullptr;
    for (const auto& k : engine.mechanisms())
        if (k->registered_name == "migration")
            m = k.get();
    REQUIRE(m != nullptr);
    const size_t G = size_t(engine.world().group_total());
    Housed h{std::vector<double>(G, 0.0), std::vector<double>(G, 0.0)};
    for (int k = 0; k < steps; ++k) {
        engine.step();
        std::vector<std::vector<double>> rows;
        m->report(engine.world(), rows);
        for (size_t g = 0; g < G; ++g) {
            h.arrived[g] += rows[0][g];
            h.unhoused[g] += rows[2][g];
        }
    }
    return h;
}

} // namespace

TEST_SUITE("integration") {
    TEST_CASE("migration: with the housing market on, arrivals apply to landlords as residents do") {
        // The same seed with and without the landlords' minority penalty:
        // the arrival counts are the same draws; minority arrivals find a
        // dwelling less often with the penalty.
        const int steps = 30;
        const Housed fair = arrivals_on_market({"mechanisms.residential_mobility.landlord_penalty=0"}, steps);
        const Housed biased =
            arrivals_on_market({"mechanisms.residential_mobility.landlord_penalty=0.8"}, steps);
        double minority_fair = 0, minority_biased = 0, minority_all = 0;
        for (size_t g = 0; g < fair.arrived.size(); ++g) {
            CHECK(fair.arrived[g] + fair.unhoused[g] == biased.arrived[g] + biased.unhoused[g]);
            if (g > 0) {
                minority_fair += fair.arrived[g];
                minority_biased += biased.arrived[g];
                minority_all += fair.arrived[g] + fair.unhoused[g];
            }
        }
        MESSAGE("minority arrivals housed: ", minority_fair, " of ", minority_all, " without the penalty, ",
                minority_biased, " with it");
        REQUIRE(minority_all > 100);         // (the default city's majority has no arrivals)
        CHECK(minority_fair < minority_all); // some cannot afford a dwelling or are refused
        CHECK(minority_biased < 0.9 * minority_fair);
    }
}
