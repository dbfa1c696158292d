// Daily activities and encounters (the rules with their equations and
// sources: docs/model/encounters.md).
//
// Each step, from the state at the start of the step:
//  1. activities (parallel over residents): a resident with a workplace or
//     school attends it with probability work_attendance; and makes at most
//     one leisure visit: to a public space with probability p_ps =
//     public_visit x (1 + public_space_boost x L_ps), else to a community
//     centre with probability centre_visit x (1 + events_boost x L_ev) (L =
//     the lever's intensity for the resident's neighbourhood and group; the
//     two together at most 1, the centre's cut first), to one of the
//     `nearest_places` places of that kind nearest its neighbourhood.
//  2. who is where: a workplace or school holds max(1, round(staff /
//     team_size)) teams (staff = work_share x residents x its share of the
//     workplaces' capacity, the expected number of residents working
//     there), a centre max(1, round(capacity / team_size)); a resident
//     always joins the same team at a place, drawn by a keyed hash of (seed,
//     place, id) (its colleagues, classmates, regulars); a public space is
//     one crowd. Visits are sorted by unit (team or crowd)
//     with a parallel counting sort (blocks of residents counted, offsets
//     by (unit, block), scattered in resident order), so each unit's
//     visitors lie together, in id order.
//  3. meetings (parallel over units): in round k a unit with s >= 2
//     visitors draws one offset o in [1, s-1]; the visitor at position i
//     meets the one at position (i + o) mod s. Every visitor so initiates one
//     meeting and receives one per round: each meets a uniformly drawn other
//     visitor of its unit, and the pairing needs no search and no lock.
//  4. how it goes: a meeting is salient with probability `salience`; a
//     salient meeting is positive with probability logistic(x),
//       x = base_log_odds + cooperation_weight [cooperative setting]
//         + support_weight x L_place + language_weight x min(lang_a, lang_b)
//         - prejudice_weight x (prej_a + prej_b) / 2        (out-group only)
//     and otherwise negative; the mediation lever then averts a share
//     mediation_effect x L_med of negative contacts (they become neutral).
//     L_place and L_med are the levers' levels in the place's
//     neighbourhood, averaged over the two sides' groups (so the outcome
//     does not depend on who started the meeting).
//     Allport's conditions (Allport 1954; Pettigrew & Tropp 2006) enter as
//     the cooperative setting (workplace, school, centre) and the place's
//     supporting lever (school mixing, public-space programming,
//     intercultural events); defaults give about 3 positive contacts per
//     negative one in the default city (Graf, Paolini & Rubin 2014).
//     The outcome is a property of the meeting -- both sides record it --
//     drawn from the initiator's counter stream.
// The meetings are written in visit order (each visit's, as started and as
// received, over its record, which a unit copies out first: both writes
// stay in the unit's stretch, and need no memory of their own), then copied
// in resident order to the place slots (kMeetings), one slot per (visit kind: work or
// leisure, round, role); each carries the partner's start-of-step rumour
// state, gathered with the visit in step 2. (Written straight to the
// residents' slots, every meeting was two writes at random in a large
// array: docs/performance.md.)
#include "models/encounters.hpp"
#include "models/culture.hpp"
#include "models/registry.hpp"
#include "models/rumours.hpp"

#include "models/encounters_detail.hpp"

#include <algorithm>
#include <cmath>

#include <oneapi/tbb/parallel_reduce.h>
#include <oneapi/tbb/task_arena.h>

#include "sim/columns.hpp"
#include "sim/counting_sort.hpp"
#include "sim/meetings.hpp"
#include "sim/parallel.hpp"
#include "sim/rng.hpp"
#include "sim/scratch.hpp"

