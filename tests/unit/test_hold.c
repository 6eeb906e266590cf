// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_hold.c - fwd/hold.h: the per-worker ARP hold queue. Slot
 * allocation per (port, next hop), the per-slot limit, a full table,
 * and the used/frames bookkeeping across release and reuse.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "fwd/hold.h"

#define IP(a, b, c, d) \
	((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))

#define NH1	IP(198, 18, 2, 50)
#define NH2	IP(198, 18, 3, 50)
#define T0	1000000000000ULL

static int hold_setup(void **state)
{
	struct hf_hold *h = malloc(sizeof(*h));

	if (!h)
		return -1;
	memset(h, 0x5a, sizeof(*h));	/* init must clear everything */
	*state = h;
	return 0;
}

static int hold_teardown(void **state)
{
	free(*state);
	return 0;
}

/* Frame address of the k-th test frame: distinct and recognisable. */
static uint64_t frame(uint32_t k)
{
	return (uint64_t)(k + 1) * 4096 + 256;
}

static void test_init(void **state)
{
	struct hf_hold *h = *state;
	uint32_t i;

	hf_hold_init(h, 8);
	assert_int_equal(h->per_slot, 8);
	assert_int_equal(h->used, 0);
	assert_int_equal(h->frames, 0);
	for (i = 0; i < HF_HOLD_SLOTS; i++) {
		assert_int_equal(h->slot[i].ip, 0);
		assert_int_equal(h->slot[i].n, 0);
	}
	/* the per-slot capacity is capped by the array size */
	hf_hold_init(h, HF_HOLD_PER_SLOT_MAX + 100);
	assert_int_equal(h->per_slot, HF_HOLD_PER_SLOT_MAX);
}

static void test_new_slot_then_queued(void **state)
{
	struct hf_hold *h = *state;
	struct hf_hold_slot *s = NULL;
	uint32_t i;

	hf_hold_init(h, 8);
	assert_int_equal(hf_hold_add(h, 1, NH1, frame(0), 100, T0),
			 HF_HOLD_NEW_SLOT);
	assert_int_equal(h->used, 1);
	assert_int_equal(h->frames, 1);
	for (i = 0; i < HF_HOLD_SLOTS; i++)
		if (h->slot[i].ip)
			s = &h->slot[i];
	assert_non_null(s);
	assert_int_equal(s->ip, NH1);
	assert_int_equal(s->port, 1);
	assert_int_equal(s->n, 1);
	assert_int_equal(s->first_ns, T0);
	assert_int_equal(s->resolve_ns, T0);
	assert_int_equal(s->frame[0], frame(0));
	assert_int_equal(s->len[0], 100);

	/* later frames for the same next hop join the slot, in order, and
	 * the slot keeps the time of its oldest frame */
	assert_int_equal(hf_hold_add(h, 1, NH1, frame(1), 101, T0 + 5),
			 HF_HOLD_QUEUED);
	assert_int_equal(hf_hold_add(h, 1, NH1, frame(2), 102, T0 + 9),
			 HF_HOLD_QUEUED);
	assert_int_equal(h->used, 1);
	assert_int_equal(h->frames, 3);
	assert_int_equal(s->n, 3);
	assert_int_equal(s->first_ns, T0);
	assert_int_equal(s->resolve_ns, T0);
	for (i = 0; i < 3; i++) {
		assert_int_equal(s->frame[i], frame(i));
		assert_int_equal(s->len[i], 100 + i);
	}
}

/* (port, ip) is the key: the same address on two ports is two slots. */
static void test_key_is_port_and_ip(void **state)
{
	struct hf_hold *h = *state;

	hf_hold_init(h, 8);
	assert_int_equal(hf_hold_add(h, 1, NH1, frame(0), 60, T0),
			 HF_HOLD_NEW_SLOT);
	assert_int_equal(hf_hold_add(h, 2, NH1, frame(1), 60, T0),
			 HF_HOLD_NEW_SLOT);
	assert_int_equal(hf_hold_add(h, 1, NH2, frame(2), 60, T0),
			 HF_HOLD_NEW_SLOT);
	assert_int_equal(hf_hold_add(h, 2, NH1, frame(3), 60, T0),
			 HF_HOLD_QUEUED);
	assert_int_equal(h->used, 3);
	assert_int_equal(h->frames, 4);
}

