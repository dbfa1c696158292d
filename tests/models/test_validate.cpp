// Tests for models/classic/validate.cpp: the pass rule (unit) and the quick
// validation table (label "validation": every published result reproduced).
#include <cmath>
#include <cstdio>
#include <string>

#include <doctest/doctest.h>

#include "models/classic/classic.hpp"
#include "models/classic/validate.hpp"
#include "sim/rng.hpp"

using namespace icsim;

namespace {

MetricSummary summarise(const std::vector<double>& v) {
    MetricSummary s;
    s.count = uint32_t(v.size());
    for (const double x : v)
        s.mean += x / double(v.size());
    for (const double x : v)
        s.sd += (x - s.mean) * (x - s.mean);
    s.sd = std::sqrt(s.sd / double(v.size() - 1));
    s.se = s.sd / std::sqrt(double(v.size()));
    return s;
}

// Hayes's (2005) first Daley-Kendall program, the documented error: Y is drawn
// from the whole population (X included), so spreader pairs count twice.
double double_counted_daley_kendall(uint32_t n, uint64_t seed) {
    CounterRng rng(seed, Stream::Test, 0, 0);
    uint32_t i = n - 1, s = 1;
    while (s > 0) {
        // y in 0..i-1 ignorant, i (X itself), i+1..i+s-1 another spreader, else stifler.
        const uint32_t y = rng.below(n);
        if (y < i) {
            --i;
            ++s;
        } else if (y > i && y < i + s) {
            s -= 2; // X and another spreader stifle
        } else {
            --s; // X met itself or a stifler
        }
    }
    return double(i) / n;
}

} // namespace

TEST_SUITE("unit") {

    TEST_CASE("validate: the pass rule combines se with the published mean's error and the tolerance") {
        MetricSummary m;
        m.count = 100;
        m.mean = 4.4;
        m.sd = 2.5;
        m.se = 0.25;
        const ValidationCheck exact{"x", 4.0, "", 0, 0};
        CHECK(validation_allowance(exact, m) == doctest::Approx(kValidationZ * 0.25));
        CHECK(validation_passes(exact, m)); // 0.4 <= 1.0
        const ValidationCheck published{"x", 3.2, "", 10, 0.1};
        CHECK(validation_allowance(published, m) ==
              doctest::Approx(kValidationZ * std::sqrt(0.0625 + 0.625) + 0.1));
        const ValidationCheck far{"x", 2.0, "", 0, 0};
        CHECK_FALSE(validation_passes(far, m));
        MetricSummary empty;
        CHECK_FALSE(validation_passes(ValidationCheck{"x", 0, "", 0, 1e9}, empty));
    }

    TEST_CASE("validate: the double-counting error of Daley-Kendall (about 0.28) fails the check") {
        std::vector<double> v;
        for (uint32_t k = 0; k < 400; ++k)
            v.push_back(double_counted_daley_kendall(1000, replicate_seed(1, k)));
        const MetricSummary wrong = summarise(v);
        CHECK(wrong.mean > 0.25);
        const auto cases = validation_cases();
        size_t k = 0;
        while (k < cases.size() && cases[k].model != "daley-kendall")
            ++k;
        REQUIRE(k < cases.size());
        const ValidationCheck& dk = cases[k].checks.at(0); // n = 1000, against the asymptote
        REQUIRE(dk.metric == "never_heard");
        REQUIRE(dk.reference == doctest::Approx(0.203188).epsilon(1e-5));
        CHECK_FALSE(validation_passes(dk, wrong));
    }

    TEST_CASE("validate: every case names a registered model and each reference is finite") {
        for (const ValidationCase& c : validation_cases()) {
            const ClassicModel* m = find_classic(c.model);
            REQUIRE_MESSAGE(m != nullptr, c.model);
            CHECK_NOTHROW(m->prepare(c.overrides));
            CHECK(c.runs_full >= c.runs_quick);
            for (const ValidationCheck& check : c.checks) {
                CHECK(std::isfinite(check.reference));
                CHECK(!check.source.empty());
            }
        }
    }
}

TEST_SUITE("validation") {

    TEST_CASE("validate --quick: every classic model reproduces its published result") {
        const ValidationReport report = run_validation(true, 1);
        std::string table;
        if (std::FILE* f = std::tmpfile()) {
            print_validation(report, f);
            std::rewind(f);
            char buf[512];
            while (std::fgets(buf, sizeof buf, f))
                table += buf;
            std::fclose(f);
        }
        INFO(table);
        CHECK(report.rows.size() >= 20);
        for (const ValidationRow& r : report.rows) {
            INFO(r.model << " " << r.parameters << " " << r.check.metric << ": " << r.measured.mean << " vs "
                         << r.check.reference << " (allowed " << r.allowed << ")");
            CHECK(r.pass);
        }
        CHECK(report.failures() == 0);
    }
}
