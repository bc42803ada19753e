#ifndef MISTSWIFT_CZLIB_SHIM_H
#define MISTSWIFT_CZLIB_SHIM_H
#include <zlib.h>

// zlib's init calls are macros that pass the library version; wrap them so Swift can call them.
static inline int mist_deflateInit2(z_streamp strm, int level, int method, int windowBits, int memLevel, int strategy) {
    return deflateInit2(strm, level, method, windowBits, memLevel, strategy);
}
static inline int mist_inflateInit2(z_streamp strm, int windowBits) {
    return inflateInit2(strm, windowBits);
}
#endif
