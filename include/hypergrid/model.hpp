#pragma once
/// @file model.hpp
/// The final model as a value: softmax regression weights with the feature scale they were trained
/// at, so that it can be applied to new data exactly as the run applied it to its test set.

#include "hypergrid/dataset.hpp"
#include "hypergrid/softmax.hpp"

#include <Eigen/Core>
#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace hypergrid {

/// What a model says about each example: its class (the first highest score) and the probabilities
/// of every class (row i: example i).
struct Predictions {
    std::vector<std::int32_t> classes;
    Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> probabilities;  ///< n x c
};

/// A model's figures on labelled data.
struct Evaluation {
    Metrics metrics;            ///< cross-entropy and accuracy (cost = cross-entropy: no penalty)
    Eigen::MatrixXi confusion;  ///< rows: true label, columns: predicted label
};

/// One trained model: scores z = W^T (x / feature_scale) + b, p = softmax(z).
struct SoftmaxModel {
    Eigen::MatrixXf weights;   ///< d x c
    Eigen::VectorXf bias;      ///< c
    double feature_scale = 1;  ///< raw feature values are divided by it (the training set's divisor)

    std::int64_t dims() const { return weights.rows(); }
    int classes() const { return static_cast<int>(weights.cols()); }

    /// Class and probabilities of every example of `data` (features already scaled; labels unused).
    /// The class is the one evaluate() counts, bit for bit: both take the same kernels' scores.
    Predictions predict(const DatasetView& data) const;

    /// Unregularised cross-entropy, accuracy and confusion matrix on labelled `data` (labels < classes()).
    Evaluation evaluate(const DatasetView& data) const;

    /// The model's files, by name: weights.npy (d x c, float32, C order) and bias.npy (c), as numpy
    /// reads them. The caller writes them (atomically) into a run's output directory.
    std::vector<std::pair<std::string, std::string>> files() const;

    /// The model's entry in summary.json: its files, shape and feature scale, one JSON object.
    std::string summary_json() const;

    /// The final model of the run in `run_directory`: the files above plus the feature scale from
    /// summary.json. Throws InputError naming the file when the run has no final model or a file is
    /// missing, unreadable or inconsistent.
    static SoftmaxModel load(const std::filesystem::path& run_directory);
};

}  // namespace hypergrid
