// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_session.c - the session table: both directions, races between
 * workers, reply-key conflicts, table full, timeouts on an injected
 * clock, clearing, and concurrent create/lookup/reap (run under TSan).
 */
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "common/rcu.h"
#include "common/time.h"
#include "fwd/session.h"

#define SEC	HF_NSEC_PER_SEC

static char gp_hb;	/* TSan: a grace period orders reader QS before reuse */

static void sync_hook(void)
{
	synchronize_rcu();
	hf_tsan_acquire(&gp_hb);
}

static void quiescent(void)
{
	hf_tsan_release(&gp_hb);
	urcu_qsbr_quiescent_state();
}

static struct hf_sess_params params(uint32_t max, uint32_t nworkers)
{
	struct hf_sess_params p = { .max = max, .nworkers = nworkers,
				    .sync = sync_hook };
	int c;

	for (c = 0; c < HF_TO_MAX; c++)
		p.timeout_ns[c] = hf_sess_timeout_default(c) * SEC;
	return p;
}

static struct hf_sess_key key(uint32_t s, uint32_t d, uint16_t sp,
			      uint16_t dp, uint8_t proto, uint8_t zone)
{
	struct hf_sess_key k = { .saddr = s, .daddr = d, .sport = sp,
				 .dport = dp, .proto = proto, .zone = zone };

	return k;
}

static int setup(void **state)
{
	(void)state;
	hf_rcu_register_offline();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	hf_rcu_unregister_offline();
	return 0;
}

static struct hf_session *create(struct hf_sess_table *t, uint32_t w,
				 struct hf_sess_key k, uint8_t rzone,
				 uint64_t now, enum hf_sess_create_result *res)
{
	enum hf_dir dir = HF_DIR_REPLY;
	struct hf_session *s;

	s = hf_sess_create(t, w, &k, rzone, 1, 2, HF_TCP_SYN_SENT, 7, now, res,
			   &dir);
	if (s && *res == HF_SESS_CREATED)
		assert_int_equal(dir, HF_DIR_ORIG);
	return s;
}

static void test_defaults_and_classes(void **state)
{
	(void)state;
	assert_int_equal(hf_sess_timeout_default(HF_TO_TCP_ESTABLISHED), 3600);
	assert_int_equal(hf_sess_timeout_default(HF_TO_TCP_HALF_CLOSED), 120);
	assert_int_equal(hf_sess_timeout_default(HF_TO_TCP_TIME_WAIT), 15);
	assert_int_equal(hf_sess_timeout_default(HF_TO_TCP_SYN), 5);
	assert_int_equal(hf_sess_timeout_default(HF_TO_TCP_HANDSHAKE), 10);
	assert_int_equal(hf_sess_timeout_default(HF_TO_UDP), 30);
	assert_int_equal(hf_sess_timeout_default(HF_TO_ICMP), 6);
	assert_int_equal(hf_sess_timeout_default(HF_TO_OTHER), 30);
	assert_string_equal(hf_sess_timeout_name(HF_TO_TCP_ESTABLISHED),
			    "tcp-established");
	assert_int_equal(hf_sess_timeout_class(6, HF_TCP_SYN_SENT), HF_TO_TCP_SYN);
	assert_int_equal(hf_sess_timeout_class(6, HF_TCP_SYN_RECV),
			 HF_TO_TCP_HANDSHAKE);
	assert_int_equal(hf_sess_timeout_class(6, HF_TCP_ESTABLISHED),
			 HF_TO_TCP_ESTABLISHED);
	assert_int_equal(hf_sess_timeout_class(6, HF_TCP_FIN_ORIG),
			 HF_TO_TCP_HALF_CLOSED);
	assert_int_equal(hf_sess_timeout_class(6, HF_TCP_FIN_REPLY),
			 HF_TO_TCP_HALF_CLOSED);
	assert_int_equal(hf_sess_timeout_class(6, HF_TCP_TIME_WAIT),
			 HF_TO_TCP_TIME_WAIT);
	assert_int_equal(hf_sess_timeout_class(6, HF_TCP_CLOSED),
			 HF_TO_TCP_TIME_WAIT);
	assert_int_equal(hf_sess_timeout_class(17, 0), HF_TO_UDP);
	assert_int_equal(hf_sess_timeout_class(1, 0), HF_TO_ICMP);
	assert_int_equal(hf_sess_timeout_class(47, 0), HF_TO_OTHER);
}

