// Tests for sweep/analysis.cpp against the analytic indices of the Ishigami
// and G test functions (models/classic/test_functions.hpp), at the sample
// sizes and tolerances of SALib's own tests (tests/test_analyze_sobol.py,
// test_analyze_morris.py in SALib v1.5).
#include <cmath>
#include <numbers>

#include <doctest/doctest.h>

#include "models/classic/test_functions.hpp"
#include "sweep/analysis.hpp"

using namespace icsim;
using namespace icsim::sweep;
using namespace icsim::test_functions;

namespace {

constexpr double kPi = std::numbers::pi;

std::vector<double> ishigami_outputs(const Design& d) {
    std::vector<double> y;
    for (size_t r = 0; r < d.rows(); ++r) {
        IshigamiParams p;
        p.x1 = -kPi + 2 * kPi * d.at(r, 0);
        p.x2 = -kPi + 2 * kPi * d.at(r, 1);
        p.x3 = -kPi + 2 * kPi * d.at(r, 2);
        y.push_back(ishigami(p));
    }
    return y;
}

// Analytic indices (Ishigami & Homma 1990; V1 = (1 + b pi^4 / 5)^2 / 2,
// V2 = a^2 / 8, V13 = 8 b^2 pi^8 / 225).
struct Ref {
    double s1[3], st[3];
};
Ref ishigami_reference() {
    const double a = 7, b = 0.1;
    const double v1 = 0.5 * std::pow(1 + b * std::pow(kPi, 4) / 5, 2), v2 = a * a / 8,
                 v13 = 8 * b * b * std::pow(kPi, 8) / 225, v = v1 + v2 + v13;
    return {{v1 / v, v2 / v, 0}, {(v1 + v13) / v, v2 / v, v13 / v}};
}

} // namespace

