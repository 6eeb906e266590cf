// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * perf/gen/hf_gen.c - hf-gen, an IPv4/UDP packet generator built on XDP
 * "live frames" (BPF_PROG_RUN with BPF_F_TEST_XDP_LIVE_FRAMES).
 *
 * The kernel runs hf_gen.bpf.o on page_pool frames initialised from our
 * template; the program rewrites the headers, picks the next flow (UDP
 * source port, and source address with --src-ips, the IPv4 checksum
 * recomputed) and returns XDP_TX, which sends the frame out of --dev (the
 * ingress_ifindex of ctx_in). With --rate the program paces itself: it
 * drops, unsent, every frame whose time has not come. Each BPF_PROG_RUN call asks for a large
 * number of repetitions, sized to last about CHUNK_SECONDS, because every
 * call pays for an RCU grace period. The run stops after --duration
 * seconds (the last call is sized to the time left) or on SIGINT/SIGTERM,
 * which makes the kernel return EINTR from the running call.
 *
 * The count printed is what the program wrote ("offered"): frames that the
 * receiving veth ring refuses are lost after that point, so always count
 * at the receiver (hf-sink).
 *
 * Concurrency: single-threaded; pin it with taskset to the generator CPU.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "../lib/perf_shared.h"
#include "../lib/perf_util.h"

#define GEN_OBJ_NAME		"hf_gen.bpf.o"
#define GEN_PROG_NAME		"hf_gen_xdp"
#define CHUNK_SECONDS		0.5
#define FIRST_CHUNK		(1u << 20)
#define MIN_CHUNK		4096u
#define MAX_CHUNK		0x7fffffffu
#define MAX_FRAME		1514u
#define MAX_SRC_IPS		(1u << 24)

struct gen_opts {
	const char *dev;
	const char *obj;
	uint8_t src_mac[6];
	uint8_t dst_mac[6];
	bool have_src_mac;
	bool have_dst_mac;
	uint32_t src_ip;		/* network order */
	uint32_t dst_ip;		/* network order */
	bool have_src_ip;
	bool have_dst_ip;
	uint64_t sport;
	uint64_t dport;
	uint64_t flows;
	uint64_t src_ips;
	uint64_t rate;			/* frames per second, 0: unpaced */
	uint64_t size;
	uint64_t ttl;
	uint64_t batch;
	double duration;
	int verbose;
};

struct gen_result {
	uint64_t sent;
	uint64_t paced;
	double seconds;
	unsigned int calls;
};

static void gen_usage(FILE *f)
{
	fprintf(f,
		"Usage: hf-gen --dev DEV --dst-mac MAC --src-ip IP --dst-ip IP [options]\n"
		"Send IPv4/UDP frames out of DEV with XDP live frames (BPF_PROG_RUN).\n"
		"\n"
		"  --dev DEV          interface to send from (a veth, in this netns)\n"
		"  --src-mac MAC      source MAC (default: DEV's address)\n"
		"  --dst-mac MAC      destination MAC (the DUT port)\n"
		"  --src-ip IP        source IPv4 address\n"
		"  --dst-ip IP        destination IPv4 address\n"
		"  --sport N          first UDP source port (default 1024)\n"
		"  --dport N          UDP destination port (default 9)\n"
		"  --flows N          source ports used, sport..sport+N-1 (default 1)\n"
		"  --src-ips N        source addresses used, src-ip..src-ip+N-1 (default 1);\n"
		"                     flows = ports x addresses, the port advancing every\n"
		"                     frame, the address whenever the ports wrap\n"
		"  --rate PPS         pace to PPS frames per second (default 0: unpaced)\n"
		"  --size BYTES       frame size without FCS, 42..%u (default 64)\n"
		"  --ttl N            IPv4 TTL (default 64)\n"
		"  --duration SECS    run time, 0.1..3600 (default 5)\n"
		"  --batch N          live-frames batch size, 1..256 (default 64)\n"
		"  --obj PATH         BPF object (default: %s next to hf-gen)\n"
		"  --verbose          libbpf debug output\n"
		"  --help\n"
		"\n"
		"Prints: hf-gen: sent=N seconds=S mpps=R calls=C paced=N\n",
		MAX_FRAME, GEN_OBJ_NAME);
}

