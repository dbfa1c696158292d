#pragma once

#include <cmath>
#include <memory>
#include <optional>
#include <vector>

#include "sim/mechanism.hpp"
#include "sim/params.hpp"

namespace icsim {

struct AttitudesParams {
    double contact_effect = 0.001;  // relative fall of prejudice per positive out-group contact
    double relaxation = 0.01;       // per step: share of the gap to the resident's disposition closed
    double negative_weight = 2;     // a negative contact's weight relative to a positive one, in [1, 3]
    double minority_factor = 0.5;   // contact effects for members of minority groups, relative
    double buffering = 0.5;         // how much recent positive contact damps a negative one
    double memory = 0.98;           // per step: share of the recent-contact counts kept
    double extended_effect = 0.001; // relative fall per step when an in-group friend has an out-group friend
    double influence = 0.1;         // mu: share of the gap closed towards a friend met (bounded confidence)
    double confidence = 0.2;        // d: friends further apart than this do not influence each other
};

const std::vector<Field<AttitudesParams>>& attitudes_fields();
std::unique_ptr<Mechanism> make_attitudes(const AttitudesParams& params, const World& world);

// The columns the mechanism declares (Population::column): the disposition
// (the prejudice a resident relaxes towards, its initial prejudice) and the
// recent positive and negative out-group contacts (decaying counts).
ColumnHandle<float> disposition_column();
ColumnHandle<float> contact_positive_column();
ColumnHandle<float> contact_negative_column();
inline std::vector<float>& contact_positive(Population& pop) {
    return pop.column(contact_positive_column());
}
inline const std::vector<float>& contact_positive(const Population& pop) {
    return pop.column(contact_positive_column());
}
inline std::vector<float>& contact_negative(Population& pop) {
    return pop.column(contact_negative_column());
}
inline const std::vector<float>& contact_negative(const Population& pop) {
    return pop.column(contact_negative_column());
}

// Published when attitudes runs: the contact counts are kept.
inline constexpr Product<Runs> kContactCounts{"attitudes.contact_counts"};

// The contact counts in figures (/timeseries/contact_positive,
// contact_negative, contact_prejudice_correlation): NaN where the mechanism
// does not run (no kContactCounts published). Sums over fixed blocks of
// residents combined in order: the same on any thread count.
struct AttitudeFigures {
    std::vector<double> contact_positive, contact_negative; // per group: mean recent contact counts
    double contact_prejudice_correlation = NAN; // Pearson r of recent positive contact and prejudice, group 0
};
AttitudeFigures attitude_figures(const World& world);

// The bounded-confidence rule (Deffuant et al. 2000), shared with the
// classic model (models/classic/deffuant.cpp, validated by `icsim
// validate`): the gap other - self when it is below the confidence bound d
// (|gap| < d), else none.
inline std::optional<double> confidence_gap(double self, double other, double d) {
    const double gap = other - self;
    if (!(std::fabs(gap) < d))
        return std::nullopt;
    return gap;
}

// The contact rule for one contact, exposed for tests: prejudice after a
// positive (or negative) out-group contact, for a resident whose recent
// positive contact count is `recent_positive`; `weight` is the contact
// effect after the minority factor.
double after_contact(const AttitudesParams& p, double prejudice, bool positive, double weight,
                     double recent_positive);

} // namespace icsim