namespace icsim {

const std::vector<Field<EncountersParams>>& encounters_fields() {
    using P = EncountersParams;
    static const std::vector<Field<P>> fields = {
        {"work_share",
         &P::work_share,
         0,
         1,
         "1",
         "share of residents given a workplace or school when the run starts (drawn with probability "
         "proportional to the places' capacities)",
         assumption("time use"),
         {0.3, 0.9}},
        {"work_attendance",
         &P::work_attendance,
         0,
         1,
         "per step",
         "chance that a resident with a workplace or school goes there in a step",
         assumption("time use"),
         {0.45, 1}},
        {"public_visit",
         &P::public_visit,
         0,
         1,
         "per step",
         "chance of visiting a public space in a step without the public_space lever",
         assumption("time use"),
         {0.15, 0.45}},
        {"centre_visit",
         &P::centre_visit,
         0,
         1,
         "per step",
         "chance of visiting a community centre in a step without the intercultural_events lever",
         assumption("time use"),
         {0.025, 0.075}},
        {"public_space_boost",
         &P::public_space_boost,
         0,
         10,
         "1",
         "relative rise of public-space visits when the public_space lever is at full intensity",
         assumption("no evaluation of programming on visits"),
         {0, 3}},
        {"events_boost",
         &P::events_boost,
         0,
         20,
         "1",
         "relative rise of community-centre visits when the intercultural_events lever is at full intensity",
         assumption("no evaluation of programming on visits"),
         {0, 10}},
        {"nearest_places",
         &P::nearest_places,
         1,
         64,
         "places",
         "a public-space or centre visit goes to one of this many places of the kind nearest the home "
         "neighbourhood",
         assumption(),
         {1, 4}},
        {"team_size",
         &P::team_size,
         2,
         100000,
         "residents",
         "size of the teams residents meet in: a workplace or school has max(1, round(expected staff / "
         "team_size)) teams, a centre max(1, round(capacity / team_size)); a resident always joins the same "
         "team there; a public space is one crowd",
         assumption("how often two given residents meet again, which drives friendship"),
         {6, 50}},
        {"meetings_per_visit",
         &P::meetings_per_visit,
         1,
         8,
         "rounds",
         "rounds of pairing per visit; each round a visitor starts one meeting and is met once",
         assumption(),
         {1, 3}},
        {"salience",
         &P::salience,
         0,
         1,
         "1",
         "share of meetings that are contacts with a valence (positive or negative); the rest are neutral",
         assumption(),
         {0.2, 0.8}},
        {"base_log_odds",
         &P::base_log_odds,
         -10,
         10,
         "log-odds",
         "log-odds of a salient meeting being positive before the terms below",
         calibrated("positive to negative contacts about 3:1 in the default city (Graf et al. 2014); the "
                    "sweep range moves the ratio over about 2-4"),
         {0.45, 1.15}},
        {"cooperation_weight",
         &P::cooperation_weight,
         0,
         10,
         "log-odds",
         "added in a cooperative setting: workplace, school, community centre (Allport's conditions)",
         assumption("sign from Allport 1954 and Pettigrew & Tropp 2006, size assumed"),
         {0, 2}},
        {"language_weight",
         &P::language_weight,
         0,
         10,
         "log-odds",
         "added per unit of the lower language proficiency of the two",
         assumption("the logistic form and the weight"),
         {0, 2}},
        {"prejudice_weight",
         &P::prejudice_weight,
         0,
         10,
         "log-odds",
         "removed per unit of the two sides' mean prejudice, in out-group meetings",
         assumption("the logistic form and the weight"),
         {0, 4}},
        {"support_weight",
         &P::support_weight,
         0,
         10,
         "log-odds",
         "added per unit of the place's supporting lever: school_mixing at schools, public_space in public "
         "spaces, intercultural_events at centres (institutional support)",
         assumption("sign from Allport 1954 and Pettigrew & Tropp 2006, size assumed"),
         {0, 2}},
        {"mediation_effect",
         &P::mediation_effect,
         0,
         1,
         "1",
         "share of negative contacts averted by the mediation lever at full intensity",
         assumption("no evaluation of mediation's effect on contact"),
         {0, 1}},
    };
    return fields;
}

MechanismEntry encounters_mechanism() {
    MechanismEntry e = make_mechanism_entry(
        "encounters",
        "daily visits to workplaces, schools, public spaces and centres; meetings there, "
        "positive or negative by Allport's conditions (Pettigrew & Tropp 2006)",
        encounters_fields, make_encounters);
    e.series = {
        {"/timeseries/intergroup_meeting_share", Dims::Step, "1",
         "share of the step's meetings (at places) between members of different groups (encounters)"},
        {"/timeseries/contact_ratio", Dims::Step, "1",
         "positive / negative out-group contacts in the step's place meetings (encounters; about 3 by "
         "calibration, Graf et al. 2014)"},
    };
    e.reads = "homes (neighbourhood), workplace, group, language, prejudice, culture, rumour; levers "
              "`public_space` and `intercultural_events` (visits: at home; support: at the place), "
              "`school_mixing` and `mediation` (at the place)";
    e.writes =
        "the step's place meetings (`kMeetings`): every resident's start-of-step public state (`start`: "
        "culture, prejudice, rumour, "
        "one array each), the step's place meetings (place slots), each carrying the partner's start-of-step "
        "rumour state, and the step's meeting figures (`meetings`, `outgroup`, `positive`, `negative`)";
    return e;
}

MeetingFigures meeting_figures(const World& w) {
    MeetingFigures m;
    const Encounters* today = w.products.find(kMeetings);
    if (today == nullptr || today->step == 0 || today->slots == 0)
        return m;
    auto ratio = [](double a, double b) { return b > 0 ? a / b : double(NAN); };
    m.intergroup_meeting_share = ratio(double(today->outgroup), double(today->meetings));
    m.contact_ratio = ratio(double(today->positive), double(today->negative));
    return m;
}

namespace {

using namespace encounters_detail;

constexpr size_t kBlock = 8192;

class EncounterMechanism final : public Mechanism {
public:
    EncounterMechanism(const EncountersParams& p, const World& w) : p_(p), units_(p, w) {
        rounds_ = size_t(p_.meetings_per_visit);
        place_slots_ = size_t(kKinds) * rounds_ * 2;
    }

