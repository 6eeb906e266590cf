// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_nexthop.c - fwd/nexthop.h: sharing of equal next hops with a
 * reference count, slot reuse only after the grace-period hook ran
 * (the freed entry must stay readable until then), -ENOSPC when full,
 * and hf_nh_used().
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "fwd/nexthop.h"

#define IP(a, b, c, d) \
	((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))

/* ---- the sync hook: counts calls and checks what readers could see ---- */

static unsigned int sync_calls;
static const struct hf_nh_table *sync_table;
/* a freed slot readers may still use, and what they must find there */
static int sync_watch_idx = -1;
static struct hf_nexthop sync_watch_nh;
static unsigned int sync_watch_bad;

static void count_sync(void)
{
	sync_calls++;
	if (sync_watch_idx >= 0) {
		const struct hf_nexthop *nh =
			hf_nh_at(sync_table, (uint32_t)sync_watch_idx);

		if (memcmp(nh, &sync_watch_nh, sizeof(*nh)))
			sync_watch_bad++;
	}
}

static int tbl_setup(void **state)
{
	(void)state;
	sync_calls = 0;
	sync_table = NULL;
	sync_watch_idx = -1;
	sync_watch_bad = 0;
	return 0;
}

static struct hf_nexthop fwd(uint32_t gw, uint16_t port)
{
	struct hf_nexthop nh = { .gw = gw, .port = port, .type = HF_NH_FORWARD,
				 .origin = HF_NH_ORIGIN_STATIC };

	return nh;
}

static struct hf_nh_table *create(uint32_t max)
{
	struct hf_nh_table *t = NULL;

	assert_int_equal(hf_nh_table_create(&t, max, count_sync), 0);
	assert_non_null(t);
	sync_table = t;
	return t;
}

static void test_create_args(void **state)
{
	struct hf_nh_table *t = NULL;

	(void)state;
	assert_int_equal(hf_nh_table_create(&t, 0, NULL), -EINVAL);
	assert_null(t);
	assert_int_equal(hf_nh_table_create(&t, (1u << 24) + 1, NULL), -EINVAL);
	assert_null(t);
	assert_int_equal(hf_nh_table_create(&t, 1, NULL), 0);
	assert_int_equal(hf_nh_used(t), 0);
	hf_nh_table_destroy(t);
	hf_nh_table_destroy(NULL);
}

static void test_dedup_refcount(void **state)
{
	struct hf_nh_table *t = create(16);
	struct hf_nexthop a = fwd(IP(198, 18, 2, 2), 1);
	int i1, i2, i3;

	(void)state;
	i1 = hf_nh_get(t, &a);
	assert_true(i1 >= 0);
	assert_int_equal(hf_nh_refs(t, (uint32_t)i1), 1);
	assert_int_equal(hf_nh_used(t), 1);
	i2 = hf_nh_get(t, &a);
	i3 = hf_nh_get(t, &a);
	assert_int_equal(i2, i1);
	assert_int_equal(i3, i1);
	assert_int_equal(hf_nh_refs(t, (uint32_t)i1), 3);
	assert_int_equal(hf_nh_used(t), 1);
	assert_memory_equal(hf_nh_at(t, (uint32_t)i1), &a, sizeof(a));

	hf_nh_put(t, (uint32_t)i1);
	assert_int_equal(hf_nh_refs(t, (uint32_t)i1), 2);
	assert_int_equal(hf_nh_used(t), 1);
	hf_nh_put(t, (uint32_t)i1);
	hf_nh_put(t, (uint32_t)i1);
	assert_int_equal(hf_nh_refs(t, (uint32_t)i1), 0);
	assert_int_equal(hf_nh_used(t), 0);
	/* extra and out-of-range puts are ignored */
	hf_nh_put(t, (uint32_t)i1);
	hf_nh_put(t, 16);
	hf_nh_put(t, UINT32_MAX);
	assert_int_equal(hf_nh_used(t), 0);
	assert_int_equal(hf_nh_refs(t, 16), 0);
	assert_int_equal(sync_calls, 0);
	hf_nh_table_destroy(t);
}

