// The SGD step with bfloat16 products ([run] precision = "bf16"): included by vector_kernels.inl in
// the two levels compiled for it, inside their namespace:
//   v4_bf16  (level_v4_bf16.cpp):  AVX512_BF16 dot products (VDPBF16PS), 16 float32 lanes per instruction;
//   amx_bf16 (level_amx_bf16.cpp): AMX tiles (TDPBF16PS), a 16 x 16 block of float32 per instruction.
//
// Both products of the step take their operands rounded to bfloat16 (round to nearest even) and
// accumulate in float32: each pair of bfloat16 is multiplied exactly and added to a float32. The
// weights, the bias, the softmax and the decay stay float32 (the master copy); only the product
// operands are rounded, afresh every step. Evaluations are not affected: they run the float32 kernels.
//
// Both instructions sum over pairs, so each product needs its operands paired along its sum:
//   scores = X W:   sum over features k  -> W as pairs of rows (W(2k', c), W(2k'+1, c)) per column,
//                                           x as pairs of adjacent features (row-major bf16 rows);
//   W -= X G:       sum over examples i  -> G as pairs of rows (G(2i', c), G(2i'+1, c)) per column,
//                                           x as pairs of examples (x_2i'(k), x_2i'+1(k)) per feature.
// Counts are padded with zeros to whole tiles (32 along a sum, 16 across), which zeros leave exact.

static_assert(kLanes == 16, "the bfloat16 kernels are written for AVX-512 vectors");

constexpr std::int64_t round_up(std::int64_t n, std::int64_t to) { return (n + to - 1) / to * to; }

/// The padded sizes of one step: the sums run over whole tiles of 32, the rows over whole tiles of 16.
struct Bf16Shape {
    std::int64_t m, d, P;
    std::int64_t dk = round_up(d, 32);  // features, padded: the forward product's sum
    std::int64_t mk = round_up(m, 32);  // examples, padded: the update's sum
    std::int64_t mq = round_up(m, 16);  // examples, padded to whole rows of tiles (the scores)
    std::int64_t dq = round_up(d, 16);  // features, padded to whole rows of tiles (the update)
};

/// Where the step's scratch (sgd_scratch_floats floats) holds what, each part on a 64-byte boundary.
/// A pair of bfloat16 is one 32-bit word.
struct Bf16Scratch {
    float* scores;            // mq x P
    std::uint32_t* w_pairs;   // dk/2 x P: (W(2k', c), W(2k'+1, c))
    std::uint16_t* x_rows;    // mq x dk: each example's features
    std::uint32_t* x_pairs;   // mk/2 x d: (x_2i'(k), x_2i'+1(k)), pairs of examples feature by feature (AVX512_BF16 only)
    std::uint32_t* g_pairs;   // mk/2 x P: (-G(2i', c), -G(2i'+1, c))
    std::uint32_t* x_by_feature;  // dq x mk/2: x_pairs transposed (AMX only)
    float* w_block;           // 32 x 32: a block of the update's products (AMX only)
    std::int64_t floats;      // the total
};

Bf16Scratch bf16_scratch(const Bf16Shape& z, float* scratch) {
    Bf16Scratch b{};
    std::int64_t used = 0;
    const auto take = [&](std::int64_t words) {
        float* part = scratch ? scratch + used : nullptr;
        used += round_up(words, kLanes);
        return part;
    };
    b.scores = take(z.mq * z.P);
    b.w_pairs = reinterpret_cast<std::uint32_t*>(take(z.dk / 2 * z.P));
    b.x_rows = reinterpret_cast<std::uint16_t*>(take(z.mq * z.dk / 2));
    b.g_pairs = reinterpret_cast<std::uint32_t*>(take(z.mk / 2 * z.P));
#if defined(HYPERGRID_KERNEL_AMX)
    b.x_by_feature = reinterpret_cast<std::uint32_t*>(take(z.dq * z.mk / 2));
    b.w_block = take(32 * 32);
#else
    b.x_pairs = reinterpret_cast<std::uint32_t*>(take(z.mk / 2 * z.d));
#endif
    b.floats = used;
    return b;
}

std::int64_t sgd_scratch_floats(const Shape& s, std::int64_t m) {
    return bf16_scratch(Bf16Shape{m, s.dims, s.padded}, nullptr).floats;
}

