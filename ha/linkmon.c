// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * linkmon.c - dha link monitor (see ha/linkmon.h for the contract, the
 * meaning of "up" and the debounce rule).
 *
 * Shape: hf_linkmon_parse() is the whole logic and does no I/O; every
 * netlink message it accepts is a full snapshot of one link, applied in
 * socket order through link_apply(), the only place that decides the
 * reported state. hf_linkmon_process() is a bounded recvmsg() loop
 * around it plus the dump bookkeeping: at most one RTM_GETLINK dump is
 * in flight (a second one would fail with EBUSY), later requests are
 * queued behind it (dump_queued) and sent when it ends.
 *
 * Every read of a message, header or attribute goes through memcpy()
 * from a length-checked offset: the parser accepts any buffer, any
 * alignment, and never reads outside it.
 *
 * Concurrency: none here; a monitor belongs to the dha thread.
 */
#include "ha/linkmon.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <linux/if.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "common/time.h"

/*
 * The kernel sizes a dump skb after the largest buffer a reader ever
 * passed to recvmsg(), up to 32 KiB: offering 32 KiB means fewer
 * system calls per dump and no MSG_TRUNC.
 */
#define LM_BUF_SIZE		32768u
#define LM_RETRY_NS		(10 * HF_NSEC_PER_MSEC)	/* failed dump send */
#define LM_OPEN_POLL_MS		10

struct lm_slot {
	struct hf_linkmon_slot pub;
	bool seen;		/* in the dump in progress (reconcile) */
};

struct hf_linkmon {
	int fd;				/* -1: no socket (pure use) */
	uint32_t n;
	uint32_t portid;		/* our netlink port id */
	uint32_t seq;			/* last request sequence used */
	uint32_t dump_seq;		/* dump in flight, 0: none */
	bool dump_queued;		/* a dump is wanted after that */
	bool dump_intr;			/* NLM_F_DUMP_INTR in this dump */
	bool initial;			/* inside hf_linkmon_open() */
	uint64_t retry_ns;		/* queued dump: retry send at */
	uint64_t hold_ns;		/* up hold-down */
	struct hf_linkmon_params params;
	struct hf_linkmon_stats st;
	struct lm_slot slot[HF_LINKMON_MAX_SLOTS];
	uint8_t buf[LM_BUF_SIZE] __attribute__((aligned(8)));
};

void hf_linkmon_params_default(struct hf_linkmon_params *p)
{
	p->up_hold_ms = HF_LINKMON_UP_HOLD_MS_DEFAULT;
	p->reads_per_wakeup = HF_LINKMON_READS_DEFAULT;
	p->rcvbuf = HF_LINKMON_RCVBUF_DEFAULT;
}

static int params_check(const struct hf_linkmon_params *p)
{
	if (p->up_hold_ms > HF_LINKMON_UP_HOLD_MS_MAX)
		return -ERANGE;
	if (!p->reads_per_wakeup || p->reads_per_wakeup > HF_LINKMON_READS_MAX)
		return -ERANGE;
	/* setsockopt() takes an int, which the kernel then doubles */
	if (!p->rcvbuf || p->rcvbuf > (uint32_t)INT32_MAX / 2)
		return -ERANGE;
	return 0;
}

int hf_linkmon_create(struct hf_linkmon **out, const int *ifindex,
		      uint32_t n, const struct hf_linkmon_params *p)
{
	struct hf_linkmon_params def;
	struct hf_linkmon *m;
	uint32_t i, j;
	int ret;

	if (!out || !ifindex || !n || n > HF_LINKMON_MAX_SLOTS)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		if (ifindex[i] <= 0)
			return -EINVAL;
		for (j = 0; j < i; j++)
			if (ifindex[j] == ifindex[i])
				return -EINVAL;
	}
	if (!p) {
		hf_linkmon_params_default(&def);
		p = &def;
	}
	ret = params_check(p);
	if (ret)
		return ret;

	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->fd = -1;
	m->n = n;
	m->params = *p;
	m->hold_ns = (uint64_t)p->up_hold_ms * HF_NSEC_PER_MSEC;
	m->retry_ns = HF_LINKMON_NEVER;
	for (i = 0; i < n; i++) {
		m->slot[i].pub.ifindex = ifindex[i];
		m->slot[i].pub.operstate = HF_LINKMON_OPER_NONE;
		m->slot[i].pub.up_at_ns = HF_LINKMON_NEVER;
	}
	*out = m;
	return 0;
}

