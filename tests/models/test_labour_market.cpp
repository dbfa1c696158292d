// The labour market (models/labour_market.cpp): the emergent callback and
// offer ratios against the field experiments it is calibrated to, the
// anti_discrimination lever, employability, and reproducibility on any
// thread count and after a fork from a checkpoint.
#include <doctest/doctest.h>

#include "tests/temp_dir.hpp"

#include <cmath>
#include <filesystem>
#include <string>
#include <unistd.h>
#include <vector>

#include <oneapi/tbb/task_arena.h>

#include "models/labour_market.hpp"
#include "models/registry.hpp"
#include "output/reader.hpp"
#include "scenarios/loader.hpp"
#include "session/session.hpp"

using namespace icsim;

namespace {

// The default city on a 70 x 70 grid (about 17,000 residents).
ScenarioConfig city(const std::string& policy_toml = "", const std::vector<std::string>& extra = {}) {
    std::vector<std::string> o = {"city.layout=voronoi", "city.width=70", "city.height=70"};
    o.insert(o.end(), extra.begin(), extra.end());
    return load_scenario_text(default_scenario_text() + "\n" + policy_toml, "labour-test.toml", o);
}

const Mechanism& labour(const Engine& e) {
    for (const auto& m : e.mechanisms())
        if (m->registered_name == "labour_market")
            return *m;
    FAIL("labour_market does not run");
    return *e.mechanisms().front();
}

struct Outcome {
    double callback_ratio = 0, offer_ratio = 0; // means over steps 11-steps
    std::vector<double> employment;             // per group, at the end
    double employment_gap = 0;                  // /timeseries/employment_gap at the end
    std::vector<double> rows;                   // every row of every step, for equality
    double employed_low = 0, employed_high = 0; // employment of the lowest / highest employability third
};

Outcome run(const ScenarioConfig& s, int steps) {
    Outcome out;
    Engine engine = build_engine(s);
    int n = 0;
    for (int k = 1; k <= steps; ++k) {
        engine.step();
        std::vector<std::vector<double>> rows;
        labour(engine).report(engine.world(), rows);
        REQUIRE(rows.size() == 5);
        for (const auto& r : rows)
            out.rows.insert(out.rows.end(), r.begin(), r.end());
        if (k > 10) {
            out.callback_ratio += rows[0][0];
            out.offer_ratio += rows[1][0];
            ++n;
        }
        if (k == steps) {
            out.employment = rows[2];
            out.employment_gap = rows[3][0];
        }
    }
    out.callback_ratio /= n;
    out.offer_ratio /= n;
    const World& w = engine.world();
    const auto& emp = w.pop.column(column_handle<uint8_t>("employed"));
    const LabourMarketParams p;
    double lo = 0, nlo = 0, hi = 0, nhi = 0, e2[2] = {}, f2[2] = {};
    for (size_t r = 0; r < w.pop.size(); ++r) {
        const uint32_t wp = w.pop.workplace[r];
        if (wp != kNoPlace && w.places[wp].kind == PlaceKind::School)
            continue;
        e2[w.pop.group[r] != 0] += emp[r];
        f2[w.pop.group[r] != 0] += 1;
        const double e = employability(p, w.pop.skill[r], w.pop.language[r]);
        if (e < 0.6) {
            lo += emp[r];
            nlo += 1;
        } else if (e > 0.85) {
            hi += emp[r];
            nhi += 1;
        }
    }
    // The gap: the majority's rate minus the minorities' pooled rate (not
    // the mean of their rates), over the labour force.
    REQUIRE(f2[0] > 0);
    REQUIRE(f2[1] > 0);
    CHECK(out.employment_gap == doctest::Approx(e2[0] / f2[0] - e2[1] / f2[1]).epsilon(1e-12));
    REQUIRE(nlo > 100);
    REQUIRE(nhi > 100);
    out.employed_low = lo / nlo;
    out.employed_high = hi / nhi;
    return out;
}

const char* kAntiDiscrimination = R"([[policies]]
name = "anonymous-recruitment"
lever = "anti_discrimination"
intensity = 1.0
)";

using icsim::testing::TempDir;

} // namespace

