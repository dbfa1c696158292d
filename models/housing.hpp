// The housing market of residential mobility (docs/model/residential_mobility.md,
// "Housing market"): rent by neighbourhood, affordability from income,
// landlord discrimination in the private market (lowered by the
// anti_discrimination lever), social housing allocated under the
// mixed_housing lever's diversity quota, and perceived hostility (the
// prejudice of out-group neighbours) in satisfaction. It runs when
// mechanisms.residential_mobility.housing is true; otherwise residential
// mobility is the classic Schelling model.
#pragma once

#include <cstdint>
#include <limits>
#include <vector>

#include "models/residential_mobility.hpp"
#include "sim/mechanism.hpp"

namespace icsim {

// kNoCell (sim/world.hpp): no cell found; also a vacant slot's home.

// A move a resident proposes in a step (resolved by cell, then priority).
struct MoveProposal {
    CellId target;
    uint32_t priority;
    ResidentId resident;
};

// Applications to landlords (private dwellings) and to the allocator
// (social dwellings) in a step, per group of the applicant. Integer
// counts, so block sums do not depend on the thread count.
struct HousingTally {
    std::vector<uint64_t> applications, accepted; // per group (empty = none yet)
    uint64_t searches = 0;
    void count(int g, bool ok) {
        if (applications.size() <= size_t(g)) {
            applications.resize(size_t(g) + 1, 0);
            accepted.resize(size_t(g) + 1, 0);
        }
        ++applications[size_t(g)];
        accepted[size_t(g)] += ok;
    }
    HousingTally& operator+=(const HousingTally& o) {
        if (applications.size() < o.applications.size()) {
            applications.resize(o.applications.size(), 0);
            accepted.resize(o.applications.size(), 0);
        }
        for (size_t g = 0; g < o.applications.size(); ++g) {
            applications[g] += o.applications[g];
            accepted[g] += o.accepted[g];
        }
        searches += o.searches;
        return *this;
    }
    // Majority (first group) over minority (the others pooled) acceptance
    // rate; NaN when a side made no application or no minority application
    // was accepted.
    double acceptance_ratio() const;
};

class HousingMarket;

// Published when residential mobility runs its housing market: incomes
// and the social rent factor, in units of the average market rent, and
// the market itself (owned by the mechanism, prepared at the start of its
// step), for the arrivals of the migration mechanism (find_dwelling).
struct HousingSpec {
    double income_employed = 0, income_unemployed = 0, social_rent = 0;
    const HousingMarket* market = nullptr;
};
inline constexpr Product<HousingSpec> kHousing{"residential_mobility.housing"};

// The housing market's view of the city in one step, from the state at the
// start of the step (prepare). Every query is a const pure function of
// that state, the parameters, the lever schedule and (seed, step, resident)
// draws, so results do not depend on the thread count or call order.
class HousingMarket {
public:
    HousingMarket(const ResidentialMobilityParams& p, const World& w);

    // Takes the step's figures from the state at the start of the step:
    // window sums of residents and of out-group prejudice, the free
    // dwellings, each group's share per neighbourhood and in the city, and
    // the anti_discrimination and mixed_housing intensities.
    void prepare(const World& w, const StepContext& ctx);

    const std::vector<CellId>& vacant() const { return vacant_; }
    const std::vector<uint32_t>& window_group() const { return win_group_; }
    const std::vector<uint32_t>& window_total() const { return win_total_; }

    // 1 when the cell's dwellings are social housing (fixed for the city:
    // per neighbourhood, round(share x cells) cells by a keyed rank).
    bool social(CellId c) const { return social_[c] != 0; }
    const std::vector<uint8_t>& social_map() const { return social_; }
    // Monthly rent of a dwelling in units of the city's average market
    // rent: rent_level of its neighbourhood, times social_rent for social
    // housing.
    double rent(const World& w, CellId c) const;
    // Income in the same units: income_employed or income_unemployed by the
    // `employed` column when the labour market runs, income_employed for
    // everyone otherwise.
    double income(const World& w, ResidentId r) const;
    // The income of a resident without a job (a newcomer): income_unemployed
    // when the labour market runs, income_employed otherwise.
    double newcomer_income(const World& w) const;
    // What a resident of group g in cell c would weigh: its share of
    // same-group residents in the window minus hostility_weight x the mean
    // prejudice of the out-group residents there; `self` = 1 when the
    // resident itself is counted in c's window (it is excluded). 1 with no
    // one around.
    double appeal(const World& w, CellId c, int g, uint32_t self) const;
    // The mean prejudice (0-1) of the out-group residents in c's window for
    // group g (0 with none, or when hostility_weight is 0).
    double hostility(const World& w, CellId c, int g, uint32_t self) const;
    // Whether resident r is satisfied at home: no one else around, or
    // same - hostility_weight x hostility x all >= tolerance x all (the
    // classic rule when hostility_weight is 0).
    bool satisfied(const World& w, ResidentId r) const;
    // Chance that an application of group g for a free dwelling in c is
    // accepted (private: landlord_acceptance, less the minority penalty;
    // social: social_acceptance under the diversity quota).
    double acceptance(const World& w, CellId c, int g) const;

