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
// Work is split into tasks of consecutive weight rows (a multiple of 4
// rows), handed out so that threads claiming tasks in turn each walk one
// contiguous part of a matrix. A task runs each of its rows against one
// activation row (qmatmul_tiles.h: ggml's own loop) or, for batches, against
// groups of 8 activation rows laid out transposed: for block b, lane group l
// (bytes 4l…4l+3) and row k, the 4 quants as one int32 at
// ((g·nb + b)·8 + l)·8 + k of group g, beside each row's scales. Every output
// is the same float computation as ggml's vec_dot for that row pair, whatever
// the batch or thread — unless the caller asks for block sums
// (ORK_QMATMUL_BLOCK_SUMS, batches only). The scalar ISA runs the reference
// dot products (quants.c) row pair by row pair.
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

/// The transposed copy of the blocks and the rows' scales, groups of 8 rows
/// (rows past the batch are zero). One body, two compilations: the F16C one
/// converts scales with an instruction instead of a function call.
static inline __attribute__((always_inline)) void transpose_body(const ork_qact *a, int32_t *qs8, float *d8, float *s8,
                                                                 int32_t *neg8, float (*half_to_float)(uint16_t)) {
    const long nb = a->nb, groups = (a->batch + 7) / 8;
    memset(qs8, 0, sizeof(int32_t) * (size_t)(groups * nb * 64));
    memset(d8, 0, sizeof(float) * (size_t)(groups * nb * 8));
    if (s8) memset(s8, 0, sizeof(float) * (size_t)(groups * nb * 8));
    if (neg8) memset(neg8, 0, sizeof(int32_t) * (size_t)(groups * nb * 64));
    for (long k = 0; k < a->batch; k++) {
        const uint8_t *row = a->blocks + k * a->row_bytes;
        const long g = k / 8, slot = k % 8;
        for (long b = 0; b < nb; b++) {
            const uint8_t *blk = row + b * (a->type == ORK_GGML_Q8_1 ? 36 : 34);
            const int8_t *q = (const int8_t *)(blk + (a->type == ORK_GGML_Q8_1 ? 4 : 2));
            uint16_t h;
            memcpy(&h, blk, 2);
            d8[(g * nb + b) * 8 + slot] = half_to_float(h);
            if (s8) {
                memcpy(&h, blk + 2, 2);
                s8[(g * nb + b) * 8 + slot] = half_to_float(h);
            }
            for (int l = 0; l < 8; l++) {
                const long at = ((g * nb + b) * 8 + l) * 8 + slot;
                memcpy(qs8 + at, q + 4 * l, 4);
                if (neg8) neg8[at] = -8 * (q[4 * l] + q[4 * l + 1] + q[4 * l + 2] + q[4 * l + 3]);
            }
        }
    }
}

static float half_to_float_soft(uint16_t h) { return ork_fp16_to_fp32(h); }

static void transpose_activations(const ork_qact *a, int32_t *qs8, float *d8, float *s8, int32_t *neg8) {
    transpose_body(a, qs8, d8, s8, neg8, half_to_float_soft);
}

#if ORK_X86
__attribute__((target("f16c"))) static inline float half_to_float_f16c(uint16_t h) {
    return _mm_cvtss_f32(_mm_cvtph_ps(_mm_cvtsi32_si128(h)));
}

__attribute__((target("f16c"))) static void transpose_activations_f16c(const ork_qact *a, int32_t *qs8, float *d8,
                                                                       float *s8, int32_t *neg8) {
    transpose_body(a, qs8, d8, s8, neg8, half_to_float_f16c);
}
#endif

/// Quantizes x (batch, cols) into `scratch` (ork__qact_bytes(cols/32, batch)
/// bytes); for the vector bodies of a batch, also the transposed copy.
static void prepare_activations(ork_qact *a, int type, const float *x, long batch, long cols, uint8_t *scratch,
                                int transposed) {
    const long nb = cols / 32, groups = (batch + 7) / 8;
    a->type = type;
    a->nb = nb;
    a->batch = batch;
    a->row_bytes = nb * (type == ORK_GGML_Q8_1 ? 36 : 34);
    uint8_t *blocks = align64(scratch);
    int32_t *qs8 = (int32_t *)align64(blocks + batch * a->row_bytes);
    float *d8 = (float *)align64((uint8_t *)(qs8 + groups * nb * 64));
    float *s8 = (float *)align64((uint8_t *)(d8 + groups * nb * 8));
    int32_t *neg8 = (int32_t *)align64((uint8_t *)(s8 + groups * nb * 8));
    a->blocks = blocks;
    a->qs8 = transposed ? qs8 : NULL;
    a->d8 = transposed ? d8 : NULL;
    a->s8 = transposed && type == ORK_GGML_Q8_1 ? s8 : NULL;
    a->neg8_8 = transposed && type == ORK_GGML_Q8_0 ? neg8 : NULL;
    ork_quantize_rows_for(type == ORK_GGML_Q8_1 ? ORK_GGML_Q4_1 : ORK_GGML_Q8_0, x, batch, cols, blocks);
    if (!transposed) return;
#if ORK_X86
    if (ork__has_f16c()) { transpose_activations_f16c(a, qs8, d8, (float *)a->s8, (int32_t *)a->neg8_8); return; }
#endif
    transpose_activations(a, qs8, d8, (float *)a->s8, (int32_t *)a->neg8_8);
}

