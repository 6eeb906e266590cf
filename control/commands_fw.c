// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * commands_fw.c - control commands for sessions and the security policy
 * (see control/cmd_args.h): show sessions / session, clear sessions,
 * show policy, policy load.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/compiler.h"
#include "common/rcu.h"
#include "common/time.h"
#include "control/buf.h"
#include "control/cmd_args.h"
#include "control/config.h"
#include "control/textparse.h"
#include "fwd/dataplane.h"
#include "fwd/policy.h"
#include "fwd/session.h"

#define DEFAULT_LIMIT	10000

struct sess_filter {
	bool has_addr, has_port;
	uint32_t addr;
	uint16_t port;
	int proto;		/* -1: any */
	const char *state;	/* NULL: any */
	int zone;		/* -1: any */
	uint32_t limit;
};

static const char *proto_name(uint8_t p)
{
	switch (p) {
	case 6:
		return "tcp";
	case 17:
		return "udp";
	case 1:
		return "icmp";
	default:
		return NULL;
	}
}

/* "established", "syn-sent", ... for TCP; "new"/"active" otherwise. */
static const char *state_name(const struct hf_session *s)
{
	uint8_t st = __atomic_load_n(&s->state, __ATOMIC_RELAXED);

	if (s->proto == 6)
		return hf_tcp_state_name((enum hf_tcp_state)st);
	return __atomic_load_n(&s->flags, __ATOMIC_RELAXED) & HF_SESS_REPLIED
		       ? "active" : "new";
}

static const char *zone_name(const struct hf_policy *pol, uint8_t zone)
{
	const struct hf_cfg_policy *pc = pol ? hf_policy_config(pol) : NULL;

	if (!pc || !zone || zone > pc->nzones)
		return "-";
	return pc->zone[zone - 1].name;
}

static int zone_by_name(const struct hf_policy *pol, const char *name)
{
	const struct hf_cfg_policy *pc = pol ? hf_policy_config(pol) : NULL;
	uint32_t i;

	for (i = 0; pc && i < pc->nzones; i++)
		if (!strcmp(pc->zone[i].name, name))
			return (int)i + 1;
	return -1;
}

static int parse_filter(struct hf_cmd_args *a, struct sess_filter *f)
{
	const struct hf_policy *pol = rcu_dereference(a->dp->policy);
	uint32_t v;
	int k;

	memset(f, 0, sizeof(*f));
	f->proto = -1;
	f->zone = -1;
	f->limit = DEFAULT_LIMIT;
	if (a->argc % 2)
		return hf_cmd_err(a, -EINVAL,
				  "filters come in pairs: address A, port N, protocol P, state S, zone Z, limit N");
	for (k = 0; k < a->argc; k += 2) {
		const char *kw = a->argv[k], *val = a->argv[k + 1];

		if (!strcmp(kw, "address")) {
			if (hf_parse_ip4(val, &f->addr))
				return hf_cmd_err(a, -EINVAL,
						  "address '%s' is not an IPv4 address", val);
			f->has_addr = true;
		} else if (!strcmp(kw, "port")) {
			if (hf_parse_u32(val, 0, 65535, &v))
				return hf_cmd_err(a, -EINVAL,
						  "port '%s' is not 0..65535", val);
			f->port = (uint16_t)v;
			f->has_port = true;
		} else if (!strcmp(kw, "protocol")) {
			if (!strcmp(val, "tcp"))
				f->proto = 6;
			else if (!strcmp(val, "udp"))
				f->proto = 17;
			else if (!strcmp(val, "icmp"))
				f->proto = 1;
			else if (!hf_parse_u32(val, 0, 255, &v))
				f->proto = (int)v;
			else
				return hf_cmd_err(a, -EINVAL,
						  "protocol '%s' is not tcp, udp, icmp or 0..255", val);
		} else if (!strcmp(kw, "state")) {
			f->state = val;
		} else if (!strcmp(kw, "zone")) {
			f->zone = zone_by_name(pol, val);
			if (f->zone < 0)
				return hf_cmd_err(a, -ENOENT, "no zone named '%s'",
						  val);
		} else if (!strcmp(kw, "limit")) {
			if (hf_parse_u32(val, 1, UINT32_MAX, &f->limit))
				return hf_cmd_err(a, -EINVAL,
						  "limit '%s' is not a positive number", val);
		} else {
			return hf_cmd_err(a, -EINVAL,
					  "unknown filter '%s' (address, port, protocol, state, zone, limit)",
					  kw);
		}
	}
	return 0;
}

