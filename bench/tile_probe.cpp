// Would the CPU's matrix tiles (Intel AMX, bf16 products summed in float) pay for hypergrid's SGD
// step on this machine? Measures, alone and in two processes at once (as two ranks run):
//   - the rate of tile products (TDPBF16PS: 16 x 16 x 32 bf16 multiply-adds into float), four
//     independent accumulators, operands in tile registers, nonzero data (zeros run faster);
//   - the AVX-512 float32 FMA rate, 16 independent chains, for comparison.
// hypergrid's results are float32: a weight is exact only as the sum of three bf16 parts, so one
// float32-exact product costs three tile products (the features, 8-bit codes, are exact in bf16).
//
//   g++ -O2 -march=native -std=c++17 bench/tile_probe.cpp -o tile_probe && ./tile_probe
//
// Needs a CPU with AMX-BF16 and Linux >= 5.16 (tile registers are granted per process).
#include <immintrin.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>

#if !defined(__AMX_TILE__) || !defined(__AMX_BF16__) || !defined(__AVX512F__)
#error "build with -march=native on a CPU with AMX-BF16 (or -mamx-tile -mamx-bf16 -mavx512f)"
#endif

namespace {

using Clock = std::chrono::steady_clock;

struct alignas(64) TileConfig {
    std::uint8_t palette = 1, start_row = 0, reserved[14] = {};
    std::uint16_t bytes_per_row[16] = {};
    std::uint8_t rows[16] = {};
};

/// Nanoseconds per tile product, best of 10 timings of 2^20 x 4 products.
double tile_product_ns() {
    static TileConfig config;
    for (int t = 0; t < 8; ++t) {
        config.bytes_per_row[t] = 64;
        config.rows[t] = 16;
    }
    _tile_loadconfig(&config);
    alignas(64) static std::uint16_t operand[16 * 32];
    for (int i = 0; i < 16 * 32; ++i) operand[i] = static_cast<std::uint16_t>(0x3c00 + (i * 37) % 256);  // ~0.01
    _tile_loadd(4, operand, 64);
    _tile_loadd(5, operand, 64);
    _tile_loadd(6, operand, 64);
    _tile_loadd(7, operand, 64);
    double best = 1e30;
    for (int repeat = 0; repeat < 10; ++repeat) {
        _tile_zero(0);
        _tile_zero(1);
        _tile_zero(2);
        _tile_zero(3);
        constexpr long kRounds = 1L << 20;
        const auto start = Clock::now();
        for (long i = 0; i < kRounds; ++i) {
            _tile_dpbf16ps(0, 4, 5);
            _tile_dpbf16ps(1, 4, 6);
            _tile_dpbf16ps(2, 7, 5);
            _tile_dpbf16ps(3, 7, 6);
        }
        const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
        best = std::min(best, seconds * 1e9 / (4.0 * kRounds));
    }
    alignas(64) float sink[256];
    _tile_stored(0, sink, 64);
    _tile_release();
    return best + sink[0] * 0;
}

/// Float32 FMA GFLOP/s, best of 10 timings.
double fma_gflops() {
    __m512 acc[16];
    for (int c = 0; c < 16; ++c) acc[c] = _mm512_set1_ps(static_cast<float>(c));
    const __m512 a = _mm512_set1_ps(0.999999F), b = _mm512_set1_ps(1e-7F);
    double best = 0;
    for (int repeat = 0; repeat < 10; ++repeat) {
        constexpr long kRounds = 1L << 22;
        const auto start = Clock::now();
        for (long i = 0; i < kRounds; ++i) {
#pragma GCC unroll 16
            for (int c = 0; c < 16; ++c) acc[c] = _mm512_fmadd_ps(acc[c], a, b);
        }
        const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
        best = std::max(best, kRounds * 16.0 * 16 * 2 / seconds / 1e9);
    }
    alignas(64) float sink[16];
    for (int c = 1; c < 16; ++c) acc[0] = _mm512_add_ps(acc[0], acc[c]);
    _mm512_store_ps(sink, acc[0]);
    return best + sink[0] * 0;
}

/// Runs `measure` here and, when `pair`, in a forked twin started at the same moment; returns
/// this process's figure and writes the twin's to *twin.
template <class Measure>
double measured(Measure measure, bool pair, double* twin) {
    if (!pair) return measure();
    int to_parent[2], go[2];
    if (pipe(to_parent) != 0 || pipe(go) != 0) return -1;
    const pid_t child = fork();
    if (child == 0) {
        char byte;
        if (read(go[0], &byte, 1) != 1) _exit(1);
        const double value = measure();
        if (write(to_parent[1], &value, sizeof value) != sizeof value) _exit(1);
        _exit(0);
    }
    if (write(go[1], "g", 1) != 1) return -1;
    const double value = measure();
    if (read(to_parent[0], twin, sizeof *twin) != sizeof *twin) *twin = -1;
    waitpid(child, nullptr, 0);
    return value;
}

}  // namespace

int main() {
    constexpr long kRequestPermission = 0x1023, kTileData = 18;  // ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA
    if (syscall(SYS_arch_prctl, kRequestPermission, kTileData) != 0) {
        std::fprintf(stderr, "tile_probe: the kernel does not grant the tile registers\n");
        return 1;
    }
    constexpr double kTileFlops = 16.0 * 16 * 32 * 2;
    double twin = 0;
    const double alone = measured(tile_product_ns, false, nullptr);
    const double both = measured(tile_product_ns, true, &twin);
    std::printf("tile product (16 x 16 x 32 bf16): %.2f ns alone (%.0f GFLOP/s bf16, %.0f float32-exact);"
                " two processes at once: %.2f and %.2f ns\n",
                alone, kTileFlops / alone, kTileFlops / alone / 3, both, twin);
    const double fma_alone = measured(fma_gflops, false, nullptr);
    const double fma_both = measured(fma_gflops, true, &twin);
    std::printf("float32 FMA (AVX-512): %.0f GFLOP/s alone; two processes at once: %.0f and %.0f\n", fma_alone,
                fma_both, twin);
    return 0;
}
