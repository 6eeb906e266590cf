// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_sync_window.c - ha/sync_window.h: the HA2 sync reliability layer.
 * In-order delivery, loss -> NACK -> resend, the NACK guard, reordering
 * within and beyond the reorder buffer, duplicates, lost ACKs -> RTO with
 * backoff, cumulative freeing and lag metrics, a full window, bogus ACKs,
 * peer restart (new epoch) and receiver restart (skip to base), sequence
 * wrap, bulk progress, the ACK policy timers, and a seeded simulation of
 * a lossy, reordering, duplicating channel in both directions checked
 * against the sender's exact payload sequence and the metrics'
 * invariants. Payloads are a function of the sequence number, so the
 * sink verifies every delivered byte.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/compiler.h"
#include "ha/sync_window.h"

#define T0	1000000000000ULL
#define US	1000ULL
#define MS	1000000ULL
#define BUF_MAX	1400u

/* ------------------------------------------------------------------ */
/* Payloads: deterministic function of the sequence number            */
/* ------------------------------------------------------------------ */

static uint64_t mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static uint32_t gen_len(uint64_t seq, uint32_t max)
{
	if (seq % 7 == 3)
		return max;
	if (seq % 11 == 5)
		return 0;
	return (uint32_t)(mix(seq) % (max + 1));
}

static void gen_fill(uint64_t seq, uint8_t *b, uint32_t len)
{
	uint64_t h = 0;
	uint32_t i;

	for (i = 0; i < len; i++) {
		if (i % 8 == 0)
			h = mix(seq * 65537 + i);
		b[i] = (uint8_t)(h >> (8 * (i % 8)));
	}
}

/* ------------------------------------------------------------------ */
/* Sink: checks order and bytes of every delivered message            */
/* ------------------------------------------------------------------ */

#define SINK_SEQS	256

struct sink {
	uint64_t first;		/* expected sequence of delivery 0 */
	uint64_t n;		/* deliveries */
	uint64_t bad;		/* out of order or wrong bytes */
	uint32_t max_msg;
	uint64_t seq[SINK_SEQS];
};

static void sink_deliver(void *arg, uint64_t seq, const uint8_t *data,
			 uint32_t len)
{
	struct sink *k = arg;
	uint8_t exp[BUF_MAX];

	if (seq != k->first + k->n)
		k->bad++;
	if (len != gen_len(seq, k->max_msg)) {
		k->bad++;
	} else {
		gen_fill(seq, exp, len);
		if (len && memcmp(exp, data, len))
			k->bad++;
	}
	if (k->n < SINK_SEQS)
		k->seq[k->n] = seq;
	k->n++;
}

/* ------------------------------------------------------------------ */
/* Helpers                                                            */
/* ------------------------------------------------------------------ */

struct pair {
	struct hf_sw_tx *tx;
	struct hf_sw_rx *rx;
	struct sink sink;
	uint32_t max_msg;
};

static struct pair *pair_new(const struct hf_sw_tx_config *tc,
			     const struct hf_sw_rx_config *rc_in)
{
	struct pair *p = calloc(1, sizeof(*p));
	struct hf_sw_rx_config rc = *rc_in;

	assert_non_null(p);
	p->max_msg = tc->max_msg ? tc->max_msg : HF_SW_MAX_MSG_DEFAULT;
	p->sink.first = tc->first_seq;
	p->sink.max_msg = p->max_msg;
	rc.deliver = sink_deliver;
	rc.arg = &p->sink;
	rc.max_msg = p->max_msg;
	assert_int_equal(hf_sw_tx_create(&p->tx, tc), 0);
	assert_int_equal(hf_sw_rx_create(&p->rx, &rc), 0);
	return p;
}

static void pair_free(struct pair *p)
{
	hf_sw_tx_destroy(p->tx);
	hf_sw_rx_destroy(p->rx);
	free(p);
}

static void push_n(struct pair *p, uint32_t n, uint64_t now)
{
	struct hf_sw_tx_stats st;
	uint8_t b[BUF_MAX];
	uint64_t seq, got;
	uint32_t i, len;

	for (i = 0; i < n; i++) {
		hf_sw_tx_stats(p->tx, now, &st);
		seq = st.next_seq;
		len = gen_len(seq, p->max_msg);
		gen_fill(seq, b, len);
		assert_int_equal(hf_sw_tx_push(p->tx, b, len, now, &got), 0);
		assert_true(got == seq);
	}
}

/* A message whose payload outlives the sender's queue slot. */
struct held {
	struct hf_sw_msg m;
	uint8_t buf[BUF_MAX];
};

static void hold_msg(struct held *h, const struct hf_sw_msg *m)
{
	h->m = *m;
	memcpy(h->buf, m->data, m->len);
	h->m.data = h->buf;
}

static uint64_t sum_hist(const uint64_t *h)
{
	uint64_t s = 0;
	uint32_t i;

	for (i = 0; i < HF_SW_LAG_BUCKETS; i++)
		s += h[i];
	return s;
}

static const struct hf_sw_rx_config rx_default = { 0 };

/* ------------------------------------------------------------------ */
/* Unit cases                                                         */
/* ------------------------------------------------------------------ */

static void test_create_invalid_and_defaults(void **state)
{
	struct hf_sw_tx_config tc = { .epoch = 1 };
	struct hf_sw_rx_config rc = { .deliver = sink_deliver };
	struct hf_sw_tx_stats st;
	struct hf_sw_tx *tx = (void *)&tc;	/* create must clear it */
	struct hf_sw_rx *rx = (void *)&rc;

	(void)state;
	tc.epoch = 0;
	assert_int_equal(hf_sw_tx_create(&tx, &tc), -EINVAL);
	assert_null(tx);
	tc.epoch = 1;
	tc.max_msg = HF_SW_MSG_MAX + 1;
	assert_int_equal(hf_sw_tx_create(&tx, &tc), -EINVAL);
	tc.max_msg = 0;
	tc.window = HF_SW_CAP_MAX + 1;
	assert_int_equal(hf_sw_tx_create(&tx, &tc), -EINVAL);
	tc.window = 0;
	tc.rto_ns = 50 * MS;
	tc.rto_max_ns = 10 * MS;
	assert_int_equal(hf_sw_tx_create(&tx, &tc), -EINVAL);
	tc.rto_ns = 0;
	tc.rto_max_ns = 0;

	rc.deliver = NULL;
	assert_int_equal(hf_sw_rx_create(&rx, &rc), -EINVAL);
	assert_null(rx);
	rc.deliver = sink_deliver;
	rc.reorder = HF_SW_CAP_MAX + 1;
	assert_int_equal(hf_sw_rx_create(&rx, &rc), -EINVAL);
	rc.reorder = 0;
	rc.max_nack = HF_SW_NACK_MAX + 1;
	assert_int_equal(hf_sw_rx_create(&rx, &rc), -EINVAL);
	rc.max_nack = 0;
	rc.max_msg = HF_SW_MSG_MAX + 1;
	assert_int_equal(hf_sw_rx_create(&rx, &rc), -EINVAL);

	/* zero fields take the documented defaults */
	assert_int_equal(hf_sw_tx_create(&tx, &tc), 0);
	hf_sw_tx_stats(tx, T0, &st);
	assert_int_equal(st.window, HF_SW_WINDOW_DEFAULT);
	assert_int_equal(st.rto_ns, HF_SW_RTO_DEFAULT_NS);
	assert_int_equal(st.depth, 0);
	assert_int_equal(hf_sw_tx_space(tx), HF_SW_WINDOW_DEFAULT);
	assert_true(hf_sw_tx_deadline(tx) == UINT64_MAX);
	hf_sw_tx_destroy(tx);
	rc.max_msg = 0;
	assert_int_equal(hf_sw_rx_create(&rx, &rc), 0);
	hf_sw_rx_destroy(rx);
	hf_sw_tx_destroy(NULL);
	hf_sw_rx_destroy(NULL);
}

static void test_in_order(void **state)
{
	struct hf_sw_tx_config tc = { .epoch = 5, .first_seq = 100 };
	struct pair *p = pair_new(&tc, &rx_default);
	struct hf_sw_msg out[16];
	struct hf_sw_tx_stats ts;
	struct hf_sw_rx_stats rs;
	struct hf_sw_ack ack;
	uint32_t i, n;

	(void)state;
	push_n(p, 10, T0);
	hf_sw_tx_stats(p->tx, T0, &ts);
	assert_int_equal(ts.depth, 10);
	assert_int_equal(ts.unsent, 10);
	assert_int_equal(ts.in_flight, 0);
	assert_int_equal(ts.last_sent, 99);
	assert_int_equal(hf_sw_tx_deadline(p->tx), 0);

	n = hf_sw_tx_poll(p->tx, T0, out, ARRAY_SIZE(out));
	assert_int_equal(n, 10);
	for (i = 0; i < n; i++) {
		assert_int_equal(out[i].seq, 100 + i);
		assert_int_equal(out[i].epoch, 5);
		assert_int_equal(out[i].base, 100);
		assert_false(out[i].rexmit);
		assert_int_equal(hf_sw_rx_input(p->rx, &out[i], T0 + 50 * US),
				 HF_SW_RX_DELIVERED);
	}
	/* both a zero-length and a max-length payload went through */
	assert_int_equal(gen_len(104, p->max_msg), 0);
	assert_int_equal(gen_len(108, p->max_msg), p->max_msg);
	assert_int_equal(p->sink.n, 10);
	assert_int_equal(p->sink.bad, 0);
	assert_int_equal(hf_sw_tx_poll(p->tx, T0, out, ARRAY_SIZE(out)), 0);
	assert_int_equal(hf_sw_tx_deadline(p->tx), T0 + HF_SW_RTO_DEFAULT_NS);

	/* first message of an epoch: ACK at once to tell where we stand */
	assert_true(hf_sw_rx_ack_due(p->rx, T0 + 50 * US));
	assert_int_equal(hf_sw_rx_ack_build(p->rx, T0 + 50 * US, &ack), 0);
	assert_int_equal(ack.epoch, 5);
	assert_int_equal(ack.cum, 109);
	assert_int_equal(ack.n_nack, 0);
	assert_int_equal(hf_sw_tx_ack(p->tx, &ack, T0 + 100 * US), 10);

	hf_sw_tx_stats(p->tx, T0 + 100 * US, &ts);
	assert_int_equal(ts.last_sent, 109);
	assert_int_equal(ts.last_acked, 109);
	assert_int_equal(ts.depth, 0);
	assert_int_equal(ts.oldest_age_ns, 0);
	assert_int_equal(ts.cnt.acked, 10);
	assert_int_equal(ts.cnt.rexmit, 0);
	assert_int_equal(sum_hist(ts.lag_hist), 10);
	assert_int_equal(ts.srtt_ns, 100 * US);
	assert_true(hf_sw_tx_deadline(p->tx) == UINT64_MAX);

	hf_sw_rx_stats(p->rx, &rs);
	assert_true(rs.has_epoch);
	assert_int_equal(rs.last_delivered, 109);
	assert_int_equal(rs.cnt.in_order, 10);
	assert_int_equal(rs.cnt.delivered, 10);
	assert_int_equal(rs.reorder_depth, 0);
	assert_true(hf_sw_rx_deadline(p->rx) == UINT64_MAX);
	pair_free(p);
}

