// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sync_window.c - HA2 sync reliability layer (see ha/sync_window.h):
 * resend queue, RTO/NACK retransmission, reorder buffer, ACK policy.
 *
 * Both sides keep their messages in a power-of-two ring indexed by
 * seq & mask, with a ring at least as large as the window (sender) or
 * the reorder capacity (receiver): the live sequences of a side are
 * then distinct modulo the ring size, and a slot is found without a
 * search. Payload bytes sit in one flat array of max_msg-byte cells.
 */
#include "ha/sync_window.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/compiler.h"

/* Serial-number comparisons of 64-bit sequences (file comment in .h). */
static inline bool seq_lt(uint64_t a, uint64_t b)
{
	return (int64_t)(a - b) < 0;
}

static inline bool seq_gt(uint64_t a, uint64_t b)
{
	return (int64_t)(a - b) > 0;
}

/* now - then, 0 if the caller's clock went backwards */
static inline uint64_t elapsed(uint64_t now, uint64_t then)
{
	return now > then ? now - then : 0;
}

static uint32_t ring_size(uint32_t n)
{
	uint32_t r = 1;

	while (r < n)
		r <<= 1;
	return r;
}

/* ------------------------------------------------------------------ */
/* Lag histogram                                                      */
/* ------------------------------------------------------------------ */

static uint32_t lag_bucket(uint64_t ns)
{
	uint64_t us = ns / 1000;
	uint32_t e, idx;

	if (us < 4)
		return (uint32_t)us;
	e = 63 - (uint32_t)__builtin_clzll(us);
	/* top three bits of us: 4..7 */
	idx = 4 * e - 8 + (uint32_t)(us >> (e - 2));
	return HF_MIN(idx, HF_SW_LAG_BUCKETS - 1);
}

/* exclusive upper edge of bucket @idx, in ns */
static uint64_t lag_bucket_end_ns(uint32_t idx)
{
	uint32_t e, m;

	if (idx < 4)
		return (uint64_t)(idx + 1) * 1000;
	e = idx / 4 + 1;
	m = idx % 4 + 4;
	return ((uint64_t)(m + 1) << (e - 2)) * 1000;
}

uint64_t hf_sw_lag_percentile_ns(const uint64_t hist[HF_SW_LAG_BUCKETS],
				 uint32_t permille)
{
	uint64_t total = 0, rank, sum = 0;
	uint32_t i;

	for (i = 0; i < HF_SW_LAG_BUCKETS; i++)
		total += hist[i];
	if (!total)
		return 0;
	permille = HF_MIN(permille, 1000u);
	/* rank of the sample, 1-based, rounded up */
	rank = (total * permille + 999) / 1000;
	if (!rank)
		rank = 1;
	for (i = 0; i < HF_SW_LAG_BUCKETS; i++) {
		sum += hist[i];
		if (sum >= rank)
			break;
	}
	return lag_bucket_end_ns(HF_MIN(i, HF_SW_LAG_BUCKETS - 1));
}

/* ------------------------------------------------------------------ */
/* Sender                                                             */
/* ------------------------------------------------------------------ */

struct tx_slot {
	uint64_t push_ns;	/* queued at */
	uint64_t tx_ns;		/* last transmission */
	uint32_t len;
	uint16_t ntx;		/* transmissions so far (saturating) */
	bool marked;		/* to be resent on the next poll */
};

struct hf_sw_tx {
	/* hot: every push, poll and ack */
	uint64_t epoch;
	uint64_t base;		/* oldest queued (unacked) sequence */
	uint64_t next_new;	/* next never-sent sequence */
	uint64_t next_seq;	/* sequence of the next push */
	uint64_t scan;		/* no marked slot below this sequence */
	uint32_t n_marked;
	uint32_t mask;
	uint32_t window;
	uint32_t max_msg;
	uint64_t rto_cur;
	uint64_t srtt;
	struct tx_slot *slot;
	uint8_t *buf;
	struct hf_sw_tx_counters cnt;
	uint64_t lag_hist[HF_SW_LAG_BUCKETS];
	/* cold: configuration, flags, bulk */
	uint64_t rto_init;
	uint64_t rto_max;
	uint64_t guard_min;
	uint32_t rto_burst;
	bool overflow;
	enum hf_sw_bulk_state bulk;
	uint64_t bulk_first;
	uint64_t bulk_last;
};

