// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_neigh.c - fwd/neigh.h: the timestamp-derived state machine with
 * injected clocks, probe claiming, learn rules, static entries, gc and
 * port flush. The test thread is an RCU-QSBR reader (online during each
 * test); entries freed by call_rcu are drained with rcu_barrier() before
 * the table is destroyed, so LeakSanitizer sees every free.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <string.h>

#include "common/rcu.h"
#include "fwd/neigh.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define SEC 1000000000ULL
#define MS 1000000ULL

/* a base far from 0: the code may treat 0 as "never" */
#define T0 (1000 * SEC)

#define IP(a, b, c, d) \
	((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))

static const struct hf_neigh_params params = {
	.reachable_ns = 10 * SEC,
	.stale_keep_ns = 30 * SEC,
	.resolve_timeout_ns = 3 * SEC,
	.probe_interval_ns = 1 * SEC,
	.max_probes = 3,
};

static const uint8_t mac_a[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x0a };
static const uint8_t mac_b[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x0b };
static const uint8_t mac_c[6] = { 0x00, 0x1b, 0x21, 0x01, 0x02, 0x03 };

#define TABLE_MAX 8

/*
 * Under ThreadSanitizer: liburcu is not instrumented, so TSan cannot see
 * the ordering its queues provide between the thread that allocates an
 * entry (or a hash-table resize work item) and liburcu's call_rcu and
 * workqueue threads that later free it. Every report then has a liburcu
 * frame (the call_rcu thread calling neigh_free_rcu(), or the lfht
 * workqueue), so suppress by library. Nothing in this file or in
 * neigh.c's own thread-to-thread accesses is suppressed: the multi-
 * threaded probe test below has no liburcu frames.
 */
#if defined(__SANITIZE_THREAD__)
const char *__tsan_default_suppressions(void);
const char *__tsan_default_suppressions(void)
{
	return "race:liburcu-qsbr.so\n"
	       "race:liburcu-cds.so\n"
	       "race:urcu_qsbr_wake_up_gp\n";
}
#endif

/* ---- fixtures ---- */

static int group_setup(void **state)
{
	(void)state;
	urcu_qsbr_register_thread();	/* starts online */
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	urcu_qsbr_unregister_thread();
	return 0;
}

static int table_setup(void **state)
{
	struct hf_neigh_table *t = NULL;

	if (hf_neigh_table_create(&t, TABLE_MAX, &params))
		return -1;
	*state = t;
	return 0;
}

static int table_teardown(void **state)
{
	struct hf_neigh_table *t = *state;

	/* let every call_rcu free run, then free the rest */
	urcu_qsbr_thread_offline();
	rcu_barrier();
	hf_neigh_table_destroy(t);
	urcu_qsbr_thread_online();
	return 0;
}

/* A standalone entry for the pure state function. */
static struct hf_neigh mk(bool has_mac, bool permanent, uint64_t created,
			  uint64_t confirmed, uint32_t probes,
			  uint64_t probe_ns)
{
	struct hf_neigh n;

	memset(&n, 0, sizeof(n));
	n.ip = IP(10, 0, 0, 1);
	n.port = 1;
	n.has_mac = has_mac;
	n.permanent = permanent;
	n.created_ns = created;
	n.confirmed_ns = confirmed;
	n.probes = probes;
	n.probe_ns = probe_ns;
	if (has_mac)
		memcpy(n.mac, mac_a, 6);
	return n;
}

/* ---- state machine (pure) ---- */

static void test_create_params(void **state)
{
	struct hf_neigh_table *t = NULL;

	(void)state;
	assert_int_equal(hf_neigh_table_create(&t, 0, &params), -EINVAL);
	assert_int_equal(hf_neigh_table_create(&t, 1, &params), 0);
	assert_non_null(t);
	assert_memory_equal(hf_neigh_params(t), &params, sizeof(params));
	assert_int_equal(hf_neigh_count(t), 0);
	urcu_qsbr_thread_offline();
	hf_neigh_table_destroy(t);
	urcu_qsbr_thread_online();
	hf_neigh_table_destroy(NULL);
}

