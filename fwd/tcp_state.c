// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * tcp_state.c - TCP session state machine (see fwd/tcp_state.h).
 *
 * RST ends a session from any state (a firewall cannot check the
 * sequence number, so like Linux conntrack without window tracking it
 * trusts it). A SYN in an established session is a retransmission or a
 * new connection reusing the tuple; it is accepted only once the old one
 * is closing (time-wait/closed) and then restarts the handshake.
 */
#include "fwd/tcp_state.h"

#define FLAGS_MASK	(HF_TCP_FIN | HF_TCP_SYN | HF_TCP_RST | HF_TCP_ACK)

bool hf_tcp_flags_valid(uint8_t flags)
{
	uint8_t f = flags & FLAGS_MASK;

	if (!f)
		return false;			/* null scan */
	if ((f & HF_TCP_SYN) && (f & (HF_TCP_FIN | HF_TCP_RST)))
		return false;			/* SYN+FIN, SYN+RST */
	if ((f & HF_TCP_FIN) && !(f & HF_TCP_ACK))
		return false;			/* FIN/Xmas scans */
	if ((f & HF_TCP_FIN) && (f & HF_TCP_RST))
		return false;
	return true;
}

bool hf_tcp_can_open(uint8_t flags, bool loose)
{
	uint8_t f = flags & FLAGS_MASK;

	if (f == HF_TCP_SYN)
		return true;
	return loose && !(f & (HF_TCP_SYN | HF_TCP_RST | HF_TCP_FIN)) &&
	       (f & HF_TCP_ACK);
}

static enum hf_tcp_state on_syn(enum hf_tcp_state s, enum hf_dir dir,
				uint8_t f, bool *ok)
{
	bool synack = f & HF_TCP_ACK;

	*ok = true;
	switch (s) {
	case HF_TCP_NONE:
		return synack ? s : HF_TCP_SYN_SENT;
	case HF_TCP_SYN_SENT:
		if (dir == HF_DIR_ORIG && !synack)
			return s;		/* SYN retransmitted */
		if (dir == HF_DIR_REPLY && synack)
			return HF_TCP_SYN_RECV;
		break;
	case HF_TCP_SYN_RECV:
		if (dir == HF_DIR_REPLY && synack)
			return s;		/* SYN-ACK retransmitted */
		if (dir == HF_DIR_ORIG && !synack)
			return s;
		break;
	case HF_TCP_TIME_WAIT:
	case HF_TCP_CLOSED:
		if (dir == HF_DIR_ORIG && !synack)
			return HF_TCP_SYN_SENT;	/* tuple reused */
		break;
	default:
		break;
	}
	*ok = false;
	return s;
}

static enum hf_tcp_state on_fin(enum hf_tcp_state s, enum hf_dir dir)
{
	switch (s) {
	case HF_TCP_SYN_RECV:
	case HF_TCP_ESTABLISHED:
		return dir == HF_DIR_ORIG ? HF_TCP_FIN_ORIG : HF_TCP_FIN_REPLY;
	case HF_TCP_FIN_ORIG:
		return dir == HF_DIR_REPLY ? HF_TCP_TIME_WAIT : s;
	case HF_TCP_FIN_REPLY:
		return dir == HF_DIR_ORIG ? HF_TCP_TIME_WAIT : s;
	default:
		return s;
	}
}

enum hf_tcp_verdict hf_tcp_transition(enum hf_tcp_state state,
				      enum hf_dir dir, uint8_t flags,
				      enum hf_tcp_state *next)
{
	uint8_t f = flags & FLAGS_MASK;
	bool ok;

	*next = state;
	if (!hf_tcp_flags_valid(flags))
		return HF_TCP_INVALID;
	if (f & HF_TCP_RST) {
		*next = HF_TCP_CLOSED;
		return HF_TCP_OK;
	}
	if (f & HF_TCP_SYN) {
		*next = on_syn(state, dir, f, &ok);
		return ok ? HF_TCP_OK : HF_TCP_INVALID;
	}
	switch (state) {
	case HF_TCP_NONE:
		return HF_TCP_INVALID;		/* only a SYN opens */
	case HF_TCP_SYN_SENT:
		/* data before the SYN-ACK: only retransmission games */
		return HF_TCP_INVALID;
	case HF_TCP_SYN_RECV:
		if (dir == HF_DIR_ORIG && (f & HF_TCP_ACK) && !(f & HF_TCP_FIN))
			*next = HF_TCP_ESTABLISHED;
		else if (f & HF_TCP_FIN)
			*next = on_fin(state, dir);
		return HF_TCP_OK;
	case HF_TCP_CLOSED:
		/* stray ACKs after a RST are normal; let them through */
		return HF_TCP_OK;
	default:
		if (f & HF_TCP_FIN)
			*next = on_fin(state, dir);
		return HF_TCP_OK;
	}
}

const char *hf_tcp_state_name(enum hf_tcp_state s)
{
	static const char *const names[] = {
		[HF_TCP_NONE] = "none",
		[HF_TCP_SYN_SENT] = "syn-sent",
		[HF_TCP_SYN_RECV] = "syn-recv",
		[HF_TCP_ESTABLISHED] = "established",
		[HF_TCP_FIN_ORIG] = "fin-orig",
		[HF_TCP_FIN_REPLY] = "fin-reply",
		[HF_TCP_TIME_WAIT] = "time-wait",
		[HF_TCP_CLOSED] = "closed",
	};

	return s < HF_TCP_STATE_MAX ? names[s] : "?";
}
