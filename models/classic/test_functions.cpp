// Ishigami and Sobol G as classic models (models/classic/test_functions.hpp).
#include "models/classic/test_functions.hpp"

#include <cmath>
#include <numbers>

namespace icsim::test_functions {

const std::vector<Field<IshigamiParams>>& ishigami_fields() {
    constexpr double pi = std::numbers::pi;
    static const std::vector<Field<IshigamiParams>> f = {
        {"x1", &IshigamiParams::x1, -pi, pi, "", "first input, uniform on [-pi, pi] in the usual study"},
        {"x2", &IshigamiParams::x2, -pi, pi, "", "second input (enters as a sin^2 x2)"},
        {"x3", &IshigamiParams::x3, -pi, pi, "", "third input (only through its interaction with x1)"},
        {"a", &IshigamiParams::a, -1e6, 1e6, "", "coefficient of sin^2 x2"},
        {"b", &IshigamiParams::b, -1e6, 1e6, "", "coefficient of x3^4 sin x1"},
    };
    return f;
}

double ishigami(const IshigamiParams& p) {
    const double s1 = std::sin(p.x1), s2 = std::sin(p.x2);
    return s1 + p.a * s2 * s2 + p.b * std::pow(p.x3, 4) * s1;
}

const std::vector<Field<SobolGParams>>& sobol_g_fields() {
    using P = SobolGParams;
    static const std::vector<Field<P>> f = {
        {"k", &P::k, 1, kSobolGMaxDims, "", "dimensions: the product runs over x1..xk"},
        {"x1", &P::x1, 0, 1, "", "input 1"},
        {"x2", &P::x2, 0, 1, "", "input 2"},
        {"x3", &P::x3, 0, 1, "", "input 3"},
        {"x4", &P::x4, 0, 1, "", "input 4"},
        {"x5", &P::x5, 0, 1, "", "input 5"},
        {"x6", &P::x6, 0, 1, "", "input 6"},
        {"x7", &P::x7, 0, 1, "", "input 7"},
        {"x8", &P::x8, 0, 1, "", "input 8"},
        {"a1", &P::a1, 0, 1e9, "", "coefficient of input 1 (small: important)"},
        {"a2", &P::a2, 0, 1e9, "", "coefficient of input 2"},
        {"a3", &P::a3, 0, 1e9, "", "coefficient of input 3"},
        {"a4", &P::a4, 0, 1e9, "", "coefficient of input 4"},
        {"a5", &P::a5, 0, 1e9, "", "coefficient of input 5"},
        {"a6", &P::a6, 0, 1e9, "", "coefficient of input 6"},
        {"a7", &P::a7, 0, 1e9, "", "coefficient of input 7"},
        {"a8", &P::a8, 0, 1e9, "", "coefficient of input 8"},
    };
    return f;
}

double sobol_g(const SobolGParams& p) {
    const auto x = p.xs(), a = p.as();
    double y = 1;
    for (int i = 0; i < p.k; ++i)
        y *= (std::abs(4 * x[size_t(i)] - 2) + a[size_t(i)]) / (1 + a[size_t(i)]);
    return y;
}

Indices sobol_g_indices(const std::vector<double>& a) {
    // V_i = 1 / (3 (1 + a_i)^2); V = prod (1 + V_i) - 1;
    // S_i = V_i / V; ST_i = V_i prod_{j != i} (1 + V_j) / V.
    std::vector<double> v;
    double prod = 1;
    for (const double ai : a) {
        v.push_back(1.0 / (3.0 * (1 + ai) * (1 + ai)));
        prod *= 1 + v.back();
    }
    const double var = prod - 1;
    Indices out;
    for (const double vi : v) {
        out.first.push_back(vi / var);
        out.total.push_back(vi * prod / (1 + vi) / var);
    }
    return out;
}

namespace {

MetricValues run_ishigami(const IshigamiParams& p, uint64_t) {
    return {{"y", ishigami(p)}};
}

MetricValues run_sobol_g(const SobolGParams& p, uint64_t) {
    return {{"y", sobol_g(p)}};
}

} // namespace

} // namespace icsim::test_functions

namespace icsim {

ClassicModel ishigami_model() {
    return make_classic_model<test_functions::IshigamiParams>(
        "ishigami", "Ishigami test function for sensitivity analysis (Ishigami & Homma 1990)",
        test_functions::ishigami_fields, test_functions::run_ishigami);
}

ClassicModel sobol_g_model() {
    return make_classic_model<test_functions::SobolGParams>(
        "sobol-g", "Sobol' G test function for sensitivity analysis (Saltelli & Sobol 1995)",
        test_functions::sobol_g_fields, test_functions::run_sobol_g);
}

} // namespace icsim
