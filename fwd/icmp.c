// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * icmp.c - ICMPv4 echo replies and error messages built in place
 * (see fwd/icmp.h). Pure functions over one packet buffer owned by the
 * calling worker: no shared state, no allocation, safe in the hot path.
 */
#include "fwd/icmp.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "common/compiler.h"
#include "pkt/csum.h"
#include "pkt/hdr.h"
#include "pkt/martian.h"

/* ICMP types that are queries or replies, not errors (RFC 792, 950). An
 * error may be sent about these; about anything else it may not. */
#define HF_ICMP_TIMESTAMP	13
#define HF_ICMP_TIMESTAMPREPLY	14
#define HF_ICMP_INFO_REQUEST	15
#define HF_ICMP_INFO_REPLY	16
#define HF_ICMP_ADDRESS		17
#define HF_ICMP_ADDRESSREPLY	18

#define HF_ICMP_HLEN		8	/* type, code, checksum, 4 more */

/* Fields of the IPv4 header we originate. */
#define HF_IPV4_VER_IHL5	0x45	/* version 4, 20-byte header */
#define HF_IPV4_TOS_NETCTL	0xc0	/* internetwork control, as Linux */
#define HF_ICMP_TTL		64

_Static_assert(HF_ICMP_ERR_PREPEND == sizeof(struct hf_ipv4) + HF_ICMP_HLEN,
	       "ICMP error prepend is one IP header plus one ICMP header");
_Static_assert(sizeof(struct hf_icmp) == HF_ICMP_HLEN,
	       "struct hf_icmp is the 8-byte ICMP header");

static bool icmp_type_is_query(uint8_t type)
{
	switch (type) {
	case HF_ICMP_ECHOREPLY:
	case HF_ICMP_ECHO:
	case HF_ICMP_TIMESTAMP:
	case HF_ICMP_TIMESTAMPREPLY:
	case HF_ICMP_INFO_REQUEST:
	case HF_ICMP_INFO_REPLY:
	case HF_ICMP_ADDRESS:
	case HF_ICMP_ADDRESSREPLY:
		return true;
	default:
		return false;
	}
}

bool hf_icmp_error_allowed(const struct hf_ipv4 *ip, uint32_t ip_len,
			   bool l2_mcast)
{
	uint32_t hlen = hf_ipv4_hlen(ip);
	uint32_t daddr = ntohl(ip->daddr);
	const uint8_t *l4;

	if (l2_mcast)
		return false;
	if (hf_ip4_is_multicast(daddr) || hf_ip4_is_limited_bcast(daddr))
		return false;
	/* The error would go to an address nobody owns, or back to a
	 * forged one: either way only noise. */
	if (hf_ip4_src_is_martian(ntohl(ip->saddr)))
		return false;
	/* A later fragment carries no L4 header to quote usefully, and one
	 * error per datagram is enough: it is sent for the first. */
	if (hf_ipv4_is_later_fragment(ip))
		return false;
	if (ip->protocol != HF_IPPROTO_ICMP)
		return true;
	/* Never an error about an error, which could loop between two
	 * routers; an ICMP packet whose type we cannot read is treated as
	 * one. */
	if (ip_len <= hlen)
		return false;
	l4 = (const uint8_t *)ip + hlen;
	return icmp_type_is_query(l4[0]);
}

struct hf_ipv4 *hf_icmp_build_error(struct hf_ipv4 *ip, uint32_t ip_len,
				    uint8_t type, uint8_t code, uint16_t mtu,
				    uint32_t src, uint32_t *out_len)
{
	/*
	 * The new IP and ICMP headers take exactly the HF_ICMP_ERR_PREPEND
	 * bytes in front of the old header, so the quote (old header and
	 * leading payload) is already where it belongs and never moves;
	 * only its tail is cut off by the new total length.
	 */
	uint8_t *base = (uint8_t *)ip - HF_ICMP_ERR_PREPEND;
	struct hf_ipv4 *nip = (struct hf_ipv4 *)base;
	struct hf_icmp *icmp = (struct hf_icmp *)(base + sizeof(*nip));
	uint32_t quote = HF_MIN(ip_len, (uint32_t)(HF_ICMP_ERR_MAX_LEN -
						   HF_ICMP_ERR_PREPEND));
	uint32_t tot = HF_ICMP_ERR_PREPEND + quote;
	uint32_t old_saddr = ip->saddr;

	icmp->type = type;
	icmp->code = code;
	icmp->check = 0;
	icmp->un.unused = 0;
	/* RFC 1191: next-hop MTU in the low half of the unused word. */
	if (type == HF_ICMP_DEST_UNREACH && code == HF_ICMP_FRAG_NEEDED)
		icmp->un.frag.mtu = htons(mtu);
	icmp->check = hf_csum(icmp, HF_ICMP_HLEN + quote);

	nip->ver_ihl = HF_IPV4_VER_IHL5;
	nip->tos = HF_IPV4_TOS_NETCTL;
	nip->tot_len = htons((uint16_t)tot);
	/* Never fragmented (576 fits every IPv4 link), so any id will do. */
	nip->id = 0;
	nip->frag_off = 0;
	nip->ttl = HF_ICMP_TTL;
	nip->protocol = HF_IPPROTO_ICMP;
	nip->check = 0;
	nip->saddr = htonl(src);
	nip->daddr = old_saddr;
	nip->check = hf_csum(nip, sizeof(*nip));

	*out_len = tot;
	return nip;
}

int hf_icmp_echo_reply(struct hf_ipv4 *ip, uint32_t ip_len)
{
	uint32_t hlen = hf_ipv4_hlen(ip);
	struct hf_icmp *icmp;
	uint16_t old_word, new_word;
	uint32_t addr;

	if (ip->protocol != HF_IPPROTO_ICMP || hf_ipv4_is_fragment(ip))
		return -EINVAL;
	if (ip_len < hlen || ip_len - hlen < HF_ICMP_HLEN)
		return -EINVAL;
	icmp = (struct hf_icmp *)((uint8_t *)ip + hlen);
	if (icmp->type != HF_ICMP_ECHO)
		return -EINVAL;
	if (hf_csum(icmp, ip_len - hlen) != 0)
		return -EINVAL;

	addr = ip->saddr;
	ip->saddr = ip->daddr;
	ip->daddr = addr;
	ip->ttl = HF_ICMP_TTL;
	ip->check = 0;
	ip->check = hf_csum(ip, hlen);

	/* Only the type changes, so patch the checksum rather than sum the
	 * whole payload a second time. The code is echoed as received. */
	memcpy(&old_word, &icmp->type, sizeof(old_word));
	icmp->type = HF_ICMP_ECHOREPLY;
	memcpy(&new_word, &icmp->type, sizeof(new_word));
	icmp->check = hf_csum_replace16(icmp->check, old_word, new_word);
	return 0;
}
