#ifndef ORCHARD_CLAPACK_SHIM_H
#define ORCHARD_CLAPACK_SHIM_H
// LAPACK through its C interface (Debian: liblapacke-dev; the LAPACK
// routines themselves come from OpenBLAS' liblapack).
#include <lapacke.h>
#endif
