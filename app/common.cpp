#include "app/common.hpp"

#include <cstdio>
#include <thread>

#include "scenarios/loader.hpp"

namespace icsim::app {

const char* version() {
    return "0.1.0";
}

int hardware_threads() {
    const unsigned n = std::thread::hardware_concurrency();
    return n == 0 ? 1 : int(n);
}

ParamValues parse_sets(const std::vector<std::string>& sets) {
    ParamValues values;
    for (const auto& text : sets) {
        try {
            auto [key, value] = parse_assignment(text);
            values.insert_or_assign(key, value);
        } catch (const ParamError& e) {
            throw UsageError(e.what());
        }
    }
    return values;
}

ScenarioConfig load_or_report(const std::string& file, const std::vector<std::string>& sets, bool notes) {
    try {
        ScenarioConfig s = file.empty() ? load_default_scenario(sets) : load_scenario_file(file, sets);
        for (const auto& note : notes ? s.notes : std::vector<std::string>{})
            std::fprintf(stderr, "icsim: note: %s\n", note.c_str());
        return s;
    } catch (const ScenarioError& e) {
        const auto& d = e.diagnostics();
        for (size_t k = 0; k + 1 < d.size(); ++k)
            std::fprintf(stderr, "icsim: %s\n", d[k].str().c_str());
        throw UsageError(d.empty() ? e.what() : d.back().str());
    }
}

std::unique_ptr<RunFile> open_run_file(const std::string& path) {
    try {
        return std::make_unique<RunFile>(path);
    } catch (const OutputFormatError& e) {
        throw UsageError(e.what());
    }
}

} // namespace icsim::app
