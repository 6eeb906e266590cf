// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_buf.c - control/buf.h: the growable reply buffer. Growth across
 * many appends (contents checked byte for byte), JSON string escaping,
 * reset, free, and the sticky failure flag.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/buf.h"

static void test_init_empty(void **state)
{
	struct hf_buf b;

	(void)state;
	memset(&b, 0x5a, sizeof(b));
	hf_buf_init(&b);
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.cap, 0);
	assert_false(hf_buf_failed(&b));
	hf_buf_free(&b);	/* freeing an empty buffer is fine */
	assert_null(b.data);
}

static void test_printf_basic(void **state)
{
	struct hf_buf b;

	(void)state;
	hf_buf_init(&b);
	hf_buf_printf(&b, "abc");
	assert_non_null(b.data);
	assert_int_equal(b.len, 3);
	assert_string_equal(b.data, "abc");
	assert_true(b.cap >= 4);
	hf_buf_printf(&b, "%d-%s-%%", 42, "x");
	assert_string_equal(b.data, "abc42-x-%");
	assert_int_equal(b.len, strlen("abc42-x-%"));
	/* an empty append changes nothing but keeps a terminator */
	hf_buf_printf(&b, "%s", "");
	assert_int_equal(b.len, 9);
	assert_string_equal(b.data, "abc42-x-%");
	assert_false(hf_buf_failed(&b));
	hf_buf_free(&b);
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.cap, 0);
}

static void test_empty_append_allocates_terminator(void **state)
{
	struct hf_buf b;

	(void)state;
	hf_buf_init(&b);
	hf_buf_printf(&b, "%s", "");
	/* callers may print b.data right away */
	assert_non_null(b.data);
	assert_string_equal(b.data, "");
	assert_int_equal(b.len, 0);
	hf_buf_free(&b);
}

/* 20000 appends of "%05u," = 120000 bytes: many reallocations. */
static void test_growth_many_appends(void **state)
{
	enum { N = 20000, W = 6 };
	struct hf_buf b;
	size_t prev_cap = 0, grows = 0;
	unsigned int i;
	char want[8];

	(void)state;
	hf_buf_init(&b);
	for (i = 0; i < N; i++) {
		hf_buf_printf(&b, "%05u,", i);
		assert_int_equal(b.len, (size_t)(i + 1) * W);
		assert_true(b.cap >= b.len + 1);
		assert_int_equal(b.data[b.len], '\0');
		if (b.cap != prev_cap) {
			grows++;
			prev_cap = b.cap;
		}
	}
	assert_false(hf_buf_failed(&b));
	assert_int_equal(strlen(b.data), (size_t)N * W);
	/* geometric growth: a handful of reallocations, not one per append */
	assert_true(grows >= 2);
	assert_true(grows < 20);
	for (i = 0; i < N; i++) {
		snprintf(want, sizeof(want), "%05u,", i);
		if (memcmp(b.data + (size_t)i * W, want, W))
			fail_msg("append %u corrupted: '%.6s'", i,
				 b.data + (size_t)i * W);
	}
	hf_buf_free(&b);
}

/* One append much larger than the initial capacity. */
static void test_growth_single_large(void **state)
{
	enum { BIG = 100000 };
	struct hf_buf b;
	char *s = malloc(BIG + 1);
	size_t i;

	(void)state;
	assert_non_null(s);
	for (i = 0; i < BIG; i++)
		s[i] = (char)('a' + i % 26);
	s[BIG] = '\0';
	hf_buf_init(&b);
	hf_buf_printf(&b, "<");
	hf_buf_printf(&b, "%s", s);
	hf_buf_printf(&b, ">");
	assert_false(hf_buf_failed(&b));
	assert_int_equal(b.len, BIG + 2);
	assert_true(b.cap >= BIG + 3);
	assert_int_equal(b.data[0], '<');
	assert_memory_equal(b.data + 1, s, BIG);
	assert_int_equal(b.data[BIG + 1], '>');
	assert_int_equal(b.data[BIG + 2], '\0');
	hf_buf_free(&b);
	free(s);
}

struct json_case {
	const char *in;
	const char *out;
};

