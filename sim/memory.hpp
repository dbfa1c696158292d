// Large arrays on transparent huge pages (BigVector), and large
// temporaries mapped for themselves (MappedVector, see MappedPages).
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

// Where an allocator's memory comes from: a source's allocate(bytes) and
// deallocate(p, bytes); SourceAllocator below makes an allocator of it.

// Large buffers on huge pages (as above); small ones from operator new.
struct HugePages {
    static void* allocate(size_t bytes) {
        if (bytes < kHugeMinBytes)
            return ::operator new(bytes);
        const size_t rounded = (bytes + kHugePage - 1) & ~(kHugePage - 1);
        void* p = std::aligned_alloc(kHugePage, rounded);
        if (p == nullptr)
            throw std::bad_alloc();
#if defined(__linux__) && defined(MADV_HUGEPAGE)
        madvise(p, rounded, MADV_HUGEPAGE); // a hint: failure leaves small pages
#endif
        return p;
    }
    static void deallocate(void* p, size_t bytes) noexcept {
        if (bytes < kHugeMinBytes)
            ::operator delete(p);
        else
            std::free(p);
    }
};

// Pages mapped and unmapped directly, bypassing malloc: for large
// short-lived buffers. Freed through malloc, a mapped buffer raises glibc's
// dynamic mmap threshold to its size (up to 32 MiB), after which every
// allocation below it comes from the heap for the rest of the run -- which
// made the output writer measurably slower after arrange_residents' sort
// (docs/performance.md).
struct MappedPages {
    static void* allocate(size_t bytes) {
#if defined(__linux__)
        void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED)
            throw std::bad_alloc();
        return p;
#else
        return ::operator new(bytes);
#endif
    }
    static void deallocate(void* p, size_t bytes) noexcept {
#if defined(__linux__)
        munmap(p, bytes);
#else
        (void)bytes;
        ::operator delete(p);
#endif
    }
};

template <class T, class Source>
struct SourceAllocator {
    using value_type = T;

    SourceAllocator() noexcept = default;
    template <class U>
    SourceAllocator(const SourceAllocator<U, Source>&) noexcept {}

    T* allocate(size_t n) { return n == 0 ? nullptr : static_cast<T*>(Source::allocate(n * sizeof(T))); }
    void deallocate(T* p, size_t n) noexcept {
        if (p != nullptr)
            Source::deallocate(p, n * sizeof(T));
    }

    template <class U>
    bool operator==(const SourceAllocator<U, Source>&) const noexcept {
        return true;
    }
};

template <class T>
using HugePageAllocator = SourceAllocator<T, HugePages>;

// A std::vector whose large buffers sit on huge pages.
template <class T>
using BigVector = std::vector<T, HugePageAllocator<T>>;

// A std::vector whose buffer is mapped for it alone (see MappedPages).
template <class T>
using MappedVector = std::vector<T, SourceAllocator<T, MappedPages>>;

} // namespace icsim
