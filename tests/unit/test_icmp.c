// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_icmp.c - unit tests for fwd/icmp.c: when an ICMP error may be
 * sent, the error built in place, and echo replies. Packets are written
 * byte by byte and checked against a naive big-endian checksum, so the
 * tests share no code with pkt/csum.h beyond what they verify.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "common/compiler.h"
#include "fwd/icmp.h"
#include "pkt/hdr.h"

#define IP_HLEN		20
#define ICMP_HLEN	8
#define ETH_ROOM	14
#define PREPEND		28	/* what HF_ICMP_ERR_PREPEND must be */
#define ERR_MAX		576
#define QUOTE_MAX	(ERR_MAX - PREPEND)
#define BUF_LEN		2048
#define SENTINEL	0xa5

#define A(a, b, c, d)	((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | \
			 (uint32_t)(c) << 8 | (uint32_t)(d))

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* RFC 1071 the slow way: big-endian words, odd byte padded with zero.
 * Returns the value to store (big-endian), 0 if the buffer verifies. */
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

/*
 * Write an IPv4 header at @p with @opt_len bytes of options (NOPs unless
 * @opts is given) and a valid checksum. Payload is the caller's.
 */
static void mk_ip(uint8_t *p, uint32_t tot, uint8_t proto, uint32_t src,
		  uint32_t dst, uint16_t frag_off, const uint8_t *opts,
		  uint32_t opt_len)
{
	uint32_t hlen = IP_HLEN + opt_len;

	p[0] = (uint8_t)(0x40 | hlen / 4);
	p[1] = 0x10;
	put16(p + 2, (uint16_t)tot);
	put16(p + 4, 0xbeef);
	put16(p + 6, frag_off);
	p[8] = 17;		/* TTL: anything but 64 */
	p[9] = proto;
	put16(p + 10, 0);
	put32(p + 12, src);
	put32(p + 16, dst);
	if (opts)
		memcpy(p + IP_HLEN, opts, opt_len);
	else
		memset(p + IP_HLEN, 1, opt_len);
	put16(p + 10, naive_csum(p, hlen));
}

static void fill_pattern(uint8_t *p, uint32_t len, uint32_t seed)
{
	uint32_t i;

	for (i = 0; i < len; i++)
		p[i] = (uint8_t)(i * 7 + seed + (i >> 8));
}

/* --- hf_icmp_error_allowed ------------------------------------------ */

struct allow_case {
	const char *name;
	uint8_t proto;
	uint32_t src;
	uint32_t dst;
	uint16_t frag_off;
	bool l2_mcast;
	int icmp_type;		/* -1: no ICMP header (ip_len == hlen) */
	bool want;
};

#define SRC	A(10, 1, 2, 3)
#define DST	A(192, 0, 2, 77)

