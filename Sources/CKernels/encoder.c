// Transformer encoder kernels (ckernels_encoder.h): dense layers on packed
// weights with fused epilogues, LayerNorm, GELU, and per-sequence attention
// over a packed batch. References first, then the vector bodies (one source,
// encoder_simd.h, included for AVX-512 and AVX2), then the dispatching,
// threaded entry points.
#include "kernels_internal.h"
#include "ckernels_encoder.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

long ork_packed_weight_count(long n, long k) {
    return (n + ORK_PANEL_WIDTH - 1) / ORK_PANEL_WIDTH * ORK_PANEL_WIDTH * k;
}

void ork_pack_weight(const float *w, long n, long k, float *packed) {
    for (long j0 = 0; j0 < n; j0 += ORK_PANEL_WIDTH) {
        float *panel = packed + j0 * k;
        for (long p = 0; p < k; p++)
            for (long jj = 0; jj < ORK_PANEL_WIDTH; jj++)
                panel[p * ORK_PANEL_WIDTH + jj] = j0 + jj < n ? w[(j0 + jj) * k + p] : 0.0f;
    }
}

uint16_t ork_fp32_to_bf16(float f) {
    uint32_t u;
    memcpy(&u, &f, 4);
    if ((u & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((u >> 16) | 0x40);  // NaN stays a (quiet) NaN
    u += 0x7fffu + ((u >> 16) & 1u);
    return (uint16_t)(u >> 16);
}

float ork_bf16_to_fp32(uint16_t h) {
    const uint32_t u = (uint32_t)h << 16;
    float f;
    memcpy(&f, &u, 4);
    return f;
}

long ork_packed_weight_bf16_count(long n, long k) {
    return (n + ORK_PANEL_WIDTH - 1) / ORK_PANEL_WIDTH * ORK_PANEL_WIDTH * ((k + 1) / 2 * 2);
}

void ork_pack_weight_bf16(const float *w, long n, long k, uint16_t *packed) {
    const long pairs = (k + 1) / 2;
    for (long j0 = 0; j0 < n; j0 += ORK_PANEL_WIDTH) {
        uint16_t *panel = packed + j0 * 2 * pairs;
        for (long q = 0; q < pairs; q++)
            for (long jj = 0; jj < ORK_PANEL_WIDTH; jj++)
                for (long e = 0; e < 2; e++) {
                    const long j = j0 + jj, p = 2 * q + e;
                    panel[(q * ORK_PANEL_WIDTH + jj) * 2 + e] = j < n && p < k ? ork_fp32_to_bf16(w[j * k + p]) : 0;
                }
    }
}

/// Row i of A as bf16 pairs: word q = bf16(a[2q]) | bf16(a[2q+1]) << 16 (0 past k).
static void bf16_pairs_ref(const float *a, long k, uint32_t *out) {
    for (long q = 0; q < (k + 1) / 2; q++) {
        const uint32_t lo = ork_fp32_to_bf16(a[2 * q]), hi = 2 * q + 1 < k ? ork_fp32_to_bf16(a[2 * q + 1]) : 0;
        out[q] = lo | hi << 16;
    }
}

// ---- references ----------------------------------------------------------------

static float gelu_ref(float x) { return 0.5f * x * (1.0f + erff(x * 0.70710678118654752f)); }

void ork_linear_ref(long m, long n, long k, const float *a, long lda, const float *packed_w,
                    const float *bias, float *c, long ldc, ork_epilogue epilogue) {
    for (long i = 0; i < m; i++)
        for (long j = 0; j < n; j++) {
            const float *w = packed_w + (j / ORK_PANEL_WIDTH) * ORK_PANEL_WIDTH * k + j % ORK_PANEL_WIDTH;
            float s = 0.0f;
            for (long p = 0; p < k; p++) s += a[i * lda + p] * w[p * ORK_PANEL_WIDTH];
            if (bias) s += bias[j];
            float *cij = c + i * ldc + j;
            if (epilogue == ORK_EPILOGUE_BIAS_GELU) *cij = gelu_ref(s);
            else if (epilogue == ORK_EPILOGUE_BIAS_RESIDUAL) *cij += s;
            else *cij = s;
        }
}

void ork_linear_bf16_ref(long m, long n, long k, const float *a, long lda, const uint16_t *packed_w,
                         const float *bias, float *c, long ldc, ork_epilogue epilogue) {
    const long pairs = (k + 1) / 2;
    uint32_t *row = malloc(sizeof(uint32_t) * (size_t)ork__max(pairs, 1));
    for (long i = 0; i < m; i++) {
        bf16_pairs_ref(a + i * lda, k, row);
        for (long j = 0; j < n; j++) {
            const uint16_t *w = packed_w + (j / ORK_PANEL_WIDTH) * ORK_PANEL_WIDTH * 2 * pairs + (j % ORK_PANEL_WIDTH) * 2;
            float s = 0.0f;
            for (long q = 0; q < pairs; q++) {
                s += ork_bf16_to_fp32((uint16_t)row[q]) * ork_bf16_to_fp32(w[q * 2 * ORK_PANEL_WIDTH]);
                s += ork_bf16_to_fp32((uint16_t)(row[q] >> 16)) * ork_bf16_to_fp32(w[q * 2 * ORK_PANEL_WIDTH + 1]);
            }
            if (bias) s += bias[j];
            float *cij = c + i * ldc + j;
            if (epilogue == ORK_EPILOGUE_BIAS_GELU) *cij = gelu_ref(s);
            else if (epilogue == ORK_EPILOGUE_BIAS_RESIDUAL) *cij += s;
            else *cij = s;
        }
    }
    free(row);
}

void ork_gelu_ref(float *x, long n) {
    for (long i = 0; i < n; i++) x[i] = gelu_ref(x[i]);
}

void ork_layer_norm_ref(float *x, long rows, long cols, long ldx, const float *gamma, const float *beta, float eps) {
    for (long r = 0; r < rows; r++) {
        float *row = x + r * ldx;
        float mean = 0.0f;
        for (long i = 0; i < cols; i++) mean += row[i];
        mean /= (float)cols;
        float var = 0.0f;
        for (long i = 0; i < cols; i++) var += (row[i] - mean) * (row[i] - mean);
        const float inv = 1.0f / sqrtf(var / (float)cols + eps);
        for (long i = 0; i < cols; i++) row[i] = (row[i] - mean) * inv * gamma[i] + beta[i];
    }
}

static void attention_head_ref(const float *q, const float *k, const float *v, long ld_qkv, long len,
                               long head_dim, float scale, float *out, long ld_out, float *scores) {
    for (long i = 0; i < len; i++) {
        float mx = -INFINITY;
        for (long j = 0; j < len; j++) {
            float s = 0.0f;
            for (long d = 0; d < head_dim; d++) s += q[i * ld_qkv + d] * k[j * ld_qkv + d];
            scores[j] = s * scale;
            if (scores[j] > mx) mx = scores[j];
        }
        float sum = 0.0f;
        for (long j = 0; j < len; j++) { scores[j] = expf(scores[j] - mx); sum += scores[j]; }
        for (long d = 0; d < head_dim; d++) {
            float o = 0.0f;
            for (long j = 0; j < len; j++) o += scores[j] * v[j * ld_qkv + d];
            out[i * ld_out + d] = o / sum;
        }
    }
}

void ork_encoder_attention_ref(const float *qkv, long ld_qkv, const long *starts, const long *lengths,
                               long sequences, long n_heads, long head_dim, float scale,
                               float *out, long ld_out) {
    const long hidden = n_heads * head_dim;
    long longest = 0;
    for (long s = 0; s < sequences; s++) longest = ork__max(longest, lengths[s]);
    float *scores = malloc(sizeof(float) * (size_t)ork__max(longest, 1));
    for (long s = 0; s < sequences; s++)
        for (long h = 0; h < n_heads; h++) {
            const float *base = qkv + starts[s] * ld_qkv + h * head_dim;
            attention_head_ref(base, base + hidden, base + 2 * hidden, ld_qkv, lengths[s], head_dim, scale,
                               out + starts[s] * ld_out + h * head_dim, ld_out, scores);
        }
    free(scores);
}

// ---- vector bodies ---------------------------------------------------------------

#if ORK_X86

// AVX-512: 16 lanes, tiles of 12 rows × 32 columns (24 accumulators).
#define V __m512
#define VL 16
#define MR 12
#define V_TARGET ORK_AVX512
#define V_BF16_TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx512bf16")))
#define V_NAME(x) x##_avx512
#define vzero() _mm512_setzero_ps()
#define vset1(x) _mm512_set1_ps(x)
#define vload(p) _mm512_loadu_ps(p)
#define vstore(p, v) _mm512_storeu_ps(p, v)
#define vadd(a, b) _mm512_add_ps(a, b)
#define vsub(a, b) _mm512_sub_ps(a, b)
#define vmul(a, b) _mm512_mul_ps(a, b)
#define vdiv(a, b) _mm512_div_ps(a, b)
#define vmax(a, b) _mm512_max_ps(a, b)
#define vfma(a, b, c) _mm512_fmadd_ps(a, b, c)
#define vabs(a) _mm512_abs_ps(a)
#define vneg(a) _mm512_sub_ps(_mm512_setzero_ps(), a)
#define vround(a) _mm512_roundscale_ps(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)
#define vhsum(a) _mm512_reduce_add_ps(a)
#define vhmax(a) _mm512_reduce_max_ps(a)
ORK_AVX512 static inline __mmask16 lanes16(long n) {
    return n >= 16 ? (__mmask16)0xffff : n <= 0 ? (__mmask16)0 : (__mmask16)((1u << n) - 1);
}
#define vload_n(p, n) _mm512_maskz_loadu_ps(lanes16(n), p)
#define vstore_n(p, v, n) _mm512_mask_storeu_ps(p, lanes16(n), v)
#define vkeep_n(a, n) _mm512_maskz_mov_ps(lanes16(n), a)
#define vkeep_n_or(a, n, fill) _mm512_mask_mov_ps(_mm512_set1_ps(fill), lanes16(n), a)
#define vselect_ge0(x, a, b) _mm512_mask_blend_ps(_mm512_cmp_ps_mask(x, _mm512_setzero_ps(), _CMP_GE_OQ), b, a)
#define vpow2i(n) _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_add_epi32(_mm512_cvtps_epi32(n), _mm512_set1_epi32(127)), 23))
#include "encoder_simd.h"
#undef V
#undef VL
#undef MR
#undef V_TARGET
#undef V_BF16_TARGET
#undef V_NAME
#undef vzero
#undef vset1
#undef vload
#undef vstore
#undef vadd
#undef vsub
#undef vmul
#undef vdiv
#undef vmax
#undef vfma
#undef vabs
#undef vneg
#undef vround
#undef vhsum
#undef vhmax
#undef vload_n
#undef vstore_n
#undef vkeep_n
#undef vkeep_n_or
#undef vselect_ge0
#undef vpow2i

/// A row as bf16 pairs (as bf16_pairs_ref), 32 values per vcvtne2ps2bf16.
__attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx512bf16")))
static void bf16_pairs_avx512(const float *a, long k, uint32_t *out) {
    long p = 0;
    for (; p + 32 <= k; p += 32)
        _mm512_storeu_si512(out + p / 2, (__m512i)_mm512_cvtne2ps_pbh(_mm512_loadu_ps(a + p + 16), _mm512_loadu_ps(a + p)));
    if (p < k) bf16_pairs_ref(a + p, k - p, out + p / 2);
}

// AVX2 + FMA: 8 lanes, tiles of 3 rows × 32 columns (12 accumulators of 16 registers).
ORK_AVX2 static inline __m256i lanes8(long n) {
    const long c = n < 0 ? 0 : n > 8 ? 8 : n;
    return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)c), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}
