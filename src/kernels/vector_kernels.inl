// The fast kernels, written once and compiled once per CPU level: src/kernels/level_*.cpp define
// HYPERGRID_KERNEL_LEVEL (the level's name, used as a namespace) and include this file, each with its
// own -march. Everything here lives in that namespace and calls no shared template (no Eigen, no
// standard algorithms), so no inline function compiled for one level can be linked into another.
//
// The two products of an SGD step are written for this problem's shapes: a wide, short weight
// matrix (d x P, row-major) against a mini-batch of a few dozen examples. Eigen's general GEMM packs
// W on every call, which costs as much as the product at these shapes; these register-blocked loops
// read W in place instead.
//
// Every output element is summed in a fixed order (over features for scores, over the examples of
// the batch for the update) whatever its column, so a model's arithmetic depends neither on the
// models beside it nor on the vector width: v4 (16 lanes) and v3 (8 lanes) give the same bits.

#include "kernels/levels.hpp"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

#include <cstdint>
#include <utility>

#ifndef HYPERGRID_KERNEL_LEVEL
#error "define HYPERGRID_KERNEL_LEVEL before including vector_kernels.inl"
#endif

namespace hypergrid::kernels::HYPERGRID_KERNEL_LEVEL {
namespace {

#if defined(__AVX512F__)
constexpr int kLanes = 16;
constexpr int kRegisters = 32;
#elif defined(__AVX2__) && defined(__FMA__)
constexpr int kLanes = 8;
constexpr int kRegisters = 16;
#else
constexpr int kLanes = 4;
constexpr int kRegisters = 16;
#endif
static_assert(kPadding % kLanes == 0, "the padding must be whole vectors at every level");

/// Vectors per column panel. With AVX-512, 8 x 3 register blocks ran faster than 4 x 6 on the hot
/// shapes (more rows per block: fewer passes of W through the cache).
constexpr int kPanel = 3;

/// How many rows (examples, or weight rows) one block keeps in registers for V vectors of columns:
/// as many as fit beside the V operand vectors, up to 8.
constexpr int rows_per_block(int V) {
    const int fit = (kRegisters - V - 2) / V;
    return fit < 8 ? fit : 8;
}

/// GCC's generic vectors: the compiler lowers them to this level's registers.
using Vec = float __attribute__((vector_size(kLanes * sizeof(float))));
using IntVec = std::int32_t __attribute__((vector_size(kLanes * sizeof(float))));

/// The same vector at any float alignment, allowed to alias floats: unaligned loads and stores.
using UnalignedVec = float __attribute__((vector_size(kLanes * sizeof(float)), aligned(alignof(float)), may_alias));

inline Vec load(const float* p) { return *reinterpret_cast<const UnalignedVec*>(p); }
inline void store(float* p, Vec v) { *reinterpret_cast<UnalignedVec*>(p) = v; }
/// s in every lane. Not Vec{} + s: without contraction or fast-math the compiler must keep that add
/// (0 + -0 is +0), one more instruction beside every FMA of the inner loops.
inline Vec splat(float s) {
#if defined(__AVX512F__)
    return _mm512_set1_ps(s);
#elif defined(__AVX__)
    return _mm256_set1_ps(s);
#elif defined(__SSE__)
    return _mm_set1_ps(s);
#else
    return s - Vec{};  // exact for every s, so the compiler may fold it to a broadcast
#endif
}

/// a b + c, rounded once where the level has FMA (the files are compiled with -ffp-contract=off, so
/// the compiler fuses nothing on its own: which operations are fused is written here, the same at
/// every level that has FMA).
inline Vec fma(Vec a, Vec b, Vec c) {
#if defined(__AVX512F__)
    return _mm512_fmadd_ps(a, b, c);
#elif defined(__FMA__)
    return _mm256_fmadd_ps(a, b, c);
#else
    return a * b + c;
#endif
}
/// c - a b, rounded once where the level has FMA.
inline Vec fnma(Vec a, Vec b, Vec c) {
#if defined(__AVX512F__)
    return _mm512_fnmadd_ps(a, b, c);
#elif defined(__FMA__)
    return _mm256_fnmadd_ps(a, b, c);
#else
    return c - a * b;
#endif
}
inline Vec floor(Vec v) {
#if defined(__AVX512F__)
    return _mm512_floor_ps(v);
#elif defined(__AVX__)
    return _mm256_floor_ps(v);
#else  // SSE2 has no rounding instruction; exact for |v| < 2^31, which exp's clamp guarantees
    const Vec truncated = __builtin_convertvector(__builtin_convertvector(v, IntVec), Vec);
    return truncated - (truncated > v ? splat(1.0F) : splat(0.0F));
#endif
}
// min and max as the x86 instructions define them: the second operand when either is NaN.
inline Vec min(Vec a, Vec b) { return a < b ? a : b; }
inline Vec max(Vec a, Vec b) { return a > b ? a : b; }

/// exp of each lane: Cephes' polynomial on [-ln 2 / 2, ln 2 / 2] scaled by 2^m, the algorithm (and
/// the operation order) of Eigen 3.4's AVX-512 exp, so the results are those of the builds that used it.
inline Vec exp(Vec in) {
    const Vec x = max(splat(-88.3762626647949F), min(splat(88.3762626647950F), in));
    // x = m ln 2 + r, m = floor(x / ln 2 + 1/2)
    const Vec m = floor(fma(x, splat(1.44269504088896341F), splat(0.5F)));
    const Vec r = fma(m, splat(-0.6931471805599453F), x);
    const Vec r2 = r * r;
    const Vec r3 = r2 * r;
    Vec y = fma(splat(1.9875691500E-4F), r, splat(1.3981999507E-3F));
    Vec y1 = fma(splat(4.1665795894E-2F), r, splat(1.6666665459E-1F));
    const Vec y2 = r + splat(1.0F);
    y = fma(y, r, splat(8.3334519073E-3F));
    y1 = fma(y1, r, splat(5.0000001201E-1F));
    y = fma(y, r3, y1);
    y = fma(y, r2, y2);
    const IntVec exponent = __builtin_convertvector(m + splat(127.0F), IntVec) << 23;  // 2^m
    return max(in, y * __builtin_bit_cast(Vec, exponent));
}

/// Examples stored one after another (an evaluation chunk): row i.
struct ContiguousRows {
    const float* data;
    std::int64_t d;
    const float* operator[](std::int64_t i) const { return data + i * d; }
};

/// Examples picked by index (a mini-batch read in place, no copy): row i. A type of its own, not a
/// branch on the index in the inner loops.
struct IndexedRows {
    const float* data;
    std::int64_t d;
    const std::uint32_t* index;
    const float* operator[](std::int64_t i) const { return data + static_cast<std::int64_t>(index[i]) * d; }
};

// scores(i, c0..) = bias(c0..) + sum_k x_i(k) W(k, c0..) for the E examples from i0 and V vectors of columns.
template <int E, int V, class Rows>
void scores_block(const float* W, const float* bias, const Rows& X, std::int64_t i0, std::int64_t d,
                  std::int64_t P, std::int64_t c0, float* scores) {
    const float* x[E];
    for (int e = 0; e < E; ++e) x[e] = X[i0 + e];
    Vec acc[E][V];
    for (int v = 0; v < V; ++v) {
        const Vec b = load(bias + c0 + v * kLanes);
        for (int e = 0; e < E; ++e) acc[e][v] = b;
    }
    // Unrolled: each step advances one pointer per example of the block, paid once per 4 features.
#pragma GCC unroll 4
    for (std::int64_t k = 0; k < d; ++k) {
        Vec w[V];
        for (int v = 0; v < V; ++v) w[v] = load(W + k * P + c0 + v * kLanes);
        for (int e = 0; e < E; ++e)
            for (int v = 0; v < V; ++v) acc[e][v] = fma(splat(x[e][k]), w[v], acc[e][v]);
    }
    for (int e = 0; e < E; ++e)
        for (int v = 0; v < V; ++v) store(scores + (i0 + e) * P + c0 + v * kLanes, acc[e][v]);
}

/// Calls panel(c0, std::integral_constant<int, V>) for each panel of whole vectors across P columns,
/// V = its width in vectors: kPanel, or what is left at the end, except that 4 vectors left run as
/// one panel of 4: 3 + 1 would leave the last panel's registers half used.
template <class Panel>
void for_each_panel(std::int64_t P, Panel&& panel) {
    for (std::int64_t c0 = 0; c0 < P;) {
        const std::int64_t left = (P - c0) / kLanes;
        const std::int64_t width = left == 4 ? 4 : (left < kPanel ? left : kPanel);
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

/// scores (m x P, row-major) = X^T W + bias for m examples.
template <class Rows>
void compute_scores(const float* W, const float* bias, const Rows& X, std::int64_t m, std::int64_t d,
                    std::int64_t P, float* scores) {
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
void update_block(float* W, const float* decay, const Rows& X, const float* G, std::int64_t m, std::int64_t P,
                  std::int64_t k, std::int64_t c0) {
    Vec acc[R][V];
    for (int v = 0; v < V; ++v) {
        const Vec s = load(decay + c0 + v * kLanes);
        for (int r = 0; r < R; ++r) acc[r][v] = s * load(W + (k + r) * P + c0 + v * kLanes);
    }
#pragma GCC unroll 4
    for (std::int64_t i = 0; i < m; ++i) {
        const float* x = X[i] + k;
        Vec g[V];
        for (int v = 0; v < V; ++v) g[v] = load(G + i * P + c0 + v * kLanes);
        for (int r = 0; r < R; ++r)
            for (int v = 0; v < V; ++v) acc[r][v] = fnma(splat(x[r]), g[v], acc[r][v]);
    }
    for (int r = 0; r < R; ++r)
        for (int v = 0; v < V; ++v) store(W + (k + r) * P + c0 + v * kLanes, acc[r][v]);
}

/// W = decay (per column) * W - X G, with G (m x P, row-major) already scaled by the step size.
template <class Rows>
void update_weights(float* W, const float* decay, const Rows& X, const float* G, std::int64_t m, std::int64_t d,
                    std::int64_t P) {
    for_each_panel(P, [&](std::int64_t c0, auto width) {
        constexpr int V = decltype(width)::value;
        constexpr int R = rows_per_block(V);
        std::int64_t k = 0;
        for (; k + R <= d; k += R) update_block<R, V>(W, decay, X, G, m, P, k, c0);
        block_of(d - k, [&](auto rows) { update_block<decltype(rows)::value, V>(W, decay, X, G, m, P, k, c0); },
                 std::make_integer_sequence<int, R - 1>{});
    });
}

/// Subtracts from each model's segment of each row of `scores` (rows x P) the segment's maximum,
/// and records the first maximum's position when `argmax` is set (rows x models).
void shift_by_segment_max(const Shape& s, float* scores, std::int64_t rows, std::int64_t* argmax) {
    for (std::int64_t i = 0; i < rows; ++i)
        for (std::int64_t k = 0; k < s.models; ++k) {
            float* z = scores + i * s.padded + k * s.classes;
            // The first maximum, without a branch on the data (scores of a training model mispredict).
            std::int64_t best = 0;
            float top = z[0];
            for (std::int64_t j = 1; j < s.classes; ++j) {
                const bool larger = z[j] > top;
                best = larger ? j : best;
                top = larger ? z[j] : top;
            }
            for (std::int64_t j = 0; j < s.classes; ++j) z[j] -= top;
            if (argmax) argmax[i * s.models + k] = best;
        }
}

/// exp of every element of a buffer of whole vectors: one pass, so every element takes the same path
/// whatever model it belongs to.
void exp_in_place(float* values, std::int64_t count) {
    for (std::int64_t i = 0; i < count; i += kLanes) store(values + i, exp(load(values + i)));
}

/// Sum of a segment, left to right: a fixed order, so the same bits wherever the segment lies.
float segment_sum(const float* z, std::int64_t n) {
    float sum = 0;
    for (std::int64_t j = 0; j < n; ++j) sum += z[j];
    return sum;
}

/// Turns `scores` (m x P, X^T W + b) into lr/m (softmax - Y) per model, padding columns zero, and
/// takes its column sums off the bias: b -= sum_i lr/m (P - Y)_i, summed example by example.
void gradient_and_bias(const Shape& s, float* bias, const float* step_size, const Examples& batch, float* scores) {
    const std::int64_t m = batch.count, P = s.padded, width = s.models * s.classes;
    // Numerically stable softmax per model and example: shift by the maximum, exponentiate the whole
    // block at once, then normalise. Each step is done in the same order for every model.
    shift_by_segment_max(s, scores, m, nullptr);
    exp_in_place(scores, m * P);
    // scores becomes lr/m (P - Y): each model's step size folded into its gradient columns.
    const float inverse_batch = 1.0F / static_cast<float>(m);
    for (std::int64_t i = 0; i < m; ++i) {
        float* z = scores + i * P;
        const std::int32_t label = batch.labels[batch.index ? batch.index[i] : i];
        for (std::int64_t k = 0; k < s.models; ++k) {
            float* p = z + k * s.classes;
            const float step = step_size[k * s.classes] * inverse_batch;
            const float scale = step / segment_sum(p, s.classes);
            for (std::int64_t j = 0; j < s.classes; ++j) p[j] *= scale;
            p[label] -= step;
        }
        for (std::int64_t j = width; j < P; ++j) z[j] = 0.0F;  // padding columns take no step
    }
    for (std::int64_t i = 0; i < m; ++i)
        for (std::int64_t j = 0; j < P; ++j) bias[j] -= scores[i * P + j];
}

#if defined(HYPERGRID_KERNEL_BF16)
#include "kernels/bf16_products.inl"
#else
template <class Rows>
void sgd_step_on(const Rows& rows, const Shape& s, float* weights, float* bias, const float* decay,
                 const float* step_size, const Examples& batch, float* scratch) {
    compute_scores(weights, bias, rows, batch.count, s.dims, s.padded, scratch);
    gradient_and_bias(s, bias, step_size, batch, scratch);
    // W <- (1 - lr alpha) W - lr/m X_b (P - Y)^T, the decay applied to the old W, as the rule says.
    update_weights(weights, decay, rows, scratch, batch.count, s.dims, s.padded);
}

std::int64_t sgd_scratch_floats(const Shape& s, std::int64_t batch) { return batch * s.padded; }
#endif

void sgd_step(const Shape& s, float* weights, float* bias, const float* decay, const float* step_size,
              const Examples& batch, float* scratch) {
    if (batch.index)  // the trainer's mini-batches: read in place through the epoch's order
        sgd_step_on(IndexedRows{batch.features, s.dims, batch.index}, s, weights, bias, decay, step_size, batch, scratch);
    else
        sgd_step_on(ContiguousRows{batch.features, s.dims}, s, weights, bias, decay, step_size, batch, scratch);
}

void evaluate(const Shape& s, const float* weights, const float* bias, const Examples& chunk, float* scores,
              float* exp_sums, float* label_scores, std::int64_t* argmax) {
    const std::int64_t n = chunk.count, P = s.padded;
    if (chunk.index)
        compute_scores(weights, bias, IndexedRows{chunk.features, s.dims, chunk.index}, n, s.dims, P, scores);
    else
        compute_scores(weights, bias, ContiguousRows{chunk.features, s.dims}, n, s.dims, P, scores);
    shift_by_segment_max(s, scores, n, argmax);
    for (std::int64_t i = 0; chunk.labels && i < n; ++i) {
        const std::int32_t label = chunk.labels[chunk.index ? chunk.index[i] : i];
        for (std::int64_t k = 0; k < s.models; ++k)
            label_scores[i * s.models + k] = scores[i * P + k * s.classes + label];
    }
    exp_in_place(scores, n * P);
    for (std::int64_t i = 0; i < n; ++i)
        for (std::int64_t k = 0; k < s.models; ++k)
            exp_sums[i * s.models + k] = segment_sum(scores + i * P + k * s.classes, s.classes);
}

}  // namespace

#define HYPERGRID_KERNEL_STRING(level) #level
#define HYPERGRID_KERNEL_NAME(level) HYPERGRID_KERNEL_STRING(level)
extern const Table table{HYPERGRID_KERNEL_NAME(HYPERGRID_KERNEL_LEVEL), sgd_step, sgd_scratch_floats, evaluate};

}  // namespace hypergrid::kernels::HYPERGRID_KERNEL_LEVEL
