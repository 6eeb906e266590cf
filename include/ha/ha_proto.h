/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ha/ha_proto.h - wire format of the HA messages: HA1 (ha_agent
 * heartbeats) and HA2 (dssd session sync). Pure encode/decode over
 * caller buffers, explicit big-endian byte order, optional HMAC
 * authentication and a replay window. No globals, no allocation, no I/O:
 * every function may run in any thread on its own structs.
 *
 * ===================== Protocol version 1 ===========================
 *
 * All integers are big-endian (network order), at the byte offsets
 * given; nothing is padded or aligned. A message is one UDP datagram of
 * at most HF_HAP_MAX_MSG (1400) bytes, so it crosses the HA link
 * unfragmented. "res" fields are sent as zero and a message with a
 * non-zero one is rejected (bad_field): a later version may use them.
 * Unknown bits in a "flags" field, by contrast, are carried and ignored
 * (decode keeps them, encode writes them back), except in the header.
 *
 * Header (32 bytes):
 *   0  u8[2] magic      'H' 'A' (0x48 0x41)
 *   2  u8    version    1; anything else: bad_version
 *   3  u8    type       enum hf_hap_type
 *   4  u8    flags      HF_HAP_F_AUTH; other bits must be 0
 *   5  u8    hdr_len    32 (this version: exactly)
 *   6  u16   total_len  header + body + tag = datagram length
 *   8  u32   node_id    sender's node id, never 0
 *  12  u32   res
 *  16  u64   epoch      sender's incarnation: random and non-zero, drawn
 *                       at process start, so a new value means the
 *                       peer restarted
 *  24  u64   seq        message sequence within (node_id, epoch): 1 for
 *                       the first message, +1 for every datagram sent,
 *                       retransmissions included. 64 bits never wrap
 *                       (2^64 messages); an encoder that reaches
 *                       UINT64_MAX fails with -EOVERFLOW and the sender
 *                       must take a new epoch. Anti-replay uses it.
 *  32  ...   body       by type, below
 *  total_len-16  u8[16] tag   present iff HF_HAP_F_AUTH: the first 16
 *                       bytes of HMAC-SHA256(key, bytes [0, total_len-16))
 *                       i.e. header and body (RFC 2104 with SHA-256,
 *                       truncated as RFC 4868 does: 128 bits).
 *
 * With a key configured a receiver accepts only authenticated messages
 * (no_auth otherwise); without one it rejects authenticated messages
 * (unexpected_auth): both sides must agree. The tag is checked before
 * the body is parsed, with a constant-time compare.
 *
 * HA1 (ha_agent, its own UDP port):
 *   HELLO 0x01 (36 bytes), the heartbeat:
 *     0 u16 priority   2 u8 state (enum hf_hap_state)   3 u8 res
 *     4 u32 flags (HF_HAP_HELLO_*)   8 u32 interval_ms (1..60000)
 *    12 u64 config_digest   20 u64 sync_applied (last HA2 sync seq the
 *       sender applied from its peer)   28 u64 peer_epoch (the epoch of
 *       the peer the sender hears now, 0: none: a hello echoing an old
 *       epoch of the receiver was sent before the receiver started)
 *   GOODBYE 0x02 (4 bytes): 0 u8 reason (enum hf_hap_bye)  1 u8[3] res
 *
 * HA2 (dssd, its own UDP port). Two sequence spaces: the header seq
 * numbers datagrams (anti-replay); the sync seq numbers the reliable
 * stream of SYNC/BULK_BEGIN/BULK_END messages, is kept when one is
 * retransmitted (hf_hap_restamp() gives it a new header seq), and is
 * what ACK, NACK, HELLO.sync_applied and SYNC_HELLO talk about.
 *   SYNC_HELLO 0x10 (36 bytes), sent by both sides about once a second
 *     and when the sender wants a bulk sync:  0 u64 next_seq (next sync
 *       seq the sender will use, != 0)  8 u64 applied (highest sync seq
 *       applied in order from the peer)  16 u64 peer_epoch (the epoch
 *       of the peer's stream that `applied` counts in; 0: none yet)
 *       24 u32 flags (HF_HAP_SH_*)  28 u64 sessions (live sessions in
 *       the sender's table, for `show ha`)
 *   SYNC 0x11 (20 + records):  0 u64 sync_seq (!= 0)  8 u16 nrec
 *       (records that follow, >= 1)  10 u16 flags (HF_HAP_SYNC_BULK)
 *       12 u64 base (the sender's oldest unacknowledged sync seq when
 *       it sent this copy: != 0 and <= sync_seq as a serial number,
 *       i.e. (int64_t)(sync_seq - base) >= 0; a receiver that is
 *       behind it skips ahead instead of waiting for what was freed)
 *   ACK 0x12 (20 + 16 * nnack):  0 u64 cum (every sync seq <= cum was
 *       received)  8 u16 nnack (<= 16)  10 u16 res  12 u64 epoch (!= 0:
 *       the stream acknowledged, i.e. the header epoch of the data
 *       messages counted; a sender ignores ACKs of another epoch), then
 *       nnack ranges { u64 first, u64 last } of sync seqs missing:
 *       cum < first <= last, ascending, not overlapping nor adjacent.
 *   BULK_BEGIN 0x13, BULK_END 0x14 (28 bytes):  0 u64 sync_seq (!= 0,
 *       in the stream)  8 u32 bulk_id  12 u32 sessions  16 u32 neighs
 *       (BEGIN: how many the sender expects to send; END: sent)
 *       20 u64 base (as in SYNC)
 *   RESYNC_REQUEST 0x15 (4 bytes):  0 u8 reason (enum hf_hap_resync)
 *       1 u8[3] res: ask the peer for a bulk sync.
 * The stream messages (SYNC, BULK_BEGIN, BULK_END) are kept by the
 * sender until acknowledged and resent with hf_hap_restamp_base(): a new
 * header seq, the current base, a new tag.
 *
 * SYNC records: a 4-byte prefix { u16 type, u16 len } where len counts
 * the whole record, prefix included (>= 4). A known type has exactly its
 * fixed length (a record that grows gets a new type). A receiver skips a
 * record of unknown type, unless bit 15 (HF_HAP_REC_CRITICAL) of the
 * type is set: then the whole message is rejected (critical_record).
 * Offsets below count from the start of the record:
 *   SESS_UPSERT 1 (88 bytes):
 *     4 u64 sess_seq (the session's change sequence)
 *    12 key orig, 26 key reply; a key (14 bytes) is
 *       +0 u32 saddr  +4 u32 daddr  +8 u16 sport  +10 u16 dport
 *       +12 u8 proto  +13 u8 zone (0..HF_MAX_ZONES)
 *       (protos equal; ICMP: identifier as in fwd/session.h)
 *    40 u8 tcp_state (enum hf_tcp_state; HF_TCP_NONE unless TCP)
 *    41 u8 flags (HF_HAP_SESS_REPLIED)  42 u16 rule
 *    44 u16 port orig  46 u16 port reply (< HF_MAX_PORTS)
 *    48 u64 pkts orig  56 u64 bytes orig  64 u64 pkts reply
 *    72 u64 bytes reply
 *    80 u32 lifetime_ms: time left until expiry, relative (the clocks
 *       of the two nodes are unrelated)   84 u32 age_s: since creation
 *   SESS_DELETE 2 (26 bytes):  4 u64 sess_seq  12 key orig
 *   NEIGH_UPSERT 3 (18 bytes):  4 u32 ipv4 (!= 0)  8 u16 port  10 u8[6]
 *       mac (unicast, non-zero)  16 u8 state (enum hf_neigh_state:
 *       REACHABLE, STALE or PERMANENT only)  17 u8 res
 *   NEIGH_DELETE 4 (10 bytes):  4 u32 ipv4  8 u16 port
 *
 * Decoding checks, in this order: magic, version, header length,
 * total_len (against HF_HAP_MAX_MSG and the datagram), authentication,
 * type, header fields (own node id: loop), body length for the type,
 * then every field and record. A message is accepted or rejected whole:
 * a SYNC batch is applied only after all of it was validated.
 *
 * Replay protection (hf_hap_replay_check): per peer, the current epoch,
 * the highest seq seen and a 64-bit bitmap of the seqs below it. A seq
 * seen before, or 64 or more below the highest, is dropped; a new epoch
 * resets the window and retires the old epoch (the last
 * HF_HAP_OLD_EPOCHS are remembered and refused, so a recorded message of
 * a past incarnation cannot reset the window back). Call it only for
 * messages hf_hap_decode() accepted, so that only an authenticated
 * message can move the window. A receiver that restarts forgets all
 * this: a recorded old message may then be accepted once, which the
 * peer_epoch echo of HELLO/SYNC_HELLO exposes (it names an epoch of the
 * receiver other than its current one).
 */
#ifndef HF_HA_HA_PROTO_H
#define HF_HA_HA_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fwd/neigh.h"
#include "fwd/session.h"
#include "fwd/tcp_state.h"

#define HF_HAP_MAGIC0		0x48	/* 'H' */
#define HF_HAP_MAGIC1		0x41	/* 'A' */
#define HF_HAP_VERSION		1
#define HF_HAP_HDR_LEN		32
#define HF_HAP_TAG_LEN		16	/* truncated HMAC-SHA256 */
#define HF_HAP_MAX_MSG		1400	/* whole datagram, tag included */
#define HF_HAP_KEY_MAX		64	/* bytes of shared key */
#define HF_HAP_MAX_NACK		16	/* NACK ranges per ACK */
#define HF_HAP_INTERVAL_MAX_MS	60000	/* HELLO interval_ms upper bound */
#define HF_HAP_REPLAY_WINDOW	64	/* seqs below the highest */
#define HF_HAP_OLD_EPOCHS	4	/* retired epochs refused */

/* header flags */
#define HF_HAP_F_AUTH		0x01

/* body sizes */
#define HF_HAP_HELLO_LEN	36
#define HF_HAP_GOODBYE_LEN	4
#define HF_HAP_SYNC_HELLO_LEN	36
#define HF_HAP_SYNC_HDR_LEN	20	/* then the records */
#define HF_HAP_ACK_HDR_LEN	20	/* then 16 bytes per NACK range */
#define HF_HAP_NACK_LEN		16
#define HF_HAP_BULK_LEN		28
#define HF_HAP_RESYNC_LEN	4

/* record sizes, prefix included */
#define HF_HAP_REC_PREFIX_LEN		4
#define HF_HAP_REC_SESS_UPSERT_LEN	88
#define HF_HAP_REC_SESS_DELETE_LEN	26
#define HF_HAP_REC_NEIGH_UPSERT_LEN	18
#define HF_HAP_REC_NEIGH_DELETE_LEN	10

enum hf_hap_type {
	/* HA1 */
	HF_HAP_HELLO		= 0x01,
	HF_HAP_GOODBYE		= 0x02,
	/* HA2 */
	HF_HAP_SYNC_HELLO	= 0x10,
	HF_HAP_SYNC		= 0x11,
	HF_HAP_ACK		= 0x12,
	HF_HAP_BULK_BEGIN	= 0x13,
	HF_HAP_BULK_END		= 0x14,
	HF_HAP_RESYNC_REQUEST	= 0x15,
};

/* The node state as HELLO carries it. */
enum hf_hap_state {
	HF_HAP_STATE_INITIAL,
	HF_HAP_STATE_ACTIVE,
	HF_HAP_STATE_PASSIVE,
	HF_HAP_STATE_SUSPENDED,
	HF_HAP_STATE_NONFUNCTIONAL,
	HF_HAP_STATE_MAX,
};

/* HELLO flags */
#define HF_HAP_HELLO_HEALTHY	0x01	/* links, paths, dataplane all up */
#define HF_HAP_HELLO_PREEMPT	0x02	/* preemption configured */
#define HF_HAP_HELLO_SYNCED	0x04	/* bulk sync from the peer done */
#define HF_HAP_HELLO_TAKEOVER	0x08	/* asks the peer to step down */
#define HF_HAP_HELLO_STEPDOWN	0x10	/* leaving active now */

enum hf_hap_bye {
	HF_HAP_BYE_SHUTDOWN,	/* clean stop */
	HF_HAP_BYE_RESTART,	/* back soon, with a new epoch */
	HF_HAP_BYE_MAX,
};

/* SYNC_HELLO flags */
#define HF_HAP_SH_SOURCE	0x01	/* sender is active: it sends sync */
#define HF_HAP_SH_NEED_BULK	0x02	/* sender wants a bulk sync */

/* SYNC flags */
#define HF_HAP_SYNC_BULK	0x0001	/* records are part of a bulk sync */

enum hf_hap_resync {
	HF_HAP_RESYNC_STARTUP,	/* receiver (re)started, tables empty */
	HF_HAP_RESYNC_GAP,	/* a gap fell out of the resend queue */
	HF_HAP_RESYNC_ADMIN,	/* operator asked */
	HF_HAP_RESYNC_MAX,
};

enum hf_hap_rec_type {
	HF_HAP_REC_SESS_UPSERT	= 1,
	HF_HAP_REC_SESS_DELETE	= 2,
	HF_HAP_REC_NEIGH_UPSERT	= 3,
	HF_HAP_REC_NEIGH_DELETE	= 4,
};
#define HF_HAP_REC_CRITICAL	0x8000	/* unknown: reject the message */

/* SESS_UPSERT flags */
#define HF_HAP_SESS_REPLIED	0x01	/* a packet went the reply way */

/*
 * Why a message was dropped: one named counter each. HF_HAP_OK is 0;
 * hf_hap_err_name() gives the lowercase name ("bad_magic").
 */
#define HF_HAP_ERRORS(X)						\
	X(TRUNCATED, "truncated")	/* datagram shorter than stated */ \
	X(BAD_MAGIC, "bad_magic")					\
	X(BAD_VERSION, "bad_version")					\
	X(BAD_LENGTH, "bad_length")	/* header/total/body length */	\
	X(BAD_TYPE, "bad_type")		/* unknown message type */	\
	X(NO_AUTH, "no_auth")		/* key set, message has no tag */ \
	X(UNEXPECTED_AUTH, "unexpected_auth") /* tag, but no key */	\
	X(BAD_AUTH, "bad_auth")		/* tag does not match */	\
	X(AUTH_INTERNAL, "auth_internal") /* HMAC computation failed */ \
	X(LOOP, "loop")			/* our own node id */		\
	X(BAD_FIELD, "bad_field")	/* value out of range, res != 0 */ \
	X(BAD_COUNT, "bad_count")	/* nrec vs records present */	\
	X(BAD_RECORD, "bad_record")	/* record length */		\
	X(CRITICAL_RECORD, "critical_record") /* unknown, critical */	\
	X(REPLAY, "replay")		/* seq seen before */		\
	X(OLD_SEQ, "old_seq")		/* seq below the window */	\
	X(OLD_EPOCH, "old_epoch")	/* a retired epoch of the peer */

enum hf_hap_err {
	HF_HAP_OK = 0,
#define HF_HAP_X_ENUM(n, s) HF_HAP_ERR_##n,
	HF_HAP_ERRORS(HF_HAP_X_ENUM)
#undef HF_HAP_X_ENUM
	HF_HAP_ERR_MAX,
};

/* A shared key. Wipe it with hf_hap_auth_wipe() when done. */
struct hf_hap_auth {
	uint8_t key[HF_HAP_KEY_MAX];
	uint32_t len;
};

/* Sender state: one per socket direction, owned by one thread. */
struct hf_hap_tx {
	uint32_t node_id;
	uint64_t epoch;
	uint64_t seq;			/* last used; the next is seq + 1 */
	const struct hf_hap_auth *auth;	/* NULL: unauthenticated */
};

/* The decoded header. */
struct hf_hap_hdr {
	uint8_t version;
	uint8_t type;
	uint8_t flags;
	uint16_t len;			/* total_len */
	uint32_t node_id;
	uint64_t epoch;
	uint64_t seq;
};

struct hf_hap_hello {
	uint16_t priority;
	uint8_t state;			/* enum hf_hap_state */
	uint32_t flags;			/* HF_HAP_HELLO_* */
	uint32_t interval_ms;
	uint64_t config_digest;
	uint64_t sync_applied;
	uint64_t peer_epoch;
};

struct hf_hap_goodbye {
	uint8_t reason;			/* enum hf_hap_bye */
};

struct hf_hap_sync_hello {
	uint64_t next_seq;
	uint64_t applied;
	uint64_t peer_epoch;
	uint32_t flags;			/* HF_HAP_SH_* */
	uint64_t sessions;		/* live sessions of the sender */
};

/* A decoded SYNC: its records stay in the receive buffer (@rec points
 * into it) and are read with hf_hap_rec_next(). */
struct hf_hap_sync {
	uint64_t seq;
	uint64_t base;			/* sender's oldest unacked seq */
	uint16_t flags;			/* HF_HAP_SYNC_* */
	uint16_t nrec;			/* records, unknown ones included */
	uint16_t nunknown;		/* of which of unknown type */
	uint16_t rec_len;		/* bytes at @rec */
	const uint8_t *rec;
};

struct hf_hap_nack {
	uint64_t first;
	uint64_t last;
};

struct hf_hap_ack {
	uint64_t epoch;			/* the stream acknowledged */
	uint64_t cum;
	uint16_t nnack;
	struct hf_hap_nack nack[HF_HAP_MAX_NACK];
};

/* BULK_BEGIN and BULK_END */
struct hf_hap_bulk {
	uint64_t seq;
	uint64_t base;			/* sender's oldest unacked seq */
	uint32_t bulk_id;
	uint32_t sessions;
	uint32_t neighs;
};

struct hf_hap_resync_req {
	uint8_t reason;			/* enum hf_hap_resync */
};

struct hf_hap_msg {
	struct hf_hap_hdr hdr;		/* encode reads only hdr.type */
	union {
		struct hf_hap_hello hello;
		struct hf_hap_goodbye goodbye;
		struct hf_hap_sync_hello sync_hello;
		struct hf_hap_sync sync;
		struct hf_hap_ack ack;
		struct hf_hap_bulk bulk;	/* BULK_BEGIN, BULK_END */
		struct hf_hap_resync_req resync;
	} u;
};

/* Records. Session keys use struct hf_sess_key (host order, pad 0). */
struct hf_hap_sess {
	uint64_t seq;			/* the session's sync_seq */
	struct hf_sess_key key[2];	/* by enum hf_dir */
	uint8_t state;			/* enum hf_tcp_state */
	uint8_t flags;			/* HF_HAP_SESS_* */
	uint16_t rule;
	uint16_t port[2];		/* by enum hf_dir */
	uint64_t pkts[2];
	uint64_t bytes[2];
	uint32_t lifetime_ms;
	uint32_t age_s;
};

struct hf_hap_sess_del {
	uint64_t seq;
	struct hf_sess_key key;		/* orig key */
};

struct hf_hap_neigh {
	uint32_t ip;			/* host order */
	uint16_t port;
	uint8_t mac[6];
	uint8_t state;			/* enum hf_neigh_state */
};

struct hf_hap_neigh_del {
	uint32_t ip;
	uint16_t port;
};

/* A record of unknown type: its bytes after the prefix, in the buffer. */
struct hf_hap_raw {
	const uint8_t *data;
	uint16_t len;
};

struct hf_hap_rec {
	uint16_t type;			/* enum hf_hap_rec_type, or unknown */
	union {
		struct hf_hap_sess sess;
		struct hf_hap_sess_del sess_del;
		struct hf_hap_neigh neigh;
		struct hf_hap_neigh_del neigh_del;
		struct hf_hap_raw raw;
	} u;
};

struct hf_hap_rec_iter {
	const uint8_t *p;
	const uint8_t *end;
};

/* SYNC batch under construction, in the caller's buffer. */
struct hf_hap_batch {
	uint8_t *buf;
	size_t cap;			/* usable: <= HF_HAP_MAX_MSG */
	size_t len;			/* header + body so far */
	uint16_t nrec;
	bool auth;			/* room for a tag kept at the end */
};

/* Replay window of one peer (see the spec above). Zero it to start. */
struct hf_hap_replay {
	uint64_t epoch;			/* 0: nothing accepted yet */
	uint64_t top;			/* highest seq accepted */
	uint64_t bitmap;		/* bit i: seq top - i accepted */
	uint64_t old_epoch[HF_HAP_OLD_EPOCHS];
	uint32_t nold;			/* retirements so far */
};

/** hf_hap_err_name() - "bad_magic", ...; "ok" for 0, "unknown" else. */
const char *hf_hap_err_name(enum hf_hap_err e);

/** hf_hap_is_ha1() - true for HA1 (ha_agent) message types. */
static inline bool hf_hap_is_ha1(uint8_t type)
{
	return type == HF_HAP_HELLO || type == HF_HAP_GOODBYE;
}

/** hf_hap_rec_is_known() - true for the record types of this version. */
static inline bool hf_hap_rec_is_known(uint16_t type)
{
	return type >= HF_HAP_REC_SESS_UPSERT &&
	       type <= HF_HAP_REC_NEIGH_DELETE;
}

/**
 * hf_hap_auth_init() - copy @len bytes of @key into @a.
 * Return: 0, or -EINVAL if @len is 0 or above HF_HAP_KEY_MAX.
 */
int hf_hap_auth_init(struct hf_hap_auth *a, const void *key, size_t len);

/** hf_hap_auth_wipe() - erase the key (not optimised away). */
void hf_hap_auth_wipe(struct hf_hap_auth *a);

/**
 * hf_hap_epoch_new() - a random non-zero epoch for this process start.
 * Return: 0, or -EIO if no randomness could be had.
 */
int hf_hap_epoch_new(uint64_t *out);

/**
 * hf_hap_tx_init() - sender state for @node_id in @epoch; the first
 * message gets seq 1. @auth may be NULL, else it must outlive @tx.
 * Return: 0, or -EINVAL if @node_id or @epoch is 0.
 */
int hf_hap_tx_init(struct hf_hap_tx *tx, uint32_t node_id, uint64_t epoch,
		   const struct hf_hap_auth *auth);

/**
 * hf_hap_encode() - write the message @m of type @m->hdr.type (any but
 * SYNC, which hf_hap_batch_*() builds) into @buf, header from @tx with
 * the next seq, tag if @tx has a key. Fields are checked as the decoder
 * checks them. *@len gets the datagram length.
 * Return: 0; -EINVAL for a bad type or field; -ENOSPC if @cap is too
 * small; -EOVERFLOW if @tx's seq is exhausted; -EIO if HMAC failed.
 * @tx->seq advances only on success.
 */
int hf_hap_encode(struct hf_hap_tx *tx, const struct hf_hap_msg *m,
		  uint8_t *buf, size_t cap, size_t *len);

/**
 * hf_hap_decode() - validate the datagram @buf of @len bytes and decode
 * it into @out. @auth is the configured key (NULL: none). @self_id is our
 * node id: a message claiming it is a loop (0: no check). A SYNC's
 * records are left in @buf (@out->u.sync.rec), all validated.
 * Never reads outside [@buf, @buf + @len) nor writes outside *@out.
 * Return: HF_HAP_OK or why the message must be dropped.
 */
enum hf_hap_err hf_hap_decode(const uint8_t *buf, size_t len,
			      const struct hf_hap_auth *auth, uint32_t self_id,
			      struct hf_hap_msg *out);

/**
 * hf_hap_rec_iter_init() - iterate over the records of @s, which
 * hf_hap_decode() produced (its buffer must still be there).
 */
void hf_hap_rec_iter_init(struct hf_hap_rec_iter *it,
			  const struct hf_hap_sync *s);

/**
 * hf_hap_rec_next() - decode the next record into @r. A record of an
 * unknown type comes back with its type and @r->u.raw: skip it.
 * Return: false at the end (or at a malformed record, which a batch
 * hf_hap_decode() accepted has none of).
 */
bool hf_hap_rec_next(struct hf_hap_rec_iter *it, struct hf_hap_rec *r);

/**
 * hf_hap_batch_init() - start a SYNC batch with @sync_seq, @base and
 * @flags in @buf. Room for a tag is kept if @tx has a key; the batch
 * never grows beyond HF_HAP_MAX_MSG whatever @cap is.
 * Return: 0; -EINVAL if @sync_seq is 0 or @base is 0 or above @sync_seq
 * (serial); -ENOSPC if @cap cannot hold a batch header.
 */
int hf_hap_batch_init(struct hf_hap_batch *b, const struct hf_hap_tx *tx,
		      uint8_t *buf, size_t cap, uint64_t sync_seq,
		      uint64_t base, uint16_t flags);

/**
 * hf_hap_batch_add() - append @r. A record of unknown, non-critical type
 * is copied from @r->u.raw (forwarding what a newer peer sent).
 * Return: 0 if it fit; -ENOSPC if not (the batch is unchanged: finish it
 * and start another); -EINVAL for a bad field or a critical unknown type.
 */
int hf_hap_batch_add(struct hf_hap_batch *b, const struct hf_hap_rec *r);

/** hf_hap_batch_count() - records added so far. */
static inline uint16_t hf_hap_batch_count(const struct hf_hap_batch *b)
{
	return b->nrec;
}

/**
 * hf_hap_batch_finish() - fill in the header (next seq of @tx), counts
 * and lengths, and the tag. *@len gets the datagram length.
 * Return: 0; -EINVAL if the batch is empty or @tx's key presence differs
 * from the one it was started with; -EOVERFLOW; -EIO (HMAC).
 */
int hf_hap_batch_finish(struct hf_hap_batch *b, struct hf_hap_tx *tx,
			size_t *len);

/**
 * hf_hap_restamp() - give the message @buf (@len bytes) that @tx built
 * earlier the next header seq, and re-tag it: how a retransmission keeps
 * its sync seq yet passes the peer's replay window.
 * Return: 0; -EINVAL if it is not a well-formed message of @tx (node,
 * epoch, key presence); -EOVERFLOW; -EIO (HMAC).
 */
int hf_hap_restamp(struct hf_hap_tx *tx, uint8_t *buf, size_t len);

/**
 * hf_hap_restamp_base() - hf_hap_restamp() of a stream message (SYNC,
 * BULK_BEGIN, BULK_END) that first sets its base to @base: how a copy
 * sent later carries the sender's current oldest unacked seq.
 * Return: as hf_hap_restamp(); -EINVAL also for another type, or a
 * @base that is 0 or above the message's sync seq (serial).
 */
int hf_hap_restamp_base(struct hf_hap_tx *tx, uint8_t *buf, size_t len,
			uint64_t base);

/**
 * hf_hap_replay_check() - may a message of the peer with @epoch and
 * @seq be accepted? If so, record it (the window moves) and return
 * HF_HAP_OK; *@new_epoch (may be NULL) tells whether @epoch replaced
 * another one (the peer restarted). Otherwise return REPLAY (seen),
 * OLD_SEQ (below the window), OLD_EPOCH (retired) or BAD_FIELD (0), and
 * leave @r unchanged. Pure.
 */
enum hf_hap_err hf_hap_replay_check(struct hf_hap_replay *r, uint64_t epoch,
				    uint64_t seq, bool *new_epoch);

#endif /* HF_HA_HA_PROTO_H */
