/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fwd/fib.h - IPv4 longest-prefix-match FIB (DIR-24-8).
 *
 * A lookup is one load from a 2^24-entry table indexed by the top 24 bits
 * of the address and, for prefixes longer than /24, a second load from a
 * 256-entry "tbl8" group. Each entry is one 32-bit word (valid, extended,
 * depth, next-hop index), so it is always written with a single atomic
 * store and a reader sees either the old or the new route, never a mix.
 *
 * Concurrency: one writer (the mprelay thread) calls add/del/replace;
 * any number of RCU-QSBR readers call hf_fib_lookup() while online. A
 * tbl8 group that a delete empties is not reused until the writer's
 * @sync hook (synchronize_rcu in the daemon) has returned, so a reader
 * still walking it never sees it refilled with another prefix.
 * The exact-match rule table (the RIB) is private to the writer.
 */
#ifndef HF_FWD_FIB_H
#define HF_FWD_FIB_H

#include <stdbool.h>
#include <stdint.h>

#define HF_FIB_NH_MAX	((1u << 24) - 1)	/* next-hop index bits */

struct hf_fib;

/** Called by the writer before reusing a freed tbl8 group. */
typedef void (*hf_fib_sync_fn)(void);

/**
 * hf_fib_create() - allocate an empty FIB.
 * @out: the new FIB.
 * @max_rules: how many prefixes it may hold (e.g. 2M for a full table).
 * @tbl8_groups: how many /25-/32 groups it may hold (one per /24 that
 *	contains a longer prefix).
 * @sync: grace-period hook, or NULL when there are no concurrent readers.
 * Return: 0, -EINVAL for a zero size, -ENOMEM.
 */
int hf_fib_create(struct hf_fib **out, uint32_t max_rules,
		  uint32_t tbl8_groups, hf_fib_sync_fn sync);

void hf_fib_destroy(struct hf_fib *fib);

/**
 * hf_fib_add() - add @ip/@depth -> @nh, or replace the next hop of an
 * existing prefix. Host bits of @ip are ignored. Writer only.
 * @old_nh: if non-NULL, set to the replaced next hop, or UINT32_MAX.
 * Return: 0, -EINVAL (depth > 32, nh > HF_FIB_NH_MAX), -ENOSPC (rule
 * table or tbl8 groups exhausted; the FIB is unchanged).
 */
int hf_fib_add(struct hf_fib *fib, uint32_t ip, uint8_t depth, uint32_t nh,
	       uint32_t *old_nh);

/**
 * hf_fib_del() - remove @ip/@depth; addresses it covered fall back to the
 * next shorter prefix. Writer only.
 * @old_nh: if non-NULL, set to the removed next hop.
 * Return: 0, -EINVAL, -ENOENT when the prefix is not in the table.
 */
int hf_fib_del(struct hf_fib *fib, uint32_t ip, uint8_t depth,
	       uint32_t *old_nh);

/** hf_fib_get() - exact-match a prefix (writer side). 0 or -ENOENT. */
int hf_fib_get(const struct hf_fib *fib, uint32_t ip, uint8_t depth,
	       uint32_t *nh);

/**
 * hf_fib_lookup() - longest-prefix match of @ip (host order).
 * Caller is RCU-online (or is the writer).
 * Return: 0 with *@nh set, or -ENOENT when no prefix covers @ip.
 */
int hf_fib_lookup(const struct hf_fib *fib, uint32_t ip, uint32_t *nh);

/** hf_fib_walk() - call @fn for each prefix (unordered). Writer only. */
void hf_fib_walk(const struct hf_fib *fib,
		 void (*fn)(uint32_t ip, uint8_t depth, uint32_t nh, void *arg),
		 void *arg);

/** hf_fib_count() - number of prefixes. Writer only. */
uint32_t hf_fib_count(const struct hf_fib *fib);

/** hf_fib_tbl8_used() - tbl8 groups in use (incl. awaiting a grace period). */
uint32_t hf_fib_tbl8_used(const struct hf_fib *fib);

/**
 * hf_fib_reclaim() - make groups freed by deletes reusable now: calls the
 * sync hook once if any group is waiting. Writer only, RCU-offline.
 */
void hf_fib_reclaim(struct hf_fib *fib);

#endif /* HF_FWD_FIB_H */
