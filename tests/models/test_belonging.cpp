// Belonging and discrimination experienced (models/belonging.cpp,
// docs/model/belonging.md): discrimination decays, rejections another
// mechanism adds lower belonging, years advance; the three mechanisms are
// bit-identical on 1 and 2 threads and after a resume from a checkpoint.
#include <doctest/doctest.h>

#include "tests/temp_dir.hpp"

#include <cmath>
#include <filesystem>
#include <string>
#include <unistd.h>
#include <vector>

#include <oneapi/tbb/task_arena.h>

#include "models/registry.hpp"
#include "output/reader.hpp"
#include "scenarios/loader.hpp"
#include "scenarios/scenario.hpp"
#include "session/session.hpp"
#include "social_testlib.hpp"

using namespace icsim;
using namespace icsim::social_test;

namespace {

const std::string kLevers =
    "[[policies]]\nname = \"mentors\"\nlever = \"welcoming\"\nstart = 0\n"
    "intensity = 1.0\n\n[[policies]]\nname = \"courses\"\nlever = \"language_courses\"\n"
    "start = 0\nintensity = 1.0\n";

// A labour market's part, as a test: one rejection attributed to
// discrimination a step for every resident with an even id, added to the
// declared column as docs/model/belonging.md says.
class Rejections final : public Mechanism {
public:
    Rejections() : d_(column_handle<float>("discrimination")) {}
    void step(World& w, const StepContext&) override {
        auto& d = w.pop.column(d_);
        for (size_t r = 0; r < w.pop.size(); r += 2)
            d[r] += 1.0f;
    }

private:
    ColumnHandle<float> d_;
};

struct NoParams {};
const std::vector<Field<NoParams>>& no_fields() {
    static const std::vector<Field<NoParams>> f;
    return f;
}

MechanismEntry rejections_entry() {
    return make_mechanism_entry<NoParams>("test_rejections", "a test mechanism: rejections for even ids",
                                          &no_fields,
                                          [](const NoParams&, const World&) -> std::unique_ptr<Mechanism> {
                                              return std::make_unique<Rejections>();
                                          });
}

// The default mechanisms, with test_rejections (when `with`) just before belonging.
ScenarioConfig city(bool with) {
    ScenarioConfig s = small_city();
    std::erase_if(s.mechanisms, [](const MechanismConfig& m) { return m.name == "test_rejections"; });
    if (with)
        for (size_t k = 0; k < s.mechanisms.size(); ++k)
            if (s.mechanisms[k].name == "belonging") {
                s.mechanisms.insert(s.mechanisms.begin() + ptrdiff_t(k),
                                    MechanismConfig{"test_rejections", {}});
                break;
            }
    return s;
}

using icsim::testing::TempDir;

struct Columns {
    std::vector<float> belonging, discrimination, years, language;
    std::vector<uint32_t> mentor;
    std::vector<uint8_t> left;
    bool operator==(const Columns&) const = default;
};

Columns columns_of(const Population& p) {
    return {p.column(column_handle<float>("belonging")),     p.column(column_handle<float>("discrimination")),
            p.column(column_handle<float>("years_in_city")), p.language,
            p.column(column_handle<uint32_t>("mentor")),     p.column(column_handle<uint8_t>("course_left"))};
}

} // namespace

