// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_frag.c - unit tests for fwd/frag.c. Every fragment set is checked
 * on its own terms (lengths, MTU, offsets, MF, header checksum with a
 * naive big-endian sum, option filtering) and then reassembled and
 * compared byte for byte with the original payload. Output buffers are
 * heap blocks of exactly the MTU so that ASan catches any overrun.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common/compiler.h"
#include "fwd/frag.h"
#include "pkt/hdr.h"

#define IP_HLEN		20
#define MAX_PKT		9100
#define MAX_FRAGS	1200
#define OFFMASK		0x1fff
#define MF		0x2000
#define SENTINEL	0xa5

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint16_t naive_csum(const uint8_t *p, size_t len)
{
	uint32_t sum = 0;
	size_t i;

	for (i = 0; i < len; i += 2) {
		sum += (uint32_t)p[i] << 8;
		if (i + 1 < len)
			sum += p[i + 1];
		while (sum >> 16)
			sum = (sum & 0xffff) + (sum >> 16);
	}
	return (uint16_t)~sum;
}

/* xorshift32: fixed sequence on every platform. */
static uint32_t rng_state;

static uint32_t rnd(void)
{
	uint32_t x = rng_state;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	rng_state = x;
	return x;
}

static uint32_t rnd_range(uint32_t lo, uint32_t hi)
{
	return lo + rnd() % (hi - lo + 1);
}

/* Original packet: @opts (a multiple of 4 long), random payload. */
static void mk_pkt(uint8_t *p, uint32_t ip_len, const uint8_t *opts,
		   uint32_t opt_len, uint16_t frag_off)
{
	uint32_t hlen = IP_HLEN + opt_len, i;

	p[0] = (uint8_t)(0x40 | hlen / 4);
	p[1] = 0x28;
	put16(p + 2, (uint16_t)ip_len);
	put16(p + 4, 0x4321);
	put16(p + 6, frag_off);
	p[8] = 33;
	p[9] = 17;
	put16(p + 10, 0);
	memcpy(p + 12, "\x0a\x01\x02\x03\xc0\x00\x02\x63", 8);
	if (opt_len)
		memcpy(p + IP_HLEN, opts, opt_len);
	put16(p + 10, naive_csum(p, hlen));
	for (i = hlen; i < ip_len; i++)
		p[i] = (uint8_t)rnd();
}

struct frag_set {
	uint8_t *out[MAX_FRAGS];
	uint32_t len[MAX_FRAGS];
	uint32_t n;
	uint32_t buf_len;
};

static void set_alloc(struct frag_set *s, uint32_t n, uint32_t buf_len)
{
	uint32_t i;

	s->n = n;
	s->buf_len = buf_len;
	for (i = 0; i < n; i++) {
		s->out[i] = malloc(buf_len);
		assert_non_null(s->out[i]);
		memset(s->out[i], SENTINEL, buf_len);
		s->len[i] = 0;
	}
}

static void set_free(struct frag_set *s)
{
	uint32_t i;

	for (i = 0; i < s->n; i++)
		free(s->out[i]);
	s->n = 0;
}

/*
 * Check @n fragments of the packet @orig against everything the header
 * promises; @later_opts/@later_opt_len are the options expected in the
 * fragments after the first (already padded).
 */
