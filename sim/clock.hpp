// The process's CPU time, for the run and sweep timings that compare it
// with wall time (how busy the cores were).
#pragma once

#include <ctime>

namespace icsim {

// Seconds of CPU the whole process has used, all threads together.
inline double process_cpu_seconds() {
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return double(ts.tv_sec) + 1e-9 * double(ts.tv_nsec);
}

} // namespace icsim
