// icsim-view: replays an icsim run (HDF5) and compares two runs; renders
// headless for screenshots, frame sequences and frame-time benchmarks.
// The only file that touches GLFW. Usage: docs/viewer.md.
#include <algorithm>
#include <cfloat>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#define GLFW_INCLUDE_NONE
#include <GL/gl.h>
#include <GLFW/glfw3.h>
#include <backends/imgui_impl_glfw.h>
#include <backends/imgui_impl_opengl3.h>
#include <imgui.h>
#include <nlohmann/json.hpp>
#include <stb_image_write.h>

#include <oneapi/tbb/global_control.h>

#include "scenarios/loader.hpp"
#include "scenarios/scale.hpp"
#include "sim/clock.hpp"
#include "viz/data.hpp"
#include "viz/live.hpp"
#include "viz/live_panel.hpp"
#include "viz/view.hpp"

namespace {

using Clock = std::chrono::steady_clock;
using icsim::viz::Run;
using icsim::viz::Viewer;

constexpr const char* kUsage =
    "usage: icsim-view RUN.h5 [VARIANT.h5] [--step N] [--view groups|COLUMN|neighbourhoods/SERIES]\n"
    "                 [--chart SERIES]... [--diff-charts] [--group NAME] [--present] [--bookmark "
    "NAME=STEP]... [--size WxH]\n"
    "                 [--screenshot FILE.png [--layout FILE.json]] [--frames DIR [--every K]]\n"
    "                 [--bench [--frames N] --json] [--dump-json [--no-cells]]\n"
    "                 [--follow [--follow-seconds S]]  (RUN.h5.partial being written)\n"
    "       icsim-view --live SCENARIO.toml [--seed N] [--scale F] [--set KEY=VALUE]... [-o RUN.h5] "
    "[--force]\n"
    "                 [--threads N]"
    " [--engine-speed S] [--set-lever NAME=VALUE@STEP]... [view and headless options]\n";

struct Options {
    std::vector<std::string> files;
    long step = -1;
    std::string view, group, screenshot, layout, frames_dir;
    std::vector<std::string> charts;
    bool diff_charts = false, present = false, bench = false, json = false, dump = false, cells = true;
    int width = 1280, height = 720;
    long every = 1, frames = 120;
    std::vector<std::pair<std::string, long>> bookmarks;
    bool follow = false;
    double follow_seconds = 0; // headless: follow this long before the screenshot
    // Live mode: the scenario run on a background thread.
    std::string live, output;
    std::optional<uint64_t> seed;
    std::optional<double> scale;
    bool force = false;
    int threads = 1;
    double engine_speed = 0;
    std::vector<std::string> set_levers, sets;
    std::string command_line;
};

[[noreturn]] void bad(const std::string& msg) {
    std::cerr << "icsim-view: " << msg << "\n" << kUsage;
    std::exit(2);
}

long number(const std::string& opt, const std::string& v) {
    try {
        size_t used = 0;
        const long n = std::stol(v, &used);
        if (used != v.size() || n < 0)
            throw std::invalid_argument(v);
        return n;
    } catch (const std::exception&) {
        bad(opt + " expects a whole number >= 0, got '" + v + "'");
    }
}

Options parse(int argc, char** argv) {
    Options o;
    std::string frames_arg;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto val = [&]() -> std::string {
            if (i + 1 >= argc)
                bad(a + " expects a value");
            return argv[++i];
        };
        if (a == "--step")
            o.step = number(a, val());
        else if (a == "--view")
            o.view = val();
        else if (a == "--chart")
            o.charts.push_back(val());
        else if (a == "--diff-charts")
            o.diff_charts = true;
        else if (a == "--group")
            o.group = val();
        else if (a == "--present")
            o.present = true;
        else if (a == "--size") {
            const std::string v = val();
            int w = 0, h = 0;
            char x = 0;
            if (std::sscanf(v.c_str(), "%d%c%d", &w, &x, &h) != 3 || x != 'x' || w < 320 || h < 240 ||
                w > 8192 || h > 8192)
                bad("--size expects WxH (320x240 to 8192x8192), got '" + v + "'");
            o.width = w;
            o.height = h;
        } else if (a == "--screenshot")
            o.screenshot = val();
        else if (a == "--layout")
            o.layout = val();
        else if (a == "--frames")
            frames_arg = val();
        else if (a == "--every")
            o.every = std::max(1L, number(a, val()));
        else if (a == "--bench")
            o.bench = true;
        else if (a == "--json")
            o.json = true;
        else if (a == "--dump-json")
            o.dump = true;
        else if (a == "--bookmark") {
            const std::string v = val();
            const auto eq = v.rfind('=');
            if (eq == std::string::npos || eq == 0)
                bad("--bookmark expects NAME=STEP, got '" + v + "'");
            o.bookmarks.emplace_back(v.substr(0, eq), number("--bookmark", v.substr(eq + 1)));
        } else if (a == "--follow")
            o.follow = true;
        else if (a == "--follow-seconds") {
            o.follow = true;
            o.follow_seconds = double(number(a, val()));
        } else if (a == "--live")
            o.live = val();
        else if (a == "--seed")
            o.seed = uint64_t(number(a, val()));
        else if (a == "--scale") {
            const std::string v = val();
            try {
                size_t used = 0;
                o.scale = std::stod(v, &used);
                if (used != v.size() || !(*o.scale > 0))
                    throw std::invalid_argument(v);
            } catch (const std::exception&) {
                bad("--scale expects a number > 0, got '" + v + "'");
            }
        } else if (a == "-o" || a == "--output")
            o.output = val();
        else if (a == "--force")
            o.force = true;
        else if (a == "--threads")
            o.threads = int(std::max(1L, number(a, val())));
        else if (a == "--engine-speed") {
            const std::string v = val();
            try {
                size_t used = 0;
                o.engine_speed = std::stod(v, &used);
                if (used != v.size() || !(o.engine_speed >= 0))
                    throw std::invalid_argument(v);
            } catch (const std::exception&) {
                bad("--engine-speed expects steps per second >= 0 (0 = as fast as possible), got '" + v +
                    "'");
            }
        } else if (a == "--set")
            o.sets.push_back(val());
        else if (a == "--set-lever")
            o.set_levers.push_back(val());
        else if (a == "--no-cells")
            o.cells = false;
        else if (a == "--help" || a == "-h") {
            std::cout << kUsage;
            std::exit(0);
        } else if (a.rfind("--", 0) == 0)
            bad("unknown option " + a);
        else
            o.files.push_back(a);
    }
    if (!frames_arg.empty()) {
        if (o.bench)
            o.frames = std::max(1L, number("--frames", frames_arg));
        else
            o.frames_dir = frames_arg;
    }
    for (int i = 0; i < argc; ++i)
        o.command_line += (i == 0 ? "" : " ") + std::string(argv[i]);
    if (!o.live.empty()) {
        if (!o.files.empty())
            bad("--live runs a scenario: no run file goes with it (-o names the output)");
        if (!o.frames_dir.empty() || o.dump || o.follow)
            bad("--live does not go with --frames, --dump-json or --follow");
        return o;
    }
    if (o.seed || o.scale || !o.output.empty() || o.force || !o.set_levers.empty() || !o.sets.empty())
        bad("--seed, --scale, --set, -o, --force and --set-lever go with --live");
    if (o.files.empty() || o.files.size() > 2)
        bad("expects one run (replay) or two (base and variant to compare)");
    if (o.follow && o.files.size() != 1)
        bad("--follow follows one run");
    if (o.json && !o.bench)
        bad("--json goes with --bench");
    return o;
}

