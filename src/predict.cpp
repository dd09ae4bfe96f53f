#include "hypergrid/predict.hpp"

#include "hypergrid/dataset.hpp"
#include "hypergrid/errors.hpp"
#include "hypergrid/io/csv.hpp"
#include "hypergrid/model.hpp"
#include "hypergrid/outputs.hpp"
#include "hypergrid/text_format.hpp"

#include <algorithm>
#include <charconv>
#include <ostream>
#include <string>

namespace hypergrid {
namespace {

/// The input's files, read, checked against the model and scaled by its feature scale.
ReadDataset read_input(const PredictRequest& request, const SoftmaxModel& model) {
    const std::vector<std::filesystem::path>& inputs = request.inputs;
    if (inputs.empty() || inputs.size() > 2) throw InputError("predict: expected IMAGES [LABELS] or DATA.csv");
    const std::filesystem::path& file = inputs[0];
    const bool csv = file.extension() == ".csv";
    if (csv && inputs.size() == 2)
        throw InputError(inputs[1].string() + ": a CSV holds its own labels (first column), give no LABELS file");
    ReadDataset data;
    if (csv) {
        io::CsvData table = io::read_csv(file, model.dims());
        data.features = std::move(table.features);
        data.labels = std::move(table.labels);
        data.divisor = model.feature_scale;
    } else {
        data = read_dataset({file, inputs.size() == 2 ? inputs[1] : std::filesystem::path{}, {}}, model.feature_scale);
    }
    if (data.dims() != model.dims())
        throw InputError(file.string() + ": " + std::to_string(data.dims()) + " features per example, but the model of " +
                         request.run_directory.string() + " has " + std::to_string(model.dims()) +
                         (csv ? " (a CSV may have one more column first: the label)" : ""));
    const auto label = std::find_if(data.labels.begin(), data.labels.end(), [&](std::int32_t y) { return y >= model.classes(); });
    if (label != data.labels.end())
        throw InputError(inputs.back().string() + ": label " + std::to_string(*label) + " of example " +
                         std::to_string(label - data.labels.begin()) + ", but the model has " +
                         std::to_string(model.classes()) + " classes");
    return data;
}

/// A float in its shortest text that reads back the same.
void append_float(std::string& out, float value) {
    char buffer[32];
    const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
    out.append(buffer, result.ptr);
}

std::string format_predictions(const Predictions& predictions, const DatasetView& data) {
    const bool labelled = data.labels != nullptr;
    std::string csv = labelled ? "example,predicted,label" : "example,predicted";
    for (Eigen::Index j = 0; j < predictions.probabilities.cols(); ++j) csv += ",p_" + std::to_string(j);
    csv += '\n';
    for (std::int64_t i = 0; i < data.count; ++i) {
        csv += std::to_string(i) + ',' + std::to_string(predictions.classes[static_cast<std::size_t>(i)]);
        if (labelled) csv += ',' + std::to_string(data.labels[i]);
        for (Eigen::Index j = 0; j < predictions.probabilities.cols(); ++j) {
            csv += ',';
            append_float(csv, predictions.probabilities(i, j));
        }
        csv += '\n';
    }
    return csv;
}

}  // namespace

void predict(const PredictRequest& request, std::ostream& out) {
    const SoftmaxModel model = SoftmaxModel::load(request.run_directory);
    const std::filesystem::path where = request.output.parent_path();
    prepare_output_directory(where.empty() ? "." : where);  // fails before the work, as bad input
    const Dataset dataset = read_input(request, model).decode();
    DatasetView data = dataset.view();
    if (dataset.labels.empty()) data.labels = nullptr;
    write_file_atomic(request.output, format_predictions(model.predict(data), data));
    out << "predict: " << data.count << " examples";
    if (data.labels) {
        const Metrics metrics = model.evaluate(data).metrics;
        out << ", accuracy " << format_number(metrics.accuracy) << ", cross-entropy " << format_number(metrics.cross_entropy);
    }
    out << "; predictions in " << request.output.string() << std::endl;
}

}  // namespace hypergrid
