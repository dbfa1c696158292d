// DEFLATE for byte planes; see deflate.hpp. Written from RFC 1950 (zlib
// format) and RFC 1951 (deflate); section numbers below are RFC 1951's.
#include "output/deflate.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cassert>
#include <cstring>

#include <zlib.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace icsim {

// The bit writer stores 64-bit words and the run finder reads them, both
// assuming the first byte in memory is the least significant.
static_assert(std::endian::native == std::endian::little, "deflate.cpp assumes a little-endian machine");

namespace {

constexpr size_t kMaxStoredLen = 65535; // LEN of a stored block is 16 bits (3.2.4)
constexpr int kLitLenCodes = 286;       // 0-255 literals, 256 end of block, 257-285 lengths
constexpr int kEndOfBlock = 256;
constexpr int kClCodes = 19; // the code-length alphabet (3.2.7)
constexpr int kMaxBits = 15;
constexpr int kMaxClBits = 7;
constexpr size_t kMaxMatch = 258;
constexpr size_t kMinMatch = 3;
constexpr size_t kMaxRunBytes = size_t(1) << 30; // runs are cut there, so that offsets fit 32 bits
// Planes are tokenised in segments of this many bytes; a block is one or
// more whole segments.
constexpr size_t kSegmentBytes = 8192;
// Header size estimate for choosing blocks (see estimate_bits).
constexpr double kHeaderBaseBits = 134;
constexpr double kHeaderBitsPerChange = 3.1;
// Planes shorter than this are not sampled for randomness: too few samples
// to tell, and too little time to save.
constexpr size_t kMinSampledPlane = 4096;
// A plane whose sampled byte entropy exceeds this is stored without trying
// to code it (the rule of plane_strategy in writer.cpp).
constexpr double kStoreEntropyBits = 7.5;

constexpr uint64_t kOnes = 0x0101010101010101ull;
constexpr uint64_t kHighs = 0x8080808080808080ull;

// Length codes 257-285: the shortest length of each and its extra bits (3.2.5).
constexpr std::array<uint16_t, 29> kLenBase = {3,  4,  5,  6,   7,   8,   9,   10,  11, 13,
                                               15, 17, 19, 23,  27,  31,  35,  43,  51, 59,
                                               67, 83, 99, 115, 131, 163, 195, 227, 258};
constexpr std::array<uint8_t, 29> kLenExtraBits = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2,
                                                   2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0};

// A match length as coded: its symbol, extra bits and their value.
struct LenCode {
    uint16_t sym = 0;
    uint8_t extra_bits = 0;
    uint8_t extra = 0;
};

// By length 3-258. Code 284 with all extra bits set would also mean 258,
// but 258 has its own code 285, so 284 stops at 257.
constexpr std::array<LenCode, kMaxMatch + 1> kLenCode = [] {
    std::array<LenCode, kMaxMatch + 1> t{};
    for (int c = 0; c < 29; ++c) {
        const int end = c + 1 < 29 ? kLenBase[c + 1] : int(kMaxMatch) + 1;
        for (int len = kLenBase[c]; len < end; ++len)
            t[len] = {uint16_t(257 + c), kLenExtraBits[c], uint8_t(len - kLenBase[c])};
    }
    return t;
}();

// The order code-length code lengths are sent in (3.2.7).
constexpr std::array<uint8_t, kClCodes> kClOrder = {16, 17, 18, 0, 8,  7, 9,  6, 10, 5,
                                                    11, 4,  12, 3, 13, 2, 14, 1, 15};
// Extra bits after code-length symbols 16, 17, 18.
constexpr std::array<uint8_t, kClCodes> kClExtraBits = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                                        0, 0, 0, 0, 0, 0, 2, 3, 7};

constexpr std::array<uint8_t, 256> kReverse8 = [] {
    std::array<uint8_t, 256> t{};
    for (int i = 0; i < 256; ++i)
        for (int b = 0; b < 8; ++b)
            if (i >> b & 1)
                t[i] = uint8_t(t[i] | 1 << (7 - b));
    return t;
}();

// Huffman codes are defined most significant bit first, but deflate packs
// bits from the least significant end of each byte (3.1.1): codes are
// stored reversed so that they can be OR-ed into the bit buffer as they are.
uint32_t reverse_bits(uint32_t code, unsigned len) {
    const uint32_t r = uint32_t(kReverse8[code & 255]) << 8 | kReverse8[code >> 8 & 255];
    return r >> (16 - len);
}

uint64_t load64(const uint8_t* p) {
    uint64_t v;
    std::memcpy(&v, p, 8);
    return v;
}

void store64(uint8_t* p, uint64_t v) {
    std::memcpy(p, &v, 8);
}

// LSB-first bit writer. put() ORs bits above the n pending ones; flush()
// stores the whole 64-bit buffer (the output has 8 bytes of slack) and
// advances by the complete bytes, so it needs no branch. Callers keep
// n + len <= 64 between flushes: n <= 7 after a flush, codes are <= 21 bits.
struct BitWriter {
    uint8_t* p = nullptr;
    uint64_t acc = 0;
    unsigned n = 0;

