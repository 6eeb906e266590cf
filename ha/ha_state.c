// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ha_state.c - HA1 election and state machine (see ha/ha_state.h for
 * the rules and the reasons behind them).
 *
 * Shape: each input first updates the facts (peer view, local health,
 * sync status, timers), then decide() applies the rules of the current
 * state until the state stops changing (a few hops at most, e.g.
 * NON-FUNCTIONAL -> PASSIVE -> ACTIVE on recovery with no peer).
 * finish() derives the forwarding actions from the states before and
 * after the input, so no path can forget STOP_FORWARDING or the hello
 * that tells the peer at once.
 *
 * Concurrency: none here; the machine belongs to the HA thread.
 */
#include "ha/ha_state.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define NS_PER_MS	1000000ULL
#define WHY_LEN		64

static const char *const state_names[HF_HA_STATE_MAX] = {
	[HF_HA_STATE_INITIAL]	= "initial",
	[HF_HA_STATE_ACTIVE]	= "active",
	[HF_HA_STATE_PASSIVE]	= "passive",
	[HF_HA_STATE_SUSPENDED]	= "suspended",
	[HF_HA_STATE_NONFUNC]	= "non-functional",
};

static const char *const reason_names[HF_HA_R_MAX] = {
	[HF_HA_R_NONE]			= "none",
	[HF_HA_R_START]			= "start",
	[HF_HA_R_NO_PEER]		= "no-peer",
	[HF_HA_R_PEER_ACTIVE]		= "peer-active",
	[HF_HA_R_ELECTION]		= "election",
	[HF_HA_R_PEER_DEAD]		= "peer-dead",
	[HF_HA_R_PEER_CRASHED]		= "peer-crashed",
	[HF_HA_R_PEER_GOODBYE]		= "peer-goodbye",
	[HF_HA_R_PEER_NONFUNC]		= "peer-non-functional",
	[HF_HA_R_PEER_SUSPENDED]	= "peer-suspended",
	[HF_HA_R_PEER_UNHEALTHY]	= "peer-unhealthy",
	[HF_HA_R_PEER_YIELDED]		= "peer-yielded",
	[HF_HA_R_PREEMPT]		= "preempt",
	[HF_HA_R_PREEMPTED]		= "preempted",
	[HF_HA_R_SPLIT_BRAIN]		= "split-brain",
	[HF_HA_R_PEER_RETURNED]		= "peer-returned",
	[HF_HA_R_LOCAL_FAULT]		= "local-fault",
	[HF_HA_R_RECOVERED]		= "recovered",
	[HF_HA_R_FLAP_LIMIT]		= "flap-limit",
	[HF_HA_R_ADMIN_SUSPEND]		= "admin-suspend",
	[HF_HA_R_ADMIN_FUNCTIONAL]	= "admin-functional",
	[HF_HA_R_ADMIN_FAILOVER]	= "admin-failover",
	[HF_HA_R_FAILOVER_TIMEOUT]	= "failover-timeout",
};

static const char *const fault_names[HF_HA_FAULT_MAX] = {
	[HF_HA_FAULT_NONE]	= "none",
	[HF_HA_FAULT_LINK_GROUP] = "link-group",
	[HF_HA_FAULT_PATH_GROUP] = "path-group",
	[HF_HA_FAULT_DATAPLANE]	= "dataplane-stuck",
	[HF_HA_FAULT_OTHER]	= "other",
};

const char *hf_ha_state_name(enum hf_ha_state s)
{
	if ((unsigned int)s >= HF_HA_STATE_MAX || !state_names[s])
		return "?";
	return state_names[s];
}

const char *hf_ha_reason_name(enum hf_ha_reason r)
{
	if ((unsigned int)r >= HF_HA_R_MAX || !reason_names[r])
		return "?";
	return reason_names[r];
}

const char *hf_ha_fault_name(enum hf_ha_fault f)
{
	if ((unsigned int)f >= HF_HA_FAULT_MAX || !fault_names[f])
		return "?";
	return fault_names[f];
}

bool hf_ha_state_is_forwarding(enum hf_ha_state s)
{
	return s == HF_HA_STATE_ACTIVE;
}

static uint64_t ms_ns(uint64_t ms)
{
	return ms * NS_PER_MS;
}

void hf_ha_params_default(struct hf_ha_params *p)
{
	memset(p, 0, sizeof(*p));
	p->priority = HF_HA_PRIORITY_DEFAULT;
	p->preempt = false;
	p->preempt_hold_ms = HF_HA_HOLD_MS_DEFAULT;
	p->hello_interval_ms = HF_HA_HELLO_MS_DEFAULT;
	p->dead_misses = HF_HA_MISSES_DEFAULT;
	p->flap_max = HF_HA_FLAP_MAX_DEFAULT;
	p->flap_window_ms = HF_HA_FLAP_WINDOW_MS_DEFAULT;
	p->init_wait_ms = 0;
}

