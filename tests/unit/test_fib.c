// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_fib.c - fwd/fib.h (DIR-24-8 LPM): table-driven cases, -ENOSPC
 * behaviour, the grace-period hook, and a randomized differential test
 * against a brute-force longest-prefix-match reference.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fwd/fib.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define NONE UINT32_MAX		/* old_nh of a new prefix */

/*
 * ThreadSanitizer keeps a sync object for every address written with a
 * release store, i.e. for every tbl24 entry a route covers: a /0 costs
 * 16M of them (GiBs, minutes). This file is single-threaded, so under
 * TSan it skips the scenarios with prefixes shorter than /8 and runs a
 * fortieth of the random rounds; the plain and ASan builds run it all.
 */
#if defined(__SANITIZE_THREAD__)
#define UNDER_TSAN 1
#else
#define UNDER_TSAN 0
#endif

#define IP(a, b, c, d) \
	((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))

static uint32_t mask_of(unsigned int depth)
{
	return depth ? ~0u << (32 - depth) : 0;
}

/* "a.b.c.d/len" or "a.b.c.d" (test data only; len may exceed 32) */
static void parse(const char *s, uint32_t *ip, uint8_t *depth)
{
	unsigned int a, b, c, d, len = 32;
	int n = sscanf(s, "%u.%u.%u.%u/%u", &a, &b, &c, &d, &len);

	if (n < 4 || a > 255 || b > 255 || c > 255 || d > 255 || len > 255)
		fail_msg("bad test address '%s'", s);
	*ip = IP(a, b, c, d);
	*depth = (uint8_t)len;
}

/* ---- sync hook ---- */

static unsigned int sync_calls;
static const struct hf_fib *sync_fib;
static void (*sync_check)(void);

static void count_sync(void)
{
	sync_calls++;
	if (sync_check)
		sync_check();
}

/* ---- table-driven scenarios ---- */

enum op { ADD, DEL, LOOK, GET, COUNT, USED, RECLAIM, END };

struct step {
	enum op op;
	const char *pfx;	/* prefix (ADD/DEL/GET) or address (LOOK) */
	uint32_t nh;		/* ADD: next hop */
	int rc;			/* expected return */
	uint32_t want;		/* old nh / looked-up nh / count */
};

struct scenario {
	const char *name;
	uint32_t max_rules, groups;
	struct step steps[40];
};

