// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * session.c - the session table (see fwd/session.h).
 *
 * Free slots travel in one SPSC ring per worker: the reaper produces
 * (after a grace period), the worker consumes. A slot a worker took but
 * could not publish (another worker won the race for the same flow)
 * was never visible, so the worker keeps it as its spare for the next
 * create instead of sending it round through the reaper.
 */
#include "fwd/session.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/types.h>

#include "common/compiler.h"
#include "common/time.h"
#include "fwd/hugemem.h"
#include "fwd/stats.h"

#define REAP_BATCH	8192

struct sess_node {
	struct cds_lfht_node node;
	struct hf_sess_key key;
};

/* Free slot indices of one worker. */
struct free_ring {
	uint32_t head __hf_cacheline_aligned;	/* reaper */
	uint32_t tail __hf_cacheline_aligned;	/* worker */
	uint32_t spare;				/* worker: index + 1, or 0 */
	uint64_t created;			/* worker: sessions made */
	uint64_t seq;				/* worker: change sequence */
	uint32_t mask;
	uint32_t *slot;
};

/* Slots a worker changed, for dssd (SPSC: worker -> dssd). */
struct sync_ring {
	uint32_t head __hf_cacheline_aligned;	/* worker */
	uint32_t tail __hf_cacheline_aligned;	/* dssd */
	uint32_t mask;
	uint32_t *slot;
};

/* Orig keys of unlinked sessions (SPSC: reaper -> dssd). */
struct del_ring {
	uint32_t head __hf_cacheline_aligned;	/* reaper */
	uint32_t tail __hf_cacheline_aligned;	/* dssd */
	uint32_t mask;
	struct hf_sess_key *key;
};

struct hf_sess_table {
	struct cds_lfht *ht;
	struct hf_session *sess;
	struct sess_node *node;		/* 2 per session: [2i] orig, [2i+1] reply */
	struct free_ring *ring;		/* one per worker */
	struct hf_sess_params p;
	uint32_t per_worker;
	uint64_t seed;
	uint64_t buckets;
	/* liburcu's bucket array, when its layout was recognised: lets a
	 * burst prefetch buckets from the hash (hf_sess_lookup_burst) */
	struct cds_lfht_node *bucket;
	int64_t bucket_huge;		/* hf_huge_collapse() of it */
	/* HA sync (NULL/0 when off): per-worker noted slots, deleted keys */
	struct sync_ring *note;		/* one per worker */
	struct del_ring *del;
	uint64_t sync_lost;		/* atomic */
	/* reaper only */
	uint32_t cursor;
	uint32_t nbatch;
	uint32_t batch[REAP_BATCH];
	uint64_t freed;			/* atomic: read by hf_sess_info */
};

static const char *const timeout_names[] = {
#define HF_X_NAME(id, name, secs) name,
	HF_SESS_TIMEOUTS(HF_X_NAME)
#undef HF_X_NAME
};

static const uint32_t timeout_defaults[] = {
#define HF_X_SECS(id, name, secs) secs,
	HF_SESS_TIMEOUTS(HF_X_SECS)
#undef HF_X_SECS
};

const char *hf_sess_timeout_name(enum hf_sess_timeout c)
{
	return (unsigned int)c < HF_TO_MAX ? timeout_names[c] : "?";
}

uint32_t hf_sess_timeout_default(enum hf_sess_timeout c)
{
	return (unsigned int)c < HF_TO_MAX ? timeout_defaults[c] : 0;
}

enum hf_sess_timeout hf_sess_timeout_class(uint8_t proto, uint8_t state)
{
	switch (proto) {
	case 6:
		switch ((enum hf_tcp_state)state) {
		case HF_TCP_NONE:
		case HF_TCP_SYN_SENT:
			return HF_TO_TCP_SYN;
		case HF_TCP_SYN_RECV:
			return HF_TO_TCP_HANDSHAKE;
		case HF_TCP_ESTABLISHED:
			return HF_TO_TCP_ESTABLISHED;
		case HF_TCP_FIN_ORIG:
		case HF_TCP_FIN_REPLY:
			return HF_TO_TCP_HALF_CLOSED;
		default:
			return HF_TO_TCP_TIME_WAIT;	/* time-wait, RST */
		}
	case 17:
		return HF_TO_UDP;
	case 1:
		return HF_TO_ICMP;
	default:
		return HF_TO_OTHER;
	}
}

