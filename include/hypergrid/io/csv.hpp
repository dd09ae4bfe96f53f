#pragma once
/// @file csv.hpp
/// CSV files with the integer label in the first column and numeric features after it.

#include "hypergrid/io/table.hpp"

#include <cstdint>
#include <filesystem>
#include <vector>

namespace hypergrid::io {

struct CsvData {
    FeatureTable features;
    std::vector<std::int32_t> labels;
};

/// Reads a CSV: an optional header line (detected when its first field is not a number), then one
/// example per line. Every row must have the same number of fields; values must be finite numbers;
/// labels non-negative integers. `integer_source` is true when every feature is an integer.
/// When `unlabelled_fields` is set and the rows have exactly that many fields, there is no label
/// column: every field is a feature and `labels` stays empty (predict's input).
/// Throws InputError("<file>:<line>: ...").
CsvData read_csv(const std::filesystem::path& file, std::int64_t unlabelled_fields = 0);

}  // namespace hypergrid::io