TEST_SUITE("unit") {
    TEST_CASE("labour_market: the standardised ratio compares applicants of equal employability") {
        double am[kEmployabilityBins] = {}, hm[kEmployabilityBins] = {}, an[kEmployabilityBins] = {},
               hn[kEmployabilityBins] = {};
        CHECK(std::isnan(standardised_ratio(am, hm, an, hn)));
        // Majority applicants all in a high bin with a high rate, minority
        // ones mostly in a low bin: equal treatment within bins gives 1,
        // though the raw rates differ by far more.
        am[2] = 10, hm[2] = 1, am[8] = 1000, hm[8] = 400;
        an[2] = 1000, hn[2] = 100, an[8] = 10, hn[8] = 4;
        CHECK(standardised_ratio(am, hm, an, hn) == doctest::Approx(1.0));
        hn[2] = 50, hn[8] = 2; // half the rate in every bin
        CHECK(standardised_ratio(am, hm, an, hn) == doctest::Approx(2.0));
    }
}

TEST_SUITE("integration") {
    TEST_CASE("labour_market: callback ratio in the field-experiment band, offers more unequal, lever") {
        const Outcome base = run(city(), 40);
        MESSAGE("callback ratio " << base.callback_ratio << ", offer ratio " << base.offer_ratio);
        // Quillian et al. 2017: 1.36; Quillian et al. 2019: 1.25-2.0.
        CHECK(base.callback_ratio >= 1.25);
        CHECK(base.callback_ratio <= 2.0);
        CHECK(base.callback_ratio == doctest::Approx(1.4).epsilon(0.07));
        // Quillian, Lee & Oliver 2018: offers diverge more than callbacks.
        CHECK(base.offer_ratio > base.callback_ratio + 0.2);
        // Skill and language raise employment; the majority leads.
        CHECK(base.employed_high > base.employed_low + 0.05);
        REQUIRE(base.employment.size() == 4);
        CHECK(base.employment[0] > base.employment[3]);

        const Outcome policy = run(city(kAntiDiscrimination), 40);
        MESSAGE("with anti_discrimination at 1: callback ratio " << policy.callback_ratio << ", offer ratio "
                                                                 << policy.offer_ratio);
        CHECK(policy.callback_ratio < base.callback_ratio - 0.15);
        CHECK(policy.callback_ratio == doctest::Approx(1.0).epsilon(0.1));
        CHECK(policy.offer_ratio < base.offer_ratio - 0.3);
    }

    TEST_CASE("labour_market: bit-identical on 1 and 2 threads") {
        std::vector<double> one, two;
        oneapi::tbb::task_arena(1).execute([&] { one = run(city(), 15).rows; });
        oneapi::tbb::task_arena(2).execute([&] { two = run(city(), 15).rows; });
        REQUIRE(one.size() == two.size());
        bool same = true;
        for (size_t k = 0; k < one.size(); ++k)
            same = same && (one[k] == two[k] || (std::isnan(one[k]) && std::isnan(two[k])));
        CHECK(same);
    }

    TEST_CASE("labour_market: a fork from a checkpoint continues the straight run") {
        const TempDir dir("labour");
        const auto s = city("", {"run.steps=12", "output.checkpoint_every=6"});
        const std::string straight = dir.file("straight.h5"), forked = dir.file("forked.h5");
        {
            RunSession run(s);
            run.open_output(output_to(straight));
            REQUIRE(run.run_until(run.steps()) == StopReason::Done);
            REQUIRE(run.finish().complete);
        }
        {
            RunSession run = RunSession::fork(s, straight, 6);
            run.open_output(output_to(forked));
            REQUIRE(run.run_until(run.steps()) == StopReason::Done);
            REQUIRE(run.finish().complete);
        }
        const RunFile a(straight), b(forked);
        for (const char* path : {"/timeseries/callback_ratio", "/timeseries/offer_ratio",
                                 "/timeseries/employment_rate", "/neighbourhoods/employment_rate"}) {
            const auto x = a.read_series(path, 7, a.rows() - 7), y = b.read_series(path, 7, b.rows() - 7);
            REQUIRE(x.size() == y.size());
            REQUIRE(!x.empty());
            bool same = true;
            for (size_t k = 0; k < x.size(); ++k)
                same = same && x[k] == y[k];
            CHECK_MESSAGE(same, path);
        }
        const Population pa = a.read_checkpoint(a.checkpoint_steps().size() - 1).pop;
        const Population pb = b.read_checkpoint(b.checkpoint_steps().size() - 1).pop;
        const auto h = column_handle<uint8_t>("employed");
        CHECK(pa.column(h) == pb.column(h));
        CHECK(pa.workplace == pb.workplace);
    }
}