    void put(uint64_t bits, unsigned len) {
        acc |= bits << n;
        n += len;
    }
    void flush() {
        store64(p, acc);
        p += n >> 3;
        acc >>= n & 56;
        n &= 7;
    }
    // Pads with zero bits to a byte boundary; the partial byte is already in memory.
    void align() {
        flush();
        if (n > 0)
            ++p;
        acc = 0;
        n = 0;
    }
};

// Symbol code as OR-ed into the bit buffer: reversed code | length << 16.
uint32_t code_bits(uint32_t packed) {
    return packed & 0xffff;
}
unsigned code_len(uint32_t packed) {
    return packed >> 16;
}

// Canonical codes from code lengths (3.2.2), packed as above.
void canonical_codes(const uint8_t* lengths, int n, uint32_t* packed) {
    std::array<uint32_t, kMaxBits + 1> count{}, next{};
    for (int s = 0; s < n; ++s)
        ++count[lengths[s]];
    count[0] = 0;
    uint32_t code = 0;
    for (int b = 1; b <= kMaxBits; ++b) {
        code = (code + count[b - 1]) << 1;
        next[b] = code;
    }
    for (int s = 0; s < n; ++s)
        packed[s] =
            lengths[s] == 0 ? 0 : reverse_bits(next[lengths[s]]++, lengths[s]) | uint32_t(lengths[s]) << 16;
}

// Bits a stored copy of `len` bytes takes when n bits are pending in the
// current byte: a 3-bit header padded to a byte, LEN and NLEN, the bytes;
// a further block (header 1 byte + 4) per 65535 bytes.
uint64_t stored_bits(unsigned n, size_t len) {
    const size_t blocks = len == 0 ? 1 : (len + kMaxStoredLen - 1) / kMaxStoredLen;
    return 3 + (8 - (n + 3) % 8) % 8 + 32 + (blocks - 1) * 40 + 8 * uint64_t(len);
}

void write_stored(BitWriter& bw, const uint8_t* data, size_t len, bool last, DeflateStats& st) {
    do {
        const size_t chunk = std::min(len, kMaxStoredLen);
        bw.put(last && chunk == len ? 1 : 0, 3); // BFINAL, BTYPE 00
        bw.align();
        const uint16_t l = uint16_t(chunk), nl = uint16_t(~chunk);
        std::memcpy(bw.p, &l, 2);
        std::memcpy(bw.p + 2, &nl, 2);
        if (chunk > 0)
            std::memcpy(bw.p + 4, data, chunk);
        bw.p += 4 + chunk;
        data += chunk;
        len -= chunk;
        ++st.stored_blocks;
    } while (len > 0);
}

// A run of bytes coded as matches at distance 1: p[start, start + len),
// all equal to p[start - 1] (a literal), offsets from the first byte of
// the segment. len is a sum of lengths 3-258 (258s and one shorter
// remainder).
struct Run {
    uint32_t start;
    uint32_t len;
};

// Eight histograms, summed at the end: bytes counted one after another
// often repeat, and increments of a single counter would wait on each other.
using Histograms = std::array<std::array<uint32_t, 256>, 8>;

// Length of the run of bytes equal to c at q[0, avail).
size_t run_length(const uint8_t* q, size_t avail, uint8_t c) {
    const uint64_t broadcast = c * kOnes;
    size_t j = 0;
    for (; j + 8 <= avail; j += 8)
        if (const uint64_t x = load64(q + j) ^ broadcast)
            return j + (std::countr_zero(x) >> 3);
    while (j < avail && q[j] == c)
        ++j;
    return j;
}

// Tokenises the plane p[0, len) from position i, a literal's, to the first
// token boundary at or after `stop`: at each position a literal, followed
// by matches at distance 1 when at least 3 more bytes repeat it (the
// shortest match); a run may go past `stop`. Appends the runs, with
// offsets from `base`, counts the literals in hist and returns where it
// stopped.
size_t find_runs(const uint8_t* p, size_t i, size_t stop, size_t len, size_t base, std::vector<Run>& runs,
                 Histograms& hist) {
    while (i < stop) {
        // Fast path, 8 positions at a time: a zero byte in z marks a
        // position whose byte the next 3 repeat; where there is none, all
        // 8 are literals.
        bool at_run = false;
        while (i + 8 <= stop && i + 11 <= len) {
            const uint64_t w = load64(p + i);
            const uint64_t z = (w ^ load64(p + i + 1)) | (w ^ load64(p + i + 2)) | (w ^ load64(p + i + 3));
            // The lowest byte flagged is exactly the lowest zero byte (higher flags may be false).
            const uint64_t zero = (z - kOnes) & ~z & kHighs;
            if (zero == 0) {
                ++hist[0][w & 255];
                ++hist[1][w >> 8 & 255];
                ++hist[2][w >> 16 & 255];
                ++hist[3][w >> 24 & 255];
                ++hist[4][w >> 32 & 255];
                ++hist[5][w >> 40 & 255];
                ++hist[6][w >> 48 & 255];
                ++hist[7][w >> 56];
                i += 8;
                continue;
            }
            const unsigned k = unsigned(std::countr_zero(zero)) >> 3;
            for (unsigned j = 0; j < k; ++j)
                ++hist[j][w >> (8 * j) & 255];
            i += k;
            at_run = true;
            break;
        }
        if (i >= stop)
            break;
        if (!at_run && !(i + 3 < len && p[i] == p[i + 1] && p[i] == p[i + 2] && p[i] == p[i + 3])) {
            ++hist[0][p[i]]; // near the stop or the end: one position at a time
            ++i;
            continue;
        }
        ++hist[0][p[i]]; // the literal the run repeats
        const size_t k = run_length(p + i + 1, std::min(len - i - 1, kMaxRunBytes), p[i]);
        if (k < kMinMatch) {
            ++i;
            continue;
        }
        // Whole matches of 258 and the remainder as a match if it can be
        // one (>= 3), else as 1-2 literals found on the next turn.
        size_t covered = k;
        if (k % kMaxMatch < kMinMatch)
            covered -= k % kMaxMatch;
        runs.push_back({uint32_t(i + 1 - base), uint32_t(covered)});
        i += 1 + covered;
    }
    return i;
}