TEST_SUITE("unit") {

    TEST_CASE("ishigami reference values are those of the literature") {
        const Ref r = ishigami_reference();
        CHECK(r.s1[0] == doctest::Approx(0.313905).epsilon(1e-5));
        CHECK(r.s1[1] == doctest::Approx(0.442411).epsilon(1e-5));
        CHECK(r.st[2] == doctest::Approx(0.243684).epsilon(1e-5));
    }

    TEST_CASE("sobol indices of Ishigami at N = 8192 within SALib's atol 0.05 + rtol 0.1, 0.02 at 2^15") {
        const Ref ref = ishigami_reference();
        for (const auto& [size, tol_abs, tol_rel] :
             {std::tuple{size_t(8192), 0.05, 0.1}, std::tuple{size_t(32768), 0.02, 0.0}}) {
            const size_t n = size;
            const Design d = saltelli(3, n);
            const SobolResult res = sobol_indices(d, ishigami_outputs(d), 100, 1);
            REQUIRE(res.indices.size() == 3);
            CHECK(res.used_rows == n);
            for (size_t i = 0; i < 3; ++i) {
                INFO("n = " << n << ", x" << i + 1 << ": S1 " << res.indices[i].s1 << ", ST "
                            << res.indices[i].st);
                CHECK(std::abs(res.indices[i].s1 - ref.s1[i]) <= tol_abs + tol_rel * ref.s1[i]);
                CHECK(std::abs(res.indices[i].st - ref.st[i]) <= tol_abs + tol_rel * ref.st[i]);
                // The intervals are neither degenerate nor wide at this size.
                CHECK(res.indices[i].s1_conf > 0);
                CHECK(res.indices[i].s1_conf < 0.1);
                CHECK(res.indices[i].st_conf > 0);
            }
            // Nested halves: n, n/2, ... down to 16 base rows.
            REQUIRE(!res.convergence.empty());
            CHECK(res.convergence.front().base_rows == n);
            CHECK(res.convergence.back().base_rows == 16);
            CHECK(res.convergence.front().indices[0].s1 == res.indices[0].s1);
        }
    }

    TEST_CASE("sobol indices of the G function a = (78, 12, 0.5, 2, 97, 33): S1 within 0.01 at N = 4096") {
        const std::vector<double> a = {78, 12, 0.5, 2, 97, 33};
        const Indices ref = sobol_g_indices(a);
        CHECK(ref.first[2] == doctest::Approx(0.7657).epsilon(1e-3));
        const Design d = saltelli(6, 4096);
        std::vector<double> y;
        for (size_t r = 0; r < d.rows(); ++r) {
            SobolGParams p;
            p.k = 6;
            p.x1 = d.at(r, 0), p.x2 = d.at(r, 1), p.x3 = d.at(r, 2);
            p.x4 = d.at(r, 3), p.x5 = d.at(r, 4), p.x6 = d.at(r, 5);
            p.a1 = a[0], p.a2 = a[1], p.a3 = a[2], p.a4 = a[3], p.a5 = a[4], p.a6 = a[5];
            y.push_back(sobol_g(p));
        }
        const SobolResult res = sobol_indices(d, y);
        for (size_t i = 0; i < 6; ++i) {
            INFO("x" << i + 1 << ": S1 " << res.indices[i].s1 << " vs " << ref.first[i]);
            CHECK(std::abs(res.indices[i].s1 - ref.first[i]) <= 0.01);
            CHECK(std::abs(res.indices[i].st - ref.total[i]) <= 0.02);
        }
    }

    TEST_CASE("sobol indices of a constant output are 0 with intervals 0; missing rows are dropped") {
        const Design d = saltelli(2, 64);
        std::vector<double> y(d.rows(), 3.0);
        const SobolResult c = sobol_indices(d, y);
        CHECK(c.constant);
        for (const auto& s : c.indices) {
            CHECK(s.s1 == 0);
            CHECK(s.st == 0);
            CHECK(s.s1_conf == 0);
        }
        y = ishigami_outputs(saltelli(3, 64));
        y[5] = NAN; // base row 1
        const SobolResult m = sobol_indices(saltelli(3, 64), y);
        CHECK(m.dropped_rows == 1);
        CHECK(m.used_rows == 63);
        CHECK_THROWS(sobol_indices(d, std::vector<double>(d.rows() - 1, 1.0)));
    }

    TEST_CASE("morris on Ishigami, 4 levels: mu* within 2 % of the exact expectation at r = 10000") {
        // Exact expectations over the grid (ensembles reference): mu* = 7.7041, 7.8750, 6.2488.
        const Design d = morris(3, 10000, 4, 5);
        const MorrisResult res = morris_indices(d, ishigami_outputs(d), 4);
        const double mu_star[3] = {7.7041, 7.8750, 6.2488};
        for (size_t i = 0; i < 3; ++i) {
            INFO("x" << i + 1 << ": mu* " << res.indices[i].mu_star);
            CHECK(std::abs(res.indices[i].mu_star - mu_star[i]) <= 0.02 * mu_star[i]);
            CHECK(res.indices[i].mu_star_conf > 0);
        }
        // Every elementary effect of x2 is +-7.875 exactly.
        CHECK(res.indices[1].mu_star == doctest::Approx(7.875).epsilon(1e-9));
    }

    TEST_CASE("morris on a linear function: mu = mu* = coefficient x range, sigma = 0") {
        // f = 2 x1 - 3 x2 + 0.5 x3 on the unit cube: each EE equals the coefficient.
        const Design d = morris(3, 50, 6, 2);
        std::vector<double> y;
        for (size_t r = 0; r < d.rows(); ++r)
            y.push_back(2 * d.at(r, 0) - 3 * d.at(r, 1) + 0.5 * d.at(r, 2));
        const MorrisResult res = morris_indices(d, y, 6);
        const double c[3] = {2, -3, 0.5};
        for (size_t i = 0; i < 3; ++i) {
            CHECK(res.indices[i].mu == doctest::Approx(c[i]).epsilon(1e-12));
            CHECK(res.indices[i].mu_star == doctest::Approx(std::abs(c[i])).epsilon(1e-12));
            CHECK(res.indices[i].sigma == doctest::Approx(0).epsilon(1e-9));
        }
    }

    TEST_CASE("factorial main effects are the level means' range") {
        const Design d = factorial({2, 3});
        std::vector<double> y;
        for (size_t r = 0; r < d.rows(); ++r)
            y.push_back(10 * d.at(r, 0) + d.at(r, 1)); // additive
        const auto e = main_effects(d, {2, 3}, y);
        CHECK(e[0].effect == doctest::Approx(10));
        CHECK(e[1].effect == doctest::Approx(2));
        CHECK(e[1].level_means[0] == doctest::Approx(5));
    }

    TEST_CASE("replicates: the seed share is the within-point variance over the total") {
        // Two points, means 0 and 10, replicates +-1 around them.
        const std::vector<double> y = {-1, 1, 9, 11};
        const ReplicateSplit s = split_replicates(y, 2);
        CHECK(s.point_means == std::vector<double>{0, 10});
        // Sums of squares: within 1 + 1 + 1 + 1 = 4; total 36 + 16 + 16 + 36 = 104.
        CHECK(s.seed_share == doctest::Approx(4.0 / 104.0));
        CHECK(split_replicates({0, 2, 0, 2}, 2).seed_share == doctest::Approx(1.0)); // all noise
        CHECK(split_replicates({1, 1, 5, 5}, 2).seed_share == 0);
        CHECK_THROWS(split_replicates({1, 2, 3}, 2));
    }
}
