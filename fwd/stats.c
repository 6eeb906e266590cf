// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * stats.c - names, categories, severities and help of the worker
 * counters, generated from the one X-macro list in fwd/stats.h.
 */
#include "fwd/stats.h"

static const char *const names[] = {
#define HF_X_NAME(name, cat, sev, help) #name,
	HF_WORKER_COUNTERS(HF_X_NAME)
#undef HF_X_NAME
};

static const char *const categories[] = {
#define HF_X_CAT(name, cat, sev, help) #cat,
	HF_WORKER_COUNTERS(HF_X_CAT)
#undef HF_X_CAT
};

static const char *const severities[] = {
#define HF_X_SEV(name, cat, sev, help) #sev,
	HF_WORKER_COUNTERS(HF_X_SEV)
#undef HF_X_SEV
};

static const char *const helps[] = {
#define HF_X_HELP(name, cat, sev, help) help,
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

const char *hf_counter_severity(enum hf_counter c)
{
	return c < HF_CNT_MAX ? severities[c] : "?";
}

const char *hf_counter_help(enum hf_counter c)
{
	return c < HF_CNT_MAX ? helps[c] : "?";
}
