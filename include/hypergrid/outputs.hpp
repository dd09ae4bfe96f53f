#pragma once
/// @file outputs.hpp
/// The files a run leaves in its output directory, each written atomically (temporary file, then
/// rename), so a reader never sees a half-written file and an old file survives a failed write.

#include "hypergrid/results.hpp"
#include "hypergrid/training.hpp"

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace hypergrid {

/// Creates the output directory if needed and checks that files can be written there, so a run
/// fails before its sweep rather than after it. Throws InputError naming the directory.
void prepare_output_directory(const std::filesystem::path& directory);

/// Writes `content` to `file` through a temporary file in the same directory, flushed to disk, then renamed.
void write_file_atomic(const std::filesystem::path& file, const std::string& content);

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
    std::string isa;               ///< the kernel level rank 0 ran (kernels.hpp): v4, v3 or baseline
};

/// This process's peak resident set size so far, in MiB.
double peak_resident_mb();

std::string format_summary_json(const RunSummary& summary);

/// trials.csv, summary.json, and the final model as weights.npy (d x c) and bias.npy (c).
void write_run_outputs(const std::filesystem::path& directory, const std::vector<TrialResult>& results,
                       const RunSummary& summary);

}  // namespace hypergrid
