// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * config_ha.c - the `ha { ... }` block of the config file, the port
 * keywords virtual-address and virtual-mac, and the HA checks of
 * hf_config_validate() (grammar in control/config.h).
 *
 * Value checks run as each line is parsed, so the error names that
 * line. Checks that need the whole file run in hf_cfg_ha_validate():
 * the ha block may come before or after the port blocks, but a
 * link-group names ports, which (as for routes, neighbours and zones)
 * must be defined on an earlier line. A key is never echoed in an
 * error message: only its length or the position of a bad character.
 *
 * Not thread-safe: runs on the main thread while a config is built.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/compiler.h"
#include "control/config_parse.h"
#include "control/textparse.h"
#include "pkt/martian.h"

#define GROUP_INTERVAL_MS	100	/* path-group defaults */
#define GROUP_MISSES		3
#define KEY_HEX_MIN		32	/* 128-bit key at least */
#define KEY_HEX_MAX		(2 * HF_HA_KEY_MAX)
#define KEY_FILE_MAX		1024	/* bytes read from a key-file */

/* ---- helpers ---- */

static bool is_martian(uint32_t ip)
{
	/* 0/8, 127/8, 169.254/16, 224/4, 240/4 (and 255.255.255.255) */
	return hf_ip4_src_is_martian(ip);
}

#define MARTIAN_WHY "0/8, 127/8, 169.254/16, multicast or 240/4"


static const struct hf_cfg_ha_group *find_group(const struct hf_cfg_ha *ha,
						const char *name)
{
	uint32_t i;

	for (i = 0; i < ha->nlink_groups; i++)
		if (!strcmp(ha->link_group[i].name, name))
			return &ha->link_group[i];
	for (i = 0; i < ha->npath_groups; i++)
		if (!strcmp(ha->path_group[i].name, name))
			return &ha->path_group[i];
	return NULL;
}

/*
 * Start a group: check its name (unique over link and path groups, so
 * that `show ha` can name either kind unambiguously) and its mode, and
 * return the zeroed next slot of @grp in *@out. The caller bumps *@n
 * once the whole line is good.
 */
static int group_begin(struct hf_cfg_parser *p, const char *what,
		       char **argv, struct hf_cfg_ha_group *grp, uint32_t n,
		       struct hf_cfg_ha_group **out)
{
	const struct hf_cfg_ha_group *dup;
	struct hf_cfg_ha_group *g;

	if (hf_cfg_check_name(p, what, argv[1]))
		return -EINVAL;
	dup = find_group(&p->cfg->ha, argv[1]);
	if (dup)
		return hf_cfg_perr(p, "group '%s' is defined twice (line %u)",
				   argv[1], dup->line);
	if (n >= HF_HA_MAX_GROUPS)
		return hf_cfg_perr(p, "more than %d %ss", HF_HA_MAX_GROUPS, what);
	g = &grp[n];
	memset(g, 0, sizeof(*g));
	strcpy(g->name, argv[1]);
	g->line = p->line;
	if (!strcmp(argv[2], "all"))
		g->all = true;
	else if (strcmp(argv[2], "any"))
		return hf_cfg_perr(p, "%s '%s': '%s' is not any or all", what,
				   argv[1], argv[2]);
	*out = g;
	return 0;
}

/* ---- ha block keywords ---- */

static int kw_ifname(struct hf_cfg_parser *p, int argc, char **argv)
{
	if (argc != 2)
		return hf_cfg_perr(p, "expected 'interface <ifname>'");
	if (strlen(argv[1]) >= IF_NAMESIZE)
		return hf_cfg_perr(p, "interface name '%s' is longer than %d characters",
				   argv[1], IF_NAMESIZE - 1);
	strcpy(p->cfg->ha.ifname, argv[1]);
	return 0;
}

