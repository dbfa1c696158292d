// Cultural exchange (docs/model/culture.md).
// Every resident carries F cultural features with q possible traits each
// (Axelrod 1997, "The dissemination of culture", J Conflict Resolution
// 41:203). Each group has heritage traits (heritage_profiles); at the start
// a resident holds its group's heritage trait on each feature with
// probability heritage_share, else a uniform trait. Each step, over the
// step's meetings (place meetings and friends' meetings, models/step_meetings.hpp),
// the resident interacts with the partner with probability overlap/F and
// then copies one trait on which they differ (axelrod_exchange), reading
// the partner's culture from the start of the step (the place meetings' `start`, read
// only for the meetings that are exchanges). Both sides of a meeting
// apply the rule, each to itself: exchange runs both ways, which is what
// separates integration (mutual exchange, diversity kept) from
// assimilation (minority traits vanish).
#include "models/culture.hpp"
#include "models/friendship.hpp"
#include "models/registry.hpp"
#include "models/step_meetings.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>

#include <oneapi/tbb/parallel_for.h>

#include "sim/columns.hpp"
#include "sim/meetings.hpp"
#include "sim/parallel.hpp"
#include "sim/rng.hpp"

namespace icsim {

const std::vector<Field<CultureParams>>& culture_fields() {
    using P = CultureParams;
    static const std::vector<Field<P>> fields = {
        {"features",
         &P::features,
         1,
         8,
         "features",
         "F: cultural features per resident",
         literature("Axelrod 1997: 5"),
         {3, 8}},
        {"traits",
         &P::traits,
         2,
         16,
         "traits",
         "q: traits per feature",
         literature("Axelrod 1997: 5-15"),
         {5, 15}},
        {"heritage_share",
         &P::heritage_share,
         0,
         1,
         "1",
         "chance that a resident starts with its group's heritage trait on a feature (else a uniform trait)",
         assumption(),
         {0.5, 1}},
        {"exchange_rate",
         &P::exchange_rate,
         0,
         1,
         "1",
         "chance that a meeting is a cultural exchange at all, before Axelrod's overlap/F (1 = Axelrod's "
         "model)",
         assumption("culture changes over years, not weeks"),
         {0.01, 0.2}},
        {"berry_threshold",
         &P::berry_threshold,
         0,
         1,
         "1",
         "share of features on which a minority member must hold its heritage (or the majority's) traits to "
         "count as keeping (or adopting) that culture in Berry's modes",
         assumption("a definition: it changes only the modes' shares"),
         {0.2, 0.5}},
    };
    return fields;
}

MechanismEntry culture_mechanism() {
    MechanismEntry e =
        make_mechanism_entry("culture", "Axelrod cultural exchange in meetings; Berry's acculturation modes",
                             culture_fields, make_culture);
    e.series = {
        {"/timeseries/cultural_diversity", Dims::Step, "1",
         "mean over cultural features of 1 - sum of squared trait shares (culture; 0 = one culture)"},
        {"/timeseries/berry_integration", Dims::StepGroup, "1",
         "share of a minority group keeping its heritage culture and adopting the majority's (culture; NaN "
         "for the first group)"},
        {"/timeseries/berry_assimilation", Dims::StepGroup, "1",
         "share of a minority group adopting the majority's culture without keeping its own (culture)"},
        {"/timeseries/berry_separation", Dims::StepGroup, "1",
         "share of a minority group keeping its culture without adopting the majority's (culture)"},
        {"/timeseries/berry_marginalisation", Dims::StepGroup, "1",
         "share of a minority group holding neither culture (culture)"},
    };
    e.columns = {{"culture", ColumnType::U32, 0, "",
                  "cultural traits, 4 bits per feature, feature f in bits 4f..4f+3 (models/culture.cpp)",
                  /*checkpointed=*/true, /*snapshotted=*/true}};
    e.summary = [](const World& w, std::vector<std::pair<std::string, double>>& out) {
        if (!w.products.has(kCultureSpec))
            return;
        const CultureFigures f = culture_figures(w);
        out.emplace_back("cultural_diversity", f.cultural_diversity);
        for (int g = 1; g < w.group_total(); ++g)
            out.emplace_back("integration." + w.groups[size_t(g)].name, f.berry_integration[size_t(g)]);
    };
    e.reads =
        "all the step's meetings (a partner's start-of-step culture from the place meetings' `start`, read "
        "for the meetings that are exchanges); own culture";
    e.writes = "`culture`";
    return e;
}

ColumnHandle<uint32_t> culture_column() {
    static const ColumnHandle<uint32_t> h = (mechanism_registry(), column_handle<uint32_t>("culture"));
    return h;
}

CultureFigures culture_figures(const World& w) {
    const Population& pop = w.pop;
    const size_t n = pop.size(), G = size_t(w.group_total());
    const CultureSpec* spec = w.products.find(kCultureSpec);
    const int F = spec != nullptr ? spec->features : 0;
    CultureFigures m;
    m.berry_integration.assign(G, NAN);
    m.berry_assimilation.assign(G, NAN);
    m.berry_separation.assign(G, NAN);
    m.berry_marginalisation.assign(G, NAN);
    if (F <= 0)
        return m;
    // The culture column's counts: kept by the mechanism when it ran in the
    // current step (that of the published place meetings), else counted here.
    const Encounters* const today = w.products.find(kMeetings);
    const KeptCultureCounts* const counted = w.products.find(kCultureCounts);
    const bool kept = today != nullptr && counted != nullptr && today->of_step(counted->step);
    const bool vacant_any = w.vacancies > 0;
    const size_t living = n - w.vacancies;
    struct Sums {
        std::vector<uint64_t> g_n;
        CultureCounts culture;
        explicit Sums(size_t groups) : g_n(groups) {}
    };
    const size_t blocks = (n + kReduceBlock - 1) / kReduceBlock;
    std::vector<Sums> part(blocks, Sums(G));
    oneapi::tbb::parallel_for(size_t(0), blocks, [&](size_t b) {
        Sums& s = part[b];
        const size_t r0 = b * kReduceBlock, r1 = std::min(n, r0 + kReduceBlock);
        const uint8_t* const group = pop.group.data();
        size_t run_g = group[r0]; // (ids come in runs of one group)
        uint64_t run = 0;
        for (size_t r = r0; r < r1; ++r) {
            if (group[r] != run_g) {
                s.g_n[run_g] += run;
                run = 0;
                run_g = group[r];
            }
            run += vacant_any ? !pop.vacant(r) : 1;
        }
        s.g_n[run_g] += run;
        if (!kept)
            count_cultures(w, r0, r1, s.culture);
    });
    Sums t(G);
    for (const Sums& s : part) {
        for (size_t g = 0; g < G; ++g)
            t.g_n[g] += s.g_n[g];
        t.culture += s.culture;
    }
    if (kept)
        t.culture = counted->counts;
    t.culture.traits.resize(8 * 16, 0); // sized even with no residents
    t.culture.berry.resize(G * 4, 0);
    auto ratio = [](auto a, auto b) { return double(b) > 0 ? double(a) / double(b) : double(NAN); };
    for (size_t g = 1; g < G; ++g) {
        const int64_t* const mode = &t.culture.berry[g * 4];
        m.berry_integration[g] = ratio(mode[0], t.g_n[g]);
        m.berry_assimilation[g] = ratio(mode[1], t.g_n[g]);
        m.berry_separation[g] = ratio(mode[2], t.g_n[g]);
        m.berry_marginalisation[g] = ratio(mode[3], t.g_n[g]);
    }
    if (living > 0) {
        double d = 0;
        for (int f = 0; f < F; ++f) {
            double sq = 0;
            for (size_t k = 0; k < 16; ++k) {
                const double share = double(t.culture.traits[size_t(f) * 16 + k]) / double(living);
                sq += share * share;
            }
            d += 1 - sq;
        }
        m.cultural_diversity = d / F;
    }
    return m;
}

int overlap(uint32_t a, uint32_t b, int features) {
    const uint32_t x = a ^ b;
    int same = 0;
    for (int f = 0; f < features; ++f)
        same += ((x >> (4 * f)) & 0xFu) == 0;
    return same;
}

uint32_t axelrod_exchange(uint32_t self, uint32_t partner, int features, double u1, double u2) {
    const int o = overlap(self, partner, features);
    if (o == 0 || o == features || u1 * features >= o)
        return self;
    int pick = int(u2 * (features - o)); // the pick-th differing feature
    for (int f = 0; f < features; ++f)
        if (trait_of(self, f) != trait_of(partner, f) && pick-- == 0)
            return with_trait(self, f, trait_of(partner, f));
    return self;
}

std::vector<uint32_t> heritage_profiles(uint64_t seed, int groups, int features, int traits) {
    std::vector<uint32_t> h(size_t(groups), 0);
    for (int g = 0; g < groups; ++g) {
        CounterRng rng(seed, Stream::SocialSetup, 6, uint32_t(g));
        for (int f = 0; f < features; ++f) {
            int t;
            if (g == 0) {
                t = int(rng.below(uint32_t(traits)));
            } else { // one of the q - 1 traits the first group does not hold
                t = int(rng.below(uint32_t(traits - 1)));
                if (t >= trait_of(h[0], f))
                    ++t;
            }
            h[size_t(g)] = with_trait(h[size_t(g)], f, t);
        }
    }
    return h;
}

int berry_min_shared(double threshold, int F) {
    // An integer count k of features meets k >= threshold x F exactly when
    // k >= ceil(threshold x F).
    return int(std::ceil(threshold * F));
}

static void count_living(const World& w, size_t begin, size_t end, CultureCounts& out);

void count_cultures(const World& w, size_t begin, size_t end, CultureCounts& out) {
    if (w.vacancies == 0)
        return count_living(w, begin, end, out);
    // Vacant slots (sim/world.hpp) count nowhere: the runs between them.
    for (size_t r = begin; r < end;) {
        while (r < end && w.pop.vacant(r))
            ++r;
        size_t e = r;
        while (e < end && !w.pop.vacant(e))
            ++e;
        count_living(w, r, e, out);
        r = e;
    }
    const size_t G = size_t(w.group_total());
    out.traits.resize(8 * 16, 0);
    out.berry.resize(G * 4, 0);
}

// count_cultures over residents begin..end-1, none of them vacant.
static void count_living(const World& w, size_t begin, size_t end, CultureCounts& out) {
    const CultureSpec* sp = w.products.find(kCultureSpec);
    const int F = sp != nullptr ? sp->features : 0;
    const size_t G = size_t(w.group_total());
    out.traits.resize(8 * 16, 0); // 8 x 16: room for the unused half of an odd last byte
    out.berry.resize(G * 4, 0);
    if (F <= 0 || begin >= end)
        return;
    const uint8_t* const group = w.pop.group.data();
    const uint32_t* const culture = cultures(w.pop).data();
    const uint32_t* const heritage = sp->heritage.data();
    const uint32_t host = heritage[0];
    const int min_shared = berry_min_shared(sp->berry_threshold, F);
    // Berry's modes of minority members, counted in four 16-bit fields of
    // one register per run of one group (ids come in runs of one group), so
    // that no increment waits on the previous one through memory.
    for (size_t b0 = begin; b0 < end; b0 += 65535) { // fewer than 2^16 residents per run
        const size_t b1 = std::min(end, b0 + 65535);
        size_t run_g = group[b0];
        uint64_t run = 0;
        auto flush = [&] {
            for (size_t k = 0; k < 4; ++k)
                out.berry[run_g * 4 + k] += int64_t((run >> (16 * k)) & 0xFFFFu);
            run = 0;
        };
        for (size_t r = b0; r < b1; ++r) {
            const size_t g = group[r];
            if (g != run_g) {
                flush();
                run_g = g;
            }
            if (g == 0)
                continue; // Berry's modes are for minority groups only
            run += uint64_t(1) << (16 * berry_mode(culture[r], heritage[g], host, F, min_shared));
        }
        flush();
    }
    // Trait counts a byte (two features) at a time, in two interleaved
    // tallies so that neighbours sharing both traits do not wait on each
    // other's increments (each tally counts at most half of fewer than 2^32
    // residents: 32 bits suffice); each feature's counts are then sums over
    // the other half of the byte.
    for (int byte = 0; 2 * byte < F; ++byte) {
        const int shift = 8 * byte;
        std::array<std::array<uint32_t, 256>, 2> tally{};
        size_t r = begin;
        for (; r + 2 <= end; r += 2) {
            ++tally[0][(culture[r] >> shift) & 0xFFu];
            ++tally[1][(culture[r + 1] >> shift) & 0xFFu];
        }
        if (r < end)
            ++tally[0][(culture[r] >> shift) & 0xFFu];
        int64_t* const low = &out.traits[size_t(2 * byte) * 16];
        int64_t* const high = &out.traits[size_t(2 * byte + 1) * 16]; // unused when 2 byte + 1 = F
        for (size_t v = 0; v < 256; ++v) {
            const int64_t count = int64_t(tally[0][v]) + tally[1][v];
            low[v & 0xFu] += count;
            high[v >> 4] += count;
        }
    }
}

namespace {

class Culture final : public Mechanism {
public:
    explicit Culture(const CultureParams& p) : p_(p) {}

