// im2col / col2im over NHWC images. For a fixed output pixel and kernel row
// ky, the in-image cells kx in [kx0, kx1) are one contiguous run of
// (kx1 - kx0) * c floats in x and in the column row, so the fast bodies copy
// (im2col) or add (col2im) whole runs; c == 1 (the first convolution of the
// MNIST CNN) is just a run of kw floats. Both operations are exact in every
// body: im2col moves values, and col2im adds into each dx cell in the same
// order as the reference (output pixels, then ky, kx), because the cells of
// one run are distinct.
#include "kernels_internal.h"

#include <string.h>

void ork_im2col_nhwc_ref(const float *x, float *col,
                         long n, long h, long w, long c,
                         long kh, long kw, long stride_h, long stride_w,
                         long oh, long ow, long pad_top, long pad_left) {
    float *dst = col;
    for (long b = 0; b < n; b++)
        for (long oy = 0; oy < oh; oy++)
            for (long ox = 0; ox < ow; ox++)
                for (long ky = 0; ky < kh; ky++)
                    for (long kx = 0; kx < kw; kx++) {
                        long iy = oy * stride_h - pad_top + ky;
                        long ix = ox * stride_w - pad_left + kx;
                        if (iy >= 0 && iy < h && ix >= 0 && ix < w) {
                            const float *src = x + ((b * h + iy) * w + ix) * c;
                            for (long ci = 0; ci < c; ci++) *dst++ = src[ci];
                        } else {
                            for (long ci = 0; ci < c; ci++) *dst++ = 0.0f;
                        }
                    }
}

void ork_col2im_nhwc_ref(const float *dcol, float *dx,
                         long n, long h, long w, long c,
                         long kh, long kw, long stride_h, long stride_w,
                         long oh, long ow, long pad_top, long pad_left) {
    const float *src = dcol;
    for (long b = 0; b < n; b++)
        for (long oy = 0; oy < oh; oy++)
            for (long ox = 0; ox < ow; ox++)
                for (long ky = 0; ky < kh; ky++)
                    for (long kx = 0; kx < kw; kx++) {
                        long iy = oy * stride_h - pad_top + ky;
                        long ix = ox * stride_w - pad_left + kx;
                        if (iy >= 0 && iy < h && ix >= 0 && ix < w) {
                            float *d = dx + ((b * h + iy) * w + ix) * c;
                            for (long ci = 0; ci < c; ci++) d[ci] += src[ci];
                        }
                        src += c;
                    }
}

#if ORK_X86

// col2im for one channel and unit horizontal stride, as a gather: each dx
// cell of an image row sums, in a register, the contributions of one output
// row (ox ascending, so the reference's order), instead of read-modify-writing
// overlapping 3-float runs (which stalls on store-to-load forwarding).
static void col2im_c1_unit_stride(const float *dcol, float *dx, long n, long h, long w,
                                  long kh, long kw, long stride_h, long oh, long ow,
                                  long pad_top, long pad_left) {
    const long K = kh * kw;
    for (long b = 0; b < n; b++)
        for (long oy = 0; oy < oh; oy++) {
            const long iyb = oy * stride_h - pad_top;
            const float *prow = dcol + (b * oh + oy) * ow * K;
            for (long ky = 0; ky < kh; ky++) {
                const long iy = iyb + ky;
                if (iy < 0 || iy >= h) continue;
                float *d = dx + (b * h + iy) * w;
                const float *pk = prow + ky * kw;
                // Cells whose kw outputs all exist: ix in [ia, ib).
                const long ia = ork__min(w, ork__max(0, kw - 1 - pad_left));
                const long ib = ork__max(ia, ork__min(w, ow - pad_left));
                for (long ix = 0; ix < w; ix++) {
                    if (kw == 3 && ix == ia && ia < ib) {
                        // Three terms, ox ascending (kx = 2, 1, 0).
                        const float *q = pk + (ia + pad_left - 2) * K;
                        for (; ix < ib; ix++, q += K) {
                            float s = d[ix];
                            s += q[2];
                            s += q[K + 1];
                            s += q[2 * K];
                            d[ix] = s;
                        }
                        if (ix >= w) break;
                    }
                    // Outputs ox with ix = ox - pad_left + kx, 0 <= kx < kw.
                    const long o0 = ork__max(0, ix + pad_left - kw + 1);
                    const long o1 = ork__min(ow - 1, ix + pad_left);
                    float s = d[ix];
                    for (long ox = o0; ox <= o1; ox++) s += pk[ox * K + (ix + pad_left - ox)];
                    d[ix] = s;
                }
            }
        }
}

