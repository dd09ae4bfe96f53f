#include "hypergrid/outputs.hpp"

#include "hypergrid/errors.hpp"
#include "hypergrid/fault.hpp"
#include "hypergrid/io/atomic_file.hpp"
#include "hypergrid/folds.hpp"
#include "hypergrid/io/npy.hpp"
#include "hypergrid/text_format.hpp"

#include <sys/resource.h>

#include <system_error>

namespace hypergrid {
namespace {

/// Renames `file`'s temporary into place once flushed, so `file` is either old or complete.
void commit(io::AtomicFile& file) {
    fault_point("write_outputs");
    file.commit();
}

std::string confusion_json(const Eigen::MatrixXi& confusion) {
    std::string json = "[";
    for (Eigen::Index i = 0; i < confusion.rows(); ++i) {
        json += i ? ",\n    [" : "\n    [";
        for (Eigen::Index j = 0; j < confusion.cols(); ++j) json += (j ? ", " : "") + std::to_string(confusion(i, j));
        json += ']';
    }
    return json + "]";
}

}  // namespace

void prepare_output_directory(const std::filesystem::path& directory) {
    std::error_code error;
    std::filesystem::create_directories(directory, error);
    if (error) throw InputError(directory.string() + ": cannot create output directory: " + error.message());
    try {
        const io::AtomicFile probe(directory / "write-test");  // removed again at once
    } catch (const std::system_error& failure) {
        throw InputError(directory.string() + ": output directory is not writable: " + failure.code().message());
    }
}

void write_file_atomic(const std::filesystem::path& file, const std::string& content) {
    io::AtomicFile out(file);
    out.write(content.data(), content.size());
    commit(out);
}

DataCounts data_counts(const TrainingData& data) {
    DataCounts counts;
    counts.train_examples = data.folds > 0 ? data.split.all.count : data.split.train.count;
    if (data.folds == 0) counts.validation_examples = data.split.validation.count;
    counts.test_examples = data.test.count;
    counts.features = data.split.all.dims;
    counts.classes = data.classes;
    return counts;
}

double peak_resident_mb() {
    rusage usage{};
    ::getrusage(RUSAGE_SELF, &usage);
    return static_cast<double>(usage.ru_maxrss) / 1024.0;  // Linux reports KiB
}

namespace {

// summary.json's values, one overload per type a RunSummary field may have.
void append_value(std::string& out, const std::string& text) { out += json_string(text); }
void append_value(std::string& out, bool value) { out += value ? "true" : "false"; }
void append_value(std::string& out, int value) { out += std::to_string(value); }
void append_value(std::string& out, std::int64_t value) { out += std::to_string(value); }
[[maybe_unused]] void append_value(std::string& out, double value) { out += json_number(value); }
void append_value(std::string& out, std::nullptr_t) { out += "null"; }
void append_value(std::string& out, const RunSummary::RawJson& json) { out += json.text; }
void append_value(std::string& out, const TrialResult& r) { out += json_object(r, JsonForm::summary); }
void append_value(std::string& out, const RunSummary::FoldedBest& best) {
    std::string object = json_object(best.trial, JsonForm::summary);
    object.pop_back();  // the closing brace: val_cost_std follows val_accuracy, as in trials.csv
    out += object + ", \"val_cost_std\": " + json_number(best.trial.val_cost_std) + "}";
}
void append_value(std::string& out, const Eigen::MatrixXi& confusion) { out += confusion_json(confusion); }
void append_value(std::string& out, const Metrics& m) {
    out += "{\"cross_entropy\": " + json_number(m.cross_entropy) + ", \"accuracy\": " + json_number(m.accuracy) + "}";
}
void append_value(std::string& out, const RunSummary::Fixed<std::vector<double>>& list) {
    out += '[';
    for (std::size_t i = 0; i < list.values.size(); ++i) out += (i ? ", " : "") + format_fixed(list.values[i], list.decimals);
    out += ']';
}
void append_value(std::string& out, const RunSummary::Fixed<std::vector<std::pair<std::string, double>>>& named) {
    out += '{';
    for (std::size_t i = 0; i < named.values.size(); ++i)
        out += (i ? ", " : "") + json_string(named.values[i].first) + ": " + format_fixed(named.values[i].second, named.decimals);
    out += '}';
}
template <class T>
void append_value(std::string& out, const std::optional<T>& value) {
    if (value) {
        append_value(out, *value);
    } else {
        out += "null";
    }
}
void append_value(std::string& out, const DataCounts& counts);

/// An object with fields(visit) (RunSummary, DataCounts) as JSON: "{" `first` "key": value,
/// `between` "key": value ... `last` "}".
template <class Object>
void append_object(std::string& out, const Object& object, const char* first, const char* between, const char* last) {
    out += '{';
    const char* separator = first;
    object.fields([&](const char* name, const auto& value) {
        out += separator;
        separator = between;
        out += '"';
        out += name;
        out += "\": ";
        append_value(out, value);
    });
    out += last;
    out += '}';
}

void append_value(std::string& out, const DataCounts& counts) { append_object(out, counts, "", ", ", ""); }

}  // namespace

std::string format_summary_json(const RunSummary& s) {
    std::string json;
    append_object(json, s, "\n  ", ",\n  ", "\n");
    return json + '\n';
}

void write_run_outputs(const std::filesystem::path& directory, const std::vector<TrialResult>& results,
                       const RunSummary& summary) {
    prepare_output_directory(directory);
    write_file_atomic(directory / "trials.csv", format_trials_csv(results, summary.trials_csv));
    if (summary.fold_results) write_file_atomic(directory / "folds.csv", format_folds_csv(*summary.fold_results));
    if (summary.curve_points) write_file_atomic(directory / "curves.csv", format_curves_csv(*summary.curve_points));
    if (summary.final_model)
        for (const auto& [name, bytes] : summary.final_model->model.files()) write_file_atomic(directory / name, bytes);
    // The summary goes last: its presence says the run's other outputs are complete.
    write_file_atomic(directory / "summary.json", format_summary_json(summary));
}

}  // namespace hypergrid
