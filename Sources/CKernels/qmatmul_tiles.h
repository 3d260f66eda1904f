// Tile bodies of the quantized matrix product, included twice by qmatmul.c:
// once for AVX2 (maddubs/madd byte products) and once for AVX-512 VNNI
// (vpdpbusd), with ORK_QT_ATTR (target attribute), ORK_QT_SUFFIX
// (avx2 | avx512) and ORK_QT_VNNI (0 | 1) defined by the includer.
//
// A tile is one weight row × B activation rows over all blocks: the weight
// block is loaded and unpacked once for the B rows. Each output is computed
// exactly as ggml's x86 vec_dot for one row pair (arch/x86/quants.c): per
// block, the 32 byte products summed in 8 int32 lanes of 4 adjacent
// products, converted to float and accumulated with one FMA by
// d_weight·d_activation; then ggml's hsum_float_8, plus (Q4_1) the running
// sum of m·s. So a result does not depend on B, on the batch or on the thread
// that computes it, and equals llama.cpp's bit for bit.
//
// The lane sums are exact integers whichever instructions produce them:
// Q8_0 and Q4_0 weights are offset to unsigned bytes (q+128, q) for
// vpdpbusd, whose accumulator starts at −128·Σ or −8·Σ of the activation's
// four bytes per lane; the AVX2 body uses ggml's sign trick instead.
//
// One weight row at a time, not several interleaved: measured on Zen 4, the
// hardware prefetcher streams a decoder's weights from memory fastest that
// way, and batches gain nothing from more rows per tile.

#define ORK_QT_CAT2(a, b) a##_##b
#define ORK_QT_CAT(a, b) ORK_QT_CAT2(a, b)
#define ORK_QT(name) ORK_QT_CAT(name, ORK_QT_SUFFIX)
#define ORK_QT_INLINE static inline __attribute__((always_inline)) ORK_QT_ATTR
/// Hides that v is a broadcast, so that the compiler keeps d_weight·d_activation
/// as one vector multiply per tile element instead of a scalar multiply and a
/// broadcast (two instructions on the busiest ports).
#define ORK_QT_OPAQUE(v) __asm__("" : "+x"(v))

