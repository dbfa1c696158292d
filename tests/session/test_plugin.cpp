// A mechanism is a plug-in: one defined here, with a resident column and two
// series, registered with one line, runs in a city; its column is found in
// the checkpoints and snapshots of the HDF5 file, its series in /timeseries
// and /neighbourhoods, and a run forked from a checkpoint continues it (the
// column is part of the saved state).
#include <doctest/doctest.h>

#include "tests/temp_dir.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <string>
#include <unistd.h>
#include <vector>

#include "models/registry.hpp"
#include "output/reader.hpp"
#include "output/schema.hpp"
#include "scenarios/loader.hpp"
#include "session/session.hpp"

using namespace icsim;

namespace {

// Counts, per resident, the steps in which its prejudice was above a
// threshold: state that only the mechanism's own column carries from one
// step to the next.
class Tally final : public Mechanism {
public:
    explicit Tally(double threshold) : threshold_(threshold), tally_(column_handle<float>("test_tally")) {}
    void step(World& w, const StepContext&) override {
        auto& t = w.pop.column(tally_);
        for (size_t r = 0; r < w.pop.size(); ++r)
            t[r] += w.pop.prejudice[r] > threshold_ ? 1.0f : 0.0f;
    }
    void report(const World& w, std::vector<std::vector<double>>& rows) const override {
        const auto& t = w.pop.column(tally_);
        double sum = 0;
        std::vector<double> hood(size_t(w.hoods.count()), 0.0), n(hood.size(), 0.0);
        for (size_t r = 0; r < w.pop.size(); ++r) {
            sum += t[r];
            hood[w.hood[r]] += t[r];
            n[w.hood[r]] += 1;
        }
        for (size_t h = 0; h < hood.size(); ++h)
            hood[h] = n[h] > 0 ? hood[h] / n[h] : double(NAN);
        rows.push_back({w.pop.size() > 0 ? sum / double(w.pop.size()) : double(NAN)});
        rows.push_back(hood);
    }

private:
    double threshold_;
    ColumnHandle<float> tally_;
};

struct TallyParams {
    double threshold = 0.3;
};

const std::vector<Field<TallyParams>>& tally_fields() {
    static const std::vector<Field<TallyParams>> f = {
        {"threshold", &TallyParams::threshold, 0, 1, "1", "prejudice above which a step is counted"},
    };
    return f;
}

MechanismEntry tally_entry() {
    MechanismEntry e = make_mechanism_entry<TallyParams>(
        "test_tally", "a test mechanism: counts steps of high prejudice", &tally_fields,
        [](const TallyParams& p, const World&) -> std::unique_ptr<Mechanism> {
            return std::make_unique<Tally>(p.threshold);
        });
    e.columns = {{"test_tally", ColumnType::F32, 0.0, "steps", "steps with prejudice above the threshold",
                  true, true}};
    e.series = {{"/timeseries/test_tally_mean", Dims::Step, "steps", "mean of test_tally"},
                {"/neighbourhoods/test_tally", Dims::StepNeighbourhood, "steps",
                 "mean of test_tally per neighbourhood"}};
    return e;
}

using icsim::testing::TempDir;

ScenarioConfig city(bool with_tally) {
    ScenarioConfig s =
        load_default_scenario({"city.width=30", "city.height=30", "city.layout=voronoi", "run.steps=9",
                               "output.snapshot_every=3", "output.checkpoint_every=4"});
    // (A registered mechanism joins the default mechanisms.order, so the
    // default scenario lists it already; placed here explicitly.)
    std::erase_if(s.mechanisms, [](const MechanismConfig& m) { return m.name == "test_tally"; });
    if (with_tally)
        s.mechanisms.push_back({"test_tally", {{"threshold", 0.3}}});
    return s;
}

const SeriesDesc* find_series(const std::vector<SeriesDesc>& all, const std::string& path) {
    for (const auto& s : all)
        if (s.path == path)
            return &s;
    return nullptr;
}

} // namespace

TEST_SUITE("integration") {
    TEST_CASE("plug-in: a mechanism defined in a test, registered with one line, is stored and restored") {
        const TempDir dir("plugin");
        const ScopedMechanism registered(tally_entry()); // the one line

        // The declarations reach the schema the writer and reader use.
        const auto cps = schema::checkpoint_columns(), snaps = schema::snapshot_columns();
        auto named = [](const std::vector<schema::ColumnInfo>& c) {
            return std::any_of(c.begin(), c.end(), [](const schema::ColumnInfo& i) {
                return std::string(i.name) == "test_tally";
            });
        };
        CHECK(named(cps));
        CHECK(named(snaps));

        const std::string path = dir.file("tally.h5");
        {
            RunSession run(city(true));
            run.open_output(output_to(path));
            REQUIRE(run.run_until(run.steps()) == StopReason::Done);
            REQUIRE(run.finish().complete);
        }
        const RunFile f(path);
        const auto series = f.series();
        const SeriesDesc* mean = find_series(series, "/timeseries/test_tally_mean");
        const SeriesDesc* hood = find_series(series, "/neighbourhoods/test_tally");
        REQUIRE(mean != nullptr);
        REQUIRE(hood != nullptr);
        CHECK(hood->columns.size() == f.neighbourhood_names().size());
        const auto m = f.read_series(mean->path, 0, f.rows());
        REQUIRE(m.size() == 10);
        CHECK(m[0] == 0.0);
        CHECK(m[9] > m[4]);
        for (size_t k = 1; k < m.size(); ++k)
            CHECK(m[k] >= m[k - 1]); // a tally only grows

        // The column in the last snapshot (step 9) and checkpoint (step 8):
        // the per-resident counts whose mean is the series.
        REQUIRE(f.snapshot_steps().back() == 9);
        REQUIRE(f.checkpoint_steps().back() == 8);
        const auto handle = column_handle<float>("test_tally");
        const Population snap = f.read_snapshot(f.snapshot_steps().size() - 1).pop;
        const auto& t = snap.column(handle);
        REQUIRE(t.size() == snap.size());
        double sum = 0;
        for (float v : t) {
            CHECK(v >= 0.0f);
            CHECK(v <= 9.0f);
            sum += v;
        }
        CHECK(sum / double(t.size()) == doctest::Approx(m[9]).epsilon(1e-12));
        const Population cp = f.read_checkpoint(f.checkpoint_steps().size() - 1).pop;
        CHECK(*std::max_element(cp.column(handle).begin(), cp.column(handle).end()) <= 8.0f);

        // A fork from the checkpoint at step 8 restores the column and
        // ends where the straight run ends.
        const std::string forked = dir.file("forked.h5");
        {
            RunSession run = RunSession::fork(city(true), path, 8);
            run.open_output(output_to(forked));
            REQUIRE(run.run_until(run.steps()) == StopReason::Done);
            REQUIRE(run.finish().complete);
        }
        const RunFile g(forked);
        CHECK(g.read_series(mean->path, 0, g.rows()) == m);

        // A run without the mechanism has its series as NaN.
        const std::string without = dir.file("without.h5");
        {
            RunSession run(city(false));
            run.open_output(output_to(without));
            REQUIRE(run.run_until(run.steps()) == StopReason::Done);
            REQUIRE(run.finish().complete);
        }
        const RunFile h(without);
        for (double v : h.read_series(mean->path, 0, h.rows()))
            CHECK(std::isnan(v));
    }

    TEST_CASE("plug-in: the registry is left as it was") {
        CHECK(find_mechanism("test_tally") == nullptr);
        for (const auto& c : schema::checkpoint_columns())
            CHECK(std::string(c.name) != "test_tally");
    }
}
