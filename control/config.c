// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * config.c - hafwd configuration: option table, file parser, validation
 * (see control/config.h). Global options are data (one descriptor each,
 * with range); statements and port-block keywords dispatch through
 * keyword tables. Unknown keywords are errors. The policy statements
 * live in config_policy.c, the ha block in config_ha.c.
 */
#include "control/config.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/compiler.h"
#include "control/config_parse.h"
#include "control/textparse.h"

/* enough for "cores" listing one CPU per worker */
#define MAX_WORDS	(HF_MAX_WORKERS + 1)

enum opt_type { OPT_U32, OPT_STR, OPT_POLL, OPT_CORES, OPT_BOOL };

struct opt_desc {
	const char *name;
	enum opt_type type;
	size_t off;
	uint32_t min, max;
	const char *help;
};

#define U32(n, f, lo, hi, h) \
	{ n, OPT_U32, offsetof(struct hf_config, f), lo, hi, h }

static const struct opt_desc options[] = {
	U32("workers", workers, 1, HF_MAX_WORKERS,
	    "pan_task worker threads; every port needs this many rx queues"),
	{ "cores", OPT_CORES, offsetof(struct hf_config, cores), 0, 4095,
	  "CPU list to pin workers to, one per worker (default: unpinned)" },
	{ "control-socket", OPT_STR, offsetof(struct hf_config, ctl_path), 1,
	  HF_CTL_PATH_MAX - 1, "UNIX control socket path" },
	U32("rx-ring", rx_ring, 64, 16384, "AF_XDP rx ring size (power of 2)"),
	U32("tx-ring", tx_ring, 64, 16384, "AF_XDP tx ring size (power of 2)"),
	{ "poll-mode", OPT_POLL, offsetof(struct hf_config, poll_mode), 0, 0,
	  "busy: spin always; adaptive: sleep in poll() when idle" },
	U32("idle-spin", idle_spin, 0, 1u << 30,
	    "adaptive: empty loops before a worker sleeps (0: at once)"),
	U32("worker-priority", worker_priority, 0, 99,
	    "SCHED_FIFO priority of workers (0: normal); lets a worker that shares its core with the kernel's receive work set the pace"),
	U32("tx-budget", tx_budget, 32, 16384,
	    "frames the kernel sends per copy-mode TX kick (XDP_MAX_TX_SKB_BUDGET, kernel 6.17+)"),
	U32("icmp-rate", icmp_rate, 1, 1000000,
	    "ICMP errors per second per worker"),
	U32("icmp-burst", icmp_burst, 1, 1000000, "ICMP error burst"),
	U32("neighbour-reachable-ms", neigh_reachable_ms, 100, 86400000,
	    "a confirmed MAC is trusted this long, then probed"),
	U32("neighbour-stale-ms", neigh_stale_keep_ms, 0, 86400000,
	    "an unused stale entry is kept this long"),
	U32("neighbour-resolve-ms", neigh_resolve_ms, 100, 60000,
	    "give up resolving (and drop held packets) after this long"),
	U32("neighbour-probe-ms", neigh_probe_ms, 10, 60000,
	    "interval between ARP requests for one neighbour"),
	U32("neighbour-max", neigh_max, 1, 1u << 24, "neighbour entries"),
	U32("arp-hold", arp_hold, 0, 64,
	    "packets held per unresolved neighbour"),
	U32("fib-max-routes", fib_max_routes, 16, 1u << 26, "FIB prefixes"),
	U32("fib-tbl8-groups", fib_tbl8_groups, 16, 1u << 20,
	    "/24 ranges that may hold prefixes longer than /24"),
	U32("nexthops-max", nexthops_max, 16, 1u << 20, "distinct next hops"),
	U32("session-max", session_max, 16, 1u << 26,
	    "sessions in all, split evenly between workers (stateful mode)"),
	{ "tcp-loose-pickup", OPT_BOOL,
	  offsetof(struct hf_config, tcp_loose_pickup), 0, 1,
	  "yes: a mid-stream TCP packet may open a session (default no)" },
#define HF_X_TO_OPT(id, name, secs)					\
	U32("session-timeout-" name, session_timeout[HF_TO_##id], 1,	\
	    30 * 86400, "idle seconds before a " name " session expires (default " #secs ")"),
	HF_SESS_TIMEOUTS(HF_X_TO_OPT)
#undef HF_X_TO_OPT
};

void hf_config_defaults(struct hf_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->workers = 1;
	snprintf(cfg->ctl_path, sizeof(cfg->ctl_path), "/run/hafwd.sock");
	cfg->rx_ring = 2048;
	cfg->tx_ring = 2048;
	cfg->poll_mode = HF_POLL_BUSY;
	cfg->idle_spin = 20000;
	cfg->tx_budget = 256;
	cfg->icmp_rate = 1000;
	cfg->icmp_burst = 100;
	cfg->neigh_reachable_ms = 30000;
	cfg->neigh_stale_keep_ms = 60000;
	cfg->neigh_resolve_ms = 3000;
	cfg->neigh_probe_ms = 1000;
	cfg->neigh_max = 65536;
	cfg->arp_hold = 8;
	cfg->fib_max_routes = 2u << 20;
	cfg->fib_tbl8_groups = 16384;
	cfg->nexthops_max = 4096;
	cfg->session_max = 1u << 18;
#define HF_X_TO_DEF(id, name, secs) cfg->session_timeout[HF_TO_##id] = secs;
	HF_SESS_TIMEOUTS(HF_X_TO_DEF)
#undef HF_X_TO_DEF
	/* HA: used only with an `ha` block (ha.present) */
	cfg->ha.priority = 100;
	cfg->ha.preempt_hold_ms = 1000;
	cfg->ha.hb_interval_ms = 100;
	cfg->ha.hb_misses = 3;
	cfg->ha.flap_max = 3;
	cfg->ha.flap_window_ms = 60000;
	cfg->ha.ha1_port = 28769;
	cfg->ha.sync_port = 28770;
	cfg->ha.garp_count = 3;
	cfg->ha.garp_interval_ms = 10;
	cfg->ha.worker_stuck_ms = 1000;
}

void hf_config_usage(void)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(options); i++)
		printf("  %-24s %s\n", options[i].name, options[i].help);
}

