#include "sweep/analysis.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "sim/rng.hpp"

namespace icsim::sweep {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
// Stream::Sweep steps of the bootstrap draws.
constexpr uint32_t kSobolBootStep = 16, kMorrisBootStep = 17;

double sd1(const std::vector<double>& v) { // sample sd, n - 1
    if (v.size() < 2)
        return 0;
    double m = 0;
    for (const double x : v)
        m += x;
    m /= double(v.size());
    double ss = 0;
    for (const double x : v)
        ss += (x - m) * (x - m);
    return std::sqrt(ss / double(v.size() - 1));
}

// The estimates over the base rows `rows` (indices into the usable rows)
// of the centred outputs a, ab (k per row), b.
struct SobolData {
    size_t k = 0;
    std::vector<double> a, b, ab; // ab: row-major rows x k
};

void estimate(const SobolData& s, const std::vector<size_t>& rows, std::vector<double>& s1,
              std::vector<double>& st) {
    const size_t n = rows.size(), k = s.k;
    // var over f_A and f_B together (numpy's var, 1/n), as SALib.
    double mean = 0;
    for (const size_t r : rows)
        mean += s.a[r] + s.b[r];
    mean /= double(2 * n);
    double var = 0;
    for (const size_t r : rows)
        var += (s.a[r] - mean) * (s.a[r] - mean) + (s.b[r] - mean) * (s.b[r] - mean);
    var /= double(2 * n);
    s1.assign(k, 0);
    st.assign(k, 0);
    if (!(var > 0))
        return;
    for (size_t i = 0; i < k; ++i) {
        double first = 0, total = 0;
        for (const size_t r : rows) {
            const double fa = s.a[r], fb = s.b[r], fab = s.ab[r * k + i];
            first += fb * (fab - fa);
            total += (fa - fab) * (fa - fab);
        }
        s1[i] = first / double(n) / var;
        st[i] = 0.5 * total / double(n) / var;
    }
}

std::vector<SobolIndex> with_intervals(const SobolData& s, size_t n, uint32_t resamples, uint64_t seed) {
    std::vector<size_t> rows(n);
    for (size_t r = 0; r < n; ++r)
        rows[r] = r;
    std::vector<double> s1, st;
    estimate(s, rows, s1, st);
    std::vector<SobolIndex> out(s.k);
    for (size_t i = 0; i < s.k; ++i) {
        out[i].s1 = s1[i];
        out[i].st = st[i];
    }
    if (resamples < 2)
        return out;
    std::vector<std::vector<double>> boot1(s.k), boott(s.k);
    CounterRng rng(seed, Stream::Sweep, kSobolBootStep, uint32_t(n));
    for (uint32_t b = 0; b < resamples; ++b) {
        for (auto& r : rows)
            r = rng.below(uint32_t(n));
        estimate(s, rows, s1, st);
        for (size_t i = 0; i < s.k; ++i) {
            boot1[i].push_back(s1[i]);
            boott[i].push_back(st[i]);
        }
    }
    for (size_t i = 0; i < s.k; ++i) {
        out[i].s1_conf = kZ975 * sd1(boot1[i]);
        out[i].st_conf = kZ975 * sd1(boott[i]);
    }
    return out;
}

} // namespace

SobolResult sobol_indices(const Design& d, const std::vector<double>& y, uint32_t resamples, uint64_t seed) {
    const size_t k = d.dims, per = k + 2;
    if (k == 0 || y.size() != d.rows() || y.size() % per != 0)
        throw std::invalid_argument("Sobol indices need one output per row of a Saltelli design (" +
                                    std::to_string(d.rows()) + " rows, " + std::to_string(y.size()) +
                                    " outputs)");
    SobolResult res;
    SobolData s;
    s.k = k;
    const size_t n = y.size() / per;
    double mean = 0;
    size_t count = 0;
    for (size_t j = 0; j < n; ++j) {
        const bool ok = std::all_of(y.begin() + long(j * per), y.begin() + long((j + 1) * per),
                                    [](double v) { return std::isfinite(v); });
        if (!ok) {
            ++res.dropped_rows;
            continue;
        }
        s.a.push_back(y[j * per]);
        for (size_t i = 0; i < k; ++i)
            s.ab.push_back(y[j * per + 1 + i]);
        s.b.push_back(y[j * per + k + 1]);
        for (size_t r = 0; r < per; ++r)
            mean += y[j * per + r];
        count += per;
    }
    res.used_rows = s.a.size();
    res.indices.assign(k, {});
    if (res.used_rows < 2)
        return res;
    // Centred by the mean of every usable row, as SALib standardises Y
    // (the scale cancels; the centre does not, in a finite sample).
    mean /= double(count);
    double spread = 0;
    for (auto* v : {&s.a, &s.b, &s.ab})
        for (double& x : *v) {
            x -= mean;
            spread = std::max(spread, std::abs(x));
        }
    if (!(spread > 0)) {
        res.constant = true;
        return res;
    }
    res.indices = with_intervals(s, res.used_rows, resamples, seed);
    for (size_t m = res.used_rows; m >= 16; m /= 2)
        res.convergence.push_back({m, with_intervals(s, m, resamples, seed)});
    return res;
}

