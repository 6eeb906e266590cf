// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * perf/gen/hf_gen.bpf.c - packet writer for hf-gen.
 *
 * Run by BPF_PROG_RUN with BPF_F_TEST_XDP_LIVE_FRAMES: for every frame the
 * kernel hands us (a recycled page_pool page), write the whole
 * Ethernet/IPv4/UDP header from the template, set the UDP source port of
 * the next flow and return XDP_TX, which the live-frames runner turns into
 * a redirect out of ctx_in's ingress_ifindex. The header is rewritten
 * every time because recycled pages come back carrying whatever the
 * receiver did to them (a forwarder's MAC rewrite and TTL decrement).
 *
 * Concurrency: the configuration is frozen .rodata. The .bss state is
 * written without atomics: hf-gen runs BPF_PROG_RUN from one thread, and
 * the live-frames loop runs on that thread's CPU with migration disabled.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "../lib/perf_shared.h"

const volatile struct hfp_gen_cfg gen_cfg SEC(".rodata.cfg") = {
	.flows = 1,
};

struct hfp_gen_state gen_state;

SEC("xdp")
int hf_gen_xdp(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u64 *w = data;
	__u32 flow;

	if (data + HFP_HDR_LEN > data_end)
		return XDP_ABORTED;

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
	*(__u16 *)(data + 40) = ((const volatile __u16 *)gen_cfg.tmpl)[20];

	/* The IPv4 checksum covers no port: it is constant in the template. */
	flow = gen_state.next_flow;
	*(__u16 *)(data + HFP_UDP_SPORT_OFF) =
		bpf_htons((__u16)(gen_cfg.sport_base + flow));
	flow++;
	gen_state.next_flow = flow >= gen_cfg.flows ? 0 : flow;
	gen_state.sent++;
	return XDP_TX;
}

char _license[] SEC("license") = "GPL";
