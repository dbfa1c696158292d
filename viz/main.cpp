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

#include "sim/clock.hpp"
#include "viz/data.hpp"
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
    "                 [--follow [--follow-seconds S]]  (RUN.h5.partial being written)\n";

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
        } else if (a == "--no-cells")
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

} // namespace

int main(int argc, char** argv) {
    const auto t_start = Clock::now();
    const Options o = parse(argc, argv);
    const bool headless = o.bench || !o.screenshot.empty() || !o.frames_dir.empty();

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

    Viewer viewer(std::move(runs), error);
    if (o.follow)
        viewer.follow(o.files[0]);
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
        if (o.step >= 0) {
            if (o.step > viewer.last_step())
                bad("--step " + std::to_string(o.step) + " is beyond the last committed step " +
                    std::to_string(viewer.last_step()));
            viewer.set_step(o.step);
        }
        if (o.follow && o.step < 0) // follow from the newest committed step
            viewer.set_step(viewer.last_step());
        for (const auto& [name, at] : o.bookmarks) {
            if (at > viewer.last_step())
                bad("--bookmark " + name + "=" + std::to_string(at) + ": beyond the last committed step " +
                    std::to_string(viewer.last_step()));
            viewer.add_bookmark(name, at);
        }
        viewer.set_difference_charts(o.diff_charts);
        viewer.set_presenter(o.present);
    } else if (headless && !o.follow) {
        std::cerr << "icsim-view: " << viewer.error() << "\n";
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
    viewer.font_zoom = font_zoom;

    int rc = 0;
    std::vector<double> frame_ms;
    double first_frame_ms = 0;
    long frame_no = 0, frames_written = 0, next_step = 0;
    auto last = Clock::now();
    const auto& snaps = viewer.error().empty() ? viewer.run(0).snapshot_steps : std::vector<int64_t>();
    bool fullscreen = false;
    int saved[4] = {0, 0, o.width, o.height};
    std::vector<double> cpu_ms, load_ms;
    // The bench measures drawing: after the first frame, the snapshots are
    // read and aggregated (as many as the cache keeps), each load timed.
    auto preload = [&]() {
        const auto& r = viewer.run(0);
        for (size_t k = 0; k < r.snapshot_steps.size() && k < r.cache_capacity(); ++k) {
            const auto l0 = Clock::now();
            r.aggregate(k);
            if (viewer.compare())
                viewer.run(1).aggregate(k);
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
        if (o.bench && viewer.error().empty()) {
            // The snapshot changes every frame: step through the snapshots
            // (or the steps, for a run with one snapshot), recolouring and
            // uploading the map each frame.
            if (snaps.size() > 1)
                viewer.set_step(snaps[size_t(frame_no) % snaps.size()]);
            else
                viewer.set_step(frame_no % (viewer.last_step() + 1));
            viewer.force_recolour();
        }
        if (!o.frames_dir.empty() && viewer.error().empty())
            viewer.set_step(next_step);
        if (viewer.font_zoom != font_zoom) {
            font_zoom = std::clamp(viewer.font_zoom, 1.0f, 2.5f);
            viewer.font_zoom = font_zoom;
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
                viewer.set_presenter(fullscreen);
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
                viewer.font_zoom = std::min(2.5f, font_zoom + 0.25f);
            if (ImGui::IsKeyPressed(GLFW_KEY_MINUS) || ImGui::IsKeyPressed(GLFW_KEY_KP_SUBTRACT))
                viewer.font_zoom = std::max(1.0f, font_zoom - 0.25f);
            if (ImGui::IsKeyPressed(GLFW_KEY_F12))
                viewer.screenshot_requested = true;
        }
        const double now = std::chrono::duration<double>(Clock::now() - t_start).count();
        if (o.follow) {
            viewer.poll(now);
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
        viewer.frame(float(fw), float(fh), headless ? 0.0 : dt);
        ImGui::Render();
        glViewport(0, 0, fw, fh);
        glClearColor(0.08f, 0.08f, 0.1f, 1.0f);
        glClear(GL_COLOR_BUFFER_BIT);
        ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
        ++frame_no;
        if (headless && !viewer.error().empty() && !(o.follow && now < o.follow_seconds)) {
            std::cerr << "icsim-view: " << viewer.error() << "\n";
            rc = 2;
            break;
        }
        if (viewer.screenshot_requested) {
            viewer.screenshot_requested = false;
            const std::string name = "icsim-view-step" + std::to_string(viewer.step()) + ".png";
            if (save_png(name, fw, fh))
                std::cerr << "icsim-view: wrote " << name << "\n";
        }
        // Pinned windows need one frame; tooltips and combos two: shoot the third.
        if (!o.screenshot.empty() && frame_no == 3) {
            if (!save_png(o.screenshot, fw, fh)) {
                std::cerr << "icsim-view: cannot write " << o.screenshot << "\n";
                rc = 1;
            } else if (!o.layout.empty()) {
                write_layout(o.layout, viewer);
            }
            if (!viewer.follow_status().empty())
                std::cerr << "icsim-view: " << viewer.follow_status() << "\n";
            break;
        }
        if (!o.frames_dir.empty() && frame_no >= 2) {
            // Frame 1 lays the windows out; from frame 2 on one PNG per step.
            std::filesystem::create_directories(o.frames_dir);
            char name[64];
            std::snprintf(name, sizeof name, "/frame_%06ld.png", long(viewer.step()));
            if (!save_png(o.frames_dir + name, fw, fh)) {
                std::cerr << "icsim-view: cannot write " << o.frames_dir << name << "\n";
                rc = 1;
                break;
            }
            ++frames_written;
            next_step += o.every;
            if (next_step > viewer.last_step())
                break;
        }
        glfwSwapBuffers(win);
        if (o.bench) {
            glFinish();
            const double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
            if (frame_no == 1) {
                first_frame_ms = std::chrono::duration<double, std::milli>(Clock::now() - t_start).count();
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
        if (o.json)
            std::cout << j.dump() << "\n";
        else
            std::cout << "median " << pct(0.5) << " ms, p95 " << pct(0.95) << " ms over " << frame_ms.size()
                      << " frames\n";
    }
    ImGui_ImplOpenGL3_Shutdown();
    ImGui_ImplGlfw_Shutdown();
    ImGui::DestroyContext();
    glfwDestroyWindow(win);
    glfwTerminate();
    return rc;
}