ORK_QT_INLINE float ORK_QT(hsum_float_8)(const __m256 x) {
    __m128 res = _mm256_extractf128_ps(x, 1);
    res = _mm_add_ps(res, _mm256_castps256_ps128(x));
    res = _mm_add_ps(res, _mm_movehl_ps(res, res));
    res = _mm_add_ss(res, _mm_movehdup_ps(res));
    return _mm_cvtss_f32(res);
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

/// Unsigned bytes u × signed bytes s, 4 adjacent products summed per int32 lane.
ORK_QT_INLINE __m256i ORK_QT(dot_us)(const __m256i u, const __m256i s) {
#if ORK_QT_VNNI
    return _mm256_dpbusd_epi32(_mm256_setzero_si256(), u, s);
#else
    return _mm256_madd_epi16(_mm256_maddubs_epi16(u, s), _mm256_set1_epi16(1));
#endif
}

#if !ORK_QT_VNNI
/// Signed bytes × signed bytes through the sign trick (ggml's mul_sum_i8_pairs).
ORK_QT_INLINE __m256i ORK_QT(dot_ss)(const __m256i x, const __m256i y) {
    return ORK_QT(dot_us)(_mm256_sign_epi8(x, x), _mm256_sign_epi8(y, x));
}
#endif

/// out[k·out_stride] = hsum(acc[k]) + m[k], k < B.
ORK_QT_INLINE void ORK_QT(store_row)(const int B, const __m256 *acc, const float *m, float *out, long out_stride) {
    for (int k = 0; k < B; k++) out[k * out_stride] = ORK_QT(hsum_float_8)(acc[k]) + m[k];
}

// ---- 256-bit bodies: one weight row × B ≤ 4 activation rows -----------------------------

ORK_QT_INLINE void ORK_QT(q4_1_tile)(const int B, const uint8_t *w, const ork_qact *a, long k0,
                                     float *out, long out_stride) {
    const long nb = a->nb;
    const float *d4 = a->d + k0 * nb, *s4 = a->s + k0 * nb;  // row group k0/4 starts at (k0/4)·nb·4
    const uint8_t *y = a->blocks + k0 * a->row_bytes;
    const long y_row_bytes = a->row_bytes;
    __m256 acc[4];
    __m128 summs = _mm_setzero_ps();
    for (int k = 0; k < B; k++) acc[k] = _mm256_setzero_ps();
    for (long b = 0; b < nb; b++) {
        const uint8_t *xb = w + b * 20;
        const __m128 dm = ORK_QT(halves)(xb);  // d, m
        __m256 dx = _mm256_broadcastss_ps(dm);
        ORK_QT_OPAQUE(dx);
        // Σ m·s per activation row (lane k); the products are exact, as in ggml's scalar sum.
        summs = _mm_fmadd_ps(_mm_permute_ps(dm, 0x55), _mm_loadu_ps(s4 + 4 * b), summs);
        const __m256i qx = ORK_QT(nibbles)(xb + 4);
        for (int k = 0; k < B; k++) {
            const __m256i qy = _mm256_loadu_si256((const __m256i *)(y + k * y_row_bytes + b * 36 + 4));
            const __m256 dd = _mm256_mul_ps(dx, _mm256_broadcast_ss(d4 + 4 * b + k));
            acc[k] = _mm256_fmadd_ps(dd, _mm256_cvtepi32_ps(ORK_QT(dot_us)(qx, qy)), acc[k]);
        }
    }
    float m[4];
    _mm_storeu_ps(m, summs);
    ORK_QT(store_row)(B, acc, m, out, out_stride);
}

/// Q8_0 (q4 = 0) and Q4_0 (q4 = 1) weights against Q8_0 activations.
ORK_QT_INLINE void ORK_QT(q8_tile)(const int B, const int q4, const uint8_t *w, const ork_qact *a, long k0,
                                   float *out, long out_stride) {
    const long nb = a->nb;
    const long block = q4 ? 18 : 34;
    const float *d4 = a->d + k0 * nb;
    const uint8_t *y = a->blocks + k0 * a->row_bytes;
    const long y_row_bytes = a->row_bytes;
    __m256 acc[4];
    for (int k = 0; k < B; k++) acc[k] = _mm256_setzero_ps();
    for (long b = 0; b < nb; b++) {
        const uint8_t *xb = w + b * block;
        __m256 dx = _mm256_broadcastss_ps(ORK_QT(halves)(xb));
        ORK_QT_OPAQUE(dx);
#if ORK_QT_VNNI
        // q + 128 (Q8_0) or q (Q4_0) as unsigned bytes; the bias restores the signed sum.
        const __m256i ux = q4 ? ORK_QT(nibbles)(xb + 2)
                              : _mm256_xor_si256(_mm256_loadu_si256((const __m256i *)(xb + 2)), _mm256_set1_epi8((char)0x80));
#else
        const __m256i qx = q4 ? _mm256_sub_epi8(ORK_QT(nibbles)(xb + 2), _mm256_set1_epi8(8))
                              : _mm256_loadu_si256((const __m256i *)(xb + 2));
#endif
        for (int k = 0; k < B; k++) {
            const __m256i qy = _mm256_loadu_si256((const __m256i *)(y + k * y_row_bytes + b * 34 + 2));
#if ORK_QT_VNNI
            const __m256i lane_sums = _mm256_loadu_si256((const __m256i *)(a->neg_lane_sums + ((k0 + k) * nb + b) * 8));
            const __m256i isum = _mm256_dpbusd_epi32(q4 ? _mm256_srai_epi32(lane_sums, 4) : lane_sums, ux, qy);
#else
            const __m256i isum = ORK_QT(dot_ss)(qx, qy);
#endif
            const __m256 dd = _mm256_mul_ps(dx, _mm256_broadcast_ss(d4 + 4 * b + k));
            acc[k] = _mm256_fmadd_ps(dd, _mm256_cvtepi32_ps(isum), acc[k]);
        }
    }
    const float zero[4] = {0, 0, 0, 0};
    ORK_QT(store_row)(B, acc, zero, out, out_stride);
}

#if ORK_QT_VNNI
// ---- 512-bit bodies: one weight row × B ≤ 8 activation rows, two per register -------------
//
// Lanes 0–7 hold one activation row's sums and lanes 8–15 the next row's, each
// half accumulated exactly as the 256-bit body does it; the weight block is
// unpacked once into both halves. Activation rows come in pairs (ork_qact's
// pair_* arrays).

/// 16 bytes of nibbles → the 32 unpacked bytes in both 256-bit halves.
ORK_QT_INLINE __m512i ORK_QT(nibbles_x2)(const uint8_t *p) {
    const __m512i packed = _mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i *)p));
    // 64-bit shifts by 0 or 4: after the mask each byte keeps its own low or high nibble.
    const __m512i shifted = _mm512_srlv_epi64(packed, _mm512_setr_epi64(0, 0, 4, 4, 0, 0, 4, 4));
    return _mm512_and_si512(shifted, _mm512_set1_epi8(0x0f));
}

