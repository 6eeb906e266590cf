/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fwd/neigh.h - IPv4 neighbour (ARP) table and its state machine.
 *
 * An entry maps (port, IPv4 address) to a MAC. Its state is not stored
 * but derived from timestamps, so no timer has to run for it to age:
 *
 *   INCOMPLETE  created by a resolution request, no MAC yet
 *   REACHABLE   MAC confirmed less than reachable_ns ago
 *   STALE       MAC older than that; still used, and a worker using it
 *               sends a probe (at most one per probe_interval_ns)
 *   FAILED      INCOMPLETE past resolve_timeout_ns, or STALE with
 *               max_probes unanswered probes: the gc deletes it
 *   PERMANENT   configured statically, never ages
 *
 * Concurrency: the mprelay thread is the only writer (create, learn,
 * delete, gc), RCU-online around table changes; entries are freed with
 * call_rcu. Workers look entries up while RCU-online and touch only the
 * two atomic probe fields (hf_neigh_claim_probe()). A MAC change replaces
 * the whole entry, so a reader never sees a torn MAC. dssd walks the
 * table read-only (hf_neigh_walk, RCU-online) for a bulk sync to the HA
 * peer; what the peer sends is applied by mprelay (hf_neigh_install).
 */
#ifndef HF_FWD_NEIGH_H
#define HF_FWD_NEIGH_H

#include <stdbool.h>
#include <stdint.h>

#include "common/rcu.h"

enum hf_neigh_state {
	HF_NEIGH_INCOMPLETE,
	HF_NEIGH_REACHABLE,
	HF_NEIGH_STALE,
	HF_NEIGH_FAILED,
	HF_NEIGH_PERMANENT,
};

struct hf_neigh_params {
	uint64_t reachable_ns;		/* REACHABLE -> STALE */
	uint64_t stale_keep_ns;		/* unused STALE entry -> deleted */
	uint64_t resolve_timeout_ns;	/* INCOMPLETE -> FAILED */
	uint64_t probe_interval_ns;	/* min gap between probes */
	uint32_t max_probes;		/* unanswered STALE probes -> FAILED */
};

struct hf_neigh {
	struct cds_lfht_node node;
	uint32_t ip;			/* host order */
	uint16_t port;
	uint8_t mac[6];
	bool has_mac;
	bool permanent;
	uint64_t created_ns;
	uint64_t confirmed_ns;		/* atomic: refreshed in place */
	uint64_t probe_ns;		/* atomic: last probe (CAS by workers) */
	uint32_t probes;		/* atomic: probes since confirmation */
	uint64_t synced_ns;		/* writer only: last told to the HA
					 * peer (hf_neigh_sync_due), 0: never */
	struct rcu_head rcu;
};

/* Why a learn request was refused (each is its own counter). */
enum hf_neigh_learn_result {
	HF_NEIGH_LEARN_CREATED,
	HF_NEIGH_LEARN_UPDATED,
	HF_NEIGH_LEARN_REFRESHED,
	HF_NEIGH_LEARN_BAD_MAC,		/* multicast, broadcast or zero */
	HF_NEIGH_LEARN_UNSOLICITED,	/* no entry and not asked to create */
	HF_NEIGH_LEARN_STATIC,		/* permanent entries are not learned */
	HF_NEIGH_LEARN_NOMEM,
	HF_NEIGH_LEARN_FULL,
};

struct hf_neigh_table;

int hf_neigh_table_create(struct hf_neigh_table **out, uint32_t max,
			  const struct hf_neigh_params *params);
/** Frees all entries; no reader may be running. */
void hf_neigh_table_destroy(struct hf_neigh_table *t);

const struct hf_neigh_params *hf_neigh_params(const struct hf_neigh_table *t);

/**
 * hf_neigh_state_at() - the state of @n at time @now. Pure.
 */
enum hf_neigh_state hf_neigh_state_at(const struct hf_neigh *n, uint64_t now,
				      const struct hf_neigh_params *p);

/** hf_neigh_usable() - true if @n has a MAC packets may be sent to. */
static inline bool hf_neigh_usable(enum hf_neigh_state s)
{
	return s == HF_NEIGH_REACHABLE || s == HF_NEIGH_STALE ||
	       s == HF_NEIGH_PERMANENT;
}

