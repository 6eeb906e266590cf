// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * perf/ref/hf_xskfwd.c - hf-xskfwd, the minimal AF_XDP reference
 * forwarder of the benchmark: what any user-space AF_XDP forwarder can
 * reach on the path, as a yardstick for hafwd.
 *
 * One UMEM shared by two copy-mode AF_XDP sockets: RX on --in queue 0
 * (fed by hf_xskfwd.bpf.o, attached in native mode), TX on --out queue
 * 0. Per frame it does the least an IPv4 router must: check the
 * ethertype and header, drop TTL <= 1, decrement the TTL with an
 * incremental checksum update (RFC 1624), write the next hop's and
 * --out's MACs. Frames move RX -> TX by descriptor, never copied.
 * Everything else (ARP, IPv6, TTL expired) is dropped and counted: no
 * ICMP, no ARP, no route lookup, a single static next hop.
 *
 * Bench discipline, the same as hafwd's best configuration: bursts of
 * 256, 4096-entry rings, a TX budget of one burst per kick
 * (XDP_MAX_TX_SKB_BUDGET), completions reclaimed and the fill ring
 * refilled every loop, never a spin on a full ring (the excess is
 * dropped and counted). "adaptive" mode sleeps in poll() when a loop
 * finds no frame; that poll() covers the TX socket too, whose copy-mode
 * poll sends what is queued, so it is also the kick before sleeping.
 * A kick (sendto) happens only when the TX ring asks for a wake-up and a
 * whole budget is waiting, or, in --busy mode, when a loop found nothing.
 * --priority puts the process above the veth NAPI thread on a shared
 * core (SCHED_FIFO), which is what prevents receive livelock when it
 * sleeps when idle; do not combine it with --busy on a shared core.
 *
 * Concurrency: single-threaded. The only shared variable is the stop
 * flag (signal handlers write, the loop reads). The rings are the usual
 * single-producer/single-consumer pairs with the kernel.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_xdp.h>
#include <linux/ip.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <xdp/xsk.h>

#include "../lib/perf_util.h"

#define XSKF_OBJ_NAME		"hf_xskfwd.bpf.o"
#define XSKF_PROG_NAME		"hf_xskfwd_xdp"
#define XSKF_MAP_NAME		"xsks"
#define XSKF_QUEUE		0u
#define XSKF_FRAME_SIZE		4096u
#define XSKF_MAX_BURST		1024u
#define XSKF_IDLE_POLL_MS	10
/* bound on sendto() per flush: each sends one TX budget */
#define XSKF_MAX_KICKS		64

/* uapi value since Linux 6.17; Debian 12's headers predate it */
#ifndef XDP_MAX_TX_SKB_BUDGET
#define XDP_MAX_TX_SKB_BUDGET	9
#endif

#define XSKF_COUNTERS(X)						\
	X(rx)			/* frames taken off the RX ring */	\
	X(tx)			/* frames put on the TX ring */		\
	X(completed)		/* TX completions reclaimed */		\
	X(drop_not_ipv4)	/* not IPv4, truncated or IHL < 5 */	\
	X(drop_ttl)		/* TTL <= 1 */				\
	X(drop_tx_full)		/* no room on the TX ring */		\
	X(fq_short)		/* fill ring refill short of frames */	\
	X(kicks)		/* sendto() on the TX socket */		\
	X(kick_errors)		/* ... failed other than EAGAIN/ENOBUFS/EBUSY */ \
	X(sleeps)		/* poll() when idle */			\
	X(wakeups)		/* ... that returned with RX frames */	\
	X(loops)

enum xskf_counter {
#define X(n) XSKF_##n,
	XSKF_COUNTERS(X)
#undef X
	XSKF_NR
};

struct xskf_opts {
	const char *in;
	const char *out;
	const char *obj;
	uint8_t src_mac[6];
	uint8_t dst_mac[6];
	bool have_src_mac;
	bool have_dst_mac;
	bool busy;
	uint32_t ring;
	uint32_t burst;
	uint32_t priority;
	int cpu;
	double timeout;
	int verbose;
};

