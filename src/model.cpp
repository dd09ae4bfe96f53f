#include "hypergrid/model.hpp"

#include "hypergrid/errors.hpp"
#include "hypergrid/io/npy.hpp"
#include "hypergrid/text_format.hpp"
#include "hypergrid/kernels.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <sstream>

namespace hypergrid {
namespace {

constexpr const char* kWeightsFile = "weights.npy";
constexpr const char* kBiasFile = "bias.npy";
constexpr const char* kSummaryFile = "summary.json";

/// The number after `"key": ` in `json` (the first occurrence from `from`), or NaN.
double json_number_after(const std::string& json, std::size_t from, const std::string& key) {
    const std::string pattern = "\"" + key + "\": ";
    const std::size_t at = json.find(pattern, from);
    double value = std::nan("");
    if (at == std::string::npos) return value;
    const char* begin = json.data() + at + pattern.size();
    const auto [end, error] = std::from_chars(begin, json.data() + json.size(), value);
    return error == std::errc() && end != begin ? value : std::nan("");
}

}  // namespace

Predictions SoftmaxModel::predict(const DatasetView& data) const {
    // The evaluation kernel of the active table, as the test evaluation runs it: the class here is the
    // one the accuracy counts, and the probabilities are its exponentials over their sum.
    StackedWeights stacked;
    Eigen::VectorXf stacked_bias;
    stack_models(weights, bias, stacked, stacked_bias);
    const kernels::Table& table = kernels::active_table();
    const kernels::Shape shape{dims(), stacked.cols(), 1, classes()};
    Predictions out;
    out.classes.resize(static_cast<std::size_t>(data.count));
    out.probabilities.resize(data.count, classes());
    constexpr Eigen::Index kChunk = 512;
    const Eigen::Index rows = std::min<Eigen::Index>(kChunk, std::max<std::int64_t>(data.count, 1));
    StackedWeights scores(rows, shape.padded);
    std::vector<float> exp_sums(static_cast<std::size_t>(rows)), label_scores(static_cast<std::size_t>(rows));
    std::vector<std::int64_t> argmax(static_cast<std::size_t>(rows));
    for (Eigen::Index first = 0; first < data.count; first += kChunk) {
        const Eigen::Index n = std::min<Eigen::Index>(kChunk, data.count - first);
        const kernels::Examples chunk{data.features + first * shape.dims, nullptr, nullptr, n};
        table.evaluate(shape, stacked.data(), stacked_bias.data(), chunk, scores.data(), exp_sums.data(),
                       label_scores.data(), argmax.data());
        for (Eigen::Index i = 0; i < n; ++i) {
            const auto at = static_cast<std::size_t>(i);
            out.classes[static_cast<std::size_t>(first + i)] = static_cast<std::int32_t>(argmax[at]);
            out.probabilities.row(first + i) = scores.row(i).head(classes()) / exp_sums[at];
        }
    }
    return out;
}

Evaluation SoftmaxModel::evaluate(const DatasetView& data) const {
    Evaluation result;
    result.metrics = evaluate_side_by_side(weights, bias, {0.0}, data, &result.confusion).front();
    result.metrics.cost = result.metrics.cross_entropy;  // no penalty outside training
    return result;
}

std::vector<std::pair<std::string, std::string>> SoftmaxModel::files() const {
    // Eigen stores W column-major (d x c); numpy wants C order, so write W^T's column-major bytes,
    // which are W's row-major bytes.
    const Eigen::MatrixXf transposed = weights.transpose();
    return {{kWeightsFile, io::npy_bytes(transposed.data(), {weights.rows(), weights.cols()})},
            {kBiasFile, io::npy_bytes(bias.data(), {bias.size()})}};
}

std::string SoftmaxModel::summary_json() const {
    return std::string("{\"weights\": ") + json_string(kWeightsFile) + ", \"bias\": " + json_string(kBiasFile) +
           ", \"features\": " + std::to_string(dims()) + ", \"classes\": " + std::to_string(classes()) +
           ", \"feature_scale\": " + json_number(feature_scale) + "}";
}

SoftmaxModel SoftmaxModel::load(const std::filesystem::path& run_directory) {
    const std::filesystem::path summary_file = run_directory / kSummaryFile;
    std::ifstream in(summary_file);
    if (!in) throw InputError(summary_file.string() + ": cannot read it: is " + run_directory.string() + " the output directory of a finished run?");
    std::ostringstream text;
    text << in.rdbuf();
    const std::string summary = text.str();
    const std::size_t entry = summary.find("\"model\": {");
    if (entry == std::string::npos)
        throw InputError(summary_file.string() + ": the run has no final model (stopped early, a shard, or every trial diverged)");
    const double scale = json_number_after(summary, entry, "feature_scale");
    const double features = json_number_after(summary, entry, "features");
    const double classes = json_number_after(summary, entry, "classes");
    if (!(scale > 0) || !(features >= 1) || !(classes >= 1))
        throw InputError(summary_file.string() + ": malformed \"model\" entry (features, classes, feature_scale)");

    const std::filesystem::path weights_file = run_directory / kWeightsFile, bias_file = run_directory / kBiasFile;
    const io::FloatArray w = io::read_npy_floats(weights_file);
    const io::FloatArray b = io::read_npy_floats(bias_file);
    const std::vector<std::int64_t> shape{static_cast<std::int64_t>(features), static_cast<std::int64_t>(classes)};
    if (w.shape != shape)
        throw InputError(weights_file.string() + ": shape does not match the " + std::to_string(shape[0]) + " x " +
                         std::to_string(shape[1]) + " model that " + summary_file.string() + " describes");
    if (b.shape != std::vector<std::int64_t>{shape[1]})
        throw InputError(bias_file.string() + ": expected " + std::to_string(shape[1]) + " values, one per class");
    SoftmaxModel model;
    model.weights = Eigen::Map<const Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(
        w.values.data(), shape[0], shape[1]);
    model.bias = Eigen::Map<const Eigen::VectorXf>(b.values.data(), shape[1]);
    model.feature_scale = scale;
    return model;
}

}  // namespace hypergrid
