// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_ha_agent.c - the ha_agent thread (ha/ha_agent.h) on loopback.
 *
 * Two kinds of peer:
 *  - a real second agent (test_pair): election, admin failover, suspend,
 *    functional, clean stop with goodbye;
 *  - a scripted peer made of plain sockets and the HA1 codec (the other
 *    tests): it sends exactly the hellos a case needs, closes its TCP
 *    connection without a goodbye (a crash), stops sending (a dead
 *    node), skips one hello, and sends malformed or foreign datagrams.
 * Each node has its own small dataplane (dp_fixture.h); the tests read
 * the role the agent gave it from the L3 snapshot (forward, announce).
 * Addresses 127.0.0.1 (agent) and 127.0.0.2 (peer), a port derived from
 * the pid so that concurrent runs do not collide. Every wait is a poll
 * of a condition with a bound.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/time.h"
#include "ha/ha_agent.h"
#include "ha/ha_proto.h"

#include "dp_fixture.h"
#include "cmd_fixture.h"

#define LO1	IP(127, 0, 0, 1)
#define LO2	IP(127, 0, 0, 2)
#define LO3	IP(127, 0, 0, 3)
#define HELLO_MS	20
static uint32_t misses = 3;	/* per test: timing margins */

struct node {
	struct hf_config cfg;
	struct hf_dataplane dp;
	struct hf_ha_agent *a;
	char err[256];
};

static uint16_t port_base;	/* per test: a failed one leaves sockets */

static uint16_t test_port(void)
{
	return (uint16_t)(20000 + getpid() % 20000 + port_base);
}

/* Nodes live on the heap and are listed here, so that a failed test
 * (cmocka longjmps out of it) leaves no agent thread running into the
 * next one: the teardown destroys what is left. */
#define MAX_NODES	4
static struct node *nodes[MAX_NODES];

static struct node *node_new(void)
{
	int i;

	for (i = 0; i < MAX_NODES; i++)
		if (!nodes[i]) {
			nodes[i] = calloc(1, sizeof(struct node));
			assert_non_null(nodes[i]);
			return nodes[i];
		}
	fail_msg("too many nodes");
	return NULL;
}

static void node_init(struct node *n, uint32_t id, uint32_t prio,
		      uint32_t local, uint32_t peer, const char *key)
{
	struct hf_cfg_ha *h = &n->cfg.ha;

	memset(n, 0, sizeof(*n));
	assert_int_equal(fixture_dp_init(&n->cfg, &n->dp, 64, 16, n->err,
					 sizeof(n->err)), 0);
	memset(h, 0, sizeof(*h));
	h->present = true;
	h->node_id = id;
	h->priority = prio;
	h->preempt_hold_ms = 200;
	h->hb_interval_ms = HELLO_MS;
	h->hb_misses = misses;
	h->flap_max = 3;
	h->flap_window_ms = 60000;
	h->local_ip = local;
	h->peer_ip = peer;
	h->ha1_port = test_port();
	h->garp_count = 1;
	h->garp_interval_ms = 10;
	if (key) {
		h->key_len = (uint32_t)strlen(key);
		memcpy(h->key, key, h->key_len);
	}
	if (hf_ha_agent_create(&n->a, &n->dp, n->err, sizeof(n->err)))
		fail_msg("agent: %s", n->err);
	n->dp.ha = n->a;
}

static void node_fini(struct node *n)
{
	int i;

	hf_ha_agent_destroy(n->a);
	n->a = NULL;
	fixture_dp_fini(&n->dp);
	for (i = 0; i < MAX_NODES; i++)
		if (nodes[i] == n)
			nodes[i] = NULL;
	free(n);
}

static int nodes_teardown(void **state)
{
	int i;

	(void)state;
	for (i = 0; i < MAX_NODES; i++)
		if (nodes[i])
			node_fini(nodes[i]);
	return 0;
}