int hf_ha_params_validate(const struct hf_ha_params *p)
{
	if (p->hello_interval_ms < HF_HA_HELLO_MS_MIN ||
	    p->hello_interval_ms > HF_HA_HELLO_MS_MAX)
		return -ERANGE;
	if (p->dead_misses < HF_HA_MISSES_MIN ||
	    p->dead_misses > HF_HA_MISSES_MAX)
		return -ERANGE;
	if (p->preempt_hold_ms > HF_HA_HOLD_MS_MAX ||
	    p->flap_window_ms > HF_HA_FLAP_WINDOW_MS_MAX ||
	    p->init_wait_ms > HF_HA_INIT_WAIT_MS_MAX)
		return -ERANGE;
	if (!p->incarnation)
		return -EINVAL;
	return 0;
}

uint64_t hf_ha_dead_timeout_ns(uint32_t interval_ms, uint32_t misses)
{
	/* N whole intervals, plus half of one for the sender's jitter. */
	return ms_ns((uint64_t)misses * interval_ms) + ms_ns(interval_ms) / 2;
}

static uint64_t own_dead_timeout_ns(const struct hf_ha *ha)
{
	return hf_ha_dead_timeout_ns(ha->params.hello_interval_ms,
				     ha->params.dead_misses);
}

int hf_ha_compare(const struct hf_ha_candidate *a,
		  const struct hf_ha_candidate *b)
{
	if (a->healthy != b->healthy)
		return a->healthy ? -1 : 1;
	if (a->priority != b->priority)
		return a->priority < b->priority ? -1 : 1;	/* lower wins */
	if (a->node_id != b->node_id)
		return a->node_id < b->node_id ? -1 : 1;
	return 0;
}

static struct hf_ha_candidate local_cand(const struct hf_ha *ha)
{
	struct hf_ha_candidate c = {
		.node_id = ha->params.node_id,
		.priority = ha->params.priority,
		.healthy = ha->fault == HF_HA_FAULT_NONE,
	};

	return c;
}

static struct hf_ha_candidate peer_cand(const struct hf_ha *ha)
{
	struct hf_ha_candidate c = {
		.node_id = ha->peer.node_id,
		.priority = ha->peer.priority,
		.healthy = ha->peer.healthy,
	};

	return c;
}

static bool local_wins(const struct hf_ha *ha)
{
	struct hf_ha_candidate l = local_cand(ha), p = peer_cand(ha);

	return hf_ha_compare(&l, &p) < 0;
}

/* Why @w beats @l, for the transition text: "priority 10 < 20". */
static void explain(char *buf, size_t len, const struct hf_ha_candidate *w,
		    const struct hf_ha_candidate *l)
{
	if (w->healthy != l->healthy)
		snprintf(buf, len, "node %u healthy, node %u not",
			 w->node_id, l->node_id);
	else if (w->priority != l->priority)
		snprintf(buf, len, "priority %u < %u", w->priority,
			 l->priority);
	else
		snprintf(buf, len, "priority %u equal, node id %u < %u",
			 w->priority, w->node_id, l->node_id);
}

static void explain_local_win(const struct hf_ha *ha, char *buf, size_t len)
{
	struct hf_ha_candidate l = local_cand(ha), p = peer_cand(ha);

	explain(buf, len, &l, &p);
}

static void explain_peer_win(const struct hf_ha *ha, char *buf, size_t len)
{
	struct hf_ha_candidate l = local_cand(ha), p = peer_cand(ha);

	explain(buf, len, &p, &l);
}

/* Could the peer be elected: up, healthy, not stepping aside. */
static bool peer_is_candidate(const struct hf_ha_peer *p)
{
	return (p->state == HF_HA_STATE_INITIAL ||
		p->state == HF_HA_STATE_PASSIVE) &&
	       p->healthy && !p->yielding;
}

static bool peer_is_working_active(const struct hf_ha_peer *p)
{
	return p->state == HF_HA_STATE_ACTIVE && p->healthy;
}

static void begin(const struct hf_ha *ha, struct hf_ha_result *res)
{
	memset(res, 0, sizeof(*res));
	res->from = ha->state;
	res->to = ha->state;
}

/*
 * The forwarding actions follow from the states before and after the
 * input; every state change is told to the peer at once. A hello going
 * out now also restarts the periodic hello timer.
 */
