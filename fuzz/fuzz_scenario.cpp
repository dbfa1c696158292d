// libFuzzer target for the scenario loader: any bytes must either load or be
// rejected with a ScenarioError -- never crash, hang, leak or throw anything
// else. A loaded scenario's resolved text must load again to the same text.
// Built by fuzz/run.sh (clang, -fsanitize=fuzzer,address,undefined).
//
// Input layout: an optional first line "#set key.path=value" is applied as a
// --set assignment, so the fuzzer also explores command-line overrides.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "scenarios/loader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string text(reinterpret_cast<const char*>(data), size);
    std::vector<std::string> sets;
    if (text.rfind("#set ", 0) == 0) {
        const size_t eol = text.find('\n');
        sets.push_back(text.substr(5, eol == std::string::npos ? std::string::npos : eol - 5));
    }
    try {
        const icsim::ScenarioConfig s = icsim::load_scenario_text(text, "fuzz.toml", sets);
        const icsim::ScenarioConfig again = icsim::load_scenario_text(s.resolved_toml, "resolved.toml");
        if (again.resolved_toml != s.resolved_toml)
            std::abort(); // the resolved text must be a fixed point
    } catch (const icsim::ScenarioError& e) {
        if (e.diagnostics().empty())
            std::abort(); // every rejection must say why
    }
    return 0;
}
