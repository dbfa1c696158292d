// Large arrays on transparent huge pages.
//
// The social mechanisms read and write residents' meeting slots and
// start-of-step state at random (a partner, a friend): at a million
// residents these arrays span tens of megabytes, so with 4 KiB pages nearly
// every such access also misses the TLB. Where the kernel offers
// transparent huge pages only on request (Debian's default, "madvise"), an
// array of at least kHugeMinBytes is allocated 2 MiB-aligned and marked
// MADV_HUGEPAGE before its first touch, so it is backed by 2 MiB pages. It
// changes no result: only where the bytes live.
#pragma once

#include <cstddef>
#include <cstdlib>
#include <new>
#include <vector>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace icsim {

constexpr size_t kHugePage = size_t(1) << 21;
constexpr size_t kHugeMinBytes = size_t(4) << 20;

template <class T>
struct HugePageAllocator {
    using value_type = T;

    HugePageAllocator() noexcept = default;
    template <class U>
    HugePageAllocator(const HugePageAllocator<U>&) noexcept {}

    T* allocate(size_t n) {
        const size_t bytes = n * sizeof(T);
        if (bytes < kHugeMinBytes)
            return static_cast<T*>(::operator new(bytes));
        const size_t rounded = (bytes + kHugePage - 1) & ~(kHugePage - 1);
        void* p = std::aligned_alloc(kHugePage, rounded);
        if (p == nullptr)
            throw std::bad_alloc();
#if defined(__linux__) && defined(MADV_HUGEPAGE)
        madvise(p, rounded, MADV_HUGEPAGE); // a hint: failure leaves small pages
#endif
        return static_cast<T*>(p);
    }
    void deallocate(T* p, size_t n) noexcept {
        if (n * sizeof(T) < kHugeMinBytes)
            ::operator delete(p);
        else
            std::free(p);
    }

    template <class U>
    bool operator==(const HugePageAllocator<U>&) const noexcept {
        return true;
    }
};

// A std::vector whose large buffers sit on huge pages.
template <class T>
using BigVector = std::vector<T, HugePageAllocator<T>>;

} // namespace icsim
