// Quantized weight matrices times float activations, as llama.cpp multiplies
// them: the activation rows are quantized once per call (Q8_1 for Q4_1
// weights, Q8_0 for Q4_0 and Q8_0 weights), then every weight row is dotted
// with every activation row in integers, block by block, and scaled in float.
//
// One call can multiply several matrices that read the same activations
// (a layer's Q, K and V projections; its FFN gate and up projections): the
// activations are quantized once and all the matrices' rows form one parallel
// loop, so a decoding step wakes the thread pool once per group, not once
// per matrix.
//
// Work is split into tasks of consecutive weight rows (~16 KiB of weights,
// a multiple of 4 rows); a task walks the batch in groups of activation rows
// (8 with AVX-512, two per 512-bit register; 4 with AVX2) and runs each of
// its weight rows against a group with one tile (qmatmul_tiles.h). Every
// output is the same float computation as ggml's vec_dot for that row pair,
// whatever the group, batch or thread.
// The scalar ISA runs the reference dot products (quants.c) row pair by row
// pair.
#include "quants_internal.h"

#include <string.h>

#if ORK_X86
#define ORK_QT_ATTR __attribute__((target("avx2,fma,f16c")))
#define ORK_QT_SUFFIX avx2
#define ORK_QT_VNNI 0
#include "qmatmul_tiles.h"
#undef ORK_QT_ATTR
#undef ORK_QT_SUFFIX
#undef ORK_QT_VNNI

#define ORK_QT_ATTR __attribute__((target("avx2,fma,f16c,avx512f,avx512bw,avx512dq,avx512vl,avx512vnni")))
#define ORK_QT_SUFFIX avx512
#define ORK_QT_VNNI 1
#include "qmatmul_tiles.h"
#undef ORK_QT_ATTR
#undef ORK_QT_SUFFIX
#undef ORK_QT_VNNI
#endif

// ---- prepared activations ---------------------------------------------------------

static int activation_type_for(int weight_type) {
    return weight_type == ORK_GGML_Q4_1 ? ORK_GGML_Q8_1 : ORK_GGML_Q8_0;
}

static uint8_t *align64(uint8_t *p) { return (uint8_t *)(((uintptr_t)p + 63) & ~(uintptr_t)63); }

static inline __attribute__((always_inline)) void side_arrays_body(
    const ork_qact *a, int type, long batch, const uint8_t *blocks, float *d, float *s, int32_t *lane_sums,
    int pairs, int8_t *pair_qs, float *pair_d, int32_t *pair_lane_sums, float (*half_to_float)(uint16_t)) {
    const long nb = a->nb;
    for (long k = 0; k < batch; k++) {
        const uint8_t *row = blocks + k * a->row_bytes;
        for (long b = 0; b < nb; b++) {
            const long at = ((k / 4) * nb + b) * 4 + k % 4;
            const int8_t *q;
            if (type == ORK_GGML_Q8_1) {
                const ork_block_q8_1 *blk = (const ork_block_q8_1 *)(row + b * 36);
                d[at] = half_to_float(blk->d);
                s[at] = half_to_float(blk->s);
                q = blk->qs;
            } else {
                const ork_block_q8_0 *blk = (const ork_block_q8_0 *)(row + b * 34);
                d[at] = half_to_float(blk->d);
                q = blk->qs;
                int32_t *lanes = lane_sums + (k * nb + b) * 8;
                for (int l = 0; l < 8; l++) lanes[l] = -128 * (q[4 * l] + q[4 * l + 1] + q[4 * l + 2] + q[4 * l + 3]);
            }
            if (pairs) {
                const long pb = (k / 2) * nb + b, half = k % 2;
                memcpy(pair_qs + pb * 64 + half * 32, q, 32);
                for (int l = 0; l < 8; l++) pair_d[pb * 16 + half * 8 + l] = d[at];
                if (type == ORK_GGML_Q8_0) memcpy(pair_lane_sums + pb * 16 + half * 8, lane_sums + (k * nb + b) * 8, 32);
            }
        }
    }
}

