// Optimizer steps. Adam: every body evaluates the same sequence of correctly
// rounded float operations (multiplies and adds kept separate, no FMA; sqrt
// and a true division, no rsqrt estimate), so in practice the ISAs agree bit
// for bit; the tests still only promise a small relative tolerance.
#include "kernels_internal.h"

#include <math.h>

// One statement per rounding step: with clang's default -ffp-contract=on a
// multiply and an add are only fused inside one expression, so these stay
// separate roundings on every target, matching the vector bodies.
static inline void adam_one(float *w, const float *g, float *m, float *v, long i,
                            float alpha, float beta1, float beta2, float eps,
                            float omb1, float omb2) {
    float gi = g[i];
    float mi = beta1 * m[i];
    float t = omb1 * gi;
    mi = mi + t;
    float vi = beta2 * v[i];
    float u = omb2 * gi;
    u = u * gi;
    vi = vi + u;
    float den = sqrtf(vi);
    den = den + eps;
    float step = alpha * mi;
    step = step / den;
    m[i] = mi;
    v[i] = vi;
    w[i] = w[i] - step;
}

void ork_adam_update_ref(float *w, const float *g, float *m, float *v, long n,
                         float alpha, float beta1, float beta2, float eps,
                         float lr, float weight_decay) {
    const float omb1 = 1.0f - beta1, omb2 = 1.0f - beta2;
    if (weight_decay != 0.0f) {
        const float decay = lr * weight_decay;
        for (long i = 0; i < n; i++) {
            float d = decay * w[i];
            w[i] = w[i] - d;
        }
    }
    for (long i = 0; i < n; i++) adam_one(w, g, m, v, i, alpha, beta1, beta2, eps, omb1, omb2);
}

#if ORK_X86

ORK_AVX2 static inline void adam_vec_avx2(float *w, const float *g, float *m, float *v,
                                          __m256 alpha, __m256 b1, __m256 b2, __m256 eps,
                                          __m256 omb1, __m256 omb2, __m256 decay, int decayed) {
    __m256 gi = _mm256_loadu_ps(g);
    __m256 wi = _mm256_loadu_ps(w);
    if (decayed) wi = _mm256_sub_ps(wi, _mm256_mul_ps(decay, wi));
    __m256 mi = _mm256_add_ps(_mm256_mul_ps(b1, _mm256_loadu_ps(m)), _mm256_mul_ps(omb1, gi));
    __m256 vi = _mm256_add_ps(_mm256_mul_ps(b2, _mm256_loadu_ps(v)),
                              _mm256_mul_ps(_mm256_mul_ps(omb2, gi), gi));
    __m256 den = _mm256_add_ps(_mm256_sqrt_ps(vi), eps);
    __m256 step = _mm256_div_ps(_mm256_mul_ps(alpha, mi), den);
    _mm256_storeu_ps(m, mi);
    _mm256_storeu_ps(v, vi);
    _mm256_storeu_ps(w, _mm256_sub_ps(wi, step));
}

ORK_AVX2 void ork_adam_update_avx2(float *w, const float *g, float *m, float *v, long n,
                                   float alpha, float beta1, float beta2, float eps,
                                   float lr, float weight_decay) {
    const float omb1 = 1.0f - beta1, omb2 = 1.0f - beta2, decay = lr * weight_decay;
    const int decayed = weight_decay != 0.0f;
    const __m256 va = _mm256_set1_ps(alpha), vb1 = _mm256_set1_ps(beta1), vb2 = _mm256_set1_ps(beta2);
    const __m256 veps = _mm256_set1_ps(eps), vo1 = _mm256_set1_ps(omb1), vo2 = _mm256_set1_ps(omb2);
    const __m256 vd = _mm256_set1_ps(decay);
    long i = 0;
    for (; i + 8 <= n; i += 8)
        adam_vec_avx2(w + i, g + i, m + i, v + i, va, vb1, vb2, veps, vo1, vo2, vd, decayed);
    for (; i < n; i++) {
        if (decayed) {
            float d = decay * w[i];
            w[i] = w[i] - d;
        }
        adam_one(w, g, m, v, i, alpha, beta1, beta2, eps, omb1, omb2);
    }
}

ORK_AVX512 void ork_adam_update_avx512(float *w, const float *g, float *m, float *v, long n,
                                       float alpha, float beta1, float beta2, float eps,
                                       float lr, float weight_decay) {
    const float omb1 = 1.0f - beta1, omb2 = 1.0f - beta2, decay = lr * weight_decay;
    const int decayed = weight_decay != 0.0f;
    const __m512 va = _mm512_set1_ps(alpha), vb1 = _mm512_set1_ps(beta1), vb2 = _mm512_set1_ps(beta2);
    const __m512 veps = _mm512_set1_ps(eps), vo1 = _mm512_set1_ps(omb1), vo2 = _mm512_set1_ps(omb2);
    const __m512 vd = _mm512_set1_ps(decay);
    for (long i = 0; i < n; i += 16) {
        // Full vectors, then one masked tail.
        const __mmask16 k = n - i >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (n - i)) - 1u);
        __m512 gi = _mm512_maskz_loadu_ps(k, g + i);
        __m512 wi = _mm512_maskz_loadu_ps(k, w + i);
        if (decayed) wi = _mm512_sub_ps(wi, _mm512_mul_ps(vd, wi));
        __m512 mi = _mm512_add_ps(_mm512_mul_ps(vb1, _mm512_maskz_loadu_ps(k, m + i)), _mm512_mul_ps(vo1, gi));
        __m512 vi = _mm512_add_ps(_mm512_mul_ps(vb2, _mm512_maskz_loadu_ps(k, v + i)),
                                  _mm512_mul_ps(_mm512_mul_ps(vo2, gi), gi));
        __m512 den = _mm512_add_ps(_mm512_sqrt_ps(vi), veps);
        __m512 step = _mm512_div_ps(_mm512_mul_ps(va, mi), den);
        _mm512_mask_storeu_ps(m + i, k, mi);
        _mm512_mask_storeu_ps(v + i, k, vi);
        _mm512_mask_storeu_ps(w + i, k, _mm512_sub_ps(wi, step));
    }
}

#endif // ORK_X86

void ork_adam_update(float *w, const float *g, float *m, float *v, long n,
                     float alpha, float beta1, float beta2, float eps,
                     float lr, float weight_decay) {
    switch (ork__isa()) {
#if ORK_X86
    case ORK_ISA_AVX512:
        ork_adam_update_avx512(w, g, m, v, n, alpha, beta1, beta2, eps, lr, weight_decay);
        return;
    case ORK_ISA_AVX2:
        ork_adam_update_avx2(w, g, m, v, n, alpha, beta1, beta2, eps, lr, weight_decay);
        return;
#endif
    default:
        ork_adam_update_ref(w, g, m, v, n, alpha, beta1, beta2, eps, lr, weight_decay);
        return;
    }
}
