// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_tcp_state.c - the TCP session state machine (fwd/tcp_state.h),
 * table-driven over handshake, teardown, RST and invalid flag cases,
 * plus whole conversations replayed packet by packet.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>

#include "common/compiler.h"
#include "fwd/tcp_state.h"

#define S	HF_TCP_SYN
#define A	HF_TCP_ACK
#define F	HF_TCP_FIN
#define R	HF_TCP_RST
#define P	HF_TCP_PSH

#define O	HF_DIR_ORIG
#define Y	HF_DIR_REPLY

struct step {
	enum hf_tcp_state from;
	enum hf_dir dir;
	uint8_t flags;
	enum hf_tcp_verdict verdict;
	enum hf_tcp_state to;
};

static const struct step steps[] = {
	/* handshake */
	{ HF_TCP_NONE, O, S, HF_TCP_OK, HF_TCP_SYN_SENT },
	{ HF_TCP_SYN_SENT, O, S, HF_TCP_OK, HF_TCP_SYN_SENT },
	{ HF_TCP_SYN_SENT, Y, S | A, HF_TCP_OK, HF_TCP_SYN_RECV },
	{ HF_TCP_SYN_RECV, Y, S | A, HF_TCP_OK, HF_TCP_SYN_RECV },
	{ HF_TCP_SYN_RECV, O, A, HF_TCP_OK, HF_TCP_ESTABLISHED },
	{ HF_TCP_SYN_RECV, O, A | P, HF_TCP_OK, HF_TCP_ESTABLISHED },
	{ HF_TCP_SYN_RECV, Y, A, HF_TCP_OK, HF_TCP_SYN_RECV },
	/* data before the SYN-ACK, SYN-ACK from the wrong side */
	{ HF_TCP_SYN_SENT, O, A, HF_TCP_INVALID, HF_TCP_SYN_SENT },
	{ HF_TCP_SYN_SENT, O, S | A, HF_TCP_INVALID, HF_TCP_SYN_SENT },
	{ HF_TCP_SYN_SENT, Y, S, HF_TCP_INVALID, HF_TCP_SYN_SENT },
	{ HF_TCP_NONE, O, A, HF_TCP_INVALID, HF_TCP_NONE },
	/* established traffic */
	{ HF_TCP_ESTABLISHED, O, A, HF_TCP_OK, HF_TCP_ESTABLISHED },
	{ HF_TCP_ESTABLISHED, Y, A | P, HF_TCP_OK, HF_TCP_ESTABLISHED },
	{ HF_TCP_ESTABLISHED, O, S, HF_TCP_INVALID, HF_TCP_ESTABLISHED },
	/* teardown, either side first */
	{ HF_TCP_ESTABLISHED, O, F | A, HF_TCP_OK, HF_TCP_FIN_ORIG },
	{ HF_TCP_ESTABLISHED, Y, F | A, HF_TCP_OK, HF_TCP_FIN_REPLY },
	{ HF_TCP_FIN_ORIG, O, A, HF_TCP_OK, HF_TCP_FIN_ORIG },
	{ HF_TCP_FIN_ORIG, O, F | A, HF_TCP_OK, HF_TCP_FIN_ORIG },
	{ HF_TCP_FIN_ORIG, Y, A, HF_TCP_OK, HF_TCP_FIN_ORIG },
	{ HF_TCP_FIN_ORIG, Y, F | A, HF_TCP_OK, HF_TCP_TIME_WAIT },
	{ HF_TCP_FIN_REPLY, O, F | A, HF_TCP_OK, HF_TCP_TIME_WAIT },
	{ HF_TCP_FIN_REPLY, Y, A, HF_TCP_OK, HF_TCP_FIN_REPLY },
	{ HF_TCP_TIME_WAIT, O, A, HF_TCP_OK, HF_TCP_TIME_WAIT },
	{ HF_TCP_SYN_RECV, Y, F | A, HF_TCP_OK, HF_TCP_FIN_REPLY },
	/* RST from anywhere closes */
	{ HF_TCP_SYN_SENT, Y, R | A, HF_TCP_OK, HF_TCP_CLOSED },
	{ HF_TCP_ESTABLISHED, O, R, HF_TCP_OK, HF_TCP_CLOSED },
	{ HF_TCP_FIN_ORIG, Y, R, HF_TCP_OK, HF_TCP_CLOSED },
	{ HF_TCP_CLOSED, Y, A, HF_TCP_OK, HF_TCP_CLOSED },
	/* a closing tuple may be reused by a new SYN */
	{ HF_TCP_TIME_WAIT, O, S, HF_TCP_OK, HF_TCP_SYN_SENT },
	{ HF_TCP_CLOSED, O, S, HF_TCP_OK, HF_TCP_SYN_SENT },
	{ HF_TCP_TIME_WAIT, Y, S, HF_TCP_INVALID, HF_TCP_TIME_WAIT },
	/* impossible flag combinations, whatever the state */
	{ HF_TCP_ESTABLISHED, O, S | F, HF_TCP_INVALID, HF_TCP_ESTABLISHED },
	{ HF_TCP_ESTABLISHED, O, S | R, HF_TCP_INVALID, HF_TCP_ESTABLISHED },
	{ HF_TCP_ESTABLISHED, O, F, HF_TCP_INVALID, HF_TCP_ESTABLISHED },
	{ HF_TCP_ESTABLISHED, O, 0, HF_TCP_INVALID, HF_TCP_ESTABLISHED },
	{ HF_TCP_ESTABLISHED, O, F | R | A, HF_TCP_INVALID,
	  HF_TCP_ESTABLISHED },
	{ HF_TCP_NONE, O, S | F, HF_TCP_INVALID, HF_TCP_NONE },
};

