// The diversity advantage (models/diversity_advantage.cpp,
// docs/model/diversity_advantage.md): D and M of a hand-made workplace,
// no gain at beta = 0, and the series on the default city.
#include <doctest/doctest.h>

#include <cmath>

#include "models/diversity_advantage.hpp"
#include "models/registry.hpp"
#include "social_testlib.hpp"

using namespace icsim;
using namespace icsim::social_test;

namespace {

// Two workplaces: 0 with residents 0-5 (three of each group), 1 with 6-7
// (group 0); resident 8 at no workplace.
World workplaces() {
    World w = strip_world(9, 2);
    w.places = {Place{PlaceKind::Workplace, 0, 10, 0}, Place{PlaceKind::Workplace, 1, 10, 0}};
    const uint8_t group[9] = {0, 0, 0, 1, 1, 1, 0, 0, 1};
    auto& employed = w.pop.column(column_handle<uint8_t>("employed"));
    auto& disc = w.pop.column(column_handle<float>("discrimination"));
    for (uint32_t r = 0; r < 9; ++r) {
        w.pop.group[r] = group[r];
        w.pop.workplace[r] = r < 6 ? 0 : r < 8 ? 1 : kNoPlace;
        employed[r] = r < 8;
        disc[r] = 0;
        tie_columns(w.pop).outgroup[r] = 0;
        for (size_t k = 0; k < kTieSlots; ++k) {
            tie_columns(w.pop).id[k][r] = kNoResident;
            tie_columns(w.pop).strength[k][r] = 0;
        }
    }
    const auto tie = [&](uint32_t a, size_t k, uint32_t b) {
        tie_columns(w.pop).id[k][a] = b;
        tie_columns(w.pop).strength[k][a] = 3;
        if (w.pop.group[a] != w.pop.group[b])
            tie_columns(w.pop).outgroup[a] = uint8_t(tie_columns(w.pop).outgroup[a] | (1u << k));
    };
    tie(0, 0, 3); // cross-group colleagues
    tie(3, 0, 0);
    tie(0, 1, 1); // same group colleagues
    tie(1, 0, 0);
    tie(2, 0, 8); // not a colleague: not counted
    tie(6, 0, 7);
    disc[4] = 2; // one worker of six treated unequally
    return w;
}

} // namespace

TEST_CASE("diversity advantage: D and M of a hand-made workplace") {
    const World w = workplaces();
    DiversityAdvantageParams p;
    p.beta = 0.05;
    p.tie_weight = 0.5;
    const auto d = workplace_diversity(w, p);
    REQUIRE(d.size() == 2);
    CHECK(d[0].workers == 6);
    CHECK(d[0].fractionalisation == doctest::Approx(0.5)); // 1 - (1/2)^2 - (1/2)^2
    CHECK(d[0].cross_ties == doctest::Approx(0.5));        // 2 of its 4 colleague ties
    CHECK(d[0].equal_treatment == doctest::Approx(5.0 / 6));
    // min(1, 0.5 / 0.5) = 1 for the ties, then the mean with equal treatment.
    CHECK(d[0].inclusion == doctest::Approx(0.5 * 1 + 0.5 * 5.0 / 6));
    CHECK(d[0].gain == doctest::Approx(0.05 * 0.5 * (0.5 + 0.5 * 5.0 / 6)));
    CHECK(d[1].workers == 2);
    CHECK(d[1].fractionalisation == 0);
    CHECK(d[1].gain == 0);
    CHECK(diversity_advantage(d) == doctest::Approx(6 * d[0].gain / 8));
    // Unequal treatment lowers it; without any cross-group tie only equal
    // treatment counts.
    p.tie_weight = 1;
    CHECK(workplace_diversity(w, p)[0].inclusion == doctest::Approx(1));
    World segregated = workplaces();
    tie_columns(segregated.pop).outgroup[0] = 0, tie_columns(segregated.pop).outgroup[3] = 0;
    CHECK(workplace_diversity(segregated, p)[0].inclusion == 0);
}

TEST_CASE("diversity advantage: no gain at beta = 0, a small positive one by default") {
    const World w = workplaces();
    DiversityAdvantageParams p;
    p.beta = 0;
    CHECK(diversity_advantage(workplace_diversity(w, p)) == 0);
    Engine e = build_engine(small_city());
    for (int t = 0; t < 5; ++t)
        e.step();
    for (const auto& m : e.mechanisms())
        if (m->registered_name == "diversity_advantage") {
            std::vector<std::vector<double>> rows;
            m->report(e.world(), rows);
            REQUIRE(rows.size() == 1);
            CHECK(rows[0][0] > 0);
            CHECK(rows[0][0] < DiversityAdvantageParams{}.beta);
        }
    Engine zero = build_engine(small_city({"mechanisms.diversity_advantage.beta=0"}));
    zero.step();
    for (const auto& m : zero.mechanisms())
        if (m->registered_name == "diversity_advantage") {
            std::vector<std::vector<double>> rows;
            m->report(zero.world(), rows);
            CHECK(rows[0][0] == 0);
        }
}
