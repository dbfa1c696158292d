#include "viz/colour.hpp"

#include <algorithm>
#include <cmath>

namespace icsim::viz {

namespace {

constexpr Rgba kGroups[] = {{0, 114, 178, 255},   {230, 159, 0, 255},  {0, 158, 115, 255},
                            {204, 121, 167, 255}, {86, 180, 233, 255}, {213, 94, 0, 255},
                            {240, 228, 66, 255},  {150, 150, 150, 255}};

// Viridis at nine stops (matplotlib's values, rounded).
constexpr Rgba kViridis[] = {{68, 1, 84, 255},    {71, 44, 122, 255},  {59, 81, 139, 255},
                             {44, 113, 142, 255}, {33, 144, 141, 255}, {39, 173, 129, 255},
                             {92, 200, 99, 255},  {170, 220, 50, 255}, {253, 231, 37, 255}};

Rgba lerp(const Rgba& a, const Rgba& b, double t) {
    Rgba c{};
    for (int k = 0; k < 4; ++k)
        c[size_t(k)] =
            uint8_t(std::lround(double(a[size_t(k)]) + (double(b[size_t(k)]) - double(a[size_t(k)])) * t));
    return c;
}

void put(std::span<uint8_t> out, size_t cell, Rgba c, bool border) {
    if (border)
        for (int k = 0; k < 3; ++k)
            c[size_t(k)] = uint8_t(c[size_t(k)] / 2 + 8);
    std::copy(c.begin(), c.end(), out.begin() + std::ptrdiff_t(cell * 4));
}

} // namespace

Rgba group_colour(size_t g) {
    return kGroups[g % std::size(kGroups)];
}

Rgba sequential(double t) {
    if (std::isnan(t))
        return kNoData;
    t = std::clamp(t, 0.0, 1.0) * 8.0;
    const size_t i = std::min<size_t>(size_t(t), 7);
    return lerp(kViridis[i], kViridis[i + 1], t - double(i));
}

Rgba diverging(double t) {
    if (std::isnan(t))
        return kNoData;
    t = std::clamp(t, -1.0, 1.0);
    constexpr Rgba grey{200, 200, 200, 255}, blue{33, 102, 172, 255}, orange{230, 97, 1, 255};
    return t < 0 ? lerp(grey, blue, -t) : lerp(grey, orange, t);
}

std::vector<uint8_t> border_cells(const Run& run) {
    const int w = run.width, h = run.height;
    std::vector<uint8_t> b(run.cells(), 0);
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) {
            const size_t i = size_t(y) * size_t(w) + size_t(x);
            const uint16_t n = run.neighbourhood[i];
            const bool edge = (x + 1 < w && run.neighbourhood[i + 1] != n) ||
                              (y + 1 < h && run.neighbourhood[i + size_t(w)] != n);
            b[i] = edge ? 1 : 0;
        }
    return b;
}

double cell_value(const Run& run, const CellAggregate* agg, const MapStyle& style, size_t cell,
                  size_t group) {
    switch (style.mode) {
    case MapMode::GroupMix:
        if (agg == nullptr || agg->count[cell] == 0)
            return std::nan("");
        return double(agg->group_count[cell * agg->groups + group]) / double(agg->count[cell]);
    case MapMode::Field:
        return agg == nullptr || !agg->has(style.field) ? std::nan("")
                                                        : double(agg->mean[size_t(style.field)][cell]);
    case MapMode::Neighbourhood:
        if (style.hood_series == nullptr ||
            style.hood_row * style.hood_series->width >= style.hood_series->values.size())
            return std::nan("");
        return style.hood_series->at(style.hood_row, run.neighbourhood[cell]);
    }
    return std::nan("");
}

