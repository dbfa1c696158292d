// Counter-based random numbers: every draw is a pure function of
// (seed, stream, step, id, index), so no generator state is shared between
// residents or threads and the scheduling order can never change a draw.
//
// Algorithm: Philox4x32-10 (Salmon, Moraes, Dror & Shaw 2011, "Parallel random
// numbers: as easy as 1, 2, 3", SC'11), the generator of Random123 and
// cuRAND; it passes TestU01 BigCrush with no failures.
//   key     = (seed & 0xffffffff, seed >> 32)
//   counter = (id, index / 2, step, stream)
//   draw    = 64-bit half (index % 2) of the 128-bit Philox output block.
// Streams (see Stream below) separate mechanisms, so two mechanisms never
// consume the same numbers. tests/sim/test_rng.cpp checks the published
// known-answer vectors, uniformity and the independence of streams.
#pragma once

#include <array>
#include <cmath>
#include <cstdint>

namespace icsim {

// One stream id per consumer of random numbers. Append new ids; never reorder
// (that would change every result for a given seed).
enum class Stream : uint32_t {
    Setup = 1,           // building the initial city
    Mobility = 2,        // residential mobility decisions
    MobilityResolve = 3, // conflict priorities for vacancies
    Activities = 4,      // which places residents visit (models/encounters.cpp)
    Meetings = 5,        // who meets whom at a place, and how it goes
    Attitudes = 6,       // reserved (attitudes draws nothing)
    Friendship = 7,      // reserved (friendship draws from FriendMeetings)
    Culture = 8,         // models/culture.cpp
    Rumours = 9,         // models/rumours.cpp
    SocialSetup = 10,    // initial social state (workplaces, traits, agents)
    PlaceRounds = 11,    // per (place, round) pairing offsets
    FriendMeetings = 12, // whether two friends meet in a step (keyed by the pair)
    LabourMarket = 13,   // models/labour_market.cpp: job loss, applications, hiring order
    Classic = 16,        // classic reference models (models/classic)
    Bench = 17,          // benchmark models
    Sweep = 18,          // ensembles (sweep/): design draws and per-run seeds
    Language = 21,       // models/language_learning.cpp: who asks for a course place
    Welcoming = 22,      // models/welcoming.cpp: mentor matching
    Migration = 23,      // models/migration.cpp: departures, arrival counts, dwellings, newcomers
    Housing = 24,        // models/housing.cpp: landlords' and allocators' decisions
    Participation = 25,  // models/participation.cpp: who takes part in a step
    Trust = 26,          // models/trust.cpp: stochastic rounding of the 8-bit trust columns
    Test = 99,
};

namespace philox {
constexpr uint32_t kM0 = 0xD2511F53u, kM1 = 0xCD9E8D57u; // multipliers
constexpr uint32_t kW0 = 0x9E3779B9u, kW1 = 0xBB67AE85u; // Weyl key increments

inline std::array<uint32_t, 4> block(std::array<uint32_t, 4> ctr, std::array<uint32_t, 2> key) {
    for (int round = 0; round < 10; ++round) {
        const uint64_t p0 = uint64_t(kM0) * ctr[0];
        const uint64_t p1 = uint64_t(kM1) * ctr[2];
        ctr = {uint32_t(p1 >> 32) ^ ctr[1] ^ key[0], uint32_t(p1), uint32_t(p0 >> 32) ^ ctr[3] ^ key[1],
               uint32_t(p0)};
        key[0] += kW0;
        key[1] += kW1;
    }
    return ctr;
}
} // namespace philox

// Draw number `index` of (seed, stream, step, id) as a pure function.
inline uint64_t draw_u64(uint64_t seed, Stream stream, uint32_t step, uint32_t id, uint64_t index) {
    const auto out = philox::block({id, uint32_t(index >> 1), step, uint32_t(stream)},
                                   {uint32_t(seed), uint32_t(seed >> 32)});
    return (index & 1) ? (uint64_t(out[3]) << 32 | out[2]) : (uint64_t(out[1]) << 32 | out[0]);
}

// SplitMix64's finaliser (Steele, Lea & Flood 2014): a bijection of 64-bit
// words with full avalanche.
inline uint64_t mix64(uint64_t z) {
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

// A cheap keyed hash of (seed, stream, step, a, b) for the hot loops of the
// social mechanisms (a draw per meeting or per tie). It is SplitMix64
// (Steele, Lea & Flood 2014, "Fast splittable pseudorandom number
// generators", OOPSLA) read at counter (a << 32 | b): the output is
// mix64(base + counter x golden), where base is a mix of (seed, stream,
// step) computed once per KeyedHash. Distinct counters give distinct
// outputs (both steps are bijections); like Philox it is a pure function of
// its key, so results do not depend on the thread count. About a tenth of a
// Philox block's cost once the base is computed.
class KeyedHash {
public:
    KeyedHash(uint64_t seed, Stream stream, uint32_t step)
        : base_(mix64(mix64(seed ^ 0x6A09E667F3BCC909ull) +
                      (uint64_t(stream) << 32 | step) * 0xBB67AE8584CAA73Bull)) {}
    uint64_t operator()(uint32_t a, uint32_t b) const {
        return mix64(base_ + (uint64_t(a) << 32 | b) * 0x9E3779B97F4A7C15ull);
    }

private:
    uint64_t base_;
};

inline uint64_t hash_draw(uint64_t seed, Stream stream, uint32_t step, uint32_t a, uint32_t b) {
    return KeyedHash(seed, stream, step)(a, b);
}

// The test "u x 2^-bits < p" for a `bits`-bit integer u as an integer
// test "u < draw_limit(p, bits)": u x 2^-bits < p holds exactly when u <
// ceil(p x 2^bits) (scaling by a power of 2 is exact), so the two tests
// agree on every u; the integer one is cheaper in hot loops.
inline uint64_t draw_limit(double p, int bits) {
    return p <= 0 ? 0 : uint64_t(std::ceil(std::ldexp(p, bits)));
}

// The two 32-bit halves of a draw as uniforms in [0, 1) (2^-32 resolution).
inline double unit_hi(uint64_t x) {
    return double(uint32_t(x >> 32)) * 0x1.0p-32;
}
inline double unit_lo(uint64_t x) {
    return double(uint32_t(x)) * 0x1.0p-32;
}

// Uniform double in [0, 1) with 53 random bits.
inline double to_unit(uint64_t x) {
    return double(x >> 11) * 0x1.0p-53;
}

// A cheap sequential reader over the draws of one (seed, stream, step, id):
// draw k of a CounterRng equals draw_u64(seed, stream, step, id, k).
class CounterRng {
public:
    CounterRng(uint64_t seed, Stream stream, uint32_t step, uint32_t id)
        : key_{uint32_t(seed), uint32_t(seed >> 32)}, ctr_{id, 0, step, uint32_t(stream)} {}

    uint64_t next_u64() {
        if (have_ == 0) {
            buf_ = philox::block(ctr_, key_);
            ++ctr_[1];
            have_ = 2;
            return uint64_t(buf_[1]) << 32 | buf_[0];
        }
        have_ = 0;
        return uint64_t(buf_[3]) << 32 | buf_[2];
    }
    double uniform() { return to_unit(next_u64()); }
    bool bernoulli(double p) { return uniform() < p; }
    // Uniform integer in [0, n), n >= 1, without bias (Lemire 2019, "Fast
    // random integer generation in an interval", ACM TOMACS 29:3).
    uint32_t below(uint32_t n) {
        uint64_t m = uint64_t(uint32_t(next_u64() >> 32)) * n;
        if (uint32_t(m) < n) {
            const uint32_t threshold = uint32_t(-n) % n;
            while (uint32_t(m) < threshold)
                m = uint64_t(uint32_t(next_u64() >> 32)) * n;
        }
        return uint32_t(m >> 32);
    }

private:
    std::array<uint32_t, 2> key_;
    std::array<uint32_t, 4> ctr_;
    std::array<uint32_t, 4> buf_{};
    int have_ = 0;
};

} // namespace icsim