static float half_to_float_soft(uint16_t h) { return ork_fp16_to_fp32(h); }

static void fill_side_arrays(const ork_qact *a, int type, long batch, const uint8_t *blocks, float *d, float *s,
                             int32_t *lane_sums, int pairs, int8_t *pair_qs, float *pair_d, int32_t *pair_lane_sums) {
    side_arrays_body(a, type, batch, blocks, d, s, lane_sums, pairs, pair_qs, pair_d, pair_lane_sums, half_to_float_soft);
}

#if ORK_X86
__attribute__((target("f16c"))) static inline float half_to_float_f16c(uint16_t h) {
    return _mm_cvtss_f32(_mm_cvtph_ps(_mm_cvtsi32_si128(h)));
}

__attribute__((target("f16c"))) static void fill_side_arrays_f16c(const ork_qact *a, int type, long batch,
                                                                  const uint8_t *blocks, float *d, float *s,
                                                                  int32_t *lane_sums, int pairs, int8_t *pair_qs,
                                                                  float *pair_d, int32_t *pair_lane_sums) {
    side_arrays_body(a, type, batch, blocks, d, s, lane_sums, pairs, pair_qs, pair_d, pair_lane_sums, half_to_float_f16c);
}
#endif

/// Quantizes x (batch, cols) into `scratch` (ork__qact_bytes(cols/32, batch) bytes)
/// and fills the side arrays the tile bodies read (the pair arrays when `pairs`).
static void prepare_activations(ork_qact *a, int type, const float *x, long batch, long cols, uint8_t *scratch, int pairs) {
    const long nb = cols / 32;
    const long groups = (batch + 3) / 4, pair_count = (batch + 1) / 2;
    a->type = type;
    a->nb = nb;
    a->batch = batch;
    a->row_bytes = nb * (type == ORK_GGML_Q8_1 ? 36 : 34);
    uint8_t *blocks = align64(scratch);
    float *d = (float *)align64(blocks + batch * a->row_bytes);
    float *s = (float *)align64((uint8_t *)(d + groups * nb * 4));
    int32_t *lane_sums = (int32_t *)align64((uint8_t *)(s + groups * nb * 4));
    int8_t *pair_qs = (int8_t *)align64((uint8_t *)(lane_sums + batch * nb * 8));
    float *pair_d = (float *)align64((uint8_t *)(pair_qs + pair_count * nb * 64));
    int32_t *pair_lane_sums = (int32_t *)align64((uint8_t *)(pair_d + pair_count * nb * 16));
    a->blocks = blocks;
    a->d = d;
    a->s = type == ORK_GGML_Q8_1 ? s : NULL;
    a->neg_lane_sums = type == ORK_GGML_Q8_0 ? lane_sums : NULL;
    a->pair_qs = pairs ? pair_qs : NULL;
    a->pair_d = pairs ? pair_d : NULL;
    a->pair_neg_lane_sums = pairs && type == ORK_GGML_Q8_0 ? pair_lane_sums : NULL;
    ork_quantize_rows_for(type == ORK_GGML_Q8_1 ? ORK_GGML_Q4_1 : ORK_GGML_Q8_0, x, batch, cols, blocks);
    memset(d, 0, sizeof(float) * (size_t)(groups * nb * 4));
    if (type == ORK_GGML_Q8_1) memset(s, 0, sizeof(float) * (size_t)(groups * nb * 4));
#if ORK_X86
    if (ork__has_f16c()) fill_side_arrays_f16c(a, type, batch, blocks, d, s, lane_sums, pairs, pair_qs, pair_d, pair_lane_sums);
    else
#endif
        fill_side_arrays(a, type, batch, blocks, d, s, lane_sums, pairs, pair_qs, pair_d, pair_lane_sums);
    if (pairs && batch % 2) {
        // The odd row's partner: zero quants and scale, so its (discarded) sums are 0.
        for (long b = 0; b < nb; b++) {
            const long pb = (batch / 2) * nb + b;
            memset(pair_qs + pb * 64 + 32, 0, 32);
            memset(pair_d + pb * 16 + 8, 0, 32);
            if (type == ORK_GGML_Q8_0) memset(pair_lane_sums + pb * 16 + 8, 0, 32);
        }
    }
}

