// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_routes.c - control/routes.h on a real dataplane (hf_dp_init):
 * the three routes of an interface address, /31 and /32 special cases,
 * address removal, static routes via a gateway, on-link and blackhole,
 * the refusal codes, rollback when a table is full, and next-hop
 * references returning to zero.
 *
 * The test thread is an RCU-QSBR reader; the FIB and next-hop sync hook
 * (synchronize_rcu) works from an online thread. Tables are destroyed
 * offline after rcu_barrier().
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/rcu.h"
#include "control/config.h"
#include "control/routes.h"
#include "fwd/dataplane.h"
#include "fwd/fib.h"
#include "fwd/nexthop.h"

#include "dp_fixture.h"

struct fx {
	struct hf_config cfg;
	struct hf_dataplane dp;
	char err[256];
};

static int fx_setup_sized(void **state, uint32_t max_routes,
			  uint32_t nexthops)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	if (fixture_dp_init(&f->cfg, &f->dp, max_routes, nexthops, f->err,
			    sizeof(f->err))) {
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}

static int fx_setup(void **state)
{
	return fx_setup_sized(state, 1024, 64);
}

static int fx_teardown(void **state)
{
	struct fx *f = *state;

	fixture_dp_fini(&f->dp);
	free(f);
	return 0;
}

static struct hf_cfg_addr addr(uint32_t ip, uint8_t len)
{
	struct hf_cfg_addr a = { .ip = ip, .len = len };

	return a;
}

/* Exact-match @ip/@len and return its next hop (fails if absent). */
static const struct hf_nexthop *route(struct fx *f, uint32_t ip, uint8_t len)
{
	uint32_t idx;

	if (hf_fib_get(f->dp.fib, ip, len, &idx))
		fail_msg("route %08x/%u missing", ip, len);
	return hf_nh_at(f->dp.nh, idx);
}

static bool has_route(struct fx *f, uint32_t ip, uint8_t len)
{
	uint32_t idx;

	return hf_fib_get(f->dp.fib, ip, len, &idx) == 0;
}

/* Longest-prefix match of @ip (fails if nothing matches). */
static const struct hf_nexthop *lookup(struct fx *f, uint32_t ip)
{
	uint32_t idx;

	if (hf_fib_lookup(f->dp.fib, ip, &idx))
		fail_msg("no route for %08x", ip);
	return hf_nh_at(f->dp.nh, idx);
}

static void expect_nh(const struct hf_nexthop *nh, uint8_t type,
		      uint8_t origin, uint16_t port, uint32_t gw)
{
	assert_int_equal(nh->type, type);
	assert_int_equal(nh->origin, origin);
	assert_int_equal(nh->gw, gw);
	if (type != HF_NH_BLACKHOLE)
		assert_int_equal(nh->port, port);
}

static int add_addr(struct fx *f, uint16_t port, uint32_t ip, uint8_t len)
{
	struct hf_cfg_addr a = addr(ip, len);

	return hf_routes_addr_add(&f->dp, port, &a, f->err, sizeof(f->err));
}

static int del_addr(struct fx *f, uint16_t port, uint32_t ip, uint8_t len)
{
	struct hf_cfg_addr a = addr(ip, len);

	return hf_routes_addr_del(&f->dp, port, &a, f->err, sizeof(f->err));
}

static void add_all_port_addrs(struct fx *f)
{
	uint16_t i;

	for (i = 0; i < NPORTS; i++)
		assert_int_equal(add_addr(f, i, IP(198, 18, i + 1, 1), 24), 0);
}

static int static_route(struct fx *f, uint32_t prefix, uint8_t len,
			enum hf_cfg_route_kind kind, uint32_t gw, int port,
			bool replace)
{
	struct hf_cfg_route r = { .prefix = prefix, .len = len, .kind = kind,
				  .gw = gw, .port = port };

	f->err[0] = '\0';
	return hf_routes_static(&f->dp, f->dp.l3, &r, replace, f->err,
				sizeof(f->err));
}

/* ---- interface addresses ---- */

