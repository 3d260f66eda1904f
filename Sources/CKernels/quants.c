// Quantized blocks with ggml's layouts (ggml-common.h) and their dot
// products, as llama.cpp computes a quantized matrix times activations:
// each activation row is quantized once (to Q8_1 for Q4_1 weights, Q8_0 for
// Q4_0 and Q8_0 weights), then every weight row is dotted with it block by
// block in integers and scaled in float.
//
// The activation quantizers follow ggml's x86 path exactly (d = amax/127,
// q = round-half-even(x · 127/amax), Q8_1's s = d·Σq), in every body, so all
// ISAs produce the same bytes. The fast dot products keep ggml's AVX2 lane
// structure (8 float lanes, each the sum of 4 adjacent byte products, fused
// multiply-add per block, then ggml's hsum_float_8) so that they reproduce
// llama.cpp's sums; the scalar references sum per block in integers as
// ggml's generic code does, so fast and reference differ only by float
// summation order (tests: LargeModelsTests/QuantizedDotTests).
#include "kernels_internal.h"

#include <math.h>
#include <string.h>

// ---- half precision ----------------------------------------------------------

float ork_fp16_to_fp32(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000) << 16;
    uint32_t exponent = (h >> 10) & 0x1f;
    uint32_t fraction = h & 0x3ff;
    uint32_t bits;
    if (exponent == 0) {
        float magnitude = (float)fraction * 0x1p-24f;
        memcpy(&bits, &magnitude, 4);
        bits |= sign;
    } else if (exponent == 0x1f) {
        bits = sign | 0x7f800000u | (fraction << 13);
    } else {
        bits = sign | ((exponent + 112) << 23) | (fraction << 13);
    }
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

uint16_t ork_fp32_to_fp16(float f) {
    // Round to nearest even, as vcvtps2ph with imm 0 (ggml's GGML_FP32_TO_FP16 on x86).
    uint32_t x;
    memcpy(&x, &f, 4);
    uint32_t sign = (x >> 16) & 0x8000;
    uint32_t abs = x & 0x7fffffffu;
    if (abs >= 0x7f800000u) return (uint16_t)(sign | 0x7c00 | (abs > 0x7f800000u ? 0x200 | ((abs >> 13) & 0x3ff) : 0));
    if (abs >= 0x477ff000u) return (uint16_t)(sign | 0x7c00);  // rounds to ≥ 65520: inf
    if (abs < 0x38800000u) {
        // Subnormal half (or zero): value = abs · 2^24 rounded to an integer.
        float magnitude;
        memcpy(&magnitude, &abs, 4);
        return (uint16_t)(sign | (uint32_t)nearbyintf(magnitude * 0x1p24f));
    }
    uint32_t mantissa = abs & 0x7fffff;
    uint32_t exponent = (abs >> 23) - 112;
    uint32_t h = (exponent << 10) | (mantissa >> 13);
    uint32_t rest = mantissa & 0x1fff;
    if (rest > 0x1000 || (rest == 0x1000 && (h & 1))) h += 1;
    return (uint16_t)(sign | h);
}

// ---- block layouts -----------------------------------------------------------

typedef struct { uint16_t d; uint8_t qs[16]; } ork_block_q4_0;
typedef struct { uint16_t d, m; uint8_t qs[16]; } ork_block_q4_1;
typedef struct { uint16_t d; int8_t qs[32]; } ork_block_q8_0;
typedef struct { uint16_t d, s; int8_t qs[32]; } ork_block_q8_1;

_Static_assert(sizeof(ork_block_q4_0) == 18, "Q4_0 block is 18 bytes");
_Static_assert(sizeof(ork_block_q4_1) == 20, "Q4_1 block is 20 bytes");
_Static_assert(sizeof(ork_block_q8_0) == 34, "Q8_0 block is 34 bytes");
_Static_assert(sizeof(ork_block_q8_1) == 36, "Q8_1 block is 36 bytes");

// ---- activation quantizers (one body: the bytes must not depend on the ISA) --

