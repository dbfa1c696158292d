// What the two bounded-confidence models (deffuant, hegselmann_krause) report
// about their final clusters. How opinions form clusters differs (Deffuant:
// gaps >= d separate; Hegselmann-Krause: gaps > epsilon) and stays in each model.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

namespace icsim {

struct ClusterSummary {
    double major = 0;     // clusters holding at least 5 % of the n agents
    uint32_t largest = 0; // agents in the largest cluster
};

inline ClusterSummary summarise_clusters(const std::vector<uint32_t>& sizes, double n) {
    ClusterSummary c;
    for (const uint32_t s : sizes) {
        c.major += s >= 0.05 * n;
        c.largest = std::max(c.largest, s);
    }
    return c;
}

} // namespace icsim
