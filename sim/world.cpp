#include "sim/world.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

#include "sim/rng.hpp"

namespace icsim {

void World::move(ResidentId r, CellId to) {
    const CellId from = pop.cell[r];
    const size_t g = pop.group[r], G = groups.size();
    --group_count[size_t(from) * G + g];
    --total[from];
    ++group_count[size_t(to) * G + g];
    ++total[to];
    pop.cell[r] = to;
}

void World::recount() {
    const size_t G = groups.size();
    group_count.assign(size_t(grid.cells()) * G, 0);
    total.assign(size_t(grid.cells()), 0);
    for (size_t r = 0; r < pop.size(); ++r) {
        ++group_count[size_t(pop.cell[r]) * G + pop.group[r]];
        ++total[pop.cell[r]];
    }
}

// Group sizes summing exactly to n: floor of share x n, then the remaining
// residents to the largest remainders (ties to the lower group index).
static std::vector<size_t> apportion(const std::vector<GroupSpec>& groups, size_t n) {
    std::vector<size_t> sizes(groups.size());
    std::vector<double> remainder(groups.size());
    size_t assigned = 0;
    for (size_t g = 0; g < groups.size(); ++g) {
        const double exact = groups[g].share * double(n);
        sizes[g] = size_t(std::floor(exact));
        remainder[g] = exact - std::floor(exact);
        assigned += sizes[g];
    }
    std::vector<size_t> order(groups.size());
    std::iota(order.begin(), order.end(), size_t(0));
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return remainder[a] > remainder[b]; });
    for (size_t k = 0; assigned < n; k = (k + 1) % order.size(), ++assigned)
        ++sizes[order[k]];
    return sizes;
}

World build_world(const CityConfig& config, uint64_t seed) {
    const Grid& grid = config.grid;
    if (grid.width < 1 || grid.height < 1 || double(grid.width) * grid.height > 1e8)
        throw std::invalid_argument("city.width and city.height: expected integers with 1 <= width x height <= 1e8");
    if (grid.capacity < 1 || grid.capacity > 65535)
        throw std::invalid_argument("city.capacity: expected an integer in [1, 65535], found " +
                                    std::to_string(grid.capacity));
    if (!(config.occupancy > 0 && config.occupancy <= 1))
        throw std::invalid_argument("city.occupancy: expected a number in (0, 1]");
    if (config.groups.empty() || config.groups.size() > 255)
        throw std::invalid_argument("groups: expected between 1 and 255 groups, found " +
                                    std::to_string(config.groups.size()));
    double share_sum = 0;
    for (const auto& g : config.groups) {
        if (!(g.share > 0 && g.share <= 1))
            throw std::invalid_argument("groups." + g.name + ".share: expected a number in (0, 1]");
        if (!(g.tolerance >= 0 && g.tolerance <= 1))
            throw std::invalid_argument("groups." + g.name + ".tolerance: expected a number in [0, 1]");
        share_sum += g.share;
    }
    if (std::abs(share_sum - 1.0) > 1e-9)
        throw std::invalid_argument("groups: shares must sum to 1, found " + std::to_string(share_sum));
    const uint64_t dwellings = uint64_t(grid.cells()) * uint64_t(grid.capacity);
    if (dwellings > 0xFFFFFFF0ull)
        throw std::invalid_argument("city: more than 2^32 dwellings");

    World w;
    w.grid = grid;
    w.hoods = Neighbourhoods::paint(grid, config.neighbourhoods);
    w.groups = config.groups;
    const size_t n = size_t(std::llround(config.occupancy * double(dwellings)));

    // Choose n of the dwellings uniformly at random: a partial Fisher-Yates
    // shuffle driven by one sequential counter stream.
    std::vector<uint32_t> dwelling(dwellings);
    std::iota(dwelling.begin(), dwelling.end(), 0u);
    CounterRng rng(seed, Stream::Setup, 0, 0);
    for (size_t k = 0; k < n; ++k) {
        const size_t j = k + rng.below(uint32_t(dwellings - k));
        std::swap(dwelling[k], dwelling[j]);
    }
    const auto sizes = apportion(config.groups, n);
    w.pop.cell.resize(n);
    w.pop.group.resize(n);
    size_t r = 0;
    for (size_t g = 0; g < sizes.size(); ++g)
        for (size_t k = 0; k < sizes[g]; ++k, ++r) {
            w.pop.cell[r] = CellId(dwelling[r] / uint32_t(grid.capacity));
            w.pop.group[r] = uint8_t(g);
        }
    w.recount();
    return w;
}

}  // namespace icsim