// Adler-32 (RFC 1950 8.2) of p[0, n), continuing from `adler`. zlib's
// adler32() goes a byte at a time, at about 3.5 GB/s here, which is as long
// as coding a plane of runs takes; with SSE2 (every x86-64) 16 bytes go at
// once. For 16 bytes b0..b15 the sums advance by s1 += sum(b), s2 += 16 s1
// + sum((16 - i) b_i); lanes stay within 32 bits for kAdlerChunk bytes.
constexpr uint32_t kAdlerMod = 65521;
constexpr size_t kAdlerChunk = 5552; // zlib's NMAX: s2 fits 32 bits that long; a multiple of 16

uint32_t adler32_of(uint32_t adler, const uint8_t* p, size_t n) {
#if defined(__SSE2__)
    uint64_t s1 = adler & 0xffff, s2 = adler >> 16;
    const __m128i zero = _mm_setzero_si128();
    const __m128i weights_lo = _mm_setr_epi16(16, 15, 14, 13, 12, 11, 10, 9);
    const __m128i weights_hi = _mm_setr_epi16(8, 7, 6, 5, 4, 3, 2, 1);
    while (n >= 16) {
        const size_t chunk = std::min(n & ~size_t(15), kAdlerChunk);
        __m128i sums = zero;     // byte sums so far (two 64-bit lanes)
        __m128i prefix = zero;   // the sum of `sums` before each 16 bytes
        __m128i weighted = zero; // sum((16 - i) b_i), four 32-bit lanes
        for (size_t k = 0; k < chunk; k += 16) {
            const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + k));
            prefix = _mm_add_epi32(prefix, sums);
            sums = _mm_add_epi32(sums, _mm_sad_epu8(b, zero));
            weighted = _mm_add_epi32(weighted, _mm_madd_epi16(_mm_unpacklo_epi8(b, zero), weights_lo));
            weighted = _mm_add_epi32(weighted, _mm_madd_epi16(_mm_unpackhi_epi8(b, zero), weights_hi));
        }
        alignas(16) uint32_t lanes[3][4];
        _mm_store_si128(reinterpret_cast<__m128i*>(lanes[0]), sums);
        _mm_store_si128(reinterpret_cast<__m128i*>(lanes[1]), prefix);
        _mm_store_si128(reinterpret_cast<__m128i*>(lanes[2]), weighted);
        const uint64_t sum = uint64_t(lanes[0][0]) + lanes[0][2];
        s2 += chunk * s1 + 16 * (uint64_t(lanes[1][0]) + lanes[1][2]) + lanes[2][0] + lanes[2][1] +
              lanes[2][2] + lanes[2][3];
        s1 += sum;
        s1 %= kAdlerMod;
        s2 %= kAdlerMod;
        p += chunk;
        n -= chunk;
    }
    for (; n > 0; --n) {
        s1 += *p++;
        s2 += s1;
    }
    return uint32_t(s2 % kAdlerMod << 16 | s1 % kAdlerMod);
#else
    return uint32_t(adler32_z(adler, n == 0 ? nullptr : p, n));
#endif
}

// log2(x) for x >= 1, to about 1e-5: the exponent, plus log2 of the
// mantissa m from the series ln m = 2 atanh(t), t = (m - 1) / (m + 1) < 1/3.
float approx_log2(float x) {
    const uint32_t b = std::bit_cast<uint32_t>(x);
    const float m = std::bit_cast<float>((b & 0x7fffffu) | 0x3f800000u); // [1, 2)
    const float t = (m - 1.0f) / (m + 1.0f), t2 = t * t;
    const float ln_m = 2.0f * t * (1.0f + t2 * (1.0f / 3 + t2 * (1.0f / 5 + t2 * (1.0f / 7))));
    return float(int(b >> 23) - 127) + ln_m * 1.44269504f;
}