static void test_state_table(void **state)
{
	static const struct {
		const char *name;
		bool has_mac, permanent;
		uint64_t created, confirmed;
		uint32_t probes;
		uint64_t probe_ns;
		uint64_t now;
		enum hf_neigh_state want;
	} cases[] = {
		/* INCOMPLETE -> FAILED after resolve_timeout */
		{ "incomplete at creation", 0, 0, T0, 0, 0, 0, T0,
		  HF_NEIGH_INCOMPLETE },
		{ "incomplete just before timeout", 0, 0, T0, 0, 0, 0,
		  T0 + 3 * SEC - 1, HF_NEIGH_INCOMPLETE },
		{ "incomplete at timeout", 0, 0, T0, 0, 0, 0, T0 + 3 * SEC,
		  HF_NEIGH_FAILED },
		{ "incomplete long after", 0, 0, T0, 0, 0, 0, T0 + 3600 * SEC,
		  HF_NEIGH_FAILED },
		{ "incomplete with probes", 0, 0, T0, 0, 2, T0 + SEC,
		  T0 + 2 * SEC, HF_NEIGH_INCOMPLETE },
		/* REACHABLE -> STALE after reachable_ns */
		{ "reachable when learned", 1, 0, T0, T0, 0, 0, T0,
		  HF_NEIGH_REACHABLE },
		{ "reachable just before", 1, 0, T0, T0, 0, 0,
		  T0 + 10 * SEC - 1, HF_NEIGH_REACHABLE },
		{ "stale at reachable_ns", 1, 0, T0, T0, 0, 0, T0 + 10 * SEC,
		  HF_NEIGH_STALE },
		{ "stale long unused", 1, 0, T0, T0, 0, 0, T0 + 86400 * SEC,
		  HF_NEIGH_STALE },
		{ "reconfirmed later", 1, 0, T0, T0 + 100 * SEC, 0, 0,
		  T0 + 105 * SEC, HF_NEIGH_REACHABLE },
		/* STALE + max_probes unanswered -> FAILED */
		{ "stale, 2 probes", 1, 0, T0, T0, 2, T0 + 11 * SEC,
		  T0 + 100 * SEC, HF_NEIGH_STALE },
		{ "stale, 3 probes, last one pending", 1, 0, T0, T0, 3,
		  T0 + 12 * SEC, T0 + 12 * SEC + SEC - 1, HF_NEIGH_STALE },
		{ "stale, 3 probes unanswered", 1, 0, T0, T0, 3, T0 + 12 * SEC,
		  T0 + 13 * SEC, HF_NEIGH_FAILED },
		{ "stale, 4 probes unanswered", 1, 0, T0, T0, 4, T0 + 12 * SEC,
		  T0 + 20 * SEC, HF_NEIGH_FAILED },
		/* probes while REACHABLE do not matter */
		{ "reachable with probes", 1, 0, T0, T0 + 20 * SEC, 5,
		  T0 + 15 * SEC, T0 + 21 * SEC, HF_NEIGH_REACHABLE },
		/* PERMANENT never ages */
		{ "permanent now", 1, 1, T0, T0, 0, 0, T0, HF_NEIGH_PERMANENT },
		{ "permanent after a day", 1, 1, T0, T0, 0, 0, T0 + 86400 * SEC,
		  HF_NEIGH_PERMANENT },
		{ "permanent with probes", 1, 1, T0, T0, 10, T0, T0 + 86400 * SEC,
		  HF_NEIGH_PERMANENT },
		{ "permanent, far future", 1, 1, 1, 1, 0, 0, UINT64_MAX / 2,
		  HF_NEIGH_PERMANENT },
	};
	size_t i;

	(void)state;
	for (i = 0; i < N(cases); i++) {
		struct hf_neigh n = mk(cases[i].has_mac, cases[i].permanent,
				       cases[i].created, cases[i].confirmed,
				       cases[i].probes, cases[i].probe_ns);
		enum hf_neigh_state s = hf_neigh_state_at(&n, cases[i].now,
							  &params);

		if (s != cases[i].want)
			fail_msg("%s: state %d, want %d", cases[i].name, s,
				 cases[i].want);
	}
}

static void test_usable(void **state)
{
	(void)state;
	assert_false(hf_neigh_usable(HF_NEIGH_INCOMPLETE));
	assert_true(hf_neigh_usable(HF_NEIGH_REACHABLE));
	assert_true(hf_neigh_usable(HF_NEIGH_STALE));
	assert_false(hf_neigh_usable(HF_NEIGH_FAILED));
	assert_true(hf_neigh_usable(HF_NEIGH_PERMANENT));
}

/*
 * Workers stamp a batch with their own clock reading, and the writer
 * stamps entries with its own: a worker's "now" may be slightly before
 * created_ns/confirmed_ns. That must read as age 0, not as an age of
 * ~2^64 ns (FAILED / STALE).
 */
static void test_now_slightly_before_stamp(void **state)
{
	struct hf_neigh inc = mk(false, false, T0, 0, 0, 0);
	struct hf_neigh fresh = mk(true, false, T0, T0, 0, 0);

	(void)state;
	assert_int_equal(hf_neigh_state_at(&inc, T0 - 1 * MS, &params),
			 HF_NEIGH_INCOMPLETE);
	assert_int_equal(hf_neigh_state_at(&fresh, T0 - 1 * MS, &params),
			 HF_NEIGH_REACHABLE);
	/* and no probe is claimed for an entry confirmed "in the future" */
	assert_false(hf_neigh_claim_probe(&fresh, T0 - 1 * MS, &params));

	/* a worker whose batch clock is behind the last claim does not win
	 * a second probe in the same interval */
	fresh.confirmed_ns = T0 - 20 * SEC;	/* STALE */
	assert_true(hf_neigh_claim_probe(&fresh, T0, &params));
	assert_false(hf_neigh_claim_probe(&fresh, T0 - 1 * MS, &params));
	assert_false(hf_neigh_claim_probe(&fresh, T0 - 2 * SEC, &params));
	assert_int_equal(fresh.probes, 1);
	assert_int_equal(fresh.probe_ns, T0);
	assert_true(hf_neigh_claim_probe(&fresh, T0 + SEC, &params));
	assert_int_equal(fresh.probes, 2);
	/* probes sent "after" now do not make the entry FAILED early */
	fresh.probes = 3;
	assert_int_equal(hf_neigh_state_at(&fresh, T0 + SEC - 1 * MS, &params),
			 HF_NEIGH_STALE);
}

