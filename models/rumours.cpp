// Rumours and anti-rumours (docs/model/rumours.md). Up to four rumours,
// rumour k about minority group 1 + (k mod (groups - 1)). Each resident holds a state per rumour:
// ignorant, spreader, stifler, debunked (Maki & Thompson 1973; Daley &
// Kendall 1965); spreaders and stiflers believe it.
//  - Waves: at first_step and every `every` steps after, every rumour starts
//    afresh: all residents ignorant, a share seed_share of those outside the
//    target group and not anti-rumour agents spreaders (they believe it).
//  - Spread along the step's meetings (place meetings and friends' meetings
//    of models/step_meetings.hpp), each side applying rumour_meeting to itself against
//    the partner's state at the start of the step: an ignorant told by a
//    spreader starts spreading with probability transmission x (1 -
//    campaign_effect x L) (L = the anti_rumours lever for its neighbourhood
//    and group); a spreader meeting someone who knows the rumour stops with
//    probability `stifling` (1 = Daley-Kendall). Members of the target group
//    and anti-rumour agents never believe it: told it, they are "debunked".
//  - Anti-rumour agents: resident r is one while u_r < agent_share x L, u_r
//    a fixed uniform per resident, so raising the lever trains more
//    residents and lowering it retires the most recently trained. Training
//    debunks every rumour the resident believed (partners see it as it was
//    at the start of that step). A believer meeting an agent stops believing
//    with probability debunk_efficacy.
//  - Belief and prejudice: coming to believe raises prejudice by
//    belief_impact x (1 - p); a debunk lowers it by debunk_reversal x
//    belief_impact x (1 - p) (Chan et al. 2017: debunking undoes about half
//    to two thirds of a misinformation effect, some persists).
// Each resident writes only its own state; partners' states are those at
// the start of the step, carried in the meeting slots.
#include "models/rumours.hpp"
#include "models/friendship.hpp"
#include "models/registry.hpp"
#include "models/step_meetings.hpp"

#include <algorithm>
#include <cmath>

#include <oneapi/tbb/parallel_for.h>

#include "sim/columns.hpp"
#include "sim/meetings.hpp"
#include "sim/parallel.hpp"
#include "sim/rng.hpp"

