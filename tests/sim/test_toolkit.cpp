// The hot-path toolkit (sim/window.hpp, sim/counting_sort.hpp,
// sim/meetings.hpp, sim/columns.hpp): each helper against a plain version
// written the obvious way.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstring>
#include <numeric>
#include <type_traits>
#include <vector>

#include <oneapi/tbb/task_arena.h>

#include "models/friendship.hpp"
#include "sim/bytes.hpp"
#include "sim/columns.hpp"
#include "sim/counting_sort.hpp"
#include "sim/interleaved.hpp"
#include "sim/meetings.hpp"
#include "sim/rng.hpp"
#include "sim/window.hpp"

using namespace icsim;

namespace {

struct Random {
    uint64_t state;
    uint64_t next() { return state = mix64(state + 0x9E3779B97F4A7C15ull); }
    uint32_t below(uint32_t n) { return uint32_t((next() >> 32) * n >> 32); }
};

// Window sums the plain way: every cell of Grid::for_window added.
std::vector<uint32_t> brute_window(const Grid& g, int radius, const std::vector<uint16_t>& src,
                                   size_t stride) {
    std::vector<uint32_t> out(size_t(g.cells()) * stride, 0);
    for (CellId c = 0; c < CellId(g.cells()); ++c)
        g.for_window(c, radius, [&](CellId d) {
            for (size_t k = 0; k < stride; ++k)
                out[size_t(c) * stride + k] += src[size_t(d) * stride + k];
        });
    return out;
}

} // namespace

