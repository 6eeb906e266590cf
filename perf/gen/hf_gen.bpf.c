// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * perf/gen/hf_gen.bpf.c - packet writer for hf-gen.
 *
 * Run by BPF_PROG_RUN with BPF_F_TEST_XDP_LIVE_FRAMES: for every frame the
 * kernel hands us (a recycled page_pool page), write the whole
 * Ethernet/IPv4/UDP header from the template, set the UDP source port
 * and, with several source addresses, the source address and IPv4
 * checksum of the next flow, and return XDP_TX, which the live-frames
 * runner turns into a redirect out of ctx_in's ingress_ifindex. The
 * header is rewritten every time because recycled pages come back
 * carrying whatever the receiver did to them (a forwarder's MAC rewrite
 * and TTL decrement).
 *
 * Pacing (interval != 0): a frame whose due time has not come is dropped
 * unsent (XDP_DROP, the page is recycled at once), so frames leave one
 * by one, evenly spaced, instead of in line-rate bursts. A generator
 * that fell behind catches up with a burst of at most HF_GEN_BURST.
 *
 * Concurrency: the configuration is frozen .rodata. The .bss state is
 * written without atomics: hf-gen runs BPF_PROG_RUN from one thread, and
 * the live-frames loop runs on that thread's CPU with migration disabled.
 */
#include <stdbool.h>

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "../lib/perf_shared.h"

const volatile struct hfp_gen_cfg gen_cfg SEC(".rodata.cfg") = {
	.flows = 1,
	.src_ips = 1,
};

struct hfp_gen_state gen_state;

/* The next flow: ports first, then addresses. */
static __always_inline void next_flow(__u32 flow, __u32 ip)
{
	if (++flow >= gen_cfg.flows) {
		flow = 0;
		if (++ip >= gen_cfg.src_ips)
			ip = 0;
	}
	gen_state.next_flow = flow;
	gen_state.next_ip = ip;
}

#define HF_GEN_BURST	32

/* Not yet time for a frame? Then it is not sent. */
static __always_inline bool too_early(void)
{
	__u64 now, due;

	if (!gen_cfg.interval)
		return false;
	now = bpf_ktime_get_ns() << HFP_PACE_SHIFT;
	due = gen_state.due;
	if (now < due) {
		gen_state.paced++;
		return true;
	}
	/*
	 * Late (preempted, between two BPF_PROG_RUN calls): catch up with
	 * at most HF_GEN_BURST frames back to back, far fewer than a veth
	 * ring holds.
	 */
	if (due + HF_GEN_BURST * gen_cfg.interval < now)
		due = now - HF_GEN_BURST * gen_cfg.interval;
	gen_state.due = due + gen_cfg.interval;
	return false;
}

SEC("xdp")
int hf_gen_xdp(struct xdp_md *ctx)
{
	__u8 *pkt = (__u8 *)(long)ctx->data;
	__u8 *pkt_end = (__u8 *)(long)ctx->data_end;
	__u64 *w = (__u64 *)pkt;
	__u32 flow, ip, saddr, sum;

	if (pkt + HFP_HDR_LEN > pkt_end)
		return XDP_ABORTED;
	if (too_early())
		return XDP_DROP;

	/*
	 * 5 x 8 + 2 bytes. Packet stores need no alignment on the JITs that
	 * matter here (x86-64, arm64), and this is far cheaper than a
	 * byte-wise copy.
	 */
	w[0] = gen_cfg.tmpl[0];
	w[1] = gen_cfg.tmpl[1];
	w[2] = gen_cfg.tmpl[2];
	w[3] = gen_cfg.tmpl[3];
	w[4] = gen_cfg.tmpl[4];
	*(__u16 *)(pkt + 40) = ((const volatile __u16 *)gen_cfg.tmpl)[20];

	flow = gen_state.next_flow;
	ip = gen_state.next_ip;
	*(__u16 *)(pkt + HFP_UDP_SPORT_OFF) =
		bpf_htons((__u16)(gen_cfg.sport_base + flow));
	/*
	 * Ports are not covered by the IPv4 checksum: with one source
	 * address the template's is right. Otherwise add the address to
	 * the sum of the other header words and fold (RFC 1071).
	 */
	if (gen_cfg.src_ips > 1) {
		saddr = gen_cfg.saddr_base + ip;
		sum = gen_cfg.csum_partial + (saddr >> 16) + (saddr & 0xffff);
		sum = (sum & 0xffff) + (sum >> 16);
		sum = (sum & 0xffff) + (sum >> 16);
		*(__u32 *)(pkt + HFP_IP_SADDR_OFF) = bpf_htonl(saddr);
		*(__u16 *)(pkt + HFP_IP_CSUM_OFF) = bpf_htons((__u16)~sum);
	}
	next_flow(flow, ip);
	gen_state.sent++;
	return XDP_TX;
}

char _license[] SEC("license") = "GPL";
