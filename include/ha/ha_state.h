/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ha/ha_state.h - the HA1 election and state machine of one node of an
 * active/passive pair, as pure functions.
 *
 * Pure: no I/O, no threads, no clock reads. Every input is a function
 * taking the machine, the current CLOCK_MONOTONIC time in ns (now_ns)
 * and the input's data; it updates the machine and fills a
 * struct hf_ha_result saying whether the state changed and which
 * actions the caller must carry out (bitmask HF_HA_ACT_*). Timers are
 * absolute expiry times (keepalived "sands"); the caller sleeps until
 * hf_ha_next_expiry() and then calls hf_ha_tick(). cmocka drives every
 * transition (tests/unit/test_ha_state.c).
 *
 * Concurrency: a machine is owned by the HA thread, which alone calls
 * these functions; nothing here locks. `show ha` reads a copy (the
 * struct is plain data: a struct assignment snapshots it).
 *
 * Decisions (the reasons are in ha/ha_state.c next to the code):
 *
 * - Priority: a LOWER number is preferred, as in PAN-OS (0..UINT32_MAX,
 *   default 100). Election order between two nodes: healthy beats
 *   unhealthy, then the lower priority number, then the lower node id.
 *   Node ids of the two nodes differ, so the order is total and both
 *   nodes, given the same facts, compute the same winner.
 *
 * - Peer dead (missed heartbeats): every accepted hello re-arms
 *   peer_dead = rx time + misses x interval + interval / 2, where
 *   interval is the PEER's advertised hello interval (ours when it does
 *   not advertise one) and misses is ours (default 3, minimum 2). The
 *   peer is dead at the first tick with now >= peer_dead. With defaults:
 *   no hello for 350 ms. So N-1 lost hellos in a row never kill the
 *   peer (the N-th arrives at N x interval, before the deadline) and a
 *   single lost heartbeat never causes a failover (misses >= 2). The
 *   half-interval margin absorbs scheduling jitter of the sender.
 *
 * - Peer crash: the HA1 TCP connection ending without a goodbye
 *   (hf_ha_on_peer_lost()) and a clean goodbye (hf_ha_on_peer_goodbye())
 *   kill the peer at once. Hellos still in flight from that process
 *   (same incarnation) are then refused, so a stale ACTIVE hello cannot
 *   fake a split brain. A restarted peer has a new incarnation.
 *
 * - Initial wait: a starting node is INITIAL and listens for
 *   init_wait_ms (default: the dead timeout, 350 ms) before going
 *   ACTIVE alone. The first valid hello ends INITIAL at once: peer
 *   ACTIVE -> PASSIVE; peer unable to forward -> ACTIVE; otherwise the
 *   election decides.
 *
 * - Handover handshake (no timer on the path, never two actives while
 *   the HA link works): the ACTIVE steps down first (STOP_FORWARDING,
 *   then SEND_HELLO at once, carrying its new state); the PASSIVE
 *   becomes ACTIVE when that hello arrives and it is the one that should
 *   forward. Outage = one HA1 one-way delay. Used by admin failover, by
 *   preemption and by split-brain resolution. The caller should send
 *   those hellos over the HA1 connection reliably (or repeat them): a
 *   lost one costs at most one hello interval, never a dual active.
 *
 * - Admin failover (hf_ha_admin_failover(), on the ACTIVE only): it
 *   steps down at once and marks its hellos "yielding": a yielding node
 *   is not a candidate, so the PASSIVE peer takes over whatever the
 *   election says. Refused unless the peer is alive, PASSIVE, healthy
 *   and synced (no session loss). If the peer has not taken over within
 *   the dead timeout, the yielding node stops yielding and the election
 *   decides again (no outage without end). With preemption on, a
 *   preferred node takes the role back after the hold time (as PAN-OS);
 *   use suspend to keep it off.
 *
 * - Preemption (off by default; must be on at both nodes, each hello
 *   says it): a PASSIVE node that is healthy, SYNCED (its bulk sync
 *   from the active is complete: failback re-syncs before preempting)
 *   and preferred by the election over the healthy ACTIVE peer arms the
 *   hold timer (preempt_hold_ms, default 1000). If all of it still holds
 *   at expiry, its hellos carry "takeover"; the ACTIVE that agrees
 *   (preempt on, the peer passive, healthy, synced and preferred) steps
 *   down through the handshake above. Any condition failing during the
 *   hold disarms it; it starts over when they hold again. With
 *   preemption off the incumbent ACTIVE stays.
 *
 * - Split brain: both ACTIVE (the HA link was down, hellos return) is
 *   resolved by the election order alone. The loser goes PASSIVE
 *   (STOP_FORWARDING, SEND_HELLO, REQUEST_BULK_SYNC: its tables
 *   diverged); the winner stays ACTIVE and re-announces (ANNOUNCE +
 *   SEND_HELLO) once per split-brain episode. Which hello crosses
 *   first decides who detects it: if the winner's does, the loser steps
 *   down before the winner ever sees it ACTIVE. So an ACTIVE node also
 *   re-announces (reason PEER_RETURNED) when a peer it declared dead by
 *   missed heartbeats comes back with the same incarnation (the HA
 *   link healed; a restarted peer never forwarded). A spare burst of
 *   gratuitous ARPs costs nothing; a missing one strands traffic.
 *
 * - Non-functional: a local fault (link group, path group, dataplane
 *   stuck) moves INITIAL, PASSIVE or ACTIVE to NON-FUNCTIONAL (not
 *   forwarding; the peer sees it in the hello sent at once and takes
 *   over). Recovery goes to PASSIVE, never straight to ACTIVE: from
 *   PASSIVE the usual rules apply (no peer, or a peer that cannot
 *   forward -> ACTIVE; a healthy ACTIVE peer -> stay PASSIVE and bulk
 *   sync; preemption may follow once synced). A peer whose hello says
 *   ACTIVE but unhealthy counts as unable to forward (a PASSIVE takes
 *   over; the split-brain rule then agrees: healthy beats unhealthy).
 *   This machine never sends such a hello: a fault leaves ACTIVE first.
 *
 * - Flap: leaving ACTIVE for NON-FUNCTIONAL (a local fault) less than
 *   flap_window_ms after entering ACTIVE. Each flap increments a
 *   counter; leaving ACTIVE after a stay of flap_window_ms or more
 *   resets it, as does admin functional. The flap that brings the
 *   counter to flap_max (default 3; 0 = no limit) goes to SUSPENDED
 *   instead of NON-FUNCTIONAL, if the peer is alive: a node with no
 *   standby behind it keeps trying rather than suspend the only
 *   forwarder. Exits for other reasons (preempted, failover, split
 *   brain, suspend) are not flaps: they are not this node misbehaving.
 *
 * - Suspended: entered by admin suspend or the flap limit, left only by
 *   admin functional (to PASSIVE, or NON-FUNCTIONAL while unhealthy).
 *
 * - Local sync status: entering PASSIVE from any state but ACTIVE, and
 *   losing a split brain, clears `synced`; while PASSIVE, unsynced and
 *   the peer ACTIVE, the result asks once for REQUEST_BULK_SYNC; the
 *   caller reports completion with hf_ha_set_synced(). A node leaving
 *   ACTIVE cleanly (preempted, failover) was the sync source: it counts
 *   as synced.
 *
 * Actions: perform them in bit order: STOP_FORWARDING, START_FORWARDING
 * (tables are already hot: install before announce), ANNOUNCE
 * (gratuitous ARP / unsolicited NA), SEND_HELLO (build it with
 * hf_ha_hello_build() after the state change), REQUEST_BULK_SYNC.
 */
