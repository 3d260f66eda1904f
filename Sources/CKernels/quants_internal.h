// Internal to CKernels' quantized kernels (quants.c, qmatmul.c): ggml's block
// layouts (ggml-common.h), the prepared-activation record the matrix kernels
// read, and the tile bodies of each instruction set (qmatmul_tiles.h).
#ifndef ORCHARD_QUANTS_INTERNAL_H
#define ORCHARD_QUANTS_INTERNAL_H

#include "kernels_internal.h"

typedef struct { uint16_t d; uint8_t qs[16]; } ork_block_q4_0;
typedef struct { uint16_t d, m; uint8_t qs[16]; } ork_block_q4_1;
typedef struct { uint16_t d; int8_t qs[32]; } ork_block_q8_0;
typedef struct { uint16_t d, s; int8_t qs[32]; } ork_block_q8_1;

_Static_assert(sizeof(ork_block_q4_0) == 18, "Q4_0 block is 18 bytes");
_Static_assert(sizeof(ork_block_q4_1) == 20, "Q4_1 block is 20 bytes");
_Static_assert(sizeof(ork_block_q8_0) == 34, "Q8_0 block is 34 bytes");
_Static_assert(sizeof(ork_block_q8_1) == 36, "Q8_1 block is 36 bytes");

/// Activation rows quantized once for a matrix product (qmatmul.c).
typedef struct {
    /// ORK_GGML_Q8_0 or ORK_GGML_Q8_1.
    int type;
    /// Blocks per row, rows.
    long nb, batch;
    /// (batch, nb) blocks in ggml's layout; `row_bytes` apart.
    const uint8_t *blocks;
    long row_bytes;
    /// Batches with the vector bodies (NULL otherwise), groups of 8 rows (rows
    /// past the batch zero): (groups, nb, 8 lane groups, 8 rows) int32, the 4
    /// quants of bytes 4l…4l+3 of row k at ((g·nb + b)·8 + l)·8 + k % 8.
    const int32_t *qs8;
    /// (groups, nb, 8 rows): the blocks' d (and Q8_1's s; NULL for Q8_0) as floats.
    const float *d8, *s8;
    /// Laid out as qs8: −8·Σ of the 4 quants, for Q4_0 weights (Q8_0 only; NULL for Q8_1).
    const int32_t *neg8_8;
} ork_qact;

/// Bytes of an ork_qact for `batch` rows of `nb` blocks (one type).
static inline long ork__qact_bytes(long nb, long batch) {
    const long groups = (batch + 7) / 8;
    return batch * nb * 36 + 2 * groups * nb * 64 * 4 + 2 * groups * nb * 8 * 4 + 5 * 64;
}

/// One weight row (w) × activation row k: *out.
typedef void (*ork_qrow_fn)(const uint8_t *w, const ork_qact *a, long k, float *out);
/// One weight row × the B ≤ 8 activation rows of group g: out[k·out_stride], k < B.
/// `sums`: add each block's lanes in integers first (ORK_QMATMUL_BLOCK_SUMS).
typedef void (*ork_qrows8_fn)(int sums, const uint8_t *w, const ork_qact *a, long g, int B, float *out, long out_stride);
/// Block sums of 4 weight rows (w, row_bytes apart) × the B ≤ 8 activation rows of group g:
/// out[i + k·out_stride] for row i < 4, k < B; the same bits as ork_qrows8_fn with `sums`.
typedef void (*ork_qsums4_fn)(const uint8_t *w, long row_bytes, const ork_qact *a, long g, int B, float *out,
                              long out_stride);

#if ORK_X86
/// F16C with AVX2 and FMA (the AVX2 bodies); AVX-512 VNNI with VL, BW and DQ besides (the AVX-512 bodies).
int ork__has_f16c(void);
int ork__has_avx512_vnni(void);

void ork_qrow_q4_0_avx2(const uint8_t *w, const ork_qact *a, long k, float *out);
void ork_qrow_q4_1_avx2(const uint8_t *w, const ork_qact *a, long k, float *out);
void ork_qrow_q8_0_avx2(const uint8_t *w, const ork_qact *a, long k, float *out);
void ork_qrow_q4_0_avx512(const uint8_t *w, const ork_qact *a, long k, float *out);
void ork_qrow_q4_1_avx512(const uint8_t *w, const ork_qact *a, long k, float *out);
void ork_qrow_q8_0_avx512(const uint8_t *w, const ork_qact *a, long k, float *out);
void ork_qrows8_q4_0_avx2(int sums, const uint8_t *w, const ork_qact *a, long g, int B, float *out, long out_stride);
void ork_qrows8_q4_1_avx2(int sums, const uint8_t *w, const ork_qact *a, long g, int B, float *out, long out_stride);
void ork_qrows8_q8_0_avx2(int sums, const uint8_t *w, const ork_qact *a, long g, int B, float *out, long out_stride);
void ork_qrows8_q4_0_avx512(int sums, const uint8_t *w, const ork_qact *a, long g, int B, float *out, long out_stride);
void ork_qrows8_q4_1_avx512(int sums, const uint8_t *w, const ork_qact *a, long g, int B, float *out, long out_stride);
void ork_qrows8_q8_0_avx512(int sums, const uint8_t *w, const ork_qact *a, long g, int B, float *out, long out_stride);
void ork_qsums4_q4_1_avx512(const uint8_t *w, long row_bytes, const ork_qact *a, long g, int B, float *out, long out_stride);
void ork_qsums4_q8_0_avx512(const uint8_t *w, long row_bytes, const ork_qact *a, long g, int B, float *out, long out_stride);
#endif

#endif
