#include "output/chunk_codec.hpp"

#include <algorithm>
#include <cstring>

#include <isa-l/igzip_lib.h>
#include <oneapi/tbb/parallel_for.h>
#include <xxhash.h>

namespace icsim {

namespace {

// ISA-L's level 1: its default, and on a run's columns as fast as level 2
// at the same size, while level 0 loses a fifth of the compression.
constexpr uint32_t kIsalLevel = 1;

void shuffle(const uint8_t* data, size_t valid, size_t chunk_rows, size_t elem, uint8_t* sh) {
    if (valid < chunk_rows) // padding rows past the data
        std::memset(sh, 0, chunk_rows * elem);
    if (elem == 1) {
        std::memcpy(sh, data, valid);
    } else if (elem == 4) {
        uint8_t *p0 = sh, *p1 = sh + chunk_rows, *p2 = sh + 2 * chunk_rows, *p3 = sh + 3 * chunk_rows;
        for (size_t j = 0; j < valid; ++j) {
            uint32_t v;
            std::memcpy(&v, data + 4 * j, 4); // little-endian: byte b is bits 8b..8b+7
            p0[j] = uint8_t(v);
            p1[j] = uint8_t(v >> 8);
            p2[j] = uint8_t(v >> 16);
            p3[j] = uint8_t(v >> 24);
        }
    } else {
        for (size_t j = 0; j < valid; ++j)
            for (size_t b = 0; b < elem; ++b)
                sh[b * chunk_rows + j] = data[j * elem + b];
    }
}

// ISA-L's AVX2 and AVX-512 kernels can leave the upper halves of the
// vector registers dirty, and the engine's SSE code that this thread runs
// next then pays for it: with ISA-L, city-1m-output's metrics phase took
// 246-252 ms instead of 163-164 and its steps were 5-10 % slower, while
// runs without output were not. vzeroupper clears that state.
void clear_upper_vector_state() {
#if defined(__x86_64__)
    static const bool avx = __builtin_cpu_supports("avx");
    if (avx)
        asm volatile("vzeroupper" ::: "memory");
#endif
}

} // namespace

void ChunkCoder::code(const uint8_t* data, size_t valid, size_t chunk_rows, size_t elem, CodedChunk& out) {
    Scratch& scratch = scratch_.local();
    std::vector<uint8_t>& shuffled = scratch.shuffled;
    std::vector<uint8_t>& level_buf = scratch.level_buf;
    level_buf.resize(ISAL_DEF_LVL1_DEFAULT);
    const size_t bytes = chunk_rows * elem;
    shuffled.resize(bytes);
    shuffle(data, valid, chunk_rows, elem, shuffled.data());
    if (out.bytes.size() < bytes)
        out.bytes.resize(bytes);
    isal_zstream s;
    isal_deflate_stateless_init(&s);
    s.gzip_flag = IGZIP_ZLIB;
    s.level = kIsalLevel;
    s.level_buf = level_buf.data();
    s.level_buf_size = uint32_t(level_buf.size());
    s.next_in = shuffled.data();
    s.avail_in = uint32_t(bytes);
    s.next_out = out.bytes.data();
    // Room for no more than the input: a stream that does not fit would
    // not shrink the chunk, which is then stored shuffled, deflate skipped.
    s.avail_out = uint32_t(bytes);
    const bool coded = bytes > 0 && isal_deflate_stateless(&s) == COMP_OK;
    clear_upper_vector_state();
    if (coded && s.total_out < bytes) {
        out.size = s.total_out;
        out.mask = 0;
        return;
    }
    std::memcpy(out.bytes.data(), shuffled.data(), bytes);
    out.size = bytes;
    out.mask = kDeflateSkipped;
}

ColumnHash column_hash(const uint8_t* data, size_t len) {
    constexpr size_t kBlock = 1 << 20;
    const size_t blocks = (len + kBlock - 1) / kBlock;
    std::vector<uint64_t> part(blocks);
    oneapi::tbb::parallel_for(size_t(0), blocks, [&](size_t b) {
        part[b] = XXH3_64bits(data + b * kBlock, std::min(kBlock, len - b * kBlock));
    });
    return {XXH3_64bits(part.data(), part.size() * sizeof(uint64_t)), len};
}

} // namespace icsim