#ifndef HF_HA_HA_STATE_H
#define HF_HA_HA_STATE_H

#include <stdbool.h>
#include <stdint.h>

/* Numeric values are stable: they may travel in HA1 hellos. */
enum hf_ha_state {
	HF_HA_STATE_INITIAL = 0,	/* starting, listening for a peer */
	HF_HA_STATE_ACTIVE,		/* forwards, owns the virtual IPs */
	HF_HA_STATE_PASSIVE,		/* standby, tables kept hot */
	HF_HA_STATE_SUSPENDED,		/* admin or flap limit */
	HF_HA_STATE_NONFUNC,		/* local fault */
	HF_HA_STATE_MAX,
};

/*
 * Why a transition (or an event without one) happened. Append only:
 * show ha and logs print the names, tests compare them.
 */
enum hf_ha_reason {
	HF_HA_R_NONE = 0,
	HF_HA_R_START,			/* machine initialised */
	HF_HA_R_NO_PEER,		/* nobody heard: alone */
	HF_HA_R_PEER_ACTIVE,		/* peer already active */
	HF_HA_R_ELECTION,		/* election against a candidate */
	HF_HA_R_PEER_DEAD,		/* N heartbeats missed */
	HF_HA_R_PEER_CRASHED,		/* HA1 connection lost, no goodbye */
	HF_HA_R_PEER_GOODBYE,		/* peer stopped cleanly */
	HF_HA_R_PEER_NONFUNC,		/* peer non-functional */
	HF_HA_R_PEER_SUSPENDED,		/* peer suspended */
	HF_HA_R_PEER_UNHEALTHY,		/* peer reports a fault */
	HF_HA_R_PEER_YIELDED,		/* peer stepped down (failover) */
	HF_HA_R_PREEMPT,		/* we preempted after the hold */
	HF_HA_R_PREEMPTED,		/* active stepped down for peer */
	HF_HA_R_SPLIT_BRAIN,		/* both active: lost, or won */
	HF_HA_R_PEER_RETURNED,		/* peer back after link outage */
	HF_HA_R_LOCAL_FAULT,		/* local health failed */
	HF_HA_R_RECOVERED,		/* local health back */
	HF_HA_R_FLAP_LIMIT,		/* too many flaps: suspended */
	HF_HA_R_ADMIN_SUSPEND,
	HF_HA_R_ADMIN_FUNCTIONAL,
	HF_HA_R_ADMIN_FAILOVER,
	HF_HA_R_FAILOVER_TIMEOUT,	/* peer did not take over */
	HF_HA_R_MAX,
};