static int finish(struct hf_ha *ha, uint64_t now, struct hf_ha_result *res)
{
	res->to = ha->state;
	if (res->transitions) {
		/* Events seen on the way do not hide why the state moved. */
		res->reason = ha->last.reason;
		res->actions |= HF_HA_ACT_SEND_HELLO;
		if (res->from != HF_HA_STATE_ACTIVE &&
		    res->to == HF_HA_STATE_ACTIVE)
			res->actions |= HF_HA_ACT_START_FORWARDING |
					HF_HA_ACT_ANNOUNCE;
		else if (res->from == HF_HA_STATE_ACTIVE &&
			 res->to != HF_HA_STATE_ACTIVE)
			res->actions |= HF_HA_ACT_STOP_FORWARDING;
	}
	if (res->actions & HF_HA_ACT_SEND_HELLO)
		ha->timers.hello_ns = now +
				      ms_ns(ha->params.hello_interval_ms);
	return 0;
}

__attribute__((format(printf, 6, 7)))
static void transition(struct hf_ha *ha, struct hf_ha_result *res,
		       uint64_t now, enum hf_ha_state to,
		       enum hf_ha_reason reason, const char *fmt, ...)
{
	struct hf_ha_transition *t = &ha->last;
	enum hf_ha_state from = ha->state;
	va_list ap;

	/* A stay in ACTIVE of a full flap window proves stability. */
	if (from == HF_HA_STATE_ACTIVE &&
	    now - ha->active_since_ns >= ms_ns(ha->params.flap_window_ms))
		ha->flaps = 0;

	t->from = from;
	t->to = to;
	t->reason = reason;
	t->at_ns = now;
	va_start(ap, fmt);
	vsnprintf(t->text, sizeof(t->text), fmt, ap);
	va_end(ap);

	ha->state = to;
	ha->state_since_ns = now;
	ha->transitions++;
	res->transitions++;
	res->reason = reason;

	if (to != HF_HA_STATE_INITIAL)
		ha->timers.init_wait_ns = HF_HA_NEVER;
	if (to != HF_HA_STATE_PASSIVE) {
		/* Preemption and yielding only mean something in PASSIVE. */
		ha->timers.preempt_ns = HF_HA_NEVER;
		ha->timers.yield_ns = HF_HA_NEVER;
		ha->takeover_req = false;
		ha->yielding = false;
		ha->bulk_requested = false;
	} else if (from != HF_HA_STATE_ACTIVE) {
		/*
		 * From INITIAL, NON-FUNCTIONAL or SUSPENDED: updates may
		 * have been missed, our tables cannot be trusted.
		 */
		ha->synced = false;
		ha->bulk_requested = false;
	}
	if (to == HF_HA_STATE_ACTIVE)
		ha->active_since_ns = now;
}

/*
 * The peer is gone: dead by missed heartbeats, crashed or said goodbye.
 * @process_gone: that incarnation will never speak again, so hellos of
 * it still in flight are refused (they would fake a live ACTIVE).
 */
__attribute__((format(printf, 5, 6)))
static void peer_gone(struct hf_ha *ha, struct hf_ha_result *res,
		      enum hf_ha_reason reason, bool process_gone,
		      const char *fmt, ...)
{
	struct hf_ha_peer *p = &ha->peer;
	va_list ap;

	p->alive = false;
	p->split_brain = false;
	p->lost_reason = reason;
	va_start(ap, fmt);
	vsnprintf(p->lost_text, sizeof(p->lost_text), fmt, ap);
	va_end(ap);
	if (process_gone) {
		p->lost_valid = true;
		p->lost_incarnation = p->incarnation;
	}
	ha->timers.peer_dead_ns = HF_HA_NEVER;
	ha->timers.preempt_ns = HF_HA_NEVER;
	ha->takeover_req = false;
	ha->bulk_requested = false;
	res->reason = reason;
}

/* No working active and the peer cannot be elected: we forward. */
static void take_over_unavailable_peer(struct hf_ha *ha,
				       struct hf_ha_result *res, uint64_t now)
{
	const struct hf_ha_peer *p = &ha->peer;

	if (p->state == HF_HA_STATE_NONFUNC)
		transition(ha, res, now, HF_HA_STATE_ACTIVE,
			   HF_HA_R_PEER_NONFUNC,
			   "peer node %u is non-functional", p->node_id);
	else if (p->state == HF_HA_STATE_SUSPENDED)
		transition(ha, res, now, HF_HA_STATE_ACTIVE,
			   HF_HA_R_PEER_SUSPENDED,
			   "peer node %u is suspended", p->node_id);
	else if (p->yielding)
		transition(ha, res, now, HF_HA_STATE_ACTIVE,
			   HF_HA_R_PEER_YIELDED,
			   "peer node %u stepped down (admin failover)",
			   p->node_id);
	else
		transition(ha, res, now, HF_HA_STATE_ACTIVE,
			   HF_HA_R_PEER_UNHEALTHY,
			   "peer node %u reports a fault (state %s)",
			   p->node_id, hf_ha_state_name(p->state));
}

