#pragma once
/// @file outputs.hpp
/// The files a run leaves in its output directory, each written atomically (temporary file, then
/// rename), so a reader never sees a half-written file and an old file survives a failed write.

#include "hypergrid/results.hpp"
#include "hypergrid/training.hpp"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace hypergrid {

/// Creates the output directory if needed and checks that files can be written there, so a run
/// fails before its sweep rather than after it. Throws InputError naming the directory.
void prepare_output_directory(const std::filesystem::path& directory);

/// Writes `content` to `file` through a temporary file in the same directory, flushed to disk, then renamed.
void write_file_atomic(const std::filesystem::path& file, const std::string& content);

/// summary.json's "data": how many examples the sweep trained, validated and tested on, and their shape.
struct DataCounts {
    std::int64_t train_examples = 0;  ///< holdout: the training split; k-fold: every example, cut into the folds
    std::optional<std::int64_t> validation_examples;  ///< holdout: the validation split; k-fold: none (each fold validates in turn)
    std::int64_t test_examples = 0;
    std::int64_t features = 0;
    int classes = 0;

    /// Its keys in summary.json, in order (written as RunSummary's fields are).
    template <class Visit>
    void fields(Visit&& field) const {
        field("train_examples", train_examples);
        field("validation_examples", validation_examples);
        field("test_examples", test_examples);
        field("features", features);
        field("classes", classes);
    }
};

/// The counts of what `data` holds.
DataCounts data_counts(const TrainingData& data);

/// What summary.json reports.
struct RunSummary {
    std::string config_json;                              ///< the resolved config (config_to_json)
    std::optional<TrialResult> best;                      ///< empty when every trial diverged
    std::optional<FinalResult> final_model;               ///< empty when every trial diverged
    bool final_trained_ahead = false;  ///< an idle rank trained the final model during the sweep
    std::vector<std::pair<std::string, double>> phase_seconds;  ///< wall time of each phase, in order
    std::vector<double> peak_memory_mb;                  ///< peak resident set size of each rank
    int ranks = 1;
    std::int64_t trials = 0;       ///< size of the search space
    std::int64_t finished = 0;     ///< trials with a result (fewer when stopped early or sharded)
    bool complete = true;          ///< false when a signal stopped the sweep: resume to finish it
    std::string shard = "0/1";
    std::string isa;               ///< the kernels rank 0 trained with (kernels.hpp): v4, v3, baseline; v4_bf16 or amx_bf16
    DataCounts data;

    /// JSON text written as it is (the config, already JSON).
    struct RawJson { const std::string& text; };
    /// Numbers written with this many decimals (memory, timings).
    template <class T> struct Fixed { const T& values; int decimals; };
    /// A k-fold run's best: its summary fields and val_cost_std (a holdout run's "best" has none).
    struct FoldedBest { const TrialResult& trial; };

    /// summary.json's keys, in order: a new key is one line here. Values are written by their type
    /// (format_summary_json): text, integers, booleans, doubles, optionals (null when empty),
    /// records (their summary fields), Metrics, DataCounts, a confusion matrix, RawJson and Fixed lists.
    template <class Visit>
    void fields(Visit&& field) const {
        field("version", std::string(HYPERGRID_VERSION));
        field("ranks", ranks);
        field("trials", trials);
        field("finished", finished);
        field("complete", complete);
        field("shard", shard);
        field("isa", isa);
        field("config", RawJson{config_json});
        field("data", data);
        if (best && trials_csv.val_cost_std) field("best", FoldedBest{*best});
        else field("best", best);
        if (final_model) {
            field("test", final_model->test);
            field("confusion_matrix", final_model->confusion);
            field("final_trained_ahead", final_trained_ahead);
            field("model", RawJson{final_model->model.summary_json()});
        } else {
            field("test", nullptr);
            field("confusion_matrix", nullptr);
        }
        field("peak_memory_mb", Fixed<std::vector<double>>{peak_memory_mb, 1});
        field("seconds", Fixed<std::vector<std::pair<std::string, double>>>{phase_seconds, 4});
    }

    TrialsCsvExtras trials_csv;  ///< the columns k-fold and halving add to trials.csv
    std::optional<std::vector<TrialResult>> fold_results;  ///< k-fold: written to folds.csv
    std::optional<std::vector<CurvePoint>> curve_points;   ///< [run] curves: written to curves.csv
};

/// This process's peak resident set size so far, in MiB.
double peak_resident_mb();

std::string format_summary_json(const RunSummary& summary);

/// trials.csv (folds.csv with k-fold, curves.csv with [run] curves), summary.json, and the final model
/// as weights.npy (d x c) and bias.npy (c).
void write_run_outputs(const std::filesystem::path& directory, const std::vector<TrialResult>& results,
                       const RunSummary& summary);

}  // namespace hypergrid
