// Elementwise kernels: relu forward/backward, bias add over rows, bias
// gradient (column sums). All bodies give bit-identical results: relu and
// bias add are exact, and the bias gradient sums each column over the rows in
// row order in every body (the vector bodies vectorize across columns).
#include "kernels_internal.h"

// ---- references ------------------------------------------------------------

void ork_relu_forward_ref(const float *x, float *y, long n) {
    // `x > 0 ? x : 0` is what vmaxps(x, 0) computes, NaN -> 0 and -0 -> +0 included.
    for (long i = 0; i < n; i++) y[i] = x[i] > 0.0f ? x[i] : 0.0f;
}

void ork_relu_backward_ref(const float *y, const float *dy, float *dx, long n) {
    for (long i = 0; i < n; i++) {
        const float d = dy[i];  // loaded unconditionally, so the loop compiles to selects
        dx[i] = y[i] > 0.0f ? d : 0.0f;
    }
}

void ork_add_bias_rows_ref(float *y, const float *bias, long rows, long cols) {
    for (long r = 0; r < rows; r++) {
        float *yr = y + r * cols;
        for (long c = 0; c < cols; c++) yr[c] += bias[c];
    }
}

void ork_bias_grad_ref(const float *dy, float *db, long rows, long cols, int accumulate) {
    // db[c] starts at 0 (or its old value) and adds dy[r][c] for r = 0, 1, ...
    if (!accumulate)
        for (long c = 0; c < cols; c++) db[c] = 0.0f;
    for (long r = 0; r < rows; r++) {
        const float *dr = dy + r * cols;
        for (long c = 0; c < cols; c++) db[c] += dr[c];
    }
}

#if ORK_X86

// ---- AVX2 ------------------------------------------------------------------

ORK_AVX2 void ork_relu_forward_avx2(const float *x, float *y, long n) {
    const __m256 z = _mm256_setzero_ps();
    long i = 0;
    for (; i + 32 <= n; i += 32) {
        __m256 a = _mm256_max_ps(_mm256_loadu_ps(x + i), z);
        __m256 b = _mm256_max_ps(_mm256_loadu_ps(x + i + 8), z);
        __m256 c = _mm256_max_ps(_mm256_loadu_ps(x + i + 16), z);
        __m256 d = _mm256_max_ps(_mm256_loadu_ps(x + i + 24), z);
        _mm256_storeu_ps(y + i, a);
        _mm256_storeu_ps(y + i + 8, b);
        _mm256_storeu_ps(y + i + 16, c);
        _mm256_storeu_ps(y + i + 24, d);
    }
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, _mm256_max_ps(_mm256_loadu_ps(x + i), z));
    for (; i < n; i++) y[i] = x[i] > 0.0f ? x[i] : 0.0f;
}

ORK_AVX2 void ork_relu_backward_avx2(const float *y, const float *dy, float *dx, long n) {
    const __m256 z = _mm256_setzero_ps();
    long i = 0;
    for (; i + 16 <= n; i += 16) {
        __m256 a = _mm256_and_ps(_mm256_cmp_ps(_mm256_loadu_ps(y + i), z, _CMP_GT_OQ),
                                 _mm256_loadu_ps(dy + i));
        __m256 b = _mm256_and_ps(_mm256_cmp_ps(_mm256_loadu_ps(y + i + 8), z, _CMP_GT_OQ),
                                 _mm256_loadu_ps(dy + i + 8));
        _mm256_storeu_ps(dx + i, a);
        _mm256_storeu_ps(dx + i + 8, b);
    }
    for (; i + 8 <= n; i += 8)
        _mm256_storeu_ps(dx + i, _mm256_and_ps(_mm256_cmp_ps(_mm256_loadu_ps(y + i), z, _CMP_GT_OQ),
                                               _mm256_loadu_ps(dy + i)));
    for (; i < n; i++) dx[i] = y[i] > 0.0f ? dy[i] : 0.0f;
}

ORK_AVX2 void ork_add_bias_rows_avx2(float *y, const float *bias, long rows, long cols) {
    for (long r = 0; r < rows; r++) {
        float *yr = y + r * cols;
        long c = 0;
        for (; c + 8 <= cols; c += 8)
            _mm256_storeu_ps(yr + c, _mm256_add_ps(_mm256_loadu_ps(yr + c), _mm256_loadu_ps(bias + c)));
        for (; c < cols; c++) yr[c] += bias[c];
    }
}