ORK_QT_INLINE void ORK_QT(store_pairs)(const int B, const __m512 *acc, const float *m, float *out, long out_stride) {
    for (int k = 0; k < B; k++) {
        const __m256 half = k % 2 ? _mm512_extractf32x8_ps(acc[k / 2], 1) : _mm512_castps512_ps256(acc[k / 2]);
        out[k * out_stride] = ORK_QT(hsum_float_8)(half) + m[k];
    }
}

ORK_QT_INLINE void ORK_QT(q4_1_pairs)(const int B, const uint8_t *w, const ork_qact *a, long k0,
                                      float *out, long out_stride) {
    const int P = (B + 1) / 2;
    const long nb = a->nb;
    const int8_t *qs = a->pair_qs + (k0 / 2) * nb * 64;
    const float *pd = a->pair_d + (k0 / 2) * nb * 16;
    const float *s4 = a->s + k0 * nb;  // rows k0…k0+3; k0+4… one group (nb·4 floats) later
    __m512 acc[4];
    __m128 summs0 = _mm_setzero_ps(), summs1 = _mm_setzero_ps();
    for (int p = 0; p < P; p++) acc[p] = _mm512_setzero_ps();
    for (long b = 0; b < nb; b++) {
        const uint8_t *xb = w + b * 20;
        const __m128 dm = ORK_QT(halves)(xb);
        __m512 dx = _mm512_broadcastss_ps(dm);
        ORK_QT_OPAQUE(dx);
        const __m128 m = _mm_permute_ps(dm, 0x55);
        summs0 = _mm_fmadd_ps(m, _mm_loadu_ps(s4 + 4 * b), summs0);
        if (B > 4) summs1 = _mm_fmadd_ps(m, _mm_loadu_ps(s4 + nb * 4 + 4 * b), summs1);
        const __m512i qx = ORK_QT(nibbles_x2)(xb + 4);
        for (int p = 0; p < P; p++) {
            const __m512i qy = _mm512_loadu_si512(qs + (p * nb + b) * 64);
            const __m512 dd = _mm512_mul_ps(dx, _mm512_loadu_ps(pd + (p * nb + b) * 16));
            acc[p] = _mm512_fmadd_ps(dd, _mm512_cvtepi32_ps(_mm512_dpbusd_epi32(_mm512_setzero_si512(), qx, qy)), acc[p]);
        }
    }
    float m[8];
    _mm_storeu_ps(m, summs0);
    _mm_storeu_ps(m + 4, summs1);
    ORK_QT(store_pairs)(B, acc, m, out, out_stride);
}

