// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * routes.c - connected, local, broadcast and static routes over the FIB
 * and next-hop table (see control/routes.h). Every change takes the new
 * next-hop reference before it touches the FIB and drops the old one
 * after, so a worker never finds an index that points nowhere.
 */
#include "control/routes.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "control/textparse.h"
#include "fwd/dataplane.h"
#include "fwd/fib.h"
#include "fwd/nexthop.h"

int hf_routes_port_for_gw(const struct hf_l3 *l3, uint32_t gw)
{
	uint32_t i, k;

	for (i = 0; i < l3->nports; i++)
		for (k = 0; k < l3->port[i].naddr; k++) {
			const struct hf_cfg_addr *a = &l3->port[i].addr[k];
			uint32_t m = hf_prefix4_mask(a->len);

			if ((a->ip & m) == (gw & m) && a->ip != gw)
				return (int)i;
		}
	return -1;
}

/* Point @prefix/@len at next hop @nh (add or replace). */
static int fib_set(struct hf_dataplane *dp, uint32_t prefix, uint8_t len,
		   const struct hf_nexthop *nh, char *err, size_t errlen)
{
	char buf[16];
	uint32_t old;
	int idx, rc;

	idx = hf_nh_get(dp->nh, nh);
	if (idx < 0) {
		snprintf(err, errlen, "next-hop table full (nexthops-max)");
		return idx;
	}
	rc = hf_fib_add(dp->fib, prefix, len, (uint32_t)idx, &old);
	if (rc) {
		hf_nh_put(dp->nh, (uint32_t)idx);
		snprintf(err, errlen, "route %s/%u: %s", hf_fmt_ip4(prefix, buf),
			 len, rc == -ENOSPC ?
			 "FIB full (fib-max-routes / fib-tbl8-groups)" :
			 strerror(-rc));
		return rc;
	}
	if (old != UINT32_MAX)
		hf_nh_put(dp->nh, old);
	return 0;
}

static int fib_unset(struct hf_dataplane *dp, uint32_t prefix, uint8_t len)
{
	uint32_t old;
	int rc = hf_fib_del(dp->fib, prefix, len, &old);

	if (!rc)
		hf_nh_put(dp->nh, old);
	return rc;
}

static int prefix_origin(struct hf_dataplane *dp, uint32_t prefix,
			 uint8_t len)
{
	uint32_t idx;

	if (hf_fib_get(dp->fib, prefix, len, &idx))
		return 0;
	return hf_nh_at(dp->nh, idx)->origin;
}

int hf_routes_addr_add(struct hf_dataplane *dp, uint16_t port,
		       const struct hf_cfg_addr *a, char *err, size_t errlen)
{
	uint32_t m = hf_prefix4_mask(a->len);
	struct hf_nexthop conn = { .type = HF_NH_FORWARD, .port = port,
				   .origin = HF_NH_ORIGIN_CONNECTED };
	struct hf_nexthop local = { .type = HF_NH_LOCAL, .port = port,
				    .origin = HF_NH_ORIGIN_LOCAL };
	struct hf_nexthop bcast = { .type = HF_NH_BROADCAST, .port = port,
				    .origin = HF_NH_ORIGIN_LOCAL };
	uint32_t bc = (a->ip & m) | ~m;
	char buf[16];
	int rc;

	/* never replace an operator's route behind their back */
	if (prefix_origin(dp, a->ip & m, a->len) ||
	    prefix_origin(dp, a->ip, 32) ||
	    (a->len < 31 && prefix_origin(dp, bc, 32))) {
		snprintf(err, errlen,
			 "a route for %s/%u, its address or its broadcast exists already: delete it first",
			 hf_fmt_ip4(a->ip & m, buf), a->len);
		return -EEXIST;
	}
	rc = fib_set(dp, a->ip & m, a->len, &conn, err, errlen);
	if (rc)
		return rc;
	rc = fib_set(dp, a->ip, 32, &local, err, errlen);
	if (rc) {
		fib_unset(dp, a->ip & m, a->len);
		return rc;
	}
	if (a->len < 31) {
		rc = fib_set(dp, bc, 32, &bcast, err, errlen);
		if (rc) {
			fib_unset(dp, a->ip, 32);
			fib_unset(dp, a->ip & m, a->len);
			return rc;
		}
	}
	return 0;
}

