#pragma once
// The two roles of the sweep (internal to the cluster component): rank 0's and a worker's. Both
// return whether the sweep completed (a worker cannot know: rank 0 tells every rank afterwards).

#include "sweep_messages.hpp"

#include "hypergrid/sweep.hpp"

#include <chrono>

namespace hypergrid::sweep {

using Clock = std::chrono::steady_clock;

/// Between checks when there is nothing to do.
constexpr auto kIdleWait = std::chrono::microseconds(200);

inline double seconds_between(Clock::time_point from, Clock::time_point to) {
    return std::chrono::duration<double>(to - from).count();
}

/// Rank 0: hands out units, serves the workers, runs units and side tasks itself; `spans` receives
/// every unit and side task completed, on any rank.
bool run_root(Channel& channel, int ranks, const SweepWork& work, StateStore& states, Clock::time_point start,
              std::vector<WorkSpan>& spans);

/// Any other rank.
bool run_worker(Channel& channel, const SweepWork& work, Clock::time_point start);

}  // namespace hypergrid::sweep
