#include "output/writer.hpp"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <limits>
#include <optional>
#include <stdexcept>
#include <system_error>

#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/parallel_invoke.h>

#include "output/deflate.hpp"
#include "output/git_commit.hpp"
#include "output/h5.hpp"
#include "output/reader.hpp"
#include "output/report.hpp"
#include "output/schema.hpp"

namespace icsim {

uint64_t column_chunk_rows(size_t n) {
    return std::clamp<uint64_t>(uint64_t(n), 1, 65536);
}

namespace {

using h5::check;
using h5::Id;

constexpr int kDeflateLevel = 1;
// Series rows are committed (written, flushed, then listed in
// /timeseries/step) at least this often, and before every snapshot and
// checkpoint: a reader following the file is at most this far behind.
constexpr double kCommitSeconds = 1.0;

// One chunk of a resident column, filtered as the dataset's pipeline
// (shuffle, then deflate) would filter it, ready for H5Dwrite_chunk.
struct FilteredChunk {
    // bytes[0, size) is the chunk. The buffer only grows (resizing a vector
    // down and up again would zero-fill it every time).
    std::vector<uint8_t> bytes;
    size_t size = 0;
    uint32_t mask = 0; // filters skipped: bit 1 = deflate (kept raw when it would not shrink)
};

// Shuffle (byte planes, exactly HDF5's H5Z shuffle) then deflate with the
// byte-plane coder of output/deflate.hpp. Any zlib stream inflates, so
// readers see a plain shuffle + deflate dataset; the coder is several times
// faster than zlib's fastest strategies on these planes at about their
// size (docs/performance.md). A chunk the coder cannot shrink is written
// raw, with the deflate filter marked as skipped.
void filter_chunk(const uint8_t* data, size_t valid, size_t chunk_rows, size_t elem, FilteredChunk& out) {
    thread_local std::vector<uint8_t> shuffled;
    const size_t bytes = chunk_rows * elem;
    shuffled.resize(bytes);
    uint8_t* sh = shuffled.data();
    if (valid < chunk_rows) // padding rows past the data
        std::memset(sh, 0, bytes);
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
    const size_t bound = std::max(deflate_planes_bound(chunk_rows, elem), bytes);
    if (out.bytes.size() < bound)
        out.bytes.resize(bound);
    out.size = deflate_planes(sh, chunk_rows, elem, out.bytes.data());
    out.mask = 0;
    if (out.size >= bytes) {
        std::memcpy(out.bytes.data(), sh, bytes);
        out.size = bytes;
        out.mask = 1u << 1;
    }
}

// XXH64 (Yann Collet's xxHash, 64-bit; BSD-2-Clause algorithm, written
// out here from its specification): a change detector for resident
// columns, so a column that did not change is not stored again -- without
// keeping a copy of every column. It runs at memory speed; the chance that
// a changed column hashes equal is 2^-64 per comparison.
struct Hash {
    uint64_t h = 0;
    size_t len = 0;
    bool operator==(const Hash&) const = default;
};

uint64_t xxh64(const uint8_t* p, size_t len, uint64_t seed) {
    constexpr uint64_t P1 = 0x9E3779B185EBCA87ull, P2 = 0xC2B2AE3D27D4EB4Full, P3 = 0x165667B19E3779F9ull,
                       P4 = 0x85EBCA77C2B2AE63ull, P5 = 0x27D4EB2F165667C5ull;
    auto rotl = [](uint64_t x, int r) { return (x << r) | (x >> (64 - r)); };
    auto read64 = [](const uint8_t* q) {
        uint64_t v;
        std::memcpy(&v, q, 8);
        return v;
    };
    auto round = [&](uint64_t acc, uint64_t in) { return rotl(acc + in * P2, 31) * P1; };
    auto merge = [&](uint64_t acc, uint64_t v) { return (acc ^ round(0, v)) * P1 + P4; };
    const uint8_t* end = p + len;
    uint64_t h;
    if (len >= 32) {
        uint64_t v1 = seed + P1 + P2, v2 = seed + P2, v3 = seed, v4 = seed - P1;
        for (; p + 32 <= end; p += 32) {
            v1 = round(v1, read64(p));
            v2 = round(v2, read64(p + 8));
            v3 = round(v3, read64(p + 16));
            v4 = round(v4, read64(p + 24));
        }
        h = rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18);
        h = merge(h, v1);
        h = merge(h, v2);
        h = merge(h, v3);
        h = merge(h, v4);
    } else {
        h = seed + P5;
    }
    h += uint64_t(len);
    for (; p + 8 <= end; p += 8)
        h = rotl(h ^ round(0, read64(p)), 27) * P1 + P4;
    if (p + 4 <= end) {
        uint32_t v;
        std::memcpy(&v, p, 4);
        h = rotl(h ^ (uint64_t(v) * P1), 23) * P2 + P3;
        p += 4;
    }
    for (; p < end; ++p)
        h = rotl(h ^ (uint64_t(*p) * P5), 11) * P1;
    h ^= h >> 33;
    h *= P2;
    h ^= h >> 29;
    h *= P3;
    h ^= h >> 32;
    return h;
}

// The hash of a column, in parallel over fixed 1 MiB blocks whose hashes
// are then hashed in order (the same value on any number of threads).
Hash column_hash(const uint8_t* data, size_t len) {
    constexpr size_t kBlock = 1 << 20;
    const size_t blocks = (len + kBlock - 1) / kBlock;
    std::vector<uint64_t> part(blocks);
    oneapi::tbb::parallel_for(size_t(0), blocks, [&](size_t b) {
        part[b] = xxh64(data + b * kBlock, std::min(kBlock, len - b * kBlock), 0);
    });
    return {xxh64(reinterpret_cast<const uint8_t*>(part.data()), part.size() * sizeof(uint64_t), 0), len};
}

hid_t file_type_of(const std::string& t) {
    if (t == "uint32")
        return H5T_STD_U32LE;
    if (t == "uint8")
        return H5T_STD_U8LE;
    return H5T_IEEE_F32LE;
}

size_t size_of(const std::string& t) {
    return t == "uint8" ? 1 : 4;
}

// /snapshots or /checkpoints: resident columns appended together, each
// entry starting on a chunk boundary so every chunk is written once, whole,
// by direct chunk writes compressed in parallel. With `dedup`, a column
// equal to its last stored version is not stored again: the entry's offset
// points at that version.
class ColumnStore {
public:
    ColumnStore() = default;
    ColumnStore(hid_t file, const std::string& name, const std::vector<schema::ColumnInfo>& cols,
                hsize_t chunk_rows, bool dedup, const std::string& description)
        : name_(name), chunk_(chunk_rows), dedup_(dedup) {
        group_ = h5::create_group(file, name);
        h5::write_attr_string(group_, "description", description);
        h5::write_attr<uint64_t>(group_, "chunk_rows", chunk_rows);
        steps_ = h5::Appender(group_, "steps", H5T_STD_I64LE, 0, 256);
        h5::write_attr_string(steps_.id(), "description",
                              "step of each entry; an entry counts only once listed here");
        count_ = h5::Appender(group_, "count", H5T_STD_I64LE, 0, 256);
        h5::write_attr_string(count_.id(), "description", "residents in each entry");
        const Id offsets = h5::create_group(group_, "offset");
        for (const auto& c : cols) {
            Column col;
            col.name = c.name;
            col.elem = size_of(c.type);
            const hsize_t dims = 0, maxdims = H5S_UNLIMITED;
            const Id space = h5::space_id(check(H5Screate_simple(1, &dims, &maxdims), "dataspace"));
            const Id dcpl = h5::plist_id(check(H5Pcreate(H5P_DATASET_CREATE), "dataset properties"));
            check(H5Pset_chunk(dcpl, 1, &chunk_), "chunking");
            check(H5Pset_shuffle(dcpl), "shuffle filter");
            check(H5Pset_deflate(dcpl, unsigned(kDeflateLevel)), "deflate filter");
            col.data = h5::dataset_id(
                check(H5Dcreate2(group_, c.name, file_type_of(c.type), space, H5P_DEFAULT, dcpl, H5P_DEFAULT),
                      "cannot create " + name + "/" + c.name));
            h5::write_attr_string(col.data, "description", c.description);
            h5::write_attr_string(col.data, "units", c.units);
            col.offset = h5::Appender(offsets, c.name, H5T_STD_I64LE, 0, 256);
            h5::write_attr_string(col.offset.id(), "description",
                                  std::string("first row in ") + name + "/" + c.name + " of each entry");
            cols_.push_back(std::move(col));
        }
    }

