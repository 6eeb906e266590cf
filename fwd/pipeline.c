// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * pipeline.c - the per-frame packet path of a worker (see fwd/pipeline.h).
 *
 * Frame ownership: every function that takes a frame address either
 * stages it for TX, parks it, or frees it (hf_worker_drop*); none returns
 * with the frame in limbo. Locally generated packets (ICMP errors, echo
 * replies) reuse the frame of the packet that caused them.
 *
 * Capture points (fwd/capture.h): rx in hf_pipeline_rx(), fw in
 * forward(), drop in hf_worker_drop*() and icmp_error(); tx is in
 * fwd/worker.c. Each costs one test of w->capture without a capture.
 */
#include "fwd/pipeline.h"

#include <string.h>

#include "common/time.h"
#include "fwd/arp.h"
#include "fwd/dataplane.h"
#include "fwd/fib.h"
#include "fwd/firewall.h"
#include "fwd/frag.h"
#include "fwd/icmp.h"
#include "fwd/neigh.h"
#include "fwd/nexthop.h"
#include "fwd/worker.h"
#include "pkt/csum.h"
#include "pkt/hdr.h"
#include "pkt/martian.h"

#define LOCAL_TTL	64
#define MAX_FRAGS	64

static const enum hf_counter parse_drop[] = {
	[HF_PARSE_RUNT] = HF_CNT_drop_runt,
	[HF_PARSE_VLAN] = HF_CNT_drop_vlan,
	[HF_PARSE_ETHERTYPE] = HF_CNT_drop_ethertype,
	[HF_PARSE_IP_TRUNC] = HF_CNT_drop_ip_truncated,
	[HF_PARSE_IP_VERSION] = HF_CNT_drop_ip_version,
	[HF_PARSE_IP_IHL] = HF_CNT_drop_ip_ihl,
	[HF_PARSE_IP_TOTLEN] = HF_CNT_drop_ip_total_len,
	[HF_PARSE_IP_CSUM] = HF_CNT_drop_ip_checksum,
	[HF_PARSE_ARP_BAD] = HF_CNT_arp_malformed,
};

static inline uint8_t *frame_ptr(struct hf_worker *w, uint64_t addr)
{
	return hf_umem_ptr(&w->umem, addr);
}

static bool tbucket_take(struct hf_tbucket *b, uint64_t now)
{
	uint64_t cap = (uint64_t)b->burst * 1000;
	uint64_t add = (now - b->last_ns) * b->rate / HF_NSEC_PER_MSEC;

	b->last_ns = now;
	b->tokens_milli = HF_MIN(cap, b->tokens_milli + add);
	if (b->tokens_milli < 1000)
		return false;
	b->tokens_milli -= 1000;
	return true;
}

/* ---- transmit side ---- */

/*
 * Write the Ethernet header in front of the IPv4 packet at @ip and stage
 * it on @port. The frame must have room for it (RX frames always do).
 */
static void send_eth(struct hf_worker *w, const struct hf_l3 *l3,
		     uint16_t port, const uint8_t *dmac, uint64_t ip_addr,
		     uint32_t ip_len)
{
	uint64_t eaddr = ip_addr - HF_ETH_HLEN;
	struct hf_eth *eth = (struct hf_eth *)frame_ptr(w, eaddr);

	memcpy(eth->dst, dmac, HF_ETH_ALEN);
	memcpy(eth->src, l3->port[port].src_mac, HF_ETH_ALEN);
	eth->type = htons(HF_ETH_P_IPV4);
	hf_worker_tx(w, port, eaddr, ip_len + HF_ETH_HLEN);
}