static void test_loss_nack_resend(void **state)
{
	struct hf_sw_tx_config tc = { .epoch = 9, .first_seq = 100 };
	struct pair *p = pair_new(&tc, &rx_default);
	struct hf_sw_msg out[32];
	struct hf_sw_tx_stats ts;
	struct hf_sw_rx_stats rs;
	struct hf_sw_ack ack;
	uint64_t now = T0 + 100 * US;
	uint32_t i, n;

	(void)state;
	push_n(p, 20, T0);
	assert_int_equal(hf_sw_tx_poll(p->tx, T0, out, ARRAY_SIZE(out)), 20);
	for (i = 0; i < 20; i++) {
		if (i == 5 || (i >= 9 && i <= 11))
			continue;	/* lost */
		hf_sw_rx_input(p->rx, &out[i], now);
	}
	assert_int_equal(p->sink.n, 5);
	hf_sw_rx_stats(p->rx, &rs);
	assert_int_equal(rs.reorder_depth, 11);
	assert_int_equal(rs.highest_seen, 119);
	assert_int_equal(rs.cnt.buffered, 11);

	assert_true(hf_sw_rx_ack_due(p->rx, now));
	assert_int_equal(hf_sw_rx_ack_build(p->rx, now, &ack), 0);
	assert_int_equal(ack.cum, 104);
	assert_int_equal(ack.n_nack, 2);
	assert_int_equal(ack.nack[0].first, 105);
	assert_int_equal(ack.nack[0].last, 105);
	assert_int_equal(ack.nack[1].first, 109);
	assert_int_equal(ack.nack[1].last, 111);

	now = T0 + MS;
	assert_int_equal(hf_sw_tx_ack(p->tx, &ack, now), 5);
	hf_sw_tx_stats(p->tx, now, &ts);
	assert_int_equal(ts.cnt.nack_ranges, 2);
	assert_int_equal(ts.cnt.nack_marked, 4);
	assert_int_equal(ts.in_flight, 15);
	assert_int_equal(hf_sw_tx_deadline(p->tx), 0);

	n = hf_sw_tx_poll(p->tx, now, out, ARRAY_SIZE(out));
	assert_int_equal(n, 4);
	assert_int_equal(out[0].seq, 105);
	assert_int_equal(out[1].seq, 109);
	assert_int_equal(out[2].seq, 110);
	assert_int_equal(out[3].seq, 111);
	for (i = 0; i < n; i++) {
		assert_true(out[i].rexmit);
		assert_int_equal(out[i].base, 105);
		hf_sw_rx_input(p->rx, &out[i], now + 50 * US);
	}
	assert_int_equal(p->sink.n, 20);
	assert_int_equal(p->sink.bad, 0);
	for (i = 0; i < 20; i++)
		assert_int_equal(p->sink.seq[i], 100 + i);

	assert_int_equal(hf_sw_rx_ack_build(p->rx, now + 2 * MS, &ack), 0);
	assert_int_equal(ack.cum, 119);
	assert_int_equal(ack.n_nack, 0);
	assert_int_equal(hf_sw_tx_ack(p->tx, &ack, now + 2 * MS), 15);
	hf_sw_tx_stats(p->tx, now + 2 * MS, &ts);
	assert_int_equal(ts.depth, 0);
	assert_int_equal(ts.cnt.sent, 20);
	assert_int_equal(ts.cnt.rexmit, 4);
	assert_int_equal(ts.cnt.acked, 20);
	assert_int_equal(sum_hist(ts.lag_hist), 20);
	pair_free(p);
}

/*
 * The first NACK of a loss is acted on at once; a NACK that arrives
 * within one RTT of a resend predates it and is ignored; the receiver's
 * re-NACK after nack_interval gets the next copy.
 */
static void test_nack_guard_and_renack(void **state)
{
	struct hf_sw_tx_config tc = { .epoch = 3, .first_seq = 0 };
	struct pair *p = pair_new(&tc, &rx_default);
	struct hf_sw_msg out[4];
	struct hf_sw_tx_stats ts;
	struct hf_sw_ack ack;
	uint64_t t_ack = T0 + 100 * US;

	(void)state;
	push_n(p, 3, T0);
	assert_int_equal(hf_sw_tx_poll(p->tx, T0, out, 4), 3);
	hf_sw_rx_input(p->rx, &out[0], T0 + 20 * US);
	hf_sw_rx_input(p->rx, &out[2], T0 + 30 * US);
	assert_true(hf_sw_rx_ack_due(p->rx, T0 + 30 * US));
	assert_int_equal(hf_sw_rx_ack_build(p->rx, T0 + 30 * US, &ack), 0);
	assert_int_equal(ack.n_nack, 1);
	assert_int_equal(ack.nack[0].first, 1);
	assert_int_equal(ack.nack[0].last, 1);

	/* 60 us after the first send: resent at once */
	assert_int_equal(hf_sw_tx_ack(p->tx, &ack, T0 + 60 * US), 1);
	assert_int_equal(hf_sw_tx_poll(p->tx, T0 + 60 * US, out, 4), 1);
	assert_int_equal(out[0].seq, 1);
	assert_true(out[0].rexmit);
	/* ... that copy is lost. An ACK written before it could arrive
	 * repeats the NACK: inside the guard (srtt 60 us, floor 200 us) */
	assert_int_equal(hf_sw_rx_ack_build(p->rx, t_ack, &ack), 0);
	assert_int_equal(ack.n_nack, 1);
	assert_int_equal(hf_sw_tx_ack(p->tx, &ack, T0 + 120 * US), 0);
	hf_sw_tx_stats(p->tx, T0 + 120 * US, &ts);
	assert_int_equal(ts.srtt_ns, 60 * US);
	assert_int_equal(ts.cnt.nack_guarded, 1);
	assert_int_equal(ts.cnt.nack_marked, 1);
	assert_int_equal(hf_sw_tx_poll(p->tx, T0 + 120 * US, out, 4), 0);

	/* the gap stays open: the receiver re-NACKs after nack_interval */
	assert_int_equal(hf_sw_rx_deadline(p->rx),
			 t_ack + HF_SW_NACK_INTERVAL_DEFAULT_NS);
	assert_false(hf_sw_rx_ack_due(p->rx, t_ack + 4 * MS));
	assert_true(hf_sw_rx_ack_due(p->rx,
				     t_ack + HF_SW_NACK_INTERVAL_DEFAULT_NS));
	assert_int_equal(hf_sw_rx_ack_build(p->rx, t_ack + 5 * MS, &ack), 0);
	assert_int_equal(ack.n_nack, 1);
	assert_int_equal(hf_sw_tx_ack(p->tx, &ack, t_ack + 5 * MS), 0);
	hf_sw_tx_stats(p->tx, t_ack + 5 * MS, &ts);
	assert_int_equal(ts.cnt.nack_marked, 2);
	assert_int_equal(ts.cnt.ack_dup, 2);
	assert_int_equal(hf_sw_tx_poll(p->tx, t_ack + 5 * MS, out, 4), 1);
	assert_int_equal(out[0].seq, 1);
	hf_sw_rx_input(p->rx, &out[0], t_ack + 5 * MS);
	assert_int_equal(p->sink.n, 3);
	assert_int_equal(p->sink.bad, 0);
	pair_free(p);
}

static void test_reorder_within_buffer(void **state)
{
	static const uint32_t order[] = { 3, 1, 0, 2, 6, 5, 4, 9, 8, 7 };
	static const enum hf_sw_rx_verdict want[] = {
		HF_SW_RX_BUFFERED, HF_SW_RX_BUFFERED, HF_SW_RX_DELIVERED,
		HF_SW_RX_DELIVERED, HF_SW_RX_BUFFERED, HF_SW_RX_BUFFERED,
		HF_SW_RX_DELIVERED, HF_SW_RX_BUFFERED, HF_SW_RX_BUFFERED,
		HF_SW_RX_DELIVERED,
	};
	static const uint64_t delivered_after[] = {
		0, 0, 2, 4, 4, 4, 7, 7, 7, 10,
	};
	struct hf_sw_tx_config tc = { .epoch = 1, .first_seq = 40 };
	struct hf_sw_rx_config rc = { .reorder = 16 };
	struct pair *p = pair_new(&tc, &rc);
	struct hf_sw_msg out[16];
	struct hf_sw_rx_stats rs;
	uint32_t i;

	(void)state;
	push_n(p, 10, T0);
	assert_int_equal(hf_sw_tx_poll(p->tx, T0, out, 16), 10);
	for (i = 0; i < ARRAY_SIZE(order); i++) {
		assert_int_equal(hf_sw_rx_input(p->rx, &out[order[i]], T0),
				 want[i]);
		assert_int_equal(p->sink.n, delivered_after[i]);
	}
	assert_int_equal(p->sink.bad, 0);
	hf_sw_rx_stats(p->rx, &rs);
	assert_int_equal(rs.cnt.in_order, 4);
	assert_int_equal(rs.cnt.buffered, 6);
	assert_int_equal(rs.cnt.delivered, 10);
	assert_int_equal(rs.reorder_depth, 0);
	assert_int_equal(rs.last_delivered, 49);
	pair_free(p);
}

