// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * commands.c - the control command table and its handlers
 * (see control/commands.h). Each handler gets the words after its path
 * and a json flag (--json may appear anywhere and is removed first).
 */
#include "control/commands.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/if_xdp.h>

#include "common/compiler.h"
#include "common/time.h"
#include "control/buf.h"
#include "control/cmd_args.h"
#include "control/routes.h"
#include "control/textparse.h"
#include "fwd/dataplane.h"
#include "fwd/fib.h"
#include "fwd/neigh.h"
#include "fwd/nexthop.h"
#include "fwd/worker.h"

int hf_cmd_err(struct hf_cmd_args *a, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(a->err, a->errlen, fmt, ap);
	va_end(ap);
	return rc;
}

int hf_cmd_port_by_name(struct hf_cmd_args *a, const char *name)
{
	uint32_t i;

	for (i = 0; i < a->dp->nports; i++)
		if (!strcmp(a->dp->port[i].name, name))
			return (int)i;
	return hf_cmd_err(a, -ENOENT, "no port named '%s'", name);
}

/* ---- show interfaces ---- */

struct xsk_kstats {
	uint64_t rx_dropped, rx_ring_full, fill_empty, tx_invalid;
};

/* Kernel-side AF_XDP drop counters of every worker's socket on @port. */
static void port_xsk_kstats(const struct hf_dataplane *dp, uint16_t port,
			    struct xsk_kstats *k)
{
	uint32_t i;

	memset(k, 0, sizeof(*k));
	for (i = 0; i < dp->nworkers; i++) {
		struct xdp_statistics st;
		socklen_t len = sizeof(st);

		if (port >= dp->worker[i]->nxsk ||
		    getsockopt(dp->worker[i]->xsk[port].fd, SOL_XDP,
			       XDP_STATISTICS, &st, &len))
			continue;
		k->rx_dropped += st.rx_dropped;
		k->rx_ring_full += st.rx_ring_full;
		k->fill_empty += st.rx_fill_ring_empty_descs;
		k->tx_invalid += st.tx_invalid_descs;
	}
}