static void test_transition_table(void **state)
{
	size_t i;
	int bad = 0;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(steps); i++) {
		const struct step *t = &steps[i];
		enum hf_tcp_state next = HF_TCP_STATE_MAX;
		enum hf_tcp_verdict v;

		v = hf_tcp_transition(t->from, t->dir, t->flags, &next);
		if (v != t->verdict || next != t->to) {
			print_error("step %zu: %s %s flags 0x%02x: got %s/%s, want %s/%s\n",
				    i, hf_tcp_state_name(t->from),
				    t->dir == O ? "orig" : "reply", t->flags,
				    v == HF_TCP_OK ? "ok" : "invalid",
				    hf_tcp_state_name(next),
				    t->verdict == HF_TCP_OK ? "ok" : "invalid",
				    hf_tcp_state_name(t->to));
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

/* A whole conversation: every packet must pass and end in @final. */
static void replay(const struct step *pkts, size_t n,
		   enum hf_tcp_state final)
{
	enum hf_tcp_state s = HF_TCP_NONE;
	size_t i;

	for (i = 0; i < n; i++) {
		enum hf_tcp_state next;

		assert_int_equal(hf_tcp_transition(s, pkts[i].dir,
						   pkts[i].flags, &next),
				 HF_TCP_OK);
		s = next;
	}
	assert_int_equal(s, final);
}

static void test_conversations(void **state)
{
	static const struct step normal[] = {
		{ .dir = O, .flags = S }, { .dir = Y, .flags = S | A },
		{ .dir = O, .flags = A }, { .dir = O, .flags = A | P },
		{ .dir = Y, .flags = A }, { .dir = O, .flags = F | A },
		{ .dir = Y, .flags = A }, { .dir = Y, .flags = F | A },
		{ .dir = O, .flags = A },
	};
	static const struct step reset[] = {
		{ .dir = O, .flags = S }, { .dir = Y, .flags = R | A },
	};
	static const struct step simultaneous_close[] = {
		{ .dir = O, .flags = S }, { .dir = Y, .flags = S | A },
		{ .dir = O, .flags = A }, { .dir = O, .flags = F | A },
		{ .dir = Y, .flags = F | A }, { .dir = O, .flags = A },
		{ .dir = Y, .flags = A },
	};

	(void)state;
	replay(normal, ARRAY_SIZE(normal), HF_TCP_TIME_WAIT);
	replay(reset, ARRAY_SIZE(reset), HF_TCP_CLOSED);
	replay(simultaneous_close, ARRAY_SIZE(simultaneous_close),
	       HF_TCP_TIME_WAIT);
}

static void test_flags_and_open(void **state)
{
	(void)state;
	assert_true(hf_tcp_flags_valid(S));
	assert_true(hf_tcp_flags_valid(S | A));
	assert_true(hf_tcp_flags_valid(A | P | HF_TCP_URG));
	assert_true(hf_tcp_flags_valid(R));
	assert_false(hf_tcp_flags_valid(0));
	assert_false(hf_tcp_flags_valid(P | HF_TCP_URG));	/* no ACK/SYN/RST */
	assert_false(hf_tcp_flags_valid(F | P | HF_TCP_URG));	/* Xmas */

	assert_true(hf_tcp_can_open(S, false));
	assert_true(hf_tcp_can_open(S | P, false));
	assert_false(hf_tcp_can_open(S | A, false));
	assert_false(hf_tcp_can_open(A, false));
	assert_true(hf_tcp_can_open(A, true));		/* loose pickup */
	assert_true(hf_tcp_can_open(A | P, true));
	assert_false(hf_tcp_can_open(F | A, true));
	assert_false(hf_tcp_can_open(R, true));
	assert_false(hf_tcp_can_open(S | A, true));
}

static void test_names(void **state)
{
	int s;

	(void)state;
	for (s = 0; s < HF_TCP_STATE_MAX; s++)
		assert_string_not_equal(hf_tcp_state_name((enum hf_tcp_state)s),
					"?");
	assert_string_equal(hf_tcp_state_name(HF_TCP_ESTABLISHED),
			    "established");
	assert_string_equal(hf_tcp_state_name(HF_TCP_STATE_MAX), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_transition_table),
		cmocka_unit_test(test_conversations),
		cmocka_unit_test(test_flags_and_open),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
