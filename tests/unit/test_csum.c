// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_csum.c - pkt/csum.h: RFC 1071 checksum and RFC 1624 incremental
 * update, checked against an independent byte-wise big-endian reference.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "pkt/csum.h"

/* xorshift64*: fixed-seed generator, independent of libc rand() */
static uint64_t rng_state;

static void rng_seed(uint64_t s)
{
	rng_state = s ? s : 0x9e3779b97f4a7c15ULL;
}

static uint32_t rng32(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545f4914f6cdd1dULL) >> 32);
}

/* Reference: big-endian 16-bit words, odd byte padded with a zero low byte,
 * end-around carry; returns the folded (uncomplemented) sum. */
static uint16_t ref_sum(const uint8_t *p, size_t len)
{
	uint32_t sum = 0;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* the checksum as it would be stored in the packet, as two bytes */
static void stored_bytes(uint16_t c, uint8_t out[2])
{
	memcpy(out, &c, 2);
}

static void test_rfc1071_vector(void **state)
{
	static const uint8_t v[] = { 0x00, 0x01, 0xf2, 0x03,
				     0xf4, 0xf5, 0xf6, 0xf7 };
	uint32_t partial = hf_csum_partial(v, sizeof(v), 0);
	uint16_t folded, c;
	uint8_t b[2];

	(void)state;
	/* fold without complement, then read back in network order */
	folded = (uint16_t)~hf_csum_fold(partial);
	assert_int_equal(ref_sum(v, sizeof(v)), 0xddf2);
	stored_bytes(folded, b);
	assert_int_equal(b[0], 0xdd);
	assert_int_equal(b[1], 0xf2);

	c = hf_csum(v, sizeof(v));
	stored_bytes(c, b);
	assert_int_equal(b[0], 0x22);
	assert_int_equal(b[1], 0x0d);
}

static void test_known_ipv4_header(void **state)
{
	/* classic example header: 4500 0073 0000 4000 4011 b861 c0a8 0001
	 * c0a8 00c7 - checksum b861 */
	uint8_t h[20] = { 0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00,
			  0x40, 0x11, 0x00, 0x00, 0xc0, 0xa8, 0x00, 0x01,
			  0xc0, 0xa8, 0x00, 0xc7 };
	uint16_t c;
	uint8_t b[2];

	(void)state;
	c = hf_csum(h, sizeof(h));
	stored_bytes(c, b);
	assert_int_equal(b[0], 0xb8);
	assert_int_equal(b[1], 0x61);
	memcpy(&h[10], &c, 2);
	assert_int_equal(hf_csum(h, sizeof(h)), 0);
}

static void test_empty_and_zero(void **state)
{
	static const uint8_t z[8];

	(void)state;
	assert_int_equal(hf_csum_partial(z, 0, 0), 0);
	assert_int_equal(hf_csum(z, 0), 0xffff);
	assert_int_equal(hf_csum(z, sizeof(z)), 0xffff);
	/* partial accumulates on top of the incoming sum */
	assert_int_equal(hf_csum_partial(z, sizeof(z), 0x1234), 0x1234);
}

static void test_fold(void **state)
{
	(void)state;
	assert_int_equal(hf_csum_fold(0), 0xffff);
	assert_int_equal(hf_csum_fold(0xffff), 0);
	assert_int_equal(hf_csum_fold(0x10000), 0xfffe);
	/* two carries: 0xffff + 0xffff... -> 0x1fffe -> 0xffff */
	assert_int_equal(hf_csum_fold(0x1fffe), 0);
	assert_int_equal(hf_csum_fold(0xffffffffu), 0);
}

/* Random buffers of every length 0..97 (odd and even) vs the reference. */
static void test_random_buffers_vs_reference(void **state)
{
	uint8_t buf[97];
	size_t len;
	int iter;

	(void)state;
	rng_seed(1071);
	for (iter = 0; iter < 200; iter++) {
		for (len = 0; len < sizeof(buf); len++)
			buf[len] = (uint8_t)rng32();
		for (len = 0; len <= sizeof(buf); len++) {
			uint16_t c = hf_csum(buf, len);
			uint16_t want = (uint16_t)~ref_sum(buf, len);
			uint8_t b[2];

			stored_bytes(c, b);
			assert_int_equal(b[0], want >> 8);
			assert_int_equal(b[1], want & 0xff);
		}
	}
}

/* All-0xff and large buffers exercise the carry folding. */
static void test_carry_heavy(void **state)
{
	static uint8_t big[65536 + 3];
	size_t lens[] = { 2, 3, 1500, 9000, 65535, 65536, 65539 };
	size_t i;

	(void)state;
	memset(big, 0xff, sizeof(big));
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		uint16_t c = hf_csum(big, lens[i]);
		uint16_t want = (uint16_t)~ref_sum(big, lens[i]);
		uint8_t b[2];

		stored_bytes(c, b);
		assert_int_equal(b[0], want >> 8);
		assert_int_equal(b[1], want & 0xff);
	}
	/* chaining partial sums over an even split gives the same result */
	rng_seed(42);
	for (i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)rng32();
	for (i = 0; i < 200; i++) {
		size_t total = 1 + rng32() % (sizeof(big) - 1);
		size_t cut = (rng32() % (total + 1)) & ~(size_t)1;
		uint32_t s = hf_csum_partial(big, cut, 0);

		s = hf_csum_partial(big + cut, total - cut, s);
		assert_int_equal(hf_csum_fold(s), hf_csum(big, total));
	}
}