static void test_per_slot_limit(void **state)
{
	struct hf_hold *h = *state;
	uint32_t i;

	hf_hold_init(h, 4);
	for (i = 0; i < 4; i++)
		assert_int_equal(hf_hold_add(h, 0, NH1, frame(i), 60, T0),
				 i ? HF_HOLD_QUEUED : HF_HOLD_NEW_SLOT);
	assert_int_equal(hf_hold_add(h, 0, NH1, frame(4), 60, T0),
			 HF_HOLD_FULL);
	assert_int_equal(hf_hold_add(h, 0, NH1, frame(5), 60, T0),
			 HF_HOLD_FULL);
	/* a refused frame leaves no trace */
	assert_int_equal(h->frames, 4);
	assert_int_equal(h->used, 1);
	/* another next hop still gets its own slot */
	assert_int_equal(hf_hold_add(h, 0, NH2, frame(6), 60, T0),
			 HF_HOLD_NEW_SLOT);
	assert_int_equal(h->frames, 5);
	assert_int_equal(h->used, 2);
}

static void test_per_slot_max(void **state)
{
	struct hf_hold *h = *state;
	uint32_t i;

	hf_hold_init(h, 1000);
	for (i = 0; i < HF_HOLD_PER_SLOT_MAX; i++)
		assert_int_not_equal(hf_hold_add(h, 0, NH1, frame(i), 60, T0),
				     HF_HOLD_FULL);
	assert_int_equal(hf_hold_add(h, 0, NH1, frame(i), 60, T0),
			 HF_HOLD_FULL);
	assert_int_equal(h->frames, HF_HOLD_PER_SLOT_MAX);
}

/* A capacity of zero holds nothing (arp-hold 0 means "drop"). */
static void test_zero_capacity(void **state)
{
	struct hf_hold *h = *state;

	hf_hold_init(h, 0);
	assert_int_equal(hf_hold_add(h, 0, NH1, frame(0), 60, T0),
			 HF_HOLD_FULL);
	assert_int_equal(h->used, 0);
	assert_int_equal(h->frames, 0);
}

static void test_table_full(void **state)
{
	struct hf_hold *h = *state;
	uint32_t i;

	hf_hold_init(h, 2);
	for (i = 0; i < HF_HOLD_SLOTS; i++)
		assert_int_equal(hf_hold_add(h, 0, NH1 + i, frame(i), 60, T0),
				 HF_HOLD_NEW_SLOT);
	assert_int_equal(h->used, HF_HOLD_SLOTS);
	assert_int_equal(h->frames, HF_HOLD_SLOTS);
	/* one next hop too many */
	assert_int_equal(hf_hold_add(h, 0, NH1 + HF_HOLD_SLOTS, frame(99), 60,
				     T0), HF_HOLD_FULL);
	assert_int_equal(h->used, HF_HOLD_SLOTS);
	assert_int_equal(h->frames, HF_HOLD_SLOTS);
	/* existing next hops still take frames */
	assert_int_equal(hf_hold_add(h, 0, NH1 + 7, frame(100), 60, T0),
			 HF_HOLD_QUEUED);
	assert_int_equal(h->frames, HF_HOLD_SLOTS + 1);
}

static struct hf_hold_slot *find_slot(struct hf_hold *h, uint16_t port,
				      uint32_t ip)
{
	uint32_t i;

	for (i = 0; i < HF_HOLD_SLOTS; i++)
		if (h->slot[i].ip == ip && h->slot[i].port == port)
			return &h->slot[i];
	return NULL;
}

