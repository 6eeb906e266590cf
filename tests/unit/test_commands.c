// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_commands.c - control/commands.h: hf_cmd_exec() on a dataplane of
 * three ports (p1..p3 = 198.18.{1,2,3}.1/24) without workers or sockets.
 * Show commands are checked in their exact JSON form and, for routes,
 * field by field in text; the changing commands (route, address, mtu)
 * through their effect on the FIB and the published L3 snapshot.
 *
 * The test thread is RCU-online as mprelay is; old L3 snapshots freed
 * by call_rcu are drained with rcu_barrier() before teardown, so
 * LeakSanitizer sees every free.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/rcu.h"
#include "common/time.h"
#include "control/buf.h"
#include "control/commands.h"
#include "control/config.h"
#include "control/routes.h"
#include "fwd/dataplane.h"
#include "fwd/fib.h"
#include "fwd/neigh.h"
#include "fwd/nexthop.h"
#include "fwd/worker.h"

#include "cmd_fixture.h"
#include "dp_fixture.h"

struct fx {
	struct hf_config cfg;
	struct hf_dataplane dp;
	struct hf_buf out;
	char err[256];
	struct hf_worker *w;	/* optional fake worker (counters) */
};

static int fx_setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	uint16_t i;

	if (!f)
		return -1;
	if (fixture_dp_init(&f->cfg, &f->dp, 1024, 64, f->err,
			    sizeof(f->err))) {
		free(f);
		return -1;
	}
	for (i = 0; i < NPORTS; i++)
		if (hf_routes_addr_add(&f->dp, i, &f->dp.l3->port[i].addr[0],
				       f->err, sizeof(f->err)))
			return -1;
	hf_buf_init(&f->out);
	*state = f;
	return 0;
}

static int fx_teardown(void **state)
{
	struct fx *f = *state;

	fixture_dp_fini(&f->dp);	/* old L3 snapshots, neighbours */
	hf_buf_free(&f->out);
	free(f->w);
	free(f);
	return 0;
}

/*
 * Run @line (words split on spaces) with a fresh reply buffer.
 * Returns the command's return code; reply in f->out.data ("" if none).
 */
static int run(struct fx *f, const char *line)
{
	return fixture_cmd(&f->dp, &f->out, f->err, sizeof(f->err), line);
}

static void run_ok(struct fx *f, const char *line)
{
	int rc = run(f, line);

	if (rc)
		fail_msg("'%s' failed: %d (%s)", line, rc, f->err);
}

static void run_fails(struct fx *f, const char *line, int want_rc,
		      const char *err_has)
{
	int rc = run(f, line);

	if (rc != want_rc)
		fail_msg("'%s': rc %d, want %d (err '%s')", line, rc, want_rc,
			 f->err);
	if (!strstr(f->err, err_has))
		fail_msg("'%s': error '%s' lacks '%s'", line, f->err, err_has);
}

static bool starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static const struct hf_l3 *cur_l3(struct fx *f)
{
	return rcu_dereference(f->dp.l3);
}

/* ---- show routes ---- */

#define CONNECTED_JSON(n)						\
	"{\"prefix\":\"198.18." #n ".0/24\",\"type\":\"forward\","	\
	"\"origin\":\"connected\",\"gateway\":null,\"port\":\"p" #n "\"},"	\
	"{\"prefix\":\"198.18." #n ".1/32\",\"type\":\"local\","		\
	"\"origin\":\"local\",\"gateway\":null,\"port\":\"p" #n "\"},"	\
	"{\"prefix\":\"198.18." #n ".255/32\",\"type\":\"broadcast\","	\
	"\"origin\":\"local\",\"gateway\":null,\"port\":\"p" #n "\"}"

