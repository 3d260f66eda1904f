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

/// Activation rows quantized once for a matrix product (qmatmul.c), with
/// side arrays that save the tile bodies from converting f16 scales in their
/// inner loops. Every value is exact: the floats are the blocks' f16 scales
/// converted, the lane sums are integers.
typedef struct {
    /// ORK_GGML_Q8_0 or ORK_GGML_Q8_1.
    int type;
    /// Blocks per row, rows.
    long nb, batch;
    /// (batch, nb) blocks in ggml's layout; `row_bytes` apart.
    const uint8_t *blocks;
    long row_bytes;
    /// (ceil(batch/4), nb, 4): the scale d of row 4g+j, block b at [(g·nb + b)·4 + j]
    /// (rows past `batch` are 0), so that one 128-bit load holds a row group's scales.
    const float *d;
    /// Same layout: Q8_1's s = d·Σq (NULL for Q8_0).
    const float *s;
    /// (batch, nb, 8): −128·Σ of each 4-byte group of q (the int32 lanes of a
    /// 32-byte block), which turns an unsigned-by-signed byte dot product of
    /// weights offset by 128 back into the signed one (shifted right by 4:
    /// offset 8, Q4_0) (NULL for Q8_1).
    const int32_t *neg_lane_sums;
    /// AVX-512 batched bodies only (NULL otherwise): rows in pairs (2p, 2p+1),
    /// the last pair zero-padded. (pairs, nb, 64) bytes: the two rows' 32
    /// quants of block b side by side.
    const int8_t *pair_qs;
    /// (pairs, nb, 16): row 2p's d in lanes 0–7, row 2p+1's in lanes 8–15.
    const float *pair_d;
    /// (pairs, nb, 16): the two rows' neg_lane_sums side by side (Q8_0 only).
    const int32_t *pair_neg_lane_sums;
} ork_qact;

/// Bytes of the side arrays of ork_qact for `batch` rows of `nb` blocks (one type).
static inline long ork__qact_bytes(long nb, long batch) {
    const long groups = (batch + 3) / 4, pairs = (batch + 1) / 2;
    return batch * nb * 36 + 2 * groups * nb * 4 * 4 + batch * nb * 8 * 4 + 3 * pairs * nb * 64 + 512;
}

/// A tile body: one weight row (w) × B activation rows starting at row k0 of
/// `a` (k0 a multiple of 4; of 8 for the pair bodies), all nb blocks;
/// out[k·out_stride] for k < B. B ≤ 4, or 2 ≤ B ≤ 8 for the pair bodies.
typedef void (*ork_qtile_fn)(int B, const uint8_t *w, const ork_qact *a, long k0, float *out, long out_stride);

#if ORK_X86
/// F16C with AVX2 and FMA (the AVX2 bodies); AVX-512 VNNI with VL, BW and DQ besides (the AVX-512 bodies).
int ork__has_f16c(void);
int ork__has_avx512_vnni(void);

void ork_qtile_q4_0_avx2(int B, const uint8_t *w, const ork_qact *a, long k0, float *out, long out_stride);
void ork_qtile_q4_1_avx2(int B, const uint8_t *w, const ork_qact *a, long k0, float *out, long out_stride);
void ork_qtile_q8_0_avx2(int B, const uint8_t *w, const ork_qact *a, long k0, float *out, long out_stride);
void ork_qtile_q4_0_avx512(int B, const uint8_t *w, const ork_qact *a, long k0, float *out, long out_stride);
void ork_qtile_q4_1_avx512(int B, const uint8_t *w, const ork_qact *a, long k0, float *out, long out_stride);
void ork_qtile_q8_0_avx512(int B, const uint8_t *w, const ork_qact *a, long k0, float *out, long out_stride);
void ork_qpairs_q4_0_avx512(int B, const uint8_t *w, const ork_qact *a, long k0, float *out, long out_stride);
void ork_qpairs_q4_1_avx512(int B, const uint8_t *w, const ork_qact *a, long k0, float *out, long out_stride);
void ork_qpairs_q8_0_avx512(int B, const uint8_t *w, const ork_qact *a, long k0, float *out, long out_stride);
#endif

#endif