/* Fragment the packet at @ip_addr to @mtu and send every piece. */
static void send_fragments(struct hf_worker *w, const struct hf_l3 *l3,
			   uint16_t port, const uint8_t *dmac,
			   uint64_t ip_addr, uint32_t ip_len, uint32_t mtu)
{
	struct hf_ipv4 *ip = (struct hf_ipv4 *)frame_ptr(w, ip_addr);
	uint64_t addr[MAX_FRAGS];
	uint8_t *out[MAX_FRAGS];
	uint32_t len[MAX_FRAGS];
	uint32_t n = hf_ipv4_frag_count(hf_ipv4_hlen(ip), ip_len, mtu);
	uint32_t k;
	int made;

	if (!n || n > MAX_FRAGS) {
		hf_worker_drop_ip(w, ip_addr, ip_len, HF_CNT_drop_frag_nomem);
		return;
	}
	addr[0] = ip_addr;
	out[0] = (uint8_t *)ip;
	for (k = 1; k < n; k++) {
		uint64_t f = hf_frame_alloc(&w->umem);

		if (!f) {
			while (--k)
				hf_frame_free(&w->umem, addr[k]);
			hf_worker_count(w, HF_CNT_frame_pool_empty);
			hf_worker_drop_ip(w, ip_addr, ip_len,
					  HF_CNT_drop_frag_nomem);
			return;
		}
		addr[k] = f + HF_ETH_HLEN;
		out[k] = frame_ptr(w, addr[k]);
	}
	made = hf_ipv4_fragment(ip, ip_len, mtu, out, len, n);
	if (made != (int)n) {
		for (k = 1; k < n; k++)
			hf_frame_free(&w->umem, addr[k]);
		hf_worker_drop_ip(w, ip_addr, ip_len, HF_CNT_drop_frag_nomem);
		return;
	}
	for (k = 0; k < n; k++)
		send_eth(w, l3, port, dmac, addr[k], len[k]);
	hf_cnt_add(&w->stats.c[HF_CNT_fragments_sent], n);
}

/* Final step once the next-hop MAC is known: MTU, then out. */
static void emit_ipv4(struct hf_worker *w, const struct hf_l3 *l3,
		      uint16_t port, const uint8_t *dmac, uint64_t ip_addr,
		      uint32_t ip_len)
{
	const struct hf_ipv4 *ip =
		(const struct hf_ipv4 *)frame_ptr(w, ip_addr);
	uint32_t mtu = l3->port[port].mtu;

	if (likely(ip_len <= mtu)) {
		send_eth(w, l3, port, dmac, ip_addr, ip_len);
		return;
	}
	/* DF packets were refused before they were held; an MTU lowered
	 * while a packet waited for ARP is the only way to get here */
	if (ip->frag_off & htons(HF_IP_DF)) {
		hf_worker_drop_ip(w, ip_addr, ip_len, HF_CNT_drop_frag_needed);
		return;
	}
	send_fragments(w, l3, port, dmac, ip_addr, ip_len, mtu);
}

static void send_arp_request(struct hf_worker *w, const struct hf_l3 *l3,
			     uint16_t port, uint32_t target)
{
	const struct hf_l3_port *lp = &l3->port[port];
	uint32_t sip = hf_l3_addr_for(lp, target);
	uint64_t f;

	if (!sip)
		return;
	f = hf_frame_alloc(&w->umem);
	if (!f) {
		hf_worker_count(w, HF_CNT_frame_pool_empty);
		return;
	}
	hf_worker_tx(w, port, f,
		     hf_arp_build_request(frame_ptr(w, f), lp->src_mac, sip,
					  target));
	hf_worker_count(w, HF_CNT_arp_request_tx);
}

void hf_pipeline_announce(struct hf_worker *w, const struct hf_l3 *l3)
{
	uint32_t p, i;

	if (l3->announce != w->garp_gen) {
		w->garp_gen = l3->announce;
		w->garp_left = l3->forward ? l3->garp_count : 0;
		w->garp_next_ns = w->now_ns;
	}
	if (!w->garp_left || w->now_ns < w->garp_next_ns)
		return;
	w->garp_left--;
	w->garp_next_ns = w->now_ns + l3->garp_interval_ns;
	for (p = 0; p < l3->nports; p++) {
		const struct hf_l3_port *lp = &l3->port[p];

		for (i = 0; lp->vactive && i < lp->nvaddr; i++) {
			uint64_t f = hf_frame_alloc(&w->umem);

			if (!f) {
				hf_worker_count(w, HF_CNT_frame_pool_empty);
				return;
			}
			/* RFC 5227 announcement: sender = target = the
			 * address, from the virtual MAC, to broadcast */
			hf_worker_tx(w, (uint16_t)p, f,
				     hf_arp_build_request(frame_ptr(w, f),
							  lp->src_mac,
							  lp->vaddr[i].ip,
							  lp->vaddr[i].ip));
			hf_worker_count(w, HF_CNT_garp_tx);
		}
	}
}

static void request_resolution(struct hf_worker *w, uint16_t port,
			       uint32_t ip)
{
	struct hf_event ev = { .type = HF_EV_NEIGH_RESOLVE, .port = port,
			       .ip = ip };

	hf_worker_event(w, &ev);
}

