// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * umem.c - UMEM registration and the free-frame stack (see fwd/umem.h).
 */
#include "fwd/umem.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <xdp/xsk.h>

#include "fwd/hugemem.h"

int hf_umem_create(struct hf_umem *u, uint32_t nframes, uint32_t fq_size,
		   uint32_t cq_size, struct xsk_ring_prod *fq,
		   struct xsk_ring_cons *cq)
{
	struct xsk_umem_config cfg = {
		.fill_size = fq_size,
		.comp_size = cq_size,
		.frame_size = HF_FRAME_SIZE,
		.frame_headroom = 0,
		.flags = 0,
	};
	uint32_t i;
	int err;

	memset(u, 0, sizeof(*u));
	if (nframes < 2)
		return -EINVAL;
	u->size = (uint64_t)nframes * HF_FRAME_SIZE;
	/* frames cycle through the whole area (fill rings are thousands
	 * deep): huge pages spare the kernel's copy and our parsing most TLB
	 * misses */
	u->area = hf_huge_alloc(u->size);
	if (!u->area)
		return -ENOMEM;
	u->free = calloc(nframes, sizeof(*u->free));
	if (!u->free) {
		hf_umem_destroy(u);
		return -ENOMEM;
	}
	err = xsk_umem__create(&u->umem, u->area, u->size, fq, cq, &cfg);
	if (err) {
		u->umem = NULL;
		hf_umem_destroy(u);
		return err;
	}
	u->nframes = nframes;
	/* frame 0 stays reserved: address 0 means "no frame" */
	for (i = nframes - 1; i >= 1; i--)
		u->free[u->nfree++] = (uint64_t)i * HF_FRAME_SIZE;
	return 0;
}

void hf_umem_destroy(struct hf_umem *u)
{
	if (u->umem)
		xsk_umem__delete(u->umem);
	hf_huge_free(u->area, u->size);
	free(u->free);
	memset(u, 0, sizeof(*u));
}
