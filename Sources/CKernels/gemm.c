// Single-threaded float32 GEMM for the shapes of a small network's training
// step: C (+)= A·B (nn), Aᵀ·B (tn), A·Bᵀ (nt), row-major, any leading
// dimensions, no alignment assumed, and no packing of the large operand.
//
// Summation order (what makes results independent of how a caller splits C
// into row or column blocks):
//
// * nn and tn (every body, and nt when k < ORK_GEMM_NT_DOT_MIN_K): each C
//   element is one running sum in k order, s = (accumulate ? c : 0), then
//   s = s + a·b for k = 0, 1, ... The vector bodies fuse each step (FMA); the
//   scalar reference rounds the product and the sum separately. The vector
//   bodies walk k in chunks of ORK_GEMM_KC, but carry the running sum through
//   C between chunks, so the chunking does not change a single bit: the AVX2
//   and AVX-512 bodies give identical nn/tn results.
// * nt with k >= ORK_GEMM_NT_DOT_MIN_K (vector bodies): dot products
//   vectorized along k. Lane l (of 16 for AVX-512, 8 for AVX2) sums the
//   products with k ≡ l (mod lanes) in k order with FMA, the lanes are then
//   added pairwise in a fixed tree (l with l+8, l+4, l+2, l+1), and
//   c = (accumulate ? c + dot : dot). The tree and lane split depend only on
//   k, never on m, n or the block's offsets.
//
// Tiles (AVX-512): nn/tn broadcast A elements against rows of B, tiles of
// up to 12 rows × 32 columns (24 zmm accumulators), ≤6 × 64 when m ≤ 6, or
// ≤3 × 128 when m ≤ 3 (single-sample inference); row tiles are balanced
// (m = 32 runs as 11+11+10), the column remainder is masked. nt dot products: 4 rows of A × 4 rows of B (16 accumulators), edge
// tiles recompute a clamped row and store only the valid part. nt with small
// k transposes 64-column blocks of B into a stack buffer (k × 64, < 16 KB)
// and runs the nn kernel on it; B is otherwise never copied. AVX2: 6 × 16
// tiles for nn/tn, 2 × 4 dot-product tiles for nt.
#include "kernels_internal.h"

/// k chunk of the nn/tn bodies: a chunk of B (ORK_GEMM_KC × tile width)
/// stays in L1 while every row tile of a row block passes over it.
#define ORK_GEMM_KC 256
/// Rows of A per block of the nn/tn bodies (the A block stays in L2).
#define ORK_GEMM_MB 96
/// nt: k at or above which the vector bodies use dot products; below it they
/// transpose B in blocks and use the nn kernel (sequential k).
#define ORK_GEMM_NT_DOT_MIN_K 64
/// nt small-k path: columns of C per transposed block of B.
#define ORK_GEMM_NT_NB 64

#define ORK_AI inline __attribute__((always_inline))

// ---- references ------------------------------------------------------------

static void zero_c(long m, long n, float *c, long ldc) {
    for (long i = 0; i < m; i++)
        for (long j = 0; j < n; j++) c[i * ldc + j] = 0.0f;
}

void ork_gemm_nn_ref(long m, long n, long k, const float *a, long lda, const float *b, long ldb,
                     float *c, long ldc, int accumulate) {
    if (m <= 0 || n <= 0) return;
    if (!accumulate) zero_c(m, n, c, ldc);
    // Row of C by row of B: each element still sums over k in order.
    for (long i = 0; i < m; i++) {
        float *ci = c + i * ldc;
        for (long p = 0; p < k; p++) {
            const float aip = a[i * lda + p];
            const float *bp = b + p * ldb;
            for (long j = 0; j < n; j++) {
                float t = aip * bp[j];
                ci[j] = ci[j] + t;
            }
        }
    }
}

void ork_gemm_tn_ref(long m, long n, long k, const float *a, long lda, const float *b, long ldb,
                     float *c, long ldc, int accumulate) {
    if (m <= 0 || n <= 0) return;
    if (!accumulate) zero_c(m, n, c, ldc);
    for (long i = 0; i < m; i++) {
        float *ci = c + i * ldc;
        for (long p = 0; p < k; p++) {
            const float api = a[p * lda + i];
            const float *bp = b + p * ldb;
            for (long j = 0; j < n; j++) {
                float t = api * bp[j];
                ci[j] = ci[j] + t;
            }
        }
    }
}

