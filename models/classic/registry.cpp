// The classic reference models, one line each, in listing order.
#include "models/classic/classic.hpp"

namespace icsim {

ClassicModel schelling_netlogo_model(); // models/classic/schelling_netlogo.cpp
ClassicModel schelling_bench_model();   // models/classic/schelling_bench.cpp
ClassicModel maki_thompson_model();     // models/classic/maki_thompson.cpp
ClassicModel daley_kendall_model();     // models/classic/daley_kendall.cpp
ClassicModel sir_model();               // models/classic/sir.cpp
ClassicModel deffuant_model();          // models/classic/deffuant.cpp
ClassicModel hegselmann_krause_model(); // models/classic/hegselmann_krause.cpp
ClassicModel axelrod_model();           // models/classic/axelrod.cpp
ClassicModel ishigami_model();          // models/classic/test_functions.cpp
ClassicModel sobol_g_model();           // models/classic/test_functions.cpp

const std::vector<ClassicModel>& classic_models() {
    static const std::vector<ClassicModel> models = {
        schelling_netlogo_model(),
        schelling_bench_model(),
        maki_thompson_model(),
        daley_kendall_model(),
        sir_model(),
        deffuant_model(),
        hegselmann_krause_model(),
        axelrod_model(),
        ishigami_model(),
        sobol_g_model(),
    };
    return models;
}

} // namespace icsim