    // `data[j]` points at n values of column j.
    void append(int64_t step, size_t n, const std::vector<const void*>& data) {
        struct Job {
            size_t column, chunk;
        };
        std::vector<Job> jobs;
        std::vector<hsize_t> offset(cols_.size());
        std::vector<uint8_t> store(cols_.size(), 1);
        std::vector<Hash> hash(cols_.size());
        const size_t chunks = (n + chunk_ - 1) / chunk_;
        std::vector<const Column*> copy_from(cols_.size(), nullptr);
        for (size_t j = 0; j < cols_.size(); ++j) {
            Column& c = cols_[j];
            if (dedup_ || donor_ != nullptr)
                hash[j] = column_hash(static_cast<const uint8_t*>(data[j]), n * c.elem);
            if (dedup_ && c.has_last && c.last_n == n && c.last_hash == hash[j]) {
                store[j] = 0;
                offset[j] = c.last_offset;
                continue;
            }
            offset[j] = c.end;
            if (donor_ != nullptr)
                copy_from[j] = donor_->same_column(c.name, n, hash[j], chunk_);
            if (copy_from[j] == nullptr)
                for (size_t k = 0; k < chunks; ++k)
                    jobs.push_back({j, k});
        }
        for (size_t j = 0; j < cols_.size(); ++j) {
            if (!store[j] || n == 0)
                continue;
            Column& c = cols_[j];
            const hsize_t size = offset[j] + n;
            check(H5Dset_extent(c.data, &size), "cannot extend " + name_ + "/" + c.name);
        }
        // Columns the donor holds already: its stored chunks, copied as they are.
        for (size_t j = 0; j < cols_.size(); ++j) {
            if (copy_from[j] == nullptr)
                continue;
            const Column& from = *copy_from[j];
            for (size_t k = 0; k < chunks; ++k) {
                const hsize_t src = from.last_offset + k * chunk_, dst = offset[j] + k * chunk_;
                hsize_t bytes = 0;
                check(H5Dget_chunk_storage_size(from.data, &src, &bytes), "cannot read " + from.name);
                raw_.resize(bytes);
                uint32_t mask = 0;
                check(H5Dread_chunk(from.data, H5P_DEFAULT, &src, &mask, raw_.data()),
                      "cannot read " + from.name);
                check(H5Dwrite_chunk(cols_[j].data, H5P_DEFAULT, mask, &dst, raw_.size(), raw_.data()),
                      "cannot write " + name_ + "/" + cols_[j].name);
            }
        }
        // Chunks are filtered in parallel a batch at a time, into two sets
        // of buffers (reused): while one batch is written in order, the
        // next is filtered, so the writes (HDF5 calls, from one thread at a
        // time) overlap the compression.
        const size_t batch = 16, batches = (jobs.size() + batch - 1) / batch;
        if (filtered_.size() < 2 * batch)
            filtered_.resize(2 * batch);
        auto filter_batch = [&](size_t k) {
            const size_t first = k * batch, count = std::min(batch, jobs.size() - first);
            FilteredChunk* const out = &filtered_[(k % 2) * batch];
            oneapi::tbb::parallel_for(size_t(0), count, [&](size_t i) {
                const Job& job = jobs[first + i];
                const size_t elem = cols_[job.column].elem, row = job.chunk * chunk_;
                filter_chunk(static_cast<const uint8_t*>(data[job.column]) + row * elem,
                             std::min<size_t>(chunk_, n - row), chunk_, elem, out[i]);
            });
        };
        auto write_batch = [&](size_t k) {
            const size_t first = k * batch, count = std::min(batch, jobs.size() - first);
            const FilteredChunk* const in = &filtered_[(k % 2) * batch];
            for (size_t i = 0; i < count; ++i) {
                const Job& job = jobs[first + i];
                Column& c = cols_[job.column];
                const hsize_t at = offset[job.column] + job.chunk * chunk_;
                check(H5Dwrite_chunk(c.data, H5P_DEFAULT, in[i].mask, &at, in[i].size, in[i].bytes.data()),
                      "cannot write " + name_ + "/" + c.name);
            }
        };
        if (batches > 0)
            filter_batch(0);
        for (size_t k = 0; k < batches; ++k) {
            if (k + 1 < batches)
                oneapi::tbb::parallel_invoke([&] { write_batch(k); }, [&] { filter_batch(k + 1); });
            else
                write_batch(k);
        }
        for (size_t j = 0; j < cols_.size(); ++j) {
            Column& c = cols_[j];
            if (store[j]) {
                if (n > 0)
                    check(H5Dflush(c.data), "cannot flush " + name_ + "/" + c.name);
                c.end = offset[j] + chunks * chunk_;
                c.last_offset = offset[j];
                c.last_n = n;
                c.last_hash = hash[j];
                c.has_last = true;
            }
            c.offset.append_one<int64_t>(int64_t(offset[j]));
            c.offset.flush();
        }
        count_.append_one<int64_t>(int64_t(n));
        count_.flush();
        steps_.append_one<int64_t>(step);
        steps_.flush();
    }

