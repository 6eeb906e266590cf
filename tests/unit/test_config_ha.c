// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_config_ha.c - control/config_ha.c: the ha block and the port
 * keywords virtual-address / virtual-mac. A full file round-trips into
 * struct hf_cfg_ha (every field, defaults too); every parse and
 * validation error names the right "file:line:" and reason; keys from
 * the file and from a key-file, and their errors.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include "control/config.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

#define IP(a, b, c, d) \
	((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))

#define KEY32 "00112233445566778899aabbccddeeff"

static const char full_config[] =
	"port lan {\n"						/* 1 */
	"\tinterface veth-lan\n"				/* 2 */
	"\taddress 198.18.0.2/24\n"				/* 3 */
	"\tvirtual-address 198.18.0.1/24\n"			/* 4 */
	"\tvirtual-address 198.18.0.10/24\n"			/* 5 */
	"\tvirtual-mac 02:00:5e:00:01:01\n"			/* 6 */
	"}\n"							/* 7 */
	"port wan {\n"						/* 8 */
	"\tinterface veth-wan\n"				/* 9 */
	"\taddress 198.19.0.2/29\n"				/* 10 */
	"\tvirtual-address 198.19.0.1/29\n"			/* 11 */
	"\tvirtual-address 203.0.113.1/24   # own subnet\n"	/* 12 */
	"\tvirtual-mac 02:00:5e:00:01:02\n"			/* 13 */
	"}\n"							/* 14 */
	"route 0.0.0.0/0 via 198.19.0.6\n"			/* 15 */
	"ha {   # the pair\n"					/* 16 */
	"\tnode-id 4294967295\n"				/* 17 */
	"\tpriority 0\n"					/* 18 */
	"\tpreempt yes\n"					/* 19 */
	"\tpreempt-hold 5000\n"					/* 20 */
	"\theartbeat-interval 10\n"				/* 21 */
	"\theartbeat-misses 5\n"				/* 22 */
	"\tflap-max 0\n"					/* 23 */
	"\tflap-window 120000\n"				/* 24 */
	"\tinterface ha0\n"					/* 25 */
	"\tlocal-address 10.255.0.1\n"				/* 26 */
	"\tpeer-address 10.255.0.2\n"				/* 27 */
	"\tha1-port 5000\n"					/* 28 */
	"\tsync-port 5001\n"					/* 29 */
	"\tkey 00112233445566778899AaBbCcDdEeFf\n"		/* 30 */
	"\tgarp-count 0\n"					/* 31 */
	"\tgarp-interval 10000\n"				/* 32 */
	"\tworker-stuck 50\n"					/* 33 */
	"\tlink-group data all lan wan\n"			/* 34 */
	"\tlink-group up any wan\n"				/* 35 */
	"\tpath-group gw any interval 200 misses 4 target 198.19.0.6 target 192.0.2.1\n" /* 36 */
	"\tpath-group lan-hosts all target 198.18.0.50\n"	/* 37 */
	"}\n";							/* 38 */

static void parse_ok(struct hf_config *cfg, const char *text)
{
	char err[512] = "";
	int rc;

	hf_config_defaults(cfg);
	rc = hf_config_parse(cfg, "t.conf", text, err, sizeof(err));
	if (rc)
		fail_msg("parse: %d %s", rc, err);
	rc = hf_config_validate(cfg, "t.conf", err, sizeof(err));
	if (rc)
		fail_msg("validate: %d %s", rc, err);
}

static void test_full_config(void **state)
{
	static const uint8_t key[16] = {
		0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
		0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff,
	};
	const struct hf_cfg_port *lan, *wan;
	const struct hf_cfg_ha_group *g;
	const struct hf_cfg_ha *ha;
	struct hf_config cfg;

	(void)state;
	parse_ok(&cfg, full_config);
	lan = &cfg.port[0];
	wan = &cfg.port[1];
	assert_int_equal(lan->naddr, 1);
	assert_int_equal(lan->nvaddr, 2);
	assert_int_equal(lan->vaddr[0].ip, IP(198, 18, 0, 1));
	assert_int_equal(lan->vaddr[0].len, 24);
	assert_int_equal(lan->vaddr[1].ip, IP(198, 18, 0, 10));
	assert_int_equal(lan->vaddr[1].len, 24);
	assert_true(lan->has_vmac);
	assert_memory_equal(lan->vmac,
			    ((const uint8_t[]){ 2, 0, 0x5e, 0, 1, 1 }), 6);
	assert_false(lan->has_mac);
	assert_int_equal(wan->nvaddr, 2);
	assert_int_equal(wan->vaddr[0].ip, IP(198, 19, 0, 1));
	assert_int_equal(wan->vaddr[0].len, 29);
	assert_int_equal(wan->vaddr[1].ip, IP(203, 0, 113, 1));
	assert_int_equal(wan->vaddr[1].len, 24);
	assert_true(wan->has_vmac);
	assert_memory_equal(wan->vmac,
			    ((const uint8_t[]){ 2, 0, 0x5e, 0, 1, 2 }), 6);

	ha = &cfg.ha;
	assert_true(ha->present);
	assert_int_equal(ha->line, 16);
	assert_int_equal(ha->node_id, 4294967295u);
	assert_int_equal(ha->priority, 0);
	assert_true(ha->preempt);
	assert_int_equal(ha->preempt_hold_ms, 5000);
	assert_int_equal(ha->hb_interval_ms, 10);
	assert_int_equal(ha->hb_misses, 5);
	assert_int_equal(ha->flap_max, 0);
	assert_int_equal(ha->flap_window_ms, 120000);
	assert_string_equal(ha->ifname, "ha0");
	assert_int_equal(ha->local_ip, IP(10, 255, 0, 1));
	assert_int_equal(ha->peer_ip, IP(10, 255, 0, 2));
	assert_int_equal(ha->ha1_port, 5000);
	assert_int_equal(ha->sync_port, 5001);
	assert_int_equal(ha->key_len, 16);
	assert_memory_equal(ha->key, key, 16);
	assert_int_equal(ha->garp_count, 0);
	assert_int_equal(ha->garp_interval_ms, 10000);
	assert_int_equal(ha->worker_stuck_ms, 50);

	assert_int_equal(ha->nlink_groups, 2);
	g = &ha->link_group[0];
	assert_string_equal(g->name, "data");
	assert_true(g->all);
	assert_int_equal(g->ports, 1u << 0 | 1u << 1);
	assert_int_equal(g->ntargets, 0);
	assert_int_equal(g->line, 34);
	g = &ha->link_group[1];
	assert_string_equal(g->name, "up");
	assert_false(g->all);
	assert_int_equal(g->ports, 1u << 1);
	assert_int_equal(g->line, 35);

	assert_int_equal(ha->npath_groups, 2);
	g = &ha->path_group[0];
	assert_string_equal(g->name, "gw");
	assert_false(g->all);
	assert_int_equal(g->ports, 0);
	assert_int_equal(g->interval_ms, 200);
	assert_int_equal(g->misses, 4);
	assert_int_equal(g->ntargets, 2);
	assert_int_equal(g->target[0], IP(198, 19, 0, 6));
	assert_int_equal(g->target[1], IP(192, 0, 2, 1));
	assert_int_equal(g->line, 36);
	g = &ha->path_group[1];
	assert_string_equal(g->name, "lan-hosts");
	assert_true(g->all);
	assert_int_equal(g->interval_ms, 100);	/* defaults */
	assert_int_equal(g->misses, 3);
	assert_int_equal(g->ntargets, 1);
	assert_int_equal(g->target[0], IP(198, 18, 0, 50));
	assert_int_equal(g->line, 37);
	hf_config_free(&cfg);
}

