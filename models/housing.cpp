// The housing market of residential mobility (models/housing.hpp,
// docs/model/residential_mobility.md "Housing market").
//  - Tenure: a share social_housing_share of each neighbourhood's cells
//    (buildings) is social housing, the rest private rentals.
//  - Rent: rent_level(h) x (social_rent for social housing), in units of
//    the city's average market rent; income: income_employed or
//    income_unemployed (labour_market's `employed`; everyone employed when
//    the labour market does not run). A searching resident considers only
//    dwellings with rent / income <= rent_limit.
//  - Appeal of a cell for group g: same-group share in the window minus
//    hostility_weight x the mean prejudice of the out-group residents
//    there; a resident is satisfied when its home's appeal >= its
//    tolerance, and moves only to a more appealing dwelling.
//  - Application: one per step, to the most appealing affordable candidate.
//    Private: accepted with landlord_acceptance x (1 - d) for a minority
//    applicant, d = landlord_penalty x (1 - anti_discrimination_efficacy x
//    L_ad), L_ad the anti_discrimination lever for the dwelling's
//    neighbourhood and the applicant's group; d = 0 for the majority.
//    Social: accepted with social_acceptance x clamp(1 - quota_strength x
//    L_mh x (r - 1), 0, 1 / social_acceptance), r the applicant group's
//    share in the neighbourhood over its city share and L_mh the
//    mixed_housing lever there: over-represented groups wait longer,
//    under-represented ones are housed sooner.
#include "models/housing.hpp"
#include "models/labour_market.hpp"

#include <algorithm>
#include <cmath>

#include "sim/parallel.hpp"
#include "sim/rng.hpp"
#include "sim/window.hpp"

