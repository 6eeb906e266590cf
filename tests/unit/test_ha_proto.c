// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_ha_proto.c - ha/ha_proto.h: the HA1/HA2 wire format.
 *
 * Golden bytes written out by hand (byte order, offsets), round trips of
 * every message and record type, authentication (tag = truncated
 * HMAC-SHA256 computed here with OpenSSL directly; every bit flip
 * rejected), truncation at every length into exact-size heap buffers (so
 * ASan sees any over-read), lying length fields, field ranges
 * table-driven, unknown records skipped, the replay window against a
 * model, and a deterministic mutation fuzz whose accepted messages must
 * re-encode to the same bytes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <errno.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "ha/ha_proto.h"

#define N(a)		(sizeof(a) / sizeof((a)[0]))
#define NODE_A		0x01020304u
#define NODE_B		7u
#define EPOCH_A		0x1122334455667788ull
#define BUFSZ		(HF_HAP_MAX_MSG + 64)
#define IP(a, b, c, d) \
	((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))

static const char KEY_A[] = "correct horse battery staple";
static const char KEY_B[] = "correct horse battery stapler";

static struct hf_hap_auth key_a, key_b;

/* ---- independent byte helpers (not the library's) ---- */

static void poke(uint8_t *p, size_t off, unsigned int width, uint64_t v)
{
	unsigned int i;

	for (i = 0; i < width; i++)
		p[off + i] = (uint8_t)(v >> (8 * (width - 1 - i)));
}

static uint64_t peek(const uint8_t *p, size_t off, unsigned int width)
{
	uint64_t v = 0;
	unsigned int i;

	for (i = 0; i < width; i++)
		v = v << 8 | p[off + i];
	return v;
}

/* Write the tag of a message of @len bytes with OpenSSL directly. */
static void retag(uint8_t *buf, size_t len, const char *key)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int md_len = 0;

	assert_true(len >= HF_HAP_HDR_LEN + HF_HAP_TAG_LEN);
	assert_non_null(HMAC(EVP_sha256(), key, (int)strlen(key), buf,
			     len - HF_HAP_TAG_LEN, md, &md_len));
	assert_int_equal(md_len, 32);
	memcpy(buf + len - HF_HAP_TAG_LEN, md, HF_HAP_TAG_LEN);
}

/* Decode @len bytes from an exact-size heap copy: ASan catches any read
 * beyond. */
static enum hf_hap_err decode_exact(const uint8_t *buf, size_t len,
				    const struct hf_hap_auth *auth,
				    struct hf_hap_msg *out)
{
	uint8_t *copy = malloc(len ? len : 1);
	enum hf_hap_err e;

	assert_non_null(copy);
	memcpy(copy, buf, len);
	e = hf_hap_decode(copy, len, auth, NODE_B, out);
	free(copy);
	return e;
}

/* ---- samples ---- */

enum {
	S_HELLO, S_GOODBYE, S_SYNC_HELLO, S_ACK0, S_ACK3, S_ACK16,
	S_BULK_BEGIN, S_BULK_END, S_RESYNC,
	S_SYNC_MIX, S_SYNC_FULL, S_SYNC_UNKNOWN,
	N_SAMPLES,
	FIRST_SYNC = S_SYNC_MIX,
};

static const uint8_t raw_payload[7] = { 1, 2, 3, 4, 5, 6, 7 };

static void sample_rec(unsigned int k, struct hf_hap_rec *r)
{
	struct hf_hap_sess *s = &r->u.sess;

	memset(r, 0, sizeof(*r));
	switch (k) {
	case 0:		/* TCP, established */
	case 1:		/* UDP */
	case 2:		/* ICMP echo */
		r->type = HF_HAP_REC_SESS_UPSERT;
		s->seq = 0x0102030405060708ull + k;
		s->key[0] = (struct hf_sess_key){
			.saddr = IP(198, 18, 1, 2), .daddr = IP(198, 19, 0, 1),
			.sport = 12345, .dport = 80, .proto = 6, .zone = 1 };
		if (k == 1)
			s->key[0].proto = 17;
		if (k == 2) {
			s->key[0].proto = 1;
			s->key[0].dport = 0;
		}
		s->key[1] = hf_sess_key_reverse(&s->key[0], 2);
		s->state = k == 0 ? HF_TCP_ESTABLISHED : HF_TCP_NONE;
		s->flags = HF_HAP_SESS_REPLIED;
		s->rule = (uint16_t)(7 + k);
		s->port[0] = 1;
		s->port[1] = 2;
		s->pkts[0] = 0x10;
		s->bytes[0] = 0x1122;
		s->pkts[1] = 0x20;
		s->bytes[1] = 0x3344;
		s->lifetime_ms = 900000;
		s->age_s = 60;
		break;
	case 3:
		r->type = HF_HAP_REC_SESS_DELETE;
		r->u.sess_del.seq = UINT64_MAX - 1;
		r->u.sess_del.key = (struct hf_sess_key){
			.saddr = IP(10, 0, 0, 1), .daddr = IP(10, 0, 0, 2),
			.sport = 1, .dport = 65535, .proto = 17, .zone = 32 };
		break;
	case 4:
		r->type = HF_HAP_REC_NEIGH_UPSERT;
		r->u.neigh = (struct hf_hap_neigh){
			.ip = IP(198, 18, 1, 1), .port = 15,
			.mac = { 0x02, 0x00, 0x5e, 0x10, 0x20, 0x30 },
			.state = HF_NEIGH_STALE };
		break;
	case 5:
		r->type = HF_HAP_REC_NEIGH_DELETE;
		r->u.neigh_del = (struct hf_hap_neigh_del){
			.ip = IP(198, 18, 1, 9), .port = 3 };
		break;
	default:	/* an unknown, non-critical type */
		r->type = 0x0042;
		r->u.raw.data = raw_payload;
		r->u.raw.len = sizeof(raw_payload);
		break;
	}
}

#define N_SAMPLE_RECS	7

static void sample_msg(unsigned int i, struct hf_hap_msg *m)
{
	static const uint8_t types[] = {
		[S_HELLO] = HF_HAP_HELLO, [S_GOODBYE] = HF_HAP_GOODBYE,
		[S_SYNC_HELLO] = HF_HAP_SYNC_HELLO, [S_ACK0] = HF_HAP_ACK,
		[S_ACK3] = HF_HAP_ACK, [S_ACK16] = HF_HAP_ACK,
		[S_BULK_BEGIN] = HF_HAP_BULK_BEGIN,
		[S_BULK_END] = HF_HAP_BULK_END,
		[S_RESYNC] = HF_HAP_RESYNC_REQUEST,
	};
	unsigned int k;

	memset(m, 0, sizeof(*m));
	m->hdr.type = types[i];
	switch (i) {
	case S_HELLO:
		m->u.hello = (struct hf_hap_hello){
			.priority = 200, .state = HF_HAP_STATE_ACTIVE,
			.flags = HF_HAP_HELLO_HEALTHY | HF_HAP_HELLO_PREEMPT |
				 HF_HAP_HELLO_SYNCED,
			.interval_ms = 100,
			.config_digest = 0xa1a2a3a4a5a6a7a8ull,
			.sync_applied = 0x1234,
			.peer_epoch = 0xb1b2b3b4b5b6b7b8ull };
		break;
	case S_GOODBYE:
		m->u.goodbye.reason = HF_HAP_BYE_RESTART;
		break;
	case S_SYNC_HELLO:
		m->u.sync_hello = (struct hf_hap_sync_hello){
			.next_seq = 1000, .applied = 999,
			.peer_epoch = 0xdeadbeefcafef00dull,
			.flags = HF_HAP_SH_SOURCE | HF_HAP_SH_NEED_BULK,
			.sessions = 0x0123456789abcdefull };
		break;
	case S_ACK0:
		m->u.ack.epoch = 0xe1e2e3e4e5e6e7e8ull;
		m->u.ack.cum = 77;
		break;
	case S_ACK3:
		m->u.ack.epoch = 1;
		m->u.ack.cum = 100;
		m->u.ack.nnack = 3;
		m->u.ack.nack[0] = (struct hf_hap_nack){ 101, 101 };
		m->u.ack.nack[1] = (struct hf_hap_nack){ 103, 110 };
		m->u.ack.nack[2] = (struct hf_hap_nack){ 200, UINT64_MAX };
		break;
	case S_ACK16:
		m->u.ack.epoch = UINT64_MAX;
		m->u.ack.cum = 0;
		m->u.ack.nnack = HF_HAP_MAX_NACK;
		for (k = 0; k < HF_HAP_MAX_NACK; k++)
			m->u.ack.nack[k] = (struct hf_hap_nack){
				10 * k + 1, 10 * k + 1 + k % 3 };
		break;
	case S_BULK_BEGIN:
	case S_BULK_END:
		m->u.bulk = (struct hf_hap_bulk){
			.seq = 5000 + i, .base = 4990 + i, .bulk_id = 3,
			.sessions = 123456, .neighs = 77 };
		break;
	default:	/* S_RESYNC */
		m->u.resync.reason = HF_HAP_RESYNC_GAP;
		break;
	}
}

static void tx_make(struct hf_hap_tx *tx, const struct hf_hap_auth *auth)
{
	assert_int_equal(hf_hap_tx_init(tx, NODE_A, EPOCH_A, auth), 0);
}

/* The records of a sync sample, in order; returns how many. */
static unsigned int sync_recs(unsigned int i, struct hf_hap_rec *r,
			      unsigned int max)
{
	unsigned int n = 0, k;

	switch (i) {
	case S_SYNC_MIX:
		for (k = 0; k < 6 && n < max; k++)
			sample_rec(k, &r[n++]);
		break;
	case S_SYNC_FULL:	/* as many upserts as fit with a key */
		for (k = 0; k < 15 && n < max; k++) {
			sample_rec(k % 3, &r[n]);
			r[n++].u.sess.seq = k;
		}
		break;
	default:		/* S_SYNC_UNKNOWN */
		sample_rec(5, &r[n++]);
		sample_rec(6, &r[n++]);
		sample_rec(4, &r[n++]);
		break;
	}
	return n;
}

