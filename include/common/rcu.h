/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * common/rcu.h - the single place that includes liburcu.
 * The whole process uses one flavour, QSBR:
 *  - workers stay online and announce a quiescent state once per loop,
 *    at a point where they hold no table pointer;
 *  - every other thread registers, stays offline by default and brackets
 *    its table reads with hf_rcu_online()/hf_rcu_offline();
 *  - a thread goes offline before it blocks (poll, sleep, join).
 */
#ifndef HF_COMMON_RCU_H
#define HF_COMMON_RCU_H

/* the mapping header: gives rcu_flavor, call_rcu, synchronize_rcu and
 * cds_lfht_new() bound to the QSBR flavour */
#include <urcu-qsbr.h>
#include <urcu/rculfhash.h>

/* Register the calling thread with RCU and leave it offline. */
static inline void hf_rcu_register_offline(void)
{
	urcu_qsbr_register_thread();
	urcu_qsbr_thread_offline();
}

static inline void hf_rcu_unregister_offline(void)
{
	urcu_qsbr_thread_online();
	urcu_qsbr_unregister_thread();
}

static inline void hf_rcu_online(void)
{
	urcu_qsbr_thread_online();
}

static inline void hf_rcu_offline(void)
{
	urcu_qsbr_thread_offline();
}

/*
 * ThreadSanitizer does not see liburcu's own ordering (the library is
 * not instrumented): code that publishes through liburcu states the
 * happens-before edge it relies on with these. No-ops in other builds.
 */
#if defined(__SANITIZE_THREAD__)
#include <sanitizer/tsan_interface.h>
#include <stdint.h>
#define hf_tsan_release(addr)	__tsan_release((void *)(uintptr_t)(addr))
#define hf_tsan_acquire(addr)	__tsan_acquire((void *)(uintptr_t)(addr))
#else
#define hf_tsan_release(addr)	((void)(addr))
#define hf_tsan_acquire(addr)	((void)(addr))
#endif

#endif /* HF_COMMON_RCU_H */
