/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ha/dssd.h - the dssd thread (HA2): session sync between the two nodes
 * of an HA pair over the HA link, active -> passive.
 *
 * One UDP socket, local-address:sync-port <-> peer-address:sync-port
 * (config `ha { ... }`), bound to the HA link's interface. Every datagram
 * is an ha/ha_proto.h message, validated (lengths, fields, HMAC when a
 * key is configured, replay window per peer epoch) before anything else
 * looks at it; a refused one is counted by reason and dropped. The
 * reliable stream (SYNC batches, BULK_BEGIN/END) runs through the
 * ha/sync_window.h layer: sequence numbers, cumulative ACK + NACK
 * ranges, RTO, in-order delivery with a reorder buffer.
 *
 * Active node (the sender):
 *  - every millisecond and on every wake-up it drains the deletion ring
 *    and then every worker's change notes (fwd/session.h), exports each
 *    noted slot and packs SESS_DELETE / SESS_UPSERT records into SYNC
 *    batches of at most 1400 bytes. It drains only as much as the window
 *    can take: with the window full the notes wait in the rings
 *    (back-pressure); if the rings overflow, the lost notes are counted
 *    (hf_sess_sync_lost) and the refresh scan below catches up.
 *  - a refresh scan walks the table at a bounded pace (every slot every
 *    2 s) and sends an upsert for a session the peer has not seen in its
 *    current form (its change sequence, bumped at creation and at each
 *    TCP state move, differs from the last one sent: a lost note) or
 *    whose expiry moved later while the peer's copy would expire within
 *    the next 6 s (long flows keep their copy alive); sessions younger
 *    than 2 s (their note is due) or already expired are left alone. It remembers, per slot, the change sequence and
 *    expiry of the last upsert sent: 8 bytes per session slot, allocated
 *    once at create.
 *  - a bulk sync on the peer's request (RESYNC_REQUEST, or SYNC_HELLO
 *    with need-bulk): BULK_BEGIN, every live session (paced: at most 64
 *    messages per tick and only while the window is less than half full,
 *    so incremental updates keep their place), BULK_END with the count.
 *    A request is served once: one that arrives while the bulk is on its
 *    way (the requester had not seen its BULK_BEGIN yet) is stale.
 *  - when nothing has been acknowledged for 10 s (no peer, or a peer
 *    that lost its state), it starts a new stream rather than let the
 *    notes pile up in the rings; a peer that comes back asks for a bulk.
 * Passive node (the receiver): stream messages go through the window;
 * the delivered ones are applied in order: SESS_UPSERT -> hf_sess_install
 * in the pool of worker (hash of the orig key % workers, the next one if
 * that pool is full), SESS_DELETE -> hf_sess_expire; neighbour records
 * are handed to mprelay (below). ACKs go
 * out when the window says one is due. The passive asks for a bulk sync
 * at start, whenever the sender's stream changes (new epoch) or the
 * window had to skip, when it becomes passive, and on request_bulk; it
 * repeats the request every 100 ms until a BULK_BEGIN arrives, and
 * reports `synced` to the HA agent when the BULK_END of such a bulk is
 * delivered (and `not synced` at once when one of those events happens).
 * Both sides send a SYNC_HELLO every second (live session count, the
 * stream position), so `show ha` shows the peer's session count.
 *
 * Neighbours (ARP entries), kept hot on the passive so that a takeover
 * resolves nothing late. mprelay stays the only writer of the neighbour
 * table on both nodes; two SPSC rings of struct hf_dssd_neigh, owned by
 * dssd and allocated at create, link it to dssd:
 *  - mprelay -> dssd (hf_dssd_neigh_changed): mprelay pushes an upsert
 *    when it learns an entry that the peer was not told of within the
 *    last half reachable time (new entry, new MAC, a confirmation that
 *    keeps the peer's copy alive: hf_neigh_sync_due) and a deletion for
 *    each learned entry its gc deletes. No wake-up: the active drains
 *    the ring every tick, as far as the window takes (the rest waits in
 *    the ring), into the same SYNC batches as sessions; a passive
 *    discards what it finds there. A full ring drops the change
 *    (neigh_ring_full): the entry's next confirmation or the next bulk
 *    repairs it. A bulk sync sends every REACHABLE/STALE learned entry
 *    (one walk of the table after BULK_BEGIN, once the window has room
 *    for all of it).
 *  - dssd -> mprelay (hf_dssd_neigh_take): on the passive, delivered
 *    NEIGH_UPSERT/NEIGH_DELETE records are queued for mprelay, woken
 *    through dp->event_fd, which drains them with the workers' events
 *    (hf_mprelay_apply_peer_neigh), checks them against its own ports
 *    (port exists, address on a connected subnet of the port, unicast
 *    MAC) and installs (hf_neigh_install, REACHABLE or STALE as sent)
 *    or deletes; it reports each outcome (hf_dssd_neigh_result) for the
 *    neigh_applied/neigh_refused counters. A full ring drops the record
 *    (neigh_ring_full).
 * Permanent (configured) entries are never sent: each node has its own.
 *
 * Epochs: the HA2 header epoch is drawn at create and again each time
 * the node becomes active: a sending period is a stream of its own
 * (hf_sw_tx_reset), whose sequence numbers continue those of the last
 * one. The receiver sees the new epoch, starts over at the stream's
 * base and asks for a bulk sync.
 *
 * Role handshake (hf_ha_sync_ops, called on the agent thread):
 *  - set_role(true), before the node forwards: clears the "installs
 *    allowed" flag and waits until dssd is out of its install section
 *    (Dekker-style: dssd sets "installing" then reads "allowed", the
 *    agent clears "allowed" then reads "installing", all seq_cst). An
 *    install section covers one record (one hf_sess_install or
 *    hf_sess_expire, about a microsecond), so the wait is that long
 *    unless dssd's thread is descheduled right inside it (then up to a
 *    scheduler slice). When it returns dssd installs nothing more: the
 *    workers are the only consumers of their free rings.
 *  - set_role(false), after the node stopped forwarding: dssd stops
 *    sending, waits for an RCU grace period on its own thread (no
 *    worker still runs a burst of the forwarding snapshot, so none
 *    makes sessions), then allows installs again and asks for a bulk.
 *  - request_bulk(), returns at once: the agent thinks this passive
 *    node is not synced. A bulk on its way satisfies it; a node that
 *    is synced (complete bulk, no loss since) reports it again; any
 *    other asks the peer for a bulk.
 * A node that becomes active in the middle of a bulk still becomes
 * active: whatever was installed stays.
 *
 * Memory: the sender's window holds 4096 messages (5.6 MB), the
 * receiver's reorder buffer 1024 (1.4 MB), plus 8 bytes per session
 * slot for the refresh scan (2 MB at the default session-max), plus
 * the two neighbour rings: neighbour-max records each, rounded up to a
 * power of two between 1024 and 65536, 16 bytes a record (1 MB each at
 * the default neighbour-max).
 *
 * Concurrency: the dssd thread owns the socket, the window and the sync
 * state; it is an RCU reader only while it reads or changes the table.
 * Other threads call only the ops, hf_dssd_status (a snapshot published
 * by the thread every few ms, copied under a lock) and the life cycle.
 */
