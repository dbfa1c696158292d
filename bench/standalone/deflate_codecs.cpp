// The chunk coders the HDF5 writer could use, timed on the columns of a
// real run: each column of one checkpoint (or snapshot) of an icsim output
// file is shuffled into byte planes exactly as the writer does it (HDF5's
// shuffle filter), then coded as one zlib stream (what HDF5's deflate
// filter reads) by each coder. A standalone program, not part of the build
// or of ctest. (The writer uses ISA-L level 1, output/chunk_codec.cpp; the
// own coder it replaced is in git history, commit "bench: deflate_codecs".)
//
//   g++ -std=c++20 -O3 -DNDEBUG -I. -I/usr/include/hdf5/serial bench/standalone/deflate_codecs.cpp \
//       $(pkg-config --cflags --libs libdeflate libisal) -lhdf5_serial -lz -o /tmp/deflate_codecs
//   /tmp/deflate_codecs FILE.h5 [GROUP=/checkpoints] [ENTRY=last] [ROUNDS=5]
//
// Per column kind (float32, uint32, uint8; all columns of that kind
// together) it prints MB/s of input coded (best of ROUNDS rounds of 20
// codings each; the machine is shared) and the ratio input / output. Every
// output is checked by inflating it with zlib.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <hdf5.h>
#include <isa-l/igzip_lib.h>
#include <libdeflate.h>
#include <zlib.h>

namespace {

using Bytes = std::vector<uint8_t>;
constexpr int kReps = 20;

struct Column {
    std::string name, kind;
    size_t elem = 4;
    Bytes planes; // shuffled
};

// Reads entry k of GROUP's columns (rows offset/<c>[k] .. + count[k]).
std::vector<Column> read_columns(const char* path, const std::string& group, long entry) {
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    const hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f < 0) {
        std::fprintf(stderr, "cannot open %s\n", path);
        std::exit(2);
    }
    auto read_i64 = [&](const std::string& ds) {
        const hid_t d = H5Dopen2(f, ds.c_str(), H5P_DEFAULT);
        const hid_t s = H5Dget_space(d);
        std::vector<int64_t> v(size_t(H5Sget_simple_extent_npoints(s)));
        H5Dread(d, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data());
        H5Sclose(s);
        H5Dclose(d);
        return v;
    };
    const auto counts = read_i64(group + "/count");
    if (counts.empty()) {
        std::fprintf(stderr, "%s: %s holds no entries\n", path, group.c_str());
        std::exit(2);
    }
    const size_t k = entry < 0 ? counts.size() - 1 : size_t(entry);
    const hsize_t n = hsize_t(counts.at(k));
    std::vector<Column> out;
    const hid_t g = H5Gopen2(f, group.c_str(), H5P_DEFAULT);
    hsize_t objs = 0;
    H5Gget_num_objs(g, &objs);
    for (hsize_t i = 0; i < objs; ++i) {
        char name[256];
        H5Gget_objname_by_idx(g, i, name, sizeof name);
        const std::string nm = name;
        if (nm == "steps" || nm == "count" || nm == "offset")
            continue;
        const hsize_t first = hsize_t(read_i64(group + "/offset/" + nm).at(k));
        const hid_t d = H5Dopen2(g, name, H5P_DEFAULT);
        const hid_t t = H5Dget_type(d);
        Column c;
        c.name = nm;
        c.elem = H5Tget_size(t);
        c.kind = H5Tget_class(t) == H5T_FLOAT ? "float32" : c.elem == 4 ? "uint32" : "uint8";
        Bytes raw(n * c.elem);
        const hid_t fs = H5Dget_space(d);
        H5Sselect_hyperslab(fs, H5S_SELECT_SET, &first, nullptr, &n, nullptr);
        const hid_t ms = H5Screate_simple(1, &n, nullptr);
        H5Dread(d, t, ms, fs, H5P_DEFAULT, raw.data());
        H5Sclose(ms);
        H5Sclose(fs);
        H5Tclose(t);
        H5Dclose(d);
        c.planes.resize(raw.size());
        for (size_t j = 0; j < n; ++j)
            for (size_t b = 0; b < c.elem; ++b)
                c.planes[b * n + j] = raw[j * c.elem + b];
        out.push_back(std::move(c));
    }
    H5Gclose(g);
    H5Fclose(f);
    return out;
}

// A coder: writes one zlib stream of `in` to `out` (resized as needed), returns its length.
using Coder = std::function<size_t(const Bytes& in, Bytes& out)>;

size_t zlib_code(const Bytes& in, Bytes& out, int level, int strategy) {
    z_stream zs{};
    deflateInit2(&zs, level, Z_DEFLATED, 15, 8, strategy);
    out.resize(deflateBound(&zs, uLong(in.size())));
    zs.next_in = const_cast<uint8_t*>(in.data());
    zs.avail_in = uInt(in.size());
    zs.next_out = out.data();
    zs.avail_out = uInt(out.size());
    deflate(&zs, Z_FINISH);
    const size_t n = zs.total_out;
    deflateEnd(&zs);
    return n;
}

