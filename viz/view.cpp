#include "viz/view.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <limits>

#include <GL/gl.h>
#include <imgui.h>

#include "models/rumours.hpp"

namespace icsim::viz {

namespace {

ImU32 col(const Rgba& c, int alpha = 255) {
    return IM_COL32(c[0], c[1], c[2], alpha);
}

std::string fmt(double v) {
    if (std::isnan(v))
        return "n/a";
    char b[32];
    const double a = std::abs(v);
    std::snprintf(b, sizeof b, a != 0 && (a >= 1e5 || a < 1e-3) ? "%.3g" : (a >= 100 ? "%.1f" : "%.4f"), v);
    return b;
}

// Panels tile the window and draw no background: the cleared frame is
// theirs (under software GL every blended full-screen layer costs fill).
constexpr ImGuiWindowFlags kPanel = ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove |
                                    ImGuiWindowFlags_NoSavedSettings |
                                    ImGuiWindowFlags_NoBringToFrontOnFocus | ImGuiWindowFlags_NoBackground;

} // namespace

void MapTexture::ensure(int w, int h) {
    if (id != 0 && w == width && h == height)
        return;
    if (id == 0) {
        GLuint t = 0;
        glGenTextures(1, &t);
        id = t;
    }
    width = w;
    height = h;
    pixels.assign(size_t(w) * size_t(h) * 4, 0);
    glBindTexture(GL_TEXTURE_2D, id);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_NEAREST);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
    glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA8, w, h, 0, GL_RGBA, GL_UNSIGNED_BYTE, pixels.data());
}

void MapTexture::upload() {
    glBindTexture(GL_TEXTURE_2D, id);
    glPixelStorei(GL_UNPACK_ALIGNMENT, 4);
    glTexSubImage2D(GL_TEXTURE_2D, 0, 0, 0, width, height, GL_RGBA, GL_UNSIGNED_BYTE, pixels.data());
}

MapTexture::~MapTexture() {
    if (id != 0) {
        GLuint t = id;
        glDeleteTextures(1, &t);
    }
}

Viewer::Viewer(std::vector<std::unique_ptr<Run>> runs, std::string error)
    : runs_(std::move(runs)), error_(std::move(error)) {
    if (!error_.empty() || runs_.empty())
        return;
    if (compare()) {
        const std::string why = different_city(*runs_[0], *runs_[1]);
        if (!why.empty()) {
            error_ = "cannot compare: " + why;
            return;
        }
        auto text = [](const Run& r) {
            const auto it = r.meta.find("scenario_toml");
            return it == r.meta.end() ? std::string() : it->second;
        };
        for (const auto& d : scenario_differences(text(*runs_[0]), text(*runs_[1])))
            differing_.push_back(d.key + ": " + d.base + " -> " + d.variant);
    }
    borders_ = border_cells(*runs_[0]);
    for (const char* s :
         {"/timeseries/percent_similar", "/timeseries/prejudice_mean", "/timeseries/isolation"})
        if (runs_[0]->find(s) != nullptr)
            charts_.push_back(s);
    hood_series_ = "/neighbourhoods/minority_share";
    group_ = std::min<size_t>(1, runs_[0]->group_names.size() - 1);
}

int64_t Viewer::last_step() const {
    int64_t s = -1;
    for (const auto& r : runs_)
        s = s < 0 ? r->last_step() : std::min(s, r->last_step());
    return s;
}

void Viewer::set_step(int64_t s) {
    step_ = std::clamp<int64_t>(s, 0, std::max<int64_t>(0, last_step()));
}

bool Viewer::set_view(const std::string& name) {
    if (name == "groups") {
        style_.mode = MapMode::GroupMix;
        return true;
    }
    Field f{};
    if (field_by_name(name, f)) {
        style_.mode = MapMode::Field;
        style_.field = f;
        return true;
    }
    if (runs_.empty())
        return false;
    for (const std::string& p : {name, "/" + name, "/neighbourhoods/" + name}) {
        const Series* s = runs_[0]->find(p);
        if (s != nullptr && s->path == p && s->per_neighbourhood()) {
            style_.mode = MapMode::Neighbourhood;
            hood_series_ = p;
            return true;
        }
    }
    return false;
}

bool Viewer::set_group(const std::string& name) {
    if (runs_.empty())
        return false;
    const auto& g = runs_[0]->group_names;
    const auto it = std::find(g.begin(), g.end(), name);
    if (it == g.end())
        return false;
    group_ = size_t(it - g.begin());
    return true;
}

void Viewer::poll(double now, double interval, double stalled) {
    if (follow_path_.empty() || (last_poll_ >= 0 && now - last_poll_ < interval))
        return;
    if (last_poll_ < 0)
        last_growth_ = now;
    last_poll_ = now;
    if (!runs_.empty() && runs_[0]->complete) {
        follow_status_ = "the run has finished (step " + std::to_string(last_step()) + ")";
        return;
    }
    // A finished run is renamed from OUT.h5.partial to OUT.h5.
    std::string path = follow_path_;
    const std::string suffix = ".partial";
    if (!std::filesystem::exists(path) && path.ends_with(suffix) &&
        std::filesystem::exists(path.substr(0, path.size() - suffix.size())))
        path = follow_path_ = path.substr(0, path.size() - suffix.size());
    const int64_t before = runs_.empty() ? -1 : last_step();
    const bool at_end = step_ >= before;
    // The old handle is closed first: HDF5 shares one open file within a
    // process, and its cached metadata would hide the new rows.
    aggs_[0].reset();
    aggs_[1].reset();
    Run::Cache cache = runs_.empty() ? Run::Cache() : runs_[0]->take_cache();
    runs_.clear();
    try {
        runs_.push_back(std::make_unique<Run>(path));
        error_.clear();
    } catch (const std::exception& e) {
        error_ = std::string(e.what()) + " (following: trying again)";
        return;
    }
    if (borders_.size() != runs_[0]->cells())
        borders_ = border_cells(*runs_[0]);
    else
        runs_[0]->adopt_cache(std::move(cache));
    colour_key_.clear();
    const int64_t after = last_step();
    if (after > before) {
        last_growth_ = now;
        if (at_end)
            set_step(after);
    } else {
        set_step(step_);
    }
    if (runs_[0]->complete)
        follow_status_ = "the run has finished (step " + std::to_string(after) + ")";
    else if (now - last_growth_ >= stalled)
        follow_status_ = "no new step for " + std::to_string(int(now - last_growth_)) +
                         " s: the writer may have stopped; showing the last committed step " +
                         std::to_string(after);
    else
        follow_status_ = "following: committed up to step " + std::to_string(after);
}

