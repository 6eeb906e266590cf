// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_fib_stress.c - fwd/fib.h under concurrency: RCU-QSBR readers look
 * up while the single writer adds and deletes routes, so that tbl8 groups
 * are collapsed, parked and reused all the time.
 *
 * A wrong answer is detectable: "stable" prefixes are never touched and
 * each has its own next hop, so every address has a known stable answer;
 * "churn" prefixes come and go, and each has a unique next hop that
 * indexes a read-only table of the churn prefixes. A reader accepts a
 * result only if it is the address's stable next hop, or the next hop of
 * a churn prefix that covers the address and is longer than the stable
 * one. A reader walking a group that was refilled for another /24, or
 * seeing a half-built group, gets an answer for the wrong range.
 *
 * Bounded by writer iterations, not by time.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/rcu.h"
#include "fwd/fib.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/*
 * ThreadSanitizer does not see liburcu's synchronization (the library is
 * not instrumented and its inline reader code uses volatile accesses and
 * asm barriers). Tell it what a grace period guarantees: whatever a reader
 * did before a quiescent state happens-before the return of a
 * synchronize_rcu() that waited for that state. Without this, the
 * writer's reuse of a tbl8 group after the grace period would be reported
 * as a race with the readers' earlier lookups in it. Only this edge is
 * modelled; every other access in the FIB is still checked.
 *
 * The one suppression is for liburcu's own inline wake-up code
 * (urcu/static/urcu-qsbr.h: urcu_qsbr_wake_up_gp() reads and writes
 * urcu_qsbr_gp.futex with uatomic_read()/uatomic_set(), which are plain
 * volatile accesses to TSan), racing between two readers.
 */
#if defined(__SANITIZE_THREAD__)
#include <sanitizer/tsan_interface.h>

static char rcu_gp_hb;		/* TSan sync object for grace periods */

static void tsan_reader_qs(void)
{
	__tsan_release(&rcu_gp_hb);
}

static void tsan_writer_after_gp(void)
{
	__tsan_acquire(&rcu_gp_hb);
}

const char *__tsan_default_suppressions(void);
const char *__tsan_default_suppressions(void)
{
	return "race:urcu_qsbr_wake_up_gp\n";
}
#else
static void tsan_reader_qs(void)
{
}

static void tsan_writer_after_gp(void)
{
}
#endif

#define IP(a, b, c, d) \
	((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))

#define NREADERS	2
#define BATCH		64		/* lookups between quiescent states */
/* sanitizers slow the writer ~20x: keep the run short, not the coverage */
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
#define WRITER_OPS	25000
#else
#define WRITER_OPS	200000
#endif
#define MAX_STABLE	64
#define MAX_CHURN	512
#define MAX_ADDRS	16384
#define HOT24		40		/* /24s where churn prefixes live */
#define STABLE_NH	1000		/* stable next hops: 1000 + index */
#define CHURN_NH	100000		/* churn next hops: 100000 + index */
#define NO_NH		UINT32_MAX

struct pfx {
	uint32_t ip;
	uint8_t depth;
};

struct addr {
	uint32_t ip;
	uint32_t stable_nh;	/* NO_NH if no stable prefix covers it */
	uint8_t stable_depth;
};

/* Everything readers see is written before they start, then read-only. */
static struct pfx stable[MAX_STABLE];
static unsigned int nstable;
static struct pfx churn[MAX_CHURN];
static unsigned int nchurn;
static struct addr addrs[MAX_ADDRS];
static unsigned int naddrs;

static struct hf_fib *fib;
static int stop;		/* atomic */

struct reader {
	pthread_t th;
	unsigned int id;
	uint64_t lookups, churn_hits, stable_hits, misses, batches;
	uint64_t errors;
	char first_error[160];
};

static struct reader readers[NREADERS];
static unsigned int grace_periods;

static uint32_t mask_of(unsigned int depth)
{
	return depth ? ~0u << (32 - depth) : 0;
}

static uint64_t rng_state;

static uint32_t rng32_r(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return (uint32_t)((*s * 0x2545f4914f6cdd1dULL) >> 32);
}

static uint32_t rng32(void)
{
	return rng32_r(&rng_state);
}

