// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_capture.c - fwd/capture.h: pcap capture through per-worker rings
 * and the writer thread. Start-up errors name the bad value; a filter
 * keeps exactly the matching frames of two concurrent producers, byte
 * for byte and in each worker's order; stage mask; record limit;
 * snaplen truncation; an exact overflow count while the writer is held
 * in the reason_name callback; the drop sidecar lines up with the pcap;
 * a failing write (/dev/full) ends the capture with -ENOSPC.
 * Files are read back with libpcap itself (pcap_open_offline).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <pcap/pcap.h>

#include "common/compiler.h"
#include "common/time.h"
#include "fwd/capture.h"
#include "pkt/csum.h"

#define TAG_MAGIC	0x48464350u	/* "HFCP" */
#define MAX_FRAME	1600
#define WAIT_MS		10000		/* bound of every wait on the writer */

static char tmpdir[64];

/* ---- frames ---- */

/* What a frame of (worker, seq) is: the filter tests key on this. */
enum kind { K_UDP_DST53, K_UDP_SRC53, K_UDP_OTHER, K_TCP_DST53, K_KINDS };

static enum kind seq_kind(uint32_t seq)
{
	return (enum kind)(seq % K_KINDS);
}

/* matches "udp port 53" */
static bool kind_matches(enum kind k)
{
	return k == K_UDP_DST53 || k == K_UDP_SRC53;
}

static uint32_t seq_len(uint32_t seq)
{
	return 60 + (seq * 37) % 1400;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

/*
 * Ethernet/IPv4/UDP or TCP frame of @len bytes whose every byte follows
 * from (@worker, @seq, @kind): the payload starts with a tag naming
 * them, then a pattern, so a torn or misplaced record cannot match.
 */
static void build_frame(uint8_t *f, uint32_t len, uint32_t worker,
			uint32_t seq, enum kind k)
{
	static const uint8_t dst[6] = { 2, 0, 0, 0, 0, 2 };
	uint8_t *ip = f + 14, *l4 = ip + 20, *pl;
	uint16_t sport = 40000 + (uint16_t)(seq & 0xfff), dport = 5678;
	uint32_t l4len = len - 34, hl, i;

	memset(f, 0, len);
	memcpy(f, dst, 6);
	f[6] = 2;
	f[11] = (uint8_t)(worker + 1);
	put16(f + 12, 0x0800);
	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)(len - 14));
	put16(ip + 4, (uint16_t)seq);
	ip[8] = 64;
	ip[9] = k == K_TCP_DST53 ? 6 : 17;
	put32(ip + 12, 0x0a000001 + worker);
	put32(ip + 16, 0x0a000101);
	if (k == K_UDP_DST53 || k == K_TCP_DST53)
		dport = 53;
	else if (k == K_UDP_SRC53)
		sport = 53;
	put16(l4, sport);
	put16(l4 + 2, dport);
	if (k == K_TCP_DST53) {
		put32(l4 + 4, seq);
		l4[12] = 5 << 4;
		l4[13] = 0x02;		/* SYN */
		put16(l4 + 14, 65535);
		hl = 20;
	} else {
		put16(l4 + 4, (uint16_t)l4len);
		hl = 8;
	}
	memcpy(ip + 10, (uint16_t[]){ hf_csum(ip, 20) }, 2);
	pl = l4 + hl;
	put32(pl, TAG_MAGIC);
	put32(pl + 4, worker);
	put32(pl + 8, seq);
	for (i = 12; i < l4len - hl; i++)
		pl[i] = (uint8_t)(seq * 31 + worker * 7 + i);
}

static void build_seq(uint8_t *f, uint32_t worker, uint32_t seq)
{
	build_frame(f, seq_len(seq), worker, seq, seq_kind(seq));
}

/* The (worker, seq) tag of a frame built above; false if absent. */
static bool frame_tag(const uint8_t *f, uint32_t caplen, uint32_t *worker,
		      uint32_t *seq)
{
	uint32_t off = 14 + 20 + (f[14 + 9] == 6 ? 20 : 8);

	if (caplen < off + 12 || get32(f + off) != TAG_MAGIC)
		return false;
	*worker = get32(f + off + 4);
	*seq = get32(f + off + 8);
	return true;
}

