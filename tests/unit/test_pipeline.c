// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_pipeline.c - fwd/pipeline.h driven end to end without sockets.
 *
 * A fake worker (no AF_XDP rings: nxsk = 3 so hf_worker_tx() only stages
 * into w->txq[], and every test stays far below HF_TXQ_MAX) owns a fake
 * UMEM of NFRAMES frames in plain memory. A real dataplane from
 * hf_dp_init() carries the FIB, next hops and neighbours; routes come
 * from control/routes.h. Frames are "received" by writing bytes into a
 * frame from the pool and calling hf_pipeline_rx() with its descriptor.
 *
 * Topology (port: MAC, address):
 *   p0 02:00:00:00:01:01 198.18.1.1/24   host H1 198.18.1.2 (static)
 *   p1 02:00:00:00:02:01 198.18.2.1/24   gateway GW 198.18.2.2 (static)
 *   p2 02:00:00:00:03:01 198.18.3.1/24   host H3 198.18.3.7 (static)
 *   198.19.0.0/16 via GW, 198.20.0.0/16 blackhole, no default route.
 *
 * Every test checks the exact bytes of what was staged, every counter
 * (all counters not named must stay zero) and frame conservation: each
 * frame is in exactly one place - the free stack, a TX staging queue,
 * the hold queue, or a test-owned stash.
 *
 * Packets are built byte by byte with a naive big-endian checksum, so
 * the expectations share no code with pkt/hdr.h or pkt/csum.h.
 *
 * RCU: the test thread is a registered QSBR reader, online during each
 * test like a worker; teardown goes offline and runs rcu_barrier() so
 * neighbour entries replaced by learning are freed before the tables.
 *
 * Capture points: two tests run a real capture (fwd/capture.h) on the
 * fake worker and read the pcap file and the drop sidecar back: rx, fw
 * and drop records hold exactly the expected bytes, and drops carry
 * their reason and port. The file is parsed by hand (the pcap file
 * format is two fixed headers): <pcap/pcap.h> and the AF_XDP headers
 * define struct bpf_insn both and cannot share a file.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/if_xdp.h>

#include "common/rcu.h"
#include "common/time.h"
#include "control/config.h"
#include "control/routes.h"
#include "fwd/capture.h"
#include "fwd/dataplane.h"
#include "fwd/event.h"
#include "fwd/hold.h"
#include "fwd/neigh.h"
#include "fwd/pipeline.h"
#include "fwd/stats.h"
#include "fwd/umem.h"
#include "fwd/worker.h"

#include "dp_fixture.h"

#define NFRAMES		256

#define ARP_HOLD	8
#define SEC		1000000000ULL
#define MS		1000000ULL
#define POISON		0xee

#define ETH_HLEN	14
#define IP_HLEN		20
#define ICMP_HLEN	8
#define UDP_HLEN	8
#define ERR_PREPEND	28
#define ERR_QUOTE_MAX	(576 - ERR_PREPEND)

#define IP_DF		0x4000
#define IP_MF		0x2000

#define PROTO_ICMP	1
#define PROTO_TCP	6
#define PROTO_UDP	17

#define H1	IP(198, 18, 1, 2)
#define GW	IP(198, 18, 2, 2)
#define H3	IP(198, 18, 3, 7)
#define UNRES	IP(198, 18, 3, 50)	/* p2's subnet, not configured */
#define REMOTE	IP(198, 19, 5, 5)	/* via GW */
#define NOROUTE	IP(203, 0, 113, 9)
#define BLACKH	IP(198, 20, 1, 1)

static const uint8_t port_mac[NPORTS][6] = {
	{ 0x02, 0x00, 0x00, 0x00, 0x01, 0x01 },
	{ 0x02, 0x00, 0x00, 0x00, 0x02, 0x01 },
	{ 0x02, 0x00, 0x00, 0x00, 0x03, 0x01 },
};