/*
 * Resolve @nh_ip on @port and send, or park the packet until ARP
 * answers. Requests go out only once mprelay has created the INCOMPLETE
 * entry, so a reply always finds it and is accepted.
 */
static void neigh_output(struct hf_worker *w, const struct hf_l3 *l3,
			 uint16_t port, uint32_t nh_ip, uint64_t ip_addr,
			 uint32_t ip_len)
{
	struct hf_neigh *n = hf_neigh_lookup(w->dp->neigh, port, nh_ip);
	const struct hf_neigh_params *p = hf_neigh_params(w->dp->neigh);
	enum hf_neigh_state s;

	if (likely(n)) {
		s = hf_neigh_state_at(n, w->now_ns, p);
		if (likely(hf_neigh_usable(s))) {
			if (unlikely(s == HF_NEIGH_STALE) &&
			    hf_neigh_claim_probe(n, w->now_ns, p))
				send_arp_request(w, l3, port, nh_ip);
			emit_ipv4(w, l3, port, n->mac, ip_addr, ip_len);
			return;
		}
		if (s == HF_NEIGH_FAILED) {
			hf_worker_drop_ip(w, ip_addr, ip_len,
					  HF_CNT_drop_neigh_failed);
			return;
		}
	}
	switch (hf_hold_add(&w->hold, port, nh_ip, ip_addr, ip_len,
			    w->now_ns)) {
	case HF_HOLD_NEW_SLOT:
		if (!n)
			request_resolution(w, port, nh_ip);
		else if (hf_neigh_claim_probe(n, w->now_ns, p))
			send_arp_request(w, l3, port, nh_ip);
		hf_worker_count(w, HF_CNT_arp_held);
		break;
	case HF_HOLD_QUEUED:
		hf_worker_count(w, HF_CNT_arp_held);
		break;
	case HF_HOLD_FULL:
		hf_worker_drop_ip(w, ip_addr, ip_len,
				  HF_CNT_drop_neigh_hold_full);
		break;
	}
}

void hf_pipeline_hold_scan(struct hf_worker *w, const struct hf_l3 *l3)
{
	const struct hf_neigh_params *p = hf_neigh_params(w->dp->neigh);
	uint32_t i, k;

	for (i = 0; i < HF_HOLD_SLOTS && w->hold.used; i++) {
		struct hf_hold_slot *s = &w->hold.slot[i];
		struct hf_neigh *n;
		enum hf_neigh_state st;

		if (!s->ip)
			continue;
		/* the frames here left the receive path: drops name the
		 * egress port */
		w->drop_port = s->port;
		n = hf_neigh_lookup(w->dp->neigh, s->port, s->ip);
		st = n ? hf_neigh_state_at(n, w->now_ns, p) : HF_NEIGH_INCOMPLETE;
		if (n && hf_neigh_usable(st)) {
			for (k = 0; k < s->n; k++)
				emit_ipv4(w, l3, s->port, n->mac, s->frame[k],
					  s->len[k]);
			hf_cnt_add(&w->stats.c[HF_CNT_arp_hold_released], s->n);
			hf_hold_release(&w->hold, s);
			continue;
		}
		if (st == HF_NEIGH_FAILED ||
		    w->now_ns - s->first_ns >= p->resolve_timeout_ns) {
			/* first_ns is the worker's own clock: no wrap */
			for (k = 0; k < s->n; k++)
				hf_worker_drop_ip(w, s->frame[k], s->len[k],
						  HF_CNT_drop_neigh_failed);
			hf_hold_release(&w->hold, s);
			continue;
		}
		if (n) {
			if (hf_neigh_claim_probe(n, w->now_ns, p))
				send_arp_request(w, l3, s->port, s->ip);
		} else if (w->now_ns - s->resolve_ns >= p->probe_interval_ns) {
			/* mprelay lost or expired the request: ask again */
			s->resolve_ns = w->now_ns;
			request_resolution(w, s->port, s->ip);
		}
	}
}

/* ---- ICMP ---- */

/*
 * Where a packet we originate to @dst (host order) leaves: the egress
 * @port and the next hop @nh_ip to resolve. False when there is no
 * route, or the route does not lead out of a port (local, blackhole).
 */
static bool local_route(struct hf_worker *w, const struct hf_l3 *l3,
			uint32_t dst, uint16_t *port, uint32_t *nh_ip)
{
	const struct hf_nexthop *nh;
	uint32_t nh_idx;

	if (hf_fib_lookup(w->dp->fib, dst, &nh_idx))
		return false;
	nh = hf_nh_at(w->dp->nh, nh_idx);
	if (nh->type != HF_NH_FORWARD || nh->port >= l3->nports)
		return false;
	*port = nh->port;
	*nh_ip = nh->gw ? nh->gw : dst;
	return true;
}

