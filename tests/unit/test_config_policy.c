// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_config_policy.c - control/config_policy.c: zone, rule and
 * policy-default lines in a config file and in a policy file, and their
 * errors with "file:line: reason".
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

#include "control/config.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

#define IP(a, b, c, d) \
	((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))

#define TWO_PORTS "port a {\ninterface e0\n}\nport b {\ninterface e1\n}\n"

struct err_case {
	const char *name;
	const char *text;
	unsigned int line;
	const char *msg;	/* a distinguishing part of the reason */
};

static const struct err_case parse_errors[] = {
	{ "zone: unknown port", TWO_PORTS "zone in a c\n", 7,
	  "unknown port 'c'" },
	{ "zone: port in two zones", TWO_PORTS "zone in a\nzone out a\n", 8,
	  "port 'a' is already in zone 'in'" },
	{ "zone: twice", TWO_PORTS "zone in a\nzone in b\n", 8,
	  "zone 'in' is defined twice" },
	{ "zone: any", TWO_PORTS "zone any a\n", 7,
	  "'any' is reserved" },
	{ "zone: quote in name", TWO_PORTS "zone in\"x a\n", 7,
	  "zone name 'in\"x': only letters, digits" },
	{ "rule: bad name", TWO_PORTS "rule a/b from any to any action allow\n", 7,
	  "rule name 'a/b': only letters, digits" },
	{ "zone: no port", TWO_PORTS "zone in\n", 7,
	  "expected 'zone <name> <port>" },
	{ "rule: unknown zone", TWO_PORTS "zone in a\nrule r from in to out action allow\n",
	  8, "unknown zone 'out'" },
	{ "rule: no action", TWO_PORTS "rule r from any to any protocol tcp\n",
	  7, "rule 'r' has no 'action allow|deny'" },
	{ "rule: bad action", TWO_PORTS "rule r from any to any action maybe\n",
	  7, "action 'maybe' is not allow or deny" },
	{ "rule: port without tcp/udp",
	  TWO_PORTS "rule r from any to any protocol icmp port 80 action allow\n",
	  7, "'port' needs protocol tcp or udp" },
	{ "rule: backwards range",
	  TWO_PORTS "rule r from any to any protocol tcp port 90-80 action allow\n",
	  7, "port range '90-80' ends before it starts" },
	{ "rule: bad port",
	  TWO_PORTS "rule r from any to any protocol udp port 70000 action allow\n",
	  7, "port '70000' is not" },
	{ "rule: host bits",
	  TWO_PORTS "rule r from any to any source 198.18.0.1/24 action allow\n",
	  7, "source '198.18.0.1/24' has host bits set" },
	{ "rule: bad protocol",
	  TWO_PORTS "rule r from any to any protocol sctpx action allow\n",
	  7, "protocol 'sctpx' is not" },
	{ "rule: unknown keyword",
	  TWO_PORTS "rule r from any to any colour red action allow\n",
	  7, "unknown keyword 'colour'" },
	{ "rule: twice",
	  TWO_PORTS "rule r from any to any action allow\nrule r from any to any action deny\n",
	  8, "rule 'r' is defined twice (line 7)" },
	{ "rule: short", TWO_PORTS "rule r from any\n", 7, "expected 'rule <name>" },
	{ "policy-default", TWO_PORTS "policy-default perhaps\n", 7,
	  "action 'perhaps' is not allow or deny" },
};

static void test_parse_errors(void **state)
{
	int failures = 0;
	size_t i;

	(void)state;
	for (i = 0; i < N(parse_errors); i++) {
		const struct err_case *c = &parse_errors[i];
		struct hf_config cfg;
		char err[512], prefix[64];
		int rc;

		memset(err, 0, sizeof(err));
		hf_config_defaults(&cfg);
		rc = hf_config_parse(&cfg, "test.conf", c->text, err,
				     sizeof(err));
		snprintf(prefix, sizeof(prefix), "test.conf:%u: ", c->line);
		if (rc != -EINVAL || strncmp(err, prefix, strlen(prefix)) ||
		    !strstr(err, c->msg)) {
			print_error("%s: rc %d, error \"%s\" (want %s...%s)\n",
				    c->name, rc, err, prefix, c->msg);
			failures++;
		}
		hf_config_free(&cfg);
	}
	if (failures)
		fail_msg("%d of %zu policy error cases failed", failures,
			 N(parse_errors));
}