void ork_gemm_nt_ref(long m, long n, long k, const float *a, long lda, const float *b, long ldb,
                     float *c, long ldc, int accumulate) {
    if (m <= 0 || n <= 0) return;
    for (long i = 0; i < m; i++) {
        const float *ai = a + i * lda;
        for (long j = 0; j < n; j++) {
            const float *bj = b + j * ldb;
            float s = accumulate ? c[i * ldc + j] : 0.0f;
            for (long p = 0; p < k; p++) {
                float t = ai[p] * bj[p];
                s = s + t;
            }
            c[i * ldc + j] = s;
        }
    }
}

#if ORK_X86

/// Transposes columns j0..j0+nb of the n×k matrix B (rows j, stride ldb) into
/// bt (k × nb, row stride ORK_GEMM_NT_NB).
static void pack_bt(long nb, long k, const float *b, long ldb, float *bt) {
    for (long jj = 0; jj < nb; jj++) {
        const float *bj = b + jj * ldb;
        for (long p = 0; p < k; p++) bt[p * ORK_GEMM_NT_NB + jj] = bj[p];
    }
}

// ---- AVX-512 ---------------------------------------------------------------

// C[0:MR, 0:16·NV] = running sum over kc steps of A[0:MR, p] · B[p, 0:16·NV],
// starting from C (init) or 0. A(r, p) is a[r*lda + p] (ta = 0) or
// a[p*lda + r] (ta = 1). Vector v of each row uses the lanes in mask[v].
ORK_AVX512 static ORK_AI void mk512_body(const int ta, const int mr, const int nv, long kc,
                                         const float *a, long lda, const float *b, long ldb,
                                         float *c, long ldc, int init, const __mmask16 *mask) {
    __m512 acc[12][8];
    __mmask16 mk[8];
#pragma clang loop unroll(full)
    for (int v = 0; v < nv; v++) mk[v] = mask[v];
#pragma clang loop unroll(full)
    for (int r = 0; r < mr; r++)
#pragma clang loop unroll(full)
        for (int v = 0; v < nv; v++)
            acc[r][v] = init ? _mm512_maskz_loadu_ps(mk[v], c + r * ldc + 16 * v) : _mm512_setzero_ps();
    for (long p = 0; p < kc; p++) {
        __m512 bv[8];
        const float *bp = b + p * ldb;
#pragma clang loop unroll(full)
        for (int v = 0; v < nv; v++) bv[v] = _mm512_maskz_loadu_ps(mk[v], bp + 16 * v);
#pragma clang loop unroll(full)
        for (int r = 0; r < mr; r++) {
            const __m512 av = _mm512_set1_ps(ta ? a[p * lda + r] : a[r * lda + p]);
#pragma clang loop unroll(full)
            for (int v = 0; v < nv; v++) acc[r][v] = _mm512_fmadd_ps(av, bv[v], acc[r][v]);
        }
    }
#pragma clang loop unroll(full)
    for (int r = 0; r < mr; r++)
#pragma clang loop unroll(full)
        for (int v = 0; v < nv; v++) _mm512_mask_storeu_ps(c + r * ldc + 16 * v, mk[v], acc[r][v]);
}

typedef void (*mk512_fn)(long kc, const float *a, long lda, const float *b, long ldb,
                         float *c, long ldc, int init, const __mmask16 *mask);

#define MK512(TA, MR, NV)                                                                  \
    ORK_AVX512 static void mk512_##TA##_##MR##_##NV(long kc, const float *a, long lda,     \
                                                    const float *b, long ldb, float *c,    \
                                                    long ldc, int init, const __mmask16 *mask) {\
        mk512_body(TA, MR, NV, kc, a, lda, b, ldb, c, ldc, init, mask);                    \
    }
#define MK512_3(TA, NV) MK512(TA, 1, NV) MK512(TA, 2, NV) MK512(TA, 3, NV)
#define MK512_6(TA, NV) \
    MK512(TA, 1, NV) MK512(TA, 2, NV) MK512(TA, 3, NV) MK512(TA, 4, NV) MK512(TA, 5, NV) MK512(TA, 6, NV)