/*
 * Route a packet we originate (ICMP) from the frame at @ip_addr: look up
 * its destination, resolve, send. Anything unroutable is dropped quietly:
 * the packet that caused it was already counted.
 */
static void local_output(struct hf_worker *w, const struct hf_l3 *l3,
			 uint64_t ip_addr, uint32_t ip_len)
{
	const struct hf_ipv4 *ip =
		(const struct hf_ipv4 *)frame_ptr(w, ip_addr);
	uint32_t nh_ip;
	uint16_t port;

	if (!local_route(w, l3, ntohl(ip->daddr), &port, &nh_ip)) {
		hf_frame_free(&w->umem, ip_addr);
		return;
	}
	neigh_output(w, l3, port, nh_ip, ip_addr, ip_len);
}

/*
 * A packet hafwd made in the frame of a received one has no Ethernet
 * header of its own until send_eth(): give it a blank one (zero MACs),
 * so that a drop capture before then does not show a stale header.
 */
static void blank_eth(struct hf_worker *w, uint64_t ip_addr)
{
	struct hf_eth *eth =
		(struct hf_eth *)frame_ptr(w, ip_addr - HF_ETH_HLEN);

	memset(eth, 0, sizeof(*eth));
	eth->type = htons(HF_ETH_P_IPV4);
}

/* The packet dies here (it is answered by an ICMP error or not at all),
 * so it is not counted again: just back to the pool. */
static void release(struct hf_worker *w, uint64_t ip_addr,
		    enum hf_counter why)
{
	hf_worker_count(w, why);
	hf_frame_free(&w->umem, ip_addr);
}

/*
 * Answer the offending packet at @ip_addr with an ICMP error, in its own
 * frame, or just drop it when RFC 1812 or the rate limit says no. The
 * drop @reason is counted either way, and a drop capture records the
 * packet once, under @reason, before its frame is reused.
 */
static void icmp_error(struct hf_worker *w, const struct hf_l3 *l3,
		       uint16_t in_port, uint64_t ip_addr, uint32_t ip_len,
		       uint8_t type, uint8_t code, uint16_t mtu,
		       enum hf_counter reason)
{
	struct hf_ipv4 *ip = (struct hf_ipv4 *)frame_ptr(w, ip_addr);
	struct hf_ipv4 *err;
	uint32_t src, len;

	hf_worker_count(w, reason);
	if (unlikely(hf_capture_wants(w->capture, HF_CAP_DROP)))
		hf_worker_capture(w, HF_CAP_DROP, w->drop_port,
				  ip_addr - HF_ETH_HLEN, ip_len + HF_ETH_HLEN,
				  reason);
	/* frames that came as link-layer broadcast never get this far */
	if (!hf_icmp_error_allowed(ip, ip_len, false)) {
		release(w, ip_addr, HF_CNT_icmp_error_suppressed);
		return;
	}
	src = hf_l3_addr_for(&l3->port[in_port], ntohl(ip->saddr));
	if (!src) {
		release(w, ip_addr, HF_CNT_icmp_error_suppressed);
		return;
	}
	if (!tbucket_take(&w->icmp_bucket, w->now_ns)) {
		release(w, ip_addr, HF_CNT_icmp_error_ratelimited);
		return;
	}
	err = hf_icmp_build_error(ip, ip_len, type, code, mtu, src, &len);
	hf_worker_count(w, HF_CNT_icmp_error_tx);
	ip_addr -= (uint64_t)((uint8_t *)ip - (uint8_t *)err);
	blank_eth(w, ip_addr);
	local_output(w, l3, ip_addr, len);
}

/* ---- HA path probes (fwd/dataplane.h, struct hf_dp_probe) ---- */

#define PROBE_ICMP_LEN	(sizeof(struct hf_icmp) + HF_DP_PROBE_PAYLOAD)
#define PROBE_IP_LEN	(sizeof(struct hf_ipv4) + PROBE_ICMP_LEN)

static inline uint32_t now_us(const struct hf_worker *w)
{
	/* low 32 bits: RTTs are differences, which survive the wrap */
	return (uint32_t)(w->now_ns / HF_NSEC_PER_USEC);
}