static struct hf_ha_status status(struct node *n)
{
	struct hf_ha_status st;

	hf_ha_agent_status(n->a, &st);
	return st;
}

static enum hf_ha_state node_state(struct node *n)
{
	return status(n).sm.state;
}

static bool forwarding(struct node *n)
{
	return hf_dp_l3(&n->dp)->forward;
}

static uint32_t announce(struct node *n)
{
	return hf_dp_l3(&n->dp)->announce;
}

/* Poll until @n is in @s (and its dataplane agrees), at most @ms.
 * Returns the ms it took. */
static uint64_t wait_state(struct node *n, enum hf_ha_state s, uint32_t ms)
{
	uint64_t t0 = hf_now_ns(), end = t0 + ms * HF_NSEC_PER_MSEC;

	for (;;) {
		/* the thread applies its actions after the state moved */
		if (node_state(n) == s &&
		    forwarding(n) == hf_ha_state_is_forwarding(s))
			return (hf_now_ns() - t0) / HF_NSEC_PER_MSEC;
		if (hf_now_ns() > end)
			fail_msg("node %u: %s after %u ms, want %s",
				 n->cfg.ha.node_id, hf_ha_state_name(node_state(n)),
				 ms, hf_ha_state_name(s));
		urcu_qsbr_quiescent_state();
		usleep(500);
	}
}

/* ---- a real pair ---- */

