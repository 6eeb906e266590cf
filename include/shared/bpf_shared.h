/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * shared/bpf_shared.h - constants and map layouts shared by bpf/ and fwd/.
 * Only __u32-style types; sizes pinned with _Static_assert.
 */
#ifndef HF_SHARED_BPF_SHARED_H
#define HF_SHARED_BPF_SHARED_H

#include <linux/types.h>

/* Program and map names that fwd/port.c looks up in the object. */
#define HF_XSK_PROG_NAME	"hafwd_xsk"
#define HF_XSK_MAP_NAME		"xsks_map"
#define HF_XSK_STATS_MAP_NAME	"xsk_stats"

/* Highest rx queue index a port may use (XSKMAP size). */
#define HF_XSK_MAX_QUEUES	64

/* Per-CPU counters kept by the XDP program, one array slot each. */
enum hf_xsk_stat {
	HF_XSK_STAT_REDIRECTED = 0,	/* handed to an AF_XDP socket */
	HF_XSK_STAT_PASS_NOSOCK,	/* no socket on this queue: to kernel */
	HF_XSK_STAT_MAX,
};

struct hf_xsk_stat_val {
	__u64 packets;
};
_Static_assert(sizeof(struct hf_xsk_stat_val) == 8, "stat slot is one u64");

#endif /* HF_SHARED_BPF_SHARED_H */
