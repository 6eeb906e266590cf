/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ha/sync_window.h - reliability layer of HA2 session sync (dssd):
 * sequence numbers, window, ACK/NACK, resend queue, reorder buffer.
 *
 * Pure logic in the conntrackd FTFW spirit: no sockets, no threads, no
 * clock reads (every call that needs time takes @now_ns, a monotonic
 * clock in ns), and no knowledge of the wire format. The codec
 * (ha/sync_proto) carries, per data message, the fields of struct
 * hf_sw_msg (epoch, seq, base) in front of the opaque payload, and per
 * ACK the fields of struct hf_sw_ack.
 *
 * Sender (active node), struct hf_sw_tx:
 *   push or reserve+commit  -> message queued with the next sequence
 *   hf_sw_tx_poll()         -> messages to put on the wire now:
 *                              retransmissions first, then new ones
 *   hf_sw_tx_ack()          -> cumulative ACK frees, NACK ranges mark
 *                              for resend
 *   hf_sw_tx_deadline()     -> when to call poll again (RTO timer)
 * The resend queue has a fixed capacity, the window W, allocated once
 * at create. At most W messages are queued (sent-but-unacked plus
 * not-yet-sent); hf_sw_tx_space() tells how many more fit. A push into
 * a full queue fails with -ENOBUFS and latches "resync needed", because
 * the caller has then lost an update: the cure is a bulk resync.
 *
 * Receiver (passive node), struct hf_sw_rx:
 *   hf_sw_rx_input()        -> delivers, strictly in sequence order,
 *                              through the deliver callback; holds
 *                              out-of-order messages in the reorder
 *                              buffer (payload copied), drops duplicates
 *   hf_sw_rx_deadline()     -> when an ACK is due
 *   hf_sw_rx_ack_build()    -> the ACK: cumulative seq + NACK ranges
 *
 * Retransmission (sender):
 *  - NACK: a sequence named in a NACK range is resent on the next poll.
 *    Once it has been resent, a further NACK for it is honoured only if
 *    it comes at least one "NACK guard" after the last copy (the
 *    smoothed RTT, clamped to [nack_guard_ns, rto_ns]); an earlier one
 *    was written before the receiver could have seen that copy, so it
 *    is stale (counted nack_guarded). This keeps the receiver's repeated
 *    NACKs (every ACK carries them) from multiplying copies, while the
 *    first NACK of a loss is acted on at once.
 *  - RTO: when the oldest in-flight message was last sent rto_cur ago
 *    with no ACK since, up to rto_burst of the oldest in-flight messages
 *    that are at least that old are resent. rto_cur starts at rto_ns
 *    (default 20 ms), doubles at every expiry up to rto_max_ns (default
 *    200 ms) and returns to rto_ns on any valid ACK. The layer never
 *    gives up: a dead peer is HA1's verdict; the caller may watch
 *    oldest_age_ns and reset + bulk-sync past a limit of its choosing.
 *  - The RTT sample (for the guard and the srtt_ns metric) is taken
 *    when a cumulative ACK advances, from the newest freed message if it
 *    was sent only once (Karn); srtt = 7/8 srtt + 1/8 sample.
 *
 * ACK policy (receiver): an ACK is due
 *  - at once when a message opens a new hole (seq > highest seen + 1)
 *    or repeats an already delivered one (the sender lost our ACK);
 *  - after ack_every (default 16) messages since the last ACK;
 *  - ack_delay_ns (default 1 ms) after the first message since the
 *    last ACK;
 *  - every nack_interval_ns (default 5 ms) while a gap stays open, even
 *    with no traffic, so a lost retransmission is asked for again.
 * NACK ranges cover the missing sequences from the next expected one up
 * to the highest seen, limited to the reorder window (what the receiver
 * could accept now), at most max_nack ranges.
 *
 * Epochs and restarts. Each sender incarnation has a nonzero 64-bit
 * epoch (e.g. from getrandom() or CLOCK_REALTIME at start: it only has
 * to differ from the previous ones) and a configurable first sequence.
 *  - A message whose epoch differs from the receiver's current one and
 *    from the last HF_SW_EPOCH_HISTORY ones starts a new stream: the
 *    reorder buffer is flushed, the receiver restarts at the message's
 *    base, and "resync needed" is raised (the peer's table may hold
 *    sessions of the old incarnation: the caller requests a bulk sync).
 *    A message of a remembered older epoch is late and dropped
 *    (stale_epoch), so reordering across a restart cannot flip back -
 *    as long as the current epoch has been heard within
 *    stale_epoch_ns (default 1 s). After that silence a remembered
 *    epoch is adopted again: if both nodes restarted together and a
 *    late packet of the dead incarnation was adopted first, the live
 *    one takes over within that time instead of being dropped forever.
 *    A fresh receiver adopts the first epoch it sees the same way.
 *  - Every message carries the sender's base (oldest unacked sequence
 *    when it was sent). A receiver that restarted mid-stream may be
 *    behind it: it skips to base (counted in skipped, resync raised)
 *    instead of waiting forever for sequences the sender has freed.
 *  - ACKs carry the receiver's epoch; the sender ignores ACKs of
 *    another epoch (late ACKs from before its own restart).
 *
 * Bulk sync is a run of ordinary messages framed by the caller (e.g.
 * BULK_START ... BULK_END message types of the codec). The layer only
 * counts progress: hf_sw_tx_bulk_start()/_end() on the sender,
 * hf_sw_rx_bulk_start()/_end() on the receiver (called from the deliver
 * callback when the framing messages arrive). Starting a bulk clears
 * "resync needed" on that side.
 *
 * Sequence numbers are 64-bit and compared as serial numbers
 * ((int64_t)(a - b), RFC 1982 style), so any first sequence works, even
 * one close to UINT64_MAX, as long as live sequences span less than
 * 2^63; at 10^6 messages/s a stream would need 584,000 years to wrap.
 *
 * Concurrency: a tx or rx object is owned by one thread (dssd).
 * Memory: each object is allocated once at create; no call allocates.
 */