static const uint8_t h1_mac[6] = { 0x02, 0x11, 0x00, 0x00, 0x00, 0x02 };
static const uint8_t gw_mac[6] = { 0x02, 0x22, 0x00, 0x00, 0x00, 0x02 };
static const uint8_t h3_mac[6] = { 0x02, 0x33, 0x00, 0x00, 0x00, 0x07 };
static const uint8_t new_mac[6] = { 0x02, 0x33, 0x00, 0x00, 0x00, 0x50 };
static const uint8_t other_mac[6] = { 0x02, 0x99, 0x99, 0x99, 0x99, 0x99 };
static const uint8_t bcast_mac[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t mcast_mac[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x05 };
static const uint8_t zero_mac[6];

/* ---- byte helpers ---- */

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

/* RFC 1071 the slow way: big-endian words, odd byte padded with zero.
 * Returns the value to store; 0 when the buffer verifies. */
static uint16_t naive_csum(const uint8_t *p, size_t len)
{
	uint32_t sum = 0;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static uint8_t pattern(uint32_t i)
{
	return (uint8_t)(i * 31 + 7);
}

/* ---- packet builder ---- */

struct pk {
	const uint8_t *dmac, *smac;
	uint16_t ethertype;
	uint8_t version;	/* 4 */
	uint8_t ihl;		/* 32-bit words; 5 + options/4 */
	uint16_t id;
	uint16_t frag;		/* flags and offset, host order */
	uint8_t ttl;
	uint8_t proto;
	uint32_t src, dst;
	uint32_t l4_len;	/* bytes after the IP header */
	uint8_t icmp_type;
	uint32_t pad_to;	/* Ethernet frame padded to this length */
};

/* UDP from H1 (on p0) to REMOTE, TTL 64, 100 bytes of L4. */
static struct pk pk_default(void)
{
	struct pk p = {
		.dmac = port_mac[0], .smac = h1_mac, .ethertype = 0x0800,
		.version = 4, .ihl = 5, .id = 0x4242, .ttl = 64,
		.proto = PROTO_UDP, .src = H1, .dst = REMOTE, .l4_len = 100,
		.icmp_type = 8,
	};

	return p;
}

static struct pk pk_echo(uint32_t dst, uint32_t l4_len)
{
	struct pk p = pk_default();

	p.proto = PROTO_ICMP;
	p.icmp_type = 8;
	p.dst = dst;
	p.l4_len = l4_len;
	return p;
}

/* Write @p into @b; return the frame length. Options are NOPs. */
static uint32_t build(uint8_t *b, const struct pk *p)
{
	uint32_t hlen = (uint32_t)p->ihl * 4, ip_len = hlen + p->l4_len;
	uint8_t *ip = b + ETH_HLEN, *l4 = ip + hlen;
	uint32_t i, len = ETH_HLEN + ip_len;

	memcpy(b, p->dmac, 6);
	memcpy(b + 6, p->smac, 6);
	put16(b + 12, p->ethertype);
	ip[0] = (uint8_t)(p->version << 4 | (p->ihl & 0x0f));
	ip[1] = 0;
	put16(ip + 2, (uint16_t)ip_len);
	put16(ip + 4, p->id);
	put16(ip + 6, p->frag);
	ip[8] = p->ttl;
	ip[9] = p->proto;
	put16(ip + 10, 0);
	put32(ip + 12, p->src);
	put32(ip + 16, p->dst);
	for (i = IP_HLEN; i < hlen; i++)
		ip[i] = 1;	/* NOP */
	put16(ip + 10, naive_csum(ip, hlen < 60 ? hlen : 60));
	for (i = 0; i < p->l4_len; i++)
		l4[i] = pattern(i);
	if (p->proto == PROTO_UDP && p->l4_len >= UDP_HLEN) {
		put16(l4, 1234);
		put16(l4 + 2, 5678);
		put16(l4 + 4, (uint16_t)p->l4_len);
		put16(l4 + 6, 0);
	} else if (p->proto == PROTO_ICMP && p->l4_len >= ICMP_HLEN) {
		l4[0] = p->icmp_type;
		l4[1] = 0;
		put16(l4 + 2, 0);
		put16(l4 + 4, 0x1234);	/* echo id */
		put16(l4 + 6, 0x0001);	/* echo seq */
		put16(l4 + 2, naive_csum(l4, p->l4_len));
	}
	for (; len < p->pad_to; len++)
		b[len] = 0x5c;	/* padding junk, never forwarded */
	return len;
}

/* Re-checksum the IP header at @b + ETH_HLEN after a byte edit. */
static void fix_ip_csum(uint8_t *b)
{
	uint8_t *ip = b + ETH_HLEN;
	uint32_t hlen = (uint32_t)(ip[0] & 0x0f) * 4;

	put16(ip + 10, 0);
	put16(ip + 10, naive_csum(ip, hlen));
}

/* An ARP frame from (@sha, @spa) asking for / answering @tpa. */
static uint32_t build_arp(uint8_t *b, const uint8_t *dmac, uint16_t oper,
			  const uint8_t *sha, uint32_t spa, uint32_t tpa,
			  uint32_t len)
{
	memset(b, 0, 64);
	memcpy(b, dmac, 6);
	memcpy(b + 6, sha, 6);
	put16(b + 12, 0x0806);
	put16(b + 14, 1);
	put16(b + 16, 0x0800);
	b[18] = 6;
	b[19] = 4;
	put16(b + 20, oper);
	memcpy(b + 22, sha, 6);
	put32(b + 28, spa);
	memset(b + 32, 0, 6);
	put32(b + 38, tpa);
	return len;
}

/* ---- fixture ---- */

struct fx {
	struct hf_config cfg;
	struct hf_dataplane dp;
	struct hf_worker *w;
	uint64_t rx_pkts, rx_bytes;	/* what the test fed in */
	uint64_t port_rx_pkts[NPORTS], port_rx_bytes[NPORTS];
	uint64_t stash[NFRAMES];	/* frames the test took out */
	uint32_t nstash;
	char err[256];
};

static size_t round_up(size_t n, size_t a)
{
	return (n + a - 1) & ~(a - 1);
}

static int add_static_route(struct fx *f, uint32_t prefix, uint8_t len,
			    enum hf_cfg_route_kind kind, uint32_t gw)
{
	struct hf_cfg_route r = { .prefix = prefix, .len = len, .kind = kind,
				  .gw = gw, .port = -1 };

	return hf_routes_static(&f->dp, f->dp.l3, &r, false, f->err,
				sizeof(f->err));
}

static int setup_tables(struct fx *f)
{
	uint64_t now = f->w->now_ns;
	uint16_t i;

	for (i = 0; i < NPORTS; i++)
		if (hf_routes_addr_add(&f->dp, i, &f->dp.l3->port[i].addr[0],
				       f->err, sizeof(f->err)))
			return -1;
	if (add_static_route(f, IP(198, 19, 0, 0), 16, HF_ROUTE_VIA, GW) ||
	    add_static_route(f, IP(198, 20, 0, 0), 16, HF_ROUTE_BLACKHOLE, 0))
		return -1;
	if (hf_neigh_add_static(f->dp.neigh, 0, H1, h1_mac, now) ||
	    hf_neigh_add_static(f->dp.neigh, 1, GW, gw_mac, now) ||
	    hf_neigh_add_static(f->dp.neigh, 2, H3, h3_mac, now))
		return -1;
	return 0;
}

static int fx_setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct hf_worker *w;
	uint32_t i;

	if (!f)
		return -1;
	if (fixture_dp_init(&f->cfg, &f->dp, 1024, 64, f->err,
			    sizeof(f->err)))
		return -1;
	w = aligned_alloc(HF_CACHELINE, round_up(sizeof(*w), HF_CACHELINE));
	if (!w)
		return -1;

	memset(w, 0, sizeof(*w));
	w->dp = &f->dp;
	w->nxsk = NPORTS;
	w->cpu = -1;
	w->umem.size = (uint64_t)NFRAMES * HF_FRAME_SIZE;
	w->umem.area = aligned_alloc(4096, w->umem.size);
	w->umem.nframes = NFRAMES;
	w->umem.free = calloc(NFRAMES, sizeof(*w->umem.free));
	if (!w->umem.area || !w->umem.free)
		return -1;
	memset(w->umem.area, POISON, w->umem.size);
	/* frame 0 is never handed out (0 means "no frame") */
	for (i = NFRAMES - 1; i >= 1; i--)
		w->umem.free[w->umem.nfree++] = (uint64_t)i * HF_FRAME_SIZE;
	hf_hold_init(&w->hold, ARP_HOLD);
	w->now_ns = hf_now_ns();
	w->icmp_bucket.rate = 1000000;
	w->icmp_bucket.burst = 1000000;
	w->icmp_bucket.tokens_milli = 1000000ULL * 1000;
	w->icmp_bucket.last_ns = w->now_ns;
	f->w = w;
	f->dp.worker[0] = w;
	f->dp.nworkers = 1;
	if (setup_tables(f)) {
		print_error("setup: %s\n", f->err);
		return -1;
	}
	*state = f;
	return 0;
}

static int fx_teardown(void **state)
{
	struct fx *f = *state;

	free(f->w->umem.area);
	free(f->w->umem.free);
	free(f->w);
	fixture_dp_fini(&f->dp);
	free(f);
	return 0;
}

/* ---- receive, inspect ---- */

static struct hf_worker *W(struct fx *f)
{
	return f->w;
}

static uint8_t *fptr(struct fx *f, uint64_t addr)
{
	return hf_umem_ptr(&f->w->umem, addr);
}

static uint64_t take_frame(struct fx *f)
{
	uint64_t a = hf_frame_alloc(&f->w->umem);

	assert_int_not_equal(a, 0);
	assert_int_equal(a & (HF_FRAME_SIZE - 1), HF_FRAME_HEADROOM);
	/* poison the whole frame: nothing may depend on stale bytes */
	memset(fptr(f, hf_frame_base(a)), POISON, HF_FRAME_SIZE);
	return a;
}

/* Receive the @n frames @bytes[i] (@len[i]) on @port as one burst. */
static void rx_burst(struct fx *f, uint16_t port, uint8_t *const bytes[],
		     const uint32_t len[], uint32_t n, uint64_t addr_out[])
{
	struct xdp_desc d[HF_BURST];
	uint32_t i;

	assert_true(n <= HF_BURST);
	for (i = 0; i < n; i++) {
		d[i].addr = take_frame(f);
		d[i].len = len[i];
		d[i].options = 0;
		memcpy(fptr(f, d[i].addr), bytes[i], len[i]);
		if (addr_out)
			addr_out[i] = d[i].addr;
		f->rx_pkts++;
		f->rx_bytes += len[i];
		f->port_rx_pkts[port]++;
		f->port_rx_bytes[port] += len[i];
	}
	hf_pipeline_rx(f->w, f->dp.l3, port, d, n);
}

static uint64_t rx(struct fx *f, uint16_t port, uint8_t *bytes, uint32_t len)
{
	uint64_t addr;

	rx_burst(f, port, &bytes, &len, 1, &addr);
	return addr;
}

static const uint8_t *staged(struct fx *f, uint16_t port, uint32_t i,
			     uint32_t *len)
{
	assert_true(i < W(f)->txq[port].n);
	*len = W(f)->txq[port].len[i];
	return fptr(f, W(f)->txq[port].addr[i]);
}

static void expect_txq(struct fx *f, uint32_t n0, uint32_t n1, uint32_t n2)
{
	if (W(f)->txq[0].n != n0 || W(f)->txq[1].n != n1 ||
	    W(f)->txq[2].n != n2)
		fail_msg("staged %u/%u/%u, want %u/%u/%u", W(f)->txq[0].n,
			 W(f)->txq[1].n, W(f)->txq[2].n, n0, n1, n2);
}

struct cnt {
	enum hf_counter c;
	uint64_t v;
};

/*
 * Every counter equals its value in @want (summed over repeats), or 0
 * when not listed; rx counters equal what the test fed in.
 */
static void expect_counters(struct fx *f, const char *what,
			    const struct cnt *want, size_t n)
{
	uint64_t exp[HF_CNT_MAX] = { 0 };
	uint32_t i, bad = 0;
	size_t k;

	for (k = 0; k < n; k++)
		if (want[k].c < HF_CNT_MAX)
			exp[want[k].c] += want[k].v;
	exp[HF_CNT_rx_packets] = f->rx_pkts;
	exp[HF_CNT_rx_bytes] = f->rx_bytes;
	for (i = 0; i < HF_CNT_MAX; i++) {
		uint64_t got = hf_cnt_read(&W(f)->stats.c[i]);

		if (got != exp[i]) {
			print_error("%s: counter %s = %lu, want %lu\n", what,
				    hf_counter_name(i), (unsigned long)got,
				    (unsigned long)exp[i]);
			bad++;
		}
	}
	for (i = 0; i < NPORTS; i++) {
		if (W(f)->port_stats[i].rx_packets != f->port_rx_pkts[i] ||
		    W(f)->port_stats[i].rx_bytes != f->port_rx_bytes[i]) {
			const struct hf_port_stats *ps = &W(f)->port_stats[i];

			print_error("%s: port %u rx %lu/%lu, want %lu/%lu\n",
				    what, i, (unsigned long)ps->rx_packets,
				    (unsigned long)ps->rx_bytes,
				    (unsigned long)f->port_rx_pkts[i],
				    (unsigned long)f->port_rx_bytes[i]);
			bad++;
		}
	}
	if (bad)
		fail_msg("%s: %u counter(s) wrong", what, bad);
}

#define NO_CNT	{ HF_CNT_MAX, 0 }
#define EXPECT_COUNTERS(f, what, ...)					\
	do {								\
		const struct cnt want_[] = { __VA_ARGS__ };		\
		expect_counters(f, what, want_,				\
				sizeof(want_) / sizeof(want_[0]));	\
	} while (0)

static void mark(uint8_t *seen, uint64_t addr, const char *where)
{
	uint64_t idx = hf_frame_base(addr) / HF_FRAME_SIZE;

	if (idx == 0 || idx >= NFRAMES)
		fail_msg("%s: frame address %#lx outside the UMEM", where,
			 (unsigned long)addr);
	if (seen[idx])
		fail_msg("%s: frame %lu is in two places (%s)", where,
			 (unsigned long)idx, seen[idx] == 1 ? "free" :
			 seen[idx] == 2 ? "txq" : seen[idx] == 3 ? "hold" :
			 "stash");
	seen[idx] = 1;
}

/* Each frame is in exactly one place; staged data stays in its frame;
 * the hold queue's bookkeeping matches its slots. */
static void check_frames(struct fx *f)
{
	uint8_t seen[NFRAMES] = { 0 };
	uint32_t i, k, p, total = 0, used = 0, frames = 0;

	for (i = 0; i < W(f)->umem.nfree; i++) {
		mark(seen, W(f)->umem.free[i], "free stack");
		if (W(f)->umem.free[i] & (HF_FRAME_SIZE - 1))
			fail_msg("free stack holds %#lx, not a frame base",
				 (unsigned long)W(f)->umem.free[i]);
	}
	total += W(f)->umem.nfree;
	for (p = 0; p < HF_MAX_PORTS; p++) {
		const struct hf_txq *q = &W(f)->txq[p];

		if (p >= NPORTS && q->n)
			fail_msg("frames staged on port %u", p);
		for (i = 0; i < q->n; i++) {
			uint64_t off = q->addr[i] & (HF_FRAME_SIZE - 1);

			mark(seen, q->addr[i], "txq");
			if (!q->len[i] || off + q->len[i] > HF_FRAME_SIZE)
				fail_msg("port %u frame %u: %u bytes at offset %lu leave the frame",
					 p, i, q->len[i], (unsigned long)off);
		}
		total += q->n;
	}
	for (i = 0; i < HF_HOLD_SLOTS; i++) {
		const struct hf_hold_slot *s = &W(f)->hold.slot[i];

		if (!s->ip)
			continue;
		used++;
		frames += s->n;
		for (k = 0; k < s->n; k++)
			mark(seen, s->frame[k], "hold");
	}
	total += frames;
	assert_int_equal(W(f)->hold.used, used);
	assert_int_equal(W(f)->hold.frames, frames);
	for (i = 0; i < f->nstash; i++)
		mark(seen, f->stash[i], "stash");
	total += f->nstash;
	if (total != NFRAMES - 1)
		fail_msg("frames: %u accounted for, want %u", total,
			 NFRAMES - 1);
}

/* Return staged frames to the pool (as a TX completion would). */
static void drain_tx(struct fx *f)
{
	uint32_t p, i;

	for (p = 0; p < NPORTS; p++) {
		for (i = 0; i < W(f)->txq[p].n; i++)
			hf_frame_free(&W(f)->umem, W(f)->txq[p].addr[i]);
		W(f)->txq[p].n = 0;
	}
}

static uint32_t pop_events(struct fx *f, struct hf_event *ev, uint32_t max)
{
	uint32_t n = 0;
	struct hf_event tmp;

	while (hf_event_pop(&W(f)->events, n < max ? &ev[n] : &tmp))
		n++;
	return n;
}

static uint64_t read_wakeups(struct fx *f)
{
	uint64_t v = 0;

	if (read(f->dp.event_fd, &v, sizeof(v)) != sizeof(v))
		return 0;
	return v;
}

/* Start a new case within one test: nothing staged, no counters. */
static void reset_case(struct fx *f)
{
	struct hf_event ev;

	drain_tx(f);
	while (hf_event_pop(&W(f)->events, &ev))
		;
	read_wakeups(f);
	memset(&W(f)->stats, 0, sizeof(W(f)->stats));
	memset(W(f)->port_stats, 0, sizeof(W(f)->port_stats));
	f->rx_pkts = 0;
	f->rx_bytes = 0;
	memset(f->port_rx_pkts, 0, sizeof(f->port_rx_pkts));
	memset(f->port_rx_bytes, 0, sizeof(f->port_rx_bytes));
}

static bool ip_csum_ok(const uint8_t *ip)
{
	return naive_csum(ip, (size_t)(ip[0] & 0x0f) * 4) == 0;
}

static void expect_eth(const uint8_t *frame, const uint8_t *dst,
		       const uint8_t *src, uint16_t type)
{
	assert_memory_equal(frame, dst, 6);
	assert_memory_equal(frame + 6, src, 6);
	assert_int_equal(get16(frame + 12), type);
}

/* ---- forwarding ---- */

struct fwd_case {
	const char *name;
	uint16_t in;
	const uint8_t *smac;
	uint32_t src, dst;
	uint8_t ttl;
	uint16_t frag;
	uint8_t proto;
	uint8_t ihl;
	uint32_t l4_len;
	uint32_t pad_to;
	uint16_t out;
	const uint8_t *out_dmac;
};

static const struct fwd_case fwd_cases[] = {
	{ "via gateway", 0, h1_mac, H1, REMOTE, 64, 0, PROTO_UDP, 5, 100, 0,
	  1, gw_mac },
	{ "connected host", 0, h1_mac, H1, H3, 64, 0, PROTO_UDP, 5, 100, 0,
	  2, h3_mac },
	{ "to the gateway itself", 0, h1_mac, H1, GW, 64, 0, PROTO_TCP, 5, 40,
	  0, 1, gw_mac },
	{ "reverse direction", 2, h3_mac, H3, H1, 64, 0, PROTO_UDP, 5, 100, 0,
	  0, h1_mac },
	{ "from beyond the gateway", 1, gw_mac, IP(198, 19, 9, 9), H3, 30, 0,
	  PROTO_UDP, 5, 64, 0, 2, h3_mac },
	{ "hairpin", 0, other_mac, IP(198, 18, 1, 3), H1, 64, 0, PROTO_UDP,
	  5, 100, 0, 0, h1_mac },
	{ "TTL 2 leaves with 1", 0, h1_mac, H1, REMOTE, 2, 0, PROTO_UDP, 5,
	  100, 0, 1, gw_mac },
	{ "TTL 255", 0, h1_mac, H1, REMOTE, 255, 0, PROTO_UDP, 5, 100, 0, 1,
	  gw_mac },
	{ "DF set, exactly the MTU", 0, h1_mac, H1, REMOTE, 64, IP_DF,
	  PROTO_UDP, 5, 1480, 0, 1, gw_mac },
	{ "IP options kept", 0, h1_mac, H1, REMOTE, 64, 0, PROTO_UDP, 7, 100,
	  0, 1, gw_mac },
	{ "maximum header", 0, h1_mac, H1, H3, 64, 0, PROTO_UDP, 15, 100, 0,
	  2, h3_mac },
	{ "Ethernet padding not forwarded", 0, h1_mac, H1, REMOTE, 64, 0,
	  PROTO_UDP, 5, 8, 60, 1, gw_mac },
	{ "echo request in transit", 0, h1_mac, H1, REMOTE, 64, 0, PROTO_ICMP,
	  5, 64, 0, 1, gw_mac },
	{ "fragment in transit", 0, h1_mac, H1, REMOTE, 64, IP_MF | 10,
	  PROTO_UDP, 5, 200, 0, 1, gw_mac },
	{ "empty payload", 0, h1_mac, H1, REMOTE, 64, 0, 253, 5, 0, 0, 1,
	  gw_mac },
};

static void test_forward(void **state)
{
	struct fx *f = *state;
	uint8_t in[HF_FRAME_DATA_MAX];
	size_t c;

	for (c = 0; c < sizeof(fwd_cases) / sizeof(fwd_cases[0]); c++) {
		const struct fwd_case *fc = &fwd_cases[c];
		struct pk p = pk_default();
		uint32_t len, out_len, ip_len, i;
		const uint8_t *out, *oip, *iip = in + ETH_HLEN;
		uint64_t addr;

		reset_case(f);
		p.dmac = port_mac[fc->in];
		p.smac = fc->smac;
		p.src = fc->src;
		p.dst = fc->dst;
		p.ttl = fc->ttl;
		p.frag = fc->frag;
		p.proto = fc->proto;
		p.ihl = fc->ihl;
		p.l4_len = fc->l4_len;
		p.pad_to = fc->pad_to;
		len = build(in, &p);
		ip_len = (uint32_t)fc->ihl * 4 + fc->l4_len;
		addr = rx(f, fc->in, in, len);

		if (W(f)->txq[fc->out].n != 1)
			fail_msg("%s: %u frames staged on port %u", fc->name,
				 W(f)->txq[fc->out].n, fc->out);
		expect_txq(f, fc->out == 0, fc->out == 1, fc->out == 2);
		out = staged(f, fc->out, 0, &out_len);
		assert_int_equal(out_len, ETH_HLEN + ip_len);
		/* forwarded in place, zero copy */
		assert_int_equal(hf_frame_base(W(f)->txq[fc->out].addr[0]),
				 hf_frame_base(addr));
		expect_eth(out, fc->out_dmac, port_mac[fc->out], 0x0800);
		oip = out + ETH_HLEN;
		assert_int_equal(oip[8], fc->ttl - 1);
		if (!ip_csum_ok(oip))
			fail_msg("%s: bad IP checksum %04x", fc->name,
				 get16(oip + 10));
		for (i = 0; i < ip_len; i++) {
			if (i == 8 || i == 10 || i == 11)
				continue;	/* TTL and checksum */
			if (oip[i] != iip[i])
				fail_msg("%s: IP byte %u changed %02x -> %02x",
					 fc->name, i, iip[i], oip[i]);
		}
		EXPECT_COUNTERS(f, fc->name, { HF_CNT_forwarded, 1 });
		assert_int_equal(pop_events(f, NULL, 0), 0);
		assert_int_equal(W(f)->hold.used, 0);
		check_frames(f);
	}
}

/* ---- drops ---- */

enum mut {
	M_NONE,
	M_DMAC_OTHER,
	M_DMAC_BCAST,
	M_DMAC_MCAST,
	M_VLAN,
	M_QINQ,
	M_IPV6,
	M_RUNT,
	M_ETH_ONLY,
	M_TRUNC_HDR,
	M_TRUNC_PAYLOAD,
	M_TRUNC_OPTIONS,
	M_VERSION6,
	M_IHL4,
	M_TOTLEN_19,
	M_BAD_CSUM,
	M_ICMP_BAD_CSUM,
	M_SRC_ZERO,
};

struct drop_case {
	const char *name;
	enum mut mut;
	uint32_t src, dst;	/* 0: the default (H1 -> REMOTE) */
	uint8_t proto;		/* 0: UDP */
	uint16_t frag;
	uint8_t icmp_type;
	enum hf_counter cnt;
	enum hf_counter also;	/* HF_CNT_MAX: none */
};

#define X HF_CNT_MAX

static const struct drop_case drop_cases[] = {
	{ "not our MAC", M_DMAC_OTHER, 0, 0, 0, 0, 0, HF_CNT_drop_not_our_mac,
	  X },
	{ "unicast IP in broadcast frame", M_DMAC_BCAST, 0, 0, 0, 0, 0,
	  HF_CNT_drop_l2_broadcast, X },
	{ "unicast IP in multicast frame", M_DMAC_MCAST, 0, 0, 0, 0, 0,
	  HF_CNT_drop_l2_broadcast, X },
	{ "802.1Q", M_VLAN, 0, 0, 0, 0, 0, HF_CNT_drop_vlan, X },
	{ "802.1ad", M_QINQ, 0, 0, 0, 0, 0, HF_CNT_drop_vlan, X },
	{ "IPv6 ethertype", M_IPV6, 0, 0, 0, 0, 0, HF_CNT_drop_ethertype, X },
	{ "runt", M_RUNT, 0, 0, 0, 0, 0, HF_CNT_drop_runt, X },
	{ "Ethernet header only", M_ETH_ONLY, 0, 0, 0, 0, 0,
	  HF_CNT_drop_ip_truncated, X },
	{ "IP header truncated", M_TRUNC_HDR, 0, 0, 0, 0, 0,
	  HF_CNT_drop_ip_truncated, X },
	{ "IP payload truncated", M_TRUNC_PAYLOAD, 0, 0, 0, 0, 0,
	  HF_CNT_drop_ip_truncated, X },
	{ "IP options truncated", M_TRUNC_OPTIONS, 0, 0, 0, 0, 0,
	  HF_CNT_drop_ip_truncated, X },
	{ "version 6", M_VERSION6, 0, 0, 0, 0, 0, HF_CNT_drop_ip_version, X },
	{ "IHL 4", M_IHL4, 0, 0, 0, 0, 0, HF_CNT_drop_ip_ihl, X },
	{ "total length 19", M_TOTLEN_19, 0, 0, 0, 0, 0,
	  HF_CNT_drop_ip_total_len, X },
	{ "bad header checksum", M_BAD_CSUM, 0, 0, 0, 0, 0,
	  HF_CNT_drop_ip_checksum, X },
	{ "source 0.0.0.0", M_SRC_ZERO, 0, 0, 0, 0, 0,
	  HF_CNT_drop_martian_src, X },
	{ "source 127.0.0.1", M_NONE, IP(127, 0, 0, 1), 0, 0, 0, 0,
	  HF_CNT_drop_martian_src, X },
	{ "source 169.254.1.1", M_NONE, IP(169, 254, 1, 1), 0, 0, 0, 0,
	  HF_CNT_drop_martian_src, X },
	{ "source multicast", M_NONE, IP(224, 0, 0, 1), 0, 0, 0, 0,
	  HF_CNT_drop_martian_src, X },
	{ "source class E", M_NONE, IP(240, 0, 0, 1), 0, 0, 0, 0,
	  HF_CNT_drop_martian_src, X },
	{ "source broadcast", M_NONE, IP(255, 255, 255, 255), 0, 0, 0, 0,
	  HF_CNT_drop_martian_src, X },
	{ "destination 0.1.2.3", M_NONE, 0, IP(0, 1, 2, 3), 0, 0, 0,
	  HF_CNT_drop_martian_dst, X },
	{ "destination 127.0.0.1", M_NONE, 0, IP(127, 0, 0, 1), 0, 0, 0,
	  HF_CNT_drop_martian_dst, X },
	{ "destination 169.254.0.5", M_NONE, 0, IP(169, 254, 0, 5), 0, 0, 0,
	  HF_CNT_drop_martian_dst, X },
	{ "destination class E", M_NONE, 0, IP(240, 1, 2, 3), 0, 0, 0,
	  HF_CNT_drop_martian_dst, X },
	{ "limited broadcast", M_NONE, 0, IP(255, 255, 255, 255), 0, 0, 0,
	  HF_CNT_drop_broadcast_dst, X },
	{ "directed broadcast, other subnet", M_NONE, 0, IP(198, 18, 2, 255),
	  0, 0, 0, HF_CNT_drop_broadcast_dst, X },
	{ "directed broadcast, own subnet", M_NONE, 0, IP(198, 18, 1, 255), 0,
	  0, 0, HF_CNT_drop_broadcast_dst, X },
	{ "multicast 224.0.0.5", M_NONE, 0, IP(224, 0, 0, 5), 0, 0, 0,
	  HF_CNT_drop_multicast_dst, X },
	{ "multicast 239.1.2.3", M_NONE, 0, IP(239, 1, 2, 3), 0, 0, 0,
	  HF_CNT_drop_multicast_dst, X },
	{ "local UDP", M_NONE, 0, IP(198, 18, 1, 1), 0, 0, 0,
	  HF_CNT_drop_local_proto, HF_CNT_local_delivered },
	{ "local UDP, other port's address", M_NONE, 0, IP(198, 18, 3, 1), 0,
	  0, 0, HF_CNT_drop_local_proto, HF_CNT_local_delivered },
	{ "local TCP", M_NONE, 0, IP(198, 18, 1, 1), PROTO_TCP, 0, 0,
	  HF_CNT_drop_local_proto, HF_CNT_local_delivered },
	{ "local ICMP first fragment", M_NONE, 0, IP(198, 18, 1, 1),
	  PROTO_ICMP, IP_MF, 8, HF_CNT_drop_local_proto, X },
	{ "local ICMP later fragment", M_NONE, 0, IP(198, 18, 1, 1),
	  PROTO_ICMP, 100, 8, HF_CNT_drop_local_proto, X },
	{ "local echo, bad ICMP checksum", M_ICMP_BAD_CSUM, 0,
	  IP(198, 18, 1, 1), PROTO_ICMP, 0, 8, HF_CNT_drop_local_bad_icmp,
	  HF_CNT_local_delivered },
	{ "local echo reply (not a request)", M_NONE, 0, IP(198, 18, 1, 1),
	  PROTO_ICMP, 0, 0, HF_CNT_drop_local_bad_icmp,
	  HF_CNT_local_delivered },
	{ "blackhole route", M_NONE, 0, BLACKH, 0, 0, 0, HF_CNT_drop_blackhole,
	  X },
};

#undef X

/* Apply @m to the frame @b of length *@len (built from a valid packet). */
static void mutate(uint8_t *b, uint32_t *len, enum mut m)
{
	uint8_t *ip = b + ETH_HLEN;

	switch (m) {
	case M_NONE:
		break;
	case M_DMAC_OTHER:
		memcpy(b, other_mac, 6);
		break;
	case M_DMAC_BCAST:
		memcpy(b, bcast_mac, 6);
		break;
	case M_DMAC_MCAST:
		memcpy(b, mcast_mac, 6);
		break;
	case M_VLAN:
		put16(b + 12, 0x8100);
		break;
	case M_QINQ:
		put16(b + 12, 0x88a8);
		break;
	case M_IPV6:
		put16(b + 12, 0x86dd);
		break;
	case M_RUNT:
		*len = 13;
		break;
	case M_ETH_ONLY:
		*len = ETH_HLEN;
		break;
	case M_TRUNC_HDR:
		*len = ETH_HLEN + IP_HLEN - 1;
		break;
	case M_TRUNC_PAYLOAD:
		*len -= 1;	/* total length says one byte more */
		break;
	case M_TRUNC_OPTIONS:
		ip[0] = 0x4f;	/* 60-byte header in 20 + 24 bytes */
		put16(ip + 2, 60);
		*len = ETH_HLEN + 44;
		fix_ip_csum(b);
		break;
	case M_VERSION6:
		ip[0] = 0x65;
		fix_ip_csum(b);
		break;
	case M_IHL4:
		ip[0] = 0x44;
		break;
	case M_TOTLEN_19:
		put16(ip + 2, 19);
		fix_ip_csum(b);
		break;
	case M_BAD_CSUM:
		ip[10] ^= 0x01;
		break;
	case M_ICMP_BAD_CSUM:
		ip[IP_HLEN + 2] ^= 0x40;
		break;
	case M_SRC_ZERO:
		put32(ip + 12, 0);
		fix_ip_csum(b);
		break;
	}
}

static void test_drops(void **state)
{
	struct fx *f = *state;
	uint8_t b[HF_FRAME_DATA_MAX];
	size_t c;

	for (c = 0; c < sizeof(drop_cases) / sizeof(drop_cases[0]); c++) {
		const struct drop_case *dc = &drop_cases[c];
		struct pk p = pk_default();
		uint32_t len, nfree;

		reset_case(f);
		if (dc->src)
			p.src = dc->src;
		if (dc->dst)
			p.dst = dc->dst;
		if (dc->proto)
			p.proto = dc->proto;
		p.frag = dc->frag;
		p.icmp_type = dc->icmp_type;
		len = build(b, &p);
		mutate(b, &len, dc->mut);
		nfree = W(f)->umem.nfree;
		rx(f, 0, b, len);
		expect_txq(f, 0, 0, 0);
		/* the frame went back to the pool */
		if (W(f)->umem.nfree != nfree)
			fail_msg("%s: frame not freed", dc->name);
		EXPECT_COUNTERS(f, dc->name, { dc->cnt, 1 }, { dc->also, 1 });
		assert_int_equal(pop_events(f, NULL, 0), 0);
		assert_int_equal(read_wakeups(f), 0);
		assert_int_equal(W(f)->hold.used, 0);
		check_frames(f);
	}
}

/* ---- ICMP errors ---- */

/*
 * The single frame staged on @port is an ICMP error (@type/@code, next-hop
 * MTU @mtu) from @src to @dst, sent to @dmac, quoting the IP packet
 * @orig of @orig_len bytes, built in the frame the offending packet came
 * in (@rx_addr).
 */
static void expect_icmp_error(struct fx *f, uint16_t port, const uint8_t *dmac,
			      uint32_t src, uint32_t dst, uint8_t type,
			      uint8_t code, uint16_t mtu, const uint8_t *orig,
			      uint32_t orig_len, uint64_t rx_addr)
{
	uint32_t quote = orig_len < ERR_QUOTE_MAX ? orig_len : ERR_QUOTE_MAX;
	uint32_t len;
	const uint8_t *fr = staged(f, port, 0, &len);
	const uint8_t *ip = fr + ETH_HLEN, *icmp = ip + IP_HLEN;

	assert_int_equal(W(f)->txq[port].n, 1);
	assert_int_equal(hf_frame_base(W(f)->txq[port].addr[0]),
			 hf_frame_base(rx_addr));
	assert_int_equal(len, ETH_HLEN + ERR_PREPEND + quote);
	expect_eth(fr, dmac, port_mac[port], 0x0800);
	assert_int_equal(ip[0], 0x45);
	assert_int_equal(ip[1], 0xc0);
	assert_int_equal(get16(ip + 2), ERR_PREPEND + quote);
	assert_int_equal(get16(ip + 6), 0);		/* DF clear */
	assert_int_equal(ip[8], 64);
	assert_int_equal(ip[9], PROTO_ICMP);
	assert_true(ip_csum_ok(ip));
	assert_int_equal(get32(ip + 12), src);
	assert_int_equal(get32(ip + 16), dst);
	assert_int_equal(icmp[0], type);
	assert_int_equal(icmp[1], code);
	assert_int_equal(naive_csum(icmp, ICMP_HLEN + quote), 0);
	assert_int_equal(get16(icmp + 4), 0);
	assert_int_equal(get16(icmp + 6), mtu);
	assert_memory_equal(icmp + ICMP_HLEN, orig, quote);
}

static void test_ttl_exceeded(void **state)
{
	static const uint8_t ttls[] = { 1, 0 };
	struct fx *f = *state;
	uint8_t b[HF_FRAME_DATA_MAX], orig[HF_FRAME_DATA_MAX];
	size_t i;

	for (i = 0; i < sizeof(ttls); i++) {
		struct pk p = pk_default();
		uint32_t len;
		uint64_t addr;

		reset_case(f);
		p.ttl = ttls[i];
		len = build(b, &p);
		memcpy(orig, b + ETH_HLEN, len - ETH_HLEN);
		addr = rx(f, 0, b, len);
		expect_txq(f, 1, 0, 0);
		expect_icmp_error(f, 0, h1_mac, IP(198, 18, 1, 1), H1, 11, 0,
				  0, orig, len - ETH_HLEN, addr);
		EXPECT_COUNTERS(f, "ttl exceeded",
				{ HF_CNT_drop_ttl_exceeded, 1 },
				{ HF_CNT_icmp_error_tx, 1 });
		check_frames(f);
	}
}

/* The error to a source beyond a gateway is routed like any packet:
 * from the ingress port's address, to the gateway's MAC. */
static void test_ttl_exceeded_remote_source(void **state)
{
	struct fx *f = *state;
	uint8_t b[HF_FRAME_DATA_MAX], orig[HF_FRAME_DATA_MAX];
	struct pk p = pk_default();
	uint32_t len;
	uint64_t addr;

	p.dmac = port_mac[1];
	p.smac = gw_mac;
	p.src = IP(198, 19, 7, 7);
	p.dst = H3;
	p.ttl = 1;
	p.l4_len = 1000;	/* quote cut at 576 bytes */
	len = build(b, &p);
	memcpy(orig, b + ETH_HLEN, len - ETH_HLEN);
	addr = rx(f, 1, b, len);
	expect_txq(f, 0, 1, 0);
	expect_icmp_error(f, 1, gw_mac, IP(198, 18, 2, 1), IP(198, 19, 7, 7),
			  11, 0, 0, orig, len - ETH_HLEN, addr);
	EXPECT_COUNTERS(f, "ttl exceeded remote",
			{ HF_CNT_drop_ttl_exceeded, 1 },
			{ HF_CNT_icmp_error_tx, 1 });
	check_frames(f);
}

static void test_no_route(void **state)
{
	static const uint32_t l4_lens[] = { 100, 1380 };
	struct fx *f = *state;
	uint8_t b[HF_FRAME_DATA_MAX], orig[HF_FRAME_DATA_MAX];
	size_t i;

	for (i = 0; i < 2; i++) {
		struct pk p = pk_default();
		uint32_t len;
		uint64_t addr;

		reset_case(f);
		p.dst = NOROUTE;
		p.l4_len = l4_lens[i];
		len = build(b, &p);
		memcpy(orig, b + ETH_HLEN, len - ETH_HLEN);
		addr = rx(f, 0, b, len);
		expect_txq(f, 1, 0, 0);
		expect_icmp_error(f, 0, h1_mac, IP(198, 18, 1, 1), H1, 3, 0, 0,
				  orig, len - ETH_HLEN, addr);
		EXPECT_COUNTERS(f, "no route", { HF_CNT_drop_no_route, 1 },
				{ HF_CNT_icmp_error_tx, 1 });
		check_frames(f);
	}
}

static void test_frag_needed(void **state)
{
	struct fx *f = *state;
	uint8_t b[HF_FRAME_DATA_MAX], orig[HF_FRAME_DATA_MAX];
	struct pk p = pk_default();
	uint32_t len;
	uint64_t addr;

	f->dp.l3->port[1].mtu = 1000;
	p.frag = IP_DF;
	p.l4_len = 1180;	/* 1200-byte packet */
	len = build(b, &p);
	memcpy(orig, b + ETH_HLEN, len - ETH_HLEN);
	addr = rx(f, 0, b, len);
	expect_txq(f, 1, 0, 0);
	expect_icmp_error(f, 0, h1_mac, IP(198, 18, 1, 1), H1, 3, 4, 1000,
			  orig, len - ETH_HLEN, addr);
	EXPECT_COUNTERS(f, "frag needed", { HF_CNT_drop_frag_needed, 1 },
			{ HF_CNT_icmp_error_tx, 1 });
	check_frames(f);

	/* one byte over the MTU is too big, exactly the MTU is not */
	reset_case(f);
	p.l4_len = 1000 - IP_HLEN + 1;
	len = build(b, &p);
	memcpy(orig, b + ETH_HLEN, len - ETH_HLEN);
	addr = rx(f, 0, b, len);
	expect_icmp_error(f, 0, h1_mac, IP(198, 18, 1, 1), H1, 3, 4, 1000,
			  orig, len - ETH_HLEN, addr);
	reset_case(f);
	p.l4_len = 1000 - IP_HLEN;
	len = build(b, &p);
	rx(f, 0, b, len);
	expect_txq(f, 0, 1, 0);
	EXPECT_COUNTERS(f, "exactly the MTU", { HF_CNT_forwarded, 1 });
	check_frames(f);
}

/* No error about an ICMP error, a later fragment; the rate limit. */
static void test_icmp_error_suppressed(void **state)
{
	struct fx *f = *state;
	uint8_t b[HF_FRAME_DATA_MAX];
	struct pk p = pk_default();
	uint32_t len, nfree;

	/* an expiring Destination Unreachable */
	p.proto = PROTO_ICMP;
	p.icmp_type = 3;
	p.ttl = 1;
	len = build(b, &p);
	nfree = W(f)->umem.nfree;
	rx(f, 0, b, len);
	expect_txq(f, 0, 0, 0);
	assert_int_equal(W(f)->umem.nfree, nfree);
	EXPECT_COUNTERS(f, "error about error",
			{ HF_CNT_drop_ttl_exceeded, 1 },
			{ HF_CNT_icmp_error_suppressed, 1 });
	check_frames(f);

	/* a non-first fragment with nowhere to go */
	reset_case(f);
	p = pk_default();
	p.dst = NOROUTE;
	p.frag = 185;
	len = build(b, &p);
	rx(f, 0, b, len);
	expect_txq(f, 0, 0, 0);
	EXPECT_COUNTERS(f, "later fragment", { HF_CNT_drop_no_route, 1 },
			{ HF_CNT_icmp_error_suppressed, 1 });
	check_frames(f);

	/* an expiring echo request does get an error */
	reset_case(f);
	p = pk_echo(REMOTE, 64);
	p.ttl = 1;
	len = build(b, &p);
	rx(f, 0, b, len);
	expect_txq(f, 1, 0, 0);
	EXPECT_COUNTERS(f, "echo expiring", { HF_CNT_drop_ttl_exceeded, 1 },
			{ HF_CNT_icmp_error_tx, 1 });
	check_frames(f);
}

static void test_icmp_rate_limit(void **state)
{
	struct fx *f = *state;
	uint8_t b[HF_FRAME_DATA_MAX];
	struct pk p = pk_default();
	uint32_t len;

	/* one token, no refill */
	W(f)->icmp_bucket.rate = 0;
	W(f)->icmp_bucket.burst = 1;
	W(f)->icmp_bucket.tokens_milli = 1000;
	W(f)->icmp_bucket.last_ns = W(f)->now_ns;
	p.ttl = 1;
	len = build(b, &p);
	rx(f, 0, b, len);
	rx(f, 0, b, len);
	rx(f, 0, b, len);
	expect_txq(f, 1, 0, 0);
	EXPECT_COUNTERS(f, "rate limit", { HF_CNT_drop_ttl_exceeded, 3 },
			{ HF_CNT_icmp_error_tx, 1 },
			{ HF_CNT_icmp_error_ratelimited, 2 });
	check_frames(f);

	/* 10 tokens/s: after 150 ms one more error may go */
	reset_case(f);
	W(f)->icmp_bucket.rate = 10;
	W(f)->icmp_bucket.burst = 5;
	W(f)->icmp_bucket.last_ns = W(f)->now_ns;
	W(f)->now_ns += 150 * MS;
	rx(f, 0, b, len);
	rx(f, 0, b, len);
	expect_txq(f, 1, 0, 0);
	EXPECT_COUNTERS(f, "refill", { HF_CNT_drop_ttl_exceeded, 2 },
			{ HF_CNT_icmp_error_tx, 1 },
			{ HF_CNT_icmp_error_ratelimited, 1 });
	check_frames(f);
}

/* ---- fragmentation ---- */

struct frag_case {
	uint32_t ip_len, mtu, n;
	uint16_t frag;		/* the original's flags/offset */
};

static const struct frag_case frag_cases[] = {
	{ 1200, 1000, 2, 0 },
	{ 1001, 1000, 2, 0 },
	{ 3000, 1000, 4, 0 },
	{ 1500, 576, 3, 0 },
	{ 1500, 68, 31, 0 },
	{ 1200, 1000, 2, IP_MF | 10 },	/* a fragment fragmented again */
	{ 1200, 1000, 2, 300 },		/* a last fragment, refragmented */
};

static void test_fragment(void **state)
{
	struct fx *f = *state;
	uint8_t b[HF_FRAME_DATA_MAX], orig[HF_FRAME_DATA_MAX];
	size_t c;

	for (c = 0; c < sizeof(frag_cases) / sizeof(frag_cases[0]); c++) {
		const struct frag_case *fc = &frag_cases[c];
		struct pk p = pk_default();
		uint32_t len, k, payload = 0, chunk = (fc->mtu - IP_HLEN) & ~7u;
		uint32_t orig_off = fc->frag & 0x1fff;
		char what[64];

		snprintf(what, sizeof(what), "%u bytes at MTU %u", fc->ip_len,
			 fc->mtu);
		reset_case(f);
		f->dp.l3->port[1].mtu = fc->mtu;
		p.l4_len = fc->ip_len - IP_HLEN;
		p.frag = fc->frag;
		p.id = 0xbeef;
		len = build(b, &p);
		memcpy(orig, b + ETH_HLEN, fc->ip_len);
		rx(f, 0, b, len);
		if (W(f)->txq[1].n != fc->n)
			fail_msg("%s: %u fragments, want %u", what,
				 W(f)->txq[1].n, fc->n);
		expect_txq(f, 0, fc->n, 0);
		for (k = 0; k < fc->n; k++) {
			uint32_t flen, tot, plen;
			const uint8_t *fr = staged(f, 1, k, &flen);
			const uint8_t *ip = fr + ETH_HLEN;
			uint16_t fo;

			expect_eth(fr, gw_mac, port_mac[1], 0x0800);
			tot = get16(ip + 2);
			assert_int_equal(flen, ETH_HLEN + tot);
			assert_true(tot <= fc->mtu);
			assert_int_equal(ip[0], 0x45);
			assert_int_equal(get16(ip + 4), 0xbeef);
			assert_int_equal(ip[8], 63);
			assert_int_equal(ip[9], PROTO_UDP);
			assert_int_equal(get32(ip + 12), H1);
			assert_int_equal(get32(ip + 16), REMOTE);
			if (!ip_csum_ok(ip))
				fail_msg("%s: fragment %u bad checksum", what,
					 k);
			fo = get16(ip + 6);
			if ((fo & 0x1fff) != orig_off + payload / 8)
				fail_msg("%s: fragment %u offset %u, want %u",
					 what, k, fo & 0x1fff,
					 orig_off + payload / 8);
			if (k < fc->n - 1 || (fc->frag & IP_MF))
				assert_int_equal(fo & 0xe000, IP_MF);
			else
				assert_int_equal(fo & 0xe000, 0);
			plen = tot - IP_HLEN;
			if (k < fc->n - 1)
				assert_int_equal(plen, chunk);
			assert_memory_equal(ip + IP_HLEN,
					    orig + IP_HLEN + payload, plen);
			payload += plen;
		}
		assert_int_equal(payload, fc->ip_len - IP_HLEN);
		EXPECT_COUNTERS(f, what, { HF_CNT_forwarded, 1 },
				{ HF_CNT_fragments_sent, fc->n });
		check_frames(f);
	}
}

/* Fragments need frames; with too few, nothing is sent and nothing is
 * lost. */
static void test_fragment_no_frames(void **state)
{
	struct fx *f = *state;
	uint8_t b[HF_FRAME_DATA_MAX];
	struct pk p = pk_default();
	uint32_t len;

	f->dp.l3->port[1].mtu = 1000;
	p.l4_len = 3000 - IP_HLEN;	/* four fragments: three new frames */
	len = build(b, &p);
	/* leave two frames: one to receive into, one spare */
	while (W(f)->umem.nfree > 2)
		f->stash[f->nstash++] = hf_frame_alloc(&W(f)->umem);
	rx(f, 0, b, len);
	expect_txq(f, 0, 0, 0);
	assert_int_equal(W(f)->umem.nfree, 2);
	EXPECT_COUNTERS(f, "no frames", { HF_CNT_forwarded, 1 },
			{ HF_CNT_frame_pool_empty, 1 },
			{ HF_CNT_drop_frag_nomem, 1 });
	check_frames(f);
	while (f->nstash)
		hf_frame_free(&W(f)->umem, f->stash[--f->nstash]);
	check_frames(f);
}

/* ---- local delivery: echo ---- */

struct echo_case {
	uint16_t in;
	uint32_t src, dst, l4_len, pad_to;
	const uint8_t *smac;
};

static const struct echo_case echo_cases[] = {
	{ 0, H1, IP(198, 18, 2, 1), 64, 0, h1_mac },	/* p1's address */
	{ 0, H1, IP(198, 18, 1, 1), 64, 0, h1_mac },
	{ 0, H1, IP(198, 18, 1, 1), 37, 0, h1_mac },	/* odd length */
	{ 0, H1, IP(198, 18, 1, 1), 8, 60, h1_mac },	/* padded frame */
	{ 0, H1, IP(198, 18, 3, 1), 1472, 0, h1_mac },
	{ 2, H3, IP(198, 18, 3, 1), 56, 0, h3_mac },
	{ 1, IP(198, 19, 1, 1), IP(198, 18, 2, 1), 56, 0, gw_mac },
};

static void test_echo_reply(void **state)
{
	struct fx *f = *state;
	uint8_t b[HF_FRAME_DATA_MAX];
	size_t c;

	for (c = 0; c < sizeof(echo_cases) / sizeof(echo_cases[0]); c++) {
		const struct echo_case *ec = &echo_cases[c];
		struct pk p = pk_echo(ec->dst, ec->l4_len);
		uint32_t len, out_len, ip_len = IP_HLEN + ec->l4_len;
		const uint8_t *out, *ip, *icmp, *iicmp = b + ETH_HLEN + IP_HLEN;
		uint64_t addr;

		reset_case(f);
		p.dmac = port_mac[ec->in];
		p.smac = ec->smac;
		p.src = ec->src;
		p.pad_to = ec->pad_to;
		p.ttl = 17;	/* the reply gets a fresh TTL */
		len = build(b, &p);
		addr = rx(f, ec->in, b, len);
		if (W(f)->txq[ec->in].n != 1)
			fail_msg("echo case %zu: no reply on port %u", c,
				 ec->in);
		expect_txq(f, ec->in == 0, ec->in == 1, ec->in == 2);
		out = staged(f, ec->in, 0, &out_len);
		assert_int_equal(hf_frame_base(W(f)->txq[ec->in].addr[0]),
				 hf_frame_base(addr));
		assert_int_equal(out_len, ETH_HLEN + ip_len);
		expect_eth(out, ec->smac, port_mac[ec->in], 0x0800);
		ip = out + ETH_HLEN;
		icmp = ip + IP_HLEN;
		assert_true(ip_csum_ok(ip));
		assert_int_equal(get16(ip + 2), ip_len);
		assert_int_equal(ip[8], 64);
		assert_int_equal(ip[9], PROTO_ICMP);
		assert_int_equal(get32(ip + 12), ec->dst);
		assert_int_equal(get32(ip + 16), ec->src);
		assert_int_equal(icmp[0], 0);
		assert_int_equal(icmp[1], 0);
		if (naive_csum(icmp, ec->l4_len))
			fail_msg("echo case %zu: bad ICMP checksum", c);
		/* id, seq and data echoed unchanged */
		assert_memory_equal(icmp + 4, iicmp + 4, ec->l4_len - 4);
		EXPECT_COUNTERS(f, "echo", { HF_CNT_local_delivered, 1 },
				{ HF_CNT_icmp_echo_reply_tx, 1 });
		check_frames(f);
	}
}

/* ---- ARP ---- */

static void expect_event(const struct hf_event *ev, uint8_t type,
			 uint16_t port, uint32_t ip, const uint8_t *mac,
			 uint8_t may_create)
{
	assert_int_equal(ev->type, type);
	assert_int_equal(ev->port, port);
	assert_int_equal(ev->ip, ip);
	if (mac)
		assert_memory_equal(ev->mac, mac, 6);
	assert_int_equal(ev->may_create, may_create);
}

static void test_arp_request_for_us(void **state)
{
	static const uint32_t lens[] = { 60, 42 };
	struct fx *f = *state;
	uint8_t b[64], want[60];
	struct hf_event ev[4];
	size_t i;

	for (i = 0; i < 2; i++) {
		uint32_t len, out_len;
		const uint8_t *out;
		uint64_t addr;

		reset_case(f);
		len = build_arp(b, bcast_mac, 1, h1_mac, H1, IP(198, 18, 1, 1),
				lens[i]);
		addr = rx(f, 0, b, len);
		expect_txq(f, 1, 0, 0);
		out = staged(f, 0, 0, &out_len);
		assert_int_equal(hf_frame_base(W(f)->txq[0].addr[0]),
				 hf_frame_base(addr));
		assert_int_equal(out_len, 60);
		memset(want, 0, sizeof(want));
		memcpy(want, h1_mac, 6);
		memcpy(want + 6, port_mac[0], 6);
		put16(want + 12, 0x0806);
		put16(want + 14, 1);
		put16(want + 16, 0x0800);
		want[18] = 6;
		want[19] = 4;
		put16(want + 20, 2);
		memcpy(want + 22, port_mac[0], 6);
		put32(want + 28, IP(198, 18, 1, 1));
		memcpy(want + 32, h1_mac, 6);
		put32(want + 38, H1);
		assert_memory_equal(out, want, 60);
		EXPECT_COUNTERS(f, "arp request", { HF_CNT_arp_request_rx, 1 },
				{ HF_CNT_arp_reply_tx, 1 });
		/* the requester is learned (and may be created) */
		assert_int_equal(pop_events(f, ev, 4), 1);
		expect_event(&ev[0], HF_EV_NEIGH_LEARN, 0, H1, h1_mac, 1);
		assert_int_equal(read_wakeups(f), 1);
		check_frames(f);
	}
}

struct arp_case {
	const char *name;
	const uint8_t *dmac, *sha;
	uint16_t oper;
	uint32_t spa, tpa, len;
	uint16_t htype;
	enum hf_counter cnt, also;
	int event;		/* -1: none, else may_create */
};

static const struct arp_case arp_cases[] = {
	{ "request for another host", bcast_mac, h1_mac, 1, H1,
	  IP(198, 18, 1, 99), 60, 1, HF_CNT_arp_request_rx,
	  HF_CNT_arp_not_for_us, 0 },
	{ "request for another port's address", bcast_mac, h1_mac, 1, H1,
	  IP(198, 18, 2, 1), 60, 1, HF_CNT_arp_request_rx,
	  HF_CNT_arp_not_for_us, 0 },
	{ "gratuitous", bcast_mac, h1_mac, 1, H1, H1, 60, 1,
	  HF_CNT_arp_request_rx, HF_CNT_arp_not_for_us, 0 },
	{ "reply", port_mac[0], h1_mac, 2, H1, IP(198, 18, 1, 1), 60, 1,
	  HF_CNT_arp_reply_rx, HF_CNT_MAX, 0 },
	{ "multicast sender", bcast_mac, mcast_mac, 1, H1, IP(198, 18, 1, 1),
	  60, 1, HF_CNT_arp_bad_sender, HF_CNT_MAX, -1 },
	{ "zero sender MAC", bcast_mac, zero_mac, 1, H1, IP(198, 18, 1, 1),
	  60, 1, HF_CNT_arp_bad_sender, HF_CNT_MAX, -1 },
	{ "martian sender", bcast_mac, h1_mac, 1, IP(127, 0, 0, 1),
	  IP(198, 18, 1, 1), 60, 1, HF_CNT_arp_bad_sender, HF_CNT_MAX, -1 },
	{ "not Ethernet", bcast_mac, h1_mac, 1, H1, IP(198, 18, 1, 1), 60, 6,
	  HF_CNT_arp_malformed, HF_CNT_MAX, -1 },
	{ "truncated", bcast_mac, h1_mac, 1, H1, IP(198, 18, 1, 1), 41, 1,
	  HF_CNT_arp_malformed, HF_CNT_MAX, -1 },
	{ "unknown operation", bcast_mac, h1_mac, 3, H1, IP(198, 18, 1, 1), 60,
	  1, HF_CNT_arp_malformed, HF_CNT_MAX, -1 },
	{ "unicast to another MAC", other_mac, h1_mac, 1, H1,
	  IP(198, 18, 1, 1), 60, 1, HF_CNT_drop_not_our_mac, HF_CNT_MAX, -1 },
};

static void test_arp_no_reply(void **state)
{
	struct fx *f = *state;
	uint8_t b[64];
	struct hf_event ev[4];
	size_t c;

	for (c = 0; c < sizeof(arp_cases) / sizeof(arp_cases[0]); c++) {
		const struct arp_case *ac = &arp_cases[c];
		uint32_t len, nfree, n;

		reset_case(f);
		len = build_arp(b, ac->dmac, ac->oper, ac->sha, ac->spa,
				ac->tpa, ac->len);
		put16(b + 14, ac->htype);
		nfree = W(f)->umem.nfree;
		rx(f, 0, b, len);
		expect_txq(f, 0, 0, 0);
		if (W(f)->umem.nfree != nfree)
			fail_msg("%s: frame not freed", ac->name);
		EXPECT_COUNTERS(f, ac->name, { ac->cnt, 1 }, { ac->also, 1 });
		n = pop_events(f, ev, 4);
		if (ac->event < 0) {
			assert_int_equal(n, 0);
		} else {
			if (n != 1)
				fail_msg("%s: %u events", ac->name, n);
			expect_event(&ev[0], HF_EV_NEIGH_LEARN, 0, ac->spa,
				     ac->sha, (uint8_t)ac->event);
		}
		check_frames(f);
	}
}

/*
 * Someone announces one of our addresses as theirs (sender == target ==
 * 198.18.1.1): we answer for it, and the sender may refresh an existing
 * entry at most, never create one.
 */
static void test_arp_claims_our_address(void **state)
{
	struct fx *f = *state;
	struct hf_event ev[4];
	uint8_t b[64];
	uint32_t len;

	len = build_arp(b, bcast_mac, 1, other_mac, IP(198, 18, 1, 1),
			IP(198, 18, 1, 1), 60);
	rx(f, 0, b, len);
	expect_txq(f, 1, 0, 0);
	EXPECT_COUNTERS(f, "conflict", { HF_CNT_arp_request_rx, 1 },
			{ HF_CNT_arp_reply_tx, 1 });
	assert_int_equal(pop_events(f, ev, 4), 1);
	expect_event(&ev[0], HF_EV_NEIGH_LEARN, 0, IP(198, 18, 1, 1),
		     other_mac, 0);
	check_frames(f);
}

/* An address probe (sender 0.0.0.0) is answered but not learned. */
static void test_arp_probe(void **state)
{
	struct fx *f = *state;
	uint8_t b[64];
	uint32_t len;

	len = build_arp(b, bcast_mac, 1, h1_mac, 0, IP(198, 18, 1, 1), 60);
	rx(f, 0, b, len);
	expect_txq(f, 1, 0, 0);
	EXPECT_COUNTERS(f, "probe", { HF_CNT_arp_request_rx, 1 },
			{ HF_CNT_arp_reply_tx, 1 });
	assert_int_equal(pop_events(f, NULL, 0), 0);
	check_frames(f);
}

/* ---- neighbour resolution and the hold queue ---- */

/* The ARP request staged at txq[@port][@i]: who has @tip, tell @sip. */
static void expect_arp_request(struct fx *f, uint16_t port, uint32_t i,
			       uint32_t sip, uint32_t tip)
{
	uint32_t len;
	const uint8_t *fr = staged(f, port, i, &len);

	assert_int_equal(len, 60);
	expect_eth(fr, bcast_mac, port_mac[port], 0x0806);
	assert_int_equal(get16(fr + 14), 1);
	assert_int_equal(get16(fr + 16), 0x0800);
	assert_int_equal(fr[18], 6);
	assert_int_equal(fr[19], 4);
	assert_int_equal(get16(fr + 20), 1);
	assert_memory_equal(fr + 22, port_mac[port], 6);
	assert_int_equal(get32(fr + 28), sip);
	assert_memory_equal(fr + 32, zero_mac, 6);
	assert_int_equal(get32(fr + 38), tip);
}

static void send_to(struct fx *f, uint32_t dst, uint8_t *b, uint32_t *len)
{
	struct pk p = pk_default();

	p.dst = dst;
	*len = build(b, &p);
	rx(f, 0, b, *len);
}

static void test_hold_then_release(void **state)
{
	struct fx *f = *state;
	uint8_t b[HF_FRAME_DATA_MAX];
	struct hf_event ev[4];
	uint32_t len, out_len, i;
	const uint8_t *out;
	uint64_t now = W(f)->now_ns;

	/* no neighbour entry at all: held, and mprelay is asked to resolve */
	send_to(f, UNRES, b, &len);
	expect_txq(f, 0, 0, 0);
	assert_int_equal(W(f)->hold.used, 1);
	assert_int_equal(W(f)->hold.frames, 1);
	EXPECT_COUNTERS(f, "held", { HF_CNT_forwarded, 1 },
			{ HF_CNT_arp_held, 1 });
	assert_int_equal(pop_events(f, ev, 4), 1);
	expect_event(&ev[0], HF_EV_NEIGH_RESOLVE, 2, UNRES, NULL, 0);
	assert_int_equal(read_wakeups(f), 1);
	check_frames(f);

	/* mprelay creates the INCOMPLETE entry; the next scan probes */
	assert_int_equal(hf_neigh_resolve(f->dp.neigh, 2, UNRES, now), 0);
	hf_pipeline_hold_scan(W(f), f->dp.l3);
	expect_txq(f, 0, 0, 1);
	expect_arp_request(f, 2, 0, IP(198, 18, 3, 1), UNRES);
	assert_int_equal(W(f)->hold.used, 1);
	EXPECT_COUNTERS(f, "probe", { HF_CNT_forwarded, 1 },
			{ HF_CNT_arp_held, 1 }, { HF_CNT_arp_request_tx, 1 });
	/* no second probe within the probe interval */
	hf_pipeline_hold_scan(W(f), f->dp.l3);
	expect_txq(f, 0, 0, 1);
	check_frames(f);

	/* the reply arrives: learned (the entry exists, no create needed) */
	assert_int_equal(hf_neigh_learn(f->dp.neigh, 2, UNRES, new_mac, false,
					now),
			 HF_NEIGH_LEARN_UPDATED);
	hf_pipeline_hold_scan(W(f), f->dp.l3);
	expect_txq(f, 0, 0, 2);
	assert_int_equal(W(f)->hold.used, 0);
	assert_int_equal(W(f)->hold.frames, 0);
	out = staged(f, 2, 1, &out_len);
	assert_int_equal(out_len, len);
	expect_eth(out, new_mac, port_mac[2], 0x0800);
	assert_int_equal(out[ETH_HLEN + 8], 63);
	assert_true(ip_csum_ok(out + ETH_HLEN));
	for (i = ETH_HLEN + IP_HLEN; i < len; i++)
		assert_int_equal(out[i], b[i]);
	EXPECT_COUNTERS(f, "released", { HF_CNT_forwarded, 1 },
			{ HF_CNT_arp_held, 1 }, { HF_CNT_arp_request_tx, 1 },
			{ HF_CNT_arp_hold_released, 1 });
	assert_int_equal(pop_events(f, NULL, 0), 0);
	check_frames(f);

	/* now resolved: the next packet goes straight out */
	reset_case(f);
	send_to(f, UNRES, b, &len);
	expect_txq(f, 0, 0, 1);
	EXPECT_COUNTERS(f, "direct", { HF_CNT_forwarded, 1 });
	check_frames(f);
}

/* An existing INCOMPLETE entry: the first held packet triggers a probe
 * directly, without asking mprelay. */
static void test_hold_incomplete_probes_at_once(void **state)
{
	struct fx *f = *state;
	uint8_t b[HF_FRAME_DATA_MAX];
	uint32_t len;

	assert_int_equal(hf_neigh_resolve(f->dp.neigh, 2, UNRES,
					  W(f)->now_ns), 0);
	send_to(f, UNRES, b, &len);
	send_to(f, UNRES, b, &len);
	expect_txq(f, 0, 0, 1);
	expect_arp_request(f, 2, 0, IP(198, 18, 3, 1), UNRES);
	assert_int_equal(W(f)->hold.used, 1);
	assert_int_equal(W(f)->hold.frames, 2);
	EXPECT_COUNTERS(f, "incomplete", { HF_CNT_forwarded, 2 },
			{ HF_CNT_arp_held, 2 }, { HF_CNT_arp_request_tx, 1 });
	assert_int_equal(pop_events(f, NULL, 0), 0);
	check_frames(f);
}

static void test_hold_timeout(void **state)
{
	struct fx *f = *state;
	uint8_t b[HF_FRAME_DATA_MAX];
	struct hf_event ev[4];
	uint64_t timeout = f->cfg.neigh_resolve_ms * MS;
	uint64_t probe = f->cfg.neigh_probe_ms * MS;
	uint32_t len;

	assert_true(probe < timeout);
	send_to(f, UNRES, b, &len);
	assert_int_equal(pop_events(f, ev, 4), 1);
	assert_int_equal(W(f)->hold.used, 1);

	/* one probe interval later, still waiting: the request is repeated
	 * (mprelay may have lost it) */
	W(f)->now_ns += probe;
	hf_pipeline_hold_scan(W(f), f->dp.l3);
	assert_int_equal(W(f)->hold.used, 1);
	assert_int_equal(pop_events(f, ev, 4), 1);
	expect_event(&ev[0], HF_EV_NEIGH_RESOLVE, 2, UNRES, NULL, 0);
	expect_txq(f, 0, 0, 0);
	check_frames(f);

	/* just before the timeout: still held */
	W(f)->now_ns += timeout - probe - 1;
	hf_pipeline_hold_scan(W(f), f->dp.l3);
	assert_int_equal(W(f)->hold.used, 1);
	pop_events(f, ev, 4);

	/* at the timeout: dropped */
	W(f)->now_ns += 1;
	hf_pipeline_hold_scan(W(f), f->dp.l3);
	assert_int_equal(W(f)->hold.used, 0);
	assert_int_equal(W(f)->hold.frames, 0);
	expect_txq(f, 0, 0, 0);
	EXPECT_COUNTERS(f, "timeout", { HF_CNT_forwarded, 1 },
			{ HF_CNT_arp_held, 1 },
			{ HF_CNT_drop_neigh_failed, 1 });
	check_frames(f);
}

/* A FAILED entry drops at once, held packets included. */
static void test_neigh_failed(void **state)
{
	struct fx *f = *state;
	uint8_t b[HF_FRAME_DATA_MAX];
	uint64_t timeout = f->cfg.neigh_resolve_ms * MS;
	uint32_t len;

	assert_int_equal(hf_neigh_resolve(f->dp.neigh, 2, UNRES,
					  W(f)->now_ns - timeout), 0);
	send_to(f, UNRES, b, &len);
	expect_txq(f, 0, 0, 0);
	assert_int_equal(W(f)->hold.used, 0);
	EXPECT_COUNTERS(f, "failed", { HF_CNT_forwarded, 1 },
			{ HF_CNT_drop_neigh_failed, 1 });
	check_frames(f);

	/* held while INCOMPLETE, then the entry fails */
	reset_case(f);
	assert_int_equal(hf_neigh_resolve(f->dp.neigh, 2, UNRES + 1,
					  W(f)->now_ns), 0);
	send_to(f, UNRES + 1, b, &len);
	assert_int_equal(W(f)->hold.used, 1);
	drain_tx(f);	/* the probe */
	W(f)->now_ns += timeout;
	hf_pipeline_hold_scan(W(f), f->dp.l3);
	assert_int_equal(W(f)->hold.used, 0);
	expect_txq(f, 0, 0, 0);
	EXPECT_COUNTERS(f, "failed while held", { HF_CNT_forwarded, 1 },
			{ HF_CNT_arp_held, 1 }, { HF_CNT_arp_request_tx, 1 },
			{ HF_CNT_drop_neigh_failed, 1 });
	check_frames(f);
}

/* A STALE entry is used, and probed once per interval. */
static void test_neigh_stale_probe(void **state)
{
	struct fx *f = *state;
	uint8_t b[HF_FRAME_DATA_MAX];
	uint64_t reachable = f->cfg.neigh_reachable_ms * MS;
	uint32_t len, flen, i, arp = 0, ip = 0;

	assert_int_equal(hf_neigh_learn(f->dp.neigh, 2, UNRES, new_mac, true,
					W(f)->now_ns - reachable - SEC),
			 HF_NEIGH_LEARN_CREATED);
	send_to(f, UNRES, b, &len);
	send_to(f, UNRES, b, &len);
	expect_txq(f, 0, 0, 3);
	for (i = 0; i < 3; i++) {
		const uint8_t *fr = staged(f, 2, i, &flen);

		if (get16(fr + 12) == 0x0806) {
			expect_arp_request(f, 2, i, IP(198, 18, 3, 1), UNRES);
			arp++;
		} else {
			expect_eth(fr, new_mac, port_mac[2], 0x0800);
			assert_int_equal(flen, len);
			ip++;
		}
	}
	assert_int_equal(arp, 1);
	assert_int_equal(ip, 2);
	assert_int_equal(W(f)->hold.used, 0);
	EXPECT_COUNTERS(f, "stale", { HF_CNT_forwarded, 2 },
			{ HF_CNT_arp_request_tx, 1 });
	check_frames(f);
}

static void test_hold_slot_full(void **state)
{
	enum { N = ARP_HOLD + 3 };
	struct fx *f = *state;
	uint8_t frames[N][256], *bytes[N];
	uint32_t lens[N], i;
	struct hf_event ev[4];

	for (i = 0; i < N; i++) {
		struct pk p = pk_default();

		p.dst = UNRES;
		p.id = (uint16_t)i;
		bytes[i] = frames[i];
		lens[i] = build(frames[i], &p);
	}
	rx_burst(f, 0, bytes, lens, N, NULL);
	expect_txq(f, 0, 0, 0);
	assert_int_equal(W(f)->hold.used, 1);
	assert_int_equal(W(f)->hold.frames, ARP_HOLD);
	EXPECT_COUNTERS(f, "slot full", { HF_CNT_forwarded, N },
			{ HF_CNT_arp_held, ARP_HOLD },
			{ HF_CNT_drop_neigh_hold_full, N - ARP_HOLD });
	assert_int_equal(pop_events(f, ev, 4), 1);
	check_frames(f);

	/* released in arrival order */
	assert_int_equal(hf_neigh_add_static(f->dp.neigh, 2, UNRES, new_mac,
					     W(f)->now_ns), 0);
	hf_pipeline_hold_scan(W(f), f->dp.l3);
	expect_txq(f, 0, 0, ARP_HOLD);
	for (i = 0; i < ARP_HOLD; i++) {
		uint32_t len;
		const uint8_t *fr = staged(f, 2, i, &len);

		expect_eth(fr, new_mac, port_mac[2], 0x0800);
		assert_int_equal(get16(fr + ETH_HLEN + 4), i);
	}
	check_frames(f);
}

static void test_hold_table_full(void **state)
{
	struct fx *f = *state;
	uint8_t b[HF_FRAME_DATA_MAX];
	struct hf_event ev[HF_HOLD_SLOTS + 2];
	uint32_t len, i;

	for (i = 0; i <= HF_HOLD_SLOTS; i++)
		send_to(f, IP(198, 18, 3, 100 + i), b, &len);
	expect_txq(f, 0, 0, 0);
	assert_int_equal(W(f)->hold.used, HF_HOLD_SLOTS);
	assert_int_equal(W(f)->hold.frames, HF_HOLD_SLOTS);
	EXPECT_COUNTERS(f, "table full",
			{ HF_CNT_forwarded, HF_HOLD_SLOTS + 1 },
			{ HF_CNT_arp_held, HF_HOLD_SLOTS },
			{ HF_CNT_drop_neigh_hold_full, 1 });
	assert_int_equal(pop_events(f, ev, HF_HOLD_SLOTS + 2), HF_HOLD_SLOTS);
	check_frames(f);
}

/*
 * The MTU of the egress port drops while packets wait for ARP: on
 * release, a packet without DF is fragmented, one with DF is dropped
 * (it was accepted under the old MTU).
 */
static void test_hold_release_mtu_lowered(void **state)
{
	struct fx *f = *state;
	uint8_t b[HF_FRAME_DATA_MAX];
	struct pk p = pk_default();
	uint32_t len, k;

	p.dst = UNRES;
	p.l4_len = 1180;		/* 1200 bytes */
	len = build(b, &p);
	rx(f, 0, b, len);
	p.frag = IP_DF;
	len = build(b, &p);
	rx(f, 0, b, len);
	assert_int_equal(W(f)->hold.frames, 2);
	f->dp.l3->port[2].mtu = 1000;
	assert_int_equal(hf_neigh_add_static(f->dp.neigh, 2, UNRES, new_mac,
					     W(f)->now_ns), 0);
	hf_pipeline_hold_scan(W(f), f->dp.l3);
	assert_int_equal(W(f)->hold.used, 0);
	expect_txq(f, 0, 0, 2);
	for (k = 0; k < 2; k++) {
		const uint8_t *fr = staged(f, 2, k, &len);

		expect_eth(fr, new_mac, port_mac[2], 0x0800);
		assert_true(get16(fr + ETH_HLEN + 2) <= 1000);
		assert_int_equal(get16(fr + ETH_HLEN + 6), k ? 122 : IP_MF);
	}
	EXPECT_COUNTERS(f, "mtu lowered", { HF_CNT_forwarded, 2 },
			{ HF_CNT_arp_held, 2 }, { HF_CNT_arp_hold_released, 2 },
			{ HF_CNT_fragments_sent, 2 },
			{ HF_CNT_drop_frag_needed, 1 });
	check_frames(f);
}

/* An ICMP error for a source whose MAC is unknown waits like any other
 * packet. */
static void test_icmp_error_held(void **state)
{
	struct fx *f = *state;
	uint8_t b[HF_FRAME_DATA_MAX];
	struct hf_event ev[4];
	struct pk p = pk_default();
	uint32_t len, elen;
	const uint8_t *fr;

	p.src = IP(198, 18, 1, 77);
	p.smac = other_mac;
	p.ttl = 1;
	len = build(b, &p);
	rx(f, 0, b, len);
	expect_txq(f, 0, 0, 0);
	assert_int_equal(W(f)->hold.used, 1);
	assert_int_equal(pop_events(f, ev, 4), 1);
	expect_event(&ev[0], HF_EV_NEIGH_RESOLVE, 0, IP(198, 18, 1, 77), NULL,
		     0);
	EXPECT_COUNTERS(f, "error held", { HF_CNT_drop_ttl_exceeded, 1 },
			{ HF_CNT_icmp_error_tx, 1 }, { HF_CNT_arp_held, 1 });
	check_frames(f);
	assert_int_equal(hf_neigh_add_static(f->dp.neigh, 0,
					     IP(198, 18, 1, 77), other_mac,
					     W(f)->now_ns), 0);
	hf_pipeline_hold_scan(W(f), f->dp.l3);
	expect_txq(f, 1, 0, 0);
	fr = staged(f, 0, 0, &elen);
	expect_eth(fr, other_mac, port_mac[0], 0x0800);
	assert_int_equal(fr[ETH_HLEN + 20], 11);
	assert_int_equal(get32(fr + ETH_HLEN + 16), IP(198, 18, 1, 77));
	check_frames(f);
}

/* ---- bursts ---- */

static void test_mixed_burst(void **state)
{
	enum { N = 6 };
	struct fx *f = *state;
	uint8_t frames[N][256], *bytes[N];
	uint32_t lens[N], i;
	struct pk p;

	for (i = 0; i < N; i++)
		bytes[i] = frames[i];
	p = pk_default();			/* forwarded to p1 */
	lens[0] = build(frames[0], &p);
	p.dst = NOROUTE;			/* error back on p0 */
	lens[1] = build(frames[1], &p);
	p = pk_echo(IP(198, 18, 1, 1), 40);	/* echo reply on p0 */
	lens[2] = build(frames[2], &p);
	lens[3] = build_arp(frames[3], bcast_mac, 1, h1_mac, H1,
			    IP(198, 18, 1, 1), 60);	/* ARP reply */
	p = pk_default();
	p.dst = H3;				/* forwarded to p2 */
	lens[4] = build(frames[4], &p);
	p.dst = BLACKH;				/* dropped */
	lens[5] = build(frames[5], &p);
	rx_burst(f, 0, bytes, lens, N, NULL);
	expect_txq(f, 3, 1, 1);
	EXPECT_COUNTERS(f, "burst", { HF_CNT_forwarded, 2 },
			{ HF_CNT_drop_no_route, 1 },
			{ HF_CNT_icmp_error_tx, 1 },
			{ HF_CNT_local_delivered, 1 },
			{ HF_CNT_icmp_echo_reply_tx, 1 },
			{ HF_CNT_arp_request_rx, 1 },
			{ HF_CNT_arp_reply_tx, 1 },
			{ HF_CNT_drop_blackhole, 1 });
	/* p0 got them in arrival order: error, echo reply, ARP reply */
	{
		uint32_t len;

		assert_int_equal(staged(f, 0, 0, &len)[ETH_HLEN + 20], 3);
		assert_int_equal(staged(f, 0, 1, &len)[ETH_HLEN + 20], 0);
		assert_int_equal(get16(staged(f, 0, 2, &len) + 12), 0x0806);
	}
	check_frames(f);
}

/* ---- random frames: no frame lost, nothing out of bounds ---- */

static uint64_t rng;

static uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)((rng >> 11) % n);
}

