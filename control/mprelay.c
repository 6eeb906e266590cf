// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * mprelay.c - the control thread (see control/mprelay.h).
 *
 * A control client is served synchronously: the request is one short
 * line and the socket has send/receive timeouts, so a stuck client
 * delays mprelay by at most HF_CTL_TIMEOUT_MS and never a worker.
 *
 * Packet capture: mprelay owns the capture (control/commands_capture.c
 * starts and stops it). Its tick closes a capture that finished by
 * itself (record count reached, write error), so the file is complete
 * without `capture stop`; on exit it stops one still running.
 */
#include "control/mprelay.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/log.h"
#include "common/rcu.h"
#include "fwd/session.h"
#include "common/time.h"
#include "control/buf.h"
#include "control/commands.h"
#include "control/ctl_proto.h"
#include "control/routes.h"
#include "control/textparse.h"
#include "fwd/dataplane.h"
#include "fwd/fib.h"
#include "fwd/neigh.h"
#include "fwd/worker.h"
#include "ha/dssd.h"

#define TICK_MS		100
#define MAX_EVENTS_PER_WAKE	4096

struct hf_mprelay {
	struct hf_dataplane *dp;
	int listen_fd;
	int epoll_fd;
	int timer_fd;
	pthread_t thread;
	bool started;
	bool stop;		/* atomic */
	struct hf_buf reply;
	uint64_t learn_refused;
	uint32_t ticks;
	uint64_t sess_created_last;	/* for the setup rate */
};

/* ---- set-up ---- */

static int bind_control_socket(struct hf_mprelay *m, const char *path,
			       char *err, size_t errlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, rc;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "control socket path '%s' is too long", path);
		return -ENAMETOOLONG;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* a socket file that still answers belongs to a live hafwd */
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
		close(fd);
		snprintf(err, errlen,
			 "control socket %s is in use: is another hafwd running?",
			 path);
		return -EADDRINUSE;
	}
	close(fd);
	unlink(path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    chmod(path, 0600) || listen(fd, 16)) {
		rc = -errno;
		snprintf(err, errlen, "control socket %s: %s", path,
			 strerror(errno));
		close(fd);
		return rc;
	}
	m->listen_fd = fd;
	return 0;
}

static int install_config(struct hf_mprelay *m, char *err, size_t errlen)
{
	struct hf_dataplane *dp = m->dp;
	const struct hf_config *cfg = dp->cfg;
	const struct hf_l3 *l3 = dp->l3;
	uint64_t now = hf_now_ns();
	char msg[256];
	uint32_t i, k;
	int rc;

	for (i = 0; i < dp->nports; i++)
		for (k = 0; k < l3->port[i].naddr; k++) {
			rc = hf_routes_addr_add(dp, (uint16_t)i,
						&l3->port[i].addr[k], msg,
						sizeof(msg));
			if (rc) {
				snprintf(err, errlen, "port '%s': %s",
					 cfg->port[i].name, msg);
				return rc;
			}
		}
	for (i = 0; i < dp->nports; i++)
		for (k = 0; k < l3->port[i].nvaddr; k++) {
			rc = hf_routes_vaddr_add(dp, (uint16_t)i,
						 &l3->port[i].vaddr[k], msg,
						 sizeof(msg));
			if (rc) {
				snprintf(err, errlen, "port '%s': %s",
					 cfg->port[i].name, msg);
				return rc;
			}
		}
	for (i = 0; i < cfg->nroutes; i++) {
		rc = hf_routes_static(dp, l3, &cfg->route[i], false, msg,
				      sizeof(msg));
		if (rc) {
			snprintf(err, errlen, "config line %u: %s",
				 cfg->route[i].line, msg);
			return rc;
		}
	}
	hf_rcu_online();
	for (i = 0; i < cfg->nneigh; i++) {
		rc = hf_neigh_add_static(dp->neigh, (uint16_t)cfg->neigh[i].port,
					 cfg->neigh[i].ip, cfg->neigh[i].mac,
					 now);
		if (rc) {
			hf_rcu_offline();
			snprintf(err, errlen, "config line %u: neighbour: %s",
				 cfg->neigh[i].line, strerror(-rc));
			return rc;
		}
	}
	hf_rcu_offline();
	return 0;
}

static int epoll_add(int ep, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };

	return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) ? -errno : 0;
}