namespace icsim {

const std::vector<Field<RumoursParams>>& rumours_fields() {
    using P = RumoursParams;
    static const std::vector<Field<P>> fields = {
        {"rumours", &P::rumours, 0, 4, "rumours",
         "rumours in circulation; rumour k is about minority group 1 + (k mod (groups - 1))",
         assumption("a scenario choice"), not_swept()},
        {"first_step", &P::first_step, 1, 10000000, "step", "step at which the first wave starts",
         assumption("a scenario choice"), not_swept()},
        {"every", &P::every, 0, 10000000, "steps", "steps between waves (0 = a single wave)",
         assumption("a scenario choice"), not_swept()},
        {"seed_share", &P::seed_share, 0, 1, "1",
         "share of residents outside the target group who start a wave as spreaders",
         assumption("a scenario choice"), not_swept()},
        {"transmission",
         &P::transmission,
         0,
         1,
         "1",
         "chance that an ignorant resident told the rumour by a spreader believes and spreads it",
         assumption(),
         {0.1, 1}},
        {"stifling",
         &P::stifling,
         0,
         1,
         "1",
         "chance that a spreader meeting someone who knows the rumour stops spreading (1 = Daley-Kendall)",
         literature("Daley & Kendall 1965: 1"),
         {0.5, 1}},
        {"belief_impact",
         &P::belief_impact,
         0,
         1,
         "1",
         "rise of prejudice on coming to believe a rumour, as a share of (1 - prejudice)",
         assumption(),
         {0, 0.2}},
        {"debunk_efficacy",
         &P::debunk_efficacy,
         0,
         1,
         "1",
         "chance that a believer meeting an anti-rumour agent stops believing",
         assumption("no causal evaluation of anti-rumour agents exists"),
         {0.2, 0.8}},
        {"debunk_reversal",
         &P::debunk_reversal,
         0,
         1,
         "1",
         "share of a belief's effect on prejudice undone by a debunk",
         literature("Chan et al. 2017: about 0.4-0.75"),
         {0.4, 0.75}},
        {"agent_share",
         &P::agent_share,
         0,
         1,
         "1",
         "share of residents trained as anti-rumour agents at full anti_rumours intensity",
         assumption("Barcelona trained ~2,000 agents for 1.6 million inhabitants (0.00125)"),
         {0.0005, 0.005}},
        {"campaign_effect",
         &P::campaign_effect,
         0,
         1,
         "1",
         "relative fall of transmission at full anti_rumours intensity (campaigns)",
         assumption(),
         {0, 1}},
    };
    return fields;
}

MechanismEntry rumours_mechanism() {
    MechanismEntry e = make_mechanism_entry(
        "rumours",
        "rumours about groups spreading in meetings (Daley-Kendall), anti-rumour agents and "
        "campaigns",
        rumours_fields, make_rumours);
    e.series = {
        {"/timeseries/rumour_belief", Dims::Step, "1",
         "share of residents believing at least one rumour (spreaders and stiflers; rumours)"},
        {"/timeseries/rumour_never_heard", Dims::Step, "1",
         "share of residents outside a rumour's target group still ignorant of its current wave, averaged "
         "over rumours (rumours)"},
    };
    e.columns = {{"rumour", ColumnType::U8, 0, "",
                  "state of each rumour, 2 bits per rumour, rumour k in bits 2k..2k+1: 0 ignorant, 1 "
                  "spreader, 2 stifler, 3 debunked",
                  /*checkpointed=*/true, /*snapshotted=*/true}};
    e.summary = [](const World& w, std::vector<std::pair<std::string, double>>& out) {
        if (const auto* targets = w.products.find(kRumourTargets); targets != nullptr && !targets->empty())
            out.emplace_back("rumour_belief", rumour_figures(w).rumour_belief);
    };
    e.reads = "all the step's meetings (partners' rumour states from the slots); own home, group, rumour "
              "state and prejudice; lever `anti_rumours` (at home)";
    e.writes = "`rumour`, `prejudice`";
    return e;
}

ColumnHandle<uint8_t> rumour_column() {
    static const ColumnHandle<uint8_t> h = (mechanism_registry(), column_handle<uint8_t>("rumour"));
    return h;
}

RumourFigures rumour_figures(const World& w) {
    const Population& pop = w.pop;
    RumourFigures m;
    const std::vector<int>* published = w.products.find(kRumourTargets);
    if (published == nullptr || published->empty())
        return m;
    const std::vector<int>& targets = *published;
    const size_t n = pop.size(), R = targets.size();
    struct Sums {
        uint64_t believers = 0;
        std::vector<uint64_t> ignorant, eligible; // per rumour
        explicit Sums(size_t rumours) : ignorant(rumours), eligible(rumours) {}
    };
    const size_t blocks = (n + kReduceBlock - 1) / kReduceBlock;
    std::vector<Sums> part(blocks, Sums(R));
    oneapi::tbb::parallel_for(size_t(0), blocks, [&](size_t b) {
        Sums& s = part[b];
        const size_t r0 = b * kReduceBlock, r1 = std::min(n, r0 + kReduceBlock);
        const uint8_t* const group = pop.group.data();
        const uint8_t* const rumour = rumour_states(pop).data();
        // (Counts of at most a block's residents in 32 bits, and byte
        // tests: loops the compiler vectorises.)
        const uint8_t pairs = uint8_t(0x55u & ((1u << (2 * R)) - 1));
        uint32_t believers = 0;
        for (size_t r = r0; r < r1; ++r) {
            // A state of 1 or 2 (spreader or stifler who believes) in any
            // rumour's two bits: bit 0 xor bit 1 of some pair.
            const uint8_t st = rumour[r];
            believers += uint32_t((uint8_t(st ^ (st >> 1)) & pairs) != 0);
        }
        s.believers += believers;
        for (size_t k = 0; k < R; ++k) {
            const uint8_t target = uint8_t(targets[k]), shift = uint8_t(2 * k);
            uint32_t eligible = 0, ignorant = 0;
            for (size_t r = r0; r < r1; ++r) {
                const uint32_t other = group[r] != target;
                eligible += other;
                ignorant += other & uint32_t(((rumour[r] >> shift) & 3u) == 0);
            }
            s.eligible[k] += eligible;
            s.ignorant[k] += ignorant;
        }
    });
    Sums t(R);
    for (const Sums& s : part) {
        t.believers += s.believers;
        for (size_t k = 0; k < R; ++k) {
            t.ignorant[k] += s.ignorant[k];
            t.eligible[k] += s.eligible[k];
        }
    }
    // A vacant slot (sim/world.hpp) holds state 0 in group 0: no believer,
    // but counted as eligible and ignorant for a rumour about another group.
    for (size_t k = 0; k < R; ++k)
        if (targets[k] != 0) {
            t.eligible[k] -= w.vacancies;
            t.ignorant[k] -= w.vacancies;
        }
    auto ratio = [](auto a, auto b) { return double(b) > 0 ? double(a) / double(b) : double(NAN); };
    m.rumour_belief = ratio(t.believers, double(n - w.vacancies));
    double never = 0;
    for (size_t k = 0; k < R; ++k)
        never += ratio(t.ignorant[k], t.eligible[k]);
    m.rumour_never_heard = never / double(R);
    return m;
}

RumourStep rumour_meeting(RumourState self, RumourState partner, bool immune, bool partner_agent,
                          double transmission, double stifling, double efficacy, double u_spread,
                          double u_debunk) {
    RumourStep out{self};
    if (self == kIgnorant && partner == kSpreader) {
        if (immune)
            out.state = kDebunked;
        else if (u_spread < transmission) {
            out.state = kSpreader;
            out.believed = true;
        }
    } else if (self == kSpreader && partner != kIgnorant && u_spread < stifling) {
        out.state = kStifler;
    }
    if ((out.state == kSpreader || out.state == kStifler) && partner_agent && u_debunk < efficacy) {
        // Told and debunked in one meeting: never believed, so neither flag.
        out.debunked = !out.believed;
        out.believed = false;
        out.state = kDebunked;
    }
    return out;
}

namespace {

// The rumours for which a Daley-Kendall rule can fire, given what the
// partner side knows and spreads (bits as known_bits, spreader_bits): an
// ignorant told by a spreader, a spreader meeting someone who knows.
unsigned fire_bits(uint8_t self, unsigned known_other, unsigned spreading_other) {
    return ((~known_bits(self) & spreading_other) | (spreader_bits(self) & known_other)) & kRumourLowBits;
}

} // namespace

bool may_fire(uint8_t self, uint8_t other, bool partner_agent) {
    // (A select, not ||: the agent term takes no branch.)
    return (fire_bits(self, known_bits(other), spreader_bits(other)) |
            (partner_agent ? believer_bits(self) : 0u)) != 0;
}

// Knowing a rumour is the OR of its state's two bits, so the OR over
// partners passes through known_bits.
bool may_fire_any(uint8_t self, unsigned any, unsigned spreading) {
    return fire_bits(self, known_bits(any), spreading & kRumourLowBits) != 0;
}

// Over a resident's `count` place slots: the OR of its partners' rumour states
// (`any`) and of their spreader_bits (`spreading`): the meeting view's ORs
// (sim/meetings.hpp), an empty slot holding state 0. spreader_bits masks
// each state's lone bits, so the OR of the masked is the masked OR.
void partner_states(const Meeting* s, size_t count, unsigned& any, unsigned& spreading) {
    unsigned lone = 0;
    partner_rumours(s, count, any, lone);
    spreading = lone & kRumourLowBits;
}

namespace {

class Rumours final : public Mechanism {
public:
    Rumours(const RumoursParams& p, const World& w) : p_(p) {
        if (p_.rumours > 0 && w.group_total() < 2)
            throw ParamError(
                "rumours.rumours: rumours are about a minority group, but the city has one group");
        for (int k = 0; k < p_.rumours; ++k)
            target_.push_back(1 + k % std::max(1, w.group_total() - 1));
    }