static void test_addr_add_installs_three(void **state)
{
	struct fx *f = *state;

	assert_int_equal(add_addr(f, 1, IP(198, 18, 2, 1), 24), 0);
	assert_int_equal(hf_fib_count(f->dp.fib), 3);
	expect_nh(route(f, IP(198, 18, 2, 0), 24), HF_NH_FORWARD,
		  HF_NH_ORIGIN_CONNECTED, 1, 0);
	expect_nh(route(f, IP(198, 18, 2, 1), 32), HF_NH_LOCAL,
		  HF_NH_ORIGIN_LOCAL, 1, 0);
	expect_nh(route(f, IP(198, 18, 2, 255), 32), HF_NH_BROADCAST,
		  HF_NH_ORIGIN_LOCAL, 1, 0);
	/* longest match: hosts of the subnet forward on-link */
	expect_nh(lookup(f, IP(198, 18, 2, 77)), HF_NH_FORWARD,
		  HF_NH_ORIGIN_CONNECTED, 1, 0);
	expect_nh(lookup(f, IP(198, 18, 2, 0)), HF_NH_FORWARD,
		  HF_NH_ORIGIN_CONNECTED, 1, 0);
	expect_nh(lookup(f, IP(198, 18, 2, 1)), HF_NH_LOCAL,
		  HF_NH_ORIGIN_LOCAL, 1, 0);
	expect_nh(lookup(f, IP(198, 18, 2, 255)), HF_NH_BROADCAST,
		  HF_NH_ORIGIN_LOCAL, 1, 0);
	assert_int_equal(hf_nh_used(f->dp.nh), 3);
}

/* Host bits of the address do not leak into the connected prefix. */
static void test_addr_add_host_bits(void **state)
{
	struct fx *f = *state;

	assert_int_equal(add_addr(f, 2, IP(10, 1, 2, 200), 20), 0);
	expect_nh(route(f, IP(10, 1, 0, 0), 20), HF_NH_FORWARD,
		  HF_NH_ORIGIN_CONNECTED, 2, 0);
	expect_nh(route(f, IP(10, 1, 2, 200), 32), HF_NH_LOCAL,
		  HF_NH_ORIGIN_LOCAL, 2, 0);
	expect_nh(route(f, IP(10, 1, 15, 255), 32), HF_NH_BROADCAST,
		  HF_NH_ORIGIN_LOCAL, 2, 0);
	assert_int_equal(hf_fib_count(f->dp.fib), 3);
}

static void test_addr_31_no_broadcast(void **state)
{
	struct fx *f = *state;

	assert_int_equal(add_addr(f, 0, IP(198, 18, 9, 0), 31), 0);
	assert_int_equal(hf_fib_count(f->dp.fib), 2);
	expect_nh(route(f, IP(198, 18, 9, 0), 31), HF_NH_FORWARD,
		  HF_NH_ORIGIN_CONNECTED, 0, 0);
	expect_nh(route(f, IP(198, 18, 9, 0), 32), HF_NH_LOCAL,
		  HF_NH_ORIGIN_LOCAL, 0, 0);
	assert_false(has_route(f, IP(198, 18, 9, 1), 32));
	/* the peer of a /31 is reachable, not a broadcast */
	expect_nh(lookup(f, IP(198, 18, 9, 1)), HF_NH_FORWARD,
		  HF_NH_ORIGIN_CONNECTED, 0, 0);
	assert_int_equal(del_addr(f, 0, IP(198, 18, 9, 0), 31), 0);
	assert_int_equal(hf_fib_count(f->dp.fib), 0);
	assert_int_equal(hf_nh_used(f->dp.nh), 0);
}

static void test_addr_32_only_local(void **state)
{
	struct fx *f = *state;

	assert_int_equal(add_addr(f, 0, IP(198, 18, 9, 5), 32), 0);
	assert_int_equal(hf_fib_count(f->dp.fib), 1);
	expect_nh(route(f, IP(198, 18, 9, 5), 32), HF_NH_LOCAL,
		  HF_NH_ORIGIN_LOCAL, 0, 0);
	assert_false(has_route(f, IP(198, 18, 9, 4), 32));
	assert_false(has_route(f, IP(198, 18, 9, 6), 32));
	assert_int_equal(hf_nh_used(f->dp.nh), 1);
	assert_int_equal(del_addr(f, 0, IP(198, 18, 9, 5), 32), 0);
	assert_int_equal(hf_fib_count(f->dp.fib), 0);
	assert_int_equal(hf_nh_used(f->dp.nh), 0);
}