#ifndef HF_HA_SYNC_WINDOW_H
#define HF_HA_SYNC_WINDOW_H

#include <stdbool.h>
#include <stdint.h>

#define HF_SW_MSG_MAX		65507u	/* largest UDP payload */
#define HF_SW_CAP_MAX		(1u << 20)	/* window / reorder slots */
#define HF_SW_NACK_MAX		16	/* NACK ranges in one ACK */
#define HF_SW_EPOCH_HISTORY	4	/* old epochs a receiver remembers */

/* defaults, used for zero fields of the configs */
#define HF_SW_MAX_MSG_DEFAULT		1400u
#define HF_SW_WINDOW_DEFAULT		4096u
#define HF_SW_RTO_DEFAULT_NS		20000000ull	/* 20 ms */
#define HF_SW_RTO_MAX_DEFAULT_NS	200000000ull	/* 200 ms */
#define HF_SW_RTO_BURST_DEFAULT		8u
#define HF_SW_NACK_GUARD_DEFAULT_NS	200000ull	/* 200 us */
#define HF_SW_REORDER_DEFAULT		1024u
#define HF_SW_ACK_EVERY_DEFAULT		16u
#define HF_SW_ACK_DELAY_DEFAULT_NS	1000000ull	/* 1 ms */
#define HF_SW_NACK_INTERVAL_DEFAULT_NS	5000000ull	/* 5 ms */
#define HF_SW_STALE_EPOCH_DEFAULT_NS	1000000000ull	/* 1 s */

/*
 * Push-to-ACK latency histogram, log-linear: 4 buckets per power of two
 * of microseconds (about 25 % resolution), bucket 0..3 = 0..3 us, the
 * last one open-ended (>= ~67 s).
 */
#define HF_SW_LAG_BUCKETS	104

/**
 * struct hf_sw_msg - the reliability header of one data message.
 * @epoch: sender incarnation (nonzero).
 * @seq: sequence number of this message.
 * @base: sender's oldest unacked sequence when it sent this copy
 *	(base <= seq).
 * @data: the payload (opaque to this layer).
 * @len: payload length, at most the configured max_msg.
 * @rexmit: output only: this is a retransmission.
 */
struct hf_sw_msg {
	uint64_t epoch;
	uint64_t seq;
	uint64_t base;
	const uint8_t *data;
	uint32_t len;
	bool rexmit;
};

/** struct hf_sw_range - inclusive range of missing sequences. */
struct hf_sw_range {
	uint64_t first;
	uint64_t last;
};

/**
 * struct hf_sw_ack - content of an ACK, receiver -> sender.
 * @epoch: the sender epoch the receiver is tracking.
 * @cum: every sequence up to and including @cum was delivered.
 * @n_nack: number of valid entries in @nack.
 * @nack: missing sequences, ascending, all after @cum.
 */
