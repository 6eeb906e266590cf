// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * commands_ha.c - `show ha` and `ha suspend|functional|failover`
 * (declared in control/cmd_args.h). They run on mprelay and reach the
 * HA agent only through its snapshot and admin calls (ha/ha_agent.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/time.h"
#include "control/buf.h"
#include "control/cmd_args.h"
#include "control/textparse.h"
#include "fwd/dataplane.h"
#include "ha/dha.h"
#include "ha/dssd.h"
#include "ha/ha_agent.h"

static int no_ha(struct hf_cmd_args *a)
{
	return hf_cmd_err(a, -ENOENT,
			  "HA is not configured (no ha block in the config)");
}

/* ms from @now until @t (an absolute timer), -1 when disarmed */
static long long ms_until(uint64_t now, uint64_t t)
{
	if (t == HF_HA_NEVER)
		return -1;
	return t > now ? (long long)((t - now) / HF_NSEC_PER_MSEC) : 0;
}

static long long ms_since(uint64_t now, uint64_t t)
{
	return t && now > t ? (long long)((now - t) / HF_NSEC_PER_MSEC) : 0;
}

/* dha: link groups, path targets, worker liveness */
static void monitors_text(struct hf_cmd_args *a, const struct hf_dha_status *d)
{
	const struct hf_dha_state *st = &d->st;
	uint32_t g, i;
	char ip[16];

	for (g = 0; g < st->nlink; g++) {
		hf_buf_printf(a->out, "link group:  %s (%s) %s:", st->link[g].name,
			      st->link[g].all ? "all" : "any",
			      st->link[g].failed ? "FAILED" : "ok");
		for (i = 0; i < st->nports; i++)
			if (st->link[g].ports & (1u << i))
				hf_buf_printf(a->out, " %s %s", st->port[i].name,
					      st->port[i].up ? "up" : "down");
		hf_buf_printf(a->out, "\n");
	}
	for (g = 0; g < st->npath; g++) {
		const struct hf_dha_path_group *p = &st->path[g];

		hf_buf_printf(a->out, "path group:  %s (%s, every %u ms, %u misses) %s:",
			      p->name, p->all ? "all" : "any", p->interval_ms,
			      p->misses, p->failed ? "FAILED" : "ok");
		for (i = 0; i < p->ntargets; i++) {
			const struct hf_dha_target *t = &p->target[i];

			hf_buf_printf(a->out, " %s %s (%lu/%lu answered",
				      hf_fmt_ip4(t->ip, ip),
				      t->failed ? "failed" : "ok",
				      (unsigned long)t->replied,
				      (unsigned long)t->sent);
			if (t->has_rtt)
				hf_buf_printf(a->out, ", rtt %u us", t->rtt_us);
			hf_buf_printf(a->out, ")");
		}
		hf_buf_printf(a->out, "\n");
	}
	hf_buf_printf(a->out, "dataplane:  ");
	for (i = 0; i < st->nworkers; i++)
		hf_buf_printf(a->out, " pan_task/%u %s (silent %lu ms)", i,
			      st->live[i].stuck ? "STUCK" : "alive",
			      (unsigned long)hf_dha_live_silent_ms(d, i));
	hf_buf_printf(a->out, "\n");
}

static void monitors_json(struct hf_cmd_args *a, const struct hf_dha_status *d)
{
	const struct hf_dha_state *st = &d->st;
	uint32_t g, i;
	char ip[16];

	hf_buf_printf(a->out, ",\"link_groups\":[");
	for (g = 0; g < st->nlink; g++) {
		bool first = true;

		hf_buf_printf(a->out, "%s{\"name\":", g ? "," : "");
		hf_buf_json_str(a->out, st->link[g].name);
		hf_buf_printf(a->out, ",\"all\":%s,\"failed\":%s,\"ports\":{",
			      st->link[g].all ? "true" : "false",
			      st->link[g].failed ? "true" : "false");
		for (i = 0; i < st->nports; i++) {
			if (!(st->link[g].ports & (1u << i)))
				continue;
			hf_buf_printf(a->out, "%s", first ? "" : ",");
			hf_buf_json_str(a->out, st->port[i].name);
			hf_buf_printf(a->out, ":%s", st->port[i].up ? "true" : "false");
			first = false;
		}
		hf_buf_printf(a->out, "}}");
	}
	hf_buf_printf(a->out, "],\"path_groups\":[");
	for (g = 0; g < st->npath; g++) {
		const struct hf_dha_path_group *p = &st->path[g];

		hf_buf_printf(a->out, "%s{\"name\":", g ? "," : "");
		hf_buf_json_str(a->out, p->name);
		hf_buf_printf(a->out, ",\"failed\":%s,\"targets\":[",
			      p->failed ? "true" : "false");
		for (i = 0; i < p->ntargets; i++) {
			const struct hf_dha_target *t = &p->target[i];

			hf_buf_printf(a->out,
				      "%s{\"ip\":\"%s\",\"failed\":%s,\"sent\":%lu,\"replied\":%lu,\"misses\":%u,\"rtt_us\":%d}",
				      i ? "," : "", hf_fmt_ip4(t->ip, ip),
				      t->failed ? "true" : "false",
				      (unsigned long)t->sent,
				      (unsigned long)t->replied, t->misses,
				      t->has_rtt ? (int)t->rtt_us : -1);
		}
		hf_buf_printf(a->out, "]}");
	}
	hf_buf_printf(a->out, "],\"workers\":[");
	for (i = 0; i < st->nworkers; i++)
		hf_buf_printf(a->out, "%s{\"stuck\":%s,\"silent_ms\":%lu}",
			      i ? "," : "", st->live[i].stuck ? "true" : "false",
			      (unsigned long)hf_dha_live_silent_ms(d, i));
	hf_buf_printf(a->out, "]");
}

static double ms_of(uint64_t ns)
{
	return (double)ns / 1e6;
}

/* dssd: what the sync is doing */
static void sync_text(struct hf_cmd_args *a, const struct hf_dssd_status *y)
{
	uint32_t i;

	hf_buf_printf(a->out,
		      "sync (HA2): %s, %s; sessions here %lu, on the peer %lu\n",
		      y->active ? "sending (active)" : "receiving (passive)",
		      y->synced ? "synced" : (y->want_bulk ? "bulk sync requested" : "not synced"),
		      (unsigned long)y->local_sessions,
		      (unsigned long)y->peer_sessions);
	if (y->active)
		hf_buf_printf(a->out,
			      "  sent %lu, acked %lu, queue %u, oldest unacked %.1f ms, retransmitted %lu, lag p50 %.2f ms p99 %.2f ms (%lu samples)\n",
			      (unsigned long)y->tx.last_sent,
			      (unsigned long)y->tx.last_acked, y->tx.depth,
			      ms_of(y->tx.oldest_age_ns),
			      (unsigned long)y->tx.cnt.rexmit,
			      ms_of(y->lag_p50_ns), ms_of(y->lag_p99_ns),
			      (unsigned long)y->lag_samples);
	if (y->bulk_tx.running || y->bulk_tx.msgs)
		hf_buf_printf(a->out, "  bulk out #%u: %lu sessions, %lu/%lu messages acked\n",
			      y->bulk_tx.id, (unsigned long)y->bulk_tx.sessions,
			      (unsigned long)y->bulk_tx.msgs_acked,
			      (unsigned long)y->bulk_tx.msgs);
	if (y->bulk_rx.running || y->bulk_rx.sessions)
		hf_buf_printf(a->out, "  bulk in #%u: %lu of %u sessions received, %lu applied\n",
			      y->bulk_rx.id, (unsigned long)y->bulk_rx.sessions,
			      y->bulk_rx.expected,
			      (unsigned long)y->bulk_rx.applied);
	hf_buf_printf(a->out, "  ");
	for (i = 0; i < HF_DSSD_C_MAX; i++)
		if (y->counter[i])
			hf_buf_printf(a->out, " %s %lu", hf_dssd_counter_name(i),
				      (unsigned long)y->counter[i]);
	if (y->notes_lost)
		hf_buf_printf(a->out, " notes_lost %lu",
			      (unsigned long)y->notes_lost);
	hf_buf_printf(a->out, "\n");
	for (i = 1; i < HF_HAP_ERR_MAX; i++)
		if (y->bad[i])
			hf_buf_printf(a->out, "  sync dropped %s: %lu\n",
				      hf_hap_err_name(i),
				      (unsigned long)y->bad[i]);
}

static void sync_json(struct hf_cmd_args *a, const struct hf_dssd_status *y)
{
	uint32_t i;
	bool first = true;

	hf_buf_printf(a->out,
		      ",\"sync\":{\"active\":%s,\"synced\":%s,\"want_bulk\":%s,\"local_sessions\":%lu,\"peer_sessions\":%lu,"
		      "\"last_sent\":%lu,\"last_acked\":%lu,\"queue\":%u,\"oldest_unacked_ms\":%.3f,\"retransmitted\":%lu,"
		      "\"lag_p50_ms\":%.3f,\"lag_p99_ms\":%.3f,\"lag_samples\":%lu,\"applied\":%lu,\"notes_lost\":%lu,"
		      "\"bulk_out\":{\"id\":%u,\"running\":%s,\"sessions\":%lu,\"msgs\":%lu,\"acked\":%lu},"
		      "\"bulk_in\":{\"id\":%u,\"running\":%s,\"expected\":%u,\"received\":%lu,\"applied\":%lu},\"counters\":{",
		      y->active ? "true" : "false", y->synced ? "true" : "false",
		      y->want_bulk ? "true" : "false",
		      (unsigned long)y->local_sessions,
		      (unsigned long)y->peer_sessions,
		      (unsigned long)y->tx.last_sent,
		      (unsigned long)y->tx.last_acked, y->tx.depth,
		      ms_of(y->tx.oldest_age_ns),
		      (unsigned long)y->tx.cnt.rexmit, ms_of(y->lag_p50_ns),
		      ms_of(y->lag_p99_ns), (unsigned long)y->lag_samples,
		      (unsigned long)y->rx.last_delivered,
		      (unsigned long)y->notes_lost, y->bulk_tx.id,
		      y->bulk_tx.running ? "true" : "false",
		      (unsigned long)y->bulk_tx.sessions,
		      (unsigned long)y->bulk_tx.msgs,
		      (unsigned long)y->bulk_tx.msgs_acked, y->bulk_rx.id,
		      y->bulk_rx.running ? "true" : "false",
		      y->bulk_rx.expected, (unsigned long)y->bulk_rx.sessions,
		      (unsigned long)y->bulk_rx.applied);
	for (i = 0; i < HF_DSSD_C_MAX; i++)
		hf_buf_printf(a->out, "%s\"%s\":%lu", i ? "," : "",
			      hf_dssd_counter_name(i),
			      (unsigned long)y->counter[i]);
	hf_buf_printf(a->out, "},\"bad\":{");
	for (i = 1; i < HF_HAP_ERR_MAX; i++) {
		if (!y->bad[i])
			continue;
		hf_buf_printf(a->out, "%s\"%s\":%lu", first ? "" : ",",
			      hf_hap_err_name(i), (unsigned long)y->bad[i]);
		first = false;
	}
	hf_buf_printf(a->out, "}}");
}

static void show_json(struct hf_cmd_args *a, const struct hf_ha_status *st,
		      const struct hf_dha_status *d,
		      const struct hf_dssd_status *y)
{
	const struct hf_ha *sm = &st->sm;
	const struct hf_ha_peer *p = &sm->peer;
	uint32_t i;
	bool first = true;

	hf_buf_printf(a->out,
		      "{\"node_id\":%u,\"priority\":%u,\"preempt\":%s,\"state\":\"%s\",\"state_ms\":%lld,"
		      "\"forwarding\":%s,\"healthy\":%s,\"fault\":\"%s\",\"fault_detail\":",
		      sm->params.node_id, sm->params.priority,
		      sm->params.preempt ? "true" : "false",
		      hf_ha_state_name(sm->state),
		      ms_since(st->now_ns, sm->state_since_ns),
		      hf_ha_state_is_forwarding(sm->state) ? "true" : "false",
		      sm->fault == HF_HA_FAULT_NONE ? "true" : "false",
		      hf_ha_fault_name(sm->fault));
	hf_buf_json_str(a->out, sm->fault_detail);
	hf_buf_printf(a->out,
		      ",\"synced\":%s,\"sync_daemon\":%s,\"sync_applied\":%lu,\"tcp_up\":%s,"
		      "\"transitions\":%lu,\"flaps\":%u,\"split_brains\":%lu,\"last_transition\":",
		      sm->synced ? "true" : "false",
		      st->synced_known ? "true" : "false",
		      (unsigned long)st->sync_applied,
		      st->tcp_up ? "true" : "false",
		      (unsigned long)sm->transitions, sm->flaps,
		      (unsigned long)sm->split_brains);
	if (sm->transitions) {
		hf_buf_printf(a->out,
			      "{\"from\":\"%s\",\"to\":\"%s\",\"reason\":\"%s\",\"ago_ms\":%lld,\"at_ns\":%lu,\"text\":",
			      hf_ha_state_name(sm->last.from),
			      hf_ha_state_name(sm->last.to),
			      hf_ha_reason_name(sm->last.reason),
			      ms_since(st->now_ns, sm->last.at_ns),
			      (unsigned long)sm->last.at_ns);
		hf_buf_json_str(a->out, sm->last.text);
		hf_buf_printf(a->out, "}");
	} else {
		hf_buf_printf(a->out, "null");
	}
	hf_buf_printf(a->out,
		      ",\"timers_ms\":{\"hello\":%lld,\"peer_dead\":%lld,\"init_wait\":%lld,\"preempt\":%lld,\"yield\":%lld}",
		      ms_until(st->now_ns, sm->timers.hello_ns),
		      ms_until(st->now_ns, sm->timers.peer_dead_ns),
		      ms_until(st->now_ns, sm->timers.init_wait_ns),
		      ms_until(st->now_ns, sm->timers.preempt_ns),
		      ms_until(st->now_ns, sm->timers.yield_ns));
	hf_buf_printf(a->out,
		      ",\"peer\":{\"known\":%s,\"alive\":%s,\"node_id\":%u,\"state\":\"%s\",\"priority\":%u,"
		      "\"healthy\":%s,\"synced\":%s,\"preempt\":%s,\"interval_ms\":%u,\"last_hello_ms\":%lld}",
		      p->known ? "true" : "false", p->alive ? "true" : "false",
		      p->node_id, p->known ? hf_ha_state_name(p->state) : "unknown",
		      p->priority, p->healthy ? "true" : "false",
		      p->synced ? "true" : "false",
		      p->preempt ? "true" : "false", p->interval_ms,
		      p->known ? ms_since(st->now_ns, p->last_rx_ns) : -1);
	hf_buf_printf(a->out, ",\"counters\":{");
	for (i = 0; i < HF_HA_AC_MAX; i++)
		hf_buf_printf(a->out, "%s\"%s\":%lu", i ? "," : "",
			      hf_ha_agent_counter_name(i),
			      (unsigned long)st->counter[i]);
	hf_buf_printf(a->out, "},\"bad\":{");
	for (i = 1; i < HF_HAP_ERR_MAX; i++) {
		if (!st->bad[i])
			continue;
		hf_buf_printf(a->out, "%s\"%s\":%lu", first ? "" : ",",
			      hf_hap_err_name(i), (unsigned long)st->bad[i]);
		first = false;
	}
	hf_buf_printf(a->out, "}");
	if (d)
		monitors_json(a, d);
	if (y)
		sync_json(a, y);
	hf_buf_printf(a->out, "}\n");
}

static void show_text(struct hf_cmd_args *a, const struct hf_ha_status *st,
		      const struct hf_dha_status *d,
		      const struct hf_dssd_status *y)
{
	const struct hf_ha *sm = &st->sm;
	const struct hf_ha_peer *p = &sm->peer;
	uint32_t i;

	hf_buf_printf(a->out,
		      "node:        %u, priority %u (lower is preferred), preemption %s\n"
		      "state:       %s for %lld ms (%s)\n",
		      sm->params.node_id, sm->params.priority,
		      sm->params.preempt ? "on" : "off",
		      hf_ha_state_name(sm->state),
		      ms_since(st->now_ns, sm->state_since_ns),
		      hf_ha_state_is_forwarding(sm->state) ? "forwarding" :
							     "not forwarding");
	if (sm->fault == HF_HA_FAULT_NONE)
		hf_buf_printf(a->out, "health:      healthy\n");
	else
		hf_buf_printf(a->out, "health:      %s%s%s\n",
			      hf_ha_fault_name(sm->fault),
			      sm->fault_detail[0] ? ": " : "", sm->fault_detail);
	if (sm->transitions)
		hf_buf_printf(a->out,
			      "last change: %s -> %s, %lld ms ago: %s\n",
			      hf_ha_state_name(sm->last.from),
			      hf_ha_state_name(sm->last.to),
			      ms_since(st->now_ns, sm->last.at_ns),
			      sm->last.text);
	hf_buf_printf(a->out, "transitions: %lu, flaps %u, split brains %lu\n",
		      (unsigned long)sm->transitions, sm->flaps,
		      (unsigned long)sm->split_brains);
	if (!p->known)
		hf_buf_printf(a->out, "peer:        never heard\n");
	else
		hf_buf_printf(a->out,
			      "peer:        node %u, %s%s, priority %u, %s, %s, last hello %lld ms ago (every %u ms)\n",
			      p->node_id, hf_ha_state_name(p->state),
			      p->alive ? "" : " (not alive)", p->priority,
			      p->healthy ? "healthy" : "unhealthy",
			      p->synced ? "synced" : "not synced",
			      ms_since(st->now_ns, p->last_rx_ns),
			      p->interval_ms);
	if (d)
		monitors_text(a, d);
	hf_buf_printf(a->out, "HA1 TCP:     %s\n", st->tcp_up ? "up" : "down");
	if (y)
		sync_text(a, y);
	else
		hf_buf_printf(a->out, "sync:        %s (no session sync running)\n",
			      sm->synced ? "synced" : "not synced");
	hf_buf_printf(a->out,
		      "timers (ms): hello %lld, peer dead %lld, initial wait %lld, preempt %lld\n",
		      ms_until(st->now_ns, sm->timers.hello_ns),
		      ms_until(st->now_ns, sm->timers.peer_dead_ns),
		      ms_until(st->now_ns, sm->timers.init_wait_ns),
		      ms_until(st->now_ns, sm->timers.preempt_ns));
	hf_buf_printf(a->out, "counters:   ");
	for (i = 0; i < HF_HA_AC_MAX; i++)
		if (st->counter[i])
			hf_buf_printf(a->out, " %s %lu",
				      hf_ha_agent_counter_name(i),
				      (unsigned long)st->counter[i]);
	hf_buf_printf(a->out, "\n");
	for (i = 1; i < HF_HAP_ERR_MAX; i++)
		if (st->bad[i])
			hf_buf_printf(a->out, "  dropped %s: %lu\n",
				      hf_hap_err_name(i),
				      (unsigned long)st->bad[i]);
}

int hf_cmd_show_ha(struct hf_cmd_args *a)
{
	struct hf_dha_status *dha = NULL;
	struct hf_dssd_status *sync = NULL;
	struct hf_ha_status st;

	if (a->argc)
		return hf_cmd_err(a, -EINVAL, "usage: show ha [--json]");
	if (!a->dp->ha)
		return no_ha(a);
	hf_ha_agent_status(a->dp->ha, &st);
	if (a->dp->dha) {
		dha = malloc(sizeof(*dha));	/* ~9 KB: not on the stack */
		if (!dha)
			return hf_cmd_err(a, -ENOMEM, "out of memory");
		hf_dha_status(a->dp->dha, dha);
	}
	if (a->dp->dssd) {
		sync = malloc(sizeof(*sync));
		if (!sync) {
			free(dha);
			return hf_cmd_err(a, -ENOMEM, "out of memory");
		}
		hf_dssd_status(a->dp->dssd, sync);
	}
	if (a->json)
		show_json(a, &st, dha, sync);
	else
		show_text(a, &st, dha, sync);
	free(sync);
	free(dha);
	return 0;
}

static int admin(struct hf_cmd_args *a, enum hf_ha_admin cmd,
		 const char *name)
{
	if (a->argc)
		return hf_cmd_err(a, -EINVAL, "usage: ha %s", name);
	if (!a->dp->ha)
		return no_ha(a);
	return hf_ha_agent_admin(a->dp->ha, cmd, a->err, a->errlen);
}

int hf_cmd_ha_suspend(struct hf_cmd_args *a)
{
	return admin(a, HF_HA_ADMIN_SUSPEND, "suspend");
}

int hf_cmd_ha_functional(struct hf_cmd_args *a)
{
	return admin(a, HF_HA_ADMIN_FUNCTIONAL, "functional");
}

int hf_cmd_ha_failover(struct hf_cmd_args *a)
{
	return admin(a, HF_HA_ADMIN_FAILOVER, "failover");
}