static const uint32_t fuzz_dst[] = {
	REMOTE, H1, H3, GW, NOROUTE, BLACKH, IP(198, 18, 1, 1),
	IP(198, 18, 2, 1), IP(198, 18, 2, 255), IP(198, 18, 3, 100),
	IP(198, 18, 3, 101), IP(198, 18, 2, 100), IP(224, 0, 0, 9),
	IP(127, 0, 0, 1), IP(255, 255, 255, 255),
};

static const uint8_t *const fuzz_smac[] = { h1_mac, gw_mac, h3_mac };
static const uint32_t fuzz_src[] = { H1, GW, H3 };

static void fuzz_frame(uint8_t *b, uint32_t *len, uint16_t *port)
{
	struct pk p = pk_default();
	uint32_t i, flips;

	*port = (uint16_t)rnd(NPORTS);
	if (rnd(8) == 0) {
		*len = build_arp(b, rnd(2) ? bcast_mac : port_mac[*port],
				 (uint16_t)(1 + rnd(2)), fuzz_smac[*port],
				 fuzz_src[*port],
				 IP(198, 18, *port + 1, 1 + rnd(3)), 60);
	} else {
		p.dmac = port_mac[*port];
		p.smac = fuzz_smac[*port];
		p.src = fuzz_src[*port];
		p.dst = fuzz_dst[rnd(sizeof(fuzz_dst) / sizeof(fuzz_dst[0]))];
		p.ttl = (uint8_t)(rnd(4) ? 64 : rnd(3));
		p.ihl = (uint8_t)(rnd(4) ? 5 : 5 + rnd(11));
		p.proto = rnd(3) ? PROTO_UDP : PROTO_ICMP;
		p.icmp_type = rnd(4) ? 8 : (uint8_t)rnd(20);
		p.frag = (uint16_t)(rnd(3) ? (rnd(2) ? IP_DF : 0) :
				    rnd(0x10000));
		p.l4_len = rnd(4) ? rnd(200) :
			    rnd(HF_FRAME_DATA_MAX - ETH_HLEN - 60 - 64);
		if (p.l4_len + (uint32_t)p.ihl * 4 + ETH_HLEN > 1514 && rnd(2))
			p.l4_len = 1514 - ETH_HLEN - (uint32_t)p.ihl * 4;
		p.pad_to = rnd(2) ? 60 : 0;
		*len = build(b, &p);
	}
	/* sometimes damage it: a few random bytes, or a random length */
	flips = rnd(4) ? 0 : 1 + rnd(4);
	for (i = 0; i < flips; i++)
		b[rnd(*len < 64 ? *len : 64)] = (uint8_t)rnd(256);
	if (rnd(10) == 0)
		*len = rnd(*len + 1);
}