Coder libdeflate_coder(int level) {
    auto* c = libdeflate_alloc_compressor(level);
    return [c](const Bytes& in, Bytes& out) {
        out.resize(libdeflate_zlib_compress_bound(c, in.size()));
        return libdeflate_zlib_compress(c, in.data(), in.size(), out.data(), out.size());
    };
}

Coder isal_coder(int level) {
    static const uint32_t sizes[] = {ISAL_DEF_LVL0_DEFAULT, ISAL_DEF_LVL1_DEFAULT, ISAL_DEF_LVL2_DEFAULT,
                                     ISAL_DEF_LVL3_DEFAULT};
    auto buf = std::make_shared<Bytes>(sizes[level]);
    return [level, buf](const Bytes& in, Bytes& out) {
        out.resize(in.size() + in.size() / 16 + 1024);
        isal_zstream s;
        isal_deflate_stateless_init(&s);
        s.gzip_flag = IGZIP_ZLIB;
        s.level = uint32_t(level);
        s.level_buf = buf->data();
        s.level_buf_size = uint32_t(buf->size());
        s.next_in = const_cast<uint8_t*>(in.data());
        s.avail_in = uint32_t(in.size());
        s.next_out = out.data();
        s.avail_out = uint32_t(out.size());
        if (isal_deflate_stateless(&s) != COMP_OK)
            return size_t(0);
        return size_t(s.total_out);
    };
}

bool inflates_to(const Bytes& z, size_t zlen, const Bytes& in) {
    Bytes back(in.size() + 1);
    uLongf n = back.size();
    uLong zl = uLong(zlen);
    return uncompress2(back.data(), &n, z.data(), &zl) == Z_OK && n == in.size() &&
           std::equal(in.begin(), in.end(), back.begin());
}

} // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: deflate_codecs FILE.h5 [GROUP] [ENTRY] [ROUNDS]\n");
        return 2;
    }
    const std::string group = argc > 2 ? argv[2] : "/checkpoints";
    const long entry = argc > 3 ? std::atol(argv[3]) : -1;
    const int rounds = argc > 4 ? std::atoi(argv[4]) : 5;
    const auto cols = read_columns(argv[1], group, entry);
    std::vector<std::pair<std::string, Coder>> coders = {
        {"zlib 1 Z_RLE", [](const Bytes& i, Bytes& o) { return zlib_code(i, o, 1, Z_RLE); }},
        {"zlib 1", [](const Bytes& i, Bytes& o) { return zlib_code(i, o, 1, Z_DEFAULT_STRATEGY); }},
        {"libdeflate 1", libdeflate_coder(1)},
        {"libdeflate 2", libdeflate_coder(2)},
        {"libdeflate 4", libdeflate_coder(4)},
        {"isal 0", isal_coder(0)},
        {"isal 1", isal_coder(1)},
        {"isal 2", isal_coder(2)},
    };
    std::map<std::string, size_t> kinds;
    for (const auto& c : cols)
        kinds[c.kind] += c.planes.size();
    std::printf("%s %s: %zu columns, %zu rows\n", argv[1], group.c_str(), cols.size(),
                cols.empty() ? size_t(0) : cols[0].planes.size() / cols[0].elem);
    std::printf("%-16s", "coder");
    for (const auto& [kind, bytes] : kinds)
        std::printf(" %9s MB/s %6s", kind.c_str(), "ratio");
    std::printf(" %9s MB/s %6s\n", "all", "ratio");
    for (auto& [label, code] : coders) {
        std::map<std::string, double> secs, zbytes;
        double all_secs = 0, all_z = 0, all_in = 0;
        bool ok = true;
        Bytes z;
        for (const auto& c : cols) {
            double best = 1e9;
            size_t len = 0;
            for (int r = 0; r < rounds; ++r) {
                const auto t0 = std::chrono::steady_clock::now();
                for (int k = 0; k < kReps; ++k)
                    len = code(c.planes, z);
                best = std::min(best,
                                std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
            }
            ok = ok && len > 0 && inflates_to(z, len, c.planes);
            secs[c.kind] += best / kReps;
            zbytes[c.kind] += double(len);
            all_secs += best / kReps;
            all_z += double(len);
            all_in += double(c.planes.size());
        }
        std::printf("%-16s", label.c_str());
        for (const auto& [kind, bytes] : kinds)
            std::printf(" %14.0f %6.2f", double(bytes) / secs[kind] / 1e6, double(bytes) / zbytes[kind]);
        std::printf(" %14.0f %6.2f%s\n", all_in / all_secs / 1e6, all_in / all_z,
                    ok ? "" : "  INFLATE FAILED");
    }
}
