/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ha/dha.h - the dha thread: local health for HA. Three monitors feed
 * one verdict, which goes to ha_agent (hf_ha_agent_set_health()):
 *
 *  - link groups: up/down of the data ports from rtnetlink events
 *    (ha/linkmon.h, slot i = port i). A port going down is reported in
 *    the wake-up that reads its event (issue 4 target: link failure
 *    detected <= 20 ms). The kernel sends the event of an admin down at
 *    once, but a carrier change goes through its linkwatch work, which
 *    delivers the changes of devices that are not stacked on another
 *    (physical NICs; a veth whose peer has the same ifindex in another
 *    namespace) at most once a second, system-wide: a carrier loss can
 *    be reported up to a second late, and a shorter outage not at all.
 *    So the carrier of every watched port is also polled (ETHTOOL_GLINK,
 *    which reads the driver's carrier flag directly) every
 *    HF_DHA_CARRIER_POLL_MS, as bonding's miimon does: a loss seen by the
 *    poll marks the port down at once; the mark is cleared once the
 *    carrier has been back for the link monitor's up hold-down. (With
 *    drivers that use ethtool_op_get_link(), the poll also makes the
 *    kernel flush the device's pending linkwatch event, so the rtnetlink
 *    notification follows at once.) Measured on veth (test_dha): a
 *    carrier loss within linkwatch's second reached the agent in ~5 ms
 *    with the poll, ~920 ms without. The ioctl takes the RTNL lock: while
 *    another task holds it (a namespace teardown, a big netlink
 *    transaction), the dha thread waits in the poll, and its path rounds
 *    and liveness checks wait with it (a stall the liveness check does
 *    not blame on the workers, see below).
 *  - path groups: ICMP echo probes to each target every interval_ms,
 *    sent through the data ports by worker 0 (fwd/dataplane.h, struct
 *    hf_dp_probe). A probe not answered within its interval is a miss;
 *    `misses` misses in a row fail the target, one reply restores it.
 *  - dataplane liveness: every min(worker_stuck_ms / 4, 100) ms, each
 *    worker's loop counter (w->loops, its heartbeat) must have advanced
 *    within worker_stuck_ms, else the worker is stuck. A gap in dha's
 *    own checks longer than worker_stuck_ms (process or VM stopped)
 *    restarts the observation of the workers not yet stuck: nobody is
 *    blamed for a time nobody ran.
 *
 * A group fails when any member fails ("any") or when every member
 * fails ("all"); an empty group never fails. Verdict, by priority: a
 * failed link group (HF_HA_FAULT_LINK_GROUP), else a failed path group
 * (PATH_GROUP), else a stuck worker (DATAPLANE), else NONE. It is
 * reported to the agent, and logged, only when the fault or its detail
 * text changes; the detail names the first culprit and how many more
 * ("link group 'uplinks': port p0 (veth-a0) down"), and its figures are
 * frozen when the fault is found, so a persisting fault is one report.
 *
 * The verdict logic is pure (struct hf_dha_state, functions taking
 * now_ns, no I/O) so tests drive it with injected time; the thread wraps
 * it with the sockets: one epoll loop over the link monitor's netlink
 * socket (level-triggered), an absolute timerfd (next probe round,
 * liveness check, link hold-down) and an eventfd for stop.
 *
 * Concurrency: the dha thread alone runs the monitors and changes the
 * state, under d->lock so that hf_dha_status() (any thread, e.g. the
 * control thread for `show ha`) copies a consistent snapshot; the agent
 * is called after the lock is dropped. dha reads the workers' loop
 * counters and the probe reply slots with relaxed atomic loads and posts
 * probe requests on the SPSC ring of dp->probe (dha is its only
 * producer). It reads no RCU-protected table and does not register with
 * RCU.
 */
#ifndef HF_HA_DHA_H
#define HF_HA_DHA_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "control/config.h"
#include "ha/ha_state.h"
#include "ha/linkmon.h"

struct hf_dataplane;
struct hf_ha_agent;
struct hf_port;
struct hf_dha;		/* opaque: the thread */

#define HF_DHA_NEVER		UINT64_MAX	/* no timed work */
/* detail text; the agent keeps the first 63 characters */
#define HF_DHA_DETAIL_LEN	HF_HA_TEXT_LEN
#define HF_DHA_LIVE_PERIOD_MAX_MS 100u
#define HF_DHA_CARRIER_POLL_MS	5u	/* carrier poll of watched ports */
#define HF_DHA_TARGETS		(HF_HA_MAX_GROUPS * HF_HA_MAX_TARGETS)

