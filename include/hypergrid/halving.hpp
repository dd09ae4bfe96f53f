#pragma once
/// @file halving.hpp
/// Successive halving's bookkeeping, pure: which configurations each rung trains, to how many epochs,
/// and which of them the next rung continues.
///
/// A configuration is one point of the other axes (alpha, learning_rate, batch_size); the epochs
/// values, ascending, are the rungs. Trial ids are the full grid's: trial = e * C + c for the
/// configuration c (of C) at the epochs value of index e in the axis as written, so a halving row of
/// trials.csv names the same trial as the full grid's row and holds the same figures. Rung 0 trains
/// every configuration; rung r + 1 continues the best ceil(n_r / factor) of rung r's n_r by
/// validation cost (ties: lowest trial id; diverged trials never), from where they stopped.

#include "hypergrid/grid.hpp"
#include "hypergrid/results.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace hypergrid {

class HalvingSchedule {
public:
    /// The rungs of `grid`: configurations = alpha x learning_rate x batch_size in the grid's order,
    /// or with `samples` the drawn ones (Grid::drawn_configurations); `factor` >= 2.
    HalvingSchedule(const Grid& grid, int factor);

    std::size_t rungs() const { return rung_epochs_.size(); }
    /// Rung r's epochs value; ascending in r.
    int epochs(std::size_t rung) const { return rung_epochs_[rung]; }
    const std::vector<int>& rung_epochs() const { return rung_epochs_; }
    std::int64_t configurations() const { return configurations_; }
    int factor() const { return factor_; }

    /// The full grid's trial id of configuration `configuration` trained to rung `rung`'s epochs.
    std::int64_t trial(std::int64_t configuration, std::size_t rung) const {
        return axis_index_[rung] * configurations_ + configuration;
    }
    std::int64_t configuration(std::int64_t trial) const { return trial % configurations_; }
    /// The rung of a trial (its epochs value's place among the ascending values).
    std::size_t rung(std::int64_t trial) const { return rung_of_axis_[static_cast<std::size_t>(trial / configurations_)]; }

    /// How many of `n` configurations the next rung continues: ceil(n / factor).
    std::int64_t promoted_count(std::int64_t n) const { return (n + factor_ - 1) / factor_; }

private:
    std::vector<int> rung_epochs_;
    std::vector<std::int64_t> axis_index_;     // by rung: the index of its epochs value in the axis
    std::vector<std::size_t> rung_of_axis_;    // by axis index: its rung
    std::int64_t configurations_ = 0;
    int factor_ = 3;
};

/// The configurations the next rung continues: of the results of one rung (one per configuration),
/// the best ceil(n / factor) by val_cost, ties to the lowest trial id, diverged ones never (so
/// fewer when fewer finished). Returned in ascending order.
std::vector<std::int64_t> promote(const HalvingSchedule& schedule, const std::vector<TrialResult>& rung_results);

/// Where a halving search stands, from the results it has (any order, e.g. a journal's).
struct HalvingProgress {
    std::vector<std::vector<std::int64_t>> rungs;  ///< each decided rung's configurations, ascending
    std::size_t current = 0;  ///< the first rung with results missing (when not finished)
    bool finished = false;    ///< every rung that will run has all its results
};

/// Rung 0 is every configuration; rung r + 1 is promote(rung r's results) once rung r is complete.
/// The search ends after the last rung, or early when a rung promotes nothing (all diverged).
HalvingProgress halving_progress(const HalvingSchedule& schedule, const std::vector<TrialResult>& results);

/// The expected number of trials a search runs: C + ceil(C / factor) + ... over the rungs (fewer when
/// trials diverge).
std::int64_t halving_trial_count(const HalvingSchedule& schedule);

/// The winner: the best result of the last rung that ran (pick_best's rule), as an index into
/// `results`; empty when none finished.
std::optional<std::size_t> halving_winner(const HalvingSchedule& schedule, const std::vector<TrialResult>& results);

}  // namespace hypergrid