void ork_quantize_row_q8_0(const float *x, void *vy, long n) {
    ork_block_q8_0 *y = vy;
    for (long b = 0; b < n / 32; b++) {
        const float *xb = x + b * 32;
        float amax = 0.0f;
        for (int j = 0; j < 32; j++) amax = fmaxf(amax, fabsf(xb[j]));
        const float d = amax / 127.0f;
        const float id = amax != 0.0f ? 127.0f / amax : 0.0f;
        y[b].d = ork_fp32_to_fp16(d);
        for (int j = 0; j < 32; j++) y[b].qs[j] = (int8_t)nearbyintf(xb[j] * id);
    }
}

void ork_quantize_row_q8_1(const float *x, void *vy, long n) {
    ork_block_q8_1 *y = vy;
    for (long b = 0; b < n / 32; b++) {
        const float *xb = x + b * 32;
        float amax = 0.0f;
        for (int j = 0; j < 32; j++) amax = fmaxf(amax, fabsf(xb[j]));
        const float d = amax / 127.0f;
        const float id = amax != 0.0f ? 127.0f / amax : 0.0f;
        y[b].d = ork_fp32_to_fp16(d);
        int sum = 0;
        for (int j = 0; j < 32; j++) {
            int q = (int)nearbyintf(xb[j] * id);
            y[b].qs[j] = (int8_t)q;
            sum += q;
        }
        y[b].s = ork_fp32_to_fp16(d * (float)sum);
    }
}

// ---- scalar references (ggml's generic sums) ------------------------------------

float ork_vec_dot_q4_0_q8_0_ref(long n, const void *vx, const void *vy) {
    const ork_block_q4_0 *x = vx;
    const ork_block_q8_0 *y = vy;
    float sum = 0.0f;
    for (long b = 0; b < n / 32; b++) {
        int sumi = 0;
        for (int j = 0; j < 16; j++) {
            sumi += ((x[b].qs[j] & 0x0f) - 8) * y[b].qs[j];
            sumi += ((x[b].qs[j] >> 4) - 8) * y[b].qs[j + 16];
        }
        sum += (float)sumi * ork_fp16_to_fp32(x[b].d) * ork_fp16_to_fp32(y[b].d);
    }
    return sum;
}

float ork_vec_dot_q4_1_q8_1_ref(long n, const void *vx, const void *vy) {
    const ork_block_q4_1 *x = vx;
    const ork_block_q8_1 *y = vy;
    float sum = 0.0f;
    for (long b = 0; b < n / 32; b++) {
        int sumi = 0;
        for (int j = 0; j < 16; j++) {
            sumi += (x[b].qs[j] & 0x0f) * y[b].qs[j];
            sumi += (x[b].qs[j] >> 4) * y[b].qs[j + 16];
        }
        sum += ork_fp16_to_fp32(x[b].d) * ork_fp16_to_fp32(y[b].d) * (float)sumi
             + ork_fp16_to_fp32(x[b].m) * ork_fp16_to_fp32(y[b].s);
    }
    return sum;
}

float ork_vec_dot_q8_0_q8_0_ref(long n, const void *vx, const void *vy) {
    const ork_block_q8_0 *x = vx;
    const ork_block_q8_0 *y = vy;
    float sum = 0.0f;
    for (long b = 0; b < n / 32; b++) {
        int sumi = 0;
        for (int j = 0; j < 32; j++) sumi += x[b].qs[j] * y[b].qs[j];
        sum += (float)sumi * (ork_fp16_to_fp32(x[b].d) * ork_fp16_to_fp32(y[b].d));
    }
    return sum;
}

#if ORK_X86

// ---- AVX2 (ggml's lane structure) -----------------------------------------------

#define ORK_AVX2_F16C __attribute__((target("avx2,fma,f16c")))

ORK_AVX2_F16C static inline float hsum_float_8(const __m256 x) {
    __m128 res = _mm256_extractf128_ps(x, 1);
    res = _mm_add_ps(res, _mm256_castps256_ps128(x));
    res = _mm_add_ps(res, _mm_movehl_ps(res, res));
    res = _mm_add_ss(res, _mm_movehdup_ps(res));
    return _mm_cvtss_f32(res);
}