static void test_reorder_beyond_buffer(void **state)
{
	struct hf_sw_tx_config tc = { .epoch = 1, .first_seq = 0,
				      .window = 64 };
	struct hf_sw_rx_config rc = { .reorder = 8 };
	struct pair *p = pair_new(&tc, &rc);
	struct hf_sw_msg out[64];
	struct hf_sw_rx_stats rs;
	struct hf_sw_tx_stats ts;
	struct hf_sw_ack ack;
	uint64_t now = T0;
	uint32_t i, n, rounds = 0;

	(void)state;
	push_n(p, 21, now);
	assert_int_equal(hf_sw_tx_poll(p->tx, now, out, 64), 21);
	for (i = 1; i <= 20; i++)	/* seq 0 lost */
		assert_int_equal(hf_sw_rx_input(p->rx, &out[i], now),
				 i < 8 ? HF_SW_RX_BUFFERED : HF_SW_RX_TOO_FAR);
	hf_sw_rx_stats(p->rx, &rs);
	assert_int_equal(rs.cnt.too_far, 13);
	assert_int_equal(rs.reorder_depth, 7);
	assert_int_equal(rs.highest_seen, 20);
	assert_int_equal(p->sink.n, 0);

	/* only what fits the reorder window is NACKed */
	assert_int_equal(hf_sw_rx_ack_build(p->rx, now, &ack), 0);
	assert_true(ack.cum == UINT64_MAX);	/* nothing yet, first_seq 0 */
	assert_int_equal(ack.n_nack, 1);
	assert_int_equal(ack.nack[0].first, 0);
	assert_int_equal(ack.nack[0].last, 0);
	assert_int_equal(hf_sw_tx_ack(p->tx, &ack, now + 1 * MS), 0);

	/* run the loop until everything is through */
	while (p->sink.n < 21 && rounds++ < 20) {
		now += 2 * MS;
		n = hf_sw_tx_poll(p->tx, now, out, 64);
		for (i = 0; i < n; i++)
			hf_sw_rx_input(p->rx, &out[i], now);
		now += 2 * MS;
		if (hf_sw_rx_ack_due(p->rx, now)) {
			assert_int_equal(hf_sw_rx_ack_build(p->rx, now, &ack),
					 0);
			assert_true(hf_sw_tx_ack(p->tx, &ack, now) >= 0);
		}
	}
	assert_int_equal(p->sink.n, 21);
	assert_int_equal(p->sink.bad, 0);
	assert_true(rounds <= 4);	/* 8 per round trip, no RTO needed */
	assert_int_equal(hf_sw_rx_ack_build(p->rx, now, &ack), 0);
	hf_sw_tx_ack(p->tx, &ack, now);
	hf_sw_tx_stats(p->tx, now, &ts);
	assert_int_equal(ts.depth, 0);
	assert_int_equal(ts.cnt.rto_expiries, 0);
	pair_free(p);
}

static void test_duplicates(void **state)
{
	struct hf_sw_tx_config tc = { .epoch = 2, .first_seq = 7 };
	struct pair *p = pair_new(&tc, &rx_default);
	struct hf_sw_msg out[4];
	struct hf_sw_rx_stats rs;
	struct hf_sw_ack ack;

	(void)state;
	push_n(p, 3, T0);
	assert_int_equal(hf_sw_tx_poll(p->tx, T0, out, 4), 3);
	assert_int_equal(hf_sw_rx_input(p->rx, &out[0], T0),
			 HF_SW_RX_DELIVERED);
	assert_int_equal(hf_sw_rx_ack_build(p->rx, T0, &ack), 0);
	assert_false(hf_sw_rx_ack_due(p->rx, T0));
	/* a repeat of a delivered message: dropped, ACK at once */
	assert_int_equal(hf_sw_rx_input(p->rx, &out[0], T0),
			 HF_SW_RX_DUPLICATE);
	assert_true(hf_sw_rx_ack_due(p->rx, T0));
	assert_int_equal(hf_sw_rx_ack_build(p->rx, T0, &ack), 0);
	/* a repeat of a held message: dropped */
	assert_int_equal(hf_sw_rx_input(p->rx, &out[2], T0),
			 HF_SW_RX_BUFFERED);
	assert_int_equal(hf_sw_rx_input(p->rx, &out[2], T0),
			 HF_SW_RX_DUPLICATE);
	assert_int_equal(hf_sw_rx_input(p->rx, &out[1], T0),
			 HF_SW_RX_DELIVERED);
	assert_int_equal(hf_sw_rx_input(p->rx, &out[1], T0),
			 HF_SW_RX_DUPLICATE);
	assert_int_equal(hf_sw_rx_input(p->rx, &out[2], T0),
			 HF_SW_RX_DUPLICATE);
	assert_int_equal(p->sink.n, 3);
	assert_int_equal(p->sink.bad, 0);
	hf_sw_rx_stats(p->rx, &rs);
	assert_int_equal(rs.cnt.dup, 4);
	assert_int_equal(rs.cnt.delivered, 3);
	assert_int_equal(rs.cnt.rx_msgs, 7);
	assert_int_equal(rs.reorder_depth, 0);
	pair_free(p);
}

static void test_lost_acks_rto_backoff(void **state)
{
	struct hf_sw_tx_config tc = { .epoch = 4, .first_seq = 0,
				      .rto_burst = 1, .rto_ns = 20 * MS,
				      .rto_max_ns = 80 * MS };
	struct pair *p = pair_new(&tc, &rx_default);
	struct hf_sw_msg out[8];
	struct hf_sw_tx_stats ts;
	struct hf_sw_ack ack;
	uint32_t i;

	(void)state;
	push_n(p, 5, T0);
	assert_int_equal(hf_sw_tx_poll(p->tx, T0, out, 8), 5);
	for (i = 0; i < 5; i++)
		hf_sw_rx_input(p->rx, &out[i], T0 + 50 * US);
	assert_int_equal(hf_sw_rx_ack_build(p->rx, T0 + 50 * US, &ack), 0);
	/* ... and the ACK is lost */

	assert_int_equal(hf_sw_tx_deadline(p->tx), T0 + 20 * MS);
	assert_int_equal(hf_sw_tx_poll(p->tx, T0 + 20 * MS - 1, out, 8), 0);
	assert_int_equal(hf_sw_tx_poll(p->tx, T0 + 20 * MS, out, 8), 1);
	assert_int_equal(out[0].seq, 0);
	assert_true(out[0].rexmit);
	hf_sw_tx_stats(p->tx, T0 + 20 * MS, &ts);
	assert_int_equal(ts.rto_ns, 40 * MS);
	assert_int_equal(ts.cnt.rto_expiries, 1);
	/* lost again: backoff 40 ms, then capped at 80 ms */
	assert_int_equal(hf_sw_tx_deadline(p->tx), T0 + 60 * MS);
	assert_int_equal(hf_sw_tx_poll(p->tx, T0 + 60 * MS - 1, out, 8), 0);
	assert_int_equal(hf_sw_tx_poll(p->tx, T0 + 60 * MS, out, 8), 1);
	hf_sw_tx_stats(p->tx, T0 + 60 * MS, &ts);
	assert_int_equal(ts.rto_ns, 80 * MS);
	assert_int_equal(hf_sw_tx_poll(p->tx, T0 + 140 * MS, out, 8), 1);
	hf_sw_tx_stats(p->tx, T0 + 140 * MS, &ts);
	assert_int_equal(ts.rto_ns, 80 * MS);
	assert_int_equal(ts.cnt.rto_expiries, 3);
	assert_int_equal(ts.cnt.rexmit, 3);
	/* asking twice at the same instant does not fire twice */
	assert_int_equal(hf_sw_tx_poll(p->tx, T0 + 140 * MS, out, 8), 0);

	/* this copy arrives: a duplicate, so the receiver ACKs at once */
	assert_int_equal(hf_sw_rx_input(p->rx, &out[0], T0 + 141 * MS),
			 HF_SW_RX_DUPLICATE);
	assert_true(hf_sw_rx_ack_due(p->rx, T0 + 141 * MS));
	assert_int_equal(hf_sw_rx_ack_build(p->rx, T0 + 141 * MS, &ack), 0);
	assert_int_equal(ack.cum, 4);
	assert_int_equal(hf_sw_tx_ack(p->tx, &ack, T0 + 141 * MS), 5);
	hf_sw_tx_stats(p->tx, T0 + 141 * MS, &ts);
	assert_int_equal(ts.depth, 0);
	assert_int_equal(ts.rto_ns, 20 * MS);
	/* Karn: the sample comes from seq 4, sent once (late, as the
	 * ACKs were lost), not from the resent seq 0 */
	assert_int_equal(ts.srtt_ns, 141 * MS);
	assert_true(hf_sw_tx_deadline(p->tx) == UINT64_MAX);
	assert_int_equal(p->sink.n, 5);
	pair_free(p);
}

