// Timing of output/deflate.cpp against zlib level 1 (Z_RLE, Z_HUFFMAN_ONLY)
// on byte planes; a standalone program, not part of the build or of ctest:
//
//   g++ -std=c++20 -O3 -DNDEBUG -I. bench/standalone/deflate_planes.cpp output/deflate.cpp -lz -o /tmp/deflate_planes
//   /tmp/deflate_planes [ROUNDS=5] [CASE]    (CASE: only cases whose name contains it)
//
// Each case is a chunk of 4 planes of 65536 bytes (a column of 65536
// uint32 after HDF5's shuffle, or 4 planes of one kind), encoded 100 times
// per round; the best round is reported (the machine is shared). Every
// output is checked by inflating it once.
#include <algorithm>
#include <bit>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include <zlib.h>

#include "output/deflate.hpp"

namespace {

using Bytes = std::vector<uint8_t>;
constexpr size_t kPlane = 65536;
constexpr size_t kPlanes = 4;
constexpr int kReps = 100;

struct Case {
    std::string name;
    Bytes chunk; // kPlanes planes of kPlane bytes
};

Bytes make_planes(std::mt19937& gen, auto&& byte) {
    Bytes b(kPlane * kPlanes);
    for (auto& x : b)
        x = uint8_t(byte(gen));
    return b;
}

std::vector<Case> cases() {
    std::mt19937 gen(42);
    std::vector<Case> out;
    out.push_back(
        {"(a) uniform 8 values (3 bits)", make_planes(gen, [](std::mt19937& g) { return g() % 8; })});
    out.push_back(
        {"    uniform 4 values (2 bits)", make_planes(gen, [](std::mt19937& g) { return g() % 4; })});
    out.push_back({"    geometric (skewed, ~2 bits)", make_planes(gen, [](std::mt19937& g) {
                       return std::min(std::countr_zero(g() | 0x80000000u), 20);
                   })});
    // (b) Mostly constant: isolated changes (1 byte in 40 random), and steps
    // (the value changes at 1 position in 200 and stays).
    out.push_back({"(b) constant, 1 in 40 bytes random",
                   make_planes(gen, [](std::mt19937& g) { return g() % 40 == 0 ? g() & 255 : 0; })});
    {
        uint8_t v = 0;
        out.push_back({"    steps, 1 change in 200 bytes", make_planes(gen, [&v](std::mt19937& g) {
                           if (g() % 200 == 0)
                               v = uint8_t(g());
                           return v;
                       })});
    }
    // (c) Sorted uint32 ids (65536 of [0, 2^26)), shuffled into 4 planes:
    // plane 0 random (stored), 1 nearly random, 2 runs of about 64, 3 runs of 16384.
    {
        std::vector<uint32_t> ids(kPlane);
        for (auto& id : ids)
            id = uint32_t(gen() >> 6);
        std::sort(ids.begin(), ids.end());
        Bytes c(kPlane * 4);
        for (size_t i = 0; i < kPlane; ++i)
            for (size_t b = 0; b < 4; ++b)
                c[b * kPlane + i] = uint8_t(ids[i] >> (8 * b));
        out.push_back({"(c) sorted uint32 ids, all 4 planes", c});
        Bytes high(c.begin() + 2 * kPlane, c.end());
        high.insert(high.end(), c.begin() + 2 * kPlane, c.end());
        out.push_back({"    sorted uint32 ids, planes 2-3 x2", high});
    }
    out.push_back({"    random bytes", make_planes(gen, [](std::mt19937& g) { return g() & 255; })});
    return out;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

bool inflates_to(const Bytes& z, size_t zlen, const Bytes& in) {
    Bytes back(in.size() + 1);
    uLongf n = back.size();
    uLong zl = uLong(zlen);
    return uncompress2(back.data(), &n, z.data(), &zl) == Z_OK && n == in.size() &&
           std::equal(in.begin(), in.end(), back.begin());
}

struct Result {
    double mbps = 0;
    size_t size = 0;
    bool ok = false;
};

Result time_ours(const Bytes& in, int rounds) {
    Result r;
    Bytes z(icsim::deflate_planes_bound(kPlane, in.size() / kPlane));
    double best = 1e9;
    for (int round = 0; round < rounds; ++round) {
        const auto t0 = std::chrono::steady_clock::now();
        for (int k = 0; k < kReps; ++k)
            r.size = icsim::deflate_planes(in.data(), kPlane, in.size() / kPlane, z.data());
        best = std::min(best, seconds_since(t0));
    }
    r.mbps = double(in.size()) * kReps / best / 1e6;
    r.ok = inflates_to(z, r.size, in);
    return r;
}

Result time_zlib(const Bytes& in, int strategy, int rounds) {
    Result r;
    z_stream zs{};
    deflateInit2(&zs, 1, Z_DEFLATED, 15, 8, strategy);
    Bytes z(deflateBound(&zs, uLong(in.size())));
    double best = 1e9;
    for (int round = 0; round < rounds; ++round) {
        const auto t0 = std::chrono::steady_clock::now();
        for (int k = 0; k < kReps; ++k) {
            deflateReset(&zs);
            zs.next_in = const_cast<uint8_t*>(in.data());
            zs.avail_in = uInt(in.size());
            zs.next_out = z.data();
            zs.avail_out = uInt(z.size());
            deflate(&zs, Z_FINISH);
            r.size = zs.total_out;
        }
        best = std::min(best, seconds_since(t0));
    }
    deflateEnd(&zs);
    r.mbps = double(in.size()) * kReps / best / 1e6;
    r.ok = inflates_to(z, r.size, in);
    return r;
}

} // namespace

int main(int argc, char** argv) {
    const int rounds = argc > 1 ? std::atoi(argv[1]) : 5;
    const std::string only = argc > 2 ? argv[2] : "";
    std::printf("%-38s %21s %21s %21s\n", "4 planes of 65536 bytes", "deflate_planes", "zlib 1 Z_RLE",
                "zlib 1 Z_HUFFMAN_ONLY");
    std::printf("%-38s %10s %10s %10s %10s %10s %10s\n", "", "MB/s", "bytes", "MB/s", "bytes", "MB/s",
                "bytes");
    for (const Case& c : cases()) {
        if (c.name.find(only) == std::string::npos)
            continue;
        const Result ours = time_ours(c.chunk, rounds);
        const Result rle = only.empty() ? time_zlib(c.chunk, Z_RLE, rounds) : Result{};
        const Result huff = only.empty() ? time_zlib(c.chunk, Z_HUFFMAN_ONLY, rounds) : Result{};
        std::printf("%-38s %10.0f %10zu %10.0f %10zu %10.0f %10zu%s\n", c.name.c_str(), ours.mbps, ours.size,
                    rle.mbps, rle.size, huff.mbps, huff.size,
                    ours.ok && ((rle.ok && huff.ok) || !only.empty()) ? "" : "  INFLATE FAILED");
    }
}