/* ---- probe claiming ---- */

static void test_claim_probe_stale(void **state)
{
	struct hf_neigh n = mk(true, false, T0, T0, 0, 0);
	uint64_t t;

	(void)state;
	/* REACHABLE: never */
	assert_false(hf_neigh_claim_probe(&n, T0, &params));
	assert_false(hf_neigh_claim_probe(&n, T0 + 10 * SEC - 1, &params));
	assert_int_equal(n.probes, 0);

	/* STALE: one winner, then nothing until the interval has passed */
	t = T0 + 10 * SEC;
	assert_true(hf_neigh_claim_probe(&n, t, &params));
	assert_int_equal(n.probes, 1);
	assert_false(hf_neigh_claim_probe(&n, t, &params));
	assert_false(hf_neigh_claim_probe(&n, t + SEC / 2, &params));
	assert_false(hf_neigh_claim_probe(&n, t + SEC - 1, &params));
	assert_int_equal(n.probes, 1);
	assert_true(hf_neigh_claim_probe(&n, t + SEC, &params));
	assert_int_equal(n.probes, 2);
	assert_false(hf_neigh_claim_probe(&n, t + SEC + 1, &params));
	assert_true(hf_neigh_claim_probe(&n, t + 2 * SEC + 7, &params));
	assert_int_equal(n.probes, 3);
	/* max_probes sent: STALE until the last one times out, then FAILED */
	assert_int_equal(hf_neigh_state_at(&n, t + 3 * SEC, &params),
			 HF_NEIGH_STALE);
	assert_int_equal(hf_neigh_state_at(&n, t + 3 * SEC + 7, &params),
			 HF_NEIGH_FAILED);
	assert_false(hf_neigh_claim_probe(&n, t + 3 * SEC + 7, &params));
	assert_false(hf_neigh_claim_probe(&n, t + 60 * SEC, &params));
	assert_int_equal(n.probes, 3);
}

static void test_claim_probe_incomplete_and_permanent(void **state)
{
	struct hf_neigh inc = mk(false, false, T0, 0, 0, 0);
	struct hf_neigh perm = mk(true, true, T0, T0, 0, 0);
	struct hf_neigh failed = mk(false, false, T0, 0, 0, 0);

	(void)state;
	assert_true(hf_neigh_claim_probe(&inc, T0, &params));
	assert_false(hf_neigh_claim_probe(&inc, T0 + 1, &params));
	assert_false(hf_neigh_claim_probe(&inc, T0 + SEC - 1, &params));
	assert_true(hf_neigh_claim_probe(&inc, T0 + SEC, &params));
	assert_true(hf_neigh_claim_probe(&inc, T0 + 2 * SEC, &params));
	/* resolve timeout: FAILED, no more probes */
	assert_false(hf_neigh_claim_probe(&inc, T0 + 3 * SEC, &params));
	assert_false(hf_neigh_claim_probe(&failed, T0 + 5 * SEC, &params));
	assert_false(hf_neigh_claim_probe(&perm, T0, &params));
	assert_false(hf_neigh_claim_probe(&perm, T0 + 86400 * SEC, &params));
	assert_int_equal(perm.probes, 0);
}

/* Several workers racing on one entry: exactly one winner per interval. */
#define CLAIM_THREADS 4
#define CLAIM_ROUNDS 300

struct claim_ctx {
	struct hf_neigh n;
	struct hf_neigh_params p;
	pthread_barrier_t bar;
	unsigned int wins[CLAIM_ROUNDS];
};

static void *claim_thread(void *arg)
{
	struct claim_ctx *c = arg;
	int r, k;

	for (r = 0; r < CLAIM_ROUNDS; r++) {
		uint64_t now = T0 + 20 * SEC + (uint64_t)r * SEC;

		pthread_barrier_wait(&c->bar);
		for (k = 0; k < 20; k++)
			if (hf_neigh_claim_probe(&c->n, now + (uint64_t)k,
						 &c->p))
				__atomic_fetch_add(&c->wins[r], 1,
						   __ATOMIC_RELAXED);
	}
	return NULL;
}