static void test_show_routes_json(void **state)
{
	struct fx *f = *state;

	run_ok(f, "show routes --json");
	assert_string_equal(f->out.data,
			    "{\"routes\":[" CONNECTED_JSON(1) ","
			    CONNECTED_JSON(2) "," CONNECTED_JSON(3) "]}\n");
	/* --json may come first too */
	run_ok(f, "--json show routes");
	assert_string_equal(f->out.data,
			    "{\"routes\":[" CONNECTED_JSON(1) ","
			    CONNECTED_JSON(2) "," CONNECTED_JSON(3) "]}\n");
}

struct route_line {
	const char *prefix, *type, *origin, *gw, *port;
};

static void check_route_text(const char *text, const struct route_line *want,
			     size_t n)
{
	char pfx[32], type[32], origin[32], gw[32], port[32];
	const char *line = text;
	size_t i;

	/* header */
	assert_int_equal(sscanf(line, "%31s %31s %31s %31s %31s", pfx, type,
				origin, gw, port), 5);
	assert_string_equal(pfx, "prefix");
	assert_string_equal(port, "port");
	for (i = 0; i < n; i++) {
		line = strchr(line, '\n');
		assert_non_null(line);
		line++;
		if (sscanf(line, "%31s %31s %31s %31s %31s", pfx, type, origin,
			   gw, port) != 5)
			fail_msg("row %zu unreadable: %.60s", i, line);
		if (strcmp(pfx, want[i].prefix) || strcmp(type, want[i].type) ||
		    strcmp(origin, want[i].origin) || strcmp(gw, want[i].gw) ||
		    strcmp(port, want[i].port))
			fail_msg("row %zu: got %s %s %s %s %s, want %s %s %s %s %s",
				 i, pfx, type, origin, gw, port, want[i].prefix,
				 want[i].type, want[i].origin, want[i].gw,
				 want[i].port);
	}
	line = strchr(line, '\n');
	assert_non_null(line);
	assert_string_equal(line, "\n");	/* nothing after the last row */
}

static void test_show_routes_text(void **state)
{
	static const struct route_line want[] = {
		{ "198.18.1.0/24", "forward", "connected", "-", "p1" },
		{ "198.18.1.1/32", "local", "local", "-", "p1" },
		{ "198.18.1.255/32", "broadcast", "local", "-", "p1" },
		{ "198.18.2.0/24", "forward", "connected", "-", "p2" },
		{ "198.18.2.1/32", "local", "local", "-", "p2" },
		{ "198.18.2.255/32", "broadcast", "local", "-", "p2" },
		{ "198.18.3.0/24", "forward", "connected", "-", "p3" },
		{ "198.18.3.1/32", "local", "local", "-", "p3" },
		{ "198.18.3.255/32", "broadcast", "local", "-", "p3" },
	};
	struct fx *f = *state;

	run_ok(f, "show routes");
	check_route_text(f->out.data, want, sizeof(want) / sizeof(want[0]));
}

/* ---- route add / replace / del ---- */

