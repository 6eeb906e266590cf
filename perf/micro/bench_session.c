// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * perf/micro/bench_session.c - bench-session, a micro-benchmark of the
 * session table (fwd/session.c, linked from libhafwd.a) on one core.
 *
 * What it measures, median of --runs runs, the phases interleaved run by
 * run so that a change of machine speed hits every figure alike:
 *  - setup: a lookup miss followed by a create, for --sessions distinct
 *    5-tuples into an empty table until it is full (what a worker does
 *    for the first packet of every new flow, minus the policy);
 *  - lookup: hits of random keys among the live sessions, with --small
 *    and with --sessions live sessions;
 *  - lookup + touch: the same followed by hf_sess_touch(), i.e. the
 *    table work a packet of a known session costs;
 *  - burst lookup + touch: the same keys HF_SESS_BURST_MAX at a time
 *    through hf_sess_lookup_burst(), as the worker does an RX burst;
 *  - memory per session: what hf_sess_info() accounts (pool, hash nodes,
 *    bucket array, free rings) divided by the capacity, and the growth of
 *    the process's resident memory from before the table was created to
 *    when it is full (everything included: allocator and page rounding,
 *    liburcu's own structures), also per slot of capacity.
 *
 * Honesty: keys and the random lookup order are made before the clock
 * starts, and the keys a lookup phase asks for are copied into one
 * array read in order, so the clock sees the table's cache and TLB
 * misses, not the benchmark's. Every lookup must hit, every create must
 * succeed, or the run fails. The creates run with the slots in the order
 * the free ring hands them out, as in the forwarder.
 *
 * Concurrency: single-threaded; the thread is registered with RCU-QSBR,
 * online while it uses the table and quiescent every 1024 operations,
 * offline while the table is cleared (hf_sess_clear waits for a grace
 * period).
 *
 * Usage: bench-session [--sessions N] [--small N] [--runs N] [--cpu C]
 * The last line is "bench-session: key=value ..." for scripts.
 */
#include <errno.h>
#include <getopt.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#include "common/rcu.h"
#include "common/time.h"
#include "fwd/session.h"

#define LOOKUPS		(4u << 20)	/* lookups per lookup phase */
#define MAX_RUNS	101u
#define MAX_MAPS	256u
#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE	25		/* Linux 6.1 */
#endif

struct bench_opts {
	uint32_t sessions;
	uint32_t small;
	uint32_t runs;
	int cpu;
	bool thp_all;
};

/* Start addresses of the process's memory mappings. */
struct map_set {
	uint32_t n;
	uintptr_t start[MAX_MAPS];
};

/* Per-run figures, operations per second. */
struct bench_figs {
	double *setup;
	double *look_small;
	double *look_big;
	double *touch_big;
	double *burst_big;
};

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, uint32_t n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static uint64_t rng_next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/*
 * Distinct UDP 5-tuples like those of the end-to-end benchmark: 1024
 * source ports per client address, clients counting up from 198.18.16.0,
 * one server. Any two keys differ, and so do their reverses.
 */
static void make_keys(struct hf_sess_key *k, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++) {
		memset(&k[i], 0, sizeof(k[i]));
		k[i].saddr = 0xc6121000u + (i >> 10);		/* 198.18.16.0 + */
		k[i].daddr = 0xc6130001u;			/* 198.19.0.1 */
		k[i].sport = (uint16_t)(1024 + (i & 1023));
		k[i].dport = 9;
		k[i].proto = 17;
		k[i].zone = 1;
	}
}

/* @probe[i] = a random one of keys[0..live), for a lookup phase. */
static void make_probe(struct hf_sess_key *probe, const struct hf_sess_key *k,
		       uint32_t live, uint64_t seed)
{
	uint32_t i;

	for (i = 0; i < LOOKUPS; i++)
		probe[i] = k[rng_next(&seed) % live];
}

/* Resident memory of the process in bytes, or 0 if unreadable. */
static uint64_t rss_bytes(void)
{
	unsigned long size, res;
	FILE *f = fopen("/proc/self/statm", "r");
	int n;

	if (!f)
		return 0;
	n = fscanf(f, "%lu %lu", &size, &res);
	fclose(f);
	return n == 2 ? (uint64_t)res * (uint64_t)sysconf(_SC_PAGESIZE) : 0;
}

