#pragma once
/// @file sgd_trainer.hpp
/// Mini-batch SGD for k softmax models side by side on the same mini-batches.
///
/// Every model starts at W = 0, b = 0. Epoch e visits the training set in epoch_permutation(seed, e),
/// in mini-batches of batch_size (the last partial batch kept). For a batch X_b of m examples:
///   W -= lr * (X_b (P - Y)^T / m + alpha * W),   b -= lr * mean(P - Y)
/// Stacking the k models' weights as [W_1 ... W_k] turns k narrow products into one wide one, which
/// the vector units run several times faster; each model's arithmetic is unchanged by its neighbours.
/// The arithmetic itself is the active kernel table's (kernels.hpp).

#include "hypergrid/dataset.hpp"
#include "hypergrid/kernels.hpp"
#include "hypergrid/folds.hpp"
#include "hypergrid/model.hpp"
#include "hypergrid/softmax.hpp"

#include <Eigen/Core>
#include <cstdint>
#include <functional>
#include <vector>

namespace hypergrid {

class SideBySideTrainer {
public:
    /// `train` may leave out a run of examples (a k-fold training set, folds.hpp): epoch e then visits
    /// the remaining ones in epoch_permutation(seed, e, their count), mapped to their places.
    /// `precision` picks the kernels of the SGD step (kernels::training_table; throws InputError when
    /// the CPU lacks them).
    SideBySideTrainer(const ExampleSet& train, int classes, int batch_size, std::vector<ModelSpec> models,
                      std::uint64_t seed, kernels::Precision precision = kernels::Precision::float32);

    /// One pass over the training set in epoch `epoch`'s order. `poll`, when set, is called every
    /// kPollSteps steps (a few milliseconds), so a caller can serve messages or stop mid-epoch.
    void run_epoch(std::int64_t epoch, const std::function<void()>& poll = {});

    static constexpr std::int64_t kPollSteps = 32;

    /// Metrics of every model on `data` (validation cost uses each model's alpha).
    std::vector<Metrics> evaluate(const DatasetView& data) const;

    /// Model m's weights and bias.
    SoftmaxModel model(std::size_t m) const;

    /// Every model's weights (row by row, the k c real columns of each) then biases: all a later
    /// run_epoch depends on, so a trainer restored from it carries on with the same bits.
    std::vector<double> state() const;
    /// Takes up a state() of a trainer of the same shape; throws std::invalid_argument otherwise.
    void restore(const std::vector<double>& state);

    std::size_t model_count() const { return models_.size(); }

private:
    using RowMatrix = StackedWeights;

    /// One SGD step on the m training examples whose indices `batch` lists.
    void step(const std::uint32_t* batch, Eigen::Index m);

    const kernels::Table& kernels_;
    ExampleSet train_;
    Eigen::Index classes_;
    Eigen::Index batch_size_;
    std::vector<ModelSpec> models_;
    std::vector<double> alphas_;
    std::uint64_t seed_;
    Eigen::Index width_;           // k c: the real columns
    RowMatrix weights_;            // d x P, P = width_ padded to kernels::kPadding; padding stays zero
    Eigen::VectorXf bias_;         // P
    Eigen::VectorXf decay_;        // P: 1 - lr alpha of each column's model
    Eigen::VectorXf step_size_;    // P: lr of each column's model
    Eigen::VectorXf scratch_;      // the SGD step's: scores, then lr/m (P - Y), and what its products need
};

}  // namespace hypergrid
