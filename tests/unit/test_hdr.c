// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_hdr.c - pkt/hdr.h frame parsers (Ethernet, IPv4, ARP), TTL
 * decrement, MAC classes, and pkt/martian.h address classes.
 * Every frame is built into a heap buffer of exactly its length, so
 * ASan catches any read past the end.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "pkt/hdr.h"
#include "pkt/martian.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* Ethernet header + IPv4 header of @ihl words, total length @tot. */
static size_t build_ipv4(uint8_t *f, uint8_t ver, uint8_t ihl, uint16_t tot,
			 size_t payload_and_pad, int fix_csum)
{
	uint8_t *ip = f + HF_ETH_HLEN;
	size_t hlen = (size_t)ihl * 4, i;
	uint16_t c;

	memset(f, 0, HF_ETH_HLEN);
	memcpy(f, (const uint8_t[]){ 0x02, 0, 0, 0, 0, 1 }, 6);
	memcpy(f + 6, (const uint8_t[]){ 0x02, 0, 0, 0, 0, 2 }, 6);
	put16(f + 12, HF_ETH_P_IPV4);
	if (hlen < 20)
		hlen = 20;	/* still write a full base header */
	memset(ip, 0, hlen);
	ip[0] = (uint8_t)(ver << 4 | ihl);
	put16(ip + 2, tot);
	put16(ip + 4, 0x1234);
	ip[8] = 64;
	ip[9] = HF_IPPROTO_UDP;
	memcpy(ip + 12, (const uint8_t[]){ 198, 18, 0, 1 }, 4);
	memcpy(ip + 16, (const uint8_t[]){ 198, 19, 0, 1 }, 4);
	for (i = 20; i < hlen; i++)
		ip[i] = 1;	/* NOP options */
	for (i = 0; i < payload_and_pad; i++)
		ip[hlen + i] = (uint8_t)i;
	if (fix_csum) {
		c = hf_csum(ip, (ihl >= 5 ? ihl : 5) * 4u);
		memcpy(ip + 10, &c, 2);
	}
	return HF_ETH_HLEN + hlen + payload_and_pad;
}

/* ---- Ethernet ---- */

static void test_parse_eth(void **state)
{
	static const struct {
		uint32_t len;
		uint16_t type;
		enum hf_parse_result want;
	} cases[] = {
		{ 0, 0x0800, HF_PARSE_RUNT },
		{ 1, 0x0800, HF_PARSE_RUNT },
		{ 13, 0x0800, HF_PARSE_RUNT },
		{ 14, 0x0800, HF_PARSE_OK },
		{ 60, 0x0800, HF_PARSE_OK },
		{ 60, 0x0806, HF_PARSE_OK },
		{ 60, 0x8100, HF_PARSE_VLAN },
		{ 60, 0x88a8, HF_PARSE_VLAN },
		{ 14, 0x8100, HF_PARSE_VLAN },
		{ 60, 0x86dd, HF_PARSE_ETHERTYPE },
		{ 60, 0x8035, HF_PARSE_ETHERTYPE },	/* RARP */
		{ 60, 0x0000, HF_PARSE_ETHERTYPE },
		{ 60, 0x0008, HF_PARSE_ETHERTYPE },	/* byte-swapped IPv4 */
		{ 60, 0x0608, HF_PARSE_ETHERTYPE },
		{ 60, 0x002e, HF_PARSE_ETHERTYPE },	/* 802.3 length */
		{ 60, 0x9100, HF_PARSE_ETHERTYPE },
		{ 60, 0xffff, HF_PARSE_ETHERTYPE },
	};
	size_t i;

	(void)state;
	for (i = 0; i < N(cases); i++) {
		uint8_t *f = malloc(cases[i].len ? cases[i].len : 1);
		uint16_t type = 0xbeef;
		enum hf_parse_result r;

		assert_non_null(f);
		memset(f, 0xaa, cases[i].len);
		if (cases[i].len >= 14)
			put16(f + 12, cases[i].type);
		r = hf_parse_eth(f, cases[i].len, &type);
		if (r != cases[i].want)
			fail_msg("case %zu (len %u type %04x): got %d want %d",
				 i, cases[i].len, cases[i].type, r,
				 cases[i].want);
		if (r == HF_PARSE_OK)
			assert_int_equal(type, cases[i].type);
		else
			assert_int_equal(type, 0xbeef);
		free(f);
	}
}

/* ---- IPv4 ---- */

