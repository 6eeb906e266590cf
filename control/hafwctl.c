// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * hafwctl.c - command-line client of hafwd's control socket.
 * Sends the command words as one line (control/ctl_proto.h), prints the
 * reply body on stdout, or the error on stderr with exit status 1.
 *
 * Two commands name files that hafwd opens from its own working
 * directory (policy load, capture start --file): hafwctl sends them as
 * absolute paths. "capture start --filter" takes a pcap expression with
 * spaces: the words up to the next --option are joined and sent as one
 * %-encoded word, as is the --file value (control/commands_capture.c).
 */
#include <errno.h>
#include <limits.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "control/ctl_proto.h"

#define DEFAULT_SOCKET	"/run/hafwd.sock"

/* an encoded value may be three times longer than its text */
#define ENC_MAX		(3 * HF_CTL_REQ_MAX)

static void usage(FILE *f)
{
	fprintf(f,
		"usage: hafwctl [-s SOCKET] [--json] COMMAND...\n"
		"  -s, --socket PATH   control socket (default %s)\n"
		"  -j, --json          machine-readable output for show commands\n"
		"  hafwctl help        lists the commands\n"
		"  e.g. hafwctl capture start --stage rx,drop --filter 'udp port 53' --count 100 --file dns.pcap\n",
		DEFAULT_SOCKET);
}

static int connect_to(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = 10 };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "hafwctl: socket path '%s' is too long\n", path);
		return -1;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		fprintf(stderr, "hafwctl: socket: %s\n", strerror(errno));
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		fprintf(stderr, "hafwctl: cannot connect to %s: %s (is hafwd running?)\n",
			path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static int build_request(char *req, size_t cap, int argc, char **argv,
			 int json)
{
	size_t len = 0;
	int i, n;

	for (i = 0; i < argc; i++) {
		if (strpbrk(argv[i], " \t\r\n") || !argv[i][0]) {
			fprintf(stderr, "hafwctl: argument '%s' may not be empty or contain spaces\n",
				argv[i]);
			return -1;
		}
		n = snprintf(req + len, cap - len, "%s%s", i ? " " : "", argv[i]);
		if (n < 0 || (size_t)n >= cap - len)
			goto toolong;
		len += (size_t)n;
	}
	n = snprintf(req + len, cap - len, "%s\n", json ? " --json" : "");
	if (n < 0 || (size_t)n >= cap - len)
		goto toolong;
	return (int)(len + (size_t)n);
toolong:
	fprintf(stderr, "hafwctl: command longer than %d bytes\n", HF_CTL_REQ_MAX);
	return -1;
}

/* Print the reply: status line decides stdout vs stderr and the exit code. */
static int relay_reply(int fd)
{
	char buf[65536];
	size_t have = 0;
	int status = -1;
	ssize_t n;

	while ((n = read(fd, buf + have, sizeof(buf) - have)) > 0) {
		have += (size_t)n;
		if (status < 0) {
			char *nl = memchr(buf, '\n', have);

			if (!nl && have < sizeof(buf))
				continue;
			if (!strncmp(buf, HF_CTL_STATUS_OK, strlen(HF_CTL_STATUS_OK))) {
				status = 0;
				have -= strlen(HF_CTL_STATUS_OK);
				memmove(buf, buf + strlen(HF_CTL_STATUS_OK), have);
			} else {
				status = 1;
				fputs("hafwctl: ", stderr);
			}
		}
		fwrite(buf, 1, have, status ? stderr : stdout);
		have = 0;
	}
	if (n < 0) {
		fprintf(stderr, "hafwctl: reading the reply: %s\n", strerror(errno));
		return 1;
	}
	if (status < 0) {
		fprintf(stderr, "hafwctl: hafwd closed the connection without a reply\n");
		return 1;
	}
	return status;
}

/*
 * "policy load FILE": hafwd reads the file itself, from its own working
 * directory, so send the absolute path. @abs holds it.
 */
static int absolute_policy_path(int argc, char **argv, char *abs)
{
	if (argc < 3 || strcmp(argv[0], "policy") || strcmp(argv[1], "load"))
		return 0;
	if (!realpath(argv[2], abs)) {
		fprintf(stderr, "hafwctl: policy file '%s': %s\n", argv[2],
			strerror(errno));
		return -1;
	}
	argv[2] = abs;
	return 0;
}

/*
 * %-encode @s into @out (@cap bytes): every byte that would split or
 * end the request word (space, control characters, DEL) and '%' itself.
 */
static int encode_word(const char *s, char *out, size_t cap)
{
	size_t n = 0;

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (n + 4 > cap)
			return -1;
		if (c <= ' ' || c == '%' || c == 0x7f)
			n += (size_t)snprintf(out + n, cap - n, "%%%02X", c);
		else
			out[n++] = (char)c;
	}
	out[n] = '\0';
	return 0;
}

