// The step's meetings and the meeting view: the tables in which the
// encounters mechanism (place meetings, Encounters) and the friendship
// mechanism (friends' meetings, FriendMeetings) publish who met whom in a
// step (World::products: kMeetings, models/encounters.hpp, and
// kFriendMeetings, models/friendship.hpp), and the reading and writing of a
// resident's packed meeting slots a few at a time. The SSE2 intrinsics
// of the social mechanisms live here, each with a plain version that
// gives the same result (tests/sim/test_toolkit.cpp), so that a mechanism
// states which meetings it reads and not how the slots are laid out.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "sim/world.hpp"

namespace icsim {

// Who met whom at places in the current step: the encounters mechanism
// (models/encounters.cpp) writes it at the start of a step, the mechanisms
// after it read it. Transient: recomputed every step from the state and the
// counter RNG, so it is not part of a checkpoint. Resident r's place
// meetings are its `slots` slots [r * slots, (r + 1) * slots) (an unused
// one has partner kNoResident); its friends' meetings outside places follow
// as slots slots .. slots + kTieSlots - 1 (FriendMeetings below). The draws
// of culture and rumours are keyed by those slot numbers. The partner's
// rumour state in a slot is the one at the start of the step (its other
// start-of-step figures are in `start`).
struct Encounters {
    // info bits of a slot
    static constexpr uint8_t kOutgroup = 1; // partner of another group
    static constexpr uint8_t kPositive = 2; // a positive contact (out-group) or pleasant meeting (in-group)
    static constexpr uint8_t kNegative = 4; // a negative contact / unpleasant meeting
    static constexpr uint8_t kFriend = 8;   // a meeting of friends outside places (a tie's activation)
    static constexpr int kPlaceShift = 4;   // bits 4-5: PlaceKind of the place (with kFriend unset)

    // A meeting as one side saw it, with what the partner held at the start
    // of the step (so mechanisms read partners without random access).
    struct Meeting {
        uint32_t partner = kNoResident;
        uint8_t info = 0;   // the bits above
        uint8_t rumour = 0; // the partner's Population::rumour
    };
    // put() and the four-slot readers below rely on this layout: two 32-bit
    // words, the partner, then info | rumour << 8 (and padding).
    static_assert(sizeof(Meeting) == 8 && offsetof(Meeting, info) == 4 && offsetof(Meeting, rumour) == 5);
    // What partners read of a resident: its state at the start of the step,
    // one array per field, so that a read of a random partner touches a
    // small array (1 byte a resident for the rumour states) rather than a
    // wide record.
    struct StartOfStep {
        BigVector<uint32_t> culture;
        BigVector<float> prejudice;
        BigVector<uint8_t> rumour;
        void resize(size_t n) {
            culture.resize(n);
            prejudice.resize(n);
            rumour.resize(n);
        }
    };
    size_t slots = 0;  // place slots per resident
    uint32_t step = 0; // the step these meetings belong to (0 = none yet)
    StartOfStep start; // per resident, taken by the encounters mechanism
    // The step's place meetings in figures (each meeting once): all, between
    // groups, and positive / negative out-group contacts.
    uint64_t meetings = 0, outgroup = 0, positive = 0, negative = 0;
    BigVector<Meeting> slot; // resident r's place meetings at [r * slots, (r + 1) * slots)

