// The meetings of a step's units and how they go (docs/model/encounters.md,
// steps 3-4): pairing by one offset per (unit, round), and each meeting's
// salience and valence from Allport's conditions and the levers.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "models/encounters_detail.hpp"

namespace icsim {

double positive_probability(const EncountersParams& p, bool outgroup, bool cooperative, double support,
                            double language_min, double prejudice_mean) {
    double x = p.base_log_odds + (cooperative ? p.cooperation_weight : 0.0) + p.support_weight * support +
               p.language_weight * language_min;
    if (outgroup)
        x -= p.prejudice_weight * prejudice_mean;
    return 1.0 / (1.0 + std::exp(-x));
}

namespace encounters_detail {

namespace {

constexpr uint8_t kOut = Encounters::kOutgroup;
constexpr uint8_t kPos = Encounters::kPositive;
constexpr uint8_t kNeg = Encounters::kNegative;

} // namespace

// The meetings of units [first_unit, end_unit), written for both sides
// in the order of the visits: visit i's meetings are sorted[i x W,
// (i + 1) x W), W = 2 x rounds, in the order of its place slots (round,
// then role: started, received), over its record, which is read first
// (each unit's records are copied out before its meetings are written).
// Returns x with them counted. (The hash, the parameters and the tally as
// locals: not reloaded after the stores.)
Tally meet_units(const MeetPass& pass, size_t first_unit, size_t end_unit, std::vector<Visit>& unit,
                 Tally x) {
    // Everything the loop reads, in locals: the byte stores of the meetings
    // may alias any memory, so fields read through `pass` would be reloaded
    // after each.
    Encounters::Meeting* const made = pass.made;
    const uint32_t *const start = pass.start, *const offset = pass.offset,
                          *const unit_place = pass.unit_place;
    const float *const sup_at = pass.support, *const med_at = pass.mediation;
    const Place* const places = pass.places;
    const size_t rounds = pass.rounds, groups = pass.groups, W = 2 * rounds;
    const EncountersParams params = pass.params;
    const KeyedHash draw = pass.draw;
    const uint64_t salience_limit =
        draw_limit(params.salience, 32); // (the same outcomes as unit_hi < salience)
    for (size_t un = first_unit; un != end_unit; ++un) {
        const uint32_t first = start[un], s = start[un + 1] - first;
        if (s == 0)
            continue;
        if (s < 2) { // alone: no meeting
            std::fill_n(&made[size_t(first) * W], W, Encounters::Meeting{});
            continue;
        }
        unit.resize(s);
        Visit* const rec = unit.data();
        for (uint32_t j = 0; j < s; ++j)
            std::memcpy(static_cast<void*>(&rec[j]), &made[size_t(first + j) * W], sizeof(Visit));
        const uint32_t pl = unit_place[un];
        const PlaceKind pk = places[pl].kind;
        const size_t kind = size_t(visit_kind(pk));
        const bool coop = pk != PlaceKind::PublicSpace;
        for (uint32_t at = 0; at < s; ++at) { // the visit's position in its unit
            const Visit a = rec[at];
            for (size_t k = 0; k < rounds; ++k) {
                uint32_t to = at + offset[un * rounds + k]; // (at + offset) mod s, both below s
                to -= to >= s ? s : 0;
                const Visit b = rec[to];
                const bool out = b.group != a.group;
                // The initiator's draw m = kind x rounds + k: one per meeting it starts.
                const uint64_t h = draw(a.who, uint32_t(kind * rounds + k));
                uint8_t info = uint8_t((out ? kOut : 0) | (uint8_t(pk) << Encounters::kPlaceShift));
                if ((h >> 32) < salience_limit) {
                    // Levers at the place, for the two sides' groups alike.
                    const double sup =
                        0.5 * (double(sup_at[pl * groups + a.group]) + sup_at[pl * groups + b.group]);
                    const double med =
                        0.5 * (double(med_at[pl * groups + a.group]) + med_at[pl * groups + b.group]);
                    const double pp =
                        positive_probability(params, out, coop, sup, std::min(a.language, b.language),
                                             0.5 * (double(a.prejudice) + double(b.prejudice)));
                    const double u = unit_lo(h);
                    if (u < pp)
                        info |= kPos;
                    else if ((u - pp) / (1 - pp) >= params.mediation_effect * med)
                        info |= kNeg;
                }
                Encounters::put(&made[size_t(first + at) * W + 2 * k], b.who, info, b.rumour);
                Encounters::put(&made[size_t(first + to) * W + 2 * k + 1], a.who, info, a.rumour);
                ++x.meetings;
                if (out) {
                    ++x.outgroup;
                    x.positive += (info & kPos) != 0;
                    x.negative += (info & kNeg) != 0;
                }
            }
        }
    }
    return x;
}

} // namespace encounters_detail

} // namespace icsim
