// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * flow.c - session keys of IPv4 packets (see fwd/flow.h).
 */
#include "fwd/flow.h"

#include <string.h>

#define TCP_FLAGS_OFF	13
#define TCP_MIN_LEN	20
#define UDP_LEN		8
#define ICMP_LEN	8

/* ICMP query types and their replies (RFC 792, 950). */
static int icmp_query(uint8_t type, bool *request)
{
	switch (type) {
	case HF_ICMP_ECHO:
	case 13:	/* timestamp */
	case 15:	/* information */
	case 17:	/* address mask */
		*request = true;
		return 1;
	case HF_ICMP_ECHOREPLY:
	case 14:
	case 16:
	case 18:
		*request = false;
		return 1;
	default:
		return 0;
	}
}

static bool icmp_is_error(uint8_t type)
{
	return type == HF_ICMP_DEST_UNREACH || type == HF_ICMP_TIME_EXCEEDED ||
	       type == HF_ICMP_PARAMETERPROB || type == 4 /* quench */ ||
	       type == 5 /* redirect */;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* The key of one packet from its L4 bytes @l4 (@len of them). A
 * @quoted packet (inside an ICMP error) has only 8 bytes of L4 header. */
static enum hf_flow_result l4_key(const struct hf_ipv4 *ip, const uint8_t *l4,
				  uint32_t len, bool quoted, struct hf_flow *f)
{
	bool request;

	memset(f, 0, sizeof(*f));
	f->key.saddr = ntohl(ip->saddr);
	f->key.daddr = ntohl(ip->daddr);
	f->key.proto = ip->protocol;
	f->may_open = true;
	switch (ip->protocol) {
	case HF_IPPROTO_TCP:
	case HF_IPPROTO_UDP:
		if (len < (ip->protocol == HF_IPPROTO_TCP && !quoted ?
			   TCP_MIN_LEN : UDP_LEN))
			return HF_FLOW_TRUNCATED;
		f->key.sport = get16(l4);
		f->key.dport = get16(l4 + 2);
		f->has_ports = true;
		if (ip->protocol == HF_IPPROTO_TCP && !quoted)
			f->tcp_flags = l4[TCP_FLAGS_OFF];
		return HF_FLOW_OK;
	case HF_IPPROTO_ICMP:
		if (len < ICMP_LEN)
			return HF_FLOW_TRUNCATED;
		if (icmp_query(l4[0], &request)) {
			if (request)
				f->key.sport = get16(l4 + 4);
			else
				f->key.dport = get16(l4 + 4);
			f->may_open = request;
		}
		return HF_FLOW_OK;
	default:
		return HF_FLOW_OK;
	}
}

/* The quoted packet of an ICMP error: its session, seen from our side. */
static enum hf_flow_result quoted_key(const uint8_t *icmp, uint32_t len,
				      struct hf_flow *f)
{
	const struct hf_ipv4 *in = (const struct hf_ipv4 *)(icmp + ICMP_LEN);
	uint32_t hl;
	struct hf_flow q;
	enum hf_flow_result r;

	if (len < ICMP_LEN + sizeof(*in))
		return HF_FLOW_TRUNCATED;
	hl = hf_ipv4_hlen(in);
	/* RFC 792: the header and the first 64 bits of the data */
	if (hl < sizeof(*in) || len < ICMP_LEN + hl + 8)
		return HF_FLOW_TRUNCATED;
	if (hf_ipv4_is_later_fragment(in)) {
		/* no L4 header quoted: the address pair is all we have */
		memset(&q, 0, sizeof(q));
		q.key.saddr = ntohl(in->saddr);
		q.key.daddr = ntohl(in->daddr);
		q.key.proto = in->protocol;
	} else {
		r = l4_key(in, icmp + ICMP_LEN + hl, len - ICMP_LEN - hl, true,
			   &q);
		if (r != HF_FLOW_OK)
			return r;
	}
	memset(f, 0, sizeof(*f));
	f->key = hf_sess_key_reverse(&q.key, 0);
	f->has_ports = q.has_ports;
	f->icmp_error = true;
	return HF_FLOW_OK;
}

enum hf_flow_result hf_flow_of(const struct hf_ipv4 *ip, uint32_t ip_len,
			       struct hf_flow *f)
{
	uint32_t hl = hf_ipv4_hlen(ip);
	const uint8_t *l4 = (const uint8_t *)ip + hl;
	uint32_t len = ip_len - hl;

	if (hf_ipv4_is_later_fragment(ip))
		return HF_FLOW_LATER_FRAGMENT;
	if (ip->protocol == HF_IPPROTO_ICMP && len >= 1 &&
	    icmp_is_error(l4[0]))
		return quoted_key(l4, len, f);
	return l4_key(ip, l4, len, false, f);
}
