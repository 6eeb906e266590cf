// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * log.c - the process-wide logger (see common/log.h).
 * Each message is formatted into a local buffer and written with a single
 * write(2), so lines from different threads never interleave.
 */
#include "common/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <bpf/libbpf.h>
#include <xdp/libxdp.h>

static const char *log_ident = "hafwd";
static bool log_syslog;
static enum hf_log_level log_threshold = HF_LOG_INFO;

void hf_log_init(const char *ident, bool use_syslog, enum hf_log_level level)
{
	log_ident = ident;
	log_syslog = use_syslog;
	log_threshold = level;
	if (use_syslog)
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

static const char *level_name(enum hf_log_level level)
{
	switch (level) {
	case HF_LOG_ERR:
		return "error";
	case HF_LOG_WARN:
		return "warning";
	case HF_LOG_INFO:
		return "info";
	case HF_LOG_DEBUG:
		return "debug";
	}
	return "?";
}

static void hf_vlog(enum hf_log_level level, const char *fmt, va_list ap)
{
	char buf[1024];
	struct timespec ts;
	struct tm tm;
	int n, m;

	if (level > log_threshold)
		return;
	if (log_syslog) {
		vsyslog((int)level, fmt, ap);
		return;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	n = snprintf(buf, sizeof(buf), "%02d:%02d:%02d.%03ld %s %s: ",
		     tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000,
		     log_ident, level_name(level));
	if (n < 0)
		return;
	m = vsnprintf(buf + n, sizeof(buf) - (size_t)n, fmt, ap);
	if (m < 0)
		return;
	n += m;
	if ((size_t)n >= sizeof(buf) - 1)
		n = (int)sizeof(buf) - 2;
	/* libbpf lines already end with a newline */
	if (buf[n - 1] != '\n')
		buf[n++] = '\n';
	if (write(STDERR_FILENO, buf, (size_t)n) < 0)
		return;
}

void hf_log(enum hf_log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	hf_vlog(level, fmt, ap);
	va_end(ap);
}

/* Library messages are demoted one level: their warnings are our info. */
static int libbpf_print(enum libbpf_print_level level, const char *fmt,
			va_list ap)
{
	enum hf_log_level l = level == LIBBPF_WARN ? HF_LOG_INFO : HF_LOG_DEBUG;

	hf_vlog(l, fmt, ap);
	return 0;
}

static int libxdp_print(enum libxdp_print_level level, const char *fmt,
			va_list ap)
{
	enum hf_log_level l = level == LIBXDP_WARN ? HF_LOG_INFO : HF_LOG_DEBUG;

	hf_vlog(l, fmt, ap);
	return 0;
}

void hf_log_hook_libs(void)
{
	libbpf_set_print(libbpf_print);
	libxdp_set_print(libxdp_print);
}