    // A store whose last stored columns may be copied chunk for chunk when
    // equal (checkpoints take the snapshot columns written at their step).
    void set_donor(const ColumnStore* donor) { donor_ = donor; }

    // The store's columns from `pop` (and "id" from `ids`), by name.
    void append(int64_t step, const Population& pop, const std::vector<uint32_t>* ids) {
        std::vector<const void*> data(cols_.size(), nullptr);
        auto put = [&](const char* name, const void* column, size_t elem) {
            for (size_t j = 0; j < cols_.size(); ++j)
                if (cols_[j].name == name) {
                    if (cols_[j].elem != elem)
                        throw std::logic_error(name_ + "/" + name + ": schema and population types differ");
                    data[j] = column;
                }
        };
        if (ids != nullptr)
            put("id", ids->data(), sizeof(uint32_t));
        pop.for_each_column(
            [&](const char* name, const auto& column) { put(name, column.data(), sizeof(column[0])); });
        for (size_t j = 0; j < cols_.size(); ++j)
            if (data[j] == nullptr)
                throw std::logic_error(name_ + "/" + cols_[j].name + ": no such population column");
        append(step, pop.size(), data);
    }

    void close() {
        for (auto& c : cols_) {
            c.data.close("cannot close " + name_ + "/" + c.name);
            c.offset = h5::Appender();
        }
        steps_ = h5::Appender();
        count_ = h5::Appender();
        group_.close("cannot close " + name_);
    }

private:
    struct Column {
        std::string name;
        size_t elem = 4;
        Id data;
        h5::Appender offset;
        hsize_t end = 0; // next chunk-aligned free row
        bool has_last = false;
        hsize_t last_offset = 0;
        size_t last_n = 0;
        Hash last_hash;
    };
    std::string name_;
    Id group_;
    hsize_t chunk_ = 1;
    bool dedup_ = false;
    // The column `name` if its last stored version holds n rows hashing to
    // `hash` in chunks of `chunk` rows; else null.
    const Column* same_column(const std::string& name, size_t n, const Hash& hash, hsize_t chunk) const {
        if (chunk != chunk_)
            return nullptr;
        for (const Column& c : cols_)
            if (c.name == name)
                return c.has_last && c.last_n == n && c.last_hash == hash && n > 0 ? &c : nullptr;
        return nullptr;
    }

