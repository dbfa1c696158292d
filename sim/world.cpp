#include "sim/world.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>
#include <type_traits>

#include <oneapi/tbb/parallel_sort.h>

#include "sim/parallel.hpp"
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
    hood[r] = hoods.of_cell[to];
}

std::vector<uint32_t> World::hood_group_counts() const {
    const size_t G = groups.size(), H = size_t(hoods.count());
    struct Counts {
        std::vector<uint32_t> n; // empty: all 0
        Counts& operator+=(const Counts& o) {
            if (n.empty())
                n = o.n;
            else
                for (size_t i = 0; i < o.n.size(); ++i)
                    n[i] += o.n[i];
            return *this;
        }
    };
    Counts all = deterministic_block_sum<Counts>(total.size(), [&](size_t begin, size_t end) {
        Counts b{std::vector<uint32_t>(H * G, 0)};
        for (size_t c = begin; c < end; ++c) {
            uint32_t* const row = &b.n[size_t(hoods.of_cell[c]) * G];
            for (size_t g = 0; g < G; ++g)
                row[g] += group_count[c * G + g];
        }
        return b;
    });
    all.n.resize(H * G, 0); // a city of no cells
    return std::move(all.n);
}

void World::recount() {
    const size_t G = groups.size();
    group_count.assign(size_t(grid.cells()) * G, 0);
    total.assign(size_t(grid.cells()), 0);
    hood.resize(pop.size());
    vacancies = 0;
    for (size_t r = 0; r < pop.size(); ++r) {
        if (pop.vacant(r)) {
            hood[r] = 0;
            ++vacancies;
            continue;
        }
        ++group_count[size_t(pop.cell[r]) * G + pop.group[r]];
        ++total[pop.cell[r]];
        hood[r] = pop.cell[r] < hoods.of_cell.size() ? hoods.of_cell[pop.cell[r]] : 0;
    }
}

void Population::add_declared() {
    const auto& decls = declared_columns();
    for (size_t k = declared_.size(); k < decls.size(); ++k)
        switch (decls[k].type) {
        case ColumnType::U8:
            declared_.emplace_back(std::vector<uint8_t>());
            break;
        case ColumnType::U32:
            declared_.emplace_back(std::vector<uint32_t>());
            break;
        case ColumnType::F32:
            declared_.emplace_back(std::vector<float>());
            break;
        }
}

Population::AnyColumn& Population::declared_at(uint32_t index) {
    if (index >= declared_.size())
        throw std::logic_error(
            "resident column " +
            (index < declared_columns().size() ? declared_columns()[index].name : std::to_string(index)) +
            " was declared after this population was made");
    return declared_[index];
}

void Population::resize_state(size_t n) {
    add_declared();
    for_each_declared([&](const ColumnDecl& d, auto& column) {
        using T = typename std::decay_t<decltype(column)>::value_type;
        const size_t old = column.size();
        column.resize(n, T(d.initial));
        if constexpr (std::is_same_v<T, float>)
            if (!d.initial_from.empty()) {
                const std::vector<float>& from = trait(d.initial_from);
                for (size_t r = old; r < std::min(n, from.size()); ++r)
                    column[r] = from[r];
            }
    });
    workplace.resize(n, kNoPlace);
}

const std::vector<float>& Population::trait(const std::string& name) const {
    if (name == "tolerance")
        return tolerance;
    if (name == "language")
        return language;
    if (name == "skill")
        return skill;
    if (name == "prejudice")
        return prejudice;
    throw std::logic_error("initial_from " + name + ": not a built-in float column");
}

void Population::derive_initial(size_t r) {
    for_each_declared([&](const ColumnDecl& d, auto& column) {
        using T = typename std::decay_t<decltype(column)>::value_type;
        if constexpr (std::is_same_v<T, float>)
            if (!d.initial_from.empty())
                column[r] = trait(d.initial_from)[r];
    });
}

void Population::clear_slot(size_t r) {
    for_each_declared([&](const ColumnDecl& d, auto& column) {
        using T = typename std::decay_t<decltype(column)>::value_type;
        column[r] = T(d.initial);
    });
    cell[r] = kNoCell;
    group[r] = 0;
    tolerance[r] = language[r] = skill[r] = prejudice[r] = 0.0f;
    workplace[r] = kNoPlace;
}

