/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fwd/umem.h - a worker's UMEM and the pool of its free frames.
 *
 * Every AF_XDP socket of one worker shares one UMEM, so a frame received
 * on one port is transmitted on another by handing over its descriptor:
 * no copy in userspace. Frames are fixed 4 KiB slots ("aligned" mode); a
 * frame's identity is its base offset, and packet data starts at
 * base + HF_FRAME_HEADROOM so that headers can be prepended in place.
 *
 * Frame conservation: a frame is always in exactly one place - the free
 * stack, a fill ring, the kernel, an rx ring, a tx ring, a completion
 * ring, or held by the worker (ARP hold queue, a burst in progress).
 *
 * Concurrency: owned by one worker thread; no locks, no atomics.
 */
#ifndef HF_FWD_UMEM_H
#define HF_FWD_UMEM_H

#include <stdint.h>

#include "common/compiler.h"

#define HF_FRAME_SIZE		4096u
#define HF_FRAME_HEADROOM	256u	/* == XDP_PACKET_HEADROOM */
#define HF_FRAME_DATA_MAX	(HF_FRAME_SIZE - HF_FRAME_HEADROOM)

struct xsk_umem;
struct xsk_ring_prod;
struct xsk_ring_cons;

struct hf_umem {
	uint8_t *area;
	uint64_t size;
	struct xsk_umem *umem;
	uint32_t nframes;
	uint64_t *free;		/* stack of free frame bases */
	uint32_t nfree;
};

/**
 * hf_umem_create() - map @nframes frames and register them as a UMEM.
 * @fq, @cq: the fill/completion rings of the first socket; later sockets
 * of the worker get their own (see fwd/xsk.h). All frames start free.
 * Return: 0 or -errno.
 */
int hf_umem_create(struct hf_umem *u, uint32_t nframes, uint32_t fq_size,
		   uint32_t cq_size, struct xsk_ring_prod *fq,
		   struct xsk_ring_cons *cq);

/** hf_umem_destroy() - unregister and unmap; sockets must be closed. */
void hf_umem_destroy(struct hf_umem *u);

static inline uint64_t hf_frame_base(uint64_t addr)
{
	return addr & ~(uint64_t)(HF_FRAME_SIZE - 1);
}

static inline uint8_t *hf_umem_ptr(const struct hf_umem *u, uint64_t addr)
{
	return u->area + addr;
}

/* Take a free frame: its data address (base + headroom), or 0 if none.
 * Frame 0 is never handed out so that 0 can mean "no frame". */
static inline uint64_t hf_frame_alloc(struct hf_umem *u)
{
	if (unlikely(!u->nfree))
		return 0;
	return u->free[--u->nfree] + HF_FRAME_HEADROOM;
}

/* Return a frame given by any address inside it. */
static inline void hf_frame_free(struct hf_umem *u, uint64_t addr)
{
	u->free[u->nfree++] = hf_frame_base(addr);
}

#endif /* HF_FWD_UMEM_H */