/* ---- files ---- */

static void path_of(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", tmpdir, name);
}

static bool file_exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

struct rec {
	struct pcap_pkthdr h;
	uint8_t data[MAX_FRAME];
};

struct pcap_read {
	struct rec *rec;
	uint32_t n;
	uint32_t snaplen;
};

/* Read a whole pcap file with libpcap, nanosecond timestamps. */
static void read_pcap(const char *path, struct pcap_read *out)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *data;
	uint32_t cap = 64, i;
	uint64_t bytes = 24;	/* file header */
	struct stat st;
	pcap_t *p;
	int rc;

	p = pcap_open_offline_with_tstamp_precision(path,
						    PCAP_TSTAMP_PRECISION_NANO,
						    errbuf);
	if (!p)
		fail_msg("pcap_open_offline %s: %s", path, errbuf);
	assert_int_equal(pcap_datalink(p), DLT_EN10MB);
	assert_int_equal(pcap_get_tstamp_precision(p),
			 PCAP_TSTAMP_PRECISION_NANO);
	out->snaplen = (uint32_t)pcap_snapshot(p);
	out->n = 0;
	out->rec = malloc(cap * sizeof(*out->rec));
	assert_non_null(out->rec);
	while ((rc = pcap_next_ex(p, &h, &data)) == 1) {
		if (out->n == cap) {
			cap *= 2;
			out->rec = realloc(out->rec, cap * sizeof(*out->rec));
			assert_non_null(out->rec);
		}
		assert_true(h->caplen <= MAX_FRAME);
		out->rec[out->n].h = *h;
		memcpy(out->rec[out->n].data, data, h->caplen);
		out->n++;
	}
	if (rc != PCAP_ERROR_BREAK)
		fail_msg("%s: reading record %u: %s", path, out->n,
			 pcap_geterr(p));
	pcap_close(p);
	/* libpcap trims records longer than the snaplen on reading; the
	 * size shows whether the file really holds only what it reports */
	assert_int_equal(stat(path, &st), 0);
	for (i = 0; i < out->n; i++)
		bytes += 16 + out->rec[i].h.caplen;
	assert_int_equal(st.st_size, bytes);
}

struct drop_line {
	uint64_t record;
	char stage[16];
	uint32_t worker;
	uint32_t port;
	char reason[64];
};

/* Parse the sidecar; the header line is checked and skipped. */
static uint32_t read_drops(const char *path, struct drop_line *out,
			   uint32_t max)
{
	char line[256];
	uint32_t n = 0;
	FILE *fp = fopen(path, "r");

	if (!fp)
		fail_msg("open %s: %s", path, strerror(errno));
	assert_non_null(fgets(line, sizeof(line), fp));
	assert_string_equal(line, "# record\tstage\tworker\tport\treason\n");
	while (fgets(line, sizeof(line), fp)) {
		unsigned long long record;

		assert_true(n < max);
		if (sscanf(line, "%llu\t%15[^\t]\t%u\t%u\t%63[^\n]", &record,
			   out[n].stage, &out[n].worker, &out[n].port,
			   out[n].reason) != 5)
			fail_msg("%s: bad line '%s'", path, line);
		out[n++].record = record;
	}
	fclose(fp);
	return n;
}

static uint64_t wall_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * HF_NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

static uint64_t rec_ts_ns(const struct rec *r)
{
	/* nanosecond precision: tv_usec holds nanoseconds */
	return (uint64_t)r->h.ts.tv_sec * HF_NSEC_PER_SEC +
	       (uint64_t)r->h.ts.tv_usec;
}

/* Poll until the capture reports finished, at most WAIT_MS. */
static bool wait_finished(const struct hf_capture *c)
{
	struct hf_capture_stats st;
	uint64_t end = hf_now_ns() + WAIT_MS * HF_NSEC_PER_MSEC;

	do {
		hf_capture_stats(c, &st);
		if (st.finished)
			return true;
		usleep(1000);
	} while (hf_now_ns() < end);
	return false;
}

