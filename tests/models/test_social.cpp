// The social mechanisms together (models/encounters, friendship, attitudes,
// culture, rumours): the population's columns, the invariants of the state
// they keep on a small city, the metrics over it, and bit-identical results
// on any number of threads. Each mechanism's own rules: test_<mechanism>.cpp.
#include <doctest/doctest.h>

#include "social_testlib.hpp"

using namespace icsim;
using namespace icsim::social_test;

TEST_SUITE("unit") {

    // Regression: Population::visit once listed "disposition" twice.
    TEST_CASE("social population: for_each_column visits every checkpoint column once and in order") {
        // Population::for_each_column promises the order of the output
        // schema's checkpoint columns (output/schema.cpp): a checkpoint saves
        // exactly these columns.
        Population pop;
        std::vector<std::string> visited;
        pop.for_each_column([&](const char* name, const auto&) { visited.emplace_back(name); });
        std::vector<std::string> schema;
        for (const auto& c : schema::checkpoint_columns())
            schema.emplace_back(c.name);
        auto join = [](const std::vector<std::string>& v) {
            std::string s;
            for (const auto& x : v)
                s += x + " ";
            return s;
        };
        INFO("visited: " << join(visited));
        INFO("schema:  " << join(schema));
        CHECK(visited == schema);
        std::vector<std::string> sorted = visited;
        std::sort(sorted.begin(), sorted.end());
        CHECK(std::adjacent_find(sorted.begin(), sorted.end()) == sorted.end()); // no column twice
    }

    TEST_CASE("social population: resize_state fills the defaults of an untouched resident") {
        // build_world leaves every social column at its default: no
        // workplace, no ties, culture 0, every rumour ignorant, no contact.
        World w = strip_world(3);
        for (size_t r = 0; r < 3; ++r) {
            CHECK(w.pop.workplace[r] == kNoPlace);
            CHECK(contact_positive(w.pop)[r] == 0.0f);
            CHECK(contact_negative(w.pop)[r] == 0.0f);
            CHECK(cultures(w.pop)[r] == 0u);
            CHECK(rumour_states(w.pop)[r] == 0);
            for (size_t k = 0; k < kTieSlots; ++k) {
                CHECK(tie_columns(w.pop).id[k][r] == kNoResident);
                CHECK(tie_columns(w.pop).strength[k][r] == 0);
            }
        }
        // every column has one row per resident
        w.pop.for_each_column([&](const char* name, const auto& col) {
            CAPTURE(name);
            CHECK(col.size() == 3);
        });
    }

    TEST_CASE("social rng: hash_draw is a pure function of its key and spreads its outputs") {
        const uint64_t a = hash_draw(5, Stream::Meetings, 3, 10, 2);
        CHECK(hash_draw(5, Stream::Meetings, 3, 10, 2) == a);
        CHECK(hash_draw(6, Stream::Meetings, 3, 10, 2) != a);
        CHECK(hash_draw(5, Stream::Culture, 3, 10, 2) != a);
        CHECK(hash_draw(5, Stream::Meetings, 4, 10, 2) != a);
        CHECK(hash_draw(5, Stream::Meetings, 3, 11, 2) != a);
        CHECK(hash_draw(5, Stream::Meetings, 3, 10, 3) != a);
        CHECK(hash_draw(5, Stream::Meetings, 3, 2, 10) != a); // not symmetric in (a, b)
        // mean of 100,000 uniforms from each half: 0.5 within 4 standard errors (0.0037)
        double hi = 0, lo = 0;
        const int N = 100000;
        for (int i = 0; i < N; ++i) {
            const uint64_t h = hash_draw(1, Stream::Test, 1, uint32_t(i / 4), uint32_t(i % 4));
            hi += unit_hi(h);
            lo += unit_lo(h);
        }
        CHECK(std::abs(hi / N - 0.5) < 0.0037);
        CHECK(std::abs(lo / N - 0.5) < 0.0037);
    }

} // TEST_SUITE