void load_font(float zoom) {
    ImGuiIO& io = ImGui::GetIO();
    io.Fonts->Clear();
    const char* path = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";
    // Re-rasterised at the zoomed size, not a bitmap scale.
    if (std::filesystem::exists(path))
        io.Fonts->AddFontFromFileTTF(path, std::floor(15.0f * zoom));
    else
        io.Fonts->AddFontDefault();
    ImGui::GetStyle() = ImGuiStyle();
    ImGui::StyleColorsDark();
    ImGui::GetStyle().ScaleAllSizes(zoom);
}

// CPU time of the whole process (llvmpipe's threads included): a frame's
// work, whatever else the machine runs.
double cpu_now_ms() {
    return 1e3 * icsim::process_cpu_seconds();
}

// Reads the back buffer (before the swap) into a PNG, written under a
// temporary name and renamed, so no half-written file has the final name.
bool save_png(const std::string& path, int w, int h) {
    std::vector<unsigned char> px(size_t(w) * size_t(h) * 4);
    glPixelStorei(GL_PACK_ALIGNMENT, 1);
    glReadBuffer(GL_BACK);
    glReadPixels(0, 0, w, h, GL_RGBA, GL_UNSIGNED_BYTE, px.data());
    for (size_t i = 3; i < px.size(); i += 4)
        px[i] = 255;
    stbi_flip_vertically_on_write(1);
    const std::string tmp = path + ".tmp";
    if (stbi_write_png(tmp.c_str(), w, h, 4, px.data(), w * 4) == 0)
        return false;
    std::error_code ec;
    std::filesystem::rename(tmp, path, ec);
    return !ec;
}

