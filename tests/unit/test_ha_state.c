// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_ha_state.c - the HA1 election/state machine (ha/ha_state.h).
 *
 * Two kinds of tests:
 * - one machine fed by a fake peer (hellos built by hand), table-driven
 *   over the decisions of each state: start, passive, active, timers,
 *   rejected hellos, health, admin commands, flaps;
 * - two real machines in a simulator that delivers each hello as soon
 *   as a result asks for SEND_HELLO (zero link delay) and ticks both
 *   every millisecond. It checks after every result that the actions
 *   agree with the state (forwarding iff ACTIVE, ANNOUNCE only while
 *   forwarding) and counts a "dual active" whenever a node starts
 *   forwarding while its peer forwards over a working HA link.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/compiler.h"
#include "ha/ha_state.h"

#define MS(x)	((uint64_t)(x) * 1000000ULL)
#define T0	MS(1000000)		/* any monotonic start */

#define INITIAL		HF_HA_STATE_INITIAL
#define ACTIVE		HF_HA_STATE_ACTIVE
#define PASSIVE		HF_HA_STATE_PASSIVE
#define SUSPENDED	HF_HA_STATE_SUSPENDED
#define NONFUNC		HF_HA_STATE_NONFUNC

#define STOP	HF_HA_ACT_STOP_FORWARDING
#define START	HF_HA_ACT_START_FORWARDING
#define ANN	HF_HA_ACT_ANNOUNCE
#define HELLO	HF_HA_ACT_SEND_HELLO
#define BULK	HF_HA_ACT_REQUEST_BULK_SYNC
#define GO_ACTIVE	(START | ANN | HELLO)

#define PEER_INC	0xB0B0ULL

/* Compare by name so a failure reads "active" != "passive". */
#define EXPECT(r, st, why, act) do {					\
	assert_string_equal(hf_ha_state_name((r)->to),			\
			    hf_ha_state_name(st));			\
	assert_string_equal(hf_ha_reason_name((r)->reason),		\
			    hf_ha_reason_name(why));			\
	assert_int_equal((r)->actions, (act));				\
} while (0)

#define EXPECT_STATE(ha, st)						\
	assert_string_equal(hf_ha_state_name((ha)->state),		\
			    hf_ha_state_name(st))

/* ---- one machine, fake peer ------------------------------------------ */

static void params(struct hf_ha_params *p, uint32_t id, uint32_t prio,
		   bool preempt)
{
	hf_ha_params_default(p);
	p->node_id = id;
	p->priority = prio;
	p->preempt = preempt;
	p->incarnation = 0xA000 + id;
}

static void start(struct hf_ha *ha, uint32_t id, uint32_t prio, bool preempt,
		  uint64_t now)
{
	struct hf_ha_params p;
	struct hf_ha_result r;

	params(&p, id, prio, preempt);
	assert_int_equal(hf_ha_init(ha, &p, now, &r), 0);
	EXPECT(&r, INITIAL, HF_HA_R_START, HELLO);
}

static void fake(struct hf_ha_hello *h, uint32_t id, uint32_t prio,
		 enum hf_ha_state st)
{
	memset(h, 0, sizeof(*h));
	h->node_id = id;
	h->priority = prio;
	h->state = st;
	h->healthy = true;
	h->synced = true;
	h->interval_ms = 100;
	h->incarnation = PEER_INC;
}

/* Deliver the fake peer's next hello (sequence + 1). */
static int feed(struct hf_ha *ha, uint64_t now, struct hf_ha_hello *h,
		struct hf_ha_result *r)
{
	h->seq++;
	return hf_ha_on_hello(ha, now, h, r);
}

struct acc {
	uint32_t actions;		/* union over the run */
	unsigned int transitions;
};

/*
 * Run @ha from @from (exclusive) to @to (inclusive) in 1 ms ticks; the
 * fake peer @h (NULL = silent) sends every 100 ms after @from.
 */
static struct acc run1(struct hf_ha *ha, struct hf_ha_hello *h,
		       uint64_t from, uint64_t to)
{
	struct acc a = { 0, 0 };
	struct hf_ha_result r;
	uint64_t t;

	for (t = from + MS(1); t <= to; t += MS(1)) {
		if (h && (t - from) % MS(100) == 0) {
			assert_int_equal(feed(ha, t, h, &r), 0);
			a.actions |= r.actions;
			a.transitions += r.transitions;
		}
		hf_ha_tick(ha, t, &r);
		a.actions |= r.actions;
		a.transitions += r.transitions;
	}
	return a;
}

/* Local node id 2 prio 20, PASSIVE under fake ACTIVE peer id 1. */
static void passive_under(struct hf_ha *ha, struct hf_ha_hello *h,
			  uint32_t peer_prio, uint64_t now)
{
	struct hf_ha_result r;

	start(ha, 2, 20, false, now);
	fake(h, 1, peer_prio, ACTIVE);
	assert_int_equal(feed(ha, now + MS(10), h, &r), 0);
	EXPECT(&r, PASSIVE, HF_HA_R_PEER_ACTIVE, HELLO | BULK);
}

/* Local node id 2 prio 20 ACTIVE alone (initial wait over). */
static void active_alone(struct hf_ha *ha, bool preempt, uint64_t now)
{
	struct hf_ha_result r;

	start(ha, 2, 20, preempt, now);
	hf_ha_tick(ha, now + MS(350), &r);
	EXPECT(&r, ACTIVE, HF_HA_R_NO_PEER, GO_ACTIVE);
}

static void test_names(void **state)
{
	int i;

	(void)state;
	for (i = 0; i < HF_HA_STATE_MAX; i++)
		assert_string_not_equal(hf_ha_state_name((enum hf_ha_state)i),
					"?");
	for (i = 0; i < HF_HA_R_MAX; i++)
		assert_string_not_equal(hf_ha_reason_name((enum hf_ha_reason)i),
					"?");
	for (i = 0; i < HF_HA_FAULT_MAX; i++)
		assert_string_not_equal(hf_ha_fault_name((enum hf_ha_fault)i),
					"?");
	assert_string_equal(hf_ha_state_name(NONFUNC), "non-functional");
	assert_string_equal(hf_ha_state_name(HF_HA_STATE_MAX), "?");
	assert_string_equal(hf_ha_state_name((enum hf_ha_state)-1), "?");
	assert_string_equal(hf_ha_reason_name(HF_HA_R_PEER_DEAD), "peer-dead");
	assert_string_equal(hf_ha_reason_name(HF_HA_R_MAX), "?");
	assert_string_equal(hf_ha_fault_name(HF_HA_FAULT_DATAPLANE),
			    "dataplane-stuck");
	assert_string_equal(hf_ha_fault_name(HF_HA_FAULT_MAX), "?");

	/* Only ACTIVE forwards. */
	for (i = 0; i <= HF_HA_STATE_MAX; i++)
		assert_int_equal(hf_ha_state_is_forwarding((enum hf_ha_state)i),
				 i == ACTIVE);
}

#define OFF(f)	offsetof(struct hf_ha_params, f)

static void test_params(void **state)
{
	static const struct {
		const char *what;
		size_t off;		/* uint32_t field, or 0 = incarnation */
		uint32_t val;
		int err;
	} rows[] = {
		{ "interval 9", OFF(hello_interval_ms), 9, -ERANGE },
		{ "interval 10", OFF(hello_interval_ms), 10, 0 },
		{ "interval 60000", OFF(hello_interval_ms), 60000, 0 },
		{ "interval 60001", OFF(hello_interval_ms), 60001, -ERANGE },
		{ "misses 1", OFF(dead_misses), 1, -ERANGE },
		{ "misses 2", OFF(dead_misses), 2, 0 },
		{ "misses 101", OFF(dead_misses), 101, -ERANGE },
		{ "hold 3600001", OFF(preempt_hold_ms), 3600001, -ERANGE },
		{ "hold 0", OFF(preempt_hold_ms), 0, 0 },
		{ "flap window 1 day + 1", OFF(flap_window_ms), 86400001, -ERANGE },
		{ "init wait 600001", OFF(init_wait_ms), 600001, -ERANGE },
		{ "incarnation 0", 0, 0, -EINVAL },
	};
	struct hf_ha_params p;
	struct hf_ha_result r;
	struct hf_ha ha;
	size_t i;

	(void)state;
	hf_ha_params_default(&p);
	assert_int_equal(p.priority, 100);
	assert_false(p.preempt);
	assert_int_equal(p.preempt_hold_ms, 1000);
	assert_int_equal(p.hello_interval_ms, 100);
	assert_int_equal(p.dead_misses, 3);
	assert_int_equal(p.flap_max, 3);
	assert_int_equal(p.flap_window_ms, 60000);
	assert_int_equal(p.init_wait_ms, 0);
	assert_int_equal(hf_ha_params_validate(&p), -EINVAL); /* no incarnation */

	for (i = 0; i < ARRAY_SIZE(rows); i++) {
		params(&p, 1, 100, false);
		if (rows[i].off)
			memcpy((char *)&p + rows[i].off, &rows[i].val,
			       sizeof(uint32_t));
		else
			p.incarnation = 0;
		if (hf_ha_params_validate(&p) != rows[i].err)
			fail_msg("%s: got %d want %d", rows[i].what,
				 hf_ha_params_validate(&p), rows[i].err);
		assert_int_equal(hf_ha_init(&ha, &p, T0, &r), rows[i].err);
	}

	assert_int_equal(hf_ha_dead_timeout_ns(100, 3), MS(350));
	assert_int_equal(hf_ha_dead_timeout_ns(10, 2), MS(25));
	assert_int_equal(hf_ha_dead_timeout_ns(25, 3), 87500000ULL);
	assert_int_equal(hf_ha_dead_timeout_ns(60000, 100), MS(6030000));
}

