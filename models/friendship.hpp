#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <vector>

#include "sim/mechanism.hpp"
#include "sim/meetings.hpp"
#include "sim/params.hpp"

namespace icsim {

struct FriendshipParams {
    int friend_threshold = 3;    // tie strength (pleasant meetings, net) from which a tie is a friendship
    double decay = 0.05;         // per step: chance that a tie not renewed in the step loses one unit
    double friend_meeting = 0.5; // per step: chance that two friends meet outside the places
};

const std::vector<Field<FriendshipParams>>& friendship_fields();
std::unique_ptr<Mechanism> make_friendship(const FriendshipParams& params, const World& world);

// Published when friendship runs: the tie strength from which a tie is a
// friendship.
inline constexpr Product<uint8_t> kFriendThreshold{"friendship.friend_threshold"};
// Published when friendship runs: the step's friends' meetings and friend
// flags, written in each step after the ties are updated (sim/meetings.hpp).
inline constexpr Product<FriendMeetings> kFriendMeetings{"friendship.meetings"};
// That threshold, 0 when friendship does not run (no ties kept).
inline uint8_t friend_threshold(const World& w) {
    const uint8_t* t = w.products.find(kFriendThreshold);
    return t != nullptr ? *t : uint8_t(0);
}

// The tie slots, resident columns friendship declares: per resident
// kTieSlots acquaintances' ids (tie_0..3, kNoResident = empty), their
// strengths (tie_strength_0..3: 0 = empty, a friend from the friendship
// threshold) and the out-group bits (tie_outgroup, bit k: slot k's
// acquaintance is of another group). Other mechanisms read them through
// these pointers, taken once before a loop (sim/columns.hpp).
template <class Id, class Byte>
struct TieColumnsOf {
    std::array<Id*, kTieSlots> id;
    std::array<Byte*, kTieSlots> strength;
    Byte* outgroup;
};
using TieColumns = TieColumnsOf<uint32_t, uint8_t>;
using ConstTieColumns = TieColumnsOf<const uint32_t, const uint8_t>;
TieColumns tie_columns(Population& pop);
ConstTieColumns tie_columns(const Population& pop);

// Bit k set: tie slot k of resident r holds a friend (strength >= thr).
template <class Id, class Byte>
unsigned friend_slots(const TieColumnsOf<Id, Byte>& t, size_t r, uint8_t thr) {
    unsigned bits = 0;
    for (size_t k = 0; k < kTieSlots; ++k)
        bits |= unsigned(t.strength[k][r] >= thr) << k;
    return bits;
}
// Bit k set: tie slot k of resident r holds a friend of another group.
template <class Id, class Byte>
unsigned outgroup_friends(const TieColumnsOf<Id, Byte>& t, size_t r, uint8_t thr) {
    return friend_slots(t, r, thr) & t.outgroup[r];
}
// Resident r's friend flags (sim/world.hpp friend_flags).
template <class Id, class Byte>
uint8_t friend_flags(const TieColumnsOf<Id, Byte>& t, size_t r, uint8_t thr) {
    return friend_flags(friend_slots(t, r, thr), t.outgroup[r]);
}

// The ties in figures (/timeseries/outgroup_friend_share and
// /neighbourhoods/outgroup_friend_share): the share of each group's and
// each neighbourhood's residents with at least one out-group friend; NaN
// where the mechanism does not run (friend_threshold(w) 0) or
// nobody lives. Counts are exact: the same on any thread count.
struct FriendFigures {
    std::vector<double> outgroup_friend_share;      // per group
    std::vector<double> hood_outgroup_friend_share; // per neighbourhood
};
FriendFigures friend_figures(const World& world);

// The tie-slot rule for one resident, exposed for tests: updates the slots
// (ids, strengths) after a pleasant (+1) or unpleasant (-1) meeting with
// `partner`; returns the slot touched, or -1 when the meeting left no trace.
int update_tie(uint32_t* ids, uint8_t* strength, uint32_t partner, int change, int friend_threshold);

} // namespace icsim
