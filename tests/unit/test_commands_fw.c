// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_commands_fw.c - control/commands_fw.c through hf_cmd_exec(): show
 * sessions (filters, JSON fields), show session ID|info, clear sessions,
 * show policy, policy load (with and without reevaluate, and its
 * errors). Sessions are made directly in the table; the dataplane has
 * three ports p1..p3, zones inside = p1 and outside = p2.
 *
 * The test thread is RCU-online as mprelay is.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <errno.h>

#include "common/rcu.h"
#include "common/time.h"
#include "control/buf.h"
#include "control/commands.h"
#include "control/config.h"
#include "fwd/dataplane.h"
#include "fwd/policy.h"
#include "fwd/session.h"

#include "cmd_fixture.h"
#include "dp_fixture.h"

#define A	IP(198, 18, 1, 2)
#define B	IP(198, 19, 0, 1)

struct fx {
	struct hf_config cfg;
	struct hf_dataplane dp;
	struct hf_buf out;
	struct hf_cfg_rule rules[2];
	char err[256];
	char dir[64];
};

static int fx_setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct hf_cfg_policy pc = { .present = true, .nzones = 2 };

	if (!f || fixture_dp_init(&f->cfg, &f->dp, 64, 16, f->err,
				  sizeof(f->err)))
		return -1;
	/* `policy load` resolves zone ports by the configured names */
	f->cfg.nports = NPORTS;
	strcpy(f->cfg.port[0].name, "p1");
	strcpy(f->cfg.port[1].name, "p2");
	strcpy(f->cfg.port[2].name, "p3");
	strcpy(pc.zone[0].name, "inside");
	pc.zone[0].ports = 1u << 0;
	strcpy(pc.zone[1].name, "outside");
	pc.zone[1].ports = 1u << 1;
	f->rules[0] = (struct hf_cfg_rule){ .name = "web", .from_zone = 1,
		.to_zone = 2, .proto = 6, .has_dport = true, .dport_lo = 80,
		.dport_hi = 443, .dst = IP(198, 19, 0, 0), .dst_len = 16,
		.allow = true };
	f->rules[1] = (struct hf_cfg_rule){ .name = "dns", .from_zone = 1,
		.to_zone = HF_ZONE_ANY, .proto = 17, .has_dport = true,
		.dport_lo = 53, .dport_hi = 53, .allow = true };
	pc.rule = f->rules;
	pc.nrules = 2;
	f->dp.policy = hf_policy_compile(&pc, 1, f->err, sizeof(f->err));
	if (!f->dp.policy)
		return -1;
	strcpy(f->dir, "/tmp/hf-cmdfw-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	hf_buf_init(&f->out);
	*state = f;
	return 0;
}

static int fx_teardown(void **state)
{
	struct fx *f = *state;

	urcu_qsbr_thread_offline();
	hf_sess_clear(f->dp.sessions, NULL, NULL);
	rcu_barrier();		/* a policy replaced by `policy load` */
	urcu_qsbr_thread_online();
	fixture_dp_fini(&f->dp);
	hf_buf_free(&f->out);
	rmdir(f->dir);
	free(f);
	return 0;
}

static int run(struct fx *f, const char *line)
{
	return fixture_cmd(&f->dp, &f->out, f->err, sizeof(f->err), line);
}

static const char *ok(struct fx *f, const char *line)
{
	int rc = run(f, line);

	if (rc)
		fail_msg("'%s' failed: %d (%s)", line, rc, f->err);
	return f->out.data;
}

static void fails(struct fx *f, const char *line, int want, const char *msg)
{
	int rc = run(f, line);

	if (rc != want || strcmp(f->err, msg))
		fail_msg("'%s': rc %d err '%s', want %d '%s'", line, rc,
			 f->err, want, msg);
}

static struct hf_session *mk(struct fx *f, uint32_t s, uint32_t d,
			     uint16_t sp, uint16_t dp, uint8_t proto,
			     uint8_t state, uint16_t rule)
{
	struct hf_sess_key k = { .saddr = s, .daddr = d, .sport = sp,
				 .dport = dp, .proto = proto, .zone = 1 };
	enum hf_sess_create_result res;
	enum hf_dir dir;
	struct hf_session *x;

	x = hf_sess_create(f->dp.sessions, 0, &k, 2, 0, 1, state, rule,
			   hf_now_ns(), &res, &dir);
	assert_int_equal(res, HF_SESS_CREATED);
	return x;
}

static size_t count(const char *s, const char *needle)
{
	size_t n = 0;

	while ((s = strstr(s, needle))) {
		n++;
		s += strlen(needle);
	}
	return n;
}