static int ha_addr(struct hf_cfg_parser *p, int argc, char **argv,
		   uint32_t *ip)
{
	if (argc != 2)
		return hf_cfg_perr(p, "expected '%s <a.b.c.d>'", argv[0]);
	if (hf_parse_ip4(argv[1], ip))
		return hf_cfg_perr(p, "%s '%s' is not an IPv4 address", argv[0],
				   argv[1]);
	if (is_martian(*ip))
		return hf_cfg_perr(p, "%s '%s' is a martian address (" MARTIAN_WHY ")",
				   argv[0], argv[1]);
	return 0;
}

static int kw_local_address(struct hf_cfg_parser *p, int argc, char **argv)
{
	struct hf_cfg_ha *ha = &p->cfg->ha;
	uint32_t ip;

	if (ha_addr(p, argc, argv, &ip))
		return -EINVAL;
	if (ha->peer_ip == ip)
		return hf_cfg_perr(p, "local-address '%s' is also the peer-address",
				   argv[1]);
	ha->local_ip = ip;
	return 0;
}

static int kw_peer_address(struct hf_cfg_parser *p, int argc, char **argv)
{
	struct hf_cfg_ha *ha = &p->cfg->ha;
	uint32_t ip;

	if (ha_addr(p, argc, argv, &ip))
		return -EINVAL;
	if (ha->local_ip == ip)
		return hf_cfg_perr(p, "peer-address '%s' is also the local-address",
				   argv[1]);
	ha->peer_ip = ip;
	return 0;
}

/* Decode @n hex digits at @hex into the HA key. @what names the source. */
static int set_key(struct hf_cfg_parser *p, const char *what, const char *hex,
		   size_t n)
{
	struct hf_cfg_ha *ha = &p->cfg->ha;
	size_t i;

	for (i = 0; i < n; i++)
		if (hf_hexval(hex[i]) < 0)
			return hf_cfg_perr(p, "%s: character %zu is not a hex digit",
					   what, i + 1);
	if (n & 1)
		return hf_cfg_perr(p, "%s has an odd number of hex digits (%zu)",
				   what, n);
	if (n < KEY_HEX_MIN || n > KEY_HEX_MAX)
		return hf_cfg_perr(p, "%s has %zu hex digits, need %d..%d",
				   what, n, KEY_HEX_MIN, KEY_HEX_MAX);
	for (i = 0; i < n / 2; i++)
		ha->key[i] = (uint8_t)(hf_hexval(hex[2 * i]) << 4 |
				       hf_hexval(hex[2 * i + 1]));
	ha->key_len = (uint32_t)(n / 2);
	return 0;
}

static int kw_key(struct hf_cfg_parser *p, int argc, char **argv)
{
	if (argc != 2)
		return hf_cfg_perr(p, "expected 'key <%d..%d hex digits>'",
				   KEY_HEX_MIN, KEY_HEX_MAX);
	if (p->cfg->ha.key_len)
		return hf_cfg_perr(p, "only one of 'key' and 'key-file' may be given");
	return set_key(p, "key", argv[1], strlen(argv[1]));
}