static void show_one_interface(struct hf_cmd_args *a, const struct hf_l3 *l3,
			       uint16_t i)
{
	const struct hf_dataplane *dp = a->dp;
	const struct hf_port *p = &dp->port[i];
	const struct hf_l3_port *lp = &l3->port[i];
	const char *bind = dp->nworkers && hf_worker_zerocopy(dp->worker[0]) ?
				   "zero-copy" : "copy";
	uint32_t budget = dp->nworkers && i < dp->worker[0]->nxsk ?
				  dp->worker[0]->xsk[i].tx_budget : 0;
	uint64_t xs[HF_XSK_STAT_MAX];
	struct hf_port_stats ps;
	struct xsk_kstats ks;
	char mac[18], ip[16];
	uint32_t k;

	hf_dp_port_stats(dp, i, &ps);
	port_xsk_kstats(dp, i, &ks);
	hf_port_xdp_stats(p, xs);
	hf_fmt_mac(lp->mac, mac);
	if (a->json) {
		hf_buf_printf(a->out, "%s{\"name\":", i ? "," : "");
		hf_buf_json_str(a->out, p->name);
		hf_buf_printf(a->out, ",\"interface\":");
		hf_buf_json_str(a->out, p->ifname);
		hf_buf_printf(a->out, ",\"ifindex\":%d,\"driver\":", p->ifindex);
		hf_buf_json_str(a->out, p->driver);
		hf_buf_printf(a->out,
			      ",\"mac\":\"%s\",\"mtu\":%u,\"interface_mtu\":%u,"
			      "\"xdp_mode\":\"%s\",\"bind_mode\":\"%s\","
			      "\"rx_queues\":%u,\"tx_queues\":%u,\"sockets\":%u,"
			      "\"tx_budget\":%u,\"addresses\":[",
			      mac, lp->mtu, p->hw_mtu, hf_port_mode_name(p), bind,
			      p->rx_queues, p->tx_queues, dp->nworkers,
			      budget ? budget : 32);
		for (k = 0; k < lp->naddr; k++)
			hf_buf_printf(a->out, "%s\"%s/%u\"", k ? "," : "",
				      hf_fmt_ip4(lp->addr[k].ip, ip),
				      lp->addr[k].len);
		hf_buf_printf(a->out,
			      "],\"rx_packets\":%lu,\"rx_bytes\":%lu,"
			      "\"tx_packets\":%lu,\"tx_bytes\":%lu,"
			      "\"xdp_redirected\":%lu,\"xdp_pass_nosock\":%lu,"
			      "\"xsk_rx_dropped\":%lu,\"xsk_rx_ring_full\":%lu,"
			      "\"xsk_fill_empty\":%lu,\"xsk_tx_invalid\":%lu}",
			      ps.rx_packets, ps.rx_bytes, ps.tx_packets,
			      ps.tx_bytes, xs[HF_XSK_STAT_REDIRECTED],
			      xs[HF_XSK_STAT_PASS_NOSOCK], ks.rx_dropped,
			      ks.rx_ring_full, ks.fill_empty, ks.tx_invalid);
		return;
	}
	hf_buf_printf(a->out, "%s: %s (ifindex %d, driver %s)\n", p->name,
		      p->ifname, p->ifindex, p->driver);
	hf_buf_printf(a->out,
		      "  mac %s  mtu %u (interface %u)  xdp %s  bind %s  queues rx %u tx %u  sockets %u  tx-budget %u\n",
		      mac, lp->mtu, p->hw_mtu, hf_port_mode_name(p), bind,
		      p->rx_queues, p->tx_queues, dp->nworkers,
		      budget ? budget : 32);
	hf_buf_printf(a->out, "  addresses");
	for (k = 0; k < lp->naddr; k++)
		hf_buf_printf(a->out, " %s/%u", hf_fmt_ip4(lp->addr[k].ip, ip),
			      lp->addr[k].len);
	hf_buf_printf(a->out, "%s\n", lp->naddr ? "" : " none");
	hf_buf_printf(a->out,
		      "  rx %lu pkts %lu bytes  tx %lu pkts %lu bytes\n"
		      "  xdp redirected %lu  passed (no socket) %lu  kernel drops: rx %lu ring-full %lu fill-empty %lu tx-invalid %lu\n",
		      ps.rx_packets, ps.rx_bytes, ps.tx_packets, ps.tx_bytes,
		      xs[HF_XSK_STAT_REDIRECTED], xs[HF_XSK_STAT_PASS_NOSOCK],
		      ks.rx_dropped, ks.rx_ring_full, ks.fill_empty,
		      ks.tx_invalid);
}

static int cmd_show_interfaces(struct hf_cmd_args *a)
{
	const struct hf_l3 *l3 = rcu_dereference(a->dp->l3);
	uint16_t i;

	if (a->json)
		hf_buf_printf(a->out, "{\"interfaces\":[");
	for (i = 0; i < a->dp->nports; i++)
		show_one_interface(a, l3, i);
	if (a->json)
		hf_buf_printf(a->out, "]}\n");
	return 0;
}

/* ---- show routes ---- */

struct route_row {
	uint32_t prefix;
	uint8_t len;
	uint32_t nh;
};

struct route_list {
	struct route_row *row;
	uint32_t n, cap;
};

static void collect_route(uint32_t ip, uint8_t depth, uint32_t nh, void *arg)
{
	struct route_list *l = arg;

	if (l->n < l->cap)
		l->row[l->n++] = (struct route_row){ ip, depth, nh };
}

static int route_cmp(const void *x, const void *y)
{
	const struct route_row *a = x, *b = y;

	if (a->prefix != b->prefix)
		return a->prefix < b->prefix ? -1 : 1;
	return (int)a->len - (int)b->len;
}

static const char *nh_type_name(uint8_t t)
{
	switch (t) {
	case HF_NH_FORWARD:
		return "forward";
	case HF_NH_LOCAL:
		return "local";
	case HF_NH_BROADCAST:
		return "broadcast";
	case HF_NH_BLACKHOLE:
		return "blackhole";
	}
	return "?";
}