/// The first n (at most 16) lanes.
inline __mmask16 first_lanes(std::int64_t n) {
    return n >= 16 ? __mmask16(0xFFFF) : static_cast<__mmask16>((1U << (n > 0 ? n : 0)) - 1U);
}
inline __m512 load_first(const float* p, std::int64_t n) {
    return n > 0 ? _mm512_maskz_loadu_ps(first_lanes(n), p) : _mm512_setzero_ps();
}

/// 32 bfloat16 a_0..a_15, b_0..b_15 as 16 pairs (a_j, b_j), a in the low half of each 32-bit word.
inline __m512i interleave_halves(__m512i halves) {
    alignas(64) static constexpr std::uint16_t kInterleave[32] = {0, 16, 1, 17, 2,  18, 3,  19, 4,  20, 5,
                                                                  21, 6, 22, 7, 23, 8,  24, 9,  25, 10, 26,
                                                                  11, 27, 12, 28, 13, 29, 14, 30, 15, 31};
    return _mm512_permutexvar_epi16(_mm512_load_si512(kInterleave), halves);
}

/// 16 pairs (a_j, b_j), j = 0..15, of floats rounded to bfloat16.
inline __m512i pairs_of(__m512 a, __m512 b) {
    return interleave_halves(reinterpret_cast<__m512i>(_mm512_cvtne2ps_pbh(b, a)));
}

/// The weights as pairs of rows (zero rows past d), for the forward product.
void pack_weight_pairs(const float* W, const Bf16Shape& z, std::uint32_t* w_pairs) {
    const auto row = [&](std::int64_t k, std::int64_t c) {
        return k < z.d ? _mm512_loadu_ps(W + k * z.P + c) : _mm512_setzero_ps();
    };
    for (std::int64_t k = 0; k < z.dk; k += 2)
        for (std::int64_t c = 0; c < z.P; c += kLanes) {
            const __m512 first = row(k, c);
            _mm512_storeu_si512(w_pairs + k / 2 * z.P + c, pairs_of(first, row(k + 1, c)));
        }
}

/// The gradient, negated (the update adds its products), as pairs of rows (zero rows past m).
void pack_gradient_pairs(const float* G, const Bf16Shape& z, std::uint32_t* g_pairs) {
    const __m512 zero = _mm512_setzero_ps();
    const auto row = [&](std::int64_t i, std::int64_t c) {
        return i < z.m ? _mm512_sub_ps(zero, _mm512_loadu_ps(G + i * z.P + c)) : zero;
    };
    for (std::int64_t i = 0; i < z.mk; i += 2)
        for (std::int64_t c = 0; c < z.P; c += kLanes) _mm512_storeu_si512(g_pairs + i / 2 * z.P + c, pairs_of(row(i, c), row(i + 1, c)));
}

/// Each example's features in bfloat16, rows of dk (zero rows past m, up to mq).
template <class Rows>
void pack_rows(const Rows& X, const Bf16Shape& z, std::uint16_t* x_rows) {
    constexpr std::int64_t kAhead = 4;  // rows fetched ahead: a batch's rows are scattered over the data set
    for (std::int64_t i = 0; i < z.mq; ++i) {
        const float* x = i < z.m ? X[i] : nullptr;
        const float* next = i + kAhead < z.m ? X[i + kAhead] : nullptr;
        for (std::int64_t k = 0; k < z.dk; k += 2 * kLanes) {
            if (next && k < z.d) {
                _mm_prefetch(reinterpret_cast<const char*>(next + k), _MM_HINT_T0);
                _mm_prefetch(reinterpret_cast<const char*>(next + k + kLanes), _MM_HINT_T0);
            }
            const __m512 low = x ? load_first(x + k, z.d - k) : _mm512_setzero_ps();
            const __m512 high = x ? load_first(x + k + kLanes, z.d - k - kLanes) : _mm512_setzero_ps();
            _mm512_storeu_si512(x_rows + i * z.dk + k, reinterpret_cast<__m512i>(_mm512_cvtne2ps_pbh(high, low)));
        }
    }
}

