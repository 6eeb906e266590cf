// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * dha.c - the dha thread: link groups, path groups, dataplane liveness,
 * one health verdict for ha_agent (see ha/dha.h).
 *
 * Two halves. The pure half (hf_dha_state_init() .. hf_dha_next_expiry())
 * is the whole decision: it takes the link monitor's up mask, snapshots
 * of the probe reply slots and of the workers' loop counters, and the
 * time, and changes nothing but the state struct. The thread half feeds
 * it from the sockets and the dataplane and hands verdict changes to the
 * agent.
 *
 * Latency of a link failure (issue 4: <= 20 ms end to end): the kernel
 * queues the RTM_NEWLINK notification on the monitor's socket, epoll
 * wakes the thread, hf_linkmon_process() reports the port down at once
 * (no hold-down on the way down), the verdict is evaluated and posted to
 * the agent (mutex + eventfd write) before anything else is done in that
 * wake-up: logging, probes and liveness come after. What remains is the
 * agent's own wake-up. A carrier loss the kernel is slow to announce
 * (linkwatch, see ha/dha.h) is caught by the carrier poll instead, at
 * most HF_DHA_CARRIER_POLL_MS after it happened, by the same path.
 *
 * Concurrency: the thread is the only writer of d->st and d->counter and
 * writes them under d->lock; it reads them without the lock (nobody else
 * writes). hf_dha_status() copies them under the lock. The link monitor
 * belongs to the thread alone (its per-port state reaches show ha as a
 * copy in d->st.port[]). The agent is always called without d->lock.
 */
#include "ha/dha.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>

#include "common/compiler.h"
#include "common/log.h"
#include "common/time.h"
#include "fwd/dataplane.h"
#include "fwd/port.h"
#include "fwd/stats.h"
#include "fwd/worker.h"
#include "ha/ha_agent.h"

_Static_assert(HF_DHA_TARGETS == HF_DP_PROBE_TARGETS,
	       "one dataplane reply slot per dha target");
_Static_assert(HF_MAX_PORTS <= HF_LINKMON_MAX_SLOTS,
	       "every data port fits a link monitor slot");

enum ev_tag { EV_STOP, EV_TIMER, EV_LINK };

struct hf_dha {
	struct hf_dataplane *dp;
	struct hf_ha_agent *agent;	/* NULL: verdicts only logged */
	struct hf_linkmon *lm;		/* NULL: no link group */

	pthread_mutex_t lock;		/* st, counter, lm_stats: for
					 * hf_dha_status() */
	struct hf_dha_state st;
	uint64_t counter[HF_DHA_C_MAX];
	struct hf_linkmon_stats lm_stats;	/* copy, after each process */
	bool running;			/* the thread runs */

	/* thread only */
	int ep_fd, timer_fd, stop_fd;
	int ctl_fd;			/* ETHTOOL_GLINK ioctls; -1: none */
	bool stop;			/* atomic */
	bool lm_error_logged;
	bool carrier_off[HF_MAX_PORTS];	/* the driver cannot tell */
	struct hf_dha_req req[HF_DHA_TARGETS];
	pthread_t thread;
	bool started;
};

static const char *const counter_names[] = {
#define HF_X_NAME(n, h) #n,
	HF_DHA_COUNTERS(HF_X_NAME)
#undef HF_X_NAME
};

static const char *const counter_helps[] = {
#define HF_X_HELP(n, h) h,
	HF_DHA_COUNTERS(HF_X_HELP)
#undef HF_X_HELP
};

const char *hf_dha_counter_name(enum hf_dha_counter c)
{
	return (unsigned int)c < HF_DHA_C_MAX ? counter_names[c] : "?";
}

const char *hf_dha_counter_help(enum hf_dha_counter c)
{
	return (unsigned int)c < HF_DHA_C_MAX ? counter_helps[c] : "?";
}

/* ---- pure: state and verdict ---- */