/* Encode sample @i with @auth into @buf. */
static size_t build(unsigned int i, const struct hf_hap_auth *auth,
		    uint8_t *buf)
{
	struct hf_hap_rec recs[32];
	struct hf_hap_batch b;
	struct hf_hap_msg m;
	struct hf_hap_tx tx;
	unsigned int n, k;
	size_t len = 0;

	tx_make(&tx, auth);
	tx.seq = 41;
	if (i < FIRST_SYNC) {
		sample_msg(i, &m);
		assert_int_equal(hf_hap_encode(&tx, &m, buf, BUFSZ, &len), 0);
		return len;
	}
	n = sync_recs(i, recs, N(recs));
	assert_int_equal(hf_hap_batch_init(&b, &tx, buf, BUFSZ, 9000 + i,
					   8000 + i, HF_HAP_SYNC_BULK), 0);
	for (k = 0; k < n; k++)
		assert_int_equal(hf_hap_batch_add(&b, &recs[k]), 0);
	assert_int_equal(hf_hap_batch_finish(&b, &tx, &len), 0);
	assert_int_equal(tx.seq, 42);
	return len;
}

/* ---- field-by-field comparisons ---- */

static void assert_key_eq(const struct hf_sess_key *a,
			  const struct hf_sess_key *b)
{
	assert_int_equal(a->saddr, b->saddr);
	assert_int_equal(a->daddr, b->daddr);
	assert_int_equal(a->sport, b->sport);
	assert_int_equal(a->dport, b->dport);
	assert_int_equal(a->proto, b->proto);
	assert_int_equal(a->zone, b->zone);
	assert_int_equal(b->pad, 0);
}

static void assert_rec_eq(const struct hf_hap_rec *a,
			  const struct hf_hap_rec *b)
{
	const struct hf_hap_sess *s = &a->u.sess, *t = &b->u.sess;
	unsigned int d;

	assert_int_equal(a->type, b->type);
	switch (a->type) {
	case HF_HAP_REC_SESS_UPSERT:
		assert_int_equal(s->seq, t->seq);
		for (d = 0; d < 2; d++) {
			assert_key_eq(&s->key[d], &t->key[d]);
			assert_int_equal(s->port[d], t->port[d]);
			assert_int_equal(s->pkts[d], t->pkts[d]);
			assert_int_equal(s->bytes[d], t->bytes[d]);
		}
		assert_int_equal(s->state, t->state);
		assert_int_equal(s->flags, t->flags);
		assert_int_equal(s->rule, t->rule);
		assert_int_equal(s->lifetime_ms, t->lifetime_ms);
		assert_int_equal(s->age_s, t->age_s);
		break;
	case HF_HAP_REC_SESS_DELETE:
		assert_int_equal(a->u.sess_del.seq, b->u.sess_del.seq);
		assert_key_eq(&a->u.sess_del.key, &b->u.sess_del.key);
		break;
	case HF_HAP_REC_NEIGH_UPSERT:
		assert_int_equal(a->u.neigh.ip, b->u.neigh.ip);
		assert_int_equal(a->u.neigh.port, b->u.neigh.port);
		assert_memory_equal(a->u.neigh.mac, b->u.neigh.mac, 6);
		assert_int_equal(a->u.neigh.state, b->u.neigh.state);
		break;
	case HF_HAP_REC_NEIGH_DELETE:
		assert_int_equal(a->u.neigh_del.ip, b->u.neigh_del.ip);
		assert_int_equal(a->u.neigh_del.port, b->u.neigh_del.port);
		break;
	default:
		assert_int_equal(a->u.raw.len, b->u.raw.len);
		assert_memory_equal(a->u.raw.data, b->u.raw.data, a->u.raw.len);
		break;
	}
}

static void assert_body_eq(const struct hf_hap_msg *a,
			   const struct hf_hap_msg *b)
{
	const struct hf_hap_hello *h = &a->u.hello, *g = &b->u.hello;
	unsigned int k;

	assert_int_equal(a->hdr.type, b->hdr.type);
	switch (a->hdr.type) {
	case HF_HAP_HELLO:
		assert_int_equal(h->priority, g->priority);
		assert_int_equal(h->state, g->state);
		assert_int_equal(h->flags, g->flags);
		assert_int_equal(h->interval_ms, g->interval_ms);
		assert_int_equal(h->config_digest, g->config_digest);
		assert_int_equal(h->sync_applied, g->sync_applied);
		assert_int_equal(h->peer_epoch, g->peer_epoch);
		break;
	case HF_HAP_GOODBYE:
		assert_int_equal(a->u.goodbye.reason, b->u.goodbye.reason);
		break;
	case HF_HAP_SYNC_HELLO:
		assert_int_equal(a->u.sync_hello.next_seq,
				 b->u.sync_hello.next_seq);
		assert_int_equal(a->u.sync_hello.applied,
				 b->u.sync_hello.applied);
		assert_int_equal(a->u.sync_hello.peer_epoch,
				 b->u.sync_hello.peer_epoch);
		assert_int_equal(a->u.sync_hello.flags, b->u.sync_hello.flags);
		assert_int_equal(a->u.sync_hello.sessions,
				 b->u.sync_hello.sessions);
		break;
	case HF_HAP_ACK:
		assert_int_equal(a->u.ack.epoch, b->u.ack.epoch);
		assert_int_equal(a->u.ack.cum, b->u.ack.cum);
		assert_int_equal(a->u.ack.nnack, b->u.ack.nnack);
		for (k = 0; k < a->u.ack.nnack; k++) {
			assert_int_equal(a->u.ack.nack[k].first,
					 b->u.ack.nack[k].first);
			assert_int_equal(a->u.ack.nack[k].last,
					 b->u.ack.nack[k].last);
		}
		break;
	case HF_HAP_BULK_BEGIN:
	case HF_HAP_BULK_END:
		assert_int_equal(a->u.bulk.seq, b->u.bulk.seq);
		assert_int_equal(a->u.bulk.base, b->u.bulk.base);
		assert_int_equal(a->u.bulk.bulk_id, b->u.bulk.bulk_id);
		assert_int_equal(a->u.bulk.sessions, b->u.bulk.sessions);
		assert_int_equal(a->u.bulk.neighs, b->u.bulk.neighs);
		break;
	case HF_HAP_RESYNC_REQUEST:
		assert_int_equal(a->u.resync.reason, b->u.resync.reason);
		break;
	default:
		fail_msg("type %u", a->hdr.type);
	}
}

static void assert_hdr(const struct hf_hap_hdr *h, uint8_t type, bool auth,
		       size_t len, uint64_t seq)
{
	assert_int_equal(h->version, HF_HAP_VERSION);
	assert_int_equal(h->type, type);
	assert_int_equal(h->flags, auth ? HF_HAP_F_AUTH : 0);
	assert_int_equal(h->len, len);
	assert_int_equal(h->node_id, NODE_A);
	assert_int_equal(h->epoch, EPOCH_A);
	assert_int_equal(h->seq, seq);
}

/* ---- setup ---- */

static int setup(void **state)
{
	(void)state;
	if (hf_hap_auth_init(&key_a, KEY_A, strlen(KEY_A)) ||
	    hf_hap_auth_init(&key_b, KEY_B, strlen(KEY_B)))
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	hf_hap_auth_wipe(&key_a);
	hf_hap_auth_wipe(&key_b);
	return 0;
}

/* ---- golden bytes ---- */

static const uint8_t golden_hello[] = {
	0x48, 0x41, 0x01, 0x01, 0x00, 0x20, 0x00, 0x44,	/* HA v1 HELLO */
	0x01, 0x02, 0x03, 0x04, 0x00, 0x00, 0x00, 0x00,	/* node, res */
	0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,	/* epoch */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,	/* seq */
	0x00, 0xc8, 0x01, 0x00, 0x00, 0x00, 0x00, 0x07,	/* prio state flags */
	0x00, 0x00, 0x00, 0x64, 0xa1, 0xa2, 0xa3, 0xa4,	/* interval digest */
	0xa5, 0xa6, 0xa7, 0xa8, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x12, 0x34, 0xb1, 0xb2, 0xb3, 0xb4,	/* applied peer_epoch */
	0xb5, 0xb6, 0xb7, 0xb8,
};

static const uint8_t golden_sess[] = {
	0x00, 0x01, 0x00, 0x58,				/* SESS_UPSERT, 88 */
	0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,	/* sess_seq */
	0xc6, 0x12, 0x01, 0x02, 0xc6, 0x13, 0x00, 0x01,	/* orig */
	0x30, 0x39, 0x00, 0x50, 0x06, 0x01,
	0xc6, 0x13, 0x00, 0x01, 0xc6, 0x12, 0x01, 0x02,	/* reply */
	0x00, 0x50, 0x30, 0x39, 0x06, 0x02,
	0x03, 0x01, 0x00, 0x07, 0x00, 0x01, 0x00, 0x02,	/* state.. ports */
	0, 0, 0, 0, 0, 0, 0x00, 0x10,			/* pkts orig */
	0, 0, 0, 0, 0, 0, 0x11, 0x22,			/* bytes orig */
	0, 0, 0, 0, 0, 0, 0x00, 0x20,			/* pkts reply */
	0, 0, 0, 0, 0, 0, 0x33, 0x44,			/* bytes reply */
	0x00, 0x0d, 0xbb, 0xa0, 0x00, 0x00, 0x00, 0x3c,	/* 900 s, 60 s */
};