static const struct json_case json_cases[] = {
	{ "", "\"\"" },
	{ "plain p1", "\"plain p1\"" },
	{ "a\"b", "\"a\\\"b\"" },
	{ "back\\slash", "\"back\\\\slash\"" },
	{ "\\\"", "\"\\\\\\\"\"" },
	{ "nl\nt\tcr\r", "\"nl\\u000at\\u0009cr\\u000d\"" },
	{ "\x01\x1f", "\"\\u0001\\u001f\"" },
	{ "sp ~\x7f", "\"sp ~\x7f\"" },		/* >= 0x20 passes through */
	{ "caf\xc3\xa9", "\"caf\xc3\xa9\"" },	/* UTF-8 untouched */
	{ "/", "\"/\"" },
};

static void test_json_str(void **state)
{
	struct hf_buf b;
	size_t i;

	(void)state;
	hf_buf_init(&b);
	for (i = 0; i < sizeof(json_cases) / sizeof(json_cases[0]); i++) {
		hf_buf_reset(&b);
		hf_buf_json_str(&b, json_cases[i].in);
		assert_non_null(b.data);
		if (strcmp(b.data, json_cases[i].out))
			fail_msg("case %zu: got [%s] want [%s]", i, b.data,
				 json_cases[i].out);
		assert_int_equal(b.len, strlen(json_cases[i].out));
	}
	hf_buf_free(&b);
}

/* Escaping appends to what is already there. */
static void test_json_str_appends(void **state)
{
	struct hf_buf b;

	(void)state;
	hf_buf_init(&b);
	hf_buf_printf(&b, "{\"name\":");
	hf_buf_json_str(&b, "x\"y");
	hf_buf_printf(&b, "}");
	assert_string_equal(b.data, "{\"name\":\"x\\\"y\"}");
	hf_buf_free(&b);
}

/* A long string of control characters grows the buffer correctly. */
static void test_json_str_long(void **state)
{
	enum { N = 3000 };
	struct hf_buf b;
	char in[N + 1];
	size_t i;

	(void)state;
	memset(in, '\x02', N);
	in[N] = '\0';
	hf_buf_init(&b);
	hf_buf_json_str(&b, in);
	assert_int_equal(b.len, 2 + (size_t)N * 6);
	assert_int_equal(b.data[0], '"');
	for (i = 0; i < N; i++)
		assert_memory_equal(b.data + 1 + i * 6, "\\u0002", 6);
	assert_int_equal(b.data[b.len - 1], '"');
	assert_int_equal(b.data[b.len], '\0');
	hf_buf_free(&b);
}

static void test_reset(void **state)
{
	struct hf_buf b;
	size_t cap;
	char *data;

	(void)state;
	hf_buf_init(&b);
	hf_buf_reset(&b);	/* reset of a never-used buffer is fine */
	assert_int_equal(b.len, 0);
	hf_buf_printf(&b, "hello world");
	cap = b.cap;
	data = b.data;
	hf_buf_reset(&b);
	assert_int_equal(b.len, 0);
	assert_string_equal(b.data, "");
	/* storage is kept for reuse */
	assert_ptr_equal(b.data, data);
	assert_int_equal(b.cap, cap);
	hf_buf_printf(&b, "x%d", 1);
	assert_string_equal(b.data, "x1");
	assert_int_equal(b.len, 2);
	hf_buf_free(&b);
}

/* After a failure appends are ignored until reset clears the flag. */
static void test_failed_is_sticky(void **state)
{
	struct hf_buf b;

	(void)state;
	hf_buf_init(&b);
	hf_buf_printf(&b, "ok");
	b.failed = true;	/* as after a realloc failure */
	hf_buf_printf(&b, "lost");
	hf_buf_json_str(&b, "lost too");
	assert_true(hf_buf_failed(&b));
	assert_int_equal(b.len, 2);
	assert_string_equal(b.data, "ok");
	hf_buf_reset(&b);
	assert_false(hf_buf_failed(&b));
	hf_buf_printf(&b, "again");
	assert_string_equal(b.data, "again");
	hf_buf_free(&b);
	assert_false(hf_buf_failed(&b));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_empty),
		cmocka_unit_test(test_printf_basic),
		cmocka_unit_test(test_empty_append_allocates_terminator),
		cmocka_unit_test(test_growth_many_appends),
		cmocka_unit_test(test_growth_single_large),
		cmocka_unit_test(test_json_str),
		cmocka_unit_test(test_json_str_appends),
		cmocka_unit_test(test_json_str_long),
		cmocka_unit_test(test_reset),
		cmocka_unit_test(test_failed_is_sticky),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
