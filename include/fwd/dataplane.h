/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fwd/dataplane.h - the state shared by all threads of one hafwd:
 * tables, ports, workers, and the per-port L3 view the workers use.
 *
 * Concurrency:
 *  - fib, nh, neigh: written by mprelay only (see their headers).
 *  - sessions: see fwd/session.h (workers create, mprelay reaps).
 *  - policy: RCU pointer, NULL = stateless router; replaced as a whole
 *    by mprelay (`policy load`), freed after a grace period.
 *  - l3: an immutable snapshot of every port's MAC, MTU and addresses,
 *    replaced as a whole by mprelay (rcu_xchg_pointer) and freed after a
 *    grace period; workers rcu_dereference it once per loop.
 *  - capture: RCU pointer, NULL = no packet capture; published and
 *    unpublished by mprelay only (hf_dp_capture_start/stop), which also
 *    owns cap, the description of the running or last capture. Workers
 *    rcu_dereference it once per loop (fwd/worker.h).
 *  - ports[]: set up by the main thread before any worker starts, then
 *    read-only.
 *  - stop: set by the main thread, read by everyone (relaxed).
 *  - probe: HA path probes (struct hf_dp_probe below): a request ring
 *    from dha to worker 0, and reply slots any worker writes and dha
 *    reads; allocated by hf_dp_init(), NULL in hand-made dataplanes.
 */
#ifndef HF_FWD_DATAPLANE_H
#define HF_FWD_DATAPLANE_H

#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>

#include "common/compiler.h"
#include "common/rcu.h"
#include "control/config.h"
#include "fwd/capture.h"
#include "fwd/port.h"

struct hf_dha;
struct hf_dssd;
struct hf_fib;
struct hf_ha_agent;
struct hf_nh_table;
struct hf_neigh_table;
struct hf_policy;
struct hf_sess_table;
struct hf_worker;
struct hf_port_stats;

struct hf_l3_port {
	uint8_t mac[6];			/* the port's own MAC */
	uint8_t src_mac[6];		/* what it sends from: the virtual
					 * MAC while HA-active, else mac */
	uint8_t vmac[6];
	bool has_vmac;
	bool vactive;			/* HA-active: vaddr[] are ours */
	uint32_t mtu;
	uint32_t naddr;
	struct hf_cfg_addr addr[HF_MAX_PORT_ADDRS];
	uint32_t nvaddr;		/* virtual addresses (config) */
	struct hf_cfg_addr vaddr[HF_MAX_PORT_ADDRS];
};

/*
 * HA in the snapshot: a standalone node is always "active". Only an
 * active node forwards and owns the virtual addresses and MACs; each
 * time a node becomes active the publisher bumps `announce`, and worker
 * 0 then sends garp_count gratuitous ARPs for every virtual address,
 * garp_interval_ns apart.
 */
struct hf_l3 {
	uint32_t nports;
	bool forward;			/* HA-active (or no HA) */
	uint32_t announce;		/* generation of the last takeover */
	uint32_t garp_count;
	uint64_t garp_interval_ns;
	struct hf_l3_port port[HF_MAX_PORTS];
	struct rcu_head rcu;
};

/*
 * HA path probes (issue 4 "dha"). Probes go out through the data ports,
 * which belong to the dataplane, so dha asks worker 0 to send them:
 *
 *   dha --hf_dp_probe_post()--> req[] --hf_dp_probe_take()--> worker 0
 *   worker 0: ICMP echo request from the egress port's own address,
 *             routed like any local packet (FIB, neighbour, hold queue)
 *   any worker: the matching echo reply -> reply[target] (atomic store)
 *   dha: reads reply[target] when the probe's interval is over
 *
 * On the wire: identifier HF_DP_PROBE_ID; sequence number target <<
 * HF_DP_PROBE_SEQ_SHIFT | (seq & HF_DP_PROBE_SEQ_LOW); a payload of
 * HF_DP_PROBE_PAYLOAD bytes, big-endian words: HF_DP_PROBE_MAGIC, the
 * token, the full 32-bit seq, the send time in microseconds (low 32
 * bits of the worker's clock). A reply counts only if identifier,
 * magic, token, target index, source address (target_ip[]) and ICMP
 * checksum all match: replies to another process's probes (same
 * identifier, other token) or from another host are not ours.
 *
 * Reply slot: HF_DP_PROBE_REPLY(seq, rtt_us) - the full seq of the last
 * probe answered and its round-trip time as the dataplane measured it
 * (send stamp echoed in the payload, receive stamp on arrival), so the
 * figure does not include dha's own wake-up delays. 0: nothing yet
 * (seq 0 is never sent).
 *
 * Concurrency: req[] is single-producer (dha: head) single-consumer
 * (worker 0: tail); the release store of head publishes a request, the
 * release store of tail hands the slot back, as in fwd/event.h. token
 * and target_ip[] are written by dha before it posts a probe for that
 * target (relaxed atomics) and read by the workers that check replies.
 * reply[] is stored by whichever worker receives the reply (relaxed: one
 * 64-bit word carries everything) and loaded by dha.
 */
