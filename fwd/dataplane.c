// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * dataplane.c - shared tables, the L3 snapshot, the published packet
 * capture, counter sums (see fwd/dataplane.h).
 */
#include "fwd/dataplane.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "common/compiler.h"
#include "common/log.h"
#include "common/time.h"
#include "fwd/fib.h"
#include "fwd/neigh.h"
#include "fwd/nexthop.h"
#include "fwd/policy.h"
#include "fwd/session.h"
#include "fwd/worker.h"

/* Grace-period hook of the FIB and next-hop tables. */
static void dp_synchronize(void)
{
	synchronize_rcu();
}

/* The table exists even without a policy: `policy load` may turn
 * stateful mode on while running. */
static int sessions_create(struct hf_dataplane *dp,
			   const struct hf_config *cfg)
{
	struct hf_sess_params sp = { .max = cfg->session_max,
				     .nworkers = cfg->workers,
				     .sync = dp_synchronize };
	int c;

	for (c = 0; c < HF_TO_MAX; c++)
		sp.timeout_ns[c] = cfg->session_timeout[c] * HF_NSEC_PER_SEC;
	/* HA: changes queue up for dssd, which drains them every ms; 64k
	 * notes per worker last 6 s at 10k new sessions/s */
	if (cfg->ha.present)
		sp.sync_ring = 65536;
	return hf_sess_table_create(&dp->sessions, &sp);
}

int hf_dp_init(struct hf_dataplane *dp, const struct hf_config *cfg,
	       char *err, size_t errlen)
{
	struct hf_neigh_params np = {
		.reachable_ns = cfg->neigh_reachable_ms * HF_NSEC_PER_MSEC,
		.stale_keep_ns = cfg->neigh_stale_keep_ms * HF_NSEC_PER_MSEC,
		.resolve_timeout_ns = cfg->neigh_resolve_ms * HF_NSEC_PER_MSEC,
		.probe_interval_ns = cfg->neigh_probe_ms * HF_NSEC_PER_MSEC,
		.max_probes = 3,
	};
	int rc;

	memset(dp, 0, sizeof(*dp));
	dp->cfg = cfg;
	dp->event_fd = -1;
	pthread_mutex_init(&dp->l3_lock, NULL);
	rc = hf_fib_create(&dp->fib, cfg->fib_max_routes, cfg->fib_tbl8_groups,
			   dp_synchronize);
	if (!rc)
		rc = hf_nh_table_create(&dp->nh, cfg->nexthops_max,
					dp_synchronize);
	if (!rc)
		rc = hf_neigh_table_create(&dp->neigh, cfg->neigh_max, &np);
	if (!rc)
		rc = sessions_create(dp, cfg);
	if (rc) {
		snprintf(err, errlen, "cannot create tables: %s", strerror(-rc));
		hf_dp_fini(dp);
		return rc;
	}
	if (cfg->policy.present) {
		dp->policy = hf_policy_compile(&cfg->policy, cfg->workers, err,
					       errlen);
		if (!dp->policy) {
			hf_dp_fini(dp);
			return -ENOMEM;
		}
	}
	/* aligned: the ring's producer and consumer lines must not share
	 * (its size is a multiple of the alignment, as aligned_alloc
	 * wants) */
	dp->probe = aligned_alloc(HF_CACHELINE, sizeof(*dp->probe));
	if (!dp->probe) {
		snprintf(err, errlen, "cannot allocate the HA probe ring");
		hf_dp_fini(dp);
		return -ENOMEM;
	}
	memset(dp->probe, 0, sizeof(*dp->probe));
	dp->event_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (dp->event_fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "eventfd: %s", strerror(errno));
		hf_dp_fini(dp);
		return rc;
	}
	return 0;
}