#define MK512_12(TA, NV) MK512_6(TA, NV) \
    MK512(TA, 7, NV) MK512(TA, 8, NV) MK512(TA, 9, NV) MK512(TA, 10, NV) MK512(TA, 11, NV) MK512(TA, 12, NV)
MK512_12(0, 1) MK512_12(1, 1) MK512_12(0, 2) MK512_12(1, 2) MK512_6(0, 4) MK512_6(1, 4)
MK512_3(0, 8) MK512_3(1, 8)
#define MK512_ROW6(TA, NV) \
    mk512_##TA##_1_##NV, mk512_##TA##_2_##NV, mk512_##TA##_3_##NV, \
    mk512_##TA##_4_##NV, mk512_##TA##_5_##NV, mk512_##TA##_6_##NV
#define MK512_ROW12(TA, NV) MK512_ROW6(TA, NV), \
    mk512_##TA##_7_##NV, mk512_##TA##_8_##NV, mk512_##TA##_9_##NV, \
    mk512_##TA##_10_##NV, mk512_##TA##_11_##NV, mk512_##TA##_12_##NV
static mk512_fn const mk512_nv1[2][12] = {{MK512_ROW12(0, 1)}, {MK512_ROW12(1, 1)}};
static mk512_fn const mk512_nv2[2][12] = {{MK512_ROW12(0, 2)}, {MK512_ROW12(1, 2)}};
static mk512_fn const mk512_nv4[2][6] = {{MK512_ROW6(0, 4)}, {MK512_ROW6(1, 4)}};
static mk512_fn const mk512_nv8[2][3] = {{mk512_0_1_8, mk512_0_2_8, mk512_0_3_8},
                                         {mk512_1_1_8, mk512_1_2_8, mk512_1_3_8}};

/// nn (ta = 0) and tn (ta = 1) on AVX-512.
ORK_AVX512 static void gemm_bcast_avx512(int ta, long m, long n, long k, const float *a, long lda,
                                         const float *b, long ldb, float *c, long ldc,
                                         int accumulate) {
    if (m <= 0 || n <= 0) return;
    if (k <= 0) {
        if (!accumulate) zero_c(m, n, c, ldc);
        return;
    }
    // Wide tiles when there are few rows: more independent sums per row, and
    // longer contiguous runs of each row of B.
    const int nvmain = (m <= 3 && n > 64) ? 8 : (m <= 6 && n > 32) ? 4 : (n > 16 ? 2 : 1);
    const long nr = 16L * nvmain;
    for (long k0 = 0; k0 < k; k0 += ORK_GEMM_KC) {
        const long kc = ork__min(ORK_GEMM_KC, k - k0);
        const int init = accumulate || k0 > 0;
        const float *ak = ta ? a + k0 * lda : a + k0;
        const float *bk = b + k0 * ldb;
        for (long i0 = 0; i0 < m; i0 += ORK_GEMM_MB) {
            const long mb = ork__min(ORK_GEMM_MB, m - i0);
            for (long j0 = 0; j0 < n; j0 += nr) {
                const long nb = ork__min(nr, n - j0);
                const int nv = (int)((nb + 15) / 16);
                __mmask16 mask[8];
                for (int v = 0; v < 8; v++) {
                    const long lanes = ork__max(0, ork__min(16, nb - 16L * v));
                    mask[v] = (__mmask16)((1u << lanes) - 1u);
                }
                const long mrmax = nv > 4 ? 3 : nv > 2 ? 6 : 12;
                const long tiles = (mb + mrmax - 1) / mrmax;
                for (long t = 0; t < tiles; t++) {
                    const long r0 = i0 + t * mb / tiles, r1 = i0 + (t + 1) * mb / tiles;
                    const int mr = (int)(r1 - r0);
                    const float *at = ta ? ak + r0 : ak + r0 * lda;
                    float *ct = c + r0 * ldc + j0;
                    mk512_fn f = nv > 4 ? mk512_nv8[ta][mr - 1] : nv > 2 ? mk512_nv4[ta][mr - 1]
                               : nv == 2 ? mk512_nv2[ta][mr - 1] : mk512_nv1[ta][mr - 1];
                    f(kc, at, lda, bk + j0, ldb, ct, ldc, init, mask);
                }
            }
        }
    }
}

