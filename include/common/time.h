/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * common/time.h - monotonic clock in nanoseconds.
 * clock_gettime(CLOCK_MONOTONIC) is served by the vDSO: no system call.
 */
#ifndef HF_COMMON_TIME_H
#define HF_COMMON_TIME_H

#include <stdint.h>
#include <time.h>

#define HF_NSEC_PER_SEC		1000000000ULL
#define HF_NSEC_PER_MSEC	1000000ULL
#define HF_NSEC_PER_USEC	1000ULL

static inline uint64_t hf_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * HF_NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

#endif /* HF_COMMON_TIME_H */