void hf_linkmon_close(struct hf_linkmon *m)
{
	if (!m)
		return;
	if (m->fd >= 0)
		close(m->fd);
	free(m);
}

int hf_linkmon_fd(const struct hf_linkmon *m)
{
	return m->fd;
}

/* ---- state: the one place that decides what is reported ----------- */

static bool link_is_up(uint32_t flags, uint8_t oper)
{
	if ((flags & (IFF_UP | IFF_LOWER_UP)) != (IFF_UP | IFF_LOWER_UP))
		return false;
	/* no IFLA_OPERSTATE: the flags alone decide */
	return oper == HF_LINKMON_OPER_NONE || oper == IF_OPER_UP ||
	       oper == IF_OPER_UNKNOWN;
}

static void report(struct hf_linkmon *m, struct lm_slot *s, bool up,
		   uint64_t now_ns)
{
	s->pub.up = up;
	s->pub.last_change_ns = now_ns;
	/* the state learnt at open is where we start, not a change */
	if (!m->initial) {
		s->pub.transitions++;
		m->st.transitions++;
	}
}

/*
 * Fold the kernel's view (pub.kernel_up, just updated) into the
 * reported state: down at once, up after the hold-down.
 */
static int link_settle(struct hf_linkmon *m, struct lm_slot *s,
		       uint64_t now_ns)
{
	if (!s->pub.kernel_up) {
		s->pub.up_at_ns = HF_LINKMON_NEVER;	/* hold cancelled */
		if (!s->pub.up)
			return 0;
		report(m, s, false, now_ns);
		return 1;
	}
	if (s->pub.up)
		return 0;
	if (m->initial || !m->hold_ns) {
		s->pub.up_at_ns = HF_LINKMON_NEVER;
		report(m, s, true, now_ns);
		return 1;
	}
	/* a repeated "up" keeps the hold running, it does not restart it */
	if (s->pub.up_at_ns == HF_LINKMON_NEVER)
		s->pub.up_at_ns = now_ns + m->hold_ns;
	return 0;
}

struct lm_link {
	bool present;
	uint32_t flags;
	uint8_t oper;			/* HF_LINKMON_OPER_NONE: absent */
	const char *name;		/* not NUL-terminated, name_len */
	size_t name_len;
};

static int link_apply(struct hf_linkmon *m, struct lm_slot *s,
		      const struct lm_link *l, uint64_t now_ns)
{
	size_t nl;

	s->pub.present = l->present;
	s->pub.flags = l->flags;
	if (l->oper != HF_LINKMON_OPER_NONE)
		s->pub.operstate = l->oper;
	if (l->name) {
		nl = strnlen(l->name, l->name_len);
		if (nl >= sizeof(s->pub.ifname))
			nl = sizeof(s->pub.ifname) - 1;
		memcpy(s->pub.ifname, l->name, nl);
		s->pub.ifname[nl] = '\0';
	}
	s->pub.last_event_ns = now_ns;
	s->pub.kernel_up = l->present && link_is_up(l->flags, l->oper);
	return link_settle(m, s, now_ns);
}

static struct lm_slot *slot_find(struct hf_linkmon *m, int ifindex)
{
	uint32_t i;

	for (i = 0; i < m->n; i++)
		if (m->slot[i].pub.ifindex == ifindex)
			return &m->slot[i];
	return NULL;
}

int hf_linkmon_tick(struct hf_linkmon *m, uint64_t now_ns)
{
	struct lm_slot *s;
	int changed = 0;
	uint32_t i;

	for (i = 0; i < m->n; i++) {
		s = &m->slot[i];
		if (s->pub.up_at_ns > now_ns)	/* also NEVER */
			continue;
		s->pub.up_at_ns = HF_LINKMON_NEVER;
		if (s->pub.kernel_up && !s->pub.up) {
			report(m, s, true, now_ns);
			changed++;
		}
	}
	return changed;
}

