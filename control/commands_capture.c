// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * commands_capture.c - control commands for packet capture (see
 * control/cmd_args.h and fwd/capture.h): capture start, capture stop,
 * capture status (also "show capture").
 *
 * Words with spaces: a control request is split on spaces, so hafwctl
 * sends the values of --filter and --file %-encoded ("%20" for a space,
 * "%25" for '%': every byte below '!' or equal to '%' or 0x7f), one word
 * each. The server decodes them. A client that writes the request by
 * hand may instead leave a filter in plain words: everything after
 * --filter up to the next word starting with "--" is the expression,
 * joined by single spaces (pcap filters do not depend on the amount of
 * white space).
 *
 * mprelay owns the capture: the lifecycle is in fwd/dataplane.c
 * (hf_dp_capture_start/stop), and stopping waits for a grace period, so
 * these handlers go RCU-offline around it.
 */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/rcu.h"
#include "common/time.h"
#include "control/buf.h"
#include "control/cmd_args.h"
#include "control/textparse.h"
#include "fwd/capture.h"
#include "fwd/dataplane.h"

#define ALL_STAGES	((1u << HF_CAP_STAGES) - 1)
#define USAGE \
	"usage: capture start --stage rx|fw|tx|drop|all[,...] [--filter EXPR] [--count N] [--snaplen N] --file F.pcap"

struct start_args {
	uint32_t stages;
	bool has_filter, has_count, has_snaplen, has_file;
	uint64_t count;
	uint32_t snaplen;
	char filter[HF_DP_CAP_FILTER_MAX];
	char file[PATH_MAX];
};

/*
 * Append the %-decoded @word to @out (@used bytes so far, @cap in all).
 * -EINVAL for a bad escape or a NUL byte, -ENAMETOOLONG if it does not
 * fit.
 */
static int decode_append(const char *word, char *out, size_t *used,
			 size_t cap)
{
	const char *p;
	int hi, lo;
	char c;

	for (p = word; *p; p++) {
		c = *p;
		if (c == '%') {
			hi = hf_hexval(p[1]);
			lo = hi < 0 ? -1 : hf_hexval(p[2]);
			if (lo < 0 || (hi == 0 && lo == 0))
				return -EINVAL;
			c = (char)(hi << 4 | lo);
			p += 2;
		}
		if (*used + 1 >= cap)
			return -ENAMETOOLONG;
		out[(*used)++] = c;
	}
	out[*used] = '\0';
	return 0;
}

/* "rx,fw" or "all" into @stages. */
static int parse_stages(struct hf_cmd_args *a, const char *list,
			uint32_t *stages)
{
	char buf[64], *save = NULL, *tok;
	int s;

	if (!list[0] || strlen(list) >= sizeof(buf))
		return hf_cmd_err(a, -EINVAL,
				  "stage '%s': use rx, fw, tx, drop or all, several separated by commas",
				  list);
	strcpy(buf, list);
	for (tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (!strcmp(tok, "all")) {
			*stages |= ALL_STAGES;
			continue;
		}
		s = hf_cap_stage_parse(tok);
		if (s < 0)
			return hf_cmd_err(a, -EINVAL,
					  "unknown stage '%s' (rx, fw, tx, drop or all)",
					  tok);
		*stages |= 1u << s;
	}
	if (!*stages)
		return hf_cmd_err(a, -EINVAL,
				  "stage '%s': use rx, fw, tx, drop or all", list);
	return 0;
}

/* Strict decimal in [1, UINT64_MAX]. */
static int parse_count(const char *s, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (!isdigit((unsigned char)s[0]))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || !v)
		return -EINVAL;
	*out = v;
	return 0;
}

static bool is_option(const char *w)
{
	return w[0] == '-' && w[1] == '-';
}

