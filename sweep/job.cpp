#include "sweep/job.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <stdexcept>

#include "output/report.hpp"
#include "output/schema.hpp"
#include "scenarios/loader.hpp"
#include "scenarios/scale.hpp"
#include "scenarios/scenario.hpp"
#include "session/session.hpp"
#include "sim/rng.hpp"

namespace icsim::sweep {

namespace {

std::string number_text(double v) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.17g", v);
    return buf;
}

// FNV-1a, 64 bits (Fowler, Noll & Vo): enough to tell one design from
// another; not a defence against anyone crafting collisions.
struct Fnv {
    uint64_t h = 0xcbf29ce484222325ull;
    void bytes(const void* p, size_t n) {
        const auto* c = static_cast<const unsigned char*>(p);
        for (size_t k = 0; k < n; ++k) {
            h ^= c[k];
            h *= 0x100000001b3ull;
        }
    }
    void text(const std::string& s) {
        const uint64_t n = s.size();
        bytes(&n, sizeof n);
        bytes(s.data(), s.size());
    }
};

// Maps a design coordinate to parameter p's value (a string level: its index).
double value_of(const Parameter& p, DesignKind design, double u) {
    if (design == DesignKind::Factorial) {
        const Level& l = p.values[size_t(u)];
        return std::holds_alternative<double>(l) ? std::get<double>(l) : u;
    }
    if (!p.values.empty()) { // the flooring trick: n equal bins of [0, 1)
        const auto n = p.values.size();
        const size_t k = std::min(n - 1, size_t(u * double(n)));
        const Level& l = p.values[k];
        return std::holds_alternative<double>(l) ? std::get<double>(l) : double(k);
    }
    if (p.integer) // whole numbers min..max, each with equal probability
        return std::min(p.max, p.min + std::floor(u * (p.max - p.min + 1)));
    return p.min + u * (p.max - p.min);
}

// The scenario of one job: the base with the parameters, seed and steps
// set (as `--set` assignments, so the resolved text says what ran), then
// scaled as `icsim run --scale` does. Throws ScenarioError or
// std::invalid_argument.
ScenarioConfig job_scenario(const Spec& spec, const std::vector<std::string>& param_sets, uint64_t seed) {
    std::vector<std::string> sets = param_sets;
    sets.push_back("run.seed=" + std::to_string(seed));
    if (spec.steps)
        sets.push_back("run.steps=" + std::to_string(*spec.steps));
    ScenarioConfig s = load_scenario_file(spec.base_path, sets);
    if (spec.scale) {
        const auto scaled = scale_assignments(s, *spec.scale);
        sets.insert(sets.end(), scaled.begin(), scaled.end());
        s = load_scenario_file(spec.base_path, sets);
    }
    return s;
}

std::string first_diagnostic(const ScenarioError& e) {
    return e.diagnostics().empty() ? e.what() : e.diagnostics().front().str();
}

[[noreturn]] void fail_at(const Spec& spec, int line, const std::string& key, const std::string& msg) {
    throw SpecError(spec.file + ":" + std::to_string(line) + ": " + key + ": " + msg);
}

// Resolves outcome `o` against the base's built world: a series name as
// `icsim inspect` prints it, with or without its /timeseries/ folder.
void resolve_series(Plan& plan, const Outcome& o, size_t index, const World& w) {
    std::string name = o.name, column;
    const std::string key = "outcomes[" + std::to_string(index) + "].name";
    if (const auto open = name.find('['); open != std::string::npos) {
        if (name.back() != ']')
            fail_at(plan.spec, o.line, key, "expected NAME[COLUMN], found \"" + o.name + "\"");
        column = name.substr(open + 1, name.size() - open - 2);
        name = name.substr(0, open);
    }
    const auto& table = schema::series_table();
    std::string known;
    for (size_t s = 0; s < table.size(); ++s) {
        const std::string path = table[s].path;
        const std::string local = path.substr(path.rfind('/') + 1);
        known += (known.empty() ? "" : ", ") + local;
        if (name != local && name != path && name != path.substr(1))
            continue;
        std::vector<std::string> columns;
        switch (table[s].dims) {
        case schema::Dims::Step:
            break;
        case schema::Dims::StepGroup:
            for (const auto& g : w.groups)
                columns.push_back(g.name);
            break;
        case schema::Dims::StepLever:
            for (const auto& l : lever_table())
                columns.emplace_back(l.name);
            break;
        case schema::Dims::StepNeighbourhood:
            columns = w.hoods.names;
            break;
        }
        if (columns.empty() != column.empty()) {
            std::string list;
            for (const auto& c : columns)
                list += (list.empty() ? "" : ", ") + c;
            fail_at(plan.spec, o.line, key,
                    columns.empty() ? "\"" + name + "\" has no columns"
                                    : "\"" + name + "\" needs a column: " + name + "[X], X one of " + list);
        }
        size_t c = 0;
        if (!columns.empty()) {
            const auto it = std::find(columns.begin(), columns.end(), column);
            if (it == columns.end()) {
                std::string list;
                for (const auto& x : columns)
                    list += (list.empty() ? "" : ", ") + x;
                fail_at(plan.spec, o.line, key,
                        "no column \"" + column + "\" (expected one of " + list + ")");
            }
            c = size_t(it - columns.begin());
        }
        plan.series.push_back(s);
        plan.column.push_back(c);
        return;
    }
    fail_at(plan.spec, o.line, key, "no series \"" + name + "\" (expected one of " + known + ")");
}

} // namespace