struct hf_sw_ack {
	uint64_t epoch;
	uint64_t cum;
	uint32_t n_nack;
	struct hf_sw_range nack[HF_SW_NACK_MAX];
};

/* ------------------------------------------------------------------ */
/* Sender                                                             */
/* ------------------------------------------------------------------ */

struct hf_sw_tx;

/**
 * struct hf_sw_tx_config - sender parameters; a zero field other than
 * @epoch and @first_seq takes its HF_SW_*_DEFAULT.
 * @epoch: this incarnation, nonzero.
 * @first_seq: sequence number of the first message.
 * @window: W, capacity of the resend queue (max messages queued).
 * @max_msg: largest payload in bytes.
 * @rto_burst: messages resent per RTO expiry.
 * @rto_ns: initial retransmit timeout.
 * @rto_max_ns: backoff cap (>= @rto_ns).
 * @nack_guard_ns: floor of the NACK guard (see the file comment).
 */
struct hf_sw_tx_config {
	uint64_t epoch;
	uint64_t first_seq;
	uint32_t window;
	uint32_t max_msg;
	uint32_t rto_burst;
	uint64_t rto_ns;
	uint64_t rto_max_ns;
	uint64_t nack_guard_ns;
};

/* Sender event counters (monotonic), one X-macro list for the CLI. */
#define HF_SW_TX_COUNTERS(X)						\
	X(pushed)		/* messages queued */			\
	X(push_full)		/* push refused: queue full */		\
	X(sent)			/* first transmissions */		\
	X(rexmit)		/* retransmissions (any reason) */	\
	X(rto_expiries)		/* RTO timer fired */			\
	X(rto_marked)		/* messages marked for resend by RTO */	\
	X(ack_rx)		/* ACKs passed to hf_sw_tx_ack() */	\
	X(ack_advance)		/* ... that moved the cumulative seq */	\
	X(ack_dup)		/* ... valid, no progress */		\
	X(ack_stale)		/* ... behind the cumulative seq */	\
	X(ack_beyond)		/* ... acking what was never sent */	\
	X(ack_bad_epoch)	/* ... for another sender epoch */	\
	X(acked)		/* messages freed by ACKs */		\
	X(nack_ranges)		/* valid NACK ranges processed */	\
	X(nack_marked)		/* messages marked for resend by NACK */ \
	X(nack_guarded)		/* NACKed but sent within the guard */	\
	X(nack_bogus)		/* ranges malformed/clipped/too many */

struct hf_sw_tx_counters {
#define HF_SW_X(n) uint64_t n;
	HF_SW_TX_COUNTERS(HF_SW_X)
#undef HF_SW_X
};

enum hf_sw_bulk_state {
	HF_SW_BULK_IDLE,	/* no bulk since create/reset */
	HF_SW_BULK_RUNNING,	/* started, not ended */
	HF_SW_BULK_SENT,	/* ended, not all acked yet */
	HF_SW_BULK_DONE,	/* ended and all acked */
};

/**
 * struct hf_sw_tx_stats - sender snapshot (sync lag for `show ha`).
 * @last_sent: highest sequence transmitted at least once
 *	(first_seq - 1 before the first transmission).
 * @last_acked: cumulative ACK (first_seq - 1 before the first).
 * @next_seq: sequence the next push will get.
 * @depth: messages queued (@in_flight + @unsent).
 * @oldest_age_ns: now - push time of the oldest queued message, 0 when
 *	the queue is empty.
 * @rto_ns: current (backed-off) RTO.
 * @srtt_ns: smoothed RTT, 0 before the first sample.
 * @bulk_msgs, @bulk_acked: messages of the current/last bulk pushed
 *	so far, and acked so far.
 * @lag_hist: push-to-ACK latency of every acked message.
 */
struct hf_sw_tx_stats {
	uint64_t epoch;
	uint64_t last_sent;
	uint64_t last_acked;
	uint64_t next_seq;
	uint32_t depth;
	uint32_t in_flight;
	uint32_t unsent;
	uint32_t window;
	uint64_t oldest_age_ns;
	uint64_t rto_ns;
	uint64_t srtt_ns;
	bool resync_needed;
	enum hf_sw_bulk_state bulk;
	uint64_t bulk_first;
	uint64_t bulk_msgs;
	uint64_t bulk_acked;
	struct hf_sw_tx_counters cnt;
	uint64_t lag_hist[HF_SW_LAG_BUCKETS];
};

