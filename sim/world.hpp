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

// A resident attribute drawn from a normal distribution clipped to [0, 1].
struct Distribution {
    double mean = 0;
    double sd = 0;
};

enum class InitialPattern : uint8_t {
    Random,    // homes drawn uniformly among all dwellings
    Clustered, // a share `concentration` of the group lives in its home neighbourhoods
};

struct GroupSpec {
    std::string name;
    double share = 0;                 // share of the initial population, in (0, 1]
    double tolerance = 0;             // mean minimum share of same-group neighbours a member wants, in [0, 1]
    double tolerance_sd = 0;          // spread of tolerance across members
    double arrival_rate = 0;          // arrivals per year (residents); used by the migration mechanism
    Distribution language{1.0, 0.0};  // proficiency in the city's main language, 0-1
    Distribution skill{0.5, 0.2};     // labour-market skill, 0-1
    Distribution prejudice{0.3, 0.1}; // initial prejudice towards out-groups, 0-1
    InitialPattern pattern = InitialPattern::Random;
    std::vector<int> home_neighbourhoods; // for Clustered: neighbourhood indices
    double concentration = 0;             // for Clustered: share of members placed there
};

enum class PlaceKind : uint8_t { Workplace, School, PublicSpace, CommunityCentre };

// Places generated from a spec: `count` places at random cells of a
// neighbourhood, or one place at each listed cell.
struct PlaceSpec {
    std::string name;
    PlaceKind kind = PlaceKind::Workplace;
    int neighbourhood = 0;
    int count = 1;
    int capacity = 50;
    std::vector<std::pair<int, int>> cells; // explicit (x, y); overrides count
};

struct Place {
    PlaceKind kind;
    CellId cell;
    int capacity;
    uint16_t spec; // index into CityConfig::places
};

enum class OrganisationKind : uint8_t { Ngo, MigrantLed, CityService };

// A civil-society organisation or city service that delivers programmes.
struct OrganisationSpec {
    std::string name;
    OrganisationKind kind = OrganisationKind::Ngo;
    int neighbourhood = 0;
    int capacity = 100; // residents reached per step
    double budget = 0;  // per year, in the scenario's currency
};

enum class Layout : uint8_t {
    Rectangles, // each neighbourhood is its rectangle (later ones win overlaps)
    Voronoi,    // neighbourhoods are the Voronoi regions of random centres
    Raster,     // neighbourhood index per cell given explicitly
};

struct CityConfig {
    Grid grid{100, 100, false, 4};
    double occupancy = 0.85; // share of dwellings occupied at the start
    Layout layout = Layout::Rectangles;
    std::vector<NeighbourhoodSpec> neighbourhoods;
    std::vector<uint16_t> raster; // Layout::Raster: neighbourhood index per cell
    std::vector<GroupSpec> groups;
    std::vector<PlaceSpec> places;
    std::vector<OrganisationSpec> organisations;
};

struct Population {
    std::vector<CellId> cell;     // home cell
    std::vector<uint8_t> group;   // index into World::groups
    std::vector<float> tolerance; // minimum same-group share wanted around home
    std::vector<float> language;  // 0-1
    std::vector<float> skill;     // 0-1
    std::vector<float> prejudice; // 0-1, towards out-groups

    size_t size() const { return cell.size(); }
};

struct World {
    Grid grid;
    Neighbourhoods hoods;
    std::vector<GroupSpec> groups;
    Population pop;
    std::vector<Place> places;
    std::vector<OrganisationSpec> organisations;
    std::vector<uint16_t> group_count; // residents of group g in cell c at [c * groups + g]
    std::vector<uint16_t> total;       // residents in cell c

    int group_total() const { return int(groups.size()); }
    uint16_t count(CellId c, int g) const { return group_count[size_t(c) * groups.size() + size_t(g)]; }
    // Moves resident r to cell `to`, keeping the counts in step. Not thread-safe.
    void move(ResidentId r, CellId to);
    // Recomputes the counts from the population (used by tests and checks).
    void recount();
};

// Builds the initial city: occupancy x dwellings residents, group sizes
// from the shares by largest remainder; members of Clustered groups first
// take random free dwellings in their home neighbourhoods, then everyone
// else takes dwellings drawn uniformly among those left (stream Setup);
// attributes are drawn per resident from the group's distributions.
// Throws std::invalid_argument on a config that cannot be built (the
// message says which field and why).
World build_world(const CityConfig& config, uint64_t seed);

// Replaces the population of `world` (built from the same city) by a saved
// one -- a checkpoint -- and recounts. Throws std::invalid_argument, naming
// the problem, when the columns differ in length or a resident's cell,
// group or a cell's occupancy is out of range (a damaged or foreign state).
void restore_population(World& world, Population pop);

} // namespace icsim