static int gen_bad_arg(const char *opt, const char *val, const char *want)
{
	fprintf(stderr, "hf-gen: %s: expected %s, got '%s'\n", opt, want, val);
	return -EINVAL;
}

/* Return: 0, 1 if --help was printed, or -EINVAL. */
static int gen_parse_opts(int argc, char **argv, struct gen_opts *o)
{
	static const struct option longopts[] = {
		{ "dev", required_argument, NULL, 'd' },
		{ "src-mac", required_argument, NULL, 'm' },
		{ "dst-mac", required_argument, NULL, 'M' },
		{ "src-ip", required_argument, NULL, 'i' },
		{ "dst-ip", required_argument, NULL, 'I' },
		{ "sport", required_argument, NULL, 'p' },
		{ "dport", required_argument, NULL, 'P' },
		{ "flows", required_argument, NULL, 'f' },
		{ "src-ips", required_argument, NULL, 'n' },
		{ "rate", required_argument, NULL, 'r' },
		{ "size", required_argument, NULL, 's' },
		{ "ttl", required_argument, NULL, 't' },
		{ "duration", required_argument, NULL, 'T' },
		{ "batch", required_argument, NULL, 'b' },
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
			if (hf_perf_parse_mac(optarg, o->src_mac))
				return gen_bad_arg("--src-mac", optarg,
						   "a MAC aa:bb:cc:dd:ee:ff");
			o->have_src_mac = true;
			break;
		case 'M':
			if (hf_perf_parse_mac(optarg, o->dst_mac))
				return gen_bad_arg("--dst-mac", optarg,
						   "a MAC aa:bb:cc:dd:ee:ff");
			o->have_dst_mac = true;
			break;
		case 'i':
			if (hf_perf_parse_ipv4(optarg, &o->src_ip))
				return gen_bad_arg("--src-ip", optarg,
						   "an IPv4 address");
			o->have_src_ip = true;
			break;
		case 'I':
			if (hf_perf_parse_ipv4(optarg, &o->dst_ip))
				return gen_bad_arg("--dst-ip", optarg,
						   "an IPv4 address");
			o->have_dst_ip = true;
			break;
		case 'p':
			if (hf_perf_parse_u64(optarg, 1, 65535, &o->sport))
				return gen_bad_arg("--sport", optarg,
						   "an integer in [1, 65535]");
			break;
		case 'P':
			if (hf_perf_parse_u64(optarg, 1, 65535, &o->dport))
				return gen_bad_arg("--dport", optarg,
						   "an integer in [1, 65535]");
			break;
		case 'f':
			if (hf_perf_parse_u64(optarg, 1, 65535, &o->flows))
				return gen_bad_arg("--flows", optarg,
						   "an integer in [1, 65535]");
			break;
		case 'n':
			if (hf_perf_parse_u64(optarg, 1, MAX_SRC_IPS,
					      &o->src_ips))
				return gen_bad_arg("--src-ips", optarg,
						   "an integer in [1, 16777216]");
			break;
		case 'r':
			if (hf_perf_parse_u64(optarg, 0, 100000000, &o->rate))
				return gen_bad_arg("--rate", optarg,
						   "frames per second in [0, 100000000]");
			break;
		case 's':
			if (hf_perf_parse_u64(optarg, HFP_HDR_LEN, MAX_FRAME,
					      &o->size))
				return gen_bad_arg("--size", optarg,
						   "an integer in [42, 1514]");
			break;
		case 't':
			if (hf_perf_parse_u64(optarg, 1, 255, &o->ttl))
				return gen_bad_arg("--ttl", optarg,
						   "an integer in [1, 255]");
			break;
		case 'T':
			if (hf_perf_parse_seconds(optarg, 0.1, 3600,
						  &o->duration))
				return gen_bad_arg("--duration", optarg,
						   "seconds in [0.1, 3600]");
			break;
		case 'b':
			if (hf_perf_parse_u64(optarg, 1, 256, &o->batch))
				return gen_bad_arg("--batch", optarg,
						   "an integer in [1, 256]");
			break;
		case 'o':
			o->obj = optarg;
			break;
		case 'v':
			o->verbose = 1;
			break;
		case 'h':
			gen_usage(stdout);
			return 1;
		default:
			gen_usage(stderr);
			return -EINVAL;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "hf-gen: unexpected argument '%s'\n",
			argv[optind]);
		return -EINVAL;
	}
	if (!o->dev || !o->have_dst_mac || !o->have_src_ip || !o->have_dst_ip) {
		fprintf(stderr,
			"hf-gen: --dev, --dst-mac, --src-ip and --dst-ip are required (see --help)\n");
		return -EINVAL;
	}
	if (o->sport + o->flows - 1 > 65535) {
		fprintf(stderr,
			"hf-gen: --sport %llu with --flows %llu runs past port 65535\n",
			(unsigned long long)o->sport,
			(unsigned long long)o->flows);
		return -EINVAL;
	}
	if ((uint64_t)ntohl(o->src_ip) + o->src_ips - 1 > 0xffffffffULL) {
		fprintf(stderr,
			"hf-gen: --src-ip with --src-ips %llu runs past 255.255.255.255\n",
			(unsigned long long)o->src_ips);
		return -EINVAL;
	}
	return 0;
}