ORK_AVX2 static inline float hsum8(__m256 a) {
    __m128 r = _mm_add_ps(_mm256_extractf128_ps(a, 1), _mm256_castps256_ps128(a));
    r = _mm_add_ps(r, _mm_movehl_ps(r, r));
    r = _mm_add_ss(r, _mm_movehdup_ps(r));
    return _mm_cvtss_f32(r);
}
ORK_AVX2 static inline float hmax8(__m256 a) {
    __m128 r = _mm_max_ps(_mm256_extractf128_ps(a, 1), _mm256_castps256_ps128(a));
    r = _mm_max_ps(r, _mm_movehl_ps(r, r));
    r = _mm_max_ss(r, _mm_movehdup_ps(r));
    return _mm_cvtss_f32(r);
}
#define V __m256
#define VL 8
#define MR 3
#define V_TARGET ORK_AVX2
#define V_NAME(x) x##_avx2
#define vzero() _mm256_setzero_ps()
#define vset1(x) _mm256_set1_ps(x)
#define vload(p) _mm256_loadu_ps(p)
#define vstore(p, v) _mm256_storeu_ps(p, v)
#define vadd(a, b) _mm256_add_ps(a, b)
#define vsub(a, b) _mm256_sub_ps(a, b)
#define vmul(a, b) _mm256_mul_ps(a, b)
#define vdiv(a, b) _mm256_div_ps(a, b)
#define vmax(a, b) _mm256_max_ps(a, b)
#define vfma(a, b, c) _mm256_fmadd_ps(a, b, c)
#define vabs(a) _mm256_andnot_ps(_mm256_set1_ps(-0.0f), a)
#define vneg(a) _mm256_sub_ps(_mm256_setzero_ps(), a)
#define vround(a) _mm256_round_ps(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)
#define vhsum(a) hsum8(a)
#define vhmax(a) hmax8(a)
#define vload_n(p, n) _mm256_maskload_ps(p, lanes8(n))
#define vstore_n(p, v, n) _mm256_maskstore_ps(p, lanes8(n), v)
#define vkeep_n(a, n) _mm256_and_ps(a, _mm256_castsi256_ps(lanes8(n)))
#define vkeep_n_or(a, n, fill) _mm256_blendv_ps(_mm256_set1_ps(fill), a, _mm256_castsi256_ps(lanes8(n)))
#define vselect_ge0(x, a, b) _mm256_blendv_ps(b, a, _mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_GE_OQ))
#define vpow2i(n) _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23))
#include "encoder_simd.h"
#undef V
#undef VL
#undef MR
#undef V_TARGET
#undef V_NAME
#undef vzero
#undef vset1
#undef vload
#undef vstore
#undef vadd
#undef vsub
#undef vmul
#undef vdiv
#undef vmax
#undef vfma
#undef vabs
#undef vneg
#undef vround
#undef vhsum
#undef vhmax
#undef vload_n
#undef vstore_n
#undef vkeep_n
#undef vkeep_n_or
#undef vselect_ge0
#undef vpow2i