/* Odd-length: the last byte counts as the high byte of a zero-padded word. */
static void test_odd_length(void **state)
{
	static const uint8_t one[] = { 0xab };
	static const uint8_t padded[] = { 0xab, 0x00 };
	static const uint8_t three[] = { 0x12, 0x34, 0x56 };
	static const uint8_t three_p[] = { 0x12, 0x34, 0x56, 0x00 };

	(void)state;
	assert_int_equal(hf_csum(one, 1), hf_csum(padded, 2));
	assert_int_equal(hf_csum(three, 3), hf_csum(three_p, 4));
	assert_int_not_equal(hf_csum(one, 1), 0xffff);
}

/*
 * >= 100000 random 20-byte headers: change one random 16-bit word (never
 * the checksum word), patch with hf_csum_replace16, compare to the full
 * recomputation and check the header still verifies.
 */
static void test_replace16_random(void **state)
{
	uint8_t h[20];
	int iter, k, changes = 0;

	(void)state;
	rng_seed(0x1624);
	for (iter = 0; iter < 100000; iter++) {
		uint16_t check, full;

		for (k = 0; k < 20; k += 4) {
			uint32_t r = rng32();

			memcpy(&h[k], &r, 4);
		}
		/* biased headers too: many zero or 0xff words */
		if (iter % 7 == 0)
			memset(&h[(rng32() % 10) * 2], 0, 2);
		if (iter % 11 == 0)
			memset(&h[(rng32() % 10) * 2], 0xff, 2);
		memset(&h[10], 0, 2);
		check = hf_csum(h, 20);
		memcpy(&h[10], &check, 2);
		assert_int_equal(hf_csum(h, 20), 0);

		for (k = 0; k < 3; k++) {
			unsigned int w = rng32() % 9;
			uint16_t old, new;

			if (w >= 5)
				w++;		/* skip word 5: the checksum */
			memcpy(&old, &h[w * 2], 2);
			switch (rng32() % 4) {
			case 0:
				new = 0;
				break;
			case 1:
				new = 0xffff;
				break;
			case 2:
				new = (uint16_t)~old;
				break;
			default:
				new = (uint16_t)rng32();
				break;
			}
			memcpy(&h[w * 2], &new, 2);
			check = hf_csum_replace16(check, old, new);
			memcpy(&h[10], &check, 2);
			changes++;

			memset(&h[10], 0, 2);
			full = hf_csum(h, 20);
			memcpy(&h[10], &check, 2);
			if (full != check)
				fail_msg("iter %d: replace16 gives %04x, full %04x",
					 iter, check, full);
			assert_int_equal(hf_csum(h, 20), 0);
		}
	}
	assert_true(changes >= 100000);
}

/* A no-op change keeps the checksum. */
static void test_replace16_identity(void **state)
{
	uint32_t c;
	uint16_t w;

	(void)state;
	rng_seed(7);
	for (c = 0; c < 0xffff; c += 13) {
		w = (uint16_t)rng32();
		assert_int_equal(hf_csum_replace16((uint16_t)c, w, w), c);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc1071_vector),
		cmocka_unit_test(test_known_ipv4_header),
		cmocka_unit_test(test_empty_and_zero),
		cmocka_unit_test(test_fold),
		cmocka_unit_test(test_random_buffers_vs_reference),
		cmocka_unit_test(test_carry_heavy),
		cmocka_unit_test(test_odd_length),
		cmocka_unit_test(test_replace16_random),
		cmocka_unit_test(test_replace16_identity),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