static const struct allow_case allow_cases[] = {
	{ "udp unicast", HF_IPPROTO_UDP, SRC, DST, 0, false, 0, true },
	{ "tcp unicast", HF_IPPROTO_TCP, SRC, DST, 0, false, 0, true },
	{ "l2 multicast", HF_IPPROTO_UDP, SRC, DST, 0, true, 0, false },
	{ "dst 224.0.0.5", HF_IPPROTO_UDP, SRC, A(224, 0, 0, 5), 0, false, 0,
	  false },
	{ "dst 239.255.255.255", HF_IPPROTO_UDP, SRC, A(239, 255, 255, 255),
	  0, false, 0, false },
	{ "dst 223.255.255.255", HF_IPPROTO_UDP, SRC, A(223, 255, 255, 255),
	  0, false, 0, true },
	{ "dst 255.255.255.255", HF_IPPROTO_UDP, SRC, A(255, 255, 255, 255),
	  0, false, 0, false },
	/* byte order: raw little-endian loads would see 224/4 here */
	{ "dst 5.0.0.224", HF_IPPROTO_UDP, SRC, A(5, 0, 0, 224), 0, false, 0,
	  true },
	{ "src 0.0.0.0", HF_IPPROTO_UDP, A(0, 0, 0, 0), DST, 0, false, 0,
	  false },
	{ "src 127.0.0.1", HF_IPPROTO_UDP, A(127, 0, 0, 1), DST, 0, false, 0,
	  false },
	{ "src 169.254.9.9", HF_IPPROTO_UDP, A(169, 254, 9, 9), DST, 0, false,
	  0, false },
	{ "src 224.1.1.1", HF_IPPROTO_UDP, A(224, 1, 1, 1), DST, 0, false, 0,
	  false },
	{ "src 240.0.0.1", HF_IPPROTO_UDP, A(240, 0, 0, 1), DST, 0, false, 0,
	  false },
	{ "src 255.255.255.255", HF_IPPROTO_UDP, A(255, 255, 255, 255), DST,
	  0, false, 0, false },
	{ "src 169.253.1.1", HF_IPPROTO_UDP, A(169, 253, 1, 1), DST, 0, false,
	  0, true },
	/* byte order: raw little-endian loads would see 127/8 here */
	{ "src 1.0.0.127", HF_IPPROTO_UDP, A(1, 0, 0, 127), DST, 0, false, 0,
	  true },
	{ "first fragment (MF)", HF_IPPROTO_UDP, SRC, DST, HF_IP_MF, false, 0,
	  true },
	{ "later fragment", HF_IPPROTO_UDP, SRC, DST, 1, false, 0, false },
	{ "last fragment", HF_IPPROTO_UDP, SRC, DST, 0x1fff, false, 0, false },
	{ "later fragment MF", HF_IPPROTO_UDP, SRC, DST, HF_IP_MF | 185,
	  false, 0, false },
	{ "DF only", HF_IPPROTO_UDP, SRC, DST, HF_IP_DF, false, 0, true },
	{ "icmp echo reply", HF_IPPROTO_ICMP, SRC, DST, 0, false, 0, true },
	{ "icmp echo", HF_IPPROTO_ICMP, SRC, DST, 0, false, 8, true },
	{ "icmp timestamp", HF_IPPROTO_ICMP, SRC, DST, 0, false, 13, true },
	{ "icmp timestamp reply", HF_IPPROTO_ICMP, SRC, DST, 0, false, 14,
	  true },
	{ "icmp info", HF_IPPROTO_ICMP, SRC, DST, 0, false, 15, true },
	{ "icmp info reply", HF_IPPROTO_ICMP, SRC, DST, 0, false, 16, true },
	{ "icmp mask", HF_IPPROTO_ICMP, SRC, DST, 0, false, 17, true },
	{ "icmp mask reply", HF_IPPROTO_ICMP, SRC, DST, 0, false, 18, true },
	{ "icmp unreach", HF_IPPROTO_ICMP, SRC, DST, 0, false, 3, false },
	{ "icmp quench", HF_IPPROTO_ICMP, SRC, DST, 0, false, 4, false },
	{ "icmp redirect", HF_IPPROTO_ICMP, SRC, DST, 0, false, 5, false },
	{ "icmp router adv", HF_IPPROTO_ICMP, SRC, DST, 0, false, 9, false },
	{ "icmp router sol", HF_IPPROTO_ICMP, SRC, DST, 0, false, 10, false },
	{ "icmp time exceeded", HF_IPPROTO_ICMP, SRC, DST, 0, false, 11,
	  false },
	{ "icmp param problem", HF_IPPROTO_ICMP, SRC, DST, 0, false, 12,
	  false },
	{ "icmp type 19", HF_IPPROTO_ICMP, SRC, DST, 0, false, 19, false },
	{ "icmp type 255", HF_IPPROTO_ICMP, SRC, DST, 0, false, 255, false },
	{ "icmp no header", HF_IPPROTO_ICMP, SRC, DST, 0, false, -1, false },
	{ "udp no payload", HF_IPPROTO_UDP, SRC, DST, 0, false, -1, true },
	{ "icmp echo, later frag", HF_IPPROTO_ICMP, SRC, DST, 3, false, 8,
	  false },
	{ "icmp echo, first frag", HF_IPPROTO_ICMP, SRC, DST, HF_IP_MF, false,
	  8, true },
	{ "icmp echo, l2 bcast", HF_IPPROTO_ICMP, SRC, DST, 0, true, 8,
	  false },
};

static void test_error_allowed_table(void **state)
{
	uint8_t buf[64] __attribute__((aligned(8)));
	const struct allow_case *c;
	uint32_t ip_len;
	size_t i;
	bool got;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(allow_cases); i++) {
		c = &allow_cases[i];
		ip_len = c->icmp_type < 0 ? IP_HLEN : IP_HLEN + ICMP_HLEN;
		memset(buf, 0, sizeof(buf));
		mk_ip(buf, ip_len, c->proto, c->src, c->dst, c->frag_off,
		      NULL, 0);
		if (c->icmp_type >= 0)
			buf[IP_HLEN] = (uint8_t)c->icmp_type;
		got = hf_icmp_error_allowed((const struct hf_ipv4 *)buf,
					    ip_len, c->l2_mcast);
		if (got != c->want)
			fail_msg("case '%s': got %d, want %d", c->name, got,
				 c->want);
	}
}

