// The city mechanisms' calibration, checked: the default city run over a
// few seeds, its emergent figures compared with the targets the defaults
// were calibrated to (docs/model/, docs/validation.md "City mechanisms").
// Rows join the `icsim validate` table with the same pass rule.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "models/classic/validate.hpp"

namespace icsim {

// Appends the city rows to `report` (quick: fewer seeds).
void append_city_calibration(ValidationReport& report, bool quick, uint64_t seed);

// Appends the equality rows (docs/validation.md, "Equal rights and
// opportunities"): in the default city, the callback ratio in the
// field-experiment band [1.25, 2.0] and offers more unequal than callbacks;
// then each of the levers anti_discrimination, language_courses, welcoming,
// mixed_housing and participatory_councils, switched on alone as in its
// library variant (policy-*.toml), and the intercultural-strategy mix, each
// against the default city over common seeds: the paired difference of its
// outcome with its 95 % t-interval, which must exclude 0 on the documented
// side. The library files are the ones compiled into the program
// (load_library_scenario). A variant that changes nothing in the run (no
// mechanism reads its levers) gives a skipped row. Quick: 5 seeds of 130
// steps; full: 8 seeds of 260.
void append_city_equality(ValidationReport& report, bool quick, uint64_t seed);

} // namespace icsim