static void test_key_reverse(void **state)
{
	struct hf_sess_key k = key(0xc6120102, 0xc6130001, 1024, 80, 6, 1);
	struct hf_sess_key r = hf_sess_key_reverse(&k, 2);
	/* ICMP echo: identifier in sport of the request, dport of the reply */
	struct hf_sess_key req = key(0xc6120102, 0xc6130001, 77, 0, 1, 1);
	struct hf_sess_key rep = key(0xc6130001, 0xc6120102, 0, 77, 1, 2);
	struct hf_sess_key rr = hf_sess_key_reverse(&req, 2);

	(void)state;
	assert_int_equal(r.saddr, k.daddr);
	assert_int_equal(r.daddr, k.saddr);
	assert_int_equal(r.sport, 80);
	assert_int_equal(r.dport, 1024);
	assert_int_equal(r.proto, 6);
	assert_int_equal(r.zone, 2);
	assert_int_equal(r.pad, 0);
	assert_memory_equal(&rr, &rep, sizeof(rep));
}

static void test_both_directions(void **state)
{
	struct hf_sess_params p = params(64, 1);
	struct hf_sess_table *t;
	struct hf_sess_key k = key(0xc6120102, 0xc6130001, 1024, 80, 6, 1);
	struct hf_sess_key r = hf_sess_key_reverse(&k, 2), got;
	struct hf_sess_key wrong_zone = hf_sess_key_reverse(&k, 3);
	enum hf_sess_create_result res;
	struct hf_session *s, *f;
	struct hf_sess_info info;
	enum hf_dir dir;

	(void)state;
	assert_int_equal(hf_sess_table_create(&t, &p), 0);
	hf_rcu_online();
	assert_null(hf_sess_lookup(t, &k, &dir));
	s = create(t, 0, k, 2, 100, &res);
	assert_non_null(s);
	assert_int_equal(res, HF_SESS_CREATED);
	f = hf_sess_lookup(t, &k, &dir);
	assert_ptr_equal(f, s);
	assert_int_equal(dir, HF_DIR_ORIG);
	f = hf_sess_lookup(t, &r, &dir);
	assert_ptr_equal(f, s);
	assert_int_equal(dir, HF_DIR_REPLY);
	/* the reply must come in from the zone the flow went out to */
	assert_null(hf_sess_lookup(t, &wrong_zone, &dir));
	hf_sess_key_of(t, s, HF_DIR_REPLY, &got);
	assert_memory_equal(&got, &r, sizeof(r));
	assert_int_equal(s->rule, 7);
	assert_int_equal(s->port[HF_DIR_ORIG], 1);
	assert_int_equal(s->port[HF_DIR_REPLY], 2);
	assert_int_equal(s->proto, 6);
	assert_ptr_equal(hf_sess_get(t, hf_sess_id(t, s)), s);
	/* another generation of the same slot */
	assert_null(hf_sess_get(t, hf_sess_id(t, s) + (1ULL << 32)));
	assert_true(hf_sess_id(t, s) >> 32 >= 1);
	assert_null(hf_sess_get(t, 0));
	hf_sess_touch(s, HF_DIR_REPLY, 60, 100 + 5 * HF_NSEC_PER_MSEC);
	hf_sess_touch(s, HF_DIR_REPLY, 40, 100 + 5 * HF_NSEC_PER_MSEC);
	assert_int_equal(s->pkts[HF_DIR_REPLY], 2);
	assert_int_equal(s->bytes[HF_DIR_REPLY], 100);
	assert_int_equal(s->last_ns, 100 + 5 * HF_NSEC_PER_MSEC);
	hf_sess_info(t, &info);
	assert_int_equal(info.live, 1);
	assert_int_equal(info.capacity, 64);
	hf_rcu_offline();
	hf_sess_table_destroy(t);
}

