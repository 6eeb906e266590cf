// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_commands_capture.c - control/commands_capture.c: `capture start`,
 * `capture stop`, `capture status` and `show capture` through
 * hf_cmd_exec() on a dataplane without workers or sockets (dp_fixture.h).
 * The capture is real (fwd/capture.c with its writer thread); the test
 * thread plays worker 0 and feeds it frames with hf_capture_packet().
 *
 * Every argument error is checked with its exact message and code, and
 * leaves nothing published and no file behind. Replies are compared
 * whole; the only masked parts are the elapsed seconds of a status and
 * its start time, which is rebuilt from dp->cap.started. Files are
 * written only in a mkdtemp() directory, removed at teardown.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/rcu.h"
#include "common/time.h"
#include "control/buf.h"
#include "control/commands.h"
#include "control/config.h"
#include "fwd/capture.h"
#include "fwd/dataplane.h"

#include "cmd_fixture.h"
#include "dp_fixture.h"

#define WAIT_MS		10000	/* bound of a wait on the writer thread */
#define FRAME_LEN	60
#define USAGE \
	"usage: capture start --stage rx|fw|tx|drop|all[,...] [--filter EXPR] [--count N] [--snaplen N] --file F.pcap"

struct fx {
	struct hf_config cfg;
	struct hf_dataplane dp;
	struct hf_buf out;
	char err[512];
	char dir[64];		/* mkdtemp() */
};

static int fx_setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/hf-cmdcap-XXXXXX");
	if (!mkdtemp(f->dir)) {
		free(f);
		return -1;
	}
	if (fixture_dp_init(&f->cfg, &f->dp, 64, 16, f->err,
			    sizeof(f->err))) {
		rmdir(f->dir);
		free(f);
		return -1;
	}
	/* a capture has one ring per worker: pretend there is one (the
	 * test thread is its producer); no command here reads workers */
	f->dp.nworkers = 1;
	hf_buf_init(&f->out);
	*state = f;
	return 0;
}

/* Remove every file in @dir, then @dir; -1 if any of it fails. */
static int remove_dir(const char *dir)
{
	char path[PATH_MAX];
	struct dirent *de;
	int rc = 0;
	DIR *d = opendir(dir);

	if (!d)
		return -1;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (unlink(path))
			rc = -1;
	}
	closedir(d);
	if (rmdir(dir))
		rc = -1;
	return rc;
}

static int fx_teardown(void **state)
{
	struct fx *f = *state;
	int rc;

	fixture_dp_fini(&f->dp);	/* stops a capture left running */
	rc = remove_dir(f->dir);
	hf_buf_free(&f->out);
	free(f);
	return rc;
}

/* Run @line (words split on spaces); reply in f->out.data, "" if none. */
static int run(struct fx *f, const char *line)
{
	return fixture_cmd(&f->dp, &f->out, f->err, sizeof(f->err), line);
}

static void run_ok(struct fx *f, const char *line)
{
	int rc = run(f, line);

	if (rc)
		fail_msg("'%s' failed: %d (%s)", line, rc, f->err);
}

/* @line fails with exactly @want_rc and exactly the message @want_err. */
static void run_fails(struct fx *f, const char *line, int want_rc,
		      const char *want_err)
{
	int rc = run(f, line);

	if (rc != want_rc)
		fail_msg("'%s': rc %d, want %d (err '%s')", line, rc, want_rc,
			 f->err);
	if (strcmp(f->err, want_err))
		fail_msg("'%s':\n got error '%s'\nwant error '%s'", line,
			 f->err, want_err);
	assert_string_equal(f->out.data, "");
}

/* printf into a static-lifetime buffer the caller owns */
static const char *fmt(char *buf, size_t len, const char *f, ...)
	__attribute__((format(printf, 3, 4)));
static const char *fmt(char *buf, size_t len, const char *f, ...)
{
	va_list ap;
	int n;

	va_start(ap, f);
	n = vsnprintf(buf, len, f, ap);
	va_end(ap);
	assert_true(n >= 0 && (size_t)n < len);
	return buf;
}

static bool starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static bool dir_is_empty(const char *dir)
{
	struct dirent *de;
	bool empty = true;
	DIR *d = opendir(dir);

	assert_non_null(d);
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			empty = false;
	closedir(d);
	return empty;
}

static off_t file_size(const char *path)
{
	struct stat sb;

	if (stat(path, &sb))
		return -1;
	return sb.st_size;
}