static void check_frags(const uint8_t *orig, uint32_t ip_len, uint32_t mtu,
			uint8_t *const out[], const uint32_t len[], int n,
			const uint8_t *later_opts, uint32_t later_opt_len)
{
	static uint8_t re[MAX_PKT];
	uint32_t hlen = (orig[0] & 0xf) * 4u, payload = ip_len - hlen;
	uint16_t ofo = get16(orig + 6);
	uint32_t orig_off = ofo & OFFMASK, next_off = orig_off, got = 0;
	uint32_t fhlen, fpay, foff;
	const uint8_t *f;
	uint16_t fo;
	int k;

	assert_true(n >= 1);
	for (k = 0; k < n; k++) {
		f = out[k];
		fhlen = (f[0] & 0xf) * 4u;
		assert_int_equal(f[0] >> 4, 4);
		if (k == 0) {
			assert_int_equal(fhlen, hlen);
			assert_memory_equal(f + IP_HLEN, orig + IP_HLEN,
					    hlen - IP_HLEN);
		} else {
			assert_int_equal(fhlen, IP_HLEN + later_opt_len);
			if (later_opt_len)
				assert_memory_equal(f + IP_HLEN, later_opts,
						    later_opt_len);
		}
		assert_int_equal(get16(f + 2), len[k]);
		assert_true(len[k] <= mtu);
		/* no empty fragments, unless there is no payload at all */
		assert_true(len[k] > fhlen || payload == 0);
		assert_int_equal(naive_csum(f, fhlen), 0);
		/* tos, id, ttl, proto, addresses copied */
		assert_int_equal(f[1], orig[1]);
		assert_memory_equal(f + 4, orig + 4, 2);
		assert_memory_equal(f + 8, orig + 8, 2);
		assert_memory_equal(f + 12, orig + 12, 8);

		fo = get16(f + 6);
		foff = fo & OFFMASK;
		assert_int_equal(fo & ~(MF | OFFMASK), ofo & ~(MF | OFFMASK));
		assert_int_equal(foff, next_off);
		fpay = len[k] - fhlen;
		if (k < n - 1) {
			assert_true(fo & MF);
			assert_int_equal(fpay % 8, 0);
		} else {
			assert_int_equal(!!(fo & MF), !!(ofo & MF));
		}
		memcpy(re + (foff - orig_off) * 8, f + fhlen, fpay);
		got += fpay;
		next_off = foff + fpay / 8;
	}
	assert_int_equal(got, payload);
	assert_memory_equal(re, orig + hlen, payload);
}

/* Fragment into fresh MTU-sized buffers and check; returns the count. */
static int frag_and_check(const uint8_t *pkt, uint32_t ip_len, uint32_t mtu,
			  const uint8_t *later_opts, uint32_t later_opt_len)
{
	static struct frag_set s;
	uint32_t hlen = (pkt[0] & 0xf) * 4u;
	uint32_t want = hf_ipv4_frag_count(hlen, ip_len, mtu);
	int n;

	assert_true(want >= 1 && want <= MAX_FRAGS);
	set_alloc(&s, want, mtu);
	n = hf_ipv4_fragment((const struct hf_ipv4 *)pkt, ip_len, mtu, s.out,
			     s.len, want);
	assert_int_equal(n, want);
	if (ip_len > mtu)
		assert_true(n >= 2);
	check_frags(pkt, ip_len, mtu, s.out, s.len, n, later_opts,
		    later_opt_len);
	set_free(&s);
	return n;
}

/* 1500 bytes into 576: 552 + 552 + 376 at offsets 0, 69, 138. */
static void test_classic_576(void **state)
{
	static uint8_t pkt[MAX_PKT];
	static struct frag_set s;
	int n;

	(void)state;
	rng_state = 1;
	mk_pkt(pkt, 1500, NULL, 0, 0);
	assert_int_equal(hf_ipv4_frag_count(IP_HLEN, 1500, 576), 3);
	set_alloc(&s, 3, 576);
	n = hf_ipv4_fragment((const struct hf_ipv4 *)pkt, 1500, 576, s.out,
			     s.len, 3);
	assert_int_equal(n, 3);
	assert_int_equal(s.len[0], 572);
	assert_int_equal(s.len[1], 572);
	assert_int_equal(s.len[2], 396);
	assert_int_equal(get16(s.out[0] + 6), MF | 0);
	assert_int_equal(get16(s.out[1] + 6), MF | 69);
	assert_int_equal(get16(s.out[2] + 6), 138);
	assert_memory_equal(s.out[1] + IP_HLEN, pkt + IP_HLEN + 552, 552);
	assert_memory_equal(s.out[2] + IP_HLEN, pkt + IP_HLEN + 1104, 376);
	check_frags(pkt, 1500, 576, s.out, s.len, n, NULL, 0);
	/* nothing written past each fragment */
	assert_int_equal(s.out[2][396], SENTINEL);
	set_free(&s);
}