/* The words of --filter from a->argv[*i] on; *i ends on the last one. */
static int take_filter(struct hf_cmd_args *a, int *i, struct start_args *sa)
{
	size_t used = 0;
	int rc = 0;

	if (sa->has_filter)
		return hf_cmd_err(a, -EINVAL, "--filter given twice");
	sa->has_filter = true;
	sa->filter[0] = '\0';
	while (*i + 1 < a->argc && !is_option(a->argv[*i + 1])) {
		++*i;
		if (used && used + 1 < sizeof(sa->filter))
			sa->filter[used++] = ' ';
		rc = decode_append(a->argv[*i], sa->filter, &used,
				   sizeof(sa->filter));
		if (rc == -EINVAL)
			return hf_cmd_err(a, rc,
					  "--filter: bad %%-escape or NUL byte in '%s'",
					  a->argv[*i]);
		if (rc)
			return hf_cmd_err(a, rc,
					  "--filter: expression longer than %d bytes",
					  HF_DP_CAP_FILTER_MAX - 1);
	}
	if (!used)
		return hf_cmd_err(a, -EINVAL,
				  "--filter needs a pcap expression (e.g. --filter 'udp port 53')");
	return 0;
}

static int parse_start(struct hf_cmd_args *a, struct start_args *sa)
{
	const char *opt, *val;
	size_t used;
	int i, rc;

	memset(sa, 0, sizeof(*sa));
	for (i = 0; i < a->argc; i++) {
		opt = a->argv[i];
		if (!strcmp(opt, "--filter")) {
			rc = take_filter(a, &i, sa);
			if (rc)
				return rc;
			continue;
		}
		if (strcmp(opt, "--stage") && strcmp(opt, "--count") &&
		    strcmp(opt, "--snaplen") && strcmp(opt, "--file"))
			return hf_cmd_err(a, -EINVAL,
					  "unknown word '%s' (--stage, --filter, --count, --snaplen, --file); " USAGE,
					  opt);
		if (i + 1 >= a->argc || is_option(a->argv[i + 1]))
			return hf_cmd_err(a, -EINVAL, "%s needs a value", opt);
		val = a->argv[++i];
		if (!strcmp(opt, "--stage")) {
			rc = parse_stages(a, val, &sa->stages);
			if (rc)
				return rc;
		} else if (!strcmp(opt, "--count")) {
			if (sa->has_count)
				return hf_cmd_err(a, -EINVAL, "--count given twice");
			sa->has_count = true;
			if (parse_count(val, &sa->count))
				return hf_cmd_err(a, -EINVAL,
						  "count '%s': want a number of packets from 1 to %llu (no --count: no limit)",
						  val, (unsigned long long)UINT64_MAX);
		} else if (!strcmp(opt, "--snaplen")) {
			if (sa->has_snaplen)
				return hf_cmd_err(a, -EINVAL, "--snaplen given twice");
			sa->has_snaplen = true;
			if (hf_parse_u32(val, 1, HF_CAP_SNAPLEN_MAX,
					 &sa->snaplen))
				return hf_cmd_err(a, -EINVAL,
						  "snaplen '%s': want bytes per packet from 1 to %u",
						  val, HF_CAP_SNAPLEN_MAX);
		} else {
			if (sa->has_file)
				return hf_cmd_err(a, -EINVAL, "--file given twice");
			sa->has_file = true;
			used = 0;
			rc = decode_append(val, sa->file, &used,
					   sizeof(sa->file));
			if (rc)
				return hf_cmd_err(a, rc,
						  "--file '%s': bad %%-escape, NUL byte or too long",
						  val);
			if (sa->file[0] != '/')
				return hf_cmd_err(a, -EINVAL,
						  "capture file '%s' must be an absolute path (hafwctl makes it one)",
						  sa->file);
		}
	}
	if (!sa->stages)
		return hf_cmd_err(a, -EINVAL,
				  "missing --stage (rx, fw, tx, drop or all; several separated by commas); " USAGE);
	if (!sa->has_file)
		return hf_cmd_err(a, -EINVAL, "missing --file F.pcap; " USAGE);
	return 0;
}

/* A capture that finished by itself but was not reaped yet. */
/* Why the running capture ended by itself, or NULL (none, or running). */
static const char *finished_by_itself(struct hf_dataplane *dp)
{
	struct hf_capture_stats st;

	if (!dp->cap.running)
		return NULL;
	hf_capture_stats(rcu_dereference(dp->capture), &st);
	return hf_capture_end_reason(&st);
}

/* Stop the running capture, RCU-offline for the grace period. */
static void stop_offline(struct hf_dataplane *dp, const char *why)
{
	hf_rcu_offline();
	hf_dp_capture_stop(dp, why);
	hf_rcu_online();
}

