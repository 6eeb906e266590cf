// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * config_policy.c - the policy statements of the config file, also the
 * whole grammar of a `hafwctl policy load` file:
 *
 *   zone <name> <port> [<port> ...]
 *   policy-default allow|deny
 *   rule <name> from <zone|any> to <zone|any> [source <prefix>|any]
 *        [destination <prefix>|any] [protocol tcp|udp|icmp|any|<0-255>]
 *        [port <n>|<lo>-<hi>] action allow|deny
 *
 * Zones and ports must be defined before a line names them. Any of these
 * lines makes hafwd stateful.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/compiler.h"
#include "control/config_parse.h"
#include "control/textparse.h"

static int zone_index(const struct hf_cfg_policy *pc, const char *name)
{
	uint32_t i;

	for (i = 0; i < pc->nzones; i++)
		if (!strcmp(pc->zone[i].name, name))
			return (int)i;
	return -1;
}

/* A zone or rule name; "any" means any zone in a rule. */
static int check_name(struct hf_cfg_parser *p, const char *what,
		      const char *name)
{
	if (hf_cfg_check_name(p, what, name))
		return -EINVAL;
	if (!strcmp(name, "any"))
		return hf_cfg_perr(p, "'any' is reserved and cannot name a %s",
				   what);
	return 0;
}

int hf_cfg_st_zone(struct hf_cfg_parser *p, int argc, char **argv)
{
	struct hf_cfg_policy *pc = &p->cfg->policy;
	struct hf_cfg_zone *z;
	uint32_t i;
	int port, k;

	if (argc < 3)
		return hf_cfg_perr(p, "expected 'zone <name> <port> [<port> ...]'");
	if (check_name(p, "zone", argv[1]))
		return -EINVAL;
	if (zone_index(pc, argv[1]) >= 0)
		return hf_cfg_perr(p, "zone '%s' is defined twice", argv[1]);
	if (pc->nzones >= HF_MAX_ZONES)
		return hf_cfg_perr(p, "more than %d zones", HF_MAX_ZONES);
	z = &pc->zone[pc->nzones];
	memset(z, 0, sizeof(*z));
	strcpy(z->name, argv[1]);
	z->line = p->line;
	for (k = 2; k < argc; k++) {
		if (hf_cfg_port_ref(p, argv[k], &port))
			return -EINVAL;
		for (i = 0; i < pc->nzones; i++)
			if (pc->zone[i].ports & (1u << port))
				return hf_cfg_perr(p, "port '%s' is already in zone '%s'",
						   argv[k], pc->zone[i].name);
		if (z->ports & (1u << port))
			return hf_cfg_perr(p, "port '%s' is listed twice",
					   argv[k]);
		z->ports |= 1u << port;
	}
	pc->nzones++;
	pc->present = true;
	return 0;
}

static int parse_action(struct hf_cfg_parser *p, const char *s, bool *allow)
{
	if (!strcmp(s, "allow"))
		*allow = true;
	else if (!strcmp(s, "deny"))
		*allow = false;
	else
		return hf_cfg_perr(p, "action '%s' is not allow or deny", s);
	return 0;
}

int hf_cfg_st_policy_default(struct hf_cfg_parser *p, int argc, char **argv)
{
	if (argc != 2)
		return hf_cfg_perr(p, "expected 'policy-default allow|deny'");
	if (parse_action(p, argv[1], &p->cfg->policy.default_allow))
		return -EINVAL;
	p->cfg->policy.present = true;
	return 0;
}

static int rule_zone(struct hf_cfg_parser *p, const char *s, uint8_t *zone)
{
	int z;

	if (!strcmp(s, "any")) {
		*zone = HF_ZONE_ANY;
		return 0;
	}
	z = zone_index(&p->cfg->policy, s);
	if (z < 0)
		return hf_cfg_perr(p, "unknown zone '%s' (zones must be defined before use)",
				   s);
	*zone = (uint8_t)(z + 1);
	return 0;
}

static int rule_prefix(struct hf_cfg_parser *p, const char *what,
		       const char *s, uint32_t *ip, uint8_t *len)
{
	if (!strcmp(s, "any")) {
		*ip = 0;
		*len = 0;
		return 0;
	}
	if (hf_parse_prefix4(s, ip, len))
		return hf_cfg_perr(p, "%s '%s' is not of the form a.b.c.d/len",
				   what, s);
	if (*ip & ~hf_prefix4_mask(*len))
		return hf_cfg_perr(p, "%s '%s' has host bits set", what, s);
	return 0;
}

static int rule_proto(struct hf_cfg_parser *p, const char *s, uint16_t *proto)
{
	static const struct { const char *name; uint16_t num; } names[] = {
		{ "tcp", 6 }, { "udp", 17 }, { "icmp", 1 },
		{ "any", HF_PROTO_ANY },
	};
	uint32_t v;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(names); i++)
		if (!strcmp(s, names[i].name)) {
			*proto = names[i].num;
			return 0;
		}
	if (hf_parse_u32(s, 0, 255, &v))
		return hf_cfg_perr(p, "protocol '%s' is not tcp, udp, icmp, any or 0..255",
				   s);
	*proto = (uint16_t)v;
	return 0;
}