/**
 * hf_sw_tx_create() - allocate a sender and its resend queue.
 * @out: the new sender.
 * @cfg: parameters (see struct hf_sw_tx_config).
 * Return: 0, -EINVAL (epoch 0, max_msg > HF_SW_MSG_MAX, window >
 * HF_SW_CAP_MAX, rto_max_ns < rto_ns), -ENOMEM.
 */
int hf_sw_tx_create(struct hf_sw_tx **out, const struct hf_sw_tx_config *cfg);

/** hf_sw_tx_destroy() - free @tx (NULL is fine). */
void hf_sw_tx_destroy(struct hf_sw_tx *tx);

/**
 * hf_sw_tx_reset() - start a new incarnation in place: drop every queued
 * message, clear "resync needed" and the bulk state, continue at
 * @first_seq with @epoch. Counters and the lag histogram are kept.
 * Return: 0, or -EINVAL when @epoch is 0 or equals the current epoch
 * (the receiver would not notice the restart).
 */
int hf_sw_tx_reset(struct hf_sw_tx *tx, uint64_t epoch, uint64_t first_seq);

/** hf_sw_tx_space() - how many more messages can be queued now. */
uint32_t hf_sw_tx_space(const struct hf_sw_tx *tx);

/**
 * hf_sw_tx_push() - queue a copy of @data (@len bytes) as the next
 * message. On success *@seq (if non-NULL) is its sequence number.
 * Return: 0, -EMSGSIZE (@len > max_msg), -ENOBUFS (queue full: counted
 * in push_full, and "resync needed" is latched because the caller is
 * assumed to have lost this update; check hf_sw_tx_space() first to
 * apply back-pressure instead).
 */
int hf_sw_tx_push(struct hf_sw_tx *tx, const void *data, uint32_t len,
		  uint64_t now_ns, uint64_t *seq);

/**
 * hf_sw_tx_reserve() - zero-copy push, step 1: the buffer (max_msg
 * bytes) where the next message is to be encoded in place, and the
 * sequence it will get. Changes no state: reserving again returns the
 * same buffer; not committing cancels. The buffer is valid until the
 * next push, commit or reset.
 * Return: 0, or -ENOBUFS when the queue is full (nothing latched:
 * nothing was lost yet).
 */
int hf_sw_tx_reserve(struct hf_sw_tx *tx, uint8_t **buf, uint64_t *seq);

/**
 * hf_sw_tx_commit() - zero-copy push, step 2: queue the @len bytes
 * written to the reserved buffer as the next message.
 * Return: 0, -EMSGSIZE, -ENOBUFS (as hf_sw_tx_push()).
 */
int hf_sw_tx_commit(struct hf_sw_tx *tx, uint32_t len, uint64_t now_ns);

/**
 * hf_sw_tx_poll() - the messages to transmit now, at most @max: first
 * the ones marked for retransmission (NACK or RTO, which this call
 * checks), ascending, then never-sent ones in order. Each returned
 * message counts as transmitted at @now_ns. @out[i].data points into
 * the resend queue and stays valid until the next hf_sw_tx_ack(),
 * push, commit or reset.
 * Return: number of entries filled in @out.
 */
uint32_t hf_sw_tx_poll(struct hf_sw_tx *tx, uint64_t now_ns,
		       struct hf_sw_msg *out, uint32_t max);

/**
 * hf_sw_tx_deadline() - absolute time at which hf_sw_tx_poll() has
 * something to do: 0 if it has now (unsent or marked messages), the RTO
 * expiry of the oldest in-flight message, or UINT64_MAX when nothing is
 * in flight. For the caller's timerfd/poll timeout.
 */
uint64_t hf_sw_tx_deadline(const struct hf_sw_tx *tx);

/**
 * hf_sw_tx_ack() - process an ACK from the receiver. A valid one frees
 * every message up to @ack->cum (recording each push-to-ACK latency),
 * resets the RTO backoff and marks the NACKed messages for resend.
 * Invalid ones change nothing but a counter.
 * Return: number of messages freed (>= 0), -ESTALE (another epoch),
 * -EALREADY (cum behind what is already acked: a late ACK), -ERANGE
 * (cum beyond the last message sent).
 * NACK ranges that are reversed, reach at or below cum, or beyond the
 * last sent are clipped or skipped and counted in nack_bogus; the rest
 * of the ACK still counts.
 */
