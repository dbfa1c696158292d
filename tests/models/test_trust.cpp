// Generalised and institutional trust (models/trust.cpp): diversity lowers
// generalised trust within groups when contact is absent and contact
// offsets it; the 8-bit quantisation leaves the means unbiased; the
// default city's diversity-trust relation is negative and small.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "models/attitudes.hpp"
#include "models/registry.hpp"
#include "models/trust.hpp"
#include "scenarios/loader.hpp"
#include "session/session.hpp"
#include "sim/rng.hpp"

using namespace icsim;

namespace {

// The default city's groups and neighbourhoods on a 40 x 40 grid.
World small_world() {
    const ScenarioConfig s =
        load_default_scenario({"city.layout=voronoi", "city.width=40", "city.height=40"});
    return build_world(s.city, 1);
}

std::unique_ptr<Mechanism> make_trust(const World& w, const ParamValues& overrides = {}) {
    const MechanismEntry* e = find_mechanism("trust");
    REQUIRE(e != nullptr);
    return e->make(overrides, w);
}

} // namespace

TEST_SUITE("unit") {
    TEST_CASE("trust: the generalised target falls with diversity without contact; contact offsets it") {
        const TrustParams p;
        const double fall_alone = generalised_target(p, 0.0, 0, 0) - generalised_target(p, 0.7, 0, 0);
        CHECK(fall_alone == doctest::Approx(p.w_diversity * 0.7));
        // With contact the fall is smaller by the share C = c / (c + half).
        const double c = 3 * p.contact_half, share = c / (c + p.contact_half);
        const double fall_contact = generalised_target(p, 0.0, c, 0) - generalised_target(p, 0.7, c, 0);
        CHECK(fall_contact == doctest::Approx(fall_alone * (1 - share)));
        CHECK(generalised_target(p, 0.7, c, 0) > generalised_target(p, 0.7, 0, 0));
        // Discrimination experienced lowers both kinds of trust.
        CHECK(generalised_target(p, 0.3, 0, 4) < generalised_target(p, 0.3, 0, 0));
        CHECK(institutional_target(p, false, 1.0, 4) < institutional_target(p, false, 1.0, 0));
        // Taking part and being represented raise institutional trust.
        CHECK(institutional_target(p, true, 1.0, 0) > institutional_target(p, false, 1.0, 0));
        CHECK(institutional_target(p, false, 0.4, 0) < institutional_target(p, false, 1.0, 0));
        CHECK(institutional_target(p, false, 1.6, 0) == institutional_target(p, false, 1.0, 0));
        CHECK(institutional_target(p, false, double(NAN), 0) == institutional_target(p, false, 1.0, 0));
    }

    TEST_CASE("trust: unbiased 8-bit rounding keeps the mean where nearest rounding stalls") {
        // The mean level over draws is 255 v for any v.
        for (double v : {0.0, 0.1234, 0.5, 0.61, 0.99, 1.0}) {
            double sum = 0;
            const int n = 200000;
            for (int k = 0; k < n; ++k)
                sum += quantise_unbiased(v, draw_u64(7, Stream::Test, 1, uint32_t(k), 0));
            CAPTURE(v);
            CHECK(std::abs(sum / n - 255 * v) < 0.01); // levels; the standard error is below 0.0012
        }
        // A slow relaxation (adapt 0.01) from 0.2 towards 0.6 over 600 steps
        // for 2,000 residents: the 8-bit mean follows the exact value, while
        // rounding to the nearest level stops short (a step below half a
        // level is lost).
        const double target = 0.6, a = 0.01;
        double exact = 0.2;
        std::vector<uint8_t> q(2000, uint8_t(std::lround(0.2 * 255))), nearest = q;
        for (uint32_t t = 1; t <= 600; ++t) {
            exact += a * (target - exact);
            for (size_t r = 0; r < q.size(); ++r) {
                const double v = q[r] / 255.0, vn = nearest[r] / 255.0;
                q[r] = quantise_unbiased(v + a * (target - v), draw_u64(3, Stream::Test, t, uint32_t(r), 0));
                nearest[r] = uint8_t(std::lround((vn + a * (target - vn)) * 255));
            }
        }
        double mq = 0, mn = 0;
        for (size_t r = 0; r < q.size(); ++r) {
            mq += q[r] / 255.0;
            mn += nearest[r] / 255.0;
        }
        mq /= double(q.size());
        mn /= double(q.size());
        MESSAGE("exact " << exact << ", unbiased 8-bit " << mq << ", nearest 8-bit " << mn);
        CHECK(std::abs(mq - exact) < 0.003);
        CHECK(std::abs(mn - exact) > 0.1);
    }

    TEST_CASE("trust: diversity lowers generalised trust within groups without contact; contact offsets it") {
        World w = small_world();
        const std::vector<double> D = neighbourhood_diversity(w);
        double lo = 1, hi = 0;
        for (double d : D)
            if (!std::isnan(d)) {
                lo = std::min(lo, d);
                hi = std::max(hi, d);
            }
        MESSAGE("neighbourhood diversity from " << lo << " to " << hi);
        REQUIRE(hi - lo > 0.05);

        // No contact (attitudes does not run: every count is 0).
        auto trust = make_trust(w);
        trust->initialise(w, 1);
        // The mechanism's loop (with its per-neighbourhood terms folded in)
        // is the target formula: at the start every resident is its target,
        // rounded to one of the two nearest levels.
        {
            const TrustParams p;
            const auto& g = w.pop.column(column_handle<uint8_t>("trust_generalised"));
            const auto& disc = w.pop.column(column_handle<float>("discrimination"));
            double worst = 0;
            for (size_t r = 0; r < w.pop.size(); ++r)
                worst = std::max(
                    worst, std::abs(g[r] / 255.0 - generalised_target(p, D[w.hood[r]],
                                                                      contact_positive(w.pop)[r], disc[r])));
            CHECK(worst < 1 / 255.0 + 1e-9);
        }
        const double r_majority = diversity_trust_correlation(w, 0);
        const double r_all = diversity_trust_correlation(w);
        {
            // The same correlations by two passes over the residents (each
            // group's means first, then the deviations from them): the
            // tally of stored levels per (group, neighbourhood) agrees.
            const auto& g = w.pop.column(column_handle<uint8_t>("trust_generalised"));
            const size_t G = size_t(w.group_total());
            std::vector<double> n(G, 0), mx(G, 0), my(G, 0);
            for (size_t r = 0; r < w.pop.size(); ++r) {
                n[w.pop.group[r]] += 1;
                mx[w.pop.group[r]] += D[w.hood[r]];
                my[w.pop.group[r]] += g[r] / 255.0;
            }
            for (size_t k = 0; k < G; ++k) {
                mx[k] /= n[k];
                my[k] /= n[k];
            }
            auto plain = [&](int only) {
                double sxx = 0, syy = 0, sxy = 0;
                for (size_t r = 0; r < w.pop.size(); ++r) {
                    const size_t k = w.pop.group[r];
                    if (only >= 0 && k != size_t(only))
                        continue;
                    const double dx = D[w.hood[r]] - mx[k], dy = g[r] / 255.0 - my[k];
                    sxx += dx * dx;
                    syy += dy * dy;
                    sxy += dx * dy;
                }
                return sxy / std::sqrt(sxx * syy);
            };
            CHECK(r_majority == doctest::Approx(plain(0)).epsilon(1e-9));
            CHECK(r_all == doctest::Approx(plain(-1)).epsilon(1e-9));
        }
        const auto mean = [&] {
            const auto& g = w.pop.column(column_handle<uint8_t>("trust_generalised"));
            double s = 0;
            for (uint8_t v : g)
                s += v / 255.0;
            return s / double(g.size());
        };
        const double mean_alone = mean();
        MESSAGE("without contact: r = " << r_majority << " (majority), " << r_all << " (all)");
        CHECK(r_majority < -0.3);
        CHECK(r_all < -0.3);

        // Much positive contact for everyone: the diversity term vanishes.
        std::fill(contact_positive(w.pop).begin(), contact_positive(w.pop).end(), 1000.0f);
        trust->initialise(w, 1);
        const double r_contact = diversity_trust_correlation(w, 0);
        MESSAGE("with contact: r = " << r_contact << " (majority)");
        CHECK(std::abs(r_contact) < 0.1);
        CHECK(mean() > mean_alone + 0.1);
    }
}

TEST_SUITE("integration") {
    TEST_CASE("trust: the default city's diversity-trust correlation is negative and small") {
        // A smaller default city (70 x 70, about 17,000 residents) over two
        // years: the relation is read at the end.
        std::vector<double> r;
        for (uint64_t seed : {1, 2, 3}) {
            const ScenarioConfig s =
                load_default_scenario({"city.layout=voronoi", "city.width=70", "city.height=70",
                                       "run.steps=104", "run.seed=" + std::to_string(seed)});
            RunSession run(s);
            run.run_until(run.steps());
            r.push_back(diversity_trust_correlation(run.world()));
            MESSAGE("seed " << seed << ": r = " << r.back());
        }
        for (double v : r) {
            CHECK(v < 0);
            CHECK(v > -0.2);
        }
    }
}