MorrisResult morris_indices(const Design& d, const std::vector<double>& y, uint32_t levels,
                            uint32_t resamples, uint64_t seed) {
    const size_t k = d.dims, per = k + 1;
    if (k == 0 || y.size() != d.rows() || y.size() % per != 0)
        throw std::invalid_argument("Morris indices need one output per row of a Morris design (" +
                                    std::to_string(d.rows()) + " rows, " + std::to_string(y.size()) +
                                    " outputs)");
    const double delta = morris_delta(levels);
    const size_t trajectories = y.size() / per;
    std::vector<std::vector<double>> ee(k);
    MorrisResult res;
    for (size_t t = 0; t < trajectories; ++t) {
        const size_t r0 = t * per;
        if (!std::all_of(y.begin() + long(r0), y.begin() + long(r0 + per),
                         [](double v) { return std::isfinite(v); })) {
            ++res.dropped_trajectories;
            continue;
        }
        for (size_t r = 1; r < per; ++r)
            for (size_t i = 0; i < k; ++i) {
                const double dx = d.at(r0 + r, i) - d.at(r0 + r - 1, i);
                if (dx == 0)
                    continue;
                ee[i].push_back((y[r0 + r] - y[r0 + r - 1]) / delta * (dx > 0 ? 1 : -1));
            }
    }
    res.used_trajectories = trajectories - res.dropped_trajectories;
    res.indices.resize(k);
    for (size_t i = 0; i < k; ++i) {
        const auto& e = ee[i];
        if (e.empty()) {
            res.indices[i] = {kNaN, kNaN, kNaN, kNaN};
            continue;
        }
        MorrisIndex& m = res.indices[i];
        for (const double v : e) {
            m.mu += v;
            m.mu_star += std::abs(v);
        }
        m.mu /= double(e.size());
        m.mu_star /= double(e.size());
        m.sigma = sd1(e);
        if (resamples >= 2) {
            CounterRng rng(seed, Stream::Sweep, kMorrisBootStep, uint32_t(i));
            std::vector<double> boot;
            for (uint32_t b = 0; b < resamples; ++b) {
                double sum = 0;
                for (size_t j = 0; j < e.size(); ++j)
                    sum += std::abs(e[rng.below(uint32_t(e.size()))]);
                boot.push_back(sum / double(e.size()));
            }
            m.mu_star_conf = kZ975 * sd1(boot);
        }
    }
    return res;
}

std::vector<MainEffect> main_effects(const Design& d, const std::vector<uint32_t>& levels,
                                     const std::vector<double>& y) {
    if (levels.size() != d.dims || y.size() != d.rows())
        throw std::invalid_argument("main effects need one output per row of the factorial design");
    std::vector<MainEffect> out(d.dims);
    for (size_t i = 0; i < d.dims; ++i) {
        std::vector<double> sum(levels[i], 0);
        std::vector<size_t> count(levels[i], 0);
        for (size_t r = 0; r < y.size(); ++r)
            if (std::isfinite(y[r])) {
                const auto l = size_t(d.at(r, i));
                sum[l] += y[r];
                ++count[l];
            }
        double lo = std::numeric_limits<double>::infinity(), hi = -lo;
        for (size_t l = 0; l < levels[i]; ++l) {
            const double m = count[l] > 0 ? sum[l] / double(count[l]) : kNaN;
            out[i].level_means.push_back(m);
            if (std::isfinite(m)) {
                lo = std::min(lo, m);
                hi = std::max(hi, m);
            }
        }
        out[i].effect = hi >= lo ? hi - lo : kNaN;
    }
    return out;
}

ReplicateSplit split_replicates(const std::vector<double>& y, uint32_t replicates) {
    if (replicates == 0 || y.size() % replicates != 0)
        throw std::invalid_argument("outputs are not a whole number of replicates per point");
    ReplicateSplit out;
    const size_t points = y.size() / replicates;
    double all_sum = 0, within = 0;
    size_t all_n = 0;
    for (size_t p = 0; p < points; ++p) {
        double sum = 0;
        size_t n = 0;
        for (uint32_t r = 0; r < replicates; ++r)
            if (std::isfinite(y[p * replicates + r])) {
                sum += y[p * replicates + r];
                ++n;
            }
        const double m = n > 0 ? sum / double(n) : kNaN;
        for (uint32_t r = 0; r < replicates; ++r)
            if (std::isfinite(y[p * replicates + r]))
                within += (y[p * replicates + r] - m) * (y[p * replicates + r] - m);
        all_sum += sum;
        all_n += n;
        out.point_means.push_back(m);
    }
    if (all_n < 2 || replicates < 2)
        return out;
    const double grand = all_sum / double(all_n);
    double total = 0;
    for (const double x : y)
        if (std::isfinite(x))
            total += (x - grand) * (x - grand);
    out.seed_share = total > 0 ? within / total : 0;
    return out;
}

} // namespace icsim::sweep