    void initialise(World& w, uint64_t seed) override { assign_workplaces(w, seed, p_.work_share); }

    void publish(World& w, uint64_t) const override {
        Encounters none;
        none.slots = place_slots_;
        w.products.set(kMeetings, std::move(none));
    }

    void step(World& w, const StepContext& ctx) override {
        const size_t n = w.pop.size(), U = units_.count();
        const int G = w.group_total(), H = w.hoods.count();
        Scratch& t = scratch_;
        const size_t S = place_slots_;
        Encounters& today = w.products.at(kMeetings);
        today.slots = S;
        today.step = ctx.step;
        today.slot.resize(n * S);
        const auto L_public = ctx.policy->intensity_table(Lever::PublicSpace, ctx.step, H, G);
        const auto L_events = ctx.policy->intensity_table(Lever::InterculturalEvents, ctx.step, H, G);

        // 1. activities: one keyed hash per resident (16 bits decide work,
        // 24 the leisure visit, 24 the place).
        t.visit.resize(n * kKinds);
        today.start.resize(n);
        const KeyedHash activity(ctx.seed, Stream::Activities, ctx.step);
        const KeyedHash team(ctx.seed, Stream::SocialSetup, 8); // no step: a resident keeps its team
        // The visit chances depend only on (neighbourhood, group): a table,
        // as the draws' integer limits (draw_limit) of a public-space visit
        // and of any leisure visit.
        std::vector<std::pair<uint64_t, uint64_t>> chance(L_public.size());
        for (size_t hg = 0; hg < chance.size(); ++hg) {
            const double p_ps = std::min(1.0, p_.public_visit * (1 + p_.public_space_boost * L_public[hg]));
            const double p_cc = std::min(1.0 - p_ps, p_.centre_visit * (1 + p_.events_boost * L_events[hg]));
            chance[hg] = {draw_limit(p_ps, 24), draw_limit(p_ps + p_cc, 24)};
        }
        // The activities run in the counting sort's blocks of residents,
        // each counting its visits per unit.
        CountingSort& sort = t.sort;
        // (At least one unit: a resident without a visit adds 0 to unit 0,
        // which a city without places must have too.)
        sort.plan(n, std::max<size_t>(U, 1), kBlock);
        const size_t blocks = sort.blocks();
        // Vacant slots (sim/world.hpp) visit nothing: no workplace, and no
        // leisure visit (tested only when there are any).
        const bool vacant_any = w.vacancies > 0;
        const CellId* const home = w.pop.cell.data();
        oneapi::tbb::parallel_for(size_t(0), blocks, [&](size_t b) {
            const size_t begin = sort.begin(b), end = sort.end(b);
            uint32_t* const count = sort.zeroed_counts(b);
            // In locals: the byte stores below may alias any memory.
            const auto [culture, workplace, prejudice, group, rumour, hood] = columns(
                cultures(w.pop), w.pop.workplace, w.pop.prejudice, w.pop.group, rumour_states(w.pop), w.hood);
            const auto [chances, near_lists, visit] = columns(chance, units_.near, t.visit);
            const auto [start_culture, start_prejudice, start_rumour] =
                columns(today.start.culture, today.start.prejudice, today.start.rumour);
            const uint64_t work_limit = draw_limit(p_.work_attendance, 16);
            for (size_t r = begin; r != end; ++r) {
                start_culture[r] = culture[r];
                start_prejudice[r] = prejudice[r];
                uint32_t* v = &visit[r * kKinds];
                v[0] = v[1] = kNoPlace;
                const uint64_t h0 = activity(uint32_t(r), 0);
                // (The work and leisure draws as integers against their limits.)
                const uint64_t u_work = h0 & 0xFFFFu, u_leisure = (h0 >> 16) & 0xFFFFFFu;
                const double u_place = double(h0 >> 40) * 0x1.0p-24;
                const size_t h = hood[r];
                const auto [public_limit, leisure_limit] = chances[h * size_t(G) + group[r]];
                if (workplace[r] != kNoPlace && u_work < work_limit)
                    v[0] = units_.unit_of(team, uint32_t(r), workplace[r]);
                const std::vector<uint32_t>& near = near_lists[h * 2 + (u_leisure < public_limit ? 0 : 1)];
                if (u_leisure < leisure_limit && !near.empty() && !(vacant_any && home[r] == kNoCell))
                    v[1] = units_.unit_of(team, uint32_t(r), near[size_t(u_place * double(near.size()))]);
                start_rumour[r] = rumour[r];
                for (size_t kind = 0; kind < kKinds; ++kind) // (no visit: adds 0 to unit 0, no branch)
                    count[v[kind] == kNoPlace ? 0 : v[kind]] += v[kind] != kNoPlace;
            }
        });

        // 2. counting sort of the visits by unit (the counts were taken
        // with the activities); each visit carries the
        // visitor's attributes, so step 3 reads its unit's visitors from
        // one contiguous stretch of memory.
        sort.offsets();
        const size_t visits = sort.total();
        // Each visit has W = 2 x rounds words in `sorted` (16 bytes or more):
        // first its record, then, once made, its meetings (see meet).
        const size_t W = 2 * rounds_;
        if (t.sorted.capacity() < n * kKinds * W) // once: no reallocation as the number of visits varies
            t.sorted.reserve(n * kKinds * W);
        t.sorted.resize(visits * W);
        t.sorted_peak = std::max(t.sorted_peak, t.sorted.size());
        oneapi::tbb::parallel_for(size_t(0), blocks, [&](size_t b) {
            uint32_t* const pos = sort.positions(b); // the block's write positions
            // (In locals: the records' byte stores may alias any memory.)
            const auto [visit, sorted] = columns(t.visit, t.sorted);
            const auto [language, prejudice, group, rumour] =
                columns(w.pop.language, w.pop.prejudice, w.pop.group, rumour_states(w.pop));
            const size_t begin = sort.begin(b), end = sort.end(b);
            for (size_t r = begin; r != end; ++r)
                for (int kind = 0; kind < kKinds; ++kind) {
                    const uint32_t un = visit[r * kKinds + size_t(kind)];
                    if (un == kNoPlace)
                        continue;
                    const uint32_t at = pos[un]++;
                    const Visit rec{uint32_t(r), language[r], prejudice[r], group[r], rumour[r]};
                    std::memcpy(static_cast<void*>(&sorted[size_t(at) * W]), &rec, sizeof rec);
                    visit[r * kKinds + size_t(kind)] = at; // from here on: the visit's position
                }
        });

        // 3-4. meetings: one offset per (unit, round), then every visit's
        // initiated meetings, in parallel over chunks of units.
        t.offset.resize(U * rounds_);
        parallel_for_index(U, [&](size_t un) {
            const uint32_t s = sort.start()[un + 1] - sort.start()[un];
            for (size_t k = 0; k < rounds_; ++k)
                t.offset[un * rounds_ + k] =
                    s < 2
                        ? 0
                        : 1 + uint32_t(
                                  (draw_u64(ctx.seed, Stream::PlaceRounds, ctx.step, uint32_t(un), k) >> 32) *
                                      (s - 1) >>
                                  32);
        });
        // The levers at each place, per group.
        place_levers(w, ctx, L_public, L_events, t.support, t.mediation);
        const MeetPass pass{p_,
                            KeyedHash(ctx.seed, Stream::Meetings, ctx.step),
                            t.sorted.data(),
                            sort.start().data(),
                            t.offset.data(),
                            units_.place.data(),
                            t.support.data(),
                            t.mediation.data(),
                            w.places.data(),
                            rounds_,
                            size_t(G)};
        // In chunks of whole units of about equal numbers of visits (a unit
        // is worked on by one task: its meetings overwrite its records).
        const size_t chunks =
            std::max<size_t>(1, std::min(U, 16 * size_t(oneapi::tbb::this_task_arena::max_concurrency())));
        t.cut.resize(chunks + 1);
        for (size_t c = 0; c < chunks; ++c)
            t.cut[c] = uint32_t(std::lower_bound(sort.start().begin(), sort.start().begin() + ptrdiff_t(U),
                                                 uint32_t(c * visits / chunks)) -
                                sort.start().begin());
        t.cut[chunks] = uint32_t(U);
        // Integer sums: exact, so the reduction order does not matter.
        const Tally tally = oneapi::tbb::parallel_reduce(
            oneapi::tbb::blocked_range<size_t>(0, chunks, 1), Tally{},
            [&](const oneapi::tbb::blocked_range<size_t>& range, Tally x) {
                std::vector<Visit>& unit = t.unit.local(); // a unit's records
                for (size_t c = range.begin(); c != range.end(); ++c)
                    x = meet_units(pass, t.cut[c], t.cut[c + 1], unit, x);
                return x;
            },
            [](Tally a, const Tally& b) { return a += b; });
        gather(w, today);
        tally_[0] = double(visits);
        tally_[1] = double(tally.meetings);
        tally_[2] = double(tally.outgroup);
        tally_[3] = double(tally.positive);
        tally_[4] = double(tally.negative);
        today.meetings = tally.meetings;
        today.outgroup = tally.outgroup;
        today.positive = tally.positive;
        today.negative = tally.negative;
    }