void restore_population(World& w, Population pop) {
    const size_t n = pop.cell.size();
    pop.for_each_column([&](const char* name, const auto& column) {
        if (column.size() != n)
            throw std::invalid_argument(std::string("saved population: column ") + name + " holds " +
                                        std::to_string(column.size()) + " rows for " + std::to_string(n) +
                                        " residents");
    });
    const CellId cells = CellId(w.grid.cells());
    for (size_t r = 0; r < n; ++r) {
        if (pop.vacant(r))
            continue;
        if (pop.cell[r] >= cells)
            throw std::invalid_argument("saved population: resident " + std::to_string(r) +
                                        " lives in cell " + std::to_string(pop.cell[r]) +
                                        ", outside the grid");
        if (pop.group[r] >= w.groups.size())
            throw std::invalid_argument("saved population: resident " + std::to_string(r) + " has group " +
                                        std::to_string(pop.group[r]) + ", not one of the city's groups");
    }
    pop.for_each_declared([&](const ColumnDecl& d, const auto& column) {
        if constexpr (std::is_same_v<typename std::decay_t<decltype(column)>::value_type, uint32_t>)
            if (d.resident_ref)
                for (size_t r = 0; r < n; ++r)
                    if (column[r] != kNoResident && (column[r] >= n || pop.vacant(column[r])))
                        throw std::invalid_argument("saved population: resident " + std::to_string(r) +
                                                    "'s " + d.name + " names resident " +
                                                    std::to_string(column[r]) + ", who does not exist");
    });
    for (size_t r = 0; r < n; ++r)
        if (pop.workplace[r] != kNoPlace && pop.workplace[r] >= w.places.size())
            throw std::invalid_argument("saved population: resident " + std::to_string(r) +
                                        " works at place " + std::to_string(pop.workplace[r]) +
                                        ", not one of the city's places");
    std::vector<uint32_t> occupancy(cells, 0);
    for (size_t r = 0; r < n; ++r)
        if (!pop.vacant(r) && ++occupancy[pop.cell[r]] > uint32_t(w.grid.capacity))
            throw std::invalid_argument("saved population: cell " + std::to_string(pop.cell[r]) +
                                        " holds more residents than its capacity");
    w.pop = std::move(pop);
    w.recount();
}

void arrange_residents(World& w) {
    const size_t n = w.pop.size();
    if (n >= size_t(kNoResident))
        throw std::invalid_argument("arrange_residents: too many residents for 32-bit ids");
    // The sort key in two words: (group, workplace, neighbourhood), then
    // (cell, old id); the old id makes every key distinct, so the order is
    // the same whatever the sort's partition.
    struct Key {
        uint64_t hi, lo;
        bool operator<(const Key& o) const { return hi != o.hi ? hi < o.hi : lo < o.lo; }
    };
    MappedVector<Key> key(n);
    parallel_for_index(n, [&](size_t r) {
        key[r] = {uint64_t(w.pop.group[r]) << 48 | uint64_t(w.pop.workplace[r]) << 16 | w.hood[r],
                  uint64_t(w.pop.cell[r]) << 32 | uint64_t(r)};
    });
    oneapi::tbb::parallel_sort(key.begin(), key.end());
    // key[i].lo's low half: the old id of new resident i.
    MappedVector<uint32_t> new_id(n);
    parallel_for_index(n, [&](size_t i) { new_id[uint32_t(key[i].lo)] = uint32_t(i); });
    w.pop.for_each_column([&](const char*, auto& column) {
        using T = typename std::decay_t<decltype(column)>::value_type;
        const MappedVector<T> old(column.begin(), column.end());
        parallel_for_index(n, [&](size_t i) { column[i] = old[uint32_t(key[i].lo)]; });
    });
    auto rename = [&](std::vector<uint32_t>& ids) {
        parallel_for_index(n, [&](size_t i) {
            if (ids[i] != kNoResident)
                ids[i] = new_id[ids[i]];
        });
    };
    w.pop.for_each_declared([&](const ColumnDecl& d, auto& column) {
        if constexpr (std::is_same_v<typename std::decay_t<decltype(column)>::value_type, uint32_t>)
            if (d.resident_ref)
                rename(column);
    });
    w.recount();
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
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return remainder[a] > remainder[b]; });
    for (size_t k = 0; assigned < n; k = (k + 1) % order.size(), ++assigned)
        ++sizes[order[k]];
    return sizes;
}