// ---- the parallel loop ---------------------------------------------------------------

#define ORK_QMATMUL_MAX_TARGETS 8

typedef struct {
    const ork_qmatmul_target *targets;
    int count;
    const ork_qact *acts[ORK_QMATMUL_MAX_TARGETS];
    long row_bytes[ORK_QMATMUL_MAX_TARGETS];
    long rows_per_task[ORK_QMATMUL_MAX_TARGETS];
    long chunks[ORK_QMATMUL_MAX_TARGETS];           // chunks of rows_per_task rows
    long lane_chunks[ORK_QMATMUL_MAX_TARGETS];      // ceil(chunks / lanes)
    long first_task[ORK_QMATMUL_MAX_TARGETS + 1];
    long lanes;                                     // the pool's thread count
    ork_qtile_fn tile[ORK_QMATMUL_MAX_TARGETS];  // NULL: scalar reference
    ork_qtile_fn pairs[ORK_QMATMUL_MAX_TARGETS]; // AVX-512 bodies for 2–8 activation rows, or NULL
} qmatmul_job;

static long weight_row_bytes(int type, long cols) {
    switch (type) {
    case ORK_GGML_Q4_0: return cols / 32 * 18;
    case ORK_GGML_Q4_1: return cols / 32 * 20;
    case ORK_GGML_Q8_0: return cols / 32 * 34;
    default: return -1;
    }
}

static void reference_rows(const ork_qmatmul_target *t, const ork_qact *a, long row_bytes, long r0, long r1) {
    const long n = a->nb * 32;
    for (long k = 0; k < a->batch; k++) {
        const uint8_t *y = a->blocks + k * a->row_bytes;
        float *out = t->out + k * t->out_stride;
        for (long r = r0; r < r1; r++) {
            const uint8_t *w = (const uint8_t *)t->w + r * row_bytes;
            switch (t->type) {
            case ORK_GGML_Q4_0: out[r] = ork_vec_dot_q4_0_q8_0_ref(n, w, y); break;
            case ORK_GGML_Q4_1: out[r] = ork_vec_dot_q4_1_q8_1_ref(n, w, y); break;
            default: out[r] = ork_vec_dot_q8_0_q8_0_ref(n, w, y); break;
            }
        }
    }
}

static void qmatmul_task(void *context, long index) {
    const qmatmul_job *job = context;
    int t = 0;
    while (index >= job->first_task[t + 1]) t++;
    const ork_qmatmul_target *target = &job->targets[t];
    const ork_qact *a = job->acts[t];
    const long row_bytes = job->row_bytes[t];
    // Task i takes chunk (i mod lanes)·lane_chunks + i / lanes: threads that
    // claim tasks in turn each walk one contiguous part of the matrix, which
    // keeps the hardware prefetcher streaming.
    const long local = index - job->first_task[t];
    const long chunk = (local % job->lanes) * job->lane_chunks[t] + local / job->lanes;
    if (chunk >= job->chunks[t]) return;
    const long r0 = chunk * job->rows_per_task[t];
    const long r1 = ork__min(target->rows, r0 + job->rows_per_task[t]);
    const ork_qtile_fn tile = job->tile[t];
    if (!tile) {
        reference_rows(target, a, row_bytes, r0, r1);
        return;
    }
    const long os = target->out_stride;
    const ork_qtile_fn pair_tile = job->pairs[t];
    for (long k0 = 0; k0 < a->batch;) {
        const int B = (int)ork__min(pair_tile ? 8 : 4, a->batch - k0);
        const ork_qtile_fn body = pair_tile && B > 1 ? pair_tile : tile;
        for (long r = r0; r < r1; r++)
            body(B, (const uint8_t *)target->w + r * row_bytes, a, k0, target->out + k0 * os + r, os);
        k0 += B;
    }
}