// Through RunSession, the one place that steps a city (without output:
// the sweep keeps only its outcomes, read as the run writer computes them).
void run_city(const ScenarioConfig& scenario, const std::function<bool(uint32_t)>& want,
              const std::function<void(uint32_t, const std::vector<std::vector<double>>&)>& keep) {
    RunSession session(scenario);
    auto rows = [&](uint32_t s) {
        return series_rows(session.world(), session.engine().policy(), s, scenario.step_days,
                           &session.engine().mechanisms());
    };
    if (want(0))
        keep(0, rows(0));
    while (!session.done()) {
        const uint32_t s = session.step();
        if (want(s))
            keep(s, rows(s));
    }
}

std::vector<SeriesColumn> series_columns(const World& w) {
    std::vector<SeriesColumn> out;
    const auto& table = schema::series_table();
    for (size_t s = 0; s < table.size(); ++s) {
        const std::string path = table[s].path;
        if (path.rfind("/timeseries/", 0) != 0)
            continue;
        const std::string local = path.substr(path.rfind('/') + 1);
        switch (table[s].dims) {
        case schema::Dims::Step:
            out.push_back({local, s, 0});
            break;
        case schema::Dims::StepGroup:
            for (size_t g = 0; g < w.groups.size(); ++g)
                out.push_back({local + "[" + w.groups[g].name + "]", s, g});
            break;
        case schema::Dims::StepLever:
            for (size_t l = 0; l < lever_table().size(); ++l)
                out.push_back({local + "[" + lever_table()[l].name + "]", s, l});
            break;
        case schema::Dims::StepNeighbourhood:
            for (size_t h = 0; h < w.hoods.names.size(); ++h)
                out.push_back({local + "[" + w.hoods.names[h] + "]", s, h});
            break;
        }
    }
    return out;
}

uint64_t run_seed(uint64_t sweep_seed, uint32_t point, uint32_t replicate) {
    return draw_u64(sweep_seed, Stream::Sweep, 0, point, replicate) >> 11;
}

std::string assignment(const Parameter& p, double value) {
    if (!p.values.empty() && std::holds_alternative<std::string>(p.values.front())) {
        const auto k = size_t(value);
        if (k < p.values.size() && std::holds_alternative<std::string>(p.values[k])) {
            const std::string& s = std::get<std::string>(p.values[k]);
            // true/false and names as written; other text as a quoted TOML string.
            const bool bare = s == "true" || s == "false";
            return p.key + "=" + (bare ? s : "\"" + s + "\"");
        }
    }
    return p.key + "=" + number_text(value);
}