static void test_addr_del_removes(void **state)
{
	struct fx *f = *state;
	uint32_t idx;

	add_all_port_addrs(f);
	assert_int_equal(hf_fib_count(f->dp.fib), 9);
	assert_int_equal(del_addr(f, 1, IP(198, 18, 2, 1), 24), 0);
	assert_int_equal(hf_fib_count(f->dp.fib), 6);
	assert_false(has_route(f, IP(198, 18, 2, 0), 24));
	assert_false(has_route(f, IP(198, 18, 2, 1), 32));
	assert_false(has_route(f, IP(198, 18, 2, 255), 32));
	assert_int_equal(hf_fib_lookup(f->dp.fib, IP(198, 18, 2, 1), &idx),
			 -ENOENT);
	/* the other ports are untouched */
	expect_nh(route(f, IP(198, 18, 1, 1), 32), HF_NH_LOCAL,
		  HF_NH_ORIGIN_LOCAL, 0, 0);
	expect_nh(route(f, IP(198, 18, 3, 0), 24), HF_NH_FORWARD,
		  HF_NH_ORIGIN_CONNECTED, 2, 0);
	/* deleting it again: nothing to delete */
	f->err[0] = '\0';
	assert_int_equal(del_addr(f, 1, IP(198, 18, 2, 1), 24), -ENOENT);
	assert_true(strlen(f->err) > 0);
	assert_int_equal(hf_fib_count(f->dp.fib), 6);
}

/* Addresses of one port share the next hops by type: refcounts. */
static void test_addr_nexthop_sharing(void **state)
{
	struct fx *f = *state;
	uint32_t local_idx, idx2;

	assert_int_equal(add_addr(f, 0, IP(198, 18, 1, 1), 24), 0);
	assert_int_equal(add_addr(f, 0, IP(198, 18, 5, 1), 24), 0);
	/* same port: one connected, one local, one broadcast entry */
	assert_int_equal(hf_nh_used(f->dp.nh), 3);
	assert_int_equal(hf_fib_get(f->dp.fib, IP(198, 18, 1, 1), 32,
				    &local_idx), 0);
	assert_int_equal(hf_fib_get(f->dp.fib, IP(198, 18, 5, 1), 32, &idx2),
			 0);
	assert_int_equal(local_idx, idx2);
	assert_int_equal(hf_nh_refs(f->dp.nh, local_idx), 2);
	assert_int_equal(del_addr(f, 0, IP(198, 18, 1, 1), 24), 0);
	assert_int_equal(hf_nh_refs(f->dp.nh, local_idx), 1);
	assert_int_equal(hf_nh_used(f->dp.nh), 3);
	assert_int_equal(del_addr(f, 0, IP(198, 18, 5, 1), 24), 0);
	assert_int_equal(hf_nh_used(f->dp.nh), 0);
}

/* ---- static routes ---- */

static void test_static_via_finds_port(void **state)
{
	struct fx *f = *state;

	add_all_port_addrs(f);
	assert_int_equal(static_route(f, IP(198, 19, 0, 0), 16, HF_ROUTE_VIA,
				      IP(198, 18, 2, 2), -1, false), 0);
	expect_nh(route(f, IP(198, 19, 0, 0), 16), HF_NH_FORWARD,
		  HF_NH_ORIGIN_STATIC, 1, IP(198, 18, 2, 2));
	expect_nh(lookup(f, IP(198, 19, 200, 3)), HF_NH_FORWARD,
		  HF_NH_ORIGIN_STATIC, 1, IP(198, 18, 2, 2));
	/* a default route via port 2's subnet */
	assert_int_equal(static_route(f, 0, 0, HF_ROUTE_VIA,
				      IP(198, 18, 3, 254), -1, false), 0);
	expect_nh(lookup(f, IP(203, 0, 113, 1)), HF_NH_FORWARD,
		  HF_NH_ORIGIN_STATIC, 2, IP(198, 18, 3, 254));
	/* the more specific routes still win */
	expect_nh(lookup(f, IP(198, 19, 1, 1)), HF_NH_FORWARD,
		  HF_NH_ORIGIN_STATIC, 1, IP(198, 18, 2, 2));
	expect_nh(lookup(f, IP(198, 18, 1, 9)), HF_NH_FORWARD,
		  HF_NH_ORIGIN_CONNECTED, 0, 0);
	/* with the matching port named explicitly */
	assert_int_equal(static_route(f, IP(198, 21, 0, 0), 16, HF_ROUTE_VIA,
				      IP(198, 18, 1, 9), 0, false), 0);
	expect_nh(route(f, IP(198, 21, 0, 0), 16), HF_NH_FORWARD,
		  HF_NH_ORIGIN_STATIC, 0, IP(198, 18, 1, 9));
}