static const struct scenario scenarios[] = {
	{ "empty", 16, 4, {
		{ LOOK, "1.2.3.4", 0, -ENOENT, 0 },
		{ LOOK, "0.0.0.0", 0, -ENOENT, 0 },
		{ LOOK, "255.255.255.255", 0, -ENOENT, 0 },
		{ COUNT, NULL, 0, 0, 0 },
		{ USED, NULL, 0, 0, 0 },
		{ DEL, "10.0.0.0/8", 0, -ENOENT, 0 },
		{ DEL, "10.0.0.0/25", 0, -ENOENT, 0 },
		{ DEL, "0.0.0.0/0", 0, -ENOENT, 0 },
		{ GET, "10.0.0.0/8", 0, -ENOENT, 0 },
		{ END, NULL, 0, 0, 0 } } },
	{ "default route /0", 16, 4, {
		{ ADD, "0.0.0.0/0", 1, 0, NONE },
		{ LOOK, "0.0.0.0", 0, 0, 1 },
		{ LOOK, "10.1.2.3", 0, 0, 1 },
		{ LOOK, "127.255.255.255", 0, 0, 1 },
		{ LOOK, "255.255.255.255", 0, 0, 1 },
		{ GET, "0.0.0.0/0", 0, 0, 1 },
		{ GET, "1.2.3.4/0", 0, 0, 1 },		/* host bits ignored */
		{ ADD, "0.0.0.0/0", 2, 0, 1 },		/* replace */
		{ LOOK, "200.1.1.1", 0, 0, 2 },
		{ COUNT, NULL, 0, 0, 1 },
		{ DEL, "0.0.0.0/0", 0, 0, 2 },
		{ LOOK, "10.1.2.3", 0, -ENOENT, 0 },
		{ LOOK, "255.255.255.255", 0, -ENOENT, 0 },
		{ COUNT, NULL, 0, 0, 0 },
		{ END, NULL, 0, 0, 0 } } },
	{ "/8 /16 /24 /25 /31 /32 nested", 16, 4, {
		{ ADD, "10.0.0.0/8", 1, 0, NONE },
		{ ADD, "10.1.0.0/16", 2, 0, NONE },
		{ ADD, "10.1.2.0/24", 3, 0, NONE },
		{ ADD, "10.1.2.128/25", 4, 0, NONE },
		{ ADD, "10.1.2.130/31", 5, 0, NONE },
		{ ADD, "10.1.2.131/32", 6, 0, NONE },
		{ COUNT, NULL, 0, 0, 6 },
		{ USED, NULL, 0, 0, 1 },
		{ LOOK, "9.255.255.255", 0, -ENOENT, 0 },
		{ LOOK, "10.0.0.0", 0, 0, 1 },
		{ LOOK, "10.255.255.255", 0, 0, 1 },
		{ LOOK, "11.0.0.0", 0, -ENOENT, 0 },
		{ LOOK, "10.1.0.0", 0, 0, 2 },
		{ LOOK, "10.1.255.255", 0, 0, 2 },
		{ LOOK, "10.1.1.255", 0, 0, 2 },
		{ LOOK, "10.1.2.0", 0, 0, 3 },
		{ LOOK, "10.1.2.127", 0, 0, 3 },
		{ LOOK, "10.1.2.128", 0, 0, 4 },
		{ LOOK, "10.1.2.129", 0, 0, 4 },
		{ LOOK, "10.1.2.130", 0, 0, 5 },
		{ LOOK, "10.1.2.131", 0, 0, 6 },
		{ LOOK, "10.1.2.132", 0, 0, 4 },
		{ LOOK, "10.1.2.255", 0, 0, 4 },
		{ LOOK, "10.1.3.0", 0, 0, 2 },
		/* deletes fall back to the next shorter prefix */
		{ DEL, "10.1.2.130/31", 0, 0, 5 },
		{ LOOK, "10.1.2.130", 0, 0, 4 },
		{ LOOK, "10.1.2.131", 0, 0, 6 },
		{ DEL, "10.1.2.128/25", 0, 0, 4 },
		{ LOOK, "10.1.2.130", 0, 0, 3 },
		{ LOOK, "10.1.2.131", 0, 0, 6 },
		{ DEL, "10.1.2.0/24", 0, 0, 3 },
		{ LOOK, "10.1.2.130", 0, 0, 2 },
		{ LOOK, "10.1.2.131", 0, 0, 6 },
		{ DEL, "10.1.0.0/16", 0, 0, 2 },
		{ LOOK, "10.1.2.130", 0, 0, 1 },
		{ DEL, "10.1.2.131/32", 0, 0, 6 },
		{ LOOK, "10.1.2.131", 0, 0, 1 },
		{ DEL, "10.0.0.0/8", 0, 0, 1 },
		{ LOOK, "10.1.2.131", 0, -ENOENT, 0 },
		{ END, NULL, 0, 0, 0 } } },
	{ "longest added first", 16, 4, {
		{ ADD, "10.1.2.131/32", 6, 0, NONE },
		{ ADD, "10.1.2.128/25", 4, 0, NONE },
		{ ADD, "10.1.2.0/24", 3, 0, NONE },
		{ ADD, "10.0.0.0/8", 1, 0, NONE },
		{ ADD, "0.0.0.0/0", 9, 0, NONE },
		{ LOOK, "10.1.2.131", 0, 0, 6 },
		{ LOOK, "10.1.2.130", 0, 0, 4 },
		{ LOOK, "10.1.2.1", 0, 0, 3 },
		{ LOOK, "10.2.0.0", 0, 0, 1 },
		{ LOOK, "11.0.0.0", 0, 0, 9 },
		{ DEL, "10.0.0.0/8", 0, 0, 1 },
		{ LOOK, "10.2.0.0", 0, 0, 9 },
		{ LOOK, "10.1.2.1", 0, 0, 3 },
		{ LOOK, "10.1.2.131", 0, 0, 6 },
		{ DEL, "0.0.0.0/0", 0, 0, 9 },
		{ LOOK, "10.2.0.0", 0, -ENOENT, 0 },
		{ LOOK, "10.1.2.131", 0, 0, 6 },
		{ DEL, "10.1.2.0/24", 0, 0, 3 },
		{ LOOK, "10.1.2.1", 0, -ENOENT, 0 },
		{ LOOK, "10.1.2.129", 0, 0, 4 },
		{ COUNT, NULL, 0, 0, 2 },
		{ END, NULL, 0, 0, 0 } } },
	{ "replace returns the old next hop", 16, 4, {
		{ ADD, "192.0.2.0/24", 10, 0, NONE },
		{ ADD, "192.0.2.0/24", 11, 0, 10 },
		{ ADD, "192.0.2.0/24", 11, 0, 11 },	/* same nh */
		{ LOOK, "192.0.2.77", 0, 0, 11 },
		{ ADD, "192.0.2.64/26", 20, 0, NONE },
		{ ADD, "192.0.2.64/26", 21, 0, 20 },
		{ LOOK, "192.0.2.77", 0, 0, 21 },
		{ LOOK, "192.0.2.128", 0, 0, 11 },
		{ ADD, "192.0.2.0/24", 12, 0, 11 },	/* parent under a child */
		{ LOOK, "192.0.2.77", 0, 0, 21 },
		{ LOOK, "192.0.2.128", 0, 0, 12 },
		{ DEL, "192.0.2.64/26", 0, 0, 21 },
		{ LOOK, "192.0.2.77", 0, 0, 12 },	/* the replaced parent */
		{ COUNT, NULL, 0, 0, 1 },
		{ GET, "192.0.2.0/24", 0, 0, 12 },
		{ END, NULL, 0, 0, 0 } } },
	{ "host bits are ignored", 16, 4, {
		{ ADD, "10.1.2.3/8", 1, 0, NONE },
		{ GET, "10.0.0.0/8", 0, 0, 1 },
		{ GET, "10.255.255.255/8", 0, 0, 1 },
		{ ADD, "10.9.9.9/8", 2, 0, 1 },		/* same prefix */
		{ COUNT, NULL, 0, 0, 1 },
		{ LOOK, "10.200.0.0", 0, 0, 2 },
		{ ADD, "10.1.2.200/25", 3, 0, NONE },	/* = 10.1.2.128/25 */
		{ LOOK, "10.1.2.128", 0, 0, 3 },
		{ LOOK, "10.1.2.127", 0, 0, 2 },
		{ GET, "10.1.2.128/25", 0, 0, 3 },
		{ DEL, "10.1.2.255/25", 0, 0, 3 },
		{ DEL, "10.255.255.255/8", 0, 0, 2 },
		{ COUNT, NULL, 0, 0, 0 },
		{ LOOK, "10.200.0.0", 0, -ENOENT, 0 },
		{ END, NULL, 0, 0, 0 } } },
	{ "invalid arguments", 16, 4, {
		{ ADD, "10.0.0.0/33", 1, -EINVAL, 0 },
		{ ADD, "10.0.0.0/255", 1, -EINVAL, 0 },
		{ ADD, "10.0.0.0/8", HF_FIB_NH_MAX + 1, -EINVAL, 0 },
		{ ADD, "10.0.0.0/8", UINT32_MAX, -EINVAL, 0 },
		{ COUNT, NULL, 0, 0, 0 },
		{ LOOK, "10.0.0.0", 0, -ENOENT, 0 },
		{ ADD, "10.0.0.0/8", HF_FIB_NH_MAX, 0, NONE },
		{ LOOK, "10.0.0.0", 0, 0, HF_FIB_NH_MAX },
		{ ADD, "10.1.2.3/32", 0, 0, NONE },	/* nh 0 is valid */
		{ LOOK, "10.1.2.3", 0, 0, 0 },
		{ ADD, "10.0.0.0/8", HF_FIB_NH_MAX + 1, -EINVAL, 0 },
		{ LOOK, "10.0.0.0", 0, 0, HF_FIB_NH_MAX },
		{ DEL, "10.0.0.0/33", 0, -EINVAL, 0 },
		{ GET, "10.0.0.0/33", 0, -EINVAL, 0 },
		{ DEL, "10.0.0.0/9", 0, -ENOENT, 0 },
		{ DEL, "10.0.0.0/7", 0, -ENOENT, 0 },
		{ DEL, "11.0.0.0/8", 0, -ENOENT, 0 },
		{ DEL, "10.1.2.2/32", 0, -ENOENT, 0 },
		{ COUNT, NULL, 0, 0, 2 },
		{ END, NULL, 0, 0, 0 } } },
	{ "/31 and /32 at the edges", 16, 4, {
		{ ADD, "0.0.0.0/32", 1, 0, NONE },
		{ ADD, "255.255.255.254/31", 2, 0, NONE },
		{ ADD, "255.255.255.255/32", 3, 0, NONE },
		{ ADD, "0.0.0.0/31", 4, 0, NONE },
		{ LOOK, "0.0.0.0", 0, 0, 1 },
		{ LOOK, "0.0.0.1", 0, 0, 4 },
		{ LOOK, "0.0.0.2", 0, -ENOENT, 0 },
		{ LOOK, "255.255.255.253", 0, -ENOENT, 0 },
		{ LOOK, "255.255.255.254", 0, 0, 2 },
		{ LOOK, "255.255.255.255", 0, 0, 3 },
		{ USED, NULL, 0, 0, 2 },
		{ DEL, "255.255.255.255/32", 0, 0, 3 },
		{ LOOK, "255.255.255.255", 0, 0, 2 },
		{ DEL, "0.0.0.0/31", 0, 0, 4 },
		{ LOOK, "0.0.0.1", 0, -ENOENT, 0 },
		{ LOOK, "0.0.0.0", 0, 0, 1 },
		{ END, NULL, 0, 0, 0 } } },
	{ "sibling /25s, group collapse and reclaim", 16, 4, {
		{ ADD, "10.1.2.0/25", 1, 0, NONE },
		{ ADD, "10.1.2.128/25", 2, 0, NONE },
		{ USED, NULL, 0, 0, 1 },
		{ LOOK, "10.1.2.127", 0, 0, 1 },
		{ LOOK, "10.1.2.128", 0, 0, 2 },
		{ LOOK, "10.1.3.0", 0, -ENOENT, 0 },
		{ DEL, "10.1.2.0/25", 0, 0, 1 },
		{ LOOK, "10.1.2.127", 0, -ENOENT, 0 },
		{ USED, NULL, 0, 0, 1 },
		{ DEL, "10.1.2.128/25", 0, 0, 2 },
		{ LOOK, "10.1.2.128", 0, -ENOENT, 0 },
		{ USED, NULL, 0, 0, 1 },		/* waits for a grace period */
		{ RECLAIM, NULL, 0, 0, 0 },
		{ USED, NULL, 0, 0, 0 },
		{ ADD, "10.1.2.0/24", 3, 0, NONE },
		{ ADD, "10.1.2.64/26", 4, 0, NONE },
		{ USED, NULL, 0, 0, 1 },
		{ DEL, "10.1.2.0/24", 0, 0, 3 },	/* short delete, group stays */
		{ LOOK, "10.1.2.0", 0, -ENOENT, 0 },
		{ LOOK, "10.1.2.64", 0, 0, 4 },
		{ USED, NULL, 0, 0, 1 },
		{ ADD, "10.0.0.0/8", 5, 0, NONE },
		{ DEL, "10.1.2.64/26", 0, 0, 4 },	/* collapses onto the /8 */
		{ LOOK, "10.1.2.64", 0, 0, 5 },
		{ LOOK, "10.1.2.0", 0, 0, 5 },
		{ RECLAIM, NULL, 0, 0, 0 },
		{ USED, NULL, 0, 0, 0 },
		{ END, NULL, 0, 0, 0 } } },
	{ "identical /25 entries must not collapse", 16, 4, {
		{ ADD, "10.1.2.0/25", 1, 0, NONE },
		{ ADD, "10.1.2.128/25", 1, 0, NONE },
		{ ADD, "10.1.2.32/27", 2, 0, NONE },
		{ DEL, "10.1.2.32/27", 0, 0, 2 },	/* all 256 now equal */
		{ LOOK, "10.1.2.32", 0, 0, 1 },
		{ USED, NULL, 0, 0, 1 },
		{ DEL, "10.1.2.0/25", 0, 0, 1 },
		{ LOOK, "10.1.2.32", 0, -ENOENT, 0 },
		{ LOOK, "10.1.2.200", 0, 0, 1 },
		{ DEL, "10.1.2.128/25", 0, 0, 1 },
		{ LOOK, "10.1.2.200", 0, -ENOENT, 0 },
		{ ADD, "10.1.3.0/26", 7, 0, NONE },
		{ ADD, "10.1.3.64/26", 7, 0, NONE },
		{ ADD, "10.1.3.128/26", 7, 0, NONE },
		{ ADD, "10.1.3.192/26", 7, 0, NONE },
		{ ADD, "10.1.3.0/24", 8, 0, NONE },
		{ DEL, "10.1.3.0/24", 0, 0, 8 },
		{ LOOK, "10.1.3.1", 0, 0, 7 },
		{ DEL, "10.1.3.64/26", 0, 0, 7 },
		{ LOOK, "10.1.3.65", 0, -ENOENT, 0 },
		{ LOOK, "10.1.3.1", 0, 0, 7 },
		{ END, NULL, 0, 0, 0 } } },
	{ "parent delete keeps children", 16, 4, {
		{ ADD, "172.16.0.0/12", 1, 0, NONE },
		{ ADD, "172.16.5.0/24", 2, 0, NONE },
		{ ADD, "172.16.5.64/26", 3, 0, NONE },
		{ ADD, "172.20.0.0/16", 4, 0, NONE },
		{ DEL, "172.16.0.0/12", 0, 0, 1 },
		{ LOOK, "172.17.0.0", 0, -ENOENT, 0 },
		{ LOOK, "172.16.5.1", 0, 0, 2 },
		{ LOOK, "172.16.5.65", 0, 0, 3 },
		{ LOOK, "172.20.1.1", 0, 0, 4 },
		{ DEL, "172.16.5.0/24", 0, 0, 2 },
		{ LOOK, "172.16.5.1", 0, -ENOENT, 0 },
		{ LOOK, "172.16.5.127", 0, 0, 3 },
		{ LOOK, "172.16.5.128", 0, -ENOENT, 0 },
		{ ADD, "172.16.0.0/12", 5, 0, NONE },	/* re-add under child */
		{ LOOK, "172.16.5.1", 0, 0, 5 },
		{ LOOK, "172.16.5.127", 0, 0, 3 },
		{ LOOK, "172.20.1.1", 0, 0, 4 },
		{ END, NULL, 0, 0, 0 } } },
	{ "same depth, neighbouring prefixes", 16, 4, {
		{ ADD, "10.0.0.0/16", 1, 0, NONE },
		{ ADD, "10.1.0.0/16", 2, 0, NONE },
		{ ADD, "10.0.0.0/15", 3, 0, NONE },
		{ ADD, "10.1.2.0/28", 4, 0, NONE },
		{ ADD, "10.1.2.16/28", 5, 0, NONE },
		{ DEL, "10.0.0.0/16", 0, 0, 1 },
		{ LOOK, "10.0.9.9", 0, 0, 3 },
		{ LOOK, "10.1.9.9", 0, 0, 2 },
		{ DEL, "10.1.2.0/28", 0, 0, 4 },
		{ LOOK, "10.1.2.15", 0, 0, 2 },
		{ LOOK, "10.1.2.16", 0, 0, 5 },
		{ DEL, "10.1.0.0/16", 0, 0, 2 },
		{ LOOK, "10.1.2.15", 0, 0, 3 },
		{ LOOK, "10.1.2.31", 0, 0, 5 },
		{ LOOK, "10.1.2.32", 0, 0, 3 },
		{ LOOK, "10.2.0.0", 0, -ENOENT, 0 },
		{ END, NULL, 0, 0, 0 } } },
	{ "short prefixes /1 /4 /7 across many /24s", 16, 4, {
		{ ADD, "128.0.0.0/1", 1, 0, NONE },
		{ ADD, "192.0.0.0/4", 2, 0, NONE },
		{ ADD, "206.0.0.0/7", 3, 0, NONE },
		{ ADD, "207.1.1.1/32", 4, 0, NONE },
		{ LOOK, "127.255.255.255", 0, -ENOENT, 0 },
		{ LOOK, "128.0.0.0", 0, 0, 1 },
		{ LOOK, "191.255.255.255", 0, 0, 1 },
		{ LOOK, "192.0.0.0", 0, 0, 2 },
		{ LOOK, "205.255.255.255", 0, 0, 2 },
		{ LOOK, "206.0.0.0", 0, 0, 3 },
		{ LOOK, "207.1.1.0", 0, 0, 3 },
		{ LOOK, "207.1.1.1", 0, 0, 4 },
		{ LOOK, "208.0.0.0", 0, 0, 1 },
		{ DEL, "192.0.0.0/4", 0, 0, 2 },
		{ LOOK, "192.0.0.0", 0, 0, 1 },
		{ LOOK, "207.1.1.2", 0, 0, 3 },
		{ DEL, "206.0.0.0/7", 0, 0, 3 },
		{ LOOK, "207.1.1.2", 0, 0, 1 },
		{ LOOK, "207.1.1.1", 0, 0, 4 },
		{ DEL, "128.0.0.0/1", 0, 0, 1 },
		{ LOOK, "207.1.1.2", 0, -ENOENT, 0 },
		{ LOOK, "207.1.1.1", 0, 0, 4 },
		{ END, NULL, 0, 0, 0 } } },
};