/* No working active, the peer is a candidate: we win -> ACTIVE. */
static void win_election(struct hf_ha *ha, struct hf_ha_result *res,
			 uint64_t now, enum hf_ha_reason hint)
{
	char why[WHY_LEN];

	explain_local_win(ha, why, sizeof(why));
	if (ha->takeover_req)
		transition(ha, res, now, HF_HA_STATE_ACTIVE, HF_HA_R_PREEMPT,
			   "preempt: %s after hold %u ms", why,
			   ha->params.preempt_hold_ms);
	else if (hint == HF_HA_R_FAILOVER_TIMEOUT)
		transition(ha, res, now, HF_HA_STATE_ACTIVE, hint,
			   "failover not taken by node %u; election: %s",
			   ha->peer.node_id, why);
	else
		transition(ha, res, now, HF_HA_STATE_ACTIVE, HF_HA_R_ELECTION,
			   "election: %s", why);
}

static void decide_initial(struct hf_ha *ha, struct hf_ha_result *res,
			   uint64_t now, enum hf_ha_reason hint)
{
	const struct hf_ha_peer *p = &ha->peer;
	char why[WHY_LEN];

	if (!p->alive)
		return;			/* the initial wait decides */
	if (peer_is_working_active(p)) {
		transition(ha, res, now, HF_HA_STATE_PASSIVE,
			   HF_HA_R_PEER_ACTIVE, "peer node %u is active",
			   p->node_id);
	} else if (!peer_is_candidate(p)) {
		take_over_unavailable_peer(ha, res, now);
	} else if (local_wins(ha)) {
		win_election(ha, res, now, hint);
	} else {
		explain_peer_win(ha, why, sizeof(why));
		transition(ha, res, now, HF_HA_STATE_PASSIVE, HF_HA_R_ELECTION,
			   "election lost to node %u: %s", p->node_id, why);
	}
}

/*
 * PASSIVE under a working ACTIVE: arm, run or cancel the preemption
 * hold. The hold restarts from zero whenever a condition fails.
 */
static void check_preempt(struct hf_ha *ha, struct hf_ha_result *res,
			  uint64_t now)
{
	const struct hf_ha_peer *p = &ha->peer;
	bool want = ha->params.preempt && p->preempt && ha->synced &&
		    ha->fault == HF_HA_FAULT_NONE && local_wins(ha);

	if (!want) {
		ha->timers.preempt_ns = HF_HA_NEVER;
		if (ha->takeover_req) {
			ha->takeover_req = false;
			res->actions |= HF_HA_ACT_SEND_HELLO;
		}
		return;
	}
	if (ha->takeover_req)
		return;			/* asked; waiting for the step-down */
	if (ha->timers.preempt_ns == HF_HA_NEVER)
		ha->timers.preempt_ns = now + ms_ns(ha->params.preempt_hold_ms);
	if (now < ha->timers.preempt_ns)
		return;
	ha->timers.preempt_ns = HF_HA_NEVER;
	ha->takeover_req = true;
	res->actions |= HF_HA_ACT_SEND_HELLO;
	res->reason = HF_HA_R_PREEMPT;
}

static void decide_passive(struct hf_ha *ha, struct hf_ha_result *res,
			   uint64_t now, enum hf_ha_reason hint)
{
	const struct hf_ha_peer *p = &ha->peer;

	if (!p->alive) {
		if (p->known)
			transition(ha, res, now, HF_HA_STATE_ACTIVE,
				   p->lost_reason, "%s", p->lost_text);
		else
			transition(ha, res, now, HF_HA_STATE_ACTIVE,
				   HF_HA_R_NO_PEER, "no peer");
		return;
	}
	if (peer_is_working_active(p)) {
		/* The peer took over (or always was active). */
		ha->yielding = false;
		ha->timers.yield_ns = HF_HA_NEVER;
		check_preempt(ha, res, now);
		if (!ha->synced && !ha->bulk_requested) {
			ha->bulk_requested = true;
			res->actions |= HF_HA_ACT_REQUEST_BULK_SYNC;
		}
		return;
	}
	/* Nobody forwards: one of us must, and at once. */
	ha->timers.preempt_ns = HF_HA_NEVER;
	if (!peer_is_candidate(p)) {
		take_over_unavailable_peer(ha, res, now);
		return;
	}
	if (ha->yielding)
		return;			/* the peer is taking over */
	if (local_wins(ha))
		win_election(ha, res, now, hint);
	else
		ha->takeover_req = false;	/* the peer goes active */
}