/* The ICMP type is read after the options, not at byte 20. */
static void test_error_allowed_options(void **state)
{
	uint8_t buf[64];
	uint8_t opts[4] = { 1, 1, 1, 0 };

	(void)state;
	/* byte 20 looks like "echo", the real type is "unreachable" */
	opts[0] = HF_ICMP_ECHO;
	mk_ip(buf, 24 + ICMP_HLEN, HF_IPPROTO_ICMP, SRC, DST, 0, opts, 4);
	buf[24] = HF_ICMP_DEST_UNREACH;
	assert_false(hf_icmp_error_allowed((const struct hf_ipv4 *)buf,
					   24 + ICMP_HLEN, false));

	/* and the other way round */
	opts[0] = HF_ICMP_DEST_UNREACH;
	mk_ip(buf, 24 + ICMP_HLEN, HF_IPPROTO_ICMP, SRC, DST, 0, opts, 4);
	buf[24] = HF_ICMP_ECHO;
	assert_true(hf_icmp_error_allowed((const struct hf_ipv4 *)buf,
					  24 + ICMP_HLEN, false));

	/* type byte just past ip_len: unreadable, so refused */
	assert_false(hf_icmp_error_allowed((const struct hf_ipv4 *)buf, 24,
					   false));
	/* one byte of ICMP is enough to read the type */
	assert_true(hf_icmp_error_allowed((const struct hf_ipv4 *)buf, 25,
					  false));
}

/* --- hf_icmp_build_error -------------------------------------------- */

struct err_check {
	uint32_t ip_len;
	uint8_t type;
	uint8_t code;
	uint16_t mtu_arg;
	uint16_t want_mtu;
};

/*
 * Build a UDP packet of @c->ip_len bytes behind ETH_ROOM + PREPEND bytes
 * of headroom, turn it into an error and check every byte of the result.
 */
static void run_build_error(const struct err_check *c)
{
	static uint8_t buf[BUF_LEN], orig[BUF_LEN];
	const uint32_t src_be = A(198, 51, 100, 9), dst = A(203, 0, 113, 5);
	const uint32_t me = A(192, 0, 2, 1);
	uint8_t *l3 = buf + ETH_ROOM + PREPEND, *n, *icmp;
	uint32_t quote, out_len = 0, i;
	struct hf_ipv4 *res;

	memset(buf, SENTINEL, sizeof(buf));
	mk_ip(l3, c->ip_len, HF_IPPROTO_UDP, src_be, dst, 0, NULL, 0);
	fill_pattern(l3 + IP_HLEN, c->ip_len - IP_HLEN, c->ip_len);
	memcpy(orig, buf, sizeof(buf));

	res = hf_icmp_build_error((struct hf_ipv4 *)l3, c->ip_len, c->type,
				  c->code, c->mtu_arg, me, &out_len);
	n = (uint8_t *)res;
	assert_ptr_equal(n, l3 - PREPEND);

	quote = c->ip_len < QUOTE_MAX ? c->ip_len : QUOTE_MAX;
	assert_int_equal(out_len, PREPEND + quote);
	assert_true(out_len <= ERR_MAX);

	/* IP header, field by field */
	assert_int_equal(n[0], 0x45);
	assert_int_equal(n[1], 0xc0);
	assert_int_equal(get16(n + 2), out_len);
	assert_int_equal(get16(n + 6) & (HF_IP_DF | HF_IP_MF | HF_IP_OFFMASK),
			 0);
	assert_int_equal(n[8], 64);
	assert_int_equal(n[9], HF_IPPROTO_ICMP);
	assert_memory_equal(n + 12, "\xc0\x00\x02\x01", 4);
	assert_memory_equal(n + 16, "\xc6\x33\x64\x09", 4);
	assert_int_equal(naive_csum(n, IP_HLEN), 0);

	/* ICMP header */
	icmp = n + IP_HLEN;
	assert_int_equal(icmp[0], c->type);
	assert_int_equal(icmp[1], c->code);
	assert_int_equal(get16(icmp + 4), 0);
	assert_int_equal(get16(icmp + 6), c->want_mtu);
	assert_int_equal(naive_csum(icmp, ICMP_HLEN + quote), 0);

	/* the quote is the original packet, unchanged, cut at 576 */
	assert_memory_equal(icmp + ICMP_HLEN, orig + ETH_ROOM + PREPEND,
			    quote);
	/* nothing written in front of the new header or behind the quote */
	for (i = 0; i < ETH_ROOM; i++)
		assert_int_equal(buf[i], SENTINEL);
	assert_memory_equal(l3 + quote, orig + ETH_ROOM + PREPEND + quote,
			    BUF_LEN - (ETH_ROOM + PREPEND + quote));
}

