#include "hypergrid/softmax.hpp"

#include "hypergrid/kernels.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace hypergrid {

double softmax_cost_gradient(const Eigen::MatrixXd& weights, const Eigen::VectorXd& bias,
                             const Eigen::MatrixXd& features, const std::vector<std::int32_t>& labels,
                             double alpha, Eigen::MatrixXd* weights_gradient, Eigen::VectorXd* bias_gradient) {
    const Eigen::Index n = features.cols();
    Eigen::MatrixXd scores = weights.transpose() * features;
    scores.colwise() += bias;
    double cross_entropy = 0;
    for (Eigen::Index i = 0; i < n; ++i) {
        // p = exp(z - max) / sum exp(z - max); -log p_y = log sum exp(z - max) - (z_y - max)
        const auto label = static_cast<Eigen::Index>(labels[static_cast<std::size_t>(i)]);
        const double max = scores.col(i).maxCoeff();
        const double label_score = scores(label, i) - max;
        scores.col(i) = (scores.col(i).array() - max).exp().matrix();
        const double sum = scores.col(i).sum();
        cross_entropy += std::log(sum) - label_score;
        scores.col(i) /= sum;
        scores(label, i) -= 1.0;  // now P - Y
    }
    if (weights_gradient) *weights_gradient = features * scores.transpose() / static_cast<double>(n) + alpha * weights;
    if (bias_gradient) *bias_gradient = scores.rowwise().mean();
    return cross_entropy / static_cast<double>(n) + 0.5 * alpha * weights.squaredNorm();
}

std::vector<Metrics> evaluate_stacked(const StackedWeights& weights, const Eigen::VectorXf& bias, int classes,
                                      const std::vector<double>& alphas, const DatasetView& data,
                                      Eigen::MatrixXi* confusion) {
    const auto models = static_cast<Eigen::Index>(alphas.size());
    const Eigen::Index d = weights.rows();
    const Eigen::Index P = weights.cols();
    if (confusion) {
        if (models != 1) throw std::logic_error("a confusion matrix needs exactly one model");
        confusion->setZero(classes, classes);
    }
    std::vector<double> cross_entropy(alphas.size(), 0.0);
    std::vector<std::int64_t> correct(alphas.size(), 0);
    const kernels::Table& kernels = kernels::active_table();
    const kernels::Shape shape{d, P, models, classes};
    constexpr Eigen::Index kChunk = 512;  // bounds the scores buffer, whatever the dataset size
    StackedWeights scores(std::min<Eigen::Index>(kChunk, std::max<std::int64_t>(data.count, 1)), P);
    std::vector<std::int64_t> argmax(static_cast<std::size_t>(scores.rows() * models));
    std::vector<float> label_score(argmax.size()), exp_sum(argmax.size());
    for (Eigen::Index first = 0; first < data.count; first += kChunk) {
        const Eigen::Index n = std::min<Eigen::Index>(kChunk, data.count - first);
        const kernels::Examples chunk{data.features + first * d, data.labels + first, nullptr, n};
        kernels.evaluate(shape, weights.data(), bias.data(), chunk, scores.data(), exp_sum.data(), label_score.data(),
                         argmax.data());
        for (Eigen::Index i = 0; i < n; ++i) {
            const std::int32_t label = data.labels[first + i];
            for (Eigen::Index k = 0; k < models; ++k) {
                const auto at = static_cast<std::size_t>(i * models + k);
                // -log p_y = log sum exp(z - max) - (z_y - max)
                cross_entropy[static_cast<std::size_t>(k)] += std::log(static_cast<double>(exp_sum[at])) - label_score[at];
                if (argmax[at] == label) ++correct[static_cast<std::size_t>(k)];
                if (confusion) ++(*confusion)(label, argmax[at]);
            }
        }
    }
    std::vector<Metrics> metrics(alphas.size());
    for (std::size_t m = 0; m < alphas.size(); ++m) {
        double norm = 0;  // ||W_m||^2 in a fixed order
        for (Eigen::Index row = 0; row < d; ++row)
            for (Eigen::Index j = 0; j < classes; ++j) {
                const double w = weights(row, static_cast<Eigen::Index>(m) * classes + j);
                norm = std::fma(w, w, norm);  // rounded once, as the builds that fused it did
            }
        metrics[m].cross_entropy = cross_entropy[m] / static_cast<double>(data.count);
        metrics[m].cost = std::fma(0.5 * alphas[m], norm, metrics[m].cross_entropy);
        metrics[m].accuracy = static_cast<double>(correct[m]) / static_cast<double>(data.count);
    }
    return metrics;
}

void stack_models(const Eigen::MatrixXf& weights, const Eigen::VectorXf& bias, StackedWeights& stacked,
                  Eigen::VectorXf& stacked_bias) {
    const Eigen::Index P = kernels::padded_width(weights.cols());
    stacked.setZero(weights.rows(), P);
    stacked.leftCols(weights.cols()) = weights;
    stacked_bias.setZero(P);
    stacked_bias.head(bias.size()) = bias;
}

std::vector<Metrics> evaluate_side_by_side(const Eigen::MatrixXf& weights, const Eigen::VectorXf& bias,
                                           const std::vector<double>& alphas, const DatasetView& data,
                                           Eigen::MatrixXi* confusion) {
    StackedWeights stacked;
    Eigen::VectorXf stacked_bias;
    stack_models(weights, bias, stacked, stacked_bias);
    const auto classes = static_cast<int>(weights.cols() / static_cast<Eigen::Index>(alphas.size()));
    return evaluate_stacked(stacked, stacked_bias, classes, alphas, data, confusion);
}

}  // namespace hypergrid
