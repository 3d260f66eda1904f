// Vector bodies of the encoder kernels (encoder.c), written once over a
// small set of vector operations and included once per instruction set:
// encoder.c defines the V* macros for AVX-512 (16 lanes) or AVX2 (8 lanes),
// includes this file, and undefines them. Not a public header.
//
// Required macros: V (vector type), VL (lanes), V_TARGET (function
// attribute), V_NAME(x) (x with the ISA's suffix), MR (rows per GEMM tile),
// and the operations below (vload_n/vstore_n take a lane count 0…VL).

#define NV (ORK_PANEL_WIDTH / VL)

// ---- math ------------------------------------------------------------------

/// e^x for x ≤ 88: x = n·ln2 + r, |r| ≤ ln2/2, e^r by its degree-6 Taylor
/// polynomial (relative error < 2e-7), times 2^n built in the exponent bits.
/// Results below ~1e-38 flush to 0.
V_TARGET static inline V V_NAME(vexp)(V x) {
    x = vmax(x, vset1(-87.0f));
    const V n = vround(vmul(x, vset1(1.44269504088896341f)));
    V r = vfma(n, vset1(-0.693145751953125f), x);
    r = vfma(n, vset1(-1.428606765330187e-06f), r);
    V p = vset1(1.0f / 720.0f);
    p = vfma(p, r, vset1(1.0f / 120.0f));
    p = vfma(p, r, vset1(1.0f / 24.0f));
    p = vfma(p, r, vset1(1.0f / 6.0f));
    p = vfma(p, r, vset1(0.5f));
    p = vfma(p, r, vset1(1.0f));
    p = vfma(p, r, vset1(1.0f));
    return vmul(p, vpow2i(n));
}

/// gelu(x) = x/2 · (1 + erf(z)), z = x/√2. With E = erfc(|z|) from
/// Abramowitz & Stegun 7.1.26 (E = t·P(t)·e^{-z²}, t = 1/(1 + 0.3275911|z|),
/// absolute error < 1.5e-7), 1 + erf(z) is 2 - E for z ≥ 0 and E for z < 0,
/// so negative inputs lose no precision to cancellation.
V_TARGET static inline V V_NAME(vgelu)(V x) {
    const V z = vmul(x, vset1(0.70710678118654752f));
    const V az = vabs(z);
    const V t = vdiv(vset1(1.0f), vfma(az, vset1(0.3275911f), vset1(1.0f)));
    V p = vset1(1.061405429f);
    p = vfma(p, t, vset1(-1.453152027f));
    p = vfma(p, t, vset1(1.421413741f));
    p = vfma(p, t, vset1(-0.284496736f));
    p = vfma(p, t, vset1(0.254829592f));
    p = vmul(p, t);
    const V e = vmul(p, V_NAME(vexp)(vneg(vmul(az, az))));
    const V one_plus_erf = vselect_ge0(z, vsub(vset1(2.0f), e), e);
    return vmul(vmul(vset1(0.5f), x), one_plus_erf);
}

// ---- dense layer -------------------------------------------------------------

/// Stores a tile's sums: C = epilogue(acc + bias) for rows 0..<mr, `valid`
/// columns of the panel.
V_TARGET static inline __attribute__((always_inline)) void
V_NAME(linear_store)(const int mr, V acc[MR][NV], const float *bias, float *c, long ldc, long valid,
                     ork_epilogue epilogue) {
#pragma clang loop unroll(full)
    for (int v = 0; v < NV; v++) {
        const long lanes = ork__max(0, ork__min(VL, valid - v * VL));
        if (lanes == 0) continue;
        const V bv = bias ? vload_n(bias + v * VL, lanes) : vzero();
#pragma clang loop unroll(full)
        for (int r = 0; r < mr; r++) {
            V y = vadd(acc[r][v], bv);
            float *cp = c + r * ldc + v * VL;
            if (epilogue == ORK_EPILOGUE_BIAS_GELU) y = V_NAME(vgelu)(y);
            else if (epilogue == ORK_EPILOGUE_BIAS_RESIDUAL) y = vadd(vload_n(cp, lanes), y);
            vstore_n(cp, y, lanes);
        }
    }
}