/* Exact fit of 8-byte blocks, and payload that is an exact multiple. */
static void test_exact_boundaries(void **state)
{
	static uint8_t pkt[MAX_PKT];

	(void)state;
	rng_state = 2;
	/* mtu 28: one 8-byte block per fragment */
	mk_pkt(pkt, 20 + 24, NULL, 0, 0);
	assert_int_equal(frag_and_check(pkt, 44, 28, NULL, 0), 3);
	/* mtu not 8-aligned after the header: 1499 - 20 = 1479 -> 1472,
	 * and the payload is exactly two of those */
	mk_pkt(pkt, 2964, NULL, 0, 0);
	assert_int_equal(frag_and_check(pkt, 2964, 1499, NULL, 0), 2);
	/* one byte more: a third fragment carrying just that byte */
	mk_pkt(pkt, 2965, NULL, 0, 0);
	assert_int_equal(frag_and_check(pkt, 2965, 1499, NULL, 0), 3);
	/* one byte over the MTU: the second fragment carries 1 byte */
	mk_pkt(pkt, 1501, NULL, 0, 0);
	assert_int_equal(frag_and_check(pkt, 1501, 1500, NULL, 0), 2);
}

static void test_fits_is_copy(void **state)
{
	static uint8_t pkt[MAX_PKT];
	static struct frag_set s;

	(void)state;
	rng_state = 3;
	mk_pkt(pkt, 1500, NULL, 0, 0);
	assert_int_equal(hf_ipv4_frag_count(IP_HLEN, 1500, 1500), 1);
	set_alloc(&s, 1, 1500);
	assert_int_equal(hf_ipv4_fragment((const struct hf_ipv4 *)pkt, 1500,
					  1500, s.out, s.len, 1), 1);
	assert_int_equal(s.len[0], 1500);
	assert_memory_equal(s.out[0], pkt, 1500);
	set_free(&s);
}

/* A middle fragment (offset 100, MF): every piece keeps MF. */
static void test_refragment_middle(void **state)
{
	static uint8_t pkt[MAX_PKT];
	static struct frag_set s;

	(void)state;
	rng_state = 4;
	mk_pkt(pkt, 1000, NULL, 0, MF | 100);
	set_alloc(&s, 3, 500);
	assert_int_equal(hf_ipv4_fragment((const struct hf_ipv4 *)pkt, 1000,
					  500, s.out, s.len, 3), 3);
	assert_int_equal(get16(s.out[0] + 6), MF | 100);
	assert_int_equal(get16(s.out[1] + 6), MF | 160);
	assert_int_equal(get16(s.out[2] + 6), MF | 220);
	assert_int_equal(s.len[2], IP_HLEN + 20);
	check_frags(pkt, 1000, 500, s.out, s.len, 3, NULL, 0);
	set_free(&s);
}

/* The last fragment (offset 100, no MF): only the last piece lacks MF. */
static void test_refragment_last(void **state)
{
	static uint8_t pkt[MAX_PKT];
	static struct frag_set s;

	(void)state;
	rng_state = 5;
	mk_pkt(pkt, 1000, NULL, 0, 100);
	set_alloc(&s, 3, 500);
	assert_int_equal(hf_ipv4_fragment((const struct hf_ipv4 *)pkt, 1000,
					  500, s.out, s.len, 3), 3);
	assert_int_equal(get16(s.out[0] + 6), MF | 100);
	assert_int_equal(get16(s.out[1] + 6), MF | 160);
	assert_int_equal(get16(s.out[2] + 6), 220);
	check_frags(pkt, 1000, 500, s.out, s.len, 3, NULL, 0);
	set_free(&s);
}

/* Offsets past 13 bits cannot be expressed. */
static void test_offset_overflow(void **state)
{
	static uint8_t pkt[MAX_PKT];
	static struct frag_set s;

	(void)state;
	rng_state = 6;
	mk_pkt(pkt, 1500, NULL, 0, MF | 8100);
	set_alloc(&s, 3, 576);
	assert_int_equal(hf_ipv4_fragment((const struct hf_ipv4 *)pkt, 1500,
					  576, s.out, s.len, 3), -EINVAL);
	set_free(&s);
	/* the highest offset that still fits: 8191 - 138 */
	mk_pkt(pkt, 1500, NULL, 0, MF | (OFFMASK - 138));
	assert_int_equal(frag_and_check(pkt, 1500, 576, NULL, 0), 3);
}