/* RTO burst: resend the oldest in-flight messages that are old enough. */
static void test_rto_burst_tail_loss(void **state)
{
	struct hf_sw_tx_config tc = { .epoch = 4, .first_seq = 50 };
	struct pair *p = pair_new(&tc, &rx_default);
	struct hf_sw_tx_stats ts;
	struct hf_sw_msg out[8];
	struct hf_sw_ack ack;
	uint64_t t1 = T0 + 15 * MS;
	uint32_t i, n;

	(void)state;
	push_n(p, 3, T0);
	assert_int_equal(hf_sw_tx_poll(p->tx, T0, out, 8), 3);
	hf_sw_rx_input(p->rx, &out[0], T0 + 50 * US);	/* 51, 52 lost */
	push_n(p, 2, t1);
	assert_int_equal(hf_sw_tx_poll(p->tx, t1, out, 8), 2);	/* lost */
	assert_int_equal(hf_sw_rx_ack_build(p->rx, T0 + MS, &ack), 0);
	assert_int_equal(ack.cum, 50);
	assert_int_equal(ack.n_nack, 0);	/* tail loss: no gap seen */
	assert_int_equal(hf_sw_tx_ack(p->tx, &ack, T0 + MS), 1);

	/* at T0 + 20 ms only 51 and 52 are an RTO old */
	n = hf_sw_tx_poll(p->tx, T0 + 20 * MS, out, 8);
	assert_int_equal(n, 2);
	assert_int_equal(out[0].seq, 51);
	assert_int_equal(out[1].seq, 52);
	for (i = 0; i < n; i++)
		hf_sw_rx_input(p->rx, &out[i], T0 + 20 * MS);
	assert_int_equal(p->sink.n, 3);
	assert_int_equal(hf_sw_rx_ack_build(p->rx, T0 + 23 * MS, &ack), 0);
	assert_int_equal(hf_sw_tx_ack(p->tx, &ack, T0 + 23 * MS), 2);
	/* Karn: 52 was resent, so this ACK gives no RTT sample; srtt
	 * stays the 1 ms of seq 50 */
	hf_sw_tx_stats(p->tx, T0 + 23 * MS, &ts);
	assert_int_equal(ts.srtt_ns, MS);
	assert_int_equal(ts.rto_ns, HF_SW_RTO_DEFAULT_NS);
	/* 53, 54: their own RTO, from their own send time */
	assert_int_equal(hf_sw_tx_deadline(p->tx), t1 + 20 * MS);
	n = hf_sw_tx_poll(p->tx, t1 + 20 * MS, out, 8);
	assert_int_equal(n, 2);
	for (i = 0; i < n; i++)
		hf_sw_rx_input(p->rx, &out[i], t1 + 20 * MS);
	assert_int_equal(p->sink.n, 5);
	assert_int_equal(p->sink.bad, 0);
	pair_free(p);
}

static void test_cumulative_ack_and_lag(void **state)
{
	struct hf_sw_tx_config tc = { .epoch = 8, .first_seq = 1000,
				      .window = 16 };
	struct pair *p = pair_new(&tc, &rx_default);
	struct hf_sw_msg out[16];
	struct hf_sw_tx_stats ts;
	struct hf_sw_ack ack = { .epoch = 8 };
	uint64_t p99;
	uint32_t i;

	(void)state;
	for (i = 0; i < 10; i++)
		push_n(p, 1, T0 + i * 100 * US);
	assert_int_equal(hf_sw_tx_poll(p->tx, T0 + MS, out, 16), 10);
	hf_sw_tx_stats(p->tx, T0 + 2 * MS, &ts);
	assert_int_equal(ts.oldest_age_ns, 2 * MS);
	assert_int_equal(hf_sw_tx_space(p->tx), 6);

	ack.cum = 1003;
	assert_int_equal(hf_sw_tx_ack(p->tx, &ack, T0 + 2 * MS), 4);
	hf_sw_tx_stats(p->tx, T0 + 2 * MS, &ts);
	assert_int_equal(ts.last_acked, 1003);
	assert_int_equal(ts.depth, 6);
	assert_int_equal(ts.in_flight, 6);
	assert_int_equal(ts.oldest_age_ns, 2 * MS - 400 * US);
	assert_int_equal(hf_sw_tx_space(p->tx), 10);
	assert_int_equal(ts.cnt.acked, 4);
	assert_int_equal(ts.cnt.ack_advance, 1);
	assert_int_equal(sum_hist(ts.lag_hist), 4);
	assert_int_equal(ts.srtt_ns, MS);	/* newest freed, sent once */
	/* lags 2.0, 1.9, 1.8, 1.7 ms: p99 in the 1.792-2.048 ms bucket */
	p99 = hf_sw_lag_percentile_ns(ts.lag_hist, 990);
	assert_int_equal(p99, 2048 * US);
	assert_int_equal(hf_sw_lag_percentile_ns(ts.lag_hist, 250),
			 1792 * US);

	ack.cum = 1009;
	assert_int_equal(hf_sw_tx_ack(p->tx, &ack, T0 + 3 * MS), 6);
	hf_sw_tx_stats(p->tx, T0 + 3 * MS, &ts);
	assert_int_equal(ts.depth, 0);
	assert_int_equal(ts.oldest_age_ns, 0);
	assert_int_equal(ts.last_acked, 1009);
	assert_int_equal(sum_hist(ts.lag_hist), 10);
	pair_free(p);
}

static void test_lag_percentile(void **state)
{
	uint64_t h[HF_SW_LAG_BUCKETS] = { 0 };

	(void)state;
	assert_int_equal(hf_sw_lag_percentile_ns(h, 990), 0);
	h[0] = 99;	/* < 1 us */
	h[8] = 1;	/* 8..9 us */
	assert_int_equal(hf_sw_lag_percentile_ns(h, 990), 1 * US);
	assert_int_equal(hf_sw_lag_percentile_ns(h, 1000), 10 * US);
	assert_int_equal(hf_sw_lag_percentile_ns(h, 5000), 10 * US);
	assert_int_equal(hf_sw_lag_percentile_ns(h, 0), 1 * US);
	h[HF_SW_LAG_BUCKETS - 1] = 1000;
	assert_true(hf_sw_lag_percentile_ns(h, 990) > 60000 * MS);
}

static void test_window_full(void **state)
{
	struct hf_sw_tx_config tc = { .epoch = 6, .first_seq = 20,
				      .window = 4, .max_msg = 64 };
	struct pair *p = pair_new(&tc, &rx_default);
	struct hf_sw_msg out[8];
	struct hf_sw_tx_stats ts;
	struct hf_sw_ack ack = { .epoch = 6 };
	uint8_t junk[65] = { 0 }, *buf, *buf2;
	uint64_t seq, seq2;
	uint32_t len;

	(void)state;
	push_n(p, 4, T0);
	assert_int_equal(hf_sw_tx_space(p->tx), 0);
	/* reserving on a full queue loses nothing: no latch */
	assert_int_equal(hf_sw_tx_reserve(p->tx, &buf, &seq), -ENOBUFS);
	assert_false(hf_sw_tx_needs_resync(p->tx));
	/* a push on a full queue is a lost update: latched */
	assert_int_equal(hf_sw_tx_push(p->tx, junk, 8, T0, &seq), -ENOBUFS);
	assert_true(hf_sw_tx_needs_resync(p->tx));
	hf_sw_tx_stats(p->tx, T0, &ts);
	assert_true(ts.resync_needed);
	assert_int_equal(ts.cnt.push_full, 1);
	assert_int_equal(ts.cnt.pushed, 4);
	assert_int_equal(ts.depth, 4);
	assert_int_equal(ts.next_seq, 24);
	/* too long is the caller's bug, not an overflow */
	assert_int_equal(hf_sw_tx_push(p->tx, junk, 65, T0, NULL), -EMSGSIZE);

	assert_int_equal(hf_sw_tx_poll(p->tx, T0, out, 8), 4);
	ack.cum = 21;
	assert_int_equal(hf_sw_tx_ack(p->tx, &ack, T0 + MS), 2);
	assert_int_equal(hf_sw_tx_space(p->tx), 2);

	/* zero-copy: reserve twice gives the same slot, commit queues */
	assert_int_equal(hf_sw_tx_reserve(p->tx, &buf, &seq), 0);
	assert_int_equal(hf_sw_tx_reserve(p->tx, &buf2, &seq2), 0);
	assert_ptr_equal(buf, buf2);
	assert_int_equal(seq, 24);
	assert_int_equal(seq2, 24);
	len = gen_len(seq, 64);
	gen_fill(seq, buf, len);
	assert_int_equal(hf_sw_tx_commit(p->tx, 65, T0 + MS), -EMSGSIZE);
	assert_int_equal(hf_sw_tx_commit(p->tx, len, T0 + MS), 0);
	push_n(p, 1, T0 + MS);
	assert_int_equal(hf_sw_tx_space(p->tx), 0);
	assert_int_equal(hf_sw_tx_poll(p->tx, T0 + MS, out, 8), 2);
	assert_int_equal(out[0].seq, 24);
	assert_int_equal(out[0].len, len);
	assert_memory_equal(out[0].data, buf, len);

	/* the bulk resync clears the latch */
	hf_sw_tx_bulk_start(p->tx);
	assert_false(hf_sw_tx_needs_resync(p->tx));
	pair_free(p);
}