#define HF_DP_PROBE_TARGETS	64	/* HF_HA_MAX_GROUPS * HF_HA_MAX_TARGETS */
#define HF_DP_PROBE_RING	64	/* requests in flight; power of two */
#define HF_DP_PROBE_ID		0x4846	/* ICMP echo identifier, "HF" */
#define HF_DP_PROBE_MAGIC	0x48466861u	/* payload tag, "HFha" */
#define HF_DP_PROBE_SEQ_SHIFT	10	/* wire seq: target in the top 6 bits */
#define HF_DP_PROBE_SEQ_LOW	0x3ffu
#define HF_DP_PROBE_PAYLOAD	16	/* magic, token, seq, send time */

_Static_assert(HF_DP_PROBE_TARGETS == HF_HA_MAX_GROUPS * HF_HA_MAX_TARGETS,
	       "one reply slot per path-group target");
_Static_assert(HF_DP_PROBE_TARGETS <= (1u << (16 - HF_DP_PROBE_SEQ_SHIFT)),
	       "a target index fits the top bits of the echo sequence");

#define HF_DP_PROBE_REPLY(seq, rtt_us)	\
	((uint64_t)(seq) << 32 | (uint32_t)(rtt_us))

/* One probe to send: an echo request to @dst for slot @target. */
struct hf_dp_probe_req {
	uint32_t dst;			/* host order */
	uint32_t seq;			/* full sequence number, never 0 */
	uint16_t target;		/* < HF_DP_PROBE_TARGETS */
};

struct hf_dp_probe {
	uint32_t head __hf_cacheline_aligned;	/* producer: dha */
	uint32_t tail __hf_cacheline_aligned;	/* consumer: worker 0 */
	struct hf_dp_probe_req req[HF_DP_PROBE_RING] __hf_cacheline_aligned;
	uint32_t token;				/* atomic, dha */
	uint32_t target_ip[HF_DP_PROBE_TARGETS];	/* atomic, dha */
	uint64_t reply[HF_DP_PROBE_TARGETS] __hf_cacheline_aligned;
};

/**
 * hf_dp_probe_post() - producer (dha): queue @r for worker 0.
 * Return: false if the ring is full (worker 0 is not draining it).
 */
static inline bool hf_dp_probe_post(struct hf_dp_probe *p,
				    const struct hf_dp_probe_req *r)
{
	uint32_t head = p->head;
	uint32_t tail = __atomic_load_n(&p->tail, __ATOMIC_ACQUIRE);

	if (head - tail >= HF_DP_PROBE_RING)
		return false;
	p->req[head & (HF_DP_PROBE_RING - 1)] = *r;
	__atomic_store_n(&p->head, head + 1, __ATOMIC_RELEASE);
	return true;
}

/**
 * hf_dp_probe_pending() - consumer (worker 0): is a request waiting?
 * The cheap per-loop test: one load of a line that changes only when
 * dha posts.
 */
static inline bool hf_dp_probe_pending(const struct hf_dp_probe *p)
{
	return __atomic_load_n(&p->head, __ATOMIC_RELAXED) != p->tail;
}

/** hf_dp_probe_take() - consumer (worker 0): the oldest request, or false. */
static inline bool hf_dp_probe_take(struct hf_dp_probe *p,
				    struct hf_dp_probe_req *r)
{
	uint32_t tail = p->tail;
	uint32_t head = __atomic_load_n(&p->head, __ATOMIC_ACQUIRE);

	if (tail == head)
		return false;
	*r = p->req[tail & (HF_DP_PROBE_RING - 1)];
	__atomic_store_n(&p->tail, tail + 1, __ATOMIC_RELEASE);
	return true;
}

