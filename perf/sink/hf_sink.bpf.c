// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * perf/sink/hf_sink.bpf.c - receiving end of the benchmark.
 *
 * Attached in native mode to the sink veth. Every IPv4 frame is counted
 * and dropped: "good" if its destination MAC and TTL are the expected
 * ones (what a correct forwarder produces), otherwise "bad-mac" or
 * "bad-ttl". Anything that is not IPv4 (ARP above all, so that a
 * forwarder may resolve the sink's address) is counted and passed to the
 * kernel.
 *
 * Concurrency: expected values are frozen .rodata; counters live in a
 * per-CPU array, one writer per CPU, summed by hf-sink.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "../lib/perf_shared.h"

const volatile struct hfp_sink_cfg sink_cfg SEC(".rodata.cfg");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct hfp_sink_counters);
} sink_counters SEC(".maps");

static __always_inline int sink_mac_ok(const struct ethhdr *eth)
{
	const __u8 *m = eth->h_dest;

	return m[0] == sink_cfg.mac[0] && m[1] == sink_cfg.mac[1] &&
	       m[2] == sink_cfg.mac[2] && m[3] == sink_cfg.mac[3] &&
	       m[4] == sink_cfg.mac[4] && m[5] == sink_cfg.mac[5];
}

SEC("xdp")
int hf_sink_xdp(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct hfp_sink_counters *cnt;
	struct ethhdr *eth = data;
	struct iphdr *iph;
	__u32 key = 0;

	cnt = bpf_map_lookup_elem(&sink_counters, &key);
	if (!cnt)
		return XDP_PASS;
	if ((void *)(eth + 1) > data_end ||
	    eth->h_proto != bpf_htons(ETH_P_IP)) {
		cnt->c[HFP_SINK_PASS]++;
		return XDP_PASS;
	}
	iph = (void *)(eth + 1);
	if ((void *)(iph + 1) > data_end) {
		cnt->c[HFP_SINK_SHORT]++;
		return XDP_DROP;
	}
	if (!sink_mac_ok(eth))
		cnt->c[HFP_SINK_BAD_MAC]++;
	else if (iph->ttl != sink_cfg.ttl)
		cnt->c[HFP_SINK_BAD_TTL]++;
	else
		cnt->c[HFP_SINK_GOOD]++;
	return XDP_DROP;
}

char _license[] SEC("license") = "GPL";