int hf_cfg_perr(struct hf_cfg_parser *p, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(p->err, p->errlen, "%s:%u: ", p->file, p->line);
	if (n < 0 || (size_t)n >= p->errlen)
		return -EINVAL;
	va_start(ap, fmt);
	vsnprintf(p->err + n, p->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static int need_args(struct hf_cfg_parser *p, int argc, int want, const char *usage)
{
	if (argc != want)
		return hf_cfg_perr(p, "expected '%s'", usage);
	return 0;
}

static int parse_option(struct hf_cfg_parser *p, const struct opt_desc *o, int argc,
			char **argv)
{
	char *base = (char *)p->cfg + o->off;
	uint32_t v;
	int i;

	if (o->type != OPT_CORES && argc != 2)
		return hf_cfg_perr(p, "option '%s' takes one value", o->name);
	switch (o->type) {
	case OPT_U32:
		if (hf_parse_u32(argv[1], o->min, o->max, &v))
			return hf_cfg_perr(p, "option '%s': '%s' is not a number in %u..%u",
				    o->name, argv[1], o->min, o->max);
		memcpy(base, &v, sizeof(v));
		return 0;
	case OPT_STR:
		if (strlen(argv[1]) > o->max)
			return hf_cfg_perr(p, "option '%s': value longer than %u characters",
				    o->name, o->max);
		strcpy(base, argv[1]);
		return 0;
	case OPT_POLL:
		if (!strcmp(argv[1], "busy"))
			p->cfg->poll_mode = HF_POLL_BUSY;
		else if (!strcmp(argv[1], "adaptive"))
			p->cfg->poll_mode = HF_POLL_ADAPTIVE;
		else
			return hf_cfg_perr(p, "option 'poll-mode': '%s' is not busy or adaptive",
				    argv[1]);
		return 0;
	case OPT_BOOL:
		if (!strcmp(argv[1], "yes") || !strcmp(argv[1], "on"))
			v = 1;
		else if (!strcmp(argv[1], "no") || !strcmp(argv[1], "off"))
			v = 0;
		else
			return hf_cfg_perr(p, "option '%s': '%s' is not yes or no",
					   o->name, argv[1]);
		memcpy(base, &v, sizeof(v));
		return 0;
	case OPT_CORES:
		if (argc < 2 || argc - 1 > HF_MAX_WORKERS)
			return hf_cfg_perr(p, "option 'cores' takes 1..%d CPU numbers",
				    HF_MAX_WORKERS);
		for (i = 1; i < argc; i++)
			if (hf_parse_u32(argv[i], o->min, o->max,
					 &p->cfg->cores[i - 1]))
				return hf_cfg_perr(p, "option 'cores': '%s' is not a CPU number",
					    argv[i]);
		p->cfg->ncores = (uint32_t)argc - 1;
		return 0;
	}
	return hf_cfg_perr(p, "internal: option type");
}

/* ---- port block keywords ---- */

static int kw_interface(struct hf_cfg_parser *p, int argc, char **argv)
{
	if (need_args(p, argc, 2, "interface <ifname>"))
		return -EINVAL;
	if (strlen(argv[1]) >= IF_NAMESIZE)
		return hf_cfg_perr(p, "interface name '%s' is longer than %d characters",
			    argv[1], IF_NAMESIZE - 1);
	strcpy(p->port->ifname, argv[1]);
	return 0;
}

static int kw_address(struct hf_cfg_parser *p, int argc, char **argv)
{
	struct hf_cfg_addr a;

	if (need_args(p, argc, 2, "address <a.b.c.d/len>"))
		return -EINVAL;
	if (!strchr(argv[1], '/') || hf_parse_prefix4(argv[1], &a.ip, &a.len))
		return hf_cfg_perr(p, "address '%s' is not of the form a.b.c.d/len",
			    argv[1]);
	if (a.len == 0 || a.len > 32)
		return hf_cfg_perr(p, "address '%s': prefix length must be 1..32",
			    argv[1]);
	if (p->port->naddr >= HF_MAX_PORT_ADDRS)
		return hf_cfg_perr(p, "port '%s' has more than %d addresses",
			    p->port->name, HF_MAX_PORT_ADDRS);
	p->port->addr[p->port->naddr++] = a;
	return 0;
}

static int kw_mac(struct hf_cfg_parser *p, int argc, char **argv)
{
	if (need_args(p, argc, 2, "mac <aa:bb:cc:dd:ee:ff>"))
		return -EINVAL;
	if (hf_parse_mac(argv[1], p->port->mac))
		return hf_cfg_perr(p, "mac '%s' is not of the form aa:bb:cc:dd:ee:ff",
			    argv[1]);
	if (p->port->mac[0] & 1)
		return hf_cfg_perr(p, "mac '%s' is a multicast address", argv[1]);
	if (!memcmp(p->port->mac, "\0\0\0\0\0\0", 6))
		return hf_cfg_perr(p, "mac '%s' is all zeroes", argv[1]);
	p->port->has_mac = true;
	return 0;
}

static int kw_mtu(struct hf_cfg_parser *p, int argc, char **argv)
{
	if (need_args(p, argc, 2, "mtu <68..9000>"))
		return -EINVAL;
	if (hf_parse_u32(argv[1], 68, 9000, &p->port->mtu))
		return hf_cfg_perr(p, "mtu '%s' is not a number in 68..9000", argv[1]);
	return 0;
}

static int kw_xdp_mode(struct hf_cfg_parser *p, int argc, char **argv)
{
	static const char *const names[] = { "auto", "native", "generic" };
	unsigned int i;

	if (need_args(p, argc, 2, "xdp-mode auto|native|generic"))
		return -EINVAL;
	for (i = 0; i < ARRAY_SIZE(names); i++)
		if (!strcmp(argv[1], names[i])) {
			p->port->xdp_mode = (enum hf_xdp_mode)i;
			return 0;
		}
	return hf_cfg_perr(p, "xdp-mode '%s' is not auto, native or generic",
		    argv[1]);
}

static int kw_bind_mode(struct hf_cfg_parser *p, int argc, char **argv)
{
	static const char *const names[] = { "auto", "zerocopy", "copy" };
	unsigned int i;

	if (need_args(p, argc, 2, "bind-mode auto|zerocopy|copy"))
		return -EINVAL;
	for (i = 0; i < ARRAY_SIZE(names); i++)
		if (!strcmp(argv[1], names[i])) {
			p->port->bind_mode = (enum hf_bind_mode)i;
			return 0;
		}
	return hf_cfg_perr(p, "bind-mode '%s' is not auto, zerocopy or copy",
		    argv[1]);
}

struct keyword {
	const char *name;
	int (*fn)(struct hf_cfg_parser *p, int argc, char **argv);
};

static const struct keyword port_keywords[] = {
	{ "interface", kw_interface },
	{ "address", kw_address },
	{ "mac", kw_mac },
	{ "mtu", kw_mtu },
	{ "xdp-mode", kw_xdp_mode },
	{ "bind-mode", kw_bind_mode },
	{ "virtual-address", hf_cfg_kw_virtual_address },
	{ "virtual-mac", hf_cfg_kw_virtual_mac },
};

/* ---- top-level statements ---- */

static int st_port(struct hf_cfg_parser *p, int argc, char **argv)
{
	struct hf_cfg_port *port;

	if (argc != 3 || strcmp(argv[2], "{"))
		return hf_cfg_perr(p, "expected 'port <name> {'");
	if (strlen(argv[1]) >= HF_PORT_NAME_MAX)
		return hf_cfg_perr(p, "port name '%s' is longer than %d characters",
			    argv[1], HF_PORT_NAME_MAX - 1);
	if (hf_config_port_index(p->cfg, argv[1]) >= 0)
		return hf_cfg_perr(p, "port '%s' is defined twice", argv[1]);
	if (p->cfg->nports >= HF_MAX_PORTS)
		return hf_cfg_perr(p, "more than %d ports", HF_MAX_PORTS);
	port = &p->cfg->port[p->cfg->nports++];
	strcpy(port->name, argv[1]);
	port->line = p->line;
	p->port = port;
	return 0;
}

int hf_cfg_check_name(struct hf_cfg_parser *p, const char *what,
		      const char *name)
{
	const char *c;

	for (c = name; *c; c++)
		if (!isalnum((unsigned char)*c) && !strchr("-_.", *c))
			return hf_cfg_perr(p, "%s name '%s': only letters, digits, '-', '_' and '.'",
					   what, name);
	if (strlen(name) >= HF_NAME_MAX)
		return hf_cfg_perr(p, "%s name '%s' is longer than %d characters",
				   what, name, HF_NAME_MAX - 1);
	return 0;
}

int hf_cfg_port_ref(struct hf_cfg_parser *p, const char *name, int *idx)
{
	*idx = hf_config_port_index(p->cfg, name);
	if (*idx < 0)
		return hf_cfg_perr(p, "unknown port '%s' (ports must be defined before use)",
			    name);
	return 0;
}

static int st_route(struct hf_cfg_parser *p, int argc, char **argv)
{
	struct hf_cfg_route r = { .port = -1, .line = p->line };
	struct hf_cfg_route *grown;

	if (argc < 3)
		return hf_cfg_perr(p, "expected 'route <prefix> via <gw> [port <name>]', 'route <prefix> port <name>' or 'route <prefix> blackhole'");
	if (hf_parse_prefix4(argv[1], &r.prefix, &r.len))
		return hf_cfg_perr(p, "route prefix '%s' is not of the form a.b.c.d/len",
			    argv[1]);
	if (r.prefix & ~hf_prefix4_mask(r.len))
		return hf_cfg_perr(p, "route prefix '%s' has host bits set", argv[1]);
	if (!strcmp(argv[2], "via") && (argc == 4 || argc == 6)) {
		r.kind = HF_ROUTE_VIA;
		if (hf_parse_ip4(argv[3], &r.gw))
			return hf_cfg_perr(p, "gateway '%s' is not an IPv4 address",
				    argv[3]);
		if (argc == 6 && strcmp(argv[4], "port"))
			return hf_cfg_perr(p, "expected 'port <name>' after the gateway");
		if (argc == 6 && hf_cfg_port_ref(p, argv[5], &r.port))
			return -EINVAL;
	} else if (!strcmp(argv[2], "port") && argc == 4) {
		r.kind = HF_ROUTE_ONLINK;
		if (hf_cfg_port_ref(p, argv[3], &r.port))
			return -EINVAL;
	} else if (!strcmp(argv[2], "blackhole") && argc == 3) {
		r.kind = HF_ROUTE_BLACKHOLE;
	} else {
		return hf_cfg_perr(p, "expected 'route <prefix> via <gw> [port <name>]', 'route <prefix> port <name>' or 'route <prefix> blackhole'");
	}
	grown = realloc(p->cfg->route, (p->cfg->nroutes + 1) * sizeof(*grown));
	if (!grown)
		return hf_cfg_perr(p, "out of memory");
	p->cfg->route = grown;
	p->cfg->route[p->cfg->nroutes++] = r;
	return 0;
}

static int st_neighbour(struct hf_cfg_parser *p, int argc, char **argv)
{
	struct hf_cfg_neigh n = { .line = p->line };
	struct hf_cfg_neigh *grown;

	if (argc != 5 || strcmp(argv[3], "port"))
		return hf_cfg_perr(p, "expected 'neighbour <ip> <mac> port <name>'");
	if (hf_parse_ip4(argv[1], &n.ip))
		return hf_cfg_perr(p, "neighbour '%s' is not an IPv4 address", argv[1]);
	if (hf_parse_mac(argv[2], n.mac) || (n.mac[0] & 1) ||
	    !memcmp(n.mac, "\0\0\0\0\0\0", 6))
		return hf_cfg_perr(p, "neighbour MAC '%s' is not a unicast aa:bb:cc:dd:ee:ff",
			    argv[2]);
	if (hf_cfg_port_ref(p, argv[4], &n.port))
		return -EINVAL;
	grown = realloc(p->cfg->neigh, (p->cfg->nneigh + 1) * sizeof(*grown));
	if (!grown)
		return hf_cfg_perr(p, "out of memory");
	p->cfg->neigh = grown;
	p->cfg->neigh[p->cfg->nneigh++] = n;
	return 0;
}

static const struct keyword statements[] = {
	{ "port", st_port },
	{ "route", st_route },
	{ "neighbour", st_neighbour },
	{ "neighbor", st_neighbour },
	{ "ha", hf_cfg_st_ha },
};

/* the statements a policy file (`hafwctl policy load`) may hold */
static const struct keyword policy_statements[] = {
	{ "zone", hf_cfg_st_zone },
	{ "rule", hf_cfg_st_rule },
	{ "policy-default", hf_cfg_st_policy_default },
};

static int dispatch(struct hf_cfg_parser *p, const struct keyword *kw, size_t n,
		    int argc, char **argv)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(argv[0], kw[i].name))
			return kw[i].fn(p, argc, argv);
	return 1;	/* not found */
}