struct refuse_case {
	const char *name;
	uint32_t prefix;
	uint8_t len;
	enum hf_cfg_route_kind kind;
	uint32_t gw;
	int port;
	bool replace;
	int rc;
};

static const struct refuse_case refuse_cases[] = {
	{ "gateway off-subnet", IP(198, 30, 0, 0), 16, HF_ROUTE_VIA,
	  IP(192, 0, 2, 1), -1, false, -ENETUNREACH },
	{ "gateway is our own address", IP(198, 30, 0, 0), 16, HF_ROUTE_VIA,
	  IP(198, 18, 2, 1), -1, false, -ENETUNREACH },
	{ "gateway on another port than named", IP(198, 30, 0, 0), 16,
	  HF_ROUTE_VIA, IP(198, 18, 2, 2), 0, false, -ENETUNREACH },
	{ "add existing static", IP(198, 19, 0, 0), 16, HF_ROUTE_VIA,
	  IP(198, 18, 3, 2), -1, false, -EEXIST },
	{ "replace absent", IP(198, 31, 0, 0), 16, HF_ROUTE_VIA,
	  IP(198, 18, 2, 2), -1, true, -ENOENT },
	{ "replace connected", IP(198, 18, 1, 0), 24, HF_ROUTE_VIA,
	  IP(198, 18, 2, 2), -1, true, -EPERM },
	{ "add over connected", IP(198, 18, 1, 0), 24, HF_ROUTE_BLACKHOLE, 0,
	  -1, false, -EPERM },
	{ "replace local", IP(198, 18, 1, 1), 32, HF_ROUTE_BLACKHOLE, 0, -1,
	  true, -EPERM },
	{ "replace broadcast", IP(198, 18, 1, 255), 32, HF_ROUTE_BLACKHOLE, 0,
	  -1, true, -EPERM },
};

static void test_static_refusals(void **state)
{
	struct fx *f = *state;
	uint32_t count, used;
	size_t i;

	add_all_port_addrs(f);
	assert_int_equal(static_route(f, IP(198, 19, 0, 0), 16, HF_ROUTE_VIA,
				      IP(198, 18, 2, 2), -1, false), 0);
	count = hf_fib_count(f->dp.fib);
	used = hf_nh_used(f->dp.nh);
	for (i = 0; i < sizeof(refuse_cases) / sizeof(refuse_cases[0]); i++) {
		const struct refuse_case *c = &refuse_cases[i];
		int rc = static_route(f, c->prefix, c->len, c->kind, c->gw,
				      c->port, c->replace);

		if (rc != c->rc)
			fail_msg("%s: rc %d, want %d (%s)", c->name, rc, c->rc,
				 f->err);
		if (!f->err[0])
			fail_msg("%s: no error message", c->name);
		/* a refusal changes nothing */
		assert_int_equal(hf_fib_count(f->dp.fib), count);
		assert_int_equal(hf_nh_used(f->dp.nh), used);
	}
	/* the refused routes left the originals alone */
	expect_nh(route(f, IP(198, 19, 0, 0), 16), HF_NH_FORWARD,
		  HF_NH_ORIGIN_STATIC, 1, IP(198, 18, 2, 2));
	expect_nh(route(f, IP(198, 18, 1, 0), 24), HF_NH_FORWARD,
		  HF_NH_ORIGIN_CONNECTED, 0, 0);
	expect_nh(route(f, IP(198, 18, 1, 1), 32), HF_NH_LOCAL,
		  HF_NH_ORIGIN_LOCAL, 0, 0);
}