/* Issue #3: at most 256 bytes per session, everything included. */
static void test_memory_per_session(void **state)
{
	struct hf_sess_params p = params(1u << 20, 2);
	struct hf_sess_table *t;
	struct hf_sess_info info;

	(void)state;
	assert_int_equal(hf_sess_table_create(&t, &p), 0);
	hf_sess_info(t, &info);
	print_message("session table: %lu sessions, %lu bytes, %lu bytes per session\n",
		      (unsigned long)info.capacity, (unsigned long)info.memory,
		      (unsigned long)info.bytes_per_session);
	assert_int_equal(sizeof(struct hf_session), 64);
	assert_true(info.bytes_per_session >= sizeof(struct hf_session));
	assert_true(info.bytes_per_session <= 256);
	/* liburcu's bucket layout recognised: burst lookups prefetch */
	print_message("buckets on huge pages: %ld bytes\n",
		      (long)info.bucket_huge);
	assert_true(info.burst_prefetch);
	hf_sess_table_destroy(t);
}

/* hf_sess_lookup_burst() finds exactly what hf_sess_lookup() finds */
static void test_lookup_burst(void **state)
{
	static const uint32_t sizes[] = { 64, 50000 };
	size_t z;

	(void)state;
	for (z = 0; z < sizeof(sizes) / sizeof(sizes[0]); z++) {
		struct hf_sess_params p = params(sizes[z], 1);
		uint32_t live = sizes[z] / 2, round, i;
		struct hf_sess_key k[HF_SESS_BURST_MAX];
		const struct hf_sess_key *kp[HF_SESS_BURST_MAX];
		struct hf_session *got[HF_SESS_BURST_MAX];
		uint8_t dir[HF_SESS_BURST_MAX];
		enum hf_sess_create_result res;
		struct hf_sess_table *t;
		struct hf_sess_info info;
		uint32_t hits = 0, misses = 0;

		assert_int_equal(hf_sess_table_create(&t, &p), 0);
		hf_sess_info(t, &info);
		assert_true(info.burst_prefetch);
		hf_rcu_online();
		for (i = 0; i < live; i++)
			assert_non_null(create(t, 0, key(0xc6120000 + i,
						       0xc6130001, 1000, 80, 6, 1),
					       2, 1, &res));
		for (round = 0; round < 40; round++) {
			for (i = 0; i < HF_SESS_BURST_MAX; i++) {
				/* orig keys, reply keys, strangers, gaps */
				uint32_t f = (round * 7919 + i * 104729) %
					     (2 * live);
				struct hf_sess_key o = key(0xc6120000 + f,
							   0xc6130001, 1000,
							   80, 6, 1);

				k[i] = i % 3 == 1 ? hf_sess_key_reverse(&o, 2) : o;
				kp[i] = i % 17 == 5 ? NULL : &k[i];
			}
			hf_sess_lookup_burst(t, kp, HF_SESS_BURST_MAX, got,
					     dir);
			for (i = 0; i < HF_SESS_BURST_MAX; i++) {
				enum hf_dir d = HF_DIR_ORIG;
				struct hf_session *want = NULL;

				if (kp[i])
					want = hf_sess_lookup(t, kp[i], &d);
				assert_ptr_equal(got[i], want);
				if (!want)
					continue;
				assert_int_equal(dir[i], d);
				assert_int_equal(d, i % 3 == 1 ? HF_DIR_REPLY :
								HF_DIR_ORIG);
				hits++;
			}
			misses += HF_SESS_BURST_MAX;
		}
		misses -= hits;
		/* both kinds were asked for */
		assert_true(hits > 1000 && misses > 1000);
		assert_int_equal(hf_sess_clear(t, NULL, NULL), live);
		hf_rcu_offline();
		hf_sess_table_destroy(t);
	}
}