/// 16 bytes of nibbles → 32 bytes: low nibbles in lanes 0–15, high in 16–31.
ORK_AVX2_F16C static inline __m256i bytes_from_nibbles_32(const uint8_t *p) {
    const __m128i tmp = _mm_loadu_si128((const __m128i *)p);
    const __m256i bytes = _mm256_insertf128_si256(_mm256_castsi128_si256(tmp), _mm_srli_epi16(tmp, 4), 1);
    return _mm256_and_si256(_mm256_set1_epi8(0x0f), bytes);
}

ORK_AVX2_F16C static inline float half_f16c(uint16_t h) { return _cvtsh_ss(h); }

/// Unsigned bytes × signed bytes, 4 adjacent products summed per int32 lane, as floats.
ORK_AVX2_F16C static inline __m256 mul_sum_us8_pairs_float_avx2(const __m256i ax, const __m256i sy) {
    const __m256i dot = _mm256_maddubs_epi16(ax, sy);
    return _mm256_cvtepi32_ps(_mm256_madd_epi16(dot, _mm256_set1_epi16(1)));
}

ORK_AVX2_F16C static inline __m256 mul_sum_i8_pairs_float_avx2(const __m256i x, const __m256i y) {
    const __m256i ax = _mm256_sign_epi8(x, x);
    const __m256i sy = _mm256_sign_epi8(y, x);
    return mul_sum_us8_pairs_float_avx2(ax, sy);
}

ORK_AVX2_F16C float ork_vec_dot_q4_0_q8_0_avx2(long n, const void *vx, const void *vy) {
    const ork_block_q4_0 *x = vx;
    const ork_block_q8_0 *y = vy;
    __m256 acc = _mm256_setzero_ps();
    for (long b = 0; b < n / 32; b++) {
        const __m256 d = _mm256_set1_ps(half_f16c(x[b].d) * half_f16c(y[b].d));
        const __m256i qx = _mm256_sub_epi8(bytes_from_nibbles_32(x[b].qs), _mm256_set1_epi8(8));
        const __m256i qy = _mm256_loadu_si256((const __m256i *)y[b].qs);
        acc = _mm256_fmadd_ps(d, mul_sum_i8_pairs_float_avx2(qx, qy), acc);
    }
    return hsum_float_8(acc);
}

ORK_AVX2_F16C float ork_vec_dot_q4_1_q8_1_avx2(long n, const void *vx, const void *vy) {
    const ork_block_q4_1 *x = vx;
    const ork_block_q8_1 *y = vy;
    __m256 acc = _mm256_setzero_ps();
    float summs = 0.0f;
    for (long b = 0; b < n / 32; b++) {
        const float d0 = half_f16c(x[b].d), d1 = half_f16c(y[b].d);
        summs += half_f16c(x[b].m) * half_f16c(y[b].s);
        const __m256 d0d1 = _mm256_mul_ps(_mm256_set1_ps(d0), _mm256_set1_ps(d1));
        const __m256i qx = bytes_from_nibbles_32(x[b].qs);
        const __m256i qy = _mm256_loadu_si256((const __m256i *)y[b].qs);
        acc = _mm256_fmadd_ps(d0d1, mul_sum_us8_pairs_float_avx2(qx, qy), acc);
    }
    return hsum_float_8(acc) + summs;
}

ORK_AVX2_F16C float ork_vec_dot_q8_0_q8_0_avx2(long n, const void *vx, const void *vy) {
    const ork_block_q8_0 *x = vx;
    const ork_block_q8_0 *y = vy;
    __m256 acc = _mm256_setzero_ps();
    for (long b = 0; b < n / 32; b++) {
        const __m256 d = _mm256_set1_ps(half_f16c(x[b].d) * half_f16c(y[b].d));
        const __m256i qx = _mm256_loadu_si256((const __m256i *)x[b].qs);
        const __m256i qy = _mm256_loadu_si256((const __m256i *)y[b].qs);
        acc = _mm256_fmadd_ps(d, mul_sum_i8_pairs_float_avx2(qx, qy), acc);
    }
    return hsum_float_8(acc);
}

// ---- AVX-512 VNNI (256-bit vpdpbusd; same lanes, same sums) ----------------------