uint64_t hf_linkmon_next_expiry(const struct hf_linkmon *m)
{
	uint64_t t = HF_LINKMON_NEVER;
	uint32_t i;

	if (m->dump_queued && !m->dump_seq && m->fd >= 0)
		t = m->retry_ns;
	for (i = 0; i < m->n; i++)
		if (m->slot[i].pub.up_at_ns < t)
			t = m->slot[i].pub.up_at_ns;
	return t;
}

/* ---- dumps ---------------------------------------------------------- */

static uint32_t next_seq(struct hf_linkmon *m)
{
	if (!++m->seq)		/* 0 means "no dump": skip it on wrap */
		++m->seq;
	return m->seq;
}

static int dump_send(struct hf_linkmon *m, uint32_t seq)
{
	struct {
		struct nlmsghdr nh;
		struct ifinfomsg ifi;
		struct rtattr ext;
		uint32_t ext_mask;
	} req;
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	ssize_t r;

	memset(&req, 0, sizeof(req));
	req.nh.nlmsg_len = sizeof(req);
	req.nh.nlmsg_type = RTM_GETLINK;
	req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	req.nh.nlmsg_seq = seq;
	req.ifi.ifi_family = AF_UNSPEC;
	/* the 64-bit counters are half of each reply and of no use here */
	req.ext.rta_len = RTA_LENGTH(sizeof(req.ext_mask));
	req.ext.rta_type = IFLA_EXT_MASK;
	req.ext_mask = RTEXT_FILTER_SKIP_STATS;

	r = sendto(m->fd, &req, sizeof(req), 0,
		   (const struct sockaddr *)&kernel, sizeof(kernel));
	if (r < 0)
		return -errno;
	return 0;
}

/*
 * Send the queued dump now. Failures leave it queued: the next
 * hf_linkmon_process() after retry_ns tries again.
 */
static int dump_start(struct hf_linkmon *m, uint64_t now_ns)
{
	uint32_t seq = next_seq(m);
	uint32_t i;
	int ret;

	if (m->fd >= 0) {
		ret = dump_send(m, seq);
		if (ret) {
			m->st.dump_errors++;
			m->retry_ns = now_ns + LM_RETRY_NS;
			return ret;
		}
	}
	if (!m->initial)
		m->st.redumps++;
	m->dump_seq = seq;
	m->dump_queued = false;
	m->dump_intr = false;
	m->retry_ns = HF_LINKMON_NEVER;
	for (i = 0; i < m->n; i++)
		m->slot[i].seen = false;
	return 0;
}

static void dump_want(struct hf_linkmon *m)
{
	if (!m->dump_queued)
		m->retry_ns = 0;	/* first attempt: at once */
	m->dump_queued = true;
}

/* The dump ended in an error: nothing to reconcile, try again. */
static void dump_failed(struct hf_linkmon *m)
{
	m->st.dump_errors++;
	m->dump_seq = 0;
	dump_want(m);
}

/*
 * A complete dump lists every link that exists: a watched one it did
 * not mention was deleted while we were not listening. Not after an
 * interrupted dump (NLM_F_DUMP_INTR), which may have skipped links:
 * that one is simply done again.
 */
static int dump_done(struct hf_linkmon *m, uint64_t now_ns)
{
	struct lm_link gone = { .oper = HF_LINKMON_OPER_NONE };
	int changed = 0;
	uint32_t i;

	m->dump_seq = 0;
	if (m->dump_intr) {
		dump_failed(m);
		return 0;
	}
	m->st.dumps_done++;
	for (i = 0; i < m->n; i++) {
		if (m->slot[i].seen || !m->slot[i].pub.present)
			continue;
		gone.flags = m->slot[i].pub.flags;	/* last seen, kept */
		changed += link_apply(m, &m->slot[i], &gone, now_ns);
	}
	return changed;
}

int hf_linkmon_request_dump(struct hf_linkmon *m)
{
	dump_want(m);
	if (m->dump_seq)
		return 0;	/* sent when the one in flight ends */
	return dump_start(m, hf_now_ns());
}

uint32_t hf_linkmon_dump_seq(const struct hf_linkmon *m)
{
	return m->dump_seq;
}

