// Generalised and institutional trust (docs/model/trust.md). Per resident,
// two 8-bit columns (level / 255 = trust, 0-1), each moving a share
// `adapt` of the way to its target every step:
//   generalised    g* = clamp(base_generalised - w_diversity x D x (1 - C) + w_contact x C
//                             - w_unfair x delta, 0, 1)
//   institutional  i* = clamp(base_institutional + w_voice x P
//                             - w_represented x (1 - min(rho_g, 1)) - w_unfair_institutional x delta, 0, 1)
// D the fractionalisation (1 - sum of squared group shares) of the home
// neighbourhood, C = c+ / (c+ + contact_half) with c+ the recent positive
// out-group contacts (contact_positive, a column attitudes declares),
// delta = d / (d + d_half) with d the discrimination experienced (kept by
// belonging), P = 1 when the resident took part in civic life this step
// (participation's `participated`), rho_g its group's representation
// ratio this step (no term when nobody took part).
// Local diversity lowers trust for every group, not only towards the
// out-group ("hunkering down", Putnam 2007, Scandinavian Political Studies
// 30:137); the relation is negative and small over 1,001 estimates
// (Dinesen, Schaeffer & Soenderskov 2020, Annual Review of Political
// Science 23:441); positive contact removes the diversity term and adds
// its own (the diversity effect is weaker where residents have out-group
// contact, Stolle, Soroka & Johnston 2008); discrimination and
// under-representation lower trust in institutions.
// Quantisation: the new value is rounded to an 8-bit level up or down with
// probabilities that make the level's mean equal to the exact value
// (quantise_unbiased), from the two halves of KeyedHash(seed, Trust, t)(r, 0), so the
// small steps of a slow adaptation are not lost to rounding and the means
// are unbiased (tests/models/test_trust.cpp).
// Trust follows participation in mechanisms.order (it reads this step's
// participants); participation reads trust as it was at the step's start.
// Each resident writes only its own columns: thread-count independent.
#include "models/trust.hpp"
#include "models/attitudes.hpp"
#include "models/participation.hpp"
#include "models/registry.hpp"

#include <algorithm>
#include <cmath>

#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/parallel_for.h>

#include "sim/parallel.hpp"
#include "sim/rng.hpp"
#include "sim/tally.hpp"