static const char *nh_origin_name(uint8_t o)
{
	switch (o) {
	case HF_NH_ORIGIN_CONNECTED:
		return "connected";
	case HF_NH_ORIGIN_LOCAL:
		return "local";
	case HF_NH_ORIGIN_STATIC:
		return "static";
	}
	return "?";
}

static int cmd_show_routes(struct hf_cmd_args *a)
{
	struct route_list l = { .cap = hf_fib_count(a->dp->fib) };
	char pfx[16], gw[16];
	uint32_t i;

	l.row = calloc(l.cap ? l.cap : 1, sizeof(*l.row));
	if (!l.row)
		return hf_cmd_err(a, -ENOMEM, "out of memory");
	hf_fib_walk(a->dp->fib, collect_route, &l);
	qsort(l.row, l.n, sizeof(*l.row), route_cmp);
	if (a->json)
		hf_buf_printf(a->out, "{\"routes\":[");
	else
		hf_buf_printf(a->out, "%-18s %-10s %-9s %-15s %s\n", "prefix",
			      "type", "origin", "gateway", "port");
	for (i = 0; i < l.n; i++) {
		const struct hf_nexthop *nh = hf_nh_at(a->dp->nh, l.row[i].nh);
		const char *port = nh->type == HF_NH_BLACKHOLE ? "-" :
				   a->dp->port[nh->port].name;
		char full[20];

		hf_fmt_ip4(l.row[i].prefix, pfx);
		hf_fmt_ip4(nh->gw, gw);
		snprintf(full, sizeof(full), "%s/%u", pfx, l.row[i].len);
		if (a->json)
			hf_buf_printf(a->out,
				      "%s{\"prefix\":\"%s\",\"type\":\"%s\",\"origin\":\"%s\",\"gateway\":%s%s%s,\"port\":\"%s\"}",
				      i ? "," : "", full, nh_type_name(nh->type),
				      nh_origin_name(nh->origin),
				      nh->gw ? "\"" : "", nh->gw ? gw : "null",
				      nh->gw ? "\"" : "", port);
		else
			hf_buf_printf(a->out, "%-18s %-10s %-9s %-15s %s\n", full,
				      nh_type_name(nh->type),
				      nh_origin_name(nh->origin),
				      nh->gw ? gw : "-", port);
	}
	if (a->json)
		hf_buf_printf(a->out, "]}\n");
	free(l.row);
	return 0;
}

/* ---- show neighbours ---- */

static const char *neigh_state_name(enum hf_neigh_state s)
{
	static const char *const names[] = {
		[HF_NEIGH_INCOMPLETE] = "incomplete",
		[HF_NEIGH_REACHABLE] = "reachable",
		[HF_NEIGH_STALE] = "stale",
		[HF_NEIGH_FAILED] = "failed",
		[HF_NEIGH_PERMANENT] = "permanent",
	};

	return names[s];
}

struct neigh_show {
	struct hf_cmd_args *a;
	uint64_t now;
	uint32_t n;
};

static void show_neigh(const struct hf_neigh *n, void *arg)
{
	struct neigh_show *ns = arg;
	struct hf_cmd_args *a = ns->a;
	enum hf_neigh_state s =
		hf_neigh_state_at(n, ns->now, hf_neigh_params(a->dp->neigh));
	uint64_t confirmed = __atomic_load_n(&n->confirmed_ns, __ATOMIC_RELAXED);
	double age = n->has_mac ? (double)(ns->now - confirmed) / 1e9 : 0;
	char ip[16], mac[18];

	hf_fmt_ip4(n->ip, ip);
	if (n->has_mac)
		hf_fmt_mac(n->mac, mac);
	else
		snprintf(mac, sizeof(mac), "-");
	if (a->json)
		hf_buf_printf(a->out,
			      "%s{\"ip\":\"%s\",\"mac\":%s%s%s,\"port\":\"%s\",\"state\":\"%s\",\"age_s\":%.3f,\"probes\":%u}",
			      ns->n ? "," : "", ip, n->has_mac ? "\"" : "",
			      n->has_mac ? mac : "null", n->has_mac ? "\"" : "",
			      a->dp->port[n->port].name, neigh_state_name(s), age,
			      __atomic_load_n(&n->probes, __ATOMIC_RELAXED));
	else
		hf_buf_printf(a->out, "%-15s %-17s %-10s %-10s %8.1f\n", ip, mac,
			      a->dp->port[n->port].name, neigh_state_name(s),
			      age);
	ns->n++;
}