/* Record the start of every mapping of the process into @m. */
static void maps_read(struct map_set *m)
{
	FILE *f = fopen("/proc/self/maps", "r");
	unsigned long lo, hi;
	char line[512];

	m->n = 0;
	if (!f)
		return;
	while (m->n < MAX_MAPS && fgets(line, sizeof(line), f))
		if (sscanf(line, "%lx-%lx", &lo, &hi) == 2)
			m->start[m->n++] = lo;
	fclose(f);
}

static bool maps_has(const struct map_set *m, uintptr_t start)
{
	uint32_t i;

	for (i = 0; i < m->n; i++)
		if (m->start[i] == start)
			return true;
	return false;
}

/*
 * --thp-all, a what-if: ask for transparent huge pages (MADV_HUGEPAGE,
 * then MADV_COLLAPSE) on every writable anonymous mapping that is not in
 * @before, i.e. the ones the table made. hafwd's own allocations ask for
 * THP already; this adds the hash's bucket array, which liburcu maps in
 * 4 KiB pages. Return: mappings collapsed.
 */
static uint32_t thp_collapse_new(const struct map_set *before)
{
	FILE *f = fopen("/proc/self/maps", "r");
	unsigned long lo, hi, off;
	char line[512], perm[8];
	uint32_t done = 0;
	int ino;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx %7s %lx %*s %d", &lo, &hi, perm,
			   &off, &ino) != 5 || ino || perm[1] != 'w' ||
		    maps_has(before, lo) || hi - lo < (2ul << 20))
			continue;
		madvise((void *)lo, hi - lo, MADV_HUGEPAGE);
		if (!madvise((void *)lo, hi - lo, MADV_COLLAPSE))
			done++;
	}
	fclose(f);
	return done;
}

/* Setups per second (lookup miss + create) of keys[0..n), or 0 on a
 * failure, which is reported. */
static double setup_run(struct hf_sess_table *t, const struct hf_sess_key *k,
			uint32_t n)
{
	enum hf_sess_create_result res = HF_SESS_FULL;
	uint64_t t0, t1, now = hf_now_ns();
	enum hf_dir dir;
	uint32_t i;

	hf_rcu_online();
	t0 = hf_now_ns();
	for (i = 0; i < n; i++) {
		if (hf_sess_lookup(t, &k[i], &dir) ||
		    !hf_sess_create(t, 0, &k[i], 2, 0, 1, HF_TCP_NONE, 0,
				    now, &res, &dir) ||
		    res != HF_SESS_CREATED)
			break;
		if ((i & 1023) == 0)
			urcu_qsbr_quiescent_state();
	}
	t1 = hf_now_ns();
	hf_rcu_offline();
	if (i < n) {
		fprintf(stderr, "bench-session: setup %u of %u failed (result %d)\n",
			i, n, (int)res);
		return 0;
	}
	return (double)n / ((double)(t1 - t0) / 1e9);
}

/* Lookups per second of @probe (with hf_sess_touch if @touch), or 0 if
 * any lookup missed, which is reported. */
static double lookup_run(struct hf_sess_table *t,
			 const struct hf_sess_key *probe, bool touch)
{
	uint64_t t0, t1, found = 0, now = hf_now_ns();
	struct hf_session *s;
	enum hf_dir dir;
	uint32_t i;

	hf_rcu_online();
	t0 = hf_now_ns();
	for (i = 0; i < LOOKUPS; i++) {
		s = hf_sess_lookup(t, &probe[i], &dir);
		if (!s)
			continue;
		found++;
		if (touch)
			hf_sess_touch(s, dir, 46, now);
		if ((i & 1023) == 0)
			urcu_qsbr_quiescent_state();
	}
	t1 = hf_now_ns();
	hf_rcu_offline();
	if (found != LOOKUPS) {
		fprintf(stderr, "bench-session: %lu of %u lookups missed\n",
			(unsigned long)(LOOKUPS - found), LOOKUPS);
		return 0;
	}
	return LOOKUPS / ((double)(t1 - t0) / 1e9);
}