struct xskf {
	/* hot: everything the loop touches */
	struct xsk_ring_cons rx;	/* RX socket */
	struct xsk_ring_prod fq;	/* RX socket's fill ring */
	struct xsk_ring_prod tx;	/* TX socket */
	struct xsk_ring_cons cq;	/* TX socket's completion ring */
	void *area;
	uint64_t *free;			/* free-frame stack */
	uint32_t nfree;
	uint32_t burst;
	uint32_t tx_budget;		/* frames one kick sends */
	uint32_t tx_outstanding;	/* on the TX ring or in flight */
	int rx_fd;
	int tx_fd;
	bool busy;
	uint8_t eth[12];		/* destination, source MAC */
	uint64_t c[XSKF_NR];
	/* cold: set-up and teardown only */
	struct xsk_ring_cons cq_rx;	/* RX socket's: never used */
	struct xsk_ring_prod fq_tx;	/* TX socket's: never used */
	struct xsk_umem *umem;
	struct xsk_socket *rx_xsk;
	struct xsk_socket *tx_xsk;
	uint64_t area_size;
	uint32_t nframes;
};

static void xskf_usage(FILE *f)
{
	fprintf(f,
		"Usage: hf-xskfwd --in DEV --out DEV --dst-mac MAC [options]\n"
		"Minimal AF_XDP reference forwarder: IPv4 from --in queue 0 goes out\n"
		"of --out queue 0 with MACs rewritten and TTL decremented, until\n"
		"SIGTERM. Copy-mode sockets sharing one UMEM, native XDP on --in.\n"
		"\n"
		"  --in DEV          ingress interface (XDP program attached here)\n"
		"  --out DEV         egress interface\n"
		"  --dst-mac MAC     next hop MAC\n"
		"  --src-mac MAC     source MAC (default: --out's address)\n"
		"  --ring N          RX, TX and completion ring size, power of 2\n"
		"                    (default 4096; fill ring 2N)\n"
		"  --burst N         frames per RX burst and per TX kick (default 256)\n"
		"  --busy            never sleep (default: poll() when idle)\n"
		"  --priority P      SCHED_FIFO priority P, 0 = normal (default 0)\n"
		"  --cpu C           pin to CPU C\n"
		"  --timeout SECS    exit after SECS at the latest (default 600)\n"
		"  --obj PATH        BPF object (default: %s next to hf-xskfwd)\n"
		"  --verbose         libbpf debug output\n"
		"  --help\n",
		XSKF_OBJ_NAME);
}

static int xskf_bad_arg(const char *opt, const char *val, const char *want)
{
	fprintf(stderr, "hf-xskfwd: %s: expected %s, got '%s'\n", opt, want,
		val);
	return -EINVAL;
}

static int xskf_parse_u32(const char *opt, const char *val, uint32_t min,
			  uint32_t max, uint32_t *out)
{
	char want[64];
	uint64_t v;

	if (hf_perf_parse_u64(val, min, max, &v)) {
		snprintf(want, sizeof(want), "an integer in [%u, %u]", min,
			 max);
		return xskf_bad_arg(opt, val, want);
	}
	*out = (uint32_t)v;
	return 0;
}

static int xskf_parse_one(int c, const char *arg, struct xskf_opts *o)
{
	uint32_t v;

	switch (c) {
	case 'i':
		o->in = arg;
		return 0;
	case 'o':
		o->out = arg;
		return 0;
	case 'm':
		if (hf_perf_parse_mac(arg, o->src_mac))
			return xskf_bad_arg("--src-mac", arg,
					    "a MAC aa:bb:cc:dd:ee:ff");
		o->have_src_mac = true;
		return 0;
	case 'M':
		if (hf_perf_parse_mac(arg, o->dst_mac))
			return xskf_bad_arg("--dst-mac", arg,
					    "a MAC aa:bb:cc:dd:ee:ff");
		o->have_dst_mac = true;
		return 0;
	case 'r':
		if (xskf_parse_u32("--ring", arg, 64, 16384, &o->ring))
			return -EINVAL;
		if (o->ring & (o->ring - 1))
			return xskf_bad_arg("--ring", arg, "a power of 2");
		return 0;
	case 'b':
		return xskf_parse_u32("--burst", arg, 1, XSKF_MAX_BURST,
				      &o->burst);
	case 'B':
		o->busy = true;
		return 0;
	case 'p':
		return xskf_parse_u32("--priority", arg, 0, 99, &o->priority);
	case 'c':
		if (xskf_parse_u32("--cpu", arg, 0, CPU_SETSIZE - 1, &v))
			return -EINVAL;
		o->cpu = (int)v;
		return 0;
	case 'T':
		if (hf_perf_parse_seconds(arg, 0.1, 86400, &o->timeout))
			return xskf_bad_arg("--timeout", arg,
					    "seconds in [0.1, 86400]");
		return 0;
	case 'O':
		o->obj = arg;
		return 0;
	case 'v':
		o->verbose = 1;
		return 0;
	}
	return -EINVAL;
}

