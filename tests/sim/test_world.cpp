#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <stdexcept>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include <oneapi/tbb/task_arena.h>

#include "models/culture.hpp"
#include "models/friendship.hpp"
#include "models/rumours.hpp"
#include "sim/engine.hpp"
#include "sim/meetings.hpp"
#include "sim/metrics.hpp"
#include "sim/rng.hpp"
#include "sim/tally.hpp"
#include "sim/world.hpp"

using namespace icsim;

namespace {

CityConfig city(int width, int height, int capacity, double occupancy, std::vector<double> shares) {
    CityConfig cfg;
    cfg.grid = Grid{width, height, false, capacity};
    cfg.occupancy = occupancy;
    for (size_t g = 0; g < shares.size(); ++g) {
        GroupSpec spec; // groups "a", "b", ... placed at random
        spec.name = std::string(1, char('a' + g));
        spec.share = shares[g];
        spec.tolerance = 0.3;
        cfg.groups.push_back(spec);
    }
    return cfg;
}

std::vector<size_t> group_sizes(const World& w) {
    std::vector<size_t> n(w.groups.size(), 0);
    for (const uint8_t g : w.pop.group)
        ++n[g];
    return n;
}

// The std::invalid_argument message of build_world(cfg), or "" if it built.
std::string error_of(const CityConfig& cfg) {
    try {
        build_world(cfg, 1);
    } catch (const std::invalid_argument& e) {
        return e.what();
    }
    return "";
}

} // namespace