#define HF_DP_CAP_FILTER_MAX	1024

/*
 * The capture mprelay runs, or ran last (for `capture status`). mprelay
 * only. Final statistics are kept once it has ended.
 */
struct hf_dp_capture {
	bool running;			/* dp->capture is this capture */
	bool ran;			/* the fields below describe one */
	uint32_t stages;		/* 1u << enum hf_cap_stage */
	uint64_t count;			/* 0: no limit */
	uint32_t snaplen;
	int64_t started;		/* CLOCK_REALTIME seconds */
	uint64_t started_ns;		/* CLOCK_MONOTONIC */
	uint64_t ended_ns;
	const char *ended;		/* why it ended; NULL while running */
	struct hf_capture_stats stats;	/* final, once ended */
	char file[PATH_MAX];
	char filter[HF_DP_CAP_FILTER_MAX];
};

struct hf_dataplane {
	const struct hf_config *cfg;
	struct hf_fib *fib;
	struct hf_nh_table *nh;
	struct hf_neigh_table *neigh;
	struct hf_sess_table *sessions;
	struct hf_policy *policy;		/* RCU pointer, may be NULL */
	uint64_t sess_setup_rate;		/* atomic: per second, mprelay */
	struct hf_l3 *l3;			/* RCU pointer */
	struct hf_capture *capture;		/* RCU pointer, may be NULL */
	struct hf_port port[HF_MAX_PORTS];
	uint32_t nports;
	struct hf_worker *worker[HF_MAX_WORKERS];
	uint32_t nworkers;
	struct hf_ha_agent *ha;			/* NULL: no HA; set before
						 * mprelay starts */
	struct hf_dha *dha;			/* NULL: no dha; set before
						 * mprelay starts */
	struct hf_dssd *dssd;			/* HA2 session sync, or NULL;
						 * set before mprelay starts */
	struct hf_dp_probe *probe;		/* HA path probes, see above */
	int event_fd;				/* workers -> mprelay wake-up */
	pthread_mutex_t l3_lock;		/* hf_dp_l3_edit() editors */
	bool stop;				/* atomic */
	pid_t main_tid;
	pid_t mprelay_tid;			/* atomic */
	/* last: written by mprelay, away from what workers read per loop */
	struct hf_dp_capture cap;		/* mprelay only */
};

/**
 * hf_l3_addr_for() - the address of @port whose subnet holds @ip, else
 * the port's first address, else 0. Used as ARP sender and ICMP source.
 */
/* the first of the @n addresses @a whose subnet holds @ip, or NULL */
static inline const struct hf_cfg_addr *hf_l3_subnet_of(
	const struct hf_cfg_addr *a, uint32_t n, uint32_t ip)
{
	uint32_t i;

	for (i = 0; i < n; i++) {
		uint32_t m = a[i].len ? ~0u << (32 - a[i].len) : 0;

		if ((a[i].ip & m) == (ip & m))
			return &a[i];
	}
	return NULL;
}

static inline uint32_t hf_l3_addr_for(const struct hf_l3_port *p, uint32_t ip)
{
	const struct hf_cfg_addr *a = NULL;

	/* while active, speak from the virtual address: whatever the
	 * neighbours learn stays right after a failover */
	if (p->vactive)
		a = hf_l3_subnet_of(p->vaddr, p->nvaddr, ip);
	if (!a)
		a = hf_l3_subnet_of(p->addr, p->naddr, ip);
	if (a)
		return a->ip;
	return p->naddr ? p->addr[0].ip : 0;
}

/** hf_l3_port_owns() - is @ip one of @port's addresses? */
/* The current L3 snapshot, for an RCU reader (TSan sees the publish). */
static inline const struct hf_l3 *hf_dp_l3(const struct hf_dataplane *dp)
{
	const struct hf_l3 *l3 = rcu_dereference(dp->l3);

	hf_tsan_acquire(l3);
	return l3;
}

static inline bool hf_l3_port_owns(const struct hf_l3_port *p, uint32_t ip)
{
	uint32_t i;

	for (i = 0; i < p->naddr; i++)
		if (p->addr[i].ip == ip)
			return true;
	for (i = 0; p->vactive && i < p->nvaddr; i++)
		if (p->vaddr[i].ip == ip)
			return true;
	return false;
}

/* a frame to @mac is for port @p: its own MAC, or its virtual MAC while
 * HA-active */
