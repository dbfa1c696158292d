// The run state of a city: space, groups and residents, plus the occupancy
// counts that every spatial mechanism and metric reads.
//
// Population is a structure of arrays indexed by resident id. Ids are stable:
// a resident keeps its id for as long as it lives in the city. The
// migration mechanism (models/migration.cpp) brings departures and
// arrivals: a departed resident's slot becomes vacant (cell == kNoCell,
// every other column reset to a newcomer's values, and every reference to
// it in other residents' ties and resident_ref columns cleared), and an
// arrival takes the lowest vacant id first, then appends. The free list is
// thus the vacant slots in increasing id order, derived from the cell
// column alone: a checkpoint needs no extra state. Every pass over
// residents skips vacant slots (Population::vacant), and the occupancy
// counts (World::recount) leave them out, so metrics count the living.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <string>
#include <variant>
#include <vector>

#include "sim/declare.hpp"
#include "sim/grid.hpp"
#include "sim/memory.hpp"
#include "sim/products.hpp"

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
    double tolerance = 0.3;           // mean minimum share of same-group neighbours a member wants, in [0, 1]
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
    // Defaults are the scenario keys' defaults (scenarios/schema.cpp reads them here).
    Grid grid{120, 120, false, 4};
    double occupancy = 0.88; // share of dwellings occupied at the start
    Layout layout = Layout::Rectangles;
    std::vector<NeighbourhoodSpec> neighbourhoods;
    std::vector<uint16_t> raster; // Layout::Raster: neighbourhood index per cell
    std::vector<GroupSpec> groups;
    std::vector<PlaceSpec> places;
    std::vector<OrganisationSpec> organisations;
};

// Tie slots per resident: a small bounded set of acquaintances and friends
// (models/friendship.cpp).
constexpr size_t kTieSlots = 4;
constexpr uint32_t kNoResident = 0xffffffffu; // an empty tie slot
constexpr uint32_t kNoPlace = 0xffffffffu;    // no workplace or school
constexpr CellId kNoCell = 0xffffffffu;       // the home cell of a vacant slot (a departed resident's id)

struct Population {
    std::vector<CellId> cell;        // home cell
    std::vector<uint8_t> group;      // index into World::groups
    std::vector<float> tolerance;    // minimum same-group share wanted around home
    std::vector<float> language;     // 0-1
    std::vector<float> skill;        // 0-1
    std::vector<float> prejudice;    // 0-1, towards out-groups
    std::vector<uint32_t> workplace; // index into World::places (workplace or school), or kNoPlace

    // The columns mechanisms declare (sim/declare.hpp), in declaration
    // order: one vector per declared column, of its type.
    using AnyColumn = std::variant<std::vector<uint8_t>, std::vector<uint32_t>, std::vector<float>>;

    Population() { add_declared(); }

    // Slots, vacant ones included (World::vacancies counts those).
    size_t size() const { return cell.size(); }
    // Slot r holds no resident (a departed resident's id, free for an arrival).
    bool vacant(size_t r) const { return cell[r] == kNoCell; }
    // Resets every column of slot r to the values of a resident no mechanism
    // has touched (those of resize_state's new rows; declared columns: their
    // `initial`), cell = kNoCell and group 0: the slot is vacant and keeps
    // nothing of its previous holder. The occupancy counts are the caller's.
    void clear_slot(size_t r);
    // Sets slot r of each declared column with an `initial_from` to that
    // built-in column's value at r: for a newcomer, once its traits are
    // drawn (a migration mechanism calls it).
    void derive_initial(size_t r);

    // A declared column (sim/declare.hpp). Throws std::logic_error when the
    // column was declared after this population was made and resize_state()
    // has not run since.
    template <class T>
    std::vector<T>& column(ColumnHandle<T> h) {
        return std::get<std::vector<T>>(declared_at(h.index));
    }
    template <class T>
    const std::vector<T>& column(ColumnHandle<T> h) const {
        return std::get<std::vector<T>>(const_cast<Population*>(this)->declared_at(h.index));
    }

