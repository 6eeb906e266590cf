/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * control/cmd_args.h - what a control command handler gets, shared by
 * the files that implement commands (commands.c: tables, interfaces,
 * counters; commands_fw.c: sessions and policy). Not for use outside
 * control/commands*.c.
 */
#ifndef HF_CONTROL_CMD_ARGS_H
#define HF_CONTROL_CMD_ARGS_H

#include <stdbool.h>
#include <stddef.h>

struct hf_buf;
struct hf_dataplane;

struct hf_cmd_args {
	struct hf_dataplane *dp;
	int argc;		/* words after the command path */
	char **argv;
	bool json;
	struct hf_buf *out;
	char *err;
	size_t errlen;
};

/** hf_cmd_err() - write the one-line reason, return @rc. */
__attribute__((format(printf, 3, 4)))
int hf_cmd_err(struct hf_cmd_args *a, int rc, const char *fmt, ...);

/** hf_cmd_port_by_name() - port index, or -ENOENT with a reason. */
int hf_cmd_port_by_name(struct hf_cmd_args *a, const char *name);

/* sessions and policy (commands_fw.c); run RCU-online */
int hf_cmd_show_sessions(struct hf_cmd_args *a);
int hf_cmd_show_session(struct hf_cmd_args *a);
int hf_cmd_clear_sessions(struct hf_cmd_args *a);
int hf_cmd_show_policy(struct hf_cmd_args *a);
int hf_cmd_policy_load(struct hf_cmd_args *a);

/* packet capture (commands_capture.c); run RCU-online */
int hf_cmd_capture_start(struct hf_cmd_args *a);
int hf_cmd_capture_stop(struct hf_cmd_args *a);
int hf_cmd_capture_status(struct hf_cmd_args *a);

/* HA (commands_ha.c); the agent does the work on its own thread */
int hf_cmd_show_ha(struct hf_cmd_args *a);
int hf_cmd_ha_suspend(struct hf_cmd_args *a);
int hf_cmd_ha_functional(struct hf_cmd_args *a);
int hf_cmd_ha_failover(struct hf_cmd_args *a);

#endif /* HF_CONTROL_CMD_ARGS_H */