// ---- AVX2 ------------------------------------------------------------------

ORK_AVX2 static inline void copy_run_avx2(float *dst, const float *src, long len) {
    long i = 0;
    for (; i + 8 <= len; i += 8) _mm256_storeu_ps(dst + i, _mm256_loadu_ps(src + i));
    for (; i < len; i++) dst[i] = src[i];
}

ORK_AVX2 static inline void zero_run_avx2(float *dst, long len) {
    long i = 0;
    for (; i + 8 <= len; i += 8) _mm256_storeu_ps(dst + i, _mm256_setzero_ps());
    for (; i < len; i++) dst[i] = 0.0f;
}

ORK_AVX2 static inline void add_run_avx2(float *dst, const float *src, long len) {
    long i = 0;
    for (; i + 8 <= len; i += 8)
        _mm256_storeu_ps(dst + i, _mm256_add_ps(_mm256_loadu_ps(dst + i), _mm256_loadu_ps(src + i)));
    for (; i < len; i++) dst[i] += src[i];
}

// Output columns [*oxa, *oxb) have their whole window inside the image
// horizontally (ixb >= 0 and ixb + kw <= w).
static inline void interior_columns(long w, long kw, long stride_w, long pad_left, long ow,
                                    long *oxa, long *oxb) {
    long a = pad_left > 0 ? (pad_left + stride_w - 1) / stride_w : 0;
    long b = w - kw + pad_left >= 0 ? (w - kw + pad_left) / stride_w + 1 : 0;
    a = ork__min(a, ow);
    b = ork__min(ork__max(b, a), ow);
    *oxa = a;
    *oxb = b;
}

ORK_AVX2 static inline void im2col_pixel_avx2(const float *x, float *row, long b, long h, long w,
                                              long c, long kh, long kw, long iyb, long ixb) {
    const long run = kw * c;
    const long kx0 = ork__max(0, -ixb), kx1 = ork__min(kw, w - ixb);
    for (long ky = 0; ky < kh; ky++) {
        float *dst = row + ky * run;
        const long iy = iyb + ky;
        if (iy < 0 || iy >= h || kx0 >= kx1) { zero_run_avx2(dst, run); continue; }
        // In-image cells [kx0, kx1) of this kernel row, contiguous in x.
        const float *src = x + ((b * h + iy) * w + ixb + kx0) * c;
        zero_run_avx2(dst, kx0 * c);
        copy_run_avx2(dst + kx0 * c, src, (kx1 - kx0) * c);
        zero_run_avx2(dst + kx1 * c, (kw - kx1) * c);
    }
}

