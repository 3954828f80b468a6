/* The target's functions are static inline in include/vector_intrinsics.h; SwiftPM needs a source file. */
#include "vector_intrinsics.h"
