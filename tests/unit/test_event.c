// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_event.c - fwd/event.h: the worker -> mprelay SPSC event ring.
 * FIFO order, a full ring refusing, was_empty (the wake-up hint), index
 * wrap-around, hf_worker_event() counting losses and writing the eventfd
 * once per batch, and a two-thread producer/consumer run of 1M events
 * that must be clean under ThreadSanitizer.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "fwd/dataplane.h"
#include "fwd/event.h"
#include "fwd/worker.h"

#define SPSC_EVENTS	1000000u

static size_t round_up(size_t n)
{
	return (n + HF_CACHELINE - 1) & ~(size_t)(HF_CACHELINE - 1);
}

static int ring_setup(void **state)
{
	struct hf_event_ring *r = aligned_alloc(HF_CACHELINE,
						round_up(sizeof(*r)));

	if (!r)
		return -1;
	memset(r, 0, sizeof(*r));
	*state = r;
	return 0;
}

static int ring_teardown(void **state)
{
	free(*state);
	return 0;
}

/* Event number @seq: every field derived from it, so a torn or stale
 * slot shows up as a mismatch. */
static void make_ev(struct hf_event *ev, uint32_t seq)
{
	uint32_t i;

	memset(ev, 0, sizeof(*ev));
	ev->type = seq & 1 ? HF_EV_NEIGH_RESOLVE : HF_EV_NEIGH_LEARN;
	ev->may_create = (seq >> 1) & 1;
	ev->port = (uint16_t)(seq * 7);
	ev->ip = seq;
	for (i = 0; i < 6; i++)
		ev->mac[i] = (uint8_t)(seq >> (i * 4)) ^ (uint8_t)i;
}

static int ev_matches(const struct hf_event *ev, uint32_t seq)
{
	struct hf_event want;

	make_ev(&want, seq);
	return ev->type == want.type && ev->may_create == want.may_create &&
	       ev->port == want.port && ev->ip == want.ip &&
	       memcmp(ev->mac, want.mac, 6) == 0;
}

static void test_empty_pop(void **state)
{
	struct hf_event_ring *r = *state;
	struct hf_event ev;

	memset(&ev, 0x77, sizeof(ev));
	assert_false(hf_event_pop(r, &ev));
	/* a failed pop leaves the output alone and the ring unchanged */
	assert_int_equal(ev.ip, 0x77777777);
	assert_int_equal(r->head, 0);
	assert_int_equal(r->tail, 0);
}

static void test_fifo_order(void **state)
{
	struct hf_event_ring *r = *state;
	struct hf_event ev;
	bool was_empty;
	uint32_t i;

	for (i = 0; i < 100; i++) {
		make_ev(&ev, i);
		assert_true(hf_event_push(r, &ev, &was_empty));
	}
	for (i = 0; i < 100; i++) {
		assert_true(hf_event_pop(r, &ev));
		if (!ev_matches(&ev, i))
			fail_msg("event %u out of order (ip %u)", i, ev.ip);
	}
	assert_false(hf_event_pop(r, &ev));
}

static void test_full_ring_refuses(void **state)
{
	struct hf_event_ring *r = *state;
	struct hf_event ev;
	bool was_empty;
	uint32_t i;

	for (i = 0; i < HF_EVENT_RING_SIZE; i++) {
		make_ev(&ev, i);
		if (!hf_event_push(r, &ev, &was_empty))
			fail_msg("push %u refused below capacity", i);
	}
	make_ev(&ev, 9999);
	was_empty = true;
	assert_false(hf_event_push(r, &ev, &was_empty));
	assert_false(hf_event_push(r, &ev, &was_empty));
	assert_int_equal(r->head - r->tail, HF_EVENT_RING_SIZE);
	/* the refused event overwrote nothing: the oldest is still first */
	assert_true(hf_event_pop(r, &ev));
	assert_true(ev_matches(&ev, 0));
	/* one slot free again */
	make_ev(&ev, HF_EVENT_RING_SIZE);
	assert_true(hf_event_push(r, &ev, &was_empty));
	assert_false(was_empty);
	make_ev(&ev, 12345);
	assert_false(hf_event_push(r, &ev, &was_empty));
	for (i = 1; i <= HF_EVENT_RING_SIZE; i++) {
		assert_true(hf_event_pop(r, &ev));
		if (!ev_matches(&ev, i))
			fail_msg("after refill: event %u wrong (ip %u)", i,
				 ev.ip);
	}
	assert_false(hf_event_pop(r, &ev));
}