static void test_show_sessions(void **state)
{
	struct fx *f = *state;
	struct hf_session *web;
	char line[64], want[512];
	const char *s;

	web = mk(f, A, B, 40000, 443, 6, HF_TCP_ESTABLISHED, 0);
	mk(f, A, B, 40001, 53, 17, 0, 1);
	mk(f, A, IP(198, 19, 0, 2), 0x77, 0, 1, 0, HF_SESS_RULE_DEFAULT);
	hf_sess_touch(web, HF_DIR_ORIG, 60, hf_now_ns());
	hf_sess_touch(web, HF_DIR_REPLY, 1500, hf_now_ns());
	s = ok(f, "show sessions --json");
	assert_int_equal(count(s, "\"id\":"), 3);
	snprintf(want, sizeof(want),
		 "{\"id\":%lu,\"protocol\":\"tcp\",\"src\":\"198.18.1.2\",\"sport\":40000,"
		 "\"dst\":\"198.19.0.1\",\"dport\":443,\"from_zone\":\"inside\","
		 "\"to_zone\":\"outside\",\"in_port\":0,\"out_port\":1,"
		 "\"state\":\"established\",",
		 (unsigned long)hf_sess_id(f->dp.sessions, web));
	assert_non_null(strstr(s, want));
	assert_non_null(strstr(s, "\"packets\":[1,1],\"bytes\":[60,1500],"
				  "\"rule\":\"web\",\"worker\":0,"));
	assert_non_null(strstr(s, "\"protocol\":\"icmp\",\"src\":\"198.18.1.2\","
				  "\"sport\":119,"));
	assert_non_null(strstr(s, "\"rule\":\"(default)\""));
	assert_non_null(strstr(s, "],\"matched\":3,\"shown\":3}\n"));
	/* filters */
	assert_int_equal(count(ok(f, "show sessions protocol udp --json"),
			       "\"id\":"), 1);
	assert_int_equal(count(ok(f, "show sessions port 443 --json"),
			       "\"id\":"), 1);
	assert_int_equal(count(ok(f, "show sessions address 198.19.0.2 --json"),
			       "\"id\":"), 1);
	assert_int_equal(count(ok(f, "show sessions state established --json"),
			       "\"id\":"), 1);
	assert_int_equal(count(ok(f, "show sessions state new --json"),
			       "\"id\":"), 2);
	assert_int_equal(count(ok(f, "show sessions zone outside --json"),
			       "\"id\":"), 3);
	s = ok(f, "show sessions limit 2 --json");
	assert_non_null(strstr(s, "\"matched\":3,\"shown\":2}"));
	s = ok(f, "show sessions limit 1");
	assert_non_null(strstr(s, "(2 more not shown; use limit N)"));
	assert_true(strncmp(s, "id ", 3) == 0);
	fails(f, "show sessions port", -EINVAL,
	      "filters come in pairs: address A, port N, protocol P, state S, zone Z, limit N");
	fails(f, "show sessions colour red", -EINVAL,
	      "unknown filter 'colour' (address, port, protocol, state, zone, limit)");
	fails(f, "show sessions address 1.2.3", -EINVAL,
	      "address '1.2.3' is not an IPv4 address");
	fails(f, "show sessions zone dmz", -ENOENT, "no zone named 'dmz'");
	fails(f, "show sessions limit 0", -EINVAL,
	      "limit '0' is not a positive number");
	/* one session by id */
	snprintf(line, sizeof(line), "show session %lu --json",
		 (unsigned long)hf_sess_id(f->dp.sessions, web));
	s = ok(f, line);
	assert_true(strncmp(s, "{\"id\":", 6) == 0);
	assert_non_null(strstr(s, "\"dport\":443,"));
	fails(f, "show session 99", -ENOENT, "no session 99");
	fails(f, "show session x1", -EINVAL, "session id 'x1' is not a number");
	fails(f, "show session", -EINVAL, "usage: show session <id> | info");
}

static void test_session_info_and_clear(void **state)
{
	struct fx *f = *state;
	const char *s;

	mk(f, A, B, 1, 80, 6, HF_TCP_SYN_SENT, 0);
	mk(f, A, B, 2, 80, 6, HF_TCP_ESTABLISHED, 0);
	mk(f, A, B, 3, 53, 17, 0, 1);
	s = ok(f, "show session info --json");
	assert_non_null(strstr(s, "{\"stateful\":true,\"live\":3,"));
	assert_non_null(strstr(s, "\"protocols\":{\"tcp\":2,\"udp\":1,\"icmp\":0,\"other\":0}"));
	assert_non_null(strstr(s, "\"syn-sent\":1,"));
	assert_non_null(strstr(s, "\"established\":1,"));
	assert_non_null(strstr(s, "\"other_states\":{\"new\":1,\"active\":0}}"));
	s = ok(f, "show session info");
	assert_non_null(strstr(s, "mode:        stateful\n"));
	assert_non_null(strstr(s, "sessions:    3 of "));
	assert_string_equal(ok(f, "clear sessions port 53"),
			    "cleared 1 session\n");
	assert_string_equal(ok(f, "clear sessions protocol tcp --json"),
			    "{\"cleared\":2}\n");
	assert_string_equal(ok(f, "clear sessions"), "cleared 0 sessions\n");
	fails(f, "clear sessions protocol sctpx", -EINVAL,
	      "protocol 'sctpx' is not tcp, udp, icmp or 0..255");
}

