// The pillar indices (models/pillars.cpp, docs/model/pillars.md): the
// mappings of the components to 0-100, the participation pillar from the
// participation and trust columns (declared here by a test mechanism with
// known values, before the mechanisms that will own them), and components
// leaving out what a run lacks.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "models/pillars.hpp"
#include "models/registry.hpp"
#include "output/report.hpp"
#include "output/schema.hpp"
#include "scenarios/loader.hpp"
#include "session/session.hpp"

using namespace icsim;

namespace {

// Sets `participated` to 1 for every majority resident and for minority
// residents of even id, `trust_institutional` to 0.6 and `trust_generalised`
// to 0.5: values whose indices the test computes by hand. The columns are
// declared as the participation and trust mechanisms declare them (uint8;
// trust quantised, 255 = 1), so the test shares them once those land.
class KnownInputs final : public Mechanism {
public:
    KnownInputs()
        : part_(column_handle<uint8_t>("participated")),
          trust_(column_handle<uint8_t>("trust_institutional")),
          general_(column_handle<uint8_t>("trust_generalised")) {}
    void step(World& w, const StepContext&) override {
        auto& p = w.pop.column(part_);
        auto& t = w.pop.column(trust_);
        auto& g = w.pop.column(general_);
        for (size_t r = 0; r < w.pop.size(); ++r) {
            p[r] = w.pop.group[r] == 0 || r % 2 == 0;
            t[r] = 153; // 0.6 x 255
            g[r] = 128;
        }
    }

private:
    ColumnHandle<uint8_t> part_, trust_, general_;
};

struct NoParams {};
const std::vector<Field<NoParams>>& no_fields() {
    static const std::vector<Field<NoParams>> f;
    return f;
}

MechanismEntry known_inputs_entry() {
    MechanismEntry e = make_mechanism_entry<NoParams>(
        "test_known_inputs", "a test mechanism: participation and trust columns of known values", &no_fields,
        [](const NoParams&, const World&) -> std::unique_ptr<Mechanism> {
            return std::make_unique<KnownInputs>();
        });
    e.columns = {{"participated", ColumnType::U8, 0.0, "", "1 = took part this step", true, false},
                 {"trust_institutional", ColumnType::U8, 128, "1/255", "institutional trust", true, false},
                 {"trust_generalised", ColumnType::U8, 128, "1/255", "generalised trust", true, false}};
    return e;
}

ScenarioConfig small_city(bool with_inputs, bool with_labour = true) {
    ScenarioConfig s =
        load_default_scenario({"city.width=40", "city.height=40", "city.layout=voronoi", "run.steps=4"});
    std::erase_if(s.mechanisms, [&](const MechanismConfig& m) {
        return m.name == "test_known_inputs" || (!with_labour && m.name == "labour_market");
    });
    if (with_inputs)
        s.mechanisms.push_back({"test_known_inputs", {}});
    return s;
}

// Steps a run to its end and returns its rows by path.
struct Rows {
    std::vector<schema::SeriesInfo> table;
    std::vector<std::vector<double>> rows;
    const std::vector<double>& at(const std::string& path) const {
        for (size_t k = 0; k < table.size(); ++k)
            if (table[k].path == path)
                return rows[k];
        FAIL("no series " << path);
        return rows.front();
    }
};

Rows run_rows(RunSession& run) {
    run.run_until(run.steps());
    return {schema::series_table(),
            series_rows(run.world(), run.engine().policy(), run.steps(), 7, &run.engine().mechanisms())};
}

bool declared(const std::string& name) {
    const auto& c = declared_columns();
    return std::any_of(c.begin(), c.end(), [&](const ColumnDecl& d) { return d.name == name; });
}

} // namespace