static bool filter_match(const struct hf_sess_table *t,
			 const struct hf_session *s, void *arg)
{
	const struct sess_filter *f = arg;
	struct hf_sess_key o, r;

	hf_sess_key_of(t, s, HF_DIR_ORIG, &o);
	hf_sess_key_of(t, s, HF_DIR_REPLY, &r);
	if (f->has_addr && o.saddr != f->addr && o.daddr != f->addr)
		return false;
	if (f->has_port && (!(o.proto == 6 || o.proto == 17) ||
			    (o.sport != f->port && o.dport != f->port)))
		return false;
	if (f->proto >= 0 && o.proto != f->proto)
		return false;
	if (f->state && strcmp(state_name(s), f->state))
		return false;
	if (f->zone >= 0 && o.zone != f->zone && r.zone != f->zone)
		return false;
	return true;
}

/* ---- show sessions ---- */

struct sess_show {
	struct hf_cmd_args *a;
	const struct hf_policy *pol;
	const struct sess_filter *f;
	uint64_t now;
	uint32_t shown, matched;
};

static void fmt_ip(uint32_t ip, char *buf, size_t len)
{
	snprintf(buf, len, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 255,
		 (ip >> 8) & 255, ip & 255);
}

static uint64_t ld(const uint64_t *v)
{
	return __atomic_load_n(v, __ATOMIC_RELAXED);
}

static double secs(uint64_t ns)
{
	return (double)ns / (double)HF_NSEC_PER_SEC;
}

static const char *rule_name(const struct hf_policy *pol, uint32_t rule,
			     char *buf, size_t len)
{
	const struct hf_cfg_policy *pc = pol ? hf_policy_config(pol) : NULL;

	if (rule == HF_SESS_RULE_DEFAULT)
		return "(default)";
	if (pc && rule < pc->nrules)
		return pc->rule[rule].name;
	snprintf(buf, len, "#%u", rule);
	return buf;
}

static void session_row(struct sess_show *ss, const struct hf_sess_table *t,
			const struct hf_session *s)
{
	struct hf_cmd_args *a = ss->a;
	struct hf_sess_key o, r;
	char src[16], dst[16], rbuf[16], name[8];
	uint64_t exp = hf_sess_expires_ns(t, s);
	uint64_t born = hf_sess_created_ns(s);
	double age = ss->now > born ? secs(ss->now - born) : 0;
	double left = exp > ss->now ? secs(exp - ss->now) : 0;
	const char *pn = proto_name(s->proto);

	hf_sess_key_of(t, s, HF_DIR_ORIG, &o);
	hf_sess_key_of(t, s, HF_DIR_REPLY, &r);
	fmt_ip(o.saddr, src, sizeof(src));
	fmt_ip(o.daddr, dst, sizeof(dst));
	if (!pn) {
		snprintf(name, sizeof(name), "%u", s->proto);
		pn = name;
	}
	if (a->json) {
		hf_buf_printf(a->out,
			      "%s{\"id\":%lu,\"protocol\":\"%s\",\"src\":\"%s\",\"sport\":%u,\"dst\":\"%s\",\"dport\":%u,"
			      "\"from_zone\":\"%s\",\"to_zone\":\"%s\",\"in_port\":%u,\"out_port\":%u,\"state\":\"%s\","
			      "\"age_s\":%.1f,\"expires_s\":%.1f,\"packets\":[%lu,%lu],\"bytes\":[%lu,%lu],"
			      "\"rule\":\"%s\",\"worker\":%u,\"sync_seq\":%lu}",
			      ss->shown ? "," : "",
			      (unsigned long)hf_sess_id(t, s),
			      pn, src, o.sport, dst, o.dport,
			      zone_name(ss->pol, o.zone), zone_name(ss->pol, r.zone),
			      s->port[HF_DIR_ORIG], s->port[HF_DIR_REPLY],
			      state_name(s), age, left,
			      (unsigned long)ld(&s->pkts[0]),
			      (unsigned long)ld(&s->pkts[1]),
			      (unsigned long)ld(&s->bytes[0]),
			      (unsigned long)ld(&s->bytes[1]),
			      rule_name(ss->pol, s->rule, rbuf, sizeof(rbuf)),
			      hf_sess_owner(t, s),
			      (unsigned long)ld(&s->sync_seq));
		return;
	}
	hf_buf_printf(a->out,
		      "%-12lu %-5s %15s:%-5u -> %15s:%-5u %-9s %-9s %-12s %7.1f %7.1f %8lu/%-8lu %s\n",
		      (unsigned long)hf_sess_id(t, s),
		      pn, src, o.sport, dst, o.dport,
		      zone_name(ss->pol, o.zone), zone_name(ss->pol, r.zone),
		      state_name(s), age, left,
		      (unsigned long)ld(&s->pkts[0]),
		      (unsigned long)ld(&s->pkts[1]),
		      rule_name(ss->pol, s->rule, rbuf, sizeof(rbuf)));
}

