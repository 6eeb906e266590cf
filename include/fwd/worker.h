/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fwd/worker.h - a pan_task worker: one thread, pinned to one core,
 * busy-polling the AF_XDP sockets of queue N of every port.
 *
 * Loop: rx burst per socket -> pipeline -> flush every TX staging queue
 * -> reclaim completions -> refill fill rings -> hold-queue scan ->
 * quiescent state. No locks, no malloc, no logging, no per-packet system
 * call (one sendto() kick per TX flush when the ring asks for it).
 *
 * Concurrency: everything in struct hf_worker is owned by the worker
 * thread, except: stats (read by mprelay with relaxed loads), events
 * (SPSC ring, consumed by mprelay), loops/busy_loops/tid/cpu (read by
 * mprelay for `show threads`; loops also by dha, as the worker's
 * heartbeat: it advances every iteration, at least every 10 ms while
 * idle in adaptive mode). Worker 0 also sends the HA path probes that
 * dha posts on dp->probe (hf_pipeline_probe_tx()). The worker is an
 * RCU-QSBR reader, online while it runs and offline while it sleeps in
 * adaptive poll mode.
 *
 * Packet capture (fwd/capture.h): the worker takes dp->capture once per
 * loop into w->capture and uses that snapshot until its quiescent
 * state; without a capture each capture point costs one NULL test.
 */
#ifndef HF_FWD_WORKER_H
#define HF_FWD_WORKER_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/compiler.h"
#include "control/config.h"
#include "fwd/capture.h"
#include "fwd/event.h"
#include "fwd/firewall.h"
#include "fwd/hold.h"
#include "fwd/stats.h"
#include "fwd/umem.h"
#include "fwd/xsk.h"
#include "pkt/hdr.h"

#define HF_BURST	256
_Static_assert(HF_BURST <= HF_SESS_BURST_MAX,
	       "a whole RX burst fits the firewall lookahead");
#define HF_TXQ_MAX	512	/* staged frames per egress port per loop */

struct hf_dataplane;

/* Frames waiting to be placed on one port's TX ring. */
struct hf_txq {
	uint32_t n;
	uint64_t addr[HF_TXQ_MAX];
	uint32_t len[HF_TXQ_MAX];
};

/* Token bucket for ICMP errors (RFC 1812 4.3.2.8). */
struct hf_tbucket {
	uint64_t tokens_milli;	/* thousandths of a token */
	uint64_t last_ns;
	uint32_t rate;		/* tokens per second */
	uint32_t burst;
};

struct hf_worker {
	/* hot: touched every loop */
	struct hf_dataplane *dp;
	struct hf_capture *capture;		/* dp->capture, this loop */
	uint32_t id;
	uint32_t nxsk;
	uint16_t drop_port;			/* port drop captures name: the
						 * RX burst's, or the egress
						 * port of the hold slot being
						 * scanned */
	struct hf_umem umem;
	struct hf_xsk xsk[HF_MAX_PORTS];	/* index = port index */
	struct hf_txq txq[HF_MAX_PORTS];
	struct hf_hold hold;
	struct hf_tbucket icmp_bucket;
	uint64_t now_ns;			/* sampled once per loop */
	struct hf_worker_stats stats;
	struct hf_port_stats port_stats[HF_MAX_PORTS];
	struct hf_event_ring events;
	struct hf_fw_ahead fw_ahead;		/* this RX burst's sessions */
	/* worker 0: gratuitous ARPs of the last takeover (hf_l3) */
	uint32_t garp_gen;
	uint32_t garp_left;
	uint64_t garp_next_ns;
	/* cold */
	int wake_fd;				/* eventfd: ends an idle sleep */
	uint64_t loops;				/* atomic, for show threads */
	uint64_t busy_loops;			/* atomic */
	int cpu;				/* -1: not pinned */
	pid_t tid;				/* atomic */
	pthread_t thread;
	bool started;
	enum hf_poll_mode poll_mode;
	uint32_t idle_spin;
	uint32_t priority;
	char err[256];
};

/**
 * hf_worker_create() - allocate worker @id of @dp and open its sockets:
 * one per port on rx queue @id, on one UMEM. Tries zero-copy first when
 * the config allows (bind-mode auto), then copy mode.
 * Return: the worker, or NULL with the reason in @err.
 */