static void decide_active(struct hf_ha *ha, struct hf_ha_result *res,
			  uint64_t now)
{
	struct hf_ha_peer *p = &ha->peer;
	char why[WHY_LEN];

	if (!p->alive)
		return;
	if (p->state == HF_HA_STATE_ACTIVE) {
		/* Split brain: the election order alone decides. */
		if (local_wins(ha)) {
			if (!p->split_brain) {
				p->split_brain = true;
				ha->split_brains++;
				res->actions |= HF_HA_ACT_ANNOUNCE |
						HF_HA_ACT_SEND_HELLO;
				res->reason = HF_HA_R_SPLIT_BRAIN;
			}
			return;
		}
		if (!p->split_brain)
			ha->split_brains++;
		p->split_brain = false;		/* over for us */
		explain_peer_win(ha, why, sizeof(why));
		transition(ha, res, now, HF_HA_STATE_PASSIVE,
			   HF_HA_R_SPLIT_BRAIN,
			   "split brain: node %u stays active, %s",
			   p->node_id, why);
		ha->synced = false;		/* our tables diverged */
		return;
	}
	/* Preemption handshake: a takeover request we agree with. */
	if (p->takeover && ha->params.preempt && p->preempt &&
	    p->state == HF_HA_STATE_PASSIVE && p->healthy && p->synced &&
	    !local_wins(ha)) {
		explain_peer_win(ha, why, sizeof(why));
		transition(ha, res, now, HF_HA_STATE_PASSIVE,
			   HF_HA_R_PREEMPTED, "preempted by node %u: %s",
			   p->node_id, why);
		ha->synced = true;		/* we were the sync source */
	}
}

static void decide(struct hf_ha *ha, struct hf_ha_result *res, uint64_t now,
		   enum hf_ha_reason hint)
{
	int hop;

	/* Each hop is a transition; 4 covers the longest chain (2). */
	for (hop = 0; hop < 4; hop++) {
		enum hf_ha_state s = ha->state;

		switch (s) {
		case HF_HA_STATE_INITIAL:
			decide_initial(ha, res, now, hint);
			break;
		case HF_HA_STATE_PASSIVE:
			decide_passive(ha, res, now, hint);
			break;
		case HF_HA_STATE_ACTIVE:
			decide_active(ha, res, now);
			break;
		default:
			/* SUSPENDED, NON-FUNCTIONAL: left by local inputs. */
			break;
		}
		if (ha->state == s)
			return;
	}
}

int hf_ha_init(struct hf_ha *ha, const struct hf_ha_params *p,
	       uint64_t now_ns, struct hf_ha_result *res)
{
	uint64_t wait;
	int err;

	memset(res, 0, sizeof(*res));
	err = hf_ha_params_validate(p);
	if (err)
		return err;

	memset(ha, 0, sizeof(*ha));
	ha->params = *p;
	ha->state = HF_HA_STATE_INITIAL;
	ha->state_since_ns = now_ns;
	ha->fault = HF_HA_FAULT_NONE;
	ha->peer.state = HF_HA_STATE_INITIAL;
	ha->timers.hello_ns = HF_HA_NEVER;
	ha->timers.peer_dead_ns = HF_HA_NEVER;
	ha->timers.preempt_ns = HF_HA_NEVER;
	ha->timers.yield_ns = HF_HA_NEVER;
	wait = p->init_wait_ms ? ms_ns(p->init_wait_ms) :
				 own_dead_timeout_ns(ha);
	ha->timers.init_wait_ns = now_ns + wait;

	ha->last.from = HF_HA_STATE_INITIAL;
	ha->last.to = HF_HA_STATE_INITIAL;
	ha->last.reason = HF_HA_R_START;
	ha->last.at_ns = now_ns;
	snprintf(ha->last.text, sizeof(ha->last.text),
		 "start: node %u priority %u, listening %llu ms for a peer",
		 p->node_id, p->priority,
		 (unsigned long long)(wait / NS_PER_MS));

	begin(ha, res);
	res->reason = HF_HA_R_START;
	res->actions = HF_HA_ACT_SEND_HELLO;	/* let a peer hear us now */
	return finish(ha, now_ns, res);
}