void Viewer::load_error(const std::exception& e) {
    error_ = e.what();
    runs_.clear();
}

const CellAggregate* Viewer::agg(size_t r) {
    const int k = runs_[r]->snapshot_for(step_);
    if (k < 0)
        return nullptr;
    const size_t f = style_.mode == MapMode::Field ? size_t(style_.field) : kFields;
    if (!aggs_[r] || aggs_[r]->snapshot != size_t(k) || (f < kFields && !aggs_[r]->has(Field(f))))
        aggs_[r] = runs_[r]->aggregate(size_t(k), f);
    return aggs_[r].get();
}

void Viewer::palette_range() {
    style_.lo = 0;
    style_.hi = 1;
    if (style_.mode != MapMode::Neighbourhood)
        return;
    double lo = std::numeric_limits<double>::infinity(), hi = -lo;
    for (const auto& r : runs_)
        if (const Series* s = r->find(hood_series_))
            for (double v : s->values)
                if (!std::isnan(v)) {
                    lo = std::min(lo, v);
                    hi = std::max(hi, v);
                }
    if (lo <= hi) {
        style_.lo = lo;
        style_.hi = hi > lo ? hi : lo + 1;
    }
}

void Viewer::recolour() {
    const Run& r0 = *runs_[0];
    style_.hood_row = size_t(step_);
    palette_range();
    const CellAggregate* a0 = agg(0);
    const CellAggregate* a1 = compare() ? agg(1) : nullptr;
    char key[256];
    std::snprintf(key, sizeof key, "%d %d %s %ld %ld %ld %zu %d", int(style_.mode), int(style_.field),
                  hood_series_.c_str(), style_.mode == MapMode::Neighbourhood ? long(step_) : -1L,
                  a0 ? long(a0->snapshot) : -1L, a1 ? long(a1->snapshot) : -1L, group_, int(style_.borders));
    if (colour_key_ == key)
        return;
    colour_key_ = key;
    for (size_t k = 0; k < runs_.size(); ++k) {
        MapStyle s = style_;
        s.hood_series = runs_[k]->find(hood_series_);
        tex_[k].ensure(r0.width, r0.height);
        colour_map(*runs_[k], k == 0 ? a0 : a1, s, borders_, tex_[k].pixels);
        tex_[k].upload();
    }
    if (compare()) {
        tex_[2].ensure(r0.width, r0.height);
        const size_t cells = r0.cells();
        diff_.assign(cells, std::numeric_limits<float>::quiet_NaN());
        diff_span_ = 0;
        if (style_.mode == MapMode::Neighbourhood) {
            const Series* b = runs_[0]->find(hood_series_);
            const Series* v = runs_[1]->find(hood_series_);
            if (b != nullptr && v != nullptr)
                for (size_t i = 0; i < cells; ++i) {
                    const double d =
                        v->at(size_t(step_), r0.neighbourhood[i]) - b->at(size_t(step_), r0.neighbourhood[i]);
                    diff_[i] = float(d);
                    if (!std::isnan(d))
                        diff_span_ = std::max(diff_span_, std::abs(d));
                }
        } else if (a0 != nullptr && a1 != nullptr) {
            diff_span_ = difference(r0, *a0, *a1, style_, group_, diff_);
        }
        colour_difference(diff_, diff_span_, borders_, tex_[2].pixels);
        tex_[2].upload();
    }
}

