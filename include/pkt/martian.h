/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pkt/martian.h - address classes a router must never forward
 * (RFC 1812 4.2.2.11, 5.3.7; RFC 3927 for 169.254/16). Host order.
 */
#ifndef HF_PKT_MARTIAN_H
#define HF_PKT_MARTIAN_H

#include <stdbool.h>
#include <stdint.h>

static inline bool hf_ip4_is_multicast(uint32_t ip)
{
	return (ip >> 28) == 0xe;			/* 224/4 */
}

static inline bool hf_ip4_is_limited_bcast(uint32_t ip)
{
	return ip == 0xffffffffu;
}

/* 0/8, 127/8, 169.254/16, 240/4 (includes 255.255.255.255) */
static inline bool hf_ip4_is_reserved(uint32_t ip)
{
	return (ip >> 24) == 0 || (ip >> 24) == 127 ||
	       (ip >> 16) == 0xa9fe || (ip >> 28) == 0xf;
}

/* A source no valid packet can carry. */
static inline bool hf_ip4_src_is_martian(uint32_t ip)
{
	return hf_ip4_is_reserved(ip) || hf_ip4_is_multicast(ip);
}

/* A destination we never forward for reasons other than broadcast or
 * multicast (those have their own counters). */
static inline bool hf_ip4_dst_is_martian(uint32_t ip)
{
	return !hf_ip4_is_limited_bcast(ip) && hf_ip4_is_reserved(ip);
}

#endif /* HF_PKT_MARTIAN_H */
