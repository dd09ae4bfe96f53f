#pragma once
// The two matrix products of an SGD step, written for this problem's shapes: a wide, short weight
// matrix (d x P, row-major, P = models x classes padded to whole vectors) against a mini-batch of a
// few dozen examples. Eigen's general GEMM packs W on every call, which costs as much as the product
// at these shapes; these register-blocked loops read W in place instead.
//
// Every output element is summed in a fixed order (over features for scores, over the examples of
// the batch for the update) whatever its column, so a model's arithmetic does not depend on the
// models beside it.
//
// The inner loops are unrolled 4 times: each step of the score loop advances one pointer per example
// of the block, which unrolling pays once per 4 features. Measured with both variants in one process
// (batch by batch, so the host's noise cancels): 3-6% faster at 96 columns, 7-11% at 32; the order
// of every sum is unchanged, so the results are the same bits.

#include <algorithm>
#include <cstdint>
#include <type_traits>
#include <utility>

namespace hypergrid::kernels {

#if defined(__AVX512F__)
constexpr int kLanes = 16;
constexpr int kRegisters = 32;
#elif defined(__AVX__)
constexpr int kLanes = 8;
constexpr int kRegisters = 16;
#else
constexpr int kLanes = 4;
constexpr int kRegisters = 16;
#endif
/// Vectors per column panel. With AVX-512, 8 x 3 register blocks ran 10-25% faster than 4 x 6 on
/// the hot shapes (more rows per block: fewer passes of W through the cache).
constexpr int kPanel = 3;

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

/// Examples of d features stored one after another (a dataset slice): row i.
struct ContiguousRows {
    const float* data;
    std::int64_t d;
    const float* operator[](std::int64_t i) const { return data + i * d; }
};

/// Examples picked by index from the examples stored at `data`: a mini-batch read in place, no copy.
struct IndexedRows {
    const float* data;
    std::int64_t d;
    const std::uint32_t* index;
    const float* operator[](std::int64_t i) const { return data + static_cast<std::int64_t>(index[i]) * d; }
};

// scores(i, c0..) = bias(c0..) + sum_k x_i(k) W(k, c0..) for the E examples from i0 and V vectors of columns.
template <int E, int V, class Rows>
void scores_block(const float* W, const float* bias, const Rows& X, std::int64_t i0, std::int64_t d, std::int64_t P,
                  std::int64_t c0, float* scores) {
    const float* x[E];
    for (int e = 0; e < E; ++e) x[e] = X[i0 + e];
    Vec acc[E][V];
    for (int v = 0; v < V; ++v) {
        const Vec b = load(bias + c0 + v * kLanes);
        for (int e = 0; e < E; ++e) acc[e][v] = b;
    }
#pragma GCC unroll 4  // see the top of this file
    for (std::int64_t k = 0; k < d; ++k) {
        Vec w[V];
        for (int v = 0; v < V; ++v) w[v] = load(W + k * P + c0 + v * kLanes);
        for (int e = 0; e < E; ++e)
            for (int v = 0; v < V; ++v) acc[e][v] += x[e][k] * w[v];  // the scalar is broadcast
    }
    for (int e = 0; e < E; ++e)
        for (int v = 0; v < V; ++v) store(scores + (i0 + e) * P + c0 + v * kLanes, acc[e][v]);
}

/// Calls panel(c0, std::integral_constant<int, V>) for each panel of whole vectors across P columns,
/// V = its width in vectors: kPanel, or what is left at the end, except that 4 vectors left run as
/// one panel of 4 (6 rows per block with AVX-512): 3 + 1 would leave the last panel's registers half
/// used, and one panel of 4 measured 0-6% faster than 2 + 2, more for larger batches.
template <class Panel>
void for_each_panel(std::int64_t P, Panel&& panel) {
    for (std::int64_t c0 = 0; c0 < P;) {
        const std::int64_t left = (P - c0) / kLanes;
        const std::int64_t width = left == 4 ? 4 : std::min<std::int64_t>(kPanel, left);
        switch (width) {
            case 1: panel(c0, std::integral_constant<int, 1>{}); break;
            case 2: panel(c0, std::integral_constant<int, 2>{}); break;
            case 3: panel(c0, std::integral_constant<int, 3>{}); break;
            case 4: panel(c0, std::integral_constant<int, 4>{}); break;
        }
        c0 += width * kLanes;
    }
}

/// Calls block(std::integral_constant<int, N>) once with N = rest, for 0 < rest <= sizeof...(Ns):
/// the last rows of a pass run as one block of N rows, not N passes of one row.
template <class Block, int... Ns>
void block_of(std::int64_t rest, Block&& block, std::integer_sequence<int, Ns...>) {
    ((rest == Ns + 1 ? block(std::integral_constant<int, Ns + 1>{}) : void()), ...);
}

/// scores (m x P, row-major) = X^T W + bias, X giving m examples of d features (X[i]: example i).
template <class Rows>
void compute_scores(const float* W, const float* bias, const Rows& X, std::int64_t d, std::int64_t P,
                    std::int64_t m, float* scores) {
    for_each_panel(P, [&](std::int64_t c0, auto width) {
        constexpr int V = decltype(width)::value;
        constexpr int E = rows_per_block(V);
        std::int64_t i = 0;
        for (; i + E <= m; i += E) scores_block<E, V>(W, bias, X, i, d, P, c0, scores);
        block_of(m - i, [&](auto rows) { scores_block<decltype(rows)::value, V>(W, bias, X, i, d, P, c0, scores); },
                 std::make_integer_sequence<int, E - 1>{});
    });
}

// W(k.., c0..) = decay(c0..) * W(k.., c0..) - sum_i x_i(k..) G(i, c0..) for R rows and V vectors.
template <int R, int V, class Rows>
void update_block(float* W, const float* decay, const Rows& X, const float* G, std::int64_t P, std::int64_t m,
                  std::int64_t k, std::int64_t c0) {
    Vec acc[R][V];
    for (int v = 0; v < V; ++v) {
        const Vec s = load(decay + c0 + v * kLanes);
        for (int r = 0; r < R; ++r) acc[r][v] = s * load(W + (k + r) * P + c0 + v * kLanes);
    }
#pragma GCC unroll 4  // see the top of this file
    for (std::int64_t i = 0; i < m; ++i) {
        const float* x = X[i] + k;
        Vec g[V];
        for (int v = 0; v < V; ++v) g[v] = load(G + i * P + c0 + v * kLanes);
        for (int r = 0; r < R; ++r)
            for (int v = 0; v < V; ++v) acc[r][v] -= x[r] * g[v];
    }
    for (int r = 0; r < R; ++r)
        for (int v = 0; v < V; ++v) store(W + (k + r) * P + c0 + v * kLanes, acc[r][v]);
}

/// W = decay (per column) * W - X G, with G (m x P, row-major) already scaled by the step size.
template <class Rows>
void update_weights(float* W, const float* decay, const Rows& X, const float* G, std::int64_t d, std::int64_t P,
                    std::int64_t m) {
    for_each_panel(P, [&](std::int64_t c0, auto width) {
        constexpr int V = decltype(width)::value;
        constexpr int R = rows_per_block(V);
        std::int64_t k = 0;
        for (; k + R <= d; k += R) update_block<R, V>(W, decay, X, G, P, m, k, c0);
        block_of(d - k, [&](auto rows) { update_block<decltype(rows)::value, V>(W, decay, X, G, P, m, k, c0); },
                 std::make_integer_sequence<int, R - 1>{});
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
