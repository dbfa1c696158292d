#include <doctest/doctest.h>

#include <algorithm>
#include <bit>
#include <cstdint>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <zlib.h>

#include "output/deflate.hpp"

using namespace icsim;

// Every stream is checked by zlib's own inflate (uncompress2, which also
// checks the header and the Adler-32 trailer) against the input, byte for
// byte: that is what HDF5's deflate filter will do with it.

namespace {

using Bytes = std::vector<uint8_t>;

// Encodes `count` planes of `plane_len` bytes, inflates the stream with zlib
// and checks it gives the input back and consumes the whole stream.
// Returns the stream's size.
size_t round_trip(const Bytes& planes, size_t plane_len, size_t count, DeflateStats* stats = nullptr) {
    REQUIRE(planes.size() == plane_len * count);
    CAPTURE(plane_len);
    CAPTURE(count);
    Bytes z = {0xab}; // a byte already there: deflate_planes appends
    const size_t n = deflate_planes(planes.empty() ? nullptr : planes.data(), plane_len, count, z, stats);
    REQUIRE(z.size() == n + 1);
    CHECK(z[0] == 0xab);
    CHECK(n <= deflate_planes_bound(plane_len, count));
    Bytes back(planes.size() + 1); // one spare byte: a longer result would show
    uLongf back_len = back.size();
    uLong z_len = uLong(n);
    const int rc = uncompress2(back.data(), &back_len, z.data() + 1, &z_len);
    REQUIRE(rc == Z_OK);
    CHECK(z_len == n);
    back.resize(back_len);
    CHECK(back == planes); // not REQUIRE: a fuzz failure should report its case
    return n;
}

// Plane contents.
Bytes constant(size_t n, uint8_t c) {
    return Bytes(n, c);
}

Bytes random_bytes(size_t n, std::mt19937& gen) {
    Bytes b(n);
    for (auto& x : b)
        x = uint8_t(gen());
    return b;
}

// Uniform over [0, values): log2(values) bits of entropy per byte.
Bytes low_entropy(size_t n, unsigned values, std::mt19937& gen) {
    Bytes b(n);
    for (auto& x : b)
        x = uint8_t(gen() % values);
    return b;
}

// Runs of random bytes, of random lengths 1..max_run.
Bytes runs(size_t n, unsigned max_run, std::mt19937& gen) {
    Bytes b;
    while (b.size() < n)
        b.insert(b.end(), std::min<size_t>(1 + gen() % max_run, n - b.size()), uint8_t(gen()));
    return b;
}

// A run of `run` bytes, then `lits` random bytes, over and over.
Bytes alternating(size_t n, size_t run, size_t lits, std::mt19937& gen) {
    Bytes b;
    while (b.size() < n) {
        b.insert(b.end(), std::min(run, n - b.size()), uint8_t(gen()));
        for (size_t k = 0; k < lits && b.size() < n; ++k)
            b.push_back(uint8_t(gen()));
    }
    return b;
}

// Mostly `base`, with a random byte at each position with probability 1 / every.
Bytes sparse(size_t n, uint8_t base, unsigned every, std::mt19937& gen) {
    Bytes b(n, base);
    for (auto& x : b)
        if (gen() % every == 0)
            x = uint8_t(gen());
    return b;
}

// Byte s occurs Fibonacci(s + 2) times (1, 2, 3, 5, 8, ...), each value's
// occurrences spread evenly, so that there are no runs to code as matches:
// with the end-of-block symbol (1), a Huffman code for these counts is as
// deep as there are values.
Bytes fibonacci(int symbols) {
    std::vector<std::pair<double, uint8_t>> items;
    uint64_t f0 = 1, f1 = 2;
    for (int s = 0; s < symbols; ++s) {
        for (uint64_t k = 0; k < f0; ++k)
            items.emplace_back((double(k) + 0.5) / double(f0), uint8_t(s));
        f0 = std::exchange(f1, f0 + f1);
    }
    std::sort(items.begin(), items.end());
    Bytes b;
    for (const auto& item : items)
        b.push_back(item.second);
    return b;
}

Bytes concat(const std::vector<Bytes>& parts) {
    Bytes b;
    for (const Bytes& p : parts)
        b.insert(b.end(), p.begin(), p.end());
    return b;
}

// zlib level 1 with a strategy, as output/writer.cpp uses it.
size_t zlib_size(const Bytes& in, int strategy) {
    z_stream zs{};
    REQUIRE(deflateInit2(&zs, 1, Z_DEFLATED, 15, 8, strategy) == Z_OK);
    Bytes out(deflateBound(&zs, uLong(in.size())));
    zs.next_in = const_cast<uint8_t*>(in.data());
    zs.avail_in = uInt(in.size());
    zs.next_out = out.data();
    zs.avail_out = uInt(out.size());
    REQUIRE(deflate(&zs, Z_FINISH) == Z_STREAM_END);
    const size_t n = zs.total_out;
    deflateEnd(&zs);
    return n;
}

// As filter_chunk in output/writer.cpp: one stream, each plane of
// `plane_len` bytes with its own strategy at level 1 (kStored: level 0).
constexpr int kStored = -1;

size_t zlib_size(const Bytes& in, size_t plane_len, const std::vector<int>& strategies) {
    z_stream zs{};
    REQUIRE(deflateInit2(&zs, 1, Z_DEFLATED, 15, 8, Z_DEFAULT_STRATEGY) == Z_OK);
    Bytes out(deflateBound(&zs, uLong(in.size())) + 1024);
    zs.next_out = out.data();
    zs.avail_out = uInt(out.size());
    for (size_t k = 0; k < strategies.size(); ++k) {
        const int strategy = strategies[k];
        REQUIRE(deflateParams(&zs, strategy == kStored ? 0 : 1,
                              strategy == kStored ? Z_DEFAULT_STRATEGY : strategy) == Z_OK);
        zs.next_in = const_cast<uint8_t*>(in.data() + k * plane_len);
        zs.avail_in = uInt(plane_len);
        while (zs.avail_in > 0)
            REQUIRE(deflate(&zs, Z_NO_FLUSH) == Z_OK);
    }
    REQUIRE(deflate(&zs, Z_FINISH) == Z_STREAM_END);
    const size_t n = zs.total_out;
    deflateEnd(&zs);
    return n;
}

// Kraft sum of code lengths times 2^15: exactly 2^15 for a complete prefix code.
uint64_t kraft(const std::vector<uint8_t>& lengths) {
    uint64_t sum = 0;
    for (const uint8_t l : lengths)
        if (l > 0)
            sum += uint64_t(1) << (15 - std::min<int>(l, 15));
    return sum;
}

// The cost sum(freq * length) of an optimal prefix code, by the textbook
// Huffman algorithm (merging the two lightest weights, each merge adding
// their sum to the cost).
uint64_t huffman_cost(const std::vector<uint32_t>& freq) {
    std::vector<uint64_t> w;
    for (const uint32_t f : freq)
        if (f > 0)
            w.push_back(f);
    if (w.size() < 2)
        return w.empty() ? 0 : w[0];
    uint64_t cost = 0;
    while (w.size() > 1) {
        std::sort(w.begin(), w.end(), std::greater<>());
        const uint64_t a = w.back();
        w.pop_back();
        w.back() += a;
        cost += w.back();
    }
    return cost;
}

uint64_t cost_of(const std::vector<uint32_t>& freq, const std::vector<uint8_t>& lengths) {
    uint64_t c = 0;
    for (size_t s = 0; s < freq.size(); ++s)
        c += uint64_t(freq[s]) * lengths[s];
    return c;
}

} // namespace