static int cmd_show_neighbours(struct hf_cmd_args *a)
{
	struct neigh_show ns = { .a = a, .now = hf_now_ns() };

	if (a->json)
		hf_buf_printf(a->out, "{\"neighbours\":[");
	else
		hf_buf_printf(a->out, "%-15s %-17s %-10s %-10s %8s\n", "address",
			      "mac", "port", "state", "age(s)");
	hf_neigh_walk(a->dp->neigh, show_neigh, &ns);
	if (a->json)
		hf_buf_printf(a->out, "]}\n");
	return 0;
}

/* ---- show counters ---- */

/* The snapshot `show counters --delta` compares with (mprelay only). */
static struct {
	bool valid;
	uint64_t at_ns;
	uint64_t c[HF_CNT_MAX];
} last_counters;

static int counters_args(struct hf_cmd_args *a, bool *all, bool *delta)
{
	int i;

	*all = *delta = false;
	for (i = 0; i < a->argc; i++) {
		if (!strcmp(a->argv[i], "all"))
			*all = true;
		else if (!strcmp(a->argv[i], "--delta") ||
			 !strcmp(a->argv[i], "delta"))
			*delta = true;
		else
			return hf_cmd_err(a, -EINVAL,
					  "show counters: unknown argument '%s' (usage: show counters [all] [--delta] [--json])",
					  a->argv[i]);
	}
	return 0;
}

static void counters_json(struct hf_cmd_args *a, const uint64_t *c,
			  bool delta, double interval)
{
	uint32_t i;

	hf_buf_printf(a->out, "{\"counters\":{");
	for (i = 0; i < HF_CNT_MAX; i++)
		hf_buf_printf(a->out, "%s\"%s\":%lu", i ? "," : "",
			      hf_counter_name(i), c[i]);
	hf_buf_printf(a->out, "},\"severity\":{");
	for (i = 0; i < HF_CNT_MAX; i++)
		hf_buf_printf(a->out, "%s\"%s\":\"%s\"", i ? "," : "",
			      hf_counter_name(i), hf_counter_severity(i));
	hf_buf_printf(a->out, "},\"delta\":%s", delta ? "true" : "false");
	if (delta)
		hf_buf_printf(a->out, ",\"interval_s\":%.3f", interval);
	hf_buf_printf(a->out, ",\"ports\":{");
	for (i = 0; i < a->dp->nports; i++) {
		struct hf_port_stats ps;

		hf_dp_port_stats(a->dp, (uint16_t)i, &ps);
		hf_buf_printf(a->out,
			      "%s\"%s\":{\"rx_packets\":%lu,\"rx_bytes\":%lu,\"tx_packets\":%lu,\"tx_bytes\":%lu}",
			      i ? "," : "", a->dp->port[i].name,
			      ps.rx_packets, ps.rx_bytes, ps.tx_packets,
			      ps.tx_bytes);
	}
	hf_buf_printf(a->out, "}}\n");
}

/*
 * show counters [all] [--delta]: grouped by category, and inside a
 * category by severity (error first). --delta shows the change since
 * the previous --delta call (since start on the first).
 */
