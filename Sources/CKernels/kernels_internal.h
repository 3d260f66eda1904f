// Internal to CKernels: the ISA state read by the dispatching entry points,
// the target attributes, and the declarations of the AVX2 and AVX-512 bodies.
// The scalar references (`*_ref`) are declared in the public header, in its
// "reference bodies, for tests" section.
#ifndef ORCHARD_CKERNELS_INTERNAL_H
#define ORCHARD_CKERNELS_INTERNAL_H

#include "ckernels.h"

#include <stdatomic.h>
#include <stdint.h>

#if defined(__x86_64__)
#define ORK_X86 1
#include <immintrin.h>
#define ORK_AVX2 __attribute__((target("avx2,fma")))
#define ORK_AVX512 __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq")))
#else
#define ORK_X86 0
#endif

/// The active ISA, or -1 before the first detection (dispatch.c).
extern _Atomic int ork__active_isa_state;
/// Detects the CPU (and reads ORCHARD_ISA) on first use; returns the active ISA.
ork_isa ork__init_isa(void);

/// The ISA the dispatching entry points use now; one relaxed load once the
/// state is initialised.
static inline ork_isa ork__isa(void) {
    int s = atomic_load_explicit(&ork__active_isa_state, memory_order_relaxed);
    if (__builtin_expect(s < 0, 0)) return ork__init_isa();
    return (ork_isa)s;
}

static inline long ork__min(long a, long b) { return a < b ? a : b; }
static inline long ork__max(long a, long b) { return a > b ? a : b; }

#if ORK_X86
// elementwise.c
void ork_relu_forward_avx2(const float *x, float *y, long n);
void ork_relu_forward_avx512(const float *x, float *y, long n);
void ork_relu_backward_avx2(const float *y, const float *dy, float *dx, long n);
void ork_relu_backward_avx512(const float *y, const float *dy, float *dx, long n);
void ork_add_bias_rows_avx2(float *y, const float *bias, long rows, long cols);
void ork_add_bias_rows_avx512(float *y, const float *bias, long rows, long cols);
void ork_bias_grad_avx2(const float *dy, float *db, long rows, long cols, int accumulate);
void ork_bias_grad_avx512(const float *dy, float *db, long rows, long cols, int accumulate);

// pooling.c
void ork_maxpool2d_forward_avx2(const float *x, float *y, int32_t *argmax,
                                long n, long h, long w, long c,
                                long pool_h, long pool_w, long stride_h, long stride_w,
                                long oh, long ow, long pad_top, long pad_left);
void ork_maxpool2d_forward_avx512(const float *x, float *y, int32_t *argmax,
                                  long n, long h, long w, long c,
                                  long pool_h, long pool_w, long stride_h, long stride_w,
                                  long oh, long ow, long pad_top, long pad_left);

// im2col.c
void ork_im2col_nhwc_avx2(const float *x, float *col,
                          long n, long h, long w, long c,
                          long kh, long kw, long stride_h, long stride_w,
                          long oh, long ow, long pad_top, long pad_left);
void ork_im2col_nhwc_avx512(const float *x, float *col,
                            long n, long h, long w, long c,
                            long kh, long kw, long stride_h, long stride_w,
                            long oh, long ow, long pad_top, long pad_left);
void ork_col2im_nhwc_avx2(const float *dcol, float *dx,
                          long n, long h, long w, long c,
                          long kh, long kw, long stride_h, long stride_w,
                          long oh, long ow, long pad_top, long pad_left);
void ork_col2im_nhwc_avx512(const float *dcol, float *dx,
                            long n, long h, long w, long c,
                            long kh, long kw, long stride_h, long stride_w,
                            long oh, long ow, long pad_top, long pad_left);

// optimizers.c
void ork_adam_update_avx2(float *w, const float *g, float *m, float *v, long n,
                          float alpha, float beta1, float beta2, float eps,
                          float lr, float weight_decay);
void ork_adam_update_avx512(float *w, const float *g, float *m, float *v, long n,
                            float alpha, float beta1, float beta2, float eps,
                            float lr, float weight_decay);

// gemm.c
void ork_gemm_nn_avx2(long m, long n, long k, const float *a, long lda, const float *b, long ldb,
                      float *c, long ldc, int accumulate);
void ork_gemm_nn_avx512(long m, long n, long k, const float *a, long lda, const float *b, long ldb,
                        float *c, long ldc, int accumulate);
void ork_gemm_tn_avx2(long m, long n, long k, const float *a, long lda, const float *b, long ldb,
                      float *c, long ldc, int accumulate);
void ork_gemm_tn_avx512(long m, long n, long k, const float *a, long lda, const float *b, long ldb,
                        float *c, long ldc, int accumulate);
void ork_gemm_nt_avx2(long m, long n, long k, const float *a, long lda, const float *b, long ldb,
                      float *c, long ldc, int accumulate);
void ork_gemm_nt_avx512(long m, long n, long k, const float *a, long lda, const float *b, long ldb,
                        float *c, long ldc, int accumulate);
#endif

#if ORK_X86
// quants.c
float ork_vec_dot_q4_0_q8_0_avx2(long n, const void *x, const void *y);
float ork_vec_dot_q4_1_q8_1_avx2(long n, const void *x, const void *y);
float ork_vec_dot_q8_0_q8_0_avx2(long n, const void *x, const void *y);
float ork_vec_dot_q4_0_q8_0_avx512(long n, const void *x, const void *y);
float ork_vec_dot_q4_1_q8_1_avx512(long n, const void *x, const void *y);
float ork_vec_dot_q8_0_q8_0_avx512(long n, const void *x, const void *y);
#endif

#endif