// Whether a plane looks random, from a sample of every 8th byte (and its
// successor): not made of runs, and with a byte entropy above
// kStoreEntropyBits. Such planes are stored without trying to code them.
bool looks_random(const uint8_t* p, size_t n) {
    if (n < kMinSampledPlane)
        return false;
    size_t repeats = 0;
    for (size_t i = 0; i + 1 < n; i += 8)
        repeats += p[i] == p[i + 1];
    const size_t sampled = (n - 2) / 8 + 1;
    if (2 * repeats > sampled)
        return false;
    // Four histograms: one counter incremented sample after sample would
    // wait on itself (mostly constant planes).
    std::array<std::array<uint32_t, 256>, 4> hists{};
    size_t i = 0;
    for (; i + 25 < n; i += 32) {
        ++hists[0][p[i]];
        ++hists[1][p[i + 8]];
        ++hists[2][p[i + 16]];
        ++hists[3][p[i + 24]];
    }
    for (; i + 1 < n; i += 8)
        ++hists[0][p[i]];
    std::array<uint32_t, 256> hist;
    for (int b = 0; b < 256; ++b)
        hist[b] = hists[0][b] + hists[1][b] + hists[2][b] + hists[3][b];
    // Entropy = log2(S) - sum(h log2 h) / S.
    float sum = 0;
    for (const uint32_t h : hist)
        if (h > 1)
            sum += float(h) * approx_log2(float(h));
    return approx_log2(float(sampled)) - sum / float(sampled) > float(kStoreEntropyBits);
}

} // namespace

namespace detail {

int code_lengths(const uint32_t* freq, int n, int limit, uint8_t* lengths) {
    assert(n >= 2 && n <= kLitLenCodes + 2);
    std::fill(lengths, lengths + n, uint8_t(0));
    // Used symbols by increasing frequency: frequency << 16 | symbol.
    std::array<uint64_t, kLitLenCodes + 2> keys;
    int m = 0;
    for (int s = 0; s < n; ++s)
        if (freq[s] > 0)
            keys[m++] = uint64_t(freq[s]) << 16 | uint64_t(s);
    if (m < 2) {
        // One symbol (or none) gets a 1-bit code, and so does a neighbour:
        // inflate rejects incomplete codes.
        const int s = m == 1 ? int(keys[0] & 0xffff) : 0;
        lengths[s] = 1;
        lengths[s == 0 ? 1 : 0] = 1;
        return 0;
    }
    std::sort(keys.begin(), keys.begin() + m);
    // Nodes 0..m-1 are the leaves in key order, m..2m-2 the internal nodes
    // in order of creation; their weights never decrease, so the two
    // lightest nodes are always at the heads of these two queues.
    std::array<uint64_t, 2 * (kLitLenCodes + 2)> weight;
    std::array<uint16_t, 2 * (kLitLenCodes + 2)> parent, depth;
    for (int rounds = 0;; ++rounds) {
        for (int i = 0; i < m; ++i)
            weight[i] = keys[i] >> 16;
        int leaf = 0, node = m;
        for (int next = m; next < 2 * m - 1; ++next) {
            weight[next] = 0;
            for (int k = 0; k < 2; ++k) {
                const int pick = leaf < m && (node >= next || weight[leaf] <= weight[node]) ? leaf++ : node++;
                parent[pick] = uint16_t(next);
                weight[next] += weight[pick];
            }
        }
        // A parent is created after its children: depths from the root down.
        depth[2 * m - 2] = 0;
        int max_depth = 0;
        for (int i = 2 * m - 3; i >= 0; --i) {
            depth[i] = uint16_t(depth[parent[i]] + 1);
            max_depth = std::max(max_depth, int(depth[i]));
        }
        if (max_depth <= limit) {
            for (int i = 0; i < m; ++i)
                lengths[keys[i] & 0xffff] = uint8_t(depth[i]);
            return rounds;
        }
        // Too deep: flatten the distribution and rebuild. Halving keeps
        // the key order; once all frequencies are 1 the tree is balanced
        // (depth <= 9 for 286 symbols), so this ends.
        for (int i = 0; i < m; ++i)
            keys[i] = ((keys[i] >> 16) + 1) >> 1 << 16 | (keys[i] & 0xffff);
    }
}

} // namespace detail

