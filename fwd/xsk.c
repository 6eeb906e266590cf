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

#include "fwd/port.h"
#include "fwd/umem.h"

int hf_xsk_open(struct hf_xsk *s, struct hf_umem *u, struct hf_port *p,
		uint16_t port_idx, uint32_t queue, uint32_t rx_size,
		uint32_t tx_size, bool zerocopy, char *err, size_t errlen)
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
	return 0;
}

void hf_xsk_close(struct hf_xsk *s)
{
	if (s->xsk)
		xsk_socket__delete(s->xsk);
	s->xsk = NULL;
}
