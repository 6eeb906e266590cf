/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * control/mprelay.h - the mprelay thread: single writer of the FIB,
 * next-hop and neighbour tables, and server of the control socket.
 *
 * One epoll loop over: the listening UNIX socket (root only), the
 * workers' event fd (neighbour learning and resolution requests, drained
 * from each worker's SPSC ring), and a 100 ms timer (neighbour aging,
 * reclaim of freed FIB groups). The thread is an RCU-QSBR reader that is
 * offline while it waits and online while it works.
 *
 * With HA sync (dp->dssd), mprelay tells dssd of the neighbour entries
 * it learns and deletes, and applies the peer's records dssd hands it
 * (ha/dssd.h); the functions below are that part, callable by a test
 * that stands in for the thread.
 */
#ifndef HF_CONTROL_MPRELAY_H
#define HF_CONTROL_MPRELAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fwd/neigh.h"

struct hf_dataplane;
struct hf_mprelay;

/**
 * hf_mprelay_create() - bind the control socket (refusing to steal one a
 * running hafwd still answers on) and install the configured addresses,
 * routes and static neighbours. Runs on the main thread before any
 * worker starts; the writer role passes to the thread at start.
 * Return: 0 or -errno with a message in @err.
 */
int hf_mprelay_create(struct hf_mprelay **out, struct hf_dataplane *dp,
		      char *err, size_t errlen);

/**
 * hf_mprelay_learn() - hf_neigh_learn() on @dp's table, and, with HA
 * sync, queue an upsert for the peer when hf_neigh_sync_due() says so.
 * The neighbour writer only, RCU-online.
 */
enum hf_neigh_learn_result hf_mprelay_learn(struct hf_dataplane *dp,
					    uint16_t port, uint32_t ip,
					    const uint8_t mac[6],
					    bool may_create, uint64_t now);

/**
 * hf_mprelay_neigh_gc() - hf_neigh_gc() on @dp's table, and, with HA
 * sync, queue a deletion for the peer of each learned entry deleted.
 * The neighbour writer only, RCU-online. Return: entries deleted.
 */
uint32_t hf_mprelay_neigh_gc(struct hf_dataplane *dp, uint64_t now);

/**
 * hf_mprelay_apply_peer_neigh() - take up to @max neighbour records dssd
 * delivered from the peer and apply them to @dp's table: an upsert only
 * for an existing port (< nports), an address on a connected subnet of
 * that port (a real or virtual address's, neither the address itself
 * nor the subnet's network/broadcast) and a unicast non-zero MAC,
 * installed REACHABLE or STALE as sent; a deletion under the same
 * port/subnet check, never of a permanent entry. Each outcome goes to
 * dssd's neigh_applied / neigh_refused counters. Nothing without
 * dp->dssd. The neighbour writer only, RCU-online.
 * Return: records taken.
 */
uint32_t hf_mprelay_apply_peer_neigh(struct hf_dataplane *dp, uint64_t now,
				     uint32_t max);

/** hf_mprelay_start() - start the thread. 0 or -errno. */
int hf_mprelay_start(struct hf_mprelay *m);

/** hf_mprelay_stop() - ask the thread to finish and join it. */
void hf_mprelay_stop(struct hf_mprelay *m);

/** hf_mprelay_destroy() - close and unlink the socket, free @m. */
void hf_mprelay_destroy(struct hf_mprelay *m);

#endif /* HF_CONTROL_MPRELAY_H */
