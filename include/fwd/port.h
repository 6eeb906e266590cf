/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fwd/port.h - a data port: the kernel interface behind it, and the XDP
 * program that steers its frames to hafwd's AF_XDP sockets.
 *
 * Start-up order: hf_port_probe() reads what the interface is (index,
 * MAC, MTU, driver, queues) without changing anything; the caller checks
 * the whole configuration against it; only then hf_port_attach() loads
 * and attaches the program (replacing a stale hafwd program left by a
 * crash). hf_port_detach() runs at shutdown.
 *
 * Concurrency: main thread only, except hf_port_xdp_stats() (mprelay,
 * read-only map access).
 */
#ifndef HF_FWD_PORT_H
#define HF_FWD_PORT_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "control/config.h"
#include "shared/bpf_shared.h"

struct xdp_program;

struct hf_port {
	char name[HF_PORT_NAME_MAX];
	char ifname[IF_NAMESIZE];
	int ifindex;
	uint8_t hw_mac[6];
	uint32_t hw_mtu;
	char driver[32];
	uint32_t rx_queues;
	uint32_t tx_queues;
	/* after attach */
	struct xdp_program *prog;
	int attach_mode;	/* enum xdp_attach_mode */
	int xsks_map_fd;
	int stats_map_fd;
	bool zerocopy;		/* sockets bound in zero-copy mode */
	bool set_promisc;	/* we turned IFF_PROMISC on: undo at detach */
};

/**
 * hf_port_probe() - fill @p from the interface named in @c.
 * Return: 0, or -errno with a message in @err naming the interface.
 */
int hf_port_probe(struct hf_port *p, const struct hf_cfg_port *c, char *err,
		  size_t errlen);

/**
 * hf_port_attach() - load bpf/xsk_redirect into @p and attach it in
 * @mode (auto: native, falling back to generic). A hafwd program still
 * attached from a previous run is detached first; a foreign program
 * attached without libxdp's dispatcher is an error.
 */
int hf_port_attach(struct hf_port *p, enum hf_xdp_mode mode, char *err,
		   size_t errlen);

/**
 * hf_port_accept_mac() - make sure frames to @mac reach the port: when it
 * is not the interface's own address (a configured or virtual MAC) the
 * NIC's unicast filter would drop them, so the interface is put in
 * promiscuous mode until hf_port_detach(). 0 or -errno (@err says why).
 */
int hf_port_accept_mac(struct hf_port *p, const uint8_t mac[6], char *err,
		       size_t errlen);

/** hf_port_detach() - detach and free the program, restore promiscuity. */
void hf_port_detach(struct hf_port *p);

/** hf_port_bind_queue() - steer @queue of @p to AF_XDP socket @xsk_fd. */
int hf_port_bind_queue(struct hf_port *p, uint32_t queue, int xsk_fd);

/** hf_port_xdp_stats() - sum the program's per-CPU counters. */
int hf_port_xdp_stats(const struct hf_port *p,
		      uint64_t out[HF_XSK_STAT_MAX]);

/** hf_port_mode_name() - "native", "generic" or "none". */
const char *hf_port_mode_name(const struct hf_port *p);

/** hf_port_has_hafwd_prog() - is a hafwd XDP program attached to @ifindex? */
bool hf_port_has_hafwd_prog(int ifindex);

#endif /* HF_FWD_PORT_H */
