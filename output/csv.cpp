#include "output/csv.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <stdexcept>

#include "output/reader.hpp"

namespace icsim {

// A CSV field: quoted when it holds a comma, quote or line break (RFC 4180).
std::string csv_field(const std::string& s) {
    if (s.find_first_of(",\"\r\n") == std::string::npos)
        return s;
    std::string out = "\"";
    for (char c : s)
        out += c == '"' ? std::string("\"\"") : std::string(1, c);
    return out + "\"";
}

std::string csv_number(double v) {
    if (std::isnan(v))
        return "";
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.17g", v);
    return buf;
}

CsvFile::CsvFile(const std::filesystem::path& path) : path_(path), f_(std::fopen(path.c_str(), "w")) {
    if (f_ == nullptr)
        throw std::runtime_error("cannot write " + path.string() + ": " + std::strerror(errno));
}

CsvFile::~CsvFile() {
    if (f_ != nullptr)
        std::fclose(f_);
}

void CsvFile::row(const std::vector<std::string>& fields) {
    for (size_t k = 0; k < fields.size(); ++k) {
        if (k)
            std::fputc(',', f_);
        std::fputs(fields[k].c_str(), f_);
    }
    std::fputc('\n', f_);
}

void CsvFile::close() {
    const bool bad = std::ferror(f_) != 0;
    const bool failed = std::fclose(f_) != 0;
    f_ = nullptr;
    if (bad || failed)
        throw std::runtime_error("cannot write " + path_.string() + ": " + std::strerror(errno));
}

size_t write_csv_tables(const RunFile& f, const std::filesystem::path& dir) {
    size_t written = 0;
    const uint64_t rows = f.rows();
    const auto steps = f.steps();
    const auto series = f.series();
    // One table of every per-step scalar series of /timeseries, then one
    // file per series (wide tables for per-group/-lever/-neighbourhood).
    {
        std::vector<std::vector<double>> cols;
        std::vector<std::string> header = {"step"};
        for (const auto& s : series)
            if (s.columns.empty() && s.path.rfind("/timeseries/", 0) == 0) {
                header.push_back(csv_field(s.path.substr(12)));
                cols.push_back(f.read_series(s.path, 0, rows));
            }
        CsvFile out(dir / "timeseries.csv");
        out.row(header);
        for (uint64_t r = 0; r < rows; ++r) {
            std::vector<std::string> line = {std::to_string(steps[r])};
            for (const auto& c : cols)
                line.push_back(csv_number(c[r]));
            out.row(line);
        }
        out.close();
        ++written;
    }
    for (const auto& s : series) {
        std::string name = s.path.substr(1);
        std::replace(name.begin(), name.end(), '/', '_');
        const auto values = f.read_series(s.path, 0, rows);
        const size_t width = std::max<size_t>(s.columns.size(), 1);
        std::vector<std::string> header = {"step"};
        if (s.columns.empty())
            header.push_back(csv_field(s.path.substr(s.path.rfind('/') + 1)));
        for (const auto& c : s.columns)
            header.push_back(csv_field(c));
        CsvFile out(dir / (name + ".csv"));
        out.row(header);
        for (uint64_t r = 0; r < rows; ++r) {
            std::vector<std::string> line = {std::to_string(steps[r])};
            for (size_t c = 0; c < width; ++c)
                line.push_back(csv_number(values[size_t(r) * width + c]));
            out.row(line);
        }
        out.close();
        ++written;
    }
    {
        CsvFile out(dir / "events.csv");
        out.row({"step", "kind", "name", "value"});
        for (const auto& e : f.events())
            out.row({std::to_string(e.step), csv_field(e.kind), csv_field(e.name), csv_number(e.value)});
        out.close();
        ++written;
    }
    return written;
}

} // namespace icsim