int hf_mprelay_create(struct hf_mprelay **out, struct hf_dataplane *dp,
		      char *err, size_t errlen)
{
	struct itimerspec its = {
		.it_interval = { 0, TICK_MS * 1000000L },
		.it_value = { 0, TICK_MS * 1000000L },
	};
	struct hf_mprelay *m = calloc(1, sizeof(*m));
	int rc;

	if (!m)
		return -ENOMEM;
	m->dp = dp;
	m->listen_fd = m->epoll_fd = m->timer_fd = -1;
	hf_buf_init(&m->reply);
	rc = bind_control_socket(m, dp->cfg->ctl_path, err, errlen);
	if (rc)
		goto fail;
	m->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	m->timer_fd = timerfd_create(CLOCK_MONOTONIC,
				     TFD_NONBLOCK | TFD_CLOEXEC);
	if (m->epoll_fd < 0 || m->timer_fd < 0 ||
	    timerfd_settime(m->timer_fd, 0, &its, NULL) ||
	    epoll_add(m->epoll_fd, m->listen_fd) ||
	    epoll_add(m->epoll_fd, m->timer_fd) ||
	    epoll_add(m->epoll_fd, dp->event_fd)) {
		rc = -errno;
		snprintf(err, errlen, "mprelay event loop set-up: %s",
			 strerror(errno));
		goto fail;
	}
	rc = install_config(m, err, errlen);
	if (rc)
		goto fail;
	*out = m;
	return 0;
fail:
	hf_mprelay_destroy(m);
	return rc;
}

void hf_mprelay_destroy(struct hf_mprelay *m)
{
	if (!m)
		return;
	if (m->listen_fd >= 0) {
		close(m->listen_fd);
		unlink(m->dp->cfg->ctl_path);
	}
	if (m->epoll_fd >= 0)
		close(m->epoll_fd);
	if (m->timer_fd >= 0)
		close(m->timer_fd);
	hf_buf_free(&m->reply);
	free(m);
}

/* ---- neighbours and the HA peer (ha/dssd.h) ---- */

enum hf_neigh_learn_result hf_mprelay_learn(struct hf_dataplane *dp,
					    uint16_t port, uint32_t ip,
					    const uint8_t mac[6],
					    bool may_create, uint64_t now)
{
	enum hf_neigh_learn_result r;
	const struct hf_neigh *n;
	struct hf_dssd_neigh c = { .ip = ip, .port = port,
				   .state = HF_NEIGH_REACHABLE };

	r = hf_neigh_learn(dp->neigh, port, ip, mac, may_create, now);
	if (!dp->dssd || r > HF_NEIGH_LEARN_REFRESHED)
		return r;
	n = hf_neigh_sync_due(dp->neigh, port, ip, now);
	if (n) {
		memcpy(c.mac, n->mac, 6);
		hf_dssd_neigh_changed(dp->dssd, &c);
	}
	return r;
}

static void neigh_gone(const struct hf_neigh *n, void *arg)
{
	struct hf_dataplane *dp = arg;
	struct hf_dssd_neigh c = { .ip = n->ip, .port = n->port,
				   .del = true };

	/* only learned entries were ever sent */
	if (n->has_mac && !n->permanent)
		hf_dssd_neigh_changed(dp->dssd, &c);
}

uint32_t hf_mprelay_neigh_gc(struct hf_dataplane *dp, uint64_t now)
{
	return hf_neigh_gc_notify(dp->neigh, now, dp->dssd ? neigh_gone : NULL,
				  dp);
}

/* Is @ip a host of a subnet of port @p, real or virtual (the virtual
 * ones count while passive too: they are what a takeover uses)? */
static bool on_connected_subnet(const struct hf_l3_port *p, uint32_t ip)
{
	const struct hf_cfg_addr *a;
	uint32_t i, m;

	for (i = 0; i < p->naddr + p->nvaddr; i++) {
		a = i < p->naddr ? &p->addr[i] : &p->vaddr[i - p->naddr];
		m = a->len ? ~0u << (32 - a->len) : 0;
		if ((a->ip & m) != (ip & m) || ip == a->ip)
			continue;
		/* not the subnet's network or broadcast address */
		if (a->len <= 30 && ((ip & ~m) == 0 || (ip & ~m) == ~m))
			continue;
		return true;
	}
	return false;
}

/* Apply one peer record; true if the table now agrees with it. */
static bool apply_peer_neigh(struct hf_dataplane *dp, const struct hf_l3 *l3,
			     const struct hf_dssd_neigh *n, uint64_t now)
{
	const struct hf_neigh *cur;

	if (n->port >= dp->nports || n->port >= l3->nports ||
	    !on_connected_subnet(&l3->port[n->port], n->ip))
		return false;
	if (!n->del) {
		if (n->state != HF_NEIGH_REACHABLE &&
		    n->state != HF_NEIGH_STALE)
			return false;
		/* refuses a bad MAC, a permanent entry, a full table */
		return hf_neigh_install(dp->neigh, n->port, n->ip, n->mac,
					n->state == HF_NEIGH_STALE, now) >= 0;
	}
	cur = hf_neigh_lookup(dp->neigh, n->port, n->ip);
	if (cur && cur->permanent)
		return false;	/* configured here: not the peer's */
	if (cur)
		hf_neigh_del(dp->neigh, n->port, n->ip);
	return true;
}

