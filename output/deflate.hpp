// A DEFLATE encoder for byte planes: the output of HDF5's shuffle filter on
// columns of numbers, where each plane is either nearly random (stored),
// low-entropy (Huffman coding pays) or made of runs (matches at distance 1
// pay). It writes one zlib stream (RFC 1950 around RFC 1951 deflate) that
// any inflate reads, so a chunk it produces is a plain shuffle + deflate
// chunk to HDF5.
//
// A plane whose sample looks random is stored. The others are tokenised
// into literals and runs (matches at distance 1, as zlib's Z_RLE finds
// them), counted in segments of 8 KiB, and written as dynamic Huffman
// blocks: one per plane, or one per part of a plane whose statistics
// change, or one for several planes alike, as an estimate of the sizes
// says; each block is stored instead when that is no longer. There is no
// general LZ77 search, which is why it is several times faster than zlib's
// Z_RLE and Z_HUFFMAN_ONLY strategies, at about their size.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace icsim {

// What one call did, for tests and for the curious.
struct DeflateStats {
    size_t dynamic_blocks = 0;
    size_t stored_blocks = 0;   // stored blocks written (a plane over 65535 bytes needs several)
    size_t precheck_stored = 0; // planes stored because a sample of them looked random
    size_t limited_codes = 0;   // Huffman codes that needed the length limit (15 or 7 bits)
};

// Bytes deflate_planes may write for `count` planes of `plane_len` bytes:
// the stored size plus block headers and 8 bytes of slack for the bit writer.
size_t deflate_planes_bound(size_t plane_len, size_t count);

// Writes to `dst` (at least deflate_planes_bound(plane_len, count) bytes)
// one complete zlib stream holding the `count` planes of `plane_len` bytes
// at `planes` (contiguous), in order; returns its length in bytes.
// Thread-safe: scratch memory is per thread.
size_t deflate_planes(const uint8_t* planes, size_t plane_len, size_t count, uint8_t* dst,
                      DeflateStats* stats = nullptr);

// The same, appended to `out`; returns the number of bytes appended.
size_t deflate_planes(const uint8_t* planes, size_t plane_len, size_t count, std::vector<uint8_t>& out,
                      DeflateStats* stats = nullptr);

namespace detail {

// Code lengths of a prefix code for freq[0..n) with no length above `limit`
// (lengths[s] = 0 for unused symbols). A Huffman code when that fits the
// limit; otherwise frequencies are halved (kept above zero) and the code
// rebuilt until it fits. The code is always complete: with fewer than two
// used symbols, symbols 0 and/or 1 get length 1 as well (as inflate wants
// at least two codes). Returns the number of halvings (0: plain Huffman).
int code_lengths(const uint32_t* freq, int n, int limit, uint8_t* lengths);

} // namespace detail

} // namespace icsim
