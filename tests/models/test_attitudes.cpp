// The attitudes mechanism (models/attitudes.cpp): contact, bounded
// confidence among friends and extended contact, on hand-made worlds and
// small cities.
#include <doctest/doctest.h>

#include "social_testlib.hpp"

using namespace icsim;
using namespace icsim::social_test;

TEST_SUITE("unit") {

    TEST_CASE("social attitudes: after_contact follows the positive and negative rules") {
        AttitudesParams p;
        p.negative_weight = 2;
        p.buffering = 0.5;
        // positive: p - w p = 0.4 - 0.02 x 0.4 = 0.392
        CHECK(after_contact(p, 0.4, true, 0.02, 0) == doctest::Approx(0.392));
        CHECK(after_contact(p, 0.4, true, 0.02, 7) == doctest::Approx(0.392)); // no buffering of positive
        // negative, no recent positive: 0.4 + 0.02 x 2 x 0.6 = 0.424
        CHECK(after_contact(p, 0.4, false, 0.02, 0) == doctest::Approx(0.424));
        // negative after 2 recent positive: 0.4 + 0.02 x 2 x 0.6 / (1 + 0.5 x 2) = 0.412
        CHECK(after_contact(p, 0.4, false, 0.02, 2) == doctest::Approx(0.412));
        // the weight is capped at 1: 0.8 x 2 = 1.6 -> 1, so p becomes 1
        CHECK(after_contact(p, 0.4, false, 0.8, 0) == 1.0);
        // prejudice 0 stays 0 after a positive contact, 1 stays 1 after a negative one
        CHECK(after_contact(p, 0.0, true, 0.5, 0) == 0.0);
        CHECK(after_contact(p, 1.0, false, 0.5, 0) == 1.0);
    }

    TEST_CASE("social attitudes: after_contact stays within 0 and 1") {
        AttitudesParams p;
        for (double ratio : {1.0, 2.0, 3.0})
            for (double buffering : {0.0, 0.5, 10.0}) {
                p.negative_weight = ratio;
                p.buffering = buffering;
                for (double pr = 0; pr <= 1.0; pr += 0.125)
                    for (double w : {0.0, 0.01, 0.2, 0.5, 1.0})
                        for (double recent : {0.0, 1.0, 30.0})
                            for (bool positive : {true, false}) {
                                const double after = after_contact(p, pr, positive, w, recent);
                                CAPTURE(pr);
                                CAPTURE(w);
                                CAPTURE(recent);
                                REQUIRE(after >= 0.0);
                                REQUIRE(after <= 1.0);
                                // and moves the right way
                                REQUIRE((positive ? after <= pr : after >= pr));
                            }
            }
    }

    TEST_CASE("social attitudes: two mutual friends within confidence who meet move towards each other") {
        // Residents 0 and 1 are mutual friends (0.30 and 0.40, within confidence
        // 0.2); resident 0 also meets friend 2 (0.90, 0.6 away: no influence).
        // mu = 0.1: p0 = 0.30 + 0.1 x (0.40 - 0.30) = 0.31, p1 = 0.40 - 0.01 = 0.39,
        // their sum 0.70 is kept; p2 stays 0.90 and so does resident 3 (no meeting).
        World w = strip_world(4);
        befriend(w, 0, 0, 1, 0, 5);
        befriend(w, 0, 1, 2, 0, 5);
        w.pop.prejudice = {0.30f, 0.40f, 0.90f, 0.50f};
        friends_meet(w, 0, 0, 1);
        friends_meet(w, 1, 0, 0);
        friends_meet(w, 0, 1, 2);
        friends_meet(w, 2, 0, 0);
        AttitudesParams p;
        p.contact_effect = 0;
        p.relaxation = 0; // no drift back to the disposition
        p.extended_effect = 0;
        p.influence = 0.1;
        p.confidence = 0.2;
        auto m = make_attitudes(p, w);
        m->publish(w, 1);
        w.products.set(kFriendThreshold, uint8_t(3));
        const PolicySchedule policy;
        take_state(w);
        m->step(w, StepContext{1, 1, &policy});
        CHECK(w.pop.prejudice[0] == doctest::Approx(0.31).epsilon(1e-6));
        CHECK(w.pop.prejudice[1] == doctest::Approx(0.39).epsilon(1e-6));
        CHECK(double(w.pop.prejudice[0]) + double(w.pop.prejudice[1]) == doctest::Approx(0.70).epsilon(1e-6));
        CHECK(w.pop.prejudice[2] == 0.90f);
        CHECK(w.pop.prejudice[3] == 0.50f);
        // A second step with the same meetings closes the gap further:
        // gap 0.08 -> 0.08 x (1 - 2 mu) = 0.064; sum still 0.70.
        place_meetings(w).step = friends_meetings(w).ties_step = 2;
        take_state(w);
        m->step(w, StepContext{1, 2, &policy});
        CHECK(double(w.pop.prejudice[1]) - double(w.pop.prejudice[0]) ==
              doctest::Approx(0.064).epsilon(1e-5));
        CHECK(double(w.pop.prejudice[0]) + double(w.pop.prejudice[1]) == doctest::Approx(0.70).epsilon(1e-6));
        // Meetings of an earlier step are not read: nothing moves.
        const auto before = w.pop.prejudice;
        take_state(w);
        m->step(w, StepContext{1, 3, &policy});
        CHECK(w.pop.prejudice == before);
    }

    TEST_CASE("social attitudes: extended contact only through an in-group friend with an out-group friend") {
        // Group 0: a, b, e, f, g, h; group 1: c, i. Friends (strength 5):
        // a-b, b-c (out-group), e-f, h-i (out-group); g-h are acquaintances
        // (strength 2, below the threshold 3). Only a has an in-group friend
        // (b) with an out-group friend (c): with extended_effect 0.2 and no
        // other rule at work, a goes 0.5 -> 0.5 - 0.2 x 0.5 = 0.4. Not b (its
        // in-group friend a has no out-group friend), nor c (no in-group
        // friend), nor e (its friend f has none), nor g (h, who has one, is
        // only an acquaintance). No meetings: no contact and no influence.
        World w = strip_world(12, 2);
        std::vector<uint32_t> g0, g1;
        for (uint32_t r = 0; r < 12; ++r)
            (w.pop.group[r] == 0 ? g0 : g1).push_back(r);
        REQUIRE(g0.size() >= 6);
        REQUIRE(g1.size() >= 2);
        const uint32_t a = g0[0], b = g0[1], e = g0[2], f = g0[3], g = g0[4], h = g0[5], c = g1[0], i = g1[1];
        befriend(w, a, 2, b, 0, 5);
        befriend(w, b, 3, c, 1, 5);
        befriend(w, e, 0, f, 1, 5);
        befriend(w, g, 1, h, 0, 2);
        befriend(w, h, 2, i, 3, 5);
        // Each resident's friend flags, worked out by hand: bit k for an
        // in-group friend in slot k, kOutgroupFriend for any out-group friend.
        std::vector<uint8_t> flags(12, 0);
        flags[a] = 1u << 2;
        flags[b] = uint8_t(1u << 0 | kOutgroupFriend);
        flags[c] = kOutgroupFriend;
        flags[e] = 1u << 0;
        flags[f] = 1u << 1;
        flags[h] = kOutgroupFriend; // g in slot 0 is an acquaintance
        flags[i] = kOutgroupFriend;
        for (uint32_t r = 0; r < 12; ++r)
            CHECK(int(friend_flags(tie_columns(w.pop), r, 3)) == int(flags[r]));
        AttitudesParams p;
        p.contact_effect = 0;
        p.relaxation = 0;
        p.influence = 0;
        p.extended_effect = 0.2;
        // Both ways attitudes learn the flags: from the ties (no friendship
        // mechanism in the step), and as friendship publishes them.
        for (const bool published : {false, true}) {
            CAPTURE(published);
            w.pop.prejudice.assign(12, 0.5f);
            friends_meetings(w).friends.assign(flags.begin(), flags.end());
            friends_meetings(w).friends_step = published ? 1 : 0;
            step_attitudes_once(w, p, 3);
            for (uint32_t r = 0; r < 12; ++r) {
                CAPTURE(r);
                CHECK(w.pop.prejudice[r] == doctest::Approx(r == a ? 0.4 : 0.5).epsilon(1e-6));
            }
        }
    }

    TEST_CASE("social attitudes: out-group friends at exactly the confidence do not influence each other") {
        // |0.5 - 0.25| = 0.25 = confidence: not strictly within, no pull; an
        // out-group friends' meeting is a positive contact: with contact_effect
        // 0.1 and minority_factor 0.5 the minority member b goes
        // 0.5 -> 0.5 - 0.05 x 0.5 = 0.475 and the majority member a
        // 0.25 -> 0.25 - 0.1 x 0.25 = 0.225; each counts 1 recent positive contact.
        World w = strip_world(2, 2);
        REQUIRE(w.pop.group[0] != w.pop.group[1]);
        const uint32_t a = w.pop.group[0] == 0 ? 0 : 1, b = 1 - a;
        befriend(w, a, 0, b, 0, 4);
        w.pop.prejudice[a] = 0.25f;
        w.pop.prejudice[b] = 0.5f;
        friends_meet(w, a, 0, b);
        friends_meet(w, b, 0, a);
        AttitudesParams p;
        p.contact_effect = 0.1;
        p.relaxation = 0;
        p.minority_factor = 0.5;
        p.extended_effect = 0;
        p.influence = 0.5;
        p.confidence = 0.25;
        p.memory = 0.5;
        auto m = make_attitudes(p, w);
        m->publish(w, 1);
        const PolicySchedule policy;
        take_state(w);
        m->step(w, StepContext{1, 1, &policy});
        CHECK(w.pop.prejudice[a] == doctest::Approx(0.225).epsilon(1e-6));
        CHECK(w.pop.prejudice[b] == doctest::Approx(0.475).epsilon(1e-6));
        CHECK(contact_positive(w.pop)[a] == 1.0f);
        CHECK(contact_positive(w.pop)[b] == 1.0f);
        CHECK(contact_negative(w.pop)[a] == 0.0f);
    }

} // TEST_SUITE

