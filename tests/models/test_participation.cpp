// Civic participation (models/participation.cpp): the logistic chance
// rises with years in the city, language, trust, belonging and the
// participatory_councils lever; the library's councils variant raises the
// minorities' representation and institutional trust against the default
// city over common seeds; reproducible on any thread count.
#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <vector>

#include <oneapi/tbb/task_arena.h>

#include "models/participation.hpp"
#include "models/registry.hpp"
#include "output/reader.hpp"
#include "scenarios/loader.hpp"
#include "session/session.hpp"
#include "social_testlib.hpp"
#include "tests/temp_dir.hpp"

using namespace icsim;

namespace {

std::vector<std::string> small(uint64_t seed, int steps) {
    return {"city.layout=voronoi", "city.width=70", "city.height=70", "run.steps=" + std::to_string(steps),
            "run.seed=" + std::to_string(seed)};
}

// Minorities' (groups 1..) representation ratio and institutional trust,
// weighted by group size, averaged over the last `last` steps.
struct Minorities {
    double representation = 0, trust_institutional = 0;
};

Minorities minorities(const ScenarioConfig& s, int last) {
    RunSession run(s);
    Minorities m;
    const uint32_t from = run.steps() - uint32_t(last);
    run.run_until(from);
    for (int k = 0; k < last; ++k) {
        run.run_until(from + uint32_t(k) + 1);
        const World& w = run.world();
        const auto rho = representation_ratios(w);
        const auto& ti = w.pop.column(column_handle<uint8_t>("trust_institutional"));
        std::vector<double> n(size_t(w.group_total()), 0), t(n.size(), 0);
        for (size_t r = 0; r < w.pop.size(); ++r) {
            n[w.pop.group[r]] += 1;
            t[w.pop.group[r]] += ti[r] / 255.0;
        }
        double N = 0, R = 0, T = 0;
        for (size_t g = 1; g < n.size(); ++g) {
            N += n[g];
            R += n[g] * rho[g];
            T += t[g];
        }
        m.representation += R / N / last;
        m.trust_institutional += T / N / last;
    }
    return m;
}

} // namespace

TEST_SUITE("unit") {
    TEST_CASE("participation: the chance rises with years, language, trust, belonging and the lever") {
        const ParticipationParams p;
        ParticipationInputs ref;
        ref.years = 100;
        CHECK(participation_probability(p, ref) == doctest::Approx(p.base_rate).epsilon(0.001));
        ParticipationInputs in = ref;
        in.citizen = false;
        double last = 0;
        for (double years : {0.0, 1.0, 3.0, 6.0, 20.0}) {
            in.years = years;
            const double pr = participation_probability(p, in);
            CAPTURE(years);
            CHECK(pr > last);
            last = pr;
        }
        // Eligibility for local votes after vote_years.
        in.years = p.vote_years - 0.01;
        const double before = participation_probability(p, in);
        in.years = p.vote_years;
        CHECK(participation_probability(p, in) > before * 1.2);
        in = ref;
        last = 0;
        for (double language : {0.0, 0.3, 0.6, 1.0}) {
            in.language = language;
            CHECK(participation_probability(p, in) > last);
            last = participation_probability(p, in);
        }
        for (auto field :
             {&ParticipationInputs::trust, &ParticipationInputs::belonging, &ParticipationInputs::lever}) {
            in = ref;
            in.*field = 0.2;
            const double low = participation_probability(p, in);
            in.*field = 0.9;
            CHECK(participation_probability(p, in) > low);
        }
        // The lever extends local voting rights to the not yet eligible.
        in = ref;
        in.citizen = false;
        in.years = 1;
        const double none = participation_probability(p, in);
        ParticipationParams no_council = p;
        no_council.w_council = 0;
        in.lever = 1;
        CHECK(participation_probability(no_council, in) > none);
    }
}