ORK_AVX2 void ork_im2col_nhwc_avx2(const float *x, float *col,
                                   long n, long h, long w, long c,
                                   long kh, long kw, long stride_h, long stride_w,
                                   long oh, long ow, long pad_top, long pad_left) {
    const long run = kw * c, rowlen = kh * run, xrow = w * c;
    long oxa, oxb;
    interior_columns(w, kw, stride_w, pad_left, ow, &oxa, &oxb);
    for (long b = 0; b < n; b++)
        for (long oy = 0; oy < oh; oy++) {
            const long iyb = oy * stride_h - pad_top;
            float *out = col + (b * oh + oy) * ow * rowlen;
            const int rows_inside = iyb >= 0 && iyb + kh <= h;
            const long fa = rows_inside ? oxa : ow, fb = rows_inside ? oxb : ow;
            for (long ox = 0; ox < fa; ox++)
                im2col_pixel_avx2(x, out + ox * rowlen, b, h, w, c, kh, kw, iyb, ox * stride_w - pad_left);
            if (fa < fb) {
                // Interior: every kernel row is one full run; simple addressing.
                const float *src0 = x + ((b * h + iyb) * w) * c + (fa * stride_w - pad_left) * c;
                float *dst = out + fa * rowlen;
                const long step = stride_w * c;
                if (c == 1) {
                    for (long ox = fa; ox < fb; ox++, src0 += step, dst += rowlen)
                        for (long ky = 0; ky < kh; ky++)
                            for (long kx = 0; kx < kw; kx++) dst[ky * kw + kx] = src0[ky * xrow + kx];
                } else {
                    for (long ox = fa; ox < fb; ox++, src0 += step, dst += rowlen)
                        for (long ky = 0; ky < kh; ky++) copy_run_avx2(dst + ky * run, src0 + ky * xrow, run);
                }
            }
            for (long ox = fb; ox < ow; ox++)
                im2col_pixel_avx2(x, out + ox * rowlen, b, h, w, c, kh, kw, iyb, ox * stride_w - pad_left);
        }
}

ORK_AVX2 void ork_col2im_nhwc_avx2(const float *dcol, float *dx,
                                   long n, long h, long w, long c,
                                   long kh, long kw, long stride_h, long stride_w,
                                   long oh, long ow, long pad_top, long pad_left) {
    const long run = kw * c, rowlen = kh * run;
    if (c == 1 && stride_w == 1) {
        col2im_c1_unit_stride(dcol, dx, n, h, w, kh, kw, stride_h, oh, ow, pad_top, pad_left);
        return;
    }
    for (long b = 0; b < n; b++)
        for (long oy = 0; oy < oh; oy++) {
            const long iyb = oy * stride_h - pad_top;
            for (long ox = 0; ox < ow; ox++) {
                const long ixb = ox * stride_w - pad_left;
                const long kx0 = ork__max(0, -ixb), kx1 = ork__min(kw, w - ixb);
                if (kx0 >= kx1) continue;
                const float *row = dcol + ((b * oh + oy) * ow + ox) * rowlen;
                for (long ky = 0; ky < kh; ky++) {
                    const long iy = iyb + ky;
                    if (iy < 0 || iy >= h) continue;
                    float *d = dx + ((b * h + iy) * w + ixb + kx0) * c;
                    add_run_avx2(d, row + ky * run + kx0 * c, (kx1 - kx0) * c);
                }
            }
        }
}

// ---- AVX-512 ---------------------------------------------------------------

static inline __mmask16 run_mask16(long k) {
    return k >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << k) - 1u);
}

ORK_AVX512 static inline void copy_run_avx512(float *dst, const float *src, long len) {
    long i = 0;
    for (; i + 16 <= len; i += 16) _mm512_storeu_ps(dst + i, _mm512_loadu_ps(src + i));
    if (i < len) {
        __mmask16 m = run_mask16(len - i);
        _mm512_mask_storeu_ps(dst + i, m, _mm512_maskz_loadu_ps(m, src + i));
    }
}

ORK_AVX512 static inline void zero_run_avx512(float *dst, long len) {
    long i = 0;
    for (; i + 16 <= len; i += 16) _mm512_storeu_ps(dst + i, _mm512_setzero_ps());
    if (i < len) _mm512_mask_storeu_ps(dst + i, run_mask16(len - i), _mm512_setzero_ps());
}

