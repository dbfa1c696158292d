// The pillar indices (docs/model/pillars.md): one figure 0-100 for each
// pillar of the Intercultural Cities approach -- equality, interaction,
// participation -- and their composite, from the residents' state and the
// series the other mechanisms reported for the same step.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sim/declare.hpp"
#include "sim/world.hpp"

namespace icsim {

// The components, as bits of /timeseries/pillar_components.
enum PillarComponent : uint32_t {
    kEqualityEmployment = 1u << 0,           // employment gap
    kEqualityCallback = 1u << 1,             // callback ratio
    kEqualityHousing = 1u << 2,              // housing acceptance ratio
    kEqualityDiscrimination = 1u << 3,       // minorities' discrimination experienced
    kInteractionContact = 1u << 4,           // intergroup meeting share against random mixing
    kInteractionValence = 1u << 5,           // positive share of out-group contacts
    kInteractionFriends = 1u << 6,           // share with an out-group friend
    kInteractionPrejudice = 1u << 7,         // mean prejudice
    kInteractionRumour = 1u << 8,            // rumour belief
    kInteractionSegregation = 1u << 9,       // dissimilarity (neighbourhoods: local mix)
    kParticipationGap = 1u << 10,            // minorities' participation rate over the majority's
    kParticipationRepresentation = 1u << 11, // representation ratio
    kParticipationTrust = 1u << 12,          // institutional trust
};

// The fixed bad bounds of the mappings to 0-100 (100 = parity, no gap, no
// prejudice; 0 = the bound).
struct PillarParams {
    double gap_bound = 0.3;           // employment gap (majority minus minorities) scored 0
    double ratio_bound = 2.0;         // callback / housing acceptance ratio scored 0
    double discrimination_half = 2.0; // discrimination experienced scored 50
};

// What the indices read besides the population: a series of this step by
// its path (nullptr when no mechanism before `pillars` declares it).
struct PillarInputs {
    std::vector<std::pair<const SeriesDecl*, const std::vector<double>*>> series;
    const std::vector<double>* find(const std::string& path) const;
    // Whether a declared resident column's values come from a running
    // mechanism (set by the caller from the rows; see pillars.cpp).
    std::vector<std::string> live_columns;
};

struct PillarFigures {
    double equality = 0, interaction = 0, participation = 0, composite = 0; // NaN: no component
    uint32_t components = 0;                                                // PillarComponent bits
    std::vector<double> hood_equality, hood_interaction, hood_participation, hood_composite;
};

// The indices of the world's current state (docs/model/pillars.md).
PillarFigures pillar_figures(const World& world, const PillarParams& p, const PillarInputs& in);

// One component's score: 100 at parity, falling linearly to 0 at `bound`
// (clamped), for a gap (parity 0) and a ratio (parity 1).
double gap_score(double gap, double bound);
double ratio_score(double ratio, double bound);

} // namespace icsim