static void test_golden(void **state)
{
	uint8_t buf[BUFSZ], want[sizeof(golden_hello) + HF_HAP_TAG_LEN];
	struct hf_hap_batch b;
	struct hf_hap_msg m;
	struct hf_hap_rec r;
	struct hf_hap_tx tx;
	size_t len = 0;

	(void)state;
	sample_msg(S_HELLO, &m);
	tx_make(&tx, NULL);
	assert_int_equal(hf_hap_encode(&tx, &m, buf, sizeof(buf), &len), 0);
	assert_int_equal(len, sizeof(golden_hello));
	assert_memory_equal(buf, golden_hello, len);

	/* keyed: flag, length, and the tag is HMAC-SHA256's first 16 */
	memcpy(want, golden_hello, sizeof(golden_hello));
	want[4] = HF_HAP_F_AUTH;
	want[7] = sizeof(want);
	retag(want, sizeof(want), KEY_A);
	tx_make(&tx, &key_a);
	assert_int_equal(hf_hap_encode(&tx, &m, buf, sizeof(buf), &len), 0);
	assert_int_equal(len, sizeof(want));
	assert_memory_equal(buf, want, len);

	/* one SESS_UPSERT record, after the 20-byte SYNC header */
	tx_make(&tx, NULL);
	assert_int_equal(hf_hap_batch_init(&b, &tx, buf, sizeof(buf),
					   0x0a0b0c0d0e0f1011ull,
					   0x0a0b0c0d0e0f0001ull, 0x8001), 0);
	sample_rec(0, &r);
	assert_int_equal(hf_hap_batch_add(&b, &r), 0);
	assert_int_equal(hf_hap_batch_finish(&b, &tx, &len), 0);
	assert_int_equal(len, 32 + 20 + 88);
	assert_int_equal(peek(buf, 3, 1), HF_HAP_SYNC);
	assert_int_equal(peek(buf, 6, 2), len);
	assert_int_equal(peek(buf, 32, 8), 0x0a0b0c0d0e0f1011ull);
	assert_int_equal(peek(buf, 40, 2), 1);		/* nrec */
	assert_int_equal(peek(buf, 42, 2), 0x8001);	/* flags as given */
	assert_int_equal(peek(buf, 44, 8), 0x0a0b0c0d0e0f0001ull); /* base */
	assert_memory_equal(buf + 52, golden_sess, sizeof(golden_sess));

	/* the other stream messages and the ACK, field by field */
	sample_msg(S_BULK_BEGIN, &m);
	tx_make(&tx, NULL);
	assert_int_equal(hf_hap_encode(&tx, &m, buf, sizeof(buf), &len), 0);
	assert_int_equal(len, 32 + 28);
	assert_int_equal(peek(buf, 32, 8), 5000 + S_BULK_BEGIN);
	assert_int_equal(peek(buf, 40, 4), 3);
	assert_int_equal(peek(buf, 44, 4), 123456);
	assert_int_equal(peek(buf, 48, 4), 77);
	assert_int_equal(peek(buf, 52, 8), 4990 + S_BULK_BEGIN);
	sample_msg(S_ACK3, &m);
	assert_int_equal(hf_hap_encode(&tx, &m, buf, sizeof(buf), &len), 0);
	assert_int_equal(len, 32 + 20 + 3 * 16);
	assert_int_equal(peek(buf, 32, 8), 100);	/* cum */
	assert_int_equal(peek(buf, 40, 2), 3);		/* nnack */
	assert_int_equal(peek(buf, 42, 2), 0);		/* res */
	assert_int_equal(peek(buf, 44, 8), 1);		/* epoch */
	assert_int_equal(peek(buf, 52, 8), 101);	/* first range */
	sample_msg(S_SYNC_HELLO, &m);
	assert_int_equal(hf_hap_encode(&tx, &m, buf, sizeof(buf), &len), 0);
	assert_int_equal(len, 32 + 36);
	assert_int_equal(peek(buf, 56, 4), HF_HAP_SH_SOURCE |
					   HF_HAP_SH_NEED_BULK);
	assert_int_equal(peek(buf, 60, 8), 0x0123456789abcdefull);
}

/* ---- round trips ---- */

static void test_roundtrip_messages(void **state)
{
	const struct hf_hap_auth *auths[] = { NULL, &key_a };
	uint8_t buf[BUFSZ];
	struct hf_hap_msg m, out;
	struct hf_hap_tx tx;
	unsigned int i, a, n;
	size_t len = 0;

	(void)state;
	for (a = 0; a < N(auths); a++) {
		tx_make(&tx, auths[a]);
		for (i = 0; i < FIRST_SYNC; i++) {
			sample_msg(i, &m);
			assert_int_equal(hf_hap_encode(&tx, &m, buf,
						       sizeof(buf), &len), 0);
			n = HF_HAP_HDR_LEN + (a ? HF_HAP_TAG_LEN : 0);
			assert_true(len > n);
			assert_int_equal(hf_hap_decode(buf, len, auths[a],
						       NODE_B, &out),
					 HF_HAP_OK);
			/* seq counts messages from 1 */
			assert_hdr(&out.hdr, m.hdr.type, a, len, i + 1);
			assert_body_eq(&m, &out);
		}
		assert_int_equal(tx.seq, FIRST_SYNC);
	}
}

static void test_roundtrip_records(void **state)
{
	const struct hf_hap_auth *auths[] = { NULL, &key_a };
	struct hf_hap_rec want[32], got;
	struct hf_hap_rec_iter it;
	struct hf_hap_msg out;
	uint8_t buf[BUFSZ];
	unsigned int i, a, k, n;
	size_t len;

	(void)state;
	for (a = 0; a < N(auths); a++) {
		for (i = FIRST_SYNC; i < N_SAMPLES; i++) {
			len = build(i, auths[a], buf);
			assert_int_equal(hf_hap_decode(buf, len, auths[a], 0,
						       &out), HF_HAP_OK);
			assert_hdr(&out.hdr, HF_HAP_SYNC, a, len, 42);
			assert_int_equal(out.u.sync.seq, 9000 + i);
			assert_int_equal(out.u.sync.flags, HF_HAP_SYNC_BULK);
			assert_int_equal(out.u.sync.base, 8000 + i);
			n = sync_recs(i, want, N(want));
			assert_int_equal(out.u.sync.nrec, n);
			assert_int_equal(out.u.sync.nunknown,
					 i == S_SYNC_UNKNOWN);
			hf_hap_rec_iter_init(&it, &out.u.sync);
			for (k = 0; k < n; k++) {
				assert_true(hf_hap_rec_next(&it, &got));
				assert_rec_eq(&want[k], &got);
			}
			assert_false(hf_hap_rec_next(&it, &got));
		}
	}
}

/* ---- authentication ---- */

static void test_auth(void **state)
{
	struct hf_hap_msg out;
	uint8_t buf[BUFSZ];
	unsigned int i;
	size_t len;

	(void)state;
	for (i = 0; i < N_SAMPLES; i++) {
		len = build(i, &key_a, buf);
		assert_int_equal(hf_hap_decode(buf, len, &key_a, 0, &out),
				 HF_HAP_OK);
		assert_int_equal(hf_hap_decode(buf, len, &key_b, 0, &out),
				 HF_HAP_ERR_BAD_AUTH);
		assert_int_equal(hf_hap_decode(buf, len, NULL, 0, &out),
				 HF_HAP_ERR_UNEXPECTED_AUTH);
		/* a tag forged for another key */
		retag(buf, len, KEY_B);
		assert_int_equal(hf_hap_decode(buf, len, &key_a, 0, &out),
				 HF_HAP_ERR_BAD_AUTH);
		retag(buf, len, KEY_A);
		assert_int_equal(hf_hap_decode(buf, len, &key_a, 0, &out),
				 HF_HAP_OK);

		len = build(i, NULL, buf);
		assert_int_equal(hf_hap_decode(buf, len, &key_a, 0, &out),
				 HF_HAP_ERR_NO_AUTH);
		/* setting the flag on an unkeyed message does not help:
		 * its last 16 bytes are taken as the tag */
		buf[4] |= HF_HAP_F_AUTH;
		assert_int_equal(hf_hap_decode(buf, len, &key_a, 0, &out),
				 len < HF_HAP_HDR_LEN + HF_HAP_TAG_LEN ?
				 HF_HAP_ERR_BAD_LENGTH : HF_HAP_ERR_BAD_AUTH);
	}
	assert_int_equal(hf_hap_auth_init(&(struct hf_hap_auth){ 0 }, "x", 0),
			 -EINVAL);
	assert_int_equal(hf_hap_auth_init(&(struct hf_hap_auth){ 0 }, buf,
					  HF_HAP_KEY_MAX + 1), -EINVAL);
}

/* Every single-bit change of an authenticated message is refused. */
static void test_bitflip(void **state)
{
	struct hf_hap_msg out;
	uint8_t buf[BUFSZ];
	unsigned int i, bit;
	size_t len, off;
	enum hf_hap_err e;

	(void)state;
	for (i = 0; i < N_SAMPLES; i++) {
		len = build(i, &key_a, buf);
		for (off = 0; off < len; off++) {
			for (bit = 0; bit < 8; bit++) {
				buf[off] ^= (uint8_t)(1u << bit);
				e = hf_hap_decode(buf, len, &key_a, 0, &out);
				if (e == HF_HAP_OK)
					fail_msg("sample %u byte %zu bit %u "
						 "accepted", i, off, bit);
				buf[off] ^= (uint8_t)(1u << bit);
			}
		}
		assert_int_equal(hf_hap_decode(buf, len, &key_a, 0, &out),
				 HF_HAP_OK);
	}
}

/* ---- lengths ---- */

static void test_truncation(void **state)
{
	const struct hf_hap_auth *auths[] = { NULL, &key_a };
	struct hf_hap_msg out;
	uint8_t buf[BUFSZ];
	unsigned int i, a;
	size_t len, cut;
	enum hf_hap_err e;

	(void)state;
	for (a = 0; a < N(auths); a++) {
		for (i = 0; i < N_SAMPLES; i++) {
			len = build(i, auths[a], buf);
			for (cut = 0; cut < len; cut++)
				assert_int_equal(decode_exact(buf, cut,
							      auths[a], &out),
						 HF_HAP_ERR_TRUNCATED);
			assert_int_equal(decode_exact(buf, len, auths[a],
						      &out), HF_HAP_OK);
			/* a trailing byte beyond total_len */
			buf[len] = 0;
			assert_int_equal(decode_exact(buf, len + 1, auths[a],
						      &out),
					 HF_HAP_ERR_BAD_LENGTH);
			/* cut short and total_len made to agree (re-tagged):
			 * still never accepted */
			for (cut = 0; cut < len; cut++) {
				len = build(i, auths[a], buf);
				if (cut >= 8)
					poke(buf, 6, 2, cut);
				if (a && cut >= HF_HAP_HDR_LEN + HF_HAP_TAG_LEN)
					retag(buf, cut, KEY_A);
				e = decode_exact(buf, cut, auths[a], &out);
				if (e == HF_HAP_OK)
					fail_msg("sample %u cut %zu accepted",
						 i, cut);
			}
		}
	}
}

struct hdr_case {
	const char *what;
	size_t off;
	unsigned int width;
	uint64_t val;
	enum hf_hap_err want;
};

