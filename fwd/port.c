// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * port.c - data ports: interface discovery and the XDP program
 * (see fwd/port.h). The BPF object is linked into the binary
 * (fwd/xsk_prog_obj.S), so hafwd needs no file at run time.
 */
#include "fwd/port.h"

#include <dirent.h>
#include <errno.h>
#include <linux/ethtool.h>
#include <linux/if_link.h>
#include <linux/sockios.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>

#include "common/log.h"

/* fwd/xsk_prog_obj.S */
extern const unsigned char hf_xsk_bpf_obj[];
extern const uint64_t hf_xsk_bpf_obj_size;

static int ifreq_ioctl(const char *ifname, unsigned long req,
		       struct ifreq *ifr)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int rc;

	if (fd < 0)
		return -errno;
	snprintf(ifr->ifr_name, sizeof(ifr->ifr_name), "%s", ifname);
	rc = ioctl(fd, req, ifr) < 0 ? -errno : 0;
	close(fd);
	return rc;
}

/* Count /sys/class/net/IF/queues/<prefix>-N: works for every driver. */
static uint32_t count_queues(const char *ifname, const char *prefix)
{
	char path[128];
	struct dirent *de;
	uint32_t n = 0;
	DIR *d;

	snprintf(path, sizeof(path), "/sys/class/net/%s/queues", ifname);
	d = opendir(path);
	if (!d)
		return 0;
	while ((de = readdir(d)))
		if (!strncmp(de->d_name, prefix, strlen(prefix)))
			n++;
	closedir(d);
	return n;
}

int hf_port_probe(struct hf_port *p, const struct hf_cfg_port *c, char *err,
		  size_t errlen)
{
	struct ethtool_drvinfo drv = { .cmd = ETHTOOL_GDRVINFO };
	struct ifreq ifr;
	int rc;

	memset(p, 0, sizeof(*p));
	p->xsks_map_fd = -1;
	p->stats_map_fd = -1;
	snprintf(p->name, sizeof(p->name), "%s", c->name);
	snprintf(p->ifname, sizeof(p->ifname), "%s", c->ifname);
	p->ifindex = (int)if_nametoindex(c->ifname);
	if (!p->ifindex) {
		rc = -errno;
		snprintf(err, errlen,
			 "port '%s': interface '%s' does not exist in this network namespace",
			 c->name, c->ifname);
		return rc;
	}
	memset(&ifr, 0, sizeof(ifr));
	rc = ifreq_ioctl(c->ifname, SIOCGIFHWADDR, &ifr);
	if (rc) {
		snprintf(err, errlen, "port '%s': SIOCGIFHWADDR on '%s': %s",
			 c->name, c->ifname, strerror(-rc));
		return rc;
	}
	memcpy(p->hw_mac, ifr.ifr_hwaddr.sa_data, 6);
	memset(&ifr, 0, sizeof(ifr));
	rc = ifreq_ioctl(c->ifname, SIOCGIFMTU, &ifr);
	if (rc) {
		snprintf(err, errlen, "port '%s': SIOCGIFMTU on '%s': %s",
			 c->name, c->ifname, strerror(-rc));
		return rc;
	}
	p->hw_mtu = (uint32_t)ifr.ifr_mtu;
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_data = (void *)&drv;
	if (ifreq_ioctl(c->ifname, SIOCETHTOOL, &ifr) == 0)
		snprintf(p->driver, sizeof(p->driver), "%s", drv.driver);
	else
		snprintf(p->driver, sizeof(p->driver), "unknown");
	p->rx_queues = count_queues(c->ifname, "rx-");
	p->tx_queues = count_queues(c->ifname, "tx-");
	return 0;
}

bool hf_port_has_hafwd_prog(int ifindex)
{
	struct xdp_multiprog *mp = xdp_multiprog__get_from_ifindex(ifindex);
	struct xdp_program *prog;
	bool found = false;

	if (!mp || libxdp_get_error(mp))
		return false;
	if (xdp_multiprog__is_legacy(mp)) {
		prog = xdp_multiprog__main_prog(mp);
		found = prog && !strcmp(xdp_program__name(prog),
					HF_XSK_PROG_NAME);
	} else {
		for (prog = xdp_multiprog__next_prog(NULL, mp); prog;
		     prog = xdp_multiprog__next_prog(prog, mp))
			if (!strcmp(xdp_program__name(prog), HF_XSK_PROG_NAME))
				found = true;
	}
	xdp_multiprog__close(mp);
	return found;
}

