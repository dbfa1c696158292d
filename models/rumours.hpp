#pragma once

#include <cmath>
#include <cstdint>
#include <memory>
#include <vector>

#include "sim/mechanism.hpp"
#include "sim/meetings.hpp"
#include "sim/params.hpp"

namespace icsim {

struct RumoursParams {
    int rumours = 1;              // rumours, each about one minority group in turn (at most 4)
    int first_step = 4;           // step at which the first wave starts
    int every = 26;               // steps between waves (0 = one wave)
    double seed_share = 0.002;    // share of residents (outside the target group) starting as spreaders
    double transmission = 0.5;    // chance that an ignorant resident told the rumour starts spreading it
    double stifling = 1.0;        // chance that a spreader meeting someone who knows it stops spreading
    double belief_impact = 0.05;  // rise of prejudice on coming to believe, as a share of (1 - p)
    double debunk_efficacy = 0.5; // chance that a believer meeting an anti-rumour agent is convinced
    double debunk_reversal = 0.6; // share of the belief's effect on prejudice a successful debunk undoes
    double agent_share = 0.005;   // share of residents trained as anti-rumour agents at full lever intensity
    double campaign_effect = 0.5; // relative fall of transmission at full lever intensity
};

const std::vector<Field<RumoursParams>>& rumours_fields();
std::unique_ptr<Mechanism> make_rumours(const RumoursParams& params, const World& world);

// The rumour states in figures (/timeseries/rumour_belief and
// rumour_never_heard): NaN where the mechanism does not run or spreads no
// rumour (no kRumourTargets published, or none). Counts are exact: the same on
// any thread count.
struct RumourFigures {
    double rumour_belief = NAN; // share of residents believing at least one rumour
    // share of residents outside each rumour's target group still ignorant
    // of it, averaged over rumours
    double rumour_never_heard = NAN;
};
RumourFigures rumour_figures(const World& world);

// The rumour column the mechanism declares (Population::column): the state
// of each rumour, 2 bits per rumour (rumour_state).
ColumnHandle<uint8_t> rumour_column();

// Published when rumours runs: per rumour, the group it is about.
inline constexpr Product<std::vector<int>> kRumourTargets{"rumours.targets"};
inline std::vector<uint8_t>& rumour_states(Population& pop) {
    return pop.column(rumour_column());
}
inline const std::vector<uint8_t>& rumour_states(const Population& pop) {
    return pop.column(rumour_column());
}

enum RumourState : uint8_t { kIgnorant = 0, kSpreader = 1, kStifler = 2, kDebunked = 3 };

inline RumourState rumour_state(uint8_t packed, int k) {
    return RumourState((packed >> (2 * k)) & 3u);
}
inline uint8_t with_rumour_state(uint8_t packed, int k, RumourState s) {
    return uint8_t((packed & ~(3u << (2 * k))) | (unsigned(s) << (2 * k)));
}

// Every rumour's state at once: bit 2k set when rumour k's state in
// `packed` is a spreader (1), is known at all (not 0), is believed (1 or 2).
constexpr unsigned kRumourLowBits = 0x55; // the low bit of each rumour's two
inline unsigned spreader_bits(unsigned packed) {
    return packed & ~(packed >> 1) & kRumourLowBits;
}
inline unsigned known_bits(unsigned packed) {
    return (packed | (packed >> 1)) & kRumourLowBits;
}
inline unsigned believer_bits(unsigned packed) {
    return (packed ^ (packed >> 1)) & kRumourLowBits;
}

// What one meeting does to a resident's state for one rumour: the
// Daley-Kendall rules (models/classic/daley_kendall.cpp), seen from one
// side of the meeting, plus debunking. `immune`: the resident cannot come
// to believe it (it is about its own group, or it is an anti-rumour agent);
// `partner_agent`: the partner is an anti-rumour agent. u_spread and
// u_debunk are uniform draws.
struct RumourStep {
    RumourState state;
    bool believed = false; // came to believe in this meeting
    bool debunked = false; // stopped believing in this meeting
};
RumourStep rumour_meeting(RumourState self, RumourState partner, bool immune, bool partner_agent,
                          double transmission, double stifling, double efficacy, double u_spread,
                          double u_debunk);

// Whether some rule of rumour_meeting can fire for some rumour between a
// resident in `self` and a partner in `other` (packed states, 2 bits per
// rumour): an ignorant told by a spreader, a spreader meeting someone who
// knows the rumour, or a believer (spreader or stifler) meeting an agent.
bool may_fire(uint8_t self, uint8_t other, bool partner_agent);
// Whether may_fire(self, other, false) holds for some partner of a set,
// from the OR of their packed states (`any`) and the OR of their
// spreader_bits (`spreading`).
bool may_fire_any(uint8_t self, unsigned any, unsigned spreading);
// The two ORs may_fire_any takes, over a resident's `count` meeting slots.
void partner_states(const Encounters::Meeting* slots, size_t count, unsigned& any, unsigned& spreading);

} // namespace icsim