/* ---- hashing ---- */

/* murmur3's finaliser over the two key words, seeded per table so that
 * nobody outside can aim flows at one bucket */
static unsigned long key_hash(const struct hf_sess_table *t,
			      const struct hf_sess_key *k)
{
	uint64_t a, b, h;

	memcpy(&a, k, 8);
	memcpy(&b, (const char *)k + 8, 8);
	h = (a ^ t->seed) * 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h = (h ^ b) * 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return (unsigned long)h;
}

static int key_match(struct cds_lfht_node *node, const void *key)
{
	const struct sess_node *n = container_of(node, struct sess_node, node);

	hf_tsan_acquire(n);	/* published by cds_lfht_add_unique */
	return !memcmp(&n->key, key, sizeof(n->key));
}

_Static_assert(offsetof(struct sess_node, node) == 0,
	       "a hash node is the start of its sess_node");

static inline uint32_t node_index(const struct hf_sess_table *t,
				  const struct cds_lfht_node *node)
{
	const struct sess_node *n = (const struct sess_node *)node;

	return (uint32_t)(n - t->node);
}

/* ---- life cycle ---- */

static uint64_t pow2_at_least(uint64_t v)
{
	uint64_t p = 1;

	while (p < v)
		p <<= 1;
	return p;
}

static uint64_t random_seed(void)
{
	uint64_t s;

	if (getrandom(&s, sizeof(s), GRND_NONBLOCK) != (ssize_t)sizeof(s))
		s = hf_now_ns() * 0x9e3779b97f4a7c15ULL;
	return s;
}

static int rings_create(struct hf_sess_table *t)
{
	uint32_t w, i, size = (uint32_t)pow2_at_least(t->per_worker);

	t->ring = aligned_alloc(HF_CACHELINE, t->p.nworkers * sizeof(*t->ring));
	if (!t->ring)
		return -ENOMEM;
	memset(t->ring, 0, t->p.nworkers * sizeof(*t->ring));
	for (w = 0; w < t->p.nworkers; w++) {
		struct free_ring *r = &t->ring[w];

		r->slot = calloc(size, sizeof(*r->slot));
		if (!r->slot)
			return -ENOMEM;
		r->mask = size - 1;
		for (i = 0; i < t->per_worker; i++)
			r->slot[i] = w * t->per_worker + i;
		r->head = t->per_worker;
	}
	return 0;
}

static unsigned long bit_reverse(unsigned long v)
{
	unsigned long r = 0;
	unsigned int i;

	for (i = 0; i < 8 * sizeof(v); i++, v >>= 1)
		r = (r << 1) | (v & 1);
	return r;
}

/*
 * cds_lfht keeps a fixed-size table's buckets in one mmap'd array
 * (cds_lfht_mm_mmap), bucket i for hash h being i = h & (size - 1), and
 * each bucket a dummy node whose reverse_hash is i bit-reversed. That is
 * liburcu's layout, not its API: take the array only if every bucket
 * checked looks that way, else do without (plain lookups still work).
 */
static struct cds_lfht_node *find_buckets(struct hf_sess_table *t)
{
	struct cds_lfht_node *b;
	unsigned long i;

	/* liburcu picks its mmap layout only up to 2^32 buckets */
	if (t->buckets > (1ULL << 32))
		return NULL;
	b = cds_lfht_mm_mmap.bucket_at(t->ht, 0);

	for (i = 1; i < t->buckets; i = i * 2 + 1)
		if (b[i].reverse_hash != bit_reverse(i) ||
		    b[i - 1].reverse_hash != bit_reverse(i - 1))
			return NULL;
	if (b[t->buckets - 1].reverse_hash != bit_reverse(t->buckets - 1))
		return NULL;
	/* random reads all over it: huge pages spare a page walk each
	 * (measured in perf/RESULTS.md); best effort */
	t->bucket_huge = hf_huge_collapse(b, t->buckets * sizeof(*b));
	return b;
}