struct ip_case {
	const char *name;
	uint8_t ver, ihl;
	uint16_t tot;		/* IP total length field */
	size_t extra;		/* bytes after the header (payload + pad) */
	int fix_csum;
	int corrupt;		/* flip a bit after the checksum */
	uint32_t avail_cut;	/* when non-zero: only give this many bytes */
	enum hf_parse_result want;
	uint32_t want_len;
};

static const struct ip_case ip_cases[] = {
	{ "minimal", 4, 5, 20, 0, 1, 0, 0, HF_PARSE_OK, 20 },
	{ "payload", 4, 5, 28, 8, 1, 0, 0, HF_PARSE_OK, 28 },
	{ "padded to 60", 4, 5, 28, 26, 1, 0, 0, HF_PARSE_OK, 28 },
	{ "large pad", 4, 5, 21, 1000, 1, 0, 0, HF_PARSE_OK, 21 },
	{ "options ihl 6", 4, 6, 24, 0, 1, 0, 0, HF_PARSE_OK, 24 },
	{ "options ihl 6 payload", 4, 6, 64, 40, 1, 0, 0, HF_PARSE_OK, 64 },
	{ "options ihl 15", 4, 15, 60, 0, 1, 0, 0, HF_PARSE_OK, 60 },
	{ "truncated 0", 4, 5, 20, 0, 1, 0, 0xffffffff, HF_PARSE_IP_TRUNC, 0 },
	{ "truncated 19", 4, 5, 20, 0, 1, 0, 19, HF_PARSE_IP_TRUNC, 0 },
	{ "truncated 1", 4, 5, 20, 0, 1, 0, 1, HF_PARSE_IP_TRUNC, 0 },
	{ "options truncated", 4, 6, 24, 0, 1, 0, 22, HF_PARSE_IP_TRUNC, 0 },
	{ "ihl 15 truncated", 4, 15, 60, 0, 1, 0, 59, HF_PARSE_IP_TRUNC, 0 },
	{ "version 6", 6, 5, 20, 0, 1, 0, 0, HF_PARSE_IP_VERSION, 0 },
	{ "version 0", 0, 5, 20, 0, 1, 0, 0, HF_PARSE_IP_VERSION, 0 },
	{ "version 5", 5, 5, 20, 0, 1, 0, 0, HF_PARSE_IP_VERSION, 0 },
	{ "version 15", 15, 5, 20, 0, 1, 0, 0, HF_PARSE_IP_VERSION, 0 },
	{ "ihl 4", 4, 4, 20, 0, 1, 0, 0, HF_PARSE_IP_IHL, 0 },
	{ "ihl 0", 4, 0, 20, 0, 1, 0, 0, HF_PARSE_IP_IHL, 0 },
	{ "totlen 19", 4, 5, 19, 8, 1, 0, 0, HF_PARSE_IP_TOTLEN, 0 },
	{ "totlen 0", 4, 5, 0, 8, 1, 0, 0, HF_PARSE_IP_TOTLEN, 0 },
	{ "totlen 20 < ihl 6", 4, 6, 20, 8, 1, 0, 0, HF_PARSE_IP_TOTLEN, 0 },
	{ "totlen > frame", 4, 5, 29, 8, 1, 0, 0, HF_PARSE_IP_TRUNC, 0 },
	{ "totlen 65535", 4, 5, 65535, 100, 1, 0, 0, HF_PARSE_IP_TRUNC, 0 },
	{ "bad checksum", 4, 5, 20, 0, 0, 0, 0, HF_PARSE_IP_CSUM, 0 },
	{ "corrupted header", 4, 5, 28, 8, 1, 1, 0, HF_PARSE_IP_CSUM, 0 },
	{ "options bad checksum", 4, 6, 24, 0, 1, 2, 0, HF_PARSE_IP_CSUM, 0 },
};