ORK_AVX2 void ork_bias_grad_avx2(const float *dy, float *db, long rows, long cols, int accumulate) {
    long c = 0;
    // Blocks of 32 columns held in registers while walking all rows.
    for (; c + 32 <= cols; c += 32) {
        __m256 a0, a1, a2, a3;
        if (accumulate) {
            a0 = _mm256_loadu_ps(db + c); a1 = _mm256_loadu_ps(db + c + 8);
            a2 = _mm256_loadu_ps(db + c + 16); a3 = _mm256_loadu_ps(db + c + 24);
        } else {
            a0 = a1 = a2 = a3 = _mm256_setzero_ps();
        }
        const float *p = dy + c;
        for (long r = 0; r < rows; r++, p += cols) {
            a0 = _mm256_add_ps(a0, _mm256_loadu_ps(p));
            a1 = _mm256_add_ps(a1, _mm256_loadu_ps(p + 8));
            a2 = _mm256_add_ps(a2, _mm256_loadu_ps(p + 16));
            a3 = _mm256_add_ps(a3, _mm256_loadu_ps(p + 24));
        }
        _mm256_storeu_ps(db + c, a0); _mm256_storeu_ps(db + c + 8, a1);
        _mm256_storeu_ps(db + c + 16, a2); _mm256_storeu_ps(db + c + 24, a3);
    }
    for (; c + 8 <= cols; c += 8) {
        __m256 a = accumulate ? _mm256_loadu_ps(db + c) : _mm256_setzero_ps();
        const float *p = dy + c;
        for (long r = 0; r < rows; r++, p += cols) a = _mm256_add_ps(a, _mm256_loadu_ps(p));
        _mm256_storeu_ps(db + c, a);
    }
    for (; c < cols; c++) {
        float s = accumulate ? db[c] : 0.0f;
        for (long r = 0; r < rows; r++) s += dy[r * cols + c];
        db[c] = s;
    }
}

// ---- AVX-512 ---------------------------------------------------------------

static inline __mmask16 tail_mask16(long k) { return (__mmask16)((1u << k) - 1u); }

ORK_AVX512 void ork_relu_forward_avx512(const float *x, float *y, long n) {
    const __m512 z = _mm512_setzero_ps();
    long i = 0;
    for (; i + 64 <= n; i += 64) {
        __m512 a = _mm512_max_ps(_mm512_loadu_ps(x + i), z);
        __m512 b = _mm512_max_ps(_mm512_loadu_ps(x + i + 16), z);
        __m512 c = _mm512_max_ps(_mm512_loadu_ps(x + i + 32), z);
        __m512 d = _mm512_max_ps(_mm512_loadu_ps(x + i + 48), z);
        _mm512_storeu_ps(y + i, a);
        _mm512_storeu_ps(y + i + 16, b);
        _mm512_storeu_ps(y + i + 32, c);
        _mm512_storeu_ps(y + i + 48, d);
    }
    for (; i + 16 <= n; i += 16) _mm512_storeu_ps(y + i, _mm512_max_ps(_mm512_loadu_ps(x + i), z));
    if (i < n) {
        __mmask16 m = tail_mask16(n - i);
        _mm512_mask_storeu_ps(y + i, m, _mm512_max_ps(_mm512_maskz_loadu_ps(m, x + i), z));
    }
}

ORK_AVX512 void ork_relu_backward_avx512(const float *y, const float *dy, float *dx, long n) {
    const __m512 z = _mm512_setzero_ps();
    long i = 0;
    for (; i + 32 <= n; i += 32) {
        __mmask16 ma = _mm512_cmp_ps_mask(_mm512_loadu_ps(y + i), z, _CMP_GT_OQ);
        __mmask16 mb = _mm512_cmp_ps_mask(_mm512_loadu_ps(y + i + 16), z, _CMP_GT_OQ);
        __m512 a = _mm512_maskz_mov_ps(ma, _mm512_loadu_ps(dy + i));
        __m512 b = _mm512_maskz_mov_ps(mb, _mm512_loadu_ps(dy + i + 16));
        _mm512_storeu_ps(dx + i, a);
        _mm512_storeu_ps(dx + i + 16, b);
    }
    for (; i + 16 <= n; i += 16) {
        __mmask16 m = _mm512_cmp_ps_mask(_mm512_loadu_ps(y + i), z, _CMP_GT_OQ);
        _mm512_storeu_ps(dx + i, _mm512_maskz_mov_ps(m, _mm512_loadu_ps(dy + i)));
    }
    if (i < n) {
        __mmask16 t = tail_mask16(n - i);
        __mmask16 m = _mm512_mask_cmp_ps_mask(t, _mm512_maskz_loadu_ps(t, y + i), z, _CMP_GT_OQ);
        _mm512_mask_storeu_ps(dx + i, t, _mm512_maskz_loadu_ps(m, dy + i));
    }
}