static bool have(const struct pfx *set, unsigned int n, uint32_t ip,
		 uint8_t depth)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (set[i].ip == ip && set[i].depth == depth)
			return true;
	return false;
}

static void add_stable(uint32_t ip, uint8_t depth)
{
	ip &= mask_of(depth);
	if (nstable < MAX_STABLE && !have(stable, nstable, ip, depth)) {
		stable[nstable].ip = ip;
		stable[nstable].depth = depth;
		nstable++;
	}
}

static void add_churn(uint32_t ip, uint8_t depth)
{
	ip &= mask_of(depth);
	if (nchurn < MAX_CHURN && !have(churn, nchurn, ip, depth) &&
	    !have(stable, nstable, ip, depth)) {
		churn[nchurn].ip = ip;
		churn[nchurn].depth = depth;
		nchurn++;
	}
}

static void add_addr(uint32_t ip)
{
	struct addr *a;
	unsigned int i;

	if (naddrs >= MAX_ADDRS)
		return;
	a = &addrs[naddrs++];
	a->ip = ip;
	a->stable_nh = NO_NH;
	a->stable_depth = 0;
	for (i = 0; i < nstable; i++)
		if ((ip & mask_of(stable[i].depth)) == stable[i].ip &&
		    (a->stable_nh == NO_NH ||
		     stable[i].depth > a->stable_depth)) {
			a->stable_nh = STABLE_NH + i;
			a->stable_depth = stable[i].depth;
		}
}

static void add_addrs_around(const struct pfx *p)
{
	uint32_t span = ~mask_of(p->depth);

	add_addr(p->ip);
	add_addr(p->ip + span);
	add_addr(p->ip - 1);
	add_addr(p->ip + span + 1);
	add_addr(p->ip | (rng32() & span));
	add_addr(p->ip | (rng32() & span));
}

static void build_sets(void)
{
	uint32_t hot[HOT24];
	unsigned int i, k;

	nstable = nchurn = naddrs = 0;
	rng_state = 0x57e55ULL;

	/* stable: a /8, sixteen /16s with their own next hops, and a few
	 * long prefixes inside hot /24s (those groups never empty) */
	add_stable(IP(10, 0, 0, 0), 8);
	for (i = 0; i < 16; i++)
		add_stable(IP(10, i, 0, 0), 16);
	for (i = 0; i < HOT24; i++) {
		/* hot /24s spread over the sixteen /16s, and 4 outside any
		 * stable prefix (in 11/8) where the answer may be -ENOENT */
		if (i < HOT24 - 4)
			hot[i] = IP(10, i % 16, rng32() & 0xff, 0);
		else
			hot[i] = IP(11, rng32() & 0xff, rng32() & 0xff, 0);
	}
	for (i = 0; i < 4; i++)
		add_stable(hot[i * 7] | (rng32() & 0xc0), 26);
	add_stable(hot[5] | 0x11, 32);
	add_stable(hot[6], 24);		/* a stable /24 under churn */

	/* churn: mostly /25../32 in the hot /24s, plus covering /17../24 */
	for (i = 0; i < HOT24; i++) {
		for (k = 0; k < 8; k++)
			add_churn(hot[i] | (rng32() & 0xff),
				  (uint8_t)(25 + rng32() % 8));
		if (i % 2 == 0)
			add_churn(hot[i], 24);
		if (i % 5 == 0)
			add_churn(hot[i], (uint8_t)(17 + rng32() % 7));
	}
	/* a churn /12 over several hot /16s, and one in empty space */
	add_churn(IP(10, 0, 0, 0), 12);
	add_churn(IP(11, 0, 0, 0), 9);

	for (i = 0; i < nstable; i++)
		add_addrs_around(&stable[i]);
	for (i = 0; i < nchurn; i++)
		add_addrs_around(&churn[i]);
	for (i = 0; i < HOT24; i++)
		for (k = 0; k < 64; k++)
			add_addr(hot[i] | (rng32() & 0xff));
	while (naddrs < MAX_ADDRS)
		add_addr(IP(10, 0, 0, 0) |
			 (rng32() & (naddrs % 4 ? 0x00ffffff : 0x01ffffff)));
}