Plan make_plan(const Spec& spec, const std::string& version) {
    Plan plan;
    plan.spec = spec;
    const auto k = uint32_t(spec.parameters.size());
    for (const auto& p : spec.parameters)
        if (!p.values.empty() && p.values.size() > 1 && spec.design != DesignKind::Factorial) {
            bool mixed = false;
            for (const auto& l : p.values)
                mixed |= l.index() != p.values.front().index();
            if (mixed)
                fail_at(spec, p.line, "parameters.values", "mix numbers and strings in one list");
        }
    try {
        switch (spec.design) {
        case DesignKind::Factorial:
            for (const auto& p : spec.parameters)
                plan.levels.push_back(uint32_t(p.values.size()));
            plan.design = factorial(plan.levels);
            break;
        case DesignKind::Lhs:
            plan.design = latin_hypercube(k, spec.samples, spec.seed);
            break;
        case DesignKind::Sobol:
            plan.design = sobol(k, spec.samples);
            break;
        case DesignKind::Saltelli:
            plan.design = saltelli(k, spec.samples);
            break;
        case DesignKind::Morris:
            plan.design = morris(k, spec.samples, spec.levels, spec.seed);
            break;
        }
    } catch (const std::invalid_argument& e) {
        throw SpecError(spec.file + ": design: " + e.what());
    }
    plan.points = plan.design.rows();
    plan.runs = plan.points * spec.replicates;
    if (plan.runs > (size_t(1) << 32))
        throw SpecError(spec.file + ": samples: " + std::to_string(plan.runs) +
                        " runs are too many (at most 2^32)");

    if (!spec.classic.empty()) {
        plan.model = find_classic(spec.classic);
        if (plan.model == nullptr)
            throw SpecError(spec.file + ": base: no classic model \"" + spec.classic +
                            "\" ('icsim classic' lists them)");
        for (const auto& p : spec.parameters) {
            const auto it = std::find_if(plan.model->params.begin(), plan.model->params.end(),
                                         [&](const ParamInfo& i) { return i.name == p.key; });
            if (it == plan.model->params.end())
                fail_at(spec, p.line, "parameters.key",
                        "\"" + p.key + "\" is not a parameter of " + spec.classic);
            std::vector<double> probe = {p.min, p.max};
            for (const auto& l : p.values)
                probe.push_back(std::get<double>(l));
            for (const double v : probe)
                try {
                    plan.model->prepare({{p.key, v}});
                } catch (const ParamError& e) {
                    fail_at(spec, p.line, "parameters", e.what());
                }
        }
        const auto metrics = plan.model->prepare({})(1);
        for (size_t o = 0; o < spec.outcomes.size(); ++o) {
            const auto& out = spec.outcomes[o];
            const auto it = std::find_if(metrics.begin(), metrics.end(),
                                         [&](const auto& m) { return m.first == out.name; });
            if (it == metrics.end()) {
                std::string list;
                for (const auto& m : metrics)
                    list += (list.empty() ? "" : ", ") + m.first;
                fail_at(spec, out.line, "outcomes[" + std::to_string(o) + "].name",
                        "\"" + out.name + "\" is not a metric of " + spec.classic + " (expected one of " +
                            list + ")");
            }
            plan.metric.push_back(size_t(it - metrics.begin()));
            plan.steps.push_back({0});
        }
        plan.base_text = "classic:" + spec.classic;
        for (const auto& p : plan.model->params)
            plan.base_text += "\n" + p.name + "=" + number_text(p.default_value);
    } else {
        // The base at each end of every range (and at every level) must load.
        std::vector<std::string> low, high;
        for (const auto& p : spec.parameters) {
            std::vector<double> probe;
            if (p.values.empty())
                probe = {p.min, p.max};
            else
                for (size_t l = 0; l < p.values.size(); ++l)
                    probe.push_back(std::holds_alternative<double>(p.values[l])
                                        ? std::get<double>(p.values[l])
                                        : double(l));
            for (const double v : probe)
                try {
                    job_scenario(spec, {assignment(p, v)}, spec.seed);
                } catch (const ScenarioError& e) {
                    fail_at(spec, p.line, "parameters", first_diagnostic(e));
                } catch (const std::invalid_argument& e) {
                    fail_at(spec, p.line, "parameters", std::string("scale: ") + e.what());
                }
        }
        ScenarioConfig base;
        try {
            base = job_scenario(spec, {}, spec.seed);
        } catch (const ScenarioError& e) {
            throw SpecError(spec.file + ": base: " + first_diagnostic(e));
        } catch (const std::invalid_argument& e) {
            throw SpecError(spec.file + ": scale: " + e.what());
        }
        plan.total_steps = base.steps;
        plan.base_text = base.resolved_toml;
        Engine engine = [&] {
            try {
                return build_engine(base);
            } catch (const std::exception& e) {
                throw SpecError(spec.file + ": base: " + spec.base_path + ": " + e.what());
            }
        }();
        for (size_t o = 0; o < spec.outcomes.size(); ++o) {
            const auto& out = spec.outcomes[o];
            resolve_series(plan, out, o, engine.world());
            std::vector<uint32_t> at = out.at.empty() ? std::vector<uint32_t>{plan.total_steps} : out.at;
            if (at.back() > plan.total_steps)
                fail_at(spec, out.line, "outcomes[" + std::to_string(o) + "].at",
                        "step " + std::to_string(at.back()) + " is after the last step (" +
                            std::to_string(plan.total_steps) + ")");
            plan.steps.push_back(at);
        }
    }

    // The hash: everything that decides which runs there are and what they
    // compute -- not the file's comments or layout.
    Fnv h;
    h.text("icsim-sweep 1 " + version);
    h.text(plan.base_text);
    h.text(design_name(spec.design));
    for (const uint64_t v : {spec.samples, uint64_t(spec.replicates), spec.seed, uint64_t(spec.levels),
                             uint64_t(plan.total_steps)})
        h.bytes(&v, sizeof v);
    for (const auto& p : spec.parameters)
        h.text(p.key);
    for (const auto& o : spec.outcomes)
        h.text(o.name);
    for (const auto& s : plan.steps)
        h.bytes(s.data(), s.size() * sizeof(uint32_t));
    h.bytes(plan.design.unit.data(), plan.design.unit.size() * sizeof(double));
    for (size_t r = 0; r < plan.runs; ++r) {
        const Job j = job_of(plan, r);
        h.bytes(&j.seed, sizeof j.seed);
        h.bytes(j.values.data(), j.values.size() * sizeof(double));
    }
    char hex[17];
    std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h.h));
    plan.hash = hex;
    return plan;
}

