// icsim inspect: a summary of an output file -- its status, provenance,
// city, snapshots, checkpoints, events, and each series' first and last row.
#include <algorithm>
#include <cstdio>

#include "app/common.hpp"

namespace icsim::app {

namespace {

std::string fmt(double v) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.6g", v);
    return buf;
}

std::string list_steps(const std::vector<int64_t>& steps) {
    if (steps.empty())
        return "none";
    std::string out;
    const size_t shown = std::min<size_t>(steps.size(), 8);
    for (size_t k = 0; k < shown; ++k)
        out += (k ? ", " : "") + std::to_string(steps[k]);
    if (steps.size() > shown)
        out += ", ... " + std::to_string(steps.back());
    return out;
}

} // namespace

int cmd_inspect(const InspectOptions& opts) {
    const auto file = open_run_file(opts.file);
    const RunFile& f = *file;
    try {
        const uint64_t rows = f.rows();
        const uint32_t planned = f.planned_steps();
        const auto cps = f.checkpoint_steps();
        const auto snaps = f.snapshot_steps();
        std::printf("file          %s\n", f.path().c_str());
        if (f.complete()) {
            std::printf("status        complete: steps 0-%u\n", planned);
        } else {
            std::printf("status        partial: %s of %u steps done; ",
                        rows == 0 ? "none" : ("steps 0-" + std::to_string(rows - 1)).c_str(), planned);
            if (cps.empty())
                std::printf("no checkpoint yet ('icsim resume' starts it over)\n");
            else
                std::printf("'icsim resume' continues from the checkpoint at step %lld\n",
                            static_cast<long long>(cps.back()));
        }
        std::printf("scenario      %s (seed %llu)\n", f.attr("scenario_name").c_str(),
                    static_cast<unsigned long long>(f.seed()));
        const std::string forked = f.attr("forked_from"), resumed = f.attr("resumed_from");
        if (!forked.empty())
            std::printf("forked from   %s\n", forked.c_str());
        if (!resumed.empty())
            std::printf("resumed from  %s\n", resumed.c_str());
        std::printf("written by    icsim %s (git %s) on %s\n", f.attr("icsim_version").c_str(),
                    f.attr("git_commit").substr(0, 12).c_str(), f.attr("created_utc").c_str());
        std::printf("command       %s\n", f.attr("command_line").c_str());
        const RunFile::City city = f.city();
        const auto groups = f.group_names();
        const auto hoods = f.neighbourhood_names();
        std::printf("city          %d x %d cells x %d dwellings%s, %zu neighbourhoods, %zu groups\n",
                    city.width, city.height, city.capacity, city.torus ? " (torus)" : "", hoods.size(),
                    groups.size());
        std::printf("snapshots     %zu (steps %s)\n", snaps.size(), list_steps(snaps).c_str());
        std::printf("checkpoints   %zu (steps %s)\n", cps.size(), list_steps(cps).c_str());
        const auto events = f.events();
        std::printf("events        %zu\n", events.size());
        for (size_t k = 0; k < events.size() && k < 10; ++k)
            std::printf("  step %-6lld %-14s %s (%s)\n", static_cast<long long>(events[k].step),
                        events[k].kind.c_str(), events[k].name.c_str(), fmt(events[k].value).c_str());
        if (events.size() > 10)
            std::printf("  ... %zu more ('icsim export' writes them all)\n", events.size() - 10);
        if (rows == 0)
            return 0;
        std::printf("\n%-44s %14s %14s  %s\n", "series (first and last step)", "first", "last", "units");
        for (const auto& s : f.series()) {
            const size_t width = std::max<size_t>(s.columns.size(), 1);
            const auto a = f.read_series(s.path, 0, 1), b = f.read_series(s.path, rows - 1, 1);
            if (s.columns.empty()) {
                std::printf("%-44s %14s %14s  %s\n", s.path.c_str(), fmt(a[0]).c_str(), fmt(b[0]).c_str(),
                            s.units.c_str());
                continue;
            }
            const size_t shown = std::min<size_t>(width, 12);
            for (size_t c = 0; c < shown; ++c)
                std::printf("%-44s %14s %14s  %s\n", (s.path + "[" + s.columns[c] + "]").c_str(),
                            fmt(a[c]).c_str(), fmt(b[c]).c_str(), s.units.c_str());
            if (width > shown)
                std::printf("%-44s ... %zu more columns ('icsim export' writes them all)\n", s.path.c_str(),
                            width - shown);
        }
    } catch (const OutputFormatError& e) {
        throw UsageError(e.what());
    }
    return 0;
}

} // namespace icsim::app
