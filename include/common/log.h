/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * common/log.h - the process-wide logger.
 * Backends: stderr (foreground, default) or syslog. libbpf and libxdp
 * messages are routed here one level lower than they declare.
 * Thread-safe (one write(2)/syslog(3) per message); never call it on the
 * per-packet path.
 */
#ifndef HF_COMMON_LOG_H
#define HF_COMMON_LOG_H

#include <stdbool.h>

enum hf_log_level {
	HF_LOG_ERR = 3,
	HF_LOG_WARN = 4,
	HF_LOG_INFO = 6,
	HF_LOG_DEBUG = 7,
};

/**
 * hf_log_init() - choose the backend and threshold.
 * @ident: program name shown in each line / syslog ident.
 * @use_syslog: true for syslog, false for stderr.
 * @level: messages above this level are discarded.
 */
void hf_log_init(const char *ident, bool use_syslog, enum hf_log_level level);

/** hf_log() - log one message; use the log_* macros instead. */
void hf_log(enum hf_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/** hf_log_hook_libs() - route libbpf and libxdp output into hf_log(). */
void hf_log_hook_libs(void);

#define log_err(...)	hf_log(HF_LOG_ERR, __VA_ARGS__)
#define log_warn(...)	hf_log(HF_LOG_WARN, __VA_ARGS__)
#define log_info(...)	hf_log(HF_LOG_INFO, __VA_ARGS__)
#define log_debug(...)	hf_log(HF_LOG_DEBUG, __VA_ARGS__)

#endif /* HF_COMMON_LOG_H */
