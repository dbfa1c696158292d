// The run state of a city: space, groups and residents, plus the occupancy
// counts that every spatial mechanism and metric reads.
//
// Population is a structure of arrays indexed by resident id. Ids are stable:
// a resident keeps its id for the whole run. (Arrivals append; departures,
// when a mechanism brings them, will recycle ids through a free list taken
// in increasing order, so that id assignment stays deterministic.)
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sim/grid.hpp"

namespace icsim {

using ResidentId = uint32_t;

struct GroupSpec {
    std::string name;
    double share = 0;      // share of the initial population, in (0, 1]
    double tolerance = 0;  // minimum share of same-group neighbours a member wants, in [0, 1]
};

struct CityConfig {
    Grid grid{100, 100, false, 4};
    double occupancy = 0.85;  // share of dwellings occupied at the start
    std::vector<NeighbourhoodSpec> neighbourhoods;
    std::vector<GroupSpec> groups;
};

struct Population {
    std::vector<CellId> cell;    // home cell
    std::vector<uint8_t> group;  // index into World::groups

    size_t size() const { return cell.size(); }
};

struct World {
    Grid grid;
    Neighbourhoods hoods;
    std::vector<GroupSpec> groups;
    Population pop;
    std::vector<uint16_t> group_count;  // residents of group g in cell c at [c * groups + g]
    std::vector<uint16_t> total;        // residents in cell c

    int group_total() const { return int(groups.size()); }
    uint16_t count(CellId c, int g) const { return group_count[size_t(c) * groups.size() + size_t(g)]; }
    // Moves resident r to cell `to`, keeping the counts in step. Not thread-safe.
    void move(ResidentId r, CellId to);
    // Recomputes the counts from the population (used by tests and checks).
    void recount();
};

// Builds the initial city: occupancy x dwellings residents, group sizes
// from the shares by largest remainder, homes drawn uniformly at random
// among dwellings (stream Setup). Throws std::invalid_argument on a config
// that cannot be built (the message says which field and why).
World build_world(const CityConfig& config, uint64_t seed);

}  // namespace icsim