#ifndef HF_HA_DSSD_H
#define HF_HA_DSSD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ha/ha_agent.h"
#include "ha/ha_proto.h"
#include "ha/sync_window.h"

struct hf_dataplane;
struct hf_dssd;

/* dssd counters: X(name, help). */
#define HF_DSSD_COUNTERS(X)						\
	X(msg_rx, "peer messages accepted")				\
	X(msg_bad, "peer messages dropped as malformed (by reason below)") \
	X(msg_foreign, "datagrams from an address other than the peer's sync port") \
	X(msg_unexpected, "valid messages of a type or for a role dssd does not take") \
	X(msg_tx, "datagrams sent")					\
	X(send_failed, "sends that failed (the window resends)")	\
	X(restamped, "stream datagrams sent as a fresh copy (resent, or base moved)") \
	X(stream_resets, "sending streams restarted: nothing acknowledged for 10 s") \
	X(peer_epochs, "new peer epochs (restart or new sending period)") \
	X(hello_tx, "SYNC_HELLOs sent")					\
	X(hello_rx, "SYNC_HELLOs received")				\
	X(ack_tx, "ACKs sent")						\
	X(ack_rx, "ACKs received")					\
	X(upsert_tx, "session upserts queued from change notes")	\
	X(delete_tx, "session deletions queued")			\
	X(delete_live, "deletions not sent: the key is live again")	\
	X(refresh_tx, "session upserts queued by the refresh scan")	\
	X(bulk_tx, "session upserts queued by bulk syncs")		\
	X(export_gone, "noted sessions gone before export")		\
	X(export_bad, "sessions that could not be encoded")		\
	X(window_full, "times the window stopped the drain (back-pressure)") \
	X(rec_lost, "records lost: no room in the window (refresh repairs)") \
	X(bulk_started, "bulk syncs started")				\
	X(bulk_restarted, "bulk syncs restarted before their end")	\
	X(bulk_done, "bulk syncs sent to the end")			\
	X(bulk_req_rx, "bulk requests received")			\
	X(bulk_req_stale, "bulk requests already served by a bulk on its way") \
	X(bulk_req_tx, "bulk requests sent")				\
	X(rx_stream, "stream messages passed to the window")		\
	X(rx_refused, "stream messages the window refused (stale, too far, invalid)") \
	X(installed, "sessions made from peer records")		\
	X(updated, "sessions brought up to date from peer records")	\
	X(expired, "sessions expired by peer deletions")		\
	X(expire_missing, "peer deletions of sessions not in the table") \
	X(install_nospc, "install errors: every worker pool full")	\
	X(install_exists, "install errors: a key belongs to another session") \
	X(install_invalid, "install errors: record keys do not mirror") \
	X(neigh_upsert_tx, "neighbour upserts queued (changes and bulk)") \
	X(neigh_delete_tx, "neighbour deletions queued")		\
	X(neigh_rx, "neighbour records delivered from the peer")	\
	X(neigh_applied, "peer neighbour records applied by mprelay")	\
	X(neigh_refused, "peer neighbour records mprelay refused (port, subnet, MAC, table full)") \
	X(neigh_ring_full, "neighbour changes dropped: a ring to/from mprelay was full") \
	X(rec_unknown, "records of unknown type (skipped)")		\
	X(rec_not_passive, "records not applied: this node is active")	\
	X(bulk_rx_begin, "bulk syncs begun (received)")		\
	X(bulk_rx_end, "bulk syncs completed (received)")		\
	X(resync_needed, "times the receiver needed a bulk sync")	\
	X(local_discarded, "own deletions/notes dropped while passive")