/* Up to KEY_FILE_MAX bytes of @fd into @buf; -EFBIG if there are more. */
static ssize_t read_small(int fd, char *buf)
{
	size_t len = 0;
	ssize_t n;

	do {
		n = read(fd, buf + len, KEY_FILE_MAX + 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		len += (size_t)n;
	} while (n > 0 && len <= KEY_FILE_MAX);
	return len > KEY_FILE_MAX ? -EFBIG : (ssize_t)len;
}

/*
 * The file holds the key as one line of hex digits; surrounding blanks
 * and the final newline are ignored. It is read now, so a bad key fails
 * `--check-config` as well. The path must be absolute: a daemon's
 * working directory is not the operator's.
 */
static int kw_key_file(struct hf_cfg_parser *p, int argc, char **argv)
{
	char buf[KEY_FILE_MAX + 1], what[PATH_MAX + 16];
	const char *path = argv[1];
	size_t start, end;
	struct stat st;
	ssize_t len;
	int fd, rc;

	if (argc != 2)
		return hf_cfg_perr(p, "expected 'key-file <path>'");
	if (p->cfg->ha.key_len)
		return hf_cfg_perr(p, "only one of 'key' and 'key-file' may be given");
	if (path[0] != '/')
		return hf_cfg_perr(p, "key-file '%s' is not an absolute path", path);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return hf_cfg_perr(p, "key-file '%s': cannot open: %s", path,
				   strerror(errno));
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		return hf_cfg_perr(p, "key-file '%s' is not a regular file", path);
	}
	len = read_small(fd, buf);
	close(fd);
	if (len == -EFBIG)
		return hf_cfg_perr(p, "key-file '%s' is longer than %d bytes",
				   path, KEY_FILE_MAX);
	if (len < 0)
		return hf_cfg_perr(p, "key-file '%s': cannot read: %s", path,
				   strerror((int)-len));
	for (start = 0; start < (size_t)len && isspace((unsigned char)buf[start]);)
		start++;
	for (end = (size_t)len; end > start && isspace((unsigned char)buf[end - 1]);)
		end--;
	snprintf(what, sizeof(what), "key-file '%s'", path);
	if (start == end)
		rc = hf_cfg_perr(p, "%s is empty", what);
	else
		rc = set_key(p, what, buf + start, end - start);
	explicit_bzero(buf, sizeof(buf));
	return rc;
}

static int kw_link_group(struct hf_cfg_parser *p, int argc, char **argv)
{
	struct hf_cfg_ha *ha = &p->cfg->ha;
	struct hf_cfg_ha_group *g;
	int k, port;

	if (argc < 4)
		return hf_cfg_perr(p, "expected 'link-group <name> any|all <port> [<port> ...]'");
	if (group_begin(p, "link-group", argv, ha->link_group,
			ha->nlink_groups, &g))
		return -EINVAL;
	for (k = 3; k < argc; k++) {
		if (hf_cfg_port_ref(p, argv[k], &port))
			return -EINVAL;
		if (g->ports & (1u << port))
			return hf_cfg_perr(p, "link-group '%s': port '%s' is listed twice",
					   g->name, argv[k]);
		g->ports |= 1u << port;
	}
	ha->nlink_groups++;
	return 0;
}

static int path_target(struct hf_cfg_parser *p, struct hf_cfg_ha_group *g,
		       const char *s)
{
	uint32_t ip, i;

	if (hf_parse_ip4(s, &ip))
		return hf_cfg_perr(p, "path-group '%s': target '%s' is not an IPv4 address",
				   g->name, s);
	if (is_martian(ip))
		return hf_cfg_perr(p, "path-group '%s': target '%s' is a martian address (" MARTIAN_WHY ")",
				   g->name, s);
	for (i = 0; i < g->ntargets; i++)
		if (g->target[i] == ip)
			return hf_cfg_perr(p, "path-group '%s': target '%s' is listed twice",
					   g->name, s);
	if (g->ntargets >= HF_HA_MAX_TARGETS)
		return hf_cfg_perr(p, "path-group '%s': more than %d targets",
				   g->name, HF_HA_MAX_TARGETS);
	g->target[g->ntargets++] = ip;
	return 0;
}

#define PATH_USAGE "expected 'path-group <name> any|all [interval <ms>] [misses <n>] target <a.b.c.d> [target <a.b.c.d> ...]'"

