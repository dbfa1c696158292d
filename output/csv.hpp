// CSV out of an output file (`icsim export --csv DIR`): RFC 4180 fields,
// numbers with 17 significant digits (read back bit for bit), NaN as an
// empty field.
#pragma once

#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

namespace icsim {

class RunFile;

// A field: quoted when it holds a comma, quote or line break.
std::string csv_field(const std::string& s);
// A number: "%.17g"; NaN (a series the run did not compute) is "".
std::string csv_number(double v);

// One CSV file, written row by row; close() reports a failed write (a full
// disk) as std::runtime_error naming the file.
class CsvFile {
public:
    explicit CsvFile(const std::filesystem::path& path);
    ~CsvFile();
    CsvFile(const CsvFile&) = delete;
    CsvFile& operator=(const CsvFile&) = delete;
    void row(const std::vector<std::string>& fields); // fields already formatted
    void close();

private:
    std::filesystem::path path_;
    std::FILE* f_;
};

// Writes into `dir` (which must exist) timeseries.csv (every per-step
// scalar series of /timeseries), one file per series (wide tables for the
// per-group, per-lever and per-neighbourhood ones) and events.csv; returns
// how many files it wrote. Throws OutputFormatError for a damaged file.
size_t write_csv_tables(const RunFile& f, const std::filesystem::path& dir);

} // namespace icsim
