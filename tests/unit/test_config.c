// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_config.c - control/config.h: a full valid file parses to the
 * expected values; parse and validation errors name the right
 * "file:line:" and reason.
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
#include <unistd.h>

#include "control/config.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

#define IP(a, b, c, d) \
	((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))

static const char full_config[] =
	"# hafwd test configuration\n"				/* 1 */
	"workers 2\n"						/* 2 */
	"cores 2 3   # pinned\n"				/* 3 */
	"control-socket /tmp/hafwd-test.sock\n"			/* 4 */
	"rx-ring 4096\n"					/* 5 */
	"tx-ring 1024\n"					/* 6 */
	"poll-mode adaptive\n"					/* 7 */
	"icmp-rate 500\n"					/* 8 */
	"icmp-burst 50\n"					/* 9 */
	"neighbour-reachable-ms 20000\n"			/* 10 */
	"neighbour-stale-ms 0\n"				/* 11 */
	"neighbour-resolve-ms 2000\n"				/* 12 */
	"neighbour-probe-ms 500\n"				/* 13 */
	"neighbour-max 1024\n"					/* 14 */
	"arp-hold 4\n"						/* 15 */
	"fib-max-routes 100000\n"				/* 16 */
	"fib-tbl8-groups 256\n"					/* 17 */
	"nexthops-max 64\n"					/* 18 */
	"\n"							/* 19 */
	"port lan {\n"						/* 20 */
	"\tinterface veth-lan\n"				/* 21 */
	"\taddress 198.18.0.1/24\n"				/* 22 */
	"\taddress 10.1.0.1/16\n"				/* 23 */
	"\tmac 02:00:00:00:00:01\n"				/* 24 */
	"\tmtu 9000\n"						/* 25 */
	"\txdp-mode native\n"					/* 26 */
	"\tbind-mode zerocopy\n"				/* 27 */
	"}\n"							/* 28 */
	"port wan {   # uplink\n"				/* 29 */
	"    interface veth-wan\r\n"				/* 30 */
	"    address 198.19.0.1/30\n"				/* 31 */
	"    xdp-mode generic\n"				/* 32 */
	"    bind-mode copy\n"					/* 33 */
	"}\n"							/* 34 */
	"route 0.0.0.0/0 via 198.19.0.2\n"			/* 35 */
	"route 203.0.113.0/24 via 198.18.0.254 port lan\n"	/* 36 */
	"route 192.0.2.0/24 port lan\n"				/* 37 */
	"route 100.64.0.0/10 blackhole\n"			/* 38 */
	"route 192.0.2.128/32 via 10.1.2.3\n"			/* 39 */
	"neighbour 198.18.0.7 02:aa:bb:cc:dd:ee port lan\n"	/* 40 */
	"neighbor 198.19.0.2 02:00:00:00:00:99 port wan\n";	/* 41 */

static void test_defaults(void **state)
{
	struct hf_config cfg;

	(void)state;
	hf_config_defaults(&cfg);
	assert_int_equal(cfg.workers, 1);
	assert_int_equal(cfg.ncores, 0);
	assert_int_equal(cfg.nports, 0);
	assert_int_equal(cfg.nroutes, 0);
	assert_int_equal(cfg.nneigh, 0);
	assert_null(cfg.route);
	assert_null(cfg.neigh);
	assert_true(cfg.rx_ring && !(cfg.rx_ring & (cfg.rx_ring - 1)));
	assert_true(cfg.tx_ring && !(cfg.tx_ring & (cfg.tx_ring - 1)));
	assert_int_equal(cfg.poll_mode, HF_POLL_BUSY);
	assert_true(cfg.ctl_path[0] != '\0');
	/* an empty file (and comments only) is syntactically fine */
	assert_int_equal(hf_config_parse(&cfg, "e.conf", "", (char[64]){ 0 },
					 64), 0);
	assert_int_equal(hf_config_parse(&cfg, "e.conf", "# x\n\n  \t\n",
					 (char[64]){ 0 }, 64), 0);
	assert_int_equal(cfg.workers, 1);
	hf_config_free(&cfg);
}

