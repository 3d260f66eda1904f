// Max pooling over NHWC images. The forward bodies are bit-identical (same
// values, same argmax): every body seeds each window with its first in-image
// cell and replaces it only on a strict `>`, scanning window rows then
// columns. The vector bodies vectorize across channels. The backward pass is
// a scatter-add (dx[argmax[i]] += dy[i]); it runs the reference in every ISA,
// which keeps the accumulation order (and so the result) identical.
#include "kernels_internal.h"

// Clips the window of output (oy, ox) to the image: [*ky0, *ky1) x [*kx0, *kx1).
static inline void window_bounds(long oy, long ox, long h, long w, long pool_h, long pool_w,
                                 long stride_h, long stride_w, long pad_top, long pad_left,
                                 long *iy0, long *ix0, long *ky0, long *ky1, long *kx0, long *kx1) {
    *iy0 = oy * stride_h - pad_top;
    *ix0 = ox * stride_w - pad_left;
    *ky0 = ork__max(0, -*iy0);
    *ky1 = ork__min(pool_h, h - *iy0);
    *kx0 = ork__max(0, -*ix0);
    *kx1 = ork__min(pool_w, w - *ix0);
}

// The reference for channels [c0, c1) of one output pixel (also the scalar
// tail of the AVX2 body).
static inline void maxpool_pixel_ref(const float *x, float *yp, int32_t *ap, long b, long h,
                                     long w, long c, long iy0, long ix0, long ky0, long ky1,
                                     long kx0, long kx1, long c0, long c1) {
    if (ky0 >= ky1 || kx0 >= kx1) {
        for (long ch = c0; ch < c1; ch++) { yp[ch] = 0.0f; ap[ch] = -1; }
        return;
    }
    for (long ch = c0; ch < c1; ch++) {
        long arg = ((b * h + iy0 + ky0) * w + ix0 + kx0) * c + ch;
        float best = x[arg];
        for (long ky = ky0; ky < ky1; ky++) {
            for (long kx = (ky == ky0 ? kx0 + 1 : kx0); kx < kx1; kx++) {
                const long idx = ((b * h + iy0 + ky) * w + ix0 + kx) * c + ch;
                const float v = x[idx];
                const int gt = v > best;  // selects, not branches: ties are data-dependent
                best = gt ? v : best;
                arg = gt ? idx : arg;
            }
        }
        yp[ch] = best;
        ap[ch] = (int32_t)arg;
    }
}

void ork_maxpool2d_forward_ref(const float *x, float *y, int32_t *argmax,
                               long n, long h, long w, long c,
                               long pool_h, long pool_w, long stride_h, long stride_w,
                               long oh, long ow, long pad_top, long pad_left) {
    for (long b = 0; b < n; b++)
        for (long oy = 0; oy < oh; oy++)
            for (long ox = 0; ox < ow; ox++) {
                long iy0, ix0, ky0, ky1, kx0, kx1;
                window_bounds(oy, ox, h, w, pool_h, pool_w, stride_h, stride_w, pad_top, pad_left,
                              &iy0, &ix0, &ky0, &ky1, &kx0, &kx1);
                long o = ((b * oh + oy) * ow + ox) * c;
                maxpool_pixel_ref(x, y + o, argmax + o, b, h, w, c, iy0, ix0, ky0, ky1, kx0, kx1, 0, c);
            }
}

void ork_maxpool2d_backward_ref(const float *dy, const int32_t *argmax, float *dx, long count_out) {
    for (long i = 0; i < count_out; i++) {
        int32_t a = argmax[i];
        if (a >= 0) dx[a] += dy[i];
    }
}

#if ORK_X86

ORK_AVX2 void ork_maxpool2d_forward_avx2(const float *x, float *y, int32_t *argmax,
                                         long n, long h, long w, long c,
                                         long pool_h, long pool_w, long stride_h, long stride_w,
                                         long oh, long ow, long pad_top, long pad_left) {
    const __m256i iota = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    const long cv = c & ~7L;
    for (long b = 0; b < n; b++)
        for (long oy = 0; oy < oh; oy++)
            for (long ox = 0; ox < ow; ox++) {
                long iy0, ix0, ky0, ky1, kx0, kx1;
                window_bounds(oy, ox, h, w, pool_h, pool_w, stride_h, stride_w, pad_top, pad_left,
                              &iy0, &ix0, &ky0, &ky1, &kx0, &kx1);
                long o = ((b * oh + oy) * ow + ox) * c;
                float *yp = y + o;
                int32_t *ap = argmax + o;
                if (ky0 >= ky1 || kx0 >= kx1) {
                    for (long ch = 0; ch < c; ch++) { yp[ch] = 0.0f; ap[ch] = -1; }
                    continue;
                }
                long first = ((b * h + iy0 + ky0) * w + ix0 + kx0) * c;
                for (long ch = 0; ch < cv; ch += 8) {
                    __m256 best = _mm256_loadu_ps(x + first + ch);
                    __m256i arg = _mm256_add_epi32(_mm256_set1_epi32((int32_t)(first + ch)), iota);
                    for (long ky = ky0; ky < ky1; ky++)
                        for (long kx = (ky == ky0 ? kx0 + 1 : kx0); kx < kx1; kx++) {
                            long idx = ((b * h + iy0 + ky) * w + ix0 + kx) * c + ch;
                            __m256 v = _mm256_loadu_ps(x + idx);
                            __m256 gt = _mm256_cmp_ps(v, best, _CMP_GT_OQ);
                            best = _mm256_blendv_ps(best, v, gt);
                            __m256i cand = _mm256_add_epi32(_mm256_set1_epi32((int32_t)idx), iota);
                            arg = _mm256_castps_si256(_mm256_blendv_ps(
                                _mm256_castsi256_ps(arg), _mm256_castsi256_ps(cand), gt));
                        }
                    _mm256_storeu_ps(yp + ch, best);
                    _mm256_storeu_si256((__m256i *)(ap + ch), arg);
                }
                if (cv < c)
                    maxpool_pixel_ref(x, yp, ap, b, h, w, c, iy0, ix0, ky0, ky1, kx0, kx1, cv, c);
            }
}