    void initialise(World& w, uint64_t seed) override {
        const auto heritage = heritage_profiles(seed, w.group_total(), p_.features, p_.traits);
        std::vector<uint32_t>& culture = cultures(w.pop);
        parallel_for_index(w.pop.size(), [&](size_t r) {
            CounterRng rng(seed, Stream::SocialSetup, 5, uint32_t(r));
            uint32_t c = 0;
            for (int f = 0; f < p_.features; ++f) {
                const double u = rng.uniform();
                const uint32_t t = rng.below(uint32_t(p_.traits)); // drawn always: fixed positions
                c = with_trait(c, f, u < p_.heritage_share ? trait_of(heritage[w.pop.group[r]], f) : int(t));
            }
            culture[r] = c;
        });
    }

    void publish(World& w, uint64_t seed) const override {
        w.products.set(kCultureSpec,
                       CultureSpec{p_.features, p_.traits, p_.berry_threshold,
                                   heritage_profiles(seed, w.group_total(), p_.features, p_.traits)});
        w.products.set(kCultureCounts, KeptCultureCounts{});
    }

    void step(World& w, const StepContext& ctx) override {
        const size_t n = w.pop.size();
        const StepMeetings met(w, ctx.step);
        const size_t S = met.slots;
        const bool have_ties = met.ties != nullptr;
        // The column's counts for the metrics (kCultureCounts): kept
        // up to date from each step's changes when they are the previous
        // step's, else counted from the column (the first step, or a run
        // resumed from a checkpoint). So the mechanism keeps no state of its
        // own across steps.
        KeptCultureCounts& kept = w.products.at(kCultureCounts);
        CultureCounts& counts = kept.counts;
        if (kept.step == 0 || kept.step + 1 != ctx.step) {
            counts = deterministic_block_sum<CultureCounts>(n, [&](size_t begin, size_t end) {
                CultureCounts c;
                count_cultures(w, begin, end, c);
                return c;
            });
        }
        kept.step = ctx.step;
        if (S == 0) { // no meetings: nothing changes
            changes_ = 0;
            return;
        }
        const KeyedHash draw(ctx.seed, Stream::Culture, ctx.step);
        struct Result {
            uint64_t changed = 0; // trait copies
            CultureCounts delta;  // what they changed in the counts
            Result& operator+=(const Result& o) {
                changed += o.changed;
                delta += o.delta;
                return *this;
            }
        };
        const size_t G = size_t(w.group_total());
        // In chunks of kChunk residents: first the meetings that are
        // exchanges (one hash each decides), prefetching each partner's
        // culture; then the exchanges in order. A partner's culture is a
        // random read, which would otherwise stall each exchange in turn.
        constexpr size_t kChunk = 32;
        const CultureSpec& spec = *w.products.find(kCultureSpec); // published by this mechanism
        const Result result = deterministic_block_sum<Result>(n, [&](size_t begin, size_t end) {
            const auto [culture, group, start_culture, slot] =
                columns(cultures(w.pop), w.pop.group, met.start().culture, met.places->slot);
            const TieMeetings* const ties = have_ties ? met.ties->ties.data() : nullptr;
            const auto tie = tie_columns(w.pop).id;
            const uint64_t exchange_limit = draw_limit(p_.exchange_rate, 16); // (the same outcomes)
            const int features = p_.features;
            const uint32_t* const heritage = spec.heritage.data();
            const int min_shared = berry_min_shared(spec.berry_threshold, features);
            struct Exchange {
                uint32_t r, partner;
                uint64_t h;
            };
            Exchange todo[kChunk * (64 + kTieSlots)]; // at most 64 place slots per resident (held_slots)
            Result x;
            x.delta.traits.assign(8 * 16, 0);
            x.delta.berry.assign(G * 4, 0);
            for (size_t c0 = begin; c0 < end; c0 += kChunk) {
                size_t count = 0;
                for (size_t r = c0; r < std::min(end, c0 + kChunk); ++r) {
                    const Meeting* const mine = slot + r * S;
                    // (start_culture by value: clang 14 cannot capture a structured binding.)
                    const auto consider = [&, start_culture = start_culture](size_t m, uint32_t partner) {
                        const uint64_t h = draw(uint32_t(r), uint32_t(m));
                        // Three draws from one hash: exchange at all (16 bits), interaction, feature.
                        if ((h & 0xFFFFu) < exchange_limit) {
                            __builtin_prefetch(&start_culture[partner]);
                            todo[count++] = {uint32_t(r), partner, h};
                        }
                    };
                    for_each_meeting(mine, held_slots(mine, S),
                                     [&](size_t m, const Meeting& mt) { consider(m, mt.partner); });
                    if (have_ties) // slots S .. S + kTieSlots - 1
                        for_each_tie_meeting(
                            ties[r], tie_slots(ties[r], Encounters::kFriend), tie, r,
                            [&](size_t k, const Meeting& mt) { consider(S + k, mt.partner); });
                }
                for (size_t i = 0; i < count;) {
                    const uint32_t r = todo[i].r;
                    const uint32_t before = culture[r];
                    uint32_t c = before;
                    for (; i < count && todo[i].r == r; ++i) { // in slot order
                        const uint64_t h = todo[i].h;
                        const uint32_t next =
                            axelrod_exchange(c, start_culture[todo[i].partner], features,
                                             double(uint32_t(h >> 40)) * 0x1.0p-24,
                                             double(uint32_t(h >> 16) & 0xFFFFFFu) * 0x1.0p-24);
                        x.changed += next != c;
                        c = next;
                    }
                    culture[r] = c;
                    if (c != before) { // the counts: out with the old traits and mode, in with the new
                        for (int f = 0; f < features; ++f)
                            if (trait_of(c, f) != trait_of(before, f)) {
                                x.delta.traits[size_t(f) * 16 + size_t(trait_of(before, f))] -= 1;
                                x.delta.traits[size_t(f) * 16 + size_t(trait_of(c, f))] += 1;
                            }
                        if (const size_t g = group[r]; g > 0) {
                            x.delta.berry[g * 4 + berry_mode(before, heritage[g], heritage[0], features,
                                                             min_shared)] -= 1;
                            x.delta.berry[g * 4 +
                                          berry_mode(c, heritage[g], heritage[0], features, min_shared)] += 1;
                        }
                    }
                }
            }
            return x;
        });
        changes_ = double(result.changed);
        counts += result.delta;
    }

    void counters(Counters& out) const override { out.emplace_back("trait_copies", changes_); }

    void report(const World& w, std::vector<std::vector<double>>& rows) const override {
        CultureFigures f = culture_figures(w);
        rows.push_back({f.cultural_diversity});
        rows.push_back(std::move(f.berry_integration));
        rows.push_back(std::move(f.berry_assimilation));
        rows.push_back(std::move(f.berry_separation));
        rows.push_back(std::move(f.berry_marginalisation));
    }

private:
    CultureParams p_;
    double changes_ = 0;
};

} // namespace

std::unique_ptr<Mechanism> make_culture(const CultureParams& params, const World&) {
    return std::make_unique<Culture>(params);
}

} // namespace icsim
