// icsim: the command-line program. Thin: parses arguments, calls the
// libraries, reports. Exit codes: 0 success, 1 failure at run time, 2 bad
// input (one line on stderr naming what was wrong and what was expected).
#include <cstdio>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <oneapi/tbb/global_control.h>

#include "app/cmd_sweep.hpp"
#include "app/commands.hpp"

namespace {

using namespace icsim::app;

// What every command may read: the global --threads (0 = not given) and the
// command line as typed (recorded in output files).
struct Globals {
    int threads = 0;
    int effective_threads = 1;
    std::string command_line;
};

// A registered subcommand and the call that runs it once parsed.
struct Command {
    CLI::App* sub;
    std::function<int()> run;
};

void add_threads(CLI::App* sub, Globals& g) {
    sub->add_option("--threads", g.threads, "worker threads (default: all cores)")
        ->check(CLI::Range(1, 1024));
}

Command add_run(CLI::App& app, Globals& g) {
    auto o = std::make_shared<RunOptions>();
    auto* run =
        app.add_subcommand("run", "run a scenario (no file: the built-in default city) and print a summary");
    run->add_option("scenario", o->scenario, "scenario file (TOML)");
    run->add_option("--steps", o->steps, "steps to simulate (default: the scenario's)")
        ->check(CLI::Range(0, 10000000));
    run->add_option("--seed", o->seed, "random seed (default: the scenario's)")
        ->check(CLI::Range(uint64_t(0), uint64_t(9007199254740991ull)));
    add_threads(run, g);
    run->add_option("--set", o->sets, "override a scenario key: key.path=value (repeatable)");
    run->add_flag("--quiet", o->quiet, "no progress bar");
    run->add_option("-o,--output", o->output, "output file (HDF5; default: the scenario's output.file)");
    run->add_flag("--no-output", o->no_output, "write no output file");
    run->add_flag("--force", o->force, "overwrite an existing output file");
    run->add_option("--scale", o->scale,
                    "scale the city to F times its dwellings: grid, neighbourhoods, places and organisations "
                    "(e.g. --scale 19.73 takes the default city to 1,000,000 residents)")
        ->check(CLI::Range(0.0001, 10000.0));
    run->add_option("--from", o->from,
                    "start from a checkpoint of another run: FILE[:STEP] (default: its last checkpoint)");
    return {run, [o, &g] {
                o->command_line = g.command_line;
                return cmd_run(*o, g.threads, g.effective_threads);
            }};
}

Command add_resume(CLI::App& app, Globals& g) {
    auto o = std::make_shared<ResumeOptions>();
    auto* resume = app.add_subcommand("resume", "finish an interrupted run from its last checkpoint");
    resume->add_option("file", o->file, "the unfinished run's file (OUT.h5.partial)")->required();
    add_threads(resume, g);
    resume->add_flag("--force", o->force, "overwrite an existing OUT.h5");
    resume->add_flag("--quiet", o->quiet, "no progress bar");
    return {resume, [o, &g] {
                o->command_line = g.command_line;
                return cmd_resume(*o, g.threads, g.effective_threads);
            }};
}

Command add_inspect(CLI::App& app, Globals&) {
    auto o = std::make_shared<InspectOptions>();
    auto* inspect = app.add_subcommand("inspect", "summarise an output file");
    inspect->add_option("file", o->file, "output file (HDF5)")->required();
    return {inspect, [o] { return cmd_inspect(*o); }};
}

Command add_export(CLI::App& app, Globals&) {
    auto o = std::make_shared<ExportOptions>();
    auto* exp = app.add_subcommand("export", "write an output file's series as CSV files");
    exp->add_option("file", o->file, "output file (HDF5)")->required();
    exp->add_option("--csv", o->csv_dir, "directory for the CSV files")->required();
    return {exp, [o] { return cmd_export(*o); }};
}

Command add_check(CLI::App& app, Globals&) {
    auto o = std::make_shared<CheckOptions>();
    auto* check = app.add_subcommand("check", "validate a scenario and print it fully resolved");
    check->add_option("scenario", o->scenario, "scenario file (TOML; default: the built-in default)");
    check->add_option("--set", o->sets, "override a scenario key: key.path=value (repeatable)");
    check->add_option("--explain", o->explain, "explain one key (e.g. city.width, groups.*.share)");
    check->add_flag("--reference", o->reference, "print the scenario reference (docs/scenarios.md)");
    check->add_option("--parameters", o->parameters,
                      "print a mechanism's parameter table (as docs/model/*.md hold it)");
    check->add_flag("--schema", o->schema,
                    "print the series and resident columns an output file holds, and which mechanism "
                    "declares each, as one JSON object");
    check->add_flag("--declarations", o->declarations,
                    "print the table of the columns and series each mechanism declares (as "
                    "docs/model/README.md holds it)");
    check->add_flag("--reads-writes", o->reads_writes,
                    "print the table of the mechanisms in order with what each reads and writes (as "
                    "docs/model/README.md holds it)");
    check->add_flag("--assumptions", o->assumptions,
                    "print the table of the mechanism parameters that are assumptions with a sweep range "
                    "(as docs/model/README.md holds it)");
    return {check, [o] { return cmd_check(*o); }};
}

Command add_classic(CLI::App& app, Globals& g) {
    auto o = std::make_shared<ClassicOptions>();
    auto* classic = app.add_subcommand("classic", "run a classic reference model (no MODEL: list them)");
    classic->add_option("model", o->model, "model name");
    classic->add_option("--set", o->sets, "override a parameter: name=value (repeatable)");
    classic->add_option("--runs", o->runs, "replicates (default 1)")->check(CLI::Range(1, 10000000));
    classic->add_option("--seed", o->seed, "random seed (default 1)");
    add_threads(classic, g);
    classic->add_flag("--json", o->json, "print one JSON object");
    return {classic, [o] { return cmd_classic(*o); }};
}

Command add_validate(CLI::App& app, Globals&) {
    struct Options {
        bool quick = false;
        uint64_t seed = 1;
    };
    auto o = std::make_shared<Options>();
    auto* validate = app.add_subcommand("validate", "run every classic model against its published result");
    validate->add_flag("--quick", o->quick, "fewer runs (the ctest 'validation' label runs this)");
    validate->add_option("--seed", o->seed, "random seed (default 1)");
    return {validate, [o] { return cmd_validate(o->quick, o->seed); }};
}

Command add_bench(CLI::App& app, Globals&) {
    auto o = std::make_shared<BenchOptions>();
    auto* bench = app.add_subcommand("bench", "run a benchmark (no NAME: list them)");
    bench->add_option("name", o->name, "benchmark name");
    bench->add_option("--runs", o->runs, "timed repetitions (default: the case's)")
        ->check(CLI::Range(1, 100000));
    bench->add_flag("--json", o->json, "print one JSON object");
    return {bench, [o] { return cmd_bench(*o); }};
}

} // namespace

