#pragma once
/// @file report_records.hpp
/// What the HTML report reads: a run's output directory as it lies on disk (trials.csv,
/// summary.json, legs.csv, folds.csv and curves.csv when present), so `hypergrid report` needs
/// nothing but the directory.

#include "hypergrid/curves.hpp"
#include "hypergrid/results.hpp"

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace hypergrid {

/// A parsed JSON value (summary.json): just enough of a document model to look fields up.
struct JsonValue {
    enum class Kind { null, boolean, number, string, array, object };
    Kind kind = Kind::null;
    bool boolean = false;
    double number = 0;
    std::string string;
    std::vector<JsonValue> items;                            ///< array
    std::vector<std::pair<std::string, JsonValue>> fields;   ///< object, in file order

    /// The object's field `key`, or nullptr (also when this is not an object).
    const JsonValue* find(const std::string& key) const;
    /// Follows a path of object keys; nullptr when any step is missing.
    const JsonValue* at_path(std::initializer_list<const char*> keys) const;
    bool is_number() const { return kind == Kind::number; }
};

/// Parses a JSON document; throws std::invalid_argument naming the offset of the first error.
JsonValue parse_json(const std::string& text);

/// One row of legs.csv: a span of work one rank did, timed from the sweep's start on rank 0's clock.
struct LegSpan {
    int rank = 0;
    std::int64_t leg = 0;
    std::int64_t unit = 0;
    bool final_model = false;  ///< kind "final": the final model's training, else a leg of a unit
    double start = 0;
    double end = 0;
};

/// A run's records, as read back from its output directory.
struct RunRecords {
    std::filesystem::path directory;
    std::vector<TrialResult> trials;     ///< trials.csv, in file order
    JsonValue summary;                   ///< summary.json
    std::optional<std::vector<LegSpan>> legs;  ///< legs.csv; empty when the run recorded none
    std::vector<std::int64_t> weights_shape;   ///< weights.npy's shape (features x classes), if present
    // What a search adds (search.md): k-fold's spread and per-fold figures, successive halving's rungs.
    bool has_val_cost_std = false;       ///< trials.csv has val_cost_std (a k-fold run)
    std::vector<int> rungs;              ///< trials.csv's rung column, parallel to trials; empty without one
    std::vector<TrialResult> folds;      ///< folds.csv (trial, fold and its figures); empty without one
    std::optional<std::vector<CurvePoint>> curve;  ///< curves.csv ([run] curves); none when the run recorded none
};

/// The columns of trials.csv a search adds, when present.
struct TrialsCsvOptional {
    bool val_cost_std = false;  ///< read into each TrialResult's val_cost_std
    std::vector<int> rungs;     ///< one per row, when the file has a rung column
};

/// Parses trials.csv text, by its header's column names (columns it does not know are skipped).
/// Throws std::invalid_argument naming the line.
/// `optional`, when given, receives what the search-added columns held.
std::vector<TrialResult> parse_trials_csv(const std::string& text, TrialsCsvOptional* optional = nullptr);

/// Parses folds.csv text (header trial,fold,val_cost,val_cross_entropy,val_accuracy); throws
/// std::invalid_argument naming the line.
std::vector<TrialResult> parse_folds_csv(const std::string& text);

/// Parses curves.csv text (its header: CurvePoint's fields); throws std::invalid_argument naming the line.
std::vector<CurvePoint> parse_curves_csv(const std::string& text);

/// Parses legs.csv text (header rank,leg,unit,kind,start_seconds,end_seconds); throws
/// std::invalid_argument naming the line.
std::vector<LegSpan> parse_legs_csv(const std::string& text);

/// Reads a run's output directory (folds.csv and curves.csv too, when present). Throws InputError("<file>: ...") when trials.csv or
/// summary.json is missing or malformed.
RunRecords read_run_records(const std::filesystem::path& directory);

}  // namespace hypergrid
