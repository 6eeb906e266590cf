// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_textparse.c - control/textparse.h: strict number, address, prefix
 * and MAC parsers (table-driven accept/reject) and formatting round trips.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "control/textparse.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* ---- hf_parse_u32 ---- */

struct u32_case {
	const char *s;
	uint32_t min, max;
	int rc;			/* 0, -EINVAL or -ERANGE */
	uint32_t want;
};

static const struct u32_case u32_cases[] = {
	{ "0", 0, 10, 0, 0 },
	{ "7", 0, 10, 0, 7 },
	{ "10", 0, 10, 0, 10 },
	{ "007", 0, 10, 0, 7 },
	{ "4294967295", 0, UINT32_MAX, 0, UINT32_MAX },
	{ "64", 64, 16384, 0, 64 },
	{ "16384", 64, 16384, 0, 16384 },
	/* range */
	{ "11", 0, 10, -ERANGE, 0 },
	{ "63", 64, 16384, -ERANGE, 0 },
	{ "16385", 64, 16384, -ERANGE, 0 },
	{ "0", 1, 64, -ERANGE, 0 },
	/* overflow */
	{ "4294967296", 0, UINT32_MAX, -ERANGE, 0 },
	{ "18446744073709551615", 0, UINT32_MAX, -ERANGE, 0 },
	{ "18446744073709551616", 0, UINT32_MAX, -ERANGE, 0 },
	{ "99999999999999999999999999", 0, UINT32_MAX, -ERANGE, 0 },
	/* syntax */
	{ "", 0, 10, -EINVAL, 0 },
	{ "+1", 0, 10, -EINVAL, 0 },
	{ "-1", 0, 10, -EINVAL, 0 },
	{ "-0", 0, 10, -EINVAL, 0 },
	{ " 1", 0, 10, -EINVAL, 0 },
	{ "1 ", 0, 10, -EINVAL, 0 },
	{ "\t1", 0, 10, -EINVAL, 0 },
	{ "1\n", 0, 10, -EINVAL, 0 },
	{ "1x", 0, 10, -EINVAL, 0 },
	{ "0x10", 0, 100, -EINVAL, 0 },
	{ "1.5", 0, 10, -EINVAL, 0 },
	{ "1e3", 0, 10000, -EINVAL, 0 },
	{ "x", 0, 10, -EINVAL, 0 },
	{ "one", 0, 10, -EINVAL, 0 },
};

static void test_parse_u32(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < N(u32_cases); i++) {
		const struct u32_case *c = &u32_cases[i];
		uint32_t v = 0xdeadbeef;
		int rc = hf_parse_u32(c->s, c->min, c->max, &v);

		if (rc != c->rc)
			fail_msg("hf_parse_u32(\"%s\", %u, %u) = %d, want %d",
				 c->s, c->min, c->max, rc, c->rc);
		if (rc == 0 && v != c->want)
			fail_msg("hf_parse_u32(\"%s\") -> %u, want %u", c->s,
				 v, c->want);
		if (rc != 0 && v != 0xdeadbeef)
			fail_msg("hf_parse_u32(\"%s\") wrote *out on error",
				 c->s);
	}
	assert_int_equal(hf_parse_u32(NULL, 0, 10, &(uint32_t){ 0 }), -EINVAL);
}

/* ---- hf_parse_ip4 ---- */

struct ip_case {
	const char *s;
	int ok;
	uint32_t want;
};

static const struct ip_case ip_cases[] = {
	{ "0.0.0.0", 1, 0 },
	{ "1.2.3.4", 1, 0x01020304 },
	{ "10.0.0.1", 1, 0x0a000001 },
	{ "192.168.255.254", 1, 0xc0a8fffe },
	{ "255.255.255.255", 1, 0xffffffff },
	{ "", 0, 0 },
	{ "1.2.3", 0, 0 },
	{ "1.2.3.4.5", 0, 0 },
	{ "256.1.1.1", 0, 0 },
	{ "1.2.3.256", 0, 0 },
	{ "1.2.3.-1", 0, 0 },
	{ "+1.2.3.4", 0, 0 },
	{ "-1.2.3.4", 0, 0 },
	{ " 1.2.3.4", 0, 0 },
	{ "1.2.3.4 ", 0, 0 },
	{ "1.2.3.4x", 0, 0 },
	{ "1.2.3.4/24", 0, 0 },
	{ "1..3.4", 0, 0 },
	{ "1.2.3.", 0, 0 },
	{ ".1.2.3", 0, 0 },
	{ "0x1.2.3.4", 0, 0 },
	{ "16909060", 0, 0 },		/* inet_aton would take this */
	{ "1.2.3.4\n", 0, 0 },
	{ "a.b.c.d", 0, 0 },
	{ "1000.2.3.4", 0, 0 },
};