static void test_compare(void **state)
{
	static const struct {
		struct hf_ha_candidate a, b;
		int want;		/* sign */
	} rows[] = {
		/* healthy beats unhealthy, whatever the priority */
		{ { 1, 10, false }, { 2, 200, true }, 1 },
		{ { 9, 250, true }, { 1, 0, false }, -1 },
		/* lower priority number wins */
		{ { 2, 10, true }, { 1, 20, true }, -1 },
		{ { 1, 20, true }, { 2, 10, true }, 1 },
		{ { 2, 10, false }, { 1, 20, false }, -1 },
		/* equal priority: lower node id */
		{ { 1, 50, true }, { 2, 50, true }, -1 },
		{ { 7, 50, true }, { 3, 50, true }, 1 },
		{ { 3, 50, true }, { 3, 50, true }, 0 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(rows); i++) {
		int got = hf_ha_compare(&rows[i].a, &rows[i].b);
		int back = hf_ha_compare(&rows[i].b, &rows[i].a);

		if ((got > 0) - (got < 0) != rows[i].want ||
		    (back > 0) - (back < 0) != -rows[i].want)
			fail_msg("row %zu: got %d/%d want %d", i, got, back,
				 rows[i].want);
	}
}

static void test_start_alone(void **state)
{
	struct hf_ha_result r;
	struct hf_ha_params p;
	struct hf_ha ha;
	uint64_t t;

	(void)state;
	start(&ha, 1, 100, false, T0);
	EXPECT_STATE(&ha, INITIAL);
	assert_int_equal(ha.timers.init_wait_ns, T0 + MS(350));
	assert_int_equal(ha.timers.hello_ns, T0 + MS(100));
	assert_int_equal(hf_ha_next_expiry(&ha), T0 + MS(100));
	assert_int_equal(ha.last.reason, HF_HA_R_START);
	assert_int_equal(ha.transitions, 0);

	hf_ha_tick(&ha, T0 + MS(100), &r);
	EXPECT(&r, INITIAL, HF_HA_R_NONE, HELLO);	/* periodic hello */
	assert_int_equal(hf_ha_next_expiry(&ha), T0 + MS(200));
	hf_ha_tick(&ha, T0 + MS(150), &r);
	EXPECT(&r, INITIAL, HF_HA_R_NONE, 0);
	hf_ha_tick(&ha, T0 + MS(300), &r);
	assert_int_equal(hf_ha_next_expiry(&ha), T0 + MS(350));
	hf_ha_tick(&ha, T0 + MS(350) - 1, &r);
	EXPECT(&r, INITIAL, HF_HA_R_NONE, 0);

	hf_ha_tick(&ha, T0 + MS(350), &r);
	EXPECT(&r, ACTIVE, HF_HA_R_NO_PEER, GO_ACTIVE);
	assert_int_equal(r.from, INITIAL);
	assert_int_equal(r.transitions, 1);
	assert_int_equal(ha.transitions, 1);
	assert_int_equal(ha.last.from, INITIAL);
	assert_int_equal(ha.last.to, ACTIVE);
	assert_int_equal(ha.last.at_ns, T0 + MS(350));
	assert_string_equal(ha.last.text, "no peer heard within 350 ms");
	assert_int_equal(ha.timers.init_wait_ns, HF_HA_NEVER);
	assert_int_equal(hf_ha_next_expiry(&ha), T0 + MS(450));

	/* An explicit initial wait. */
	params(&p, 1, 100, false);
	p.init_wait_ms = 2000;
	assert_int_equal(hf_ha_init(&ha, &p, T0, &r), 0);
	for (t = T0 + MS(100); t < T0 + MS(2000); t += MS(100)) {
		hf_ha_tick(&ha, t, &r);
		EXPECT_STATE(&ha, INITIAL);
	}
	hf_ha_tick(&ha, T0 + MS(2000), &r);
	EXPECT(&r, ACTIVE, HF_HA_R_NO_PEER, GO_ACTIVE);
}

/* The first hello ends INITIAL, whatever the peer says. */
static void test_initial_table(void **state)
{
	static const struct {
		uint32_t my_id, my_prio;
		uint32_t id, prio;
		enum hf_ha_state st;
		bool healthy, yielding;
		enum hf_ha_state want;
		enum hf_ha_reason why;
		uint32_t act;
	} rows[] = {
		{ 1, 10, 2, 20, ACTIVE, true, false, PASSIVE,
		  HF_HA_R_PEER_ACTIVE, HELLO | BULK },	/* incumbent stays */
		{ 1, 10, 2, 20, ACTIVE, false, false, ACTIVE,
		  HF_HA_R_PEER_UNHEALTHY, GO_ACTIVE },
		{ 1, 10, 2, 20, INITIAL, true, false, ACTIVE,
		  HF_HA_R_ELECTION, GO_ACTIVE },
		{ 2, 20, 1, 10, INITIAL, true, false, PASSIVE,
		  HF_HA_R_ELECTION, HELLO },
		{ 2, 50, 1, 50, PASSIVE, true, false, PASSIVE,
		  HF_HA_R_ELECTION, HELLO },		/* id 1 < 2 */
		{ 2, 50, 3, 50, PASSIVE, true, false, ACTIVE,
		  HF_HA_R_ELECTION, GO_ACTIVE },	/* id 2 < 3 */
		{ 2, 50, 1, 10, PASSIVE, false, false, ACTIVE,
		  HF_HA_R_PEER_UNHEALTHY, GO_ACTIVE },	/* health first */
		{ 2, 50, 1, 10, NONFUNC, false, false, ACTIVE,
		  HF_HA_R_PEER_NONFUNC, GO_ACTIVE },
		{ 2, 50, 1, 10, SUSPENDED, true, false, ACTIVE,
		  HF_HA_R_PEER_SUSPENDED, GO_ACTIVE },
		{ 2, 50, 1, 10, PASSIVE, true, true, ACTIVE,
		  HF_HA_R_PEER_YIELDED, GO_ACTIVE },
	};
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(rows); i++) {
		struct hf_ha_hello h;
		struct hf_ha_result r;
		struct hf_ha ha;

		print_message("row %zu\n", i);
		start(&ha, rows[i].my_id, rows[i].my_prio, false, T0);
		fake(&h, rows[i].id, rows[i].prio, rows[i].st);
		h.healthy = rows[i].healthy;
		h.yielding = rows[i].yielding;
		assert_int_equal(feed(&ha, T0 + MS(20), &h, &r), 0);
		EXPECT(&r, rows[i].want, rows[i].why, rows[i].act);
		assert_int_equal(r.transitions, 1);
		assert_int_equal(ha.last.at_ns, T0 + MS(20));
		assert_int_equal(ha.timers.init_wait_ns, HF_HA_NEVER);
	}
}

/* PASSIVE under an ACTIVE peer, then the peer's next hello changes. */
static void test_passive_table(void **state)
{
	static const struct {
		uint32_t prio;		/* peer's; ours is 20, ids 1 vs 2 */
		enum hf_ha_state st;
		bool healthy, yielding;
		enum hf_ha_state want;
		enum hf_ha_reason why;
	} rows[] = {
		{ 10, ACTIVE, true, false, PASSIVE, HF_HA_R_NONE },
		{ 10, ACTIVE, false, false, ACTIVE, HF_HA_R_PEER_UNHEALTHY },
		{ 10, PASSIVE, true, false, PASSIVE, HF_HA_R_NONE },
		{ 30, PASSIVE, true, false, ACTIVE, HF_HA_R_ELECTION },
		{ 20, PASSIVE, true, false, PASSIVE, HF_HA_R_NONE },
		{ 10, PASSIVE, true, true, ACTIVE, HF_HA_R_PEER_YIELDED },
		{ 10, NONFUNC, false, false, ACTIVE, HF_HA_R_PEER_NONFUNC },
		{ 10, SUSPENDED, true, false, ACTIVE, HF_HA_R_PEER_SUSPENDED },
		{ 10, INITIAL, true, false, PASSIVE, HF_HA_R_NONE },
		{ 30, INITIAL, true, false, ACTIVE, HF_HA_R_ELECTION },
	};
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(rows); i++) {
		struct hf_ha_hello h;
		struct hf_ha_result r;
		struct hf_ha ha;

		print_message("row %zu\n", i);
		passive_under(&ha, &h, rows[i].prio, T0);
		h.state = rows[i].st;
		h.healthy = rows[i].healthy;
		h.yielding = rows[i].yielding;
		assert_int_equal(feed(&ha, T0 + MS(100), &h, &r), 0);
		EXPECT(&r, rows[i].want, rows[i].why,
		       rows[i].want == ACTIVE ? GO_ACTIVE : 0);
	}
}

