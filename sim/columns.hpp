// Columns in locals: the data pointers of a hot loop's columns, taken once
// before the loop.
//
// Why: a mechanism's loops store bytes (uint8_t columns, meeting slots), and
// a store through a byte pointer may alias any memory, so a column read
// through a vector, a member or a reference (w.pop.group[r], p_.x) is
// reloaded after every such store, and the loop does not vectorise. Local
// pointers, and parameter structs copied by value, are not. Write
//
//     const auto [group, prejudice] = columns(pop.group, pop.prejudice);
//     const auto [language, skill] = columns(pop.language, pop.skill);
//
// inside the loop's body function, then index the pointers. (clang 14
// cannot capture a structured binding in a lambda: an inner lambda takes
// one by an init-capture, [&, group = group].)
#pragma once

#include <array>
#include <cstddef>
#include <tuple>

namespace icsim {

// The data pointers of the columns, in order (const columns give pointers
// to const).
template <class... Column>
auto columns(Column&... c) {
    return std::tuple{c.data()...};
}

// The data pointers of an array of columns (the tie slots' columns).
template <class Column, size_t K>
auto columns(std::array<Column, K>& c) {
    std::array<decltype(c[0].data()), K> out{};
    for (size_t k = 0; k < K; ++k)
        out[k] = c[k].data();
    return out;
}
template <class Column, size_t K>
auto columns(const std::array<Column, K>& c) {
    std::array<decltype(c[0].data()), K> out{};
    for (size_t k = 0; k < K; ++k)
        out[k] = c[k].data();
    return out;
}

} // namespace icsim
