// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * buf.c - growable reply buffer (see control/buf.h).
 */
#include "control/buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void hf_buf_init(struct hf_buf *b)
{
	memset(b, 0, sizeof(*b));
}

void hf_buf_free(struct hf_buf *b)
{
	free(b->data);
	hf_buf_init(b);
}

void hf_buf_reset(struct hf_buf *b)
{
	b->len = 0;
	b->failed = false;
	if (b->data)
		b->data[0] = '\0';
}

static bool reserve(struct hf_buf *b, size_t more)
{
	size_t cap = b->cap ? b->cap : 1024;
	char *grown;

	if (b->failed)
		return false;
	if (b->len + more + 1 <= b->cap)
		return true;
	while (cap < b->len + more + 1)
		cap *= 2;
	grown = realloc(b->data, cap);
	if (!grown) {
		b->failed = true;
		return false;
	}
	b->data = grown;
	b->cap = cap;
	return true;
}

void hf_buf_printf(struct hf_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !reserve(b, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void hf_buf_json_str(struct hf_buf *b, const char *s)
{
	hf_buf_printf(b, "\"");
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			hf_buf_printf(b, "\\%c", c);
		else if (c < 0x20)
			hf_buf_printf(b, "\\u%04x", c);
		else
			hf_buf_printf(b, "%c", c);
	}
	hf_buf_printf(b, "\"");
}