static void test_pair(void **state)
{
	struct node *pa = node_new(), *pb = node_new();
#define A (*pa)
#define B (*pb)
	char err[256];
	uint64_t ms;
	uint32_t ann;

	(void)state;
	misses = 3;
	port_base = 0;
	node_init(&A, 1, 10, LO1, LO2, NULL);
	node_init(&B, 2, 20, LO2, LO1, NULL);
	assert_int_equal(hf_ha_agent_start(A.a), 0);
	assert_int_equal(hf_ha_agent_start(B.a), 0);
	/* the better priority wins, the other waits, both see each other */
	wait_state(&A, HF_HA_STATE_ACTIVE, 2000);
	wait_state(&B, HF_HA_STATE_PASSIVE, 2000);
	assert_true(status(&A).sm.peer.alive);
	assert_int_equal(status(&B).sm.peer.node_id, 1);
	assert_true(announce(&A) > 0);
	/* (B may have been active alone for a moment if it started more
	 * than the initial wait before A: slow sanitizer builds) */
	/* B synced (no sync daemon: nothing to sync) and the TCP up */
	for (ms = 0; ms < 2000 && !(status(&A).sm.peer.synced &&
				    status(&A).tcp_up && status(&B).tcp_up);
	     ms++)
		usleep(1000);
	assert_true(status(&A).sm.peer.synced);
	assert_true(status(&A).tcp_up && status(&B).tcp_up);

	/* what the operator sees */
	{
		struct hf_buf out;
		char cerr[256];

		hf_buf_init(&out);
		assert_int_equal(fixture_cmd(&A.dp, &out, cerr, sizeof(cerr),
					     "show ha"), 0);
		assert_non_null(strstr(out.data, "state:       active"));
		assert_non_null(strstr(out.data, "peer:        node 2, passive"));
		assert_non_null(strstr(out.data, "HA1 TCP:     up"));
		assert_int_equal(fixture_cmd(&B.dp, &out, cerr, sizeof(cerr),
					     "show ha --json"), 0);
		assert_non_null(strstr(out.data, "\"state\":\"passive\""));
		assert_non_null(strstr(out.data, "\"forwarding\":false"));
		assert_non_null(strstr(out.data,
				       "\"peer\":{\"known\":true,\"alive\":true,\"node_id\":1,\"state\":\"active\""));
		assert_int_equal(fixture_cmd(&B.dp, &out, cerr, sizeof(cerr),
					     "ha failover"), -EINVAL);
		assert_non_null(strstr(cerr, "only the active node"));
		assert_int_equal(fixture_cmd(&B.dp, &out, cerr, sizeof(cerr),
					     "ha failover now"), -EINVAL);
		assert_non_null(strstr(cerr, "usage"));
		A.dp.ha = NULL;
		assert_int_equal(fixture_cmd(&A.dp, &out, cerr, sizeof(cerr),
					     "show ha"), -ENOENT);
		assert_non_null(strstr(cerr, "not configured"));
		A.dp.ha = A.a;
		hf_buf_free(&out);
	}

	/* admin failover: a hand-over without timers */
	assert_int_equal(hf_ha_agent_admin(A.a, HF_HA_ADMIN_FAILOVER, err,
					   sizeof(err)), 0);
	ms = wait_state(&B, HF_HA_STATE_ACTIVE, 1000);
	print_message("admin failover: peer active after %lu ms\n",
		      (unsigned long)ms);
	wait_state(&A, HF_HA_STATE_PASSIVE, 1000);
	assert_int_equal(status(&B).sm.last.reason, HF_HA_R_PEER_YIELDED);
	/* only the active node can fail over */
	assert_int_equal(hf_ha_agent_admin(A.a, HF_HA_ADMIN_FAILOVER, err,
					   sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "only the active node"));
	/* functional on a node that is not suspended changes nothing */
	assert_int_equal(hf_ha_agent_admin(A.a, HF_HA_ADMIN_FUNCTIONAL, err,
					   sizeof(err)), 0);
	assert_int_equal(node_state(&A), HF_HA_STATE_PASSIVE);

	/* suspend the active: the peer takes over; functional: passive */
	ann = announce(&A);
	assert_int_equal(hf_ha_agent_admin(B.a, HF_HA_ADMIN_SUSPEND, err,
					   sizeof(err)), 0);
	wait_state(&B, HF_HA_STATE_SUSPENDED, 1000);
	wait_state(&A, HF_HA_STATE_ACTIVE, 1000);
	assert_true(announce(&A) > ann);
	assert_int_equal(hf_ha_agent_admin(B.a, HF_HA_ADMIN_FUNCTIONAL, err,
					   sizeof(err)), 0);
	wait_state(&B, HF_HA_STATE_PASSIVE, 1000);

	/* a clean stop says goodbye: the peer takes over at once */
	hf_ha_agent_stop(A.a);
	assert_false(forwarding(&A));
	ms = wait_state(&B, HF_HA_STATE_ACTIVE, 1000);
	print_message("goodbye: peer active after %lu ms\n", (unsigned long)ms);
	assert_int_equal(status(&B).sm.last.reason, HF_HA_R_PEER_GOODBYE);
	assert_true(ms < 200);	/* far below the 70 ms x many dead time */
	assert_int_equal(status(&B).counter[HF_HA_AC_goodbye_rx], 1);
	node_fini(pb);
	node_fini(pa);
#undef A
#undef B
}

/* ---- a scripted peer ---- */

struct fake {
	int udp, lst, conn;
	struct sockaddr_in agent;
	struct hf_hap_tx tx;
	struct hf_hap_auth auth;
	uint64_t epoch;
	uint64_t last_tx_ns;		/* the last hello sent */
};

static int bound_socket(int type, uint32_t ip, uint16_t port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_addr.s_addr = htonl(ip),
				  .sin_port = htons(port) };
	int fd = socket(AF_INET, type, 0), one = 1;

	assert_true(fd >= 0);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

static void fake_init(struct fake *f, const char *key)
{
	memset(f, 0, sizeof(*f));
	f->udp = bound_socket(SOCK_DGRAM, LO2, test_port());
	f->lst = bound_socket(SOCK_STREAM, LO2, test_port());
	assert_int_equal(listen(f->lst, 2), 0);
	f->conn = -1;
	f->agent.sin_family = AF_INET;
	f->agent.sin_addr.s_addr = htonl(LO1);
	f->agent.sin_port = htons(test_port());
	if (key)
		assert_int_equal(hf_hap_auth_init(&f->auth, key, strlen(key)),
				 0);
	assert_int_equal(hf_hap_epoch_new(&f->epoch), 0);
	assert_int_equal(hf_hap_tx_init(&f->tx, 2, f->epoch,
					key ? &f->auth : NULL), 0);
}

