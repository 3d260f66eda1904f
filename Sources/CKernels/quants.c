// Quantized blocks with ggml's layouts (ggml-common.h, quants_internal.h):
// half precision, the activation quantizers and the dot product of one
// weight row with one quantized activation row. Matrix products are in
// qmatmul.c.
//
// The activation quantizers follow ggml's x86 path exactly (d = amax/127,
// q = round-half-even(x · 127/amax), Q8_1's s = d·Σq); the scalar and AVX2
// bodies produce the same bytes. The fast dot products keep ggml's AVX2 lane
// structure (8 float lanes, each the sum of 4 adjacent byte products, fused
// multiply-add per block, then ggml's hsum_float_8) so that they reproduce
// llama.cpp's sums; the scalar references sum per block in integers as
// ggml's generic code does, so fast and reference differ only by float
// summation order (tests: LargeModelsTests/QuantizedDotTests).
#include "quants_internal.h"

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

#if ORK_X86
__attribute__((target("avx,f16c"))) static void fp32_to_fp16_row_f16c(const float *x, uint16_t *y, long n) {
    long i = 0;
    for (; i + 8 <= n; i += 8)
        _mm_storeu_si128((__m128i *)(y + i), _mm256_cvtps_ph(_mm256_loadu_ps(x + i), _MM_FROUND_TO_NEAREST_INT));
    for (; i < n; i++) y[i] = ork_fp32_to_fp16(x[i]);
}
#endif

void ork_fp32_to_fp16_row(const float *x, uint16_t *y, long n) {
#if ORK_X86
    if (ork__isa() >= ORK_ISA_AVX2 && ork__has_f16c()) { fp32_to_fp16_row_f16c(x, y, n); return; }
#endif
    for (long i = 0; i < n; i++) y[i] = ork_fp32_to_fp16(x[i]);
}

// ---- activation quantizers ---------------------------------------------------------