/* Only the required keywords: everything else is the documented default. */
static void assert_ha_defaults(const struct hf_cfg_ha *ha)
{
	assert_int_equal(ha->priority, 100);
	assert_false(ha->preempt);
	assert_int_equal(ha->preempt_hold_ms, 1000);
	assert_int_equal(ha->hb_interval_ms, 100);
	assert_int_equal(ha->hb_misses, 3);
	assert_int_equal(ha->flap_max, 3);
	assert_int_equal(ha->flap_window_ms, 60000);
	assert_int_equal(ha->ha1_port, 28769);
	assert_int_equal(ha->sync_port, 28770);
	assert_int_equal(ha->key_len, 0);
	assert_int_equal(ha->garp_count, 3);
	assert_int_equal(ha->garp_interval_ms, 10);
	assert_int_equal(ha->worker_stuck_ms, 1000);
	assert_int_equal(ha->nlink_groups, 0);
	assert_int_equal(ha->npath_groups, 0);
}

static void test_defaults(void **state)
{
	struct hf_config cfg;

	(void)state;
	hf_config_defaults(&cfg);
	assert_false(cfg.ha.present);
	assert_ha_defaults(&cfg.ha);

	/* no ha block: a standalone node; no port has virtual addresses */
	parse_ok(&cfg, "port a {\ninterface e0\naddress 10.0.0.1/24\n}\n");
	assert_false(cfg.ha.present);
	assert_int_equal(cfg.port[0].nvaddr, 0);
	assert_false(cfg.port[0].has_vmac);
	hf_config_free(&cfg);

	/* the ha block before the ports it does not name */
	parse_ok(&cfg, "\nha {\nnode-id 7\ninterface ha0\n"
		       "local-address 10.255.0.1\npeer-address 10.255.0.2\n}\n"
		       "port a {\ninterface e0\naddress 10.0.0.1/24\n"
		       "virtual-address 10.0.0.254/24\n}\n");
	assert_true(cfg.ha.present);
	assert_int_equal(cfg.ha.line, 2);
	assert_int_equal(cfg.ha.node_id, 7);
	assert_string_equal(cfg.ha.ifname, "ha0");
	assert_int_equal(cfg.ha.local_ip, IP(10, 255, 0, 1));
	assert_int_equal(cfg.ha.peer_ip, IP(10, 255, 0, 2));
	assert_ha_defaults(&cfg.ha);
	assert_int_equal(cfg.port[0].nvaddr, 1);
	assert_false(cfg.port[0].has_vmac);
	hf_config_free(&cfg);
}

/* ---- parse errors ---- */

struct err_case {
	const char *name;
	const char *text;
	unsigned int line;
	const char *msg;	/* a distinguishing part of the reason */
};

#define HA_OPEN "ha {\n"	/* line 1 */
/* lines 2..5 after HA_OPEN */
#define HA_REQ "node-id 1\ninterface ha0\nlocal-address 10.255.0.1\npeer-address 10.255.0.2\n"
/* 8 lines: ports lan (eth0, 10.0.0.2/24) and wan (eth1, 10.1.0.2/24) */
#define PORTS "port lan {\ninterface eth0\naddress 10.0.0.2/24\n}\n" \
	      "port wan {\ninterface eth1\naddress 10.1.0.2/24\n}\n"
#define PORT_V(kw) "port lan {\ninterface eth0\n" kw "\n}\n" /* kw: line 3 */
#define EIGHT_TARGETS " target 10.0.0.11 target 10.0.0.12 target 10.0.0.13" \
	" target 10.0.0.14 target 10.0.0.15 target 10.0.0.16 target 10.0.0.17" \
	" target 10.0.0.18"
#define NINE_TARGETS EIGHT_TARGETS " target 10.0.0.19"