ORK_AVX512 void ork_gemm_nn_avx512(long m, long n, long k, const float *a, long lda,
                                   const float *b, long ldb, float *c, long ldc, int accumulate) {
    gemm_bcast_avx512(0, m, n, k, a, lda, b, ldb, c, ldc, accumulate);
}

ORK_AVX512 void ork_gemm_tn_avx512(long m, long n, long k, const float *a, long lda,
                                   const float *b, long ldb, float *c, long ldc, int accumulate) {
    gemm_bcast_avx512(1, m, n, k, a, lda, b, ldb, c, ldc, accumulate);
}

/// 4×4 block of A·Bᵀ by dot products: rows a0..a3 of A, rows b0..b3 of B;
/// writes the valid mr × nr corner of C.
ORK_AVX512 static ORK_AI void nt_tile_avx512(long k, const float *const ar[4],
                                             const float *const br[4], float *c, long ldc,
                                             long mr, long nr, int accumulate) {
    // acc[4j + i] = (row i of A) · (row j of B), so the reduction below lands
    // the result in row-major order: lane 4i + j.
    __m512 acc[16];
    for (int v = 0; v < 16; v++) acc[v] = _mm512_setzero_ps();
    long p = 0;
    for (; p + 16 <= k; p += 16) {
        __m512 av[4], bv[4];
        for (int i = 0; i < 4; i++) av[i] = _mm512_loadu_ps(ar[i] + p);
        for (int j = 0; j < 4; j++) bv[j] = _mm512_loadu_ps(br[j] + p);
        for (int j = 0; j < 4; j++)
            for (int i = 0; i < 4; i++) acc[4 * j + i] = _mm512_fmadd_ps(av[i], bv[j], acc[4 * j + i]);
    }
    if (p < k) {
        const __mmask16 km = (__mmask16)((1u << (k - p)) - 1u);
        __m512 av[4], bv[4];
        for (int i = 0; i < 4; i++) av[i] = _mm512_maskz_loadu_ps(km, ar[i] + p);
        for (int j = 0; j < 4; j++) bv[j] = _mm512_maskz_loadu_ps(km, br[j] + p);
        for (int j = 0; j < 4; j++)
            for (int i = 0; i < 4; i++) acc[4 * j + i] = _mm512_fmadd_ps(av[i], bv[j], acc[4 * j + i]);
    }
    // Pairwise tree per accumulator: lanes l + (l+8), then +4, +2, +1.
    __m512 x[8], y[4], z[2];
    for (int q = 0; q < 8; q++)
        x[q] = _mm512_add_ps(_mm512_shuffle_f32x4(acc[2 * q], acc[2 * q + 1], _MM_SHUFFLE(1, 0, 1, 0)),
                             _mm512_shuffle_f32x4(acc[2 * q], acc[2 * q + 1], _MM_SHUFFLE(3, 2, 3, 2)));
    // x[q]: lanes 0-7 the 8 partial sums of acc[2q], lanes 8-15 those of acc[2q+1].
    for (int q = 0; q < 4; q++)
        y[q] = _mm512_add_ps(_mm512_shuffle_f32x4(x[2 * q], x[2 * q + 1], _MM_SHUFFLE(2, 0, 2, 0)),
                             _mm512_shuffle_f32x4(x[2 * q], x[2 * q + 1], _MM_SHUFFLE(3, 1, 3, 1)));
    // y[q]: 128-bit block t holds the 4 partial sums of acc[4q + t].
    for (int q = 0; q < 2; q++)
        z[q] = _mm512_add_ps(_mm512_shuffle_ps(y[2 * q], y[2 * q + 1], _MM_SHUFFLE(1, 0, 1, 0)),
                             _mm512_shuffle_ps(y[2 * q], y[2 * q + 1], _MM_SHUFFLE(3, 2, 3, 2)));
    // z[q]: block t = 2 partial sums of acc[8q + t], then 2 of acc[8q + 4 + t].
    const __m512 f = _mm512_add_ps(_mm512_shuffle_ps(z[0], z[1], _MM_SHUFFLE(2, 0, 2, 0)),
                                   _mm512_shuffle_ps(z[0], z[1], _MM_SHUFFLE(3, 1, 3, 1)));
    // f: block t = sums of acc[t], acc[4 + t], acc[8 + t], acc[12 + t], i.e.
    // lane 4i + j = (row i of A) · (row j of B).
    const __mmask8 nm = (__mmask8)((1u << nr) - 1u);
    __m128 rows[4] = {_mm512_castps512_ps128(f), _mm512_extractf32x4_ps(f, 1),
                      _mm512_extractf32x4_ps(f, 2), _mm512_extractf32x4_ps(f, 3)};
    for (long i = 0; i < mr; i++) {
        float *ci = c + i * ldc;
        __m128 r = rows[i];
        if (accumulate) r = _mm_add_ps(_mm_maskz_loadu_ps(nm, ci), r);
        _mm_mask_storeu_ps(ci, nm, r);
    }
}