/// The examples as pairs, feature by feature: row i' holds (x_2i'(k), x_2i'+1(k)) for every k (zero
/// examples past m, up to mk).
template <class Rows>
void pack_example_pairs(const Rows& X, const Bf16Shape& z, std::uint32_t* x_pairs) {
    for (std::int64_t i = 0; i < z.mk; i += 2) {
        const float* first = i < z.m ? X[i] : nullptr;
        const float* second = i + 1 < z.m ? X[i + 1] : nullptr;
        for (std::int64_t k = 0; k < z.d; k += kLanes) {
            const __m512 a = first ? load_first(first + k, z.d - k) : _mm512_setzero_ps();
            const __m512 b = second ? load_first(second + k, z.d - k) : _mm512_setzero_ps();
            _mm512_mask_storeu_epi32(x_pairs + i / 2 * z.d + k, first_lanes(z.d - k), pairs_of(a, b));
        }
    }
}

#if !defined(HYPERGRID_KERNEL_AMX)
// --- AVX512_BF16: the float32 kernels' register blocks, with VDPBF16PS in place of the FMA ----------

inline Vec dot_pairs(Vec acc, __m512i a, __m512i b) {
    return _mm512_dpbf16_ps(acc, reinterpret_cast<__m512bh>(a), reinterpret_cast<__m512bh>(b));
}

// scores(i, c0..) = bias(c0..) + sum over pairs of features: scores_block in bfloat16.
template <int E, int V>
void scores_block_bf16(const std::uint32_t* w_pairs, const float* bias, const std::uint32_t* x_rows,
                       std::int64_t i0, std::int64_t half_d, std::int64_t P, std::int64_t c0, float* scores) {
    const std::uint32_t* x[E];
    for (int e = 0; e < E; ++e) x[e] = x_rows + (i0 + e) * half_d;
    Vec acc[E][V];
    for (int v = 0; v < V; ++v) {
        const Vec b = load(bias + c0 + v * kLanes);
        for (int e = 0; e < E; ++e) acc[e][v] = b;
    }
#pragma GCC unroll 4
    for (std::int64_t k = 0; k < half_d; ++k) {
        __m512i w[V];
        for (int v = 0; v < V; ++v) w[v] = _mm512_loadu_si512(w_pairs + k * P + c0 + v * kLanes);
        for (int e = 0; e < E; ++e) {
            const __m512i xe = _mm512_set1_epi32(static_cast<int>(x[e][k]));
            for (int v = 0; v < V; ++v) acc[e][v] = dot_pairs(acc[e][v], w[v], xe);
        }
    }
    for (int e = 0; e < E; ++e)
        for (int v = 0; v < V; ++v) store(scores + (i0 + e) * P + c0 + v * kLanes, acc[e][v]);
}

// W(k.., c0..) = decay W(k.., c0..) + sum over pairs of examples of x (-G): update_block in bfloat16.
template <int R, int V>
void update_block_bf16(float* W, const float* decay, const std::uint32_t* x_pairs, const std::uint32_t* g_pairs,
                       std::int64_t half_m, std::int64_t d, std::int64_t P, std::int64_t k, std::int64_t c0) {
    Vec acc[R][V];
    for (int v = 0; v < V; ++v) {
        const Vec s = load(decay + c0 + v * kLanes);
        for (int r = 0; r < R; ++r) acc[r][v] = s * load(W + (k + r) * P + c0 + v * kLanes);
    }
#pragma GCC unroll 4
    for (std::int64_t i = 0; i < half_m; ++i) {
        const std::uint32_t* x = x_pairs + i * d + k;
        __m512i g[V];
        for (int v = 0; v < V; ++v) g[v] = _mm512_loadu_si512(g_pairs + i * P + c0 + v * kLanes);
        for (int r = 0; r < R; ++r) {
            const __m512i xr = _mm512_set1_epi32(static_cast<int>(x[r]));
            for (int v = 0; v < V; ++v) acc[r][v] = dot_pairs(acc[r][v], g[v], xr);
        }
    }
    for (int r = 0; r < R; ++r)
        for (int v = 0; v < V; ++v) store(W + (k + r) * P + c0 + v * kLanes, acc[r][v]);
}