static void fake_fini(struct fake *f)
{
	if (f->conn >= 0)
		close(f->conn);
	close(f->lst);
	close(f->udp);
}

static void fake_hello(struct fake *f, uint8_t st, uint16_t prio)
{
	struct hf_hap_msg m = { .hdr.type = HF_HAP_HELLO };
	uint8_t buf[HF_HAP_MAX_MSG];
	size_t len;

	m.u.hello.priority = prio;
	m.u.hello.state = st;
	m.u.hello.flags = HF_HAP_HELLO_HEALTHY | HF_HAP_HELLO_SYNCED;
	m.u.hello.interval_ms = HELLO_MS;
	assert_int_equal(hf_hap_encode(&f->tx, &m, buf, sizeof(buf), &len), 0);
	assert_int_equal(sendto(f->udp, buf, len, 0,
				(struct sockaddr *)&f->agent,
				sizeof(f->agent)), (ssize_t)len);
	f->last_tx_ns = hf_now_ns();
}

/* Accept the agent's TCP connection (127.0.0.1 < .2: it connects). */
static void fake_accept(struct fake *f)
{
	struct pollfd p = { .fd = f->lst, .events = POLLIN };

	assert_int_equal(poll(&p, 1, 2000), 1);
	f->conn = accept(f->lst, NULL, NULL);
	assert_true(f->conn >= 0);
}

/* Hellos every HELLO_MS for @ms. */
static void fake_hellos(struct fake *f, uint8_t st, uint16_t prio,
			uint32_t ms)
{
	uint32_t t;

	for (t = 0; t < ms; t += HELLO_MS) {
		fake_hello(f, st, prio);
		usleep(HELLO_MS * 1000);
	}
}

static void test_crash_and_dead_peer(void **state)
{
	struct node *pa = node_new();
#define A (*pa)
	struct fake P;
	uint64_t t0, ms;
	uint32_t ann;

	(void)state;
	/* 5 misses: one skipped hello (40 ms) stays far from the dead
	 * time (110 ms) even on a slow sanitizer build */
	misses = 5;
	port_base = 1;
	node_init(&A, 1, 50, LO1, LO2, NULL);
	fake_init(&P, NULL);
	assert_int_equal(hf_ha_agent_start(A.a), 0);
	/* an active, preferred peer: the agent stays passive */
	fake_hello(&P, HF_HAP_STATE_ACTIVE, 10);
	wait_state(&A, HF_HA_STATE_PASSIVE, 1000);
	fake_accept(&P);
	fake_hellos(&P, HF_HAP_STATE_ACTIVE, 10, 100);
	assert_int_equal(node_state(&A), HF_HA_STATE_PASSIVE);
	assert_false(forwarding(&A));

	/* the peer's process dies: its kernel ends the connection */
	ann = announce(&A);
	t0 = hf_now_ns();
	close(P.conn);
	P.conn = -1;
	wait_state(&A, HF_HA_STATE_ACTIVE, 1000);
	ms = (hf_now_ns() - t0) / HF_NSEC_PER_MSEC;
	print_message("crash (TCP end, no goodbye): active after %lu ms\n",
		      (unsigned long)ms);
	/* the connection's end, not missed hellos (110 ms here) */
	assert_true(ms < 1000);
	assert_int_equal(status(&A).sm.last.reason, HF_HA_R_PEER_CRASHED);
	assert_int_equal(status(&A).counter[HF_HA_AC_tcp_lost], 1);
	assert_true(announce(&A) > ann);

	/* the peer comes back (a new process), preferred and active:
	 * split brain, resolved by priority */
	fake_fini(&P);
	fake_init(&P, NULL);
	fake_hellos(&P, HF_HAP_STATE_ACTIVE, 10, 60);
	wait_state(&A, HF_HA_STATE_PASSIVE, 1000);
	fake_accept(&P);
	/* one lost heartbeat (a 2-interval gap) changes nothing */
	fake_hellos(&P, HF_HAP_STATE_ACTIVE, 10, 100);
	usleep(HELLO_MS * 1000);
	fake_hellos(&P, HF_HAP_STATE_ACTIVE, 10, 100);
	assert_int_equal(node_state(&A), HF_HA_STATE_PASSIVE);
	/* silence (node or link dead, TCP still open): dead after
	 * 5 x 20 + 10 ms */
	t0 = P.last_tx_ns;
	wait_state(&A, HF_HA_STATE_ACTIVE, 1000);
	ms = (hf_now_ns() - t0) / HF_NSEC_PER_MSEC;
	print_message("silent peer: active %lu ms after its last hello (dead time 110 ms)\n",
		      (unsigned long)ms);
	assert_int_equal(status(&A).sm.last.reason, HF_HA_R_PEER_DEAD);
	assert_true(ms >= 106);
	fake_fini(&P);
	node_fini(pa);
#undef A
}