static const struct hdr_case hdr_cases[] = {
	{ "magic 0", 0, 1, 'X', HF_HAP_ERR_BAD_MAGIC },
	{ "magic 1", 1, 1, 'a', HF_HAP_ERR_BAD_MAGIC },
	{ "version 0", 2, 1, 0, HF_HAP_ERR_BAD_VERSION },
	{ "version 2", 2, 1, 2, HF_HAP_ERR_BAD_VERSION },
	{ "version 255", 2, 1, 255, HF_HAP_ERR_BAD_VERSION },
	{ "type 0", 3, 1, 0, HF_HAP_ERR_BAD_TYPE },
	{ "type 3", 3, 1, 3, HF_HAP_ERR_BAD_TYPE },
	{ "type 0x16", 3, 1, 0x16, HF_HAP_ERR_BAD_TYPE },
	{ "type 0xff", 3, 1, 0xff, HF_HAP_ERR_BAD_TYPE },
	{ "flags 0x02", 4, 1, 0x02, HF_HAP_ERR_BAD_FIELD },
	{ "flags 0x80", 4, 1, 0x80, HF_HAP_ERR_BAD_FIELD },
	{ "hdr_len 0", 5, 1, 0, HF_HAP_ERR_BAD_LENGTH },
	{ "hdr_len 31", 5, 1, 31, HF_HAP_ERR_BAD_LENGTH },
	{ "hdr_len 33", 5, 1, 33, HF_HAP_ERR_BAD_LENGTH },
	{ "total 0", 6, 2, 0, HF_HAP_ERR_BAD_LENGTH },
	{ "total 31", 6, 2, 31, HF_HAP_ERR_BAD_LENGTH },
	{ "total 32", 6, 2, 32, HF_HAP_ERR_BAD_LENGTH },
	{ "total 67", 6, 2, 67, HF_HAP_ERR_BAD_LENGTH },
	{ "total 69", 6, 2, 69, HF_HAP_ERR_TRUNCATED },
	{ "total 1400", 6, 2, 1400, HF_HAP_ERR_TRUNCATED },
	{ "total 1401", 6, 2, 1401, HF_HAP_ERR_BAD_LENGTH },
	{ "total 0xffff", 6, 2, 0xffff, HF_HAP_ERR_BAD_LENGTH },
	{ "node 0", 8, 4, 0, HF_HAP_ERR_BAD_FIELD },
	{ "node self", 8, 4, NODE_B, HF_HAP_ERR_LOOP },
	{ "res", 12, 4, 1, HF_HAP_ERR_BAD_FIELD },
	{ "epoch 0", 16, 8, 0, HF_HAP_ERR_BAD_FIELD },
	{ "seq 0", 24, 8, 0, HF_HAP_ERR_BAD_FIELD },
	{ "seq max", 24, 8, UINT64_MAX, HF_HAP_OK },
	{ "priority 0xffff", 32, 2, 0xffff, HF_HAP_OK },
};

/* Header fields of an unkeyed HELLO (68 bytes) set to lies. */
static void test_header_fields(void **state)
{
	struct hf_hap_msg out;
	uint8_t buf[BUFSZ];
	unsigned int i;
	size_t len;

	(void)state;
	for (i = 0; i < N(hdr_cases); i++) {
		const struct hdr_case *c = &hdr_cases[i];

		len = build(S_HELLO, NULL, buf);
		assert_int_equal(len, 68);
		poke(buf, c->off, c->width, c->val);
		if (decode_exact(buf, len, NULL, &out) != c->want)
			fail_msg("%s: got %s want %s", c->what,
				 hf_hap_err_name(decode_exact(buf, len, NULL,
							      &out)),
				 hf_hap_err_name(c->want));
	}
	/* the AUTH flag on a message without a key configured */
	len = build(S_HELLO, NULL, buf);
	buf[4] = HF_HAP_F_AUTH;
	assert_int_equal(decode_exact(buf, len, NULL, &out),
			 HF_HAP_ERR_UNEXPECTED_AUTH);
	/* AUTH with total_len too small for a tag */
	poke(buf, 6, 2, 40);
	assert_int_equal(decode_exact(buf, 40, &key_a, &out),
			 HF_HAP_ERR_BAD_LENGTH);
	/* our own node id, authenticated: a reflected message */
	len = build(S_HELLO, &key_a, buf);
	assert_int_equal(hf_hap_decode(buf, len, &key_a, NODE_A, &out),
			 HF_HAP_ERR_LOOP);
}

/* Body lengths off by a few bytes, total_len kept consistent. */
static void test_body_lengths(void **state)
{
	const int delta[] = { -4, -1, 1, 4, 16 };
	struct hf_hap_msg out;
	uint8_t buf[BUFSZ];
	unsigned int i, d;
	size_t len, nlen;
	enum hf_hap_err e;

	(void)state;
	for (i = 0; i < FIRST_SYNC; i++) {
		for (d = 0; d < N(delta); d++) {
			len = build(i, &key_a, buf);
			nlen = (size_t)((long)len + delta[d]);
			memset(buf + len - HF_HAP_TAG_LEN, 0, 32);
			poke(buf, 6, 2, nlen);
			retag(buf, nlen, KEY_A);
			e = decode_exact(buf, nlen, &key_a, &out);
			/* ACK +16: a 17th range the count does not name */
			if (e != HF_HAP_ERR_BAD_LENGTH)
				fail_msg("sample %u delta %d: %s", i, delta[d],
					 hf_hap_err_name(e));
		}
	}
	/* ACK counts */
	len = build(S_ACK3, NULL, buf);
	poke(buf, 32 + 8, 2, 2);
	assert_int_equal(decode_exact(buf, len, NULL, &out),
			 HF_HAP_ERR_BAD_LENGTH);
	poke(buf, 32 + 8, 2, 4);
	assert_int_equal(decode_exact(buf, len, NULL, &out),
			 HF_HAP_ERR_BAD_LENGTH);
	len = build(S_ACK16, NULL, buf);
	poke(buf, 32 + 8, 2, 17);
	assert_int_equal(decode_exact(buf, len, NULL, &out),
			 HF_HAP_ERR_BAD_COUNT);
	poke(buf, 32 + 8, 2, 0xffff);
	assert_int_equal(decode_exact(buf, len, NULL, &out),
			 HF_HAP_ERR_BAD_COUNT);
	/* SYNC shorter than its 20-byte header */
	len = build(S_SYNC_MIX, NULL, buf);
	poke(buf, 6, 2, 32 + 19);
	assert_int_equal(decode_exact(buf, 32 + 19, NULL, &out),
			 HF_HAP_ERR_BAD_LENGTH);
}

/* ---- field ranges, table-driven over bytes of a valid message ---- */

struct field_case {
	const char *what;
	unsigned int sample;
	size_t off;		/* from the start of the datagram */
	unsigned int width;
	uint64_t val;
	enum hf_hap_err want;
};

/* body at 32; the first record of a SYNC at 52, its fields at 52 + n */
#define B(n)	(32 + (n))
#define R(n)	(52 + (n))
#define R2(n)	(52 + 88 + (n))	/* the second: UDP SESS_UPSERT */

static const struct field_case field_cases[] = {
	{ "hello state 4", S_HELLO, B(2), 1, 4, HF_HAP_OK },
	{ "hello state 5", S_HELLO, B(2), 1, 5, HF_HAP_ERR_BAD_FIELD },
	{ "hello res", S_HELLO, B(3), 1, 1, HF_HAP_ERR_BAD_FIELD },
	{ "hello flags all", S_HELLO, B(4), 4, 0xffffffff, HF_HAP_OK },
	{ "hello interval 0", S_HELLO, B(8), 4, 0, HF_HAP_ERR_BAD_FIELD },
	{ "hello interval 1", S_HELLO, B(8), 4, 1, HF_HAP_OK },
	{ "hello interval max", S_HELLO, B(8), 4, 60000, HF_HAP_OK },
	{ "hello interval max+1", S_HELLO, B(8), 4, 60001,
	  HF_HAP_ERR_BAD_FIELD },
	{ "bye reason 1", S_GOODBYE, B(0), 1, 1, HF_HAP_OK },
	{ "bye reason 2", S_GOODBYE, B(0), 1, 2, HF_HAP_ERR_BAD_FIELD },
	{ "bye res", S_GOODBYE, B(3), 1, 1, HF_HAP_ERR_BAD_FIELD },
	{ "shello next 0", S_SYNC_HELLO, B(0), 8, 0, HF_HAP_ERR_BAD_FIELD },
	{ "shello sessions 0", S_SYNC_HELLO, B(28), 8, 0, HF_HAP_OK },
	{ "ack res", S_ACK3, B(10), 2, 1, HF_HAP_ERR_BAD_FIELD },
	{ "ack epoch 0", S_ACK3, B(12), 8, 0, HF_HAP_ERR_BAD_FIELD },
	{ "ack epoch 0, no ranges", S_ACK0, B(12), 8, 0,
	  HF_HAP_ERR_BAD_FIELD },
	{ "ack first = cum", S_ACK3, B(20), 8, 100, HF_HAP_ERR_BAD_FIELD },
	{ "ack first < cum", S_ACK3, B(20), 8, 5, HF_HAP_ERR_BAD_FIELD },
	{ "ack first > last", S_ACK3, B(36), 8, 111, HF_HAP_ERR_BAD_FIELD },
	{ "ack adjacent", S_ACK3, B(36), 8, 102, HF_HAP_ERR_BAD_FIELD },
	{ "ack overlap", S_ACK3, B(36), 8, 101, HF_HAP_ERR_BAD_FIELD },
	{ "ack gap of one", S_ACK3, B(28), 8, 101, HF_HAP_OK },
	{ "ack first range wider", S_ACK3, B(28), 8, 102,
	  HF_HAP_ERR_BAD_FIELD },	/* now adjacent to [103,110] */
	{ "ack descending", S_ACK3, B(52), 8, 104, HF_HAP_ERR_BAD_FIELD },
	{ "ack cum max", S_ACK0, B(0), 8, UINT64_MAX, HF_HAP_OK },
	{ "ack cum max with ranges", S_ACK3, B(0), 8, UINT64_MAX,
	  HF_HAP_ERR_BAD_FIELD },
	{ "bulk seq 0", S_BULK_END, B(0), 8, 0, HF_HAP_ERR_BAD_FIELD },
	{ "bulk base 0", S_BULK_END, B(20), 8, 0, HF_HAP_ERR_BAD_FIELD },
	{ "bulk base = seq", S_BULK_END, B(20), 8, 5000 + S_BULK_END,
	  HF_HAP_OK },
	{ "bulk base > seq", S_BULK_END, B(20), 8, 5001 + S_BULK_END,
	  HF_HAP_ERR_BAD_FIELD },
	{ "bulk base before a wrap", S_BULK_BEGIN, B(20), 8, UINT64_MAX,
	  HF_HAP_OK },		/* serial numbers: max + 1 + 5006 = seq */
	{ "resync reason 2", S_RESYNC, B(0), 1, 2, HF_HAP_OK },
	{ "resync reason 3", S_RESYNC, B(0), 1, 3, HF_HAP_ERR_BAD_FIELD },
	{ "resync res", S_RESYNC, B(1), 1, 1, HF_HAP_ERR_BAD_FIELD },
	{ "sync seq 0", S_SYNC_MIX, B(0), 8, 0, HF_HAP_ERR_BAD_FIELD },
	{ "sync nrec 0", S_SYNC_MIX, B(8), 2, 0, HF_HAP_ERR_BAD_COUNT },
	{ "sync nrec -1", S_SYNC_MIX, B(8), 2, 5, HF_HAP_ERR_BAD_COUNT },
	{ "sync nrec +1", S_SYNC_MIX, B(8), 2, 7, HF_HAP_ERR_BAD_COUNT },
	{ "sync nrec max", S_SYNC_MIX, B(8), 2, 0xffff,
	  HF_HAP_ERR_BAD_COUNT },
	{ "sync flags all", S_SYNC_MIX, B(10), 2, 0xffff, HF_HAP_OK },
	{ "sync base 0", S_SYNC_MIX, B(12), 8, 0, HF_HAP_ERR_BAD_FIELD },
	{ "sync base = seq", S_SYNC_MIX, B(12), 8, 9000 + S_SYNC_MIX,
	  HF_HAP_OK },
	{ "sync base > seq", S_SYNC_MIX, B(12), 8, 9001 + S_SYNC_MIX,
	  HF_HAP_ERR_BAD_FIELD },
	{ "sync base half a space below", S_SYNC_MIX, B(12), 8,
	  9000 + S_SYNC_MIX - (1ull << 63), HF_HAP_ERR_BAD_FIELD },
	{ "sync base just under half", S_SYNC_MIX, B(12), 8,
	  9001 + S_SYNC_MIX - (1ull << 63), HF_HAP_OK },
	/* the first record of S_SYNC_MIX: a TCP SESS_UPSERT */
	{ "sess len 0", S_SYNC_MIX, R(2), 2, 0, HF_HAP_ERR_BAD_RECORD },
	{ "sess len 3", S_SYNC_MIX, R(2), 2, 3, HF_HAP_ERR_BAD_RECORD },
	{ "sess len 4", S_SYNC_MIX, R(2), 2, 4, HF_HAP_ERR_BAD_RECORD },
	{ "sess len 87", S_SYNC_MIX, R(2), 2, 87, HF_HAP_ERR_BAD_RECORD },
	{ "sess len 89", S_SYNC_MIX, R(2), 2, 89, HF_HAP_ERR_BAD_RECORD },
	{ "sess len 0xffff", S_SYNC_MIX, R(2), 2, 0xffff,
	  HF_HAP_ERR_BAD_RECORD },
	{ "sess critical type", S_SYNC_MIX, R(0), 2, 0x8001,
	  HF_HAP_ERR_CRITICAL_RECORD },
	{ "sess unknown type", S_SYNC_MIX, R(0), 2, 0x0001 + 0x40,
	  HF_HAP_OK },
	{ "sess zone 32", S_SYNC_MIX, R(25), 1, 32, HF_HAP_OK },
	{ "sess zone 33", S_SYNC_MIX, R(25), 1, 33, HF_HAP_ERR_BAD_FIELD },
	{ "sess reply zone 255", S_SYNC_MIX, R(39), 1, 255,
	  HF_HAP_ERR_BAD_FIELD },
	{ "sess proto differs", S_SYNC_MIX, R(38), 1, 17,
	  HF_HAP_ERR_BAD_FIELD },
	{ "udp with tcp state", S_SYNC_MIX, R2(40), 1, HF_TCP_ESTABLISHED,
	  HF_HAP_ERR_BAD_FIELD },
	{ "udp proto only orig", S_SYNC_MIX, R2(24), 1, 6,
	  HF_HAP_ERR_BAD_FIELD },
	{ "sess state closed", S_SYNC_MIX, R(40), 1, HF_TCP_CLOSED,
	  HF_HAP_OK },
	{ "sess state max", S_SYNC_MIX, R(40), 1, HF_TCP_STATE_MAX,
	  HF_HAP_ERR_BAD_FIELD },
	{ "sess flags all", S_SYNC_MIX, R(41), 1, 0xff, HF_HAP_OK },
	{ "sess port 15", S_SYNC_MIX, R(44), 2, 15, HF_HAP_OK },
	{ "sess port 16", S_SYNC_MIX, R(44), 2, 16, HF_HAP_ERR_BAD_FIELD },
	{ "sess reply port", S_SYNC_MIX, R(46), 2, 0xffff,
	  HF_HAP_ERR_BAD_FIELD },
	{ "sess counters max", S_SYNC_MIX, R(48), 8, UINT64_MAX,
	  HF_HAP_OK },
	{ "sess lifetime max", S_SYNC_MIX, R(80), 4, 0xffffffff,
	  HF_HAP_OK },
};

