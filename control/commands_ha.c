// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * commands_ha.c - `show ha` and `ha suspend|functional|failover`
 * (declared in control/cmd_args.h). They run on mprelay and reach the
 * HA agent only through its snapshot and admin calls (ha/ha_agent.h).
 */
#include <errno.h>
#include <string.h>

#include "common/time.h"
#include "control/buf.h"
#include "control/cmd_args.h"
#include "fwd/dataplane.h"
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

static void show_json(struct hf_cmd_args *a, const struct hf_ha_status *st)
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
	hf_buf_printf(a->out, "}}\n");
}

static void show_text(struct hf_cmd_args *a, const struct hf_ha_status *st)
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
	hf_buf_printf(a->out, "HA1 TCP:     %s\n", st->tcp_up ? "up" : "down");
	hf_buf_printf(a->out, "sync:        %s%s, last applied sequence %lu\n",
		      sm->synced ? "synced" : "not synced",
		      st->synced_known ? "" : " (no session sync running)",
		      (unsigned long)st->sync_applied);
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
	struct hf_ha_status st;

	if (a->argc)
		return hf_cmd_err(a, -EINVAL, "usage: show ha [--json]");
	if (!a->dp->ha)
		return no_ha(a);
	hf_ha_agent_status(a->dp->ha, &st);
	if (a->json)
		show_json(a, &st);
	else
		show_text(a, &st);
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