enum hf_dssd_counter {
#define HF_X_ENUM(n, h) HF_DSSD_C_##n,
	HF_DSSD_COUNTERS(HF_X_ENUM)
#undef HF_X_ENUM
	HF_DSSD_C_MAX,
};

/* Progress of a bulk sync, either side. */
struct hf_dssd_bulk {
	bool running;		/* sender: scanning; receiver: begun */
	uint32_t id;		/* bulk_id of the current/last one */
	uint32_t expected;	/* BULK_BEGIN: sessions announced */
	uint64_t sessions;	/* sender: upserts queued; receiver:
				 * upserts received in it */
	uint64_t applied;	/* receiver: of which installed/updated */
	uint64_t neighs;	/* sender: neighbour upserts queued;
				 * receiver: received in it */
	uint64_t msgs;		/* sender: messages of the bulk */
	uint64_t msgs_acked;	/* sender: ... acknowledged */
	enum hf_sw_bulk_state state;	/* sender's window view */
};

/* What `show ha` prints about session sync: a consistent copy. */
struct hf_dssd_status {
	uint64_t now_ns;		/* when it was published */
	bool running;			/* the thread runs */
	bool active;			/* this node sends (role) */
	uint64_t epoch;			/* our HA2 epoch */
	uint64_t role_changes;
	uint64_t handshake_max_ns;	/* longest set_role(true) wait */
	uint64_t install_max_ns;	/* longest install section (one
					 * record) */
	/* peer */
	bool peer_known;		/* a valid message was heard */
	uint64_t peer_epoch;		/* its HA2 epoch */
	bool peer_source;		/* its last SYNC_HELLO says active */
	uint64_t peer_sessions;		/* from its last SYNC_HELLO */
	uint64_t peer_hello_age_ms;	/* UINT64_MAX: none yet */
	/* table */
	uint64_t local_sessions;	/* hf_sess_info().live */
	uint64_t notes_lost;		/* hf_sess_sync_lost() */
	/* sender: last sent/acked, depth, oldest unacked age,
	 * retransmissions (tx.cnt.rexmit), lag histogram */
	struct hf_sw_tx_stats tx;
	uint64_t lag_p50_ns;		/* push -> ACK, from tx.lag_hist */
	uint64_t lag_p99_ns;
	uint64_t lag_samples;
	struct hf_dssd_bulk bulk_tx;
	/* receiver */
	struct hf_sw_rx_stats rx;	/* last delivered = applied seq */
	bool synced;			/* complete bulk, nothing lost since */
	bool want_bulk;			/* asking the peer for one */
	struct hf_dssd_bulk bulk_rx;
	uint64_t counter[HF_DSSD_C_MAX];
	uint64_t bad[HF_HAP_ERR_MAX];	/* msg_bad by reason */
};