static struct hf_capture *start_ok(const struct hf_capture_req *req,
				   const char *(*reason_name)(uint16_t))
{
	struct hf_capture *c = NULL;
	char err[256] = "";
	int rc;

	rc = hf_capture_start(&c, req, reason_name, err, sizeof(err));
	if (rc)
		fail_msg("hf_capture_start: %d %s", rc, err);
	assert_non_null(c);
	return c;
}

static void feed(struct hf_capture *c, uint32_t worker, enum hf_cap_stage s,
		 uint32_t seq, uint16_t reason)
{
	uint8_t f[MAX_FRAME];

	build_seq(f, worker, seq);
	hf_capture_packet(c, worker, s, (uint16_t)(100 + seq), f,
			  seq_len(seq), reason, hf_now_ns());
}

/* Record @r is frame (@worker, @seq), complete and byte-identical. */
static void assert_rec_is(const struct rec *r, uint32_t worker, uint32_t seq)
{
	uint8_t f[MAX_FRAME];

	build_seq(f, worker, seq);
	assert_int_equal(r->h.len, seq_len(seq));
	assert_int_equal(r->h.caplen, seq_len(seq));
	if (memcmp(r->data, f, seq_len(seq)))
		fail_msg("record of worker %u seq %u: bytes differ", worker,
			 seq);
}

/* ---- start-up errors ---- */

struct err_case {
	const char *name;
	uint32_t stages;
	const char *filter;
	const char *file;	/* under tmpdir */
	uint32_t snaplen;
	uint32_t ring_slots;
	uint32_t nworkers;
	int rc;
	const char *msg;	/* expected in the message; "@" = the path */
};

static const struct err_case err_cases[] = {
	{ "bad filter", 1, "udp prot 53", "f.pcap", 0, 0, 1, -EINVAL,
	  "filter 'udp prot 53': " },
	{ "missing dir", 1, NULL, "no/such/dir/x.pcap", 0, 0, 1, -ENOENT,
	  "cannot write '@': No such file or directory" },
	{ "no stage", 0, NULL, "f.pcap", 0, 0, 1, -EINVAL, "stages 0x0" },
	{ "unknown stage", 1u << HF_CAP_STAGES, NULL, "f.pcap", 0, 0, 1,
	  -EINVAL, "stages 0x10" },
	{ "ring not 2^n", 1, NULL, "f.pcap", 0, 1000, 1, -EINVAL,
	  "ring_slots 1000" },
	{ "no workers", 1, NULL, "f.pcap", 0, 0, 0, -EINVAL, "nworkers 0" },
	{ "snaplen", 1, NULL, "f.pcap", 300000, 0, 1, -EINVAL,
	  "snaplen 300000" },
	{ "too big", 1, NULL, "f.pcap", 65535, 1u << 20, 64, -EINVAL,
	  "above the limit" },
	/* the sidecar path is a directory: the pcap must not stay */
	{ "sidecar", 1u << HF_CAP_DROP, NULL, "blocked.pcap", 0, 0, 1,
	  -EISDIR, "cannot write '@.drops': Is a directory" },
};

static void test_start_errors(void **state)
{
	char path[256], drops[300], want[512], err[512];
	struct hf_capture *c;
	const char *at;
	size_t i;
	int rc;

	(void)state;
	path_of(drops, sizeof(drops), "blocked.pcap.drops");
	assert_int_equal(mkdir(drops, 0700), 0);
	for (i = 0; i < ARRAY_SIZE(err_cases); i++) {
		const struct err_case *e = &err_cases[i];
		struct hf_capture_req req = {
			.stages = e->stages, .filter = e->filter,
			.snaplen = e->snaplen, .ring_slots = e->ring_slots,
			.nworkers = e->nworkers, .file = path,
		};

		path_of(path, sizeof(path), e->file);
		at = strchr(e->msg, '@');
		if (at)
			snprintf(want, sizeof(want), "%.*s%s%s",
				 (int)(at - e->msg), e->msg, path, at + 1);
		else
			snprintf(want, sizeof(want), "%s", e->msg);
		c = (struct hf_capture *)&rc;	/* must be overwritten */
		err[0] = 0;
		rc = hf_capture_start(&c, &req, NULL, err, sizeof(err));
		if (rc != e->rc || c || !strstr(err, want))
			fail_msg("%s: rc %d (want %d), c %p, err '%s' (want '%s')",
				 e->name, rc, e->rc, (void *)c, err, want);
		if (file_exists(path))
			fail_msg("%s: %s left behind", e->name, path);
	}
	assert_int_equal(rmdir(drops), 0);
}

