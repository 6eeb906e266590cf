/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fwd/pipeline.h - what a worker does with each frame it receives:
 * parse -> ARP / IPv4 validation -> martian checks -> FIB -> local
 * delivery or forwarding (TTL, MTU/fragmentation, neighbour, MAC
 * rewrite) -> TX staging, with a counted reason for every drop and the
 * ICMP errors of RFC 1812.
 *
 * Concurrency: runs on the worker thread, RCU-online; reads FIB, next
 * hops, neighbours and the L3 snapshot; writes only worker-owned state
 * (and the atomic probe fields of neighbour entries, the atomic reply
 * slots of the HA path probes, and worker 0 the probe ring's tail).
 */
#ifndef HF_FWD_PIPELINE_H
#define HF_FWD_PIPELINE_H

#include <stdint.h>

struct hf_worker;
struct hf_l3;
struct xdp_desc;

/**
 * hf_pipeline_rx() - process @n frames received on port @port. Every
 * frame ends up staged for TX, parked in the hold queue, or freed.
 */
void hf_pipeline_rx(struct hf_worker *w, const struct hf_l3 *l3,
		    uint16_t port, const struct xdp_desc *desc, uint32_t n);

/**
 * hf_pipeline_hold_scan() - send held packets whose next hop resolved,
 * probe the unresolved ones, drop the ones that waited too long.
 */
void hf_pipeline_hold_scan(struct hf_worker *w, const struct hf_l3 *l3);

/**
 * hf_pipeline_announce() - worker 0, each loop while a takeover is being
 * announced (@l3->announce moved on, or gratuitous ARPs left): send the
 * next round of gratuitous ARPs, one per virtual address of every port,
 * when it is due; @l3->garp_count rounds, @l3->garp_interval_ns apart.
 */
void hf_pipeline_announce(struct hf_worker *w, const struct hf_l3 *l3);

/**
 * hf_pipeline_probe_tx() - worker 0, when hf_dp_probe_pending(): turn
 * the HA path-probe requests that dha posted (at most one ring's worth)
 * into ICMP echo requests from the egress port's own address and send
 * them like any packet the router originates (FIB, neighbour
 * resolution, hold queue). The matching echo replies, on any worker,
 * fill the reply slots of w->dp->probe (see fwd/dataplane.h).
 */
void hf_pipeline_probe_tx(struct hf_worker *w, const struct hf_l3 *l3);

#endif /* HF_FWD_PIPELINE_H */
