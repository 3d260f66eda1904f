// Kernels of a transformer encoder (BERT's layout, as sentence-transformers
// runs it), float32, row-major.
//
// A batch of sentences is packed without padding: the dense layers see one
// (tokens × features) matrix of every token of every sentence, attention
// runs per sentence over that sentence's own rows. Dense layers multiply by
// weights packed once at load (`ork_pack_weight`) and finish in the same pass
// (bias, then GELU or a residual add), so each product runs as one large
// GEMM on both cores instead of one per sentence.
//
// Every kernel has a portable reference (`*_ref`, single-threaded, the path
// under ORK_ISA_SCALAR) and AVX2 / AVX-512 bodies chosen by ork_active_isa().
// The vector bodies agree with the references within rounding (they fuse
// multiply-adds and sum in another order; GELU's erf and the softmax's exp
// are polynomial approximations, absolute error < 1e-6). Results never depend
// on the thread count: each output element is computed by one task in a
// fixed order, whichever way the work is split.
#ifndef ORCHARD_CKERNELS_ENCODER_H
#define ORCHARD_CKERNELS_ENCODER_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Output columns per panel of a packed weight.
enum { ORK_PANEL_WIDTH = 32 };

/// Floats a packed (n × k) weight takes: n rounded up to ORK_PANEL_WIDTH, times k.
long ork_packed_weight_count(long n, long k);
/// Packs W, stored (n × k) as PyTorch's Linear keeps it (out, in), into panels
/// of ORK_PANEL_WIDTH output columns: panel j holds, for p = 0..<k, the 32
/// values W[32j + 0..31][p] contiguously; columns past n are zero.
void ork_pack_weight(const float *w, long n, long k, float *packed);

typedef enum {
    /// C = A·Wᵀ + bias
    ORK_EPILOGUE_BIAS = 0,
    /// C = gelu(A·Wᵀ + bias), gelu(x) = x/2 · (1 + erf(x/√2)) (BERT's "gelu")
    ORK_EPILOGUE_BIAS_GELU = 1,
    /// C = C + (A·Wᵀ + bias): the residual connection, in place
    ORK_EPILOGUE_BIAS_RESIDUAL = 2,
} ork_epilogue;

/// A dense layer on m rows: A (m × k, lda), W packed by ork_pack_weight from
/// (n × k), bias (n) or NULL, C (m × n, ldc), which must not overlap A.
/// Runs on the kernel pool: blocks of rows when there are many, groups of
/// column panels when there are few (a single sentence).
void ork_linear(long m, long n, long k, const float *a, long lda, const float *packed_w,
                const float *bias, float *c, long ldc, ork_epilogue epilogue);
void ork_linear_ref(long m, long n, long k, const float *a, long lda, const float *packed_w,
                    const float *bias, float *c, long ldc, ork_epilogue epilogue);

/// bfloat16 dense layers, for CPUs that multiply bf16 natively (AVX512_BF16,
/// `vdpbf16ps`: twice the multiply-adds of float32 per instruction, half the
/// weight bytes). Weights and the layer's input are rounded to bf16 (nearest
/// even); products are exact in float32 and summed in float32, so a layer's
/// result is that of float32 arithmetic on the rounded operands.
///
/// Whether this CPU has AVX512_BF16 and the active ISA is AVX-512.
int ork_has_native_bf16(void);
/// uint16 values a packed bf16 (n × k) weight takes: n rounded up to 32, times k rounded up to even.
long ork_packed_weight_bf16_count(long n, long k);
/// As ork_pack_weight, rounded to bf16, with each column's values in k-pairs:
/// step q of a panel holds, for its 32 columns in order, W[j][2q] and W[j][2q+1].
void ork_pack_weight_bf16(const float *w, long n, long k, uint16_t *packed);
/// As ork_linear, on a weight packed by ork_pack_weight_bf16; A is rounded to
/// bf16 first. The vector body needs ork_has_native_bf16(); otherwise the
/// reference runs (same results within rounding, much slower).
void ork_linear_bf16(long m, long n, long k, const float *a, long lda, const uint16_t *packed_w,
                     const float *bias, float *c, long ldc, ork_epilogue epilogue);
void ork_linear_bf16_ref(long m, long n, long k, const float *a, long lda, const uint16_t *packed_w,
                         const float *bias, float *c, long ldc, ork_epilogue epilogue);
/// bf16 (round to nearest even) of a float, and back.
uint16_t ork_fp32_to_bf16(float f);
float ork_bf16_to_fp32(uint16_t h);

/// LayerNorm of each row in place: x = (x - mean) / sqrt(var + eps) · gamma + beta
/// (biased variance, as PyTorch). Rows run in parallel.
void ork_layer_norm(float *x, long rows, long cols, long ldx, const float *gamma, const float *beta, float eps);
void ork_layer_norm_ref(float *x, long rows, long cols, long ldx, const float *gamma, const float *beta, float eps);

/// gelu (as ORK_EPILOGUE_BIAS_GELU) of n values in place.
void ork_gelu(float *x, long n);
void ork_gelu_ref(float *x, long n);

/// Bidirectional self-attention of packed sequences. Row r of qkv (stride
/// ld_qkv) holds [q | k | v], each n_heads × head_dim; sequence s is rows
/// starts[s] ..< starts[s] + lengths[s]. For every sequence, head and row i:
///   out[i, head] = softmax_j(scale · q_i·k_j) · v_j   over j in the same sequence,
/// written to out (stride ld_out, n_heads × head_dim per row). Sequences ×
/// heads run in parallel.
void ork_encoder_attention(const float *qkv, long ld_qkv, const long *starts, const long *lengths,
                           long sequences, long n_heads, long head_dim, float scale,
                           float *out, long ld_out);
void ork_encoder_attention_ref(const float *qkv, long ld_qkv, const long *starts, const long *lengths,
                               long sequences, long n_heads, long head_dim, float scale,
                               float *out, long ld_out);

#ifdef __cplusplus
}
#endif

#endif