static void test_race_between_workers(void **state)
{
	struct hf_sess_params p = params(4, 2);
	struct hf_sess_table *t;
	struct hf_sess_key k = key(1, 2, 3, 4, 17, 1);
	struct hf_sess_key r = hf_sess_key_reverse(&k, 1);
	enum hf_sess_create_result res;
	struct hf_session *a, *b, *c;
	enum hf_dir dir;

	(void)state;
	assert_int_equal(hf_sess_table_create(&t, &p), 0);
	hf_rcu_online();
	a = create(t, 0, k, 1, 1, &res);
	assert_int_equal(res, HF_SESS_CREATED);
	/* worker 1 saw the same first packet */
	b = hf_sess_create(t, 1, &k, 1, 2, 3, 0, 0, 1, &res, &dir);
	assert_int_equal(res, HF_SESS_RACED);
	assert_ptr_equal(a, b);
	assert_int_equal(dir, HF_DIR_ORIG);
	/* ... or the first reply: it finds the session as its reply way */
	b = hf_sess_create(t, 1, &r, 1, 2, 3, 0, 0, 1, &res, &dir);
	assert_int_equal(res, HF_SESS_RACED);
	assert_ptr_equal(a, b);
	assert_int_equal(dir, HF_DIR_REPLY);
	/* worker 1 lost no slot: it still has its two */
	c = create(t, 1, key(5, 6, 7, 8, 17, 1), 1, 1, &res);
	assert_int_equal(res, HF_SESS_CREATED);
	c = create(t, 1, key(5, 6, 7, 9, 17, 1), 1, 1, &res);
	assert_int_equal(res, HF_SESS_CREATED);
	assert_int_equal(hf_sess_owner(t, c), 1);
	assert_null(create(t, 1, key(5, 6, 7, 10, 17, 1), 1, 1, &res));
	assert_int_equal(res, HF_SESS_FULL);
	hf_rcu_offline();
	hf_sess_table_destroy(t);
}

static void test_reply_key_conflict(void **state)
{
	struct hf_sess_params p = params(8, 1);
	struct hf_sess_table *t;
	/* B -> A from zone 2, replies from zone 1 ... */
	struct hf_sess_key other = key(2, 1, 20, 10, 6, 2);
	/* ... and A -> B from zone 1: other's reply */
	struct hf_sess_key ab = key(1, 2, 10, 20, 6, 1);
	struct hf_sess_key mirror = hf_sess_key_reverse(&other, 1);
	enum hf_sess_create_result res;
	struct hf_sess_info info;
	struct hf_session *o;
	enum hf_dir dir;

	(void)state;
	assert_int_equal(hf_sess_table_create(&t, &p), 0);
	hf_rcu_online();
	o = create(t, 0, other, 1, 1, &res);
	assert_int_equal(res, HF_SESS_CREATED);
	/* ab is exactly other's reply: it joins other as the reply way */
	assert_memory_equal(&mirror, &ab, sizeof(ab));
	assert_ptr_equal(hf_sess_create(t, 0, &ab, 2, 1, 0, 0, 0, 1, &res, &dir),
			 o);
	assert_int_equal(res, HF_SESS_RACED);
	assert_int_equal(dir, HF_DIR_REPLY);
	hf_rcu_offline();
	hf_sess_table_destroy(t);

	/* a true conflict: orig key free, reply key taken */
	assert_int_equal(hf_sess_table_create(&t, &p), 0);
	hf_rcu_online();
	assert_non_null(create(t, 0, key(2, 1, 20, 10, 6, 2), 1, 1, &res));
	assert_null(create(t, 0, key(1, 2, 10, 20, 6, 3), 2, 1, &res));
	assert_int_equal(res, HF_SESS_CONFLICT);
	/* the doomed half-session is invisible to lookups */
	assert_null(hf_sess_lookup(t, &(struct hf_sess_key){ .saddr = 1,
		.daddr = 2, .sport = 10, .dport = 20, .proto = 6, .zone = 3 },
		&dir));
	hf_rcu_offline();
	assert_int_equal(hf_sess_reap_expired(t, 2, 8), 1);
	hf_sess_info(t, &info);
	assert_int_equal(info.live, 1);
	hf_rcu_online();
	/* its slot came back and the key is free again */
	assert_non_null(create(t, 0, key(1, 2, 10, 20, 6, 3), 4, 3, &res));
	assert_int_equal(res, HF_SESS_CREATED);
	hf_rcu_offline();
	hf_sess_table_destroy(t);
}

