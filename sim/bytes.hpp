// Tests over the four bytes of a word at once (the friendship mechanism
// packs a resident's four tie strengths in one): SSE2 where there is one,
// with a plain version that gives the same (tests/sim/test_toolkit.cpp).
#pragma once

#include <cstddef>
#include <cstdint>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace icsim {

// Bit k (k < 4): byte k of `packed` is at least `at_least` (0-255).
[[gnu::always_inline]] inline unsigned bytes_at_least_plain(uint32_t packed, unsigned at_least) {
    unsigned bits = 0;
    for (size_t k = 0; k < 4; ++k)
        bits |= unsigned(((packed >> (8 * k)) & 0xFFu) >= at_least) << k;
    return bits;
}
[[gnu::always_inline]] inline unsigned bytes_at_least(uint32_t packed, unsigned at_least) {
#if defined(__SSE2__)
    // max(byte, at_least) == byte  <=>  byte >= at_least (unsigned bytes).
    const __m128i v = _mm_cvtsi32_si128(int(packed));
    const __m128i ge = _mm_cmpeq_epi8(_mm_max_epu8(v, _mm_set1_epi8(char(at_least))), v);
    return unsigned(_mm_movemask_epi8(ge)) & 0xFu;
#else
    return bytes_at_least_plain(packed, at_least);
#endif
}

} // namespace icsim