static void test_route_add_via(void **state)
{
	static const struct route_line want[] = {
		{ "0.0.0.0/0", "blackhole", "static", "-", "-" },
		{ "198.18.1.0/24", "forward", "connected", "-", "p1" },
		{ "198.18.1.1/32", "local", "local", "-", "p1" },
		{ "198.18.1.255/32", "broadcast", "local", "-", "p1" },
		{ "198.18.2.0/24", "forward", "connected", "-", "p2" },
		{ "198.18.2.1/32", "local", "local", "-", "p2" },
		{ "198.18.2.255/32", "broadcast", "local", "-", "p2" },
		{ "198.18.3.0/24", "forward", "connected", "-", "p3" },
		{ "198.18.3.1/32", "local", "local", "-", "p3" },
		{ "198.18.3.255/32", "broadcast", "local", "-", "p3" },
		{ "198.19.0.0/16", "forward", "static", "198.18.2.2", "p2" },
		{ "198.19.0.0/24", "forward", "static", "-", "p3" },
	};
	struct fx *f = *state;
	uint32_t idx;
	const struct hf_nexthop *nh;

	run_ok(f, "route add 198.19.0.0/16 via 198.18.2.2");
	assert_string_equal(f->out.data, "");
	assert_int_equal(hf_fib_get(f->dp.fib, IP(198, 19, 0, 0), 16, &idx), 0);
	nh = hf_nh_at(f->dp.nh, idx);
	assert_int_equal(nh->type, HF_NH_FORWARD);
	assert_int_equal(nh->origin, HF_NH_ORIGIN_STATIC);
	assert_int_equal(nh->port, 1);
	assert_int_equal(nh->gw, IP(198, 18, 2, 2));

	run_ok(f, "show routes --json");
	assert_non_null(strstr(f->out.data,
			       "{\"prefix\":\"198.19.0.0/16\",\"type\":\"forward\","
			       "\"origin\":\"static\",\"gateway\":\"198.18.2.2\","
			       "\"port\":\"p2\"}]}\n"));

	run_ok(f, "route add 198.19.0.0/24 port p3");
	run_ok(f, "route add 0.0.0.0/0 blackhole");
	run_ok(f, "show routes");
	check_route_text(f->out.data, want, sizeof(want) / sizeof(want[0]));
}

static void test_route_replace_del(void **state)
{
	struct fx *f = *state;
	uint32_t idx;

	run_ok(f, "route add 198.19.0.0/16 via 198.18.2.2");
	run_fails(f, "route add 198.19.0.0/16 via 198.18.3.2", -EEXIST,
		  "route replace");
	run_ok(f, "route replace 198.19.0.0/16 via 198.18.3.2 port p3");
	assert_int_equal(hf_fib_get(f->dp.fib, IP(198, 19, 0, 0), 16, &idx), 0);
	assert_int_equal(hf_nh_at(f->dp.nh, idx)->port, 2);
	assert_int_equal(hf_nh_at(f->dp.nh, idx)->gw, IP(198, 18, 3, 2));
	run_fails(f, "route replace 198.50.0.0/16 blackhole", -ENOENT,
		  "route add");
	run_ok(f, "route del 198.19.0.0/16");
	assert_int_equal(hf_fib_get(f->dp.fib, IP(198, 19, 0, 0), 16, &idx),
			 -ENOENT);
	run_fails(f, "route del 198.19.0.0/16", -ENOENT, "198.19.0.0/16");
	run_fails(f, "route del 198.18.1.0/24", -EPERM, "address");
	run_fails(f, "route replace 198.18.1.0/24 blackhole", -EPERM,
		  "address");
	assert_int_equal(hf_fib_count(f->dp.fib), 9);
	assert_int_equal(hf_nh_used(f->dp.nh), 9);
}

struct bad_cmd {
	const char *line;
	int rc;
	const char *err_has;
};