static void run_step(const char *name, int idx, struct hf_fib *fib,
		     const struct step *s)
{
	uint32_t ip = 0, v = 0xabcdef;
	uint8_t depth = 0;
	int rc = 0;

	if (s->pfx)
		parse(s->pfx, &ip, &depth);
	switch (s->op) {
	case ADD:
		rc = hf_fib_add(fib, ip, depth, s->nh, &v);
		break;
	case DEL:
		rc = hf_fib_del(fib, ip, depth, &v);
		break;
	case LOOK:
		rc = hf_fib_lookup(fib, ip, &v);
		break;
	case GET:
		rc = hf_fib_get(fib, ip, depth, &v);
		break;
	case COUNT:
		v = hf_fib_count(fib);
		break;
	case USED:
		v = hf_fib_tbl8_used(fib);
		break;
	case RECLAIM:
		hf_fib_reclaim(fib);
		return;
	case END:
		return;
	}
	if (rc != s->rc)
		fail_msg("%s, step %d (%s): rc %d, want %d", name, idx,
			 s->pfx ? s->pfx : "-", rc, s->rc);
	if (rc == 0 && v != s->want)
		fail_msg("%s, step %d (%s): value %u (%#x), want %u (%#x)",
			 name, idx, s->pfx ? s->pfx : "-", v, v, s->want,
			 s->want);
}

