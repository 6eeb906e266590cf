/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * common/compiler.h - branch hints, cache-line alignment, small helpers.
 * The one place these are defined; no other header redefines them.
 */
#ifndef HF_COMMON_COMPILER_H
#define HF_COMMON_COMPILER_H

#include <stddef.h>

#define likely(x)	__builtin_expect(!!(x), 1)
#define unlikely(x)	__builtin_expect(!!(x), 0)

#define HF_CACHELINE	64
#define __hf_cacheline_aligned	__attribute__((aligned(HF_CACHELINE)))
#define __hf_unused		__attribute__((unused))

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif

#ifndef container_of
#define container_of(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))
#endif

#define HF_MIN(a, b)	((a) < (b) ? (a) : (b))
#define HF_MAX(a, b)	((a) > (b) ? (a) : (b))

#endif /* HF_COMMON_COMPILER_H */
