/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fwd/capture.h - packet capture to a pcap file at a pipeline stage (rx,
 * fw, tx, drop), with an optional pcap filter and record limit.
 *
 * Workers copy matching frames into their own bounded SPSC ring and
 * never wait: a full ring is a counted overflow. A writer thread
 * ("capture") drains the rings round robin into the file with
 * pcap_dump(), and for drop-stage records adds a line to the sidecar
 * "<file>.drops" naming the drop reason.
 *
 * Concurrency: the control thread starts and stops a capture and
 * publishes the handle to workers itself (RCU pointer). Worker i is the
 * only producer of ring i and the only writer of its counters; the
 * writer thread is the only consumer of every ring and the only writer
 * of the files. Cost on the packet path without a capture: the NULL
 * test in hf_capture_wants().
 */
#ifndef HF_FWD_CAPTURE_H
#define HF_FWD_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum hf_cap_stage {
	HF_CAP_RX,
	HF_CAP_FW,
	HF_CAP_TX,
	HF_CAP_DROP,	/* records carry the drop reason (sidecar) */
	HF_CAP_STAGES
};

#define HF_CAP_SNAPLEN_DEFAULT	2048u
#define HF_CAP_SNAPLEN_MAX	262144u	/* libpcap's MAXIMUM_SNAPLEN */
#define HF_CAP_SLOTS_DEFAULT	1024u
#define HF_CAP_SLOTS_MAX	(1u << 20)

struct hf_capture_req {
	uint32_t stages;	/* bit mask of 1u << enum hf_cap_stage, non-zero */
	const char *filter;	/* pcap expression, NULL or "" = everything */
	uint64_t count;		/* stop after this many records written, 0 = no limit */
	const char *file;	/* pcap file to (over)write */
	uint32_t snaplen;	/* bytes kept per frame, 0 = default 2048 */
	uint32_t ring_slots;	/* per-worker queue depth, 0 = default 1024, power of two */
	uint32_t nworkers;	/* producers: worker ids 0..nworkers-1 */
};

/*
 * Opaque. It begins with this head so that hf_capture_wants() can be
 * inline: @active is the stage mask still captured, cleared by the
 * writer thread when the capture finishes.
 */
struct hf_capture;
struct hf_capture_head {
	uint32_t active;
};

struct hf_capture_stats {
	uint64_t matched;	/* passed stage and filter, offered to a ring */
	uint64_t written;	/* records in the file */
	uint64_t overflow;	/* matched but the worker's ring was full */
	uint64_t filtered_out;	/* rejected by the filter */
	bool finished;		/* count reached or write error: no more records */
	int error;		/* 0, or -errno of the first failed file write */
};

/**
 * hf_capture_start() - compile the filter, create the file (and the
 * sidecar if the drop stage is captured), allocate the rings and start
 * the writer thread. Runs on a control thread.
 * @out: the new capture; publish it to the workers yourself.
 * @req: what to capture; the strings need not outlive the call.
 * @reason_name: drop reason -> name for the sidecar, called on the
 *	writer thread (must be thread-safe); NULL, or a NULL result,
 *	writes the number.
 * Return: 0 or -errno with a message naming the offending value in @err
 * (e.g. "filter 'udp prot 53': syntax error"). On failure no file is
 * left behind.
 */
int hf_capture_start(struct hf_capture **out, const struct hf_capture_req *req,
		     const char *(*reason_name)(uint16_t reason),
		     char *err, size_t errlen);

/**
 * hf_capture_wants() - fast-path test: does capture @c (may be NULL)
 * want stage @s and has it not finished? One relaxed load.
 */
static inline bool hf_capture_wants(const struct hf_capture *c,
				    enum hf_cap_stage s)
{
	const struct hf_capture_head *h = (const void *)c;

	/* relaxed: a worker may copy a few frames after the writer
	 * finished; the writer discards them */
	return c && (__atomic_load_n(&h->active, __ATOMIC_RELAXED) & (1u << s));
}

/**
 * hf_capture_packet() - called by worker @worker, the only producer of
 * its ring: filter the frame, copy min(@len, snaplen) bytes and the
 * metadata into the ring, or count an overflow if it is full. Never
 * blocks, allocates or logs. Frames of a stage not wanted are ignored.
 * @ts_ns: CLOCK_MONOTONIC nanoseconds (hf_now_ns()).
 * @reason: drop reason, meaningful for HF_CAP_DROP only.
 */
void hf_capture_packet(struct hf_capture *c, uint32_t worker,
		       enum hf_cap_stage s, uint16_t port, const void *frame,
		       uint32_t len, uint16_t reason, uint64_t ts_ns);

/** hf_capture_stats() - live statistics, callable from any thread. */
void hf_capture_stats(const struct hf_capture *c, struct hf_capture_stats *out);

/**
 * hf_capture_stop() - drain every ring to the file, flush and close the
 * files, join the writer, fill *@out if non-NULL and free @c (NULL is a
 * no-op). The caller guarantees that no thread calls
 * hf_capture_packet() on @c any more (an RCU grace period after
 * unpublishing it).
 */
void hf_capture_stop(struct hf_capture *c, struct hf_capture_stats *out);

/** hf_cap_stage_name() - "rx", "fw", "tx", "drop" ("?" if out of range). */
const char *hf_cap_stage_name(enum hf_cap_stage s);

/** hf_cap_stage_parse() - "rx" -> HF_CAP_RX etc., -1 if unknown. */
int hf_cap_stage_parse(const char *s);

#endif /* HF_FWD_CAPTURE_H */
