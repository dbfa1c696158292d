#include "output/report.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <stdexcept>

#include <oneapi/tbb/parallel_for.h>

#include "models/culture.hpp"
#include "models/registry.hpp"
#include "output/schema.hpp"
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
    const SocialMetrics s = social_metrics(world);
    const SocialSpec& sp = world.social;
    for (int g = 0; g < world.group_total(); ++g)
        out.emplace_back("prejudice." + world.groups[size_t(g)].name, s.prejudice_mean[size_t(g)]);
    if (sp.friend_threshold > 0)
        for (int g = 0; g < world.group_total(); ++g)
            out.emplace_back("outgroup_friends." + world.groups[size_t(g)].name,
                             s.outgroup_friend_share[size_t(g)]);
    if (sp.culture_features > 0) {
        out.emplace_back("cultural_diversity", s.cultural_diversity);
        for (int g = 1; g < world.group_total(); ++g)
            out.emplace_back("integration." + world.groups[size_t(g)].name, s.berry_integration[size_t(g)]);
    }
    if (!sp.rumour_target.empty())
        out.emplace_back("rumour_belief", s.rumour_belief);
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

// One block's sums for social_metrics.
struct SocialSums {
    // Counts are integers: exact, and an increment does not wait on a
    // floating-point add of the previous resident.
    using Counts = std::vector<uint64_t>;
    std::vector<double> g_p, g_p2, g_cp, g_cn; // per group
    Counts g_n, g_friend;                      // per group
    std::vector<double> h_p;                   // per neighbourhood
    Counts h_n, h_friend;
    double sx = 0, sy = 0, sxy = 0, sxx = 0, syy = 0; // correlation sums
    uint64_t believers = 0;
    Counts r_ignorant, r_eligible; // per rumour
    CultureCounts culture;         // when not kept by the culture mechanism

    SocialSums(size_t G, size_t H, size_t R)
        : g_p(G), g_p2(G), g_cp(G), g_cn(G), g_n(G), g_friend(G), h_p(H), h_n(H), h_friend(H), r_ignorant(R),
          r_eligible(R) {}

    void add(const SocialSums& o) {
        auto acc = [](auto& a, const auto& b) {
            for (size_t k = 0; k < a.size(); ++k)
                a[k] += b[k];
        };
        acc(g_n, o.g_n);
        acc(g_p, o.g_p);
        acc(g_p2, o.g_p2);
        acc(g_cp, o.g_cp);
        acc(g_cn, o.g_cn);
        acc(g_friend, o.g_friend);
        acc(h_n, o.h_n);
        acc(h_p, o.h_p);
        acc(h_friend, o.h_friend);
        acc(r_ignorant, o.r_ignorant);
        acc(r_eligible, o.r_eligible);
        culture += o.culture;
        sx += o.sx;
        sy += o.sy;
        sxy += o.sxy;
        sxx += o.sxx;
        syy += o.syy;
        believers += o.believers;
    }
};

} // namespace