static int sync_rings_create(struct hf_sess_table *t)
{
	uint32_t w, size = (uint32_t)pow2_at_least(t->p.sync_ring);

	t->note = aligned_alloc(HF_CACHELINE,
				t->p.nworkers * sizeof(*t->note));
	t->del = aligned_alloc(HF_CACHELINE, sizeof(*t->del));
	if (!t->note || !t->del)
		return -ENOMEM;
	memset(t->note, 0, t->p.nworkers * sizeof(*t->note));
	memset(t->del, 0, sizeof(*t->del));
	for (w = 0; w < t->p.nworkers; w++) {
		t->note[w].mask = size - 1;
		t->note[w].slot = calloc(size, sizeof(uint32_t));
		if (!t->note[w].slot)
			return -ENOMEM;
	}
	t->del->mask = size - 1;
	t->del->key = calloc(size, sizeof(*t->del->key));
	return t->del->key ? 0 : -ENOMEM;
}

int hf_sess_table_create(struct hf_sess_table **out,
			 const struct hf_sess_params *p)
{
	struct hf_sess_table *t;
	uint64_t total;

	if (!p->nworkers || p->max < p->nworkers)
		return -EINVAL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->p = *p;
	t->per_worker = p->max / p->nworkers;
	total = (uint64_t)t->per_worker * p->nworkers;
	t->p.max = (uint32_t)total;
	t->seed = random_seed();
	t->buckets = pow2_at_least(2 * total);
	/* looked up at random: huge pages, faulted in before any packet */
	t->sess = hf_huge_alloc(total * sizeof(*t->sess));
	t->node = hf_huge_alloc(2 * total * sizeof(*t->node));
	/* sized once for two nodes per session: no resize on the fast path */
	t->ht = cds_lfht_new(t->buckets, t->buckets, t->buckets, 0, NULL);
	if (!t->sess || !t->node || !t->ht || rings_create(t)) {
		hf_sess_table_destroy(t);
		return -ENOMEM;
	}
	t->bucket = find_buckets(t);
	if (p->sync_ring && sync_rings_create(t)) {
		hf_sess_table_destroy(t);
		return -ENOMEM;
	}
	*out = t;
	return 0;
}

void hf_sess_table_destroy(struct hf_sess_table *t)
{
	uint32_t i;

	if (!t)
		return;
	if (t->ht) {
		/* cds_lfht_destroy wants an empty table */
		for (i = 0; i < t->p.max && t->sess; i++) {
			uint8_t f = t->sess[i].flags;

			if (f & (HF_SESS_LINKED | HF_SESS_DOOMED))
				cds_lfht_del(t->ht, &t->node[2 * i].node);
			if (f & HF_SESS_LINKED)
				cds_lfht_del(t->ht, &t->node[2 * i + 1].node);
		}
		cds_lfht_destroy(t->ht, NULL);
	}
	if (t->ring)
		for (i = 0; i < t->p.nworkers; i++)
			free(t->ring[i].slot);
	free(t->ring);
	if (t->note)
		for (i = 0; i < t->p.nworkers; i++)
			free(t->note[i].slot);
	free(t->note);
	if (t->del)
		free(t->del->key);
	free(t->del);
	hf_huge_free(t->node, 2 * (size_t)t->p.max * sizeof(*t->node));
	hf_huge_free(t->sess, (size_t)t->p.max * sizeof(*t->sess));
	free(t);
}

const struct hf_sess_params *hf_sess_params_of(const struct hf_sess_table *t)
{
	return &t->p;
}

/* ---- worker side ---- */

static struct hf_session *lookup_hashed(struct hf_sess_table *t,
					 const struct hf_sess_key *k,
					 unsigned long hash, enum hf_dir *dir)
{
	struct cds_lfht_iter it;
	struct cds_lfht_node *node;
	struct hf_session *s;
	uint32_t ni;

	cds_lfht_lookup(t->ht, hash, key_match, k, &it);
	node = cds_lfht_iter_get_node(&it);
	if (!node)
		return NULL;
	ni = node_index(t, node);
	s = &t->sess[ni >> 1];
	if (__atomic_load_n(&s->flags, __ATOMIC_ACQUIRE) & HF_SESS_DOOMED)
		return NULL;
	*dir = (enum hf_dir)(ni & 1);
	return s;
}

