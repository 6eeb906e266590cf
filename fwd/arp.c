// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * arp.c - ARP request and reply frames (see fwd/arp.h).
 */
#include "fwd/arp.h"

#include <string.h>

static const uint8_t bcast[HF_ETH_ALEN] = { 0xff, 0xff, 0xff,
					    0xff, 0xff, 0xff };

uint32_t hf_arp_build_request(uint8_t *frame, const uint8_t smac[6],
			      uint32_t sip, uint32_t tip)
{
	struct hf_eth *eth = (struct hf_eth *)frame;
	struct hf_arp *arp = (struct hf_arp *)(frame + HF_ETH_HLEN);

	memset(frame, 0, HF_ARP_FRAME_LEN);
	memcpy(eth->dst, bcast, HF_ETH_ALEN);
	memcpy(eth->src, smac, HF_ETH_ALEN);
	eth->type = htons(HF_ETH_P_ARP);
	arp->htype = htons(1);
	arp->ptype = htons(HF_ETH_P_IPV4);
	arp->hlen = HF_ETH_ALEN;
	arp->plen = 4;
	arp->oper = htons(HF_ARP_REQUEST);
	memcpy(arp->sha, smac, HF_ETH_ALEN);
	arp->spa = htonl(sip);
	arp->tpa = htonl(tip);
	return HF_ARP_FRAME_LEN;
}

uint32_t hf_arp_make_reply(uint8_t *frame, const uint8_t mac[6])
{
	struct hf_eth *eth = (struct hf_eth *)frame;
	struct hf_arp *arp = (struct hf_arp *)(frame + HF_ETH_HLEN);
	uint32_t our_ip = arp->tpa;

	memcpy(eth->dst, arp->sha, HF_ETH_ALEN);
	memcpy(eth->src, mac, HF_ETH_ALEN);
	arp->oper = htons(HF_ARP_REPLY);
	memcpy(arp->tha, arp->sha, HF_ETH_ALEN);
	arp->tpa = arp->spa;
	memcpy(arp->sha, mac, HF_ETH_ALEN);
	arp->spa = our_ip;
	/* keep the requester's frame length (>= 60: it passed parsing) */
	memset(frame + HF_ETH_HLEN + sizeof(*arp), 0,
	       HF_ARP_FRAME_LEN - HF_ETH_HLEN - sizeof(*arp));
	return HF_ARP_FRAME_LEN;
}
