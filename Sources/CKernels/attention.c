// Scaled dot-product attention of single query positions over an F16 KV
// cache, as a decoder runs it: for each head h (sharing KV head
// h / (n_heads / n_kv_heads), grouped-query attention),
//   score[t] = scale · q_h · k_t      (q rounded to F16 first, as llama.cpp's F16 K path does)
//   p = softmax(score)                (max-subtracted, float)
//   out_h = Σ_t p[t] · v_t            (float accumulation)
// Queries of one call may belong to different sequences (continuous
// batching): each names its own cache rows. Heads × queries run in parallel
// on the kernel pool.
#include "kernels_internal.h"

#include <math.h>
#include <stdlib.h>

float ork_fp16_to_fp32(uint16_t h);
uint16_t ork_fp32_to_fp16(float f);

static void head_ref(const float *q, const uint16_t *k, const uint16_t *v, long len, long kv_stride,
                     long head_dim, float scale, float *out, float *scores) {
    float qh[256];
    for (long d = 0; d < head_dim; d++) qh[d] = ork_fp16_to_fp32(ork_fp32_to_fp16(q[d]));
    float max = -INFINITY;
    for (long t = 0; t < len; t++) {
        const uint16_t *kt = k + t * kv_stride;
        float s = 0.0f;
        for (long d = 0; d < head_dim; d++) s += qh[d] * ork_fp16_to_fp32(kt[d]);
        s *= scale;
        scores[t] = s;
        if (s > max) max = s;
    }
    float sum = 0.0f;
    for (long t = 0; t < len; t++) { scores[t] = expf(scores[t] - max); sum += scores[t]; }
    const float inv = 1.0f / sum;
    for (long d = 0; d < head_dim; d++) out[d] = 0.0f;
    for (long t = 0; t < len; t++) {
        const uint16_t *vt = v + t * kv_stride;
        const float p = scores[t] * inv;
        for (long d = 0; d < head_dim; d++) out[d] += p * ork_fp16_to_fp32(vt[d]);
    }
}

#if ORK_X86
#define ORK_F16C_AVX2 __attribute__((target("avx2,fma,f16c")))

ORK_F16C_AVX2 static void head_avx2(const float *q, const uint16_t *k, const uint16_t *v, long len, long kv_stride,
                                    long head_dim, float scale, float *out, float *scores) {
    // head_dim is a multiple of 8 (checked by the caller).
    __m256 qh[32];
    const long chunks = head_dim / 8;
    for (long c = 0; c < chunks; c++)
        qh[c] = _mm256_cvtph_ps(_mm256_cvtps_ph(_mm256_loadu_ps(q + 8 * c), 0));
    float max = -INFINITY;
    for (long t = 0; t < len; t++) {
        const uint16_t *kt = k + t * kv_stride;
        __m256 acc = _mm256_setzero_ps();
        for (long c = 0; c < chunks; c++)
            acc = _mm256_fmadd_ps(qh[c], _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(kt + 8 * c))), acc);
        __m128 r = _mm_add_ps(_mm256_extractf128_ps(acc, 1), _mm256_castps256_ps128(acc));
        r = _mm_add_ps(r, _mm_movehl_ps(r, r));
        r = _mm_add_ss(r, _mm_movehdup_ps(r));
        const float s = _mm_cvtss_f32(r) * scale;
        scores[t] = s;
        if (s > max) max = s;
    }
    float sum = 0.0f;
    for (long t = 0; t < len; t++) { scores[t] = expf(scores[t] - max); sum += scores[t]; }
    const float inv = 1.0f / sum;
    __m256 o[32];
    for (long c = 0; c < chunks; c++) o[c] = _mm256_setzero_ps();
    for (long t = 0; t < len; t++) {
        const uint16_t *vt = v + t * kv_stride;
        const __m256 p = _mm256_set1_ps(scores[t] * inv);
        for (long c = 0; c < chunks; c++)
            o[c] = _mm256_fmadd_ps(p, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(vt + 8 * c))), o[c]);
    }
    for (long c = 0; c < chunks; c++) _mm256_storeu_ps(out + 8 * c, o[c]);
}

static int attention_has_f16c(void) {
    static int cached = -1;
    if (cached < 0) { __builtin_cpu_init(); cached = __builtin_cpu_supports("f16c") && __builtin_cpu_supports("avx2"); }
    return cached;
}
#endif

typedef struct {
    const ork_attention_query *queries;
    long kv_stride, n_heads, n_kv_heads, head_dim;
    float scale;
    int fast;
} attention_job;

static void attention_task(void *context, long index) {
    const attention_job *job = context;
    const ork_attention_query *query = &job->queries[index / job->n_heads];
    const long h = index % job->n_heads;
    const long kvh = h / (job->n_heads / job->n_kv_heads);
    float stack[2048];
    float *scores = query->len <= 2048 ? stack : malloc(sizeof(float) * (size_t)query->len);
    const float *q = query->q + h * job->head_dim;
    const uint16_t *k = query->k + kvh * job->head_dim;
    const uint16_t *v = query->v + kvh * job->head_dim;
    float *out = query->out + h * job->head_dim;
#if ORK_X86
    if (job->fast) head_avx2(q, k, v, query->len, job->kv_stride, job->head_dim, job->scale, out, scores);
    else
#endif
        head_ref(q, k, v, query->len, job->kv_stride, job->head_dim, job->scale, out, scores);
    if (scores != stack) free(scores);
}

int ork_attention_f16(const ork_attention_query *queries, long count, long kv_stride,
                      long n_heads, long n_kv_heads, long head_dim, float scale) {
    if (head_dim > 256 || n_kv_heads <= 0 || n_heads % n_kv_heads != 0) return -1;
    int fast = 0;
#if ORK_X86
    fast = ork__isa() >= ORK_ISA_AVX2 && attention_has_f16c() && head_dim % 8 == 0;
#endif
    attention_job job = {queries, kv_stride, n_heads, n_kv_heads, head_dim, scale, fast};
    ork_parallel_for(count * n_heads, attention_task, &job);
    return 0;
}