struct collect {
	uint32_t ip[64];
	uint8_t depth[64];
	unsigned int n;
};

static void collect_fn(uint32_t ip, uint8_t depth, uint32_t nh, void *arg)
{
	struct collect *c = arg;

	(void)nh;
	if (c->n < 64) {
		c->ip[c->n] = ip;
		c->depth[c->n] = depth;
	}
	c->n++;
}

/* Does @sc add a prefix shorter than /8 (millions of tbl24 entries)? */
static bool scenario_is_wide(const struct scenario *sc)
{
	uint32_t ip;
	uint8_t depth;
	int k;

	for (k = 0; sc->steps[k].op != END; k++) {
		if (sc->steps[k].op != ADD)
			continue;
		parse(sc->steps[k].pfx, &ip, &depth);
		if (depth < 8)
			return true;
	}
	return false;
}

/*
 * The scenarios share one FIB (creating one costs a 64 MiB table, which
 * sanitizers fill eagerly): after each, delete what is left and check
 * the FIB is as good as new.
 */
static void test_scenarios(void **state)
{
	struct hf_fib *fib = NULL;
	size_t i;
	int k;

	(void)state;
	assert_int_equal(hf_fib_create(&fib, 16, 4, count_sync), 0);
	for (i = 0; i < N(scenarios); i++) {
		const struct scenario *sc = &scenarios[i];
		struct collect c;
		uint32_t nh;
		unsigned int j;

		assert_int_equal(sc->max_rules, 16);
		assert_int_equal(sc->groups, 4);
		if (UNDER_TSAN && scenario_is_wide(sc)) {
			print_message("    (TSan: skipping \"%s\")\n", sc->name);
			continue;
		}
		for (k = 0; sc->steps[k].op != END; k++)
			run_step(sc->name, k, fib, &sc->steps[k]);

		memset(&c, 0, sizeof(c));
		hf_fib_walk(fib, collect_fn, &c);
		assert_int_equal(c.n, hf_fib_count(fib));
		assert_true(c.n <= 64);
		for (j = 0; j < c.n; j++)
			assert_int_equal(hf_fib_del(fib, c.ip[j], c.depth[j],
						    NULL),
					 0);
		assert_int_equal(hf_fib_count(fib), 0);
		hf_fib_reclaim(fib);
		if (hf_fib_tbl8_used(fib) != 0)
			fail_msg("%s: %u tbl8 groups left after deleting all",
				 sc->name, hf_fib_tbl8_used(fib));
		for (j = 0; j < 256; j++)
			assert_int_equal(hf_fib_lookup(fib, j * 0x01010101u, &nh),
					 -ENOENT);
	}
	hf_fib_destroy(fib);
}

static void test_create_args(void **state)
{
	struct hf_fib *fib = NULL;

	(void)state;
	assert_int_equal(hf_fib_create(&fib, 0, 4, NULL), -EINVAL);
	assert_int_equal(hf_fib_create(&fib, 4, 0, NULL), -EINVAL);
	assert_null(fib);
	assert_int_equal(hf_fib_create(&fib, 1, 1, NULL), 0);
	assert_non_null(fib);
	assert_int_equal(hf_fib_count(fib), 0);
	assert_int_equal(hf_fib_tbl8_used(fib), 0);
	/* NULL sync: reclaim works without a hook */
	assert_int_equal(hf_fib_add(fib, IP(10, 0, 0, 0), 25, 1, NULL), 0);
	assert_int_equal(hf_fib_del(fib, IP(10, 0, 0, 0), 25, NULL), 0);
	assert_int_equal(hf_fib_tbl8_used(fib), 1);
	hf_fib_reclaim(fib);
	assert_int_equal(hf_fib_tbl8_used(fib), 0);
	assert_int_equal(hf_fib_add(fib, IP(10, 0, 1, 0), 25, 1, NULL), 0);
	hf_fib_destroy(fib);
	hf_fib_destroy(NULL);
}

