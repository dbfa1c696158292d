// Friendship ties (a small set per resident; docs/model/friendship.md).
// Each resident holds kTieSlots tie slots: an acquaintance's id and a
// strength (0 = empty). From the step's meetings
// (kMeetings, published by the encounters mechanism), in slot order:
//  - a pleasant (positive) meeting with someone already in a slot adds 1 to
//    the strength (at most 255); with someone new, it takes an empty slot,
//    or else replaces the weakest acquaintance below the friendship
//    threshold (lowest strength, then lowest slot), starting at strength 1;
//    when every slot holds a friend, it leaves no trace;
//  - an unpleasant (negative) meeting with someone in a slot takes 1 off
//    (a slot at 0 is emptied);
//  - a tie of strength >= friend_threshold is a friendship. Two friends meet
//    outside the places with probability friend_meeting, drawn once per
//    (step, pair) so both sides see the same meeting; the meeting renews the
//    tie and is written to the resident's friends' meetings (kFriendMeetings)
//    as a pleasant meeting (an out-group friend's is a positive contact);
//  - a tie not renewed in the step loses 1 with probability `decay`.
// Both draws come from one keyed hash of (seed, step, lower id, higher id)
// (sim/rng.hpp) per tie: a mutual tie meets and decays alike on both sides.
// Repeated pleasant meetings are needed: at a place of s visitors two given
// residents meet about 2 x rounds / (s - 1) times a step, so friendships
// grow among colleagues at small workplaces and rarely in a crowded park.
// Ties are one-sided records: each resident updates only its own slots, from
// meetings both sides saw alike, so ties are mutual unless one side's slots
// were full. Each resident's update reads only its own slots and the step's
// meetings (and, for a friends' meeting, the friend's start-of-step state
// in the place meetings' `start`): parallel and independent of the thread count.
#include "models/friendship.hpp"
#include "models/encounters.hpp"
#include "models/registry.hpp"
#include "models/step_meetings.hpp"

#include <algorithm>
#include <cmath>
#include <iterator>

#include <oneapi/tbb/parallel_for.h>

#include "sim/bytes.hpp"
#include "sim/columns.hpp"
#include "sim/interleaved.hpp"
#include "sim/meetings.hpp"
#include "sim/parallel.hpp"
#include "sim/rng.hpp"

