// Tile bodies of the quantized matrix product, included twice by qmatmul.c:
// once for AVX2 (maddubs/madd byte products) and once for AVX-512 VNNI
// (256-bit vpdpbusd), with ORK_QT_ATTR (target attribute), ORK_QT_SUFFIX
// (avx2 | avx512) and ORK_QT_VNNI (0 | 1) defined by the includer.
//
// ggml's x86 vec_dot for one weight row and one activation row
// (arch/x86/quants.c) works on 8 int32 lanes: lane l of block b holds the sum
// of the 4 byte products of bytes 4l…4l+3; it is converted to float and
// accumulated with one FMA by d_weight·d_activation, block after block; at the
// end hsum_float_8 adds the lanes ((l + l+4), then (0+2) + (1+3)) and, for
// Q4_1, the running sum of m·s is added. The lane sums are exact integers
// whichever instructions produce them; Q8_0 weights use ggml's sign trick
// (|w| times y with w's sign) — or, for VNNI block sums, y + 128 against w
// and one correction of 128·Σw per block — and Q4_0 weights (q − 8) either
// the trick (one row) or, with unsigned q, a bias of −8·Σy.
//
// Shapes:
// * one weight row × one activation row (decoding one sequence): ggml's loop
//   itself. One row at a time: measured on Zen 4, the hardware prefetcher
//   streams a decoder's weights from memory fastest that way.
// * one weight row × up to 8 activation rows (batches): activations are laid
//   out transposed (qmatmul.c: lane group, then row), so one broadcast of a
//   weight dword meets 8 rows' bytes in one instruction and the result is
//   lane l for 8 rows at once; the 8 lanes live in 8 registers and are added
//   by the same tree, so every output is still ggml's float computation for
//   its row pair, bit for bit. With ORK_QMATMUL_BLOCK_SUMS the lanes are added
//   in integers first and each block is scaled once (fewer operations, fewer
//   roundings; not llama.cpp's bits).
// * block sums of 4 weight rows × up to 8 activation rows (AVX-512 VNNI
//   only): the previous shape's block sums, bit for bit, sharing the
//   activations among the 4 rows.

#define ORK_QT_CAT2(a, b) a##_##b
#define ORK_QT_CAT(a, b) ORK_QT_CAT2(a, b)
#define ORK_QT(name) ORK_QT_CAT(name, ORK_QT_SUFFIX)
#define ORK_QT_INLINE static inline __attribute__((always_inline)) ORK_QT_ATTR

ORK_QT_INLINE float ORK_QT(hsum_float_8)(const __m256 x) {
    __m128 res = _mm256_extractf128_ps(x, 1);
    res = _mm_add_ps(res, _mm256_castps256_ps128(x));
    res = _mm_add_ps(res, _mm_movehl_ps(res, res));
    res = _mm_add_ss(res, _mm_movehdup_ps(res));
    return _mm_cvtss_f32(res);
}

/// hsum_float_8 of each of 8 rows at once: acc[l] holds lane l of the 8 rows.
ORK_QT_INLINE __m256 ORK_QT(hsum_lanes)(const __m256 *acc) {
    const __m256 r0 = _mm256_add_ps(acc[4], acc[0]), r1 = _mm256_add_ps(acc[5], acc[1]);
    const __m256 r2 = _mm256_add_ps(acc[6], acc[2]), r3 = _mm256_add_ps(acc[7], acc[3]);
    return _mm256_add_ps(_mm256_add_ps(r0, r2), _mm256_add_ps(r1, r3));
}

/// 16 bytes of nibbles → 32 bytes: low nibbles in lanes 0–15, high in 16–31.
ORK_QT_INLINE __m256i ORK_QT(nibbles)(const uint8_t *p) {
    const __m128i packed = _mm_loadu_si128((const __m128i *)p);
    const __m256i both = _mm256_inserti128_si256(_mm256_castsi128_si256(packed), _mm_srli_epi16(packed, 4), 1);
    return _mm256_and_si256(both, _mm256_set1_epi8(0x0f));
}

/// The f16 at p (and, in lane 1, the one after it) as floats.
ORK_QT_INLINE __m128 ORK_QT(halves)(const uint8_t *p) {
    return _mm_cvtph_ps(_mm_loadu_si32(p));
}

