/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fwd/icmp.h - ICMPv4 messages a router sends (RFC 792, RFC 1812 4.3):
 * echo replies for its own addresses and errors about packets it cannot
 * forward. Pure functions over packet buffers; the worker supplies the
 * frame, the addresses, and sends the result.
 */
#ifndef HF_FWD_ICMP_H
#define HF_FWD_ICMP_H

#include <stdbool.h>
#include <stdint.h>

#include "pkt/hdr.h"

/* Room needed in front of the offending IP header to build an error in
 * place: a new IPv4 header and the ICMP header (the Ethernet header that
 * preceded the offending packet is reused for the new one). */
#define HF_ICMP_ERR_PREPEND	(sizeof(struct hf_ipv4) + 8)

/* RFC 1812 4.3.2.3: quote as much as fits in 576 bytes. */
#define HF_ICMP_ERR_MAX_LEN	576

/**
 * hf_icmp_error_allowed() - may an ICMP error be sent about this packet?
 * No for: an ICMP error message (types other than echo/echo-reply,
 * timestamp, info, address-mask requests/replies), a non-first fragment,
 * a packet that arrived as link-layer broadcast/multicast (@l2_mcast), a
 * multicast or broadcast destination, a martian source
 * (RFC 1812 4.3.2.7). @ip points at a validated header with @ip_len
 * bytes of packet behind it.
 */
bool hf_icmp_error_allowed(const struct hf_ipv4 *ip, uint32_t ip_len,
			   bool l2_mcast);

/**
 * hf_icmp_build_error() - turn the packet at @ip into an ICMP error about
 * itself, in place.
 * @ip: the offending IPv4 header; the buffer must have at least
 *	HF_ICMP_ERR_PREPEND writable bytes before it.
 * @ip_len: its total length (already validated).
 * @type, @code: ICMP type and code.
 * @mtu: next-hop MTU for Fragmentation Needed (type 3 code 4), else 0.
 * @src: source address of the error (host order), our ingress address.
 * Return: the new IPv4 header, which starts HF_ICMP_ERR_PREPEND bytes
 * before @ip; *@out_len is its total length. The new packet has TTL 64,
 * DF clear, valid IP and ICMP checksums, destination = old source, and
 * quotes the old header and as much payload as keeps it within 576 bytes.
 */
struct hf_ipv4 *hf_icmp_build_error(struct hf_ipv4 *ip, uint32_t ip_len,
				    uint8_t type, uint8_t code, uint16_t mtu,
				    uint32_t src, uint32_t *out_len);

/**
 * hf_icmp_echo_reply() - turn the echo request at @ip into its reply,
 * in place: addresses swapped, type 0, TTL 64, checksums fixed
 * (incrementally for ICMP).
 * Return: 0, or -EINVAL if it is not an unfragmented, well-formed echo
 * request with a valid ICMP checksum.
 */
int hf_icmp_echo_reply(struct hf_ipv4 *ip, uint32_t ip_len);

#endif /* HF_FWD_ICMP_H */