struct hf_session *hf_sess_lookup(struct hf_sess_table *t,
				  const struct hf_sess_key *k,
				  enum hf_dir *dir)
{
	return lookup_hashed(t, k, key_hash(t, k), dir);
}

/*
 * Three passes, so that the memory reads of different keys overlap
 * instead of queueing one behind the other: a lookup in a big table
 * misses the cache on the bucket, on the chain's first node and on the
 * session, each read depending on the one before.
 */
void hf_sess_lookup_burst(struct hf_sess_table *t,
			  const struct hf_sess_key *const keys[], uint32_t n,
			  struct hf_session *out[], uint8_t dir[])
{
	unsigned long hash[HF_SESS_BURST_MAX];
	unsigned long mask = t->buckets - 1;
	uint32_t i;

	n = HF_MIN(n, HF_SESS_BURST_MAX);
	for (i = 0; i < n; i++) {
		if (!keys[i])
			continue;
		hash[i] = key_hash(t, keys[i]);
		if (t->bucket)
			__builtin_prefetch(&t->bucket[hash[i] & mask]);
	}
	if (t->bucket) {
		for (i = 0; i < n; i++) {
			uintptr_t first;

			if (!keys[i])
				continue;
			/* the low bits are liburcu's flags */
			first = __atomic_load_n(
				(uintptr_t *)&t->bucket[hash[i] & mask].next,
				__ATOMIC_RELAXED) & ~(uintptr_t)7;
			__builtin_prefetch((const void *)first);
		}
	}
	for (i = 0; i < n; i++) {
		enum hf_dir d = HF_DIR_ORIG;

		out[i] = keys[i] ? lookup_hashed(t, keys[i], hash[i], &d) :
				   NULL;
		dir[i] = (uint8_t)d;
		if (out[i])
			__builtin_prefetch(out[i], 1);
	}
}

static bool slot_take(struct hf_sess_table *t, uint32_t worker, uint32_t *idx)
{
	struct free_ring *r = &t->ring[worker];
	uint32_t tail = r->tail;

	if (r->spare) {
		*idx = r->spare - 1;
		r->spare = 0;
		return true;
	}
	if (tail == __atomic_load_n(&r->head, __ATOMIC_ACQUIRE))
		return false;
	*idx = r->slot[tail & r->mask];
	__atomic_store_n(&r->tail, tail + 1, __ATOMIC_RELEASE);
	return true;
}

static void slot_init(struct hf_sess_table *t, struct hf_session *s,
		      uint32_t worker, uint8_t proto, uint8_t in_port,
		      uint8_t out_port, uint8_t state, uint16_t rule,
		      uint64_t now)
{
	struct free_ring *r = &t->ring[worker];

	__atomic_store_n(&s->gen, __atomic_load_n(&s->gen, __ATOMIC_RELAXED) + 1,
			 __ATOMIC_RELAXED);
	s->created_s = (uint32_t)(now / HF_NSEC_PER_SEC);
	__atomic_store_n(&s->last_ns, now, __ATOMIC_RELAXED);
	__atomic_store_n(&s->pkts[0], 0, __ATOMIC_RELAXED);
	__atomic_store_n(&s->pkts[1], 0, __ATOMIC_RELAXED);
	__atomic_store_n(&s->bytes[0], 0, __ATOMIC_RELAXED);
	__atomic_store_n(&s->bytes[1], 0, __ATOMIC_RELAXED);
	__atomic_store_n(&s->sync_seq, ++r->seq, __ATOMIC_RELAXED);
	s->rule = rule;
	s->port[HF_DIR_ORIG] = in_port;
	s->port[HF_DIR_REPLY] = out_port;
	__atomic_store_n(&s->state, state, __ATOMIC_RELAXED);
	s->proto = proto;
}

uint64_t hf_sess_id(const struct hf_sess_table *t, const struct hf_session *s)
{
	return (uint64_t)__atomic_load_n(&s->gen, __ATOMIC_RELAXED) << 32 |
	       (uint64_t)(s - t->sess + 1);
}

uint32_t hf_sess_owner(const struct hf_sess_table *t,
		       const struct hf_session *s)
{
	return (uint32_t)(s - t->sess) / t->per_worker;
}

