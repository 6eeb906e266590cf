// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ha_proto.c - HA1/HA2 wire format: explicit big-endian encode/decode,
 * truncated HMAC-SHA256 tags, replay window (see ha/ha_proto.h for the
 * protocol specification).
 *
 * Every field goes through the put_be*()/get_be*() helpers at a fixed
 * offset; no struct is ever laid over the wire bytes. Encode and decode
 * share one validity check per body and record type, so the encoder
 * never produces what the decoder refuses, and an accepted message
 * re-encodes to the same bytes.
 */
#include "ha/ha_proto.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "common/compiler.h"
#include "pkt/hdr.h"

/* header offsets */
#define OFF_MAGIC	0
#define OFF_VERSION	2
#define OFF_TYPE	3
#define OFF_FLAGS	4
#define OFF_HDR_LEN	5
#define OFF_TOTAL_LEN	6
#define OFF_NODE	8
#define OFF_RES		12
#define OFF_EPOCH	16
#define OFF_SEQ		24

#define KEY_WIRE_LEN	14

/* body offsets of the stream messages' base */
#define OFF_SYNC_BASE	12
#define OFF_BULK_BASE	20

_Static_assert(HF_HAP_HDR_LEN == OFF_SEQ + 8, "header layout");
_Static_assert(HF_HAP_REC_SESS_UPSERT_LEN == 4 + 8 + 2 * KEY_WIRE_LEN +
	       8 + 4 * 8 + 8, "SESS_UPSERT layout");
_Static_assert(HF_HAP_REC_SESS_DELETE_LEN == 4 + 8 + KEY_WIRE_LEN,
	       "SESS_DELETE layout");
_Static_assert(HF_HAP_HDR_LEN + HF_HAP_ACK_HDR_LEN +
	       HF_HAP_MAX_NACK * HF_HAP_NACK_LEN + HF_HAP_TAG_LEN <=
	       HF_HAP_MAX_MSG, "an ACK always fits");
_Static_assert(HF_HAP_MAX_MSG <= UINT16_MAX, "total_len is 16 bits");

/* ---- byte order helpers ---- */

static inline void put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static inline void put_be64(uint8_t *p, uint64_t v)
{
	put_be32(p, (uint32_t)(v >> 32));
	put_be32(p + 4, (uint32_t)v);
}

static inline uint16_t get_be16(const uint8_t *p)
{
	return (uint16_t)((uint16_t)p[0] << 8 | p[1]);
}

static inline uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static inline uint64_t get_be64(const uint8_t *p)
{
	return (uint64_t)get_be32(p) << 32 | get_be32(p + 4);
}

/* The base of a stream message: non-zero, at or below its seq as a
 * serial number (any first seq works, see ha/sync_window.h). */
static bool base_valid(uint64_t seq, uint64_t base)
{
	return base && (int64_t)(seq - base) >= 0;
}

static bool is_zero(const uint8_t *p, size_t n)
{
	while (n--)
		if (*p++)
			return false;
	return true;
}

/* ---- names ---- */

static const char *const err_names[HF_HAP_ERR_MAX] = {
	[HF_HAP_OK] = "ok",
#define HF_HAP_X_NAME(n, s) [HF_HAP_ERR_##n] = s,
	HF_HAP_ERRORS(HF_HAP_X_NAME)
#undef HF_HAP_X_NAME
};

const char *hf_hap_err_name(enum hf_hap_err e)
{
	if ((unsigned int)e >= HF_HAP_ERR_MAX || !err_names[e])
		return "unknown";
	return err_names[e];
}

/* ---- keys, epochs, sender ---- */

int hf_hap_auth_init(struct hf_hap_auth *a, const void *key, size_t len)
{
	if (!len || len > HF_HAP_KEY_MAX || !key)
		return -EINVAL;
	memset(a, 0, sizeof(*a));
	memcpy(a->key, key, len);
	a->len = (uint32_t)len;
	return 0;
}

void hf_hap_auth_wipe(struct hf_hap_auth *a)
{
	OPENSSL_cleanse(a, sizeof(*a));
}

int hf_hap_epoch_new(uint64_t *out)
{
	uint64_t v = 0;
	ssize_t n;

	while (!v) {
		n = getrandom(&v, sizeof(v), 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n != (ssize_t)sizeof(v))
			return -EIO;
	}
	*out = v;
	return 0;
}

int hf_hap_tx_init(struct hf_hap_tx *tx, uint32_t node_id, uint64_t epoch,
		   const struct hf_hap_auth *auth)
{
	if (!node_id || !epoch)
		return -EINVAL;
	tx->node_id = node_id;
	tx->epoch = epoch;
	tx->seq = 0;
	tx->auth = auth;
	return 0;
}

static bool tx_valid(const struct hf_hap_tx *tx)
{
	return tx->node_id && tx->epoch &&
	       (!tx->auth || (tx->auth->len && tx->auth->len <= HF_HAP_KEY_MAX));
}

