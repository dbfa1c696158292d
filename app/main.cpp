// icsim: the command-line program. Thin: parses arguments, calls the
// libraries, reports. Exit codes: 0 success, 1 failure at run time, 2 bad
// input (one line on stderr naming what was wrong and what was expected).
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <oneapi/tbb/global_control.h>

#include "app/cmd_sweep.hpp"
#include "app/commands.hpp"

int main(int argc, char** argv) {
    CLI::App app{"icsim: simulate intercultural city policy on an agent-based city model"};
    app.set_version_flag("--version", std::string("icsim ") + icsim::app::version());
    app.require_subcommand(1);
    int threads = 0;
    app.add_option("--threads", threads, "worker threads (default: all cores)")->check(CLI::Range(1, 1024));

    // run
    icsim::app::RunOptions run_opts;
    auto* run =
        app.add_subcommand("run", "run a scenario (no file: the built-in default city) and print a summary");
    run->add_option("scenario", run_opts.scenario, "scenario file (TOML)");
    run->add_option("--steps", run_opts.steps, "steps to simulate (default: the scenario's)")
        ->check(CLI::Range(0, 10000000));
    run->add_option("--seed", run_opts.seed, "random seed (default: the scenario's)")
        ->check(CLI::Range(uint64_t(0), uint64_t(9007199254740991ull)));
    run->add_option("--threads", threads, "worker threads (default: all cores)")->check(CLI::Range(1, 1024));
    run->add_option("--set", run_opts.sets, "override a scenario key: key.path=value (repeatable)");
    run->add_flag("--quiet", run_opts.quiet, "no progress bar");
    run->add_option("-o,--output", run_opts.output,
                    "output file (HDF5; default: the scenario's output.file)");
    run->add_flag("--no-output", run_opts.no_output, "write no output file");
    run->add_flag("--force", run_opts.force, "overwrite an existing output file");
    run->add_option("--scale", run_opts.scale,
                    "scale the city to F times its dwellings: grid, neighbourhoods, places and organisations "
                    "(e.g. --scale 19.73 takes the default city to 1,000,000 residents)")
        ->check(CLI::Range(0.0001, 10000.0));
    run->add_option("--from", run_opts.from,
                    "start from a checkpoint of another run: FILE[:STEP] (default: its last checkpoint)");

    // resume
    icsim::app::ResumeOptions resume_opts;
    auto* resume = app.add_subcommand("resume", "finish an interrupted run from its last checkpoint");
    resume->add_option("file", resume_opts.file, "the unfinished run's file (OUT.h5.partial)")->required();
    resume->add_option("--threads", threads, "worker threads (default: all cores)")
        ->check(CLI::Range(1, 1024));
    resume->add_flag("--force", resume_opts.force, "overwrite an existing OUT.h5");
    resume->add_flag("--quiet", resume_opts.quiet, "no progress bar");

    // inspect
    icsim::app::InspectOptions inspect_opts;
    auto* inspect = app.add_subcommand("inspect", "summarise an output file");
    inspect->add_option("file", inspect_opts.file, "output file (HDF5)")->required();

    // export
    icsim::app::ExportOptions export_opts;
    auto* exp = app.add_subcommand("export", "write an output file's series as CSV files");
    exp->add_option("file", export_opts.file, "output file (HDF5)")->required();
    exp->add_option("--csv", export_opts.csv_dir, "directory for the CSV files")->required();

    // check
    icsim::app::CheckOptions check_opts;
    auto* check = app.add_subcommand("check", "validate a scenario and print it fully resolved");
    check->add_option("scenario", check_opts.scenario, "scenario file (TOML; default: the built-in default)");
    check->add_option("--set", check_opts.sets, "override a scenario key: key.path=value (repeatable)");
    check->add_option("--explain", check_opts.explain, "explain one key (e.g. city.width, groups.*.share)");
    check->add_flag("--reference", check_opts.reference, "print the scenario reference (docs/scenarios.md)");
    check->add_option("--parameters", check_opts.parameters,
                      "print a mechanism's parameter table (as docs/model/*.md hold it)");

    // classic
    icsim::app::ClassicOptions classic_opts;
    auto* classic = app.add_subcommand("classic", "run a classic reference model (no MODEL: list them)");
    classic->add_option("model", classic_opts.model, "model name");
    classic->add_option("--set", classic_opts.sets, "override a parameter: name=value (repeatable)");
    classic->add_option("--runs", classic_opts.runs, "replicates (default 1)")
        ->check(CLI::Range(1, 10000000));
    classic->add_option("--seed", classic_opts.seed, "random seed (default 1)");
    classic->add_option("--threads", threads, "worker threads (default: all cores)")
        ->check(CLI::Range(1, 1024));
    classic->add_flag("--json", classic_opts.json, "print one JSON object");

    // validate
    bool validate_quick = false;
    uint64_t validate_seed = 1;
    auto* validate = app.add_subcommand("validate", "run every classic model against its published result");
    validate->add_flag("--quick", validate_quick, "fewer runs (the ctest 'validation' label runs this)");
    validate->add_option("--seed", validate_seed, "random seed (default 1)");

    // bench
    icsim::app::BenchOptions bench_opts;
    auto* bench = app.add_subcommand("bench", "run a benchmark (no NAME: list them)");
    bench->add_option("name", bench_opts.name, "benchmark name");
    bench->add_option("--runs", bench_opts.runs, "timed repetitions (default: the case's)")
        ->check(CLI::Range(1, 100000));
    bench->add_flag("--json", bench_opts.json, "print one JSON object");

    const auto ensembles = icsim::app::add_ensemble_commands(app);

    std::string command_line;
    for (int k = 0; k < argc; ++k) {
        const std::string a = argv[k];
        const bool quote = a.empty() || a.find_first_of(" \t'\"$\\") != std::string::npos;
        command_line += (k ? " " : "") + (quote ? "'" + a + "'" : a);
    }
    run_opts.command_line = command_line;
    resume_opts.command_line = command_line;

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
    if (threads > 0)
        limit.emplace(oneapi::tbb::global_control::max_allowed_parallelism, size_t(threads));
    const int effective_threads = threads > 0 ? threads : icsim::app::hardware_threads();

    try {
        if (*run)
            return icsim::app::cmd_run(run_opts, threads, effective_threads);
        if (*resume)
            return icsim::app::cmd_resume(resume_opts, threads, effective_threads);
        if (*inspect)
            return icsim::app::cmd_inspect(inspect_opts);
        if (*exp)
            return icsim::app::cmd_export(export_opts);
        if (*check)
            return icsim::app::cmd_check(check_opts);
        if (*classic)
            return icsim::app::cmd_classic(classic_opts);
        if (*bench)
            return icsim::app::cmd_bench(bench_opts);
        if (*validate)
            return icsim::app::cmd_validate(validate_quick, validate_seed);
        if (const auto rc = ensembles.run())
            return *rc;
    } catch (const icsim::app::UsageError& e) {
        std::fprintf(stderr, "icsim: %s\n", e.what());
        return 2;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "icsim: error: %s\n", e.what());
        return 1;
    }
    return 0;
}