    // Whether these are the meetings of step `now` (the encounters
    // mechanism ran in it).
    bool of_step(uint32_t now) const { return step == now && now > 0; }
    // A meeting as the 8-byte word it is in memory (its padding zero).
    static constexpr uint64_t word(uint32_t partner, uint8_t info, uint8_t rumour) {
        return uint64_t(partner) | uint64_t(info) << 32 | uint64_t(rumour) << 40;
    }
    // Writes a meeting as that one word: cheaper than a member-wise store
    // in the hot loops that fill the slots.
    static void put(Meeting* at, uint32_t partner, uint8_t info, uint8_t rumour) {
        const uint64_t w = word(partner, info, rumour);
        std::memcpy(static_cast<void*>(at), &w, sizeof w);
    }
};

// A resident's friends' meetings outside places: per tie slot k, the info
// bits (0: no meeting; else Encounters::kFriend and the rest as in a place
// slot) and the friend's start-of-step rumour state (0 without a meeting).
// A friends' meeting holds no partner id: the partner is the tie's
// (Population::tie; a met tie is renewed in the step, so it still names
// that friend when the readers run), which saves 16 bytes a resident.
struct TieMeetings {
    uint8_t info[kTieSlots];
    uint8_t rumour[kTieSlots];
};
static_assert(sizeof(TieMeetings) == 8);

// What the friendship mechanism (models/friendship.cpp) publishes of a
// step, after it updated the ties: the friends' meetings of step
// `ties_step` (written only in a step with place meetings: 0 = none), and
// per resident the friend_flags() of step `friends_step` (0 = none), what
// extended contact reads of a resident and of its friends.
struct FriendMeetings {
    BigVector<TieMeetings> ties; // resident r's friends' meetings at [r]
    uint32_t ties_step = 0;
    BigVector<uint8_t> friends;
    uint32_t friends_step = 0;
};

// Whether friends' meetings `f` (null: friendship does not run) belong to
// the place meetings `m` of step `now`: the friendship mechanism ran after
// the encounters mechanism in that step.
inline bool has_ties(const Encounters& m, const FriendMeetings* f, uint32_t now) {
    return f != nullptr && f->ties_step == now && m.step == now;
}

// The meeting in slot m < slots + kTieSlots of resident r: a place slot of
// `e`, else a friends' meeting of `f` and its tie's partner from the tie ids
// `tie` (tie_columns(pop).id, models/friendship.hpp; empty when `f` is null
// or its meetings are not those of e's step): the plain reading the fast
// readers below agree with.
template <class TieIds>
Encounters::Meeting meeting(const Encounters& e, const FriendMeetings* f, const TieIds& tie, size_t r,
                            size_t m) {
    if (m < e.slots)
        return e.slot[r * e.slots + m];
    const size_t k = m - e.slots;
    if (f == nullptr || f->ties_step != e.step || r >= f->ties.size() || f->ties[r].info[k] == 0)
        return Encounters::Meeting{};
    return Encounters::Meeting{tie[k][r], f->ties[r].info[k], f->ties[r].rumour[k]};
}

using Meeting = Encounters::Meeting;

namespace meeting_detail {

#if defined(__SSE2__)
// Four slots at `s`, one per 32-bit lane: their partners (partners = true);
// their second words (info | rumour << 8, padding above).
inline __m128i words4(const Meeting* s, bool partners) {
    const auto* const v = reinterpret_cast<const __m128i*>(s);
    const __m128 a0 = _mm_castsi128_ps(_mm_loadu_si128(v)), a1 = _mm_castsi128_ps(_mm_loadu_si128(v + 1));
    return _mm_castps_si128(partners ? _mm_shuffle_ps(a0, a1, _MM_SHUFFLE(2, 0, 2, 0))
                                     : _mm_shuffle_ps(a0, a1, _MM_SHUFFLE(3, 1, 3, 1)));
}
#endif

// Word 0: the slots whose partner is not kNoResident; word 1: those whose
// info & bits != 0.
inline uint64_t word_mask(const Meeting* s, size_t count, int word, uint8_t bits) {
    uint64_t out = 0;
    size_t m = 0;
#if defined(__SSE2__)
    // Bit j: slot at + j of the four at `at` has the property.
    const auto four = [s, word, bits](size_t at) {
        const __m128i lanes =
            word == 0 ? _mm_cmpeq_epi32(words4(s + at, true), _mm_set1_epi32(-1))
                      : _mm_cmpeq_epi32(_mm_and_si128(words4(s + at, false), _mm_set1_epi32(bits)),
                                        _mm_setzero_si128());
        return ~unsigned(_mm_movemask_ps(_mm_castsi128_ps(lanes))) & 0xFu;
    };
    // The default, one round of meetings a visit: straight code for a
    // resident's four place slots.
    if (count == 4)
        return four(0);
    for (; m + 4 <= count; m += 4)
        out |= uint64_t(four(m)) << m;
#endif
    for (; m < count; ++m)
        out |= uint64_t(word == 0 ? s[m].partner != kNoResident : (s[m].info & bits) != 0) << m;
    return out;
}

} // namespace meeting_detail

// Bit masks over a run of `count` <= 64 slots (bit m for slot m): the slots
// that hold a meeting; those whose info has any of the bits `any_of`. Found
// without a branch per slot (with SSE2, four slots at a time), so that a
// loop over the set bits takes no branch a predictor cannot guess on each
// empty slot.
inline uint64_t held_slots(const Meeting* s, size_t count) {
    return meeting_detail::word_mask(s, count, 0, 0);
}
inline uint64_t info_slots(const Meeting* s, size_t count, uint8_t any_of) {
    return meeting_detail::word_mask(s, count, 1, any_of);
}

// f(m, meeting) for each slot m of `s` whose bit is set in `mask`, in slot
// order (mask from held_slots / info_slots: only held slots, at most 64).
template <class F>
inline void for_each_meeting(const Meeting* s, uint64_t mask, F&& f) {
    for (; mask != 0; mask &= mask - 1) {
        const auto m = size_t(__builtin_ctzll(mask));
        f(m, s[m]);
    }
}

// The place meetings of resident r in `today`: its held place slots, in
// slot order.
template <class F>
inline void for_each_meeting(const Encounters& today, size_t r, F&& f) {
    const Meeting* const s = &today.slot[r * today.slots];
    for_each_meeting(s, held_slots(s, today.slots), f);
}

// The friends' meetings of a resident (FriendMeetings::ties): bit k set
// when tie slot k holds a meeting whose info has any of `any_of` (kFriend:
// every meeting).
inline unsigned tie_slots(const TieMeetings& t, uint8_t any_of) {
    unsigned bits = 0;
    for (size_t k = 0; k < kTieSlots; ++k)
        bits |= unsigned((t.info[k] & any_of) != 0) << k;
    return bits;
}

// f(k, meeting) for each tie slot k whose bit is set in `mask` (from
// tie_slots), in slot order, with the partner read from the tie columns
// (`tie`: columns(pop.tie)) at resident r.
template <class Ties, class F>
inline void for_each_tie_meeting(const TieMeetings& t, unsigned mask, const Ties& tie, size_t r, F&& f) {
    for (; mask != 0; mask &= mask - 1) {
        const auto k = size_t(__builtin_ctz(mask));
        f(k, Meeting{tie[k][r], t.info[k], t.rumour[k]});
    }
}

// Over `count` place slots: the OR of the partners' rumour bytes (`any`) and the
// OR of each byte's bits whose next higher bit is clear (`lone`, rumour byte
// b & ~(b >> 1): with two bits per rumour, its low bits are the rumours the
// partner spreads). An empty slot holds rumour byte 0. With SSE2, four
// slots at a time (the rumour byte sits above the info byte).
inline void partner_rumours(const Meeting* s, size_t count, unsigned& any, unsigned& lone) {
    size_t m = 0;
#if defined(__SSE2__)
    __m128i all = _mm_setzero_si128(), alone = _mm_setzero_si128();
    const __m128i byte = _mm_set1_epi32(0xFF);
    for (; m + 4 <= count; m += 4) {
        const __m128i x = meeting_detail::words4(s + m, false);
        const __m128i o = _mm_and_si128(_mm_srli_epi32(x, 8), byte); // four rumour bytes, one per lane
        all = _mm_or_si128(all, o);
        alone = _mm_or_si128(alone, _mm_andnot_si128(_mm_srli_epi32(o, 1), o));
    }
    // The four lanes' OR.
    all = _mm_or_si128(all, _mm_shuffle_epi32(all, _MM_SHUFFLE(1, 0, 3, 2)));
    all = _mm_or_si128(all, _mm_shuffle_epi32(all, _MM_SHUFFLE(2, 3, 0, 1)));
    alone = _mm_or_si128(alone, _mm_shuffle_epi32(alone, _MM_SHUFFLE(1, 0, 3, 2)));
    alone = _mm_or_si128(alone, _mm_shuffle_epi32(alone, _MM_SHUFFLE(2, 3, 0, 1)));
    any = unsigned(_mm_cvtsi128_si32(all));
    lone = unsigned(_mm_cvtsi128_si32(alone));
#else
    any = lone = 0;
#endif
    for (; m < count; ++m) {
        const unsigned o = s[m].rumour;
        any |= o;
        lone |= o & ~(o >> 1);
    }
}

// partner_rumours() over a resident's friends' meetings (rumour byte 0
// without a meeting), added to `any` and `lone`.
// The four bytes at once in one 32-bit word: each byte's lone bits are
// b & ~(b >> 1) with the shift kept inside its byte.
inline void tie_rumours(const TieMeetings& t, unsigned& any, unsigned& lone) {
    static_assert(kTieSlots == 4);
    uint32_t x;
    std::memcpy(&x, t.rumour, sizeof x);
    uint32_t y = x & ~((x >> 1) & 0x7F7F7F7Fu);
    x |= x >> 16;
    y |= y >> 16;
    any |= (x | x >> 8) & 0xFFu;
    lone |= (y | y >> 8) & 0xFFu;
}

// The scatter into resident slots: writes a resident's `slots` slots at
// `out` as `runs` runs of `width` meetings, run k copied from from[k]
// (nullptr: empty meetings), then empty meetings up to `slots`. For the
// default shape (two runs of two into four slots: half a cache line, which
// a large array holds 16-byte aligned) with SSE2, written with streaming
// stores, which do not read the line first (a pass in resident order fills
// each line whole); call slot_stores_done() before other threads read the
// slots.
inline void write_slots(Meeting* out, size_t slots, const Meeting* const* from, size_t runs, size_t width) {
#if defined(__SSE2__)
    if (slots == 4 && width == 2 && runs == 2) {
        const __m128i none = _mm_set1_epi64x(int64_t(Encounters::word(kNoResident, 0, 0)));
        for (size_t k = 0; k < 2; ++k) {
            const __m128i m =
                from[k] == nullptr ? none : _mm_loadu_si128(reinterpret_cast<const __m128i*>(from[k]));
            _mm_stream_si128(reinterpret_cast<__m128i*>(&out[k * 2]), m);
        }
        return;
    }
#endif
    for (size_t k = 0; k < runs; ++k) {
        if (from[k] == nullptr)
            std::fill_n(&out[k * width], width, Meeting{});
        else
            std::copy_n(from[k], width, &out[k * width]);
    }
    std::fill_n(&out[runs * width], slots - runs * width, Meeting{});
}

// Orders write_slots' streaming stores before what follows (another
// mechanism's threads read the slots next).
inline void slot_stores_done() {
#if defined(__SSE2__)
    _mm_sfence();
#endif
}

} // namespace icsim