// ---- the parallel loop ---------------------------------------------------------------

#define ORK_QMATMUL_MAX_TARGETS 8

typedef struct {
    const ork_qmatmul_target *targets;
    int count;
    int block_sums;
    const ork_qact *acts[ORK_QMATMUL_MAX_TARGETS];
    long row_bytes[ORK_QMATMUL_MAX_TARGETS];
    long rows_per_task[ORK_QMATMUL_MAX_TARGETS];
    long chunks[ORK_QMATMUL_MAX_TARGETS];           // chunks of rows_per_task rows
    long lane_chunks[ORK_QMATMUL_MAX_TARGETS];      // ceil(chunks / lanes)
    long first_task[ORK_QMATMUL_MAX_TARGETS + 1];
    long lanes;                                     // the pool's thread count
    ork_qrow_fn row[ORK_QMATMUL_MAX_TARGETS];       // NULL: scalar reference
    ork_qrows8_fn rows8[ORK_QMATMUL_MAX_TARGETS];
    ork_qsums4_fn sums4[ORK_QMATMUL_MAX_TARGETS];   // block sums, 4 rows a call (NULL: rows8 only)
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
    if (!job->row[t]) {
        reference_rows(target, a, row_bytes, r0, r1);
        return;
    }
    const uint8_t *w = target->w;
    const long os = target->out_stride;
    if (a->batch == 1) {
        for (long r = r0; r < r1; r++) job->row[t](w + r * row_bytes, a, 0, target->out + r);
        return;
    }
    for (long g = 0; g * 8 < a->batch; g++) {
        const int B = (int)ork__min(8, a->batch - g * 8);
        float *out = target->out + g * 8 * os;
        long r = r0;
        if (job->sums4[t])
            for (; r + 4 <= r1; r += 4) job->sums4[t](w + r * row_bytes, row_bytes, a, g, B, out + r, os);
        for (; r < r1; r++) job->rows8[t](job->block_sums, w + r * row_bytes, a, g, B, out + r, os);
    }
}

long ork_qmatmul_scratch_bytes(long cols, long batch) {
    // One prepared activation set per activation type (Q8_0, Q8_1).
    return 2 * (ork__qact_bytes(cols / 32, batch) + 64);
}

int ork_qmatmul_many(const ork_qmatmul_target *targets, int count, long cols,
                     const float *x, long batch, void *scratch, int flags) {
    if (count <= 0 || count > ORK_QMATMUL_MAX_TARGETS || cols % 32 != 0 || batch <= 0) return -1;
    qmatmul_job job;
    job.targets = targets;
    job.count = count;
    job.block_sums = (flags & ORK_QMATMUL_BLOCK_SUMS) != 0;
    ork_qact acts[2];
    int prepared[2] = {0, 0};
    uint8_t *area[2] = {scratch, (uint8_t *)scratch + ork__qact_bytes(cols / 32, batch) + 64};
    int vnni = 0, avx2 = 0;
#if ORK_X86
    const ork_isa isa = ork__isa();
    vnni = isa == ORK_ISA_AVX512 && ork__has_avx512_vnni();
    avx2 = isa >= ORK_ISA_AVX2 && ork__has_f16c();
#endif
    const int transposed = (vnni || avx2) && batch > 1;
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
            prepare_activations(&acts[slot], act_type, x, batch, cols, area[slot], transposed);
            prepared[slot] = 1;
        }
        job.acts[i] = &acts[slot];
        job.row_bytes[i] = row_bytes;
        job.row[i] = NULL;
        job.rows8[i] = NULL;
        job.sums4[i] = NULL;
#if ORK_X86
        if (vnni || avx2) {
            switch (targets[i].type) {
            case ORK_GGML_Q4_0:
                job.row[i] = vnni ? ork_qrow_q4_0_avx512 : ork_qrow_q4_0_avx2;
                job.rows8[i] = vnni ? ork_qrows8_q4_0_avx512 : ork_qrows8_q4_0_avx2;
                break;
            case ORK_GGML_Q4_1:
                job.row[i] = vnni ? ork_qrow_q4_1_avx512 : ork_qrow_q4_1_avx2;
                job.rows8[i] = vnni ? ork_qrows8_q4_1_avx512 : ork_qrows8_q4_1_avx2;
                if (vnni && job.block_sums) job.sums4[i] = ork_qsums4_q4_1_avx512;
                break;
            default:
                job.row[i] = vnni ? ork_qrow_q8_0_avx512 : ork_qrow_q8_0_avx2;
                job.rows8[i] = vnni ? ork_qrows8_q8_0_avx512 : ork_qrows8_q8_0_avx2;
                if (vnni && job.block_sums) job.sums4[i] = ork_qsums4_q8_0_avx512;
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
                const float *x, long batch, float *out, long out_stride, void *scratch, int flags) {
    const ork_qmatmul_target target = {weight_type, w, rows, out, out_stride};
    return ork_qmatmul_many(&target, 1, cols, x, batch, scratch, flags);
}