static void test_claim_probe_one_winner_threads(void **state)
{
	static struct claim_ctx c;
	pthread_t th[CLAIM_THREADS];
	int i;

	(void)state;
	memset(&c, 0, sizeof(c));
	c.n = mk(true, false, T0, T0, 0, 0);
	c.p = params;
	c.p.max_probes = UINT32_MAX;	/* stay STALE throughout */
	pthread_barrier_init(&c.bar, NULL, CLAIM_THREADS);
	for (i = 0; i < CLAIM_THREADS; i++)
		assert_int_equal(pthread_create(&th[i], NULL, claim_thread, &c),
				 0);
	for (i = 0; i < CLAIM_THREADS; i++)
		pthread_join(th[i], NULL);
	pthread_barrier_destroy(&c.bar);
	for (i = 0; i < CLAIM_ROUNDS; i++)
		if (c.wins[i] != 1)
			fail_msg("round %d: %u winners", i, c.wins[i]);
	assert_int_equal(c.n.probes, CLAIM_ROUNDS);
}

/* ---- learn rules ---- */

static void test_learn_bad_mac(void **state)
{
	struct hf_neigh_table *t = *state;
	static const uint8_t bad[][6] = {
		{ 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 },	/* IPv4 multicast */
		{ 0x33, 0x33, 0x00, 0x00, 0x00, 0x01 },	/* IPv6 multicast */
		{ 0xff, 0xff, 0xff, 0xff, 0xff, 0xff },	/* broadcast */
		{ 0x00, 0x00, 0x00, 0x00, 0x00, 0x00 },	/* zero */
		{ 0x03, 0x00, 0x00, 0x00, 0x00, 0x00 },
	};
	size_t i;

	for (i = 0; i < N(bad); i++) {
		assert_int_equal(hf_neigh_learn(t, 1, IP(10, 0, 0, 1), bad[i],
						true, T0),
				 HF_NEIGH_LEARN_BAD_MAC);
		assert_int_equal(hf_neigh_add_static(t, 1, IP(10, 0, 0, 1),
						     bad[i], T0),
				 -EINVAL);
	}
	assert_int_equal(hf_neigh_count(t), 0);
	assert_null(hf_neigh_lookup(t, 1, IP(10, 0, 0, 1)));

	/* a bad MAC does not touch an existing entry either */
	assert_int_equal(hf_neigh_learn(t, 1, IP(10, 0, 0, 1), mac_a, true, T0),
			 HF_NEIGH_LEARN_CREATED);
	for (i = 0; i < N(bad); i++)
		assert_int_equal(hf_neigh_learn(t, 1, IP(10, 0, 0, 1), bad[i],
						false, T0 + SEC),
				 HF_NEIGH_LEARN_BAD_MAC);
	assert_memory_equal(hf_neigh_lookup(t, 1, IP(10, 0, 0, 1))->mac, mac_a,
			    6);
	assert_int_equal(hf_neigh_count(t), 1);
}

static void test_learn_unsolicited_and_create(void **state)
{
	struct hf_neigh_table *t = *state;
	struct hf_neigh *n;

	assert_int_equal(hf_neigh_learn(t, 1, IP(10, 0, 0, 2), mac_a, false,
					T0),
			 HF_NEIGH_LEARN_UNSOLICITED);
	assert_int_equal(hf_neigh_count(t), 0);
	assert_null(hf_neigh_lookup(t, 1, IP(10, 0, 0, 2)));

	assert_int_equal(hf_neigh_learn(t, 1, IP(10, 0, 0, 2), mac_a, true,
					T0),
			 HF_NEIGH_LEARN_CREATED);
	assert_int_equal(hf_neigh_count(t), 1);
	n = hf_neigh_lookup(t, 1, IP(10, 0, 0, 2));
	assert_non_null(n);
	assert_int_equal(n->ip, IP(10, 0, 0, 2));
	assert_int_equal(n->port, 1);
	assert_true(n->has_mac);
	assert_false(n->permanent);
	assert_memory_equal(n->mac, mac_a, 6);
	assert_int_equal(hf_neigh_state_at(n, T0, &params), HF_NEIGH_REACHABLE);
	/* the key is (port, ip) */
	assert_null(hf_neigh_lookup(t, 2, IP(10, 0, 0, 2)));
	assert_null(hf_neigh_lookup(t, 1, IP(10, 0, 0, 3)));
	assert_int_equal(hf_neigh_learn(t, 2, IP(10, 0, 0, 2), mac_b, false,
					T0),
			 HF_NEIGH_LEARN_UNSOLICITED);
	assert_int_equal(hf_neigh_learn(t, 2, IP(10, 0, 0, 2), mac_b, true,
					T0),
			 HF_NEIGH_LEARN_CREATED);
	assert_int_equal(hf_neigh_count(t), 2);
	assert_memory_equal(hf_neigh_lookup(t, 1, IP(10, 0, 0, 2))->mac, mac_a,
			    6);
	assert_memory_equal(hf_neigh_lookup(t, 2, IP(10, 0, 0, 2))->mac, mac_b,
			    6);
}