/* Records of S_SYNC_UNKNOWN: NEIGH_DELETE at 52 (10), unknown at 62
 * (11), NEIGH_UPSERT at 73 (18). */
#define U1(n)	(62 + (n))
#define U2(n)	(73 + (n))

static const struct field_case rec_cases[] = {
	{ "ndel ip 0", S_SYNC_UNKNOWN, R(4), 4, 0, HF_HAP_ERR_BAD_FIELD },
	{ "ndel port 16", S_SYNC_UNKNOWN, R(8), 2, 16,
	  HF_HAP_ERR_BAD_FIELD },
	{ "ndel len 11", S_SYNC_UNKNOWN, R(2), 2, 11,
	  HF_HAP_ERR_BAD_RECORD },
	{ "unknown len 4", S_SYNC_UNKNOWN, U1(2), 2, 4,
	  HF_HAP_ERR_BAD_RECORD },	/* its last 7 bytes then misparse */
	{ "unknown len past end", S_SYNC_UNKNOWN, U1(2), 2, 11 + 18 + 1,
	  HF_HAP_ERR_BAD_RECORD },
	{ "unknown len to end", S_SYNC_UNKNOWN, U1(2), 2, 11 + 18,
	  HF_HAP_ERR_BAD_COUNT },	/* swallows the last record */
	{ "unknown critical", S_SYNC_UNKNOWN, U1(0), 2, 0x8042,
	  HF_HAP_ERR_CRITICAL_RECORD },
	{ "unknown type 0xffff", S_SYNC_UNKNOWN, U1(0), 2, 0xffff,
	  HF_HAP_ERR_CRITICAL_RECORD },
	{ "unknown type 0x7fff", S_SYNC_UNKNOWN, U1(0), 2, 0x7fff,
	  HF_HAP_OK },
	{ "unknown type 0 skipped", S_SYNC_UNKNOWN, U1(0), 2, 0, HF_HAP_OK },
	{ "neigh ip 0", S_SYNC_UNKNOWN, U2(4), 4, 0, HF_HAP_ERR_BAD_FIELD },
	{ "neigh port 16", S_SYNC_UNKNOWN, U2(8), 2, 16,
	  HF_HAP_ERR_BAD_FIELD },
	{ "neigh mac multicast", S_SYNC_UNKNOWN, U2(10), 1, 0x01,
	  HF_HAP_ERR_BAD_FIELD },
	{ "neigh mac broadcast", S_SYNC_UNKNOWN, U2(10), 6, 0xffffffffffff,
	  HF_HAP_ERR_BAD_FIELD },
	{ "neigh mac zero", S_SYNC_UNKNOWN, U2(10), 6, 0,
	  HF_HAP_ERR_BAD_FIELD },
	{ "neigh incomplete", S_SYNC_UNKNOWN, U2(16), 1, HF_NEIGH_INCOMPLETE,
	  HF_HAP_ERR_BAD_FIELD },
	{ "neigh reachable", S_SYNC_UNKNOWN, U2(16), 1, HF_NEIGH_REACHABLE,
	  HF_HAP_OK },
	{ "neigh failed", S_SYNC_UNKNOWN, U2(16), 1, HF_NEIGH_FAILED,
	  HF_HAP_ERR_BAD_FIELD },
	{ "neigh permanent", S_SYNC_UNKNOWN, U2(16), 1, HF_NEIGH_PERMANENT,
	  HF_HAP_OK },
	{ "neigh state 5", S_SYNC_UNKNOWN, U2(16), 1, 5,
	  HF_HAP_ERR_BAD_FIELD },
	{ "neigh res", S_SYNC_UNKNOWN, U2(17), 1, 1, HF_HAP_ERR_BAD_FIELD },
	{ "neigh len 17", S_SYNC_UNKNOWN, U2(2), 2, 17,
	  HF_HAP_ERR_BAD_RECORD },
	{ "neigh len 19", S_SYNC_UNKNOWN, U2(2), 2, 19,
	  HF_HAP_ERR_BAD_RECORD },
};

static void run_field_cases(const struct field_case *cases, unsigned int n)
{
	const struct hf_hap_auth *auths[] = { NULL, &key_a };
	struct hf_hap_msg out;
	uint8_t buf[BUFSZ];
	unsigned int i, a;
	enum hf_hap_err e;
	size_t len;

	for (i = 0; i < n; i++) {
		const struct field_case *c = &cases[i];

		for (a = 0; a < N(auths); a++) {
			len = build(c->sample, auths[a], buf);
			assert_true(c->off + c->width <= len);
			poke(buf, c->off, c->width, c->val);
			if (a)
				retag(buf, len, KEY_A);
			e = decode_exact(buf, len, auths[a], &out);
			if (e != c->want)
				fail_msg("%s (key %u): got %s want %s", c->what,
					 a, hf_hap_err_name(e),
					 hf_hap_err_name(c->want));
		}
	}
}

static void test_field_ranges(void **state)
{
	(void)state;
	run_field_cases(field_cases, N(field_cases));
	run_field_cases(rec_cases, N(rec_cases));
}