void forward_product(const Bf16Shape& z, const Bf16Scratch& b, const float* bias) {
    const auto* x_rows = reinterpret_cast<const std::uint32_t*>(b.x_rows);
    for_each_panel(z.P, [&](std::int64_t c0, auto width) {
        constexpr int V = decltype(width)::value;
        constexpr int E = rows_per_block(V);
        std::int64_t i = 0;
        for (; i + E <= z.m; i += E) scores_block_bf16<E, V>(b.w_pairs, bias, x_rows, i, z.dk / 2, z.P, c0, b.scores);
        block_of(z.m - i, [&](auto n) { scores_block_bf16<decltype(n)::value, V>(b.w_pairs, bias, x_rows, i, z.dk / 2, z.P, c0, b.scores); },
                 std::make_integer_sequence<int, E - 1>{});
    });
}

template <class Rows>
void update_product(const Rows& rows, const Bf16Shape& z, const Bf16Scratch& b, float* W, const float* decay) {
    pack_example_pairs(rows, z, b.x_pairs);
    const std::int64_t half_m = (z.m + 1) / 2;  // the zero pairs past m add nothing
    for_each_panel(z.P, [&](std::int64_t c0, auto width) {
        constexpr int V = decltype(width)::value;
        constexpr int R = rows_per_block(V);
        std::int64_t k = 0;
        for (; k + R <= z.d; k += R) update_block_bf16<R, V>(W, decay, b.x_pairs, b.g_pairs, half_m, z.d, z.P, k, c0);
        block_of(z.d - k, [&](auto n) { update_block_bf16<decltype(n)::value, V>(W, decay, b.x_pairs, b.g_pairs, half_m, z.d, z.P, k, c0); },
                 std::make_integer_sequence<int, R - 1>{});
    });
}

#else
// --- AMX: 16 x 16 float32 tiles; every tile is configured 16 rows of 64 bytes -----------------------

/// The tile configuration (palette 1): all eight tiles 16 rows of 64 bytes.
struct alignas(64) TileConfig {
    std::uint8_t palette = 1, start_row = 0, reserved[14] = {};
    std::uint16_t bytes_per_row[16] = {64, 64, 64, 64, 64, 64, 64, 64};
    std::uint8_t rows[16] = {16, 16, 16, 16, 16, 16, 16, 16};
};

/// C(ti, tj) = C_in(ti, tj) + sum over kk of A(ti, kk) B(kk, tj) for RT x CT tiles of C (tiles 0-3),
/// A in tiles 4-5, B in 6-7, C_in zero when null. Strides in bytes; a tile of A advances 64 bytes
/// along its sum, a tile of B 16 rows. Each block of C is stored at out(ti, tj) with out_stride.
struct TileProduct {
    const char* c_in;
    std::int64_t c_in_stride;
    const char* a;
    std::int64_t a_stride;
    const char* b;
    std::int64_t b_stride;
    std::int64_t sums;  // steps of 32 along the sum
};

template <int RT, int CT>
void tile_block(const TileProduct& p, std::int64_t ti, std::int64_t tj, char* out, std::int64_t out_stride) {
    const auto c_in = [&](int r, int c) { return p.c_in + (ti + r) * 16 * p.c_in_stride + (tj + c) * 64; };
    const auto c_out = [&](int r, int c) { return out + r * 16 * out_stride + c * 64; };
    if (p.c_in) {
        _tile_loadd(0, c_in(0, 0), p.c_in_stride);
        if constexpr (CT == 2) _tile_loadd(1, c_in(0, 1), p.c_in_stride);
        if constexpr (RT == 2) _tile_loadd(2, c_in(1, 0), p.c_in_stride);
        if constexpr (RT == 2 && CT == 2) _tile_loadd(3, c_in(1, 1), p.c_in_stride);
    } else {
        _tile_zero(0);
        if constexpr (CT == 2) _tile_zero(1);
        if constexpr (RT == 2) _tile_zero(2);
        if constexpr (RT == 2 && CT == 2) _tile_zero(3);
    }
    for (std::int64_t s = 0; s < p.sums; ++s) {
        const char* a = p.a + ti * 16 * p.a_stride + s * 64;
        const char* b = p.b + s * 16 * p.b_stride + tj * 64;
        _tile_loadd(4, a, p.a_stride);
        _tile_loadd(6, b, p.b_stride);
        _tile_dpbf16ps(0, 4, 6);
        if constexpr (CT == 2) {
            _tile_loadd(7, b + 64, p.b_stride);
            _tile_dpbf16ps(1, 4, 7);
        }
        if constexpr (RT == 2) {
            _tile_loadd(5, a + 16 * p.a_stride, p.a_stride);
            _tile_dpbf16ps(2, 5, 6);
            if constexpr (CT == 2) _tile_dpbf16ps(3, 5, 7);
        }
    }
    _tile_stored(0, c_out(0, 0), out_stride);
    if constexpr (CT == 2) _tile_stored(1, c_out(0, 1), out_stride);
    if constexpr (RT == 2) _tile_stored(2, c_out(1, 0), out_stride);
    if constexpr (RT == 2 && CT == 2) _tile_stored(3, c_out(1, 1), out_stride);
}

