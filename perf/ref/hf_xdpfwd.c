// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * perf/ref/hf_xdpfwd.c - hf-xdpfwd, loader of the native XDP reference
 * forwarder (hf_xdpfwd.bpf.o): attach to --in, redirect IPv4 to --out
 * with the next hop's MAC and a decremented TTL.
 *
 * Runs in the foreground: prints "hf-xdpfwd: ready" once attached, stays
 * until SIGINT/SIGTERM or --timeout seconds (a bound, so a forgotten
 * instance cannot outlive the benchmark), then prints its counters and
 * detaches.
 *
 * Concurrency: single-threaded; the BPF side writes per-CPU counters
 * that this process only reads.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "../lib/perf_shared.h"
#include "../lib/perf_util.h"

#define FWD_OBJ_NAME	"hf_xdpfwd.bpf.o"
#define FWD_PROG_NAME	"hf_xdpfwd_xdp"
#define FWD_MAP_NAME	"fwd_counters"

struct fwd_opts {
	const char *in;
	const char *out;
	const char *obj;
	uint8_t src_mac[6];
	uint8_t dst_mac[6];
	bool have_src_mac;
	bool have_dst_mac;
	double timeout;
	bool skb_mode;
	int verbose;
};

static void fwd_usage(FILE *f)
{
	fprintf(f,
		"Usage: hf-xdpfwd --in DEV --out DEV --dst-mac MAC [options]\n"
		"Native XDP reference forwarder: IPv4 from --in is redirected to\n"
		"--out with MACs rewritten and TTL decremented, until SIGTERM.\n"
		"\n"
		"  --in DEV          ingress interface (program attached here)\n"
		"  --out DEV         egress interface\n"
		"  --dst-mac MAC     next hop MAC\n"
		"  --src-mac MAC     source MAC (default: --out's address)\n"
		"  --timeout SECS    exit after SECS at the latest (default 600)\n"
		"  --skb-mode        attach in generic (skb) mode instead of native\n"
		"  --obj PATH        BPF object (default: %s next to hf-xdpfwd)\n"
		"  --verbose         libbpf debug output\n"
		"  --help\n",
		FWD_OBJ_NAME);
}

static int fwd_bad_arg(const char *opt, const char *val, const char *want)
{
	fprintf(stderr, "hf-xdpfwd: %s: expected %s, got '%s'\n", opt, want,
		val);
	return -EINVAL;
}

/* Return: 0, 1 if --help was printed, or -EINVAL. */
static int fwd_parse_opts(int argc, char **argv, struct fwd_opts *o)
{
	static const struct option longopts[] = {
		{ "in", required_argument, NULL, 'i' },
		{ "out", required_argument, NULL, 'o' },
		{ "src-mac", required_argument, NULL, 'm' },
		{ "dst-mac", required_argument, NULL, 'M' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "skb-mode", no_argument, NULL, 'S' },
		{ "obj", required_argument, NULL, 'O' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'i':
			o->in = optarg;
			break;
		case 'o':
			o->out = optarg;
			break;
		case 'm':
			if (hf_perf_parse_mac(optarg, o->src_mac))
				return fwd_bad_arg("--src-mac", optarg,
						   "a MAC aa:bb:cc:dd:ee:ff");
			o->have_src_mac = true;
			break;
		case 'M':
			if (hf_perf_parse_mac(optarg, o->dst_mac))
				return fwd_bad_arg("--dst-mac", optarg,
						   "a MAC aa:bb:cc:dd:ee:ff");
			o->have_dst_mac = true;
			break;
		case 'T':
			if (hf_perf_parse_seconds(optarg, 0.1, 86400,
						  &o->timeout))
				return fwd_bad_arg("--timeout", optarg,
						   "seconds in [0.1, 86400]");
			break;
		case 'S':
			o->skb_mode = true;
			break;
		case 'O':
			o->obj = optarg;
			break;
		case 'v':
			o->verbose = 1;
			break;
		case 'h':
			fwd_usage(stdout);
			return 1;
		default:
			fwd_usage(stderr);
			return -EINVAL;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "hf-xdpfwd: unexpected argument '%s'\n",
			argv[optind]);
		return -EINVAL;
	}
	if (!o->in || !o->out || !o->have_dst_mac) {
		fprintf(stderr,
			"hf-xdpfwd: --in, --out and --dst-mac are required (see --help)\n");
		return -EINVAL;
	}
	return 0;
}

static int fwd_setup(struct fwd_opts *o, unsigned int *in_idx,
		     struct hfp_fwd_cfg *cfg)
{
	unsigned int out_idx;
	int err;