ORK_AVX512 static inline void add_run_avx512(float *dst, const float *src, long len) {
    long i = 0;
    for (; i + 16 <= len; i += 16)
        _mm512_storeu_ps(dst + i, _mm512_add_ps(_mm512_loadu_ps(dst + i), _mm512_loadu_ps(src + i)));
    if (i < len) {
        __mmask16 m = run_mask16(len - i);
        _mm512_mask_storeu_ps(dst + i, m, _mm512_add_ps(_mm512_maskz_loadu_ps(m, dst + i),
                                                        _mm512_maskz_loadu_ps(m, src + i)));
    }
}

ORK_AVX512 static inline void im2col_pixel_avx512(const float *x, float *row, long b, long h, long w,
                                                  long c, long kh, long kw, long iyb, long ixb) {
    const long run = kw * c;
    const long kx0 = ork__max(0, -ixb), kx1 = ork__min(kw, w - ixb);
    for (long ky = 0; ky < kh; ky++) {
        float *dst = row + ky * run;
        const long iy = iyb + ky;
        if (iy < 0 || iy >= h || kx0 >= kx1) { zero_run_avx512(dst, run); continue; }
        // In-image cells [kx0, kx1) of this kernel row, contiguous in x.
        const float *src = x + ((b * h + iy) * w + ixb + kx0) * c;
        zero_run_avx512(dst, kx0 * c);
        copy_run_avx512(dst + kx0 * c, src, (kx1 - kx0) * c);
        zero_run_avx512(dst + kx1 * c, (kw - kx1) * c);
    }
}

ORK_AVX512 void ork_im2col_nhwc_avx512(const float *x, float *col,
                                     long n, long h, long w, long c,
                                     long kh, long kw, long stride_h, long stride_w,
                                     long oh, long ow, long pad_top, long pad_left) {
    const long run = kw * c, rowlen = kh * run, xrow = w * c;
    long oxa, oxb;
    interior_columns(w, kw, stride_w, pad_left, ow, &oxa, &oxb);
    // 3x3 on one channel: three 3-float rows -> one 9-float column row.
    const __m512i pick01 = _mm512_setr_epi32(0, 1, 2, 16, 17, 18, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
    const __m512i pick2 = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 16, 17, 18, 0, 0, 0, 0, 0, 0, 0);
    const __mmask16 mrun = run_mask16(run);
    for (long b = 0; b < n; b++)
        for (long oy = 0; oy < oh; oy++) {
            const long iyb = oy * stride_h - pad_top;
            float *out = col + (b * oh + oy) * ow * rowlen;
            const int rows_inside = iyb >= 0 && iyb + kh <= h;
            const long fa = rows_inside ? oxa : ow, fb = rows_inside ? oxb : ow;
            for (long ox = 0; ox < fa; ox++)
                im2col_pixel_avx512(x, out + ox * rowlen, b, h, w, c, kh, kw, iyb, ox * stride_w - pad_left);
            if (fa < fb) {
                // Interior: every kernel row is one full run; simple addressing.
                const float *src0 = x + ((b * h + iyb) * w) * c + (fa * stride_w - pad_left) * c;
                float *dst = out + fa * rowlen;
                const long step = stride_w * c;
                if (c == 1 && kh == 3 && kw == 3) {
                    for (long ox = fa; ox < fb; ox++, src0 += step, dst += 9) {
                        __m512 r0 = _mm512_maskz_loadu_ps(0x7, src0);
                        __m512 r1 = _mm512_maskz_loadu_ps(0x7, src0 + xrow);
                        __m512 r2 = _mm512_maskz_loadu_ps(0x7, src0 + 2 * xrow);
                        __m512 v = _mm512_permutex2var_ps(_mm512_permutex2var_ps(r0, pick01, r1), pick2, r2);
                        _mm512_mask_storeu_ps(dst, 0x1FF, v);
                    }
                } else if (run <= 16) {
                    for (long ox = fa; ox < fb; ox++, src0 += step, dst += rowlen)
                        for (long ky = 0; ky < kh; ky++)
                            _mm512_mask_storeu_ps(dst + ky * run, mrun, _mm512_maskz_loadu_ps(mrun, src0 + ky * xrow));
                } else {
                    for (long ox = fa; ox < fb; ox++, src0 += step, dst += rowlen)
                        for (long ky = 0; ky < kh; ky++) copy_run_avx512(dst + ky * run, src0 + ky * xrow, run);
                }
            }
            for (long ox = fb; ox < ow; ox++)
                im2col_pixel_avx512(x, out + ox * rowlen, b, h, w, c, kh, kw, iyb, ox * stride_w - pad_left);
        }
}

