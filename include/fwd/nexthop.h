/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fwd/nexthop.h - next-hop table: what a FIB entry's index means.
 *
 * FIB entries carry a 24-bit index into this array. An entry says what to
 * do with a packet: forward out of a port to a gateway (or, for a
 * connected route, to the packet's own destination), deliver locally, or
 * refuse (directed broadcast, blackhole). Identical next hops are shared
 * and reference-counted.
 *
 * Concurrency: entries are written only by the mprelay thread, and only
 * while unreferenced: a slot whose count drops to zero is reused only
 * after the sync hook (a grace period) has run, so a worker that read an
 * old FIB entry still finds the next hop it pointed to. Workers read
 * entries while RCU-online, without locks.
 */
#ifndef HF_FWD_NEXTHOP_H
#define HF_FWD_NEXTHOP_H

#include <stdint.h>

enum hf_nh_type {
	HF_NH_FORWARD = 1,	/* out of @port to @gw (0: to the destination) */
	HF_NH_LOCAL,		/* one of our addresses */
	HF_NH_BROADCAST,	/* directed broadcast of a connected subnet */
	HF_NH_BLACKHOLE,	/* drop silently, counted */
};

enum hf_nh_origin {
	HF_NH_ORIGIN_CONNECTED = 1,
	HF_NH_ORIGIN_LOCAL,
	HF_NH_ORIGIN_STATIC,
};

struct hf_nexthop {
	uint32_t gw;		/* host order; 0 = on-link destination */
	uint16_t port;
	uint8_t type;		/* enum hf_nh_type */
	uint8_t origin;		/* enum hf_nh_origin, for display */
};

struct hf_nh_table;

typedef void (*hf_nh_sync_fn)(void);

/** hf_nh_table_create() - table of @max entries; @sync as in fwd/fib.h. */
int hf_nh_table_create(struct hf_nh_table **out, uint32_t max,
		       hf_nh_sync_fn sync);
void hf_nh_table_destroy(struct hf_nh_table *t);

/**
 * hf_nh_get() - find or create the entry equal to @nh and take a reference.
 * Writer only. Return: index, or -ENOSPC when the table is full.
 */
int hf_nh_get(struct hf_nh_table *t, const struct hf_nexthop *nh);

/** hf_nh_put() - drop a reference taken by hf_nh_get(). Writer only. */
void hf_nh_put(struct hf_nh_table *t, uint32_t idx);

/**
 * hf_nh_at() - the entry at @idx (an index found in the FIB).
 * Readers: RCU-online. Never NULL for an index the FIB handed out.
 */
const struct hf_nexthop *hf_nh_at(const struct hf_nh_table *t, uint32_t idx);

/** hf_nh_refs() - reference count of @idx (tests and show commands). */
uint32_t hf_nh_refs(const struct hf_nh_table *t, uint32_t idx);

/** hf_nh_used() - entries currently referenced. */
uint32_t hf_nh_used(const struct hf_nh_table *t);

#endif /* HF_FWD_NEXTHOP_H */