static void test_full_config(void **state)
{
	struct hf_config cfg;
	char err[256] = "";
	const struct hf_cfg_port *lan, *wan;
	int rc;

	(void)state;
	hf_config_defaults(&cfg);
	rc = hf_config_parse(&cfg, "full.conf", full_config, err, sizeof(err));
	if (rc)
		fail_msg("parse: %d %s", rc, err);
	rc = hf_config_validate(&cfg, "full.conf", err, sizeof(err));
	if (rc)
		fail_msg("validate: %d %s", rc, err);

	assert_int_equal(cfg.workers, 2);
	assert_int_equal(cfg.ncores, 2);
	assert_int_equal(cfg.cores[0], 2);
	assert_int_equal(cfg.cores[1], 3);
	assert_string_equal(cfg.ctl_path, "/tmp/hafwd-test.sock");
	assert_int_equal(cfg.rx_ring, 4096);
	assert_int_equal(cfg.tx_ring, 1024);
	assert_int_equal(cfg.poll_mode, HF_POLL_ADAPTIVE);
	assert_int_equal(cfg.icmp_rate, 500);
	assert_int_equal(cfg.icmp_burst, 50);
	assert_int_equal(cfg.neigh_reachable_ms, 20000);
	assert_int_equal(cfg.neigh_stale_keep_ms, 0);
	assert_int_equal(cfg.neigh_resolve_ms, 2000);
	assert_int_equal(cfg.neigh_probe_ms, 500);
	assert_int_equal(cfg.neigh_max, 1024);
	assert_int_equal(cfg.arp_hold, 4);
	assert_int_equal(cfg.fib_max_routes, 100000);
	assert_int_equal(cfg.fib_tbl8_groups, 256);
	assert_int_equal(cfg.nexthops_max, 64);

	assert_int_equal(cfg.nports, 2);
	assert_int_equal(hf_config_port_index(&cfg, "lan"), 0);
	assert_int_equal(hf_config_port_index(&cfg, "wan"), 1);
	assert_int_equal(hf_config_port_index(&cfg, "dmz"), -1);
	lan = &cfg.port[0];
	wan = &cfg.port[1];
	assert_string_equal(lan->name, "lan");
	assert_string_equal(lan->ifname, "veth-lan");
	assert_int_equal(lan->naddr, 2);
	assert_int_equal(lan->addr[0].ip, IP(198, 18, 0, 1));
	assert_int_equal(lan->addr[0].len, 24);
	assert_int_equal(lan->addr[1].ip, IP(10, 1, 0, 1));
	assert_int_equal(lan->addr[1].len, 16);
	assert_true(lan->has_mac);
	assert_memory_equal(lan->mac, ((const uint8_t[]){ 2, 0, 0, 0, 0, 1 }),
			    6);
	assert_int_equal(lan->mtu, 9000);
	assert_int_equal(lan->xdp_mode, HF_XDP_NATIVE);
	assert_int_equal(lan->bind_mode, HF_BIND_ZEROCOPY);
	assert_int_equal(lan->line, 20);

	assert_string_equal(wan->name, "wan");
	assert_string_equal(wan->ifname, "veth-wan");	/* \r stripped */
	assert_int_equal(wan->naddr, 1);
	assert_int_equal(wan->addr[0].ip, IP(198, 19, 0, 1));
	assert_int_equal(wan->addr[0].len, 30);
	assert_false(wan->has_mac);
	assert_int_equal(wan->mtu, 0);
	assert_int_equal(wan->xdp_mode, HF_XDP_GENERIC);
	assert_int_equal(wan->bind_mode, HF_BIND_COPY);
	assert_int_equal(wan->line, 29);

	assert_int_equal(cfg.nroutes, 5);
	assert_int_equal(cfg.route[0].prefix, 0);
	assert_int_equal(cfg.route[0].len, 0);
	assert_int_equal(cfg.route[0].kind, HF_ROUTE_VIA);
	assert_int_equal(cfg.route[0].gw, IP(198, 19, 0, 2));
	assert_int_equal(cfg.route[0].port, -1);
	assert_int_equal(cfg.route[0].line, 35);

	assert_int_equal(cfg.route[1].prefix, IP(203, 0, 113, 0));
	assert_int_equal(cfg.route[1].len, 24);
	assert_int_equal(cfg.route[1].kind, HF_ROUTE_VIA);
	assert_int_equal(cfg.route[1].gw, IP(198, 18, 0, 254));
	assert_int_equal(cfg.route[1].port, 0);
	assert_int_equal(cfg.route[1].line, 36);

	assert_int_equal(cfg.route[2].prefix, IP(192, 0, 2, 0));
	assert_int_equal(cfg.route[2].len, 24);
	assert_int_equal(cfg.route[2].kind, HF_ROUTE_ONLINK);
	assert_int_equal(cfg.route[2].port, 0);
	assert_int_equal(cfg.route[2].line, 37);

	assert_int_equal(cfg.route[3].prefix, IP(100, 64, 0, 0));
	assert_int_equal(cfg.route[3].len, 10);
	assert_int_equal(cfg.route[3].kind, HF_ROUTE_BLACKHOLE);
	assert_int_equal(cfg.route[3].line, 38);

	assert_int_equal(cfg.route[4].prefix, IP(192, 0, 2, 128));
	assert_int_equal(cfg.route[4].len, 32);
	assert_int_equal(cfg.route[4].gw, IP(10, 1, 2, 3));
	assert_int_equal(cfg.route[4].port, -1);

	assert_int_equal(cfg.nneigh, 2);
	assert_int_equal(cfg.neigh[0].ip, IP(198, 18, 0, 7));
	assert_memory_equal(cfg.neigh[0].mac,
			    ((const uint8_t[]){ 2, 0xaa, 0xbb, 0xcc, 0xdd, 0xee }),
			    6);
	assert_int_equal(cfg.neigh[0].port, 0);
	assert_int_equal(cfg.neigh[0].line, 40);
	assert_int_equal(cfg.neigh[1].ip, IP(198, 19, 0, 2));
	assert_int_equal(cfg.neigh[1].port, 1);
	assert_int_equal(cfg.neigh[1].line, 41);

	hf_config_free(&cfg);
	assert_null(cfg.route);
	assert_null(cfg.neigh);
	assert_int_equal(cfg.nroutes, 0);
	hf_config_free(&cfg);		/* idempotent */
}

