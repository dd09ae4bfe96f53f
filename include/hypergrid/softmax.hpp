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

/// J(W, b) and, when the pointers are set, dJ/dW = X (P - Y)^T / n + alpha W and
/// dJ/db = mean(P - Y), in double precision. X is d x n (one example per column).
/// The definition the trainer's float arithmetic is checked against.
double softmax_cost_gradient(const Eigen::MatrixXd& weights, const Eigen::VectorXd& bias,
                             const Eigen::MatrixXd& features, const std::vector<std::int32_t>& labels,
                             double alpha, Eigen::MatrixXd* weights_gradient, Eigen::VectorXd* bias_gradient);

/// k models side by side in the layout the SGD kernels use: W row-major d x P with model m in columns
/// [m c, (m + 1) c), P = k c padded to kernels::kPadding columns (padding zero), bias of length P.
using StackedWeights = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

/// Metrics of the k = alphas.size() models in `weights`/`bias` (stacked layout) on `data`. Every
/// model's figures are computed in the same order whatever its neighbours, so they do not depend on
/// how models are grouped. When `confusion` is set (k must be 1) it receives the c x c counts,
/// rows = true label, columns = predicted label.
std::vector<Metrics> evaluate_stacked(const StackedWeights& weights, const Eigen::VectorXf& bias, int classes,
                                      const std::vector<double>& alphas, const DatasetView& data,
                                      Eigen::MatrixXi* confusion = nullptr);

/// The same for models given as a plain d x (k c) matrix and a k c bias.
std::vector<Metrics> evaluate_side_by_side(const Eigen::MatrixXf& weights, const Eigen::VectorXf& bias,
                                           const std::vector<double>& alphas, const DatasetView& data,
                                           Eigen::MatrixXi* confusion = nullptr);

/// Stacks a plain d x (k c) matrix and bias into the padded layout.
void stack_models(const Eigen::MatrixXf& weights, const Eigen::VectorXf& bias, StackedWeights& stacked,
                  Eigen::VectorXf& stacked_bias);


}  // namespace hypergrid