/* ---- authentication ---- */

/* The tag of @n bytes at @p into @tag. 0 or -EIO. */
static int compute_tag(const struct hf_hap_auth *a, const uint8_t *p,
		       size_t n, uint8_t tag[HF_HAP_TAG_LEN])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int md_len = 0;

	if (!a->len || a->len > HF_HAP_KEY_MAX)
		return -EIO;
	if (!HMAC(EVP_sha256(), a->key, (int)a->len, p, n, md, &md_len) ||
	    md_len < HF_HAP_TAG_LEN)
		return -EIO;
	memcpy(tag, md, HF_HAP_TAG_LEN);
	OPENSSL_cleanse(md, sizeof(md));
	return 0;
}

/* Give the message of @total bytes at @buf the next seq of @tx and its
 * tag (if it carries the AUTH flag). */
static int seal(struct hf_hap_tx *tx, uint8_t *buf, size_t total)
{
	uint64_t seq;

	if (tx->seq == UINT64_MAX)
		return -EOVERFLOW;
	seq = tx->seq + 1;
	put_be64(buf + OFF_SEQ, seq);
	if (buf[OFF_FLAGS] & HF_HAP_F_AUTH) {
		if (compute_tag(tx->auth, buf, total - HF_HAP_TAG_LEN,
				buf + total - HF_HAP_TAG_LEN))
			return -EIO;
	}
	tx->seq = seq;
	return 0;
}

static void put_hdr(uint8_t *buf, uint8_t type, const struct hf_hap_tx *tx,
		    size_t total)
{
	buf[OFF_MAGIC] = HF_HAP_MAGIC0;
	buf[OFF_MAGIC + 1] = HF_HAP_MAGIC1;
	buf[OFF_VERSION] = HF_HAP_VERSION;
	buf[OFF_TYPE] = type;
	buf[OFF_FLAGS] = tx->auth ? HF_HAP_F_AUTH : 0;
	buf[OFF_HDR_LEN] = HF_HAP_HDR_LEN;
	put_be16(buf + OFF_TOTAL_LEN, (uint16_t)total);
	put_be32(buf + OFF_NODE, tx->node_id);
	put_be32(buf + OFF_RES, 0);
	put_be64(buf + OFF_EPOCH, tx->epoch);
	put_be64(buf + OFF_SEQ, 0);
}

/* ---- session keys ---- */

static void put_key(uint8_t *p, const struct hf_sess_key *k)
{
	put_be32(p, k->saddr);
	put_be32(p + 4, k->daddr);
	put_be16(p + 8, k->sport);
	put_be16(p + 10, k->dport);
	p[12] = k->proto;
	p[13] = k->zone;
}

static void get_key(const uint8_t *p, struct hf_sess_key *k)
{
	k->saddr = get_be32(p);
	k->daddr = get_be32(p + 4);
	k->sport = get_be16(p + 8);
	k->dport = get_be16(p + 10);
	k->proto = p[12];
	k->zone = p[13];
	k->pad = 0;
}

static bool key_valid(const struct hf_sess_key *k)
{
	return k->zone <= HF_MAX_ZONES;
}

/* ---- records ---- */

static bool sess_valid(const struct hf_hap_sess *s)
{
	if (!key_valid(&s->key[0]) || !key_valid(&s->key[1]))
		return false;
	if (s->key[0].proto != s->key[1].proto)
		return false;
	if (s->state >= HF_TCP_STATE_MAX)
		return false;
	if (s->key[0].proto != HF_IPPROTO_TCP && s->state != HF_TCP_NONE)
		return false;
	return s->port[0] < HF_MAX_PORTS && s->port[1] < HF_MAX_PORTS;
}

static bool mac_unicast(const uint8_t mac[6])
{
	return !(mac[0] & 1) && !is_zero(mac, 6);
}

static bool neigh_valid(const struct hf_hap_neigh *n)
{
	return n->ip && n->port < HF_MAX_PORTS && mac_unicast(n->mac) &&
	       (n->state == HF_NEIGH_REACHABLE || n->state == HF_NEIGH_STALE ||
		n->state == HF_NEIGH_PERMANENT);
}

static bool neigh_del_valid(const struct hf_hap_neigh_del *n)
{
	return n->ip && n->port < HF_MAX_PORTS;
}