void Viewer::frame(float width, float height, double dt) {
    placements_.clear();
    if (!error_.empty() || runs_.empty()) {
        ImGui::SetNextWindowPos(ImVec2(0, 0), ImGuiCond_Always);
        ImGui::SetNextWindowSize(ImVec2(width, height), ImGuiCond_Always);
        ImGui::Begin("icsim-view", nullptr, kPanel);
        ImGui::TextColored(ImVec4(1, 0.45f, 0.3f, 1), "icsim-view cannot show this");
        ImGui::Separator();
        ImGui::PushTextWrapPos(width - 20);
        ImGui::TextUnformatted(error_.empty() ? "no run given (usage: icsim-view RUN.h5 [VARIANT.h5])"
                                              : error_.c_str());
        ImGui::PopTextWrapPos();
        ImGui::End();
        return;
    }
    try {
        if (playing_) {
            accum_ += dt * speed_;
            const auto n = int64_t(accum_);
            accum_ -= double(n);
            if (step_ + n >= last_step()) {
                set_step(last_step());
                playing_ = false;
            } else {
                set_step(step_ + n);
            }
        }
        recolour();
        // The header stays in presenter mode: it carries the snapshot badge.
        const float top = ImGui::GetFrameHeightWithSpacing() * (compare() ? 3.2f : 2.2f);
        top_bar(width);
        const float bottom = ImGui::GetFrameHeightWithSpacing() * 2.4f;
        const float body = height - top - bottom;
        if (compare()) {
            // Three maps and, at their right, the colouring and legends.
            const float side = presenter_ ? width * 0.2f : std::max(300.0f, width * 0.24f);
            maps(0, top, width - side, body * 0.56f);
            ImGui::SetNextWindowPos(ImVec2(width - side, top), ImGuiCond_Always);
            ImGui::SetNextWindowSize(ImVec2(side, body * 0.56f), ImGuiCond_Always);
            ImGui::Begin("##side", nullptr, kPanel);
            if (extra_panel_)
                extra_panel_(*this);
            if (!presenter_)
                side_panel();
            legend();
            ImGui::End();
            charts(0, top + body * 0.56f, width, body * 0.44f);
        } else {
            const float mw = presenter_ ? width * 0.62f : std::min(width * 0.58f, body + 40.0f);
            maps(0, top, mw, body);
            ImGui::SetNextWindowPos(ImVec2(mw, top), ImGuiCond_Always);
            ImGui::SetNextWindowSize(ImVec2(width - mw, body), ImGuiCond_Always);
            ImGui::Begin("##side", nullptr, kPanel);
            if (extra_panel_)
                extra_panel_(*this);
            if (!presenter_)
                side_panel();
            legend();
            ImGui::Separator();
            charts_body();
            ImGui::End();
        }
        ImGui::SetNextWindowPos(ImVec2(0, height - bottom), ImGuiCond_Always);
        ImGui::SetNextWindowSize(ImVec2(width, bottom), ImGuiCond_Always);
        ImGui::Begin("##timeline", nullptr, kPanel);
        timeline(width);
        ImGui::End();
        residents_window();
    } catch (const std::exception& e) {
        load_error(e);
    }
}

void Viewer::top_bar(float width) {
    ImGui::SetNextWindowPos(ImVec2(0, 0), ImGuiCond_Always);
    ImGui::SetNextWindowSize(ImVec2(width, ImGui::GetFrameHeightWithSpacing() * (compare() ? 3.2f : 2.2f)),
                             ImGuiCond_Always);
    ImGui::Begin("##top", nullptr, kPanel);
    const Run& r = *runs_[0];
    auto m = [](const Run& x, const char* k) {
        const auto it = x.meta.find(k);
        return it == x.meta.end() ? std::string("?") : it->second;
    };
    if (compare()) {
        const Run& v = *runs_[1];
        ImGui::Text("base: %s (%s, seed %s)   variant: %s (%s, seed %s)", r.path().c_str(),
                    m(r, "scenario_name").c_str(), m(r, "seed").c_str(), v.path().c_str(),
                    m(v, "scenario_name").c_str(), m(v, "seed").c_str());
        // One line of keys; the whole list in the tooltip.
        std::string keys, all;
        bool full = false;
        for (const auto& d : differing_) {
            all += d + "\n";
            if (full)
                continue;
            const std::string shown = d.size() > 60 ? d.substr(0, 57) + "..." : d;
            const std::string next = keys + (keys.empty() ? "" : ";  ") + shown;
            if (ImGui::CalcTextSize(next.c_str()).x < width - 330)
                keys = next;
            else {
                keys += keys.empty() ? "..." : ";  ...";
                full = true;
            }
        }
        ImGui::TextColored(ImVec4(1, 0.85f, 0.5f, 1), "scenario keys that differ (%zu): %s",
                           differing_.size(), differing_.empty() ? "none" : keys.c_str());
        if (ImGui::IsItemHovered() && !all.empty())
            ImGui::SetTooltip("%s", all.c_str());
    } else {
        ImGui::Text(
            "%s   scenario %s, seed %s, %zu residents at start, %dx%d cells%s", r.path().c_str(),
            m(r, "scenario_name").c_str(), m(r, "seed").c_str(),
            r.series.empty()
                ? size_t(0)
                : size_t(r.find("/timeseries/population") ? r.find("/timeseries/population")->at(0) : 0),
            r.width, r.height, r.complete ? "" : "   (incomplete run: the committed steps)");
    }
    const int k = r.snapshot_for(step_);
    ImGui::Text("step %ld of %ld   (day %s)", long(step_), long(last_step()),
                r.find("/timeseries/day")
                    ? std::to_string(std::lround(r.find("/timeseries/day")->at(size_t(step_)))).c_str()
                    : "?");
    ImGui::SameLine();
    if (k >= 0)
        ImGui::TextColored(ImVec4(0.55f, 0.85f, 1, 1), "   residents as of step %ld",
                           long(r.snapshot_steps[size_t(k)]));
    else
        ImGui::TextColored(ImVec4(1, 0.6f, 0.4f, 1), "   no resident snapshot at or before this step");
    if (!follow_status_.empty()) {
        ImGui::SameLine();
        ImGui::TextColored(ImVec4(1, 0.8f, 0.4f, 1), "   %s", follow_status_.c_str());
    }
    ImGui::End();
}

