/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fwd/policy.h - the security policy: zones (named sets of ports) and an
 * ordered rule list, first match wins, evaluated on the first packet of
 * a flow only.
 *
 * A rule set is compiled once into an immutable struct hf_policy: for
 * every (from-zone, to-zone) pair the rules that can match it, in order,
 * so a lookup scans only those. A commit swaps the dataplane's policy
 * pointer (RCU); the old one is freed after a grace period.
 *
 * Concurrency: immutable after hf_policy_compile() except the per-rule
 * hit counters, which are per worker (single writer each, relaxed).
 */
#ifndef HF_FWD_POLICY_H
#define HF_FWD_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/rcu.h"
#include "control/config.h"

#define HF_RULE_DEFAULT	UINT32_MAX	/* verdict of the default action */

/* What the policy looks at: the first packet of a flow. */
struct hf_pol_pkt {
	uint8_t from_zone;
	uint8_t to_zone;
	uint8_t proto;
	bool has_ports;		/* TCP/UDP, not a later fragment */
	uint32_t src;		/* host order */
	uint32_t dst;
	uint16_t dport;
};

struct hf_policy;

/**
 * hf_policy_compile() - build the lookup structure of @pc (zones already
 * resolved to port indices by the config parser) for @nworkers hit
 * counter rows. NULL with a message in @err on failure (out of memory).
 */
struct hf_policy *hf_policy_compile(const struct hf_cfg_policy *pc,
				    uint32_t nworkers, char *err,
				    size_t errlen);

/** hf_policy_free() - free @p now (after a grace period if published). */
void hf_policy_free(struct hf_policy *p);

/** hf_policy_free_rcu() - free @p after a grace period (call_rcu). */
void hf_policy_free_rcu(struct hf_policy *p);

/** hf_policy_zone_of() - the zone of port @port (HF_ZONE_NONE if none). */
uint8_t hf_policy_zone_of(const struct hf_policy *p, uint32_t port);

/**
 * hf_policy_eval() - first rule matching @k, or HF_RULE_DEFAULT; the
 * verdict in *@allow.
 */
uint32_t hf_policy_eval(const struct hf_policy *p, const struct hf_pol_pkt *k,
			bool *allow);

/** hf_policy_hit() - worker @worker counts a hit of @rule. */
void hf_policy_hit(struct hf_policy *p, uint32_t worker, uint32_t rule);

/** hf_policy_hits() - hits of @rule summed over workers. */
uint64_t hf_policy_hits(const struct hf_policy *p, uint32_t rule);

/** hf_policy_config() - the rule set @p was compiled from. */
const struct hf_cfg_policy *hf_policy_config(const struct hf_policy *p);

#endif /* HF_FWD_POLICY_H */