/* Wire size of @r, 0 if it cannot be encoded. */
static size_t rec_size(const struct hf_hap_rec *r)
{
	switch (r->type) {
	case HF_HAP_REC_SESS_UPSERT:
		return sess_valid(&r->u.sess) ? HF_HAP_REC_SESS_UPSERT_LEN : 0;
	case HF_HAP_REC_SESS_DELETE:
		return key_valid(&r->u.sess_del.key) ?
		       HF_HAP_REC_SESS_DELETE_LEN : 0;
	case HF_HAP_REC_NEIGH_UPSERT:
		return neigh_valid(&r->u.neigh) ?
		       HF_HAP_REC_NEIGH_UPSERT_LEN : 0;
	case HF_HAP_REC_NEIGH_DELETE:
		return neigh_del_valid(&r->u.neigh_del) ?
		       HF_HAP_REC_NEIGH_DELETE_LEN : 0;
	default:
		if (r->type & HF_HAP_REC_CRITICAL)
			return 0;
		if (r->u.raw.len > UINT16_MAX - HF_HAP_REC_PREFIX_LEN ||
		    (r->u.raw.len && !r->u.raw.data))
			return 0;
		return HF_HAP_REC_PREFIX_LEN + (size_t)r->u.raw.len;
	}
}

/* Write @r (@size bytes, from rec_size) at @p. */
static void put_rec(uint8_t *p, const struct hf_hap_rec *r, size_t size)
{
	const struct hf_hap_sess *s = &r->u.sess;

	put_be16(p, r->type);
	put_be16(p + 2, (uint16_t)size);
	switch (r->type) {
	case HF_HAP_REC_SESS_UPSERT:
		put_be64(p + 4, s->seq);
		put_key(p + 12, &s->key[HF_DIR_ORIG]);
		put_key(p + 26, &s->key[HF_DIR_REPLY]);
		p[40] = s->state;
		p[41] = s->flags;
		put_be16(p + 42, s->rule);
		put_be16(p + 44, s->port[HF_DIR_ORIG]);
		put_be16(p + 46, s->port[HF_DIR_REPLY]);
		put_be64(p + 48, s->pkts[HF_DIR_ORIG]);
		put_be64(p + 56, s->bytes[HF_DIR_ORIG]);
		put_be64(p + 64, s->pkts[HF_DIR_REPLY]);
		put_be64(p + 72, s->bytes[HF_DIR_REPLY]);
		put_be32(p + 80, s->lifetime_ms);
		put_be32(p + 84, s->age_s);
		break;
	case HF_HAP_REC_SESS_DELETE:
		put_be64(p + 4, r->u.sess_del.seq);
		put_key(p + 12, &r->u.sess_del.key);
		break;
	case HF_HAP_REC_NEIGH_UPSERT:
		put_be32(p + 4, r->u.neigh.ip);
		put_be16(p + 8, r->u.neigh.port);
		memcpy(p + 10, r->u.neigh.mac, 6);
		p[16] = r->u.neigh.state;
		p[17] = 0;
		break;
	case HF_HAP_REC_NEIGH_DELETE:
		put_be32(p + 4, r->u.neigh_del.ip);
		put_be16(p + 8, r->u.neigh_del.port);
		break;
	default:
		if (r->u.raw.len)
			memcpy(p + HF_HAP_REC_PREFIX_LEN, r->u.raw.data,
			       r->u.raw.len);
		break;
	}
}

static void get_sess(const uint8_t *p, struct hf_hap_sess *s)
{
	s->seq = get_be64(p + 4);
	get_key(p + 12, &s->key[HF_DIR_ORIG]);
	get_key(p + 26, &s->key[HF_DIR_REPLY]);
	s->state = p[40];
	s->flags = p[41];
	s->rule = get_be16(p + 42);
	s->port[HF_DIR_ORIG] = get_be16(p + 44);
	s->port[HF_DIR_REPLY] = get_be16(p + 46);
	s->pkts[HF_DIR_ORIG] = get_be64(p + 48);
	s->bytes[HF_DIR_ORIG] = get_be64(p + 56);
	s->pkts[HF_DIR_REPLY] = get_be64(p + 64);
	s->bytes[HF_DIR_REPLY] = get_be64(p + 72);
	s->lifetime_ms = get_be32(p + 80);
	s->age_s = get_be32(p + 84);
}

/* The fixed length of known record @type. */
static size_t rec_fixed_len(uint16_t type)
{
	switch (type) {
	case HF_HAP_REC_SESS_UPSERT:
		return HF_HAP_REC_SESS_UPSERT_LEN;
	case HF_HAP_REC_SESS_DELETE:
		return HF_HAP_REC_SESS_DELETE_LEN;
	case HF_HAP_REC_NEIGH_UPSERT:
		return HF_HAP_REC_NEIGH_UPSERT_LEN;
	case HF_HAP_REC_NEIGH_DELETE:
		return HF_HAP_REC_NEIGH_DELETE_LEN;
	default:
		return 0;
	}
}

/* Decode the record at @p (@avail bytes left in the body) into @r and
 * its length into *@used. */
static enum hf_hap_err get_rec(const uint8_t *p, size_t avail,
			       struct hf_hap_rec *r, size_t *used)
{
	uint16_t type, len;
	bool ok;

