// Test functions of global sensitivity analysis as classic models, so that
// the estimators of `icsim analyse` can be checked end to end against their
// analytic indices: Ishigami & Homma (1990) and Sobol's G function (Saltelli
// & Sobol 1995). Deterministic: the seed is ignored.
#pragma once

#include <array>
#include <vector>

#include "models/classic/classic.hpp"
#include "sim/params.hpp"

namespace icsim::test_functions {

// f = sin x1 + a sin^2 x2 + b x3^4 sin x1, xi in [-pi, pi].
struct IshigamiParams {
    double x1 = 0, x2 = 0, x3 = 0;
    double a = 7, b = 0.1;
};
const std::vector<Field<IshigamiParams>>& ishigami_fields();
double ishigami(const IshigamiParams& p);

// f = prod_{i <= k} (|4 xi - 2| + ai) / (1 + ai), xi in [0, 1]; the
// coefficients default to SALib's (0, 1, 4.5, 9, 99, 99, 99, 99).
constexpr int kSobolGMaxDims = 8;
struct SobolGParams {
    int k = kSobolGMaxDims; // dimensions used: x1..xk
    double x1 = 0.5, x2 = 0.5, x3 = 0.5, x4 = 0.5, x5 = 0.5, x6 = 0.5, x7 = 0.5, x8 = 0.5;
    double a1 = 0, a2 = 1, a3 = 4.5, a4 = 9, a5 = 99, a6 = 99, a7 = 99, a8 = 99;
    std::array<double, kSobolGMaxDims> xs() const { return {x1, x2, x3, x4, x5, x6, x7, x8}; }
    std::array<double, kSobolGMaxDims> as() const { return {a1, a2, a3, a4, a5, a6, a7, a8}; }
};
const std::vector<Field<SobolGParams>>& sobol_g_fields();
double sobol_g(const SobolGParams& p);

// Analytic first-order and total indices of the G function over its first
// k coefficients (Saltelli et al. 2008, Global Sensitivity Analysis: The
// Primer, section 3.6).
struct Indices {
    std::vector<double> first, total;
};
Indices sobol_g_indices(const std::vector<double>& a);

} // namespace icsim::test_functions

namespace icsim {
ClassicModel ishigami_model();
ClassicModel sobol_g_model();
} // namespace icsim
