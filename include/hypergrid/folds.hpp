#pragma once
/// @file folds.hpp
/// k-fold cross-validation: the fold views of a training set, and the folding of per-fold results
/// into one result per trial. Pure: no MPI, no training.
///
/// The n examples are cut into K contiguous folds: fold f holds [floor(f n / K), floor((f + 1) n / K)).
/// Fold f's model trains on the other folds' examples in their original order (a holdout run whose
/// training set is exactly those examples sees the same shuffles) and validates on fold f.

#include "hypergrid/dataset.hpp"
#include "hypergrid/results.hpp"

#include <cstdint>
#include <map>
#include <vector>

namespace hypergrid {

/// Examples [0, data.count) less the run [gap_first, gap_first + gap_count), in their original
/// order: a training set that need not be contiguous. Example i of the set is data's example index(i).
struct ExampleSet {
    DatasetView data;
    std::int64_t gap_first = 0;
    std::int64_t gap_count = 0;

    ExampleSet() = default;
    ExampleSet(const DatasetView& all) : data(all) {}  // NOLINT: every view is a set without a gap
    ExampleSet(const DatasetView& all, std::int64_t first, std::int64_t count) : data(all), gap_first(first), gap_count(count) {}

    std::int64_t count() const { return data.count - gap_count; }
    std::int64_t dims() const { return data.dims; }
    std::int64_t index(std::int64_t i) const { return i < gap_first ? i : i + gap_count; }
};

/// Fold f of n examples in K folds: [first, first + count).
struct FoldRange {
    std::int64_t first = 0;
    std::int64_t count = 0;
};
FoldRange fold_range(std::int64_t examples, int folds, int fold);

/// What one fold's models train and validate on.
struct FoldSplit {
    ExampleSet train;
    DatasetView validation;
};
FoldSplit fold_split(const DatasetView& all, int folds, int fold);

/// Throws InputError ("data.folds: ...") unless 2 <= folds <= examples.
void check_folds(int folds, std::int64_t examples);

/// Rank 0's folding of per-fold results (TrialResult with fold >= 0) into trial results: a trial's
/// val_cost, val_cross_entropy and val_accuracy are the means over its folds (summed in fold order,
/// so the figures do not depend on the order folds arrive in), val_cost_std the population standard
/// deviation of its fold costs; seconds are summed, rank is fold 0's; diverged if a fold diverged.
class FoldAggregator {
public:
    explicit FoldAggregator(int folds) : folds_(folds) {}

    /// Records fold results; a (trial, fold) already recorded is ignored. Returns the newly recorded
    /// ones in `fresh` (when set) and the trials they complete, in arrival order.
    std::vector<TrialResult> add(const std::vector<TrialResult>& fold_results, std::vector<TrialResult>* fresh = nullptr);

    /// Every fold result recorded, by (trial, fold).
    std::vector<TrialResult> fold_results() const;
    /// Whether trial `trial`'s fold `fold` is recorded.
    bool has(std::int64_t trial, int fold) const {
        const auto found = by_trial_.find(trial);
        return found != by_trial_.end() && found->second[static_cast<std::size_t>(fold)].fold >= 0;
    }

private:
    int folds_;
    std::map<std::int64_t, std::vector<TrialResult>> by_trial_;  // each a trial's folds, by fold (fold -1: missing)
};

/// The trial result of a complete set of fold results (index = fold), as FoldAggregator describes.
TrialResult combine_folds(const std::vector<TrialResult>& folds);

/// folds.csv: trial,fold,val_cost,val_cross_entropy,val_accuracy, one row per fold result, in the order given.
std::string format_folds_csv(const std::vector<TrialResult>& fold_results);

}  // namespace hypergrid
