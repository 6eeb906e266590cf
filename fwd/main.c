// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * main.c - hafwd: configuration -> validation -> port self-check -> XDP
 * attach -> tables -> mprelay -> pan_task workers -> wait for a signal
 * -> orderly shutdown (workers, mprelay, sockets, XDP detach).
 *
 * All signals are blocked before any thread starts and are read from a
 * signalfd by the main thread only; no code runs in signal context.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/log.h"
#include "common/rcu.h"
#include "control/config.h"
#include "control/mprelay.h"
#include "ha/ha_agent.h"
#include "ha/dha.h"
#include "ha/dssd.h"
#include "fwd/dataplane.h"
#include "fwd/port.h"
#include "fwd/umem.h"
#include "fwd/worker.h"

#define HF_ETH_HLEN_VLAN	(14 + 4)	/* a tagged frame may arrive */

struct options {
	const char *config;
	bool check_only;
	bool use_syslog;
	enum hf_log_level level;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: hafwd [-c FILE] [--check-config] [--syslog] [-v]\n"
		"  -c, --config FILE    configuration (default /etc/hafwd.conf)\n"
		"  -t, --check-config   validate the configuration and exit\n"
		"      --syslog         log to syslog instead of stderr\n"
		"  -v, --verbose        debug logging\n"
		"Global configuration options:\n");
	hf_config_usage();
}

