// The city's mechanisms by name. A scenario lists which run and in what
// order; the registry turns each name and its parameter overrides into a
// ready Mechanism. Adding a mechanism = its file (with its Field table and
// a `<name>_mechanism()` entry declaring its parameters, resident columns,
// series and what it reads and writes) + one line in registry.cpp -- the pattern of the classic
// models (models/classic/classic.hpp).
#pragma once

#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "sim/declare.hpp"
#include "sim/mechanism.hpp"
#include "sim/params.hpp"

namespace icsim {

struct MechanismEntry {
    std::string name;
    std::string description;
    std::vector<ParamInfo> params;
    // Validates the overrides (throws ParamError naming "<name>.<key>") and
    // builds the mechanism.
    std::function<std::unique_ptr<Mechanism>(const ParamValues& overrides, const World& world)> make;
    // The resident columns the mechanism adds to the population (declared
    // when the mechanism is registered; they exist whether or not a
    // scenario runs it) and the series it reports (Mechanism::report; NaN
    // rows in a run without it), in the order they are stored.
    std::vector<ColumnDecl> columns;
    std::vector<SeriesDecl> series;
    // The mechanism's lines of the printed run summary (output/report.hpp
    // city_metrics), appended after the city's own, from the functions its
    // series are computed by; it reads World::products to tell whether the
    // mechanism runs and appends nothing when it does not. Empty: none.
    std::function<void(const World& world, std::vector<std::pair<std::string, double>>& out)> summary;
    // What the mechanism reads and what it writes in a step (Markdown: the
    // state, the products of other mechanisms it reads or writes, levers, and where a lever is read), for
    // the order table of docs/model/README.md (`icsim check --reads-writes`).
    std::string reads, writes;
    // Whether the default mechanisms.order lists it. A mechanism left out
    // runs only in a scenario whose mechanisms.order names it.
    bool in_default_order = true;
    // Whether its report reads the rows of the mechanisms registered
    // before it (the pillars): the writer then computes it after theirs;
    // the other reports are computed side by side (output/report.cpp
    // series_rows).
    bool report_reads_rows = false;
};

// An entry from a mechanism's Field table and factory.
template <class P>
MechanismEntry make_mechanism_entry(std::string name, std::string description,
                                    const std::vector<Field<P>>& (*fields)(),
                                    std::unique_ptr<Mechanism> (*make)(const P&, const World&)) {
    MechanismEntry e;
    e.name = std::move(name);
    e.description = std::move(description);
    e.params = describe(fields());
    e.make = [name = e.name, fields, make](const ParamValues& values, const World& world) {
        auto m = make(make_params(fields(), values, name + "."), world);
        m->registered_name = name;
        return m;
    };
    return e;
}

// Registered mechanisms (models/registry.cpp): the built-in ones in their
// default order (those with in_default_order false are left out of it),
// then any registered since. Entries never move.
const std::deque<MechanismEntry>& mechanism_registry();
const MechanismEntry* find_mechanism(const std::string& name);
// Counts the changes of the registry (a registration, a ScopedMechanism's
// removal): what is built from it (the scenario schema) is built again
// when the count has moved.
uint64_t registry_generation();

// Adds a mechanism to the registry and declares its columns
// (sim/declare.hpp). Throws std::logic_error when the name is taken.
void register_mechanism(MechanismEntry entry);

// Registers a mechanism for the lifetime of the object, then removes it and
// its columns again (for tests, which must leave the registry as they found
// it; it must be the last one registered).
class ScopedMechanism {
public:
    explicit ScopedMechanism(MechanismEntry entry);
    ~ScopedMechanism();
    ScopedMechanism(const ScopedMechanism&) = delete;
    ScopedMechanism& operator=(const ScopedMechanism&) = delete;

private:
    std::string name_;
    size_t columns_before_;
};

} // namespace icsim