ORK_AVX512 void ork_col2im_nhwc_avx512(const float *dcol, float *dx,
                                     long n, long h, long w, long c,
                                     long kh, long kw, long stride_h, long stride_w,
                                     long oh, long ow, long pad_top, long pad_left) {
    const long run = kw * c, rowlen = kh * run;
    if (c == 1 && stride_w == 1) {
        col2im_c1_unit_stride(dcol, dx, n, h, w, kh, kw, stride_h, oh, ow, pad_top, pad_left);
        return;
    }
    for (long b = 0; b < n; b++)
        for (long oy = 0; oy < oh; oy++) {
            const long iyb = oy * stride_h - pad_top;
            for (long ox = 0; ox < ow; ox++) {
                const long ixb = ox * stride_w - pad_left;
                const long kx0 = ork__max(0, -ixb), kx1 = ork__min(kw, w - ixb);
                if (kx0 >= kx1) continue;
                const float *row = dcol + ((b * oh + oy) * ow + ox) * rowlen;
                for (long ky = 0; ky < kh; ky++) {
                    const long iy = iyb + ky;
                    if (iy < 0 || iy >= h) continue;
                    float *d = dx + ((b * h + iy) * w + ixb + kx0) * c;
                    add_run_avx512(d, row + ky * run + kx0 * c, (kx1 - kx0) * c);
                }
            }
        }
}

#endif // ORK_X86

void ork_im2col_nhwc(const float *x, float *col,
                     long n, long h, long w, long c,
                     long kh, long kw, long stride_h, long stride_w,
                     long oh, long ow, long pad_top, long pad_left) {
    switch (ork__isa()) {
#if ORK_X86
    case ORK_ISA_AVX512:
        ork_im2col_nhwc_avx512(x, col, n, h, w, c, kh, kw, stride_h, stride_w, oh, ow, pad_top, pad_left);
        return;
    case ORK_ISA_AVX2:
        ork_im2col_nhwc_avx2(x, col, n, h, w, c, kh, kw, stride_h, stride_w, oh, ow, pad_top, pad_left);
        return;
#endif
    default:
        ork_im2col_nhwc_ref(x, col, n, h, w, c, kh, kw, stride_h, stride_w, oh, ow, pad_top, pad_left);
        return;
    }
}

void ork_col2im_nhwc(const float *dcol, float *dx,
                     long n, long h, long w, long c,
                     long kh, long kw, long stride_h, long stride_w,
                     long oh, long ow, long pad_top, long pad_left) {
    switch (ork__isa()) {
#if ORK_X86
    case ORK_ISA_AVX512:
        ork_col2im_nhwc_avx512(dcol, dx, n, h, w, c, kh, kw, stride_h, stride_w, oh, ow, pad_top, pad_left);
        return;
    case ORK_ISA_AVX2:
        ork_col2im_nhwc_avx2(dcol, dx, n, h, w, c, kh, kw, stride_h, stride_w, oh, ow, pad_top, pad_left);
        return;
#endif
    default:
        ork_col2im_nhwc_ref(dcol, dx, n, h, w, c, kh, kw, stride_h, stride_w, oh, ow, pad_top, pad_left);
        return;
    }
}