/**
 * hf_neigh_claim_probe() - called by a worker about to use @n: returns
 * true if this caller must send an ARP request now (INCOMPLETE, or STALE
 * and probing is due). At most one caller per probe interval wins,
 * whichever worker it runs on.
 */
bool hf_neigh_claim_probe(struct hf_neigh *n, uint64_t now,
			  const struct hf_neigh_params *p);

/** hf_neigh_lookup() - entry for (@port, @ip) or NULL. RCU-online. */
struct hf_neigh *hf_neigh_lookup(struct hf_neigh_table *t, uint16_t port,
				 uint32_t ip);

/**
 * hf_neigh_learn() - record that @ip on @port has @mac (from an ARP reply,
 * or a request addressed to us). Creates the entry only if @may_create,
 * otherwise only completes or refreshes an existing one. Writer only,
 * RCU-online.
 */
enum hf_neigh_learn_result hf_neigh_learn(struct hf_neigh_table *t,
					  uint16_t port, uint32_t ip,
					  const uint8_t mac[6], bool may_create,
					  uint64_t now);

/**
 * hf_neigh_resolve() - create an INCOMPLETE entry for (@port, @ip) if none
 * exists, so that replies are accepted. Writer only, RCU-online.
 * Return: 0, -EEXIST, -ENOSPC, -ENOMEM.
 */
int hf_neigh_resolve(struct hf_neigh_table *t, uint16_t port, uint32_t ip,
		     uint64_t now);

/** hf_neigh_add_static() - add or replace a PERMANENT entry. */
int hf_neigh_add_static(struct hf_neigh_table *t, uint16_t port, uint32_t ip,
			const uint8_t mac[6], uint64_t now);

/**
 * hf_neigh_sync_due() - after a successful learn of (@port, @ip): should
 * the HA peer hear of the entry now? Yes for a learned (not permanent)
 * entry with a MAC that the peer was not told of within the last half
 * reachable time (new entry, new MAC, or a confirmation that keeps the
 * peer's copy from going stale); its sync time is then set to @now.
 * Return: the entry to tell of, or NULL. Writer only, RCU-online.
 */
const struct hf_neigh *hf_neigh_sync_due(struct hf_neigh_table *t,
					 uint16_t port, uint32_t ip,
					 uint64_t now);

/**
 * hf_neigh_install() - add or update (@port, @ip) -> @mac as the HA peer
 * reported it: REACHABLE as of @now, or already STALE if @stale. A
 * refresh never moves the confirmation time back. Permanent entries are
 * left alone. Writer only, RCU-online.
 * Return: 0 created, 1 updated or refreshed, -EINVAL (multicast,
 * broadcast or zero MAC), -EPERM (a permanent entry), -ENOSPC, -ENOMEM.
 */
int hf_neigh_install(struct hf_neigh_table *t, uint16_t port, uint32_t ip,
		     const uint8_t mac[6], bool stale, uint64_t now);

/** hf_neigh_del() - delete (@port, @ip). 0 or -ENOENT. Writer, online. */
int hf_neigh_del(struct hf_neigh_table *t, uint16_t port, uint32_t ip);

/** hf_neigh_flush_port() - delete every entry on @port. Writer, online. */
void hf_neigh_flush_port(struct hf_neigh_table *t, uint16_t port);

/**
 * hf_neigh_gc() - delete FAILED entries and unused STALE ones.
 * Writer, RCU-online. Return: how many were deleted.
 */
uint32_t hf_neigh_gc(struct hf_neigh_table *t, uint64_t now);

/**
 * hf_neigh_gc_notify() - hf_neigh_gc() that calls @gone (if not NULL)
 * for each entry it deletes, just before the deletion.
 */
uint32_t hf_neigh_gc_notify(struct hf_neigh_table *t, uint64_t now,
			    void (*gone)(const struct hf_neigh *n, void *arg),
			    void *arg);

/** hf_neigh_walk() - call @fn for each entry. RCU-online. */
void hf_neigh_walk(struct hf_neigh_table *t,
		   void (*fn)(const struct hf_neigh *n, void *arg), void *arg);

/** hf_neigh_count() - entries in the table; any thread. */
uint32_t hf_neigh_count(const struct hf_neigh_table *t);

#endif /* HF_FWD_NEIGH_H */