static void test_static_replace(void **state)
{
	struct fx *f = *state;
	uint32_t old_idx, idx;

	add_all_port_addrs(f);
	assert_int_equal(static_route(f, IP(198, 19, 0, 0), 16, HF_ROUTE_VIA,
				      IP(198, 18, 2, 2), -1, false), 0);
	assert_int_equal(hf_fib_get(f->dp.fib, IP(198, 19, 0, 0), 16, &old_idx),
			 0);
	assert_int_equal(static_route(f, IP(198, 19, 0, 0), 16, HF_ROUTE_VIA,
				      IP(198, 18, 3, 2), -1, true), 0);
	assert_int_equal(hf_fib_get(f->dp.fib, IP(198, 19, 0, 0), 16, &idx), 0);
	expect_nh(hf_nh_at(f->dp.nh, idx), HF_NH_FORWARD, HF_NH_ORIGIN_STATIC,
		  2, IP(198, 18, 3, 2));
	/* the old next hop lost its only reference */
	assert_int_equal(hf_nh_refs(f->dp.nh, old_idx), 0);
	assert_int_equal(hf_nh_used(f->dp.nh), 9 + 1);
	/* replace by a blackhole */
	assert_int_equal(static_route(f, IP(198, 19, 0, 0), 16,
				      HF_ROUTE_BLACKHOLE, 0, -1, true), 0);
	expect_nh(route(f, IP(198, 19, 0, 0), 16), HF_NH_BLACKHOLE,
		  HF_NH_ORIGIN_STATIC, 0, 0);
	assert_int_equal(hf_nh_used(f->dp.nh), 9 + 1);
}

static void test_static_onlink_and_blackhole(void **state)
{
	struct fx *f = *state;

	add_all_port_addrs(f);
	assert_int_equal(static_route(f, IP(198, 40, 0, 0), 24,
				      HF_ROUTE_ONLINK, 0, 2, false), 0);
	expect_nh(route(f, IP(198, 40, 0, 0), 24), HF_NH_FORWARD,
		  HF_NH_ORIGIN_STATIC, 2, 0);
	assert_int_equal(static_route(f, IP(198, 20, 0, 0), 16,
				      HF_ROUTE_BLACKHOLE, 0, -1, false), 0);
	expect_nh(lookup(f, IP(198, 20, 7, 7)), HF_NH_BLACKHOLE,
		  HF_NH_ORIGIN_STATIC, 0, 0);
	/* a blackhole host route inside a blackholed /16 shares its entry */
	assert_int_equal(static_route(f, IP(198, 20, 1, 1), 32,
				      HF_ROUTE_BLACKHOLE, 0, -1, false), 0);
	assert_int_equal(hf_nh_used(f->dp.nh), 9 + 2);
}

static void test_static_del(void **state)
{
	struct fx *f = *state;

	add_all_port_addrs(f);
	assert_int_equal(static_route(f, IP(198, 19, 0, 0), 16, HF_ROUTE_VIA,
				      IP(198, 18, 2, 2), -1, false), 0);
	f->err[0] = '\0';
	assert_int_equal(hf_routes_static_del(&f->dp, IP(198, 18, 1, 0), 24,
					      f->err, sizeof(f->err)), -EPERM);
	assert_true(strlen(f->err) > 0);
	assert_int_equal(hf_routes_static_del(&f->dp, IP(198, 18, 1, 1), 32,
					      f->err, sizeof(f->err)), -EPERM);
	assert_int_equal(hf_routes_static_del(&f->dp, IP(198, 18, 1, 255), 32,
					      f->err, sizeof(f->err)), -EPERM);
	f->err[0] = '\0';
	assert_int_equal(hf_routes_static_del(&f->dp, IP(198, 50, 0, 0), 16,
					      f->err, sizeof(f->err)), -ENOENT);
	assert_true(strlen(f->err) > 0);
	/* wrong length is a different prefix */
	assert_int_equal(hf_routes_static_del(&f->dp, IP(198, 19, 0, 0), 17,
					      f->err, sizeof(f->err)), -ENOENT);
	assert_int_equal(hf_routes_static_del(&f->dp, IP(198, 19, 0, 0), 16,
					      f->err, sizeof(f->err)), 0);
	assert_false(has_route(f, IP(198, 19, 0, 0), 16));
	assert_int_equal(hf_fib_count(f->dp.fib), 9);
	assert_int_equal(hf_nh_used(f->dp.nh), 9);
}

