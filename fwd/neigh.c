// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * neigh.c - IPv4 neighbour table over a liburcu lock-free hash
 * (see fwd/neigh.h for the state machine and the concurrency contract).
 */
#include "fwd/neigh.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/compiler.h"
#include "pkt/hdr.h"

struct hf_neigh_table {
	struct cds_lfht *ht;
	struct hf_neigh_params params;
	uint32_t max;
	uint32_t count;		/* writer; atomic stores, any reader */
};

static inline uint64_t ld64(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

/*
 * Time since @t, never negative: workers sample the clock once per loop,
 * so an entry stamped by mprelay a moment later can be "in the future".
 */
static inline uint64_t age(uint64_t now, uint64_t t)
{
	return now > t ? now - t : 0;
}

static unsigned long neigh_hash(uint16_t port, uint32_t ip)
{
	uint64_t k = ((uint64_t)port << 32 | ip) * 0x9e3779b97f4a7c15ULL;

	return (unsigned long)(k >> 16);
}

struct neigh_key {
	uint32_t ip;
	uint16_t port;
};

static int neigh_match(struct cds_lfht_node *node, const void *key)
{
	const struct hf_neigh *n = container_of(node, struct hf_neigh,
						    node);
	const struct neigh_key *k = key;

	return n->ip == k->ip && n->port == k->port;
}

int hf_neigh_table_create(struct hf_neigh_table **out, uint32_t max,
			  const struct hf_neigh_params *params)
{
	struct hf_neigh_table *t;

	if (!max)
		return -EINVAL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->ht = cds_lfht_new(64, 64, 0,
			     CDS_LFHT_AUTO_RESIZE | CDS_LFHT_ACCOUNTING, NULL);
	if (!t->ht) {
		free(t);
		return -ENOMEM;
	}
	t->params = *params;
	t->max = max;
	*out = t;
	return 0;
}

void hf_neigh_table_destroy(struct hf_neigh_table *t)
{
	struct cds_lfht_iter it;
	struct hf_neigh *n;

	if (!t)
		return;
	cds_lfht_for_each_entry(t->ht, &it, n, node) {
		cds_lfht_del(t->ht, &n->node);
		free(n);
	}
	cds_lfht_destroy(t->ht, NULL);
	free(t);
}

const struct hf_neigh_params *hf_neigh_params(const struct hf_neigh_table *t)
{
	return &t->params;
}

enum hf_neigh_state hf_neigh_state_at(const struct hf_neigh *n, uint64_t now,
				      const struct hf_neigh_params *p)
{
	uint64_t confirmed;

	if (n->permanent)
		return HF_NEIGH_PERMANENT;
	if (!n->has_mac)
		return age(now, n->created_ns) >= p->resolve_timeout_ns ?
			       HF_NEIGH_FAILED : HF_NEIGH_INCOMPLETE;
	confirmed = ld64(&n->confirmed_ns);
	if (age(now, confirmed) < p->reachable_ns)
		return HF_NEIGH_REACHABLE;
	if (__atomic_load_n(&n->probes, __ATOMIC_RELAXED) >= p->max_probes &&
	    age(now, ld64(&n->probe_ns)) >= p->probe_interval_ns)
		return HF_NEIGH_FAILED;
	return HF_NEIGH_STALE;
}

bool hf_neigh_claim_probe(struct hf_neigh *n, uint64_t now,
			  const struct hf_neigh_params *p)
{
	enum hf_neigh_state s = hf_neigh_state_at(n, now, p);
	uint64_t last;

	if (s != HF_NEIGH_INCOMPLETE && s != HF_NEIGH_STALE)
		return false;
	last = ld64(&n->probe_ns);
	if (last && age(now, last) < p->probe_interval_ns)
		return false;
	/* one winner per interval across all workers */
	if (!__atomic_compare_exchange_n(&n->probe_ns, &last, now, false,
					 __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		return false;
	__atomic_fetch_add(&n->probes, 1, __ATOMIC_RELAXED);
	return true;
}

struct hf_neigh *hf_neigh_lookup(struct hf_neigh_table *t, uint16_t port,
				 uint32_t ip)
{
	struct neigh_key k = { .ip = ip, .port = port };
	struct cds_lfht_iter it;
	struct cds_lfht_node *node;

	cds_lfht_lookup(t->ht, neigh_hash(port, ip), neigh_match, &k, &it);
	node = cds_lfht_iter_get_node(&it);
	return node ? container_of(node, struct hf_neigh, node) : NULL;
}

static void neigh_free_rcu(struct rcu_head *head)
{
	free(container_of(head, struct hf_neigh, rcu));
}

static struct hf_neigh *neigh_new(uint16_t port, uint32_t ip, uint64_t now)
{
	struct hf_neigh *n = calloc(1, sizeof(*n));

	if (!n)
		return NULL;
	cds_lfht_node_init(&n->node);
	n->ip = ip;
	n->port = port;
	n->created_ns = now;
	return n;
}

/* Publish @n, replacing @old if given (old freed after a grace period). */
static void neigh_publish(struct hf_neigh_table *t, struct hf_neigh *n,
			  struct hf_neigh *old)
{
	struct neigh_key k = { .ip = n->ip, .port = n->port };
	unsigned long h = neigh_hash(n->port, n->ip);
	struct cds_lfht_iter it;

	hf_tsan_release(n);	/* liburcu publishes it: tell TSan */
	if (old) {
		cds_lfht_lookup(t->ht, h, neigh_match, &k, &it);
		if (cds_lfht_iter_get_node(&it) == &old->node &&
		    cds_lfht_replace(t->ht, &it, h, neigh_match, &k,
				     &n->node) == 0) {
			call_rcu(&old->rcu, neigh_free_rcu);
			return;
		}
	}
	/* single writer: the entry cannot have gone, but stay safe */
	cds_lfht_add(t->ht, h, &n->node);
	__atomic_store_n(&t->count, t->count + 1, __ATOMIC_RELAXED);
}

static bool mac_learnable(const uint8_t *mac)
{
	return !hf_mac_is_multicast(mac) && !hf_mac_is_zero(mac);
}

enum hf_neigh_learn_result hf_neigh_learn(struct hf_neigh_table *t,
					  uint16_t port, uint32_t ip,
					  const uint8_t mac[6], bool may_create,
					  uint64_t now)
{
	struct hf_neigh *old = hf_neigh_lookup(t, port, ip);
	struct hf_neigh *n;

	if (!mac_learnable(mac))
		return HF_NEIGH_LEARN_BAD_MAC;
	if (old && old->permanent)
		return HF_NEIGH_LEARN_STATIC;
	if (!old && !may_create)
		return HF_NEIGH_LEARN_UNSOLICITED;
	if (!old && t->count >= t->max)
		return HF_NEIGH_LEARN_FULL;
	if (old && old->has_mac && memcmp(old->mac, mac, 6) == 0) {
		/* same MAC: refresh in place, no reader can see a tear */
		__atomic_store_n(&old->probes, 0, __ATOMIC_RELAXED);
		__atomic_store_n(&old->confirmed_ns, now, __ATOMIC_RELAXED);
		return HF_NEIGH_LEARN_REFRESHED;
	}
	n = neigh_new(port, ip, now);
	if (!n)
		return HF_NEIGH_LEARN_NOMEM;
	memcpy(n->mac, mac, 6);
	n->has_mac = true;
	n->confirmed_ns = now;
	neigh_publish(t, n, old);
	return old ? HF_NEIGH_LEARN_UPDATED : HF_NEIGH_LEARN_CREATED;
}

const struct hf_neigh *hf_neigh_sync_due(struct hf_neigh_table *t,
					 uint16_t port, uint32_t ip,
					 uint64_t now)
{
	struct hf_neigh *n = hf_neigh_lookup(t, port, ip);

	if (!n || !n->has_mac || n->permanent)
		return NULL;
	if (n->synced_ns && age(now, n->synced_ns) < t->params.reachable_ns / 2)
		return NULL;
	n->synced_ns = now ? now : 1;
	return n;
}

int hf_neigh_install(struct hf_neigh_table *t, uint16_t port, uint32_t ip,
		     const uint8_t mac[6], bool stale, uint64_t now)
{
	struct hf_neigh *old = hf_neigh_lookup(t, port, ip);
	uint64_t confirmed = now;
	struct hf_neigh *n;

	if (!mac_learnable(mac))
		return -EINVAL;
	if (old && old->permanent)
		return -EPERM;
	if (!old && t->count >= t->max)
		return -ENOSPC;
	if (stale)	/* confirmed one reachable time ago: STALE now */
		confirmed = now > t->params.reachable_ns ?
			    now - t->params.reachable_ns : 0;
	if (old && old->has_mac && memcmp(old->mac, mac, 6) == 0) {
		if (confirmed > ld64(&old->confirmed_ns)) {
			__atomic_store_n(&old->probes, 0, __ATOMIC_RELAXED);
			__atomic_store_n(&old->confirmed_ns, confirmed,
					 __ATOMIC_RELAXED);
		}
		return 1;
	}
	n = neigh_new(port, ip, now);
	if (!n)
		return -ENOMEM;
	memcpy(n->mac, mac, 6);
	n->has_mac = true;
	n->confirmed_ns = confirmed;
	neigh_publish(t, n, old);
	return old ? 1 : 0;
}

int hf_neigh_resolve(struct hf_neigh_table *t, uint16_t port, uint32_t ip,
		     uint64_t now)
{
	struct hf_neigh *n;

	if (hf_neigh_lookup(t, port, ip))
		return -EEXIST;
	if (t->count >= t->max)
		return -ENOSPC;
	n = neigh_new(port, ip, now);
	if (!n)
		return -ENOMEM;
	neigh_publish(t, n, NULL);
	return 0;
}

int hf_neigh_add_static(struct hf_neigh_table *t, uint16_t port, uint32_t ip,
			const uint8_t mac[6], uint64_t now)
{
	struct hf_neigh *old = hf_neigh_lookup(t, port, ip);
	struct hf_neigh *n;

	if (!mac_learnable(mac))
		return -EINVAL;
	if (!old && t->count >= t->max)
		return -ENOSPC;
	n = neigh_new(port, ip, now);
	if (!n)
		return -ENOMEM;
	memcpy(n->mac, mac, 6);
	n->has_mac = true;
	n->permanent = true;
	n->confirmed_ns = now;
	neigh_publish(t, n, old);
	return 0;
}

static void neigh_remove(struct hf_neigh_table *t, struct hf_neigh *n)
{
	if (cds_lfht_del(t->ht, &n->node) == 0) {
		__atomic_store_n(&t->count, t->count - 1, __ATOMIC_RELAXED);
		call_rcu(&n->rcu, neigh_free_rcu);
	}
}

int hf_neigh_del(struct hf_neigh_table *t, uint16_t port, uint32_t ip)
{
	struct hf_neigh *n = hf_neigh_lookup(t, port, ip);

	if (!n)
		return -ENOENT;
	neigh_remove(t, n);
	return 0;
}

void hf_neigh_flush_port(struct hf_neigh_table *t, uint16_t port)
{
	struct cds_lfht_iter it;
	struct hf_neigh *n;

	cds_lfht_for_each_entry(t->ht, &it, n, node)
		if (n->port == port)
			neigh_remove(t, n);
}

uint32_t hf_neigh_gc(struct hf_neigh_table *t, uint64_t now)
{
	return hf_neigh_gc_notify(t, now, NULL, NULL);
}

uint32_t hf_neigh_gc_notify(struct hf_neigh_table *t, uint64_t now,
			    void (*gone)(const struct hf_neigh *n, void *arg),
			    void *arg)
{
	const struct hf_neigh_params *p = &t->params;
	struct cds_lfht_iter it;
	struct hf_neigh *n;
	uint32_t deleted = 0;

	cds_lfht_for_each_entry(t->ht, &it, n, node) {
		enum hf_neigh_state s = hf_neigh_state_at(n, now, p);
		bool unused_stale = s == HF_NEIGH_STALE &&
			age(now, ld64(&n->confirmed_ns)) >=
				p->reachable_ns + p->stale_keep_ns;

		if (s == HF_NEIGH_FAILED || unused_stale) {
			if (gone)
				gone(n, arg);
			neigh_remove(t, n);
			deleted++;
		}
	}
	return deleted;
}

void hf_neigh_walk(struct hf_neigh_table *t,
		   void (*fn)(const struct hf_neigh *n, void *arg), void *arg)
{
	struct cds_lfht_iter it;
	struct hf_neigh *n;

	cds_lfht_for_each_entry(t->ht, &it, n, node)
		fn(n, arg);
}

uint32_t hf_neigh_count(const struct hf_neigh_table *t)
{
	return __atomic_load_n(&t->count, __ATOMIC_RELAXED);
}
