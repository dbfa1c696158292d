// The scenario library (scenarios/library/): every file loads and builds a
// city, the expected archetypes, one variant per policy lever and the
// strategy mix are there, each variant uses the lever its file name says and
// keeps default.toml's city, so that it is a pure policy variant. Tests run
// with the repository root as the working directory.
#include <doctest/doctest.h>

#include <algorithm>
#include <exception>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "scenarios/loader.hpp"
#include "scenarios/scenario.hpp"
#include "sim/policy.hpp"

using namespace icsim;
namespace fs = std::filesystem;

namespace {

const fs::path kLibrary = "scenarios/library";

// The city archetypes: self-contained files with their own geometry.
const std::vector<std::string> kArchetypes = {"port-city.toml", "industrial-town.toml", "capital.toml",
                                              "small-town.toml", "river-city.toml"};
const std::string kStrategy = "intercultural-strategy.toml";

std::vector<fs::path> library_files() {
    std::vector<fs::path> files;
    if (!fs::is_directory(kLibrary))
        return files;
    for (const auto& e : fs::directory_iterator(kLibrary))
        if (e.is_regular_file() && e.path().extension() == ".toml")
            files.push_back(e.path());
    std::sort(files.begin(), files.end());
    return files;
}

bool is_policy_variant(const std::string& filename) {
    return filename.rfind("policy-", 0) == 0 && filename.size() > 12 &&
           filename.substr(filename.size() - 5) == ".toml";
}

// "policy-anti-rumours.toml" -> "anti_rumours"
std::string lever_of_file(const std::string& filename) {
    std::string s = filename.substr(7, filename.size() - 7 - 5);
    std::replace(s.begin(), s.end(), '-', '_');
    return s;
}

// "anti_rumours" -> "policy-anti-rumours.toml"
std::string file_of_lever(std::string lever) {
    std::replace(lever.begin(), lever.end(), '_', '-');
    return "policy-" + lever + ".toml";
}

std::string lever_name(Lever lever) {
    for (const auto& info : lever_table())
        if (info.lever == lever)
            return info.name;
    return "?";
}

std::string read_text(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// Loads a library file; on failure records every diagnostic and returns false.
bool load(const fs::path& path, ScenarioConfig& out) {
    try {
        out = load_scenario_file(path.string());
        return true;
    } catch (const ScenarioError& e) {
        std::string all;
        for (const auto& d : e.diagnostics())
            all += "\n  " + d.str();
        FAIL_CHECK(path.string() << " does not load:" << all);
    } catch (const std::exception& e) {
        FAIL_CHECK(path.string() << " does not load: " << e.what());
    }
    return false;
}

// Every field of the city and of the run that a pure policy variant must
// inherit unchanged from default.toml. Organisations may be added (a
// variant's delivering partners) but default.toml's must stay as they are.
void check_same_city(const ScenarioConfig& base, const ScenarioConfig& v) {
    const CityConfig &a = base.city, &b = v.city;
    CHECK(b.grid.width == a.grid.width);
    CHECK(b.grid.height == a.grid.height);
    CHECK(b.grid.torus == a.grid.torus);
    CHECK(b.grid.capacity == a.grid.capacity);
    CHECK(b.occupancy == a.occupancy);
    CHECK(b.layout == a.layout);
    CHECK(b.raster == a.raster);

    REQUIRE(b.neighbourhoods.size() == a.neighbourhoods.size());
    for (size_t k = 0; k < a.neighbourhoods.size(); ++k) {
        const auto &x = a.neighbourhoods[k], &y = b.neighbourhoods[k];
        INFO("neighbourhood " << x.name);
        CHECK(y.name == x.name);
        CHECK(y.x0 == x.x0);
        CHECK(y.y0 == x.y0);
        CHECK(y.x1 == x.x1);
        CHECK(y.y1 == x.y1);
        CHECK(y.rent_level == x.rent_level);
        CHECK(y.social_housing_share == x.social_housing_share);
    }

    REQUIRE(b.groups.size() == a.groups.size());
    for (size_t k = 0; k < a.groups.size(); ++k) {
        const auto &x = a.groups[k], &y = b.groups[k];
        INFO("group " << x.name);
        CHECK(y.name == x.name);
        CHECK(y.share == x.share);
        CHECK(y.arrival_rate == x.arrival_rate);
        CHECK(y.tolerance == x.tolerance);
        CHECK(y.tolerance_sd == x.tolerance_sd);
        CHECK(y.language.mean == x.language.mean);
        CHECK(y.language.sd == x.language.sd);
        CHECK(y.skill.mean == x.skill.mean);
        CHECK(y.skill.sd == x.skill.sd);
        CHECK(y.prejudice.mean == x.prejudice.mean);
        CHECK(y.prejudice.sd == x.prejudice.sd);
        CHECK(y.pattern == x.pattern);
        CHECK(y.home_neighbourhoods == x.home_neighbourhoods);
        CHECK(y.concentration == x.concentration);
    }

    REQUIRE(b.places.size() == a.places.size());
    for (size_t k = 0; k < a.places.size(); ++k) {
        const auto &x = a.places[k], &y = b.places[k];
        INFO("place " << x.name);
        CHECK(y.name == x.name);
        CHECK(y.kind == x.kind);
        CHECK(y.neighbourhood == x.neighbourhood);
        CHECK(y.count == x.count);
        CHECK(y.capacity == x.capacity);
        CHECK(y.cells == x.cells);
    }

    REQUIRE(b.organisations.size() >= a.organisations.size());
    for (size_t k = 0; k < a.organisations.size(); ++k) {
        const auto &x = a.organisations[k], &y = b.organisations[k];
        INFO("organisation " << x.name);
        CHECK(y.name == x.name);
        CHECK(y.kind == x.kind);
        CHECK(y.neighbourhood == x.neighbourhood);
        CHECK(y.capacity == x.capacity);
        // A variant may fund its programme through an inherited partner
        // (a larger budget: the default city has no policies, so its
        // budgets bound nothing there), not take from one.
        CHECK(y.budget >= x.budget);
    }

    CHECK(v.steps == base.steps);
    CHECK(v.step_days == base.step_days);
    CHECK(v.seed == base.seed);
    REQUIRE(v.mechanisms.size() == base.mechanisms.size());
    for (size_t k = 0; k < base.mechanisms.size(); ++k) {
        CHECK(v.mechanisms[k].name == base.mechanisms[k].name);
        CHECK(v.mechanisms[k].params == base.mechanisms[k].params);
    }
}

} // namespace

TEST_SUITE("unit") {

    TEST_CASE("library: every scenario file loads without errors") {
        const auto files = library_files();
        REQUIRE(files.size() >= 17); // default + 4 archetypes + 11 variants + strategy
        for (const auto& path : files) {
            INFO(path.string());
            ScenarioConfig s;
            if (load(path, s)) {
                CHECK(!s.name.empty());
                CHECK(!s.description.empty());
            }
        }
    }

    TEST_CASE("library: the archetypes and policy variants and strategy mix are present") {
        std::set<std::string> names;
        for (const auto& path : library_files())
            names.insert(path.filename().string());
        CHECK(names.count("default.toml") == 1);
        for (const auto& f : kArchetypes) {
            INFO(f);
            CHECK(names.count(f) == 1);
        }
        CHECK(names.count(kStrategy) == 1);
        for (const auto& info : lever_table()) {
            INFO(info.name);
            CHECK(names.count(file_of_lever(info.name)) == 1);
        }
        // No variant for a lever that does not exist.
        std::set<std::string> levers;
        for (const auto& info : lever_table())
            levers.insert(info.name);
        size_t variants = 0;
        for (const auto& n : names)
            if (is_policy_variant(n)) {
                INFO(n);
                CHECK(levers.count(lever_of_file(n)) == 1);
                ++variants;
            }
        CHECK(variants >= kLeverCount);
    }

    TEST_CASE("library: archetypes are self-contained cities of moderate size") {
        bool raster = false;
        for (const auto& f : kArchetypes) {
            INFO(f);
            const fs::path path = kLibrary / f;
            const std::string text = read_text(path);
            CHECK(text.rfind("#", 0) == 0); // a header comment says what it represents
            CHECK(text.find("NOT a real") != std::string::npos);
            ScenarioConfig s;
            if (!load(path, s))
                continue;
            // Self-contained: no `extends` line (checked on the text, since the
            // resolved config no longer shows it).
            std::istringstream lines(text);
            for (std::string line; std::getline(lines, line);)
                CHECK(line.rfind("extends", 0) != 0);
            const double residents =
                s.city.occupancy * double(s.city.grid.cells()) * double(s.city.grid.capacity);
            CHECK(residents >= 1000);
            CHECK(residents <= 250000); // each archetype runs in seconds
            CHECK(s.city.groups.size() >= 2);
            CHECK(s.city.neighbourhoods.size() >= 4);
            raster = raster || s.city.layout == Layout::Raster;
        }
        CHECK(raster); // at least one archetype uses a raster file
    }

    TEST_CASE("library: each policy variant uses the lever its file name says") {
        for (const auto& path : library_files()) {
            const std::string f = path.filename().string();
            if (!is_policy_variant(f))
                continue;
            INFO(f);
            ScenarioConfig s;
            if (!load(path, s))
                continue;
            REQUIRE(!s.policies.empty());
            const std::string lever = lever_of_file(f);
            bool found = false;
            for (const auto& p : s.policies) {
                INFO("policy " << p.name);
                // A single-lever variant: every policy is on its lever.
                CHECK(lever_name(p.lever) == lever);
                found = found || lever_name(p.lever) == lever;
                CHECK(p.intensity > 0);
                CHECK(p.start < s.steps);
                CHECK(!p.partner.empty());
            }
            CHECK(found);
            // No ICC baseline: the variant changes only its own lever.
            for (double score : s.icc_scores)
                CHECK(score < 0);
        }
    }

    TEST_CASE("library: policy variants and the strategy mix keep the default city") {
        ScenarioConfig base;
        REQUIRE(load(kLibrary / "default.toml", base));
        CHECK(base.policies.empty());
        for (const auto& path : library_files()) {
            const std::string f = path.filename().string();
            if (!is_policy_variant(f) && f != kStrategy)
                continue;
            INFO(f);
            ScenarioConfig s;
            if (load(path, s))
                check_same_city(base, s);
        }
    }

    TEST_CASE("library: the strategy mix scores every ICC area and phases in several levers") {
        ScenarioConfig s;
        REQUIRE(load(kLibrary / kStrategy, s));
        REQUIRE(s.icc_scores.size() == icc_areas().size());
        double sum = 0;
        for (size_t k = 0; k < s.icc_scores.size(); ++k) {
            INFO(icc_areas()[k]);
            CHECK(s.icc_scores[k] >= 0);
            CHECK(s.icc_scores[k] <= 100);
            sum += s.icc_scores[k];
        }
        const double mean = sum / double(s.icc_scores.size());
        CHECK(mean >= 60); // a city at about 70 %
        CHECK(mean <= 80);
        std::set<std::string> levers;
        std::set<uint32_t> starts;
        std::set<std::string> partners;
        for (const auto& p : s.policies) {
            levers.insert(lever_name(p.lever));
            starts.insert(p.start);
            partners.insert(p.partner);
        }
        CHECK(levers.size() >= 5);
        CHECK(starts.size() >= 3); // phased in, not all at once
        CHECK(partners.size() >= 3);
    }

    TEST_CASE("library: every scenario builds a city") {
        for (const auto& path : library_files()) {
            INFO(path.string());
            ScenarioConfig s;
            if (!load(path, s))
                continue;
            try {
                const Engine engine = build_engine(s);
                CHECK(engine.world().pop.size() > 0);
                CHECK(engine.world().group_total() == int(s.city.groups.size()));
            } catch (const std::exception& e) {
                FAIL_CHECK("build_engine: " << e.what());
            }
        }
    }
}
