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
 */
#ifndef HF_CONTROL_MPRELAY_H
#define HF_CONTROL_MPRELAY_H

#include <stddef.h>

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

/** hf_mprelay_start() - start the thread. 0 or -errno. */
int hf_mprelay_start(struct hf_mprelay *m);

/** hf_mprelay_stop() - ask the thread to finish and join it. */
void hf_mprelay_stop(struct hf_mprelay *m);

/** hf_mprelay_destroy() - close and unlink the socket, free @m. */
void hf_mprelay_destroy(struct hf_mprelay *m);

#endif /* HF_CONTROL_MPRELAY_H */