static int kw_path_group(struct hf_cfg_parser *p, int argc, char **argv)
{
	struct hf_cfg_ha *ha = &p->cfg->ha;
	bool has_interval = false, has_misses = false;
	struct hf_cfg_ha_group *g;
	int k, rc = 0;

	if (argc < 5 || (argc & 1) == 0)
		return hf_cfg_perr(p, PATH_USAGE);
	if (group_begin(p, "path-group", argv, ha->path_group,
			ha->npath_groups, &g))
		return -EINVAL;
	g->interval_ms = GROUP_INTERVAL_MS;
	g->misses = GROUP_MISSES;
	for (k = 3; k + 1 < argc && !rc; k += 2) {
		const char *kw = argv[k], *v = argv[k + 1];

		if (!strcmp(kw, "target")) {
			rc = path_target(p, g, v);
		} else if (!strcmp(kw, "interval")) {
			if (has_interval)
				return hf_cfg_perr(p, "path-group '%s': 'interval' is given twice",
						   g->name);
			has_interval = true;
			if (hf_parse_u32(v, 10, 60000, &g->interval_ms))
				rc = hf_cfg_perr(p, "path-group '%s': interval '%s' is not a number in 10..60000",
						 g->name, v);
		} else if (!strcmp(kw, "misses")) {
			if (has_misses)
				return hf_cfg_perr(p, "path-group '%s': 'misses' is given twice",
						   g->name);
			has_misses = true;
			if (hf_parse_u32(v, 1, 100, &g->misses))
				rc = hf_cfg_perr(p, "path-group '%s': misses '%s' is not a number in 1..100",
						 g->name, v);
		} else {
			rc = hf_cfg_perr(p, "path-group '%s': unknown keyword '%s'",
					 g->name, kw);
		}
	}
	if (rc)
		return rc;
	if (!g->ntargets)
		return hf_cfg_perr(p, "path-group '%s' has no 'target'", g->name);
	ha->npath_groups++;
	return 0;
}

enum ha_kw_type { HA_NUM, HA_BOOL, HA_FN };

struct ha_keyword {
	const char *name;
	enum ha_kw_type type;
	size_t off, size;	/* HA_NUM, HA_BOOL: the field */
	uint32_t min, max;	/* HA_NUM */
	int (*fn)(struct hf_cfg_parser *p, int argc, char **argv);
	bool repeatable;
};

#define HA_FIELD(f) \
	offsetof(struct hf_cfg_ha, f), sizeof(((struct hf_cfg_ha *)0)->f)
#define NUM(n, f, lo, hi)	{ n, HA_NUM, HA_FIELD(f), lo, hi, NULL, false }
#define BOOLEAN(n, f)		{ n, HA_BOOL, HA_FIELD(f), 0, 1, NULL, false }
#define FN(n, fn, rep)		{ n, HA_FN, 0, 0, 0, 0, fn, rep }

/* Index = bit in p->ha_seen: a keyword given twice is an error. */
static const struct ha_keyword ha_keywords[] = {
	NUM("node-id", node_id, 1, UINT32_MAX),
	NUM("priority", priority, 0, 65535),
	BOOLEAN("preempt", preempt),
	NUM("preempt-hold", preempt_hold_ms, 0, 3600000),
	NUM("heartbeat-interval", hb_interval_ms, 10, 60000),
	NUM("heartbeat-misses", hb_misses, 2, 100),
	NUM("flap-max", flap_max, 0, 1000),
	NUM("flap-window", flap_window_ms, 1000, 86400000),
	FN("interface", kw_ifname, false),
	FN("local-address", kw_local_address, false),
	FN("peer-address", kw_peer_address, false),
	NUM("ha1-port", ha1_port, 1, 65535),
	NUM("sync-port", sync_port, 1, 65535),
	FN("key", kw_key, false),
	FN("key-file", kw_key_file, false),
	NUM("garp-count", garp_count, 0, 100),
	NUM("garp-interval", garp_interval_ms, 1, 10000),
	NUM("worker-stuck", worker_stuck_ms, 50, 60000),
	FN("link-group", kw_link_group, true),
	FN("path-group", kw_path_group, true),
};

_Static_assert(ARRAY_SIZE(ha_keywords) <= 32, "ha_seen is a 32-bit mask");

static const char *const ha_required[] = {
	"node-id", "interface", "local-address", "peer-address",
};

