#pragma once
/// @file config.hpp
/// The TOML run configuration, validated into a RunConfig.

#include "hypergrid/dataset.hpp"
#include "hypergrid/kernels.hpp"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace hypergrid {

/// [data]: where the examples come from and how they are split.
struct DataConfig {
    DataSource train;                     ///< train_images + train_labels, or train (CSV)
    DataSource test;                      ///< test_images + test_labels, or test (CSV)
    std::optional<double> scale;          ///< features are divided by this; default by file type
    double validation_fraction = 0.2;     ///< the last fraction of the training set validates
    std::int64_t limit_train = 0;         ///< use only the first N training examples (0 = all)
    std::int64_t limit_test = 0;          ///< use only the first N test examples (0 = all)
    /// k-fold cross-validation: the training set is cut into this many folds, each validating the
    /// models trained on the others (see folds.hpp); 0 = the holdout split above.
    int folds = 0;
};

/// An axis written as a range: { start, stop, num, scale = "linear" | "log" }.
struct AxisRange {
    double start = 0;
    double stop = 0;
    bool log = false;
};

/// [grid] and [search]: the values of each hyperparameter axis, in the order the user wrote them
/// (a range axis already expanded to its `num` points), and how trials are drawn from them.
struct GridConfig {
    std::vector<int> epochs;
    std::vector<double> alpha;
    std::vector<double> learning_rate;
    std::vector<int> batch_size;
    /// Per axis (epochs, alpha, learning_rate, batch_size): the range it was written as, if any.
    std::optional<AxisRange> ranges[4];

    bool random = false;        ///< [search] mode = "random": `samples` points drawn from the axes
    std::int64_t samples = 0;   ///< random mode: how many trials; halving: how many configurations (0: the grid's)
    std::uint64_t search_seed = 0;  ///< random mode: seeds the draws ([search] seed, default [run] seed)

    /// [search] mode = "halving": successive halving over the epochs axis (see halving.hpp); the
    /// trial space is still the grid's (or, with `samples`, random mode's), so trial ids are the same.
    bool halving = false;
    int factor = 3;             ///< halving: each rung keeps the best ceil(n / factor) configurations
};

/// [run]: seeding, outputs and how trials are packed into units of work.
struct RunSettings {
    std::uint64_t seed = 1;
    std::filesystem::path output = "runs/hypergrid";  ///< relative paths resolve against the config file
    int models_per_unit = 9;  ///< at most this many models train side by side in one unit of work
    bool dynamic_schedule = true;  ///< "dynamic": units go to ranks as they free up; "static": planned upfront
    /// "float32" (exact, the default) or "bf16": the SGD step's products in bfloat16 (kernels.hpp)
    kernels::Precision precision = kernels::Precision::float32;
    /// Learning curves: every model is validated after every epoch, not only at its checkpoints, and
    /// each epoch's figures are recorded (curves.csv). Changes no trial's numbers.
    bool curves = false;
};

struct RunConfig {
    std::filesystem::path file;  ///< the config file itself, as given
    DataConfig data;
    GridConfig grid;
    RunSettings run;
};

/// Parses and validates a config file. Relative paths in it resolve against its directory; data files
/// must exist. Every problem throws InputError("<file>:<line>: <key>: <what>"), one line.
RunConfig load_config(const std::filesystem::path& file);

/// The config as a JSON object (resolved paths, effective defaults), for summary.json.
std::string config_to_json(const RunConfig& config);

}  // namespace hypergrid