static void put_be32(uint8_t *p, uint32_t v)
{
	v = htonl(v);
	memcpy(p, &v, sizeof(v));
}

static uint32_t get_be32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return ntohl(v);
}

/*
 * The probe's source: the egress port's own address on the next hop's
 * subnet (else its first address), never a virtual one. A path probe
 * tests this node's path whatever its HA role, and its reply must come
 * back to this node even if the virtual addresses move meanwhile.
 * Only a port without an address of its own falls back on
 * hf_l3_addr_for().
 */
static uint32_t probe_source(const struct hf_l3_port *lp, uint32_t nh_ip)
{
	uint32_t i;

	for (i = 0; i < lp->naddr; i++) {
		uint32_t m = lp->addr[i].len ? ~0u << (32 - lp->addr[i].len) : 0;

		if ((lp->addr[i].ip & m) == (nh_ip & m))
			return lp->addr[i].ip;
	}
	return lp->naddr ? lp->addr[0].ip : hf_l3_addr_for(lp, nh_ip);
}

/* Build the echo request of @r from @src in the frame at @ip_addr. */
static void probe_build(struct hf_worker *w, uint64_t ip_addr,
			const struct hf_dp_probe_req *r, uint32_t src,
			uint32_t token)
{
	struct hf_ipv4 *ip = (struct hf_ipv4 *)frame_ptr(w, ip_addr);
	struct hf_icmp *icmp = (struct hf_icmp *)(ip + 1);
	uint8_t *data = (uint8_t *)(icmp + 1);

	memset(ip, 0, PROBE_IP_LEN);
	ip->ver_ihl = 0x45;
	ip->tot_len = htons((uint16_t)PROBE_IP_LEN);
	ip->id = htons((uint16_t)r->seq);
	/* 44 bytes fit every link: a probe is never fragmented */
	ip->frag_off = htons(HF_IP_DF);
	ip->ttl = LOCAL_TTL;
	ip->protocol = HF_IPPROTO_ICMP;
	ip->saddr = htonl(src);
	ip->daddr = htonl(r->dst);
	ip->check = hf_csum(ip, sizeof(*ip));
	icmp->type = HF_ICMP_ECHO;
	icmp->un.echo.id = htons(HF_DP_PROBE_ID);
	icmp->un.echo.seq = htons((uint16_t)(r->target << HF_DP_PROBE_SEQ_SHIFT |
					     (r->seq & HF_DP_PROBE_SEQ_LOW)));
	put_be32(data, HF_DP_PROBE_MAGIC);
	put_be32(data + 4, token);
	put_be32(data + 8, r->seq);
	put_be32(data + 12, now_us(w));
	icmp->check = hf_csum(icmp, PROBE_ICMP_LEN);
}

void hf_pipeline_probe_tx(struct hf_worker *w, const struct hf_l3 *l3)
{
	struct hf_dp_probe *pr = w->dp->probe;
	uint32_t token = __atomic_load_n(&pr->token, __ATOMIC_RELAXED);
	struct hf_dp_probe_req r;
	uint32_t n, src, nh_ip;
	uint64_t f;
	uint16_t port;

	/* at most one ring's worth per loop, whatever dha does meanwhile */
	for (n = 0; n < HF_DP_PROBE_RING && hf_dp_probe_take(pr, &r); n++) {
		src = 0;
		if (local_route(w, l3, r.dst, &port, &nh_ip))
			src = probe_source(&l3->port[port], nh_ip);
		if (!src) {
			hf_worker_count(w, HF_CNT_ha_probe_no_route);
			continue;
		}
		f = hf_frame_alloc(&w->umem);
		if (!f) {
			hf_worker_count(w, HF_CNT_frame_pool_empty);
			continue;
		}
		blank_eth(w, f + HF_ETH_HLEN);
		probe_build(w, f + HF_ETH_HLEN, &r, src, token);
		hf_worker_count(w, HF_CNT_ha_probe_tx);
		/* like local_output(), with the route already known */
		w->drop_port = port;
		neigh_output(w, l3, port, nh_ip, f + HF_ETH_HLEN,
			     (uint32_t)PROBE_IP_LEN);
	}
}

/*
 * Is the echo reply at @ip the answer to one of our path probes? Then
 * note its sequence number and round-trip time in its reply slot.
 * Anything that does not match in every field is not ours and takes
 * the ordinary path.
 */