static void test_policy_config(void **state)
{
	static const char text[] =
		TWO_PORTS
		"session-max 1000\n"
		"session-timeout-udp 7\n"
		"tcp-loose-pickup yes\n"
		"zone inside a\n"
		"zone outside b\n"
		"policy-default deny\n"
		"rule web from inside to outside destination 198.19.0.0/16 protocol tcp port 80-443 action allow\n"
		"rule dns from any to outside protocol udp port 53 action allow\n"
		"rule nogre from outside to any source 10.0.0.0/8 protocol 47 action deny\n";
	const struct hf_cfg_rule *r;
	struct hf_config cfg;
	char err[256];

	(void)state;
	hf_config_defaults(&cfg);
	assert_false(cfg.policy.present);
	assert_int_equal(cfg.session_max, 1u << 18);
	assert_int_equal(cfg.session_timeout[HF_TO_TCP_ESTABLISHED], 3600);
	assert_int_equal(cfg.session_timeout[HF_TO_ICMP], 6);
	assert_int_equal(cfg.tcp_loose_pickup, 0);
	assert_int_equal(hf_config_parse(&cfg, "t.conf", text, err, sizeof(err)),
			 0);
	assert_int_equal(hf_config_validate(&cfg, "t.conf", err, sizeof(err)), 0);
	assert_true(cfg.policy.present);
	assert_false(cfg.policy.default_allow);
	assert_int_equal(cfg.session_max, 1000);
	assert_int_equal(cfg.session_timeout[HF_TO_UDP], 7);
	assert_int_equal(cfg.session_timeout[HF_TO_OTHER], 30);
	assert_int_equal(cfg.tcp_loose_pickup, 1);
	assert_int_equal(cfg.policy.nzones, 2);
	assert_string_equal(cfg.policy.zone[1].name, "outside");
	assert_int_equal(cfg.policy.zone[0].ports, 1u << 0);
	assert_int_equal(cfg.policy.zone[1].ports, 1u << 1);
	assert_int_equal(cfg.policy.nrules, 3);
	r = &cfg.policy.rule[0];
	assert_string_equal(r->name, "web");
	assert_int_equal(r->from_zone, 1);
	assert_int_equal(r->to_zone, 2);
	assert_int_equal(r->dst, IP(198, 19, 0, 0));
	assert_int_equal(r->dst_len, 16);
	assert_int_equal(r->src_len, 0);
	assert_int_equal(r->proto, 6);
	assert_true(r->has_dport);
	assert_int_equal(r->dport_lo, 80);
	assert_int_equal(r->dport_hi, 443);
	assert_true(r->allow);
	assert_int_equal(r->line, 13);
	r = &cfg.policy.rule[1];
	assert_int_equal(r->from_zone, HF_ZONE_ANY);
	assert_int_equal(r->dport_lo, 53);
	assert_int_equal(r->dport_hi, 53);
	r = &cfg.policy.rule[2];
	assert_int_equal(r->proto, 47);
	assert_false(r->has_dport);
	assert_int_equal(r->src, IP(10, 0, 0, 0));
	assert_false(r->allow);
	hf_config_free(&cfg);
}

static void test_policy_file(void **state)
{
	struct hf_cfg_policy pc;
	struct hf_config cfg;
	char err[256];

	(void)state;
	hf_config_defaults(&cfg);
	assert_int_equal(hf_config_parse(&cfg, "t.conf", TWO_PORTS, err,
					 sizeof(err)), 0);
	assert_int_equal(hf_config_parse_policy(&cfg, "p.rules",
			"zone x b\nrule r from any to x action allow\n",
			&pc, err, sizeof(err)), 0);
	assert_true(pc.present);
	assert_int_equal(pc.nrules, 1);
	assert_int_equal(pc.zone[0].ports, 1u << 1);
	free(pc.rule);
	/* a policy file holds policy lines only */
	assert_int_equal(hf_config_parse_policy(&cfg, "p.rules",
			"zone x b\nroute 10.0.0.0/8 blackhole\n", &pc, err,
			sizeof(err)), -EINVAL);
	assert_string_equal(err, "p.rules:2: 'route' does not belong in a policy file (only zone, rule and policy-default)");
	assert_int_equal(hf_config_parse_policy(&cfg, "p.rules", "# empty\n",
						&pc, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "p.rules: no zone, rule or policy-default line");
	assert_int_equal(hf_config_parse_policy(&cfg, "p.rules",
			"zone x nosuch\n", &pc, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "p.rules:1: unknown port 'nosuch'"));
	hf_config_free(&cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_policy_config),
		cmocka_unit_test(test_policy_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
