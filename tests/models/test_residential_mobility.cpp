// Residential mobility: invariants and bit-identical results on any thread count.
#include <cstring>
#include <doctest/doctest.h>

#include <oneapi/tbb/task_arena.h>

#include "models/residential_mobility.hpp"
#include "output/report.hpp"
#include "scenarios/loader.hpp"
#include "sim/metrics.hpp"

using namespace icsim;

namespace {

struct RunResult {
    std::vector<CellId> cells;
    NamedValues metrics;
    double moves = 0;
};

RunResult run_default(const std::vector<std::string>& overrides, uint32_t steps, int threads) {
    RunResult out;
    oneapi::tbb::task_arena arena(threads);
    arena.execute([&] {
        ScenarioConfig s = load_default_scenario(overrides);
        Engine engine = build_engine(s);
        for (uint32_t k = 0; k < steps; ++k) {
            engine.step();
            for (const auto& [name, value] : engine.counters())
                if (name == "moves")
                    out.moves += value;
        }
        out.cells = engine.world().pop.cell;
        out.metrics = city_metrics(engine.world());
    });
    return out;
}

} // namespace

TEST_SUITE("unit") {
    TEST_CASE("mobility window sums equal the sums over Grid::for_window on bounded and torus grids") {
        // Small grids, bounded and wrapped, radii up to wider than the grid
        // (a torus window then covers each row or column once).
        size_t cases = 0;
        for (const auto& size : {std::pair{6, 6}, std::pair{5, 9}, std::pair{12, 4}})
            for (const bool torus : {false, true})
                for (const int radius : {1, 2, 3, 5}) {
                    const int wd = size.first, ht = size.second;
                    CAPTURE(wd);
                    CAPTURE(ht);
                    CAPTURE(torus);
                    CAPTURE(radius);
                    const Engine engine = build_engine(
                        load_default_scenario({"city.layout=voronoi", "city.width=" + std::to_string(wd),
                                               "city.height=" + std::to_string(ht)}));
                    World w = engine.world();
                    w.grid.torus = torus;
                    std::vector<uint32_t> grp, tot;
                    window_counts(w, radius, grp, tot);
                    const size_t G = w.groups.size();
                    REQUIRE(grp.size() == size_t(w.grid.cells()) * G);
                    REQUIRE(tot.size() == size_t(w.grid.cells()));
                    size_t wrong = 0;
                    for (CellId c = 0; c < CellId(w.grid.cells()); ++c) {
                        std::vector<uint32_t> g(G, 0);
                        uint32_t t = 0;
                        w.grid.for_window(c, radius, [&](CellId n) {
                            t += w.total[n];
                            for (size_t k = 0; k < G; ++k)
                                g[k] += w.count(n, int(k));
                        });
                        wrong += t != tot[c];
                        for (size_t k = 0; k < G; ++k)
                            wrong += g[k] != grp[c * G + k];
                    }
                    CHECK(wrong == 0);
                    ++cases;
                }
        CHECK(cases == 24);
    }
}

TEST_SUITE("integration") {
    TEST_CASE("residential mobility is bit-identical on 1 / 2 and 8 threads") {
        // A smaller city with a torus and radius 2 exercises wrapping windows;
        // a high move probability gives many conflicting proposals per step.
        const std::vector<std::string> o = {"city.layout=voronoi",
                                            "city.width=60",
                                            "city.height=50",
                                            "city.torus=true",
                                            "mechanisms.residential_mobility.radius=2",
                                            "mechanisms.residential_mobility.move_probability=0.8"};
        const RunResult one = run_default(o, 40, 1);
        REQUIRE(one.moves > 1000); // the test means something only if many residents moved
        for (int threads : {2, 8}) {
            CAPTURE(threads);
            const RunResult many = run_default(o, 40, threads);
            CHECK(many.cells == one.cells);
            REQUIRE(many.metrics.size() == one.metrics.size());
            for (size_t k = 0; k < one.metrics.size(); ++k) {
                CAPTURE(one.metrics[k].first);
                // Bit-for-bit, not approximately.
                CHECK(std::memcmp(&many.metrics[k].second, &one.metrics[k].second, sizeof(double)) == 0);
            }
            CHECK(many.moves == one.moves);
        }
    }

    TEST_CASE("residential mobility conserves residents and respects capacity") {
        ScenarioConfig s = load_default_scenario(
            {"city.layout=voronoi", "city.width=40", "city.height=40", "city.occupancy=0.95"});
        Engine engine = build_engine(s);
        const size_t n = engine.world().pop.size();
        std::vector<size_t> per_group(engine.world().groups.size());
        for (uint8_t g : engine.world().pop.group)
            ++per_group[g];
        for (int k = 0; k < 30; ++k)
            engine.step();
        const World& w = engine.world();
        CHECK(w.pop.size() == n);
        std::vector<size_t> after(w.groups.size());
        for (uint8_t g : w.pop.group)
            ++after[g];
        CHECK(after == per_group);
        World recounted = w;
        recounted.recount();
        CHECK(recounted.total == w.total);
        CHECK(recounted.group_count == w.group_count);
        for (uint16_t t : w.total)
            CHECK(t <= w.grid.capacity);
    }

    TEST_CASE("with zero tolerance nobody moves") {
        // The classic rule: with the housing market's hostility a resident
        // of tolerance 0 can still be dissatisfied.
        std::vector<std::string> o = {"city.layout=voronoi", "city.width=50", "city.height=50",
                                      "mechanisms.residential_mobility.housing=false"};
        for (const char* g : {"majority", "established", "labour", "newcomers"})
            o.push_back(std::string("groups.") + g + ".tolerance.mean=0");
        ScenarioConfig s = load_default_scenario(o);
        Engine engine = build_engine(s);
        const auto before = engine.world().pop.cell;
        for (int k = 0; k < 20; ++k)
            engine.step();
        CHECK(engine.world().pop.cell == before);
    }

    TEST_CASE("intolerance raises the share of similar neighbours") {
        const RunResult r = run_default({"city.layout=voronoi", "city.width=60", "city.height=60"}, 200, 2);
        ScenarioConfig s = load_default_scenario({"city.layout=voronoi", "city.width=60", "city.height=60"});
        const double start = percent_similar(build_world(s.city, s.seed), 1);
        const double end = r.metrics.front().second; // percent_similar comes first
        CHECK(r.metrics.front().first == "percent_similar");
        CHECK(end > start + 5.0);
    }
}

TEST_SUITE("unit") {
    TEST_CASE("mobility parameters are validated with the key named") {
        CHECK_THROWS_WITH_AS(
            load_default_scenario({"mechanisms.residential_mobility.radius=0"}),
            "--set: mechanisms.residential_mobility.radius: expected an integer in [1, 10], found "
            "the integer 0",
            ScenarioError);
        CHECK_THROWS_WITH_AS(
            load_default_scenario({"mechanisms.residential_mobility.raduis=2"}),
            "--set: mechanisms.residential_mobility.raduis: unknown key (did you mean 'radius'?); "
            "'icsim check --explain mechanisms.residential_mobility' lists the keys",
            ScenarioError);
    }
}
