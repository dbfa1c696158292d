// /snapshots and /checkpoints: resident columns appended together, each
// entry starting on a chunk boundary so that every chunk is written once,
// whole, by direct chunk writes (output/chunk_codec.hpp) coded in parallel.
// With `dedup`, a column equal to its last stored version is not stored
// again: the entry's offset points at that version. A store may also take
// the chunks of an equal column from a donor store (checkpoints from the
// snapshot written at their step) instead of coding them again.
// Layout: docs/hdf5-schema.md.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "output/chunk_codec.hpp"
#include "output/h5.hpp"
#include "output/schema.hpp"
#include "sim/world.hpp"

namespace icsim {

class ColumnStore {
public:
    ColumnStore() = default;
    // Creates group `name` under `file` with one chunked, shuffled and
    // deflated dataset per column, its offset list, and `steps`/`count`.
    ColumnStore(hid_t file, const std::string& name, const std::vector<schema::ColumnInfo>& cols,
                hsize_t chunk_rows, bool dedup, const std::string& description);

    // An entry of n residents at `step`: `data[j]` points at n values of column j.
    void append(int64_t step, size_t n, const std::vector<const void*>& data);
    // The store's columns from `pop` (and "id" from `ids`), by name.
    void append(int64_t step, const Population& pop, const std::vector<uint32_t>* ids);

    // A store whose last stored columns may be copied chunk for chunk when
    // equal (checkpoints take the snapshot columns written at their step).
    void set_donor(const ColumnStore* donor) { donor_ = donor; }

    void close();

private:
    struct Column {
        std::string name;
        size_t elem = 4;
        h5::Id data;
        h5::Appender offset;
        hsize_t end = 0; // next chunk-aligned free row
        bool has_last = false;
        hsize_t last_offset = 0;
        size_t last_n = 0;
        ColumnHash last_hash;
    };
    std::string name_;
    h5::Id group_;
    hsize_t chunk_ = 1;
    bool dedup_ = false;
    // The column `name` if its last stored version holds n rows hashing to
    // `hash` in chunks of `chunk` rows; else null.
    const Column* same_column(const std::string& name, size_t n, const ColumnHash& hash, hsize_t chunk) const;

    std::vector<Column> cols_;
    h5::Appender steps_, count_;
    std::vector<CodedChunk> filtered_;
    ChunkCoder coder_;
    const ColumnStore* donor_ = nullptr;
    std::vector<uint8_t> raw_;
};

} // namespace icsim
