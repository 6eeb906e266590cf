// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_policy.c - compiled policy lookup against a brute-force first
 * match over the rule list, on random rule sets; zones, defaults, hits.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "fwd/policy.h"

static uint64_t rng = 0x2545f4914f6cdd1dULL;

static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 11);
}

/* The reference: the rule list read top to bottom, nothing compiled. */
static uint32_t reference(const struct hf_cfg_policy *pc,
			  const struct hf_pol_pkt *k, bool *allow)
{
	uint32_t i;

	for (i = 0; i < pc->nrules; i++) {
		const struct hf_cfg_rule *r = &pc->rule[i];
		uint32_t sm = r->src_len ? ~0u << (32 - r->src_len) : 0;
		uint32_t dm = r->dst_len ? ~0u << (32 - r->dst_len) : 0;

		if (r->from_zone != HF_ZONE_ANY && r->from_zone != k->from_zone)
			continue;
		if (r->to_zone != HF_ZONE_ANY && r->to_zone != k->to_zone)
			continue;
		if ((k->src & sm) != r->src || (k->dst & dm) != r->dst)
			continue;
		if (r->proto != HF_PROTO_ANY && r->proto != k->proto)
			continue;
		if (r->has_dport && !(k->has_ports && k->dport >= r->dport_lo &&
				      k->dport <= r->dport_hi))
			continue;
		*allow = r->allow;
		return i;
	}
	*allow = pc->default_allow;
	return HF_RULE_DEFAULT;
}

static const uint32_t nets[] = { 0xc6120000, 0xc6120100, 0xc6130000,
				 0xc6138000, 0x0a000000 };
static const uint16_t protos[] = { 6, 17, 1, 47 };

static uint32_t some_addr(void)
{
	return nets[rnd() % 5] | (rnd() & 0x1ff);
}

static void random_rule(struct hf_cfg_rule *r, uint32_t nzones)
{
	static const uint8_t lens[] = { 0, 8, 15, 16, 17, 24, 32 };

	memset(r, 0, sizeof(*r));
	r->from_zone = rnd() % 3 == 0 ? HF_ZONE_ANY
				      : (uint8_t)(rnd() % (nzones + 1));
	r->to_zone = rnd() % 3 == 0 ? HF_ZONE_ANY
				    : (uint8_t)(rnd() % (nzones + 1));
	r->src_len = lens[rnd() % 7];
	r->dst_len = lens[rnd() % 7];
	r->src = some_addr() & (r->src_len ? ~0u << (32 - r->src_len) : 0);
	r->dst = some_addr() & (r->dst_len ? ~0u << (32 - r->dst_len) : 0);
	r->proto = rnd() % 3 == 0 ? HF_PROTO_ANY : protos[rnd() % 4];
	r->has_dport = rnd() % 2;
	if (r->has_dport) {
		r->dport_lo = (uint16_t)(rnd() % 100);
		r->dport_hi = (uint16_t)(r->dport_lo + rnd() % 20);
	} else {
		r->dport_hi = 65535;
	}
	r->allow = rnd() % 2;
}

