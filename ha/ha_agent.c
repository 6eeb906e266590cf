// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ha_agent.c - the ha_agent thread: HA1 hellos over UDP and TCP, the
 * state machine, takeover actions (see ha/ha_agent.h).
 *
 * One epoll loop: a wake-up eventfd (inputs from other threads, stop),
 * an absolute timerfd (the machine's next expiry, the next connect
 * attempt), the UDP socket, the TCP listener and the TCP connection.
 * The machine is changed only here, under a->lock so that `show ha`
 * can copy it; the actions it asks for run after the lock is dropped.
 */
#include "ha/ha_agent.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "common/compiler.h"
#include "common/log.h"
#include "common/rcu.h"
#include "common/time.h"
#include "control/config.h"
#include "control/textparse.h"
#include "fwd/dataplane.h"
#include "fwd/worker.h"

#define ADMIN_WAIT_MS	2000
#define UDP_READS	32		/* datagrams per wake-up */
#define TCP_BUF		(4 * HF_HAP_MAX_MSG)

enum ev_tag { EV_WAKE, EV_TIMER, EV_UDP, EV_LISTEN, EV_CONN };

struct hf_ha_agent {
	struct hf_dataplane *dp;
	const struct hf_cfg_ha *cfg;

	/* shared with other threads, under lock */
	pthread_mutex_t lock;
	pthread_cond_t admin_cv;
	struct hf_ha sm;
	bool stop;
	bool admin_pending;
	bool admin_done;
	enum hf_ha_admin admin_cmd;
	int admin_rc;
	char admin_err[160];
	bool health_pending;
	enum hf_ha_fault fault;
	char fault_detail[HF_HA_TEXT_LEN / 2];
	bool synced_pending;
	bool synced_known;
	bool synced;
	uint64_t applied;
	bool tcp_up;
	uint64_t counter[HF_HA_AC_MAX];
	uint64_t bad[HF_HAP_ERR_MAX];

	/* agent thread only */
	int wake_fd, timer_fd, ep_fd, udp_fd, listen_fd, conn_fd;
	bool connector;			/* we open the TCP connection */
	bool connecting;
	bool goodbye_seen;		/* on this connection */
	uint64_t next_connect_ns;
	uint8_t in[TCP_BUF];
	size_t inlen;
	struct sockaddr_in peer;
	struct sockaddr_in local;
	struct hf_hap_auth auth;
	bool keyed;
	struct hf_hap_tx tx;
	struct hf_hap_replay replay;
	uint64_t epoch;
	const struct hf_ha_sync_ops *sync;	/* NULL: no sync daemon */
	void *sync_arg;
	pthread_t thread;
	bool started;
};

static const char *const counter_names[] = {
#define HF_X_NAME(n, h) #n,
	HF_HA_AGENT_COUNTERS(HF_X_NAME)
#undef HF_X_NAME
};

const char *hf_ha_agent_counter_name(enum hf_ha_agent_counter c)
{
	return (unsigned int)c < HF_HA_AC_MAX ? counter_names[c] : "?";
}

static void count(struct hf_ha_agent *a, enum hf_ha_agent_counter c)
{
	pthread_mutex_lock(&a->lock);
	a->counter[c]++;
	pthread_mutex_unlock(&a->lock);
}

static void wake(struct hf_ha_agent *a)
{
	uint64_t one = 1;

	if (write(a->wake_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		log_warn("ha_agent: wake-up failed: %s", strerror(errno));
}

/* ---- sockets ---- */

static int ep_add(struct hf_ha_agent *a, int fd, uint32_t events,
		  enum ev_tag tag)
{
	struct epoll_event ev = { .events = events, .data.u32 = tag };

	return epoll_ctl(a->ep_fd, EPOLL_CTL_ADD, fd, &ev) ? -errno : 0;
}

/* a socket bound to the HA link's address (and device) */
static int ha_socket(struct hf_ha_agent *a, int type, uint16_t port,
		     char *err, size_t errlen)
{
	struct sockaddr_in sa = a->local;
	int fd, one = 1;

	fd = socket(AF_INET, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto fail;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)))
		goto fail;
	if (a->cfg->ifname[0] &&
	    setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, a->cfg->ifname,
		       (socklen_t)strlen(a->cfg->ifname)))
		goto fail;
	sa.sin_port = htons(port);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)))
		goto fail;
	return fd;
