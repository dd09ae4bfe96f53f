#include "hypergrid/sgd_trainer.hpp"

#include "hypergrid/shuffle.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace hypergrid {

SideBySideTrainer::SideBySideTrainer(const ExampleSet& train, int classes, int batch_size,
                                     std::vector<ModelSpec> models, std::uint64_t seed, kernels::Precision precision)
    : kernels_(kernels::training_table(precision)), train_(train), classes_(classes), batch_size_(std::min<Eigen::Index>(batch_size, train.count())),
      models_(std::move(models)), seed_(seed), width_(static_cast<Eigen::Index>(models_.size()) * classes_) {
    const Eigen::Index padded = kernels::padded_width(width_);
    weights_.setZero(train.dims(), padded);
    bias_.setZero(padded);
    decay_.setOnes(padded);
    step_size_.setZero(padded);
    for (std::size_t k = 0; k < models_.size(); ++k) {
        alphas_.push_back(models_[k].alpha);
        const auto columns = Eigen::seqN(static_cast<Eigen::Index>(k) * classes_, classes_);
        // 1 - lr alpha rounded once, as the builds that let the compiler fuse it did
        decay_(columns).setConstant(static_cast<float>(std::fma(-models_[k].learning_rate, models_[k].alpha, 1.0)));
        step_size_(columns).setConstant(static_cast<float>(models_[k].learning_rate));
    }
    const kernels::Shape shape{weights_.rows(), padded, static_cast<std::int64_t>(models_.size()), classes_};
    scratch_.resize(kernels_.sgd_scratch_floats(shape, batch_size_));  // Eigen's: on 64 bytes
}

void SideBySideTrainer::run_epoch(std::int64_t epoch, const std::function<void()>& poll) {
    const std::int64_t count = train_.count();
    std::vector<std::uint32_t> order = epoch_permutation(seed_, epoch, count);
    if (train_.gap_count > 0)  // a fold's training set: its i-th example is the data's index(i)
        for (std::uint32_t& i : order) i = static_cast<std::uint32_t>(train_.index(i));
    std::int64_t steps = 0;
    for (std::int64_t first = 0; first < count; first += batch_size_) {
        const Eigen::Index m = std::min<Eigen::Index>(batch_size_, count - first);
        step(order.data() + first, m);
        if (poll && ++steps % kPollSteps == 0) poll();
    }
}

void SideBySideTrainer::step(const std::uint32_t* batch, Eigen::Index m) {
    const kernels::Shape shape{weights_.rows(), weights_.cols(), static_cast<std::int64_t>(models_.size()), classes_};
    const kernels::Examples examples{train_.data.features, train_.data.labels, batch, m};  // the batch read in place
    kernels_.sgd_step(shape, weights_.data(), bias_.data(), decay_.data(), step_size_.data(), examples,
                      scratch_.data());
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