static void test_full_then_freed(void **state)
{
	struct hf_sess_params p = params(4, 1);
	struct hf_sess_table *t;
	struct hf_session *s[4];
	enum hf_sess_create_result res;
	struct hf_sess_key k;
	struct hf_sess_info info;
	enum hf_dir dir;
	int i;

	(void)state;
	p.timeout_ns[HF_TO_UDP] = 2 * SEC;
	p.timeout_ns[HF_TO_TCP_ESTABLISHED] = 100 * SEC;
	assert_int_equal(hf_sess_table_create(&t, &p), 0);
	hf_rcu_online();
	for (i = 0; i < 4; i++) {
		s[i] = hf_sess_create(t, 0, &(struct hf_sess_key){ .saddr = 1,
			.daddr = 2, .sport = (uint16_t)i, .dport = 53,
			.proto = 17, .zone = 1 }, 1, 0, 1, 0, 0, SEC, &res, &dir);
		assert_int_equal(res, HF_SESS_CREATED);
	}
	/* an established TCP-like session keeps working when full */
	__atomic_store_n(&s[0]->state, HF_TCP_ESTABLISHED, __ATOMIC_RELAXED);
	s[0]->proto = 6;
	k = key(1, 2, 99, 53, 17, 1);
	assert_null(hf_sess_create(t, 0, &k, 1, 0, 1, 0, 0, SEC, &res, &dir));
	assert_int_equal(res, HF_SESS_FULL);
	hf_rcu_offline();
	/* before the UDP timeout nothing goes */
	assert_int_equal(hf_sess_reap_expired(t, 2 * SEC, 100), 0);
	/* at 1 s + 2 s the three UDP sessions go, the "TCP" one stays */
	assert_int_equal(hf_sess_reap_expired(t, 3 * SEC, 100), 3);
	hf_sess_info(t, &info);
	assert_int_equal(info.live, 1);
	assert_int_equal(info.created, 4);
	assert_int_equal(info.freed, 3);
	hf_rcu_online();
	assert_non_null(hf_sess_create(t, 0, &k, 1, 0, 1, 0, 0, 3 * SEC, &res,
				       &dir));
	assert_int_equal(res, HF_SESS_CREATED);
	hf_rcu_offline();
	hf_sess_table_destroy(t);
}

static void test_timeouts_follow_state(void **state)
{
	struct hf_sess_params p = params(8, 1);
	struct hf_sess_table *t;
	enum hf_sess_create_result res;
	struct hf_session *s;
	uint64_t t0 = 10 * SEC;

	(void)state;
	assert_int_equal(hf_sess_table_create(&t, &p), 0);
	hf_rcu_online();
	s = create(t, 0, key(1, 2, 3, 80, 6, 1), 1, t0, &res);
	assert_non_null(s);
	/* SYN sent: 5 s */
	assert_int_equal(hf_sess_expires_ns(t, s), t0 + 5 * SEC);
	__atomic_store_n(&s->state, HF_TCP_ESTABLISHED, __ATOMIC_RELAXED);
	assert_int_equal(hf_sess_expires_ns(t, s), t0 + 3600 * SEC);
	__atomic_store_n(&s->state, HF_TCP_TIME_WAIT, __ATOMIC_RELAXED);
	assert_int_equal(hf_sess_expires_ns(t, s), t0 + 15 * SEC);
	hf_rcu_offline();
	/* the reaper agrees: one nanosecond early it stays */
	assert_int_equal(hf_sess_reap_expired(t, t0 + 15 * SEC - 1, 8), 0);
	assert_int_equal(hf_sess_reap_expired(t, t0 + 15 * SEC, 8), 1);
	hf_sess_table_destroy(t);
}

static bool match_port(const struct hf_sess_table *t,
		       const struct hf_session *s, void *arg)
{
	struct hf_sess_key k;

	hf_sess_key_of(t, s, HF_DIR_ORIG, &k);
	return k.dport == *(uint16_t *)arg;
}

static bool count_cb(const struct hf_sess_table *t,
		     const struct hf_session *s, void *arg)
{
	(void)t;
	(void)s;
	(*(int *)arg)++;
	return true;
}