static void test_error_prepend_const(void **state)
{
	(void)state;
	assert_int_equal(HF_ICMP_ERR_PREPEND, PREPEND);
	assert_int_equal(HF_ICMP_ERR_MAX_LEN, ERR_MAX);
}

static void test_error_time_exceeded_1500(void **state)
{
	const struct err_check c = { 1500, HF_ICMP_TIME_EXCEEDED,
				     HF_ICMP_EXC_TTL, 0, 0 };

	(void)state;
	run_build_error(&c);
}

static void test_error_frag_needed(void **state)
{
	const struct err_check c = { 1500, HF_ICMP_DEST_UNREACH,
				     HF_ICMP_FRAG_NEEDED, 1400, 1400 };

	(void)state;
	run_build_error(&c);
}

static void test_error_frag_needed_exact_bytes(void **state)
{
	static uint8_t buf[256];
	uint8_t *l3 = buf + ETH_ROOM + PREPEND;
	uint32_t out_len;
	uint8_t *n;

	(void)state;
	mk_ip(l3, 40, HF_IPPROTO_TCP, A(10, 0, 0, 1), A(10, 9, 9, 9), 0,
	      NULL, 0);
	n = (uint8_t *)hf_icmp_build_error((struct hf_ipv4 *)l3, 40,
					   HF_ICMP_DEST_UNREACH,
					   HF_ICMP_FRAG_NEEDED, 0x05dc,
					   A(10, 0, 0, 254), &out_len);
	/* RFC 1191: unused (16 bits, zero) then next-hop MTU */
	assert_memory_equal(n + IP_HLEN + 4, "\x00\x00\x05\xdc", 4);
	assert_int_equal(out_len, 68);
}

/* MTU is only meaningful for Fragmentation Needed: zero elsewhere. */
static void test_error_other_unreach_ignores_mtu(void **state)
{
	const struct err_check c = { 300, HF_ICMP_DEST_UNREACH,
				     HF_ICMP_HOST_UNREACH, 1400, 0 };

	(void)state;
	run_build_error(&c);
}

static void test_error_small_and_boundary(void **state)
{
	static const uint32_t lens[] = { 20, 21, 28, 60, 547, 548, 549, 575,
					 576, 577, 1499, 1500, 1501 };
	struct err_check c = { 0, HF_ICMP_TIME_EXCEEDED, HF_ICMP_EXC_TTL, 0,
			       0 };
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(lens); i++) {
		c.ip_len = lens[i];
		run_build_error(&c);
	}
}

/* The old header with options is quoted whole, options included. */
static void test_error_quotes_options(void **state)
{
	static uint8_t buf[256];
	static const uint8_t opts[8] = { 0x94, 4, 0, 0, 1, 1, 1, 0 };
	uint8_t *l3 = buf + ETH_ROOM + PREPEND, orig[100];
	uint32_t out_len;
	uint8_t *n;

	(void)state;
	mk_ip(l3, 100, HF_IPPROTO_UDP, A(10, 0, 0, 1), A(10, 9, 9, 9), 0,
	      opts, sizeof(opts));
	fill_pattern(l3 + 28, 72, 3);
	memcpy(orig, l3, sizeof(orig));
	n = (uint8_t *)hf_icmp_build_error((struct hf_ipv4 *)l3, 100,
					   HF_ICMP_PARAMETERPROB, 0, 0,
					   A(10, 0, 0, 254), &out_len);
	assert_int_equal(out_len, PREPEND + 100);
	assert_int_equal(n[0], 0x45);
	assert_memory_equal(n + PREPEND, orig, sizeof(orig));
	assert_int_equal(naive_csum(n, IP_HLEN), 0);
	assert_int_equal(naive_csum(n + IP_HLEN, ICMP_HLEN + 100), 0);
}

