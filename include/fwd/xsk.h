/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fwd/xsk.h - one AF_XDP socket: (port, queue) of one worker, sharing the
 * worker's UMEM, with its own rx/tx/fill/completion rings.
 * Concurrency: owned by its worker; opened and closed by the main thread
 * while the worker is not running.
 */
#ifndef HF_FWD_XSK_H
#define HF_FWD_XSK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <xdp/xsk.h>

struct hf_umem;
struct hf_port;

struct hf_xsk {
	struct xsk_socket *xsk;
	int fd;
	uint16_t port;
	uint32_t queue;
	struct xsk_ring_cons rx;
	struct xsk_ring_prod tx;
	struct xsk_ring_prod fq;
	struct xsk_ring_cons cq;
	uint32_t tx_outstanding;	/* submitted, not yet completed */
	uint32_t tx_budget;		/* 0: the kernel's default (32) */
};

/**
 * hf_xsk_open() - bind a socket to (@p, @queue) on UMEM @u. The first
 * socket of a UMEM must pass the rings given to hf_umem_create() in
 * @s->fq/@s->cq (they are set up already); later ones get new rings.
 * @tx_budget: frames the kernel may send per copy-mode kick; kernels
 * without XDP_MAX_TX_SKB_BUDGET keep their fixed 32 (not an error).
 * @zerocopy: request XDP_ZEROCOPY (first socket only: later sockets
 * inherit the UMEM's mode). Return: 0 or -errno, message in @err.
 */
int hf_xsk_open(struct hf_xsk *s, struct hf_umem *u, struct hf_port *p,
		uint16_t port_idx, uint32_t queue, uint32_t rx_size,
		uint32_t tx_size, uint32_t tx_budget, bool zerocopy, char *err,
		size_t errlen);

void hf_xsk_close(struct hf_xsk *s);

#endif /* HF_FWD_XSK_H */
