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
/// Makes kernels called from the calling thread run serially on it (nonzero)
/// or use the pool again (zero): for threads that are themselves one of
/// several parallel workers, such as a serving replica.
void ork_thread_serial(int serial);

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

// ---- matrix products (GEMM) ------------------------------------------------
//
// Single-threaded float32 products, row-major, any leading dimensions (in
// elements, >= the logical width), no alignment assumed. C is m×n with
// leading dimension ldc; accumulate != 0 means C += product, else C = product
// (C is then only written, never read). m, n or k may be 0.
//
// Results do not depend on how a caller splits C into row or column blocks
// (sub-pointers into A/B/C with the same leading dimensions): each element is
// summed over k in an order that depends only on k. For nn, tn (and nt with
// k < 64) that is one running sum in k order starting from C (accumulate) or
// 0; nt with k >= 64 sums 16 (AVX-512) or 8 (AVX2) strided lanes and adds
// them in a fixed tree, then adds C. So split blocks bit for bit; the ISAs
// agree with each other and with the references only within rounding
// (relative to |c| + sum |a||b|). Threads: call once per disjoint block of C.

/// C = A·B. A (m×k, lda), B (k×n, ldb).
void ork_gemm_nn(long m, long n, long k, const float *a, long lda, const float *b, long ldb,
                 float *c, long ldc, int accumulate);
/// C = Aᵀ·B. A stored (k×m, lda), B (k×n, ldb).
void ork_gemm_tn(long m, long n, long k, const float *a, long lda, const float *b, long ldb,
                 float *c, long ldc, int accumulate);
/// C = A·Bᵀ. A (m×k, lda), B stored (n×k, ldb).
void ork_gemm_nt(long m, long n, long k, const float *a, long lda, const float *b, long ldb,
                 float *c, long ldc, int accumulate);

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
void ork_gemm_nn_ref(long m, long n, long k, const float *a, long lda, const float *b, long ldb,
                     float *c, long ldc, int accumulate);
void ork_gemm_tn_ref(long m, long n, long k, const float *a, long lda, const float *b, long ldb,
                     float *c, long ldc, int accumulate);
void ork_gemm_nt_ref(long m, long n, long k, const float *a, long lda, const float *b, long ldb,
                     float *c, long ldc, int accumulate);

// ---- quantized blocks (ggml layouts) and attention --------------------------
//
// Block layouts as ggml-common.h: Q4_0 {f16 d; u8 qs[16]} (x = (q-8)·d),
// Q4_1 {f16 d, m; u8 qs[16]} (x = q·d + m; low nibbles are elements 0–15,
// high nibbles 16–31), Q8_0 {f16 d; i8 qs[32]}, Q8_1 {f16 d, s; i8 qs[32]}
// with s = d·Σq. n is always a multiple of 32. Type codes are ggml's.

enum { ORK_GGML_F32 = 0, ORK_GGML_F16 = 1, ORK_GGML_Q4_0 = 2, ORK_GGML_Q4_1 = 3, ORK_GGML_Q8_0 = 8, ORK_GGML_Q8_1 = 9 };

float ork_fp16_to_fp32(uint16_t h);
/// Round to nearest even (as F16C's vcvtps2ph with rounding mode 0).
uint16_t ork_fp32_to_fp16(float f);
/// y[i] = ork_fp32_to_fp16(x[i]) for i < n (F16C when available; same bits).
void ork_fp32_to_fp16_row(const float *x, uint16_t *y, long n);

/// Activation quantizers, exactly as ggml's x86 path (d = amax/127, q = round-half-even(x·127/amax)).
void ork_quantize_row_q8_0(const float *x, void *y, long n);
void ork_quantize_row_q8_1(const float *x, void *y, long n);
void ork_quantize_row_q8_0_ref(const float *x, void *y, long n);
void ork_quantize_row_q8_1_ref(const float *x, void *y, long n);
/// Quantizes `rows` rows of `cols` floats to the activation type that pairs
/// with `weight_type` (Q8_1 for Q4_1, Q8_0 otherwise).
void ork_quantize_rows_for(int weight_type, const float *x, long rows, long cols, void *xq);