namespace icsim {

namespace {

const std::vector<Field<TrustParams>>& trust_fields() {
    using P = TrustParams;
    static const std::vector<Field<P>> f = {
        {"adapt",
         &P::adapt,
         0,
         1,
         "1/step",
         "share of the gap to the target trust closed per step",
         assumption("trust changes over months"),
         {0.01, 0.2}},
        {"base_generalised",
         &P::base_generalised,
         0,
         1,
         "1",
         "target generalised trust in a one-group neighbourhood, without contact or discrimination",
         assumption("the European Social Survey's 0-10 'most people can be trusted' averages near the "
                    "middle of the scale"),
         {0.4, 0.7}},
        {"w_diversity",
         &P::w_diversity,
         0,
         1,
         "1",
         "fall of target generalised trust per unit of neighbourhood fractionalisation, without contact",
         calibrated("a small negative diversity-trust correlation within groups in the default city "
                    "(Dinesen, Schaeffer & Soenderskov 2020: negative and small over 1,001 estimates)"),
         {0.05, 0.4}},
        {"w_contact",
         &P::w_contact,
         0,
         1,
         "1",
         "rise of target generalised trust at saturating positive out-group contact",
         assumption("contact offsets the diversity effect (Stolle, Soroka & Johnston 2008); size assumed"),
         {0, 0.3}},
        {"contact_half",
         &P::contact_half,
         0.01,
         1000,
         "contacts",
         "recent positive out-group contacts at which the contact term is half its maximum",
         assumption(),
         {1, 20}},
        {"w_unfair",
         &P::w_unfair,
         0,
         1,
         "1",
         "fall of target generalised trust at saturating discrimination experienced",
         assumption("discrimination experienced lowers trust; size assumed"),
         {0, 0.4}},
        {"d_half",
         &P::d_half,
         0.01,
         100,
         "events",
         "discrimination experienced at which its terms are half their maximum",
         assumption("as belonging.d_half"),
         {0.5, 5}},
        {"base_institutional",
         &P::base_institutional,
         0,
         1,
         "1",
         "target institutional trust of a resident of a proportionally represented group, not taking part, "
         "without discrimination",
         assumption(),
         {0.4, 0.7}},
        {"w_voice",
         &P::w_voice,
         0,
         1,
         "1",
         "rise of target institutional trust in a step the resident takes part in civic life",
         assumption(),
         {0, 0.3}},
        {"w_represented",
         &P::w_represented,
         0,
         1,
         "1",
         "fall of target institutional trust per unit of under-representation of the resident's group "
         "(1 - min(rho, 1))",
         assumption(),
         {0, 0.5}},
        {"w_unfair_institutional",
         &P::w_unfair_institutional,
         0,
         1,
         "1",
         "fall of target institutional trust at saturating discrimination experienced",
         assumption("unfair treatment by institutions lowers trust in them; size assumed"),
         {0, 0.5}},
    };
    return f;
}

template <class T>
ColumnHandle<T> optional_column(const char* name) {
    for (const auto& c : declared_columns())
        if (c.name == name && c.type == column_type_of<T>())
            return column_handle<T>(name);
    return {};
}

struct Moments {
    double n = 0, sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
    double correlation() const {
        const double vx = sxx - sx * sx / n, vy = syy - sy * sy / n;
        if (n < 2 || vx <= 1e-12 * n || vy <= 1e-12 * n)
            return double(NAN);
        return (sxy - sx * sy / n) / std::sqrt(vx * vy);
    }
};

// Per group and neighbourhood: the living residents and the sums of their
// generalised trust (sum 0), its square (1) and their institutional trust
// (2), in stored levels (0-255; exact integer sums, sim/tally.hpp).
using TrustTally = GroupHoodTally<3>;

TrustTally trust_tally(const World& w) {
    const uint8_t* const tg = w.pop.column(column_handle<uint8_t>("trust_generalised")).data();
    const uint8_t* const ti = w.pop.column(column_handle<uint8_t>("trust_institutional")).data();
    return tally_by_group_and_hood<3>(w, [&](size_t r, uint64_t(&v)[3]) {
        v[0] = tg[r];
        v[1] = uint32_t(tg[r]) * tg[r];
        v[2] = ti[r];
        return true;
    });
}

// The diversity-trust correlation from a tally: every resident of a
// neighbourhood has the same D, so the moments are sums over (group,
// neighbourhood) of the counts times D and the trust sums.
double correlation_of(const TrustTally& t, const std::vector<double>& D, int group) {
    const size_t H = t.H, G = t.G;
    std::vector<Moments> m(G);
    for (size_t g = 0; g < G; ++g) {
        if (group >= 0 && size_t(group) != g)
            continue;
        for (size_t h = 0; h < H; ++h) {
            const size_t k = g * H + h;
            if (t.n[k] == 0)
                continue;
            const double n = double(t.n[k]), x = D[h], sy = double(t.sum[0][k]) / 255.0;
            m[g].n += n;
            m[g].sx += n * x;
            m[g].sxx += n * x * x;
            m[g].sy += sy;
            m[g].syy += double(t.sum[1][k]) / (255.0 * 255.0);
            m[g].sxy += x * sy;
        }
    }
    if (group >= 0)
        return size_t(group) < G ? m[size_t(group)].correlation() : double(NAN);
    // Pooled within groups: each group's sums about its own means. A raw
    // correlation over every resident would also pick up who lives where
    // (groups that experience more discrimination, hence trust less, live
    // in the more diverse neighbourhoods when the housing market sorts
    // them), which the literature's estimates control for.
    Moments within;
    for (const Moments& g : m) {
        if (g.n < 1)
            continue;
        within.n += g.n;
        within.sxx += g.sxx - g.sx * g.sx / g.n;
        within.syy += g.syy - g.sy * g.sy / g.n;
        within.sxy += g.sxy - g.sx * g.sy / g.n;
    }
    return within.correlation();
}

class Trust final : public Mechanism {
public:
    explicit Trust(const TrustParams& p)
        : p_(p), generalised_(column_handle<uint8_t>("trust_generalised")),
          institutional_(column_handle<uint8_t>("trust_institutional")),
          participated_(optional_column<uint8_t>("participated")),
          discrimination_(optional_column<float>("discrimination")) {}

    void publish(World& w, uint64_t) const override { w.products.set(kTrustLevels, Runs{}); }

    // A new run's residents start at their targets (nobody has taken part
    // yet: no representation terms).
    void initialise(World& w, uint64_t seed) override { update(w, seed, 0, /*start=*/true); }

    void step(World& w, const StepContext& ctx) override { update(w, ctx.seed, ctx.step, false); }