	memset(r, 0, sizeof(*r));
	if (avail < HF_HAP_REC_PREFIX_LEN)
		return HF_HAP_ERR_BAD_RECORD;
	type = get_be16(p);
	len = get_be16(p + 2);
	if (len < HF_HAP_REC_PREFIX_LEN || len > avail)
		return HF_HAP_ERR_BAD_RECORD;
	r->type = type;
	*used = len;
	if (!hf_hap_rec_is_known(type)) {
		if (type & HF_HAP_REC_CRITICAL)
			return HF_HAP_ERR_CRITICAL_RECORD;
		r->u.raw.data = p + HF_HAP_REC_PREFIX_LEN;
		r->u.raw.len = (uint16_t)(len - HF_HAP_REC_PREFIX_LEN);
		return HF_HAP_OK;
	}
	if (len != rec_fixed_len(type))
		return HF_HAP_ERR_BAD_RECORD;
	switch (type) {
	case HF_HAP_REC_SESS_UPSERT:
		get_sess(p, &r->u.sess);
		ok = sess_valid(&r->u.sess);
		break;
	case HF_HAP_REC_SESS_DELETE:
		r->u.sess_del.seq = get_be64(p + 4);
		get_key(p + 12, &r->u.sess_del.key);
		ok = key_valid(&r->u.sess_del.key);
		break;
	case HF_HAP_REC_NEIGH_UPSERT:
		r->u.neigh.ip = get_be32(p + 4);
		r->u.neigh.port = get_be16(p + 8);
		memcpy(r->u.neigh.mac, p + 10, 6);
		r->u.neigh.state = p[16];
		ok = neigh_valid(&r->u.neigh) && !p[17];
		break;
	default:	/* HF_HAP_REC_NEIGH_DELETE */
		r->u.neigh_del.ip = get_be32(p + 4);
		r->u.neigh_del.port = get_be16(p + 8);
		ok = neigh_del_valid(&r->u.neigh_del);
		break;
	}
	return ok ? HF_HAP_OK : HF_HAP_ERR_BAD_FIELD;
}

void hf_hap_rec_iter_init(struct hf_hap_rec_iter *it,
			  const struct hf_hap_sync *s)
{
	it->p = s->rec;
	it->end = s->rec ? s->rec + s->rec_len : NULL;
}

bool hf_hap_rec_next(struct hf_hap_rec_iter *it, struct hf_hap_rec *r)
{
	size_t used = 0;

	if (!it->p || it->p >= it->end)
		return false;
	if (get_rec(it->p, (size_t)(it->end - it->p), r, &used) != HF_HAP_OK) {
		it->p = it->end;
		return false;
	}
	it->p += used;
	return true;
}

/* ---- message bodies (all but SYNC) ---- */

static bool ack_valid(const struct hf_hap_ack *a)
{
	uint64_t prev_last = a->cum;
	unsigned int i;

	if (a->nnack > HF_HAP_MAX_NACK)
		return false;
	for (i = 0; i < a->nnack; i++) {
		const struct hf_hap_nack *n = &a->nack[i];

		/* after cum (i = 0), or leaving a gap after the last one */
		if (n->first <= prev_last || n->first > n->last)
			return false;
		if (i && n->first - prev_last < 2)
			return false;
		prev_last = n->last;
	}
	return true;
}

static bool body_valid(const struct hf_hap_msg *m)
{
	const struct hf_hap_hello *h = &m->u.hello;

	switch (m->hdr.type) {
	case HF_HAP_HELLO:
		return h->state < HF_HAP_STATE_MAX && h->interval_ms &&
		       h->interval_ms <= HF_HAP_INTERVAL_MAX_MS;
	case HF_HAP_GOODBYE:
		return m->u.goodbye.reason < HF_HAP_BYE_MAX;
	case HF_HAP_SYNC_HELLO:
		return m->u.sync_hello.next_seq != 0;
	case HF_HAP_ACK:
		return m->u.ack.epoch && ack_valid(&m->u.ack);
	case HF_HAP_BULK_BEGIN:
	case HF_HAP_BULK_END:
		return m->u.bulk.seq && base_valid(m->u.bulk.seq,
						   m->u.bulk.base);
	case HF_HAP_RESYNC_REQUEST:
		return m->u.resync.reason < HF_HAP_RESYNC_MAX;
	default:
		return false;
	}
}

/* Body length of @m (not SYNC); 0 for an unknown type. */
static size_t body_len_of(const struct hf_hap_msg *m)
{
	switch (m->hdr.type) {
	case HF_HAP_HELLO:
		return HF_HAP_HELLO_LEN;
	case HF_HAP_GOODBYE:
		return HF_HAP_GOODBYE_LEN;
	case HF_HAP_SYNC_HELLO:
		return HF_HAP_SYNC_HELLO_LEN;
	case HF_HAP_ACK:
		return HF_HAP_ACK_HDR_LEN +
		       (size_t)m->u.ack.nnack * HF_HAP_NACK_LEN;
	case HF_HAP_BULK_BEGIN:
	case HF_HAP_BULK_END:
		return HF_HAP_BULK_LEN;
	case HF_HAP_RESYNC_REQUEST:
		return HF_HAP_RESYNC_LEN;
	default:
		return 0;
	}
}