	err = hf_perf_ifindex(o->in, in_idx);
	if (err) {
		fprintf(stderr, "hf-xdpfwd: --in %s: no such interface here: %s\n",
			o->in, strerror(-err));
		return err;
	}
	err = hf_perf_ifindex(o->out, &out_idx);
	if (err) {
		fprintf(stderr, "hf-xdpfwd: --out %s: no such interface here: %s\n",
			o->out, strerror(-err));
		return err;
	}
	if (!o->have_src_mac) {
		err = hf_perf_dev_mac(o->out, o->src_mac);
		if (err) {
			fprintf(stderr, "hf-xdpfwd: cannot read the MAC of %s: %s\n",
				o->out, strerror(-err));
			return err;
		}
	}
	memset(cfg, 0, sizeof(*cfg));
	cfg->out_ifindex = out_idx;
	memcpy(cfg->src_mac, o->src_mac, 6);
	memcpy(cfg->dst_mac, o->dst_mac, 6);
	return 0;
}

static void fwd_print(int map_fd, int ncpus)
{
	__u64 sum[HFP_FWD_NR];
	__u64 *buf;
	int err;

	buf = calloc((size_t)ncpus * HFP_FWD_NR, sizeof(*buf));
	if (!buf) {
		fprintf(stderr, "hf-xdpfwd: out of memory\n");
		return;
	}
	err = hf_perf_percpu_sum(map_fd, ncpus, buf, HFP_FWD_NR, sum);
	if (err)
		fprintf(stderr, "hf-xdpfwd: cannot read counters: %s\n",
			strerror(-err));
	else
		printf("hf-xdpfwd: redirected=%llu ttl_expired=%llu passed=%llu\n",
		       (unsigned long long)sum[HFP_FWD_REDIRECT],
		       (unsigned long long)sum[HFP_FWD_TTL],
		       (unsigned long long)sum[HFP_FWD_PASS]);
	fflush(stdout);
	free(buf);
}

int main(int argc, char **argv)
{
	struct fwd_opts o = { .timeout = 600 };
	struct bpf_object *obj = NULL;
	struct bpf_program *prog;
	struct hfp_fwd_cfg cfg;
	struct bpf_map *map;
	unsigned int in_idx;
	int err, ncpus, prog_fd;
	uint32_t flags;
	char smac[18], dmac[18];

	err = fwd_parse_opts(argc, argv, &o);
	if (err)
		return err > 0 ? 0 : 2;
	hf_perf_libbpf_init(o.verbose);
	if (fwd_setup(&o, &in_idx, &cfg))
		return 1;
	ncpus = libbpf_num_possible_cpus();
	if (ncpus <= 0) {
		fprintf(stderr, "hf-xdpfwd: cannot count possible CPUs\n");
		return 1;
	}
	err = hf_perf_signals_init();
	if (err) {
		fprintf(stderr, "hf-xdpfwd: sigaction: %s\n", strerror(-err));
		return 1;
	}
	err = hf_perf_obj_load("hf-xdpfwd", o.obj, FWD_OBJ_NAME, &cfg,
			       sizeof(cfg), &obj);
	if (err)
		return 1;
	prog = bpf_object__find_program_by_name(obj, FWD_PROG_NAME);
	map = bpf_object__find_map_by_name(obj, FWD_MAP_NAME);
	if (!prog || !map) {
		fprintf(stderr, "hf-xdpfwd: BPF object lacks %s or %s\n",
			FWD_PROG_NAME, FWD_MAP_NAME);
		err = -ENOENT;
		goto out_close;
	}
	prog_fd = bpf_program__fd(prog);
	err = hf_perf_xdp_attach("hf-xdpfwd", o.in, in_idx, prog_fd,
				 o.skb_mode, &flags);
	if (err)
		goto out_close;

	hf_perf_format_mac(cfg.src_mac, smac);
	hf_perf_format_mac(cfg.dst_mac, dmac);
	printf("hf-xdpfwd: ready %s -> %s (ifindex %u), %s -> %s, %s mode\n",
	       o.in, o.out, cfg.out_ifindex, smac, dmac,
	       o.skb_mode ? "skb" : "native");
	fflush(stdout);

	/* Interrupted by SIGTERM/SIGINT is the normal way out. */
	hf_perf_sleep(o.timeout);
	fwd_print(bpf_map__fd(map), ncpus);
	hf_perf_xdp_detach("hf-xdpfwd", in_idx, prog_fd, flags);

out_close:
	bpf_object__close(obj);
	return err ? 1 : 0;
}