/* Return: 0, 1 if --help was printed, or -EINVAL. */
static int xskf_parse_opts(int argc, char **argv, struct xskf_opts *o)
{
	static const struct option longopts[] = {
		{ "in", required_argument, NULL, 'i' },
		{ "out", required_argument, NULL, 'o' },
		{ "src-mac", required_argument, NULL, 'm' },
		{ "dst-mac", required_argument, NULL, 'M' },
		{ "ring", required_argument, NULL, 'r' },
		{ "burst", required_argument, NULL, 'b' },
		{ "busy", no_argument, NULL, 'B' },
		{ "priority", required_argument, NULL, 'p' },
		{ "cpu", required_argument, NULL, 'c' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "obj", required_argument, NULL, 'O' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (c == 'h') {
			xskf_usage(stdout);
			return 1;
		}
		if (c == '?' || c == ':') {
			xskf_usage(stderr);
			return -EINVAL;
		}
		if (xskf_parse_one(c, optarg, o))
			return -EINVAL;
	}
	if (optind < argc) {
		fprintf(stderr, "hf-xskfwd: unexpected argument '%s'\n",
			argv[optind]);
		return -EINVAL;
	}
	if (!o->in || !o->out || !o->have_dst_mac) {
		fprintf(stderr,
			"hf-xskfwd: --in, --out and --dst-mac are required (see --help)\n");
		return -EINVAL;
	}
	return 0;
}

/* ---- per frame ---- */

/*
 * TTL decrement with the incremental update of RFC 1624, eqn. 3:
 * HC' = ~(~HC + ~m + m'), m being the 16-bit word holding TTL and
 * protocol.
 */
static inline void xskf_ttl_dec(struct iphdr *ip)
{
	uint16_t old = (uint16_t)(ip->ttl << 8 | ip->protocol);
	uint16_t new = (uint16_t)(old - 0x0100);
	uint32_t sum;

	sum = (uint16_t)~ntohs(ip->check) + (uint32_t)(uint16_t)~old + new;
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	ip->check = htons((uint16_t)~sum);
	ip->ttl--;
}

/*
 * Return: 0 to forward, else the drop reason's counter (never XSKF_rx,
 * which is 0).
 */
static inline int xskf_rewrite(const uint8_t eth[12], uint8_t *pkt,
			       uint32_t len)
{
	struct iphdr *ip = (struct iphdr *)(pkt + ETH_HLEN);

	if (len < ETH_HLEN + sizeof(*ip) || pkt[12] != 0x08 ||
	    pkt[13] != 0x00 || ip->version != 4 || ip->ihl < 5)
		return XSKF_drop_not_ipv4;
	if (ip->ttl <= 1)
		return XSKF_drop_ttl;
	xskf_ttl_dec(ip);
	memcpy(pkt, eth, 12);
	return 0;
}

/* ---- rings ---- */

/* Descriptors on the TX ring the kernel has not consumed yet. */
static inline uint32_t xskf_tx_unsent(const struct xskf *x)
{
	return *x->tx.producer - __atomic_load_n(x->tx.consumer,
						  __ATOMIC_ACQUIRE);
}

static inline void xskf_free_frame(struct xskf *x, uint64_t addr)
{
	/* RX and completion addresses point into the frame (headroom) */
	x->free[x->nfree++] = addr & ~(uint64_t)(XSKF_FRAME_SIZE - 1);
}

static void xskf_reclaim(struct xskf *x)
{
	uint32_t idx = 0, n, i;

	if (!x->tx_outstanding)
		return;
	n = xsk_ring_cons__peek(&x->cq, x->tx_outstanding, &idx);
	if (!n)
		return;
	for (i = 0; i < n; i++)
		xskf_free_frame(x, *xsk_ring_cons__comp_addr(&x->cq, idx + i));
	xsk_ring_cons__release(&x->cq, n);
	x->tx_outstanding -= n;
	x->c[XSKF_completed] += n;
}

static void xskf_refill(struct xskf *x)
{
	uint32_t want = xsk_prod_nb_free(&x->fq, x->fq.size);
	uint32_t idx = 0, n, i;

	if (!want)
		return;
	if (want > x->nfree) {
		x->c[XSKF_fq_short]++;
		want = x->nfree;
		if (!want)
			return;
	}
	n = xsk_ring_prod__reserve(&x->fq, want, &idx);
	for (i = 0; i < n; i++)
		*xsk_ring_prod__fill_addr(&x->fq, idx + i) =
			x->free[--x->nfree];
	xsk_ring_prod__submit(&x->fq, n);
}

/*
 * Have the kernel send what is on the TX ring, one budget per sendto(),
 * only while it asks for a wake-up. EAGAIN means more than a budget is
 * queued or the completion ring is full: reclaim, then go on.
 */
static void xskf_kick(struct xskf *x)
{
	int i;

	for (i = 0; i < XSKF_MAX_KICKS && xskf_tx_unsent(x); i++) {
		if (!xsk_ring_prod__needs_wakeup(&x->tx))
			return;
		x->c[XSKF_kicks]++;
		if (sendto(x->tx_fd, NULL, 0, MSG_DONTWAIT, NULL, 0) >= 0)
			continue;
		if (errno != EAGAIN) {
			/* ENOBUFS/EBUSY: the device is busy, retry later */
			if (errno != ENOBUFS && errno != EBUSY)
				x->c[XSKF_kick_errors]++;
			return;
		}
		xskf_reclaim(x);
	}
}

/* Put @n frames on the TX ring; drop what does not fit. */
static void xskf_tx(struct xskf *x, const struct xdp_desc *desc, uint32_t n)
{
	uint32_t idx = 0, room, i;

	room = xsk_ring_prod__reserve(&x->tx, n, &idx);
	if (room < n) {
		/* the kernel is behind: drop rather than spin */
		room = xsk_ring_prod__reserve(&x->tx,
					      xsk_prod_nb_free(&x->tx, n), &idx);
		for (i = room; i < n; i++)
			xskf_free_frame(x, desc[i].addr);
		x->c[XSKF_drop_tx_full] += n - room;
	}
	for (i = 0; i < room; i++)
		*xsk_ring_prod__tx_desc(&x->tx, idx + i) = desc[i];
	if (!room)
		return;
	xsk_ring_prod__submit(&x->tx, room);
	x->tx_outstanding += room;
	x->c[XSKF_tx] += room;
	/* a whole budget goes now; a smaller rest waits for the next
	 * burst or for the poll() of an idle loop */
	if (xskf_tx_unsent(x) >= x->tx_budget)
		xskf_kick(x);
}

/* One RX burst: rewrite, forward. Return: frames taken off the RX ring. */
static uint32_t xskf_burst(struct xskf *x)
{
	struct xdp_desc out[XSKF_MAX_BURST];
	uint32_t idx = 0, n, i, nout = 0;
	int drop;

	n = xsk_ring_cons__peek(&x->rx, x->burst, &idx);
	if (!n)
		return 0;
	for (i = 0; i < n; i++) {
		const struct xdp_desc *d = xsk_ring_cons__rx_desc(&x->rx,
								  idx + i);

		drop = xskf_rewrite(x->eth, xsk_umem__get_data(x->area,
							       d->addr),
				    d->len);
		if (drop) {
			x->c[drop]++;
			xskf_free_frame(x, d->addr);
			continue;
		}
		out[nout].addr = d->addr;
		out[nout].len = d->len;
		out[nout++].options = 0;
	}
	xsk_ring_cons__release(&x->rx, n);
	x->c[XSKF_rx] += n;
	if (nout)
		xskf_tx(x, out, nout);
	return n;
}

/*
 * Sleep until frames arrive. Both sockets are polled: on the TX socket,
 * copy-mode poll() itself transmits (one budget per call and per
 * wake-up), so this is the kick before sleeping, at no extra syscall.
 */
static void xskf_sleep(struct xskf *x)
{
	struct pollfd pfd[2] = {
		{ .fd = x->rx_fd, .events = POLLIN },
		{ .fd = x->tx_fd, .events = POLLIN },
	};

	x->c[XSKF_sleeps]++;
	if (poll(pfd, 2, XSKF_IDLE_POLL_MS) > 0)
		x->c[XSKF_wakeups]++;
}

static void xskf_loop(struct xskf *x)
{
	uint32_t got;

	while (!hf_perf_stop) {
		x->c[XSKF_loops]++;
		got = xskf_burst(x);
		xskf_reclaim(x);
		xskf_refill(x);
		if (got)
			continue;
		if (x->busy)
			xskf_kick(x);	/* nothing new to batch up */
		else
			xskf_sleep(x);
	}
}

/* ---- set-up ---- */

static int xskf_umem_create(struct xskf *x, uint32_t ring, uint32_t burst)
{
	struct xsk_umem_config cfg = {
		.fill_size = 2 * ring,
		.comp_size = ring,
		.frame_size = XSKF_FRAME_SIZE,
		.frame_headroom = 0,
		.flags = 0,
	};
	uint32_t i;
	int err;

	/* fill ring + RX ring + TX ring + completion ring + one burst */
	x->nframes = 5 * ring + burst;
	x->area_size = (uint64_t)x->nframes * XSKF_FRAME_SIZE;
	x->area = mmap(NULL, x->area_size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (x->area == MAP_FAILED) {
		x->area = NULL;
		return -errno;
	}
	/* as hafwd: 2 MiB pages if THP allows, faulted in before traffic */
	madvise(x->area, x->area_size, MADV_HUGEPAGE);
	memset(x->area, 0, x->area_size);
	x->free = calloc(x->nframes, sizeof(*x->free));
	if (!x->free)
		return -ENOMEM;
	err = xsk_umem__create(&x->umem, x->area, x->area_size, &x->fq,
			       &x->cq_rx, &cfg);
	if (err) {
		x->umem = NULL;
		return err;
	}
	for (i = x->nframes; i > 0; i--)
		x->free[x->nfree++] = (uint64_t)(i - 1) * XSKF_FRAME_SIZE;
	return 0;
}

static int xskf_sockets_create(struct xskf *x, const struct xskf_opts *o)
{
	struct xsk_socket_config cfg = {
		.rx_size = o->ring,
		.tx_size = o->ring,
		.libxdp_flags = XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD,
		.xdp_flags = 0,
		.bind_flags = XDP_COPY | XDP_USE_NEED_WAKEUP,
	};
	int b = (int)x->tx_budget;
	int err;

	/* first socket: the UMEM's own fill and completion rings */
	err = xsk_socket__create_shared(&x->rx_xsk, o->in, XSKF_QUEUE,
					x->umem, &x->rx, NULL, &x->fq,
					&x->cq_rx, &cfg);
	if (err) {
		x->rx_xsk = NULL;
		fprintf(stderr, "hf-xskfwd: AF_XDP RX socket on %s queue %u (copy mode): %s\n",
			o->in, XSKF_QUEUE, strerror(-err));
		return err;
	}
	x->rx_fd = xsk_socket__fd(x->rx_xsk);
	/* second device: the kernel wants its own fill/completion rings */
	err = xsk_socket__create_shared(&x->tx_xsk, o->out, XSKF_QUEUE,
					x->umem, NULL, &x->tx, &x->fq_tx,
					&x->cq, &cfg);
	if (err) {
		x->tx_xsk = NULL;
		fprintf(stderr, "hf-xskfwd: AF_XDP TX socket on %s queue %u (copy mode): %s\n",
			o->out, XSKF_QUEUE, strerror(-err));
		return err;
	}
	x->tx_fd = xsk_socket__fd(x->tx_xsk);
	/* copy-mode TX sends 32 frames per kick unless told more */
	if (setsockopt(x->tx_fd, SOL_XDP, XDP_MAX_TX_SKB_BUDGET, &b,
		       sizeof(b))) {
		fprintf(stderr, "hf-xskfwd: TX budget %u not supported (%s): 32 frames per kick\n",
			x->tx_budget, strerror(errno));
		x->tx_budget = 32;
	}
	return 0;
}

static void xskf_destroy(struct xskf *x)
{
	if (x->tx_xsk)
		xsk_socket__delete(x->tx_xsk);
	if (x->rx_xsk)
		xsk_socket__delete(x->rx_xsk);
	if (x->umem)
		xsk_umem__delete(x->umem);
	if (x->area)
		munmap(x->area, x->area_size);
	free(x->free);
}

static int xskf_obj_load(const struct xskf_opts *o, struct bpf_object **out)
{
	struct bpf_object *obj;
	const char *path = o->obj;
	char buf[4096];
	int err;

	if (!path) {
		err = hf_perf_obj_path(XSKF_OBJ_NAME, buf, sizeof(buf));
		if (err) {
			fprintf(stderr, "hf-xskfwd: cannot locate %s: %s\n",
				XSKF_OBJ_NAME, strerror(-err));
			return err;
		}
		path = buf;
	}
	obj = bpf_object__open_file(path, NULL);
	if (!obj) {
		err = -errno;
		fprintf(stderr, "hf-xskfwd: cannot open BPF object %s: %s\n",
			path, strerror(-err));
		return err;
	}
	err = bpf_object__load(obj);
	if (err) {
		fprintf(stderr, "hf-xskfwd: cannot load %s into the kernel: %s\n",
			path, strerror(-err));
		bpf_object__close(obj);
		return err;
	}
	*out = obj;
	return 0;
}

static void xskf_on_alarm(int sig)
{
	(void)sig;
	hf_perf_stop = 1;
}

/* SIGINT/SIGTERM, and SIGALRM after --timeout: all set the stop flag. */
static int xskf_signals_init(double timeout)
{
	struct itimerval it;
	struct sigaction sa;
	int err;

	err = hf_perf_signals_init();
	if (err)
		return err;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = xskf_on_alarm;
	sigemptyset(&sa.sa_mask);
	/* no SA_RESTART: poll() must return EINTR */
	if (sigaction(SIGALRM, &sa, NULL))
		return -errno;
	memset(&it, 0, sizeof(it));
	it.it_value.tv_sec = (time_t)timeout;
	it.it_value.tv_usec = (suseconds_t)((timeout - (double)(time_t)timeout) *
					    1e6);
	if (setitimer(ITIMER_REAL, &it, NULL))
		return -errno;
	return 0;
}

static int xskf_sched(const struct xskf_opts *o)
{
	struct sched_param sp = { .sched_priority = (int)o->priority };
	cpu_set_t set;

	if (o->cpu >= 0) {
		CPU_ZERO(&set);
		CPU_SET(o->cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set)) {
			fprintf(stderr, "hf-xskfwd: cannot pin to CPU %d: %s\n",
				o->cpu, strerror(errno));
			return -errno;
		}
	}
	if (o->priority && sched_setscheduler(0, SCHED_FIFO, &sp)) {
		fprintf(stderr, "hf-xskfwd: cannot set SCHED_FIFO priority %u: %s\n",
			o->priority, strerror(errno));
		return -errno;
	}
	return 0;
}

static void xskf_print(const struct xskf *x)
{
	struct xdp_statistics st;
	socklen_t len = sizeof(st);

	memset(&st, 0, sizeof(st));
	if (getsockopt(x->rx_fd, SOL_XDP, XDP_STATISTICS, &st, &len) == 0)
		printf("hf-xskfwd: kernel rx_dropped=%llu rx_ring_full=%llu fill_ring_empty=%llu rx_invalid=%llu\n",
		       (unsigned long long)st.rx_dropped,
		       (unsigned long long)st.rx_ring_full,
		       (unsigned long long)st.rx_fill_ring_empty_descs,
		       (unsigned long long)st.rx_invalid_descs);
	printf("hf-xskfwd:");
#define X(n) printf(" %s=%llu", #n, (unsigned long long)x->c[XSKF_##n]);
	XSKF_COUNTERS(X)
#undef X
	printf(" dropped=%llu\n",
	       (unsigned long long)(x->c[XSKF_drop_not_ipv4] +
				    x->c[XSKF_drop_ttl] +
				    x->c[XSKF_drop_tx_full]));
	fflush(stdout);
}

static int xskf_run(struct xskf *x, const struct xskf_opts *o,
		    unsigned int in_idx)
{
	struct bpf_object *obj = NULL;
	struct bpf_program *prog;
	struct bpf_map *map;
	uint32_t key = XSKF_QUEUE, flags = 0;
	int err, prog_fd = -1;
	char smac[18], dmac[18];

	err = xskf_obj_load(o, &obj);
	if (err)
		return err;
	prog = bpf_object__find_program_by_name(obj, XSKF_PROG_NAME);
	map = bpf_object__find_map_by_name(obj, XSKF_MAP_NAME);
	if (!prog || !map) {
		fprintf(stderr, "hf-xskfwd: BPF object lacks %s or %s\n",
			XSKF_PROG_NAME, XSKF_MAP_NAME);
		err = -ENOENT;
		goto out_close_obj;
	}
	err = xskf_umem_create(x, o->ring, o->burst);
	if (err) {
		fprintf(stderr, "hf-xskfwd: UMEM of %u frames: %s\n",
			x->nframes, strerror(-err));
		goto out_destroy;
	}
	err = xskf_sockets_create(x, o);
	if (err)
		goto out_destroy;
	if (bpf_map_update_elem(bpf_map__fd(map), &key, &x->rx_fd, 0)) {
		err = -errno;
		fprintf(stderr, "hf-xskfwd: entering the socket in the XSKMAP: %s\n",
			strerror(-err));
		goto out_destroy;
	}
	xskf_refill(x);
	prog_fd = bpf_program__fd(prog);
	err = hf_perf_xdp_attach("hf-xskfwd", o->in, in_idx, prog_fd, 0,
				 &flags);
	if (err)
		goto out_destroy;
	err = xskf_sched(o);
	if (err)
		goto out_detach;

	hf_perf_format_mac(x->eth + 6, smac);
	hf_perf_format_mac(x->eth, dmac);
	printf("hf-xskfwd: ready %s -> %s, %s -> %s, copy mode, %s, ring %u, burst %u, tx budget %u, priority %u\n",
	       o->in, o->out, smac, dmac, o->busy ? "busy" : "adaptive",
	       o->ring, o->burst, x->tx_budget, o->priority);
	fflush(stdout);

	xskf_loop(x);
	xskf_print(x);

out_detach:
	hf_perf_xdp_detach("hf-xskfwd", in_idx, prog_fd, flags);
out_destroy:
	xskf_destroy(x);
out_close_obj:
	bpf_object__close(obj);
	return err;
}

int main(int argc, char **argv)
{
	struct xskf_opts o = {
		.ring = 4096, .burst = 256, .cpu = -1, .timeout = 600,
	};
	struct xskf x;
	unsigned int in_idx, out_idx;
	int err;

	err = xskf_parse_opts(argc, argv, &o);
	if (err)
		return err > 0 ? 0 : 2;
	hf_perf_libbpf_init(o.verbose);
	memset(&x, 0, sizeof(x));
	x.burst = o.burst;
	x.busy = o.busy;
	x.tx_budget = o.burst < o.ring ? o.burst : o.ring;
	x.rx_fd = -1;
	x.tx_fd = -1;
	err = hf_perf_ifindex(o.in, &in_idx);
	if (err) {
		fprintf(stderr, "hf-xskfwd: --in %s: no such interface here: %s\n",
			o.in, strerror(-err));
		return 1;
	}
	err = hf_perf_ifindex(o.out, &out_idx);
	if (err) {
		fprintf(stderr, "hf-xskfwd: --out %s: no such interface here: %s\n",
			o.out, strerror(-err));
		return 1;
	}
	if (!o.have_src_mac) {
		err = hf_perf_dev_mac(o.out, o.src_mac);
		if (err) {
			fprintf(stderr, "hf-xskfwd: cannot read the MAC of %s: %s\n",
				o.out, strerror(-err));
			return 1;
		}
	}
	memcpy(x.eth, o.dst_mac, 6);
	memcpy(x.eth + 6, o.src_mac, 6);
	err = xskf_signals_init(o.timeout);
	if (err) {
		fprintf(stderr, "hf-xskfwd: signal set-up: %s\n",
			strerror(-err));
		return 1;
	}
	return xskf_run(&x, &o, in_idx) ? 1 : 0;
}
