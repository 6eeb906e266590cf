/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fwd/hold.h - per-worker queue of packets waiting for ARP resolution.
 *
 * When the next hop of a packet has no MAC yet, the packet (already
 * routed and TTL-decremented) is parked here instead of being dropped,
 * so the first packets of a flow survive resolution. Each unresolved
 * next hop gets a slot holding up to a configured number of frames; a
 * full slot or a full table means a counted drop. The worker scans the
 * table each loop while it is not empty: a resolved slot is released, an
 * expired one is dropped.
 *
 * Concurrency: owned by one worker. Pure data structure (no I/O), so
 * the unit test drives it directly.
 */
#ifndef HF_FWD_HOLD_H
#define HF_FWD_HOLD_H

#include <stdint.h>

#define HF_HOLD_SLOTS		64
#define HF_HOLD_PER_SLOT_MAX	64

struct hf_hold_slot {
	uint32_t ip;		/* next hop, host order; 0 = slot free */
	uint16_t port;
	uint16_t n;
	uint64_t first_ns;	/* when the oldest frame was parked */
	uint64_t resolve_ns;	/* last resolution request to mprelay */
	uint64_t frame[HF_HOLD_PER_SLOT_MAX];
	uint32_t len[HF_HOLD_PER_SLOT_MAX];
};

struct hf_hold {
	uint32_t per_slot;	/* frames per slot (config arp-hold) */
	uint32_t used;		/* slots in use */
	uint32_t frames;	/* frames held in all slots */
	struct hf_hold_slot slot[HF_HOLD_SLOTS];
};

enum hf_hold_result {
	HF_HOLD_QUEUED,		/* parked in an existing slot */
	HF_HOLD_NEW_SLOT,	/* parked in a new slot: ask for resolution */
	HF_HOLD_FULL,		/* slot or table full: caller drops */
};

/** hf_hold_init() - empty table holding @per_slot frames per next hop. */
void hf_hold_init(struct hf_hold *h, uint32_t per_slot);

/** hf_hold_add() - park frame @addr/@len for (@port, @ip). */
enum hf_hold_result hf_hold_add(struct hf_hold *h, uint16_t port,
				uint32_t ip, uint64_t addr, uint32_t len,
				uint64_t now);

/** hf_hold_release() - free slot @s after its frames were taken. */
void hf_hold_release(struct hf_hold *h, struct hf_hold_slot *s);

#endif /* HF_FWD_HOLD_H */