/*
 * Options: NOP, a copied LSRR-like option (0x83, 7 bytes), a non-copied
 * record route (0x07, 11 bytes), EOL: 20 bytes, header 40. Later
 * fragments keep only 0x83, padded with one EOL: header 28.
 */
static const uint8_t opts_mixed[20] = {
	0x01,
	0x83, 7, 4, 192, 0, 2, 200,
	0x07, 11, 4, 0, 0, 0, 0, 0, 0, 0, 0,
	0x00,
};

static const uint8_t opts_mixed_later[8] = {
	0x83, 7, 4, 192, 0, 2, 200, 0x00,
};

static void test_options_filtered(void **state)
{
	static uint8_t pkt[MAX_PKT];
	static struct frag_set s;
	uint32_t i;

	(void)state;
	rng_state = 7;
	mk_pkt(pkt, 1040, opts_mixed, sizeof(opts_mixed), 0);
	/* payload 1000; (300 - 40) rounded down to 8 = 256 per fragment,
	 * sized for the 40-byte header: 256 + 256 + 256 + 232 */
	assert_int_equal(hf_ipv4_frag_count(40, 1040, 300), 4);
	set_alloc(&s, 4, 300);
	assert_int_equal(hf_ipv4_fragment((const struct hf_ipv4 *)pkt, 1040,
					  300, s.out, s.len, 4), 4);
	assert_int_equal(s.out[0][0], 0x4a);
	assert_int_equal(s.len[0], 40 + 256);
	for (i = 1; i < 4; i++)
		assert_int_equal(s.out[i][0], 0x47);
	assert_int_equal(s.len[1], 28 + 256);
	assert_int_equal(s.len[2], 28 + 256);
	assert_int_equal(s.len[3], 28 + 232);
	assert_int_equal(get16(s.out[1] + 6), MF | 32);
	assert_int_equal(get16(s.out[2] + 6), MF | 64);
	assert_int_equal(get16(s.out[3] + 6), 96);
	check_frags(pkt, 1040, 300, s.out, s.len, 4, opts_mixed_later,
		    sizeof(opts_mixed_later));
	set_free(&s);
}

/* Only NOPs and a non-copied option: later headers are bare 20 bytes. */
static void test_options_none_copied(void **state)
{
	static const uint8_t opts[8] = { 1, 1, 0x07, 3, 4, 0, 1, 1 };
	static uint8_t pkt[MAX_PKT];

	(void)state;
	rng_state = 8;
	mk_pkt(pkt, 900, opts, sizeof(opts), 0);
	frag_and_check(pkt, 900, 200, NULL, 0);
}

/* Several copied options, exactly filling 4-byte words: no padding. */
static void test_options_all_copied(void **state)
{
	static const uint8_t opts[12] = {
		0x94, 4, 0, 0,			/* router alert */
		0x89, 8, 4, 10, 0, 0, 1, 0,	/* SSRR-like */
	};
	static uint8_t pkt[MAX_PKT];

	(void)state;
	rng_state = 9;
	mk_pkt(pkt, 1200, opts, sizeof(opts), 0);
	frag_and_check(pkt, 1200, 400, opts, sizeof(opts));
}

/* Bytes after EOL are ignored, whatever they hold. */
static void test_options_after_eol(void **state)
{
	static const uint8_t opts[8] = { 0x94, 4, 0, 0, 0, 0xff, 0x00, 0x83 };
	static const uint8_t later[4] = { 0x94, 4, 0, 0 };
	static uint8_t pkt[MAX_PKT];

	(void)state;
	rng_state = 10;
	mk_pkt(pkt, 700, opts, sizeof(opts), 0);
	frag_and_check(pkt, 700, 300, later, sizeof(later));
}