static inline struct tx_slot *tx_slot(const struct hf_sw_tx *tx, uint64_t seq)
{
	return &tx->slot[seq & tx->mask];
}

static inline uint8_t *tx_buf(const struct hf_sw_tx *tx, uint64_t seq)
{
	return tx->buf + (size_t)(seq & tx->mask) * tx->max_msg;
}

static inline uint32_t tx_depth(const struct hf_sw_tx *tx)
{
	return (uint32_t)(tx->next_seq - tx->base);
}

static void tx_start(struct hf_sw_tx *tx, uint64_t epoch, uint64_t first_seq)
{
	uint32_t i;

	for (i = 0; i <= tx->mask; i++)
		tx->slot[i].marked = false;
	tx->epoch = epoch;
	tx->base = first_seq;
	tx->next_new = first_seq;
	tx->next_seq = first_seq;
	tx->scan = first_seq;
	tx->n_marked = 0;
	tx->rto_cur = tx->rto_init;
	tx->overflow = false;
	tx->bulk = HF_SW_BULK_IDLE;
	tx->bulk_first = first_seq;
	tx->bulk_last = first_seq - 1;
}

int hf_sw_tx_create(struct hf_sw_tx **out, const struct hf_sw_tx_config *cfg)
{
	struct hf_sw_tx *tx;
	uint32_t ring;

	*out = NULL;
	if (!cfg->epoch || cfg->max_msg > HF_SW_MSG_MAX ||
	    cfg->window > HF_SW_CAP_MAX)
		return -EINVAL;
	tx = calloc(1, sizeof(*tx));
	if (!tx)
		return -ENOMEM;
	tx->window = cfg->window ? cfg->window : HF_SW_WINDOW_DEFAULT;
	tx->max_msg = cfg->max_msg ? cfg->max_msg : HF_SW_MAX_MSG_DEFAULT;
	tx->rto_burst = cfg->rto_burst ? cfg->rto_burst :
			HF_SW_RTO_BURST_DEFAULT;
	tx->rto_init = cfg->rto_ns ? cfg->rto_ns : HF_SW_RTO_DEFAULT_NS;
	tx->rto_max = cfg->rto_max_ns ? cfg->rto_max_ns :
		      HF_MAX(HF_SW_RTO_MAX_DEFAULT_NS, tx->rto_init);
	tx->guard_min = cfg->nack_guard_ns ? cfg->nack_guard_ns :
			HF_SW_NACK_GUARD_DEFAULT_NS;
	if (tx->rto_max < tx->rto_init) {
		free(tx);
		return -EINVAL;
	}
	ring = ring_size(tx->window);
	tx->mask = ring - 1;
	tx->slot = calloc(ring, sizeof(*tx->slot));
	tx->buf = malloc((size_t)ring * tx->max_msg);
	if (!tx->slot || !tx->buf) {
		hf_sw_tx_destroy(tx);
		return -ENOMEM;
	}
	tx_start(tx, cfg->epoch, cfg->first_seq);
	*out = tx;
	return 0;
}

void hf_sw_tx_destroy(struct hf_sw_tx *tx)
{
	if (!tx)
		return;
	free(tx->buf);
	free(tx->slot);
	free(tx);
}

int hf_sw_tx_reset(struct hf_sw_tx *tx, uint64_t epoch, uint64_t first_seq)
{
	if (!epoch || epoch == tx->epoch)
		return -EINVAL;
	tx_start(tx, epoch, first_seq);
	return 0;
}

uint32_t hf_sw_tx_space(const struct hf_sw_tx *tx)
{
	return tx->window - tx_depth(tx);
}

