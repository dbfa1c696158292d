#include "output/report.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <exception>
#include <stdexcept>

#include <oneapi/tbb/parallel_for.h>

#include "models/registry.hpp"
#include "output/schema.hpp"
#include "sim/interleaved.hpp"
#include "sim/metrics.hpp"
#include "sim/parallel.hpp"
#include "sim/policy.hpp"
#include "sim/scratch.hpp"
#include "sim/window.hpp"

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
    const PrejudiceMetrics pm = prejudice_metrics(world);
    for (int g = 0; g < world.group_total(); ++g)
        out.emplace_back("prejudice." + world.groups[size_t(g)].name, pm.prejudice_mean[size_t(g)]);
    // The mechanisms' own lines, from the functions their series are computed by.
    for (const MechanismEntry& m : mechanism_registry())
        if (m.summary)
            m.summary(world, out);
    return out;
}

namespace {

// Adds a row's pairs to the per-(neighbourhood, group) sums: similar +=
// own x (window - 1), all += own x (everyone in the window - 1), members +=
// own, over runs of cells of one neighbourhood (own = 0 adds 0: the wrapped
// window - 1 is multiplied by 0). Products are exact in 64 bits.
template <size_t G>
void accumulate_run(const uint16_t* own, const uint32_t* window, size_t x0, size_t x1, size_t stride,
                    uint64_t* sim, uint64_t* tot, uint64_t* mem) {
    const size_t g_count = G == 0 ? stride : G;
    for (size_t x = x0; x < x1; ++x) {
        const size_t c = x * g_count;
        uint32_t around = 0;
        for (size_t g = 0; g < g_count; ++g)
            around += window[c + g];
        for (size_t g = 0; g < g_count; ++g) {
            const uint64_t o = own[c + g];
            mem[g] += o;
            sim[g] += o * uint32_t(window[c + g] - 1u);
            tot[g] += o * uint32_t(around - 1u);
        }
    }
}

void accumulate_row(const uint16_t* own, const uint32_t* window, const uint16_t* hood, int width,
                    size_t stride, uint64_t* sim, uint64_t* tot, uint64_t* mem) {
    for (size_t x = 0; x < size_t(width);) {
        const uint16_t u = hood[x];
        size_t x1 = x + 1;
        while (x1 < size_t(width) && hood[x1] == u)
            ++x1;
        const size_t at = size_t(u) * stride;
        switch (stride) { // the common group counts, unrolled
        case 2:
            accumulate_run<2>(own, window, x, x1, stride, sim + at, tot + at, mem + at);
            break;
        case 3:
            accumulate_run<3>(own, window, x, x1, stride, sim + at, tot + at, mem + at);
            break;
        case 4:
            accumulate_run<4>(own, window, x, x1, stride, sim + at, tot + at, mem + at);
            break;
        default:
            accumulate_run<0>(own, window, x, x1, stride, sim + at, tot + at, mem + at);
        }
        x = x1;
    }
}

} // namespace

