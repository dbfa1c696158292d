#pragma once

#include <cmath>
#include <memory>
#include <vector>

#include "sim/mechanism.hpp"
#include "sim/meetings.hpp"
#include "sim/params.hpp"

namespace icsim {

struct EncountersParams {
    double work_share = 0.6;         // share of residents with a workplace or school
    double work_attendance = 0.9;    // per step
    double public_visit = 0.3;       // per step, before the public-space lever
    double centre_visit = 0.05;      // per step, before the intercultural-events lever
    double public_space_boost = 1;   // relative rise of public-space visits at full lever intensity
    double events_boost = 3;         // relative rise of centre visits at full lever intensity
    int nearest_places = 2;          // a leisure visit goes to one of the k nearest places of its kind
    int team_size = 12;              // workplaces, schools and centres meet in teams of about this size
    int meetings_per_visit = 1;      // rounds of pairings per visit (each round: 2 meetings per visitor)
    double salience = 0.5;           // share of meetings that are a contact with a valence
    double base_log_odds = 0.86;     // log-odds of positive (vs negative) at coop 0, language 0, prejudice 0
    double cooperation_weight = 0.5; // log-odds added by a cooperative setting (work, school, centre)
    double language_weight = 1.0;    // log-odds per unit of the lower language proficiency of the two
    double prejudice_weight = 2.0;   // log-odds removed per unit of the two sides' mean prejudice (out-group)
    double support_weight = 1.0;     // log-odds per unit of the place's supporting lever
    double mediation_effect = 0.5; // share of negative contacts the mediation lever averts at full intensity
};

const std::vector<Field<EncountersParams>>& encounters_fields();
std::unique_ptr<Mechanism> make_encounters(const EncountersParams& params, const World& world);

// Published when encounters runs: the step's place meetings (written at the
// start of each step; sim/meetings.hpp).
inline constexpr Product<Encounters> kMeetings{"encounters.meetings"};

// The step's place meetings in figures (/timeseries/intergroup_meeting_share
// and contact_ratio): NaN before the first step and where the mechanism
// does not run.
struct MeetingFigures {
    double intergroup_meeting_share = NAN; // out-group meetings / all meetings started
    double contact_ratio = NAN;            // positive / negative out-group contacts in the step
};
MeetingFigures meeting_figures(const World& world);

// The valence rule, exposed for tests: the probability that a salient
// meeting is positive, given the log-odds terms described in encounters.cpp.
double positive_probability(const EncountersParams& p, bool outgroup, bool cooperative, double support,
                            double language_min, double prejudice_mean);

} // namespace icsim