static int cmd_show_counters(struct hf_cmd_args *a)
{
	static const char *const cats[] = { "pkt", "drop", "fw", "arp",
					    "icmp", "ring" };
	static const char *const sevs[] = { "error", "warn", "info" };
	uint64_t now = hf_now_ns(), c[HF_CNT_MAX], shown[HF_CNT_MAX];
	double interval = 0;
	bool all, delta;
	uint32_t i, k, v;
	int rc = counters_args(a, &all, &delta);

	if (rc)
		return rc;
	hf_dp_counters(a->dp, c);
	memcpy(shown, c, sizeof(c));
	if (delta) {
		if (last_counters.valid) {
			for (i = 0; i < HF_CNT_MAX; i++)
				shown[i] = c[i] - last_counters.c[i];
			interval = (double)(now - last_counters.at_ns) / 1e9;
		}
		memcpy(last_counters.c, c, sizeof(c));
		last_counters.at_ns = now;
		last_counters.valid = true;
	}
	if (a->json) {
		counters_json(a, shown, delta, interval);
		return 0;
	}
	if (delta && interval > 0)
		hf_buf_printf(a->out, "change over the last %.1f s\n", interval);
	else if (delta)
		hf_buf_printf(a->out, "first --delta: change since start\n");
	for (k = 0; k < ARRAY_SIZE(cats); k++)
		for (v = 0; v < ARRAY_SIZE(sevs); v++) {
			bool header = false;

			for (i = 0; i < HF_CNT_MAX; i++) {
				if (strcmp(hf_counter_category(i), cats[k]) ||
				    strcmp(hf_counter_severity(i), sevs[v]) ||
				    (!shown[i] && !all))
					continue;
				if (!header)
					hf_buf_printf(a->out, "%s (%s):\n",
						      cats[k], sevs[v]);
				header = true;
				hf_buf_printf(a->out, "  %-24s %14lu  %s\n",
					      hf_counter_name(i), shown[i],
					      hf_counter_help(i));
			}
		}
	return 0;
}

/* ---- show threads ---- */

/* CPU seconds a thread has used, from /proc (utime + stime). */
static double thread_cpu_seconds(pid_t tid)
{
	unsigned long ut = 0, st = 0;
	char path[64], line[512], *p;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", (int)tid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (!fgets(line, sizeof(line), f)) {
		fclose(f);
		return 0;
	}
	fclose(f);
	p = strrchr(line, ')');	/* the name may contain spaces */
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
			 &ut, &st) != 2)
		return 0;
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

static void thread_row(struct hf_cmd_args *a, bool first, const char *name,
		       pid_t tid, int cpu, int64_t loops, int64_t busy)
{
	double cpu_s = thread_cpu_seconds(tid);
	double share = loops > 0 ? 100.0 * (double)busy / (double)loops : 0;

	if (a->json) {
		hf_buf_printf(a->out,
			      "%s{\"name\":\"%s\",\"tid\":%d,\"cpu\":%d,\"cpu_seconds\":%.2f",
			      first ? "" : ",", name, (int)tid, cpu, cpu_s);
		if (loops >= 0)
			hf_buf_printf(a->out,
				      ",\"loops\":%ld,\"busy_loops\":%ld,\"busy_pct\":%.2f",
				      (long)loops, (long)busy, share);
		hf_buf_printf(a->out, "}");
		return;
	}
	char core[12];

	snprintf(core, sizeof(core), cpu >= 0 ? "%d" : "-", cpu);
	hf_buf_printf(a->out, "%-12s %8d %7s %10.2f", name, (int)tid, core,
		      cpu_s);
	if (loops >= 0)
		hf_buf_printf(a->out, " %14ld %7.2f%%", (long)loops, share);
	hf_buf_printf(a->out, "\n");
}

static int cmd_show_threads(struct hf_cmd_args *a)
{
	const struct hf_dataplane *dp = a->dp;
	uint32_t i;

	if (a->json)
		hf_buf_printf(a->out, "{\"threads\":[");
	else
		hf_buf_printf(a->out, "%-12s %8s %7s %10s %14s %8s\n", "thread",
			      "tid", "cpu", "cpu-time", "loops", "busy");
	thread_row(a, true, "main", dp->main_tid, -1, -1, -1);
	thread_row(a, false, "mprelay",
		   __atomic_load_n(&dp->mprelay_tid, __ATOMIC_RELAXED), -1, -1,
		   -1);
	for (i = 0; i < dp->nworkers; i++) {
		const struct hf_worker *w = dp->worker[i];
		char name[16];

		snprintf(name, sizeof(name), "pan_task/%u", w->id);
		thread_row(a, false, name,
			   __atomic_load_n(&w->tid, __ATOMIC_RELAXED), w->cpu,
			   (int64_t)hf_cnt_read(&w->loops),
			   (int64_t)hf_cnt_read(&w->busy_loops));
	}
	if (a->json)
		hf_buf_printf(a->out, "]}\n");
	return 0;
}

/* ---- route add|replace|del ---- */