/// The f16 at p (p + 2 must be readable too) as a float in lane 0. Left to
/// itself the compiler loads a lone half with a 16-bit insert into any
/// register whose other lanes are dead — often the accumulator, which then
/// chains every block to the previous one; a 32-bit vmovd load zero-extends.
ORK_QT_INLINE __m128 ORK_QT(half)(const uint8_t *p) {
    __m128i v;
    __asm__("vmovd %1, %0" : "=x"(v) : "m"(*(const uint32_t *)p));
    return _mm_cvtph_ps(v);
}

/// The 4 bytes at p in every int32 lane.
ORK_QT_INLINE __m256i ORK_QT(bcast32)(const uint8_t *p) {
    int32_t v;
    __builtin_memcpy(&v, p, 4);
    return _mm256_set1_epi32(v);
}

/// Unsigned bytes u × signed bytes s, 4 adjacent products summed per int32 lane, added to acc.
ORK_QT_INLINE __m256i ORK_QT(dot_us)(const __m256i acc, const __m256i u, const __m256i s) {
#if ORK_QT_VNNI
    return _mm256_dpbusd_epi32(acc, u, s);
#else
    return _mm256_add_epi32(acc, _mm256_madd_epi16(_mm256_maddubs_epi16(u, s), _mm256_set1_epi16(1)));
#endif
}

/// Signed bytes × signed bytes through the sign trick (ggml's mul_sum_i8_pairs).
ORK_QT_INLINE __m256i ORK_QT(dot_ss)(const __m256i acc, const __m256i x, const __m256i y) {
    return ORK_QT(dot_us)(acc, _mm256_sign_epi8(x, x), _mm256_sign_epi8(y, x));
}

/// Hides that v is a broadcast, so that the compiler keeps d_weight·d_activation
/// as one vector multiply instead of a scalar multiply and a broadcast.
#define ORK_QT_OPAQUE(v) __asm__("" : "+x"(v))

// ---- one weight row × one activation row -----------------------------------------------------

ORK_QT_ATTR void ORK_QT(ork_qrow_q4_1)(const uint8_t *w, const ork_qact *a, long k, float *out) {
    const long nb = a->nb;
    const uint8_t *y = a->blocks + k * a->row_bytes;
    __m256 acc = _mm256_setzero_ps();
    float summs = 0.0f;
    for (long b = 0; b < nb; b++) {
        const uint8_t *xb = w + b * 20, *yb = y + b * 36;
        const __m128 dm = ORK_QT(halves)(xb), ds = ORK_QT(halves)(yb);
        summs += _mm_cvtss_f32(_mm_movehdup_ps(dm)) * _mm_cvtss_f32(_mm_movehdup_ps(ds));  // m·s, exact
        __m256 dd = _mm256_broadcastss_ps(_mm_mul_ss(dm, ds));                             // d·d, exact
        ORK_QT_OPAQUE(dd);
        const __m256i qy = _mm256_loadu_si256((const __m256i *)(yb + 4));
        acc = _mm256_fmadd_ps(dd, _mm256_cvtepi32_ps(ORK_QT(dot_us)(_mm256_setzero_si256(), ORK_QT(nibbles)(xb + 4), qy)), acc);
    }
    *out = ORK_QT(hsum_float_8)(acc) + summs;
}

/// Q8_0 (q4 = 0) and Q4_0 (q4 = 1) weights against Q8_0 activation row k.
ORK_QT_INLINE void ORK_QT(q8_row)(const int q4, const uint8_t *w, const ork_qact *a, long k, float *out) {
    const long nb = a->nb;
    const long block = q4 ? 18 : 34;
    const uint8_t *y = a->blocks + k * a->row_bytes;
    __m256 acc = _mm256_setzero_ps();
    for (long b = 0; b < nb; b++) {
        const uint8_t *xb = w + b * block, *yb = y + b * 34;
        const __m256 dd = _mm256_set1_ps(_mm_cvtss_f32(ORK_QT(half)(xb)) * _mm_cvtss_f32(ORK_QT(half)(yb)));
        const __m256i qy = _mm256_loadu_si256((const __m256i *)(yb + 2));
        const __m256i isum = ORK_QT(dot_ss)(_mm256_setzero_si256(),
                                            q4 ? _mm256_sub_epi8(ORK_QT(nibbles)(xb + 2), _mm256_set1_epi8(8))
                                               : _mm256_loadu_si256((const __m256i *)(xb + 2)), qy);
        acc = _mm256_fmadd_ps(dd, _mm256_cvtepi32_ps(isum), acc);
    }
    *out = ORK_QT(hsum_float_8)(acc);
}