    void publish(World& w, uint64_t) const override { w.products.set(kRumourTargets, target_); }
    size_t scratch_bytes() const override { return held_bytes(agent_); }

    void step(World& w, const StepContext& ctx) override {
        Population& pop = w.pop;
        std::vector<uint8_t>& rumour = rumour_states(pop);
        const size_t n = pop.size();
        const int G = w.group_total(), R = p_.rumours;
        const auto L = ctx.policy->intensity_table(Lever::AntiRumours, ctx.step, w.hoods.count(), G);
        auto level = [&](size_t r) { return double(L[size_t(w.hood[r]) * size_t(G) + pop.group[r]]); };
        // Agents: a fixed uniform per resident against the trained share.
        // (agent_ is read only when any_agent.)
        const bool any_agent = p_.agent_share > 0 && *std::max_element(L.begin(), L.end()) > 0;
        const KeyedHash rank(ctx.seed, Stream::SocialSetup, 7); // fixed per resident: no step in the key
        if (any_agent) {
            agent_.resize(n);
            parallel_for_index(
                n, [&](size_t r) { agent_[r] = to_unit(rank(uint32_t(r), 0)) < p_.agent_share * level(r); });
        }
        const uint32_t s = ctx.step, first = uint32_t(p_.first_step);
        const bool wave =
            R > 0 && s >= first && (p_.every == 0 ? s == first : (s - first) % uint32_t(p_.every) == 0);
        struct Tally {
            uint64_t believed = 0, debunked = 0;
            Tally& operator+=(const Tally& o) {
                believed += o.believed;
                debunked += o.debunked;
                return *this;
            }
        };
        Tally t;
        const KeyedHash draw(ctx.seed, Stream::Rumours, s);
        if (wave) {
            t = deterministic_sum<Tally>(n, [&](size_t r) {
                uint8_t state = 0;
                double p = pop.prejudice[r];
                Tally x;
                for (int k = 0; k < R; ++k) {
                    const bool seedling = to_unit(draw(uint32_t(r), 0x10000u + uint32_t(k))) < p_.seed_share;
                    if (seedling && pop.group[r] != target_[size_t(k)] && !(any_agent && agent_[r]) &&
                        !pop.vacant(r)) {
                        state = with_rumour_state(state, k, kSpreader);
                        p += p_.belief_impact * (1 - p);
                        ++x.believed;
                    }
                }
                rumour[r] = state;
                pop.prejudice[r] = float(p);
                return x;
            });
        } else if (R > 0 && (any_agent || any_spreader(pop))) { // else nothing can change
            const StepMeetings met(w, ctx.step);
            const size_t S = met.slots;
            const bool have_ties = met.ties != nullptr;
            const auto tie = tie_columns(pop).id;
            const Meeting* const slots = S > 0 ? met.places->slot.data() : nullptr;
            const TieMeetings* const ties = have_ties ? met.ties->ties.data() : nullptr;
            t = deterministic_sum<Tally>(n, [&](size_t r) {
                uint8_t state = rumour[r];
                Tally x;
                if (!any_agent && S > 0) {
                    // Without agents, most residents' meetings can change
                    // nothing: one test over all of them at once (an empty
                    // slot holds state 0, which neither knows nor spreads),
                    // and then no write either.
                    unsigned any = 0, spreading = 0;
                    partner_states(&slots[r * S], S, any, spreading);
                    if (have_ties) {
                        unsigned lone = 0;
                        tie_rumours(ties[r], any, lone);
                        spreading |= lone & kRumourLowBits;
                    }
                    if (!may_fire_any(state, any, spreading))
                        return x;
                }
                double p = pop.prejudice[r];
                const bool self_agent = any_agent && agent_[r];
                if (self_agent) // trained: believes no rumour from now on
                    for (int k = 0; k < R; ++k)
                        if (const RumourState st = rumour_state(state, k);
                            st == kSpreader || st == kStifler) {
                            state = with_rumour_state(state, k, kDebunked);
                            p -= p_.debunk_reversal * p_.belief_impact * (1 - p);
                            ++x.debunked;
                        }
                double transmission = -1; // computed when first needed
                // A meeting in slot m (place slots, then the tie slots S + k).
                const auto meet = [&](size_t m, const Meeting& mt) {
                    const uint32_t q = mt.partner;
                    // Most meetings can change nothing (neither side knows a
                    // rumour): one test over every rumour's 2 bits at once.
                    const bool partner_agent = any_agent && agent_[q];
                    if (!may_fire(state, mt.rumour, partner_agent))
                        return;
                    if (transmission < 0)
                        transmission = p_.transmission * (1 - p_.campaign_effect * level(r));
                    for (int k = 0; k < R; ++k) {
                        const RumourState self = rumour_state(state, k), other = rumour_state(mt.rumour, k);
                        // Draws are needed only when a rule can fire; those of
                        // (slot, rumour) are used only here.
                        const bool spread = (self == kIgnorant && other == kSpreader) ||
                                            (self == kSpreader && other != kIgnorant);
                        const bool debunk = partner_agent && self != kIgnorant && self != kDebunked;
                        if (!spread && !debunk)
                            continue;
                        const uint64_t h = draw(uint32_t(r), uint32_t(m * size_t(R) + size_t(k)));
                        const bool immune = self_agent || pop.group[r] == target_[size_t(k)];
                        const RumourStep st =
                            rumour_meeting(self, other, immune, partner_agent, transmission, p_.stifling,
                                           p_.debunk_efficacy, unit_hi(h), unit_lo(h));
                        state = with_rumour_state(state, k, st.state);
                        if (st.believed) {
                            p += p_.belief_impact * (1 - p);
                            ++x.believed;
                        }
                        if (st.debunked) {
                            p -= p_.debunk_reversal * p_.belief_impact * (1 - p);
                            ++x.debunked;
                        }
                    }
                };
                const Meeting* const mine = S > 0 ? &slots[r * S] : nullptr;
                for_each_meeting(mine, S > 0 ? held_slots(mine, S) : 0, meet);
                if (have_ties) // slots S + k; a friend's id (a read of the tie column) matters only for agents
                    for (unsigned mask = tie_slots(ties[r], Encounters::kFriend); mask != 0;
                         mask &= mask - 1) {
                        const auto k = size_t(__builtin_ctz(mask));
                        meet(S + k, Meeting{any_agent ? tie[k][r] : kNoResident, ties[r].info[k],
                                            ties[r].rumour[k]});
                    }
                rumour[r] = state;
                pop.prejudice[r] = float(std::clamp(p, 0.0, 1.0));
                return x;
            });
        }
        believed_ = double(t.believed);
        debunked_ = double(t.debunked);
    }

    void counters(Counters& out) const override {
        out.emplace_back("new_believers", believed_);
        out.emplace_back("debunks", debunked_);
    }

    void report(const World& w, std::vector<std::vector<double>>& rows) const override {
        const RumourFigures f = rumour_figures(w);
        rows.push_back({f.rumour_belief});
        rows.push_back({f.rumour_never_heard});
    }

private:
    // Whether anyone spreads some rumour (an integer count: exact in any order).
    bool any_spreader(const Population& pop) const {
        unsigned low_bits = 0; // bit 2k of each rumour k
        for (int k = 0; k < p_.rumours; ++k)
            low_bits |= 1u << (2 * k);
        const std::vector<uint8_t>& rumour = rumour_states(pop);
        return deterministic_sum<uint64_t>(pop.size(), [&](size_t r) {
                   return uint64_t((spreader_bits(rumour[r]) & low_bits) != 0);
               }) > 0;
    }

    RumoursParams p_;
    std::vector<int> target_;
    std::vector<uint8_t> agent_;
    double believed_ = 0, debunked_ = 0;
};

} // namespace

std::unique_ptr<Mechanism> make_rumours(const RumoursParams& params, const World& world) {
    return std::make_unique<Rumours>(params, world);
}

} // namespace icsim