static void test_clear_and_foreach(void **state)
{
	struct hf_sess_params p = params(32, 2);
	struct hf_sess_table *t;
	enum hf_sess_create_result res;
	uint16_t port = 53;
	int i, n = 0;

	(void)state;
	assert_int_equal(hf_sess_table_create(&t, &p), 0);
	hf_rcu_online();
	for (i = 0; i < 20; i++)
		assert_non_null(create(t, (uint32_t)i % 2,
				       key(1, 2, (uint16_t)(1000 + i),
					   i < 6 ? 53 : 80, 17, 1),
				       1, 1, &res));
	hf_sess_foreach(t, count_cb, &n);
	assert_int_equal(n, 20);
	hf_rcu_offline();
	assert_int_equal(hf_sess_clear(t, match_port, &port), 6);
	hf_rcu_online();
	n = 0;
	hf_sess_foreach(t, count_cb, &n);
	assert_int_equal(n, 14);
	hf_rcu_offline();
	assert_int_equal(hf_sess_clear(t, NULL, NULL), 14);
	hf_rcu_online();
	n = 0;
	hf_sess_foreach(t, count_cb, &n);
	assert_int_equal(n, 0);
	/* every slot is back: both workers can fill their halves again */
	for (i = 0; i < 32; i++)
		assert_non_null(create(t, (uint32_t)i % 2,
				       key(3, 4, (uint16_t)i, 1, 17, 1), 1, 1,
				       &res));
	assert_null(create(t, 0, key(3, 4, 99, 1, 17, 1), 1, 1, &res));
	assert_int_equal(res, HF_SESS_FULL);
	hf_rcu_offline();
	hf_sess_table_destroy(t);
}

/* More sessions than one reaper batch: freed in several grace periods. */
static void test_clear_many(void **state)
{
	struct hf_sess_params p = params(20000, 1);
	enum hf_sess_create_result res;
	struct hf_sess_table *t;
	struct hf_sess_info info;
	uint32_t i, round;

	(void)state;
	assert_int_equal(hf_sess_table_create(&t, &p), 0);
	for (round = 0; round < 2; round++) {
		hf_rcu_online();
		for (i = 0; i < 20000; i++)
			assert_non_null(create(t, 0, key(i, 2, 3, 4, 17, 1), 1,
					       1, &res));
		assert_null(create(t, 0, key(0, 9, 3, 4, 17, 1), 1, 1, &res));
		assert_int_equal(res, HF_SESS_FULL);
		hf_rcu_offline();
		assert_int_equal(hf_sess_reap_expired(t, 1000 * SEC, 20000),
				 20000);
		hf_sess_info(t, &info);
		assert_int_equal(info.live, 0);
	}
	hf_sess_table_destroy(t);
}

/* ---- concurrency: workers create and look up, a reaper clears ---- */

#define NWORKERS	3
#define FLOWS		512	/* per worker, more than its pool */
#define ROUNDS		60

struct wctx {
	struct hf_sess_table *t;
	uint32_t id;
	pthread_t th;
	unsigned long created, found, full, errors;
};

/* HA sync: notes and deletions out of the active's table, records into
 * the passive's, same keys, state, counters and remaining lifetime. */
