// The vector body of ork_attention_f16 (attention.c) for one query head,
// included after ggml_vec16.h once per instruction set (same macros). The
// order of every float operation is llama.cpp's (see attention.c), so the
// AVX2 and AVX-512 bodies give the same bits.

/// Scores (len), softmax, weighted sum of V for one head. head_dim is a
/// multiple of 64 and at most 256; `scores` holds len rounded up to 16
/// floats, `classes` 64·head_dim floats.
ORK_V16_ATTR static void ORK_V16(attention_head)(const float *q, const uint16_t *k, const uint16_t *v, long len,
                                                long kv_stride, long head_dim, float scale, int batched,
                                                float *out, float *scores, float *classes) {
    const long chunks = head_dim / 16;
    // The query rounded to F16: llama.cpp converts it to K's type before the dot products.
    ork_f32x16 qh[16];
    for (long c = 0; c < chunks; c++)
        qh[c] = __builtin_convertvector(__builtin_convertvector(ORK_V16(load)(q + 16 * c), ork_f16x16), ork_f32x16);

    // Scores: tinyBLAS (prompt batches) runs one 16-lane FMA chain over the
    // head dimension; ggml_vec_dot_f16 (one token) four chains over steps of
    // 64, added (0+2)+(1+3). Products of F16 values are exact in float.
    float max = -__builtin_inff();
    for (long t = 0; t < len; t++) {
        const uint16_t *kt = k + t * kv_stride;
        float s;
        if (batched) {
            ork_f32x16 acc = ORK_V16(splat)(0.0f);
            for (long c = 0; c < chunks; c++) acc = ORK_V16(fma)(ORK_V16(load_f16)(kt + 16 * c), qh[c], acc);
            s = ORK_V16(reduce)(acc);
        } else {
            ork_f32x16 a0 = ORK_V16(splat)(0.0f), a1 = a0, a2 = a0, a3 = a0;
            for (long c = 0; c < chunks; c += 4) {
                a0 = ORK_V16(fma)(ORK_V16(load_f16)(kt + 16 * c), qh[c], a0);
                a1 = ORK_V16(fma)(ORK_V16(load_f16)(kt + 16 * c + 16), qh[c + 1], a1);
                a2 = ORK_V16(fma)(ORK_V16(load_f16)(kt + 16 * c + 32), qh[c + 2], a2);
                a3 = ORK_V16(fma)(ORK_V16(load_f16)(kt + 16 * c + 48), qh[c + 3], a3);
            }
            s = ORK_V16(reduce)((a0 + a2) + (a1 + a3));
        }
        scores[t] = s * scale;
        if (scores[t] > max) max = scores[t];
    }

    // Softmax (ggml_compute_forward_soft_max_f32): e^(x − max) 16 at a time,
    // each group's sum added in double; positions past len are masked (−∞ → 0).
    double sum = 0;
    for (long t0 = 0; t0 < len; t0 += 16) {
        ork_f32x16 x = ORK_V16(splat)(-__builtin_inff());
        const long n = len - t0 < 16 ? len - t0 : 16;
        for (long i = 0; i < n; i++) x[i] = scores[t0 + i];
        const ork_f32x16 e = ORK_V16(expf)(x - ORK_V16(splat)(max));
        for (long i = 0; i < n; i++) scores[t0 + i] = e[i];
        sum += (double)ORK_V16(reduce)(e);
    }
    // Probabilities scaled by the float of 1/sum, then rounded to F16 (V's type) for the product.
    const float inv = (float)(1.0 / sum);
    for (long t = 0; t < len; t++) scores[t] = (float)(_Float16)(scores[t] * inv);

    // Σ p·v: each output is a dot product over positions, accumulated by
    // position classes (t mod 16 for tinyBLAS, t mod 64 for vec_dot_f16),
    // each class in position order, then the classes added in the same tree
    // as the lanes. Vectorized over the head dimension.
    const long class_count = batched ? 16 : 64;
    for (long cls = 0; cls < class_count; cls++) {
        float *row = classes + cls * head_dim;
        for (long c = 0; c < chunks; c++) {
            ork_f32x16 acc = ORK_V16(splat)(0.0f);
            for (long t = cls; t < len; t += class_count)
                acc = ORK_V16(fma)(ORK_V16(splat)(scores[t]), ORK_V16(load_f16)(v + t * kv_stride + 16 * c), acc);
            ORK_V16(store)(row + 16 * c, acc);
        }
    }
    for (long c = 0; c < chunks; c++) {
        ork_f32x16 lane[16];
        for (int l = 0; l < 16; l++) {
            const float *base = classes + 16 * c;
            if (batched) {
                lane[l] = ORK_V16(load)(base + l * head_dim);
            } else {
                // ggml's reduction of its four accumulators: (0+2) + (1+3).
                const ork_f32x16 s0 = ORK_V16(load)(base + l * head_dim), s1 = ORK_V16(load)(base + (16 + l) * head_dim);
                const ork_f32x16 s2 = ORK_V16(load)(base + (32 + l) * head_dim), s3 = ORK_V16(load)(base + (48 + l) * head_dim);
                lane[l] = (s0 + s2) + (s1 + s3);
            }
        }
        // The 16-lane reduction, applied to whole vectors.
        for (int i = 0; i < 8; i++) lane[i] = lane[i + 8] + lane[i];
        for (int i = 0; i < 4; i++) lane[i] = lane[i + 4] + lane[i];
        ORK_V16(store)(out + 16 * c, (lane[0] + lane[2]) + (lane[1] + lane[3]));
    }
}
