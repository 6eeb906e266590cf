/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * dp_fixture.h - what the dataplane-level unit tests share: a small
 * dataplane (tables from hf_dp_init) with three ports p1..p3 at
 * 198.18.{1,2,3}.1/24 and MACs 02:00:00:00:0N:01, RCU registration of
 * the test thread, and the ThreadSanitizer suppressions for liburcu
 * (not instrumented, so frees after a grace period look like races).
 * Included once by each test program that needs it.
 */
#ifndef HF_TESTS_DP_FIXTURE_H
#define HF_TESTS_DP_FIXTURE_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/rcu.h"
#include "control/config.h"
#include "fwd/dataplane.h"

#define IP(a, b, c, d) \
	((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))

#define NPORTS	3

const char *__tsan_default_suppressions(void);
const char *__tsan_default_suppressions(void)
{
	return "called_from_lib:liburcu-cds.so\n"
	       "called_from_lib:liburcu-qsbr.so\n"
	       "race:neigh_free_rcu\n"
	       "race:l3_free_rcu\n";
}

/* cmocka group set-up/teardown: the test thread is an RCU reader. */
static int group_setup(void **state)
{
	(void)state;
	urcu_qsbr_register_thread();
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	urcu_qsbr_unregister_thread();
	return 0;
}

static inline void fixture_port_mac(uint32_t port, uint8_t mac[6])
{
	static const uint8_t base[6] = { 0x02, 0, 0, 0, 0, 0x01 };

	memcpy(mac, base, 6);
	mac[4] = (uint8_t)(port + 1);
}

/*
 * fixture_dp_init() - small tables, three ports with names, MACs, MTU
 * 1500 and one address each (no routes installed). 0 or -1.
 */
static int fixture_dp_init(struct hf_config *cfg, struct hf_dataplane *dp,
			   uint32_t max_routes, uint32_t nexthops, char *err,
			   size_t errlen)
{
	struct hf_l3 *l3;
	uint32_t i;

	hf_config_defaults(cfg);
	cfg->fib_max_routes = max_routes;
	cfg->fib_tbl8_groups = 64;
	cfg->nexthops_max = nexthops;
	cfg->neigh_max = 64;
	if (hf_dp_init(dp, cfg, err, errlen))
		return -1;
	l3 = calloc(1, sizeof(*l3));
	if (!l3) {
		hf_dp_fini(dp);
		return -1;
	}
	l3->nports = NPORTS;
	dp->nports = NPORTS;
	for (i = 0; i < NPORTS; i++) {
		struct hf_port *p = &dp->port[i];

		snprintf(p->name, sizeof(p->name), "p%u", i + 1);
		snprintf(p->ifname, sizeof(p->ifname), "veth%u", i + 1);
		snprintf(p->driver, sizeof(p->driver), "veth");
		p->ifindex = 10 + (int)i;
		p->hw_mtu = 1500;
		p->rx_queues = 1;
		p->tx_queues = 1;
		p->xsks_map_fd = -1;
		p->stats_map_fd = -1;
		fixture_port_mac(i, p->hw_mac);
		fixture_port_mac(i, l3->port[i].mac);
		l3->port[i].mtu = 1500;
		l3->port[i].naddr = 1;
		l3->port[i].addr[0].ip = IP(198, 18, i + 1, 1);
		l3->port[i].addr[0].len = 24;
	}
	hf_l3_set_active(l3, true, false);	/* no HA: forwards */
	dp->l3 = l3;
	return 0;
}

/* fixture_dp_fini() - let call_rcu frees run, then free the tables. */
static void fixture_dp_fini(struct hf_dataplane *dp)
{
	urcu_qsbr_thread_offline();
	rcu_barrier();
	hf_dp_fini(dp);		/* frees dp->l3 too */
	urcu_qsbr_thread_online();
}

#endif /* HF_TESTS_DP_FIXTURE_H */