/// One tile: rows 0..<mr of C, columns of one panel (`valid` of them real),
/// C = epilogue(A·Wᵀ + bias). Each element is one running FMA sum over k in
/// order from 0, then + bias, then gelu or + C.
V_TARGET static inline __attribute__((always_inline)) void
V_NAME(linear_tile)(const int mr, long k, const float *a, long lda, const float *panel,
                    const float *bias, float *c, long ldc, long valid, ork_epilogue epilogue) {
    V acc[MR][NV];
#pragma clang loop unroll(full)
    for (int r = 0; r < mr; r++)
#pragma clang loop unroll(full)
        for (int v = 0; v < NV; v++) acc[r][v] = vzero();
    for (long p = 0; p < k; p++) {
        V b[NV];
#pragma clang loop unroll(full)
        for (int v = 0; v < NV; v++) b[v] = vload(panel + p * ORK_PANEL_WIDTH + v * VL);
#pragma clang loop unroll(full)
        for (int r = 0; r < mr; r++) {
            const V av = vset1(a[r * lda + p]);
#pragma clang loop unroll(full)
            for (int v = 0; v < NV; v++) acc[r][v] = vfma(av, b[v], acc[r][v]);
        }
    }
    V_NAME(linear_store)(mr, acc, bias, c, ldc, valid, epilogue);
}

#define ORK_LINEAR_TILE(R)                                                                               \
    V_TARGET static void V_NAME(linear_tile_##R)(long k, const float *a, long lda, const float *panel,  \
                                                 const float *bias, float *c, long ldc, long valid,     \
                                                 ork_epilogue epilogue) {                               \
        V_NAME(linear_tile)(R, k, a, lda, panel, bias, c, ldc, valid, epilogue);                       \
    }
ORK_LINEAR_TILE(1) ORK_LINEAR_TILE(2) ORK_LINEAR_TILE(3)
#if MR > 3
ORK_LINEAR_TILE(4) ORK_LINEAR_TILE(5) ORK_LINEAR_TILE(6) ORK_LINEAR_TILE(7) ORK_LINEAR_TILE(8)
ORK_LINEAR_TILE(9) ORK_LINEAR_TILE(10) ORK_LINEAR_TILE(11) ORK_LINEAR_TILE(12)
#endif
#undef ORK_LINEAR_TILE

typedef void (*V_NAME(linear_tile_fn))(long, const float *, long, const float *, const float *, float *,
                                       long, long, ork_epilogue);
static V_NAME(linear_tile_fn) const V_NAME(linear_tiles)[MR] = {
    V_NAME(linear_tile_1), V_NAME(linear_tile_2), V_NAME(linear_tile_3),
#if MR > 3
    V_NAME(linear_tile_4), V_NAME(linear_tile_5), V_NAME(linear_tile_6), V_NAME(linear_tile_7),
    V_NAME(linear_tile_8), V_NAME(linear_tile_9), V_NAME(linear_tile_10), V_NAME(linear_tile_11),
    V_NAME(linear_tile_12),
#endif
};

/// Rows 0..<m (a, c already offset) × panels p0..<p1. Panel-major: one
/// panel (k × 32 floats) stays in cache while every row tile passes over it.
/// Row tiles are balanced (m = 14 runs as 7 + 7, not 12 + 2).
V_TARGET static void V_NAME(linear_block)(long m, long n, long k, const float *a, long lda,
                                          const float *packed_w, const float *bias, float *c, long ldc,
                                          long p0, long p1, ork_epilogue epilogue) {
    const long tiles = (m + MR - 1) / MR;
    for (long panel = p0; panel < p1; panel++) {
        const long j0 = panel * ORK_PANEL_WIDTH;
        const float *w = packed_w + j0 * k;
        const float *bp = bias ? bias + j0 : NULL;
        const long valid = ork__min(ORK_PANEL_WIDTH, n - j0);
        long i = 0;
        for (long t = 0; t < tiles; t++) {
            const long rows = (m - i) / (tiles - t) + ((m - i) % (tiles - t) != 0);
            V_NAME(linear_tiles)[rows - 1](k, a + i * lda, lda, w, bp, c + i * ldc + j0, ldc, valid, epilogue);
            i += rows;
        }
    }
}