uint32_t hf_mprelay_apply_peer_neigh(struct hf_dataplane *dp, uint64_t now,
				     uint32_t max)
{
	const struct hf_l3 *l3;
	struct hf_dssd_neigh n;
	uint32_t k = 0;

	if (!dp->dssd)
		return 0;
	l3 = hf_dp_l3(dp);
	while (k < max && hf_dssd_neigh_take(dp->dssd, &n)) {
		k++;
		hf_dssd_neigh_result(dp->dssd,
				     apply_peer_neigh(dp, l3, &n, now));
	}
	return k;
}

/* ---- worker events ---- */

static void handle_event(struct hf_mprelay *m, const struct hf_event *ev,
			 uint64_t now)
{
	struct hf_dataplane *dp = m->dp;
	enum hf_neigh_learn_result r;

	if (ev->port >= dp->nports)
		return;
	switch (ev->type) {
	case HF_EV_NEIGH_RESOLVE:
		hf_neigh_resolve(dp->neigh, ev->port, ev->ip, now);
		break;
	case HF_EV_NEIGH_LEARN:
		r = hf_mprelay_learn(dp, ev->port, ev->ip, ev->mac,
				     ev->may_create, now);
		if (r >= HF_NEIGH_LEARN_BAD_MAC)
			m->learn_refused++;
		break;
	}
}

static void drain_events(struct hf_mprelay *m)
{
	struct hf_dataplane *dp = m->dp;
	uint64_t now = hf_now_ns(), cnt;
	struct hf_event ev;
	uint32_t i, n = 0, peer;

	if (read(dp->event_fd, &cnt, sizeof(cnt)) < 0 && errno != EAGAIN)
		log_warn("mprelay: reading the worker event fd: %s",
			 strerror(errno));
	for (i = 0; i < dp->nworkers; i++)
		while (n < MAX_EVENTS_PER_WAKE &&
		       hf_event_pop(&dp->worker[i]->events, &ev)) {
			handle_event(m, &ev, now);
			n++;
		}
	/* the HA peer's neighbours (passive node), woken the same way */
	peer = hf_mprelay_apply_peer_neigh(dp, now, MAX_EVENTS_PER_WAKE);
	/* bounded per wake-up; if more remain, come back at once */
	if (n == MAX_EVENTS_PER_WAKE || peer == MAX_EVENTS_PER_WAKE) {
		cnt = 1;
		if (write(dp->event_fd, &cnt, sizeof(cnt)) < 0)
			log_warn("mprelay: re-arming the event fd: %s",
				 strerror(errno));
	}
}

static void on_tick(struct hf_mprelay *m)
{
	uint64_t expirations;

	if (read(m->timer_fd, &expirations, sizeof(expirations)) < 0)
		return;
	hf_mprelay_neigh_gc(m->dp, hf_now_ns());
}

/*
 * The ager: every tick looks at a tenth of the session slots, so each
 * session is checked once a second and no tick stalls the control
 * socket for long. Runs RCU-offline (it waits for grace periods).
 */
static void age_sessions(struct hf_mprelay *m)
{
	struct hf_sess_table *t = m->dp->sessions;
	uint32_t budget = hf_sess_params_of(t)->max / (1000 / TICK_MS) + 1;
	struct hf_sess_info info;

	hf_sess_reap_expired(t, hf_now_ns(), budget);
	if (++m->ticks % (1000 / TICK_MS))
		return;
	hf_sess_info(t, &info);
	__atomic_store_n(&m->dp->sess_setup_rate,
			 info.created - m->sess_created_last, __ATOMIC_RELAXED);
	m->sess_created_last = info.created;
}

/*
 * A capture that finished by itself has flushed its file already; close
 * it and free its rings. Runs RCU-offline (it waits for a grace period).
 */
static void reap_capture(struct hf_mprelay *m)
{
	struct hf_dataplane *dp = m->dp;
	struct hf_capture_stats st;
	const char *why;

	if (!dp->cap.running)
		return;
	/* mprelay is the only writer of the pointer: no read lock */
	hf_capture_stats(rcu_dereference(dp->capture), &st);
	why = hf_capture_end_reason(&st);
	if (why)
		hf_dp_capture_stop(dp, why);
}

/* ---- control clients ---- */

static int split_request(char *line, char **argv)
{
	char *save = NULL, *tok;
	int argc = 0;

	for (tok = strtok_r(line, " \t\r\n", &save); tok;
	     tok = strtok_r(NULL, " \t\r\n", &save)) {
		if (argc == HF_CTL_MAX_WORDS)
			return -1;
		argv[argc++] = tok;
	}
	return argc;
}

static void write_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n <= 0)
			return;	/* client gone or too slow: its loss */
		p += n;
		len -= (size_t)n;
	}
}