static struct hf_capture *published(struct fx *f)
{
	return rcu_dereference(f->dp.capture);
}

/*
 * Copy @s to @out with the number that follows each @key replaced by
 * "#" (elapsed seconds change from run to run).
 */
static void mask_after(const char *s, const char *key, char *out, size_t len)
{
	const char *p;
	size_t n, klen = strlen(key);

	out[0] = '\0';
	while ((p = strstr(s, key))) {
		n = (size_t)(p - s) + klen;
		assert_true(strlen(out) + n + 2 < len);
		strncat(out, s, n);
		strcat(out, "#");
		s = p + klen;
		if (!(*s >= '0' && *s <= '9'))
			fail_msg("no number after '%s' in '%s'", key, p);
		while ((*s >= '0' && *s <= '9') || *s == '.')
			s++;
	}
	assert_true(strlen(out) + strlen(s) < len);
	strcat(out, s);
}

/* The start time as `capture status` prints it. */
static const char *started_text(struct fx *f, char *buf, size_t len)
{
	time_t t = (time_t)f->dp.cap.started;
	struct tm tm;

	assert_non_null(localtime_r(&t, &tm));
	assert_true(strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm) > 0);
	return buf;
}

/* An Ethernet/IPv4/UDP frame to 10.0.0.2:@dport (60 bytes). */
static void build_udp(uint8_t *fr, uint16_t dport)
{
	memset(fr, 0, FRAME_LEN);
	fr[0] = 2; fr[5] = 2;			/* dst 02:00:00:00:00:02 */
	fr[6] = 2; fr[11] = 1;			/* src 02:00:00:00:00:01 */
	fr[12] = 0x08;				/* IPv4 */
	fr[14] = 0x45;
	fr[17] = 28;				/* total length */
	fr[22] = 64;				/* TTL */
	fr[23] = 17;				/* UDP */
	fr[26] = 10; fr[29] = 1;		/* 10.0.0.1 */
	fr[30] = 10; fr[33] = 2;		/* 10.0.0.2 */
	fr[34] = 0x9c; fr[35] = 0x40;		/* sport 40000 */
	fr[36] = (uint8_t)(dport >> 8);
	fr[37] = (uint8_t)dport;
	fr[39] = 8;				/* UDP length */
}

/* Worker 0 offers a UDP frame to @dport at @stage. */
static void feed(struct fx *f, enum hf_cap_stage stage, uint16_t dport)
{
	uint8_t fr[FRAME_LEN];
	struct hf_capture *c = published(f);

	assert_non_null(c);
	build_udp(fr, dport);
	hf_capture_packet(c, 0, stage, 0, fr, FRAME_LEN, 0, hf_now_ns());
}

static bool wait_finished(struct fx *f)
{
	struct hf_capture_stats st;
	struct timespec ts = { 0, 1000000 };
	int i;

	for (i = 0; i < WAIT_MS; i++) {
		hf_capture_stats(published(f), &st);
		if (st.finished)
			return true;
		nanosleep(&ts, NULL);
	}
	return false;
}

/* ---- argument errors ---- */

/* @args (after "capture start") fails with -EINVAL and @want. */
static void start_fails(struct fx *f, const char *args, int want_rc,
			const char *want)
{
	char line[2048];

	run_fails(f, fmt(line, sizeof(line), "capture start %s", args),
		  want_rc, want);
	assert_null(published(f));
	assert_false(f->dp.cap.running);
	assert_false(f->dp.cap.ran);
	assert_true(dir_is_empty(f->dir));
}