int hf_sw_tx_reserve(struct hf_sw_tx *tx, uint8_t **buf, uint64_t *seq)
{
	if (tx_depth(tx) >= tx->window)
		return -ENOBUFS;
	*buf = tx_buf(tx, tx->next_seq);
	if (seq)
		*seq = tx->next_seq;
	return 0;
}

int hf_sw_tx_commit(struct hf_sw_tx *tx, uint32_t len, uint64_t now_ns)
{
	struct tx_slot *s;

	if (len > tx->max_msg)
		return -EMSGSIZE;
	if (tx_depth(tx) >= tx->window) {
		tx->cnt.push_full++;
		tx->overflow = true;
		return -ENOBUFS;
	}
	s = tx_slot(tx, tx->next_seq);
	s->push_ns = now_ns;
	s->tx_ns = 0;
	s->len = len;
	s->ntx = 0;
	s->marked = false;
	tx->next_seq++;
	tx->cnt.pushed++;
	return 0;
}

int hf_sw_tx_push(struct hf_sw_tx *tx, const void *data, uint32_t len,
		  uint64_t now_ns, uint64_t *seq)
{
	uint64_t s = tx->next_seq;
	int err;

	if (len > tx->max_msg)
		return -EMSGSIZE;
	if (tx_depth(tx) < tx->window && len)
		memcpy(tx_buf(tx, s), data, len);
	err = hf_sw_tx_commit(tx, len, now_ns);
	if (!err && seq)
		*seq = s;
	return err;
}

static void tx_mark(struct hf_sw_tx *tx, uint64_t seq)
{
	tx_slot(tx, seq)->marked = true;
	tx->n_marked++;
	if (seq_lt(seq, tx->scan))
		tx->scan = seq;
}

/* RTO: the oldest in-flight message was last sent rto_cur ago. */
static void tx_check_rto(struct hf_sw_tx *tx, uint64_t now)
{
	const struct tx_slot *s;
	uint64_t seq = tx->base;
	uint32_t i;

	if (tx->base == tx->next_new)
		return;
	s = tx_slot(tx, seq);
	if (s->marked || elapsed(now, s->tx_ns) < tx->rto_cur)
		return;
	tx->cnt.rto_expiries++;
	for (i = 0; i < tx->rto_burst && seq_lt(seq, tx->next_new);
	     i++, seq++) {
		s = tx_slot(tx, seq);
		if (s->marked)
			continue;
		if (elapsed(now, s->tx_ns) < tx->rto_cur)
			break;
		tx_mark(tx, seq);
		tx->cnt.rto_marked++;
	}
	tx->rto_cur = HF_MIN(tx->rto_cur * 2, tx->rto_max);
}

static void tx_fill(struct hf_sw_tx *tx, uint64_t seq, uint64_t now,
		    struct hf_sw_msg *m)
{
	struct tx_slot *s = tx_slot(tx, seq);

	m->epoch = tx->epoch;
	m->seq = seq;
	m->base = tx->base;
	m->data = tx_buf(tx, seq);
	m->len = s->len;
	m->rexmit = s->ntx > 0;
	s->tx_ns = now;
	if (s->ntx < UINT16_MAX)
		s->ntx++;
}

uint32_t hf_sw_tx_poll(struct hf_sw_tx *tx, uint64_t now_ns,
		       struct hf_sw_msg *out, uint32_t max)
{
	uint32_t n = 0;

	tx_check_rto(tx, now_ns);
	while (n < max && tx->n_marked) {
		/* every marked slot lies in [scan, next_new) */
		while (seq_lt(tx->scan, tx->next_new) &&
		       !tx_slot(tx, tx->scan)->marked)
			tx->scan++;
		if (!seq_lt(tx->scan, tx->next_new)) {
			assert(!"marked slot outside [scan, next_new)");
			tx->n_marked = 0;
			break;
		}
		tx_slot(tx, tx->scan)->marked = false;
		tx->n_marked--;
		tx_fill(tx, tx->scan, now_ns, &out[n++]);
		tx->cnt.rexmit++;
		tx->scan++;
	}
	while (n < max && tx->next_new != tx->next_seq) {
		tx_fill(tx, tx->next_new, now_ns, &out[n++]);
		tx->next_new++;
		tx->cnt.sent++;
	}
	return n;
}

