/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * perf/lib/perf_shared.h - layouts shared by the benchmark XDP programs
 * (perf/{gen,sink,ref}/ *.bpf.c) and their loaders.
 *
 * Concurrency: every *_cfg struct lives alone in a ".rodata.cfg" section;
 * the loader fills it before the object is loaded and the kernel freezes
 * it, so the programs read constants. Counters are per-CPU arrays (sink,
 * xdpfwd: one writer per CPU, the loader sums) or, for the generator, plain
 * .bss globals written only by the one CPU that runs BPF_PROG_RUN and read
 * by the loader after the run.
 */
#ifndef HF_PERF_SHARED_H
#define HF_PERF_SHARED_H

#include <linux/types.h>

/* Ethernet (14) + IPv4 without options (20) + UDP (8). */
#define HFP_HDR_LEN		42
/* Offsets in the frame: IPv4 header checksum, source address, UDP
 * source port. */
#define HFP_IP_CSUM_OFF		24
#define HFP_IP_SADDR_OFF	26
#define HFP_UDP_SPORT_OFF	34
/* Header template words: 6 x 8 bytes, the first HFP_HDR_LEN are used. */
#define HFP_TMPL_WORDS		6
/* hf-gen pacing: due times and the interval are in 1/1024 ns. */
#define HFP_PACE_SHIFT		10

/*
 * hf-gen: frame template and flow spread. Flow i of the cycle has source
 * port sport_base + i % flows and source address saddr_base + i / flows:
 * the port advances with every frame, the address when the ports wrap.
 */
struct hfp_gen_cfg {
	__u64 tmpl[HFP_TMPL_WORDS];	/* Eth/IPv4/UDP header, wire order */
	__u32 sport_base;		/* first UDP source port, host order */
	__u32 flows;			/* source ports used: base..base+flows-1 */
	__u32 saddr_base;		/* first source address, host order */
	__u32 src_ips;			/* source addresses used (1: template's) */
	__u32 csum_partial;		/* one's complement sum of the IPv4 header
					 * words but checksum and source address */
	__u32 pad;
	__u64 interval;			/* between frames, ns << HFP_PACE_SHIFT;
					 * 0: as fast as possible */
};
_Static_assert(sizeof(struct hfp_gen_cfg) == 80, "hfp_gen_cfg layout");

/* hf-gen: state written by the program, read by the loader. */
struct hfp_gen_state {
	__u64 sent;			/* frames written and returned as XDP_TX */
	__u32 next_flow;		/* index of the next source port */
	__u32 next_ip;			/* index of the next source address */
	__u64 due;			/* pacing: earliest time of the next frame,
					 * ns << HFP_PACE_SHIFT */
	__u64 paced;			/* pacing: frames dropped unsent */
};
_Static_assert(sizeof(struct hfp_gen_state) == 32, "hfp_gen_state layout");

/* hf-sink: what a correctly forwarded frame looks like. */
struct hfp_sink_cfg {
	__u8 mac[6];			/* expected destination MAC */
	__u8 ttl;			/* expected IPv4 TTL */
	__u8 pad;
};
_Static_assert(sizeof(struct hfp_sink_cfg) == 8, "hfp_sink_cfg layout");

enum hfp_sink_counter {
	HFP_SINK_GOOD,		/* IPv4, right MAC and TTL: dropped */
	HFP_SINK_BAD_MAC,	/* IPv4, wrong destination MAC: dropped */
	HFP_SINK_BAD_TTL,	/* IPv4, right MAC, wrong TTL: dropped */
	HFP_SINK_SHORT,		/* IPv4 ethertype but truncated header: dropped */
	HFP_SINK_PASS,		/* not IPv4 (ARP...): passed to the kernel */
	HFP_SINK_NR,
};

/* One per-CPU array slot holds all sink counters. */
struct hfp_sink_counters {
	__u64 c[HFP_SINK_NR];
};

/* hf-xdpfwd: static next hop of the XDP redirect reference forwarder. */
struct hfp_fwd_cfg {
	__u32 out_ifindex;
	__u8 src_mac[6];		/* MAC of the egress port */
	__u8 dst_mac[6];		/* MAC of the next hop */
};
_Static_assert(sizeof(struct hfp_fwd_cfg) == 16, "hfp_fwd_cfg layout");

enum hfp_fwd_counter {
	HFP_FWD_REDIRECT,	/* rewritten and redirected to out_ifindex */
	HFP_FWD_TTL,		/* TTL <= 1: passed to the kernel (ICMP) */
	HFP_FWD_PASS,		/* not IPv4 or truncated: passed */
	HFP_FWD_NR,
};

struct hfp_fwd_counters {
	__u64 c[HFP_FWD_NR];
};

#endif /* HF_PERF_SHARED_H */
