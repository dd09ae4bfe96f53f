#pragma once
/// @file idx.hpp
/// IDX files (the MNIST format), raw or gzip-compressed.

#include "hypergrid/io/table.hpp"

#include <cstdint>
#include <filesystem>
#include <vector>

namespace hypergrid::io {

/// Reads an IDX image file of any rank >= 2 (n x d1 x d2 ...), flattening each example to one row.
/// Accepts element types ubyte, byte, short, int, float, double. Validates magic, dimensions and the
/// byte count. Throws InputError("<file>: ...").
FeatureTable read_idx_features(const std::filesystem::path& file);

/// Reads a 1-D IDX label file of integer type. Throws InputError on negative labels or corruption.
std::vector<std::int32_t> read_idx_labels(const std::filesystem::path& file);

}  // namespace hypergrid::io