static void put_body(uint8_t *p, const struct hf_hap_msg *m)
{
	const struct hf_hap_hello *h = &m->u.hello;
	unsigned int i;

	switch (m->hdr.type) {
	case HF_HAP_HELLO:
		put_be16(p, h->priority);
		p[2] = h->state;
		p[3] = 0;
		put_be32(p + 4, h->flags);
		put_be32(p + 8, h->interval_ms);
		put_be64(p + 12, h->config_digest);
		put_be64(p + 20, h->sync_applied);
		put_be64(p + 28, h->peer_epoch);
		break;
	case HF_HAP_GOODBYE:
		put_be32(p, (uint32_t)m->u.goodbye.reason << 24);
		break;
	case HF_HAP_SYNC_HELLO:
		put_be64(p, m->u.sync_hello.next_seq);
		put_be64(p + 8, m->u.sync_hello.applied);
		put_be64(p + 16, m->u.sync_hello.peer_epoch);
		put_be32(p + 24, m->u.sync_hello.flags);
		put_be64(p + 28, m->u.sync_hello.sessions);
		break;
	case HF_HAP_ACK:
		put_be64(p, m->u.ack.cum);
		put_be16(p + 8, m->u.ack.nnack);
		put_be16(p + 10, 0);
		put_be64(p + 12, m->u.ack.epoch);
		for (i = 0; i < m->u.ack.nnack; i++) {
			uint8_t *q = p + HF_HAP_ACK_HDR_LEN +
				     i * HF_HAP_NACK_LEN;

			put_be64(q, m->u.ack.nack[i].first);
			put_be64(q + 8, m->u.ack.nack[i].last);
		}
		break;
	case HF_HAP_BULK_BEGIN:
	case HF_HAP_BULK_END:
		put_be64(p, m->u.bulk.seq);
		put_be32(p + 8, m->u.bulk.bulk_id);
		put_be32(p + 12, m->u.bulk.sessions);
		put_be32(p + 16, m->u.bulk.neighs);
		put_be64(p + OFF_BULK_BASE, m->u.bulk.base);
		break;
	default:	/* HF_HAP_RESYNC_REQUEST */
		put_be32(p, (uint32_t)m->u.resync.reason << 24);
		break;
	}
}

static enum hf_hap_err get_ack(const uint8_t *p, size_t n,
			       struct hf_hap_ack *a)
{
	unsigned int i;

	if (n < HF_HAP_ACK_HDR_LEN)
		return HF_HAP_ERR_BAD_LENGTH;
	a->cum = get_be64(p);
	a->nnack = get_be16(p + 8);
	if (a->nnack > HF_HAP_MAX_NACK) {
		a->nnack = 0;
		return HF_HAP_ERR_BAD_COUNT;
	}
	if (n != HF_HAP_ACK_HDR_LEN + (size_t)a->nnack * HF_HAP_NACK_LEN)
		return HF_HAP_ERR_BAD_LENGTH;
	if (get_be16(p + 10))
		return HF_HAP_ERR_BAD_FIELD;
	a->epoch = get_be64(p + 12);
	for (i = 0; i < a->nnack; i++) {
		const uint8_t *q = p + HF_HAP_ACK_HDR_LEN + i * HF_HAP_NACK_LEN;

		a->nack[i].first = get_be64(q);
		a->nack[i].last = get_be64(q + 8);
	}
	return HF_HAP_OK;
}

/* Decode the body (@n bytes at @p) of the non-SYNC message @m, whose
 * type is known. */
static enum hf_hap_err get_body(const uint8_t *p, size_t n,
				struct hf_hap_msg *m)
{
	struct hf_hap_hello *h = &m->u.hello;
	enum hf_hap_err e;
	bool res_ok = true;