int hf_dha_state_init(struct hf_dha_state *s, const struct hf_cfg_ha *ha,
		      const struct hf_port *port, uint32_t nports,
		      uint32_t nworkers, uint64_t now_ns)
{
	uint64_t period;
	uint32_t g, t, i;

	if (nports > HF_MAX_PORTS || nworkers > HF_MAX_WORKERS ||
	    ha->nlink_groups > HF_HA_MAX_GROUPS ||
	    ha->npath_groups > HF_HA_MAX_GROUPS)
		return -EINVAL;
	memset(s, 0, sizeof(*s));
	s->nports = nports;
	for (i = 0; i < nports; i++) {
		snprintf(s->port[i].name, sizeof(s->port[i].name), "%s",
			 port[i].name);
		snprintf(s->port[i].ifname, sizeof(s->port[i].ifname), "%s",
			 port[i].ifname);
	}
	for (g = 0; g < ha->nlink_groups; g++) {
		const struct hf_cfg_ha_group *c = &ha->link_group[g];

		if (nports < 32 && c->ports >> nports)
			return -EINVAL;
		snprintf(s->link[g].name, sizeof(s->link[g].name), "%s",
			 c->name);
		s->link[g].ports = c->ports;
		s->link[g].all = c->all;
		for (i = 0; i < nports; i++)
			if (c->ports & 1u << i)
				s->port[i].watched = true;
	}
	s->nlink = ha->nlink_groups;
	if (s->nlink) {
		s->carrier_period_ns = HF_DHA_CARRIER_POLL_MS *
				       HF_NSEC_PER_MSEC;
		s->carrier_hold_ns = HF_LINKMON_UP_HOLD_MS_DEFAULT *
				     HF_NSEC_PER_MSEC;
		s->carrier_next_ns = now_ns;
	}
	for (g = 0; g < ha->npath_groups; g++) {
		const struct hf_cfg_ha_group *c = &ha->path_group[g];
		struct hf_dha_path_group *p = &s->path[g];

		if (c->ntargets > HF_HA_MAX_TARGETS || !c->interval_ms ||
		    !c->misses)
			return -EINVAL;
		snprintf(p->name, sizeof(p->name), "%s", c->name);
		p->all = c->all;
		p->interval_ms = c->interval_ms;
		p->misses = c->misses;
		p->ntargets = c->ntargets;
		for (t = 0; t < c->ntargets; t++)
			p->target[t].ip = c->target[t];
		p->next_ns = now_ns;
	}
	s->npath = ha->npath_groups;
	s->nworkers = nworkers;
	s->stuck_ns = (uint64_t)ha->worker_stuck_ms * HF_NSEC_PER_MSEC;
	period = HF_MIN(s->stuck_ns / 4,
			HF_DHA_LIVE_PERIOD_MAX_MS * HF_NSEC_PER_MSEC);
	s->live_period_ns = HF_MAX(period, HF_NSEC_PER_MSEC);
	s->live_next_ns = s->stuck_ns ? now_ns : HF_DHA_NEVER;
	for (i = 0; i < nworkers; i++)
		s->live[i].advanced_ns = now_ns;
	s->fault = HF_HA_FAULT_NONE;
	s->verdict_ns = now_ns;
	return 0;
}

/* The effective up mask and everything that follows from it. */
static void links_recompute(struct hf_dha_state *s)
{
	uint32_t g, i;

	s->up_mask = s->lm_mask & ~s->carrier_down;
	for (i = 0; i < s->nports; i++) {
		s->port[i].lm_up = s->lm_mask & 1u << i;
		s->port[i].up = s->up_mask & 1u << i;
	}
	for (g = 0; g < s->nlink; g++)
		s->link[g].failed = hf_linkmon_group_failed(s->up_mask,
							    s->link[g].ports,
							    s->link[g].all);
}

void hf_dha_links_update(struct hf_dha_state *s, uint32_t lm_mask)
{
	s->lm_mask = lm_mask;
	links_recompute(s);
}

static bool any_watched(const struct hf_dha_state *s)
{
	uint32_t i;

	for (i = 0; i < s->nports; i++)
		if (s->port[i].watched)
			return true;
	return false;
}

bool hf_dha_carrier_due(const struct hf_dha_state *s, uint64_t now_ns)
{
	return s->carrier_period_ns && now_ns >= s->carrier_next_ns &&
	       any_watched(s);
}

/* One port's poll result; true if its carrier mark changed. */
static bool carrier_port(struct hf_dha_state *s, uint32_t i, int8_t link,
			 uint64_t now_ns)
{
	struct hf_dha_port *p = &s->port[i];

	if (link == 0) {
		p->carrier_ok_ns = 0;
		if (p->carrier_lost)
			return false;
		p->carrier_lost = true;
		p->carrier_losses++;
		return true;
	}
	if (!p->carrier_lost)
		return false;
	if (link > 0) {
		/* back: debounced like the link monitor's up */
		if (!p->carrier_ok_ns)
			p->carrier_ok_ns = now_ns;
		if (now_ns - p->carrier_ok_ns < s->carrier_hold_ns)
			return false;
	}
	p->carrier_lost = false;
	p->carrier_ok_ns = 0;
	return true;
}

