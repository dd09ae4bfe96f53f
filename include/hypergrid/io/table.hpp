#pragma once
/// @file table.hpp
/// The plain result of reading a feature file, before scaling.

#include <cstdint>
#include <vector>

namespace hypergrid::io {

/// `rows` examples of `cols` features, example-major (row i at values[i * cols]).
struct FeatureTable {
    std::vector<float> values;
    std::int64_t rows = 0;
    std::int64_t cols = 0;
    bool integer_source = false;  ///< the file stored integers (default scale 255)
};

}  // namespace hypergrid::io