bool hf_linkmon_dump_pending(const struct hf_linkmon *m)
{
	return m->dump_seq || m->dump_queued;
}

/* ---- parsing ---------------------------------------------------------- */

/* Lost framing or content: count it and learn the truth by a dump. */
static void malformed(struct hf_linkmon *m)
{
	m->st.malformed++;
	dump_want(m);
}

/*
 * Walk the attributes of a link message in [p, p + len). Return false
 * on a length that does not fit (the message is then not applied).
 */
static bool link_attrs(const uint8_t *p, size_t len, struct lm_link *l)
{
	struct rtattr rta;
	size_t off = 0, step;

	while (len - off >= sizeof(rta)) {
		memcpy(&rta, p + off, sizeof(rta));
		if (rta.rta_len < sizeof(rta) || rta.rta_len > len - off)
			return false;
		switch (rta.rta_type & NLA_TYPE_MASK) {
		case IFLA_OPERSTATE:
			if (rta.rta_len < RTA_LENGTH(1))
				return false;
			l->oper = p[off + RTA_LENGTH(0)];
			break;
		case IFLA_IFNAME:
			l->name = (const char *)p + off + RTA_LENGTH(0);
			l->name_len = rta.rta_len - RTA_LENGTH(0);
			break;
		default:
			break;
		}
		step = RTA_ALIGN((size_t)rta.rta_len);
		if (step >= len - off)
			break;	/* last one; its padding may be cut */
		off += step;
	}
	/* 1..3 bytes left over are alignment padding, not an attribute */
	return true;
}

static int parse_link(struct hf_linkmon *m, const struct nlmsghdr *h,
		      const uint8_t *msg, uint64_t now_ns)
{
	const size_t hdr = NLMSG_LENGTH(sizeof(struct ifinfomsg));
	const size_t attrs = NLMSG_SPACE(sizeof(struct ifinfomsg));
	struct lm_link l = { .oper = HF_LINKMON_OPER_NONE };
	struct ifinfomsg ifi;
	struct lm_slot *s;

	if (h->nlmsg_len < hdr) {
		malformed(m);
		return 0;
	}
	memcpy(&ifi, msg + NLMSG_HDRLEN, sizeof(ifi));
	if (h->nlmsg_len > attrs &&
	    !link_attrs(msg + attrs, h->nlmsg_len - attrs, &l)) {
		malformed(m);
		return 0;
	}
	/*
	 * AF_BRIDGE messages describe bridge-port state; their DELLINK
	 * means "removed from the bridge", not "gone".
	 */
	if (ifi.ifi_family != AF_UNSPEC) {
		m->st.ignored++;
		return 0;
	}
	s = slot_find(m, ifi.ifi_index);
	if (!s) {
		m->st.unknown_ifindex++;
		return 0;
	}
	m->st.link_msgs++;
	l.flags = ifi.ifi_flags;
	l.present = h->nlmsg_type == RTM_NEWLINK;
	/* proof of existence after the dump began: reconcile keeps it */
	if (l.present && m->dump_seq)
		s->seen = true;
	return link_apply(m, s, &l, now_ns);
}

/* NLMSG_DONE and NLMSG_ERROR carry an int error first. */
static int parse_ctl(struct hf_linkmon *m, const struct nlmsghdr *h,
		     const uint8_t *msg, uint64_t now_ns)
{
	int32_t err;

	if (h->nlmsg_len < NLMSG_LENGTH(sizeof(err))) {
		/* a DONE without payload is legal (old kernels) */
		if (h->nlmsg_type == NLMSG_ERROR) {
			malformed(m);
			return 0;
		}
		err = 0;
	} else {
		memcpy(&err, msg + NLMSG_HDRLEN, sizeof(err));
	}
	if (!m->dump_seq || h->nlmsg_seq != m->dump_seq ||
	    h->nlmsg_pid != m->portid) {
		m->st.ignored++;	/* an ACK, or not about our dump */
		return 0;
	}
	if (err < 0) {
		dump_failed(m);
		return 0;
	}
	if (h->nlmsg_type == NLMSG_DONE)
		return dump_done(m, now_ns);
	m->st.ignored++;		/* ACK (err 0) while dumping */
	return 0;
}