void hf_dp_fini(struct hf_dataplane *dp)
{
	if (dp->cap.running)
		hf_dp_capture_stop(dp, "shutdown");
	hf_policy_free(dp->policy);
	hf_sess_table_destroy(dp->sessions);
	dp->policy = NULL;
	dp->sessions = NULL;
	hf_neigh_table_destroy(dp->neigh);
	hf_nh_table_destroy(dp->nh);
	hf_fib_destroy(dp->fib);
	free(dp->l3);
	free(dp->probe);
	dp->probe = NULL;
	if (dp->event_fd >= 0)
		close(dp->event_fd);
	dp->neigh = NULL;
	dp->nh = NULL;
	dp->fib = NULL;
	dp->l3 = NULL;
	dp->event_fd = -1;
}

struct hf_l3 *hf_dp_l3_from_config(const struct hf_dataplane *dp)
{
	const struct hf_config *cfg = dp->cfg;
	struct hf_l3 *l3 = calloc(1, sizeof(*l3));
	uint32_t i;

	if (!l3)
		return NULL;
	l3->nports = dp->nports;
	for (i = 0; i < dp->nports; i++) {
		const struct hf_cfg_port *c = &cfg->port[i];
		struct hf_l3_port *p = &l3->port[i];

		memcpy(p->mac, c->has_mac ? c->mac : dp->port[i].hw_mac, 6);
		p->mtu = c->mtu ? c->mtu : dp->port[i].hw_mtu;
		p->naddr = c->naddr;
		memcpy(p->addr, c->addr, sizeof(p->addr));
		p->nvaddr = c->nvaddr;
		memcpy(p->vaddr, c->vaddr, sizeof(p->vaddr));
		memcpy(p->vmac, c->vmac, 6);
		p->has_vmac = c->has_vmac;
	}
	l3->garp_count = cfg->ha.garp_count;
	l3->garp_interval_ns = cfg->ha.garp_interval_ms * HF_NSEC_PER_MSEC;
	/* with HA a node starts passive: the HA agent decides */
	hf_l3_set_active(l3, !cfg->ha.present, false);
	return l3;
}

void hf_l3_set_active(struct hf_l3 *l3, bool active, bool announce)
{
	uint32_t i;

	l3->forward = active;
	if (active && announce)
		l3->announce++;
	for (i = 0; i < l3->nports; i++) {
		struct hf_l3_port *p = &l3->port[i];

		p->vactive = active;
		memcpy(p->src_mac, active && p->has_vmac ? p->vmac : p->mac, 6);
	}
}

struct hf_l3 *hf_dp_l3_edit(struct hf_dataplane *dp)
{
	struct hf_l3 *l3 = malloc(sizeof(*l3));

	if (!l3)
		return NULL;
	pthread_mutex_lock(&dp->l3_lock);
	memcpy(l3, hf_dp_l3(dp), sizeof(*l3));
	return l3;
}

void hf_dp_l3_commit(struct hf_dataplane *dp, struct hf_l3 *l3)
{
	hf_dp_publish_l3(dp, l3);
	pthread_mutex_unlock(&dp->l3_lock);
}

void hf_dp_l3_abort(struct hf_dataplane *dp, struct hf_l3 *l3)
{
	pthread_mutex_unlock(&dp->l3_lock);
	free(l3);
}

static void l3_free_rcu(struct rcu_head *head)
{
	free(container_of(head, struct hf_l3, rcu));
}

void hf_dp_publish_l3(struct hf_dataplane *dp, struct hf_l3 *l3)
{
	struct hf_l3 *old;

	/* liburcu's xchg is not a release TSan can see */
	hf_tsan_release(l3);
	old = rcu_xchg_pointer(&dp->l3, l3);

	if (old)
		call_rcu(&old->rcu, l3_free_rcu);
}

/* ---- packet capture ---- */

/* Drop reason names for the capture's sidecar file; called on the
 * capture's writer thread: a read of a constant table. */
static const char *drop_reason_name(uint16_t reason)
{
	return reason < HF_CNT_MAX ? hf_counter_name((enum hf_counter)reason)
				   : NULL;
}