Job job_of(const Plan& plan, size_t run) {
    Job j;
    j.run = run;
    j.point = uint32_t(run / plan.spec.replicates);
    j.replicate = uint32_t(run % plan.spec.replicates);
    j.seed = run_seed(plan.spec.seed, j.point, j.replicate);
    for (size_t i = 0; i < plan.spec.parameters.size(); ++i)
        j.values.push_back(value_of(plan.spec.parameters[i], plan.spec.design, plan.design.at(j.point, i)));
    return j;
}

Outcomes run_job(const Plan& plan, const Job& job) {
    Outcomes out;
    const Spec& spec = plan.spec;
    try {
        if (plan.model != nullptr) {
            ParamValues values;
            for (size_t i = 0; i < spec.parameters.size(); ++i)
                values[spec.parameters[i].key] = job.values[i];
            const MetricValues m = plan.model->prepare(values)(job.seed);
            for (const size_t idx : plan.metric)
                out.values.push_back({m.at(idx).second});
            return out;
        }
        std::vector<std::string> sets;
        for (size_t i = 0; i < spec.parameters.size(); ++i)
            sets.push_back(assignment(spec.parameters[i], job.values[i]));
        const ScenarioConfig scenario = job_scenario(spec, sets, job.seed);
        out.values.resize(spec.outcomes.size());
        auto want = [&](uint32_t s) {
            for (const auto& st : plan.steps)
                if (std::binary_search(st.begin(), st.end(), s))
                    return true;
            return false;
        };
        run_city(scenario, want, [&](uint32_t s, const std::vector<std::vector<double>>& rows) {
            for (size_t o = 0; o < plan.steps.size(); ++o)
                if (std::binary_search(plan.steps[o].begin(), plan.steps[o].end(), s))
                    out.values[o].push_back(rows.at(plan.series[o]).at(plan.column[o]));
        });
        for (size_t o = 0; o < plan.steps.size(); ++o)
            if (out.values[o].size() != plan.steps[o].size())
                throw std::runtime_error("the run ended before every kept step");
    } catch (const ScenarioError& e) {
        out = {false, first_diagnostic(e), {}};
    } catch (const std::exception& e) {
        out = {false, e.what(), {}};
    }
    return out;
}

} // namespace icsim::sweep
