// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * capture.c - per-worker capture rings and the writer thread (see
 * fwd/capture.h).
 *
 * Ring: fixed slots (record header + snaplen bytes, rounded to a cache
 * line) allocated and faulted in once at start. head is written only by
 * the producer (its worker), tail only by the writer thread; both are
 * free-running 32-bit indices. The producer's release store of head
 * publishes the slot it filled; the writer's release store of tail hands
 * slots back; each side acquire-loads the other's index before it
 * touches a slot. Records of one worker therefore reach the file in the
 * order that worker produced them; different workers interleave.
 *
 * Sharing the compiled filter: pcap_offline_filter() only reads the
 * program (it calls bpf_filter(), which keeps A, X and the scratch
 * memory on its own stack: libpcap pcap.c and bpf_filter.c; it takes no
 * pcap_t, the object libpcap forbids sharing between threads). The
 * program is written once in hf_capture_start(), before the caller
 * publishes the capture, so workers may run it concurrently.
 *
 * Files: only the writer thread touches them while it runs; the control
 * thread closes them after joining it.
 */
#include "fwd/capture.h"

#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <pcap/pcap.h>

#include "common/compiler.h"
#include "common/time.h"

#define WRITER_BATCH	64	/* records per ring per round: one busy
				 * worker cannot starve the others */
#define WRITER_IDLE_NS	HF_NSEC_PER_MSEC
#define RINGS_MAX_BYTES	(1ULL << 30)

/* One ring slot: this header, then caplen bytes of the frame. */
struct cap_rec {
	uint64_t ts_ns;		/* CLOCK_MONOTONIC */
	uint32_t len;		/* frame length */
	uint32_t caplen;	/* bytes kept in data[] */
	uint16_t port;
	uint16_t reason;
	uint8_t stage;
	uint8_t data[] __attribute__((aligned(8)));
};

struct cap_ring {
	/* producer (the worker) only */
	uint32_t head __hf_cacheline_aligned;
	uint32_t tail_seen;	/* last tail read: reloaded only when the
				 * ring looks full, so the producer does not
				 * pull the writer's line on every frame */
	uint64_t matched;
	uint64_t filtered_out;
	uint64_t overflow;
	/* consumer (the writer thread) only */
	uint32_t tail __hf_cacheline_aligned;
};

struct hf_capture {
	struct hf_capture_head head;	/* first: see hf_capture_wants() */
	/* read-only after start; read by the workers */
	uint32_t nworkers;
	uint32_t snaplen;
	uint32_t mask;			/* ring_slots - 1 */
	uint32_t stride;		/* bytes per slot */
	bool has_filter;
	struct bpf_program prog;
	struct cap_ring *ring;		/* [nworkers] */
	uint8_t *slots;			/* [nworkers][ring_slots][stride] */

	/* ---- end of what workers read ---- */

	/* writer thread; read by hf_capture_stats() */
	uint64_t written __hf_cacheline_aligned;
	bool finished;
	int error;
	/* writer thread only */
	bool done;			/* plain copy of finished */
	uint64_t count;
	int64_t wall_off_ns;		/* CLOCK_REALTIME - CLOCK_MONOTONIC */
	pcap_dumper_t *dump;
	FILE *drops;
	const char *(*reason_name)(uint16_t reason);
	/* control thread */
	char *drops_path;		/* NULL without the drop stage */
	bool stop;			/* read by the writer */
	pcap_t *pd;
	pthread_t thread;
};

/* what the packet path reads fits one cache line, which the writer
 * thread's own stores never touch */
_Static_assert(offsetof(struct hf_capture, written) == HF_CACHELINE,
	       "hot part of struct hf_capture exceeds a cache line");

static const char *const stage_names[HF_CAP_STAGES] = {
	[HF_CAP_RX] = "rx",
	[HF_CAP_FW] = "fw",
	[HF_CAP_TX] = "tx",
	[HF_CAP_DROP] = "drop",
};

const char *hf_cap_stage_name(enum hf_cap_stage s)
{
	return (unsigned int)s < HF_CAP_STAGES ? stage_names[s] : "?";
}

int hf_cap_stage_parse(const char *s)
{
	int i;

	for (i = 0; s && i < HF_CAP_STAGES; i++)
		if (!strcmp(s, stage_names[i]))
			return i;
	return -1;
}