static void test_port_for_gw(void **state)
{
	struct fx *f = *state;

	assert_int_equal(hf_routes_port_for_gw(f->dp.l3, IP(198, 18, 1, 2)), 0);
	assert_int_equal(hf_routes_port_for_gw(f->dp.l3, IP(198, 18, 3, 254)),
			 2);
	assert_int_equal(hf_routes_port_for_gw(f->dp.l3, IP(198, 18, 2, 1)),
			 -1);
	assert_int_equal(hf_routes_port_for_gw(f->dp.l3, IP(198, 18, 4, 1)),
			 -1);
}

/* Everything added and deleted again: no next-hop reference leaks. */
static void test_refcounts_back_to_zero(void **state)
{
	struct fx *f = *state;
	uint16_t i;

	add_all_port_addrs(f);
	assert_int_equal(static_route(f, IP(198, 19, 0, 0), 16, HF_ROUTE_VIA,
				      IP(198, 18, 2, 2), -1, false), 0);
	assert_int_equal(static_route(f, IP(198, 22, 0, 0), 16, HF_ROUTE_VIA,
				      IP(198, 18, 2, 2), -1, false), 0);
	assert_int_equal(static_route(f, IP(198, 23, 0, 0), 24, HF_ROUTE_VIA,
				      IP(198, 18, 2, 2), 1, false), 0);
	assert_int_equal(static_route(f, IP(198, 20, 0, 0), 16,
				      HF_ROUTE_BLACKHOLE, 0, -1, false), 0);
	assert_int_equal(static_route(f, IP(198, 40, 0, 0), 24,
				      HF_ROUTE_ONLINK, 0, 2, false), 0);
	assert_int_equal(static_route(f, IP(198, 22, 0, 0), 16, HF_ROUTE_VIA,
				      IP(198, 18, 3, 2), -1, true), 0);
	assert_int_equal(hf_routes_static_del(&f->dp, IP(198, 19, 0, 0), 16,
					      f->err, sizeof(f->err)), 0);
	assert_int_equal(hf_routes_static_del(&f->dp, IP(198, 22, 0, 0), 16,
					      f->err, sizeof(f->err)), 0);
	assert_int_equal(hf_routes_static_del(&f->dp, IP(198, 23, 0, 0), 24,
					      f->err, sizeof(f->err)), 0);
	assert_int_equal(hf_routes_static_del(&f->dp, IP(198, 20, 0, 0), 16,
					      f->err, sizeof(f->err)), 0);
	assert_int_equal(hf_routes_static_del(&f->dp, IP(198, 40, 0, 0), 24,
					      f->err, sizeof(f->err)), 0);
	for (i = 0; i < NPORTS; i++)
		assert_int_equal(del_addr(f, i, IP(198, 18, i + 1, 1), 24), 0);
	assert_int_equal(hf_fib_count(f->dp.fib), 0);
	assert_int_equal(hf_nh_used(f->dp.nh), 0);
}

/* ---- full tables: nothing half-installed ---- */

static int fx_setup_small_nh(void **state)
{
	return fx_setup_sized(state, 1024, 2);
}

static int fx_setup_small_fib(void **state)
{
	return fx_setup_sized(state, 2, 64);
}

static void test_addr_add_rollback_nh_full(void **state)
{
	struct fx *f = *state;

	/* connected + local fit, the broadcast next hop does not */
	f->err[0] = '\0';
	assert_int_equal(add_addr(f, 0, IP(198, 18, 1, 1), 24), -ENOSPC);
	assert_true(strlen(f->err) > 0);
	assert_int_equal(hf_fib_count(f->dp.fib), 0);
	assert_int_equal(hf_nh_used(f->dp.nh), 0);
	/* a /31 needs only two next hops */
	assert_int_equal(add_addr(f, 0, IP(198, 18, 9, 0), 31), 0);
	assert_int_equal(hf_fib_count(f->dp.fib), 2);
}

