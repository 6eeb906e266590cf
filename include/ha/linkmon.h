/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ha/linkmon.h - dha link monitor: up/down state of the data ports from
 * rtnetlink link events, with a full re-dump on overrun.
 *
 * A monitor watches a fixed list of ifindexes; slot i is data port i, so
 * hf_linkmon_up_mask() lines up with the port bitmask of a link group
 * (struct hf_cfg_ha_group.ports) and hf_linkmon_group_failed() turns it
 * into a verdict for hf_ha_set_health().
 *
 * No thread of its own: the owner (the dha thread) puts hf_linkmon_fd()
 * in its epoll set (level-triggered, EPOLLIN), calls hf_linkmon_process()
 * when it is readable, and sleeps no longer than hf_linkmon_next_expiry()
 * (an up hold-down, or the retry of a dump request the kernel refused),
 * calling hf_linkmon_process() when it passes. Edge-triggered epoll is
 * not supported: a call reads at most reads_per_wakeup datagrams and
 * leaves the rest for the next wakeup, so the loop is never starved by
 * a netlink storm. Sketch:
 *
 *	before = hf_linkmon_up_mask(m);
 *	hf_linkmon_process(m, hf_now_ns());
 *	if (hf_linkmon_up_mask(m) != before)
 *		for each link group g:
 *			hf_linkmon_group_failed(mask, g->ports, g->all)
 *		-> hf_ha_set_health(ha, now, HF_HA_FAULT_LINK_GROUP or NONE)
 *
 * Socket: NETLINK_ROUTE, non-blocking, close-on-exec, bound to
 * RTMGRP_LINK, with a large receive buffer (SO_RCVBUFFORCE, falling back
 * to SO_RCVBUF when not privileged). Only datagrams from the kernel
 * (sender nl_pid == 0) are parsed; others are counted and dropped. The
 * socket lives in the network namespace of the thread that opens it.
 *
 * Overrun: when the kernel drops notifications (recvmsg() fails with
 * ENOBUFS, an NLMSG_OVERRUN, a truncated datagram, a malformed message
 * or a dump marked NLM_F_DUMP_INTR) the monitor no longer knows the
 * truth, so it dumps all links again (RTM_GETLINK) and reconciles: every
 * message, dump reply or event, is a full snapshot of one link and is
 * applied in socket order, and a watched link absent from a complete
 * dump is down (its RTM_DELLINK was lost). A flap that began and ended
 * inside the lost window is not seen; the final state always is.
 *
 * Up: a link is up when IFF_UP (admin) and IFF_LOWER_UP (carrier) are
 * set in ifi_flags and IFLA_OPERSTATE, when present, is UP or UNKNOWN
 * (drivers without operstate support report UNKNOWN). DOWN,
 * LOWERLAYERDOWN, NOTPRESENT, DORMANT and TESTING are down: none of them
 * passes data traffic. RTM_DELLINK is down. Messages of another family
 * (AF_BRIDGE port notifications, whose RTM_DELLINK only means "left the
 * bridge") are ignored.
 *
 * Debounce: a link going down is reported at once, in the call that
 * reads the event (issue 4 target: link failure detected <= 20 ms). A
 * link coming up is reported only after it stayed up for up_hold_ms
 * (default HF_LINKMON_UP_HOLD_MS_DEFAULT); going down during the hold
 * cancels it. So a flapping link costs one failover, not one per bounce;
 * the HA state machine's flap limit handles the rest. The state read by
 * the initial dump of hf_linkmon_open() is taken as is, without a hold.
 *
 * Concurrency: a monitor belongs to one thread (dha), which alone calls
 * these functions; nothing here locks. Readers elsewhere (show ha) get
 * copies from that thread.
 */
#ifndef HF_HA_LINKMON_H
#define HF_HA_LINKMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HF_LINKMON_MAX_SLOTS		32u	/* bits of an up mask */
#define HF_LINKMON_UP_HOLD_MS_DEFAULT	100u
#define HF_LINKMON_UP_HOLD_MS_MAX	600000u
#define HF_LINKMON_READS_DEFAULT	16u	/* recvmsg() per process call */
#define HF_LINKMON_READS_MAX		1024u
#define HF_LINKMON_RCVBUF_DEFAULT	(4u << 20)	/* bytes */
#define HF_LINKMON_OPEN_TIMEOUT_MS	5000u	/* initial dump */

#define HF_LINKMON_NEVER	UINT64_MAX	/* no hold-down pending */
#define HF_LINKMON_OPER_NONE	0xffu	/* no IFLA_OPERSTATE seen yet */

struct hf_linkmon;	/* opaque */

/* Tunables. Fill with hf_linkmon_params_default(), then override. */
struct hf_linkmon_params {
	uint32_t up_hold_ms;		/* 0..600000: up reported after this */
	uint32_t reads_per_wakeup;	/* 1..1024 recvmsg() per process */
	uint32_t rcvbuf;		/* socket receive buffer, bytes; the
					 * kernel doubles it and applies its
					 * minimum (tests shrink it to force
					 * ENOBUFS) */
};

/*
 * Counters, monotonic from open. X-macro so a CLI prints every one
 * without a second list.
 *   datagrams        recvmsg() results or buffers parsed
 *   messages         netlink messages parsed from the kernel
 *   link_msgs        RTM_NEWLINK / RTM_DELLINK applied to a watched slot
 *   unknown_ifindex  link messages for an ifindex not watched
 *   ignored          other families and message types
 *   foreign          datagrams not from the kernel (nl_pid != 0), dropped
 *   malformed        messages or datagrams with bad lengths (re-dump)
 *   truncated        datagrams cut by MSG_TRUNC (re-dump)
 *   overruns         ENOBUFS from recvmsg() or NLMSG_OVERRUN (re-dump)
 *   redumps          RTM_GETLINK dumps sent after the initial one
 *   dumps_done       dumps completed and reconciled (initial included)
 *   dump_errors      dumps refused or failed (retried)
 *   recv_errors      recvmsg() failures other than EAGAIN and ENOBUFS
 *   transitions      reported up/down changes, all slots
 */
#define HF_LINKMON_COUNTERS(X) X(datagrams) X(messages) X(link_msgs)	\
	X(unknown_ifindex) X(ignored) X(foreign) X(malformed) X(truncated) \
	X(overruns) X(redumps) X(dumps_done) X(dump_errors) X(recv_errors) \
	X(transitions)

struct hf_linkmon_stats {
#define HF_LINKMON_X(n) uint64_t n;
	HF_LINKMON_COUNTERS(HF_LINKMON_X)
#undef HF_LINKMON_X
};

/* What the monitor knows about one watched link (a copy). */
struct hf_linkmon_slot {
	int ifindex;
	char ifname[16];		/* IFLA_IFNAME last seen, or "" */
	bool present;			/* exists (not deleted, seen in dumps) */
	bool up;			/* reported, debounced */
	bool kernel_up;			/* the kernel's latest word, raw */
	uint32_t flags;			/* ifi_flags last seen (IFF_*) */
	uint8_t operstate;		/* IF_OPER_*, or HF_LINKMON_OPER_NONE */
	uint64_t last_change_ns;	/* reported state since; 0: down from the start */
	uint64_t last_event_ns;		/* last message about this link */
	uint64_t transitions;		/* reported up/down changes */
	uint64_t up_at_ns;		/* hold-down expiry, or NEVER */
};

/**
 * hf_linkmon_params_default() - fill @p with the defaults: up hold
 * 100 ms, 16 reads per wakeup, 4 MiB receive buffer.
 */
void hf_linkmon_params_default(struct hf_linkmon_params *p);

/**
 * hf_linkmon_create() - a monitor without a socket, for the pure API
 * (hf_linkmon_parse(), hf_linkmon_tick(); tests). Every slot starts
 * absent and down. hf_linkmon_fd() is -1 and hf_linkmon_process()
 * returns -ENOTCONN.
 * @out: the new monitor, set only on success.
 * @ifindex: @n interface indexes, slot i = @ifindex[i]; > 0, distinct.
 * @n: 1..HF_LINKMON_MAX_SLOTS.
 * @p: tunables, NULL for the defaults (copied).
 * Return: 0, -EINVAL (bad @n, ifindex or duplicate), -ERANGE (a
 * tunable out of its range), -ENOMEM.
 */
int hf_linkmon_create(struct hf_linkmon **out, const int *ifindex,
		      uint32_t n, const struct hf_linkmon_params *p);

/**
 * hf_linkmon_open() - hf_linkmon_create() plus the netlink socket, and
 * the initial RTM_GETLINK dump done synchronously (at most
 * HF_LINKMON_OPEN_TIMEOUT_MS), so the state is known when it returns.
 * A watched ifindex that does not exist is absent and down. Opens in
 * the calling thread's network namespace.
 * Return: 0, a hf_linkmon_create() error, -ETIMEDOUT (the dump did not
 * complete) or the -errno of socket(), bind(), sendto() or recvmsg().
 */
int hf_linkmon_open(struct hf_linkmon **out, const int *ifindex,
		    uint32_t n, const struct hf_linkmon_params *p);

/** hf_linkmon_close() - close the socket and free @m (NULL is fine). */
void hf_linkmon_close(struct hf_linkmon *m);

/** hf_linkmon_fd() - the socket for epoll (EPOLLIN, level), or -1. */
int hf_linkmon_fd(const struct hf_linkmon *m);

/**
 * hf_linkmon_process() - read at most reads_per_wakeup datagrams from
 * the socket and apply them; on an overrun start a re-dump (or queue one
 * behind the dump in progress); then apply expired hold-downs
 * (hf_linkmon_tick()). Never blocks.
 * @now_ns: CLOCK_MONOTONIC time, stamped on the changes.
 * Return: the number of slot up/down changes reported by this call
 * (0 when nothing changed), or -errno on a socket failure other than
 * EAGAIN/EINTR/ENOBUFS (changes read before it still apply: a caller
 * that logs what changed compares hf_linkmon_up_mask() before and
 * after), -ENOTCONN without a socket.
 */
int hf_linkmon_process(struct hf_linkmon *m, uint64_t now_ns);

/**
 * hf_linkmon_parse() - apply one netlink datagram (pure: no I/O).
 * hf_linkmon_process() calls it for each datagram read; tests feed
 * crafted ones. Never reads outside [@buf, @buf + @len), any alignment.
 * A message with a bad length ends the datagram (the rest cannot be
 * framed); a link message with bad attributes is not applied. Both
 * count as malformed and ask for a re-dump.
 * @nl_pid: the sender's port id (sockaddr_nl.nl_pid); not 0: the whole
 * datagram is dropped and counted as foreign.
 * @now_ns: CLOCK_MONOTONIC time of reception.
 * Return: the number of slot up/down changes reported, >= 0.
 */
int hf_linkmon_parse(struct hf_linkmon *m, const void *buf, size_t len,
		     uint32_t nl_pid, uint64_t now_ns);

/**
 * hf_linkmon_tick() - report the links whose up hold-down expired at
 * @now_ns (pure). Extra calls are harmless.
 * Return: the number of slots that went up.
 */
int hf_linkmon_tick(struct hf_linkmon *m, uint64_t now_ns);

/**
 * hf_linkmon_next_expiry() - when hf_linkmon_process() has timed work
 * (absolute CLOCK_MONOTONIC ns): the earliest up hold-down, or the
 * retry of a refused dump request (10 ms after the refusal); else
 * HF_LINKMON_NEVER. The owner's poll timeout.
 */
uint64_t hf_linkmon_next_expiry(const struct hf_linkmon *m);

/**
 * hf_linkmon_request_dump() - ask for a full re-dump and reconcile (the
 * same path as an overrun), e.g. as a periodic safety net. Queued if a
 * dump is in progress. Without a socket only the bookkeeping is done:
 * the dump counts as in progress under hf_linkmon_dump_seq() and tests
 * feed its replies to hf_linkmon_parse().
 * Return: 0, or the -errno of sendto() (the request stays queued and is
 * retried by the next hf_linkmon_process()).
 */
int hf_linkmon_request_dump(struct hf_linkmon *m);

/**
 * hf_linkmon_dump_seq() - nlmsg_seq of the dump in progress, 0 if none.
 */
uint32_t hf_linkmon_dump_seq(const struct hf_linkmon *m);

/**
 * hf_linkmon_dump_pending() - a dump is in progress or queued: the state
 * may be stale until it completes.
 */
bool hf_linkmon_dump_pending(const struct hf_linkmon *m);

/** hf_linkmon_nslots() - the number of watched links. */
uint32_t hf_linkmon_nslots(const struct hf_linkmon *m);

/** hf_linkmon_up() - slot @slot is up (debounced); false out of range. */
bool hf_linkmon_up(const struct hf_linkmon *m, uint32_t slot);

/** hf_linkmon_up_mask() - bit i set: slot i is up (debounced). */
uint32_t hf_linkmon_up_mask(const struct hf_linkmon *m);

/**
 * hf_linkmon_slot_get() - copy what is known about slot @slot to @out.
 * Return: 0, or -EINVAL if @slot is out of range.
 */
int hf_linkmon_slot_get(const struct hf_linkmon *m, uint32_t slot,
			struct hf_linkmon_slot *out);

/** hf_linkmon_stats() - the counters of @m (valid until close). */
const struct hf_linkmon_stats *hf_linkmon_stats(const struct hf_linkmon *m);

/**
 * hf_linkmon_rcvbuf() - the socket receive buffer the kernel granted
 * (getsockopt SO_RCVBUF, i.e. doubled), or 0 without a socket. Less than
 * twice the requested size: SO_RCVBUFFORCE was refused and rmem_max
 * capped it.
 */
uint32_t hf_linkmon_rcvbuf(const struct hf_linkmon *m);

/**
 * hf_linkmon_group_failed() - link-group verdict (pure).
 * @up_mask: hf_linkmon_up_mask().
 * @group_ports: the group's member ports (bit i = port/slot i).
 * @all: false ("any"): the group fails when any member is down;
 *       true ("all"): it fails only when every member is down.
 * Return: true if the group failed. An empty group never fails.
 */
bool hf_linkmon_group_failed(uint32_t up_mask, uint32_t group_ports,
			     bool all);

#endif /* HF_HA_LINKMON_H */
