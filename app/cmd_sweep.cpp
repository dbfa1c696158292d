#include "app/cmd_sweep.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <numeric>
#include <string>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "app/cmd_sweep_mpi.hpp"
#include "app/commands.hpp"
#include "output/h5.hpp"
#include "sweep/analyse.hpp"
#include "sweep/compare.hpp"
#include "sweep/runner.hpp"

namespace icsim::app {

namespace {

volatile std::sig_atomic_t g_sweep_stop = 0;
extern "C" void on_sweep_signal(int sig) {
    g_sweep_stop = sig;
}

struct SweepArgs {
    std::string file, output, shard;
    bool resume = false, quiet = false;
    double worker_timeout = 30;
};

struct CompareArgs {
    std::vector<std::string> files;
    uint32_t seeds = 0;
    std::optional<uint32_t> steps;
    std::optional<double> scale;
    std::vector<uint32_t> at;
    std::string output;
    bool json = false, quiet = false;
    double worker_timeout = 30;
};

struct AnalyseArgs {
    std::string file;
    bool json = false;
};

int cmd_sweep(const SweepArgs& a) {
    sweep::Plan plan;
    try {
        plan = sweep::make_plan(sweep::parse_spec_file(a.file), version());
    } catch (const sweep::SpecError& e) {
        throw UsageError(e.what());
    }
    const char* rank = std::getenv("OMPI_COMM_WORLD_RANK");
    if (rank == nullptr || std::string(rank) == "0")
        std::fprintf(
            stderr, "icsim sweep: %s design, %zu points x %u replicates = %zu runs of %s%s, design hash %s\n",
            sweep::design_name(plan.spec.design), plan.points, plan.spec.replicates, plan.runs,
            plan.spec.base.c_str(),
            plan.model ? "" : (" (" + std::to_string(plan.total_steps) + " steps)").c_str(),
            plan.hash.c_str());
    sweep::SweepOptions opt;
    opt.output = a.output;
    opt.resume = a.resume;
    opt.progress = !a.quiet;
    opt.stop = [] { return g_sweep_stop != 0; };
    opt.worker_timeout = a.worker_timeout;
    if (!a.shard.empty()) {
        unsigned k = 0, n = 0;
        char tail = 0;
        if (std::sscanf(a.shard.c_str(), "%u/%u%c", &k, &n, &tail) != 2 || k < 1 || k > n)
            throw UsageError("--shard " + a.shard + ": expected K/N with 1 <= K <= N, e.g. --shard 2/8");
        opt.shard = k;
        opt.shard_count = n;
    }
    std::signal(SIGINT, on_sweep_signal);
    std::signal(SIGTERM, on_sweep_signal);
    sweep::SweepSummary s;
    try {
        if (started_by_mpirun()) {
            const auto rank0 = run_sweep_mpi(plan, opt);
            if (!rank0)
                return 0; // a worker rank: rank 0 reports
            s = *rank0;
        } else {
            s = sweep::run_sweep(plan, opt);
        }
    } catch (const sweep::SpecError& e) {
        throw UsageError(e.what());
    }
    std::signal(SIGINT, SIG_DFL);
    std::signal(SIGTERM, SIG_DFL);
    const double busy = s.seconds > 0 ? 100.0 * s.cpu_seconds / (s.seconds * s.threads) : 0;
    std::fprintf(stderr,
                 "icsim sweep: %zu runs in %.3f s (%.4g s a run, %.4g runs/s) on %d workers, %.1f %% busy; "
                 "%zu failed%s\n",
                 s.ran, s.seconds, s.ran > 0 ? s.seconds / double(s.ran) : 0.0,
                 s.seconds > 0 ? double(s.ran) / s.seconds : 0.0, s.threads, busy, s.failed,
                 s.done_before > 0 ? (", " + std::to_string(s.done_before) + " recorded before").c_str()
                                   : "");
    if (s.interrupted) {
        std::fprintf(
            stderr,
            "icsim sweep: stopped with %zu of %zu runs%s recorded in %s; finish it with: icsim sweep "
            "%s -o %s --resume\n",
            s.done_before + s.ran, s.runs, a.shard.empty() ? "" : " of this shard", s.partial.c_str(),
            a.file.c_str(), (a.output + (a.shard.empty() ? "" : " --shard " + a.shard)).c_str());
        return g_sweep_stop != 0 ? 128 + int(g_sweep_stop) : 1;
    }
    std::fprintf(stderr, "icsim sweep: wrote %s\n", a.output.c_str());
    return 0;
}

std::string num(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%9.4f", v);
    return buf;
}

int cmd_analyse(const AnalyseArgs& a) {
    sweep::SweepData data;
    try {
        data = sweep::read_sweep(a.file);
    } catch (const sweep::SpecError& e) {
        throw UsageError(e.what());
    } catch (const h5::Error& e) {
        throw UsageError(a.file + ": not a readable sweep file (" + e.what() + ")");
    }
    const auto analyses = sweep::analyse(data);
    sweep::write_analysis(a.file, analyses);
    if (a.json) {
        nlohmann::json outcomes = nlohmann::json::object();
        for (const auto& an : analyses) {
            nlohmann::json o{{"method", an.method}};
            nlohmann::json params = nlohmann::json::object();
            for (size_t i = 0; i < an.parameters.size(); ++i) {
                nlohmann::json p = nlohmann::json::object();
                if (an.method == "sobol") {
                    const auto& s = an.sobol.indices[i];
                    p = {{"S1", s.s1}, {"S1_conf", s.s1_conf}, {"ST", s.st}, {"ST_conf", s.st_conf}};
                } else if (an.method == "morris") {
                    const auto& m = an.morris.indices[i];
                    p = {{"mu", m.mu},
                         {"mu_star", m.mu_star},
                         {"sigma", m.sigma},
                         {"mu_star_conf", m.mu_star_conf}};
                } else if (an.method == "factorial") {
                    p = {{"main_effect", an.effects[i].effect}, {"level_means", an.effects[i].level_means}};
                }
                params[an.parameters[i]] = p;
            }
            o["parameters"] = params;
            if (an.replicated)
                o["seed_share"] = an.seed_share;
            outcomes[an.key] = o;
        }
        std::printf("%s\n", nlohmann::json{{"outcomes", outcomes}}.dump(2).c_str());
        return 0;
    }
    for (const auto& an : analyses) {
        std::printf("%s: %s, %zu of %zu runs with a value, mean %.6g, sd %.6g", an.key.c_str(),
                    an.method.c_str(), an.runs_used, an.runs, an.mean, an.sd);
        if (an.replicated)
            std::printf(", seed share of the variance %.3f", an.seed_share);
        std::printf("\n");
        const size_t k = an.parameters.size();
        std::vector<size_t> order(k);
        std::iota(order.begin(), order.end(), 0);
        auto rank_by = [&](auto key) {
            std::stable_sort(order.begin(), order.end(), [&](size_t x, size_t y) { return key(x) > key(y); });
        };
        if (an.method == "sobol") {
            rank_by([&](size_t i) { return an.sobol.indices[i].st; });
            std::printf("  %-50s %9s %9s %9s %9s\n", "parameter (ranked by ST)", "S1", "S1_conf", "ST",
                        "ST_conf");
            for (const size_t i : order) {
                const auto& s = an.sobol.indices[i];
                std::printf("  %-50s %s %s %s %s\n", an.parameters[i].c_str(), num(s.s1).c_str(),
                            num(s.s1_conf).c_str(), num(s.st).c_str(), num(s.st_conf).c_str());
            }
            if (an.sobol.dropped_rows > 0)
                std::printf("  (%zu base rows with a failed run left out)\n", an.sobol.dropped_rows);
            std::printf("  convergence over nested halves (ST):\n  %-50s", "base rows");
            for (const size_t i : order)
                std::printf(" %9.9s", an.parameters[i].c_str());
            std::printf("\n");
            for (const auto& c : an.sobol.convergence) {
                std::printf("  %-50zu", c.base_rows);
                for (const size_t i : order)
                    std::printf(" %s", num(c.indices[i].st).c_str());
                std::printf("\n");
            }
        } else if (an.method == "morris") {
            rank_by([&](size_t i) { return an.morris.indices[i].mu_star; });
            std::printf("  %-50s %9s %9s %9s %9s\n", "parameter (ranked by mu*)", "mu", "mu*", "sigma",
                        "mu*_conf");
            for (const size_t i : order) {
                const auto& m = an.morris.indices[i];
                std::printf("  %-50s %s %s %s %s\n", an.parameters[i].c_str(), num(m.mu).c_str(),
                            num(m.mu_star).c_str(), num(m.sigma).c_str(), num(m.mu_star_conf).c_str());
            }
        } else if (an.method == "factorial") {
            rank_by([&](size_t i) { return an.effects[i].effect; });
            std::printf("  %-50s %12s  %s\n", "parameter (ranked by effect)", "main effect",
                        "mean at each level");
            for (const size_t i : order) {
                std::printf("  %-50s %12.6g ", an.parameters[i].c_str(), an.effects[i].effect);
                for (const double m : an.effects[i].level_means)
                    std::printf(" %.6g", m);
                std::printf("\n");
            }
        }
        std::printf("\n");
    }
    return 0;
}

struct MergeArgs {
    std::string output;
    std::vector<std::string> inputs;
};

int cmd_merge(const MergeArgs& a) {
    std::vector<size_t> missing;
    try {
        missing = sweep::merge_sweeps(a.output, a.inputs);
    } catch (const sweep::SpecError& e) {
        throw UsageError(e.what());
    }
    if (missing.empty()) {
        std::fprintf(stderr, "icsim merge: %zu files, every run recorded; wrote %s\n", a.inputs.size(),
                     a.output.c_str());
        return 0;
    }
    std::string list;
    for (size_t k = 0; k < missing.size() && k < 20; ++k)
        list += (k ? ", " : "") + std::to_string(missing[k]);
    if (missing.size() > 20)
        list += ", ...";
    std::fprintf(stderr,
                 "icsim merge: %zu runs are in none of the files (run ids %s); the merge is in %s.partial: "
                 "finish it with: icsim sweep SWEEP.toml -o %s --resume\n",
                 missing.size(), list.c_str(), a.output.c_str(), a.output.c_str());
    return 1;
}

int cmd_compare(const CompareArgs& a) {
    sweep::CompareOptions opt;
    opt.files = a.files;
    opt.seeds = a.seeds;
    opt.steps = a.steps;
    opt.scale = a.scale;
    opt.at = a.at;
    opt.output = a.output;
    opt.progress = !a.quiet;
    opt.worker_timeout = a.worker_timeout;
    if (!opt.output.empty() && std::filesystem::exists(opt.output))
        throw UsageError("-o " + opt.output + ": exists; remove it or choose another file");
    sweep::CompareResult r;
    try {
        if (started_by_mpirun()) {
            auto rank0 = run_compare_mpi(opt);
            if (!rank0)
                return 0; // a worker rank: rank 0 reports
            r = std::move(*rank0);
        } else {
            r = sweep::run_compare(opt);
        }
    } catch (const sweep::SpecError& e) {
        throw UsageError(e.what());
    }
    std::vector<double> ratios;
    for (const auto& row : r.rows)
        if (std::isfinite(row.width_ratio()))
            ratios.push_back(row.width_ratio());
    std::sort(ratios.begin(), ratios.end());
    const double median = ratios.empty() ? NAN : ratios[ratios.size() / 2];
    std::fprintf(
        stderr,
        "icsim compare: %zu runs (%zu scenarios x %u seeds, %u steps) in %.1f s on %d threads, %.1f %% busy; "
        "paired intervals are %.2f x the unpaired width (median over %zu outcomes)\n",
        a.files.size() * r.seeds.size(), a.files.size(), a.seeds, r.steps, r.seconds, r.threads,
        r.seconds > 0 ? 100.0 * r.cpu_seconds / (r.seconds * r.threads) : 0.0, median, ratios.size());
    if (a.json) {
        nlohmann::json rows = nlohmann::json::array();
        for (const auto& row : r.rows)
            rows.push_back({{"variant", row.variant},
                            {"name", row.name},
                            {"step", row.step},
                            {"base_mean", row.base_mean},
                            {"variant_mean", row.variant_mean},
                            {"difference", row.difference},
                            {"ci_low", row.ci_low},
                            {"ci_high", row.ci_high}});
        std::printf("%s\n",
                    nlohmann::json{{"base", r.base}, {"seeds", a.seeds}, {"outcomes", rows}}.dump(2).c_str());
        return 0;
    }
    std::printf(
        "base %s, %u seeds (1..%u), ranked by |difference| / half-width; * = the 95 %% interval excludes 0\n",
        r.base.c_str(), a.seeds, a.seeds);
    std::printf("%-24s %-36s %6s %12s %12s %12s %25s %8s\n", "variant", "outcome", "step", "base", "variant",
                "difference", "95 % interval (paired)", "/unpair");
    for (const auto& row : r.rows) {
        char ci[64];
        std::snprintf(ci, sizeof ci, "[%.4g, %.4g]", row.ci_low, row.ci_high);
        char ratio[32] = "-";
        if (std::isfinite(row.width_ratio()))
            std::snprintf(ratio, sizeof ratio, "%.2f", row.width_ratio());
        std::printf("%-24s %-36s %6u %12.5g %12.5g %12.5g %25s %8s %s\n", row.variant.c_str(),
                    row.name.c_str(), row.step, row.base_mean, row.variant_mean, row.difference, ci, ratio,
                    row.excludes_zero ? "*" : "");
    }
    if (!a.output.empty())
        std::fprintf(stderr, "icsim compare: wrote %s\n", a.output.c_str());
    return 0;
}

} // namespace

EnsembleCommands add_ensemble_commands(CLI::App& app) {
    auto sweep_args = std::make_shared<SweepArgs>();
    auto* sw = app.add_subcommand("sweep", "run a parameter sweep into one HDF5 file (docs/ensembles.md)");
    sw->add_option("sweep", sweep_args->file, "sweep file (TOML)")->required();
    sw->add_option("-o,--output", sweep_args->output, "output file (HDF5)")->required();
    sw->add_flag("--resume", sweep_args->resume,
                 "finish OUTPUT.partial, an interrupted sweep of the same file");
    sw->add_flag("--quiet", sweep_args->quiet, "no progress line");
    sw->add_option("--worker-timeout", sweep_args->worker_timeout,
                   "under mpirun --enable-recovery: seconds without word from a worker before its runs "
                   "go to others (default 30)")
        ->check(CLI::PositiveNumber);
    sw->add_option("--shard", sweep_args->shard,
                   "K/N: run only runs r with r % N = K - 1 (one job of an array; join with 'icsim merge')");

    auto merge_args = std::make_shared<MergeArgs>();
    auto* mg = app.add_subcommand("merge", "join the shards of one sweep into one file");
    mg->add_option("output", merge_args->output, "merged sweep file (HDF5)")->required();
    mg->add_option("shards", merge_args->inputs, "the shards' files")->required()->expected(2, 100000);

    auto analyse_args = std::make_shared<AnalyseArgs>();
    auto* an = app.add_subcommand("analyse",
                                  "sensitivity indices of a sweep's outcomes (Sobol', Morris, main effects)");
    an->add_option("file", analyse_args->file, "sweep file (HDF5) from 'icsim sweep'")->required();
    an->add_flag("--json", analyse_args->json, "print one JSON object");

    auto compare_args = std::make_shared<CompareArgs>();
    auto* cmp =
        app.add_subcommand("compare", "scenarios on the same seeds: paired differences with 95 % intervals");
    cmp->add_option("scenarios", compare_args->files, "BASE.toml VARIANT.toml [MORE.toml ...]")
        ->required()
        ->expected(2, 1000);
    cmp->add_option("--seeds", compare_args->seeds, "seeds 1..N for every scenario")
        ->required()
        ->check(CLI::Range(2, 100000));
    cmp->add_option("--steps", compare_args->steps, "steps to simulate (default: the scenarios')")
        ->check(CLI::Range(1, 10000000));
    cmp->add_option("--scale", compare_args->scale,
                    "scale every city to F times its dwellings, as 'icsim run --scale'")
        ->check(CLI::Range(0.0001, 10000.0));
    cmp->add_option("--at", compare_args->at, "steps to compare (default: the last)")->delimiter(',');
    cmp->add_option("-o,--output", compare_args->output, "write the table and bands over time (HDF5)");
    cmp->add_flag("--json", compare_args->json, "print one JSON object");
    cmp->add_flag("--quiet", compare_args->quiet, "no progress lines");
    cmp->add_option("--worker-timeout", compare_args->worker_timeout,
                    "under mpirun --enable-recovery: seconds without word from a worker before its runs "
                    "go to others (default 30)")
        ->check(CLI::PositiveNumber);

    EnsembleCommands c;
    c.run = [sw, an, cmp, mg, sweep_args, analyse_args, compare_args, merge_args]() -> std::optional<int> {
        if (*sw)
            return cmd_sweep(*sweep_args);
        if (*mg)
            return cmd_merge(*merge_args);
        if (*cmp)
            return cmd_compare(*compare_args);
        if (*an)
            return cmd_analyse(*analyse_args);
        return std::nullopt;
    };
    return c;
}

} // namespace icsim::app
