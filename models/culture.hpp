#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "sim/mechanism.hpp"
#include "sim/params.hpp"

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

} // namespace icsim