const char *hf_cap_stages_fmt(uint32_t stages, char *buf, size_t len)
{
	size_t used = 0;
	int i, n;

	if (len)
		buf[0] = '\0';
	for (i = 0; i < HF_CAP_STAGES; i++) {
		if (!(stages & (1u << i)) || used >= len)
			continue;
		n = snprintf(buf + used, len - used, "%s%s", used ? "," : "",
			     stage_names[i]);
		if (n > 0)
			used += (size_t)n;
	}
	return buf;
}

/* Single-writer counters: relaxed, so hf_capture_stats() may read them. */
static inline void cnt_inc(uint64_t *c)
{
	__atomic_store_n(c, __atomic_load_n(c, __ATOMIC_RELAXED) + 1,
			 __ATOMIC_RELAXED);
}

static inline uint64_t cnt_read(const uint64_t *c)
{
	return __atomic_load_n(c, __ATOMIC_RELAXED);
}

static inline struct cap_rec *slot(const struct hf_capture *c, uint32_t w,
				   uint32_t idx)
{
	size_t n = (size_t)w * (c->mask + 1) + (idx & c->mask);

	return (struct cap_rec *)(void *)(c->slots + n * c->stride);
}

/* ---- packet path ---- */

void hf_capture_packet(struct hf_capture *c, uint32_t worker,
		       enum hf_cap_stage s, uint16_t port, const void *frame,
		       uint32_t len, uint16_t reason, uint64_t ts_ns)
{
	struct cap_ring *r;
	struct cap_rec *rec;
	uint32_t head;

	if (unlikely(!hf_capture_wants(c, s) || worker >= c->nworkers))
		return;
	r = &c->ring[worker];
	if (c->has_filter) {
		/* the filter sees the whole frame, not just snaplen */
		const struct pcap_pkthdr h = { .caplen = len, .len = len };

		if (!pcap_offline_filter(&c->prog, &h, frame)) {
			cnt_inc(&r->filtered_out);
			return;
		}
	}
	cnt_inc(&r->matched);
	head = r->head;
	if (head - r->tail_seen > c->mask) {
		/* acquire: the writer has finished reading the slots it
		 * handed back before we overwrite them */
		r->tail_seen = __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE);
		if (head - r->tail_seen > c->mask) {
			cnt_inc(&r->overflow);
			return;
		}
	}
	rec = slot(c, worker, head);
	rec->ts_ns = ts_ns;
	rec->len = len;
	rec->caplen = HF_MIN(len, c->snaplen);
	rec->port = port;
	rec->reason = reason;
	rec->stage = (uint8_t)s;
	memcpy(rec->data, frame, rec->caplen);
	/* release: the record is complete before the writer sees head */
	__atomic_store_n(&r->head, head + 1, __ATOMIC_RELEASE);
}

/* ---- writer thread ---- */

/* -errno after a failed stdio call; EIO if it left errno unset. */
static int io_error(void)
{
	return errno ? -errno : -EIO;
}

static int flush_files(struct hf_capture *c)
{
	errno = 0;
	if (pcap_dump_flush(c->dump) < 0)
		return io_error();
	if (c->drops && fflush(c->drops) == EOF)
		return io_error();
	return 0;
}

/* No more records: count reached (@err 0) or a write failed. */
static void finish(struct hf_capture *c, int err)
{
	int rc = flush_files(c);

	if (!err)
		err = rc;
	c->done = true;
	if (err)
		__atomic_store_n(&c->error, err, __ATOMIC_RELAXED);
	/* relaxed: workers must stop soon, not at once; the writer
	 * discards what they still queue */
	__atomic_store_n(&c->head.active, 0, __ATOMIC_RELAXED);
	/* release: whoever sees finished also sees the file flushed */
	__atomic_store_n(&c->finished, true, __ATOMIC_RELEASE);
}

static void write_drop_line(struct hf_capture *c, uint64_t record,
			    uint32_t worker, const struct cap_rec *rec)
{
	const char *name = c->reason_name ? c->reason_name(rec->reason) : NULL;

	if (name)
		fprintf(c->drops, "%llu\tdrop\t%u\t%u\t%s\n",
			(unsigned long long)record, worker, rec->port, name);
	else
		fprintf(c->drops, "%llu\tdrop\t%u\t%u\t%u\n",
			(unsigned long long)record, worker, rec->port,
			rec->reason);
}

