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
 *       virtual-address <a.b.c.d/len>  HA: repeatable; answered only
 *                                      while the node is active
 *       virtual-mac <mac>              HA: source MAC while active
 *   }
 *   route <prefix> via <gateway> [port <name>]
 *   route <prefix> port <name>         on-link route
 *   route <prefix> blackhole
 *   neighbour <ip> <mac> port <name>   static ARP entry
 *   zone / rule / policy-default       security policy: see
 *                                      control/config_policy.c
 *   ha {                               at most one; control/config_ha.c
 *       node-id <1..4294967295>        required, differs from the peer's
 *       priority <0..65535>            default 100; LOWER is preferred
 *       preempt yes|no                 default no
 *       preempt-hold <0..3600000 ms>   default 1000
 *       heartbeat-interval <10..60000 ms>  default 100
 *       heartbeat-misses <2..100>      default 3
 *       flap-max <0..1000>             default 3; 0: no limit
 *       flap-window <1000..86400000 ms>    default 60000
 *       interface <ifname>             required: the HA link, a kernel
 *                                      interface that is no data port's
 *       local-address <a.b.c.d>        required: own address on the link
 *       peer-address <a.b.c.d>         required, != local-address
 *       ha1-port <1..65535>            default 28769 (UDP hellos, TCP)
 *       sync-port <1..65535>           default 28770 (UDP sync), != ha1
 *       key <32..128 hex digits>       optional HMAC key (even count), or
 *       key-file <absolute path>       one line of hex; read at parse time
 *       garp-count <0..100>            default 3
 *       garp-interval <1..10000 ms>    default 10
 *       worker-stuck <50..60000 ms>    default 1000
 *       link-group <name> any|all <port> [<port> ...]
 *       path-group <name> any|all [interval <10..60000 ms>]
 *                  [misses <1..100>] target <a.b.c.d> [target ...]
 *   }                                  path-group: interval 100, misses 3
 *
 * Ports must be defined before a line names them (routes, neighbours,
 * zones, link-groups); the ha block itself may come anywhere. Keywords
 * of the ha block may each be given once. Up to HF_HA_MAX_GROUPS groups
 * of each kind, names unique over both kinds; up to HF_HA_MAX_TARGETS
 * targets per path group. A key is never echoed in error messages.
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

#define HF_MAX_ZONES		32
#define HF_MAX_RULES		4096
#define HF_NAME_MAX		32

#define HF_ZONE_NONE		0	/* a port in no zone */
#define HF_ZONE_ANY		0xff	/* rule: any zone */
#define HF_PROTO_ANY		0x100	/* rule: any protocol */

/* Session timeout classes: X(id, option suffix, default seconds).
 * Option: session-timeout-<suffix> <seconds>. */
#define HF_SESS_TIMEOUTS(X)					\
	X(TCP_SYN,	   "tcp-syn",	      5)		\
	X(TCP_HANDSHAKE,   "tcp-handshake",   10)		\
	X(TCP_ESTABLISHED, "tcp-established", 3600)		\
	X(TCP_HALF_CLOSED, "tcp-half-closed", 120)		\
	X(TCP_TIME_WAIT,   "tcp-time-wait",   15)		\
	X(UDP,		   "udp",	      30)		\
	X(ICMP,		   "icmp",	      6)		\
	X(OTHER,	   "other",	      30)

enum hf_sess_timeout {
#define HF_X_TO(id, name, secs) HF_TO_##id,
	HF_SESS_TIMEOUTS(HF_X_TO)
#undef HF_X_TO
	HF_TO_MAX
};

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
	/* HA: owned by the active node only */
	struct hf_cfg_addr vaddr[HF_MAX_PORT_ADDRS];
	unsigned int nvaddr;
	uint8_t vmac[6];
	bool has_vmac;
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

/* A zone: named set of ports. Zone ids are index + 1. */
struct hf_cfg_zone {
	char name[HF_NAME_MAX];
	uint32_t ports;		/* bit per port index */
	unsigned int line;
};

struct hf_cfg_rule {
	char name[HF_NAME_MAX];
	uint8_t from_zone;	/* zone id or HF_ZONE_ANY */
	uint8_t to_zone;
	uint8_t src_len;	/* 0: any */
	uint8_t dst_len;
	uint32_t src;		/* host order, host bits clear */
	uint32_t dst;
	uint16_t proto;		/* or HF_PROTO_ANY */
	uint16_t dport_lo;	/* 0..65535: any */
	uint16_t dport_hi;
	bool has_dport;
	bool allow;
	unsigned int line;
};

