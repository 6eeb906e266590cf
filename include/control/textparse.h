/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * control/textparse.h - strict parsers for the words operators type:
 * unsigned integers with ranges, IPv4 addresses and prefixes, MACs.
 * Used by the config file and the control commands alike. Pure functions.
 * Each returns 0 or -EINVAL/-ERANGE, and never accepts trailing junk.
 */
#ifndef HF_CONTROL_TEXTPARSE_H
#define HF_CONTROL_TEXTPARSE_H

#include <stdbool.h>
#include <stdint.h>

/** hf_parse_u32() - decimal integer in [@min, @max]. */
int hf_parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out);

/** hf_parse_ip4() - dotted quad to host-order address. */
int hf_parse_ip4(const char *s, uint32_t *ip);

/**
 * hf_parse_prefix4() - "a.b.c.d/len" (or a bare address: /32).
 * Host bits are kept in *@ip so that "198.18.1.1/24" can be an interface
 * address; use hf_prefix4_mask() for the network.
 */
int hf_parse_prefix4(const char *s, uint32_t *ip, uint8_t *len);

/** hf_parse_mac() - "aa:bb:cc:dd:ee:ff". */
int hf_parse_mac(const char *s, uint8_t mac[6]);

static inline uint32_t hf_prefix4_mask(uint8_t len)
{
	return len ? ~0u << (32 - len) : 0;
}

/**
 * hf_addr4_is_net_or_bcast() - is @ip the network or broadcast address
 * of its /@len subnet? Never for /31 and /32, which have neither.
 */
static inline bool hf_addr4_is_net_or_bcast(uint32_t ip, uint8_t len)
{
	uint32_t host = ip & ~hf_prefix4_mask(len);

	return len < 31 && (host == 0 || host == ~hf_prefix4_mask(len));
}

/** hf_prefix4_overlap() - do subnets @a/@alen and @b/@blen overlap? */
static inline bool hf_prefix4_overlap(uint32_t a, uint8_t alen, uint32_t b,
				      uint8_t blen)
{
	uint32_t m = hf_prefix4_mask(alen < blen ? alen : blen);

	return (a & m) == (b & m);
}

/** hf_hexval() - the value of hex digit @c (either case), or -1. */
int hf_hexval(char c);

/** hf_fmt_ip4() - host-order address to text in @buf (>= 16 bytes). */
const char *hf_fmt_ip4(uint32_t ip, char *buf);

/** hf_fmt_mac() - MAC to text in @buf (>= 18 bytes). */
const char *hf_fmt_mac(const uint8_t mac[6], char *buf);

#endif /* HF_CONTROL_TEXTPARSE_H */
