// Tests of scenarios/loader.hpp: every malformed input is reported with its
// file, line, column, key path and a message that says what was expected and
// what was found; `extends` merging, `--set` and the resolved TOML text.
// Data files live in tests/data/scenarios/ (malformed/: one problem each,
// named for it; compose/: a base and two files that extend it). Tests run with
// the repository root as the working directory.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "models/registry.hpp"
#include "scenarios/loader.hpp"

using namespace icsim;

namespace {

const std::string kMalformed = "tests/data/scenarios/malformed/";
const std::string kCompose = "tests/data/scenarios/compose/";

// The diagnostics of loading a file (empty when it loads).
std::vector<Diagnostic> problems_of_file(const std::string& path, const std::vector<std::string>& sets = {}) {
    try {
        load_scenario_file(path, sets);
    } catch (const ScenarioError& e) {
        CHECK(std::string(e.what()) == (e.diagnostics().empty() ? "" : e.diagnostics().front().str()));
        return e.diagnostics();
    }
    return {};
}

std::vector<Diagnostic> problems_of_text(const std::string& text, const std::string& name,
                                         const std::vector<std::string>& sets = {}) {
    try {
        load_scenario_text(text, name, sets);
    } catch (const ScenarioError& e) {
        return e.diagnostics();
    }
    return {};
}

std::vector<Diagnostic> problems_of_default(const std::vector<std::string>& sets) {
    try {
        load_default_scenario(sets);
    } catch (const ScenarioError& e) {
        return e.diagnostics();
    }
    return {};
}

std::string all_text(const std::vector<Diagnostic>& diags) {
    std::string s;
    for (const auto& d : diags)
        s += d.str() + "\n";
    return s;
}

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

// The one diagnostic of a file of tests/data/scenarios/malformed/.
Diagnostic only_problem(const std::string& name) {
    const auto diags = problems_of_file(kMalformed + name);
    INFO(all_text(diags));
    REQUIRE(diags.size() == 1);
    return diags.front();
}

// The first diagnostic whose key is `key` (fails the test when there is none).
Diagnostic problem_with_key(const std::vector<Diagnostic>& diags, const std::string& key) {
    const auto it =
        std::find_if(diags.begin(), diags.end(), [&](const Diagnostic& d) { return d.key == key; });
    INFO(all_text(diags));
    REQUIRE(it != diags.end());
    return *it;
}

// Checks a diagnostic's location, key path and that its message holds each of `parts`.
void check_problem(const Diagnostic& d, const std::string& file, int line, int column, const std::string& key,
                   const std::vector<std::string>& parts) {
    INFO(d.str());
    CHECK(d.file == file);
    CHECK(d.line == line);
    CHECK(d.column == column);
    CHECK(d.key == key);
    for (const auto& p : parts) {
        INFO("message part: " << p);
        CHECK(contains(d.message, p));
    }
}

void check_malformed(const std::string& name, int line, int column, const std::string& key,
                     const std::vector<std::string>& parts) {
    check_problem(only_problem(name), kMalformed + name, line, column, key, parts);
}

bool same_file(const std::string& a, const std::string& b) {
    std::error_code ec;
    return std::filesystem::equivalent(a, b, ec);
}

const GroupSpec& group(const ScenarioConfig& s, const std::string& name) {
    const auto it = std::find_if(s.city.groups.begin(), s.city.groups.end(),
                                 [&](const GroupSpec& g) { return g.name == name; });
    REQUIRE(it != s.city.groups.end());
    return *it;
}

std::vector<std::string> group_names(const ScenarioConfig& s) {
    std::vector<std::string> names;
    for (const auto& g : s.city.groups)
        names.push_back(g.name);
    return names;
}

std::vector<std::string> policy_names(const ScenarioConfig& s) {
    std::vector<std::string> names;
    for (const auto& p : s.policies)
        names.push_back(p.name);
    return names;
}

// Loads a scenario's resolved text and checks that it resolves to itself.
void check_round_trip(const ScenarioConfig& s) {
    const ScenarioConfig again = load_scenario_text(s.resolved_toml, "resolved.toml");
    CHECK(again.resolved_toml == s.resolved_toml);
    CHECK(again.name == s.name);
    CHECK(again.steps == s.steps);
    CHECK(again.seed == s.seed);
    CHECK(group_names(again) == group_names(s));
    CHECK(policy_names(again) == policy_names(s));
    CHECK(again.city.neighbourhoods.size() == s.city.neighbourhoods.size());
    CHECK(again.mechanisms.size() == s.mechanisms.size());
    CHECK(again.output.file == s.output.file);
}

} // namespace