/// Dot products of one weight row with one quantized activation row (ggml names).
float ork_vec_dot_q4_0_q8_0(long n, const void *x, const void *y);
float ork_vec_dot_q4_1_q8_1(long n, const void *x, const void *y);
float ork_vec_dot_q8_0_q8_0(long n, const void *x, const void *y);
float ork_vec_dot_q4_0_q8_0_ref(long n, const void *x, const void *y);
float ork_vec_dot_q4_1_q8_1_ref(long n, const void *x, const void *y);
float ork_vec_dot_q8_0_q8_0_ref(long n, const void *x, const void *y);

/// One weight matrix of a quantized product: rows × cols of `type` (Q4_0,
/// Q4_1 or Q8_0) at w; results go to out[b*out_stride + r].
typedef struct {
    int type;
    const void *w;
    long rows;
    float *out;
    long out_stride;
} ork_qmatmul_target;

/// Bytes of `scratch` that ork_qmatmul_many needs for `batch` rows of `cols`.
long ork_qmatmul_scratch_bytes(long cols, long batch);

/// ork_qmatmul_many flag: for batches, add each block's 8 lane sums in
/// integers and scale the block once (one rounding per block: at least as
/// precise, faster, but not llama.cpp's bits). Without it every output is
/// ggml's vec_dot of its row pair bit for bit. Single rows ignore it.
#define ORK_QMATMUL_BLOCK_SUMS 1

/// Multiplies each of `count` (≤ 8) matrices by the same activations x
/// (batch, cols), cols a multiple of 32: out[b][r] = W[r] · x[b], with x
/// quantized once per activation type as llama.cpp does (Q8_1 for Q4_1
/// weights, Q8_0 otherwise). All matrices' rows run in one parallel loop.
/// Returns -1 for an unsupported type or shape.
int ork_qmatmul_many(const ork_qmatmul_target *targets, int count, long cols,
                     const float *x, long batch, void *scratch, int flags);
/// ork_qmatmul_many for one matrix.
int ork_qmatmul(int weight_type, const void *w, long rows, long cols,
                const float *x, long batch, float *out, long out_stride, void *scratch, int flags);

/// One query position of an attention call: q (n_heads, head_dim); k and v
/// point at the first cached position's row (len rows of kv_stride F16
/// values, KV head g at columns g*head_dim…); out (n_heads, head_dim).
/// `batched` != 0 when the query's sequence passes several tokens through this
/// forward pass (a prompt chunk): llama.cpp then sums in a different order.
typedef struct {
    const float *q;
    const uint16_t *k;
    const uint16_t *v;
    long len;
    float *out;
    int batched;
} ork_attention_query;

/// Softmax(scale · q·kᵀ)·v per head and query in llama.cpp's arithmetic
/// (attention.c), grouped-query (head h reads KV head h / (n_heads / n_kv_heads));
/// queries × heads run in parallel. Returns -1 for head_dim > 256, heads not
/// divisible by KV heads, or a query with len ≤ 0.
int ork_attention_f16(const ork_attention_query *queries, long count, long kv_stride,
                      long n_heads, long n_kv_heads, long head_dim, float scale);

/// y[i] = silu(g[i]) · u[i] = g/(1 + e^−g) · u for `rows` rows of n, as
/// llama.cpp's ggml_vec_swiglu_f32 (AVX-512 build: its vector e^x, 16 at a
/// time, libm's expf for the rest of a row). y may alias g or u.
void ork_swiglu_f32(const float *g, const float *u, float *y, long rows, long n);
void ork_swiglu_f32_ref(const float *g, const float *u, float *y, long rows, long n);

/// The index of the largest of x[0..n) (the first on ties; 0 when none
/// exceeds −∞), as a greedy sampler picks a token.
long ork_argmax_f32(const float *x, long n);
long ork_argmax_f32_ref(const float *x, long n);

/// Rotary position embedding, ggml's "normal" mode: rotates adjacent pairs
/// (2i, 2i+1), i < rope_dims/2, of each of `heads` heads of head_dim in x, by
/// angles with cosines `cos` and sines `sin` (rope_dims/2 each), computed as
/// llama.cpp's compiled code does: x0·c − x1·s and x0·s + x1·c with the first
/// product fused (fma(x0, c, −x1·s), fma(x0, s, x1·c)).
void ork_rope_f32(float *x, long heads, long head_dim, long rope_dims, const float *cos, const float *sin);

#ifdef __cplusplus
}
#endif

#endif