fail:
	snprintf(err, errlen, "HA link socket on %s port %u: %s",
		 a->cfg->ifname, port, strerror(errno));
	if (fd >= 0)
		close(fd);
	return -1;
}

static void conn_close(struct hf_ha_agent *a)
{
	if (a->conn_fd < 0)
		return;
	epoll_ctl(a->ep_fd, EPOLL_CTL_DEL, a->conn_fd, NULL);
	close(a->conn_fd);
	a->conn_fd = -1;
	a->connecting = false;
	a->inlen = 0;
	pthread_mutex_lock(&a->lock);
	a->tcp_up = false;
	pthread_mutex_unlock(&a->lock);
}

static void conn_up(struct hf_ha_agent *a)
{
	int one = 1;

	setsockopt(a->conn_fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	a->connecting = false;
	a->goodbye_seen = false;
	a->inlen = 0;
	pthread_mutex_lock(&a->lock);
	a->tcp_up = true;
	a->counter[HF_HA_AC_tcp_connects]++;
	pthread_mutex_unlock(&a->lock);
}

static void try_connect(struct hf_ha_agent *a, uint64_t now)
{
	char err[160];
	int fd;

	a->next_connect_ns = now + (uint64_t)a->cfg->hb_interval_ms *
					   HF_NSEC_PER_MSEC;
	fd = ha_socket(a, SOCK_STREAM, 0, err, sizeof(err));
	if (fd < 0)
		return;
	if (connect(fd, (struct sockaddr *)&a->peer, sizeof(a->peer)) &&
	    errno != EINPROGRESS) {
		close(fd);
		return;
	}
	a->conn_fd = fd;
	a->connecting = true;
	if (ep_add(a, fd, EPOLLOUT | EPOLLIN | EPOLLRDHUP, EV_CONN)) {
		close(fd);
		a->conn_fd = -1;
		a->connecting = false;
	}
}

static int send_all(int fd, const uint8_t *buf, size_t len)
{
	ssize_t n = send(fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);

	/* a few hundred bytes into an idle connection: all or broken */
	return n == (ssize_t)len ? 0 : -1;
}

/* ---- actions ---- */

static void set_role(struct hf_ha_agent *a, bool active, bool announce)
{
	struct hf_dataplane *dp = a->dp;
	struct hf_l3 *l3;

	hf_rcu_online();
	l3 = hf_dp_l3_edit(dp);
	if (!l3) {
		hf_rcu_offline();
		log_err("ha_agent: out of memory: role not changed");
		return;
	}
	hf_l3_set_active(l3, active, announce);
	hf_dp_l3_commit(dp, l3);
	hf_rcu_offline();
	if (active && announce && dp->nworkers && dp->worker[0])
		hf_worker_wake(dp->worker[0]);
}

static void send_msg(struct hf_ha_agent *a, const struct hf_hap_msg *m,
		     bool also_tcp)
{
	uint8_t buf[HF_HAP_MAX_MSG];
	size_t len;
	bool hello = m->hdr.type == HF_HAP_HELLO;

	if (hf_hap_encode(&a->tx, m, buf, sizeof(buf), &len)) {
		count(a, HF_HA_AC_send_failed);
		return;
	}
	if (sendto(a->udp_fd, buf, len, MSG_DONTWAIT,
		   (struct sockaddr *)&a->peer, sizeof(a->peer)) < 0)
		count(a, HF_HA_AC_send_failed);
	else if (hello)
		count(a, HF_HA_AC_hello_tx);
	if (!also_tcp || a->conn_fd < 0 || a->connecting)
		return;
	if (send_all(a->conn_fd, buf, len))
		count(a, HF_HA_AC_send_failed);
	else if (hello)
		count(a, HF_HA_AC_hello_tx_tcp);
}

static void send_hello(struct hf_ha_agent *a, bool urgent)
{
	struct hf_hap_msg m = { .hdr.type = HF_HAP_HELLO };
	struct hf_hap_hello *w = &m.u.hello;
	struct hf_ha_hello h;

	pthread_mutex_lock(&a->lock);
	hf_ha_hello_build(&a->sm, &h);
	w->sync_applied = a->applied;
	w->peer_epoch = a->sm.peer.known ? a->sm.peer.incarnation : 0;
	pthread_mutex_unlock(&a->lock);
	/* the two enums have the same values (checked in create) */
	w->priority = (uint16_t)h.priority;
	w->state = (uint8_t)h.state;
	w->flags = (h.healthy ? HF_HAP_HELLO_HEALTHY : 0) |
		   (h.preempt ? HF_HAP_HELLO_PREEMPT : 0) |
		   (h.synced ? HF_HAP_HELLO_SYNCED : 0) |
		   (h.takeover ? HF_HAP_HELLO_TAKEOVER : 0) |
		   (h.yielding ? HF_HAP_HELLO_STEPDOWN : 0);
	w->interval_ms = h.interval_ms;
	send_msg(a, &m, urgent);
}

static void apply(struct hf_ha_agent *a, const struct hf_ha_result *res,
		  bool urgent);

/* No sync daemon: there is nothing to sync, so a bulk sync is done at
 * once. */
static void bulk_sync(struct hf_ha_agent *a)
{
	struct hf_ha_result res;
	bool known;

	pthread_mutex_lock(&a->lock);
	known = a->synced_known;
	if (!known)
		hf_ha_set_synced(&a->sm, hf_now_ns(), true, &res);
	pthread_mutex_unlock(&a->lock);
	if (!known)
		apply(a, &res, true);
}

static void apply(struct hf_ha_agent *a, const struct hf_ha_result *res,
		  bool urgent)
{
	uint32_t act = res->actions;

	if (res->transitions) {
		struct hf_ha_transition t;

		pthread_mutex_lock(&a->lock);
		a->counter[HF_HA_AC_transitions] += res->transitions;
		t = a->sm.last;
		pthread_mutex_unlock(&a->lock);
		log_info("ha: %s -> %s: %s", hf_ha_state_name(res->from),
			 hf_ha_state_name(res->to), t.text);
	}
	if (act & HF_HA_ACT_STOP_FORWARDING) {
		set_role(a, false, false);
		if (a->sync)
			a->sync->set_role(a->sync_arg, false);
	}
	if (act & (HF_HA_ACT_START_FORWARDING | HF_HA_ACT_ANNOUNCE)) {
		/* the sync daemon hands the free rings to the workers */
		if ((act & HF_HA_ACT_START_FORWARDING) && a->sync)
			a->sync->set_role(a->sync_arg, true);
		set_role(a, true, act & HF_HA_ACT_ANNOUNCE);
	}
	if (act & HF_HA_ACT_SEND_HELLO)
		send_hello(a, urgent || res->transitions);
	if (act & HF_HA_ACT_REQUEST_BULK_SYNC) {
		if (a->sync)
			a->sync->request_bulk(a->sync_arg);
		else
			bulk_sync(a);
	}
}

/* ---- receiving ---- */

static void on_message(struct hf_ha_agent *a, const uint8_t *buf,
		       size_t len)
{
	struct hf_ha_result res;
	struct hf_hap_msg m;
	enum hf_hap_err e;
	struct hf_ha_hello h;
	uint64_t now = hf_now_ns();
	int rc;

	e = hf_hap_decode(buf, len, a->keyed ? &a->auth : NULL,
			  a->cfg->node_id, &m);
	if (e == HF_HAP_OK && !hf_hap_is_ha1(m.hdr.type)) {
		count(a, HF_HA_AC_msg_unexpected);
		return;
	}
	if (e == HF_HAP_OK)
		e = hf_hap_replay_check(&a->replay, m.hdr.epoch, m.hdr.seq,
					NULL);
	if (e == HF_HAP_ERR_REPLAY && m.hdr.type == HF_HAP_HELLO) {
		/* the other copy of a state-change hello (UDP and TCP) */
		count(a, HF_HA_AC_hello_dup);
		return;
	}
	if (e != HF_HAP_OK) {
		pthread_mutex_lock(&a->lock);
		a->counter[HF_HA_AC_msg_bad]++;
		a->bad[e]++;
		pthread_mutex_unlock(&a->lock);
		return;
	}
	if (m.hdr.type == HF_HAP_GOODBYE) {
		a->goodbye_seen = true;
		pthread_mutex_lock(&a->lock);
		a->counter[HF_HA_AC_goodbye_rx]++;
		hf_ha_on_peer_goodbye(&a->sm, now, &res);
		pthread_mutex_unlock(&a->lock);
		apply(a, &res, true);
		return;
	}
	h = (struct hf_ha_hello){
		.node_id = m.hdr.node_id,
		.priority = m.u.hello.priority,
		.state = m.u.hello.state,
		.healthy = m.u.hello.flags & HF_HAP_HELLO_HEALTHY,
		.preempt = m.u.hello.flags & HF_HAP_HELLO_PREEMPT,
		.synced = m.u.hello.flags & HF_HAP_HELLO_SYNCED,
		.takeover = m.u.hello.flags & HF_HAP_HELLO_TAKEOVER,
		.yielding = m.u.hello.flags & HF_HAP_HELLO_STEPDOWN,
		.interval_ms = m.u.hello.interval_ms,
		.incarnation = m.hdr.epoch,
		.seq = (uint32_t)m.hdr.seq,
	};
	pthread_mutex_lock(&a->lock);
	rc = hf_ha_on_hello(&a->sm, now, &h, &res);
	a->counter[rc ? HF_HA_AC_hello_refused : HF_HA_AC_hello_rx]++;
	pthread_mutex_unlock(&a->lock);
	apply(a, &res, false);
}

static void on_udp(struct hf_ha_agent *a)
{
	uint8_t buf[HF_HAP_MAX_MSG + 1];
	struct sockaddr_in from;
	int i;

	for (i = 0; i < UDP_READS; i++) {
		socklen_t fl = sizeof(from);
		ssize_t n = recvfrom(a->udp_fd, buf, sizeof(buf), MSG_DONTWAIT,
				     (struct sockaddr *)&from, &fl);

		if (n < 0)
			return;
		if (from.sin_addr.s_addr != a->peer.sin_addr.s_addr) {
			count(a, HF_HA_AC_msg_foreign);
			continue;
		}
		on_message(a, buf, (size_t)n);
	}
}

static void peer_lost(struct hf_ha_agent *a)
{
	struct hf_ha_result res;

	conn_close(a);
	if (a->goodbye_seen)
		return;
	pthread_mutex_lock(&a->lock);
	a->counter[HF_HA_AC_tcp_lost]++;
	hf_ha_on_peer_lost(&a->sm, hf_now_ns(), &res);
	pthread_mutex_unlock(&a->lock);
	apply(a, &res, true);
}

static void on_conn(struct hf_ha_agent *a, uint32_t events)
{
	ssize_t n;

	if (a->connecting) {
		int soerr = 0;
		socklen_t sl = sizeof(soerr);
		struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP,
					  .data.u32 = EV_CONN };

		if (getsockopt(a->conn_fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) ||
		    soerr) {
			conn_close(a);	/* not up yet: nothing lost */
			return;
		}
		epoll_ctl(a->ep_fd, EPOLL_CTL_MOD, a->conn_fd, &ev);
		conn_up(a);
		return;
	}
	if (!(events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)))
		return;
	for (;;) {
		n = recv(a->conn_fd, a->in + a->inlen, sizeof(a->in) - a->inlen,
			 MSG_DONTWAIT);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
			peer_lost(a);
			return;
		}
		if (n < 0)
			return;
		a->inlen += (size_t)n;
		/* frames: the header's total length says where one ends */
		while (a->inlen >= HF_HAP_HDR_LEN) {
			size_t tot = (size_t)a->in[6] << 8 | a->in[7];

			if (tot < HF_HAP_HDR_LEN || tot > HF_HAP_MAX_MSG) {
				pthread_mutex_lock(&a->lock);
				a->counter[HF_HA_AC_msg_bad]++;
				a->bad[HF_HAP_ERR_BAD_LENGTH]++;
				pthread_mutex_unlock(&a->lock);
				/* no way to find the next frame */
				peer_lost(a);
				return;
			}
			if (a->inlen < tot)
				break;
			on_message(a, a->in, tot);
			if (a->conn_fd < 0)
				return;
			memmove(a->in, a->in + tot, a->inlen - tot);
			a->inlen -= tot;
		}
	}
}