static void test_release_bookkeeping(void **state)
{
	struct hf_hold *h = *state;
	struct hf_hold_slot *s1, *s2;

	hf_hold_init(h, 8);
	hf_hold_add(h, 0, NH1, frame(0), 60, T0);
	hf_hold_add(h, 0, NH1, frame(1), 60, T0);
	hf_hold_add(h, 0, NH1, frame(2), 60, T0);
	hf_hold_add(h, 1, NH2, frame(3), 60, T0);
	assert_int_equal(h->used, 2);
	assert_int_equal(h->frames, 4);
	s1 = find_slot(h, 0, NH1);
	s2 = find_slot(h, 1, NH2);
	assert_non_null(s1);
	assert_non_null(s2);

	hf_hold_release(h, s1);
	assert_int_equal(h->used, 1);
	assert_int_equal(h->frames, 1);
	assert_int_equal(s1->ip, 0);
	assert_int_equal(s1->n, 0);
	assert_null(find_slot(h, 0, NH1));

	/* the same next hop again starts a new slot (a new resolution),
	 * with a fresh timestamp */
	assert_int_equal(hf_hold_add(h, 0, NH1, frame(4), 70, T0 + 100),
			 HF_HOLD_NEW_SLOT);
	s1 = find_slot(h, 0, NH1);
	assert_non_null(s1);
	assert_int_equal(s1->n, 1);
	assert_int_equal(s1->first_ns, T0 + 100);
	assert_int_equal(s1->frame[0], frame(4));
	assert_int_equal(s1->len[0], 70);
	assert_int_equal(h->used, 2);
	assert_int_equal(h->frames, 2);

	hf_hold_release(h, s1);
	hf_hold_release(h, s2);
	assert_int_equal(h->used, 0);
	assert_int_equal(h->frames, 0);
}

/* A full table frees up when one slot is released. */
static void test_full_then_release_reuses(void **state)
{
	struct hf_hold *h = *state;
	struct hf_hold_slot *s;
	uint32_t i;

	hf_hold_init(h, 3);
	for (i = 0; i < HF_HOLD_SLOTS; i++) {
		hf_hold_add(h, 0, NH1 + i, frame(2 * i), 60, T0);
		hf_hold_add(h, 0, NH1 + i, frame(2 * i + 1), 60, T0);
	}
	assert_int_equal(h->frames, 2 * HF_HOLD_SLOTS);
	assert_int_equal(hf_hold_add(h, 3, NH2, frame(500), 60, T0),
			 HF_HOLD_FULL);
	s = find_slot(h, 0, NH1 + 10);
	assert_non_null(s);
	hf_hold_release(h, s);
	assert_int_equal(h->used, HF_HOLD_SLOTS - 1);
	assert_int_equal(h->frames, 2 * HF_HOLD_SLOTS - 2);
	assert_int_equal(hf_hold_add(h, 3, NH2, frame(500), 60, T0 + 1),
			 HF_HOLD_NEW_SLOT);
	assert_ptr_equal(find_slot(h, 3, NH2), s);	/* the freed slot */
	assert_int_equal(h->used, HF_HOLD_SLOTS);
	assert_int_equal(h->frames, 2 * HF_HOLD_SLOTS - 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_init, hold_setup,
						hold_teardown),
		cmocka_unit_test_setup_teardown(test_new_slot_then_queued,
						hold_setup, hold_teardown),
		cmocka_unit_test_setup_teardown(test_key_is_port_and_ip,
						hold_setup, hold_teardown),
		cmocka_unit_test_setup_teardown(test_per_slot_limit, hold_setup,
						hold_teardown),
		cmocka_unit_test_setup_teardown(test_per_slot_max, hold_setup,
						hold_teardown),
		cmocka_unit_test_setup_teardown(test_zero_capacity, hold_setup,
						hold_teardown),
		cmocka_unit_test_setup_teardown(test_table_full, hold_setup,
						hold_teardown),
		cmocka_unit_test_setup_teardown(test_release_bookkeeping,
						hold_setup, hold_teardown),
		cmocka_unit_test_setup_teardown(test_full_then_release_reuses,
						hold_setup, hold_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
