/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fwd/frag.h - IPv4 fragmentation (RFC 791 3.2, RFC 1812 4.2.2.7) for
 * packets without DF that exceed the egress MTU. Pure functions: the
 * worker provides the output buffers (frames) and sends the results.
 */
#ifndef HF_FWD_FRAG_H
#define HF_FWD_FRAG_H

#include <stdint.h>

#include "pkt/hdr.h"

/**
 * hf_ipv4_frag_count() - how many fragments hf_ipv4_fragment() will make
 * of a packet with header length @hlen and total length @ip_len for @mtu.
 * Return: the count (>= 2 when @ip_len > @mtu), or 0 when the MTU cannot
 * carry the header plus 8 bytes of payload.
 */
uint32_t hf_ipv4_frag_count(uint32_t hlen, uint32_t ip_len, uint32_t mtu);

/**
 * hf_ipv4_fragment() - split the packet at @ip (total length @ip_len,
 * header already validated, DF clear) into fragments of at most @mtu
 * bytes. Fragment k is written to @out[k] (each buffer at least @mtu
 * bytes) and its length to @out_len[k]. The first fragment keeps all
 * options; later ones keep only options with the copied flag set
 * (padded with EOL to a 4-byte multiple). Payload per fragment is a
 * multiple of 8 except in the last. Offsets and the MF flag compose with
 * the original's, so fragmenting a fragment is correct. Every fragment
 * gets a valid header checksum. @ip may alias @out[0].
 * Return: number of fragments written, or -EINVAL (MTU too small,
 * @nout too small, malformed options).
 */
int hf_ipv4_fragment(const struct hf_ipv4 *ip, uint32_t ip_len, uint32_t mtu,
		     uint8_t *const out[], uint32_t out_len[], uint32_t nout);

#endif /* HF_FWD_FRAG_H */