ORK_AVX512 static void nt_dot_avx512(long m, long n, long k, const float *a, long lda,
                                     const float *b, long ldb, float *c, long ldc, int accumulate) {
    // Rows of A per block, so the block (mb × k) stays in L2 across all of B.
    const long mblk = ork__max(4, (65536 / k) & ~3L);
    for (long i00 = 0; i00 < m; i00 += mblk) {
        const long iend = ork__min(m, i00 + mblk);
        for (long j0 = 0; j0 < n; j0 += 4) {
            const long nr = ork__min(4, n - j0);
            const float *br[4];
            for (int j = 0; j < 4; j++) br[j] = b + ork__min(j0 + j, n - 1) * ldb;
            for (long i0 = i00; i0 < iend; i0 += 4) {
                const long mr = ork__min(4, iend - i0);
                const float *ar[4];
                for (int i = 0; i < 4; i++) ar[i] = a + ork__min(i0 + i, iend - 1) * lda;
                nt_tile_avx512(k, ar, br, c + i0 * ldc + j0, ldc, mr, nr, accumulate);
            }
        }
    }
}

ORK_AVX512 void ork_gemm_nt_avx512(long m, long n, long k, const float *a, long lda,
                                   const float *b, long ldb, float *c, long ldc, int accumulate) {
    if (m <= 0 || n <= 0) return;
    if (k <= 0) {
        if (!accumulate) zero_c(m, n, c, ldc);
        return;
    }
    if (k >= ORK_GEMM_NT_DOT_MIN_K) {
        nt_dot_avx512(m, n, k, a, lda, b, ldb, c, ldc, accumulate);
        return;
    }
    float bt[ORK_GEMM_NT_DOT_MIN_K * ORK_GEMM_NT_NB];
    for (long j0 = 0; j0 < n; j0 += ORK_GEMM_NT_NB) {
        const long nb = ork__min(ORK_GEMM_NT_NB, n - j0);
        pack_bt(nb, k, b + j0 * ldb, ldb, bt);
        gemm_bcast_avx512(0, m, nb, k, a, lda, bt, ORK_GEMM_NT_NB, c + j0, ldc, accumulate);
    }
}

// ---- AVX2 ------------------------------------------------------------------

// As mk512_body with 8-wide vectors, up to 6 rows × 2 vectors; with
// `masked`, one vector whose lanes are chosen by `mask`.
ORK_AVX2 static ORK_AI void mk256_body(const int ta, const int mr, const int nv, const int masked,
                                       long kc, const float *a, long lda, const float *b, long ldb,
                                       float *c, long ldc, int init, __m256i mask) {
    __m256 acc[6][2];
#pragma clang loop unroll(full)
    for (int r = 0; r < mr; r++)
#pragma clang loop unroll(full)
        for (int v = 0; v < nv; v++)
            acc[r][v] = !init ? _mm256_setzero_ps()
                      : masked ? _mm256_maskload_ps(c + r * ldc, mask) : _mm256_loadu_ps(c + r * ldc + 8 * v);
    for (long p = 0; p < kc; p++) {
        __m256 bv[2];
        const float *bp = b + p * ldb;
#pragma clang loop unroll(full)
        for (int v = 0; v < nv; v++) bv[v] = masked ? _mm256_maskload_ps(bp, mask) : _mm256_loadu_ps(bp + 8 * v);
#pragma clang loop unroll(full)
        for (int r = 0; r < mr; r++) {
            const __m256 av = _mm256_broadcast_ss(ta ? &a[p * lda + r] : &a[r * lda + p]);
#pragma clang loop unroll(full)
            for (int v = 0; v < nv; v++) acc[r][v] = _mm256_fmadd_ps(av, bv[v], acc[r][v]);
        }
    }
#pragma clang loop unroll(full)
    for (int r = 0; r < mr; r++)
#pragma clang loop unroll(full)
        for (int v = 0; v < nv; v++) {
            if (masked) _mm256_maskstore_ps(c + r * ldc, mask, acc[r][v]);
            else _mm256_storeu_ps(c + r * ldc + 8 * v, acc[r][v]);
        }
}