/* Peer dead exactly at misses x interval + interval / 2, not before. */
static void test_peer_dead_exact(void **state)
{
	static const struct {
		uint32_t interval, misses;
		uint64_t deadline;
	} rows[] = {
		{ 100, 3, MS(350) },
		{ 10, 2, MS(25) },
		{ 50, 5, MS(275) },
		{ 25, 3, 87500000ULL },
	};
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(rows); i++) {
		uint64_t iv = MS(rows[i].interval), last, t;
		struct hf_ha_params p;
		struct hf_ha_hello h;
		struct hf_ha_result r;
		struct hf_ha ha;
		char want[HF_HA_TEXT_LEN];
		uint32_t k;

		print_message("row %zu\n", i);
		params(&p, 2, 20, false);
		p.hello_interval_ms = rows[i].interval;
		p.dead_misses = rows[i].misses;
		assert_int_equal(hf_ha_init(&ha, &p, T0, &r), 0);
		fake(&h, 1, 10, ACTIVE);
		h.interval_ms = rows[i].interval;
		assert_int_equal(feed(&ha, T0 + MS(1), &h, &r), 0);
		EXPECT_STATE(&ha, PASSIVE);

		/* N-1 hellos lost in a row: the N-th arrives in time. */
		last = T0 + MS(1);
		for (k = 1; k < rows[i].misses; k++) {
			hf_ha_tick(&ha, last + k * iv, &r);
			EXPECT_STATE(&ha, PASSIVE);
		}
		assert_int_equal(feed(&ha, last + rows[i].misses * iv, &h, &r),
				 0);
		EXPECT(&r, PASSIVE, HF_HA_R_NONE, 0);
		last += rows[i].misses * iv;
		assert_int_equal(ha.timers.peer_dead_ns,
				 last + rows[i].deadline);
		assert_true(hf_ha_next_expiry(&ha) <= last + rows[i].deadline);

		/* Now silence: alive until the last ns before the deadline. */
		for (t = last + iv; t < last + rows[i].deadline; t += iv) {
			hf_ha_tick(&ha, t, &r);
			EXPECT_STATE(&ha, PASSIVE);
		}
		hf_ha_tick(&ha, last + rows[i].deadline - 1, &r);
		EXPECT_STATE(&ha, PASSIVE);
		assert_true(ha.peer.alive);

		hf_ha_tick(&ha, last + rows[i].deadline, &r);
		EXPECT(&r, ACTIVE, HF_HA_R_PEER_DEAD, GO_ACTIVE);
		assert_false(ha.peer.alive);
		assert_int_equal(ha.timers.peer_dead_ns, HF_HA_NEVER);
		snprintf(want, sizeof(want),
			 "peer dead: %u heartbeats missed (no hello for %llu ms)",
			 rows[i].misses,
			 (unsigned long long)(rows[i].deadline / MS(1)));
		assert_string_equal(ha.last.text, want);
	}
}

/* Single losses (and pairs, with 3 misses) never cause a failover. */
static void test_lost_heartbeats_tolerated(void **state)
{
	/* 1 = delivered, 0 = lost: singles, then a run of two. */
	static const uint8_t pattern[] = {
		1, 0, 1, 0, 1, 1, 0, 1, 0, 0, 1, 1, 0, 0, 1, 0, 1,
	};
	struct hf_ha_hello h;
	struct hf_ha_result r;
	struct hf_ha ha;
	uint32_t actions = 0;
	uint64_t t;
	size_t k;

	(void)state;
	passive_under(&ha, &h, 10, T0);
	for (k = 0; k < 50 * ARRAY_SIZE(pattern); k++) {
		uint64_t sent = T0 + MS(10) + (k + 1) * MS(100);

		for (t = sent - MS(99); t <= sent; t += MS(1)) {
			hf_ha_tick(&ha, t, &r);
			actions |= r.actions;
		}
		if (pattern[k % ARRAY_SIZE(pattern)]) {
			assert_int_equal(feed(&ha, sent, &h, &r), 0);
			actions |= r.actions;
		}
		EXPECT_STATE(&ha, PASSIVE);
	}
	assert_int_equal(actions & (START | STOP | ANN), 0);
	assert_int_equal(ha.transitions, 1);
	assert_true(ha.peer.alive);
}

/* The dead timer follows the interval the peer advertises. */
static void test_peer_interval(void **state)
{
	struct hf_ha_hello h;
	struct hf_ha_result r;
	struct hf_ha ha;

	(void)state;
	start(&ha, 2, 20, false, T0);
	fake(&h, 1, 10, ACTIVE);
	h.interval_ms = 200;
	assert_int_equal(feed(&ha, T0, &h, &r), 0);
	assert_int_equal(ha.timers.peer_dead_ns, T0 + MS(700));
	hf_ha_tick(&ha, T0 + MS(699), &r);
	EXPECT_STATE(&ha, PASSIVE);
	hf_ha_tick(&ha, T0 + MS(700), &r);
	EXPECT(&r, ACTIVE, HF_HA_R_PEER_DEAD, GO_ACTIVE);

	/* Not advertised (0): ours, 100 ms. */
	start(&ha, 2, 20, false, T0);
	h.interval_ms = 0;
	assert_int_equal(feed(&ha, T0, &h, &r), 0);
	assert_int_equal(ha.peer.interval_ms, 100);
	assert_int_equal(ha.timers.peer_dead_ns, T0 + MS(350));
}

/* Crash (connection lost without goodbye) and goodbye: at once. */
static void test_crash_and_goodbye(void **state)
{
	static const struct {
		bool goodbye;
		enum hf_ha_reason why;
		const char *text;
	} rows[] = {
		{ false, HF_HA_R_PEER_CRASHED,
		  "peer node 1 crashed: HA1 connection lost without goodbye" },
		{ true, HF_HA_R_PEER_GOODBYE, "peer node 1 said goodbye" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(rows); i++) {
		uint64_t t = T0 + MS(123);
		struct hf_ha_hello h, h2;
		struct hf_ha_result r;
		struct hf_ha ha;

		passive_under(&ha, &h, 10, T0);
		if (rows[i].goodbye)
			hf_ha_on_peer_goodbye(&ha, t, &r);
		else
			hf_ha_on_peer_lost(&ha, t, &r);
		EXPECT(&r, ACTIVE, rows[i].why, GO_ACTIVE);
		assert_int_equal(ha.last.at_ns, t);	/* no timer */
		assert_string_equal(ha.last.text, rows[i].text);

		/* The connection end after a goodbye changes nothing. */
		hf_ha_on_peer_lost(&ha, t + 1, &r);
		EXPECT(&r, ACTIVE, HF_HA_R_NONE, 0);
		assert_int_equal(ha.peer.lost_reason, rows[i].why);

		/* An ACTIVE hello of the dead process still in flight. */
		h.seq += 5;
		assert_int_equal(hf_ha_on_hello(&ha, t + 2, &h, &r),
				 -ESHUTDOWN);
		EXPECT(&r, ACTIVE, HF_HA_R_NONE, 0);
		assert_int_equal(ha.split_brains, 0);
		assert_false(ha.peer.alive);

		/* The restarted process is heard. */
		fake(&h2, 1, 10, INITIAL);
		h2.incarnation = PEER_INC + 1;
		h2.synced = false;
		assert_int_equal(feed(&ha, t + MS(500), &h2, &r), 0);
		EXPECT(&r, ACTIVE, HF_HA_R_NONE, HELLO);
		assert_true(ha.peer.alive);
	}
}

static void test_active_loses_peer(void **state)
{
	struct hf_ha_hello h;
	struct hf_ha_result r;
	struct hf_ha ha;

	(void)state;
	active_alone(&ha, false, T0);
	fake(&h, 1, 10, PASSIVE);
	assert_int_equal(feed(&ha, T0 + MS(400), &h, &r), 0);
	EXPECT(&r, ACTIVE, HF_HA_R_NONE, HELLO);	/* new peer: answer */
	hf_ha_on_peer_lost(&ha, T0 + MS(450), &r);
	EXPECT(&r, ACTIVE, HF_HA_R_PEER_CRASHED, 0);	/* keeps forwarding */
	assert_int_equal(ha.transitions, 1);
}

/* A peer restarting faster than detection: treated as a crash. */
static void test_peer_restart_detected(void **state)
{
	struct hf_ha_hello h;
	struct hf_ha_result r;
	struct hf_ha ha;

	(void)state;
	passive_under(&ha, &h, 10, T0);
	h.incarnation = PEER_INC + 7;
	h.state = INITIAL;
	h.synced = false;
	h.seq = 1;
	assert_int_equal(hf_ha_on_hello(&ha, T0 + MS(50), &h, &r), 0);
	EXPECT(&r, ACTIVE, HF_HA_R_PEER_CRASHED, GO_ACTIVE);
	assert_string_equal(ha.last.text,
			    "peer node 1 restarted (new incarnation)");
	assert_true(ha.peer.alive);
	assert_int_equal(ha.peer.incarnation, PEER_INC + 7);
	assert_true(ha.peer.lost_valid);
	assert_int_equal(ha.peer.lost_incarnation, PEER_INC);
}

/* Hellos that must be ignored: nothing changes, not even liveness. */
static void test_hello_rejected(void **state)
{
	static const struct {
		const char *what;
		int err;
	} rows[] = {
		{ "own node id", -ELOOP },
		{ "state 5", -EPROTO },
		{ "state 0xffffffff", -EPROTO },
		{ "incarnation 0", -EPROTO },
		{ "interval 9", -ERANGE },
		{ "interval 60001", -ERANGE },
		{ "third node", -EEXIST },
		{ "same seq", -ESTALE },
		{ "older seq", -ESTALE },
	};
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(rows); i++) {
		struct hf_ha_hello h, bad;
		struct hf_ha_result r;
		struct hf_ha ha, before;

		passive_under(&ha, &h, 10, T0);
		bad = h;
		bad.seq = h.seq + 1;
		bad.state = NONFUNC;	/* would make us active */
		bad.healthy = false;
		switch (i) {
		case 0: bad.node_id = 2; break;
		case 1: bad.state = 5; break;
		case 2: bad.state = 0xffffffffu; break;
		case 3: bad.incarnation = 0; break;
		case 4: bad.interval_ms = 9; break;
		case 5: bad.interval_ms = 60001; break;
		case 6: bad.node_id = 3; break;
		case 7: bad.seq = h.seq; break;
		default: bad.seq = h.seq - 1; break;
		}
		before = ha;
		if (hf_ha_on_hello(&ha, T0 + MS(300), &bad, &r) != rows[i].err)
			fail_msg("%s: wrong error", rows[i].what);
		EXPECT(&r, PASSIVE, HF_HA_R_NONE, 0);
		assert_int_equal(r.transitions, 0);
		assert_int_equal(ha.hellos_rejected, 1);
		assert_int_equal(ha.hellos_rx, before.hellos_rx);
		assert_int_equal(ha.timers.peer_dead_ns,
				 before.timers.peer_dead_ns);
		assert_int_equal(ha.peer.seq, before.peer.seq);
		assert_int_equal(ha.peer.state, ACTIVE);
	}
}