static void test_parse_ipv4(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < N(ip_cases); i++) {
		const struct ip_case *c = &ip_cases[i];
		uint8_t *tmp = calloc(1, 14 + 60 + c->extra + 64);
		uint8_t *l3;
		size_t flen;
		uint32_t avail, ip_len = 0xdeadbeef;
		enum hf_parse_result r;

		assert_non_null(tmp);
		flen = build_ipv4(tmp, c->ver, c->ihl, c->tot, c->extra,
				  c->fix_csum);
		if (c->corrupt == 1)
			tmp[HF_ETH_HLEN + 8] ^= 0x01;	/* TTL */
		if (c->corrupt == 2)
			tmp[HF_ETH_HLEN + 21] ^= 0x40;	/* an option byte */
		avail = (uint32_t)(flen - HF_ETH_HLEN);
		if (c->avail_cut == 0xffffffff)
			avail = 0;
		else if (c->avail_cut)
			avail = c->avail_cut;
		/* copy exactly @avail bytes to the heap: ASan guards the end */
		l3 = malloc(avail ? avail : 1);
		assert_non_null(l3);
		memcpy(l3, tmp + HF_ETH_HLEN, avail);
		r = hf_parse_ipv4(l3, avail, &ip_len);
		if (r != c->want)
			fail_msg("%s: got %d want %d", c->name, r, c->want);
		if (r == HF_PARSE_OK)
			assert_int_equal(ip_len, c->want_len);
		else
			assert_int_equal(ip_len, 0xdeadbeef);
		free(l3);
		free(tmp);
	}
}

/* Full-frame flow: a 60-byte minimum frame with a 28-byte IP packet. */
static void test_padded_frame(void **state)
{
	uint8_t f[HF_ETH_MIN_FRAME];
	uint16_t type;
	uint32_t ip_len;
	size_t n;

	(void)state;
	memset(f, 0, sizeof(f));
	n = build_ipv4(f, 4, 5, 28, 8, 1);
	assert_int_equal(n, 42);
	/* the rest up to 60 stays as (zero) Ethernet padding */
	assert_int_equal(hf_parse_eth(f, sizeof(f), &type), HF_PARSE_OK);
	assert_int_equal(type, HF_ETH_P_IPV4);
	assert_int_equal(hf_parse_ipv4(f + HF_ETH_HLEN,
				       sizeof(f) - HF_ETH_HLEN, &ip_len),
			 HF_PARSE_OK);
	assert_int_equal(ip_len, 28);
	/* non-zero padding is ignored too */
	memset(f + n, 0xee, sizeof(f) - n);
	assert_int_equal(hf_parse_ipv4(f + HF_ETH_HLEN,
				       sizeof(f) - HF_ETH_HLEN, &ip_len),
			 HF_PARSE_OK);
	assert_int_equal(ip_len, 28);
}

static void test_fragment_helpers(void **state)
{
	struct hf_ipv4 ip;

	(void)state;
	memset(&ip, 0, sizeof(ip));
	ip.frag_off = htons(HF_IP_DF);
	assert_false(hf_ipv4_is_fragment(&ip));
	assert_false(hf_ipv4_is_later_fragment(&ip));
	ip.frag_off = htons(HF_IP_MF);
	assert_true(hf_ipv4_is_fragment(&ip));
	assert_false(hf_ipv4_is_later_fragment(&ip));
	ip.frag_off = htons(185);
	assert_true(hf_ipv4_is_fragment(&ip));
	assert_true(hf_ipv4_is_later_fragment(&ip));
	ip.frag_off = htons(HF_IP_DF | 1);
	assert_true(hf_ipv4_is_fragment(&ip));
	assert_true(hf_ipv4_is_later_fragment(&ip));
	ip.ver_ihl = 0x46;
	assert_int_equal(hf_ipv4_hlen(&ip), 24);
}

/* ---- TTL ---- */

static void test_dec_ttl(void **state)
{
	static const uint8_t ttls[] = { 255, 128, 64, 2, 1 };
	static const uint8_t protos[] = { 1, 6, 17, 0xff, 0 };
	uint8_t f[14 + 24];
	struct hf_ipv4 *ip;
	size_t i, k;
	uint32_t ip_len;
	uint16_t c;

	(void)state;
	for (i = 0; i < N(ttls); i++)
		for (k = 0; k < N(protos); k++) {
			uint8_t ihl = (uint8_t)(5 + (k & 1));

			build_ipv4(f, 4, ihl, (uint16_t)(ihl * 4), 0, 0);
			ip = (struct hf_ipv4 *)(f + HF_ETH_HLEN);
			ip->ttl = ttls[i];
			ip->protocol = protos[k];
			ip->check = 0;
			c = hf_csum(ip, ihl * 4u);
			ip->check = c;
			hf_ipv4_dec_ttl(ip);
			assert_int_equal(ip->ttl, ttls[i] - 1);
			assert_int_equal(ip->protocol, protos[k]);
			assert_int_equal(hf_csum(ip, ihl * 4u), 0);
			assert_int_equal(hf_parse_ipv4(f + HF_ETH_HLEN,
						       ihl * 4u, &ip_len),
					 HF_PARSE_OK);
			/* equals a from-scratch checksum */
			c = ip->check;
			ip->check = 0;
			assert_int_equal(hf_csum(ip, ihl * 4u), c);
			ip->check = c;
		}

	/* repeated decrement from 255 down to 0 stays valid */
	build_ipv4(f, 4, 5, 20, 0, 0);
	ip = (struct hf_ipv4 *)(f + HF_ETH_HLEN);
	ip->ttl = 255;
	ip->check = 0;
	ip->check = hf_csum(ip, 20);
	while (ip->ttl) {
		hf_ipv4_dec_ttl(ip);
		assert_int_equal(hf_csum(ip, 20), 0);
	}
}