    std::vector<Column> cols_;
    h5::Appender steps_, count_;
    std::vector<FilteredChunk> filtered_;
    const ColumnStore* donor_ = nullptr;
    std::vector<uint8_t> raw_;
};

struct EventRow {
    int64_t step;
    char kind[schema::kEventKindBytes];
    char name[schema::kEventNameBytes];
    double value;
};

Id event_type(bool file) {
    Id t = h5::type_id(check(H5Tcreate(H5T_COMPOUND, sizeof(EventRow)), "event type"));
    Id kind = h5::type_id(check(H5Tcopy(H5T_C_S1), "event type"));
    check(H5Tset_size(kind, schema::kEventKindBytes), "event type");
    check(H5Tset_cset(kind, H5T_CSET_UTF8), "event type");
    Id name = h5::type_id(check(H5Tcopy(H5T_C_S1), "event type"));
    check(H5Tset_size(name, schema::kEventNameBytes), "event type");
    check(H5Tset_cset(name, H5T_CSET_UTF8), "event type");
    check(H5Tinsert(t, "step", HOFFSET(EventRow, step), file ? H5T_STD_I64LE : H5T_NATIVE_INT64),
          "event type");
    check(H5Tinsert(t, "kind", HOFFSET(EventRow, kind), kind), "event type");
    check(H5Tinsert(t, "name", HOFFSET(EventRow, name), name), "event type");
    check(H5Tinsert(t, "value", HOFFSET(EventRow, value), file ? H5T_IEEE_F64LE : H5T_NATIVE_DOUBLE),
          "event type");
    return t;
}

// Copies `text` into a fixed field, cut at a UTF-8 character boundary so
// that at least one NUL ends it.
template <size_t N>
void set_field(char (&field)[N], const std::string& text) {
    std::memset(field, 0, N);
    size_t n = std::min(text.size(), N - 1);
    while (n > 0 && n < text.size() && (uint8_t(text[n]) & 0xC0) == 0x80)
        --n;
    std::memcpy(field, text.data(), n);
}

EventRow event(int64_t step, const char* kind, const std::string& name, double value) {
    EventRow r{};
    r.step = step;
    set_field(r.kind, kind);
    set_field(r.name, name);
    r.value = value;
    return r;
}

std::string utc_now() {
    const std::time_t t = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

} // namespace

// Adds the wall time of its scope to `total` (milliseconds).
class ScopeTimer {
public:
    explicit ScopeTimer(double& total) : total_(total), start_(std::chrono::steady_clock::now()) {}
    ~ScopeTimer() {
        total_ +=
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start_).count();
    }
    ScopeTimer(const ScopeTimer&) = delete;
    ScopeTimer& operator=(const ScopeTimer&) = delete;

private:
    double& total_;
    std::chrono::steady_clock::time_point start_;
};

