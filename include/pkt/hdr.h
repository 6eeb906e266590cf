/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pkt/hdr.h - wire headers and bounds-checked parsers for the packet path.
 * Every parser takes the bytes that are really there and returns
 * HF_PARSE_OK or the reason the frame is refused; nothing reads past the
 * end of the frame. Multi-byte fields stay in network order in the
 * structs; helpers convert where a value is needed.
 */
#ifndef HF_PKT_HDR_H
#define HF_PKT_HDR_H

#include <arpa/inet.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "pkt/csum.h"

#define HF_ETH_ALEN		6
#define HF_ETH_HLEN		14
#define HF_ETH_P_IPV4		0x0800
#define HF_ETH_P_ARP		0x0806
#define HF_ETH_P_8021Q		0x8100
#define HF_ETH_P_8021AD		0x88a8
#define HF_ETH_P_IPV6		0x86dd
#define HF_ETH_MIN_FRAME	60	/* without FCS: shorter frames are padded */

#define HF_IPPROTO_ICMP		1
#define HF_IPPROTO_TCP		6
#define HF_IPPROTO_UDP		17

#define HF_IP_DF		0x4000
#define HF_IP_MF		0x2000
#define HF_IP_OFFMASK		0x1fff

struct hf_eth {
	uint8_t dst[HF_ETH_ALEN];
	uint8_t src[HF_ETH_ALEN];
	uint16_t type;
} __attribute__((packed));

struct hf_ipv4 {
	uint8_t ver_ihl;
	uint8_t tos;
	uint16_t tot_len;
	uint16_t id;
	uint16_t frag_off;
	uint8_t ttl;
	uint8_t protocol;
	uint16_t check;
	uint32_t saddr;
	uint32_t daddr;
} __attribute__((packed));

struct hf_icmp {
	uint8_t type;
	uint8_t code;
	uint16_t check;
	union {
		struct {
			uint16_t id;
			uint16_t seq;
		} echo;
		struct {
			uint16_t unused;
			uint16_t mtu;
		} frag;
		uint32_t unused;
	} un;
} __attribute__((packed));

#define HF_ICMP_ECHOREPLY	0
#define HF_ICMP_DEST_UNREACH	3
#define HF_ICMP_ECHO		8
#define HF_ICMP_TIME_EXCEEDED	11
#define HF_ICMP_PARAMETERPROB	12
#define HF_ICMP_NET_UNREACH	0	/* codes of HF_ICMP_DEST_UNREACH */
#define HF_ICMP_HOST_UNREACH	1
#define HF_ICMP_FRAG_NEEDED	4
#define HF_ICMP_EXC_TTL		0	/* code of HF_ICMP_TIME_EXCEEDED */

/* ARP for IPv4 over Ethernet (RFC 826), the only kind we speak. */
struct hf_arp {
	uint16_t htype;
	uint16_t ptype;
	uint8_t hlen;
	uint8_t plen;
	uint16_t oper;
	uint8_t sha[HF_ETH_ALEN];
	uint32_t spa;
	uint8_t tha[HF_ETH_ALEN];
	uint32_t tpa;
} __attribute__((packed));

#define HF_ARP_REQUEST	1
#define HF_ARP_REPLY	2

enum hf_parse_result {
	HF_PARSE_OK = 0,
	HF_PARSE_RUNT,		/* shorter than an Ethernet header */
	HF_PARSE_VLAN,		/* 802.1Q/802.1ad tagged */
	HF_PARSE_ETHERTYPE,	/* not IPv4 or ARP */
	HF_PARSE_IP_TRUNC,	/* shorter than the header or total length */
	HF_PARSE_IP_VERSION,	/* version field is not 4 */
	HF_PARSE_IP_IHL,	/* IHL below 5 */
	HF_PARSE_IP_TOTLEN,	/* total length shorter than the header */
	HF_PARSE_IP_CSUM,	/* header checksum does not verify */
	HF_PARSE_ARP_BAD,	/* not Ethernet/IPv4 ARP, or truncated */
};

static inline bool hf_mac_is_multicast(const uint8_t *mac)
{
	return mac[0] & 1;	/* includes broadcast */
}

static inline bool hf_mac_is_zero(const uint8_t *mac)
{
	static const uint8_t zero[HF_ETH_ALEN];

	return memcmp(mac, zero, HF_ETH_ALEN) == 0;
}

static inline bool hf_mac_is_broadcast(const uint8_t *mac)
{
	static const uint8_t bcast[HF_ETH_ALEN] = {
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff
	};

	return memcmp(mac, bcast, HF_ETH_ALEN) == 0;
}