#define ORK_VNNI __attribute__((target("avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512vnni")))

ORK_VNNI static inline __m256 mul_sum_us8_pairs_float_vnni(const __m256i ax, const __m256i sy) {
    return _mm256_cvtepi32_ps(_mm256_dpbusd_epi32(_mm256_setzero_si256(), ax, sy));
}

ORK_VNNI static inline __m256 mul_sum_i8_pairs_float_vnni(const __m256i x, const __m256i y) {
    const __m256i ax = _mm256_sign_epi8(x, x);
    const __m256i sy = _mm256_sign_epi8(y, x);
    return mul_sum_us8_pairs_float_vnni(ax, sy);
}

ORK_VNNI float ork_vec_dot_q4_0_q8_0_avx512(long n, const void *vx, const void *vy) {
    const ork_block_q4_0 *x = vx;
    const ork_block_q8_0 *y = vy;
    __m256 acc = _mm256_setzero_ps();
    for (long b = 0; b < n / 32; b++) {
        const __m256 d = _mm256_set1_ps(_cvtsh_ss(x[b].d) * _cvtsh_ss(y[b].d));
        const __m256i qx = _mm256_sub_epi8(bytes_from_nibbles_32(x[b].qs), _mm256_set1_epi8(8));
        const __m256i qy = _mm256_loadu_si256((const __m256i *)y[b].qs);
        acc = _mm256_fmadd_ps(d, mul_sum_i8_pairs_float_vnni(qx, qy), acc);
    }
    return hsum_float_8(acc);
}

ORK_VNNI float ork_vec_dot_q4_1_q8_1_avx512(long n, const void *vx, const void *vy) {
    const ork_block_q4_1 *x = vx;
    const ork_block_q8_1 *y = vy;
    __m256 acc = _mm256_setzero_ps();
    float summs = 0.0f;
    for (long b = 0; b < n / 32; b++) {
        const float d0 = _cvtsh_ss(x[b].d), d1 = _cvtsh_ss(y[b].d);
        summs += _cvtsh_ss(x[b].m) * _cvtsh_ss(y[b].s);
        const __m256 d0d1 = _mm256_mul_ps(_mm256_set1_ps(d0), _mm256_set1_ps(d1));
        const __m256i qx = bytes_from_nibbles_32(x[b].qs);
        const __m256i qy = _mm256_loadu_si256((const __m256i *)y[b].qs);
        acc = _mm256_fmadd_ps(d0d1, mul_sum_us8_pairs_float_vnni(qx, qy), acc);
    }
    return hsum_float_8(acc) + summs;
}

ORK_VNNI float ork_vec_dot_q8_0_q8_0_avx512(long n, const void *vx, const void *vy) {
    const ork_block_q8_0 *x = vx;
    const ork_block_q8_0 *y = vy;
    __m256 acc = _mm256_setzero_ps();
    for (long b = 0; b < n / 32; b++) {
        const __m256 d = _mm256_set1_ps(_cvtsh_ss(x[b].d) * _cvtsh_ss(y[b].d));
        const __m256i qx = _mm256_loadu_si256((const __m256i *)x[b].qs);
        const __m256i qy = _mm256_loadu_si256((const __m256i *)y[b].qs);
        acc = _mm256_fmadd_ps(d, mul_sum_i8_pairs_float_vnni(qx, qy), acc);
    }
    return hsum_float_8(acc);
}

