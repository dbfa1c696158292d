// The meeting view: reading and writing a resident's packed meeting slots
// (Encounters::slot, sim/world.hpp) a few at a time. The SSE2 intrinsics
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

// The friends' meetings (Encounters::ties): bit k set when tie slot k holds
// a meeting whose info has any of `any_of` (kFriend: every meeting).
using TieMeetings = Encounters::TieMeetings;
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
