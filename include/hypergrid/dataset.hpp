#pragma once
/// @file dataset.hpp
/// Labelled examples as a feature matrix with one example per column, and the train/validation split.

#include "hypergrid/io/table.hpp"

#include <Eigen/Core>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <vector>

namespace hypergrid {

/// Non-owning view of labelled examples. `features` is d x n column-major (example i starts at
/// features + i * dims), so any contiguous run of examples is a contiguous block of memory.
struct DatasetView {
    const float* features = nullptr;
    const std::int32_t* labels = nullptr;
    std::int64_t count = 0;
    std::int64_t dims = 0;

    /// The feature matrix as an Eigen map (d x n).
    Eigen::Map<const Eigen::MatrixXf> matrix() const { return {features, dims, count}; }
    /// Examples [first, first + n).
    DatasetView slice(std::int64_t first, std::int64_t n) const {
        return {features + first * dims, labels + first, n, dims};
    }
};

/// Owning storage for labelled examples (same layout as DatasetView).
struct Dataset {
    std::vector<float> features;
    std::vector<std::int32_t> labels;
    std::int64_t count = 0;
    std::int64_t dims = 0;
    std::uint64_t digest = 0;  ///< the ReadDataset::digest() of the files it was decoded from
    double divisor = 1;        ///< what the raw features were divided by

    DatasetView view() const { return {features.data(), labels.data(), count, dims}; }
};

/// Where a dataset comes from: an image file plus a label file (IDX raw or .gz, or NPY), or one CSV
/// file with the label in the first column. Without a label file (labels empty) the examples are
/// unlabelled (predict's input).
struct DataSource {
    std::filesystem::path images;  ///< IDX or NPY features (empty when csv is set)
    std::filesystem::path labels;  ///< IDX or NPY labels (empty when csv is set)
    std::filesystem::path csv;     ///< CSV with label first (empty when images/labels are set)
};

/// A dataset whose files are read and checked, its features not yet converted to float: its shape
/// is known, so the caller can place them (in a node's shared memory, say) before they are decoded.
struct ReadDataset {
    io::FeatureTable features;
    std::vector<std::int32_t> labels;
    double divisor = 1;  ///< the scale the features are divided by

    std::int64_t count() const { return features.rows; }
    std::int64_t dims() const { return features.cols; }
    /// What the decoded dataset depends on, digested: the feature file's content, the labels and
    /// the divisor. Cheap (the file's bytes, not the 4x larger floats), and computed by whichever
    /// rank read the files, so a journal's fingerprint costs no pass over the decoded data.
    std::uint64_t digest() const;
    /// Writes the count() x dims() features, converted and scaled, to `out`. Throws InputError
    /// naming the file on a value that is not a finite float.
    void decode_features_into(float* out) const;
    /// The dataset, decoded into memory of its own.
    Dataset decode() const;
};

/// Reads a dataset's files; its features will be divided by `scale` (default: 255 when the file holds
/// integers, 1 when it holds floats). Throws InputError naming the file on any corrupt or
/// inconsistent input.
ReadDataset read_dataset(const DataSource& source, std::optional<double> scale);

/// Number of classes: one more than the largest label in any of the views.
int count_classes(const std::vector<DatasetView>& views);

/// The exercise's split: the last `validation_fraction` of the first `limit` examples (0 = all)
/// validates, the rest trains. Throws InputError when either part would be empty.
struct Split {
    DatasetView train;
    DatasetView validation;
    DatasetView all;  ///< train followed by validation: the final model's training set
};
Split split_train_validation(const DatasetView& data, double validation_fraction, std::int64_t limit);

}  // namespace hypergrid