	if (m->hdr.type == HF_HAP_ACK) {
		e = get_ack(p, n, &m->u.ack);
		if (e != HF_HAP_OK)
			return e;
		return body_valid(m) ? HF_HAP_OK : HF_HAP_ERR_BAD_FIELD;
	}
	if (n != body_len_of(m))
		return HF_HAP_ERR_BAD_LENGTH;
	switch (m->hdr.type) {
	case HF_HAP_HELLO:
		h->priority = get_be16(p);
		h->state = p[2];
		res_ok = !p[3];
		h->flags = get_be32(p + 4);
		h->interval_ms = get_be32(p + 8);
		h->config_digest = get_be64(p + 12);
		h->sync_applied = get_be64(p + 20);
		h->peer_epoch = get_be64(p + 28);
		break;
	case HF_HAP_GOODBYE:
		m->u.goodbye.reason = p[0];
		res_ok = is_zero(p + 1, 3);
		break;
	case HF_HAP_SYNC_HELLO:
		m->u.sync_hello.next_seq = get_be64(p);
		m->u.sync_hello.applied = get_be64(p + 8);
		m->u.sync_hello.peer_epoch = get_be64(p + 16);
		m->u.sync_hello.flags = get_be32(p + 24);
		m->u.sync_hello.sessions = get_be64(p + 28);
		break;
	case HF_HAP_BULK_BEGIN:
	case HF_HAP_BULK_END:
		m->u.bulk.seq = get_be64(p);
		m->u.bulk.bulk_id = get_be32(p + 8);
		m->u.bulk.sessions = get_be32(p + 12);
		m->u.bulk.neighs = get_be32(p + 16);
		m->u.bulk.base = get_be64(p + OFF_BULK_BASE);
		break;
	default:	/* HF_HAP_RESYNC_REQUEST */
		m->u.resync.reason = p[0];
		res_ok = is_zero(p + 1, 3);
		break;
	}
	return res_ok && body_valid(m) ? HF_HAP_OK : HF_HAP_ERR_BAD_FIELD;
}

/* The records of a SYNC: every one must parse, and there must be nrec. */
static enum hf_hap_err get_sync(const uint8_t *p, size_t n,
				struct hf_hap_sync *s)
{
	struct hf_hap_rec r;
	enum hf_hap_err e;
	size_t off, used;
	uint32_t count = 0, unknown = 0;

	if (n < HF_HAP_SYNC_HDR_LEN)
		return HF_HAP_ERR_BAD_LENGTH;
	s->seq = get_be64(p);
	s->nrec = get_be16(p + 8);
	s->flags = get_be16(p + 10);
	s->base = get_be64(p + OFF_SYNC_BASE);
	if (!s->seq || !base_valid(s->seq, s->base))
		return HF_HAP_ERR_BAD_FIELD;
	for (off = HF_HAP_SYNC_HDR_LEN; off < n; off += used) {
		used = 0;
		e = get_rec(p + off, n - off, &r, &used);
		if (e != HF_HAP_OK)
			return e;
		count++;
		unknown += !hf_hap_rec_is_known(r.type);
	}
	if (!count || count != s->nrec)
		return HF_HAP_ERR_BAD_COUNT;
	s->nunknown = (uint16_t)unknown;
	s->rec = p + HF_HAP_SYNC_HDR_LEN;
	s->rec_len = (uint16_t)(n - HF_HAP_SYNC_HDR_LEN);
	return HF_HAP_OK;
}

static bool type_known(uint8_t type)
{
	switch (type) {
	case HF_HAP_HELLO:
	case HF_HAP_GOODBYE:
	case HF_HAP_SYNC_HELLO:
	case HF_HAP_SYNC:
	case HF_HAP_ACK:
	case HF_HAP_BULK_BEGIN:
	case HF_HAP_BULK_END:
	case HF_HAP_RESYNC_REQUEST:
		return true;
	default:
		return false;
	}
}

/* Authentication of the message of @total bytes (already bounded). */
static enum hf_hap_err check_auth(const uint8_t *buf, size_t total,
				  const struct hf_hap_auth *auth)
{
	uint8_t tag[HF_HAP_TAG_LEN];
	bool has_tag = buf[OFF_FLAGS] & HF_HAP_F_AUTH;
	int diff;

	if (!auth)
		return has_tag ? HF_HAP_ERR_UNEXPECTED_AUTH : HF_HAP_OK;
	if (!has_tag)
		return HF_HAP_ERR_NO_AUTH;
	if (compute_tag(auth, buf, total - HF_HAP_TAG_LEN, tag))
		return HF_HAP_ERR_AUTH_INTERNAL;
	diff = CRYPTO_memcmp(tag, buf + total - HF_HAP_TAG_LEN,
			     HF_HAP_TAG_LEN);
	return diff ? HF_HAP_ERR_BAD_AUTH : HF_HAP_OK;
}

/* Magic, version and lengths of the datagram @buf of @len bytes. */
static enum hf_hap_err check_frame(const uint8_t *buf, size_t len)
{
	size_t total, min;