/* Is @nh (rc @rc) a possible answer for @a at any instant? */
static const char *check_answer(const struct addr *a, int rc, uint32_t nh)
{
	const struct pfx *c;

	if (rc == -ENOENT)
		return a->stable_nh == NO_NH ? NULL
					     : "-ENOENT under a stable prefix";
	if (rc != 0)
		return "bad return code";
	if (nh == a->stable_nh)
		return NULL;
	if (nh < CHURN_NH || nh >= CHURN_NH + nchurn)
		return "next hop of another prefix";
	c = &churn[nh - CHURN_NH];
	if ((a->ip & mask_of(c->depth)) != c->ip)
		return "churn prefix that does not cover the address";
	if (a->stable_nh != NO_NH && c->depth <= a->stable_depth)
		return "churn prefix shorter than the stable one";
	return NULL;
}

static void *reader_main(void *arg)
{
	struct reader *r = arg;
	uint64_t s = 0x1234567ULL + r->id * 0x9e3779b97f4a7c15ULL;

	urcu_qsbr_register_thread();	/* online */
	while (!__atomic_load_n(&stop, __ATOMIC_ACQUIRE)) {
		int k;

		for (k = 0; k < BATCH; k++) {
			const struct addr *a = &addrs[rng32_r(&s) % naddrs];
			uint32_t nh = 0;
			int rc = hf_fib_lookup(fib, a->ip, &nh);
			const char *why = check_answer(a, rc, nh);

			if (why) {
				if (!r->errors++)
					snprintf(r->first_error,
						 sizeof(r->first_error),
						 "%08x: rc %d nh %u: %s", a->ip,
						 rc, nh, why);
			} else if (rc) {
				r->misses++;
			} else if (nh == a->stable_nh) {
				r->stable_hits++;
			} else {
				r->churn_hits++;
			}
		}
		/* the writer polls these */
		__atomic_fetch_add(&r->lookups, BATCH, __ATOMIC_RELAXED);
		__atomic_fetch_add(&r->batches, 1, __ATOMIC_RELAXED);
		tsan_reader_qs();
		urcu_qsbr_quiescent_state();
	}
	tsan_reader_qs();
	urcu_qsbr_unregister_thread();
	return NULL;
}

/* The daemon's hook is synchronize_rcu; count the grace periods too. */
static void sync_hook(void)
{
	grace_periods++;
	synchronize_rcu();
	tsan_writer_after_gp();
}

static uint64_t total_lookups(void)
{
	uint64_t n = 0;
	unsigned int i;

	for (i = 0; i < NREADERS; i++)
		n += __atomic_load_n(&readers[i].lookups, __ATOMIC_RELAXED);
	return n;
}

