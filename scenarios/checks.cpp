// The cross-field rules of a merged scenario: references between entries,
// shares, geometry, the raster file and the policy windows.
#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>

#include "models/registry.hpp"
#include "scenarios/loader_internal.hpp"
#include "sim/policy.hpp"

namespace icsim::loading {

namespace {

// "policies a, b and c" / "policy a".
std::string name_list(const std::vector<std::string>& names) {
    std::string s = names.size() == 1 ? "policy " : "policies ";
    for (size_t k = 0; k < names.size(); ++k)
        s += (k == 0 ? "" : k + 1 == names.size() ? " and " : ", ") + names[k];
    return s;
}

} // namespace

void Loader::check_references(const Doc& doc) {
    for (const auto& [path, e] : doc.values) {
        const Key* k = scenario::find_key(path);
        if (k == nullptr || k->refers_to.empty())
            continue;
        std::vector<std::string> allowed;
        if (k->refers_to == "mechanisms") {
            for (const auto& m : mechanism_registry())
                allowed.push_back(m.name);
        } else {
            const std::string list = k->refers_to == "neighbourhoods" ? "city.neighbourhoods" : k->refers_to;
            const auto it = doc.lists.find(list);
            if (it != doc.lists.end())
                allowed = it->second;
            if (k->refers_to == "organisations")
                allowed.emplace_back("city");
        }
        std::vector<std::string> names;
        if (const auto* s = std::get_if<std::string>(&e.value))
            names.push_back(*s);
        else if (const auto* a = std::get_if<std::vector<std::string>>(&e.value))
            names = *a;
        std::set<std::string> seen;
        for (const auto& n : names) {
            if (!seen.insert(n).second)
                error(e.origin, path, "names " + toml_quote(n) + " twice");
            if (std::find(allowed.begin(), allowed.end(), n) != allowed.end())
                continue;
            const std::string guess = closest_name(n, allowed);
            error(e.origin, path,
                  "no " + k->refers_to + " entry named " + toml_quote(n) +
                      (k->refers_to == "organisations" ? " (nor \"city\")" : "") +
                      (guess.empty() ? "" : " (did you mean " + toml_quote(guess) + "?)"));
        }
    }
}

void Loader::cross_check(const Doc& doc, const std::filesystem::path& dir, const Origin& top,
                         std::vector<uint16_t>& raster) {
    check_references(doc);
    const int64_t width = get<int64_t>(doc, "city.width"), height = get<int64_t>(doc, "city.height");
    const int64_t capacity = get<int64_t>(doc, "city.capacity");
    const uint64_t dwellings = uint64_t(width * height * capacity);
    if (dwellings > 0x7FFFFFFFull)
        error(where(doc, "city.capacity"), "city",
              "width x height x capacity = " + std::to_string(dwellings) + " dwellings, more than 2^31 - 1");
    const int64_t population = get<int64_t>(doc, "city.population");
    if (uint64_t(population) > dwellings)
        error(where(doc, "city.population"), "city.population",
              std::to_string(population) + " residents do not fit " + std::to_string(dwellings) +
                  " dwellings (width x height x capacity)");

    // Groups.
    const auto& groups = doc.lists.count("groups") ? doc.lists.at("groups") : std::vector<std::string>{};
    if (groups.empty() || groups.size() > 255)
        error(top, "groups",
              "expected between 1 and 255 [[groups]] entries, found " + std::to_string(groups.size()));
    double shares = 0;
    bool all_shares = true;
    for (const auto& g : groups) {
        const std::string p = "groups." + g;
        if (!has(doc, p + ".share")) {
            all_shares = false;
            continue;
        }
        shares += num(doc, p + ".share");
        if (get<std::string>(doc, p + ".pattern") == "clustered" &&
            get<std::vector<std::string>>(doc, p + ".home_neighbourhoods").empty())
            error(where(doc, p + ".pattern"), p + ".home_neighbourhoods",
                  "pattern = \"clustered\" needs at least one home neighbourhood");
    }
    if (all_shares && !groups.empty() && std::abs(shares - 1.0) > 1e-6)
        error(where(doc, "groups." + groups.front() + ".share"), "groups.*.share",
              "shares must sum to 1, found " + format_number(shares));

    // Neighbourhoods and their geometry.
    const std::string layout = get<std::string>(doc, "city.layout");
    const auto& hoods = doc.lists.count("city.neighbourhoods") ? doc.lists.at("city.neighbourhoods")
                                                               : std::vector<std::string>{};
    if (hoods.size() > 65534)
        error(top, "city.neighbourhoods", "more than 65534 neighbourhoods");
    if (layout != "rectangles" && hoods.empty())
        error(where(doc, "city.layout"), "city.neighbourhoods",
              "layout = \"" + layout + "\" needs at least one [[city.neighbourhoods]] entry");
    for (const auto& h : hoods) {
        const std::string p = "city.neighbourhoods." + h;
        const Origin eo = doc.entries.at(p);
        if (layout != "rectangles")
            continue;
        bool complete = true;
        for (const char* c : {"x0", "y0", "x1", "y1"})
            if (!has(doc, p + "." + c)) {
                error(eo, p + "." + c, "required with layout = \"rectangles\"");
                complete = false;
            }
        if (!complete)
            continue;
        const int64_t x0 = get<int64_t>(doc, p + ".x0"), x1 = get<int64_t>(doc, p + ".x1");
        const int64_t y0 = get<int64_t>(doc, p + ".y0"), y1 = get<int64_t>(doc, p + ".y1");
        if (x0 >= x1 || y0 >= y1 || x1 > width || y1 > height)
            error(eo, p,
                  "rectangle [" + std::to_string(x0) + ", " + std::to_string(x1) + ") x [" +
                      std::to_string(y0) + ", " + std::to_string(y1) + ") is empty or outside the " +
                      std::to_string(width) + " x " + std::to_string(height) + " grid");
    }
    if (layout == "raster")
        read_raster(doc, dir, size_t(width), size_t(height), hoods.size(), raster);

    // Places.
    if (doc.lists.count("places"))
        for (const auto& name : doc.lists.at("places")) {
            const std::string p = "places." + name;
            for (const auto& [x, y] : get<Cells>(doc, p + ".cells"))
                if (x < 0 || y < 0 || x >= width || y >= height)
                    error(where(doc, p + ".cells"), p + ".cells",
                          "[" + std::to_string(x) + ", " + std::to_string(y) + "] lies outside the " +
                              std::to_string(width) + " x " + std::to_string(height) + " grid");
        }

    // Policy windows inside the scenario's horizon: its run.steps, or
    // run.horizon when the run stops earlier than the scenario.
    const int64_t run_steps = get<int64_t>(doc, "run.steps");
    const bool truncated = has(doc, "run.horizon");
    const int64_t steps = truncated ? get<int64_t>(doc, "run.horizon") : run_steps;
    const std::string steps_key = truncated ? "run.horizon" : "run.steps";
    if (truncated && steps < run_steps)
        error(where(doc, "run.horizon"), "run.horizon",
              "expected at least run.steps (" + std::to_string(run_steps) + "), found " +
                  std::to_string(steps));
    std::vector<std::string> cut, skipped;
    if (doc.lists.count("policies"))
        for (const auto& name : doc.lists.at("policies")) {
            const std::string p = "policies." + name;
            const int64_t start = get<int64_t>(doc, p + ".start"), end = get<int64_t>(doc, p + ".end");
            const int64_t ramp = get<int64_t>(doc, p + ".ramp");
            const int64_t stop = end < 0 ? steps : end;
            if (start >= steps && steps > 0)
                error(where(doc, p + ".start"), p + ".start",
                      "starts at step " + std::to_string(start) + ", after the run's last step " +
                          std::to_string(steps - 1) + " (" + steps_key + " = " + std::to_string(steps) + ")");
            if (end >= 0 && (end <= start || end > steps))
                error(where(doc, p + ".end"), p + ".end",
                      "expected an end step in (" + std::to_string(start) + ", " + std::to_string(steps) +
                          "] (after start, inside the run), found " + std::to_string(end));
            if (ramp > 0 && ramp > stop - start)
                error(where(doc, p + ".ramp"), p + ".ramp",
                      "ramp of " + std::to_string(ramp) + " steps is longer than the policy's window of " +
                          std::to_string(std::max<int64_t>(0, stop - start)) + " steps");
            // The same convention for the run's last step as the checks above.
            if (truncated && start >= run_steps)
                skipped.push_back(name);
            else if (truncated && (stop > run_steps || start + ramp > run_steps))
                cut.push_back(name);
        }
    if (!cut.empty())
        notes.push_back("the run stops after step " + std::to_string(run_steps) + " of the scenario's " +
                        std::to_string(steps) + ": " + name_list(cut) +
                        " run to that step, their windows or ramps cut there");
    if (!skipped.empty())
        notes.push_back(name_list(skipped) + " start after step " + std::to_string(run_steps) +
                        " and are skipped");
}

void Loader::read_raster(const Doc& doc, const std::filesystem::path& dir, size_t width, size_t height,
                         size_t hoods, std::vector<uint16_t>& raster) {
    const std::string name = get<std::string>(doc, "city.raster");
    const Origin ro = where(doc, "city.raster");
    if (name.empty()) {
        error(where(doc, "city.layout"), "city.raster", "layout = \"raster\" needs a raster file");
        return;
    }
    // Relative to the file that names it (a base file may name it).
    const std::filesystem::path base = ro.file.empty() || ro.file == "--set" || ro.file == "(default)" ||
                                               (!text_name.empty() && ro.file == text_name)
                                           ? dir
                                           : std::filesystem::path(ro.file).parent_path();
    const std::filesystem::path path = base / name;
    std::ifstream in(path);
    if (!in) {
        error(ro, "city.raster", "cannot open " + path.string());
        return;
    }
    raster.assign(width * height, 0);
    std::string line;
    size_t row = 0;
    for (int lineno = 1; std::getline(in, line); ++lineno) {
        if (line.find_first_not_of(" \t\r") == std::string::npos ||
            line[line.find_first_not_of(" \t")] == '#')
            continue;
        std::replace(line.begin(), line.end(), ',', ' ');
        std::istringstream cells(line);
        size_t col = 0;
        long v = 0;
        const Origin lo{path.string(), lineno, 1};
        while (cells >> v) {
            if (v < 1 || size_t(v) > hoods) {
                error(lo, "city.raster",
                      "expected neighbourhood numbers in [1, " + std::to_string(hoods) + "], found " +
                          std::to_string(v));
                return;
            }
            if (row < height && col < width)
                raster[row * width + col] = uint16_t(v - 1);
            ++col;
        }
        if (!cells.eof() || col != width) {
            error(lo, "city.raster",
                  "expected " + std::to_string(width) + " numbers on the row, found " +
                      (cells.eof() ? std::to_string(col) : "a non-number"));
            return;
        }
        ++row;
    }
    if (row != height)
        error({path.string()}, "city.raster",
              "expected " + std::to_string(height) + " rows, found " + std::to_string(row));
}

} // namespace icsim::loading