int hf_routes_vaddr_add(struct hf_dataplane *dp, uint16_t port,
			const struct hf_cfg_addr *a, char *err, size_t errlen)
{
	uint32_t m = hf_prefix4_mask(a->len);
	struct hf_nexthop local = { .type = HF_NH_LOCAL, .port = port,
				    .origin = HF_NH_ORIGIN_LOCAL };
	char buf[16];

	if (prefix_origin(dp, a->ip, 32)) {
		snprintf(err, errlen, "virtual address %s is routed already",
			 hf_fmt_ip4(a->ip, buf));
		return -EEXIST;
	}
	/* its own subnet (the usual case) is connected already */
	if (!prefix_origin(dp, a->ip & m, a->len))
		/* a subnet of its own: the routes of an ordinary address */
		return hf_routes_addr_add(dp, port, a, err, errlen);
	return fib_set(dp, a->ip, 32, &local, err, errlen);
}

int hf_routes_addr_del(struct hf_dataplane *dp, uint16_t port,
		       const struct hf_cfg_addr *a, char *err, size_t errlen)
{
	uint32_t m = hf_prefix4_mask(a->len);

	(void)port;
	if (prefix_origin(dp, a->ip, 32) != HF_NH_ORIGIN_LOCAL) {
		snprintf(err, errlen, "no local route for that address");
		return -ENOENT;
	}
	fib_unset(dp, a->ip, 32);
	if (a->len < 31)
		fib_unset(dp, (a->ip & m) | ~m, 32);
	if (prefix_origin(dp, a->ip & m, a->len) == HF_NH_ORIGIN_CONNECTED)
		fib_unset(dp, a->ip & m, a->len);
	return 0;
}

int hf_routes_static(struct hf_dataplane *dp, const struct hf_l3 *l3,
		     const struct hf_cfg_route *r, bool replace, char *err,
		     size_t errlen)
{
	struct hf_nexthop nh = { .origin = HF_NH_ORIGIN_STATIC };
	int origin = prefix_origin(dp, r->prefix, r->len);
	char buf[16];
	int port;

	if (origin && origin != HF_NH_ORIGIN_STATIC) {
		snprintf(err, errlen,
			 "%s/%u is a connected or local route: change the port address instead",
			 hf_fmt_ip4(r->prefix, buf), r->len);
		return -EPERM;
	}
	if (origin && !replace) {
		snprintf(err, errlen, "route %s/%u exists: use 'route replace'",
			 hf_fmt_ip4(r->prefix, buf), r->len);
		return -EEXIST;
	}
	if (!origin && replace) {
		snprintf(err, errlen, "route %s/%u does not exist: use 'route add'",
			 hf_fmt_ip4(r->prefix, buf), r->len);
		return -ENOENT;
	}
	switch (r->kind) {
	case HF_ROUTE_VIA:
		port = hf_routes_port_for_gw(l3, r->gw);
		if (port < 0 || (r->port >= 0 && r->port != port)) {
			snprintf(err, errlen,
				 "gateway %s is not on a connected subnet%s",
				 hf_fmt_ip4(r->gw, buf),
				 r->port >= 0 ? " of that port" : "");
			return -ENETUNREACH;
		}
		nh.type = HF_NH_FORWARD;
		nh.gw = r->gw;
		nh.port = (uint16_t)port;
		break;
	case HF_ROUTE_ONLINK:
		nh.type = HF_NH_FORWARD;
		nh.port = (uint16_t)r->port;
		break;
	case HF_ROUTE_BLACKHOLE:
		nh.type = HF_NH_BLACKHOLE;
		break;
	}
	return fib_set(dp, r->prefix, r->len, &nh, err, errlen);
}

int hf_routes_static_del(struct hf_dataplane *dp, uint32_t prefix,
			 uint8_t len, char *err, size_t errlen)
{
	int origin = prefix_origin(dp, prefix, len);
	char buf[16];

	if (!origin) {
		snprintf(err, errlen, "route %s/%u does not exist",
			 hf_fmt_ip4(prefix, buf), len);
		return -ENOENT;
	}
	if (origin != HF_NH_ORIGIN_STATIC) {
		snprintf(err, errlen,
			 "%s/%u is a connected or local route: delete the port address instead",
			 hf_fmt_ip4(prefix, buf), len);
		return -EPERM;
	}
	return fib_unset(dp, prefix, len);
}