TEST_SUITE("unit") {

    TEST_CASE("toolkit: the Moore window equals adding the window's cells one by one") {
        Random rng{99};
        int cases = 0;
        for (const bool torus : {false, true})
            for (const int width : {1, 2, 3, 5, 8, 17})
                for (const int height : {1, 2, 4, 9})
                    for (const int radius : {0, 1, 2, 4})
                        for (const size_t stride : {size_t(1), size_t(3)}) {
                            const Grid g{width, height, torus, 4};
                            std::vector<uint16_t> src(size_t(g.cells()) * stride);
                            for (uint16_t& v : src)
                                v = uint16_t(rng.below(60000)); // large: sums pass 16 bits
                            const std::vector<uint32_t> want = brute_window(g, radius, src, stride);
                            const MooreWindow win(g, radius);
                            std::vector<uint32_t> all(want.size(), 0xDEADBEEFu);
                            win.all(src.data(), stride, all.data());
                            CHECK(all == want);
                            std::vector<uint32_t> rows(want.size(), 0);
                            win.for_each_row(src.data(), stride, [&](size_t y, const uint32_t* sums) {
                                std::copy_n(sums, size_t(width) * stride, &rows[y * size_t(width) * stride]);
                            });
                            CHECK(rows == want);
                            ++cases;
                        }
        CHECK(cases == 2 * 6 * 4 * 4 * 2);
    }

    TEST_CASE("toolkit: the Moore window gives the same sums on 1 and 2 threads") {
        const Grid g{301, 57, true, 4};
        Random rng{5};
        std::vector<uint16_t> src(size_t(g.cells()) * 2);
        for (uint16_t& v : src)
            v = uint16_t(rng.below(5));
        const MooreWindow win(g, 3);
        std::vector<uint32_t> one(src.size()), two(src.size());
        oneapi::tbb::task_arena(1).execute([&] { win.all(src.data(), 2, one.data()); });
        oneapi::tbb::task_arena(2).execute([&] { win.all(src.data(), 2, two.data()); });
        CHECK(one == two);
        CHECK(one == brute_window(g, 3, src, 2));
    }

    TEST_CASE("toolkit: the counting sort is a stable sort by key on any thread count and block size") {
        Random rng{17};
        for (const size_t n : {size_t(0), size_t(1), size_t(1000), size_t(50000)})
            for (const size_t keys : {size_t(1), size_t(7), size_t(3000)}) {
                // Up to two keys an item (kNoPlace: none), as the encounters' visits.
                std::vector<uint32_t> key(n * 2);
                for (uint32_t& k : key)
                    k = rng.below(4) == 0 ? kNoPlace : rng.below(uint32_t(keys));
                // The plain way: (key, item, slot) sorted.
                std::vector<std::pair<uint32_t, size_t>> want;
                for (size_t i = 0; i < key.size(); ++i)
                    if (key[i] != kNoPlace)
                        want.emplace_back(key[i], i);
                std::stable_sort(want.begin(), want.end(),
                                 [](const auto& a, const auto& b) { return a.first < b.first; });
                for (const int threads : {1, 2})
                    for (const size_t min_block : {size_t(1), size_t(333), size_t(1) << 20}) {
                        CountingSort sort;
                        std::vector<size_t> out;
                        oneapi::tbb::task_arena(threads).execute([&] {
                            sort.plan(n, keys, min_block);
                            oneapi::tbb::parallel_for(size_t(0), sort.blocks(), [&](size_t b) {
                                uint32_t* const count = sort.zeroed_counts(b);
                                for (size_t i = sort.begin(b); i != sort.end(b); ++i)
                                    for (size_t s = 0; s < 2; ++s)
                                        if (key[i * 2 + s] != kNoPlace)
                                            ++count[key[i * 2 + s]];
                            });
                            sort.offsets();
                            out.assign(sort.total(), ~size_t(0));
                            oneapi::tbb::parallel_for(size_t(0), sort.blocks(), [&](size_t b) {
                                uint32_t* const pos = sort.positions(b);
                                for (size_t i = sort.begin(b); i != sort.end(b); ++i)
                                    for (size_t s = 0; s < 2; ++s)
                                        if (key[i * 2 + s] != kNoPlace)
                                            out[pos[key[i * 2 + s]]++] = i * 2 + s;
                            });
                        });
                        REQUIRE(out.size() == want.size());
                        bool same = true;
                        for (size_t j = 0; j < out.size(); ++j)
                            same = same && out[j] == want[j].second;
                        CHECK(same);
                        // start(): each key's first position, and the total.
                        REQUIRE(sort.start().size() == keys + 1);
                        for (size_t k = 0; k <= keys; ++k) {
                            const auto first =
                                std::lower_bound(want.begin(), want.end(), uint32_t(k),
                                                 [](const auto& a, uint32_t v) { return a.first < v; });
                            CHECK(sort.start()[k] == size_t(first - want.begin()));
                        }
                    }
            }
    }

    TEST_CASE("toolkit: the meeting view reads the slots as a slot by slot loop does") {
        Random rng{2024};
        std::vector<Meeting> slots(64);
        for (int trial = 0; trial < 400; ++trial) {
            for (auto& m : slots) {
                const uint64_t h = rng.next();
                std::memcpy(static_cast<void*>(&m), &h, sizeof m); // the padding too
                if ((h >> 60) < 5) {                               // an empty slot is all Meeting{}
                    m = Meeting{};
                }
            }
            const size_t count = size_t(trial % 41);
            // for_each_meeting: the set bits of the mask, in slot order.
            const uint64_t mask = held_slots(slots.data(), count) & rng.next();
            std::vector<size_t> seen;
            for_each_meeting(slots.data(), mask, [&](size_t m, const Meeting& mt) {
                CHECK(&mt == &slots[m]);
                seen.push_back(m);
            });
            std::vector<size_t> want;
            for (size_t m = 0; m < count; ++m)
                if ((mask >> m) & 1)
                    want.push_back(m);
            CHECK(seen == want);
            // partner_rumours: the ORs over the slots.
            unsigned any = 0, lone = 0, want_any = 0, want_lone = 0;
            partner_rumours(slots.data(), count, any, lone);
            for (size_t m = 0; m < count; ++m) {
                want_any |= slots[m].rumour;
                want_lone |= unsigned(slots[m].rumour) & ~(unsigned(slots[m].rumour) >> 1);
            }
            CHECK(any == want_any);
            CHECK(lone == want_lone);
        }
        // A resident's meetings in `today`: its held slots only.
        Encounters today;
        today.slots = 3;
        today.slot.resize(6);
        Encounters::put(&today.slot[3], 7, 1, 0);
        Encounters::put(&today.slot[5], 9, 2, 0);
        std::vector<uint32_t> partners;
        for_each_meeting(today, 1, [&](size_t, const Meeting& mt) { partners.push_back(mt.partner); });
        CHECK(partners == std::vector<uint32_t>{7, 9});
    }

    TEST_CASE("toolkit: the friends' meetings read as meeting() reads them") {
        // Three residents with two place slots each; resident 1's tie slots
        // 0 and 2 hold friends 0 and 2, and each slot may hold a meeting.
        Population pop;
        pop.cell.assign(3, 0);
        pop.resize_state(3);
        tie_columns(pop).id[0][1] = 0;
        tie_columns(pop).id[2][1] = 2;
        Encounters today;
        today.slots = 2;
        today.step = 5;
        today.slot.resize(6);
        Encounters::put(&today.slot[2], 2, Encounters::kOutgroup, 3);
        FriendMeetings fm;
        fm.ties_step = 5;
        fm.ties.resize(3);
        Random rng{11};
        const auto tie = tie_columns(pop).id;
        for (int trial = 0; trial < 64; ++trial) {
            TieMeetings& t = fm.ties[1];
            t = {};
            for (size_t k = 0; k < kTieSlots; ++k)
                if (tie_columns(pop).id[k][1] != kNoResident && rng.below(2)) {
                    t.info[k] = uint8_t(Encounters::kFriend | Encounters::kPositive |
                                        (rng.below(2) ? Encounters::kOutgroup : 0));
                    t.rumour[k] = uint8_t(rng.next());
                }
            // tie_slots and for_each_tie_meeting against meeting(), slot by slot.
            for (const uint8_t bits : {Encounters::kFriend, Encounters::kOutgroup}) {
                const unsigned mask = tie_slots(t, bits);
                std::vector<size_t> seen;
                for_each_tie_meeting(t, mask, tie, 1, [&](size_t k, const Meeting& mt) {
                    const Meeting want = meeting(today, &fm, tie_columns(pop).id, 1, today.slots + k);
                    CHECK(mt.partner == want.partner);
                    CHECK(mt.info == want.info);
                    CHECK(mt.rumour == want.rumour);
                    seen.push_back(k);
                });
                std::vector<size_t> want;
                for (size_t k = 0; k < kTieSlots; ++k)
                    if (meeting(today, &fm, tie_columns(pop).id, 1, today.slots + k).info & bits)
                        want.push_back(k);
                CHECK(seen == want);
            }
            // tie_rumours: the ORs of partner_rumours over the tie slots.
            unsigned any = 0, lone = 0, want_any = 0, want_lone = 0;
            tie_rumours(t, any, lone);
            for (size_t k = 0; k < kTieSlots; ++k) {
                const unsigned o = meeting(today, &fm, tie_columns(pop).id, 1, today.slots + k).rumour;
                want_any |= o;
                want_lone |= o & ~(o >> 1);
            }
            CHECK(any == want_any);
            CHECK(lone == want_lone);
        }
        // meeting(): place slots first, then the ties' (partner from the tie
        // column); none from ties of another step.
        CHECK(meeting(today, &fm, tie_columns(pop).id, 1, 0).partner == 2);
        CHECK(meeting(today, &fm, tie_columns(pop).id, 1, 0).rumour == 3);
        CHECK(meeting(today, &fm, tie_columns(pop).id, 1, 1).partner == kNoResident);
        fm.ties[1] = {};
        fm.ties[1].info[2] = Encounters::kFriend;
        CHECK(meeting(today, &fm, tie_columns(pop).id, 1, 4).partner == 2);
        CHECK(meeting(today, &fm, tie_columns(pop).id, 1, 5).partner == kNoResident);
        CHECK(has_ties(today, &fm, 5));
        CHECK(!has_ties(today, nullptr, 5));
        CHECK(meeting(today, nullptr, tie_columns(pop).id, 1, 4).partner == kNoResident);
        CHECK(meeting(today, nullptr, tie_columns(pop).id, 1, 0).partner == 2);
        fm.ties_step = 4;
        CHECK(!has_ties(today, &fm, 5));
        CHECK(meeting(today, &fm, tie_columns(pop).id, 1, 4).partner == kNoResident);
    }

    TEST_CASE("toolkit: write_slots copies the runs and empties the rest, in every shape") {
        Random rng{3};
        for (const size_t width : {size_t(1), size_t(2), size_t(4)})
            for (const size_t runs : {size_t(1), size_t(2)})
                for (const size_t spare : {size_t(0), size_t(3)}) { // slots past the runs, emptied
                    const size_t slots = runs * width + spare;
                    std::vector<Meeting> from(runs * width);
                    for (auto& m : from)
                        Encounters::put(&m, uint32_t(rng.next()), uint8_t(rng.next()), uint8_t(rng.next()));
                    for (unsigned empty = 0; empty < (1u << runs); ++empty) {
                        const Meeting* src[2] = {nullptr, nullptr};
                        for (size_t k = 0; k < runs; ++k)
                            src[k] = (empty >> k) & 1 ? nullptr : &from[k * width];
                        // 16-byte aligned, as a resident's slots are.
                        alignas(64) Meeting out[16];
                        for (auto& m : out)
                            Encounters::put(&m, 1, 0xFF, 0xFF); // garbage to overwrite
                        write_slots(out, slots, src, runs, width);
                        slot_stores_done();
                        for (size_t m = 0; m < slots; ++m) {
                            const size_t k = m / width;
                            const Meeting want =
                                k < runs && src[k] != nullptr ? src[k][m % width] : Meeting{};
                            CHECK(out[m].partner == want.partner);
                            CHECK(out[m].info == want.info);
                            CHECK(out[m].rumour == want.rumour);
                        }
                        CHECK(out[slots].partner == 1); // nothing past the resident's slots
                    }
                }
    }

    TEST_CASE("toolkit: bytes_at_least tests the four bytes as a byte by byte loop does") {
        Random rng{8};
        int checked = 0;
        for (int trial = 0; trial < 2000; ++trial) {
            // Bytes near the limit as well as anywhere.
            const unsigned limit = trial < 256 ? unsigned(trial) : rng.below(256);
            uint32_t packed = 0;
            for (size_t k = 0; k < 4; ++k) {
                const unsigned b = rng.below(2) ? rng.below(256)
                                                : std::min(255u, limit + rng.below(3) - std::min(limit, 1u));
                packed |= b << (8 * k);
            }
            CHECK(bytes_at_least(packed, limit) == bytes_at_least_plain(packed, limit));
            ++checked;
        }
        CHECK(bytes_at_least_plain(0x00FF0180u, 0x80) == 0b0101u); // bytes 0x80, 0x01, 0xFF, 0x00
        CHECK(bytes_at_least(0x00FF0180u, 0x80) == 0b0101u);
        CHECK(checked == 2000);
    }

    TEST_CASE("toolkit: columns gives the columns' data pointers") {
        std::vector<float> a(3);
        const std::vector<uint8_t> b(5);
        std::array<std::vector<uint32_t>, 2> c{std::vector<uint32_t>(2), std::vector<uint32_t>(4)};
        const auto [pa, pb] = columns(a, b);
        CHECK(pa == a.data());
        CHECK(pb == b.data());
        static_assert(std::is_same_v<std::remove_cvref_t<decltype(pb)>, const uint8_t*>);
        const auto pc = columns(c);
        CHECK(pc[0] == c[0].data());
        CHECK(pc[1] == c[1].data());
    }

} // TEST_SUITE

TEST_SUITE("unit") {
    TEST_CASE("toolkit: interleaved sums fold to the plain per-unit sums") {
        const size_t units = 7, n = 1001;
        icsim::InterleavedSums<uint64_t> counts(units);
        icsim::InterleavedSums<double> sums(units);
        std::vector<uint64_t> plain_n(units, 0), folded_n(units, 0);
        std::vector<double> plain(units, 0.0), folded(units, 0.0);
        for (size_t r = 0; r < n; ++r) {
            const size_t u = (r * 5 + r / 3) % units;
            const double v = 0.25 * double(r % 11);
            counts.at(r, u) += 1;
            sums.at(r, u) += v;
            plain_n[u] += 1;
            plain[u] += v;
        }
        counts.fold_into(folded_n);
        sums.fold_into(folded);
        CHECK(folded_n == plain_n);
        for (size_t u = 0; u < units; ++u)
            CHECK(folded[u] == doctest::Approx(plain[u])); // quarter steps: exact in any order too
    }
}