static void test_start_argument_errors(void **state)
{
	struct fx *f = *state;
	char file[128], a[2048], w[2048], longstage[80];

	fmt(file, sizeof(file), "%s/e.pcap", f->dir);
	run_fails(f, "capture start", -EINVAL, USAGE);

	/* stages */
	start_fails(f, fmt(a, sizeof(a), "--stage rx,bogus --file %s", file),
		    -EINVAL, "unknown stage 'bogus' (rx, fw, tx, drop or all)");
	start_fails(f, fmt(a, sizeof(a), "--stage RX --file %s", file),
		    -EINVAL, "unknown stage 'RX' (rx, fw, tx, drop or all)");
	start_fails(f, fmt(a, sizeof(a), "--stage , --file %s", file),
		    -EINVAL, "stage ',': use rx, fw, tx, drop or all");
	memset(longstage, 0, sizeof(longstage));
	memset(longstage, 'r', 64);
	start_fails(f, fmt(a, sizeof(a), "--stage %s --file %s", longstage,
			   file), -EINVAL,
		    fmt(w, sizeof(w),
			"stage '%s': use rx, fw, tx, drop or all, several separated by commas",
			longstage));

	/* count */
	start_fails(f, fmt(a, sizeof(a), "--stage rx --count 0 --file %s", file),
		    -EINVAL,
		    "count '0': want a number of packets from 1 to 18446744073709551615 (no --count: no limit)");
	start_fails(f, fmt(a, sizeof(a), "--stage rx --count many --file %s",
			   file), -EINVAL,
		    "count 'many': want a number of packets from 1 to 18446744073709551615 (no --count: no limit)");
	start_fails(f, fmt(a, sizeof(a), "--stage rx --count +5 --file %s",
			   file), -EINVAL,
		    "count '+5': want a number of packets from 1 to 18446744073709551615 (no --count: no limit)");
	start_fails(f, fmt(a, sizeof(a), "--stage rx --count 5x --file %s",
			   file), -EINVAL,
		    "count '5x': want a number of packets from 1 to 18446744073709551615 (no --count: no limit)");
	start_fails(f, fmt(a, sizeof(a),
			   "--stage rx --count 18446744073709551616 --file %s",
			   file), -EINVAL,
		    "count '18446744073709551616': want a number of packets from 1 to 18446744073709551615 (no --count: no limit)");
	start_fails(f, fmt(a, sizeof(a),
			   "--stage rx --count 1 --count 2 --file %s", file),
		    -EINVAL, "--count given twice");

	/* snaplen */
	start_fails(f, fmt(a, sizeof(a), "--stage rx --snaplen 0 --file %s",
			   file), -EINVAL,
		    "snaplen '0': want bytes per packet from 1 to 262144");
	start_fails(f, fmt(a, sizeof(a), "--stage rx --snaplen 262145 --file %s",
			   file), -EINVAL,
		    "snaplen '262145': want bytes per packet from 1 to 262144");
	start_fails(f, fmt(a, sizeof(a), "--stage rx --snaplen big --file %s",
			   file), -EINVAL,
		    "snaplen 'big': want bytes per packet from 1 to 262144");
	start_fails(f, fmt(a, sizeof(a),
			   "--stage rx --snaplen 64 --snaplen 64 --file %s",
			   file), -EINVAL, "--snaplen given twice");

	/* unknown words, missing values and options */
	start_fails(f, fmt(a, sizeof(a), "--stage rx --bogus --file %s", file),
		    -EINVAL,
		    "unknown word '--bogus' (--stage, --filter, --count, --snaplen, --file); " USAGE);
	start_fails(f, fmt(a, sizeof(a), "--stage rx stray --file %s", file),
		    -EINVAL,
		    "unknown word 'stray' (--stage, --filter, --count, --snaplen, --file); " USAGE);
	start_fails(f, fmt(a, sizeof(a), "--stage --file %s", file), -EINVAL,
		    "--stage needs a value");
	start_fails(f, fmt(a, sizeof(a), "--file %s --stage", file), -EINVAL,
		    "--stage needs a value");
	start_fails(f, "--stage rx --file", -EINVAL, "--file needs a value");
	start_fails(f, fmt(a, sizeof(a), "--stage rx --count --file %s", file),
		    -EINVAL, "--count needs a value");
	start_fails(f, fmt(a, sizeof(a), "--file %s", file), -EINVAL,
		    "missing --stage (rx, fw, tx, drop or all; several separated by commas); " USAGE);
	start_fails(f, "--stage rx", -EINVAL, "missing --file F.pcap; " USAGE);
	start_fails(f, fmt(a, sizeof(a), "--stage rx --file %s --file %s",
			   file, file), -EINVAL, "--file given twice");

	/* filter words */
	start_fails(f, fmt(a, sizeof(a), "--stage rx --filter --file %s", file),
		    -EINVAL,
		    "--filter needs a pcap expression (e.g. --filter 'udp port 53')");
	start_fails(f, "--stage rx --file /x.pcap --filter", -EINVAL,
		    "--filter needs a pcap expression (e.g. --filter 'udp port 53')");
	start_fails(f, fmt(a, sizeof(a),
			   "--stage rx --filter udp --filter tcp --file %s",
			   file), -EINVAL, "--filter given twice");
	start_fails(f, fmt(a, sizeof(a), "--stage rx --filter udp%%2 --file %s",
			   file), -EINVAL,
		    "--filter: bad %-escape or NUL byte in 'udp%2'");
	start_fails(f, fmt(a, sizeof(a), "--stage rx --filter udp%%zz --file %s",
			   file), -EINVAL,
		    "--filter: bad %-escape or NUL byte in 'udp%zz'");
	start_fails(f, fmt(a, sizeof(a), "--stage rx --filter udp%%00 --file %s",
			   file), -EINVAL,
		    "--filter: bad %-escape or NUL byte in 'udp%00'");

	/* file words */
	start_fails(f, "--stage rx --file rel.pcap", -EINVAL,
		    "capture file 'rel.pcap' must be an absolute path (hafwctl makes it one)");
	start_fails(f, "--stage rx --file %2Fx%", -EINVAL,
		    "--file '%2Fx%': bad %-escape, NUL byte or too long");
	start_fails(f, "--stage rx --file /a%00b", -EINVAL,
		    "--file '/a%00b': bad %-escape, NUL byte or too long");
}