static void test_bogus_acks(void **state)
{
	struct hf_sw_tx_config tc = { .epoch = 11, .first_seq = 500 };
	struct pair *p = pair_new(&tc, &rx_default);
	struct hf_sw_msg out[16];
	struct hf_sw_tx_stats before, ts;
	struct hf_sw_ack ack = { .epoch = 11 }, big;
	uint64_t now = T0 + 5 * MS;

	(void)state;
	push_n(p, 10, T0);
	assert_int_equal(hf_sw_tx_poll(p->tx, T0, out, 6), 6);	/* 500..505 */
	hf_sw_tx_stats(p->tx, now, &before);
	assert_int_equal(before.last_sent, 505);
	assert_int_equal(before.unsent, 4);

	/* cum beyond the last sent: queued-but-unsent and far beyond */
	ack.cum = 507;
	assert_int_equal(hf_sw_tx_ack(p->tx, &ack, now), -ERANGE);
	ack.cum = UINT64_MAX / 2;
	assert_int_equal(hf_sw_tx_ack(p->tx, &ack, now), -ERANGE);
	/* another epoch (a late ACK from before our restart) */
	ack.epoch = 12;
	ack.cum = 503;
	assert_int_equal(hf_sw_tx_ack(p->tx, &ack, now), -ESTALE);
	ack.epoch = 11;
	hf_sw_tx_stats(p->tx, now, &ts);
	assert_int_equal(ts.cnt.ack_beyond, 2);
	assert_int_equal(ts.cnt.ack_bad_epoch, 1);
	assert_int_equal(ts.depth, before.depth);
	assert_int_equal(ts.last_acked, before.last_acked);
	assert_int_equal(ts.cnt.acked, 0);
	assert_int_equal(ts.rto_ns, before.rto_ns);

	ack.cum = 502;
	assert_int_equal(hf_sw_tx_ack(p->tx, &ack, now), 3);
	/* behind what is acked: a late, reordered ACK */
	ack.cum = 500;
	assert_int_equal(hf_sw_tx_ack(p->tx, &ack, now), -EALREADY);
	ack.cum = 502;
	assert_int_equal(hf_sw_tx_ack(p->tx, &ack, now), 0);
	hf_sw_tx_stats(p->tx, now, &ts);
	assert_int_equal(ts.cnt.ack_stale, 1);
	assert_int_equal(ts.cnt.ack_dup, 1);
	assert_int_equal(ts.cnt.ack_advance, 1);
	assert_int_equal(ts.last_acked, 502);

	/* NACK ranges: reversed, at/below cum, beyond sent, clipped */
	ack.n_nack = 4;
	ack.nack[0] = (struct hf_sw_range){ 505, 504 };
	ack.nack[1] = (struct hf_sw_range){ 501, 502 };
	ack.nack[2] = (struct hf_sw_range){ 506, 509 };
	ack.nack[3] = (struct hf_sw_range){ 504, 1000000 };
	now += MS;
	assert_int_equal(hf_sw_tx_ack(p->tx, &ack, now), 0);
	hf_sw_tx_stats(p->tx, now, &ts);
	assert_int_equal(ts.cnt.nack_bogus, 4);
	assert_int_equal(ts.cnt.nack_ranges, 1);
	assert_int_equal(ts.cnt.nack_marked, 2);	/* 504, 505 */
	assert_int_equal(hf_sw_tx_poll(p->tx, now, out, 2), 2);
	assert_int_equal(out[0].seq, 504);
	assert_int_equal(out[1].seq, 505);

	/* more ranges than an ACK can hold */
	memset(&big, 0, sizeof(big));
	big.epoch = 11;
	big.cum = 502;
	big.n_nack = 1000;
	assert_int_equal(hf_sw_tx_ack(p->tx, &big, now), 0);
	hf_sw_tx_stats(p->tx, now, &ts);
	assert_int_equal(ts.cnt.nack_bogus, 4 + 1000);
	assert_int_equal(ts.cnt.ack_rx, 8);
	assert_int_equal(ts.depth, 7);
	assert_int_equal(ts.last_sent, 505);
	pair_free(p);
}

static void test_peer_restart_new_epoch(void **state)
{
	struct hf_sw_tx_config tc = { .epoch = 0xa, .first_seq = 1 };
	struct pair *p = pair_new(&tc, &rx_default);
	struct hf_sw_msg out[8];
	struct held late;
	struct hf_sw_rx_stats rs;
	struct hf_sw_ack old_ack, ack;
	uint32_t i;

	(void)state;
	push_n(p, 3, T0);
	assert_int_equal(hf_sw_tx_poll(p->tx, T0, out, 8), 3);
	for (i = 0; i < 3; i++)
		hf_sw_rx_input(p->rx, &out[i], T0);
	/* a fresh receiver has nothing: it asks for a bulk sync */
	assert_true(hf_sw_rx_needs_resync(p->rx));
	hf_sw_rx_bulk_start(p->rx);
	assert_false(hf_sw_rx_needs_resync(p->rx));
	hf_sw_rx_bulk_end(p->rx);
	assert_int_equal(hf_sw_rx_ack_build(p->rx, T0, &old_ack), 0);
	push_n(p, 2, T0);
	assert_int_equal(hf_sw_tx_poll(p->tx, T0, out, 8), 2);
	hold_msg(&late, &out[0]);	/* seq 4 of epoch 0xa, delayed */

	/* the sender restarts */
	assert_int_equal(hf_sw_tx_reset(p->tx, 0xa, 1000), -EINVAL);
	assert_int_equal(hf_sw_tx_reset(p->tx, 0, 1000), -EINVAL);
	assert_int_equal(hf_sw_tx_reset(p->tx, 0xb, 1000), 0);
	assert_int_equal(hf_sw_tx_space(p->tx), HF_SW_WINDOW_DEFAULT);
	push_n(p, 3, T0 + MS);
	assert_int_equal(hf_sw_tx_poll(p->tx, T0 + MS, out, 8), 3);
	assert_int_equal(out[0].seq, 1000);
	assert_int_equal(out[0].epoch, 0xb);

	p->sink.first = 1000;
	p->sink.n = 0;
	/* the new epoch's second message arrives first */
	assert_int_equal(hf_sw_rx_input(p->rx, &out[1], T0 + MS),
			 HF_SW_RX_BUFFERED);
	assert_true(hf_sw_rx_needs_resync(p->rx));
	/* the old incarnation's late message cannot flip it back */
	assert_int_equal(hf_sw_rx_input(p->rx, &late.m, T0 + MS),
			 HF_SW_RX_STALE_EPOCH);
	assert_int_equal(hf_sw_rx_input(p->rx, &out[0], T0 + MS),
			 HF_SW_RX_DELIVERED);
	assert_int_equal(hf_sw_rx_input(p->rx, &out[2], T0 + MS),
			 HF_SW_RX_DELIVERED);
	assert_int_equal(p->sink.n, 3);
	assert_int_equal(p->sink.bad, 0);
	hf_sw_rx_stats(p->rx, &rs);
	assert_int_equal(rs.epoch, 0xb);
	assert_int_equal(rs.cnt.epoch_changes, 2);
	assert_int_equal(rs.cnt.stale_epoch, 1);
	assert_int_equal(rs.last_delivered, 1002);
	assert_int_equal(rs.cnt.bulks, 1);

	/* the sender ignores the old epoch's ACK, takes the new one */
	assert_int_equal(hf_sw_tx_ack(p->tx, &old_ack, T0 + 2 * MS), -ESTALE);
	assert_int_equal(hf_sw_rx_ack_build(p->rx, T0 + 2 * MS, &ack), 0);
	assert_int_equal(ack.epoch, 0xb);
	assert_int_equal(hf_sw_tx_ack(p->tx, &ack, T0 + 2 * MS), 3);
	pair_free(p);
}

/*
 * Both nodes restart together and a late packet of the dead sender
 * reaches the fresh receiver after the live one's: the receiver first
 * flips to the dead epoch, then drops the live one as stale only while
 * the dead one could still be talking (stale_epoch_ns), then adopts it.
 */
static void test_epoch_flip_recovers(void **state)
{
	struct hf_sw_tx_config tc = { .epoch = 0xdead, .first_seq = 1 };
	struct hf_sw_rx_config rc = { .stale_epoch_ns = 100 * MS };
	struct pair *p = pair_new(&tc, &rc);
	struct hf_sw_msg out[4];
	struct held late;
	struct hf_sw_rx_stats rs;
	uint64_t t = T0 + 10 * MS;

	(void)state;
	push_n(p, 1, T0);
	assert_int_equal(hf_sw_tx_poll(p->tx, T0, out, 4), 1);
	hold_msg(&late, &out[0]);	/* seq 1 of the dead incarnation */
	assert_int_equal(hf_sw_tx_reset(p->tx, 0x11fe, 1), 0);
	push_n(p, 3, T0 + MS);
	assert_int_equal(hf_sw_tx_poll(p->tx, T0 + MS, out, 4), 3);

	assert_int_equal(hf_sw_rx_input(p->rx, &out[0], t),
			 HF_SW_RX_DELIVERED);
	p->sink.n = 0;
	assert_int_equal(hf_sw_rx_input(p->rx, &late.m, t + 1),
			 HF_SW_RX_DELIVERED);	/* not known: adopted */
	assert_int_equal(hf_sw_rx_input(p->rx, &out[1], t + 50 * MS),
			 HF_SW_RX_STALE_EPOCH);
	assert_int_equal(hf_sw_rx_input(p->rx, &out[1], t + 1 + 100 * MS),
			 HF_SW_RX_BUFFERED);	/* adopted at base 1 */
	hf_sw_rx_stats(p->rx, &rs);
	assert_int_equal(rs.epoch, 0x11fe);
	assert_int_equal(rs.cnt.epoch_changes, 3);
	assert_int_equal(rs.cnt.stale_epoch, 1);
	assert_true(rs.resync_needed);
	/* and now the dead one is the stale one */
	assert_int_equal(hf_sw_rx_input(p->rx, &late.m, t + 101 * MS),
			 HF_SW_RX_STALE_EPOCH);
	p->sink.n = 0;
	assert_int_equal(hf_sw_rx_input(p->rx, &out[0], t + 102 * MS),
			 HF_SW_RX_DELIVERED);
	assert_int_equal(hf_sw_rx_input(p->rx, &out[2], t + 102 * MS),
			 HF_SW_RX_DELIVERED);
	assert_int_equal(p->sink.n, 3);
	assert_int_equal(p->sink.bad, 0);
	pair_free(p);
}