static void on_listen(struct hf_ha_agent *a)
{
	struct sockaddr_in from;
	socklen_t fl = sizeof(from);
	int fd = accept4(a->listen_fd, (struct sockaddr *)&from, &fl,
			 SOCK_NONBLOCK | SOCK_CLOEXEC);

	if (fd < 0)
		return;
	if (from.sin_addr.s_addr != a->peer.sin_addr.s_addr) {
		close(fd);
		count(a, HF_HA_AC_tcp_refused);
		return;
	}
	/* a new connection from the peer replaces the old one: the
	 * process behind that one is gone */
	if (a->conn_fd >= 0)
		peer_lost(a);
	a->conn_fd = fd;
	if (ep_add(a, fd, EPOLLIN | EPOLLRDHUP, EV_CONN)) {
		close(fd);
		a->conn_fd = -1;
		return;
	}
	conn_up(a);
}

/* ---- inputs from other threads ---- */

static int run_admin(struct hf_ha_agent *a, enum hf_ha_admin cmd,
		     uint64_t now, struct hf_ha_result *res)
{
	int rc;

	switch (cmd) {
	case HF_HA_ADMIN_SUSPEND:
		return hf_ha_admin_suspend(&a->sm, now, res);
	case HF_HA_ADMIN_FUNCTIONAL:
		rc = hf_ha_admin_functional(&a->sm, now, res);
		if (rc == -EINVAL)
			snprintf(a->admin_err, sizeof(a->admin_err),
				 "this node is %s, not suspended",
				 hf_ha_state_name(a->sm.state));
		return rc;
	case HF_HA_ADMIN_FAILOVER:
		rc = hf_ha_admin_failover(&a->sm, now, res);
		if (rc == -EINVAL)
			snprintf(a->admin_err, sizeof(a->admin_err),
				 "this node is %s: only the active node can fail over",
				 hf_ha_state_name(a->sm.state));
		else if (rc == -ENOTCONN || rc == -EBUSY || rc == -EAGAIN)
			snprintf(a->admin_err, sizeof(a->admin_err),
				 "the peer cannot take over now: it must be alive, passive, healthy and synced (peer %s%s%s)",
				 a->sm.peer.alive ? hf_ha_state_name(a->sm.peer.state) : "not alive",
				 a->sm.peer.alive && !a->sm.peer.healthy ? ", unhealthy" : "",
				 a->sm.peer.alive && !a->sm.peer.synced ? ", not synced" : "");
		return rc;
	}
	return -EINVAL;
}

