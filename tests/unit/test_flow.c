// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_flow.c - fwd/flow.h: session keys of packets, table-driven.
 * Packets are built byte by byte here, sharing no code with pkt/hdr.h.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "fwd/flow.h"

#define A	0xc6120102u	/* 198.18.1.2 */
#define B	0xc6130001u	/* 198.19.0.1 */
#define R	0xc6120201u	/* 198.18.2.1, a router */

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* IPv4 header (no options) at @p; returns its length. Checksum is not
 * looked at by hf_flow_of. */
static uint32_t ip4(uint8_t *p, uint32_t src, uint32_t dst, uint8_t proto,
		    uint16_t frag, uint32_t payload)
{
	memset(p, 0, 20);
	p[0] = 0x45;
	put16(p + 2, (uint16_t)(20 + payload));
	put16(p + 6, frag);
	p[8] = 64;
	p[9] = proto;
	put32(p + 12, src);
	put32(p + 16, dst);
	return 20;
}

static uint32_t tcp(uint8_t *p, uint16_t sp, uint16_t dp, uint8_t flags)
{
	memset(p, 0, 20);
	put16(p, sp);
	put16(p + 2, dp);
	p[12] = 5 << 4;
	p[13] = flags;
	return 20;
}

static uint32_t udp(uint8_t *p, uint16_t sp, uint16_t dp)
{
	memset(p, 0, 8);
	put16(p, sp);
	put16(p + 2, dp);
	put16(p + 4, 8);
	return 8;
}

static uint32_t icmp(uint8_t *p, uint8_t type, uint16_t id)
{
	memset(p, 0, 8);
	p[0] = type;
	put16(p + 4, id);
	put16(p + 6, 1);
	return 8;
}

static enum hf_flow_result flow(const uint8_t *pkt, uint32_t len,
				struct hf_flow *f)
{
	return hf_flow_of((const struct hf_ipv4 *)pkt, len, f);
}

static void expect_key(const struct hf_flow *f, uint32_t s, uint32_t d,
		       uint16_t sp, uint16_t dp, uint8_t proto)
{
	assert_int_equal(f->key.saddr, s);
	assert_int_equal(f->key.daddr, d);
	assert_int_equal(f->key.sport, sp);
	assert_int_equal(f->key.dport, dp);
	assert_int_equal(f->key.proto, proto);
	assert_int_equal(f->key.zone, 0);
	assert_int_equal(f->key.pad, 0);
}

static void test_tcp_udp(void **state)
{
	uint8_t p[128];
	struct hf_flow f;
	uint32_t n;

	(void)state;
	n = ip4(p, A, B, 6, 0, 20);
	n += tcp(p + n, 40000, 443, 0x02);
	assert_int_equal(flow(p, n, &f), HF_FLOW_OK);
	expect_key(&f, A, B, 40000, 443, 6);
	assert_int_equal(f.tcp_flags, 0x02);
	assert_true(f.has_ports && f.may_open && !f.icmp_error);
	/* a first fragment (MF, offset 0) still has its ports */
	ip4(p, A, B, 6, 0x2000, 20);
	assert_int_equal(flow(p, n, &f), HF_FLOW_OK);
	assert_int_equal(f.key.dport, 443);
	/* a later one has none */
	ip4(p, A, B, 6, 0x0010, 20);
	assert_int_equal(flow(p, n, &f), HF_FLOW_LATER_FRAGMENT);
	/* TCP shorter than its minimal header: cannot trust the flags */
	ip4(p, A, B, 6, 0, 13);
	assert_int_equal(flow(p, 20 + 13, &f), HF_FLOW_TRUNCATED);
	assert_int_equal(flow(p, 20 + 19, &f), HF_FLOW_TRUNCATED);

	n = ip4(p, B, A, 17, 0, 8);
	n += udp(p + n, 53, 5353);
	assert_int_equal(flow(p, n, &f), HF_FLOW_OK);
	expect_key(&f, B, A, 53, 5353, 17);
	assert_int_equal(f.tcp_flags, 0);
	assert_int_equal(flow(p, n - 1, &f), HF_FLOW_TRUNCATED);
}