static void test_filter_too_long(void **state)
{
	struct fx *f = *state;
	char *word = malloc(HF_DP_CAP_FILTER_MAX + 1), line[2048 + 128];

	assert_non_null(word);
	/* one word of 1024 bytes: one more than fits */
	memset(word, 0, HF_DP_CAP_FILTER_MAX + 1);
	memset(word, 'x', HF_DP_CAP_FILTER_MAX);
	start_fails(f, fmt(line, sizeof(line), "--stage rx --filter %s --file %s/l.pcap",
			   word, f->dir), -ENAMETOOLONG,
		    "--filter: expression longer than 1023 bytes");
	/* two words joined by a space overflow the same way */
	word[600] = ' ';
	start_fails(f, fmt(line, sizeof(line), "--stage rx --filter %s --file %s/l.pcap",
			   word, f->dir), -ENAMETOOLONG,
		    "--filter: expression longer than 1023 bytes");
	free(word);
}

static void test_start_refused_by_capture(void **state)
{
	struct fx *f = *state;
	char a[512], w[512], sub[256];

	/* the filter text is quoted, the pcap error follows */
	fmt(a, sizeof(a),
	    "capture start --stage rx --filter udp prot 53 --file %s/e.pcap",
	    f->dir);
	assert_int_equal(run(f, a), -EINVAL);
	if (strncmp(f->err, "filter 'udp prot 53': ", 22) ||
	    !strstr(f->err, "syntax error"))
		fail_msg("error '%s'", f->err);
	/* the same, %-encoded as hafwctl sends it */
	fmt(a, sizeof(a),
	    "capture start --stage rx --filter udp%%20prot%%2053 --file %s/e.pcap",
	    f->dir);
	assert_int_equal(run(f, a), -EINVAL);
	assert_int_equal(strncmp(f->err, "filter 'udp prot 53': ", 22), 0);
	assert_null(published(f));
	assert_true(dir_is_empty(f->dir));

	/* a directory that does not exist; a directory as the file */
	fmt(sub, sizeof(sub), "%s/no/such/x.pcap", f->dir);
	start_fails(f, fmt(a, sizeof(a), "--stage rx --file %s", sub), -ENOENT,
		    fmt(w, sizeof(w),
			"cannot write '%s': No such file or directory", sub));
	start_fails(f, fmt(a, sizeof(a), "--stage rx --file %s", f->dir),
		    -EISDIR,
		    fmt(w, sizeof(w), "cannot write '%s': Is a directory",
			f->dir));
	/* the drop stage's sidecar cannot be written: no pcap left either */
	fmt(sub, sizeof(sub), "%s/d.pcap.drops", f->dir);
	assert_int_equal(mkdir(sub, 0700), 0);
	fmt(a, sizeof(a), "capture start --stage drop --file %s/d.pcap", f->dir);
	run_fails(f, a, -EISDIR,
		  fmt(w, sizeof(w), "cannot write '%s': Is a directory", sub));
	assert_null(published(f));
	assert_int_equal(file_size(fmt(w, sizeof(w), "%s/d.pcap", f->dir)), -1);
	assert_int_equal(rmdir(sub), 0);
	assert_true(dir_is_empty(f->dir));
}

/* ---- nothing has run ---- */

