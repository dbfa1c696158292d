// The committed scenario reference must be the one the schema generates.
#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

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