static int kw_index(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(ha_keywords); i++)
		if (!strcmp(ha_keywords[i].name, name))
			return (int)i;
	return -1;
}

static int ha_value(struct hf_cfg_parser *p, const struct ha_keyword *kw,
		    int argc, char **argv)
{
	char *field = (char *)&p->cfg->ha + kw->off;
	uint32_t v;

	if (kw->type == HA_FN)
		return kw->fn(p, argc, argv);
	if (kw->type == HA_BOOL) {
		bool b;

		if (argc != 2)
			return hf_cfg_perr(p, "expected '%s yes|no'", kw->name);
		if (!strcmp(argv[1], "yes") || !strcmp(argv[1], "on"))
			b = true;
		else if (!strcmp(argv[1], "no") || !strcmp(argv[1], "off"))
			b = false;
		else
			return hf_cfg_perr(p, "%s '%s' is not yes or no",
					   kw->name, argv[1]);
		memcpy(field, &b, sizeof(b));
		return 0;
	}
	if (argc != 2)
		return hf_cfg_perr(p, "expected '%s <%u..%u>'", kw->name,
				   kw->min, kw->max);
	if (hf_parse_u32(argv[1], kw->min, kw->max, &v))
		return hf_cfg_perr(p, "%s '%s' is not a number in %u..%u",
				   kw->name, argv[1], kw->min, kw->max);
	if (kw->size == sizeof(uint16_t)) {
		uint16_t v16 = (uint16_t)v;

		memcpy(field, &v16, sizeof(v16));
	} else {
		memcpy(field, &v, sizeof(v));
	}
	return 0;
}

/* '}': every required keyword given; the ports differ. */
static int ha_close(struct hf_cfg_parser *p, int argc)
{
	const struct hf_cfg_ha *ha = &p->cfg->ha;
	size_t i;

	if (argc != 1)
		return hf_cfg_perr(p, "unexpected text after '}'");
	for (i = 0; i < ARRAY_SIZE(ha_required); i++)
		if (!(p->ha_seen & (1u << kw_index(ha_required[i]))))
			return hf_cfg_perr(p, "'ha' block (line %u) has no '%s'",
					   ha->line, ha_required[i]);
	if (ha->ha1_port == ha->sync_port)
		return hf_cfg_perr(p, "sync-port %u is also the ha1-port: they need different ports",
				   ha->sync_port);
	p->in_ha = false;
	return 0;
}

int hf_cfg_ha_line(struct hf_cfg_parser *p, int argc, char **argv)
{
	const struct ha_keyword *kw;
	int i, rc;

	if (!strcmp(argv[0], "}"))
		return ha_close(p, argc);
	i = kw_index(argv[0]);
	if (i < 0)
		return hf_cfg_perr(p, "unknown keyword '%s' in ha block", argv[0]);
	kw = &ha_keywords[i];
	if (!kw->repeatable && (p->ha_seen & (1u << i)))
		return hf_cfg_perr(p, "'%s' is given twice in the ha block",
				   kw->name);
	rc = ha_value(p, kw, argc, argv);
	if (!rc)
		p->ha_seen |= 1u << i;
	return rc;
}

int hf_cfg_st_ha(struct hf_cfg_parser *p, int argc, char **argv)
{
	struct hf_cfg_ha *ha = &p->cfg->ha;

	if (argc != 2 || strcmp(argv[1], "{"))
		return hf_cfg_perr(p, "expected 'ha {'");
	if (ha->present)
		return hf_cfg_perr(p, "'ha' block is defined twice (line %u)",
				   ha->line);
	ha->present = true;
	ha->line = p->line;
	p->in_ha = true;
	p->ha_seen = 0;
	return 0;
}

/* ---- port block keywords ---- */

