// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * perf/ref/hf_xdpfwd.bpf.c - native XDP reference forwarder for the
 * benchmark: the fastest thing a forwarder on this path can be.
 *
 * Every IPv4 frame with TTL > 1 gets the egress port's source MAC, the
 * static next hop's destination MAC, its TTL decremented (incremental
 * checksum update, RFC 1624) and is redirected with bpf_redirect() to the
 * egress port. No route lookup: one static next hop. Frames with TTL <= 1
 * and anything that is not IPv4 are passed to the kernel.
 *
 * Concurrency: next hop in frozen .rodata; per-CPU counters.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "../lib/perf_shared.h"

const volatile struct hfp_fwd_cfg fwd_cfg SEC(".rodata.cfg");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct hfp_fwd_counters);
} fwd_counters SEC(".maps");

static __always_inline void fwd_ttl_dec(struct iphdr *iph)
{
	__u32 check = iph->check;

	/* TTL is the high byte of its 16-bit word: +0x0100 in the sum. */
	check += bpf_htons(0x0100);
	iph->check = (__u16)(check + (check >= 0xffff));
	iph->ttl--;
}

SEC("xdp")
int hf_xdpfwd_xdp(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct hfp_fwd_counters *cnt;
	struct ethhdr *eth = data;
	struct iphdr *iph;
	__u32 key = 0;
	int i;

	cnt = bpf_map_lookup_elem(&fwd_counters, &key);
	if (!cnt)
		return XDP_PASS;
	iph = (void *)(eth + 1);
	if ((void *)(iph + 1) > data_end ||
	    eth->h_proto != bpf_htons(ETH_P_IP)) {
		cnt->c[HFP_FWD_PASS]++;
		return XDP_PASS;
	}
	if (iph->ttl <= 1) {
		cnt->c[HFP_FWD_TTL]++;
		return XDP_PASS;
	}
	fwd_ttl_dec(iph);
	for (i = 0; i < 6; i++) {
		eth->h_dest[i] = fwd_cfg.dst_mac[i];
		eth->h_source[i] = fwd_cfg.src_mac[i];
	}
	cnt->c[HFP_FWD_REDIRECT]++;
	return bpf_redirect(fwd_cfg.out_ifindex, 0);
}

char _license[] SEC("license") = "GPL";