uint32_t hf_dha_carrier_tick(struct hf_dha_state *s, uint64_t now_ns,
			     const int8_t *link)
{
	uint32_t i, before = s->up_mask;

	for (i = 0; i < s->nports; i++) {
		if (!carrier_port(s, i, s->port[i].watched ? link[i] : -1,
				  now_ns))
			continue;
		if (s->port[i].carrier_lost)
			s->carrier_down |= 1u << i;
		else
			s->carrier_down &= ~(1u << i);
	}
	links_recompute(s);
	s->carrier_next_ns = now_ns + s->carrier_period_ns;
	return before ^ s->up_mask;
}

/* Judge @t's outstanding probe against its reply slot word @w. */
static void target_judge(struct hf_dha_target *t, uint32_t misses,
			 uint64_t w, uint64_t now_ns)
{
	if (!t->outstanding)
		return;
	t->outstanding = false;
	/* the slot holds the last probe answered: only this one counts
	 * (a late answer to an older one is still a miss for this one) */
	if (t->seq && (uint32_t)(w >> 32) == t->seq) {
		t->replied++;
		t->misses = 0;
		t->rtt_us = (uint32_t)w;
		t->has_rtt = true;
		t->failed = false;
		return;
	}
	t->missed++;
	if (t->misses < UINT32_MAX)
		t->misses++;
	if (!t->failed && t->misses >= misses) {
		t->failed = true;
		t->failed_since_ns = now_ns;
	}
}

static bool path_group_failed(const struct hf_dha_path_group *p)
{
	uint32_t t, nfailed = 0;

	for (t = 0; t < p->ntargets; t++)
		nfailed += p->target[t].failed;
	if (!nfailed)
		return false;
	return p->all ? nfailed == p->ntargets : true;
}

unsigned int hf_dha_path_tick(struct hf_dha_state *s, uint64_t now_ns,
			      const uint64_t *reply, struct hf_dha_req *out)
{
	unsigned int n = 0;
	uint32_t g, t;

	for (g = 0; g < s->npath; g++) {
		struct hf_dha_path_group *p = &s->path[g];
		uint64_t ival = (uint64_t)p->interval_ms * HF_NSEC_PER_MSEC;

		if (now_ns < p->next_ns)
			continue;
		for (t = 0; t < p->ntargets; t++) {
			struct hf_dha_target *x = &p->target[t];
			uint16_t slot = hf_dha_target_slot(g, t);

			target_judge(x, p->misses, reply[slot], now_ns);
			/* 0 never goes out: an empty slot matches nothing */
			x->seq = x->seq + 1 ? x->seq + 1 : 1;
			x->outstanding = true;
			x->sent_ns = now_ns;
			x->sent++;
			out[n].target = slot;
			out[n].dst = x->ip;
			out[n].seq = x->seq;
			n++;
		}
		p->failed = path_group_failed(p);
		/* keep the cadence; after a stall start afresh, not in a
		 * burst of rounds that would judge probes never given
		 * their interval */
		p->next_ns = now_ns - p->next_ns < ival ? p->next_ns + ival :
							  now_ns + ival;
	}
	return n;
}

bool hf_dha_live_check(struct hf_dha_state *s, const uint64_t *loops,
		       uint64_t now_ns)
{
	uint64_t silent;
	bool gap;
	uint32_t i;

	if (!s->stuck_ns || now_ns < s->live_next_ns)
		return false;
	/* dha itself did not run for longer than a worker may: whatever
	 * stopped it (SIGSTOP, a paused VM) may have stopped the workers
	 * too, and they may not have run yet since */
	gap = s->live_last_ns && now_ns - s->live_last_ns > s->stuck_ns;
	if (gap)
		s->live_gaps++;
	for (i = 0; i < s->nworkers; i++) {
		struct hf_dha_live *l = &s->live[i];

		if (loops[i] != l->loops) {
			l->loops = loops[i];
			l->advanced_ns = now_ns;
			l->stuck = false;
			continue;
		}
		if (l->stuck)
			continue;
		if (gap) {
			l->advanced_ns = now_ns;
			continue;
		}
		silent = now_ns - l->advanced_ns;
		if (silent >= s->stuck_ns) {
			l->stuck = true;
			l->stuck_ms = (uint32_t)HF_MIN(silent / HF_NSEC_PER_MSEC,
						       UINT32_MAX);
		}
	}
	s->live_last_ns = now_ns;
	s->live_next_ns = now_ns + s->live_period_ns;
	return true;
}

