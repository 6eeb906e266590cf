/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fwd/stats.h - per-worker counters: one named counter per event and per
 * drop reason, so `hafwctl show counters` explains every lost packet.
 *
 * Concurrency: each worker owns its struct hf_worker_stats and is its
 * only writer (relaxed atomic stores, which compile to plain moves);
 * the control thread sums them with relaxed loads. No counter is ever
 * shared between two writers, so there is no cache-line ping-pong.
 */
#ifndef HF_FWD_STATS_H
#define HF_FWD_STATS_H

#include <stdint.h>

#include "common/compiler.h"

/*
 * X(name, category, severity, help).
 * Categories: pkt, drop, fw, arp, icmp, ring.
 * Severity: info - normal operation (traffic, policy doing its job);
 *           warn - bad input or a failing network (malformed frames,
 *                  martians, unanswered ARP, orphan replies);
 *           error - hafwd lost traffic for want of a resource (a ring,
 *                   a table, a frame pool, a queue): tune or scale.
 */
#define HF_WORKER_COUNTERS(X)						\
	X(rx_packets,		pkt,  info,  "frames received")		\
	X(rx_bytes,		pkt,  info,  "bytes received")			\
	X(tx_packets,		pkt,  info,  "frames sent")			\
	X(tx_bytes,		pkt,  info,  "bytes sent")			\
	X(forwarded,		pkt,  info,  "IPv4 packets routed to a next hop (TTL decremented)") \
	X(fragments_sent,	pkt,  info,  "fragments made from larger packets") \
	X(local_delivered,	pkt,  info,  "IPv4 packets for our addresses")	\
	X(drop_runt,		drop, warn,  "frame shorter than Ethernet header") \
	X(drop_not_our_mac,	drop, info,  "destination MAC not the port's")	\
	X(drop_l2_broadcast,	drop, warn,  "IP unicast in an Ethernet broadcast/multicast frame") \
	X(drop_vlan,		drop, warn,  "802.1Q/802.1ad tagged frame")	\
	X(drop_ethertype,	drop, warn,  "ethertype not IPv4 or ARP")	\
	X(drop_ip_truncated,	drop, warn,  "IPv4 header or payload truncated") \
	X(drop_ip_version,	drop, warn,  "IPv4 version field not 4")	\
	X(drop_ip_ihl,		drop, warn,  "IPv4 header length below 20")	\
	X(drop_ip_total_len,	drop, warn,  "IPv4 total length below header length") \
	X(drop_ip_checksum,	drop, warn,  "IPv4 header checksum wrong")	\
	X(drop_martian_src,	drop, warn,  "source address never valid")	\
	X(drop_martian_dst,	drop, warn,  "destination never routable")	\
	X(drop_broadcast_dst,	drop, warn,  "limited or directed broadcast")	\
	X(drop_multicast_dst,	drop, warn,  "multicast destination")		\
	X(drop_ttl_exceeded,	drop, info,  "TTL expired in transit")		\
	X(drop_no_route,	drop, warn,  "no route to destination")	\
	X(drop_blackhole,	drop, info,  "blackhole route")		\
	X(drop_ha_standby,	drop, info,  "HA: this node is not the active one") \
	X(drop_frag_needed,	drop, warn,  "DF set and larger than egress MTU") \
	X(drop_frag_nomem,	drop, error, "cannot fragment: no free frame, more than 64 pieces or bad options") \
	X(drop_local_proto,	drop, warn,  "for us, but not ICMP echo")	\
	X(drop_local_bad_icmp,	drop, warn,  "ICMP for us truncated or bad checksum") \
	X(drop_neigh_failed,	drop, warn,  "next hop did not answer ARP")	\
	X(drop_neigh_hold_full,	drop, error, "ARP hold queue full")		\
	X(drop_tx_ring_full,	drop, error, "egress TX ring full")		\
	X(drop_fw_fragment,	drop, warn,  "later fragment in stateful mode (not reassembled)") \
	X(drop_l4_truncated,	drop, warn,  "TCP/UDP/ICMP header (or quoted one) truncated") \
	X(drop_tcp_bad_flags,	drop, warn,  "TCP flag combination never valid") \
	X(drop_tcp_no_session,	drop, warn,  "TCP packet other than SYN without a session") \
	X(drop_tcp_bad_state,	drop, warn,  "TCP flags not valid in the session's state") \
	X(drop_no_session,	drop, warn,  "reply or ICMP error without a session") \
	X(drop_policy_deny,	drop, info,  "denied by security policy")	\
	X(drop_session_full,	drop, error, "new flow while the session table is full") \
	X(drop_session_conflict, drop, warn,  "reply key belongs to another flow") \
	X(drop_port_down,	drop, error, "egress port has no socket")	\
	X(sessions_created,	fw,   info,  "sessions created")		\
	X(session_raced,	fw,   info,  "first packets of one flow seen by two workers") \
	X(fw_related,		fw,   info,  "ICMP errors passed for an existing session") \
	X(sync_note_lost,	fw,   warn,  "session changes not queued for HA sync (ring full; the refresh catches up)") \
	X(arp_malformed,	arp,  warn,  "ARP not Ethernet/IPv4 or truncated") \
	X(arp_request_rx,	arp,  info,  "ARP requests received")		\
	X(arp_reply_rx,		arp,  info,  "ARP replies received")		\
	X(arp_not_for_us,	arp,  info,  "ARP for an address not ours")	\
	X(arp_bad_sender,	arp,  warn,  "ARP sender MAC/IP not learnable") \
	X(arp_reply_tx,		arp,  info,  "ARP replies sent")		\
	X(arp_request_tx,	arp,  info,  "ARP requests sent")		\
	X(garp_tx,		arp,  info,  "gratuitous ARPs sent for virtual addresses (HA takeover)") \
	X(arp_held,		arp,  info,  "packets held awaiting ARP")	\
	X(arp_hold_released,	arp,  info,  "held packets sent after ARP")	\
	X(event_ring_full,	arp,  error, "events to mprelay lost")		\
	X(event_wakeup_failed,	arp,  error, "wake-ups of mprelay that failed (event kept)") \
	X(icmp_echo_reply_tx,	icmp, info,  "echo replies sent")		\
	X(icmp_error_tx,	icmp, info,  "ICMP errors generated")		\
	X(icmp_error_ratelimited, icmp, warn,  "ICMP errors suppressed by rate limit") \
	X(icmp_error_suppressed, icmp, info,  "ICMP errors not allowed (RFC 1812)") \
	X(ha_probe_tx,		icmp, info,  "HA path-monitor echo requests sent (worker 0)") \
	X(ha_probe_no_route,	icmp, warn,  "HA path-monitor probes not sent: no route or no source address") \
	X(ha_probe_reply_rx,	icmp, info,  "HA path-monitor echo replies received") \
	X(fq_short,		ring, info,  "fill ring refills short of frames") \
	X(frame_pool_empty,	ring, error, "frame allocations that failed")	\
	X(tx_kicks,		ring, info,  "sendto() kicks of a TX ring")	\
	X(tx_kick_errors,	ring, error, "sendto() kicks that failed")	\
	X(rx_wakeups,		ring, info,  "poll() wakeups of an idle worker")