static int parse_line(struct hf_cfg_parser *p, int argc, char **argv)
{
	size_t i;
	int rc;

	if (p->in_ha)
		return hf_cfg_ha_line(p, argc, argv);
	if (p->port) {
		if (!strcmp(argv[0], "}")) {
			if (argc != 1)
				return hf_cfg_perr(p, "unexpected text after '}'");
			if (!p->port->ifname[0])
				return hf_cfg_perr(p, "port '%s' has no 'interface'",
					    p->port->name);
			p->port = NULL;
			return 0;
		}
		rc = dispatch(p, port_keywords, ARRAY_SIZE(port_keywords),
			      argc, argv);
		if (rc > 0)
			return hf_cfg_perr(p, "unknown keyword '%s' in port block",
				    argv[0]);
		return rc;
	}
	rc = dispatch(p, policy_statements, ARRAY_SIZE(policy_statements),
		      argc, argv);
	if (rc <= 0)
		return rc;
	if (p->policy_only)
		return hf_cfg_perr(p, "'%s' does not belong in a policy file (only zone, rule and policy-default)",
				   argv[0]);
	rc = dispatch(p, statements, ARRAY_SIZE(statements), argc, argv);
	if (rc <= 0)
		return rc;
	for (i = 0; i < ARRAY_SIZE(options); i++)
		if (!strcmp(argv[0], options[i].name))
			return parse_option(p, &options[i], argc, argv);
	return hf_cfg_perr(p, "unknown keyword '%s'", argv[0]);
}

