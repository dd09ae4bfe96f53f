#pragma once
/// @file softmax.hpp
/// Softmax regression: the objective and its evaluation. No MPI, no scheduling.
///
/// Model: scores z = W^T x + b with W (d x c), b (c); p = softmax(z).
/// Cost:  J(W, b) = mean_i -log p_{y_i}(x_i) + alpha/2 ||W||^2   (the bias is not penalised).

#include "hypergrid/dataset.hpp"

#include <Eigen/Core>
#include <cstdint>
#include <vector>

namespace hypergrid {

/// The hyperparameters that change the arithmetic of one model.
struct ModelSpec {
    double alpha = 0;
    double learning_rate = 0;
};

/// What evaluation reports for one model on one dataset.
struct Metrics {
    double cost = 0;           ///< cross_entropy + alpha/2 ||W||^2
    double cross_entropy = 0;  ///< mean over examples, unregularised
    double accuracy = 0;       ///< fraction of examples whose argmax score is the label
};

/// One trained model: weights (d x c) and bias (c).
struct SoftmaxModel {
    Eigen::MatrixXf weights;
    Eigen::VectorXf bias;
};

/// J(W, b) and, when the pointers are set, dJ/dW = X (P - Y)^T / n + alpha W and
/// dJ/db = mean(P - Y), in double precision. X is d x n (one example per column).
/// The definition the trainer's float arithmetic is checked against.
double softmax_cost_gradient(const Eigen::MatrixXd& weights, const Eigen::VectorXd& bias,
                             const Eigen::MatrixXd& features, const std::vector<std::int32_t>& labels,
                             double alpha, Eigen::MatrixXd* weights_gradient, Eigen::VectorXd* bias_gradient);

/// Metrics of k models stored side by side: weights is d x (k c) with model m in columns
/// [m c, (m + 1) c), bias likewise; alphas has k entries. When `confusion` is set (k must be 1) it
/// receives the c x c counts, rows = true label, columns = predicted label.
std::vector<Metrics> evaluate_side_by_side(const Eigen::MatrixXf& weights, const Eigen::VectorXf& bias,
                                           const std::vector<double>& alphas, const DatasetView& data,
                                           Eigen::MatrixXi* confusion = nullptr);

}  // namespace hypergrid