int hf_cfg_kw_virtual_address(struct hf_cfg_parser *p, int argc, char **argv)
{
	struct hf_cfg_port *port = p->port;
	struct hf_cfg_addr a;
	unsigned int i;

	if (argc != 2)
		return hf_cfg_perr(p, "expected 'virtual-address <a.b.c.d/len>'");
	if (!strchr(argv[1], '/') || hf_parse_prefix4(argv[1], &a.ip, &a.len))
		return hf_cfg_perr(p, "virtual-address '%s' is not of the form a.b.c.d/len",
				   argv[1]);
	if (a.len == 0)
		return hf_cfg_perr(p, "virtual-address '%s': prefix length must be 1..32",
				   argv[1]);
	if (is_martian(a.ip))
		return hf_cfg_perr(p, "virtual-address '%s' is a martian address (" MARTIAN_WHY ")",
				   argv[1]);
	if (hf_addr4_is_net_or_bcast(a.ip, a.len))
		return hf_cfg_perr(p, "virtual-address '%s' is the network or broadcast address of its subnet",
				   argv[1]);
	for (i = 0; i < port->nvaddr; i++)
		if (port->vaddr[i].ip == a.ip)
			return hf_cfg_perr(p, "virtual-address '%s' is given twice in port '%s'",
					   argv[1], port->name);
	if (port->nvaddr >= HF_MAX_PORT_ADDRS)
		return hf_cfg_perr(p, "port '%s' has more than %d virtual addresses",
				   port->name, HF_MAX_PORT_ADDRS);
	port->vaddr[port->nvaddr++] = a;
	return 0;
}

int hf_cfg_kw_virtual_mac(struct hf_cfg_parser *p, int argc, char **argv)
{
	struct hf_cfg_port *port = p->port;
	uint8_t mac[6];

	if (argc != 2)
		return hf_cfg_perr(p, "expected 'virtual-mac <aa:bb:cc:dd:ee:ff>'");
	if (port->has_vmac)
		return hf_cfg_perr(p, "port '%s' has a second 'virtual-mac'",
				   port->name);
	if (hf_parse_mac(argv[1], mac))
		return hf_cfg_perr(p, "virtual-mac '%s' is not of the form aa:bb:cc:dd:ee:ff",
				   argv[1]);
	if (mac[0] & 1)
		return hf_cfg_perr(p, "virtual-mac '%s' is a multicast address",
				   argv[1]);
	if (!memcmp(mac, "\0\0\0\0\0\0", 6))
		return hf_cfg_perr(p, "virtual-mac '%s' is all zeroes", argv[1]);
	memcpy(port->vmac, mac, 6);
	port->has_vmac = true;
	return 0;
}

/* ---- validation ---- */

/* Port @i's address that equals @ip, or NULL. */
static const struct hf_cfg_addr *own_addr(const struct hf_cfg_port *port,
					  uint32_t ip)
{
	unsigned int k;

	for (k = 0; k < port->naddr; k++)
		if (port->addr[k].ip == ip)
			return &port->addr[k];
	return NULL;
}

static bool same_prefix(const struct hf_cfg_addr *a, const struct hf_cfg_addr *b)
{
	uint32_t m = hf_prefix4_mask(a->len);

	return a->len == b->len && (a->ip & m) == (b->ip & m);
}

/*
 * A virtual address's subnet may share a subnet of its own port exactly
 * (the usual case: the connected route exists already) or stand alone;
 * a partial overlap, or any overlap with another port, would give the
 * FIB two connected routes that disagree (see hf_routes_vaddr_add()).
 */
