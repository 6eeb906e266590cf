// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_arp.c - fwd/arp.h: the ARP request a worker sends and the reply
 * it makes in place of a request. Expected frames are written out byte
 * by byte (network order), independent of the structs in pkt/hdr.h.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "fwd/arp.h"

#define IP(a, b, c, d) \
	((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))

#define BUF_LEN		128
#define FRAME_LEN	60
#define SENTINEL	0xa5

static const uint8_t our_mac[6] = { 0x02, 0x00, 0x00, 0x00, 0x01, 0x01 };
static const uint8_t peer_mac[6] = { 0x02, 0x11, 0x22, 0x33, 0x44, 0x55 };

/* "who has 198.18.1.2, tell 198.18.1.1" from our_mac, 60 bytes. */
static const uint8_t want_request[FRAME_LEN] = {
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff,	/* broadcast */
	0x02, 0x00, 0x00, 0x00, 0x01, 0x01,	/* our MAC */
	0x08, 0x06,				/* ARP */
	0x00, 0x01,				/* htype Ethernet */
	0x08, 0x00,				/* ptype IPv4 */
	0x06, 0x04,				/* hlen, plen */
	0x00, 0x01,				/* request */
	0x02, 0x00, 0x00, 0x00, 0x01, 0x01,	/* sha */
	198, 18, 1, 1,				/* spa */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00,	/* tha: unknown */
	198, 18, 1, 2,				/* tpa */
	/* 18 bytes of zero padding to the Ethernet minimum */
};

static void test_build_request_bytes(void **state)
{
	uint8_t buf[BUF_LEN];
	uint32_t len, i;

	(void)state;
	memset(buf, SENTINEL, sizeof(buf));
	len = hf_arp_build_request(buf, our_mac, IP(198, 18, 1, 1),
				   IP(198, 18, 1, 2));
	assert_int_equal(len, FRAME_LEN);
	assert_int_equal(HF_ARP_FRAME_LEN, FRAME_LEN);
	assert_memory_equal(buf, want_request, FRAME_LEN);
	/* nothing written past the frame */
	for (i = FRAME_LEN; i < BUF_LEN; i++)
		assert_int_equal(buf[i], SENTINEL);
}

/* Address byte order: the high byte goes first on the wire. */
static void test_build_request_addresses(void **state)
{
	uint8_t buf[BUF_LEN];
	static const uint8_t spa[4] = { 10, 20, 30, 40 };
	static const uint8_t tpa[4] = { 203, 0, 113, 254 };

	(void)state;
	memset(buf, 0, sizeof(buf));
	hf_arp_build_request(buf, peer_mac, IP(10, 20, 30, 40),
			     IP(203, 0, 113, 254));
	assert_memory_equal(buf + 6, peer_mac, 6);
	assert_memory_equal(buf + 22, peer_mac, 6);
	assert_memory_equal(buf + 28, spa, 4);
	assert_memory_equal(buf + 38, tpa, 4);
}

/* A request from peer_mac / 198.18.1.2 for @tpa, with junk in the target
 * hardware address and after the 42 bytes of ARP (padding, or whatever
 * the frame held before when the request came unpadded). */
static void make_request(uint8_t *buf, const uint8_t *tpa)
{
	static const uint8_t head[28] = {
		0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01,
		0x02, 0x11, 0x22, 0x33, 0x44, 0x55,	/* sha */
		198, 18, 1, 2,				/* spa */
		0xde, 0xad, 0xbe, 0xef, 0x00, 0x01,	/* tha: junk */
		0, 0, 0, 0,				/* tpa, below */
	};

	memset(buf, SENTINEL, BUF_LEN);
	memset(buf, 0xff, 6);
	memcpy(buf + 6, peer_mac, 6);
	buf[12] = 0x08;
	buf[13] = 0x06;
	memcpy(buf + 14, head, sizeof(head));
	memcpy(buf + 38, tpa, 4);
}

/* 198.18.1.1 is at our_mac, to peer_mac / 198.18.1.2, 60 bytes. */
static const uint8_t want_reply[FRAME_LEN] = {
	0x02, 0x11, 0x22, 0x33, 0x44, 0x55,	/* unicast to requester */
	0x02, 0x00, 0x00, 0x00, 0x01, 0x01,	/* from us */
	0x08, 0x06,
	0x00, 0x01, 0x08, 0x00, 0x06, 0x04,
	0x00, 0x02,				/* reply */
	0x02, 0x00, 0x00, 0x00, 0x01, 0x01,	/* sha: ours */
	198, 18, 1, 1,				/* spa: asked-for address */
	0x02, 0x11, 0x22, 0x33, 0x44, 0x55,	/* tha: requester */
	198, 18, 1, 2,				/* tpa: requester */
};

static void test_make_reply_padded_request(void **state)
{
	static const uint8_t tpa[4] = { 198, 18, 1, 1 };
	uint8_t buf[BUF_LEN];
	uint32_t len, i;

	(void)state;
	make_request(buf, tpa);
	len = hf_arp_make_reply(buf, our_mac);
	assert_int_equal(len, FRAME_LEN);
	assert_memory_equal(buf, want_reply, FRAME_LEN);
	for (i = FRAME_LEN; i < BUF_LEN; i++)
		assert_int_equal(buf[i], SENTINEL);
}

/* Linux sends ARP unpadded (42 bytes) over veth: the reply is still
 * 60 bytes with zero padding. */
static void test_make_reply_short_request(void **state)
{
	static const uint8_t tpa[4] = { 198, 18, 1, 1 };
	uint8_t buf[BUF_LEN];

	(void)state;
	make_request(buf, tpa);
	assert_int_equal(hf_arp_make_reply(buf, our_mac), FRAME_LEN);
	assert_memory_equal(buf, want_reply, FRAME_LEN);
}

/* Replying to our own request turns it around exactly. */
static void test_request_reply_roundtrip(void **state)
{
	uint8_t buf[BUF_LEN];

	(void)state;
	memset(buf, 0, sizeof(buf));
	/* the peer asks us */
	hf_arp_build_request(buf, peer_mac, IP(198, 18, 1, 2),
			     IP(198, 18, 1, 1));
	assert_int_equal(hf_arp_make_reply(buf, our_mac), FRAME_LEN);
	assert_memory_equal(buf, want_reply, FRAME_LEN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_build_request_bytes),
		cmocka_unit_test(test_build_request_addresses),
		cmocka_unit_test(test_make_reply_padded_request),
		cmocka_unit_test(test_make_reply_short_request),
		cmocka_unit_test(test_request_reply_roundtrip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