/*
 * Remove a hafwd program left behind by a previous run that did not
 * shut down cleanly. Foreign programs are left alone: under libxdp's
 * dispatcher ours runs beside them; a foreign legacy program cannot be
 * shared and makes the attach fail with a clear message.
 */
static int detach_stale(struct hf_port *p, char *err, size_t errlen)
{
	struct xdp_multiprog *mp = xdp_multiprog__get_from_ifindex(p->ifindex);
	struct xdp_program *prog;
	int rc = 0;

	if (!mp || libxdp_get_error(mp))
		return 0;	/* nothing attached */
	if (xdp_multiprog__is_legacy(mp)) {
		prog = xdp_multiprog__main_prog(mp);
		if (prog && !strcmp(xdp_program__name(prog), HF_XSK_PROG_NAME)) {
			log_warn("port %s (%s): replacing stale hafwd XDP program id %u",
				 p->name, p->ifname, xdp_program__id(prog));
			rc = xdp_multiprog__detach(mp);
		} else if (prog) {
			snprintf(err, errlen,
				 "port '%s': interface '%s' already runs XDP program '%s' (id %u); detach it (xdp-loader unload %s --all) or let it be loaded through libxdp",
				 p->name, p->ifname, xdp_program__name(prog),
				 xdp_program__id(prog), p->ifname);
			rc = -EBUSY;
		}
		xdp_multiprog__close(mp);
		return rc;
	}
	for (prog = xdp_multiprog__next_prog(NULL, mp); prog;
	     prog = xdp_multiprog__next_prog(prog, mp)) {
		if (strcmp(xdp_program__name(prog), HF_XSK_PROG_NAME))
			continue;
		log_warn("port %s (%s): replacing stale hafwd XDP program id %u",
			 p->name, p->ifname, xdp_program__id(prog));
		rc = xdp_program__detach(prog, p->ifindex,
					 xdp_multiprog__attach_mode(mp), 0);
		if (rc)
			break;
	}
	xdp_multiprog__close(mp);
	if (rc)
		snprintf(err, errlen,
			 "port '%s': cannot detach stale hafwd program from '%s': %s",
			 p->name, p->ifname, strerror(-rc));
	return rc;
}

static struct xdp_program *open_prog(char *err, size_t errlen)
{
	DECLARE_LIBBPF_OPTS(bpf_object_open_opts, oopts,
			    .object_name = "hafwd_xsk");
	struct xdp_program *prog;
	struct bpf_object *obj;
	long rc;

	obj = bpf_object__open_mem(hf_xsk_bpf_obj, hf_xsk_bpf_obj_size,
				   &oopts);
	rc = libbpf_get_error(obj);
	if (rc) {
		snprintf(err, errlen, "cannot open the built-in XDP object: %s",
			 strerror((int)-rc));
		return NULL;
	}
	prog = xdp_program__from_bpf_obj(obj, "xdp");
	rc = libxdp_get_error(prog);
	if (rc) {
		bpf_object__close(obj);
		snprintf(err, errlen, "cannot use the built-in XDP object: %s",
			 strerror((int)-rc));
		return NULL;
	}
	return prog;
}

static int try_attach(struct hf_port *p, enum xdp_attach_mode mode,
		      char *err, size_t errlen)
{
	int rc;

	p->prog = open_prog(err, errlen);
	if (!p->prog)
		return -EINVAL;
	rc = xdp_program__attach(p->prog, p->ifindex, mode, 0);
	if (rc) {
		xdp_program__close(p->prog);
		p->prog = NULL;
		snprintf(err, errlen,
			 "port '%s': attaching XDP in %s mode to '%s' failed: %s",
			 p->name, mode == XDP_MODE_NATIVE ? "native" : "generic",
			 p->ifname, strerror(-rc));
		return rc;
	}
	p->attach_mode = mode;
	return 0;
}