TEST_SUITE("integration") {
    TEST_CASE("participation: newcomers and residents with little language take part less") {
        RunSession run(load_default_scenario(small(1, 20)));
        run.run_until(10);
        std::vector<double> times(run.world().pop.size(), 0);
        for (uint32_t t = 11; t <= 20; ++t) {
            run.run_until(t);
            const auto& part = run.world().pop.column(column_handle<uint8_t>("participated"));
            for (size_t r = 0; r < times.size(); ++r)
                times[r] += part[r];
        }
        const World& w = run.world();
        const auto& years = w.pop.column(column_handle<float>("years_in_city"));
        double rate[2][2] = {}, n[2][2] = {};
        for (size_t r = 0; r < times.size(); ++r) {
            if (w.pop.language[r] < 0.4 || w.pop.language[r] > 0.8) {
                rate[0][w.pop.language[r] > 0.8] += times[r];
                n[0][w.pop.language[r] > 0.8] += 1;
            }
            if (years[r] < 2 || years[r] > 10) {
                rate[1][years[r] > 10] += times[r];
                n[1][years[r] > 10] += 1;
            }
        }
        for (auto& a : n)
            for (double v : a)
                REQUIRE(v > 200);
        const double low_lang = rate[0][0] / n[0][0], high_lang = rate[0][1] / n[0][1];
        const double new_res = rate[1][0] / n[1][0], settled = rate[1][1] / n[1][1];
        MESSAGE("steps taken part of 10: language < 0.4 "
                << low_lang << ", > 0.8 " << high_lang << "; years < 2 " << new_res << ", > 10 " << settled);
        CHECK(high_lang > 1.5 * low_lang);
        CHECK(settled > 1.3 * new_res);
    }

    TEST_CASE("participation: councils raise minorities' representation and institutional trust") {
        // The library's variant against the default city, same seeds, over
        // the last year of three (the council from step 52, participatory
        // budgeting from 104), on a 70 x 70 default city.
        double d_rep = 0, d_trust = 0;
        const int seeds = 4;
        for (uint64_t seed = 1; seed <= uint64_t(seeds); ++seed) {
            const Minorities base = minorities(load_default_scenario(small(seed, 156)), 26);
            const Minorities policy = minorities(
                load_scenario_file("scenarios/library/policy-participatory-councils.toml", small(seed, 156)),
                26);
            MESSAGE("seed " << seed << ": representation " << base.representation << " -> "
                            << policy.representation << ", institutional trust " << base.trust_institutional
                            << " -> " << policy.trust_institutional);
            CHECK(policy.representation > base.representation + 0.1);
            CHECK(policy.trust_institutional > base.trust_institutional + 0.02);
            d_rep += (policy.representation - base.representation) / seeds;
            d_trust += (policy.trust_institutional - base.trust_institutional) / seeds;
        }
        MESSAGE("mean over seeds: representation +" << d_rep << ", institutional trust +" << d_trust);
    }

    TEST_CASE("participation and trust: bit-identical on 1, 2 and 8 threads") {
        auto rows = [] {
            RunSession run(load_default_scenario(small(5, 12)));
            std::vector<double> out;
            for (uint32_t t = 1; t <= 12; ++t) {
                run.run_until(t);
                for (const auto& m : run.engine().mechanisms())
                    if (m->registered_name == "participation" || m->registered_name == "trust") {
                        std::vector<std::vector<double>> r;
                        m->report(run.world(), r);
                        for (const auto& row : r)
                            out.insert(out.end(), row.begin(), row.end());
                    }
            }
            return out;
        };
        std::vector<double> one, two, eight;
        oneapi::tbb::task_arena(1).execute([&] { one = rows(); });
        oneapi::tbb::task_arena(2).execute([&] { two = rows(); });
        oneapi::tbb::task_arena(8).execute([&] { eight = rows(); });
        REQUIRE(one.size() == two.size());
        REQUIRE(one.size() == eight.size());
        REQUIRE(one.size() > 12);
        bool same = true;
        for (size_t k = 0; k < one.size(); ++k)
            for (const auto* other : {&two, &eight})
                same = same && (one[k] == (*other)[k] || (std::isnan(one[k]) && std::isnan((*other)[k])));
        CHECK(same);
    }

    TEST_CASE("participation and trust: a run resumed from a checkpoint ends where the straight run ends") {
        const icsim::testing::TempDir dir("participation");
        const ScenarioConfig s = social_test::small_city_with_policy(
            "[[policies]]\nname = \"council\"\nlever = \"participatory_councils\"\nstart = 0\n"
            "intensity = 0.8\ngroups = [\"labour\", \"newcomers\"]\n",
            {"run.steps=12", "output.checkpoint_every=5"});
        const std::string straight = dir.file("straight.h5"), resumed = dir.file("resumed.h5");
        {
            RunSession run(s);
            run.open_output(output_to(straight));
            REQUIRE(run.run_until(run.steps()) == StopReason::Done);
            REQUIRE(run.finish().complete);
        }
        {
            RunSession run = RunSession::fork(s, straight, 5);
            run.open_output(output_to(resumed));
            REQUIRE(run.run_until(run.steps()) == StopReason::Done);
            REQUIRE(run.finish().complete);
        }
        const RunFile a(straight), b(resumed);
        REQUIRE(a.checkpoint_steps() == b.checkpoint_steps());
        const size_t last = a.checkpoint_steps().size() - 1;
        const Population pa = a.read_checkpoint(last).pop, pb = b.read_checkpoint(last).pop;
        for (const char* name : {"participated", "trust_generalised", "trust_institutional"}) {
            CAPTURE(name);
            CHECK(pa.column(column_handle<uint8_t>(name)) == pb.column(column_handle<uint8_t>(name)));
        }
        CHECK(pa.column(column_handle<float>("belonging")) == pb.column(column_handle<float>("belonging")));
        for (const char* path : {"/timeseries/participation_rate", "/timeseries/representation_ratio",
                                 "/timeseries/trust_generalised", "/timeseries/trust_institutional",
                                 "/timeseries/diversity_trust_correlation",
                                 "/neighbourhoods/participation_rate", "/neighbourhoods/trust_generalised"}) {
            CAPTURE(path);
            const auto va = a.read_series(path, 0, a.rows()), vb = b.read_series(path, 0, b.rows());
            REQUIRE(va.size() == vb.size());
            bool same = true, some = false;
            for (size_t k = 0; k < va.size(); ++k) {
                same = same && (va[k] == vb[k] || (std::isnan(va[k]) && std::isnan(vb[k])));
                some = some || (!std::isnan(va[k]) && va[k] != 0);
            }
            CHECK(same);
            CHECK(some);
        }
    }
}