int hf_ha_reconfigure(struct hf_ha *ha, const struct hf_ha_params *p,
		      uint64_t now_ns, struct hf_ha_result *res)
{
	int err;

	begin(ha, res);
	err = hf_ha_params_validate(p);
	if (err)
		return err;
	if (p->node_id != ha->params.node_id ||
	    p->incarnation != ha->params.incarnation)
		return -EINVAL;
	if (p->priority != ha->params.priority ||
	    p->preempt != ha->params.preempt)
		res->actions |= HF_HA_ACT_SEND_HELLO;	/* both in hellos */
	ha->params = *p;
	decide(ha, res, now_ns, HF_HA_R_NONE);
	return finish(ha, now_ns, res);
}

static int hello_check(const struct hf_ha *ha, const struct hf_ha_hello *h)
{
	const struct hf_ha_peer *p = &ha->peer;
	bool same = p->known && h->node_id == p->node_id;

	if (h->node_id == ha->params.node_id)
		return -ELOOP;
	if (h->state >= HF_HA_STATE_MAX || !h->incarnation)
		return -EPROTO;
	if (h->interval_ms && (h->interval_ms < HF_HA_HELLO_MS_MIN ||
			       h->interval_ms > HF_HA_HELLO_MS_MAX))
		return -ERANGE;
	if (p->alive && h->node_id != p->node_id)
		return -EEXIST;		/* a pair has one peer */
	if (same && p->lost_valid && h->incarnation == p->lost_incarnation)
		return -ESHUTDOWN;
	/* Serial-number comparison: sequences wrap. */
	if (same && h->incarnation == p->incarnation &&
	    (int32_t)(h->seq - p->seq) <= 0)
		return -ESTALE;
	return 0;
}

int hf_ha_on_hello(struct hf_ha *ha, uint64_t now_ns,
		   const struct hf_ha_hello *h, struct hf_ha_result *res)
{
	struct hf_ha_peer *p = &ha->peer;
	bool returned;
	int err;

	begin(ha, res);
	err = hello_check(ha, h);
	if (err) {
		ha->hellos_rejected++;
		return err;
	}
	ha->hellos_rx++;

	/*
	 * A live peer with a new incarnation restarted faster than we
	 * noticed: the old process is gone, act as on a crash first (a
	 * PASSIVE takes over: the restarted node has empty tables).
	 */
	if (p->alive && h->incarnation != p->incarnation) {
		peer_gone(ha, res, HF_HA_R_PEER_CRASHED, true,
			  "peer node %u restarted (new incarnation)",
			  p->node_id);
		decide(ha, res, now_ns, HF_HA_R_NONE);
	}
	if (!p->alive)
		res->actions |= HF_HA_ACT_SEND_HELLO;	/* new peer: answer */
	/* Same process, declared dead by heartbeats: the link was down. */
	returned = !p->alive && p->known &&
		   p->lost_reason == HF_HA_R_PEER_DEAD &&
		   h->incarnation == p->incarnation;

	p->known = true;
	p->alive = true;
	p->node_id = h->node_id;
	p->priority = h->priority;
	p->state = (enum hf_ha_state)h->state;
	p->healthy = h->healthy;
	p->preempt = h->preempt;
	p->synced = h->synced;
	p->takeover = h->takeover;
	p->yielding = h->yielding;
	p->interval_ms = h->interval_ms ? h->interval_ms :
					  ha->params.hello_interval_ms;
	p->incarnation = h->incarnation;
	p->seq = h->seq;
	p->last_rx_ns = now_ns;
	p->lost_reason = HF_HA_R_NONE;
	p->lost_text[0] = '\0';
	ha->timers.peer_dead_ns = now_ns +
		hf_ha_dead_timeout_ns(p->interval_ms, ha->params.dead_misses);
	if (p->state != HF_HA_STATE_ACTIVE) {
		p->split_brain = false;
		ha->bulk_requested = false;	/* ask the next active again */
	}

	decide(ha, res, now_ns, HF_HA_R_NONE);
	/*
	 * Back from an HA link outage while we are (still) ACTIVE: the
	 * peer may have been active meanwhile and drawn traffic; if our
	 * hello reached it first it has already stepped down and we never
	 * see it ACTIVE, so re-announce on the return itself.
	 */
	if (returned && ha->state == HF_HA_STATE_ACTIVE &&
	    !(res->actions & HF_HA_ACT_ANNOUNCE)) {
		res->actions |= HF_HA_ACT_ANNOUNCE | HF_HA_ACT_SEND_HELLO;
		if (!res->transitions)
			res->reason = HF_HA_R_PEER_RETURNED;
	}
	return finish(ha, now_ns, res);
}