static inline bool hf_l3_port_mac_is_ours(const struct hf_l3_port *p,
					  const uint8_t mac[6])
{
	return memcmp(mac, p->mac, 6) == 0 ||
	       (p->vactive && p->has_vmac && memcmp(mac, p->vmac, 6) == 0);
}

/* is @ip a virtual address of some port that this node does not hold? */
static inline bool hf_l3_is_standby_vaddr(const struct hf_l3 *l3,
					  uint32_t ip)
{
	uint32_t p, i;

	for (p = 0; p < l3->nports; p++)
		for (i = 0; !l3->port[p].vactive && i < l3->port[p].nvaddr; i++)
			if (l3->port[p].vaddr[i].ip == ip)
				return true;
	return false;
}

/**
 * hf_dp_init() - create the tables sized by @cfg (FIB, next hops,
 * neighbours, sessions), compile the policy if any, and the event fd. Ports and workers are added by the
 * caller. Return: 0 or -errno with a message in @err.
 */
int hf_dp_init(struct hf_dataplane *dp, const struct hf_config *cfg,
	       char *err, size_t errlen);

/** hf_dp_fini() - stop a capture left running, free the tables; no
 * worker or mprelay may run. */
void hf_dp_fini(struct hf_dataplane *dp);

/**
 * hf_dp_l3_from_config() - the initial L3 snapshot: configured MAC/MTU,
 * or the interface's when not configured. Caller frees with free().
 */
struct hf_l3 *hf_dp_l3_from_config(const struct hf_dataplane *dp);

/**
 * hf_dp_publish_l3() - replace the L3 snapshot with @l3; the old one is
 * freed after a grace period. Only for the first snapshot, before any
 * other thread runs; later changes go through hf_dp_l3_edit().
 */
void hf_dp_publish_l3(struct hf_dataplane *dp, struct hf_l3 *l3);

/**
 * hf_dp_l3_edit() - start a change of the L3 snapshot: locks out the
 * other editors (mprelay's commands, the HA agent's role changes) and
 * returns a private copy to change, to be passed to hf_dp_l3_commit()
 * (publishes it) or hf_dp_l3_abort(). NULL (nothing locked) when out of
 * memory. Control threads only, RCU-online.
 */
struct hf_l3 *hf_dp_l3_edit(struct hf_dataplane *dp);

/** hf_dp_l3_commit() - publish the edited copy @l3 and unlock. */
void hf_dp_l3_commit(struct hf_dataplane *dp, struct hf_l3 *l3);

/** hf_dp_l3_abort() - drop the edited copy @l3 and unlock. */
void hf_dp_l3_abort(struct hf_dataplane *dp, struct hf_l3 *l3);

/**
 * hf_l3_set_active() - the HA role in @l3: @active forwards and holds
 * the virtual addresses and MACs; with @announce a takeover (worker 0
 * sends the gratuitous ARPs).
 */
void hf_l3_set_active(struct hf_l3 *l3, bool active, bool announce);

/**
 * hf_dp_capture_start() - start the capture @req describes (its
 * nworkers is ignored: every worker of @dp produces) and publish it to
 * the workers. mprelay only; RCU online or offline.
 * Return: 0; -EBUSY if a capture runs; or -errno from
 * hf_capture_start(). A message naming the offending value is in @err.
 */
int hf_dp_capture_start(struct hf_dataplane *dp,
			const struct hf_capture_req *req, char *err,
			size_t errlen);

/**
 * hf_dp_capture_stop() - unpublish the running capture, wait for a
 * grace period (the caller is RCU-offline), then drain, flush and close
 * it. dp->cap keeps its final statistics and @why (a string literal:
 * "stopped", "count reached", ...). Logs the result.
 * Return: 0, or -ENOENT if no capture runs.
 */
int hf_dp_capture_stop(struct hf_dataplane *dp, const char *why);

/** hf_dp_counters() - sum every worker's counters into @out[HF_CNT_MAX]. */
void hf_dp_counters(const struct hf_dataplane *dp, uint64_t *out);

/** hf_dp_port_stats() - sum every worker's traffic on @port. */
void hf_dp_port_stats(const struct hf_dataplane *dp, uint16_t port,
		      struct hf_port_stats *out);

static inline bool hf_dp_stopping(const struct hf_dataplane *dp)
{
	return __atomic_load_n(&dp->stop, __ATOMIC_RELAXED);
}

#endif /* HF_FWD_DATAPLANE_H */
