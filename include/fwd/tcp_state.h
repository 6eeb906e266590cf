/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fwd/tcp_state.h - the TCP connection tracking state machine of a
 * session. Pure: one transition function over (state, direction, flags),
 * driven by cmocka tables in tests/unit/test_tcp_state.c.
 *
 * Directions: ORIG is the side that sent the first packet (the SYN),
 * REPLY the other. The machine follows the handshake and the teardown
 * loosely, like a firewall and not like an endpoint: it does not track
 * sequence numbers, it tracks who has said SYN, SYN-ACK, FIN and RST.
 */
#ifndef HF_FWD_TCP_STATE_H
#define HF_FWD_TCP_STATE_H

#include <stdbool.h>
#include <stdint.h>

#define HF_TCP_FIN	0x01
#define HF_TCP_SYN	0x02
#define HF_TCP_RST	0x04
#define HF_TCP_PSH	0x08
#define HF_TCP_ACK	0x10
#define HF_TCP_URG	0x20

enum hf_tcp_state {
	HF_TCP_NONE = 0,	/* no packet seen */
	HF_TCP_SYN_SENT,	/* ORIG sent SYN */
	HF_TCP_SYN_RECV,	/* REPLY answered SYN-ACK */
	HF_TCP_ESTABLISHED,	/* ORIG acknowledged the SYN-ACK */
	HF_TCP_FIN_ORIG,	/* ORIG sent FIN (half-closed) */
	HF_TCP_FIN_REPLY,	/* REPLY sent FIN (half-closed) */
	HF_TCP_TIME_WAIT,	/* both sent FIN */
	HF_TCP_CLOSED,		/* RST seen */
	HF_TCP_STATE_MAX,
};

enum hf_dir { HF_DIR_ORIG = 0, HF_DIR_REPLY = 1 };

/* What the transition says about the packet that caused it. */
enum hf_tcp_verdict {
	HF_TCP_OK,		/* pass, maybe with a new state */
	HF_TCP_INVALID,		/* flags impossible here: drop, count */
};

/**
 * hf_tcp_flags_valid() - false for combinations no real stack sends
 * (SYN+FIN, SYN+RST, FIN without ACK, no flag at all, ...).
 */
bool hf_tcp_flags_valid(uint8_t flags);

/**
 * hf_tcp_can_open() - may a packet with @flags create a session?
 * Only a bare SYN (SYN, no ACK), unless @loose (mid-stream pickup).
 */
bool hf_tcp_can_open(uint8_t flags, bool loose);

/**
 * hf_tcp_transition() - the state after a packet with @flags travels in
 * @dir through a session in @state. Writes it to *@next.
 */
enum hf_tcp_verdict hf_tcp_transition(enum hf_tcp_state state,
				      enum hf_dir dir, uint8_t flags,
				      enum hf_tcp_state *next);

/** hf_tcp_state_name() - "established", "syn-sent", ... */
const char *hf_tcp_state_name(enum hf_tcp_state s);

#endif /* HF_FWD_TCP_STATE_H */