TEST_SUITE("integration") {
    TEST_CASE("belonging: rejections added by another mechanism lower belonging, and only theirs") {
        // The scenario schema is built once, from the registry of its first
        // use: built here, before the test mechanism is registered, it does
        // not list it (and later tests in this process are not affected).
        (void)small_city();
        const ScopedMechanism registered(rejections_entry());
        Engine with = build_engine(city(true)), without = build_engine(city(false));
        for (int k = 0; k < 20; ++k) {
            with.step();
            without.step();
        }
        const auto b = column_handle<float>("belonging"), d = column_handle<float>("discrimination");
        const Population &a = with.world().pop, &o = without.world().pop;
        double fell = 0;
        size_t even = 0;
        for (size_t r = 0; r < a.size(); ++r)
            if (r % 2 == 0) {
                CHECK(a.column(d)[r] > o.column(d)[r]);
                CHECK(a.column(b)[r] <= o.column(b)[r]);
                fell += o.column(b)[r] - a.column(b)[r];
                ++even;
            } else { // belonging feeds no other mechanism: the others are untouched
                CHECK(a.column(b)[r] == o.column(b)[r]);
                CHECK(a.column(d)[r] == o.column(d)[r]);
            }
        CHECK(fell / double(even) > 0.05);
    }

    TEST_CASE("belonging: discrimination decays by the half-life and years advance by the step") {
        // (Without labour_market, which adds its discriminatory rejections.)
        ScenarioConfig quiet = small_city({"mechanisms.belonging.contact_weight=0"});
        std::erase_if(quiet.mechanisms, [](const MechanismConfig& m) { return m.name == "labour_market"; });
        Engine engine = build_engine(quiet);
        const auto d = column_handle<float>("discrimination"), y = column_handle<float>("years_in_city");
        // Nothing adds discrimination at contact_weight 0: it stays 0.
        const std::vector<float> years0 = engine.world().pop.column(y);
        for (int k = 0; k < 5; ++k)
            engine.step();
        for (float v : engine.world().pop.column(d))
            CHECK(v == 0.0f);
        for (size_t r = 0; r < years0.size(); r += 97)
            CHECK(engine.world().pop.column(y)[r] ==
                  doctest::Approx(years0[r] + 5 * 7 / 365.25).epsilon(1e-5));

        // With negative contacts counted, discrimination is positive somewhere
        // and a step without contact halves it in half_life steps.
        Engine felt = build_engine(small_city({"mechanisms.belonging.half_life=1"}));
        for (int k = 0; k < 5; ++k)
            felt.step();
        double total = 0;
        for (float v : felt.world().pop.column(d))
            total += v;
        CHECK(total > 0);
    }

    TEST_CASE("belonging: welcoming, courses and belonging are the same on 1 and 2 threads") {
        const ScenarioConfig s = small_city_with_policy(kLevers, {});
        auto run = [&](int threads) {
            Columns out;
            oneapi::tbb::task_arena arena(threads);
            arena.execute([&] {
                Engine engine = build_engine(s);
                for (int k = 0; k < 15; ++k)
                    engine.step();
                out = columns_of(engine.world().pop);
            });
            return out;
        };
        const Columns one = run(1), two = run(2);
        CHECK(one == two);
        size_t mentors = 0, enrolled = 0;
        for (size_t r = 0; r < one.mentor.size(); ++r) {
            mentors += one.mentor[r] != kNoResident;
            enrolled += one.left[r] != 0;
        }
        CHECK(mentors > 0);
        CHECK(enrolled > 0);
    }

    TEST_CASE("belonging: a run resumed from a checkpoint ends where the straight run ends") {
        const TempDir dir("belonging");
        ScenarioConfig s = small_city_with_policy(kLevers, {"run.steps=12", "output.checkpoint_every=5"});
        const std::string straight = dir.file("straight.h5"), resumed = dir.file("resumed.h5");
        {
            RunSession run(s);
            run.open_output(output_to(straight));
            REQUIRE(run.run_until(run.steps()) == StopReason::Done);
            REQUIRE(run.finish().complete);
        }
        {
            RunSession run = RunSession::fork(s, straight, 5);
            run.open_output(output_to(resumed));
            REQUIRE(run.run_until(run.steps()) == StopReason::Done);
            REQUIRE(run.finish().complete);
        }
        const RunFile a(straight), b(resumed);
        REQUIRE(a.checkpoint_steps() == b.checkpoint_steps());
        const size_t last = a.checkpoint_steps().size() - 1;
        CHECK(a.checkpoint_steps().back() == 10);
        CHECK(columns_of(a.read_checkpoint(last).pop) == columns_of(b.read_checkpoint(last).pop));
        for (const char* path : {"/timeseries/belonging_mean", "/timeseries/discrimination_experienced",
                                 "/neighbourhoods/belonging", "/timeseries/course_enrolment",
                                 "/timeseries/mentored_share", "/timeseries/language_mean"}) {
            CAPTURE(path);
            const auto va = a.read_series(path, 0, a.rows()), vb = b.read_series(path, 0, b.rows());
            REQUIRE(va.size() == vb.size());
            for (size_t k = 0; k < va.size(); ++k)
                CHECK((va[k] == vb[k] || (std::isnan(va[k]) && std::isnan(vb[k]))));
            bool some = false;
            for (double v : va)
                some = some || (!std::isnan(v) && v != 0);
            CHECK(some);
        }
    }
}