int hf_sw_tx_ack(struct hf_sw_tx *tx, const struct hf_sw_ack *ack,
		 uint64_t now_ns);

/** hf_sw_tx_needs_resync() - a push was refused since the last bulk. */
bool hf_sw_tx_needs_resync(const struct hf_sw_tx *tx);

/**
 * hf_sw_tx_bulk_start() - the next pushed message is the first of a
 * bulk sync; clears "resync needed".
 */
void hf_sw_tx_bulk_start(struct hf_sw_tx *tx);

/** hf_sw_tx_bulk_end() - the last pushed message was the bulk's last. */
void hf_sw_tx_bulk_end(struct hf_sw_tx *tx);

/** hf_sw_tx_stats() - snapshot of the sender at @now_ns. */
void hf_sw_tx_stats(const struct hf_sw_tx *tx, uint64_t now_ns,
		    struct hf_sw_tx_stats *st);

/**
 * hf_sw_lag_percentile_ns() - push-to-ACK latency below which
 * @permille / 1000 of the samples in @hist fall (990 = p99), as the
 * upper edge of the histogram bucket holding that sample.
 * Return: ns, 0 when @hist is empty.
 */
uint64_t hf_sw_lag_percentile_ns(const uint64_t hist[HF_SW_LAG_BUCKETS],
				 uint32_t permille);

/* ------------------------------------------------------------------ */
/* Receiver                                                           */
/* ------------------------------------------------------------------ */

struct hf_sw_rx;

/**
 * typedef hf_sw_deliver_fn - in-order delivery of one message. @data is
 * valid only during the call (it may be the caller's input buffer or a
 * reorder slot). The callback may call hf_sw_rx_stats(),
 * hf_sw_rx_needs_resync() and hf_sw_rx_bulk_start()/_end(), never
 * hf_sw_rx_input(), hf_sw_rx_reset() or hf_sw_rx_destroy().
 */
typedef void (*hf_sw_deliver_fn)(void *arg, uint64_t seq,
				 const uint8_t *data, uint32_t len);

/**
 * struct hf_sw_rx_config - receiver parameters; a zero field takes its
 * HF_SW_*_DEFAULT (@deliver is required).
 * @reorder: reorder buffer slots: a message at most @reorder - 1 ahead
 *	of the next expected one is held, a farther one is dropped.
 * @max_msg: largest payload accepted.
 * @ack_every: ACK after this many messages.
 * @max_nack: NACK ranges per ACK (<= HF_SW_NACK_MAX).
 * @ack_delay_ns: ACK at most this long after a message.
 * @nack_interval_ns: repeat the ACK this often while a gap is open.
 * @stale_epoch_ns: a remembered older epoch is dropped while the current
 *	one was heard less than this long ago, adopted again after.
 */
struct hf_sw_rx_config {
	uint32_t reorder;
	uint32_t max_msg;
	uint32_t ack_every;
	uint32_t max_nack;
	uint64_t ack_delay_ns;
	uint64_t nack_interval_ns;
	uint64_t stale_epoch_ns;
	hf_sw_deliver_fn deliver;
	void *arg;
};

/* Receiver event counters (monotonic). */
#define HF_SW_RX_COUNTERS(X)						\
	X(rx_msgs)		/* messages passed to hf_sw_rx_input() */ \
	X(in_order)		/* ... delivered at once */		\
	X(buffered)		/* ... held in the reorder buffer */	\
	X(dup)			/* ... duplicates, dropped */		\
	X(too_far)		/* ... beyond the reorder buffer */	\
	X(stale_epoch)		/* ... of a previous sender epoch */	\
	X(invalid)		/* ... epoch 0, base > seq, too long */	\
	X(delivered)		/* messages delivered (all paths) */	\
	X(epoch_changes)	/* new sender epochs adopted */		\
	X(skipped)		/* sequences skipped to the sender's base */ \
	X(acks)			/* ACKs built */			\
	X(nack_ranges)		/* NACK ranges in them */		\
	X(bulk_msgs)		/* delivered inside a bulk */		\
	X(bulks)		/* bulks ended */

struct hf_sw_rx_counters {
#define HF_SW_X(n) uint64_t n;
	HF_SW_RX_COUNTERS(HF_SW_X)
#undef HF_SW_X
};