static int rule_ports(struct hf_cfg_parser *p, const char *s,
		      struct hf_cfg_rule *r)
{
	char lo[8], *dash = strchr(s, '-');
	uint32_t a, b;
	size_t n = dash ? (size_t)(dash - s) : strlen(s);

	if (n >= sizeof(lo))
		goto bad;
	memcpy(lo, s, n);
	lo[n] = '\0';
	if (hf_parse_u32(lo, 0, 65535, &a))
		goto bad;
	b = a;
	if (dash && hf_parse_u32(dash + 1, 0, 65535, &b))
		goto bad;
	if (b < a)
		return hf_cfg_perr(p, "port range '%s' ends before it starts", s);
	r->dport_lo = (uint16_t)a;
	r->dport_hi = (uint16_t)b;
	r->has_dport = true;
	return 0;
bad:
	return hf_cfg_perr(p, "port '%s' is not <0..65535> or <lo>-<hi>", s);
}

static int add_rule(struct hf_cfg_parser *p, const struct hf_cfg_rule *r)
{
	struct hf_cfg_policy *pc = &p->cfg->policy;
	struct hf_cfg_rule *grown;
	uint32_t i;

	for (i = 0; i < pc->nrules; i++)
		if (!strcmp(pc->rule[i].name, r->name))
			return hf_cfg_perr(p, "rule '%s' is defined twice (line %u)",
					   r->name, pc->rule[i].line);
	if (pc->nrules >= HF_MAX_RULES)
		return hf_cfg_perr(p, "more than %d rules", HF_MAX_RULES);
	grown = realloc(pc->rule, (pc->nrules + 1) * sizeof(*grown));
	if (!grown)
		return hf_cfg_perr(p, "out of memory");
	pc->rule = grown;
	pc->rule[pc->nrules++] = *r;
	pc->present = true;
	return 0;
}

#define RULE_USAGE "expected 'rule <name> from <zone|any> to <zone|any> [source <prefix>] [destination <prefix>] [protocol <p>] [port <n>|<lo>-<hi>] action allow|deny'"

int hf_cfg_st_rule(struct hf_cfg_parser *p, int argc, char **argv)
{
	struct hf_cfg_rule r = { .proto = HF_PROTO_ANY, .dport_hi = 65535,
				 .line = p->line };
	bool have_action = false;
	int k, rc = 0;

	if (argc < 8 || (argc & 1))
		return hf_cfg_perr(p, RULE_USAGE);
	if (check_name(p, "rule", argv[1]))
		return -EINVAL;
	strcpy(r.name, argv[1]);
	if (strcmp(argv[2], "from") || strcmp(argv[4], "to"))
		return hf_cfg_perr(p, RULE_USAGE);
	if (rule_zone(p, argv[3], &r.from_zone) ||
	    rule_zone(p, argv[5], &r.to_zone))
		return -EINVAL;
	for (k = 6; k + 1 < argc && !rc; k += 2) {
		const char *kw = argv[k], *v = argv[k + 1];

		if (!strcmp(kw, "source"))
			rc = rule_prefix(p, "source", v, &r.src, &r.src_len);
		else if (!strcmp(kw, "destination"))
			rc = rule_prefix(p, "destination", v, &r.dst, &r.dst_len);
		else if (!strcmp(kw, "protocol"))
			rc = rule_proto(p, v, &r.proto);
		else if (!strcmp(kw, "port"))
			rc = rule_ports(p, v, &r);
		else if (!strcmp(kw, "action")) {
			rc = parse_action(p, v, &r.allow);
			have_action = true;
		} else
			rc = hf_cfg_perr(p, "rule '%s': unknown keyword '%s'",
					 r.name, kw);
	}
	if (rc)
		return rc;
	if (!have_action)
		return hf_cfg_perr(p, "rule '%s' has no 'action allow|deny'",
				   r.name);
	if (r.has_dport && r.proto != 6 && r.proto != 17)
		return hf_cfg_perr(p, "rule '%s': 'port' needs protocol tcp or udp",
				   r.name);
	return add_rule(p, &r);
}

int hf_config_parse_policy(const struct hf_config *cfg, const char *file,
			   const char *text, struct hf_cfg_policy *out,
			   char *err, size_t errlen)
{
	struct hf_config *scratch = calloc(1, sizeof(*scratch));
	struct hf_cfg_parser p = { .file = file, .err = err, .errlen = errlen,
				   .policy_only = true };
	int rc;

	if (!scratch) {
		snprintf(err, errlen, "%s: out of memory", file);
		return -ENOMEM;
	}
	/* the ports are the running ones: zones may name them */
	memcpy(scratch->port, cfg->port, sizeof(cfg->port));
	scratch->nports = cfg->nports;
	p.cfg = scratch;
	rc = hf_cfg_parse_text(&p, text);
	if (!rc && !scratch->policy.present) {
		snprintf(err, errlen, "%s: no zone, rule or policy-default line",
			 file);
		rc = -EINVAL;
	}
	if (rc) {
		free(scratch->policy.rule);
	} else {
		*out = scratch->policy;
	}
	free(scratch);
	return rc;
}