/* Read one request line; false if the client sent nothing usable. */
static bool read_request(int fd, char *req, size_t cap)
{
	size_t len = 0;

	while (len < cap - 1) {
		ssize_t n = read(fd, req + len, cap - 1 - len);

		if (n <= 0)
			return false;
		len += (size_t)n;
		if (memchr(req, '\n', len))
			break;
	}
	req[len] = '\0';
	return memchr(req, '\n', len) != NULL;
}

static void serve_client(struct hf_mprelay *m, int fd)
{
	struct timeval tv = { .tv_sec = HF_CTL_TIMEOUT_MS / 1000,
			      .tv_usec = (HF_CTL_TIMEOUT_MS % 1000) * 1000 };
	char req[HF_CTL_REQ_MAX], err[512];
	char *argv[HF_CTL_MAX_WORDS];
	struct ucred cred;
	socklen_t len = sizeof(cred);
	int argc, rc;

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) ||
	    cred.uid != 0) {
		write_all(fd, HF_CTL_STATUS_ERR "permission denied (root only)\n",
			  strlen(HF_CTL_STATUS_ERR) + 29);
		return;
	}
	if (!read_request(fd, req, sizeof(req))) {
		write_all(fd, HF_CTL_STATUS_ERR "request too long or incomplete\n",
			  strlen(HF_CTL_STATUS_ERR) + 31);
		return;
	}
	argc = split_request(req, argv);
	if (argc <= 0) {
		write_all(fd, HF_CTL_STATUS_ERR "empty or overlong command\n",
			  strlen(HF_CTL_STATUS_ERR) + 27);
		return;
	}
	hf_buf_reset(&m->reply);
	hf_rcu_online();
	rc = hf_cmd_exec(m->dp, argc, argv, &m->reply, err, sizeof(err));
	hf_rcu_offline();
	if (!rc && hf_buf_failed(&m->reply)) {
		rc = -ENOMEM;
		snprintf(err, sizeof(err), "out of memory building the reply");
	}
	if (rc) {
		char line[600];
		int n = snprintf(line, sizeof(line), "%s%s\n",
				 HF_CTL_STATUS_ERR, err);

		write_all(fd, line, (size_t)HF_MIN(n, (int)sizeof(line) - 1));
		return;
	}
	write_all(fd, HF_CTL_STATUS_OK, strlen(HF_CTL_STATUS_OK));
	if (m->reply.len)
		write_all(fd, m->reply.data, m->reply.len);
}

static void accept_clients(struct hf_mprelay *m)
{
	int fd;

	while ((fd = accept4(m->listen_fd, NULL, NULL, SOCK_CLOEXEC)) >= 0) {
		serve_client(m, fd);
		close(fd);
	}
}

/* ---- the loop ---- */

static void *mprelay_main(void *arg)
{
	struct hf_mprelay *m = arg;
	struct hf_dataplane *dp = m->dp;
	struct epoll_event evs[8];

	__atomic_store_n(&dp->mprelay_tid, (pid_t)syscall(SYS_gettid),
			 __ATOMIC_RELAXED);
	hf_rcu_register_offline();
	while (!__atomic_load_n(&m->stop, __ATOMIC_RELAXED)) {
		int n = epoll_wait(m->epoll_fd, evs, 8, TICK_MS);
		int i;

		if (n < 0 && errno != EINTR) {
			log_err("mprelay: epoll_wait: %s", strerror(errno));
			break;
		}
		for (i = 0; i < n; i++) {
			int fd = evs[i].data.fd;

			if (fd == m->listen_fd) {
				accept_clients(m);
				continue;
			}
			hf_rcu_online();
			if (fd == dp->event_fd)
				drain_events(m);
			else if (fd == m->timer_fd)
				on_tick(m);
			hf_rcu_offline();
			/* FIB groups freed by deletes wait for a grace
			 * period; let them become reusable while offline */
			if (fd == m->timer_fd) {
				hf_fib_reclaim(dp->fib);
				age_sessions(m);
				reap_capture(m);
			}
		}
	}
	/* the workers are gone (or going): what they captured is in the
	 * rings, and the file gets all of it */
	if (dp->cap.running)
		hf_dp_capture_stop(dp, "shutdown");
	hf_rcu_unregister_offline();
	return NULL;
}

int hf_mprelay_start(struct hf_mprelay *m)
{
	int rc = pthread_create(&m->thread, NULL, mprelay_main, m);

	if (rc)
		return -rc;
	pthread_setname_np(m->thread, "mprelay");
	m->started = true;
	return 0;
}

void hf_mprelay_stop(struct hf_mprelay *m)
{
	if (!m || !m->started)
		return;
	__atomic_store_n(&m->stop, true, __ATOMIC_RELAXED);
	pthread_join(m->thread, NULL);
	m->started = false;
}
