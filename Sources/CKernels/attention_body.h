// The vector body of ork_attention_f16 (attention.c) for the query heads
// that share one KV head, included after ggml_vec16.h once per instruction
// set (same macros). Each K and V row is converted from F16 once for all of
// them. The order of every float operation is llama.cpp's (see attention.c),
// so the AVX2 and AVX-512 bodies give the same bits.

/// Scores, softmax and weighted sum of V for `group` (≤ ORK_ATTENTION_MAX_GROUP)
/// query heads at q, q + head_dim, … over one KV head. head_dim is a multiple
/// of 64 and at most 256; `scores` holds group × (len rounded up to 16) floats.
static inline __attribute__((always_inline)) ORK_V16_ATTR void ORK_V16(attention_group_body)(
    const float *q, int group, const uint16_t *k, const uint16_t *v, long len, long kv_stride, const long head_dim,
    float scale, int batched, float *out, float *scores) {
    const long chunks = head_dim / 16;
    const long padded = (len + 15) & ~15L;
    // The queries rounded to F16: llama.cpp converts them to K's type before the dot products.
    ork_f32x16 qh[ORK_ATTENTION_MAX_GROUP][16];
    for (int g = 0; g < group; g++)
        for (long c = 0; c < chunks; c++)
            qh[g][c] = __builtin_convertvector(__builtin_convertvector(ORK_V16(load)(q + g * head_dim + 16 * c), ork_f16x16),
                                               ork_f32x16);

    // Scores: tinyBLAS (prompt batches) runs one 16-lane FMA chain over the
    // head dimension; ggml_vec_dot_f16 (one token) four chains over steps of
    // 64, added (0+2)+(1+3). Products of F16 values are exact in float. The
    // 16-lane reductions are done 16 positions at a time.
    float max[ORK_ATTENTION_MAX_GROUP];
    for (int g = 0; g < group; g++) max[g] = -__builtin_inff();
    for (long t0 = 0; t0 < len; t0 += 16) {
        const long n = len - t0 < 16 ? len - t0 : 16;
        ork_f32x16 dots[ORK_ATTENTION_MAX_GROUP][16];
        for (long i = 0; i < 16; i++) {
            if (i >= n) {
                for (int g = 0; g < group; g++) dots[g][i] = ORK_V16(splat)(0.0f);
                continue;
            }
            const uint16_t *kt = k + (t0 + i) * kv_stride;
            ork_f32x16 kc[16];
            for (long c = 0; c < chunks; c++) kc[c] = ORK_V16(load_f16)(kt + 16 * c);
            for (int g = 0; g < group; g++) {
                if (batched) {
                    ork_f32x16 acc = ORK_V16(splat)(0.0f);
                    for (long c = 0; c < chunks; c++) acc = ORK_V16(fma)(kc[c], qh[g][c], acc);
                    dots[g][i] = acc;
                } else {
                    ork_f32x16 a0 = ORK_V16(splat)(0.0f), a1 = a0, a2 = a0, a3 = a0;
                    for (long c = 0; c < chunks; c += 4) {
                        a0 = ORK_V16(fma)(kc[c], qh[g][c], a0);
                        a1 = ORK_V16(fma)(kc[c + 1], qh[g][c + 1], a1);
                        a2 = ORK_V16(fma)(kc[c + 2], qh[g][c + 2], a2);
                        a3 = ORK_V16(fma)(kc[c + 3], qh[g][c + 3], a3);
                    }
                    dots[g][i] = (a0 + a2) + (a1 + a3);
                }
            }
        }
        for (int g = 0; g < group; g++) {
            const ork_f32x16 x = ORK_V16(reduce16x16)(dots[g]) * ORK_V16(splat)(scale);
            for (long i = 0; i < n; i++) {
                scores[g * padded + t0 + i] = x[i];
                if (x[i] > max[g]) max[g] = x[i];
            }
        }
    }

    // Softmax (ggml_compute_forward_soft_max_f32): e^(x − max) 16 at a time,
    // each group's sum added in double; positions past len are masked (−∞ → 0).
    // The probabilities are scaled by the float of 1/sum, then rounded to F16
    // (V's type) for the product.
    for (int g = 0; g < group; g++) {
        float *sg = scores + g * padded;
        double sum = 0;
        for (long t0 = 0; t0 < len; t0 += 16) {
            ork_f32x16 x = ORK_V16(splat)(-__builtin_inff());
            const long n = len - t0 < 16 ? len - t0 : 16;
            for (long i = 0; i < n; i++) x[i] = sg[t0 + i];
            const ork_f32x16 e = ORK_V16(expf)(x - ORK_V16(splat)(max[g]));
            for (long i = 0; i < n; i++) sg[t0 + i] = e[i];
            sum += (double)ORK_V16(reduce)(e);
        }
        const float inv = (float)(1.0 / sum);
        for (long t = 0; t < len; t++) sg[t] = (float)(_Float16)(sg[t] * inv);
    }

    // Σ p·v: each output is a dot product over positions, accumulated by
    // position classes (t mod 16 for tinyBLAS, t mod 64 for vec_dot_f16),
    // each class in position order, then the classes added in the same tree
    // as the lanes: lane l holds class l (tinyBLAS) or (l + l+32) + (l+16 +
    // l+48) (ggml's four accumulators). Vectorized over the head dimension,
    // one pass over the positions per 16 dimensions.
    const long stride = batched ? 16 : 64;
    for (long c = 0; c < chunks; c++) {
        const uint16_t *vc = v + 16 * c;
        ork_f32x16 cls[ORK_ATTENTION_MAX_GROUP][64];
        for (long t = 0; t < len; t++) {
            const ork_f32x16 vt = ORK_V16(load_f16)(vc + t * kv_stride);
            const long slot = t & (stride - 1);
            for (int g = 0; g < group; g++) {
                const ork_f32x16 p = ORK_V16(splat)(scores[g * padded + t]);
                cls[g][slot] = t < stride ? p * vt : ORK_V16(fma)(p, vt, cls[g][slot]);  // the first product is exact
            }
        }
        for (long slot = len; slot < stride; slot++)
            for (int g = 0; g < group; g++) cls[g][slot] = ORK_V16(splat)(0.0f);
        for (int g = 0; g < group; g++) {
            ork_f32x16 lane[16];
            for (int l = 0; l < 16; l++)
                lane[l] = batched ? cls[g][l] : (cls[g][l] + cls[g][l + 32]) + (cls[g][l + 16] + cls[g][l + 48]);
            // The 16-lane reduction, applied to whole vectors.
            for (int i = 0; i < 8; i++) lane[i] = lane[i + 8] + lane[i];
            for (int i = 0; i < 4; i++) lane[i] = lane[i + 4] + lane[i];
            ORK_V16(store)(out + g * head_dim + 16 * c, (lane[0] + lane[2]) + (lane[1] + lane[3]));
        }
    }
}

ORK_V16_ATTR static void ORK_V16(attention_group)(const float *q, int group, const uint16_t *k, const uint16_t *v,
                                                 long len, long kv_stride, long head_dim, float scale, int batched,
                                                 float *out, float *scores) {
    // A constant head dimension lets the compiler keep a row's chunks in registers.
    if (head_dim == 64) ORK_V16(attention_group_body)(q, group, k, v, len, kv_stride, 64, scale, batched, out, scores);
    else ORK_V16(attention_group_body)(q, group, k, v, len, kv_stride, head_dim, scale, batched, out, scores);
}