typedef void (*mk256_fn)(long kc, const float *a, long lda, const float *b, long ldb,
                         float *c, long ldc, int init, __m256i mask);

#define MK256(TA, MR, NV, MS)                                                                   \
    ORK_AVX2 static void mk256_##TA##_##MR##_##NV##_##MS(long kc, const float *a, long lda,     \
                                                         const float *b, long ldb, float *c,    \
                                                         long ldc, int init, __m256i mask) {    \
        mk256_body(TA, MR, NV, MS, kc, a, lda, b, ldb, c, ldc, init, mask);                     \
    }
#define MK256_6(TA, NV, MS) MK256(TA, 1, NV, MS) MK256(TA, 2, NV, MS) MK256(TA, 3, NV, MS) \
    MK256(TA, 4, NV, MS) MK256(TA, 5, NV, MS) MK256(TA, 6, NV, MS)
MK256_6(0, 1, 0) MK256_6(1, 1, 0) MK256_6(0, 2, 0) MK256_6(1, 2, 0) MK256_6(0, 1, 1) MK256_6(1, 1, 1)
#define MK256_ROW6(TA, NV, MS) \
    mk256_##TA##_1_##NV##_##MS, mk256_##TA##_2_##NV##_##MS, mk256_##TA##_3_##NV##_##MS, \
    mk256_##TA##_4_##NV##_##MS, mk256_##TA##_5_##NV##_##MS, mk256_##TA##_6_##NV##_##MS
/// [ta][variant: 1 vector, 2 vectors, 1 masked vector][rows - 1]
static mk256_fn const mk256_tab[2][3][6] = {
    {{MK256_ROW6(0, 1, 0)}, {MK256_ROW6(0, 2, 0)}, {MK256_ROW6(0, 1, 1)}},
    {{MK256_ROW6(1, 1, 0)}, {MK256_ROW6(1, 2, 0)}, {MK256_ROW6(1, 1, 1)}},
};

ORK_AVX2 static void gemm_bcast_avx2(int ta, long m, long n, long k, const float *a, long lda,
                                     const float *b, long ldb, float *c, long ldc, int accumulate) {
    if (m <= 0 || n <= 0) return;
    if (k <= 0) {
        if (!accumulate) zero_c(m, n, c, ldc);
        return;
    }
    const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    const __m256i nomask = _mm256_set1_epi32(-1);
    for (long k0 = 0; k0 < k; k0 += ORK_GEMM_KC) {
        const long kc = ork__min(ORK_GEMM_KC, k - k0);
        const int init = accumulate || k0 > 0;
        const float *ak = ta ? a + k0 * lda : a + k0;
        const float *bk = b + k0 * ldb;
        for (long i0 = 0; i0 < m; i0 += ORK_GEMM_MB) {
            const long mb = ork__min(ORK_GEMM_MB, m - i0);
            const long tiles = (mb + 5) / 6;
            for (long j0 = 0; j0 < n; j0 += 16) {
                const long nb = ork__min(16, n - j0);
                const long nfull = nb / 8, rem = nb % 8;
                const __m256i mask = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)rem), lane);
                for (long t = 0; t < tiles; t++) {
                    const long r0 = i0 + t * mb / tiles, r1 = i0 + (t + 1) * mb / tiles;
                    const int mr = (int)(r1 - r0);
                    const float *at = ta ? ak + r0 : ak + r0 * lda;
                    float *ct = c + r0 * ldc + j0;
                    if (nfull > 0)
                        mk256_tab[ta][nfull - 1][mr - 1](kc, at, lda, bk + j0, ldb, ct, ldc, init, nomask);
                    if (rem > 0)
                        mk256_tab[ta][2][mr - 1](kc, at, lda, bk + j0 + 8 * nfull, ldb, ct + 8 * nfull,
                                                 ldc, init, mask);
                }
            }
        }
    }
}

