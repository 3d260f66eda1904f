// 16-lane float helpers in the arithmetic of llama.cpp's AVX-512 build
// (ggml-cpu: vec.h ggml_v_expf / ggml_v_silu, simd-mappings.h reductions),
// written on clang's generic vectors so that one source gives the same bits
// with AVX-512 (one zmm per vector) and with AVX2 (two ymm). Included once per
// instruction set by the file that uses it, with ORK_V16_ATTR (target
// attribute) and ORK_V16_SUFFIX (name suffix) defined; every helper carries
// the attribute, so vectors never cross a call between different targets.
//
// Facts reproduced (ggml-cpu sources): e^x as ggml_v_expf — x·log2(e) rounded
// with the 1.5·2^23 trick to n, b = x − n·ln2 in two FMA steps (ln2 split as
// 0x1.62e4p-1 + 0x1.7f7d1cp-20), a degree-5 polynomial in b evaluated with
// FMAs as ((c5·b + c4)·b² + (c3·b + c2))·b² + (c1·b + 1), scaled by 2^n
// (_mm512_scalef_ps), and |n| > 192 mapped to 0 or ∞; silu(x) = x / (1 + e^−x);
// a 16-lane sum as GCC's _mm512_reduce_add_ps: lanes i + i+8, then i + i+4,
// then (0+2) + (1+3).

#ifndef ORCHARD_GGML_VEC16_TYPES
#define ORCHARD_GGML_VEC16_TYPES
typedef float ork_f32x16 __attribute__((vector_size(64)));
typedef int32_t ork_i32x16 __attribute__((vector_size(64)));
typedef float ork_f32x8 __attribute__((vector_size(32)));
typedef float ork_f32x4 __attribute__((vector_size(16)));
typedef _Float16 ork_f16x16 __attribute__((vector_size(32)));
#endif

// The helpers pass 16-lane vectors by value but are always inlined into a
// function of the same target, so no call ever uses the 512-bit ABI.
#pragma clang diagnostic ignored "-Wpsabi"

#define ORK_V16_CAT2(a, b) a##_##b
#define ORK_V16_CAT(a, b) ORK_V16_CAT2(a, b)
#define ORK_V16(name) ORK_V16_CAT(name, ORK_V16_SUFFIX)
#define ORK_V16_INLINE static inline __attribute__((always_inline)) ORK_V16_ATTR

ORK_V16_INLINE ork_f32x16 ORK_V16(splat)(float x) {
    return (ork_f32x16){x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x};
}

ORK_V16_INLINE ork_f32x16 ORK_V16(load)(const float *p) {
    ork_f32x16 v;
    __builtin_memcpy(&v, p, sizeof v);
    return v;
}

ORK_V16_INLINE void ORK_V16(store)(float *p, ork_f32x16 v) { __builtin_memcpy(p, &v, sizeof v); }

/// 16 F16 values → floats (exact).
ORK_V16_INLINE ork_f32x16 ORK_V16(load_f16)(const uint16_t *p) {
    ork_f16x16 h;
    __builtin_memcpy(&h, p, sizeof h);
    return __builtin_convertvector(h, ork_f32x16);
}

ORK_V16_INLINE ork_f32x16 ORK_V16(fma)(ork_f32x16 a, ork_f32x16 b, ork_f32x16 c) {
    return __builtin_elementwise_fma(a, b, c);
}

/// GCC's _mm512_reduce_add_ps order.
ORK_V16_INLINE float ORK_V16(reduce)(ork_f32x16 v) {
    const ork_f32x8 s8 = __builtin_shufflevector(v, v, 8, 9, 10, 11, 12, 13, 14, 15)
                       + __builtin_shufflevector(v, v, 0, 1, 2, 3, 4, 5, 6, 7);
    const ork_f32x4 s4 = __builtin_shufflevector(s8, s8, 4, 5, 6, 7) + __builtin_shufflevector(s8, s8, 0, 1, 2, 3);
    const ork_f32x4 s2 = s4 + __builtin_shufflevector(s4, s4, 2, 3, 0, 1);
    return s2[0] + s2[1];
}