uint64_t hf_sw_tx_deadline(const struct hf_sw_tx *tx)
{
	const struct tx_slot *s;

	if (tx->n_marked || tx->next_new != tx->next_seq)
		return 0;
	if (tx->base == tx->next_new)
		return UINT64_MAX;
	s = tx_slot(tx, tx->base);
	return s->tx_ns + tx->rto_cur;
}

/* A NACK older than one RTT (as far as we know it) is stale. */
static uint64_t tx_guard(const struct hf_sw_tx *tx)
{
	if (!tx->srtt)
		return tx->guard_min;
	return HF_MIN(HF_MAX(tx->srtt, tx->guard_min), tx->rto_init);
}

static void tx_free_upto(struct hf_sw_tx *tx, uint64_t cum, uint64_t now)
{
	const struct tx_slot *s = NULL;
	int64_t d;

	while (!seq_gt(tx->base, cum)) {
		s = tx_slot(tx, tx->base);
		if (s->marked) {
			tx_slot(tx, tx->base)->marked = false;
			tx->n_marked--;
		}
		tx->lag_hist[lag_bucket(elapsed(now, s->push_ns))]++;
		tx->cnt.acked++;
		tx->base++;
	}
	if (seq_lt(tx->scan, tx->base))
		tx->scan = tx->base;
	/* Karn: only a message sent once gives an unambiguous RTT */
	if (s && s->ntx == 1) {
		d = (int64_t)elapsed(now, s->tx_ns);
		if (!tx->srtt)
			tx->srtt = (uint64_t)d;
		else
			tx->srtt = (uint64_t)((int64_t)tx->srtt +
					      (d - (int64_t)tx->srtt) / 8);
	}
}

static void tx_nack(struct hf_sw_tx *tx, const struct hf_sw_range *r,
		    uint64_t cum, uint64_t now)
{
	uint64_t last_sent = tx->next_new - 1;
	uint64_t first = r->first, last = r->last, guard, seq;
	struct tx_slot *s;

	if (seq_gt(first, last) || !seq_gt(last, cum) ||
	    seq_gt(first, last_sent)) {
		tx->cnt.nack_bogus++;
		return;
	}
	if (!seq_gt(first, cum) || seq_gt(last, last_sent)) {
		tx->cnt.nack_bogus++;	/* clipped, rest is usable */
		if (!seq_gt(first, cum))
			first = cum + 1;
		if (seq_gt(last, last_sent))
			last = last_sent;
	}
	tx->cnt.nack_ranges++;
	guard = tx_guard(tx);
	/* first > cum >= base - 1 and last <= last_sent: all queued */
	for (seq = first; !seq_gt(seq, last); seq++) {
		s = tx_slot(tx, seq);
		if (s->marked)
			continue;
		/* a first copy is resent at once (fast repair); a resent
		 * one only when the NACK cannot predate it */
		if (s->ntx > 1 && elapsed(now, s->tx_ns) < guard) {
			tx->cnt.nack_guarded++;
			continue;
		}
		tx_mark(tx, seq);
		tx->cnt.nack_marked++;
	}
}