static void test_sync_export_install(void **state)
{
	struct hf_sess_params pa = params(64, 2), pp = params(64, 2);
	struct hf_sess_table *act, *pas;
	struct hf_sess_key k = key(0xc6120001, 0xc6130001, 1000, 443, 6, 1);
	struct hf_sess_key kd[8], got;
	struct hf_sess_record rec, rec2;
	enum hf_sess_create_result res;
	struct hf_session *s, *ps;
	uint32_t slot[8];
	enum hf_dir dir;
	uint64_t now = 5000 * SEC;
	int i;

	(void)state;
	pa.sync_ring = 4;
	assert_int_equal(hf_sess_table_create(&act, &pa), 0);
	assert_int_equal(hf_sess_table_create(&pas, &pp), 0);
	hf_rcu_online();
	s = create(act, 1, k, 2, now, &res);
	assert_non_null(s);
	__atomic_store_n(&s->state, HF_TCP_ESTABLISHED, __ATOMIC_RELAXED);
	hf_sess_touch(s, HF_DIR_ORIG, 100, now);
	hf_sess_touch(s, HF_DIR_REPLY, 60, now);
	__atomic_fetch_or(&s->flags, HF_SESS_REPLIED, __ATOMIC_RELAXED);
	assert_true(hf_sess_sync_note(act, 1, s));
	assert_int_equal(hf_sess_sync_drain(act, 0, slot, 8), 0);
	assert_int_equal(hf_sess_sync_drain(act, 1, slot, 8), 1);
	assert_int_equal(hf_sess_sync_drain(act, 1, slot, 8), 0);
	/* exported 1 s later: 3599 s of the established timeout left */
	assert_int_equal(hf_sess_export(act, slot[0], now + SEC, &rec), 0);
	assert_memory_equal(&rec.key[0], &k, sizeof(k));
	got = hf_sess_key_reverse(&k, 2);
	assert_memory_equal(&rec.key[1], &got, sizeof(got));
	assert_int_equal(rec.state, HF_TCP_ESTABLISHED);
	assert_true(rec.replied);
	assert_int_equal(rec.rule, 7);
	assert_int_equal(rec.port[0], 1);
	assert_int_equal(rec.port[1], 2);
	assert_int_equal(rec.pkts[0], 1);
	assert_int_equal(rec.bytes[1], 60);
	assert_int_equal(rec.remaining_ms, 3599000);
	assert_int_equal(hf_sess_export(act, slot[0] + 1, now, &rec2),
			 -ENOENT);

	/* the passive, whose clock reads something else */
	assert_int_equal(hf_sess_install(pas, 0, &rec, 777 * SEC), 0);
	ps = hf_sess_lookup(pas, &rec.key[1], &dir);
	assert_non_null(ps);
	assert_int_equal(dir, HF_DIR_REPLY);
	assert_int_equal(ps->state, HF_TCP_ESTABLISHED);
	assert_int_equal(ps->pkts[0], 1);
	assert_int_equal(ps->bytes[1], 60);
	assert_true(ps->flags & HF_SESS_REPLIED);
	assert_int_equal(hf_sess_expires_ns(pas, ps), 777 * SEC + 3599 * SEC);
	/* an update: the state moved on, fewer ms left */
	rec2 = rec;
	rec2.state = HF_TCP_FIN_ORIG;
	rec2.remaining_ms = 1000;
	rec2.pkts[0] = 9;
	assert_int_equal(hf_sess_install(pas, 0, &rec2, 778 * SEC), 1);
	assert_int_equal(ps->state, HF_TCP_FIN_ORIG);
	assert_int_equal(ps->pkts[0], 9);
	assert_int_equal(hf_sess_expires_ns(pas, ps), 779 * SEC);
	/* keys that do not mirror each other */
	rec2.key[1].sport++;
	assert_int_equal(hf_sess_install(pas, 0, &rec2, 778 * SEC), -EINVAL);
	/* the reply key of a record that is another session's orig key */
	rec2 = rec;
	rec2.key[0] = rec.key[1];
	rec2.key[1] = rec.key[0];
	assert_int_equal(hf_sess_install(pas, 0, &rec2, 778 * SEC), -EEXIST);

	/* a deletion on the active reaches the delete ring */
	hf_rcu_offline();
	assert_int_equal(hf_sess_clear(act, NULL, NULL), 1);
	hf_rcu_online();
	assert_int_equal(hf_sess_sync_drain_deleted(act, kd, 8), 1);
	assert_memory_equal(&kd[0], &k, sizeof(k));
	/* ... and expires the passive's copy, which the reaper then takes */
	assert_int_equal(hf_sess_expire(pas, &kd[0]), 0);
	assert_int_equal(hf_sess_expire(pas, &rec.key[1]), -ENOENT);
	hf_rcu_offline();
	assert_int_equal(hf_sess_reap_expired(pas, 779 * SEC, 64), 1);
	hf_rcu_online();
	assert_null(hf_sess_lookup(pas, &k, &dir));

	/* a full note ring loses notes, counted */
	for (i = 0; i < 6; i++)
		hf_sess_sync_note(act, 0, s);
	assert_int_equal(hf_sess_sync_lost(act), 2);
	assert_int_equal(hf_sess_sync_drain(act, 0, slot, 8), 4);
	/* without sync, noting is a no-op that never fails */
	assert_true(hf_sess_sync_note(pas, 0, s));
	assert_int_equal(hf_sess_sync_drain(pas, 0, slot, 8), 0);
	hf_rcu_offline();
	hf_sess_table_destroy(act);
	hf_sess_table_destroy(pas);
}

static int stop_flag;

static struct hf_sess_key flow_key(uint32_t w, uint32_t i)
{
	/* workers share half their flows: the other half is private */
	uint32_t owner = i % 2 ? w : 0;

	return key(0xc6120000 + owner, 0xc6130000 + i, (uint16_t)(i * 7),
		   443, 6, 1);
}

