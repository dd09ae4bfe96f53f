#pragma once
/// @file npy.hpp
/// NumPy .npy files (format versions 1-3, C order).

#include "hypergrid/io/table.hpp"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace hypergrid::io {

/// Reads a 2-D (n x d) or 3-D (n x h x w) array of uint8, float32 or float64 in C order.
/// Throws InputError("<file>: ...") on a bad magic, header, dtype, order, shape or size.
FeatureTable read_npy_features(const std::filesystem::path& file);

/// Reads a 1-D integer array (u1, i1, u2, i2, i4, u4, i8, u8; any byte order). Rejects negative values.
std::vector<std::int32_t> read_npy_labels(const std::filesystem::path& file);

/// A float array of any 1-D or 2-D shape (a model's weights or bias), values in C order.
struct FloatArray {
    std::vector<std::int64_t> shape;
    std::vector<float> values;
};

/// Reads a 1-D or 2-D float32 or float64 array in C order (values converted to float, each finite).
/// Throws InputError("<file>: ...") like the readers above.
FloatArray read_npy_floats(const std::filesystem::path& file);

/// The bytes of a .npy file (version 1.0) holding a float32 array in C order with the given shape
/// (1-D or 2-D), readable by numpy.load.
std::string npy_bytes(const float* data, const std::vector<std::int64_t>& shape);

/// Writes npy_bytes(data, shape) to `file`.
/// Not atomic by itself: callers write to a temporary name and rename.
void write_npy(const std::filesystem::path& file, const float* data, const std::vector<std::int64_t>& shape);
/// The same bytes, passed to `write` in order (to write them through an AtomicFile, say).
void write_npy(const std::function<void(const void* bytes, std::size_t size)>& write, const float* data,
               const std::vector<std::int64_t>& shape);

}  // namespace hypergrid::io