/* A data port as the link monitor sees it (a copy, for show ha). */
struct hf_dha_port {
	char name[HF_PORT_NAME_MAX];
	char ifname[IF_NAMESIZE];
	bool watched;			/* in some link group */
	bool present;			/* the interface exists */
	bool up;			/* effective: lm_up and no carrier_lost */
	bool lm_up;			/* the link monitor's (debounced) */
	bool kernel_up;			/* the kernel's latest word */
	bool carrier_lost;		/* the carrier poll saw it down */
	uint64_t carrier_ok_ns;		/* carrier back since (lost only) */
	uint64_t carrier_losses;	/* marks set by the poll */
	uint64_t last_change_ns;	/* link monitor; 0: down since start */
	uint64_t transitions;		/* link monitor's changes */
};

struct hf_dha_link_group {
	char name[HF_NAME_MAX];
	uint32_t ports;			/* bit i = port i */
	bool all;
	bool failed;
};

struct hf_dha_target {
	uint32_t ip;			/* host order */
	uint32_t seq;			/* last probe sent; 0: none yet */
	bool outstanding;		/* seq waits for its verdict */
	uint64_t sent_ns;		/* when seq was posted */
	uint64_t sent;			/* probes posted */
	uint64_t replied;		/* answered within the interval */
	uint64_t missed;		/* not answered within it */
	uint32_t misses;		/* consecutive misses now */
	uint32_t rtt_us;		/* last reply's round trip */
	bool has_rtt;
	bool failed;			/* misses >= the group's misses */
	uint64_t failed_since_ns;
};

struct hf_dha_path_group {
	char name[HF_NAME_MAX];
	bool all;
	uint32_t interval_ms;
	uint32_t misses;
	uint32_t ntargets;
	struct hf_dha_target target[HF_HA_MAX_TARGETS];
	uint64_t next_ns;		/* next round: verdicts, new probes */
	bool failed;
};

struct hf_dha_live {
	uint64_t loops;			/* last value seen */
	uint64_t advanced_ns;		/* when it last moved (or the
					 * observation restarted) */
	bool stuck;
	uint32_t stuck_ms;		/* silent this long when found */
};

/*
 * Everything the verdict depends on. Built by hf_dha_state_init() from
 * the config, then changed only by the functions below.
 */
struct hf_dha_state {
	uint32_t nports;
	struct hf_dha_port port[HF_MAX_PORTS];
	uint32_t lm_mask;		/* hf_linkmon_up_mask() */
	uint32_t carrier_down;		/* bit i: port i carrier_lost */
	uint32_t up_mask;		/* effective: lm_mask & ~carrier_down */
	uint64_t carrier_period_ns;	/* 0: no carrier poll */
	uint64_t carrier_hold_ns;	/* back this long: mark cleared */
	uint64_t carrier_next_ns;	/* next poll */
	uint32_t nlink;
	struct hf_dha_link_group link[HF_HA_MAX_GROUPS];
	uint32_t npath;
	struct hf_dha_path_group path[HF_HA_MAX_GROUPS];
	uint32_t nworkers;
	uint64_t stuck_ns;		/* 0: liveness off */
	uint64_t live_period_ns;
	uint64_t live_next_ns;		/* next liveness check */
	uint64_t live_last_ns;		/* last one; 0: none yet */
	uint64_t live_gaps;		/* observations restarted */
	struct hf_dha_live live[HF_MAX_WORKERS];
	/* the verdict last reported */
	enum hf_ha_fault fault;
	char detail[HF_DHA_DETAIL_LEN];
	uint64_t verdict_ns;		/* when it was reached */
	uint64_t verdicts;		/* changes so far */
};

/* One probe to post (hf_dha_path_tick() output). */
struct hf_dha_req {
	uint16_t target;		/* hf_dha_target_slot() */
	uint32_t dst;			/* host order */
	uint32_t seq;			/* never 0 */
};

/*
 * Thread counters: X(name, help), monotonic since create.
 */