#endif

// ---- dispatching, threaded entry points --------------------------------------------

/// Rows per task, about, when a product is split by rows: four AVX-512 tiles,
/// enough work per task to hide the fork/join and the re-read of the weight,
/// and a task count that is a multiple of the thread count (balanced).
#define ORK_LINEAR_ROW_BLOCK 48

typedef struct {
    long m, n, k, lda, ldc, row_block, panel_block, panels;
    const float *a, *w, *bias;
    float *c;
    ork_epilogue epilogue;
    ork_isa isa;
} linear_job;

static void linear_task(void *context, long index) {
    const linear_job *job = context;
    long i0 = 0, m = job->m, p0 = 0, p1 = job->panels;
    if (job->row_block > 0) {
        i0 = index * job->row_block;
        m = ork__min(job->row_block, job->m - i0);
    } else {
        p0 = index * job->panel_block;
        p1 = ork__min(job->panels, p0 + job->panel_block);
    }
    const float *a = job->a + i0 * job->lda;
    float *c = job->c + i0 * job->ldc;
#if ORK_X86
    if (job->isa == ORK_ISA_AVX512) {
        linear_block_avx512(m, job->n, job->k, a, job->lda, job->w, job->bias, c, job->ldc, p0, p1, job->epilogue);
        return;
    }
    if (job->isa == ORK_ISA_AVX2) {
        linear_block_avx2(m, job->n, job->k, a, job->lda, job->w, job->bias, c, job->ldc, p0, p1, job->epilogue);
        return;
    }
#endif
    // Only vector ISAs reach the pool (ork_linear runs the reference itself);
    // a column block would be the reference on columns p0·32 ..< p1·32.
    const long j0 = p0 * ORK_PANEL_WIDTH, j1 = ork__min(job->n, p1 * ORK_PANEL_WIDTH);
    ork_linear_ref(m, j1 - j0, job->k, a, job->lda, job->w + j0 * job->k, job->bias ? job->bias + j0 : NULL,
                   c + j0, job->ldc, job->epilogue);
}

