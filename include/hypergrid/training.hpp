#pragma once
/// @file training.hpp
/// The two kinds of training hypergrid does: a unit of trials (validated at every checkpoint) and
/// the final model (train + validation, evaluated on the test set). No MPI: progress leaves through
/// callbacks.

#include "hypergrid/dataset.hpp"
#include "hypergrid/folds.hpp"
#include "hypergrid/grid.hpp"
#include "hypergrid/kernels.hpp"
#include "hypergrid/model.hpp"
#include "hypergrid/plan.hpp"
#include "hypergrid/results.hpp"
#include "hypergrid/softmax.hpp"
#include "hypergrid/trained_state.hpp"

#include <Eigen/Core>
#include <cstdint>
#include <functional>
#include <vector>

namespace hypergrid {

/// Everything a training needs besides its hyperparameters.
struct TrainingData {
    Split split;  ///< with folds: train and all are the whole training set, validation is empty
    DatasetView test;
    int classes = 0;
    std::uint64_t seed = 0;
    /// What the training set's raw features were divided by: the final model's feature scale. Known
    /// where the training set was read (rank 0 always reads it), 0 elsewhere.
    double feature_scale = 0;
    int folds = 0;  ///< k-fold cross-validation (folds.hpp); 0: the holdout split
    kernels::Precision precision = kernels::Precision::float32;  ///< of the SGD step's products
    /// [run] curves: train_unit validates every model after every epoch and reports each epoch's figures.
    bool curves = false;

    /// What models of `fold` train and validate on; fold -1: the holdout split.
    FoldSplit fold(int fold) const {
        return fold < 0 ? FoldSplit{split.train, split.validation} : fold_split(split.all, folds, fold);
    }
    /// The examples one sweep model trains on (for the planner's costs).
    std::int64_t sweep_train_examples() const {
        return folds > 0 ? split.all.count - split.all.count / folds : split.train.count;
    }
};

/// How the two legs of a unit cut across ranks meet. The state handed over is the trainer's state()
/// with the seconds trained so far (so each trial's seconds cover both legs).
struct LegLinks {
    std::function<TrainedState()> receive;               ///< for a leg that continues one
    std::function<void(TrainedState state)> hand_over;   ///< for a leg that hands over
    /// Successive halving: each model's state where its rung before stopped (a unit that
    /// continues_a_rung), and, when set, where to keep each model's state at the end of its rung for
    /// the next one (a trainer's state() of one model, with its trial's seconds so far).
    std::function<std::vector<TrainedState>()> resume_models;
    std::function<void(std::vector<TrainedState> states)> keep_models;
};

/// A side-by-side trainer's state() cut into each of its `models` models' states (a trainer of one
/// model with the same numbers), and back: models trained apart continue side by side, and back.
std::vector<std::vector<double>> split_model_states(const std::vector<double>& state, std::size_t models, int classes);
std::vector<double> join_model_states(const std::vector<std::vector<double>>& states, int classes);

/// Trains the unit's models side by side over its epochs [first_epoch, last_epoch) (the whole unit:
/// from zero to its largest epoch count); after each checkpoint's epoch, evaluates every model on
/// the validation set and passes those trials to `report`. With data.curves, it evaluates after
/// every epoch and reports each model's figures up to its last trial's epoch (last_trial_epoch) as
/// curve points, with the trials of the epoch, if any, in the same report; the trials' figures are
/// the same either way (evaluating does not change a model). A leg that continues another starts
/// from `links.receive()`, one that stops short hands its state to `links.hand_over`. Calls `poll`
/// every few milliseconds and after every epoch (it may throw to abandon the unit). A model whose
/// cost is not finite is reported as diverged.
void train_unit(const WorkUnit& unit, const TrainingData& data, int rank,
                const std::function<void(const EpochReport&)>& report,
                const std::function<void()>& poll, const LegLinks& links = {});

/// The final model and its test-set figures.
struct FinalResult {
    SoftmaxModel model;
    Metrics test;               ///< cross-entropy and accuracy on the test set (cost = cross-entropy)
    Eigen::MatrixXi confusion;  ///< rows: true label, columns: predicted label
};

/// Retrains on train + validation with `hyper` (same seeding rules as the sweep); `poll` as in train_unit.
SoftmaxModel train_final_model(const Hyperparameters& hyper, const TrainingData& data,
                               const std::function<void()>& poll = {});

/// The final model, stamped with data.feature_scale (a model trained ahead on another rank arrives
/// without it), with its figures on the test set.
FinalResult test_final_model(SoftmaxModel model, const TrainingData& data);

/// A model as one flat vector (weights column by column, then the bias), to send it between ranks, and back.
std::vector<double> flatten(const SoftmaxModel& model);
SoftmaxModel unflatten(const std::vector<double>& flat, std::int64_t dims, int classes);

}  // namespace hypergrid