enum hf_counter {
#define HF_X_ENUM(name, cat, sev, help) HF_CNT_##name,
	HF_WORKER_COUNTERS(HF_X_ENUM)
#undef HF_X_ENUM
	HF_CNT_MAX
};

/* Per-port traffic, per worker. */
struct hf_port_stats {
	uint64_t rx_packets;
	uint64_t rx_bytes;
	uint64_t tx_packets;
	uint64_t tx_bytes;
};

struct hf_worker_stats {
	uint64_t c[HF_CNT_MAX];
} __hf_cacheline_aligned;

/* Writer side: owner thread only. */
static inline void hf_cnt_add(uint64_t *c, uint64_t n)
{
	__atomic_store_n(c, __atomic_load_n(c, __ATOMIC_RELAXED) + n,
			 __ATOMIC_RELAXED);
}

static inline uint64_t hf_cnt_read(const uint64_t *c)
{
	return __atomic_load_n(c, __ATOMIC_RELAXED);
}

/** hf_counter_name() - "drop_no_route" etc. */
const char *hf_counter_name(enum hf_counter c);
/** hf_counter_category() - "pkt", "drop", "arp", "icmp" or "ring". */
const char *hf_counter_category(enum hf_counter c);
/** hf_counter_severity() - "info", "warn" or "error". */
const char *hf_counter_severity(enum hf_counter c);
/** hf_counter_help() - one-line description. */
const char *hf_counter_help(enum hf_counter c);

#endif /* HF_FWD_STATS_H */
