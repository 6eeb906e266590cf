// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * perf/ref/hf_xskfwd.bpf.c - XDP program of hf-xskfwd, the minimal
 * AF_XDP reference forwarder: every frame goes to the AF_XDP socket bound
 * to the queue it arrived on, or to the kernel (XDP_PASS) when none is.
 * Nothing else: parsing and rewriting happen in user space, as in hafwd
 * (bpf/xsk_redirect.bpf.c), so the comparison is between the two user
 * space halves.
 *
 * Concurrency: the loader writes the XSKMAP once, before traffic; the
 * program only reads it.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_XSKMAP);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u32);
} xsks SEC(".maps");

SEC("xdp")
int hf_xskfwd_xdp(struct xdp_md *ctx)
{
	return (int)bpf_redirect_map(&xsks, ctx->rx_queue_index, XDP_PASS);
}

char _license[] SEC("license") = "GPL";