static bool probe_reply(struct hf_worker *w, const struct hf_ipv4 *ip,
			uint32_t ip_len)
{
	struct hf_dp_probe *pr = w->dp->probe;
	uint32_t hlen = hf_ipv4_hlen(ip), target, seq;
	const struct hf_icmp *icmp;
	const uint8_t *data;
	int32_t rtt;

	if (!pr || ip_len - hlen != PROBE_ICMP_LEN)
		return false;
	icmp = (const struct hf_icmp *)((const uint8_t *)ip + hlen);
	data = (const uint8_t *)(icmp + 1);
	if (icmp->type != HF_ICMP_ECHOREPLY || icmp->code ||
	    icmp->un.echo.id != htons(HF_DP_PROBE_ID) ||
	    get_be32(data) != HF_DP_PROBE_MAGIC ||
	    get_be32(data + 4) != __atomic_load_n(&pr->token, __ATOMIC_RELAXED))
		return false;
	target = ntohs(icmp->un.echo.seq) >> HF_DP_PROBE_SEQ_SHIFT;
	seq = get_be32(data + 8);
	if (target >= HF_DP_PROBE_TARGETS || !seq ||
	    (seq & HF_DP_PROBE_SEQ_LOW) !=
	    (ntohs(icmp->un.echo.seq) & HF_DP_PROBE_SEQ_LOW) ||
	    ntohl(ip->saddr) != __atomic_load_n(&pr->target_ip[target],
						__ATOMIC_RELAXED) ||
	    hf_csum(icmp, PROBE_ICMP_LEN))
		return false;
	/* two workers' loop clocks: the receiver's may be a little behind
	 * the sender's */
	rtt = (int32_t)(now_us(w) - get_be32(data + 12));
	__atomic_store_n(&pr->reply[target],
			 HF_DP_PROBE_REPLY(seq, rtt > 0 ? rtt : 0),
			 __ATOMIC_RELAXED);
	return true;
}

static void local_input(struct hf_worker *w, const struct hf_l3 *l3,
			uint64_t ip_addr, uint32_t ip_len)
{
	struct hf_ipv4 *ip = (struct hf_ipv4 *)frame_ptr(w, ip_addr);

	hf_worker_count(w, HF_CNT_local_delivered);
	if (ip->protocol != HF_IPPROTO_ICMP) {
		hf_worker_drop_ip(w, ip_addr, ip_len, HF_CNT_drop_local_proto);
		return;
	}
	if (unlikely(probe_reply(w, ip, ip_len))) {
		/* consumed: the slot holds what dha needs */
		hf_worker_count(w, HF_CNT_ha_probe_reply_rx);
		hf_frame_free(&w->umem, ip_addr);
		return;
	}
	if (hf_icmp_echo_reply(ip, ip_len)) {
		hf_worker_drop_ip(w, ip_addr, ip_len,
				  HF_CNT_drop_local_bad_icmp);
		return;
	}
	hf_worker_count(w, HF_CNT_icmp_echo_reply_tx);
	blank_eth(w, ip_addr);
	local_output(w, l3, ip_addr, ip_len);
}

/* ---- receive side ---- */

static void arp_input(struct hf_worker *w, const struct hf_l3 *l3,
		      uint16_t port, uint64_t addr, uint32_t len)
{
	uint8_t *frame = frame_ptr(w, addr);
	const struct hf_l3_port *lp = &l3->port[port];
	const struct hf_arp *arp = (const struct hf_arp *)(frame + HF_ETH_HLEN);
	struct hf_event ev = { .type = HF_EV_NEIGH_LEARN, .port = port };
	uint16_t oper;
	bool for_us;

	if (hf_parse_arp(frame + HF_ETH_HLEN, len - HF_ETH_HLEN)) {
		hf_worker_drop_frame(w, addr, len, HF_CNT_arp_malformed);
		return;
	}
	oper = ntohs(arp->oper);
	for_us = hf_l3_port_owns(lp, ntohl(arp->tpa));
	ev.ip = ntohl(arp->spa);
	memcpy(ev.mac, arp->sha, HF_ETH_ALEN);
	/* never believe a multicast/broadcast/zero sender MAC or a martian
	 * sender address; a gratuitous ARP (spa == tpa) only refreshes */
	if (hf_mac_is_multicast(arp->sha) || hf_mac_is_zero(arp->sha) ||
	    (ev.ip && hf_ip4_src_is_martian(ev.ip))) {
		hf_worker_drop_frame(w, addr, len, HF_CNT_arp_bad_sender);
		return;
	}
	if (oper == HF_ARP_REPLY) {
		hf_worker_count(w, HF_CNT_arp_reply_rx);
		if (ev.ip)
			hf_worker_event(w, &ev);
		hf_frame_free(&w->umem, addr);
		return;
	}
	if (oper != HF_ARP_REQUEST) {
		hf_worker_drop_frame(w, addr, len, HF_CNT_arp_malformed);
		return;
	}
	hf_worker_count(w, HF_CNT_arp_request_rx);
	if (ev.ip) {	/* 0.0.0.0: an address probe (RFC 5227), no learning */
		ev.may_create = for_us && ev.ip != ntohl(arp->tpa);
		hf_worker_event(w, &ev);
	}
	if (!for_us) {
		hf_worker_drop_frame(w, addr, len, HF_CNT_arp_not_for_us);
		return;
	}
	hf_worker_tx(w, port, addr, hf_arp_make_reply(frame, lp->src_mac));
	hf_worker_count(w, HF_CNT_arp_reply_tx);
}