int hf_sw_tx_ack(struct hf_sw_tx *tx, const struct hf_sw_ack *ack,
		 uint64_t now_ns)
{
	uint64_t freed = ack->cum - (tx->base - 1);
	uint32_t i, n = ack->n_nack;

	tx->cnt.ack_rx++;
	if (ack->epoch != tx->epoch) {
		tx->cnt.ack_bad_epoch++;
		return -ESTALE;
	}
	if (seq_lt(ack->cum, tx->base - 1)) {
		tx->cnt.ack_stale++;
		return -EALREADY;
	}
	if (seq_gt(ack->cum, tx->next_new - 1)) {
		tx->cnt.ack_beyond++;
		return -ERANGE;
	}
	if (freed) {
		tx_free_upto(tx, ack->cum, now_ns);
		tx->cnt.ack_advance++;
	} else {
		tx->cnt.ack_dup++;
	}
	tx->rto_cur = tx->rto_init;	/* the peer is alive */
	if (n > HF_SW_NACK_MAX) {
		tx->cnt.nack_bogus += n - HF_SW_NACK_MAX;
		n = HF_SW_NACK_MAX;
	}
	for (i = 0; i < n; i++)
		tx_nack(tx, &ack->nack[i], ack->cum, now_ns);
	return (int)HF_MIN(freed, (uint64_t)HF_SW_CAP_MAX);
}

bool hf_sw_tx_needs_resync(const struct hf_sw_tx *tx)
{
	return tx->overflow;
}

void hf_sw_tx_bulk_start(struct hf_sw_tx *tx)
{
	tx->overflow = false;
	tx->bulk = HF_SW_BULK_RUNNING;
	tx->bulk_first = tx->next_seq;
}

void hf_sw_tx_bulk_end(struct hf_sw_tx *tx)
{
	if (tx->bulk != HF_SW_BULK_RUNNING)
		return;
	tx->bulk = HF_SW_BULK_SENT;
	tx->bulk_last = tx->next_seq - 1;
}

void hf_sw_tx_stats(const struct hf_sw_tx *tx, uint64_t now_ns,
		    struct hf_sw_tx_stats *st)
{
	uint64_t last_acked = tx->base - 1, last;

	memset(st, 0, sizeof(*st));
	st->epoch = tx->epoch;
	st->last_sent = tx->next_new - 1;
	st->last_acked = last_acked;
	st->next_seq = tx->next_seq;
	st->depth = tx_depth(tx);
	st->in_flight = (uint32_t)(tx->next_new - tx->base);
	st->unsent = (uint32_t)(tx->next_seq - tx->next_new);
	st->window = tx->window;
	if (st->depth)
		st->oldest_age_ns = elapsed(now_ns,
					    tx_slot(tx, tx->base)->push_ns);
	st->rto_ns = tx->rto_cur;
	st->srtt_ns = tx->srtt;
	st->resync_needed = tx->overflow;
	st->bulk = tx->bulk;
	st->bulk_first = tx->bulk_first;
	if (tx->bulk != HF_SW_BULK_IDLE) {
		last = tx->bulk == HF_SW_BULK_RUNNING ? tx->next_seq - 1 :
						       tx->bulk_last;
		st->bulk_msgs = last + 1 - tx->bulk_first;
		if (!seq_lt(last_acked, tx->bulk_first))
			st->bulk_acked = (seq_lt(last_acked, last) ?
					  last_acked : last) + 1 -
					 tx->bulk_first;
		if (tx->bulk == HF_SW_BULK_SENT &&
		    st->bulk_acked == st->bulk_msgs)
			st->bulk = HF_SW_BULK_DONE;
	}
	st->cnt = tx->cnt;
	memcpy(st->lag_hist, tx->lag_hist, sizeof(st->lag_hist));
}

/* ------------------------------------------------------------------ */
/* Receiver                                                           */
/* ------------------------------------------------------------------ */

struct rx_slot {
	uint64_t seq;
	uint32_t len;
	bool present;
};

