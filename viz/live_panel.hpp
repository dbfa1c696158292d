// Live mode's panel (Dear ImGui): the engine's state, pause, reset and
// speed, and one slider per policy lever, built from the lever table.
#pragma once

#include <array>

#include "sim/policy.hpp"
#include "viz/live.hpp"
#include "viz/view.hpp"

namespace icsim::viz {

struct LivePanel {
    LiveRunner* runner = nullptr;
    bool reset_wanted = false; // the reset button was pressed: main loop's to act on
    std::array<float, kLeverCount> shown{};
    int active = -1; // the slider being dragged (its value is the user's until released)
    void draw(const Viewer& viewer);
};

} // namespace icsim::viz