static const struct err_case parse_errors[] = {
	/* the block */
	{ "ha twice", HA_OPEN HA_REQ "}\nha {\n", 7,
	  "'ha' block is defined twice (line 1)" },
	{ "ha without '{'", "workers 1\nha\n", 2, "expected 'ha {'" },
	{ "ha with junk", "ha { x\n", 1, "expected 'ha {'" },
	{ "missing '}'", HA_OPEN HA_REQ, 5,
	  "'ha' block (line 1) is missing its closing '}'" },
	{ "text after '}'", HA_OPEN HA_REQ "} x\n", 6,
	  "unexpected text after '}'" },
	{ "no node-id",
	  HA_OPEN "interface ha0\nlocal-address 10.255.0.1\npeer-address 10.255.0.2\n}\n",
	  5, "'ha' block (line 1) has no 'node-id'" },
	{ "no interface",
	  "\n" HA_OPEN "node-id 1\nlocal-address 10.255.0.1\npeer-address 10.255.0.2\n}\n",
	  6, "'ha' block (line 2) has no 'interface'" },
	{ "no local-address",
	  HA_OPEN "node-id 1\ninterface ha0\npeer-address 10.255.0.2\n}\n", 5,
	  "has no 'local-address'" },
	{ "no peer-address",
	  HA_OPEN "node-id 1\ninterface ha0\nlocal-address 10.255.0.1\n}\n", 5,
	  "has no 'peer-address'" },
	{ "unknown keyword", HA_OPEN "vrid 5\n", 2,
	  "unknown keyword 'vrid' in ha block" },
	{ "port inside ha", HA_OPEN "port lan {\n", 2,
	  "unknown keyword 'port' in ha block" },
	{ "ha inside port", "port lan {\ninterface e0\nha {\n", 3,
	  "unknown keyword 'ha' in port block" },
	{ "keyword twice", HA_OPEN "priority 5\n\npriority 6\n", 4,
	  "'priority' is given twice in the ha block" },
	{ "node-id twice", HA_OPEN HA_REQ "node-id 2\n", 6,
	  "'node-id' is given twice" },
	/* numbers: strict, ranged */
	{ "node-id 0", HA_OPEN "node-id 0\n", 2,
	  "node-id '0' is not a number in 1..4294967295" },
	{ "node-id 2^32", HA_OPEN "node-id 4294967296\n", 2,
	  "node-id '4294967296' is not a number in 1..4294967295" },
	{ "node-id negative", HA_OPEN "node-id -1\n", 2,
	  "node-id '-1' is not a number" },
	{ "node-id plus", HA_OPEN "node-id +1\n", 2,
	  "node-id '+1' is not a number" },
	{ "node-id junk", HA_OPEN "node-id 12x\n", 2,
	  "node-id '12x' is not a number" },
	{ "node-id hex", HA_OPEN "node-id 0x10\n", 2,
	  "node-id '0x10' is not a number" },
	{ "node-id no value", HA_OPEN "node-id\n", 2,
	  "expected 'node-id <1..4294967295>'" },
	{ "node-id two values", HA_OPEN "node-id 1 2\n", 2,
	  "expected 'node-id <1..4294967295>'" },
	{ "priority", HA_OPEN "priority 65536\n", 2,
	  "priority '65536' is not a number in 0..65535" },
	{ "preempt", HA_OPEN "preempt maybe\n", 2,
	  "preempt 'maybe' is not yes or no" },
	{ "preempt no value", HA_OPEN "preempt\n", 2,
	  "expected 'preempt yes|no'" },
	{ "preempt-hold", HA_OPEN "preempt-hold 3600001\n", 2,
	  "preempt-hold '3600001' is not a number in 0..3600000" },
	{ "heartbeat-interval low", HA_OPEN "heartbeat-interval 9\n", 2,
	  "heartbeat-interval '9' is not a number in 10..60000" },
	{ "heartbeat-interval high", HA_OPEN "heartbeat-interval 60001\n", 2,
	  "heartbeat-interval '60001' is not a number in 10..60000" },
	{ "heartbeat-misses low", HA_OPEN "heartbeat-misses 1\n", 2,
	  "heartbeat-misses '1' is not a number in 2..100" },
	{ "heartbeat-misses high", HA_OPEN "heartbeat-misses 101\n", 2,
	  "heartbeat-misses '101' is not a number in 2..100" },
	{ "flap-max", HA_OPEN "flap-max 1001\n", 2,
	  "flap-max '1001' is not a number in 0..1000" },
	{ "flap-window", HA_OPEN "flap-window 999\n", 2,
	  "flap-window '999' is not a number in 1000..86400000" },
	{ "garp-count", HA_OPEN "garp-count 101\n", 2,
	  "garp-count '101' is not a number in 0..100" },
	{ "garp-interval 0", HA_OPEN "garp-interval 0\n", 2,
	  "garp-interval '0' is not a number in 1..10000" },
	{ "garp-interval high", HA_OPEN "garp-interval 10001\n", 2,
	  "garp-interval '10001' is not a number in 1..10000" },
	{ "worker-stuck low", HA_OPEN "worker-stuck 49\n", 2,
	  "worker-stuck '49' is not a number in 50..60000" },
	{ "worker-stuck high", HA_OPEN "worker-stuck 60001\n", 2,
	  "worker-stuck '60001' is not a number in 50..60000" },
	{ "ha1-port 0", HA_OPEN "ha1-port 0\n", 2,
	  "ha1-port '0' is not a number in 1..65535" },
	{ "sync-port high", HA_OPEN "sync-port 65536\n", 2,
	  "sync-port '65536' is not a number in 1..65535" },
	{ "sync-port = ha1-port", HA_OPEN HA_REQ "ha1-port 7000\nsync-port 7000\n}\n",
	  8, "sync-port 7000 is also the ha1-port" },
	{ "sync-port = default ha1-port", HA_OPEN HA_REQ "sync-port 28769\n}\n",
	  7, "sync-port 28769 is also the ha1-port" },
	/* the HA link */
	{ "interface too long", HA_OPEN "interface abcdefghijklmnopq\n", 2,
	  "interface name 'abcdefghijklmnopq' is longer than 15" },
	{ "interface no value", HA_OPEN "interface\n", 2,
	  "expected 'interface <ifname>'" },
	{ "local-address not an address", HA_OPEN "local-address 10.255.0\n",
	  2, "local-address '10.255.0' is not an IPv4 address" },
	{ "local-address with length", HA_OPEN "local-address 10.255.0.1/24\n",
	  2, "local-address '10.255.0.1/24' is not an IPv4 address" },
	{ "peer-address no value", HA_OPEN "peer-address\n", 2,
	  "expected 'peer-address <a.b.c.d>'" },
	{ "local-address loopback", HA_OPEN "local-address 127.0.0.1\n", 2,
	  "local-address '127.0.0.1' is a martian address" },
	{ "local-address zero", HA_OPEN "local-address 0.0.0.0\n", 2,
	  "local-address '0.0.0.0' is a martian address" },
	{ "peer-address multicast", HA_OPEN "peer-address 224.0.0.18\n", 2,
	  "peer-address '224.0.0.18' is a martian address" },
	{ "peer-address link-local", HA_OPEN "peer-address 169.254.0.2\n", 2,
	  "peer-address '169.254.0.2' is a martian address" },
	{ "peer-address broadcast", HA_OPEN "peer-address 255.255.255.255\n",
	  2, "peer-address '255.255.255.255' is a martian address" },
	{ "peer = local",
	  HA_OPEN "local-address 10.255.0.1\npeer-address 10.255.0.1\n", 3,
	  "peer-address '10.255.0.1' is also the local-address" },
	{ "local = peer",
	  HA_OPEN "peer-address 10.255.0.1\nlocal-address 10.255.0.1\n", 3,
	  "local-address '10.255.0.1' is also the peer-address" },
	/* link groups */
	{ "link-group unknown port", PORTS HA_OPEN "link-group up any lan dmz\n",
	  10, "unknown port 'dmz'" },
	{ "link-group before the ports",
	  HA_OPEN HA_REQ "link-group up any lan\n}\n" PORTS, 6,
	  "unknown port 'lan' (ports must be defined before use)" },
	{ "link-group port twice", PORTS HA_OPEN "link-group up any lan wan lan\n",
	  10, "link-group 'up': port 'lan' is listed twice" },
	{ "link-group mode", PORTS HA_OPEN "link-group up some lan\n", 10,
	  "link-group 'up': 'some' is not any or all" },
	{ "link-group no port", PORTS HA_OPEN "link-group up any\n", 10,
	  "expected 'link-group <name> any|all <port>" },
	{ "link-group bad name", PORTS HA_OPEN "link-group a/b any lan\n", 10,
	  "link-group name 'a/b': only letters, digits" },
	{ "link-group long name",
	  PORTS HA_OPEN "link-group abcdefghijklmnopqrstuvwxyz0123456 any lan\n",
	  10, "link-group name 'abcdefghijklmnopqrstuvwxyz0123456' is longer than 31" },
	{ "link-group twice",
	  PORTS HA_OPEN "link-group up any lan\nlink-group up all wan\n", 11,
	  "group 'up' is defined twice (line 10)" },
	{ "group name over both kinds",
	  PORTS HA_OPEN "link-group up any lan\npath-group up any target 10.0.0.1\n",
	  11, "group 'up' is defined twice (line 10)" },
	{ "nine link-groups",
	  PORTS HA_OPEN "link-group g1 any lan\nlink-group g2 any lan\n"
	  "link-group g3 any lan\nlink-group g4 any lan\nlink-group g5 any lan\n"
	  "link-group g6 any lan\nlink-group g7 any lan\nlink-group g8 any lan\n"
	  "link-group g9 any lan\n", 18, "more than 8 link-groups" },
	/* path groups */
	{ "path-group nine groups",
	  HA_OPEN "path-group g1 any target 10.0.0.1\npath-group g2 any target 10.0.0.1\n"
	  "path-group g3 any target 10.0.0.1\npath-group g4 any target 10.0.0.1\n"
	  "path-group g5 any target 10.0.0.1\npath-group g6 any target 10.0.0.1\n"
	  "path-group g7 any target 10.0.0.1\npath-group g8 any target 10.0.0.1\n"
	  "path-group g9 any target 10.0.0.1\n", 10, "more than 8 path-groups" },
	{ "path-group no target", HA_OPEN "path-group gw any interval 100\n", 2,
	  "path-group 'gw' has no 'target'" },
	{ "path-group short", HA_OPEN "path-group gw any\n", 2,
	  "expected 'path-group <name> any|all" },
	{ "path-group target without value", HA_OPEN "path-group gw any target\n",
	  2, "expected 'path-group <name>" },
	{ "path-group dangling keyword",
	  HA_OPEN "path-group gw any target 10.0.0.1 interval\n", 2,
	  "expected 'path-group <name>" },
	{ "path-group mode", HA_OPEN "path-group gw both target 10.0.0.1\n", 2,
	  "path-group 'gw': 'both' is not any or all" },
	{ "path-group bad target", HA_OPEN "path-group gw any target 10.0.0.300\n",
	  2, "path-group 'gw': target '10.0.0.300' is not an IPv4 address" },
	{ "path-group martian target",
	  HA_OPEN "path-group gw any target 127.0.0.1\n", 2,
	  "path-group 'gw': target '127.0.0.1' is a martian address" },
	{ "path-group multicast target",
	  HA_OPEN "path-group gw any target 239.1.1.1\n", 2,
	  "target '239.1.1.1' is a martian address" },
	{ "path-group target twice",
	  HA_OPEN "path-group gw any target 10.0.0.1 target 10.0.0.1\n", 2,
	  "path-group 'gw': target '10.0.0.1' is listed twice" },
	{ "path-group nine targets", HA_OPEN "path-group gw all" NINE_TARGETS "\n",
	  2, "path-group 'gw': more than 8 targets" },
	{ "path-group interval low",
	  HA_OPEN "path-group gw any interval 9 target 10.0.0.1\n", 2,
	  "path-group 'gw': interval '9' is not a number in 10..60000" },
	{ "path-group interval junk",
	  HA_OPEN "path-group gw any interval 100ms target 10.0.0.1\n", 2,
	  "path-group 'gw': interval '100ms' is not a number" },
	{ "path-group misses 0",
	  HA_OPEN "path-group gw any misses 0 target 10.0.0.1\n", 2,
	  "path-group 'gw': misses '0' is not a number in 1..100" },
	{ "path-group interval twice",
	  HA_OPEN "path-group gw any interval 100 target 10.0.0.1 interval 200\n",
	  2, "path-group 'gw': 'interval' is given twice" },
	{ "path-group misses twice",
	  HA_OPEN "path-group gw any misses 2 misses 3 target 10.0.0.1\n", 2,
	  "path-group 'gw': 'misses' is given twice" },
	{ "path-group unknown keyword",
	  HA_OPEN "path-group gw any count 3 target 10.0.0.1\n", 2,
	  "path-group 'gw': unknown keyword 'count'" },
	{ "path-group bad name", HA_OPEN "path-group g\"w any target 10.0.0.1\n",
	  2, "path-group name 'g\"w': only letters" },
	/* virtual-address */
	{ "virtual-address no length", PORT_V("virtual-address 10.0.0.1"), 3,
	  "virtual-address '10.0.0.1' is not of the form a.b.c.d/len" },
	{ "virtual-address /33", PORT_V("virtual-address 10.0.0.1/33"), 3,
	  "virtual-address '10.0.0.1/33' is not of the form" },
	{ "virtual-address /0", PORT_V("virtual-address 10.0.0.1/0"), 3,
	  "virtual-address '10.0.0.1/0': prefix length must be 1..32" },
	{ "virtual-address junk", PORT_V("virtual-address 10.0.0.1/24x"), 3,
	  "virtual-address '10.0.0.1/24x' is not of the form" },
	{ "virtual-address no value", PORT_V("virtual-address"), 3,
	  "expected 'virtual-address <a.b.c.d/len>'" },
	{ "virtual-address martian", PORT_V("virtual-address 127.0.0.2/8"), 3,
	  "virtual-address '127.0.0.2/8' is a martian address" },
	{ "virtual-address network", PORT_V("virtual-address 10.0.0.0/24"), 3,
	  "virtual-address '10.0.0.0/24' is the network or broadcast address" },
	{ "virtual-address broadcast", PORT_V("virtual-address 10.0.0.255/24"),
	  3, "virtual-address '10.0.0.255/24' is the network or broadcast" },
	{ "virtual-address twice in a port",
	  PORT_V("virtual-address 10.0.0.1/24\nvirtual-address 10.0.0.1/25"), 4,
	  "virtual-address '10.0.0.1/25' is given twice in port 'lan'" },
	{ "nine virtual addresses",
	  PORT_V("virtual-address 10.0.0.1/24\nvirtual-address 10.0.0.2/24\n"
		 "virtual-address 10.0.0.3/24\nvirtual-address 10.0.0.4/24\n"
		 "virtual-address 10.0.0.5/24\nvirtual-address 10.0.0.6/24\n"
		 "virtual-address 10.0.0.7/24\nvirtual-address 10.0.0.8/24\n"
		 "virtual-address 10.0.0.9/24"), 11,
	  "port 'lan' has more than 8 virtual addresses" },
	/* virtual-mac */
	{ "virtual-mac form", PORT_V("virtual-mac 02:00:00:00:01"), 3,
	  "virtual-mac '02:00:00:00:01' is not of the form aa:bb:cc:dd:ee:ff" },
	{ "virtual-mac multicast", PORT_V("virtual-mac 01:00:5e:00:00:12"), 3,
	  "virtual-mac '01:00:5e:00:00:12' is a multicast address" },
	{ "virtual-mac broadcast", PORT_V("virtual-mac ff:ff:ff:ff:ff:ff"), 3,
	  "virtual-mac 'ff:ff:ff:ff:ff:ff' is a multicast address" },
	{ "virtual-mac zero", PORT_V("virtual-mac 00:00:00:00:00:00"), 3,
	  "virtual-mac '00:00:00:00:00:00' is all zeroes" },
	{ "virtual-mac twice",
	  PORT_V("virtual-mac 02:00:00:00:00:01\nvirtual-mac 02:00:00:00:00:02"),
	  4, "port 'lan' has a second 'virtual-mac'" },
	{ "virtual-mac no value", PORT_V("virtual-mac"), 3,
	  "expected 'virtual-mac <aa:bb:cc:dd:ee:ff>'" },
};

