// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * perf/sink/hf_sink.c - hf-sink, the counting receiver of the benchmark.
 *
 * Attaches hf_sink.bpf.o to --dev in native XDP mode (the veth receive
 * path, so frames are counted in the sink's NAPI and never build an skb),
 * prints "hf-sink: ready", waits for the first IPv4 frame (at most --wait
 * seconds), lets --warmup seconds pass, then samples the per-CPU counters
 * at both ends of a --duration window and prints the deltas and rates.
 * The program is detached on exit, on SIGINT/SIGTERM as well.
 *
 * Output (one line, for scripts):
 *   hf-sink: status=ok|no-traffic|interrupted seconds=S good=N bad_mac=N
 *            bad_ttl=N short=N pass=N good_mpps=R ipv4_mpps=R
 *
 * Concurrency: single-threaded; the BPF side writes per-CPU slots that
 * this process only reads.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "../lib/perf_shared.h"
#include "../lib/perf_util.h"

#define SINK_OBJ_NAME		"hf_sink.bpf.o"
#define SINK_PROG_NAME		"hf_sink_xdp"
#define SINK_MAP_NAME		"sink_counters"

struct sink_opts {
	const char *dev;
	const char *obj;
	uint8_t mac[6];
	bool have_mac;
	uint64_t ttl;
	double warmup;
	double duration;
	double wait;
	bool skb_mode;
	int verbose;
};

struct sink_ctx {
	struct bpf_object *obj;
	int prog_fd;
	int map_fd;
	int ncpus;
	unsigned int ifindex;
	uint32_t xdp_flags;
	__u64 *percpu;				/* ncpus * HFP_SINK_NR */
};

static void sink_usage(FILE *f)
{
	fprintf(f,
		"Usage: hf-sink --dev DEV [options]\n"
		"Count (and drop) the frames arriving on DEV with native XDP.\n"
		"\n"
		"  --dev DEV            interface to attach to (in this netns)\n"
		"  --expect-mac MAC     destination MAC of a good frame (default: DEV's)\n"
		"  --expect-ttl N       IPv4 TTL of a good frame (default 63)\n"
		"  --wait SECS          give up if no IPv4 frame came in SECS (default 10)\n"
		"  --warmup SECS        time between first frame and window (default 1)\n"
		"  --duration SECS      measurement window, 0.1..3600 (default 3)\n"
		"  --skb-mode           attach in generic (skb) mode instead of native\n"
		"  --obj PATH           BPF object (default: %s next to hf-sink)\n"
		"  --verbose            libbpf debug output\n"
		"  --help\n",
		SINK_OBJ_NAME);
}

static int sink_bad_arg(const char *opt, const char *val, const char *want)
{
	fprintf(stderr, "hf-sink: %s: expected %s, got '%s'\n", opt, want, val);
	return -EINVAL;
}

/* Return: 0, 1 if --help was printed, or -EINVAL. */
static int sink_parse_opts(int argc, char **argv, struct sink_opts *o)
{
	static const struct option longopts[] = {
		{ "dev", required_argument, NULL, 'd' },
		{ "expect-mac", required_argument, NULL, 'm' },
		{ "expect-ttl", required_argument, NULL, 't' },
		{ "wait", required_argument, NULL, 'W' },
		{ "warmup", required_argument, NULL, 'w' },
		{ "duration", required_argument, NULL, 'T' },
		{ "skb-mode", no_argument, NULL, 'S' },
		{ "obj", required_argument, NULL, 'o' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			o->dev = optarg;
			break;
		case 'm':
			if (hf_perf_parse_mac(optarg, o->mac))
				return sink_bad_arg("--expect-mac", optarg,
						    "a MAC aa:bb:cc:dd:ee:ff");
			o->have_mac = true;
			break;
		case 't':
			if (hf_perf_parse_u64(optarg, 0, 255, &o->ttl))
				return sink_bad_arg("--expect-ttl", optarg,
						    "an integer in [0, 255]");
			break;
		case 'W':
			if (hf_perf_parse_seconds(optarg, 0, 3600, &o->wait))
				return sink_bad_arg("--wait", optarg,
						    "seconds in [0, 3600]");
			break;
		case 'w':
			if (hf_perf_parse_seconds(optarg, 0, 3600, &o->warmup))
				return sink_bad_arg("--warmup", optarg,
						    "seconds in [0, 3600]");
			break;
		case 'T':
			if (hf_perf_parse_seconds(optarg, 0.1, 3600,
						  &o->duration))
				return sink_bad_arg("--duration", optarg,
						    "seconds in [0.1, 3600]");
			break;
		case 'S':
			o->skb_mode = true;
			break;
		case 'o':
			o->obj = optarg;
			break;
		case 'v':
			o->verbose = 1;
			break;
		case 'h':
			sink_usage(stdout);
			return 1;
		default:
			sink_usage(stderr);
			return -EINVAL;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "hf-sink: unexpected argument '%s'\n",
			argv[optind]);
		return -EINVAL;
	}
	if (!o->dev) {
		fprintf(stderr, "hf-sink: --dev is required (see --help)\n");
		return -EINVAL;
	}
	return 0;
}

static int sink_load(const struct sink_opts *o, struct sink_ctx *s)
{
	struct hfp_sink_cfg cfg;
	struct bpf_program *prog;
	struct bpf_map *map;
	int err;

	memset(&cfg, 0, sizeof(cfg));
	memcpy(cfg.mac, o->mac, 6);
	cfg.ttl = (uint8_t)o->ttl;
	err = hf_perf_obj_load("hf-sink", o->obj, SINK_OBJ_NAME, &cfg,
			       sizeof(cfg), &s->obj);
	if (err)
		return err;
	prog = bpf_object__find_program_by_name(s->obj, SINK_PROG_NAME);
	map = bpf_object__find_map_by_name(s->obj, SINK_MAP_NAME);
	if (!prog || !map) {
		fprintf(stderr, "hf-sink: BPF object lacks %s or %s\n",
			SINK_PROG_NAME, SINK_MAP_NAME);
		return -ENOENT;
	}
	s->prog_fd = bpf_program__fd(prog);
	s->map_fd = bpf_map__fd(map);
	return 0;
}

static int sink_read(struct sink_ctx *s, struct hfp_sink_counters *sum)
{
	return hf_perf_percpu_sum(s->map_fd, s->ncpus, s->percpu,
				  HFP_SINK_NR, sum->c);
}

static uint64_t sink_ipv4(const struct hfp_sink_counters *c)
{
	return c->c[HFP_SINK_GOOD] + c->c[HFP_SINK_BAD_MAC] +
	       c->c[HFP_SINK_BAD_TTL] + c->c[HFP_SINK_SHORT];
}

/* Wait for the first IPv4 frame. Return: 1 seen, 0 timed out, -errno. */
static int sink_wait_traffic(struct sink_ctx *s, double wait)
{
	struct hfp_sink_counters c;
	double end = hf_perf_now() + wait;
	int err;

	for (;;) {
		err = sink_read(s, &c);
		if (err)
			return err;
		if (sink_ipv4(&c))
			return 1;
		if (hf_perf_now() >= end)
			return 0;
		if (hf_perf_sleep(0.01))
			return -EINTR;
	}
}

static int sink_measure(const struct sink_opts *o, struct sink_ctx *s)
{
	struct hfp_sink_counters a, b, d;
	const char *status = "ok";
	double t0, t1, secs;
	int err, i;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	t0 = t1 = hf_perf_now();
	err = sink_wait_traffic(s, o->wait);
	if (err == 0) {
		status = "no-traffic";
		goto out_print;
	}
	if (err == -EINTR) {
		status = "interrupted";
		goto out_print;
	}
	if (err < 0)
		goto out_err;
	if (hf_perf_sleep(o->warmup)) {
		status = "interrupted";
		goto out_print;
	}
	err = sink_read(s, &a);
	if (err)
		goto out_err;
	t0 = hf_perf_now();
	if (hf_perf_sleep(o->duration))
		status = "interrupted";
	err = sink_read(s, &b);
	if (err)
		goto out_err;
	t1 = hf_perf_now();

out_print:
	secs = t1 - t0;
	for (i = 0; i < HFP_SINK_NR; i++)
		d.c[i] = b.c[i] - a.c[i];
	printf("hf-sink: status=%s seconds=%.3f good=%llu bad_mac=%llu bad_ttl=%llu short=%llu pass=%llu good_mpps=%.3f ipv4_mpps=%.3f\n",
	       status, secs,
	       (unsigned long long)d.c[HFP_SINK_GOOD],
	       (unsigned long long)d.c[HFP_SINK_BAD_MAC],
	       (unsigned long long)d.c[HFP_SINK_BAD_TTL],
	       (unsigned long long)d.c[HFP_SINK_SHORT],
	       (unsigned long long)d.c[HFP_SINK_PASS],
	       secs > 0 ? d.c[HFP_SINK_GOOD] / secs / 1e6 : 0.0,
	       secs > 0 ? sink_ipv4(&d) / secs / 1e6 : 0.0);
	fflush(stdout);
	return 0;

out_err:
	fprintf(stderr, "hf-sink: cannot read counters: %s\n", strerror(-err));
	return err;
}

int main(int argc, char **argv)
{
	struct sink_opts o = {
		.ttl = 63, .warmup = 1, .duration = 3, .wait = 10,
	};
	struct sink_ctx s = { .prog_fd = -1, .map_fd = -1 };
	char mac[18];
	int err;

	err = sink_parse_opts(argc, argv, &o);
	if (err)
		return err > 0 ? 0 : 2;
	hf_perf_libbpf_init(o.verbose);
	err = hf_perf_ifindex(o.dev, &s.ifindex);
	if (err) {
		fprintf(stderr, "hf-sink: --dev %s: no such interface here: %s\n",
			o.dev, strerror(-err));
		return 1;
	}
	if (!o.have_mac) {
		err = hf_perf_dev_mac(o.dev, o.mac);
		if (err) {
			fprintf(stderr, "hf-sink: cannot read the MAC of %s: %s\n",
				o.dev, strerror(-err));
			return 1;
		}
	}
	s.ncpus = libbpf_num_possible_cpus();
	if (s.ncpus <= 0) {
		fprintf(stderr, "hf-sink: cannot count possible CPUs: %s\n",
			strerror(s.ncpus ? -s.ncpus : EINVAL));
		return 1;
	}
	s.percpu = calloc((size_t)s.ncpus * HFP_SINK_NR, sizeof(*s.percpu));
	if (!s.percpu) {
		fprintf(stderr, "hf-sink: out of memory\n");
		return 1;
	}
	err = hf_perf_signals_init();
	if (err) {
		fprintf(stderr, "hf-sink: sigaction: %s\n", strerror(-err));
		goto out_free;
	}
	err = sink_load(&o, &s);
	if (err)
		goto out_close;
	err = hf_perf_xdp_attach("hf-sink", o.dev, s.ifindex, s.prog_fd,
				 o.skb_mode, &s.xdp_flags);
	if (err)
		goto out_close;

	hf_perf_format_mac(o.mac, mac);
	printf("hf-sink: ready dev %s ifindex %u %s mode, expect dst %s ttl %llu\n",
	       o.dev, s.ifindex, o.skb_mode ? "skb" : "native", mac,
	       (unsigned long long)o.ttl);
	fflush(stdout);

	err = sink_measure(&o, &s);
	hf_perf_xdp_detach("hf-sink", s.ifindex, s.prog_fd, s.xdp_flags);
out_close:
	bpf_object__close(s.obj);
out_free:
	free(s.percpu);
	return err ? 1 : 0;
}
