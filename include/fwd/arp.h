/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fwd/arp.h - building ARP frames (RFC 826). Pure functions over a
 * frame buffer; the worker decides when to answer, ask and learn.
 */
#ifndef HF_FWD_ARP_H
#define HF_FWD_ARP_H

#include <stdint.h>

#include "pkt/hdr.h"

/* Ethernet + ARP, padded to the 60-byte Ethernet minimum. */
#define HF_ARP_FRAME_LEN	HF_ETH_MIN_FRAME

/**
 * hf_arp_build_request() - write a broadcast ARP request "who has @tip,
 * tell @sip" from @smac into @frame (>= HF_ARP_FRAME_LEN bytes).
 * Addresses in host order. Return: the frame length.
 */
uint32_t hf_arp_build_request(uint8_t *frame, const uint8_t smac[6],
			      uint32_t sip, uint32_t tip);

/**
 * hf_arp_make_reply() - turn the request in @frame (validated, asking for
 * one of our addresses) into the reply "@mac is at the target address",
 * in place, unicast to the requester. Return: the frame length.
 */
uint32_t hf_arp_make_reply(uint8_t *frame, const uint8_t mac[6]);

#endif /* HF_FWD_ARP_H */