/* The encoder refuses what the decoder would. */
static void test_encode_invalid(void **state)
{
	uint8_t buf[BUFSZ];
	struct hf_hap_batch b;
	struct hf_hap_msg m;
	struct hf_hap_rec r;
	struct hf_hap_tx tx;
	size_t len = 0;

	(void)state;
	tx_make(&tx, NULL);
	sample_msg(S_HELLO, &m);
	m.u.hello.state = HF_HAP_STATE_MAX;
	assert_int_equal(hf_hap_encode(&tx, &m, buf, sizeof(buf), &len),
			 -EINVAL);
	sample_msg(S_HELLO, &m);
	m.u.hello.interval_ms = 0;
	assert_int_equal(hf_hap_encode(&tx, &m, buf, sizeof(buf), &len),
			 -EINVAL);
	sample_msg(S_ACK3, &m);
	m.u.ack.nack[1].first = 102;		/* adjacent to [101,101] */
	assert_int_equal(hf_hap_encode(&tx, &m, buf, sizeof(buf), &len),
			 -EINVAL);
	sample_msg(S_ACK3, &m);
	m.u.ack.nnack = HF_HAP_MAX_NACK + 1;
	assert_int_equal(hf_hap_encode(&tx, &m, buf, sizeof(buf), &len),
			 -EINVAL);
	sample_msg(S_GOODBYE, &m);
	m.u.goodbye.reason = HF_HAP_BYE_MAX;
	assert_int_equal(hf_hap_encode(&tx, &m, buf, sizeof(buf), &len),
			 -EINVAL);
	sample_msg(S_RESYNC, &m);
	m.hdr.type = HF_HAP_SYNC;		/* the batch API does these */
	assert_int_equal(hf_hap_encode(&tx, &m, buf, sizeof(buf), &len),
			 -EINVAL);
	m.hdr.type = 0x77;
	assert_int_equal(hf_hap_encode(&tx, &m, buf, sizeof(buf), &len),
			 -EINVAL);
	assert_int_equal(tx.seq, 0);		/* nothing was sent */

	sample_msg(S_ACK0, &m);
	m.u.ack.epoch = 0;
	assert_int_equal(hf_hap_encode(&tx, &m, buf, sizeof(buf), &len),
			 -EINVAL);
	sample_msg(S_BULK_END, &m);
	m.u.bulk.base = 0;
	assert_int_equal(hf_hap_encode(&tx, &m, buf, sizeof(buf), &len),
			 -EINVAL);
	m.u.bulk.base = m.u.bulk.seq + 1;
	assert_int_equal(hf_hap_encode(&tx, &m, buf, sizeof(buf), &len),
			 -EINVAL);
	assert_int_equal(tx.seq, 0);

	/* records */
	assert_int_equal(hf_hap_batch_init(&b, &tx, buf, sizeof(buf), 0, 1,
					   0), -EINVAL);
	assert_int_equal(hf_hap_batch_init(&b, &tx, buf, sizeof(buf), 5, 0,
					   0), -EINVAL);
	assert_int_equal(hf_hap_batch_init(&b, &tx, buf, sizeof(buf), 5, 6,
					   0), -EINVAL);
	assert_int_equal(hf_hap_batch_init(&b, &tx, buf, sizeof(buf), 1, 1,
					   0), 0);
	sample_rec(0, &r);
	r.u.sess.key[1].zone = HF_MAX_ZONES + 1;
	assert_int_equal(hf_hap_batch_add(&b, &r), -EINVAL);
	sample_rec(1, &r);
	r.u.sess.state = HF_TCP_ESTABLISHED;	/* UDP has no TCP state */
	assert_int_equal(hf_hap_batch_add(&b, &r), -EINVAL);
	sample_rec(4, &r);
	r.u.neigh.mac[0] = 0x01;
	assert_int_equal(hf_hap_batch_add(&b, &r), -EINVAL);
	sample_rec(5, &r);
	r.u.neigh_del.port = HF_MAX_PORTS;
	assert_int_equal(hf_hap_batch_add(&b, &r), -EINVAL);
	sample_rec(6, &r);
	r.type = 0x8042;
	assert_int_equal(hf_hap_batch_add(&b, &r), -EINVAL);
	assert_int_equal(hf_hap_batch_count(&b), 0);
	assert_int_equal(hf_hap_batch_finish(&b, &tx, &len), -EINVAL);

	/* senders */
	assert_int_equal(hf_hap_tx_init(&tx, 0, EPOCH_A, NULL), -EINVAL);
	assert_int_equal(hf_hap_tx_init(&tx, NODE_A, 0, NULL), -EINVAL);
	tx_make(&tx, NULL);
	tx.seq = UINT64_MAX;
	sample_msg(S_HELLO, &m);
	assert_int_equal(hf_hap_encode(&tx, &m, buf, sizeof(buf), &len),
			 -EOVERFLOW);
	assert_int_equal(tx.seq, UINT64_MAX);
}

/* ---- capacity ---- */

static void test_capacity(void **state)
{
	const struct hf_hap_auth *auths[] = { NULL, &key_a };
	uint8_t buf[BUFSZ], small[BUFSZ];
	struct hf_hap_batch b;
	struct hf_hap_msg m, out;
	struct hf_hap_rec r;
	struct hf_hap_tx tx;
	unsigned int i, a, n;
	size_t len = 0, full, cap, tag;
	int err;

	(void)state;
	for (a = 0; a < N(auths); a++) {
		tag = a ? HF_HAP_TAG_LEN : 0;
		/* fixed messages: every capacity short of the size fails */
		for (i = 0; i < FIRST_SYNC; i++) {
			tx_make(&tx, auths[a]);
			sample_msg(i, &m);
			assert_int_equal(hf_hap_encode(&tx, &m, buf,
						       sizeof(buf), &full), 0);
			for (cap = 0; cap < full; cap++) {
				memset(small, 0xee, sizeof(small));
				assert_int_equal(hf_hap_encode(&tx, &m, small,
							       cap, &len),
						 -ENOSPC);
				assert_int_equal(small[0], 0xee);
			}
			assert_int_equal(tx.seq, 1);
			assert_int_equal(hf_hap_encode(&tx, &m, small, full,
						       &len), 0);
			assert_int_equal(len, full);
		}

		/* a batch of upserts fills to at most 1400 bytes */
		for (n = 0; n < 3; n++) {
			static const size_t rsz[] = { 88, 18, 10 };
			static const unsigned int kind[] = { 0, 4, 5 };
			size_t want = (HF_HAP_MAX_MSG - 32 - 20 - tag) /
				      rsz[n];

			tx_make(&tx, auths[a]);
			assert_int_equal(hf_hap_batch_init(&b, &tx, buf,
							   sizeof(buf), 1, 1,
							   0), 0);
			sample_rec(kind[n], &r);
			while ((err = hf_hap_batch_add(&b, &r)) == 0)
				;
			assert_int_equal(err, -ENOSPC);
			assert_int_equal(hf_hap_batch_count(&b), want);
			if (n == 0)	/* 15 upserts per datagram */
				assert_int_equal(want, 15);
			assert_int_equal(hf_hap_batch_finish(&b, &tx, &len),
					 0);
			assert_true(len <= HF_HAP_MAX_MSG);
			assert_true(len + rsz[n] > HF_HAP_MAX_MSG);
			assert_int_equal(hf_hap_decode(buf, len, auths[a], 0,
						       &out), HF_HAP_OK);
			assert_int_equal(out.u.sync.nrec, want);
		}

		/* a caller buffer smaller than a batch header */
		tx_make(&tx, auths[a]);
		assert_int_equal(hf_hap_batch_init(&b, &tx, buf,
						   32 + 20 + tag - 1, 1, 1, 0),
				 -ENOSPC);
		assert_int_equal(hf_hap_batch_init(&b, &tx, buf, 32 + 20 + tag,
						   1, 1, 0), 0);
		sample_rec(5, &r);
		assert_int_equal(hf_hap_batch_add(&b, &r), -ENOSPC);
		assert_int_equal(hf_hap_batch_init(&b, &tx, buf,
						   32 + 20 + tag + 10, 1, 1, 0),
				 0);
		assert_int_equal(hf_hap_batch_add(&b, &r), 0);
		assert_int_equal(hf_hap_batch_add(&b, &r), -ENOSPC);
		assert_int_equal(hf_hap_batch_finish(&b, &tx, &len), 0);
		assert_int_equal(len, 32 + 20 + tag + 10);
		/* started with a key, finished without one */
		if (a) {
			tx.auth = NULL;
			assert_int_equal(hf_hap_batch_finish(&b, &tx, &len),
					 -EINVAL);
		}
	}
}

/* ---- unknown records ---- */

/* A SYNC made by hand: records given as bytes. */
static size_t hand_sync(uint8_t *buf, const uint8_t *recs, size_t rlen,
			uint16_t nrec)
{
	size_t len = 32 + 20 + rlen;

	memset(buf, 0, 52);
	memcpy(buf, "HA\x01\x11\x00\x20", 6);
	poke(buf, 6, 2, len);
	poke(buf, 8, 4, NODE_A);
	poke(buf, 16, 8, EPOCH_A);
	poke(buf, 24, 8, 1);
	poke(buf, 32, 8, 55);
	poke(buf, 40, 2, nrec);
	poke(buf, 44, 8, 50);	/* base */
	memcpy(buf + 52, recs, rlen);
	return len;
}

static void test_unknown_records(void **state)
{
	static const uint8_t recs[] = {
		0x00, 0x04, 0x00, 0x0a, 10, 0, 0, 1, 0x00, 0x02, /* ndel */
		0x12, 0x34, 0x00, 0x04,				  /* empty */
		0x7f, 0x00, 0x00, 0x08, 0xaa, 0xbb, 0xcc, 0xdd,	  /* 4 data */
		0x00, 0x04, 0x00, 0x0a, 10, 0, 0, 2, 0x00, 0x03, /* ndel */
	};
	uint8_t buf[BUFSZ], again[BUFSZ], copy[sizeof(recs)];
	struct hf_hap_rec_iter it;
	struct hf_hap_batch b;
	struct hf_hap_msg out;
	struct hf_hap_rec r;
	struct hf_hap_tx tx;
	size_t len, len2 = 0;

	(void)state;
	len = hand_sync(buf, recs, sizeof(recs), 4);
	assert_int_equal(decode_exact(buf, len, NULL, &out), HF_HAP_OK);
	assert_int_equal(out.u.sync.nrec, 4);
	assert_int_equal(out.u.sync.nunknown, 2);
	assert_int_equal(out.u.sync.seq, 55);

	assert_int_equal(hf_hap_decode(buf, len, NULL, 0, &out), HF_HAP_OK);
	hf_hap_rec_iter_init(&it, &out.u.sync);
	assert_true(hf_hap_rec_next(&it, &r));
	assert_int_equal(r.type, HF_HAP_REC_NEIGH_DELETE);
	assert_int_equal(r.u.neigh_del.ip, IP(10, 0, 0, 1));
	assert_int_equal(r.u.neigh_del.port, 2);
	assert_true(hf_hap_rec_next(&it, &r));
	assert_int_equal(r.type, 0x1234);
	assert_int_equal(r.u.raw.len, 0);
	assert_true(hf_hap_rec_next(&it, &r));
	assert_int_equal(r.type, 0x7f00);
	assert_int_equal(r.u.raw.len, 4);
	assert_memory_equal(r.u.raw.data, recs + 18, 4);
	assert_true(hf_hap_rec_next(&it, &r));
	assert_int_equal(r.type, HF_HAP_REC_NEIGH_DELETE);
	assert_int_equal(r.u.neigh_del.ip, IP(10, 0, 0, 2));
	assert_int_equal(r.u.neigh_del.port, 3);
	assert_false(hf_hap_rec_next(&it, &r));
	assert_false(hf_hap_rec_next(&it, &r));

	/* forwarded by the batch builder byte for byte */
	tx_make(&tx, NULL);
	assert_int_equal(hf_hap_batch_init(&b, &tx, again, sizeof(again), 55,
					   50, 0), 0);
	hf_hap_rec_iter_init(&it, &out.u.sync);
	while (hf_hap_rec_next(&it, &r))
		assert_int_equal(hf_hap_batch_add(&b, &r), 0);
	assert_int_equal(hf_hap_batch_finish(&b, &tx, &len2), 0);
	assert_int_equal(len2, len);
	assert_memory_equal(again, buf, len);

	/* the same with a critical bit */
	memcpy(copy, recs, sizeof(recs));
	copy[10] |= 0x80;
	len = hand_sync(buf, copy, sizeof(copy), 4);
	assert_int_equal(decode_exact(buf, len, NULL, &out),
			 HF_HAP_ERR_CRITICAL_RECORD);
	/* a known record one byte longer than its type's size, last in
	 * the batch (so nothing after it misparses) */
	memcpy(copy, recs, 10);
	copy[3] = 11;
	copy[10] = 0;
	len = hand_sync(buf, copy, 11, 1);
	assert_int_equal(decode_exact(buf, len, NULL, &out),
			 HF_HAP_ERR_BAD_RECORD);
	/* half a prefix at the end */
	len = hand_sync(buf, recs, 12, 2);
	assert_int_equal(decode_exact(buf, len, NULL, &out),
			 HF_HAP_ERR_BAD_RECORD);
	/* an iterator over a zeroed sync yields nothing */
	memset(&out, 0, sizeof(out));
	hf_hap_rec_iter_init(&it, &out.u.sync);
	assert_false(hf_hap_rec_next(&it, &r));
}