/* --- hf_icmp_echo_reply --------------------------------------------- */

/* Echo request: @opt_len bytes of NOP options, @data bytes of payload,
 * id 0x1234 seq 7, valid checksums. Returns ip_len. */
static uint32_t mk_echo(uint8_t *p, uint32_t opt_len, uint32_t data)
{
	uint32_t hlen = IP_HLEN + opt_len, ip_len = hlen + ICMP_HLEN + data;
	uint8_t *icmp = p + hlen;

	mk_ip(p, ip_len, HF_IPPROTO_ICMP, A(10, 0, 0, 2), A(10, 0, 0, 1), 0,
	      NULL, opt_len);
	icmp[0] = HF_ICMP_ECHO;
	icmp[1] = 0;
	put16(icmp + 2, 0);
	put16(icmp + 4, 0x1234);
	put16(icmp + 6, 7);
	fill_pattern(icmp + ICMP_HLEN, data, data);
	put16(icmp + 2, naive_csum(icmp, ICMP_HLEN + data));
	return ip_len;
}

static void check_reply(const uint8_t *p, const uint8_t *req,
			uint32_t hlen, uint32_t ip_len)
{
	const uint8_t *icmp = p + hlen;
	uint8_t scratch[BUF_LEN];
	uint32_t icmp_len = ip_len - hlen;

	assert_memory_equal(p + 12, req + 16, 4);
	assert_memory_equal(p + 16, req + 12, 4);
	assert_int_equal(p[8], 64);
	/* everything else in the IP header is as received */
	assert_memory_equal(p, req, 8);
	assert_int_equal(p[9], req[9]);
	assert_memory_equal(p + IP_HLEN, req + IP_HLEN, hlen - IP_HLEN);
	assert_int_equal(naive_csum(p, hlen), 0);

	assert_int_equal(icmp[0], HF_ICMP_ECHOREPLY);
	assert_int_equal(icmp[1], 0);
	assert_memory_equal(icmp + 4, req + hlen + 4, icmp_len - 4);
	assert_int_equal(naive_csum(icmp, icmp_len), 0);
	/* the incremental result equals a from-scratch checksum */
	memcpy(scratch, icmp, icmp_len);
	put16(scratch + 2, 0);
	assert_int_equal(get16(icmp + 2), naive_csum(scratch, icmp_len));
}

static void test_echo_reply_basic(void **state)
{
	static const uint32_t sizes[] = { 0, 1, 7, 56, 57, 1472 };
	uint8_t p[BUF_LEN], req[BUF_LEN];
	uint32_t ip_len;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		ip_len = mk_echo(p, 0, sizes[i]);
		memcpy(req, p, ip_len);
		assert_int_equal(hf_icmp_echo_reply((struct hf_ipv4 *)p,
						    ip_len), 0);
		check_reply(p, req, IP_HLEN, ip_len);
	}
}

static void test_echo_reply_options(void **state)
{
	uint8_t p[BUF_LEN], req[BUF_LEN];
	uint32_t ip_len;

	(void)state;
	ip_len = mk_echo(p, 8, 33);
	memcpy(req, p, ip_len);
	assert_int_equal(hf_icmp_echo_reply((struct hf_ipv4 *)p, ip_len), 0);
	check_reply(p, req, IP_HLEN + 8, ip_len);
}

/* Ethernet padding behind ip_len is not part of the ICMP checksum. */
static void test_echo_reply_ignores_padding(void **state)
{
	uint8_t p[BUF_LEN], req[BUF_LEN];
	uint32_t ip_len;

	(void)state;
	memset(p, 0x5a, sizeof(p));
	ip_len = mk_echo(p, 0, 4);
	memcpy(req, p, sizeof(p));
	assert_int_equal(hf_icmp_echo_reply((struct hf_ipv4 *)p, ip_len), 0);
	check_reply(p, req, IP_HLEN, ip_len);
	assert_memory_equal(p + ip_len, req + ip_len, 64);
}

/* Each refusal leaves the packet exactly as it was. */
static void expect_refused(uint8_t *p, uint32_t ip_len)
{
	uint8_t before[BUF_LEN];

	memcpy(before, p, ip_len);
	assert_int_equal(hf_icmp_echo_reply((struct hf_ipv4 *)p, ip_len),
			 -EINVAL);
	assert_memory_equal(p, before, ip_len);
}

