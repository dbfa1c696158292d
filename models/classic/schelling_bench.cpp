// PLACEHOLDER: being written (helper). Replaced before any commit.
#include <stdexcept>

#include "models/classic/classic.hpp"

namespace icsim {

ClassicModel schelling_bench_model() {
    ClassicModel m;
    m.name = "schelling-bench";
    m.description = "placeholder";
    m.prepare = [](const ParamValues&) -> std::function<MetricValues(uint64_t)> {
        throw std::runtime_error("schelling-bench: not written yet");
    };
    return m;
}

}  // namespace icsim
