#pragma once
/// @file synthetic.hpp
/// Test helpers: small deterministic datasets (Gaussian class means, any d and c), training problems
/// built on them, double-precision copies for reference arithmetic, and TrialResult records.
///
/// The dataset generator is inline because mpi_tests (tests/mpi/*.cpp) does not link
/// tests/support/*.cpp; everything else lives in synthetic.cpp and is for unit_tests only.

#include "hypergrid/dataset.hpp"
#include "hypergrid/results.hpp"
#include "hypergrid/softmax.hpp"
#include "hypergrid/training.hpp"

#include <Eigen/Core>
#include <cmath>
#include <cstdint>
#include <vector>

namespace hypergrid::testing {

/// SplitMix64: a tiny generator whose output is fixed by its seed on every platform (unlike
/// std::normal_distribution, which differs between standard libraries).
class TestRandom {
public:
    explicit TestRandom(std::uint64_t seed) : state_(seed) {}

    std::uint64_t next() {
        std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
        return z ^ (z >> 31);
    }
    /// Uniform in (0, 1).
    double uniform() { return (static_cast<double>(next() >> 11) + 0.5) * 0x1.0p-53; }
    /// Uniform in [low, high).
    double uniform(double low, double high) { return low + (high - low) * uniform(); }
    /// Uniform integer in [0, n).
    std::int64_t below(std::int64_t n) { return static_cast<std::int64_t>(next() % static_cast<std::uint64_t>(n)); }
    /// Standard normal (Box-Muller).
    double normal() {
        const double u = uniform();
        const double v = uniform();
        return std::sqrt(-2.0 * std::log(u)) * std::cos(6.283185307179586 * v);
    }

private:
    std::uint64_t state_;
};

/// n examples with d features and c classes: example i has label i % c (so every class appears
/// once n >= c) and features = its class mean + `noise` * N(0, 1). Class means are `spread` * N(0, 1)
/// per feature. Deterministic given the arguments.
inline Dataset make_synthetic(std::int64_t n, std::int64_t d, int c, std::uint64_t seed, double spread = 1.0,
                              double noise = 1.0) {
    TestRandom random(seed);
    std::vector<double> means(static_cast<std::size_t>(d * c));
    for (double& mean : means) mean = spread * random.normal();
    Dataset data;
    data.count = n;
    data.dims = d;
    data.features.resize(static_cast<std::size_t>(n * d));
    data.labels.resize(static_cast<std::size_t>(n));
    for (std::int64_t i = 0; i < n; ++i) {
        const auto label = static_cast<std::int32_t>(i % c);
        data.labels[static_cast<std::size_t>(i)] = label;
        for (std::int64_t j = 0; j < d; ++j)
            data.features[static_cast<std::size_t>(i * d + j)] =
                static_cast<float>(means[static_cast<std::size_t>(label * d + j)] + noise * random.normal());
    }
    return data;
}

/// A synthetic dataset with its split and TrainingData, kept together so the views stay valid.
/// Not copyable or movable: the views point into `data`.
class TrainingProblem {
public:
    /// n examples (the last `validation` of them validate), d features, c classes; `seed` makes the
    /// data and is also the training seed.
    TrainingProblem(std::int64_t n, std::int64_t validation, std::int64_t d, int c, std::uint64_t seed);
    TrainingProblem(const TrainingProblem&) = delete;
    TrainingProblem& operator=(const TrainingProblem&) = delete;

    const Dataset& dataset() const { return data_; }
    const TrainingData& training() const { return training_; }
    const DatasetView& train() const { return training_.split.train; }
    const DatasetView& validation() const { return training_.split.validation; }
    int classes() const { return training_.classes; }

private:
    Dataset data_;
    Dataset test_;
    TrainingData training_;
};

/// The view's features as a d x n double matrix.
Eigen::MatrixXd features_double(const DatasetView& view);
/// The view's labels.
std::vector<std::int32_t> labels_of(const DatasetView& view);
/// Columns `columns` of the view (features d x k, labels), in that order.
Eigen::MatrixXd gather_columns(const DatasetView& view, const std::vector<std::uint32_t>& columns,
                               std::vector<std::int32_t>& labels);

/// A float matrix with entries uniform in [-scale, scale).
Eigen::MatrixXf random_matrix(Eigen::Index rows, Eigen::Index cols, double scale, TestRandom& random);

/// ||a - b|| / max(||b||, tiny): the relative difference of two matrices.
double relative_difference(const Eigen::MatrixXd& a, const Eigen::MatrixXd& b);

/// A result record for the planning and reporting tests.
TrialResult make_result(std::int64_t trial, double val_cost, TrialStatus status = TrialStatus::ok);

}  // namespace hypergrid::testing