void ork_linear(long m, long n, long k, const float *a, long lda, const float *packed_w,
                const float *bias, float *c, long ldc, ork_epilogue epilogue) {
    if (m <= 0 || n <= 0) return;
    const ork_isa isa = ork__isa();
    if (isa == ORK_ISA_SCALAR) {
        ork_linear_ref(m, n, k, a, lda, packed_w, bias, c, ldc, epilogue);
        return;
    }
    const long panels = (n + ORK_PANEL_WIDTH - 1) / ORK_PANEL_WIDTH;
    const long threads = ork_thread_count();
    linear_job job = {m, n, k, lda, ldc, 0, 0, panels, a, packed_w, bias, c, epilogue, isa};
    long tasks;
    if (m >= 2 * ORK_LINEAR_ROW_BLOCK || threads == 1) {
        tasks = threads * ork__max(1, m / (threads * ORK_LINEAR_ROW_BLOCK));
        job.row_block = (m + tasks - 1) / tasks;
        tasks = (m + job.row_block - 1) / job.row_block;
    } else {
        // Few rows (one or two short sentences): split the output columns,
        // two groups of panels per thread.
        job.panel_block = ork__max(1, (panels + 2 * threads - 1) / (2 * threads));
        tasks = (panels + job.panel_block - 1) / job.panel_block;
    }
    ork_parallel_for(tasks, linear_task, &job);
}