/* The receiver restarts while the sender's stream goes on. */
static void test_receiver_restart_skip_to_base(void **state)
{
	struct hf_sw_tx_config tc = { .epoch = 7, .first_seq = 0 };
	struct pair *p = pair_new(&tc, &rx_default);
	struct hf_sw_msg out[16], re[4];
	struct held ancient;
	struct hf_sw_rx_stats rs;
	struct hf_sw_ack ack;
	uint32_t i;

	(void)state;
	push_n(p, 10, T0);
	assert_int_equal(hf_sw_tx_poll(p->tx, T0, out, 16), 10);
	hold_msg(&ancient, &out[0]);
	for (i = 0; i < 10; i++)
		hf_sw_rx_input(p->rx, &out[i], T0);
	assert_int_equal(hf_sw_rx_ack_build(p->rx, T0, &ack), 0);
	assert_int_equal(hf_sw_tx_ack(p->tx, &ack, T0 + MS), 10);

	/* restart: 10, 11 lost, 12 is the first thing it sees; it starts
	 * at the sender's base and asks for what it missed */
	hf_sw_rx_reset(p->rx);
	assert_int_equal(hf_sw_rx_ack_build(p->rx, T0, &ack), -ENODATA);
	push_n(p, 5, T0 + MS);
	assert_int_equal(hf_sw_tx_poll(p->tx, T0 + MS, out, 16), 5);
	assert_int_equal(out[2].base, 10);
	p->sink.first = 10;
	p->sink.n = 0;
	assert_int_equal(hf_sw_rx_input(p->rx, &out[2], T0 + MS),
			 HF_SW_RX_BUFFERED);
	assert_true(hf_sw_rx_needs_resync(p->rx));
	assert_int_equal(hf_sw_rx_ack_build(p->rx, T0 + MS, &ack), 0);
	assert_int_equal(ack.cum, 9);
	assert_int_equal(ack.n_nack, 1);
	assert_int_equal(ack.nack[0].first, 10);
	assert_int_equal(ack.nack[0].last, 11);
	hf_sw_rx_input(p->rx, &out[3], T0 + MS);
	hf_sw_rx_input(p->rx, &out[4], T0 + MS);
	assert_int_equal(hf_sw_tx_ack(p->tx, &ack, T0 + 2 * MS), 0);
	assert_int_equal(hf_sw_tx_poll(p->tx, T0 + 2 * MS, re, 4), 2);
	hf_sw_rx_input(p->rx, &re[0], T0 + 2 * MS);
	hf_sw_rx_input(p->rx, &re[1], T0 + 2 * MS);
	assert_int_equal(p->sink.n, 5);
	assert_int_equal(p->sink.bad, 0);
	assert_int_equal(hf_sw_rx_ack_build(p->rx, T0 + 2 * MS, &ack), 0);
	assert_int_equal(hf_sw_tx_ack(p->tx, &ack, T0 + 2 * MS), 5);

	/* restart again; the first thing it hears is an ancient copy of
	 * seq 0: it adopts base 0, and the sender cannot help (its ACK is
	 * behind). The live stream's base (15) then tells the receiver
	 * that 1..14 will never come: it skips instead of stalling. */
	hf_sw_rx_reset(p->rx);
	p->sink.first = 0;
	p->sink.n = 0;
	assert_int_equal(hf_sw_rx_input(p->rx, &ancient.m, T0 + 3 * MS),
			 HF_SW_RX_DELIVERED);
	hf_sw_rx_bulk_start(p->rx);	/* clear the flag to see it again */
	assert_false(hf_sw_rx_needs_resync(p->rx));
	assert_int_equal(hf_sw_rx_ack_build(p->rx, T0 + 3 * MS, &ack), 0);
	assert_int_equal(ack.cum, 0);
	assert_int_equal(hf_sw_tx_ack(p->tx, &ack, T0 + 3 * MS), -EALREADY);
	push_n(p, 2, T0 + 4 * MS);
	assert_int_equal(hf_sw_tx_poll(p->tx, T0 + 4 * MS, out, 16), 2);
	assert_int_equal(out[0].seq, 15);
	assert_int_equal(out[0].base, 15);
	p->sink.first = 15;
	p->sink.n = 0;
	assert_int_equal(hf_sw_rx_input(p->rx, &out[1], T0 + 4 * MS),
			 HF_SW_RX_BUFFERED);
	assert_int_equal(hf_sw_rx_input(p->rx, &out[0], T0 + 4 * MS),
			 HF_SW_RX_DELIVERED);
	assert_int_equal(p->sink.n, 2);
	assert_int_equal(p->sink.bad, 0);
	assert_true(hf_sw_rx_needs_resync(p->rx));
	hf_sw_rx_stats(p->rx, &rs);
	assert_int_equal(rs.cnt.skipped, 14);
	assert_int_equal(rs.last_delivered, 16);
	assert_int_equal(rs.reorder_depth, 0);
	pair_free(p);
}

static void test_invalid_input(void **state)
{
	struct hf_sw_tx_config tc = { .epoch = 1, .max_msg = 32 };
	struct pair *p = pair_new(&tc, &rx_default);
	uint8_t b[64] = { 0 };
	struct hf_sw_msg m = { .epoch = 1, .seq = 5, .base = 5, .data = b,
			       .len = 33 };
	struct hf_sw_rx_stats rs;

	(void)state;
	assert_int_equal(hf_sw_rx_input(p->rx, &m, T0), HF_SW_RX_INVALID);
	m.len = 4;
	m.epoch = 0;
	assert_int_equal(hf_sw_rx_input(p->rx, &m, T0), HF_SW_RX_INVALID);
	m.epoch = 1;
	m.base = 6;
	assert_int_equal(hf_sw_rx_input(p->rx, &m, T0), HF_SW_RX_INVALID);
	m.base = 5;
	m.data = NULL;
	assert_int_equal(hf_sw_rx_input(p->rx, &m, T0), HF_SW_RX_INVALID);
	hf_sw_rx_stats(p->rx, &rs);
	assert_int_equal(rs.cnt.invalid, 4);
	assert_false(rs.has_epoch);
	assert_true(hf_sw_rx_deadline(p->rx) == UINT64_MAX);
	pair_free(p);
}

static void test_sequence_wrap(void **state)
{
	struct hf_sw_tx_config tc = { .epoch = 1,
				      .first_seq = UINT64_MAX - 5 };
	struct pair *p = pair_new(&tc, &rx_default);
	struct hf_sw_msg out[16];
	struct hf_sw_tx_stats ts;
	struct hf_sw_ack ack;
	uint32_t i, n;

	(void)state;
	push_n(p, 12, T0);
	assert_int_equal(hf_sw_tx_poll(p->tx, T0, out, 16), 12);
	for (i = 0; i < 12; i++)
		if (i != 5 && i != 6)	/* UINT64_MAX and 0 lost */
			hf_sw_rx_input(p->rx, &out[i], T0);
	assert_int_equal(p->sink.n, 5);
	assert_int_equal(hf_sw_rx_ack_build(p->rx, T0 + MS, &ack), 0);
	assert_true(ack.cum == UINT64_MAX - 1);
	assert_int_equal(ack.n_nack, 1);
	assert_true(ack.nack[0].first == UINT64_MAX);
	assert_int_equal(ack.nack[0].last, 0);
	assert_int_equal(hf_sw_tx_ack(p->tx, &ack, T0 + MS), 5);
	n = hf_sw_tx_poll(p->tx, T0 + MS, out, 16);
	assert_int_equal(n, 2);
	for (i = 0; i < n; i++)
		hf_sw_rx_input(p->rx, &out[i], T0 + MS);
	assert_int_equal(p->sink.n, 12);
	assert_int_equal(p->sink.bad, 0);
	assert_int_equal(hf_sw_rx_ack_build(p->rx, T0 + 2 * MS, &ack), 0);
	assert_int_equal(ack.cum, 5);
	assert_int_equal(hf_sw_tx_ack(p->tx, &ack, T0 + 2 * MS), 7);
	hf_sw_tx_stats(p->tx, T0 + 2 * MS, &ts);
	assert_int_equal(ts.depth, 0);
	assert_int_equal(ts.last_acked, 5);
	pair_free(p);
}

static void test_bulk_progress(void **state)
{
	struct hf_sw_tx_config tc = { .epoch = 3, .first_seq = 10 };
	struct pair *p = pair_new(&tc, &rx_default);
	struct hf_sw_msg out[16];
	struct hf_sw_tx_stats ts;
	struct hf_sw_rx_stats rs;
	struct hf_sw_ack ack = { .epoch = 3 };
	uint32_t i;

	(void)state;
	hf_sw_tx_stats(p->tx, T0, &ts);
	assert_int_equal(ts.bulk, HF_SW_BULK_IDLE);
	push_n(p, 2, T0);		/* incremental updates: 10, 11 */
	hf_sw_tx_bulk_start(p->tx);
	push_n(p, 4, T0);
	hf_sw_tx_stats(p->tx, T0, &ts);
	assert_int_equal(ts.bulk, HF_SW_BULK_RUNNING);
	assert_int_equal(ts.bulk_first, 12);
	assert_int_equal(ts.bulk_msgs, 4);
	assert_int_equal(ts.bulk_acked, 0);
	push_n(p, 6, T0);
	hf_sw_tx_bulk_end(p->tx);
	push_n(p, 1, T0);		/* after the bulk */
	hf_sw_tx_stats(p->tx, T0, &ts);
	assert_int_equal(ts.bulk, HF_SW_BULK_SENT);
	assert_int_equal(ts.bulk_msgs, 10);

	assert_int_equal(hf_sw_tx_poll(p->tx, T0, out, 16), 13);
	for (i = 0; i < 13; i++) {
		if (i == 2)
			hf_sw_rx_bulk_start(p->rx);
		hf_sw_rx_input(p->rx, &out[i], T0);
		if (i == 11)
			hf_sw_rx_bulk_end(p->rx);
	}
	hf_sw_rx_stats(p->rx, &rs);
	assert_int_equal(rs.cnt.bulk_msgs, 10);
	assert_int_equal(rs.cnt.bulks, 1);
	assert_false(rs.bulk_active);

	ack.cum = 16;
	assert_int_equal(hf_sw_tx_ack(p->tx, &ack, T0 + MS), 7);
	hf_sw_tx_stats(p->tx, T0 + MS, &ts);
	assert_int_equal(ts.bulk_acked, 5);
	assert_int_equal(ts.bulk, HF_SW_BULK_SENT);
	ack.cum = 21;
	hf_sw_tx_ack(p->tx, &ack, T0 + MS);
	hf_sw_tx_stats(p->tx, T0 + MS, &ts);
	assert_int_equal(ts.bulk_acked, 10);
	assert_int_equal(ts.bulk, HF_SW_BULK_DONE);
	/* a bulk of nothing is done as soon as it ends */
	hf_sw_tx_bulk_start(p->tx);
	hf_sw_tx_bulk_end(p->tx);
	hf_sw_tx_stats(p->tx, T0 + MS, &ts);
	assert_int_equal(ts.bulk_msgs, 0);
	assert_int_equal(ts.bulk, HF_SW_BULK_DONE);
	pair_free(p);
}