/**
 * hf_dssd_create() - socket, window and per-slot state for the `ha`
 * block of @dp's config, on @dp->sessions (made with a sync ring).
 * @agent (may be NULL: nothing is reported) receives set_synced and
 * set_applied. Nothing runs yet; the node starts passive.
 * Return: 0 or -errno, with the reason in @err.
 */
int hf_dssd_create(struct hf_dssd **out, struct hf_dataplane *dp,
		   struct hf_ha_agent *agent, char *err, size_t errlen);

/** hf_dssd_start() - start the "dssd" thread. 0 or -errno. */
int hf_dssd_start(struct hf_dssd *d);

/**
 * hf_dssd_stop() - stop and join the thread. Call RCU-offline: the
 * thread may be waiting for a grace period.
 */
void hf_dssd_stop(struct hf_dssd *d);

/** hf_dssd_destroy() - stop, close, free @d (NULL is fine). */
void hf_dssd_destroy(struct hf_dssd *d);

/**
 * hf_dssd_ops() - the role callbacks to attach to the HA agent with
 * hf_ha_agent_set_sync(agent, hf_dssd_ops(d), d) before it starts.
 */
const struct hf_ha_sync_ops *hf_dssd_ops(const struct hf_dssd *d);

/** hf_dssd_status() - the last published snapshot (at most ~2 ms old). */
void hf_dssd_status(struct hf_dssd *d, struct hf_dssd_status *st);

/* A neighbour change between mprelay and dssd, either way. */
struct hf_dssd_neigh {
	uint32_t ip;			/* host order */
	uint16_t port;
	uint8_t mac[6];			/* upsert */
	uint8_t state;			/* upsert: HF_NEIGH_REACHABLE or
					 * HF_NEIGH_STALE */
	bool del;			/* a deletion */
};

/**
 * hf_dssd_neigh_changed() - mprelay (the only producer): queue @n for the
 * peer. Never waits. Return: false if the ring was full (counted).
 */
bool hf_dssd_neigh_changed(struct hf_dssd *d, const struct hf_dssd_neigh *n);

/**
 * hf_dssd_neigh_take() - mprelay (the only consumer): the oldest peer
 * neighbour record dssd delivered, or false if none.
 */
bool hf_dssd_neigh_take(struct hf_dssd *d, struct hf_dssd_neigh *n);

/** hf_dssd_neigh_result() - mprelay: one taken record @applied or not. */
void hf_dssd_neigh_result(struct hf_dssd *d, bool applied);

/** hf_dssd_counter_name() - "msg_rx", ... */
const char *hf_dssd_counter_name(enum hf_dssd_counter c);

/** hf_dssd_counter_help() - one line of help for counter @c. */
const char *hf_dssd_counter_help(enum hf_dssd_counter c);

#endif /* HF_HA_DSSD_H */
