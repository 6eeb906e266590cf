/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fwd/session.h - the session table: one entry per flow, found from
 * either direction, created by workers without locks and expired by a
 * single reaper thread.
 *
 * Layout: a pool of max sessions allocated once. Each session has two
 * hash nodes (orig and reply key) in a liburcu lock-free hash; the node
 * array runs parallel to the session array, so a node's position gives
 * its session and direction without any pointer in the node.
 *
 * Ownership of slots: the pool is split evenly between workers; worker
 * w takes free slots from its own single-producer/single-consumer ring,
 * so creating a session needs no lock and no shared counter. Only the
 * reaper (mprelay: ager, `clear sessions`, policy re-evaluation) unlinks
 * sessions; it hands the slots back to their worker's ring after an RCU
 * grace period. Hence "table full" is per worker: with W workers each
 * one holds at most max/W sessions (RSS spreads flows evenly).
 *
 * Concurrency:
 *  - hf_sess_lookup/hf_sess_create/hf_sess_touch: workers, RCU-online.
 *  - hf_sess_reap_*, hf_sess_clear: one reaper thread at a time,
 *    registered with RCU and offline between calls.
 *  - hf_sess_foreach/hf_sess_get/hf_sess_info: any RCU-online thread;
 *    the fields they read are atomics (a snapshot, not a transaction).
 */
#ifndef HF_FWD_SESSION_H
#define HF_FWD_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/compiler.h"
#include "common/rcu.h"
#include "control/config.h"
#include "fwd/tcp_state.h"

/* A direction's 5-tuple plus ingress zone, host byte order. ICMP echo:
 * the identifier is sport of a request and dport of a reply, so the two
 * keys of one exchange are each other's mirror. pad must be zero. */
struct hf_sess_key {
	uint32_t saddr;
	uint32_t daddr;
	uint16_t sport;
	uint16_t dport;
	uint8_t proto;
	uint8_t zone;
	uint16_t pad;
};

/* Timeout classes: enum hf_sess_timeout, HF_SESS_TIMEOUTS in
 * control/config.h (the config names them). */

/* session flags (atomic) */
#define HF_SESS_LINKED	0x01	/* both nodes in the hash: live */
#define HF_SESS_REPLIED	0x02	/* a packet went the reply way */
#define HF_SESS_DOOMED	0x04	/* expire at the next reaper pass */

#define HF_SESS_RULE_DEFAULT	0xffff	/* allowed by the default action */

/*
 * One cache line: what a packet of the session reads and writes. Its id,
 * owner and creation time are derived (hf_sess_id, hf_sess_owner,
 * hf_sess_created_ns): a lookup touches bucket, node and this line.
 */
struct hf_session {
	uint64_t last_ns;	/* atomic: last packet, either way */
	uint64_t pkts[2];	/* atomic, by enum hf_dir */
	uint64_t bytes[2];	/* atomic */
	uint64_t sync_seq;	/* atomic: change sequence (HA) */
	uint32_t gen;		/* atomic: slot generation, part of the id */
	uint32_t created_s;	/* monotonic clock, seconds */
	uint16_t rule;		/* policy rule index, HF_SESS_RULE_DEFAULT */
	uint8_t port[2];	/* ingress port of each direction (the
				 * reply's: the orig egress port) */
	uint8_t state;		/* atomic: enum hf_tcp_state for TCP */
	uint8_t flags;		/* atomic: HF_SESS_* */
	uint8_t proto;
	uint8_t pad;
} __hf_cacheline_aligned;

struct hf_sess_params {
	uint32_t max;		/* sessions in all */
	uint32_t nworkers;	/* pools: max / nworkers each */
	uint64_t timeout_ns[HF_TO_MAX];
	void (*sync)(void);	/* grace period; NULL: synchronize_rcu */
	uint32_t sync_ring;	/* HA sync: changes noted per worker and
				 * deletions (power of two); 0: off */
};

struct hf_sess_table;

/* Live totals, from per-worker counters (approximate while running). */
struct hf_sess_info {
	uint64_t live;
	uint64_t created;	/* since start */
	uint64_t freed;
	uint64_t capacity;
	uint64_t bytes_per_session;	/* everything allocated per slot */
	uint64_t memory;		/* total bytes of the table */
	bool burst_prefetch;		/* liburcu's bucket array found:
					 * hf_sess_lookup_burst prefetches */
	int64_t bucket_huge;		/* bytes of it made huge pages, or
					 * -errno */
};

/**
 * hf_sess_table_create() - allocate the pool, the free rings and a hash
 * sized for 2 x max nodes (never resized). Return: 0 or -errno.
 */
int hf_sess_table_create(struct hf_sess_table **out,
			 const struct hf_sess_params *p);

/** hf_sess_table_destroy() - free everything; nobody may use @t. */
void hf_sess_table_destroy(struct hf_sess_table *t);