static void on_wake(struct hf_ha_agent *a)
{
	struct hf_ha_result res[3];
	bool did[3] = { false, false, false };
	uint64_t v, now = hf_now_ns();
	int i;

	if (read(a->wake_fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		log_warn("ha_agent: wake-up read: %s", strerror(errno));
	pthread_mutex_lock(&a->lock);
	if (a->health_pending) {
		a->health_pending = false;
		hf_ha_set_health(&a->sm, now, a->fault, a->fault_detail,
				 &res[0]);
		did[0] = true;
	}
	if (a->synced_pending) {
		a->synced_pending = false;
		hf_ha_set_synced(&a->sm, now, a->synced, &res[1]);
		did[1] = true;
	}
	if (a->admin_pending && !a->admin_done) {
		a->admin_err[0] = 0;
		a->admin_rc = run_admin(a, a->admin_cmd, now, &res[2]);
		if (a->admin_rc && !a->admin_err[0])
			snprintf(a->admin_err, sizeof(a->admin_err), "%s",
				 strerror(-a->admin_rc));
		a->admin_done = true;
		did[2] = !a->admin_rc;
		pthread_cond_broadcast(&a->admin_cv);
	}
	pthread_mutex_unlock(&a->lock);
	for (i = 0; i < 3; i++)
		if (did[i])
			apply(a, &res[i], true);
}

/* ---- the loop ---- */

static void arm_timer(struct hf_ha_agent *a)
{
	struct itimerspec its = { 0 };
	uint64_t next;

	pthread_mutex_lock(&a->lock);
	next = hf_ha_next_expiry(&a->sm);
	pthread_mutex_unlock(&a->lock);
	if (a->connector && a->conn_fd < 0)
		next = HF_MIN(next, a->next_connect_ns);
	if (next != HF_HA_NEVER) {
		if (!next)
			next = 1;	/* 0 would disarm */
		its.it_value.tv_sec = (time_t)(next / HF_NSEC_PER_SEC);
		its.it_value.tv_nsec = (long)(next % HF_NSEC_PER_SEC);
	}
	timerfd_settime(a->timer_fd, TFD_TIMER_ABSTIME, &its, NULL);
}

static void on_timer(struct hf_ha_agent *a)
{
	struct hf_ha_result res;
	uint64_t v, now = hf_now_ns();

	if (read(a->timer_fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		log_warn("ha_agent: timer read: %s", strerror(errno));
	if (a->connector && a->conn_fd < 0 && now >= a->next_connect_ns)
		try_connect(a, now);
	pthread_mutex_lock(&a->lock);
	hf_ha_tick(&a->sm, now, &res);
	pthread_mutex_unlock(&a->lock);
	apply(a, &res, false);
}

static bool stopping(struct hf_ha_agent *a)
{
	bool s;

	pthread_mutex_lock(&a->lock);
	s = a->stop;
	pthread_mutex_unlock(&a->lock);
	return s;
}

/* Clean stop: stop forwarding first, then tell the peer to take over. */
static void say_goodbye(struct hf_ha_agent *a)
{
	struct hf_hap_msg m = { .hdr.type = HF_HAP_GOODBYE,
				.u.goodbye.reason = HF_HAP_BYE_SHUTDOWN };

	set_role(a, false, false);
	if (a->sync)
		a->sync->set_role(a->sync_arg, false);
	send_msg(a, &m, true);
	count(a, HF_HA_AC_goodbye_tx);
}

static void *agent_main(void *arg)
{
	struct hf_ha_agent *a = arg;
	struct epoll_event ev[8];
	struct hf_ha_result res;
	int i, n;

	hf_rcu_register_offline();
	/* whatever the dataplane was told before, a node starts standby */
	set_role(a, false, false);
	pthread_mutex_lock(&a->lock);
	{
		struct hf_ha_params p;

		hf_ha_params_default(&p);
		p.node_id = a->cfg->node_id;
		p.priority = a->cfg->priority;
		p.preempt = a->cfg->preempt;
		p.preempt_hold_ms = a->cfg->preempt_hold_ms;
		p.hello_interval_ms = a->cfg->hb_interval_ms;
		p.dead_misses = a->cfg->hb_misses;
		p.flap_max = a->cfg->flap_max;
		p.flap_window_ms = a->cfg->flap_window_ms;
		p.incarnation = a->epoch;
		if (hf_ha_init(&a->sm, &p, hf_now_ns(), &res))
			log_err("ha_agent: bad parameters (node id %u)",
				p.node_id);
	}
	pthread_mutex_unlock(&a->lock);
	apply(a, &res, true);
	while (!stopping(a)) {
		arm_timer(a);
		n = epoll_wait(a->ep_fd, ev, 8, 1000);
		for (i = 0; i < n; i++) {
			switch (ev[i].data.u32) {
			case EV_WAKE:
				on_wake(a);
				break;
			case EV_TIMER:
				on_timer(a);
				break;
			case EV_UDP:
				on_udp(a);
				break;
			case EV_LISTEN:
				on_listen(a);
				break;
			case EV_CONN:
				if (a->conn_fd >= 0)
					on_conn(a, ev[i].events);
				break;
			}
		}
	}
	say_goodbye(a);
	hf_rcu_unregister_offline();
	return NULL;
}

/* ---- life cycle ---- */

_Static_assert((int)HF_HA_STATE_ACTIVE == (int)HF_HAP_STATE_ACTIVE &&
	       (int)HF_HA_STATE_PASSIVE == (int)HF_HAP_STATE_PASSIVE &&
	       (int)HF_HA_STATE_SUSPENDED == (int)HF_HAP_STATE_SUSPENDED &&
	       (int)HF_HA_STATE_NONFUNC == (int)HF_HAP_STATE_NONFUNCTIONAL &&
	       (int)HF_HA_STATE_MAX == (int)HF_HAP_STATE_MAX,
	       "HA1 hellos carry enum hf_ha_state as is");

int hf_ha_agent_create(struct hf_ha_agent **out, struct hf_dataplane *dp,
		       char *err, size_t errlen)
{
	const struct hf_cfg_ha *cfg = &dp->cfg->ha;
	struct hf_ha_agent *a;
	pthread_condattr_t ca;

	if (!cfg->present) {
		snprintf(err, errlen, "no ha block in the config");
		return -EINVAL;
	}
	a = calloc(1, sizeof(*a));
	if (!a) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	a->dp = dp;
	a->cfg = cfg;
	a->wake_fd = a->timer_fd = a->ep_fd = -1;
	a->udp_fd = a->listen_fd = a->conn_fd = -1;
	pthread_mutex_init(&a->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&a->admin_cv, &ca);
	pthread_condattr_destroy(&ca);
	a->local.sin_family = AF_INET;
	a->local.sin_addr.s_addr = htonl(cfg->local_ip);
	a->peer.sin_family = AF_INET;
	a->peer.sin_addr.s_addr = htonl(cfg->peer_ip);
	a->peer.sin_port = htons(cfg->ha1_port);
	a->connector = cfg->local_ip < cfg->peer_ip;
	if (cfg->key_len) {
		if (hf_hap_auth_init(&a->auth, cfg->key, cfg->key_len)) {
			snprintf(err, errlen, "bad HA key length %u",
				 cfg->key_len);
			goto fail;
		}
		a->keyed = true;
	}
	if (hf_hap_epoch_new(&a->epoch) ||
	    hf_hap_tx_init(&a->tx, cfg->node_id, a->epoch,
			   a->keyed ? &a->auth : NULL)) {
		snprintf(err, errlen, "cannot start HA1 messages (node id %u)",
			 cfg->node_id);
		goto fail;
	}
	a->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	a->timer_fd = timerfd_create(CLOCK_MONOTONIC,
				     TFD_NONBLOCK | TFD_CLOEXEC);
	a->ep_fd = epoll_create1(EPOLL_CLOEXEC);
	if (a->wake_fd < 0 || a->timer_fd < 0 || a->ep_fd < 0) {
		snprintf(err, errlen, "ha_agent: %s", strerror(errno));
		goto fail;
	}
	a->udp_fd = ha_socket(a, SOCK_DGRAM, cfg->ha1_port, err, errlen);
	if (a->udp_fd < 0)
		goto fail;
	a->listen_fd = ha_socket(a, SOCK_STREAM, cfg->ha1_port, err, errlen);
	if (a->listen_fd < 0)
		goto fail;
	if (listen(a->listen_fd, 4)) {
		snprintf(err, errlen, "listen on the HA link: %s",
			 strerror(errno));
		goto fail;
	}
	if (ep_add(a, a->wake_fd, EPOLLIN, EV_WAKE) ||
	    ep_add(a, a->timer_fd, EPOLLIN, EV_TIMER) ||
	    ep_add(a, a->udp_fd, EPOLLIN, EV_UDP) ||
	    ep_add(a, a->listen_fd, EPOLLIN, EV_LISTEN)) {
		snprintf(err, errlen, "epoll: %s", strerror(errno));
		goto fail;
	}
	*out = a;
	return 0;
fail:
	hf_ha_agent_destroy(a);
	return -EINVAL;
}

int hf_ha_agent_start(struct hf_ha_agent *a)
{
	int rc = pthread_create(&a->thread, NULL, agent_main, a);

	if (rc)
		return -rc;
	pthread_setname_np(a->thread, "ha_agent");
	a->started = true;
	return 0;
}

void hf_ha_agent_stop(struct hf_ha_agent *a)
{
	if (!a || !a->started)
		return;
	pthread_mutex_lock(&a->lock);
	a->stop = true;
	pthread_mutex_unlock(&a->lock);
	wake(a);
	pthread_join(a->thread, NULL);
	a->started = false;
}

void hf_ha_agent_destroy(struct hf_ha_agent *a)
{
	if (!a)
		return;
	hf_ha_agent_stop(a);
	if (a->conn_fd >= 0)
		close(a->conn_fd);
	if (a->listen_fd >= 0)
		close(a->listen_fd);
	if (a->udp_fd >= 0)
		close(a->udp_fd);
	if (a->ep_fd >= 0)
		close(a->ep_fd);
	if (a->timer_fd >= 0)
		close(a->timer_fd);
	if (a->wake_fd >= 0)
		close(a->wake_fd);
	hf_hap_auth_wipe(&a->auth);
	pthread_cond_destroy(&a->admin_cv);
	pthread_mutex_destroy(&a->lock);
	free(a);
}

/* ---- other threads ---- */

int hf_ha_agent_admin(struct hf_ha_agent *a, enum hf_ha_admin cmd,
		      char *err, size_t errlen)
{
	struct timespec until;
	int rc = 0;

	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += ADMIN_WAIT_MS / 1000;
	pthread_mutex_lock(&a->lock);
	a->admin_cmd = cmd;
	a->admin_pending = true;
	a->admin_done = false;
	pthread_mutex_unlock(&a->lock);
	wake(a);
	pthread_mutex_lock(&a->lock);
	while (!a->admin_done && !rc)
		rc = pthread_cond_timedwait(&a->admin_cv, &a->lock, &until);
	if (a->admin_done) {
		rc = a->admin_rc;
		if (rc)
			snprintf(err, errlen, "%s", a->admin_err);
	} else {
		rc = -ETIMEDOUT;
		snprintf(err, errlen, "the HA agent did not answer within %d ms",
			 ADMIN_WAIT_MS);
	}
	a->admin_pending = false;
	pthread_mutex_unlock(&a->lock);
	return rc;
}

void hf_ha_agent_set_sync(struct hf_ha_agent *a,
			  const struct hf_ha_sync_ops *ops, void *arg)
{
	pthread_mutex_lock(&a->lock);
	a->sync = ops;
	a->sync_arg = arg;
	a->synced_known = true;
	pthread_mutex_unlock(&a->lock);
}

void hf_ha_agent_set_health(struct hf_ha_agent *a, enum hf_ha_fault fault,
			    const char *detail)
{
	pthread_mutex_lock(&a->lock);
	a->fault = fault;
	snprintf(a->fault_detail, sizeof(a->fault_detail), "%s",
		 detail ? detail : "");
	a->health_pending = true;
	pthread_mutex_unlock(&a->lock);
	wake(a);
}

void hf_ha_agent_set_synced(struct hf_ha_agent *a, bool synced)
{
	pthread_mutex_lock(&a->lock);
	a->synced_known = true;
	a->synced = synced;
	a->synced_pending = true;
	pthread_mutex_unlock(&a->lock);
	wake(a);
}

void hf_ha_agent_set_applied(struct hf_ha_agent *a, uint64_t seq)
{
	pthread_mutex_lock(&a->lock);
	a->applied = seq;
	pthread_mutex_unlock(&a->lock);
}

void hf_ha_agent_status(struct hf_ha_agent *a, struct hf_ha_status *st)
{
	pthread_mutex_lock(&a->lock);
	st->sm = a->sm;
	st->now_ns = hf_now_ns();
	st->epoch = a->epoch;
	st->tcp_up = a->tcp_up;
	st->synced_known = a->synced_known;
	st->sync_applied = a->applied;
	memcpy(st->counter, a->counter, sizeof(st->counter));
	memcpy(st->bad, a->bad, sizeof(st->bad));
	pthread_mutex_unlock(&a->lock);
}