/* Return 0 if @err is "file:line: ...msg...", else print why and 1. */
static int err_mismatch(const char *name, int rc, const char *err,
			const char *file, unsigned int line, const char *msg)
{
	char prefix[128];

	snprintf(prefix, sizeof(prefix), "%s:%u: ", file, line);
	if (rc != -EINVAL || strncmp(err, prefix, strlen(prefix)) ||
	    !strstr(err + strlen(prefix), msg)) {
		print_error("%s: rc %d, error \"%s\" (want %s...%s)\n", name,
			    rc, err, prefix, msg);
		return 1;
	}
	return 0;
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
		failures += err_mismatch(c->name, rc, err, "test.conf", c->line,
					 c->msg);
		hf_config_free(&cfg);
	}
	if (failures)
		fail_msg("%d of %zu ha parse error cases failed", failures,
			 N(parse_errors));
}

/* ---- keys ---- */

struct key_case {
	const char *name;
	const char *hex;
	const char *msg;	/* NULL: valid */
	uint32_t len;
};

#define HEX64 KEY32 KEY32
#define HEX128 HEX64 HEX64

static const struct key_case key_cases[] = {
	{ "32 digits", KEY32, NULL, 16 },
	{ "upper case", "00112233445566778899AABBCCDDEEFF", NULL, 16 },
	{ "128 digits", HEX128, NULL, 64 },
	{ "odd", KEY32 "0", "key has an odd number of hex digits (33)", 0 },
	{ "odd and short", "0011223", "key has an odd number of hex digits (7)",
	  0 },
	{ "too short", "001122334455667788990011223344", /* 30 */
	  "key has 30 hex digits, need 32..128", 0 },
	{ "too long", HEX128 "00", "key has 130 hex digits, need 32..128", 0 },
	{ "bad digit", "0011g2334455667788990011223344556", /* no 'g' */
	  "key: character 5 is not a hex digit", 0 },
	{ "0x prefix", "0x112233445566778899aabbccddeeff00",
	  "key: character 2 is not a hex digit", 0 },
};