/* Own-id hellos do not end INITIAL; sequence numbers wrap. */
static void test_hello_edge(void **state)
{
	struct hf_ha_hello h;
	struct hf_ha_result r;
	struct hf_ha ha;

	(void)state;
	start(&ha, 1, 10, false, T0);
	hf_ha_hello_build(&ha, &h);
	assert_int_equal(h.seq, 1);
	assert_int_equal(hf_ha_on_hello(&ha, T0 + MS(10), &h, &r), -ELOOP);
	EXPECT_STATE(&ha, INITIAL);
	hf_ha_tick(&ha, T0 + MS(350), &r);
	EXPECT(&r, ACTIVE, HF_HA_R_NO_PEER, GO_ACTIVE);

	start(&ha, 2, 20, false, T0);
	fake(&h, 1, 10, ACTIVE);
	h.seq = 0xfffffffeu;
	assert_int_equal(feed(&ha, T0 + MS(100), &h, &r), 0);
	assert_int_equal(h.seq, 0xffffffffu);
	assert_int_equal(feed(&ha, T0 + MS(200), &h, &r), 0);
	assert_int_equal(h.seq, 0);			/* wrapped: newer */
	assert_int_equal(ha.peer.seq, 0);
	h.seq = 0xfffffff0u;
	assert_int_equal(hf_ha_on_hello(&ha, T0 + MS(300), &h, &r), -ESTALE);
}

/* What hf_ha_hello_build() says about us. */
static void test_hello_build(void **state)
{
	struct hf_ha_params p;
	struct hf_ha_hello h;
	struct hf_ha_result r;
	struct hf_ha ha;

	(void)state;
	params(&p, 7, 42, true);
	p.hello_interval_ms = 50;
	assert_int_equal(hf_ha_init(&ha, &p, T0, &r), 0);
	hf_ha_hello_build(&ha, &h);
	assert_int_equal(h.node_id, 7);
	assert_int_equal(h.priority, 42);
	assert_int_equal(h.state, INITIAL);
	assert_true(h.healthy);
	assert_true(h.preempt);
	assert_false(h.synced);
	assert_false(h.takeover);
	assert_false(h.yielding);
	assert_int_equal(h.interval_ms, 50);
	assert_int_equal(h.incarnation, 0xA007);
	assert_int_equal(h.seq, 1);
	hf_ha_set_health(&ha, T0 + 1, HF_HA_FAULT_PATH_GROUP, "gw", &r);
	hf_ha_hello_build(&ha, &h);
	assert_int_equal(h.state, NONFUNC);
	assert_false(h.healthy);
	assert_int_equal(h.seq, 2);
}

/* ---- preemption (fake peer) ------------------------------------------ */

static void test_preempt_hold(void **state)
{
	struct hf_ha_hello h, mine;
	struct hf_ha_result r;
	struct hf_ha ha;
	struct acc a;
	uint64_t ts;

	(void)state;
	/* We are node 1 prio 10, the incumbent node 2 prio 20. */
	start(&ha, 1, 10, true, T0);
	fake(&h, 2, 20, ACTIVE);
	h.preempt = true;
	assert_int_equal(feed(&ha, T0, &h, &r), 0);
	EXPECT(&r, PASSIVE, HF_HA_R_PEER_ACTIVE, HELLO | BULK);

	/* Not synced: no hold, however long. */
	a = run1(&ha, &h, T0, T0 + MS(5000));
	assert_int_equal(a.transitions, 0);
	assert_int_equal(a.actions & BULK, 0);		/* asked once */
	assert_int_equal(ha.timers.preempt_ns, HF_HA_NEVER);

	/* Synced: the hold starts now. */
	ts = T0 + MS(5000);
	hf_ha_set_synced(&ha, ts, true, &r);
	EXPECT(&r, PASSIVE, HF_HA_R_NONE, HELLO);
	assert_int_equal(ha.timers.preempt_ns, ts + MS(1000));
	assert_int_equal(hf_ha_next_expiry(&ha), ts + MS(100));

	/* Sync breaks mid-hold: disarmed; back: a fresh full hold. */
	run1(&ha, &h, ts, ts + MS(500));
	hf_ha_set_synced(&ha, ts + MS(500), false, &r);
	EXPECT(&r, PASSIVE, HF_HA_R_NONE, HELLO | BULK);
	assert_int_equal(ha.timers.preempt_ns, HF_HA_NEVER);
	hf_ha_set_synced(&ha, ts + MS(600), true, &r);
	assert_int_equal(ha.timers.preempt_ns, ts + MS(1600));

	a = run1(&ha, &h, ts + MS(600), ts + MS(1599));
	assert_false(ha.takeover_req);
	hf_ha_hello_build(&ha, &mine);
	assert_false(mine.takeover);

	hf_ha_tick(&ha, ts + MS(1600), &r);
	EXPECT(&r, PASSIVE, HF_HA_R_PREEMPT, HELLO);
	assert_true(ha.takeover_req);
	hf_ha_hello_build(&ha, &mine);
	assert_true(mine.takeover);
	assert_true(mine.synced);

	/* The incumbent steps down (its hello says PASSIVE): we go. */
	h.state = PASSIVE;
	assert_int_equal(feed(&ha, ts + MS(1601), &h, &r), 0);
	EXPECT(&r, ACTIVE, HF_HA_R_PREEMPT, GO_ACTIVE);
	assert_string_equal(ha.last.text,
			    "preempt: priority 10 < 20 after hold 1000 ms");
	assert_false(ha.takeover_req);
}

/* The preemption hold never arms unless every condition holds. */
static void test_preempt_conditions(void **state)
{
	static const struct {
		const char *what;
		bool my_preempt, peer_preempt;
		uint32_t my_prio;
		bool arms;
	} rows[] = {
		{ "all good", true, true, 10, true },
		{ "preempt off here (default)", false, true, 10, false },
		{ "preempt off at the peer", true, false, 10, false },
		{ "not preferred", true, true, 30, false },
		{ "equal prio, higher id", true, true, 20, false },
	};
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(rows); i++) {
		struct hf_ha_hello h;
		struct hf_ha_result r;
		struct hf_ha ha;
		struct acc a;

		print_message("%s\n", rows[i].what);
		start(&ha, 3, rows[i].my_prio, rows[i].my_preempt, T0);
		fake(&h, 2, 20, ACTIVE);
		h.preempt = rows[i].peer_preempt;
		assert_int_equal(feed(&ha, T0, &h, &r), 0);
		hf_ha_set_synced(&ha, T0 + MS(1), true, &r);
		assert_int_equal(ha.timers.preempt_ns != HF_HA_NEVER,
				 rows[i].arms);
		a = run1(&ha, &h, T0 + MS(1), T0 + MS(3000));
		assert_int_equal(ha.takeover_req, rows[i].arms);
		assert_int_equal(a.transitions, 0);
		EXPECT_STATE(&ha, PASSIVE);
	}
}

/* The ACTIVE side: which takeover requests it honours. */
static void test_takeover_table(void **state)
{
	static const struct {
		const char *what;
		bool my_preempt, peer_preempt, synced, healthy;
		uint32_t prio;
		bool steps_down;
	} rows[] = {
		{ "valid request", true, true, true, true, 10, true },
		{ "preempt off here", false, true, true, true, 10, false },
		{ "preempt off there", true, false, true, true, 10, false },
		{ "requester not synced", true, true, false, true, 10, false },
		{ "requester unhealthy", true, true, true, false, 10, false },
		{ "requester not preferred", true, true, true, true, 30, false },
	};
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(rows); i++) {
		struct hf_ha_hello h;
		struct hf_ha_result r;
		struct hf_ha ha;

		print_message("%s\n", rows[i].what);
		active_alone(&ha, rows[i].my_preempt, T0);
		fake(&h, 1, rows[i].prio, PASSIVE);
		h.preempt = rows[i].peer_preempt;
		h.synced = rows[i].synced;
		h.healthy = rows[i].healthy;
		h.takeover = true;
		assert_int_equal(feed(&ha, T0 + MS(400), &h, &r), 0);
		if (rows[i].steps_down) {
			EXPECT(&r, PASSIVE, HF_HA_R_PREEMPTED, STOP | HELLO);
			assert_string_equal(ha.last.text,
					    "preempted by node 1: priority 10 < 20");
			assert_true(ha.synced);	/* was the source */
			assert_false(ha.yielding);
		} else {
			EXPECT(&r, ACTIVE, HF_HA_R_NONE, HELLO);
		}
	}
}

/* ---- admin commands, health, flaps (fake peer) ----------------------- */