/* ---- filter, two concurrent producers ---- */

#define PROD_FRAMES	4000u
#define PROD_SLOTS	256u
#define PROD_INFLIGHT	64u	/* < PROD_SLOTS: the pacing makes overflow impossible */

struct producer {
	struct hf_capture *c;
	uint32_t worker;
	bool stalled;
};

/* Keep the records not yet written below PROD_INFLIGHT (+1 per producer),
 * so no ring can fill whatever the scheduling: the counts are exact. */
static bool pace(const struct hf_capture *c)
{
	struct hf_capture_stats st;
	uint64_t end = hf_now_ns() + WAIT_MS * HF_NSEC_PER_MSEC;

	for (;;) {
		hf_capture_stats(c, &st);
		if (st.matched - st.written < PROD_INFLIGHT)
			return true;
		if (hf_now_ns() > end)
			return false;
		sched_yield();
	}
}

static void *producer_main(void *arg)
{
	struct producer *p = arg;
	uint8_t f[MAX_FRAME];
	uint32_t seq;

	for (seq = 0; seq < PROD_FRAMES; seq++) {
		if (kind_matches(seq_kind(seq)) && !pace(p->c)) {
			p->stalled = true;
			break;
		}
		build_seq(f, p->worker, seq);
		if (hf_capture_wants(p->c, HF_CAP_RX))
			hf_capture_packet(p->c, p->worker, HF_CAP_RX,
					  (uint16_t)(100 + seq), f,
					  seq_len(seq), 0, hf_now_ns());
	}
	return NULL;
}

static void test_filter_two_producers(void **state)
{
	struct producer prod[2];
	struct hf_capture_stats st;
	struct pcap_read rd;
	char path[256];
	struct hf_capture_req req = {
		.stages = 1u << HF_CAP_RX, .filter = "udp port 53",
		.file = path, .ring_slots = PROD_SLOTS, .nworkers = 2,
	};
	uint32_t next_seq[2] = { 0, 0 }, i, w, seq, matching = 0;
	uint64_t last_ts[2] = { 0, 0 }, t0, t1, ts;
	pthread_t t[2];
	struct hf_capture *c;

	(void)state;
	for (seq = 0; seq < PROD_FRAMES; seq++)
		matching += kind_matches(seq_kind(seq));
	path_of(path, sizeof(path), "filter.pcap");
	t0 = wall_now_ns();
	c = start_ok(&req, NULL);
	for (i = 0; i < 2; i++) {
		prod[i] = (struct producer){ .c = c, .worker = i };
		assert_int_equal(pthread_create(&t[i], NULL, producer_main,
						&prod[i]), 0);
	}
	for (i = 0; i < 2; i++)
		assert_int_equal(pthread_join(t[i], NULL), 0);
	hf_capture_stop(c, &st);
	t1 = wall_now_ns();
	assert_false(prod[0].stalled || prod[1].stalled);
	assert_int_equal(st.matched, 2 * matching);
	assert_int_equal(st.filtered_out, 2 * (PROD_FRAMES - matching));
	assert_int_equal(st.written, 2 * matching);
	assert_int_equal(st.overflow, 0);
	assert_false(st.finished);
	assert_int_equal(st.error, 0);

	read_pcap(path, &rd);
	assert_int_equal(rd.snaplen, HF_CAP_SNAPLEN_DEFAULT);
	assert_int_equal(rd.n, 2 * matching);
	for (i = 0; i < rd.n; i++) {
		const struct rec *r = &rd.rec[i];

		if (!frame_tag(r->data, r->h.caplen, &w, &seq) || w > 1)
			fail_msg("record %u: not one of ours", i + 1);
		/* exactly the matching frames, in each worker's order */
		while (!kind_matches(seq_kind(next_seq[w])))
			next_seq[w]++;
		if (seq != next_seq[w])
			fail_msg("record %u: worker %u seq %u, want seq %u",
				 i + 1, w, seq, next_seq[w]);
		next_seq[w]++;
		assert_rec_is(r, w, seq);
		ts = rec_ts_ns(r);
		if (ts < last_ts[w] || ts + HF_NSEC_PER_SEC < t0 ||
		    ts > t1 + HF_NSEC_PER_SEC)
			fail_msg("record %u: timestamp %llu (previous %llu, run %llu..%llu)",
				 i + 1, (unsigned long long)ts,
				 (unsigned long long)last_ts[w],
				 (unsigned long long)t0, (unsigned long long)t1);
		last_ts[w] = ts;
	}
	free(rd.rec);
	assert_int_equal(unlink(path), 0);
}

