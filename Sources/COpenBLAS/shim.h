#ifndef EVOD_COPENBLAS_SHIM_H
#define EVOD_COPENBLAS_SHIM_H
#include <cblas.h>
/* Declared by OpenBLAS's cblas.h; repeated so the module exposes it whichever variant is installed. */
void openblas_set_num_threads(int num_threads);
#endif
