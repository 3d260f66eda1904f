// Scaled dot-product attention of single query positions over an F16 KV
// cache, in llama.cpp's arithmetic (its CPU graph without flash attention:
// kq = K·q, softmax(scale·kq + mask), kqv = V·p), for each head h sharing KV
// head h / (n_heads / n_kv_heads) (grouped-query attention):
//   q is rounded to F16 (the type of K), score[t] = q·k_t
//   x[t] = score[t]·scale; p = e^(x − max) / Σ (ggml's vector expf, sum in double)
//   p is rounded to F16 (the type of V), out = Σ_t p[t]·v_t
// The float summation orders are those of the x86 AVX-512 build of
// llama.cpp: ggml_vec_dot_f16 when a sequence passes one token through the
// model (decoding), and llamafile's tinyBLAS when it passes several (a
// prompt batch) — the query says which (`batched`). Its padding of the cache
// to 256 positions adds only zeros and is left out. The vector bodies
// (attention_body.h, AVX2 and AVX-512) give the same bits; the scalar
// reference sums in position order with libm's expf (tests compare them).
//
// Queries of one call may belong to different sequences (continuous
// batching): each names its own cache rows. Queries × KV heads run in
// parallel on the kernel pool; the query heads sharing a KV head run
// together, so each cached row is converted from F16 once for them.
#include "quants_internal.h"

#include <math.h>
#include <stdlib.h>

#pragma clang fp contract(off)

/// Query heads processed together over one KV head (their registers stay live).
#define ORK_ATTENTION_MAX_GROUP 4

float ork_fp16_to_fp32(uint16_t h);
uint16_t ork_fp32_to_fp16(float f);

#if ORK_X86
#define ORK_V16_ATTR __attribute__((target("avx2,fma,f16c")))
#define ORK_V16_SUFFIX avx2
#include "ggml_vec16.h"
#include "attention_body.h"
#undef ORK_V16_ATTR
#undef ORK_V16_SUFFIX

#define ORK_V16_ATTR __attribute__((target("avx2,fma,f16c,avx512f,avx512bw,avx512dq,avx512vl")))
#define ORK_V16_SUFFIX avx512
#include "ggml_vec16.h"
#include "attention_body.h"
#undef ORK_V16_ATTR
#undef ORK_V16_SUFFIX
#endif

static void attention_head_ref(const float *q, const uint16_t *k, const uint16_t *v, long len, long kv_stride,
                            long head_dim, float scale, float *out, float *scores) {
    float qh[256];
    for (long d = 0; d < head_dim; d++) qh[d] = ork_fp16_to_fp32(ork_fp32_to_fp16(q[d]));
    float max = -INFINITY;
    for (long t = 0; t < len; t++) {
        const uint16_t *kt = k + t * kv_stride;
        float s = 0.0f;
        for (long d = 0; d < head_dim; d++) s += qh[d] * ork_fp16_to_fp32(kt[d]);
        scores[t] = s * scale;
        if (scores[t] > max) max = scores[t];
    }
    double sum = 0;
    for (long t = 0; t < len; t++) { scores[t] = expf(scores[t] - max); sum += scores[t]; }
    const float inv = (float)(1.0 / sum);
    for (long d = 0; d < head_dim; d++) out[d] = 0.0f;
    for (long t = 0; t < len; t++) {
        const uint16_t *vt = v + t * kv_stride;
        const float p = ork_fp16_to_fp32(ork_fp32_to_fp16(scores[t] * inv));
        for (long d = 0; d < head_dim; d++) out[d] += p * ork_fp16_to_fp32(vt[d]);
    }
}

typedef void (*attention_group_fn)(const float *q, int group, const uint16_t *k, const uint16_t *v, long len,
                                   long kv_stride, long head_dim, float scale, int batched, float *out, float *scores);

typedef struct {
    const ork_attention_query *queries;
    long kv_stride, n_heads, n_kv_heads, head_dim;
    float scale;
    long parts;               // tasks per query and KV head: its query heads in groups of ≤ ORK_ATTENTION_MAX_GROUP
    attention_group_fn body;  // NULL: reference
} attention_job;

enum { STACK_SCORES = 8192 };

/// Task: one query, one KV head, one group of the query heads that share it.
static void attention_task(void *context, long index) {
    const attention_job *job = context;
    const long per_query = job->n_kv_heads * job->parts;
    const ork_attention_query *query = &job->queries[index / per_query];
    const long kvh = (index % per_query) / job->parts, part = index % job->parts;
    const long heads_per_kv = job->n_heads / job->n_kv_heads;
    const long h0 = kvh * heads_per_kv + part * ORK_ATTENTION_MAX_GROUP;
    const int group = (int)ork__min(ORK_ATTENTION_MAX_GROUP, (kvh + 1) * heads_per_kv - h0);
    const long padded = (query->len + 15) & ~15L;
    float stack[STACK_SCORES];
    float *scores = padded * group <= STACK_SCORES ? stack : malloc(sizeof(float) * (size_t)(padded * group));
    const uint16_t *k = query->k + kvh * job->head_dim;
    const uint16_t *v = query->v + kvh * job->head_dim;
    if (job->body) {
        job->body(query->q + h0 * job->head_dim, group, k, v, query->len, job->kv_stride, job->head_dim, job->scale,
                  query->batched, query->out + h0 * job->head_dim, scores);
    } else {
        for (int g = 0; g < group; g++)
            attention_head_ref(query->q + (h0 + g) * job->head_dim, k, v, query->len, job->kv_stride, job->head_dim,
                               job->scale, query->out + (h0 + g) * job->head_dim, scores);
    }
    if (scores != stack) free(scores);
}

int ork_attention_f16(const ork_attention_query *queries, long count, long kv_stride,
                      long n_heads, long n_kv_heads, long head_dim, float scale) {
    if (head_dim > 256 || head_dim <= 0 || n_kv_heads <= 0 || n_heads % n_kv_heads != 0) return -1;
    for (long i = 0; i < count; i++) if (queries[i].len <= 0) return -1;
    const long heads_per_kv = n_heads / n_kv_heads;
    attention_job job = {queries, kv_stride, n_heads, n_kv_heads, head_dim, scale,
                         (heads_per_kv + ORK_ATTENTION_MAX_GROUP - 1) / ORK_ATTENTION_MAX_GROUP, NULL};
#if ORK_X86
    const ork_isa isa = ork__isa();
    if (head_dim % 64 == 0) {
        if (isa == ORK_ISA_AVX512 && ork__has_f16c()) job.body = attention_group_avx512;
        else if (isa == ORK_ISA_AVX2 && ork__has_f16c()) job.body = attention_group_avx2;
    }
#endif
    ork_parallel_for(count * n_kv_heads * job.parts, attention_task, &job);
    return 0;
}
