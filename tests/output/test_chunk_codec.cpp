#include <doctest/doctest.h>

#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include <oneapi/tbb/global_control.h>
#include <xxhash.h>
#include <zlib.h>

#include "output/chunk_codec.hpp"

using namespace icsim;

// Every coded chunk is inflated by zlib (uncompress2 checks the zlib header
// and the Adler-32 trailer, as HDF5's deflate filter does) and unshuffled
// here, independently of the coder: the values must come back exactly.

namespace {

using Bytes = std::vector<uint8_t>;

Bytes decode(const CodedChunk& c, size_t rows, size_t elem) {
    const size_t bytes = rows * elem;
    Bytes planes(bytes + 1); // one spare byte: a longer stream would show
    if (c.mask & kDeflateSkipped) {
        REQUIRE(c.size == bytes);
        std::memcpy(planes.data(), c.bytes.data(), bytes);
    } else {
        uLongf n = uLongf(planes.size());
        uLong zlen = uLong(c.size);
        REQUIRE(uncompress2(planes.data(), &n, c.bytes.data(), &zlen) == Z_OK);
        REQUIRE(n == bytes);
        REQUIRE(zlen == c.size); // the whole stream consumed
    }
    Bytes values(bytes);
    for (size_t j = 0; j < rows; ++j)
        for (size_t b = 0; b < elem; ++b)
            values[j * elem + b] = planes[b * rows + j];
    return values;
}

// Codes `valid` values into a chunk of `rows` rows and checks the round trip
// (rows past `valid` come back as zero). Returns the chunk.
CodedChunk round_trip(const Bytes& values, size_t valid, size_t rows, size_t elem) {
    CAPTURE(valid);
    CAPTURE(rows);
    CAPTURE(elem);
    CodedChunk c;
    ChunkCoder().code(values.data(), valid, rows, elem, c);
    CHECK(c.size <= rows * elem);
    Bytes want(rows * elem, 0);
    std::memcpy(want.data(), values.data(), valid * elem);
    CHECK(decode(c, rows, elem) == want);
    return c;
}

} // namespace

TEST_SUITE("unit") {
    TEST_CASE("chunk codec: columns of every kind come back through zlib's inflate") {
        std::mt19937 gen(11);
        const size_t rows = 50000;
        for (size_t elem : {1, 2, 4, 8}) {
            Bytes values(rows * elem);
            SUBCASE("low entropy") {
                for (auto& v : values)
                    v = uint8_t(gen() % 5);
                const CodedChunk c = round_trip(values, rows, rows, elem);
                CHECK(c.mask == 0);
                CHECK(c.size < values.size() / 2);
            }
            SUBCASE("constant") {
                std::memset(values.data(), 7, values.size());
                const CodedChunk c = round_trip(values, rows, rows, elem);
                CHECK(c.mask == 0);
                CHECK(c.size < values.size() / 50);
            }
            SUBCASE("random bytes are stored with deflate skipped") {
                for (auto& v : values)
                    v = uint8_t(gen());
                const CodedChunk c = round_trip(values, rows, rows, elem);
                CHECK(c.mask == kDeflateSkipped);
            }
            SUBCASE("a last chunk shorter than the chunk size is padded with zeros") {
                for (auto& v : values)
                    v = uint8_t(gen() % 3);
                round_trip(values, rows / 3, rows, elem);
                round_trip(values, 1, rows, elem);
            }
        }
    }

    TEST_CASE("chunk codec: floats of a real kind, sorted ids, and a reused buffer") {
        std::mt19937 gen(3);
        std::normal_distribution<float> prejudice(0.3f, 0.1f);
        const size_t rows = 65536;
        Bytes floats(rows * 4), ids(rows * 4);
        for (size_t j = 0; j < rows; ++j) {
            const float f = prejudice(gen);
            std::memcpy(&floats[j * 4], &f, 4);
            const uint32_t id = uint32_t(j * 3 + gen() % 3);
            std::memcpy(&ids[j * 4], &id, 4);
        }
        CodedChunk c;
        for (const Bytes* v : {&floats, &ids, &floats}) {
            ChunkCoder().code(v->data(), rows, rows, 4, c);
            CHECK(decode(c, rows, 4) == *v);
            CHECK(c.size < v->size());
        }
    }

    TEST_CASE("chunk codec: the trailer is the Adler-32 of the shuffled planes") {
        const size_t rows = 4096;
        Bytes values(rows * 4);
        for (size_t j = 0; j < values.size(); ++j)
            values[j] = uint8_t(j % 7);
        CodedChunk c;
        ChunkCoder().code(values.data(), rows, rows, 4, c);
        REQUIRE(c.mask == 0);
        Bytes planes(rows * 4);
        for (size_t j = 0; j < rows; ++j)
            for (size_t b = 0; b < 4; ++b)
                planes[b * rows + j] = values[j * 4 + b];
        const uint32_t want = uint32_t(adler32(1, planes.data(), uInt(planes.size())));
        const uint8_t* t = c.bytes.data() + c.size - 4; // big-endian (RFC 1950)
        CHECK(((uint32_t(t[0]) << 24) | (uint32_t(t[1]) << 16) | (uint32_t(t[2]) << 8) | t[3]) == want);
        CHECK((uint32_t(c.bytes[0]) * 256 + c.bytes[1]) % 31 == 0); // a valid zlib header
        CHECK((c.bytes[0] & 0x0f) == 8);                            // method: deflate
    }

    TEST_CASE("column hash: XXH3 of the XXH3 hashes of 1 MiB blocks, on any number of threads") {
        std::mt19937 gen(5);
        const size_t block = 1 << 20;
        Bytes data(3 * block + 12345);
        for (auto& v : data)
            v = uint8_t(gen());
        // xxHash's own reference value for empty input.
        CHECK(XXH3_64bits(nullptr, 0) == 0x2D06800538D394C2ull);
        for (size_t len : {size_t(0), size_t(100), block, data.size()}) {
            CAPTURE(len);
            std::vector<uint64_t> parts;
            for (size_t at = 0; at < len; at += block)
                parts.push_back(XXH3_64bits(data.data() + at, std::min(block, len - at)));
            const ColumnHash want{XXH3_64bits(parts.data(), parts.size() * 8), len};
            CHECK(column_hash(data.data(), len) == want);
            {
                const oneapi::tbb::global_control one(oneapi::tbb::global_control::max_allowed_parallelism,
                                                      1);
                CHECK(column_hash(data.data(), len) == want);
            }
        }
        const ColumnHash before = column_hash(data.data(), data.size());
        data[2 * block + 7] ^= 1;
        CHECK_FALSE(column_hash(data.data(), data.size()) == before);
        CHECK_FALSE(column_hash(data.data(), 8) == column_hash(data.data(), 9));
    }
}
