// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_commands_ha.c - `show ha` and `ha suspend|functional|failover`
 * (control/commands_ha.c) through hf_cmd_exec, on a node whose agent
 * runs alone on loopback (no peer ever answers): what the text and JSON
 * say in each state, the refusals and their reasons, usage errors, and a
 * node without HA. The two-node behaviour is test_ha_agent's.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "common/time.h"
#include "ha/ha_agent.h"

#include "dp_fixture.h"
#include "cmd_fixture.h"

struct fx {
	struct hf_config cfg;
	struct hf_dataplane dp;
	struct hf_buf out;
	char err[256];
};

static int fx_setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct hf_cfg_ha *h;

	if (!f || fixture_dp_init(&f->cfg, &f->dp, 64, 16, f->err,
				  sizeof(f->err)))
		return -1;
	h = &f->cfg.ha;
	h->present = true;
	h->node_id = 7;
	h->priority = 42;
	h->hb_interval_ms = 20;
	h->hb_misses = 3;
	h->flap_max = 3;
	h->flap_window_ms = 60000;
	h->local_ip = IP(127, 0, 0, 1);
	h->peer_ip = IP(127, 0, 0, 2);
	h->ha1_port = (uint16_t)(30000 + getpid() % 20000);
	h->garp_count = 1;
	h->garp_interval_ms = 10;
	if (hf_ha_agent_create(&f->dp.ha, &f->dp, f->err, sizeof(f->err)) ||
	    hf_ha_agent_start(f->dp.ha))
		return -1;
	hf_buf_init(&f->out);
	*state = f;
	return 0;
}

static int fx_teardown(void **state)
{
	struct fx *f = *state;

	hf_ha_agent_destroy(f->dp.ha);
	f->dp.ha = NULL;
	hf_buf_free(&f->out);
	fixture_dp_fini(&f->dp);
	free(f);
	return 0;
}

static int cmd(struct fx *f, const char *line)
{
	return fixture_cmd(&f->dp, &f->out, f->err, sizeof(f->err), line);
}

/* Poll `show ha --json` until it contains @want (at most 2 s). */
static void wait_json(struct fx *f, const char *want)
{
	uint64_t end = hf_now_ns() + 2 * HF_NSEC_PER_SEC;

	for (;;) {
		assert_int_equal(cmd(f, "show ha --json"), 0);
		if (strstr(f->out.data, want))
			return;
		if (hf_now_ns() > end)
			fail_msg("no %s in %s", want, f->out.data);
		urcu_qsbr_quiescent_state();
		usleep(1000);
	}
}

static void test_alone(void **state)
{
	struct fx *f = *state;

	/* nobody answers: active after the initial wait */
	wait_json(f, "\"state\":\"active\"");
	assert_non_null(strstr(f->out.data, "\"node_id\":7,\"priority\":42"));
	assert_non_null(strstr(f->out.data, "\"forwarding\":true"));
	assert_non_null(strstr(f->out.data,
			       "\"peer\":{\"known\":false,\"alive\":false"));
	assert_non_null(strstr(f->out.data, "\"reason\":\"no-peer\""));
	assert_null(strstr(f->out.data, "\"sync\":"));	/* no dssd */
	assert_null(strstr(f->out.data, "\"link_groups\""));	/* no dha */
	assert_int_equal(cmd(f, "show ha"), 0);
	assert_non_null(strstr(f->out.data,
			       "node:        7, priority 42 (lower is preferred), preemption off"));
	assert_non_null(strstr(f->out.data, "state:       active for"));
	assert_non_null(strstr(f->out.data, "(forwarding)"));
	assert_non_null(strstr(f->out.data, "peer:        never heard"));
	assert_non_null(strstr(f->out.data, "HA1 TCP:     down"));
	assert_non_null(strstr(f->out.data, "no session sync running"));

	/* no peer to hand over to */
	assert_int_equal(cmd(f, "ha failover"), -ENOTCONN);
	assert_non_null(strstr(f->err, "the peer cannot take over now"));
	assert_non_null(strstr(f->err, "not alive"));

	/* suspend: out of the election, not forwarding */
	assert_int_equal(cmd(f, "ha suspend"), 0);
	wait_json(f, "\"state\":\"suspended\"");
	assert_non_null(strstr(f->out.data, "\"forwarding\":false"));
	assert_non_null(strstr(f->out.data, "\"reason\":\"admin-suspend\""));
	assert_int_equal(cmd(f, "ha failover"), -EINVAL);
	assert_non_null(strstr(f->err, "only the active node can fail over"));
	/* functional: back, and alone again active */
	assert_int_equal(cmd(f, "ha functional"), 0);
	wait_json(f, "\"state\":\"active\"");
}

static void test_usage_and_no_ha(void **state)
{
	struct fx *f = *state;
	struct hf_ha_agent *a = f->dp.ha;

	assert_int_equal(cmd(f, "show ha now"), -EINVAL);
	assert_non_null(strstr(f->err, "usage: show ha"));
	assert_int_equal(cmd(f, "ha suspend please"), -EINVAL);
	assert_non_null(strstr(f->err, "usage: ha suspend"));
	assert_int_equal(cmd(f, "ha functional x"), -EINVAL);
	assert_int_equal(cmd(f, "ha failover x"), -EINVAL);
	f->dp.ha = NULL;
	assert_int_equal(cmd(f, "show ha"), -ENOENT);
	assert_non_null(strstr(f->err, "HA is not configured"));
	assert_int_equal(cmd(f, "ha failover"), -ENOENT);
	assert_int_equal(cmd(f, "ha suspend"), -ENOENT);
	f->dp.ha = a;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_alone, fx_setup,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_usage_and_no_ha, fx_setup,
						fx_teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