static void json_stages(struct hf_buf *out, uint32_t stages)
{
	bool first = true;
	int s;

	hf_buf_printf(out, "[");
	for (s = 0; s < HF_CAP_STAGES; s++)
		if (stages & (1u << s)) {
			hf_buf_printf(out, "%s\"%s\"", first ? "" : ",",
				      hf_cap_stage_name((enum hf_cap_stage)s));
			first = false;
		}
	hf_buf_printf(out, "]");
}

static bool has_drops_file(const struct hf_dp_capture *cap)
{
	return cap->stages & (1u << HF_CAP_DROP);
}

/* "file":..., "drops_file":... (null without the drop stage) */
static void json_files(struct hf_buf *out, const struct hf_dp_capture *cap)
{
	char drops[PATH_MAX + 8];

	hf_buf_printf(out, "\"file\":");
	hf_buf_json_str(out, cap->file);
	hf_buf_printf(out, ",\"drops_file\":");
	if (has_drops_file(cap)) {
		snprintf(drops, sizeof(drops), "%s.drops", cap->file);
		hf_buf_json_str(out, drops);
	} else {
		hf_buf_printf(out, "null");
	}
}

static void json_stats(struct hf_buf *out, const struct hf_capture_stats *st)
{
	hf_buf_printf(out,
		      "\"written\":%lu,\"matched\":%lu,\"overflow\":%lu,\"filtered_out\":%lu,\"finished\":%s,\"error\":",
		      (unsigned long)st->written, (unsigned long)st->matched,
		      (unsigned long)st->overflow,
		      (unsigned long)st->filtered_out,
		      st->finished ? "true" : "false");
	if (st->error)
		hf_buf_json_str(out, strerror(-st->error));
	else
		hf_buf_printf(out, "null");
}

static void text_stats(struct hf_buf *out, const struct hf_capture_stats *st)
{
	hf_buf_printf(out,
		      "%lu written, %lu matched, %lu overflow, %lu filtered out",
		      (unsigned long)st->written, (unsigned long)st->matched,
		      (unsigned long)st->overflow,
		      (unsigned long)st->filtered_out);
	if (st->error)
		hf_buf_printf(out, "; write error: %s", strerror(-st->error));
}

int hf_cmd_capture_start(struct hf_cmd_args *a)
{
	struct hf_dataplane *dp = a->dp;
	const struct hf_dp_capture *cap = &dp->cap;
	struct hf_capture_req req;
	struct start_args sa;
	const char *why;
	char stages[32];
	int rc;

	if (a->argc == 0)
		return hf_cmd_err(a, -EINVAL, USAGE);
	rc = parse_start(a, &sa);
	if (rc)
		return rc;
	/* a capture that ended by itself (count, write error) is not in the
	 * way, even before mprelay's tick has closed it */
	why = finished_by_itself(dp);
	if (why)
		stop_offline(dp, why);
	memset(&req, 0, sizeof(req));
	req.stages = sa.stages;
	req.filter = sa.has_filter ? sa.filter : NULL;
	req.count = sa.count;
	req.file = sa.file;
	req.snaplen = sa.snaplen;
	rc = hf_dp_capture_start(dp, &req, a->err, a->errlen);
	if (rc)
		return rc;
	if (a->json) {
		hf_buf_printf(a->out, "{");
		json_files(a->out, cap);
		hf_buf_printf(a->out, ",\"stages\":");
		json_stages(a->out, cap->stages);
		hf_buf_printf(a->out, "}\n");
		return 0;
	}
	hf_buf_printf(a->out, "capturing %s to %s",
		      hf_cap_stages_fmt(cap->stages, stages, sizeof(stages)),
		      cap->file);
	if (has_drops_file(cap))
		hf_buf_printf(a->out, " (drop reasons in %s.drops)", cap->file);
	if (cap->filter[0])
		hf_buf_printf(a->out, ", filter '%s'", cap->filter);
	if (cap->count)
		hf_buf_printf(a->out, ", stopping after %lu packets",
			      (unsigned long)cap->count);
	hf_buf_printf(a->out, "\n");
	return 0;
}