static void test_icmp_queries(void **state)
{
	static const struct {
		uint8_t type;
		bool request;
	} cases[] = {
		{ 8, true }, { 0, false }, { 13, true }, { 14, false },
		{ 15, true }, { 16, false }, { 17, true }, { 18, false },
	};
	uint8_t p[64];
	struct hf_flow f;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint32_t n = ip4(p, A, B, 1, 0, 8);

		n += icmp(p + n, cases[i].type, 0x1234);
		assert_int_equal(flow(p, n, &f), HF_FLOW_OK);
		if (cases[i].request)
			expect_key(&f, A, B, 0x1234, 0, 1);
		else
			expect_key(&f, A, B, 0, 0x1234, 1);
		assert_int_equal(f.may_open, cases[i].request);
		assert_false(f.has_ports || f.icmp_error);
	}
	/* other informational types: address pair only, may open */
	ip4(p, A, B, 1, 0, 8);
	icmp(p + 20, 9, 0x1234);	/* router advertisement */
	assert_int_equal(flow(p, 28, &f), HF_FLOW_OK);
	expect_key(&f, A, B, 0, 0, 1);
	assert_true(f.may_open);
	assert_int_equal(flow(p, 27, &f), HF_FLOW_TRUNCATED);
	/* another protocol: address pair */
	ip4(p, A, B, 47, 0, 4);
	assert_int_equal(flow(p, 24, &f), HF_FLOW_OK);
	expect_key(&f, A, B, 0, 0, 47);
	assert_true(f.may_open);
}

/* An ICMP error from R to A about a packet A sent to B. */
static uint32_t error_about(uint8_t *p, uint8_t type, uint8_t proto,
			    uint16_t inner_frag, uint32_t quoted_l4)
{
	uint32_t n = ip4(p, R, A, 1, 0, 8 + 20 + quoted_l4);

	n += icmp(p + n, type, 0);
	p[n - 4] = p[n - 3] = 0;	/* unused word */
	n += ip4(p + n, A, B, proto, inner_frag, 100);
	if (proto == 6)
		tcp(p + n, 40000, 443, 0x02);
	else if (proto == 17)
		udp(p + n, 33434, 33435);
	else
		icmp(p + n, 8, 0x0777);
	return n + quoted_l4;
}

static void test_icmp_errors(void **state)
{
	static const uint8_t types[] = { 3, 11, 12, 4, 5 };
	uint8_t p[128];
	struct hf_flow f;
	uint32_t n;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(types); i++) {
		n = error_about(p, types[i], 17, 0, 8);
		assert_int_equal(flow(p, n, &f), HF_FLOW_OK);
		/* the quoted A->B flow, reversed: the session's reply key */
		expect_key(&f, B, A, 33435, 33434, 17);
		assert_true(f.icmp_error && f.has_ports && !f.may_open);
	}
	/* only 8 bytes of TCP are quoted: ports, no flags */
	n = error_about(p, 3, 6, 0, 8);
	assert_int_equal(flow(p, n, &f), HF_FLOW_OK);
	expect_key(&f, B, A, 443, 40000, 6);
	assert_int_equal(f.tcp_flags, 0);
	/* a quoted echo request: the identifier lands where a reply has it */
	n = error_about(p, 11, 1, 0, 8);
	assert_int_equal(flow(p, n, &f), HF_FLOW_OK);
	expect_key(&f, B, A, 0, 0x0777, 1);
	/* a quoted later fragment: address pair only */
	n = error_about(p, 3, 17, 0x0020, 8);
	assert_int_equal(flow(p, n, &f), HF_FLOW_OK);
	expect_key(&f, B, A, 0, 0, 17);
	/* RFC 792 promises the header + 64 bits: less is truncated */
	n = error_about(p, 3, 17, 0, 8);
	assert_int_equal(flow(p, n - 1, &f), HF_FLOW_TRUNCATED);
	assert_int_equal(flow(p, 20 + 8 + 19, &f), HF_FLOW_TRUNCATED);
	assert_int_equal(flow(p, 20 + 7, &f), HF_FLOW_TRUNCATED);
	/* a quoted header claiming IHL < 5 */
	n = error_about(p, 3, 17, 0, 8);
	p[28] = 0x44;
	assert_int_equal(flow(p, n, &f), HF_FLOW_TRUNCATED);
	/* an error that is itself a later fragment cannot be read */
	n = error_about(p, 3, 17, 0, 8);
	put16(p + 6, 0x0001);
	assert_int_equal(flow(p, n, &f), HF_FLOW_LATER_FRAGMENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tcp_udp),
		cmocka_unit_test(test_icmp_queries),
		cmocka_unit_test(test_icmp_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