    // Copies each resident's meetings (in visit order, see meet) to its
    // place slots (kMeetings), in resident order: the slots are written
    // in order, and the meetings, read at random, are a quarter of their
    // size. Empty: the slots of a kind not visited. (The friends' meetings,
    // FriendMeetings, are the friendship mechanism's.)
    void gather(const World& w, Encounters& today) const {
        const Scratch& t = scratch_;
        const size_t n = w.pop.size(), S = today.slots, W = 2 * rounds_;
        oneapi::tbb::parallel_for(oneapi::tbb::blocked_range<size_t>(0, n, 1024), [&](const auto& range) {
            const auto [visit, out, slots] = columns(t.visit, t.sorted, today.slot);
            for (size_t r = range.begin(); r != range.end(); ++r) {
                if (r + kPrefetchAhead < n) // the meetings of the resident a few ahead (none: visit 0's)
                    for (size_t kind = 0; kind < kKinds; ++kind) {
                        const uint32_t v = visit[(r + kPrefetchAhead) * kKinds + kind];
                        __builtin_prefetch(&out[size_t(v == kNoPlace ? 0 : v) * W]);
                    }
                const Meeting* from[kKinds];
                for (size_t kind = 0; kind < kKinds; ++kind) {
                    const uint32_t v = visit[r * kKinds + kind];
                    from[kind] = v == kNoPlace ? nullptr : &out[size_t(v) * W];
                }
                write_slots(&slots[r * S], S, from, kKinds, W);
            }
            slot_stores_done(); // the next mechanisms' threads read the slots
        });
    }

