// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * perf/tools/hf_offload.c - hf-offload, a stand-in for the few
 * "ethtool -K" switches the benchmark needs (ethtool is not always
 * installed): tso, gso, gro and sg on or off, through the SIOCETHTOOL
 * ioctl's one-feature commands. Every change is read back; a request that
 * did not take effect is an error.
 *
 * Usage: hf-offload DEV [tso|gso|gro|sg=on|off]...
 * Without settings it only prints the current state.
 *
 * Why it matters: veth hands a transmitted skb to the peer's NAPI only if
 * TSO is off on the sender; and frames redirected by XDP into a veth
 * whose peer has neither an XDP program nor GRO enabled are dropped.
 *
 * Concurrency: single-threaded, one short-lived socket.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

struct offload_feature {
	const char *name;
	uint32_t get_cmd;
	uint32_t set_cmd;
};

static const struct offload_feature offload_features[] = {
	{ "tso", ETHTOOL_GTSO, ETHTOOL_STSO },
	{ "gso", ETHTOOL_GGSO, ETHTOOL_SGSO },
	{ "gro", ETHTOOL_GGRO, ETHTOOL_SGRO },
	{ "sg", ETHTOOL_GSG, ETHTOOL_SSG },
};

#define OFFLOAD_NR (sizeof(offload_features) / sizeof(offload_features[0]))

static int offload_ioctl(int fd, const char *dev, struct ethtool_value *ev)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, dev, strlen(dev));
	ifr.ifr_data = (char *)ev;
	if (ioctl(fd, SIOCETHTOOL, &ifr) < 0)
		return -errno;
	return 0;
}

static int offload_get(int fd, const char *dev,
		       const struct offload_feature *f, uint32_t *on)
{
	struct ethtool_value ev = { .cmd = f->get_cmd };
	int err;

	err = offload_ioctl(fd, dev, &ev);
	if (!err)
		*on = ev.data ? 1 : 0;
	return err;
}

/* Parse "name=on|off". Return the feature index or -EINVAL. */
static int offload_parse(const char *arg, uint32_t *on)
{
	const char *eq = strchr(arg, '=');
	size_t i, len;

	if (!eq)
		return -EINVAL;
	if (!strcmp(eq + 1, "on"))
		*on = 1;
	else if (!strcmp(eq + 1, "off"))
		*on = 0;
	else
		return -EINVAL;
	len = (size_t)(eq - arg);
	for (i = 0; i < OFFLOAD_NR; i++)
		if (strlen(offload_features[i].name) == len &&
		    !strncmp(offload_features[i].name, arg, len))
			return (int)i;
	return -EINVAL;
}

static int offload_apply(int fd, const char *dev, const char *arg)
{
	const struct offload_feature *f;
	struct ethtool_value ev;
	uint32_t want, got;
	int idx, err;

	idx = offload_parse(arg, &want);
	if (idx < 0) {
		fprintf(stderr, "hf-offload: '%s': expected tso|gso|gro|sg=on|off\n",
			arg);
		return -EINVAL;
	}
	f = &offload_features[idx];
	ev.cmd = f->set_cmd;
	ev.data = want;
	err = offload_ioctl(fd, dev, &ev);
	if (!err)
		err = offload_get(fd, dev, f, &got);
	if (err) {
		fprintf(stderr, "hf-offload: %s: cannot set %s: %s\n", dev,
			arg, strerror(-err));
		return err;
	}
	if (got != want) {
		fprintf(stderr, "hf-offload: %s: %s did not take effect (fixed feature?)\n",
			dev, arg);
		return -EOPNOTSUPP;
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *dev;
	uint32_t on;
	size_t i;
	int fd, err = 0, a;

	if (argc < 2 || !strcmp(argv[1], "--help")) {
		fprintf(argc < 2 ? stderr : stdout,
			"Usage: hf-offload DEV [tso|gso|gro|sg=on|off]...\n");
		return argc < 2 ? 2 : 0;
	}
	dev = argv[1];
	if (strlen(dev) >= IF_NAMESIZE) {
		fprintf(stderr, "hf-offload: '%s': interface name too long\n",
			dev);
		return 2;
	}
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		fprintf(stderr, "hf-offload: socket: %s\n", strerror(errno));
		return 1;
	}
	for (a = 2; a < argc && !err; a++)
		err = offload_apply(fd, dev, argv[a]);
	if (!err) {
		printf("%s:", dev);
		for (i = 0; i < OFFLOAD_NR && !err; i++) {
			err = offload_get(fd, dev, &offload_features[i], &on);
			if (!err)
				printf(" %s=%s", offload_features[i].name,
				       on ? "on" : "off");
		}
		printf("\n");
		if (err)
			fprintf(stderr, "hf-offload: %s: cannot read state: %s\n",
				dev, strerror(-err));
	}
	close(fd);
	return err ? 1 : 0;
}
