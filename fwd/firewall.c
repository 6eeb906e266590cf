// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * firewall.c - sessions and policy on the packet path (see
 * fwd/firewall.h).
 *
 * Order: a packet of a known session only updates it (TCP state,
 * counters); an ICMP error passes if the packet it quotes belongs to a
 * session; anything else is a new flow: it must be allowed to open one
 * (a bare SYN for TCP unless loose pickup, a request for ICMP queries),
 * then the policy decides, then the session is made.
 */
#include "fwd/firewall.h"

#include <linux/if_xdp.h>

#include "fwd/dataplane.h"
#include "fwd/flow.h"
#include "fwd/policy.h"
#include "fwd/session.h"
#include "fwd/tcp_state.h"
#include "fwd/worker.h"

static bool drop(struct hf_worker *w, uint64_t addr, enum hf_counter why)
{
	hf_worker_drop(w, addr, why);
	return false;
}

/* Move the TCP state of @s on by a packet with @flags going @dir;
 * *@moved tells whether the state changed. */
static bool tcp_advance(struct hf_session *s, enum hf_dir dir, uint8_t flags,
			bool *moved)
{
	uint8_t cur = __atomic_load_n(&s->state, __ATOMIC_RELAXED);
	enum hf_tcp_state next;

	for (;;) {
		if (hf_tcp_transition((enum hf_tcp_state)cur, dir, flags,
				      &next) != HF_TCP_OK)
			return false;
		if (next == cur)
			return true;
		/* the other direction may be on another worker */
		if (__atomic_compare_exchange_n(&s->state, &cur, (uint8_t)next,
						false, __ATOMIC_RELAXED,
						__ATOMIC_RELAXED)) {
			__atomic_fetch_add(&s->sync_seq, 1, __ATOMIC_RELAXED);
			*moved = true;
			return true;
		}
	}
}

/* tell dssd (HA) about a made or changed session */
static void sync_note(struct hf_worker *w, const struct hf_session *s)
{
	if (!hf_sess_sync_note(w->dp->sessions, w->id, s))
		hf_worker_count(w, HF_CNT_sync_note_lost);
}

static bool on_session(struct hf_worker *w, struct hf_session *s,
		       enum hf_dir dir, const struct hf_flow *f,
		       uint32_t ip_len, uint64_t addr)
{
	bool moved = false;

	if (f->key.proto == HF_IPPROTO_TCP &&
	    !tcp_advance(s, dir, f->tcp_flags, &moved))
		return drop(w, addr, HF_CNT_drop_tcp_bad_state);
	if (moved)
		sync_note(w, s);
	if (dir == HF_DIR_REPLY &&
	    !(__atomic_load_n(&s->flags, __ATOMIC_RELAXED) & HF_SESS_REPLIED))
		__atomic_fetch_or(&s->flags, HF_SESS_REPLIED, __ATOMIC_RELAXED);
	hf_sess_touch(s, dir, ip_len, w->now_ns);
	return true;
}

static bool new_flow(struct hf_worker *w, struct hf_policy *pol,
		     const struct hf_flow *f, uint16_t in_port,
		     uint16_t out_port, uint32_t ip_len, uint64_t addr)
{
	uint8_t out_zone = hf_policy_zone_of(pol, out_port);
	struct hf_pol_pkt pk = {
		.from_zone = f->key.zone, .to_zone = out_zone,
		.proto = f->key.proto, .has_ports = f->has_ports,
		.src = f->key.saddr, .dst = f->key.daddr,
		.dport = f->key.dport,
	};
	bool loose = w->dp->cfg->tcp_loose_pickup, allow;
	enum hf_sess_create_result res;
	uint8_t state = HF_TCP_NONE;
	struct hf_session *s;
	enum hf_dir dir;
	uint32_t rule;

	if (f->key.proto == HF_IPPROTO_TCP) {
		if (!hf_tcp_can_open(f->tcp_flags, loose))
			return drop(w, addr, HF_CNT_drop_tcp_no_session);
		state = f->tcp_flags & HF_TCP_SYN ? HF_TCP_SYN_SENT
						  : HF_TCP_ESTABLISHED;
	} else if (!f->may_open) {
		return drop(w, addr, HF_CNT_drop_no_session);
	}
	rule = hf_policy_eval(pol, &pk, &allow);
	hf_policy_hit(pol, w->id, rule);
	if (!allow)
		return drop(w, addr, HF_CNT_drop_policy_deny);
	s = hf_sess_create(w->dp->sessions, w->id, &f->key, out_zone,
			   (uint8_t)in_port, (uint8_t)out_port, state,
			   rule == HF_RULE_DEFAULT ? HF_SESS_RULE_DEFAULT
						   : (uint16_t)rule,
			   w->now_ns, &res, &dir);
	switch (res) {
	case HF_SESS_CREATED:
		hf_worker_count(w, HF_CNT_sessions_created);
		hf_sess_touch(s, dir, ip_len, w->now_ns);
		sync_note(w, s);
		return true;
	case HF_SESS_RACED:
		hf_worker_count(w, HF_CNT_session_raced);
		if (__atomic_load_n(&s->flags, __ATOMIC_ACQUIRE) &
		    HF_SESS_DOOMED)
			return drop(w, addr, HF_CNT_drop_session_conflict);
		return on_session(w, s, dir, f, ip_len, addr);
	case HF_SESS_FULL:
		return drop(w, addr, HF_CNT_drop_session_full);
	default:
		return drop(w, addr, HF_CNT_drop_session_conflict);
	}
}

