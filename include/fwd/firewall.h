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

#include "pkt/hdr.h"

struct hf_worker;
struct hf_policy;

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
