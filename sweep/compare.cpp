#include "sweep/compare.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <mutex>

#include <boost/math/distributions/students_t.hpp>
#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/task_arena.h>

#include "output/h5.hpp"
#include "scenarios/loader.hpp"
#include "scenarios/scale.hpp"
#include "sim/clock.hpp"
#include "sweep/job.hpp"
#include "sweep/spec.hpp"

namespace icsim::sweep {

namespace {

constexpr double kQuantiles[] = {0.05, 0.25, 0.5, 0.75, 0.95};

double t975(double df) {
    return boost::math::quantile(boost::math::students_t(df), 0.975);
}

void mean_var(const std::vector<double>& v, double& mean, double& var) {
    mean = 0;
    for (const double x : v)
        mean += x;
    mean /= double(v.size());
    var = 0;
    for (const double x : v)
        var += (x - mean) * (x - mean);
    var = v.size() > 1 ? var / double(v.size() - 1) : 0;
}

// numpy's default (linear) quantile of sorted values.
double quantile(const std::vector<double>& sorted, double q) {
    const double pos = q * double(sorted.size() - 1);
    const auto lo = size_t(std::floor(pos));
    const size_t hi = std::min(lo + 1, sorted.size() - 1);
    return sorted[lo] + (pos - double(lo)) * (sorted[hi] - sorted[lo]);
}

void write_doubles(hid_t loc, const std::string& name, const std::vector<double>& v,
                   std::vector<hsize_t> dims) {
    const h5::Id space =
        h5::space_id(h5::check(H5Screate_simple(int(dims.size()), dims.data(), nullptr), name));
    const h5::Id ds = h5::dataset_id(h5::check(
        H5Dcreate2(loc, name.c_str(), H5T_IEEE_F64LE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), name));
    h5::check(H5Dwrite(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()), name);
}

} // namespace

namespace {

// One scenario file at one seed, with --steps and --scale applied; bad
// input as SpecError.
ScenarioConfig load_one(const CompareOptions& opt, const std::string& file, uint64_t seed) {
    std::vector<std::string> sets = {"run.seed=" + std::to_string(seed)};
    if (opt.steps)
        sets.push_back("run.steps=" + std::to_string(*opt.steps));
    try {
        ScenarioConfig s = load_scenario_file(file, sets);
        if (opt.scale) {
            const auto scaled = scale_assignments(s, *opt.scale);
            sets.insert(sets.end(), scaled.begin(), scaled.end());
            s = load_scenario_file(file, sets);
        }
        return s;
    } catch (const ScenarioError& e) {
        throw SpecError(e.diagnostics().empty() ? e.what() : e.diagnostics().front().str());
    } catch (const std::invalid_argument& e) {
        throw SpecError(file + ": --scale: " + e.what());
    }
}

} // namespace

ComparePlan plan_compare(const CompareOptions& opt) {
    if (opt.files.size() < 2)
        throw SpecError("compare: expected a base and at least one variant scenario");
    if (opt.seeds < 2)
        throw SpecError("--seeds: expected at least 2 seeds (an interval needs two), found " +
                        std::to_string(opt.seeds));
    ComparePlan plan;
    plan.options = opt;
    CompareResult& res = plan.result;
    for (uint32_t s = 1; s <= opt.seeds; ++s)
        res.seeds.push_back(s);
    // Load every scenario once (cheap) to check it up front.
    std::vector<ScenarioConfig> first;
    for (const auto& f : opt.files)
        first.push_back(load_one(opt, f, 1));
    res.steps = first[0].steps;
    for (const auto& s : first)
        if (s.steps != res.steps)
            throw SpecError(s.source + ": runs " + std::to_string(s.steps) + " steps, the base " +
                            std::to_string(res.steps) + " (give --steps to run them alike)");
    plan.at = opt.at.empty() ? std::vector<uint32_t>{res.steps} : opt.at;
    for (const uint32_t s : plan.at)
        if (s > res.steps)
            throw SpecError("--at: step " + std::to_string(s) + " is after the last step (" +
                            std::to_string(res.steps) + ")");
    // Names as the scenarios give them; a repeated name gets its position.
    for (size_t k = 0; k < first.size(); ++k) {
        std::string name = first[k].name.empty() ? "scenario" : first[k].name;
        std::replace(name.begin(), name.end(), '/', '_');
        if (std::find(plan.band_names.begin(), plan.band_names.end(), name) != plan.band_names.end())
            name += "#" + std::to_string(k);
        plan.band_names.push_back(name);
    }
    res.base = plan.band_names[0];
    res.variants.assign(plan.band_names.begin() + 1, plan.band_names.end());

    // The outcomes: the base's series columns, found by name in each variant.
    plan.outcomes = [&] {
        Engine e = build_engine(first[0]);
        return series_columns(e.world());
    }();
    const size_t n_sc = opt.files.size(), n_out = plan.outcomes.size();
    plan.column_of.assign(n_sc, std::vector<long>(n_out, -1));
    for (size_t sc = 0; sc < n_sc; ++sc) {
        Engine e = build_engine(first[sc]);
        const auto mine = series_columns(e.world());
        for (size_t o = 0; o < n_out; ++o)
            for (size_t m = 0; m < mine.size(); ++m)
                if (mine[m].name == plan.outcomes[o].name)
                    plan.column_of[sc][o] = long(m);
    }
    return plan;
}

std::vector<double> run_compare_job(const ComparePlan& plan, size_t job) {
    const CompareOptions& opt = plan.options;
    const size_t n_seeds = opt.seeds, sc = job / n_seeds, seed = job % n_seeds;
    const size_t n_out = plan.outcomes.size(), n_steps = plan.result.steps + 1;
    std::vector<double> values(n_steps * n_out, std::nan(""));
    try {
        const ScenarioConfig s = load_one(opt, opt.files[sc], plan.result.seeds[seed]);
        Engine probe = build_engine(s); // the variant's own column layout
        const auto mine = series_columns(probe.world());
        oneapi::tbb::task_arena one(1);
        one.execute([&] {
            run_city(
                s, [](uint32_t) { return true; },
                [&](uint32_t step, const std::vector<std::vector<double>>& rows) {
                    double* dst = &values[step * n_out];
                    for (size_t o = 0; o < n_out; ++o)
                        if (plan.column_of[sc][o] >= 0) {
                            const auto& c = mine[size_t(plan.column_of[sc][o])];
                            dst[o] = rows.at(c.series).at(c.column);
                        }
                });
        });
    } catch (const std::exception& e) {
        throw std::runtime_error(opt.files[sc] + " (seed " + std::to_string(plan.result.seeds[seed]) +
                                 "): " + e.what());
    }
    return values;
}

void compare_progress(size_t done, size_t total, double elapsed) {
    std::fprintf(stderr, "icsim compare: %zu/%zu runs, %.3g runs/s, ETA %.0f s\n", done, total,
                 double(done) / elapsed, elapsed / double(done) * double(total - done));
}

CompareResult run_compare(const CompareOptions& opt) {
    const ComparePlan plan = plan_compare(opt);
    const size_t n_jobs = plan.runs(), per_run = plan.values_per_run();
    // values[job * per_run + step * outcomes + o]
    std::vector<double> values(n_jobs * per_run, std::nan(""));
    std::mutex mu;
    std::atomic<size_t> done{0};
    std::string failure;
    const auto t0 = std::chrono::steady_clock::now();
    const double c0 = process_cpu_seconds();
    oneapi::tbb::parallel_for(size_t(0), n_jobs, [&](size_t job) {
        try {
            const std::vector<double> v = run_compare_job(plan, job);
            std::copy(v.begin(), v.end(), values.begin() + std::ptrdiff_t(job * per_run));
        } catch (const std::exception& e) {
            const std::lock_guard lock(mu);
            failure = e.what();
        }
        const size_t d = ++done;
        if (opt.progress) {
            const std::lock_guard lock(mu);
            compare_progress(d, n_jobs,
                             std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
        }
    });
    if (!failure.empty())
        throw std::runtime_error("a run failed: " + failure);
    return finish_compare(plan, values,
                          std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(),
                          process_cpu_seconds() - c0, oneapi::tbb::this_task_arena::max_concurrency());
}

CompareResult finish_compare(const ComparePlan& plan, const std::vector<double>& values, double seconds,
                             double cpu_seconds, int threads) {
    const CompareOptions& opt = plan.options;
    CompareResult res = plan.result;
    res.seconds = seconds;
    res.cpu_seconds = cpu_seconds;
    res.threads = threads;
    const auto& at = plan.at;
    const auto& cols = plan.outcomes;
    const auto& column_of = plan.column_of;
    const auto& band_names = plan.band_names;
    const size_t n_sc = opt.files.size(), n_seeds = opt.seeds, n_out = cols.size(), n_steps = res.steps + 1;
    auto value = [&](size_t sc, size_t seed, size_t step, size_t o) {
        return values[((sc * n_seeds + seed) * n_steps + step) * n_out + o];
    };

    const double tq = t975(double(n_seeds - 1));
    for (size_t v = 1; v < n_sc; ++v)
        for (const uint32_t step : at)
            for (size_t o = 0; o < n_out; ++o) {
                if (column_of[v][o] < 0)
                    continue;
                std::vector<double> b, x, d;
                for (size_t seed = 0; seed < n_seeds; ++seed) {
                    b.push_back(value(0, seed, step, o));
                    x.push_back(value(v, seed, step, o));
                    d.push_back(x.back() - b.back());
                }
                if (!std::all_of(d.begin(), d.end(), [](double z) { return std::isfinite(z); }))
                    continue; // a series the mechanism does not compute
                CompareRow r;
                r.variant = res.variants[v - 1];
                r.name = cols[o].name;
                r.step = step;
                double vb, vx, vd;
                mean_var(b, r.base_mean, vb);
                mean_var(x, r.variant_mean, vx);
                mean_var(d, r.difference, vd);
                const double n = double(n_seeds);
                const double half = tq * std::sqrt(vd / n);
                r.ci_low = r.difference - half;
                r.ci_high = r.difference + half;
                // Welch: se^2 = (vb + vx) / n, Welch-Satterthwaite degrees of freedom.
                const double se2 = (vb + vx) / n;
                const double df = se2 > 0 ? se2 * se2 / ((vb * vb + vx * vx) / (n * n * (n - 1))) : n - 1;
                const double uhalf = (se2 > 0 ? t975(df) : 0) * std::sqrt(se2);
                r.unpaired_low = r.difference - uhalf;
                r.unpaired_high = r.difference + uhalf;
                r.excludes_zero = r.ci_low > 0 || r.ci_high < 0;
                res.rows.push_back(r);
            }
    // Outcomes that vary with the seed first, by signal to noise; those
    // the same on every seed after them, and last the policy's own inputs
    // (its levers and cost: what the variant sets, not what it changes).
    auto score = [](const CompareRow& r) {
        if (r.name.rfind("lever_intensity", 0) == 0 || r.name == "policy_cost")
            return -2.0 - 1.0 / (1.0 + std::abs(r.difference));
        const double half = 0.5 * (r.ci_high - r.ci_low);
        return half > 0 ? std::abs(r.difference) / half : -1.0 / (1.0 + std::abs(r.difference));
    };
    std::stable_sort(res.rows.begin(), res.rows.end(),
                     [&](const CompareRow& a, const CompareRow& b) { return score(a) > score(b); });

    if (!opt.output.empty()) {
        h5::init();
        const std::string partial = opt.output + ".partial";
        {
            const h5::Id file =
                h5::file_id(h5::check(H5Fcreate(partial.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT),
                                      "cannot create " + partial));
            const h5::Id g = h5::create_group(file, "/compare");
            h5::write_attr_string(g, "base", res.base);
            h5::write_attr<uint32_t>(g, "seeds", opt.seeds);
            h5::write_attr<uint32_t>(g, "steps", res.steps);
            std::vector<std::string> names, variants, outcome_names;
            std::vector<double> step, bm, vm, diff, lo, hi, ulo, uhi, seeds;
            for (const auto& r : res.rows) {
                variants.push_back(r.variant);
                names.push_back(r.name);
                step.push_back(r.step);
                bm.push_back(r.base_mean);
                vm.push_back(r.variant_mean);
                diff.push_back(r.difference);
                lo.push_back(r.ci_low);
                hi.push_back(r.ci_high);
                ulo.push_back(r.unpaired_low);
                uhi.push_back(r.unpaired_high);
            }
            for (const auto s : res.seeds)
                seeds.push_back(double(s));
            const hsize_t nr = res.rows.size();
            h5::write_strings(g, "variant", variants);
            h5::write_strings(g, "name", names);
            write_doubles(g, "seeds", seeds, {seeds.size()});
            for (const auto& [key, col] :
                 std::vector<std::pair<const char*, std::vector<double>*>>{{"step", &step},
                                                                           {"base_mean", &bm},
                                                                           {"variant_mean", &vm},
                                                                           {"difference", &diff},
                                                                           {"ci_low", &lo},
                                                                           {"ci_high", &hi},
                                                                           {"unpaired_ci_low", &ulo},
                                                                           {"unpaired_ci_high", &uhi}})
                write_doubles(g, key, *col, {nr});
            for (const auto& c : cols)
                outcome_names.push_back(c.name);
            h5::write_strings(g, "outcomes", outcome_names);
            write_doubles(g, "quantile_levels",
                          std::vector<double>(std::begin(kQuantiles), std::end(kQuantiles)),
                          {std::size(kQuantiles)});
            // Bands over time: per scenario, outcome and step, quantiles over the seeds.
            const h5::Id bands = h5::create_group(g, "bands");
            for (size_t sc = 0; sc < n_sc; ++sc) {
                const h5::Id sg = h5::create_group(bands, band_names[sc]);
                h5::write_attr_string(sg, "file", opt.files[sc]);
                std::vector<double> q(n_out * n_steps * std::size(kQuantiles), std::nan(""));
                std::vector<double> sample;
                for (size_t o = 0; o < n_out; ++o)
                    for (size_t st = 0; st < n_steps; ++st) {
                        sample.clear();
                        for (size_t seed = 0; seed < n_seeds; ++seed)
                            if (std::isfinite(value(sc, seed, st, o)))
                                sample.push_back(value(sc, seed, st, o));
                        if (sample.empty())
                            continue;
                        std::sort(sample.begin(), sample.end());
                        for (size_t k = 0; k < std::size(kQuantiles); ++k)
                            q[(o * n_steps + st) * std::size(kQuantiles) + k] =
                                quantile(sample, kQuantiles[k]);
                    }
                write_doubles(sg, "quantiles", q, {n_out, n_steps, std::size(kQuantiles)});
            }
        }
        std::filesystem::rename(partial, opt.output);
    }
    return res;
}

} // namespace icsim::sweep