static const struct bad_cmd bad_cmds[] = {
	{ "route add", -EINVAL, "usage: route add" },
	{ "route add 198.19.0.0/16", -EINVAL, "usage: route add" },
	{ "route add 198.19.0.0/16 via", -EINVAL, "usage: route add" },
	{ "route add 198.19.0.0/16 through 198.18.2.2", -EINVAL, "usage" },
	{ "route add 198.19.0.0/33 via 198.18.2.2", -EINVAL, "usage" },
	{ "route add 198.19.0.x/16 via 198.18.2.2", -EINVAL, "usage" },
	{ "route add 198.19.1.0/16 via 198.18.2.2", -EINVAL, "host bits" },
	{ "route add 198.19.0.0/16 via 198.18.2", -EINVAL, "198.18.2" },
	{ "route add 198.19.0.0/16 via 198.18.2.2 dev p2", -EINVAL,
	  "port <name>" },
	{ "route add 198.19.0.0/16 via 198.18.2.2 port p9", -ENOENT, "p9" },
	{ "route add 198.19.0.0/16 via 198.18.2.2 port p1", -ENETUNREACH,
	  "198.18.2.2" },
	{ "route add 198.19.0.0/16 via 192.0.2.1", -ENETUNREACH,
	  "192.0.2.1" },
	{ "route add 198.19.0.0/16 port nope", -ENOENT, "nope" },
	{ "route add 198.19.0.0/16 blackhole extra", -EINVAL, "usage" },
	{ "route del", -EINVAL, "usage: route del" },
	{ "route del 198.19.0.0/16 extra", -EINVAL, "usage: route del" },
	{ "route del 198.19.0.1/16", -EINVAL, "host bits" },
	{ "address add p2", -EINVAL, "usage: address add" },
	{ "address add p2 198.18.20.1", -EINVAL, "usage: address add" },
	{ "address add p9 198.18.20.1/24", -ENOENT, "p9" },
	{ "address add p2 198.18.20.1/0", -EINVAL, "198.18.20.1/0" },
	{ "address add p2 198.18.20.1/40", -EINVAL, "198.18.20.1/40" },
	{ "address del p2 198.18.77.1/24", -ENOENT, "198.18.77.1/24" },
	{ "mtu set p1", -EINVAL, "usage: mtu set" },
	{ "mtu set p9 1400", -ENOENT, "p9" },
	{ "mtu set p1 9000", -ERANGE, "1500" },
	{ "mtu set p1 67", -ERANGE, "68" },
	{ "mtu set p1 abc", -ERANGE, "abc" },
	{ "show counters bogus", -EINVAL,
	  "show counters: unknown argument 'bogus' (usage: show counters" },
};

static void test_bad_syntax(void **state)
{
	struct fx *f = *state;
	size_t i;

	for (i = 0; i < sizeof(bad_cmds) / sizeof(bad_cmds[0]); i++) {
		run_fails(f, bad_cmds[i].line, bad_cmds[i].rc,
			  bad_cmds[i].err_has);
		/* nothing changed */
		assert_int_equal(hf_fib_count(f->dp.fib), 9);
	}
	assert_int_equal(cur_l3(f)->port[0].mtu, 1500);
	assert_int_equal(cur_l3(f)->port[1].naddr, 1);
}

static void test_unknown_command(void **state)
{
	struct fx *f = *state;

	run_fails(f, "frobnicate now", -EINVAL, "help");
	assert_non_null(strstr(f->err, "frobnicate now"));
	run_fails(f, "show", -EINVAL, "help");
	run_fails(f, "show everything", -EINVAL, "help");
	run_fails(f, "", -EINVAL, "help");
	run_fails(f, "--json", -EINVAL, "help");
}

static void test_help(void **state)
{
	static const char *const cmds[] = {
		"show interfaces", "show routes", "show neighbours",
		"show counters", "show threads", "route add", "route replace",
		"route del", "address add", "address del", "mtu set",
	};
	struct fx *f = *state;
	char want[64];
	size_t i;

	run_ok(f, "help");
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		snprintf(want, sizeof(want), "  %s ", cmds[i]);
		if (!strstr(f->out.data, want))
			fail_msg("help lacks '%s':\n%s", cmds[i], f->out.data);
	}
	assert_non_null(strstr(f->out.data, "--json"));
	/* the alias has no line of its own */
	assert_null(strstr(f->out.data, "neighbors"));
}

/* ---- address add / del ---- */

