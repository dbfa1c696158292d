// The ensemble commands: `icsim sweep` and `icsim analyse` (docs/ensembles.md).
// They register themselves with the command line, so main.cpp carries one
// line to add them and one to run them.
#pragma once

#include <functional>
#include <optional>

namespace CLI {
class App;
}

namespace icsim::app {

struct EnsembleCommands {
    // The chosen ensemble command's exit code; nullopt when another command was chosen.
    std::function<std::optional<int>()> run;
};
EnsembleCommands add_ensemble_commands(CLI::App& app);

} // namespace icsim::app