TEST_SUITE("unit") {

    TEST_CASE("world: resident count is occupancy x dwellings / rounded") {
        // 10 x 10 x 3 = 300 dwellings.
        CHECK(build_world(city(10, 10, 3, 0.5, {1.0}), 1).pop.size() == 150);
        CHECK(build_world(city(10, 10, 3, 0.333, {1.0}), 1).pop.size() == 100);  // 99.9 rounds up
        CHECK(build_world(city(10, 10, 3, 0.3317, {1.0}), 1).pop.size() == 100); // 99.51
        CHECK(build_world(city(10, 10, 3, 0.3316, {1.0}), 1).pop.size() == 99);  // 99.48
        CHECK(build_world(city(10, 10, 3, 1.0, {1.0}), 1).pop.size() == 300);
    }

    TEST_CASE("world: group sizes by largest remainder") {
        // n = 101: exact sizes 45.45, 35.35, 20.2 -> floors 45 35 20 (100); the
        // one left over goes to the largest remainder (0.45, group 0).
        CHECK(group_sizes(build_world(city(101, 1, 1, 1.0, {0.45, 0.35, 0.2}), 3)) ==
              std::vector<size_t>{46, 35, 20});
        // n = 101, shares 0.2 0.35 0.45: the remainder 0.45 is now group 2's.
        CHECK(group_sizes(build_world(city(101, 1, 1, 1.0, {0.2, 0.35, 0.45}), 3)) ==
              std::vector<size_t>{20, 35, 46});
        // n = 100, thirds: 33.33 each, equal remainders -> the lowest index gets the extra one.
        const double third = 1.0 / 3;
        CHECK(group_sizes(build_world(city(10, 10, 1, 1.0, {third, third, third}), 3)) ==
              std::vector<size_t>{34, 33, 33});
        // n = 10, shares 0.66 0.17 0.17: 6.6 1.7 1.7 -> 6 1 1 plus 2 to the
        // largest remainders (0.7, 0.7 tie -> groups 1 and 2): 6 2 2.
        CHECK(group_sizes(build_world(city(10, 1, 1, 1.0, {0.66, 0.17, 0.17}), 3)) ==
              std::vector<size_t>{6, 2, 2});
    }

    TEST_CASE("world: counts are consistent and no cell is over capacity") {
        const World w = build_world(city(40, 30, 4, 0.85, {0.5, 0.3, 0.2}), 42);
        World again = w;
        again.recount();
        CHECK(again.group_count == w.group_count);
        CHECK(again.total == w.total);
        size_t residents = 0;
        for (CellId c = 0; c < CellId(w.grid.cells()); ++c) {
            CHECK(w.total[c] <= w.grid.capacity);
            int sum = 0;
            for (int g = 0; g < w.group_total(); ++g)
                sum += w.count(c, g);
            CHECK(sum == w.total[c]);
            residents += w.total[c];
        }
        CHECK(residents == w.pop.size());
        // A full city fills every dwelling exactly.
        const World full = build_world(city(20, 20, 3, 1.0, {0.5, 0.5}), 5);
        for (CellId c = 0; c < CellId(full.grid.cells()); ++c)
            CHECK(full.total[c] == 3);
    }

    TEST_CASE("world: move keeps the counts in step") {
        World w = build_world(city(8, 8, 2, 0.5, {0.5, 0.5}), 9);
        CellId empty = 0;
        while (w.total[empty] != 0)
            ++empty;
        const CellId from = w.pop.cell[0];
        const int g = w.pop.group[0];
        const uint16_t before = w.count(from, g);
        w.move(0, empty);
        CHECK(w.pop.cell[0] == empty);
        CHECK(w.count(from, g) == before - 1);
        CHECK(w.count(empty, g) == 1);
        CHECK(w.total[empty] == 1);
        World again = w;
        again.recount();
        CHECK(again.group_count == w.group_count);
        CHECK(again.total == w.total);
    }

    TEST_CASE("world: the seed decides the city") {
        const CityConfig cfg = city(30, 30, 2, 0.7, {0.5, 0.5});
        const World a = build_world(cfg, 123), b = build_world(cfg, 123), c = build_world(cfg, 124);
        CHECK(a.pop.cell == b.pop.cell);
        CHECK(a.pop.group == b.pop.group);
        CHECK(a.group_count == b.group_count);
        // 1260 residents among 1800 dwellings: two seeds giving the same homes
        // would mean the seed is ignored.
        CHECK(a.pop.cell != c.pop.cell);
        CHECK(a.group_count != c.group_count);
    }

    // In a random city each neighbour of a resident is of the same group with
    // probability (N_a - 1)/(N - 1) ~ 1/2, so percent similar is ~50. Its
    // spread: with spins s = +-1 per resident, same = (1 + s_i s_j)/2 per
    // neighbouring pair, and the products s_i s_j of distinct pairs are
    // uncorrelated under independent spins, so Var(sum) = #pairs / 4. Here
    // 9000 residents with ~ 8 x 0.9 = 7.2 neighbours each give ~32,000 pairs:
    // SD = 0.5 / sqrt(32000) = 0.28 percentage points. A bound of 1.5 points
    // is over 5 SD (a correct city fails it with probability < 1e-6), while
    // counting oneself as a neighbour would give (3.6 + 1)/(7.2 + 1) = 56 %.
    TEST_CASE("world: a random 50/50 city is about 50 % similar") {
        const World w = build_world(city(100, 100, 1, 0.9, {0.5, 0.5}), 2024);
        REQUIRE(w.pop.size() == 9000);
        const SimilarCounts s = similar_counts(w, 1);
        // ~7.2 neighbours per resident (fewer at the boundary).
        CHECK(double(s.total) / double(w.pop.size()) == doctest::Approx(7.1).epsilon(0.03));
        CHECK(std::abs(s.percent() - 50.0) < 1.5);
        // Each group alone: half as many pairs, SD 0.4 points; 2 points is 5 SD.
        CHECK(std::abs(similar_counts(w, 1, 0).percent() - 50.0) < 2.0);
        CHECK(std::abs(similar_counts(w, 1, 1).percent() - 50.0) < 2.0);
    }

    // The parallel per-(neighbourhood, group) counts against a plain loop
    // over residents, on a city of more cells than one reduction block.
    TEST_CASE("world: residents per neighbourhood and group match a count of the residents") {
        World w = build_world(city(100, 60, 3, 0.7, {0.5, 0.3, 0.2}), 11);
        w.hoods.names = {"a", "b", "c", "d", "e", "f", "g"};
        for (size_t c = 0; c < w.hoods.of_cell.size(); ++c)
            w.hoods.of_cell[c] = uint16_t((c / 13) % 7); // runs of cells, crossing the blocks
        w.recount();
        const size_t G = w.groups.size();
        std::vector<uint32_t> expect(7 * G, 0);
        for (size_t r = 0; r < w.pop.size(); ++r)
            ++expect[size_t(w.hoods.of_cell[w.pop.cell[r]]) * G + w.pop.group[r]];
        CHECK(w.hood_group_counts() == expect);
    }

    // The integer tally per (group, neighbourhood) against a plain loop, with
    // vacant slots and residents the filter leaves out, on 1 and 2 threads.
    TEST_CASE("world: the group and neighbourhood tally matches a plain loop on any thread count") {
        World w = build_world(city(100, 60, 3, 0.7, {0.5, 0.3, 0.2}), 12);
        w.hoods.names = {"a", "b", "c", "d", "e"};
        for (size_t c = 0; c < w.hoods.of_cell.size(); ++c)
            w.hoods.of_cell[c] = uint16_t((c / 17) % 5);
        for (size_t r = 0; r < w.pop.size(); r += 11)
            w.pop.cell[r] = kNoCell; // vacant slots
        w.recount();
        REQUIRE(w.vacancies > 0);
        const size_t G = w.groups.size(), H = 5;
        auto value = [&](size_t r, uint64_t(&v)[2]) {
            if (r % 7 == 3)
                return false;
            v[0] = r % 5;
            v[1] = (r * 2654435761u) >> 20;
            return true;
        };
        std::vector<uint64_t> n(G * H, 0), s0(G * H, 0), s1(G * H, 0);
        for (size_t r = 0; r < w.pop.size(); ++r) {
            uint64_t v[2] = {};
            if (w.pop.vacant(r) || !value(r, v))
                continue;
            const size_t k = size_t(w.pop.group[r]) * H + w.hoods.of_cell[w.pop.cell[r]];
            n[k] += 1;
            s0[k] += v[0];
            s1[k] += v[1];
        }
        for (const int threads : {1, 2}) {
            GroupHoodTally<2> t;
            oneapi::tbb::task_arena(threads).execute([&] { t = tally_by_group_and_hood<2>(w, value); });
            CHECK(t.n == n);
            CHECK(t.sum[0] == s0);
            CHECK(t.sum[1] == s1);
            uint64_t g1 = 0, h2 = 0;
            for (size_t h = 0; h < H; ++h)
                g1 += n[1 * H + h];
            for (size_t g = 0; g < G; ++g)
                h2 += s0[g * H + 2];
            CHECK(t.group_n(1) == g1);
            CHECK(t.hood_sum(0, 2) == h2);
            CHECK(t.hood_mean(0, 2) == double(h2) / double(t.hood_n(2)));
        }
    }

    // Arranging is a renaming: resident i after it is some resident o(i)
    // before it, with every column's value and its ties renamed; the new
    // order is by (group, workplace, neighbourhood, cell, old id). o(i) is
    // read from a marker column (culture := old id), so the check does not
    // rely on the implementation's own permutation.
    TEST_CASE("world: arranging residents renames them in key order and keeps every column") {
        World w = build_world(city(30, 20, 3, 0.8, {0.5, 0.3, 0.2}), 7);
        const size_t n = w.pop.size();
        for (size_t c = 0; c < w.hoods.of_cell.size(); ++c)
            w.hoods.of_cell[c] = uint16_t(c % 7); // several neighbourhoods, crossing the rows
        w.recount();
        for (size_t r = 0; r < n; ++r) {
            w.pop.workplace[r] = r % 5 == 0 ? kNoPlace : uint32_t((r * 2654435761u) >> 13) % 4;
            cultures(w.pop)[r] = uint32_t(r);
            rumour_states(w.pop)[r] = uint8_t(r * 37);
            tie_columns(w.pop).outgroup[r] = uint8_t(r % 16);
            for (size_t k = 0; k < kTieSlots; ++k) {
                const bool empty = (r + k) % 3 == 0;
                tie_columns(w.pop).id[k][r] = empty ? kNoResident : uint32_t((r * 31 + k * 97 + 1) % n);
                tie_columns(w.pop).strength[k][r] = empty ? 0 : uint8_t(1 + (r + k) % 9);
            }
        }
        const World before = w;
        arrange_residents(w);
        REQUIRE(w.pop.size() == n);
        std::vector<uint32_t> old(n), new_of_old(n, kNoResident);
        for (size_t i = 0; i < n; ++i) {
            old[i] = cultures(w.pop)[i];
            REQUIRE(old[i] < n);
            REQUIRE(new_of_old[old[i]] == kNoResident); // each old resident once
            new_of_old[old[i]] = uint32_t(i);
        }
        // The expected population, built from `before` and o(i).
        Population expect = before.pop;
        expect.for_each_column([&](const char*, auto& column) {
            const auto source = column;
            for (size_t i = 0; i < n; ++i)
                column[i] = source[old[i]];
        });
        expect.for_each_declared([&](const ColumnDecl& d, auto& column) { // the tie ids among them
            if constexpr (std::is_same_v<typename std::decay_t<decltype(column)>::value_type, uint32_t>)
                if (d.resident_ref)
                    for (auto& id : column)
                        id = id == kNoResident ? kNoResident : new_of_old[id];
        });
        auto bytes = [](const Population& p) {
            std::vector<std::string> out;
            p.for_each_column([&](const char*, const auto& c) {
                out.emplace_back(reinterpret_cast<const char*>(c.data()), c.size() * sizeof(c[0]));
            });
            return out;
        };
        CHECK(bytes(w.pop) == bytes(expect));
        // The order, and the counts of the same residents.
        auto key = [&](size_t i) {
            return std::tuple(w.pop.group[i], w.pop.workplace[i], w.hood[i], w.pop.cell[i], old[i]);
        };
        size_t out_of_order = 0;
        for (size_t i = 1; i < n; ++i)
            out_of_order += !(key(i - 1) < key(i));
        CHECK(out_of_order == 0);
        CHECK(w.group_count == before.group_count);
        CHECK(w.total == before.total);
        for (size_t i = 0; i < n; ++i)
            REQUIRE(w.hood[i] == w.hoods.of_cell[w.pop.cell[i]]);
    }

    TEST_CASE("world: a declared column with initial_from starts from that trait") {
        const size_t first = declared_columns().size();
        ColumnDecl d{"test_from_language", ColumnType::F32, 0.5, "1", "starts at the resident's language"};
        d.initial_from = "language";
        const ColumnHandle<float> h{uint32_t(declare_column(d))};
        Population pop;
        pop.cell = {0, 0, 0};
        pop.group = {0, 0, 0};
        pop.tolerance = pop.skill = pop.prejudice = {0, 0, 0};
        pop.language = {0.25f, 0.75f, 1.0f};
        pop.resize_state(3);
        CHECK(pop.column(h) == std::vector<float>{0.25f, 0.75f, 1.0f});
        // A row beyond the traits' length takes `initial`; a cleared slot
        // too, until a newcomer's traits are drawn.
        pop.resize_state(4);
        CHECK(pop.column(h)[3] == 0.5f);
        pop.clear_slot(1);
        CHECK(pop.column(h)[1] == 0.5f);
        pop.language[1] = 0.125f;
        pop.derive_initial(1);
        CHECK(pop.column(h)[1] == 0.125f);
        CHECK(pop.column(h)[0] == 0.25f); // other slots keep theirs
        undeclare_columns_from(first);
        // Only a float32 built-in trait may be named.
        ColumnDecl bad = d;
        bad.initial_from = "workplace";
        CHECK_THROWS_AS(declare_column(bad), std::logic_error);
        bad.initial_from = "language";
        bad.type = ColumnType::U8;
        CHECK_THROWS_AS(declare_column(bad), std::logic_error);
        CHECK(declared_columns().size() == first);
    }

    TEST_CASE("world: invalid configurations are rejected with the field named") {
        const CityConfig ok = city(10, 10, 2, 0.5, {0.5, 0.5});
        CHECK(error_of(ok).empty());
        auto with = [&](auto change) {
            CityConfig c = ok;
            change(c);
            return error_of(c);
        };
        CHECK(with([](CityConfig& c) { c.grid.width = 0; }).find("city.width") != std::string::npos);
        CHECK(with([](CityConfig& c) { c.grid.height = -3; }).find("city.height") != std::string::npos);
        CHECK(with([](CityConfig& c) { c.grid.capacity = 0; }).find("city.capacity") != std::string::npos);
        CHECK(with([](CityConfig& c) { c.grid.capacity = 70000; }).find("city.capacity") !=
              std::string::npos);
        CHECK(with([](CityConfig& c) { c.occupancy = 0; }).find("city.occupancy") != std::string::npos);
        CHECK(with([](CityConfig& c) { c.occupancy = 1.01; }).find("city.occupancy") != std::string::npos);
        CHECK(with([](CityConfig& c) { c.occupancy = std::nan(""); }).find("city.occupancy") !=
              std::string::npos);
        CHECK(with([](CityConfig& c) { c.groups.clear(); }).find("groups") != std::string::npos);
        CHECK(with([](CityConfig& c) { c.groups[1].share = 0; }).find("groups.b.share") != std::string::npos);
        CHECK(with([](CityConfig& c) { c.groups[1].share = 0.4; }).find("sum to 1") != std::string::npos);
        CHECK(with([](CityConfig& c) { c.groups[0].tolerance = 1.5; }).find("groups.a.tolerance") !=
              std::string::npos);
        CHECK(with([](CityConfig& c) {
                  c.neighbourhoods = {{"centre", 5, 5, 11, 8}};
              }).find("'centre'") != std::string::npos);
    }

} // TEST_SUITE