static void session_header(struct hf_cmd_args *a)
{
	hf_buf_printf(a->out,
		      "%-12s %-5s %21s    %21s %-9s %-9s %-12s %7s %7s %17s %s\n",
		      "id", "proto", "source", "destination", "from", "to",
		      "state", "age(s)", "left(s)", "packets(o/r)", "rule");
}

static bool show_cb(const struct hf_sess_table *t, const struct hf_session *s,
		    void *arg)
{
	struct sess_show *ss = arg;

	if (!filter_match(t, s, (void *)(uintptr_t)ss->f))
		return true;
	ss->matched++;
	if (ss->shown < ss->f->limit) {
		session_row(ss, t, s);
		ss->shown++;
	}
	return true;
}

int hf_cmd_show_sessions(struct hf_cmd_args *a)
{
	struct sess_filter f;
	struct sess_show ss = { .a = a, .f = &f, .now = hf_now_ns() };
	int rc = parse_filter(a, &f);

	if (rc)
		return rc;
	ss.pol = rcu_dereference(a->dp->policy);
	if (a->json)
		hf_buf_printf(a->out, "{\"sessions\":[");
	else
		session_header(a);
	hf_sess_foreach(a->dp->sessions, show_cb, &ss);
	if (a->json)
		hf_buf_printf(a->out, "],\"matched\":%u,\"shown\":%u}\n",
			      ss.matched, ss.shown);
	else if (ss.matched > ss.shown)
		hf_buf_printf(a->out, "(%u more not shown; use limit N)\n",
			      ss.matched - ss.shown);
	return 0;
}

/* ---- show session <id> | info ---- */

struct sess_census {
	uint64_t proto[4];		/* tcp, udp, icmp, other */
	uint64_t tcp[HF_TCP_STATE_MAX];
	uint64_t fresh, active;		/* non-TCP: no reply yet / replied */
};

static bool census_cb(const struct hf_sess_table *t,
		      const struct hf_session *s, void *arg)
{
	struct sess_census *c = arg;
	uint8_t st = __atomic_load_n(&s->state, __ATOMIC_RELAXED);

	(void)t;
	c->proto[s->proto == 6 ? 0 : s->proto == 17 ? 1 : s->proto == 1 ? 2 : 3]++;
	if (s->proto == 6)
		c->tcp[st < HF_TCP_STATE_MAX ? st : HF_TCP_CLOSED]++;
	else if (__atomic_load_n(&s->flags, __ATOMIC_RELAXED) & HF_SESS_REPLIED)
		c->active++;
	else
		c->fresh++;
	return true;
}