ORK_AVX2 void ork_gemm_nn_avx2(long m, long n, long k, const float *a, long lda,
                               const float *b, long ldb, float *c, long ldc, int accumulate) {
    gemm_bcast_avx2(0, m, n, k, a, lda, b, ldb, c, ldc, accumulate);
}

ORK_AVX2 void ork_gemm_tn_avx2(long m, long n, long k, const float *a, long lda,
                               const float *b, long ldb, float *c, long ldc, int accumulate) {
    gemm_bcast_avx2(1, m, n, k, a, lda, b, ldb, c, ldc, accumulate);
}

/// Sums each of 4 vectors with the tree l + (l+4), then +2, +1; returns the
/// 4 sums in order.
ORK_AVX2 static ORK_AI __m128 hsum4x8_avx2(__m256 v0, __m256 v1, __m256 v2, __m256 v3) {
    const __m256 x = _mm256_add_ps(_mm256_permute2f128_ps(v0, v1, 0x20), _mm256_permute2f128_ps(v0, v1, 0x31));
    const __m256 y = _mm256_add_ps(_mm256_permute2f128_ps(v2, v3, 0x20), _mm256_permute2f128_ps(v2, v3, 0x31));
    // x = [4 partial sums of v0 | of v1], y likewise for v2, v3.
    const __m256 z = _mm256_add_ps(_mm256_shuffle_ps(x, y, _MM_SHUFFLE(1, 0, 1, 0)),
                                   _mm256_shuffle_ps(x, y, _MM_SHUFFLE(3, 2, 3, 2)));
    // z = [2 of v0, 2 of v2 | 2 of v1, 2 of v3]
    const __m256 w = _mm256_add_ps(_mm256_shuffle_ps(z, z, _MM_SHUFFLE(2, 0, 2, 0)),
                                   _mm256_shuffle_ps(z, z, _MM_SHUFFLE(3, 1, 3, 1)));
    // w = [v0, v2, v0, v2 | v1, v3, v1, v3]
    return _mm_unpacklo_ps(_mm256_castps256_ps128(w), _mm256_extractf128_ps(w, 1));
}

/// 2×4 block of A·Bᵀ by dot products (clamped rows, valid corner stored).
ORK_AVX2 static ORK_AI void nt_tile_avx2(long k, const float *const ar[2], const float *const br[4],
                                         float *c, long ldc, long mr, long nr, int accumulate,
                                         __m256i kmask) {
    __m256 acc[2][4];
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 4; j++) acc[i][j] = _mm256_setzero_ps();
    long p = 0;
    for (; p + 8 <= k; p += 8) {
        __m256 bv[4];
        for (int j = 0; j < 4; j++) bv[j] = _mm256_loadu_ps(br[j] + p);
        for (int i = 0; i < 2; i++) {
            const __m256 av = _mm256_loadu_ps(ar[i] + p);
            for (int j = 0; j < 4; j++) acc[i][j] = _mm256_fmadd_ps(av, bv[j], acc[i][j]);
        }
    }
    if (p < k) {
        __m256 bv[4];
        for (int j = 0; j < 4; j++) bv[j] = _mm256_maskload_ps(br[j] + p, kmask);
        for (int i = 0; i < 2; i++) {
            const __m256 av = _mm256_maskload_ps(ar[i] + p, kmask);
            for (int j = 0; j < 4; j++) acc[i][j] = _mm256_fmadd_ps(av, bv[j], acc[i][j]);
        }
    }
    const __m128i nm = _mm_cmpgt_epi32(_mm_set1_epi32((int)nr), _mm_setr_epi32(0, 1, 2, 3));
    for (long i = 0; i < mr; i++) {
        __m128 r = hsum4x8_avx2(acc[i][0], acc[i][1], acc[i][2], acc[i][3]);
        float *ci = c + i * ldc;
        if (accumulate) r = _mm_add_ps(_mm_maskload_ps(ci, nm), r);
        _mm_maskstore_ps(ci, nm, r);
    }
}