static void ip_str(uint32_t ip, char *buf, size_t len)
{
	snprintf(buf, len, "%u.%u.%u.%u", ip >> 24, ip >> 16 & 0xff,
		 ip >> 8 & 0xff, ip & 0xff);
}

/* ", +N more" when @n culprits were found and the first is named. */
static void more(char *buf, size_t len, uint32_t n)
{
	size_t used = strlen(buf);

	if (n > 1 && used < len)
		snprintf(buf + used, len - used, ", +%u more", n - 1);
}

static bool link_verdict(const struct hf_dha_state *s, char *buf, size_t len)
{
	uint32_t g, down, first;

	for (g = 0; g < s->nlink; g++) {
		const struct hf_dha_link_group *l = &s->link[g];

		if (!l->failed)
			continue;
		down = l->ports & ~s->up_mask;
		first = (uint32_t)__builtin_ctz(down);
		if (l->all && __builtin_popcount(down) > 1) {
			snprintf(buf, len, "link group '%s': all %d ports down",
				 l->name, __builtin_popcount(down));
			return true;
		}
		snprintf(buf, len, "link group '%s': port %s (%s) down",
			 l->name, s->port[first].name, s->port[first].ifname);
		more(buf, len, (uint32_t)__builtin_popcount(down));
		return true;
	}
	return false;
}

static bool path_verdict(const struct hf_dha_state *s, char *buf, size_t len)
{
	const struct hf_dha_path_group *p;
	uint32_t g, t, nfailed, first;
	char ip[16];

	for (g = 0; g < s->npath; g++) {
		p = &s->path[g];
		if (!p->failed)
			continue;
		nfailed = 0;
		first = 0;
		for (t = p->ntargets; t-- > 0;)
			if (p->target[t].failed) {
				nfailed++;
				first = t;
			}
		if (p->all && nfailed > 1) {
			snprintf(buf, len, "path group '%s': all %u targets unreachable",
				 p->name, nfailed);
			return true;
		}
		ip_str(p->target[first].ip, ip, sizeof(ip));
		/* no growing figure in it: a fault that persists is one
		 * report */
		snprintf(buf, len, "path group '%s': %s unreachable", p->name,
			 ip);
		more(buf, len, nfailed);
		return true;
	}
	return false;
}

static bool live_verdict(const struct hf_dha_state *s, char *buf, size_t len)
{
	uint32_t i, nstuck = 0, first = 0;

	for (i = s->nworkers; i-- > 0;)
		if (s->live[i].stuck) {
			nstuck++;
			first = i;
		}
	if (!nstuck)
		return false;
	snprintf(buf, len, "pan_task/%u made no progress for %u ms", first,
		 s->live[first].stuck_ms);
	more(buf, len, nstuck);
	return true;
}

bool hf_dha_evaluate(struct hf_dha_state *s, uint64_t now_ns)
{
	enum hf_ha_fault f = HF_HA_FAULT_NONE;
	char detail[HF_DHA_DETAIL_LEN] = "";

	if (link_verdict(s, detail, sizeof(detail)))
		f = HF_HA_FAULT_LINK_GROUP;
	else if (path_verdict(s, detail, sizeof(detail)))
		f = HF_HA_FAULT_PATH_GROUP;
	else if (live_verdict(s, detail, sizeof(detail)))
		f = HF_HA_FAULT_DATAPLANE;
	if (f == s->fault && !strcmp(detail, s->detail))
		return false;
	s->fault = f;
	memcpy(s->detail, detail, sizeof(s->detail));
	s->verdict_ns = now_ns;
	s->verdicts++;
	return true;
}

uint64_t hf_dha_next_expiry(const struct hf_dha_state *s)
{
	uint64_t next = s->stuck_ns && s->nworkers ? s->live_next_ns :
						     HF_DHA_NEVER;
	uint32_t g;

	if (s->carrier_period_ns && any_watched(s))
		next = HF_MIN(next, s->carrier_next_ns);

	for (g = 0; g < s->npath; g++)
		if (s->path[g].ntargets)
			next = HF_MIN(next, s->path[g].next_ns);
	return next;
}