TEST_CASE("world: slot masks match a slot by slot reading for every run length") {
    // Random slots (partners present or not, every info byte,
    // padding bytes set) in runs of 0-40 slots: the SSE2 groups of four and
    // the scalar tail must agree with a plain reading of each slot.
    uint64_t state = 12345;
    const auto next = [&] { return state = mix64(state + 0x9E3779B97F4A7C15ull); };
    std::vector<Encounters::Meeting> slots(64);
    for (int trial = 0; trial < 400; ++trial) {
        for (auto& m : slots) {
            const uint64_t h = next();
            std::memcpy(static_cast<void*>(&m), &h, sizeof m); // the padding too
            if ((h >> 60) < 5)
                m.partner = kNoResident;
        }
        const size_t count = size_t(trial % 41);
        uint64_t held = 0, info[8] = {};
        for (size_t m = 0; m < count; ++m) {
            held |= uint64_t(slots[m].partner != kNoResident) << m;
            for (int b = 0; b < 8; ++b)
                info[b] |= uint64_t((slots[m].info >> b) & 1) << m;
        }
        CHECK(held_slots(slots.data(), count) == held);
        for (int b = 0; b < 8; ++b)
            CHECK(info_slots(slots.data(), count, uint8_t(1u << b)) == info[b]);
        CHECK(info_slots(slots.data(), count, 0x0A) == (info[1] | info[3]));
    }
    // put() writes the three fields as one word.
    Encounters::Meeting m;
    Encounters::put(&m, 123456789u, 0x15, 0xA3);
    CHECK(m.partner == 123456789u);
    CHECK(m.info == 0x15);
    CHECK(m.rumour == 0xA3);
    CHECK(held_slots(&m, 1) == 1);
    // The word of an empty meeting (what the encounters' copy streams into
    // unvisited slots) reads as Meeting{}.
    const Encounters::Meeting empty{};
    const uint64_t none = Encounters::word(kNoResident, 0, 0);
    std::memcpy(static_cast<void*>(&m), &none, sizeof m);
    CHECK(m.partner == empty.partner);
    CHECK(m.info == empty.info);
    CHECK(m.rumour == empty.rumour);
    CHECK(held_slots(&m, 1) == 0);
}

