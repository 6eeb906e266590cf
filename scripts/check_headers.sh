#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Every header compiles on its own, and its guard matches its path
# (include/fwd/fib.h -> HF_FWD_FIB_H).
set -euo pipefail
cd "$(dirname "$0")/.."
cflags=$(pkg-config --cflags libxdp libbpf liburcu-qsbr 2>/dev/null)
bad=0
for h in $(find include -name '*.h' | sort); do
	rel=${h#include/}
	guard=HF_$(echo "${rel%.h}" | tr '[:lower:]/' '[:upper:]_')_H
	if ! grep -q "^#ifndef $guard\$" "$h"; then
		echo "$h: include guard should be $guard"
		bad=1
	fi
	if ! echo "#include \"$rel\"" | gcc -std=gnu11 -D_GNU_SOURCE -D_LGPL_SOURCE \
		-Wall -Wextra -Werror -Iinclude $cflags -fsyntax-only -x c - 2>/tmp/hdrchk.$$; then
		echo "$h: does not compile on its own:"
		sed 's/^/    /' /tmp/hdrchk.$$
		bad=1
	fi
done
rm -f /tmp/hdrchk.$$
[ $bad -eq 0 ] && echo "headers: all self-contained, guards match"
exit $bad