static int session_info(struct hf_cmd_args *a)
{
	static const char *const pn[] = { "tcp", "udp", "icmp", "other" };
	struct sess_census c;
	struct hf_sess_info info;
	uint64_t rate = __atomic_load_n(&a->dp->sess_setup_rate,
					__ATOMIC_RELAXED);
	uint32_t i;

	memset(&c, 0, sizeof(c));
	hf_sess_info(a->dp->sessions, &info);
	hf_sess_foreach(a->dp->sessions, census_cb, &c);
	if (a->json) {
		hf_buf_printf(a->out,
			      "{\"stateful\":%s,\"live\":%lu,\"capacity\":%lu,\"created\":%lu,\"freed\":%lu,"
			      "\"setup_rate\":%lu,\"memory\":%lu,\"bytes_per_session\":%lu,"
			      "\"burst_prefetch\":%s,\"bucket_huge_bytes\":%ld,\"protocols\":{",
			      rcu_dereference(a->dp->policy) ? "true" : "false",
			      (unsigned long)info.live,
			      (unsigned long)info.capacity,
			      (unsigned long)info.created,
			      (unsigned long)info.freed, (unsigned long)rate,
			      (unsigned long)info.memory,
			      (unsigned long)info.bytes_per_session,
			      info.burst_prefetch ? "true" : "false",
			      (long)info.bucket_huge);
		for (i = 0; i < 4; i++)
			hf_buf_printf(a->out, "%s\"%s\":%lu", i ? "," : "",
				      pn[i], (unsigned long)c.proto[i]);
		hf_buf_printf(a->out, "},\"tcp_states\":{");
		for (i = 0; i < HF_TCP_STATE_MAX; i++)
			hf_buf_printf(a->out, "%s\"%s\":%lu", i ? "," : "",
				      hf_tcp_state_name((enum hf_tcp_state)i),
				      (unsigned long)c.tcp[i]);
		hf_buf_printf(a->out, "},\"other_states\":{\"new\":%lu,\"active\":%lu}}\n",
			      (unsigned long)c.fresh, (unsigned long)c.active);
		return 0;
	}
	hf_buf_printf(a->out,
		      "mode:        %s\n"
		      "sessions:    %lu of %lu (%.1f%%)\n"
		      "created:     %lu since start, %lu/s in the last second\n"
		      "memory:      %lu bytes, %lu per session\n"
		      "lookups:     burst prefetch %s, %ld bytes of buckets on huge pages\n"
		      "protocols:  ",
		      rcu_dereference(a->dp->policy) ? "stateful" : "stateless router (no policy)",
		      (unsigned long)info.live, (unsigned long)info.capacity,
		      info.capacity ? 100.0 * (double)info.live / (double)info.capacity : 0,
		      (unsigned long)info.created, (unsigned long)rate,
		      (unsigned long)info.memory,
		      (unsigned long)info.bytes_per_session,
		      info.burst_prefetch ? "on" : "off",
		      (long)HF_MAX(info.bucket_huge, 0));
	for (i = 0; i < 4; i++)
		hf_buf_printf(a->out, " %s %lu", pn[i], (unsigned long)c.proto[i]);
	hf_buf_printf(a->out, "\ntcp states: ");
	for (i = 0; i < HF_TCP_STATE_MAX; i++)
		if (c.tcp[i])
			hf_buf_printf(a->out, " %s %lu",
				      hf_tcp_state_name((enum hf_tcp_state)i),
				      (unsigned long)c.tcp[i]);
	hf_buf_printf(a->out, "\nother:       new %lu active %lu\n",
		      (unsigned long)c.fresh, (unsigned long)c.active);
	return 0;
}

int hf_cmd_show_session(struct hf_cmd_args *a)
{
	struct sess_filter all = { .limit = 1 };
	struct sess_show ss = { .a = a, .f = &all, .now = hf_now_ns() };
	const struct hf_session *s;
	uint64_t id;
	char *end;

	if (a->argc != 1)
		return hf_cmd_err(a, -EINVAL, "usage: show session <id> | info");
	if (!strcmp(a->argv[0], "info"))
		return session_info(a);
	errno = 0;
	id = strtoull(a->argv[0], &end, 10);
	if (*end || end == a->argv[0] || errno)
		return hf_cmd_err(a, -EINVAL, "session id '%s' is not a number",
				  a->argv[0]);
	s = hf_sess_get(a->dp->sessions, id);
	if (!s)
		return hf_cmd_err(a, -ENOENT, "no session %s", a->argv[0]);
	ss.pol = rcu_dereference(a->dp->policy);
	if (!a->json)
		session_header(a);
	session_row(&ss, a->dp->sessions, s);
	if (a->json)
		hf_buf_printf(a->out, "\n");
	return 0;
}

/* ---- clear sessions ---- */

