// A small fork-join pool for Orchard's kernels.
//
// The caller publishes a job (function, context, task count), wakes the
// workers, runs tasks itself, and returns when every task is done. Workers
// spin briefly between jobs (a training step issues one job per op, microseconds
// apart), then yield, then sleep on a condition variable. Which thread runs a task never
// changes its result: tasks write disjoint outputs, so results are the same
// for any thread count or timing.
#include "ckernels.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>
#if defined(__x86_64__)
#include <immintrin.h>
#define ORK_PAUSE() _mm_pause()
#else
#define ORK_PAUSE() ((void)0)
#endif

#define ORK_MAX_THREADS 64
/// A waiting thread first spins with `pause` (jobs of a training step or a
/// decoding step come microseconds apart), then yields its core a while (on a
/// machine with more runnable threads than cores, the thread it waits for may
/// need that core), and an idle worker finally sleeps.
#define ORK_PAUSES_BEFORE_YIELD 2000
#define ORK_YIELDS_BEFORE_SLEEP 5000

typedef struct {
    ork_task_fn fn;
    void *context;
    long count;
} ork_job;

static struct {
    pthread_mutex_t submit;          // one job at a time
    pthread_mutex_t sleep_lock;
    pthread_cond_t wake;
    ork_job job;
    _Atomic unsigned long generation; // bumped per job, after the job is written
    // (generation << 32) | next task index. A worker claims a task only while
    // the ticket's generation is the one it read the job for, so a job copied
    // while the caller was replacing it is never run.
    _Atomic uint64_t ticket;
    _Atomic long done;               // tasks finished
    int threads;                     // workers + the caller
    int started;
} pool = {
    .submit = PTHREAD_MUTEX_INITIALIZER,
    .sleep_lock = PTHREAD_MUTEX_INITIALIZER,
    .wake = PTHREAD_COND_INITIALIZER,
};

static pthread_once_t pool_once = PTHREAD_ONCE_INIT;
static _Thread_local int in_task = 0;

static void run_tasks(uint64_t generation, ork_job job) {
    for (;;) {
        uint64_t ticket = atomic_load_explicit(&pool.ticket, memory_order_acquire);
        if ((ticket >> 32) != (generation & 0xffffffffu)) return;
        long index = (long)(ticket & 0xffffffffu);
        if (index >= job.count) return;
        if (!atomic_compare_exchange_weak_explicit(&pool.ticket, &ticket, ticket + 1,
                                                   memory_order_acq_rel, memory_order_acquire)) continue;
        job.fn(job.context, index);
        atomic_fetch_add_explicit(&pool.done, 1, memory_order_acq_rel);
    }
}

static void *worker_main(void *unused) {
    (void)unused;
    in_task = 1;
    unsigned long seen = 0;
    for (;;) {
        long spins = 0;
        unsigned long current;
        while ((current = atomic_load_explicit(&pool.generation, memory_order_acquire)) == seen) {
            if (++spins < ORK_PAUSES_BEFORE_YIELD + ORK_YIELDS_BEFORE_SLEEP) {
                if (spins < ORK_PAUSES_BEFORE_YIELD) ORK_PAUSE();
                else sched_yield();
                continue;
            }
            pthread_mutex_lock(&pool.sleep_lock);
            while ((current = atomic_load_explicit(&pool.generation, memory_order_acquire)) == seen)
                pthread_cond_wait(&pool.wake, &pool.sleep_lock);
            pthread_mutex_unlock(&pool.sleep_lock);
            break;
        }
        seen = current;
        ork_job job = pool.job;
        atomic_thread_fence(memory_order_acquire);
        run_tasks(current, job);
    }
    return NULL;
}

static void start_pool(void) {
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    const char *env = getenv("ORCHARD_THREADS");
    if (env && atoi(env) > 0) cores = atoi(env);
    if (cores < 1) cores = 1;
    if (cores > ORK_MAX_THREADS) cores = ORK_MAX_THREADS;
    pool.threads = (int)cores;
    for (int i = 1; i < pool.threads; i++) {
        pthread_t thread;
        pthread_attr_t attributes;
        pthread_attr_init(&attributes);
        pthread_attr_setdetachstate(&attributes, PTHREAD_CREATE_DETACHED);
        if (pthread_create(&thread, &attributes, worker_main, NULL) != 0) { pool.threads = i; break; }
        pthread_attr_destroy(&attributes);
    }
    pool.started = 1;
}

void ork_thread_serial(int serial) {
    in_task = serial ? 1 : 0;
}

int ork_thread_count(void) {
    pthread_once(&pool_once, start_pool);
    return pool.threads;
}

void ork_parallel_for(long count, ork_task_fn fn, void *context) {
    if (count <= 0) return;
    pthread_once(&pool_once, start_pool);
    // Serial when there is one task, one thread, a nested call, or another
    // thread already using the pool.
    if (count == 1 || pool.threads == 1 || in_task || pthread_mutex_trylock(&pool.submit) != 0) {
        for (long i = 0; i < count; i++) fn(context, i);
        return;
    }
    if (count > 0xffffffffL) count = 0xffffffffL;
    unsigned long generation = atomic_load_explicit(&pool.generation, memory_order_relaxed) + 1;
    // Retire the old job first: stale workers now fail their claims.
    atomic_store_explicit(&pool.ticket, (uint64_t)(generation & 0xffffffffu) << 32, memory_order_seq_cst);
    atomic_store_explicit(&pool.done, 0, memory_order_relaxed);
    pool.job = (ork_job){fn, context, count};
    pthread_mutex_lock(&pool.sleep_lock);
    atomic_store_explicit(&pool.generation, generation, memory_order_release);
    pthread_cond_broadcast(&pool.wake);
    pthread_mutex_unlock(&pool.sleep_lock);
    in_task = 1;
    run_tasks(generation, pool.job);
    in_task = 0;
    for (long spins = 0; atomic_load_explicit(&pool.done, memory_order_acquire) < count; spins++) {
        if (spins < ORK_PAUSES_BEFORE_YIELD) ORK_PAUSE();
        else sched_yield();
    }
    pthread_mutex_unlock(&pool.submit);
}