ORK_AVX2 static void nt_dot_avx2(long m, long n, long k, const float *a, long lda,
                                 const float *b, long ldb, float *c, long ldc, int accumulate) {
    const __m256i kmask = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)(k % 8)),
                                             _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    const long mblk = ork__max(2, (65536 / k) & ~1L);
    for (long i00 = 0; i00 < m; i00 += mblk) {
        const long iend = ork__min(m, i00 + mblk);
        for (long j0 = 0; j0 < n; j0 += 4) {
            const long nr = ork__min(4, n - j0);
            const float *br[4];
            for (int j = 0; j < 4; j++) br[j] = b + ork__min(j0 + j, n - 1) * ldb;
            for (long i0 = i00; i0 < iend; i0 += 2) {
                const long mr = ork__min(2, iend - i0);
                const float *ar[2] = {a + i0 * lda, a + ork__min(i0 + 1, iend - 1) * lda};
                nt_tile_avx2(k, ar, br, c + i0 * ldc + j0, ldc, mr, nr, accumulate, kmask);
            }
        }
    }
}

ORK_AVX2 void ork_gemm_nt_avx2(long m, long n, long k, const float *a, long lda,
                               const float *b, long ldb, float *c, long ldc, int accumulate) {
    if (m <= 0 || n <= 0) return;
    if (k <= 0) {
        if (!accumulate) zero_c(m, n, c, ldc);
        return;
    }
    if (k >= ORK_GEMM_NT_DOT_MIN_K) {
        nt_dot_avx2(m, n, k, a, lda, b, ldb, c, ldc, accumulate);
        return;
    }
    float bt[ORK_GEMM_NT_DOT_MIN_K * ORK_GEMM_NT_NB];
    for (long j0 = 0; j0 < n; j0 += ORK_GEMM_NT_NB) {
        const long nb = ork__min(ORK_GEMM_NT_NB, n - j0);
        pack_bt(nb, k, b + j0 * ldb, ldb, bt);
        gemm_bcast_avx2(0, m, nb, k, a, lda, bt, ORK_GEMM_NT_NB, c + j0, ldc, accumulate);
    }
}

#endif // ORK_X86

// ---- dispatch --------------------------------------------------------------

void ork_gemm_nn(long m, long n, long k, const float *a, long lda, const float *b, long ldb,
                 float *c, long ldc, int accumulate) {
    switch (ork__isa()) {
#if ORK_X86
    case ORK_ISA_AVX512: ork_gemm_nn_avx512(m, n, k, a, lda, b, ldb, c, ldc, accumulate); return;
    case ORK_ISA_AVX2: ork_gemm_nn_avx2(m, n, k, a, lda, b, ldb, c, ldc, accumulate); return;
#endif
    default: ork_gemm_nn_ref(m, n, k, a, lda, b, ldb, c, ldc, accumulate); return;
    }
}

void ork_gemm_tn(long m, long n, long k, const float *a, long lda, const float *b, long ldb,
                 float *c, long ldc, int accumulate) {
    switch (ork__isa()) {
#if ORK_X86
    case ORK_ISA_AVX512: ork_gemm_tn_avx512(m, n, k, a, lda, b, ldb, c, ldc, accumulate); return;
    case ORK_ISA_AVX2: ork_gemm_tn_avx2(m, n, k, a, lda, b, ldb, c, ldc, accumulate); return;
#endif
    default: ork_gemm_tn_ref(m, n, k, a, lda, b, ldb, c, ldc, accumulate); return;
    }
}

void ork_gemm_nt(long m, long n, long k, const float *a, long lda, const float *b, long ldb,
                 float *c, long ldc, int accumulate) {
    switch (ork__isa()) {
#if ORK_X86
    case ORK_ISA_AVX512: ork_gemm_nt_avx512(m, n, k, a, lda, b, ldb, c, ldc, accumulate); return;
    case ORK_ISA_AVX2: ork_gemm_nt_avx2(m, n, k, a, lda, b, ldb, c, ldc, accumulate); return;
#endif
    default: ork_gemm_nt_ref(m, n, k, a, lda, b, ldb, c, ldc, accumulate); return;
    }
}