/// The reductions of 16 vectors at once (v[t] → lane t of the result), each in
/// the order of ORK_V16(reduce): pairs of vectors are interleaved so that
/// every level of the tree is one vector add for several of them.
ORK_V16_INLINE ork_f32x16 ORK_V16(reduce16x16)(const ork_f32x16 *v) {
    ork_f32x16 c[8], e[4], g[2];
    for (int m = 0; m < 8; m++)  // lane i + i+8: [t=2m (8 lanes) | t=2m+1 (8 lanes)]
        c[m] = __builtin_shufflevector(v[2 * m], v[2 * m + 1], 8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31)
             + __builtin_shufflevector(v[2 * m], v[2 * m + 1], 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23);
    for (int n = 0; n < 4; n++)  // i + i+4: four lanes for each of t = 4n…4n+3
        e[n] = __builtin_shufflevector(c[2 * n], c[2 * n + 1], 4, 5, 6, 7, 12, 13, 14, 15, 20, 21, 22, 23, 28, 29, 30, 31)
             + __builtin_shufflevector(c[2 * n], c[2 * n + 1], 0, 1, 2, 3, 8, 9, 10, 11, 16, 17, 18, 19, 24, 25, 26, 27);
    for (int q = 0; q < 2; q++)  // (0+2), (1+3): two lanes for each of t = 8q…8q+7
        g[q] = __builtin_shufflevector(e[2 * q], e[2 * q + 1], 0, 1, 4, 5, 8, 9, 12, 13, 16, 17, 20, 21, 24, 25, 28, 29)
             + __builtin_shufflevector(e[2 * q], e[2 * q + 1], 2, 3, 6, 7, 10, 11, 14, 15, 18, 19, 22, 23, 26, 27, 30, 31);
    return __builtin_shufflevector(g[0], g[1], 0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30)
         + __builtin_shufflevector(g[0], g[1], 1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
}

/// j · 2^n for integral n, rounded once (as _mm512_scalef_ps): a multiply by
/// the power of two while it is a normal float, ldexpf otherwise.
ORK_V16_INLINE ork_f32x16 ORK_V16(scale_pow2)(ork_f32x16 j, ork_f32x16 n) {
    const ork_i32x16 e = __builtin_convertvector(n, ork_i32x16);
    int normal = 1;
    for (int i = 0; i < 16; i++) normal &= e[i] >= -126 && e[i] <= 127;
    if (normal) {
        const ork_i32x16 bits = (e + 127) << 23;
        ork_f32x16 p;
        __builtin_memcpy(&p, &bits, sizeof p);
        return j * p;
    }
    ork_f32x16 r;
    for (int i = 0; i < 16; i++) r[i] = n[i] != n[i] ? n[i] : ldexpf(j[i], e[i]);
    return r;
}

/// e^x (ggml_v_expf, AVX-512).
ORK_V16_INLINE ork_f32x16 ORK_V16(expf)(ork_f32x16 x) {
    const ork_f32x16 r = ORK_V16(splat)(0x1.8p23f);
    const ork_f32x16 z = ORK_V16(fma)(x, ORK_V16(splat)(0x1.715476p+0f), r);
    const ork_f32x16 n = z - r;
    const ork_f32x16 b = ORK_V16(fma)(-n, ORK_V16(splat)(0x1.7f7d1cp-20f),
                                      ORK_V16(fma)(-n, ORK_V16(splat)(0x1.62e4p-1f), x));
    const ork_f32x16 u = b * b;
    const ork_f32x16 j = ORK_V16(fma)(
        ORK_V16(fma)(ORK_V16(fma)(ORK_V16(splat)(0x1.0e4020p-7f), b, ORK_V16(splat)(0x1.573e2ep-5f)), u,
                     ORK_V16(fma)(ORK_V16(splat)(0x1.555e66p-3f), b, ORK_V16(splat)(0x1.fffdb6p-2f))),
        u, ORK_V16(fma)(ORK_V16(splat)(0x1.ffffecp-1f), b, ORK_V16(splat)(1.0f)));
    ork_f32x16 result;
    int big = 0;
    for (int i = 0; i < 16; i++) big |= __builtin_fabsf(n[i]) > 192.0f;
    if (!big) return ORK_V16(scale_pow2)(j, n);
    ork_f32x16 safe_n = n;
    for (int i = 0; i < 16; i++) if (__builtin_fabsf(n[i]) > 192.0f) safe_n[i] = 0;
    result = ORK_V16(scale_pow2)(j, safe_n);
    for (int i = 0; i < 16; i++)
        if (__builtin_fabsf(n[i]) > 192.0f) result[i] = n[i] <= 0 ? 0.0f : __builtin_inff();
    return result;
}

/// x / (1 + e^−x) (ggml_v_silu).
ORK_V16_INLINE ork_f32x16 ORK_V16(silu)(ork_f32x16 x) {
    return x / (ORK_V16(splat)(1.0f) + ORK_V16(expf)(ORK_V16(splat)(0.0f) - x));
}

/// y = silu(g) · u over a row of n (ggml_vec_swiglu_f32: 16 at a time, the rest with expf).
ORK_V16_ATTR __attribute__((unused)) static void ORK_V16(swiglu_row)(long n, const float *g, const float *u, float *y) {
    long i = 0;
    for (; i + 16 <= n; i += 16) ORK_V16(store)(y + i, ORK_V16(silu)(ORK_V16(load)(g + i)) * ORK_V16(load)(u + i));
    for (; i < n; i++) y[i] = g[i] / (1.0f + expf(-g[i])) * u[i];
}

#undef ORK_V16_INLINE
