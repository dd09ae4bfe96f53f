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

}  // namespace hypergrid