int main(int argc, char** argv) {
    CLI::App app{"icsim: simulate intercultural city policy on an agent-based city model"};
    app.set_version_flag("--version", std::string("icsim ") + version());
    app.require_subcommand(1);
    Globals g;
    app.add_option("--threads", g.threads, "worker threads (default: all cores)")->check(CLI::Range(1, 1024));

    // In `icsim --help` order.
    const std::vector<Command> commands = {add_run(app, g),      add_resume(app, g), add_inspect(app, g),
                                           add_export(app, g),   add_check(app, g),  add_classic(app, g),
                                           add_validate(app, g), add_bench(app, g)};
    // sweep, compare, analyse (app/cmd_sweep.cpp) register themselves.
    const auto ensembles = add_ensemble_commands(app);

    for (int k = 0; k < argc; ++k) {
        const std::string a = argv[k];
        const bool quote = a.empty() || a.find_first_of(" \t'\"$\\") != std::string::npos;
        g.command_line += (k ? " " : "") + (quote ? "'" + a + "'" : a);
    }

    try {
        app.parse(argc, argv);
    } catch (const CLI::Success& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        std::string msg = e.what();
        std::fprintf(stderr, "icsim: %s (see 'icsim --help')\n", msg.c_str());
        return 2;
    }

    std::optional<oneapi::tbb::global_control> limit;
    if (g.threads > 0)
        limit.emplace(oneapi::tbb::global_control::max_allowed_parallelism, size_t(g.threads));
    g.effective_threads = g.threads > 0 ? g.threads : hardware_threads();

    try {
        for (const Command& c : commands)
            if (*c.sub)
                return c.run();
        if (const auto rc = ensembles.run())
            return *rc;
    } catch (const UsageError& e) {
        std::fprintf(stderr, "icsim: %s\n", e.what());
        return 2;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "icsim: error: %s\n", e.what());
        return 1;
    }
    return 0;
}
