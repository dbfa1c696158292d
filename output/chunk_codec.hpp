// Chunk coding for the resident columns: HDF5's shuffle filter (byte
// planes) followed by a zlib stream (what HDF5's deflate filter inflates),
// done by the writer itself so that chunks are coded in parallel and
// written whole with H5Dwrite_chunk. The zlib stream comes from ISA-L's
// igzip (isal_deflate_stateless with IGZIP_ZLIB, which writes the RFC 1950
// header and Adler-32 trailer): several times faster than zlib and
// libdeflate on these planes at a little less compression
// (bench/standalone/deflate_codecs.cpp). Any HDF5 reader, h5py included,
// reads the chunks through its deflate filter.
//
// The column hash is XXH3 (libxxhash): a change detector, so that a column
// equal to its last stored version is not stored again. It lives only in
// the writer's memory; no file holds it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "sim/scratch.hpp"

namespace icsim {

// One chunk of a resident column, coded as the dataset's pipeline
// (shuffle, then deflate) would code it, ready for H5Dwrite_chunk.
struct CodedChunk {
    // bytes[0, size) is the chunk. The buffer only grows (resizing a vector
    // down and up again would zero-fill it every time).
    std::vector<uint8_t> bytes;
    size_t size = 0;
    // Filters skipped, as H5Dwrite_chunk's mask: kDeflateSkipped when the
    // chunk is stored shuffled but uncompressed (coding would not shrink it).
    uint32_t mask = 0;
};

// H5Dwrite_chunk's filter mask bit for the second filter (deflate, after shuffle).
inline constexpr uint32_t kDeflateSkipped = 1u << 1;

// Codes chunks, with scratch memory per thread (sim/scratch.hpp) that lives
// as long as the coder (a column store owns one).
class ChunkCoder {
public:
    // Shuffles `valid` values of `elem` bytes at `data` into the planes of a
    // chunk of `chunk_rows` rows (rows past `valid` are zero) and codes them.
    // Thread-safe: may be called from several threads at once.
    void code(const uint8_t* data, size_t valid, size_t chunk_rows, size_t elem, CodedChunk& out);

private:
    struct Scratch {
        std::vector<uint8_t> shuffled, level_buf;
    };
    PerThread<Scratch> scratch_;
};

// The hash of a column of `len` bytes, in parallel over fixed 1 MiB blocks
// whose hashes are then hashed in order (the same value on any number of
// threads).
struct ColumnHash {
    uint64_t h = 0;
    size_t len = 0;
    bool operator==(const ColumnHash&) const = default;
};
ColumnHash column_hash(const uint8_t* data, size_t len);

} // namespace icsim