TEST_SUITE("unit") {
    TEST_CASE("world: products are found by their declaration and cleared by a new engine") {
        static constexpr Product<uint8_t> kThreshold{"test.threshold"};
        static constexpr Product<Runs> kRuns{"test.runs"};
        static constexpr Product<int> kSameName{"test.threshold"}; // another type under one name
        World w = build_world(city(10, 10, 2, 0.8, {0.5, 0.5}), 3);
        CHECK(w.products.find(kThreshold) == nullptr);
        CHECK_FALSE(w.products.has(kRuns));
        w.products.set(kThreshold, uint8_t(7));
        w.products.set(kRuns, Runs{});
        REQUIRE(w.products.find(kThreshold) != nullptr);
        CHECK(*w.products.find(kThreshold) == 7);
        CHECK(w.products.has(kRuns));
        CHECK_THROWS_AS(w.products.find(kSameName), std::logic_error);
        // at(): the value to change in place (a step's products), an error when unpublished.
        w.products.at(kThreshold) = 9;
        CHECK(std::as_const(w).products.at(kThreshold) == 9);
        static constexpr Product<int> kUnpublished{"test.unpublished"};
        CHECK_THROWS_AS(w.products.at(kUnpublished), std::logic_error);
        CHECK_THROWS_AS(std::as_const(w).products.at(kUnpublished), std::logic_error);
        const World copy = w; // a copy holds its own products
        w.products.at(kThreshold) = 7;
        CHECK(*copy.products.find(kThreshold) == 9);
        CHECK(*w.products.find(kThreshold) == 7);
        // An engine's world holds what its own mechanisms publish (none here).
        const Engine engine(w, {}, 1, PolicySchedule{}, 0);
        CHECK_FALSE(engine.world().products.has(kThreshold));
        CHECK_FALSE(engine.world().products.has(kRuns));
    }
}
