/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * perf/lib/perf_util.h - small helpers shared by the benchmark tools
 * (hf-gen, hf-sink, hf-xdpfwd, hf-offload): strict argument parsing,
 * interface look-ups, locating and configuring BPF objects, a stop flag
 * set from signal handlers.
 *
 * Concurrency: the tools are single-threaded. The only state is the stop
 * flag, written by the signal handler and read by the main loop.
 * Every function returns 0 or -errno unless documented otherwise.
 */
#ifndef HF_PERF_UTIL_H
#define HF_PERF_UTIL_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/types.h>

struct bpf_object;

/* Set by SIGINT/SIGTERM once hf_perf_signals_init() ran. */
extern volatile sig_atomic_t hf_perf_stop;

/**
 * hf_perf_signals_init() - route SIGINT and SIGTERM to hf_perf_stop.
 *
 * The handlers are installed without SA_RESTART so that a long blocking
 * system call (BPF_PROG_RUN, nanosleep) returns EINTR.
 */
int hf_perf_signals_init(void);

/**
 * hf_perf_parse_u64() - parse a decimal integer in [@min, @max].
 * @s:   text, fully consumed (no sign, no trailing characters)
 * @out: result
 *
 * Return: 0, -EINVAL if not a number, -ERANGE if out of bounds.
 */
int hf_perf_parse_u64(const char *s, uint64_t min, uint64_t max,
		      uint64_t *out);

/**
 * hf_perf_parse_seconds() - parse a non-negative decimal number of
 * seconds in [@min, @max] (e.g. "3", "0.5").
 */
int hf_perf_parse_seconds(const char *s, double min, double max, double *out);

/** hf_perf_parse_mac() - parse "aa:bb:cc:dd:ee:ff". */
int hf_perf_parse_mac(const char *s, uint8_t mac[6]);

/** hf_perf_parse_ipv4() - parse a dotted quad into network byte order. */
int hf_perf_parse_ipv4(const char *s, uint32_t *addr_be);

/** hf_perf_format_mac() - write "aa:bb:cc:dd:ee:ff" (18 bytes with NUL). */
void hf_perf_format_mac(const uint8_t mac[6], char buf[18]);

/** hf_perf_ifindex() - ifindex of @dev in the caller's network namespace. */
int hf_perf_ifindex(const char *dev, unsigned int *ifindex);

/** hf_perf_dev_mac() - hardware address of Ethernet device @dev. */
int hf_perf_dev_mac(const char *dev, uint8_t mac[6]);

/**
 * hf_perf_obj_path() - path of BPF object @name next to the running
 * executable (the build puts both in $(BUILD)/perf/).
 */
int hf_perf_obj_path(const char *name, char *buf, size_t len);

/**
 * hf_perf_set_cfg() - fill the ".rodata.cfg" section of an opened, not yet
 * loaded object with @size bytes from @cfg. Fails with -ENOENT if the
 * section is missing and -EINVAL if its size differs from @size.
 */
int hf_perf_set_cfg(struct bpf_object *obj, const void *cfg, size_t size);

/**
 * hf_perf_obj_load() - open a BPF object, fill its ".rodata.cfg" and load it.
 * @tool:     program name for error messages ("hf-sink")
 * @path:     object path, or NULL for @def_name next to the executable
 * @def_name: default object file name
 * @cfg:      configuration bytes, @cfg_size must match the section
 * @out:      loaded object, to be closed with bpf_object__close()
 *
 * Prints a message naming the failing step on error.
 */
int hf_perf_obj_load(const char *tool, const char *path, const char *def_name,
		     const void *cfg, size_t cfg_size, struct bpf_object **out);

/**
 * hf_perf_xdp_attach() - attach @prog_fd to @ifindex in native (or skb)
 * mode, refusing to replace a program that is already attached.
 * @flags: the XDP flags used, to pass to hf_perf_xdp_detach()
 */
int hf_perf_xdp_attach(const char *tool, const char *dev, unsigned int ifindex,
		       int prog_fd, int skb_mode, uint32_t *flags);

/**
 * hf_perf_xdp_detach() - detach @prog_fd from @ifindex, only if it is
 * still the attached program. Prints a warning on failure.
 */
void hf_perf_xdp_detach(const char *tool, unsigned int ifindex, int prog_fd,
			uint32_t flags);

/**
 * hf_perf_percpu_sum() - read slot 0 of a per-CPU array whose value is
 * @nfields __u64 counters and sum it over CPUs.
 * @buf: scratch of @ncpus * @nfields __u64
 * @sum: @nfields results
 */
int hf_perf_percpu_sum(int map_fd, int ncpus, __u64 *buf, int nfields,
		       __u64 *sum);

/** hf_perf_libbpf_init() - send libbpf warnings to stderr, debug if @verbose. */
void hf_perf_libbpf_init(int verbose);

/** hf_perf_now() - CLOCK_MONOTONIC in seconds. */
double hf_perf_now(void);

/**
 * hf_perf_sleep() - sleep @seconds, waking early if hf_perf_stop is set.
 *
 * Return: 0, or -EINTR if interrupted by a stop request.
 */
int hf_perf_sleep(double seconds);

#endif /* HF_PERF_UTIL_H */
