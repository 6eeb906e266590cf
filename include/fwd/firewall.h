/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fwd/firewall.h - the stateful stage of the packet path: every
 * forwarded packet belongs to a session; the first packet of a flow is
 * checked against the security policy and, if allowed, creates it.
 * Runs only when a policy is loaded (hafwd is otherwise a plain router).
 *
 * Concurrency: worker thread, RCU-online (session table, policy).
 */
#ifndef HF_FWD_FIREWALL_H
#define HF_FWD_FIREWALL_H

#include <stdbool.h>
#include <stdint.h>

#include "fwd/flow.h"
#include "fwd/session.h"
#include "pkt/hdr.h"

struct hf_worker;
struct hf_policy;
struct xdp_desc;

/*
 * Per-burst lookahead: the flows and sessions of a whole RX burst,
 * looked up together before the frames are processed one by one (see
 * hf_firewall_ahead). Lives in the worker.
 */
struct hf_fw_ahead_entry {
	uint64_t ip_addr;		/* the frame's IPv4 header; 0: none */
	struct hf_flow f;
	struct hf_session *s;		/* NULL: none found before the burst */
	uint8_t res;			/* enum hf_flow_result */
	uint8_t dir;			/* enum hf_dir */
};

struct hf_fw_ahead {
	const struct hf_policy *pol;	/* zones the keys were made with */
	uint32_t n;
	uint32_t pos;			/* the frame being processed */
	struct hf_fw_ahead_entry e[HF_SESS_BURST_MAX];
};

/**
 * hf_firewall_ahead() - before the RX burst @desc[@n] of @port is
 * processed: work out the flow of every IPv4 frame in it and look all
 * their sessions up at once, so that their cache misses overlap. The
 * pipeline then sets w->fw_ahead.pos to each frame's index before
 * handling it, and hf_firewall() uses what was found (a session created
 * by an earlier frame of the same burst is looked up again).
 */
void hf_firewall_ahead(struct hf_worker *w, const struct hf_policy *pol,
		       uint16_t port, const struct xdp_desc *desc, uint32_t n);

/**
 * hf_firewall() - decide on the IPv4 packet @ip (@ip_len bytes, in the
 * frame at @addr) routed from @in_port to @out_port under @pol, and keep
 * its session's state and counters. Return: true to go on forwarding;
 * false when the packet was dropped (reason counted, frame freed).
 */
bool hf_firewall(struct hf_worker *w, struct hf_policy *pol,
		 uint16_t in_port, uint16_t out_port,
		 const struct hf_ipv4 *ip, uint32_t ip_len, uint64_t addr);

#endif /* HF_FWD_FIREWALL_H */