/* hf_config_load reads the same text from a file, naming it in errors. */
static void test_load(void **state)
{
	char path[] = "/tmp/hafwd-test-config-XXXXXX";
	struct hf_config cfg;
	char err[256] = "", want[300];
	FILE *f;
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	fputs(full_config, f);
	fclose(f);
	hf_config_defaults(&cfg);
	assert_int_equal(hf_config_load(&cfg, path, err, sizeof(err)), 0);
	assert_int_equal(cfg.nports, 2);
	assert_int_equal(cfg.nroutes, 5);
	hf_config_free(&cfg);

	f = fopen(path, "w");
	assert_non_null(f);
	fputs("workers 1\nbogus 1\n", f);
	fclose(f);
	hf_config_defaults(&cfg);
	assert_int_equal(hf_config_load(&cfg, path, err, sizeof(err)),
			 -EINVAL);
	snprintf(want, sizeof(want), "%s:2: ", path);
	assert_true(strncmp(err, want, strlen(want)) == 0);
	hf_config_free(&cfg);
	unlink(path);

	hf_config_defaults(&cfg);
	assert_int_equal(hf_config_load(&cfg, path, err, sizeof(err)),
			 -ENOENT);
	assert_non_null(strstr(err, path));
	hf_config_free(&cfg);
}