/* ---- stage mask ---- */

static void test_stage_mask(void **state)
{
	struct hf_capture_stats st;
	struct pcap_read rd;
	char path[256], drops[300];
	struct hf_capture_req req = {
		.stages = 1u << HF_CAP_TX, .file = path, .nworkers = 1,
	};
	struct hf_capture *c;

	(void)state;
	path_of(path, sizeof(path), "tx.pcap");
	path_of(drops, sizeof(drops), "tx.pcap.drops");
	c = start_ok(&req, NULL);
	assert_true(hf_capture_wants(c, HF_CAP_TX));
	assert_false(hf_capture_wants(c, HF_CAP_RX));
	assert_false(hf_capture_wants(c, HF_CAP_FW));
	assert_false(hf_capture_wants(c, HF_CAP_DROP));
	assert_false(hf_capture_wants(NULL, HF_CAP_TX));
	/* even a caller that skips the test records no rx frame */
	feed(c, 0, HF_CAP_RX, 1, 0);
	feed(c, 0, HF_CAP_TX, 2, 0);
	feed(c, 0, HF_CAP_RX, 3, 0);
	feed(c, 0, HF_CAP_DROP, 4, 7);
	feed(c, 0, HF_CAP_TX, 5, 0);
	hf_capture_packet(NULL, 0, HF_CAP_TX, 0, "x", 1, 0, 0);
	hf_capture_stop(c, &st);
	assert_int_equal(st.matched, 2);
	assert_int_equal(st.written, 2);
	assert_int_equal(st.filtered_out, 0);
	read_pcap(path, &rd);
	assert_int_equal(rd.n, 2);
	assert_rec_is(&rd.rec[0], 0, 2);
	assert_rec_is(&rd.rec[1], 0, 5);
	free(rd.rec);
	assert_false(file_exists(drops));	/* no drop stage, no sidecar */
	assert_int_equal(unlink(path), 0);
}

/* ---- record limit ---- */

static void test_count(void **state)
{
	struct hf_capture_stats st;
	struct pcap_read rd;
	char path[256];
	struct hf_capture_req req = {
		.stages = 1u << HF_CAP_FW, .file = path, .count = 5,
		.nworkers = 1,
	};
	struct hf_capture *c;
	uint64_t matched;
	uint32_t seq;

	(void)state;
	path_of(path, sizeof(path), "count.pcap");
	c = start_ok(&req, NULL);
	for (seq = 0; seq < 20; seq++)
		if (hf_capture_wants(c, HF_CAP_FW))
			feed(c, 0, HF_CAP_FW, seq, 0);
	assert_true(wait_finished(c));
	assert_false(hf_capture_wants(c, HF_CAP_FW));
	hf_capture_stats(c, &st);
	assert_int_equal(st.written, 5);
	assert_in_range(st.matched, 5, 20);
	/* finished: the file is complete and flushed already */
	read_pcap(path, &rd);
	assert_int_equal(rd.n, 5);
	free(rd.rec);
	/* frames after the end are not even counted */
	matched = st.matched;
	feed(c, 0, HF_CAP_FW, 20, 0);
	hf_capture_stats(c, &st);
	assert_int_equal(st.matched, matched);
	hf_capture_stop(c, &st);
	assert_true(st.finished);
	assert_int_equal(st.written, 5);
	assert_int_equal(st.overflow, 0);
	assert_int_equal(st.error, 0);
	read_pcap(path, &rd);
	assert_int_equal(rd.n, 5);
	for (seq = 0; seq < 5; seq++)
		assert_rec_is(&rd.rec[seq], 0, seq);
	free(rd.rec);
	assert_int_equal(unlink(path), 0);
}

