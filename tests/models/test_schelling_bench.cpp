// Tests for models/classic/schelling_bench.cpp: the cross-framework Schelling
// benchmark (sequential rule 0 and synchronous parallel rule 1).
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <set>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/task_arena.h>

#include "models/classic/classic.hpp"
#include "models/classic/schelling_bench.hpp"

using namespace icsim;

namespace {

SchellingBenchParams params(int width, int agents, int radius, int min_to_be_happy, int steps, int rule) {
    SchellingBenchParams p;
    p.width = width;
    p.agents = agents;
    p.radius = radius;
    p.min_to_be_happy = min_to_be_happy;
    p.steps = steps;
    p.rule = rule;
    return p;
}

double metric(const MetricValues& m, const char* name) {
    for (const auto& [k, v] : m)
        if (k == name)
            return v;
    FAIL("no metric " << name);
    return 0;
}

// Every agent on a distinct cell of the grid, the empty list holding exactly
// the other cells, and the groups split floor(K/2) / rest.
void check_conserved(const SchellingBench& m) {
    const SchellingBenchParams& p = m.params();
    const uint32_t cells = uint32_t(p.width * p.width);
    REQUIRE(m.agent_count() == uint32_t(p.agents));
    std::vector<int> seen(cells, 0);
    int group1 = 0;
    for (uint32_t a = 0; a < m.agent_count(); ++a) {
        const uint32_t c = m.agent_cell(a);
        REQUIRE(c < cells);
        ++seen[c];
        group1 += m.agent_group(a);
        REQUIRE(m.agent_group(a) == int(a >= uint32_t(p.agents) / 2));
    }
    CHECK(group1 == p.agents - p.agents / 2);
    const std::vector<uint32_t> empty = m.empty_cells();
    CHECK(empty.size() == cells - uint32_t(p.agents));
    for (const uint32_t c : empty) {
        REQUIRE(c < cells);
        ++seen[c];
    }
    // Each cell exactly once: one agent, or listed as empty.
    for (uint32_t c = 0; c < cells; ++c)
        REQUIRE(seen[c] == 1);
}

// Neighbour counts recounted from scratch (finite grid, Chebyshev radius r,
// the agent itself excluded) must equal the model's maintained counts.
void check_counts(const SchellingBench& m) {
    const SchellingBenchParams& p = m.params();
    const int w = p.width, r = p.radius;
    std::vector<int> group_at(size_t(w) * size_t(w), -1);
    for (uint32_t a = 0; a < m.agent_count(); ++a)
        group_at[m.agent_cell(a)] = m.agent_group(a);
    for (uint32_t a = 0; a < m.agent_count(); ++a) {
        const int x = int(m.agent_cell(a)) % w, y = int(m.agent_cell(a)) / w, g = m.agent_group(a);
        int same = 0, all = 0;
        for (int yy = std::max(0, y - r); yy <= std::min(w - 1, y + r); ++yy)
            for (int xx = std::max(0, x - r); xx <= std::min(w - 1, x + r); ++xx) {
                if (xx == x && yy == y)
                    continue;
                const int h = group_at[size_t(yy) * size_t(w) + size_t(xx)];
                all += h >= 0;
                same += h == g;
            }
        REQUIRE(m.same_neighbours(a) == same);
        REQUIRE(m.all_neighbours(a) == all);
    }
}

void run_steps(SchellingBench& m, int steps) {
    for (int t = 0; t < steps; ++t)
        if (!m.step())
            break;
}

struct Snapshot {
    std::vector<uint32_t> cells, empty;
    MetricValues metrics;
    bool operator==(const Snapshot& o) const {
        if (cells != o.cells || empty != o.empty || metrics.size() != o.metrics.size())
            return false;
        for (size_t k = 0; k < metrics.size(); ++k) // bit for bit
            if (metrics[k].first != o.metrics[k].first ||
                std::memcmp(&metrics[k].second, &o.metrics[k].second, sizeof(double)) != 0)
                return false;
        return true;
    }
};

Snapshot snapshot(const SchellingBench& m) {
    Snapshot s;
    for (uint32_t a = 0; a < m.agent_count(); ++a)
        s.cells.push_back(m.agent_cell(a));
    s.empty = m.empty_cells();
    s.metrics = m.metrics();
    return s;
}

Snapshot run_on_threads(const SchellingBenchParams& p, uint64_t seed, int threads) {
    Snapshot s;
    oneapi::tbb::task_arena arena(threads);
    arena.execute([&] {
        SchellingBench m(p, seed);
        run_steps(m, p.steps);
        s = snapshot(m);
    });
    return s;
}

} // namespace