static void test_admin_failover_errors(void **state)
{
	static const struct {
		const char *what;
		int err;
	} rows[] = {
		{ "not active", -EINVAL },
		{ "no peer", -ENOTCONN },
		{ "peer non-functional", -EBUSY },
		{ "peer initial", -EBUSY },
		{ "peer passive unhealthy", -EBUSY },
		{ "peer not synced", -EAGAIN },
		{ "ok", 0 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(rows); i++) {
		struct hf_ha_hello h;
		struct hf_ha_result r;
		struct hf_ha ha;
		uint64_t n;

		print_message("%s\n", rows[i].what);
		if (i == 0) {
			passive_under(&ha, &h, 10, T0);
		} else {
			active_alone(&ha, false, T0);
			fake(&h, 1, 10, PASSIVE);
			h.state = i == 2 ? NONFUNC : i == 3 ? INITIAL : PASSIVE;
			h.healthy = i != 4 && i != 2;
			h.synced = i != 5;
			if (i != 1)
				assert_int_equal(feed(&ha, T0 + MS(400), &h,
						      &r), 0);
			EXPECT_STATE(&ha, ACTIVE);
		}
		n = ha.transitions;
		assert_int_equal(hf_ha_admin_failover(&ha, T0 + MS(401), &r),
				 rows[i].err);
		if (rows[i].err) {
			EXPECT(&r, i == 0 ? PASSIVE : ACTIVE, HF_HA_R_NONE, 0);
			assert_int_equal(ha.transitions, n);
			continue;
		}
		EXPECT(&r, PASSIVE, HF_HA_R_ADMIN_FAILOVER, STOP | HELLO);
		assert_string_equal(ha.last.text, "admin failover to node 1");
		assert_true(ha.yielding);
		assert_int_equal(ha.timers.yield_ns, T0 + MS(401) + MS(350));
	}
}

/* The peer never takes over: stop yielding after the dead timeout. */
static void test_failover_timeout(void **state)
{
	struct hf_ha_hello h, mine;
	struct hf_ha_result r;
	struct hf_ha ha;
	struct acc a;
	uint64_t t = T0 + MS(400);

	(void)state;
	active_alone(&ha, false, T0);
	fake(&h, 3, 30, PASSIVE);		/* we (prio 20) are preferred */
	assert_int_equal(feed(&ha, t, &h, &r), 0);
	assert_int_equal(hf_ha_admin_failover(&ha, t, &r), 0);
	hf_ha_hello_build(&ha, &mine);
	assert_true(mine.yielding);
	assert_int_equal(mine.state, PASSIVE);

	/* The peer keeps saying PASSIVE: we wait, yielding... */
	a = run1(&ha, &h, t, t + MS(349));
	assert_int_equal(a.transitions, 0);
	assert_true(ha.yielding);
	/* ... until the timeout, then the election puts us back. */
	hf_ha_tick(&ha, t + MS(350), &r);
	EXPECT(&r, ACTIVE, HF_HA_R_FAILOVER_TIMEOUT, GO_ACTIVE);
	assert_string_equal(ha.last.text,
			    "failover not taken by node 3; election: priority 20 < 30");
	assert_false(ha.yielding);
}

static void test_suspend_functional(void **state)
{
	struct hf_ha_hello h;
	struct hf_ha_result r;
	struct hf_ha ha;
	struct acc a;

	(void)state;
	/* ACTIVE -> SUSPENDED stops forwarding. */
	active_alone(&ha, false, T0);
	fake(&h, 1, 10, PASSIVE);
	assert_int_equal(feed(&ha, T0 + MS(400), &h, &r), 0);
	assert_int_equal(hf_ha_admin_suspend(&ha, T0 + MS(500), &r), 0);
	EXPECT(&r, SUSPENDED, HF_HA_R_ADMIN_SUSPEND, STOP | HELLO);
	assert_int_equal(hf_ha_admin_suspend(&ha, T0 + MS(501), &r), 0);
	EXPECT(&r, SUSPENDED, HF_HA_R_NONE, 0);		/* idempotent */

	/* Nothing but admin functional leaves SUSPENDED. */
	h.state = ACTIVE;
	a = run1(&ha, &h, T0 + MS(500), T0 + MS(1500));
	assert_int_equal(a.transitions, 0);
	hf_ha_set_health(&ha, T0 + MS(1501), HF_HA_FAULT_LINK_GROUP, NULL, &r);
	EXPECT(&r, SUSPENDED, HF_HA_R_NONE, HELLO);
	hf_ha_set_health(&ha, T0 + MS(1502), HF_HA_FAULT_NONE, NULL, &r);
	EXPECT(&r, SUSPENDED, HF_HA_R_NONE, HELLO);
	hf_ha_on_peer_lost(&ha, T0 + MS(1503), &r);
	EXPECT(&r, SUSPENDED, HF_HA_R_PEER_CRASHED, 0);
	hf_ha_tick(&ha, T0 + MS(5000), &r);
	EXPECT_STATE(&ha, SUSPENDED);

	/* Functional with no peer: PASSIVE, then ACTIVE at once. */
	assert_int_equal(hf_ha_admin_functional(&ha, T0 + MS(5001), &r), 0);
	EXPECT(&r, ACTIVE, HF_HA_R_PEER_CRASHED, GO_ACTIVE);
	assert_int_equal(r.transitions, 2);
	assert_int_equal(hf_ha_admin_functional(&ha, T0 + MS(5002), &r), 0);
	EXPECT(&r, ACTIVE, HF_HA_R_NONE, 0);		/* not suspended */

	/* Functional under an ACTIVE peer: PASSIVE and a bulk sync. */
	passive_under(&ha, &h, 10, T0);
	hf_ha_set_synced(&ha, T0 + MS(20), true, &r);
	assert_int_equal(hf_ha_admin_suspend(&ha, T0 + MS(30), &r), 0);
	EXPECT(&r, SUSPENDED, HF_HA_R_ADMIN_SUSPEND, HELLO);
	assert_int_equal(hf_ha_admin_functional(&ha, T0 + MS(40), &r), 0);
	EXPECT(&r, PASSIVE, HF_HA_R_ADMIN_FUNCTIONAL, HELLO | BULK);
	assert_false(ha.synced);

	/* Functional while unhealthy: NON-FUNCTIONAL. */
	hf_ha_admin_suspend(&ha, T0 + MS(50), &r);
	hf_ha_set_health(&ha, T0 + MS(60), HF_HA_FAULT_DATAPLANE, NULL, &r);
	assert_int_equal(hf_ha_admin_functional(&ha, T0 + MS(70), &r), 0);
	EXPECT(&r, NONFUNC, HF_HA_R_ADMIN_FUNCTIONAL, HELLO);
}

static void test_nonfunctional(void **state)
{
	static const struct {
		enum hf_ha_fault f;
		const char *detail;
		const char *text;
	} rows[] = {
		{ HF_HA_FAULT_LINK_GROUP, "eth1 down",
		  "local fault: link-group: eth1 down" },
		{ HF_HA_FAULT_PATH_GROUP, NULL, "local fault: path-group" },
		{ HF_HA_FAULT_DATAPLANE, "worker 3",
		  "local fault: dataplane-stuck: worker 3" },
	};
	struct hf_ha_hello h;
	struct hf_ha_result r;
	struct hf_ha ha;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(rows); i++) {
		/* PASSIVE: not forwarding, nothing to stop. */
		passive_under(&ha, &h, 10, T0);
		hf_ha_set_health(&ha, T0 + MS(50), rows[i].f, rows[i].detail,
				 &r);
		EXPECT(&r, NONFUNC, HF_HA_R_LOCAL_FAULT, HELLO);
		assert_string_equal(ha.last.text, rows[i].text);
		/* Recovery: PASSIVE under the active, never ACTIVE. */
		assert_int_equal(feed(&ha, T0 + MS(100), &h, &r), 0);
		hf_ha_set_health(&ha, T0 + MS(150), HF_HA_FAULT_NONE, NULL,
				 &r);
		EXPECT(&r, PASSIVE, HF_HA_R_RECOVERED, HELLO | BULK);
		assert_false(ha.synced);

		/* ACTIVE: stops forwarding. */
		active_alone(&ha, false, T0);
		hf_ha_set_health(&ha, T0 + MS(400), rows[i].f, rows[i].detail,
				 &r);
		EXPECT(&r, NONFUNC, HF_HA_R_LOCAL_FAULT, STOP | HELLO);
	}

	/* Another fault while non-functional: recorded, no transition. */
	hf_ha_set_health(&ha, T0 + MS(500), HF_HA_FAULT_PATH_GROUP, "x", &r);
	EXPECT(&r, NONFUNC, HF_HA_R_NONE, 0);
	assert_int_equal(ha.fault, HF_HA_FAULT_PATH_GROUP);
	assert_int_equal(hf_ha_set_health(&ha, T0 + MS(501), HF_HA_FAULT_MAX,
					  NULL, &r), -EINVAL);
	/* Recovery with no peer: through PASSIVE to ACTIVE. */
	hf_ha_set_health(&ha, T0 + MS(600), HF_HA_FAULT_NONE, NULL, &r);
	EXPECT(&r, ACTIVE, HF_HA_R_NO_PEER, GO_ACTIVE);
	assert_int_equal(r.transitions, 2);

	/* INITIAL with a fault: the initial wait does not make it active. */
	start(&ha, 1, 10, false, T0);
	hf_ha_set_health(&ha, T0 + MS(1), HF_HA_FAULT_LINK_GROUP, NULL, &r);
	EXPECT(&r, NONFUNC, HF_HA_R_LOCAL_FAULT, HELLO);
	hf_ha_tick(&ha, T0 + MS(1000), &r);
	EXPECT_STATE(&ha, NONFUNC);
	assert_int_equal(ha.timers.init_wait_ns, HF_HA_NEVER);
}

/*
 * Node 1 prio 10 ACTIVE over a fake passive node 2 prio 20; faults at
 * the given delays after each entry into ACTIVE.
 */