static void test_ack_policy(void **state)
{
	struct hf_sw_tx_config tc = { .epoch = 1, .first_seq = 0 };
	struct hf_sw_rx_config rc = { .ack_every = 4, .ack_delay_ns = MS,
				      .nack_interval_ns = 5 * MS };
	struct pair *p = pair_new(&tc, &rc);
	struct hf_sw_msg out[16];
	struct hf_sw_ack ack;
	uint64_t t;

	(void)state;
	assert_true(hf_sw_rx_deadline(p->rx) == UINT64_MAX);
	assert_int_equal(hf_sw_rx_ack_build(p->rx, T0, &ack), -ENODATA);
	push_n(p, 10, T0);
	assert_int_equal(hf_sw_tx_poll(p->tx, T0, out, 16), 10);

	hf_sw_rx_input(p->rx, &out[0], T0);
	assert_int_equal(hf_sw_rx_deadline(p->rx), 0);	/* new epoch */
	hf_sw_rx_ack_build(p->rx, T0, &ack);
	assert_true(hf_sw_rx_deadline(p->rx) == UINT64_MAX);

	/* delay timer */
	t = T0 + 10 * US;
	hf_sw_rx_input(p->rx, &out[1], t);
	hf_sw_rx_input(p->rx, &out[2], t + 5 * US);
	hf_sw_rx_input(p->rx, &out[3], t + 9 * US);
	assert_int_equal(hf_sw_rx_deadline(p->rx), t + MS);
	assert_false(hf_sw_rx_ack_due(p->rx, t + MS - 1));
	assert_true(hf_sw_rx_ack_due(p->rx, t + MS));
	/* count: the 4th message makes it due at once */
	hf_sw_rx_input(p->rx, &out[4], t + 20 * US);
	assert_int_equal(hf_sw_rx_deadline(p->rx), 0);
	hf_sw_rx_ack_build(p->rx, t + 20 * US, &ack);
	assert_int_equal(ack.cum, 4);

	/* a new hole: at once; then re-NACK every nack_interval */
	t = T0 + MS;
	hf_sw_rx_input(p->rx, &out[6], t);
	assert_int_equal(hf_sw_rx_deadline(p->rx), 0);
	hf_sw_rx_ack_build(p->rx, t, &ack);
	assert_int_equal(ack.n_nack, 1);
	assert_int_equal(ack.nack[0].first, 5);
	assert_int_equal(hf_sw_rx_deadline(p->rx), t + 5 * MS);
	/* a message that extends the held run opens no new hole */
	hf_sw_rx_input(p->rx, &out[7], t + 10 * US);
	assert_int_equal(hf_sw_rx_deadline(p->rx), t + 10 * US + MS);
	hf_sw_rx_ack_build(p->rx, t + 2 * MS, &ack);
	assert_int_equal(hf_sw_rx_deadline(p->rx), t + 7 * MS);
	hf_sw_rx_ack_build(p->rx, t + 7 * MS, &ack);
	assert_int_equal(ack.n_nack, 1);
	assert_int_equal(hf_sw_rx_deadline(p->rx), t + 12 * MS);
	/* the gap fills: only the delay timer remains */
	hf_sw_rx_input(p->rx, &out[5], t + 8 * MS);
	assert_int_equal(hf_sw_rx_deadline(p->rx), t + 9 * MS);
	hf_sw_rx_ack_build(p->rx, t + 9 * MS, &ack);
	assert_int_equal(ack.cum, 7);
	assert_int_equal(ack.n_nack, 0);
	assert_true(hf_sw_rx_deadline(p->rx) == UINT64_MAX);
	assert_int_equal(p->sink.n, 8);
	assert_int_equal(p->sink.bad, 0);
	pair_free(p);
}

/* max_nack bounds the ranges per ACK; the lowest gaps go first. */
static void test_nack_range_limit(void **state)
{
	struct hf_sw_tx_config tc = { .epoch = 1, .first_seq = 0 };
	struct hf_sw_rx_config rc = { .max_nack = 3 };
	struct pair *p = pair_new(&tc, &rc);
	struct hf_sw_msg out[32];
	struct hf_sw_ack ack;
	uint32_t i;

	(void)state;
	push_n(p, 20, T0);
	assert_int_equal(hf_sw_tx_poll(p->tx, T0, out, 32), 20);
	for (i = 1; i < 20; i += 2)	/* every even seq lost */
		hf_sw_rx_input(p->rx, &out[i], T0);
	hf_sw_rx_ack_build(p->rx, T0, &ack);
	assert_true(ack.cum == UINT64_MAX);
	assert_int_equal(ack.n_nack, 3);
	for (i = 0; i < 3; i++) {
		assert_int_equal(ack.nack[i].first, 2 * i);
		assert_int_equal(ack.nack[i].last, 2 * i);
	}
	pair_free(p);
}

/* ------------------------------------------------------------------ */
/* Simulation: lossy, reordering, duplicating channel both ways       */
/* ------------------------------------------------------------------ */

#define SIM_TICK	(10 * US)
#define SIM_MSG_MAX	256u
#define SIM_CHAN	4096u
#define SIM_BURST	64u

struct sim_case {
	const char *name;
	uint64_t seed;
	uint32_t n;		/* messages to deliver */
	uint64_t first_seq;
	uint32_t loss;		/* data loss, per 10,000 */
	uint32_t dup;		/* data duplication, per 10,000 */
	uint32_t ack_loss;
	uint32_t ack_dup;
	uint64_t delay_ns;	/* one-way base delay */
	uint64_t jitter_ns;	/* + uniform [0, jitter] */
	uint32_t window;
	uint32_t reorder;
	uint32_t max_msg;
	uint32_t rate;		/* up to this many pushes per tick */
	uint64_t on_ns;		/* with off_ns: push for on_ns, then */
	uint64_t off_ns;	/* pause off_ns (> RTO: tail losses) */
	bool want_rto;		/* tail losses must have needed the RTO */
};

struct sim_pkt {
	uint64_t at;
	struct hf_sw_msg m;
	struct hf_sw_ack ack;
	uint8_t buf[SIM_MSG_MAX];
};

struct sim_chan {
	struct sim_pkt *p;
	uint32_t n;
	uint64_t sent, arrived, lost, duped, full;
};

static uint64_t rng(uint64_t *s)
{
	*s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
	return mix(*s);
}

static bool chance(uint64_t *s, uint32_t per10k)
{
	return rng(s) % 10000 < per10k;
}

/* Put one copy (or two, or none) of a message or an ACK in flight. */
static void chan_send(struct sim_chan *c, uint64_t *rs,
		      const struct sim_case *sc, uint64_t now,
		      const struct hf_sw_msg *m, const struct hf_sw_ack *a)
{
	uint32_t copies = 1, i;
	struct sim_pkt *p;

	c->sent++;
	if (chance(rs, m ? sc->loss : sc->ack_loss)) {
		c->lost++;
		return;
	}
	if (chance(rs, m ? sc->dup : sc->ack_dup)) {
		c->duped++;
		copies = 2;
	}
	for (i = 0; i < copies; i++) {
		if (c->n == SIM_CHAN) {
			c->full++;
			return;
		}
		p = &c->p[c->n++];
		p->at = now + sc->delay_ns + rng(rs) % (sc->jitter_ns + 1);
		if (m) {
			p->m = *m;
			memcpy(p->buf, m->data, m->len);
			p->m.data = NULL;
		} else {
			p->ack = *a;
		}
	}
}

/* Take one packet due at @now (in random order among those due). */
static bool chan_recv(struct sim_chan *c, uint64_t now, struct sim_pkt *out)
{
	uint32_t i;

	for (i = 0; i < c->n; i++) {
		if (c->p[i].at > now)
			continue;
		*out = c->p[i];
		out->m.data = out->buf;
		c->p[i] = c->p[--c->n];
		c->arrived++;
		return true;
	}
	return false;
}

struct sim {
	const struct sim_case *sc;
	struct hf_sw_tx *tx;
	struct hf_sw_rx *rx;
	struct sink sink;
	struct sim_chan data, acks;
	uint64_t rs;
	uint64_t now;
	uint64_t produced;
	uint64_t *push_ns;	/* per message index */
	uint64_t acks_built;
};

static void sim_produce(struct sim *s, bool idle)
{
	const struct sim_case *sc = s->sc;
	uint32_t k = (uint32_t)(rng(&s->rs) % (sc->rate + 1));
	uint64_t seq = sc->first_seq + s->produced;
	uint8_t b[SIM_MSG_MAX], *buf;
	uint32_t len;
	uint64_t got;

	if (idle)
		return;
	while (k-- && s->produced < sc->n && hf_sw_tx_space(s->tx)) {
		len = gen_len(seq, sc->max_msg);
		if (seq & 1) {
			gen_fill(seq, b, len);
			assert_int_equal(hf_sw_tx_push(s->tx, b, len, s->now,
						       &got), 0);
		} else {
			assert_int_equal(hf_sw_tx_reserve(s->tx, &buf, &got),
					 0);
			gen_fill(seq, buf, len);
			assert_int_equal(hf_sw_tx_commit(s->tx, len, s->now),
					 0);
		}
		assert_true(got == seq);
		s->push_ns[s->produced++] = s->now;
		seq++;
	}
}