/* ---- snaplen ---- */

static void test_snaplen(void **state)
{
	struct hf_capture_stats st;
	struct pcap_read rd;
	uint8_t big[200], small[60];
	char path[256];
	struct hf_capture_req req = {
		.stages = 1u << HF_CAP_RX, .file = path, .snaplen = 64,
		.nworkers = 1,
	};
	struct hf_capture *c;

	(void)state;
	path_of(path, sizeof(path), "snap.pcap");
	build_frame(big, sizeof(big), 0, 1, K_UDP_DST53);
	build_frame(small, sizeof(small), 0, 2, K_UDP_DST53);
	c = start_ok(&req, NULL);
	hf_capture_packet(c, 0, HF_CAP_RX, 1, big, sizeof(big), 0, hf_now_ns());
	hf_capture_packet(c, 0, HF_CAP_RX, 1, small, sizeof(small), 0,
			  hf_now_ns());
	hf_capture_stop(c, &st);
	assert_int_equal(st.written, 2);
	read_pcap(path, &rd);
	assert_int_equal(rd.snaplen, 64);
	assert_int_equal(rd.n, 2);
	assert_int_equal(rd.rec[0].h.caplen, 64);
	assert_int_equal(rd.rec[0].h.len, 200);
	assert_memory_equal(rd.rec[0].data, big, 64);
	assert_int_equal(rd.rec[1].h.caplen, 60);
	assert_int_equal(rd.rec[1].h.len, 60);
	assert_memory_equal(rd.rec[1].data, small, 60);
	free(rd.rec);
	assert_int_equal(unlink(path), 0);
}

/* ---- overflow: the writer held inside reason_name ---- */

static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool entered;	/* the writer is inside the callback */
	bool open;	/* let it return */
} gate = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, false,
	   false };

static const char *gated_reason(uint16_t reason)
{
	pthread_mutex_lock(&gate.lock);
	gate.entered = true;
	pthread_cond_broadcast(&gate.cond);
	while (!gate.open)
		pthread_cond_wait(&gate.cond, &gate.lock);
	pthread_mutex_unlock(&gate.lock);
	return reason == 3 ? "no_route" : NULL;
}

static void gate_set_open(bool open)
{
	pthread_mutex_lock(&gate.lock);
	gate.open = open;
	gate.entered = false;
	pthread_cond_broadcast(&gate.cond);
	pthread_mutex_unlock(&gate.lock);
}

static bool gate_wait_entered(void)
{
	struct timespec end;
	int rc = 0;

	clock_gettime(CLOCK_REALTIME, &end);
	end.tv_sec += WAIT_MS / 1000;
	pthread_mutex_lock(&gate.lock);
	while (!gate.entered && rc != ETIMEDOUT)
		rc = pthread_cond_timedwait(&gate.cond, &gate.lock, &end);
	pthread_mutex_unlock(&gate.lock);
	return rc != ETIMEDOUT;
}

#define OVF_SLOTS	4u
#define OVF_FRAMES	11u