/* Local health verdict from dha; NONE = healthy. */
enum hf_ha_fault {
	HF_HA_FAULT_NONE = 0,
	HF_HA_FAULT_LINK_GROUP,		/* a link-monitor group failed */
	HF_HA_FAULT_PATH_GROUP,		/* a path-monitor group failed */
	HF_HA_FAULT_DATAPLANE,		/* a worker stopped heartbeating */
	HF_HA_FAULT_OTHER,
	HF_HA_FAULT_MAX,
};

/* Actions for the caller, in the order to perform them. */
#define HF_HA_ACT_STOP_FORWARDING	0x01u
#define HF_HA_ACT_START_FORWARDING	0x02u
#define HF_HA_ACT_ANNOUNCE		0x04u	/* gratuitous ARP / NA */
#define HF_HA_ACT_SEND_HELLO		0x08u	/* send a hello now */
#define HF_HA_ACT_REQUEST_BULK_SYNC	0x10u	/* ask the active for all */

/* Parameter defaults and limits (ms unless said). */
#define HF_HA_PRIORITY_DEFAULT		100u
#define HF_HA_HELLO_MS_DEFAULT		100u
#define HF_HA_HELLO_MS_MIN		10u
#define HF_HA_HELLO_MS_MAX		60000u
#define HF_HA_MISSES_DEFAULT		3u
#define HF_HA_MISSES_MIN		2u	/* 1 would fail over on one loss */
#define HF_HA_MISSES_MAX		100u
#define HF_HA_HOLD_MS_DEFAULT		1000u
#define HF_HA_HOLD_MS_MAX		3600000u
#define HF_HA_FLAP_MAX_DEFAULT		3u
#define HF_HA_FLAP_WINDOW_MS_DEFAULT	60000u
#define HF_HA_FLAP_WINDOW_MS_MAX	86400000u
#define HF_HA_INIT_WAIT_MS_MAX		600000u

#define HF_HA_NEVER	UINT64_MAX	/* a disarmed timer */
#define HF_HA_TEXT_LEN	128

/*
 * Configuration of one node. Fill with hf_ha_params_default(), then set
 * node_id, incarnation and what the config file says.
 */
struct hf_ha_params {
	uint32_t node_id;		/* differs from the peer's */
	uint32_t priority;		/* LOWER number = preferred */
	bool preempt;			/* default off */
	uint32_t preempt_hold_ms;	/* conditions must hold this long */
	uint32_t hello_interval_ms;	/* 10..60000, default 100 */
	uint32_t dead_misses;		/* 2..100, default 3 */
	uint32_t flap_max;		/* flaps before suspend; 0 = never */
	uint32_t flap_window_ms;	/* see "Flap" above */
	uint32_t init_wait_ms;		/* 0 = dead timeout (350 ms) */
	uint64_t incarnation;		/* nonzero, new at each process start */
};

