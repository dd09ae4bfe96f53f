#pragma once
// The two matrix products of an SGD step, written for this problem's shapes: a wide, short weight
// matrix (d x P, row-major, P = models x classes padded to whole vectors) against a mini-batch of a
// few dozen examples. Eigen's general GEMM packs W on every call, which costs as much as the product
// at these shapes; these register-blocked loops read W in place instead.
//
// Every output element is summed in a fixed order (over features for scores, over the examples of
// the batch for the update) whatever its column, so a model's arithmetic does not depend on the
// models beside it.

#include <algorithm>
#include <cstdint>
#include <type_traits>

namespace hypergrid::kernels {

#if defined(__AVX512F__)
constexpr int kLanes = 16;
constexpr int kRegisters = 32;
constexpr int kPanel = 6;  // vectors per column panel
#elif defined(__AVX__)
constexpr int kLanes = 8;
constexpr int kRegisters = 16;
constexpr int kPanel = 3;
#else
constexpr int kLanes = 4;
constexpr int kRegisters = 16;
constexpr int kPanel = 3;
#endif

/// How many rows (examples, or weight rows) one block keeps in registers for V vectors of columns:
/// as many as fit beside the V operand vectors, up to 8.
constexpr int rows_per_block(int V) { return std::min(8, (kRegisters - V - 2) / V); }

/// GCC's generic vector type: lowered to whatever the target has (AVX-512, AVX, SSE).
using Vec = float __attribute__((vector_size(kLanes * sizeof(float))));

/// The same vector at any float alignment, allowed to alias floats: unaligned loads and stores.
using UnalignedVec = float __attribute__((vector_size(kLanes * sizeof(float)), aligned(alignof(float)), may_alias));

inline Vec load(const float* p) { return *reinterpret_cast<const UnalignedVec*>(p); }
inline void store(float* p, Vec v) { *reinterpret_cast<UnalignedVec*>(p) = v; }

/// Columns rounded up to whole vectors.
inline std::int64_t padded_width(std::int64_t columns) { return (columns + kLanes - 1) / kLanes * kLanes; }

// scores(i, c0..) = bias(c0..) + sum_k x_i(k) W(k, c0..) for E examples and V vectors of columns.
template <int E, int V>
void scores_block(const float* W, const float* bias, const float* x, std::int64_t d, std::int64_t P,
                  std::int64_t c0, float* scores) {
    Vec acc[E][V];
    for (int v = 0; v < V; ++v) {
        const Vec b = load(bias + c0 + v * kLanes);
        for (int e = 0; e < E; ++e) acc[e][v] = b;
    }
    for (std::int64_t k = 0; k < d; ++k) {
        Vec w[V];
        for (int v = 0; v < V; ++v) w[v] = load(W + k * P + c0 + v * kLanes);
        for (int e = 0; e < E; ++e)
            for (int v = 0; v < V; ++v) acc[e][v] += x[e * d + k] * w[v];  // the scalar is broadcast
    }
    for (int e = 0; e < E; ++e)
        for (int v = 0; v < V; ++v) store(scores + e * P + c0 + v * kLanes, acc[e][v]);
}

/// Calls panel(c0, std::integral_constant<int, V>) for each panel of whole vectors across P columns,
/// V = its width in vectors (kPanel, or fewer for the last panel).
template <class Panel>
void for_each_panel(std::int64_t P, Panel&& panel) {
    for (std::int64_t c0 = 0; c0 < P; c0 += kPanel * kLanes) {
        switch (std::min<std::int64_t>(kPanel, (P - c0) / kLanes)) {
            case 1: panel(c0, std::integral_constant<int, 1>{}); break;
            case 2: panel(c0, std::integral_constant<int, 2>{}); break;
            case 3: panel(c0, std::integral_constant<int, 3>{}); break;
#if defined(__AVX512F__)
            case 4: panel(c0, std::integral_constant<int, 4>{}); break;
            case 5: panel(c0, std::integral_constant<int, 5>{}); break;
            case 6: panel(c0, std::integral_constant<int, 6>{}); break;
#endif
        }
    }
}

/// scores (m x P, row-major) = X^T W + bias, X holding m examples of d features (example-major).
inline void compute_scores(const float* W, const float* bias, const float* X, std::int64_t d, std::int64_t P,
                           std::int64_t m, float* scores) {
    for_each_panel(P, [&](std::int64_t c0, auto width) {
        constexpr int V = decltype(width)::value;
        constexpr int E = rows_per_block(V);
        std::int64_t i = 0;
        for (; i + E <= m; i += E) scores_block<E, V>(W, bias, X + i * d, d, P, c0, scores + i * P);
        for (; i < m; ++i) scores_block<1, V>(W, bias, X + i * d, d, P, c0, scores + i * P);
    });
}

// W(k.., c0..) = decay(c0..) * W(k.., c0..) - sum_i x_i(k..) G(i, c0..) for R rows and V vectors.
template <int R, int V>
void update_block(float* W, const float* decay, const float* X, const float* G, std::int64_t d, std::int64_t P,
                  std::int64_t m, std::int64_t k, std::int64_t c0) {
    Vec acc[R][V];
    for (int v = 0; v < V; ++v) {
        const Vec s = load(decay + c0 + v * kLanes);
        for (int r = 0; r < R; ++r) acc[r][v] = s * load(W + (k + r) * P + c0 + v * kLanes);
    }
    for (std::int64_t i = 0; i < m; ++i) {
        Vec g[V];
        for (int v = 0; v < V; ++v) g[v] = load(G + i * P + c0 + v * kLanes);
        for (int r = 0; r < R; ++r)
            for (int v = 0; v < V; ++v) acc[r][v] -= X[i * d + k + r] * g[v];
    }
    for (int r = 0; r < R; ++r)
        for (int v = 0; v < V; ++v) store(W + (k + r) * P + c0 + v * kLanes, acc[r][v]);
}

/// W = decay (per column) * W - X G, with G (m x P, row-major) already scaled by the step size.
inline void update_weights(float* W, const float* decay, const float* X, const float* G, std::int64_t d,
                           std::int64_t P, std::int64_t m) {
    for_each_panel(P, [&](std::int64_t c0, auto width) {
        constexpr int V = decltype(width)::value;
        constexpr int R = rows_per_block(V);
        std::int64_t k = 0;
        for (; k + R <= d; k += R) update_block<R, V>(W, decay, X, G, d, P, m, k, c0);
        for (; k < d; ++k) update_block<1, V>(W, decay, X, G, d, P, m, k, c0);
    });
}

/// Subtracts from each model's segment of each row of `scores` (rows x P) the segment's maximum,
/// and records the first maximum's position when `argmax` is set (rows x models).
inline void shift_by_segment_max(float* scores, std::int64_t rows, std::int64_t P, std::int64_t models,
                                 std::int64_t classes, std::int64_t* argmax = nullptr) {
    for (std::int64_t i = 0; i < rows; ++i)
        for (std::int64_t k = 0; k < models; ++k) {
            float* z = scores + i * P + k * classes;
            std::int64_t best = 0;
            for (std::int64_t j = 1; j < classes; ++j)
                if (z[j] > z[best]) best = j;
            const float max = z[best];
            for (std::int64_t j = 0; j < classes; ++j) z[j] -= max;
            if (argmax) argmax[i * models + k] = best;
        }
}

/// exp of every element of a contiguous buffer. One call over the whole buffer, so every element
/// takes the same (vectorised) path whatever model it belongs to.
void exp_in_place(float* values, std::int64_t count);

/// Sum of a segment, left to right: a fixed order, so the same bits wherever the segment lies.
inline float segment_sum(const float* z, std::int64_t n) {
    float sum = 0;
    for (std::int64_t j = 0; j < n; ++j) sum += z[j];
    return sum;
}

}  // namespace hypergrid::kernels
