// Colouring the city map on the CPU (no GL): one RGBA8 texel per cell,
// uploaded by the view into a texture allocated once (a shader colour map
// is the slow path under software GL).
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "viz/data.hpp"

namespace icsim::viz {

using Rgba = std::array<uint8_t, 4>;

// Colour of group g (Okabe & Ito's colour-blind-safe set, cycled).
Rgba group_colour(size_t g);
// Sequential (viridis-like) palette at t in [0, 1].
Rgba sequential(double t);
// Diverging palette at t in [-1, 1]: blue below zero, grey at 0, orange above.
Rgba diverging(double t);
inline constexpr Rgba kEmpty{40, 40, 46, 255};  // a cell without residents
inline constexpr Rgba kNoData{90, 90, 90, 255}; // NaN

enum class MapMode : uint8_t { GroupMix, Field, Neighbourhood };

struct MapStyle {
    MapMode mode = MapMode::GroupMix;
    Field field = Field::Prejudice;
    const Series* hood_series = nullptr; // for Neighbourhood
    size_t hood_row = 0;                 // the exact step's row
    double lo = 0, hi = 1;               // value range of the palette
    bool borders = true;
};

// Cells on a neighbourhood border (a 4-neighbour in another neighbourhood).
std::vector<uint8_t> border_cells(const Run& run);

// Writes run.cells() texels into out (RGBA8, row y = cell row y).
void colour_map(const Run& run, const CellAggregate* agg, const MapStyle& style,
                std::span<const uint8_t> borders, std::span<uint8_t> out);

// Per-cell difference variant - base of the style's figure (group mix: the
// share of `group`), NaN where either cell is empty; the largest |value|.
double difference(const Run& run, const CellAggregate& base, const CellAggregate& variant,
                  const MapStyle& style, size_t group, std::vector<float>& out);
// Colours a difference map symmetric about zero (range +-span).
void colour_difference(std::span<const float> diff, double span, std::span<const uint8_t> borders,
                       std::span<uint8_t> out);

// The value a cell shows under the style (NaN when undefined).
double cell_value(const Run& run, const CellAggregate* agg, const MapStyle& style, size_t cell,
                  size_t group = 0);

} // namespace icsim::viz