/// Where a block of C goes: its first byte and the bytes from one row to the next.
struct BlockOut {
    char* first;
    std::int64_t stride;
};

/// The whole product over row_tiles x column_tiles tiles of C, in blocks of up to 2 x 2 tiles: each
/// block stored where out(ti, tj) says, then done(ti, tj, rows, columns) called with its size in tiles.
template <class Out, class Done>
void tile_product(const TileProduct& p, std::int64_t row_tiles, std::int64_t column_tiles, Out&& out, Done&& done) {
    for (std::int64_t ti = 0; ti < row_tiles; ti += 2)
        for (std::int64_t tj = 0; tj < column_tiles; tj += 2) {
            const bool two_rows = ti + 1 < row_tiles, two_columns = tj + 1 < column_tiles;
            const BlockOut where = out(ti, tj);
            if (two_rows && two_columns) tile_block<2, 2>(p, ti, tj, where.first, where.stride);
            else if (two_rows) tile_block<2, 1>(p, ti, tj, where.first, where.stride);
            else if (two_columns) tile_block<1, 2>(p, ti, tj, where.first, where.stride);
            else tile_block<1, 1>(p, ti, tj, where.first, where.stride);
            done(ti, tj, two_rows ? 2 : 1, two_columns ? 2 : 1);
        }
}

/// Transposes a 16 x 16 block of 32-bit words held one row per vector.
inline void transpose_16x16(__m512i r[16]) {
    __m512i t[16];
    for (int i = 0; i < 16; i += 2) {
        t[i] = _mm512_unpacklo_epi32(r[i], r[i + 1]);
        t[i + 1] = _mm512_unpackhi_epi32(r[i], r[i + 1]);
    }
    for (int i = 0; i < 16; i += 4) {
        r[i] = _mm512_unpacklo_epi64(t[i], t[i + 2]);
        r[i + 1] = _mm512_unpackhi_epi64(t[i], t[i + 2]);
        r[i + 2] = _mm512_unpacklo_epi64(t[i + 1], t[i + 3]);
        r[i + 3] = _mm512_unpackhi_epi64(t[i + 1], t[i + 3]);
    }
    // Each 128-bit lane l of r[4q + j] now holds column 4l + j of rows 4q..4q+3.
    for (int j = 0; j < 4; ++j) {
        t[j] = _mm512_shuffle_i32x4(r[j], r[4 + j], 0x88);
        t[4 + j] = _mm512_shuffle_i32x4(r[j], r[4 + j], 0xDD);
        t[8 + j] = _mm512_shuffle_i32x4(r[8 + j], r[12 + j], 0x88);
        t[12 + j] = _mm512_shuffle_i32x4(r[8 + j], r[12 + j], 0xDD);
    }
    for (int j = 0; j < 4; ++j) {
        r[j] = _mm512_shuffle_i32x4(t[j], t[8 + j], 0x88);
        r[4 + j] = _mm512_shuffle_i32x4(t[4 + j], t[12 + j], 0x88);
        r[8 + j] = _mm512_shuffle_i32x4(t[j], t[8 + j], 0xDD);
        r[12 + j] = _mm512_shuffle_i32x4(t[4 + j], t[12 + j], 0xDD);
    }
}