static int parse_msg(struct hf_linkmon *m, const struct nlmsghdr *h,
		     const uint8_t *msg, uint64_t now_ns)
{
	if (m->dump_seq && h->nlmsg_seq == m->dump_seq &&
	    h->nlmsg_pid == m->portid && (h->nlmsg_flags & NLM_F_DUMP_INTR))
		m->dump_intr = true;

	switch (h->nlmsg_type) {
	case RTM_NEWLINK:
	case RTM_DELLINK:
		return parse_link(m, h, msg, now_ns);
	case NLMSG_DONE:
	case NLMSG_ERROR:
		return parse_ctl(m, h, msg, now_ns);
	case NLMSG_OVERRUN:
		m->st.overruns++;
		dump_want(m);
		return 0;
	default:
		m->st.ignored++;
		return 0;
	}
}

int hf_linkmon_parse(struct hf_linkmon *m, const void *buf, size_t len,
		     uint32_t nl_pid, uint64_t now_ns)
{
	const uint8_t *p = buf;
	struct nlmsghdr h;
	size_t off = 0, step;
	int changed = 0;

	m->st.datagrams++;
	/* only the kernel speaks rtnetlink: anyone else may lie */
	if (nl_pid != 0) {
		m->st.foreign++;
		return 0;
	}
	while (len - off >= sizeof(h)) {
		memcpy(&h, p + off, sizeof(h));
		if (h.nlmsg_len < sizeof(h) || h.nlmsg_len > len - off) {
			/* no framing left: the rest of the datagram is lost */
			malformed(m);
			return changed;
		}
		m->st.messages++;
		changed += parse_msg(m, &h, p + off, now_ns);
		step = NLMSG_ALIGN((size_t)h.nlmsg_len);
		if (step >= len - off)
			return changed;
		off += step;
	}
	if (off != len)
		malformed(m);	/* a tail too short to be a message */
	return changed;
}

/* ---- socket ----------------------------------------------------------- */

/* One recvmsg(): changes applied, or -errno (-EAGAIN when empty). */
static int recv_one(struct hf_linkmon *m, uint64_t now_ns)
{
	struct sockaddr_nl sa;
	struct iovec iov = { .iov_base = m->buf, .iov_len = sizeof(m->buf) };
	struct msghdr msg = {
		.msg_name = &sa,
		.msg_namelen = sizeof(sa),
		.msg_iov = &iov,
		.msg_iovlen = 1,
	};
	ssize_t r;

	memset(&sa, 0, sizeof(sa));
	r = recvmsg(m->fd, &msg, MSG_DONTWAIT);
	if (r < 0)
		return -errno;
	if (msg.msg_flags & MSG_TRUNC) {
		/* parse what fits; the cut message counts as malformed */
		m->st.truncated++;
		dump_want(m);
	}
	if (msg.msg_namelen < sizeof(sa) || sa.nl_family != AF_NETLINK) {
		m->st.datagrams++;
		m->st.foreign++;
		return 0;
	}
	return hf_linkmon_parse(m, m->buf, (size_t)r, sa.nl_pid, now_ns);
}

int hf_linkmon_process(struct hf_linkmon *m, uint64_t now_ns)
{
	int changed = 0, err = 0, r;
	uint32_t i;

	if (m->fd < 0)
		return -ENOTCONN;
	for (i = 0; i < m->params.reads_per_wakeup; i++) {
		r = recv_one(m, now_ns);
		if (r >= 0) {
			changed += r;
			continue;
		}
		if (r == -EAGAIN)
			break;
		if (r == -EINTR)
			continue;
		if (r == -ENOBUFS) {
			/* the kernel dropped events for us: re-learn all */
			m->st.overruns++;
			dump_want(m);
			continue;
		}
		m->st.recv_errors++;
		if (r != -ENOMEM) {
			err = r;
			break;
		}
	}
	if (m->dump_queued && !m->dump_seq && m->retry_ns <= now_ns) {
		r = dump_start(m, now_ns);
		/* transient refusals are retried after LM_RETRY_NS */
		if (r && r != -EBUSY && r != -ENOBUFS && r != -ENOMEM &&
		    r != -EAGAIN && !err)
			err = r;
	}
	changed += hf_linkmon_tick(m, now_ns);
	return err ? err : changed;
}

