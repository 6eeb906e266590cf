/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fwd/event.h - single-producer/single-consumer ring carrying events
 * from one worker to the mprelay thread (neighbour learning and
 * resolution requests). A full ring drops the event and the worker
 * counts it; the worker never waits.
 *
 * Concurrency: exactly one producer (the owning worker) and one consumer
 * (mprelay). head is written only by the producer, tail only by the
 * consumer; the release store of head publishes the slot contents, the
 * release store of tail hands the slot back.
 */
#ifndef HF_FWD_EVENT_H
#define HF_FWD_EVENT_H

#include <stdbool.h>
#include <stdint.h>

#include "common/compiler.h"

#define HF_EVENT_RING_SIZE	1024	/* power of two */

enum hf_event_type {
	HF_EV_NEIGH_LEARN = 1,	/* @ip on @port has @mac */
	HF_EV_NEIGH_RESOLVE,	/* create an INCOMPLETE entry for @ip */
};

struct hf_event {
	uint8_t type;
	uint8_t may_create;	/* LEARN: ARP request addressed to us */
	uint16_t port;
	uint32_t ip;		/* host order */
	uint8_t mac[6];
};

struct hf_event_ring {
	uint32_t head __hf_cacheline_aligned;	/* producer */
	uint32_t tail __hf_cacheline_aligned;	/* consumer */
	struct hf_event ev[HF_EVENT_RING_SIZE] __hf_cacheline_aligned;
};

/**
 * hf_event_push() - producer: append @ev.
 * Return: false if the ring is full. *@was_empty tells whether the
 * consumer may be asleep and needs a wake-up.
 */
static inline bool hf_event_push(struct hf_event_ring *r,
				 const struct hf_event *ev, bool *was_empty)
{
	uint32_t head = r->head;
	uint32_t tail = __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE);

	if (head - tail >= HF_EVENT_RING_SIZE)
		return false;
	r->ev[head & (HF_EVENT_RING_SIZE - 1)] = *ev;
	*was_empty = head == tail;
	__atomic_store_n(&r->head, head + 1, __ATOMIC_RELEASE);
	return true;
}

/** hf_event_pop() - consumer: take the oldest event, false if empty. */
static inline bool hf_event_pop(struct hf_event_ring *r, struct hf_event *ev)
{
	uint32_t tail = r->tail;
	uint32_t head = __atomic_load_n(&r->head, __ATOMIC_ACQUIRE);

	if (tail == head)
		return false;
	*ev = r->ev[tail & (HF_EVENT_RING_SIZE - 1)];
	__atomic_store_n(&r->tail, tail + 1, __ATOMIC_RELEASE);
	return true;
}

#endif /* HF_FWD_EVENT_H */
