// Per-thread scratch owned by the code that uses it (a mechanism, a metric
// object), in place of thread_local: freed with its owner, one per owner
// (two mechanisms or two calls on different worlds never share one), and
// reused from one step to the next, so that its pages are faulted in once.
//
// Use inside a parallel loop's body only, and hold the reference only
// while the body makes no nested parallel call: a thread waiting inside
// one may run another task of the same loop, which would get the same
// scratch.
#pragma once

#include <oneapi/tbb/enumerable_thread_specific.h>

namespace icsim {

template <class T>
using PerThread = oneapi::tbb::enumerable_thread_specific<T>;

} // namespace icsim