/* Every staged frame: sent from its port's MAC, IPv4 within the MTU
 * with a valid header checksum and a length matching the frame. */
static void check_staged(struct fx *f, uint32_t iter)
{
	uint32_t p, i, len;

	for (p = 0; p < NPORTS; p++) {
		for (i = 0; i < W(f)->txq[p].n; i++) {
			const uint8_t *fr = staged(f, (uint16_t)p, i, &len);
			const uint8_t *ip = fr + ETH_HLEN;

			if (len < ETH_HLEN || memcmp(fr + 6, port_mac[p], 6))
				fail_msg("iter %u: port %u frame %u bad Ethernet header",
					 iter, p, i);
			if (get16(fr + 12) == 0x0806) {
				assert_int_equal(len, 60);
				continue;
			}
			assert_int_equal(get16(fr + 12), 0x0800);
			if ((uint32_t)get16(ip + 2) + ETH_HLEN != len)
				fail_msg("iter %u: port %u frame %u: IP length %u, frame %u",
					 iter, p, i, get16(ip + 2), len);
			if (get16(ip + 2) > f->dp.l3->port[p].mtu)
				fail_msg("iter %u: port %u: %u-byte packet over MTU %u",
					 iter, p, get16(ip + 2),
					 f->dp.l3->port[p].mtu);
			if (!ip_csum_ok(ip))
				fail_msg("iter %u: port %u frame %u: bad IP checksum",
					 iter, p, i);
		}
	}
}