static int parse_route_words(struct hf_cmd_args *a, struct hf_cfg_route *r)
{
	int port;

	memset(r, 0, sizeof(*r));
	r->port = -1;
	if (a->argc < 2 || hf_parse_prefix4(a->argv[0], &r->prefix, &r->len))
		return hf_cmd_err(a, -EINVAL,
			       "usage: route add|replace <prefix> via <gw> [port <name>] | <prefix> port <name> | <prefix> blackhole");
	if (r->prefix & ~hf_prefix4_mask(r->len))
		return hf_cmd_err(a, -EINVAL, "prefix '%s' has host bits set",
			       a->argv[0]);
	if (!strcmp(a->argv[1], "via") && (a->argc == 3 || a->argc == 5)) {
		r->kind = HF_ROUTE_VIA;
		if (hf_parse_ip4(a->argv[2], &r->gw))
			return hf_cmd_err(a, -EINVAL, "gateway '%s' is not an IPv4 address",
				       a->argv[2]);
		if (a->argc == 5) {
			if (strcmp(a->argv[3], "port"))
				return hf_cmd_err(a, -EINVAL, "expected 'port <name>'");
			port = hf_cmd_port_by_name(a, a->argv[4]);
			if (port < 0)
				return port;
			r->port = port;
		}
		return 0;
	}
	if (!strcmp(a->argv[1], "port") && a->argc == 3) {
		r->kind = HF_ROUTE_ONLINK;
		port = hf_cmd_port_by_name(a, a->argv[2]);
		if (port < 0)
			return port;
		r->port = port;
		return 0;
	}
	if (!strcmp(a->argv[1], "blackhole") && a->argc == 2) {
		r->kind = HF_ROUTE_BLACKHOLE;
		return 0;
	}
	return hf_cmd_err(a, -EINVAL,
		       "usage: route add|replace <prefix> via <gw> [port <name>] | <prefix> port <name> | <prefix> blackhole");
}

static int route_set(struct hf_cmd_args *a, bool replace)
{
	struct hf_cfg_route r;
	int rc = parse_route_words(a, &r);

	if (rc)
		return rc;
	return hf_routes_static(a->dp, rcu_dereference(a->dp->l3), &r, replace,
				a->err, a->errlen);
}

static int cmd_route_add(struct hf_cmd_args *a)
{
	return route_set(a, false);
}

static int cmd_route_replace(struct hf_cmd_args *a)
{
	return route_set(a, true);
}

static int cmd_route_del(struct hf_cmd_args *a)
{
	uint32_t prefix;
	uint8_t len;

	if (a->argc != 1 || hf_parse_prefix4(a->argv[0], &prefix, &len))
		return hf_cmd_err(a, -EINVAL, "usage: route del <prefix>");
	if (prefix & ~hf_prefix4_mask(len))
		return hf_cmd_err(a, -EINVAL, "prefix '%s' has host bits set",
			       a->argv[0]);
	return hf_routes_static_del(a->dp, prefix, len, a->err, a->errlen);
}

/* ---- address add|del, mtu set ---- */

static int parse_port_addr(struct hf_cmd_args *a, int *port,
			   struct hf_cfg_addr *ad)
{
	if (a->argc != 2 || !strchr(a->argv[1], '/'))
		return hf_cmd_err(a, -EINVAL, "usage: address add|del <port> <a.b.c.d/len>");
	*port = hf_cmd_port_by_name(a, a->argv[0]);
	if (*port < 0)
		return *port;
	if (hf_parse_prefix4(a->argv[1], &ad->ip, &ad->len) || !ad->len)
		return hf_cmd_err(a, -EINVAL, "'%s' is not an address a.b.c.d/len",
			       a->argv[1]);
	return 0;
}

static bool subnet_in_use(const struct hf_l3 *l3, const struct hf_cfg_addr *ad)
{
	uint32_t i, k;

	for (i = 0; i < l3->nports; i++)
		for (k = 0; k < l3->port[i].naddr; k++) {
			const struct hf_cfg_addr *b = &l3->port[i].addr[k];

			if (hf_prefix4_overlap(ad->ip, ad->len, b->ip, b->len))
				return true;
		}
	return false;
}