TEST_SUITE("integration") {

    TEST_CASE("social: the mechanisms keep their invariants on a small city") {
        // Four rumours (targets: groups 1 2 3 1), waves at 2 12 22; 3 cultural
        // features of 6 traits so that bits above F exist; 30 steps.
        ScenarioConfig s = small_city({"mechanisms.rumours.rumours=4", "mechanisms.rumours.first_step=2",
                                       "mechanisms.rumours.every=10", "mechanisms.rumours.seed_share=0.02",
                                       "mechanisms.culture.features=3", "mechanisms.culture.traits=6"});
        Engine engine = build_engine(s);
        const World& w = engine.world();
        REQUIRE(w.products.has(kMeetings));
        REQUIRE(w.products.has(kContactCounts));
        REQUIRE(friend_threshold(w) == 3);
        REQUIRE(w.products.find(kCultureSpec)->features == 3);
        REQUIRE(*w.products.find(kRumourTargets) == std::vector<int>{1, 2, 3, 1});
        {
            const Problems st = check_state(w);
            INFO(st.first);
            CHECK(st.count == 0); // the initial state too
        }
        double meetings = 0, made = 0, copies = 0, believers = 0, friend_meetings = 0;
        for (int k = 0; k < 30; ++k) {
            const std::vector<uint32_t> culture0 = cultures(w.pop);
            const std::vector<uint8_t> rumour0 = rumour_states(w.pop);
            engine.step();
            CAPTURE(engine.steps_done());
            REQUIRE(place_meetings(w).step == engine.steps_done());
            const Problems mt = check_meetings(w, culture0, rumour0);
            const Problems ti = check_ties(w);
            const Problems st = check_state(w);
            INFO(mt.first);
            INFO(ti.first);
            INFO(st.first);
            CHECK(mt.count == 0);
            CHECK(ti.count == 0);
            CHECK(st.count == 0);
            const MeetingFigures mf = meeting_figures(w);
            CHECK(std::isfinite(mf.intergroup_meeting_share));
            CHECK(mf.intergroup_meeting_share > 0);
            CHECK(mf.intergroup_meeting_share < 1);
            CHECK(std::isfinite(mf.contact_ratio));
            CHECK(mf.contact_ratio > 0);
            CHECK(std::isfinite(culture_figures(w).cultural_diversity));
            CHECK(std::isfinite(rumour_figures(w).rumour_belief));
            const Counters c = engine.counters();
            meetings += counter(c, "meetings");
            made += counter(c, "friendships_made");
            copies += counter(c, "trait_copies");
            believers += counter(c, "new_believers");
            const size_t T = place_meetings(w).slots;
            for (size_t r = 0; r < w.pop.size(); ++r)
                for (size_t j = T; j < T + kTieSlots; ++j)
                    friend_meetings += meeting_at(w, r, j).partner != kNoResident;
        }
        // The checks above mean something only if all of this happened.
        CHECK(meetings > 10000);
        CHECK(made > 0);
        CHECK(friend_meetings > 0);
        CHECK(copies > 0);
        CHECK(believers > 0);
    }

    // The metrics sum per group and per neighbourhood in runs and in
    // interleaved copies (output/report.cpp); a plain count over residents
    // must give the same figures (prejudice: up to the order of the sums).
    TEST_CASE("social metrics: group and neighbourhood figures match a plain count over residents") {
        Engine engine = build_engine(small_city());
        const World& w = engine.world();
        for (int k = 0; k < 6; ++k)
            engine.step();
        const size_t G = size_t(w.group_total()), H = size_t(w.hoods.count()), n = w.pop.size();
        REQUIRE(H > 1);
        std::vector<double> g_n(G), g_p(G), g_f(G), h_n(H), h_p(H), h_f(H);
        const uint8_t thr = friend_threshold(w);
        REQUIRE(thr > 0);
        for (size_t r = 0; r < n; ++r) {
            const size_t g = w.pop.group[r], h = w.hood[r];
            const double f = outgroup_friends(tie_columns(w.pop), r, thr) != 0 ? 1 : 0;
            g_n[g] += 1;
            g_p[g] += w.pop.prejudice[r];
            g_f[g] += f;
            h_n[h] += 1;
            h_p[h] += w.pop.prejudice[r];
            h_f[h] += f;
        }
        const PrejudiceMetrics m = prejudice_metrics(w);
        const FriendFigures ff = friend_figures(w);
        REQUIRE(m.prejudice_mean.size() == G);
        REQUIRE(m.hood_prejudice.size() == H);
        double friends = 0;
        for (size_t g = 0; g < G; ++g) {
            REQUIRE(g_n[g] > 0);
            CHECK(m.prejudice_mean[g] == doctest::Approx(g_p[g] / g_n[g]).epsilon(1e-12));
            CHECK(ff.outgroup_friend_share[g] == g_f[g] / g_n[g]);
            friends += g_f[g];
        }
        CHECK(friends > 0); // the friend shares are tested only if there are friends
        for (size_t h = 0; h < H; ++h) {
            CAPTURE(h);
            if (h_n[h] == 0) {
                CHECK(std::isnan(m.hood_prejudice[h]));
                continue;
            }
            CHECK(m.hood_prejudice[h] == doctest::Approx(h_p[h] / h_n[h]).epsilon(1e-12));
            CHECK(ff.hood_outgroup_friend_share[h] == h_f[h] / h_n[h]);
        }
    }

    TEST_CASE("social: the mechanisms are bit-identical on 1 / 2 and 8 threads") {
        // All six mechanisms on a 60 x 60 city for 40 steps, with an ICC
        // baseline so that anti-rumour agents, mediation and the place levers
        // are in force, and rumour waves at 3 13 23 33.
        const std::vector<std::string> o = {
            "city.layout=voronoi",
            "city.width=60",
            "city.height=60",
            "icc_index.media_and_communication=70",
            "icc_index.anti_discrimination=50",
            "icc_index.mediation_and_conflict_resolution=60",
            "icc_index.public_space=50",
            "icc_index.cultural_and_social_life=40",
            "icc_index.education=50",
            "mechanisms.rumours.rumours=2",
            "mechanisms.rumours.first_step=3",
            "mechanisms.rumours.every=10",
            "mechanisms.rumours.seed_share=0.01",
            "mechanisms.rumours.agent_share=0.05",
            "mechanisms.encounters.meetings_per_visit=2",
        };
        struct Run {
            std::vector<std::pair<std::string, std::vector<unsigned char>>> columns;
            std::vector<std::string> counter_names;
            std::vector<double> counters; // every counter of every step
            std::vector<double> metrics;  // a few social metrics at the end
            BigVector<Encounters::Meeting> today;
            BigVector<TieMeetings> ties;
        };
        auto run = [&](int threads) {
            Run out;
            oneapi::tbb::task_arena arena(threads);
            arena.execute([&] {
                Engine engine = build_engine(load_default_scenario(o));
                for (int k = 0; k < 40; ++k) {
                    engine.step();
                    for (const auto& [name, value] : engine.counters()) {
                        if (k == 0)
                            out.counter_names.push_back(name);
                        out.counters.push_back(value);
                    }
                }
                engine.world().pop.for_each_column([&](const char* name, const auto& col) {
                    std::vector<unsigned char> bytes(col.size() * sizeof(col[0]));
                    if (!bytes.empty())
                        std::memcpy(bytes.data(), col.data(), bytes.size());
                    out.columns.emplace_back(name, std::move(bytes));
                });
                const World& ew = engine.world();
                const MeetingFigures mf = meeting_figures(ew);
                const RumourFigures rf = rumour_figures(ew);
                out.metrics = {mf.intergroup_meeting_share,
                               mf.contact_ratio,
                               attitude_figures(ew).contact_prejudice_correlation,
                               culture_figures(ew).cultural_diversity,
                               rf.rumour_belief,
                               rf.rumour_never_heard};
                out.today = place_meetings(engine.world()).slot;
                out.ties = friends_meetings(engine.world()).ties;
            });
            return out;
        };
        const oneapi::tbb::global_control allow(oneapi::tbb::global_control::max_allowed_parallelism, 8);
        const Run one = run(1);
        // The comparison means something only if everything happened.
        auto total = [&](const Run& r, const std::string& name) {
            double t = 0;
            const size_t C = r.counter_names.size();
            for (size_t i = 0; i < r.counters.size(); ++i)
                if (r.counter_names[i % C] == name)
                    t += r.counters[i];
            return t;
        };
        CHECK(total(one, "meetings") > 100000);
        CHECK(total(one, "positive_contacts") > 1000);
        CHECK(total(one, "negative_contacts") > 100);
        CHECK(total(one, "friendships_made") > 100);
        CHECK(total(one, "trait_copies") > 1000);
        CHECK(total(one, "new_believers") > 100);
        CHECK(total(one, "debunks") > 0);
        CHECK(total(one, "moves") > 100);
        std::vector<std::string> names;
        for (const auto& c : one.columns)
            names.push_back(c.first);
        for (const char* name :
             {"prejudice", "workplace", "contact_positive", "tie_0", "tie_strength_3", "culture", "rumour"})
            CHECK(std::find(names.begin(), names.end(), name) != names.end());
        for (int threads : {2, 8}) {
            CAPTURE(threads);
            const Run many = run(threads);
            REQUIRE(many.columns.size() == one.columns.size());
            for (size_t c = 0; c < one.columns.size(); ++c) {
                CAPTURE(one.columns[c].first);
                CHECK(many.columns[c].first == one.columns[c].first);
                REQUIRE(many.columns[c].second.size() == one.columns[c].second.size());
                CHECK(std::memcmp(many.columns[c].second.data(), one.columns[c].second.data(),
                                  one.columns[c].second.size()) == 0);
            }
            CHECK(many.counter_names == one.counter_names);
            REQUIRE(many.counters.size() == one.counters.size());
            CHECK(std::memcmp(many.counters.data(), one.counters.data(),
                              one.counters.size() * sizeof(double)) == 0);
            REQUIRE(many.metrics.size() == one.metrics.size());
            CHECK(std::memcmp(many.metrics.data(), one.metrics.data(), one.metrics.size() * sizeof(double)) ==
                  0);
            REQUIRE(many.today.size() == one.today.size());
            bool same_meetings = true;
            for (size_t i = 0; i < one.today.size(); ++i) {
                const auto &a = one.today[i], &b = many.today[i];
                same_meetings &= a.partner == b.partner && a.info == b.info && a.rumour == b.rumour;
            }
            CHECK(same_meetings);
            REQUIRE(many.ties.size() == one.ties.size());
            CHECK(std::memcmp(many.ties.data(), one.ties.data(), one.ties.size() * sizeof(one.ties[0])) == 0);
        }
    }

} // TEST_SUITE