namespace icsim {

const std::vector<Field<FriendshipParams>>& friendship_fields() {
    using P = FriendshipParams;
    static const std::vector<Field<P>> fields = {
        {"friend_threshold",
         &P::friend_threshold,
         1,
         255,
         "meetings",
         "net pleasant meetings that make an acquaintance a friend",
         assumption(),
         {2, 6}},
        {"decay",
         &P::decay,
         0,
         1,
         "per step",
         "chance that a tie not renewed in a step weakens by one (0.05: an unrenewed friendship of strength "
         "3 falls below friendship after ~20 weekly steps and is gone after ~60)",
         assumption(),
         {0.01, 0.1}},
        {"friend_meeting",
         &P::friend_meeting,
         0,
         1,
         "per step",
         "chance that two friends meet outside the places in a step (renewing the tie)",
         assumption(),
         {0.2, 1}},
    };
    return fields;
}

namespace {

// The tie columns' names, slot by slot.
constexpr const char* kTieIdNames[] = {"tie_0", "tie_1", "tie_2", "tie_3"};
constexpr const char* kTieStrengthNames[] = {"tie_strength_0", "tie_strength_1", "tie_strength_2",
                                             "tie_strength_3"};
static_assert(std::size(kTieIdNames) == kTieSlots && std::size(kTieStrengthNames) == kTieSlots);

} // namespace

MechanismEntry friendship_mechanism() {
    MechanismEntry e = make_mechanism_entry(
        "friendship", "ties from repeated pleasant meetings, friends' meetings, decay without contact",
        friendship_fields, make_friendship);
    for (const char* name : kTieIdNames) {
        ColumnDecl id{name, ColumnType::U32, double(kNoResident), "",
                      "resident id of a tie slot's acquaintance; 4294967295 = empty"};
        id.resident_ref = true;
        e.columns.push_back(id);
    }
    for (const char* name : kTieStrengthNames)
        e.columns.push_back({name, ColumnType::U8, 0.0, "meetings",
                             "strength of the tie slot of the same number (0 = empty; a friend from "
                             "friendship.friend_threshold)"});
    e.columns.push_back({"tie_outgroup", ColumnType::U8, 0.0, "",
                         "bit k set: the acquaintance in tie slot k is of another group than the resident"});
    e.series = {
        {"/timeseries/outgroup_friend_share", Dims::StepGroup, "1",
         "share of each group's members with at least one out-group friend (friendship)"},
        {"/neighbourhoods/outgroup_friend_share", Dims::StepNeighbourhood, "1",
         "share of a neighbourhood's residents with at least one out-group friend (friendship)"},
    };
    e.summary = [](const World& w, std::vector<std::pair<std::string, double>>& out) {
        if (friend_threshold(w) == 0)
            return;
        const FriendFigures f = friend_figures(w);
        for (int g = 0; g < w.group_total(); ++g)
            out.emplace_back("outgroup_friends." + w.groups[size_t(g)].name,
                             f.outgroup_friend_share[size_t(g)]);
    };
    e.reads = "the step's place meetings; own ties and `tie_outgroup`; friends' start-of-step rumour state "
              "(the place meetings' `start`)";
    e.writes =
        "ties, `tie_outgroup`; the step's friends' meetings (`kFriendMeetings`: `ties`, per tie slot a "
        "friends' meeting or none; `friends`, the `friend_flags`: which tie slots hold an in-group "
        "friend, and whether any holds an out-group friend, for extended contact)";
    return e;
}

namespace {

// The tie columns' handles, looked up once (after the registry declared them).
struct TieHandles {
    std::array<ColumnHandle<uint32_t>, kTieSlots> id;
    std::array<ColumnHandle<uint8_t>, kTieSlots> strength;
    ColumnHandle<uint8_t> outgroup;
};
const TieHandles& tie_handles() {
    static const TieHandles h = [] {
        mechanism_registry();
        TieHandles t;
        for (size_t k = 0; k < kTieSlots; ++k) {
            t.id[k] = column_handle<uint32_t>(kTieIdNames[k]);
            t.strength[k] = column_handle<uint8_t>(kTieStrengthNames[k]);
        }
        t.outgroup = column_handle<uint8_t>("tie_outgroup");
        return t;
    }();
    return h;
}

template <class View, class Pop>
View tie_view(Pop& pop) {
    const TieHandles& h = tie_handles();
    View v{};
    for (size_t k = 0; k < kTieSlots; ++k) {
        v.id[k] = pop.column(h.id[k]).data();
        v.strength[k] = pop.column(h.strength[k]).data();
    }
    v.outgroup = pop.column(h.outgroup).data();
    return v;
}

} // namespace

TieColumns tie_columns(Population& pop) {
    return tie_view<TieColumns>(pop);
}
ConstTieColumns tie_columns(const Population& pop) {
    return tie_view<ConstTieColumns>(pop);
}

FriendFigures friend_figures(const World& w) {
    const Population& pop = w.pop;
    const size_t n = pop.size(), G = size_t(w.group_total()), H = size_t(w.hoods.count());
    const uint8_t thr = friend_threshold(w);
    FriendFigures m;
    m.outgroup_friend_share.assign(G, NAN);
    m.hood_outgroup_friend_share.assign(H, NAN);
    if (thr == 0)
        return m;
    // Who has an out-group friend: the friendship mechanism's flags when it
    // updated the ties in the current step (ties do not change after it in
    // a step), else counted from the tie columns.
    const Encounters* const today = w.products.find(kMeetings);
    const uint8_t* const friends = today != nullptr ? StepMeetings(w, today->step).friend_flags : nullptr;
    struct Sums {
        std::vector<uint64_t> g_n, g_friend, h_n, h_friend;
        Sums(size_t groups, size_t hoods) : g_n(groups), g_friend(groups), h_n(hoods), h_friend(hoods) {}
    };
    const size_t blocks = (n + kReduceBlock - 1) / kReduceBlock;
    const bool vacant_any = w.vacancies > 0;
    std::vector<Sums> part(blocks, Sums(G, H));
    oneapi::tbb::parallel_for(size_t(0), blocks, [&](size_t b) {
        Sums& s = part[b];
        const size_t r0 = b * kReduceBlock, r1 = std::min(n, r0 + kReduceBlock);
        const uint8_t* const group = pop.group.data();
        // Counts run in registers over runs of one group (ids come in runs
        // of one group), flushed when the group changes; the
        // neighbourhoods' in interleaved copies (sim/interleaved.hpp).
        size_t run_g = group[r0];
        uint64_t run = 0, run_n = 0;
        InterleavedSums<uint64_t> hood_f(H), hood_n(H);
        auto count = [&](auto has_outgroup_friend) {
            for (size_t r = r0; r < r1; ++r) {
                if (vacant_any && pop.vacant(r)) // (sim/world.hpp)
                    continue;
                const size_t g = group[r];
                if (g != run_g) {
                    s.g_friend[run_g] += run;
                    s.g_n[run_g] += run_n;
                    run = run_n = 0;
                    run_g = g;
                }
                const uint64_t out = has_outgroup_friend(r);
                run += out;
                run_n += 1;
                hood_f.at(r, w.hood[r]) += out;
                hood_n.at(r, w.hood[r]) += 1;
            }
        };
        if (friends != nullptr) // the friendship mechanism's flags, one byte per resident
            count([&](size_t r) { return uint64_t(friends[r] >> kTieSlots); });
        else
            count([&, ties = tie_columns(pop)](size_t r) {
                return uint64_t(outgroup_friends(ties, r, thr) != 0);
            });
        s.g_friend[run_g] += run;
        s.g_n[run_g] += run_n;
        hood_f.fold_into(s.h_friend);
        hood_n.fold_into(s.h_n);
    });
    Sums t(G, H);
    for (const Sums& s : part) {
        for (size_t g = 0; g < G; ++g) {
            t.g_n[g] += s.g_n[g];
            t.g_friend[g] += s.g_friend[g];
        }
        for (size_t h = 0; h < H; ++h) {
            t.h_n[h] += s.h_n[h];
            t.h_friend[h] += s.h_friend[h];
        }
    }
    auto ratio = [](uint64_t a, uint64_t b) { return b > 0 ? double(a) / double(b) : double(NAN); };
    for (size_t g = 0; g < G; ++g)
        m.outgroup_friend_share[g] = ratio(t.g_friend[g], t.g_n[g]);
    for (size_t h = 0; h < H; ++h)
        m.hood_outgroup_friend_share[h] = ratio(t.h_friend[h], t.h_n[h]);
    return m;
}

namespace {

// A resident's tie slots while the pass works on them: the ids, and the
// strengths packed in one word (byte k: slot k's), so that tests over all
// four slots are a few word operations.
struct Ties {
    uint32_t ids[kTieSlots];
    uint32_t strength;
    unsigned of(size_t k) const { return (strength >> (8 * k)) & 0xFFu; }
    void set(size_t k, unsigned s) { strength = (strength & ~(0xFFu << (8 * k))) | (s << (8 * k)); }
};

// Bit k: slot k's strength is at least `at_least` (1-255) / is not 0.
[[gnu::always_inline]] inline unsigned strength_at_least(uint32_t strength, unsigned at_least) {
    static_assert(kTieSlots == 4); // one byte a slot in a 32-bit word
    return bytes_at_least(strength, at_least);
}
[[gnu::always_inline]] inline unsigned strength_held(uint32_t strength) {
    return strength_at_least(strength, 1);
}

// update_tie's body, inlined into the friendship pass.
[[gnu::always_inline]] inline int tie_rule(Ties& t, uint32_t partner, int change, unsigned friend_threshold) {
    // Without branches on the slots' contents (which a branch predictor
    // cannot guess): a bit mask of the slot holding the partner, and the
    // slot to fill as the minimum of a key per slot.
    unsigned held = 0;
    for (size_t k = 0; k < kTieSlots; ++k)
        held |= unsigned(t.ids[k] == partner) << k;
    held &= strength_held(t.strength);
    if (held != 0) {
        const auto k = size_t(__builtin_ctz(held));
        const int s = std::clamp(int(t.of(k)) + change, 0, 255);
        t.set(k, unsigned(s));
        if (s == 0)
            t.ids[k] = kNoResident;
        return int(k);
    }
    if (change <= 0)
        return -1;
    // Key (strength, slot) over the slots below friendship: an empty slot
    // has strength 0, so the first empty slot comes first, then the weakest
    // acquaintance (lowest slot among equals); a friend's slot is never
    // taken.
    const unsigned open = ~strength_at_least(t.strength, friend_threshold) & 0xFu;
    if (open == 0)
        return -1;
    unsigned best = ~0u;
    for (size_t k = 0; k < kTieSlots; ++k)
        best = std::min(best, (open >> k) & 1u ? (t.of(k) << 2 | unsigned(k)) : ~0u);
    const size_t slot = best & 3u;
    t.ids[slot] = partner;
    t.set(slot, 1);
    return int(slot);
}

} // namespace

int update_tie(uint32_t* ids, uint8_t* strength, uint32_t partner, int change, int friend_threshold) {
    Ties t{};
    for (size_t k = 0; k < kTieSlots; ++k) {
        t.ids[k] = ids[k];
        t.strength |= uint32_t(strength[k]) << (8 * k);
    }
    const int k = tie_rule(t, partner, change, unsigned(friend_threshold));
    for (size_t j = 0; j < kTieSlots; ++j) {
        ids[j] = t.ids[j];
        strength[j] = uint8_t(t.of(j));
    }
    return k;
}

namespace {

class Friendship final : public Mechanism {
public:
    explicit Friendship(const FriendshipParams& p) : p_(p) {}

