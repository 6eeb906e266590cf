// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * stats.c - names, categories and help of the worker counters, generated
 * from the one X-macro list in fwd/stats.h.
 */
#include "fwd/stats.h"

static const char *const names[] = {
#define HF_X_NAME(name, cat, help) #name,
	HF_WORKER_COUNTERS(HF_X_NAME)
#undef HF_X_NAME
};

static const char *const categories[] = {
#define HF_X_CAT(name, cat, help) #cat,
	HF_WORKER_COUNTERS(HF_X_CAT)
#undef HF_X_CAT
};

static const char *const helps[] = {
#define HF_X_HELP(name, cat, help) help,
	HF_WORKER_COUNTERS(HF_X_HELP)
#undef HF_X_HELP
};

const char *hf_counter_name(enum hf_counter c)
{
	return c < HF_CNT_MAX ? names[c] : "?";
}

const char *hf_counter_category(enum hf_counter c)
{
	return c < HF_CNT_MAX ? categories[c] : "?";
}

const char *hf_counter_help(enum hf_counter c)
{
	return c < HF_CNT_MAX ? helps[c] : "?";
}
