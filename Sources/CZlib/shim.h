#ifndef ORCHARD_CZLIB_SHIM_H
#define ORCHARD_CZLIB_SHIM_H
#include <zlib.h>
#endif