TEST_SUITE("unit") {

    // ---------------------------------------------------------------------------------------------
    // Malformed files: keys, types and ranges.

    TEST_CASE("loader: unknown key in a table is named with a did-you-mean and an explain hint") {
        check_malformed("unknown-key.toml", 5, 1, "city.widht",
                        {"unknown key", "did you mean 'width'?", "icsim check --explain city"});
    }

    TEST_CASE("loader: unknown top-level key suggests the closest key") {
        const Diagnostic d = only_problem("unknown-top-level-key.toml");
        check_problem(d, kMalformed + "unknown-top-level-key.toml", 3, 1, "descripton",
                      {"unknown key", "did you mean 'description'?"});
    }

    TEST_CASE("loader: unknown key inside a list entry names the entry in its path") {
        check_malformed("unknown-entry-key.toml", 7, 1, "groups.a.tolerence",
                        {"unknown key", "did you mean 'tolerance'?", "--explain groups.a"});
    }

    TEST_CASE("loader: string for an integer key reports expected range and found value at the value") {
        check_malformed("wrong-type-int.toml", 5, 9, "run.steps",
                        {"expected an integer in [0, 10000000]", "found the string \"ten\""});
    }

    TEST_CASE("loader: fractional number for an integer key is a type error") {
        check_malformed("wrong-type-int-float.toml", 5, 9, "city.width",
                        {"expected an integer in [3, 10000]", "found the number 50.5"});
    }

    TEST_CASE("loader: string for a boolean key is a type error") {
        check_malformed("wrong-type-bool.toml", 5, 9, "city.torus",
                        {"expected true or false", "found the string \"yes\""});
    }

    TEST_CASE("loader: date for a string key is a type error") {
        check_malformed("wrong-type-string.toml", 2, 8, "name",
                        {"expected a string", "found a date or time"});
    }

    TEST_CASE("loader: real value outside its range") {
        check_malformed("out-of-range.toml", 5, 13, "city.occupancy",
                        {"expected a number in [0.01, 1]", "found the number 1.5"});
    }

    TEST_CASE("loader: integer value below its minimum") {
        check_malformed("out-of-range-int.toml", 5, 9, "city.width",
                        {"expected an integer in [3, 10000]", "found the integer 2"});
    }

    TEST_CASE("loader: mechanism parameter outside the range of the mechanism's own table") {
        check_malformed("mechanism-param-out-of-range.toml", 9, 20,
                        "mechanisms.residential_mobility.move_probability",
                        {"expected a number in [0, 1]", "found the number 2.0"});
    }

    TEST_CASE("loader: misspelt enum value lists the choices and suggests the closest") {
        check_malformed("bad-enum.toml", 5, 10, "city.layout",
                        {"expected one of \"rectangles\", \"voronoi\", \"raster\"", "found \"vornoi\"",
                         "did you mean \"voronoi\"?"});
    }

    TEST_CASE("loader: misspelt policy lever suggests the closest lever") {
        // One diagnostic: the rejected required lever is not also reported as missing.
        check_malformed(
            "bad-lever.toml", 10, 9, "policies.p.lever",
            {"expected one of \"anti_rumours\"", "found \"anti_rumors\"", "did you mean \"anti_rumours\"?"});
    }

    TEST_CASE("loader: table key given a scalar") {
        check_malformed("table-expected.toml", 3, 1, "run", {"expected a table", "found the integer 5"});
    }

    TEST_CASE("loader: list written as a single table asks for an array of tables") {
        const auto diags = problems_of_file(kMalformed + "array-of-tables-expected.toml");
        const auto it =
            std::find_if(diags.begin(), diags.end(), [](const Diagnostic& d) { return d.line > 0; });
        INFO(all_text(diags));
        REQUIRE(it != diags.end());
        check_problem(*it, kMalformed + "array-of-tables-expected.toml", 4, 2, "groups",
                      {"expected an array of tables ([[groups]])", "found a table"});
    }

    TEST_CASE("loader: array of strings with a non-string element") {
        check_malformed("strings-expected.toml", 9, 9, "mechanisms.order",
                        {"expected an array of strings", "found the integer 3 at position 2"});
    }

    TEST_CASE("loader: place cells that are not x y integer pairs") {
        check_malformed("bad-cells.toml", 23, 9, "places.port.cells",
                        {"expected an array of [x, y] integer pairs"});
    }

    TEST_CASE("loader: ICC Index score above 100") {
        check_malformed("icc-out-of-range.toml", 9, 12, "icc_index.language",
                        {"expected a number in [0, 100]", "found the integer 150"});
    }

    TEST_CASE("loader: unknown ICC Index area suggests the closest area") {
        check_malformed("icc-unknown-area.toml", 9, 1, "icc_index.languages",
                        {"unknown key", "did you mean 'language'?"});
    }

    TEST_CASE("loader: extends given a number is a type error") {
        check_malformed("extends-wrong-type.toml", 2, 11, "extends",
                        {"expected a string", "found the integer 3"});
    }

    // ---------------------------------------------------------------------------------------------
    // Malformed files: list entries.

    TEST_CASE("loader: duplicate entry name points at the second and names the first's line") {
        check_malformed("duplicate-entry.toml", 9, 8, "groups.a",
                        {"duplicate entry name", "first defined at line 4"});
    }

    TEST_CASE("loader: list entry without a name") {
        check_malformed("entry-without-name.toml", 8, 1, "groups", {"each entry needs a name = \"...\""});
    }

    TEST_CASE("loader: entry name with a dot is rejected") {
        check_malformed("name-with-dot.toml", 9, 8, "groups.name", {"without '.'", "found \"b.c\""});
    }

    TEST_CASE("loader: missing required share points at the entry") {
        check_malformed("missing-required-share.toml", 4, 1, "groups.a.share",
                        {"required key missing", "a number in [0, 1]"});
    }

    TEST_CASE("loader: missing required lever lists the levers") {
        check_malformed("missing-lever.toml", 8, 1, "policies.p.lever",
                        {"required key missing", "\"anti_rumours\"", "\"civil_society_partnership\""});
    }

    TEST_CASE("loader: scenario without groups") {
        const auto diags = problems_of_file(kMalformed + "no-groups.toml");
        INFO(all_text(diags));
        REQUIRE(diags.size() == 1);
        CHECK(diags[0].key == "groups");
        CHECK(contains(diags[0].message, "expected between 1 and 255 [[groups]] entries, found 0"));
    }

    TEST_CASE("loader: group shares must sum to one") {
        check_malformed("shares-not-one.toml", 6, 9, "groups.*.share", {"shares must sum to 1", "found 0.9"});
    }

    TEST_CASE("loader: clustered group without home neighbourhoods") {
        check_malformed("clustered-without-home.toml", 7, 11, "groups.a.home_neighbourhoods",
                        {"pattern = \"clustered\" needs at least one home neighbourhood"});
    }

    // ---------------------------------------------------------------------------------------------
    // Malformed files: references between entries.

    TEST_CASE("loader: policy targeting an unknown neighbourhood suggests the closest") {
        check_malformed("unknown-neighbourhood-target.toml", 22, 18, "policies.p.neighbourhoods",
                        {"no neighbourhoods entry named \"Harbor\"", "did you mean \"Harbour\"?"});
    }

    TEST_CASE("loader: policy targeting an unknown group suggests the closest") {
        check_malformed("unknown-group-target.toml", 15, 10, "policies.p.groups",
                        {"no groups entry named \"majorty\"", "did you mean \"majority\"?"});
    }

    TEST_CASE("loader: policy naming the same group twice") {
        check_malformed("target-named-twice.toml", 11, 10, "policies.p.groups", {"names \"a\" twice"});
    }

    TEST_CASE("loader: policy delivered by an unknown partner suggests the closest organisation") {
        check_malformed(
            "unknown-partner.toml", 26, 11, "policies.p.partner",
            {"no organisations entry named \"Refugee Welcom\"", "did you mean \"Refugee Welcome\"?"});
    }

    TEST_CASE("loader: place in an unknown neighbourhood without a close name") {
        const Diagnostic d = only_problem("unknown-place-neighbourhood.toml");
        check_problem(d, kMalformed + "unknown-place-neighbourhood.toml", 11, 17, "places.port.neighbourhood",
                      {"no neighbourhoods entry named \"Nowhere\""});
        CHECK_FALSE(contains(d.message, "did you mean"));
    }

    TEST_CASE("loader: unknown mechanism in the order suggests the closest") {
        check_malformed(
            "unknown-mechanism.toml", 9, 9, "mechanisms.order",
            {"no mechanisms entry named \"residential_mobilty\"", "did you mean \"residential_mobility\"?"});
    }

    TEST_CASE("loader: parameters for an unknown mechanism") {
        check_malformed("unknown-mechanism-table.toml", 8, 13, "mechanisms.residential_mobilty",
                        {"unknown key", "did you mean 'residential_mobility'?"});
    }

    TEST_CASE("loader: mechanism listed twice in the order") {
        // The loader currently reports this twice (as a duplicate reference and as
        // a duplicate in the order): every diagnostic must point at the list.
        const auto diags = problems_of_file(kMalformed + "duplicate-mechanism.toml");
        INFO(all_text(diags));
        REQUIRE_FALSE(diags.empty());
        for (const auto& d : diags)
            check_problem(d, kMalformed + "duplicate-mechanism.toml", 9, 9, "mechanisms.order",
                          {"\"residential_mobility\" twice"});
    }

    // ---------------------------------------------------------------------------------------------
    // Malformed files: geometry and population.

    TEST_CASE("loader: neighbourhood rectangle outside the grid") {
        check_malformed("rectangle-outside-grid.toml", 8, 1, "city.neighbourhoods.Harbour",
                        {"rectangle [0, 20) x [0, 10)", "outside the 10 x 10 grid"});
    }

    TEST_CASE("loader: empty neighbourhood rectangle") {
        check_malformed("rectangle-empty.toml", 8, 1, "city.neighbourhoods.Line",
                        {"rectangle [5, 5) x [0, 10) is empty"});
    }

    TEST_CASE("loader: neighbourhood rectangle missing a corner") {
        check_malformed("rectangle-missing-corner.toml", 8, 1, "city.neighbourhoods.Harbour.y1",
                        {"required with layout = \"rectangles\""});
    }

    TEST_CASE("loader: voronoi layout without neighbourhoods") {
        check_malformed("voronoi-without-neighbourhoods.toml", 5, 10, "city.neighbourhoods",
                        {"layout = \"voronoi\" needs at least one [[city.neighbourhoods]] entry"});
    }

    TEST_CASE("loader: population larger than the dwellings") {
        check_malformed("population-too-large.toml", 8, 14, "city.population",
                        {"500 residents do not fit 200 dwellings"});
    }

    TEST_CASE("loader: more dwellings than 2 to the 31") {
        check_malformed("too-many-dwellings.toml", 7, 12, "city",
                        {"10000000000 dwellings", "more than 2^31 - 1"});
    }

    TEST_CASE("loader: place cell outside the grid") {
        check_malformed("place-cell-outside.toml", 23, 9, "places.port.cells",
                        {"[12, 3] lies outside the 10 x 10 grid"});
    }

    // ---------------------------------------------------------------------------------------------
    // Malformed files: the policy timeline.

    TEST_CASE("loader: policy starting after the run's horizon") {
        check_malformed("policy-after-horizon.toml", 14, 9, "policies.late.start",
                        {"starts at step 20", "last step 9", "run.steps = 10"});
    }

    TEST_CASE("loader: policy ending before it starts") {
        check_malformed("policy-end-before-start.toml", 15, 7, "policies.backwards.end",
                        {"expected an end step in (50, 100]", "found 30"});
    }

    TEST_CASE("loader: policy ramp longer than its window") {
        check_malformed("ramp-too-long.toml", 16, 8, "policies.slow.ramp",
                        {"ramp of 15 steps", "window of 10 steps"});
    }

    // ---------------------------------------------------------------------------------------------
    // Malformed files: TOML syntax.

    TEST_CASE("loader: TOML syntax error gives the parse error's line and column") {
        check_malformed("syntax-error.toml", 5, 9, "", {"TOML syntax", "expected value"});
    }

    TEST_CASE("loader: key defined twice is a TOML syntax error") {
        const Diagnostic d = only_problem("duplicate-toml-key.toml");
        INFO(d.str());
        CHECK(d.file == kMalformed + "duplicate-toml-key.toml");
        CHECK(d.line == 6);
        CHECK(d.key.empty());
        CHECK(contains(d.message, "TOML syntax"));
        CHECK(contains(d.message, "width"));
    }

    TEST_CASE("loader: missing scenario file") {
        const std::string path = kMalformed + "no-such-file.toml";
        const auto diags = problems_of_file(path);
        INFO(all_text(diags));
        REQUIRE(diags.size() == 1);
        check_problem(diags[0], path, 0, 0, "", {"cannot open " + path, "No such file"});
        CHECK(diags[0].str() == path + ": cannot open " + path + ": No such file or directory");
    }

    // ---------------------------------------------------------------------------------------------
    // Malformed files: extends.

    TEST_CASE("loader: extends naming a missing file points at the extends line") {
        check_malformed("extends-missing-file.toml", 3, 11, "extends",
                        {"cannot open " + kMalformed + "no-such-base.toml", "No such file"});
    }

    TEST_CASE("loader: extends cycle is reported where it closes") {
        const auto diags = problems_of_file(kMalformed + "extends-cycle-a.toml");
        INFO(all_text(diags));
        REQUIRE(diags.size() == 1);
        check_problem(diags[0], kMalformed + "extends-cycle-b.toml", 2, 11, "extends",
                      {"cycle", "extends-cycle-a.toml"});
    }

    TEST_CASE("loader: file extending itself is a cycle") {
        check_malformed("extends-self.toml", 2, 11, "extends", {"cycle", "extends-self.toml"});
    }

    TEST_CASE("loader: extends chain deeper than kMaxExtendsDepth") {
        static_assert(kMaxExtendsDepth == 8, "the extends-too-deep-*.toml chain is 9 files");
        // extends-too-deep-1 .. -8 is kMaxExtendsDepth files: it loads.
        CHECK(problems_of_file(kMalformed + "extends-too-deep-1.toml").empty());
        // One file more is too deep; the link that goes too deep is named.
        const auto diags = problems_of_file(kMalformed + "extends-too-deep-0.toml");
        INFO(all_text(diags));
        REQUIRE(diags.size() == 1);
        check_problem(diags[0], kMalformed + "extends-too-deep-7.toml", 2, 11, "extends",
                      {"more than 8 files in the extends chain"});
    }

    TEST_CASE("loader: syntax error in a base names the base file") {
        const auto diags = problems_of_file(kMalformed + "extends-syntax-error-in-base.toml");
        INFO(all_text(diags));
        REQUIRE(diags.size() == 1);
        check_problem(diags[0], kMalformed + "syntax-error.toml", 5, 9, "", {"TOML syntax"});
    }

    TEST_CASE("loader: problems in a base and in the extending file are both reported with their files") {
        const auto diags = problems_of_file(kMalformed + "extends-error-in-base.toml");
        INFO(all_text(diags));
        REQUIRE(diags.size() == 2);
        check_problem(problem_with_key(diags, "city.capacity"), kMalformed + "base-with-error.toml", 5, 12,
                      "city.capacity", {"expected an integer in [1, 1000]", "found the integer 0"});
        check_problem(problem_with_key(diags, "run.step_days"), kMalformed + "extends-error-in-base.toml", 6,
                      13, "run.step_days", {"expected a number in [1, 366]", "found the number 0.5"});
    }

    TEST_CASE("loader: remove of an entry the base does not have") {
        check_malformed("remove-unknown-entry.toml", 6, 8, "groups.nobody",
                        {"remove = true, but no inherited entry has this name"});
    }

    TEST_CASE("loader: removing an entry still referenced in the base names the base's line") {
        const auto diags = problems_of_file(kMalformed + "remove-referenced-entry.toml");
        INFO(all_text(diags));
        REQUIRE(diags.size() == 1);
        const Diagnostic& d = diags[0];
        CHECK(same_file(d.file, kCompose + "base.toml"));
        CHECK(d.line == 53);
        CHECK(d.column == 10);
        CHECK(d.key == "policies.courses.groups");
        CHECK(contains(d.message, "no groups entry named \"newcomers\""));
    }

    // ---------------------------------------------------------------------------------------------
    // Malformed files: raster layout (diagnostics name the raster file's line).

    TEST_CASE("loader: raster row with too few numbers") {
        const auto diags = problems_of_file(kMalformed + "raster-bad-row.toml");
        INFO(all_text(diags));
        REQUIRE(diags.size() == 1);
        check_problem(diags[0], kMalformed + "raster-bad-row.txt", 3, 1, "city.raster",
                      {"expected 4 numbers on the row, found 3"});
    }

    TEST_CASE("loader: raster number beyond the neighbourhoods counts blank lines") {
        const auto diags = problems_of_file(kMalformed + "raster-bad-number.toml");
        INFO(all_text(diags));
        REQUIRE(diags.size() == 1);
        check_problem(diags[0], kMalformed + "raster-bad-number.txt", 4, 1, "city.raster",
                      {"expected neighbourhood numbers in [1, 2], found 3"});
    }

    TEST_CASE("loader: raster with a word in a row") {
        const auto diags = problems_of_file(kMalformed + "raster-not-a-number.toml");
        INFO(all_text(diags));
        REQUIRE(diags.size() == 1);
        check_problem(diags[0], kMalformed + "raster-not-a-number.txt", 2, 1, "city.raster",
                      {"expected 4 numbers on the row, found a non-number"});
    }

    TEST_CASE("loader: raster with too few rows") {
        const auto diags = problems_of_file(kMalformed + "raster-too-few-rows.toml");
        INFO(all_text(diags));
        REQUIRE(diags.size() == 1);
        check_problem(diags[0], kMalformed + "raster-too-few-rows.txt", 0, 0, "city.raster",
                      {"expected 3 rows, found 2"});
    }

    TEST_CASE("loader: raster file that does not exist") {
        check_malformed("raster-missing-file.toml", 8, 10, "city.raster",
                        {"cannot open " + kMalformed + "no-such-raster.txt"});
    }

    TEST_CASE("loader: raster layout without a raster file") {
        check_malformed("raster-not-named.toml", 7, 10, "city.raster",
                        {"layout = \"raster\" needs a raster file"});
    }

    // ---------------------------------------------------------------------------------------------
    // Every problem at once.

    TEST_CASE("loader: a file with several problems reports all of them in line order") {
        const auto diags = problems_of_file(kMalformed + "several-problems.toml");
        INFO(all_text(diags));
        REQUIRE(diags.size() == 4);
        const std::string file = kMalformed + "several-problems.toml";
        check_problem(diags[0], file, 5, 8, "run.seed", {"found the integer -1"});
        check_problem(diags[1], file, 9, 9, "city.torus", {"expected true or false", "found the integer 1"});
        check_problem(diags[2], file, 10, 1, "city.layot", {"did you mean 'layout'?"});
        check_problem(diags[3], file, 17, 9, "mechanisms.order", {"did you mean \"attitudes\"?"});
        CHECK(diags[0].str() ==
              file + ":5:8: run.seed: expected an integer in [0, 9007199254740991], found the integer -1");
        CHECK(std::is_sorted(diags.begin(), diags.end(),
                             [](const Diagnostic& a, const Diagnostic& b) { return a.line < b.line; }));
    }

    TEST_CASE("loader: Diagnostic str formats file line column key and message") {
        CHECK(Diagnostic{"a.toml", 3, 7, "city.width", "bad"}.str() == "a.toml:3:7: city.width: bad");
        CHECK(Diagnostic{"a.toml", 0, 0, "", "cannot open"}.str() == "a.toml: cannot open");
        CHECK(Diagnostic{"--set", 0, 0, "city.width", "bad"}.str() == "--set: city.width: bad");
        CHECK(Diagnostic{"", 0, 0, "groups", "none"}.str() == "groups: none");
        const ScenarioError e({{"a.toml", 1, 2, "k", "first"}, {"a.toml", 3, 4, "k", "second"}});
        CHECK(std::string(e.what()) == "a.toml:1:2: k: first");
        CHECK(e.diagnostics().size() == 2);
    }

    // ---------------------------------------------------------------------------------------------
    // Text that is not in a file.

    TEST_CASE("loader: text problems are named by the text's name") {
        const std::string text =
            "name = \"t\"\n[city]\nwidth = 5\nhieght = 5\n[[groups]]\nname = \"a\"\nshare = 1.0\n";
        const auto diags = problems_of_text(text, "inline scenario");
        INFO(all_text(diags));
        REQUIRE(diags.size() == 1);
        check_problem(diags[0], "inline scenario", 4, 1, "city.hieght", {"did you mean 'height'?"});
    }

    TEST_CASE("loader: text syntax error gives line and column") {
        const auto diags = problems_of_text("name = \"t\"\n[run]\nsteps = = 3\n", "inline");
        INFO(all_text(diags));
        REQUIRE(diags.size() == 1);
        CHECK(diags[0].file == "inline");
        CHECK(diags[0].line == 3);
        CHECK(diags[0].column > 0);
        CHECK(diags[0].key.empty());
        CHECK(contains(diags[0].message, "TOML syntax"));
    }

    TEST_CASE("loader: text may not extend a file") {
        const auto diags =
            problems_of_text("extends = \"tests/data/scenarios/compose/base.toml\"\nname = \"t\"\n"
                             "[[groups]]\nname = \"a\"\nshare = 1.0\n",
                             "inline");
        INFO(all_text(diags));
        REQUIRE(diags.size() == 1);
        check_problem(diags[0], "inline", 1, 11, "extends", {"not allowed here", "not read from a file"});
    }

    TEST_CASE("loader: text larger than the size limit") {
        const std::string text(kMaxScenarioBytes + 1, '#');
        const auto diags = problems_of_text(text, "huge");
        INFO(all_text(diags));
        REQUIRE(diags.size() == 1);
        CHECK(diags[0].file == "huge");
        CHECK(contains(diags[0].message, "larger than 4 MiB"));
    }

    // ---------------------------------------------------------------------------------------------
    // --set assignments.

    TEST_CASE("loader: set of an unknown key suggests the closest") {
        const auto diags = problems_of_default({"city.widht=100"});
        INFO(all_text(diags));
        REQUIRE(diags.size() == 1);
        check_problem(diags[0], "--set", 0, 0, "city.widht", {"unknown key", "did you mean 'width'?"});
        CHECK(diags[0].str() ==
              "--set: city.widht: unknown key (did you mean 'width'?); 'icsim check --explain "
              "city' lists the keys");
    }

    TEST_CASE("loader: set of a list entry by an unknown name suggests the closest") {
        const auto diags = problems_of_default({"groups.majorty.share=0.5"});
        INFO(all_text(diags));
        REQUIRE(diags.size() == 1);
        check_problem(diags[0], "--set", 0, 0, "groups.majorty",
                      {"no entry of this name", "did you mean 'majority'?"});
    }

    TEST_CASE("loader: set of a list without an entry name") {
        const auto diags = problems_of_default({"groups=1"});
        INFO(all_text(diags));
        REQUIRE(diags.size() == 1);
        check_problem(diags[0], "--set", 0, 0, "groups", {"name an entry: groups.<name>.<key>=value"});
    }

    TEST_CASE("loader: set of a table asks for one of its keys") {
        const auto diags = problems_of_default({"groups.majority.tolerance=0.5"});
        INFO(all_text(diags));
        REQUIRE(diags.size() == 1);
        check_problem(diags[0], "--set", 0, 0, "groups.majority.tolerance",
                      {"is a table", "set one of its keys", "--explain groups.majority.tolerance"});
        const auto city = problems_of_default({"city=5"});
        REQUIRE(city.size() == 1);
        check_problem(city[0], "--set", 0, 0, "city", {"is a table"});
    }

    TEST_CASE("loader: set with a value of the wrong type") {
        const auto diags = problems_of_default({"city.width=wide"});
        INFO(all_text(diags));
        REQUIRE(diags.size() == 1);
        check_problem(diags[0], "--set", 0, 0, "city.width",
                      {"expected an integer in [3, 10000]", "found the string \"wide\""});
    }

    TEST_CASE("loader: set with a value out of range") {
        const auto diags = problems_of_default({"run.steps=-5"});
        INFO(all_text(diags));
        REQUIRE(diags.size() == 1);
        check_problem(diags[0], "--set", 0, 0, "run.steps", {"found the integer -5"});
    }

    TEST_CASE("loader: set of an array of strings with a bare word") {
        const auto diags = problems_of_default({"mechanisms.order=encounters"});
        INFO(all_text(diags));
        REQUIRE(diags.size() == 1);
        check_problem(diags[0], "--set", 0, 0, "mechanisms.order",
                      {"expected an array of strings", "found the string \"encounters\""});
    }

    TEST_CASE("loader: set of an enum with a misspelt bare word") {
        const auto diags = problems_of_default({"city.layout=vornoi"});
        INFO(all_text(diags));
        REQUIRE(diags.size() == 1);
        check_problem(diags[0], "--set", 0, 0, "city.layout",
                      {"found \"vornoi\"", "did you mean \"voronoi\"?"});
    }

    TEST_CASE("loader: set without an equals sign") {
        const auto diags = problems_of_default({"city.width"});
        INFO(all_text(diags));
        REQUIRE(diags.size() == 1);
        check_problem(diags[0], "--set", 0, 0, "", {"'city.width': expected key.path=value"});
        const auto empty_key = problems_of_default({"=3"});
        REQUIRE(empty_key.size() == 1);
        CHECK(contains(empty_key[0].message, "expected key.path=value"));
    }

    TEST_CASE("loader: set problems are all reported and come after the file's problems") {
        const auto diags = problems_of_file(kMalformed + "out-of-range.toml",
                                            {"run.seed=x", "city.capacity=0", "city.width=50"});
        INFO(all_text(diags));
        REQUIRE(diags.size() == 3);
        CHECK(diags[0].file == kMalformed + "out-of-range.toml");
        CHECK(diags[0].key == "city.occupancy");
        CHECK(diags[1].file == "--set");
        CHECK(diags[1].key == "run.seed");
        CHECK(diags[2].file == "--set");
        CHECK(diags[2].key == "city.capacity");
    }

    TEST_CASE("loader: set value that breaks a cross-field rule is caught after merging") {
        // The default's rectangles fill 120 x 120: a narrower grid leaves three outside.
        const auto diags = problems_of_default({"city.width=100"});
        INFO(all_text(diags));
        REQUIRE(diags.size() == 3);
        for (const auto& d : diags)
            CHECK(contains(d.message, "outside the 100 x 120 grid"));
        CHECK(diags[0].key == "city.neighbourhoods.Station");
        CHECK(diags[0].file == "default.toml (built in)");
    }

    // ---------------------------------------------------------------------------------------------
    // Valid input.

    TEST_CASE("loader: the default scenario has the documented figures") {
        const ScenarioConfig s = load_default_scenario();
        CHECK(s.name == "default");
        CHECK(s.source == "default.toml (built in)");
        CHECK(s.steps == 260);
        CHECK(s.step_days == doctest::Approx(7.0));
        CHECK(s.seed == 1);
        CHECK(s.threads == 0);
        CHECK(s.city.grid.width == 120);
        CHECK(s.city.grid.height == 120);
        CHECK(s.city.grid.capacity == 4);
        CHECK_FALSE(s.city.grid.torus);
        CHECK(s.city.occupancy == doctest::Approx(0.88));
        CHECK(s.city.layout == Layout::Rectangles);
        REQUIRE(s.city.groups.size() == 4);
        CHECK(group_names(s) == std::vector<std::string>{"majority", "established", "labour", "newcomers"});
        double shares = 0;
        for (const auto& g : s.city.groups)
            shares += g.share;
        CHECK(shares == doctest::Approx(1.0));
        CHECK(s.city.groups[3].skill.mean == doctest::Approx(0.45));
        CHECK(s.city.groups[0].skill.mean == doctest::Approx(0.5)); // the default
        REQUIRE(s.city.neighbourhoods.size() == 9);
        CHECK(s.city.neighbourhoods[1].name == "Old Town");
        CHECK(s.city.neighbourhoods[8].x1 == 120);
        CHECK(s.city.places.size() == 7);
        CHECK(s.city.places[0].neighbourhood == 0); // Harbour
        CHECK(s.city.organisations.size() == 2);
        CHECK(s.city.organisations[1].kind == OrganisationKind::MigrantLed);
        REQUIRE(s.mechanisms.size() == 15);
        CHECK(s.mechanisms[0].name == "residential_mobility");
        CHECK(s.mechanisms[5].name == "rumours");
        CHECK(s.mechanisms[6].name == "labour_market");
        CHECK(s.mechanisms[9].name == "belonging");
        CHECK(s.mechanisms[10].name == "participation");
        CHECK(s.mechanisms[11].name == "trust");
        CHECK(s.mechanisms[12].name == "organisations");
        CHECK(s.mechanisms[13].name == "diversity_advantage");
        CHECK(s.mechanisms[14].name == "pillars"); // last: reads the others' rows
        CHECK(s.mechanisms[0].params.at("radius") == doctest::Approx(1));
        CHECK(s.mechanisms[0].params.at("move_probability") == doctest::Approx(0.1));
        CHECK(s.policies.empty());
        CHECK(s.output.file == "icsim-out.h5");
        CHECK(s.output.snapshot_every == 4);
        CHECK(s.output.checkpoint_every == 52);
        CHECK(std::all_of(s.icc_scores.begin(), s.icc_scores.end(), [](double v) { return v < 0; }));
    }

    TEST_CASE("loader: a small scenario takes every default") {
        const ScenarioConfig s =
            load_scenario_text("name = \"small\"\n[[groups]]\nname = \"a\"\nshare = 1\n", "small");
        CHECK(s.source == "small");
        CHECK(s.steps == 260);
        CHECK(s.city.grid.width == 120);
        CHECK(s.city.occupancy == doctest::Approx(0.88));
        REQUIRE(s.city.groups.size() == 1);
        CHECK(s.city.groups[0].share == doctest::Approx(1.0));
        CHECK(s.city.groups[0].tolerance == doctest::Approx(0.3));
        CHECK(s.city.groups[0].language.mean == doctest::Approx(1.0));
        CHECK(s.city.neighbourhoods.empty());
        // Every registered mechanism of the default order, in the registry's order.
        size_t in_default = 0;
        for (const MechanismEntry& m : mechanism_registry())
            in_default += m.in_default_order;
        REQUIRE(s.mechanisms.size() == in_default);
        CHECK(s.mechanisms[0].name == "residential_mobility");
        CHECK(s.mechanisms[1].name == "encounters");
        CHECK(s.mechanisms[5].name == "rumours");
        CHECK(s.mechanisms[6].name == "labour_market");
        CHECK(s.mechanisms[7].name == "language_learning");
        CHECK(contains(s.resolved_toml, "share = 1.0\n"));
        check_round_trip(s);
    }

    // The schema (the mechanisms' keys, the default order) is built from the
    // registry: a mechanism registered for a while is in the default order
    // while it is registered and gone from it afterwards, even when the
    // schema was first built during its registration.
    TEST_CASE("loader: the default order follows the registry when a scoped mechanism comes and goes") {
        struct None {};
        static const std::vector<Field<None>> no_fields;
        auto named = [](const ScenarioConfig& s, const std::string& name) {
            return std::any_of(s.mechanisms.begin(), s.mechanisms.end(),
                               [&](const MechanismConfig& m) { return m.name == name; });
        };
        {
            const ScopedMechanism scoped(make_mechanism_entry<None>(
                "test_scoped_order", "a test mechanism that does nothing",
                +[]() -> const std::vector<Field<None>>& { return no_fields; },
                +[](const None&, const World&) -> std::unique_ptr<Mechanism> { return nullptr; }));
            CHECK(named(load_default_scenario({}), "test_scoped_order"));
        }
        CHECK_FALSE(named(load_default_scenario({}), "test_scoped_order"));
        CHECK(named(load_default_scenario({}), "pillars"));
    }

    TEST_CASE("loader: voronoi layout works with any grid size via set") {
        const ScenarioConfig s =
            load_default_scenario({"city.layout=voronoi", "city.width=37", "city.height=5"});
        CHECK(s.city.layout == Layout::Voronoi);
        CHECK(s.city.grid.width == 37);
        CHECK(s.city.grid.height == 5);
        CHECK(s.city.neighbourhoods.size() == 9);
        // The same grid with the default's rectangles does not fit.
        CHECK_FALSE(problems_of_default({"city.width=37", "city.height=5"}).empty());
        // A quoted value works as well as a bare word.
        CHECK(load_default_scenario({"city.layout=\"voronoi\"", "city.width=200"}).city.layout ==
              Layout::Voronoi);
    }

    TEST_CASE("loader: raster layout reads the raster file next to the scenario") {
        const ScenarioConfig s = load_scenario_file("tests/data/scenarios/raster/city.toml");
        CHECK(s.city.layout == Layout::Raster);
        CHECK(s.city.neighbourhoods.size() == 3);
        // Comments and blank lines are skipped; commas separate as well as spaces; 0-based indices.
        CHECK(s.city.raster == std::vector<uint16_t>{0, 0, 1, 2, 2, /**/ 0, 1, 1, 1, 2, /**/ 0, 0, 1, 2, 2});
    }

    TEST_CASE("loader: set changes values of every type") {
        const ScenarioConfig s = load_default_scenario({
            "name=my-run",
            "run.steps=52",
            "run.step_days=1",
            "city.torus=true",
            "groups.majority.share=0.52",
            "groups.established.share=0.28",
            "groups.newcomers.tolerance.sd=0.1",
            "groups.labour.pattern=clustered",
            "groups.labour.home_neighbourhoods=[\"Industrial\", \"Harbour\"]",
            "mechanisms.residential_mobility.radius=3",
            "icc_index.language=40",
            "places.port.cells=[[1, 2], [3, 4]]",
        });
        CHECK(s.name == "my-run");
        CHECK(s.steps == 52);
        CHECK(s.step_days == doctest::Approx(1.0));
        CHECK(s.city.grid.torus);
        CHECK(group(s, "majority").share == doctest::Approx(0.52));
        CHECK(group(s, "established").share == doctest::Approx(0.28));
        CHECK(group(s, "newcomers").tolerance_sd == doctest::Approx(0.1));
        CHECK(group(s, "labour").pattern == InitialPattern::Clustered);
        CHECK(group(s, "labour").home_neighbourhoods == std::vector<int>{7, 0});
        CHECK(s.mechanisms[0].params.at("radius") == doctest::Approx(3));
        CHECK(std::count_if(s.icc_scores.begin(), s.icc_scores.end(), [](double v) { return v >= 0; }) == 1);
        CHECK(s.city.places[0].cells == std::vector<std::pair<int, int>>{{1, 2}, {3, 4}});
        CHECK(contains(s.resolved_toml, "name = \"my-run\"\n"));
        check_round_trip(s);
    }

    TEST_CASE("loader: resolved TOML of the default round-trips") {
        const ScenarioConfig s = load_default_scenario();
        CHECK(contains(s.resolved_toml, "[[city.neighbourhoods]]\nname = \"Old Town\"\n"));
        CHECK(contains(s.resolved_toml, "tolerance = { mean = 0.35, sd = 0.0 }"));
        check_round_trip(s);
    }

    // ---------------------------------------------------------------------------------------------
    // Composition: extends and --set.

    TEST_CASE("loader: extends merges tables key by key and overrides scalars") {
        const ScenarioConfig s = load_scenario_file(kCompose + "child.toml");
        CHECK(s.name == "child");
        CHECK(s.description == "base of the composition tests"); // inherited
        CHECK(s.source == kCompose + "child.toml");
        CHECK(s.steps == 80); // overridden
        CHECK(s.seed == 7);   // inherited from the same table
        CHECK(s.city.grid.width == 20);
        CHECK(s.city.grid.height == 10);
        CHECK(s.city.grid.capacity == 2);
        CHECK(s.city.occupancy == doctest::Approx(0.6));
        CHECK(s.output.snapshot_every == 5);
        REQUIRE(s.mechanisms.size() == 1);
        CHECK(s.mechanisms[0].params.at("radius") == doctest::Approx(3));
        CHECK(s.mechanisms[0].params.at("move_probability") == doctest::Approx(0.2));
    }

    TEST_CASE("loader: extends replaces plain arrays wholesale") {
        const ScenarioConfig child = load_scenario_file(kCompose + "child.toml");
        CHECK(child.output.file == "child.h5");
        const ScenarioConfig grandchild = load_scenario_file(kCompose + "grandchild.toml");
        CHECK(grandchild.mechanisms.empty()); // order = [] replaces ["residential_mobility"]
    }

    TEST_CASE("loader: extends merges list entries by name") {
        const ScenarioConfig s = load_scenario_file(kCompose + "child.toml");
        // Inherited entries keep their order; a new name is appended.
        CHECK(group_names(s) == std::vector<std::string>{"majority", "labour", "newcomers", "students"});
        // Changing one key of an inherited entry keeps the others.
        CHECK(group(s, "labour").share == doctest::Approx(0.2));
        CHECK(group(s, "labour").arrival_rate == doctest::Approx(100.0));
        CHECK(group(s, "majority").tolerance == doctest::Approx(0.4));
        CHECK(group(s, "newcomers").pattern == InitialPattern::Clustered);
        CHECK(group(s, "newcomers").home_neighbourhoods == std::vector<int>{1});
        // A new entry takes defaults for what it does not set, key by key in sub-tables too.
        CHECK(group(s, "students").language.mean == doctest::Approx(1.0));
        CHECK(group(s, "students").language.sd == doctest::Approx(0.2));
        // remove = true drops the inherited policy; the new one is there.
        CHECK(policy_names(s) == std::vector<std::string>{"events"});
        REQUIRE(s.policies.size() == 1);
        CHECK(s.policies[0].neighbourhoods == std::vector<int>{0});
        CHECK(s.policies[0].end == s.steps + 1); // end = -1: to the end of the run
    }

    TEST_CASE("loader: extends chains through two levels") {
        const ScenarioConfig s = load_scenario_file(kCompose + "grandchild.toml");
        CHECK(s.name == "grandchild");
        CHECK(s.steps == 80);
        CHECK(s.seed == 7);
        CHECK(group_names(s) == std::vector<std::string>{"majority", "labour", "newcomers", "students"});
        CHECK(group(s, "majority").tolerance == doctest::Approx(0.1));
        CHECK(group(s, "majority").tolerance_sd == doctest::Approx(0.1));
        CHECK(group(s, "majority").language.mean == doctest::Approx(0.9));
        CHECK(group(s, "labour").share == doctest::Approx(0.2));
    }

    TEST_CASE("loader: set overrides a file's value and applies after merging") {
        const ScenarioConfig s =
            load_scenario_file(kCompose + "child.toml", {"run.steps=30", "groups.newcomers.concentration=0.9",
                                                         "groups.labour.arrival_rate=5"});
        CHECK(s.steps == 30);                                               // child.toml says 80
        CHECK(group(s, "newcomers").concentration == doctest::Approx(0.9)); // entry only in base.toml
        CHECK(group(s, "labour").arrival_rate == doctest::Approx(5.0));     // value only in base.toml
        CHECK(group(s, "labour").share == doctest::Approx(0.2));            // child.toml's value kept
        CHECK(s.policies.at(0).end == 31);                                  // -1 resolved with the set steps
        // An entry the child removed cannot be set; a value the merged shares reject is located at the set.
        const auto removed = problems_of_file(kCompose + "child.toml", {"policies.courses.intensity=0.5"});
        REQUIRE(removed.size() == 1);
        check_problem(removed[0], "--set", 0, 0, "policies.courses", {"no entry of this name"});
        const auto shares = problems_of_file(kCompose + "child.toml", {"groups.majority.share=0.7"});
        REQUIRE(shares.size() == 1);
        check_problem(shares[0], "--set", 0, 0, "groups.*.share", {"shares must sum to 1", "found 1.1"});
    }

    TEST_CASE("loader: set on a file changes the resolved text") {
        const ScenarioConfig s = load_scenario_file(kCompose + "child.toml", {"run.seed=99"});
        CHECK(s.seed == 99);
        CHECK(contains(s.resolved_toml, "seed = 99\n"));
    }

    TEST_CASE("loader: resolved TOML of extending files round-trips without extends or remove") {
        for (const char* file : {"base.toml", "child.toml", "grandchild.toml"}) {
            INFO(file);
            const ScenarioConfig s = load_scenario_file(kCompose + file);
            CHECK_FALSE(contains(s.resolved_toml, "extends"));
            CHECK_FALSE(contains(s.resolved_toml, "remove"));
            check_round_trip(s);
        }
        const ScenarioConfig child = load_scenario_file(kCompose + "child.toml");
        CHECK_FALSE(contains(child.resolved_toml, "name = \"courses\""));
        CHECK(contains(child.resolved_toml, "[[groups]]\nname = \"students\"\nshare = 0.1\n"));
    }

    // Regression tests for loader bugs found by this suite's first version.
    TEST_CASE("loader: a scenario without a top-level name gets the default name") {
        const ScenarioConfig s = load_scenario_text("[[groups]]\nname = \"a\"\nshare = 1.0\n", "t");
        CHECK(s.name == "scenario");
    }

    TEST_CASE("loader: a rejected value does not hide later cross-field problems") {
        const auto d =
            problems_of_text("[run]\nsteps = -1\n[mechanisms]\norder = [\"atitudes\"]\n[[groups]]\n"
                             "name = \"a\"\nshare = 1.0\n",
                             "t");
        REQUIRE(d.size() == 2);
        CHECK(d[0].key == "run.steps");
        CHECK(d[1].key == "mechanisms.order");
    }

    TEST_CASE("loader: remove in a file that extends nothing is an error") {
        const auto d = problems_of_text("[[groups]]\nname = \"a\"\nshare = 1.0\n\n[[groups]]\nname = \"b\"\n"
                                        "remove = true\n",
                                        "t");
        REQUIRE(d.size() == 1);
        CHECK(d[0].key == "groups.b");
        CHECK(d[0].line == 6);
    }

    TEST_CASE("loader: a raster is found next to the file that names it") {
        ScenarioConfig s;
        REQUIRE_NOTHROW(s = load_scenario_file("tests/data/scenarios/compose/raster-from-other-dir.toml"));
        CHECK(s.city.raster.size() == 15);
    }

    TEST_CASE("loader: --set cannot rename or remove entries") {
        for (const char* set : {"groups.majority.name=b", "groups.majority.remove=true"}) {
            CAPTURE(set);
            const auto d = problems_of_default({set});
            REQUIRE(d.size() == 1);
            CHECK(contains(d[0].message, "not with --set"));
        }
    }
}