/// One Q4_1 weight row against four Q8_1 activation rows (y0…y3, each n/32 blocks):
/// the weight block is unpacked once; each output's arithmetic is exactly the
/// single-row kernel's, so results do not depend on how rows are grouped.
ORK_VNNI void ork_vec_dot_q4_1_q8_1_x4_avx512(long n, const void *vx, const void *const *vy, float *out) {
    const ork_block_q4_1 *x = vx;
    const ork_block_q8_1 *y0 = vy[0], *y1 = vy[1], *y2 = vy[2], *y3 = vy[3];
    __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
    float s0 = 0.0f, s1 = 0.0f, s2 = 0.0f, s3 = 0.0f;
    for (long b = 0; b < n / 32; b++) {
        const float d0 = _cvtsh_ss(x[b].d), m = _cvtsh_ss(x[b].m);
        const __m256 dx = _mm256_set1_ps(d0);
        const __m256i qx = bytes_from_nibbles_32(x[b].qs);
#define ORK_ROW(k) { \
            s##k += m * _cvtsh_ss(y##k[b].s); \
            const __m256 dd = _mm256_mul_ps(dx, _mm256_set1_ps(_cvtsh_ss(y##k[b].d))); \
            a##k = _mm256_fmadd_ps(dd, mul_sum_us8_pairs_float_vnni(qx, _mm256_loadu_si256((const __m256i *)y##k[b].qs)), a##k); }
        ORK_ROW(0) ORK_ROW(1) ORK_ROW(2) ORK_ROW(3)
#undef ORK_ROW
    }
    out[0] = hsum_float_8(a0) + s0;
    out[1] = hsum_float_8(a1) + s1;
    out[2] = hsum_float_8(a2) + s2;
    out[3] = hsum_float_8(a3) + s3;
}

/// One Q8_0 weight row against four Q8_0 activation rows (as above).
ORK_VNNI void ork_vec_dot_q8_0_q8_0_x4_avx512(long n, const void *vx, const void *const *vy, float *out) {
    const ork_block_q8_0 *x = vx;
    const ork_block_q8_0 *y0 = vy[0], *y1 = vy[1], *y2 = vy[2], *y3 = vy[3];
    __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
    for (long b = 0; b < n / 32; b++) {
        const float dx = _cvtsh_ss(x[b].d);
        const __m256i qx = _mm256_loadu_si256((const __m256i *)x[b].qs);
        const __m256i ax = _mm256_sign_epi8(qx, qx);
#define ORK_ROW(k) { \
            const __m256 d = _mm256_set1_ps(dx * _cvtsh_ss(y##k[b].d)); \
            const __m256i sy = _mm256_sign_epi8(_mm256_loadu_si256((const __m256i *)y##k[b].qs), qx); \
            a##k = _mm256_fmadd_ps(d, mul_sum_us8_pairs_float_vnni(ax, sy), a##k); }
        ORK_ROW(0) ORK_ROW(1) ORK_ROW(2) ORK_ROW(3)
#undef ORK_ROW
    }
    out[0] = hsum_float_8(a0);
    out[1] = hsum_float_8(a1);
    out[2] = hsum_float_8(a2);
    out[3] = hsum_float_8(a3);
}

static int has_vnni(void) {
    static int cached = -1;
    if (cached < 0) {
        __builtin_cpu_init();
        cached = __builtin_cpu_supports("avx512vnni") && __builtin_cpu_supports("f16c");
    }
    return cached;
}
static int has_f16c(void) {
    static int cached = -1;
    if (cached < 0) { __builtin_cpu_init(); cached = __builtin_cpu_supports("f16c"); }
    return cached;
}
#endif

// ---- dispatch ---------------------------------------------------------------------

typedef float (*ork_dot_fn)(long, const void *, const void *);

static ork_dot_fn pick(ork_dot_fn ref, ork_dot_fn avx2, ork_dot_fn avx512) {
#if ORK_X86
    ork_isa isa = ork__isa();
    if (isa == ORK_ISA_AVX512 && has_vnni()) return avx512;
    if (isa >= ORK_ISA_AVX2 && has_f16c()) return avx2;
#else
    (void)avx2; (void)avx512;
#endif
    return ref;
}

#if ORK_X86
#define ORK_PICK(name) pick(name##_ref, name##_avx2, name##_avx512)
#else
#define ORK_PICK(name) pick(name##_ref, name##_ref, name##_ref)
#endif

float ork_vec_dot_q4_0_q8_0(long n, const void *x, const void *y) { return ORK_PICK(ork_vec_dot_q4_0_q8_0)(n, x, y); }
float ork_vec_dot_q4_1_q8_1(long n, const void *x, const void *y) { return ORK_PICK(ork_vec_dot_q4_1_q8_1)(n, x, y); }
float ork_vec_dot_q8_0_q8_0(long n, const void *x, const void *y) { return ORK_PICK(ork_vec_dot_q8_0_q8_0)(n, x, y); }

// ---- quantized matrix × activations ------------------------------------------------

typedef void (*ork_dot_x4_fn)(long, const void *, const void *const *, float *);

typedef struct {
    ork_dot_fn dot;
    ork_dot_x4_fn dot_x4;  // NULL: one activation row at a time
    const uint8_t *w;
    long row_bytes, rows, cols;
    const uint8_t *xq;
    long xq_row_bytes, batch;
    float *out;
    long out_stride;
    long rows_per_task;
} qmatmul_job;

static void qmatmul_task(void *context, long index) {
    const qmatmul_job *job = context;
    const long r0 = index * job->rows_per_task;
    const long r1 = ork__min(job->rows, r0 + job->rows_per_task);
    long b = 0;
    if (job->dot_x4) {
        for (; b + 4 <= job->batch; b += 4) {
            const void *ys[4];
            for (int k = 0; k < 4; k++) ys[k] = job->xq + (b + k) * job->xq_row_bytes;
            for (long r = r0; r < r1; r++) {
                float o[4];
                job->dot_x4(job->cols, job->w + r * job->row_bytes, ys, o);
                for (int k = 0; k < 4; k++) job->out[(b + k) * job->out_stride + r] = o[k];
            }
        }
    }
    for (; b < job->batch; b++) {
        const uint8_t *xb = job->xq + b * job->xq_row_bytes;
        float *ob = job->out + b * job->out_stride;
        for (long r = r0; r < r1; r++) ob[r] = job->dot(job->cols, job->w + r * job->row_bytes, xb);
    }
}

int ork_qmatmul(int weight_type, const void *w, long rows, long cols,
                const void *xq, long batch, float *out, long out_stride) {
    ork_dot_fn dot;
    long row_bytes, xq_row_bytes;
    switch (weight_type) {
    case ORK_GGML_Q4_0: dot = ORK_PICK(ork_vec_dot_q4_0_q8_0); row_bytes = cols / 32 * 18; xq_row_bytes = cols / 32 * 34; break;
    case ORK_GGML_Q4_1: dot = ORK_PICK(ork_vec_dot_q4_1_q8_1); row_bytes = cols / 32 * 20; xq_row_bytes = cols / 32 * 36; break;
    case ORK_GGML_Q8_0: dot = ORK_PICK(ork_vec_dot_q8_0_q8_0); row_bytes = cols / 32 * 34; xq_row_bytes = cols / 32 * 34; break;
    default: return -1;
    }
    // Tasks of ~16 KiB of weights: enough to amortise scheduling, small
    // enough to balance two threads and keep a task's rows in L1/L2 while
    // the batch's activation rows stream past them.
    long rows_per_task = ork__max(1, 16384 / ork__max(1, row_bytes));
    ork_dot_x4_fn dot_x4 = NULL;
#if ORK_X86
    if (ork__isa() == ORK_ISA_AVX512 && has_vnni()) {
        if (weight_type == ORK_GGML_Q4_1) dot_x4 = ork_vec_dot_q4_1_q8_1_x4_avx512;
        if (weight_type == ORK_GGML_Q8_0) dot_x4 = ork_vec_dot_q8_0_q8_0_x4_avx512;
    }
#endif
    qmatmul_job job = {dot, dot_x4, w, row_bytes, rows, cols, xq, xq_row_bytes, batch, out, out_stride, rows_per_task};
    ork_parallel_for((rows + rows_per_task - 1) / rows_per_task, qmatmul_task, &job);
    return 0;
}

void ork_quantize_rows_for(int weight_type, const float *x, long rows, long cols, void *xq) {
    switch (weight_type) {
    case ORK_GGML_Q4_1: {
        const long row_bytes = cols / 32 * 36;
        for (long r = 0; r < rows; r++) ork_quantize_row_q8_1(x + r * cols, (uint8_t *)xq + r * row_bytes, cols);
        break;
    }
    default: {
        const long row_bytes = cols / 32 * 34;
        for (long r = 0; r < rows; r++) ork_quantize_row_q8_0(x + r * cols, (uint8_t *)xq + r * row_bytes, cols);
        break;
    }
    }
}
