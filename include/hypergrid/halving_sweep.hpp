#pragma once
/// @file halving_sweep.hpp
/// Successive halving as sweeps: rank 0 decides each rung's work from the results so far (so a
/// resumed search picks up mid-rung), every rank plans and sweeps it, and the models a rung ends
/// with wait in rank 0's store of handed-over states until the next rung continues them. No MPI:
/// the caller moves the decision and the states.

#include "hypergrid/folds.hpp"
#include "hypergrid/halving.hpp"
#include "hypergrid/plan.hpp"
#include "hypergrid/sweep.hpp"
#include "hypergrid/training.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace hypergrid {

/// One sweep of a halving search: configurations of one rung, trained from zero or continued from
/// the models their rung before kept. A default RungSweep is a plain (non-halving) sweep.
struct RungSweep {
    bool finished = false;  ///< no rung left: the search is done
    std::size_t rung = 0;
    int from_epoch = 0;     ///< the epochs the models start from (0: from zero)
    bool keep = false;      ///< keep the models at the end for the next rung
    std::vector<std::int64_t> configurations;

    /// As integers, for a broadcast, and back (empty: finished).
    std::vector<std::int64_t> encode() const;
    static RungSweep decode(const std::vector<std::int64_t>& values);
};

/// The key under which fold `fold`'s model (0 without folds) of trial `trial` waits for the next rung
/// in the store of handed-over states: negative, so it never meets a leg's index, and by trial, so a
/// model of an older rung is never taken for a newer one.
std::int64_t model_state_key(std::int64_t trial, int fold, int folds);

/// Rank 0: the next sweep, from the trial results so far (fold results in `fold_results` with k-fold:
/// a trial missing some folds owes only those). Configurations owed in the current rung whose
/// models are all in `kept` continue from the rung before; the others (after a restart, whose models
/// were not kept) train from zero first, in a sweep of their own. Drops from `kept` the models of
/// configurations the current rung no longer holds.
RungSweep next_rung_sweep(const HalvingSchedule& schedule, const std::vector<TrialResult>& results,
                          const FoldAggregator* fold_results, int folds,
                          StateStore& kept);

/// The WorkFilter::done of a sweep: every (trial, fold) done except the sweep's configurations at
/// its rung not in `journaled` (by trial * max(folds, 1) + fold).
std::vector<bool> rung_done_mask(const HalvingSchedule& schedule, const RungSweep& sweep,
                                 const std::vector<bool>& journaled, int folds);

/// Sets a unit's links to the rung store: where its models come from (a sweep that continues) and
/// where they go at the end of the rung (a sweep that keeps them). `receive` and `hand_over` reach
/// rank 0's store by key (Cluster::Relay's).
void link_rung(const WorkUnit& unit, const HalvingSchedule& schedule, const RungSweep& sweep, int folds,
               const std::function<TrainedState(std::int64_t key)>& receive,
               const std::function<void(std::int64_t key, TrainedState state)>& hand_over, LegLinks& links);

/// "; halving rung 1 of 3: 4 configurations, epochs 5 -> 15" for the run's log.
std::string describe(const RungSweep& sweep, const HalvingSchedule& schedule);

/// The plan report's account of the rungs: per rung its epochs, the configurations it trains when no
/// trial diverges, and the model-epochs that takes (models per configuration: `folds`, at least 1),
/// against the full grid's (every configuration to the last epochs value, once).
std::string format_rungs(const HalvingSchedule& schedule, int folds);

/// The winner so far: halving_winner's trial, as a result.
std::optional<TrialResult> halving_best_of_last_rung(const HalvingSchedule& schedule, const std::vector<TrialResult>& results);

}  // namespace hypergrid
