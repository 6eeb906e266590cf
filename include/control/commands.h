/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * control/commands.h - the control commands served by mprelay, as one
 * table of word paths with help strings ("show counters", "route add",
 * ...). Every show command has a human table and a --json form.
 *
 * Concurrency: mprelay thread only, RCU-online around hf_cmd_exec().
 * Commands that change tables act as the single writer.
 */
#ifndef HF_CONTROL_COMMANDS_H
#define HF_CONTROL_COMMANDS_H

#include <stddef.h>

struct hf_dataplane;
struct hf_buf;

/**
 * hf_cmd_exec() - run the command @argv[0..@argc).
 * Return: 0 with the reply body in @out, or -errno with a one-line
 * reason in @err.
 */
int hf_cmd_exec(struct hf_dataplane *dp, int argc, char **argv,
		struct hf_buf *out, char *err, size_t errlen);

/** hf_cmd_help() - the command list, one line each, into @out. */
void hf_cmd_help(struct hf_buf *out);

#endif /* HF_CONTROL_COMMANDS_H */
