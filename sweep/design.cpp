#include "sweep/design.hpp"

#include <cmath>
#include <numeric>
#include <stdexcept>
#include <string>

#include <boost/random/sobol.hpp>

#include "sim/rng.hpp"

namespace icsim::sweep {

namespace {

// Draw streams of the designs: Stream::Sweep with these as the step.
constexpr uint32_t kLhsStep = 1, kMorrisStep = 2;

void plain_roles(Design& d) {
    const size_t n = d.rows();
    d.group.resize(n);
    std::iota(d.group.begin(), d.group.end(), 0u);
    d.role.assign(n, 0);
}

} // namespace

Design sobol(uint32_t dims, size_t n) {
    if (dims < 1 || dims > 3667)
        throw std::invalid_argument("a Sobol' sequence needs 1 to 3667 dimensions, not " +
                                    std::to_string(dims));
    // Boost's engine starts after the origin and yields the coordinates of
    // one point after another as 64-bit integers: x / 2^64 is exact.
    boost::random::sobol engine(dims);
    Design d;
    d.dims = dims;
    d.unit.resize(n * dims);
    for (auto& v : d.unit)
        v = std::ldexp(double(engine()), -64);
    plain_roles(d);
    return d;
}

Design latin_hypercube(uint32_t dims, size_t n, uint64_t seed) {
    Design d;
    d.dims = dims;
    d.unit.resize(n * dims);
    for (uint32_t j = 0; j < dims; ++j) {
        CounterRng rng(seed, Stream::Sweep, kLhsStep, j);
        std::vector<uint32_t> perm(n);
        std::iota(perm.begin(), perm.end(), 0u);
        for (size_t i = n; i > 1; --i) // Fisher-Yates
            std::swap(perm[i - 1], perm[rng.below(uint32_t(i))]);
        for (size_t i = 0; i < n; ++i)
            d.unit[i * dims + j] = (double(perm[i]) + rng.uniform()) / double(n);
    }
    plain_roles(d);
    return d;
}

Design factorial(const std::vector<uint32_t>& levels) {
    Design d;
    d.dims = uint32_t(levels.size());
    size_t n = 1;
    for (const uint32_t l : levels) {
        if (l == 0)
            throw std::invalid_argument("a factorial dimension needs at least one level");
        n *= l;
    }
    d.unit.resize(n * d.dims);
    for (size_t i = 0; i < n; ++i) {
        size_t rest = i;
        for (size_t j = d.dims; j-- > 0;) {
            d.unit[i * d.dims + j] = double(rest % levels[j]);
            rest /= levels[j];
        }
    }
    plain_roles(d);
    return d;
}

Design saltelli(uint32_t dims, size_t n) {
    const Design base = sobol(2 * dims, n);
    Design d;
    d.dims = dims;
    d.unit.reserve(n * (dims + 2) * dims);
    for (size_t j = 0; j < n; ++j) {
        const double* a = &base.unit[j * 2 * dims];
        const double* b = a + dims;
        for (uint32_t r = 0; r < dims + 2; ++r) {
            for (uint32_t i = 0; i < dims; ++i) {
                const bool from_b = r == dims + 1 || (r >= 1 && r <= dims && i == r - 1);
                d.unit.push_back(from_b ? b[i] : a[i]);
            }
            d.group.push_back(uint32_t(j));
            d.role.push_back(r);
        }
    }
    return d;
}

double morris_delta(uint32_t levels) {
    return double(levels) / (2.0 * double(levels - 1));
}

Design morris(uint32_t dims, size_t trajectories, uint32_t levels, uint64_t seed) {
    if (levels < 2 || levels % 2 != 0)
        throw std::invalid_argument("Morris levels must be an even number >= 2, not " +
                                    std::to_string(levels));
    const double delta = morris_delta(levels);
    // Grid starts x* in {0, 1/(p-1), ..., 1 - delta}: p/2 choices.
    const uint32_t starts = levels / 2;
    Design d;
    d.dims = dims;
    d.unit.reserve(trajectories * (dims + 1) * dims);
    for (size_t t = 0; t < trajectories; ++t) {
        CounterRng rng(seed, Stream::Sweep, kMorrisStep, uint32_t(t));
        std::vector<double> x(dims);
        std::vector<int> dir(dims);
        for (uint32_t i = 0; i < dims; ++i) {
            const double x_star = double(rng.below(starts)) / double(levels - 1);
            dir[i] = rng.below(2) == 0 ? -1 : 1;
            // As SALib's B* = x* + delta/2 ((2B - J) D* + J): a factor moving
            // down starts delta above x*.
            x[i] = dir[i] > 0 ? x_star : x_star + delta;
        }
        std::vector<uint32_t> order(dims);
        std::iota(order.begin(), order.end(), 0u);
        for (size_t i = dims; i > 1; --i)
            std::swap(order[i - 1], order[rng.below(uint32_t(i))]);
        for (uint32_t r = 0; r <= dims; ++r) {
            if (r > 0) {
                const uint32_t i = order[r - 1];
                x[i] += dir[i] * delta;
            }
            d.unit.insert(d.unit.end(), x.begin(), x.end());
            d.group.push_back(uint32_t(t));
            d.role.push_back(r);
        }
    }
    return d;
}

} // namespace icsim::sweep
