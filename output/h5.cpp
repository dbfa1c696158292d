#include "output/h5.hpp"

#include <algorithm>
#include <cstring>
#include <mutex>

namespace icsim::h5 {

void init() {
    static std::once_flag once;
    std::call_once(once, [] {
        // No library shutdown at exit: every file is closed explicitly, and
        // after a failed write (a full disk) HDF5's exit-time close of the
        // file that could not be closed crashes (HDF5 1.10.8).
        H5dont_atexit();
        H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    });
}

namespace {

herr_t collect(unsigned n, const H5E_error2_t* e, void* data) {
    auto* out = static_cast<std::vector<std::string>*>(data);
    (void)n;
    if (e != nullptr && e->desc != nullptr)
        out->emplace_back(e->desc);
    return 0;
}

} // namespace

std::string last_reason() {
    std::vector<std::string> descs;
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, collect, &descs);
    // Upward: the innermost (most specific) entry first. I/O failures carry
    // the system's message as "error message = '...'".
    for (const auto& d : descs) {
        const auto at = d.find("error message = '");
        if (at != std::string::npos) {
            const auto start = at + 17, end = d.find('\'', start);
            return d.substr(start, end == std::string::npos ? std::string::npos : end - start);
        }
    }
    return descs.empty() ? std::string() : descs.front();
}

hid_t check(hid_t status, const std::string& what) {
    if (status < 0) {
        std::string reason = last_reason();
        H5Eclear2(H5E_DEFAULT);
        throw Error(reason.empty() ? what : what + ": " + reason);
    }
    return status;
}

Id file_id(hid_t id) {
    return Id(id, H5Fclose);
}
Id group_id(hid_t id) {
    return Id(id, H5Gclose);
}
Id dataset_id(hid_t id) {
    return Id(id, H5Dclose);
}
Id space_id(hid_t id) {
    return Id(id, H5Sclose);
}
Id type_id(hid_t id) {
    return Id(id, H5Tclose);
}
Id plist_id(hid_t id) {
    return Id(id, H5Pclose);
}
Id attr_id(hid_t id) {
    return Id(id, H5Aclose);
}

template <>
hid_t native<double>() {
    return H5T_NATIVE_DOUBLE;
}
template <>
hid_t native<float>() {
    return H5T_NATIVE_FLOAT;
}
template <>
hid_t native<int64_t>() {
    return H5T_NATIVE_INT64;
}
template <>
hid_t native<uint64_t>() {
    return H5T_NATIVE_UINT64;
}
template <>
hid_t native<int32_t>() {
    return H5T_NATIVE_INT32;
}
template <>
hid_t native<uint32_t>() {
    return H5T_NATIVE_UINT32;
}
template <>
hid_t native<uint16_t>() {
    return H5T_NATIVE_UINT16;
}
template <>
hid_t native<uint8_t>() {
    return H5T_NATIVE_UINT8;
}
template <>
hid_t native<int8_t>() {
    return H5T_NATIVE_INT8;
}

bool exists(hid_t loc, const std::string& path) {
    size_t pos = 0;
    while (true) {
        pos = path.find('/', pos + 1);
        const std::string prefix = path.substr(0, pos);
        if (!prefix.empty() && prefix != "/" && H5Lexists(loc, prefix.c_str(), H5P_DEFAULT) <= 0) {
            H5Eclear2(H5E_DEFAULT);
            return false;
        }
        if (pos == std::string::npos)
            return true;
    }
}