int hf_dp_capture_start(struct hf_dataplane *dp,
			const struct hf_capture_req *req, char *err,
			size_t errlen)
{
	struct hf_dp_capture *cap = &dp->cap;
	struct hf_capture_req r = *req;
	struct hf_capture *c;
	struct timespec now;
	char stages[32], limit[48];
	int rc;

	if (cap->running) {
		snprintf(err, errlen,
			 "a capture to '%s' is running: stop it first (capture stop)",
			 cap->file);
		return -EBUSY;
	}
	if (strlen(req->file) >= sizeof(cap->file) ||
	    (req->filter && strlen(req->filter) >= sizeof(cap->filter))) {
		snprintf(err, errlen, "capture file name or filter too long");
		return -ENAMETOOLONG;
	}
	r.nworkers = dp->nworkers;
	rc = hf_capture_start(&c, &r, drop_reason_name, err, errlen);
	if (rc)
		return rc;
	memset(cap, 0, sizeof(*cap));
	cap->running = true;
	cap->ran = true;
	cap->stages = req->stages;
	cap->count = req->count;
	cap->snaplen = req->snaplen ? req->snaplen : HF_CAP_SNAPLEN_DEFAULT;
	clock_gettime(CLOCK_REALTIME, &now);
	cap->started = now.tv_sec;
	cap->started_ns = hf_now_ns();
	snprintf(cap->file, sizeof(cap->file), "%s", req->file);
	snprintf(cap->filter, sizeof(cap->filter), "%s",
		 req->filter ? req->filter : "");
	/* the workers see a fully made capture */
	hf_tsan_release(c);
	rcu_assign_pointer(dp->capture, c);
	if (cap->count)
		snprintf(limit, sizeof(limit), "at most %lu records",
			 (unsigned long)cap->count);
	else
		snprintf(limit, sizeof(limit), "no record limit");
	log_info("capture started: stages %s, filter '%s', %s, to %s",
		 hf_cap_stages_fmt(cap->stages, stages, sizeof(stages)),
		 cap->filter, limit, cap->file);
	return 0;
}

int hf_dp_capture_stop(struct hf_dataplane *dp, const char *why)
{
	struct hf_dp_capture *cap = &dp->cap;
	struct hf_capture *c;

	if (!cap->running)
		return -ENOENT;
	c = rcu_xchg_pointer(&dp->capture, NULL);
	/* after this no worker holds c: each has passed a quiescent state
	 * since the pointer went, and hf_capture_packet() is over */
	synchronize_rcu();
	hf_capture_stop(c, &cap->stats);
	cap->running = false;
	cap->ended = why;
	cap->ended_ns = hf_now_ns();
	if (cap->stats.error)
		log_warn("capture to %s ended (%s): %s; %lu records written",
			 cap->file, why, strerror(-cap->stats.error),
			 (unsigned long)cap->stats.written);
	else
		log_info("capture to %s ended (%s): %lu written, %lu matched, %lu overflow, %lu filtered out",
			 cap->file, why, (unsigned long)cap->stats.written,
			 (unsigned long)cap->stats.matched,
			 (unsigned long)cap->stats.overflow,
			 (unsigned long)cap->stats.filtered_out);
	return 0;
}

void hf_dp_counters(const struct hf_dataplane *dp, uint64_t *out)
{
	uint32_t i, c;

	memset(out, 0, sizeof(*out) * HF_CNT_MAX);
	for (i = 0; i < dp->nworkers; i++)
		for (c = 0; c < HF_CNT_MAX; c++)
			out[c] += hf_cnt_read(&dp->worker[i]->stats.c[c]);
}

void hf_dp_port_stats(const struct hf_dataplane *dp, uint16_t port,
		      struct hf_port_stats *out)
{
	uint32_t i;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < dp->nworkers; i++) {
		const struct hf_port_stats *s = &dp->worker[i]->port_stats[port];

		out->rx_packets += hf_cnt_read(&s->rx_packets);
		out->rx_bytes += hf_cnt_read(&s->rx_bytes);
		out->tx_packets += hf_cnt_read(&s->tx_packets);
		out->tx_bytes += hf_cnt_read(&s->tx_bytes);
	}
}