static void test_overflow(void **state)
{
	struct drop_line dl[OVF_FRAMES];
	struct hf_capture_stats st;
	struct pcap_read rd;
	char path[256], drops[300];
	struct hf_capture_req req = {
		.stages = 1u << HF_CAP_DROP, .file = path,
		.ring_slots = OVF_SLOTS, .nworkers = 1,
	};
	struct hf_capture *c;
	uint32_t seq, n;

	(void)state;
	path_of(path, sizeof(path), "ovf.pcap");
	path_of(drops, sizeof(drops), "ovf.pcap.drops");
	gate_set_open(false);
	c = start_ok(&req, gated_reason);
	/* record 0: the writer takes it and blocks naming its reason, with
	 * its slot not yet handed back */
	feed(c, 0, HF_CAP_DROP, 0, 3);
	assert_true(gate_wait_entered());
	for (seq = 1; seq < OVF_FRAMES; seq++)
		feed(c, 0, HF_CAP_DROP, seq, 3);
	hf_capture_stats(c, &st);
	assert_int_equal(st.written, 1);
	assert_int_equal(st.matched, OVF_FRAMES);
	/* slot of record 0 + 3 free slots; the other 7 overflow */
	assert_int_equal(st.overflow, OVF_FRAMES - OVF_SLOTS);
	gate_set_open(true);
	hf_capture_stop(c, &st);
	assert_int_equal(st.written, OVF_SLOTS);
	assert_int_equal(st.overflow, OVF_FRAMES - OVF_SLOTS);
	assert_int_equal(st.matched, OVF_FRAMES);
	read_pcap(path, &rd);
	assert_int_equal(rd.n, OVF_SLOTS);
	for (seq = 0; seq < OVF_SLOTS; seq++)
		assert_rec_is(&rd.rec[seq], 0, seq);
	free(rd.rec);
	n = read_drops(drops, dl, OVF_FRAMES);
	assert_int_equal(n, OVF_SLOTS);
	for (seq = 0; seq < n; seq++) {
		assert_int_equal(dl[seq].record, seq + 1);
		assert_int_equal(dl[seq].port, 100 + seq);
		assert_string_equal(dl[seq].reason, "no_route");
	}
	assert_int_equal(unlink(path), 0);
	assert_int_equal(unlink(drops), 0);
}

/* ---- drop sidecar ---- */

static const char *reason_names(uint16_t reason)
{
	static const char *const names[] = { NULL, "no_route", "ttl_exceeded",
					     "blackhole" };

	return reason < ARRAY_SIZE(names) ? names[reason] : NULL;
}

#define SIDE_FRAMES	60u

/* frame i: worker i % 2, dropped when i % 3 == 2 with reason i % 5 */
static bool side_is_drop(uint32_t seq)
{
	return seq % 3 == 2;
}

static void test_drop_sidecar(void **state)
{
	struct drop_line dl[SIDE_FRAMES];
	struct hf_capture_stats st;
	struct pcap_read rd;
	char path[256], drops[300], want[16];
	struct hf_capture_req req = {
		.stages = 1u << HF_CAP_RX | 1u << HF_CAP_DROP, .file = path,
		.nworkers = 2,
	};
	uint32_t seq, w, i, n, ndrop = 0, lines_seen = 0;
	bool has_line[SIDE_FRAMES + 1] = { false };
	struct hf_capture *c;
	const char *name;

	(void)state;
	path_of(path, sizeof(path), "drop.pcap");
	path_of(drops, sizeof(drops), "drop.pcap.drops");
	c = start_ok(&req, reason_names);
	for (seq = 0; seq < SIDE_FRAMES; seq++) {
		bool drop = side_is_drop(seq);

		ndrop += drop;
		feed(c, seq % 2, drop ? HF_CAP_DROP : HF_CAP_RX, seq,
		     (uint16_t)(drop ? seq % 5 : 0));
	}
	hf_capture_stop(c, &st);
	assert_int_equal(st.written, SIDE_FRAMES);
	read_pcap(path, &rd);
	assert_int_equal(rd.n, SIDE_FRAMES);
	n = read_drops(drops, dl, SIDE_FRAMES);
	assert_int_equal(n, ndrop);
	/* every line points at the drop frame it describes */
	for (i = 0; i < n; i++) {
		const struct rec *r;

		if (dl[i].record < 1 || dl[i].record > rd.n)
			fail_msg("line %u: record %llu out of range", i + 2,
				 (unsigned long long)dl[i].record);
		r = &rd.rec[dl[i].record - 1];
		assert_true(frame_tag(r->data, r->h.caplen, &w, &seq));
		assert_rec_is(r, w, seq);
		if (!side_is_drop(seq))
			fail_msg("line %u: record %llu is seq %u, not a drop",
				 i + 2, (unsigned long long)dl[i].record, seq);
		assert_false(has_line[dl[i].record]);
		has_line[dl[i].record] = true;
		lines_seen++;
		assert_string_equal(dl[i].stage, "drop");
		assert_int_equal(dl[i].worker, w);
		assert_int_equal(dl[i].port, 100 + seq);
		name = reason_names((uint16_t)(seq % 5));
		if (!name) {
			snprintf(want, sizeof(want), "%u", seq % 5);
			name = want;
		}
		assert_string_equal(dl[i].reason, name);
	}
	/* and every drop frame has its line */
	for (i = 0; i < rd.n; i++) {
		assert_true(frame_tag(rd.rec[i].data, rd.rec[i].h.caplen, &w,
				      &seq));
		assert_int_equal(side_is_drop(seq), has_line[i + 1]);
	}
	assert_int_equal(lines_seen, ndrop);
	free(rd.rec);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(unlink(drops), 0);
}