TEST_SUITE("integration") {
    TEST_CASE("pillars: the fixed mappings score parity 100 and the bound 0") {
        CHECK(gap_score(0, 0.3) == 100);
        CHECK(gap_score(-0.1, 0.3) == 100); // a gap in the minorities' favour scores as parity
        CHECK(gap_score(0.15, 0.3) == doctest::Approx(50));
        CHECK(gap_score(0.3, 0.3) == 0);
        CHECK(gap_score(0.9, 0.3) == 0);
        CHECK(ratio_score(1, 2) == 100);
        CHECK(ratio_score(1.5, 2) == doctest::Approx(50));
        CHECK(ratio_score(2, 2) == 0);
        CHECK(ratio_score(1 / 1.5, 2) == doctest::Approx(50));
        CHECK(std::isnan(gap_score(double(NAN), 0.3)));
        CHECK(std::isnan(ratio_score(double(NAN), 2)));
    }

    TEST_CASE(
        "pillars: participation from known participation and trust columns in the city and neighbourhoods") {
        const ScopedMechanism registered(known_inputs_entry());
        RunSession run(small_city(true));
        const Rows r = run_rows(run);
        const World& w = run.world();
        // By hand: minorities' participation rate over the majority's (1).
        double minor = 0, part = 0;
        std::vector<double> hm(size_t(w.hoods.count()), 0), hp(hm.size(), 0), h0(hm.size(), 0);
        for (size_t i = 0; i < w.pop.size(); ++i) {
            if (w.pop.group[i] == 0) {
                h0[w.hood[i]] += 1;
                continue;
            }
            minor += 1;
            part += i % 2 == 0;
            hm[w.hood[i]] += 1;
            hp[w.hood[i]] += i % 2 == 0;
        }
        REQUIRE(minor > 0);
        const double rate = part / minor;
        const uint32_t bits = uint32_t(r.at("/timeseries/pillar_components")[0]);
        CHECK((bits & kParticipationGap) != 0);
        CHECK((bits & kParticipationTrust) != 0);
        const auto& rep = schema::series_table();
        const bool has_rep = std::any_of(rep.begin(), rep.end(), [](const schema::SeriesInfo& s) {
            return std::string(s.path) == "/timeseries/representation_ratio";
        });
        if (!has_rep) {
            CHECK((bits & kParticipationRepresentation) == 0);
            CHECK(r.at("/timeseries/pillar_participation")[0] ==
                  doctest::Approx((100 * rate + 60) / 2).epsilon(1e-6));
        }
        const double eq = r.at("/timeseries/pillar_equality")[0],
                     in = r.at("/timeseries/pillar_interaction")[0],
                     pa = r.at("/timeseries/pillar_participation")[0];
        CHECK(r.at("/timeseries/icc_composite")[0] == doctest::Approx((eq + in + pa) / 3));
        for (double v : {eq, in, pa}) {
            CHECK(v >= 0);
            CHECK(v <= 100);
        }
        const auto& hood = r.at("/neighbourhoods/pillar_participation");
        for (size_t h = 0; h < hood.size(); ++h)
            if (hm[h] > 0 && h0[h] > 0 && hp[h] > 0) {
                INFO("neighbourhood " << h);
                CHECK(hood[h] ==
                      doctest::Approx((100 * std::min(1.0, hp[h] / hm[h]) + 60) / 2).epsilon(1e-6));
            }
    }

    TEST_CASE("pillars: the equality pillar from the labour market's and belonging's own series") {
        // Recomputed from the series the other mechanisms write, not from
        // the columns pillars reads: the employment gap, the callback ratio
        // and the minorities' discrimination experienced (the population-
        // weighted mean of the groups' means); no housing ratio yet.
        RunSession run(small_city(false, true));
        const Rows r = run_rows(run);
        const PillarParams p;
        const auto& pop = r.at("/timeseries/group_population");
        const auto& disc = r.at("/timeseries/discrimination_experienced");
        double d = 0, n = 0;
        for (size_t g = 1; g < pop.size(); ++g) {
            d += pop[g] * disc[g];
            n += pop[g];
        }
        REQUIRE(n > 0);
        const double gap = r.at("/timeseries/employment_gap")[0], cb = r.at("/timeseries/callback_ratio")[0];
        REQUIRE(std::isfinite(gap));
        REQUIRE(std::isfinite(cb));
        const double expected = (gap_score(gap, p.gap_bound) + ratio_score(cb, p.ratio_bound) +
                                 100 * p.discrimination_half / (p.discrimination_half + d / n)) /
                                3;
        const uint32_t bits = uint32_t(r.at("/timeseries/pillar_components")[0]);
        if ((bits & kEqualityHousing) == 0)
            CHECK(r.at("/timeseries/pillar_equality")[0] == doctest::Approx(expected).epsilon(1e-9));
        CHECK((bits & (kEqualityEmployment | kEqualityCallback | kEqualityDiscrimination)) ==
              (kEqualityEmployment | kEqualityCallback | kEqualityDiscrimination));
    }

    TEST_CASE("pillars: components whose inputs a run lacks are left out and a pillar without any is NaN") {
        RunSession run(small_city(false, false));
        const Rows r = run_rows(run);
        const uint32_t bits = uint32_t(r.at("/timeseries/pillar_components")[0]);
        // labour_market does not run: its column is declared but left out.
        CHECK((bits & kEqualityEmployment) == 0);
        CHECK((bits & kEqualityCallback) == 0);
        CHECK((bits & kEqualityDiscrimination) != 0);
        CHECK((bits & kInteractionPrejudice) != 0);
        CHECK(std::isfinite(r.at("/timeseries/pillar_equality")[0]));
        if (!declared("participated") && !declared("trust_institutional")) {
            CHECK(std::isnan(r.at("/timeseries/pillar_participation")[0]));
            CHECK((bits & (kParticipationGap | kParticipationTrust)) == 0);
            CHECK(r.at("/timeseries/icc_composite")[0] ==
                  doctest::Approx(
                      (r.at("/timeseries/pillar_equality")[0] + r.at("/timeseries/pillar_interaction")[0]) /
                      2));
        }
        // With the labour market the employment and callback gaps enter.
        RunSession with(small_city(false, true));
        const Rows w = run_rows(with);
        const uint32_t all = uint32_t(w.at("/timeseries/pillar_components")[0]);
        CHECK((all & kEqualityEmployment) != 0);
        CHECK((all & kEqualityCallback) != 0);
        CHECK(std::isfinite(w.at("/timeseries/employment_gap")[0]));
    }
}