static void test_against_reference(void **state)
{
	static struct hf_cfg_rule rules[64];
	unsigned long lookups = 0, matched = 0;
	int set;

	(void)state;
	for (set = 0; set < 300; set++) {
		struct hf_cfg_policy pc = { .present = true };
		struct hf_policy *p;
		char err[128];
		uint32_t i;
		int q;

		pc.nzones = rnd() % 5;
		pc.nrules = rnd() % 64;
		pc.default_allow = rnd() % 2;
		pc.rule = rules;
		for (i = 0; i < pc.nrules; i++)
			random_rule(&rules[i], pc.nzones);
		p = hf_policy_compile(&pc, 2, err, sizeof(err));
		assert_non_null(p);
		for (q = 0; q < 2000; q++) {
			struct hf_pol_pkt k = {
				.from_zone = (uint8_t)(rnd() % (pc.nzones + 1)),
				.to_zone = (uint8_t)(rnd() % (pc.nzones + 1)),
				.proto = (uint8_t)protos[rnd() % 4],
				.src = some_addr(),
				.dst = some_addr(),
				.dport = (uint16_t)(rnd() % 130),
			};
			bool a1 = !pc.default_allow, a2 = pc.default_allow;
			uint32_t r1, r2;

			k.has_ports = (k.proto == 6 || k.proto == 17) &&
				      rnd() % 8;
			r1 = hf_policy_eval(p, &k, &a1);
			r2 = reference(&pc, &k, &a2);
			if (r1 != r2 || a1 != a2)
				fail_msg("set %d query %d: compiled rule %u/%d, reference %u/%d",
					 set, q, r1, a1, r2, a2);
			lookups++;
			matched += r2 != HF_RULE_DEFAULT;
		}
		hf_policy_free(p);
	}
	print_message("policy: %lu lookups, %lu matched a rule\n", lookups,
		      matched);
	/* the random sets must exercise both outcomes */
	assert_true(matched > lookups / 10);
	assert_true(matched < lookups - lookups / 10);
}

static void test_zones_default_hits(void **state)
{
	struct hf_cfg_rule rules[2] = {
		{ .name = "web", .from_zone = 1, .to_zone = 2, .proto = 6,
		  .has_dport = true, .dport_lo = 80, .dport_hi = 80,
		  .allow = true },
		{ .name = "no-ping", .from_zone = HF_ZONE_ANY,
		  .to_zone = HF_ZONE_ANY, .proto = 1, .dport_hi = 65535 },
	};
	struct hf_cfg_policy pc = { .present = true, .nzones = 2,
				    .rule = rules, .nrules = 2 };
	struct hf_pol_pkt k = { .from_zone = 1, .to_zone = 2, .proto = 6,
				.has_ports = true, .dport = 80 };
	struct hf_policy *p;
	char err[128];
	bool allow;

	(void)state;
	strcpy(pc.zone[0].name, "inside");
	pc.zone[0].ports = 1u << 0 | 1u << 2;
	strcpy(pc.zone[1].name, "outside");
	pc.zone[1].ports = 1u << 1;
	p = hf_policy_compile(&pc, 3, err, sizeof(err));
	assert_non_null(p);
	assert_int_equal(hf_policy_zone_of(p, 0), 1);
	assert_int_equal(hf_policy_zone_of(p, 1), 2);
	assert_int_equal(hf_policy_zone_of(p, 2), 1);
	assert_int_equal(hf_policy_zone_of(p, 3), HF_ZONE_NONE);
	assert_int_equal(hf_policy_eval(p, &k, &allow), 0);
	assert_true(allow);
	/* the other way round is not allowed: default deny */
	k.from_zone = 2;
	k.to_zone = 1;
	assert_int_equal(hf_policy_eval(p, &k, &allow), HF_RULE_DEFAULT);
	assert_false(allow);
	/* a later fragment has no port: a port rule cannot match it */
	k.from_zone = 1;
	k.to_zone = 2;
	k.has_ports = false;
	assert_int_equal(hf_policy_eval(p, &k, &allow), HF_RULE_DEFAULT);
	k.proto = 1;
	assert_int_equal(hf_policy_eval(p, &k, &allow), 1);
	assert_false(allow);
	hf_policy_hit(p, 0, 0);
	hf_policy_hit(p, 2, 0);
	hf_policy_hit(p, 1, HF_RULE_DEFAULT);
	hf_policy_hit(p, 7, 0);		/* no such worker: ignored */
	assert_int_equal(hf_policy_hits(p, 0), 2);
	assert_int_equal(hf_policy_hits(p, 1), 0);
	assert_int_equal(hf_policy_hits(p, HF_RULE_DEFAULT), 1);
	assert_string_equal(hf_policy_config(p)->rule[1].name, "no-ping");
	hf_policy_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_against_reference),
		cmocka_unit_test(test_zones_default_hits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
