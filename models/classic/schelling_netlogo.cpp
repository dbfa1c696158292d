// PLACEHOLDER: being written (helper). Replaced before any commit.
#include <stdexcept>

#include "models/classic/classic.hpp"

namespace icsim {

ClassicModel schelling_netlogo_model() {
    ClassicModel m;
    m.name = "schelling-netlogo";
    m.description = "placeholder";
    m.prepare = [](const ParamValues&) -> std::function<MetricValues(uint64_t)> {
        throw std::runtime_error("schelling-netlogo: not written yet");
    };
    return m;
}

}  // namespace icsim
