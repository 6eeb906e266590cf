// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * hold.c - packets parked while their next hop resolves (see fwd/hold.h).
 * A linear scan of 64 slots is cheaper than any hash at this size and
 * runs only for packets whose next hop is unresolved.
 */
#include "fwd/hold.h"

#include <string.h>

#include "common/compiler.h"

void hf_hold_init(struct hf_hold *h, uint32_t per_slot)
{
	memset(h, 0, sizeof(*h));
	h->per_slot = HF_MIN(per_slot, HF_HOLD_PER_SLOT_MAX);
}

enum hf_hold_result hf_hold_add(struct hf_hold *h, uint16_t port,
				uint32_t ip, uint64_t addr, uint32_t len,
				uint64_t now)
{
	struct hf_hold_slot *free_slot = NULL, *s;
	uint32_t i;

	for (i = 0; i < HF_HOLD_SLOTS; i++) {
		s = &h->slot[i];
		if (!s->ip) {
			if (!free_slot)
				free_slot = s;
			continue;
		}
		if (s->ip != ip || s->port != port)
			continue;
		if (s->n >= h->per_slot)
			return HF_HOLD_FULL;
		s->frame[s->n] = addr;
		s->len[s->n++] = len;
		h->frames++;
		return HF_HOLD_QUEUED;
	}
	if (!free_slot || !h->per_slot)
		return HF_HOLD_FULL;
	s = free_slot;
	s->ip = ip;
	s->port = port;
	s->first_ns = now;
	s->resolve_ns = now;
	s->frame[0] = addr;
	s->len[0] = len;
	s->n = 1;
	h->used++;
	h->frames++;
	return HF_HOLD_NEW_SLOT;
}

void hf_hold_release(struct hf_hold *h, struct hf_hold_slot *s)
{
	h->frames -= s->n;
	h->used--;
	s->ip = 0;
	s->n = 0;
}