int ork_has_native_bf16(void) {
#if ORK_X86
    static int cached = -1;
    if (cached < 0) { __builtin_cpu_init(); cached = __builtin_cpu_supports("avx512bf16") ? 1 : 0; }
    return cached && ork__isa() == ORK_ISA_AVX512;
#else
    return 0;
#endif
}

typedef struct {
    long m, n, k, lda, ldc, pairs, row_block, panel_block, panels;
    const float *a, *bias;
    const uint16_t *w;
    uint32_t *a16;  /* m × pairs: A as bf16 pairs */
    float *c;
    ork_epilogue epilogue;
} linear_bf16_job;

#if ORK_X86
static void linear_bf16_task(void *context, long index) {
    const linear_bf16_job *job = context;
    long i0 = 0, m = job->m, p0 = 0, p1 = job->panels;
    if (job->row_block > 0) {
        i0 = index * job->row_block;
        m = ork__min(job->row_block, job->m - i0);
        for (long i = i0; i < i0 + m; i++) bf16_pairs_avx512(job->a + i * job->lda, job->k, job->a16 + i * job->pairs);
    } else {
        p0 = index * job->panel_block;
        p1 = ork__min(job->panels, p0 + job->panel_block);
    }
    linear_block_bf16_avx512(m, job->n, job->pairs, job->a16 + i0 * job->pairs, job->pairs, job->w, job->bias,
                             job->c + i0 * job->ldc, job->ldc, p0, p1, job->epilogue);
}
#endif

void ork_linear_bf16(long m, long n, long k, const float *a, long lda, const uint16_t *packed_w,
                     const float *bias, float *c, long ldc, ork_epilogue epilogue) {
    if (m <= 0 || n <= 0) return;
#if ORK_X86
    if (ork_has_native_bf16()) {
        const long pairs = (k + 1) / 2, panels = (n + ORK_PANEL_WIDTH - 1) / ORK_PANEL_WIDTH;
        const long threads = ork_thread_count();
        uint32_t *a16 = malloc(sizeof(uint32_t) * (size_t)(m * ork__max(pairs, 1)));
        linear_bf16_job job = {m, n, k, lda, ldc, pairs, 0, 0, panels, a, bias, packed_w, a16, c, epilogue};
        long tasks;
        if (m >= 2 * ORK_LINEAR_ROW_BLOCK || threads == 1) {
            // Each row task converts its own rows of A.
            tasks = threads * ork__max(1, m / (threads * ORK_LINEAR_ROW_BLOCK));
            job.row_block = (m + tasks - 1) / tasks;
            tasks = (m + job.row_block - 1) / job.row_block;
        } else {
            for (long i = 0; i < m; i++) bf16_pairs_avx512(a + i * lda, k, a16 + i * pairs);
            job.panel_block = ork__max(1, (panels + 2 * threads - 1) / (2 * threads));
            tasks = (panels + job.panel_block - 1) / job.panel_block;
        }
        ork_parallel_for(tasks, linear_bf16_task, &job);
        free(a16);
        return;
    }
#endif
    ork_linear_bf16_ref(m, n, k, a, lda, packed_w, bias, c, ldc, epilogue);
}

