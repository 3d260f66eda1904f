// Instruction-set detection and the active-ISA state shared by every
// dispatching entry point.
#include "kernels_internal.h"

#include <stdlib.h>
#include <string.h>

_Atomic int ork__active_isa_state = -1;
static _Atomic int detected_state = -1;

static ork_isa detect_cpu(void) {
#if ORK_X86
    __builtin_cpu_init();
    // __builtin_cpu_supports also checks that the OS saves the AVX / AVX-512
    // register state (xgetbv), so a "yes" here is safe to act on.
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw")
        && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq"))
        return ORK_ISA_AVX512;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
        return ORK_ISA_AVX2;
#endif
    return ORK_ISA_SCALAR;
}

ork_isa ork_detect_isa(void) {
    int s = atomic_load_explicit(&detected_state, memory_order_relaxed);
    if (s < 0) {
        s = (int)detect_cpu();
        atomic_store_explicit(&detected_state, s, memory_order_relaxed);
    }
    return (ork_isa)s;
}

static ork_isa clamp_isa(ork_isa isa) {
    ork_isa best = ork_detect_isa();
    if ((int)isa < 0) return ORK_ISA_SCALAR;
    return (int)isa > (int)best ? best : isa;
}

ork_isa ork__init_isa(void) {
    ork_isa isa = ork_detect_isa();
    const char *env = getenv("ORCHARD_ISA");
    if (env != NULL) {
        if (strcmp(env, "scalar") == 0) isa = ORK_ISA_SCALAR;
        else if (strcmp(env, "avx2") == 0) isa = clamp_isa(ORK_ISA_AVX2);
        else if (strcmp(env, "avx512") == 0) isa = clamp_isa(ORK_ISA_AVX512);
    }
    // Racing first callers compute the same value; the first store wins and a
    // concurrent ork_set_isa is not overwritten.
    int expected = -1;
    atomic_compare_exchange_strong_explicit(&ork__active_isa_state, &expected, (int)isa,
                                            memory_order_relaxed, memory_order_relaxed);
    return (ork_isa)atomic_load_explicit(&ork__active_isa_state, memory_order_relaxed);
}

ork_isa ork_active_isa(void) { return ork__isa(); }

ork_isa ork_set_isa(ork_isa isa) {
    ork_isa c = clamp_isa(isa);
    atomic_store_explicit(&ork__active_isa_state, (int)c, memory_order_relaxed);
    return c;
}

const char *ork_isa_name(ork_isa isa) {
    switch (isa) {
    case ORK_ISA_SCALAR: return "scalar";
    case ORK_ISA_AVX2: return "avx2";
    case ORK_ISA_AVX512: return "avx512";
    }
    return "unknown";
}
