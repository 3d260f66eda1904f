// Orchard's vector kernels.
//
// Every kernel has three bodies compiled from one source file: a portable
// scalar reference (`*_ref`, also the path on CPUs without AVX2), an AVX2+FMA
// body and an AVX-512 body, each marked with `__attribute__((target(...)))`
// so the binary still runs on baseline x86-64 (and builds on other
// architectures, where only the reference exists). The public entry points
// dispatch on the instruction set detected once by cpuid; tests force the
// portable path with `ork_set_isa(ORK_ISA_SCALAR)` and compare the fast
// bodies against the references.
//
// Layout conventions: tensors are row-major float32; images are NHWC
// (channels_last, as Keras). Counts are `long` (64-bit on Linux).
#ifndef ORCHARD_CKERNELS_H
#define ORCHARD_CKERNELS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    ORK_ISA_SCALAR = 0,
    ORK_ISA_AVX2 = 1,
    ORK_ISA_AVX512 = 2,
} ork_isa;

/// The best instruction set this CPU supports (cpuid; cached).
ork_isa ork_detect_isa(void);
/// The instruction set the dispatching entry points use now.
ork_isa ork_active_isa(void);
/// Forces an instruction set (clamped to what the CPU supports); for tests
/// and for `ORCHARD_ISA=scalar|avx2|avx512`. Returns the one in effect.
ork_isa ork_set_isa(ork_isa isa);
/// "scalar", "avx2" or "avx512".
const char *ork_isa_name(ork_isa isa);

// ---- threads ---------------------------------------------------------------

/// A task of a parallel loop: `index` in [0, count).
typedef void (*ork_task_fn)(void *context, long index);
/// Runs fn(context, 0..<count) on the kernel thread pool (one thread per core,
/// or ORCHARD_THREADS) and the calling thread; returns when all are done.
/// Nested calls, and calls while another thread holds the pool, run serially.
void ork_parallel_for(long count, ork_task_fn fn, void *context);
/// Threads the pool uses, the caller included.
int ork_thread_count(void);

// ---- elementwise -----------------------------------------------------------

/// y[i] = max(x[i], 0). x and y may alias.
void ork_relu_forward(const float *x, float *y, long n);
/// dx[i] = y[i] > 0 ? dy[i] : 0, where y is the relu output. dx may alias dy.
void ork_relu_backward(const float *y, const float *dy, float *dx, long n);

/// y[r*cols + c] += bias[c] for every row r.
void ork_add_bias_rows(float *y, const float *bias, long rows, long cols);
/// db[c] (+)= sum over r of dy[r*cols + c]. Overwrites db unless accumulate != 0.
void ork_bias_grad(const float *dy, float *db, long rows, long cols, int accumulate);

// ---- pooling (NHWC) --------------------------------------------------------

/// Max pooling. x: (n, h, w, c); y: (n, oh, ow, c); argmax: (n, oh, ow, c),
/// each the flat index into x of the chosen element (first maximum wins,
/// scanning window rows then columns). Padding cells (pad_top/pad_left, as
/// Keras "same") never win. Windows entirely in padding give y = 0 and
/// argmax = -1.
void ork_maxpool2d_forward(const float *x, float *y, int32_t *argmax,
                           long n, long h, long w, long c,
                           long pool_h, long pool_w, long stride_h, long stride_w,
                           long oh, long ow, long pad_top, long pad_left);
/// dx must be zeroed by the caller; dx[argmax[i]] += dy[i] for i < count_out.
void ork_maxpool2d_backward(const float *dy, const int32_t *argmax, float *dx, long count_out);

// ---- convolution helpers (NHWC, kernel (kh, kw, cin, cout) as Keras) -------

/// Lowers an NHWC batch to a column matrix of shape (n*oh*ow, kh*kw*c):
/// row (b, oy, ox) holds the receptive field in (ky, kx, ci) order, zero
/// where it falls in padding.
void ork_im2col_nhwc(const float *x, float *col,
                     long n, long h, long w, long c,
                     long kh, long kw, long stride_h, long stride_w,
                     long oh, long ow, long pad_top, long pad_left);
/// Adjoint of im2col: dx (zeroed by the caller) += scatter of dcol.
void ork_col2im_nhwc(const float *dcol, float *dx,
                     long n, long h, long w, long c,
                     long kh, long kw, long stride_h, long stride_w,
                     long oh, long ow, long pad_top, long pad_left);

// ---- optimizers ------------------------------------------------------------

/// Keras 3 Adam step on n parameters:
///   m = b1*m + (1-b1)*g;  v = b2*v + (1-b2)*g*g;  w -= alpha * m / (sqrt(v) + eps)
/// where the caller passes alpha = lr * sqrt(1 - b2^t) / (1 - b1^t).
/// With weight_decay != 0 (AdamW), w -= lr * weight_decay * w first.
void ork_adam_update(float *w, const float *g, float *m, float *v, long n,
                     float alpha, float beta1, float beta2, float eps,
                     float lr, float weight_decay);

// ---- reference bodies, for tests -------------------------------------------
//
// The portable scalar bodies the dispatching entry points use under
// ORK_ISA_SCALAR, with the same contracts as the entry points above. Tests
// compare every ISA against these; production code calls the entry points.

void ork_relu_forward_ref(const float *x, float *y, long n);
void ork_relu_backward_ref(const float *y, const float *dy, float *dx, long n);
void ork_add_bias_rows_ref(float *y, const float *bias, long rows, long cols);
void ork_bias_grad_ref(const float *dy, float *db, long rows, long cols, int accumulate);
void ork_maxpool2d_forward_ref(const float *x, float *y, int32_t *argmax,
                               long n, long h, long w, long c,
                               long pool_h, long pool_w, long stride_h, long stride_w,
                               long oh, long ow, long pad_top, long pad_left);
void ork_maxpool2d_backward_ref(const float *dy, const int32_t *argmax, float *dx, long count_out);
void ork_im2col_nhwc_ref(const float *x, float *col,
                         long n, long h, long w, long c,
                         long kh, long kw, long stride_h, long stride_w,
                         long oh, long ow, long pad_top, long pad_left);
void ork_col2im_nhwc_ref(const float *dcol, float *dx,
                         long n, long h, long w, long c,
                         long kh, long kw, long stride_h, long stride_w,
                         long oh, long ow, long pad_top, long pad_left);
void ork_adam_update_ref(float *w, const float *g, float *m, float *v, long n,
                         float alpha, float beta1, float beta2, float eps,
                         float lr, float weight_decay);

#ifdef __cplusplus
}
#endif

#endif
