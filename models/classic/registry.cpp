// The classic reference models, one line each, in listing order.
#include "models/classic/classic.hpp"

namespace icsim {

ClassicModel schelling_netlogo_model();  // models/classic/schelling_netlogo.cpp
ClassicModel schelling_bench_model();    // models/classic/schelling_bench.cpp

const std::vector<ClassicModel>& classic_models() {
    static const std::vector<ClassicModel> models = {
        schelling_netlogo_model(),
        schelling_bench_model(),
    };
    return models;
}

}  // namespace icsim
