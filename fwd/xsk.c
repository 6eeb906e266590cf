// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * xsk.c - AF_XDP socket set-up on a shared UMEM (see fwd/xsk.h).
 * hafwd loads its own XDP program (fwd/port.c), so libxdp is told not to
 * load one and the socket is entered into our XSKMAP by the caller.
 */
#include "fwd/xsk.h"

#include <errno.h>
#include <linux/if_xdp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "common/compiler.h"
#include "common/log.h"
#include "fwd/port.h"
#include "fwd/umem.h"

/* uapi value since Linux 6.17; Debian 12's headers predate it */
#ifndef XDP_MAX_TX_SKB_BUDGET
#define XDP_MAX_TX_SKB_BUDGET	9
#endif

/*
 * Copy-mode TX sends at most 32 frames per sendto() unless told more;
 * on a VM every system call is costly, so ask for a whole burst.
 */
static void set_tx_budget(struct hf_xsk *s, const struct hf_port *p,
			  uint32_t budget)
{
	int b = (int)budget;

	s->tx_budget = 0;
	if (setsockopt(s->fd, SOL_XDP, XDP_MAX_TX_SKB_BUDGET, &b, sizeof(b))) {
		log_info("port %s queue %u: TX budget %u not supported (%s): the kernel sends 32 frames per kick",
			 p->name, s->queue, budget, strerror(errno));
		return;
	}
	s->tx_budget = budget;
}

int hf_xsk_open(struct hf_xsk *s, struct hf_umem *u, struct hf_port *p,
		uint16_t port_idx, uint32_t queue, uint32_t rx_size,
		uint32_t tx_size, uint32_t tx_budget, bool zerocopy, char *err,
		size_t errlen)
{
	struct xsk_socket_config cfg = {
		.rx_size = rx_size,
		.tx_size = tx_size,
		.libxdp_flags = XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD,
		.xdp_flags = 0,
		.bind_flags = XDP_USE_NEED_WAKEUP |
			      (zerocopy ? XDP_ZEROCOPY : XDP_COPY),
	};
	int rc;

	s->port = port_idx;
	s->queue = queue;
	s->tx_outstanding = 0;
	rc = xsk_socket__create_shared(&s->xsk, p->ifname, queue, u->umem,
				       &s->rx, &s->tx, &s->fq, &s->cq, &cfg);
	if (rc) {
		s->xsk = NULL;
		snprintf(err, errlen,
			 "port '%s': AF_XDP socket on %s queue %u (%s mode) failed: %s",
			 p->name, p->ifname, queue,
			 zerocopy ? "zero-copy" : "copy", strerror(-rc));
		return rc;
	}
	s->fd = xsk_socket__fd(s->xsk);
	if (!zerocopy)
		set_tx_budget(s, p, HF_MIN(tx_budget, tx_size));
	return 0;
}

void hf_xsk_close(struct hf_xsk *s)
{
	if (s->xsk)
		xsk_socket__delete(s->xsk);
	s->xsk = NULL;
}