static void flap_run(struct hf_ha *ha, uint32_t flap_max, bool peer_alive,
		     const uint32_t *after_ms, size_t n, enum hf_ha_state *end)
{
	struct hf_ha_params p;
	struct hf_ha_hello h;
	struct hf_ha_result r;
	uint64_t t = T0;
	size_t k;

	params(&p, 1, 10, false);
	p.flap_max = flap_max;
	assert_int_equal(hf_ha_init(ha, &p, t, &r), 0);
	fake(&h, 2, 20, PASSIVE);
	assert_int_equal(feed(ha, t, &h, &r), 0);
	EXPECT(&r, ACTIVE, HF_HA_R_ELECTION, GO_ACTIVE);
	if (!peer_alive)
		hf_ha_on_peer_goodbye(ha, t, &r);
	for (k = 0; k < n; k++) {
		t += MS(after_ms[k]);
		if (peer_alive)
			assert_int_equal(feed(ha, t, &h, &r), 0);
		hf_ha_set_health(ha, t, HF_HA_FAULT_LINK_GROUP, "eth1", &r);
		end[k] = ha->state;
		if (ha->state == SUSPENDED)
			return;
		EXPECT(&r, NONFUNC, HF_HA_R_LOCAL_FAULT, STOP | HELLO);
		t += MS(1000);
		if (peer_alive)
			assert_int_equal(feed(ha, t, &h, &r), 0);
		hf_ha_set_health(ha, t, HF_HA_FAULT_NONE, NULL, &r);
		/* The peer is still passive (or gone): straight back. */
		EXPECT_STATE(ha, ACTIVE);
	}
}

static void test_flap_limit(void **state)
{
	static const uint32_t quick[] = { 5000, 5000, 5000 };
	static const uint32_t stable[] = { 5000, 5000, 60000, 5000 };
	static const char flap_text[] =
		"flap limit: 3 flaps within 60000 ms of going active, last link-group: eth1";
	enum hf_ha_state end[4];
	struct hf_ha_result r;
	struct hf_ha ha;

	(void)state;
	/* Three quick exits from ACTIVE: the third suspends. */
	flap_run(&ha, 3, true, quick, ARRAY_SIZE(quick), end);
	assert_int_equal(end[0], NONFUNC);
	assert_int_equal(end[1], NONFUNC);
	assert_int_equal(end[2], SUSPENDED);
	assert_int_equal(ha.last.reason, HF_HA_R_FLAP_LIMIT);
	assert_int_equal(ha.last.from, ACTIVE);
	assert_string_equal(ha.last.text, flap_text);
	assert_int_equal(ha.flaps, 3);

	/* A stay of a full window resets the count. */
	flap_run(&ha, 3, true, stable, ARRAY_SIZE(stable), end);
	assert_int_equal(end[2], NONFUNC);
	assert_int_equal(end[3], NONFUNC);
	assert_int_equal(ha.flaps, 1);

	/* No limit configured. */
	flap_run(&ha, 0, true, quick, ARRAY_SIZE(quick), end);
	assert_int_equal(end[2], NONFUNC);
	assert_int_equal(ha.flaps, 3);

	/* No standby: never suspend the only forwarder. */
	flap_run(&ha, 3, false, quick, ARRAY_SIZE(quick), end);
	assert_int_equal(end[2], NONFUNC);

	/* Admin functional resets the counter. */
	flap_run(&ha, 3, true, quick, ARRAY_SIZE(quick), end);
	assert_int_equal(end[2], SUSPENDED);
	/* Still faulty: functional would give NON-FUNCTIONAL. */
	hf_ha_set_health(&ha, T0 + MS(29000), HF_HA_FAULT_NONE, NULL, &r);
	EXPECT(&r, SUSPENDED, HF_HA_R_NONE, HELLO);
	assert_int_equal(hf_ha_admin_functional(&ha, T0 + MS(30000), &r), 0);
	/* Back through PASSIVE; the (stale) passive peer loses: ACTIVE. */
	EXPECT(&r, ACTIVE, HF_HA_R_ELECTION, GO_ACTIVE);
	assert_int_equal(r.transitions, 2);
	assert_int_equal(ha.flaps, 0);
}

/* Split brain seen by one machine: the winner re-announces once. */
static void test_split_brain_winner(void **state)
{
	struct hf_ha_hello h;
	struct hf_ha_result r;
	struct hf_ha ha;

	(void)state;
	active_alone(&ha, false, T0);		/* node 2 prio 20 */
	fake(&h, 3, 30, ACTIVE);
	assert_int_equal(feed(&ha, T0 + MS(400), &h, &r), 0);
	EXPECT(&r, ACTIVE, HF_HA_R_SPLIT_BRAIN, ANN | HELLO);
	assert_int_equal(ha.split_brains, 1);
	assert_int_equal(feed(&ha, T0 + MS(410), &h, &r), 0);
	EXPECT(&r, ACTIVE, HF_HA_R_NONE, 0);		/* same episode */
	h.state = PASSIVE;				/* the loser yields */
	assert_int_equal(feed(&ha, T0 + MS(420), &h, &r), 0);
	EXPECT(&r, ACTIVE, HF_HA_R_NONE, 0);
	h.state = ACTIVE;				/* a new episode */
	assert_int_equal(feed(&ha, T0 + MS(430), &h, &r), 0);
	EXPECT(&r, ACTIVE, HF_HA_R_SPLIT_BRAIN, ANN | HELLO);
	assert_int_equal(ha.split_brains, 2);

	/* An unhealthy active peer loses even with a better priority. */
	active_alone(&ha, false, T0);
	fake(&h, 1, 1, ACTIVE);
	h.healthy = false;
	assert_int_equal(feed(&ha, T0 + MS(400), &h, &r), 0);
	EXPECT(&r, ACTIVE, HF_HA_R_SPLIT_BRAIN, ANN | HELLO);

	/* The loser's side. */
	active_alone(&ha, false, T0);
	hf_ha_set_synced(&ha, T0 + MS(360), true, &r);
	fake(&h, 1, 10, ACTIVE);
	assert_int_equal(feed(&ha, T0 + MS(400), &h, &r), 0);
	EXPECT(&r, PASSIVE, HF_HA_R_SPLIT_BRAIN, STOP | HELLO | BULK);
	assert_string_equal(ha.last.text,
			    "split brain: node 1 stays active, priority 10 < 20");
	assert_false(ha.synced);
	assert_int_equal(ha.split_brains, 1);
}

/* A peer back after an HA link outage: the active re-announces. */
static void test_peer_returned(void **state)
{
	struct hf_ha_hello h;
	struct hf_ha_result r;
	struct hf_ha ha;

	(void)state;
	active_alone(&ha, false, T0);
	fake(&h, 3, 30, PASSIVE);
	assert_int_equal(feed(&ha, T0 + MS(400), &h, &r), 0);
	EXPECT(&r, ACTIVE, HF_HA_R_NONE, HELLO);
	hf_ha_tick(&ha, T0 + MS(750), &r);
	EXPECT(&r, ACTIVE, HF_HA_R_PEER_DEAD, HELLO);	/* periodic too */
	/* Same incarnation, already passive again: it may have forwarded. */
	assert_int_equal(feed(&ha, T0 + MS(2000), &h, &r), 0);
	EXPECT(&r, ACTIVE, HF_HA_R_PEER_RETURNED, ANN | HELLO);
	assert_int_equal(ha.split_brains, 0);
	assert_int_equal(feed(&ha, T0 + MS(2100), &h, &r), 0);
	EXPECT(&r, ACTIVE, HF_HA_R_NONE, 0);

	/* Gone by crash, back as a new process: it never forwarded. */
	hf_ha_on_peer_lost(&ha, T0 + MS(2200), &r);
	h.incarnation++;
	h.state = INITIAL;
	assert_int_equal(feed(&ha, T0 + MS(2300), &h, &r), 0);
	EXPECT(&r, ACTIVE, HF_HA_R_NONE, HELLO);

	/* A passive node whose peer returns: nothing to announce. */
	passive_under(&ha, &h, 10, T0);
	hf_ha_set_health(&ha, T0 + MS(20), HF_HA_FAULT_OTHER, NULL, &r);
	hf_ha_tick(&ha, T0 + MS(400), &r);
	EXPECT(&r, NONFUNC, HF_HA_R_PEER_DEAD, HELLO);
	assert_int_equal(feed(&ha, T0 + MS(500), &h, &r), 0);
	EXPECT(&r, NONFUNC, HF_HA_R_NONE, HELLO);
}

static void test_reconfigure(void **state)
{
	struct hf_ha_params p;
	struct hf_ha_hello h;
	struct hf_ha_result r;
	struct hf_ha ha;

	(void)state;
	passive_under(&ha, &h, 10, T0);		/* we: node 2 prio 20 */
	h.preempt = true;
	assert_int_equal(feed(&ha, T0 + MS(15), &h, &r), 0);
	hf_ha_set_synced(&ha, T0 + MS(20), true, &r);
	assert_int_equal(ha.timers.preempt_ns, HF_HA_NEVER);

	p = ha.params;
	p.priority = 5;
	p.preempt = true;
	assert_int_equal(hf_ha_reconfigure(&ha, &p, T0 + MS(30), &r), 0);
	EXPECT(&r, PASSIVE, HF_HA_R_NONE, HELLO);
	assert_int_equal(ha.timers.preempt_ns, T0 + MS(1030));

	p.node_id = 9;
	assert_int_equal(hf_ha_reconfigure(&ha, &p, T0 + MS(40), &r), -EINVAL);
	p.node_id = 2;
	p.hello_interval_ms = 5;
	assert_int_equal(hf_ha_reconfigure(&ha, &p, T0 + MS(40), &r), -ERANGE);
	assert_int_equal(ha.params.hello_interval_ms, 100);

	/* Preemption turned off during the hold: disarmed. */
	p = ha.params;
	p.preempt = false;
	assert_int_equal(hf_ha_reconfigure(&ha, &p, T0 + MS(50), &r), 0);
	assert_int_equal(ha.timers.preempt_ns, HF_HA_NEVER);
}

