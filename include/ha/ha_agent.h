/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ha/ha_agent.h - the ha_agent thread (HA1): hellos with the peer over
 * the HA link, the election and state machine of ha/ha_state.h, and the
 * takeover actions on the dataplane.
 *
 * Channels to the peer, both on the HA link (config `ha { ... }`):
 *  - UDP local:ha1-port <-> peer:ha1-port: periodic hellos (heartbeats).
 *  - one TCP connection on the same port number (the node with the lower
 *    id connects, the other accepts only from the peer's address): every
 *    state-change hello is also sent over it, so it arrives even if a
 *    datagram is lost, and a goodbye on a clean stop. When the peer's
 *    process dies, its kernel closes the connection at once: an end
 *    without a goodbye is a crash, detected in about a millisecond
 *    instead of the hello dead time (misses x interval).
 * Every message is validated by ha/ha_proto.c (version, lengths, HMAC
 * when a key is configured) and checked against a replay window; each
 * refusal is counted by reason.
 *
 * Takeover actions: the L3 snapshot's role (hf_l3_set_active: forward,
 * virtual addresses and MACs) is switched with one RCU pointer swap, so
 * a node that steps down stops forwarding at the workers' next burst;
 * a node that takes over has all its tables in place already and only
 * then announces (worker 0 sends the gratuitous ARPs, woken at once).
 *
 * Concurrency: the agent thread owns the state machine and the sockets.
 * Other threads call only hf_ha_agent_admin/set_health/set_synced/
 * set_applied (inputs, posted through a wake-up eventfd) and
 * hf_ha_agent_status (a snapshot taken under the agent's lock).
 */
#ifndef HF_HA_HA_AGENT_H
#define HF_HA_HA_AGENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ha/ha_proto.h"
#include "ha/ha_state.h"

struct hf_dataplane;
struct hf_ha_agent;

enum hf_ha_admin {
	HF_HA_ADMIN_SUSPEND,
	HF_HA_ADMIN_FUNCTIONAL,
	HF_HA_ADMIN_FAILOVER,
};

/* Agent counters: X(name, help). */
#define HF_HA_AGENT_COUNTERS(X)						\
	X(hello_tx, "hellos sent (UDP)")				\
	X(hello_tx_tcp, "state-change hellos also sent over TCP")	\
	X(hello_rx, "hellos accepted")					\
	X(hello_dup, "second copies of a hello (UDP and TCP)")		\
	X(hello_refused, "hellos the state machine refused")		\
	X(goodbye_tx, "goodbyes sent")					\
	X(goodbye_rx, "goodbyes received")				\
	X(msg_bad, "peer messages dropped as malformed (by reason below)") \
	X(msg_foreign, "messages from an address other than the peer's") \
	X(msg_unexpected, "valid messages of a type HA1 does not take")	\
	X(send_failed, "sends that failed")				\
	X(tcp_connects, "HA1 TCP connections established")		\
	X(tcp_lost, "HA1 TCP connections ended without a goodbye")	\
	X(tcp_refused, "TCP connections refused (not the peer)")	\
	X(transitions, "state transitions")

enum hf_ha_agent_counter {
#define HF_X_ENUM(n, h) HF_HA_AC_##n,
	HF_HA_AGENT_COUNTERS(HF_X_ENUM)
#undef HF_X_ENUM
	HF_HA_AC_MAX,
};

/* What `show ha` prints: a consistent copy. */
struct hf_ha_status {
	struct hf_ha sm;		/* the machine, timers absolute */
	uint64_t now_ns;		/* when the copy was taken */
	uint64_t epoch;			/* this process's incarnation */
	bool tcp_up;			/* HA1 connection established */
	bool synced_known;		/* a sync daemon reports `synced` */
	uint64_t sync_applied;		/* last sync sequence applied */
	uint64_t counter[HF_HA_AC_MAX];
	uint64_t bad[HF_HAP_ERR_MAX];	/* msg_bad by reason */
};

/**
 * hf_ha_agent_create() - sockets and state for the `ha` block of
 * @dp's config (which must have one). Nothing runs yet.
 * Return: 0 or -errno, with the reason in @err.
 */
int hf_ha_agent_create(struct hf_ha_agent **out, struct hf_dataplane *dp,
		       char *err, size_t errlen);

/** hf_ha_agent_start() - start the "ha_agent" thread. 0 or -errno. */
int hf_ha_agent_start(struct hf_ha_agent *a);

/**
 * hf_ha_agent_stop() - clean stop: step down (stop forwarding), say
 * goodbye to the peer over TCP and UDP so it takes over at once, join
 * the thread.
 */
void hf_ha_agent_stop(struct hf_ha_agent *a);

/** hf_ha_agent_destroy() - close the sockets, free @a (stopped). */
void hf_ha_agent_destroy(struct hf_ha_agent *a);

/**
 * hf_ha_agent_admin() - run an operator command on the agent thread and
 * wait (at most 2 s) for its verdict. Return: 0 or -errno with the
 * reason in @err (e.g. failover refused: peer not synced).
 */
int hf_ha_agent_admin(struct hf_ha_agent *a, enum hf_ha_admin cmd,
		      char *err, size_t errlen);

/*
 * The session sync daemon's side of a role change, called on the agent
 * thread. set_role(arg, true) runs before the node starts forwarding and
 * returns only when the daemon no longer installs sessions (workers are
 * about to make them: "install before announce", and one consumer per
 * free ring); set_role(arg, false) runs after the node stopped
 * forwarding. request_bulk asks the active peer for all its sessions.
 */
struct hf_ha_sync_ops {
	void (*set_role)(void *arg, bool active);
	void (*request_bulk)(void *arg);
};

/**
 * hf_ha_agent_set_sync() - attach the session sync daemon (before
 * hf_ha_agent_start). From then on `synced` comes from it only.
 */
void hf_ha_agent_set_sync(struct hf_ha_agent *a,
			  const struct hf_ha_sync_ops *ops, void *arg);

/** hf_ha_agent_set_health() - local health verdict (dha). */
void hf_ha_agent_set_health(struct hf_ha_agent *a, enum hf_ha_fault fault,
			    const char *detail);

/**
 * hf_ha_agent_set_synced() - session sync status (dssd): the bulk sync
 * from the active peer is complete (@synced) or broken. Until a sync
 * daemon calls it, a node counts as synced.
 */
void hf_ha_agent_set_synced(struct hf_ha_agent *a, bool synced);

/** hf_ha_agent_set_applied() - last sync sequence applied (hellos). */
void hf_ha_agent_set_applied(struct hf_ha_agent *a, uint64_t seq);

/** hf_ha_agent_status() - a snapshot for `show ha`. */
void hf_ha_agent_status(struct hf_ha_agent *a, struct hf_ha_status *st);

/** hf_ha_agent_counter_name() - "hello_tx", ... */
const char *hf_ha_agent_counter_name(enum hf_ha_agent_counter c);

#endif /* HF_HA_HA_AGENT_H */
