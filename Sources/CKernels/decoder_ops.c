// Elementwise steps of a Llama decoder in llama.cpp's arithmetic: the SwiGLU
// gate (ggml_vec_swiglu_f32) and rotary position embedding (ggml's rope,
// "normal" mode). The vector SwiGLU bodies (AVX2, AVX-512) share one source
// (ggml_vec16.h) and give the same bits; the scalar reference uses libm's
// expf. RoPE has one body: fmaf is exact on every ISA.
#include "quants_internal.h"

#include <math.h>

#pragma clang fp contract(off)

#if ORK_X86
#define ORK_V16_ATTR __attribute__((target("avx2,fma,f16c")))
#define ORK_V16_SUFFIX avx2
#include "ggml_vec16.h"
#undef ORK_V16_ATTR
#undef ORK_V16_SUFFIX

#define ORK_V16_ATTR __attribute__((target("avx2,fma,f16c,avx512f,avx512bw,avx512dq,avx512vl")))
#define ORK_V16_SUFFIX avx512
#include "ggml_vec16.h"
#undef ORK_V16_ATTR
#undef ORK_V16_SUFFIX
#endif

void ork_swiglu_f32_ref(const float *g, const float *u, float *y, long rows, long n) {
    for (long i = 0; i < rows * n; i++) y[i] = g[i] / (1.0f + expf(-g[i])) * u[i];
}

void ork_swiglu_f32(const float *g, const float *u, float *y, long rows, long n) {
#if ORK_X86
    const ork_isa isa = ork__isa();
    if (isa >= ORK_ISA_AVX2 && ork__has_f16c()) {
        for (long r = 0; r < rows; r++) {
            if (isa == ORK_ISA_AVX512) swiglu_row_avx512(n, g + r * n, u + r * n, y + r * n);
            else swiglu_row_avx2(n, g + r * n, u + r * n, y + r * n);
        }
        return;
    }
#endif
    ork_swiglu_f32_ref(g, u, y, rows, n);
}

long ork_argmax_f32_ref(const float *x, long n) {
    long best = 0;
    float value = -INFINITY;
    for (long i = 0; i < n; i++)
        if (x[i] > value) { best = i; value = x[i]; }
    return best;
}

#if ORK_X86
__attribute__((target("avx512f"))) static long argmax_avx512(const float *x, long n) {
    // Per lane: the largest value seen and its first index; then the lanes'
    // maximum and, among lanes holding it, the lowest index.
    __m512 best = _mm512_set1_ps(-INFINITY);
    __m512i where = _mm512_setzero_si512();
    __m512i index = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    const __m512i step = _mm512_set1_epi32(16);
    long i = 0;
    for (; i + 16 <= n && i + 16 <= 0x7fffffffL; i += 16) {
        const __m512 v = _mm512_loadu_ps(x + i);
        const __mmask16 greater = _mm512_cmp_ps_mask(v, best, _CMP_GT_OQ);
        best = _mm512_mask_mov_ps(best, greater, v);
        where = _mm512_mask_mov_epi32(where, greater, index);
        index = _mm512_add_epi32(index, step);
    }
    float lanes[16];
    int32_t at[16];
    _mm512_storeu_ps(lanes, best);
    _mm512_storeu_si512(at, where);
    long result = 0;
    float value = -INFINITY;
    for (int l = 0; l < 16; l++)
        if (lanes[l] > value || (lanes[l] == value && lanes[l] != -INFINITY && at[l] < result)) { value = lanes[l]; result = at[l]; }
    for (; i < n; i++)
        if (x[i] > value) { value = x[i]; result = i; }
    return result;
}
#endif

long ork_argmax_f32(const float *x, long n) {
#if ORK_X86
    if (ork__isa() == ORK_ISA_AVX512) return argmax_avx512(x, n);
#endif
    return ork_argmax_f32_ref(x, n);
}

/// RoPE over `heads` heads of `head_dim`: each pair (2i, 2i+1) of the first
/// `rope_dims` values rotated by angle i, the products fused as GCC compiles ggml.
static inline __attribute__((always_inline)) void rope_pairs_body(float *x, long heads, long head_dim, long rope_dims,
                                                                  const float *cos, const float *sin) {
    for (long h = 0; h < heads; h++) {
        float *xh = x + h * head_dim;
        for (long i = 0; i < rope_dims / 2; i++) {
            const float x0 = xh[2 * i], x1 = xh[2 * i + 1];
            xh[2 * i] = fmaf(x0, cos[i], -(x1 * sin[i]));
            xh[2 * i + 1] = fmaf(x0, sin[i], x1 * cos[i]);
        }
    }
}

static void rope_pairs(float *x, long heads, long head_dim, long rope_dims, const float *cos, const float *sin) {
    rope_pairs_body(x, heads, head_dim, rope_dims, cos, sin);
}

#if ORK_X86
/// The same body compiled with FMA instructions instead of libm calls (same results: fmaf is exact).
__attribute__((target("fma"))) static void rope_pairs_fma(float *x, long heads, long head_dim, long rope_dims,
                                                          const float *cos, const float *sin) {
    rope_pairs_body(x, heads, head_dim, rope_dims, cos, sin);
}
#endif

void ork_rope_f32(float *x, long heads, long head_dim, long rope_dims, const float *cos, const float *sin) {
#if ORK_X86
    if (ork__has_f16c()) { rope_pairs_fma(x, heads, head_dim, rope_dims, cos, sin); return; }
#endif
    rope_pairs(x, heads, head_dim, rope_dims, cos, sin);
}