static Neighbourhoods build_neighbourhoods(const CityConfig& config, uint64_t seed) {
    const Grid& grid = config.grid;
    switch (config.layout) {
    case Layout::Rectangles:
        break;
    case Layout::Voronoi: {
        std::vector<std::string> names;
        std::vector<std::pair<double, double>> centres;
        CounterRng rng(seed, Stream::Setup, 3, 0);
        for (const auto& h : config.neighbourhoods) {
            names.push_back(h.name);
            const double x = rng.uniform() * grid.width, y = rng.uniform() * grid.height;
            centres.emplace_back(x, y);
        }
        return Neighbourhoods::voronoi(grid, names, centres);
    }
    case Layout::Raster: {
        if (config.raster.size() != size_t(grid.cells()))
            throw std::invalid_argument("city.raster: expected one neighbourhood per cell");
        Neighbourhoods n;
        for (const auto& h : config.neighbourhoods)
            n.names.push_back(h.name);
        for (uint16_t v : config.raster)
            if (v >= n.names.size())
                throw std::invalid_argument("city.raster: neighbourhood index out of range");
        n.of_cell = config.raster;
        return n;
    }
    }
    return Neighbourhoods::paint(grid, config.neighbourhoods);
}

World build_world(const CityConfig& config, uint64_t seed) {
    const Grid& grid = config.grid;
    if (grid.width < 1 || grid.height < 1 || double(grid.width) * grid.height > 1e8)
        throw std::invalid_argument(
            "city.width and city.height: expected integers with 1 <= width x height <= 1e8");
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
    w.hoods = build_neighbourhoods(config, seed);
    w.hoods.rent_level.assign(size_t(w.hoods.count()), NeighbourhoodSpec{}.rent_level);
    w.hoods.social_housing_share.assign(size_t(w.hoods.count()), NeighbourhoodSpec{}.social_housing_share);
    for (size_t h = 0; h < std::min(config.neighbourhoods.size(), size_t(w.hoods.count())); ++h) {
        w.hoods.rent_level[h] = config.neighbourhoods[h].rent_level;
        w.hoods.social_housing_share[h] = config.neighbourhoods[h].social_housing_share;
    }
    w.groups = config.groups;
    w.organisations = config.organisations;
    const size_t n = size_t(std::llround(config.occupancy * double(dwellings)));
    const auto sizes = apportion(config.groups, n);
    for (const auto& g : config.groups)
        for (int h : g.home_neighbourhoods)
            if (h < 0 || h >= w.hoods.count())
                throw std::invalid_argument("groups." + g.name + ".home_neighbourhoods: no neighbourhood " +
                                            std::to_string(h));
    for (const auto& o : config.organisations)
        if (o.neighbourhood < 0 || o.neighbourhood >= w.hoods.count())
            throw std::invalid_argument("organisations." + o.name + ".neighbourhood: no such neighbourhood");

    // Homes. One sequential counter stream (Setup, step 0) drives partial
    // Fisher-Yates shuffles: first over the free dwellings of each clustered
    // group's home neighbourhoods, then over all dwellings still free.
    w.pop.cell.assign(n, 0);
    w.pop.group.resize(n);
    std::vector<uint8_t> taken(dwellings, 0), placed(n, 0);
    CounterRng rng(seed, Stream::Setup, 0, 0);
    auto choose = [&](std::vector<uint32_t>& pool, size_t k) {
        for (size_t i = 0; i < k; ++i)
            std::swap(pool[i], pool[i + rng.below(uint32_t(pool.size() - i))]);
    };
    size_t offset = 0;
    for (size_t g = 0; g < sizes.size(); ++g) {
        for (size_t k = 0; k < sizes[g]; ++k)
            w.pop.group[offset + k] = uint8_t(g);
        const GroupSpec& spec = config.groups[g];
        if (spec.pattern == InitialPattern::Clustered && !spec.home_neighbourhoods.empty()) {
            std::vector<uint8_t> home(size_t(w.hoods.count()), 0);
            for (int h : spec.home_neighbourhoods)
                home[size_t(h)] = 1;
            std::vector<uint32_t> pool;
            for (uint32_t d = 0; d < dwellings; ++d)
                if (!taken[d] && home[w.hoods.of_cell[d / uint32_t(grid.capacity)]])
                    pool.push_back(d);
            const size_t k = size_t(std::llround(spec.concentration * double(sizes[g])));
            if (k > pool.size())
                throw std::invalid_argument(
                    "groups." + spec.name + ".concentration: the home neighbourhoods have " +
                    std::to_string(pool.size()) + " free dwellings for " + std::to_string(k) + " members");
            choose(pool, k);
            for (size_t i = 0; i < k; ++i) {
                taken[pool[i]] = 1;
                placed[offset + i] = 1;
                w.pop.cell[offset + i] = CellId(pool[i] / uint32_t(grid.capacity));
            }
        }
        offset += sizes[g];
    }
    std::vector<uint32_t> pool;
    pool.reserve(dwellings);
    for (uint32_t d = 0; d < dwellings; ++d)
        if (!taken[d])
            pool.push_back(d);
    size_t left = 0;
    for (uint8_t p : placed)
        left += !p;
    choose(pool, left);
    for (size_t r = 0, next = 0; r < n; ++r)
        if (!placed[r])
            w.pop.cell[r] = CellId(pool[next++] / uint32_t(grid.capacity));

    // Attributes: each resident's own draws (Setup, step 1, id), so they
    // can be drawn in any order.
    w.pop.tolerance.resize(n);
    w.pop.language.resize(n);
    w.pop.skill.resize(n);
    w.pop.prejudice.resize(n);
    parallel_for_index(n, [&](size_t r) {
        const GroupSpec& g = config.groups[w.pop.group[r]];
        CounterRng a(seed, Stream::Setup, 1, uint32_t(r));
        auto draw = [&](double mean, double sd) {
            if (sd == 0)
                return float(mean);
            // Box-Muller; 1 - u keeps the logarithm finite.
            const double u1 = 1.0 - a.uniform(), u2 = a.uniform();
            const double z = std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
            return float(std::clamp(mean + sd * z, 0.0, 1.0));
        };
        w.pop.tolerance[r] = draw(g.tolerance, g.tolerance_sd);
        w.pop.language[r] = draw(g.language.mean, g.language.sd);
        w.pop.skill[r] = draw(g.skill.mean, g.skill.sd);
        w.pop.prejudice[r] = draw(g.prejudice.mean, g.prejudice.sd);
    });
    w.pop.resize_state(n);

    // Places: explicit cells, or `count` cells drawn in the neighbourhood
    // (Setup, step 2, spec index).
    for (size_t k = 0; k < config.places.size(); ++k) {
        const PlaceSpec& p = config.places[k];
        if (p.neighbourhood < 0 || p.neighbourhood >= w.hoods.count())
            throw std::invalid_argument("places." + p.name + ".neighbourhood: no such neighbourhood");
        if (!p.cells.empty()) {
            for (const auto& [x, y] : p.cells) {
                if (x < 0 || y < 0 || x >= grid.width || y >= grid.height)
                    throw std::invalid_argument("places." + p.name + ".cells: (" + std::to_string(x) + ", " +
                                                std::to_string(y) + ") lies outside the grid");
                w.places.push_back({p.kind, grid.cell(x, y), p.capacity, uint16_t(k)});
            }
            continue;
        }
        std::vector<CellId> cells;
        for (CellId c = 0; c < CellId(grid.cells()); ++c)
            if (w.hoods.of_cell[c] == p.neighbourhood)
                cells.push_back(c);
        if (cells.empty())
            throw std::invalid_argument("places." + p.name + ".neighbourhood: '" +
                                        w.hoods.names[size_t(p.neighbourhood)] +
                                        "' has no cells (covered by other rectangles, or an empty region)");
        CounterRng pr(seed, Stream::Setup, 2, uint32_t(k));
        for (int i = 0; i < p.count; ++i)
            w.places.push_back({p.kind, cells[pr.below(uint32_t(cells.size()))], p.capacity, uint16_t(k)});
    }
    w.recount();
    return w;
}

} // namespace icsim
