// From a sweep file to runs: the plan (design, per-run seeds, resolved
// outcomes, the hash that guards a resume) and `run_job`, the one place
// that runs one (point, replicate) and reads its outcomes.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "models/classic/classic.hpp"
#include "scenarios/scenario.hpp"
#include "sweep/design.hpp"
#include "sweep/spec.hpp"

namespace icsim::sweep {

struct Plan {
    Spec spec;
    Design design;                            // unit coordinates (factorial: level indices)
    std::vector<uint32_t> levels;             // factorial: levels per parameter
    size_t points = 0, runs = 0;              // runs = points x replicates, point-major
    uint32_t total_steps = 0;                 // a scenario base: the steps each run takes
    std::vector<std::vector<uint32_t>> steps; // per outcome: the steps kept
    std::string base_text; // the base scenario's resolved TOML, or the classic model's parameters
    std::string hash;      // 16 hex digits over everything that decides the runs' results
    // Resolution of the outcomes: a classic model's metric index, or a
    // series of schema::series_table() and its column.
    const ClassicModel* model = nullptr;
    std::vector<size_t> metric, series, column;
};

// Checks the spec against its base (parameter keys and ranges, outcome
// names and steps; throws SpecError naming the sweep file's line) and
// builds the design. `version` enters the hash.
Plan make_plan(const Spec& spec, const std::string& version);

struct Job {
    size_t run = 0;
    uint32_t point = 0, replicate = 0;
    uint64_t seed = 0;
    std::vector<double> values; // per parameter: its value (a string level: its index)
};
Job job_of(const Plan& plan, size_t run);
// The seed of replicate r of point p: a hash of (sweep seed, p, r), at most
// 2^53 - 1 (the range of run.seed).
uint64_t run_seed(uint64_t sweep_seed, uint32_t point, uint32_t replicate);

struct Outcomes {
    bool ok = true;
    std::string error;                       // why the run failed
    std::vector<std::vector<double>> values; // per outcome, per kept step
};

// Runs one job to its last step and reads its outcomes. Never throws: a
// failure is returned with its message. Runs on the calling thread's task
// arena (a sweep gives each run one thread).
Outcomes run_job(const Plan& plan, const Job& job);

// Runs a city scenario to its last step (a RunSession without output) on
// the calling thread's arena and calls keep(s, rows) after each step s
// (0 = the initial state) where want(s), with rows = series_rows() (what
// the HDF5 writer records).
void run_city(const ScenarioConfig& scenario, const std::function<bool(uint32_t)>& want,
              const std::function<void(uint32_t, const std::vector<std::vector<double>>&)>& keep);

// Every column of every /timeseries series of a built world, as `icsim
// inspect` names them ("rumour_belief", "prejudice_mean[labour]"), with its
// index in schema::series_table() and its column.
struct SeriesColumn {
    std::string name;
    size_t series = 0, column = 0;
};
std::vector<SeriesColumn> series_columns(const World& world);

// The `--set` text of parameter p at `value` (a string level by index).
std::string assignment(const Parameter& p, double value);

} // namespace icsim::sweep