static void test_random_frames(void **state)
{
	enum { ITERS = 20000 };
	struct fx *f = *state;
	uint8_t b[HF_FRAME_DATA_MAX];
	struct hf_event ev[64];
	uint32_t iter, len, n, k;
	uint16_t port;

	rng = 0x9e3779b97f4a7c15ULL;
	for (iter = 0; iter < ITERS; iter++) {
		fuzz_frame(b, &len, &port);
		rx(f, port, b, len);
		if (rnd(16) == 0) {
			W(f)->now_ns += rnd(2000) * MS;
			W(f)->icmp_bucket.last_ns = W(f)->now_ns;
			hf_pipeline_hold_scan(W(f), f->dp.l3);
		}
		check_staged(f, iter);
		check_frames(f);
		drain_tx(f);
		/* play mprelay: create and sometimes resolve entries */
		n = pop_events(f, ev, 64);
		for (k = 0; k < n && k < 64; k++) {
			if (ev[k].type == HF_EV_NEIGH_RESOLVE)
				hf_neigh_resolve(f->dp.neigh, ev[k].port,
						 ev[k].ip, W(f)->now_ns);
			else if (rnd(2))
				hf_neigh_learn(f->dp.neigh, ev[k].port,
					       ev[k].ip, ev[k].mac,
					       ev[k].may_create, W(f)->now_ns);
		}
		if (rnd(64) == 0) {
			hf_neigh_learn(f->dp.neigh, 2, IP(198, 18, 3, 100),
				       new_mac, false, W(f)->now_ns);
			hf_neigh_gc(f->dp.neigh, W(f)->now_ns);
		}
		if (rnd(200) == 0)
			f->dp.l3->port[rnd(NPORTS)].mtu = 68 + rnd(1500 - 67);
		urcu_qsbr_quiescent_state();
	}
	/* let everything held time out */
	W(f)->now_ns += 10 * SEC;
	hf_pipeline_hold_scan(W(f), f->dp.l3);
	drain_tx(f);
	assert_int_equal(W(f)->hold.used, 0);
	assert_int_equal(W(f)->umem.nfree, NFRAMES - 1);
	assert_int_equal(hf_cnt_read(&W(f)->stats.c[HF_CNT_rx_packets]),
			 ITERS);
	check_frames(f);
}

