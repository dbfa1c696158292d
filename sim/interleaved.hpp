// Sums per unit (a neighbourhood) over a block of residents, kept in four
// interleaved copies: resident r adds to copy r mod 4. Arranged residents
// come in short runs of one neighbourhood (sim/world.hpp), and adds to one
// sum would each wait on the previous one through memory; four copies let
// them overlap. fold_into() adds the copies in copy order, so a sum of
// floating-point values is the same on every run.
#pragma once

#include <cstddef>
#include <vector>

namespace icsim {

template <class T>
class InterleavedSums {
public:
    explicit InterleavedSums(size_t units) : units_(units), v_(4 * units, T(0)) {}
    // The copy of `unit`'s sum that resident r adds to.
    T& at(size_t r, size_t unit) { return v_[(r & 3) * units_ + unit]; }
    // out[u] += each copy of unit u's sum, copy 0 first.
    template <class U>
    void fold_into(std::vector<U>& out) const {
        for (size_t k = 0; k < 4; ++k)
            for (size_t u = 0; u < units_; ++u)
                out[u] += v_[k * units_ + u];
    }

private:
    size_t units_;
    std::vector<T> v_;
};

} // namespace icsim