static void test_address_add(void **state)
{
	struct fx *f = *state;
	const struct hf_l3 *old = cur_l3(f), *l3;
	uint32_t idx;

	run_ok(f, "address add p2 198.18.20.1/24");
	l3 = cur_l3(f);
	assert_ptr_not_equal(l3, old);	/* a new snapshot, published */
	assert_int_equal(l3->nports, NPORTS);
	assert_int_equal(l3->port[1].naddr, 2);
	assert_int_equal(l3->port[1].addr[0].ip, IP(198, 18, 2, 1));
	assert_int_equal(l3->port[1].addr[1].ip, IP(198, 18, 20, 1));
	assert_int_equal(l3->port[1].addr[1].len, 24);
	assert_int_equal(l3->port[0].naddr, 1);
	assert_int_equal(l3->port[1].mtu, 1500);
	assert_memory_equal(l3->port[1].mac, f->dp.port[1].hw_mac, 6);
	/* routes: connected, local, broadcast on p2 */
	assert_int_equal(hf_fib_count(f->dp.fib), 12);
	assert_int_equal(hf_fib_get(f->dp.fib, IP(198, 18, 20, 0), 24, &idx),
			 0);
	assert_int_equal(hf_nh_at(f->dp.nh, idx)->type, HF_NH_FORWARD);
	assert_int_equal(hf_nh_at(f->dp.nh, idx)->port, 1);
	assert_int_equal(hf_fib_get(f->dp.fib, IP(198, 18, 20, 1), 32, &idx),
			 0);
	assert_int_equal(hf_nh_at(f->dp.nh, idx)->type, HF_NH_LOCAL);
	assert_int_equal(hf_fib_get(f->dp.fib, IP(198, 18, 20, 255), 32, &idx),
			 0);
	assert_int_equal(hf_nh_at(f->dp.nh, idx)->type, HF_NH_BROADCAST);
	/* a gateway on the new subnet is now usable */
	run_ok(f, "route add 198.60.0.0/16 via 198.18.20.9");
	assert_int_equal(hf_fib_get(f->dp.fib, IP(198, 60, 0, 0), 16, &idx), 0);
	assert_int_equal(hf_nh_at(f->dp.nh, idx)->port, 1);
	/* show interfaces lists it */
	run_ok(f, "show interfaces --json");
	assert_non_null(strstr(f->out.data,
			       "\"addresses\":[\"198.18.2.1/24\",\"198.18.20.1/24\"]"));
}

struct overlap_case {
	const char *line;
};

static const struct overlap_case overlaps[] = {
	{ "address add p2 198.18.1.5/24" },	/* p1's subnet */
	{ "address add p1 198.18.1.5/24" },	/* own subnet */
	{ "address add p3 198.18.1.129/25" },	/* inside p1's /24 */
	{ "address add p3 198.18.0.1/16" },	/* covers all three */
	{ "address add p3 198.18.2.1/32" },	/* p2's address itself */
};

static void test_address_overlap_refused(void **state)
{
	struct fx *f = *state;
	const struct hf_l3 *old = cur_l3(f);
	size_t i;

	for (i = 0; i < sizeof(overlaps) / sizeof(overlaps[0]); i++) {
		run_fails(f, overlaps[i].line, -EEXIST, "overlaps");
		assert_ptr_equal(cur_l3(f), old);
		assert_int_equal(hf_fib_count(f->dp.fib), 9);
	}
}

/*
 * The network or broadcast address of a subnet cannot be an interface
 * address (the config validator refuses it too): as 198.18.20.255/24 its
 * local /32 would be overwritten by the subnet's broadcast route.
 */
static void test_address_network_or_broadcast_refused(void **state)
{
	static const char *const lines[] = {
		"address add p2 198.18.20.255/24",
		"address add p2 198.18.20.0/24",
		"address add p2 198.18.16.0/20",
	};
	struct fx *f = *state;
	const struct hf_l3 *old = cur_l3(f);
	size_t i;
	int rc;

	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		rc = run(f, lines[i]);
		if (rc != -EINVAL || !f->err[0])
			fail_msg("'%s': rc %d (err '%s'), want -EINVAL", lines[i],
				 rc, f->err);
		assert_ptr_equal(cur_l3(f), old);
		assert_int_equal(hf_fib_count(f->dp.fib), 9);
	}
	/* both ends of a /31 are fine */
	run_ok(f, "address add p2 198.18.20.0/31");
	run_ok(f, "address add p3 198.18.20.3/31");
}