void Viewer::side_panel() {
    const Run& r = *runs_[0];
    const char* mode_names[] = {"group mix", "resident column", "neighbourhood series"};
    int mode = int(style_.mode);
    ImGui::SetNextItemWidth(ImGui::GetContentRegionAvail().x * 0.6f);
    if (ImGui::Combo("colour by", &mode, mode_names, 3))
        style_.mode = MapMode(mode);
    if (style_.mode == MapMode::Field) {
        int f = int(style_.field);
        ImGui::SetNextItemWidth(ImGui::GetContentRegionAvail().x * 0.6f);
        if (ImGui::BeginCombo("column", field_info(style_.field).name)) {
            for (size_t k = 0; k < kFields; ++k)
                if (ImGui::Selectable(field_info(Field(k)).name, f == int(k)))
                    style_.field = Field(k);
            ImGui::EndCombo();
        }
    }
    if (style_.mode == MapMode::Neighbourhood || compare()) {
        ImGui::SetNextItemWidth(ImGui::GetContentRegionAvail().x * 0.6f);
        if (ImGui::BeginCombo("series", hood_series_.c_str())) {
            for (const auto& s : r.series)
                if (s.per_neighbourhood() && ImGui::Selectable(s.path.c_str(), s.path == hood_series_))
                    hood_series_ = s.path;
            ImGui::EndCombo();
        }
    }
    ImGui::Checkbox("borders", &style_.borders);
    ImGui::SameLine();
    if (ImGui::Button("fit map")) {
        zoom_ = 1;
        cx_ = cy_ = 0.5;
    }
    if (ImGui::BeginCombo("charts", "add or remove a series")) {
        for (const auto& s : r.series) {
            bool on = std::find(charts_.begin(), charts_.end(), s.path) != charts_.end();
            if (ImGui::Checkbox(s.path.c_str(), &on)) {
                if (on)
                    charts_.push_back(s.path);
                else
                    charts_.erase(std::find(charts_.begin(), charts_.end(), s.path));
            }
            if (ImGui::IsItemHovered())
                ImGui::SetTooltip("%s (%s)", s.description.c_str(), s.units.c_str());
        }
        ImGui::EndCombo();
    }
    if (compare())
        ImGui::Checkbox("difference charts (variant - base)", &diff_charts_);
}

void Viewer::legend() {
    const Run& r = *runs_[0];
    ImDrawList* dl = ImGui::GetWindowDrawList();
    const float sw = ImGui::GetTextLineHeight();
    // A bar of 64 swatches of palette(k), k = 0..63, at most 320 px wide;
    // returns its width (the value labels below it align to it).
    const auto colour_bar = [&](auto palette) {
        const ImVec2 p = ImGui::GetCursorScreenPos();
        const float w = std::min(ImGui::GetContentRegionAvail().x - 10, 320.0f);
        for (int k = 0; k < 64; ++k)
            dl->AddRectFilled(ImVec2(p.x + w * float(k) / 64, p.y),
                              ImVec2(p.x + w * float(k + 1) / 64 + 1, p.y + sw), col(palette(k)));
        ImGui::Dummy(ImVec2(w, sw));
        return w;
    };
    if (style_.mode == MapMode::GroupMix) {
        ImGui::TextUnformatted("group mix of each cell's residents (colours mixed by share)");
        for (size_t g = 0; g < r.group_names.size(); ++g) {
            const ImVec2 p = ImGui::GetCursorScreenPos();
            dl->AddRectFilled(p, ImVec2(p.x + sw, p.y + sw), col(group_colour(g)));
            ImGui::Dummy(ImVec2(sw, sw));
            ImGui::SameLine();
            ImGui::TextUnformatted(r.group_names[g].c_str());
            if (g + 1 < r.group_names.size())
                ImGui::SameLine();
        }
    } else {
        std::string title, units;
        if (style_.mode == MapMode::Field) {
            title = std::string(field_info(style_.field).label) + ", mean per cell";
            units = field_info(style_.field).units;
        } else if (const Series* s = r.find(hood_series_)) {
            title = s->path + ": " + s->description;
            units = s->units;
        }
        ImGui::PushTextWrapPos(ImGui::GetContentRegionAvail().x + ImGui::GetCursorPosX());
        ImGui::Text("%s [%s]", title.c_str(), units.c_str());
        ImGui::PopTextWrapPos();
        const float w = colour_bar([](int k) { return sequential(double(k) / 63.0); });
        ImGui::Text("%s", fmt(style_.lo).c_str());
        ImGui::SameLine(w - ImGui::CalcTextSize(fmt(style_.hi).c_str()).x);
        ImGui::Text("%s", fmt(style_.hi).c_str());
    }
    if (compare()) {
        const std::string what =
            style_.mode == MapMode::GroupMix
                ? "share of " + r.group_names[group_] + " in the cell"
                : (style_.mode == MapMode::Field ? std::string(field_info(style_.field).name) : hood_series_);
        ImGui::PushTextWrapPos(ImGui::GetContentRegionAvail().x + ImGui::GetCursorPosX());
        ImGui::Text("difference map: variant - base of %s (palette +-%s, %s)", what.c_str(),
                    fmt(diff_span_).c_str(),
                    style_.mode == MapMode::Neighbourhood ? "the largest |difference|"
                                                          : "95th percentile of |difference|");
        ImGui::PopTextWrapPos();
        colour_bar([](int k) { return diverging(double(k) / 31.5 - 1.0); });
        if (style_.mode == MapMode::GroupMix) {
            int g = int(group_);
            ImGui::SetNextItemWidth(160);
            if (ImGui::BeginCombo("group", r.group_names[group_].c_str())) {
                for (size_t k = 0; k < r.group_names.size(); ++k)
                    if (ImGui::Selectable(r.group_names[k].c_str(), g == int(k)))
                        group_ = k;
                ImGui::EndCombo();
            }
        }
    }
}