/* -ENOSPC from the rule limit leaves the FIB unchanged. */
static void test_enospc_rules(void **state)
{
	struct hf_fib *fib = NULL;
	uint32_t nh, old = 0;

	(void)state;
	assert_int_equal(hf_fib_create(&fib, 3, 4, count_sync), 0);
	assert_int_equal(hf_fib_add(fib, IP(10, 0, 0, 0), 8, 1, NULL), 0);
	assert_int_equal(hf_fib_add(fib, IP(10, 1, 0, 0), 16, 2, NULL), 0);
	assert_int_equal(hf_fib_add(fib, IP(10, 1, 1, 0), 26, 3, NULL), 0);
	assert_int_equal(hf_fib_tbl8_used(fib), 1);

	assert_int_equal(hf_fib_add(fib, IP(10, 1, 2, 0), 24, 4, NULL),
			 -ENOSPC);
	assert_int_equal(hf_fib_add(fib, IP(10, 1, 2, 0), 28, 4, NULL),
			 -ENOSPC);
	assert_int_equal(hf_fib_add(fib, 0, 0, 4, NULL), -ENOSPC);
	assert_int_equal(hf_fib_count(fib), 3);
	assert_int_equal(hf_fib_tbl8_used(fib), 1);
	assert_int_equal(hf_fib_get(fib, IP(10, 1, 2, 0), 24, &nh), -ENOENT);
	assert_int_equal(hf_fib_lookup(fib, IP(10, 1, 2, 1), &nh), 0);
	assert_int_equal(nh, 2);
	assert_int_equal(hf_fib_lookup(fib, IP(11, 0, 0, 0), &nh), -ENOENT);
	assert_int_equal(hf_fib_lookup(fib, IP(10, 1, 1, 1), &nh), 0);
	assert_int_equal(nh, 3);

	/* replacing an existing prefix still works when full */
	assert_int_equal(hf_fib_add(fib, IP(10, 1, 0, 0), 16, 7, &old), 0);
	assert_int_equal(old, 2);
	assert_int_equal(hf_fib_lookup(fib, IP(10, 1, 2, 1), &nh), 0);
	assert_int_equal(nh, 7);
	/* and a delete makes room */
	assert_int_equal(hf_fib_del(fib, IP(10, 0, 0, 0), 8, &old), 0);
	assert_int_equal(old, 1);
	assert_int_equal(hf_fib_add(fib, IP(10, 1, 2, 0), 24, 4, &old), 0);
	assert_int_equal(old, NONE);
	assert_int_equal(hf_fib_lookup(fib, IP(10, 1, 2, 1), &nh), 0);
	assert_int_equal(nh, 4);
	assert_int_equal(hf_fib_count(fib), 3);
	hf_fib_destroy(fib);
}

/* -ENOSPC from tbl8 exhaustion leaves the FIB unchanged. */
static void test_enospc_tbl8(void **state)
{
	struct hf_fib *fib = NULL;
	uint32_t nh, a;
	unsigned int calls;

	(void)state;
	sync_calls = 0;
	assert_int_equal(hf_fib_create(&fib, 64, 2, count_sync), 0);
	assert_int_equal(hf_fib_add(fib, IP(10, 0, 0, 0), 8, 9, NULL), 0);
	assert_int_equal(hf_fib_add(fib, IP(10, 0, 1, 0), 25, 1, NULL), 0);
	assert_int_equal(hf_fib_add(fib, IP(10, 0, 2, 64), 26, 2, NULL), 0);
	assert_int_equal(hf_fib_add(fib, IP(10, 0, 1, 200), 30, 3, NULL), 0);
	assert_int_equal(hf_fib_tbl8_used(fib), 2);

	/* a third /24 needs a third group */
	assert_int_equal(hf_fib_add(fib, IP(10, 0, 3, 7), 32, 4, NULL),
			 -ENOSPC);
	assert_int_equal(hf_fib_add(fib, IP(10, 0, 3, 0), 25, 4, NULL),
			 -ENOSPC);
	assert_int_equal(hf_fib_count(fib), 4);
	assert_int_equal(hf_fib_tbl8_used(fib), 2);
	assert_int_equal(hf_fib_get(fib, IP(10, 0, 3, 7), 32, &nh), -ENOENT);
	for (a = IP(10, 0, 3, 0); a <= IP(10, 0, 3, 255); a++) {
		assert_int_equal(hf_fib_lookup(fib, a, &nh), 0);
		assert_int_equal(nh, 9);
	}
	/* prefixes that fit in existing groups or in tbl24 still work */
	assert_int_equal(hf_fib_add(fib, IP(10, 0, 2, 0), 32, 5, NULL), 0);
	assert_int_equal(hf_fib_add(fib, IP(10, 0, 3, 0), 24, 6, NULL), 0);
	assert_int_equal(hf_fib_lookup(fib, IP(10, 0, 3, 7), &nh), 0);
	assert_int_equal(nh, 6);
	assert_int_equal(sync_calls, 0);

	/* free one group: it is reused only after the grace period */
	assert_int_equal(hf_fib_del(fib, IP(10, 0, 1, 0), 25, NULL), 0);
	assert_int_equal(hf_fib_del(fib, IP(10, 0, 1, 200), 30, NULL), 0);
	assert_int_equal(hf_fib_tbl8_used(fib), 2);
	assert_int_equal(sync_calls, 0);
	calls = sync_calls;
	assert_int_equal(hf_fib_add(fib, IP(10, 0, 3, 7), 32, 4, NULL), 0);
	assert_int_equal(sync_calls, calls + 1);
	assert_int_equal(hf_fib_tbl8_used(fib), 2);
	assert_int_equal(hf_fib_lookup(fib, IP(10, 0, 3, 7), &nh), 0);
	assert_int_equal(nh, 4);
	assert_int_equal(hf_fib_lookup(fib, IP(10, 0, 3, 8), &nh), 0);
	assert_int_equal(nh, 6);
	assert_int_equal(hf_fib_lookup(fib, IP(10, 0, 1, 200), &nh), 0);
	assert_int_equal(nh, 9);
	hf_fib_destroy(fib);
}

/* Checks run from inside the sync hook of test_sync_hook. */
static void hook_checks(void)
{
	uint32_t nh;

	/* the freed group is no longer reachable from tbl24 */
	assert_int_equal(hf_fib_lookup(sync_fib, IP(10, 0, 1, 130), &nh), 0);
	assert_int_equal(nh, 1);
	/* and the prefix being added is not visible yet */
	assert_int_equal(hf_fib_lookup(sync_fib, IP(10, 0, 2, 130), &nh),
			 -ENOENT);
}

