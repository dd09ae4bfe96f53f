#pragma once
/// @file training.hpp
/// The two kinds of training hypergrid does: a unit of trials (validated at every checkpoint) and
/// the final model (train + validation, evaluated on the test set). No MPI: progress leaves through
/// callbacks.

#include "hypergrid/dataset.hpp"
#include "hypergrid/grid.hpp"
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
    Split split;
    DatasetView test;
    int classes = 0;
    std::uint64_t seed = 0;
    /// What the training set's raw features were divided by: the final model's feature scale. Known
    /// where the training set was read (rank 0 always reads it), 0 elsewhere.
    double feature_scale = 0;
};

/// How the two legs of a unit cut across ranks meet. The state handed over is the trainer's state()
/// with the seconds trained so far (so each trial's seconds cover both legs).
struct LegLinks {
    std::function<TrainedState()> receive;               ///< for a leg that continues one
    std::function<void(TrainedState state)> hand_over;   ///< for a leg that hands over
};

/// Trains the unit's models side by side over its epochs [first_epoch, last_epoch) (the whole unit:
/// from zero to its largest epoch count); after each checkpoint's epoch, evaluates every model on
/// the validation set and passes those trials to `report`. A leg that continues another starts
/// from `links.receive()`, one that stops short hands its state to `links.hand_over`. Calls `poll`
/// every few milliseconds and after every epoch (it may throw to abandon the unit). A model whose
/// cost is not finite is reported as diverged.
void train_unit(const WorkUnit& unit, const TrainingData& data, int rank,
                const std::function<void(const std::vector<TrialResult>&)>& report,
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