struct hf_sw_rx {
	/* hot: every input */
	uint64_t epoch;
	uint64_t next;		/* next expected sequence */
	uint64_t highest;	/* highest sequence seen (>= next - 1) */
	uint32_t cap;		/* reorder window: seq - next < cap */
	uint32_t mask;
	uint32_t max_msg;
	uint32_t depth;		/* messages held */
	uint32_t pending;	/* messages since the last ACK */
	bool has_epoch;
	bool urgent;		/* ACK at once */
	bool resync;
	bool bulk_active;
	uint64_t pending_ns;	/* first message since the last ACK */
	uint64_t last_ack_ns;
	uint64_t last_rx_ns;	/* last message of the current epoch */
	hf_sw_deliver_fn deliver;
	void *arg;
	struct rx_slot *slot;
	uint8_t *buf;
	struct hf_sw_rx_counters cnt;
	/* cold */
	uint32_t ack_every;
	uint32_t max_nack;
	uint64_t ack_delay;
	uint64_t nack_interval;
	uint64_t stale_epoch;
	uint64_t old_epoch[HF_SW_EPOCH_HISTORY];
	uint32_t n_old;		/* entries used in old_epoch, ring */
};

static inline struct rx_slot *rx_slot(const struct hf_sw_rx *rx, uint64_t seq)
{
	return &rx->slot[seq & rx->mask];
}

static inline uint8_t *rx_buf(const struct hf_sw_rx *rx, uint64_t seq)
{
	return rx->buf + (size_t)(seq & rx->mask) * rx->max_msg;
}

static void rx_flush(struct hf_sw_rx *rx)
{
	uint32_t i;

	for (i = 0; i <= rx->mask; i++)
		rx->slot[i].present = false;
	rx->depth = 0;
	rx->pending = 0;
	rx->urgent = false;
	rx->bulk_active = false;
}

int hf_sw_rx_create(struct hf_sw_rx **out, const struct hf_sw_rx_config *cfg)
{
	struct hf_sw_rx *rx;
	uint32_t ring;

	*out = NULL;
	if (!cfg->deliver || cfg->reorder > HF_SW_CAP_MAX ||
	    cfg->max_msg > HF_SW_MSG_MAX || cfg->max_nack > HF_SW_NACK_MAX)
		return -EINVAL;
	rx = calloc(1, sizeof(*rx));
	if (!rx)
		return -ENOMEM;
	rx->cap = cfg->reorder ? cfg->reorder : HF_SW_REORDER_DEFAULT;
	rx->max_msg = cfg->max_msg ? cfg->max_msg : HF_SW_MAX_MSG_DEFAULT;
	rx->ack_every = cfg->ack_every ? cfg->ack_every :
			HF_SW_ACK_EVERY_DEFAULT;
	rx->max_nack = cfg->max_nack ? cfg->max_nack : HF_SW_NACK_MAX;
	rx->ack_delay = cfg->ack_delay_ns ? cfg->ack_delay_ns :
			HF_SW_ACK_DELAY_DEFAULT_NS;
	rx->nack_interval = cfg->nack_interval_ns ? cfg->nack_interval_ns :
			    HF_SW_NACK_INTERVAL_DEFAULT_NS;
	rx->stale_epoch = cfg->stale_epoch_ns ? cfg->stale_epoch_ns :
			  HF_SW_STALE_EPOCH_DEFAULT_NS;
	rx->deliver = cfg->deliver;
	rx->arg = cfg->arg;
	ring = ring_size(rx->cap);
	rx->mask = ring - 1;
	rx->slot = calloc(ring, sizeof(*rx->slot));
	rx->buf = malloc((size_t)ring * rx->max_msg);
	if (!rx->slot || !rx->buf) {
		hf_sw_rx_destroy(rx);
		return -ENOMEM;
	}
	*out = rx;
	return 0;
}

void hf_sw_rx_destroy(struct hf_sw_rx *rx)
{
	if (!rx)
		return;
	free(rx->buf);
	free(rx->slot);
	free(rx);
}

void hf_sw_rx_reset(struct hf_sw_rx *rx)
{
	rx_flush(rx);
	rx->has_epoch = false;
	rx->epoch = 0;
	rx->next = 0;
	rx->highest = 0;
}

/* A late message of a replaced epoch, while the current one is alive? */
static bool rx_is_stale_epoch(const struct hf_sw_rx *rx, uint64_t epoch,
			      uint64_t now)
{
	uint32_t i;

	if (elapsed(now, rx->last_rx_ns) >= rx->stale_epoch)
		return false;
	for (i = 0; i < HF_MIN(rx->n_old, HF_SW_EPOCH_HISTORY); i++)
		if (rx->old_epoch[i] == epoch)
			return true;
	return false;
}

