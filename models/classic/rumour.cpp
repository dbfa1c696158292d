#include "models/classic/rumour.hpp"

#include <string>

namespace icsim::rumour {

const std::vector<Field<Params>>& fields() {
    static const std::vector<Field<Params>> table = {
        {"n", &Params::n, 2, 100'000'000, "individuals", "population size (well mixed)"},
        {"initial_spreaders", &Params::initial_spreaders, 1, 100'000'000, "individuals",
         "spreaders at the start (fewer than n); the others are ignorant"},
    };
    return table;
}

void check(const Params& params) {
    if (params.initial_spreaders >= params.n)
        throw ParamError("initial_spreaders: expected an integer below n = " + std::to_string(params.n) +
                         ", found " + std::to_string(params.initial_spreaders));
}

} // namespace icsim::rumour