/* ---- capture points ---- */

#define CAP_MAX		24

struct cap_want {
	uint8_t bytes[HF_FRAME_DATA_MAX];
	uint32_t len;
	int reason;		/* drop records: enum hf_counter; else -1 */
	uint16_t port;		/* drop records */
};

struct cap_run {
	struct hf_capture *c;
	char dir[32], file[64], drops[80];
	struct cap_want want[CAP_MAX];
	uint32_t n;
};

static const char *cap_reason(uint16_t r)
{
	return r < HF_CNT_MAX ? hf_counter_name((enum hf_counter)r) : NULL;
}

static struct cap_want *cap_expect(struct cap_run *cr, const uint8_t *b,
				   uint32_t len, int reason, uint16_t port)
{
	struct cap_want *cw;

	assert_true(cr->n < CAP_MAX);
	cw = &cr->want[cr->n++];
	memcpy(cw->bytes, b, len);
	cw->len = len;
	cw->reason = reason;
	cw->port = port;
	return cw;
}

/* pcap file format, written in host byte order */
struct pcap_file_hdr {
	uint32_t magic;		/* 0xa1b23c4d: nanosecond timestamps */
	uint16_t major, minor;
	int32_t thiszone;
	uint32_t sigfigs, snaplen, linktype;
};

struct pcap_rec_hdr {
	uint32_t sec, nsec, caplen, len;
};

/* Every record of the file, in order, is the one expected, byte for
 * byte; the sidecar names the drop records, their port and reason. */
