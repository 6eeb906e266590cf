// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * policy.c - compiled security policy (see fwd/policy.h).
 *
 * Compilation: one list of rule indices per (from, to) zone pair, zone 0
 * being "no zone"; a rule naming "any" lands in every list it can match.
 * The lists keep rule order, so the first match in a list is the first
 * match of the whole rule set.
 */
#include "fwd/policy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/compiler.h"
#include "fwd/stats.h"

#define NZ	(HF_MAX_ZONES + 1)	/* zone ids 0..HF_MAX_ZONES */

struct hf_policy {
	struct hf_cfg_policy cfg;	/* rules owned by us */
	uint8_t port_zone[HF_MAX_PORTS];
	uint32_t *list;			/* all lists, back to back */
	uint32_t start[NZ * NZ + 1];	/* list of pair i: [start[i], start[i+1]) */
	uint32_t nworkers;
	uint32_t row;			/* counters per worker row, padded */
	uint64_t *hits;			/* [worker][rule], last: default */
	struct rcu_head rcu;
};

static uint32_t mask_of(uint8_t len)
{
	return len ? ~0u << (32 - len) : 0;
}

static bool zone_ok(uint8_t rule_zone, uint8_t zone)
{
	return rule_zone == HF_ZONE_ANY || rule_zone == zone;
}

static bool rule_matches(const struct hf_cfg_rule *r,
			 const struct hf_pol_pkt *k)
{
	if ((k->src & mask_of(r->src_len)) != r->src ||
	    (k->dst & mask_of(r->dst_len)) != r->dst)
		return false;
	if (r->proto != HF_PROTO_ANY && r->proto != k->proto)
		return false;
	if (r->has_dport &&
	    (!k->has_ports || k->dport < r->dport_lo || k->dport > r->dport_hi))
		return false;
	return true;
}

static uint32_t pair_of(uint8_t from, uint8_t to)
{
	return (uint32_t)from * NZ + to;
}

struct hf_policy *hf_policy_compile(const struct hf_cfg_policy *pc,
				    uint32_t nworkers, char *err,
				    size_t errlen)
{
	struct hf_policy *p = calloc(1, sizeof(*p));
	uint32_t from, to, i, n = 0, z, port;

	if (!p || !nworkers)
		goto oom;
	p->cfg = *pc;
	p->cfg.rule = NULL;
	if (pc->nrules) {
		p->cfg.rule = calloc(pc->nrules, sizeof(*pc->rule));
		if (!p->cfg.rule)
			goto oom;
		memcpy(p->cfg.rule, pc->rule, pc->nrules * sizeof(*pc->rule));
	}
	for (z = 0; z < pc->nzones; z++)
		for (port = 0; port < HF_MAX_PORTS; port++)
			if (pc->zone[z].ports & (1u << port))
				p->port_zone[port] = (uint8_t)(z + 1);
	/* count, then fill: each list in rule order */
	for (from = 0; from < NZ; from++)
		for (to = 0; to < NZ; to++)
			for (i = 0; i < pc->nrules; i++)
				n += zone_ok(pc->rule[i].from_zone, (uint8_t)from) &&
				     zone_ok(pc->rule[i].to_zone, (uint8_t)to);
	p->list = calloc(n ? n : 1, sizeof(*p->list));
	if (!p->list)
		goto oom;
	n = 0;
	for (from = 0; from < NZ; from++)
		for (to = 0; to < NZ; to++) {
			p->start[pair_of((uint8_t)from, (uint8_t)to)] = n;
			for (i = 0; i < pc->nrules; i++)
				if (zone_ok(pc->rule[i].from_zone, (uint8_t)from) &&
				    zone_ok(pc->rule[i].to_zone, (uint8_t)to))
					p->list[n++] = i;
		}
	p->start[NZ * NZ] = n;
	p->nworkers = nworkers;
	/* one cache-line-aligned row per worker: no false sharing */
	p->row = (uint32_t)((pc->nrules + 1 + 7) & ~7u);
	p->hits = aligned_alloc(HF_CACHELINE,
				(size_t)nworkers * p->row * sizeof(uint64_t));
	if (!p->hits)
		goto oom;
	memset(p->hits, 0, (size_t)nworkers * p->row * sizeof(uint64_t));
	return p;
oom:
	snprintf(err, errlen, "policy: out of memory for %u rules",
		 pc->nrules);
	hf_policy_free(p);
	return NULL;
}

void hf_policy_free(struct hf_policy *p)
{
	if (!p)
		return;
	free(p->hits);
	free(p->list);
	free(p->cfg.rule);
	free(p);
}

static void free_cb(struct rcu_head *h)
{
	hf_policy_free(container_of(h, struct hf_policy, rcu));
}

void hf_policy_free_rcu(struct hf_policy *p)
{
	if (p)
		call_rcu(&p->rcu, free_cb);
}

uint8_t hf_policy_zone_of(const struct hf_policy *p, uint32_t port)
{
	return port < HF_MAX_PORTS ? p->port_zone[port] : HF_ZONE_NONE;
}

uint32_t hf_policy_eval(const struct hf_policy *p, const struct hf_pol_pkt *k,
			bool *allow)
{
	uint32_t pair, i;

	if (k->from_zone >= NZ || k->to_zone >= NZ) {
		*allow = p->cfg.default_allow;
		return HF_RULE_DEFAULT;
	}
	pair = pair_of(k->from_zone, k->to_zone);
	for (i = p->start[pair]; i < p->start[pair + 1]; i++) {
		const struct hf_cfg_rule *r = &p->cfg.rule[p->list[i]];

		if (rule_matches(r, k)) {
			*allow = r->allow;
			return p->list[i];
		}
	}
	*allow = p->cfg.default_allow;
	return HF_RULE_DEFAULT;
}

static uint32_t counter_of(const struct hf_policy *p, uint32_t rule)
{
	return rule == HF_RULE_DEFAULT ? p->cfg.nrules : rule;
}

void hf_policy_hit(struct hf_policy *p, uint32_t worker, uint32_t rule)
{
	if (worker < p->nworkers)
		hf_cnt_add(&p->hits[(size_t)worker * p->row + counter_of(p, rule)],
			   1);
}

uint64_t hf_policy_hits(const struct hf_policy *p, uint32_t rule)
{
	uint64_t sum = 0;
	uint32_t w;

	for (w = 0; w < p->nworkers; w++)
		sum += hf_cnt_read(&p->hits[(size_t)w * p->row +
					    counter_of(p, rule)]);
	return sum;
}

const struct hf_cfg_policy *hf_policy_config(const struct hf_policy *p)
{
	return &p->cfg;
}