/* A new sender incarnation (or our first): start over at its base. */
static void rx_adopt(struct hf_sw_rx *rx, uint64_t epoch, uint64_t base)
{
	if (rx->has_epoch)
		rx->old_epoch[rx->n_old++ % HF_SW_EPOCH_HISTORY] = rx->epoch;
	rx_flush(rx);
	rx->has_epoch = true;
	rx->epoch = epoch;
	rx->next = base;
	rx->highest = base - 1;
	rx->resync = true;
	rx->urgent = true;	/* tell the sender where we stand */
	rx->cnt.epoch_changes++;
}

static void rx_deliver(struct hf_sw_rx *rx, uint64_t seq,
		       const uint8_t *data, uint32_t len)
{
	if (rx->bulk_active)
		rx->cnt.bulk_msgs++;
	rx->cnt.delivered++;
	rx->next = seq + 1;
	rx->deliver(rx->arg, seq, data, len);
}

static void rx_drain(struct hf_sw_rx *rx)
{
	struct rx_slot *s;

	for (;;) {
		s = rx_slot(rx, rx->next);
		if (!s->present || s->seq != rx->next)
			return;
		s->present = false;
		rx->depth--;
		rx_deliver(rx, s->seq, rx_buf(rx, s->seq), s->len);
	}
}

/*
 * The sender freed everything below @base: only a receiver that lost
 * its state (restart, reset) can be behind it. Drop what is held below
 * base, continue from there.
 */
static void rx_skip_to(struct hf_sw_rx *rx, uint64_t base)
{
	uint64_t n = base - rx->next, i;
	struct rx_slot *s;

	for (i = 0; i < HF_MIN(n, (uint64_t)rx->cap) && rx->depth; i++) {
		s = rx_slot(rx, rx->next + i);
		if (s->present && s->seq == rx->next + i) {
			s->present = false;
			rx->depth--;
		}
	}
	rx->cnt.skipped += n;
	rx->next = base;
	if (seq_lt(rx->highest, base - 1))
		rx->highest = base - 1;
	rx->resync = true;
	rx_drain(rx);
}

static enum hf_sw_rx_verdict rx_place(struct hf_sw_rx *rx,
				      const struct hf_sw_msg *m)
{
	uint64_t d = m->seq - rx->next;
	struct rx_slot *s;

	if (seq_lt(m->seq, rx->next)) {
		rx->cnt.dup++;
		rx->urgent = true;	/* our ACK was probably lost */
		return HF_SW_RX_DUPLICATE;
	}
	if (d == 0) {
		rx->cnt.in_order++;
		rx_deliver(rx, m->seq, m->data, m->len);
		rx_drain(rx);
		return HF_SW_RX_DELIVERED;
	}
	if (seq_gt(m->seq, rx->highest + 1))
		rx->urgent = true;	/* a new hole */
	if (d >= rx->cap) {
		rx->cnt.too_far++;
		return HF_SW_RX_TOO_FAR;
	}
	s = rx_slot(rx, m->seq);
	if (s->present) {
		rx->cnt.dup++;
		return HF_SW_RX_DUPLICATE;
	}
	s->present = true;
	s->seq = m->seq;
	s->len = m->len;
	if (m->len)
		memcpy(rx_buf(rx, m->seq), m->data, m->len);
	rx->depth++;
	rx->cnt.buffered++;
	return HF_SW_RX_BUFFERED;
}