static int cmd_address_add(struct hf_cmd_args *a)
{
	struct hf_cfg_addr ad;
	struct hf_l3 *l3;
	int port, rc;

	rc = parse_port_addr(a, &port, &ad);
	if (rc)
		return rc;
	if (hf_addr4_is_net_or_bcast(ad.ip, ad.len))
		return hf_cmd_err(a, -EINVAL,
			       "%s is the network or broadcast address of its subnet",
			       a->argv[1]);
	l3 = hf_dp_l3_edit(a->dp);
	if (!l3)
		return hf_cmd_err(a, -ENOMEM, "out of memory");
	if (subnet_in_use(l3, &ad)) {
		hf_dp_l3_abort(a->dp, l3);
		return hf_cmd_err(a, -EEXIST, "%s overlaps an existing subnet",
			       a->argv[1]);
	}
	if (l3->port[port].naddr >= HF_MAX_PORT_ADDRS) {
		hf_dp_l3_abort(a->dp, l3);
		return hf_cmd_err(a, -ENOSPC, "port '%s' has %d addresses already",
			       a->argv[0], HF_MAX_PORT_ADDRS);
	}
	rc = hf_routes_addr_add(a->dp, (uint16_t)port, &ad, a->err, a->errlen);
	if (rc) {
		hf_dp_l3_abort(a->dp, l3);
		return rc;
	}
	l3->port[port].addr[l3->port[port].naddr++] = ad;
	hf_dp_l3_commit(a->dp, l3);
	return 0;
}

static int cmd_address_del(struct hf_cmd_args *a)
{
	struct hf_cfg_addr ad;
	struct hf_l3_port *lp;
	struct hf_l3 *l3;
	uint32_t k;
	int port, rc;

	rc = parse_port_addr(a, &port, &ad);
	if (rc)
		return rc;
	l3 = hf_dp_l3_edit(a->dp);
	if (!l3)
		return hf_cmd_err(a, -ENOMEM, "out of memory");
	lp = &l3->port[port];
	for (k = 0; k < lp->naddr; k++)
		if (lp->addr[k].ip == ad.ip && lp->addr[k].len == ad.len)
			break;
	if (k == lp->naddr) {
		hf_dp_l3_abort(a->dp, l3);
		return hf_cmd_err(a, -ENOENT, "port '%s' has no address %s",
			       a->argv[0], a->argv[1]);
	}
	memmove(&lp->addr[k], &lp->addr[k + 1],
		(lp->naddr - k - 1) * sizeof(lp->addr[0]));
	lp->naddr--;
	/* stop answering for it first, then withdraw its routes */
	hf_dp_l3_commit(a->dp, l3);
	return hf_routes_addr_del(a->dp, (uint16_t)port, &ad, a->err,
				  a->errlen);
}

static int cmd_mtu_set(struct hf_cmd_args *a)
{
	struct hf_l3 *l3;
	uint32_t mtu;
	int port;

	if (a->argc != 2)
		return hf_cmd_err(a, -EINVAL, "usage: mtu set <port> <mtu>");
	port = hf_cmd_port_by_name(a, a->argv[0]);
	if (port < 0)
		return port;
	if (hf_parse_u32(a->argv[1], 68, a->dp->port[port].hw_mtu, &mtu))
		return hf_cmd_err(a, -ERANGE,
			       "mtu '%s' must be 68..%u (the interface MTU of %s)",
			       a->argv[1], a->dp->port[port].hw_mtu,
			       a->dp->port[port].ifname);
	l3 = hf_dp_l3_edit(a->dp);
	if (!l3)
		return hf_cmd_err(a, -ENOMEM, "out of memory");
	l3->port[port].mtu = mtu;
	hf_dp_l3_commit(a->dp, l3);
	return 0;
}

/* ---- the table ---- */

struct command {
	const char *path[2];
	int (*fn)(struct hf_cmd_args *a);
	const char *help;
};