struct hf_session *hf_sess_create(struct hf_sess_table *t, uint32_t worker,
				  const struct hf_sess_key *orig,
				  uint8_t reply_zone, uint8_t in_port,
				  uint8_t out_port, uint8_t state, uint16_t rule,
				  uint64_t now, enum hf_sess_create_result *res,
				  enum hf_dir *dir)
{
	struct cds_lfht_node *got;
	struct sess_node *n0, *n1;
	struct hf_session *s;
	uint32_t idx, ni;

	if (!slot_take(t, worker, &idx)) {
		*res = HF_SESS_FULL;
		return NULL;
	}
	s = &t->sess[idx];
	slot_init(t, s, worker, orig->proto, in_port, out_port, state, rule,
		  now);
	n0 = &t->node[2 * idx];
	n1 = &t->node[2 * idx + 1];
	n0->key = *orig;
	n1->key = hf_sess_key_reverse(orig, reply_zone);
	cds_lfht_node_init(&n0->node);
	cds_lfht_node_init(&n1->node);
	hf_tsan_release(n0);
	hf_tsan_release(n1);

	got = cds_lfht_add_unique(t->ht, key_hash(t, &n0->key), key_match,
				  &n0->key, &n0->node);
	if (got != &n0->node) {
		/* another worker's first packet of this flow won: ours was
		 * never visible, keep the slot for the next create */
		t->ring[worker].spare = idx + 1;
		ni = node_index(t, got);
		*dir = (enum hf_dir)(ni & 1);
		*res = HF_SESS_RACED;
		return &t->sess[ni >> 1];
	}
	got = cds_lfht_add_unique(t->ht, key_hash(t, &n1->key), key_match,
				  &n1->key, &n1->node);
	if (got != &n1->node) {
		/* the mirror of another flow from the other side: readers may
		 * have seen our orig node, so only the reaper may free it */
		__atomic_store_n(&s->flags, HF_SESS_DOOMED, __ATOMIC_RELEASE);
		hf_cnt_add(&t->ring[worker].created, 1);
		*res = HF_SESS_CONFLICT;
		return NULL;
	}
	__atomic_store_n(&s->flags, HF_SESS_LINKED, __ATOMIC_RELEASE);
	hf_cnt_add(&t->ring[worker].created, 1);
	*dir = HF_DIR_ORIG;
	*res = HF_SESS_CREATED;
	return s;
}

void hf_sess_key_of(const struct hf_sess_table *t, const struct hf_session *s,
		    enum hf_dir dir, struct hf_sess_key *out)
{
	*out = t->node[2 * (size_t)(s - t->sess) + dir].key;
}

uint64_t hf_sess_expires_ns(const struct hf_sess_table *t,
			    const struct hf_session *s)
{
	uint8_t state = __atomic_load_n(&s->state, __ATOMIC_RELAXED);

	return __atomic_load_n(&s->last_ns, __ATOMIC_RELAXED) +
	       t->p.timeout_ns[hf_sess_timeout_class(s->proto, state)];
}

/* ---- reaper side ---- */

/* After a grace period nobody can hold the batch's sessions: free them.
 * Called RCU-offline. */
static void free_batch(struct hf_sess_table *t)
{
	uint32_t i;

	if (!t->nbatch)
		return;
	if (t->p.sync)
		t->p.sync();
	else
		synchronize_rcu();
	for (i = 0; i < t->nbatch; i++) {
		uint32_t idx = t->batch[i];
		struct free_ring *r = &t->ring[idx / t->per_worker];
		uint32_t head = r->head;

		r->slot[head & r->mask] = idx;
		__atomic_store_n(&r->head, head + 1, __ATOMIC_RELEASE);
	}
	__atomic_store_n(&t->freed, t->freed + t->nbatch, __ATOMIC_RELAXED);
	t->nbatch = 0;
}

static void note_deleted(struct hf_sess_table *t, const struct hf_sess_key *k)
{
	struct del_ring *r = t->del;
	uint32_t head;

	if (!r)
		return;
	head = r->head;
	if (head - __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE) > r->mask) {
		hf_cnt_add(&t->sync_lost, 1);
		return;
	}
	r->key[head & r->mask] = *k;
	__atomic_store_n(&r->head, head + 1, __ATOMIC_RELEASE);
}

/* Unlink slot @idx if it is live; it joins the batch to be freed after
 * a grace period (now, if the batch is full). Called RCU-online. */