static int sock_setup(struct hf_linkmon *m)
{
	struct sockaddr_nl sa = {
		.nl_family = AF_NETLINK,
		.nl_groups = RTMGRP_LINK,
	};
	socklen_t sl = sizeof(sa);
	int v = (int)m->params.rcvbuf;

	m->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
		       NETLINK_ROUTE);
	if (m->fd < 0)
		return -errno;
	/*
	 * FORCE passes net.core.rmem_max when privileged (CAP_NET_ADMIN);
	 * otherwise the capped size is still better than the default.
	 */
	if (setsockopt(m->fd, SOL_SOCKET, SO_RCVBUFFORCE, &v, sizeof(v)) &&
	    setsockopt(m->fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v)))
		return -errno;
	if (bind(m->fd, (const struct sockaddr *)&sa, sizeof(sa)))
		return -errno;
	if (getsockname(m->fd, (struct sockaddr *)&sa, &sl))
		return -errno;
	m->portid = sa.nl_pid;
	return 0;
}

/* Drive the initial dump to its end, retrying after overruns. */
static int open_dump(struct hf_linkmon *m)
{
	const uint64_t deadline = hf_now_ns() +
		(uint64_t)HF_LINKMON_OPEN_TIMEOUT_MS * HF_NSEC_PER_MSEC;
	struct pollfd pfd = { .fd = m->fd, .events = POLLIN };
	uint64_t now;
	int r;

	dump_want(m);
	for (;;) {
		now = hf_now_ns();
		r = hf_linkmon_process(m, now);
		if (r < 0)
			return r;
		if (!hf_linkmon_dump_pending(m))
			return 0;
		if (now >= deadline)
			return -ETIMEDOUT;
		if (poll(&pfd, 1, LM_OPEN_POLL_MS) < 0 && errno != EINTR)
			return -errno;
	}
}

int hf_linkmon_open(struct hf_linkmon **out, const int *ifindex,
		    uint32_t n, const struct hf_linkmon_params *p)
{
	struct hf_linkmon *m;
	int ret;

	if (!out)
		return -EINVAL;
	ret = hf_linkmon_create(&m, ifindex, n, p);
	if (ret)
		return ret;
	ret = sock_setup(m);
	if (ret)
		goto out_close;
	m->initial = true;
	ret = open_dump(m);
	m->initial = false;
	if (ret)
		goto out_close;
	*out = m;
	return 0;

out_close:
	hf_linkmon_close(m);
	return ret;
}

/* ---- queries ---------------------------------------------------------- */

uint32_t hf_linkmon_nslots(const struct hf_linkmon *m)
{
	return m->n;
}

bool hf_linkmon_up(const struct hf_linkmon *m, uint32_t slot)
{
	return slot < m->n && m->slot[slot].pub.up;
}

uint32_t hf_linkmon_up_mask(const struct hf_linkmon *m)
{
	uint32_t mask = 0, i;

	for (i = 0; i < m->n; i++)
		if (m->slot[i].pub.up)
			mask |= 1u << i;
	return mask;
}

int hf_linkmon_slot_get(const struct hf_linkmon *m, uint32_t slot,
			struct hf_linkmon_slot *out)
{
	if (slot >= m->n)
		return -EINVAL;
	*out = m->slot[slot].pub;
	return 0;
}

const struct hf_linkmon_stats *hf_linkmon_stats(const struct hf_linkmon *m)
{
	return &m->st;
}

uint32_t hf_linkmon_rcvbuf(const struct hf_linkmon *m)
{
	socklen_t l = sizeof(int);
	int v = 0;

	if (m->fd < 0 || getsockopt(m->fd, SOL_SOCKET, SO_RCVBUF, &v, &l))
		return 0;
	return (uint32_t)v;
}

bool hf_linkmon_group_failed(uint32_t up_mask, uint32_t group_ports,
			     bool all)
{
	if (all)
		return group_ports && !(up_mask & group_ports);
	return (up_mask & group_ports) != group_ports;
}