/* One's complement sum of @len bytes in 16-bit big-endian words, not
 * folded past 32 bits (a header is far too short to overflow them). */
static uint32_t gen_ip_sum(const uint8_t *hdr, size_t len)
{
	uint32_t sum = 0;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)hdr[i] << 8 | hdr[i + 1];
	return sum;
}

static uint16_t gen_ip_csum(const uint8_t *hdr, size_t len)
{
	uint32_t sum = gen_ip_sum(hdr, len);

	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static void gen_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* Fill @frame (o->size bytes, zeroed payload) in wire order. */
static void gen_build_frame(const struct gen_opts *o, uint8_t *frame)
{
	uint8_t *ip = frame + 14;
	uint8_t *udp = ip + 20;
	uint16_t csum;

	memset(frame, 0, o->size);
	memcpy(frame, o->dst_mac, 6);
	memcpy(frame + 6, o->src_mac, 6);
	gen_put16(frame + 12, 0x0800);

	ip[0] = 0x45;
	gen_put16(ip + 2, (uint16_t)(o->size - 14));
	gen_put16(ip + 6, 0x4000);	/* DF, no fragment */
	ip[8] = (uint8_t)o->ttl;
	ip[9] = 17;			/* UDP */
	memcpy(ip + 12, &o->src_ip, 4);
	memcpy(ip + 16, &o->dst_ip, 4);
	csum = gen_ip_csum(ip, 20);
	gen_put16(ip + 10, csum);

	gen_put16(udp, (uint16_t)o->sport);
	gen_put16(udp + 2, (uint16_t)o->dport);
	gen_put16(udp + 4, (uint16_t)(o->size - 34));
	/* UDP checksum 0: "not computed", valid for IPv4. */
}

static int gen_load(const struct gen_opts *o, const uint8_t *frame,
		    struct bpf_object **objp, int *prog_fd, int *bss_fd)
{
	struct hfp_gen_cfg cfg;
	struct bpf_program *prog;
	struct bpf_object *obj;
	struct bpf_map *map;
	const char *name;
	size_t len;
	int err;

	memset(&cfg, 0, sizeof(cfg));
	memcpy(cfg.tmpl, frame, HFP_HDR_LEN);
	cfg.sport_base = (uint32_t)o->sport;
	cfg.flows = (uint32_t)o->flows;
	cfg.saddr_base = ntohl(o->src_ip);
	cfg.src_ips = (uint32_t)o->src_ips;
	/* the header's words but the checksum (10..11) and the source
	 * address (12..15), which the program adds per frame */
	cfg.csum_partial = gen_ip_sum(frame + 14, 10) +
			   gen_ip_sum(frame + 14 + 16, 4);
	if (o->rate)
		cfg.interval = (1000000000ULL << HFP_PACE_SHIFT) / o->rate;
	err = hf_perf_obj_load("hf-gen", o->obj, GEN_OBJ_NAME, &cfg,
			       sizeof(cfg), &obj);
	if (err)
		return err;
	prog = bpf_object__find_program_by_name(obj, GEN_PROG_NAME);
	if (!prog) {
		err = -ENOENT;
		fprintf(stderr, "hf-gen: BPF object has no program %s\n",
			GEN_PROG_NAME);
		goto out_close;
	}
	*bss_fd = -1;
	bpf_object__for_each_map(map, obj) {
		name = bpf_map__name(map);
		len = strlen(name);
		if (len >= 4 && !strcmp(name + len - 4, ".bss") &&
		    bpf_map__value_size(map) == sizeof(struct hfp_gen_state))
			*bss_fd = bpf_map__fd(map);
	}
	if (*bss_fd < 0) {
		err = -ENOENT;
		fprintf(stderr, "hf-gen: BPF object has no .bss map of %zu bytes\n",
			sizeof(struct hfp_gen_state));
		goto out_close;
	}
	*prog_fd = bpf_program__fd(prog);
	*objp = obj;
	return 0;

out_close:
	bpf_object__close(obj);
	return err;
}

static int gen_read_sent(int bss_fd, struct gen_result *res)
{
	struct hfp_gen_state st;
	uint32_t key = 0;

	if (bpf_map_lookup_elem(bss_fd, &key, &st))
		return -errno;
	res->sent = st.sent;
	res->paced = st.paced;
	return 0;
}

/* Repetitions for the next call: about CHUNK_SECONDS, never past the end. */
static unsigned int gen_next_chunk(double rate, double left)
{
	double want;

	if (rate <= 0)
		return FIRST_CHUNK;
	want = rate * (left < CHUNK_SECONDS ? left : CHUNK_SECONDS);
	if (want < MIN_CHUNK)
		return MIN_CHUNK;
	if (want > MAX_CHUNK)
		return MAX_CHUNK;
	return (unsigned int)want;
}

static int gen_run(const struct gen_opts *o, int prog_fd, int bss_fd,
		   unsigned int ifindex, const uint8_t *frame,
		   struct gen_result *res)
{
	struct xdp_md ctx_in;
	double start, end, t0, t1, rate = 0;
	unsigned int reps;
	int err = 0, rerr;

	memset(&ctx_in, 0, sizeof(ctx_in));
	ctx_in.data_end = (uint32_t)o->size;
	ctx_in.ingress_ifindex = ifindex;

	start = hf_perf_now();
	end = start + o->duration;
	t1 = start;
	while (!hf_perf_stop && t1 < end) {
		LIBBPF_OPTS(bpf_test_run_opts, opts,
			.data_in = frame,
			.data_size_in = (uint32_t)o->size,
			.ctx_in = &ctx_in,
			.ctx_size_in = sizeof(ctx_in),
			.flags = BPF_F_TEST_XDP_LIVE_FRAMES,
			.batch_size = (uint32_t)o->batch,
		);

		reps = gen_next_chunk(rate, end - t1);
		if (!rate && reps > o->duration * 2e6)
			reps = MIN_CHUNK;	/* very short runs: probe first */
		opts.repeat = (int)reps;
		t0 = hf_perf_now();
		err = bpf_prog_test_run_opts(prog_fd, &opts);
		t1 = hf_perf_now();
		if (err == -EINTR) {
			err = 0;
			break;
		}
		if (err) {
			fprintf(stderr, "hf-gen: BPF_PROG_RUN (live frames) failed: %s%s\n",
				strerror(-err),
				err == -EINVAL || err == -EOPNOTSUPP ?
				" (needs Linux >= 5.18 and an XDP-capable --dev)" : "");
			break;
		}
		res->calls++;
		if (t1 > t0)
			rate = reps / (t1 - t0);
	}
	res->seconds = t1 - start;
	rerr = gen_read_sent(bss_fd, res);
	if (rerr) {
		fprintf(stderr, "hf-gen: cannot read the sent counter: %s\n",
			strerror(-rerr));
		if (!err)
			err = rerr;
	}
	return err;
}

int main(int argc, char **argv)
{
	struct gen_opts o = {
		.sport = 1024, .dport = 9, .flows = 1, .src_ips = 1, .size = 64,
		.ttl = 64, .batch = 64, .duration = 5,
	};
	struct gen_result res = { 0 };
	struct bpf_object *obj = NULL;
	int prog_fd, bss_fd, err;
	unsigned int ifindex;
	uint8_t *frame;
	char smac[18], dmac[18], pace[40];

	err = gen_parse_opts(argc, argv, &o);
	if (err)
		return err > 0 ? 0 : 2;
	hf_perf_libbpf_init(o.verbose);
	err = hf_perf_ifindex(o.dev, &ifindex);
	if (err) {
		fprintf(stderr, "hf-gen: --dev %s: no such interface here: %s\n",
			o.dev, strerror(-err));
		return 1;
	}
	if (!o.have_src_mac) {
		err = hf_perf_dev_mac(o.dev, o.src_mac);
		if (err) {
			fprintf(stderr, "hf-gen: cannot read the MAC of %s: %s\n",
				o.dev, strerror(-err));
			return 1;
		}
	}
	frame = calloc(1, o.size);
	if (!frame) {
		fprintf(stderr, "hf-gen: out of memory\n");
		return 1;
	}
	gen_build_frame(&o, frame);
	err = gen_load(&o, frame, &obj, &prog_fd, &bss_fd);
	if (err)
		goto out_free;
	err = hf_perf_signals_init();
	if (err) {
		fprintf(stderr, "hf-gen: sigaction: %s\n", strerror(-err));
		goto out_close;
	}

	hf_perf_format_mac(o.src_mac, smac);
	hf_perf_format_mac(o.dst_mac, dmac);
	if (o.rate)
		snprintf(pace, sizeof(pace), "paced at %llu pps",
			 (unsigned long long)o.rate);
	else
		snprintf(pace, sizeof(pace), "unpaced");
	printf("hf-gen: dev %s ifindex %u, %llu-byte frames %s -> %s, %llu flows (%llu ports x %llu addresses), %.2f s, %s\n",
	       o.dev, ifindex, (unsigned long long)o.size, smac, dmac,
	       (unsigned long long)(o.flows * o.src_ips),
	       (unsigned long long)o.flows, (unsigned long long)o.src_ips,
	       o.duration, pace);
	fflush(stdout);

	err = gen_run(&o, prog_fd, bss_fd, ifindex, frame, &res);
	printf("hf-gen: sent=%llu seconds=%.3f mpps=%.3f calls=%u paced=%llu%s\n",
	       (unsigned long long)res.sent, res.seconds,
	       res.seconds > 0 ? res.sent / res.seconds / 1e6 : 0.0,
	       res.calls, (unsigned long long)res.paced,
	       hf_perf_stop ? " (interrupted)" : "");
	fflush(stdout);

out_close:
	bpf_object__close(obj);
out_free:
	free(frame);
	return err ? 1 : 0;
}