static void test_address_del(void **state)
{
	struct fx *f = *state;
	const struct hf_l3 *l3;
	uint32_t idx;

	run_ok(f, "address add p2 198.18.20.1/24");
	run_ok(f, "address del p2 198.18.2.1/24");
	l3 = cur_l3(f);
	assert_int_equal(l3->port[1].naddr, 1);
	assert_int_equal(l3->port[1].addr[0].ip, IP(198, 18, 20, 1));
	assert_int_equal(hf_fib_count(f->dp.fib), 9);
	assert_int_equal(hf_fib_get(f->dp.fib, IP(198, 18, 2, 0), 24, &idx),
			 -ENOENT);
	assert_int_equal(hf_fib_get(f->dp.fib, IP(198, 18, 2, 1), 32, &idx),
			 -ENOENT);
	/* the length must match too */
	run_fails(f, "address del p2 198.18.20.1/16", -ENOENT, "no address");
	run_ok(f, "address del p2 198.18.20.1/24");
	assert_int_equal(cur_l3(f)->port[1].naddr, 0);
	assert_int_equal(hf_fib_count(f->dp.fib), 6);
	assert_int_equal(hf_nh_used(f->dp.nh), 6);
}

/* A port holds at most HF_MAX_PORT_ADDRS addresses. */
static void test_address_limit(void **state)
{
	struct fx *f = *state;
	char line[64];
	uint32_t i;

	for (i = 1; i < HF_MAX_PORT_ADDRS; i++) {
		snprintf(line, sizeof(line), "address add p1 10.%u.0.1/24", i);
		run_ok(f, line);
	}
	assert_int_equal(cur_l3(f)->port[0].naddr, HF_MAX_PORT_ADDRS);
	run_fails(f, "address add p1 10.99.0.1/24", -ENOSPC, "p1");
	assert_int_equal(cur_l3(f)->port[0].naddr, HF_MAX_PORT_ADDRS);
	assert_int_equal(hf_fib_count(f->dp.fib),
			 9 + 3 * (HF_MAX_PORT_ADDRS - 1));
}

/* ---- mtu ---- */

static void test_mtu_set(void **state)
{
	struct fx *f = *state;
	const struct hf_l3 *old = cur_l3(f);

	run_ok(f, "mtu set p1 1400");
	assert_ptr_not_equal(cur_l3(f), old);
	assert_int_equal(cur_l3(f)->port[0].mtu, 1400);
	assert_int_equal(cur_l3(f)->port[1].mtu, 1500);
	assert_int_equal(cur_l3(f)->port[0].naddr, 1);
	run_ok(f, "mtu set p1 68");
	assert_int_equal(cur_l3(f)->port[0].mtu, 68);
	run_ok(f, "mtu set p1 1500");
	assert_int_equal(cur_l3(f)->port[0].mtu, 1500);
	old = cur_l3(f);
	run_fails(f, "mtu set p1 9000", -ERANGE, "veth1");
	assert_ptr_equal(cur_l3(f), old);
	assert_int_equal(cur_l3(f)->port[0].mtu, 1500);
}

/* ---- counters ---- */

