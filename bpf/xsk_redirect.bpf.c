// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * xsk_redirect.bpf.c - XDP program attached to every hafwd data port.
 * Every frame is redirected to the AF_XDP socket bound to the rx queue it
 * arrived on; a queue with no socket falls back to XDP_PASS (and counts it),
 * so the port behaves like a plain kernel interface until hafwd binds it.
 * One instance (and so one XSKMAP) is loaded per port.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "shared/bpf_shared.h"

struct {
	__uint(type, BPF_MAP_TYPE_XSKMAP);
	__uint(max_entries, HF_XSK_MAX_QUEUES);
	__type(key, __u32);
	__type(value, __u32);
} xsks_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, HF_XSK_STAT_MAX);
	__type(key, __u32);
	__type(value, struct hf_xsk_stat_val);
} xsk_stats SEC(".maps");

static __always_inline void count(__u32 slot)
{
	struct hf_xsk_stat_val *v = bpf_map_lookup_elem(&xsk_stats, &slot);

	if (v)
		v->packets++;
}

SEC("xdp")
int hafwd_xsk(struct xdp_md *ctx)
{
	long act = bpf_redirect_map(&xsks_map, ctx->rx_queue_index, XDP_PASS);

	count(act == XDP_REDIRECT ? HF_XSK_STAT_REDIRECTED :
				    HF_XSK_STAT_PASS_NOSOCK);
	return (int)act;
}

char _license[] SEC("license") = "GPL";