static void test_parse_ip4(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < N(ip_cases); i++) {
		const struct ip_case *c = &ip_cases[i];
		uint32_t ip = 0xdeadbeef;
		int rc = hf_parse_ip4(c->s, &ip);

		if (c->ok && rc != 0)
			fail_msg("hf_parse_ip4(\"%s\") = %d, want 0", c->s, rc);
		if (!c->ok && rc != -EINVAL)
			fail_msg("hf_parse_ip4(\"%s\") = %d, want -EINVAL",
				 c->s, rc);
		if (c->ok && ip != c->want)
			fail_msg("hf_parse_ip4(\"%s\") -> %08x, want %08x",
				 c->s, ip, c->want);
	}
	assert_int_equal(hf_parse_ip4(NULL, &(uint32_t){ 0 }), -EINVAL);
}

/* ---- hf_parse_prefix4 ---- */

struct prefix_case {
	const char *s;
	int ok;
	uint32_t ip;
	uint8_t len;
};

static const struct prefix_case prefix_cases[] = {
	{ "10.0.0.0/8", 1, 0x0a000000, 8 },
	{ "0.0.0.0/0", 1, 0, 0 },
	{ "198.18.1.1/24", 1, 0xc6120101, 24 },	/* host bits kept */
	{ "1.2.3.4/32", 1, 0x01020304, 32 },
	{ "1.2.3.4", 1, 0x01020304, 32 },		/* bare: /32 */
	{ "255.255.255.255/1", 1, 0xffffffff, 1 },
	{ "1.2.3.4/33", 0, 0, 0 },
	{ "1.2.3.4/100", 0, 0, 0 },
	{ "1.2.3.4/4294967296", 0, 0, 0 },
	{ "1.2.3.4/", 0, 0, 0 },
	{ "1.2.3.4/-1", 0, 0, 0 },
	{ "1.2.3.4/+8", 0, 0, 0 },
	{ "1.2.3.4/ 8", 0, 0, 0 },
	{ "1.2.3.4/8 ", 0, 0, 0 },
	{ "1.2.3.4 /8", 0, 0, 0 },
	{ "1.2.3.4/8x", 0, 0, 0 },
	{ "1.2.3.4/8/8", 0, 0, 0 },
	{ "1.2.3/8", 0, 0, 0 },
	{ "256.1.1.1/8", 0, 0, 0 },
	{ "/8", 0, 0, 0 },
	{ "", 0, 0, 0 },
	{ "/", 0, 0, 0 },
	{ "111.111.111.111111/8", 0, 0, 0 },		/* long address part */
	{ "1.2.3.4/0x8", 0, 0, 0 },
};

static void test_parse_prefix4(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < N(prefix_cases); i++) {
		const struct prefix_case *c = &prefix_cases[i];
		uint32_t ip = 0;
		uint8_t len = 0xee;
		int rc = hf_parse_prefix4(c->s, &ip, &len);

		if (c->ok && rc != 0)
			fail_msg("hf_parse_prefix4(\"%s\") = %d, want 0", c->s,
				 rc);
		if (!c->ok && rc == 0)
			fail_msg("hf_parse_prefix4(\"%s\") accepted (%08x/%u)",
				 c->s, ip, len);
		if (!c->ok && rc != -EINVAL && rc != -ERANGE)
			fail_msg("hf_parse_prefix4(\"%s\") = %d", c->s, rc);
		if (c->ok && (ip != c->ip || len != c->len))
			fail_msg("hf_parse_prefix4(\"%s\") -> %08x/%u, want %08x/%u",
				 c->s, ip, len, c->ip, c->len);
	}
}

static void test_prefix4_mask(void **state)
{
	(void)state;
	assert_int_equal(hf_prefix4_mask(0), 0);
	assert_int_equal(hf_prefix4_mask(1), 0x80000000u);
	assert_int_equal(hf_prefix4_mask(8), 0xff000000u);
	assert_int_equal(hf_prefix4_mask(24), 0xffffff00u);
	assert_int_equal(hf_prefix4_mask(31), 0xfffffffeu);
	assert_int_equal(hf_prefix4_mask(32), 0xffffffffu);
}

/* ---- hf_parse_mac ---- */

struct mac_case {
	const char *s;
	int ok;
	uint8_t mac[6];
};