static void sim_check(const struct sim *s)
{
	const struct sim_case *sc = s->sc;
	struct hf_sw_tx_stats ts;
	struct hf_sw_rx_stats rs;
	uint64_t acked;

	hf_sw_tx_stats(s->tx, s->now, &ts);
	hf_sw_rx_stats(s->rx, &rs);
	acked = ts.last_acked + 1 - sc->first_seq;
	/* sender: acked <= sent <= pushed, depth within the window */
	assert_true(acked <= ts.last_sent + 1 - sc->first_seq);
	assert_true(ts.last_sent + 1 - sc->first_seq <= s->produced);
	assert_true(ts.next_seq == sc->first_seq + s->produced);
	assert_int_equal(ts.depth, ts.in_flight + ts.unsent);
	assert_int_equal(ts.depth, s->produced - acked);
	assert_true(ts.depth <= sc->window);
	assert_int_equal(ts.cnt.acked, acked);
	assert_int_equal(sum_hist(ts.lag_hist), acked);
	assert_int_equal(ts.cnt.sent, ts.last_sent + 1 - sc->first_seq);
	assert_int_equal(ts.cnt.sent + ts.cnt.rexmit, s->data.sent);
	if (ts.depth)
		assert_int_equal(ts.oldest_age_ns,
				 s->now - s->push_ns[acked]);
	else
		assert_int_equal(ts.oldest_age_ns, 0);
	assert_true(ts.rto_ns >= HF_SW_RTO_DEFAULT_NS &&
		    ts.rto_ns <= HF_SW_RTO_MAX_DEFAULT_NS);
	assert_int_equal(ts.cnt.ack_rx, s->acks.arrived);
	assert_int_equal(ts.cnt.ack_rx, ts.cnt.ack_advance + ts.cnt.ack_dup +
			 ts.cnt.ack_stale);
	assert_int_equal(ts.cnt.ack_beyond, 0);
	assert_int_equal(ts.cnt.ack_bad_epoch, 0);
	assert_int_equal(ts.cnt.nack_bogus, 0);
	/* receiver: everything the sender counts as acked was delivered */
	assert_int_equal(rs.cnt.delivered, s->sink.n);
	if (rs.has_epoch) {
		assert_true(rs.last_delivered + 1 - sc->first_seq >= acked);
		assert_int_equal(rs.last_delivered + 1 - sc->first_seq,
				 s->sink.n);
	} else {
		assert_int_equal(s->sink.n, 0);
		assert_int_equal(acked, 0);
	}
	assert_int_equal(rs.cnt.rx_msgs, s->data.arrived);
	assert_int_equal(rs.cnt.rx_msgs, rs.cnt.in_order + rs.cnt.buffered +
			 rs.cnt.dup + rs.cnt.too_far);
	assert_int_equal(rs.cnt.delivered, rs.cnt.in_order +
			 rs.cnt.buffered - rs.reorder_depth);
	assert_true(rs.reorder_depth < sc->reorder);
	assert_int_equal(rs.cnt.acks, s->acks_built);
	assert_int_equal(rs.cnt.epoch_changes, rs.has_epoch ? 1 : 0);
	assert_int_equal(rs.cnt.skipped + rs.cnt.stale_epoch +
			 rs.cnt.invalid, 0);
	assert_int_equal(s->sink.bad, 0);
}

static void sim_run(const struct sim_case *sc)
{
	struct hf_sw_tx_config tc = {
		.epoch = sc->seed * 2 + 1, .first_seq = sc->first_seq,
		.window = sc->window, .max_msg = sc->max_msg,
	};
	struct hf_sw_rx_config rc = {
		.reorder = sc->reorder, .max_msg = sc->max_msg,
		.deliver = sink_deliver,
	};
	struct hf_sw_msg out[SIM_BURST];
	struct hf_sw_tx_stats ts;
	struct hf_sw_rx_stats rs;
	struct hf_sw_ack ack;
	struct sim_pkt pk;
	uint64_t last_progress = 0, last_n = 0, ticks = 0, cycle;
	struct sim *s = calloc(1, sizeof(*s));
	uint32_t i, n;
	bool idle;

	assert_non_null(s);
	s->sc = sc;
	s->rs = sc->seed;
	s->now = T0;
	s->sink.first = sc->first_seq;
	s->sink.max_msg = sc->max_msg;
	rc.arg = &s->sink;
	s->push_ns = calloc(sc->n, sizeof(*s->push_ns));
	s->data.p = calloc(SIM_CHAN, sizeof(*s->data.p));
	s->acks.p = calloc(SIM_CHAN, sizeof(*s->acks.p));
	assert_non_null(s->push_ns);
	assert_non_null(s->data.p);
	assert_non_null(s->acks.p);
	assert_int_equal(hf_sw_tx_create(&s->tx, &tc), 0);
	assert_int_equal(hf_sw_rx_create(&s->rx, &rc), 0);

	for (;;) {
		s->now += SIM_TICK;
		ticks++;
		cycle = sc->on_ns + sc->off_ns;
		idle = sc->off_ns && (s->now - T0) % cycle >= sc->on_ns;
		sim_produce(s, idle);
		n = hf_sw_tx_poll(s->tx, s->now, out, SIM_BURST);
		for (i = 0; i < n; i++)
			chan_send(&s->data, &s->rs, sc, s->now, &out[i], NULL);
		while (chan_recv(&s->data, s->now, &pk))
			hf_sw_rx_input(s->rx, &pk.m, s->now);
		if (hf_sw_rx_ack_due(s->rx, s->now)) {
			assert_int_equal(hf_sw_rx_ack_build(s->rx, s->now,
							    &ack), 0);
			s->acks_built++;
			chan_send(&s->acks, &s->rs, sc, s->now, NULL, &ack);
		}
		while (chan_recv(&s->acks, s->now, &pk))
			hf_sw_tx_ack(s->tx, &pk.ack, s->now);
		sim_check(s);

		hf_sw_tx_stats(s->tx, s->now, &ts);
		if (s->produced == sc->n && !ts.depth)
			break;
		if (s->sink.n != last_n) {
			last_n = s->sink.n;
			last_progress = s->now;
		}
		if (last_progress && s->now - last_progress > 5000 * MS)
			fail_msg("%s: no progress for 5 s at %" PRIu64
				 " delivered", sc->name, s->sink.n);
	}
	hf_sw_tx_stats(s->tx, s->now, &ts);
	hf_sw_rx_stats(s->rx, &rs);
	assert_int_equal(s->sink.n, sc->n);
	assert_int_equal(s->sink.bad, 0);
	assert_int_equal(rs.reorder_depth, 0);
	assert_int_equal(ts.last_acked, sc->first_seq + sc->n - 1);
	assert_int_equal(ts.cnt.pushed, sc->n);
	/* the channel did its job: the hard paths were exercised */
	assert_true(s->data.lost > 0 && s->acks.lost > 0);
	assert_true(ts.cnt.rexmit > 0 && ts.cnt.nack_marked > 0);
	assert_true(rs.cnt.dup > 0 && rs.cnt.buffered > 0);
	if (sc->want_rto)
		assert_true(ts.cnt.rto_expiries > 0);
	print_message("  %s: %u msgs in %.3f s sim (%" PRIu64 " ticks): "
		      "data sent %" PRIu64 " lost %" PRIu64 " dup %" PRIu64
		      ", acks %" PRIu64 " lost %" PRIu64 "; rexmit %" PRIu64
		      " (nack %" PRIu64 ", rto %" PRIu64 " in %" PRIu64
		      " expiries, guarded %" PRIu64 "), rx dup %" PRIu64
		      " buffered %" PRIu64 " too_far %" PRIu64
		      "; lag p50 %.2f ms p99 %.2f ms p99.9 %.2f ms\n",
		      sc->name, sc->n, (double)(s->now - T0) / 1e9, ticks,
		      s->data.sent, s->data.lost, s->data.duped,
		      s->acks.sent, s->acks.lost, ts.cnt.rexmit,
		      ts.cnt.nack_marked, ts.cnt.rto_marked,
		      ts.cnt.rto_expiries, ts.cnt.nack_guarded, rs.cnt.dup,
		      rs.cnt.buffered, rs.cnt.too_far,
		      (double)hf_sw_lag_percentile_ns(ts.lag_hist, 500) / 1e6,
		      (double)hf_sw_lag_percentile_ns(ts.lag_hist, 990) / 1e6,
		      (double)hf_sw_lag_percentile_ns(ts.lag_hist, 999) / 1e6);
	hf_sw_tx_destroy(s->tx);
	hf_sw_rx_destroy(s->rx);
	free(s->push_ns);
	free(s->data.p);
	free(s->acks.p);
	free(s);
}

static const struct sim_case sim_cases[] = {
	{ .name = "lossy", .seed = 1, .n = 100000, .first_seq = 1,
	  .loss = 200, .dup = 100, .ack_loss = 200, .ack_dup = 100,
	  .delay_ns = 50 * US, .jitter_ns = 150 * US, .window = 1024,
	  .reorder = 256, .max_msg = 200, .rate = 3 },
	{ .name = "harsh+wrap", .seed = 2, .n = 20000,
	  .first_seq = UINT64_MAX - 10000, .loss = 1000, .dup = 500,
	  .ack_loss = 2000, .ack_dup = 500, .delay_ns = 50 * US,
	  .jitter_ns = 500 * US, .window = 64, .reorder = 16,
	  .max_msg = 64, .rate = 4 },
	{ .name = "bursty", .seed = 3, .n = 20000, .first_seq = 0,
	  .loss = 500, .dup = 200, .ack_loss = 500, .ack_dup = 200,
	  .delay_ns = 100 * US, .jitter_ns = 100 * US, .window = 4096,
	  .reorder = 1024, .max_msg = SIM_MSG_MAX, .rate = 2,
	  .on_ns = 2 * MS, .off_ns = 25 * MS, .want_rto = true },
};

static void test_random_simulation(void **state)
{
	uint32_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(sim_cases); i++)
		sim_run(&sim_cases[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_invalid_and_defaults),
		cmocka_unit_test(test_in_order),
		cmocka_unit_test(test_loss_nack_resend),
		cmocka_unit_test(test_nack_guard_and_renack),
		cmocka_unit_test(test_reorder_within_buffer),
		cmocka_unit_test(test_reorder_beyond_buffer),
		cmocka_unit_test(test_duplicates),
		cmocka_unit_test(test_lost_acks_rto_backoff),
		cmocka_unit_test(test_rto_burst_tail_loss),
		cmocka_unit_test(test_cumulative_ack_and_lag),
		cmocka_unit_test(test_lag_percentile),
		cmocka_unit_test(test_window_full),
		cmocka_unit_test(test_bogus_acks),
		cmocka_unit_test(test_peer_restart_new_epoch),
		cmocka_unit_test(test_epoch_flip_recovers),
		cmocka_unit_test(test_receiver_restart_skip_to_base),
		cmocka_unit_test(test_invalid_input),
		cmocka_unit_test(test_sequence_wrap),
		cmocka_unit_test(test_bulk_progress),
		cmocka_unit_test(test_ack_policy),
		cmocka_unit_test(test_nack_range_limit),
		cmocka_unit_test(test_random_simulation),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