/* ---- the thread ---- */

static void count(struct hf_dha *d, enum hf_dha_counter c, uint64_t n)
{
	pthread_mutex_lock(&d->lock);
	d->counter[c] += n;
	pthread_mutex_unlock(&d->lock);
}

/* Evaluate; on a change, tell the agent first, then the log. */
static void report(struct hf_dha *d, uint64_t now)
{
	char detail[HF_DHA_DETAIL_LEN];
	enum hf_ha_fault f;
	bool changed;

	pthread_mutex_lock(&d->lock);
	changed = hf_dha_evaluate(&d->st, now);
	f = d->st.fault;
	memcpy(detail, d->st.detail, sizeof(detail));
	if (changed)
		d->counter[HF_DHA_C_reports]++;
	pthread_mutex_unlock(&d->lock);
	if (!changed)
		return;
	if (d->agent)
		hf_ha_agent_set_health(d->agent, f,
				       f == HF_HA_FAULT_NONE ? NULL : detail);
	if (f == HF_HA_FAULT_NONE)
		log_info("dha: healthy");
	else
		log_warn("dha: %s fault: %s", hf_ha_fault_name(f), detail);
}

/* The monitor's socket is readable or a hold-down expired. */
static void on_link(struct hf_dha *d, uint64_t now)
{
	uint32_t before = d->st.up_mask, lm_before = d->st.lm_mask;
	struct hf_linkmon_slot sl;
	uint32_t after, lm_after, i;
	int rc;

	rc = hf_linkmon_process(d->lm, now);
	lm_after = hf_linkmon_up_mask(d->lm);
	pthread_mutex_lock(&d->lock);
	for (i = 0; i < d->st.nports; i++) {
		struct hf_dha_port *p = &d->st.port[i];

		if (hf_linkmon_slot_get(d->lm, i, &sl))
			continue;
		p->present = sl.present;
		p->kernel_up = sl.kernel_up;
		p->last_change_ns = sl.last_change_ns;
		p->transitions = sl.transitions;
	}
	hf_dha_links_update(&d->st, lm_after);
	after = d->st.up_mask;
	d->lm_stats = *hf_linkmon_stats(d->lm);
	d->counter[HF_DHA_C_link_changes] +=
		(uint64_t)__builtin_popcount(lm_before ^ lm_after);
	if (rc < 0)
		d->counter[HF_DHA_C_linkmon_errors]++;
	pthread_mutex_unlock(&d->lock);
	/* the verdict first: the log can wait, the agent cannot */
	if (before != after)
		report(d, now);
	for (i = 0; i < d->st.nports; i++)
		if ((lm_before ^ lm_after) & 1u << i)
			log_info("dha: port %s (%s) %s", d->st.port[i].name,
				 d->st.port[i].ifname,
				 lm_after & 1u << i ? "up" : "down");
	if (rc < 0 && !d->lm_error_logged) {
		/* logged once: a broken socket stays broken */
		log_err("dha: link monitor: %s (link changes may go unseen)",
			strerror(-rc));
		d->lm_error_logged = true;
	}
}

/* Port @i's carrier: 1, 0, or -errno from the ETHTOOL_GLINK ioctl. */
static int carrier_get(struct hf_dha *d, uint32_t i)
{
	struct ethtool_value ev = { .cmd = ETHTOOL_GLINK };
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s",
		 d->dp->port[i].ifname);
	ifr.ifr_data = (char *)&ev;
	if (ioctl(d->ctl_fd, SIOCETHTOOL, &ifr))
		return -errno;
	return ev.data ? 1 : 0;
}

/* Carrier poll of the watched ports (see ha/dha.h for why). */
static void on_carrier(struct hf_dha *d, uint64_t now)
{
	int8_t link[HF_MAX_PORTS];
	uint32_t changed, errors = 0, i;
	int rc;

	for (i = 0; i < d->st.nports; i++) {
		link[i] = -1;
		if (!d->st.port[i].watched || d->carrier_off[i])
			continue;
		rc = carrier_get(d, i);
		if (rc >= 0) {
			link[i] = (int8_t)rc;
			continue;
		}
		/* ENODEV: gone (the link monitor says down); else the
		 * driver has no get_link: the link monitor alone */
		if (rc == -ENODEV)
			continue;
		errors++;
		if (rc == -EOPNOTSUPP) {
			d->carrier_off[i] = true;
			log_info("dha: port %s (%s): the driver cannot report its carrier; link changes come from rtnetlink alone",
				 d->st.port[i].name, d->st.port[i].ifname);
		}
	}
	pthread_mutex_lock(&d->lock);
	changed = hf_dha_carrier_tick(&d->st, now, link);
	d->counter[HF_DHA_C_carrier_polls]++;
	d->counter[HF_DHA_C_carrier_poll_errors] += errors;
	pthread_mutex_unlock(&d->lock);
	if (!changed)
		return;
	report(d, now);
	for (i = 0; i < d->st.nports; i++)
		if (changed & 1u << i && d->st.port[i].carrier_lost)
			log_info("dha: port %s (%s) carrier lost (carrier poll)",
				 d->st.port[i].name, d->st.port[i].ifname);
}