void write_layout(const std::string& path, const Viewer& v) {
    nlohmann::json j = nlohmann::json::array();
    for (const auto& p : v.placements())
        j.push_back({{"name", p.name},
                     {"x0", p.x0},
                     {"y0", p.y0},
                     {"x1", p.x1},
                     {"y1", p.y1},
                     {"cx0", p.cx0},
                     {"cy0", p.cy0},
                     {"cx1", p.cx1},
                     {"cy1", p.cy1}});
    nlohmann::json out = {{"maps", j}, {"step", v.step()}};
    std::ofstream(path + ".tmp") << out.dump(1) << "\n";
    std::filesystem::rename(path + ".tmp", path);
}

bool exists(const std::string& path) {
    std::error_code ec;
    return std::filesystem::exists(path, ec);
}

// Live mode: the scenario loaded as `icsim run` loads it (--seed and
// --scale as --set assignments, so that the recorded scenario text is what
// ran), the output named, and the engine started. Bad input: one line on
// stderr and exit 2, before any window opens.
std::unique_ptr<icsim::viz::LiveRunner> start_live(const Options& o) {
    using namespace icsim;
    auto fail = [](const std::string& msg, int code) {
        std::cerr << "icsim-view: " << msg << "\n";
        std::exit(code);
    };
    std::vector<std::string> sets = o.sets;
    if (o.seed)
        sets.push_back("run.seed=" + std::to_string(*o.seed));
    auto load = [&] {
        try {
            return load_scenario_file(o.live, sets);
        } catch (const ScenarioError& e) {
            const auto& d = e.diagnostics();
            fail(d.empty() ? e.what() : d.back().str(), 2);
        }
        return ScenarioConfig();
    };
    ScenarioConfig scenario = load();
    if (o.scale) {
        try {
            const auto scaled = scale_assignments(scenario, *o.scale);
            sets.insert(sets.end(), scaled.begin(), scaled.end());
        } catch (const std::invalid_argument& e) {
            fail(std::string("--scale: ") + e.what(), 2);
        }
        scenario = load();
    }
    viz::LiveOptions lo;
    for (const auto& text : o.set_levers)
        try {
            lo.script.push_back(viz::parse_lever_change(text));
        } catch (const SessionError& e) {
            fail(e.what(), 2);
        }
    // The output: -o, else the scenario's output.file, where `icsim run`
    // would write it; when that name is taken (a file or an unfinished
    // run), the first free NAME-2.h5, NAME-3.h5, ... (shown in the window).
    std::string path = o.output;
    if (!path.empty()) {
        if ((exists(path) || exists(path + ".partial")) && !o.force)
            fail(path + " (or its .partial) exists; use --force to overwrite it (or -o to write elsewhere)",
                 2);
    } else {
        path = scenario.output.file;
        const std::filesystem::path p(path);
        for (int k = 2; exists(path) || exists(path + ".partial"); ++k)
            path = (p.parent_path() / (p.stem().string() + "-" + std::to_string(k) + p.extension().string()))
                       .string();
    }
    lo.scenario = std::move(scenario);
    lo.output = output_to(path);
    lo.output.overwrite = o.force;
    lo.output.icsim_version = "0.1.0";
    lo.output.command_line = o.command_line;
    lo.output.threads = o.threads;
    lo.speed = o.engine_speed;
    // Headless: run to the step (the last one without --step), commit it,
    // then render.
    if (o.step > int64_t(lo.scenario.steps))
        fail("--step " + std::to_string(o.step) + " is beyond the scenario's last step " +
                 std::to_string(lo.scenario.steps),
             2);
    if (!o.screenshot.empty())
        lo.pause_at = o.step >= 0 ? uint32_t(o.step) : lo.scenario.steps;
    try {
        return std::make_unique<viz::LiveRunner>(std::move(lo));
    } catch (const SessionError& e) {
        fail(e.what(), 2);
    } catch (const std::exception& e) {
        fail(e.what(), 1);
    }
    return nullptr;
}

} // namespace

