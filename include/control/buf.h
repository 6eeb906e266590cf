/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * control/buf.h - a growable text buffer for command replies.
 * Allocation failure is sticky: later appends are ignored and
 * hf_buf_failed() reports it, so callers check once at the end.
 * Control thread only (never on the packet path).
 */
#ifndef HF_CONTROL_BUF_H
#define HF_CONTROL_BUF_H

#include <stdbool.h>
#include <stddef.h>

struct hf_buf {
	char *data;
	size_t len;
	size_t cap;
	bool failed;
};

void hf_buf_init(struct hf_buf *b);
void hf_buf_free(struct hf_buf *b);
void hf_buf_reset(struct hf_buf *b);

/** hf_buf_printf() - append formatted text. */
void hf_buf_printf(struct hf_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/** hf_buf_json_str() - append @s as a JSON string literal (quoted). */
void hf_buf_json_str(struct hf_buf *b, const char *s);

static inline bool hf_buf_failed(const struct hf_buf *b)
{
	return b->failed;
}

#endif /* HF_CONTROL_BUF_H */