#ifdef V_BF16_TARGET
/// BF16 tile (AVX512_BF16): a holds each row's values as bf16 pairs (one
/// 32-bit word per k-pair), the panel 32 columns × one k-pair per 128 bytes.
/// vdpbf16ps adds both products of a pair to the float sum per step.
V_BF16_TARGET static inline __attribute__((always_inline)) void
V_NAME(linear_tile_bf16)(const int mr, long pairs, const uint32_t *a, long lda, const uint16_t *panel,
                         const float *bias, float *c, long ldc, long valid, ork_epilogue epilogue) {
    V acc[MR][NV];
#pragma clang loop unroll(full)
    for (int r = 0; r < mr; r++)
#pragma clang loop unroll(full)
        for (int v = 0; v < NV; v++) acc[r][v] = vzero();
    for (long q = 0; q < pairs; q++) {
        __m512bh b[NV];
#pragma clang loop unroll(full)
        for (int v = 0; v < NV; v++) b[v] = (__m512bh)_mm512_loadu_si512(panel + q * 2 * ORK_PANEL_WIDTH + v * 32);
#pragma clang loop unroll(full)
        for (int r = 0; r < mr; r++) {
            const __m512bh av = (__m512bh)_mm512_set1_epi32((int)a[r * lda + q]);
#pragma clang loop unroll(full)
            for (int v = 0; v < NV; v++) acc[r][v] = _mm512_dpbf16_ps(acc[r][v], av, b[v]);
        }
    }
    V_NAME(linear_store)(mr, acc, bias, c, ldc, valid, epilogue);
}

#define ORK_LINEAR_TILE_BF16(R)                                                                          \
    V_BF16_TARGET static void V_NAME(linear_tile_bf16_##R)(long pairs, const uint32_t *a, long lda,       \
                                                           const uint16_t *panel, const float *bias,      \
                                                           float *c, long ldc, long valid,                \
                                                           ork_epilogue epilogue) {                       \
        V_NAME(linear_tile_bf16)(R, pairs, a, lda, panel, bias, c, ldc, valid, epilogue);                \
    }
ORK_LINEAR_TILE_BF16(1) ORK_LINEAR_TILE_BF16(2) ORK_LINEAR_TILE_BF16(3) ORK_LINEAR_TILE_BF16(4)
ORK_LINEAR_TILE_BF16(5) ORK_LINEAR_TILE_BF16(6) ORK_LINEAR_TILE_BF16(7) ORK_LINEAR_TILE_BF16(8)
ORK_LINEAR_TILE_BF16(9) ORK_LINEAR_TILE_BF16(10) ORK_LINEAR_TILE_BF16(11) ORK_LINEAR_TILE_BF16(12)
#undef ORK_LINEAR_TILE_BF16

typedef void (*V_NAME(linear_tile_bf16_fn))(long, const uint32_t *, long, const uint16_t *, const float *,
                                            float *, long, long, ork_epilogue);
static V_NAME(linear_tile_bf16_fn) const V_NAME(linear_tiles_bf16)[12] = {
    V_NAME(linear_tile_bf16_1), V_NAME(linear_tile_bf16_2), V_NAME(linear_tile_bf16_3),
    V_NAME(linear_tile_bf16_4), V_NAME(linear_tile_bf16_5), V_NAME(linear_tile_bf16_6),
    V_NAME(linear_tile_bf16_7), V_NAME(linear_tile_bf16_8), V_NAME(linear_tile_bf16_9),
    V_NAME(linear_tile_bf16_10), V_NAME(linear_tile_bf16_11), V_NAME(linear_tile_bf16_12),
};

/// As linear_block, on bf16 pairs (lda in 32-bit words).
V_BF16_TARGET static void V_NAME(linear_block_bf16)(long m, long n, long pairs, const uint32_t *a, long lda,
                                                    const uint16_t *packed_w, const float *bias, float *c,
                                                    long ldc, long p0, long p1, ork_epilogue epilogue) {
    const long tiles = (m + 11) / 12;
    for (long panel = p0; panel < p1; panel++) {
        const long j0 = panel * ORK_PANEL_WIDTH;
        const uint16_t *w = packed_w + j0 * 2 * pairs;
        const float *bp = bias ? bias + j0 : NULL;
        const long valid = ork__min(ORK_PANEL_WIDTH, n - j0);
        long i = 0;
        for (long t = 0; t < tiles; t++) {
            const long rows = (m - i) / (tiles - t) + ((m - i) % (tiles - t) != 0);
            V_NAME(linear_tiles_bf16)[rows - 1](pairs, a + i * lda, lda, w, bp, c + i * ldc + j0, ldc, valid, epilogue);
            i += rows;
        }
    }
}
#endif

// ---- elementwise -------------------------------------------------------------

V_TARGET static void V_NAME(gelu)(float *x, long n) {
    long i = 0;
    for (; i + VL <= n; i += VL) vstore(x + i, V_NAME(vgelu)(vload(x + i)));
    if (i < n) vstore_n(x + i, V_NAME(vgelu)(vload_n(x + i, n - i)), n - i);
}