    void report(const World& w, std::vector<std::vector<double>>& rows) const override {
        const size_t G = size_t(w.group_total()), H = size_t(w.hoods.count());
        const TrustTally t = trust_tally(w);
        // Mean levels / 255 (sum / (255 n), as trust has always reported them).
        auto mean = [](uint64_t sum, uint64_t n) {
            return n > 0 ? double(sum) / (255.0 * double(n)) : double(NAN);
        };
        std::vector<double> gg(G), ig(G), gh(H);
        for (size_t g = 0; g < G; ++g) {
            gg[g] = mean(t.group_sum(0, g), t.group_n(g));
            ig[g] = mean(t.group_sum(2, g), t.group_n(g));
        }
        for (size_t h = 0; h < H; ++h)
            gh[h] = mean(t.hood_sum(0, h), t.hood_n(h));
        rows.push_back(std::move(gg));
        rows.push_back(std::move(ig));
        rows.push_back(std::move(gh));
        rows.push_back({correlation_of(t, neighbourhood_diversity(w), -1)});
    }

private:
    void update(World& w, uint64_t seed, uint32_t step, bool start) {
        Population& pop = w.pop;
        uint8_t* const tg = pop.column(generalised_).data();
        uint8_t* const ti = pop.column(institutional_).data();
        const uint8_t* const part =
            participated_.valid() && !start ? pop.column(participated_).data() : nullptr;
        const float* const disc = discrimination_.valid() ? pop.column(discrimination_).data() : nullptr;
        // The terms that depend only on the neighbourhood or the group, once:
        // the per-resident loop is generalised_target and
        // institutional_target with these folded in.
        std::vector<double> diversity_term = neighbourhood_diversity(w);
        for (double& d : diversity_term)
            d = std::isnan(d) ? 0.0 : p_.w_diversity * d;
        std::vector<double> institutional_base(size_t(w.group_total()), p_.base_institutional);
        if (part != nullptr) {
            const std::vector<double> rho = representation_ratios(w);
            for (size_t g = 0; g < rho.size(); ++g)
                if (!std::isnan(rho[g]))
                    institutional_base[g] -= p_.w_represented * (1 - std::min(rho[g], 1.0));
        }
        const KeyedHash draw(seed, Stream::Trust, step);
        const double a = start ? 1.0 : p_.adapt;
        const float* const contact_in = contact_positive(pop).data();
        const uint8_t* const group_in = pop.group.data();
        const uint16_t* const hood_in = w.hood.data();
        const double* const div_in = diversity_term.data();
        const double* const inst_in = institutional_base.data();
        const CellId* const cell_in = pop.cell.data();
        const bool vacant_any = w.vacancies > 0;
        oneapi::tbb::parallel_for(
            oneapi::tbb::blocked_range<size_t>(0, pop.size(), 1024),
            [&](const oneapi::tbb::blocked_range<size_t>& range) {
                // Parameters and pointers copied into locals once per block:
                // the uint8_t stores may alias anything reached through the
                // closure's references, so the compiler would reload each of
                // them for every resident.
                const TrustParams p = p_;
                const KeyedHash h = draw;
                const double rate = a;
                uint8_t* const gen = tg;
                uint8_t* const ins = ti;
                const uint8_t* const took = part;
                const float* const dis = disc;
                const float* const contact = contact_in;
                const uint8_t* const group = group_in;
                const uint16_t* const hood = hood_in;
                const double* const div = div_in;
                const double* const inst = inst_in;
                for (size_t r = range.begin(); r != range.end(); ++r) {
                    if (vacant_any && cell_in[r] == kNoCell) // a vacant slot keeps its initial values
                        continue;
                    const double d = dis != nullptr ? dis[r] : 0.0;
                    const double delta = d / (d + p.d_half);
                    const double cp = contact[r], c = cp / (cp + p.contact_half);
                    const double g_star = std::clamp(p.base_generalised - div[hood[r]] * (1 - c) +
                                                         p.w_contact * c - p.w_unfair * delta,
                                                     0.0, 1.0);
                    const double i_star =
                        std::clamp(inst[group[r]] + (took != nullptr && took[r] != 0 ? p.w_voice : 0.0) -
                                       p.w_unfair_institutional * delta,
                                   0.0, 1.0);
                    const double g = gen[r] * (1 / 255.0), i = ins[r] * (1 / 255.0);
                    // One draw: its high half rounds generalised trust, its
                    // low half (shifted up) institutional trust.
                    const uint64_t u = h(uint32_t(r), 0);
                    gen[r] = quantise_unbiased(g + rate * (g_star - g), u);
                    ins[r] = quantise_unbiased(i + rate * (i_star - i), u << 32);
                }
            });
    }