void Viewer::maps(float x, float y, float w, float h) {
    ImGui::SetNextWindowPos(ImVec2(x, y), ImGuiCond_Always);
    ImGui::SetNextWindowSize(ImVec2(w, h), ImGuiCond_Always);
    ImGui::Begin("##maps", nullptr, kPanel);
    if (compare()) {
        const float cw = (ImGui::GetContentRegionAvail().x - 2 * ImGui::GetStyle().ItemSpacing.x) / 3;
        const float ch = ImGui::GetContentRegionAvail().y - ImGui::GetTextLineHeightWithSpacing();
        ImGui::BeginGroup();
        ImGui::TextUnformatted("base");
        draw_map("##base", tex_[0], *runs_[0], agg(0), cw, ch, "base");
        ImGui::EndGroup();
        ImGui::SameLine();
        ImGui::BeginGroup();
        ImGui::TextUnformatted("variant");
        draw_map("##variant", tex_[1], *runs_[1], agg(1), cw, ch, "variant");
        ImGui::EndGroup();
        ImGui::SameLine();
        ImGui::BeginGroup();
        ImGui::TextUnformatted("difference (variant - base)");
        draw_map("##difference", tex_[2], *runs_[0], nullptr, cw, ch, "difference");
        ImGui::EndGroup();
    } else {
        const ImVec2 a = ImGui::GetContentRegionAvail();
        draw_map("##map", tex_[0], *runs_[0], agg(0), a.x, a.y, "map");
    }
    ImGui::End();
}

void Viewer::draw_map(const char* id, MapTexture& tex, const Run& run, const CellAggregate* a, float w,
                      float h, const char* name) {
    // The city fitted into w x h at zoom 1, square cells.
    const double cw = double(run.width), ch = double(run.height);
    const double fit = std::min(double(w) / cw, double(h) / ch);
    const double scale = fit * zoom_; // pixels per cell
    const ImVec2 p = ImGui::GetCursorScreenPos();
    ImGui::InvisibleButton(id, ImVec2(w, h));
    const bool hovered = ImGui::IsItemHovered();
    ImDrawList* dl = ImGui::GetWindowDrawList();
    // Visible cells: the view centre at the panel centre.
    const double vx0 = cx_ * cw - double(w) / 2 / scale, vy0 = cy_ * ch - double(h) / 2 / scale;
    const double vx1 = vx0 + double(w) / scale, vy1 = vy0 + double(h) / scale;
    const double ix0 = std::max(0.0, vx0), iy0 = std::max(0.0, vy0), ix1 = std::min(cw, vx1),
                 iy1 = std::min(ch, vy1);
    MapPlacement pl{name, 0, 0, 0, 0, ix0, iy0, ix1, iy1};
    if (ix1 > ix0 && iy1 > iy0) {
        const ImVec2 s0(p.x + float((ix0 - vx0) * scale), p.y + float((iy0 - vy0) * scale));
        const ImVec2 s1(p.x + float((ix1 - vx0) * scale), p.y + float((iy1 - vy0) * scale));
        dl->PushClipRect(p, ImVec2(p.x + w, p.y + h), true);
        dl->AddImage(ImTextureID(intptr_t(tex.id)), s0, s1, ImVec2(float(ix0 / cw), float(iy0 / ch)),
                     ImVec2(float(ix1 / cw), float(iy1 / ch)));
        // Places, once a cell is large enough to see them.
        if (scale >= 4)
            for (const auto& pc : run.places) {
                if (pc.x < ix0 || pc.x >= ix1 || pc.y < iy0 || pc.y >= iy1)
                    continue;
                const ImVec2 c(p.x + float((pc.x + 0.5 - vx0) * scale),
                               p.y + float((pc.y + 0.5 - vy0) * scale));
                dl->AddCircle(c, float(scale * 0.35), IM_COL32(255, 255, 255, 200));
            }
        dl->PopClipRect();
        pl.x0 = s0.x;
        pl.y0 = s0.y;
        pl.x1 = s1.x;
        pl.y1 = s1.y;
    }
    placements_.push_back(pl);
    if (!hovered)
        return;
    ImGuiIO& io = ImGui::GetIO();
    if (io.MouseWheel != 0) {
        // Zoom about the cursor: the cell under it stays put.
        const double mx = vx0 + double(io.MousePos.x - p.x) / scale,
                     my = vy0 + double(io.MousePos.y - p.y) / scale;
        const double nz = std::clamp(zoom_ * std::pow(1.25, double(io.MouseWheel)), 1.0, 64.0);
        const double ns = fit * nz;
        cx_ = (mx - double(io.MousePos.x - p.x) / ns + double(w) / 2 / ns) / cw;
        cy_ = (my - double(io.MousePos.y - p.y) / ns + double(h) / 2 / ns) / ch;
        zoom_ = nz;
    }
    if (ImGui::IsItemActive() && ImGui::IsMouseDragging(ImGuiMouseButton_Left)) {
        cx_ -= double(io.MouseDelta.x) / scale / cw;
        cy_ -= double(io.MouseDelta.y) / scale / ch;
    }
    const double mx = vx0 + double(io.MousePos.x - p.x) / scale,
                 my = vy0 + double(io.MousePos.y - p.y) / scale;
    if (mx < 0 || my < 0 || mx >= cw || my >= ch)
        return;
    const size_t cell = size_t(my) * size_t(run.width) + size_t(mx);
    const uint16_t hood = run.neighbourhood[cell];
    ImGui::BeginTooltip();
    ImGui::Text("cell (%d, %d), %s", int(mx), int(my), run.hood_names[hood].c_str());
    if (std::string(name) == "difference") {
        ImGui::Text("variant - base: %s", fmt(double(diff_[cell])).c_str());
    } else {
        if (a != nullptr) {
            ImGui::Text("%u residents (as of step %ld)", unsigned(a->count[cell]), long(a->step));
            for (size_t g = 0; g < a->groups; ++g)
                if (a->group_count[cell * a->groups + g] > 0)
                    ImGui::Text("  %s: %u", run.group_names[g].c_str(),
                                unsigned(a->group_count[cell * a->groups + g]));
            if (style_.mode == MapMode::Field)
                ImGui::Text("%s: %s", field_info(style_.field).name,
                            fmt(double(a->mean[size_t(style_.field)][cell])).c_str());
        }
        // The neighbourhood's values at this exact step.
        ImGui::Separator();
        ImGui::Text("%s at step %ld:", run.hood_names[hood].c_str(), long(step_));
        for (const auto& s : run.series)
            if (s.per_neighbourhood())
                ImGui::Text("  %s: %s %s", s.name.c_str(), fmt(s.at(size_t(step_), hood)).c_str(),
                            s.units == "1" ? "" : s.units.c_str());
    }
    ImGui::EndTooltip();
    if (ImGui::IsMouseReleased(ImGuiMouseButton_Left) && io.MouseDragMaxDistanceSqr[0] < 9 && a != nullptr) {
        // The clicked cell's residents, read from the snapshot itself.
        selected_cell_ = long(cell);
        const auto cols = run.residents(a->snapshot);
        selected_text_.clear();
        char line[256];
        std::snprintf(line, sizeof line, "cell (%d, %d), %s, snapshot at step %ld\n", int(mx), int(my),
                      run.hood_names[hood].c_str(), long(a->step));
        selected_text_ += line;
        selected_text_ += "id        group         tolerance language skill prejudice workplace rumour\n";
        for (size_t i = 0; i < cols.pop.cell.size(); ++i)
            if (cols.pop.cell[i] == cell) {
                const auto& q = cols.pop;
                std::snprintf(line, sizeof line, "%-9u %-13s %9.3f %8.3f %5.3f %9.3f %9s %6u\n",
                              i < cols.id.size() ? cols.id[i] : 0u,
                              run.group_names[q.group[i] % run.group_names.size()].c_str(),
                              double(q.tolerance[i]), double(q.language[i]), double(q.skill[i]),
                              double(q.prejudice[i]),
                              q.workplace[i] == kNoPlace ? "none" : std::to_string(q.workplace[i]).c_str(),
                              unsigned(rumour_states(q)[i]));
                selected_text_ += line;
            }
    }
}

