/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * control/routes.h - route operations in operator terms, on top of the
 * FIB (prefix -> next-hop index) and the next-hop table.
 *
 * An interface address a.b.c.d/len on a port installs three routes:
 * the connected subnet (forward on-link out of the port), the address
 * itself as a /32 LOCAL route, and, for len < 31, the subnet's directed
 * broadcast as a /32 BROADCAST route (never forwarded). Static routes go
 * via a gateway on a connected subnet, on-link out of a port, or to a
 * blackhole. Connected and local routes change only with addresses.
 *
 * Concurrency: mprelay thread only (the single FIB writer).
 */
#ifndef HF_CONTROL_ROUTES_H
#define HF_CONTROL_ROUTES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "control/config.h"

struct hf_dataplane;
struct hf_l3;

/**
 * hf_routes_addr_add() - install the routes of address @a on @port.
 * Return: 0, -EEXIST if any of the three prefixes is routed already
 * (e.g. a static route: it is never silently replaced), or -errno, with
 * a message in @err (nothing half-installed).
 */
int hf_routes_addr_add(struct hf_dataplane *dp, uint16_t port,
		       const struct hf_cfg_addr *a, char *err, size_t errlen);

/** hf_routes_addr_del() - remove the routes hf_routes_addr_add() made. */
int hf_routes_addr_del(struct hf_dataplane *dp, uint16_t port,
		       const struct hf_cfg_addr *a, char *err, size_t errlen);

/**
 * hf_routes_vaddr_add() - install the routes of the HA virtual address
 * @a of @port: a local /32 (the pipeline answers for it only while the
 * node is active), and the connected prefix and its broadcast unless
 * the port's own addresses routed them already. Both nodes install them
 * at start, so a takeover changes no route. Return: 0, -EEXIST when
 * the /32 is routed already, or -errno, with a message in @err.
 */
int hf_routes_vaddr_add(struct hf_dataplane *dp, uint16_t port,
			const struct hf_cfg_addr *a, char *err, size_t errlen);

/**
 * hf_routes_static() - add (or, with @replace, replace) a static route.
 * @r: as parsed from config or CLI; r->port < 0 means "find the port from
 * the gateway". @l3: current port addresses (to resolve the gateway).
 * Return: 0, -EEXIST (add of an existing prefix), -ENOENT (replace of an
 * absent one), -EPERM (would replace a connected/local route), -ENETUNREACH
 * (gateway not on a connected subnet), -ENOSPC.
 */
int hf_routes_static(struct hf_dataplane *dp, const struct hf_l3 *l3,
		     const struct hf_cfg_route *r, bool replace, char *err,
		     size_t errlen);

/** hf_routes_static_del() - delete a static route (not connected/local). */
int hf_routes_static_del(struct hf_dataplane *dp, uint32_t prefix,
			 uint8_t len, char *err, size_t errlen);

/** hf_routes_port_for_gw() - port whose connected subnet holds @gw, or -1. */
int hf_routes_port_for_gw(const struct hf_l3 *l3, uint32_t gw);

#endif /* HF_CONTROL_ROUTES_H */