static bool unlink_slot(struct hf_sess_table *t, uint32_t idx)
{
	struct hf_session *s = &t->sess[idx];
	uint8_t f = __atomic_load_n(&s->flags, __ATOMIC_ACQUIRE);

	if (!(f & (HF_SESS_LINKED | HF_SESS_DOOMED)))
		return false;
	cds_lfht_del(t->ht, &t->node[2 * idx].node);
	if (f & HF_SESS_LINKED) {
		cds_lfht_del(t->ht, &t->node[2 * idx + 1].node);
		note_deleted(t, &t->node[2 * idx].key);
	}
	__atomic_store_n(&s->flags, 0, __ATOMIC_RELEASE);
	t->batch[t->nbatch++] = idx;
	if (t->nbatch == REAP_BATCH) {
		hf_rcu_offline();
		free_batch(t);
		hf_rcu_online();
	}
	return true;
}

static bool is_expired(const struct hf_sess_table *t,
		       const struct hf_session *s, uint64_t now)
{
	uint8_t f = __atomic_load_n(&s->flags, __ATOMIC_ACQUIRE);
	uint64_t exp;

	if (f & HF_SESS_DOOMED)
		return true;
	if (!(f & HF_SESS_LINKED))
		return false;
	exp = hf_sess_expires_ns(t, s);
	return now >= exp;
}

uint32_t hf_sess_reap_expired(struct hf_sess_table *t, uint64_t now,
			      uint32_t budget)
{
	uint32_t removed = 0, i;

	if (budget > t->p.max)
		budget = t->p.max;
	hf_rcu_online();
	for (i = 0; i < budget; i++) {
		uint32_t idx = t->cursor;

		t->cursor = idx + 1 < t->p.max ? idx + 1 : 0;
		if (is_expired(t, &t->sess[idx], now) && unlink_slot(t, idx))
			removed++;
	}
	hf_rcu_offline();
	free_batch(t);
	return removed;
}

uint32_t hf_sess_clear(struct hf_sess_table *t,
		       bool (*match)(const struct hf_sess_table *t,
				     const struct hf_session *s, void *arg),
		       void *arg)
{
	uint32_t removed = 0, i;

	hf_rcu_online();
	for (i = 0; i < t->p.max; i++) {
		const struct hf_session *s = &t->sess[i];
		uint8_t f = __atomic_load_n(&s->flags, __ATOMIC_ACQUIRE);

		if (!(f & (HF_SESS_LINKED | HF_SESS_DOOMED)))
			continue;
		if ((f & HF_SESS_LINKED) && match && !match(t, s, arg))
			continue;
		if (unlink_slot(t, i))
			removed++;
	}
	hf_rcu_offline();
	free_batch(t);
	return removed;
}

/* ---- readers ---- */

void hf_sess_foreach(const struct hf_sess_table *t,
		     bool (*fn)(const struct hf_sess_table *t,
				const struct hf_session *s, void *arg),
		     void *arg)
{
	uint32_t i;

	for (i = 0; i < t->p.max; i++) {
		const struct hf_session *s = &t->sess[i];

		if ((__atomic_load_n(&s->flags, __ATOMIC_ACQUIRE) &
		     HF_SESS_LINKED) && !fn(t, s, arg))
			return;
	}
}

const struct hf_session *hf_sess_get(const struct hf_sess_table *t,
				     uint64_t id)
{
	uint64_t idx = (id & 0xffffffffULL) - 1;
	const struct hf_session *s;

	if (!(id & 0xffffffffULL) || idx >= t->p.max)
		return NULL;
	s = &t->sess[idx];
	if (!(__atomic_load_n(&s->flags, __ATOMIC_ACQUIRE) & HF_SESS_LINKED) ||
	    hf_sess_id(t, s) != id)
		return NULL;
	return s;
}