static void forward(struct hf_worker *w, const struct hf_l3 *l3,
		    uint16_t in_port, uint64_t ip_addr, uint32_t ip_len,
		    const struct hf_nexthop *nh, uint32_t dst)
{
	struct hf_ipv4 *ip = (struct hf_ipv4 *)frame_ptr(w, ip_addr);
	struct hf_policy *pol = rcu_dereference(w->dp->policy);
	uint16_t out = nh->port;

	if (pol && !hf_firewall(w, pol, in_port, out, ip, ip_len, ip_addr))
		return;
	/* accepted, not yet rewritten: the frame as received, up to the
	 * end of the IPv4 packet */
	if (unlikely(hf_capture_wants(w->capture, HF_CAP_FW)))
		hf_worker_capture(w, HF_CAP_FW, out, ip_addr - HF_ETH_HLEN,
				  ip_len + HF_ETH_HLEN, HF_CNT_forwarded);
	if (unlikely(ip->ttl <= 1)) {
		icmp_error(w, l3, in_port, ip_addr, ip_len,
			   HF_ICMP_TIME_EXCEEDED, HF_ICMP_EXC_TTL, 0,
			   HF_CNT_drop_ttl_exceeded);
		return;
	}
	if (unlikely(out >= l3->nports)) {
		hf_worker_drop_ip(w, ip_addr, ip_len, HF_CNT_drop_port_down);
		return;
	}
	if (unlikely(ip_len > l3->port[out].mtu) &&
	    (ip->frag_off & htons(HF_IP_DF))) {
		icmp_error(w, l3, in_port, ip_addr, ip_len,
			   HF_ICMP_DEST_UNREACH, HF_ICMP_FRAG_NEEDED,
			   (uint16_t)l3->port[out].mtu,
			   HF_CNT_drop_frag_needed);
		return;
	}
	hf_ipv4_dec_ttl(ip);
	hf_worker_count(w, HF_CNT_forwarded);
	neigh_output(w, l3, out, nh->gw ? nh->gw : dst, ip_addr, ip_len);
}