static void test_next_expiry(void **state)
{
	struct hf_ha_hello h;
	struct hf_ha_result r;
	struct hf_ha ha;

	(void)state;
	/* PASSIVE: the hello (T0+110) before the dead timer (T0+360). */
	passive_under(&ha, &h, 10, T0);
	assert_int_equal(ha.timers.hello_ns, T0 + MS(110));
	assert_int_equal(ha.timers.peer_dead_ns, T0 + MS(360));
	assert_int_equal(hf_ha_next_expiry(&ha), T0 + MS(110));

	/* A 1 s hello interval: now the dead timer comes first. */
	ha.params.hello_interval_ms = 1000;
	hf_ha_tick(&ha, T0 + MS(110), &r);
	assert_int_equal(ha.timers.hello_ns, T0 + MS(1110));
	assert_int_equal(hf_ha_next_expiry(&ha), T0 + MS(360));

	/* With no peer, only the hello timer is armed. */
	hf_ha_on_peer_lost(&ha, T0 + MS(120), &r);
	EXPECT_STATE(&ha, ACTIVE);
	assert_int_equal(ha.timers.peer_dead_ns, HF_HA_NEVER);
	assert_int_equal(ha.timers.preempt_ns, HF_HA_NEVER);
	assert_int_equal(ha.timers.yield_ns, HF_HA_NEVER);
	assert_int_equal(ha.timers.init_wait_ns, HF_HA_NEVER);
	assert_int_equal(hf_ha_next_expiry(&ha), ha.timers.hello_ns);
	assert_true(hf_ha_next_expiry(&ha) != HF_HA_NEVER);
}

/* ---- two real machines ------------------------------------------------ */

struct sim_node {
	struct hf_ha ha;
	struct hf_ha_params p;
	bool up;
	bool fwd;			/* from START/STOP actions */
	unsigned int starts, stops, announces, bulk_reqs, restarts;
};

struct sim {
	struct sim_node n[2];
	bool link;			/* HA link up */
	uint64_t now;
	unsigned int depth;
	unsigned int dual;		/* starts while the peer forwards */
};

static void sim_apply(struct sim *s, int i, const struct hf_ha_result *r);

static void sim_send(struct sim *s, int i)
{
	struct sim_node *to = &s->n[!i];
	struct hf_ha_hello h;
	struct hf_ha_result r;

	hf_ha_hello_build(&s->n[i].ha, &h);
	if (!s->link || !to->up)
		return;
	assert_true(s->depth < 8);		/* no hello ping-pong */
	s->depth++;
	assert_int_equal(hf_ha_on_hello(&to->ha, s->now, &h, &r), 0);
	sim_apply(s, !i, &r);
	s->depth--;
}

static void sim_apply(struct sim *s, int i, const struct hf_ha_result *r)
{
	struct sim_node *n = &s->n[i], *o = &s->n[!i];
	uint32_t a = r->actions;

	assert_int_equal(n->ha.state, r->to);
	if (a & STOP) {
		assert_true(n->fwd);
		n->fwd = false;
		n->stops++;
	}
	if (a & START) {
		assert_false(n->fwd);
		if (s->link && o->up && o->fwd)
			s->dual++;
		n->fwd = true;
		n->starts++;
	}
	if (a & ANN) {
		assert_true(n->fwd);
		n->announces++;
	}
	if (a & BULK)
		n->bulk_reqs++;
	assert_int_equal(n->fwd, hf_ha_state_is_forwarding(n->ha.state));
	if (a & HELLO)
		sim_send(s, i);
}

static void sim_synced(struct sim *s, int i)
{
	struct hf_ha_result r;

	hf_ha_set_synced(&s->n[i].ha, s->now, true, &r);
	sim_apply(s, i, &r);
}

static void sim_health(struct sim *s, int i, enum hf_ha_fault f)
{
	struct hf_ha_result r;

	hf_ha_set_health(&s->n[i].ha, s->now, f, "eth0", &r);
	sim_apply(s, i, &r);
}

static void sim_params(struct sim *s, int i, uint32_t id, uint32_t prio,
		       bool preempt)
{
	params(&s->n[i].p, id, prio, preempt);
}

static void sim_start(struct sim *s, int i)
{
	struct sim_node *n = &s->n[i];
	struct hf_ha_result r;

	n->p.incarnation = 0xA000 + n->p.node_id * 16 + n->restarts++;
	assert_int_equal(hf_ha_init(&n->ha, &n->p, s->now, &r), 0);
	n->up = true;
	n->fwd = false;
	sim_apply(s, i, &r);
}

/* kill -9: the peer's HA1 connection ends (if the link works). */
static void sim_crash(struct sim *s, int i, bool goodbye)
{
	struct sim_node *o = &s->n[!i];
	struct hf_ha_result r;

	s->n[i].up = false;
	s->n[i].fwd = false;
	if (!s->link || !o->up)
		return;
	if (goodbye)
		hf_ha_on_peer_goodbye(&o->ha, s->now, &r);
	else
		hf_ha_on_peer_lost(&o->ha, s->now, &r);
	sim_apply(s, !i, &r);
}

/* Power off: no FIN, only missed heartbeats tell. */
static void sim_power_off(struct sim *s, int i)
{
	s->n[i].up = false;
	s->n[i].fwd = false;
}

static void sim_run(struct sim *s, uint64_t until)
{
	struct hf_ha_result r;
	int i;

	while (s->now < until) {
		s->now += MS(1);
		for (i = 0; i < 2; i++) {
			if (!s->n[i].up)
				continue;
			hf_ha_tick(&s->n[i].ha, s->now, &r);
			sim_apply(s, i, &r);
		}
	}
}

static int sim_active(const struct sim *s)
{
	if (s->n[0].fwd && !s->n[1].fwd)
		return 0;
	if (s->n[1].fwd && !s->n[0].fwd)
		return 1;
	return -1;
}

static void sim_init(struct sim *s)
{
	memset(s, 0, sizeof(*s));
	s->link = true;
	s->now = T0;
}

/* Both start together: the election alone picks the active. */
static void test_sim_start_together(void **state)
{
	static const struct {
		uint32_t id0, prio0, id1, prio1;
		bool first1;		/* node 1 starts first */
		int active;
	} rows[] = {
		{ 1, 10, 2, 20, false, 0 },
		{ 1, 10, 2, 20, true, 0 },
		{ 1, 20, 2, 10, false, 1 },
		{ 1, 50, 2, 50, true, 0 },
		{ 7, 50, 3, 50, false, 1 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(rows); i++) {
		struct sim s;
		int a;

		print_message("row %zu\n", i);
		sim_init(&s);
		sim_params(&s, 0, rows[i].id0, rows[i].prio0, false);
		sim_params(&s, 1, rows[i].id1, rows[i].prio1, false);
		sim_start(&s, rows[i].first1 ? 1 : 0);
		sim_start(&s, rows[i].first1 ? 0 : 1);
		/* Decided at once, at the first exchange. */
		assert_int_equal(sim_active(&s), rows[i].active);
		sim_run(&s, T0 + MS(3000));
		a = rows[i].active;
		assert_int_equal(sim_active(&s), a);
		assert_int_equal(s.n[a].ha.transitions, 1);
		assert_int_equal(s.n[!a].ha.state, PASSIVE);
		assert_int_equal(s.n[!a].bulk_reqs, 1);
		assert_int_equal(s.dual, 0);
	}
}

/* Kill -9 / clean stop / power off of the active, then it returns. */
static void test_sim_active_dies(void **state)
{
	static const struct {
		const char *what;
		int how;		/* 0 crash, 1 goodbye, 2 power off */
		enum hf_ha_reason why;
		uint64_t detect;	/* after the last hello from A */
	} rows[] = {
		{ "kill -9", 0, HF_HA_R_PEER_CRASHED, 0 },
		{ "clean stop", 1, HF_HA_R_PEER_GOODBYE, 0 },
		{ "power off", 2, HF_HA_R_PEER_DEAD, MS(350) },
	};
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(rows); i++) {
		struct sim s;
		uint64_t t_kill;

		print_message("%s\n", rows[i].what);
		sim_init(&s);
		sim_params(&s, 0, 1, 10, false);
		sim_params(&s, 1, 2, 20, false);
		sim_start(&s, 0);
		sim_start(&s, 1);
		sim_run(&s, T0 + MS(2050));
		assert_int_equal(sim_active(&s), 0);

		t_kill = s.now;
		if (rows[i].how == 2)
			sim_power_off(&s, 0);
		else
			sim_crash(&s, 0, rows[i].how == 1);
		sim_run(&s, t_kill + MS(1000));
		assert_int_equal(sim_active(&s), 1);
		assert_int_equal(s.n[1].ha.last.reason, rows[i].why);
		if (rows[i].how == 2)
			assert_int_equal(s.n[1].ha.last.at_ns,
					 s.n[1].ha.peer.last_rx_ns + MS(350));
		else
			assert_int_equal(s.n[1].ha.last.at_ns, t_kill);

		/* A comes back: PASSIVE under B (no preemption), bulk. */
		sim_start(&s, 0);
		assert_int_equal(s.n[0].ha.state, PASSIVE);
		assert_int_equal(s.n[0].ha.last.reason, HF_HA_R_PEER_ACTIVE);
		assert_int_equal(s.n[0].bulk_reqs, 1);
		sim_run(&s, s.now + MS(5000));
		assert_int_equal(sim_active(&s), 1);
		assert_int_equal(s.dual, 0);
	}
}

