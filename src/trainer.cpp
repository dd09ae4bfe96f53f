#include "hypergrid/trainer.hpp"

#include "hypergrid/shuffle.hpp"
#include "sgd_kernels.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace hypergrid {

SideBySideTrainer::SideBySideTrainer(const DatasetView& train, int classes, int batch_size,
                                     std::vector<ModelSpec> models, std::uint64_t seed)
    : train_(train), classes_(classes), batch_size_(std::min<Eigen::Index>(batch_size, train.count)),
      models_(std::move(models)), seed_(seed), width_(static_cast<Eigen::Index>(models_.size()) * classes_) {
    const Eigen::Index padded = kernels::padded_width(width_);
    weights_.setZero(train.dims, padded);
    bias_.setZero(padded);
    decay_.setOnes(padded);
    step_size_.setZero(padded);
    for (std::size_t k = 0; k < models_.size(); ++k) {
        alphas_.push_back(models_[k].alpha);
        const auto columns = Eigen::seqN(static_cast<Eigen::Index>(k) * classes_, classes_);
        decay_(columns).setConstant(static_cast<float>(1.0 - models_[k].learning_rate * models_[k].alpha));
        step_size_(columns).setConstant(static_cast<float>(models_[k].learning_rate));
    }
    batch_labels_.resize(static_cast<std::size_t>(batch_size_));
    scores_.setZero(batch_size_, padded);
}

void SideBySideTrainer::run_epoch(std::int64_t epoch, const std::function<void()>& poll) {
    const std::vector<std::uint32_t> order = epoch_permutation(seed_, epoch, train_.count);
    std::int64_t steps = 0;
    for (std::int64_t first = 0; first < train_.count; first += batch_size_) {
        const Eigen::Index m = std::min<Eigen::Index>(batch_size_, train_.count - first);
        const std::uint32_t* batch = order.data() + first;
        for (Eigen::Index j = 0; j < m; ++j) batch_labels_[static_cast<std::size_t>(j)] = train_.labels[batch[j]];
        step(batch, m);
        if (poll && ++steps % kPollSteps == 0) poll();
    }
}

void SideBySideTrainer::step(const std::uint32_t* batch, Eigen::Index m) {
    const Eigen::Index d = weights_.rows();
    const Eigen::Index padded = weights_.cols();
    const auto models = static_cast<Eigen::Index>(models_.size());
    float* scores = scores_.data();
    const kernels::IndexedRows examples{train_.features, d, batch};  // the batch read in place
    kernels::compute_scores(weights_.data(), bias_.data(), examples, d, padded, m, scores);
    // Numerically stable softmax per model and example: shift by the maximum, exponentiate the whole
    // block at once, then normalise. Each step is done in the same order for every model.
    kernels::shift_by_segment_max(scores, m, padded, models, classes_);
    kernels::exp_in_place(scores, m * padded);
    // scores becomes lr/m (P - Y): each model's step size folded into its gradient columns.
    const float inverse_batch = 1.0F / static_cast<float>(m);
    for (Eigen::Index i = 0; i < m; ++i) {
        float* row = scores + i * padded;
        for (Eigen::Index k = 0; k < models; ++k) {
            float* p = row + k * classes_;
            const float step = step_size_(k * classes_) * inverse_batch;
            const float scale = step / kernels::segment_sum(p, classes_);
            for (Eigen::Index j = 0; j < classes_; ++j) p[j] *= scale;
            p[batch_labels_[static_cast<std::size_t>(i)]] -= step;
        }
        std::fill(row + width_, row + padded, 0.0F);  // padding columns take no step
    }
    // b -= sum_i lr/m (P - Y)_i, summed example by example.
    for (Eigen::Index i = 0; i < m; ++i) bias_ -= scores_.row(i).transpose();
    // W <- (1 - lr alpha) W - lr/m X_b (P - Y)^T, the decay applied to the old W, as the rule says.
    kernels::update_weights(weights_.data(), decay_.data(), examples, scores, d, padded, m);
}

std::vector<Metrics> SideBySideTrainer::evaluate(const DatasetView& data) const {
    return evaluate_stacked(weights_, bias_, static_cast<int>(classes_), alphas_, data);
}

SoftmaxModel SideBySideTrainer::model(std::size_t m) const {
    const auto first = static_cast<Eigen::Index>(m) * classes_;
    return {weights_.middleCols(first, classes_), bias_.segment(first, classes_)};
}

std::vector<double> SideBySideTrainer::state() const {
    std::vector<double> values;
    values.reserve(static_cast<std::size_t>((weights_.rows() + 1) * width_));
    for (Eigen::Index i = 0; i < weights_.rows(); ++i)
        values.insert(values.end(), weights_.row(i).data(), weights_.row(i).data() + width_);
    values.insert(values.end(), bias_.data(), bias_.data() + width_);
    return values;
}

void SideBySideTrainer::restore(const std::vector<double>& state) {
    const auto expected = static_cast<std::size_t>((weights_.rows() + 1) * width_);
    if (state.size() != expected)
        throw std::invalid_argument("SideBySideTrainer::restore: " + std::to_string(state.size()) +
                                    " values for a state of " + std::to_string(expected));
    const double* value = state.data();
    for (Eigen::Index i = 0; i < weights_.rows(); ++i, value += width_)
        std::copy(value, value + width_, weights_.row(i).data());
    std::copy(value, value + width_, bias_.data());
}

}  // namespace hypergrid
