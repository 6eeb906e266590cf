// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * dssd.c - the dssd thread: HA2 session sync over UDP on the HA link
 * (see ha/dssd.h for the behaviour, ha/ha_proto.h for the wire format
 * and ha/sync_window.h for the reliability layer).
 *
 * One epoll loop: a wake-up eventfd (role changes, bulk requests, stop),
 * an absolute timerfd (the next drain tick, RTO, ACK, hello, request or
 * publication) and the UDP socket. Each turn: apply a role change, read
 * a bounded number of datagrams, drain/scan when active, send what the
 * window gives, the ACK when due, hellos and requests, publish status.
 *
 * Sender message life: a SYNC batch is built in place in the window's
 * reserved buffer (hf_sw_tx_reserve), finished (header seq, base at that
 * moment, tag) and committed. When the window hands it out for the
 * first time it goes as is, unless an ACK moved the base since or a
 * datagram with a later header seq went out before it (the peer's
 * replay window would find it old); then, and for every retransmission,
 * a copy is restamped: the current base, the next header seq, a new tag.
 * So header seqs leave in increasing order.
 */
#include "ha/dssd.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "common/compiler.h"
#include "common/log.h"
#include "common/rcu.h"
#include "common/time.h"
#include "control/config.h"
#include "fwd/dataplane.h"
#include "fwd/neigh.h"
#include "fwd/session.h"

#define TICK_NS		(1 * HF_NSEC_PER_MSEC)	/* active: drain period */
#define HELLO_NS	(1000 * HF_NSEC_PER_MSEC)
#define REQUEST_NS	(100 * HF_NSEC_PER_MSEC)	/* bulk request repeat */
#define HOUSEKEEP_NS	(50 * HF_NSEC_PER_MSEC)	/* passive: own rings */
#define PUBLISH_NS	(2 * HF_NSEC_PER_MSEC)
#define REFRESH_NS	(2000 * HF_NSEC_PER_MSEC)	/* every slot once */
#define REFRESH_MARGIN_S 6	/* refresh a copy expiring within this */
#define REFRESH_MIN_AGE_S 2	/* younger sessions: their note is due */
#define WINDOW		4096	/* messages queued (5.6 MB of buffers) */
#define REORDER		1024	/* receiver's reorder slots (1.4 MB) */
#define RX_BATCH	32	/* datagrams per recvmmsg */
#define RX_CALLS	16	/* recvmmsg calls per wake-up */
#define POLL_BATCH	32
#define POLL_ROUNDS	64	/* at most 2048 datagrams sent per turn */
#define DRAIN_CHUNK	256	/* notes drained at once */
#define RECS_PER_MSG	15	/* the fewest records a SYNC holds */
#define BULK_MSGS_TICK	64	/* bulk messages queued per turn */
#define BULK_SCAN_TICK	65536	/* slots looked at per turn */
#define STALL_NS	(10 * HF_NSEC_PER_SEC)	/* no ACK: new stream */
#define SOCK_BUF	(4 << 20)
#define SPIN_WAIT	200	/* set_role(true): spins before sleeping */
#define NEIGH_RING_MIN	1024	/* neighbour rings: neighbour-max, */
#define NEIGH_RING_MAX	65536	/* rounded up, within these (1 MB) */
#define NEIGH_TICK	4096	/* neighbour changes queued per turn */
#define NEIGH_PER_MSG	60	/* the fewest NEIGH_UPSERTs a SYNC holds */

enum ev_tag { EV_WAKE, EV_TIMER, EV_UDP };

/* What the reorder buffer holds: a validated stream message, repacked
 * (the tag is not kept, the records are). */
struct pay_hdr {
	uint8_t type;			/* SYNC, BULK_BEGIN, BULK_END */
	uint8_t pad;
	uint16_t flags;			/* SYNC flags */
	uint32_t bulk_id;
	uint32_t sessions;
	uint32_t neighs;
};

/*
 * Neighbour changes between mprelay and dssd (see ha/dssd.h): one
 * producer, one consumer, as fwd/event.h. head is written only by the
 * producer, tail only by the consumer; the release store of head
 * publishes the slot, the release store of tail hands it back.
 */
struct neigh_ring {
	uint32_t head __hf_cacheline_aligned;	/* producer */
	uint32_t tail __hf_cacheline_aligned;	/* consumer */
	uint32_t mask __hf_cacheline_aligned;	/* read-only */
	struct hf_dssd_neigh *rec;
};

/* Per queued message: what its bytes carry now. */
struct tx_meta {
	uint64_t hdr_seq;
	uint64_t base;
};

/* Per session slot: the last upsert the peer was sent of it. */
struct slot_sent {
	uint32_t seq_lo;		/* low half of the session's sync_seq */
	uint32_t exp_s;			/* its expiry, our monotonic seconds */
};

/* A bulk sync being sent. */
struct bulk_tx {
	bool running;
	bool pending_begin;		/* BULK_BEGIN not queued yet */
	bool begun;			/* a BULK_BEGIN in the current stream */
	uint32_t id;
	uint32_t expected;
	uint32_t cursor;		/* next slot */
	uint64_t begin_seq;
	uint64_t peer_epoch;		/* the requester's header epoch */
	uint64_t sent;			/* upserts queued */
	bool neigh_pending;		/* neighbours not walked yet */
	uint64_t neighs;		/* neighbour upserts queued */
};

struct hf_dssd {
	struct hf_dataplane *dp;
	struct hf_sess_table *t;
	struct hf_ha_agent *agent;
	const struct hf_cfg_ha *cfg;
	uint32_t nworkers;
	uint32_t cap;			/* session slots */

	/* role handshake with the agent thread */
	bool allow;			/* atomic, seq_cst: installs allowed */
	bool installing;		/* atomic, seq_cst: in an install */
	pthread_mutex_t role_lock;
	bool want_active;		/* under role_lock */
	uint32_t role_gen;		/* under role_lock */
	bool bulk_wanted;		/* atomic: request_bulk() */
	bool stop;			/* atomic */
	uint64_t handshake_max_ns;	/* atomic */
	/* neighbours: mprelay -> dssd, dssd -> mprelay */
	struct neigh_ring *ntx, *nrx;
	uint64_t mp_applied, mp_refused, mp_full;	/* atomic, mprelay */
	bool neigh_wake;		/* dssd: nrx needs mprelay */

	/* published status */
	pthread_mutex_t lock;
	struct hf_dssd_status pub;

	/* dssd thread only */
	int wake_fd, timer_fd, ep_fd, fd;
	struct sockaddr_in local, peer;
	struct hf_hap_auth auth;
	bool keyed;
	struct hf_hap_tx htx;
	struct hf_hap_replay replay;
	struct hf_sw_tx *swtx;
	struct hf_sw_rx *swrx;
	uint32_t seen_gen;
	bool active;
	uint64_t role_changes;
	uint64_t install_max_ns;	/* longest install section */
	uint64_t tx_base;		/* the window's oldest unacked seq */
	uint64_t last_hdr_sent;		/* highest header seq sent */
	uint64_t next_stall_check;
	struct tx_meta *meta;
	uint32_t meta_mask;
	/* the SYNC batch under construction, in the window's buffer */
	bool bt_open;
	uint16_t bt_flags;
	uint64_t bt_seq;
	struct hf_hap_batch bt;
	uint64_t commits;
	struct bulk_tx btx;
	struct slot_sent *sent;
	uint32_t refresh_cursor;
	uint64_t refresh_credit;
	uint64_t refresh_ns;
	uint32_t drain_start;
	/* receiver */
	uint64_t rx_now;
	bool want_bulk;
	bool rxb_counts;		/* the bulk in progress satisfies it */
	bool resync_latched;		/* reacted to the window's flag */
	bool synced;
	int reported_synced;		/* -1: not yet */
	uint64_t reported_applied;
	enum hf_hap_resync req_reason;
	struct hf_dssd_bulk brx;
	/* peer */
	uint64_t peer_sessions;
	bool peer_source;
	uint64_t peer_hello_ns;		/* 0: none */
	/* timers */
	uint64_t last_tick, next_hello, next_request, next_housekeep;
	uint64_t last_publish;
	bool dirty;
	uint64_t cnt[HF_DSSD_C_MAX];
	uint64_t bad[HF_HAP_ERR_MAX];
	/* buffers */
	uint32_t slots[DRAIN_CHUNK];
	struct hf_sess_key keys[DRAIN_CHUNK];
	uint8_t pay[HF_HAP_MAX_MSG];
	uint8_t sbuf[HF_HAP_MAX_MSG];
	uint8_t rxbuf[RX_BATCH][HF_HAP_MAX_MSG + 1];
	struct hf_dssd_status scratch;
	pthread_t thread;
	bool started;
};