static void test_idle(void **state)
{
	struct fx *f = *state;

	run_ok(f, "capture status");
	assert_string_equal(f->out.data, "no capture has run\n");
	run_ok(f, "capture status --json");
	assert_string_equal(f->out.data, "{\"capture\":null}\n");
	run_ok(f, "show capture");
	assert_string_equal(f->out.data, "no capture has run\n");
	run_ok(f, "--json show capture");
	assert_string_equal(f->out.data, "{\"capture\":null}\n");
	run_fails(f, "capture stop", -ENOENT, "no capture is running");
	run_fails(f, "capture stop now", -EINVAL, "usage: capture stop");
	run_fails(f, "capture status all", -EINVAL,
		  "usage: capture status [--json]");
	run_fails(f, "show capture x", -EINVAL,
		  "usage: capture status [--json]");
	assert_false(f->dp.cap.ran);
}

/* ---- the whole life of a capture ---- */

static void test_lifecycle(void **state)
{
	struct fx *f = *state;
	char file[128], file2[128], line[512], want[2048], got[2048];
	char when[32];
	struct hf_capture *c;

	fmt(file, sizeof(file), "%s/life.pcap", f->dir);
	fmt(file2, sizeof(file2), "%s/second.pcap", f->dir);

	run_ok(f, fmt(line, sizeof(line),
		      "capture start --stage rx --filter udp port 53 --file %s",
		      file));
	assert_string_equal(f->out.data,
			    fmt(want, sizeof(want),
				"capturing rx to %s, filter 'udp port 53'\n",
				file));
	c = published(f);
	assert_non_null(c);
	assert_true(f->dp.cap.running);
	assert_true(f->dp.cap.ran);
	assert_int_equal(f->dp.cap.stages, 1u << HF_CAP_RX);
	assert_string_equal(f->dp.cap.filter, "udp port 53");
	assert_int_equal(f->dp.cap.snaplen, HF_CAP_SNAPLEN_DEFAULT);
	assert_true(file_size(file) >= 0);	/* created (header buffered) */

	/* status, text */
	run_ok(f, "capture status");
	mask_after(f->out.data, " (", got, sizeof(got));
	started_text(f, when, sizeof(when));
	assert_string_equal(got,
			    fmt(want, sizeof(want),
				"capture running since %s (# s)\n"
				"  file     %s\n"
				"  stages   rx\n"
				"  filter   udp port 53\n"
				"  count    no limit\n"
				"  snaplen  2048\n"
				"  0 written, 0 matched, 0 overflow, 0 filtered out\n",
				when, file));
	/* status, JSON; show capture is the same command */
	run_ok(f, "capture status --json");
	mask_after(f->out.data, "\"seconds\":", got, sizeof(got));
	assert_string_equal(got,
			    fmt(want, sizeof(want),
				"{\"capture\":{\"running\":true,\"file\":\"%s\","
				"\"drops_file\":null,\"stages\":[\"rx\"],"
				"\"filter\":\"udp port 53\",\"count\":0,"
				"\"snaplen\":2048,\"started\":%ld,\"seconds\":#,"
				"\"ended\":null,\"written\":0,\"matched\":0,"
				"\"overflow\":0,\"filtered_out\":0,"
				"\"finished\":false,\"error\":null}}\n",
				file, (long)f->dp.cap.started));
	run_ok(f, "show capture --json");
	mask_after(f->out.data, "\"seconds\":", got, sizeof(got));
	assert_string_equal(got, want);

	/* one capture at a time; the running one is left alone */
	run_fails(f, fmt(line, sizeof(line),
			 "capture start --stage tx --file %s", file2), -EBUSY,
		  fmt(want, sizeof(want),
		      "a capture to '%s' is running: stop it first (capture stop)",
		      file));
	assert_ptr_equal(published(f), c);
	assert_int_equal(f->dp.cap.stages, 1u << HF_CAP_RX);
	assert_int_equal(file_size(file2), -1);

	/* one frame the filter keeps, one it rejects, one of another stage */
	feed(f, HF_CAP_RX, 53);
	feed(f, HF_CAP_RX, 54);
	feed(f, HF_CAP_TX, 53);

	run_ok(f, "capture stop");
	assert_string_equal(f->out.data,
			    fmt(want, sizeof(want),
				"capture to %s stopped: 1 written, 1 matched, 0 overflow, 1 filtered out\n",
				file));
	assert_null(published(f));
	assert_false(f->dp.cap.running);
	assert_true(f->dp.cap.ran);
	assert_string_equal(f->dp.cap.ended, "stopped");
	/* header + one record header + the frame */
	assert_int_equal(file_size(file), 24 + 16 + FRAME_LEN);

	/* status after stop: the ended capture with its final statistics */
	run_ok(f, "capture status");
	mask_after(f->out.data, " after ", got, sizeof(got));
	assert_string_equal(got,
			    fmt(want, sizeof(want),
				"last capture: started %s, ended (stopped) after # s\n"
				"  file     %s\n"
				"  stages   rx\n"
				"  filter   udp port 53\n"
				"  count    no limit\n"
				"  snaplen  2048\n"
				"  1 written, 1 matched, 0 overflow, 1 filtered out\n",
				when, file));
	run_ok(f, "capture status --json");
	mask_after(f->out.data, "\"seconds\":", got, sizeof(got));
	assert_string_equal(got,
			    fmt(want, sizeof(want),
				"{\"capture\":{\"running\":false,\"file\":\"%s\","
				"\"drops_file\":null,\"stages\":[\"rx\"],"
				"\"filter\":\"udp port 53\",\"count\":0,"
				"\"snaplen\":2048,\"started\":%ld,\"seconds\":#,"
				"\"ended\":\"stopped\",\"written\":1,\"matched\":1,"
				"\"overflow\":0,\"filtered_out\":1,"
				"\"finished\":false,\"error\":null}}\n",
				file, (long)f->dp.cap.started));

	/* stop when none runs names the last one */
	run_fails(f, "capture stop", -ENOENT,
		  fmt(want, sizeof(want),
		      "no capture is running (the last one, to %s, ended: stopped)",
		      file));

	/* and a new one may start: the refused file of before */
	run_ok(f, fmt(line, sizeof(line), "capture start --stage tx --file %s",
		      file2));
	assert_string_equal(f->out.data,
			    fmt(want, sizeof(want), "capturing tx to %s\n",
				file2));
	assert_non_null(published(f));
	assert_string_equal(f->dp.cap.filter, "");
	assert_null(f->dp.cap.ended);
	run_ok(f, "capture status");
	assert_non_null(strstr(f->out.data, "  filter   (none)\n"));
	run_ok(f, "capture stop --json");
	assert_string_equal(f->out.data,
			    fmt(want, sizeof(want),
				"{\"file\":\"%s\",\"drops_file\":null,"
				"\"ended\":\"stopped\",\"written\":0,"
				"\"matched\":0,\"overflow\":0,"
				"\"filtered_out\":0,\"finished\":false,"
				"\"error\":null}\n", file2));
	assert_null(published(f));
}