static void test_bad_messages(void **state)
{
	static const uint8_t junk[] = "not an HA message at all";
	struct node *pa = node_new();
#define A (*pa)
	struct fake P;
	struct hf_ha_status st;
	struct sockaddr_in to;
	int other;

	(void)state;
	misses = 3;
	port_base = 2;
	node_init(&A, 1, 50, LO1, LO2, "0123456789abcdef0123456789abcdef");
	fake_init(&P, "0123456789abcdef0123456789abcdeX");	/* wrong key */
	assert_int_equal(hf_ha_agent_start(A.a), 0);
	fake_hellos(&P, HF_HAP_STATE_ACTIVE, 10, 60);
	to = P.agent;
	assert_int_equal(sendto(P.udp, junk, sizeof(junk), 0,
				(struct sockaddr *)&to, sizeof(to)),
			 (ssize_t)sizeof(junk));
	other = bound_socket(SOCK_DGRAM, LO3, 0);
	assert_int_equal(sendto(other, junk, sizeof(junk), 0,
				(struct sockaddr *)&to, sizeof(to)),
			 (ssize_t)sizeof(junk));
	close(other);
	/* nothing of it counts as a peer: alone, the agent goes active */
	wait_state(&A, HF_HA_STATE_ACTIVE, 2000);
	usleep(20000);
	st = status(&A);
	assert_false(st.sm.peer.known);
	assert_int_equal(st.counter[HF_HA_AC_hello_rx], 0);
	assert_true(st.bad[HF_HAP_ERR_BAD_AUTH] >= 3);
	assert_int_equal(st.bad[HF_HAP_ERR_BAD_MAGIC], 1);
	assert_int_equal(st.counter[HF_HA_AC_msg_foreign], 1);
	assert_int_equal(st.counter[HF_HA_AC_msg_bad],
			 st.bad[HF_HAP_ERR_BAD_AUTH] + 1);
	/* the right key: heard, and split brain resolved for the peer */
	fake_fini(&P);
	fake_init(&P, "0123456789abcdef0123456789abcdef");
	fake_hellos(&P, HF_HAP_STATE_ACTIVE, 10, 100);
	wait_state(&A, HF_HA_STATE_PASSIVE, 1000);
	assert_true(status(&A).counter[HF_HA_AC_hello_rx] > 0);
	fake_fini(&P);
	node_fini(pa);
#undef A
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_pair, nodes_teardown),
		cmocka_unit_test_teardown(test_crash_and_dead_peer,
					  nodes_teardown),
		cmocka_unit_test_teardown(test_bad_messages, nodes_teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