/// The pairs of examples feature by feature, transposed: row k holds (x_2i'(k), x_2i'+1(k)) for
/// every pair i' (zero rows past d, up to dq): the update's A operand, made from the packed rows.
void pack_features_by_example_pairs(const Bf16Shape& z, const std::uint16_t* x_rows, std::uint32_t* x_by_feature) {
    const auto features = [&](std::int64_t e, std::int64_t k) {  // 16 of example e's, from k
        return e < z.mq ? _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x_rows + e * z.dk + k)) : _mm256_setzero_si256();
    };
    const std::int64_t pairs = z.mk / 2;
    for (std::int64_t i = 0; i < pairs; i += 16)
        for (std::int64_t k = 0; k < z.dq; k += 16) {
            __m512i block[16];
            for (std::int64_t j = 0; j < 16; ++j) {
                const std::int64_t e = 2 * (i + j);
                const __m512i both = _mm512_inserti64x4(_mm512_castsi256_si512(features(e, k)), features(e + 1, k), 1);
                block[j] = interleave_halves(both);
            }
            transpose_16x16(block);
            for (std::int64_t j = 0; j < 16; ++j) _mm512_storeu_si512(x_by_feature + (k + j) * pairs + i, block[j]);
        }
}

void forward_product(const Bf16Shape& z, const Bf16Scratch& b, const float* bias) {
    const auto* bias_row = reinterpret_cast<const char*>(bias);
    const TileProduct p{bias_row, 0, reinterpret_cast<const char*>(b.x_rows), z.dk * 2,
                        reinterpret_cast<const char*>(b.w_pairs), z.P * 4, z.dk / 32};
    char* scores = reinterpret_cast<char*>(b.scores);
    tile_product(
        p, z.mq / 16, z.P / 16,
        [&](std::int64_t ti, std::int64_t tj) { return BlockOut{scores + ti * 16 * z.P * 4 + tj * 64, z.P * 4}; },
        [](std::int64_t, std::int64_t, int, int) {});
}

/// W <- decay W + X (-G): the tiles sum each block of X (-G) from zero into a block of scratch, which
/// is then added to the block's decayed weights (W is read and written once).
template <class Rows>
void update_product(const Rows&, const Bf16Shape& z, const Bf16Scratch& b, float* W, const float* decay) {
    pack_features_by_example_pairs(z, b.x_rows, b.x_by_feature);
    const TileProduct p{nullptr, 0, reinterpret_cast<const char*>(b.x_by_feature), z.mk * 2,
                        reinterpret_cast<const char*>(b.g_pairs), z.P * 4, z.mk / 32};
    constexpr std::int64_t kBlockStride = 2 * 64;  // a block of 2 x 2 tiles: 32 rows of 32 floats
    tile_product(
        p, z.dq / 16, z.P / 16, [&](std::int64_t, std::int64_t) { return BlockOut{reinterpret_cast<char*>(b.w_block), kBlockStride}; },
        [&](std::int64_t ti, std::int64_t tj, int rows, int columns) {
            const std::int64_t end = (ti + rows) * 16, last = end < z.d ? end : z.d;  // rows past d: padding
            for (std::int64_t k = ti * 16; k < last; ++k)
                for (int c = 0; c < columns; ++c) {
                    float* w = W + k * z.P + (tj + c) * kLanes;
                    const float* delta = b.w_block + (k - ti * 16) * 2 * kLanes + c * kLanes;
                    store(w, load(decay + (tj + c) * kLanes) * load(w) + load(delta));
                }
        });
}
#endif

template <class Rows>
void sgd_step_on(const Rows& rows, const Shape& s, float* weights, float* bias, const float* decay,
                 const float* step_size, const Examples& batch, float* scratch) {
    const Bf16Shape z{batch.count, s.dims, s.padded};
    const Bf16Scratch b = bf16_scratch(z, scratch);
#if defined(HYPERGRID_KERNEL_AMX)
    static const TileConfig config;
    _tile_loadconfig(&config);
#endif
    pack_weight_pairs(weights, z, b.w_pairs);
    pack_rows(rows, z, b.x_rows);
    forward_product(z, b, bias);
    gradient_and_bias(s, bias, step_size, batch, b.scores);
    pack_gradient_pairs(b.scores, z, b.g_pairs);
    update_product(rows, z, b, weights, decay);
#if defined(HYPERGRID_KERNEL_AMX)
    _tile_release();
#endif
}