static void test_keys(void **state)
{
	int failures = 0;
	size_t i;

	(void)state;
	for (i = 0; i < N(key_cases); i++) {
		const struct key_case *c = &key_cases[i];
		char text[512], err[512] = "";
		struct hf_config cfg;
		int rc;

		snprintf(text, sizeof(text), HA_OPEN HA_REQ "key %s\n}\n",
			 c->hex);
		hf_config_defaults(&cfg);
		rc = hf_config_parse(&cfg, "k.conf", text, err, sizeof(err));
		if (!c->msg) {
			if (rc || cfg.ha.key_len != c->len) {
				print_error("%s: rc %d key_len %u: %s\n",
					    c->name, rc, cfg.ha.key_len, err);
				failures++;
			}
		} else {
			failures += err_mismatch(c->name, rc, err, "k.conf", 6,
						 c->msg);
			/* the key itself never appears in a message */
			if (strstr(err, c->hex)) {
				print_error("%s: key echoed: %s\n", c->name, err);
				failures++;
			}
			if (cfg.ha.key_len) {
				print_error("%s: key_len %u after an error\n",
					    c->name, cfg.ha.key_len);
				failures++;
			}
		}
		hf_config_free(&cfg);
	}
	if (failures)
		fail_msg("%d of %zu key cases failed", failures, N(key_cases));
}