int hf_ha_tick(struct hf_ha *ha, uint64_t now_ns, struct hf_ha_result *res)
{
	struct hf_ha_peer *p = &ha->peer;
	enum hf_ha_reason hint = HF_HA_R_NONE;

	begin(ha, res);
	if (p->alive && now_ns >= ha->timers.peer_dead_ns)
		peer_gone(ha, res, HF_HA_R_PEER_DEAD, false,
			  "peer dead: %u heartbeats missed (no hello for %llu ms)",
			  ha->params.dead_misses,
			  (unsigned long long)((now_ns - p->last_rx_ns) /
					       NS_PER_MS));
	if (ha->yielding && now_ns >= ha->timers.yield_ns) {
		/* The peer never took over: elect again, do not wait on. */
		ha->yielding = false;
		ha->timers.yield_ns = HF_HA_NEVER;
		hint = HF_HA_R_FAILOVER_TIMEOUT;
		res->reason = hint;
	}
	if (ha->state == HF_HA_STATE_INITIAL && !p->alive &&
	    now_ns >= ha->timers.init_wait_ns)
		transition(ha, res, now_ns, HF_HA_STATE_ACTIVE, HF_HA_R_NO_PEER,
			   "no peer heard within %llu ms",
			   (unsigned long long)((now_ns - ha->state_since_ns) /
						NS_PER_MS));
	decide(ha, res, now_ns, hint);
	if (now_ns >= ha->timers.hello_ns)
		res->actions |= HF_HA_ACT_SEND_HELLO;
	return finish(ha, now_ns, res);
}

int hf_ha_on_peer_lost(struct hf_ha *ha, uint64_t now_ns,
		       struct hf_ha_result *res)
{
	begin(ha, res);
	if (ha->peer.alive) {
		peer_gone(ha, res, HF_HA_R_PEER_CRASHED, true,
			  "peer node %u crashed: HA1 connection lost without goodbye",
			  ha->peer.node_id);
		decide(ha, res, now_ns, HF_HA_R_NONE);
	}
	return finish(ha, now_ns, res);
}

int hf_ha_on_peer_goodbye(struct hf_ha *ha, uint64_t now_ns,
			  struct hf_ha_result *res)
{
	begin(ha, res);
	if (ha->peer.alive) {
		peer_gone(ha, res, HF_HA_R_PEER_GOODBYE, true,
			  "peer node %u said goodbye", ha->peer.node_id);
		decide(ha, res, now_ns, HF_HA_R_NONE);
	}
	return finish(ha, now_ns, res);
}

/* A fault in INITIAL, PASSIVE or ACTIVE; flaps are counted here. */
static void local_fault(struct hf_ha *ha, struct hf_ha_result *res,
			uint64_t now)
{
	const char *what = hf_ha_fault_name(ha->fault);
	const char *sep = ha->fault_detail[0] ? ": " : "";

	if (ha->state == HF_HA_STATE_ACTIVE) {
		if (now - ha->active_since_ns <
		    ms_ns(ha->params.flap_window_ms))
			ha->flaps++;
		else
			ha->flaps = 0;
		/* Suspend only with a standby to take over (see header). */
		if (ha->params.flap_max && ha->flaps >= ha->params.flap_max &&
		    ha->peer.alive) {
			transition(ha, res, now, HF_HA_STATE_SUSPENDED,
				   HF_HA_R_FLAP_LIMIT,
				   "flap limit: %u flaps within %u ms of going active, last %s%s%s",
				   ha->flaps, ha->params.flap_window_ms, what,
				   sep, ha->fault_detail);
			return;
		}
	}
	transition(ha, res, now, HF_HA_STATE_NONFUNC, HF_HA_R_LOCAL_FAULT,
		   "local fault: %s%s%s", what, sep, ha->fault_detail);
}

int hf_ha_set_health(struct hf_ha *ha, uint64_t now_ns,
		     enum hf_ha_fault fault, const char *detail,
		     struct hf_ha_result *res)
{
	enum hf_ha_fault old = ha->fault;

	begin(ha, res);
	if ((unsigned int)fault >= HF_HA_FAULT_MAX)
		return -EINVAL;
	ha->fault = fault;
	snprintf(ha->fault_detail, sizeof(ha->fault_detail), "%s",
		 detail ? detail : "");
	if ((old == HF_HA_FAULT_NONE) != (fault == HF_HA_FAULT_NONE))
		res->actions |= HF_HA_ACT_SEND_HELLO;	/* health is in hellos */