static int split_words(char *line, char **argv)
{
	int argc = 0;
	char *hash = strchr(line, '#');
	char *tok, *save = NULL;

	if (hash)
		*hash = '\0';
	for (tok = strtok_r(line, " \t\r", &save); tok;
	     tok = strtok_r(NULL, " \t\r", &save)) {
		if (argc == MAX_WORDS)
			return -1;
		argv[argc++] = tok;
	}
	return argc;
}

int hf_cfg_parse_text(struct hf_cfg_parser *p, const char *text)
{
	char *copy = strdup(text), *line, *next;
	int rc = 0;

	if (!copy)
		return hf_cfg_perr(p, "out of memory");
	for (line = copy; line && !rc; line = next) {
		char *argv[MAX_WORDS];
		int argc;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		else if (!*line)
			break;	/* after the final newline: no line N+1 */
		p->line++;
		argc = split_words(line, argv);
		if (argc < 0)
			rc = hf_cfg_perr(p, "more than %d words on one line",
					 MAX_WORDS);
		else if (argc > 0)
			rc = parse_line(p, argc, argv);
	}
	if (!rc && p->port)
		rc = hf_cfg_perr(p, "port '%s' (line %u) is missing its closing '}'",
				 p->port->name, p->port->line);
	if (!rc && p->in_ha)
		rc = hf_cfg_perr(p, "'ha' block (line %u) is missing its closing '}'",
				 p->cfg->ha.line);
	free(copy);
	return rc;
}