	if (len < 2)
		return HF_HAP_ERR_TRUNCATED;
	if (buf[OFF_MAGIC] != HF_HAP_MAGIC0 ||
	    buf[OFF_MAGIC + 1] != HF_HAP_MAGIC1)
		return HF_HAP_ERR_BAD_MAGIC;
	if (len <= OFF_VERSION)
		return HF_HAP_ERR_TRUNCATED;
	if (buf[OFF_VERSION] != HF_HAP_VERSION)
		return HF_HAP_ERR_BAD_VERSION;
	if (len < HF_HAP_HDR_LEN)
		return HF_HAP_ERR_TRUNCATED;
	if (buf[OFF_HDR_LEN] != HF_HAP_HDR_LEN)
		return HF_HAP_ERR_BAD_LENGTH;
	total = get_be16(buf + OFF_TOTAL_LEN);
	min = HF_HAP_HDR_LEN +
	      (buf[OFF_FLAGS] & HF_HAP_F_AUTH ? HF_HAP_TAG_LEN : 0);
	if (total < min || total > HF_HAP_MAX_MSG)
		return HF_HAP_ERR_BAD_LENGTH;
	if (total > len)
		return HF_HAP_ERR_TRUNCATED;
	if (total < len)
		return HF_HAP_ERR_BAD_LENGTH;
	return HF_HAP_OK;
}

enum hf_hap_err hf_hap_decode(const uint8_t *buf, size_t len,
			      const struct hf_hap_auth *auth, uint32_t self_id,
			      struct hf_hap_msg *out)
{
	struct hf_hap_hdr *h = &out->hdr;
	size_t body_len;
	enum hf_hap_err e;

	memset(out, 0, sizeof(*out));
	e = check_frame(buf, len);
	if (e != HF_HAP_OK)
		return e;
	e = check_auth(buf, len, auth);
	if (e != HF_HAP_OK)
		return e;
	h->version = buf[OFF_VERSION];
	h->type = buf[OFF_TYPE];
	h->flags = buf[OFF_FLAGS];
	h->len = get_be16(buf + OFF_TOTAL_LEN);
	h->node_id = get_be32(buf + OFF_NODE);
	h->epoch = get_be64(buf + OFF_EPOCH);
	h->seq = get_be64(buf + OFF_SEQ);
	if (!type_known(h->type))
		return HF_HAP_ERR_BAD_TYPE;
	if (h->flags & ~HF_HAP_F_AUTH || get_be32(buf + OFF_RES) ||
	    !h->node_id || !h->epoch || !h->seq)
		return HF_HAP_ERR_BAD_FIELD;
	if (self_id && h->node_id == self_id)
		return HF_HAP_ERR_LOOP;
	body_len = len - HF_HAP_HDR_LEN -
		   (h->flags & HF_HAP_F_AUTH ? HF_HAP_TAG_LEN : 0);
	if (h->type == HF_HAP_SYNC)
		return get_sync(buf + HF_HAP_HDR_LEN, body_len, &out->u.sync);
	return get_body(buf + HF_HAP_HDR_LEN, body_len, out);
}

/* ---- encoding ---- */

int hf_hap_encode(struct hf_hap_tx *tx, const struct hf_hap_msg *m,
		  uint8_t *buf, size_t cap, size_t *len)
{
	size_t body, total;
	int err;

	if (!tx_valid(tx) || m->hdr.type == HF_HAP_SYNC || !body_valid(m))
		return -EINVAL;
	body = body_len_of(m);
	total = HF_HAP_HDR_LEN + body + (tx->auth ? HF_HAP_TAG_LEN : 0);
	if (total > cap)
		return -ENOSPC;
	put_hdr(buf, m->hdr.type, tx, total);
	put_body(buf + HF_HAP_HDR_LEN, m);
	err = seal(tx, buf, total);
	if (err)
		return err;
	*len = total;
	return 0;
}

int hf_hap_batch_init(struct hf_hap_batch *b, const struct hf_hap_tx *tx,
		      uint8_t *buf, size_t cap, uint64_t sync_seq,
		      uint64_t base, uint16_t flags)
{
	size_t tag = tx->auth ? HF_HAP_TAG_LEN : 0;

	memset(b, 0, sizeof(*b));
	if (!sync_seq || !base_valid(sync_seq, base) || !buf || !tx_valid(tx))
		return -EINVAL;
	cap = HF_MIN(cap, (size_t)HF_HAP_MAX_MSG);
	if (cap < HF_HAP_HDR_LEN + HF_HAP_SYNC_HDR_LEN + tag)
		return -ENOSPC;
	b->buf = buf;
	b->cap = cap;
	b->len = HF_HAP_HDR_LEN + HF_HAP_SYNC_HDR_LEN;
	b->auth = tx->auth != NULL;
	put_be64(buf + HF_HAP_HDR_LEN, sync_seq);
	put_be16(buf + HF_HAP_HDR_LEN + 8, 0);
	put_be16(buf + HF_HAP_HDR_LEN + 10, flags);
	put_be64(buf + HF_HAP_HDR_LEN + OFF_SYNC_BASE, base);
	return 0;
}

int hf_hap_batch_add(struct hf_hap_batch *b, const struct hf_hap_rec *r)
{
	size_t size = rec_size(r);
	size_t tag = b->auth ? HF_HAP_TAG_LEN : 0;

	if (!size || !b->buf)
		return -EINVAL;
	if (b->len + size + tag > b->cap || b->nrec == UINT16_MAX)
		return -ENOSPC;
	put_rec(b->buf + b->len, r, size);
	b->len += size;
	b->nrec++;
	return 0;
}