TEST_SUITE("unit") {

    TEST_CASE("schelling-bench: parameters are validated and agents < width^2") {
        CHECK(make_schelling_bench_params({}).agents == 8000);
        CHECK_THROWS_AS(make_schelling_bench_params({{"width", 10}, {"agents", 100}}), ParamError);
        CHECK_NOTHROW(make_schelling_bench_params({{"width", 10}, {"agents", 99}}));
        CHECK_THROWS_AS(make_schelling_bench_params({{"radius", 8}}), ParamError);
        CHECK_THROWS_AS(make_schelling_bench_params({{"rule", 2}}), ParamError);
        CHECK_THROWS_AS(make_schelling_bench_params({{"radious", 2}}), ParamError);
        const ClassicModel* model = find_classic("schelling-bench");
        REQUIRE(model != nullptr);
        CHECK_THROWS_AS(model->prepare({{"agents", 1e9}}), ParamError);
        const MetricValues m = model->prepare({{"width", 20}, {"agents", 300}, {"steps", 3}})(7);
        REQUIRE(m.size() == 4);
        CHECK(m[0].first == "percent_similar");
        CHECK(m[1].first == "ticks");
        CHECK(m[2].first == "percent_happy");
        CHECK(m[3].first == "moves");
    }

    TEST_CASE("schelling-bench: placement puts an agent on each cell equally often") {
        // 3 x 3 grid, 2 agents: agent 0's cell over 9000 seeds, chi-square with
        // 8 degrees of freedom (99.9 % quantile 26.1).
        const SchellingBenchParams p = params(3, 2, 1, 0, 0, 0);
        std::vector<double> hits(9, 0);
        for (uint64_t s = 0; s < 9000; ++s)
            hits[SchellingBench(p, s).agent_cell(0)] += 1;
        double chi2 = 0;
        for (const double h : hits)
            chi2 += (h - 1000) * (h - 1000) / 1000;
        CHECK(chi2 < 26.1);
    }

    TEST_CASE("schelling-bench: agents are conserved and never share a cell") {
        for (const int rule : {0, 1})
            for (const int radius : {1, 2}) {
                CAPTURE(rule);
                CAPTURE(radius);
                SchellingBench m(params(30, 700, radius, 5, 30, rule), 11);
                check_conserved(m);
                for (int t = 0; t < 30; ++t) {
                    m.step();
                    check_conserved(m);
                }
                CHECK(m.moves() > 0);
            }
    }

    TEST_CASE("schelling-bench: maintained neighbour counts equal a full recount after many steps") {
        // Radii 4..7 exercise the two-word row updates; min_to_be_happy above
        // what most agents reach keeps many moving each step.
        for (const int rule : {0, 1})
            for (const int radius : {1, 2, 3, 4, 7}) {
                CAPTURE(rule);
                CAPTURE(radius);
                const int min_to_be_happy = (2 * radius + 1) * (2 * radius + 1) / 3;
                SchellingBench m(params(23, 350, radius, min_to_be_happy, 40, rule), 5);
                check_counts(m);
                run_steps(m, 40);
                CHECK(m.moves() > 500);
                check_counts(m);
                check_conserved(m);
            }
    }

    TEST_CASE("schelling-bench: min_to_be_happy = 0 means nobody moves") {
        for (const int rule : {0, 1}) {
            CAPTURE(rule);
            SchellingBench m(params(40, 1000, 1, 0, 20, rule), 3);
            const Snapshot before = snapshot(m);
            CHECK(m.all_happy());
            CHECK_FALSE(m.step());
            CHECK(m.moves() == 0);
            CHECK(m.ticks() == 0);
            CHECK(snapshot(m).cells == before.cells);
            CHECK(m.percent_happy() == 100.0);
        }
    }

    TEST_CASE("schelling-bench: initial percent_similar of a 50/50 random grid is about 50") {
        for (const uint64_t seed : {1, 2, 3}) {
            SchellingBench m(params(100, 8000, 2, 8, 0, 0), seed);
            CHECK(m.percent_similar() == doctest::Approx(50.0).epsilon(0.02));
            CHECK(m.ticks() == 0);
        }
        // A few steps segregate the grid (the benchmark's large case reaches ~80 %).
        SchellingBench m(params(100, 8000, 2, 8, 20, 0), 1);
        run_steps(m, 20);
        CHECK(m.percent_similar() > 70.0);
    }

    TEST_CASE("schelling-bench: the same seed gives the same result and another seed another") {
        for (const int rule : {0, 1}) {
            CAPTURE(rule);
            const SchellingBenchParams p = params(40, 1000, 1, 3, 20, rule);
            SchellingBench a(p, 9), b(p, 9), c(p, 10);
            run_steps(a, 20);
            run_steps(b, 20);
            run_steps(c, 20);
            CHECK(snapshot(a) == snapshot(b));
            CHECK_FALSE(snapshot(a) == snapshot(c));
            const MetricValues r1 = run_schelling_bench(p, 9);
            CHECK(metric(r1, "moves") == double(a.moves()));
            CHECK(metric(r1, "ticks") == double(a.ticks()));
        }
    }

    TEST_CASE("schelling-bench: the run stops once every agent is happy and says when") {
        // Sparse grid, modest demand: settles within a few steps.
        for (const int rule : {0, 1}) {
            CAPTURE(rule);
            SchellingBench m(params(30, 300, 1, 1, 1000, rule), 4);
            run_steps(m, 1000);
            CHECK(m.ticks() < 1000);
            CHECK(m.ticks() > 0);
            CHECK(m.all_happy());
            CHECK(m.percent_happy() == 100.0);
            const Snapshot done = snapshot(m);
            CHECK_FALSE(m.step());
            CHECK(snapshot(m) == done);
        }
    }

    TEST_CASE("schelling-bench: happy flags record the last activation") {
        // Rule 1: every agent is activated each step from the same state, so
        // after a step the flag says whether it was happy at the start.
        SchellingBench m(params(40, 1200, 1, 4, 1, 1), 8);
        std::vector<bool> happy_at_start;
        for (uint32_t a = 0; a < m.agent_count(); ++a)
            happy_at_start.push_back(m.same_neighbours(a) >= 4);
        REQUIRE(m.step());
        for (uint32_t a = 0; a < m.agent_count(); ++a)
            REQUIRE(m.agent_happy_flag(a) == happy_at_start[a]);
    }
}

TEST_SUITE("integration") {

    TEST_CASE("schelling-bench: the synchronous rule is bit-identical on 1 and 2 and 8 threads") {
        // 40,000 agents = 10 blocks of decisions, so 2 and 8 threads really split
        // the work (8 threads oversubscribe a small machine: allowed here).
        const oneapi::tbb::global_control allow(oneapi::tbb::global_control::max_allowed_parallelism, 8);
        const SchellingBenchParams p = params(240, 40000, 1, 3, 15, 1);
        const Snapshot one = run_on_threads(p, 21, 1);
        CHECK(metric(one.metrics, "moves") > 1000);
        CHECK(run_on_threads(p, 21, 2) == one);
        CHECK(run_on_threads(p, 21, 8) == one);
    }

    TEST_CASE("schelling-bench: both rules segregate the benchmark's small case") {
        for (const int rule : {0, 1}) {
            CAPTURE(rule);
            const MetricValues m = run_schelling_bench(params(40, 1000, 1, 3, 20, rule), 42);
            CHECK(metric(m, "percent_similar") > 70.0);
            CHECK(metric(m, "percent_happy") > 95.0);
            CHECK(metric(m, "ticks") >= 1);
        }
    }
}