static void test_key_bytes(void **state)
{
	struct hf_config cfg;
	uint8_t want[64];
	int i;

	(void)state;
	parse_ok(&cfg, HA_OPEN HA_REQ "key " HEX128 "\n}\nport a {\ninterface e0\n}\n");
	for (i = 0; i < 64; i++)
		want[i] = (uint8_t)((i % 16) * 0x11);
	assert_int_equal(cfg.ha.key_len, 64);
	assert_memory_equal(cfg.ha.key, want, 64);
	hf_config_free(&cfg);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

/* Parse HA_OPEN HA_REQ + @extra + "}": the error is on line @line. */
static int parse_ha(const char *extra, char *err, size_t errlen,
		    struct hf_config *cfg)
{
	char text[8192];

	snprintf(text, sizeof(text), HA_OPEN HA_REQ "%s}\n", extra);
	hf_config_defaults(cfg);
	return hf_config_parse(cfg, "k.conf", text, err, errlen);
}

static void expect_ha_err(const char *name, const char *extra,
			  unsigned int line, const char *msg)
{
	struct hf_config cfg;
	char err[1024] = "";
	int rc = parse_ha(extra, err, sizeof(err), &cfg);

	hf_config_free(&cfg);
	if (err_mismatch(name, rc, err, "k.conf", line, msg))
		fail_msg("%s", name);
}

static void test_key_file(void **state)
{
	char path[] = "/tmp/hafwd-test-key-XXXXXX";
	char line[256], msg[256], big[2048];
	struct hf_config cfg;
	char err[512] = "";
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);

	/* good: blanks around the line and a CRLF are fine */
	write_file(path, "  00112233445566778899aabbccddeeff\r\n");
	snprintf(line, sizeof(line), "key-file %s\n", path);
	assert_int_equal(parse_ha(line, err, sizeof(err), &cfg), 0);
	assert_int_equal(cfg.ha.key_len, 16);
	assert_int_equal(cfg.ha.key[0], 0x00);
	assert_int_equal(cfg.ha.key[1], 0x11);
	assert_int_equal(cfg.ha.key[15], 0xff);
	hf_config_free(&cfg);

	write_file(path, HEX128);	/* no newline at all */
	assert_int_equal(parse_ha(line, err, sizeof(err), &cfg), 0);
	assert_int_equal(cfg.ha.key_len, 64);
	hf_config_free(&cfg);

	/* bad contents: the message names the file, never the key */
	write_file(path, "00112233445566778899aabbccddeefg\n");
	snprintf(msg, sizeof(msg), "key-file '%s': character 32 is not a hex digit",
		 path);
	expect_ha_err("key-file bad digit", line, 6, msg);

	write_file(path, KEY32 "\n" KEY32 "\n");
	snprintf(msg, sizeof(msg), "key-file '%s': character 33 is not a hex digit",
		 path);
	expect_ha_err("key-file two lines", line, 6, msg);

	write_file(path, "0011223344\n");
	snprintf(msg, sizeof(msg), "key-file '%s' has 10 hex digits, need 32..128",
		 path);
	expect_ha_err("key-file short", line, 6, msg);

	write_file(path, KEY32 "1\n");
	snprintf(msg, sizeof(msg), "key-file '%s' has an odd number of hex digits (33)",
		 path);
	expect_ha_err("key-file odd", line, 6, msg);

	write_file(path, " \n\n");
	snprintf(msg, sizeof(msg), "key-file '%s' is empty", path);
	expect_ha_err("key-file empty", line, 6, msg);

	memset(big, '0', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	write_file(path, big);
	snprintf(msg, sizeof(msg), "key-file '%s' is longer than 1024 bytes",
		 path);
	expect_ha_err("key-file huge", line, 6, msg);

	/* key and key-file: one or the other, in either order */
	write_file(path, KEY32 "\n");
	snprintf(big, sizeof(big), "key " KEY32 "\nkey-file %s\n", path);
	expect_ha_err("key then key-file", big, 7,
		      "only one of 'key' and 'key-file' may be given");
	snprintf(big, sizeof(big), "key-file %s\nkey " KEY32 "\n", path);
	expect_ha_err("key-file then key", big, 7,
		      "only one of 'key' and 'key-file' may be given");
	snprintf(big, sizeof(big), "key-file %s\nkey-file %s\n", path, path);
	expect_ha_err("key-file twice", big, 7,
		      "'key-file' is given twice in the ha block");
	expect_ha_err("key twice", "key " KEY32 "\nkey " KEY32 "\n", 7,
		      "'key' is given twice in the ha block");

	if (geteuid() != 0) {	/* root reads a mode-000 file anyway */
		assert_int_equal(chmod(path, 0), 0);
		snprintf(msg, sizeof(msg), "key-file '%s': cannot open: Permission denied",
			 path);
		expect_ha_err("key-file unreadable", line, 6, msg);
	}

	unlink(path);
	snprintf(msg, sizeof(msg), "key-file '%s': cannot open: No such file or directory",
		 path);
	expect_ha_err("key-file missing", line, 6, msg);

	expect_ha_err("key-file relative", "key-file ha.key\n", 6,
		      "key-file 'ha.key' is not an absolute path");
	expect_ha_err("key-file directory", "key-file /tmp\n", 6,
		      "key-file '/tmp' is not a regular file");
	expect_ha_err("key-file no path", "key-file\n", 6,
		      "expected 'key-file <path>'");
}

/* ---- validation errors ---- */

/* 6 lines; put after PORTS: lines 9..14 */
#define HA_BLOCK HA_OPEN HA_REQ "}\n"

static const struct err_case validate_errors[] = {
	{ "virtual-address without ha",
	  "port lan {\ninterface eth0\nvirtual-address 10.0.0.1/24\n}\n", 1,
	  "port 'lan': virtual-address needs an 'ha' block" },
	{ "virtual-mac without ha",
	  PORTS "port dmz {\ninterface eth2\nvirtual-mac 02:00:00:00:00:01\n}\n",
	  9, "port 'dmz': virtual-mac needs an 'ha' block" },
	{ "ha link is a data port",
	  PORTS "ha {\nnode-id 1\ninterface eth1\nlocal-address 10.255.0.1\n"
	  "peer-address 10.255.0.2\n}\n", 9,
	  "ha interface 'eth1' is the interface of data port 'wan'" },
	{ "local-address is a port address",
	  PORTS "ha {\nnode-id 1\ninterface ha0\nlocal-address 10.1.0.2\n"
	  "peer-address 10.255.0.2\n}\n", 9,
	  "ha local-address 10.1.0.2 is an address of data port 'wan'" },
	{ "peer-address is a virtual address",
	  "port lan {\ninterface eth0\nvirtual-address 10.255.0.2/24\n}\n"
	  HA_BLOCK, 5,
	  "ha peer-address 10.255.0.2 is an address of data port 'lan'" },
	{ "virtual-address = own address",
	  "port lan {\ninterface eth0\naddress 10.0.0.2/24\n"
	  "virtual-address 10.0.0.2/24\n}\n" HA_BLOCK, 1,
	  "port 'lan': virtual-address 10.0.0.2 is an address of port 'lan'" },
	{ "virtual-address = other port's address",
	  PORTS "port dmz {\ninterface eth2\nvirtual-address 10.1.0.2/24\n}\n"
	  HA_BLOCK, 9,
	  "port 'dmz': virtual-address 10.1.0.2 is an address of port 'wan'" },
	{ "virtual-address on two ports",
	  "port lan {\ninterface eth0\nvirtual-address 10.0.0.1/24\n}\n"
	  "port wan {\ninterface eth1\nvirtual-address 10.0.0.1/24\n}\n"
	  HA_BLOCK, 5,
	  "port 'wan': virtual-address 10.0.0.1 is already on port 'lan'" },
	{ "virtual-address overlaps another port",
	  PORTS "port dmz {\ninterface eth2\nvirtual-address 10.0.0.9/16\n}\n"
	  HA_BLOCK, 9,
	  "port 'dmz': subnet of virtual-address 10.0.0.9/16 overlaps that of address 10.0.0.2/24 on port 'lan'" },
	{ "virtual-address partly overlaps its own subnet",
	  "port lan {\ninterface eth0\naddress 10.0.0.2/24\n"
	  "virtual-address 10.0.0.100/25\n}\n" HA_BLOCK, 1,
	  "port 'lan': subnet of virtual-address 10.0.0.100/25 overlaps that of address 10.0.0.2/24 on port 'lan'" },
	{ "virtual-addresses of two ports overlap",
	  "port lan {\ninterface eth0\nvirtual-address 10.0.0.1/24\n}\n"
	  "port wan {\ninterface eth1\nvirtual-address 10.0.0.9/24\n}\n"
	  HA_BLOCK, 1,
	  "overlaps that of virtual-address 10.0.0.9/24 on port 'wan'" },
	{ "virtual-mac on two ports",
	  "port lan {\ninterface eth0\nvirtual-mac 02:00:5e:00:01:01\n}\n"
	  "\nport wan {\ninterface eth1\nvirtual-mac 02:00:5e:00:01:01\n}\n"
	  HA_BLOCK, 6,
	  "port 'wan': virtual-mac 02:00:5e:00:01:01 is already on port 'lan'" },
	{ "virtual-mac = a port's mac",
	  "port lan {\ninterface eth0\nvirtual-mac 02:00:5e:00:01:01\n}\n"
	  "port wan {\ninterface eth1\nmac 02:00:5e:00:01:01\n}\n" HA_BLOCK, 1,
	  "port 'lan': virtual-mac 02:00:5e:00:01:01 is the mac of port 'wan'" },
	{ "virtual-mac = its own port's mac",
	  "port lan {\ninterface eth0\nmac 02:00:5e:00:01:01\n"
	  "virtual-mac 02:00:5e:00:01:01\n}\n" HA_BLOCK, 1,
	  "is the mac of port 'lan'" },
	{ "path target is a port address",
	  PORTS HA_OPEN HA_REQ "path-group gw any target 10.0.0.7 target 10.1.0.2\n}\n",
	  14, "path-group 'gw': target 10.1.0.2 is an address of port 'wan'" },
	{ "path target unroutable",
	  PORTS HA_OPEN HA_REQ "path-group gw any target 192.0.2.1\n}\n", 14,
	  "path-group 'gw': target 192.0.2.1 is in no port's subnet and no route leads to it" },
	{ "path target blackholed",
	  PORTS "route 0.0.0.0/0 via 10.1.0.1\nroute 192.0.2.0/24 blackhole\n"
	  HA_OPEN HA_REQ "path-group gw any target 192.0.2.1\n}\n", 16,
	  "target 192.0.2.1 is in no port's subnet and no route leads to it" },
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
		if (rc) {
			print_error("%s: parse failed: %s\n", c->name, err);
			failures++;
		} else {
			rc = hf_config_validate(&cfg, "v.conf", err,
						sizeof(err));
			failures += err_mismatch(c->name, rc, err, "v.conf",
						 c->line, c->msg);
		}
		hf_config_free(&cfg);
	}
	if (failures)
		fail_msg("%d of %zu ha validation error cases failed", failures,
			 N(validate_errors));
}

