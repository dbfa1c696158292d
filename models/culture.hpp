#pragma once

#include <cmath>
#include <cstdint>
#include <memory>
#include <vector>

#include "sim/mechanism.hpp"
#include "sim/params.hpp"
#include "sim/world.hpp"

namespace icsim {

struct CultureParams {
    int features = 5;             // F (Axelrod 1997's base case), at most 8
    int traits = 10;              // q, at most 16
    double heritage_share = 0.8;  // chance that an initial trait is the group's heritage trait
    double exchange_rate = 0.05;  // chance that a meeting is a cultural exchange at all
    double berry_threshold = 0.4; // share of features defining the Berry modes (docs/model/culture.md)
};

const std::vector<Field<CultureParams>>& culture_fields();
std::unique_ptr<Mechanism> make_culture(const CultureParams& params, const World& world);

// Published when culture runs: how to read the culture column.
struct CultureSpec {
    int features = 0;               // F
    int traits = 0;                 // q
    double berry_threshold = 0;     // share of features defining Berry's modes (docs/model/culture.md)
    std::vector<uint32_t> heritage; // per group: its heritage traits, packed as the culture column
};
inline constexpr Product<CultureSpec> kCultureSpec{"culture.spec"};

// Cultures are packed 4 bits per feature, feature f in bits 4f..4f+3.
inline int trait_of(uint32_t culture, int f) {
    return int((culture >> (4 * f)) & 0xFu);
}
inline uint32_t with_trait(uint32_t culture, int f, int trait) {
    return (culture & ~(0xFu << (4 * f))) | (uint32_t(trait) << (4 * f));
}
// Features (of the first `features`) on which a and b hold the same trait.
int overlap(uint32_t a, uint32_t b, int features);
// Axelrod's interaction (the rule models/classic/axelrod.cpp runs on its
// lattice, with integer draws): with probability overlap/F, when 0 < overlap < F,
// `self` copies the partner's trait on one differing feature chosen
// uniformly. u1 decides whether they interact, u2 picks the feature.
uint32_t axelrod_exchange(uint32_t self, uint32_t partner, int features, double u1, double u2);
// The heritage traits of each group, drawn from (seed, group): the first
// group's uniformly; every other group's different from the first's on
// every feature.
std::vector<uint32_t> heritage_profiles(uint64_t seed, int groups, int features, int traits);

// Features (of the first F) on which a and b hold the same trait, without
// a loop: a nibble of a ^ b is zero where they share the trait; its four
// bits OR-ed into its lowest bit flag a difference, and a multiplication by
// 0x11111111 adds the flags up into bits 28-31 (at most 8: no carry).
inline int same_traits(uint32_t a, uint32_t b, int F) {
    uint32_t x = a ^ b;
    x = (x | (x >> 1) | (x >> 2) | (x >> 3)) & 0x11111111u;
    if (F < 8)
        x &= (1u << (4 * F)) - 1;
    return F - int((uint64_t(x) * 0x11111111u >> 28) & 0xFu);
}

// Berry's mode of a minority member with culture c (docs/model/culture.md):
// it keeps its heritage when it holds its group's heritage trait on at least
// `min_shared` of the F features, and adopts the host culture when it holds
// the first group's on at least as many. 0 integration (both),
// 1 assimilation (adopts only), 2 separation (keeps only), 3 marginalisation.
inline unsigned berry_mode(uint32_t c, uint32_t heritage, uint32_t host, int F, int min_shared) {
    const unsigned keeps = same_traits(c, heritage, F) >= min_shared;
    const unsigned adopts = same_traits(c, host, F) >= min_shared;
    return (keeps ^ 1u) + 2 * (adopts ^ 1u);
}

// The smallest number of features that is at least a share `threshold` of F.
int berry_min_shared(double threshold, int F);

// Counts over the culture column (culture_column()): residents holding
// trait t on feature f at traits[f * 16 + t]; members of minority group g in
// Berry's mode m (0 integration, 1 assimilation, 2 separation,
// 3 marginalisation; docs/model/culture.md) at berry[g * 4 + m] (group 0's
// entries stay 0). Integers, so any order of adding gives the same counts.
struct CultureCounts {
    std::vector<int64_t> traits, berry;
    CultureCounts& operator+=(const CultureCounts& o) {
        auto add = [](std::vector<int64_t>& a, const std::vector<int64_t>& b) {
            if (a.size() < b.size())
                a.resize(b.size(), 0);
            for (size_t k = 0; k < b.size(); ++k)
                a[k] += b[k];
        };
        add(traits, o.traits);
        add(berry, o.berry);
        return *this;
    }
    bool operator==(const CultureCounts&) const = default;
};

// Published when culture runs: the culture column's counts once the
// mechanism has updated it in step `step` (it keeps them from one step to
// the next by each step's changes, and counts the column when the counts
// are not the previous step's; 0 = none: count the column). The migration
// mechanism sets `step` to 0 when it changes the population.
struct KeptCultureCounts {
    CultureCounts counts;
    uint32_t step = 0;
};
inline constexpr Product<KeptCultureCounts> kCultureCounts{"culture.counts"};

// The culture column the mechanism declares (Population::column): cultural
// traits, 4 bits per feature (trait_of).
ColumnHandle<uint32_t> culture_column();
inline std::vector<uint32_t>& cultures(Population& pop) {
    return pop.column(culture_column());
}
inline const std::vector<uint32_t>& cultures(const Population& pop) {
    return pop.column(culture_column());
}

// CultureCounts of residents [begin, end) of w (by the published kCultureSpec's features,
// heritage and Berry threshold), added to `out`.
void count_cultures(const World& w, size_t begin, size_t end, CultureCounts& out);

// The culture column in figures (/timeseries/cultural_diversity and
// berry_*): from the counts the mechanism kept in the current step
// (kCultureCounts), else counted; NaN where the mechanism does not
// run (no kCultureSpec published), and the Berry shares NaN for the
// first group (the reference). Counts are exact: the same on any thread
// count.
struct CultureFigures {
    double cultural_diversity = NAN; // mean over features of 1 - sum of squared trait shares
    // per group: shares in Berry's modes
    std::vector<double> berry_integration, berry_assimilation, berry_separation, berry_marginalisation;
};
CultureFigures culture_figures(const World& world);

} // namespace icsim