static const struct mac_case mac_cases[] = {
	{ "00:11:22:33:44:55", 1, { 0x00, 0x11, 0x22, 0x33, 0x44, 0x55 } },
	{ "aa:BB:cc:Dd:eE:ff", 1, { 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff } },
	{ "ff:ff:ff:ff:ff:ff", 1, { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff } },
	{ "00:00:00:00:00:00", 1, { 0 } },
	{ "01:00:5e:00:00:01", 1, { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 } },
	{ "", 0, { 0 } },
	{ "00-11-22-33-44-55", 0, { 0 } },
	{ "00.11.22.33.44.55", 0, { 0 } },
	{ "0011.2233.4455", 0, { 0 } },
	{ "00:11:22:33:44-55", 0, { 0 } },
	{ "001122334455", 0, { 0 } },
	{ "00:11:22:33:44", 0, { 0 } },
	{ "00:11:22:33:44:55:66", 0, { 0 } },
	{ "00:11:22:33:44:5", 0, { 0 } },
	{ "0:11:22:33:44:55", 0, { 0 } },
	{ "0:1:2:3:4:5", 0, { 0 } },
	{ "000:11:22:33:44:5", 0, { 0 } },
	{ "00:11:22:33:44:555", 0, { 0 } },
	{ "00:11:22:33:44:55 ", 0, { 0 } },
	{ " 00:11:22:33:44:55", 0, { 0 } },
	{ " 0:11:22:33:44:55", 0, { 0 } },
	{ "+0:11:22:33:44:55", 0, { 0 } },
	{ "-0:11:22:33:44:55", 0, { 0 } },
	{ "0x:11:22:33:44:55", 0, { 0 } },
	{ "gg:11:22:33:44:55", 0, { 0 } },
	{ "00:11:22:33:44:5g", 0, { 0 } },
	{ "00::11:22:33:44:5", 0, { 0 } },
	{ "00:11:22:33:44:55\n", 0, { 0 } },
};

static void test_parse_mac(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < N(mac_cases); i++) {
		const struct mac_case *c = &mac_cases[i];
		uint8_t mac[6] = { 0xde, 0xad, 0xbe, 0xef, 0xde, 0xad };
		int rc = hf_parse_mac(c->s, mac);

		if (c->ok && rc != 0)
			fail_msg("hf_parse_mac(\"%s\") = %d, want 0", c->s, rc);
		if (!c->ok && rc != -EINVAL)
			fail_msg("hf_parse_mac(\"%s\") = %d, want -EINVAL",
				 c->s, rc);
		if (c->ok && memcmp(mac, c->mac, 6))
			fail_msg("hf_parse_mac(\"%s\") wrong bytes", c->s);
	}
	assert_int_equal(hf_parse_mac(NULL, (uint8_t[6]){ 0 }), -EINVAL);
}

/* ---- formatting and round trips ---- */

static void test_fmt_ip4(void **state)
{
	static const struct {
		uint32_t ip;
		const char *s;
	} cases[] = {
		{ 0, "0.0.0.0" },
		{ 0x01020304, "1.2.3.4" },
		{ 0xc0a80001, "192.168.0.1" },
		{ 0xffffffff, "255.255.255.255" },
		{ 0x0a00ff00, "10.0.255.0" },
	};
	char buf[16];
	size_t i;

	(void)state;
	for (i = 0; i < N(cases); i++) {
		memset(buf, 'X', sizeof(buf));
		assert_ptr_equal(hf_fmt_ip4(cases[i].ip, buf), buf);
		assert_string_equal(buf, cases[i].s);
	}
}

static uint32_t rng_state = 12345;

static uint32_t rng32(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 17;
	rng_state ^= rng_state << 5;
	return rng_state;
}

static void test_ip4_round_trip(void **state)
{
	char buf[16], pbuf[24];
	uint32_t ip, back;
	uint8_t len;
	int i;

	(void)state;
	for (i = 0; i < 20000; i++) {
		ip = rng32();
		if (i < 3)
			ip = i == 0 ? 0 : i == 1 ? UINT32_MAX : 0x80000000u;
		hf_fmt_ip4(ip, buf);
		assert_true(strlen(buf) <= 15);
		assert_int_equal(hf_parse_ip4(buf, &back), 0);
		assert_int_equal(back, ip);

		snprintf(pbuf, sizeof(pbuf), "%s/%u", buf, (unsigned)(i % 33));
		assert_int_equal(hf_parse_prefix4(pbuf, &back, &len), 0);
		assert_int_equal(back, ip);
		assert_int_equal(len, i % 33);
	}
}

static void test_mac_round_trip(void **state)
{
	uint8_t mac[6], back[6];
	char buf[18];
	int i, k;

	(void)state;
	for (i = 0; i < 20000; i++) {
		for (k = 0; k < 6; k++)
			mac[k] = (uint8_t)rng32();
		memset(buf, 'X', sizeof(buf));
		assert_ptr_equal(hf_fmt_mac(mac, buf), buf);
		assert_int_equal(strlen(buf), 17);
		assert_int_equal(hf_parse_mac(buf, back), 0);
		assert_memory_equal(mac, back, 6);
	}
	hf_fmt_mac((const uint8_t[6]){ 0x0a, 0xbc, 0, 1, 0xff, 0x10 }, buf);
	assert_string_equal(buf, "0a:bc:00:01:ff:10");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_u32),
		cmocka_unit_test(test_parse_ip4),
		cmocka_unit_test(test_parse_prefix4),
		cmocka_unit_test(test_prefix4_mask),
		cmocka_unit_test(test_parse_mac),
		cmocka_unit_test(test_fmt_ip4),
		cmocka_unit_test(test_ip4_round_trip),
		cmocka_unit_test(test_mac_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