static int check_vaddr_overlap(struct hf_cfg_parser *p,
			       const struct hf_config *cfg, uint32_t i,
			       const struct hf_cfg_addr *v)
{
	const struct hf_cfg_port *pi = &cfg->port[i];
	char buf[16], bbuf[16];
	uint32_t j;
	unsigned int l;

	for (j = 0; j < cfg->nports; j++) {
		const struct hf_cfg_port *pj = &cfg->port[j];

		for (l = 0; l < pj->naddr + pj->nvaddr; l++) {
			const struct hf_cfg_addr *b = l < pj->naddr ?
				&pj->addr[l] : &pj->vaddr[l - pj->naddr];

			if (b == v || !hf_prefix4_overlap(v->ip, v->len, b->ip,
							  b->len))
				continue;
			if (j == i && same_prefix(v, b))
				continue;
			p->line = pi->line;
			return hf_cfg_perr(p, "port '%s': subnet of virtual-address %s/%u overlaps that of %s %s/%u on port '%s'",
					   pi->name, hf_fmt_ip4(v->ip, buf),
					   v->len, l < pj->naddr ? "address" :
					   "virtual-address",
					   hf_fmt_ip4(b->ip, bbuf), b->len,
					   pj->name);
		}
	}
	return 0;
}

static int validate_vaddrs(struct hf_cfg_parser *p, const struct hf_config *cfg)
{
	char buf[16];
	uint32_t i, j;
	unsigned int k, l;

	for (i = 0; i < cfg->nports; i++) {
		const struct hf_cfg_port *pi = &cfg->port[i];

		for (k = 0; k < pi->nvaddr; k++) {
			const struct hf_cfg_addr *v = &pi->vaddr[k];

			hf_fmt_ip4(v->ip, buf);
			for (j = 0; j < cfg->nports; j++) {
				if (!own_addr(&cfg->port[j], v->ip))
					continue;
				p->line = pi->line;
				return hf_cfg_perr(p, "port '%s': virtual-address %s is an address of port '%s'",
						   pi->name, buf,
						   cfg->port[j].name);
			}
			for (j = i + 1; j < cfg->nports; j++)
				for (l = 0; l < cfg->port[j].nvaddr; l++) {
					if (cfg->port[j].vaddr[l].ip != v->ip)
						continue;
					p->line = cfg->port[j].line;
					return hf_cfg_perr(p, "port '%s': virtual-address %s is already on port '%s'",
							   cfg->port[j].name,
							   buf, pi->name);
				}
			if (check_vaddr_overlap(p, cfg, i, v))
				return -EINVAL;
		}
	}
	return 0;
}

static int validate_vmacs(struct hf_cfg_parser *p, const struct hf_config *cfg)
{
	char buf[18];
	uint32_t i, j;

	for (i = 0; i < cfg->nports; i++) {
		const struct hf_cfg_port *pi = &cfg->port[i];

		if (!pi->has_vmac)
			continue;
		hf_fmt_mac(pi->vmac, buf);
		for (j = 0; j < cfg->nports; j++) {
			const struct hf_cfg_port *pj = &cfg->port[j];

			if (pj->has_mac && !memcmp(pj->mac, pi->vmac, 6)) {
				p->line = pi->line;
				return hf_cfg_perr(p, "port '%s': virtual-mac %s is the mac of port '%s'",
						   pi->name, buf, pj->name);
			}
			if (j > i && pj->has_vmac &&
			    !memcmp(pj->vmac, pi->vmac, 6)) {
				p->line = pj->line;
				return hf_cfg_perr(p, "port '%s': virtual-mac %s is already on port '%s'",
						   pj->name, buf, pi->name);
			}
		}
	}
	return 0;
}

/* Port holding @ip as its own or virtual address, or -1. */
static int addr_owner(const struct hf_config *cfg, uint32_t ip)
{
	uint32_t j;
	unsigned int l;

	for (j = 0; j < cfg->nports; j++) {
		if (own_addr(&cfg->port[j], ip))
			return (int)j;
		for (l = 0; l < cfg->port[j].nvaddr; l++)
			if (cfg->port[j].vaddr[l].ip == ip)
				return (int)j;
	}
	return -1;
}

/*
 * Would the dataplane route a probe to @ip? Longest match over the
 * connected subnets (own and virtual addresses) and the static routes;
 * a blackhole winner, or no match, is no path.
 */