/* ---- ARP ---- */

static size_t build_arp(uint8_t *p, uint16_t htype, uint16_t ptype,
			uint8_t hlen, uint8_t plen)
{
	put16(p, htype);
	put16(p + 2, ptype);
	p[4] = hlen;
	p[5] = plen;
	put16(p + 6, HF_ARP_REQUEST);
	memcpy(p + 8, (const uint8_t[]){ 0x02, 0, 0, 0, 0, 9 }, 6);
	memcpy(p + 14, (const uint8_t[]){ 10, 0, 0, 1 }, 4);
	memset(p + 18, 0, 6);
	memcpy(p + 24, (const uint8_t[]){ 10, 0, 0, 2 }, 4);
	return 28;
}

static void test_parse_arp(void **state)
{
	static const struct {
		const char *name;
		uint16_t htype, ptype;
		uint8_t hlen, plen;
		uint32_t avail;
		enum hf_parse_result want;
	} cases[] = {
		{ "valid", 1, 0x0800, 6, 4, 28, HF_PARSE_OK },
		{ "valid padded", 1, 0x0800, 6, 4, 46, HF_PARSE_OK },
		{ "short 27", 1, 0x0800, 6, 4, 27, HF_PARSE_ARP_BAD },
		{ "short 8", 1, 0x0800, 6, 4, 8, HF_PARSE_ARP_BAD },
		{ "empty", 1, 0x0800, 6, 4, 0, HF_PARSE_ARP_BAD },
		{ "htype 6 (IEEE 802)", 6, 0x0800, 6, 4, 28, HF_PARSE_ARP_BAD },
		{ "htype 0x0100", 0x0100, 0x0800, 6, 4, 28, HF_PARSE_ARP_BAD },
		{ "ptype ipv6", 1, 0x86dd, 6, 4, 28, HF_PARSE_ARP_BAD },
		{ "ptype swapped", 1, 0x0008, 6, 4, 28, HF_PARSE_ARP_BAD },
		{ "hlen 8", 1, 0x0800, 8, 4, 28, HF_PARSE_ARP_BAD },
		{ "plen 16", 1, 0x0800, 6, 16, 28, HF_PARSE_ARP_BAD },
	};
	size_t i;

	(void)state;
	assert_int_equal(sizeof(struct hf_arp), 28);
	for (i = 0; i < N(cases); i++) {
		uint8_t tmp[64];
		uint8_t *p;
		enum hf_parse_result r;

		memset(tmp, 0, sizeof(tmp));
		build_arp(tmp, cases[i].htype, cases[i].ptype, cases[i].hlen,
			  cases[i].plen);
		p = malloc(cases[i].avail ? cases[i].avail : 1);
		assert_non_null(p);
		memcpy(p, tmp, cases[i].avail);
		r = hf_parse_arp(p, cases[i].avail);
		if (r != cases[i].want)
			fail_msg("%s: got %d want %d", cases[i].name, r,
				 cases[i].want);
		free(p);
	}
}

static void test_struct_layout(void **state)
{
	(void)state;
	assert_int_equal(sizeof(struct hf_eth), 14);
	assert_int_equal(sizeof(struct hf_ipv4), 20);
	assert_int_equal(sizeof(struct hf_icmp), 8);
	assert_int_equal(offsetof(struct hf_ipv4, ttl), 8);
	assert_int_equal(offsetof(struct hf_ipv4, check), 10);
	assert_int_equal(offsetof(struct hf_arp, spa), 14);
	assert_int_equal(offsetof(struct hf_arp, tpa), 24);
}

/* ---- MAC classes ---- */