int hf_config_parse(struct hf_config *cfg, const char *file,
		    const char *text, char *err, size_t errlen)
{
	struct hf_cfg_parser p = { .cfg = cfg, .file = file, .err = err,
				   .errlen = errlen };

	return hf_cfg_parse_text(&p, text);
}

/* The whole of @path as a NUL-terminated string in *@out (free it). */
static int read_text(const char *path, char **out, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	char *text = NULL;
	size_t cap = 0, len = 0, n;
	int rc;

	if (!f) {
		rc = -errno;
		snprintf(err, errlen, "%s: cannot open: %s", path,
			 strerror(errno));
		return rc;
	}
	do {
		char *grown;

		if (len + 4096 + 1 > cap) {
			cap = cap ? cap * 2 : 8192;
			grown = realloc(text, cap);
			if (!grown) {
				free(text);
				fclose(f);
				snprintf(err, errlen, "%s: out of memory", path);
				return -ENOMEM;
			}
			text = grown;
		}
		n = fread(text + len, 1, 4096, f);
		len += n;
	} while (n > 0);
	fclose(f);
	text[len] = '\0';
	if (strlen(text) != len) {
		free(text);
		snprintf(err, errlen, "%s: contains a NUL byte", path);
		return -EINVAL;
	}
	*out = text;
	return 0;
}

