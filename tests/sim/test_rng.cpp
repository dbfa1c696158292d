#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <functional>
#include <vector>

#include "sim/rng.hpp"

using namespace icsim;

// Statistical tests below use fixed seeds, so they are deterministic: each
// either always passes or always fails. Thresholds are set where a correct
// generator would fail with probability about 1e-6 for a random seed, so a
// failure means a real defect (a broken round, a counter word not mixed in,
// a biased reduction), not bad luck.

namespace {

constexpr int kDraws = 1'000'000;

// Pearson chi-square of observed counts against equal expected counts.
double chi_square(const std::vector<uint64_t>& counts) {
    uint64_t n = 0;
    for (const uint64_t c : counts)
        n += c;
    const double expected = double(n) / double(counts.size());
    double x2 = 0;
    for (const uint64_t c : counts)
        x2 += (double(c) - expected) * (double(c) - expected) / expected;
    return x2;
}

// Upper 1e-6 quantiles of the chi-square distribution (scipy.stats.chi2.isf(1e-6, df)).
constexpr double kChi2Df2 = 27.63;
constexpr double kChi2Df5 = 35.89;
constexpr double kChi2Df63 = 131.37;
constexpr double kChi2Df999 = 1226.05;

// Pearson correlation of to_unit(x(i)) and to_unit(y(i)), i in [0, n).
double correlation(int n, const std::function<uint64_t(uint32_t)>& x,
                   const std::function<uint64_t(uint32_t)>& y) {
    double sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
    for (int i = 0; i < n; ++i) {
        const double a = to_unit(x(uint32_t(i))), b = to_unit(y(uint32_t(i)));
        sx += a;
        sy += b;
        sxx += a * a;
        syy += b * b;
        sxy += a * b;
    }
    const double cov = sxy / n - (sx / n) * (sy / n);
    return cov / std::sqrt((sxx / n - (sx / n) * (sx / n)) * (syy / n - (sy / n) * (sy / n)));
}

// Chi-square of the pairs (x(i), y(i)) over an 8 x 8 grid of the unit square (63 df).
double pair_chi_square(int n, const std::function<uint64_t(uint32_t)>& x,
                       const std::function<uint64_t(uint32_t)>& y) {
    std::vector<uint64_t> cells(64, 0);
    for (int i = 0; i < n; ++i)
        ++cells[(x(uint32_t(i)) >> 61) * 8 + (y(uint32_t(i)) >> 61)];
    return chi_square(cells);
}

constexpr uint64_t kSeed = 0x5eed'1234'abcd'0001ull;

} // namespace

