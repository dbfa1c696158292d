// The step's meetings as a mechanism that reads them finds them: the place
// meetings the encounters mechanism published (kMeetings) and the friends'
// meetings the friendship mechanism published (kFriendMeetings), each only
// when its publisher runs and has written them in the step being read.
#pragma once

#include <cstddef>
#include <cstdint>

#include "models/encounters.hpp"
#include "models/friendship.hpp"
#include "sim/meetings.hpp"
#include "sim/world.hpp"

namespace icsim {

struct StepMeetings {
    const Encounters* places = nullptr;    // null: no place meetings in step `now`
    const FriendMeetings* ties = nullptr;  // null: no friends' meetings in step `now`
    size_t slots = 0;                      // place slots per resident (0 without place meetings)
    const uint8_t* friend_flags = nullptr; // friend_flags() of each resident in step `now`, or null

    StepMeetings(const World& w, uint32_t now) {
        const Encounters* const e = w.products.find(kMeetings);
        const FriendMeetings* const f = w.products.find(kFriendMeetings);
        if (e != nullptr && e->of_step(now)) {
            places = e;
            slots = e->slots;
            if (has_ties(*e, f, now))
                ties = f;
        }
        if (f != nullptr && f->friends_step == now && now > 0 && f->friends.size() == w.pop.size())
            friend_flags = f->friends.data();
    }
    // The start-of-step state of the residents (with place meetings only).
    const Encounters::StartOfStep& start() const { return places->start; }
};

} // namespace icsim