static void test_options_malformed(void **state)
{
	static const uint8_t bad[][8] = {
		{ 0x07, 1, 1, 1, 1, 1, 1, 1 },		/* length < 2 */
		{ 0x07, 0, 1, 1, 1, 1, 1, 1 },		/* length 0 */
		{ 0x83, 9, 4, 0, 0, 0, 0, 0 },		/* past header */
		{ 1, 1, 1, 1, 1, 1, 1, 0x83 },		/* no length octet */
		{ 0x94, 4, 0, 0, 0x07, 5, 0, 0 },	/* 2nd past end */
	};
	static uint8_t pkt[MAX_PKT];
	static struct frag_set s;
	size_t i;

	(void)state;
	rng_state = 11;
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		mk_pkt(pkt, 600, bad[i], sizeof(bad[i]), 0);
		set_alloc(&s, 8, 200);
		if (hf_ipv4_fragment((const struct hf_ipv4 *)pkt, 600, 200,
				     s.out, s.len, 8) != -EINVAL)
			fail_msg("malformed option case %zu accepted", i);
		assert_int_equal(s.out[0][0], SENTINEL);
		set_free(&s);
	}
}

static void test_mtu_too_small(void **state)
{
	static const uint8_t opts[20] = { 1 };
	static uint8_t pkt[MAX_PKT];
	static struct frag_set s;

	(void)state;
	rng_state = 12;
	assert_int_equal(hf_ipv4_frag_count(20, 100, 27), 0);
	assert_int_equal(hf_ipv4_frag_count(20, 100, 28), 10);
	assert_int_equal(hf_ipv4_frag_count(40, 100, 47), 0);
	assert_int_equal(hf_ipv4_frag_count(40, 100, 48), 8);

	mk_pkt(pkt, 100, NULL, 0, 0);
	set_alloc(&s, 16, 64);
	assert_int_equal(hf_ipv4_fragment((const struct hf_ipv4 *)pkt, 100,
					  27, s.out, s.len, 16), -EINVAL);
	assert_int_equal(s.out[0][0], SENTINEL);
	assert_int_equal(hf_ipv4_fragment((const struct hf_ipv4 *)pkt, 100,
					  0, s.out, s.len, 16), -EINVAL);

	mk_pkt(pkt, 100, opts, sizeof(opts), 0);
	assert_int_equal(hf_ipv4_fragment((const struct hf_ipv4 *)pkt, 100,
					  47, s.out, s.len, 16), -EINVAL);
	assert_int_equal(s.out[0][0], SENTINEL);
	set_free(&s);
}

static void test_nout_too_small(void **state)
{
	static uint8_t pkt[MAX_PKT];
	static struct frag_set s;
	uint32_t i;

	(void)state;
	rng_state = 13;
	mk_pkt(pkt, 1500, NULL, 0, 0);
	set_alloc(&s, 3, 576);
	assert_int_equal(hf_ipv4_fragment((const struct hf_ipv4 *)pkt, 1500,
					  576, s.out, s.len, 2), -EINVAL);
	for (i = 0; i < 3; i++)
		assert_int_equal(s.out[i][0], SENTINEL);
	assert_int_equal(hf_ipv4_fragment((const struct hf_ipv4 *)pkt, 1500,
					  576, s.out, s.len, 0), -EINVAL);
	set_free(&s);
}

