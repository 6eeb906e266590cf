/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cmd_fixture.h - what the control-command unit tests share: run one
 * command line through hf_cmd_exec() the way mprelay does, words split
 * on spaces, with a fresh reply buffer. Included once by each test
 * program that needs it (after cmocka.h).
 */
#ifndef HF_TESTS_CMD_FIXTURE_H
#define HF_TESTS_CMD_FIXTURE_H

#include <stdlib.h>
#include <string.h>

#include "control/buf.h"
#include "control/commands.h"
#include "fwd/dataplane.h"

#define CMD_MAX_WORDS	16

/*
 * fixture_cmd() - run @line on @dp. Returns the command's return code;
 * the reply is in out->data ("" if none), a failure reason in @err.
 */
static inline int fixture_cmd(struct hf_dataplane *dp, struct hf_buf *out,
			      char *err, size_t errlen, const char *line)
{
	char *copy = strdup(line), *argv[CMD_MAX_WORDS], *save = NULL, *tok;
	int argc = 0, rc;

	assert_non_null(copy);
	for (tok = strtok_r(copy, " ", &save); tok;
	     tok = strtok_r(NULL, " ", &save)) {
		assert_true(argc < CMD_MAX_WORDS);
		argv[argc++] = tok;
	}
	hf_buf_reset(out);
	hf_buf_printf(out, "%s", "");
	err[0] = '\0';
	rc = hf_cmd_exec(dp, argc, argv, out, err, errlen);
	free(copy);
	assert_false(hf_buf_failed(out));
	return rc;
}

#endif /* HF_TESTS_CMD_FIXTURE_H */