/* All stages, a sidecar, count and snaplen in every reply form. */
static void test_all_options(void **state)
{
	struct fx *f = *state;
	char file[128], line[512], want[2048], got[2048], when[32];

	fmt(file, sizeof(file), "%s/all.pcap", f->dir);
	run_ok(f, fmt(line, sizeof(line),
		      "capture start --stage all --filter udp port 53 --count 3 --snaplen 128 --file %s",
		      file));
	assert_string_equal(f->out.data,
			    fmt(want, sizeof(want),
				"capturing rx,fw,tx,drop to %s (drop reasons in %s.drops), filter 'udp port 53', stopping after 3 packets\n",
				file, file));
	assert_int_equal(f->dp.cap.count, 3);
	assert_int_equal(f->dp.cap.snaplen, 128);
	assert_true(file_size(fmt(line, sizeof(line), "%s.drops", file)) >= 0);

	run_ok(f, "capture status");
	mask_after(f->out.data, " (", got, sizeof(got));
	started_text(f, when, sizeof(when));
	assert_string_equal(got,
			    fmt(want, sizeof(want),
				"capture running since %s (# s)\n"
				"  file     %s\n"
				"  drops    %s.drops\n"
				"  stages   rx,fw,tx,drop\n"
				"  filter   udp port 53\n"
				"  count    3\n"
				"  snaplen  128\n"
				"  0 written, 0 matched, 0 overflow, 0 filtered out\n",
				when, file, file));
	run_ok(f, "capture status --json");
	mask_after(f->out.data, "\"seconds\":", got, sizeof(got));
	assert_string_equal(got,
			    fmt(want, sizeof(want),
				"{\"capture\":{\"running\":true,\"file\":\"%s\","
				"\"drops_file\":\"%s.drops\","
				"\"stages\":[\"rx\",\"fw\",\"tx\",\"drop\"],"
				"\"filter\":\"udp port 53\",\"count\":3,"
				"\"snaplen\":128,\"started\":%ld,\"seconds\":#,"
				"\"ended\":null,\"written\":0,\"matched\":0,"
				"\"overflow\":0,\"filtered_out\":0,"
				"\"finished\":false,\"error\":null}}\n",
				file, file, (long)f->dp.cap.started));
	run_ok(f, "capture stop --json");
	assert_string_equal(f->out.data,
			    fmt(want, sizeof(want),
				"{\"file\":\"%s\",\"drops_file\":\"%s.drops\","
				"\"ended\":\"stopped\",\"written\":0,"
				"\"matched\":0,\"overflow\":0,"
				"\"filtered_out\":0,\"finished\":false,"
				"\"error\":null}\n", file, file));

	/* repeated --stage add up; the JSON start reply */
	run_ok(f, fmt(line, sizeof(line),
		      "capture start --json --stage drop --stage rx,fw --file %s",
		      file));
	assert_string_equal(f->out.data,
			    fmt(want, sizeof(want),
				"{\"file\":\"%s\",\"drops_file\":\"%s.drops\","
				"\"stages\":[\"rx\",\"fw\",\"drop\"]}\n",
				file, file));
	assert_int_equal(f->dp.cap.stages,
			 1u << HF_CAP_RX | 1u << HF_CAP_FW | 1u << HF_CAP_DROP);
	run_ok(f, "capture stop");
	assert_null(published(f));
}