#define HF_DHA_COUNTERS(X)						\
	X(wakeups, "epoll wake-ups of the dha thread")			\
	X(link_wakeups, "wake-ups by the link monitor socket")		\
	X(link_changes, "port up/down changes the link monitor reported") \
	X(carrier_polls, "carrier polls of the watched ports")		\
	X(carrier_poll_errors, "carrier polls a port's driver refused")	\
	X(linkmon_errors, "link monitor socket failures")		\
	X(probes_posted, "probe requests handed to worker 0")		\
	X(probe_ring_full,						\
	  "probe requests refused: worker 0 is not draining its ring") \
	X(worker_wakes, "wake-ups of an idle worker 0 after posting")	\
	X(live_checks, "dataplane liveness checks")			\
	X(reports, "verdict changes reported to the agent")

enum hf_dha_counter {
#define HF_X_ENUM(n, h) HF_DHA_C_##n,
	HF_DHA_COUNTERS(HF_X_ENUM)
#undef HF_X_ENUM
	HF_DHA_C_MAX,
};

/*
 * What `show ha` prints about dha: a consistent copy.
 *  - verdict: st.fault (hf_ha_fault_name()), st.detail, st.verdict_ns;
 *  - link groups: st.link[0..nlink) (name, all, failed, ports), their
 *    member ports st.port[i] for each bit i of ports (name, ifname,
 *    up, kernel_up, present, last_change_ns, transitions);
 *  - path groups: st.path[0..npath) (name, all, interval_ms, misses,
 *    failed) and their targets (ip, sent, replied, missed, misses,
 *    rtt_us if has_rtt, failed);
 *  - workers: st.live[0..nworkers) (loops, stuck, stuck_ms) and
 *    hf_dha_live_silent_ms().
 */
struct hf_dha_status {
	struct hf_dha_state st;		/* groups, targets, workers,
					 * verdict */
	uint64_t now_ns;		/* when the copy was taken */
	bool running;			/* the thread runs */
	bool linkmon;			/* a link monitor is open */
	struct hf_linkmon_stats lm;	/* its counters (if open) */
	uint64_t counter[HF_DHA_C_MAX];
};

/**
 * hf_dha_live_silent_ms() - ms since worker @w's loop counter was last
 * seen to move, as of @st->now_ns (to within the check period).
 */
static inline uint64_t hf_dha_live_silent_ms(const struct hf_dha_status *st,
					     uint32_t w)
{
	uint64_t at = st->st.live[w].advanced_ns;

	return st->now_ns > at ? (st->now_ns - at) / 1000000u : 0;
}

/* ---- pure: the verdict logic (no I/O, no locks, injected time) ---- */

/**
 * hf_dha_state_init() - @s from the `ha` block @ha, the @nports data
 * ports @port (names only) and @nworkers workers, at @now_ns: links all
 * down until hf_dha_links_update() says otherwise (groups not evaluated
 * yet: not failed), targets not failed, the first probe round and
 * liveness check due at once, every worker last seen advancing at
 * @now_ns, verdict NONE. worker_stuck_ms 0 turns liveness off. With a
 * link group, the carrier poll runs every HF_DHA_CARRIER_POLL_MS (the
 * caller may set carrier_period_ns to 0 to turn it off) and its mark
 * is held for HF_LINKMON_UP_HOLD_MS_DEFAULT.
 * Return: 0, or -EINVAL (a link group names a port >= @nports, more
 * than HF_HA_MAX_GROUPS groups or HF_HA_MAX_TARGETS targets, a path
 * group with interval or misses 0, @nports > HF_MAX_PORTS, @nworkers >
 * HF_MAX_WORKERS).
 */
int hf_dha_state_init(struct hf_dha_state *s, const struct hf_cfg_ha *ha,
		      const struct hf_port *port, uint32_t nports,
		      uint32_t nworkers, uint64_t now_ns);

/**
 * hf_dha_links_update() - the link monitor's debounced @lm_mask: the
 * effective up mask (without the ports whose carrier the poll saw
 * lost), the ports' up flags and every link group's verdict
 * (hf_linkmon_group_failed()). Per-port details (present, kernel_up,
 * ...) are the caller's to copy into s->port[].
 */
void hf_dha_links_update(struct hf_dha_state *s, uint32_t lm_mask);

/**
 * hf_dha_carrier_due() - is a carrier poll due at @now_ns? Never when
 * no port is watched or s->carrier_period_ns is 0.
 */
bool hf_dha_carrier_due(const struct hf_dha_state *s, uint64_t now_ns);

