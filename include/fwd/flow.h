/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fwd/flow.h - what the session table needs to know about an IPv4
 * packet: its session key (5-tuple, ICMP identifier), TCP flags, and for
 * an ICMP error the key under which the session of the quoted packet is
 * found. Pure functions over a validated IPv4 header.
 */
#ifndef HF_FWD_FLOW_H
#define HF_FWD_FLOW_H

#include <stdbool.h>
#include <stdint.h>

#include "fwd/session.h"
#include "pkt/hdr.h"

enum hf_flow_result {
	HF_FLOW_OK,
	HF_FLOW_LATER_FRAGMENT,	/* no L4 header: cannot be matched */
	HF_FLOW_TRUNCATED,	/* L4 header (or a quoted one) cut short */
};

struct hf_flow {
	struct hf_sess_key key;	/* zone left 0 for the caller */
	uint8_t tcp_flags;
	bool has_ports;		/* TCP or UDP */
	bool may_open;		/* may this packet create a session? */
	bool icmp_error;	/* key is that of the quoted packet's
				 * session, seen from the error's side */
};

/**
 * hf_flow_of() - fill @f from the IPv4 packet @ip of @ip_len bytes
 * (header already validated). ICMP echo/timestamp/info/address-mask
 * requests carry their identifier as sport, the replies as dport, and
 * only requests may open; ICMP errors (unreachable, time exceeded,
 * parameter problem, source quench, redirect) give the reversed key of
 * the packet they quote.
 */
enum hf_flow_result hf_flow_of(const struct hf_ipv4 *ip, uint32_t ip_len,
			       struct hf_flow *f);

#endif /* HF_FWD_FLOW_H */
