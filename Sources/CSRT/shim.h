#ifndef MISTSWIFT_CSRT_SHIM_H
#define MISTSWIFT_CSRT_SHIM_H
#include <srt/srt.h>
#endif