static int parse_args(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check-config", no_argument, NULL, 't' },
		{ "syslog", no_argument, NULL, 'S' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	o->config = "/etc/hafwd.conf";
	o->level = HF_LOG_INFO;
	while ((c = getopt_long(argc, argv, "c:tvh", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			o->config = optarg;
			break;
		case 't':
			o->check_only = true;
			break;
		case 'S':
			o->use_syslog = true;
			break;
		case 'v':
			o->level = HF_LOG_DEBUG;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -EINVAL;
		}
	}
	/* --check-config FILE: accept the file as a positional argument */
	if (optind < argc && o->check_only && optind == argc - 1)
		o->config = argv[optind++];
	if (optind < argc) {
		fprintf(stderr, "hafwd: unexpected argument '%s'\n", argv[optind]);
		return -EINVAL;
	}
	return 0;
}

/*
 * Refuse set-ups that would silently lose traffic: queues nobody reads,
 * queues a worker cannot bind, frames larger than a UMEM frame, an MTU
 * above what the interface carries.
 */
static int self_check_port(const struct hf_config *cfg,
			   const struct hf_cfg_port *c, const struct hf_port *p)
{
	uint32_t max_mtu = HF_FRAME_DATA_MAX - HF_ETH_HLEN_VLAN;

	if (p->rx_queues != cfg->workers) {
		log_err("port '%s': %s has %u rx queues but hafwd runs %u workers (one socket per queue); %s",
			c->name, c->ifname, p->rx_queues, cfg->workers,
			p->rx_queues > cfg->workers ?
			"traffic on the extra queues would bypass hafwd: set 'workers' to the queue count or reduce the queues (ethtool -L <if> combined N)" :
			"set 'workers' to the queue count or add queues (ethtool -L, or numrxqueues/numtxqueues for veth)");
		return -EINVAL;
	}
	if (p->tx_queues < cfg->workers) {
		log_err("port '%s': %s has %u tx queues, fewer than the %u workers: add tx queues or reduce 'workers'",
			c->name, c->ifname, p->tx_queues, cfg->workers);
		return -EINVAL;
	}
	if (p->hw_mtu > max_mtu) {
		log_err("port '%s': interface MTU %u of %s does not fit a %u-byte UMEM frame: lower it to at most %u (ip link set dev %s mtu %u)",
			c->name, p->hw_mtu, c->ifname, HF_FRAME_SIZE, max_mtu,
			c->ifname, max_mtu);
		return -EINVAL;
	}
	if (c->mtu > p->hw_mtu) {
		log_err("port '%s': configured mtu %u exceeds the MTU %u of %s: raise the interface MTU or lower the port's",
			c->name, c->mtu, p->hw_mtu, c->ifname);
		return -EINVAL;
	}
	return 0;
}

static int probe_ports(struct hf_dataplane *dp, const struct hf_config *cfg)
{
	char err[512];
	uint32_t i;
	int rc;

	for (i = 0; i < cfg->nports; i++) {
		rc = hf_port_probe(&dp->port[i], &cfg->port[i], err,
				   sizeof(err));
		if (rc) {
			log_err("%s", err);
			return rc;
		}
		rc = self_check_port(cfg, &cfg->port[i], &dp->port[i]);
		if (rc)
			return rc;
		dp->nports = i + 1;
	}
	return 0;
}

static int attach_ports(struct hf_dataplane *dp, const struct hf_config *cfg)
{
	char err[512];
	uint32_t i;
	int rc;

	for (i = 0; i < dp->nports; i++) {
		rc = hf_port_attach(&dp->port[i], cfg->port[i].xdp_mode, err,
				    sizeof(err));
		if (!rc)
			rc = hf_port_accept_mac(&dp->port[i],
						dp->l3->port[i].mac, err,
						sizeof(err));
		if (rc) {
			log_err("%s", err);
			return rc;
		}
	}
	return 0;
}

static void detach_ports(struct hf_dataplane *dp)
{
	uint32_t i;

	for (i = 0; i < dp->nports; i++)
		hf_port_detach(&dp->port[i]);
}

static int create_workers(struct hf_dataplane *dp, const struct hf_config *cfg)
{
	char err[512];
	uint32_t i;

	for (i = 0; i < cfg->workers; i++) {
		dp->worker[i] = hf_worker_create(dp, i, err, sizeof(err));
		if (!dp->worker[i]) {
			log_err("%s", err);
			return -EINVAL;
		}
		dp->nworkers = i + 1;
	}
	return 0;
}

static void log_ports(const struct hf_dataplane *dp)
{
	bool zc = dp->nworkers && hf_worker_zerocopy(dp->worker[0]);
	uint32_t i;

	for (i = 0; i < dp->nports; i++) {
		const struct hf_port *p = &dp->port[i];

		log_info("port %s: %s ifindex %d driver %s, XDP %s, %s, %u/%u rx queues bound, MTU %u",
			 p->name, p->ifname, p->ifindex, p->driver,
			 hf_port_mode_name(p), zc ? "zero-copy" : "copy",
			 dp->nworkers, p->rx_queues, dp->l3->port[i].mtu);
	}
}

static int block_signals(int *sfd)
{
	sigset_t set;

	sigfillset(&set);
	/* keep synchronous faults deliverable for core dumps */
	sigdelset(&set, SIGSEGV);
	sigdelset(&set, SIGBUS);
	sigdelset(&set, SIGFPE);
	sigdelset(&set, SIGILL);
	sigdelset(&set, SIGABRT);
	if (pthread_sigmask(SIG_BLOCK, &set, NULL))
		return -errno;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	*sfd = signalfd(-1, &set, SFD_CLOEXEC);
	return *sfd < 0 ? -errno : 0;
}

static void wait_for_stop(int sfd)
{
	struct signalfd_siginfo si;

	for (;;) {
		if (read(sfd, &si, sizeof(si)) != sizeof(si)) {
			if (errno == EINTR)
				continue;
			log_err("signalfd: %s", strerror(errno));
			return;
		}
		if (si.ssi_signo == SIGHUP) {
			log_warn("SIGHUP: configuration reload is not supported yet; use hafwctl to change routes and addresses");
			continue;
		}
		log_info("%s: shutting down", strsignal((int)si.ssi_signo));
		return;
	}
}

static int run(struct hf_dataplane *dp, const struct hf_config *cfg, int sfd)
{
	struct hf_mprelay *m = NULL;
	char err[512];
	uint32_t i;
	int rc;

	rc = probe_ports(dp, cfg);
	if (rc)
		return rc;
	dp->l3 = hf_dp_l3_from_config(dp);
	if (!dp->l3)
		return -ENOMEM;
	rc = attach_ports(dp, cfg);
	if (rc)
		goto out;
	rc = hf_mprelay_create(&m, dp, err, sizeof(err));
	if (rc) {
		log_err("%s", err);
		goto out;
	}
	rc = create_workers(dp, cfg);
	if (rc)
		goto out;
	if (cfg->ha.present) {
		rc = hf_ha_agent_create(&dp->ha, dp, err, sizeof(err));
		if (rc) {
			log_err("ha: %s", err);
			goto out;
		}
		rc = hf_dha_create(&dp->dha, dp, dp->ha, err, sizeof(err));
		if (rc) {
			log_err("ha: %s", err);
			goto out;
		}
		rc = hf_dssd_create(&dp->dssd, dp, dp->ha, err, sizeof(err));
		if (rc) {
			log_err("ha: session sync: %s", err);
			goto out;
		}
		hf_ha_agent_set_sync(dp->ha, hf_dssd_ops(dp->dssd), dp->dssd);
	}
	log_ports(dp);
	rc = hf_mprelay_start(m);
	for (i = 0; !rc && i < dp->nworkers; i++)
		rc = hf_worker_start(dp->worker[i]);
	/* last: a node takes over only with everything else running, and
	 * with dha's first verdict on its health already posted */
	if (!rc && dp->dssd)
		rc = hf_dssd_start(dp->dssd);
	if (!rc && dp->dha)
		rc = hf_dha_start(dp->dha);
	if (!rc && dp->ha)
		rc = hf_ha_agent_start(dp->ha);
	if (rc) {
		log_err("starting threads: %s", strerror(-rc));
	} else {
		log_info("hafwd running: %u worker(s), %u port(s), control socket %s",
			 dp->nworkers, dp->nports, cfg->ctl_path);
		wait_for_stop(sfd);
	}
out:
	/* first: the peer takes over while this node still runs (dha
	 * before: workers stopping is no fault) */
	hf_dha_stop(dp->dha);
	hf_ha_agent_stop(dp->ha);
	hf_dssd_stop(dp->dssd);		/* main is RCU-offline */
	__atomic_store_n(&dp->stop, true, __ATOMIC_RELAXED);
	for (i = 0; i < dp->nworkers; i++)
		hf_worker_join(dp->worker[i]);
	/* after the workers: mprelay stops a running packet capture on its
	 * way out, so the file gets every frame they captured */
	hf_mprelay_stop(m);
	for (i = 0; i < dp->nworkers; i++)
		hf_worker_destroy(dp->worker[i]);
	dp->nworkers = 0;
	detach_ports(dp);
	hf_mprelay_destroy(m);
	hf_dha_destroy(dp->dha);
	dp->dha = NULL;
	/* dssd reports to the agent: it goes first */
	hf_dssd_destroy(dp->dssd);
	dp->dssd = NULL;
	hf_ha_agent_destroy(dp->ha);
	dp->ha = NULL;
	return rc;
}

int main(int argc, char **argv)
{
	struct hf_config cfg;
	struct hf_dataplane dp;
	struct options o = { 0 };
	char err[512];
	int sfd = -1, rc;

	if (parse_args(argc, argv, &o))
		return 2;
	hf_log_init("hafwd", o.use_syslog, o.level);
	hf_log_hook_libs();
	hf_config_defaults(&cfg);
	if (hf_config_load(&cfg, o.config, err, sizeof(err)) ||
	    hf_config_validate(&cfg, o.config, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		hf_config_free(&cfg);
		return 1;
	}
	if (o.check_only) {
		printf("%s: configuration is valid (%u ports, %u routes, %u workers)\n",
		       o.config, cfg.nports, cfg.nroutes, cfg.workers);
		hf_config_free(&cfg);
		return 0;
	}
	rc = block_signals(&sfd);
	if (rc) {
		log_err("blocking signals: %s", strerror(-rc));
		return 1;
	}
	hf_rcu_register_offline();
	rc = hf_dp_init(&dp, &cfg, err, sizeof(err));
	if (rc) {
		log_err("%s", err);
	} else {
		dp.main_tid = (pid_t)syscall(SYS_gettid);
		rc = run(&dp, &cfg, sfd);
		/* let pending call_rcu frees finish before the tables go */
		rcu_barrier();
		hf_dp_fini(&dp);
	}
	hf_rcu_unregister_offline();
	close(sfd);
	hf_config_free(&cfg);
	if (!rc)
		log_info("stopped cleanly");
	return rc ? 1 : 0;
}