/**
 * struct hf_sw_rx_stats - receiver snapshot.
 * @has_epoch: a sender epoch was adopted (else @epoch etc. are 0).
 * @last_delivered: highest sequence delivered in order (the "applied
 *	sequence" HA1 hellos carry).
 * @highest_seen: highest sequence received.
 * @reorder_depth: messages held in the reorder buffer.
 * @bulk_active: between hf_sw_rx_bulk_start() and _end().
 */
struct hf_sw_rx_stats {
	bool has_epoch;
	bool resync_needed;
	bool bulk_active;
	uint64_t epoch;
	uint64_t last_delivered;
	uint64_t highest_seen;
	uint32_t reorder_depth;
	struct hf_sw_rx_counters cnt;
};

/** enum hf_sw_rx_verdict - what hf_sw_rx_input() did with a message. */
enum hf_sw_rx_verdict {
	HF_SW_RX_DELIVERED,	/* in order: delivered (+ buffered followers) */
	HF_SW_RX_BUFFERED,	/* ahead of a gap: copied, held */
	HF_SW_RX_DUPLICATE,	/* delivered or held already: dropped */
	HF_SW_RX_TOO_FAR,	/* beyond the reorder buffer: dropped */
	HF_SW_RX_STALE_EPOCH,	/* from a previous sender epoch: dropped */
	HF_SW_RX_INVALID,	/* epoch 0, base > seq, len > max_msg */
};

/**
 * hf_sw_rx_create() - allocate a receiver and its reorder buffer. It
 * adopts the epoch of the first message it receives.
 * Return: 0, -EINVAL (no @deliver, a size above its maximum), -ENOMEM.
 */
int hf_sw_rx_create(struct hf_sw_rx **out, const struct hf_sw_rx_config *cfg);

/** hf_sw_rx_destroy() - free @rx (NULL is fine). */
void hf_sw_rx_destroy(struct hf_sw_rx *rx);

/**
 * hf_sw_rx_reset() - forget the stream (as after a restart of this
 * node): flush the reorder buffer; the next message's epoch is adopted
 * as new. Counters and the epoch history are kept.
 */
void hf_sw_rx_reset(struct hf_sw_rx *rx);

/**
 * hf_sw_rx_input() - one decoded data message (@msg->rexmit ignored).
 * Delivers through the callback whatever became in order.
 * Return: the verdict for @msg.
 */
enum hf_sw_rx_verdict hf_sw_rx_input(struct hf_sw_rx *rx,
				     const struct hf_sw_msg *msg,
				     uint64_t now_ns);

/**
 * hf_sw_rx_deadline() - absolute time at which an ACK is due: 0 when it
 * is due now, UINT64_MAX when none is pending.
 */
uint64_t hf_sw_rx_deadline(const struct hf_sw_rx *rx);

/** hf_sw_rx_ack_due() - an ACK is due at @now_ns. */
bool hf_sw_rx_ack_due(const struct hf_sw_rx *rx, uint64_t now_ns);

/**
 * hf_sw_rx_ack_build() - fill @ack with the current cumulative seq and
 * NACK ranges and restart the ACK timers. Callable any time (e.g. to
 * piggyback on a keepalive), not only when due.
 * Return: 0, or -ENODATA before the first message (no epoch yet).
 */
int hf_sw_rx_ack_build(struct hf_sw_rx *rx, uint64_t now_ns,
		       struct hf_sw_ack *ack);

/**
 * hf_sw_rx_needs_resync() - a new sender epoch was adopted, or the
 * receiver skipped sequences, since the last hf_sw_rx_bulk_start(): the
 * caller should request a bulk sync (and repeat the request until the
 * bulk starts).
 */
bool hf_sw_rx_needs_resync(const struct hf_sw_rx *rx);

/** hf_sw_rx_bulk_start() - a bulk begins; clears "resync needed". */
void hf_sw_rx_bulk_start(struct hf_sw_rx *rx);

/** hf_sw_rx_bulk_end() - the bulk in progress ended. */
void hf_sw_rx_bulk_end(struct hf_sw_rx *rx);

/** hf_sw_rx_stats() - snapshot of the receiver. */
void hf_sw_rx_stats(const struct hf_sw_rx *rx, struct hf_sw_rx_stats *st);

#endif /* HF_HA_SYNC_WINDOW_H */
