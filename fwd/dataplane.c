// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * dataplane.c - shared tables, the L3 snapshot, counter sums
 * (see fwd/dataplane.h).
 */
#include "fwd/dataplane.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "common/compiler.h"
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
	hf_policy_free(dp->policy);
	hf_sess_table_destroy(dp->sessions);
	dp->policy = NULL;
	dp->sessions = NULL;
	hf_neigh_table_destroy(dp->neigh);
	hf_nh_table_destroy(dp->nh);
	hf_fib_destroy(dp->fib);
	free(dp->l3);
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
	}
	return l3;
}

static void l3_free_rcu(struct rcu_head *head)
{
	free(container_of(head, struct hf_l3, rcu));
}

void hf_dp_publish_l3(struct hf_dataplane *dp, struct hf_l3 *l3)
{
	struct hf_l3 *old = rcu_xchg_pointer(&dp->l3, l3);

	if (old)
		call_rcu(&old->rcu, l3_free_rcu);
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
