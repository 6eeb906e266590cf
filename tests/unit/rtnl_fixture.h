/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rtnl_fixture.h - what the unit tests that talk to the kernel over
 * rtnetlink share: a netlink message builder (struct nlb: nlmsghdr,
 * padded payload, rtattrs and nests, the message length kept up to
 * date; also used to craft datagrams for parsers), a request with
 * NLM_F_ACK that returns the kernel's answer, veth pairs and admin
 * up/down, and the latency summary the kernel tests print. Included
 * once by each test program that needs it (after cmocka.h).
 */
#ifndef HF_TESTS_RTNL_FIXTURE_H
#define HF_TESTS_RTNL_FIXTURE_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <net/if.h>
#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>

/* ---- netlink builder ------------------------------------------------ */

struct nlb {
	uint8_t b[8192] __attribute__((aligned(8)));
	size_t len;
	size_t cur;		/* start of the message being built */
};

static inline void nlb_reset(struct nlb *x)
{
	memset(x, 0, sizeof(*x));
}

static inline void nlb_fix(struct nlb *x)
{
	struct nlmsghdr *h = (struct nlmsghdr *)(x->b + x->cur);

	h->nlmsg_len = (uint32_t)(x->len - x->cur);
}

static inline void nlb_msg(struct nlb *x, uint16_t type, uint16_t flags,
			   uint32_t seq, uint32_t pid)
{
	struct nlmsghdr *h;

	x->len = NLMSG_ALIGN(x->len);
	assert_true(x->len + NLMSG_HDRLEN <= sizeof(x->b));
	x->cur = x->len;
	h = (struct nlmsghdr *)(x->b + x->cur);
	h->nlmsg_type = type;
	h->nlmsg_flags = flags;
	h->nlmsg_seq = seq;
	h->nlmsg_pid = pid;
	x->len += NLMSG_HDRLEN;
	nlb_fix(x);
}

/* Raw payload, padded to 4 bytes (inside the message length). */
static inline void nlb_put(struct nlb *x, const void *data, size_t len)
{
	assert_true(x->len + NLMSG_ALIGN(len) <= sizeof(x->b));
	memcpy(x->b + x->len, data, len);
	x->len += NLMSG_ALIGN(len);
	nlb_fix(x);
}

static inline void nlb_attr(struct nlb *x, uint16_t type, const void *data,
			    size_t len)
{
	struct rtattr rta = {
		.rta_len = (unsigned short)RTA_LENGTH(len),
		.rta_type = type,
	};

	assert_true(x->len + RTA_SPACE(len) <= sizeof(x->b));
	memcpy(x->b + x->len, &rta, sizeof(rta));
	if (len)	/* nests and empty attributes pass NULL */
		memcpy(x->b + x->len + RTA_LENGTH(0), data, len);
	x->len += RTA_SPACE(len);
	nlb_fix(x);
}

static inline void nlb_str(struct nlb *x, uint16_t type, const char *s)
{
	nlb_attr(x, type, s, strlen(s) + 1);
}

static inline size_t nlb_nest(struct nlb *x, uint16_t type)
{
	size_t at = x->len;

	nlb_attr(x, type | NLA_F_NESTED, NULL, 0);
	return at;
}

static inline void nlb_nest_end(struct nlb *x, size_t at)
{
	struct rtattr *rta = (struct rtattr *)(x->b + at);

	rta->rta_len = (unsigned short)(x->len - at);
}

/* ---- rtnetlink requests --------------------------------------------- */

/* Send a request with NLM_F_ACK; 0 or the kernel's -errno. */
static inline int rt_call(int fd, struct nlb *x)
{
	struct nlmsghdr h;
	uint8_t rx[4096];
	int32_t err;
	ssize_t r;

	if (send(fd, x->b, x->len, 0) < 0)
		return -errno;
	for (;;) {
		r = recv(fd, rx, sizeof(rx), 0);
		if (r < 0)
			return -errno;
		if ((size_t)r < NLMSG_LENGTH(sizeof(err)))
			return -EPROTO;
		memcpy(&h, rx, sizeof(h));
		if (h.nlmsg_type != NLMSG_ERROR)
			continue;
		memcpy(&err, rx + NLMSG_HDRLEN, sizeof(err));
		return err;
	}
}

/*
 * veth_add_ns() - create veth @a (ifindex @ia) with peer @b (@ib) in the
 * network namespace @ns_fd; an ifindex 0 lets the kernel pick, @ns_fd
 * < 0 keeps the peer in this namespace.
 */
static inline int veth_add_ns(int fd, const char *a, int ia, const char *b,
			      int ib, int ns_fd)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_index = ia };
	uint32_t nsfd = (uint32_t)ns_fd;
	size_t info, data, peer;
	struct nlb x;

	nlb_reset(&x);
	nlb_msg(&x, RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE |
		NLM_F_EXCL, 1, 0);
	nlb_put(&x, &ifi, sizeof(ifi));
	nlb_str(&x, IFLA_IFNAME, a);
	info = nlb_nest(&x, IFLA_LINKINFO);
	nlb_str(&x, IFLA_INFO_KIND, "veth");
	data = nlb_nest(&x, IFLA_INFO_DATA);
	peer = nlb_nest(&x, VETH_INFO_PEER);
	ifi.ifi_index = ib;
	nlb_put(&x, &ifi, sizeof(ifi));
	nlb_str(&x, IFLA_IFNAME, b);
	if (ns_fd >= 0)
		nlb_attr(&x, IFLA_NET_NS_FD, &nsfd, sizeof(nsfd));
	nlb_nest_end(&x, peer);
	nlb_nest_end(&x, data);
	nlb_nest_end(&x, info);
	return rt_call(fd, &x);
}

/* Create veth @a with peer @b, here, ifindexes picked by the kernel. */
static inline int veth_add(int fd, const char *a, const char *b)
{
	return veth_add_ns(fd, a, 0, b, 0, -1);
}

/* Admin up or down of the link @ifindex, or (@ifindex 0) of @name. */
static inline int link_set_by(int fd, int ifindex, const char *name, bool up)
{
	struct ifinfomsg ifi = {
		.ifi_family = AF_UNSPEC,
		.ifi_index = ifindex,
		.ifi_flags = up ? IFF_UP : 0,
		.ifi_change = IFF_UP,
	};
	struct nlb x;

	nlb_reset(&x);
	nlb_msg(&x, RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK, 2, 0);
	nlb_put(&x, &ifi, sizeof(ifi));
	if (name)
		nlb_str(&x, IFLA_IFNAME, name);
	return rt_call(fd, &x);
}

static inline int link_set(int fd, int ifindex, bool up)
{
	return link_set_by(fd, ifindex, NULL, up);
}

static inline int link_set_name(int fd, const char *name, bool up)
{
	return link_set_by(fd, 0, name, up);
}

/* ---- latency summary ------------------------------------------------ */

static inline int cmp_u64(const void *a, const void *b)
{
	const uint64_t *x = a, *y = b;

	return *x < *y ? -1 : *x > *y;
}

/*
 * report_sorted_us() - sort @v and print its median and maximum in
 * microseconds, @what left-aligned in @width columns. The caller picks
 * v[n / 2] or v[n - 1] to check.
 */
static inline void report_sorted_us(int width, const char *what, uint64_t *v,
				    size_t n)
{
	qsort(v, n, sizeof(v[0]), cmp_u64);
	print_message("  %-*s median %6llu us, max %6llu us\n", width, what,
		      (unsigned long long)v[n / 2] / 1000,
		      (unsigned long long)v[n - 1] / 1000);
}

#endif /* HF_TESTS_RTNL_FIXTURE_H */