/* ---- parse errors ---- */

#define PORT_LAN "port lan {\ninterface eth0\naddress 10.0.0.1/24\n}\n"

struct err_case {
	const char *name;
	const char *text;
	unsigned int line;
	const char *msg;	/* a distinguishing part of the reason */
};


static const struct err_case parse_errors[] = {
	{ "tcp-loose-pickup", "tcp-loose-pickup sometimes\n", 1,
	  "option 'tcp-loose-pickup': 'sometimes' is not yes or no" },
	{ "session timeout 0", "session-timeout-udp 0\n", 1,
	  "option 'session-timeout-udp': '0' is not a number in 1..2592000" },
	{ "session-max", "session-max 3\n", 1,
	  "option 'session-max': '3' is not a number" },
	{ "unknown keyword", "workers 1\nfrobnicate 3\n", 2,
	  "unknown keyword 'frobnicate'" },
	{ "unknown port keyword",
	  "port lan {\n  interface eth0\n  vlan 5\n}\n", 3,
	  "unknown keyword 'vlan' in port block" },
	{ "bad address: no length",
	  "port lan {\ninterface eth0\naddress 10.0.0.1\n}\n", 3,
	  "address '10.0.0.1' is not of the form a.b.c.d/len" },
	{ "bad address: octet",
	  "\nport lan {\ninterface eth0\naddress 10.0.300.1/24\n}\n", 4,
	  "address '10.0.300.1/24' is not of the form" },
	{ "bad address: /0", "port lan {\ninterface eth0\naddress 10.0.0.1/0\n}\n",
	  3, "prefix length must be 1..32" },
	{ "bad address: /33",
	  "port lan {\ninterface eth0\naddress 10.0.0.1/33\n}\n", 3,
	  "address '10.0.0.1/33'" },
	{ "route with host bits", PORT_LAN "route 10.1.0.1/16 via 10.0.0.2\n",
	  5, "route prefix '10.1.0.1/16' has host bits set" },
	{ "route bad prefix", PORT_LAN "route 10.1.0.0/40 blackhole\n", 5,
	  "route prefix '10.1.0.0/40' is not of the form" },
	{ "route bad gateway", PORT_LAN "route 10.1.0.0/16 via 10.0.0\n", 5,
	  "gateway '10.0.0' is not an IPv4 address" },
	{ "route missing words", PORT_LAN "route 10.1.0.0/16\n", 5,
	  "expected 'route <prefix> via" },
	{ "route bad kind", PORT_LAN "route 10.1.0.0/16 dev eth0\n", 5,
	  "expected 'route <prefix> via" },
	{ "route blackhole extra", PORT_LAN "route 10.1.0.0/16 blackhole x\n",
	  5, "expected 'route <prefix> via" },
	{ "missing '}'", "workers 1\nport lan {\ninterface eth0", 3,
	  "port 'lan' (line 2) is missing its closing '}'" },
	{ "text after '}'", "port lan {\ninterface eth0\n} x\n", 3,
	  "unexpected text after '}'" },
	{ "port without interface", "port lan {\naddress 10.0.0.1/24\n}\n", 3,
	  "port 'lan' has no 'interface'" },
	{ "port without '{'", "port lan\n", 1, "expected 'port <name> {'" },
	{ "port name too long", "port abcdefghijklmnopq {\n", 1,
	  "port name 'abcdefghijklmnopq' is longer than 15" },
	{ "duplicate port", PORT_LAN "\nport lan {\ninterface eth1\n}\n", 6,
	  "port 'lan' is defined twice" },
	{ "unknown port in on-link route", PORT_LAN "route 10.9.0.0/16 port wan\n",
	  5, "unknown port 'wan'" },
	{ "gateway route, 'port' misspelt",
	  PORT_LAN "route 10.9.0.0/16 via 10.0.0.2 prot lan\n", 5,
	  "expected 'port <name>' after the gateway" },
	{ "route port used before definition",
	  "route 10.9.0.0/16 port lan\n" PORT_LAN, 1, "unknown port 'lan'" },
	{ "unknown port in neighbour",
	  PORT_LAN "neighbour 10.0.0.9 02:00:00:00:00:01 port wan\n", 5,
	  "unknown port 'wan'" },
	{ "workers 0", "workers 0\n", 1,
	  "option 'workers': '0' is not a number in 1..64" },
	{ "workers 65", "# c\nworkers 65\n", 2,
	  "option 'workers': '65' is not a number in 1..64" },
	{ "rx-ring 100000", "rx-ring 100000\n", 1,
	  "option 'rx-ring': '100000' is not a number in 64..16384" },
	{ "tx-ring 32", "tx-ring 32\n", 1, "option 'tx-ring': '32'" },
	{ "non-numeric", "\n\nicmp-rate fast\n", 3,
	  "option 'icmp-rate': 'fast' is not a number" },
	{ "negative", "icmp-burst -5\n", 1, "option 'icmp-burst': '-5'" },
	{ "trailing junk number", "arp-hold 4k\n", 1, "option 'arp-hold': '4k'" },
	{ "option without value", "workers\n", 1,
	  "option 'workers' takes one value" },
	{ "option two values", "workers 1 2\n", 1,
	  "option 'workers' takes one value" },
	{ "poll-mode", "poll-mode lazy\n", 1,
	  "'lazy' is not busy or adaptive" },
	{ "cores not a number", "cores 1 x\n", 1,
	  "option 'cores': 'x' is not a CPU number" },
	{ "cores out of range", "cores 4096\n", 1,
	  "option 'cores': '4096' is not a CPU number" },
	{ "cores empty", "cores\n", 1, "option 'cores' takes 1..64" },
	{ "control-socket too long",
	  "control-socket /aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n",
	  1, "option 'control-socket': value longer than 107" },
	{ "bad MAC", "port lan {\ninterface eth0\nmac 02:00:00:00:00\n}\n", 3,
	  "mac '02:00:00:00:00' is not of the form" },
	{ "bad MAC separators",
	  "port lan {\ninterface eth0\nmac 02-00-00-00-00-01\n}\n", 3,
	  "mac '02-00-00-00-00-01' is not of the form" },
	{ "multicast MAC", "port lan {\ninterface eth0\nmac 01:00:5e:00:00:01\n}\n",
	  3, "mac '01:00:5e:00:00:01' is a multicast address" },
	{ "broadcast MAC", "port lan {\ninterface eth0\nmac ff:ff:ff:ff:ff:ff\n}\n",
	  3, "is a multicast address" },
	{ "neighbour multicast MAC",
	  PORT_LAN "neighbour 10.0.0.9 03:00:00:00:00:01 port lan\n", 5,
	  "neighbour MAC '03:00:00:00:00:01' is not a unicast" },
	{ "neighbour bad ip",
	  PORT_LAN "neighbour 10.0.0.999 02:00:00:00:00:01 port lan\n", 5,
	  "neighbour '10.0.0.999' is not an IPv4 address" },
	{ "neighbour syntax", PORT_LAN "neighbour 10.0.0.9 02:00:00:00:00:01\n",
	  5, "expected 'neighbour <ip> <mac> port <name>'" },
	{ "mtu range", "port lan {\ninterface eth0\nmtu 67\n}\n", 3,
	  "mtu '67' is not a number in 68..9000" },
	{ "xdp-mode", "port lan {\ninterface eth0\nxdp-mode turbo\n}\n", 3,
	  "xdp-mode 'turbo' is not auto, native or generic" },
	{ "bind-mode", "port lan {\ninterface eth0\nbind-mode fast\n}\n", 3,
	  "bind-mode 'fast' is not auto, zerocopy or copy" },
	{ "interface name too long",
	  "port lan {\ninterface abcdefghijklmnopqrstu\n}\n", 2,
	  "interface name 'abcdefghijklmnopqrstu' is longer than 15" },
	{ "interface without name", "port lan {\ninterface\n}\n", 2,
	  "interface <ifname>" },
	/* a line holds at most HF_MAX_WORKERS + 1 (65) words */
	{ "too many words", "workers 1\n\ncores 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31 32 33 34 35 36 37 38 39 40 41 42 43 44 45 46 47 48 49 50 51 52 53 54 55 56 57 58 59 60 61 62 63 64\n",
	  3, "more than 65 words on one line" },
	{ "too many words in comment-free port line",
	  "port lan {\ninterface w0 w1 w2 w3 w4 w5 w6 w7 w8 w9 w10 w11 w12 w13 w14 w15 w16 w17 w18 w19 w20 w21 w22 w23 w24 w25 w26 w27 w28 w29 w30 w31 w32 w33 w34 w35 w36 w37 w38 w39 w40 w41 w42 w43 w44 w45 w46 w47 w48 w49 w50 w51 w52 w53 w54 w55 w56 w57 w58 w59 w60 w61 w62 w63 w64\n}\n", 2,
	  "more than 65 words" },
	{ "nested port", "port lan {\ninterface eth0\nport wan {\n}\n", 3,
	  "unknown keyword 'port' in port block" },
	{ "stray '}'", "workers 1\n}\n", 2, "unknown keyword '}'" },
	{ "too many addresses",
	  "port lan {\ninterface eth0\naddress 10.0.0.1/24\naddress 10.0.1.1/24\n"
	  "address 10.0.2.1/24\naddress 10.0.3.1/24\naddress 10.0.4.1/24\n"
	  "address 10.0.5.1/24\naddress 10.0.6.1/24\naddress 10.0.7.1/24\n"
	  "address 10.0.8.1/24\n}\n", 11, "more than 8 addresses" },
};

