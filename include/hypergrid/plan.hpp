#pragma once
/// @file plan.hpp
/// Pure decisions: how trials are packed into units of work, which rank runs which unit, which
/// result is best. Functions of plain data only, so they are tested without mpirun.

#include "hypergrid/grid.hpp"
#include "hypergrid/results.hpp"

#include <cstdint>
#include <optional>
#include <vector>

namespace hypergrid {

/// No trial ends at this checkpoint for this model (or it is already done).
constexpr std::int64_t kNoTrial = -1;

/// One unit of work: models that share a batch size train side by side on the same mini-batches (the
/// epoch order is common to all trials), once, to the largest epoch count; each is evaluated at every
/// epoch count of the grid on the way. So one unit answers models x checkpoints trials.
struct WorkUnit {
    int batch_size = 0;
    std::vector<double> alphas;               ///< per model
    std::vector<double> learning_rates;       ///< per model
    std::vector<int> checkpoints;             ///< epoch counts at which trials finish, ascending
    std::vector<std::vector<std::int64_t>> trials;  ///< trials[model][checkpoint]: trial id, or kNoTrial
    double cost = 0;  ///< expected work: largest epochs x examples x models, plus a per-step overhead

    std::size_t model_count() const { return alphas.size(); }
    std::size_t trial_count() const {
        std::size_t count = 0;
        for (const auto& ids : trials)
            for (const std::int64_t id : ids) count += id != kNoTrial;
        return count;
    }
    int epochs() const { return checkpoints.back(); }
};

/// The expected cost of training one model for `epochs` epochs over one example at `batch_size`,
/// in model-epochs: 1 per epoch plus the per-step overhead, which weighs more for small batches.
double model_epoch_cost(int epochs, int batch_size);

/// Which trials a run still owes: its shard of the sweep, less the trials its journal holds.
struct WorkFilter {
    int shard = 0;                            ///< this run's shard, 0-based
    int shards = 1;                           ///< how many shards the sweep is cut into
    const std::vector<bool>* done = nullptr;  ///< finished trials by id (none when null)
};

/// The shard of each model track, a track being one (alpha, learning_rate, batch_size) trained to
/// the largest epoch count it needs (grid mode: one per batch size, alpha and rate, in that order;
/// random mode: one per sample): tracks spread over `shards` longest first, so the shards' work is
/// balanced. A function of the search space and the shard count only, so every job of an array
/// agrees on it.
std::vector<int> track_shards(const Grid& grid, int shards);

/// Packs the work into units: for each batch size (axis order), the (alpha, learning_rate) pairs in
/// grid order, in consecutive chunks of at most `models_per_unit` and of near-equal sizes. Groups are
/// split further, largest chunks first, until there are at least `min_units` units (when the work
/// allows), so that every rank gets work. The packing changes no result: a model's arithmetic is the
/// same whatever models train beside it (see trainer.hpp). Tracks outside the filter's shard and
/// tracks whose trials are all done are left out; a unit stops at the last epoch count it still owes.
std::vector<WorkUnit> make_units(const Grid& grid, int models_per_unit, std::int64_t train_examples,
                                 std::int64_t min_units = 1, const WorkFilter& filter = {});

/// The trials of shard `shard` of `shards`, by id.
std::vector<bool> shard_trials(const Grid& grid, int shard, int shards);

/// The unit count to ask make_units for on `ranks` ranks: three per rank leaves the longest-first
/// assignment room to balance.
std::int64_t min_units_for(int ranks);

/// The cost of each unit, in unit order.
std::vector<double> unit_costs(const std::vector<WorkUnit>& units);

/// Longest-processing-time-first: units in descending cost (ties: lower index first), each to the
/// least-loaded rank (ties: lower rank). Returns the rank of each unit.
std::vector<int> assign_longest_first(const std::vector<double>& costs, int ranks);

/// The units each rank runs, in the order it runs them (descending cost).
std::vector<std::vector<std::size_t>> units_per_rank(const std::vector<double>& costs, int ranks);

/// Hands units out to ranks. Dynamic: whichever rank asks gets the longest unit left, so no rank
/// idles while work remains, whatever the ranks' speeds. Static: each rank works through the list
/// units_per_rank planned for it. Results never depend on which rank trains a unit.
class UnitQueue {
public:
    UnitQueue(const std::vector<double>& costs, int ranks, bool dynamic);
    /// The next unit for `rank`, or -1 when there is none left for it.
    std::int64_t next(int rank);

private:
    bool dynamic_;
    std::vector<std::vector<std::size_t>> lists_;  // dynamic: one shared list; static: one per rank
    std::vector<std::size_t> positions_;
};

/// The index of the best result: lowest validation cost among finished (non-diverged) trials, ties to
/// the lowest trial id. Empty when every trial diverged.
std::optional<std::size_t> pick_best(const std::vector<TrialResult>& results);

}  // namespace hypergrid