/* Entries differing in any one field are distinct. */
static void test_fields_distinguish(void **state)
{
	struct hf_nh_table *t = create(16);
	struct hf_nexthop base = fwd(IP(198, 18, 2, 2), 1);
	struct hf_nexthop v[5];
	int idx[5], i, k;

	(void)state;
	v[0] = base;
	v[1] = base;
	v[1].gw = IP(198, 18, 2, 3);
	v[2] = base;
	v[2].port = 2;
	v[3] = base;
	v[3].type = HF_NH_LOCAL;
	v[4] = base;
	v[4].origin = HF_NH_ORIGIN_CONNECTED;
	for (i = 0; i < 5; i++) {
		idx[i] = hf_nh_get(t, &v[i]);
		assert_true(idx[i] >= 0);
		for (k = 0; k < i; k++)
			if (idx[k] == idx[i])
				fail_msg("variant %d shares slot %d with %d", i,
					 idx[i], k);
		assert_memory_equal(hf_nh_at(t, (uint32_t)idx[i]), &v[i],
				    sizeof(v[i]));
	}
	assert_int_equal(hf_nh_used(t), 5);
	for (i = 0; i < 5; i++)
		assert_int_equal(hf_nh_refs(t, (uint32_t)idx[i]), 1);
	hf_nh_table_destroy(t);
}

static void test_full_enospc(void **state)
{
	struct hf_nh_table *t = create(4);
	struct hf_nexthop nh;
	uint32_t i;

	(void)state;
	for (i = 0; i < 4; i++) {
		nh = fwd(IP(198, 18, 2, 10 + i), 1);
		assert_int_equal(hf_nh_get(t, &nh), (int)i);
	}
	assert_int_equal(hf_nh_used(t), 4);
	nh = fwd(IP(198, 18, 2, 99), 1);
	assert_int_equal(hf_nh_get(t, &nh), -ENOSPC);
	/* nothing to wait for: the hook is not called in vain */
	assert_int_equal(sync_calls, 0);
	assert_int_equal(hf_nh_used(t), 4);
	/* an existing entry can still be shared when full */
	nh = fwd(IP(198, 18, 2, 12), 1);
	assert_int_equal(hf_nh_get(t, &nh), 2);
	assert_int_equal(hf_nh_refs(t, 2), 2);
	hf_nh_table_destroy(t);
}

/*
 * A slot freed by put is not handed out again while another free slot
 * exists; once only freed slots remain, the hook runs (once) before
 * reuse, and the freed entry is still intact when it runs.
 */
static void test_reuse_after_sync(void **state)
{
	struct hf_nh_table *t = create(4);
	struct hf_nexthop a = fwd(IP(198, 18, 2, 10), 1);
	struct hf_nexthop b = fwd(IP(198, 18, 2, 11), 1);
	struct hf_nexthop c = fwd(IP(198, 18, 2, 12), 1);
	struct hf_nexthop d = fwd(IP(198, 18, 2, 13), 1);
	struct hf_nexthop e = fwd(IP(198, 18, 2, 14), 1);
	struct hf_nexthop g = fwd(IP(198, 18, 2, 15), 1);
	int ia, ib, ic, id, ie;

	(void)state;
	ia = hf_nh_get(t, &a);
	ib = hf_nh_get(t, &b);
	ic = hf_nh_get(t, &c);
	assert_int_equal(ia, 0);
	assert_int_equal(ib, 1);
	assert_int_equal(ic, 2);

	hf_nh_put(t, (uint32_t)ib);
	assert_int_equal(hf_nh_used(t), 2);
	/* a reader that looked b up before the put still finds it */
	assert_memory_equal(hf_nh_at(t, (uint32_t)ib), &b, sizeof(b));

	/* slot 3 is free and never used: take it, no grace period */
	id = hf_nh_get(t, &d);
	assert_int_equal(id, 3);
	assert_int_equal(sync_calls, 0);
	assert_memory_equal(hf_nh_at(t, (uint32_t)ib), &b, sizeof(b));

	/* only the freed slot is left: wait for readers, then reuse it */
	sync_watch_idx = ib;
	sync_watch_nh = b;
	ie = hf_nh_get(t, &e);
	assert_int_equal(ie, ib);
	assert_int_equal(sync_calls, 1);
	assert_int_equal(sync_watch_bad, 0);
	assert_memory_equal(hf_nh_at(t, (uint32_t)ie), &e, sizeof(e));
	assert_int_equal(hf_nh_used(t), 4);
	sync_watch_idx = -1;

	/* full again, nothing pending: -ENOSPC without a hook call */
	assert_int_equal(hf_nh_get(t, &g), -ENOSPC);
	assert_int_equal(sync_calls, 1);
	hf_nh_table_destroy(t);
}

/* Getting the same next hop again after its last put makes a new
 * entry: the old slot may still be read with its old meaning. */