TEST_SUITE("integration") {

    TEST_CASE("social attitudes: with 8 rounds per visit every one of the 36 slots counts") {
        // 2 kinds x 8 rounds x 2 roles + 4 tie slots = 36 slots per resident:
        // slot masks must be 64 bits wide. Each resident's positive and
        // negative contact counts must follow every slot, the friends'
        // meetings in slots 32-35 included.
        const double memory = 0.5; // exact in binary and in the scenario text
        Engine engine = build_engine(
            small_city({"mechanisms.encounters.meetings_per_visit=8", "mechanisms.attitudes.memory=0.5"}));
        const World& w = engine.world();
        size_t late = 0; // contacts seen in slots 32-35
        for (int k = 0; k < 3; ++k) {
            const std::vector<float> cp0 = contact_positive(w.pop), cn0 = contact_negative(w.pop);
            engine.step();
            const size_t S = place_meetings(w).slots + kTieSlots;
            REQUIRE(S == 36);
            size_t wrong = 0;
            for (size_t r = 0; r < w.pop.size(); ++r) {
                double cp = memory * double(cp0[r]), cn = memory * double(cn0[r]);
                for (size_t m = 0; m < S; ++m) {
                    const Encounters::Meeting mt = meeting_at(w, r, m);
                    if (mt.partner == kNoResident || !(mt.info & Encounters::kOutgroup))
                        continue;
                    const bool pos = mt.info & Encounters::kPositive, neg = mt.info & Encounters::kNegative;
                    cp += pos;
                    cn += neg;
                    late += m >= 32 && (pos || neg);
                }
                wrong += float(cp) != contact_positive(w.pop)[r] || float(cn) != contact_negative(w.pop)[r];
            }
            CHECK(wrong == 0);
        }
        CHECK(late > 0); // slots 32-35 did hold contacts
    }

    TEST_CASE(
        "social attitudes: bounded confidence conserves the prejudice of mutual friends on a small city") {
        // Only encounters, friendship and attitudes, without contact effects:
        // prejudice moves only through friends' meetings. A pair of mutual
        // friends who met only each other in the step (no other friends'
        // meetings within confidence) keeps its sum; each moves mu x gap.
        ScenarioConfig s =
            small_city({"mechanisms.order=[\"encounters\", \"friendship\", \"attitudes\"]",
                        "mechanisms.attitudes.contact_effect=0", "mechanisms.attitudes.relaxation=0",
                        "mechanisms.attitudes.extended_effect=0", "mechanisms.attitudes.confidence=0.3",
                        "mechanisms.attitudes.influence=0.2", "mechanisms.friendship.friend_meeting=1",
                        "mechanisms.encounters.team_size=4"});
        Engine engine = build_engine(s);
        const World& w = engine.world();
        const size_t n = w.pop.size();
        int pairs_checked = 0, moved = 0;
        for (int k = 0; k < 40; ++k) {
            const std::vector<float> p0 = w.pop.prejudice;
            engine.step();
            const size_t T = place_meetings(w).slots, S = T + kTieSlots;
            // friends met within confidence, per resident
            std::vector<std::vector<uint32_t>> near(n);
            for (size_t r = 0; r < n; ++r)
                for (size_t j = T; j < S; ++j) {
                    const uint32_t q = meeting_at(w, r, j).partner;
                    if (q != kNoResident && std::abs(double(p0[q]) - double(p0[r])) < 0.3)
                        near[r].push_back(q);
                }
            for (size_t r = 0; r < n; ++r) {
                if (near[r].size() != 1)
                    continue;
                const uint32_t q = near[r][0];
                if (q < r || near[q].size() != 1 || near[q][0] != r)
                    continue;
                ++pairs_checked;
                const double gap = double(p0[q]) - double(p0[r]);
                moved += gap != 0;
                CAPTURE(r);
                CAPTURE(q);
                CHECK(double(w.pop.prejudice[r]) == doctest::Approx(double(p0[r]) + 0.2 * gap).epsilon(1e-5));
                CHECK(double(w.pop.prejudice[q]) == doctest::Approx(double(p0[q]) - 0.2 * gap).epsilon(1e-5));
                CHECK(double(w.pop.prejudice[r]) + double(w.pop.prejudice[q]) ==
                      doctest::Approx(double(p0[r]) + double(p0[q])).epsilon(1e-5));
            }
            // residents without friends' meetings do not move at all
            for (size_t r = 0; r < n; ++r) {
                bool met = false;
                for (size_t j = T; j < S; ++j)
                    met |= meeting_at(w, r, j).partner != kNoResident;
                if (!met && w.pop.prejudice[r] != p0[r]) {
                    FAIL_CHECK("resident " << r << " moved without a friends' meeting");
                    break;
                }
            }
        }
        CHECK(pairs_checked > 20);
        CHECK(moved > 20);
    }

} // TEST_SUITE
