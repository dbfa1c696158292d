// A thin layer over the HDF5 C API: owned handles, errors as exceptions with
// a readable message (HDF5's own error printing is switched off), and the
// few dataset and attribute helpers the writer and reader share.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <hdf5.h>

namespace icsim::h5 {

// A failed HDF5 call. what() is "<what>: <reason>", the reason taken from
// the innermost entry of HDF5's error stack (for I/O errors the system's
// message, e.g. "No space left on device").
class Error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Switches HDF5's automatic error printing off (once per process).
void init();

// Throws Error(what + ": " + reason) when `status` is negative.
hid_t check(hid_t status, const std::string& what);
// The innermost message on HDF5's error stack ("" if empty).
std::string last_reason();

// An owned HDF5 identifier, closed with the right H5*close.
class Id {
public:
    Id() = default;
    Id(hid_t id, herr_t (*closer)(hid_t)) : id_(id), close_(closer) {}
    Id(const Id&) = delete;
    Id& operator=(const Id&) = delete;
    Id(Id&& o) noexcept : id_(std::exchange(o.id_, H5I_INVALID_HID)), close_(o.close_) {}
    Id& operator=(Id&& o) noexcept {
        if (this != &o) {
            reset();
            id_ = std::exchange(o.id_, H5I_INVALID_HID);
            close_ = o.close_;
        }
        return *this;
    }
    ~Id() { reset(); }
    // Closes now; errors are ignored (use close() to see them).
    void reset() {
        if (id_ >= 0 && close_ != nullptr)
            close_(id_);
        id_ = H5I_INVALID_HID;
    }
    // Closes now and throws on failure.
    void close(const std::string& what) {
        const hid_t id = std::exchange(id_, H5I_INVALID_HID);
        if (id >= 0 && close_ != nullptr)
            check(close_(id), what);
    }
    hid_t get() const { return id_; }
    operator hid_t() const { return id_; }
    explicit operator bool() const { return id_ >= 0; }

private:
    hid_t id_ = H5I_INVALID_HID;
    herr_t (*close_)(hid_t) = nullptr;
};

Id file_id(hid_t id);
Id group_id(hid_t id);
Id dataset_id(hid_t id);
Id space_id(hid_t id);
Id type_id(hid_t id);
Id plist_id(hid_t id);
Id attr_id(hid_t id);

// HDF5 memory types of C++ types.
template <class T>
hid_t native();
template <>
hid_t native<double>();
template <>
hid_t native<float>();
template <>
hid_t native<int64_t>();
template <>
hid_t native<uint64_t>();
template <>
hid_t native<int32_t>();
template <>
hid_t native<uint32_t>();
template <>
hid_t native<uint16_t>();
template <>
hid_t native<uint8_t>();
template <>
hid_t native<int8_t>();

bool exists(hid_t loc, const std::string& path); // every link on the path exists
Id create_group(hid_t loc, const std::string& name);
Id open_group(hid_t loc, const std::string& name);
Id open_dataset(hid_t loc, const std::string& name);

// Attributes: scalars and UTF-8 strings (written fixed-length; the readers
// also read the variable-length strings of older files).
void write_attr_string(hid_t obj, const std::string& name, const std::string& value);
template <class T>
void write_attr(hid_t obj, const std::string& name, T value);
// Overwrites an attribute's value (it must exist with a compatible type).
template <class T>
void update_attr(hid_t obj, const std::string& name, T value);
std::string read_attr_string(hid_t obj, const std::string& name);
template <class T>
T read_attr(hid_t obj, const std::string& name);
bool has_attr(hid_t obj, const std::string& name);

// A 1-D dataset of UTF-8 strings (written fixed-length, as wide as the
// longest; read in either form).
void write_strings(hid_t loc, const std::string& name, const std::vector<std::string>& values);
std::vector<std::string> read_strings(hid_t loc, const std::string& name);

// Dimensions of a dataset.
std::vector<hsize_t> shape(hid_t dset);

// Reads rows [first, first + count) of a 1-D or 2-D dataset as T
// (converted by HDF5 from the stored type), row-major.
template <class T>
std::vector<T> read_rows(hid_t dset, hsize_t first, hsize_t count);

// An extendible dataset of rows (1-D: scalars, 2-D: fixed-width rows)
// that grows by appending. Not compressed: rows are small and appended
// one step at a time, so their chunks are rewritten in place.
class Appender {
public:
    Appender() = default;
    // Creates `name` under `loc` with 0 rows; width 0 = 1-D.
    Appender(hid_t loc, const std::string& name, hid_t type, hsize_t width, hsize_t chunk_rows);
    void append(const void* rows, hsize_t count, hid_t mem_type);
    template <class T>
    void append(const std::vector<T>& rows) {
        append(rows.data(), width_ == 0 ? rows.size() : rows.size() / width_, native<T>());
    }
    template <class T>
    void append_one(T v) {
        append(&v, 1, native<T>());
    }
    void flush();
    hid_t id() const { return dset_.get(); }
    hsize_t rows() const { return rows_; }
    hsize_t width() const { return width_; }
    const std::string& name() const { return name_; }

private:
    Id dset_;
    std::string name_;
    hsize_t width_ = 0, rows_ = 0;
};

} // namespace icsim::h5
