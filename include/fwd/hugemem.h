/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fwd/hugemem.h - large zeroed allocations for tables the packet path
 * walks at random (UMEM, session pool): anonymous memory asking for
 * transparent huge pages (fewer TLB misses) and touched at once, so no
 * page fault ever happens on the packet path. Best effort: without THP
 * the memory stays in 4 KiB pages.
 */
#ifndef HF_FWD_HUGEMEM_H
#define HF_FWD_HUGEMEM_H

#include <stddef.h>

/** hf_huge_alloc() - @size zeroed bytes, faulted in; NULL on failure. */
void *hf_huge_alloc(size_t size);

/** hf_huge_free() - release what hf_huge_alloc(@size) returned. */
void hf_huge_free(void *p, size_t size);

/**
 * hf_huge_collapse() - turn the already faulted-in memory [@p, @p+@size)
 * of someone else's mapping into huge pages (MADV_COLLAPSE, Linux 6.1+),
 * for the whole 2 MiB pages inside it; the ragged ends stay as they are.
 * Return: the bytes now asked to be huge, or -errno (the memory is
 * unchanged and still usable).
 */
long hf_huge_collapse(void *p, size_t size);

#endif /* HF_FWD_HUGEMEM_H */