void hf_firewall_ahead(struct hf_worker *w, const struct hf_policy *pol,
		       uint16_t port, const struct xdp_desc *desc, uint32_t n)
{
	struct hf_fw_ahead *a = &w->fw_ahead;
	const struct hf_sess_key *keys[HF_SESS_BURST_MAX];
	struct hf_session *found[HF_SESS_BURST_MAX];
	uint8_t dir[HF_SESS_BURST_MAX];
	uint8_t zone = hf_policy_zone_of(pol, port);
	uint32_t i;

	n = HF_MIN(n, HF_SESS_BURST_MAX);
	a->pol = pol;
	a->n = n;
	a->pos = 0;
	for (i = 0; i < n; i++) {
		struct hf_fw_ahead_entry *e = &a->e[i];
		const uint8_t *frame = hf_umem_ptr(&w->umem, desc[i].addr);
		uint32_t ip_len;
		uint16_t type;

		e->ip_addr = 0;
		keys[i] = NULL;
		/* enough to find the flow; ipv4_input() validates it all
		 * (checksum too) before hf_firewall() uses the entry */
		if (hf_parse_eth(frame, desc[i].len, &type) ||
		    type != HF_ETH_P_IPV4 ||
		    hf_parse_ipv4_bounds(frame + HF_ETH_HLEN,
					 desc[i].len - HF_ETH_HLEN, &ip_len))
			continue;
		e->ip_addr = desc[i].addr + HF_ETH_HLEN;
		e->res = (uint8_t)hf_flow_of(
			(const struct hf_ipv4 *)(frame + HF_ETH_HLEN), ip_len,
			&e->f);
		e->f.key.zone = zone;
		if (e->res == HF_FLOW_OK)
			keys[i] = &e->f.key;
	}
	hf_sess_lookup_burst(w->dp->sessions, keys, n, found, dir);
	for (i = 0; i < n; i++) {
		a->e[i].s = found[i];
		a->e[i].dir = dir[i];
	}
}

/* the lookahead entry of the frame being processed, if it is this one */
static const struct hf_fw_ahead_entry *ahead_of(const struct hf_worker *w,
						 const struct hf_policy *pol,
						 uint64_t ip_addr)
{
	const struct hf_fw_ahead *a = &w->fw_ahead;

	if (a->pol != pol || a->pos >= a->n ||
	    a->e[a->pos].ip_addr != ip_addr)
		return NULL;
	return &a->e[a->pos];
}

bool hf_firewall(struct hf_worker *w, struct hf_policy *pol,
		 uint16_t in_port, uint16_t out_port,
		 const struct hf_ipv4 *ip, uint32_t ip_len, uint64_t addr)
{
	const struct hf_fw_ahead_entry *e = ahead_of(w, pol, addr);
	struct hf_session *s = NULL;
	enum hf_flow_result res;
	enum hf_dir dir = HF_DIR_ORIG;
	struct hf_flow f;

	if (e) {
		f = e->f;
		res = (enum hf_flow_result)e->res;
		s = e->s;
		dir = (enum hf_dir)e->dir;
	} else {
		res = hf_flow_of(ip, ip_len, &f);
		f.key.zone = hf_policy_zone_of(pol, in_port);
	}
	switch (res) {
	case HF_FLOW_OK:
		break;
	case HF_FLOW_LATER_FRAGMENT:
		return drop(w, addr, HF_CNT_drop_fw_fragment);
	default:
		return drop(w, addr, HF_CNT_drop_l4_truncated);
	}
	if (f.key.proto == HF_IPPROTO_TCP && !f.icmp_error &&
	    !hf_tcp_flags_valid(f.tcp_flags))
		return drop(w, addr, HF_CNT_drop_tcp_bad_flags);
	/* not found before the burst: an earlier frame of it may have
	 * made the session since */
	if (!s)
		s = hf_sess_lookup(w->dp->sessions, &f.key, &dir);
	if (f.icmp_error) {
		if (!s)
			return drop(w, addr, HF_CNT_drop_no_session);
		hf_worker_count(w, HF_CNT_fw_related);
		hf_sess_touch(s, dir, ip_len, w->now_ns);
		return true;
	}
	if (s)
		return on_session(w, s, dir, &f, ip_len, addr);
	return new_flow(w, pol, &f, in_port, out_port, ip_len, addr);
}