/* ---- write error: the file is /dev/full ---- */

static void test_write_error(void **state)
{
	struct hf_capture_stats st;
	struct hf_capture_req req = {
		.stages = 1u << HF_CAP_RX, .file = "/dev/full", .nworkers = 1,
	};
	struct hf_capture *c;
	struct stat sb;

	(void)state;
	if (stat("/dev/full", &sb) || !S_ISCHR(sb.st_mode))
		skip();
	c = start_ok(&req, NULL);
	feed(c, 0, HF_CAP_RX, 1, 0);
	/* the flush when idle fails: the capture ends itself */
	assert_true(wait_finished(c));
	assert_false(hf_capture_wants(c, HF_CAP_RX));
	hf_capture_stats(c, &st);
	assert_int_equal(st.error, -ENOSPC);
	hf_capture_stop(c, &st);
	assert_true(st.finished);
	assert_int_equal(st.error, -ENOSPC);
}

/* ---- stage names ---- */

static void test_stage_names(void **state)
{
	static const char *const names[] = { "rx", "fw", "tx", "drop" };
	int i;

	(void)state;
	for (i = 0; i < HF_CAP_STAGES; i++) {
		assert_string_equal(hf_cap_stage_name((enum hf_cap_stage)i),
				    names[i]);
		assert_int_equal(hf_cap_stage_parse(names[i]), i);
	}
	assert_string_equal(hf_cap_stage_name(HF_CAP_STAGES), "?");
	assert_int_equal(hf_cap_stage_parse("RX"), -1);
	assert_int_equal(hf_cap_stage_parse(""), -1);
	assert_int_equal(hf_cap_stage_parse("drops"), -1);
	assert_int_equal(hf_cap_stage_parse(NULL), -1);
}

/* ---- fixture ---- */

static int group_setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/hf_capture.XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

/* Tests remove their files; a failed one may leave some behind. */
static int group_teardown(void **state)
{
	struct dirent *de;
	char path[512];
	DIR *d;

	(void)state;
	d = opendir(tmpdir);
	if (!d)
		return -1;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(path, sizeof(path), "%s/%s", tmpdir, de->d_name);
		if (unlink(path))
			rmdir(path);
	}
	closedir(d);
	return rmdir(tmpdir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_start_errors),
		cmocka_unit_test(test_filter_two_producers),
		cmocka_unit_test(test_stage_mask),
		cmocka_unit_test(test_count),
		cmocka_unit_test(test_snaplen),
		cmocka_unit_test(test_overflow),
		cmocka_unit_test(test_drop_sidecar),
		cmocka_unit_test(test_write_error),
		cmocka_unit_test(test_stage_names),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