int main(int argc, char** argv) {
    const auto t_start = Clock::now();
    Options o = parse(argc, argv);
    const bool headless = o.bench || !o.screenshot.empty() || !o.frames_dir.empty();

    // Live mode: the engine on a background thread, given --threads cores
    // (default 1: the viewer and llvmpipe keep the rest); the window
    // follows the file it writes.
    std::optional<oneapi::tbb::global_control> engine_threads;
    std::unique_ptr<icsim::viz::LiveRunner> live;
    icsim::viz::LivePanel panel;
    if (!o.live.empty()) {
        engine_threads.emplace(oneapi::tbb::global_control::max_allowed_parallelism, size_t(o.threads));
        live = start_live(o);
        panel.runner = live.get();
        o.files = {live->working_path()};
        o.follow = true;
    }
    const int64_t live_target = live && !o.screenshot.empty() ? (o.step >= 0 ? o.step : live->steps()) : -1;

    std::vector<std::unique_ptr<Run>> runs;
    std::string error;
    try {
        for (const auto& f : o.files)
            runs.push_back(std::make_unique<Run>(f));
    } catch (const std::exception& e) {
        error = e.what();
        runs.clear();
    }
    if (o.dump) {
        if (!error.empty()) {
            std::cerr << "icsim-view: " << error << "\n";
            return 2;
        }
        try {
            std::cout << icsim::viz::dump_json(*runs[0], o.cells) << "\n";
        } catch (const std::exception& e) {
            std::cerr << "icsim-view: " << e.what() << "\n";
            return 2;
        }
        return 0;
    }
    const double open_ms = std::chrono::duration<double, std::milli>(Clock::now() - t_start).count();

    auto vp = std::make_unique<Viewer>(std::move(runs), error);
    // Options that name series, steps and bookmarks: checked against the
    // file (live mode: against its first reading; again after a reset).
    auto configure = [&](Viewer& viewer) {
        if (o.follow)
            viewer.follow(o.files[0]);
        if (live)
            viewer.set_extra_panel([&](const Viewer& v) { panel.draw(v); });
        if (viewer.error().empty()) {
            if (!o.view.empty() && !viewer.set_view(o.view))
                bad("--view: no colouring '" + o.view +
                    "' (groups, tolerance, language, skill, prejudice, placed, rumour_belief, or a "
                    "/neighbourhoods series)");
            if (!o.group.empty() && !viewer.set_group(o.group))
                bad("--group: no group '" + o.group + "' in " + o.files[0]);
            if (!o.charts.empty()) {
                for (const auto& c : o.charts)
                    if (viewer.run(0).find(c) == nullptr)
                        bad("--chart: no series '" + c + "' in " + o.files[0]);
                std::vector<std::string> paths;
                for (const auto& c : o.charts)
                    paths.push_back(viewer.run(0).find(c)->path);
                viewer.set_charts(paths);
            }
            if (o.step >= 0 && !live) {
                if (o.step > viewer.last_step())
                    bad("--step " + std::to_string(o.step) + " is beyond the last committed step " +
                        std::to_string(viewer.last_step()));
                viewer.set_step(o.step);
            }
            if (o.follow && o.step < 0) // follow from the newest committed step
                viewer.set_step(viewer.last_step());
            for (const auto& [name, at] : o.bookmarks) {
                if (at > viewer.last_step() && !live)
                    bad("--bookmark " + name + "=" + std::to_string(at) +
                        ": beyond the last committed step " + std::to_string(viewer.last_step()));
                viewer.add_bookmark(name, at);
            }
            viewer.set_difference_charts(o.diff_charts);
            viewer.set_presenter(o.present);
        }
    };
    configure(*vp);
    if (!vp->error().empty() && headless && !o.follow) {
        std::cerr << "icsim-view: " << vp->error() << "\n";
        return 2;
    }

    glfwSetErrorCallback([](int code, const char* msg) {
        std::fprintf(stderr, "icsim-view: GLFW error %d: %s\n", code, msg);
    });
    if (!glfwInit()) {
        std::cerr
            << "icsim-view: cannot open a window (no display? run under xvfb-run -a for headless use)\n";
        return 1;
    }
    glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
    glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 3);
    glfwWindowHint(GLFW_OPENGL_PROFILE, GLFW_OPENGL_CORE_PROFILE);
    if (headless)
        glfwWindowHint(GLFW_RESIZABLE, GLFW_FALSE);
    GLFWwindow* win = glfwCreateWindow(o.width, o.height, "icsim-view", nullptr, nullptr);
    if (win == nullptr) {
        std::cerr << "icsim-view: cannot create an OpenGL 3.3 window\n";
        glfwTerminate();
        return 1;
    }
    glfwMakeContextCurrent(win);
    glfwSwapInterval(headless ? 0 : 1);
    IMGUI_CHECKVERSION();
    ImGui::CreateContext();
    ImGui::GetIO().IniFilename = nullptr;
    ImGui_ImplGlfw_InitForOpenGL(win, true);
    ImGui_ImplOpenGL3_Init("#version 330");
    float font_zoom = o.present ? 1.5f : 1.0f;
    load_font(font_zoom);
    vp->font_zoom = font_zoom;

    int rc = 0;
    std::vector<double> frame_ms;
    double first_frame_ms = 0;
    long frame_no = 0, frames_written = 0, next_step = 0;
    auto last = Clock::now();
    const std::vector<int64_t> snaps =
        vp->error().empty() && !live ? vp->run(0).snapshot_steps : std::vector<int64_t>();
    uint64_t live_generation = live ? live->generation() : 0;
    bool live_resetting = false;
    uint32_t bench_step0 = 0;
    double bench_t0 = 0;
    bool fullscreen = false;
    int saved[4] = {0, 0, o.width, o.height};
    std::vector<double> cpu_ms, load_ms;
    // The bench measures drawing: after the first frame, the snapshots are
    // read and aggregated (as many as the cache keeps), each load timed.
    auto preload = [&]() {
        const auto& r = vp->run(0);
        for (size_t k = 0; k < r.snapshot_steps.size() && k < r.cache_capacity(); ++k) {
            const auto l0 = Clock::now();
            r.aggregate(k);
            if (vp->compare())
                vp->run(1).aggregate(k);
            load_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - l0).count());
        }
    };
    while (!glfwWindowShouldClose(win)) {
        const auto t0 = Clock::now();
        const double c0 = cpu_now_ms();
        if (headless)
            glfwPollEvents();
        else
            glfwWaitEventsTimeout(1.0 / 60.0);
        if (o.bench && vp->error().empty() && live) {
            // Live: the view follows the engine; the map is recoloured and
            // uploaded every frame all the same (the worst case).
            vp->force_recolour();
        } else if (o.bench && vp->error().empty()) {
            // The snapshot changes every frame: step through the snapshots
            // (or the steps, for a run with one snapshot), recolouring and
            // uploading the map each frame.
            if (snaps.size() > 1)
                vp->set_step(snaps[size_t(frame_no) % snaps.size()]);
            else
                vp->set_step(frame_no % (vp->last_step() + 1));
            vp->force_recolour();
        }
        if (!o.frames_dir.empty() && vp->error().empty())
            vp->set_step(next_step);
        if (vp->font_zoom != font_zoom) {
            font_zoom = std::clamp(vp->font_zoom, 1.0f, 2.5f);
            vp->font_zoom = font_zoom;
            load_font(font_zoom);
            ImGui_ImplOpenGL3_DestroyFontsTexture();
            ImGui_ImplOpenGL3_CreateFontsTexture();
        }
        ImGui_ImplOpenGL3_NewFrame();
        ImGui_ImplGlfw_NewFrame();
        if (headless) // no pointer: Xvfb's sits mid-screen and would raise tooltips
            ImGui::GetIO().MousePos = ImVec2(-FLT_MAX, -FLT_MAX);
        ImGui::NewFrame();
        if (!headless) {
            // Presenter keys: F11 presenter mode (fullscreen, panels
            // hidden), +/- font zoom, F12 screenshot.
            if (ImGui::IsKeyPressed(GLFW_KEY_F11)) {
                fullscreen = !fullscreen;
                vp->set_presenter(fullscreen);
                GLFWmonitor* mon = glfwGetPrimaryMonitor();
                if (fullscreen && mon != nullptr) {
                    glfwGetWindowPos(win, &saved[0], &saved[1]);
                    glfwGetWindowSize(win, &saved[2], &saved[3]);
                    const GLFWvidmode* mode = glfwGetVideoMode(mon);
                    glfwSetWindowMonitor(win, mon, 0, 0, mode->width, mode->height, mode->refreshRate);
                } else if (!fullscreen) {
                    glfwSetWindowMonitor(win, nullptr, saved[0], saved[1], saved[2], saved[3], 0);
                }
            }
            if (ImGui::IsKeyPressed(GLFW_KEY_EQUAL) || ImGui::IsKeyPressed(GLFW_KEY_KP_ADD))
                vp->font_zoom = std::min(2.5f, font_zoom + 0.25f);
            if (ImGui::IsKeyPressed(GLFW_KEY_MINUS) || ImGui::IsKeyPressed(GLFW_KEY_KP_SUBTRACT))
                vp->font_zoom = std::max(1.0f, font_zoom - 0.25f);
            if (ImGui::IsKeyPressed(GLFW_KEY_F12))
                vp->screenshot_requested = true;
        }
        const double now = std::chrono::duration<double>(Clock::now() - t_start).count();
        if (live) {
            if (panel.reset_wanted) {
                // The viewer lets go of the file first; the engine thread
                // then discards it and writes a fresh one.
                panel.reset_wanted = false;
                live_generation = live->generation();
                vp = std::make_unique<Viewer>(std::vector<std::unique_ptr<Run>>(),
                                              "live: starting a fresh run of " + o.live + " at step 0 ...");
                live->reset();
                live_resetting = true;
            } else if (live_resetting && live->generation() != live_generation) {
                live_resetting = false;
                std::vector<std::unique_ptr<Run>> fresh;
                std::string why = live->error();
                if (why.empty())
                    try {
                        fresh.push_back(std::make_unique<Run>(live->working_path()));
                    } catch (const std::exception& e) {
                        why = e.what();
                    }
                vp = std::make_unique<Viewer>(std::move(fresh), why);
                configure(*vp);
                vp->set_step(0);
            }
            if (!live->error().empty() && headless) {
                std::cerr << "icsim-view: " << live->error() << "\n";
                rc = 1;
                ImGui::EndFrame();
                break;
            }
        }
        if (o.follow && !live_resetting) {
            // Live mode: the engine's pauses are the user's, not a stalled writer.
            vp->poll(now, 0.3, live ? 1e300 : 3.0);
            if (live_target >= 0 && vp->last_step() < live_target) {
                // Headless live: wait for the engine to commit the step.
                std::this_thread::sleep_for(std::chrono::milliseconds(20));
                frame_no = 0;
                ImGui::EndFrame();
                continue;
            }
            if (live_target >= 0 && vp->step() != live_target)
                vp->set_step(live_target);
            if (headless && !o.screenshot.empty() && now < o.follow_seconds) {
                // Keep following; no frame to shoot yet.
                std::this_thread::sleep_for(std::chrono::milliseconds(50));
                frame_no = 0;
            }
        }
        int fw = 0, fh = 0;
        glfwGetFramebufferSize(win, &fw, &fh);
        const double dt = std::chrono::duration<double>(t0 - last).count();
        last = t0;
        vp->frame(float(fw), float(fh), headless ? 0.0 : dt);
        ImGui::Render();
        glViewport(0, 0, fw, fh);
        glClearColor(0.08f, 0.08f, 0.1f, 1.0f);
        glClear(GL_COLOR_BUFFER_BIT);
        ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
        ++frame_no;
        if (headless && !vp->error().empty() && !(o.follow && now < o.follow_seconds)) {
            std::cerr << "icsim-view: " << vp->error() << "\n";
            rc = 2;
            break;
        }
        if (vp->screenshot_requested) {
            vp->screenshot_requested = false;
            const std::string name = "icsim-view-step" + std::to_string(vp->step()) + ".png";
            if (save_png(name, fw, fh))
                std::cerr << "icsim-view: wrote " << name << "\n";
        }
        // Pinned windows need one frame; tooltips and combos two: shoot the third.
        if (!o.screenshot.empty() && frame_no == 3) {
            if (!save_png(o.screenshot, fw, fh)) {
                std::cerr << "icsim-view: cannot write " << o.screenshot << "\n";
                rc = 1;
            } else if (!o.layout.empty()) {
                write_layout(o.layout, *vp);
            }
            if (!vp->follow_status().empty())
                std::cerr << "icsim-view: " << vp->follow_status() << "\n";
            break;
        }
        if (!o.frames_dir.empty() && frame_no >= 2) {
            // Frame 1 lays the windows out; from frame 2 on one PNG per step.
            std::filesystem::create_directories(o.frames_dir);
            char name[64];
            std::snprintf(name, sizeof name, "/frame_%06ld.png", long(vp->step()));
            if (!save_png(o.frames_dir + name, fw, fh)) {
                std::cerr << "icsim-view: cannot write " << o.frames_dir << name << "\n";
                rc = 1;
                break;
            }
            ++frames_written;
            next_step += o.every;
            if (next_step > vp->last_step())
                break;
        }
        glfwSwapBuffers(win);
        if (o.bench) {
            glFinish();
            const double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
            if (frame_no == 1) {
                first_frame_ms = std::chrono::duration<double, std::milli>(Clock::now() - t_start).count();
                if (live) {
                    bench_step0 = live->last_step();
                    bench_t0 = std::chrono::duration<double>(Clock::now() - t_start).count();
                    continue;
                }
                try {
                    preload();
                } catch (const std::exception& e) {
                    std::cerr << "icsim-view: " << e.what() << "\n";
                    rc = 2;
                    break;
                }
            } else if (frame_no > 6) { // after a few warm-up frames
                frame_ms.push_back(ms);
                cpu_ms.push_back(cpu_now_ms() - c0);
            }
            if (long(frame_ms.size()) >= o.frames)
                break;
        }
    }
    if (!o.frames_dir.empty() && rc == 0)
        std::cerr << "icsim-view: wrote " << frames_written << " frames to " << o.frames_dir << "\n";
    if (o.bench && rc == 0) {
        std::sort(frame_ms.begin(), frame_ms.end());
        std::sort(cpu_ms.begin(), cpu_ms.end());
        auto pct_of = [](const std::vector<double>& v, double q) {
            return v.empty() ? 0.0 : v[std::min(v.size() - 1, size_t(q * double(v.size())))];
        };
        auto pct = [&](double q) { return pct_of(frame_ms, q); };
        const nlohmann::json j = {
            {"median_frame_ms", pct(0.5)},
            {"p95_frame_ms", pct(0.95)},
            {"frames", frame_ms.size()},
            {"median_cpu_ms", pct_of(cpu_ms, 0.5)},
            {"snapshots_loaded", load_ms.size()},
            {"median_snapshot_load_ms", (std::sort(load_ms.begin(), load_ms.end()), pct_of(load_ms, 0.5))},
            {"open_ms", open_ms},
            {"first_frame_ms", first_frame_ms},
            {"width", o.width},
            {"height", o.height}};
        nlohmann::json jl = j;
        if (live) {
            // What the engine did while the frames were timed.
            const double secs = std::chrono::duration<double>(Clock::now() - t_start).count() - bench_t0;
            const uint32_t stepped = live->last_step() - bench_step0;
            jl["live"] = true;
            jl["engine_steps"] = stepped;
            jl["engine_steps_per_second"] = secs > 0 ? double(stepped) / secs : 0.0;
            jl["engine_threads"] = o.threads;
            jl["residents"] = vp->error().empty() && vp->run(0).find("/timeseries/population")
                                  ? vp->run(0).find("/timeseries/population")->at(0)
                                  : 0.0;
        }
        if (o.json)
            std::cout << jl.dump() << "\n";
        else
            std::cout << "median " << pct(0.5) << " ms, p95 " << pct(0.95) << " ms over " << frame_ms.size()
                      << " frames\n";
    }
    // The viewer lets go of the file (and its textures) first; then the
    // engine stops after its step and closes the file: complete, or
    // resumable from a checkpoint.
    vp.reset();
    if (live) {
        try {
            const icsim::FinishResult r = live->stop();
            if (r.complete)
                std::cerr << "icsim-view: wrote " << r.path << "\n";
            else
                std::cerr << "icsim-view: stopped after step " << live->last_step() << " of " << live->steps()
                          << "; the run so far and a checkpoint are in " << r.path
                          << ". Finish it with: icsim resume " << r.path << "\n";
        } catch (const std::exception& e) {
            std::cerr << "icsim-view: " << e.what() << "\n";
            rc = rc == 0 ? 1 : rc;
        }
    }
    ImGui_ImplOpenGL3_Shutdown();
    ImGui_ImplGlfw_Shutdown();
    ImGui::DestroyContext();
    glfwDestroyWindow(win);
    glfwTerminate();
    return rc;
}