void hf_sess_info(const struct hf_sess_table *t, struct hf_sess_info *out)
{
	uint32_t w;

	memset(out, 0, sizeof(*out));
	for (w = 0; w < t->p.nworkers; w++)
		out->created += __atomic_load_n(&t->ring[w].created,
						__ATOMIC_RELAXED);
	out->freed = __atomic_load_n(&t->freed, __ATOMIC_RELAXED);
	out->live = out->created > out->freed ? out->created - out->freed : 0;
	out->capacity = t->p.max;
	out->memory = sizeof(*t) + (uint64_t)t->p.max *
		      (sizeof(*t->sess) + 2 * sizeof(*t->node)) +
		      t->buckets * sizeof(struct cds_lfht_node) +
		      (uint64_t)t->p.nworkers *
		      (sizeof(*t->ring) + (t->ring[0].mask + 1) * sizeof(uint32_t));
	out->bytes_per_session = out->memory / t->p.max;
	out->burst_prefetch = t->bucket != NULL;
	out->bucket_huge = t->bucket_huge;
}

/* ---- HA session sync ---- */

bool hf_sess_sync_note(struct hf_sess_table *t, uint32_t worker,
		       const struct hf_session *s)
{
	struct sync_ring *r;
	uint32_t head;

	if (!t->note)
		return true;	/* no HA sync: nothing to note */
	r = &t->note[worker];
	head = r->head;
	if (head - __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE) > r->mask) {
		hf_cnt_add(&t->sync_lost, 1);
		return false;
	}
	r->slot[head & r->mask] = (uint32_t)(s - t->sess);
	__atomic_store_n(&r->head, head + 1, __ATOMIC_RELEASE);
	return true;
}

uint32_t hf_sess_sync_drain(struct hf_sess_table *t, uint32_t worker,
			    uint32_t *slot, uint32_t max)
{
	struct sync_ring *r;
	uint32_t tail, head, n = 0;

	if (!t->note || worker >= t->p.nworkers)
		return 0;
	r = &t->note[worker];
	tail = r->tail;
	head = __atomic_load_n(&r->head, __ATOMIC_ACQUIRE);
	while (tail != head && n < max)
		slot[n++] = r->slot[tail++ & r->mask];
	__atomic_store_n(&r->tail, tail, __ATOMIC_RELEASE);
	return n;
}

uint32_t hf_sess_sync_drain_deleted(struct hf_sess_table *t,
				    struct hf_sess_key *key, uint32_t max)
{
	struct del_ring *r = t->del;
	uint32_t tail, head, n = 0;

	if (!r)
		return 0;
	tail = r->tail;
	head = __atomic_load_n(&r->head, __ATOMIC_ACQUIRE);
	while (tail != head && n < max)
		key[n++] = r->key[tail++ & r->mask];
	__atomic_store_n(&r->tail, tail, __ATOMIC_RELEASE);
	return n;
}

uint64_t hf_sess_sync_lost(const struct hf_sess_table *t)
{
	return __atomic_load_n(&t->sync_lost, __ATOMIC_RELAXED);
}

uint32_t hf_sess_capacity(const struct hf_sess_table *t)
{
	return t->p.max;
}

int hf_sess_export(const struct hf_sess_table *t, uint32_t slot,
		   uint64_t now_ns, struct hf_sess_record *out)
{
	const struct hf_session *s;
	uint64_t exp;
	uint8_t f;

	if (slot >= t->p.max)
		return -ENOENT;
	s = &t->sess[slot];
	f = __atomic_load_n(&s->flags, __ATOMIC_ACQUIRE);
	if (!(f & HF_SESS_LINKED) || (f & HF_SESS_DOOMED))
		return -ENOENT;
	hf_tsan_acquire(&t->node[2 * slot]);
	out->key[HF_DIR_ORIG] = t->node[2 * slot].key;
	out->key[HF_DIR_REPLY] = t->node[2 * slot + 1].key;
	out->state = __atomic_load_n(&s->state, __ATOMIC_RELAXED);
	out->replied = f & HF_SESS_REPLIED;
	out->rule = s->rule;
	out->port[0] = s->port[0];
	out->port[1] = s->port[1];
	out->pkts[0] = __atomic_load_n(&s->pkts[0], __ATOMIC_RELAXED);
	out->pkts[1] = __atomic_load_n(&s->pkts[1], __ATOMIC_RELAXED);
	out->bytes[0] = __atomic_load_n(&s->bytes[0], __ATOMIC_RELAXED);
	out->bytes[1] = __atomic_load_n(&s->bytes[1], __ATOMIC_RELAXED);
	exp = hf_sess_expires_ns(t, s);
	out->remaining_ms = exp > now_ns ?
		(uint32_t)HF_MIN((exp - now_ns) / HF_NSEC_PER_MSEC, UINT32_MAX) : 0;
	out->age_s = (uint32_t)(now_ns / HF_NSEC_PER_SEC) - s->created_s;
	out->seq = __atomic_load_n(&s->sync_seq, __ATOMIC_RELAXED);
	/* a slot reused meanwhile would show another generation's keys:
	 * the caller sends what is there now, which is what counts */
	return __atomic_load_n(&s->flags, __ATOMIC_ACQUIRE) & HF_SESS_LINKED ?
	       0 : -ENOENT;
}

