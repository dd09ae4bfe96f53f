#pragma once
/// @file table.hpp
/// The plain result of reading a feature file: its shape, checked, and its values still as stored,
/// so that they are converted once, straight to where they will live (a node's shared memory).

#include <cstdint>
#include <functional>
#include <vector>

namespace hypergrid::io {

/// `rows` examples of `cols` features, example-major (row i at out[i * cols]), before scaling.
struct FeatureTable {
    std::int64_t rows = 0;
    std::int64_t cols = 0;
    bool integer_source = false;  ///< the file stored integers (default scale 255)
    /// Digest of the file's content as read (gunzipped): any header field or value changes it.
    std::uint64_t digest = 0;
    /// Writes the rows x cols values, converted to float and divided by `divisor` (see scaled), to
    /// `out`, in one pass. Throws InputError naming the file on a value that is not a finite float.
    /// Holds what it needs (the file's bytes).
    std::function<void(float* out, double divisor)> decode_into;

    /// The values, decoded into a new vector, unscaled.
    std::vector<float> values() const {
        std::vector<float> out(static_cast<std::size_t>(rows * cols));
        decode_into(out.data(), 1.0);
        return out;
    }
};

/// A feature value divided by the dataset's scale, in double precision, then rounded to float.
inline float scaled(float value, double divisor) {
    return divisor == 1.0 ? value : static_cast<float>(static_cast<double>(value) / divisor);
}

}  // namespace hypergrid::io
