// Single-core float32 throughput of this machine, as a yardstick for hypergrid's effective GFLOP/s.
//
//   g++ -O3 -march=native -std=c++17 -I/usr/include/eigen3 -Iinclude bench/gemm_probe.cpp build/libhypergrid_lib.a \
//       -lopenblas -o gemm_probe
//   ./gemm_probe          (HYPERGRID_ISA=v3 ./gemm_probe times another kernel level)
//
// Measures (one thread, EIGEN_DONT_PARALLELIZE):
//   - the FMA peak: independent chains of vector FMAs, no memory traffic, with AVX-512 and with AVX2
//     intrinsics where the build has them (fma_peak_gflops is the larger);
//   - Eigen GEMM on a large square product, 1024 x 1024 x 1024;
//   - OpenBLAS's sgemm (Debian's libopenblas-dev, one thread) on the same square product and on the
//     step's shapes below: the strongest general GEMM at hand, as a yardstick for hypergrid's own loops;
//   - Eigen GEMM on the shapes of hypergrid's SGD step (what a plain Eigen port would get), with W the
//     d x (k c) weights of k models trained side by side (d = 784, c = 10 classes, batch m = 32):
//       forward:  S = W^T X   (kc x d) * (d x m)
//       update:   W -= X S^T  (d x m) * (m x kc)
//     for k c = 90 (a unit of 9 models) and k c = 10 (a single model);
//   - hypergrid's own SGD step (the active level of include/hypergrid/kernels.hpp: both products and
//     the softmax between them), as its trainer calls it: the mini-batch read in place from 48,000
//     examples in a shuffled order, the k c columns padded to 16 floats (96 and 16); flops counted on
//     the k c columns and the two products only, as for the Eigen figures, so the padding and the
//     softmax count as lost time. Once more with the batch in cache (the same m examples every call):
//     the step's ceiling when no example has to come from memory.
// Prints one JSON line; every figure is the best of several timed repetitions, in GFLOP/s (1e9 flop/s,
// one FMA counted as 2 flops).
#ifndef EIGEN_DONT_PARALLELIZE
#define EIGEN_DONT_PARALLELIZE
#endif
#include <Eigen/Dense>
#include <cblas.h>
#include <immintrin.h>

#include "hypergrid/kernels.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <numeric>
#include <random>
#include <string>
#include <tuple>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

// Keeps the compiler from dropping or merging repetitions whose results it could otherwise see through.
inline void clobber() { asm volatile("" ::: "memory"); }

// Runs body (flops_per_call flop each call) in batches of about min_seconds, best of `repeats` batches: on a
// shared machine the best of many short windows is the one least disturbed by other work.
template <typename Body>
double best_gflops(double flops_per_call, Body body, double min_seconds = 0.05, int repeats = 10) {
    body();  // warm-up: allocations, caches, page faults
    long calls = 1;
    for (;;) {  // calibrate the batch size
        const auto start = Clock::now();
        for (long i = 0; i < calls; ++i) { body(); clobber(); }
        if (seconds_since(start) >= min_seconds / 4) break;
        calls *= 2;
    }
    calls = std::max(1L, calls * 4);
    double best = 0;
    for (int r = 0; r < repeats; ++r) {
        const auto start = Clock::now();
        for (long i = 0; i < calls; ++i) { body(); clobber(); }
        best = std::max(best, flops_per_call * static_cast<double>(calls) / seconds_since(start) / 1e9);
    }
    return best;
}

// Float32 FMA throughput of one vector width: `chains` independent accumulators, enough to cover the FMA
// latency (4 cycles) times the FMA ports (2), so the loop is bound by throughput, with no memory traffic.
// Returns GFLOP/s, or 0 when this build has no such instructions.
#if defined(__AVX512F__)
double fma_avx512() {
    constexpr int chains = 16;  // 16 accumulators + 2 constants of the 32 zmm registers
    constexpr long iterations = 1L << 18;
    float sink = 0;
    const double gflops = best_gflops(2.0 * 16 * chains * iterations, [&] {
        const __m512 a = _mm512_set1_ps(0.999999f), b = _mm512_set1_ps(1e-6f);
        __m512 acc[chains];
        for (int j = 0; j < chains; ++j) acc[j] = _mm512_set1_ps(static_cast<float>(j));
        for (long i = 0; i < iterations; ++i) {
#pragma GCC unroll 16
            for (int j = 0; j < chains; ++j) acc[j] = _mm512_fmadd_ps(acc[j], a, b);
        }
        for (int j = 1; j < chains; ++j) acc[0] = _mm512_add_ps(acc[0], acc[j]);
        alignas(64) float lanes[16];
        _mm512_store_ps(lanes, acc[0]);
        for (float v : lanes) sink += v;
    }, 0.04, 12);
    return sink == 12345.0f ? 0 : gflops;  // uses the result, so the loop cannot be dropped
}
#endif