/* ---- words as hafwctl sends them ---- */

static void test_encoded_words(void **state)
{
	struct fx *f = *state;
	char file[128], enc[256], line[512], want[1024];

	/* a file name with a space and a '%': "a b%c.pcap" */
	fmt(file, sizeof(file), "%s/a b%%c.pcap", f->dir);
	fmt(enc, sizeof(enc), "%s/a%%20b%%25c.pcap", f->dir);
	run_ok(f, fmt(line, sizeof(line),
		      "capture start --stage fw --filter udp%%5b2:2%%5d%%20%%25%%202%%20=%%201 --file %s",
		      enc));
	assert_string_equal(f->out.data,
			    fmt(want, sizeof(want),
				"capturing fw to %s, filter 'udp[2:2] %% 2 = 1'\n",
				file));
	assert_string_equal(f->dp.cap.file, file);
	assert_string_equal(f->dp.cap.filter, "udp[2:2] % 2 = 1");
	assert_true(file_size(file) >= 0);
	run_ok(f, "capture status --json");
	assert_non_null(strstr(f->out.data,
			       "\"filter\":\"udp[2:2] % 2 = 1\",\"count\":0,"));
	/* the decoded filter is the one compiled: odd destination ports */
	feed(f, HF_CAP_FW, 53);
	feed(f, HF_CAP_FW, 54);
	run_ok(f, "capture stop");
	assert_string_equal(f->out.data,
			    fmt(want, sizeof(want),
				"capture to %s stopped: 1 written, 1 matched, 0 overflow, 1 filtered out\n",
				file));
	assert_null(published(f));

	/* plain words: joined by single spaces, up to the next option */
	fmt(file, sizeof(file), "%s/plain.pcap", f->dir);
	run_ok(f, fmt(line, sizeof(line),
		      "capture start --filter udp  and   dst port 53 --stage rx --file %s",
		      file));
	assert_string_equal(f->dp.cap.filter, "udp and dst port 53");
	assert_string_equal(f->out.data,
			    fmt(want, sizeof(want),
				"capturing rx to %s, filter 'udp and dst port 53'\n",
				file));
	run_ok(f, "capture stop");

	/* a mix, lower-case escapes, and an encoded absolute file */
	run_ok(f, fmt(line, sizeof(line),
		      "capture start --stage rx --filter udp%%20and dst%%20port 53 --file %%2f%s/mix.pcap",
		      f->dir + 1));
	assert_string_equal(f->dp.cap.filter, "udp and dst port 53");
	assert_string_equal(f->dp.cap.file,
			    fmt(want, sizeof(want), "%s/mix.pcap", f->dir));
	run_ok(f, "capture stop");
}

/* ---- a capture that ends by itself ---- */