/* Return 0 if @err is "file:line: ...msg...", else print why and 1. */
static int err_mismatch(const char *name, const char *err, const char *file,
			unsigned int line, const char *msg)
{
	char prefix[128];

	snprintf(prefix, sizeof(prefix), "%s:%u: ", file, line);
	if (strncmp(err, prefix, strlen(prefix))) {
		print_error("%s: error \"%s\" does not start with \"%s\"\n",
			    name, err, prefix);
		return 1;
	}
	if (!strstr(err + strlen(prefix), msg)) {
		print_error("%s: error \"%s\" does not contain \"%s\"\n",
			    name, err, msg);
		return 1;
	}
	return 0;
}

static void check_err(const char *name, const char *err, const char *file,
		      unsigned int line, const char *msg)
{
	if (err_mismatch(name, err, file, line, msg))
		fail();
}

static void test_parse_errors(void **state)
{
	int failures = 0;
	size_t i;

	(void)state;
	for (i = 0; i < N(parse_errors); i++) {
		const struct err_case *c = &parse_errors[i];
		struct hf_config cfg;
		char err[512];
		int rc;

		memset(err, 0, sizeof(err));
		hf_config_defaults(&cfg);
		rc = hf_config_parse(&cfg, "test.conf", c->text, err,
				     sizeof(err));
		if (rc != -EINVAL) {
			print_error("%s: parse returned %d (want -EINVAL)\n",
				    c->name, rc);
			failures++;
		} else {
			failures += err_mismatch(c->name, err, "test.conf",
						 c->line, c->msg);
		}
		hf_config_free(&cfg);
	}
	if (failures)
		fail_msg("%d of %zu parse error cases failed", failures,
			 N(parse_errors));
}