int hf_hap_batch_finish(struct hf_hap_batch *b, struct hf_hap_tx *tx,
			size_t *len)
{
	uint8_t *sync;
	size_t total;
	uint64_t seq;
	uint16_t flags;
	int err;

	if (!b->buf || !b->nrec || b->auth != (tx->auth != NULL) ||
	    !tx_valid(tx))
		return -EINVAL;
	sync = b->buf + HF_HAP_HDR_LEN;
	total = b->len + (b->auth ? HF_HAP_TAG_LEN : 0);
	seq = get_be64(sync);
	flags = get_be16(sync + 10);
	put_hdr(b->buf, HF_HAP_SYNC, tx, total);
	put_be64(sync, seq);
	put_be16(sync + 8, b->nrec);
	put_be16(sync + 10, flags);
	err = seal(tx, b->buf, total);
	if (err)
		return err;
	*len = total;
	return 0;
}

int hf_hap_restamp(struct hf_hap_tx *tx, uint8_t *buf, size_t len)
{
	bool has_tag;

	if (!tx_valid(tx) || check_frame(buf, len) != HF_HAP_OK)
		return -EINVAL;
	has_tag = buf[OFF_FLAGS] & HF_HAP_F_AUTH;
	if (get_be32(buf + OFF_NODE) != tx->node_id ||
	    get_be64(buf + OFF_EPOCH) != tx->epoch ||
	    has_tag != (tx->auth != NULL))
		return -EINVAL;
	return seal(tx, buf, len);
}

int hf_hap_restamp_base(struct hf_hap_tx *tx, uint8_t *buf, size_t len,
			uint64_t base)
{
	size_t body, off;

	if (check_frame(buf, len) != HF_HAP_OK)
		return -EINVAL;
	body = len - HF_HAP_HDR_LEN -
	       (buf[OFF_FLAGS] & HF_HAP_F_AUTH ? HF_HAP_TAG_LEN : 0);
	switch (buf[OFF_TYPE]) {
	case HF_HAP_SYNC:
		if (body < HF_HAP_SYNC_HDR_LEN)
			return -EINVAL;
		off = OFF_SYNC_BASE;
		break;
	case HF_HAP_BULK_BEGIN:
	case HF_HAP_BULK_END:
		if (body != HF_HAP_BULK_LEN)
			return -EINVAL;
		off = OFF_BULK_BASE;
		break;
	default:
		return -EINVAL;
	}
	if (!base_valid(get_be64(buf + HF_HAP_HDR_LEN), base))
		return -EINVAL;
	/* checked by hf_hap_restamp before anything is written */
	if (!tx_valid(tx) || get_be32(buf + OFF_NODE) != tx->node_id ||
	    get_be64(buf + OFF_EPOCH) != tx->epoch ||
	    !!(buf[OFF_FLAGS] & HF_HAP_F_AUTH) != (tx->auth != NULL))
		return -EINVAL;
	put_be64(buf + HF_HAP_HDR_LEN + off, base);
	return hf_hap_restamp(tx, buf, len);
}

/* ---- replay window ---- */

static bool epoch_retired(const struct hf_hap_replay *r, uint64_t epoch)
{
	unsigned int i, n = HF_MIN(r->nold, (uint32_t)HF_HAP_OLD_EPOCHS);

	for (i = 0; i < n; i++)
		if (r->old_epoch[i] == epoch)
			return true;
	return false;
}

enum hf_hap_err hf_hap_replay_check(struct hf_hap_replay *r, uint64_t epoch,
				    uint64_t seq, bool *new_epoch)
{
	uint64_t d;

	if (new_epoch)
		*new_epoch = false;
	if (!epoch || !seq)
		return HF_HAP_ERR_BAD_FIELD;
	if (epoch != r->epoch) {
		if (epoch_retired(r, epoch))
			return HF_HAP_ERR_OLD_EPOCH;
		if (r->epoch) {
			r->old_epoch[r->nold % HF_HAP_OLD_EPOCHS] = r->epoch;
			r->nold++;
			if (new_epoch)
				*new_epoch = true;
		}
		r->epoch = epoch;
		r->top = seq;
		r->bitmap = 1;
		return HF_HAP_OK;
	}
	if (seq > r->top) {
		d = seq - r->top;
		r->bitmap = d >= HF_HAP_REPLAY_WINDOW ? 1 : r->bitmap << d | 1;
		r->top = seq;
		return HF_HAP_OK;
	}
	d = r->top - seq;
	if (d >= HF_HAP_REPLAY_WINDOW)
		return HF_HAP_ERR_OLD_SEQ;
	if (r->bitmap & (1ULL << d))
		return HF_HAP_ERR_REPLAY;
	r->bitmap |= 1ULL << d;
	return HF_HAP_OK;
}