/* The same as lookup_run(@touch true) a burst at a time. */
static double burst_run(struct hf_sess_table *t,
			const struct hf_sess_key *probe)
{
	const struct hf_sess_key *kp[HF_SESS_BURST_MAX];
	struct hf_session *s[HF_SESS_BURST_MAX];
	uint8_t dir[HF_SESS_BURST_MAX];
	uint64_t t0, t1, found = 0, now = hf_now_ns();
	uint32_t i, j;

	_Static_assert(LOOKUPS % HF_SESS_BURST_MAX == 0, "whole bursts");
	hf_rcu_online();
	t0 = hf_now_ns();
	for (i = 0; i < LOOKUPS; i += HF_SESS_BURST_MAX) {
		for (j = 0; j < HF_SESS_BURST_MAX; j++)
			kp[j] = &probe[i + j];
		hf_sess_lookup_burst(t, kp, HF_SESS_BURST_MAX, s, dir);
		for (j = 0; j < HF_SESS_BURST_MAX; j++) {
			if (!s[j])
				continue;
			found++;
			hf_sess_touch(s[j], (enum hf_dir)dir[j], 46, now);
		}
		if ((i & 1023) == 0)
			urcu_qsbr_quiescent_state();
	}
	t1 = hf_now_ns();
	hf_rcu_offline();
	if (found != LOOKUPS) {
		fprintf(stderr, "bench-session: %lu of %u burst lookups missed\n",
			(unsigned long)(LOOKUPS - found), LOOKUPS);
		return 0;
	}
	return LOOKUPS / ((double)(t1 - t0) / 1e9);
}

/* One run: fill the table, look up, empty it; the same with @small.
 * Return: 0 or -EIO (a phase failed). */
static int one_run(struct hf_sess_table *t, const struct bench_opts *o,
		   const struct hf_sess_key *keys, struct hf_sess_key *probe,
		   uint32_t r, struct bench_figs *fig, uint64_t *rss_full)
{
	fig->setup[r] = setup_run(t, keys, o->sessions);
	if (!fig->setup[r])
		return -EIO;
	if (!r)
		*rss_full = rss_bytes();
	make_probe(probe, keys, o->sessions, 0x9e3779b97f4a7c15ULL + r);
	fig->look_big[r] = lookup_run(t, probe, false);
	fig->touch_big[r] = lookup_run(t, probe, true);
	fig->burst_big[r] = burst_run(t, probe);
	hf_sess_clear(t, NULL, NULL);

	if (!setup_run(t, keys, o->small))
		return -EIO;
	make_probe(probe, keys, o->small, 0x7f4a7c159e3779b9ULL + r);
	fig->look_small[r] = lookup_run(t, probe, false);
	hf_sess_clear(t, NULL, NULL);
	if (!fig->look_big[r] || !fig->touch_big[r] || !fig->burst_big[r] ||
	    !fig->look_small[r])
		return -EIO;
	return 0;
}

static int parse_u32(const char *s, uint32_t lo, uint32_t hi, uint32_t *out)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || *s == '-' || v < lo || v > hi)
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

/* Return: 0, or 2 after a usage message. */
static int parse_opts(int argc, char **argv, struct bench_opts *o)
{
	static const struct option longopts[] = {
		{ "sessions", required_argument, NULL, 's' },
		{ "small", required_argument, NULL, 'm' },
		{ "runs", required_argument, NULL, 'r' },
		{ "cpu", required_argument, NULL, 'c' },
		{ "thp-all", no_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	uint32_t cpu;
	int c, err = 0;

	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			err = parse_u32(optarg, 1024, 1u << 26, &o->sessions);
			break;
		case 'm':
			err = parse_u32(optarg, 1, 1u << 20, &o->small);
			break;
		case 'r':
			err = parse_u32(optarg, 1, MAX_RUNS, &o->runs);
			break;
		case 'c':
			err = parse_u32(optarg, 0, CPU_SETSIZE - 1, &cpu);
			o->cpu = (int)cpu;
			break;
		case 't':
			o->thp_all = true;
			break;
		default:
			err = -EINVAL;
			break;
		}
		if (err)
			break;
	}
	if (err || optind < argc || o->small > o->sessions) {
		fprintf(stderr,
			"usage: bench-session [--sessions 1024..%u] [--small N <= sessions] [--runs 1..%u] [--cpu C] [--thp-all]\n",
			1u << 26, MAX_RUNS);
		return 2;
	}
	return 0;
}

