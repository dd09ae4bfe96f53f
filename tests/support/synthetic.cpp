#include "support/synthetic.hpp"

#include <algorithm>
#include <limits>

namespace hypergrid::testing {

TrainingProblem::TrainingProblem(std::int64_t n, std::int64_t validation, std::int64_t d, int c, std::uint64_t seed)
    : data_(make_synthetic(n, d, c, seed)), test_(make_synthetic(std::max<std::int64_t>(c, n / 4), d, c, seed + 1)) {
    const DatasetView all = data_.view();
    training_.split = {all.slice(0, n - validation), all.slice(n - validation, validation), all};
    training_.test = test_.view();
    training_.classes = c;
    training_.seed = seed;
}

Eigen::MatrixXd features_double(const DatasetView& view) { return view.matrix().cast<double>(); }

std::vector<std::int32_t> labels_of(const DatasetView& view) { return {view.labels, view.labels + view.count}; }

Eigen::MatrixXd gather_columns(const DatasetView& view, const std::vector<std::uint32_t>& columns,
                               std::vector<std::int32_t>& labels) {
    Eigen::MatrixXd out(view.dims, static_cast<Eigen::Index>(columns.size()));
    labels.clear();
    for (std::size_t j = 0; j < columns.size(); ++j) {
        out.col(static_cast<Eigen::Index>(j)) = view.matrix().col(columns[j]).cast<double>();
        labels.push_back(view.labels[columns[j]]);
    }
    return out;
}

Eigen::MatrixXf random_matrix(Eigen::Index rows, Eigen::Index cols, double scale, TestRandom& random) {
    Eigen::MatrixXf m(rows, cols);
    for (Eigen::Index j = 0; j < cols; ++j)
        for (Eigen::Index i = 0; i < rows; ++i) m(i, j) = static_cast<float>(random.uniform(-scale, scale));
    return m;
}

double relative_difference(const Eigen::MatrixXd& a, const Eigen::MatrixXd& b) {
    return (a - b).norm() / std::max(b.norm(), std::numeric_limits<double>::min());
}

TrialResult make_result(std::int64_t trial, double val_cost, TrialStatus status) {
    TrialResult r;
    r.trial = trial;
    r.hyper = {static_cast<int>(trial % 7) + 1, 0.001 * static_cast<double>(trial), 0.1, 16};
    r.val_cost = val_cost;
    r.val_cross_entropy = val_cost * 0.9;
    r.val_accuracy = 0.5;
    r.status = status;
    r.seconds = 0.25;
    r.rank = static_cast<int>(trial % 3);
    return r;
}

}  // namespace hypergrid::testing
