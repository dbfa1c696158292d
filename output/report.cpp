#include "output/report.hpp"

#include <algorithm>

#include "sim/metrics.hpp"

namespace icsim {

NamedValues city_metrics(const World& world) {
    NamedValues out;
    out.emplace_back("percent_similar", percent_similar(world, 1));
    const UnitCounts hoods = counts_by_neighbourhood(world);
    out.emplace_back("theil_h", theil_h(hoods));
    for (int g = 1; g < world.group_total(); ++g)
        out.emplace_back("dissimilarity." + world.groups[size_t(g)].name, dissimilarity(hoods, g, 0));
    for (int g = 0; g < world.group_total(); ++g)
        out.emplace_back("isolation." + world.groups[size_t(g)].name, isolation(hoods, g));
    return out;
}

void print_summary(std::FILE* out, const std::string& title, const NamedValues& start, const NamedValues& end,
                   const NamedValues& totals, const World& w) {
    std::fprintf(out, "%s\n\n", title.c_str());
    std::fprintf(out, "%-28s %12s %12s %12s\n", "metric", "start", "end", "change");
    for (size_t k = 0; k < start.size() && k < end.size(); ++k)
        std::fprintf(out, "%-28s %12.4f %12.4f %+12.4f\n", start[k].first.c_str(), start[k].second,
                     end[k].second, end[k].second - start[k].second);
    for (const auto& [name, value] : totals)
        std::fprintf(out, "%-28s %12s %12.0f\n", name.c_str(), "", value);

    const UnitCounts hoods = counts_by_neighbourhood(w);
    std::fprintf(out, "\n%-16s %10s", "neighbourhood", "residents");
    for (const auto& g : w.groups)
        std::fprintf(out, " %11.11s", g.name.c_str());
    std::fprintf(out, "\n");
    for (int u = 0; u < hoods.units; ++u) {
        double t = 0;
        for (int g = 0; g < hoods.groups; ++g)
            t += hoods.at(u, g);
        std::fprintf(out, "%-16.16s %10.0f", w.hoods.names[size_t(u)].c_str(), t);
        for (int g = 0; g < hoods.groups; ++g)
            std::fprintf(out, " %10.1f%%", t > 0 ? 100.0 * hoods.at(u, g) / t : 0.0);
        std::fprintf(out, "\n");
    }
}

} // namespace icsim