V_TARGET static void V_NAME(layer_norm)(float *x, long rows, long cols, long ldx, const float *gamma,
                                        const float *beta, float eps) {
    const float inv_cols = 1.0f / (float)cols;
    for (long r = 0; r < rows; r++) {
        float *row = x + r * ldx;
        V s = vzero();
        long i = 0;
        for (; i + VL <= cols; i += VL) s = vadd(s, vload(row + i));
        if (i < cols) s = vadd(s, vload_n(row + i, cols - i));
        const V mean = vset1(vhsum(s) * inv_cols);
        V q = vzero();
        for (i = 0; i + VL <= cols; i += VL) {
            const V d = vsub(vload(row + i), mean);
            q = vfma(d, d, q);
        }
        if (i < cols) {
            // Masked-off lanes load 0, so their deviation is -mean: count only real lanes.
            const V d = vsub(vload_n(row + i, cols - i), mean);
            q = vfma(vkeep_n(d, cols - i), d, q);
        }
        const V inv = vset1(1.0f / sqrtf(vhsum(q) * inv_cols + eps));
        for (i = 0; i + VL <= cols; i += VL) {
            const V y = vmul(vsub(vload(row + i), mean), inv);
            vstore(row + i, vfma(y, vload(gamma + i), vload(beta + i)));
        }
        if (i < cols) {
            const long l = cols - i;
            const V y = vmul(vsub(vload_n(row + i, l), mean), inv);
            vstore_n(row + i, vfma(y, vload_n(gamma + i, l), vload_n(beta + i, l)), l);
        }
    }
}

// ---- attention ---------------------------------------------------------------

/// One sequence and head, four queries at a time (independent sums, and each
/// key or value row loaded once for four). kt: scratch of head_dim × stride
/// floats (keys transposed, so scores come out VL keys at a time without
/// horizontal sums); scores: 4 × stride floats. stride = len rounded up to VL.
V_TARGET static void V_NAME(attention_head)(const float *q, const float *k, const float *v, long ld_qkv,
                                            long len, long head_dim, float scale, float *out, long ld_out,
                                            float *kt, float *scores, long stride) {
    for (long j = 0; j < len; j++)
        for (long d = 0; d < head_dim; d++) kt[d * stride + j] = k[j * ld_qkv + d];
    for (long d = 0; d < head_dim; d++)
        for (long j = len; j < stride; j++) kt[d * stride + j] = 0.0f;
    for (long i0 = 0; i0 < len; i0 += 4) {
        // Queries past the end repeat the last one; their results are not stored.
        const float *qi[4];
        for (int g = 0; g < 4; g++) qi[g] = q + ork__min(i0 + g, len - 1) * ld_qkv;
        V m[4] = {vset1(-INFINITY), vset1(-INFINITY), vset1(-INFINITY), vset1(-INFINITY)};
        for (long j0 = 0; j0 < stride; j0 += VL) {
            V s[4] = {vzero(), vzero(), vzero(), vzero()};
            for (long d = 0; d < head_dim; d++) {
                const V kv = vload(kt + d * stride + j0);
#pragma clang loop unroll(full)
                for (int g = 0; g < 4; g++) s[g] = vfma(vset1(qi[g][d]), kv, s[g]);
            }
#pragma clang loop unroll(full)
            for (int g = 0; g < 4; g++) {
                s[g] = vmul(s[g], vset1(scale));
                vstore(scores + g * stride + j0, s[g]);
                m[g] = vmax(m[g], vkeep_n_or(s[g], len - j0, -INFINITY));
            }
        }
        float inv[4];
#pragma clang loop unroll(full)
        for (int g = 0; g < 4; g++) {
            const V mx = vset1(vhmax(m[g]));
            V sum = vzero();
            for (long j0 = 0; j0 < stride; j0 += VL) {
                float *sg = scores + g * stride + j0;
                const V e = vkeep_n(V_NAME(vexp)(vsub(vload(sg), mx)), len - j0);
                vstore(sg, e);
                sum = vadd(sum, e);
            }
            inv[g] = 1.0f / vhsum(sum);
        }
        const long valid = ork__min(4, len - i0);
        for (long d0 = 0; d0 < head_dim; d0 += VL) {
            const long lanes = ork__min(VL, head_dim - d0);
            V o[4] = {vzero(), vzero(), vzero(), vzero()};
            for (long j = 0; j < len; j++) {
                const V vv = vload_n(v + j * ld_qkv + d0, lanes);
#pragma clang loop unroll(full)
                for (int g = 0; g < 4; g++) o[g] = vfma(vset1(scores[g * stride + j]), vv, o[g]);
            }
            for (long g = 0; g < valid; g++) vstore_n(out + (i0 + g) * ld_out + d0, vmul(o[g], vset1(inv[g])), lanes);
        }
    }
}

#undef NV