ORK_AVX512 void ork_add_bias_rows_avx512(float *y, const float *bias, long rows, long cols) {
    for (long r = 0; r < rows; r++) {
        float *yr = y + r * cols;
        long c = 0;
        for (; c + 16 <= cols; c += 16)
            _mm512_storeu_ps(yr + c, _mm512_add_ps(_mm512_loadu_ps(yr + c), _mm512_loadu_ps(bias + c)));
        if (c < cols) {
            __mmask16 m = tail_mask16(cols - c);
            _mm512_mask_storeu_ps(yr + c, m, _mm512_add_ps(_mm512_maskz_loadu_ps(m, yr + c),
                                                           _mm512_maskz_loadu_ps(m, bias + c)));
        }
    }
}

ORK_AVX512 void ork_bias_grad_avx512(const float *dy, float *db, long rows, long cols, int accumulate) {
    long c = 0;
    for (; c + 64 <= cols; c += 64) {
        __m512 a0, a1, a2, a3;
        if (accumulate) {
            a0 = _mm512_loadu_ps(db + c); a1 = _mm512_loadu_ps(db + c + 16);
            a2 = _mm512_loadu_ps(db + c + 32); a3 = _mm512_loadu_ps(db + c + 48);
        } else {
            a0 = a1 = a2 = a3 = _mm512_setzero_ps();
        }
        const float *p = dy + c;
        for (long r = 0; r < rows; r++, p += cols) {
            a0 = _mm512_add_ps(a0, _mm512_loadu_ps(p));
            a1 = _mm512_add_ps(a1, _mm512_loadu_ps(p + 16));
            a2 = _mm512_add_ps(a2, _mm512_loadu_ps(p + 32));
            a3 = _mm512_add_ps(a3, _mm512_loadu_ps(p + 48));
        }
        _mm512_storeu_ps(db + c, a0); _mm512_storeu_ps(db + c + 16, a1);
        _mm512_storeu_ps(db + c + 32, a2); _mm512_storeu_ps(db + c + 48, a3);
    }
    for (; c < cols; c += 16) {
        __mmask16 m = cols - c >= 16 ? (__mmask16)0xFFFF : tail_mask16(cols - c);
        __m512 a = accumulate ? _mm512_maskz_loadu_ps(m, db + c) : _mm512_setzero_ps();
        const float *p = dy + c;
        for (long r = 0; r < rows; r++, p += cols) a = _mm512_add_ps(a, _mm512_maskz_loadu_ps(m, p));
        _mm512_mask_storeu_ps(db + c, m, a);
    }
}

#endif // ORK_X86

// ---- dispatch --------------------------------------------------------------

void ork_relu_forward(const float *x, float *y, long n) {
    switch (ork__isa()) {
#if ORK_X86
    case ORK_ISA_AVX512: ork_relu_forward_avx512(x, y, n); return;
    case ORK_ISA_AVX2: ork_relu_forward_avx2(x, y, n); return;
#endif
    default: ork_relu_forward_ref(x, y, n); return;
    }
}

void ork_relu_backward(const float *y, const float *dy, float *dx, long n) {
    switch (ork__isa()) {
#if ORK_X86
    case ORK_ISA_AVX512: ork_relu_backward_avx512(y, dy, dx, n); return;
    case ORK_ISA_AVX2: ork_relu_backward_avx2(y, dy, dx, n); return;
#endif
    default: ork_relu_backward_ref(y, dy, dx, n); return;
    }
}

void ork_add_bias_rows(float *y, const float *bias, long rows, long cols) {
    switch (ork__isa()) {
#if ORK_X86
    case ORK_ISA_AVX512: ork_add_bias_rows_avx512(y, bias, rows, cols); return;
    case ORK_ISA_AVX2: ork_add_bias_rows_avx2(y, bias, rows, cols); return;
#endif
    default: ork_add_bias_rows_ref(y, bias, rows, cols); return;
    }
}

void ork_bias_grad(const float *dy, float *db, long rows, long cols, int accumulate) {
    switch (ork__isa()) {
#if ORK_X86
    case ORK_ISA_AVX512: ork_bias_grad_avx512(dy, db, rows, cols, accumulate); return;
    case ORK_ISA_AVX2: ork_bias_grad_avx2(dy, db, rows, cols, accumulate); return;
#endif
    default: ork_bias_grad_ref(dy, db, rows, cols, accumulate); return;
    }
}