TEST_SUITE("unit") {

    TEST_CASE("deflate: empty input gives a stream that inflates to nothing") {
        CHECK(round_trip({}, 0, 0) > 0);
        CHECK(round_trip({}, 0, 3) > 0);
        CHECK(round_trip({}, 100, 0) > 0);
        // The zlib header (CMF 0x78 FLG 0x01 is a multiple of 31) and the
        // Adler-32 of nothing (1), big-endian.
        Bytes z;
        deflate_planes(nullptr, 0, 0, z);
        REQUIRE(z.size() >= 6);
        CHECK(z[0] == 0x78);
        CHECK(z[1] == 0x01);
        CHECK((z[0] * 256 + z[1]) % 31 == 0);
        CHECK(Bytes(z.end() - 4, z.end()) == Bytes{0, 0, 0, 1});
    }

    TEST_CASE("deflate: the trailer is the Adler-32 of all planes") {
        std::mt19937 gen(1);
        const Bytes in = concat({low_entropy(5000, 4, gen), runs(5000, 50, gen), random_bytes(5000, gen)});
        Bytes z;
        deflate_planes(in.data(), 5000, 3, z);
        const uint32_t a = uint32_t(adler32(1, in.data(), uInt(in.size())));
        CHECK(Bytes(z.end() - 4, z.end()) ==
              Bytes{uint8_t(a >> 24), uint8_t(a >> 16), uint8_t(a >> 8), uint8_t(a)});
    }

    TEST_CASE("deflate: one-byte planes") {
        std::mt19937 gen(2);
        for (size_t count = 1; count <= 4; ++count) {
            round_trip(constant(count, 0), 1, count);
            round_trip(constant(count, 0xff), 1, count);
            round_trip(random_bytes(count, gen), 1, count);
        }
    }

    TEST_CASE("deflate: plane lengths around the match and stored block limits") {
        std::mt19937 gen(3);
        for (const size_t len :
             {1,    2,    3,    4,     5,     8,     11,    12,    13,     257,    258,   259,
              260,  261,  262,  516,   517,   518,   519,   4095,  4096,   5551,   5552,  5553,
              8191, 8192, 8193, 12287, 12288, 65535, 65536, 65537, 131070, 131071, 200000}) {
            for (size_t count = 1; count <= 4; ++count) {
                CAPTURE(len);
                // A constant plane is one literal and a run of len - 1
                // (0xff: the largest Adler-32 sums).
                round_trip(constant(len * count, 0xff), len, count);
                round_trip(random_bytes(len * count, gen), len, count);
                round_trip(low_entropy(len * count, 4, gen), len, count);
                round_trip(runs(len * count, 1000, gen), len, count);
                round_trip(concat({constant(len, 0), random_bytes(len * (count - 1), gen)}), len, count);
            }
        }
    }

    TEST_CASE("deflate: runs of every length up to 3 times the longest match") {
        // Each length between literals that end it: the split into matches
        // of 258 and a remainder (or 1-2 leftover literals) is exercised.
        Bytes in;
        for (size_t run = 1; run <= 3 * 258 + 3; ++run) {
            in.insert(in.end(), run, uint8_t(run));
            in.push_back(uint8_t(run + 1));
        }
        DeflateStats st;
        round_trip(in, in.size(), 1, &st);
        CHECK(st.dynamic_blocks >= 1);
        CHECK(st.stored_blocks == 0);
        // And as the whole plane: a literal then a run to the end.
        for (size_t len = 1; len <= 3 * 258 + 3; ++len)
            round_trip(constant(len, 1), len, 1);
    }

    TEST_CASE("deflate: zero and constant and sparse and run patterns") {
        std::mt19937 gen(4);
        const size_t n = 65536;
        DeflateStats st;
        const size_t zeros = round_trip(constant(n, 0), n, 1, &st);
        CHECK(st.dynamic_blocks == 1);
        CHECK(zeros < 200); // 254 matches of 258 and their code
        CHECK(round_trip(constant(n, 0x5a), n, 1) < 200);
        CHECK(round_trip(sparse(n, 0, 100, gen), n, 1) < n / 10);
        CHECK(round_trip(runs(n, 1000, gen), n, 1) < n / 50);
        CHECK(round_trip(runs(n, 5, gen), n, 1) < n);
        for (const size_t run : {1, 2, 3, 4, 5, 100, 258, 259, 300})
            for (const size_t lits : {0, 1, 2, 3, 7, 50}) {
                CAPTURE(run);
                CAPTURE(lits);
                round_trip(alternating(n, run, lits, gen), n, 1);
            }
    }

    TEST_CASE("deflate: random bytes are stored and low-entropy bytes are coded") {
        std::mt19937 gen(5);
        const size_t n = 65536;
        DeflateStats st;
        // A full-size random plane is caught by the sample; a short one by the exact size.
        CHECK(round_trip(random_bytes(n, gen), n, 1, &st) <= n + 16);
        CHECK(st.precheck_stored == 1);
        CHECK(st.stored_blocks == 2); // 65535 bytes at most per stored block
        CHECK(st.dynamic_blocks == 0);
        CHECK(round_trip(random_bytes(1000, gen), 1000, 1, &st) <= 1000 + 11);
        CHECK(st.precheck_stored == 0);
        CHECK(st.stored_blocks == 1);
        CHECK(st.dynamic_blocks == 0);
        // 2 bits of entropy: 2.25 bits a byte, as the end-of-block code
        // makes one of the 4 values' codes 3 bits long.
        CHECK(round_trip(low_entropy(n, 4, gen), n, 1, &st) < n * 29 / 100);
        CHECK(st.dynamic_blocks == 1);
        CHECK(st.stored_blocks == 0);
        // Mixed: a random plane between coded ones.
        const Bytes mixed = concat({constant(n, 1), random_bytes(n, gen), low_entropy(n, 8, gen)});
        round_trip(mixed, n, 3, &st);
        CHECK(st.dynamic_blocks == 2);
        CHECK(st.stored_blocks == 2);
    }

    TEST_CASE("deflate: planes with a single byte value") {
        // Without runs (up to 3 bytes) the lit/len code has 2 symbols, the
        // literal and the end of block; longer, a literal and match lengths.
        for (const size_t len : {1, 2, 3, 4, 1000})
            for (const int c : {0, 1, 128, 255}) {
                DeflateStats st;
                round_trip(constant(len, uint8_t(c)), len, 1, &st);
                CHECK(st.stored_blocks + st.dynamic_blocks == 1);
            }
    }

    TEST_CASE("deflate: code lengths of used symbols make a complete code") {
        std::vector<uint8_t> lengths(286);
        std::vector<uint32_t> freq(286, 0);
        // None or one used symbol: two 1-bit codes all the same.
        CHECK(detail::code_lengths(freq.data(), 286, 15, lengths.data()) == 0);
        CHECK(kraft(lengths) == 1u << 15);
        for (const int s : {0, 1, 17, 285}) {
            std::fill(freq.begin(), freq.end(), 0);
            freq[size_t(s)] = 99;
            detail::code_lengths(freq.data(), 286, 15, lengths.data());
            CHECK(lengths[size_t(s)] == 1);
            CHECK(kraft(lengths) == 1u << 15);
        }
        // Random frequencies: a complete code, of Huffman's cost when nothing exceeds the limit.
        std::mt19937 gen(6);
        for (int round = 0; round < 200; ++round) {
            const int n = round % 2 ? 19 : 286;
            std::vector<uint32_t> f(static_cast<size_t>(n));
            const uint32_t used = 2 + uint32_t(gen() % uint32_t(n - 1));
            for (uint32_t k = 0; k < used; ++k)
                f[gen() % uint32_t(n)] = 1 + uint32_t(round % 3 == 0 ? gen() % 10 : gen() % 5000);
            std::vector<uint8_t> l(static_cast<size_t>(n));
            const int halvings = detail::code_lengths(f.data(), n, 15, l.data());
            CAPTURE(round);
            CHECK(*std::max_element(l.begin(), l.end()) <= 15);
            CHECK(kraft(l) == 1u << 15);
            if (std::count_if(f.begin(), f.end(), [](uint32_t x) { return x > 0; }) >= 2)
                for (size_t s = 0; s < f.size(); ++s)
                    CHECK((f[s] > 0) == (l[s] > 0));
            if (halvings == 0)
                CHECK(cost_of(f, l) == huffman_cost(f));
        }
    }

    TEST_CASE("deflate: codes deeper than the limit are flattened") {
        // Fibonacci frequencies: the Huffman code is n - 1 deep.
        for (const auto& c : std::vector<std::pair<int, int>>{{30, 15}, {19, 7}, {286, 15}, {17, 15}}) {
            const int n = c.first, limit = c.second;
            std::vector<uint32_t> f(static_cast<size_t>(n), 0);
            uint32_t f0 = 1, f1 = 1;
            for (int s = 0; s < std::min(n, 30); ++s) {
                f[size_t(s)] = f0;
                f0 = std::exchange(f1, f0 + f1);
            }
            std::vector<uint8_t> l(static_cast<size_t>(n));
            CAPTURE(n);
            const int halvings = detail::code_lengths(f.data(), n, limit, l.data());
            CHECK(halvings > 0);
            CHECK(*std::max_element(l.begin(), l.end()) <= limit);
            CHECK(kraft(l) == 1u << 15);
        }
        // 16 symbols at Fibonacci frequencies need 15 bits: no halving.
        std::vector<uint32_t> f(16);
        uint32_t f0 = 1, f1 = 1;
        for (auto& x : f)
            x = f0, f0 = std::exchange(f1, f0 + f1);
        std::vector<uint8_t> l(16);
        CHECK(detail::code_lengths(f.data(), 16, 15, l.data()) == 0);
        CHECK(*std::max_element(l.begin(), l.end()) == 15);

        // Through the encoder: bytes at Fibonacci counts, 18 values (10944
        // bytes, one block), and the end of block: 18 bits deep.
        const Bytes in = fibonacci(18);
        DeflateStats st;
        const size_t n = round_trip(in, in.size(), 1, &st);
        CHECK(st.limited_codes >= 1);
        CHECK(st.dynamic_blocks == 1);
        CHECK(n < in.size() / 3);
    }

    TEST_CASE("deflate: randomized planes of every kind inflate back") {
        std::mt19937 gen(8);
        for (int round = 0; round < 300; ++round) {
            const size_t count = gen() % 5;
            size_t len = 0;
            switch (gen() % 4) {
            case 0:
                len = gen() % 16;
                break;
            case 1:
                len = gen() % 1100;
                break;
            case 2:
                len = 65536;
                break;
            default:
                len = gen() % 70000;
                break;
            }
            std::vector<Bytes> parts;
            for (size_t k = 0; k < count; ++k) {
                switch (gen() % 9) {
                case 0:
                    parts.push_back(constant(len, uint8_t(gen())));
                    break;
                case 1:
                    parts.push_back(random_bytes(len, gen));
                    break;
                case 2:
                    parts.push_back(low_entropy(len, 1 + gen() % 16, gen));
                    break;
                case 3:
                    parts.push_back(runs(len, 1 + unsigned(gen() % 1000), gen));
                    break;
                case 4:
                    parts.push_back(alternating(len, gen() % 300, gen() % 20, gen));
                    break;
                case 5:
                    parts.push_back(sparse(len, uint8_t(gen()), 1 + unsigned(gen() % 500), gen));
                    break;
                case 6: {
                    Bytes f = fibonacci(2 + int(gen() % 20));
                    f.resize(len, f.empty() ? 0 : f.back());
                    parts.push_back(f);
                    break;
                }
                case 7: // a plane of two halves with different statistics
                    parts.push_back(concat({low_entropy(len / 2, 4, gen), runs(len - len / 2, 100, gen)}));
                    break;
                default: // mostly random with some runs
                    parts.push_back(concat({random_bytes(len / 3, gen), runs(len - len / 3, 20, gen)}));
                    break;
                }
            }
            CAPTURE(round);
            round_trip(concat(parts), len, count);
        }
    }

    TEST_CASE("deflate: threads encode at the same time") {
        std::mt19937 gen(9);
        const size_t n = 65536;
        const Bytes a = concat({runs(n, 300, gen), low_entropy(n, 6, gen)}),
                    b = concat({sparse(n, 3, 50, gen)});
        std::vector<Bytes> out_a(20), out_b(20);
        std::thread t1([&] {
            for (auto& z : out_a)
                deflate_planes(a.data(), n, 2, z);
        });
        std::thread t2([&] {
            for (auto& z : out_b)
                deflate_planes(b.data(), n, 1, z);
        });
        t1.join();
        t2.join();
        Bytes ref_a, ref_b;
        deflate_planes(a.data(), n, 2, ref_a);
        deflate_planes(b.data(), n, 1, ref_b);
        for (const Bytes& z : out_a)
            CHECK(z == ref_a);
        for (const Bytes& z : out_b)
            CHECK(z == ref_b);
        round_trip(a, n, 2);
    }

    TEST_CASE("deflate: a plane whose statistics change gets a code for each part") {
        std::mt19937 gen(11);
        const size_t n = 65536;
        DeflateStats st;
        const Bytes halves = concat({low_entropy(n / 2, 4, gen), sparse(n / 2, 100, 3, gen)});
        const size_t z = round_trip(halves, n, 1, &st);
        CHECK(st.dynamic_blocks == 2);
        CHECK(z < zlib_size(halves, Z_HUFFMAN_ONLY));
        // Planes alike share a block: one header instead of four.
        const Bytes alike = concat({constant(n, 1), constant(n, 2), constant(n, 3), constant(n, 4)});
        const size_t four = round_trip(alike, n, 4, &st);
        CHECK(st.dynamic_blocks == 1);
        CHECK(four < 4 * round_trip(constant(n, 1), n, 1));
        // Stationary planes stay one block each (or together).
        round_trip(low_entropy(4 * n, 8, gen), n, 4, &st);
        CHECK(st.dynamic_blocks <= 4);
    }

    TEST_CASE("deflate: sizes close to zlib level 1 with the strategy writer.cpp picks") {
        // Measured (ours / zlib, these seeds): 3 bits 0.997, 2 bits 0.989,
        // 5 bits 0.999, skewed 0.997, segregated 0.740, halves 0.995,
        // sparse 0.989, runs 1.000, short runs 0.998, steps 1.001, ids
        // byte 2 0.993, ids byte 3 1.000, ids chunk 0.999. The bound, 3 %,
        // leaves room for other seeds; without the run refinement (skewed
        // 1.09) or the blocks per part of a plane (halves 1.14) it fails.
        constexpr double kMaxRatio = 1.03;
        std::mt19937 gen(10);
        const size_t n = 65536;
        // Sorted uint32 ids, 65536 drawn from [0, 2^26): planes 2 and 3 are the high bytes.
        std::vector<uint32_t> ids(n);
        for (auto& id : ids)
            id = uint32_t(gen() >> 6);
        std::sort(ids.begin(), ids.end());
        Bytes id_planes(4 * n);
        for (size_t i = 0; i < n; ++i)
            for (size_t b = 0; b < 4; ++b)
                id_planes[b * n + i] = uint8_t(ids[i] >> (8 * b));
        const Bytes high2(id_planes.begin() + 2 * n, id_planes.begin() + 3 * n),
            high3(id_planes.begin() + 3 * n, id_planes.end());
        // A skewed low-entropy plane: value v with probability about 2^-(v+1).
        Bytes skewed(n);
        for (auto& x : skewed)
            x = uint8_t(std::min(std::countr_zero(uint32_t(gen()) | 0x8000'0000u), 20));
        // Segregated groups: stretches of 2500-7500 rows where one of 4 values is 80 % of them.
        Bytes segregated;
        while (segregated.size() < n) {
            const uint8_t dominant = uint8_t(gen() % 4);
            for (size_t k = 2500 + gen() % 5000; k > 0 && segregated.size() < n; --k)
                segregated.push_back(gen() % 10 < 8 ? dominant : uint8_t(gen() % 4));
        }
        // Steps: a value that changes at one position in 200.
        Bytes steps(n);
        uint8_t v = 0;
        for (auto& x : steps) {
            if (gen() % 200 == 0)
                v = uint8_t(gen());
            x = v;
        }
        struct Case {
            std::string name;
            Bytes planes;
            std::vector<int> strategies; // per plane; kStored: zlib level 0
        };
        const int h = Z_HUFFMAN_ONLY, r = Z_RLE;
        const std::vector<Case> cases = {
            {"3 bits", low_entropy(n, 8, gen), {h}},
            {"2 bits", low_entropy(n, 4, gen), {h}},
            {"5 bits", low_entropy(n, 32, gen), {h}},
            {"skewed", skewed, {h}},
            {"segregated", segregated, {h}},
            {"halves", concat({low_entropy(n / 2, 4, gen), low_entropy(n / 2, 16, gen)}), {h}},
            {"sparse", sparse(n, 0, 40, gen), {r}},
            {"runs", runs(n, 1000, gen), {r}},
            {"short runs", runs(n, 12, gen), {r}},
            {"steps", steps, {r}},
            {"ids byte 2", high2, {r}},
            {"ids byte 3", high3, {r}},
            {"ids chunk", id_planes, {kStored, kStored, r, r}},
        };
        for (const Case& c : cases) {
            const size_t count = c.strategies.size();
            const size_t ours = round_trip(c.planes, n, count), zlib = zlib_size(c.planes, n, c.strategies);
            CAPTURE(c.name);
            CAPTURE(ours);
            CAPTURE(zlib);
            CHECK(double(ours) <= kMaxRatio * double(zlib));
        }
    }
}