/* Failback with preemption: re-sync first, hold, then the handshake. */
static void test_sim_preempt_failback(void **state)
{
	struct sim s;
	uint64_t t;

	(void)state;
	sim_init(&s);
	sim_params(&s, 0, 1, 10, true);
	sim_params(&s, 1, 2, 20, true);
	sim_start(&s, 0);
	sim_start(&s, 1);
	sim_run(&s, T0 + MS(1000));
	assert_int_equal(sim_active(&s), 0);
	sim_synced(&s, 1);

	/* A's link group fails: B takes over on A's hello. */
	sim_health(&s, 0, HF_HA_FAULT_LINK_GROUP);
	assert_int_equal(sim_active(&s), 1);
	assert_int_equal(s.n[1].ha.last.reason, HF_HA_R_PEER_NONFUNC);
	assert_int_equal(s.n[1].ha.last.at_ns, s.now);

	/* A recovers: PASSIVE, must re-sync before preempting. */
	sim_run(&s, s.now + MS(2000));
	sim_health(&s, 0, HF_HA_FAULT_NONE);
	assert_int_equal(s.n[0].ha.state, PASSIVE);
	assert_int_equal(s.n[0].bulk_reqs, 1);
	sim_run(&s, s.now + MS(5000));
	assert_int_equal(sim_active(&s), 1);		/* not synced yet */

	/* Bulk sync done: hold 1000 ms, then A preempts. */
	t = s.now;
	sim_synced(&s, 0);
	sim_run(&s, t + MS(999));
	assert_int_equal(sim_active(&s), 1);
	sim_run(&s, t + MS(1000));
	assert_int_equal(sim_active(&s), 0);
	assert_int_equal(s.n[0].ha.last.reason, HF_HA_R_PREEMPT);
	assert_int_equal(s.n[0].ha.last.at_ns, t + MS(1000));
	assert_string_equal(s.n[0].ha.last.text,
			    "preempt: priority 10 < 20 after hold 1000 ms");
	assert_int_equal(s.n[1].ha.last.reason, HF_HA_R_PREEMPTED);
	assert_int_equal(s.n[1].ha.last.at_ns, t + MS(1000));
	assert_true(s.n[1].ha.synced);
	sim_run(&s, s.now + MS(5000));
	assert_int_equal(sim_active(&s), 0);
	assert_int_equal(s.dual, 0);
}

/* Preemption off (default): the incumbent stays for good. */
static void test_sim_preempt_off(void **state)
{
	struct sim s;

	(void)state;
	sim_init(&s);
	sim_params(&s, 0, 1, 10, false);
	sim_params(&s, 1, 2, 20, false);
	sim_start(&s, 1);				/* B alone */
	sim_run(&s, T0 + MS(1000));
	assert_int_equal(sim_active(&s), 1);
	sim_start(&s, 0);				/* preferred A */
	assert_int_equal(s.n[0].ha.state, PASSIVE);
	sim_synced(&s, 0);
	sim_run(&s, s.now + MS(10000));
	assert_int_equal(sim_active(&s), 1);
	assert_int_equal(s.n[1].ha.transitions, 1);
	assert_false(s.n[0].ha.takeover_req);
}

/* Admin failover: same instant, no timer; then preemption's say. */
static void test_sim_admin_failover(void **state)
{
	static const bool preempt[] = { false, true };
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(preempt); i++) {
		struct hf_ha_result r;
		struct sim s;
		uint64_t t;

		sim_init(&s);
		sim_params(&s, 0, 1, 10, preempt[i]);
		sim_params(&s, 1, 2, 20, preempt[i]);
		sim_start(&s, 0);
		sim_start(&s, 1);
		sim_run(&s, T0 + MS(500));
		assert_int_equal(hf_ha_admin_failover(&s.n[0].ha, s.now, &r),
				 -EAGAIN);		/* B not synced yet */
		sim_synced(&s, 1);
		sim_run(&s, s.now + MS(500));

		t = s.now;
		assert_int_equal(hf_ha_admin_failover(&s.n[0].ha, t, &r), 0);
		EXPECT(&r, PASSIVE, HF_HA_R_ADMIN_FAILOVER, STOP | HELLO);
		sim_apply(&s, 0, &r);
		assert_int_equal(sim_active(&s), 1);	/* already */
		assert_int_equal(s.n[1].ha.last.reason, HF_HA_R_PEER_YIELDED);
		assert_int_equal(s.n[1].ha.last.at_ns, t);
		assert_false(s.n[0].ha.yielding);	/* B's hello seen */
		assert_int_equal(s.n[0].ha.timers.yield_ns, HF_HA_NEVER);

		sim_run(&s, t + MS(999));
		assert_int_equal(sim_active(&s), 1);
		sim_run(&s, t + MS(5000));
		/* With preemption the preferred A takes back after the hold. */
		assert_int_equal(sim_active(&s), preempt[i] ? 0 : 1);
		if (preempt[i])
			assert_int_equal(s.n[0].ha.last.at_ns, t + MS(1000));
		assert_int_equal(s.dual, 0);
	}
}

static void test_sim_suspend(void **state)
{
	struct hf_ha_result r;
	struct sim s;

	(void)state;
	sim_init(&s);
	sim_params(&s, 0, 1, 10, true);
	sim_params(&s, 1, 2, 20, true);
	sim_start(&s, 0);
	sim_start(&s, 1);
	sim_run(&s, T0 + MS(500));
	assert_int_equal(hf_ha_admin_suspend(&s.n[0].ha, s.now, &r), 0);
	sim_apply(&s, 0, &r);
	assert_int_equal(sim_active(&s), 1);
	assert_int_equal(s.n[1].ha.last.reason, HF_HA_R_PEER_SUSPENDED);
	sim_run(&s, s.now + MS(5000));
	assert_int_equal(s.n[0].ha.state, SUSPENDED);
	assert_int_equal(hf_ha_admin_functional(&s.n[0].ha, s.now, &r), 0);
	sim_apply(&s, 0, &r);
	assert_int_equal(s.n[0].ha.state, PASSIVE);
	assert_int_equal(sim_active(&s), 1);
	assert_int_equal(s.dual, 0);
}

/* HA link down: both active; back: deterministic, in either order. */
static void test_sim_split_brain(void **state)
{
	static const struct {
		uint32_t id0, prio0, id1, prio1;
		int first;		/* whose hello arrives first */
		int winner;
	} rows[] = {
		{ 1, 10, 2, 20, 0, 0 },
		{ 1, 10, 2, 20, 1, 0 },
		{ 1, 30, 2, 20, 0, 1 },
		{ 1, 30, 2, 20, 1, 1 },
		{ 5, 50, 4, 50, 0, 1 },
		{ 5, 50, 4, 50, 1, 1 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(rows); i++) {
		int w = rows[i].winner;
		unsigned int ann_w;
		struct sim s;

		print_message("row %zu\n", i);
		sim_init(&s);
		sim_params(&s, 0, rows[i].id0, rows[i].prio0, false);
		sim_params(&s, 1, rows[i].id1, rows[i].prio1, false);
		sim_start(&s, 0);
		sim_start(&s, 1);
		sim_run(&s, T0 + MS(500));
		sim_synced(&s, 0);
		sim_synced(&s, 1);

		s.link = false;
		sim_run(&s, s.now + MS(1000));
		assert_true(s.n[0].fwd && s.n[1].fwd);	/* split brain */
		ann_w = s.n[w].announces;

		/* Link back: the first hello across settles it. */
		s.link = true;
		sim_send(&s, rows[i].first);
		assert_int_equal(sim_active(&s), w);
		assert_int_equal(s.n[w].announces, ann_w + 1);	/* re-announce */
		assert_int_equal(s.n[w].ha.state, ACTIVE);
		assert_int_equal(s.n[!w].ha.last.reason, HF_HA_R_SPLIT_BRAIN);
		assert_false(s.n[!w].ha.synced);
		assert_int_equal(s.n[!w].bulk_reqs, 2);
		/* If the winner's hello crossed first, only the loser saw
		 * both active; the winner re-announced on the return. */
		assert_int_equal(s.n[w].ha.split_brains,
				 rows[i].first == w ? 0 : 1);
		assert_int_equal(s.n[!w].ha.split_brains, 1);

		sim_run(&s, s.now + MS(3000));
		assert_int_equal(sim_active(&s), w);
		assert_int_equal(s.n[w].announces, ann_w + 1);	/* once */
		assert_int_equal(s.dual, 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_params),
		cmocka_unit_test(test_compare),
		cmocka_unit_test(test_start_alone),
		cmocka_unit_test(test_initial_table),
		cmocka_unit_test(test_passive_table),
		cmocka_unit_test(test_peer_dead_exact),
		cmocka_unit_test(test_lost_heartbeats_tolerated),
		cmocka_unit_test(test_peer_interval),
		cmocka_unit_test(test_crash_and_goodbye),
		cmocka_unit_test(test_active_loses_peer),
		cmocka_unit_test(test_peer_restart_detected),
		cmocka_unit_test(test_hello_rejected),
		cmocka_unit_test(test_hello_edge),
		cmocka_unit_test(test_hello_build),
		cmocka_unit_test(test_preempt_hold),
		cmocka_unit_test(test_preempt_conditions),
		cmocka_unit_test(test_takeover_table),
		cmocka_unit_test(test_admin_failover_errors),
		cmocka_unit_test(test_failover_timeout),
		cmocka_unit_test(test_suspend_functional),
		cmocka_unit_test(test_nonfunctional),
		cmocka_unit_test(test_flap_limit),
		cmocka_unit_test(test_split_brain_winner),
		cmocka_unit_test(test_peer_returned),
		cmocka_unit_test(test_reconfigure),
		cmocka_unit_test(test_next_expiry),
		cmocka_unit_test(test_sim_start_together),
		cmocka_unit_test(test_sim_active_dies),
		cmocka_unit_test(test_sim_preempt_failback),
		cmocka_unit_test(test_sim_preempt_off),
		cmocka_unit_test(test_sim_admin_failover),
		cmocka_unit_test(test_sim_suspend),
		cmocka_unit_test(test_sim_split_brain),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