/* Election input: what decides which of two nodes should be active. */
struct hf_ha_candidate {
	uint32_t node_id;
	uint32_t priority;
	bool healthy;
};

/*
 * One HA1 hello, as built by hf_ha_hello_build() and as received.
 * state is the raw wire value: hf_ha_on_hello() validates it.
 */
struct hf_ha_hello {
	uint32_t node_id;
	uint32_t priority;
	uint32_t state;			/* enum hf_ha_state, unchecked */
	bool healthy;			/* local health verdict (dha) */
	bool preempt;			/* sender has preemption on */
	bool synced;			/* sender's bulk sync is complete */
	bool takeover;			/* passive asks the active to step down */
	bool yielding;			/* stepped down by admin failover */
	uint32_t interval_ms;		/* sender's hello interval; 0 = ours */
	uint64_t incarnation;		/* sender's process incarnation, != 0 */
	uint32_t seq;			/* +1 per hello within an incarnation */
};

/* What the machine knows about the peer (for decisions and show ha). */
struct hf_ha_peer {
	bool known;			/* a hello was ever accepted */
	bool alive;			/* heard, not dead, crashed or gone */
	uint32_t node_id;
	uint32_t priority;
	enum hf_ha_state state;
	bool healthy;
	bool preempt;
	bool synced;
	bool takeover;
	bool yielding;
	uint32_t interval_ms;		/* effective (advertised or ours) */
	uint64_t incarnation;
	uint32_t seq;
	uint64_t last_rx_ns;
	bool split_brain;		/* both active seen, not yet over */
	bool lost_valid;		/* lost_incarnation is dead */
	uint64_t lost_incarnation;	/* refused: that process is gone */
	enum hf_ha_reason lost_reason;	/* why the peer is not alive */
	char lost_text[HF_HA_TEXT_LEN];
};

struct hf_ha_transition {
	enum hf_ha_state from;
	enum hf_ha_state to;
	enum hf_ha_reason reason;
	uint64_t at_ns;
	char text[HF_HA_TEXT_LEN];	/* e.g. "peer dead: 3 heartbeats missed" */
};

/* Absolute expiry times (CLOCK_MONOTONIC ns); HF_HA_NEVER = disarmed. */
struct hf_ha_timers {
	uint64_t hello_ns;		/* next periodic hello */
	uint64_t init_wait_ns;		/* INITIAL: go active alone */
	uint64_t peer_dead_ns;		/* no hello until then: peer dead */
	uint64_t preempt_ns;		/* preemption hold ends */
	uint64_t yield_ns;		/* failover not taken: stop yielding */
};

/*
 * The machine. Callers read it (show ha) but change it only through
 * the functions below.
 */
struct hf_ha {
	struct hf_ha_params params;
	enum hf_ha_state state;
	uint64_t state_since_ns;
	uint64_t active_since_ns;	/* last entry into ACTIVE */

	/* local inputs */
	enum hf_ha_fault fault;		/* NONE = healthy */
	char fault_detail[HF_HA_TEXT_LEN / 2];
	bool synced;			/* bulk sync from the active done */
	bool bulk_requested;		/* REQUEST_BULK_SYNC already asked */
	bool takeover_req;		/* preempt hold over: asking peer */
	bool yielding;			/* stepped down by admin failover */

	struct hf_ha_peer peer;
	struct hf_ha_timers timers;

	uint32_t flaps;			/* see "Flap" */
	uint32_t tx_seq;		/* last hello sequence built */
	struct hf_ha_transition last;	/* last transition */
	uint64_t transitions;		/* number of transitions */
	uint64_t hellos_rx;		/* accepted */
	uint64_t hellos_rejected;	/* refused by hf_ha_on_hello() */
	uint64_t split_brains;		/* episodes seen */
};

/* What one input changed and what the caller must do. */
struct hf_ha_result {
	enum hf_ha_state from;		/* state before the input */
	enum hf_ha_state to;		/* state after it */
	unsigned int transitions;	/* 0 = unchanged; 2 = e.g. NF->P->A */
	enum hf_ha_reason reason;	/* last transition's, or the event's */
	uint32_t actions;		/* HF_HA_ACT_* */
};

