// Reading icsim output files (docs/hdf5-schema.md): for inspect, export,
// resume and fork. A file is opened read-only; a run being written, or left
// by a killed writer, in SWMR-read mode with bounded metadata retries, so a
// damaged file is refused at once. Every HDF5 failure becomes an
// OutputFormatError of one line.
// Only committed data is seen: series rows up to the length of
// /timeseries/step, snapshots and checkpoints listed in their `steps`.
#pragma once

#include <cstdint>
#include <new>
#include <stdexcept>
#include <string>
#include <vector>

#include "output/h5.hpp"
#include "output/schema.hpp"
#include "sim/world.hpp"

namespace icsim {

// A file that is not an icsim output file, or is damaged: bad input
// (the message names the file and what is wrong, in one line).
class OutputFormatError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Runs f, turning an HDF5 failure, or a size read from a damaged file that
// no memory could hold, into "PATH: damaged or not an icsim output file
// (...)". For readers of output files besides RunFile (the viewer).
template <class F>
auto guard_read(const std::string& path, F&& f) -> decltype(f()) {
    const auto damaged = [&](const std::string& what) {
        return OutputFormatError(path + ": damaged or not an icsim output file (" + what + ")");
    };
    try {
        return f();
    } catch (const h5::Error& e) {
        throw damaged(e.what());
    } catch (const std::length_error&) {
        throw damaged("a size beyond memory");
    } catch (const std::bad_alloc&) {
        throw damaged("a size beyond memory");
    }
}

struct EventRecord {
    int64_t step = 0;
    std::string kind;
    std::string name;
    double value = 0;
};

struct SeriesDesc {
    std::string path; // "/timeseries/isolation"
    std::string description;
    std::string units;
    std::string dims;                 // "step", "step,group", ...
    std::vector<std::string> columns; // column names for 2-D series; empty for 1-D
};

// Resident columns of one snapshot or checkpoint, as stored.
struct ResidentColumns {
    std::vector<uint32_t> id;
    Population pop;
};

class RunFile {
public:
    // Throws OutputFormatError (foreign, damaged or missing file).
    explicit RunFile(const std::string& path);

    const std::string& path() const { return path_; }
    hid_t file() const { return file_.get(); }

    // /metadata
    int32_t schema_version() const { return schema_version_; }
    std::string attr(const std::string& name) const; // a string attribute of /metadata
    uint64_t seed() const;
    uint32_t planned_steps() const; // the run's last step
    uint32_t checkpoint_every() const;
    bool complete() const; // finished and renamed (attribute complete = 1)

    // Committed steps: rows of every series (0 = only the initial state
    // missing too: an empty run).
    uint64_t rows() const { return rows_; }
    int64_t last_step() const { return int64_t(rows_) - 1; }

    std::vector<std::string> group_names() const;
    std::vector<std::string> neighbourhood_names() const;
    std::vector<std::string> lever_names() const;
    struct City {
        int width = 0, height = 0, capacity = 0;
        bool torus = false;
        std::vector<uint16_t> neighbourhood; // per cell
    };
    City city() const;

    // Every per-step float64 series, in file order.
    std::vector<SeriesDesc> series() const;
    // Rows [first, first + count) (row-major for 2-D series); throws
    // OutputFormatError when the file holds fewer.
    std::vector<double> read_series(const std::string& path, uint64_t first, uint64_t count) const;
    std::vector<int64_t> steps() const; // /timeseries/step, committed rows

    std::vector<int64_t> snapshot_steps() const;
    std::vector<int64_t> checkpoint_steps() const;
    ResidentColumns read_snapshot(size_t k) const;
    ResidentColumns read_checkpoint(size_t k) const;
    uint64_t column_chunk_rows() const;

    std::vector<EventRecord> events() const;

private:
    std::vector<int64_t> listed(const std::string& group) const;
    ResidentColumns read_columns(const std::string& group, size_t k, bool with_id) const;
    [[noreturn]] void damaged(const std::string& what) const;

    std::string path_;
    h5::Id file_;
    int32_t schema_version_ = 0;
    uint64_t rows_ = 0;
};

} // namespace icsim