static void write_record(struct hf_capture *c, uint32_t worker,
			 const struct cap_rec *rec)
{
	struct pcap_pkthdr h;
	int64_t wall;
	uint64_t n;

	if (c->done)
		return;
	wall = (int64_t)rec->ts_ns + c->wall_off_ns;
	if (wall < 0)
		wall = 0;
	/* a nanosecond pcap file: tv_usec holds nanoseconds */
	h.ts.tv_sec = (time_t)(wall / (int64_t)HF_NSEC_PER_SEC);
	h.ts.tv_usec = (suseconds_t)(wall % (int64_t)HF_NSEC_PER_SEC);
	h.caplen = rec->caplen;
	h.len = rec->len;
	errno = 0;
	pcap_dump((u_char *)c->dump, &h, rec->data);
	n = c->written + 1;
	__atomic_store_n(&c->written, n, __ATOMIC_RELAXED);
	if (rec->stage == HF_CAP_DROP && c->drops)
		write_drop_line(c, n, worker, rec);
	/* stdio errors are sticky: one test per record catches any */
	if (ferror(pcap_dump_file(c->dump)) || (c->drops && ferror(c->drops)))
		finish(c, io_error());
	else if (n == c->count)
		finish(c, 0);
}

/* Write up to @max records of ring @w; return how many were taken. */
static uint32_t drain_ring(struct hf_capture *c, uint32_t w, uint32_t max)
{
	struct cap_ring *r = &c->ring[w];
	uint32_t tail = r->tail, head, n, i;

	/* acquire: the records before head are complete */
	head = __atomic_load_n(&r->head, __ATOMIC_ACQUIRE);
	n = HF_MIN(head - tail, max);
	for (i = 0; i < n; i++)
		write_record(c, w, slot(c, w, tail + i));
	/* release: done reading the slots before the worker reuses them */
	if (n)
		__atomic_store_n(&r->tail, tail + n, __ATOMIC_RELEASE);
	return n;
}

static void *writer_main(void *arg)
{
	struct hf_capture *c = arg;
	const struct timespec idle = { .tv_nsec = WRITER_IDLE_NS };
	bool dirty = false, stopping;
	uint32_t w, n;
	int rc;

	for (;;) {
		/* acquire, paired with the release in hf_capture_stop():
		 * the caller saw every producer finish before it, so the
		 * drain below sees their last records */
		stopping = __atomic_load_n(&c->stop, __ATOMIC_ACQUIRE);
		n = 0;
		for (w = 0; w < c->nworkers; w++)
			n += drain_ring(c, w, WRITER_BATCH);
		if (n) {
			dirty = true;
			continue;
		}
		/* idle: let readers of the file see what we have */
		if (dirty && !c->done) {
			rc = flush_files(c);
			if (rc)
				finish(c, rc);
		}
		dirty = false;
		if (stopping)
			break;
		nanosleep(&idle, NULL);
	}
	return NULL;
}

/* ---- start / stop ---- */

static int check_req(const struct hf_capture_req *req, char *err,
		     size_t errlen)
{
	if (!req->stages) {
		snprintf(err, errlen,
			 "stages 0x0: select at least one of rx, fw, tx, drop");
		return -EINVAL;
	}
	if (req->stages >> HF_CAP_STAGES) {
		snprintf(err, errlen, "stages 0x%x: unknown stage bit",
			 req->stages);
		return -EINVAL;
	}
	if (!req->file || !req->file[0]) {
		snprintf(err, errlen, "no capture file given");
		return -EINVAL;
	}
	if (req->snaplen > HF_CAP_SNAPLEN_MAX) {
		snprintf(err, errlen, "snaplen %u: above the limit of %u",
			 req->snaplen, HF_CAP_SNAPLEN_MAX);
		return -EINVAL;
	}
	if (req->ring_slots & (req->ring_slots - 1)) {
		snprintf(err, errlen, "ring_slots %u: not a power of two",
			 req->ring_slots);
		return -EINVAL;
	}
	if (req->ring_slots > HF_CAP_SLOTS_MAX) {
		snprintf(err, errlen, "ring_slots %u: above the limit of %u",
			 req->ring_slots, HF_CAP_SLOTS_MAX);
		return -EINVAL;
	}
	if (!req->nworkers) {
		snprintf(err, errlen, "nworkers 0: need at least one producer");
		return -EINVAL;
	}
	return 0;
}