static void test_sync_hook(void **state)
{
	struct hf_fib *fib = NULL;
	uint32_t nh;

	(void)state;
	sync_calls = 0;
	assert_int_equal(hf_fib_create(&fib, 16, 1, count_sync), 0);
	sync_fib = fib;
	assert_int_equal(hf_fib_add(fib, IP(10, 0, 1, 0), 24, 1, NULL), 0);
	assert_int_equal(hf_fib_add(fib, IP(10, 0, 1, 128), 25, 2, NULL), 0);
	assert_int_equal(hf_fib_del(fib, IP(10, 0, 1, 128), 25, NULL), 0);
	/* deleting does not wait: no sync yet, group pending */
	assert_int_equal(sync_calls, 0);
	assert_int_equal(hf_fib_tbl8_used(fib), 1);
	/* the next group allocation waits for the grace period first */
	sync_check = hook_checks;
	assert_int_equal(hf_fib_add(fib, IP(10, 0, 2, 128), 25, 3, NULL), 0);
	sync_check = NULL;
	assert_int_equal(sync_calls, 1);
	assert_int_equal(hf_fib_lookup(fib, IP(10, 0, 2, 130), &nh), 0);
	assert_int_equal(nh, 3);
	assert_int_equal(hf_fib_lookup(fib, IP(10, 0, 1, 130), &nh), 0);
	assert_int_equal(nh, 1);
	hf_fib_reclaim(fib);
	assert_int_equal(sync_calls, 1);	/* nothing was pending */
	assert_int_equal(hf_fib_del(fib, IP(10, 0, 2, 128), 25, NULL), 0);
	hf_fib_reclaim(fib);
	assert_int_equal(sync_calls, 2);
	hf_fib_reclaim(fib);
	assert_int_equal(sync_calls, 2);
	assert_int_equal(hf_fib_tbl8_used(fib), 0);
	/* one grace period covers many freed groups */
	hf_fib_destroy(fib);
	assert_int_equal(hf_fib_create(&fib, 64, 8, count_sync), 0);
	sync_calls = 0;
	for (nh = 0; nh < 8; nh++)
		assert_int_equal(hf_fib_add(fib, IP(10, 0, nh, 0), 27, nh,
					    NULL),
				 0);
	assert_int_equal(hf_fib_add(fib, IP(10, 0, 8, 0), 27, 8, NULL),
			 -ENOSPC);
	assert_int_equal(sync_calls, 0);
	for (nh = 0; nh < 8; nh++)
		assert_int_equal(hf_fib_del(fib, IP(10, 0, nh, 0), 27, NULL),
				 0);
	assert_int_equal(hf_fib_tbl8_used(fib), 8);
	for (nh = 0; nh < 8; nh++)
		assert_int_equal(hf_fib_add(fib, IP(10, 1, nh, 0), 27, nh,
					    NULL),
				 0);
	assert_int_equal(sync_calls, 1);
	assert_int_equal(hf_fib_tbl8_used(fib), 8);
	hf_fib_destroy(fib);
	sync_fib = NULL;
}

/* ---- walk ---- */

struct walk_seen {
	uint32_t ip[8];
	uint8_t depth[8];
	uint32_t nh[8];
	unsigned int n;
};

static void walk_fn(uint32_t ip, uint8_t depth, uint32_t nh, void *arg)
{
	struct walk_seen *w = arg;

	if (w->n < 8) {
		w->ip[w->n] = ip;
		w->depth[w->n] = depth;
		w->nh[w->n] = nh;
	}
	w->n++;
}

static void test_walk(void **state)
{
	static const struct {
		uint32_t ip;
		uint8_t depth;
		uint32_t nh;
	} rules[] = {
		{ IP(172, 16, 0, 0), 12, 1 },
		{ IP(10, 0, 0, 0), 8, 2 },
		{ IP(10, 1, 2, 128), 25, 3 },
		{ IP(10, 1, 2, 3), 32, 4 },
		{ IP(192, 168, 0, 0), 16, 5 },
	};
	struct walk_seen w;
	struct hf_fib *fib = NULL;
	size_t i, k;

	(void)state;
	assert_int_equal(hf_fib_create(&fib, 16, 4, NULL), 0);
	memset(&w, 0, sizeof(w));
	hf_fib_walk(fib, walk_fn, &w);
	assert_int_equal(w.n, 0);
	for (i = 0; i < N(rules); i++)
		assert_int_equal(hf_fib_add(fib, rules[i].ip |
					    (0x7 & ~mask_of(rules[i].depth)),
					    rules[i].depth, rules[i].nh, NULL),
				 0);
	memset(&w, 0, sizeof(w));
	hf_fib_walk(fib, walk_fn, &w);
	assert_int_equal(w.n, N(rules));
	for (i = 0; i < N(rules); i++) {
		for (k = 0; k < w.n; k++)
			if (w.ip[k] == (rules[i].ip & mask_of(rules[i].depth)) &&
			    w.depth[k] == rules[i].depth)
				break;
		if (k == w.n)
			fail_msg("rule %zu missing from walk", i);
		assert_int_equal(w.nh[k], rules[i].nh);
	}
	hf_fib_destroy(fib);
}

/* ---- randomized differential test ---- */

static uint64_t rng_state;

static uint32_t rng32(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545f4914f6cdd1dULL) >> 32);
}

#define REF_MAX 64

struct ref_rule {
	uint32_t ip;
	uint8_t depth;
	uint32_t nh;
};

struct ref {
	struct ref_rule r[REF_MAX];
	unsigned int n;
};

static int ref_find(const struct ref *rf, uint32_t ip, uint8_t depth)
{
	unsigned int i;

	for (i = 0; i < rf->n; i++)
		if (rf->r[i].ip == ip && rf->r[i].depth == depth)
			return (int)i;
	return -1;
}

static int ref_lookup(const struct ref *rf, uint32_t addr, uint32_t *nh)
{
	int best = -1;
	unsigned int i;

	for (i = 0; i < rf->n; i++)
		if ((addr & mask_of(rf->r[i].depth)) == rf->r[i].ip &&
		    (best < 0 || rf->r[i].depth > rf->r[best].depth))
			best = (int)i;
	if (best < 0)
		return -ENOENT;
	*nh = rf->r[best].nh;
	return 0;
}

static bool ref_long_in_24(const struct ref *rf, uint32_t i24)
{
	unsigned int i;

	for (i = 0; i < rf->n; i++)
		if (rf->r[i].depth > 24 && rf->r[i].ip >> 8 == i24)
			return true;
	return false;
}