namespace {

using detail::code_lengths;

// The lit/len and distance code lengths, run-length coded with the
// code-length alphabet (3.2.7): 0-15 a length, 16 the previous length
// 3-6 times, 17 zero 3-10 times, 18 zero 11-138 times.
struct ClToken {
    uint8_t sym;
    uint8_t extra;
};

int rle_code_lengths(const uint8_t* lengths, int n, ClToken* out) {
    int t = 0;
    for (int i = 0; i < n;) {
        const uint8_t v = lengths[i];
        int run = 1;
        while (i + run < n && lengths[i + run] == v)
            ++run;
        i += run;
        if (v == 0) {
            for (; run >= 11; run -= std::min(run, 138))
                out[t++] = {18, uint8_t(std::min(run, 138) - 11)};
            if (run >= 3) {
                out[t++] = {17, uint8_t(run - 3)};
                run = 0;
            }
        } else {
            out[t++] = {v, 0};
            for (--run; run >= 3; run -= std::min(run, 6))
                out[t++] = {16, uint8_t(std::min(run, 6) - 3)};
        }
        for (; run > 0; --run)
            out[t++] = {v, 0};
    }
    return t;
}

// A stretch of a plane with its own symbol counts (about kSegmentBytes
// long): blocks are made of whole segments, so that a plane whose
// statistics change along it can get a code for each part.
struct Segment {
    size_t begin = 0, len = 0;               // bytes, from the first plane
    size_t run_begin = 0, run_end = 0;       // its runs in Scratch::runs (offsets from `begin`)
    std::array<uint32_t, kLitLenCodes> freq; // literals and lengths (no end of block)
};

struct Scratch {
    std::vector<Run> runs;
    std::vector<Segment> segments;   // of consecutive planes not stored
    std::vector<size_t> plane_first; // each plane's first segment, then the number of segments
    std::vector<size_t> block_ends;  // the segment after each block
    Histograms hist;
};

// Tokenises a segment from seg.begin to the first token boundary at or
// after `stop` (a run may go past it), and counts its symbols.
void tokenise(const uint8_t* p, size_t stop, size_t len, Segment& seg, Scratch& s) {
    for (auto& h : s.hist)
        h.fill(0);
    seg.run_begin = s.runs.size();
    seg.len = find_runs(p, seg.begin, stop, len, seg.begin, s.runs, s.hist) - seg.begin;
    seg.run_end = s.runs.size();
    for (int b = 0; b < 256; ++b)
        seg.freq[b] = s.hist[0][b] + s.hist[1][b] + s.hist[2][b] + s.hist[3][b] + s.hist[4][b] +
                      s.hist[5][b] + s.hist[6][b] + s.hist[7][b];
    std::fill(seg.freq.begin() + 256, seg.freq.end(), 0);
    for (size_t r = seg.run_begin; r < seg.run_end; ++r) {
        const size_t n = s.runs[r].len;
        seg.freq[285] += uint32_t(n / kMaxMatch);
        if (n % kMaxMatch != 0)
            ++seg.freq[kLenCode[n % kMaxMatch].sym];
    }
}

// Estimated bits of a block with these symbol counts. Each symbol costs
// log2(total / count) bits, the entropy bound a Huffman code comes close
// to, but at least the 1 bit a Huffman code takes (which matters in blocks
// of runs, where one match length can be most of the symbols). The header
// sends the code lengths run-length coded, so its size follows the number
// of changes of length from symbol to symbol, taking the lengths as
// rounded log2(total / count): fitted to real headers (445 blocks of
// various planes), 134 + 3.1 bits per change, off by 18 bits on average.
// Extra bits are left out: they do not depend on the blocks.
double estimate_bits(const uint32_t* freq) {
    uint64_t total = 0;
    for (int s = 0; s < kLitLenCodes; ++s)
        total += freq[s];
    const float log2_total = approx_log2(float(std::max<uint64_t>(total, 1)));
    float sum = 0;                                // sum(f max(1, log2 total - log2 f))
    alignas(16) std::array<int32_t, 288> lengths; // rounded, 0 for unused symbols
#if defined(__SSE2__)
    // Four logarithms at a time: a plane's 15 estimates of 286 would
    // otherwise cost as much as coding a plane of runs.
    const __m128 one = _mm_set1_ps(1.0f), log2_t = _mm_set1_ps(log2_total);
    __m128 sums = _mm_setzero_ps();
    int s = 0;
    for (; s + 4 <= kLitLenCodes; s += 4) {
        const __m128i counts = _mm_loadu_si128(reinterpret_cast<const __m128i*>(freq + s));
        const __m128 f = _mm_cvtepi32_ps(counts);
        const __m128i b = _mm_castps_si128(_mm_max_ps(f, one));
        const __m128 e = _mm_cvtepi32_ps(_mm_sub_epi32(_mm_srli_epi32(b, 23), _mm_set1_epi32(127)));
        const __m128 m = _mm_castsi128_ps(
            _mm_or_si128(_mm_and_si128(b, _mm_set1_epi32(0x7fffff)), _mm_set1_epi32(0x3f800000)));
        const __m128 t = _mm_div_ps(_mm_sub_ps(m, one), _mm_add_ps(m, one)), t2 = _mm_mul_ps(t, t);
        __m128 series = _mm_add_ps(_mm_set1_ps(1.0f / 5), _mm_mul_ps(t2, _mm_set1_ps(1.0f / 7)));
        series = _mm_add_ps(_mm_set1_ps(1.0f / 3), _mm_mul_ps(t2, series));
        series = _mm_add_ps(one, _mm_mul_ps(t2, series));
        const __m128 log2_f =
            _mm_add_ps(e, _mm_mul_ps(_mm_mul_ps(t, series), _mm_set1_ps(2.0f * 1.44269504f)));
        const __m128 bits = _mm_max_ps(_mm_sub_ps(log2_t, log2_f), one);
        sums = _mm_add_ps(sums, _mm_mul_ps(f, bits));
        const __m128i used = _mm_cmpgt_epi32(counts, _mm_setzero_si128());
        _mm_store_si128(reinterpret_cast<__m128i*>(lengths.data() + s),
                        _mm_and_si128(_mm_cvtps_epi32(bits), used));
    }
    alignas(16) float lanes[4];
    _mm_store_ps(lanes, sums);
    sum = lanes[0] + lanes[1] + lanes[2] + lanes[3];
#else
    int s = 0;
#endif
    for (; s < kLitLenCodes; ++s) {
        const float f = float(freq[s]), bits = std::max(log2_total - approx_log2(std::max(f, 1.0f)), 1.0f);
        sum += f * bits;
        lengths[s] = freq[s] > 0 ? int32_t(bits + 0.5f) : 0;
    }
    int changes = 1;
    for (int k = 1; k < kLitLenCodes; ++k)
        changes += lengths[k] != lengths[k - 1];
    return double(sum) + kHeaderBaseBits + kHeaderBitsPerChange * changes;
}

// Adds the counts of `from` to `to`.
void add_counts(uint32_t* to, const uint32_t* from) {
    for (int s = 0; s < kLitLenCodes; ++s)
        to[s] += from[s];
}

// Chooses the blocks for segments [s0, s1) of one plane: one block, or the
// best choice for each half, whichever is estimated smaller. Appends the
// blocks' ends to `ends`, sets freq to the range's counts and returns its
// estimate.
double plan_segments(const std::vector<Segment>& segs, size_t s0, size_t s1, uint32_t* freq,
                     std::vector<size_t>& ends) {
    if (s1 - s0 == 1) {
        std::copy(segs[s0].freq.begin(), segs[s0].freq.end(), freq);
        ends.push_back(s1);
        return estimate_bits(freq);
    }
    const size_t mid = s0 + (s1 - s0) / 2, mark = ends.size();
    std::array<uint32_t, kLitLenCodes> right;
    const double split =
        plan_segments(segs, s0, mid, freq, ends) + plan_segments(segs, mid, s1, right.data(), ends);
    add_counts(freq, right.data());
    const double whole = estimate_bits(freq);
    if (whole > split)
        return split;
    ends.resize(mark);
    ends.push_back(s1);
    return whole;
}

// The same over planes [k0, k1) of s.segments (plane k's segments begin at
// s.plane_first[k]): halves of whole planes, down to single planes. Planes
// of runs code to a few dozen bytes each, and a block for several saves
// their headers.
double plan_planes(const Scratch& s, size_t k0, size_t k1, uint32_t* freq, std::vector<size_t>& ends) {
    if (k1 - k0 == 1)
        return plan_segments(s.segments, s.plane_first[k0], s.plane_first[k1], freq, ends);
    const size_t mid = k0 + (k1 - k0) / 2, mark = ends.size();
    std::array<uint32_t, kLitLenCodes> right;
    const double split = plan_planes(s, k0, mid, freq, ends) + plan_planes(s, mid, k1, right.data(), ends);
    add_counts(freq, right.data());
    const double whole = estimate_bits(freq);
    if (whole > split)
        return split;
    ends.resize(mark);
    ends.push_back(s.plane_first[k1]);
    return whole;
}

// Writes the literals and runs of segments [seg, seg_end) with the lit/len
// code, then the end of block. G literals go between flushes: G * (longest
// code) + 7 <= 64.
template <int G>
void write_tokens(BitWriter& bw, const uint8_t* planes, const Segment* seg, const Segment* seg_end,
                  const std::vector<Run>& runs, const uint32_t* lit) {
    // Locals, so the compiler keeps the bit buffer in registers.
    uint8_t* o = bw.p;
    uint64_t acc = bw.acc;
    unsigned n = bw.n;
    auto put = [&](uint64_t bits, unsigned len_bits) {
        acc |= bits << n;
        n += len_bits;
    };
    auto flush = [&] {
        store64(o, acc);
        o += n >> 3;
        acc >>= n & 56;
        n &= 7;
    };
    auto literals = [&](const uint8_t* s, const uint8_t* e) {
        for (; e - s >= G; s += G) {
            for (int j = 0; j < G; ++j)
                put(code_bits(lit[s[j]]), code_len(lit[s[j]]));
            flush();
        }
        for (; s < e; ++s) {
            put(code_bits(lit[*s]), code_len(lit[*s]));
            flush();
        }
    };
    // A match is its length code, extra bits and distance code 0 (the bit 0).
    const uint64_t bits258 = code_bits(lit[285]);
    const unsigned len258 = code_len(lit[285]) + 1;
    for (; seg != seg_end; ++seg) {
        const uint8_t* p = planes + seg->begin;
        size_t cur = 0;
        for (size_t k = seg->run_begin; k < seg->run_end; ++k) {
            const Run r = runs[k];
            literals(p + cur, p + r.start);
            size_t whole = r.len / kMaxMatch;
            for (; whole >= 3; whole -= 3) { // 3 * 16 bits + 7 pending
                put(bits258, len258);
                put(bits258, len258);
                put(bits258, len258);
                flush();
            }
            for (; whole > 0; --whole) {
                put(bits258, len258);
                flush();
            }
            if (const size_t rest = r.len % kMaxMatch) {
                const LenCode lc = kLenCode[rest];
                const uint32_t c = lit[lc.sym];
                put(code_bits(c) | uint64_t(lc.extra) << code_len(c), code_len(c) + lc.extra_bits + 1);
                flush();
            }
            cur = r.start + r.len;
        }
        literals(p + cur, p + seg->len);
    }
    put(code_bits(lit[kEndOfBlock]), code_len(lit[kEndOfBlock]));
    flush();
    bw.p = o;
    bw.acc = acc;
    bw.n = n;
}

// Writes segments [s0, s1) as one dynamic Huffman block (3.2.7), or as
// stored blocks when those are no longer, given their symbol counts.
void write_block(BitWriter& bw, const uint8_t* planes, Scratch& s, size_t s0, size_t s1, uint32_t* freq,
                 bool last, DeflateStats& st) {
    Segment* segs = s.segments.data();
    freq[kEndOfBlock] = 1;
    std::array<uint8_t, kLitLenCodes> lengths{};
    int halvings = code_lengths(freq, kLitLenCodes, kMaxBits, lengths.data());
    // A short run of a frequent byte can cost fewer bits as literals (1 bit
    // each at best) than as a match (a rare length code, extra bits and a
    // distance bit): such runs are turned back into literals (removed from
    // the list), judged by the code just built, and the code rebuilt.
    bool dropped = false;
    for (size_t g = s0; g < s1; ++g) {
        const uint8_t* p = planes + segs[g].begin;
        size_t kept = segs[g].run_begin;
        for (size_t k = segs[g].run_begin; k < segs[g].run_end; ++k) {
            const Run r = s.runs[k];
            if (r.len < kMaxMatch) {
                const LenCode lc = kLenCode[r.len];
                const uint8_t b = p[r.start - 1]; // a run follows its literal in the segment
                if (r.len * lengths[b] <= lengths[lc.sym] + lc.extra_bits + 1u) {
                    freq[b] += r.len;
                    --freq[lc.sym];
                    dropped = true;
                    continue;
                }
            }
            s.runs[kept++] = r;
        }
        segs[g].run_end = kept;
    }
    if (dropped)
        halvings = code_lengths(freq, kLitLenCodes, kMaxBits, lengths.data());
    st.limited_codes += halvings > 0;
    int hlit = kLitLenCodes;
    while (hlit > 257 && lengths[hlit - 1] == 0)
        --hlit;
    // Distance code 0 (distance 1) is the only one used; a second 1-bit
    // code completes the distance code, which inflate requires. The header
    // sends the lit/len and distance code lengths as one sequence.
    const int hdist = 2;
    std::array<uint8_t, kLitLenCodes + 2> sequence{};
    std::copy(lengths.begin(), lengths.begin() + hlit, sequence.begin());
    sequence[hlit] = 1;
    sequence[hlit + 1] = 1;

    std::array<ClToken, kLitLenCodes + 2> cl_tokens;
    const int ntokens = rle_code_lengths(sequence.data(), hlit + hdist, cl_tokens.data());
    std::array<uint32_t, kClCodes> cl_freq{};
    for (int t = 0; t < ntokens; ++t)
        ++cl_freq[cl_tokens[t].sym];
    std::array<uint8_t, kClCodes> cl_lengths{};
    st.limited_codes += code_lengths(cl_freq.data(), kClCodes, kMaxClBits, cl_lengths.data()) > 0;
    int hclen = kClCodes;
    while (hclen > 4 && cl_lengths[kClOrder[hclen - 1]] == 0)
        --hclen;

    // The block's exact size, to compare with storing it.
    uint64_t bits = 3 + 5 + 5 + 4 + 3 * uint64_t(hclen);
    for (int c = 0; c < kClCodes; ++c)
        bits += uint64_t(cl_freq[c]) * (cl_lengths[c] + kClExtraBits[c]);
    for (int c = 0; c < kLitLenCodes; ++c)
        bits += uint64_t(freq[c]) * lengths[c];
    for (int c = 257; c < kLitLenCodes; ++c)
        bits += uint64_t(freq[c]) * (kLenExtraBits[c - 257] + 1u); // extra bits and the distance code
    const size_t begin = segs[s0].begin, len = segs[s1 - 1].begin + segs[s1 - 1].len - begin;
    bw.flush();
    if (bits >= stored_bits(bw.n, len)) {
        write_stored(bw, planes + begin, len, last, st);
        return;
    }
    ++st.dynamic_blocks;
#ifndef NDEBUG
    const uint8_t* start_p = bw.p;
    const unsigned start_n = bw.n;
#endif

    bw.put((last ? 1 : 0) | 2 << 1, 3); // BFINAL, BTYPE 10
    bw.put(uint64_t(hlit - 257), 5);
    bw.put(uint64_t(hdist - 1), 5);
    bw.put(uint64_t(hclen - 4), 4);
    bw.flush();
    for (int i = 0; i < hclen; ++i) {
        bw.put(cl_lengths[kClOrder[i]], 3);
        bw.flush();
    }
    std::array<uint32_t, kClCodes> cl_codes;
    canonical_codes(cl_lengths.data(), kClCodes, cl_codes.data());
    for (int t = 0; t < ntokens; ++t) {
        const ClToken tok = cl_tokens[t];
        bw.put(code_bits(cl_codes[tok.sym]), code_len(cl_codes[tok.sym]));
        bw.put(tok.extra, kClExtraBits[tok.sym]);
        bw.flush();
    }
    std::array<uint32_t, kLitLenCodes> lit;
    canonical_codes(lengths.data(), kLitLenCodes, lit.data());
    const int longest = *std::max_element(lengths.begin(), lengths.end());
    switch (57 / longest) {
    case 3:
        write_tokens<3>(bw, planes, segs + s0, segs + s1, s.runs, lit.data());
        break;
    case 4:
        write_tokens<4>(bw, planes, segs + s0, segs + s1, s.runs, lit.data());
        break;
    case 5:
        write_tokens<5>(bw, planes, segs + s0, segs + s1, s.runs, lit.data());
        break;
    case 6:
        write_tokens<6>(bw, planes, segs + s0, segs + s1, s.runs, lit.data());
        break;
    case 7:
        write_tokens<7>(bw, planes, segs + s0, segs + s1, s.runs, lit.data());
        break;
    default:
        write_tokens<8>(bw, planes, segs + s0, segs + s1, s.runs, lit.data());
        break;
    }
#ifndef NDEBUG
    assert(uint64_t(bw.p - start_p) * 8 + bw.n - start_n == bits);
#endif
}

// Tokenises the plane at planes + offset into segments of about
// kSegmentBytes (each ends where a token does; a last piece shorter than
// half of that joins the one before), appended to s.segments with their
// offsets from `planes`.
void tokenise_plane(const uint8_t* planes, size_t offset, size_t len, Scratch& s) {
    const uint8_t* p = planes + offset;
    s.plane_first.push_back(s.segments.size());
    for (size_t begin = 0; begin < len;) {
        const size_t stop = len - begin < kSegmentBytes + kSegmentBytes / 2 ? len : begin + kSegmentBytes;
        Segment& seg = s.segments.emplace_back();
        seg.begin = begin;
        tokenise(p, stop, len, seg, s);
        begin += seg.len;
        seg.begin += offset;
    }
}

// Writes the segments in s.segments (consecutive planes) as blocks, chosen
// by plan_planes.
void write_segments(BitWriter& bw, const uint8_t* planes, Scratch& s, bool last, DeflateStats& st) {
    const size_t nseg = s.segments.size();
    if (nseg == 0)
        return;
    std::array<uint32_t, kLitLenCodes> freq;
    s.block_ends.clear();
    if (nseg == 1) {
        s.block_ends.push_back(1);
    } else {
        const size_t planes_in = s.plane_first.size();
        s.plane_first.push_back(nseg);
        plan_planes(s, 0, planes_in, freq.data(), s.block_ends);
    }
    size_t s0 = 0;
    for (const size_t s1 : s.block_ends) {
        std::fill(freq.begin(), freq.end(), 0);
        for (size_t g = s0; g < s1; ++g)
            for (int c = 0; c < kLitLenCodes; ++c)
                freq[c] += s.segments[g].freq[c];
        write_block(bw, planes, s, s0, s1, freq.data(), last && s1 == nseg, st);
        s0 = s1;
    }
    s.segments.clear();
    s.plane_first.clear();
    s.runs.clear();
}

} // namespace

