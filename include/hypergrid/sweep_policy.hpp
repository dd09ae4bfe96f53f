#pragma once
/// @file sweep_policy.hpp
/// Rank 0's decisions in a sweep, as pure bookkeeping: which worker gets which unit, when a worker
/// is idle for good and which side task it is offered, which side tasks to cancel, when every
/// worker is done. The root role (sweep_root.cpp) only carries these decisions out as messages, so
/// they are unit-tested without mpirun.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

namespace hypergrid {

/// Units queued per worker: 2 when there are many legs (at least 16 per rank), so a worker starts its
/// next unit at once instead of waiting for rank 0's next poll, which pays for many short units;
/// 1 otherwise, so no rank sits on work a faster rank could take, which pays for few long ones.
int queue_depth(std::size_t legs, int ranks);

class SweepBook {
public:
    /// `next(rank)`: the next unit for a rank, or -1; `pick()`: the side task worth running now, or
    /// -1 (may be empty: no side tasks).
    SweepBook(int ranks, std::function<std::int64_t(int rank)> next, std::function<std::int64_t()> pick);

    /// What to send worker `worker` when it may take more work.
    struct Offer {
        std::optional<std::int64_t> unit;  ///< a unit, or -1: no more units (sent once)
        std::optional<std::int64_t> side;  ///< once idle for good: its side task, or -1 (sent once)
    };
    Offer free_worker(int worker);
    /// Worker `worker` finished (or abandoned) one of its units.
    void unit_ended(int worker);

    /// Rank 0's own next unit, or -1 (always -1 once stopping).
    std::int64_t next_own_unit();

    bool stopping() const { return stopping_; }
    /// Starts the stop: returns the workers with units outstanding (to tell them), empty when
    /// already stopping.
    std::vector<int> begin_stop();

    /// The side task to start now on an idle rank: the one picked, unless it runs or ran already; -1.
    std::int64_t side_task_to_start() const;
    /// Side tasks running on workers that are no longer the one picked (or all, once stopping): the
    /// workers to tell to cancel, each told once.
    std::vector<int> side_tasks_to_cancel();
    /// Rank `rank` (0: rank 0 itself) starts side task `task`.
    void side_started(int rank, std::int64_t task);
    /// Rank `rank`'s side task ended; `completed`: its payload arrived. Returns the task.
    std::int64_t side_ended(int rank, bool completed);
    /// True when worker `worker` was told to cancel its current side task.
    bool cancel_sent(int worker) const { return cancel_sent_[static_cast<std::size_t>(worker)]; }

    /// Every worker was offered its side task and none runs one.
    bool workers_done() const;

private:
    std::int64_t wanted_side_task() const;

    std::function<std::int64_t(int)> next_;
    std::function<std::int64_t()> pick_;
    bool stopping_ = false;
    std::vector<int> outstanding_;             // by worker: assigned units not ended
    std::vector<bool> closed_;                 // by worker: told "no more units"
    std::vector<bool> offered_;                // by worker: offered its side task
    std::vector<std::int64_t> side_running_;   // by rank (0: rank 0's own): -1 for none
    std::vector<bool> cancel_sent_;            // by worker
    std::vector<std::int64_t> side_done_;      // side tasks completed
};

}  // namespace hypergrid