static bool is_routable(const struct hf_config *cfg, uint32_t ip)
{
	int best = -1;
	bool reach = false;
	uint32_t i;
	unsigned int l;

	for (i = 0; i < cfg->nports; i++) {
		const struct hf_cfg_port *pt = &cfg->port[i];

		for (l = 0; l < pt->naddr + pt->nvaddr; l++) {
			const struct hf_cfg_addr *a = l < pt->naddr ?
				&pt->addr[l] : &pt->vaddr[l - pt->naddr];

			if (a->len > best && hf_prefix4_overlap(a->ip, a->len,
								 ip, 32)) {
				best = a->len;
				reach = true;
			}
		}
	}
	for (i = 0; i < cfg->nroutes; i++) {
		const struct hf_cfg_route *r = &cfg->route[i];

		/* on a tie the connected subnet wins, as in the FIB */
		if (r->len > best && hf_prefix4_overlap(r->prefix, r->len, ip,
							 32)) {
			best = r->len;
			reach = r->kind != HF_ROUTE_BLACKHOLE;
		}
	}
	return reach;
}

static int validate_paths(struct hf_cfg_parser *p, const struct hf_config *cfg)
{
	const struct hf_cfg_ha *ha = &cfg->ha;
	char buf[16];
	uint32_t i, k;
	int owner;

	for (i = 0; i < ha->npath_groups; i++) {
		const struct hf_cfg_ha_group *g = &ha->path_group[i];

		for (k = 0; k < g->ntargets; k++) {
			hf_fmt_ip4(g->target[k], buf);
			p->line = g->line;
			owner = addr_owner(cfg, g->target[k]);
			if (owner >= 0)
				return hf_cfg_perr(p, "path-group '%s': target %s is an address of port '%s'",
						   g->name, buf,
						   cfg->port[owner].name);
			if (!is_routable(cfg, g->target[k]))
				return hf_cfg_perr(p, "path-group '%s': target %s is in no port's subnet and no route leads to it",
						   g->name, buf);
		}
	}
	return 0;
}

/* The HA link is a kernel interface of its own, off the data ports. */
static int validate_link(struct hf_cfg_parser *p, const struct hf_config *cfg)
{
	const struct hf_cfg_ha *ha = &cfg->ha;
	const uint32_t ips[2] = { ha->local_ip, ha->peer_ip };
	const char *const names[2] = { "local-address", "peer-address" };
	char buf[16];
	uint32_t i;
	int owner;

	p->line = ha->line;
	for (i = 0; i < cfg->nports; i++)
		if (!strcmp(cfg->port[i].ifname, ha->ifname))
			return hf_cfg_perr(p, "ha interface '%s' is the interface of data port '%s': the HA link must be a separate kernel interface",
					   ha->ifname, cfg->port[i].name);
	for (i = 0; i < 2; i++) {
		owner = addr_owner(cfg, ips[i]);
		if (owner >= 0)
			return hf_cfg_perr(p, "ha %s %s is an address of data port '%s'",
					   names[i], hf_fmt_ip4(ips[i], buf),
					   cfg->port[owner].name);
	}
	return 0;
}

int hf_cfg_ha_validate(const struct hf_config *cfg, const char *file,
		       char *err, size_t errlen)
{
	struct hf_cfg_parser p = { .file = file, .err = err, .errlen = errlen };
	uint32_t i;

	if (!cfg->ha.present) {
		for (i = 0; i < cfg->nports; i++) {
			const struct hf_cfg_port *pt = &cfg->port[i];

			if (!pt->nvaddr && !pt->has_vmac)
				continue;
			p.line = pt->line;
			return hf_cfg_perr(&p, "port '%s': %s needs an 'ha' block",
					   pt->name, pt->nvaddr ?
					   "virtual-address" : "virtual-mac");
		}
		return 0;
	}
	if (validate_link(&p, cfg) || validate_vaddrs(&p, cfg) ||
	    validate_vmacs(&p, cfg) || validate_paths(&p, cfg))
		return -EINVAL;
	return 0;
}