#if defined(__AVX2__) && defined(__FMA__)
double fma_avx2() {
    constexpr int chains = 12;  // 12 accumulators + 2 constants of the 16 ymm registers
    constexpr long iterations = 1L << 18;
    float sink = 0;
    const double gflops = best_gflops(2.0 * 8 * chains * iterations, [&] {
        const __m256 a = _mm256_set1_ps(0.999999f), b = _mm256_set1_ps(1e-6f);
        __m256 acc[chains];
        for (int j = 0; j < chains; ++j) acc[j] = _mm256_set1_ps(static_cast<float>(j));
        for (long i = 0; i < iterations; ++i) {
#pragma GCC unroll 12
            for (int j = 0; j < chains; ++j) acc[j] = _mm256_fmadd_ps(acc[j], a, b);
        }
        for (int j = 1; j < chains; ++j) acc[0] = _mm256_add_ps(acc[0], acc[j]);
        alignas(32) float lanes[8];
        _mm256_store_ps(lanes, acc[0]);
        for (float v : lanes) sink += v;
    }, 0.04, 12);
    return sink == 12345.0f ? 0 : gflops;
}
#endif

struct StepShapes {
    double forward = 0, update = 0;
};

enum class Library { eigen, openblas };

// hypergrid's two GEMMs per mini-batch, for kc stacked model columns, through Eigen or OpenBLAS's
// sgemm (column-major, as Eigen's matrices).
StepShapes step_shapes(Library library, int d, int kc, int m) {
    Eigen::MatrixXf W = Eigen::MatrixXf::Random(d, kc) * 0.01f;
    Eigen::MatrixXf X = Eigen::MatrixXf::Random(d, m);
    Eigen::MatrixXf S = Eigen::MatrixXf::Random(kc, m) * 1e-4f;
    Eigen::MatrixXf F(kc, m);
    const double flops = 2.0 * d * kc * m;
    const bool eigen = library == Library::eigen;
    StepShapes r;
    r.forward = best_gflops(flops, [&] {  // F = W^T X
        if (eigen) F.noalias() = W.transpose() * X;
        else cblas_sgemm(CblasColMajor, CblasTrans, CblasNoTrans, kc, m, d, 1.0F, W.data(), d, X.data(), d, 0.0F, F.data(), kc);
    });
    r.update = best_gflops(flops, [&] {  // W -= X S^T
        if (eigen) W.noalias() -= X * S.transpose();
        else cblas_sgemm(CblasColMajor, CblasNoTrans, CblasTrans, d, kc, m, -1.0F, X.data(), d, S.data(), kc, 1.0F, W.data(), d);
    });
    if (!std::isfinite(F.sum() + W.sum())) std::puts("");
    return r;
}

// OpenBLAS's square product, beside Eigen's in main.
double blas_square(int n) {
    Eigen::MatrixXf A = Eigen::MatrixXf::Random(n, n), B = Eigen::MatrixXf::Random(n, n), C(n, n);
    const double gflops = best_gflops(2.0 * n * n * n, [&] {
        cblas_sgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0F, A.data(), n, B.data(), n, 0.0F, C.data(), n);
    }, 0.1, 8);
    if (!std::isfinite(C.sum())) std::puts("");
    return gflops;
}

// hypergrid's SGD step, one mini-batch per call, the batches taken in turn from a shuffled order of
// n examples (as the trainer reads them), or with `in_cache` the same first batch every call.
double hypergrid_step(const hypergrid::kernels::Table& table, int d, int kc, int m, bool in_cache = false) {
    namespace k = hypergrid::kernels;
    const std::int64_t n = 48000, P = k::padded_width(kc), classes = 10;
    std::vector<float> examples(static_cast<std::size_t>(n * d));
    std::mt19937 random(1);
    std::uniform_int_distribution<int> pixel(-255, 255);  // about half zeros, like Fashion-MNIST
    for (float& x : examples) x = static_cast<float>(std::max(0, pixel(random))) / 255.0F;
    std::vector<std::int32_t> labels(static_cast<std::size_t>(n));
    for (std::int32_t& label : labels) label = static_cast<std::int32_t>(random() % classes);
    std::vector<std::uint32_t> order(static_cast<std::size_t>(n));
    std::iota(order.begin(), order.end(), 0U);
    std::shuffle(order.begin(), order.end(), random);
    // Eigen's vectors: on 64 bytes, as the trainer's (EIGEN_MAX_ALIGN_BYTES in CMakeLists.txt)
    const k::Shape shape{d, P, kc / classes, classes};
    Eigen::VectorXf W = Eigen::VectorXf::Zero(d * P), bias = Eigen::VectorXf::Zero(P),
                    decay = Eigen::VectorXf::Constant(P, 0.9999F), step_size = Eigen::VectorXf::Constant(P, 1e-3F),
                    scratch = Eigen::VectorXf::Zero(table.sgd_scratch_floats(shape, m));
    std::int64_t first = 0;
    const double gflops = best_gflops(4.0 * d * kc * m, [&] {
        if (first + m > n) first = 0;
        const k::Examples batch{examples.data(), labels.data(), order.data() + first, m};
        table.sgd_step(shape, W.data(), bias.data(), decay.data(), step_size.data(), batch, scratch.data());
        if (!in_cache) first += m;
    });
    if (!std::isfinite(W[0] + scratch[0])) std::puts("");
    return gflops;
}