static void test_show_policy(void **state)
{
	struct fx *f = *state;
	struct hf_policy *pol;
	const char *s;

	hf_policy_hit(f->dp.policy, 0, 0);
	hf_policy_hit(f->dp.policy, 0, HF_RULE_DEFAULT);
	hf_policy_hit(f->dp.policy, 0, HF_RULE_DEFAULT);
	s = ok(f, "show policy --json");
	assert_string_equal(s,
		"{\"stateful\":true,\"zones\":[{\"name\":\"inside\",\"ports\":[\"p1\"]},"
		"{\"name\":\"outside\",\"ports\":[\"p2\"]}],\"rules\":["
		"{\"name\":\"web\",\"from\":\"inside\",\"to\":\"outside\",\"source\":\"any\","
		"\"destination\":\"198.19.0.0/16\",\"protocol\":\"tcp\",\"port\":\"80-443\","
		"\"action\":\"allow\",\"hits\":1},"
		"{\"name\":\"dns\",\"from\":\"inside\",\"to\":\"any\",\"source\":\"any\","
		"\"destination\":\"any\",\"protocol\":\"udp\",\"port\":\"53\","
		"\"action\":\"allow\",\"hits\":0}],"
		"\"default\":{\"action\":\"deny\",\"hits\":2}}\n");
	s = ok(f, "show policy");
	assert_non_null(strstr(s, "zone inside       p1\n"));
	assert_non_null(strstr(s, "1    web "));
	fails(f, "show policy extra", -EINVAL, "usage: show policy [--json]");
	/* without a policy hafwd is a router */
	pol = f->dp.policy;
	f->dp.policy = NULL;
	assert_string_equal(ok(f, "show policy --json"), "{\"stateful\":false}\n");
	assert_non_null(strstr(ok(f, "show session info"),
			       "mode:        stateless router (no policy)\n"));
	f->dp.policy = pol;
}

static void write_file(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

static void test_policy_load(void **state)
{
	struct fx *f = *state;
	char path[128], line[192], want[256];
	const char *s;

	mk(f, A, B, 1, 80, 6, HF_TCP_ESTABLISHED, 0);	/* web: stays */
	mk(f, A, B, 2, 53, 17, 0, 1);			/* dns: refused */
	snprintf(path, sizeof(path), "%s/p.rules", f->dir);
	write_file(path, "zone inside p1\nzone outside p2\npolicy-default deny\n"
			 "rule web2 from inside to outside protocol tcp action allow\n");
	snprintf(line, sizeof(line), "policy load %s reevaluate", path);
	s = ok(f, line);
	assert_string_equal(s, "policy loaded: 1 rules, 2 zones, default deny; 1 sessions removed\n");
	assert_int_equal(count(ok(f, "show sessions --json"), "\"id\":"), 1);
	assert_non_null(strstr(ok(f, "show policy --json"), "\"name\":\"web2\""));
	/* without reevaluate existing sessions stay */
	mk(f, A, B, 3, 53, 17, 0, 1);
	snprintf(line, sizeof(line), "policy load %s --json", path);
	assert_string_equal(ok(f, line),
			    "{\"rules\":1,\"zones\":2,\"default\":\"deny\",\"sessions_removed\":0}\n");
	assert_int_equal(count(ok(f, "show sessions --json"), "\"id\":"), 2);
	/* errors change nothing */
	write_file(path, "zone inside p1\nrule x from inside to nowhere action allow\n");
	snprintf(line, sizeof(line), "policy load %s", path);
	snprintf(want, sizeof(want), "%s:2: unknown zone 'nowhere' (zones must be defined before use)",
		 path);
	fails(f, line, -EINVAL, want);
	fails(f, "policy load p.rules", -EINVAL,
	      "policy file 'p.rules' must be an absolute path (hafwctl makes it one)");
	snprintf(line, sizeof(line), "policy load %s/none.rules", f->dir);
	snprintf(want, sizeof(want), "%s/none.rules: cannot open: No such file or directory",
		 f->dir);
	fails(f, line, -ENOENT, want);
	fails(f, "policy load", -EINVAL, "usage: policy load <file> [reevaluate]");
	snprintf(line, sizeof(line), "policy load %s again", path);
	fails(f, line, -EINVAL, "usage: policy load <file> [reevaluate]");
	assert_non_null(strstr(ok(f, "show policy --json"), "\"name\":\"web2\""));
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_show_sessions, fx_setup,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_session_info_and_clear,
						fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_show_policy, fx_setup,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_policy_load, fx_setup,
						fx_teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