void colour_map(const Run& run, const CellAggregate* agg, const MapStyle& style,
                std::span<const uint8_t> borders, std::span<uint8_t> out) {
    const size_t cells = run.cells();
    const double span = style.hi > style.lo ? style.hi - style.lo : 1.0;
    const bool use_borders = style.borders && borders.size() == cells;
    // A 256-entry table: one lookup per cell instead of a palette evaluation.
    std::array<Rgba, 256> lut{};
    for (size_t k = 0; k < 256; ++k)
        lut[k] = sequential(double(k) / 255.0);
    auto seq = [&](double v) {
        if (std::isnan(v))
            return kNoData;
        const double t = std::clamp((v - style.lo) / span, 0.0, 1.0);
        return lut[size_t(std::lround(t * 255.0))];
    };
    if (style.mode == MapMode::GroupMix) {
        const size_t G = agg == nullptr ? 0 : agg->groups;
        for (size_t i = 0; i < cells; ++i) {
            Rgba c = kEmpty;
            if (agg != nullptr && agg->count[i] > 0) {
                // The cell's groups' colours mixed by their shares; a cell
                // of one group shows that group's colour exactly.
                unsigned r = 0, g = 0, b = 0;
                const unsigned n = agg->count[i];
                for (size_t k = 0; k < G; ++k) {
                    const unsigned m = agg->group_count[i * G + k];
                    const Rgba gc = group_colour(k);
                    r += m * gc[0];
                    g += m * gc[1];
                    b += m * gc[2];
                }
                c = {uint8_t((r + n / 2) / n), uint8_t((g + n / 2) / n), uint8_t((b + n / 2) / n), 255};
            }
            put(out, i, c, use_borders && borders[i] != 0);
        }
        return;
    }
    if (style.mode == MapMode::Field) {
        const auto& m = agg == nullptr ? std::vector<float>() : agg->mean[size_t(style.field)];
        for (size_t i = 0; i < cells; ++i) {
            const Rgba c = m.empty() ? kEmpty : (agg->count[i] == 0 ? kEmpty : seq(double(m[i])));
            put(out, i, c, use_borders && borders[i] != 0);
        }
        return;
    }
    // Neighbourhood choropleth: one colour per neighbourhood, looked up.
    std::vector<Rgba> hood(run.hood_names.size(), kNoData);
    for (size_t h = 0; h < hood.size(); ++h) {
        const Series* s = style.hood_series;
        if (s != nullptr && (style.hood_row + 1) * s->width <= s->values.size() && h < s->width)
            hood[h] = seq(s->at(style.hood_row, h));
    }
    for (size_t i = 0; i < cells; ++i)
        put(out, i, hood[run.neighbourhood[i]], use_borders && borders[i] != 0);
}

double difference(const Run& run, const CellAggregate& base, const CellAggregate& variant,
                  const MapStyle& style, size_t group, std::vector<float>& out) {
    const size_t cells = run.cells();
    out.resize(cells);
    std::vector<float> mag;
    mag.reserve(cells);
    for (size_t i = 0; i < cells; ++i) {
        const double d = cell_value(run, &variant, style, i, group) - cell_value(run, &base, style, i, group);
        out[i] = float(d);
        if (!std::isnan(d) && d != 0)
            mag.push_back(float(std::abs(d)));
    }
    if (mag.empty())
        return 0;
    // The palette spans the 95th percentile of |difference|: a few outlying
    // cells would otherwise wash the rest out to grey.
    const size_t q = std::min(mag.size() - 1, size_t(double(mag.size()) * 0.95));
    std::nth_element(mag.begin(), mag.begin() + std::ptrdiff_t(q), mag.end());
    return double(mag[q]);
}

void colour_difference(std::span<const float> diff, double span, std::span<const uint8_t> borders,
                       std::span<uint8_t> out) {
    const double s = span > 0 ? span : 1.0;
    std::array<Rgba, 257> lut{};
    for (size_t k = 0; k < 257; ++k)
        lut[k] = diverging((double(k) - 128.0) / 128.0);
    for (size_t i = 0; i < diff.size(); ++i) {
        const double d = double(diff[i]);
        const Rgba c =
            std::isnan(d) ? kEmpty : lut[size_t(std::lround(std::clamp(d / s, -1.0, 1.0) * 128.0 + 128.0))];
        put(out, i, c, borders.size() == diff.size() && borders[i] != 0);
    }
}

} // namespace icsim::viz