    void publish(World& w, uint64_t) const override {
        w.products.set(kFriendThreshold, uint8_t(p_.friend_threshold));
        w.products.set(kFriendMeetings, FriendMeetings{});
    }

    void step(World& w, const StepContext& ctx) override {
        Population& pop = w.pop;
        // The place meetings, when the encounters ran in this step.
        const Encounters* const today = StepMeetings(w, ctx.step).places;
        FriendMeetings& fm = w.products.at(kFriendMeetings);
        const bool have_meetings = today != nullptr;
        const size_t n = pop.size(), S = have_meetings ? today->slots : 0;
        // The friends' start-of-step rumour states (read only with meetings).
        const uint8_t* const start_rumour = have_meetings ? today->start.rumour.data() : nullptr;
        const uint32_t thr = uint32_t(p_.friend_threshold);
        struct Tally {
            uint64_t made = 0, lost = 0;
            Tally& operator+=(const Tally& o) {
                made += o.made;
                lost += o.lost;
                return *this;
            }
        };
        const KeyedHash pair_draw(ctx.seed, Stream::FriendMeetings, ctx.step);
        fm.friends.resize(n);
        if (have_meetings)
            fm.ties.resize(n);
        // In blocks of residents, each with its tally.
        // (Compiled twice: with and without the step's meetings, so that the
        // loop takes no branch on which.)
        const auto block = [&]<bool kMeetings>(size_t begin, size_t end) {
            // The arrays and parameters in locals, once per block: a store
            // through a byte pointer may alias anything, so reading them
            // through `w`, `pop` and `p_` would reload them after every
            // such store.
            const Meeting* const slots = kMeetings ? today->slot.data() : nullptr;
            TieMeetings* const ties = kMeetings ? fm.ties.data() : nullptr;
            const TieColumns tie_cols = tie_columns(pop);
            const auto tie = tie_cols.id;
            const auto tie_strength = tie_cols.strength;
            uint8_t* const tie_outgroup = tie_cols.outgroup;
            uint8_t* const friend_flags_of = fm.friends.data();
            // The draws' tests on integers (draw_limit: the same outcomes).
            const uint64_t meet_limit = draw_limit(p_.friend_meeting, 32),
                           decay_limit = draw_limit(p_.decay, 32);
            Tally x;
            for (size_t r = begin; r < end; ++r) {
                const Meeting* const slot = kMeetings ? slots + r * S : nullptr;
                TieMeetings met_friends{}; // this step's friends' meetings of r
                Ties t{};
                uint8_t outgroup = tie_outgroup[r];
                unsigned renewed = 0; // bit k: tie slot k renewed in the step
                for (size_t k = 0; k < kTieSlots; ++k) {
                    t.ids[k] = tie[k][r];
                    t.strength |= uint32_t(tie_strength[k][r]) << (8 * k);
                }
                const unsigned friends_before = strength_at_least(t.strength, thr); // bit k: a friend
                // The valenced place meetings (no branch per slot).
                if constexpr (kMeetings)
                    for_each_meeting(slot,
                                     held_slots(slot, S) &
                                         info_slots(slot, S, Encounters::kPositive | Encounters::kNegative),
                                     [&](size_t, const Meeting& mt) {
                                         const int k = tie_rule(
                                             t, mt.partner, (mt.info & Encounters::kPositive) ? 1 : -1, thr);
                                         if (k >= 0) {
                                             renewed |= 1u << k;
                                             const uint8_t bit = uint8_t(1u << k);
                                             outgroup = (mt.info & Encounters::kOutgroup)
                                                            ? uint8_t(outgroup | bit)
                                                            : uint8_t(outgroup & ~bit);
                                         }
                                     });
                // Each tie slot's turn changes only its own strength, so
                // these masks hold for the turns of the others.
                const unsigned friends_now = strength_at_least(t.strength, thr),
                               held_now = strength_held(t.strength);
                for (size_t k = 0; k < kTieSlots; ++k) {
                    // One draw per (step, pair) decides whether the two meet and
                    // whether an unrenewed tie weakens, so both sides of a mutual
                    // tie see the same; it is used where the slot holds a tie.
                    // (Branch-free forms of these tests were measured no faster:
                    // docs/performance.md.)
                    const uint32_t id = t.ids[k];
                    const uint32_t lo = std::min(uint32_t(r), id), hi = std::max(uint32_t(r), id);
                    const uint64_t h = pair_draw(lo, hi);
                    const bool met = ((friends_now >> k) & 1u) && (h >> 32) < meet_limit;
                    renewed |= unsigned(met) << k;
                    if constexpr (kMeetings)
                        if (met) { // (the partner is the tie's: t.ids[k] stays id)
                            met_friends.info[k] = uint8_t(Encounters::kFriend | Encounters::kPositive |
                                                          ((outgroup >> k) & 1u ? Encounters::kOutgroup : 0));
                            met_friends.rumour[k] = start_rumour[id];
                        }
                    const bool weakens =
                        !((renewed >> k) & 1u) && ((held_now >> k) & 1u) && (h & 0xFFFFFFFFu) < decay_limit;
                    t.strength -= uint32_t(weakens) << (8 * k); // (a held slot's byte is at least 1)
                    t.ids[k] = weakens && t.of(k) == 0 ? kNoResident : id;
                }
                const unsigned friends = strength_at_least(t.strength, thr), held = strength_held(t.strength);
                outgroup = uint8_t(outgroup & held);
                static constexpr int kCount[16] = {0, 1, 1, 2, 1, 2, 2, 3,
                                                   1, 2, 2, 3, 2, 3, 3, 4}; // bits set
                const int net = kCount[friends] - kCount[friends_before];
                x.made += uint64_t(std::max(0, net));
                x.lost += uint64_t(std::max(0, -net));
                for (size_t k = 0; k < kTieSlots; ++k)
                    tie[k][r] = t.ids[k];
                tie_outgroup[r] = outgroup;
                friend_flags_of[r] = friend_flags(friends, outgroup);
                for (size_t k = 0; k < kTieSlots; ++k)
                    tie_strength[k][r] = uint8_t(t.of(k));
                if constexpr (kMeetings) // every resident's, each step: a meeting or none per slot
                    ties[r] = met_friends;
            }
            return x;
        };
        const Tally t = deterministic_block_sum<Tally>(n, [&](size_t begin, size_t end) {
            return have_meetings ? block.template operator()<true>(begin, end)
                                 : block.template operator()<false>(begin, end);
        });
        fm.friends_step = ctx.step;
        if (have_meetings)
            fm.ties_step = ctx.step;
        made_ = double(t.made);
        lost_ = double(t.lost);
    }

    void counters(Counters& out) const override {
        out.emplace_back("friendships_made", made_);
        out.emplace_back("friendships_lost", lost_);
    }

    void report(const World& w, std::vector<std::vector<double>>& rows) const override {
        FriendFigures f = friend_figures(w);
        rows.push_back(std::move(f.outgroup_friend_share));
        rows.push_back(std::move(f.hood_outgroup_friend_share));
    }

private:
    FriendshipParams p_;
    double made_ = 0, lost_ = 0; // net per resident: a slot can be replaced and made again
};

} // namespace

std::unique_ptr<Mechanism> make_friendship(const FriendshipParams& params, const World&) {
    return std::make_unique<Friendship>(params);
}

} // namespace icsim