ORK_QT_ATTR void ORK_QT(ork_qrow_q8_0)(const uint8_t *w, const ork_qact *a, long k, float *out) {
    ORK_QT(q8_row)(0, w, a, k, out);
}

ORK_QT_ATTR void ORK_QT(ork_qrow_q4_0)(const uint8_t *w, const ork_qact *a, long k, float *out) {
    ORK_QT(q8_row)(1, w, a, k, out);
}

// ---- one weight row × up to 8 activation rows (transposed activations) -----------------------

/// out[k·out_stride] = v[k] for k < B.
ORK_QT_INLINE void ORK_QT(store_rows)(const int B, const __m256 v, float *out, long out_stride) {
    float r[8];
    _mm256_storeu_ps(r, v);
    for (int k = 0; k < B; k++) out[k * out_stride] = r[k];
}

/// Group g's 32-byte vector of lane l, block b: the 4 quants of 8 rows.
#define ORK_QT_LANE(base, b, l) _mm256_loadu_si256((const __m256i *)((base) + ((b) * 8 + (l)) * 8))

ORK_QT_INLINE void ORK_QT(q4_1_rows8)(const int sums, const uint8_t *w, const ork_qact *a, long g, int B,
                                      float *out, long out_stride) {
    const long nb = a->nb;
    const int32_t *qs = a->qs8 + g * nb * 64;
    const float *d8 = a->d8 + g * nb * 8, *s8 = a->s8 + g * nb * 8;
    const __m256i mask = _mm256_set1_epi8(0x0f);
    __m256 acc[8];
    for (int l = 0; l < 8; l++) acc[l] = _mm256_setzero_ps();
    __m256 summs = _mm256_setzero_ps();
    for (long b = 0; b < nb; b++) {
        const uint8_t *xb = w + b * 20;
        const __m128 dm = ORK_QT(halves)(xb);
        __m256 dx = _mm256_broadcastss_ps(dm);
        ORK_QT_OPAQUE(dx);
        const __m256 dd = _mm256_mul_ps(dx, _mm256_loadu_ps(d8 + 8 * b));
        // Σ m·s per row: exact products, one running float sum as ggml's.
        summs = _mm256_fmadd_ps(_mm256_broadcastss_ps(_mm_movehdup_ps(dm)), _mm256_loadu_ps(s8 + 8 * b), summs);
        if (sums) {
            __m256i s0 = _mm256_setzero_si256(), s1 = _mm256_setzero_si256();
            for (int l = 0; l < 4; l++) {
                const __m256i raw = ORK_QT(bcast32)(xb + 4 + 4 * l);
                s0 = ORK_QT(dot_us)(s0, _mm256_and_si256(raw, mask), ORK_QT_LANE(qs, b, l));
                s1 = ORK_QT(dot_us)(s1, _mm256_and_si256(_mm256_srli_epi16(raw, 4), mask), ORK_QT_LANE(qs, b, l + 4));
            }
            acc[0] = _mm256_fmadd_ps(dd, _mm256_cvtepi32_ps(_mm256_add_epi32(s0, s1)), acc[0]);
        } else {
            for (int l = 0; l < 4; l++) {
                // Lanes l (low nibbles of bytes 4l…4l+3) and l+4 (their high nibbles).
                const __m256i raw = ORK_QT(bcast32)(xb + 4 + 4 * l);
                const __m256i lo = ORK_QT(dot_us)(_mm256_setzero_si256(), _mm256_and_si256(raw, mask), ORK_QT_LANE(qs, b, l));
                const __m256i hi = ORK_QT(dot_us)(_mm256_setzero_si256(), _mm256_and_si256(_mm256_srli_epi16(raw, 4), mask),
                                                  ORK_QT_LANE(qs, b, l + 4));
                acc[l] = _mm256_fmadd_ps(dd, _mm256_cvtepi32_ps(lo), acc[l]);
                acc[l + 4] = _mm256_fmadd_ps(dd, _mm256_cvtepi32_ps(hi), acc[l + 4]);
            }
        }
    }
    ORK_QT(store_rows)(B, _mm256_add_ps(sums ? acc[0] : ORK_QT(hsum_lanes)(acc), summs), out, out_stride);
}