static void cap_verify(struct cap_run *cr)
{
	static uint8_t data[HF_FRAME_DATA_MAX];
	char line[256], want_line[256];
	struct pcap_file_hdr fh;
	struct pcap_rec_hdr h;
	uint32_t i = 0;
	FILE *fp;

	fp = fopen(cr->file, "r");
	if (!fp)
		fail_msg("%s: %s", cr->file, strerror(errno));
	assert_int_equal(fread(&fh, sizeof(fh), 1, fp), 1);
	assert_int_equal(fh.magic, 0xa1b23c4d);
	assert_int_equal(fh.linktype, 1);	/* Ethernet */
	while (fread(&h, sizeof(h), 1, fp) == 1) {
		const struct cap_want *cw = &cr->want[i];

		if (i >= cr->n)
			fail_msg("record %u: more than the %u expected", i + 1,
				 cr->n);
		if (h.len != cw->len || h.caplen != cw->len)
			fail_msg("record %u: %u/%u bytes, want %u", i + 1,
				 h.caplen, h.len, cw->len);
		assert_int_equal(fread(data, h.caplen, 1, fp), 1);
		if (memcmp(data, cw->bytes, cw->len))
			fail_msg("record %u: bytes differ", i + 1);
		i++;
	}
	fclose(fp);
	assert_int_equal(i, cr->n);
	fp = fopen(cr->drops, "r");
	assert_non_null(fp);
	assert_non_null(fgets(line, sizeof(line), fp));	/* header */
	for (i = 0; i < cr->n; i++) {
		if (cr->want[i].reason < 0)
			continue;
		snprintf(want_line, sizeof(want_line), "%u\tdrop\t0\t%u\t%s\n",
			 i + 1, cr->want[i].port,
			 hf_counter_name((enum hf_counter)cr->want[i].reason));
		if (!fgets(line, sizeof(line), fp) || strcmp(line, want_line))
			fail_msg("sidecar: '%s', want '%s'", line, want_line);
	}
	assert_null(fgets(line, sizeof(line), fp));
	fclose(fp);
}

static void test_capture_points(void **state)
{
	struct fx *f = *state;
	struct cap_run *cr = calloc(1, sizeof(*cr));
	struct hf_capture_req req = {
		.stages = (1u << HF_CAP_STAGES) - 1, .nworkers = 1,
	};
	uint64_t timeout = f->cfg.neigh_resolve_ms * MS;
	struct hf_capture_stats st;
	uint8_t b[HF_FRAME_DATA_MAX];
	struct cap_want *cw;
	struct pk p;
	uint32_t len, ip_len;
	uint64_t addr;
	char err[256];

	assert_non_null(cr);
	snprintf(cr->dir, sizeof(cr->dir), "/tmp/hf_pipecap.XXXXXX");
	assert_non_null(mkdtemp(cr->dir));
	snprintf(cr->file, sizeof(cr->file), "%s/c.pcap", cr->dir);
	snprintf(cr->drops, sizeof(cr->drops), "%s.drops", cr->file);
	req.file = cr->file;
	if (hf_capture_start(&cr->c, &req, cap_reason, err, sizeof(err)))
		fail_msg("hf_capture_start: %s", err);
	W(f)->capture = cr->c;

	/* forwarded: rx is the frame with its Ethernet padding, fw the
	 * frame before TTL and MAC rewrite, up to the end of the packet */
	p = pk_default();
	p.dst = H3;
	p.l4_len = 12;
	p.pad_to = 60;
	len = build(b, &p);
	rx(f, 0, b, len);
	cap_expect(cr, b, len, -1, 0);
	cap_expect(cr, b, ETH_HLEN + IP_HLEN + 12, -1, 0);
	expect_txq(f, 0, 0, 1);

	/* TTL expired: rx, fw, then the drop of the packet as received
	 * (the ICMP error reuses the frame after the capture copied it) */
	reset_case(f);
	p = pk_default();
	p.ttl = 1;
	len = build(b, &p);
	rx(f, 0, b, len);
	cap_expect(cr, b, len, -1, 0);
	cap_expect(cr, b, len, -1, 0);
	cap_expect(cr, b, len, HF_CNT_drop_ttl_exceeded, 0);
	expect_txq(f, 1, 0, 0);

	/* dropped on arrival: the whole frame, the ingress port */
	reset_case(f);
	memset(b, 0xab, 10);
	rx(f, 1, b, 10);
	cap_expect(cr, b, 10, -1, 1);
	cap_expect(cr, b, 10, HF_CNT_drop_runt, 1);
	p = pk_default();
	p.dmac = other_mac;
	p.pad_to = 200;
	len = build(b, &p);
	rx(f, 2, b, len);
	cap_expect(cr, b, len, -1, 2);
	cap_expect(cr, b, len, HF_CNT_drop_not_our_mac, 2);

	/* held for ARP, then given up: the routed packet (TTL 63), named
	 * by its egress port */
	reset_case(f);
	p = pk_default();
	p.dst = UNRES;
	len = build(b, &p);
	rx(f, 0, b, len);
	cap_expect(cr, b, len, -1, 0);
	cap_expect(cr, b, len, -1, 0);
	cw = cap_expect(cr, b, len, HF_CNT_drop_neigh_failed, 2);
	cw->bytes[ETH_HLEN + 8] = 63;
	fix_ip_csum(cw->bytes);
	W(f)->now_ns += timeout;
	hf_pipeline_hold_scan(W(f), f->dp.l3);
	assert_int_equal(W(f)->hold.used, 0);

	/* an ICMP error for a source that never answers ARP: dropped with
	 * a blank Ethernet header, as hafwd made it */
	reset_case(f);
	p = pk_default();
	p.src = IP(198, 18, 1, 77);
	p.smac = other_mac;
	p.ttl = 1;
	p.l4_len = 30;
	len = build(b, &p);
	ip_len = len - ETH_HLEN;
	rx(f, 0, b, len);
	cap_expect(cr, b, len, -1, 0);
	cap_expect(cr, b, len, -1, 0);
	cap_expect(cr, b, len, HF_CNT_drop_ttl_exceeded, 0);
	assert_int_equal(W(f)->hold.used, 1);
	{
		const struct hf_hold_slot *s = &W(f)->hold.slot[0];
		uint32_t k;

		for (k = 0; !s->ip && k < HF_HOLD_SLOTS; k++)
			s = &W(f)->hold.slot[k];
		assert_int_equal(s->len[0], ERR_PREPEND + ip_len);
		memset(b, 0, 12);
		put16(b + 12, 0x0800);
		memcpy(b + ETH_HLEN, fptr(f, s->frame[0]), s->len[0]);
		cap_expect(cr, b, ETH_HLEN + s->len[0],
			   HF_CNT_drop_neigh_failed, 0);
	}
	W(f)->now_ns += timeout;
	hf_pipeline_hold_scan(W(f), f->dp.l3);
	assert_int_equal(W(f)->hold.used, 0);

	/* hf_worker_drop() takes the length from the IPv4 header: the
	 * Ethernet padding is not part of the record */
	reset_case(f);
	p = pk_default();
	p.l4_len = 8;
	p.pad_to = 64;
	len = build(b, &p);
	addr = take_frame(f);
	memcpy(fptr(f, addr), b, len);
	W(f)->drop_port = 1;
	hf_worker_drop(W(f), addr + ETH_HLEN, HF_CNT_drop_policy_deny);
	cap_expect(cr, b, ETH_HLEN + IP_HLEN + 8, HF_CNT_drop_policy_deny, 1);
	EXPECT_COUNTERS(f, "policy deny", { HF_CNT_drop_policy_deny, 1 });

	W(f)->capture = NULL;
	hf_capture_stop(cr->c, &st);
	assert_int_equal(st.written, cr->n);
	assert_int_equal(st.matched, cr->n);
	assert_int_equal(st.overflow, 0);
	assert_int_equal(st.error, 0);
	cap_verify(cr);
	drain_tx(f);
	check_frames(f);
	unlink(cr->drops);
	unlink(cr->file);
	rmdir(cr->dir);
	free(cr);
}

/* A capture of one stage leaves the others alone; counters are the same
 * as without a capture. */
static void test_capture_one_stage(void **state)
{
	struct fx *f = *state;
	struct cap_run *cr = calloc(1, sizeof(*cr));
	struct hf_capture_req req = {
		.stages = 1u << HF_CAP_DROP, .nworkers = 1,
		.filter = "udp",
	};
	struct hf_capture_stats st;
	uint8_t b[HF_FRAME_DATA_MAX];
	struct pk p;
	uint32_t len;
	char err[256];

	assert_non_null(cr);
	snprintf(cr->dir, sizeof(cr->dir), "/tmp/hf_pipecap.XXXXXX");
	assert_non_null(mkdtemp(cr->dir));
	snprintf(cr->file, sizeof(cr->file), "%s/d.pcap", cr->dir);
	snprintf(cr->drops, sizeof(cr->drops), "%s.drops", cr->file);
	req.file = cr->file;
	if (hf_capture_start(&cr->c, &req, cap_reason, err, sizeof(err)))
		fail_msg("hf_capture_start: %s", err);
	W(f)->capture = cr->c;
	p = pk_default();
	p.dst = H3;
	len = build(b, &p);
	rx(f, 0, b, len);		/* forwarded: no record */
	p = pk_default();
	p.dst = BLACKH;
	len = build(b, &p);
	rx(f, 0, b, len);		/* dropped UDP: recorded */
	cap_expect(cr, b, len, HF_CNT_drop_blackhole, 0);
	p.proto = PROTO_ICMP;
	len = build(b, &p);
	rx(f, 0, b, len);		/* dropped, not UDP: filtered out */
	EXPECT_COUNTERS(f, "one stage", { HF_CNT_forwarded, 1 },
			{ HF_CNT_drop_blackhole, 2 });
	W(f)->capture = NULL;
	hf_capture_stop(cr->c, &st);
	assert_int_equal(st.written, 1);
	assert_int_equal(st.filtered_out, 1);
	cap_verify(cr);
	drain_tx(f);
	check_frames(f);
	unlink(cr->drops);
	unlink(cr->file);
	rmdir(cr->dir);
	free(cr);
}

/* ---- HA: standby, virtual addresses and MACs, takeover announce ---- */

#define VIP0	IP(198, 18, 1, 254)
#define VIP1	IP(198, 18, 2, 254)

static const uint8_t vmac0[6] = { 0x02, 0x00, 0x5e, 0x00, 0x01, 0xfe };
static const uint8_t vmac1[6] = { 0x02, 0x00, 0x5e, 0x00, 0x02, 0xfe };

/* p0 and p1 get a virtual address and MAC; the node takes @active. */
static void ha_setup(struct fx *f, bool active, bool announce)
{
	struct hf_l3 *l3 = f->dp.l3;
	const uint8_t *vm[2] = { vmac0, vmac1 };
	const uint32_t va[2] = { VIP0, VIP1 };
	uint16_t p;

	for (p = 0; p < 2; p++) {
		struct hf_l3_port *lp = &l3->port[p];

		if (!lp->nvaddr) {
			lp->vaddr[0].ip = va[p];
			lp->vaddr[0].len = 24;
			lp->nvaddr = 1;
			memcpy(lp->vmac, vm[p], 6);
			lp->has_vmac = true;
			assert_int_equal(hf_routes_vaddr_add(&f->dp, p,
							     &lp->vaddr[0],
							     f->err,
							     sizeof(f->err)),
					 0);
		}
	}
	l3->garp_count = 3;
	l3->garp_interval_ns = 10 * MS;
	hf_l3_set_active(l3, active, announce);
}

static void test_ha_standby(void **state)
{
	struct fx *f = *state;
	uint8_t b[HF_FRAME_DATA_MAX];
	struct pk p = pk_default();
	uint32_t len;

	ha_setup(f, false, false);
	/* transit traffic: not forwarded, counted */
	reset_case(f);
	len = build(b, &p);
	rx(f, 0, b, len);
	expect_txq(f, 0, 0, 0);
	EXPECT_COUNTERS(f, "standby transit", { HF_CNT_drop_ha_standby, 1 });
	check_frames(f);
	/* the virtual MAC is not ours while standby */
	reset_case(f);
	p.dmac = vmac0;
	len = build(b, &p);
	rx(f, 0, b, len);
	expect_txq(f, 0, 0, 0);
	EXPECT_COUNTERS(f, "standby vmac", { HF_CNT_drop_not_our_mac, 1 });
	/* nor the virtual address: no echo reply, no ARP reply */
	reset_case(f);
	p = pk_echo(VIP0, 64);
	len = build(b, &p);
	rx(f, 0, b, len);
	expect_txq(f, 0, 0, 0);
	EXPECT_COUNTERS(f, "standby echo to vip", { HF_CNT_drop_ha_standby, 1 });
	reset_case(f);
	len = build_arp(b, bcast_mac, 1, h1_mac, H1, VIP0, 60);
	rx(f, 0, b, len);
	expect_txq(f, 0, 0, 0);
	EXPECT_COUNTERS(f, "standby arp for vip", { HF_CNT_arp_request_rx, 1 },
			{ HF_CNT_arp_not_for_us, 1 });
	/* its own address still answers */
	reset_case(f);
	p = pk_echo(IP(198, 18, 1, 1), 64);
	len = build(b, &p);
	rx(f, 0, b, len);
	expect_txq(f, 1, 0, 0);
	EXPECT_COUNTERS(f, "standby echo to own", { HF_CNT_local_delivered, 1 },
			{ HF_CNT_icmp_echo_reply_tx, 1 });
	/* no announcement from a standby */
	reset_case(f);
	hf_pipeline_announce(W(f), f->dp.l3);
	expect_txq(f, 0, 0, 0);
	check_frames(f);
}

static void test_ha_active(void **state)
{
	struct fx *f = *state;
	uint8_t b[HF_FRAME_DATA_MAX];
	struct pk p = pk_default();
	const uint8_t *out;
	uint32_t len, out_len;

	ha_setup(f, true, false);
	/* to the virtual MAC: forwarded, and sent from p1's virtual MAC */
	reset_case(f);
	p.dmac = vmac0;
	len = build(b, &p);
	rx(f, 0, b, len);
	expect_txq(f, 0, 1, 0);
	out = staged(f, 1, 0, &out_len);
	expect_eth(out, gw_mac, vmac1, 0x0800);
	EXPECT_COUNTERS(f, "active vmac", { HF_CNT_forwarded, 1 });
	/* the own MAC still works */
	reset_case(f);
	p.dmac = port_mac[0];
	len = build(b, &p);
	rx(f, 0, b, len);
	expect_txq(f, 0, 1, 0);
	/* ARP for the virtual address: answered with the virtual MAC */
	reset_case(f);
	len = build_arp(b, bcast_mac, 1, h1_mac, H1, VIP0, 60);
	rx(f, 0, b, len);
	expect_txq(f, 1, 0, 0);
	out = staged(f, 0, 0, &out_len);
	expect_eth(out, h1_mac, vmac0, 0x0806);
	assert_int_equal(get16(out + 20), 2);
	assert_memory_equal(out + 22, vmac0, 6);
	assert_int_equal(get32(out + 28), VIP0);
	/* echo to the virtual address */
	reset_case(f);
	p = pk_echo(VIP0, 64);
	p.dmac = vmac0;
	len = build(b, &p);
	rx(f, 0, b, len);
	expect_txq(f, 1, 0, 0);
	out = staged(f, 0, 0, &out_len);
	expect_eth(out, h1_mac, vmac0, 0x0800);
	assert_int_equal(get32(out + ETH_HLEN + 12), VIP0);
	EXPECT_COUNTERS(f, "active echo to vip", { HF_CNT_local_delivered, 1 },
			{ HF_CNT_icmp_echo_reply_tx, 1 });
	/* resolving a neighbour speaks from the virtual address and MAC:
	 * what the neighbours learn stays right after a failover */
	reset_case(f);
	send_to(f, IP(198, 18, 1, 50), b, &len);
	assert_int_equal(hf_neigh_resolve(f->dp.neigh, 0, IP(198, 18, 1, 50),
					  W(f)->now_ns), 0);
	hf_pipeline_hold_scan(W(f), f->dp.l3);
	expect_txq(f, 1, 0, 0);
	out = staged(f, 0, 0, &out_len);
	expect_eth(out, bcast_mac, vmac0, 0x0806);
	assert_memory_equal(out + 22, vmac0, 6);
	assert_int_equal(get32(out + 28), VIP0);
	assert_int_equal(get32(out + 38), IP(198, 18, 1, 50));
	drain_tx(f);
}

