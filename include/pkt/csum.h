/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pkt/csum.h - Internet checksum (RFC 1071) and incremental update
 * (RFC 1624, eqn. 3: HC' = ~(~HC + ~m + m')).
 * Ones' complement sums are byte-order independent, so every function
 * here works on 16-bit words exactly as they sit in the packet.
 */
#ifndef HF_PKT_CSUM_H
#define HF_PKT_CSUM_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Sum @len bytes at @buf into a 32-bit accumulator (not folded). */
static inline uint32_t hf_csum_partial(const void *buf, size_t len,
				       uint32_t sum)
{
	const uint8_t *p = buf;
	uint64_t acc = sum;
	uint16_t w;

	while (len >= 2) {
		memcpy(&w, p, 2);
		acc += w;
		p += 2;
		len -= 2;
	}
	if (len) {
		w = 0;
		memcpy(&w, p, 1);
		acc += w;
	}
	while (acc >> 32)
		acc = (acc & 0xffffffffULL) + (acc >> 32);
	return (uint32_t)acc;
}

/* Fold a 32-bit accumulator and complement it: the value to store. */
static inline uint16_t hf_csum_fold(uint32_t sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* Checksum of a buffer, ready to store (0 means the buffer verifies). */
static inline uint16_t hf_csum(const void *buf, size_t len)
{
	return hf_csum_fold(hf_csum_partial(buf, len, 0));
}

/*
 * hf_csum_replace16() - update a stored checksum after one 16-bit word
 * changed from @old to @new (both as stored in the packet).
 */
static inline uint16_t hf_csum_replace16(uint16_t check, uint16_t old,
					 uint16_t new)
{
	uint32_t sum = (uint16_t)~check;

	sum += (uint16_t)~old;
	sum += new;
	return hf_csum_fold(sum);
}

#endif /* HF_PKT_CSUM_H */