static void test_resolve_then_learn(void **state)
{
	struct hf_neigh_table *t = *state;
	struct hf_neigh *n;
	uint32_t ip = IP(10, 0, 0, 4);

	assert_int_equal(hf_neigh_resolve(t, 3, ip, T0), 0);
	assert_int_equal(hf_neigh_resolve(t, 3, ip, T0 + 1), -EEXIST);
	assert_int_equal(hf_neigh_count(t), 1);
	n = hf_neigh_lookup(t, 3, ip);
	assert_non_null(n);
	assert_false(n->has_mac);
	assert_int_equal(hf_neigh_state_at(n, T0 + SEC, &params),
			 HF_NEIGH_INCOMPLETE);
	assert_true(hf_neigh_claim_probe(n, T0 + SEC, &params));

	/* a reply completes it even though we do not create */
	assert_int_equal(hf_neigh_learn(t, 3, ip, mac_c, false, T0 + 2 * SEC),
			 HF_NEIGH_LEARN_UPDATED);
	assert_int_equal(hf_neigh_count(t), 1);
	n = hf_neigh_lookup(t, 3, ip);
	assert_non_null(n);
	assert_true(n->has_mac);
	assert_memory_equal(n->mac, mac_c, 6);
	assert_int_equal(n->confirmed_ns, T0 + 2 * SEC);
	/* the INCOMPLETE timeout no longer applies */
	assert_int_equal(hf_neigh_state_at(n, T0 + 5 * SEC, &params),
			 HF_NEIGH_REACHABLE);
	assert_int_equal(hf_neigh_state_at(n, T0 + 12 * SEC, &params),
			 HF_NEIGH_STALE);

	/* an expired INCOMPLETE entry is completed too */
	assert_int_equal(hf_neigh_resolve(t, 3, IP(10, 0, 0, 5), T0), 0);
	n = hf_neigh_lookup(t, 3, IP(10, 0, 0, 5));
	assert_int_equal(hf_neigh_state_at(n, T0 + 4 * SEC, &params),
			 HF_NEIGH_FAILED);
	assert_int_equal(hf_neigh_learn(t, 3, IP(10, 0, 0, 5), mac_a, false,
					T0 + 4 * SEC),
			 HF_NEIGH_LEARN_UPDATED);
	n = hf_neigh_lookup(t, 3, IP(10, 0, 0, 5));
	assert_int_equal(hf_neigh_state_at(n, T0 + 4 * SEC, &params),
			 HF_NEIGH_REACHABLE);
	assert_int_equal(hf_neigh_count(t), 2);
}

static void test_learn_refresh_and_update(void **state)
{
	struct hf_neigh_table *t = *state;
	struct hf_neigh *n, *n2;
	uint32_t ip = IP(10, 0, 0, 6);
	uint64_t t1 = T0 + 12 * SEC;

	assert_int_equal(hf_neigh_learn(t, 1, ip, mac_a, true, T0),
			 HF_NEIGH_LEARN_CREATED);
	n = hf_neigh_lookup(t, 1, ip);
	/* go STALE and send two probes */
	assert_true(hf_neigh_claim_probe(n, T0 + 10 * SEC, &params));
	assert_true(hf_neigh_claim_probe(n, T0 + 11 * SEC, &params));
	assert_int_equal(n->probes, 2);

	/* same MAC: refreshed in place (same entry), probes reset */
	assert_int_equal(hf_neigh_learn(t, 1, ip, mac_a, false, t1),
			 HF_NEIGH_LEARN_REFRESHED);
	n2 = hf_neigh_lookup(t, 1, ip);
	assert_ptr_equal(n2, n);
	assert_int_equal(n->confirmed_ns, t1);
	assert_int_equal(n->probes, 0);
	assert_int_equal(hf_neigh_state_at(n, t1 + SEC, &params),
			 HF_NEIGH_REACHABLE);
	assert_int_equal(hf_neigh_count(t), 1);
	/* may_create does not change a refresh */
	assert_int_equal(hf_neigh_learn(t, 1, ip, mac_a, true, t1 + 1),
			 HF_NEIGH_LEARN_REFRESHED);
	assert_int_equal(hf_neigh_count(t), 1);

	/* different MAC: the entry is replaced, never written in place */
	assert_int_equal(hf_neigh_learn(t, 1, ip, mac_b, false, t1 + 2 * SEC),
			 HF_NEIGH_LEARN_UPDATED);
	n2 = hf_neigh_lookup(t, 1, ip);
	assert_non_null(n2);
	assert_ptr_not_equal(n2, n);
	assert_memory_equal(n2->mac, mac_b, 6);
	/* the old entry is still intact for readers in this grace period */
	assert_memory_equal(n->mac, mac_a, 6);
	assert_int_equal(n2->confirmed_ns, t1 + 2 * SEC);
	assert_int_equal(n2->probes, 0);
	assert_int_equal(hf_neigh_count(t), 1);
	assert_int_equal(hf_neigh_state_at(n2, t1 + 3 * SEC, &params),
			 HF_NEIGH_REACHABLE);
}