/* distinct /24s holding a prefix longer than /24: groups needed */
static unsigned int ref_groups(const struct ref *rf)
{
	unsigned int i, k, n = 0;

	for (i = 0; i < rf->n; i++) {
		if (rf->r[i].depth <= 24)
			continue;
		for (k = 0; k < i; k++)
			if (rf->r[k].depth > 24 &&
			    rf->r[k].ip >> 8 == rf->r[i].ip >> 8)
				break;
		if (k == i)
			n++;
	}
	return n;
}

struct diff {
	struct hf_fib *fib;
	struct ref ref;
	uint32_t max_rules, groups;
	uint32_t anchors[4];
	bool allow_short;
	uint8_t short_depth;	/* the /0../7 used in an allow_short round */
	unsigned long lookups, adds, dels, replaces, enospc, enoent;
	unsigned long depth_added[33];
};

static struct diff *hook_diff;

static uint32_t pick_addr(const struct diff *d)
{
	unsigned int r = rng32() % 16;

	if (r < 10 && d->ref.n) {
		const struct ref_rule *rr = &d->ref.r[rng32() % d->ref.n];
		uint32_t span = ~mask_of(rr->depth);

		switch (rng32() % 8) {
		case 0:
			return rr->ip - 1;		/* just below */
		case 1:
			return rr->ip + span + 1;	/* just above */
		case 2:
			return rr->ip;
		case 3:
			return rr->ip + span;
		default:
			return rr->ip | (rng32() & span);
		}
	}
	if (r < 15)
		return d->anchors[rng32() % 4] ^
		       (rng32() & ~mask_of((uint8_t)(rng32() % 20)));
	return rng32();
}

static void check_lookup(const struct diff *d, uint32_t addr)
{
	uint32_t got = 0xdead, want = 0xbeef;
	int rc = hf_fib_lookup(d->fib, addr, &got);
	int wrc = ref_lookup(&d->ref, addr, &want);

	if (rc != wrc || (rc == 0 && got != want))
		fail_msg("lookup %08x: rc %d nh %u, reference rc %d nh %u",
			 addr, rc, got, wrc, want);
}

/* From the sync hook: the FIB must already be consistent (pre-op state). */
static void diff_hook_check(void)
{
	int i;

	for (i = 0; i < 8; i++) {
		check_lookup(hook_diff, pick_addr(hook_diff));
		hook_diff->lookups++;
	}
}

static uint8_t gen_depth(const struct diff *d)
{
	unsigned int r = rng32() % 100;

	if (r < 3)
		return d->allow_short ? d->short_depth
				      : (uint8_t)(8 + rng32() % 8);
	if (r < 6)
		return (uint8_t)(8 + rng32() % 8);
	if (r < 36)
		return (uint8_t)(16 + rng32() % 9);	/* 16..24 */
	return (uint8_t)(25 + rng32() % 8);		/* 25..32 */
}

static void gen_prefix(const struct diff *d, uint32_t *ip, uint8_t *depth)
{
	uint32_t a = d->anchors[rng32() % 4];

	if (rng32() % 2)
		a ^= rng32() & ~mask_of((uint8_t)(20 + rng32() % 13));
	*depth = gen_depth(d);
	*ip = a;	/* host bits left in: the FIB must ignore them */
}

static uint32_t gen_nh(void)
{
	unsigned int r = rng32() % 16;

	if (r == 0)
		return 0;
	if (r == 1)
		return HF_FIB_NH_MAX;
	/* shared next hops: neighbouring prefixes write identical entries */
	if (r < 8)
		return 1 + rng32() % 3;
	return rng32() & HF_FIB_NH_MAX;
}

static void diff_add(struct diff *d, uint32_t ip, uint8_t depth, uint32_t nh)
{
	uint32_t net = ip & mask_of(depth), old = 0;
	int idx = ref_find(&d->ref, net, depth), want_rc = 0, rc;

	if (idx < 0 && d->ref.n >= d->max_rules)
		want_rc = -ENOSPC;
	else if (idx < 0 && depth > 24 && !ref_long_in_24(&d->ref, net >> 8) &&
		 ref_groups(&d->ref) >= d->groups)
		want_rc = -ENOSPC;
	rc = hf_fib_add(d->fib, ip, depth, nh, &old);
	if (rc != want_rc)
		fail_msg("add %08x/%u nh %u: rc %d, want %d (rules %u, groups %u)",
			 ip, depth, nh, rc, want_rc, d->ref.n,
			 ref_groups(&d->ref));
	if (rc) {
		d->enospc++;
		return;
	}
	if (idx >= 0) {
		assert_int_equal(old, d->ref.r[idx].nh);
		d->ref.r[idx].nh = nh;
		d->replaces++;
	} else {
		assert_int_equal(old, NONE);
		d->ref.r[d->ref.n].ip = net;
		d->ref.r[d->ref.n].depth = depth;
		d->ref.r[d->ref.n].nh = nh;
		d->ref.n++;
		d->adds++;
		d->depth_added[depth]++;
	}
}

static void diff_del(struct diff *d, uint32_t ip, uint8_t depth)
{
	uint32_t net = ip & mask_of(depth), old = 0;
	int idx = ref_find(&d->ref, net, depth);
	int rc = hf_fib_del(d->fib, ip, depth, &old);

	if (idx < 0) {
		if (rc != -ENOENT)
			fail_msg("del of absent %08x/%u: rc %d", ip, depth, rc);
		d->enoent++;
		return;
	}
	if (rc != 0)
		fail_msg("del %08x/%u: rc %d", ip, depth, rc);
	assert_int_equal(old, d->ref.r[idx].nh);
	d->ref.r[idx] = d->ref.r[--d->ref.n];
	d->dels++;
}

static void check_groups_reclaimed(struct diff *d)
{
	unsigned int before = sync_calls;
	uint32_t used = hf_fib_tbl8_used(d->fib);
	unsigned int need = ref_groups(&d->ref);

	if (used < need || used > d->groups)
		fail_msg("tbl8_used %u, %u needed, %u total", used, need,
			 d->groups);
	hf_fib_reclaim(d->fib);
	/* the hook runs exactly when something was waiting for it */
	assert_int_equal(sync_calls - before, used > need ? 1 : 0);
	if (hf_fib_tbl8_used(d->fib) != need)
		fail_msg("after reclaim tbl8_used %u, want %u",
			 hf_fib_tbl8_used(d->fib), need);
}

struct walk_check {
	const struct ref *ref;
	unsigned int n, bad;
};

static void walk_check_fn(uint32_t ip, uint8_t depth, uint32_t nh, void *arg)
{
	struct walk_check *w = arg;
	int idx = ref_find(w->ref, ip, depth);

	w->n++;
	if (idx < 0 || w->ref->r[idx].nh != nh)
		w->bad++;
}