static void test_addr_add_rollback_fib_full(void **state)
{
	struct fx *f = *state;

	f->err[0] = '\0';
	assert_int_equal(add_addr(f, 0, IP(198, 18, 1, 1), 24), -ENOSPC);
	assert_true(strlen(f->err) > 0);
	assert_int_equal(hf_fib_count(f->dp.fib), 0);
	assert_int_equal(hf_nh_used(f->dp.nh), 0);
	assert_false(has_route(f, IP(198, 18, 1, 0), 24));
	assert_false(has_route(f, IP(198, 18, 1, 1), 32));
}

/*
 * An address never replaces a route that is already there (a static
 * route on its subnet, its address or its broadcast): -EEXIST, and the
 * FIB is left exactly as it was.
 */
struct existing_case {
	uint32_t route;		/* the static route, a blackhole */
	uint8_t route_len;
	uint32_t addr;		/* the address added over it */
	uint8_t addr_len;
};

static const struct existing_case existing_cases[] = {
	{ IP(198, 18, 1, 0), 24, IP(198, 18, 1, 1), 24 },	/* subnet */
	{ IP(198, 18, 5, 7), 32, IP(198, 18, 5, 7), 24 },	/* address */
	{ IP(198, 18, 6, 255), 32, IP(198, 18, 6, 1), 24 },	/* broadcast */
	{ IP(198, 18, 9, 0), 31, IP(198, 18, 9, 1), 31 },
};

static void test_addr_add_keeps_existing_routes(void **state)
{
	struct fx *f = *state;
	size_t i;

	for (i = 0; i < sizeof(existing_cases) / sizeof(existing_cases[0]);
	     i++) {
		const struct existing_case *c = &existing_cases[i];
		int rc;

		assert_int_equal(static_route(f, c->route, c->route_len,
					      HF_ROUTE_BLACKHOLE, 0, -1, false),
				 0);
		f->err[0] = '\0';
		rc = add_addr(f, 0, c->addr, c->addr_len);
		if (rc != -EEXIST)
			fail_msg("case %zu: rc %d, want -EEXIST", i, rc);
		assert_true(strlen(f->err) > 0);
		assert_int_equal(hf_fib_count(f->dp.fib), 1);
		expect_nh(route(f, c->route, c->route_len), HF_NH_BLACKHOLE,
			  HF_NH_ORIGIN_STATIC, 0, 0);
		assert_int_equal(hf_nh_used(f->dp.nh), 1);
		assert_int_equal(hf_routes_static_del(&f->dp, c->route,
						      c->route_len, f->err,
						      sizeof(f->err)), 0);
		assert_int_equal(hf_nh_used(f->dp.nh), 0);
	}
	/* a static route elsewhere does not get in the way */
	assert_int_equal(static_route(f, IP(198, 18, 6, 128), 25,
				      HF_ROUTE_BLACKHOLE, 0, -1, false), 0);
	assert_int_equal(add_addr(f, 0, IP(198, 18, 6, 1), 24), 0);
	assert_int_equal(hf_fib_count(f->dp.fib), 4);
	expect_nh(lookup(f, IP(198, 18, 6, 200)), HF_NH_BLACKHOLE,
		  HF_NH_ORIGIN_STATIC, 0, 0);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, fx_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_addr_add_installs_three),
		T(test_addr_add_host_bits),
		T(test_addr_31_no_broadcast),
		T(test_addr_32_only_local),
		T(test_addr_del_removes),
		T(test_addr_nexthop_sharing),
		T(test_static_via_finds_port),
		T(test_static_refusals),
		T(test_static_replace),
		T(test_static_onlink_and_blackhole),
		T(test_static_del),
		T(test_port_for_gw),
		T(test_refcounts_back_to_zero),
		cmocka_unit_test_setup_teardown(test_addr_add_rollback_nh_full,
						fx_setup_small_nh, fx_teardown),
		cmocka_unit_test_setup_teardown(test_addr_add_rollback_fib_full,
						fx_setup_small_fib,
						fx_teardown),
		T(test_addr_add_keeps_existing_routes),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
