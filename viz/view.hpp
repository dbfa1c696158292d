// The viewer's user interface (Dear ImGui): replay of one run, comparison
// of two. Owns the map textures (allocated once, updated with
// glTexSubImage2D); the window, GL context and main loop are main.cpp's.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "viz/colour.hpp"
#include "viz/data.hpp"

namespace icsim::viz {

// Where a map was drawn on the screen (pixels, top-left origin) and which
// part of the city it shows (cell coordinates): for screenshot tests.
struct MapPlacement {
    std::string name; // "base", "variant", "difference", "map"
    float x0 = 0, y0 = 0, x1 = 0, y1 = 0;
    double cx0 = 0, cy0 = 0, cx1 = 0, cy1 = 0;
};

struct MapTexture {
    unsigned id = 0;
    int width = 0, height = 0;
    std::vector<uint8_t> pixels;
    void ensure(int w, int h); // allocates once per size
    void upload();
    ~MapTexture();
};

class Viewer {
public:
    // runs: one (replay) or two (base, variant); error: shown instead.
    Viewer(std::vector<std::unique_ptr<Run>> runs, std::string error);

    // Builds one frame's UI for a window of width x height pixels; dt =
    // seconds since the last frame (advances playback).
    void frame(float width, float height, double dt);

    bool compare() const { return runs_.size() == 2; }
    const std::string& error() const { return error_; }
    const std::vector<MapPlacement>& placements() const { return placements_; }
    void set_step(int64_t s);
    int64_t step() const { return step_; }
    int64_t last_step() const;
    // Colouring by name: "groups", a field ("prejudice", ...) or a
    // /neighbourhoods series ("neighbourhoods/minority_share"); false if unknown.
    bool set_view(const std::string& name);
    void set_charts(std::vector<std::string> paths) { charts_ = std::move(paths); }
    void set_difference_charts(bool on) { diff_charts_ = on; }
    bool set_group(const std::string& name);
    void set_presenter(bool on) { presenter_ = on; }
    // Named steps to jump to (keys 1-9; Ctrl+1-9 sets slot n to the step).
    void add_bookmark(std::string name, int64_t step) { bookmarks_.emplace_back(std::move(name), step); }
    bool presenter() const { return presenter_; }
    float font_zoom = 1.0f;
    bool screenshot_requested = false; // the presenter's key
    // Following a run being written (--follow): re-reads the file every
    // `interval` seconds (HDF5 SWMR: only committed rows), moves to the new
    // last step if the view was at the end, and says so when the writer
    // has stopped (no new step for `stalled` seconds) or finished.
    void follow(const std::string& path) { follow_path_ = path; }
    void poll(double now, double interval = 0.3, double stalled = 3.0);
    const std::string& follow_status() const { return follow_status_; }
    void force_recolour() { colour_key_.clear(); }
    // A panel drawn at the top of the side panel, in presenter mode too
    // (live mode's controls and levers).
    void set_extra_panel(std::function<void(const Viewer&)> panel) { extra_panel_ = std::move(panel); }
    const Run& run(size_t k) const { return *runs_[k]; }

private:
    void top_bar(float width);
    void timeline(float width);
    void side_panel();
    void legend();
    void maps(float x, float y, float w, float h);
    void draw_map(const char* id, MapTexture& tex, const Run& run, const CellAggregate* agg, float w, float h,
                  const char* name);
    void charts(float x, float y, float w, float h);
    void charts_body();
    void chart(const Series& s, const Series* base, float w, float h);
    void residents_window();
    void recolour();
    const CellAggregate* agg(size_t run);
    void palette_range();
    void load_error(const std::exception& e);

    std::vector<std::unique_ptr<Run>> runs_;
    std::string error_;
    int64_t step_ = 0;
    bool playing_ = false;
    double speed_ = 4.0, accum_ = 0.0;
    MapStyle style_;
    std::string hood_series_; // path of the choropleth's series
    size_t group_ = 1;        // compared group share (group mix)
    std::vector<std::string> charts_;
    bool diff_charts_ = false;
    bool presenter_ = false;
    double zoom_ = 1.0, cx_ = 0.5, cy_ = 0.5; // view centre in city fractions
    std::vector<MapPlacement> placements_;
    MapTexture tex_[3];
    std::vector<float> diff_;
    double diff_span_ = 0;
    std::string colour_key_;
    std::vector<uint8_t> borders_;
    std::shared_ptr<const CellAggregate> aggs_[2];
    long selected_cell_ = -1;
    std::string selected_text_;
    std::vector<std::string> differing_;
    std::vector<std::pair<std::string, int64_t>> bookmarks_;
    std::string follow_path_, follow_status_;
    double last_poll_ = -1, last_growth_ = 0;
    std::function<void(const Viewer&)> extra_panel_;
};

} // namespace icsim::viz