enum hf_sw_rx_verdict hf_sw_rx_input(struct hf_sw_rx *rx,
				     const struct hf_sw_msg *msg,
				     uint64_t now_ns)
{
	enum hf_sw_rx_verdict v;

	rx->cnt.rx_msgs++;
	if (!msg->epoch || msg->len > rx->max_msg ||
	    seq_gt(msg->base, msg->seq) || (msg->len && !msg->data)) {
		rx->cnt.invalid++;
		return HF_SW_RX_INVALID;
	}
	if (!rx->has_epoch || msg->epoch != rx->epoch) {
		if (rx_is_stale_epoch(rx, msg->epoch, now_ns)) {
			rx->cnt.stale_epoch++;
			return HF_SW_RX_STALE_EPOCH;
		}
		rx_adopt(rx, msg->epoch, msg->base);
	}
	rx->last_rx_ns = now_ns;
	if (seq_gt(msg->base, rx->next))
		rx_skip_to(rx, msg->base);
	v = rx_place(rx, msg);
	if (seq_gt(msg->seq, rx->highest))
		rx->highest = msg->seq;
	if (!rx->pending++)
		rx->pending_ns = now_ns;
	return v;
}

static inline bool rx_has_gap(const struct hf_sw_rx *rx)
{
	return !seq_lt(rx->highest, rx->next);
}

uint64_t hf_sw_rx_deadline(const struct hf_sw_rx *rx)
{
	uint64_t t = UINT64_MAX;

	if (!rx->has_epoch)
		return UINT64_MAX;
	if (rx->urgent || rx->pending >= rx->ack_every)
		return 0;
	if (rx->pending)
		t = rx->pending_ns + rx->ack_delay;
	if (rx_has_gap(rx))
		t = HF_MIN(t, rx->last_ack_ns + rx->nack_interval);
	return t;
}

bool hf_sw_rx_ack_due(const struct hf_sw_rx *rx, uint64_t now_ns)
{
	return now_ns >= hf_sw_rx_deadline(rx);
}

int hf_sw_rx_ack_build(struct hf_sw_rx *rx, uint64_t now_ns,
		       struct hf_sw_ack *ack)
{
	uint64_t seq, hi;
	struct hf_sw_range *r = NULL;
	const struct rx_slot *s;
	bool missing;

	if (!rx->has_epoch)
		return -ENODATA;
	ack->epoch = rx->epoch;
	ack->cum = rx->next - 1;
	ack->n_nack = 0;
	if (rx_has_gap(rx)) {
		/* NACK what could be accepted now: the reorder window */
		hi = rx->next + rx->cap - 1;
		if (seq_lt(rx->highest, hi))
			hi = rx->highest;
		for (seq = rx->next; !seq_gt(seq, hi); seq++) {
			s = rx_slot(rx, seq);
			missing = !s->present || s->seq != seq;
			if (!missing) {
				r = NULL;
				continue;
			}
			if (r) {
				r->last = seq;
				continue;
			}
			if (ack->n_nack == rx->max_nack)
				break;
			r = &ack->nack[ack->n_nack++];
			r->first = seq;
			r->last = seq;
		}
	}
	rx->cnt.acks++;
	rx->cnt.nack_ranges += ack->n_nack;
	rx->pending = 0;
	rx->urgent = false;
	rx->last_ack_ns = now_ns;
	return 0;
}

bool hf_sw_rx_needs_resync(const struct hf_sw_rx *rx)
{
	return rx->resync;
}

void hf_sw_rx_bulk_start(struct hf_sw_rx *rx)
{
	rx->resync = false;
	rx->bulk_active = true;
}

void hf_sw_rx_bulk_end(struct hf_sw_rx *rx)
{
	if (!rx->bulk_active)
		return;
	rx->bulk_active = false;
	rx->cnt.bulks++;
}

void hf_sw_rx_stats(const struct hf_sw_rx *rx, struct hf_sw_rx_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->has_epoch = rx->has_epoch;
	st->resync_needed = rx->resync;
	st->bulk_active = rx->bulk_active;
	if (rx->has_epoch) {
		st->epoch = rx->epoch;
		st->last_delivered = rx->next - 1;
		st->highest_seen = rx->highest;
	}
	st->reorder_depth = rx->depth;
	st->cnt = rx->cnt;
}
