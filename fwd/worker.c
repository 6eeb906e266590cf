// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * worker.c - pan_task worker threads: socket set-up and the busy-poll
 * loop (see fwd/worker.h).
 *
 * Ring discipline: never spin on a ring. A short TX reservation drops
 * the excess (drop_tx_ring_full); a short fill refill is counted
 * (fq_short) and retried next loop. Kicks happen only when the kernel
 * asks for them (need_wakeup) and are counted.
 *
 * Capture: the tx stage sees every frame as it is placed on a TX ring
 * (flush_port), so a frame refused by a full ring appears only as a
 * drop (drop_tx_ring_full).
 */
#include "fwd/worker.h"

#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/log.h"
#include "common/rcu.h"
#include "common/time.h"
#include "fwd/dataplane.h"
#include "fwd/pipeline.h"

#define IDLE_POLL_MS		10
/* frames the kernel sends per copy-mode kick without a TX budget */
#define XSK_TX_BATCH		32
/* Kicks per flush: copy-mode TX sends at most 32 frames per sendto() */
#define MAX_KICKS		64

static uint32_t frames_needed(const struct hf_config *cfg, uint32_t nports)
{
	/* each port: a full fill ring, a full TX ring, an RX ring in
	 * flight; plus the hold queue, staging and fragments */
	return nports * (cfg->rx_ring * 3 + cfg->tx_ring) +
	       HF_HOLD_SLOTS * HF_HOLD_PER_SLOT_MAX + 2 * HF_TXQ_MAX;
}

static void close_sockets(struct hf_worker *w)
{
	uint32_t i;

	for (i = 0; i < w->nxsk; i++)
		hf_xsk_close(&w->xsk[i]);
	w->nxsk = 0;
	hf_umem_destroy(&w->umem);
}

static int open_sockets(struct hf_worker *w, bool zerocopy, char *err,
			size_t errlen)
{
	struct hf_dataplane *dp = w->dp;
	const struct hf_config *cfg = dp->cfg;
	uint32_t i;
	int rc;

	rc = hf_umem_create(&w->umem, frames_needed(cfg, dp->nports),
			    cfg->rx_ring * 2, cfg->tx_ring, &w->xsk[0].fq,
			    &w->xsk[0].cq);
	if (rc) {
		snprintf(err, errlen, "worker %u: UMEM of %u frames: %s",
			 w->id, frames_needed(cfg, dp->nports), strerror(-rc));
		return rc;
	}
	for (i = 0; i < dp->nports; i++) {
		rc = hf_xsk_open(&w->xsk[i], &w->umem, &dp->port[i],
				 (uint16_t)i, w->id, cfg->rx_ring, cfg->tx_ring,
				 cfg->tx_budget, zerocopy, err, errlen);
		if (rc)
			break;
		w->nxsk = i + 1;
	}
	if (rc)
		close_sockets(w);
	return rc;
}

struct hf_worker *hf_worker_create(struct hf_dataplane *dp, uint32_t id,
				   char *err, size_t errlen)
{
	const struct hf_config *cfg = dp->cfg;
	enum hf_bind_mode mode = cfg->port[0].bind_mode;
	struct hf_worker *w;
	uint32_t i;
	int rc = -EINVAL;

	/* aligned_alloc: the struct holds cache-line aligned members */
	w = aligned_alloc(HF_CACHELINE,
			  (sizeof(*w) + HF_CACHELINE - 1) & ~(size_t)(HF_CACHELINE - 1));
	if (!w) {
		snprintf(err, errlen, "worker %u: out of memory", id);
		return NULL;
	}
	memset(w, 0, sizeof(*w));
	w->dp = dp;
	w->id = id;
	w->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (w->wake_fd < 0) {
		snprintf(err, errlen, "worker %u: eventfd: %s", id,
			 strerror(errno));
		free(w);
		return NULL;
	}
	w->cpu = cfg->ncores ? (int)cfg->cores[id] : -1;
	w->poll_mode = cfg->poll_mode;
	w->idle_spin = cfg->idle_spin;
	w->priority = cfg->worker_priority;
	hf_hold_init(&w->hold, cfg->arp_hold);
	w->icmp_bucket.rate = cfg->icmp_rate;
	w->icmp_bucket.burst = cfg->icmp_burst;
	w->icmp_bucket.tokens_milli = (uint64_t)cfg->icmp_burst * 1000;
	w->icmp_bucket.last_ns = hf_now_ns();
	for (i = 1; i < cfg->nports; i++)
		if (cfg->port[i].bind_mode != HF_BIND_AUTO)
			mode = cfg->port[i].bind_mode;
	if (mode != HF_BIND_COPY) {
		rc = open_sockets(w, true, err, errlen);
		if (rc && mode == HF_BIND_AUTO)
			log_info("worker %u: zero-copy unavailable (%s); using copy mode",
				 id, err);
	}
	if (rc && mode != HF_BIND_ZEROCOPY)
		rc = open_sockets(w, false, err, errlen);
	if (rc) {
		close(w->wake_fd);
		free(w);
		return NULL;
	}
	for (i = 0; i < w->nxsk; i++) {
		rc = hf_port_bind_queue(&dp->port[i], id, w->xsk[i].fd);
		if (rc) {
			snprintf(err, errlen,
				 "port '%s': entering queue %u in the XSKMAP: %s",
				 dp->port[i].name, id, strerror(-rc));
			hf_worker_destroy(w);
			return NULL;
		}
	}
	return w;
}