TEST_SUITE("unit") {

    // Known answers of Philox4x32-10 from Random123's tests/kat_vectors, as
    // copied into DEShawResearch/Random123-Boost libs/random/test/test_philox.cpp
    // (lines "philox4x32 10 ctr0 ctr1 ctr2 ctr3 key0 key1  out0 out1 out2 out3"):
    //   00000000 00000000 00000000 00000000 00000000 00000000  6627e8d5 e169c58d bc57ac4c 9b00dbd8
    //   ffffffff ffffffff ffffffff ffffffff ffffffff ffffffff  408f276d 41c83b0e a20bc7c6 6d5451fd
    //   243f6a88 85a308d3 13198a2e 03707344 a4093822 299f31d0  d16cfe09 94fdcceb 5001e420 24126ea1
    TEST_CASE("rng: Philox4x32-10 known-answer vectors") {
        using W4 = std::array<uint32_t, 4>;
        CHECK(philox::block({0, 0, 0, 0}, {0, 0}) == W4{0x6627e8d5u, 0xe169c58du, 0xbc57ac4cu, 0x9b00dbd8u});
        CHECK(
            philox::block({0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu}, {0xffffffffu, 0xffffffffu}) ==
            W4{0x408f276du, 0x41c83b0eu, 0xa20bc7c6u, 0x6d5451fdu});
        CHECK(
            philox::block({0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u}, {0xa4093822u, 0x299f31d0u}) ==
            W4{0xd16cfe09u, 0x94fdccebu, 0x5001e420u, 0x24126ea1u});
    }

    // The same vectors through draw_u64, which pins the counter layout:
    // key = (seed lo, seed hi), counter = (id, index / 2, step, stream), draw =
    // low 64 bits (index even) or high 64 bits (index odd) of the block, word 0
    // in the low half.
    TEST_CASE("rng: draw_u64 counter layout") {
        CHECK(draw_u64(0, Stream(0), 0, 0, 0) == 0xe169c58d'6627e8d5ull);
        CHECK(draw_u64(0, Stream(0), 0, 0, 1) == 0x9b00dbd8'bc57ac4cull);
        CHECK(draw_u64(~0ull, Stream(0xffffffffu), 0xffffffffu, 0xffffffffu, 0x1'ffff'ffffull) ==
              0x6d5451fd'a20bc7c6ull);
        const uint64_t seed = 0x299f31d0'a4093822ull;
        const auto stream = Stream(0x03707344u);
        const uint64_t index = uint64_t(0x85a308d3u) * 2;
        CHECK(draw_u64(seed, stream, 0x13198a2eu, 0x243f6a88u, index) == 0x94fdcceb'd16cfe09ull);
        CHECK(draw_u64(seed, stream, 0x13198a2eu, 0x243f6a88u, index + 1) == 0x24126ea1'5001e420ull);
    }

    TEST_CASE("rng: CounterRng draw k equals draw_u64(k)") {
        for (const uint64_t seed : {uint64_t(0), kSeed, ~uint64_t(0)})
            for (const Stream stream : {Stream::Setup, Stream::Mobility, Stream::Test})
                for (const uint32_t id : {0u, 1u, 4'000'000'000u}) {
                    CounterRng rng(seed, stream, 7, id);
                    for (uint64_t k = 0; k < 9; ++k) {
                        CAPTURE(seed);
                        CAPTURE(id);
                        CAPTURE(k);
                        CHECK(rng.next_u64() == draw_u64(seed, stream, 7, id, k));
                    }
                }
        // uniform() is to_unit of the same draws.
        CounterRng a(kSeed, Stream::Test, 3, 5);
        CHECK(a.uniform() == to_unit(draw_u64(kSeed, Stream::Test, 3, 5, 0)));
        CHECK(a.uniform() == to_unit(draw_u64(kSeed, Stream::Test, 3, 5, 1)));
    }

    TEST_CASE("rng: to_unit maps to 0..1 with 53 bits") {
        CHECK(to_unit(0) == 0.0);
        CHECK(to_unit(~uint64_t(0)) < 1.0);
        CHECK(to_unit(~uint64_t(0)) == 1.0 - 0x1.0p-53);
        CHECK(to_unit(uint64_t(1) << 11) == 0x1.0p-53); // the smallest step
        CHECK(to_unit(uint64_t(1) << 63) == 0.5);
        CHECK(to_unit((uint64_t(1) << 11) - 1) == 0.0); // the 11 low bits are dropped
    }

    TEST_CASE("rng: draw_limit gives the same outcomes as the floating-point test") {
        // Every 16-bit u against chances on and between the grid of 2^-16
        // (and 0, 1, values just off a grid point); 32-bit u near the limit
        // and at random.
        std::vector<double> chances = {0.0, 1.0, 0.5, 0x1.0p-16, 1 - 0x1.0p-16, 0.05, 0.1, 0.3, 0.9};
        for (const double p : {0.25, 0.5, 0.75})
            chances.insert(chances.end(), {std::nextafter(p, 0.0), std::nextafter(p, 1.0)});
        CounterRng rng(kSeed, Stream::Test, 9, 0);
        for (int k = 0; k < 50; ++k)
            chances.push_back(rng.uniform());
        size_t wrong = 0, checked = 0;
        for (const double p : chances) {
            const uint64_t l16 = draw_limit(p, 16), l32 = draw_limit(p, 32);
            for (uint64_t u = 0; u < 65536; ++u, ++checked)
                wrong += (u < l16) != (double(u) * 0x1.0p-16 < p);
            for (int k = -3; k < 3; ++k) { // around the limit
                const uint64_t u = uint64_t(std::clamp<int64_t>(int64_t(l32) + k, 0, 0xFFFFFFFF));
                wrong += (u < l32) != (double(u) * 0x1.0p-32 < p);
                ++checked;
            }
            for (int k = 0; k < 1000; ++k, ++checked) {
                const uint64_t u = rng.next_u64() >> 32;
                wrong += (u < l32) != (unit_hi(u << 32) < p);
            }
        }
        CHECK(checked > 4000000);
        CHECK(wrong == 0);
        CHECK(draw_limit(0.0, 32) == 0);
        CHECK(draw_limit(1.0, 16) == 65536);
        CHECK(draw_limit(0.5, 16) == 32768);
    }

    TEST_CASE("rng: sequential draws are uniform (chi-square / 64 bins)") {
        // 1e6 draws of one CounterRng; the top 6 bits (what to_unit and below()
        // mostly use) and the low 6 bits each in 64 bins. For 63 df, mean 63, SD 11.2.
        std::vector<uint64_t> top(64, 0), low(64, 0);
        CounterRng rng(kSeed, Stream::Test, 1, 0);
        for (int i = 0; i < kDraws; ++i) {
            const uint64_t x = rng.next_u64();
            ++top[x >> 58];
            ++low[x & 63];
            const double u = to_unit(x);
            if (!(u >= 0.0 && u < 1.0))
                FAIL("to_unit out of [0, 1): " << u);
        }
        CHECK(chi_square(top) < kChi2Df63);
        CHECK(chi_square(low) < kChi2Df63);
    }

    TEST_CASE("rng: one draw per id is uniform (chi-square / 64 bins)") {
        // The usage pattern of a parallel loop: draw 0 of ids 0, 1, 2, ...
        std::vector<uint64_t> bins(64, 0);
        for (int i = 0; i < kDraws; ++i)
            ++bins[draw_u64(kSeed, Stream::Mobility, 1, uint32_t(i), 0) >> 58];
        CHECK(chi_square(bins) < kChi2Df63);
    }

    TEST_CASE("rng: below(n) stays in range and is uniform") {
        CounterRng rng(kSeed, Stream::Test, 2, 0);
        int nonzero = 0;
        for (int i = 0; i < 1000; ++i)
            nonzero += rng.below(1) != 0u ? 1 : 0;
        CHECK(nonzero == 0);
        // n = 6, 600,000 draws: 5 df.
        {
            std::vector<uint64_t> bins(6, 0);
            for (int i = 0; i < 600'000; ++i) {
                const uint32_t v = rng.below(6);
                if (v >= 6u)
                    FAIL("below(6) returned " << v);
                ++bins[v];
            }
            CHECK(chi_square(bins) < kChi2Df5);
        }
        // n = 1000, 1e6 draws: 999 df (mean 999, SD 44.7).
        {
            std::vector<uint64_t> bins(1000, 0);
            for (int i = 0; i < kDraws; ++i) {
                const uint32_t v = rng.below(1000);
                if (v >= 1000u)
                    FAIL("below(1000) returned " << v);
                ++bins[v];
            }
            CHECK(chi_square(bins) < kChi2Df999);
        }
        // n = 3 x 2^30, where a plain multiply-shift without rejection is most
        // biased: floor(3x/4) over 32-bit x hits every value v = 0 (mod 3) twice
        // and the others once, so v mod 3 would be 0 with probability 1/2, not
        // 1/3. With Lemire's rejection the three residues are equally likely.
        {
            const uint32_t n = 3u << 30;
            std::vector<uint64_t> residues(3, 0);
            for (int i = 0; i < 300'000; ++i) {
                const uint32_t v = rng.below(n);
                if (v >= n)
                    FAIL("below(3 x 2^30) returned " << v);
                ++residues[v % 3];
            }
            CHECK(chi_square(residues) < kChi2Df2);
        }
    }

    TEST_CASE("rng: bernoulli frequencies") {
        CounterRng rng(kSeed, Stream::Test, 4, 0);
        int zero = 0, one = 0, third = 0;
        for (int i = 0; i < kDraws; ++i) {
            zero += rng.bernoulli(0.0) ? 1 : 0;
            one += rng.bernoulli(1.0) ? 1 : 0;
            third += rng.bernoulli(0.3) ? 1 : 0;
        }
        CHECK(zero == 0);
        CHECK(one == kDraws);
        // Binomial(1e6, 0.3): SD = sqrt(1e6 x 0.21) = 458; 5 SD = 2291.
        CHECK(std::abs(third - 300'000) < 2291);
    }

    // Independence of neighbouring counters. Under independence the sample
    // correlation of N pairs is ~ Normal(0, 1/N), so |r| < 5/sqrt(N) fails with
    // probability 5.7e-7; the 8 x 8 chi-square of the pairs also catches
    // dependence that is not linear.
    TEST_CASE("rng: adjacent ids / indices / steps / streams and seeds are independent") {
        const double bound = 5.0 / std::sqrt(double(kDraws));
        using Draw = std::function<uint64_t(uint32_t)>;
        struct Case {
            const char* name;
            Draw x, y;
        };
        const Draw base = [](uint32_t i) { return draw_u64(kSeed, Stream::Mobility, 5, i, 0); };
        const std::vector<Case> cases{
            {"id i vs id i+1", base,
             [](uint32_t i) { return draw_u64(kSeed, Stream::Mobility, 5, i + 1, 0); }},
            {"index 0 vs 1 (same block)", base,
             [](uint32_t i) { return draw_u64(kSeed, Stream::Mobility, 5, i, 1); }},
            {"index 1 vs 2 (next block)",
             [](uint32_t i) { return draw_u64(kSeed, Stream::Mobility, 5, i, 1); },
             [](uint32_t i) { return draw_u64(kSeed, Stream::Mobility, 5, i, 2); }},
            {"step 5 vs 6", base, [](uint32_t i) { return draw_u64(kSeed, Stream::Mobility, 6, i, 0); }},
            {"stream Mobility vs MobilityResolve", base,
             [](uint32_t i) { return draw_u64(kSeed, Stream::MobilityResolve, 5, i, 0); }},
            {"seed vs seed + 1", base,
             [](uint32_t i) { return draw_u64(kSeed + 1, Stream::Mobility, 5, i, 0); }},
            {"seed vs seed + 2^32", base,
             [](uint32_t i) { return draw_u64(kSeed + (uint64_t(1) << 32), Stream::Mobility, 5, i, 0); }},
        };
        for (const Case& c : cases) {
            CAPTURE(c.name);
            CHECK(std::abs(correlation(kDraws, c.x, c.y)) < bound);
            CHECK(pair_chi_square(kDraws, c.x, c.y) < kChi2Df63);
        }
    }

    TEST_CASE("rng: the statistical checks can fail") {
        // Guards against tautological tests: the same machinery flags a
        // correlated pair and a biased generator.
        const double bound = 5.0 / std::sqrt(double(kDraws));
        const auto x = [](uint32_t i) { return draw_u64(kSeed, Stream::Test, 0, i, 0); };
        // y = x with its top bit replaced by a fresh one: correlation 0.25.
        const auto y = [&](uint32_t i) {
            return x(i) ^ (draw_u64(kSeed, Stream::Test, 1, i, 0) & (uint64_t(1) << 63));
        };
        CHECK(std::abs(correlation(kDraws, x, y)) > bound);
        CHECK(pair_chi_square(kDraws, x, y) > kChi2Df63);
        // Plain multiply-shift without rejection at n = 3 x 2^30 (the bias the
        // below() test looks for).
        std::vector<uint64_t> residues(3, 0);
        for (int i = 0; i < 300'000; ++i)
            ++residues[uint32_t((uint64_t(uint32_t(x(uint32_t(i)) >> 32)) * (3u << 30)) >> 32) % 3];
        CHECK(chi_square(residues) > kChi2Df2);
    }

} // TEST_SUITE