Id create_group(hid_t loc, const std::string& name) {
    return group_id(check(H5Gcreate2(loc, name.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                          "cannot create group " + name));
}

Id open_group(hid_t loc, const std::string& name) {
    return group_id(check(H5Gopen2(loc, name.c_str(), H5P_DEFAULT), "cannot open group " + name));
}

Id open_dataset(hid_t loc, const std::string& name) {
    return dataset_id(check(H5Dopen2(loc, name.c_str(), H5P_DEFAULT), "cannot open dataset " + name));
}

namespace {

// The memory type for reading variable-length strings (files written
// before fixed-length strings; see write_attr_string).
Id utf8_string_type() {
    Id t = type_id(check(H5Tcopy(H5T_C_S1), "string type"));
    check(H5Tset_size(t, H5T_VARIABLE), "string type");
    check(H5Tset_cset(t, H5T_CSET_UTF8), "string type");
    return t;
}

// A fixed-length UTF-8 string type of `size` bytes (at least 1), padded
// with NULs. Fixed-length strings live in the object's own header (or its
// dense attribute storage), which HDF5 checksums; variable-length ones live
// in the global heap, which has none, and a damaged global heap crashes
// HDF5 itself (H5HG_read) instead of failing a read.
Id fixed_string_type(size_t size) {
    Id t = type_id(check(H5Tcopy(H5T_C_S1), "string type"));
    check(H5Tset_size(t, std::max<size_t>(size, 1)), "string type");
    check(H5Tset_strpad(t, H5T_STR_NULLPAD), "string type");
    check(H5Tset_cset(t, H5T_CSET_UTF8), "string type");
    return t;
}

} // namespace

void write_attr_string(hid_t obj, const std::string& name, const std::string& value) {
    const Id t = fixed_string_type(value.size());
    const Id s = space_id(check(H5Screate(H5S_SCALAR), "attribute space"));
    const Id a = attr_id(check(H5Acreate2(obj, name.c_str(), t, s, H5P_DEFAULT, H5P_DEFAULT),
                               "cannot create attribute " + name));
    std::string padded = value;
    padded.resize(std::max<size_t>(value.size(), 1), '\0');
    check(H5Awrite(a, t, padded.data()), "cannot write attribute " + name);
}

template <class T>
void write_attr(hid_t obj, const std::string& name, T value) {
    const Id s = space_id(check(H5Screate(H5S_SCALAR), "attribute space"));
    const Id a = attr_id(check(H5Acreate2(obj, name.c_str(), native<T>(), s, H5P_DEFAULT, H5P_DEFAULT),
                               "cannot create attribute " + name));
    check(H5Awrite(a, native<T>(), &value), "cannot write attribute " + name);
}

template <class T>
void update_attr(hid_t obj, const std::string& name, T value) {
    const Id a = attr_id(check(H5Aopen(obj, name.c_str(), H5P_DEFAULT), "cannot open attribute " + name));
    check(H5Awrite(a, native<T>(), &value), "cannot write attribute " + name);
}

bool has_attr(hid_t obj, const std::string& name) {
    const htri_t r = H5Aexists(obj, name.c_str());
    if (r < 0)
        H5Eclear2(H5E_DEFAULT);
    return r > 0;
}

std::string read_attr_string(hid_t obj, const std::string& name) {
    const Id a = attr_id(check(H5Aopen(obj, name.c_str(), H5P_DEFAULT), "missing attribute " + name));
    const Id ft = type_id(check(H5Aget_type(a), "attribute " + name));
    if (H5Tget_class(ft) != H5T_STRING)
        throw Error("attribute " + name + " is not a string");
    const Id sp = space_id(check(H5Aget_space(a), "attribute " + name));
    if (H5Sget_simple_extent_npoints(sp) != 1)
        throw Error("attribute " + name + " is not a scalar");
    if (H5Tis_variable_str(ft) > 0) {
        const Id t = utf8_string_type();
        char* p = nullptr;
        check(H5Aread(a, t, &p), "cannot read attribute " + name);
        std::string out = p == nullptr ? std::string() : std::string(p);
        H5free_memory(p);
        return out;
    }
    const size_t n = H5Tget_size(ft);
    std::string out(n, '\0');
    const Id t = type_id(check(H5Tcopy(ft), "attribute " + name));
    check(H5Aread(a, t, out.data()), "cannot read attribute " + name);
    out.resize(std::strlen(out.c_str()));
    return out;
}

template <class T>
T read_attr(hid_t obj, const std::string& name) {
    const Id a = attr_id(check(H5Aopen(obj, name.c_str(), H5P_DEFAULT), "missing attribute " + name));
    const Id ft = type_id(check(H5Aget_type(a), "attribute " + name));
    const H5T_class_t cls = H5Tget_class(ft);
    if (cls != H5T_INTEGER && cls != H5T_FLOAT)
        throw Error("attribute " + name + " is not a number");
    const Id sp = space_id(check(H5Aget_space(a), "attribute " + name));
    if (H5Sget_simple_extent_npoints(sp) != 1)
        throw Error("attribute " + name + " is not a scalar");
    T v{};
    check(H5Aread(a, native<T>(), &v), "cannot read attribute " + name);
    return v;
}

#define ICSIM_H5_ATTR(T)                                                                                     \
    template void write_attr<T>(hid_t, const std::string&, T);                                               \
    template void update_attr<T>(hid_t, const std::string&, T);                                              \
    template T read_attr<T>(hid_t, const std::string&);
ICSIM_H5_ATTR(double)
ICSIM_H5_ATTR(int64_t)
ICSIM_H5_ATTR(uint64_t)
ICSIM_H5_ATTR(int32_t)
ICSIM_H5_ATTR(uint32_t)
ICSIM_H5_ATTR(int8_t)
#undef ICSIM_H5_ATTR

void write_strings(hid_t loc, const std::string& name, const std::vector<std::string>& values) {
    size_t width = 1; // fixed-length, as wide as the longest value (see fixed_string_type)
    for (const auto& v : values)
        width = std::max(width, v.size());
    const Id t = fixed_string_type(width);
    const hsize_t n = values.size();
    const Id s = space_id(check(H5Screate_simple(1, &n, nullptr), "dataspace"));
    const Id d = dataset_id(check(H5Dcreate2(loc, name.c_str(), t, s, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                                  "cannot create dataset " + name));
    std::vector<char> buf(width * values.size(), '\0');
    for (size_t k = 0; k < values.size(); ++k)
        std::memcpy(buf.data() + k * width, values[k].data(), values[k].size());
    if (n > 0)
        check(H5Dwrite(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf.data()), "cannot write dataset " + name);
}

std::vector<std::string> read_strings(hid_t loc, const std::string& name) {
    const Id d = open_dataset(loc, name);
    const Id ft = type_id(check(H5Dget_type(d), "dataset " + name));
    if (H5Tget_class(ft) != H5T_STRING)
        throw Error("dataset " + name + " does not hold strings");
    const auto dims = shape(d);
    if (dims.size() != 1)
        throw Error("dataset " + name + " is not 1-D");
    std::vector<std::string> out;
    if (dims[0] == 0)
        return out;
    if (H5Tis_variable_str(ft) > 0) {
        const Id t = utf8_string_type();
        std::vector<char*> ptrs(dims[0], nullptr);
        check(H5Dread(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, ptrs.data()), "cannot read dataset " + name);
        for (char* p : ptrs) {
            out.emplace_back(p == nullptr ? "" : p);
            H5free_memory(p);
        }
        return out;
    }
    const size_t w = H5Tget_size(ft);
    std::vector<char> buf(w * dims[0] + 1, '\0');
    const Id t = type_id(check(H5Tcopy(ft), "dataset " + name));
    check(H5Dread(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf.data()), "cannot read dataset " + name);
    for (hsize_t k = 0; k < dims[0]; ++k)
        out.emplace_back(std::string(&buf[k * w], strnlen(&buf[k * w], w)));
    return out;
}

std::vector<hsize_t> shape(hid_t dset) {
    const Id s = space_id(check(H5Dget_space(dset), "dataspace"));
    const int rank = H5Sget_simple_extent_ndims(s);
    if (rank < 0)
        check(rank, "dataspace");
    std::vector<hsize_t> dims(static_cast<size_t>(rank), 0);
    if (rank > 0)
        check(H5Sget_simple_extent_dims(s, dims.data(), nullptr), "dataspace");
    return dims;
}

template <class T>
std::vector<T> read_rows(hid_t dset, hsize_t first, hsize_t count) {
    const auto dims = shape(dset);
    if (dims.empty() || dims.size() > 2)
        throw Error("expected a 1-D or 2-D dataset");
    if (first + count > dims[0])
        throw Error("rows " + std::to_string(first) + "-" + std::to_string(first + count) + " beyond the " +
                    std::to_string(dims[0]) + " rows stored");
    const hsize_t width = dims.size() == 2 ? dims[1] : 1;
    std::vector<T> out(size_t(count * width));
    if (count == 0 || width == 0)
        return out;
    const Id fs = space_id(check(H5Dget_space(dset), "dataspace"));
    hsize_t start[2] = {first, 0}, cnt[2] = {count, width};
    check(H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, nullptr, cnt, nullptr), "selection");
    const Id ms = space_id(check(H5Screate_simple(int(dims.size()), cnt, nullptr), "dataspace"));
    check(H5Dread(dset, native<T>(), ms, fs, H5P_DEFAULT, out.data()), "cannot read rows");
    return out;
}

template std::vector<double> read_rows<double>(hid_t, hsize_t, hsize_t);
template std::vector<float> read_rows<float>(hid_t, hsize_t, hsize_t);
template std::vector<int64_t> read_rows<int64_t>(hid_t, hsize_t, hsize_t);
template std::vector<uint32_t> read_rows<uint32_t>(hid_t, hsize_t, hsize_t);
template std::vector<uint16_t> read_rows<uint16_t>(hid_t, hsize_t, hsize_t);
template std::vector<uint8_t> read_rows<uint8_t>(hid_t, hsize_t, hsize_t);
template std::vector<int8_t> read_rows<int8_t>(hid_t, hsize_t, hsize_t);

Appender::Appender(hid_t loc, const std::string& name, hid_t type, hsize_t width, hsize_t chunk_rows)
    : name_(name), width_(width) {
    const int rank = width == 0 ? 1 : 2;
    hsize_t dims[2] = {0, width}, maxdims[2] = {H5S_UNLIMITED, width}, chunk[2] = {chunk_rows, width};
    if (width == 0)
        chunk[1] = 1;
    const Id space = space_id(check(H5Screate_simple(rank, dims, maxdims), "dataspace of " + name));
    const Id dcpl = plist_id(check(H5Pcreate(H5P_DATASET_CREATE), "dataset properties"));
    check(H5Pset_chunk(dcpl, rank, chunk), "chunking of " + name);
    dset_ = dataset_id(check(H5Dcreate2(loc, name.c_str(), type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT),
                             "cannot create dataset " + name));
    char path[512];
    if (H5Iget_name(dset_, path, sizeof path) > 0)
        name_ = path; // the full path, for messages
}

void Appender::append(const void* rows, hsize_t count, hid_t mem_type) {
    if (count == 0)
        return;
    const int rank = width_ == 0 ? 1 : 2;
    hsize_t size[2] = {rows_ + count, width_};
    check(H5Dset_extent(dset_, size), "cannot extend " + name_);
    const Id fs = space_id(check(H5Dget_space(dset_), "dataspace of " + name_));
    hsize_t start[2] = {rows_, 0}, cnt[2] = {count, width_};
    check(H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, nullptr, cnt, nullptr), "selection in " + name_);
    const Id ms = space_id(check(H5Screate_simple(rank, cnt, nullptr), "dataspace"));
    check(H5Dwrite(dset_, mem_type, ms, fs, H5P_DEFAULT, rows), "cannot write " + name_);
    rows_ += count;
}

void Appender::flush() {
    check(H5Dflush(dset_), "cannot flush " + name_);
}

} // namespace icsim::h5