struct hf_worker *hf_worker_create(struct hf_dataplane *dp, uint32_t id,
				   char *err, size_t errlen);

/** hf_worker_start() - start the pan_task/@id thread. 0 or -errno. */
int hf_worker_start(struct hf_worker *w);

/** hf_worker_join() - wait for a worker that saw dp->stop. */
void hf_worker_join(struct hf_worker *w);

/** hf_worker_destroy() - close sockets, free the UMEM and @w. */
void hf_worker_destroy(struct hf_worker *w);

/**
 * hf_worker_wake() - end @w's idle sleep now (adaptive poll mode), e.g.
 * after publishing something it must act on at once. Any thread.
 */
void hf_worker_wake(struct hf_worker *w);

/** hf_worker_zerocopy() - are this worker's sockets in zero-copy mode? */
bool hf_worker_zerocopy(const struct hf_worker *w);

/* ---- used by the pipeline (fwd/pipeline.c) ---- */

/** hf_worker_tx() - stage a frame for @port; flushes when staging fills. */
void hf_worker_tx(struct hf_worker *w, uint16_t port, uint64_t addr,
		  uint32_t len);

/**
 * hf_worker_capture() - offer the frame at @frame (its Ethernet header)
 * of @len bytes to stage @s of the running capture w->capture (not
 * NULL). @len 0: the frame holds a parsed IPv4 packet behind a 14-byte
 * Ethernet header, and its total length decides. Never reads past the
 * UMEM frame. Call only when hf_capture_wants(w->capture, @s).
 */
void hf_worker_capture(struct hf_worker *w, enum hf_cap_stage s,
		       uint16_t port, uint64_t frame, uint32_t len,
		       enum hf_counter reason);

/*
 * Dropping a frame: the one place a frame dies with a reason. It is
 * counted, offered to the drop stage of a running capture (with the
 * reason, which the capture's sidecar file names), and returned to the
 * pool. The variants only say where the frame starts and how long it
 * is, so that drop captures hold exactly the frame:
 *  - hf_worker_drop_frame(): @frame is the Ethernet header, @len bytes;
 *  - hf_worker_drop_ip(): @ip_addr is an IPv4 header of @ip_len bytes
 *    of packet, behind its Ethernet header;
 *  - hf_worker_drop(): @ip_addr is a parsed IPv4 header behind its
 *    Ethernet header; the capture takes the length from its total
 *    length field (for callers that do not pass it);
 *  - hf_worker_drop_at(): as hf_worker_drop_frame(), naming @port.
 * The first three name w->drop_port.
 */
static inline void hf_worker_drop_at(struct hf_worker *w, uint16_t port,
				     uint64_t frame, uint32_t len,
				     enum hf_counter reason)
{
	hf_cnt_add(&w->stats.c[reason], 1);
	if (unlikely(hf_capture_wants(w->capture, HF_CAP_DROP)))
		hf_worker_capture(w, HF_CAP_DROP, port, frame, len, reason);
	hf_frame_free(&w->umem, frame);
}

static inline void hf_worker_drop_frame(struct hf_worker *w, uint64_t frame,
					uint32_t len, enum hf_counter reason)
{
	hf_worker_drop_at(w, w->drop_port, frame, len, reason);
}

static inline void hf_worker_drop_ip(struct hf_worker *w, uint64_t ip_addr,
				     uint32_t ip_len, enum hf_counter reason)
{
	hf_worker_drop_at(w, w->drop_port, ip_addr - HF_ETH_HLEN,
			  ip_len + HF_ETH_HLEN, reason);
}

static inline void hf_worker_drop(struct hf_worker *w, uint64_t ip_addr,
				  enum hf_counter reason)
{
	hf_worker_drop_at(w, w->drop_port, ip_addr - HF_ETH_HLEN, 0, reason);
}

static inline void hf_worker_count(struct hf_worker *w, enum hf_counter c)
{
	hf_cnt_add(&w->stats.c[c], 1);
}

/** hf_worker_event() - send an event to mprelay (counted if lost). */
void hf_worker_event(struct hf_worker *w, const struct hf_event *ev);

#endif /* HF_FWD_WORKER_H */