/* Wait until every reader is running (has finished a batch). */
static void wait_for_readers(void)
{
	unsigned int i;

	for (i = 0; i < NREADERS; i++)
		while (!__atomic_load_n(&readers[i].batches, __ATOMIC_RELAXED))
			sched_yield();
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void test_fib_concurrent_churn(void **state)
{
	static bool present[MAX_CHURN];
	unsigned int i, op, adds = 0, dels = 0, errors = 0;
	uint32_t nh, long24 = 0;
	char werr[160] = "";
	uint64_t lookups;
	double t0, t_write;

	(void)state;
	build_sets();
	assert_true(nchurn > 300);
	memset(present, 0, sizeof(present));
	/* enough groups for every hot /24 at once, so groups are reused
	 * rather than exhausted */
	assert_int_equal(hf_fib_create(&fib, 4096, HOT24 + 8, sync_hook), 0);
	for (i = 0; i < nstable; i++)
		assert_int_equal(hf_fib_add(fib, stable[i].ip, stable[i].depth,
					    STABLE_NH + i, NULL),
				 0);

	hf_rcu_register_offline();	/* the writer never reads online */
	__atomic_store_n(&stop, 0, __ATOMIC_RELAXED);
	for (i = 0; i < NREADERS; i++) {
		memset(&readers[i], 0, sizeof(readers[i]));
		readers[i].id = i;
		assert_int_equal(pthread_create(&readers[i].th, NULL,
						reader_main, &readers[i]),
				 0);
	}

	wait_for_readers();
	rng_state = 0xc0ffeeULL;
	t0 = now_s();
	for (op = 0; op < WRITER_OPS && !errors; op++) {
		unsigned int k = rng32() % nchurn;
		int rc;

		if (present[k]) {
			rc = hf_fib_del(fib, churn[k].ip, churn[k].depth, &nh);
			if (rc || nh != CHURN_NH + k)
				errors++;
			present[k] = false;
			dels++;
		} else {
			rc = hf_fib_add(fib, churn[k].ip, churn[k].depth,
					CHURN_NH + k, NULL);
			if (rc)
				errors++;
			present[k] = true;
			adds++;
		}
		if (errors)
			snprintf(werr, sizeof(werr), "op %u on %08x/%u: rc %d",
				 op, churn[k].ip, churn[k].depth, rc);
		/* now and then, empty whole areas so groups collapse */
		if (op % 4096 == 4095)
			for (k = 0; k < nchurn && !errors; k++)
				if (present[k] && churn[k].depth > 24 &&
				    rng32() % 2) {
					if (hf_fib_del(fib, churn[k].ip,
						       churn[k].depth, NULL)) {
						errors++;
						snprintf(werr, sizeof(werr),
							 "bulk delete of %08x/%u",
							 churn[k].ip,
							 churn[k].depth);
					}
					present[k] = false;
					dels++;
				}
		if (op % 8192 == 0)
			hf_fib_reclaim(fib);
	}
	t_write = now_s() - t0;
	/* let the readers see the final churn state for a moment */
	lookups = total_lookups();
	while (!errors && total_lookups() < lookups + 20000)
		sched_yield();

	__atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
	for (i = 0; i < NREADERS; i++)
		pthread_join(readers[i].th, NULL);

	for (i = 0; i < NREADERS; i++) {
		print_message("    reader %u: %llu lookups (%llu churn, %llu "
			      "stable, %llu none) in %llu batches, %llu errors\n",
			      i, (unsigned long long)readers[i].lookups,
			      (unsigned long long)readers[i].churn_hits,
			      (unsigned long long)readers[i].stable_hits,
			      (unsigned long long)readers[i].misses,
			      (unsigned long long)readers[i].batches,
			      (unsigned long long)readers[i].errors);
		if (readers[i].errors)
			print_error("reader %u first error: %s\n", i,
				    readers[i].first_error);
	}
	print_message("    writer: %u adds, %u deletes, %u grace periods in "
		      "%.2f s; %u churn / %u stable prefixes, %u addresses\n",
		      adds, dels, grace_periods, t_write, nchurn, nstable,
		      naddrs);
	if (errors)
		fail_msg("writer: %s", werr);
	for (i = 0; i < NREADERS; i++) {
		assert_int_equal(readers[i].errors, 0);
		assert_true(readers[i].lookups > 10000);
		assert_true(readers[i].churn_hits > 0);
	}
	/* groups really were recycled, many times */
	assert_true(grace_periods > WRITER_OPS / 500);

	/* quiesced: remove all churn, only the stable answers remain */
	for (i = 0; i < nchurn; i++)
		if (present[i])
			assert_int_equal(hf_fib_del(fib, churn[i].ip,
						    churn[i].depth, NULL),
					 0);
	assert_int_equal(hf_fib_count(fib), nstable);
	for (i = 0; i < naddrs; i++) {
		int rc = hf_fib_lookup(fib, addrs[i].ip, &nh);

		if (addrs[i].stable_nh == NO_NH)
			assert_int_equal(rc, -ENOENT);
		else if (rc || nh != addrs[i].stable_nh)
			fail_msg("%08x: rc %d nh %u, want %u", addrs[i].ip, rc,
				 nh, addrs[i].stable_nh);
	}
	hf_fib_reclaim(fib);
	for (i = 0; i < nstable; i++) {
		unsigned int k;

		if (stable[i].depth <= 24)
			continue;
		for (k = 0; k < i; k++)
			if (stable[k].depth > 24 &&
			    stable[k].ip >> 8 == stable[i].ip >> 8)
				break;
		if (k == i)
			long24++;
	}
	assert_int_equal(hf_fib_tbl8_used(fib), long24);

	hf_rcu_unregister_offline();
	hf_fib_destroy(fib);
	fib = NULL;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fib_concurrent_churn),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
