#include "sweep/analyse.hpp"

#include <cmath>

#include "output/h5.hpp"

namespace icsim::sweep {

std::vector<OutcomeAnalysis> analyse(const SweepData& d) {
    std::vector<OutcomeAnalysis> out;
    const size_t runs = d.status.size();
    for (const auto& r : d.results) {
        const size_t w = r.steps.size();
        for (size_t s = 0; s < w; ++s) {
            OutcomeAnalysis a;
            a.key = r.name + "@" + std::to_string(r.steps[s]);
            a.parameters = d.parameters;
            a.runs = runs;
            std::vector<double> y(runs);
            double sum = 0;
            for (size_t run = 0; run < runs; ++run) {
                y[run] = r.values[run * w + s];
                if (std::isfinite(y[run])) {
                    ++a.runs_used;
                    sum += y[run];
                } else {
                    y[run] = NAN; // infinities count as missing too
                }
            }
            a.mean = a.runs_used > 0 ? sum / double(a.runs_used) : NAN;
            double ss = 0;
            for (const double v : y)
                if (std::isfinite(v))
                    ss += (v - a.mean) * (v - a.mean);
            a.sd = a.runs_used > 1 ? std::sqrt(ss / double(a.runs_used - 1)) : 0;
            const ReplicateSplit split = split_replicates(y, d.replicates);
            a.replicated = d.replicates > 1;
            a.seed_share = split.seed_share;
            if (d.design == "saltelli") {
                a.method = "sobol";
                a.sobol = sobol_indices(d.unit, split.point_means);
            } else if (d.design == "morris") {
                a.method = "morris";
                a.morris = morris_indices(d.unit, split.point_means, d.levels);
            } else if (d.design == "factorial") {
                a.method = "factorial";
                a.effects = main_effects(d.unit, d.factor_levels, split.point_means);
            } else {
                a.method = "summary";
            }
            out.push_back(std::move(a));
        }
    }
    return out;
}

namespace {

void write_doubles(hid_t loc, const std::string& name, const std::vector<double>& v, hsize_t cols = 0) {
    const hsize_t dims[2] = {cols == 0 ? v.size() : v.size() / cols, cols};
    const h5::Id space = h5::space_id(h5::check(H5Screate_simple(cols == 0 ? 1 : 2, dims, nullptr), name));
    const h5::Id ds = h5::dataset_id(h5::check(
        H5Dcreate2(loc, name.c_str(), H5T_IEEE_F64LE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), name));
    if (!v.empty())
        h5::check(H5Dwrite(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()), name);
}

} // namespace

void write_analysis(const std::string& path, const std::vector<OutcomeAnalysis>& analyses) {
    h5::init();
    const hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
    if (f < 0)
        throw h5::Error("cannot open " + path + " to write /analysis: " + h5::last_reason());
    const h5::Id file = h5::file_id(f);
    if (h5::exists(file, "/analysis"))
        h5::check(H5Ldelete(file, "/analysis", H5P_DEFAULT), "cannot replace /analysis");
    const h5::Id root = h5::create_group(file, "/analysis");
    for (const auto& a : analyses) {
        const h5::Id g = h5::create_group(root, a.key);
        h5::write_attr_string(g, "method", a.method);
        h5::write_attr<uint64_t>(g, "runs_used", a.runs_used);
        h5::write_attr<double>(g, "mean", a.mean);
        h5::write_attr<double>(g, "sd", a.sd);
        if (a.replicated)
            h5::write_attr<double>(g, "seed_share", a.seed_share);
        h5::write_strings(g, "parameters", a.parameters);
        if (a.method == "sobol") {
            std::vector<double> s1, s1c, st, stc, n, cs1, cst;
            for (const auto& i : a.sobol.indices) {
                s1.push_back(i.s1);
                s1c.push_back(i.s1_conf);
                st.push_back(i.st);
                stc.push_back(i.st_conf);
            }
            write_doubles(g, "S1", s1);
            write_doubles(g, "S1_conf", s1c);
            write_doubles(g, "ST", st);
            write_doubles(g, "ST_conf", stc);
            for (const auto& c : a.sobol.convergence) {
                n.push_back(double(c.base_rows));
                for (const auto& i : c.indices) {
                    cs1.push_back(i.s1);
                    cst.push_back(i.st);
                }
            }
            write_doubles(g, "convergence_base_rows", n);
            write_doubles(g, "convergence_S1", cs1, a.parameters.size());
            write_doubles(g, "convergence_ST", cst, a.parameters.size());
        } else if (a.method == "morris") {
            std::vector<double> mu, ms, sg, msc;
            for (const auto& i : a.morris.indices) {
                mu.push_back(i.mu);
                ms.push_back(i.mu_star);
                sg.push_back(i.sigma);
                msc.push_back(i.mu_star_conf);
            }
            write_doubles(g, "mu", mu);
            write_doubles(g, "mu_star", ms);
            write_doubles(g, "sigma", sg);
            write_doubles(g, "mu_star_conf", msc);
        } else if (a.method == "factorial") {
            std::vector<double> e;
            for (const auto& m : a.effects)
                e.push_back(m.effect);
            write_doubles(g, "main_effect", e);
        }
    }
}

} // namespace icsim::sweep
