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

/// One unit of work: models that share a batch size train side by side on the same mini-batches (the
/// epoch order is common to all trials), once, to the largest epoch count; each is evaluated at every
/// epoch count of the grid on the way. So one unit answers models x checkpoints trials.
struct WorkUnit {
    int batch_size = 0;
    std::vector<double> alphas;               ///< per model
    std::vector<double> learning_rates;       ///< per model
    std::vector<int> checkpoints;             ///< the grid's epoch counts, ascending
    std::vector<std::vector<std::int64_t>> trials;  ///< trials[model][checkpoint] = trial id
    double cost = 0;  ///< expected work: largest epochs x examples x models, plus a per-step overhead

    std::size_t model_count() const { return alphas.size(); }
    int epochs() const { return checkpoints.back(); }
};

/// The expected cost of training one model for `epochs` epochs over one example at `batch_size`,
/// in model-epochs: 1 per epoch plus the per-step overhead, which weighs more for small batches.
double model_epoch_cost(int epochs, int batch_size);

/// Packs the grid into units: for each batch size (axis order), the (alpha, learning_rate) pairs in
/// grid order, in consecutive chunks of at most `models_per_unit` and of near-equal sizes. Groups are
/// split further, largest chunks first, until there are at least `min_units` units (when the grid
/// allows), so that every rank gets work. The packing changes no result: a model's arithmetic is the
/// same whatever models train beside it (see trainer.hpp).
std::vector<WorkUnit> make_units(const Grid& grid, int models_per_unit, std::int64_t train_examples,
                                 std::int64_t min_units = 1);

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

/// The index of the best result: lowest validation cost among finished (non-diverged) trials, ties to
/// the lowest trial id. Empty when every trial diverged.
std::optional<std::size_t> pick_best(const std::vector<TrialResult>& results);

}  // namespace hypergrid