static void test_static_entries(void **state)
{
	struct hf_neigh_table *t = *state;
	struct hf_neigh *n;
	uint32_t ip = IP(10, 0, 0, 7);

	assert_int_equal(hf_neigh_add_static(t, 1, ip, mac_a, T0), 0);
	assert_int_equal(hf_neigh_count(t), 1);
	n = hf_neigh_lookup(t, 1, ip);
	assert_non_null(n);
	assert_true(n->permanent);
	assert_int_equal(hf_neigh_state_at(n, T0 + 365 * 86400 * SEC, &params),
			 HF_NEIGH_PERMANENT);

	/* learning never overwrites a static entry */
	assert_int_equal(hf_neigh_learn(t, 1, ip, mac_b, true, T0 + SEC),
			 HF_NEIGH_LEARN_STATIC);
	assert_int_equal(hf_neigh_learn(t, 1, ip, mac_b, false, T0 + SEC),
			 HF_NEIGH_LEARN_STATIC);
	assert_int_equal(hf_neigh_learn(t, 1, ip, mac_a, false, T0 + SEC),
			 HF_NEIGH_LEARN_STATIC);
	assert_ptr_equal(hf_neigh_lookup(t, 1, ip), n);
	assert_memory_equal(n->mac, mac_a, 6);
	assert_int_equal(hf_neigh_resolve(t, 1, ip, T0), -EEXIST);

	/* a static entry replaces a learned one, and itself */
	assert_int_equal(hf_neigh_add_static(t, 1, ip, mac_b, T0 + 2 * SEC), 0);
	n = hf_neigh_lookup(t, 1, ip);
	assert_memory_equal(n->mac, mac_b, 6);
	assert_true(n->permanent);
	assert_int_equal(hf_neigh_learn(t, 2, ip, mac_a, true, T0),
			 HF_NEIGH_LEARN_CREATED);
	assert_int_equal(hf_neigh_add_static(t, 2, ip, mac_c, T0), 0);
	n = hf_neigh_lookup(t, 2, ip);
	assert_true(n->permanent);
	assert_memory_equal(n->mac, mac_c, 6);
	assert_int_equal(hf_neigh_count(t), 2);

	/* deletable explicitly */
	assert_int_equal(hf_neigh_del(t, 1, ip), 0);
	assert_int_equal(hf_neigh_del(t, 1, ip), -ENOENT);
	assert_null(hf_neigh_lookup(t, 1, ip));
	assert_int_equal(hf_neigh_count(t), 1);
}

static void test_table_full(void **state)
{
	struct hf_neigh_table *t = *state;
	uint32_t i;

	for (i = 0; i < TABLE_MAX; i++) {
		if (i % 3 == 0)
			assert_int_equal(hf_neigh_resolve(t, 1, IP(10, 1, 0, i),
							  T0),
					 0);
		else if (i % 3 == 1)
			assert_int_equal(hf_neigh_learn(t, 1, IP(10, 1, 0, i),
							mac_a, true, T0),
					 HF_NEIGH_LEARN_CREATED);
		else
			assert_int_equal(hf_neigh_add_static(t, 1,
							     IP(10, 1, 0, i),
							     mac_b, T0),
					 0);
	}
	assert_int_equal(hf_neigh_count(t), TABLE_MAX);

	assert_int_equal(hf_neigh_learn(t, 1, IP(10, 1, 1, 0), mac_a, true, T0),
			 HF_NEIGH_LEARN_FULL);
	assert_int_equal(hf_neigh_resolve(t, 1, IP(10, 1, 1, 0), T0), -ENOSPC);
	assert_int_equal(hf_neigh_add_static(t, 1, IP(10, 1, 1, 0), mac_a, T0),
			 -ENOSPC);
	/* unsolicited is still refused as unsolicited */
	assert_int_equal(hf_neigh_learn(t, 1, IP(10, 1, 1, 0), mac_a, false,
					T0),
			 HF_NEIGH_LEARN_UNSOLICITED);
	assert_int_equal(hf_neigh_count(t), TABLE_MAX);

	/* existing entries can still be completed, refreshed, replaced */
	assert_int_equal(hf_neigh_learn(t, 1, IP(10, 1, 0, 0), mac_c, false,
					T0 + 1),
			 HF_NEIGH_LEARN_UPDATED);
	assert_int_equal(hf_neigh_learn(t, 1, IP(10, 1, 0, 1), mac_a, false,
					T0 + 1),
			 HF_NEIGH_LEARN_REFRESHED);
	assert_int_equal(hf_neigh_learn(t, 1, IP(10, 1, 0, 1), mac_b, false,
					T0 + 1),
			 HF_NEIGH_LEARN_UPDATED);
	assert_int_equal(hf_neigh_add_static(t, 1, IP(10, 1, 0, 1), mac_c, T0),
			 0);
	assert_int_equal(hf_neigh_count(t), TABLE_MAX);

	/* free one slot: room for exactly one more */
	assert_int_equal(hf_neigh_del(t, 1, IP(10, 1, 0, 4)), 0);
	assert_int_equal(hf_neigh_count(t), TABLE_MAX - 1);
	assert_int_equal(hf_neigh_learn(t, 1, IP(10, 1, 1, 0), mac_a, true, T0),
			 HF_NEIGH_LEARN_CREATED);
	assert_int_equal(hf_neigh_resolve(t, 1, IP(10, 1, 1, 1), T0), -ENOSPC);
	assert_int_equal(hf_neigh_count(t), TABLE_MAX);
}