static void test_same_nh_after_put_uses_new_slot(void **state)
{
	struct hf_nh_table *t = create(4);
	struct hf_nexthop a = fwd(IP(198, 18, 2, 10), 1);
	int i1, i2;

	(void)state;
	i1 = hf_nh_get(t, &a);
	hf_nh_put(t, (uint32_t)i1);
	i2 = hf_nh_get(t, &a);
	assert_true(i2 >= 0);
	assert_int_not_equal(i2, i1);
	assert_int_equal(sync_calls, 0);
	assert_int_equal(hf_nh_refs(t, (uint32_t)i2), 1);
	assert_int_equal(hf_nh_used(t), 1);
	hf_nh_table_destroy(t);
}

/* One grace period covers every slot freed before it. */
static void test_one_sync_for_many_pending(void **state)
{
	struct hf_nh_table *t = create(4);
	struct hf_nexthop nh;
	int got[2];
	uint32_t i;

	(void)state;
	for (i = 0; i < 4; i++) {
		nh = fwd(IP(198, 18, 2, 10 + i), 1);
		assert_int_equal(hf_nh_get(t, &nh), (int)i);
	}
	hf_nh_put(t, 0);
	hf_nh_put(t, 2);
	assert_int_equal(hf_nh_used(t), 2);
	nh = fwd(IP(198, 18, 3, 1), 2);
	got[0] = hf_nh_get(t, &nh);
	assert_int_equal(sync_calls, 1);
	nh = fwd(IP(198, 18, 3, 2), 2);
	got[1] = hf_nh_get(t, &nh);
	assert_int_equal(sync_calls, 1);
	assert_true((got[0] == 0 && got[1] == 2) ||
		    (got[0] == 2 && got[1] == 0));
	assert_int_equal(hf_nh_used(t), 4);
	nh = fwd(IP(198, 18, 3, 3), 2);
	assert_int_equal(hf_nh_get(t, &nh), -ENOSPC);
	assert_int_equal(sync_calls, 1);
	hf_nh_table_destroy(t);
}

/* Many put/get cycles on a small table: used stays exact, every live
 * entry keeps its contents, and slots freed since the last grace period
 * are never handed out before the next one. */
static void test_churn(void **state)
{
	enum { MAX = 8, ROUNDS = 2000 };
	struct hf_nh_table *t = create(MAX);
	struct hf_nexthop live[MAX];
	int live_idx[MAX];
	unsigned int freed_since_sync[MAX] = { 0 };
	unsigned int last_sync = 0;
	uint32_t r, k, nlive = 0, next_gw = 1;

	(void)state;
	for (r = 0; r < ROUNDS; r++) {
		if (nlive == MAX || (nlive && r % 3 == 0)) {
			k = (r * 5) % nlive;
			hf_nh_put(t, (uint32_t)live_idx[k]);
			freed_since_sync[live_idx[k]] = 1;
			live[k] = live[nlive - 1];
			live_idx[k] = live_idx[nlive - 1];
			nlive--;
		} else {
			struct hf_nexthop nh = fwd(next_gw++,
						   (uint16_t)(r % 3));
			int idx = hf_nh_get(t, &nh);

			assert_true(idx >= 0 && idx < MAX);
			if (sync_calls != last_sync) {
				memset(freed_since_sync, 0,
				       sizeof(freed_since_sync));
				last_sync = sync_calls;
			}
			if (freed_since_sync[idx])
				fail_msg("round %u: slot %d reused without a grace period",
					 r, idx);
			live[nlive] = nh;
			live_idx[nlive++] = idx;
		}
		assert_int_equal(hf_nh_used(t), nlive);
		for (k = 0; k < nlive; k++)
			assert_memory_equal(hf_nh_at(t, (uint32_t)live_idx[k]),
					    &live[k], sizeof(live[k]));
	}
	assert_true(sync_calls > 0);
	while (nlive)
		hf_nh_put(t, (uint32_t)live_idx[--nlive]);
	assert_int_equal(hf_nh_used(t), 0);
	hf_nh_table_destroy(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_create_args, tbl_setup),
		cmocka_unit_test_setup(test_dedup_refcount, tbl_setup),
		cmocka_unit_test_setup(test_fields_distinguish, tbl_setup),
		cmocka_unit_test_setup(test_full_enospc, tbl_setup),
		cmocka_unit_test_setup(test_reuse_after_sync, tbl_setup),
		cmocka_unit_test_setup(test_same_nh_after_put_uses_new_slot,
				       tbl_setup),
		cmocka_unit_test_setup(test_one_sync_for_many_pending,
				       tbl_setup),
		cmocka_unit_test_setup(test_churn, tbl_setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
