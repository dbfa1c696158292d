// The subcommands of `icsim`, kept apart from argument parsing (CLI11 is
// slow to compile: main.cpp and cmd_sweep.cpp alone include it). Each command is one
// function in its own file (app/cmd_*.cpp) taking its options struct;
// main.cpp registers each with one add_* function.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace icsim::app {

// Bad input from the user: reported as one line, exit code 2.
struct UsageError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

struct RunOptions {
    std::string scenario; // "" = built-in default
    std::optional<uint32_t> steps;
    std::optional<uint64_t> seed;
    std::vector<std::string> sets;
    bool quiet = false;
    std::string output; // -o: "" = the scenario's output.file
    bool no_output = false;
    bool force = false;          // replace an existing output file
    std::string from;            // --from FILE[:STEP]: start from a checkpoint (a fork)
    std::optional<double> scale; // --scale F: the city with F times the dwellings (scenarios/scale.hpp)
    std::string command_line;
};

struct ResumeOptions {
    std::string file; // OUT.h5.partial
    bool force = false;
    bool quiet = false;
    std::string command_line;
};

struct InspectOptions {
    std::string file;
};

struct ExportOptions {
    std::string file;
    std::string csv_dir;
};

struct CheckOptions {
    std::string scenario;
    std::vector<std::string> sets;
    std::string explain;
    bool reference = false;
    std::string parameters;    // a mechanism: print its parameter table (docs/model/*.md)
    bool schema = false;       // print the output file's series and resident columns as JSON
    bool declarations = false; // print docs/model/README.md's table of the mechanisms' declarations
    bool assumptions = false;  // print docs/model/README.md's table of the assumptions to sweep
    bool reads_writes = false; // print docs/model/README.md's table of what each mechanism reads and writes
};

struct ClassicOptions {
    std::string model;
    std::vector<std::string> sets;
    uint32_t runs = 1;
    uint64_t seed = 1;
    bool json = false;
};

struct BenchOptions {
    std::string name;
    std::optional<uint32_t> runs;
    bool json = false;
};

const char* version();
int hardware_threads();
// app/cmd_run.cpp. `threads` as given on the command line (0 = not given: the scenario's
// run.threads, else all cores); `default_threads` = all cores.
int cmd_run(const RunOptions& opts, int threads, int default_threads);
int cmd_resume(const ResumeOptions& opts, int threads, int default_threads);
int cmd_inspect(const InspectOptions& opts); // app/cmd_inspect.cpp
int cmd_export(const ExportOptions& opts);   // app/cmd_export.cpp
int cmd_check(const CheckOptions& opts);     // app/cmd_check.cpp
int cmd_classic(const ClassicOptions& opts); // app/cmd_classic.cpp, with cmd_validate
int cmd_bench(const BenchOptions& opts);     // app/cmd_bench.cpp
// Prints the validation table; exit code 1 if any check fails.
int cmd_validate(bool quick, uint64_t seed);

} // namespace icsim::app
