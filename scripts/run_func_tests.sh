#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The scapy suite and the short failover drill: need root (network
# namespaces, XDP). Uses Debian's python3 (scapy, pytest, pyroute2 come
# from Debian packages).
set -uo pipefail
cd "$(dirname "$0")/.."
PY=/usr/bin/python3
if [ "$(id -u)" -ne 0 ]; then
	echo "functional tests need root: skipped"
	exit 0
fi
# one run per folder: each has its own conftest.py, which the tests
# import by that name
rc=0
for dir in tests/func tests/ha; do
	$PY -m pytest -q -p no:cacheprovider "$dir" "$@"
	r=$?
	# pytest exit 5 = no tests collected: a failure, never a pass
	[ $r -eq 5 ] && echo "$dir: no tests were collected"
	[ $r -ne 0 ] && rc=$r
done
exit $rc