void Viewer::residents_window() {
    if (selected_cell_ < 0)
        return;
    bool open = true;
    ImGui::SetNextWindowSize(ImVec2(640, 260), ImGuiCond_FirstUseEver);
    ImGui::Begin("residents of the cell", &open);
    ImGui::TextUnformatted(selected_text_.c_str());
    ImGui::End();
    if (!open)
        selected_cell_ = -1;
}

void Viewer::charts(float x, float y, float w, float h) {
    ImGui::SetNextWindowPos(ImVec2(x, y), ImGuiCond_Always);
    ImGui::SetNextWindowSize(ImVec2(w, h), ImGuiCond_Always);
    ImGui::Begin("##charts", nullptr, kPanel);
    charts_body();
    ImGui::End();
}

void Viewer::charts_body() {
    std::vector<const Series*> shown;
    for (const auto& p : charts_)
        if (const Series* s = runs_.back()->find(p))
            shown.push_back(s);
    if (shown.empty()) {
        ImGui::TextUnformatted("no chart chosen");
        return;
    }
    // Charts side by side in comparison, stacked otherwise.
    const ImVec2 a = ImGui::GetContentRegionAvail();
    const float sp = ImGui::GetStyle().ItemSpacing.x;
    const size_t n = shown.size();
    for (size_t k = 0; k < n; ++k) {
        const Series* base = compare() ? runs_[0]->find(shown[k]->path) : nullptr;
        if (compare()) {
            if (k > 0)
                ImGui::SameLine();
            ImGui::BeginGroup();
            chart(*shown[k], base, (a.x - sp * float(n - 1)) / float(n), a.y);
            ImGui::EndGroup();
        } else {
            chart(*shown[k], nullptr, a.x, (a.y - ImGui::GetStyle().ItemSpacing.y * float(n - 1)) / float(n));
        }
    }
}