static int compile_filter(struct hf_capture *c, const char *filter,
			  char *err, size_t errlen)
{
	/* nanosecond timestamps: at line rate many frames share a
	 * microsecond */
	c->pd = pcap_open_dead_with_tstamp_precision(DLT_EN10MB,
						     (int)c->snaplen,
						     PCAP_TSTAMP_PRECISION_NANO);
	if (!c->pd) {
		snprintf(err, errlen, "pcap_open_dead: out of memory");
		return -ENOMEM;
	}
	if (!filter || !filter[0])
		return 0;
	if (pcap_compile(c->pd, &c->prog, filter, 1, PCAP_NETMASK_UNKNOWN)) {
		snprintf(err, errlen, "filter '%s': %s", filter,
			 pcap_geterr(c->pd));
		pcap_close(c->pd);
		c->pd = NULL;
		return -EINVAL;
	}
	c->has_filter = true;
	return 0;
}

static void free_filter(struct hf_capture *c)
{
	if (c->has_filter)
		pcap_freecode(&c->prog);
	pcap_close(c->pd);
}

static int alloc_rings(struct hf_capture *c, uint32_t ring_slots,
		       char *err, size_t errlen)
{
	size_t bytes;

	c->mask = ring_slots - 1;
	c->stride = (uint32_t)((sizeof(struct cap_rec) + c->snaplen +
				HF_CACHELINE - 1) & ~(size_t)(HF_CACHELINE - 1));
	if (__builtin_mul_overflow((size_t)c->nworkers * ring_slots,
				   (size_t)c->stride, &bytes) ||
	    bytes > RINGS_MAX_BYTES) {
		snprintf(err, errlen,
			 "capture rings of %u workers x %u slots x %u bytes: above the limit of %llu MiB",
			 c->nworkers, ring_slots, c->stride, RINGS_MAX_BYTES >> 20);
		return -EINVAL;
	}
	c->ring = aligned_alloc(HF_CACHELINE, c->nworkers * sizeof(*c->ring));
	c->slots = aligned_alloc(HF_CACHELINE, bytes);
	if (!c->ring || !c->slots) {
		snprintf(err, errlen, "cannot allocate %zu MiB of capture rings",
			 bytes >> 20);
		free(c->ring);
		free(c->slots);
		return -ENOMEM;
	}
	memset(c->ring, 0, c->nworkers * sizeof(*c->ring));
	/* fault the pages in now, not on the packet path */
	memset(c->slots, 0, bytes);
	return 0;
}

/* Files we created may go on failure; a device or FIFO the user named
 * (/dev/stdout) must not. */
static bool is_regular(FILE *fp)
{
	struct stat st;

	return !fstat(fileno(fp), &st) && S_ISREG(st.st_mode);
}

static void close_and_remove(FILE *fp, const char *path)
{
	bool regular = is_regular(fp);

	fclose(fp);
	if (regular)
		unlink(path);
}

static int open_files(struct hf_capture *c, const char *file, bool sidecar,
		      char *err, size_t errlen)
{
	FILE *fp;
	int rc;

	fp = fopen(file, "we");
	if (!fp) {
		rc = -errno;
		snprintf(err, errlen, "cannot write '%s': %s", file,
			 strerror(-rc));
		return rc;
	}
	if (sidecar) {
		if (asprintf(&c->drops_path, "%s.drops", file) < 0) {
			c->drops_path = NULL;
			snprintf(err, errlen, "out of memory");
			rc = -ENOMEM;
			goto out_remove_file;
		}
		c->drops = fopen(c->drops_path, "we");
		if (!c->drops) {
			rc = -errno;
			snprintf(err, errlen, "cannot write '%s': %s",
				 c->drops_path, strerror(-rc));
			goto out_free_path;
		}
		fprintf(c->drops, "# record\tstage\tworker\tport\treason\n");
	}
	c->dump = pcap_dump_fopen(c->pd, fp);
	if (!c->dump) {
		snprintf(err, errlen, "cannot write '%s': %s", file,
			 pcap_geterr(c->pd));
		rc = -EIO;
		goto out_remove_drops;
	}
	return 0;

out_remove_drops:
	if (c->drops)
		close_and_remove(c->drops, c->drops_path);
	c->drops = NULL;
out_free_path:
	free(c->drops_path);
	c->drops_path = NULL;
out_remove_file:
	close_and_remove(fp, file);
	return rc;
}