int hf_cmd_clear_sessions(struct hf_cmd_args *a)
{
	struct sess_filter f;
	uint32_t n;
	int rc = parse_filter(a, &f);

	if (rc)
		return rc;
	/* the reaper waits for a grace period: not from inside one */
	hf_rcu_offline();
	n = hf_sess_clear(a->dp->sessions, a->argc ? filter_match : NULL, &f);
	hf_rcu_online();
	if (a->json)
		hf_buf_printf(a->out, "{\"cleared\":%u}\n", n);
	else
		hf_buf_printf(a->out, "cleared %u session%s\n", n,
			      n == 1 ? "" : "s");
	return 0;
}

/* ---- show policy ---- */

static void fmt_prefix(uint32_t ip, uint8_t len, char *buf, size_t n)
{
	if (!len) {
		snprintf(buf, n, "any");
		return;
	}
	snprintf(buf, n, "%u.%u.%u.%u/%u", ip >> 24, (ip >> 16) & 255,
		 (ip >> 8) & 255, ip & 255, len);
}

static void fmt_rule_proto(const struct hf_cfg_rule *r, char *buf, size_t n)
{
	const char *pn = r->proto == HF_PROTO_ANY ? "any"
						 : proto_name((uint8_t)r->proto);

	if (pn)
		snprintf(buf, n, "%s", pn);
	else
		snprintf(buf, n, "%u", r->proto);
}

static void fmt_ports(const struct hf_cfg_rule *r, char *buf, size_t n)
{
	if (!r->has_dport)
		snprintf(buf, n, "any");
	else if (r->dport_lo == r->dport_hi)
		snprintf(buf, n, "%u", r->dport_lo);
	else
		snprintf(buf, n, "%u-%u", r->dport_lo, r->dport_hi);
}

static void port_list(struct hf_cmd_args *a, uint32_t mask)
{
	uint32_t i;
	bool first = true;

	for (i = 0; i < a->dp->nports; i++)
		if (mask & (1u << i)) {
			hf_buf_printf(a->out, a->json ? "%s\"%s\"" : "%s%s",
				      first ? "" : a->json ? "," : " ",
				      a->dp->port[i].name);
			first = false;
		}
}

int hf_cmd_show_policy(struct hf_cmd_args *a)
{
	const struct hf_policy *pol = rcu_dereference(a->dp->policy);
	const struct hf_cfg_policy *pc;
	char src[20], dst[20], pr[8], po[12];
	uint32_t i;

	if (a->argc)
		return hf_cmd_err(a, -EINVAL, "usage: show policy [--json]");
	if (!pol) {
		if (a->json)
			hf_buf_printf(a->out, "{\"stateful\":false}\n");
		else
			hf_buf_printf(a->out, "no policy: hafwd is a stateless router\n");
		return 0;
	}
	pc = hf_policy_config(pol);
	if (a->json) {
		hf_buf_printf(a->out, "{\"stateful\":true,\"zones\":[");
		for (i = 0; i < pc->nzones; i++) {
			hf_buf_printf(a->out, "%s{\"name\":\"%s\",\"ports\":[",
				      i ? "," : "", pc->zone[i].name);
			port_list(a, pc->zone[i].ports);
			hf_buf_printf(a->out, "]}");
		}
		hf_buf_printf(a->out, "],\"rules\":[");
	} else {
		for (i = 0; i < pc->nzones; i++) {
			hf_buf_printf(a->out, "zone %-12s ", pc->zone[i].name);
			port_list(a, pc->zone[i].ports);
			hf_buf_printf(a->out, "\n");
		}
		hf_buf_printf(a->out, "%-4s %-16s %-10s %-10s %-18s %-18s %-5s %-11s %-6s %12s\n",
			      "#", "rule", "from", "to", "source",
			      "destination", "proto", "port", "action", "hits");
	}
	for (i = 0; i < pc->nrules; i++) {
		const struct hf_cfg_rule *r = &pc->rule[i];
		const char *from = r->from_zone == HF_ZONE_ANY ? "any"
					: zone_name(pol, r->from_zone);
		const char *to = r->to_zone == HF_ZONE_ANY ? "any"
					: zone_name(pol, r->to_zone);

		fmt_prefix(r->src, r->src_len, src, sizeof(src));
		fmt_prefix(r->dst, r->dst_len, dst, sizeof(dst));
		fmt_rule_proto(r, pr, sizeof(pr));
		fmt_ports(r, po, sizeof(po));
		if (a->json)
			hf_buf_printf(a->out,
				      "%s{\"name\":\"%s\",\"from\":\"%s\",\"to\":\"%s\",\"source\":\"%s\",\"destination\":\"%s\","
				      "\"protocol\":\"%s\",\"port\":\"%s\",\"action\":\"%s\",\"hits\":%lu}",
				      i ? "," : "", r->name, from, to, src, dst,
				      pr, po, r->allow ? "allow" : "deny",
				      (unsigned long)hf_policy_hits(pol, i));
		else
			hf_buf_printf(a->out,
				      "%-4u %-16s %-10s %-10s %-18s %-18s %-5s %-11s %-6s %12lu\n",
				      i + 1, r->name, from, to, src, dst, pr, po,
				      r->allow ? "allow" : "deny",
				      (unsigned long)hf_policy_hits(pol, i));
	}
	if (a->json)
		hf_buf_printf(a->out, "],\"default\":{\"action\":\"%s\",\"hits\":%lu}}\n",
			      pc->default_allow ? "allow" : "deny",
			      (unsigned long)hf_policy_hits(pol, HF_RULE_DEFAULT));
	else
		hf_buf_printf(a->out, "%-4s %-16s %-87s %-6s %12lu\n", "-",
			      "(default)", "", pc->default_allow ? "allow" : "deny",
			      (unsigned long)hf_policy_hits(pol, HF_RULE_DEFAULT));
	return 0;
}

