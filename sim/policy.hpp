// Policy levers and the policy schedule. A policy is a time-varying modifier:
// each step the schedule gives the intensity (0-1) of every lever in force,
// and mechanisms read those values as data -- a mechanism never branches on
// "which policy". Each lever's ICC Index areas are listed in policy.cpp;
// docs/scenario-language.md describes levers and the ICC Index profile.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace icsim {

enum class Lever : uint8_t {
    AntiRumours,
    InterculturalEvents,
    PublicSpace,
    MixedHousing,
    SchoolMixing,
    LanguageCourses,
    AntiDiscrimination,
    Mediation,
    ParticipatoryCouncils,
    Welcoming,
    CivilSocietyPartnership,
};
constexpr size_t kLeverCount = 11;

struct LeverInfo {
    Lever lever;
    const char* name;               // scenario name, e.g. "anti_rumours"
    std::vector<const char*> areas; // ICC Index areas mapped onto it
    const char* acts_on;            // what it changes, in words
};

const std::vector<LeverInfo>& lever_table();
// The ICC Index areas a scenario's [icc_index] table may score (0-100).
const std::vector<const char*>& icc_areas();

struct PolicySpec {
    std::string name;
    Lever lever = Lever::AntiRumours;
    uint32_t start = 0;                                  // first step in force
    uint32_t end = std::numeric_limits<uint32_t>::max(); // first step no longer in force
    uint32_t ramp = 0;               // steps to reach full intensity, linearly (0 = at once)
    double intensity = 1;            // 0-1 at full strength
    std::vector<int> neighbourhoods; // targets (empty = all)
    std::vector<int> groups;         // targets (empty = all)
    double cost_per_step = 0;
    std::string partner = "city"; // delivering organisation, or "city"
};

using LeverValues = std::array<double, kLeverCount>;

// Baseline lever intensities from ICC Index scores: each lever gets the mean
// of the scores of its areas that the table gives, divided by 100; levers
// none of whose areas are scored get 0. `scores` holds one value per
// icc_areas() entry, negative where the area is not scored.
LeverValues baseline_from_icc(const std::vector<double>& scores);

class PolicySchedule {
public:
    PolicySchedule() { baseline_.fill(0); }
    PolicySchedule(std::vector<PolicySpec> policies, LeverValues baseline);

    // Ramp factor x intensity of one policy at `step` (0 outside its window).
    static double strength(const PolicySpec& p, uint32_t step);
    // Lever intensity for residents of `group` in `neighbourhood` at `step`:
    // min(1, baseline + sum of the strengths of the policies on that lever
    // whose targets include them).
    double intensity(Lever lever, uint32_t step, int neighbourhood, int group) const;
    // The city-wide level: min(1, baseline + sum of untargeted policies'
    // strengths + targeted ones' strengths) -- an upper bound of intensity().
    double city_intensity(Lever lever, uint32_t step) const;
    // intensity() for every (neighbourhood, group) at `step`, at
    // [neighbourhood * groups + group]: what a parallel loop over residents
    // reads instead of calling intensity() per resident.
    std::vector<float> intensity_table(Lever lever, uint32_t step, int neighbourhoods, int groups) const;
    // What the policies in force cost at `step`: each policy's cost_per_step
    // times the share of it that is delivered (delivered_share).
    double cost(uint32_t step) const;
    // The baseline intensity of a lever (from the [icc_index] profile).
    double baseline(Lever lever) const { return baseline_[size_t(lever)]; }

    // Delivered shares (0-1) of the policies, per neighbourhood, at
    // [k * neighbourhoods + h], and per policy (what it costs); set before
    // the mechanisms step (Mechanism::deliver, models/organisations.cpp):
    // every lever value above -- intensity(), city_intensity(),
    // intensity_table() -- scales each policy's strength by its delivered
    // share, so a policy whose partner lacks capacity or budget acts less
    // without a special case in any mechanism. Empty (the default, and after
    // a live change replaces the schedule): everything delivered in full.
    // `programmes`, at [lever * neighbourhoods + h] (or empty), adds what
    // the organisations deliver of their own programmes to the lever
    // values there (intensity(); city_intensity() adds its maximum).
    void set_delivered(std::vector<double> per_hood, std::vector<double> per_policy, int neighbourhoods,
                       std::vector<double> programmes = {});
    double delivered(size_t k, int neighbourhood) const;
    double delivered_share(size_t k) const {
        return k < delivered_policy_.size() ? delivered_policy_[k] : 1.0;
    }
    const std::vector<PolicySpec>& policies() const { return policies_; }
    // Adds a policy (from its `start`); a live lever change does this.
    void add(PolicySpec p) { policies_.push_back(std::move(p)); }
    // Ends policy `k` at `step` (its first step no longer in force), if it
    // would run on longer.
    void end(size_t k, uint32_t step) { policies_.at(k).end = std::min(policies_.at(k).end, step); }

private:
    std::vector<PolicySpec> policies_;
    LeverValues baseline_;
    double programme(Lever lever, int neighbourhood) const;
    std::vector<double> delivered_hood_, delivered_policy_, programmes_;
    int delivered_hoods_ = 0;
};

} // namespace icsim