/* Edge cases parse and validation must accept. */
static void test_validate_ok(void **state)
{
	static const char *const ok[] = {
		/* virtual address in its own port's subnet, and alone */
		"port a {\ninterface e0\naddress 10.0.0.2/24\n"
		"virtual-address 10.0.0.1/24\nvirtual-address 10.9.0.1/24\n"
		"virtual-address 10.9.0.2/24\n}\n" HA_BLOCK,
		/* a port with only virtual addresses; /32 and /31 */
		"port a {\ninterface e0\nvirtual-address 10.0.0.1/32\n"
		"virtual-address 10.1.0.0/31\n}\n" HA_BLOCK,
		/* a target behind a more specific route inside a blackhole */
		"port a {\ninterface e0\naddress 10.0.0.2/24\n}\n"
		"route 192.0.0.0/8 blackhole\nroute 192.0.2.0/24 via 10.0.0.1\n"
		HA_OPEN HA_REQ "path-group gw any target 192.0.2.1\n}\n",
		/* a target on a virtual address's subnet */
		"port a {\ninterface e0\nvirtual-address 10.0.0.1/24\n}\n"
		HA_OPEN HA_REQ "path-group gw any target 10.0.0.9\n}\n",
		/* preempt spelt on/off; every keyword at its bounds */
		HA_OPEN HA_REQ "preempt on\npriority 65535\nheartbeat-interval 60000\n"
		"heartbeat-misses 100\nflap-max 1000\nflap-window 86400000\n"
		"preempt-hold 0\nha1-port 65535\nsync-port 1\ngarp-count 100\n"
		"garp-interval 1\nworker-stuck 60000\n}\nport a {\ninterface e0\n}\n",
		HA_OPEN HA_REQ "preempt off\n}\nport a {\ninterface e0\n}\n",
		/* eight of everything */
		"port a {\ninterface e0\naddress 10.0.0.2/24\n}\n"
		HA_OPEN HA_REQ "path-group gw all" EIGHT_TARGETS "\n"
		"link-group g1 any a\nlink-group g2 any a\nlink-group g3 any a\n"
		"link-group g4 any a\nlink-group g5 any a\nlink-group g6 any a\n"
		"link-group g7 any a\nlink-group g8 any a\n"
		"path-group p2 any target 10.0.0.1\npath-group p3 any target 10.0.0.1\n"
		"path-group p4 any target 10.0.0.1\npath-group p5 any target 10.0.0.1\n"
		"path-group p6 any target 10.0.0.1\npath-group p7 any target 10.0.0.1\n"
		"path-group p8 any target 10.0.0.1\n}\n",
	};
	size_t i;

	(void)state;
	for (i = 0; i < N(ok); i++) {
		struct hf_config cfg;
		char err[512] = "";

		hf_config_defaults(&cfg);
		if (hf_config_parse(&cfg, "ok.conf", ok[i], err, sizeof(err)))
			fail_msg("case %zu: parse: %s", i, err);
		if (hf_config_validate(&cfg, "ok.conf", err, sizeof(err)))
			fail_msg("case %zu: validate: %s", i, err);
		hf_config_free(&cfg);
	}
}

/* An ha block is configuration, not policy: `policy load` refuses it. */
static void test_not_in_policy_file(void **state)
{
	struct hf_cfg_policy pc;
	struct hf_config cfg;
	char err[256] = "";

	(void)state;
	parse_ok(&cfg, "port a {\ninterface e0\n}\n");
	assert_int_equal(hf_config_parse_policy(&cfg, "p.rules",
			"zone x a\nha {\n", &pc, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "p.rules:2: 'ha' does not belong in a policy file (only zone, rule and policy-default)");
	hf_config_free(&cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_config),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_key_bytes),
		cmocka_unit_test(test_key_file),
		cmocka_unit_test(test_validate_errors),
		cmocka_unit_test(test_validate_ok),
		cmocka_unit_test(test_not_in_policy_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