/* ---- retransmission ---- */

static void test_restamp(void **state)
{
	const struct hf_hap_auth *auths[] = { NULL, &key_a };
	struct hf_hap_msg out;
	struct hf_hap_replay rp = { 0 };
	struct hf_hap_tx tx, other;
	uint8_t buf[BUFSZ], first[BUFSZ];
	unsigned int a;
	size_t len;

	(void)state;
	for (a = 0; a < N(auths); a++) {
		memset(&rp, 0, sizeof(rp));
		len = build(S_SYNC_MIX, auths[a], buf);
		memcpy(first, buf, len);
		assert_int_equal(hf_hap_decode(buf, len, auths[a], 0, &out),
				 HF_HAP_OK);
		assert_int_equal(hf_hap_replay_check(&rp, out.hdr.epoch,
						     out.hdr.seq, NULL),
				 HF_HAP_OK);
		/* the same datagram again: a replay */
		assert_int_equal(hf_hap_replay_check(&rp, out.hdr.epoch,
						     out.hdr.seq, NULL),
				 HF_HAP_ERR_REPLAY);

		tx_make(&tx, auths[a]);
		tx.seq = 99;
		assert_int_equal(hf_hap_restamp(&tx, buf, len), 0);
		assert_int_equal(tx.seq, 100);
		assert_int_equal(hf_hap_decode(buf, len, auths[a], 0, &out),
				 HF_HAP_OK);
		assert_int_equal(out.hdr.seq, 100);
		assert_int_equal(out.u.sync.seq, 9000 + S_SYNC_MIX);
		/* only seq and tag changed */
		assert_memory_equal(buf, first, 24);
		assert_memory_equal(buf + 32, first + 32,
				    len - 32 - (a ? HF_HAP_TAG_LEN : 0));
		assert_int_equal(hf_hap_replay_check(&rp, out.hdr.epoch,
						     out.hdr.seq, NULL),
				 HF_HAP_OK);

		/* not ours, or not well-formed */
		assert_int_equal(hf_hap_tx_init(&other, NODE_A, EPOCH_A + 1,
						auths[a]), 0);
		assert_int_equal(hf_hap_restamp(&other, buf, len), -EINVAL);
		assert_int_equal(hf_hap_tx_init(&other, NODE_B, EPOCH_A,
						auths[a]), 0);
		assert_int_equal(hf_hap_restamp(&other, buf, len), -EINVAL);
		assert_int_equal(hf_hap_tx_init(&other, NODE_A, EPOCH_A,
						a ? NULL : &key_a), 0);
		assert_int_equal(hf_hap_restamp(&other, buf, len), -EINVAL);
		assert_int_equal(hf_hap_restamp(&tx, buf, len - 1), -EINVAL);
		assert_int_equal(hf_hap_restamp(&tx, buf, 10), -EINVAL);
		assert_int_equal(tx.seq, 100);
	}
}

/* A copy sent later carries the sender's current base. */
static void test_restamp_base(void **state)
{
	const struct hf_hap_auth *auths[] = { NULL, &key_a };
	const uint64_t seq = 9000 + S_SYNC_MIX;
	uint8_t buf[BUFSZ], first[BUFSZ];
	struct hf_hap_msg out;
	struct hf_hap_tx tx, other;
	unsigned int a;
	size_t len;

	(void)state;
	for (a = 0; a < N(auths); a++) {
		len = build(S_SYNC_MIX, auths[a], buf);
		memcpy(first, buf, len);
		tx_make(&tx, auths[a]);
		tx.seq = 7;
		/* a base above the seq or 0: refused, nothing written */
		assert_int_equal(hf_hap_restamp_base(&tx, buf, len, seq + 1),
				 -EINVAL);
		assert_int_equal(hf_hap_restamp_base(&tx, buf, len, 0),
				 -EINVAL);
		assert_int_equal(hf_hap_tx_init(&other, NODE_A, EPOCH_A + 1,
						auths[a]), 0);
		assert_int_equal(hf_hap_restamp_base(&other, buf, len, seq),
				 -EINVAL);
		assert_int_equal(tx.seq, 7);
		assert_memory_equal(buf, first, len);

		assert_int_equal(hf_hap_restamp_base(&tx, buf, len, seq - 1),
				 0);
		assert_int_equal(tx.seq, 8);
		assert_int_equal(hf_hap_decode(buf, len, auths[a], 0, &out),
				 HF_HAP_OK);
		assert_int_equal(out.hdr.seq, 8);
		assert_int_equal(out.u.sync.seq, seq);
		assert_int_equal(out.u.sync.base, seq - 1);
		assert_int_equal(out.u.sync.nrec, 6);
		/* the records did not move */
		assert_memory_equal(buf + 52, first + 52,
				    len - 52 - (a ? HF_HAP_TAG_LEN : 0));

		len = build(S_BULK_END, auths[a], buf);
		assert_int_equal(hf_hap_restamp_base(&tx, buf, len,
						     5000 + S_BULK_END), 0);
		assert_int_equal(hf_hap_decode(buf, len, auths[a], 0, &out),
				 HF_HAP_OK);
		assert_int_equal(out.hdr.seq, 9);
		assert_int_equal(out.u.bulk.base, 5000 + S_BULK_END);
		assert_int_equal(out.u.bulk.sessions, 123456);

		/* not a stream message, or not well-formed */
		len = build(S_ACK3, auths[a], buf);
		assert_int_equal(hf_hap_restamp_base(&tx, buf, len, 1),
				 -EINVAL);
		len = build(S_SYNC_MIX, auths[a], buf);
		assert_int_equal(hf_hap_restamp_base(&tx, buf, len - 1, 1),
				 -EINVAL);
		assert_int_equal(tx.seq, 9);
	}
}

/* ---- replay window ---- */

struct replay_step {
	uint64_t epoch;
	uint64_t seq;
	enum hf_hap_err want;
	bool new_epoch;
};

#define E1 0x1111
#define E2 0x2222

static const struct replay_step replay_steps[] = {
	{ E1, 0, HF_HAP_ERR_BAD_FIELD, false },
	{ 0, 5, HF_HAP_ERR_BAD_FIELD, false },
	{ E1, 10, HF_HAP_OK, false },		/* first contact */
	{ E1, 10, HF_HAP_ERR_REPLAY, false },	/* duplicate */
	{ E1, 12, HF_HAP_OK, false },
	{ E1, 11, HF_HAP_OK, false },		/* reordered, inside */
	{ E1, 11, HF_HAP_ERR_REPLAY, false },	/* ... but only once */
	{ E1, 9, HF_HAP_OK, false },		/* before the first */
	{ E1, 100, HF_HAP_OK, false },		/* jump */
	{ E1, 37, HF_HAP_OK, false },		/* 100 - 63: the edge */
	{ E1, 37, HF_HAP_ERR_REPLAY, false },
	{ E1, 36, HF_HAP_ERR_OLD_SEQ, false },	/* 100 - 64: outside */
	{ E1, 12, HF_HAP_ERR_OLD_SEQ, false },	/* seen, now too old */
	{ E1, 1, HF_HAP_ERR_OLD_SEQ, false },
	{ E1, 164, HF_HAP_OK, false },		/* exactly 64 ahead */
	{ E1, 100, HF_HAP_ERR_OLD_SEQ, false },
	{ E1, 101, HF_HAP_OK, false },		/* 164 - 63 */
	{ E1, UINT64_MAX, HF_HAP_OK, false },
	{ E1, UINT64_MAX, HF_HAP_ERR_REPLAY, false },
	{ E1, UINT64_MAX - 63, HF_HAP_OK, false },
	{ E2, 1, HF_HAP_OK, true },		/* peer restarted */
	{ E2, 1, HF_HAP_ERR_REPLAY, false },
	{ E2, 2, HF_HAP_OK, false },
	{ E1, 200, HF_HAP_ERR_OLD_EPOCH, false },	/* old incarnation */
	{ E1, UINT64_MAX, HF_HAP_ERR_OLD_EPOCH, false },
	{ E2, 3, HF_HAP_OK, false },
	{ 0x3333, 1, HF_HAP_OK, true },
	{ 0x4444, 1, HF_HAP_OK, true },
	{ 0x5555, 1, HF_HAP_OK, true },
	{ E1, 5, HF_HAP_ERR_OLD_EPOCH, false },	/* still remembered */
	{ 0x6666, 1, HF_HAP_OK, true },		/* E1 falls out of 4 */
	{ E2, 9, HF_HAP_ERR_OLD_EPOCH, false },
	{ E1, 5, HF_HAP_OK, true },		/* forgotten: accepted */
};