/* Present when the config has any zone/rule/policy-default line:
 * hafwd is then stateful, otherwise a plain router. */
struct hf_cfg_policy {
	bool present;
	bool default_allow;
	struct hf_cfg_zone zone[HF_MAX_ZONES];
	uint32_t nzones;
	struct hf_cfg_rule *rule;
	uint32_t nrules;
};

#define HF_HA_MAX_GROUPS	8
#define HF_HA_MAX_TARGETS	8
#define HF_HA_KEY_MAX		64

/*
 * HA monitor group. Link group: data ports (bit per port index); path
 * group: ICMP echo targets probed through the dataplane every
 * interval_ms, a target failed after `misses` unanswered probes in a
 * row. A group fails when any member fails (all == false) or when all
 * of them fail (all == true); a failed group makes the node
 * non-functional.
 */
struct hf_cfg_ha_group {
	char name[HF_NAME_MAX];
	bool all;
	uint32_t ports;				/* link group */
	uint32_t target[HF_HA_MAX_TARGETS];	/* path group, host order */
	uint32_t ntargets;
	uint32_t interval_ms;
	uint32_t misses;
	unsigned int line;
};

/* The `ha { ... }` block; absent: a standalone node (always forwards). */
struct hf_cfg_ha {
	bool present;
	uint32_t node_id;		/* 1..2^32-1, differs from the peer's */
	uint32_t priority;		/* 0..65535, LOWER is preferred */
	bool preempt;
	uint32_t preempt_hold_ms;
	uint32_t hb_interval_ms;	/* HA1 hello interval, >= 10 */
	uint32_t hb_misses;		/* >= 2 */
	uint32_t flap_max;		/* 0: no limit */
	uint32_t flap_window_ms;
	char ifname[IF_NAMESIZE];	/* the HA link: a kernel interface */
	uint32_t local_ip;		/* host order, on the HA link */
	uint32_t peer_ip;
	uint16_t ha1_port;		/* UDP hellos + TCP peer connection */
	uint16_t sync_port;		/* UDP, HA2 session sync */
	uint8_t key[HF_HA_KEY_MAX];	/* HMAC key of HA messages */
	uint32_t key_len;		/* 0: unauthenticated */
	uint32_t garp_count;		/* gratuitous ARPs per virtual IP */
	uint32_t garp_interval_ms;
	uint32_t worker_stuck_ms;	/* a worker silent this long: fault */
	struct hf_cfg_ha_group link_group[HF_HA_MAX_GROUPS];
	uint32_t nlink_groups;
	struct hf_cfg_ha_group path_group[HF_HA_MAX_GROUPS];
	uint32_t npath_groups;
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
	uint32_t session_max;
	uint32_t session_timeout[HF_TO_MAX];	/* seconds */
	uint32_t tcp_loose_pickup;	/* 1: a mid-stream TCP packet opens */

	struct hf_cfg_port port[HF_MAX_PORTS];
	uint32_t nports;
	struct hf_cfg_route *route;
	uint32_t nroutes;
	struct hf_cfg_neigh *neigh;
	uint32_t nneigh;
	struct hf_cfg_policy policy;
	struct hf_cfg_ha ha;
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

/**
 * hf_config_parse_policy() - parse @text, a policy file (zone, rule and
 * policy-default lines only; zones name the ports of @cfg), into @out.
 * "file:line: reason" on error. The caller frees out->rule.
 */
int hf_config_parse_policy(const struct hf_config *cfg, const char *file,
			   const char *text, struct hf_cfg_policy *out,
			   char *err, size_t errlen);

/** hf_config_load_policy() - read @path and hf_config_parse_policy() it. */
int hf_config_load_policy(const struct hf_config *cfg, const char *path,
			  struct hf_cfg_policy *out, char *err, size_t errlen);

/** hf_config_free() - free what parsing allocated (not @cfg itself). */
void hf_config_free(struct hf_config *cfg);

/** hf_config_port_index() - index of the port named @name, or -1. */
int hf_config_port_index(const struct hf_config *cfg, const char *name);

/** hf_config_usage() - print the global option table to stdout. */
void hf_config_usage(void);

#endif /* HF_CONTROL_CONFIG_H */
