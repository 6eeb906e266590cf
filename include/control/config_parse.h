/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * control/config_parse.h - the config parser's state and helpers, shared
 * by the files that implement its statements (config.c: options, ports,
 * routes, neighbours; config_policy.c: zones, rules, policy-default;
 * config_ha.c: the ha block, virtual-address, virtual-mac).
 * Not for use outside control/config*.c.
 */
#ifndef HF_CONTROL_CONFIG_PARSE_H
#define HF_CONTROL_CONFIG_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "control/config.h"

struct hf_cfg_parser {
	struct hf_config *cfg;
	const char *file;
	unsigned int line;
	char *err;
	size_t errlen;
	struct hf_cfg_port *port;	/* inside a port block */
	bool policy_only;		/* `policy load`: only policy lines */
	bool in_ha;			/* inside the ha block */
	uint32_t ha_seen;		/* ha keywords given: bit per keyword */
};

/** hf_cfg_perr() - "file:line: reason" into p->err. Return -EINVAL. */
__attribute__((format(printf, 2, 3)))
int hf_cfg_perr(struct hf_cfg_parser *p, const char *fmt, ...);

/**
 * hf_cfg_check_name() - a name (@what: "zone", "rule", "link group"...)
 * shown in CLI tables and JSON: letters, digits, '-', '_', '.', shorter
 * than HF_NAME_MAX. 0, or -EINVAL with the error written.
 */
int hf_cfg_check_name(struct hf_cfg_parser *p, const char *what,
		      const char *name);

/** hf_cfg_port_ref() - index of port @name into *@idx, or an error. */
int hf_cfg_port_ref(struct hf_cfg_parser *p, const char *name, int *idx);

/** hf_cfg_parse_text() - parse every line of @text with @p. */
int hf_cfg_parse_text(struct hf_cfg_parser *p, const char *text);

/* policy statements (config_policy.c) */
int hf_cfg_st_zone(struct hf_cfg_parser *p, int argc, char **argv);
int hf_cfg_st_rule(struct hf_cfg_parser *p, int argc, char **argv);
int hf_cfg_st_policy_default(struct hf_cfg_parser *p, int argc, char **argv);

/* HA (config_ha.c): `ha {` opens the block, every later line up to its
 * '}' goes to hf_cfg_ha_line(); the two port-block keywords. */
int hf_cfg_st_ha(struct hf_cfg_parser *p, int argc, char **argv);
int hf_cfg_ha_line(struct hf_cfg_parser *p, int argc, char **argv);
int hf_cfg_kw_virtual_address(struct hf_cfg_parser *p, int argc, char **argv);
int hf_cfg_kw_virtual_mac(struct hf_cfg_parser *p, int argc, char **argv);

/**
 * hf_cfg_ha_validate() - the HA part of hf_config_validate(): virtual
 * addresses and MACs need an ha block and must not clash with port
 * addresses, MACs or each other; the HA link is no data port; path
 * targets are routable. "file:line: reason" into @err. Return 0/-EINVAL.
 */
int hf_cfg_ha_validate(const struct hf_config *cfg, const char *file,
		       char *err, size_t errlen);

#endif /* HF_CONTROL_CONFIG_PARSE_H */