static void test_count_reached(void **state)
{
	struct fx *f = *state;
	char file[128], file2[128], line[512], want[1024];

	fmt(file, sizeof(file), "%s/count.pcap", f->dir);
	fmt(file2, sizeof(file2), "%s/next.pcap", f->dir);
	run_ok(f, fmt(line, sizeof(line),
		      "capture start --stage rx --count 1 --file %s", file));
	assert_string_equal(f->out.data,
			    fmt(want, sizeof(want),
				"capturing rx to %s, stopping after 1 packets\n",
				file));
	feed(f, HF_CAP_RX, 7);
	assert_true(wait_finished(f));
	run_ok(f, "capture status");
	assert_non_null(strstr(f->out.data, " s), finished: closing\n"));
	assert_non_null(strstr(f->out.data, "  count    1\n"));
	assert_non_null(strstr(f->out.data,
			       "  1 written, 1 matched, 0 overflow, 0 filtered out\n"));
	run_ok(f, "capture stop");
	assert_string_equal(f->out.data,
			    fmt(want, sizeof(want),
				"capture to %s ended (count reached): 1 written, 1 matched, 0 overflow, 0 filtered out\n",
				file));
	assert_null(published(f));
	run_fails(f, "capture stop", -ENOENT,
		  fmt(want, sizeof(want),
		      "no capture is running (the last one, to %s, ended: count reached)",
		      file));

	/* a finished capture not yet reaped does not block a new start */
	run_ok(f, fmt(line, sizeof(line),
		      "capture start --stage rx --count 1 --file %s", file));
	feed(f, HF_CAP_RX, 7);
	assert_true(wait_finished(f));
	run_ok(f, fmt(line, sizeof(line), "capture start --stage tx --file %s",
		      file2));
	assert_string_equal(f->out.data,
			    fmt(want, sizeof(want), "capturing tx to %s\n",
				file2));
	/* (the new one may reuse the old one's memory) */
	assert_non_null(published(f));
	assert_true(f->dp.cap.running);
	assert_int_equal(f->dp.cap.stages, 1u << HF_CAP_TX);
	assert_null(f->dp.cap.ended);
	assert_int_equal(file_size(file), 24 + 16 + FRAME_LEN);
	run_ok(f, "capture stop --json");
	assert_string_equal(f->out.data,
			    fmt(want, sizeof(want),
				"{\"file\":\"%s\",\"drops_file\":null,"
				"\"ended\":\"stopped\",\"written\":0,"
				"\"matched\":0,\"overflow\":0,"
				"\"filtered_out\":0,\"finished\":false,"
				"\"error\":null}\n", file2));
}

/*
 * A write error ends the capture by itself too (/dev/full: nothing is
 * created). The statistics carry the error, and the end says why.
 */
static void test_write_error(void **state)
{
	static const char tail[] =
		"): 1 written, 1 matched, 0 overflow, 0 filtered out; write error: No space left on device\n";
	struct fx *f = *state;
	const char *p;
	struct stat sb;

	if (stat("/dev/full", &sb) || !S_ISCHR(sb.st_mode))
		skip();
	run_ok(f, "capture start --stage rx --file /dev/full");
	feed(f, HF_CAP_RX, 7);
	assert_true(wait_finished(f));
	run_ok(f, "capture status");
	assert_non_null(strstr(f->out.data, " s), finished: closing\n"));
	assert_non_null(strstr(f->out.data,
			       "  1 written, 1 matched, 0 overflow, 0 filtered out; write error: No space left on device\n"));
	run_ok(f, "capture stop");
	assert_null(published(f));
	assert_true(starts_with(f->out.data,
				"capture to /dev/full ended (write error): "));
	p = f->out.data + strlen(f->out.data) - strlen(tail);
	assert_true(p > f->out.data);
	assert_string_equal(p, tail);
	run_ok(f, "capture status --json");
	assert_non_null(strstr(f->out.data,
			       "\"written\":1,\"matched\":1,\"overflow\":0,"
			       "\"filtered_out\":0,\"finished\":true,"
			       "\"error\":\"No space left on device\"}}\n"));
	assert_non_null(strstr(f->out.data, "\"ended\":\"write error\""));
}

/* A capture left running is stopped by hf_dp_fini() (teardown). */
static void test_left_running(void **state)
{
	struct fx *f = *state;
	char line[512];

	run_ok(f, fmt(line, sizeof(line),
		      "capture start --stage drop --file %s/left.pcap", f->dir));
	assert_non_null(published(f));
	feed(f, HF_CAP_DROP, 1);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, fx_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_start_argument_errors),
		T(test_filter_too_long),
		T(test_start_refused_by_capture),
		T(test_idle),
		T(test_lifecycle),
		T(test_all_options),
		T(test_encoded_words),
		T(test_count_reached),
		T(test_write_error),
		T(test_left_running),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