ORK_AVX512 void ork_maxpool2d_forward_avx512(const float *x, float *y, int32_t *argmax,
                                           long n, long h, long w, long c,
                                           long pool_h, long pool_w, long stride_h, long stride_w,
                                           long oh, long ow, long pad_top, long pad_left) {
    const __m512i iota = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    for (long b = 0; b < n; b++)
        for (long oy = 0; oy < oh; oy++)
            for (long ox = 0; ox < ow; ox++) {
                long iy0, ix0, ky0, ky1, kx0, kx1;
                window_bounds(oy, ox, h, w, pool_h, pool_w, stride_h, stride_w, pad_top, pad_left,
                              &iy0, &ix0, &ky0, &ky1, &kx0, &kx1);
                long o = ((b * oh + oy) * ow + ox) * c;
                float *yp = y + o;
                int32_t *ap = argmax + o;
                const int empty = ky0 >= ky1 || kx0 >= kx1;
                long first = empty ? 0 : ((b * h + iy0 + ky0) * w + ix0 + kx0) * c;
                for (long ch = 0; ch < c; ch += 16) {
                    __mmask16 m = c - ch >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (c - ch)) - 1u);
                    if (empty) {
                        _mm512_mask_storeu_ps(yp + ch, m, _mm512_setzero_ps());
                        _mm512_mask_storeu_epi32(ap + ch, m, _mm512_set1_epi32(-1));
                        continue;
                    }
                    __m512 best = _mm512_maskz_loadu_ps(m, x + first + ch);
                    __m512i arg = _mm512_add_epi32(_mm512_set1_epi32((int32_t)(first + ch)), iota);
                    for (long ky = ky0; ky < ky1; ky++)
                        for (long kx = (ky == ky0 ? kx0 + 1 : kx0); kx < kx1; kx++) {
                            long idx = ((b * h + iy0 + ky) * w + ix0 + kx) * c + ch;
                            __m512 v = _mm512_maskz_loadu_ps(m, x + idx);
                            __mmask16 gt = _mm512_cmp_ps_mask(v, best, _CMP_GT_OQ);
                            best = _mm512_mask_mov_ps(best, gt, v);
                            arg = _mm512_mask_add_epi32(arg, gt, _mm512_set1_epi32((int32_t)idx), iota);
                        }
                    _mm512_mask_storeu_ps(yp + ch, m, best);
                    _mm512_mask_storeu_epi32(ap + ch, m, arg);
                }
            }
}

#endif // ORK_X86

void ork_maxpool2d_forward(const float *x, float *y, int32_t *argmax,
                           long n, long h, long w, long c,
                           long pool_h, long pool_w, long stride_h, long stride_w,
                           long oh, long ow, long pad_top, long pad_left) {
    switch (ork__isa()) {
#if ORK_X86
    case ORK_ISA_AVX512:
        ork_maxpool2d_forward_avx512(x, y, argmax, n, h, w, c, pool_h, pool_w, stride_h, stride_w,
                                     oh, ow, pad_top, pad_left);
        return;
    case ORK_ISA_AVX2:
        ork_maxpool2d_forward_avx2(x, y, argmax, n, h, w, c, pool_h, pool_w, stride_h, stride_w,
                                   oh, ow, pad_top, pad_left);
        return;
#endif
    default:
        ork_maxpool2d_forward_ref(x, y, argmax, n, h, w, c, pool_h, pool_w, stride_h, stride_w,
                                  oh, ow, pad_top, pad_left);
        return;
    }
}

void ork_maxpool2d_backward(const float *dy, const int32_t *argmax, float *dx, long count_out) {
    // A scatter-add: vpscatterdd is slow on current x86 cores and colliding
    // indices (overlapping windows) would need vpconflictd; the scalar loop is
    // memory-bound anyway and keeps the accumulation order of the reference.
    ork_maxpool2d_backward_ref(dy, argmax, dx, count_out);
}