static void close_files(struct hf_capture *c, const char *file, bool remove)
{
	bool regular = remove && is_regular(pcap_dump_file(c->dump));

	pcap_dump_close(c->dump);
	if (regular)
		unlink(file);
	if (c->drops) {
		if (remove)
			close_and_remove(c->drops, c->drops_path);
		else
			fclose(c->drops);
	}
	free(c->drops_path);
}

static int64_t wall_offset_ns(void)
{
	struct timespec rt;
	uint64_t mono = hf_now_ns();

	clock_gettime(CLOCK_REALTIME, &rt);
	return (int64_t)rt.tv_sec * (int64_t)HF_NSEC_PER_SEC + rt.tv_nsec -
	       (int64_t)mono;
}

int hf_capture_start(struct hf_capture **out, const struct hf_capture_req *req,
		     const char *(*reason_name)(uint16_t reason),
		     char *err, size_t errlen)
{
	bool sidecar = req->stages & (1u << HF_CAP_DROP);
	struct hf_capture *c;
	size_t size;
	int rc;

	*out = NULL;
	rc = check_req(req, err, errlen);
	if (rc)
		return rc;
	size = (sizeof(*c) + HF_CACHELINE - 1) & ~(size_t)(HF_CACHELINE - 1);
	c = aligned_alloc(HF_CACHELINE, size);
	if (!c) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	memset(c, 0, sizeof(*c));
	c->nworkers = req->nworkers;
	c->snaplen = req->snaplen ? req->snaplen : HF_CAP_SNAPLEN_DEFAULT;
	c->count = req->count;
	c->reason_name = reason_name;
	rc = compile_filter(c, req->filter, err, errlen);
	if (rc)
		goto out_free;
	rc = alloc_rings(c, req->ring_slots ? req->ring_slots :
			 HF_CAP_SLOTS_DEFAULT, err, errlen);
	if (rc)
		goto out_free_filter;
	rc = open_files(c, req->file, sidecar, err, errlen);
	if (rc)
		goto out_free_rings;
	c->wall_off_ns = wall_offset_ns();
	/* published to the workers by the caller, after we return */
	c->head.active = req->stages;
	rc = -pthread_create(&c->thread, NULL, writer_main, c);
	if (rc) {
		snprintf(err, errlen, "cannot start the capture thread: %s",
			 strerror(-rc));
		goto out_close_files;
	}
	pthread_setname_np(c->thread, "capture");
	*out = c;
	return 0;

out_close_files:
	close_files(c, req->file, true);
out_free_rings:
	free(c->slots);
	free(c->ring);
out_free_filter:
	free_filter(c);
out_free:
	free(c);
	return rc;
}

void hf_capture_stats(const struct hf_capture *c, struct hf_capture_stats *out)
{
	const struct cap_ring *r;
	uint32_t w;

	memset(out, 0, sizeof(*out));
	if (!c)
		return;
	for (w = 0; w < c->nworkers; w++) {
		r = &c->ring[w];
		out->matched += cnt_read(&r->matched);
		out->filtered_out += cnt_read(&r->filtered_out);
		out->overflow += cnt_read(&r->overflow);
	}
	out->written = cnt_read(&c->written);
	/* acquire: pairs with finish(); the file is flushed */
	out->finished = __atomic_load_n(&c->finished, __ATOMIC_ACQUIRE);
	out->error = __atomic_load_n(&c->error, __ATOMIC_RELAXED);
}

void hf_capture_stop(struct hf_capture *c, struct hf_capture_stats *out)
{
	if (!c) {
		if (out)
			memset(out, 0, sizeof(*out));
		return;
	}
	/* release: see writer_main() */
	__atomic_store_n(&c->stop, true, __ATOMIC_RELEASE);
	pthread_join(c->thread, NULL);
	/* the writer drained and flushed everything before it returned */
	if (out)
		hf_capture_stats(c, out);
	close_files(c, NULL, false);
	free(c->slots);
	free(c->ring);
	free_filter(c);
	free(c);
}