/*
 * hf_parse_eth() - check the Ethernet header, return its ethertype.
 * Tagged frames are refused: hafwd ports are untagged access ports, and
 * forwarding a tagged frame onto an untagged port would leak it between
 * VLANs. They are counted as their own drop class.
 */
static inline enum hf_parse_result hf_parse_eth(const uint8_t *frame,
						uint32_t len, uint16_t *type)
{
	const struct hf_eth *eth = (const struct hf_eth *)frame;
	uint16_t t;

	if (len < HF_ETH_HLEN)
		return HF_PARSE_RUNT;
	t = ntohs(eth->type);
	if (t == HF_ETH_P_8021Q || t == HF_ETH_P_8021AD)
		return HF_PARSE_VLAN;
	if (t != HF_ETH_P_IPV4 && t != HF_ETH_P_ARP)
		return HF_PARSE_ETHERTYPE;
	*type = t;
	return HF_PARSE_OK;
}

static inline uint32_t hf_ipv4_hlen(const struct hf_ipv4 *ip)
{
	return (uint32_t)(ip->ver_ihl & 0x0f) * 4;
}

/*
 * hf_parse_ipv4_bounds() - the structural half of hf_parse_ipv4():
 * version, header and total length within @avail; no checksum. For a
 * look at a packet that hf_parse_ipv4() validates again later.
 */
static inline enum hf_parse_result hf_parse_ipv4_bounds(const uint8_t *l3,
							uint32_t avail,
							uint32_t *ip_len)
{
	const struct hf_ipv4 *ip = (const struct hf_ipv4 *)l3;
	uint32_t hlen, tot;

	if (avail < sizeof(*ip))
		return HF_PARSE_IP_TRUNC;
	if ((ip->ver_ihl >> 4) != 4)
		return HF_PARSE_IP_VERSION;
	hlen = hf_ipv4_hlen(ip);
	if (hlen < sizeof(*ip))
		return HF_PARSE_IP_IHL;
	if (avail < hlen)
		return HF_PARSE_IP_TRUNC;
	tot = ntohs(ip->tot_len);
	if (tot < hlen)
		return HF_PARSE_IP_TOTLEN;
	if (tot > avail)
		return HF_PARSE_IP_TRUNC;
	*ip_len = tot;
	return HF_PARSE_OK;
}

/*
 * hf_parse_ipv4() - validate an IPv4 header (RFC 1812 5.2.2).
 * @l3: start of the IP header; @avail: bytes from there to the frame end,
 * which may include Ethernet padding. On success *@ip_len is the IP total
 * length, which the caller uses instead of @avail (padding is ignored).
 */
static inline enum hf_parse_result hf_parse_ipv4(const uint8_t *l3,
						 uint32_t avail,
						 uint32_t *ip_len)
{
	enum hf_parse_result r;
	uint32_t tot;

	r = hf_parse_ipv4_bounds(l3, avail, &tot);
	if (r)
		return r;
	if (hf_csum(l3, hf_ipv4_hlen((const struct hf_ipv4 *)l3)) != 0)
		return HF_PARSE_IP_CSUM;
	*ip_len = tot;	/* written on success only */
	return HF_PARSE_OK;
}

/* hf_parse_arp() - accept only Ethernet/IPv4 ARP of full length. */
static inline enum hf_parse_result hf_parse_arp(const uint8_t *l3,
						uint32_t avail)
{
	const struct hf_arp *arp = (const struct hf_arp *)l3;

	if (avail < sizeof(*arp))
		return HF_PARSE_ARP_BAD;
	if (arp->htype != htons(1) || arp->ptype != htons(HF_ETH_P_IPV4) ||
	    arp->hlen != HF_ETH_ALEN || arp->plen != 4)
		return HF_PARSE_ARP_BAD;
	return HF_PARSE_OK;
}

static inline bool hf_ipv4_is_fragment(const struct hf_ipv4 *ip)
{
	return (ip->frag_off & htons(HF_IP_MF | HF_IP_OFFMASK)) != 0;
}

static inline bool hf_ipv4_is_later_fragment(const struct hf_ipv4 *ip)
{
	return (ip->frag_off & htons(HF_IP_OFFMASK)) != 0;
}

/*
 * hf_ipv4_dec_ttl() - decrement TTL and patch the header checksum.
 * TTL and protocol share one 16-bit word; only that word changes.
 */
static inline void hf_ipv4_dec_ttl(struct hf_ipv4 *ip)
{
	uint16_t old, new;

	memcpy(&old, &ip->ttl, 2);
	ip->ttl--;
	memcpy(&new, &ip->ttl, 2);
	ip->check = hf_csum_replace16(ip->check, old, new);
}

#endif /* HF_PKT_HDR_H */