/* out[0] == ip gives the same bytes as separate buffers. */
static void test_alias_out0(void **state)
{
	static const uint32_t mtus[] = { 28, 68, 576, 1000, 1499 };
	static uint8_t pkt[MAX_PKT], orig[MAX_PKT];
	static struct frag_set s, ref;
	uint32_t i, k, ip_len = 1500;
	int n, rn;

	(void)state;
	rng_state = 14;
	for (i = 0; i < ARRAY_SIZE(mtus); i++) {
		mk_pkt(orig, ip_len, opts_mixed, sizeof(opts_mixed), MF | 7);
		rn = (int)hf_ipv4_frag_count(40, ip_len, mtus[i]);
		if (mtus[i] < 48) {
			assert_int_equal(rn, 0);
			continue;
		}
		set_alloc(&ref, (uint32_t)rn, mtus[i]);
		assert_int_equal(hf_ipv4_fragment((const struct hf_ipv4 *)orig,
						  ip_len, mtus[i], ref.out,
						  ref.len, ref.n), rn);

		/* the packet's own buffer as out[0] */
		memcpy(pkt, orig, ip_len);
		set_alloc(&s, (uint32_t)rn, mtus[i]);
		free(s.out[0]);
		s.out[0] = pkt;
		n = hf_ipv4_fragment((const struct hf_ipv4 *)pkt, ip_len,
				     mtus[i], s.out, s.len, s.n);
		assert_int_equal(n, rn);
		for (k = 0; k < (uint32_t)n; k++) {
			assert_int_equal(s.len[k], ref.len[k]);
			assert_memory_equal(s.out[k], ref.out[k], s.len[k]);
		}
		check_frags(orig, ip_len, mtus[i], s.out, s.len, n,
			    opts_mixed_later, sizeof(opts_mixed_later));
		s.out[0] = NULL;	/* not ours to free */
		set_free(&s);
		set_free(&ref);
	}
}

/* Header kinds for the random test: options and what later fragments
 * keep of them. */
struct hdr_kind {
	const uint8_t *opts;
	uint32_t opt_len;
	const uint8_t *later;
	uint32_t later_len;
};

static const uint8_t opts_rr[8] = { 0x07, 7, 4, 0, 0, 0, 0, 0 };
static const uint8_t opts_ra[4] = { 0x94, 4, 0, 0 };

static const struct hdr_kind kinds[] = {
	{ NULL, 0, NULL, 0 },
	{ opts_rr, sizeof(opts_rr), NULL, 0 },
	{ opts_ra, sizeof(opts_ra), opts_ra, sizeof(opts_ra) },
	{ opts_mixed, sizeof(opts_mixed), opts_mixed_later,
	  sizeof(opts_mixed_later) },
};

/* Many random sizes, MTUs, header kinds and original offsets. */
static void test_random(void **state)
{
	static uint8_t pkt[MAX_PKT];
	const struct hdr_kind *h;
	uint32_t i, hlen, ip_len, mtu, off, done = 0;
	uint16_t fo;
	int n;

	(void)state;
	rng_state = 0x1dcba987;
	for (i = 0; i < 3000; i++) {
		h = &kinds[rnd() % ARRAY_SIZE(kinds)];
		hlen = IP_HLEN + h->opt_len;
		ip_len = rnd_range(hlen, MAX_PKT - 100);
		/* mostly realistic MTUs, sometimes tiny ones */
		mtu = rnd() % 8 ? rnd_range(hlen + 8, 1600) :
				  rnd_range(hlen + 8, hlen + 64);
		if ((ip_len - hlen) / ((mtu - hlen) & ~7u) >= MAX_FRAGS)
			continue;
		off = rnd_range(0, 4000);
		switch (rnd() % 3) {
		case 0:
			fo = 0;				/* whole datagram */
			break;
		case 1:
			fo = (uint16_t)(MF | off);	/* middle fragment */
			break;
		default:
			fo = (uint16_t)off;		/* last fragment */
			break;
		}
		mk_pkt(pkt, ip_len, h->opts, h->opt_len, fo);
		n = frag_and_check(pkt, ip_len, mtu, h->later, h->later_len);
		if (ip_len <= mtu)
			assert_int_equal(n, 1);
		done++;
	}
	/* the skip above must not hollow the test out */
	assert_true(done > 2500);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_classic_576),
		cmocka_unit_test(test_exact_boundaries),
		cmocka_unit_test(test_fits_is_copy),
		cmocka_unit_test(test_refragment_middle),
		cmocka_unit_test(test_refragment_last),
		cmocka_unit_test(test_offset_overflow),
		cmocka_unit_test(test_options_filtered),
		cmocka_unit_test(test_options_none_copied),
		cmocka_unit_test(test_options_all_copied),
		cmocka_unit_test(test_options_after_eol),
		cmocka_unit_test(test_options_malformed),
		cmocka_unit_test(test_mtu_too_small),
		cmocka_unit_test(test_nout_too_small),
		cmocka_unit_test(test_alias_out0),
		cmocka_unit_test(test_random),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
