// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * nexthop.c - reference-counted next-hop table (see fwd/nexthop.h).
 * Lookup of an equal entry is a linear scan: it runs only in the writer,
 * once per route change, and the number of distinct next hops (gateways
 * x ports) stays small even with a full Internet table.
 */
#include "fwd/nexthop.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct hf_nh_table {
	struct hf_nexthop *nh;
	uint32_t *refs;
	uint32_t max;
	uint32_t used;
	uint32_t *pending;	/* freed slots awaiting a grace period */
	uint32_t npending;
	hf_nh_sync_fn sync;
};

int hf_nh_table_create(struct hf_nh_table **out, uint32_t max,
		       hf_nh_sync_fn sync)
{
	struct hf_nh_table *t;

	if (!max || max > (1u << 24))
		return -EINVAL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->nh = calloc(max, sizeof(*t->nh));
	t->refs = calloc(max, sizeof(*t->refs));
	t->pending = calloc(max, sizeof(*t->pending));
	if (!t->nh || !t->refs || !t->pending) {
		hf_nh_table_destroy(t);
		return -ENOMEM;
	}
	t->max = max;
	t->sync = sync;
	*out = t;
	return 0;
}

void hf_nh_table_destroy(struct hf_nh_table *t)
{
	if (!t)
		return;
	free(t->nh);
	free(t->refs);
	free(t->pending);
	free(t);
}

static int nh_equal(const struct hf_nexthop *a, const struct hf_nexthop *b)
{
	return a->gw == b->gw && a->port == b->port && a->type == b->type &&
	       a->origin == b->origin;
}

static int slot_is_pending(const struct hf_nh_table *t, uint32_t i)
{
	uint32_t k;

	for (k = 0; k < t->npending; k++)
		if (t->pending[k] == i)
			return 1;
	return 0;
}

/* A free slot that no reader can still see, or -1. */
static int nh_free_slot(struct hf_nh_table *t)
{
	uint32_t i;

	for (i = 0; i < t->max; i++)
		if (!t->refs[i] && !slot_is_pending(t, i))
			return (int)i;
	if (!t->npending)
		return -1;
	/* only parked slots left: wait out the readers once, then reuse */
	if (t->sync)
		t->sync();
	t->npending = 0;
	for (i = 0; i < t->max; i++)
		if (!t->refs[i])
			return (int)i;
	return -1;
}

int hf_nh_get(struct hf_nh_table *t, const struct hf_nexthop *nh)
{
	uint32_t i;
	int slot;

	for (i = 0; i < t->max; i++) {
		if (t->refs[i] && nh_equal(&t->nh[i], nh)) {
			t->refs[i]++;
			return (int)i;
		}
	}
	slot = nh_free_slot(t);
	if (slot < 0)
		return -ENOSPC;
	t->nh[slot] = *nh;
	t->refs[slot] = 1;
	t->used++;
	return slot;
}

void hf_nh_put(struct hf_nh_table *t, uint32_t idx)
{
	if (idx >= t->max || !t->refs[idx])
		return;
	if (--t->refs[idx] == 0) {
		t->used--;
		t->pending[t->npending++] = idx;
	}
}

const struct hf_nexthop *hf_nh_at(const struct hf_nh_table *t, uint32_t idx)
{
	return &t->nh[idx];
}

uint32_t hf_nh_refs(const struct hf_nh_table *t, uint32_t idx)
{
	return idx < t->max ? t->refs[idx] : 0;
}

uint32_t hf_nh_used(const struct hf_nh_table *t)
{
	return t->used;
}