static void ipv4_input(struct hf_worker *w, const struct hf_l3 *l3,
		       uint16_t port, uint64_t addr, uint32_t len,
		       bool l2_mcast)
{
	uint64_t ip_addr = addr + HF_ETH_HLEN;
	const struct hf_ipv4 *ip =
		(const struct hf_ipv4 *)frame_ptr(w, ip_addr);
	const struct hf_nexthop *nh;
	enum hf_parse_result r;
	uint32_t ip_len, src, dst, nh_idx;

	r = hf_parse_ipv4((const uint8_t *)ip, len - HF_ETH_HLEN, &ip_len);
	if (unlikely(r)) {
		hf_worker_drop_frame(w, addr, len, parse_drop[r]);
		return;
	}
	src = ntohl(ip->saddr);
	dst = ntohl(ip->daddr);
	if (unlikely(hf_ip4_src_is_martian(src))) {
		hf_worker_drop_frame(w, addr, len, HF_CNT_drop_martian_src);
		return;
	}
	if (unlikely(hf_ip4_is_limited_bcast(dst))) {
		hf_worker_drop_frame(w, addr, len, HF_CNT_drop_broadcast_dst);
		return;
	}
	if (unlikely(hf_ip4_is_multicast(dst))) {
		hf_worker_drop_frame(w, addr, len, HF_CNT_drop_multicast_dst);
		return;
	}
	if (unlikely(hf_ip4_dst_is_martian(dst))) {
		hf_worker_drop_frame(w, addr, len, HF_CNT_drop_martian_dst);
		return;
	}
	/* RFC 1812 5.3.4: an IP unicast in a link-layer broadcast frame is
	 * discarded, neither forwarded nor answered */
	if (unlikely(l2_mcast)) {
		hf_worker_drop_frame(w, addr, len, HF_CNT_drop_l2_broadcast);
		return;
	}
	if (unlikely(hf_fib_lookup(w->dp->fib, dst, &nh_idx))) {
		icmp_error(w, l3, port, ip_addr, ip_len,
			   HF_ICMP_DEST_UNREACH, HF_ICMP_NET_UNREACH, 0,
			   HF_CNT_drop_no_route);
		return;
	}
	nh = hf_nh_at(w->dp->nh, nh_idx);
	switch (nh->type) {
	case HF_NH_FORWARD:
		if (unlikely(!l3->forward)) {
			hf_worker_drop_frame(w, addr, len,
					     HF_CNT_drop_ha_standby);
			return;
		}
		forward(w, l3, port, ip_addr, ip_len, nh, dst);
		return;
	case HF_NH_LOCAL:
		if (unlikely(!l3->forward) &&
		    hf_l3_is_standby_vaddr(l3, dst)) {
			hf_worker_drop_frame(w, addr, len,
					     HF_CNT_drop_ha_standby);
			return;
		}
		if (hf_ipv4_is_fragment(ip)) {
			/* hafwd does not reassemble: nothing it answers
			 * (echo) needs more than one fragment */
			hf_worker_drop_frame(w, addr, len,
					     HF_CNT_drop_local_proto);
			return;
		}
		local_input(w, l3, ip_addr, ip_len);
		return;
	case HF_NH_BROADCAST:
		hf_worker_drop_frame(w, addr, len, HF_CNT_drop_broadcast_dst);
		return;
	default:
		hf_worker_drop_frame(w, addr, len, HF_CNT_drop_blackhole);
		return;
	}
}

static void frame_input(struct hf_worker *w, const struct hf_l3 *l3,
			uint16_t port, uint64_t addr, uint32_t len)
{
	const uint8_t *frame = frame_ptr(w, addr);
	const struct hf_eth *eth = (const struct hf_eth *)frame;
	enum hf_parse_result r;
	uint16_t type;
	bool l2_mcast;

	r = hf_parse_eth(frame, len, &type);
	if (unlikely(r)) {
		hf_worker_drop_frame(w, addr, len, parse_drop[r]);
		return;
	}
	l2_mcast = hf_mac_is_multicast(eth->dst);
	if (unlikely(!l2_mcast && !hf_l3_port_mac_is_ours(&l3->port[port], eth->dst))) {
		hf_worker_drop_frame(w, addr, len, HF_CNT_drop_not_our_mac);
		return;
	}
	if (type == HF_ETH_P_ARP) {
		arp_input(w, l3, port, addr, len);
		return;
	}
	ipv4_input(w, l3, port, addr, len, l2_mcast);
}

void hf_pipeline_rx(struct hf_worker *w, const struct hf_l3 *l3,
		    uint16_t port, const struct xdp_desc *desc, uint32_t n)
{
	struct hf_port_stats *ps = &w->port_stats[port];
	const struct hf_policy *pol = rcu_dereference(w->dp->policy);
	uint64_t bytes = 0;
	uint32_t i;

	w->drop_port = port;
	if (pol)
		hf_firewall_ahead(w, pol, port, desc, n);
	for (i = 0; i < n; i++) {
		if (i + 1 < n)
			__builtin_prefetch(frame_ptr(w, desc[i + 1].addr));
		w->fw_ahead.pos = i;
		bytes += desc[i].len;
		if (unlikely(hf_capture_wants(w->capture, HF_CAP_RX)))
			hf_worker_capture(w, HF_CAP_RX, port, desc[i].addr,
					  desc[i].len, HF_CNT_rx_packets);
		frame_input(w, l3, port, desc[i].addr, desc[i].len);
	}
	/* its sessions are only safe until the quiescent state */
	w->fw_ahead.n = 0;
	hf_cnt_add(&w->stats.c[HF_CNT_rx_packets], n);
	hf_cnt_add(&w->stats.c[HF_CNT_rx_bytes], bytes);
	hf_cnt_add(&ps->rx_packets, n);
	hf_cnt_add(&ps->rx_bytes, bytes);
}