static bool probes_due(const struct hf_dha_state *s, uint64_t now)
{
	uint32_t g;

	for (g = 0; g < s->npath; g++)
		if (s->path[g].ntargets && now >= s->path[g].next_ns)
			return true;
	return false;
}

/* Probe rounds due: judge the last probes, post the new ones. */
static void on_probes(struct hf_dha *d, uint64_t now)
{
	struct hf_dp_probe *pr = d->dp->probe;
	uint64_t reply[HF_DHA_TARGETS];
	uint32_t posted = 0, full = 0;
	unsigned int n, k;

	for (k = 0; k < HF_DHA_TARGETS; k++)
		reply[k] = __atomic_load_n(&pr->reply[k], __ATOMIC_RELAXED);
	pthread_mutex_lock(&d->lock);
	n = hf_dha_path_tick(&d->st, now, reply, d->req);
	pthread_mutex_unlock(&d->lock);
	for (k = 0; k < n; k++) {
		struct hf_dp_probe_req r = { .dst = d->req[k].dst,
					     .seq = d->req[k].seq,
					     .target = d->req[k].target };

		/* a full ring: worker 0 is stuck, the probe is a miss */
		if (hf_dp_probe_post(pr, &r))
			posted++;
		else
			full++;
	}
	if (!n)
		return;
	count(d, HF_DHA_C_probes_posted, posted);
	count(d, HF_DHA_C_probe_ring_full, full);
	/* a busy-polling worker 0 sees the ring within a loop */
	if (posted && d->dp->cfg->poll_mode == HF_POLL_ADAPTIVE) {
		hf_worker_wake(d->dp->worker[0]);
		count(d, HF_DHA_C_worker_wakes, 1);
	}
}

static void on_live(struct hf_dha *d, uint64_t now)
{
	uint64_t loops[HF_MAX_WORKERS];
	uint32_t i;
	bool ran;

	if (!d->st.stuck_ns || now < d->st.live_next_ns)
		return;
	for (i = 0; i < d->st.nworkers; i++)
		loops[i] = hf_cnt_read(&d->dp->worker[i]->loops);
	pthread_mutex_lock(&d->lock);
	ran = hf_dha_live_check(&d->st, loops, now);
	if (ran)
		d->counter[HF_DHA_C_live_checks]++;
	pthread_mutex_unlock(&d->lock);
}

static void arm_timer(struct hf_dha *d)
{
	struct itimerspec its = { 0 };
	uint64_t next = hf_dha_next_expiry(&d->st);

	if (d->lm)
		next = HF_MIN(next, hf_linkmon_next_expiry(d->lm));
	if (next != HF_DHA_NEVER) {
		if (!next)
			next = 1;	/* 0 would disarm */
		its.it_value.tv_sec = (time_t)(next / HF_NSEC_PER_SEC);
		its.it_value.tv_nsec = (long)(next % HF_NSEC_PER_SEC);
	}
	if (timerfd_settime(d->timer_fd, TFD_TIMER_ABSTIME, &its, NULL))
		log_warn("dha: timerfd_settime: %s", strerror(errno));
}

