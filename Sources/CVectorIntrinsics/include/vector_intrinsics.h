#ifndef EVOD_VECTOR_INTRINSICS_H
#define EVOD_VECTOR_INTRINSICS_H
/* Vector operations Swift's SIMD types do not lower to one instruction. Swift imports the
 * ext_vector_type as SIMD4<Double>. */
typedef double evod_double4 __attribute__((ext_vector_type(4)));

/* The square root of each lane, correctly rounded (IEEE 754, as Double.squareRoot()): one vsqrtpd
 * on AVX. SIMD4<Double>.squareRoot() calls the C library's sqrt lane by lane, with errno checks. */
static inline __attribute__((always_inline)) evod_double4 evod_sqrt4(evod_double4 x) {
    return __builtin_elementwise_sqrt(x);
}
#endif