static void report(const struct bench_opts *o, struct bench_figs *fig,
		   const struct hf_sess_info *info, uint64_t rss0,
		   uint64_t rss_full)
{
	double setup = median(fig->setup, o->runs) / 1e6;
	double ls = median(fig->look_small, o->runs) / 1e6;
	double lb = median(fig->look_big, o->runs) / 1e6;
	double tb = median(fig->touch_big, o->runs) / 1e6;
	double bb = median(fig->burst_big, o->runs) / 1e6;
	uint64_t rss_per = rss0 && rss_full > rss0 ?
			   (rss_full - rss0) / o->sessions : 0;

	printf("bench-session: one core%s, table of %u sessions, median of %u runs%s\n",
	       o->cpu >= 0 ? " (pinned)" : "", o->sessions, o->runs,
	       o->thp_all ? ", --thp-all (what-if: all of it on huge pages)" : "");
	printf("  setup (lookup miss + create), empty to full  %7.2f M/s  %6.0f ns\n",
	       setup, 1e3 / setup);
	printf("  lookup, %8u live sessions                %7.2f M/s  %6.0f ns\n",
	       o->small, ls, 1e3 / ls);
	printf("  lookup, %8u live sessions                %7.2f M/s  %6.0f ns\n",
	       o->sessions, lb, 1e3 / lb);
	printf("  lookup + touch, %8u live sessions        %7.2f M/s  %6.0f ns\n",
	       o->sessions, tb, 1e3 / tb);
	printf("  burst lookup + touch, %8u live       %7.2f M/s  %6.0f ns\n",
	       o->sessions, bb, 1e3 / bb);
	printf("  memory accounted by hf_sess_info   %lu bytes, %lu per session\n",
	       (unsigned long)info->memory,
	       (unsigned long)info->bytes_per_session);
	printf("  resident memory growth, table full %lu bytes, %lu per session\n",
	       (unsigned long)(rss_full > rss0 ? rss_full - rss0 : 0),
	       (unsigned long)rss_per);
	printf("bench-session: sessions=%u setup_mps=%.3f lookup_small_mps=%.3f lookup_big_mps=%.3f touch_big_mps=%.3f burst_big_mps=%.3f bytes_per_session=%lu rss_per_session=%lu\n",
	       o->sessions, setup, ls, lb, tb, bb,
	       (unsigned long)info->bytes_per_session, (unsigned long)rss_per);
}

int main(int argc, char **argv)
{
	struct bench_opts o = {
		.sessions = 1u << 20, .small = 64, .runs = 5, .cpu = -1,
	};
	struct hf_sess_params p = { .nworkers = 1 };
	struct hf_sess_key *keys = NULL, *probe = NULL;
	struct bench_figs fig = { NULL, NULL, NULL, NULL, NULL };
	struct hf_sess_table *t = NULL;
	struct hf_sess_info info;
	struct map_set *before = NULL;
	uint64_t rss0, rss_full = 0;
	int rc = 1;
	uint32_t r, i;

	if (parse_opts(argc, argv, &o))
		return 2;
	if (o.cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(o.cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set))
			perror("bench-session: sched_setaffinity");
	}
	p.max = o.sessions;
	for (i = 0; i < HF_TO_MAX; i++)
		p.timeout_ns[i] = 3600 * HF_NSEC_PER_SEC;
	keys = calloc(o.sessions, sizeof(*keys));
	probe = calloc(LOOKUPS, sizeof(*probe));
	fig.setup = calloc(o.runs, sizeof(double));
	fig.look_small = calloc(o.runs, sizeof(double));
	fig.look_big = calloc(o.runs, sizeof(double));
	fig.touch_big = calloc(o.runs, sizeof(double));
	fig.burst_big = calloc(o.runs, sizeof(double));
	if (!keys || !probe || !fig.setup || !fig.look_small ||
	    !fig.look_big || !fig.touch_big || !fig.burst_big) {
		fprintf(stderr, "bench-session: out of memory\n");
		goto out_free;
	}
	make_keys(keys, o.sessions);
	before = calloc(1, sizeof(*before));
	if (!before) {
		fprintf(stderr, "bench-session: out of memory\n");
		goto out_free;
	}
	maps_read(before);
	memset(probe, 0, LOOKUPS * sizeof(*probe));	/* resident before rss0 */
	hf_rcu_register_offline();
	rss0 = rss_bytes();
	if (hf_sess_table_create(&t, &p)) {
		fprintf(stderr, "bench-session: cannot create a table of %u sessions\n",
			o.sessions);
		goto out_unregister;
	}
	if (o.thp_all)
		printf("bench-session: --thp-all: %u new mappings collapsed into huge pages\n",
		       thp_collapse_new(before));
	for (r = 0; r < o.runs; r++)
		if (one_run(t, &o, keys, probe, r, &fig, &rss_full))
			goto out_destroy;
	hf_sess_info(t, &info);
	report(&o, &fig, &info, rss0, rss_full);
	rc = 0;

out_destroy:
	hf_sess_table_destroy(t);
out_unregister:
	hf_rcu_unregister_offline();
out_free:
	free(before);
	free(keys);
	free(probe);
	free(fig.setup);
	free(fig.look_small);
	free(fig.look_big);
	free(fig.touch_big);
	free(fig.burst_big);
	return rc;
}