#if ORK_QT_VNNI
/// 128·Σw in every lane, for the 32 Q8_0 quants w at p: what offset activations
/// (y + 128) add to a block's dot products (psadbw on w + 128).
ORK_QT_INLINE __m256i ORK_QT(q8_offset)(const uint8_t *p) {
    const __m256i x80 = _mm256_set1_epi8((char)0x80);
    const __m256i sad = _mm256_sad_epu8(_mm256_xor_si256(_mm256_loadu_si256((const __m256i *)p), x80),
                                        _mm256_setzero_si256());  // 4 sums of (w + 128)
    const __m128i sad2 = _mm_add_epi64(_mm256_castsi256_si128(sad), _mm256_extracti128_si256(sad, 1));
    const int wsum = (int)(_mm_cvtsi128_si64(sad2) + _mm_extract_epi64(sad2, 1)) - 32 * 128;
    return _mm256_set1_epi32(128 * wsum);
}
#endif

/// Q8_0 (q4 = 0) and Q4_0 (q4 = 1) weights against transposed Q8_0 activations.
ORK_QT_INLINE void ORK_QT(q8_rows8)(const int sums, const int q4, const uint8_t *w, const ork_qact *a, long g, int B,
                                    float *out, long out_stride) {
    const long nb = a->nb;
    const long block = q4 ? 18 : 34;
    const int32_t *qs = a->qs8 + g * nb * 64;
    const int32_t *bias = q4 ? a->neg8_8 + g * nb * 64 : NULL;
    const float *d8 = a->d8 + g * nb * 8;
    const __m256i mask = _mm256_set1_epi8(0x0f);
    __m256 acc[8];
    for (int l = 0; l < 8; l++) acc[l] = _mm256_setzero_ps();
    for (long b = 0; b < nb; b++) {
        const uint8_t *xb = w + b * block;
        __m256 dx = _mm256_broadcastss_ps(ORK_QT(half)(xb));
        ORK_QT_OPAQUE(dx);
        const __m256 dd = _mm256_mul_ps(dx, _mm256_loadu_ps(d8 + 8 * b));
#if ORK_QT_VNNI
        if (sums && !q4) {
            // Block sums of Q8_0: activations offset to unsigned (y + 128) meet the
            // weight dwords as broadcast memory operands; one accumulator for the
            // block, corrected by 128·Σw (Σw from psadbw on the offset weights).
            const __m256i x80 = _mm256_set1_epi8((char)0x80);
            __m256i s0 = _mm256_setzero_si256(), s1 = _mm256_setzero_si256();
            for (int l = 0; l < 8; l += 2) {
                s0 = _mm256_dpbusd_epi32(s0, _mm256_xor_si256(ORK_QT_LANE(qs, b, l), x80),
                                         ORK_QT(bcast32)(xb + 2 + 4 * l));
                s1 = _mm256_dpbusd_epi32(s1, _mm256_xor_si256(ORK_QT_LANE(qs, b, l + 1), x80),
                                         ORK_QT(bcast32)(xb + 6 + 4 * l));
            }
            const __m256i s = _mm256_sub_epi32(_mm256_add_epi32(s0, s1), ORK_QT(q8_offset)(xb + 2));
            acc[0] = _mm256_fmadd_ps(dd, _mm256_cvtepi32_ps(s), acc[0]);
            continue;
        }
#endif
        __m256i lane[8];
        for (int l = 0; l < 8; l++) {
            if (q4) {
                // Unsigned q (0…15) × y, minus 8·Σy.
                const __m256i raw = ORK_QT(bcast32)(xb + 2 + 4 * (l % 4));
                const __m256i q = _mm256_and_si256(l < 4 ? raw : _mm256_srli_epi16(raw, 4), mask);
                lane[l] = ORK_QT(dot_us)(ORK_QT_LANE(bias, b, l), q, ORK_QT_LANE(qs, b, l));
            } else {
                const __m256i wx = ORK_QT(bcast32)(xb + 2 + 4 * l);
                lane[l] = ORK_QT(dot_ss)(_mm256_setzero_si256(), wx, ORK_QT_LANE(qs, b, l));
            }
        }
        if (sums) {
            const __m256i s = _mm256_add_epi32(_mm256_add_epi32(_mm256_add_epi32(lane[0], lane[1]), _mm256_add_epi32(lane[2], lane[3])),
                                               _mm256_add_epi32(_mm256_add_epi32(lane[4], lane[5]), _mm256_add_epi32(lane[6], lane[7])));
            acc[0] = _mm256_fmadd_ps(dd, _mm256_cvtepi32_ps(s), acc[0]);
        } else {
            for (int l = 0; l < 8; l++) acc[l] = _mm256_fmadd_ps(dd, _mm256_cvtepi32_ps(lane[l]), acc[l]);
        }
    }
    ORK_QT(store_rows)(B, sums ? acc[0] : ORK_QT(hsum_lanes)(acc), out, out_stride);
}