/* ---- gc and flush ---- */

struct walk_acc {
	unsigned int n;
	unsigned int port_count[4];
};

static void walk_fn(const struct hf_neigh *n, void *arg)
{
	struct walk_acc *a = arg;

	a->n++;
	if (n->port < 4)
		a->port_count[n->port]++;
}

static unsigned int walk_count(struct hf_neigh_table *t)
{
	struct walk_acc a;

	memset(&a, 0, sizeof(a));
	hf_neigh_walk(t, walk_fn, &a);
	return a.n;
}

static void test_gc(void **state)
{
	struct hf_neigh_table *t = *state;
	uint64_t now = T0 + 100 * SEC;
	struct hf_neigh *n;

	/* 1: INCOMPLETE past the resolve timeout -> FAILED -> deleted */
	assert_int_equal(hf_neigh_resolve(t, 1, IP(10, 2, 0, 1), now - 5 * SEC),
			 0);
	/* 2: INCOMPLETE, fresh -> kept */
	assert_int_equal(hf_neigh_resolve(t, 1, IP(10, 2, 0, 2), now - SEC), 0);
	/* 3: REACHABLE -> kept */
	assert_int_equal(hf_neigh_learn(t, 1, IP(10, 2, 0, 3), mac_a, true,
					now - SEC),
			 HF_NEIGH_LEARN_CREATED);
	/* 4: STALE, confirmed 15 s ago (< reachable + stale_keep) -> kept */
	assert_int_equal(hf_neigh_learn(t, 1, IP(10, 2, 0, 4), mac_a, true,
					now - 15 * SEC),
			 HF_NEIGH_LEARN_CREATED);
	/* 5: STALE, confirmed 50 s ago (>= 10 + 30 s) -> deleted */
	assert_int_equal(hf_neigh_learn(t, 1, IP(10, 2, 0, 5), mac_a, true,
					now - 50 * SEC),
			 HF_NEIGH_LEARN_CREATED);
	/* 6: STALE with max_probes unanswered -> FAILED -> deleted */
	assert_int_equal(hf_neigh_learn(t, 1, IP(10, 2, 0, 6), mac_a, true,
					now - 15 * SEC),
			 HF_NEIGH_LEARN_CREATED);
	n = hf_neigh_lookup(t, 1, IP(10, 2, 0, 6));
	assert_true(hf_neigh_claim_probe(n, now - 5 * SEC, &params));
	assert_true(hf_neigh_claim_probe(n, now - 4 * SEC, &params));
	assert_true(hf_neigh_claim_probe(n, now - 3 * SEC, &params));
	assert_int_equal(hf_neigh_state_at(n, now, &params), HF_NEIGH_FAILED);
	/* 7: PERMANENT, ancient -> kept */
	assert_int_equal(hf_neigh_add_static(t, 1, IP(10, 2, 0, 7), mac_b,
					     now - 99 * SEC),
			 0);
	/* 8: STALE confirmed exactly reachable + stale_keep ago -> deleted */
	assert_int_equal(hf_neigh_learn(t, 2, IP(10, 2, 0, 8), mac_c, true,
					now - 40 * SEC),
			 HF_NEIGH_LEARN_CREATED);
	assert_int_equal(hf_neigh_count(t), 8);

	assert_int_equal(hf_neigh_gc(t, now), 4);
	assert_int_equal(hf_neigh_count(t), 4);
	assert_int_equal(walk_count(t), 4);
	assert_null(hf_neigh_lookup(t, 1, IP(10, 2, 0, 1)));
	assert_non_null(hf_neigh_lookup(t, 1, IP(10, 2, 0, 2)));
	assert_non_null(hf_neigh_lookup(t, 1, IP(10, 2, 0, 3)));
	assert_non_null(hf_neigh_lookup(t, 1, IP(10, 2, 0, 4)));
	assert_null(hf_neigh_lookup(t, 1, IP(10, 2, 0, 5)));
	assert_null(hf_neigh_lookup(t, 1, IP(10, 2, 0, 6)));
	assert_non_null(hf_neigh_lookup(t, 1, IP(10, 2, 0, 7)));
	assert_null(hf_neigh_lookup(t, 2, IP(10, 2, 0, 8)));

	/* a second pass at the same time finds nothing */
	assert_int_equal(hf_neigh_gc(t, now), 0);

	/* much later: everything but the permanent entry goes */
	assert_int_equal(hf_neigh_gc(t, now + 3600 * SEC), 3);
	assert_int_equal(hf_neigh_count(t), 1);
	assert_non_null(hf_neigh_lookup(t, 1, IP(10, 2, 0, 7)));

	/* freed slots are usable again */
	assert_int_equal(hf_neigh_resolve(t, 1, IP(10, 2, 0, 1), now), 0);
	assert_int_equal(hf_neigh_count(t), 2);
}