std::string fixed(double v) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.2f", v);
    return buffer;
}

}  // namespace

int main() {
    Eigen::setNbThreads(1);
    openblas_set_num_threads(1);
    double avx512 = 0, avx2 = 0;
#if defined(__AVX512F__)
    avx512 = fma_avx512();
#endif
#if defined(__AVX2__) && defined(__FMA__)
    avx2 = fma_avx2();  // some CPUs with AVX-512 have a single 512-bit FMA port but two 256-bit ones
#endif
    const double peak = std::max(avx512, avx2);
    const auto gflops_or_null = [](double v) { return v > 0 ? fixed(v) : std::string("null"); };

    const int n = 1024;
    Eigen::MatrixXf A = Eigen::MatrixXf::Random(n, n), B = Eigen::MatrixXf::Random(n, n), C(n, n);
    const double square = best_gflops(2.0 * n * n * n, [&] { C.noalias() = A * B; }, 0.1, 8);
    if (!std::isfinite(C.sum())) std::puts("");

    const int d = 784, m = 32;
    const StepShapes unit = step_shapes(Library::eigen, d, 90, m);
    const StepShapes single = step_shapes(Library::eigen, d, 10, m);
    namespace k = hypergrid::kernels;
    const double step_unit = hypergrid_step(k::active_table(), d, 90, m);
    const double step_single = hypergrid_step(k::active_table(), d, 10, m);
    const double step_unit_in_cache = hypergrid_step(k::active_table(), d, 90, m, true);
    const StepShapes blas_unit = step_shapes(Library::openblas, d, 90, m);
    const StepShapes blas_single = step_shapes(Library::openblas, d, 10, m);
    const double blas_1024 = blas_square(n);
    // [run] precision = "bf16": every engine this CPU runs, by name (none elsewhere)
    std::string bf16_steps;
    for (const k::Table* engine : k::supported_bf16_tables())
        bf16_steps += std::string(bf16_steps.empty() ? "" : ", ") + "\"" + engine->name + "\": [" +
                      fixed(hypergrid_step(*engine, d, 90, m)) + ", " + fixed(hypergrid_step(*engine, d, 10, m)) + "]";

    std::string json = "{";
    json += "\"eigen\": \"" + std::to_string(EIGEN_WORLD_VERSION) + "." + std::to_string(EIGEN_MAJOR_VERSION) + "." +
            std::to_string(EIGEN_MINOR_VERSION) + "\"";
    json += ", \"simd\": \"" + std::string(Eigen::SimdInstructionSetsInUse()) + "\"";
    json += ", \"kernels\": \"" + std::string(hypergrid::kernels::active_table().name) + "\"";
    json += ", \"fma_avx512_gflops\": " + gflops_or_null(avx512);
    json += ", \"fma_avx2_gflops\": " + gflops_or_null(avx2);
    json += ", \"fma_peak_gflops\": " + gflops_or_null(peak);
    json += ", \"gemm_1024_gflops\": " + fixed(square);
    json += ", \"openblas_gemm_1024_gflops\": " + fixed(blas_1024);
    // the step's shapes, Eigen's keys unprefixed
    for (const auto& [prefix, wide, narrow] : {std::tuple{"", unit, single}, std::tuple{"openblas_", blas_unit, blas_single}}) {
        const std::string p = std::string(", \"") + prefix;
        json += p + "forward_90x784x32_gflops\": " + fixed(wide.forward);
        json += p + "update_784x32x90_gflops\": " + fixed(wide.update);
        json += p + "forward_10x784x32_gflops\": " + fixed(narrow.forward);
        json += p + "update_784x32x10_gflops\": " + fixed(narrow.update);
    }
    json += ", \"hypergrid_step_90x784x32_gflops\": " + fixed(step_unit);
    json += ", \"hypergrid_step_10x784x32_gflops\": " + fixed(step_single);
    json += ", \"hypergrid_step_90x784x32_in_cache_gflops\": " + fixed(step_unit_in_cache);
    json += ", \"hypergrid_bf16_steps_90_10x784x32_gflops\": {" + bf16_steps + "}";
    json += "}";
    std::puts(json.c_str());
    return 0;
}
