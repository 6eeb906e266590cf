// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * perf/lib/perf_util.c - helpers shared by the benchmark tools: strict
 * parsing (no atoi: every number is range-checked and fully consumed),
 * interface look-ups through ioctl, BPF object location and configuration.
 *
 * Concurrency: single-threaded tools; hf_perf_stop is the only shared
 * variable (signal handler writes, main loop reads).
 */
#include "perf_util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

volatile sig_atomic_t hf_perf_stop;

static int perf_verbose;

static void perf_on_signal(int sig)
{
	(void)sig;
	hf_perf_stop = 1;
}

int hf_perf_signals_init(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = perf_on_signal;
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: BPF_PROG_RUN and sleeps must return EINTR. */
	sa.sa_flags = 0;
	if (sigaction(SIGINT, &sa, NULL) || sigaction(SIGTERM, &sa, NULL))
		return -errno;
	return 0;
}

int hf_perf_parse_u64(const char *s, uint64_t min, uint64_t max,
		      uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno == ERANGE)
		return -ERANGE;
	if (errno || end == s || *end)
		return -EINVAL;
	if (v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

int hf_perf_parse_seconds(const char *s, double min, double max, double *out)
{
	char *end;
	double v;

	if (!s || ((*s < '0' || *s > '9') && *s != '.'))
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(v))
		return -EINVAL;
	if (v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

static int perf_hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int hf_perf_parse_mac(const char *s, uint8_t mac[6])
{
	int i, hi, lo;

	if (!s || strlen(s) != 17)
		return -EINVAL;
	for (i = 0; i < 6; i++) {
		hi = perf_hex_digit(s[3 * i]);
		lo = perf_hex_digit(s[3 * i + 1]);
		if (hi < 0 || lo < 0)
			return -EINVAL;
		if (i < 5 && s[3 * i + 2] != ':')
			return -EINVAL;
		mac[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

int hf_perf_parse_ipv4(const char *s, uint32_t *addr_be)
{
	struct in_addr a;

	if (!s || inet_pton(AF_INET, s, &a) != 1)
		return -EINVAL;
	*addr_be = a.s_addr;
	return 0;
}

void hf_perf_format_mac(const uint8_t mac[6], char buf[18])
{
	snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x",
		 mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
}

int hf_perf_ifindex(const char *dev, unsigned int *ifindex)
{
	unsigned int idx;

	if (!dev || strlen(dev) >= IF_NAMESIZE)
		return -EINVAL;
	idx = if_nametoindex(dev);
	if (!idx)
		return -errno;
	*ifindex = idx;
	return 0;
}

int hf_perf_dev_mac(const char *dev, uint8_t mac[6])
{
	struct ifreq ifr;
	int fd, err = 0;

	if (!dev || strlen(dev) >= IF_NAMESIZE)
		return -EINVAL;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, dev, strlen(dev));
	if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0)
		err = -errno;
	else
		memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	close(fd);
	return err;
}

int hf_perf_obj_path(const char *name, char *buf, size_t len)
{
	char exe[4096];
	ssize_t n;
	char *slash;
	int w;

	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n < 0)
		return -errno;
	exe[n] = '\0';
	slash = strrchr(exe, '/');
	if (!slash)
		return -ENOENT;
	*slash = '\0';
	w = snprintf(buf, len, "%s/%s", exe, name);
	if (w < 0 || (size_t)w >= len)
		return -ENAMETOOLONG;
	return 0;
}

int hf_perf_set_cfg(struct bpf_object *obj, const void *cfg, size_t size)
{
	struct bpf_map *map;
	const char *name;
	size_t len;

	/*
	 * libbpf names the map of a custom ".rodata.<x>" section after the
	 * section; match the suffix in case a version prefixes the object.
	 */
	bpf_object__for_each_map(map, obj) {
		name = bpf_map__name(map);
		len = strlen(name);
		if (len < 11 || strcmp(name + len - 11, ".rodata.cfg"))
			continue;
		if (bpf_map__value_size(map) != size)
			return -EINVAL;
		return bpf_map__set_initial_value(map, cfg, size);
	}
	return -ENOENT;
}

int hf_perf_obj_load(const char *tool, const char *path, const char *def_name,
		     const void *cfg, size_t cfg_size, struct bpf_object **out)
{
	struct bpf_object *obj;
	char buf[4096];
	int err;

	if (!path) {
		err = hf_perf_obj_path(def_name, buf, sizeof(buf));
		if (err) {
			fprintf(stderr, "%s: cannot locate %s: %s\n", tool,
				def_name, strerror(-err));
			return err;
		}
		path = buf;
	}
	obj = bpf_object__open_file(path, NULL);
	if (!obj) {
		err = -errno;
		fprintf(stderr, "%s: cannot open BPF object %s: %s\n", tool,
			path, strerror(-err));
		return err;
	}
	err = hf_perf_set_cfg(obj, cfg, cfg_size);
	if (err) {
		fprintf(stderr, "%s: %s: no .rodata.cfg section of %zu bytes: %s\n",
			tool, path, cfg_size, strerror(-err));
		goto out_close;
	}
	err = bpf_object__load(obj);
	if (err) {
		fprintf(stderr, "%s: cannot load %s into the kernel: %s\n",
			tool, path, strerror(-err));
		goto out_close;
	}
	*out = obj;
	return 0;

out_close:
	bpf_object__close(obj);
	return err;
}

int hf_perf_xdp_attach(const char *tool, const char *dev, unsigned int ifindex,
		       int prog_fd, int skb_mode, uint32_t *flags)
{
	int err;

	*flags = XDP_FLAGS_UPDATE_IF_NOEXIST |
		 (skb_mode ? XDP_FLAGS_SKB_MODE : XDP_FLAGS_DRV_MODE);
	err = bpf_xdp_attach((int)ifindex, prog_fd, *flags, NULL);
	if (err)
		fprintf(stderr, "%s: cannot attach XDP (%s mode) to %s: %s%s\n",
			tool, skb_mode ? "skb" : "native", dev, strerror(-err),
			err == -EBUSY || err == -EEXIST ?
			" (another XDP program is attached)" : "");
	return err;
}

void hf_perf_xdp_detach(const char *tool, unsigned int ifindex, int prog_fd,
			uint32_t flags)
{
	LIBBPF_OPTS(bpf_xdp_attach_opts, opts, .old_prog_fd = prog_fd);
	int err;

	/* XDP_FLAGS_REPLACE: remove it only if ours is still attached. */
	flags = (flags & ~(uint32_t)XDP_FLAGS_UPDATE_IF_NOEXIST) |
		XDP_FLAGS_REPLACE;
	err = bpf_xdp_detach((int)ifindex, flags, &opts);
	if (err && err != -ENODEV)
		fprintf(stderr, "%s: XDP detach failed: %s\n", tool,
			strerror(-err));
}

int hf_perf_percpu_sum(int map_fd, int ncpus, __u64 *buf, int nfields,
		       __u64 *sum)
{
	uint32_t key = 0;
	int cpu, i;

	if (bpf_map_lookup_elem(map_fd, &key, buf))
		return -errno;
	for (i = 0; i < nfields; i++)
		sum[i] = 0;
	/* Per-CPU values are laid out back to back, 8-byte aligned. */
	for (cpu = 0; cpu < ncpus; cpu++)
		for (i = 0; i < nfields; i++)
			sum[i] += buf[cpu * nfields + i];
	return 0;
}

static int perf_libbpf_print(enum libbpf_print_level level, const char *fmt,
			     va_list args)
{
	if (level == LIBBPF_DEBUG && !perf_verbose)
		return 0;
	return vfprintf(stderr, fmt, args);
}

void hf_perf_libbpf_init(int verbose)
{
	perf_verbose = verbose;
	libbpf_set_print(perf_libbpf_print);
}

double hf_perf_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int hf_perf_sleep(double seconds)
{
	double end = hf_perf_now() + seconds;
	struct timespec ts;
	double left;

	/* Short slices keep the reaction to a stop request under 20 ms. */
	while (!hf_perf_stop) {
		left = end - hf_perf_now();
		if (left <= 0)
			return 0;
		if (left > 0.02)
			left = 0.02;
		ts.tv_sec = 0;
		ts.tv_nsec = (long)(left * 1e9);
		nanosleep(&ts, NULL);
	}
	return -EINTR;
}