static void *worker_main(void *arg)
{
	struct wctx *c = arg;
	int round;

	urcu_qsbr_register_thread();
	for (round = 0; round < ROUNDS &&
	     !__atomic_load_n(&stop_flag, __ATOMIC_RELAXED); round++) {
		uint32_t i;

		for (i = 0; i < FLOWS; i++) {
			struct hf_sess_key k = flow_key(c->id, i), got;
			struct hf_sess_key r = hf_sess_key_reverse(&k, 2);
			enum hf_sess_create_result res;
			struct hf_session *s;
			enum hf_dir dir;

			const struct hf_sess_key *want = i % 3 ? &k : &r;

			s = hf_sess_lookup(c->t, want, &dir);
			if (!s) {
				want = &k;
				s = hf_sess_create(c->t, c->id, &k, 2, 0, 1,
						   HF_TCP_SYN_SENT, 1,
						   hf_now_ns(), &res, &dir);
				if (!s) {
					c->full += res == HF_SESS_FULL;
					c->errors += res != HF_SESS_FULL;
					continue;
				}
				c->created += res == HF_SESS_CREATED;
				if (dir != HF_DIR_ORIG)
					c->errors++;
			} else {
				c->found++;
			}
			/* whatever we hold must be the flow we asked for */
			hf_sess_key_of(c->t, s, dir, &got);
			if (memcmp(&got, want, sizeof(got)))
				c->errors++;
			hf_sess_touch(s, dir, 64, hf_now_ns());
			if (i % 64 == 0)
				quiescent();
		}
		quiescent();
	}
	hf_tsan_release(&gp_hb);
	urcu_qsbr_unregister_thread();
	return NULL;
}

static bool every_third(const struct hf_sess_table *t,
			const struct hf_session *s, void *arg)
{
	(void)arg;
	return hf_sess_id(t, s) % 3 == 0;
}

static void test_concurrent(void **state)
{
	struct hf_sess_params p = params(NWORKERS * 200, NWORKERS);
	struct wctx w[NWORKERS];
	struct hf_sess_table *t;
	struct hf_sess_info info;
	unsigned long cleared = 0, created = 0;
	int i, alive;

	(void)state;
	assert_int_equal(hf_sess_table_create(&t, &p), 0);
	__atomic_store_n(&stop_flag, 0, __ATOMIC_RELAXED);
	for (i = 0; i < NWORKERS; i++) {
		memset(&w[i], 0, sizeof(w[i]));
		w[i].t = t;
		w[i].id = (uint32_t)i;
		assert_int_equal(pthread_create(&w[i].th, NULL, worker_main,
						&w[i]), 0);
	}
	/* reap while they work, until all have finished */
	do {
		cleared += hf_sess_clear(t, every_third, NULL);
		alive = 0;
		for (i = 0; i < NWORKERS; i++)
			alive += pthread_tryjoin_np(w[i].th, NULL) != 0;
		sched_yield();
	} while (alive == NWORKERS && cleared < 100000);
	__atomic_store_n(&stop_flag, 1, __ATOMIC_RELAXED);
	for (i = 0; i < NWORKERS; i++)
		pthread_join(w[i].th, NULL);
	for (i = 0; i < NWORKERS; i++) {
		assert_int_equal(w[i].errors, 0);
		created += w[i].created;
	}
	assert_true(cleared > 0);
	hf_sess_info(t, &info);
	assert_int_equal(info.created, created);
	assert_int_equal(info.live, created - cleared);
	/* clear the rest: every slot is back */
	assert_int_equal(hf_sess_clear(t, NULL, NULL), info.live);
	hf_sess_info(t, &info);
	assert_int_equal(info.live, 0);
	hf_sess_table_destroy(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults_and_classes),
		cmocka_unit_test(test_key_reverse),
		cmocka_unit_test(test_both_directions),
		cmocka_unit_test(test_memory_per_session),
		cmocka_unit_test(test_lookup_burst),
		cmocka_unit_test(test_sync_export_install),
		cmocka_unit_test(test_race_between_workers),
		cmocka_unit_test(test_reply_key_conflict),
		cmocka_unit_test(test_full_then_freed),
		cmocka_unit_test(test_timeouts_follow_state),
		cmocka_unit_test(test_clear_and_foreach),
		cmocka_unit_test(test_clear_many),
		cmocka_unit_test(test_concurrent),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
