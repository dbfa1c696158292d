#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "sim/params.hpp"

using namespace icsim;

namespace {

struct DemoParams {
    int radius = 1;
    double threshold = 0.3;
    bool torus = false;
};

const std::vector<Field<DemoParams>>& demo_fields() {
    static const std::vector<Field<DemoParams>> fields{
        {"radius", &DemoParams::radius, 1, 10, "cells", "neighbourhood radius"},
        {"threshold", &DemoParams::threshold, 0, 1, "share", "wanted share of similar neighbours"},
        {"torus", &DemoParams::torus, 0, 1, "", "wrap the grid"},
    };
    return fields;
}

// The ParamError message of set_param(name, value), or "" if it did not throw.
std::string error_of(const std::string& name, double value, const std::string& prefix = "demo.") {
    DemoParams p;
    try {
        set_param(p, demo_fields(), name, value, prefix);
    } catch (const ParamError& e) {
        return e.what();
    }
    return "";
}

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

} // namespace

TEST_SUITE("unit") {

    TEST_CASE("params: set_param sets each type") {
        DemoParams p;
        set_param(p, demo_fields(), "radius", 4);
        set_param(p, demo_fields(), "threshold", 0.75);
        set_param(p, demo_fields(), "torus", 1);
        CHECK(p.radius == 4);
        CHECK(p.threshold == 0.75);
        CHECK(p.torus);
        // Range ends are inclusive.
        set_param(p, demo_fields(), "radius", 10);
        set_param(p, demo_fields(), "threshold", 0);
        CHECK(p.radius == 10);
        CHECK(p.threshold == 0.0);
    }

    TEST_CASE("params: type and range errors name key / expected and found") {
        // Integer given a fraction.
        const std::string frac = error_of("radius", 2.5);
        CHECK(contains(frac, "demo.radius"));
        CHECK(contains(frac, "expected an integer in [1, 10]"));
        CHECK(contains(frac, "found 2.5"));
        // Integer out of range.
        const std::string big = error_of("radius", 11);
        CHECK(contains(big, "demo.radius"));
        CHECK(contains(big, "found 11"));
        // Real out of range, on either side.
        const std::string high = error_of("threshold", 1.5);
        CHECK(contains(high, "demo.threshold: expected a number in [0, 1], found 1.5"));
        CHECK(contains(error_of("threshold", -0.01), "found -0.01"));
        // Bool given something other than 0/1.
        const std::string flag = error_of("torus", 2);
        CHECK(contains(flag, "demo.torus"));
        CHECK(contains(flag, "expected true or false"));
        CHECK(contains(error_of("torus", 0.5), "expected true or false"));
        // Not finite.
        CHECK(contains(error_of("threshold", std::nan("")), "demo.threshold"));
        CHECK(contains(error_of("threshold", std::numeric_limits<double>::infinity()), "demo.threshold"));
        // A rejected value leaves the parameter unchanged.
        DemoParams p;
        CHECK_THROWS_AS(set_param(p, demo_fields(), "threshold", 2.0), ParamError);
        CHECK(p.threshold == 0.3);
    }

    TEST_CASE("params: unknown key suggests the closest name") {
        const std::string typo = error_of("raduis", 2);
        CHECK(contains(typo, "unknown parameter 'demo.raduis'"));
        CHECK(contains(typo, "did you mean 'demo.radius'?"));
        CHECK(contains(error_of("treshold", 0.5), "did you mean 'demo.threshold'?"));
        // Nothing close: no suggestion.
        const std::string far = error_of("population", 2);
        CHECK(contains(far, "unknown parameter 'demo.population'"));
        CHECK_FALSE(contains(far, "did you mean"));
        CHECK(closest_name("xyz", {"radius", "threshold"}).empty());
    }

    TEST_CASE("params: make_params and describe") {
        const DemoParams p = make_params(demo_fields(), {{"radius", 3}, {"torus", 1}});
        CHECK(p.radius == 3);
        CHECK(p.threshold == 0.3); // default kept
        CHECK(p.torus);
        CHECK_THROWS_AS(make_params(demo_fields(), {{"radius", 0}}), ParamError);

        const auto info = describe(demo_fields());
        REQUIRE(info.size() == 3);
        CHECK(info[0].type == ParamType::Int);
        CHECK(info[0].default_value == 1);
        CHECK(info[1].type == ParamType::Real);
        CHECK(info[1].default_value == 0.3);
        CHECK(info[2].type == ParamType::Bool);
        CHECK(info[2].unit == "");
        CHECK(info[1].description == "wanted share of similar neighbours");
    }

    TEST_CASE("params: parse_assignment") {
        CHECK(parse_assignment("mobility.radius=3") ==
              std::pair<std::string, double>{"mobility.radius", 3.0});
        CHECK(parse_assignment("x=0.25").second == 0.25);
        CHECK(parse_assignment("x=-1e-3").second == -0.001);
        CHECK(parse_assignment("flag=true").second == 1.0);
        CHECK(parse_assignment("flag=false").second == 0.0);
        // Malformed: the message quotes the input and says what was expected.
        for (const std::string bad : {"radius", "=3", "radius=", "radius=abc", "radius=3x", "radius=True"}) {
            CAPTURE(bad);
            try {
                parse_assignment(bad);
                FAIL("expected ParamError");
            } catch (const ParamError& e) {
                CHECK(contains(e.what(), bad));
                CHECK(contains(e.what(), "expected"));
            }
        }
    }

    TEST_CASE("params: format_number") {
        CHECK(format_number(2.5) == "2.5");
        CHECK(format_number(10) == "10");
        CHECK(format_number(0.1) == "0.1");
        CHECK(format_number(1e-12) == "1e-12");
    }

} // TEST_SUITE
