// icsim export: an output file's series and events as CSV files.
#include <cstdio>
#include <filesystem>
#include <system_error>

#include "app/common.hpp"
#include "output/csv.hpp"

namespace icsim::app {

int cmd_export(const ExportOptions& opts) {
    const auto file = open_run_file(opts.file);
    const RunFile& f = *file;
    const std::filesystem::path dir = opts.csv_dir;
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec)
        throw std::runtime_error("cannot create directory " + dir.string() + ": " + ec.message());
    size_t written = 0;
    try {
        written = write_csv_tables(f, dir);
    } catch (const OutputFormatError& e) {
        throw UsageError(e.what());
    }
    std::fprintf(stderr, "icsim export: wrote %zu CSV files to %s\n", written, dir.string().c_str());
    return 0;
}

} // namespace icsim::app