/** hf_ha_state_name() - "initial", "active", ...; "?" if out of range. */
const char *hf_ha_state_name(enum hf_ha_state s);

/** hf_ha_reason_name() - "peer-dead", "preempt", ...; "?" if unknown. */
const char *hf_ha_reason_name(enum hf_ha_reason r);

/** hf_ha_fault_name() - "none", "link-group", ...; "?" if unknown. */
const char *hf_ha_fault_name(enum hf_ha_fault f);

/**
 * hf_ha_state_is_forwarding() - does a node in state @s forward traffic
 * and answer ARP for the virtual addresses? Only ACTIVE does.
 */
bool hf_ha_state_is_forwarding(enum hf_ha_state s);

/**
 * hf_ha_params_default() - fill @p with the defaults: priority 100,
 * preemption off, hold 1000 ms, hello 100 ms, 3 misses, flap limit 3 in
 * 60 s, initial wait = dead timeout. node_id 0 and incarnation 0 must
 * be set by the caller (incarnation 0 is invalid).
 */
void hf_ha_params_default(struct hf_ha_params *p);

/**
 * hf_ha_params_validate() - check @p against the limits above.
 * Return: 0, -ERANGE for a value out of its range, -EINVAL for a zero
 * incarnation.
 */
int hf_ha_params_validate(const struct hf_ha_params *p);

/**
 * hf_ha_dead_timeout_ns() - how long without a hello before a peer
 * sending every @interval_ms is dead after @misses misses:
 * (misses x interval + interval / 2) ms, in ns.
 */
uint64_t hf_ha_dead_timeout_ns(uint32_t interval_ms, uint32_t misses);

/**
 * hf_ha_compare() - election order between candidates @a and @b:
 * healthy first, then the lower priority number, then the lower id.
 * Return: < 0 if @a should be active, > 0 if @b, 0 if identical.
 */
int hf_ha_compare(const struct hf_ha_candidate *a,
		  const struct hf_ha_candidate *b);

/**
 * hf_ha_init() - start machine @ha in INITIAL at @now_ns with params
 * @p (copied), healthy and not synced; arms the initial wait and asks
 * for a first hello (SEND_HELLO). Report a known fault right after with
 * hf_ha_set_health().
 * Return: 0, or the error of hf_ha_params_validate() (@ha untouched).
 */
int hf_ha_init(struct hf_ha *ha, const struct hf_ha_params *p,
	       uint64_t now_ns, struct hf_ha_result *res);

/**
 * hf_ha_reconfigure() - apply new params @p (config reload) without a
 * restart; the state is kept and re-evaluated (a priority or preemption
 * change may arm preemption). New timer values apply from their next
 * arming.
 * Return: 0, a hf_ha_params_validate() error, or -EINVAL if node_id or
 * incarnation differ from the running ones (those need a restart).
 */
int hf_ha_reconfigure(struct hf_ha *ha, const struct hf_ha_params *p,
		      uint64_t now_ns, struct hf_ha_result *res);

/**
 * hf_ha_on_hello() - hello @h received from the peer at @now_ns.
 * Refreshes the peer's view and dead timer, then decides (INITIAL ends,
 * takeover, preemption, split brain, ...). The first hello of a peer
 * (new or back from dead) asks for a hello back at once. A live peer
 * with a new incarnation restarted unnoticed: handled as a crash first
 * (reason PEER_CRASHED). A peer back from a heartbeat death with the
 * same incarnation makes an ACTIVE node re-announce (PEER_RETURNED).
 * Rejected hellos change nothing, not even the peer's liveness.
 * Return: 0, or the hello is ignored (counted in hellos_rejected,
 * @res says nothing changed):
 *   -ELOOP     our own node id (looped back, or duplicate ids);
 *   -EPROTO    state out of range, or incarnation 0;
 *   -ERANGE    advertised interval not 0 and outside 10..60000 ms;
 *   -EEXIST    another node id while the current peer is alive;
 *   -ESHUTDOWN from an incarnation that crashed or said goodbye;
 *   -ESTALE    sequence not newer than the last accepted one.
 */
int hf_ha_on_hello(struct hf_ha *ha, uint64_t now_ns,
		   const struct hf_ha_hello *h, struct hf_ha_result *res);