static const char *const counter_names[] = {
#define HF_X_NAME(n, h) #n,
	HF_DSSD_COUNTERS(HF_X_NAME)
#undef HF_X_NAME
};

static const char *const counter_help[] = {
#define HF_X_HELP(n, h) h,
	HF_DSSD_COUNTERS(HF_X_HELP)
#undef HF_X_HELP
};

const char *hf_dssd_counter_name(enum hf_dssd_counter c)
{
	return (unsigned int)c < HF_DSSD_C_MAX ? counter_names[c] : "?";
}

const char *hf_dssd_counter_help(enum hf_dssd_counter c)
{
	return (unsigned int)c < HF_DSSD_C_MAX ? counter_help[c] : "?";
}

static inline void count(struct hf_dssd *d, enum hf_dssd_counter c)
{
	d->cnt[c]++;
}

static inline bool seq_lt(uint64_t a, uint64_t b)
{
	return (int64_t)(a - b) < 0;
}

static void wake(struct hf_dssd *d)
{
	uint64_t one = 1;

	if (write(d->wake_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		log_warn("dssd: wake-up failed: %s", strerror(errno));
}

/* ---- neighbour rings ---- */

static struct neigh_ring *neigh_ring_new(uint32_t size)
{
	struct neigh_ring *r;

	if (posix_memalign((void **)&r, HF_CACHELINE, sizeof(*r)))
		return NULL;
	memset(r, 0, sizeof(*r));
	r->mask = size - 1;
	r->rec = calloc(size, sizeof(*r->rec));
	if (!r->rec) {
		free(r);
		return NULL;
	}
	return r;
}

static void neigh_ring_free(struct neigh_ring *r)
{
	if (r)
		free(r->rec);
	free(r);
}

/* Producer: false if full. *@was_empty: the consumer may be idle. */
static bool neigh_ring_push(struct neigh_ring *r, const struct hf_dssd_neigh *n,
			    bool *was_empty)
{
	uint32_t head = r->head;
	uint32_t tail = __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE);

	if (head - tail > r->mask)
		return false;
	r->rec[head & r->mask] = *n;
	*was_empty = head == tail;
	__atomic_store_n(&r->head, head + 1, __ATOMIC_RELEASE);
	return true;
}

/* Consumer: a copy of the oldest record (left in place), false if none. */
static bool neigh_ring_peek(struct neigh_ring *r, struct hf_dssd_neigh *n)
{
	uint32_t tail = r->tail;

	if (tail == __atomic_load_n(&r->head, __ATOMIC_ACQUIRE))
		return false;
	*n = r->rec[tail & r->mask];
	return true;
}

/* Consumer: hand back the slot of the record peeked at. */
static void neigh_ring_drop(struct neigh_ring *r)
{
	__atomic_store_n(&r->tail, r->tail + 1, __ATOMIC_RELEASE);
}

bool hf_dssd_neigh_changed(struct hf_dssd *d, const struct hf_dssd_neigh *n)
{
	bool was_empty;

	/* no wake-up: the active drains every tick */
	if (neigh_ring_push(d->ntx, n, &was_empty))
		return true;
	__atomic_fetch_add(&d->mp_full, 1, __ATOMIC_RELAXED);
	return false;
}

bool hf_dssd_neigh_take(struct hf_dssd *d, struct hf_dssd_neigh *n)
{
	if (!neigh_ring_peek(d->nrx, n))
		return false;
	neigh_ring_drop(d->nrx);
	return true;
}

void hf_dssd_neigh_result(struct hf_dssd *d, bool applied)
{
	__atomic_fetch_add(applied ? &d->mp_applied : &d->mp_refused, 1,
			   __ATOMIC_RELAXED);
}

/* Passive: a delivered neighbour record, for mprelay. */
static void neigh_deliver(struct hf_dssd *d, const struct hf_hap_rec *r)
{
	struct hf_dssd_neigh n = { 0 };
	bool was_empty;

	if (d->active) {
		count(d, HF_DSSD_C_rec_not_passive);
		return;
	}
	if (r->type == HF_HAP_REC_NEIGH_DELETE) {
		n.ip = r->u.neigh_del.ip;
		n.port = r->u.neigh_del.port;
		n.del = true;
	} else {
		n.ip = r->u.neigh.ip;
		n.port = r->u.neigh.port;
		memcpy(n.mac, r->u.neigh.mac, 6);
		n.state = r->u.neigh.state;
	}
	if (!neigh_ring_push(d->nrx, &n, &was_empty)) {
		count(d, HF_DSSD_C_neigh_ring_full);
		return;
	}
	d->neigh_wake |= was_empty;
}

/* Wake mprelay if it has neighbour records to apply. */
static void neigh_kick(struct hf_dssd *d)
{
	uint64_t one = 1;

	if (!d->neigh_wake)
		return;
	d->neigh_wake = false;
	if (d->dp->event_fd >= 0 &&
	    write(d->dp->event_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		log_warn("dssd: waking mprelay failed: %s", strerror(errno));
}

/* ---- role handshake ---- */

/*
 * An install section: dssd announces it (seq_cst), then checks that
 * installs are allowed. set_role(true) clears "allowed", then waits for
 * "installing" to drop: in the single order of seq_cst operations one
 * of the two sees the other's store.
 */
static bool install_begin(struct hf_dssd *d)
{
	__atomic_store_n(&d->installing, true, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&d->allow, __ATOMIC_SEQ_CST))
		return true;
	__atomic_store_n(&d->installing, false, __ATOMIC_SEQ_CST);
	return false;
}

static void install_end(struct hf_dssd *d)
{
	__atomic_store_n(&d->installing, false, __ATOMIC_SEQ_CST);
}

static void ops_set_role(void *arg, bool active)
{
	struct hf_dssd *d = arg;
	struct timespec nap = { .tv_nsec = 20000 };
	uint64_t t0 = hf_now_ns(), took, max;
	uint32_t spins = 0;

	pthread_mutex_lock(&d->role_lock);
	d->want_active = active;
	d->role_gen++;
	if (active)
		__atomic_store_n(&d->allow, false, __ATOMIC_SEQ_CST);
	pthread_mutex_unlock(&d->role_lock);
	wake(d);
	if (!active)
		return;
	/* the install in progress is one record's */
	while (__atomic_load_n(&d->installing, __ATOMIC_SEQ_CST)) {
		if (++spins < SPIN_WAIT)
			sched_yield();
		else
			nanosleep(&nap, NULL);
	}
	took = hf_now_ns() - t0;
	max = __atomic_load_n(&d->handshake_max_ns, __ATOMIC_RELAXED);
	if (took > max)
		__atomic_store_n(&d->handshake_max_ns, took, __ATOMIC_RELAXED);
	if (took > 5 * HF_NSEC_PER_MSEC)
		log_warn("dssd: becoming active waited %llu us for an install",
			 (unsigned long long)(took / HF_NSEC_PER_USEC));
}

static void ops_request_bulk(void *arg)
{
	struct hf_dssd *d = arg;

	__atomic_store_n(&d->bulk_wanted, true, __ATOMIC_RELEASE);
	wake(d);
}

static const struct hf_ha_sync_ops dssd_ops = {
	.set_role = ops_set_role,
	.request_bulk = ops_request_bulk,
};

const struct hf_ha_sync_ops *hf_dssd_ops(const struct hf_dssd *d)
{
	(void)d;
	return &dssd_ops;
}

/* ---- sending ---- */

/* Send @buf, whose header seq is @hdr_seq. */
static void send_raw(struct hf_dssd *d, const uint8_t *buf, size_t len,
		     uint64_t hdr_seq)
{
	d->last_hdr_sent = HF_MAX(d->last_hdr_sent, hdr_seq);
	if (sendto(d->fd, buf, len, MSG_DONTWAIT, (struct sockaddr *)&d->peer,
		   sizeof(d->peer)) < 0)
		count(d, HF_DSSD_C_send_failed);
	else
		count(d, HF_DSSD_C_msg_tx);
}

/* A message outside the stream (hello, ACK, request). */
static void send_msg(struct hf_dssd *d, const struct hf_hap_msg *m)
{
	size_t len;

	if (hf_hap_encode(&d->htx, m, d->sbuf, sizeof(d->sbuf), &len)) {
		count(d, HF_DSSD_C_send_failed);
		return;
	}
	send_raw(d, d->sbuf, len, d->htx.seq);
}

/* A stream message the window hands out. */
static void send_stream(struct hf_dssd *d, const struct hf_sw_msg *m)
{
	const struct tx_meta *mt = &d->meta[m->seq & d->meta_mask];

	if (!m->rexmit && mt->base == m->base &&
	    mt->hdr_seq > d->last_hdr_sent) {
		send_raw(d, m->data, m->len, mt->hdr_seq);
		return;
	}
	memcpy(d->sbuf, m->data, m->len);
	if (hf_hap_restamp_base(&d->htx, d->sbuf, m->len, m->base)) {
		count(d, HF_DSSD_C_send_failed);
		return;
	}
	count(d, HF_DSSD_C_restamped);
	send_raw(d, d->sbuf, m->len, d->htx.seq);
}

static void flush_tx(struct hf_dssd *d, uint64_t now)
{
	struct hf_sw_msg m[POLL_BATCH];
	uint32_t n, i, round;

	for (round = 0; round < POLL_ROUNDS; round++) {
		n = hf_sw_tx_poll(d->swtx, now, m, POLL_BATCH);
		for (i = 0; i < n; i++)
			send_stream(d, &m[i]);
		if (n < POLL_BATCH)
			return;
	}
}

static void note_meta(struct hf_dssd *d, uint64_t seq)
{
	struct tx_meta *mt = &d->meta[seq & d->meta_mask];

	mt->hdr_seq = d->htx.seq;
	mt->base = d->tx_base;
}

/* Queue the open batch (if it holds anything). */
static void batch_close(struct hf_dssd *d, uint64_t now)
{
	size_t len;

	if (!d->bt_open)
		return;
	d->bt_open = false;
	if (!hf_hap_batch_count(&d->bt))
		return;		/* not committed: the reservation lapses */
	if (hf_hap_batch_finish(&d->bt, &d->htx, &len)) {
		d->cnt[HF_DSSD_C_rec_lost] += hf_hap_batch_count(&d->bt);
		return;
	}
	note_meta(d, d->bt_seq);
	if (hf_sw_tx_commit(d->swtx, (uint32_t)len, now)) {
		d->cnt[HF_DSSD_C_rec_lost] += hf_hap_batch_count(&d->bt);
		return;
	}
	d->commits++;
}

static bool batch_open(struct hf_dssd *d, uint16_t flags, uint64_t now)
{
	uint8_t *buf;

	if (d->bt_open && d->bt_flags == flags)
		return true;
	batch_close(d, now);
	if (hf_sw_tx_reserve(d->swtx, &buf, &d->bt_seq))
		return false;
	if (hf_hap_batch_init(&d->bt, &d->htx, buf, HF_HAP_MAX_MSG,
			      d->bt_seq, d->tx_base, flags))
		return false;
	d->bt_open = true;
	d->bt_flags = flags;
	return true;
}

/* Append @r to a batch with @flags. 0, -ENOBUFS (window full) or
 * -EINVAL (cannot be encoded). */
static int batch_add(struct hf_dssd *d, const struct hf_hap_rec *r,
		     uint16_t flags, uint64_t now)
{
	int err;

	if (!batch_open(d, flags, now))
		return -ENOBUFS;
	err = hf_hap_batch_add(&d->bt, r);
	if (err != -ENOSPC)
		return err;
	batch_close(d, now);
	if (!batch_open(d, flags, now))
		return -ENOBUFS;
	return hf_hap_batch_add(&d->bt, r);
}

/* Queue BULK_BEGIN or BULK_END; its sync seq in *@seq. */
static int push_bulk(struct hf_dssd *d, uint8_t type, uint32_t sessions,
		     uint32_t neighs, uint64_t now, uint64_t *seq)
{
	struct hf_hap_msg m = { .hdr.type = type };
	uint8_t *buf;
	size_t len;
	int err;

	batch_close(d, now);
	err = hf_sw_tx_reserve(d->swtx, &buf, seq);
	if (err)
		return err;
	m.u.bulk.seq = *seq;
	m.u.bulk.base = d->tx_base;
	m.u.bulk.bulk_id = d->btx.id;
	m.u.bulk.sessions = sessions;
	m.u.bulk.neighs = neighs;
	err = hf_hap_encode(&d->htx, &m, buf, HF_HAP_MAX_MSG, &len);
	if (err)
		return err;
	note_meta(d, *seq);
	err = hf_sw_tx_commit(d->swtx, (uint32_t)len, now);
	if (!err)
		d->commits++;
	return err;
}

/* Records the window can still take, counted low. */
static uint32_t room(const struct hf_dssd *d)
{
	uint32_t space = hf_sw_tx_space(d->swtx);

	if (space < 2)
		return 0;
	return HF_MIN((space - 1) * RECS_PER_MSG, (uint32_t)DRAIN_CHUNK);
}

static uint32_t depth(const struct hf_dssd *d)
{
	return WINDOW - hf_sw_tx_space(d->swtx);
}

static uint32_t exp_s_of(uint64_t now, uint32_t remaining_ms)
{
	return (uint32_t)((now + (uint64_t)remaining_ms * HF_NSEC_PER_MSEC) /
			  HF_NSEC_PER_SEC);
}

static void rec_from_export(struct hf_hap_rec *r,
			    const struct hf_sess_record *s)
{
	struct hf_hap_sess *w = &r->u.sess;

	memset(r, 0, sizeof(*r));
	r->type = HF_HAP_REC_SESS_UPSERT;
	w->seq = s->seq;
	w->key[0] = s->key[0];
	w->key[1] = s->key[1];
	w->state = s->state;
	w->flags = s->replied ? HF_HAP_SESS_REPLIED : 0;
	w->rule = s->rule;
	w->port[0] = s->port[0];
	w->port[1] = s->port[1];
	w->pkts[0] = s->pkts[0];
	w->pkts[1] = s->pkts[1];
	w->bytes[0] = s->bytes[0];
	w->bytes[1] = s->bytes[1];
	w->lifetime_ms = s->remaining_ms;
	w->age_s = s->age_s;
}

/* Queue an upsert of @rec (slot @slot). 0, -ENOBUFS, or 1: skipped. */
static int queue_upsert(struct hf_dssd *d, uint32_t slot,
			const struct hf_sess_record *rec, uint16_t flags,
			enum hf_dssd_counter c, uint64_t now)
{
	struct hf_hap_rec r;
	int err;

	rec_from_export(&r, rec);
	err = batch_add(d, &r, flags, now);
	if (err == -EINVAL) {
		count(d, HF_DSSD_C_export_bad);
		return 1;
	}
	if (err)
		return err;
	d->sent[slot].seq_lo = (uint32_t)rec->seq;
	d->sent[slot].exp_s = exp_s_of(now, rec->remaining_ms);
	count(d, c);
	return 0;
}

static void send_delete(struct hf_dssd *d, const struct hf_sess_key *k,
			uint64_t now)
{
	struct hf_hap_rec r = { .type = HF_HAP_REC_SESS_DELETE };
	enum hf_dir dir;
	int err;

	/* the key was made again (noted, or soon): the upsert of the new
	 * session must not be undone by the deletion of the old one */
	if (hf_sess_lookup(d->t, k, &dir) && dir == HF_DIR_ORIG) {
		count(d, HF_DSSD_C_delete_live);
		return;
	}
	r.u.sess_del.key = *k;
	err = batch_add(d, &r, 0, now);
	if (!err)
		count(d, HF_DSSD_C_delete_tx);
	else
		count(d, err == -EINVAL ? HF_DSSD_C_export_bad :
					  HF_DSSD_C_rec_lost);
}

static void send_noted(struct hf_dssd *d, uint32_t slot, uint64_t now)
{
	struct hf_sess_record rec;
	int err;

	if (hf_sess_export(d->t, slot, now, &rec)) {
		count(d, HF_DSSD_C_export_gone);
		return;
	}
	err = queue_upsert(d, slot, &rec, 0, HF_DSSD_C_upsert_tx, now);
	if (err < 0)
		count(d, HF_DSSD_C_rec_lost);
}

/* Queue the neighbour change @n. 0, -ENOBUFS, or 1: skipped (bad). */
static int queue_neigh(struct hf_dssd *d, const struct hf_dssd_neigh *n,
		       uint16_t flags, uint64_t now)
{
	struct hf_hap_rec r;
	int err;

	memset(&r, 0, sizeof(r));
	if (n->del) {
		r.type = HF_HAP_REC_NEIGH_DELETE;
		r.u.neigh_del.ip = n->ip;
		r.u.neigh_del.port = n->port;
	} else {
		r.type = HF_HAP_REC_NEIGH_UPSERT;
		r.u.neigh.ip = n->ip;
		r.u.neigh.port = n->port;
		memcpy(r.u.neigh.mac, n->mac, 6);
		r.u.neigh.state = n->state;
	}
	err = batch_add(d, &r, flags, now);
	if (err == -EINVAL) {
		count(d, HF_DSSD_C_export_bad);
		return 1;
	}
	if (err)
		return err;
	count(d, n->del ? HF_DSSD_C_neigh_delete_tx :
			  HF_DSSD_C_neigh_upsert_tx);
	return 0;
}

/* Active: mprelay's neighbour changes, as far as the window takes them
 * (the rest waits in the ring). False if the window is full. */
static bool tick_neigh(struct hf_dssd *d, uint64_t now)
{
	struct hf_dssd_neigh n;
	uint32_t i;

	for (i = 0; i < NEIGH_TICK && neigh_ring_peek(d->ntx, &n); i++) {
		if (!room(d) || queue_neigh(d, &n, 0, now) < 0)
			return false;
		neigh_ring_drop(d->ntx);
	}
	return true;
}

/* Active: what the workers and the reaper noted, as far as the window
 * takes it. Deletions first: a key freed and made again must end live.
 * Neighbours before both: a takeover needs them as much. */
static void tick_incremental(struct hf_dssd *d, uint64_t now)
{
	uint32_t n, i, w, k, max;

	if (!tick_neigh(d, now))
		goto out_full;
	for (;;) {
		max = room(d);
		if (!max)
			goto out_full;
		n = hf_sess_sync_drain_deleted(d->t, d->keys, max);
		for (i = 0; i < n; i++)
			send_delete(d, &d->keys[i], now);
		if (n < max)
			break;
	}
	d->drain_start++;
	for (k = 0; k < d->nworkers; k++) {
		w = (d->drain_start + k) % d->nworkers;
		for (;;) {
			max = room(d);
			if (!max)
				goto out_full;
			n = hf_sess_sync_drain(d->t, w, d->slots, max);
			for (i = 0; i < n; i++)
				send_noted(d, d->slots[i], now);
			if (n < max)
				break;
		}
	}
	batch_close(d, now);
	return;
out_full:
	/* the notes wait in their rings */
	count(d, HF_DSSD_C_window_full);
	batch_close(d, now);
}

/* ---- bulk sync (sender) ---- */

static void bulk_start(struct hf_dssd *d)
{
	struct hf_sess_info info;
	struct bulk_tx *b = &d->btx;

	if (b->running && !b->pending_begin)
		count(d, HF_DSSD_C_bulk_restarted);
	hf_sess_info(d->t, &info);
	b->running = true;
	b->pending_begin = true;
	b->begun = true;
	b->id++;
	b->expected = (uint32_t)HF_MIN(info.live, (uint64_t)UINT32_MAX);
	b->cursor = 0;
	b->sent = 0;
	b->neigh_pending = true;
	b->neighs = 0;
	b->peer_epoch = d->replay.epoch;
	count(d, HF_DSSD_C_bulk_started);
	log_info("dssd: bulk sync %u to the peer: about %u sessions", b->id,
		 b->expected);
}

/*
 * The peer asks for a bulk. @applied (when @has_applied) is how far it
 * got in the stream of @stream_epoch: one that already had our last
 * BULK_BEGIN delivered and still asks wants another; one that did not
 * will get the bulk on its way.
 */
static void bulk_request(struct hf_dssd *d, bool has_applied,
			 uint64_t stream_epoch, uint64_t applied)
{
	const struct bulk_tx *b = &d->btx;

	count(d, HF_DSSD_C_bulk_req_rx);
	if (!b->begun || b->peer_epoch != d->replay.epoch ||
	    (has_applied && stream_epoch == d->htx.epoch &&
	     !b->pending_begin && !seq_lt(applied, b->begin_seq))) {
		bulk_start(d);
		return;
	}
	count(d, HF_DSSD_C_bulk_req_stale);
}

struct bulk_neigh_arg {
	struct hf_dssd *d;
	const struct hf_neigh_params *p;
	uint64_t now;
};

static void bulk_neigh_one(const struct hf_neigh *n, void *arg)
{
	struct bulk_neigh_arg *a = arg;
	struct hf_dssd_neigh c = { 0 };
	enum hf_neigh_state st;
	int err;

	hf_tsan_acquire(n);	/* published by mprelay through liburcu */
	st = hf_neigh_state_at(n, a->now, a->p);
	/* permanent entries are each node's own configuration */
	if (st != HF_NEIGH_REACHABLE && st != HF_NEIGH_STALE)
		return;
	c.ip = n->ip;
	c.port = n->port;
	c.state = (uint8_t)st;
	memcpy(c.mac, n->mac, 6);
	err = queue_neigh(a->d, &c, HF_HAP_SYNC_BULK, a->now);
	if (err < 0)
		count(a->d, HF_DSSD_C_rec_lost);
	else
		a->d->btx.neighs += !err;
}

/*
 * Every usable learned neighbour, in one walk of the table (a walk
 * cannot be resumed once RCU-offline), once the window has room for
 * all of it (or for half a window: a table larger than that loses the
 * excess, counted in rec_lost). RCU-online.
 */
static bool bulk_neighs(struct hf_dssd *d, uint64_t now)
{
	struct hf_neigh_table *t = d->dp->neigh;
	struct bulk_neigh_arg a = { .d = d, .now = now };
	uint32_t need;

	if (!t)
		return true;
	need = hf_neigh_count(t) / NEIGH_PER_MSG + 2;
	if (hf_sw_tx_space(d->swtx) < HF_MIN(need, (uint32_t)WINDOW / 2))
		return false;
	a.p = hf_neigh_params(t);
	hf_neigh_walk(t, bulk_neigh_one, &a);
	return true;
}

static void tick_bulk(struct hf_dssd *d, uint64_t now)
{
	struct bulk_tx *b = &d->btx;
	struct hf_sess_record rec;
	uint64_t c0 = d->commits;
	uint32_t scanned = 0;
	int err;

	if (!b->running)
		return;
	if (b->pending_begin) {
		if (hf_sw_tx_space(d->swtx) < 2)
			return;
		batch_close(d, now);
		hf_sw_tx_bulk_start(d->swtx);
		if (push_bulk(d, HF_HAP_BULK_BEGIN, b->expected,
			      d->dp->neigh ? hf_neigh_count(d->dp->neigh) : 0,
			      now, &b->begin_seq))
			return;
		b->pending_begin = false;
	}
	if (b->neigh_pending) {
		if (!bulk_neighs(d, now))
			return;
		b->neigh_pending = false;
	}
	while (b->cursor < d->cap && scanned < BULK_SCAN_TICK) {
		if (d->commits - c0 >= BULK_MSGS_TICK ||
		    depth(d) >= WINDOW / 2)
			break;
		scanned++;
		if (!hf_sess_export(d->t, b->cursor, now, &rec)) {
			err = queue_upsert(d, b->cursor, &rec,
					   HF_HAP_SYNC_BULK, HF_DSSD_C_bulk_tx,
					   now);
			if (err < 0)
				break;
			b->sent += !err;
		}
		b->cursor++;
	}
	if (b->cursor < d->cap)
		return;
	batch_close(d, now);
	if (hf_sw_tx_space(d->swtx) < 1)
		return;
	if (push_bulk(d, HF_HAP_BULK_END,
		      (uint32_t)HF_MIN(b->sent, (uint64_t)UINT32_MAX),
		      (uint32_t)HF_MIN(b->neighs, (uint64_t)UINT32_MAX), now,
		      &(uint64_t){ 0 }))
		return;
	hf_sw_tx_bulk_end(d->swtx);
	b->running = false;
	count(d, HF_DSSD_C_bulk_done);
}

/* ---- refresh scan (sender) ---- */

/* Does the peer need this session again? */
static bool needs_refresh(const struct slot_sent *s,
			  const struct hf_sess_record *rec, uint64_t now)
{
	uint32_t now_s = (uint32_t)(now / HF_NSEC_PER_SEC);
	uint32_t exp_s = exp_s_of(now, rec->remaining_ms);

	if (rec->age_s < REFRESH_MIN_AGE_S)
		return false;		/* its note is on its way */
	if (!rec->remaining_ms)
		return false;		/* expired: its deletion will follow */
	if ((uint32_t)rec->seq != s->seq_lo)
		return true;		/* new to the peer, or moved on */
	if (exp_s + 1 < s->exp_s)
		return true;		/* expires earlier than the peer thinks */
	/* the peer's copy runs out soon, ours later */
	return exp_s > s->exp_s && s->exp_s < now_s + REFRESH_MARGIN_S;
}

static void tick_refresh(struct hf_dssd *d, uint64_t now)
{
	struct hf_sess_record rec;
	uint64_t el = HF_MIN(now - d->refresh_ns, HF_NSEC_PER_SEC);
	uint32_t slot;

	d->refresh_ns = now;
	d->refresh_credit += (uint64_t)d->cap * el / REFRESH_NS;
	/* after a stall, catch up by at most 10 ms worth */
	d->refresh_credit = HF_MIN(d->refresh_credit,
				   (uint64_t)d->cap / 200 + 64);
	if (d->btx.running)
		return;
	while (d->refresh_credit && depth(d) < WINDOW / 2) {
		slot = d->refresh_cursor;
		if (!hf_sess_export(d->t, slot, now, &rec) &&
		    needs_refresh(&d->sent[slot], &rec, now) &&
		    queue_upsert(d, slot, &rec, 0, HF_DSSD_C_refresh_tx,
				 now) < 0)
			break;
		d->refresh_cursor = slot + 1 < d->cap ? slot + 1 : 0;
		d->refresh_credit--;
	}
	batch_close(d, now);
}

/* ---- receiving: applying the peer's records ---- */

static uint32_t key_hash(const struct hf_sess_key *k)
{
	uint64_t x = (uint64_t)k->saddr << 32 | k->daddr;

	x ^= ((uint64_t)k->sport << 48 | (uint64_t)k->dport << 32 |
	      (uint64_t)k->proto << 8 | k->zone) * 0x9e3779b97f4a7c15ull;
	x ^= x >> 31;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 29;
	return (uint32_t)(x >> 32);
}

/* Install one upsert; true if the table has it now. */
static bool apply_upsert(struct hf_dssd *d, const struct hf_hap_sess *s)
{
	struct hf_sess_record rec = {
		.key = { s->key[0], s->key[1] },
		.state = s->state,
		.replied = s->flags & HF_HAP_SESS_REPLIED,
		.rule = s->rule,
		.port = { (uint8_t)s->port[0], (uint8_t)s->port[1] },
		.pkts = { s->pkts[0], s->pkts[1] },
		.bytes = { s->bytes[0], s->bytes[1] },
		.remaining_ms = s->lifetime_ms,
		.age_s = s->age_s,
		.seq = s->seq,
	};
	uint32_t w0 = key_hash(&rec.key[0]) % d->nworkers, i;
	int rc = -ENOSPC;

	/* the worker's pool, or the next one with room */
	for (i = 0; i < d->nworkers && rc == -ENOSPC; i++)
		rc = hf_sess_install(d->t, (w0 + i) % d->nworkers, &rec,
				     d->rx_now);
	switch (rc) {
	case 0:
		count(d, HF_DSSD_C_installed);
		return true;
	case 1:
		count(d, HF_DSSD_C_updated);
		return true;
	case -ENOSPC:
		count(d, HF_DSSD_C_install_nospc);
		return false;
	case -EEXIST:
		count(d, HF_DSSD_C_install_exists);
		return false;
	default:
		count(d, HF_DSSD_C_install_invalid);
		return false;
	}
}

/* One record that changes the table: inside an install section (see
 * install_begin), so that set_role(true) waits one record at most. */
static void apply_rec(struct hf_dssd *d, const struct hf_hap_rec *r,
		      bool bulk)
{
	uint64_t t0 = hf_now_ns();
	bool ok;

	if (!install_begin(d)) {
		count(d, HF_DSSD_C_rec_not_passive);
		return;
	}
	if (r->type == HF_HAP_REC_SESS_UPSERT) {
		ok = apply_upsert(d, &r->u.sess);
		d->brx.applied += ok && bulk;
	} else if (hf_sess_expire(d->t, &r->u.sess_del.key)) {
		count(d, HF_DSSD_C_expire_missing);
	} else {
		count(d, HF_DSSD_C_expired);
	}
	install_end(d);
	d->install_max_ns = HF_MAX(d->install_max_ns, hf_now_ns() - t0);
}

static void apply_sync(struct hf_dssd *d, const struct pay_hdr *h,
		       const uint8_t *recs, uint32_t len)
{
	struct hf_hap_sync s = { .rec = recs, .rec_len = (uint16_t)len };
	bool bulk = h->flags & HF_HAP_SYNC_BULK;
	struct hf_hap_rec_iter it;
	struct hf_hap_rec r;

	hf_hap_rec_iter_init(&it, &s);
	while (hf_hap_rec_next(&it, &r)) {
		switch (r.type) {
		case HF_HAP_REC_SESS_UPSERT:
			d->brx.sessions += bulk;
			apply_rec(d, &r, bulk);
			break;
		case HF_HAP_REC_SESS_DELETE:
			apply_rec(d, &r, bulk);
			break;
		case HF_HAP_REC_NEIGH_UPSERT:
		case HF_HAP_REC_NEIGH_DELETE:
			count(d, HF_DSSD_C_neigh_rx);
			d->brx.neighs += bulk &&
					 r.type == HF_HAP_REC_NEIGH_UPSERT;
			neigh_deliver(d, &r);
			break;
		default:
			count(d, HF_DSSD_C_rec_unknown);
			break;
		}
	}
}

/* The receiver wants a bulk sync (again). */
static void want_event(struct hf_dssd *d, enum hf_hap_resync why)
{
	if (!d->want_bulk)
		count(d, HF_DSSD_C_resync_needed);
	d->want_bulk = true;
	d->rxb_counts = false;
	d->synced = false;
	d->req_reason = why;
	d->next_request = 0;
}

/* React once to the window's "resync needed" (new stream, skip). */
static void check_resync(struct hf_dssd *d)
{
	if (!hf_sw_rx_needs_resync(d->swrx)) {
		d->resync_latched = false;
		return;
	}
	if (d->resync_latched)
		return;
	d->resync_latched = true;
	want_event(d, d->synced || d->brx.id ? HF_HAP_RESYNC_GAP :
					       HF_HAP_RESYNC_STARTUP);
}

static void on_deliver(void *arg, uint64_t seq, const uint8_t *data,
		       uint32_t len)
{
	struct hf_dssd *d = arg;
	struct pay_hdr h;

	(void)seq;
	if (len < sizeof(h))
		return;
	memcpy(&h, data, sizeof(h));
	check_resync(d);
	switch (h.type) {
	case HF_HAP_BULK_BEGIN:
		hf_sw_rx_bulk_start(d->swrx);
		d->resync_latched = false;
		if (d->want_bulk) {
			d->want_bulk = false;
			d->rxb_counts = true;
		}
		d->brx = (struct hf_dssd_bulk){ .running = true,
						.id = h.bulk_id,
						.expected = h.sessions };
		count(d, HF_DSSD_C_bulk_rx_begin);
		break;
	case HF_HAP_BULK_END:
		hf_sw_rx_bulk_end(d->swrx);
		if (d->brx.running && d->brx.id == h.bulk_id) {
			d->brx.running = false;
			count(d, HF_DSSD_C_bulk_rx_end);
			if (d->rxb_counts)
				d->synced = true;
			log_info("dssd: bulk sync %u from the peer: %llu of %u sessions, %llu applied",
				 h.bulk_id, (unsigned long long)d->brx.sessions,
				 h.sessions, (unsigned long long)d->brx.applied);
		}
		d->rxb_counts = false;
		break;
	default:
		apply_sync(d, &h, data + sizeof(h), len - (uint32_t)sizeof(h));
		break;
	}
}

/* ---- receiving: messages ---- */

static void on_stream(struct hf_dssd *d, const struct hf_hap_msg *m)
{
	struct pay_hdr h = { .type = m->hdr.type };
	struct hf_sw_msg sm = { .epoch = m->hdr.epoch };
	uint32_t len = sizeof(h);
	enum hf_sw_rx_verdict v;

	if (m->hdr.type == HF_HAP_SYNC) {
		h.flags = m->u.sync.flags;
		sm.seq = m->u.sync.seq;
		sm.base = m->u.sync.base;
		memcpy(d->pay + len, m->u.sync.rec, m->u.sync.rec_len);
		len += m->u.sync.rec_len;
	} else {
		h.bulk_id = m->u.bulk.bulk_id;
		h.sessions = m->u.bulk.sessions;
		h.neighs = m->u.bulk.neighs;
		sm.seq = m->u.bulk.seq;
		sm.base = m->u.bulk.base;
	}
	memcpy(d->pay, &h, sizeof(h));
	sm.data = d->pay;
	sm.len = len;
	count(d, HF_DSSD_C_rx_stream);
	v = hf_sw_rx_input(d->swrx, &sm, d->rx_now);
	if (v == HF_SW_RX_TOO_FAR || v == HF_SW_RX_STALE_EPOCH ||
	    v == HF_SW_RX_INVALID)
		count(d, HF_DSSD_C_rx_refused);
	check_resync(d);
}

static void on_ack(struct hf_dssd *d, const struct hf_hap_ack *a)
{
	struct hf_sw_ack w = { .epoch = a->epoch, .cum = a->cum,
			       .n_nack = a->nnack };
	uint32_t i;
	int rc;

	count(d, HF_DSSD_C_ack_rx);
	if (!d->active) {
		count(d, HF_DSSD_C_msg_unexpected);
		return;
	}
	for (i = 0; i < a->nnack && i < HF_SW_NACK_MAX; i++) {
		w.nack[i].first = a->nack[i].first;
		w.nack[i].last = a->nack[i].last;
	}
	rc = hf_sw_tx_ack(d->swtx, &w, d->rx_now);
	if (rc > 0)
		d->tx_base += (uint64_t)rc;
}

static void on_sync_hello(struct hf_dssd *d, const struct hf_hap_sync_hello *h)
{
	count(d, HF_DSSD_C_hello_rx);
	d->peer_sessions = h->sessions;
	d->peer_source = h->flags & HF_HAP_SH_SOURCE;
	d->peer_hello_ns = d->rx_now;
	if (!(h->flags & HF_HAP_SH_NEED_BULK))
		return;
	if (!d->active) {
		count(d, HF_DSSD_C_msg_unexpected);
		return;
	}
	bulk_request(d, true, h->peer_epoch, h->applied);
}

static void on_datagram(struct hf_dssd *d, const uint8_t *buf, size_t len,
			const struct sockaddr_in *from)
{
	struct hf_hap_msg m;
	enum hf_hap_err e;
	bool new_epoch = false;
	uint64_t old = d->replay.epoch;

	if (from->sin_addr.s_addr != d->peer.sin_addr.s_addr ||
	    from->sin_port != d->peer.sin_port) {
		count(d, HF_DSSD_C_msg_foreign);
		return;
	}
	e = hf_hap_decode(buf, len, d->keyed ? &d->auth : NULL,
			  d->cfg->node_id, &m);
	if (e == HF_HAP_OK && hf_hap_is_ha1(m.hdr.type)) {
		count(d, HF_DSSD_C_msg_unexpected);
		return;
	}
	if (e == HF_HAP_OK)
		e = hf_hap_replay_check(&d->replay, m.hdr.epoch, m.hdr.seq,
					&new_epoch);
	if (e != HF_HAP_OK) {
		count(d, HF_DSSD_C_msg_bad);
		d->bad[e]++;
		return;
	}
	count(d, HF_DSSD_C_msg_rx);
	if (new_epoch || !old)
		count(d, HF_DSSD_C_peer_epochs);
	switch (m.hdr.type) {
	case HF_HAP_SYNC:
	case HF_HAP_BULK_BEGIN:
	case HF_HAP_BULK_END:
		on_stream(d, &m);
		break;
	case HF_HAP_ACK:
		on_ack(d, &m.u.ack);
		break;
	case HF_HAP_SYNC_HELLO:
		on_sync_hello(d, &m.u.sync_hello);
		break;
	default:	/* HF_HAP_RESYNC_REQUEST */
		if (!d->active)
			count(d, HF_DSSD_C_msg_unexpected);
		else
			bulk_request(d, false, 0, 0);
		break;
	}
}

/* A bounded number of datagrams; RCU-online (installs). */
static void on_udp(struct hf_dssd *d)
{
	struct sockaddr_in from[RX_BATCH];
	struct mmsghdr mm[RX_BATCH];
	struct iovec iov[RX_BATCH];
	int n, i, call;

	for (call = 0; call < RX_CALLS; call++) {
		for (i = 0; i < RX_BATCH; i++) {
			iov[i].iov_base = d->rxbuf[i];
			iov[i].iov_len = sizeof(d->rxbuf[i]);
			memset(&mm[i], 0, sizeof(mm[i]));
			mm[i].msg_hdr.msg_name = &from[i];
			mm[i].msg_hdr.msg_namelen = sizeof(from[i]);
			mm[i].msg_hdr.msg_iov = &iov[i];
			mm[i].msg_hdr.msg_iovlen = 1;
		}
		n = recvmmsg(d->fd, mm, RX_BATCH, MSG_DONTWAIT, NULL);
		if (n <= 0)
			return;
		d->rx_now = hf_now_ns();
		for (i = 0; i < n; i++) {
			if (mm[i].msg_hdr.msg_namelen < sizeof(from[i]))
				memset(&from[i], 0, sizeof(from[i]));
			on_datagram(d, d->rxbuf[i], mm[i].msg_len, &from[i]);
		}
		if (n < RX_BATCH)
			return;
	}
}

/* ---- periodic sends ---- */

static void maybe_ack(struct hf_dssd *d, uint64_t now)
{
	struct hf_hap_msg m = { .hdr.type = HF_HAP_ACK };
	struct hf_sw_ack a;
	uint32_t i;

	if (!hf_sw_rx_ack_due(d->swrx, now) ||
	    hf_sw_rx_ack_build(d->swrx, now, &a))
		return;
	m.u.ack.epoch = a.epoch;
	m.u.ack.cum = a.cum;
	m.u.ack.nnack = (uint16_t)HF_MIN(a.n_nack, (uint32_t)HF_HAP_MAX_NACK);
	for (i = 0; i < m.u.ack.nnack; i++) {
		m.u.ack.nack[i].first = a.nack[i].first;
		m.u.ack.nack[i].last = a.nack[i].last;
	}
	send_msg(d, &m);
	count(d, HF_DSSD_C_ack_tx);
}

static void send_hello(struct hf_dssd *d, uint64_t now)
{
	struct hf_hap_msg m = { .hdr.type = HF_HAP_SYNC_HELLO };
	struct hf_sw_tx_stats *ts = &d->scratch.tx;
	struct hf_sw_rx_stats rs;
	struct hf_sess_info info;

	hf_sw_tx_stats(d->swtx, now, ts);
	hf_sw_rx_stats(d->swrx, &rs);
	hf_sess_info(d->t, &info);
	m.u.sync_hello.next_seq = ts->next_seq ? ts->next_seq : 1;
	if (rs.has_epoch) {
		m.u.sync_hello.applied = rs.last_delivered;
		m.u.sync_hello.peer_epoch = rs.epoch;
	}
	m.u.sync_hello.flags = (d->active ? HF_HAP_SH_SOURCE : 0) |
			       (!d->active && d->want_bulk ?
				HF_HAP_SH_NEED_BULK : 0);
	m.u.sync_hello.sessions = info.live;
	send_msg(d, &m);
	count(d, HF_DSSD_C_hello_tx);
	d->next_hello = now + HELLO_NS;
}

static void send_request(struct hf_dssd *d, uint64_t now)
{
	struct hf_hap_msg m = { .hdr.type = HF_HAP_RESYNC_REQUEST,
				.u.resync.reason = (uint8_t)d->req_reason };

	send_msg(d, &m);
	send_hello(d, now);
	count(d, HF_DSSD_C_bulk_req_tx);
	d->next_request = now + REQUEST_NS;
}

/* ---- roles ---- */

/*
 * A new sending stream: its own epoch (the receiver starts over and
 * asks for a bulk), an empty window, the sequence goes on. Nothing the
 * peer was sent before counts any more.
 */
static void new_stream(struct hf_dssd *d, uint64_t now)
{
	struct hf_sw_tx_stats *ts = &d->scratch.tx;
	uint64_t e = 0, first;

	hf_sw_tx_stats(d->swtx, now, ts);
	first = ts->next_seq;
	while (!e || e == d->htx.epoch || e == ts->epoch)
		if (hf_hap_epoch_new(&e))
			e = d->htx.epoch + 1;
	hf_hap_tx_init(&d->htx, d->cfg->node_id, e,
		       d->keyed ? &d->auth : NULL);
	hf_sw_tx_reset(d->swtx, e, first);
	d->tx_base = first;
	d->last_hdr_sent = 0;
	d->bt_open = false;
	d->btx.running = false;
	d->btx.pending_begin = false;
	d->btx.begun = false;
	memset(d->sent, 0, (size_t)d->cap * sizeof(*d->sent));
	d->refresh_cursor = 0;
	d->refresh_credit = 0;
	d->refresh_ns = now;
	d->next_stall_check = now + STALL_NS;
}

static void become_active(struct hf_dssd *d, uint64_t now)
{
	new_stream(d, now);
	d->last_tick = now;
	d->want_bulk = false;
	d->active = true;
	d->role_changes++;
	d->next_hello = 0;
	log_info("dssd: active: sending session changes to the peer");
}

/*
 * Active, nothing acknowledged for STALL_NS: the peer is gone or lost
 * its state. Rather than keep the notes in the rings until they
 * overflow, start a new stream; a peer that comes back asks for a bulk.
 */
static void check_stall(struct hf_dssd *d, uint64_t now)
{
	struct hf_sw_tx_stats *ts = &d->scratch.tx;

	if (now < d->next_stall_check)
		return;
	d->next_stall_check = now + STALL_NS / 10;
	hf_sw_tx_stats(d->swtx, now, ts);
	if (ts->oldest_age_ns < STALL_NS)
		return;
	count(d, HF_DSSD_C_stream_resets);
	log_warn("dssd: nothing acknowledged by the peer for %llu ms (%u messages queued): new stream",
		 (unsigned long long)(ts->oldest_age_ns / HF_NSEC_PER_MSEC),
		 ts->depth);
	new_stream(d, now);
}

static void become_passive(struct hf_dssd *d)
{
	d->active = false;
	d->bt_open = false;
	d->btx.running = false;
	d->role_changes++;
	d->next_hello = 0;
	/* this node's table was the source: the new source's stream and
	 * a bulk from it make the two equal again */
	want_event(d, HF_HAP_RESYNC_ADMIN);
	log_info("dssd: passive: installing the peer's sessions");
}

/*
 * The agent asks for a bulk (its machine thinks this passive node is
 * not synced). One on its way satisfies it; a node that is synced (a
 * complete bulk and no loss since, whatever the agent's state did
 * meanwhile) says so again.
 */
static void on_request_bulk(struct hf_dssd *d)
{
	if (d->active || d->want_bulk || d->rxb_counts)
		return;
	if (d->synced)
		d->reported_synced = -1;
	else
		want_event(d, HF_HAP_RESYNC_ADMIN);
}

/* A role change asked by the agent. Called RCU-offline (it may wait
 * for a grace period). */
static void check_role(struct hf_dssd *d, uint64_t now)
{
	bool want;
	uint32_t gen;

	pthread_mutex_lock(&d->role_lock);
	want = d->want_active;
	gen = d->role_gen;
	pthread_mutex_unlock(&d->role_lock);
	if (gen == d->seen_gen)
		return;
	d->seen_gen = gen;
	if (want) {
		if (!d->active)
			become_active(d, now);
		return;
	}
	if (d->active)
		become_passive(d);
	if (__atomic_load_n(&d->allow, __ATOMIC_SEQ_CST))
		return;
	/* no worker still runs a burst that may make sessions */
	synchronize_rcu();
	pthread_mutex_lock(&d->role_lock);
	if (d->role_gen == gen && !d->want_active)
		__atomic_store_n(&d->allow, true, __ATOMIC_SEQ_CST);
	pthread_mutex_unlock(&d->role_lock);
}

/* Passive: the reaper's deletions and any note left from the active
 * time are not ours to send. Only while installs are allowed, so that
 * nothing noted after a set_role(true) is lost. */
static void housekeep(struct hf_dssd *d)
{
	uint32_t n, w, k;

	if (!install_begin(d))
		return;
	for (k = 0; k < 64; k++) {
		n = hf_sess_sync_drain_deleted(d->t, d->keys, DRAIN_CHUNK);
		for (w = 0; w < d->nworkers; w++)
			n += hf_sess_sync_drain(d->t, w, d->slots, DRAIN_CHUNK);
		d->cnt[HF_DSSD_C_local_discarded] += n;
		if (!n)
			break;
	}
	/* mprelay's own neighbour changes: the active's are what counts */
	while (neigh_ring_peek(d->ntx, &(struct hf_dssd_neigh){ 0 })) {
		neigh_ring_drop(d->ntx);
		count(d, HF_DSSD_C_local_discarded);
	}
	install_end(d);
}

/* ---- status, reports ---- */

static void fill_bulk_tx(const struct hf_dssd *d, struct hf_dssd_status *st)
{
	struct hf_dssd_bulk *b = &st->bulk_tx;

	b->running = d->btx.running;
	b->id = d->btx.id;
	b->expected = d->btx.expected;
	b->sessions = d->btx.sent;
	b->neighs = d->btx.neighs;
	b->msgs = st->tx.bulk_msgs;
	b->msgs_acked = st->tx.bulk_acked;
	b->state = st->tx.bulk;
}

static void publish(struct hf_dssd *d, uint64_t now, bool running)
{
	struct hf_dssd_status *st = &d->scratch;
	struct hf_sess_info info;
	uint32_t i;

	memset(st, 0, sizeof(*st));
	st->now_ns = now;
	st->running = running;
	st->active = d->active;
	st->epoch = d->htx.epoch;
	st->role_changes = d->role_changes;
	st->install_max_ns = d->install_max_ns;
	st->handshake_max_ns = __atomic_load_n(&d->handshake_max_ns,
					       __ATOMIC_RELAXED);
	st->peer_known = d->replay.epoch != 0;
	st->peer_epoch = d->replay.epoch;
	st->peer_source = d->peer_source;
	st->peer_sessions = d->peer_sessions;
	st->peer_hello_age_ms = d->peer_hello_ns ?
		(now - HF_MIN(now, d->peer_hello_ns)) / HF_NSEC_PER_MSEC :
		UINT64_MAX;
	hf_sess_info(d->t, &info);
	st->local_sessions = info.live;
	st->notes_lost = hf_sess_sync_lost(d->t);
	hf_sw_tx_stats(d->swtx, now, &st->tx);
	st->lag_p50_ns = hf_sw_lag_percentile_ns(st->tx.lag_hist, 500);
	st->lag_p99_ns = hf_sw_lag_percentile_ns(st->tx.lag_hist, 990);
	for (i = 0; i < HF_SW_LAG_BUCKETS; i++)
		st->lag_samples += st->tx.lag_hist[i];
	fill_bulk_tx(d, st);
	hf_sw_rx_stats(d->swrx, &st->rx);
	st->synced = d->synced;
	st->want_bulk = d->want_bulk;
	st->bulk_rx = d->brx;
	memcpy(st->counter, d->cnt, sizeof(st->counter));
	/* mprelay's part */
	st->counter[HF_DSSD_C_neigh_applied] =
		__atomic_load_n(&d->mp_applied, __ATOMIC_RELAXED);
	st->counter[HF_DSSD_C_neigh_refused] =
		__atomic_load_n(&d->mp_refused, __ATOMIC_RELAXED);
	st->counter[HF_DSSD_C_neigh_ring_full] +=
		__atomic_load_n(&d->mp_full, __ATOMIC_RELAXED);
	memcpy(st->bad, d->bad, sizeof(st->bad));
	pthread_mutex_lock(&d->lock);
	d->pub = *st;
	pthread_mutex_unlock(&d->lock);
	d->last_publish = now;
	d->dirty = false;
}

static void report(struct hf_dssd *d)
{
	struct hf_sw_rx_stats rs;

	if (!d->agent)
		return;
	hf_sw_rx_stats(d->swrx, &rs);
	if (rs.has_epoch && rs.last_delivered != d->reported_applied) {
		d->reported_applied = rs.last_delivered;
		hf_ha_agent_set_applied(d->agent, rs.last_delivered);
	}
	/* the agent asks "synced?" of a passive node only */
	if (!d->active && d->reported_synced != (int)d->synced) {
		d->reported_synced = d->synced;
		hf_ha_agent_set_synced(d->agent, d->synced);
	}
}

/* ---- the loop ---- */

static uint64_t next_deadline(const struct hf_dssd *d)
{
	uint64_t next = d->next_hello;

	if (d->active) {
		next = HF_MIN(next, d->last_tick + TICK_NS);
		next = HF_MIN(next, hf_sw_tx_deadline(d->swtx));
	} else {
		next = HF_MIN(next, d->next_housekeep);
		if (d->want_bulk)
			next = HF_MIN(next, d->next_request);
	}
	next = HF_MIN(next, hf_sw_rx_deadline(d->swrx));
	if (d->dirty)
		next = HF_MIN(next, d->last_publish + PUBLISH_NS);
	return next;
}

static void arm_timer(struct hf_dssd *d)
{
	struct itimerspec its = { 0 };
	uint64_t next = next_deadline(d);

	if (next != UINT64_MAX) {
		if (!next)
			next = 1;	/* 0 would disarm */
		its.it_value.tv_sec = (time_t)(next / HF_NSEC_PER_SEC);
		its.it_value.tv_nsec = (long)(next % HF_NSEC_PER_SEC);
	}
	timerfd_settime(d->timer_fd, TFD_TIMER_ABSTIME, &its, NULL);
}

static void drain_fd(int fd)
{
	uint64_t v;

	if (read(fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		log_warn("dssd: read of an event fd: %s", strerror(errno));
}

static void turn(struct hf_dssd *d, bool udp)
{
	uint64_t now = hf_now_ns();

	check_role(d, now);
	if (__atomic_exchange_n(&d->bulk_wanted, false, __ATOMIC_ACQ_REL))
		on_request_bulk(d);
	hf_rcu_online();
	if (udp)
		on_udp(d);
	neigh_kick(d);
	now = hf_now_ns();
	if (d->active) {
		d->last_tick = now;
		check_stall(d, now);
		tick_incremental(d, now);
		tick_bulk(d, now);
		tick_refresh(d, now);
	} else if (now >= d->next_housekeep) {
		housekeep(d);
		d->next_housekeep = now + HOUSEKEEP_NS;
	}
	hf_rcu_offline();
	if (d->active)
		flush_tx(d, now);
	maybe_ack(d, now);
	if (!d->active && d->want_bulk && now >= d->next_request)
		send_request(d, now);
	if (now >= d->next_hello)
		send_hello(d, now);
	report(d);
	d->dirty = true;
	if (now >= d->last_publish + PUBLISH_NS)
		publish(d, now, true);
}

static void *dssd_main(void *arg)
{
	struct hf_dssd *d = arg;
	struct epoll_event ev[4];
	bool udp;
	int i, n;

	hf_rcu_register_offline();
	want_event(d, HF_HAP_RESYNC_STARTUP);
	while (!__atomic_load_n(&d->stop, __ATOMIC_RELAXED)) {
		arm_timer(d);
		n = epoll_wait(d->ep_fd, ev, 4, 1000);
		udp = false;
		for (i = 0; i < n; i++) {
			switch (ev[i].data.u32) {
			case EV_WAKE:
				drain_fd(d->wake_fd);
				break;
			case EV_TIMER:
				drain_fd(d->timer_fd);
				break;
			default:
				udp = true;
				break;
			}
		}
		turn(d, udp);
	}
	publish(d, hf_now_ns(), false);
	hf_rcu_unregister_offline();
	return NULL;
}

/* ---- life cycle ---- */

static int ep_add(struct hf_dssd *d, int fd, enum ev_tag tag)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = tag };

	return epoll_ctl(d->ep_fd, EPOLL_CTL_ADD, fd, &ev) ? -errno : 0;
}

static void sock_buf(int fd, int force, int opt, int size)
{
	if (setsockopt(fd, SOL_SOCKET, force, &size, sizeof(size)))
		setsockopt(fd, SOL_SOCKET, opt, &size, sizeof(size));
}

static int sync_socket(struct hf_dssd *d, char *err, size_t errlen)
{
	const struct hf_cfg_ha *c = d->cfg;
	int fd, rc;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto fail;
	/* bursts of a bulk sync: room for a window's worth */
	sock_buf(fd, SO_RCVBUFFORCE, SO_RCVBUF, SOCK_BUF);
	sock_buf(fd, SO_SNDBUFFORCE, SO_SNDBUF, SOCK_BUF);
	if (c->ifname[0] &&
	    setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, c->ifname,
		       (socklen_t)strlen(c->ifname)))
		goto fail;
	if (bind(fd, (struct sockaddr *)&d->local, sizeof(d->local)))
		goto fail;
	d->fd = fd;
	return 0;
fail:
	rc = -errno;
	snprintf(err, errlen, "HA sync socket on %s port %u: %s",
		 c->ifname[0] ? c->ifname : "any interface", c->sync_port,
		 strerror(errno));
	if (fd >= 0)
		close(fd);
	return rc;
}

int hf_dssd_create(struct hf_dssd **out, struct hf_dataplane *dp,
		   struct hf_ha_agent *agent, char *err, size_t errlen)
{
	const struct hf_cfg_ha *cfg = &dp->cfg->ha;
	struct hf_sw_tx_config tc = { .window = WINDOW,
				      .max_msg = HF_HAP_MAX_MSG,
				      .first_seq = 1 };
	struct hf_sw_rx_config rc = { .reorder = REORDER,
				      .max_msg = HF_HAP_MAX_MSG,
				      .deliver = on_deliver };
	struct hf_sess_info info;
	struct hf_dssd *d;
	uint32_t ring = 1, nring = NEIGH_RING_MIN;
	uint64_t epoch;
	int rv = -ENOMEM;

	if (!cfg->present || !dp->sessions) {
		snprintf(err, errlen, "no ha block or no session table");
		return -EINVAL;
	}
	d = calloc(1, sizeof(*d));
	if (!d) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	d->dp = dp;
	d->t = dp->sessions;
	d->agent = agent;
	d->cfg = cfg;
	d->nworkers = hf_sess_params_of(d->t)->nworkers;
	d->cap = hf_sess_capacity(d->t);
	d->wake_fd = d->timer_fd = d->ep_fd = d->fd = -1;
	d->allow = true;		/* a node starts passive */
	d->reported_synced = -1;
	pthread_mutex_init(&d->lock, NULL);
	pthread_mutex_init(&d->role_lock, NULL);
	d->local.sin_family = AF_INET;
	d->local.sin_addr.s_addr = htonl(cfg->local_ip);
	d->local.sin_port = htons(cfg->sync_port);
	d->peer.sin_family = AF_INET;
	d->peer.sin_addr.s_addr = htonl(cfg->peer_ip);
	d->peer.sin_port = htons(cfg->sync_port);
	if (cfg->key_len) {
		if (hf_hap_auth_init(&d->auth, cfg->key, cfg->key_len)) {
			snprintf(err, errlen, "bad HA key length %u",
				 cfg->key_len);
			rv = -EINVAL;
			goto fail;
		}
		d->keyed = true;
	}
	if (hf_hap_epoch_new(&epoch) ||
	    hf_hap_tx_init(&d->htx, cfg->node_id, epoch,
			   d->keyed ? &d->auth : NULL)) {
		snprintf(err, errlen, "cannot start HA2 messages (node id %u)",
			 cfg->node_id);
		rv = -EINVAL;
		goto fail;
	}
	tc.epoch = epoch;
	rc.arg = d;
	while (ring < WINDOW)
		ring <<= 1;
	d->meta_mask = ring - 1;
	d->meta = calloc(ring, sizeof(*d->meta));
	d->sent = calloc(d->cap ? d->cap : 1, sizeof(*d->sent));
	while (nring < dp->cfg->neigh_max && nring < NEIGH_RING_MAX)
		nring <<= 1;
	d->ntx = neigh_ring_new(nring);
	d->nrx = neigh_ring_new(nring);
	if (!d->meta || !d->sent || !d->ntx || !d->nrx ||
	    hf_sw_tx_create(&d->swtx, &tc) ||
	    hf_sw_rx_create(&d->swrx, &rc)) {
		snprintf(err, errlen, "dssd: out of memory");
		goto fail;
	}
	d->tx_base = 1;
	d->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	d->timer_fd = timerfd_create(CLOCK_MONOTONIC,
				     TFD_NONBLOCK | TFD_CLOEXEC);
	d->ep_fd = epoll_create1(EPOLL_CLOEXEC);
	if (d->wake_fd < 0 || d->timer_fd < 0 || d->ep_fd < 0) {
		rv = -errno;
		snprintf(err, errlen, "dssd: %s", strerror(errno));
		goto fail;
	}
	rv = sync_socket(d, err, errlen);
	if (rv)
		goto fail;
	if (ep_add(d, d->wake_fd, EV_WAKE) ||
	    ep_add(d, d->timer_fd, EV_TIMER) || ep_add(d, d->fd, EV_UDP)) {
		rv = -errno;
		snprintf(err, errlen, "dssd: epoll: %s", strerror(errno));
		goto fail;
	}
	hf_sess_info(d->t, &info);
	log_info("dssd: %u session slots, %zu bytes of sync state per slot, window %u messages",
		 d->cap, sizeof(*d->sent), WINDOW);
	d->pub.epoch = epoch;
	d->pub.peer_hello_age_ms = UINT64_MAX;
	d->pub.local_sessions = info.live;
	*out = d;
	return 0;
fail:
	hf_dssd_destroy(d);
	return rv;
}

int hf_dssd_start(struct hf_dssd *d)
{
	int rc;

	__atomic_store_n(&d->stop, false, __ATOMIC_RELAXED);
	rc = pthread_create(&d->thread, NULL, dssd_main, d);
	if (rc)
		return -rc;
	pthread_setname_np(d->thread, "dssd");
	d->started = true;
	return 0;
}

void hf_dssd_stop(struct hf_dssd *d)
{
	if (!d || !d->started)
		return;
	__atomic_store_n(&d->stop, true, __ATOMIC_RELAXED);
	wake(d);
	pthread_join(d->thread, NULL);
	d->started = false;
}

void hf_dssd_destroy(struct hf_dssd *d)
{
	if (!d)
		return;
	hf_dssd_stop(d);
	if (d->fd >= 0)
		close(d->fd);
	if (d->ep_fd >= 0)
		close(d->ep_fd);
	if (d->timer_fd >= 0)
		close(d->timer_fd);
	if (d->wake_fd >= 0)
		close(d->wake_fd);
	hf_sw_tx_destroy(d->swtx);
	hf_sw_rx_destroy(d->swrx);
	free(d->meta);
	free(d->sent);
	neigh_ring_free(d->ntx);
	neigh_ring_free(d->nrx);
	hf_hap_auth_wipe(&d->auth);
	pthread_mutex_destroy(&d->role_lock);
	pthread_mutex_destroy(&d->lock);
	free(d);
}

void hf_dssd_status(struct hf_dssd *d, struct hf_dssd_status *st)
{
	pthread_mutex_lock(&d->lock);
	*st = d->pub;
	pthread_mutex_unlock(&d->lock);
}