/*
 * "route P via GW port NAME" with an unknown NAME must say the port is
 * unknown, like the on-link and neighbour forms do.
 */
static void test_route_via_unknown_port(void **state)
{
	struct hf_config cfg;
	char err[256] = "";

	(void)state;
	hf_config_defaults(&cfg);
	assert_int_equal(hf_config_parse(&cfg, "test.conf",
					 PORT_LAN "route 10.9.0.0/16 via 10.0.0.2 port wan\n",
					 err, sizeof(err)),
			 -EINVAL);
	check_err("route via unknown port", err, "test.conf", 5,
		  "unknown port 'wan'");
	hf_config_free(&cfg);
}

/* The error text is truncated safely to a small buffer. */
static void test_error_truncation(void **state)
{
	struct hf_config cfg;
	char err[12];

	(void)state;
	memset(err, 'X', sizeof(err));
	hf_config_defaults(&cfg);
	assert_int_equal(hf_config_parse(&cfg, "some-long-name.conf",
					 "frobnicate\n", err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(err[sizeof(err) - 1], '\0');
	assert_true(strncmp(err, "some-long-n", 11) == 0);
	hf_config_free(&cfg);
}

/* A route/neighbour parse error after some routes leaks nothing. */
static void test_error_after_allocations(void **state)
{
	struct hf_config cfg;
	char err[256];

	(void)state;
	hf_config_defaults(&cfg);
	assert_int_equal(hf_config_parse(&cfg, "t.conf",
					 PORT_LAN
					 "route 10.1.0.0/16 via 10.0.0.2\n"
					 "neighbour 10.0.0.9 02:00:00:00:00:01 port lan\n"
					 "route 10.2.0.0/16 via\n",
					 err, sizeof(err)),
			 -EINVAL);
	check_err("after allocations", err, "t.conf", 7, "expected 'route");
	hf_config_free(&cfg);
}

/* 'cores' must accept one CPU per worker for any allowed worker count. */
static void test_cores_for_many_workers(void **state)
{
	struct hf_config cfg;
	char err[256] = "";
	int rc;

	(void)state;
	hf_config_defaults(&cfg);
	rc = hf_config_parse(&cfg, "t.conf",
			     "workers 16\n"
			     "cores 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15\n"
			     PORT_LAN, err, sizeof(err));
	if (rc)
		fail_msg("16 workers cannot be pinned: %s", err);
	assert_int_equal(cfg.ncores, 16);
	assert_int_equal(hf_config_validate(&cfg, "t.conf", err, sizeof(err)),
			 0);
	hf_config_free(&cfg);
}

/* ---- validation errors ---- */

static const struct err_case validate_errors[] = {
	{ "no ports", "workers 1\n", 0, "no 'port' is configured" },
	{ "duplicate interface",
	  PORT_LAN "port wan {\ninterface eth0\naddress 10.1.0.1/24\n}\n", 5,
	  "interface 'eth0' is already used by port 'lan'" },
	{ "overlapping subnets",
	  PORT_LAN "port wan {\ninterface eth1\naddress 10.0.0.129/25\n}\n", 1,
	  "subnet of an address overlaps one on port 'wan'" },
	{ "overlapping subnets, wider second",
	  PORT_LAN "port wan {\ninterface eth1\naddress 10.0.9.1/16\n}\n", 1,
	  "overlaps one on port 'wan'" },
	{ "gateway outside any subnet",
	  PORT_LAN "\nroute 10.9.0.0/16 via 10.0.1.1\n", 6,
	  "gateway is not inside any port's subnet" },
	{ "gateway on another port",
	  PORT_LAN "port wan {\ninterface eth1\naddress 10.1.0.1/24\n}\n"
	  "route 10.9.0.0/16 via 10.1.0.2 port lan\n", 9,
	  "gateway is on port 'wan', not on port 'lan'" },
	{ "cores != workers", "workers 2\ncores 1\n" PORT_LAN, 0,
	  "'cores' lists 1 CPUs but 'workers' is 2" },
	{ "cores != workers (more)", "workers 1\ncores 1 2 3\n" PORT_LAN, 0,
	  "'cores' lists 3 CPUs but 'workers' is 1" },
	{ "rx-ring not a power of two", "rx-ring 1000\n" PORT_LAN, 0,
	  "must be powers of two" },
	{ "tx-ring not a power of two", "tx-ring 4095\n" PORT_LAN, 0,
	  "must be powers of two" },
	{ "address = network address",
	  "port lan {\ninterface eth0\naddress 10.0.0.0/24\n}\n", 1,
	  "address is the network or broadcast address" },
	{ "address = broadcast address",
	  "\nport lan {\ninterface eth0\naddress 10.0.0.255/24\n}\n", 2,
	  "address is the network or broadcast address" },
	{ "neighbour off-subnet",
	  PORT_LAN "neighbour 10.5.0.9 02:00:00:00:00:01 port lan\n", 5,
	  "neighbour is not inside a subnet of port 'lan'" },
};

static void test_validate_errors(void **state)
{
	int failures = 0;
	size_t i;

	(void)state;
	for (i = 0; i < N(validate_errors); i++) {
		const struct err_case *c = &validate_errors[i];
		struct hf_config cfg;
		char err[512];
		int rc;

		memset(err, 0, sizeof(err));
		hf_config_defaults(&cfg);
		rc = hf_config_parse(&cfg, "v.conf", c->text, err, sizeof(err));
		if (rc)
			fail_msg("%s: parse failed: %s", c->name, err);
		rc = hf_config_validate(&cfg, "v.conf", err, sizeof(err));
		if (rc != -EINVAL) {
			print_error("%s: validate returned %d (want -EINVAL)\n",
				    c->name, rc);
			failures++;
		} else {
			failures += err_mismatch(c->name, err, "v.conf",
						 c->line, c->msg);
		}
		hf_config_free(&cfg);
	}
	if (failures)
		fail_msg("%d of %zu validation error cases failed", failures,
			 N(validate_errors));
}

/* Edge cases validation must accept. */
static void test_validate_ok(void **state)
{
	static const char *const ok[] = {
		/* /31 and /32 addresses have no network/broadcast address */
		"port a {\ninterface e0\naddress 10.0.0.0/31\n}\n",
		"port a {\ninterface e0\naddress 10.0.0.1/31\n}\n",
		"port a {\ninterface e0\naddress 10.0.0.0/32\n}\n",
		/* adjacent, non-overlapping subnets on two ports */
		"port a {\ninterface e0\naddress 10.0.0.1/25\n}\n"
		"port b {\ninterface e1\naddress 10.0.0.129/25\n}\n",
		/* gateway with the right port named */
		"port a {\ninterface e0\naddress 10.0.0.1/24\n}\n"
		"port b {\ninterface e1\naddress 10.1.0.1/24\n}\n"
		"route 0.0.0.0/0 via 10.1.0.2 port b\n",
		/* on-link and blackhole routes need no gateway */
		"port a {\ninterface e0\naddress 10.0.0.1/24\n}\n"
		"route 172.16.0.0/12 port a\nroute 192.168.0.0/16 blackhole\n",
		/* a port without an address (unnumbered) */
		"port a {\ninterface e0\n}\n",
		/* cores == workers */
		"workers 3\ncores 0 2 4\nport a {\ninterface e0\n}\n",
	};
	size_t i;

	(void)state;
	for (i = 0; i < N(ok); i++) {
		struct hf_config cfg;
		char err[256] = "";

		hf_config_defaults(&cfg);
		if (hf_config_parse(&cfg, "ok.conf", ok[i], err, sizeof(err)))
			fail_msg("case %zu: parse: %s", i, err);
		if (hf_config_validate(&cfg, "ok.conf", err, sizeof(err)))
			fail_msg("case %zu: validate: %s", i, err);
		hf_config_free(&cfg);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_full_config),
		cmocka_unit_test(test_load),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_route_via_unknown_port),
		cmocka_unit_test(test_error_truncation),
		cmocka_unit_test(test_error_after_allocations),
		cmocka_unit_test(test_cores_for_many_workers),
		cmocka_unit_test(test_validate_errors),
		cmocka_unit_test(test_validate_ok),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