#if ORK_QT_VNNI
// ---- block sums, R ≤ 4 weight rows × up to 8 activation rows (AVX-512 VNNI) -----------------
//
// The integer block sums and the float operations of each output are those
// of the block-sum path above, in the same order, so the results are the
// same bits; there is less work per weight row:
// * R weight rows share each block's 8 activation vectors (loaded once with
//   aligned loads; for Q8_0 offset to unsigned once) and its activation scales;
// * a Q4_1 weight dword gives its low nibbles with one AND and its high
//   nibbles times 16 with one ANDN (no shift): each lane of the high
//   accumulator is then 16× an integer, and one arithmetic shift per block
//   returns the exact sum.
// Walking R rows block by block interleaves R streams, which the hardware
// prefetcher follows poorly (Q8_0 head measured 2.4× slower streaming from
// memory on Zen 4); each row prefetches itself 2·R rows ahead.
// 512-bit registers holding two weight rows were slower on Zen 4, which runs
// them as two 256-bit halves. The transposed activations and their scales
// are 32-byte aligned (qmatmul.c).

#define ORK_QT_ALIGNED_LANE(base, b, l) _mm256_load_si256((const __m256i *)((base) + ((b) * 8 + (l)) * 8))

ORK_QT_INLINE void ORK_QT(q4_1_sums_rows)(const int R, const uint8_t *w, long row_bytes, const ork_qact *a, long g,
                                          int B, float *out, long out_stride) {
    const long nb = a->nb;
    const int32_t *qs = a->qs8 + g * nb * 64;
    const float *d8 = a->d8 + g * nb * 8, *s8 = a->s8 + g * nb * 8;
    const __m256i mask = _mm256_set1_epi8(0x0f);
    __m256 acc[4], summs[4];
    for (int i = 0; i < R; i++) acc[i] = summs[i] = _mm256_setzero_ps();
    for (long b = 0; b < nb; b++) {
        const __m256 ad = _mm256_load_ps(d8 + 8 * b), as = _mm256_load_ps(s8 + 8 * b);
        __m256i y[8];
        for (int l = 0; l < 8; l++) y[l] = ORK_QT_ALIGNED_LANE(qs, b, l);
        for (int i = 0; i < R; i++) {
            const uint8_t *xb = w + i * row_bytes + b * 20;
            _mm_prefetch((const char *)xb + 2 * R * row_bytes, _MM_HINT_T0);
            const __m128 dm = ORK_QT(halves)(xb);
            __m256 dx = _mm256_broadcastss_ps(dm);
            ORK_QT_OPAQUE(dx);
            const __m256 dd = _mm256_mul_ps(dx, ad);
            summs[i] = _mm256_fmadd_ps(_mm256_broadcastss_ps(_mm_movehdup_ps(dm)), as, summs[i]);
            __m256i s0 = _mm256_setzero_si256(), s1 = _mm256_setzero_si256();
            for (int l = 0; l < 4; l++) {
                const __m256i raw = ORK_QT(bcast32)(xb + 4 + 4 * l);
                s0 = _mm256_dpbusd_epi32(s0, _mm256_and_si256(raw, mask), y[l]);
                s1 = _mm256_dpbusd_epi32(s1, _mm256_andnot_si256(mask, raw), y[l + 4]);
            }
            const __m256i s = _mm256_add_epi32(s0, _mm256_srai_epi32(s1, 4));
            acc[i] = _mm256_fmadd_ps(dd, _mm256_cvtepi32_ps(s), acc[i]);
        }
    }
    for (int i = 0; i < R; i++) ORK_QT(store_rows)(B, _mm256_add_ps(acc[i], summs[i]), out + i, out_stride);
}