int hf_cmd_capture_stop(struct hf_cmd_args *a)
{
	struct hf_dataplane *dp = a->dp;
	const struct hf_dp_capture *cap = &dp->cap;
	const char *why;

	if (a->argc)
		return hf_cmd_err(a, -EINVAL, "usage: capture stop");
	if (!cap->running) {
		if (cap->ran)
			return hf_cmd_err(a, -ENOENT,
					  "no capture is running (the last one, to %s, ended: %s)",
					  cap->file, cap->ended);
		return hf_cmd_err(a, -ENOENT, "no capture is running");
	}
	why = finished_by_itself(dp);
	stop_offline(dp, why ? why : "stopped");
	if (a->json) {
		hf_buf_printf(a->out, "{");
		json_files(a->out, cap);
		hf_buf_printf(a->out, ",\"ended\":");
		hf_buf_json_str(a->out, cap->ended);
		hf_buf_printf(a->out, ",");
		json_stats(a->out, &cap->stats);
		hf_buf_printf(a->out, "}\n");
		return 0;
	}
	if (!strcmp(cap->ended, "stopped"))
		hf_buf_printf(a->out, "capture to %s stopped: ", cap->file);
	else
		hf_buf_printf(a->out, "capture to %s ended (%s): ", cap->file,
			      cap->ended);
	text_stats(a->out, &cap->stats);
	hf_buf_printf(a->out, "\n");
	return 0;
}

int hf_cmd_capture_status(struct hf_cmd_args *a)
{
	const struct hf_dp_capture *cap = &a->dp->cap;
	struct hf_capture_stats live;
	const struct hf_capture_stats *st = &cap->stats;
	uint64_t end = cap->running ? hf_now_ns() : cap->ended_ns;
	double secs = (double)(end - cap->started_ns) / (double)HF_NSEC_PER_SEC;
	char stages[32], when[32];
	struct tm tm;
	time_t t;

	if (a->argc)
		return hf_cmd_err(a, -EINVAL, "usage: capture status [--json]");
	if (!cap->ran) {
		hf_buf_printf(a->out, a->json ? "{\"capture\":null}\n"
					      : "no capture has run\n");
		return 0;
	}
	if (cap->running) {
		hf_capture_stats(rcu_dereference(a->dp->capture), &live);
		st = &live;
	}
	t = (time_t)cap->started;
	if (!localtime_r(&t, &tm) ||
	    !strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm))
		snprintf(when, sizeof(when), "%ld", (long)cap->started);
	if (a->json) {
		hf_buf_printf(a->out, "{\"capture\":{\"running\":%s,",
			      cap->running ? "true" : "false");
		json_files(a->out, cap);
		hf_buf_printf(a->out, ",\"stages\":");
		json_stages(a->out, cap->stages);
		hf_buf_printf(a->out, ",\"filter\":");
		hf_buf_json_str(a->out, cap->filter);
		hf_buf_printf(a->out,
			      ",\"count\":%lu,\"snaplen\":%u,\"started\":%ld,\"seconds\":%.3f,\"ended\":",
			      (unsigned long)cap->count, cap->snaplen,
			      (long)cap->started, secs);
		if (cap->ended)
			hf_buf_json_str(a->out, cap->ended);
		else
			hf_buf_printf(a->out, "null");
		hf_buf_printf(a->out, ",");
		json_stats(a->out, st);
		hf_buf_printf(a->out, "}}\n");
		return 0;
	}
	if (cap->running)
		hf_buf_printf(a->out, "capture running since %s (%.1f s)%s\n",
			      when, secs,
			      st->finished ? ", finished: closing" : "");
	else
		hf_buf_printf(a->out, "last capture: started %s, ended (%s) after %.1f s\n",
			      when, cap->ended, secs);
	hf_buf_printf(a->out, "  file     %s\n", cap->file);
	if (has_drops_file(cap))
		hf_buf_printf(a->out, "  drops    %s.drops\n", cap->file);
	hf_buf_printf(a->out, "  stages   %s\n",
		      hf_cap_stages_fmt(cap->stages, stages, sizeof(stages)));
	hf_buf_printf(a->out, "  filter   %s\n",
		      cap->filter[0] ? cap->filter : "(none)");
	if (cap->count)
		hf_buf_printf(a->out, "  count    %lu\n",
			      (unsigned long)cap->count);
	else
		hf_buf_printf(a->out, "  count    no limit\n");
	hf_buf_printf(a->out, "  snaplen  %u\n  ", cap->snaplen);
	text_stats(a->out, st);
	hf_buf_printf(a->out, "\n");
	return 0;
}
