// The committed scenario reference and the mechanisms' parameter tables in
// docs/model/*.md must be the ones the schema and the Field tables generate.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "models/registry.hpp"
#include "output/schema.hpp"
#include "scenarios/schema.hpp"

TEST_SUITE("unit") {
    TEST_CASE("docs/scenarios.md is the reference the schema generates") {
        std::ifstream in("docs/scenarios.md");
        REQUIRE_MESSAGE(in.good(), "docs/scenarios.md is missing (tests run from the repository root)");
        std::stringstream committed;
        committed << in.rdbuf();
        const bool same = committed.str() == icsim::scenario::reference_markdown();
        CHECK_MESSAGE(same, "docs/scenarios.md is stale: regenerate it with "
                            "'./build/release/app/icsim check --reference > docs/scenarios.md'");
    }

    TEST_CASE("every schema key explains itself") {
        using icsim::scenario::Key;
        int leaves = 0;
        auto walk = [&](auto&& self, const Key& k, const std::string& path) -> void {
            for (const Key& c : k.children) {
                const std::string p = path.empty() ? c.name : path + "." + c.name;
                CHECK_MESSAGE(!c.text.empty(), p << " has no description");
                CHECK_MESSAGE(icsim::scenario::find_key(p) == &c, p << " is not found by its path");
                CHECK(icsim::scenario::explain(p).find(c.text) != std::string::npos);
                if (c.kind == icsim::scenario::Kind::Table)
                    self(self, c, p);
                else if (c.kind == icsim::scenario::Kind::List)
                    self(self, c, p + ".*");
                else
                    ++leaves;
            }
        };
        walk(walk, icsim::scenario::schema(), "");
        CHECK(leaves > 60);
    }
}

namespace {

// The generated block of `mechanism`'s parameter table in a doc page, or "".
std::string committed_table(const std::string& page, const std::string& mechanism) {
    std::ifstream in(page);
    std::stringstream text;
    text << in.rdbuf();
    const std::string s = text.str();
    const auto begin = s.find(std::string(icsim::scenario::kTableBegin) + mechanism + "`");
    const auto end = s.find(icsim::scenario::kTableEnd, begin);
    if (begin == std::string::npos || end == std::string::npos)
        return "";
    const auto line_end = s.find('\n', end);
    return s.substr(begin, line_end + 1 - begin);
}

// The generated block of docs/model/README.md from its `begin` line to the
// end of its `end` line, or "" when either is missing.
std::string committed_block(const char* begin_line, const char* end_line) {
    std::ifstream in("docs/model/README.md");
    std::stringstream text;
    text << in.rdbuf();
    const std::string s = text.str();
    const auto begin = s.find(begin_line);
    const auto end = s.find(end_line, begin);
    if (begin == std::string::npos || end == std::string::npos)
        return "";
    return s.substr(begin, s.find('\n', end) + 1 - begin);
}

} // namespace

TEST_SUITE("unit") {
    TEST_CASE("docs/model/*.md hold the parameter tables the mechanisms declare") {
        for (const auto& m : icsim::mechanism_registry()) {
            // A mechanism without a page of its own has its table in the overview.
            const std::string page = std::filesystem::exists("docs/model/" + m.name + ".md")
                                         ? "docs/model/" + m.name + ".md"
                                         : "docs/model/README.md";
            CAPTURE(page);
            const std::string expected = icsim::scenario::parameter_table_markdown(m.name);
            REQUIRE(!expected.empty());
            CHECK_MESSAGE(committed_table(page, m.name) == expected,
                          page << " has a stale or missing table of " << m.name
                               << ": paste in the output of './build/release/app/icsim check --parameters "
                               << m.name << "'");
        }
        CHECK(icsim::scenario::parameter_table_markdown("order").empty());
        CHECK(icsim::scenario::parameter_table_markdown("no_such_mechanism").empty());
    }

    TEST_CASE("docs/model/README.md holds the table of the assumptions a sweep should cover") {
        const std::string committed =
            committed_block(icsim::scenario::kAssumptionsBegin, icsim::scenario::kAssumptionsEnd);
        REQUIRE(!committed.empty());
        const std::string expected = icsim::scenario::assumptions_markdown();
        // An assumption with a sweep range is listed; a calibrated one is not.
        CHECK(expected.find("| `diversity_advantage` | `beta` |") != std::string::npos);
        CHECK(expected.find("| `encounters` | `base_log_odds` |") == std::string::npos);
        CHECK_MESSAGE(committed == expected,
                      "docs/model/README.md has a stale table of assumptions: paste in "
                      "the output of './build/release/app/icsim check --assumptions'");
    }

    TEST_CASE("docs/model/README.md holds the table of the mechanisms' declarations") {
        const std::string committed =
            committed_block(icsim::schema::kDeclarationsBegin, icsim::schema::kDeclarationsEnd);
        REQUIRE(!committed.empty());
        const std::string expected = icsim::schema::declarations_markdown();
        CHECK(expected.find("`rumours` | `rumour` (uint8) | `/timeseries/rumour_belief`") !=
              std::string::npos);
        CHECK_MESSAGE(committed == expected, "docs/model/README.md has a stale table of the mechanisms' "
                                             "declarations: paste in the output of "
                                             "'./build/release/app/icsim check --declarations'");
    }

    TEST_CASE("docs/model/README.md holds the table of what each mechanism reads and writes") {
        const std::string committed =
            committed_block(icsim::schema::kReadsWritesBegin, icsim::schema::kReadsWritesEnd);
        REQUIRE(!committed.empty());
        const std::string expected = icsim::schema::reads_writes_markdown();
        // Numbered by the default order; a mechanism left out of it is placed after its predecessor.
        CHECK(expected.find("| 1 | `residential_mobility` |") != std::string::npos);
        CHECK(expected.find("| (after 10) | `migration`, when named |") != std::string::npos);
        for (const auto& m : icsim::mechanism_registry()) {
            CAPTURE(m.name);
            CHECK(!m.reads.empty());
            CHECK(!m.writes.empty());
        }
        CHECK_MESSAGE(committed == expected, "docs/model/README.md has a stale table of what the mechanisms "
                                             "read and write: paste in the output of "
                                             "'./build/release/app/icsim check --reads-writes'");
    }

    TEST_CASE("every mechanism parameter declares its source and a sweep range inside its valid range") {
        size_t swept = 0;
        for (const auto& m : icsim::mechanism_registry())
            for (const auto& p : m.params) {
                CAPTURE(m.name + "." + p.name);
                // Calibrated values name a target, literature values a citation.
                if (p.provenance != icsim::Provenance::Assumption)
                    CHECK(!p.source.empty());
                if (p.sweep.empty())
                    continue;
                ++swept;
                CHECK(p.sweep.min >= p.min);
                CHECK(p.sweep.max <= p.max);
                const icsim::scenario::Key* k =
                    icsim::scenario::find_key("mechanisms." + m.name + "." + p.name);
                REQUIRE(k != nullptr);
                CHECK(icsim::scenario::explain("mechanisms." + m.name + "." + p.name).find("  sweep:    ") !=
                      std::string::npos);
            }
        // The sweepable keys are exactly the parameters with a sweep range, by full path.
        const auto keys = icsim::scenario::sweepable_keys();
        CHECK(keys.size() == swept);
        CHECK(swept > 30);
        for (const auto& k : keys) {
            CAPTURE(k.path);
            CHECK(icsim::scenario::find_key(k.path) == k.key);
            CHECK(!k.key->sweep.empty());
            CHECK(!k.key->unit.empty());
            CHECK(!k.key->text.empty());
        }
    }
}