StepMetrics step_metrics(const World& w) {
    const int G = w.group_total(), H = w.hoods.count();
    const Grid& grid = w.grid;
    const int W = grid.width, Hh = grid.height;
    const size_t stride = size_t(G);
    // Same-group and all neighbour pairs per (neighbourhood, group), from
    // radius-1 window counts (sim/window.hpp), in blocks of rows; integer
    // sums, so the block order is irrelevant.
    constexpr int kRows = 32;
    const size_t blocks = size_t((Hh + kRows - 1) / kRows);
    const size_t cellsz = size_t(H) * stride;
    std::vector<uint64_t> similar(blocks * cellsz, 0), all(blocks * cellsz, 0), members(blocks * cellsz, 0);
    const size_t rowlen = size_t(W) * stride;
    const MooreWindow moore(grid, 1);
    struct Rows {
        std::vector<uint32_t> window, column;
    };
    PerThread<Rows> scratch;
    oneapi::tbb::parallel_for(size_t(0), blocks, [&](size_t b) {
        uint64_t* sim = &similar[b * cellsz];
        uint64_t* tot = &all[b * cellsz];
        uint64_t* mem = &members[b * cellsz];
        const int y0 = int(b) * kRows, y1 = std::min(Hh, y0 + kRows);
        Rows& s = scratch.local();
        s.window.resize(rowlen);
        for (int y = y0; y < y1; ++y) {
            moore.row(w.group_count.data(), stride, size_t(y), s.window.data(), s.column);
            const uint16_t* own = &w.group_count[size_t(y) * rowlen];
            const uint16_t* hood = &w.hoods.of_cell[size_t(y) * size_t(W)];
            accumulate_row(own, s.window.data(), hood, W, stride, sim, tot, mem);
        }
    });
    for (size_t b = 1; b < blocks; ++b)
        for (size_t k = 0; k < cellsz; ++k) {
            similar[k] += similar[b * cellsz + k];
            all[k] += all[b * cellsz + k];
            members[k] += members[b * cellsz + k];
        }

    // Residents per (neighbourhood, group): exactly counts_by_neighbourhood().
    UnitCounts hoods;
    hoods.units = H;
    hoods.groups = G;
    hoods.n.resize(cellsz);
    for (size_t k = 0; k < cellsz; ++k)
        hoods.n[k] = double(members[k]);
    StepMetrics m;
    m.theil_h = theil_h(hoods);
    m.group_population.assign(stride, 0);
    m.group_percent_similar.assign(stride, 0);
    m.dissimilarity.assign(stride, 0);
    m.isolation.assign(stride, 0);
    m.hood_population.assign(size_t(H), 0);
    m.hood_minority_share.assign(size_t(H), 0);
    m.hood_percent_similar.assign(size_t(H), 0);
    m.hood_diversity.assign(size_t(H), 0);
    auto percent = [](uint64_t s, uint64_t t) { return t == 0 ? 0.0 : 100.0 * double(s) / double(t); };
    uint64_t city_s = 0, city_t = 0;
    std::vector<uint64_t> group_s(stride, 0), group_t(stride, 0);
    for (int u = 0; u < H; ++u) {
        uint64_t hs = 0, ht = 0;
        double pop = 0;
        for (int g = 0; g < G; ++g) {
            const size_t k = size_t(u) * stride + size_t(g);
            hs += similar[k];
            ht += all[k];
            group_s[size_t(g)] += similar[k];
            group_t[size_t(g)] += all[k];
            pop += hoods.at(u, g);
        }
        city_s += hs;
        city_t += ht;
        m.hood_population[size_t(u)] = pop;
        m.hood_percent_similar[size_t(u)] = percent(hs, ht);
        if (pop > 0) {
            m.hood_minority_share[size_t(u)] = (pop - hoods.at(u, 0)) / pop;
            double e = 0;
            for (int g = 0; g < G; ++g) {
                const double p = hoods.at(u, g) / pop;
                if (p > 0)
                    e -= p * std::log(p);
            }
            m.hood_diversity[size_t(u)] = G > 1 ? e / std::log(double(G)) : 0.0;
        }
        m.population += pop;
    }
    m.percent_similar = percent(city_s, city_t);
    for (int g = 0; g < G; ++g) {
        double n = 0;
        for (int u = 0; u < H; ++u)
            n += hoods.at(u, g);
        m.group_population[size_t(g)] = n;
        m.group_percent_similar[size_t(g)] = percent(group_s[size_t(g)], group_t[size_t(g)]);
        m.dissimilarity[size_t(g)] = g == 0 ? 0.0 : dissimilarity(hoods, g, 0);
        m.isolation[size_t(g)] = isolation(hoods, g);
    }
    return m;
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

namespace icsim {

namespace {

// One block's sums for prejudice_metrics. Counts are integers: exact, and an
// increment does not wait on a floating-point add of the previous resident.
struct PrejudiceSums {
    std::vector<double> g_p, g_p2; // per group
    std::vector<uint64_t> g_n;
    std::vector<double> h_p; // per neighbourhood
    std::vector<uint64_t> h_n;
    PrejudiceSums(size_t G, size_t H) : g_p(G), g_p2(G), g_n(G), h_p(H), h_n(H) {}
};

} // namespace

PrejudiceMetrics prejudice_metrics(const World& w) {
    const Population& pop = w.pop;
    const size_t n = pop.size(), G = size_t(w.group_total()), H = size_t(w.hoods.count());
    const size_t blocks = (n + kReduceBlock - 1) / kReduceBlock;
    const bool vacant_any = w.vacancies > 0;
    std::vector<PrejudiceSums> part(blocks, PrejudiceSums(G, H));
    oneapi::tbb::parallel_for(size_t(0), blocks, [&](size_t b) {
        PrejudiceSums& s = part[b];
        const size_t r0 = b * kReduceBlock, r1 = std::min(n, r0 + kReduceBlock);
        const uint8_t* const group = pop.group.data();
        // Sums that are only added up run in registers over runs of one
        // group (ids come in runs of one group) and are flushed when the
        // group changes, so no add waits on the previous one through memory.
        size_t run_g = group[r0];
        uint64_t run_n = 0;
        double run_p = 0, run_p2 = 0;
        // The neighbourhoods' sums (sim/interleaved.hpp).
        InterleavedSums<double> hood_p(H);
        InterleavedSums<uint64_t> hood_n(H);
        auto flush = [&] {
            s.g_n[run_g] += run_n;
            s.g_p[run_g] += run_p;
            s.g_p2[run_g] += run_p2;
            run_n = 0;
            run_p = run_p2 = 0;
        };
        for (size_t r = r0; r < r1; ++r) {
            if (vacant_any && pop.vacant(r)) // (sim/world.hpp)
                continue;
            const size_t g = group[r], h = w.hood[r];
            const double p = pop.prejudice[r];
            if (g != run_g) {
                flush();
                run_g = g;
            }
            run_n += 1;
            run_p += p;
            run_p2 += p * p;
            hood_n.at(r, h) += 1;
            hood_p.at(r, h) += p;
        }
        flush();
        hood_n.fold_into(s.h_n);
        hood_p.fold_into(s.h_p);
    });
    PrejudiceSums t(G, H);
    for (const auto& s : part) {
        for (size_t g = 0; g < G; ++g) {
            t.g_n[g] += s.g_n[g];
            t.g_p[g] += s.g_p[g];
            t.g_p2[g] += s.g_p2[g];
        }
        for (size_t h = 0; h < H; ++h) {
            t.h_n[h] += s.h_n[h];
            t.h_p[h] += s.h_p[h];
        }
    }
    PrejudiceMetrics m;
    auto ratio = [](auto a, auto b) { return double(b) > 0 ? double(a) / double(b) : double(NAN); };
    m.prejudice_mean.resize(G);
    m.prejudice_sd.resize(G);
    for (size_t g = 0; g < G; ++g) {
        const double mean = ratio(t.g_p[g], t.g_n[g]);
        m.prejudice_mean[g] = mean;
        m.prejudice_sd[g] =
            t.g_n[g] > 0 ? std::sqrt(std::max(0.0, t.g_p2[g] / double(t.g_n[g]) - mean * mean)) : NAN;
    }
    m.hood_prejudice.resize(H);
    for (size_t h = 0; h < H; ++h)
        m.hood_prejudice[h] = ratio(t.h_p[h], t.h_n[h]);
    return m;
}

std::vector<std::vector<double>> series_rows(const World& w, const PolicySchedule& policy, uint32_t s,
                                             double step_days, const MechanismList* mechanisms) {
    std::vector<std::vector<double>> rows;
    rows.reserve(schema::series_table().size());
    auto scalar = [&](double v) { rows.push_back({v}); };
    auto row = [&](const std::vector<double>& v) { rows.push_back(v); };
    const StepMetrics mt = step_metrics(w);
    std::vector<double> levers(kLeverCount);
    for (size_t l = 0; l < kLeverCount; ++l)
        levers[l] = policy.city_intensity(lever_table()[l].lever, s);
    // In the order of schema::series_table().
    scalar(double(s) * step_days);
    scalar(mt.population);
    scalar(mt.percent_similar);
    scalar(mt.theil_h);
    scalar(policy.cost(s));
    row(mt.group_population);
    row(mt.group_percent_similar);
    row(mt.dissimilarity);
    row(mt.isolation);
    row(levers);
    row(mt.hood_population);
    row(mt.hood_minority_share);
    row(mt.hood_percent_similar);
    row(mt.hood_diversity);
    const PrejudiceMetrics pm = prejudice_metrics(w);
    row(pm.prejudice_mean);
    row(pm.prejudice_sd);
    row(pm.hood_prejudice);
    if (rows.size() != schema::builtin_series_count())
        throw std::logic_error("series_rows: series table and rows disagree");
    // The series the registered mechanisms declare: the running mechanism's
    // report, or NaN rows for a mechanism the scenario does not run.
    auto width = [&](Dims d) {
        switch (d) {
        case Dims::Step:
            return size_t(1);
        case Dims::StepGroup:
            return size_t(w.group_total());
        case Dims::StepLever:
            return kLeverCount;
        case Dims::StepNeighbourhood:
            return size_t(w.hoods.count());
        }
        return size_t(1);
    };
    // Each registered mechanism's rows: the running mechanism's report, or
    // NaN rows for a mechanism the scenario does not run. The reports read
    // the world only (Mechanism::report is const), so those of a run of
    // entries without report_reads_rows are computed side by side, each
    // into its own rows, and appended in registry order: the same rows as
    // one after the other.
    const auto& registry = mechanism_registry();
    auto report = [&](const MechanismEntry& entry, std::vector<std::vector<double>>& out) {
        if (entry.series.empty())
            return;
        const Mechanism* running = nullptr;
        if (mechanisms != nullptr)
            for (const auto& m : *mechanisms)
                if (m->registered_name == entry.name)
                    running = m.get();
        const size_t first = out.size();
        if (running != nullptr)
            running->report(w, out);
        else
            for (const SeriesDecl& d : entry.series)
                out.emplace_back(width(d.dims), double(NAN));
        if (out.size() != first + entry.series.size())
            throw std::logic_error("series_rows: mechanism " + entry.name + " reported " +
                                   std::to_string(out.size() - first) + " series for " +
                                   std::to_string(entry.series.size()) + " declared");
        for (size_t k = 0; k < entry.series.size(); ++k)
            if (out[first + k].size() != width(entry.series[k].dims))
                throw std::logic_error("series_rows: " + entry.series[k].path + " has " +
                                       std::to_string(out[first + k].size()) + " values, expected " +
                                       std::to_string(width(entry.series[k].dims)));
    };
    for (size_t begin = 0; begin < registry.size();) {
        if (registry[begin].report_reads_rows) {
            report(registry[begin], rows);
            ++begin;
            continue;
        }
        size_t end = begin;
        while (end < registry.size() && !registry[end].report_reads_rows)
            ++end;
        std::vector<std::vector<std::vector<double>>> part(end - begin);
        std::vector<std::exception_ptr> failed(end - begin);
        oneapi::tbb::parallel_for(begin, end, [&](size_t k) {
            try {
                report(registry[k], part[k - begin]);
            } catch (...) {
                failed[k - begin] = std::current_exception();
            }
        });
        for (size_t k = begin; k < end; ++k) {
            if (failed[k - begin])
                std::rethrow_exception(failed[k - begin]);
            for (auto& r : part[k - begin])
                rows.push_back(std::move(r));
        }
        begin = end;
    }
    return rows;
}

NamedValues headline_metrics(const World& w, const PolicySchedule& policy, uint32_t s,
                             const MechanismList& mechanisms) {
    static const char* const kHeadline[] = {
        "/timeseries/icc_composite",        "/timeseries/pillar_equality", "/timeseries/pillar_interaction",
        "/timeseries/pillar_participation", "/timeseries/employment_gap",  "/timeseries/diversity_advantage",
        "/timeseries/organisation_reach",   "/timeseries/policy_cost"};
    const auto table = schema::series_table();
    const auto rows = series_rows(w, policy, s, 1, &mechanisms);
    NamedValues out;
    for (const char* path : kHeadline) {
        const MechanismEntry* owner = nullptr;
        for (const MechanismEntry& e : mechanism_registry())
            for (const SeriesDecl& d : e.series)
                if (d.path == path)
                    owner = &e;
        // A series no mechanism declares (policy_cost) is the engine's own: always there.
        const bool runs =
            owner == nullptr || std::any_of(mechanisms.begin(), mechanisms.end(),
                                            [&](const auto& m) { return m->registered_name == owner->name; });
        if (!runs)
            continue;
        for (size_t k = 0; k < table.size() && k < rows.size(); ++k)
            if (std::string(table[k].path) == path && rows[k].size() == 1)
                out.emplace_back(std::string(path).substr(std::string("/timeseries/").size()), rows[k][0]);
    }
    return out;
}

} // namespace icsim
