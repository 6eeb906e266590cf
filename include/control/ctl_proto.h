/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * control/ctl_proto.h - the control-socket protocol between hafwctl and
 * hafwd's mprelay thread. Inline-only: both sides include it.
 *
 * Request: one line, the command words separated by single spaces,
 * terminated by '\n', at most HF_CTL_REQ_MAX bytes. Words never contain
 * spaces (they are names, numbers, addresses, prefixes, MACs).
 * Reply: a status line, "ok" or "error: <reason>", then the body; the
 * server closes the connection after the reply.
 */
#ifndef HF_CONTROL_CTL_PROTO_H
#define HF_CONTROL_CTL_PROTO_H

#define HF_CTL_REQ_MAX		1024
#define HF_CTL_MAX_WORDS	32
#define HF_CTL_STATUS_OK	"ok\n"
#define HF_CTL_STATUS_ERR	"error: "
#define HF_CTL_TIMEOUT_MS	2000

#endif /* HF_CONTROL_CTL_PROTO_H */
