#include "hypergrid/outputs.hpp"

#include "hypergrid/errors.hpp"
#include "hypergrid/fault.hpp"
#include "hypergrid/io/atomic_file.hpp"
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

std::string metrics_json(const Metrics& m) {
    return "{\"cross_entropy\": " + json_number(m.cross_entropy) + ", \"accuracy\": " + json_number(m.accuracy) + "}";
}

std::string trial_json(const TrialResult& r) {
    return "{\"trial\": " + std::to_string(r.trial) + ", \"epochs\": " + std::to_string(r.hyper.epochs) +
           ", \"alpha\": " + json_number(r.hyper.alpha) + ", \"learning_rate\": " + json_number(r.hyper.learning_rate) +
           ", \"batch_size\": " + std::to_string(r.hyper.batch_size) + ", \"val_cost\": " + json_number(r.val_cost) +
           ", \"val_cross_entropy\": " + json_number(r.val_cross_entropy) +
           ", \"val_accuracy\": " + json_number(r.val_accuracy) + "}";
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

double peak_resident_mb() {
    rusage usage{};
    ::getrusage(RUSAGE_SELF, &usage);
    return static_cast<double>(usage.ru_maxrss) / 1024.0;  // Linux reports KiB
}

std::string format_summary_json(const RunSummary& s) {
    std::string json = "{\n  \"version\": " + json_string(HYPERGRID_VERSION) + ",\n  \"ranks\": " +
                       std::to_string(s.ranks) + ",\n  \"trials\": " + std::to_string(s.trials) +
                       ",\n  \"finished\": " + std::to_string(s.finished) +
                       ",\n  \"complete\": " + (s.complete ? "true" : "false") +
                       ",\n  \"shard\": " + json_string(s.shard) +
                       ",\n  \"config\": " + s.config_json + ",\n  \"best\": " + (s.best ? trial_json(*s.best) : "null");
    if (s.final_model) {
        json += ",\n  \"test\": " + metrics_json(s.final_model->test) +
                ",\n  \"confusion_matrix\": " + confusion_json(s.final_model->confusion) +
                ",\n  \"final_trained_ahead\": " + (s.final_trained_ahead ? "true" : "false") +
                ",\n  \"model\": " + s.final_model->model.summary_json();
    } else {
        json += ",\n  \"test\": null,\n  \"confusion_matrix\": null";
    }
    json += ",\n  \"peak_memory_mb\": [";
    for (std::size_t i = 0; i < s.peak_memory_mb.size(); ++i) json += (i ? ", " : "") + format_fixed(s.peak_memory_mb[i], 1);
    json += "]";
    json += ",\n  \"seconds\": {";
    for (std::size_t i = 0; i < s.phase_seconds.size(); ++i)
        json += (i ? ", " : "") + json_string(s.phase_seconds[i].first) + ": " + format_fixed(s.phase_seconds[i].second, 4);
    return json + "}\n}\n";
}

void write_run_outputs(const std::filesystem::path& directory, const std::vector<TrialResult>& results,
                       const RunSummary& summary) {
    prepare_output_directory(directory);
    write_file_atomic(directory / "trials.csv", format_trials_csv(results));
    if (summary.final_model)
        for (const auto& [name, bytes] : summary.final_model->model.files()) write_file_atomic(directory / name, bytes);
    // The summary goes last: its presence says the run's other outputs are complete.
    write_file_atomic(directory / "summary.json", format_summary_json(summary));
}

}  // namespace hypergrid