/**
 * hf_dha_carrier_tick() - the results of a carrier poll at @now_ns:
 * @link[i] is 1 (carrier), 0 (no carrier, or admin down) or -1 (not
 * polled: not watched, or the driver cannot tell) for each of s->nports
 * ports. 0 marks the port down at once; the mark is cleared after
 * carrier_hold_ns of 1s, or at once by -1 (the link monitor alone
 * decides). Schedules the next poll.
 * Return: the ports whose effective state changed (bit per port).
 */
uint32_t hf_dha_carrier_tick(struct hf_dha_state *s, uint64_t now_ns,
			     const int8_t *link);

/**
 * hf_dha_path_tick() - the probe rounds due at @now_ns. For each group
 * whose round is due: the probe each target has outstanding is judged
 * against its reply slot (@reply[slot] == HF_DP_PROBE_REPLY(seq, rtt):
 * answered; anything else: a miss), the target's and the group's
 * failed flags are updated, and a new probe per target goes to @out.
 * The next round is one interval later (rounds missed by a late call
 * are skipped, not made up).
 * @reply: HF_DHA_TARGETS reply words, a snapshot of dp->probe->reply.
 * @out: room for HF_DHA_TARGETS requests.
 * Return: the number of requests written to @out.
 */
unsigned int hf_dha_path_tick(struct hf_dha_state *s, uint64_t now_ns,
			      const uint64_t *reply, struct hf_dha_req *out);

/**
 * hf_dha_live_check() - if the liveness check is due at @now_ns:
 * compare each worker's loop counter @loops[w] (s->nworkers values)
 * with the last one seen; a worker whose counter has not moved for
 * worker_stuck_ms is stuck, one that moves again is not.
 * Return: true if the check ran (it was due and liveness is on).
 */
bool hf_dha_live_check(struct hf_dha_state *s, const uint64_t *loops,
		       uint64_t now_ns);

/**
 * hf_dha_evaluate() - the verdict from the current state (link, then
 * path, then dataplane); when its fault or detail differs from the one
 * in @s, store it (with @now_ns) and return true: report it.
 */
bool hf_dha_evaluate(struct hf_dha_state *s, uint64_t now_ns);

/**
 * hf_dha_next_expiry() - the earliest timed work of @s (absolute ns):
 * a probe round, the liveness check or a carrier poll; HF_DHA_NEVER if
 * none.
 */
uint64_t hf_dha_next_expiry(const struct hf_dha_state *s);

/** hf_dha_target_slot() - the reply slot of target @t of path group @g. */
static inline uint16_t hf_dha_target_slot(uint32_t g, uint32_t t)
{
	return (uint16_t)(g * HF_HA_MAX_TARGETS + t);
}

/* ---- the thread ---- */

/**
 * hf_dha_create() - the monitors for the `ha` block of @dp's config
 * (dp->cfg->ha.present must be true): the link monitor (opened with the
 * ifindexes of dp->port[], initial dump done) if there is a link group,
 * the probe token and target addresses in dp->probe if there is a path
 * group, the epoll set. Call after the ports and workers exist
 * (dp->nports, dp->worker[], dp->nworkers), in the network namespace of
 * the data ports. Nothing runs yet.
 * @agent: where verdicts go; NULL: only logged and shown.
 * Return: 0 or -errno, with the reason in @err.
 */
int hf_dha_create(struct hf_dha **out, struct hf_dataplane *dp,
		  struct hf_ha_agent *agent, char *err, size_t errlen);

/**
 * hf_dha_start() - start the "dha" thread. It reports a fault that
 * already holds (a link group down at start) at once.
 * Return: 0 or -errno.
 */
int hf_dha_start(struct hf_dha *d);

/** hf_dha_stop() - stop and join the thread (not started: no-op). */
void hf_dha_stop(struct hf_dha *d);

/** hf_dha_destroy() - stop if needed, close the sockets, free @d. */
void hf_dha_destroy(struct hf_dha *d);

/**
 * hf_dha_status() - a consistent snapshot for `show ha` into @st. Any
 * thread; takes d->lock for a copy of a few KiB.
 */
void hf_dha_status(struct hf_dha *d, struct hf_dha_status *st);

/** hf_dha_counter_name() - "wakeups", ...; "?" if out of range. */
const char *hf_dha_counter_name(enum hf_dha_counter c);

/** hf_dha_counter_help() - one line about counter @c. */
const char *hf_dha_counter_help(enum hf_dha_counter c);

#endif /* HF_HA_DHA_H */