/* ---- policy load ---- */

/* Would the new policy refuse this session's first packet? */
static bool refused_by(const struct hf_sess_table *t,
		       const struct hf_session *s, void *arg)
{
	const struct hf_policy *pol = arg;
	struct hf_sess_key o;
	struct hf_pol_pkt k;
	bool allow;

	hf_sess_key_of(t, s, HF_DIR_ORIG, &o);
	k.from_zone = hf_policy_zone_of(pol, s->port[HF_DIR_ORIG]);
	k.to_zone = hf_policy_zone_of(pol, s->port[HF_DIR_REPLY]);
	k.proto = o.proto;
	k.has_ports = o.proto == 6 || o.proto == 17;
	k.src = o.saddr;
	k.dst = o.daddr;
	k.dport = o.dport;
	hf_policy_eval(pol, &k, &allow);
	return !allow;
}

int hf_cmd_policy_load(struct hf_cmd_args *a)
{
	struct hf_dataplane *dp = a->dp;
	bool reevaluate = a->argc == 2 && !strcmp(a->argv[1], "reevaluate");
	struct hf_policy *pol, *old;
	struct hf_cfg_policy pc;
	uint32_t removed = 0;
	int rc;

	if (a->argc < 1 || a->argc > 2 || (a->argc == 2 && !reevaluate))
		return hf_cmd_err(a, -EINVAL,
				  "usage: policy load <file> [reevaluate]");
	if (a->argv[0][0] != '/')
		return hf_cmd_err(a, -EINVAL,
				  "policy file '%s' must be an absolute path (hafwctl makes it one)",
				  a->argv[0]);
	rc = hf_config_load_policy(dp->cfg, a->argv[0], &pc, a->err, a->errlen);
	if (rc)
		return rc;
	pol = hf_policy_compile(&pc, dp->cfg->workers, a->err, a->errlen);
	free(pc.rule);
	if (!pol)
		return -ENOMEM;
	old = rcu_xchg_pointer(&dp->policy, pol);
	hf_policy_free_rcu(old);
	if (reevaluate) {
		hf_rcu_offline();
		removed = hf_sess_clear(dp->sessions, refused_by, pol);
		hf_rcu_online();
	}
	pc = *hf_policy_config(pol);
	if (a->json)
		hf_buf_printf(a->out,
			      "{\"rules\":%u,\"zones\":%u,\"default\":\"%s\",\"sessions_removed\":%u}\n",
			      pc.nrules, pc.nzones,
			      pc.default_allow ? "allow" : "deny", removed);
	else
		hf_buf_printf(a->out,
			      "policy loaded: %u rules, %u zones, default %s%s; %u sessions removed\n",
			      pc.nrules, pc.nzones,
			      pc.default_allow ? "allow" : "deny",
			      old ? "" : " (stateful mode on)", removed);
	return 0;
}
