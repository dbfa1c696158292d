// Helpers of the social mechanisms' tests (tests/models/test_encounters.cpp,
// test_friendship.cpp, test_attitudes.cpp, test_culture.cpp,
// test_rumours.cpp and the integration tests in test_social.cpp): small
// cities, hand-made worlds with meetings, and the invariant checks.
#pragma once

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/task_arena.h>

#include "models/attitudes.hpp"
#include "models/culture.hpp"
#include "models/encounters.hpp"
#include "models/friendship.hpp"
#include "models/rumours.hpp"
#include "output/report.hpp"
#include "output/schema.hpp"
#include "scenarios/loader.hpp"
#include "sim/rng.hpp"

namespace icsim::social_test {

// What the encounters, friendship and culture mechanisms published
// (models/step_meetings.hpp); Products::at throws when they were not.
template <class W>
auto& place_meetings(W& w) {
    return w.products.at(kMeetings);
}
template <class W>
auto& friends_meetings(W& w) {
    return w.products.at(kFriendMeetings);
}
template <class W>
auto& culture_counts(W& w) {
    return w.products.at(kCultureCounts);
}
// The meeting in slot m of resident r (sim/meetings.hpp meeting()).
inline Encounters::Meeting meeting_at(const World& w, size_t r, size_t m) {
    return meeting(place_meetings(w), w.products.find(kFriendMeetings), tie_columns(w.pop).id, r, m);
}

// ---------------------------------------------------------------- helpers

// A small city with every mechanism of the default scenario (mobility,
// encounters, friendship, attitudes, culture, rumours) and `extra` --set
// overrides after the size and layout.
inline ScenarioConfig small_city(const std::vector<std::string>& extra = {}, int side = 40) {
    std::vector<std::string> o = {"city.layout=voronoi", "city.width=" + std::to_string(side),
                                  "city.height=" + std::to_string(side)};
    o.insert(o.end(), extra.begin(), extra.end());
    return load_default_scenario(o);
}

// The default scenario with an extra [[policies]] entry (TOML text appended
// after the last table) and `sets`, at a small size.
inline ScenarioConfig small_city_with_policy(const std::string& policy_toml,
                                             const std::vector<std::string>& extra, int side = 40) {
    std::vector<std::string> o = {"city.layout=voronoi", "city.width=" + std::to_string(side),
                                  "city.height=" + std::to_string(side)};
    o.insert(o.end(), extra.begin(), extra.end());
    return load_scenario_text(default_scenario_text() + "\n" + policy_toml, "default-with-policy.toml", o);
}

inline double counter(const Counters& c, const std::string& name) {
    for (const auto& [n, v] : c)
        if (n == name)
            return v;
    FAIL("no counter '" << name << "'");
    return 0;
}

inline bool has_counter(const Counters& c, const std::string& name) {
    return std::any_of(c.begin(), c.end(), [&](const auto& e) { return e.first == name; });
}

// A hand-made world of `n` residents in one group on an n x 1 strip, with
// meetings for step 1 published as the encounters and friendship mechanisms
// would: kTieSlots slots per resident, all
// of them friends' meetings (no place slots). Every tie slot empty.
inline World strip_world(int n, int groups = 1) {
    CityConfig cfg;
    cfg.grid = Grid{n, 1, false, 1};
    cfg.occupancy = 1.0;
    for (int g = 0; g < groups; ++g) {
        GroupSpec spec;
        spec.name = std::string(1, char('a' + g));
        spec.share = 1.0 / groups;
        cfg.groups.push_back(spec);
    }
    World w = build_world(cfg, 1);
    REQUIRE(w.pop.size() == size_t(n));
    // No place meetings; friends' meetings written by friends_meet.
    Encounters places;
    places.slots = 0;
    places.step = 1;
    w.products.set(kMeetings, std::move(places));
    FriendMeetings friends;
    friends.ties.assign(size_t(n), TieMeetings{});
    friends.ties_step = 1;
    w.products.set(kFriendMeetings, std::move(friends));
    return w;
}

// Takes the residents' start-of-step state into the place meetings' `start`, as the
// encounters mechanism does at the start of a step (what partners read).
inline void take_state(World& w) {
    Encounters::StartOfStep& start = place_meetings(w).start;
    start.resize(w.pop.size());
    for (size_t r = 0; r < w.pop.size(); ++r) {
        start.culture[r] = cultures(w.pop)[r];
        start.prejudice[r] = w.pop.prejudice[r];
        start.rumour[r] = rumour_states(w.pop)[r];
    }
}

// Makes a and b hold each other in tie slots ka / kb at strength s.
inline void befriend(World& w, uint32_t a, size_t ka, uint32_t b, size_t kb, uint8_t s) {
    tie_columns(w.pop).id[ka][a] = b;
    tie_columns(w.pop).strength[ka][a] = s;
    tie_columns(w.pop).id[kb][b] = a;
    tie_columns(w.pop).strength[kb][b] = s;
    if (w.pop.group[a] != w.pop.group[b]) { // as the friendship mechanism records it
        tie_columns(w.pop).outgroup[a] = uint8_t(tie_columns(w.pop).outgroup[a] | (1u << ka));
        tie_columns(w.pop).outgroup[b] = uint8_t(tie_columns(w.pop).outgroup[b] | (1u << kb));
    }
}

// Step 1 of a fresh attitudes mechanism on w, with friends from strength
// `friend_threshold` (as the friendship mechanism would publish it).
inline void step_attitudes_once(World& w, const AttitudesParams& p, uint8_t friend_threshold) {
    auto m = make_attitudes(p, w);
    m->publish(w, 1);
    w.products.set(kFriendThreshold, friend_threshold);
    const PolicySchedule policy;
    take_state(w);
    m->step(w, StepContext{1, 1, &policy});
}

// A friends' meeting of r with q (who must be in r's tie slot k) written
// to r's tie slot k of the friends' meetings.
inline void friends_meet(World& w, uint32_t r, size_t k, uint32_t q) {
    REQUIRE(tie_columns(w.pop).id[k][r] == q);
    const uint8_t out = w.pop.group[r] != w.pop.group[q] ? Encounters::kOutgroup : 0;
    TieMeetings& met = friends_meetings(w).ties[r];
    met.info[k] = uint8_t(Encounters::kFriend | Encounters::kPositive | out);
    met.rumour[k] = rumour_states(w.pop)[q];
}

// The first violation found by the checks below ("" = none): the checks
// run over every resident and slot, so they count failures and report the
// first one instead of asserting per element.
struct Problems {
    size_t count = 0;
    std::string first;
    void add(const std::string& what) {
        if (count++ == 0)
            first = what;
    }
};

// Every place meeting is recorded by both sides alike, carries the
// partner's culture and rumour states from the start of the step and a
// consistent info byte; friends' meetings are tie activations.
inline Problems check_meetings(const World& w, const std::vector<uint32_t>& culture0,
                               const std::vector<uint8_t>& rumour0) {
    Problems bad;
    const Population& pop = w.pop;
    const Encounters& places = place_meetings(w);
    const FriendMeetings* const friends = w.products.find(kFriendMeetings);
    const size_t n = pop.size(), place_slots = places.slots, S = place_slots + kTieSlots;
    const uint8_t thr = icsim::friend_threshold(w);
    const auto at = [&](size_t q, size_t m) { return meeting(places, friends, tie_columns(pop).id, q, m); };
    for (size_t r = 0; r < n; ++r) {
        for (size_t m = 0; m < S; ++m) {
            const Encounters::Meeting mt = at(r, m);
            const uint32_t q = mt.partner;
            if (q == kNoResident)
                continue;
            std::ostringstream where;
            where << "resident " << r << " slot " << m << " partner " << q;
            if (q >= n || q == r) {
                bad.add(where.str() + ": partner out of range or itself");
                continue;
            }
            if (mt.rumour != rumour0[q] || places.start.culture[q] != culture0[q])
                bad.add(where.str() + ": partner's rumour or culture state is not the one at the start");
            const bool out = pop.group[q] != pop.group[r];
            if (bool(mt.info & Encounters::kOutgroup) != out)
                bad.add(where.str() + ": out-group bit disagrees with the groups");
            if ((mt.info & Encounters::kPositive) && (mt.info & Encounters::kNegative))
                bad.add(where.str() + ": both positive and negative");
            if (m < place_slots) {
                if (mt.info & Encounters::kFriend)
                    bad.add(where.str() + ": friend bit in a place slot");
                // slot 2j (initiated) pairs with the partner's 2j + 1 (received)
                const size_t other = (m % 2 == 0) ? m + 1 : m - 1;
                const Encounters::Meeting back = at(q, other);
                if (back.partner != r || back.info != mt.info)
                    bad.add(where.str() + ": the partner's slot " + std::to_string(other) +
                            " does not hold the same meeting");
            } else {
                const size_t k = m - place_slots;
                if ((mt.info & (Encounters::kFriend | Encounters::kPositive | Encounters::kNegative)) !=
                    (Encounters::kFriend | Encounters::kPositive))
                    bad.add(where.str() + ": a friends' meeting is not a pleasant friend meeting");
                if (tie_columns(pop).id[k][r] != q || tie_columns(pop).strength[k][r] < thr)
                    bad.add(where.str() + ": a friends' meeting without a friendship in that tie slot");
                // Mutual friends draw the meeting once per pair: both see it.
                for (size_t kq = 0; kq < kTieSlots; ++kq)
                    if (tie_columns(pop).id[kq][q] == r && tie_columns(pop).strength[kq][q] >= thr &&
                        at(q, place_slots + kq).partner != r)
                        bad.add(where.str() + ": a mutual friend did not see the friends' meeting");
            }
        }
        // A mutual friendship without a meeting on r's side must not have
        // one on the friend's side either.
        for (size_t k = 0; k < kTieSlots; ++k) {
            const uint32_t q = tie_columns(pop).id[k][r];
            if (tie_columns(pop).strength[k][r] < thr || thr == 0 || at(r, place_slots + k).partner == q)
                continue;
            for (size_t kq = 0; kq < kTieSlots; ++kq)
                if (tie_columns(pop).id[kq][q] == r && tie_columns(pop).strength[kq][q] >= thr &&
                    at(q, place_slots + kq).partner == r)
                    bad.add("resident " + std::to_string(r) + " tie " + std::to_string(k) +
                            ": only the friend saw the friends' meeting");
        }
    }
    return bad;
}

// Ties name other residents, never oneself, each at most once; an empty
// slot has strength 0 and no id.
inline Problems check_ties(const World& w) {
    Problems bad;
    const Population& pop = w.pop;
    const size_t n = pop.size();
    for (size_t r = 0; r < n; ++r)
        for (size_t k = 0; k < kTieSlots; ++k) {
            const uint32_t q = tie_columns(pop).id[k][r];
            const std::string where = "resident " + std::to_string(r) + " tie " + std::to_string(k);
            if (tie_columns(pop).strength[k][r] == 0) {
                if (q != kNoResident)
                    bad.add(where + ": an empty slot holds id " + std::to_string(q));
                continue;
            }
            if (q >= n || q == r)
                bad.add(where + ": invalid id " + std::to_string(q));
            for (size_t j = 0; j < k; ++j)
                if (tie_columns(pop).strength[j][r] > 0 && tie_columns(pop).id[j][r] == q)
                    bad.add(where + ": the same acquaintance in two slots");
        }
    return bad;
}

// Rumour states, prejudice and culture within their ranges.
inline Problems check_state(const World& w) {
    Problems bad;
    const Population& pop = w.pop;
    const CultureSpec* culture = w.products.find(kCultureSpec);
    const int F = culture != nullptr ? culture->features : 0, q = culture != nullptr ? culture->traits : 0;
    const std::vector<int>* targets = w.products.find(kRumourTargets);
    const std::vector<int> rumour_target = targets != nullptr ? *targets : std::vector<int>{};
    for (size_t r = 0; r < pop.size(); ++r) {
        const std::string who = "resident " + std::to_string(r);
        for (size_t k = 0; k < rumour_target.size(); ++k) {
            const RumourState s = rumour_state(rumour_states(pop)[r], int(k));
            if (pop.group[r] == rumour_target[k] && (s == kSpreader || s == kStifler))
                bad.add(who + " believes rumour " + std::to_string(k) + " about its own group");
        }
        if (rumour_target.size() < 4 && (rumour_states(pop)[r] >> (2 * rumour_target.size())) != 0)
            bad.add(who + ": state bits set for a rumour that does not exist");
        const float p = pop.prejudice[r];
        if (!(p >= 0.0f && p <= 1.0f))
            bad.add(who + ": prejudice " + std::to_string(p) + " outside [0, 1]");
        if (!(contact_positive(pop)[r] >= 0.0f) || !(contact_negative(pop)[r] >= 0.0f))
            bad.add(who + ": negative or NaN contact count");
        const uint32_t c = cultures(pop)[r];
        for (int f = 0; f < F; ++f)
            if (trait_of(c, f) >= q)
                bad.add(who + ": trait " + std::to_string(trait_of(c, f)) + " >= q on feature " +
                        std::to_string(f));
        if (F < 8 && (c >> (4 * F)) != 0)
            bad.add(who + ": bits set above the first F features");
    }
    return bad;
}

} // namespace icsim::social_test
