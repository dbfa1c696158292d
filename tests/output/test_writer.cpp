#include <doctest/doctest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <tuple>

#include <string>
#include <unistd.h>
#include <vector>

#include "output/h5.hpp"
#include "output/reader.hpp"
#include "output/report.hpp"
#include "output/writer.hpp"
#include "scenarios/loader.hpp"
#include "sim/metrics.hpp"

using namespace icsim;

namespace {

// A fresh file name in the temporary directory, removed at scope exit.
struct TempFile {
    std::filesystem::path path;
    explicit TempFile(const std::string& name) {
        static int counter = 0;
        path = std::filesystem::temp_directory_path() /
               ("icsim-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + "-" + name);
        std::filesystem::remove(path);
    }
    ~TempFile() {
        std::error_code ec;
        std::filesystem::remove(path, ec);
    }
    std::string str() const { return path.string(); }
};

ScenarioConfig small_scenario(int width, int height, bool torus = false) {
    return load_default_scenario(
        {"city.width=" + std::to_string(width), "city.height=" + std::to_string(height),
         std::string("city.torus=") + (torus ? "true" : "false"), "city.layout=voronoi"});
}

// Percent similar of the residents of neighbourhood h, counted resident by
// resident with Grid::for_window (the definition).
double hood_percent_similar_brute(const World& w, int h) {
    uint64_t same = 0, all = 0;
    for (size_t r = 0; r < w.pop.size(); ++r) {
        const CellId c = w.pop.cell[r];
        if (w.hoods.of_cell[c] != h)
            continue;
        w.grid.for_window(c, 1, [&](CellId n) {
            same += w.count(n, w.pop.group[r]);
            all += w.total[n];
        });
        same -= 1;
        all -= 1;
    }
    return all == 0 ? 0.0 : 100.0 * double(same) / double(all);
}

std::vector<std::string> counter_names(const Engine& e) {
    std::vector<std::string> out;
    for (const auto& c : e.counters())
        out.push_back(c.first);
    return out;
}

RunInfo info_of(const ScenarioConfig& s) {
    RunInfo info;
    info.icsim_version = "test";
    info.scenario_name = s.name;
    info.scenario_toml = s.resolved_toml;
    info.seed = s.seed;
    info.steps = s.steps;
    info.step_days = s.step_days;
    info.threads = 1;
    info.snapshot_every = 2;
    info.checkpoint_every = 3;
    return info;
}

} // namespace

TEST_SUITE("unit") {

    TEST_CASE("step_metrics: the same figures as sim/metrics.hpp and the brute-force definition") {
        for (const auto& c : std::vector<std::tuple<int, int, bool>>{
                 {40, 30, false}, {40, 30, true}, {3, 50, true}, {37, 5, false}}) {
            const auto [w0, h0, t0] = c;
            const int width = w0, height = h0;
            const bool torus = t0;
            const ScenarioConfig s = small_scenario(width, height, torus);
            Engine e = build_engine(s);
            for (int k = 0; k < 3; ++k)
                e.step();
            const World& w = e.world();
            const StepMetrics m = step_metrics(w);
            CAPTURE(width);
            CAPTURE(height);
            CAPTURE(torus);
            CHECK(m.percent_similar == percent_similar(w, 1));
            const UnitCounts hoods = counts_by_neighbourhood(w);
            CHECK(m.theil_h == theil_h(hoods));
            CHECK(m.population == double(w.pop.size()));
            for (int g = 0; g < w.group_total(); ++g) {
                CHECK(m.group_percent_similar[size_t(g)] == similar_counts(w, 1, g).percent());
                CHECK(m.isolation[size_t(g)] == isolation(hoods, g));
                CHECK(m.dissimilarity[size_t(g)] == (g == 0 ? 0.0 : dissimilarity(hoods, g, 0)));
            }
            for (int h = 0; h < w.hoods.count(); ++h)
                CHECK(m.hood_percent_similar[size_t(h)] == doctest::Approx(hood_percent_similar_brute(w, h)));
        }
    }

    TEST_CASE("output: the reader rejects missing and foreign and truncated and random files") {
        TempFile random("random.h5"), empty("empty.h5"), foreign("foreign.h5"), truncated("truncated.h5"),
            good("good.h5");
        {
            std::ofstream out(random.path, std::ios::binary);
            std::mt19937 gen(7);
            for (int k = 0; k < 20000; ++k)
                out.put(char(gen() & 0xff));
        }
        std::ofstream(empty.path).close();
        {
            h5::init();
            const hid_t f = H5Fcreate(foreign.str().c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
            REQUIRE(f >= 0);
            H5Fclose(f);
        }
        {
            const ScenarioConfig s = small_scenario(20, 20);
            Engine e = build_engine(s);
            RunWriter w(good.str(), false, info_of(s), e.world(), counter_names(e), 1024);
            w.step(0, e.world(), {}, e.policy());
            w.snapshot(0, e.world().pop);
            w.close(true);
            std::ifstream in(good.path, std::ios::binary);
            std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
            std::ofstream(truncated.path, std::ios::binary)
                .write(bytes.data(), std::streamsize(bytes.size() / 2));
        }
        CHECK_NOTHROW(RunFile(good.str()));
        CHECK_THROWS_WITH_AS(RunFile("/nonexistent/run.h5"), doctest::Contains("no such file"),
                             OutputFormatError);
        CHECK_THROWS_WITH_AS(RunFile(random.str()), doctest::Contains("not an HDF5 file"), OutputFormatError);
        CHECK_THROWS_WITH_AS(RunFile(empty.str()), doctest::Contains("not an HDF5 file"), OutputFormatError);
        CHECK_THROWS_WITH_AS(RunFile(truncated.str()), doctest::Contains("damaged"), OutputFormatError);
        CHECK_THROWS_WITH_AS(RunFile(foreign.str()), doctest::Contains("not an icsim output file"),
                             OutputFormatError);
    }

    TEST_CASE("output: an existing file is replaced only when asked") {
        TempFile f("exists.h5");
        std::ofstream(f.path) << "precious";
        const ScenarioConfig s = small_scenario(10, 10);
        Engine e = build_engine(s);
        CHECK_THROWS_AS(RunWriter(f.str(), false, info_of(s), e.world(), counter_names(e), 64), h5::Error);
        std::ifstream in(f.path);
        std::string text;
        in >> text;
        CHECK(text == "precious");
        RunWriter w(f.str(), true, info_of(s), e.world(), counter_names(e), 64);
        w.close(false);
        CHECK_FALSE(RunFile(f.str()).complete());
    }
}

TEST_SUITE("integration") {

    TEST_CASE("output: a run written and read back -- series and snapshots and checkpoints and deduplicated "
              "columns") {
        // 140 x 140 x 4 x 0.88 = 68,992 residents: two column chunks of
        // 65,536 rows per snapshot, the second padded.
        for (const int side : {24, 140}) {
            CAPTURE(side);
            TempFile f("run.h5");
            ScenarioConfig s = small_scenario(side, side);
            Engine e = build_engine(s);
            const uint64_t chunk = column_chunk_rows(e.world().pop.size());
            RunWriter w(f.str(), false, info_of(s), e.world(), counter_names(e), chunk);
            std::vector<StepMetrics> metrics = {step_metrics(e.world())};
            std::vector<Population> states = {e.world().pop};
            w.step(0, e.world(), {}, e.policy());
            w.snapshot(0, e.world().pop);
            for (uint32_t step = 1; step <= 6; ++step) {
                e.step();
                w.step(step, e.world(), e.counters(), e.policy());
                if (step % 2 == 0)
                    w.snapshot(step, e.world().pop);
                if (step % 3 == 0)
                    w.checkpoint(step, e.world().pop);
                metrics.push_back(step_metrics(e.world()));
                states.push_back(e.world().pop);
            }
            w.close(true);

            const RunFile r(f.str());
            CHECK(r.complete());
            CHECK(r.rows() == 7);
            CHECK(r.steps() == std::vector<int64_t>{0, 1, 2, 3, 4, 5, 6});
            CHECK(r.column_chunk_rows() == chunk);
            const auto ps = r.read_series("/timeseries/percent_similar", 0, 7);
            const auto iso = r.read_series("/timeseries/isolation", 0, 7);
            const auto hp = r.read_series("/neighbourhoods/population", 0, 7);
            const size_t G = size_t(e.world().group_total()), H = size_t(e.world().hoods.count());
            REQUIRE(iso.size() == 7 * G);
            REQUIRE(hp.size() == 7 * H);
            for (size_t k = 0; k < 7; ++k) {
                CHECK(ps[k] == metrics[k].percent_similar);
                for (size_t g = 0; g < G; ++g)
                    CHECK(iso[k * G + g] == metrics[k].isolation[g]);
                for (size_t h = 0; h < H; ++h)
                    CHECK(hp[k * H + h] == metrics[k].hood_population[h]);
            }
            const auto moves = r.read_series("/timeseries/moves", 0, 7);
            CHECK(moves[0] == 0);
            CHECK(r.snapshot_steps() == std::vector<int64_t>{0, 2, 4, 6});
            CHECK(r.checkpoint_steps() == std::vector<int64_t>{3, 6});
            for (size_t k = 0; k < 4; ++k) {
                const ResidentColumns c = r.read_snapshot(k);
                const Population& p = states[2 * k];
                CHECK(c.id.size() == p.size());
                CHECK(c.id.back() == p.size() - 1);
                CHECK(c.pop.cell == p.cell);
                CHECK(c.pop.group == p.group);
                CHECK(c.pop.tolerance == p.tolerance);
                CHECK(c.pop.prejudice == p.prejudice);
            }
            for (size_t k = 0; k < 2; ++k) {
                const ResidentColumns c = r.read_checkpoint(k);
                const Population& p = states[3 * (k + 1)];
                CHECK(c.pop.cell == p.cell);
                CHECK(c.pop.group == p.group);
                CHECK(c.pop.language == p.language);
                CHECK(c.pop.skill == p.skill);
            }
            // Unchanged columns are stored once; every entry starts on a chunk.
            const h5::Id tol = h5::open_dataset(r.file(), "/snapshots/offset/tolerance");
            CHECK(h5::read_rows<int64_t>(tol, 0, 4) == std::vector<int64_t>{0, 0, 0, 0});
            const h5::Id cell = h5::open_dataset(r.file(), "/snapshots/offset/cell");
            for (const int64_t o : h5::read_rows<int64_t>(cell, 0, 4))
                CHECK(uint64_t(o) % chunk == 0);
        }
    }

    TEST_CASE("output: an engine rebuilt from a checkpoint continues the run bit for bit") {
        const ScenarioConfig s = small_scenario(60, 60);
        Engine straight = build_engine(s);
        Engine first = build_engine(s);
        for (int k = 0; k < 4; ++k) {
            straight.step();
            first.step();
        }
        Engine resumed = build_engine(s, first.world().pop, 4);
        CHECK(resumed.steps_done() == 4);
        for (int k = 0; k < 6; ++k) {
            straight.step();
            resumed.step();
        }
        CHECK(resumed.world().pop.cell == straight.world().pop.cell);
        CHECK(resumed.world().group_count == straight.world().group_count);
        CHECK(step_metrics(resumed.world()).percent_similar ==
              step_metrics(straight.world()).percent_similar);
        // A state that does not fit the city is refused.
        Population bad = first.world().pop;
        bad.cell[0] = CellId(60 * 60);
        CHECK_THROWS_AS(build_engine(s, bad, 4), std::invalid_argument);
    }
}