static void test_flush_port(void **state)
{
	struct hf_neigh_table *t = *state;
	struct walk_acc a;
	uint32_t i;

	for (i = 0; i < 6; i++) {
		uint16_t port = (uint16_t)(i % 3);

		if (i < 3)
			assert_int_equal(hf_neigh_learn(t, port,
							IP(10, 3, 0, i), mac_a,
							true, T0),
					 HF_NEIGH_LEARN_CREATED);
		else if (i == 3)
			assert_int_equal(hf_neigh_add_static(t, port,
							     IP(10, 3, 0, i),
							     mac_b, T0),
					 0);
		else
			assert_int_equal(hf_neigh_resolve(t, port,
							  IP(10, 3, 0, i), T0),
					 0);
	}
	assert_int_equal(hf_neigh_count(t), 6);

	hf_neigh_flush_port(t, 0);	/* learned + static (10.3.0.0, .3) */
	assert_int_equal(hf_neigh_count(t), 4);
	memset(&a, 0, sizeof(a));
	hf_neigh_walk(t, walk_fn, &a);
	assert_int_equal(a.n, 4);
	assert_int_equal(a.port_count[0], 0);
	assert_int_equal(a.port_count[1], 2);
	assert_int_equal(a.port_count[2], 2);
	assert_null(hf_neigh_lookup(t, 0, IP(10, 3, 0, 0)));
	assert_null(hf_neigh_lookup(t, 0, IP(10, 3, 0, 3)));
	assert_non_null(hf_neigh_lookup(t, 1, IP(10, 3, 0, 1)));

	hf_neigh_flush_port(t, 3);	/* no entries: no-op */
	assert_int_equal(hf_neigh_count(t), 4);
	hf_neigh_flush_port(t, 1);
	hf_neigh_flush_port(t, 2);
	assert_int_equal(hf_neigh_count(t), 0);
	assert_int_equal(walk_count(t), 0);
}

/* Many inserts and deletes: the hash resizes, counts stay right. */
static void test_churn(void **state)
{
	struct hf_neigh_table *t = NULL;
	const uint32_t max = 4096;
	uint32_t i;

	(void)state;
	assert_int_equal(hf_neigh_table_create(&t, max, &params), 0);
	for (i = 0; i < max; i++)
		assert_int_equal(hf_neigh_learn(t, (uint16_t)(i & 7),
						IP(10, 4, 0, 0) + i, mac_a,
						true, T0),
				 HF_NEIGH_LEARN_CREATED);
	assert_int_equal(hf_neigh_count(t), max);
	assert_int_equal(walk_count(t), max);
	for (i = 0; i < max; i += 2)
		assert_int_equal(hf_neigh_del(t, (uint16_t)(i & 7),
					      IP(10, 4, 0, 0) + i),
				 0);
	for (i = 1; i < max; i += 4)
		assert_int_equal(hf_neigh_learn(t, (uint16_t)(i & 7),
						IP(10, 4, 0, 0) + i, mac_b,
						false, T0 + SEC),
				 HF_NEIGH_LEARN_UPDATED);
	assert_int_equal(hf_neigh_count(t), max / 2);
	for (i = 0; i < max; i++) {
		struct hf_neigh *n = hf_neigh_lookup(t, (uint16_t)(i & 7),
						     IP(10, 4, 0, 0) + i);

		if (i % 2 == 0) {
			assert_null(n);
		} else {
			assert_non_null(n);
			assert_memory_equal(n->mac, i % 4 == 1 ? mac_b : mac_a,
					    6);
		}
	}
	/* let the writer's own grace periods pass while online */
	urcu_qsbr_quiescent_state();
	urcu_qsbr_thread_offline();
	rcu_barrier();
	hf_neigh_table_destroy(t);	/* frees the remaining entries */
	urcu_qsbr_thread_online();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_params),
		cmocka_unit_test(test_state_table),
		cmocka_unit_test(test_usable),
		cmocka_unit_test(test_now_slightly_before_stamp),
		cmocka_unit_test(test_claim_probe_stale),
		cmocka_unit_test(test_claim_probe_incomplete_and_permanent),
		cmocka_unit_test(test_claim_probe_one_winner_threads),
		cmocka_unit_test_setup_teardown(test_learn_bad_mac,
						table_setup, table_teardown),
		cmocka_unit_test_setup_teardown(test_learn_unsolicited_and_create,
						table_setup, table_teardown),
		cmocka_unit_test_setup_teardown(test_resolve_then_learn,
						table_setup, table_teardown),
		cmocka_unit_test_setup_teardown(test_learn_refresh_and_update,
						table_setup, table_teardown),
		cmocka_unit_test_setup_teardown(test_static_entries,
						table_setup, table_teardown),
		cmocka_unit_test_setup_teardown(test_table_full, table_setup,
						table_teardown),
		cmocka_unit_test_setup_teardown(test_gc, table_setup,
						table_teardown),
		cmocka_unit_test_setup_teardown(test_flush_port, table_setup,
						table_teardown),
		cmocka_unit_test(test_churn),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