/**
 * hf_ha_tick() - timers at @now_ns: peer dead (missed heartbeats),
 * initial wait, preemption hold, failover yield timeout, and the
 * periodic hello (SEND_HELLO every hello_interval_ms). Call it when
 * hf_ha_next_expiry() has passed; extra calls are harmless.
 * Return: 0.
 */
int hf_ha_tick(struct hf_ha *ha, uint64_t now_ns, struct hf_ha_result *res);

/**
 * hf_ha_on_peer_lost() - the HA1 connection to the peer ended without
 * a goodbye: the peer process crashed. Dead at once; a PASSIVE node
 * takes over immediately. No-op if the peer is not alive.
 * Return: 0.
 */
int hf_ha_on_peer_lost(struct hf_ha *ha, uint64_t now_ns,
		       struct hf_ha_result *res);

/**
 * hf_ha_on_peer_goodbye() - the peer said goodbye (clean stop): gone at
 * once, like hf_ha_on_peer_lost() with reason PEER_GOODBYE.
 * Return: 0.
 */
int hf_ha_on_peer_goodbye(struct hf_ha *ha, uint64_t now_ns,
			  struct hf_ha_result *res);

/**
 * hf_ha_set_health() - local health verdict from dha: @fault NONE =
 * healthy, else what failed, with an optional @detail ("eth1 down",
 * may be NULL; copied, truncated). A fault moves INITIAL, PASSIVE and
 * ACTIVE to NON-FUNCTIONAL (or SUSPENDED at the flap limit); recovery
 * moves NON-FUNCTIONAL to PASSIVE. SUSPENDED only records it.
 * Return: 0, or -EINVAL for a fault out of range.
 */
int hf_ha_set_health(struct hf_ha *ha, uint64_t now_ns,
		     enum hf_ha_fault fault, const char *detail,
		     struct hf_ha_result *res);

/**
 * hf_ha_set_synced() - local session sync status from dssd: @synced
 * true once the bulk sync from the active peer is complete, false when
 * the sync is broken and needs a new bulk sync. May arm preemption.
 * Return: 0.
 */
int hf_ha_set_synced(struct hf_ha *ha, uint64_t now_ns, bool synced,
		     struct hf_ha_result *res);

/**
 * hf_ha_admin_suspend() - `hafwctl ha suspend`: go SUSPENDED from any
 * state (an ACTIVE stops forwarding, its peer takes over on the hello).
 * Return: 0 (also when already suspended: nothing changes).
 */
int hf_ha_admin_suspend(struct hf_ha *ha, uint64_t now_ns,
			struct hf_ha_result *res);

/**
 * hf_ha_admin_functional() - `hafwctl ha functional`: leave SUSPENDED
 * for PASSIVE (NON-FUNCTIONAL if unhealthy) and reset the flap counter.
 * Return: 0 (also when not suspended: nothing changes).
 */
int hf_ha_admin_functional(struct hf_ha *ha, uint64_t now_ns,
			   struct hf_ha_result *res);

/**
 * hf_ha_admin_failover() - `hafwctl ha failover` on the ACTIVE node:
 * step down to PASSIVE at once, yielding to the peer (no timer).
 * Return: 0, or nothing changes and:
 *   -EINVAL   this node is not ACTIVE;
 *   -ENOTCONN the peer is not alive;
 *   -EBUSY    the peer is not PASSIVE, or not healthy;
 *   -EAGAIN   the peer's bulk sync is not complete (sessions would
 *             be lost); retry when show ha says it is synced.
 */
int hf_ha_admin_failover(struct hf_ha *ha, uint64_t now_ns,
			 struct hf_ha_result *res);

/**
 * hf_ha_hello_build() - fill @h with the hello to send now: our id,
 * priority, state, health, preempt, synced, takeover and yielding
 * flags, interval, incarnation and the next sequence number (the only
 * change to @ha).
 */
void hf_ha_hello_build(struct hf_ha *ha, struct hf_ha_hello *h);

/**
 * hf_ha_next_expiry() - the earliest armed timer of @ha (absolute ns):
 * the caller sleeps until then and calls hf_ha_tick(). The hello timer
 * is always armed, so this is never HF_HA_NEVER after hf_ha_init().
 */
uint64_t hf_ha_next_expiry(const struct hf_ha *ha);

#endif /* HF_HA_HA_STATE_H */