/** hf_sess_key_reverse() - the key of the opposite direction. */
static inline struct hf_sess_key hf_sess_key_reverse(
	const struct hf_sess_key *k, uint8_t zone)
{
	struct hf_sess_key r = {
		.saddr = k->daddr, .daddr = k->saddr,
		.sport = k->dport, .dport = k->sport,
		.proto = k->proto, .zone = zone,
	};

	return r;
}

/** hf_sess_timeout_class() - which timeout applies to @s now. */
enum hf_sess_timeout hf_sess_timeout_class(uint8_t proto, uint8_t state);

/** hf_sess_timeout_name() - "tcp-established", ... */
const char *hf_sess_timeout_name(enum hf_sess_timeout c);

/** hf_sess_timeout_default() - the default timeout of @c in seconds. */
uint32_t hf_sess_timeout_default(enum hf_sess_timeout c);

/**
 * hf_sess_lookup() - the live session with @k as one of its keys, and
 * which direction @k is (*@dir), or NULL.
 */
struct hf_session *hf_sess_lookup(struct hf_sess_table *t,
				  const struct hf_sess_key *k,
				  enum hf_dir *dir);

/* the most keys one hf_sess_lookup_burst() takes */
#define HF_SESS_BURST_MAX	256

/**
 * hf_sess_lookup_burst() - hf_sess_lookup() of the @n (at most
 * HF_SESS_BURST_MAX) keys @keys[] at once, NULL entries skipped: the
 * cache misses of all of them are in flight together, and every session
 * found is prefetched for writing. Gives @out[i] (NULL: no live session)
 * and @dir[i] (an enum hf_dir).
 */
void hf_sess_lookup_burst(struct hf_sess_table *t,
			  const struct hf_sess_key *const keys[], uint32_t n,
			  struct hf_session *out[], uint8_t dir[]);

enum hf_sess_create_result {
	HF_SESS_CREATED,	/* new session, @orig is HF_DIR_ORIG */
	HF_SESS_RACED,		/* another worker created it first */
	HF_SESS_FULL,		/* this worker's pool is empty */
	HF_SESS_CONFLICT,	/* the reply key belongs to another flow */
};

/**
 * hf_sess_create() - worker @worker makes a session for @orig whose
 * replies will arrive in zone @reply_zone, or finds the one another
 * worker made at the same moment (*@dir tells the direction of @orig in
 * it). @state is the initial TCP state; @in_port the ingress port and
 * @out_port the egress one (where replies are expected); @rule the
 * policy rule (HF_SESS_RULE_DEFAULT: the default action).
 * Return: the session, or NULL with *@res FULL or CONFLICT.
 */
struct hf_session *hf_sess_create(struct hf_sess_table *t, uint32_t worker,
				  const struct hf_sess_key *orig,
				  uint8_t reply_zone, uint8_t in_port,
				  uint8_t out_port, uint8_t state, uint16_t rule,
				  uint64_t now, enum hf_sess_create_result *res,
				  enum hf_dir *dir);

/**
 * hf_sess_touch() - count a packet of @len bytes going @dir at @now.
 * The timestamp is written at most once per millisecond.
 */
static inline void hf_sess_touch(struct hf_session *s, enum hf_dir dir,
				 uint32_t len, uint64_t now)
{
	__atomic_fetch_add(&s->pkts[dir], 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&s->bytes[dir], len, __ATOMIC_RELAXED);
	if (now - __atomic_load_n(&s->last_ns, __ATOMIC_RELAXED) > 1000000)
		__atomic_store_n(&s->last_ns, now, __ATOMIC_RELAXED);
}

/** hf_sess_id() - the id of @s: generation << 32 | slot + 1. */
uint64_t hf_sess_id(const struct hf_sess_table *t, const struct hf_session *s);

/** hf_sess_owner() - the worker whose pool holds @s. */
uint32_t hf_sess_owner(const struct hf_sess_table *t,
		       const struct hf_session *s);

/** hf_sess_created_ns() - when @s was made (to the second). */
static inline uint64_t hf_sess_created_ns(const struct hf_session *s)
{
	return (uint64_t)s->created_s * 1000000000ULL;
}

/** hf_sess_key_of() - copy the key of direction @dir of @s. */
void hf_sess_key_of(const struct hf_sess_table *t, const struct hf_session *s,
		    enum hf_dir dir, struct hf_sess_key *out);

/** hf_sess_expires_ns() - when @s expires if no packet comes. */
uint64_t hf_sess_expires_ns(const struct hf_sess_table *t,
			    const struct hf_session *s);

/* ---- reaper side ---- */

/**
 * hf_sess_reap_expired() - look at up to @budget slots from where the
 * last call stopped (wrapping), unlink every expired or doomed session,
 * wait for a grace period and return the slots to their workers.
 * Call RCU-offline. Return: sessions removed.
 */
