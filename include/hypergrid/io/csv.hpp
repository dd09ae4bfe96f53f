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
/// Throws InputError("<file>:<line>: ...").
CsvData read_csv(const std::filesystem::path& file);

}  // namespace hypergrid::io