/// Q8_0 (q4 = 0) and Q4_0 (q4 = 1) weights: offset unsigned bytes and a bias of −128·Σy or −8·Σy.
ORK_QT_INLINE void ORK_QT(q8_pairs)(const int B, const int q4, const uint8_t *w, const ork_qact *a, long k0,
                                    float *out, long out_stride) {
    const int P = (B + 1) / 2;
    const long nb = a->nb;
    const long block = q4 ? 18 : 34;
    const int8_t *qs = a->pair_qs + (k0 / 2) * nb * 64;
    const float *pd = a->pair_d + (k0 / 2) * nb * 16;
    const int32_t *lane_sums = a->pair_neg_lane_sums + (k0 / 2) * nb * 16;
    __m512 acc[4];
    for (int p = 0; p < P; p++) acc[p] = _mm512_setzero_ps();
    for (long b = 0; b < nb; b++) {
        const uint8_t *xb = w + b * block;
        __m512 dx = _mm512_broadcastss_ps(ORK_QT(halves)(xb));
        ORK_QT_OPAQUE(dx);
        const __m512i ux = q4 ? ORK_QT(nibbles_x2)(xb + 2)
                              : _mm512_xor_si512(_mm512_broadcast_i64x4(_mm256_loadu_si256((const __m256i *)(xb + 2))),
                                                 _mm512_set1_epi8((char)0x80));
        for (int p = 0; p < P; p++) {
            const __m512i lanes = _mm512_loadu_si512(lane_sums + (p * nb + b) * 16);
            const __m512i bias = q4 ? _mm512_srai_epi32(lanes, 4) : lanes;
            const __m512i qy = _mm512_loadu_si512(qs + (p * nb + b) * 64);
            const __m512 dd = _mm512_mul_ps(dx, _mm512_loadu_ps(pd + (p * nb + b) * 16));
            acc[p] = _mm512_fmadd_ps(dd, _mm512_cvtepi32_ps(_mm512_dpbusd_epi32(bias, ux, qy)), acc[p]);
        }
    }
    const float zero[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    ORK_QT(store_pairs)(B, acc, zero, out, out_stride);
}
#endif

// ---- entry points: B → a body with a constant B ------------------------------------------

#define ORK_QT_CASE(n, call) case n: call; return;
#define ORK_QT_UP_TO_4(call4)                                                                    \
    switch (B) { ORK_QT_CASE(1, call4(1)) ORK_QT_CASE(2, call4(2)) ORK_QT_CASE(3, call4(3)) default: call4(4); }

ORK_QT_ATTR void ORK_QT(ork_qtile_q4_1)(int B, const uint8_t *w, const ork_qact *a, long k0, float *out, long out_stride) {
#define ORK_QT_CALL(n) ORK_QT(q4_1_tile)(n, w, a, k0, out, out_stride)
    ORK_QT_UP_TO_4(ORK_QT_CALL)
#undef ORK_QT_CALL
}

ORK_QT_ATTR void ORK_QT(ork_qtile_q8_0)(int B, const uint8_t *w, const ork_qact *a, long k0, float *out, long out_stride) {
#define ORK_QT_CALL(n) ORK_QT(q8_tile)(n, 0, w, a, k0, out, out_stride)
    ORK_QT_UP_TO_4(ORK_QT_CALL)
#undef ORK_QT_CALL
}

ORK_QT_ATTR void ORK_QT(ork_qtile_q4_0)(int B, const uint8_t *w, const ork_qact *a, long k0, float *out, long out_stride) {
#define ORK_QT_CALL(n) ORK_QT(q8_tile)(n, 1, w, a, k0, out, out_stride)
    ORK_QT_UP_TO_4(ORK_QT_CALL)
#undef ORK_QT_CALL
}

#if ORK_QT_VNNI
#define ORK_QT_UP_TO_8(call8)                                                                    \
    switch (B) {                                                                                 \
        ORK_QT_CASE(2, call8(2)) ORK_QT_CASE(3, call8(3)) ORK_QT_CASE(4, call8(4))               \
        ORK_QT_CASE(5, call8(5)) ORK_QT_CASE(6, call8(6)) ORK_QT_CASE(7, call8(7))               \
        default: call8(8);                                                                       \
    }

ORK_QT_ATTR void ORK_QT(ork_qpairs_q4_1)(int B, const uint8_t *w, const ork_qact *a, long k0, float *out, long out_stride) {
#define ORK_QT_CALL(n) ORK_QT(q4_1_pairs)(n, w, a, k0, out, out_stride)
    ORK_QT_UP_TO_8(ORK_QT_CALL)
#undef ORK_QT_CALL
}

ORK_QT_ATTR void ORK_QT(ork_qpairs_q8_0)(int B, const uint8_t *w, const ork_qact *a, long k0, float *out, long out_stride) {
#define ORK_QT_CALL(n) ORK_QT(q8_pairs)(n, 0, w, a, k0, out, out_stride)
    ORK_QT_UP_TO_8(ORK_QT_CALL)
#undef ORK_QT_CALL
}

ORK_QT_ATTR void ORK_QT(ork_qpairs_q4_0)(int B, const uint8_t *w, const ork_qact *a, long k0, float *out, long out_stride) {
#define ORK_QT_CALL(n) ORK_QT(q8_pairs)(n, 1, w, a, k0, out, out_stride)
    ORK_QT_UP_TO_8(ORK_QT_CALL)
#undef ORK_QT_CALL
}
#undef ORK_QT_UP_TO_8
#endif

#undef ORK_QT_UP_TO_4
#undef ORK_QT_CASE
#undef ORK_QT_OPAQUE
#undef ORK_QT_INLINE
#undef ORK_QT
#undef ORK_QT_CAT
#undef ORK_QT_CAT2
