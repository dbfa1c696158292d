#include "sim/policy.hpp"

#include <algorithm>
#include <utility>

namespace icsim {

const std::vector<LeverInfo>& lever_table() {
    static const std::vector<LeverInfo> table = {
        {Lever::AntiRumours,
         "anti_rumours",
         {"media_and_communication", "anti_discrimination"},
         "rumour transmission, debunking, prejudice"},
        {Lever::InterculturalEvents,
         "intercultural_events",
         {"cultural_and_social_life", "participation_and_interaction"},
         "visits to shared places, cooperative contact"},
        {Lever::PublicSpace, "public_space", {"public_space"}, "visits, mixing in public spaces"},
        {Lever::MixedHousing, "mixed_housing", {"neighbourhoods"}, "relocation, landlord bias, segregation"},
        {Lever::SchoolMixing, "school_mixing", {"education"}, "contact among pupils and parents"},
        {Lever::LanguageCourses,
         "language_courses",
         {"language"},
         "language proficiency, employability, contact quality"},
        {Lever::AntiDiscrimination,
         "anti_discrimination",
         {"anti_discrimination", "business_and_labour_market"},
         "hiring and housing penalties"},
        {Lever::Mediation,
         "mediation",
         {"mediation_and_conflict_resolution"},
         "share and weight of negative contact"},
        {Lever::ParticipatoryCouncils,
         "participatory_councils",
         {"participation_and_interaction", "leadership_and_citizenship"},
         "participation, representation, trust"},
        {Lever::Welcoming, "welcoming", {"welcoming_newcomers"}, "newcomers' ties, language, belonging"},
        {Lever::CivilSocietyPartnership,
         "civil_society_partnership",
         {"commitment"},
         "capacity and reach of the other levers"},
    };
    return table;
}

const std::vector<const char*>& icc_areas() {
    static const std::vector<const char*> areas = {
        "commitment",
        "education",
        "neighbourhoods",
        "public_services",
        "business_and_labour_market",
        "cultural_and_social_life",
        "public_space",
        "mediation_and_conflict_resolution",
        "language",
        "media_and_communication",
        "international_outlook",
        "intelligence_and_competence",
        "welcoming_newcomers",
        "leadership_and_citizenship",
        "anti_discrimination",
        "participation_and_interaction",
    };
    return areas;
}

LeverValues baseline_from_icc(const std::vector<double>& scores) {
    LeverValues out{};
    const auto& areas = icc_areas();
    for (const auto& info : lever_table()) {
        double sum = 0;
        int n = 0;
        for (const char* area : info.areas)
            for (size_t k = 0; k < areas.size() && k < scores.size(); ++k)
                if (std::string(areas[k]) == area && scores[k] >= 0) {
                    sum += scores[k];
                    ++n;
                }
        out[size_t(info.lever)] = n == 0 ? 0.0 : sum / n / 100.0;
    }
    return out;
}

PolicySchedule::PolicySchedule(std::vector<PolicySpec> policies, LeverValues baseline)
    : policies_(std::move(policies)), baseline_(baseline) {}

double PolicySchedule::strength(const PolicySpec& p, uint32_t step) {
    if (step < p.start || step >= p.end)
        return 0.0;
    if (p.ramp == 0)
        return p.intensity;
    return p.intensity * std::min(1.0, double(step - p.start + 1) / double(p.ramp));
}

void PolicySchedule::set_delivered(std::vector<double> per_hood, std::vector<double> per_policy,
                                   int neighbourhoods, std::vector<double> programmes) {
    programmes_ = std::move(programmes);
    delivered_hood_ = std::move(per_hood);
    delivered_policy_ = std::move(per_policy);
    delivered_hoods_ = neighbourhoods;
}

double PolicySchedule::delivered(size_t k, int neighbourhood) const {
    const size_t at = k * size_t(delivered_hoods_) + size_t(neighbourhood);
    return neighbourhood >= 0 && neighbourhood < delivered_hoods_ && at < delivered_hood_.size()
               ? delivered_hood_[at]
               : 1.0;
}

double PolicySchedule::programme(Lever lever, int neighbourhood) const {
    const size_t at = size_t(lever) * size_t(delivered_hoods_) + size_t(neighbourhood);
    return neighbourhood >= 0 && neighbourhood < delivered_hoods_ && at < programmes_.size() ? programmes_[at]
                                                                                             : 0.0;
}

double PolicySchedule::intensity(Lever lever, uint32_t step, int neighbourhood, int group) const {
    double v = baseline_[size_t(lever)] + programme(lever, neighbourhood);
    for (size_t k = 0; k < policies_.size(); ++k) {
        const auto& p = policies_[k];
        if (p.lever != lever)
            continue;
        const bool hood_ok = p.neighbourhoods.empty() ||
                             std::find(p.neighbourhoods.begin(), p.neighbourhoods.end(), neighbourhood) !=
                                 p.neighbourhoods.end();
        const bool group_ok =
            p.groups.empty() || std::find(p.groups.begin(), p.groups.end(), group) != p.groups.end();
        if (hood_ok && group_ok)
            v += strength(p, step) * delivered(k, neighbourhood);
    }
    return std::min(1.0, v);
}

double PolicySchedule::city_intensity(Lever lever, uint32_t step) const {
    double extra = 0;
    for (int h = 0; h < delivered_hoods_; ++h)
        extra = std::max(extra, programme(lever, h));
    double v = baseline_[size_t(lever)] + extra;
    for (size_t k = 0; k < policies_.size(); ++k)
        if (policies_[k].lever == lever)
            v += strength(policies_[k], step) * delivered_share(k);
    return std::min(1.0, v);
}

std::vector<float> PolicySchedule::intensity_table(Lever lever, uint32_t step, int neighbourhoods,
                                                   int groups) const {
    std::vector<float> t(size_t(neighbourhoods) * size_t(groups));
    for (int h = 0; h < neighbourhoods; ++h)
        for (int g = 0; g < groups; ++g)
            t[size_t(h) * size_t(groups) + size_t(g)] = float(intensity(lever, step, h, g));
    return t;
}

double PolicySchedule::cost(uint32_t step) const {
    double c = 0;
    for (size_t k = 0; k < policies_.size(); ++k)
        if (step >= policies_[k].start && step < policies_[k].end)
            c += policies_[k].cost_per_step * delivered_share(k);
    return c;
}

} // namespace icsim