size_t deflate_planes_bound(size_t plane_len, size_t count) {
    // Each block is at most its stored size; stored blocks add 5 bytes per
    // 65535 bytes (and one per block for padding).
    const size_t blocks = plane_len / kMaxStoredLen + plane_len / kSegmentBytes + 2;
    return 2 + 5 + count * (plane_len + 6 * blocks) + 4 + 8;
}

size_t deflate_planes(const uint8_t* planes, size_t plane_len, size_t count, uint8_t* dst,
                      DeflateStats* stats) {
    DeflateStats local;
    DeflateStats& st = stats ? *stats : local;
    st = {};
    // CMF: deflate with a 32K window; FLG: no dictionary, check bits making
    // CMF * 256 + FLG a multiple of 31 (RFC 1950 2.2).
    dst[0] = 0x78;
    dst[1] = 0x01;
    BitWriter bw;
    bw.p = dst + 2;
    const size_t total = plane_len * count;
    if (total == 0) {
        write_stored(bw, nullptr, 0, true, st); // an empty stream still needs a final block
    } else {
        // Planes that look random are stored; the others are tokenised and
        // written in blocks when a stored plane or the end comes.
        thread_local Scratch s;
        s.segments.clear();
        s.plane_first.clear();
        s.runs.clear();
        for (size_t k = 0; k < count; ++k) {
            const size_t offset = k * plane_len;
            if (looks_random(planes + offset, plane_len)) {
                write_segments(bw, planes, s, false, st);
                ++st.precheck_stored;
                write_stored(bw, planes + offset, plane_len, k + 1 == count, st);
            } else {
                tokenise_plane(planes, offset, plane_len, s);
            }
        }
        write_segments(bw, planes, s, true, st);
    }
    bw.align();
    const uint32_t adler = adler32_of(1, planes, total);
    const uint8_t trailer[4] = {uint8_t(adler >> 24), uint8_t(adler >> 16), uint8_t(adler >> 8),
                                uint8_t(adler)};
    std::memcpy(bw.p, trailer, 4);
    return size_t(bw.p + 4 - dst);
}

size_t deflate_planes(const uint8_t* planes, size_t plane_len, size_t count, std::vector<uint8_t>& out,
                      DeflateStats* stats) {
    const size_t old = out.size();
    out.resize(old + deflate_planes_bound(plane_len, count));
    const size_t n = deflate_planes(planes, plane_len, count, out.data() + old, stats);
    out.resize(old + n);
    return n;
}

} // namespace icsim