	if (fault != HF_HA_FAULT_NONE) {
		switch (ha->state) {
		case HF_HA_STATE_INITIAL:
		case HF_HA_STATE_PASSIVE:
		case HF_HA_STATE_ACTIVE:
			local_fault(ha, res, now_ns);
			break;
		default:
			break;		/* already not forwarding */
		}
	} else if (ha->state == HF_HA_STATE_NONFUNC) {
		transition(ha, res, now_ns, HF_HA_STATE_PASSIVE,
			   HF_HA_R_RECOVERED, "recovered from %s",
			   hf_ha_fault_name(old));
	}
	decide(ha, res, now_ns, HF_HA_R_NONE);
	return finish(ha, now_ns, res);
}

int hf_ha_set_synced(struct hf_ha *ha, uint64_t now_ns, bool synced,
		     struct hf_ha_result *res)
{
	begin(ha, res);
	if (ha->synced != synced) {
		ha->synced = synced;
		res->actions |= HF_HA_ACT_SEND_HELLO;	/* synced is in hellos */
		if (!synced)
			ha->bulk_requested = false;	/* broken: ask again */
	}
	decide(ha, res, now_ns, HF_HA_R_NONE);
	return finish(ha, now_ns, res);
}

int hf_ha_admin_suspend(struct hf_ha *ha, uint64_t now_ns,
			struct hf_ha_result *res)
{
	begin(ha, res);
	if (ha->state != HF_HA_STATE_SUSPENDED)
		transition(ha, res, now_ns, HF_HA_STATE_SUSPENDED,
			   HF_HA_R_ADMIN_SUSPEND, "admin suspend");
	return finish(ha, now_ns, res);
}

int hf_ha_admin_functional(struct hf_ha *ha, uint64_t now_ns,
			   struct hf_ha_result *res)
{
	begin(ha, res);
	if (ha->state != HF_HA_STATE_SUSPENDED)
		return finish(ha, now_ns, res);
	ha->flaps = 0;
	if (ha->fault != HF_HA_FAULT_NONE)
		transition(ha, res, now_ns, HF_HA_STATE_NONFUNC,
			   HF_HA_R_ADMIN_FUNCTIONAL,
			   "admin functional, but local fault: %s",
			   hf_ha_fault_name(ha->fault));
	else
		transition(ha, res, now_ns, HF_HA_STATE_PASSIVE,
			   HF_HA_R_ADMIN_FUNCTIONAL, "admin functional");
	decide(ha, res, now_ns, HF_HA_R_NONE);
	return finish(ha, now_ns, res);
}

int hf_ha_admin_failover(struct hf_ha *ha, uint64_t now_ns,
			 struct hf_ha_result *res)
{
	const struct hf_ha_peer *p = &ha->peer;

	begin(ha, res);
	if (ha->state != HF_HA_STATE_ACTIVE)
		return -EINVAL;
	if (!p->alive)
		return -ENOTCONN;
	if (p->state != HF_HA_STATE_PASSIVE || !p->healthy)
		return -EBUSY;
	if (!p->synced)
		return -EAGAIN;

	/* No timer on this path: step down, the hello hands over. */
	transition(ha, res, now_ns, HF_HA_STATE_PASSIVE,
		   HF_HA_R_ADMIN_FAILOVER, "admin failover to node %u",
		   p->node_id);
	ha->synced = true;			/* we were the sync source */
	ha->yielding = true;
	ha->timers.yield_ns = now_ns + own_dead_timeout_ns(ha);
	decide(ha, res, now_ns, HF_HA_R_NONE);
	return finish(ha, now_ns, res);
}

void hf_ha_hello_build(struct hf_ha *ha, struct hf_ha_hello *h)
{
	memset(h, 0, sizeof(*h));
	h->node_id = ha->params.node_id;
	h->priority = ha->params.priority;
	h->state = (uint32_t)ha->state;
	h->healthy = ha->fault == HF_HA_FAULT_NONE;
	h->preempt = ha->params.preempt;
	h->synced = ha->synced;
	h->takeover = ha->takeover_req;
	h->yielding = ha->yielding;
	h->interval_ms = ha->params.hello_interval_ms;
	h->incarnation = ha->params.incarnation;
	h->seq = ++ha->tx_seq;
}

static uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

uint64_t hf_ha_next_expiry(const struct hf_ha *ha)
{
	const struct hf_ha_timers *t = &ha->timers;
	uint64_t next = t->hello_ns;

	/* Disarmed timers are HF_HA_NEVER, so a plain minimum works. */
	next = min_u64(next, t->init_wait_ns);
	next = min_u64(next, t->peer_dead_ns);
	next = min_u64(next, t->preempt_ns);
	return min_u64(next, t->yield_ns);
}