bool hf_worker_zerocopy(const struct hf_worker *w)
{
	struct xdp_options opts;
	socklen_t len = sizeof(opts);

	if (!w->nxsk || getsockopt(w->xsk[0].fd, SOL_XDP, XDP_OPTIONS, &opts,
				   &len))
		return false;
	return opts.flags & XDP_OPTIONS_ZEROCOPY;
}

void hf_worker_destroy(struct hf_worker *w)
{
	if (!w)
		return;
	close_sockets(w);
	if (w->wake_fd >= 0)
		close(w->wake_fd);
	free(w);
}

void hf_worker_wake(struct hf_worker *w)
{
	uint64_t one = 1;

	/* a full counter is a pending wake-up already */
	if (write(w->wake_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		log_warn("pan_task/%u: wake-up failed: %s", w->id,
			 strerror(errno));
}

/* ---- rings ---- */

/* Descriptors on the TX ring the kernel has not consumed yet. */
static inline uint32_t tx_unsent(const struct hf_xsk *s)
{
	return *s->tx.producer - __atomic_load_n(s->tx.consumer,
						  __ATOMIC_ACQUIRE);
}

/*
 * Ask the kernel to send what is on the ring. Only when it asked for a
 * wake-up and something is unsent: an idle ring costs no system call.
 */
static void kick_tx(struct hf_worker *w, struct hf_xsk *s)
{
	int i;

	for (i = 0; i < MAX_KICKS && tx_unsent(s); i++) {
		if (!xsk_ring_prod__needs_wakeup(&s->tx))
			return;
		hf_worker_count(w, HF_CNT_tx_kicks);
		if (sendto(s->fd, NULL, 0, MSG_DONTWAIT, NULL, 0) >= 0)
			continue;
		/* EAGAIN: more than one batch queued; ENOBUFS/EBUSY: the
		 * device is busy, completions will free room: retry later */
		if (errno != EAGAIN) {
			if (errno != ENOBUFS && errno != EBUSY)
				hf_worker_count(w, HF_CNT_tx_kick_errors);
			return;
		}
	}
}

static void flush_port(struct hf_worker *w, uint16_t port)
{
	struct hf_txq *q = &w->txq[port];
	struct hf_xsk *s = &w->xsk[port];
	struct hf_port_stats *ps = &w->port_stats[port];
	uint32_t idx = 0, n, i;
	uint64_t bytes = 0;
	bool cap;

	if (!q->n)
		return;
	n = xsk_ring_prod__reserve(&s->tx, q->n, &idx);
	if (n < q->n) {
		/* ring full: the kernel is behind; drop rather than spin */
		n = xsk_ring_prod__reserve(&s->tx,
					   xsk_prod_nb_free(&s->tx, q->n), &idx);
		for (i = n; i < q->n; i++)
			hf_worker_drop_at(w, port, q->addr[i], q->len[i],
					  HF_CNT_drop_tx_ring_full);
	}
	cap = hf_capture_wants(w->capture, HF_CAP_TX);
	for (i = 0; i < n; i++) {
		struct xdp_desc *d = xsk_ring_prod__tx_desc(&s->tx, idx + i);

		if (unlikely(cap))
			hf_worker_capture(w, HF_CAP_TX, port, q->addr[i],
					  q->len[i], HF_CNT_tx_packets);
		d->addr = q->addr[i];
		d->len = q->len[i];
		d->options = 0;
		bytes += q->len[i];
	}
	if (n) {
		xsk_ring_prod__submit(&s->tx, n);
		s->tx_outstanding += n;
		hf_cnt_add(&w->stats.c[HF_CNT_tx_packets], n);
		hf_cnt_add(&w->stats.c[HF_CNT_tx_bytes], bytes);
		hf_cnt_add(&ps->tx_packets, n);
		hf_cnt_add(&ps->tx_bytes, bytes);
	}
	q->n = 0;
	/* a full kick's worth goes out now; a smaller rest waits for the end
	 * of the loop, where the kick (or the poll() of a worker going to
	 * sleep, which drives copy-mode TX too) sends everything at once */
	if (tx_unsent(s) >= (s->tx_budget ? s->tx_budget : XSK_TX_BATCH))
		kick_tx(w, s);
}

void hf_worker_tx(struct hf_worker *w, uint16_t port, uint64_t addr,
		  uint32_t len)
{
	struct hf_txq *q = &w->txq[port];

	if (unlikely(port >= w->nxsk)) {
		hf_worker_drop_at(w, port, addr, len, HF_CNT_drop_port_down);
		return;
	}
	if (unlikely(q->n == HF_TXQ_MAX))
		flush_port(w, port);
	q->addr[q->n] = addr;
	q->len[q->n++] = len;
}

void hf_worker_capture(struct hf_worker *w, enum hf_cap_stage s,
		       uint16_t port, uint64_t frame, uint32_t len,
		       enum hf_counter reason)
{
	const uint8_t *p = hf_umem_ptr(&w->umem, frame);
	uint32_t room = HF_FRAME_SIZE - (uint32_t)(frame & (HF_FRAME_SIZE - 1));

	if (!len) {
		const struct hf_ipv4 *ip =
			(const struct hf_ipv4 *)(p + HF_ETH_HLEN);

		len = HF_ETH_HLEN + ntohs(ip->tot_len);
	}
	/* a wrong length must not make the capture read another frame */
	len = HF_MIN(len, room);
	hf_capture_packet(w->capture, w->id, s, port, p, len, (uint16_t)reason,
			  hf_now_ns());
}

static void reclaim(struct hf_worker *w, struct hf_xsk *s)
{
	uint32_t idx = 0, n, i;

	if (!s->tx_outstanding)
		return;
	n = xsk_ring_cons__peek(&s->cq, s->tx_outstanding, &idx);
	for (i = 0; i < n; i++)
		hf_frame_free(&w->umem, *xsk_ring_cons__comp_addr(&s->cq, idx + i));
	if (n) {
		xsk_ring_cons__release(&s->cq, n);
		s->tx_outstanding -= n;
	}
}

static void refill(struct hf_worker *w, struct hf_xsk *s)
{
	uint32_t want = xsk_prod_nb_free(&s->fq, s->fq.size);
	uint32_t idx = 0, n, i;

	if (!want)
		return;
	if (want > w->umem.nfree) {
		hf_worker_count(w, HF_CNT_fq_short);
		want = w->umem.nfree;
	}
	/* keep a reserve for ARP, ICMP and fragments */
	if (want > HF_TXQ_MAX && w->umem.nfree - want < HF_TXQ_MAX)
		want -= HF_TXQ_MAX;
	if (!want)
		return;
	n = xsk_ring_prod__reserve(&s->fq, want, &idx);
	for (i = 0; i < n; i++)
		*xsk_ring_prod__fill_addr(&s->fq, idx + i) =
			hf_frame_alloc(&w->umem) - HF_FRAME_HEADROOM;
	xsk_ring_prod__submit(&s->fq, n);
}

void hf_worker_event(struct hf_worker *w, const struct hf_event *ev)
{
	uint64_t one = 1;
	bool was_empty;

	if (!hf_event_push(&w->events, ev, &was_empty)) {
		hf_worker_count(w, HF_CNT_event_ring_full);
		return;
	}
	/* one wake-up per batch: mprelay drains the whole ring */
	if (was_empty && write(w->dp->event_fd, &one, sizeof(one)) < 0)
		hf_worker_count(w, HF_CNT_event_wakeup_failed);
}

/* ---- the loop ---- */

static uint32_t rx_port(struct hf_worker *w, const struct hf_l3 *l3,
			struct hf_xsk *s)
{
	struct xdp_desc desc[HF_BURST];
	uint32_t idx = 0, n, i;

	n = xsk_ring_cons__peek(&s->rx, HF_BURST, &idx);
	if (!n)
		return 0;
	/* copy the descriptors out so the ring slots go back at once */
	for (i = 0; i < n; i++)
		desc[i] = *xsk_ring_cons__rx_desc(&s->rx, idx + i);
	xsk_ring_cons__release(&s->rx, n);
	hf_pipeline_rx(w, l3, s->port, desc, n);
	return n;
}

static void sleep_until_traffic(struct hf_worker *w)
{
	struct pollfd pfd[HF_MAX_PORTS + 1];
	uint64_t v;
	uint32_t i;

	for (i = 0; i < w->nxsk; i++) {
		pfd[i].fd = w->xsk[i].fd;
		pfd[i].events = POLLIN;
	}
	pfd[i].fd = w->wake_fd;
	pfd[i].events = POLLIN;
	/* offline: a sleeping reader must not hold up grace periods */
	hf_rcu_offline();
	if (poll(pfd, w->nxsk + 1, IDLE_POLL_MS) > 0)
		hf_worker_count(w, HF_CNT_rx_wakeups);
	if (pfd[w->nxsk].revents & POLLIN &&
	    read(w->wake_fd, &v, sizeof(v)) < 0)
		hf_worker_count(w, HF_CNT_event_wakeup_failed);
	hf_rcu_online();
}

static void pin_self(struct hf_worker *w)
{
	struct sched_param sp = { .sched_priority = (int)w->priority };
	cpu_set_t set;
	int rc;

	if (w->cpu >= 0) {
		CPU_ZERO(&set);
		CPU_SET(w->cpu, &set);
		rc = pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
		if (rc)
			log_warn("pan_task/%u: cannot pin to CPU %d: %s", w->id,
				 w->cpu, strerror(rc));
	}
	/*
	 * Above the kernel's NAPI threads on the same core, the worker runs
	 * whenever it has frames and sleeps when it has none, so receive
	 * work is done only as fast as the worker consumes it: no CPU is
	 * spent copying frames into a ring that is full (receive livelock).
	 */
	if (!w->priority)
		return;
	rc = pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp);
	if (rc)
		log_warn("pan_task/%u: cannot set SCHED_FIFO priority %u: %s",
			 w->id, w->priority, strerror(rc));
}

static void *worker_main(void *arg)
{
	struct hf_worker *w = arg;
	struct hf_dataplane *dp = w->dp;
	uint32_t idle = 0, i;

	__atomic_store_n(&w->tid, (pid_t)syscall(SYS_gettid), __ATOMIC_RELAXED);
	pin_self(w);
	urcu_qsbr_register_thread();
	for (i = 0; i < w->nxsk; i++)
		refill(w, &w->xsk[i]);
	while (!hf_dp_stopping(dp)) {
		const struct hf_l3 *l3 = hf_dp_l3(dp);
		uint32_t got = 0;

		/* like l3: held until the quiescent state below */
		w->capture = rcu_dereference(dp->capture);
		hf_tsan_acquire(w->capture);
		w->now_ns = hf_now_ns();
		for (i = 0; i < w->nxsk; i++)
			got += rx_port(w, l3, &w->xsk[i]);
		if (w->hold.used)
			hf_pipeline_hold_scan(w, l3);
		if (unlikely(l3->announce != w->garp_gen || w->garp_left) &&
		    w->id == 0)
			hf_pipeline_announce(w, l3);
		/* HA path probes from dha: one load while the ring is empty */
		if (w->id == 0 && dp->probe &&
		    unlikely(hf_dp_probe_pending(dp->probe)))
			hf_pipeline_probe_tx(w, l3);
		for (i = 0; i < w->nxsk; i++)
			flush_port(w, (uint16_t)i);
		for (i = 0; i < w->nxsk; i++) {
			reclaim(w, &w->xsk[i]);
			refill(w, &w->xsk[i]);
		}
		/* no table pointer (l3, neighbours, next hops, the
		 * capture) is used past here */
		urcu_qsbr_quiescent_state();
		hf_cnt_add(&w->loops, 1);
		if (got) {
			hf_cnt_add(&w->busy_loops, 1);
			idle = 0;
		} else if (w->poll_mode == HF_POLL_ADAPTIVE && !w->hold.used &&
			   !w->garp_left && ++idle > w->idle_spin) {
			/* poll() sends what is left on the TX rings: one
			 * system call instead of a kick and a poll */
			sleep_until_traffic(w);
			idle = 0;
		} else {
			/* no new frames: nothing to batch up any more */
			for (i = 0; i < w->nxsk; i++)
				kick_tx(w, &w->xsk[i]);
		}
	}
	urcu_qsbr_unregister_thread();
	return NULL;
}

int hf_worker_start(struct hf_worker *w)
{
	char name[16];
	int rc;

	rc = pthread_create(&w->thread, NULL, worker_main, w);
	if (rc)
		return -rc;
	w->started = true;
	snprintf(name, sizeof(name), "pan_task/%u", w->id);
	pthread_setname_np(w->thread, name);
	return 0;
}

void hf_worker_join(struct hf_worker *w)
{
	if (w && w->started) {
		pthread_join(w->thread, NULL);
		w->started = false;
	}
}