static void test_replay_table(void **state)
{
	struct hf_hap_replay r = { 0 }, before;
	unsigned int i;
	enum hf_hap_err e;
	bool ne;

	(void)state;
	for (i = 0; i < N(replay_steps); i++) {
		const struct replay_step *s = &replay_steps[i];

		before = r;
		ne = !s->new_epoch;
		e = hf_hap_replay_check(&r, s->epoch, s->seq, &ne);
		if (e != s->want || ne != s->new_epoch)
			fail_msg("step %u (epoch %#llx seq %llu): got %s/%d "
				 "want %s/%d", i, (unsigned long long)s->epoch,
				 (unsigned long long)s->seq,
				 hf_hap_err_name(e), ne,
				 hf_hap_err_name(s->want), s->new_epoch);
		if (e != HF_HAP_OK)	/* a refusal changes nothing */
			assert_memory_equal(&r, &before, sizeof(r));
	}
	assert_int_equal(hf_hap_replay_check(&r, E1, 6, NULL), HF_HAP_OK);
}

static uint64_t rng_state;

static uint64_t rnd(void)
{
	uint64_t x = rng_state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	rng_state = x;
	return x * 0x2545f4914f6cdd1dull;
}

/* The window against a model that remembers every seq ever accepted. */
static void test_replay_model(void **state)
{
	enum { RANGE = 1 << 16, STEPS = 200000 };
	uint8_t *seen = calloc(RANGE, 1);
	struct hf_hap_replay r = { 0 };
	uint64_t top = 0, seq, d;
	unsigned int i, ok = 0, dup = 0, old = 0;
	enum hf_hap_err e, want;

	(void)state;
	assert_non_null(seen);
	rng_state = 0x9e3779b97f4a7c15ull;
	for (i = 0; i < STEPS && top < RANGE - 200; i++) {
		/* mostly near the top, in both directions */
		d = rnd() % 100;
		seq = top + 8 > d ? top + 8 - d : 1;
		if (!top)
			want = HF_HAP_OK;
		else if (seq > top)
			want = HF_HAP_OK;
		else if (top - seq >= 64)
			want = HF_HAP_ERR_OLD_SEQ;
		else if (seen[seq])
			want = HF_HAP_ERR_REPLAY;
		else
			want = HF_HAP_OK;
		e = hf_hap_replay_check(&r, 42, seq, NULL);
		if (e != want)
			fail_msg("step %u seq %llu top %llu: got %s want %s", i,
				 (unsigned long long)seq,
				 (unsigned long long)top, hf_hap_err_name(e),
				 hf_hap_err_name(want));
		if (e == HF_HAP_OK) {
			seen[seq] = 1;
			top = seq > top ? seq : top;
			ok++;
		}
		dup += e == HF_HAP_ERR_REPLAY;
		old += e == HF_HAP_ERR_OLD_SEQ;
	}
	/* the walk exercised every outcome */
	assert_true(ok > 1000 && dup > 1000 && old > 1000);
	free(seen);
}

/* ---- names ---- */

static void test_err_names(void **state)
{
	unsigned int i, j;

	(void)state;
	assert_string_equal(hf_hap_err_name(HF_HAP_OK), "ok");
	assert_string_equal(hf_hap_err_name(HF_HAP_ERR_BAD_MAGIC),
			    "bad_magic");
	assert_string_equal(hf_hap_err_name(HF_HAP_ERR_REPLAY), "replay");
	for (i = 0; i < HF_HAP_ERR_MAX; i++) {
		assert_string_not_equal(hf_hap_err_name(i), "unknown");
		for (j = 0; j < i; j++)
			assert_string_not_equal(hf_hap_err_name(i),
						hf_hap_err_name(j));
	}
	assert_string_equal(hf_hap_err_name(HF_HAP_ERR_MAX), "unknown");
	assert_string_equal(hf_hap_err_name((enum hf_hap_err)-1), "unknown");
}

static void test_epoch(void **state)
{
	uint64_t a = 0, b = 0;

	(void)state;
	assert_int_equal(hf_hap_epoch_new(&a), 0);
	assert_int_equal(hf_hap_epoch_new(&b), 0);
	assert_true(a != 0 && b != 0 && a != b);
}

/* ---- fuzz ---- */

/* Encode the accepted message @m again, with the sender it claims. */
static size_t reencode(const struct hf_hap_msg *m,
		       const struct hf_hap_auth *auth, uint8_t *buf)
{
	struct hf_hap_rec_iter it;
	struct hf_hap_batch b;
	struct hf_hap_rec r;
	struct hf_hap_tx tx;
	size_t len = 0;

	assert_int_equal(hf_hap_tx_init(&tx, m->hdr.node_id, m->hdr.epoch,
					auth), 0);
	tx.seq = m->hdr.seq - 1;
	if (m->hdr.type != HF_HAP_SYNC) {
		assert_int_equal(hf_hap_encode(&tx, m, buf, BUFSZ, &len), 0);
		return len;
	}
	assert_int_equal(hf_hap_batch_init(&b, &tx, buf, BUFSZ, m->u.sync.seq,
					   m->u.sync.base, m->u.sync.flags), 0);
	hf_hap_rec_iter_init(&it, &m->u.sync);
	while (hf_hap_rec_next(&it, &r))
		assert_int_equal(hf_hap_batch_add(&b, &r), 0);
	assert_int_equal(hf_hap_batch_count(&b), m->u.sync.nrec);
	assert_int_equal(hf_hap_batch_finish(&b, &tx, &len), 0);
	return len;
}

/* Offsets worth aiming at: length and count fields, record prefixes. */
static size_t hot_offset(const uint8_t *buf, size_t len)
{
	static const size_t fixed[] = { 2, 3, 4, 5, 6, 7, 40, 41, 52, 53,
					54, 55 };
	size_t off, rl;
	unsigned int k, pick;

	if (rnd() % 2 || len < 56)
		return fixed[rnd() % N(fixed)];
	/* a record prefix of a SYNC, walking the lengths */
	pick = (unsigned int)(rnd() % 8);
	off = 52;
	for (k = 0; k < pick && off + 4 <= len; k++) {
		rl = (size_t)peek(buf, off + 2, 2);
		if (rl < 4)
			break;
		off += rl;
	}
	return off + rnd() % 4;
}

static void mutate(uint8_t *buf, size_t *len)
{
	size_t off;

	switch (rnd() % 8) {
	case 0:		/* a bit */
		buf[rnd() % *len] ^= (uint8_t)(1u << (rnd() % 8));
		break;
	case 1:		/* a byte */
		buf[rnd() % *len] = (uint8_t)rnd();
		break;
	case 2:		/* a length or count field */
	case 3:
		off = hot_offset(buf, *len);
		if (off < *len)
			buf[off] = (uint8_t)(rnd() % 3 ? rnd() % 96 : rnd());
		break;
	case 4:		/* truncate */
		*len = rnd() % (*len + 1);
		break;
	case 5:		/* extend */
		off = *len;
		*len += rnd() % 40;
		if (*len > BUFSZ)
			*len = BUFSZ;
		for (; off < *len; off++)
			buf[off] = (uint8_t)rnd();
		break;
	case 6:		/* copy a 4..32 byte run elsewhere */
		if (*len > 64) {
			size_t from = rnd() % (*len - 32);
			size_t to = rnd() % (*len - 32);

			memmove(buf + to, buf + from, 4 + rnd() % 29);
		}
		break;
	default:	/* a 16-bit field to a boundary value */
		off = hot_offset(buf, *len);
		if (off + 2 <= *len) {
			static const uint16_t v[] = { 0, 1, 3, 4, 5, 10, 11,
				12, 17, 18, 20, 26, 28, 87, 88, 89, 0x7fff,
				0x8000, 0xffff };

			poke(buf, off, 2, v[rnd() % N(v)]);
		}
		break;
	}
}

static void test_fuzz(void **state)
{
	enum { ITER = 200000 };
	unsigned int counts[HF_HAP_ERR_MAX] = { 0 };
	uint8_t buf[BUFSZ], out_buf[BUFSZ], *exact;
	const struct hf_hap_auth *auth;
	struct hf_hap_msg m;
	unsigned int i, k, nmut;
	size_t len, len2;
	enum hf_hap_err e;

	(void)state;
	rng_state = 0x0123456789abcdefull;
	for (i = 0; i < ITER; i++) {
		auth = rnd() % 2 ? &key_a : NULL;
		len = build((unsigned int)(rnd() % N_SAMPLES), auth, buf);
		nmut = 1 + (unsigned int)(rnd() % 4);
		for (k = 0; k < nmut && len; k++)
			mutate(buf, &len);
		/* often keep total_len and the tag consistent, so the
		 * fuzz gets past them into the body */
		if (len >= 8 && rnd() % 4)
			poke(buf, 6, 2, len);
		if (auth && len >= HF_HAP_HDR_LEN + HF_HAP_TAG_LEN &&
		    rnd() % 8)
			retag(buf, len, KEY_A);

		exact = malloc(len ? len : 1);
		assert_non_null(exact);
		memcpy(exact, buf, len);
		e = hf_hap_decode(exact, len, auth, NODE_B, &m);
		assert_true((unsigned int)e < HF_HAP_ERR_MAX);
		counts[e]++;
		if (e == HF_HAP_OK) {
			len2 = reencode(&m, auth, out_buf);
			if (len2 != len || memcmp(out_buf, exact, len))
				fail_msg("iteration %u: accepted message "
					 "re-encodes differently", i);
		}
		free(exact);
	}
	for (k = 0; k < HF_HAP_ERR_MAX; k++)
		if (counts[k])
			print_message("  fuzz %-16s %u\n", hf_hap_err_name(k),
				      counts[k]);
	/* the fuzz reached deep: acceptance and body-level refusals */
	assert_true(counts[HF_HAP_OK] > ITER / 100);
	assert_true(counts[HF_HAP_ERR_BAD_RECORD] > 100);
	assert_true(counts[HF_HAP_ERR_BAD_FIELD] > 100);
	assert_true(counts[HF_HAP_ERR_BAD_COUNT] > 100);
	assert_true(counts[HF_HAP_ERR_BAD_AUTH] > 100);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_golden),
		cmocka_unit_test(test_roundtrip_messages),
		cmocka_unit_test(test_roundtrip_records),
		cmocka_unit_test(test_auth),
		cmocka_unit_test(test_bitflip),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_header_fields),
		cmocka_unit_test(test_body_lengths),
		cmocka_unit_test(test_field_ranges),
		cmocka_unit_test(test_encode_invalid),
		cmocka_unit_test(test_capacity),
		cmocka_unit_test(test_unknown_records),
		cmocka_unit_test(test_restamp),
		cmocka_unit_test(test_restamp_base),
		cmocka_unit_test(test_replay_table),
		cmocka_unit_test(test_replay_model),
		cmocka_unit_test(test_err_names),
		cmocka_unit_test(test_epoch),
		cmocka_unit_test(test_fuzz),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