static void drain_fd(int fd, const char *what)
{
	uint64_t v;

	if (read(fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		log_warn("dha: %s read: %s", what, strerror(errno));
}

/*
 * The thread starts (maybe long after create, maybe again after a
 * stop): nothing timed is overdue, no worker is blamed for the time
 * before, the probes start now.
 */
static void restart_clocks(struct hf_dha *d, uint64_t now)
{
	uint32_t i;

	pthread_mutex_lock(&d->lock);
	for (i = 0; i < d->st.nworkers; i++)
		d->st.live[i].advanced_ns = now;
	if (d->st.stuck_ns) {
		d->st.live_next_ns = now;
		d->st.live_last_ns = 0;
	}
	for (i = 0; i < d->st.npath; i++)
		d->st.path[i].next_ns = now;
	d->st.carrier_next_ns = now;
	pthread_mutex_unlock(&d->lock);
}

static void *dha_main(void *arg)
{
	struct hf_dha *d = arg;
	struct epoll_event ev[4];
	bool link_ready;
	uint64_t now;
	int i, n;

	restart_clocks(d, hf_now_ns());
	/* a link group down at start, say */
	report(d, hf_now_ns());
	while (!__atomic_load_n(&d->stop, __ATOMIC_ACQUIRE)) {
		arm_timer(d);
		n = epoll_wait(d->ep_fd, ev, ARRAY_SIZE(ev), 1000);
		if (n < 0 && errno != EINTR) {
			log_err("dha: epoll_wait: %s", strerror(errno));
			break;
		}
		link_ready = false;
		for (i = 0; i < n; i++) {
			switch (ev[i].data.u32) {
			case EV_STOP:
				drain_fd(d->stop_fd, "stop");
				break;
			case EV_TIMER:
				drain_fd(d->timer_fd, "timer");
				break;
			case EV_LINK:
				link_ready = true;
				break;
			}
		}
		count(d, HF_DHA_C_wakeups, 1);
		now = hf_now_ns();
		if (link_ready)
			count(d, HF_DHA_C_link_wakeups, 1);
		/* links first: they are the ones with a deadline */
		if (link_ready ||
		    (d->lm && hf_linkmon_next_expiry(d->lm) <= now))
			on_link(d, now);
		if (d->ctl_fd >= 0 && hf_dha_carrier_due(&d->st, now))
			on_carrier(d, now);
		if (probes_due(&d->st, now))
			on_probes(d, now);
		on_live(d, now);
		report(d, now);
	}
	return NULL;
}

/* ---- life cycle ---- */

static int ep_add(struct hf_dha *d, int fd, enum ev_tag tag)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = tag };

	return epoll_ctl(d->ep_fd, EPOLL_CTL_ADD, fd, &ev) ? -errno : 0;
}

/* Path probes: a token for this process, the targets' addresses. */
static void probes_init(struct hf_dha *d)
{
	struct hf_dp_probe *pr = d->dp->probe;
	uint32_t token = 0, g, t;

	if (getrandom(&token, sizeof(token), GRND_NONBLOCK) != sizeof(token))
		token = (uint32_t)(hf_now_ns() ^ (uint64_t)getpid() << 16);
	__atomic_store_n(&pr->token, token, __ATOMIC_RELAXED);
	for (g = 0; g < d->st.npath; g++) {
		for (t = 0; t < d->st.path[g].ntargets; t++) {
			uint16_t slot = hf_dha_target_slot(g, t);

			__atomic_store_n(&pr->target_ip[slot],
					 d->st.path[g].target[t].ip,
					 __ATOMIC_RELAXED);
		}
	}
}

/*
 * Before the initial dump: a carrier change of a port that came up (or
 * went down) a moment ago may still sit in the kernel's linkwatch queue
 * for up to a second, and the dump would show the old operstate. The
 * ETHTOOL_GLINK query flushes it (drivers using ethtool_op_get_link()).
 */
static void carrier_flush(struct hf_dha *d)
{
	uint32_t i;

	for (i = 0; d->ctl_fd >= 0 && i < d->st.nports; i++)
		if (d->st.port[i].watched)
			(void)carrier_get(d, i);
}

static int linkmon_init(struct hf_dha *d, char *err, size_t errlen)
{
	const struct hf_dataplane *dp = d->dp;
	int ifindex[HF_MAX_PORTS];
	uint32_t i;
	int rc;

	for (i = 0; i < dp->nports; i++)
		ifindex[i] = dp->port[i].ifindex;
	rc = hf_linkmon_open(&d->lm, ifindex, dp->nports, NULL);
	if (rc) {
		snprintf(err, errlen, "dha: link monitor on %u data port(s): %s",
			 dp->nports, strerror(-rc));
		return rc;
	}
	/* the initial dump is done: the state is known before the start */
	on_link(d, hf_now_ns());
	return 0;
}

int hf_dha_create(struct hf_dha **out, struct hf_dataplane *dp,
		  struct hf_ha_agent *agent, char *err, size_t errlen)
{
	const struct hf_cfg_ha *ha = &dp->cfg->ha;
	struct hf_dha *d;
	int rc;

