// What the two well-mixed rumour models (maki_thompson, daley_kendall)
// share: their parameters and the population kept as three segments
// [ignorants | spreaders | stiflers]. The rules differ and live in each
// model's file.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "models/rumours.hpp"

#include "sim/params.hpp"

namespace icsim::rumour {

struct Params {
    int n = 1000;              // population (well mixed)
    int initial_spreaders = 1; // spreaders at the start; everyone else is ignorant
};
const std::vector<Field<Params>>& fields();
// Throws ParamError unless 1 <= initial_spreaders < n.
void check(const Params& params);

// Individuals ordered as [ignorants | spreaders | stiflers]; states only move
// forward, so each change is one swap to a segment boundary. The initial
// spreaders are ids n-k..n-1.
struct Population {
    std::vector<uint32_t> order, pos; // pos[id] = index of id in order
    uint32_t b1 = 0, b2 = 0;          // ignorants [0, b1), spreaders [b1, b2), stiflers [b2, n)
    Population(uint32_t n, uint32_t spreaders) : order(n), pos(n), b1(n - spreaders), b2(n) {
        for (uint32_t i = 0; i < n; ++i)
            order[i] = pos[i] = i;
    }
    uint32_t spreaders() const { return b2 - b1; }
    bool ignorant(uint32_t id) const { return pos[id] < b1; }
    void swap_to(uint32_t id, uint32_t p) {
        const uint32_t other = order[p], q = pos[id];
        std::swap(order[p], order[q]);
        pos[other] = q;
        pos[id] = p;
    }
    void make_spreader(uint32_t id) { swap_to(id, --b1); } // id was ignorant
    void make_stifler(uint32_t id) { swap_to(id, --b2); }  // id was a spreader
    RumourState state(uint32_t id) const {
        return pos[id] < b1 ? kIgnorant : pos[id] < b2 ? kSpreader : kStifler;
    }
    // What meeting someone in state `other` (read before either side
    // changed) does to `id`: the city's rule, rumour_meeting of
    // models/rumours.hpp, with certain transmission and stifling and no
    // anti-rumour agents -- so validating these models validates the rule
    // the city's rumours mechanism applies to every meeting.
    void meet(uint32_t id, RumourState other) {
        const RumourState was = state(id);
        const RumourState now = rumour_meeting(was, other, false, false, 1.0, 1.0, 0.0, 0.0, 1.0).state;
        if (was == kIgnorant && now == kSpreader)
            make_spreader(id);
        else if (was == kSpreader && now == kStifler)
            make_stifler(id);
    }
};

} // namespace icsim::rumour