ORK_QT_INLINE void ORK_QT(q8_0_sums_rows)(const int R, const uint8_t *w, long row_bytes, const ork_qact *a, long g,
                                          int B, float *out, long out_stride) {
    const long nb = a->nb;
    const int32_t *qs = a->qs8 + g * nb * 64;
    const float *d8 = a->d8 + g * nb * 8;
    const __m256i x80 = _mm256_set1_epi8((char)0x80);
    __m256 acc[4];
    for (int i = 0; i < R; i++) acc[i] = _mm256_setzero_ps();
    for (long b = 0; b < nb; b++) {
        const __m256 ad = _mm256_load_ps(d8 + 8 * b);
        __m256i y[8];
        for (int l = 0; l < 8; l++) y[l] = _mm256_xor_si256(ORK_QT_ALIGNED_LANE(qs, b, l), x80);
        for (int i = 0; i < R; i++) {
            const uint8_t *xb = w + i * row_bytes + b * 34;
            _mm_prefetch((const char *)xb + 2 * R * row_bytes, _MM_HINT_T0);
            __m256 dx = _mm256_broadcastss_ps(ORK_QT(half)(xb));
            ORK_QT_OPAQUE(dx);
            const __m256 dd = _mm256_mul_ps(dx, ad);
            __m256i s0 = _mm256_setzero_si256(), s1 = _mm256_setzero_si256();
            for (int l = 0; l < 8; l += 2) {
                s0 = _mm256_dpbusd_epi32(s0, y[l], ORK_QT(bcast32)(xb + 2 + 4 * l));
                s1 = _mm256_dpbusd_epi32(s1, y[l + 1], ORK_QT(bcast32)(xb + 6 + 4 * l));
            }
            const __m256i s = _mm256_sub_epi32(_mm256_add_epi32(s0, s1), ORK_QT(q8_offset)(xb + 2));
            acc[i] = _mm256_fmadd_ps(dd, _mm256_cvtepi32_ps(s), acc[i]);
        }
    }
    for (int i = 0; i < R; i++) ORK_QT(store_rows)(B, acc[i], out + i, out_stride);
}

ORK_QT_ATTR void ORK_QT(ork_qsums4_q4_1)(const uint8_t *w, long row_bytes, const ork_qact *a, long g, int B, float *out,
                                          long out_stride) {
    ORK_QT(q4_1_sums_rows)(4, w, row_bytes, a, g, B, out, out_stride);
}

ORK_QT_ATTR void ORK_QT(ork_qsums4_q8_0)(const uint8_t *w, long row_bytes, const ork_qact *a, long g, int B, float *out,
                                          long out_stride) {
    ORK_QT(q8_0_sums_rows)(4, w, row_bytes, a, g, B, out, out_stride);
}

#undef ORK_QT_ALIGNED_LANE
#endif

#undef ORK_QT_LANE

ORK_QT_ATTR void ORK_QT(ork_qrows8_q4_1)(int sums, const uint8_t *w, const ork_qact *a, long g, int B, float *out,
                                          long out_stride) {
    if (sums) ORK_QT(q4_1_rows8)(1, w, a, g, B, out, out_stride);
    else ORK_QT(q4_1_rows8)(0, w, a, g, B, out, out_stride);
}

ORK_QT_ATTR void ORK_QT(ork_qrows8_q8_0)(int sums, const uint8_t *w, const ork_qact *a, long g, int B, float *out,
                                          long out_stride) {
    if (sums) ORK_QT(q8_rows8)(1, 0, w, a, g, B, out, out_stride);
    else ORK_QT(q8_rows8)(0, 0, w, a, g, B, out, out_stride);
}

ORK_QT_ATTR void ORK_QT(ork_qrows8_q4_0)(int sums, const uint8_t *w, const ork_qact *a, long g, int B, float *out,
                                          long out_stride) {
    if (sums) ORK_QT(q8_rows8)(1, 1, w, a, g, B, out, out_stride);
    else ORK_QT(q8_rows8)(0, 1, w, a, g, B, out, out_stride);
}

#undef ORK_QT_OPAQUE
#undef ORK_QT_INLINE
#undef ORK_QT
#undef ORK_QT_CAT
#undef ORK_QT_CAT2