void ork_quantize_row_q8_0_ref(const float *x, void *vy, long n) {
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

void ork_quantize_row_q8_1_ref(const float *x, void *vy, long n) {
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

// ---- CPU features beyond the ISA level ----------------------------------------------

int ork__has_f16c(void) {
    static _Atomic int cached = -1;
    int c = atomic_load_explicit(&cached, memory_order_relaxed);
    if (c < 0) {
        __builtin_cpu_init();
        c = __builtin_cpu_supports("f16c") && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
        atomic_store_explicit(&cached, c, memory_order_relaxed);
    }
    return c;
}

int ork__has_avx512_vnni(void) {
    static _Atomic int cached = -1;
    int c = atomic_load_explicit(&cached, memory_order_relaxed);
    if (c < 0) {
        __builtin_cpu_init();
        c = ork__has_f16c() && __builtin_cpu_supports("avx512vnni") && __builtin_cpu_supports("avx512vl")
            && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq");
        atomic_store_explicit(&cached, c, memory_order_relaxed);
    }
    return c;
}

#define ORK_AVX2_F16C __attribute__((target("avx2,fma,f16c")))
#define ORK_VNNI __attribute__((target("avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512vnni")))

// ---- AVX2 activation quantizer (ggml's quantize_row_q8_0/q8_1 for AVX2) --------------

/// One block: q (32 bytes), d, and Σq. The same bytes as the scalar body:
/// the maximum is exact, products and round-half-even are elementwise.
ORK_AVX2_F16C static inline float quantize_block_avx2(const float *x, int8_t *q, int *sum) {
    __m256 v[4];
    __m256 amax = _mm256_setzero_ps();
    const __m256 sign = _mm256_set1_ps(-0.0f);
    for (int i = 0; i < 4; i++) {
        v[i] = _mm256_loadu_ps(x + 8 * i);
        amax = _mm256_max_ps(amax, _mm256_andnot_ps(sign, v[i]));
    }
    __m128 m4 = _mm_max_ps(_mm256_extractf128_ps(amax, 1), _mm256_castps256_ps128(amax));
    m4 = _mm_max_ps(m4, _mm_movehl_ps(m4, m4));
    m4 = _mm_max_ss(m4, _mm_movehdup_ps(m4));
    const float max_scalar = _mm_cvtss_f32(m4);
    const float d = max_scalar / 127.0f;
    const float id = max_scalar != 0.0f ? 127.0f / max_scalar : 0.0f;
    const __m256 mul = _mm256_set1_ps(id);
    __m256i i32[4];
    for (int i = 0; i < 4; i++)
        i32[i] = _mm256_cvtps_epi32(_mm256_round_ps(_mm256_mul_ps(v[i], mul), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
    const __m256i total = _mm256_add_epi32(_mm256_add_epi32(i32[0], i32[1]), _mm256_add_epi32(i32[2], i32[3]));
    __m128i t = _mm_add_epi32(_mm256_extracti128_si256(total, 1), _mm256_castsi256_si128(total));
    t = _mm_add_epi32(t, _mm_shuffle_epi32(t, 0x4e));
    t = _mm_add_epi32(t, _mm_shuffle_epi32(t, 0xb1));
    *sum = _mm_cvtsi128_si32(t);
    // int32 → int16 → int8 with saturation (values are within ±127), then undo the lane interleave.
    __m256i p16a = _mm256_packs_epi32(i32[0], i32[1]);
    __m256i p16b = _mm256_packs_epi32(i32[2], i32[3]);
    __m256i p8 = _mm256_packs_epi16(p16a, p16b);
    p8 = _mm256_permutevar8x32_epi32(p8, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
    _mm256_storeu_si256((__m256i *)q, p8);
    return d;
}

ORK_AVX2_F16C static void quantize_row_q8_0_avx2(const float *x, void *vy, long n) {
    ork_block_q8_0 *y = vy;
    for (long b = 0; b < n / 32; b++) {
        int sum;
        const float d = quantize_block_avx2(x + 32 * b, y[b].qs, &sum);
        y[b].d = ork_fp32_to_fp16(d);
    }
}

ORK_AVX2_F16C static void quantize_row_q8_1_avx2(const float *x, void *vy, long n) {
    ork_block_q8_1 *y = vy;
    for (long b = 0; b < n / 32; b++) {
        int sum;
        const float d = quantize_block_avx2(x + 32 * b, y[b].qs, &sum);
        y[b].d = ork_fp32_to_fp16(d);
        y[b].s = ork_fp32_to_fp16(d * (float)sum);
    }
}

// ---- single-row dot products: AVX2 (ggml's lane structure) ---------------------------

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

/// The f16 at p (p + 2 must be readable too) as a float. Left to itself the
/// compiler loads a lone half with a 16-bit insert into any register whose
/// other lanes are dead — often the accumulator, which then chains every
/// block to the previous one; a 32-bit vmovd load zero-extends.
ORK_AVX2_F16C static inline float half_f16c(const uint16_t *p) {
    __m128i v;
    __asm__("vmovd %1, %0" : "=x"(v) : "m"(*(const uint32_t *)p));
    return _mm_cvtss_f32(_mm_cvtph_ps(v));
}

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
        const __m256 d = _mm256_set1_ps(half_f16c(&x[b].d) * half_f16c(&y[b].d));
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
        const float d0 = half_f16c(&x[b].d), d1 = half_f16c(&y[b].d);
        summs += half_f16c(&x[b].m) * half_f16c(&y[b].s);
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
        const __m256 d = _mm256_set1_ps(half_f16c(&x[b].d) * half_f16c(&y[b].d));
        const __m256i qx = _mm256_loadu_si256((const __m256i *)x[b].qs);
        const __m256i qy = _mm256_loadu_si256((const __m256i *)y[b].qs);
        acc = _mm256_fmadd_ps(d, mul_sum_i8_pairs_float_avx2(qx, qy), acc);
    }
    return hsum_float_8(acc);
}

// ---- single-row dot products: AVX-512 VNNI (256-bit vpdpbusd; same lanes, same sums) -

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
        const __m256 d = _mm256_set1_ps(half_f16c(&x[b].d) * half_f16c(&y[b].d));
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
        const float d0 = half_f16c(&x[b].d), d1 = half_f16c(&y[b].d);
        summs += half_f16c(&x[b].m) * half_f16c(&y[b].s);
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
        const __m256 d = _mm256_set1_ps(half_f16c(&x[b].d) * half_f16c(&y[b].d));
        const __m256i qx = _mm256_loadu_si256((const __m256i *)x[b].qs);
        const __m256i qy = _mm256_loadu_si256((const __m256i *)y[b].qs);
        acc = _mm256_fmadd_ps(d, mul_sum_i8_pairs_float_vnni(qx, qy), acc);
    }
    return hsum_float_8(acc);
}
#endif

// ---- dispatch ---------------------------------------------------------------------

typedef float (*ork_dot_fn)(long, const void *, const void *);

static ork_dot_fn pick(ork_dot_fn ref, ork_dot_fn avx2, ork_dot_fn avx512) {
#if ORK_X86
    ork_isa isa = ork__isa();
    if (isa == ORK_ISA_AVX512 && ork__has_avx512_vnni()) return avx512;
    if (isa >= ORK_ISA_AVX2 && ork__has_f16c()) return avx2;
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

static int fast_quantizer(void) {
#if ORK_X86
    return ork__isa() >= ORK_ISA_AVX2 && ork__has_f16c();
#else
    return 0;
#endif
}

void ork_quantize_row_q8_0(const float *x, void *y, long n) {
#if ORK_X86
    if (fast_quantizer()) { quantize_row_q8_0_avx2(x, y, n); return; }
#endif
    ork_quantize_row_q8_0_ref(x, y, n);
}

void ork_quantize_row_q8_1(const float *x, void *y, long n) {
#if ORK_X86
    if (fast_quantizer()) { quantize_row_q8_1_avx2(x, y, n); return; }
#endif
    ork_quantize_row_q8_1_ref(x, y, n);
}

void ork_quantize_rows_for(int weight_type, const float *x, long rows, long cols, void *xq) {
    const int q8_1 = weight_type == ORK_GGML_Q4_1;
    const long row_bytes = cols / 32 * (q8_1 ? 36 : 34);
    for (long r = 0; r < rows; r++) {
        if (q8_1) ork_quantize_row_q8_1(x + r * cols, (uint8_t *)xq + r * row_bytes, cols);
        else ork_quantize_row_q8_0(x + r * cols, (uint8_t *)xq + r * row_bytes, cols);
    }
}