SocialMetrics social_metrics(const World& w) {
    const Population& pop = w.pop;
    const SocialSpec& sp = w.social;
    const size_t n = pop.size(), G = size_t(w.group_total()), H = size_t(w.hoods.count());
    const size_t R = sp.rumour_target.size();
    const int F = sp.culture_features;
    const uint8_t thr = sp.friend_threshold;
    const size_t blocks = (n + kReduceBlock - 1) / kReduceBlock;
    const bool met = sp.encounters && w.today.step > 0 && w.today.slots >= kTieSlots;
    std::vector<SocialSums> part(blocks, SocialSums(G, H, R));
    // The culture column's counts: kept by the culture mechanism when it ran
    // in the current step, else counted here.
    const bool culture_kept = F > 0 && w.today.culture_step == w.today.step && w.today.step > 0;
    // Who has an out-group friend: published by the friendship mechanism
    // when it updated the ties in the current step (ties do not change
    // after it in a step), else counted from the tie columns.
    const uint8_t* const friends =
        w.today.friends_step == w.today.step && w.today.step > 0 && w.today.friends.size() == n
            ? w.today.friends.data()
            : nullptr;
    oneapi::tbb::parallel_for(size_t(0), blocks, [&](size_t b) {
        SocialSums& s = part[b];
        const size_t r0 = b * kReduceBlock, r1 = std::min(n, r0 + kReduceBlock);
        const uint8_t* const group = pop.group.data();
        // The block is swept once per kind of sum, each sweep with its own
        // few arrays (the block's columns stay in cache). Counts that are
        // only added up run in registers over runs of one group (ids come in
        // runs of one group) and are flushed when the group changes, so no
        // increment waits on the previous one through memory.
        {
            size_t run_g = group[r0];
            uint64_t run_n = 0;
            double run_p = 0, run_p2 = 0, run_cp = 0, run_cn = 0;
            // The correlation's sums in locals too: stores through the sums' vectors could
            // alias s.sx and the others, which would keep them in memory.
            double sx = 0, sy = 0, sxy = 0, sxx = 0, syy = 0;
            // The neighbourhoods' sums in four interleaved copies (resident
            // r adds to copy r mod 4), folded in order at the end: arranged
            // residents come in short runs of one neighbourhood
            // (sim/world.hpp), and adds to one sum would each wait on the
            // previous one through memory.
            thread_local std::vector<double> hood_p;
            thread_local std::vector<uint64_t> hood_n;
            hood_p.assign(4 * H, 0.0);
            hood_n.assign(4 * H, 0);
            auto flush = [&] {
                s.g_n[run_g] += run_n;
                s.g_p[run_g] += run_p;
                s.g_p2[run_g] += run_p2;
                s.g_cp[run_g] += run_cp;
                s.g_cn[run_g] += run_cn;
                run_n = 0;
                run_p = run_p2 = run_cp = run_cn = 0;
            };
            for (size_t r = r0; r < r1; ++r) {
                const size_t g = group[r], h = w.hood[r];
                const double p = pop.prejudice[r], cp = pop.contact_positive[r];
                if (g != run_g) {
                    flush();
                    run_g = g;
                }
                run_n += 1;
                run_p += p;
                run_p2 += p * p;
                run_cp += cp;
                run_cn += pop.contact_negative[r];
                hood_n[(r & 3) * H + h] += 1;
                hood_p[(r & 3) * H + h] += p;
                if (g == 0) { // the correlation is taken within the first (majority) group
                    sx += cp;
                    sy += p;
                    sxy += cp * p;
                    sxx += cp * cp;
                    syy += p * p;
                }
            }
            flush();
            for (size_t k = 0; k < 4; ++k)
                for (size_t h = 0; h < H; ++h) {
                    s.h_n[h] += hood_n[k * H + h];
                    s.h_p[h] += hood_p[k * H + h];
                }
            s.sx += sx;
            s.sy += sy;
            s.sxy += sxy;
            s.sxx += sxx;
            s.syy += syy;
        }
        if (thr > 0) {
            size_t run_g = group[r0];
            uint64_t run = 0;
            thread_local std::vector<uint64_t> hood_f; // (four copies, as above)
            hood_f.assign(4 * H, 0);
            auto count = [&](auto has_outgroup_friend) {
                for (size_t r = r0; r < r1; ++r) {
                    const size_t g = group[r];
                    if (g != run_g) {
                        s.g_friend[run_g] += run;
                        run = 0;
                        run_g = g;
                    }
                    const uint64_t out = has_outgroup_friend(r);
                    run += out;
                    hood_f[(r & 3) * H + w.hood[r]] += out;
                }
            };
            if (friends != nullptr) // the friendship mechanism's flags, one byte per resident
                count([&](size_t r) { return uint64_t(friends[r] >> kTieSlots); });
            else
                count([&](size_t r) { return uint64_t(outgroup_friends(pop, r, thr) != 0); });
            s.g_friend[run_g] += run;
            for (size_t k = 0; k < 4; ++k)
                for (size_t h = 0; h < H; ++h)
                    s.h_friend[h] += hood_f[k * H + h];
        }
        if (F > 0 && !culture_kept)
            count_cultures(w, r0, r1, s.culture);
        if (R > 0) {
            const uint8_t* const rumour = pop.rumour.data();
            // (Counts of at most a block's residents in 32 bits, and byte
            // tests: loops the compiler vectorises.)
            const uint8_t pairs = uint8_t(0x55u & ((1u << (2 * R)) - 1));
            uint32_t believers = 0;
            for (size_t r = r0; r < r1; ++r) {
                // A state of 1 or 2 (spreader or stifler who believes) in
                // any rumour's two bits: bit 0 xor bit 1 of some pair.
                const uint8_t st = rumour[r];
                believers += uint32_t((uint8_t(st ^ (st >> 1)) & pairs) != 0);
            }
            s.believers += believers;
            for (size_t k = 0; k < R; ++k) {
                const uint8_t target = uint8_t(sp.rumour_target[k]), shift = uint8_t(2 * k);
                uint32_t eligible = 0, ignorant = 0;
                for (size_t r = r0; r < r1; ++r) {
                    const uint32_t other = group[r] != target;
                    eligible += other;
                    ignorant += other & uint32_t(((rumour[r] >> shift) & 3u) == 0);
                }
                s.r_eligible[k] += eligible;
                s.r_ignorant[k] += ignorant;
            }
        }
    });
    SocialSums t(G, H, R);
    for (const auto& s : part)
        t.add(s);
    if (culture_kept)
        t.culture = w.today.culture;
    t.culture.traits.resize(8 * 16, 0); // sized even with no residents
    t.culture.berry.resize(G * 4, 0);

    SocialMetrics m;
    auto ratio = [](auto a, auto b) { return double(b) > 0 ? double(a) / double(b) : double(NAN); };
    if (met) {
        m.intergroup_meeting_share = ratio(double(w.today.outgroup), double(w.today.meetings));
        m.contact_ratio = ratio(double(w.today.positive), double(w.today.negative));
    }
    m.prejudice_mean.resize(G);
    m.prejudice_sd.resize(G);
    m.contact_positive.assign(G, NAN);
    m.contact_negative.assign(G, NAN);
    m.outgroup_friend_share.assign(G, NAN);
    m.hood_outgroup_friend_share.assign(H, NAN);
    m.berry_integration.assign(G, NAN);
    m.berry_assimilation.assign(G, NAN);
    m.berry_separation.assign(G, NAN);
    m.berry_marginalisation.assign(G, NAN);
    for (size_t g = 0; g < G; ++g) {
        const double mean = ratio(t.g_p[g], t.g_n[g]);
        m.prejudice_mean[g] = mean;
        m.prejudice_sd[g] =
            t.g_n[g] > 0 ? std::sqrt(std::max(0.0, t.g_p2[g] / double(t.g_n[g]) - mean * mean)) : NAN;
        if (sp.attitudes) {
            m.contact_positive[g] = ratio(t.g_cp[g], t.g_n[g]);
            m.contact_negative[g] = ratio(t.g_cn[g], t.g_n[g]);
        }
        if (thr > 0)
            m.outgroup_friend_share[g] = ratio(t.g_friend[g], t.g_n[g]);
        if (F > 0 && g > 0) {
            const int64_t* const mode = &t.culture.berry[g * 4];
            m.berry_integration[g] = ratio(mode[0], t.g_n[g]);
            m.berry_assimilation[g] = ratio(mode[1], t.g_n[g]);
            m.berry_separation[g] = ratio(mode[2], t.g_n[g]);
            m.berry_marginalisation[g] = ratio(mode[3], t.g_n[g]);
        }
    }
    m.hood_prejudice.resize(H);
    for (size_t h = 0; h < H; ++h) {
        m.hood_prejudice[h] = ratio(t.h_p[h], t.h_n[h]);
        if (thr > 0)
            m.hood_outgroup_friend_share[h] = ratio(t.h_friend[h], t.h_n[h]);
    }
    if (sp.attitudes && G > 0 && t.g_n[0] > 1) {
        const double N = double(t.g_n[0]);
        const double cov = t.sxy - t.sx * t.sy / N, vx = t.sxx - t.sx * t.sx / N,
                     vy = t.syy - t.sy * t.sy / N;
        m.contact_prejudice_correlation = vx > 0 && vy > 0 ? cov / std::sqrt(vx * vy) : NAN;
    }
    if (F > 0 && n > 0) {
        double d = 0;
        for (int f = 0; f < F; ++f) {
            double sq = 0;
            for (size_t k = 0; k < 16; ++k) {
                const double share = double(t.culture.traits[size_t(f) * 16 + k]) / double(n);
                sq += share * share;
            }
            d += 1 - sq;
        }
        m.cultural_diversity = d / F;
    }
    if (R > 0) {
        m.rumour_belief = ratio(t.believers, double(n));
        double never = 0;
        for (size_t k = 0; k < R; ++k)
            never += ratio(t.r_ignorant[k], t.r_eligible[k]);
        m.rumour_never_heard = never / double(R);
    }
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
    const SocialMetrics so = social_metrics(w);
    scalar(so.intergroup_meeting_share);
    scalar(so.contact_ratio);
    scalar(so.contact_prejudice_correlation);
    scalar(so.cultural_diversity);
    scalar(so.rumour_belief);
    scalar(so.rumour_never_heard);
    row(so.prejudice_mean);
    row(so.prejudice_sd);
    row(so.contact_positive);
    row(so.contact_negative);
    row(so.outgroup_friend_share);
    row(so.berry_integration);
    row(so.berry_assimilation);
    row(so.berry_separation);
    row(so.berry_marginalisation);
    row(so.hood_prejudice);
    row(so.hood_outgroup_friend_share);
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
    for (const MechanismEntry& entry : mechanism_registry()) {
        if (entry.series.empty())
            continue;
        const Mechanism* running = nullptr;
        if (mechanisms != nullptr)
            for (const auto& m : *mechanisms)
                if (m->registered_name == entry.name)
                    running = m.get();
        const size_t first = rows.size();
        if (running != nullptr)
            running->report(w, rows);
        else
            for (const SeriesDecl& d : entry.series)
                rows.emplace_back(width(d.dims), double(NAN));
        if (rows.size() != first + entry.series.size())
            throw std::logic_error("series_rows: mechanism " + entry.name + " reported " +
                                   std::to_string(rows.size() - first) + " series for " +
                                   std::to_string(entry.series.size()) + " declared");
        for (size_t k = 0; k < entry.series.size(); ++k)
            if (rows[first + k].size() != width(entry.series[k].dims))
                throw std::logic_error("series_rows: " + entry.series[k].path + " has " +
                                       std::to_string(rows[first + k].size()) + " values, expected " +
                                       std::to_string(width(entry.series[k].dims)));
    }
    return rows;
}

} // namespace icsim