void ork_gelu(float *x, long n) {
#if ORK_X86
    const ork_isa isa = ork__isa();
    if (isa == ORK_ISA_AVX512) { gelu_avx512(x, n); return; }
    if (isa == ORK_ISA_AVX2) { gelu_avx2(x, n); return; }
#endif
    ork_gelu_ref(x, n);
}

typedef struct {
    float *x;
    long rows, cols, ldx, block;
    const float *gamma, *beta;
    float eps;
    ork_isa isa;
} layer_norm_job;

static void layer_norm_task(void *context, long index) {
    const layer_norm_job *job = context;
    const long r0 = index * job->block, rows = ork__min(job->block, job->rows - r0);
    float *x = job->x + r0 * job->ldx;
#if ORK_X86
    if (job->isa == ORK_ISA_AVX512) { layer_norm_avx512(x, rows, job->cols, job->ldx, job->gamma, job->beta, job->eps); return; }
    if (job->isa == ORK_ISA_AVX2) { layer_norm_avx2(x, rows, job->cols, job->ldx, job->gamma, job->beta, job->eps); return; }
#endif
    ork_layer_norm_ref(x, rows, job->cols, job->ldx, job->gamma, job->beta, job->eps);
}

void ork_layer_norm(float *x, long rows, long cols, long ldx, const float *gamma, const float *beta, float eps) {
    if (rows <= 0 || cols <= 0) return;
    const ork_isa isa = ork__isa();
    if (isa == ORK_ISA_SCALAR) {
        ork_layer_norm_ref(x, rows, cols, ldx, gamma, beta, eps);
        return;
    }
    // Blocks of ~64k values: one block for a single sentence, a few per thread for a batch.
    const long block = ork__max(1, 65536 / cols);
    layer_norm_job job = {x, rows, cols, ldx, block, gamma, beta, eps, isa};
    ork_parallel_for((rows + block - 1) / block, layer_norm_task, &job);
}

typedef struct {
    const float *qkv;
    const long *starts, *lengths;
    long ld_qkv, n_heads, head_dim, ld_out;
    float scale;
    float *out;
    ork_isa isa;
} attention_job;

static void encoder_attention_task(void *context, long index) {
    const attention_job *job = context;
    const long s = index / job->n_heads, h = index % job->n_heads;
    const long len = job->lengths[s], hidden = job->n_heads * job->head_dim;
    if (len <= 0) return;
    const float *q = job->qkv + job->starts[s] * job->ld_qkv + h * job->head_dim;
    float *out = job->out + job->starts[s] * job->ld_out + h * job->head_dim;
    const long stride = (len + 15) / 16 * 16;
    const size_t need = (size_t)(stride * (job->head_dim + 4));
    float stack[8192];
    float *scratch = need <= 8192 ? stack : malloc(sizeof(float) * need);
#if ORK_X86
    if (job->isa == ORK_ISA_AVX512)
        attention_head_avx512(q, q + hidden, q + 2 * hidden, job->ld_qkv, len, job->head_dim, job->scale, out,
                              job->ld_out, scratch, scratch + stride * job->head_dim, stride);
    else if (job->isa == ORK_ISA_AVX2)
        attention_head_avx2(q, q + hidden, q + 2 * hidden, job->ld_qkv, len, job->head_dim, job->scale, out,
                            job->ld_out, scratch, scratch + stride * job->head_dim, stride);
    else
#endif
        attention_head_ref(q, q + hidden, q + 2 * hidden, job->ld_qkv, len, job->head_dim, job->scale, out,
                           job->ld_out, scratch);
    if (scratch != stack) free(scratch);
}

void ork_encoder_attention(const float *qkv, long ld_qkv, const long *starts, const long *lengths,
                           long sequences, long n_heads, long head_dim, float scale,
                           float *out, long ld_out) {
    if (sequences <= 0 || n_heads <= 0 || head_dim <= 0) return;
    attention_job job = {qkv, starts, lengths, ld_qkv, n_heads, head_dim, ld_out, scale, out, ork__isa()};
    ork_parallel_for(sequences * n_heads, encoder_attention_task, &job);
}
