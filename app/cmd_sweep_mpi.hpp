// `icsim sweep` and `icsim compare` across processes: started by mpirun, rank 0 keeps the
// sweep's file and hands runs out one at a time as ranks ask (with one in
// reserve each, so no rank waits for its next run); every rank, rank 0
// included, runs jobs on one thread. The file equals a single-process
// sweep's (runs are recorded by run id, not by arrival). Under `mpirun
// --enable-recovery` a worker that dies (no result or heartbeat for
// `worker_timeout` seconds) is given up and its runs are run elsewhere;
// without it Open MPI ends the job, and `--resume` finishes the file.
#pragma once

#include <optional>
#include <string>

#include "sweep/compare.hpp"
#include "sweep/runner.hpp"

namespace icsim::app {

// True when this process was started by mpirun (OpenMPI or a PMI launcher).
bool started_by_mpirun();

// Rank 0: the summary; other ranks: nullopt. With one rank, run_sweep.
std::optional<sweep::SweepSummary> run_sweep_mpi(const sweep::Plan& plan, const sweep::SweepOptions& options);

// `icsim compare` the same way: the (scenario, seed) runs handed out by
// rank 0, which gathers every run's values and builds the table. Rank 0:
// the result; other ranks: nullopt. With one rank, run_compare.
std::optional<sweep::CompareResult> run_compare_mpi(const sweep::CompareOptions& options);

} // namespace icsim::app
