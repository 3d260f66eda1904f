#ifndef ORCHARD_CBLAS_SHIM_H
#define ORCHARD_CBLAS_SHIM_H
#include <cblas.h>
#endif
