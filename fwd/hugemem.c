// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * hugemem.c - THP-backed, pre-faulted allocations (see fwd/hugemem.h).
 */
#include "fwd/hugemem.h"

#include <string.h>
#include <sys/mman.h>

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