struct RunWriter::Impl {
    std::string path;
    Id file;
    size_t groups = 0, hoods = 0;
    std::vector<std::string> counter_names;
    double step_days = 7;
    // Per-step series in file order.
    struct Series {
        h5::Appender data;
        std::string path;
        std::vector<double> pending; // rows not yet written
    };
    std::vector<Series> series;
    h5::Appender step_marker;
    h5::Appender events;
    std::vector<EventRow> pending_events;
    std::vector<int64_t> pending_steps;
    std::chrono::steady_clock::time_point last_commit = std::chrono::steady_clock::now();
    Id event_mem_type;
    ColumnStore snapshots, checkpoints;
    std::vector<uint32_t> ids; // 0..n-1 for the id column
    bool closed = false;
    WriterTimes times;

    std::vector<double>& series_at(size_t k) { return series[k].pending; }

    // Writes the pending rows of every series and the events, flushes them,
    // then the pending steps' rows of the commit marker /timeseries/step.
    void commit() {
        if (pending_steps.empty())
            return;
        for (auto& s : series) {
            s.data.append(s.pending);
            s.pending.clear();
        }
        if (!pending_events.empty())
            events.append(pending_events.data(), pending_events.size(), event_mem_type);
        pending_events.clear();
        for (auto& s : series)
            s.data.flush();
        events.flush();
        step_marker.append(pending_steps);
        step_marker.flush();
        pending_steps.clear();
        last_commit = std::chrono::steady_clock::now();
    }

