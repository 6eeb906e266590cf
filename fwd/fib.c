// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fib.c - IPv4 DIR-24-8 longest-prefix match (see fwd/fib.h).
 *
 * Entry word: bit 31 valid, bit 30 extended (tbl24 only: the low 24 bits
 * are a tbl8 group index), bits 24-29 depth of the prefix that wrote it,
 * bits 0-23 next-hop index. Updates follow the rte_lpm scheme: an add
 * writes every covered entry whose depth is not greater than its own; a
 * delete rewrites the entries that carry exactly its depth with the
 * covering shorter prefix (or invalid). A new tbl8 group is filled
 * completely before the tbl24 word that points to it is published with a
 * release store; a group whose 256 entries become identical and no deeper
 * than /24 is collapsed back into its tbl24 word and parked until a grace
 * period has passed.
 *
 * Concurrency: single writer; lock-free readers (acquire loads pair with
 * the writer's release stores). The rule hash and group free lists are
 * touched only by the writer.
 */
#include "fwd/fib.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/compiler.h"

#define E_VALID		(1u << 31)
#define E_EXT		(1u << 30)
#define E_DEPTH_SHIFT	24
#define E_DEPTH_MASK	(0x3fu << E_DEPTH_SHIFT)
#define E_VAL_MASK	0x00ffffffu

#define TBL24_SIZE	(1u << 24)
#define TBL8_SIZE	256u

struct fib_rule {
	uint32_t ip;		/* masked prefix */
	uint32_t nh;
	uint8_t depth;
	uint8_t used;
};

struct hf_fib {
	uint32_t *tbl24;
	uint32_t *tbl8;
	uint32_t ngroups;
	/* writer-private state below */
	uint32_t *free_groups;	/* stack of reusable group indices */
	uint32_t nfree;
	uint32_t *pending;	/* collapsed groups awaiting a grace period */
	uint32_t npending;
	uint32_t next_unused;	/* groups never handed out start here */
	struct fib_rule *rules;	/* open addressing, linear probing */
	uint32_t rule_mask;
	uint32_t nrules;
	uint32_t max_rules;
	uint32_t depth_count[33];
	hf_fib_sync_fn sync;
};

static inline uint32_t depth_mask(uint8_t depth)
{
	return depth ? ~0u << (32 - depth) : 0;
}

static inline uint32_t entry_make(uint8_t depth, uint32_t nh)
{
	return E_VALID | ((uint32_t)depth << E_DEPTH_SHIFT) | nh;
}

static inline uint8_t entry_depth(uint32_t e)
{
	return (uint8_t)((e & E_DEPTH_MASK) >> E_DEPTH_SHIFT);
}

/* An add of @depth may overwrite @e (an empty or shorter-or-equal route). */
static inline bool entry_overwritable(uint32_t e, uint8_t depth)
{
	return !(e & E_VALID) || entry_depth(e) <= depth;
}

static inline void entry_store(uint32_t *p, uint32_t v)
{
	/* release: a group's contents are visible before the pointer to it */
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

static inline uint32_t entry_load(const uint32_t *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

/* ---- rule hash (writer only) ---- */

static inline uint32_t rule_hash(uint32_t ip, uint8_t depth)
{
	uint64_t k = ((uint64_t)ip << 8 | depth) * 0x9e3779b97f4a7c15ULL;

	return (uint32_t)(k >> 32);
}

static struct fib_rule *rule_find(const struct hf_fib *fib, uint32_t ip,
				  uint8_t depth)
{
	uint32_t i = rule_hash(ip, depth) & fib->rule_mask;

	for (;;) {
		struct fib_rule *r = &fib->rules[i];

		if (!r->used)
			return NULL;
		if (r->ip == ip && r->depth == depth)
			return r;
		i = (i + 1) & fib->rule_mask;
	}
}

static struct fib_rule *rule_insert_slot(struct hf_fib *fib, uint32_t ip,
					 uint8_t depth)
{
	uint32_t i = rule_hash(ip, depth) & fib->rule_mask;

	while (fib->rules[i].used)
		i = (i + 1) & fib->rule_mask;
	return &fib->rules[i];
}

/* Backward-shift deletion keeps probe chains intact without tombstones. */
static void rule_remove(struct hf_fib *fib, struct fib_rule *r)
{
	uint32_t hole = (uint32_t)(r - fib->rules);
	uint32_t i = hole;

	for (;;) {
		uint32_t home;

		i = (i + 1) & fib->rule_mask;
		if (!fib->rules[i].used)
			break;
		home = rule_hash(fib->rules[i].ip, fib->rules[i].depth) &
		       fib->rule_mask;
		/* can the entry at i move back to the hole? */
		if (((i - home) & fib->rule_mask) >=
		    ((i - hole) & fib->rule_mask)) {
			fib->rules[hole] = fib->rules[i];
			hole = i;
		}
	}
	fib->rules[hole].used = 0;
}

/* Longest rule strictly shorter than @depth that covers @ip. */
static const struct fib_rule *rule_parent(const struct hf_fib *fib,
					  uint32_t ip, uint8_t depth)
{
	int d;

	for (d = depth - 1; d >= 0; d--) {
		const struct fib_rule *r;

		if (!fib->depth_count[d])
			continue;
		r = rule_find(fib, ip & depth_mask((uint8_t)d), (uint8_t)d);
		if (r)
			return r;
	}
	return NULL;
}

/* ---- tbl8 groups (writer only) ---- */

static int group_alloc(struct hf_fib *fib, uint32_t *g)
{
	if (!fib->nfree && fib->npending)
		hf_fib_reclaim(fib);
	if (fib->nfree) {
		*g = fib->free_groups[--fib->nfree];
		return 0;
	}
	if (fib->next_unused < fib->ngroups) {
		*g = fib->next_unused++;
		return 0;
	}
	return -ENOSPC;
}

void hf_fib_reclaim(struct hf_fib *fib)
{
	if (!fib->npending)
		return;
	if (fib->sync)
		fib->sync();
	memcpy(fib->free_groups + fib->nfree, fib->pending,
	       fib->npending * sizeof(*fib->pending));
	fib->nfree += fib->npending;
	fib->npending = 0;
}

/* Collapse group @g behind tbl24 slot @i if all its entries agree. */
static void group_try_collapse(struct hf_fib *fib, uint32_t i, uint32_t g)
{
	const uint32_t *grp = fib->tbl8 + (size_t)g * TBL8_SIZE;
	uint32_t first = grp[0];
	uint32_t k;

	if ((first & E_VALID) && entry_depth(first) > 24)
		return;
	for (k = 1; k < TBL8_SIZE; k++)
		if (grp[k] != first)
			return;
	entry_store(&fib->tbl24[i], first);
	fib->pending[fib->npending++] = g;
}

/* ---- public API ---- */

int hf_fib_create(struct hf_fib **out, uint32_t max_rules,
		  uint32_t tbl8_groups, hf_fib_sync_fn sync)
{
	struct hf_fib *fib;
	uint32_t slots = 16;

	if (!max_rules || !tbl8_groups || max_rules > (1u << 28) ||
	    tbl8_groups > E_VAL_MASK)
		return -EINVAL;
	while (slots < max_rules * 2)
		slots <<= 1;
	fib = calloc(1, sizeof(*fib));
	if (!fib)
		return -ENOMEM;
	/* calloc'd tables are mmap'd zero pages: memory is committed only
	 * for the /24 ranges that routes actually cover */
	fib->tbl24 = calloc(TBL24_SIZE, sizeof(*fib->tbl24));
	fib->tbl8 = calloc((size_t)tbl8_groups * TBL8_SIZE,
			   sizeof(*fib->tbl8));
	fib->free_groups = calloc(tbl8_groups, sizeof(*fib->free_groups));
	fib->pending = calloc(tbl8_groups, sizeof(*fib->pending));
	fib->rules = calloc(slots, sizeof(*fib->rules));
	if (!fib->tbl24 || !fib->tbl8 || !fib->free_groups || !fib->pending ||
	    !fib->rules) {
		hf_fib_destroy(fib);
		return -ENOMEM;
	}
	fib->ngroups = tbl8_groups;
	fib->rule_mask = slots - 1;
	fib->max_rules = max_rules;
	fib->sync = sync;
	*out = fib;
	return 0;
}

void hf_fib_destroy(struct hf_fib *fib)
{
	if (!fib)
		return;
	free(fib->tbl24);
	free(fib->tbl8);
	free(fib->free_groups);
	free(fib->pending);
	free(fib->rules);
	free(fib);
}

/* Write @val into the entries of group @g in [@lo, @hi) it may cover. */
static void group_write(struct hf_fib *fib, uint32_t g, uint32_t lo,
			uint32_t hi, uint8_t depth, uint32_t val)
{
	uint32_t *grp = fib->tbl8 + (size_t)g * TBL8_SIZE;
	uint32_t k;

	for (k = lo; k < hi; k++)
		if (entry_overwritable(grp[k], depth))
			entry_store(&grp[k], val);
}

static int fib_install_short(struct hf_fib *fib, uint32_t ip, uint8_t depth,
			     uint32_t val)
{
	uint32_t first = ip >> 8;
	uint32_t last = first + (1u << (24 - depth));
	uint32_t i;

	for (i = first; i < last; i++) {
		uint32_t e = fib->tbl24[i];

		if (e & E_EXT)
			group_write(fib, e & E_VAL_MASK, 0, TBL8_SIZE, depth,
				    val);
		else if (entry_overwritable(e, depth))
			entry_store(&fib->tbl24[i], val);
	}
	return 0;
}

static int fib_install_long(struct hf_fib *fib, uint32_t ip, uint8_t depth,
			    uint32_t val)
{
	uint32_t i = ip >> 8;
	uint32_t lo = ip & 0xff;
	uint32_t hi = lo + (1u << (32 - depth));
	uint32_t e = fib->tbl24[i];
	uint32_t g, k, *grp;
	int err;

	if (e & E_EXT) {
		group_write(fib, e & E_VAL_MASK, lo, hi, depth, val);
		return 0;
	}
	err = group_alloc(fib, &g);
	if (err)
		return err;
	/* build the whole group privately, then publish it */
	grp = fib->tbl8 + (size_t)g * TBL8_SIZE;
	for (k = 0; k < TBL8_SIZE; k++)
		grp[k] = (k >= lo && k < hi) ? val : e;
	entry_store(&fib->tbl24[i], E_VALID | E_EXT | g);
	return 0;
}

int hf_fib_add(struct hf_fib *fib, uint32_t ip, uint8_t depth, uint32_t nh,
	       uint32_t *old_nh)
{
	struct fib_rule *r;
	uint32_t val;
	int err;

	if (depth > 32 || nh > HF_FIB_NH_MAX)
		return -EINVAL;
	ip &= depth_mask(depth);
	val = entry_make(depth, nh);
	r = rule_find(fib, ip, depth);
	if (old_nh)
		*old_nh = r ? r->nh : UINT32_MAX;
	if (!r && fib->nrules >= fib->max_rules)
		return -ENOSPC;
	if (depth <= 24)
		err = fib_install_short(fib, ip, depth, val);
	else
		err = fib_install_long(fib, ip, depth, val);
	if (err)
		return err;
	if (!r) {
		r = rule_insert_slot(fib, ip, depth);
		r->ip = ip;
		r->depth = depth;
		r->used = 1;
		fib->nrules++;
		fib->depth_count[depth]++;
	}
	r->nh = nh;
	return 0;
}

/* Replace entries that carry exactly @depth in group @g, range [lo,hi). */
static void group_replace_depth(struct hf_fib *fib, uint32_t g, uint32_t lo,
				uint32_t hi, uint8_t depth, uint32_t repl)
{
	uint32_t *grp = fib->tbl8 + (size_t)g * TBL8_SIZE;
	uint32_t k;

	for (k = lo; k < hi; k++)
		if ((grp[k] & E_VALID) && entry_depth(grp[k]) == depth)
			entry_store(&grp[k], repl);
}

int hf_fib_del(struct hf_fib *fib, uint32_t ip, uint8_t depth,
	       uint32_t *old_nh)
{
	const struct fib_rule *parent;
	struct fib_rule *r;
	uint32_t repl = 0, i, e;

	if (depth > 32)
		return -EINVAL;
	ip &= depth_mask(depth);
	r = rule_find(fib, ip, depth);
	if (!r)
		return -ENOENT;
	if (old_nh)
		*old_nh = r->nh;
	parent = rule_parent(fib, ip, depth);
	if (parent)
		repl = entry_make(parent->depth, parent->nh);

	if (depth <= 24) {
		uint32_t first = ip >> 8;
		uint32_t last = first + (1u << (24 - depth));

		for (i = first; i < last; i++) {
			e = fib->tbl24[i];
			if (e & E_EXT) {
				group_replace_depth(fib, e & E_VAL_MASK, 0,
						    TBL8_SIZE, depth, repl);
				group_try_collapse(fib, i, e & E_VAL_MASK);
			} else if ((e & E_VALID) && entry_depth(e) == depth) {
				entry_store(&fib->tbl24[i], repl);
			}
		}
	} else {
		uint32_t lo = ip & 0xff;

		i = ip >> 8;
		e = fib->tbl24[i];
		/* a rule deeper than /24 always lives in a group */
		group_replace_depth(fib, e & E_VAL_MASK, lo,
				    lo + (1u << (32 - depth)), depth, repl);
		group_try_collapse(fib, i, e & E_VAL_MASK);
	}
	fib->depth_count[depth]--;
	fib->nrules--;
	rule_remove(fib, r);
	return 0;
}

int hf_fib_get(const struct hf_fib *fib, uint32_t ip, uint8_t depth,
	       uint32_t *nh)
{
	const struct fib_rule *r;

	if (depth > 32)
		return -EINVAL;
	r = rule_find(fib, ip & depth_mask(depth), depth);
	if (!r)
		return -ENOENT;
	*nh = r->nh;
	return 0;
}

int hf_fib_lookup(const struct hf_fib *fib, uint32_t ip, uint32_t *nh)
{
	uint32_t e = entry_load(&fib->tbl24[ip >> 8]);

	if (e & E_EXT)
		e = entry_load(&fib->tbl8[(size_t)(e & E_VAL_MASK) * TBL8_SIZE +
					  (ip & 0xff)]);
	if (unlikely(!(e & E_VALID)))
		return -ENOENT;
	*nh = e & E_VAL_MASK;
	return 0;
}

void hf_fib_walk(const struct hf_fib *fib,
		 void (*fn)(uint32_t ip, uint8_t depth, uint32_t nh, void *arg),
		 void *arg)
{
	uint32_t i;

	for (i = 0; i <= fib->rule_mask; i++)
		if (fib->rules[i].used)
			fn(fib->rules[i].ip, fib->rules[i].depth,
			   fib->rules[i].nh, arg);
}

uint32_t hf_fib_count(const struct hf_fib *fib)
{
	return fib->nrules;
}

uint32_t hf_fib_tbl8_used(const struct hf_fib *fib)
{
	return fib->next_unused - fib->nfree;
}
