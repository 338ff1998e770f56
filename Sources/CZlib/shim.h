// zlib (from zlib1g-dev): raw deflate for the entries of .npz archives, and CRC-32.
#ifndef DYSON_CZLIB_SHIM_H
#define DYSON_CZLIB_SHIM_H

#include <zlib.h>

// inflateInit2 is a macro; Swift cannot call macros, so it is wrapped here.
// windowBits = -15: a raw deflate stream, as zip stores it (no zlib header).
static inline int dyson_inflate_init_raw(z_stream *stream) {
    return inflateInit2(stream, -15);
}

#endif