static void test_mac_classes(void **state)
{
	static const struct {
		uint8_t mac[6];
		bool mcast, zero, bcast;
	} cases[] = {
		{ { 0, 0, 0, 0, 0, 0 }, false, true, false },
		{ { 0, 0, 0, 0, 0, 1 }, false, false, false },
		{ { 0x02, 0x11, 0x22, 0x33, 0x44, 0x55 }, false, false, false },
		{ { 0x01, 0x00, 0x5e, 0, 0, 1 }, true, false, false },
		{ { 0x33, 0x33, 0, 0, 0, 1 }, true, false, false },
		{ { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff }, true, false, true },
		{ { 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe }, true, false, false },
		{ { 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff }, false, false, false },
	};
	size_t i;

	(void)state;
	for (i = 0; i < N(cases); i++) {
		assert_int_equal(hf_mac_is_multicast(cases[i].mac),
				 cases[i].mcast);
		assert_int_equal(hf_mac_is_zero(cases[i].mac), cases[i].zero);
		assert_int_equal(hf_mac_is_broadcast(cases[i].mac),
				 cases[i].bcast);
	}
}

/* ---- martians ---- */

#define IP(a, b, c, d) \
	((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))

static void test_martian(void **state)
{
	static const struct {
		uint32_t ip;
		bool mcast, lbcast, reserved, src_martian, dst_martian;
	} cases[] = {
		/* ip                    mcast  lbcast reserv src    dst */
		{ IP(0, 0, 0, 0),         false, false, true,  true,  true },
		{ IP(0, 255, 255, 255),   false, false, true,  true,  true },
		{ IP(1, 0, 0, 0),         false, false, false, false, false },
		{ IP(8, 8, 8, 8),         false, false, false, false, false },
		{ IP(10, 0, 0, 1),        false, false, false, false, false },
		{ IP(126, 255, 255, 255), false, false, false, false, false },
		{ IP(127, 0, 0, 1),       false, false, true,  true,  true },
		{ IP(127, 255, 255, 255), false, false, true,  true,  true },
		{ IP(128, 0, 0, 0),       false, false, false, false, false },
		{ IP(169, 253, 255, 255), false, false, false, false, false },
		{ IP(169, 254, 0, 0),     false, false, true,  true,  true },
		{ IP(169, 254, 1, 1),     false, false, true,  true,  true },
		{ IP(169, 254, 255, 255), false, false, true,  true,  true },
		{ IP(169, 255, 0, 0),     false, false, false, false, false },
		{ IP(172, 16, 0, 1),      false, false, false, false, false },
		{ IP(192, 168, 1, 255),   false, false, false, false, false },
		{ IP(198, 18, 0, 1),      false, false, false, false, false },
		{ IP(223, 255, 255, 255), false, false, false, false, false },
		{ IP(224, 0, 0, 0),       true,  false, false, true,  false },
		{ IP(224, 0, 0, 251),     true,  false, false, true,  false },
		{ IP(239, 255, 255, 255), true,  false, false, true,  false },
		{ IP(240, 0, 0, 0),       false, false, true,  true,  true },
		{ IP(250, 1, 2, 3),       false, false, true,  true,  true },
		{ IP(255, 255, 255, 254), false, false, true,  true,  true },
		{ IP(255, 255, 255, 255), false, true,  true,  true,  false },
	};
	size_t i;

	(void)state;
	for (i = 0; i < N(cases); i++) {
		uint32_t ip = cases[i].ip;

		if (hf_ip4_is_multicast(ip) != cases[i].mcast ||
		    hf_ip4_is_limited_bcast(ip) != cases[i].lbcast ||
		    hf_ip4_is_reserved(ip) != cases[i].reserved ||
		    hf_ip4_src_is_martian(ip) != cases[i].src_martian ||
		    hf_ip4_dst_is_martian(ip) != cases[i].dst_martian)
			fail_msg("%u.%u.%u.%u: mc %d lb %d res %d src %d dst %d",
				 ip >> 24, (ip >> 16) & 0xff, (ip >> 8) & 0xff,
				 ip & 0xff, hf_ip4_is_multicast(ip),
				 hf_ip4_is_limited_bcast(ip),
				 hf_ip4_is_reserved(ip),
				 hf_ip4_src_is_martian(ip),
				 hf_ip4_dst_is_martian(ip));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_eth),
		cmocka_unit_test(test_parse_ipv4),
		cmocka_unit_test(test_padded_frame),
		cmocka_unit_test(test_fragment_helpers),
		cmocka_unit_test(test_dec_ttl),
		cmocka_unit_test(test_parse_arp),
		cmocka_unit_test(test_struct_layout),
		cmocka_unit_test(test_mac_classes),
		cmocka_unit_test(test_martian),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