int hf_config_load(struct hf_config *cfg, const char *path, char *err,
		   size_t errlen)
{
	char *text;
	int rc = read_text(path, &text, err, errlen);

	if (rc)
		return rc;
	rc = hf_config_parse(cfg, path, text, err, errlen);
	free(text);
	return rc;
}

int hf_config_load_policy(const struct hf_config *cfg, const char *path,
			  struct hf_cfg_policy *out, char *err, size_t errlen)
{
	char *text;
	int rc = read_text(path, &text, err, errlen);

	if (rc)
		return rc;
	rc = hf_config_parse_policy(cfg, path, text, out, err, errlen);
	free(text);
	return rc;
}

__attribute__((format(printf, 5, 6)))
static int verr(char *err, size_t errlen, const char *file, unsigned int line,
		const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(err, errlen, "%s:%u: ", file, line);

	if (n > 0 && (size_t)n < errlen) {
		va_start(ap, fmt);
		vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static bool is_pow2(uint32_t v)
{
	return v && !(v & (v - 1));
}

/* Index of the port whose connected subnet holds @ip, or -1. */
static int connected_port(const struct hf_config *cfg, uint32_t ip)
{
	uint32_t i, k;

	for (i = 0; i < cfg->nports; i++)
		for (k = 0; k < cfg->port[i].naddr; k++) {
			const struct hf_cfg_addr *a = &cfg->port[i].addr[k];
			uint32_t m = hf_prefix4_mask(a->len);

			if ((a->ip & m) == (ip & m))
				return (int)i;
		}
	return -1;
}

static int validate_ports(const struct hf_config *cfg, const char *file,
			  char *err, size_t errlen)
{
	uint32_t i, j, k, l;

	for (i = 0; i < cfg->nports; i++) {
		const struct hf_cfg_port *a = &cfg->port[i];

		for (j = i + 1; j < cfg->nports; j++)
			if (!strcmp(a->ifname, cfg->port[j].ifname))
				return verr(err, errlen, file, cfg->port[j].line,
					    "interface '%s' is already used by port '%s'",
					    a->ifname, a->name);
		for (k = 0; k < a->naddr; k++) {
			if (hf_addr4_is_net_or_bcast(a->addr[k].ip,
						     a->addr[k].len))
				return verr(err, errlen, file, a->line,
					    "port '%s': address is the network or broadcast address of its subnet",
					    a->name);
			for (j = 0; j < cfg->nports; j++)
				for (l = 0; l < cfg->port[j].naddr; l++) {
					const struct hf_cfg_addr *b =
						&cfg->port[j].addr[l];

					if ((j != i || l != k) &&
					    hf_prefix4_overlap(a->addr[k].ip,
							       a->addr[k].len,
							       b->ip, b->len))
						return verr(err, errlen, file,
							    a->line,
							    "port '%s': subnet of an address overlaps one on port '%s'",
							    a->name,
							    cfg->port[j].name);
				}
		}
	}
	return 0;
}

int hf_config_validate(const struct hf_config *cfg, const char *file,
		       char *err, size_t errlen)
{
	uint32_t i;
	int rc;

	if (!cfg->nports)
		return verr(err, errlen, file, 0, "no 'port' is configured");
	if (cfg->ncores && cfg->ncores != cfg->workers)
		return verr(err, errlen, file, 0,
			    "'cores' lists %u CPUs but 'workers' is %u: give one CPU per worker",
			    cfg->ncores, cfg->workers);
	if (cfg->worker_priority && cfg->poll_mode != HF_POLL_ADAPTIVE)
		return verr(err, errlen, file, 0,
			    "worker-priority %u needs poll-mode adaptive: a spinning real-time worker would starve the kernel's receive work on its core",
			    cfg->worker_priority);
	if (!is_pow2(cfg->rx_ring) || !is_pow2(cfg->tx_ring))
		return verr(err, errlen, file, 0,
			    "rx-ring (%u) and tx-ring (%u) must be powers of two",
			    cfg->rx_ring, cfg->tx_ring);
	rc = validate_ports(cfg, file, err, errlen);
	if (rc)
		return rc;
	rc = hf_cfg_ha_validate(cfg, file, err, errlen);
	if (rc)
		return rc;
	for (i = 0; i < cfg->nroutes; i++) {
		const struct hf_cfg_route *r = &cfg->route[i];
		int port;

		if (r->kind != HF_ROUTE_VIA)
			continue;
		port = connected_port(cfg, r->gw);
		if (port < 0)
			return verr(err, errlen, file, r->line,
				    "gateway is not inside any port's subnet");
		if (r->port >= 0 && r->port != port)
			return verr(err, errlen, file, r->line,
				    "gateway is on port '%s', not on port '%s'",
				    cfg->port[port].name,
				    cfg->port[r->port].name);
	}
	for (i = 0; i < cfg->nneigh; i++)
		if (connected_port(cfg, cfg->neigh[i].ip) != cfg->neigh[i].port)
			return verr(err, errlen, file, cfg->neigh[i].line,
				    "neighbour is not inside a subnet of port '%s'",
				    cfg->port[cfg->neigh[i].port].name);
	if (cfg->policy.present && cfg->session_max < cfg->workers)
		return verr(err, errlen, file, 0,
			    "session-max %u is below the worker count %u",
			    cfg->session_max, cfg->workers);
	return 0;
}

void hf_config_free(struct hf_config *cfg)
{
	free(cfg->route);
	free(cfg->neigh);
	free(cfg->policy.rule);
	cfg->policy.rule = NULL;
	cfg->policy.nrules = 0;
	cfg->route = NULL;
	cfg->neigh = NULL;
	cfg->nroutes = 0;
	cfg->nneigh = 0;
}

int hf_config_port_index(const struct hf_config *cfg, const char *name)
{
	uint32_t i;

	for (i = 0; i < cfg->nports; i++)
		if (!strcmp(cfg->port[i].name, name))
			return (int)i;
	return -1;
}