long ork_qmatmul_scratch_bytes(long cols, long batch) {
    // One prepared activation set per activation type (Q8_0, Q8_1).
    return 2 * (ork__qact_bytes(cols / 32, batch) + 64);
}

int ork_qmatmul_many(const ork_qmatmul_target *targets, int count, long cols,
                     const float *x, long batch, void *scratch) {
    if (count <= 0 || count > ORK_QMATMUL_MAX_TARGETS || cols % 32 != 0 || batch <= 0) return -1;
    qmatmul_job job;
    job.targets = targets;
    job.count = count;
    ork_qact acts[2];
    int prepared[2] = {0, 0};
    uint8_t *area[2] = {scratch, (uint8_t *)scratch + ork__qact_bytes(cols / 32, batch) + 64};
    int vnni = 0, avx2 = 0;
#if ORK_X86
    const ork_isa isa = ork__isa();
    vnni = isa == ORK_ISA_AVX512 && ork__has_avx512_vnni();
    avx2 = isa >= ORK_ISA_AVX2 && ork__has_f16c();
#endif
    const int pairs = vnni && batch > 1;
    job.first_task[0] = 0;
    job.lanes = ork_thread_count();
    // Task size: one activation row streams weights from memory, so larger
    // contiguous pieces (64 KiB); batches reuse each task's weights from L1
    // for every group of activation rows (16 KiB).
    const long task_bytes = batch == 1 ? 65536 : 16384;
    for (int i = 0; i < count; i++) {
        const long row_bytes = weight_row_bytes(targets[i].type, cols);
        if (row_bytes < 0 || targets[i].rows < 0) return -1;
        const int act_type = activation_type_for(targets[i].type);
        const int slot = act_type == ORK_GGML_Q8_1;
        if (!prepared[slot]) {
            prepare_activations(&acts[slot], act_type, x, batch, cols, area[slot], pairs);
            prepared[slot] = 1;
        }
        job.acts[i] = &acts[slot];
        job.row_bytes[i] = row_bytes;
        job.tile[i] = job.pairs[i] = NULL;
#if ORK_X86
        if (vnni || avx2) {
            switch (targets[i].type) {
            case ORK_GGML_Q4_0:
                job.tile[i] = vnni ? ork_qtile_q4_0_avx512 : ork_qtile_q4_0_avx2;
                job.pairs[i] = pairs ? ork_qpairs_q4_0_avx512 : NULL;
                break;
            case ORK_GGML_Q4_1:
                job.tile[i] = vnni ? ork_qtile_q4_1_avx512 : ork_qtile_q4_1_avx2;
                job.pairs[i] = pairs ? ork_qpairs_q4_1_avx512 : NULL;
                break;
            default:
                job.tile[i] = vnni ? ork_qtile_q8_0_avx512 : ork_qtile_q8_0_avx2;
                job.pairs[i] = pairs ? ork_qpairs_q8_0_avx512 : NULL;
                break;
            }
        }
#endif
        // Tasks of ~task_bytes of weights, in multiples of 4 rows.
        long rows_per_task = (task_bytes / ork__max(1, row_bytes)) & ~3L;
        if (rows_per_task < 4) rows_per_task = 4;
        job.rows_per_task[i] = rows_per_task;
        job.chunks[i] = (targets[i].rows + rows_per_task - 1) / rows_per_task;
        job.lane_chunks[i] = (job.chunks[i] + job.lanes - 1) / job.lanes;
        job.first_task[i + 1] = job.first_task[i] + job.lanes * job.lane_chunks[i];
    }
    ork_parallel_for(job.first_task[count], qmatmul_task, &job);
    return 0;
}

int ork_qmatmul(int weight_type, const void *w, long rows, long cols,
                const float *x, long batch, float *out, long out_stride, void *scratch) {
    const ork_qmatmul_target target = {weight_type, w, rows, out, out_stride};
    return ork_qmatmul_many(&target, 1, cols, x, batch, scratch);
}
