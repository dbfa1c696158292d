// The parts of the encounters mechanism (docs/model/encounters.md), private
// to models/: where residents go (encounters_units.cpp), the meetings of a
// step's units and how they go (encounters_meet.cpp); the step that runs
// them is in encounters.cpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "models/encounters.hpp"
#include "sim/mechanism.hpp"
#include "sim/rng.hpp"
#include "sim/world.hpp"

namespace icsim::encounters_detail {

constexpr int kKinds = 2; // visit kinds: 0 work or school, 1 leisure (public space or community centre)

inline int visit_kind(PlaceKind k) {
    switch (k) {
    case PlaceKind::Workplace:
    case PlaceKind::School:
        return 0;
    case PlaceKind::PublicSpace:
    case PlaceKind::CommunityCentre:
        return 1;
    }
    return 0;
}

// Where residents go, fixed for the run: per (neighbourhood, leisure kind)
// the nearest places, and the places' units -- teams of workplaces and
// schools (their expected staff / team_size) and of centres (capacity /
// team_size); one crowd per public space.
struct Units {
    std::vector<std::vector<uint32_t>> near; // [neighbourhood * kKinds + kind]: nearest places
    std::vector<uint32_t> base, teams;       // per place: its first unit, its number of units
    std::vector<uint32_t> place;             // per unit: its place

    Units() = default;
    Units(const EncountersParams& p, const World& w);
    size_t count() const { return place.size(); }

    // The unit resident r joins at place pl: its team there, fixed for the
    // run: a keyed hash of (seed, place, resident) scaled to the number of
    // teams (multiply-shift).
    uint32_t unit_of(const KeyedHash& team, uint32_t r, uint32_t pl) const {
        if (teams[pl] == 1)
            return base[pl];
        return base[pl] + uint32_t((team(pl, r) >> 32) * teams[pl] >> 32);
    }
};

// Workplaces and schools, drawn with probability work_share and then
// proportional to capacity (SocialSetup, step 4, id).
void assign_workplaces(World& w, uint64_t seed, double work_share);

// The levers at each place, per group ([place * groups + group]): its
// neighbourhood's level of its kind's supporting lever (none at
// workplaces), and of mediation.
void place_levers(const World& w, const StepContext& ctx, const std::vector<float>& L_public,
                  const std::vector<float>& L_events, std::vector<float>& support,
                  std::vector<float>& mediation);

// A visit in unit order, with what a meeting reads of the visitor (16
// bytes: the scatter writes one per visit into the sorted visits, the
// meetings copy a unit's out before writing its meetings over them).
struct Visit {
    uint32_t who;
    float language, prejudice;
    uint8_t group, rumour;
};
static_assert(sizeof(Visit) == 2 * sizeof(Encounters::Meeting)); // a record fits in a visit's W >= 2 words

// The step's meetings in figures: integer sums, exact in any order.
struct Tally {
    uint64_t meetings = 0, outgroup = 0, positive = 0, negative = 0;
    Tally& operator+=(const Tally& o) {
        meetings += o.meetings;
        outgroup += o.outgroup;
        positive += o.positive;
        negative += o.negative;
        return *this;
    }
};

// What the meetings of a step read: the sorted visits (each W = 2 x rounds
// words: its record, then its meetings), the units' first visits
// (start[unit], start[units] = all), the rounds' offsets per unit, the
// units' places and the levers at each place.
struct MeetPass {
    EncountersParams params;
    KeyedHash draw; // Stream::Meetings, the step
    Encounters::Meeting* made;
    const uint32_t *start, *offset, *unit_place;
    const float *support, *mediation;
    const Place* places;
    size_t rounds, groups;
};

// The meetings of units [first_unit, end_unit) (see encounters_meet.cpp);
// `unit`: scratch for a unit's records. Returns x with them counted.
Tally meet_units(const MeetPass& pass, size_t first_unit, size_t end_unit, std::vector<Visit>& unit, Tally x);

} // namespace icsim::encounters_detail