static void diff_op(struct diff *d)
{
	unsigned int r = rng32() % 100;
	uint32_t ip, used_before = hf_fib_tbl8_used(d->fib);
	unsigned int calls_before = sync_calls;
	uint8_t depth;

	if (r < 44 || (r < 90 && !d->ref.n)) {
		gen_prefix(d, &ip, &depth);
		diff_add(d, ip, depth, gen_nh());
	} else if (r < 50) {
		const struct ref_rule *rr = &d->ref.r[rng32() % d->ref.n];

		/* the sibling, same next hop: together they fill the parent
		 * range with identical entries */
		if (rr->depth)
			diff_add(d, rr->ip ^ (1u << (32 - rr->depth)),
				 rr->depth, rr->nh);
	} else if (r < 62) {
		const struct ref_rule *rr = &d->ref.r[rng32() % d->ref.n];

		/* replace, possibly naming it with host bits */
		diff_add(d, rr->ip | (rng32() & ~mask_of(rr->depth)),
			 rr->depth, gen_nh());
	} else if (r < 90) {
		const struct ref_rule *rr = &d->ref.r[rng32() % d->ref.n];

		diff_del(d, rr->ip | (rng32() & ~mask_of(rr->depth)),
			 rr->depth);
	} else if (r < 99) {
		gen_prefix(d, &ip, &depth);
		diff_del(d, ip, depth);		/* usually absent */
	} else {
		check_groups_reclaimed(d);
	}
	/* freed groups become reusable only through the hook */
	if (hf_fib_tbl8_used(d->fib) < used_before &&
	    sync_calls == calls_before)
		fail_msg("tbl8_used fell %u -> %u without a grace period",
			 used_before, hf_fib_tbl8_used(d->fib));
	if (hf_fib_tbl8_used(d->fib) < ref_groups(&d->ref))
		fail_msg("tbl8_used %u < %u groups needed",
			 hf_fib_tbl8_used(d->fib), ref_groups(&d->ref));
	assert_int_equal(hf_fib_count(d->fib), d->ref.n);
}

static void diff_round(struct diff *d, unsigned int round)
{
	unsigned int i, nops = 20 + rng32() % 60;
	struct walk_check w = { .ref = &d->ref };
	uint32_t nh;

	d->anchors[0] = rng32();
	/* related anchors so that route sets overlap across anchors */
	d->anchors[1] = d->anchors[0] ^ (rng32() & 0x0000ffff);
	d->anchors[2] = d->anchors[0] ^ (rng32() & 0x00ffffff);
	d->anchors[3] = round % 3 ? rng32() : d->anchors[0] ^ 0x80;
	d->allow_short = !UNDER_TSAN && round % 16 == 0;
	d->short_depth = (uint8_t)((round / 16) % 8);	/* each in turn */

	for (i = 0; i < nops; i++) {
		int k;

		diff_op(d);
		for (k = 0; k < 6; k++)
			check_lookup(d, pick_addr(d));
		d->lookups += 6;
	}
	for (i = 0; i < 200; i++)
		check_lookup(d, pick_addr(d));
	d->lookups += 200;
	for (i = 0; i < d->ref.n; i++)
		if (hf_fib_get(d->fib, d->ref.r[i].ip, d->ref.r[i].depth,
			       &nh) ||
		    nh != d->ref.r[i].nh)
			fail_msg("get %08x/%u", d->ref.r[i].ip,
				 d->ref.r[i].depth);
	hf_fib_walk(d->fib, walk_check_fn, &w);
	assert_int_equal(w.n, d->ref.n);
	assert_int_equal(w.bad, 0);
	check_groups_reclaimed(d);

	/* tear down in random order; every group must come back */
	while (d->ref.n) {
		const struct ref_rule *rr = &d->ref.r[rng32() % d->ref.n];

		diff_del(d, rr->ip, rr->depth);
		check_lookup(d, pick_addr(d));
		check_lookup(d, pick_addr(d));
		d->lookups += 2;
	}
	assert_int_equal(hf_fib_count(d->fib), 0);
	for (i = 0; i < 32; i++) {
		uint32_t a = d->anchors[i % 4] ^ (rng32() & 0xfff);

		assert_int_equal(hf_fib_lookup(d->fib, a, &nh), -ENOENT);
	}
	hf_fib_reclaim(d->fib);
	assert_int_equal(hf_fib_tbl8_used(d->fib), 0);
}

static void run_differential(uint64_t seed, uint32_t max_rules,
			     uint32_t groups, unsigned int rounds,
			     bool expect_enospc)
{
	static struct diff d;
	unsigned int round;

	if (UNDER_TSAN)
		rounds /= 40;
	memset(&d, 0, sizeof(d));
	rng_state = seed;
	d.max_rules = max_rules;
	d.groups = groups;
	assert_true(max_rules <= REF_MAX);
	assert_int_equal(hf_fib_create(&d.fib, max_rules, groups, count_sync),
			 0);
	sync_calls = 0;
	hook_diff = &d;
	sync_check = diff_hook_check;
	for (round = 0; round < rounds; round++)
		diff_round(&d, round);
	sync_check = NULL;
	hook_diff = NULL;
	hf_fib_destroy(d.fib);
	print_message("    seed %#llx: %u rounds, %lu adds, %lu replaces, "
		      "%lu dels, %lu ENOSPC, %lu ENOENT, %lu lookups, "
		      "%u grace periods\n",
		      (unsigned long long)seed, rounds, d.adds, d.replaces,
		      d.dels, d.enospc, d.enoent, d.lookups, sync_calls);
	/* the run must really have exercised the interesting paths */
	if (expect_enospc)
		assert_true(d.enospc > 0);
	for (round = 0; round < 8; round++)
		print_message("%s/%u: %lu", round ? ", " : "    short adds: ",
			      round, d.depth_added[round]);
	print_message("\n");
	/* every depth 0..32 was really installed (TSan skips < 8) */
	for (round = UNDER_TSAN ? 8 : 0; round <= 32; round++)
		if (!d.depth_added[round])
			fail_msg("no /%u prefix was ever added", round);
	assert_true(d.enoent > 0);
	assert_true(sync_calls > 0);
}

/* Few groups: tbl8 exhaustion and group reuse are frequent. */
static void test_differential_small(void **state)
{
	(void)state;
	run_differential(0x5eed0001ULL, 40, 5, 1200, true);
}

/* Enough room: mostly exercises LPM correctness itself. */
static void test_differential_roomy(void **state)
{
	(void)state;
	run_differential(0x5eed0002ULL, REF_MAX, 64, 800, false);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scenarios),
		cmocka_unit_test(test_create_args),
		cmocka_unit_test(test_enospc_rules),
		cmocka_unit_test(test_enospc_tbl8),
		cmocka_unit_test(test_sync_hook),
		cmocka_unit_test(test_walk),
		cmocka_unit_test(test_differential_small),
		cmocka_unit_test(test_differential_roomy),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