    void write_city(const World& w) {
        const Id city = h5::create_group(file, "/city");
        h5::write_attr_string(city, "description", "the static layout of the city");
        h5::write_attr<int32_t>(city, "width", w.grid.width);
        h5::write_attr<int32_t>(city, "height", w.grid.height);
        h5::write_attr<int32_t>(city, "capacity", w.grid.capacity);
        h5::write_attr<int32_t>(city, "torus", w.grid.torus ? 1 : 0);
        {
            const hsize_t dims[2] = {hsize_t(w.grid.height), hsize_t(w.grid.width)};
            const hsize_t chunk[2] = {std::min<hsize_t>(dims[0], 64), std::max<hsize_t>(dims[1], 1)};
            const Id space = h5::space_id(check(H5Screate_simple(2, dims, nullptr), "dataspace"));
            const Id dcpl = h5::plist_id(check(H5Pcreate(H5P_DATASET_CREATE), "dataset properties"));
            if (dims[0] > 0 && dims[1] > 0) {
                check(H5Pset_chunk(dcpl, 2, chunk), "chunking");
                check(H5Pset_shuffle(dcpl), "shuffle");
                check(H5Pset_deflate(dcpl, 4), "deflate");
            }
            const Id d = h5::dataset_id(
                check(H5Dcreate2(city, "neighbourhood", H5T_STD_U16LE, space, H5P_DEFAULT, dcpl, H5P_DEFAULT),
                      "cannot create /city/neighbourhood"));
            check(H5Dwrite(d, H5T_NATIVE_UINT16, H5S_ALL, H5S_ALL, H5P_DEFAULT, w.hoods.of_cell.data()),
                  "cannot write /city/neighbourhood");
            h5::write_attr_string(d, "description",
                                  "neighbourhood index (into /neighbourhoods/names) of each cell, [y, x]");
        }
        const Id places = h5::create_group(city, "places");
        h5::write_attr_string(places, "description", "places (workplaces, schools, ...), one row each");
        std::vector<std::string> kind, spec;
        std::vector<uint32_t> cell;
        std::vector<int32_t> x, y, capacity;
        static const char* kinds[] = {"workplace", "school", "public_space", "community_centre"};
        for (const Place& p : w.places) {
            kind.emplace_back(kinds[size_t(p.kind)]);
            spec.emplace_back(std::to_string(p.spec));
            cell.push_back(p.cell);
            x.push_back(w.grid.x_of(p.cell));
            y.push_back(w.grid.y_of(p.cell));
            capacity.push_back(p.capacity);
        }
        h5::write_strings(places, "kind", kind);
        auto plain = [&](const char* name, hid_t ftype, hid_t mtype, const void* data, size_t n) {
            const hsize_t dims = n;
            const Id space = h5::space_id(check(H5Screate_simple(1, &dims, nullptr), "dataspace"));
            const Id d = h5::dataset_id(
                check(H5Dcreate2(places, name, ftype, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                      std::string("cannot create /city/places/") + name));
            if (n > 0)
                check(H5Dwrite(d, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, data),
                      std::string("cannot write /city/places/") + name);
        };
        plain("cell", H5T_STD_U32LE, H5T_NATIVE_UINT32, cell.data(), cell.size());
        plain("x", H5T_STD_I32LE, H5T_NATIVE_INT32, x.data(), x.size());
        plain("y", H5T_STD_I32LE, H5T_NATIVE_INT32, y.data(), y.size());
        plain("capacity", H5T_STD_I32LE, H5T_NATIVE_INT32, capacity.data(), capacity.size());
        std::vector<uint16_t> spec_index;
        for (const Place& p : w.places)
            spec_index.push_back(p.spec);
        plain("spec", H5T_STD_U16LE, H5T_NATIVE_UINT16, spec_index.data(), spec_index.size());
    }

    void add_series(hid_t group_loc, const std::string& series_path, const std::string& local, hsize_t width,
                    const std::string& dims, const std::string& units, const std::string& description) {
        Series s;
        s.path = series_path;
        s.data = h5::Appender(group_loc, local, H5T_IEEE_F64LE, width, width == 0 ? 1024 : 256);
        h5::write_attr_string(s.data.id(), "description", description);
        h5::write_attr_string(s.data.id(), "units", units);
        h5::write_attr_string(s.data.id(), "dims", dims);
        series.push_back(std::move(s));
    }
};

RunWriter::RunWriter(const std::string& path, bool overwrite, const RunInfo& info, const World& world,
                     const std::vector<std::string>& counters, uint64_t chunk_rows)
    : impl_(std::make_unique<Impl>()) {
    h5::init();
    Impl& m = *impl_;
    const ScopeTimer timer(m.times.open);
    m.path = path;
    m.groups = size_t(world.group_total());
    m.hoods = size_t(world.hoods.count());
    m.counter_names = counters;
    m.step_days = info.step_days;
    const Id fapl = h5::plist_id(check(H5Pcreate(H5P_FILE_ACCESS), "file access properties"));
    check(H5Pset_libver_bounds(fapl, H5F_LIBVER_LATEST, H5F_LIBVER_LATEST), "file format");
    m.file = h5::file_id(
        check(H5Fcreate(path.c_str(), overwrite ? H5F_ACC_TRUNC : H5F_ACC_EXCL, H5P_DEFAULT, fapl),
              "cannot create " + path));

    const Id meta = h5::create_group(m.file, "/metadata");
    h5::write_attr<int32_t>(meta, "schema_version", schema::kVersion);
    h5::write_attr_string(meta, "icsim_version", info.icsim_version);
    h5::write_attr_string(meta, "git_commit", ICSIM_GIT_COMMIT);
    h5::write_attr_string(meta, "scenario_name", info.scenario_name);
    h5::write_attr_string(meta, "scenario_toml", info.scenario_toml);
    h5::write_attr_string(meta, "scenario_file", info.scenario_file);
    h5::write_attr<uint64_t>(meta, "seed", info.seed);
    h5::write_attr<uint32_t>(meta, "steps", info.steps);
    h5::write_attr<double>(meta, "step_days", info.step_days);
    h5::write_attr<int32_t>(meta, "threads", info.threads);
    h5::write_attr<uint32_t>(meta, "snapshot_every", info.snapshot_every);
    h5::write_attr<uint32_t>(meta, "checkpoint_every", info.checkpoint_every);
    h5::write_attr_string(meta, "created_utc", utc_now());
    h5::write_attr_string(meta, "command_line", info.command_line);
    h5::write_attr_string(meta, "forked_from", info.forked_from);
    h5::write_attr_string(meta, "resumed_from", info.resumed_from);
    h5::write_attr<int32_t>(meta, "complete", 0);

    {
        const Id g = h5::create_group(m.file, "/groups");
        std::vector<std::string> names;
        for (const auto& gs : world.groups)
            names.push_back(gs.name);
        h5::write_strings(g, "names", names);
    }
    {
        const Id g = h5::create_group(m.file, "/levers");
        std::vector<std::string> names;
        for (const auto& l : lever_table())
            names.emplace_back(l.name);
        h5::write_strings(g, "names", names);
    }
    m.write_city(world);

    // Series groups keep creation order, so readers list series in file order.
    const Id gcpl = h5::plist_id(check(H5Pcreate(H5P_GROUP_CREATE), "group properties"));
    check(H5Pset_link_creation_order(gcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED),
          "group properties");
    const Id ts = h5::group_id(check(H5Gcreate2(m.file, "/timeseries", H5P_DEFAULT, gcpl, H5P_DEFAULT),
                                     "cannot create /timeseries"));
    const Id nh = h5::group_id(check(H5Gcreate2(m.file, "/neighbourhoods", H5P_DEFAULT, gcpl, H5P_DEFAULT),
                                     "cannot create /neighbourhoods"));
    m.step_marker = h5::Appender(ts, "step", H5T_STD_I64LE, 0, 1024);
    h5::write_attr_string(m.step_marker.id(), "description",
                          "step of each row (0 = initial state); its length is the number of committed rows");
    h5::write_attr_string(m.step_marker.id(), "units", "step");
    h5::write_attr_string(m.step_marker.id(), "dims", "step");
    {
        std::vector<std::string> names = world.hoods.names;
        h5::write_strings(nh, "names", names);
    }
    for (const auto& s : schema::series_table()) {
        const std::string spath = s.path;
        const bool in_hoods = spath.rfind("/neighbourhoods/", 0) == 0;
        const std::string local = spath.substr(spath.rfind('/') + 1);
        const hsize_t width = s.dims == schema::Dims::Step        ? 0
                              : s.dims == schema::Dims::StepGroup ? hsize_t(m.groups)
                              : s.dims == schema::Dims::StepLever ? hsize_t(kLeverCount)
                                                                  : hsize_t(m.hoods);
        m.add_series(in_hoods ? nh.get() : ts.get(), spath, local, width, schema::dims_text(s.dims), s.units,
                     s.description);
    }
    for (const auto& c : counters) {
        std::string local = c;
        std::replace(local.begin(), local.end(), '/', '_');
        std::replace(local.begin(), local.end(), '.', '_');
        while (local.empty() || local == "step" || local == "names" ||
               std::any_of(m.series.begin(), m.series.end(),
                           [&](const Impl::Series& s) { return s.path == "/timeseries/" + local; }))
            local = "counter_" + local;
        m.add_series(ts, "/timeseries/" + local, local, 0, "step", "per step",
                     schema::counter_description(c));
    }
    m.event_mem_type = event_type(false);
    {
        const Id ft = event_type(true);
        m.events = h5::Appender(m.file, "/events", ft, 0, 64);
        h5::write_attr_string(
            m.events.id(), "description",
            "discrete events: policy_start, policy_full (end of its ramp), policy_end; value = "
            "the policy's strength at the step");
    }
    m.snapshots =
        ColumnStore(m.file, "/snapshots", schema::snapshot_columns(), chunk_rows, true,
                    "resident state every output.snapshot_every steps; entry k's residents are rows "
                    "offset/<column>[k] .. + count[k] of each column");
    m.checkpoints = ColumnStore(m.file, "/checkpoints", schema::checkpoint_columns(), chunk_rows, false,
                                "the full engine state every output.checkpoint_every steps (and at an "
                                "interruption): with /metadata scenario_toml it restarts the run exactly");
    m.checkpoints.set_donor(&m.snapshots);
    check(H5Fstart_swmr_write(m.file), "cannot start SWMR writing to " + path);
}

RunWriter::~RunWriter() {
    if (impl_ && !impl_->closed) {
        // An error path: release everything, ignoring further errors.
        try {
            impl_->closed = true;
            impl_->series.clear();
            impl_->step_marker = h5::Appender();
            impl_->events = h5::Appender();
            impl_->snapshots = ColumnStore();
            impl_->checkpoints = ColumnStore();
            impl_->file.reset();
        } catch (...) {
        }
        H5Eclear2(H5E_DEFAULT);
    }
}

const std::string& RunWriter::path() const {
    return impl_->path;
}

const WriterTimes& RunWriter::times() const {
    return impl_->times;
}

void RunWriter::step(uint32_t s, const World& w, const Counters& counters, const PolicySchedule& policy) {
    Impl& m = *impl_;
    std::optional<ScopeTimer> timer(std::in_place, m.times.metrics);
    size_t k = 0;
    // The rows of schema::series_table() (output/report.cpp), then the counters.
    for (const std::vector<double>& r : series_rows(w, policy, s, m.step_days)) {
        auto& p = m.series_at(k++);
        p.insert(p.end(), r.begin(), r.end());
    }
    auto scalar = [&](double v) { m.series_at(k++).push_back(v); };
    for (size_t c = 0; c < m.counter_names.size(); ++c) {
        double v = 0; // no step computed yet at step 0
        if (s > 0) {
            if (c >= counters.size() || counters[c].first != m.counter_names[c])
                throw std::logic_error("RunWriter::step: the mechanisms' counters changed");
            v = counters[c].second;
        }
        scalar(v);
    }
    if (k != m.series.size())
        throw std::logic_error("RunWriter::step: series table and rows disagree");
    std::vector<EventRow> ev;
    for (const PolicySpec& p : policy.policies()) {
        const double strength = PolicySchedule::strength(p, s);
        if (s == p.start)
            ev.push_back(event(s, schema::kPolicyStart, p.name, strength));
        if (p.ramp > 1 && uint64_t(s) == uint64_t(p.start) + p.ramp - 1 && s < p.end)
            ev.push_back(event(s, schema::kPolicyFull, p.name, strength));
        if (p.end != std::numeric_limits<uint32_t>::max() && s == p.end)
            ev.push_back(event(s, schema::kPolicyEnd, p.name, strength));
    }
    m.pending_events.insert(m.pending_events.end(), ev.begin(), ev.end());
    m.pending_steps.push_back(int64_t(s));
    timer.emplace(m.times.commit);
    if (std::chrono::steady_clock::now() - m.last_commit >= std::chrono::duration<double>(kCommitSeconds))
        m.commit();
}

void RunWriter::snapshot(uint32_t step, const Population& pop) {
    Impl& m = *impl_;
    {
        const ScopeTimer timer(m.times.commit);
        m.commit();
    }
    const ScopeTimer timer(m.times.snapshots);
    if (m.ids.size() != pop.size()) {
        m.ids.resize(pop.size());
        for (size_t r = 0; r < pop.size(); ++r)
            m.ids[r] = uint32_t(r);
    }
    m.snapshots.append(step, pop, &m.ids);
}

void RunWriter::checkpoint(uint32_t step, const Population& pop) {
    {
        const ScopeTimer timer(impl_->times.commit);
        impl_->commit();
    }
    const ScopeTimer timer(impl_->times.checkpoints);
    impl_->checkpoints.append(step, pop, nullptr);
}

void RunWriter::copy_history(const RunFile& source, uint32_t last) {
    Impl& m = *impl_;
    if (source.rows() <= last)
        throw OutputFormatError(source.path() + ": holds steps 0-" + std::to_string(source.last_step()) +
                                ", not step " + std::to_string(last));
    const hsize_t rows = hsize_t(last) + 1;
    for (auto& s : m.series) {
        const hsize_t width = s.data.width();
        std::vector<double> values;
        bool found = false;
        if (h5::exists(source.file(), s.path)) {
            const Id d = h5::open_dataset(source.file(), s.path);
            const auto dims = h5::shape(d);
            found = (width == 0 && dims.size() == 1) || (width > 0 && dims.size() == 2 && dims[1] == width);
        }
        if (found)
            values = source.read_series(s.path, 0, rows);
        else
            values.assign(size_t(rows * std::max<hsize_t>(width, 1)),
                          std::numeric_limits<double>::quiet_NaN());
        s.pending = std::move(values);
    }
    for (const auto& e : source.events())
        if (e.step <= int64_t(last))
            m.pending_events.push_back(event(e.step, e.kind.c_str(), e.name, e.value));
    for (hsize_t k = 0; k < rows; ++k)
        m.pending_steps.push_back(int64_t(k));
    m.commit();
    const auto snaps = source.snapshot_steps();
    for (size_t k = 0; k < snaps.size(); ++k)
        if (snaps[k] <= int64_t(last)) {
            const ResidentColumns c = source.read_snapshot(k);
            m.snapshots.append(snaps[k], c.pop, &c.id);
        }
    // Only the periodic checkpoints: one written at an interruption served
    // its purpose (restarting), and an uninterrupted run has none there.
    const uint32_t every = source.checkpoint_every();
    const auto cps = source.checkpoint_steps();
    for (size_t k = 0; k < cps.size(); ++k)
        if (cps[k] <= int64_t(last) && every > 0 && cps[k] % every == 0)
            m.checkpoints.append(cps[k], source.read_checkpoint(k).pop, nullptr);
}

void RunWriter::close(bool complete) {
    Impl& m = *impl_;
    const ScopeTimer timer(m.times.close);
    m.commit();
    m.closed = true;
    for (auto& s : m.series)
        s.data = h5::Appender();
    m.series.clear();
    m.step_marker = h5::Appender();
    m.events = h5::Appender();
    m.snapshots.close();
    m.checkpoints.close();
    m.file.close("cannot close " + m.path);
    if (!complete)
        return;
    // SWMR forbids changing attributes while writing: mark completion after.
    const Id fapl = h5::plist_id(check(H5Pcreate(H5P_FILE_ACCESS), "file access properties"));
    check(H5Pset_libver_bounds(fapl, H5F_LIBVER_LATEST, H5F_LIBVER_LATEST), "file format");
    Id f = h5::file_id(check(H5Fopen(m.path.c_str(), H5F_ACC_RDWR, fapl), "cannot reopen " + m.path));
    {
        const Id meta = h5::open_group(f, "/metadata");
        h5::update_attr<int32_t>(meta, "complete", 1);
    }
    f.close("cannot close " + m.path);
}

} // namespace icsim