/*
 * The absolute form of @path, a file that need not exist yet: its
 * directory must, and is resolved with realpath().
 */
static int absolute_new_path(const char *path, char *abs)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	const char *base = slash ? slash + 1 : path;
	size_t dlen = slash ? (size_t)(slash - path) : 0;

	if (!*base || !strcmp(base, ".") || !strcmp(base, "..")) {
		fprintf(stderr, "hafwctl: capture file '%s' names a directory\n",
			path);
		return -1;
	}
	if (dlen >= sizeof(dir)) {
		fprintf(stderr, "hafwctl: capture file '%s': path too long\n",
			path);
		return -1;
	}
	if (!slash) {
		strcpy(dir, ".");
	} else if (!dlen) {
		strcpy(dir, "/");
	} else {
		memcpy(dir, path, dlen);
		dir[dlen] = '\0';
	}
	if (!realpath(dir, abs)) {
		fprintf(stderr, "hafwctl: capture file '%s': directory '%s': %s\n",
			path, dir, strerror(errno));
		return -1;
	}
	if (strlen(abs) + 1 + strlen(base) >= PATH_MAX) {
		fprintf(stderr, "hafwctl: capture file '%s': path too long\n",
			path);
		return -1;
	}
	if (strcmp(abs, "/"))
		strcat(abs, "/");
	strcat(abs, base);
	return 0;
}

/*
 * "capture start ...": rewrite the words after the command in @argv
 * (@argc of them, the command path included) into @out: --file made
 * absolute and encoded, the words of --filter joined and encoded.
 * Return: the new word count, or -1 after a message.
 */
static int capture_start_words(int argc, char **argv, char **out,
			       char *file_enc, char *filter_enc)
{
	char abs[PATH_MAX], joined[HF_CTL_REQ_MAX];
	size_t used;
	int i, n = 0;

	for (i = 0; i < argc && n < HF_CTL_MAX_WORDS; i++) {
		if (i >= 2 && !strcmp(argv[i], "--file") && i + 1 < argc) {
			out[n++] = argv[i++];
			if (absolute_new_path(argv[i], abs))
				return -1;
			if (encode_word(abs, file_enc, ENC_MAX))
				goto toolong;
			out[n++] = file_enc;
			continue;
		}
		if (i >= 2 && !strcmp(argv[i], "--filter")) {
			out[n++] = argv[i];
			used = 0;
			joined[0] = '\0';
			while (i + 1 < argc && strncmp(argv[i + 1], "--", 2)) {
				int k = snprintf(joined + used,
						 sizeof(joined) - used, "%s%s",
						 used ? " " : "", argv[++i]);

				if (k < 0 || (size_t)k >= sizeof(joined) - used)
					goto toolong;
				used += (size_t)k;
			}
			if (!used)
				continue;	/* hafwd says what is missing */
			if (encode_word(joined, filter_enc, ENC_MAX))
				goto toolong;
			out[n++] = filter_enc;
			continue;
		}
		out[n++] = argv[i];
	}
	if (i < argc) {
		fprintf(stderr, "hafwctl: more than %d words\n",
			HF_CTL_MAX_WORDS);
		return -1;
	}
	return n;
toolong:
	fprintf(stderr, "hafwctl: command longer than %d bytes\n", HF_CTL_REQ_MAX);
	return -1;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = getenv("HAFWD_SOCKET");
	static char file_enc[ENC_MAX], filter_enc[ENC_MAX];
	char req[HF_CTL_REQ_MAX], abs[PATH_MAX];
	char *words[HF_CTL_MAX_WORDS];
	int json = 0, c, fd, len, rc, nwords;

	if (!path)
		path = DEFAULT_SOCKET;
	/* '+': stop at the first command word, so "route del x" is data */
	while ((c = getopt_long(argc, argv, "+s:jh", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			path = optarg;
			break;
		case 'j':
			json = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	if (absolute_policy_path(argc - optind, argv + optind, abs))
		return 2;
	argv += optind;
	argc -= optind;
	if (argc >= 2 && !strcmp(argv[0], "capture") &&
	    !strcmp(argv[1], "start")) {
		nwords = capture_start_words(argc, argv, words, file_enc,
					     filter_enc);
		if (nwords < 0)
			return 2;
		argc = nwords;
		argv = words;
	}
	len = build_request(req, sizeof(req), argc, argv, json);
	if (len < 0)
		return 2;
	fd = connect_to(path);
	if (fd < 0)
		return 1;
	if (write(fd, req, (size_t)len) != len) {
		fprintf(stderr, "hafwctl: sending the command: %s\n", strerror(errno));
		close(fd);
		return 1;
	}
	rc = relay_reply(fd);
	close(fd);
	return rc;
}