static void test_echo_reply_bad_csum(void **state)
{
	uint8_t p[BUF_LEN];
	uint32_t ip_len;

	(void)state;
	ip_len = mk_echo(p, 0, 56);
	p[IP_HLEN + 2] ^= 0x01;
	expect_refused(p, ip_len);

	/* payload corrupted, checksum stale */
	ip_len = mk_echo(p, 0, 56);
	p[ip_len - 1] ^= 0x80;
	expect_refused(p, ip_len);

	/* checksum computed over more than ip_len does not count */
	ip_len = mk_echo(p, 0, 56);
	expect_refused(p, ip_len - 1);
}

static void test_echo_reply_refusals(void **state)
{
	uint8_t p[BUF_LEN];
	uint32_t ip_len;
	uint8_t *icmp = p + IP_HLEN;

	(void)state;
	/* already a reply */
	ip_len = mk_echo(p, 0, 8);
	icmp[0] = HF_ICMP_ECHOREPLY;
	put16(icmp + 2, 0);
	put16(icmp + 2, naive_csum(icmp, ip_len - IP_HLEN));
	expect_refused(p, ip_len);

	/* timestamp request */
	ip_len = mk_echo(p, 0, 12);
	icmp[0] = 13;
	put16(icmp + 2, 0);
	put16(icmp + 2, naive_csum(icmp, ip_len - IP_HLEN));
	expect_refused(p, ip_len);

	/* not ICMP */
	ip_len = mk_echo(p, 0, 8);
	p[9] = HF_IPPROTO_UDP;
	put16(p + 10, 0);
	put16(p + 10, naive_csum(p, IP_HLEN));
	expect_refused(p, ip_len);

	/* first fragment (MF) */
	ip_len = mk_echo(p, 0, 8);
	put16(p + 6, HF_IP_MF);
	put16(p + 10, 0);
	put16(p + 10, naive_csum(p, IP_HLEN));
	expect_refused(p, ip_len);

	/* later fragment */
	ip_len = mk_echo(p, 0, 8);
	put16(p + 6, 1);
	put16(p + 10, 0);
	put16(p + 10, naive_csum(p, IP_HLEN));
	expect_refused(p, ip_len);

	/* ICMP shorter than its header: 7 bytes, checksum valid over them */
	mk_ip(p, IP_HLEN + 7, HF_IPPROTO_ICMP, A(10, 0, 0, 2),
	      A(10, 0, 0, 1), 0, NULL, 0);
	memset(icmp, 0, 7);
	icmp[0] = HF_ICMP_ECHO;
	put16(icmp + 2, naive_csum(icmp, 7));
	expect_refused(p, IP_HLEN + 7);

	/* no ICMP at all */
	mk_ip(p, IP_HLEN, HF_IPPROTO_ICMP, A(10, 0, 0, 2), A(10, 0, 0, 1), 0,
	      NULL, 0);
	expect_refused(p, IP_HLEN);
}

/* DF is not a fragment: the request is answered. */
static void test_echo_reply_df(void **state)
{
	uint8_t p[BUF_LEN], req[BUF_LEN];
	uint32_t ip_len;

	(void)state;
	ip_len = mk_echo(p, 0, 20);
	put16(p + 6, HF_IP_DF);
	put16(p + 10, 0);
	put16(p + 10, naive_csum(p, IP_HLEN));
	memcpy(req, p, ip_len);
	assert_int_equal(hf_icmp_echo_reply((struct hf_ipv4 *)p, ip_len), 0);
	check_reply(p, req, IP_HLEN, ip_len);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_error_allowed_table),
		cmocka_unit_test(test_error_allowed_options),
		cmocka_unit_test(test_error_prepend_const),
		cmocka_unit_test(test_error_time_exceeded_1500),
		cmocka_unit_test(test_error_frag_needed),
		cmocka_unit_test(test_error_frag_needed_exact_bytes),
		cmocka_unit_test(test_error_other_unreach_ignores_mtu),
		cmocka_unit_test(test_error_small_and_boundary),
		cmocka_unit_test(test_error_quotes_options),
		cmocka_unit_test(test_echo_reply_basic),
		cmocka_unit_test(test_echo_reply_options),
		cmocka_unit_test(test_echo_reply_ignores_padding),
		cmocka_unit_test(test_echo_reply_bad_csum),
		cmocka_unit_test(test_echo_reply_refusals),
		cmocka_unit_test(test_echo_reply_df),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