    // Calls f(name, column) for every column: the built-in ones, then the
    // declared ones in declaration order -- the order of the output schema's
    // checkpoint columns (output/schema.cpp). The whole state of a resident
    // is in these columns: a checkpoint saves the checkpointed ones.
    template <class F>
    void for_each_column(F&& f) {
        visit(*this, f);
        visit_declared(*this, [&](const ColumnDecl& d, auto& column) { f(d.name.c_str(), column); });
    }
    template <class F>
    void for_each_column(F&& f) const {
        visit(*this, f);
        visit_declared(*this, [&](const ColumnDecl& d, auto& column) { f(d.name.c_str(), column); });
    }
    // Calls f(decl, column) for every declared column.
    template <class F>
    void for_each_declared(F&& f) {
        visit_declared(*this, f);
    }
    template <class F>
    void for_each_declared(F&& f) const {
        visit_declared(*this, f);
    }
    // Resizes every column to n, filling new rows with the defaults of a
    // resident no mechanism has touched (no workplace; a declared column's
    // `initial`, e.g. no ties, or its `initial_from` column's value where that
    // column already holds the row), after adding any column declared since
    // the population was made.
    void resize_state(size_t n);

private:
    std::vector<AnyColumn> declared_;
    void add_declared(); // appends the columns declared since the last call
    AnyColumn& declared_at(uint32_t index);
    // The built-in float column named `name` (declare_column checks that an
    // initial_from names one).
    const std::vector<float>& trait(const std::string& name) const;

    template <class P, class F>
    static void visit_declared(P& p, F&& f) { // f(const ColumnDecl&, column)
        const auto& decls = declared_columns();
        for (size_t k = 0; k < p.declared_.size(); ++k)
            std::visit([&](auto& column) { f(decls[k], column); }, p.declared_[k]);
    }
    template <class P, class F>
    static void visit(P& p, F& f) {
        f("cell", p.cell);
        f("group", p.group);
        f("tolerance", p.tolerance);
        f("language", p.language);
        f("skill", p.skill);
        f("prejudice", p.prejudice);
        f("workplace", p.workplace);
    }
};

// A resident's friends in one byte: bit k (k < kTieSlots) set when tie slot
// k holds a friend of the resident's own group, and kOutgroupFriend when any
// slot holds a friend of another group. `friends`: bit k set when slot k
// holds a friend; `outgroup`: the resident's tie_outgroup.
inline constexpr uint8_t kOutgroupFriend = uint8_t(1u << kTieSlots);
inline uint8_t friend_flags(unsigned friends, unsigned outgroup) {
    return uint8_t((friends & ~outgroup & ((1u << kTieSlots) - 1)) |
                   ((friends & outgroup) != 0 ? kOutgroupFriend : 0u));
}

struct World {
    Grid grid;
    Neighbourhoods hoods;
    std::vector<GroupSpec> groups;
    Population pop;
    std::vector<Place> places;
    std::vector<OrganisationSpec> organisations;
    std::vector<uint16_t> group_count; // residents of group g in cell c at [c * groups + g]
    std::vector<uint16_t> total;       // residents in cell c
    // Per resident: the neighbourhood of its home (hoods.of_cell of its
    // cell), kept with the counts, so that per-resident passes read it in
    // order instead of looking it up at a random cell.
    std::vector<uint16_t> hood;
    // What the mechanisms published for each other (sim/products.hpp):
    // parameters, tables, and the products of a step such as its meetings.
    Products products;
    // Vacant slots in `pop` (Population::vacant), kept by recount() and the
    // migration mechanism: a pass over residents may skip the vacancy test
    // when it is 0.
    size_t vacancies = 0;

    int group_total() const { return int(groups.size()); }
    uint16_t count(CellId c, int g) const { return group_count[size_t(c) * groups.size() + size_t(g)]; }
    // Moves resident r to cell `to`, keeping the counts and `hood` in step.
    // Not thread-safe.
    void move(ResidentId r, CellId to);
    // Recomputes the counts, `hood` and `vacancies` from the population
    // (after building or restoring one; used by tests and checks). Vacant
    // slots are counted in no cell; their `hood` is 0.
    void recount();
    // Residents per (neighbourhood, group) at [h * groups + g], from the
    // cell counts (in parallel; integer sums, so the same on any thread count).
    std::vector<uint32_t> hood_group_counts() const;
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
// Vacant slots (cell == kNoCell) are accepted; no resident_ref column (the
// tie ids among them) may name one.
void restore_population(World& world, Population pop);

// Renumbers the residents so that those who meet are near each other in
// memory: by group, then workplace or school (none last), then home
// neighbourhood, then home cell, then the old id. Every Population column
// is permuted and the resident_ref columns (the tie ids among them) renamed; the counts and `hood` are
// recomputed. Ids are labels: the model does not depend on their order, but
// the passes over residents read partners' and friends' data at their ids
// and the meetings' records at their units, and the encounters' sort by unit
// scatters in id order, so colleagues with nearby ids turn random accesses
// into nearby ones (docs/performance.md). A fresh run calls it once, after
// the mechanisms' initial state and before step 1 (scenarios/build.cpp),
// so ids stay fixed for the whole run; a restart keeps the saved ids.
// Residents still come in runs of one group.
void arrange_residents(World& world);

} // namespace icsim
