#pragma once
/// @file kernels.hpp
/// The hot loops of training and evaluation behind one table of function pointers. The table is
/// compiled once per x86-64 level (v4: AVX-512, v3: AVX2 + FMA, baseline: SSE2) into one binary and
/// chosen at start-up from what the CPU reports; HYPERGRID_ISA=v4|v3|baseline forces a level. A
/// plain reference implementation with the same signatures is what the tests compare the fast ones
/// against.
///
/// Layout (the "stack"): k models side by side, weights row-major d x P with model m in columns
/// [m c, m c + c), P = k c rounded up to a multiple of kPadding columns (padding columns zero), and a
/// bias of P floats. The padding is the same whatever the CPU, so states and plans are too.
///
/// Same bits at v3 and v4: every output element is computed by the same operations in the same
/// order (sums over features or examples in index order, with fused multiply-adds); the levels differ
/// only in how many columns one instruction handles. The baseline has no FMA: its last bits may differ.

#include <cstdint>
#include <vector>

namespace hypergrid::kernels {

/// Columns of the stack are padded to a multiple of this many floats (one AVX-512 vector).
constexpr std::int64_t kPadding = 16;

/// Columns rounded up to a multiple of kPadding.
constexpr std::int64_t padded_width(std::int64_t columns) { return (columns + kPadding - 1) / kPadding * kPadding; }

/// The shape of a stack of models.
struct Shape {
    std::int64_t dims = 0;     ///< d: features
    std::int64_t padded = 0;   ///< P: columns including the padding
    std::int64_t models = 0;   ///< k
    std::int64_t classes = 0;  ///< c
};

/// Examples read in place: example i is the row of `dims` floats at features + r * dims and has label
/// labels[r], with r = index[i], or r = i when index is null.
struct Examples {
    const float* features = nullptr;
    const std::int32_t* labels = nullptr;
    const std::uint32_t* index = nullptr;
    std::int64_t count = 0;
};

/// One implementation of the kernels. Every function is a plain function of its arguments.
struct Table {
    const char* name;  ///< "v4", "v3", "baseline" or "reference"

    /// One SGD step of every model of the stack on the mini-batch `batch` (m = batch.count examples):
    ///   G = lr/m (softmax(X^T W + b) - Y) per model, b -= sum_i G_i, W <- decay W - X G
    /// with decay and lr given per column (P each). `scratch` holds sgd_scratch_floats(shape, m) floats.
    void (*sgd_step)(const Shape& shape, float* weights, float* bias, const float* decay, const float* step_size,
                     const Examples& batch, float* scratch);
    /// The scratch sgd_step needs for a mini-batch of m examples, in floats (m x P for float32).
    std::int64_t (*sgd_scratch_floats)(const Shape& shape, std::int64_t m);

    /// Per example i and model k of the stack (at i * models + k): with z the model's scores of the
    /// example shifted by their maximum, sum_j exp(z_j) in `exp_sums`, z_label in `label_scores`, and
    /// the first maximum's class in `argmax`. `scratch` holds chunk.count x P floats and ends holding
    /// exp(z_j) (the probabilities' numerators). Without labels (chunk.labels null), `label_scores`
    /// is left alone.
    void (*evaluate)(const Shape& shape, const float* weights, const float* bias, const Examples& chunk,
                     float* scratch, float* exp_sums, float* label_scores, std::int64_t* argmax);
};

/// The levels this binary holds that this CPU runs, widest first (the reference is not among them).
std::vector<const Table*> supported_tables();

/// The plain reference implementation (scalar loops, std::exp, no FMA): slow, for tests.
const Table& reference_table();

/// The table in use: the one HYPERGRID_ISA names, else the widest the CPU runs. Chosen on the first
/// call; throws InputError (one line) when HYPERGRID_ISA names an unknown level or one the CPU lacks.
const Table& active_table();

/// What the SGD step's products are computed in ([run] precision).
enum class Precision { float32, bf16 };

/// The tables whose SGD step multiplies in bfloat16 (evaluations stay float32) that this CPU runs,
/// fastest first: "amx_bf16" (AMX tiles; Linux grants them on request) and "v4_bf16" (AVX512_BF16).
std::vector<const Table*> supported_bf16_tables();

/// The table training runs with: active_table() for float32; for bf16, the first of
/// supported_bf16_tables(), or the one HYPERGRID_BF16=amx|avx512 forces. Throws InputError (one
/// line) when the CPU has none, HYPERGRID_BF16 names one it lacks, or HYPERGRID_ISA forces a level below v4.
const Table& training_table(Precision precision);

}  // namespace hypergrid::kernels
