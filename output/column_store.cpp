#include "output/column_store.hpp"

#include <algorithm>
#include <stdexcept>

#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/parallel_invoke.h>

namespace icsim {

namespace {

using h5::check;
using h5::Id;

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

} // namespace

ColumnStore::ColumnStore(hid_t file, const std::string& name, const std::vector<schema::ColumnInfo>& cols,
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
        check(H5Pset_deflate(dcpl, 1), "deflate filter");
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
void ColumnStore::append(int64_t step, size_t n, const std::vector<const void*>& data) {
    struct Job {
        size_t column, chunk;
    };
    std::vector<Job> jobs;
    std::vector<hsize_t> offset(cols_.size());
    std::vector<uint8_t> store(cols_.size(), 1);
    std::vector<ColumnHash> hash(cols_.size());
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
        CodedChunk* const out = &filtered_[(k % 2) * batch];
        oneapi::tbb::parallel_for(size_t(0), count, [&](size_t i) {
            const Job& job = jobs[first + i];
            const size_t elem = cols_[job.column].elem, row = job.chunk * chunk_;
            coder_.code(static_cast<const uint8_t*>(data[job.column]) + row * elem,
                        std::min<size_t>(chunk_, n - row), chunk_, elem, out[i]);
        });
    };
    auto write_batch = [&](size_t k) {
        const size_t first = k * batch, count = std::min(batch, jobs.size() - first);
        const CodedChunk* const in = &filtered_[(k % 2) * batch];
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

// The store's columns from `pop` (and "id" from `ids`), by name.
void ColumnStore::append(int64_t step, const Population& pop, const std::vector<uint32_t>* ids) {
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

void ColumnStore::close() {
    for (auto& c : cols_) {
        c.data.close("cannot close " + name_ + "/" + c.name);
        c.offset = h5::Appender();
    }
    steps_ = h5::Appender();
    count_ = h5::Appender();
    group_.close("cannot close " + name_);
}

// The column `name` if its last stored version holds n rows hashing to
// `hash` in chunks of `chunk` rows; else null.
const ColumnStore::Column* ColumnStore::same_column(const std::string& name, size_t n, const ColumnHash& hash,
                                                    hsize_t chunk) const {
    if (chunk != chunk_)
        return nullptr;
    for (const Column& c : cols_)
        if (c.name == name)
            return c.has_last && c.last_n == n && c.last_hash == hash && n > 0 ? &c : nullptr;
    return nullptr;
}

} // namespace icsim