static const struct command commands[] = {
	{ { "show", "interfaces" }, cmd_show_interfaces,
	  "ports: driver, XDP mode, copy/zero-copy, queues, MTU, traffic, kernel drops" },
	{ { "show", "routes" }, cmd_show_routes, "the FIB" },
	{ { "show", "neighbours" }, cmd_show_neighbours, "the ARP table" },
	{ { "show", "neighbors" }, cmd_show_neighbours, NULL },
	{ { "show", "counters" }, cmd_show_counters,
	  "[all] [--delta]: counters by category and severity; --delta: change since the last --delta" },
	{ { "show", "threads" }, cmd_show_threads,
	  "threads, cores, CPU time, worker busy share" },
	{ { "route", "add" }, cmd_route_add,
	  "<prefix> via <gw> [port <name>] | <prefix> port <name> | <prefix> blackhole" },
	{ { "route", "replace" }, cmd_route_replace, "as route add, for an existing prefix" },
	{ { "route", "del" }, cmd_route_del, "<prefix>" },
	{ { "address", "add" }, cmd_address_add, "<port> <a.b.c.d/len>" },
	{ { "address", "del" }, cmd_address_del, "<port> <a.b.c.d/len>" },
	{ { "mtu", "set" }, cmd_mtu_set, "<port> <mtu>" },
	{ { "show", "sessions" }, hf_cmd_show_sessions,
	  "[address A] [port N] [protocol P] [state S] [zone Z] [limit N]" },
	{ { "show", "session" }, hf_cmd_show_session, "<id> | info" },
	{ { "clear", "sessions" }, hf_cmd_clear_sessions,
	  "[filters as show sessions]: remove sessions" },
	{ { "show", "policy" }, hf_cmd_show_policy, "zones, rules, hits" },
	{ { "policy", "load" }, hf_cmd_policy_load,
	  "<file> [reevaluate]: commit a new rule set atomically" },
	{ { "capture", "start" }, hf_cmd_capture_start,
	  "--stage rx|fw|tx|drop|all[,...] [--filter EXPR] [--count N] [--snaplen N] --file F.pcap" },
	{ { "capture", "stop" }, hf_cmd_capture_stop,
	  "stop the capture, flush and close its file" },
	{ { "capture", "status" }, hf_cmd_capture_status,
	  "the running (or last) capture and its statistics" },
	{ { "show", "capture" }, hf_cmd_capture_status, NULL },
	{ { "show", "ha" }, hf_cmd_show_ha,
	  "HA state, peer, timers, last transition, health, sync" },
	{ { "ha", "suspend" }, hf_cmd_ha_suspend,
	  "step down and stay out of the election until `ha functional`" },
	{ { "ha", "functional" }, hf_cmd_ha_functional,
	  "end a suspension (also after the flap limit)" },
	{ { "ha", "failover" }, hf_cmd_ha_failover,
	  "the active node hands over to the peer (which must be synced)" },
};

void hf_cmd_help(struct hf_buf *out)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(commands); i++)
		if (commands[i].help)
			hf_buf_printf(out, "  %s %-12s %s\n", commands[i].path[0],
				      commands[i].path[1], commands[i].help);
	hf_buf_printf(out, "  (every show command takes --json)\n");
}

int hf_cmd_exec(struct hf_dataplane *dp, int argc, char **argv,
		struct hf_buf *out, char *err, size_t errlen)
{
	struct hf_cmd_args a = { .dp = dp, .out = out, .err = err,
			      .errlen = errlen };
	char *words[64] = { NULL };
	int n = 0, i;
	size_t c;

	for (i = 0; i < argc && n < (int)ARRAY_SIZE(words); i++) {
		if (!strcmp(argv[i], "--json"))
			a.json = true;
		else
			words[n++] = argv[i];
	}
	if (n == 1 && !strcmp(words[0], "help")) {
		hf_cmd_help(out);
		return 0;
	}
	for (c = 0; c < ARRAY_SIZE(commands); c++) {
		if (n < 2 || strcmp(words[0], commands[c].path[0]) ||
		    strcmp(words[1], commands[c].path[1]))
			continue;
		a.argc = n - 2;
		a.argv = words + 2;
		return commands[c].fn(&a);
	}
	return hf_cmd_err(&a, -EINVAL, "unknown command '%s%s%s' (try 'help')",
		       n ? words[0] : "", n > 1 ? " " : "", n > 1 ? words[1] : "");
}