/* was_empty is true exactly when the push found the ring empty. */
static void test_was_empty(void **state)
{
	struct hf_event_ring *r = *state;
	struct hf_event ev;
	bool was_empty;

	make_ev(&ev, 1);
	was_empty = false;
	assert_true(hf_event_push(r, &ev, &was_empty));
	assert_true(was_empty);
	was_empty = true;
	assert_true(hf_event_push(r, &ev, &was_empty));
	assert_false(was_empty);
	/* pop one of two: still not empty */
	assert_true(hf_event_pop(r, &ev));
	was_empty = true;
	assert_true(hf_event_push(r, &ev, &was_empty));
	assert_false(was_empty);
	/* drain: the next push must wake the consumer */
	while (hf_event_pop(r, &ev))
		;
	was_empty = false;
	assert_true(hf_event_push(r, &ev, &was_empty));
	assert_true(was_empty);
}

/* The free-running 32-bit indices wrap without losing or reordering. */
static void test_index_wrap(void **state)
{
	struct hf_event_ring *r = *state;
	struct hf_event ev;
	bool was_empty;
	uint32_t i, start = UINT32_MAX - 700;

	r->head = start;
	r->tail = start;
	for (i = 0; i < HF_EVENT_RING_SIZE; i++) {
		make_ev(&ev, i);
		assert_true(hf_event_push(r, &ev, &was_empty));
		assert_int_equal(was_empty, i == 0);
	}
	make_ev(&ev, 77777);
	assert_false(hf_event_push(r, &ev, &was_empty));
	for (i = 0; i < HF_EVENT_RING_SIZE; i++) {
		assert_true(hf_event_pop(r, &ev));
		if (!ev_matches(&ev, i))
			fail_msg("wrap: event %u wrong (ip %u)", i, ev.ip);
	}
	assert_false(hf_event_pop(r, &ev));
	assert_int_equal(r->head, start + HF_EVENT_RING_SIZE);
	assert_int_equal(r->head, r->tail);
}

/* ---- hf_worker_event(): loss counter and the eventfd wake-up ---- */

struct wfx {
	struct hf_dataplane dp;
	struct hf_worker *w;
};

