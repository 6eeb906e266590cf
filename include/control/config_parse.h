/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * control/config_parse.h - the config parser's state and helpers, shared
 * by the files that implement its statements (config.c: options, ports,
 * routes, neighbours; config_policy.c: zones, rules, policy-default).
 * Not for use outside control/config*.c.
 */
#ifndef HF_CONTROL_CONFIG_PARSE_H
#define HF_CONTROL_CONFIG_PARSE_H

#include <stdbool.h>
#include <stddef.h>

#include "control/config.h"

struct hf_cfg_parser {
	struct hf_config *cfg;
	const char *file;
	unsigned int line;
	char *err;
	size_t errlen;
	struct hf_cfg_port *port;	/* inside a port block */
	bool policy_only;		/* `policy load`: only policy lines */
};

/** hf_cfg_perr() - "file:line: reason" into p->err. Return -EINVAL. */
__attribute__((format(printf, 2, 3)))
int hf_cfg_perr(struct hf_cfg_parser *p, const char *fmt, ...);

/** hf_cfg_port_ref() - index of port @name into *@idx, or an error. */
int hf_cfg_port_ref(struct hf_cfg_parser *p, const char *name, int *idx);

/** hf_cfg_parse_text() - parse every line of @text with @p. */
int hf_cfg_parse_text(struct hf_cfg_parser *p, const char *text);

/* policy statements (config_policy.c) */
int hf_cfg_st_zone(struct hf_cfg_parser *p, int argc, char **argv);
int hf_cfg_st_rule(struct hf_cfg_parser *p, int argc, char **argv);
int hf_cfg_st_policy_default(struct hf_cfg_parser *p, int argc, char **argv);

#endif /* HF_CONTROL_CONFIG_PARSE_H */
