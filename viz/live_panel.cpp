#include "viz/live_panel.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

#include <imgui.h>

namespace icsim::viz {

void LivePanel::draw(const Viewer& viewer) {
    LiveRunner& r = *runner;
    const uint32_t done = r.last_step();
    const std::string err = r.error();
    const bool paused = r.paused();
    const char* state = !err.empty() ? "stopped by an error"
                        : r.done()   ? "finished (the file is renamed when the window closes)"
                        : paused     ? "paused"
                                     : "running";
    ImGui::TextColored(ImVec4(0.6f, 1, 0.6f, 1), "live: engine at step %u of %u, %s", done, r.steps(), state);
    if (!err.empty()) {
        ImGui::PushTextWrapPos(ImGui::GetContentRegionAvail().x + ImGui::GetCursorPosX());
        ImGui::TextColored(ImVec4(1, 0.45f, 0.3f, 1), "%s", err.c_str());
        ImGui::PopTextWrapPos();
    }
    if (ImGui::Button(paused ? "resume" : "pause ") ||
        (ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Enter)) && !ImGui::GetIO().WantTextInput))
        r.set_paused(!paused);
    ImGui::SameLine();
    if (ImGui::Button("reset"))
        reset_wanted = true;
    if (ImGui::IsItemHovered())
        ImGui::SetTooltip("start over at step 0, same scenario and seed: %s is discarded\nand written afresh",
                          r.working_path().c_str());
    ImGui::SameLine();
    double sp = r.speed();
    bool fast = sp <= 0;
    if (ImGui::Checkbox("as fast as possible", &fast))
        r.set_speed(fast ? 0.0 : 4.0);
    if (!fast) {
        ImGui::SameLine();
        float f = float(sp);
        ImGui::SetNextItemWidth(std::max(80.0f, ImGui::GetContentRegionAvail().x - 90));
        if (ImGui::SliderFloat("engine steps/s", &f, 0.25f, 60.0f, "%.2f", ImGuiSliderFlags_Logarithmic))
            r.set_speed(double(f));
    }
    if (!ImGui::CollapsingHeader("Levers (live level, 0-1, from the next step)",
                                 ImGuiTreeNodeFlags_DefaultOpen))
        return;
    // In force at the shown step: the file's /timeseries/lever_intensity.
    const Series* in_force = viewer.run(0).find("/timeseries/lever_intensity");
    const auto live = r.levers();
    // Two levers a row: eleven sliders stay a few lines high.
    if (!ImGui::BeginTable("##levers", 2, ImGuiTableFlags_SizingStretchSame))
        return;
    for (size_t k = 0; k < lever_table().size(); ++k) {
        const LeverInfo& l = lever_table()[k];
        const size_t i = size_t(l.lever);
        if (active != int(i))
            shown[i] = float(live[i]);
        double now = std::nan("");
        if (in_force != nullptr && in_force->width > i &&
            size_t(viewer.step()) * in_force->width < in_force->values.size())
            now = in_force->at(size_t(viewer.step()), i);
        char format[64];
        if (std::isnan(now))
            std::snprintf(format, sizeof format, "%%.2f");
        else
            std::snprintf(format, sizeof format, "%%.2f  (in force %.2f)", now);
        ImGui::TableNextColumn();
        ImGui::PushID(int(i));
        ImGui::SetNextItemWidth(ImGui::GetContentRegionAvail().x * 0.55f);
        ImGui::SliderFloat(l.name, &shown[i], 0.0f, 1.0f, format);
        if (ImGui::IsItemActive())
            active = int(i);
        if (ImGui::IsItemDeactivatedAfterEdit()) {
            r.set_lever(l.name, double(std::clamp(shown[i], 0.0f, 1.0f)));
            active = -1;
        } else if (!ImGui::IsItemActive() && active == int(i)) {
            active = -1;
        }
        if (ImGui::IsItemHovered())
            ImGui::SetTooltip(
                "%s: acts on %s\nunit: intensity, 0-1 (share of full strength; dimensionless)\n"
                "the live level is added to the scenario's baseline and policies (capped at 1);\n"
                "'in force' is the lever's level at the shown step (/timeseries/lever_intensity)\n"
                "recorded in /events as policy live:%s",
                l.name, l.acts_on, l.name);
        ImGui::PopID();
    }
    ImGui::EndTable();
    ImGui::Separator();
}

} // namespace icsim::viz
