/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * control/config.h - the hafwd configuration: defaults, file parser,
 * validation. A config is parsed and validated completely before any
 * interface is touched; every error names file:line and the reason.
 * Not thread-safe; built by the main thread, then read-only.
 *
 * File grammar (one statement per line, '#' starts a comment):
 *   <option> <value>                   global options, see hf_config_usage
 *   port <name> {                      one block per data port
 *       interface <ifname>
 *       address <a.b.c.d/len>          repeatable
 *       mac <aa:bb:cc:dd:ee:ff>        default: the interface's MAC
 *       mtu <n>                        default: the interface's MTU
 *       xdp-mode auto|native|generic
 *       bind-mode auto|zerocopy|copy
 *   }
 *   route <prefix> via <gateway> [port <name>]
 *   route <prefix> port <name>         on-link route
 *   route <prefix> blackhole
 *   neighbour <ip> <mac> port <name>   static ARP entry
 */
#ifndef HF_CONTROL_CONFIG_H
#define HF_CONTROL_CONFIG_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HF_MAX_PORTS		16
#define HF_MAX_PORT_ADDRS	8
#define HF_MAX_WORKERS		64
#define HF_PORT_NAME_MAX	16
#define HF_CTL_PATH_MAX		108

enum hf_xdp_mode { HF_XDP_AUTO, HF_XDP_NATIVE, HF_XDP_GENERIC };
enum hf_bind_mode { HF_BIND_AUTO, HF_BIND_ZEROCOPY, HF_BIND_COPY };
enum hf_poll_mode { HF_POLL_BUSY, HF_POLL_ADAPTIVE };

struct hf_cfg_addr {
	uint32_t ip;		/* host order, host bits kept */
	uint8_t len;
};

struct hf_cfg_port {
	char name[HF_PORT_NAME_MAX];
	char ifname[IF_NAMESIZE];
	struct hf_cfg_addr addr[HF_MAX_PORT_ADDRS];
	unsigned int naddr;
	uint8_t mac[6];
	bool has_mac;
	uint32_t mtu;		/* 0: take the interface's */
	enum hf_xdp_mode xdp_mode;
	enum hf_bind_mode bind_mode;
	unsigned int line;
};

enum hf_cfg_route_kind { HF_ROUTE_VIA, HF_ROUTE_ONLINK, HF_ROUTE_BLACKHOLE };

struct hf_cfg_route {
	uint32_t prefix;
	uint8_t len;
	enum hf_cfg_route_kind kind;
	uint32_t gw;
	int port;		/* index, or -1: found from the gateway */
	unsigned int line;
};

struct hf_cfg_neigh {
	uint32_t ip;
	uint8_t mac[6];
	int port;
	unsigned int line;
};

struct hf_config {
	/* global options (table in config.c) */
	uint32_t workers;
	uint32_t cores[HF_MAX_WORKERS];
	uint32_t ncores;
	char ctl_path[HF_CTL_PATH_MAX];
	uint32_t rx_ring;
	uint32_t tx_ring;
	enum hf_poll_mode poll_mode;
	uint32_t idle_spin;		/* adaptive: empty loops before sleeping */
	uint32_t worker_priority;	/* SCHED_FIFO priority, 0: SCHED_OTHER */
	uint32_t tx_budget;		/* frames per copy-mode sendto() */
	uint32_t icmp_rate;		/* ICMP errors per second per worker */
	uint32_t icmp_burst;
	uint32_t neigh_reachable_ms;
	uint32_t neigh_stale_keep_ms;
	uint32_t neigh_resolve_ms;
	uint32_t neigh_probe_ms;
	uint32_t neigh_max;
	uint32_t arp_hold;		/* packets held per unresolved neighbour */
	uint32_t fib_max_routes;
	uint32_t fib_tbl8_groups;
	uint32_t nexthops_max;

	struct hf_cfg_port port[HF_MAX_PORTS];
	uint32_t nports;
	struct hf_cfg_route *route;
	uint32_t nroutes;
	struct hf_cfg_neigh *neigh;
	uint32_t nneigh;
};

/** hf_config_defaults() - fill @cfg with the defaults. */
void hf_config_defaults(struct hf_config *cfg);

/**
 * hf_config_parse() - parse @text (named @file in messages) into @cfg,
 * which must hold the defaults. On error writes "file:line: reason" to
 * @err. Return: 0 or -EINVAL.
 */
int hf_config_parse(struct hf_config *cfg, const char *file,
		    const char *text, char *err, size_t errlen);

/** hf_config_load() - read @path and parse it. -errno on I/O errors. */
int hf_config_load(struct hf_config *cfg, const char *path, char *err,
		   size_t errlen);

/**
 * hf_config_validate() - cross-statement checks (duplicate names and
 * interfaces, overlapping subnets, gateways not on a connected subnet,
 * core list length...). "file:line: reason" on error. Return 0/-EINVAL.
 */
int hf_config_validate(const struct hf_config *cfg, const char *file,
		       char *err, size_t errlen);

/** hf_config_free() - free what parsing allocated (not @cfg itself). */
void hf_config_free(struct hf_config *cfg);

/** hf_config_port_index() - index of the port named @name, or -1. */
int hf_config_port_index(const struct hf_config *cfg, const char *name);

/** hf_config_usage() - print the global option table to stdout. */
void hf_config_usage(void);

#endif /* HF_CONTROL_CONFIG_H */
