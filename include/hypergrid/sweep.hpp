#pragma once
/// @file sweep.hpp
/// The sweep as two roles over a small typed protocol: rank 0 (the root) hands out units of work
/// one at a time as ranks become free (itself included) and collects every result the moment it
/// arrives; the other ranks (workers) train what they are given. What the units are, which one
/// goes next and which side task is worth running come from the caller (pure code: see
/// sweep_policy.hpp and plan.hpp); this header holds the plain data both sides see, no MPI.

#include "hypergrid/results.hpp"
#include "hypergrid/trained_state.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <vector>

namespace hypergrid {

class Cluster;

/// Thrown by a poll() to abandon the unit in progress when the sweep stops.
struct SweepStopped {};

/// States handed over and not yet taken, by the leg that handed them over. Owned by the caller so
/// that it can outlive one sweep (a later sweep, a rung of successive halving, continues them).
class StateStore {
public:
    void put(std::int64_t leg, TrainedState state) { states_[leg] = std::move(state); }
    /// Leg `leg`'s state, removed from the store; empty when it is not (yet) here.
    std::optional<TrainedState> take(std::int64_t leg);
    bool holds(std::int64_t leg) const { return states_.count(leg) > 0; }
    std::size_t size() const { return states_.size(); }
    /// Drops every state whose key `drop` names (successive halving: models no rung will continue).
    template <class Drop>
    void erase_if(Drop drop) {
        for (auto it = states_.begin(); it != states_.end();) it = drop(it->first) ? states_.erase(it) : std::next(it);
    }

private:
    std::map<std::int64_t, TrainedState> states_;
};

/// Where a rank's reports (finished trials, curve points) go: on rank 0 straight to `collect`,
/// elsewhere sent to rank 0.
using Report = std::function<void(const EpochReport&)>;
/// Called between epochs and every few milliseconds within them: rank 0 serves the others there;
/// throws SweepStopped on a stop.
using Poll = std::function<void()>;

/// How the legs of a unit cut across ranks meet, wherever each runs: the first leg's rank hands its
/// state over, the second's receives it (through rank 0, which keeps it in the StateStore until asked).
struct Relay {
    /// Waits, polling, for the state leg `from` handed over (throws SweepStopped on a stop).
    std::function<TrainedState(std::int64_t from)> receive;
    /// Leaves leg `from`'s state for the leg that continues it.
    std::function<void(std::int64_t from, TrainedState state)> hand_over;
};

/// Work for the ranks that the end of a sweep leaves idle (hypergrid's: the final model, trained
/// ahead for the best trial so far). On rank 0, `pick` names the task worth running now, or -1.
/// A rank with no unit left runs it: `run(task, poll)` returns the task's payload (poll throws
/// SweepStopped once rank 0 no longer picks that task, or the sweep stops), and rank 0's `done`
/// receives every payload completed. At most one rank runs a task at a time, none runs twice.
struct SideTask {
    std::function<std::int64_t()> pick;
    std::function<TrainedState(std::int64_t task, const Poll& poll)> run;
    std::function<void(std::int64_t task, const TrainedState& payload)> done;
};

/// What a sweep is given.
struct SweepWork {
    /// Rank 0's source of work: the next unit for `rank`, or -1 when there is none left for it.
    std::function<std::int64_t(int rank)> next;
    /// Trains one unit: report() receives its finished trials and curve points, poll() as above, relay links it with
    /// the other leg of its unit, if it was cut.
    std::function<void(std::int64_t unit, const Report& report, const Poll& poll, const Relay& relay)> run;
    /// Rank 0's: every report, its own and the others', the moment it arrives.
    Report collect;
    /// Turns true on a rank that is asked to stop (a signal): the whole sweep stops.
    std::function<bool()> stop_requested = [] { return false; };
    /// Units assigned to each worker ahead (at least 1; see queue_depth in sweep_policy.hpp).
    int queued = 1;
    /// Run by ranks left without units, if set.
    SideTask side;
};

/// When a piece of work ran, for the run's timeline (legs.csv): seconds since the sweep's start,
/// each rank measuring from the barrier that starts the sweep.
struct WorkSpan {
    int rank = 0;
    std::int64_t id = 0;  ///< the unit, or the side task
    bool side = false;    ///< a side task (hypergrid's: a final model trained ahead)
    double start = 0;
    double end = 0;
};

struct SweepOutcome {
    bool complete = false;  ///< every unit trained (false: the sweep stopped early)
    std::vector<WorkSpan> spans;  ///< rank 0's: every unit and side task completed, on any rank
    std::chrono::steady_clock::time_point start;  ///< this rank's clock at the sweep's start
};

/// The sweep, on every rank (rank 0 runs the root role, the others the worker role). Rank 0 hands
/// out units in the order `work.next` gives, and passes every report to `work.collect` the moment
/// it arrives. When `stop_requested` turns true on any rank, no more units are handed out, units in
/// progress are abandoned within milliseconds, and every rank returns. Ranks left without units then
/// run side tasks (if set) until every rank is done. A unit that receives from another must be handed
/// out after it (UnitQueue's order sees to that): a rank waits for a state only while another rank
/// computes it. `states` (rank 0's) keeps states handed over and not taken, across sweeps.
SweepOutcome run_sweep(Cluster& cluster, const SweepWork& work, StateStore& states);

}  // namespace hypergrid