void Viewer::chart(const Series& s, const Series* base, float w, float h) {
    const Run& r = *runs_.back();
    const bool diff = base != nullptr && diff_charts_;
    const size_t rows = std::min<size_t>(s.values.size() / s.width, size_t(last_step() + 1));
    ImGui::PushID(s.path.c_str());
    const ImVec2 p = ImGui::GetCursorScreenPos();
    ImGui::InvisibleButton("chart", ImVec2(w, h));
    const bool hovered = ImGui::IsItemHovered();
    ImDrawList* dl = ImGui::GetWindowDrawList();
    const float lh = ImGui::GetTextLineHeight();
    const std::string title = s.name + (diff ? " (variant - base)" : "") + " [" + s.units + "]";
    const float left = ImGui::CalcTextSize("-0.0000").x + 8, right = 8, top = lh * 1.6f,
                bottom = lh * (s.width > 1 ? 2.4f : 1.3f);
    const ImVec2 q0(p.x + left, p.y + top), q1(p.x + w - right, p.y + h - bottom);
    dl->AddRect(p, ImVec2(p.x + w, p.y + h), IM_COL32(50, 50, 60, 255));
    dl->AddText(ImVec2(p.x + 4, p.y + 2), IM_COL32(230, 230, 230, 255), title.c_str());
    if (rows == 0 || q1.x <= q0.x + 4 || q1.y <= q0.y + 4) {
        ImGui::PopID();
        return;
    }
    auto value = [&](const Series& x, size_t row, size_t c) {
        if (row * x.width + c >= x.values.size())
            return std::nan("");
        return x.at(row, c);
    };
    auto shown_value = [&](size_t row, size_t c) {
        return diff ? value(s, row, c) - value(*base, row, c) : value(s, row, c);
    };
    double lo = std::numeric_limits<double>::infinity(), hi = -lo;
    for (size_t row = 0; row < rows; ++row)
        for (size_t c = 0; c < s.width; ++c) {
            for (double v :
                 {shown_value(row, c), base != nullptr && !diff ? value(*base, row, c) : std::nan("")})
                if (!std::isnan(v)) {
                    lo = std::min(lo, v);
                    hi = std::max(hi, v);
                }
        }
    if (diff) {
        const double m = std::max({std::abs(lo), std::abs(hi), 1e-12});
        lo = -m;
        hi = m;
    }
    if (!(lo <= hi)) {
        dl->AddText(ImVec2(q0.x + 4, q0.y + 4), IM_COL32(180, 180, 180, 255), "no data (NaN at every step)");
        ImGui::PopID();
        return;
    }
    if (hi - lo < 1e-12) {
        lo -= 0.5;
        hi += 0.5;
    }
    {
        // A margin so that lines at the extremes stay clear of the frame.
        const double m = (hi - lo) * 0.06;
        lo -= m;
        hi += m;
    }
    const double x1 = double(std::max<int64_t>(1, last_step()));
    auto X = [&](double step) { return q0.x + float(step / x1) * (q1.x - q0.x); };
    auto Y = [&](double v) { return q1.y - float((v - lo) / (hi - lo)) * (q1.y - q0.y); };
    // Steps with a policy in force as one band (many policies would
    // otherwise stack into an opaque block).
    {
        std::vector<uint8_t> in_force(size_t(last_step() + 2), 0);
        const auto& ev = r.events;
        for (size_t i = 0; i < ev.size(); ++i)
            if (ev[i].kind == "policy_start") {
                int64_t end = last_step() + 1;
                for (size_t j = i + 1; j < ev.size(); ++j)
                    if (ev[j].kind == "policy_end" && ev[j].name == ev[i].name) {
                        end = ev[j].step;
                        break;
                    }
                for (int64_t t = std::max<int64_t>(0, ev[i].step); t < end && t <= last_step(); ++t)
                    in_force[size_t(t)] = 1;
            }
        for (size_t t = 0; t + 1 < in_force.size(); ++t)
            if (in_force[t] != 0) {
                size_t e = t;
                while (e + 1 < in_force.size() && in_force[e + 1] != 0)
                    ++e;
                dl->AddRectFilled(ImVec2(X(double(t)), q0.y),
                                  ImVec2(X(double(std::min<size_t>(e + 1, size_t(x1)))), q1.y),
                                  IM_COL32(255, 210, 120, 30));
                t = e;
            }
    }
    dl->AddRect(q0, q1, IM_COL32(110, 110, 120, 255));
    for (int t = 0; t <= 2; ++t) {
        const double v = lo + (hi - lo) * t / 2;
        const std::string lab = fmt(v);
        dl->AddText(ImVec2(p.x + left - 4 - ImGui::CalcTextSize(lab.c_str()).x, Y(v) - lh / 2),
                    IM_COL32(190, 190, 190, 255), lab.c_str());
        dl->AddLine(ImVec2(q0.x, Y(v)), ImVec2(q1.x, Y(v)), IM_COL32(70, 70, 80, 255));
    }
    if (diff)
        dl->AddLine(ImVec2(q0.x, Y(0)), ImVec2(q1.x, Y(0)), IM_COL32(200, 200, 200, 160), 1.5f);
    {
        char b[64];
        std::snprintf(b, sizeof b, "%ld", long(last_step()));
        dl->AddText(ImVec2(q1.x - ImGui::CalcTextSize(b).x, q1.y + 1), IM_COL32(190, 190, 190, 255), b);
        dl->AddText(ImVec2(q0.x, q1.y + 1), IM_COL32(190, 190, 190, 255), "0");
        dl->AddText(ImVec2((q0.x + q1.x) / 2 - 12, q1.y + 1), IM_COL32(150, 150, 150, 255), "step");
    }
    dl->PushClipRect(q0, q1, true);
    std::vector<ImVec2> pts;
    auto line = [&](auto&& val, ImU32 c, float thick) {
        pts.clear();
        for (size_t row = 0; row < rows; ++row) {
            const double v = val(row);
            if (std::isnan(v)) { // a gap
                if (pts.size() > 1)
                    dl->AddPolyline(pts.data(), int(pts.size()), c, 0, thick);
                pts.clear();
                continue;
            }
            pts.emplace_back(X(double(row)), Y(v));
        }
        if (pts.size() > 1)
            dl->AddPolyline(pts.data(), int(pts.size()), c, 0, thick);
        else if (pts.size() == 1)
            dl->AddCircleFilled(pts[0], 2, c);
    };
    auto colour_of = [&](size_t c) {
        if (s.dims == "step,group")
            return col(group_colour(c));
        if (s.width == 1)
            return IM_COL32(120, 200, 255, 255);
        return col(sequential(double(c) / double(std::max<size_t>(1, s.width - 1))));
    };
    if (base != nullptr && !diff)
        for (size_t c = 0; c < s.width; ++c)
            line([&](size_t row) { return value(*base, row, c); }, IM_COL32(150, 150, 150, 200), 2.0f);
    for (size_t c = 0; c < s.width; ++c)
        line([&](size_t row) { return shown_value(row, c); }, colour_of(c), 2.0f);
    dl->AddLine(ImVec2(X(double(step_)), q0.y), ImVec2(X(double(step_)), q1.y), IM_COL32(255, 255, 255, 220),
                1.5f);
    dl->PopClipRect();
    // Legend of the columns.
    if (s.width > 1) {
        float lx = q0.x;
        const float ly = q1.y + lh * 1.1f;
        for (size_t c = 0; c < s.width && c < s.columns.size(); ++c) {
            const float tw = ImGui::CalcTextSize(s.columns[c].c_str()).x;
            if (lx + tw + 16 > q1.x)
                break;
            dl->AddRectFilled(ImVec2(lx, ly + 3), ImVec2(lx + 10, ly + lh - 3), colour_of(c));
            dl->AddText(ImVec2(lx + 13, ly), IM_COL32(200, 200, 200, 255), s.columns[c].c_str());
            lx += tw + 24;
        }
    }
    if (hovered) {
        const double mx = double(ImGui::GetIO().MousePos.x - q0.x) / double(q1.x - q0.x) * x1;
        const size_t row = size_t(std::clamp(std::lround(mx), 0L, long(rows - 1)));
        dl->AddLine(ImVec2(X(double(row)), q0.y), ImVec2(X(double(row)), q1.y), IM_COL32(255, 255, 255, 90));
        ImGui::BeginTooltip();
        ImGui::Text("%s at step %zu [%s]", s.name.c_str(), row, s.units.c_str());
        for (size_t c = 0; c < s.width; ++c)
            ImGui::Text("  %s: %s%s", c < s.columns.size() ? s.columns[c].c_str() : s.name.c_str(),
                        fmt(shown_value(row, c)).c_str(),
                        base != nullptr && !diff ? ("  (base " + fmt(value(*base, row, c)) + ")").c_str()
                                                 : "");
        ImGui::EndTooltip();
        if (ImGui::IsItemClicked())
            set_step(int64_t(row));
    }
    ImGui::PopID();
}

