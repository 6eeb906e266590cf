// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * hugemem.c - THP-backed, pre-faulted allocations (see fwd/hugemem.h).
 */
#include "fwd/hugemem.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE 25	/* Linux 6.1; glibc 2.36 headers lack it */
#endif

#define HUGE_PAGE (2UL << 20)

void *hf_huge_alloc(size_t size)
{
	void *p;

	if (!size)
		return NULL;
	p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	madvise(p, size, MADV_HUGEPAGE);
	memset(p, 0, size);	/* fault it all in now, not on the fast path */
	return p;
}

void hf_huge_free(void *p, size_t size)
{
	if (p)
		munmap(p, size);
}

long hf_huge_collapse(void *p, size_t size)
{
	uintptr_t lo = ((uintptr_t)p + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
	uintptr_t hi = ((uintptr_t)p + size) & ~(HUGE_PAGE - 1);

	if (!p || hi <= lo)
		return 0;
	/* MADV_HUGEPAGE first: khugepaged keeps the range huge later on */
	if (madvise((void *)lo, hi - lo, MADV_HUGEPAGE) ||
	    madvise((void *)lo, hi - lo, MADV_COLLAPSE))
		return -errno;
	return (long)(hi - lo);
}