    // The mobility decision of resident r in the step (from prepare's
    // figures): nothing when it is satisfied at home, does not search, finds
    // no affordable candidate more appealing than home, or is turned down;
    // otherwise the accepted proposal. Counts the search and application.
    bool decide(const World& w, const StepContext& ctx, ResidentId r, MoveProposal& out,
                HousingTally& tally) const;

    // Prefetches what decide reads first for resident r (its home's window
    // sums and hostility): a caller walking residents in id order calls it
    // a few residents ahead. No effect on results.
    void prefetch(const World& w, ResidentId r) const {
        const size_t c = w.pop.cell[r], G = w.groups.size(), g = w.pop.group[r];
        if (c == kNoCell) // a vacant slot (sim/world.hpp)
            return;
        __builtin_prefetch(&win_group_[c * G + g]);
        __builtin_prefetch(&win_total_[c]);
        if (!hostility_.empty())
            __builtin_prefetch(&hostility_[c * G + g]);
    }

    const ResidentialMobilityParams& params() const { return p_; }
    // Bytes its per-step figures hold (Mechanism::scratch_bytes).
    size_t scratch_bytes() const {
        return held_bytes(social_) + held_bytes(win_total_) + held_bytes(win_group_) +
               held_bytes(hostility_) + held_bytes(vacant_) + held_bytes(representation_) +
               held_bytes(anti_discrimination_) + held_bytes(mixed_housing_);
    }

private:
    ResidentialMobilityParams p_;
    HousingSpec spec_;            // what the mechanism publishes (kHousing), without the market
    std::vector<uint8_t> social_; // per cell
    int quant_ = 255;             // prejudice levels per resident in the cell sums
    ColumnHandle<uint8_t> employed_;
    std::vector<uint32_t> win_total_, win_group_;
    std::vector<uint16_t> hostility_; // [c * G + g]: out-group neighbours' mean prejudice x 65535
    std::vector<CellId> vacant_;
    std::vector<double> representation_; // [h * G + g]: group share in h over its city share
    std::vector<float> anti_discrimination_, mixed_housing_; // [h * G + g]
};

// Who applies for a dwelling: its group, its income (in units of the
// average market rent) and the key of its draws (a resident's id; the
// migration mechanism, which offers one slot to several arrivals in turn,
// gives each arrival its ordinal in the step, so that they do not all draw
// the same dwellings).
struct Applicant {
    int group = 0;
    double income = 0;
    ResidentId key = 0;
};
// A resident of `w` as an applicant: its group, HousingMarket::income, its id.
Applicant applicant_of(const World& w, const HousingMarket& market, ResidentId r);

// Houses an applicant who has no home in the city yet (an arrival of the
// migration mechanism) through the same market: draws `candidates` free
// dwellings of `market.vacant()` (KeyedHash(seed, Housing, step),
// (key, 1 + k)), keeps those whose cell still has room in `w` (so a
// caller placing several arrivals one after the other never overfills a
// cell) and whose rent the applicant can afford, and applies to them in
// decreasing appeal (first drawn of equals) until one accepts
// ((key, 0x1000 + k); k < 256, so the two keys never meet). Returns
// the cell, or kNoCell when none accepts.
// Reads nothing of the population and writes nothing: a pure function of
// (w, market, applicant, step, seed), the same on any thread count when
// called in the same order for the same arrivals. `market.prepare` must
// have run for this step. Adds the applications to `tally` when given.
CellId find_dwelling(const World& w, const HousingMarket& market, const Applicant& applicant, uint32_t step,
                     uint64_t seed, HousingTally* tally = nullptr);

// Per cell: 1 when its dwellings are social housing -- per neighbourhood,
// the round(social_housing_share x cells) cells of lowest rank
// KeyedHash(0, Housing, 0)(cell, 0) (fixed for the city's layout, the same
// for every seed).
std::vector<uint8_t> social_cells(const World& w);

// Mean rent over income of the residents, per group and per neighbourhood
// (NaN where there are none, and everywhere when no housing market
// publishes kHousing); `social` from social_cells.
struct RentBurden {
    std::vector<double> group, hood, social_tenancy; // social_tenancy: share of the group in social housing
};
RentBurden rent_burden(const World& w, const std::vector<uint8_t>& social);

// The series of the housing market (appended to residential mobility's
// declarations) and their rows: NaN rows when the market is off.
std::vector<SeriesDecl> housing_series();
void housing_report(const World& w, const HousingMarket* market, const HousingTally& last,
                    std::vector<std::vector<double>>& rows);
// The run summary's housing lines (nothing when the market is off).
void housing_summary(const World& w, std::vector<std::pair<std::string, double>>& out);
// The parameter rows of the housing market (residential_mobility_fields).
void add_housing_fields(std::vector<Field<ResidentialMobilityParams>>& fields);

} // namespace icsim