static void test_show_counters_json(void **state)
{
	struct fx *f = *state;
	const char *s;

	run_ok(f, "show counters --json");
	s = f->out.data;
	assert_true(starts_with(s, "{\"counters\":{"));
	assert_non_null(strstr(s, "\"drop_no_route\":0"));
	assert_non_null(strstr(s, "{\"counters\":{\"rx_packets\":0,"));
	assert_non_null(strstr(s, "\"delta\":false,\"ports\":{\"p1\":{\"rx_packets\":0,"
				  "\"rx_bytes\":0,\"tx_packets\":0,"
				  "\"tx_bytes\":0},\"p2\":"));
	assert_non_null(strstr(s, "\"p3\":{"));
	assert_string_equal(s + strlen(s) - 4, "}}}\n");
	assert_non_null(strstr(s, "\"severity\":{\"rx_packets\":\"info\","));
	assert_non_null(strstr(s, "\"drop_session_full\":\"error\""));
	assert_non_null(strstr(s, "\"drop_ip_checksum\":\"warn\""));
	assert_non_null(strstr(s, "\"delta\":false"));
	/* no counters set: the text form prints nothing, 'all' everything,
	 * grouped by category, then severity */
	run_ok(f, "show counters");
	assert_string_equal(f->out.data, "");
	run_ok(f, "show counters all");
	s = f->out.data;
	assert_non_null(strstr(s, "drop (error):\n"));
	assert_non_null(strstr(s, "drop (warn):\n"));
	assert_non_null(strstr(s, "  drop_no_route "));
	assert_non_null(strstr(s, "ring (info):\n"));
	assert_true(strstr(s, "drop (error):") < strstr(s, "drop (warn):"));
	assert_true(strstr(s, "drop (warn):") < strstr(s, "drop (info):"));
}

static size_t round_up(size_t n)
{
	return (n + HF_CACHELINE - 1) & ~(size_t)(HF_CACHELINE - 1);
}

/* Counters of a (fake) worker are summed into the reply. */
static void test_show_counters_worker(void **state)
{
	struct fx *f = *state;

	f->w = aligned_alloc(HF_CACHELINE, round_up(sizeof(*f->w)));
	assert_non_null(f->w);
	memset(f->w, 0, sizeof(*f->w));
	f->w->dp = &f->dp;
	f->w->stats.c[HF_CNT_drop_no_route] = 7;
	f->w->stats.c[HF_CNT_rx_packets] = 42;
	f->w->port_stats[1].tx_bytes = 1234;
	f->dp.worker[0] = f->w;
	f->dp.nworkers = 1;
	run_ok(f, "show counters --json");
	assert_non_null(strstr(f->out.data, "\"drop_no_route\":7,"));
	assert_non_null(strstr(f->out.data,
			       "{\"counters\":{\"rx_packets\":42,"));
	assert_non_null(strstr(f->out.data,
			       "\"p2\":{\"rx_packets\":0,\"rx_bytes\":0,"
			       "\"tx_packets\":0,\"tx_bytes\":1234}"));
	run_ok(f, "show counters");
	assert_non_null(strstr(f->out.data, "pkt (info):\n  rx_packets "));
	assert_non_null(strstr(f->out.data, "drop (warn):\n  drop_no_route "));
	assert_null(strstr(f->out.data, "drop_ttl_exceeded"));
	assert_null(strstr(f->out.data, "icmp"));
	/* --delta: since start the first time, then the change */
	run_ok(f, "show counters --delta --json");
	assert_non_null(strstr(f->out.data, "\"drop_no_route\":7,"));
	assert_non_null(strstr(f->out.data, "\"delta\":true"));
	f->w->stats.c[HF_CNT_drop_no_route] = 10;
	run_ok(f, "show counters --delta --json");
	assert_non_null(strstr(f->out.data, "\"drop_no_route\":3,"));
	assert_non_null(strstr(f->out.data, "{\"counters\":{\"rx_packets\":0,"));
	run_ok(f, "show counters --delta");
	assert_non_null(strstr(f->out.data, "change over the last "));
	assert_null(strstr(f->out.data, "drop_no_route"));
	/* a plain show is absolute and leaves the --delta mark alone */
	run_ok(f, "show counters --json");
	assert_non_null(strstr(f->out.data, "\"drop_no_route\":10,"));
	f->dp.nworkers = 0;
}

/* ---- neighbours ---- */