static int worker_setup(void **state)
{
	struct wfx *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	f->w = aligned_alloc(HF_CACHELINE, round_up(sizeof(*f->w)));
	if (!f->w) {
		free(f);
		return -1;
	}
	memset(f->w, 0, sizeof(*f->w));
	f->w->dp = &f->dp;
	f->dp.event_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (f->dp.event_fd < 0) {
		free(f->w);
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}

static int worker_teardown(void **state)
{
	struct wfx *f = *state;

	close(f->dp.event_fd);
	free(f->w);
	free(f);
	return 0;
}

/* The eventfd counter, reset to 0 by reading; 0 if nothing was written. */
static uint64_t read_wakeups(int fd)
{
	uint64_t v = 0;

	if (read(fd, &v, sizeof(v)) != sizeof(v)) {
		assert_int_equal(errno, EAGAIN);
		return 0;
	}
	return v;
}

static void test_worker_event_wakeup_per_batch(void **state)
{
	struct wfx *f = *state;
	struct hf_event ev;
	uint32_t i;

	make_ev(&ev, 1);
	hf_worker_event(f->w, &ev);
	assert_int_equal(read_wakeups(f->dp.event_fd), 1);
	/* more events while the consumer has not drained: no more writes */
	for (i = 2; i < 10; i++) {
		make_ev(&ev, i);
		hf_worker_event(f->w, &ev);
	}
	assert_int_equal(read_wakeups(f->dp.event_fd), 0);
	for (i = 1; i < 10; i++) {
		assert_true(hf_event_pop(&f->w->events, &ev));
		assert_true(ev_matches(&ev, i));
	}
	/* drained: the next event wakes the consumer again */
	make_ev(&ev, 10);
	hf_worker_event(f->w, &ev);
	assert_int_equal(read_wakeups(f->dp.event_fd), 1);
	assert_int_equal(f->w->stats.c[HF_CNT_event_ring_full], 0);
}

static void test_worker_event_full_counts(void **state)
{
	struct wfx *f = *state;
	struct hf_event ev;
	uint32_t i;

	for (i = 0; i < HF_EVENT_RING_SIZE; i++) {
		make_ev(&ev, i);
		hf_worker_event(f->w, &ev);
	}
	assert_int_equal(f->w->stats.c[HF_CNT_event_ring_full], 0);
	assert_int_equal(read_wakeups(f->dp.event_fd), 1);
	make_ev(&ev, 5000);
	hf_worker_event(f->w, &ev);
	hf_worker_event(f->w, &ev);
	hf_worker_event(f->w, &ev);
	assert_int_equal(f->w->stats.c[HF_CNT_event_ring_full], 3);
	assert_int_equal(read_wakeups(f->dp.event_fd), 0);
	/* the lost events did not displace queued ones */
	for (i = 0; i < HF_EVENT_RING_SIZE; i++) {
		assert_true(hf_event_pop(&f->w->events, &ev));
		if (!ev_matches(&ev, i))
			fail_msg("event %u wrong after overflow", i);
	}
	assert_false(hf_event_pop(&f->w->events, &ev));
}

/* ---- two threads ---- */

struct spsc {
	struct hf_event_ring *r;
	uint64_t full_retries;		/* producer only */
};

static void *producer(void *arg)
{
	struct spsc *s = arg;
	struct hf_event ev;
	bool was_empty;
	uint32_t seq;

	for (seq = 0; seq < SPSC_EVENTS; seq++) {
		make_ev(&ev, seq);
		while (!hf_event_push(s->r, &ev, &was_empty)) {
			s->full_retries++;
			sched_yield();
		}
	}
	return NULL;
}

static void test_spsc_two_threads(void **state)
{
	struct spsc s = { .r = *state };
	struct hf_event ev;
	uint32_t want = 0, bad = 0;
	pthread_t t;

	assert_int_equal(pthread_create(&t, NULL, producer, &s), 0);
	while (want < SPSC_EVENTS) {
		if (!hf_event_pop(s.r, &ev)) {
			sched_yield();
			continue;
		}
		if (!ev_matches(&ev, want) && bad++ < 5)
			print_error("event %u: got ip %u port %u type %u\n",
				    want, ev.ip, ev.port, ev.type);
		want++;
	}
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(bad, 0);
	assert_false(hf_event_pop(s.r, &ev));
	assert_int_equal(s.r->head, SPSC_EVENTS);
	assert_int_equal(s.r->tail, SPSC_EVENTS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_empty_pop, ring_setup,
						ring_teardown),
		cmocka_unit_test_setup_teardown(test_fifo_order, ring_setup,
						ring_teardown),
		cmocka_unit_test_setup_teardown(test_full_ring_refuses,
						ring_setup, ring_teardown),
		cmocka_unit_test_setup_teardown(test_was_empty, ring_setup,
						ring_teardown),
		cmocka_unit_test_setup_teardown(test_index_wrap, ring_setup,
						ring_teardown),
		cmocka_unit_test_setup_teardown(
			test_worker_event_wakeup_per_batch, worker_setup,
			worker_teardown),
		cmocka_unit_test_setup_teardown(test_worker_event_full_counts,
						worker_setup, worker_teardown),
		cmocka_unit_test_setup_teardown(test_spsc_two_threads,
						ring_setup, ring_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