namespace icsim {

namespace {

// std::lround(x) for 0 <= x < 65536, without the library call (it showed
// in profiles of the market's preparation): x minus its integer part is
// exact, so the comparison with 0.5 rounds halves up as lround does.
uint16_t lround_nonnegative(double x) {
    const auto whole = uint16_t(x);
    return uint16_t(whole + (x - whole >= 0.5 ? 1 : 0));
}

} // namespace

void add_housing_fields(std::vector<Field<ResidentialMobilityParams>>& fields) {
    using P = ResidentialMobilityParams;
    const std::vector<Field<P>> rows = {
        {"housing", &P::housing, 0, 1, "",
         "run the housing market: rent and affordability, landlord discrimination, social housing under the "
         "mixed_housing quota, hostility in satisfaction (false: classic Schelling)",
         assumption()},
        {"rent_limit",
         &P::rent_limit,
         0.05,
         1,
         "1",
         "highest rent-to-income ratio a searching resident accepts",
         literature("Eurostat's housing cost overburden threshold, 40 % of disposable income (the US "
                    "30 % norm is a convention, Hulchanski 1995, Housing Studies 10:471)"),
         {0.3, 0.5}},
        {"income_employed",
         &P::income_employed,
         0.1,
         100,
         "average rents",
         "income of an employed resident (everyone when labour_market does not run), in average market rents",
         assumption("a rent of about a quarter of a wage: EU households spend some 20 % of disposable "
                    "income on housing (Eurostat 2022)"),
         {3, 5}},
        {"income_unemployed",
         &P::income_unemployed,
         0.1,
         100,
         "average rents",
         "income of an unemployed resident (benefits), in average market rents",
         assumption(),
         {1.5, 2.5}},
        {"social_rent",
         &P::social_rent,
         0,
         1,
         "1",
         "rent of a social dwelling relative to the neighbourhood's market rent",
         assumption("social rents are commonly set well below market rents"),
         {0.4, 0.8}},
        {"landlord_acceptance",
         &P::landlord_acceptance,
         0,
         1,
         "1",
         "chance that a private landlord accepts a majority applicant",
         assumption(),
         {0.5, 0.9}},
        {"landlord_penalty",
         &P::landlord_penalty,
         0,
         1,
         "1",
         "relative fall of a minority applicant's acceptance by private landlords (ratio 1 / (1 - penalty))",
         assumption("correspondence tests find minority applicants markedly fewer positive replies from "
                    "private landlords (Flage 2018, J. Housing Econ. 41:251; Auspurg, Schneck & Hinz "
                    "2019, JEMS 45:95); set to a ratio of 1.33"),
         {0.1, 0.4}},
        {"anti_discrimination_efficacy",
         &P::anti_discrimination_efficacy,
         0,
         1,
         "1",
         "share of the landlord penalty removed at full anti_discrimination intensity",
         assumption(),
         {0.3, 1}},
        {"social_acceptance",
         &P::social_acceptance,
         0.01,
         1,
         "1",
         "chance that an application for a free social dwelling is granted with no quota in force",
         assumption(),
         {0.5, 1}},
        {"quota_strength",
         &P::quota_strength,
         0,
         10,
         "1",
         "how strongly the mixed_housing quota favours groups under-represented in the neighbourhood",
         assumption("at 6 and full intensity a group over-represented by a sixth or more is refused "
                    "social dwellings there: a quota, not a nudge; at 2 the default city's segregation "
                    "barely moves"),
         {2, 10}},
        {"hostility_weight",
         &P::hostility_weight,
         0,
         2,
         "1",
         "weight of the out-group neighbours' mean prejudice against the same-group share in satisfaction",
         assumption(),
         {0, 1}},
    };
    fields.insert(fields.end(), rows.begin(), rows.end());
}

// Free dwellings counted per block of cells, then each block writes its
// stretch (in parallel).
void vacant_dwellings(const World& w, std::vector<CellId>& out) {
    constexpr size_t kBlock = 4096; // cells per block
    const size_t cells = size_t(w.grid.cells()), blocks = (cells + kBlock - 1) / kBlock;
    const int capacity = w.grid.capacity;
    std::vector<size_t> block_start(blocks + 1, 0);
    parallel_for_index(
        blocks,
        [&](size_t b) {
            size_t free = 0;
            for (size_t c = b * kBlock; c < std::min(cells, (b + 1) * kBlock); ++c)
                free += size_t(std::max(0, capacity - int(w.total[c])));
            block_start[b + 1] = free;
        },
        1);
    for (size_t b = 0; b < blocks; ++b)
        block_start[b + 1] += block_start[b];
    out.resize(block_start[blocks]);
    parallel_for_index(
        blocks,
        [&](size_t b) {
            CellId* at = out.data() + block_start[b];
            for (size_t c = b * kBlock; c < std::min(cells, (b + 1) * kBlock); ++c)
                for (int k = w.total[c]; k < capacity; ++k)
                    *at++ = CellId(c);
        },
        1);
}

double HousingTally::acceptance_ratio() const {
    uint64_t apps[2] = {}, ok[2] = {};
    for (size_t g = 0; g < applications.size(); ++g) {
        apps[g != 0] += applications[g];
        ok[g != 0] += accepted[g];
    }
    if (apps[0] == 0 || apps[1] == 0 || ok[1] == 0)
        return double(NAN);
    return (double(ok[0]) / double(apps[0])) / (double(ok[1]) / double(apps[1]));
}

std::vector<uint8_t> social_cells(const World& w) {
    const size_t cells = size_t(w.grid.cells()), H = size_t(w.hoods.count());
    std::vector<std::vector<std::pair<uint64_t, CellId>>> ranked(H);
    const KeyedHash rank(0, Stream::Housing, 0);
    for (size_t c = 0; c < cells; ++c)
        ranked[w.hoods.of_cell[c]].push_back({rank(uint32_t(c), 0), CellId(c)});
    std::vector<uint8_t> social(cells, 0);
    for (size_t h = 0; h < H; ++h) {
        auto& list = ranked[h];
        std::sort(list.begin(), list.end());
        const size_t k = size_t(std::lround(w.hoods.social_housing_share[h] * double(list.size())));
        for (size_t i = 0; i < std::min(k, list.size()); ++i)
            social[list[i].second] = 1;
    }
    return social;
}

namespace {

ColumnHandle<uint8_t> employed_column() {
    return column_handle<uint8_t>("employed");
}

double income_of(const HousingSpec& h, const std::vector<uint8_t>* employed, ResidentId r) {
    return employed == nullptr || (*employed)[r] ? h.income_employed : h.income_unemployed;
}

double rent_of(const World& w, const HousingSpec& h, const std::vector<uint8_t>& social, CellId c) {
    return w.hoods.rent_level[w.hoods.of_cell[c]] * (social[c] ? h.social_rent : 1.0);
}

} // namespace

RentBurden rent_burden(const World& w, const std::vector<uint8_t>& social) {
    const size_t G = size_t(w.group_total()), H = size_t(w.hoods.count());
    RentBurden out;
    out.group.assign(G, 0);
    out.hood.assign(H, 0);
    out.social_tenancy.assign(G, 0);
    std::vector<double> gn(G, 0), hn(H, 0);
    const std::vector<uint8_t>* employed =
        w.products.has(kEmployed) ? &w.pop.column(employed_column()) : nullptr;
    const HousingSpec* published = w.products.find(kHousing);
    if (published == nullptr) { // no housing market runs: no rents
        out.group.assign(G, double(NAN));
        out.hood.assign(H, double(NAN));
        out.social_tenancy.assign(G, double(NAN));
        return out;
    }
    const HousingSpec& spec = *published;
    for (size_t r = 0; r < w.pop.size(); ++r) {
        const CellId c = w.pop.cell[r];
        if (c == kNoCell) // a vacant slot (sim/world.hpp)
            continue;
        const double b = rent_of(w, spec, social, c) / income_of(spec, employed, ResidentId(r));
        const size_t g = w.pop.group[r], h = w.hood[r];
        out.group[g] += b;
        gn[g] += 1;
        out.social_tenancy[g] += social[c];
        out.hood[h] += b;
        hn[h] += 1;
    }
    for (size_t g = 0; g < G; ++g) {
        out.group[g] = gn[g] > 0 ? out.group[g] / gn[g] : double(NAN);
        out.social_tenancy[g] = gn[g] > 0 ? out.social_tenancy[g] / gn[g] : double(NAN);
    }
    for (size_t h = 0; h < H; ++h)
        out.hood[h] = hn[h] > 0 ? out.hood[h] / hn[h] : double(NAN);
    return out;
}

HousingMarket::HousingMarket(const ResidentialMobilityParams& p, const World& w)
    : p_(p), spec_{p.income_employed, p.income_unemployed, p.social_rent}, social_(social_cells(w)),
      employed_(employed_column()) {
    // Cell sums of quantised prejudice fit the 16-bit cells MooreWindow sums.
    quant_ = std::clamp(65535 / std::max(1, w.grid.capacity), 1, 255);
}

double HousingMarket::rent(const World& w, CellId c) const {
    return rent_of(w, spec_, social_, c);
}

double HousingMarket::income(const World& w, ResidentId r) const {
    return income_of(spec_, w.products.has(kEmployed) ? &w.pop.column(employed_) : nullptr, r);
}

double HousingMarket::newcomer_income(const World& w) const {
    return w.products.has(kEmployed) ? spec_.income_unemployed : spec_.income_employed;
}

void HousingMarket::prepare(const World& w, const StepContext& ctx) {
    const size_t G = w.groups.size(), H = size_t(w.hoods.count()), cells = size_t(w.grid.cells());
    window_counts(w, p_.radius, win_group_, win_total_);
    vacant_dwellings(w, vacant_);
    if (p_.hostility_weight > 0) {
        // Integer sums of prejudice quantised to quant_ levels: exact, so
        // the order of adding never matters.
        std::vector<uint16_t> prej_group(cells * G, 0);
        const float* const prejudice = w.pop.prejudice.data();
        const CellId* const cell = w.pop.cell.data();
        const uint8_t* const group = w.pop.group.data();
        const double quant = double(quant_);
        for (size_t r = 0; r < w.pop.size(); ++r)
            if (cell[r] != kNoCell) // not a vacant slot (sim/world.hpp)
                prej_group[size_t(cell[r]) * G + group[r]] +=
                    lround_nonnegative(std::clamp(double(prejudice[r]), 0.0, 1.0) * quant);
        // Hostility does not depend on whether the resident itself is in the
        // window (it is not an out-group member), so one value per (cell,
        // group) serves home and candidates; kept in 16 bits, a row's window
        // sums at a time, to spare memory.
        const MooreWindow window(w.grid, p_.radius);
        const size_t W = size_t(w.grid.width);
        hostility_.resize(cells * G);
        window.for_each_row(prej_group.data(), G, [&](size_t y, const uint32_t* sums) {
            for (size_t x = 0; x < W; ++x) {
                const size_t c = y * W + x;
                uint64_t total = 0;
                for (size_t g = 0; g < G; ++g)
                    total += sums[x * G + g];
                for (size_t g = 0; g < G; ++g) {
                    const uint32_t out = win_total_[c] - win_group_[c * G + g];
                    const double mean =
                        out == 0 ? 0.0 : double(total - sums[x * G + g]) / (double(quant_) * double(out));
                    hostility_[c * G + g] = lround_nonnegative(std::min(mean, 1.0) * 65535.0);
                }
            }
        });
    }
    const std::vector<uint32_t> counts = w.hood_group_counts();
    const std::vector<double> hood_group(counts.begin(), counts.end());
    std::vector<double> hood_total(H, 0), city_group(G, 0);
    for (size_t h = 0; h < H; ++h)
        for (size_t g = 0; g < G; ++g)
            hood_total[h] += hood_group[h * G + g];
    double city = 0;
    for (size_t h = 0; h < H; ++h)
        for (size_t g = 0; g < G; ++g) {
            city_group[g] += hood_group[h * G + g];
            city += hood_group[h * G + g];
        }
    representation_.assign(H * G, 1.0);
    for (size_t h = 0; h < H; ++h)
        for (size_t g = 0; g < G; ++g)
            if (hood_total[h] > 0 && city_group[g] > 0)
                representation_[h * G + g] = (hood_group[h * G + g] / hood_total[h]) / (city_group[g] / city);
    anti_discrimination_ = ctx.policy->intensity_table(Lever::AntiDiscrimination, ctx.step, int(H), int(G));
    mixed_housing_ = ctx.policy->intensity_table(Lever::MixedHousing, ctx.step, int(H), int(G));
}

double HousingMarket::hostility(const World& w, CellId c, int g, uint32_t self) const {
    (void)self; // the resident is not among its out-group neighbours
    if (p_.hostility_weight <= 0)
        return 0;
    return double(hostility_[size_t(c) * w.groups.size() + size_t(g)]) / 65535.0;
}

double HousingMarket::appeal(const World& w, CellId c, int g, uint32_t self) const {
    const size_t G = w.groups.size();
    const uint32_t same = win_group_[size_t(c) * G + size_t(g)] - self, all = win_total_[c] - self;
    if (all == 0)
        return 1.0;
    const double share = double(same) / double(all);
    return p_.hostility_weight > 0 ? share - p_.hostility_weight * hostility(w, c, g, self) : share;
}

double HousingMarket::acceptance(const World& w, CellId c, int g) const {
    const size_t G = w.groups.size(), at = size_t(w.hoods.of_cell[c]) * G + size_t(g);
    if (social_[c]) {
        const double factor = 1 - p_.quota_strength * double(mixed_housing_[at]) * (representation_[at] - 1);
        return p_.social_acceptance * std::clamp(factor, 0.0, 1.0 / p_.social_acceptance);
    }
    if (g == 0)
        return p_.landlord_acceptance;
    const double d =
        p_.landlord_penalty * (1 - p_.anti_discrimination_efficacy * double(anti_discrimination_[at]));
    return p_.landlord_acceptance * (1 - d);
}

bool HousingMarket::satisfied(const World& w, ResidentId r) const {
    const CellId home = w.pop.cell[r];
    const int g = w.pop.group[r];
    const size_t G = w.groups.size();
    const uint32_t same = win_group_[size_t(home) * G + size_t(g)] - 1, all = win_total_[home] - 1;
    if (all == 0)
        return true;
    // appeal >= tolerance multiplied out by `all`, as the classic rule has
    // it, so that hostility_weight 0 decides exactly as the classic rule.
    const double hostile =
        p_.hostility_weight > 0 ? p_.hostility_weight * hostility(w, home, g, 1) * double(all) : 0.0;
    return double(same) - hostile >= double(w.pop.tolerance[r]) * double(all);
}

bool HousingMarket::decide(const World& w, const StepContext& ctx, ResidentId i, MoveProposal& out,
                           HousingTally& tally) const {
    const CellId home = w.pop.cell[i];
    const int g = w.pop.group[i];
    if (home == kNoCell || satisfied(w, i)) // a vacant slot does not search
        return false;
    const double at_home = appeal(w, home, g, 1);
    const uint32_t nv = uint32_t(vacant_.size());
    CounterRng rng(ctx.seed, Stream::Mobility, ctx.step, i);
    if (nv == 0 || !rng.bernoulli(p_.move_probability))
        return false;
    ++tally.searches;
    const double budget = p_.rent_limit * income(w, i);
    double best = at_home;
    CellId target = kNoCell;
    // The candidates drawn first (the same draws in the same order) and
    // what they are judged by prefetched: random reads that would
    // otherwise wait one after the other.
    CellId candidate[256]; // the field table bounds candidates to 256
    const int K = p_.candidates;
    const size_t G = w.groups.size();
    for (int k = 0; k < K; ++k) {
        const CellId v = vacant_[rng.below(nv)];
        candidate[k] = v;
        __builtin_prefetch(&w.hoods.of_cell[v]);
        __builtin_prefetch(&social_[v]);
        __builtin_prefetch(&win_group_[size_t(v) * G + size_t(g)]);
        __builtin_prefetch(&win_total_[v]);
        if (!hostility_.empty())
            __builtin_prefetch(&hostility_[size_t(v) * G + size_t(g)]);
    }
    for (int k = 0; k < K; ++k) {
        const CellId v = candidate[k];
        if (v == home || rent(w, v) > budget)
            continue;
        const uint32_t self = w.grid.chebyshev(home, v) <= p_.radius ? 1 : 0;
        const double a = appeal(w, v, g, self);
        if (a > best) {
            best = a;
            target = v;
        }
    }
    if (target == kNoCell)
        return false;
    const KeyedHash draw(ctx.seed, Stream::Housing, ctx.step);
    const bool accepted = to_unit(draw(i, 0)) < acceptance(w, target, g);
    tally.count(g, accepted);
    if (!accepted)
        return false;
    out = {target, uint32_t(draw_u64(ctx.seed, Stream::MobilityResolve, ctx.step, i, 0)), i};
    return true;
}

Applicant applicant_of(const World& w, const HousingMarket& market, ResidentId r) {
    return {int(w.pop.group[r]), market.income(w, r), r};
}

CellId find_dwelling(const World& w, const HousingMarket& market, const Applicant& applicant, uint32_t step,
                     uint64_t seed, HousingTally* tally) {
    const auto& vacant = market.vacant();
    const ResidentialMobilityParams& p = market.params();
    if (vacant.empty())
        return kNoCell;
    const int g = applicant.group;
    const double budget = p.rent_limit * applicant.income;
    const KeyedHash draw(seed, Stream::Housing, step);
    const ResidentId a = applicant.key;
    std::vector<std::pair<double, int>> options; // (-appeal, draw order k)
    std::vector<CellId> cell(size_t(p.candidates));
    for (int k = 0; k < p.candidates; ++k) {
        const CellId v = vacant[size_t((draw(a, 1 + uint32_t(k)) >> 32) * vacant.size() >> 32)];
        cell[size_t(k)] = v;
        if (w.total[v] < w.grid.capacity && market.rent(w, v) <= budget)
            options.push_back({-market.appeal(w, v, g, 0), k});
    }
    std::sort(options.begin(), options.end());
    for (const auto& [neg, k] : options) {
        (void)neg;
        const bool accepted =
            to_unit(draw(a, 0x1000 + uint32_t(k))) < market.acceptance(w, cell[size_t(k)], g);
        if (tally != nullptr)
            tally->count(g, accepted);
        if (accepted)
            return cell[size_t(k)];
    }
    return kNoCell;
}

std::vector<SeriesDecl> housing_series() {
    return {
        {"/timeseries/housing_acceptance_ratio", Dims::Step, "1",
         "majority over minority acceptance rate of the step's housing applications (private landlords and "
         "social allocation); NaN when either side made no application or no minority application was "
         "accepted, and when the housing market is off"},
        {"/timeseries/housing_acceptance", Dims::StepGroup, "1",
         "accepted share of the group's housing applications in the step; NaN when it made none"},
        {"/timeseries/rent_burden", Dims::StepGroup, "1",
         "mean rent over income of the group's residents (rent_limit bounds it for those who moved)"},
        {"/timeseries/social_tenancy", Dims::StepGroup, "1",
         "share of the group's residents in social housing"},
        {"/neighbourhoods/rent_burden", Dims::StepNeighbourhood, "1",
         "mean rent over income of the neighbourhood's residents"},
    };
}

void housing_report(const World& w, const HousingMarket* market, const HousingTally& last,
                    std::vector<std::vector<double>>& rows) {
    const size_t G = size_t(w.group_total()), H = size_t(w.hoods.count());
    if (market == nullptr) {
        rows.push_back({double(NAN)});
        rows.push_back(std::vector<double>(G, double(NAN)));
        rows.push_back(std::vector<double>(G, double(NAN)));
        rows.push_back(std::vector<double>(G, double(NAN)));
        rows.push_back(std::vector<double>(H, double(NAN)));
        return;
    }
    rows.push_back({last.acceptance_ratio()});
    std::vector<double> rate(G, double(NAN));
    for (size_t g = 0; g < std::min(G, last.applications.size()); ++g)
        if (last.applications[g] > 0)
            rate[g] = double(last.accepted[g]) / double(last.applications[g]);
    rows.push_back(rate);
    RentBurden b = rent_burden(w, market->social_map());
    rows.push_back(std::move(b.group));
    rows.push_back(std::move(b.social_tenancy));
    rows.push_back(std::move(b.hood));
}

void housing_summary(const World& w, std::vector<std::pair<std::string, double>>& out) {
    if (!w.products.has(kHousing))
        return;
    const RentBurden b = rent_burden(w, social_cells(w));
    for (int g = 0; g < w.group_total(); ++g)
        out.emplace_back("rent_burden." + w.groups[size_t(g)].name, b.group[size_t(g)]);
    for (int g = 0; g < w.group_total(); ++g)
        out.emplace_back("social_tenancy." + w.groups[size_t(g)].name, b.social_tenancy[size_t(g)]);
}

} // namespace icsim