void Viewer::timeline(float width) {
    const Run& r = *runs_[0];
    if (ImGui::Button(playing_ ? "pause" : "play ") ||
        ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Space))) {
        if (!playing_ && step_ >= last_step())
            set_step(0);
        playing_ = !playing_;
        accum_ = 0;
    }
    ImGui::SameLine();
    if (ImGui::Button("<") || ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_LeftArrow)))
        set_step(step_ - 1);
    ImGui::SameLine();
    if (ImGui::Button(">") || ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_RightArrow)))
        set_step(step_ + 1);
    ImGui::SameLine();
    if (ImGui::Button("next event")) {
        for (const auto& e : r.events)
            if (e.step > step_) {
                set_step(e.step);
                break;
            }
    }
    // Bookmarks: keys 1-9 jump, Ctrl+1-9 set (GLFW's key codes are ASCII).
    for (int k = 0; k < 9; ++k)
        if (ImGui::IsKeyPressed('1' + k, false)) {
            if (ImGui::GetIO().KeyCtrl) {
                if (bookmarks_.size() <= size_t(k))
                    bookmarks_.resize(size_t(k) + 1, {"", -1});
                bookmarks_[size_t(k)] = {"bookmark " + std::to_string(k + 1), step_};
            } else if (size_t(k) < bookmarks_.size() && bookmarks_[size_t(k)].second >= 0) {
                set_step(bookmarks_[size_t(k)].second);
            }
        }
    for (size_t k = 0; k < bookmarks_.size(); ++k)
        if (bookmarks_[k].second >= 0) {
            ImGui::SameLine();
            ImGui::PushID(int(k));
            if (ImGui::Button(bookmarks_[k].first.c_str()))
                set_step(bookmarks_[k].second);
            if (ImGui::IsItemHovered())
                ImGui::SetTooltip("key %zu: step %ld", k + 1, long(bookmarks_[k].second));
            ImGui::PopID();
        }
    ImGui::SameLine();
    float sp = float(speed_);
    ImGui::SetNextItemWidth(150);
    if (ImGui::SliderFloat("steps/s", &sp, 0.25f, 60.0f, "%.2f", ImGuiSliderFlags_Logarithmic))
        speed_ = double(sp);
    ImGui::SameLine();
    int s = int(step_);
    ImGui::SetNextItemWidth(width - ImGui::GetCursorPosX() - 20);
    const ImVec2 p = ImGui::GetCursorScreenPos();
    if (ImGui::SliderInt("##step", &s, 0, int(std::max<int64_t>(0, last_step())), "step %d"))
        set_step(s);
    // /events marked on the scrub bar.
    const ImVec2 q = ImGui::GetItemRectMax();
    ImDrawList* dl = ImGui::GetWindowDrawList();
    const double n = double(std::max<int64_t>(1, last_step()));
    for (const auto& e : r.events) {
        const float ex = p.x + 8 + float(double(e.step) / n) * (q.x - p.x - 16);
        const ImU32 c = e.kind == "policy_end" ? IM_COL32(120, 170, 255, 255) : IM_COL32(255, 190, 60, 255);
        dl->AddTriangleFilled(ImVec2(ex - 4, q.y + 6), ImVec2(ex + 4, q.y + 6), ImVec2(ex, q.y), c);
    }
    for (int64_t sn : r.snapshot_steps) {
        const float ex = p.x + 8 + float(double(sn) / n) * (q.x - p.x - 16);
        dl->AddLine(ImVec2(ex, p.y - 2), ImVec2(ex, p.y + 2), IM_COL32(140, 200, 255, 200));
    }
    if (!r.events.empty()) {
        std::string evs;
        for (const auto& e : r.events)
            if (e.step == step_)
                evs += (evs.empty() ? "" : ", ") + e.kind + " " + e.name;
        if (!evs.empty()) {
            ImGui::SetCursorScreenPos(ImVec2(p.x, q.y + 6));
            ImGui::TextColored(ImVec4(1, 0.8f, 0.4f, 1), "at this step: %s", evs.c_str());
        }
    }
}

} // namespace icsim::viz
