#include "hypergrid/softmax.hpp"

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
        const double max = scores.col(i).maxCoeff();
        scores.col(i) = (scores.col(i).array() - max).exp().matrix();
        const double sum = scores.col(i).sum();
        cross_entropy += std::log(sum) - std::log(scores(labels[static_cast<std::size_t>(i)], i));
        scores.col(i) /= sum;
        scores(labels[static_cast<std::size_t>(i)], i) -= 1.0;  // now P - Y
    }
    if (weights_gradient) *weights_gradient = features * scores.transpose() / static_cast<double>(n) + alpha * weights;
    if (bias_gradient) *bias_gradient = scores.rowwise().mean();
    return cross_entropy / static_cast<double>(n) + 0.5 * alpha * weights.squaredNorm();
}

std::vector<Metrics> evaluate_side_by_side(const Eigen::MatrixXf& weights, const Eigen::VectorXf& bias,
                                           const std::vector<double>& alphas, const DatasetView& data,
                                           Eigen::MatrixXi* confusion) {
    const auto models = static_cast<Eigen::Index>(alphas.size());
    const Eigen::Index classes = weights.cols() / models;
    if (confusion) {
        if (models != 1) throw std::logic_error("a confusion matrix needs exactly one model");
        confusion->setZero(classes, classes);
    }
    std::vector<double> cross_entropy(alphas.size(), 0.0);
    std::vector<std::int64_t> correct(alphas.size(), 0);
    const Eigen::Map<const Eigen::MatrixXf> features = data.matrix();
    constexpr Eigen::Index kChunk = 1024;  // bounds the scores buffer, whatever the dataset size
    Eigen::MatrixXf scores;
    for (Eigen::Index first = 0; first < data.count; first += kChunk) {
        const Eigen::Index n = std::min<Eigen::Index>(kChunk, data.count - first);
        scores.noalias() = weights.transpose() * features.middleCols(first, n);
        scores.colwise() += bias;
        for (Eigen::Index i = 0; i < n; ++i) {
            const std::int32_t label = data.labels[first + i];
            for (Eigen::Index m = 0; m < models; ++m) {
                const auto z = scores.col(i).segment(m * classes, classes);
                Eigen::Index predicted = 0;
                const double max = z.maxCoeff(&predicted);  // first maximum on ties
                const double log_sum = std::log((z.array() - static_cast<float>(max)).exp().cast<double>().sum());
                cross_entropy[static_cast<std::size_t>(m)] += max + log_sum - z(label);
                if (predicted == label) ++correct[static_cast<std::size_t>(m)];
                if (confusion) ++(*confusion)(label, predicted);
            }
        }
    }
    std::vector<Metrics> metrics(alphas.size());
    for (std::size_t m = 0; m < alphas.size(); ++m) {
        const double norm = weights.middleCols(static_cast<Eigen::Index>(m) * classes, classes).cast<double>().squaredNorm();
        metrics[m].cross_entropy = cross_entropy[m] / static_cast<double>(data.count);
        metrics[m].cost = metrics[m].cross_entropy + 0.5 * alphas[m] * norm;
        metrics[m].accuracy = static_cast<double>(correct[m]) / static_cast<double>(data.count);
    }
    return metrics;
}

}  // namespace hypergrid
