// `icsim validate`: the classic models checked against published results.
//
// A case runs one model with fixed overrides through run_classic (`runs`
// replicates, the given seed), then checks one or more metrics, each against a
// reference value with its source. A check passes when
//     |mean - reference| <= kValidationZ * sqrt(se^2 + sd^2 / published_runs)
//                           + tolerance
// where se is the standard error of the measured mean, the second term is the
// sampling error of a published mean taken over `published_runs` replicates
// (omitted when 0: exact or asymptotic references) with the replica's sd as the
// estimate, and `tolerance` is an absolute allowance justified in `source`
// (finite-size effects of an asymptotic result, or an integer-valued law).
// Every row is reproducible with `icsim classic MODEL --set ... --runs R --seed S`.
// The table and the measured figures: docs/validation.md.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "models/classic/classic.hpp"
#include "sim/params.hpp"

namespace icsim {

constexpr double kValidationZ = 4; // two-sided false alarm 6e-5 per check

struct ValidationCheck {
    std::string metric;
    double reference = 0;
    std::string source;          // citation, and the reason for any tolerance
    uint32_t published_runs = 0; // replicates behind a published mean (0: exact or asymptotic)
    double tolerance = 0;        // absolute allowance
};

struct ValidationCase {
    std::string model;
    ParamValues overrides;
    uint32_t runs_full = 0, runs_quick = 0; // runs_quick = 0: skipped in quick mode
    std::vector<ValidationCheck> checks;
};

// The validation table, in printing order. Computes the exact finite-n
// references (dynamic programming, well under a second in total).
std::vector<ValidationCase> validation_cases();

// The right-hand side of the pass rule for a measured summary, and the rule
// itself (false when the summary has no value: count = 0).
double validation_allowance(const ValidationCheck& check, const MetricSummary& measured);
bool validation_passes(const ValidationCheck& check, const MetricSummary& measured);

struct ValidationRow {
    std::string model, parameters; // parameters as "k=v k=v"
    ValidationCheck check;
    MetricSummary measured;
    uint32_t runs = 0;
    double allowed = 0; // the right-hand side of the pass rule
    bool pass = false;
    bool skipped = false; // not applicable yet (the source says why): printed, not counted as a failure
};

struct ValidationReport {
    uint64_t seed = 0;
    bool quick = false;
    std::vector<ValidationRow> rows;
    uint32_t failures() const;
};

// Runs every case (quick: runs_quick replicates, cases with runs_quick = 0
// skipped; full: runs_full). Throws std::logic_error if a case names an
// unknown model or metric.
ValidationReport run_validation(bool quick, uint64_t seed);

// The table: one line per check (model, parameters, metric, reference,
// measured mean +- se with runs, |difference|, allowed, pass/FAIL), the source
// on an indented line below, and a summary line.
void print_validation(const ValidationReport& report, std::FILE* out);

} // namespace icsim