static void test_show_neighbours(void **state)
{
	static const uint8_t mac[6] = { 0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0x01 };
	struct fx *f = *state;

	run_ok(f, "show neighbours --json");
	assert_string_equal(f->out.data, "{\"neighbours\":[]}\n");
	assert_int_equal(hf_neigh_add_static(f->dp.neigh, 1, IP(198, 18, 2, 2),
					     mac, hf_now_ns()), 0);
	run_ok(f, "show neighbours --json");
	assert_non_null(strstr(f->out.data,
			       "{\"neighbours\":[{\"ip\":\"198.18.2.2\","
			       "\"mac\":\"02:aa:bb:cc:dd:01\",\"port\":\"p2\","
			       "\"state\":\"permanent\",\"age_s\":"));
	assert_non_null(strstr(f->out.data, ",\"probes\":0}]}\n"));
	run_ok(f, "show neighbors");		/* the US spelling */
	assert_non_null(strstr(f->out.data, "198.18.2.2"));
	assert_non_null(strstr(f->out.data, "02:aa:bb:cc:dd:01"));
	assert_non_null(strstr(f->out.data, "permanent"));
	/* an unresolved entry shows no MAC */
	assert_int_equal(hf_neigh_resolve(f->dp.neigh, 2, IP(198, 18, 3, 9),
					  hf_now_ns()), 0);
	run_ok(f, "show neighbours --json");
	assert_non_null(strstr(f->out.data,
			       "{\"ip\":\"198.18.3.9\",\"mac\":null,"
			       "\"port\":\"p3\",\"state\":\"incomplete\""));
}

/* ---- threads ---- */

static void test_show_threads_json(void **state)
{
	struct fx *f = *state;

	f->w = aligned_alloc(HF_CACHELINE, round_up(sizeof(*f->w)));
	assert_non_null(f->w);
	memset(f->w, 0, sizeof(*f->w));
	f->w->id = 0;
	f->w->cpu = 3;
	f->w->loops = 200;
	f->w->busy_loops = 50;
	f->dp.worker[0] = f->w;
	f->dp.nworkers = 1;
	run_ok(f, "show threads --json");
	assert_true(starts_with(f->out.data,
				"{\"threads\":[{\"name\":\"main\","));
	assert_non_null(strstr(f->out.data, "{\"name\":\"mprelay\","));
	assert_non_null(strstr(f->out.data,
			       "{\"name\":\"pan_task/0\",\"tid\":0,\"cpu\":3,"));
	assert_non_null(strstr(f->out.data,
			       "\"loops\":200,\"busy_loops\":50,"
			       "\"busy_pct\":25.00}]}\n"));
	f->dp.nworkers = 0;
}

/* ---- interfaces ---- */

static void test_show_interfaces_json(void **state)
{
	static const char want[] =
		"{\"interfaces\":[{\"name\":\"p1\",\"interface\":\"veth1\","
		"\"ifindex\":10,\"driver\":\"veth\","
		"\"mac\":\"02:00:00:00:01:01\",\"mtu\":1500,"
		"\"interface_mtu\":1500,\"xdp_mode\":\"none\","
		"\"bind_mode\":\"copy\",\"rx_queues\":1,"
		"\"tx_queues\":1,\"sockets\":0,\"tx_budget\":32,"
		"\"addresses\":[\"198.18.1.1/24\"],\"rx_packets\":0,";
	struct fx *f = *state;

	run_ok(f, "show interfaces --json");
	if (strncmp(f->out.data, want, strlen(want)))
		fail_msg("got:\n%s", f->out.data);
	assert_non_null(strstr(f->out.data, "{\"name\":\"p3\""));
	assert_string_equal(f->out.data + strlen(f->out.data) - 3, "]}\n");
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, fx_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_show_routes_json),
		T(test_show_routes_text),
		T(test_route_add_via),
		T(test_route_replace_del),
		T(test_bad_syntax),
		T(test_unknown_command),
		T(test_help),
		T(test_address_add),
		T(test_address_overlap_refused),
		T(test_address_network_or_broadcast_refused),
		T(test_address_del),
		T(test_address_limit),
		T(test_mtu_set),
		T(test_show_counters_json),
		T(test_show_counters_worker),
		T(test_show_neighbours),
		T(test_show_threads_json),
		T(test_show_interfaces_json),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
