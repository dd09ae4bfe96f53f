#include "hypergrid/trainer.hpp"

#include "hypergrid/shuffle.hpp"

#include <algorithm>

namespace hypergrid {

SideBySideTrainer::SideBySideTrainer(const DatasetView& train, int classes, int batch_size,
                                     std::vector<ModelSpec> models, std::uint64_t seed)
    : train_(train), classes_(classes), batch_size_(std::min<Eigen::Index>(batch_size, train.count)),
      models_(std::move(models)), seed_(seed) {
    const auto width = static_cast<Eigen::Index>(models_.size()) * classes_;
    for (const ModelSpec& spec : models_) alphas_.push_back(spec.alpha);
    weights_.setZero(train.dims, width);
    bias_.setZero(width);
    batch_.resize(train.dims, batch_size_);
    batch_labels_.resize(static_cast<std::size_t>(batch_size_));
    scores_.resize(width, batch_size_);
}

void SideBySideTrainer::run_epoch(std::int64_t epoch) {
    const std::vector<std::uint32_t> order = epoch_permutation(seed_, epoch, train_.count);
    const Eigen::Map<const Eigen::MatrixXf> features = train_.matrix();
    for (std::int64_t first = 0; first < train_.count; first += batch_size_) {
        const Eigen::Index m = std::min<Eigen::Index>(batch_size_, train_.count - first);
        for (Eigen::Index j = 0; j < m; ++j) {
            const std::uint32_t example = order[static_cast<std::size_t>(first + j)];
            batch_.col(j) = features.col(example);
            batch_labels_[static_cast<std::size_t>(j)] = train_.labels[example];
        }
        step(m);
    }
}

void SideBySideTrainer::step(Eigen::Index m) {
    const auto batch = batch_.leftCols(m);
    auto scores = scores_.leftCols(m);
    scores.noalias() = weights_.transpose() * batch;
    scores.colwise() += bias_;
    // Numerically stable softmax per model and example: shift by the maximum, exponentiate the whole
    // block at once (vectorised), then normalise.
    const auto models = static_cast<Eigen::Index>(models_.size());
    for (Eigen::Index j = 0; j < m; ++j)
        for (Eigen::Index k = 0; k < models; ++k) {
            auto z = scores.col(j).segment(k * classes_, classes_);
            z.array() -= z.maxCoeff();
        }
    scores = scores.array().exp().matrix();
    // scores becomes lr/m (P - Y): the step of each model folded into its gradient block.
    for (Eigen::Index k = 0; k < models; ++k) {
        const auto step_size = static_cast<float>(models_[static_cast<std::size_t>(k)].learning_rate / static_cast<double>(m));
        for (Eigen::Index j = 0; j < m; ++j) {
            auto p = scores.col(j).segment(k * classes_, classes_);
            p *= step_size / p.sum();
            p(batch_labels_[static_cast<std::size_t>(j)]) -= step_size;
        }
    }
    bias_.noalias() -= scores.rowwise().sum();
    // W <- (1 - lr alpha) W - lr/m X_b (P - Y)^T: the decay uses the old W, as the update rule says.
    for (Eigen::Index k = 0; k < models; ++k) {
        const ModelSpec& spec = models_[static_cast<std::size_t>(k)];
        if (spec.alpha != 0)
            weights_.middleCols(k * classes_, classes_) *= static_cast<float>(1.0 - spec.learning_rate * spec.alpha);
    }
    weights_.noalias() -= batch * scores.transpose();
}

std::vector<Metrics> SideBySideTrainer::evaluate(const DatasetView& data) const {
    return evaluate_side_by_side(weights_, bias_, alphas_, data);
}

SoftmaxModel SideBySideTrainer::model(std::size_t m) const {
    const auto first = static_cast<Eigen::Index>(m) * classes_;
    return {weights_.middleCols(first, classes_), bias_.segment(first, classes_)};
}

}  // namespace hypergrid