uint32_t hf_sess_reap_expired(struct hf_sess_table *t, uint64_t now,
			      uint32_t budget);

/**
 * hf_sess_clear() - remove every live session for which @match returns
 * true (all if @match is NULL), like hf_sess_reap_expired. Call
 * RCU-offline; @match runs RCU-online. Return: sessions removed.
 */
uint32_t hf_sess_clear(struct hf_sess_table *t,
		       bool (*match)(const struct hf_sess_table *t,
				     const struct hf_session *s, void *arg),
		       void *arg);

/* ---- readers (CLI) ---- */

/**
 * hf_sess_foreach() - call @fn for every live session in slot order
 * until it returns false. Caller is RCU-online.
 */
void hf_sess_foreach(const struct hf_sess_table *t,
		     bool (*fn)(const struct hf_sess_table *t,
				const struct hf_session *s, void *arg),
		     void *arg);

/** hf_sess_get() - the live session with @id, or NULL. RCU-online. */
const struct hf_session *hf_sess_get(const struct hf_sess_table *t,
				     uint64_t id);

/** hf_sess_info() - table totals. */
void hf_sess_info(const struct hf_sess_table *t, struct hf_sess_info *out);

/** hf_sess_params_of() - the parameters @t was made with. */
const struct hf_sess_params *hf_sess_params_of(const struct hf_sess_table *t);

/* ---- HA session sync (dssd) ----
 *
 * The active node's workers note each session they create or whose TCP
 * state they move (hf_sess_sync_note: a slot index into a per-worker
 * SPSC ring); the reaper notes each session it unlinks (its orig key
 * into one SPSC ring); dssd drains both and sends records made by
 * hf_sess_export. The passive node's dssd installs records with
 * hf_sess_install, taking slots from a worker's free ring: it may do so
 * only while that node's workers create no sessions (it is not active),
 * so each ring still has one consumer at a time. Lost notes (a full
 * ring, counted) are caught up by dssd's periodic refresh and by bulk
 * syncs.
 */

/* A session as HA2 carries it. */
struct hf_sess_record {
	struct hf_sess_key key[2];	/* by enum hf_dir */
	uint8_t state;			/* enum hf_tcp_state (TCP) */
	bool replied;			/* HF_SESS_REPLIED */
	uint16_t rule;
	uint8_t port[2];		/* by enum hf_dir */
	uint64_t pkts[2];
	uint64_t bytes[2];
	uint32_t remaining_ms;		/* of its current timeout */
	uint32_t age_s;
	uint64_t seq;			/* the session's sync_seq */
};

/**
 * hf_sess_sync_note() - worker @worker changed @s (made it, moved its
 * TCP state): queue it for dssd (nothing when sync is off). Return:
 * false if the ring is full (the note is lost: dssd's refresh catches
 * up).
 */
bool hf_sess_sync_note(struct hf_sess_table *t, uint32_t worker,
		       const struct hf_session *s);

/** hf_sess_sync_drain() - dssd: up to @max noted slots of @worker. */
uint32_t hf_sess_sync_drain(struct hf_sess_table *t, uint32_t worker,
			    uint32_t *slot, uint32_t max);

/** hf_sess_sync_drain_deleted() - dssd: up to @max unlinked orig keys. */
uint32_t hf_sess_sync_drain_deleted(struct hf_sess_table *t,
				    struct hf_sess_key *key, uint32_t max);

/** hf_sess_sync_lost() - notes and deletions lost to full rings. */
uint64_t hf_sess_sync_lost(const struct hf_sess_table *t);

/**
 * hf_sess_export() - the record of slot @slot at @now_ns. RCU-online.
 * Return: 0, or -ENOENT if the slot holds no live session.
 */
int hf_sess_export(const struct hf_sess_table *t, uint32_t slot,
		   uint64_t now_ns, struct hf_sess_record *out);

/** hf_sess_capacity() - number of slots (what hf_sess_export takes). */
uint32_t hf_sess_capacity(const struct hf_sess_table *t);

/**
 * hf_sess_install() - passive node: make @rec's session, in the pool of
 * worker @worker, or bring the existing one up to date (state, counters,
 * rule, expiry = @now_ns + remaining). RCU-online, and only while no
 * worker of this node creates sessions (see above).
 * Return: 0 made, 1 updated, -ENOSPC pool full, -EEXIST a key belongs
 * to another session, -EINVAL a record whose keys do not mirror.
 */
int hf_sess_install(struct hf_sess_table *t, uint32_t worker,
		    const struct hf_sess_record *rec, uint64_t now_ns);

/**
 * hf_sess_expire() - passive node: the session with orig key @k ended
 * on the active; it expires now (the reaper unlinks it on its next
 * pass; until then a packet would revive it). RCU-online.
 * Return: 0, or -ENOENT.
 */
int hf_sess_expire(struct hf_sess_table *t, const struct hf_sess_key *k);

#endif /* HF_FWD_SESSION_H */