/* A takeover: garp_count rounds of one gratuitous ARP per virtual
 * address, garp_interval apart, then nothing. */
static void test_ha_announce(void **state)
{
	struct fx *f = *state;
	struct hf_worker *w = W(f);
	uint32_t round, len;

	ha_setup(f, true, true);
	reset_case(f);
	assert_int_not_equal(f->dp.l3->announce, w->garp_gen);
	for (round = 0; round < 3; round++) {
		const uint8_t *g;

		hf_pipeline_announce(w, f->dp.l3);
		expect_txq(f, 1, 1, 0);
		g = staged(f, 0, 0, &len);
		assert_int_equal(len, 60);
		expect_eth(g, bcast_mac, vmac0, 0x0806);
		assert_int_equal(get16(g + 20), 1);
		assert_memory_equal(g + 22, vmac0, 6);
		assert_int_equal(get32(g + 28), VIP0);
		assert_int_equal(get32(g + 38), VIP0);
		g = staged(f, 1, 0, &len);
		expect_eth(g, bcast_mac, vmac1, 0x0806);
		assert_int_equal(get32(g + 28), VIP1);
		assert_int_equal(get32(g + 38), VIP1);
		drain_tx(f);
		/* not before the interval */
		w->now_ns += 9 * MS;
		hf_pipeline_announce(w, f->dp.l3);
		expect_txq(f, 0, 0, 0);
		w->now_ns += 1 * MS;
	}
	hf_pipeline_announce(w, f->dp.l3);
	expect_txq(f, 0, 0, 0);
	EXPECT_COUNTERS(f, "announce", { HF_CNT_garp_tx, 6 });
	/* the next takeover announces again */
	hf_l3_set_active(f->dp.l3, true, true);
	hf_pipeline_announce(w, f->dp.l3);
	expect_txq(f, 1, 1, 0);
	drain_tx(f);
	check_frames(f);
}

/* ---- HA path probes (dha -> worker 0 -> the wire -> any worker) ---- */

#define PROBE_ID	0x4846
#define PROBE_MAGIC	0x48466861u
#define PROBE_TOKEN	0x5eed1e55u
#define PROBE_ICMP	(ICMP_HLEN + 16)	/* header + magic/token/seq/time */
#define PROBE_IP	(IP_HLEN + PROBE_ICMP)

static void probe_post(struct fx *f, uint16_t target, uint32_t dst,
		       uint32_t seq)
{
	struct hf_dp_probe_req r = { .dst = dst, .seq = seq,
				     .target = target };

	f->dp.probe->target_ip[target] = dst;
	assert_true(hf_dp_probe_post(f->dp.probe, &r));
}

static uint32_t probe_now_us(struct fx *f)
{
	return (uint32_t)(W(f)->now_ns / 1000);
}

/* Check the staged frame @i of @port: an echo request for @target. */
static void expect_probe(struct fx *f, uint16_t port, uint32_t i,
			 const uint8_t *dmac, uint32_t src, uint32_t dst,
			 uint16_t target, uint32_t seq)
{
	uint32_t len;
	const uint8_t *out = staged(f, port, i, &len);
	const uint8_t *ip = out + ETH_HLEN, *icmp = ip + IP_HLEN;
	const uint8_t *data = icmp + ICMP_HLEN;

	assert_int_equal(len, ETH_HLEN + PROBE_IP);
	/* from the port's MAC, or its virtual MAC while HA-active */
	expect_eth(out, dmac, f->dp.l3->port[port].src_mac, 0x0800);
	assert_int_equal(ip[0], 0x45);
	assert_true(ip_csum_ok(ip));
	assert_int_equal(get16(ip + 2), PROBE_IP);
	assert_int_equal(get16(ip + 6), IP_DF);
	assert_int_equal(ip[8], 64);
	assert_int_equal(ip[9], PROTO_ICMP);
	assert_int_equal(get32(ip + 12), src);
	assert_int_equal(get32(ip + 16), dst);
	assert_int_equal(icmp[0], 8);
	assert_int_equal(icmp[1], 0);
	if (naive_csum(icmp, PROBE_ICMP))
		fail_msg("probe to %#x: bad ICMP checksum", dst);
	assert_int_equal(get16(icmp + 4), PROBE_ID);
	assert_int_equal(get16(icmp + 6), target << 10 | (seq & 0x3ff));
	assert_int_equal(get32(data), PROBE_MAGIC);
	assert_int_equal(get32(data + 4), PROBE_TOKEN);
	assert_int_equal(get32(data + 8), seq);
	assert_int_equal(get32(data + 12), probe_now_us(f));
}

/*
 * Worker 0 turns dha's requests into echo requests: from the egress
 * port's own address, routed (connected, via a gateway), resolved
 * (static neighbours; an unresolved one is held and resolution asked),
 * unroutable ones counted and not sent.
 */
static void test_ha_probe_tx(void **state)
{
	struct fx *f = *state;
	struct hf_event ev[4];

	f->dp.probe->token = PROBE_TOKEN;
	probe_post(f, 0, H1, 5);
	probe_post(f, 9, REMOTE, 1030);		/* wire seq 9 << 10 | 6 */
	probe_post(f, 2, NOROUTE, 1);
	probe_post(f, 3, BLACKH, 1);
	probe_post(f, 4, IP(198, 18, 1, 1), 1);	/* ourselves: local */
	probe_post(f, 5, UNRES, 77);
	assert_true(hf_dp_probe_pending(f->dp.probe));
	hf_pipeline_probe_tx(W(f), f->dp.l3);
	assert_false(hf_dp_probe_pending(f->dp.probe));

	expect_txq(f, 1, 1, 0);
	expect_probe(f, 0, 0, h1_mac, IP(198, 18, 1, 1), H1, 0, 5);
	expect_probe(f, 1, 0, gw_mac, IP(198, 18, 2, 1), REMOTE, 9, 1030);
	/* the unresolved one waits for ARP like any local packet */
	assert_int_equal(W(f)->hold.used, 1);
	assert_int_equal(pop_events(f, ev, 4), 1);
	expect_event(&ev[0], HF_EV_NEIGH_RESOLVE, 2, UNRES, NULL, 0);
	EXPECT_COUNTERS(f, "probes", { HF_CNT_ha_probe_tx, 3 },
			{ HF_CNT_ha_probe_no_route, 3 },
			{ HF_CNT_arp_held, 1 });
	check_frames(f);

	/* resolved: the held probe leaves from p2's address */
	reset_case(f);
	assert_int_equal(hf_neigh_resolve(f->dp.neigh, 2, UNRES,
					  W(f)->now_ns), 0);
	assert_int_equal(hf_neigh_learn(f->dp.neigh, 2, UNRES, new_mac,
					false, W(f)->now_ns),
			 HF_NEIGH_LEARN_UPDATED);
	hf_pipeline_hold_scan(W(f), f->dp.l3);
	expect_txq(f, 0, 0, 1);
	expect_probe(f, 2, 0, new_mac, IP(198, 18, 3, 1), UNRES, 5, 77);
	EXPECT_COUNTERS(f, "held probe", { HF_CNT_arp_hold_released, 1 });
	check_frames(f);

	/* HA-active with a virtual address on p0: the probe still speaks
	 * from the real one (its reply must come back to this node) */
	reset_case(f);
	ha_setup(f, true, false);
	probe_post(f, 0, H1, 6);
	hf_pipeline_probe_tx(W(f), f->dp.l3);
	expect_txq(f, 1, 0, 0);
	expect_probe(f, 0, 0, h1_mac, IP(198, 18, 1, 1), H1, 0, 6);
	/* the Ethernet source is the virtual MAC, as for all traffic */
	assert_memory_equal(staged(f, 0, 0, &(uint32_t){ 0 }) + 6, vmac0, 6);
	drain_tx(f);
	check_frames(f);
}

enum probe_mut { PM_NONE, PM_ID, PM_TOKEN, PM_MAGIC, PM_SOURCE, PM_TARGET,
		 PM_CSUM, PM_LONG, PM_SEQ_LOW, PM_SEQ0, PM_REQUEST };

struct probe_reply_case {
	const char *what;
	enum probe_mut mut;
};

static const struct probe_reply_case probe_reply_cases[] = {
	{ "other identifier", PM_ID },
	{ "other token (another process)", PM_TOKEN },
	{ "no magic", PM_MAGIC },
	{ "from a host other than the target", PM_SOURCE },
	{ "target index of an unused slot", PM_TARGET },
	{ "bad ICMP checksum", PM_CSUM },
	{ "one byte more", PM_LONG },
	{ "sequence low bits disagree", PM_SEQ_LOW },
	{ "sequence 0", PM_SEQ0 },
};

/* An echo reply from @src to p0's address, as a probed target sends
 * it, then broken as @m says. */
static uint32_t build_probe_reply(uint8_t *b, uint32_t src, uint16_t target,
				  uint32_t seq, uint32_t tx_us,
				  enum probe_mut m)
{
	struct pk p = pk_echo(IP(198, 18, 1, 1), PROBE_ICMP + (m == PM_LONG));
	uint8_t *icmp = b + ETH_HLEN + IP_HLEN, *data = icmp + ICMP_HLEN;
	uint32_t len;

	p.src = src;
	p.icmp_type = m == PM_REQUEST ? 8 : 0;
	len = build(b, &p);
	put16(icmp + 4, m == PM_ID ? 0x1234 : PROBE_ID);
	put16(icmp + 6, (uint16_t)((m == PM_TARGET ? 63 : target) << 10 |
				   ((m == PM_SEQ_LOW ? seq + 1 : seq) & 0x3ff)));
	put32(data, m == PM_MAGIC ? 0 : PROBE_MAGIC);
	put32(data + 4, m == PM_TOKEN ? PROBE_TOKEN + 1 : PROBE_TOKEN);
	put32(data + 8, m == PM_SEQ0 ? 0 : seq);
	put32(data + 12, tx_us);
	put16(icmp + 2, 0);
	put16(icmp + 2, naive_csum(icmp, PROBE_ICMP + (m == PM_LONG)));
	if (m == PM_CSUM)
		icmp[2] ^= 0x40;
	return len;
}

/*
 * A matching echo reply is consumed: sequence and round-trip time in
 * its slot, counted, frame freed. Anything that differs in one field is
 * not ours and takes today's path (an echo reply for us: dropped as bad
 * ICMP); an echo request with the probe identifier is answered.
 */
static void test_ha_probe_reply(void **state)
{
	struct fx *f = *state;
	struct hf_dp_probe *pr = f->dp.probe;
	uint8_t b[HF_FRAME_DATA_MAX];
	uint32_t len;
	size_t c;

	pr->token = PROBE_TOKEN;
	pr->target_ip[3] = H1;
	len = build_probe_reply(b, H1, 3, 1029, probe_now_us(f) - 1500,
				PM_NONE);
	rx(f, 0, b, len);
	expect_txq(f, 0, 0, 0);
	assert_int_equal(pr->reply[3], HF_DP_PROBE_REPLY(1029, 1500));
	EXPECT_COUNTERS(f, "probe reply", { HF_CNT_local_delivered, 1 },
			{ HF_CNT_ha_probe_reply_rx, 1 });
	check_frames(f);

	/* a send stamp from a clock a little ahead: RTT 0, not 4 billion */
	reset_case(f);
	len = build_probe_reply(b, H1, 3, 1030, probe_now_us(f) + 3, PM_NONE);
	rx(f, 0, b, len);
	assert_int_equal(pr->reply[3], HF_DP_PROBE_REPLY(1030, 0));
	check_frames(f);

	for (c = 0; c < ARRAY_SIZE(probe_reply_cases); c++) {
		const struct probe_reply_case *pc = &probe_reply_cases[c];

		reset_case(f);
		len = build_probe_reply(b, pc->mut == PM_SOURCE ?
					IP(198, 18, 1, 3) : H1, 3, 2000,
					probe_now_us(f), pc->mut);
		rx(f, 0, b, len);
		if (pr->reply[3] != HF_DP_PROBE_REPLY(1030, 0))
			fail_msg("%s: recorded as a probe reply", pc->what);
		expect_txq(f, 0, 0, 0);
		EXPECT_COUNTERS(f, pc->what, { HF_CNT_local_delivered, 1 },
				{ HF_CNT_drop_local_bad_icmp, 1 });
		check_frames(f);
	}

	/* an echo request with our identifier is just answered */
	reset_case(f);
	len = build_probe_reply(b, H1, 3, 2001, 0, PM_REQUEST);
	rx(f, 0, b, len);
	expect_txq(f, 1, 0, 0);
	EXPECT_COUNTERS(f, "request with the probe id",
			{ HF_CNT_local_delivered, 1 },
			{ HF_CNT_icmp_echo_reply_tx, 1 });
	drain_tx(f);

	/* a dataplane without a probe block (hand-made): as before */
	reset_case(f);
	f->dp.probe = NULL;
	len = build_probe_reply(b, H1, 3, 2002, 0, PM_NONE);
	rx(f, 0, b, len);
	f->dp.probe = pr;
	EXPECT_COUNTERS(f, "no probe block", { HF_CNT_local_delivered, 1 },
			{ HF_CNT_drop_local_bad_icmp, 1 });
	check_frames(f);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, fx_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_forward),
		T(test_drops),
		T(test_ttl_exceeded),
		T(test_ttl_exceeded_remote_source),
		T(test_no_route),
		T(test_frag_needed),
		T(test_icmp_error_suppressed),
		T(test_icmp_rate_limit),
		T(test_fragment),
		T(test_fragment_no_frames),
		T(test_echo_reply),
		T(test_arp_request_for_us),
		T(test_arp_no_reply),
		T(test_arp_probe),
		T(test_arp_claims_our_address),
		T(test_hold_then_release),
		T(test_hold_incomplete_probes_at_once),
		T(test_hold_timeout),
		T(test_neigh_failed),
		T(test_neigh_stale_probe),
		T(test_hold_slot_full),
		T(test_hold_table_full),
		T(test_hold_release_mtu_lowered),
		T(test_icmp_error_held),
		T(test_mixed_burst),
		T(test_random_frames),
		T(test_capture_points),
		T(test_capture_one_stage),
		T(test_ha_standby),
		T(test_ha_active),
		T(test_ha_announce),
		T(test_ha_probe_tx),
		T(test_ha_probe_reply),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