    void counters(Counters& out) const override {
        out.emplace_back("visits", tally_[0]);
        out.emplace_back("meetings", tally_[1]);
        out.emplace_back("intergroup_meetings", tally_[2]);
        out.emplace_back("positive_contacts", tally_[3]);
        out.emplace_back("negative_contacts", tally_[4]);
    }

    size_t scratch_bytes() const override {
        const Scratch& t = scratch_;
        // `sorted` counts up to the most visits a step has had: its reserve
        // beyond that is never touched, so it is not in the resident set.
        size_t b = held_bytes(t.visit) + t.sorted_peak * sizeof(Encounters::Meeting) + t.sort.held_bytes() +
                   held_bytes(t.offset) + held_bytes(t.cut) + held_bytes(t.support) + held_bytes(t.mediation);
        for (const auto& u : t.unit)
            b += held_bytes(u);
        return b;
    }

    void report(const World& w, std::vector<std::vector<double>>& rows) const override {
        const MeetingFigures m = meeting_figures(w);
        rows.push_back({m.intergroup_meeting_share});
        rows.push_back({m.contact_ratio});
    }

private:
    struct Scratch {
        // visit: per resident and kind, the unit visited (kNoPlace: none),
        // then the visit's position in `sorted`.
        BigVector<uint32_t> visit;             // large: huge pages
        CountingSort sort;                     // of the visits by unit
        std::vector<uint32_t> offset, cut;     // cut: the meetings' chunks of units
        std::vector<float> support, mediation; // per place and group: the levers (place_levers)
        PerThread<std::vector<Visit>> unit;    // a unit's records, copied out before its meetings
        // Per visit, in unit order, W = 2 x rounds words: its record (a
        // Visit), then its meetings (see meet), read by the gather.
        BigVector<Encounters::Meeting> sorted;
        size_t sorted_peak = 0; // the largest size of `sorted` so far
    };
    EncountersParams p_;
    Units units_;
    size_t rounds_ = 1, place_slots_ = 4;
    Scratch scratch_;
    double tally_[5] = {0, 0, 0, 0, 0};
};

} // namespace

std::unique_ptr<Mechanism> make_encounters(const EncountersParams& params, const World& world) {
    return std::make_unique<EncounterMechanism>(params, world);
}

} // namespace icsim