	if (!ha->present) {
		snprintf(err, errlen, "dha: no ha block in the config");
		return -EINVAL;
	}
	d = calloc(1, sizeof(*d));
	if (!d) {
		snprintf(err, errlen, "dha: out of memory");
		return -ENOMEM;
	}
	d->dp = dp;
	d->agent = agent;
	d->ep_fd = d->timer_fd = d->stop_fd = d->ctl_fd = -1;
	pthread_mutex_init(&d->lock, NULL);
	rc = hf_dha_state_init(&d->st, ha, dp->port, dp->nports, dp->nworkers,
			       hf_now_ns());
	if (rc) {
		snprintf(err, errlen, "dha: link or path groups do not fit %u data port(s), %u worker(s)",
			 dp->nports, dp->nworkers);
		goto fail;
	}
	if (d->st.npath && (!dp->probe || !dp->nworkers)) {
		rc = -EINVAL;
		snprintf(err, errlen, "dha: path groups need a worker to send probes");
		goto fail;
	}
	d->ep_fd = epoll_create1(EPOLL_CLOEXEC);
	d->timer_fd = timerfd_create(CLOCK_MONOTONIC,
				     TFD_NONBLOCK | TFD_CLOEXEC);
	d->stop_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (d->ep_fd < 0 || d->timer_fd < 0 || d->stop_fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "dha: epoll/timerfd/eventfd: %s",
			 strerror(errno));
		goto fail;
	}
	rc = ep_add(d, d->stop_fd, EV_STOP);
	if (!rc)
		rc = ep_add(d, d->timer_fd, EV_TIMER);
	if (rc) {
		snprintf(err, errlen, "dha: epoll_ctl: %s", strerror(-rc));
		goto fail;
	}
	if (d->st.nlink) {
		d->ctl_fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (d->ctl_fd < 0) {
			/* rtnetlink alone then: carrier losses may be late */
			log_warn("dha: no socket for the carrier poll: %s",
				 strerror(errno));
			d->st.carrier_period_ns = 0;
		}
		carrier_flush(d);
		rc = linkmon_init(d, err, errlen);
		if (rc)
			goto fail;
		rc = ep_add(d, hf_linkmon_fd(d->lm), EV_LINK);
		if (rc) {
			snprintf(err, errlen, "dha: epoll_ctl: %s",
				 strerror(-rc));
			goto fail;
		}
	}
	if (d->st.npath)
		probes_init(d);
	*out = d;
	return 0;
fail:
	hf_dha_destroy(d);
	return rc;
}

int hf_dha_start(struct hf_dha *d)
{
	int rc = pthread_create(&d->thread, NULL, dha_main, d);

	if (rc)
		return -rc;
	pthread_setname_np(d->thread, "dha");
	d->started = true;
	pthread_mutex_lock(&d->lock);
	d->running = true;
	pthread_mutex_unlock(&d->lock);
	return 0;
}

void hf_dha_stop(struct hf_dha *d)
{
	uint64_t one = 1;

	if (!d || !d->started)
		return;
	__atomic_store_n(&d->stop, true, __ATOMIC_RELEASE);
	if (write(d->stop_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		log_warn("dha: stop wake-up failed: %s", strerror(errno));
	pthread_join(d->thread, NULL);
	d->started = false;
	pthread_mutex_lock(&d->lock);
	d->running = false;
	pthread_mutex_unlock(&d->lock);
}

void hf_dha_destroy(struct hf_dha *d)
{
	if (!d)
		return;
	hf_dha_stop(d);
	hf_linkmon_close(d->lm);
	if (d->ctl_fd >= 0)
		close(d->ctl_fd);
	if (d->stop_fd >= 0)
		close(d->stop_fd);
	if (d->timer_fd >= 0)
		close(d->timer_fd);
	if (d->ep_fd >= 0)
		close(d->ep_fd);
	pthread_mutex_destroy(&d->lock);
	free(d);
}

void hf_dha_status(struct hf_dha *d, struct hf_dha_status *st)
{
	pthread_mutex_lock(&d->lock);
	st->st = d->st;
	memcpy(st->counter, d->counter, sizeof(st->counter));
	st->now_ns = hf_now_ns();
	st->running = d->running;
	st->linkmon = d->lm;
	st->lm = d->lm_stats;
	pthread_mutex_unlock(&d->lock);
}