/* last_ns such that @s expires @remaining_ms after @now */
static uint64_t last_for(const struct hf_sess_table *t, uint8_t proto,
			 uint8_t state, uint64_t now, uint32_t remaining_ms)
{
	uint64_t to = t->p.timeout_ns[hf_sess_timeout_class(proto, state)];
	uint64_t rem = (uint64_t)remaining_ms * HF_NSEC_PER_MSEC;

	rem = HF_MIN(rem, to);
	return now + rem > to ? now + rem - to : 0;
}

static void install_update(struct hf_sess_table *t, struct hf_session *s,
			   const struct hf_sess_record *rec, uint64_t now)
{
	uint64_t last = last_for(t, rec->key[0].proto, rec->state, now,
				 rec->remaining_ms);

	__atomic_store_n(&s->state, rec->state, __ATOMIC_RELAXED);
	__atomic_store_n(&s->pkts[0], rec->pkts[0], __ATOMIC_RELAXED);
	__atomic_store_n(&s->pkts[1], rec->pkts[1], __ATOMIC_RELAXED);
	__atomic_store_n(&s->bytes[0], rec->bytes[0], __ATOMIC_RELAXED);
	__atomic_store_n(&s->bytes[1], rec->bytes[1], __ATOMIC_RELAXED);
	__atomic_store_n(&s->last_ns, HF_MAX(last, 1), __ATOMIC_RELAXED);
	__atomic_store_n(&s->sync_seq, rec->seq, __ATOMIC_RELAXED);
	if (rec->replied)
		__atomic_fetch_or(&s->flags, HF_SESS_REPLIED, __ATOMIC_RELAXED);
}

int hf_sess_install(struct hf_sess_table *t, uint32_t worker,
		    const struct hf_sess_record *rec, uint64_t now_ns)
{
	struct hf_sess_key mirror = hf_sess_key_reverse(&rec->key[0],
							 rec->key[1].zone);
	enum hf_sess_create_result res;
	struct hf_session *s;
	enum hf_dir dir;

	if (memcmp(&mirror, &rec->key[1], sizeof(mirror)) ||
	    worker >= t->p.nworkers)
		return -EINVAL;
	s = hf_sess_lookup(t, &rec->key[0], &dir);
	if (s) {
		if (dir != HF_DIR_ORIG)
			return -EEXIST;
		install_update(t, s, rec, now_ns);
		return 1;
	}
	s = hf_sess_create(t, worker, &rec->key[0], rec->key[1].zone,
			   rec->port[0], rec->port[1], rec->state, rec->rule,
			   now_ns, &res, &dir);
	switch (res) {
	case HF_SESS_CREATED:
		break;
	case HF_SESS_FULL:
		return -ENOSPC;
	case HF_SESS_RACED:
		/* made between our lookup and create: only by ourselves */
		if (dir != HF_DIR_ORIG)
			return -EEXIST;
		install_update(t, s, rec, now_ns);
		return 1;
	default:
		return -EEXIST;
	}
	/* as old as on the active, so show sessions agrees */
	s->created_s -= HF_MIN(rec->age_s, s->created_s);
	install_update(t, s, rec, now_ns);
	return 0;
}

int hf_sess_expire(struct hf_sess_table *t, const struct hf_sess_key *k)
{
	struct hf_session *s;
	enum hf_dir dir;

	s = hf_sess_lookup(t, k, &dir);
	if (!s || dir != HF_DIR_ORIG)
		return -ENOENT;
	__atomic_store_n(&s->last_ns, 0, __ATOMIC_RELAXED);
	return 0;
}
