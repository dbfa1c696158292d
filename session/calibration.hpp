// The city mechanisms' calibration, checked: the default city run over a
// few seeds, its emergent figures compared with the targets the defaults
// were calibrated to (docs/model/, docs/validation.md "City mechanisms").
// Rows join the `icsim validate` table with the same pass rule.
#pragma once

#include <cstdint>

#include "models/classic/validate.hpp"

namespace icsim {

// Appends the city rows to `report` (quick: fewer seeds).
void append_city_calibration(ValidationReport& report, bool quick, uint64_t seed);

} // namespace icsim
