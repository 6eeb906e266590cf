// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * frag.c - IPv4 fragmentation (see fwd/frag.h). Pure functions over
 * buffers owned by the calling worker: no shared state, no allocation.
 *
 * Every fragment but the last carries the same amount of payload, sized
 * for the original (full) header even though later fragments carry only
 * the copied options. hf_ipv4_frag_count() knows only the header length,
 * not which options it holds, and it must predict the count exactly;
 * Linux sizes fragments the same way (it keeps the header length and
 * overwrites dropped options with NOPs). Packets with options are rare
 * enough that the occasional extra fragment does not matter.
 */
#include "fwd/frag.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "common/compiler.h"
#include "pkt/csum.h"
#include "pkt/hdr.h"

#define HF_IPV4_MIN_HLEN	((uint32_t)sizeof(struct hf_ipv4))
#define HF_IPV4_MAX_HLEN	60	/* IHL is 4 bits of 32-bit words */
#define HF_IPV4_HLEN_UNIT	4
#define HF_IPV4_VER_MASK	0xf0

/* Fragment offsets count 8-byte blocks (RFC 791). */
#define HF_FRAG_UNIT		8

/* RFC 791 3.1 options */
#define HF_IPOPT_EOL		0
#define HF_IPOPT_NOP		1
#define HF_IPOPT_COPIED		0x80	/* keep in every fragment */
#define HF_IPOPT_MIN_LEN	2	/* type and length octets */

/* Payload bytes in each fragment but the last. */
static uint32_t frag_chunk(uint32_t hlen, uint32_t mtu)
{
	return (mtu - hlen) & ~(uint32_t)(HF_FRAG_UNIT - 1);
}

uint32_t hf_ipv4_frag_count(uint32_t hlen, uint32_t ip_len, uint32_t mtu)
{
	uint32_t chunk;

	if (hlen < HF_IPV4_MIN_HLEN || hlen > HF_IPV4_MAX_HLEN ||
	    ip_len < hlen)
		return 0;
	/* Fits already: hf_ipv4_fragment() makes one unchanged copy. */
	if (ip_len <= mtu)
		return 1;
	if (mtu < hlen + HF_FRAG_UNIT)
		return 0;
	chunk = frag_chunk(hlen, mtu);
	return (ip_len - hlen + chunk - 1) / chunk;
}

/*
 * frag_copied_opts() - gather the options of the header @hdr (length
 * @hlen) that have the copied flag into @opt, padded with EOL to a 4-byte
 * multiple. Return: their padded length, or -EINVAL for a malformed list.
 */
static int frag_copied_opts(const uint8_t *hdr, uint32_t hlen, uint8_t *opt)
{
	uint32_t i = HF_IPV4_MIN_HLEN, n = 0, len;
	uint8_t type;

	while (i < hlen) {
		type = hdr[i];
		if (type == HF_IPOPT_EOL)
			break;
		if (type == HF_IPOPT_NOP) {
			i++;
			continue;
		}
		if (hlen - i < HF_IPOPT_MIN_LEN)
			return -EINVAL;
		len = hdr[i + 1];
		if (len < HF_IPOPT_MIN_LEN || len > hlen - i)
			return -EINVAL;
		if (type & HF_IPOPT_COPIED) {
			memcpy(opt + n, hdr + i, len);
			n += len;
		}
		i += len;
	}
	/* n <= hlen - 20 <= 40, a multiple of 4, so padding stays inside
	 * the option space. */
	while (n % HF_IPV4_HLEN_UNIT)
		opt[n++] = HF_IPOPT_EOL;
	return (int)n;
}

/* Set the length and fragment fields of the header at @frag, then its
 * checksum. */
static void frag_finish(uint8_t *frag, uint32_t hlen, uint32_t tot,
			uint16_t frag_off)
{
	struct hf_ipv4 *h = (struct hf_ipv4 *)frag;

	h->tot_len = htons((uint16_t)tot);
	h->frag_off = htons(frag_off);
	h->check = 0;
	h->check = hf_csum(h, hlen);
}

int hf_ipv4_fragment(const struct hf_ipv4 *ip, uint32_t ip_len, uint32_t mtu,
		     uint8_t *const out[], uint32_t out_len[], uint32_t nout)
{
	const uint8_t *src = (const uint8_t *)ip;
	uint32_t hlen = hf_ipv4_hlen(ip);
	uint8_t later[HF_IPV4_MAX_HLEN];
	uint32_t count, chunk, payload, later_hlen, start, len, k;
	uint16_t fo, orig_off, keep, last_mf;
	int olen;

	count = hf_ipv4_frag_count(hlen, ip_len, mtu);
	if (!count || count > nout)
		return -EINVAL;

	/* Read everything needed from the original before the first write:
	 * @ip may be out[0]. */
	olen = frag_copied_opts(src, hlen, later + HF_IPV4_MIN_HLEN);
	if (olen < 0)
		return olen;
	later_hlen = HF_IPV4_MIN_HLEN + (uint32_t)olen;
	memcpy(later, src, HF_IPV4_MIN_HLEN);
	later[0] = (uint8_t)((later[0] & HF_IPV4_VER_MASK) |
			     (later_hlen / HF_IPV4_HLEN_UNIT));

	fo = ntohs(ip->frag_off);
	orig_off = fo & HF_IP_OFFMASK;
	last_mf = fo & HF_IP_MF;	/* a last piece of a middle fragment
					 * is still not the datagram's end */
	keep = fo & (uint16_t)~(HF_IP_MF | HF_IP_OFFMASK);
	payload = ip_len - hlen;
	chunk = count == 1 ? payload : frag_chunk(hlen, mtu);
	if (orig_off + (count - 1) * (chunk / HF_FRAG_UNIT) > HF_IP_OFFMASK)
		return -EINVAL;

	/* Later fragments first, so that out[0] == ip is overwritten only
	 * after its payload has been copied out. */
	for (k = count - 1; k > 0; k--) {
		start = k * chunk;
		len = HF_MIN(chunk, payload - start);
		fo = keep | (uint16_t)(orig_off + start / HF_FRAG_UNIT);
		if (k < count - 1 || last_mf)
			fo |= HF_IP_MF;
		memcpy(out[k], later, later_hlen);
		memcpy(out[k] + later_hlen, src + hlen + start, len);
		frag_finish(out[k], later_hlen, later_hlen + len, fo);
		out_len[k] = later_hlen + len;
	}

	len = HF_MIN(chunk, payload);
	fo = keep | orig_off;
	if (count > 1 || last_mf)
		fo |= HF_IP_MF;
	/* memmove: out[0] may be ip itself, then this copies nothing. */
	memmove(out[0], src, hlen + len);
	frag_finish(out[0], hlen, hlen + len, fo);
	out_len[0] = hlen + len;
	return (int)count;
}
