#pragma once
/// @file stop_signal.hpp
/// SIGTERM and SIGUSR1 (SLURM's warning before a time limit or preemption) ask the sweep to stop:
/// no new work is taken, finished trials are already in the journal, partial outputs are written,
/// and hypergrid exits with kExitStopped so that a requeued job resumes.

namespace hypergrid {

/// The exit code of a sweep stopped by a signal.
constexpr int kExitStopped = 3;

/// Installs the handlers (they only set a flag).
void install_stop_handlers();

/// True once SIGTERM or SIGUSR1 has arrived.
bool stop_requested();

/// Writes `exit_code` to the file HYPERGRID_STATUS_FILE names, if set (best effort). A launcher
/// cannot be asked: mpirun exits 1 whenever it was signalled, even when every rank stopped cleanly
/// with kExitStopped; scripts/mpirun.sh reads the file instead. Called by rank 0 as it exits.
void report_exit_status(int exit_code);

}  // namespace hypergrid