    TrustParams p_;
    ColumnHandle<uint8_t> generalised_, institutional_, participated_;
    ColumnHandle<float> discrimination_;
};

} // namespace

double generalised_target(const TrustParams& p, double diversity, double contact, double discrimination) {
    const double c = contact / (contact + p.contact_half);
    const double delta = discrimination / (discrimination + p.d_half);
    return std::clamp(p.base_generalised - p.w_diversity * diversity * (1 - c) + p.w_contact * c -
                          p.w_unfair * delta,
                      0.0, 1.0);
}

double institutional_target(const TrustParams& p, bool participated, double rho, double discrimination) {
    const double delta = discrimination / (discrimination + p.d_half);
    const double under = std::isnan(rho) ? 0.0 : 1 - std::min(rho, 1.0);
    return std::clamp(p.base_institutional + (participated ? p.w_voice : 0.0) - p.w_represented * under -
                          p.w_unfair_institutional * delta,
                      0.0, 1.0);
}

uint8_t quantise_unbiased(double v, uint64_t u) {
    const double x = std::clamp(v, 0.0, 1.0) * 255.0;
    const double lo = std::floor(x);
    return uint8_t(std::min(255.0, lo + (unit_hi(u) < x - lo ? 1.0 : 0.0)));
}

std::vector<double> neighbourhood_diversity(const World& w) {
    const size_t G = size_t(w.group_total()), H = size_t(w.hoods.count());
    const std::vector<uint32_t> n = w.hood_group_counts();
    const std::vector<double> count(n.begin(), n.end());
    std::vector<double> total(H, 0);
    for (size_t h = 0; h < H; ++h)
        for (size_t g = 0; g < G; ++g)
            total[h] += count[h * G + g];
    std::vector<double> D(H, double(NAN));
    for (size_t h = 0; h < H; ++h) {
        if (total[h] <= 0)
            continue;
        double s = 0;
        for (size_t g = 0; g < G; ++g)
            s += (count[h * G + g] / total[h]) * (count[h * G + g] / total[h]);
        D[h] = 1 - s;
    }
    return D;
}

double diversity_trust_correlation(const World& w, int group) {
    return correlation_of(trust_tally(w), neighbourhood_diversity(w), group);
}

MechanismEntry trust_mechanism() {
    MechanismEntry e = make_mechanism_entry<TrustParams>(
        "trust",
        "generalised trust (lowered by neighbourhood diversity without contact, raised by positive contact) "
        "and institutional trust (raised by taking part and by representation, lowered by discrimination)",
        &trust_fields, [](const TrustParams& p, const World&) -> std::unique_ptr<Mechanism> {
            return std::make_unique<Trust>(p);
        });
    e.columns = {
        {"trust_generalised", ColumnType::U8, 128.0, "1/255",
         "generalised trust ('most people can be trusted'), 0-255 for 0-1", true, true},
        {"trust_institutional", ColumnType::U8, 128.0, "1/255",
         "trust in the city's institutions, 0-255 for 0-1", true, true},
    };
    e.series = {
        {"/timeseries/trust_generalised", Dims::StepGroup, "1", "mean generalised trust (0-1) per group"},
        {"/timeseries/trust_institutional", Dims::StepGroup, "1", "mean institutional trust (0-1) per group"},
        {"/neighbourhoods/trust_generalised", Dims::StepNeighbourhood, "1",
         "mean generalised trust (0-1) of the neighbourhood's residents"},
        {"/timeseries/diversity_trust_correlation", Dims::Step, "1",
         "Pearson correlation over residents, pooled within groups, between the home neighbourhood's "
         "fractionalisation and generalised trust (negative and small in the literature)"},
    };
    e.summary = [](const World& w, std::vector<std::pair<std::string, double>>& out) {
        if (!w.products.has(kTrustLevels))
            return;
        const TrustTally t = trust_tally(w);
        uint64_t sg = 0, si = 0, n = 0;
        for (size_t k = 0; k < t.n.size(); ++k) {
            sg += t.sum[0][k];
            si += t.sum[2][k];
            n += t.n[k];
        }
        out.emplace_back("trust_generalised", n > 0 ? double(sg) / (255.0 * double(n)) : double(NAN));
        out.emplace_back("trust_institutional", n > 0 ? double(si) / (255.0 * double(n)) : double(NAN));
        out.emplace_back("diversity_trust_correlation", correlation_of(t, neighbourhood_diversity(w), -1));
    };
    e.reads = "home neighbourhoods' group shares, own `contact_positive`, `discrimination`, `participated`; "
              "every group's `participated` share (representation)";
    e.writes = "`trust_generalised`, `trust_institutional`";
    return e;
}

} // namespace icsim