int hf_port_attach(struct hf_port *p, enum hf_xdp_mode mode, char *err,
		   size_t errlen)
{
	struct bpf_object *obj;
	int rc;

	rc = detach_stale(p, err, errlen);
	if (rc)
		return rc;
	if (mode == HF_XDP_GENERIC) {
		rc = try_attach(p, XDP_MODE_SKB, err, errlen);
	} else {
		rc = try_attach(p, XDP_MODE_NATIVE, err, errlen);
		if (rc && mode == HF_XDP_AUTO) {
			log_info("port %s: native XDP unavailable (%s), using generic",
				 p->name, strerror(-rc));
			rc = try_attach(p, XDP_MODE_SKB, err, errlen);
		}
	}
	if (rc)
		return rc;
	obj = xdp_program__bpf_obj(p->prog);
	p->xsks_map_fd = bpf_object__find_map_fd_by_name(obj, HF_XSK_MAP_NAME);
	p->stats_map_fd = bpf_object__find_map_fd_by_name(obj,
							  HF_XSK_STATS_MAP_NAME);
	if (p->xsks_map_fd < 0 || p->stats_map_fd < 0) {
		snprintf(err, errlen, "port '%s': XDP object lacks its maps",
			 p->name);
		hf_port_detach(p);
		return -ENOENT;
	}
	return 0;
}

static int set_promisc(const struct hf_port *p, bool on)
{
	struct ifreq ifr;
	int rc;

	memset(&ifr, 0, sizeof(ifr));
	rc = ifreq_ioctl(p->ifname, SIOCGIFFLAGS, &ifr);
	if (rc)
		return rc;
	if (on)
		ifr.ifr_flags |= IFF_PROMISC;
	else
		ifr.ifr_flags &= ~IFF_PROMISC;
	return ifreq_ioctl(p->ifname, SIOCSIFFLAGS, &ifr);
}

int hf_port_accept_mac(struct hf_port *p, const uint8_t mac[6], char *err,
		       size_t errlen)
{
	int rc;

	if (!memcmp(mac, p->hw_mac, 6) || p->set_promisc)
		return 0;
	rc = set_promisc(p, true);
	if (rc) {
		snprintf(err, errlen,
			 "port '%s': its MAC differs from %s's, and promiscuous mode could not be set: %s",
			 p->name, p->ifname, strerror(-rc));
		return rc;
	}
	p->set_promisc = true;
	log_info("port %s: %s in promiscuous mode (port MAC is not the interface's)",
		 p->name, p->ifname);
	return 0;
}

void hf_port_detach(struct hf_port *p)
{
	int rc;

	if (p->set_promisc) {
		rc = set_promisc(p, false);
		if (rc)
			log_warn("port %s: clearing promiscuous mode on %s: %s",
				 p->name, p->ifname, strerror(-rc));
		p->set_promisc = false;
	}
	if (!p->prog)
		return;
	rc = xdp_program__detach(p->prog, p->ifindex,
				 (enum xdp_attach_mode)p->attach_mode, 0);
	if (rc)
		log_warn("port %s: detaching XDP from %s failed: %s", p->name,
			 p->ifname, strerror(-rc));
	xdp_program__close(p->prog);
	p->prog = NULL;
	p->xsks_map_fd = -1;
	p->stats_map_fd = -1;
}

int hf_port_bind_queue(struct hf_port *p, uint32_t queue, int xsk_fd)
{
	if (bpf_map_update_elem(p->xsks_map_fd, &queue, &xsk_fd, BPF_ANY))
		return -errno;
	return 0;
}

int hf_port_xdp_stats(const struct hf_port *p, uint64_t out[HF_XSK_STAT_MAX])
{
	int ncpu = libbpf_num_possible_cpus();
	struct hf_xsk_stat_val *vals;
	uint32_t k;
	int c;

	memset(out, 0, sizeof(uint64_t) * HF_XSK_STAT_MAX);
	if (p->stats_map_fd < 0 || ncpu <= 0)
		return -ENOENT;
	vals = calloc((size_t)ncpu, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	for (k = 0; k < HF_XSK_STAT_MAX; k++) {
		if (bpf_map_lookup_elem(p->stats_map_fd, &k, vals))
			continue;
		for (c = 0; c < ncpu; c++)
			out[k] += vals[c].packets;
	}
	free(vals);
	return 0;
}

const char *hf_port_mode_name(const struct hf_port *p)
{
	if (!p->prog)
		return "none";
	return p->attach_mode == XDP_MODE_NATIVE ? "native" : "generic";
}
